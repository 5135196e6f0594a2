//! The strategic plan and the review cycles through the API.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::*;

both_backends! {
    async fn the_cio_builds_a_plan_with_stable_codes_and_everyone_reads_it(app) {
        app.department().await;
        let cio = app.token("cio@example.org").await;
        let f = app.plan_and_cycle(&cio).await;
        for email in ["eng@example.org", "advisor@example.org"] {
            let token = app.token(email).await;
            let (status, plan) = app.get_json(&token, &format!("/api/v1/plans/{}", f.plan)).await;
            assert_eq!(status, StatusCode::OK, "{email}");
            let codes: Vec<&str> = plan["goals"].as_array().unwrap().iter()
                .flat_map(|g| g["objectives"].as_array().unwrap().iter().map(|o| o["code"].as_str().unwrap()))
                .collect();
            assert_eq!(codes, ["G1.1", "G1.2", "G2.1"]);
            assert_eq!(plan["values"], json!(["Service first"]));
        }
        // Moving G2 first changes the order, not the codes.
        let (_, plan) = app.get_json(&cio, &format!("/api/v1/plans/{}", f.plan)).await;
        let g2 = plan["goals"][1]["id"].as_i64().unwrap();
        let response = app.api.patch(app.url(&format!("/api/v1/strategic-goals/{g2}"))).bearer_auth(&cio).json(&json!({"position": 1})).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::NO_CONTENT);
        let (_, plan) = app.get_json(&cio, &format!("/api/v1/plans/{}", f.plan)).await;
        assert_eq!(plan["goals"][0]["code"], "G2");
        assert_eq!(plan["goals"][1]["code"], "G1");
        // A third goal gets the next number.
        let (_, created) = app.post_json(&cio, &format!("/api/v1/plans/{}/goals", f.plan), json!({"title": "People"})).await;
        let (_, plan) = app.get_json(&cio, &format!("/api/v1/plans/{}", f.plan)).await;
        let new = plan["goals"].as_array().unwrap().iter().find(|g| g["id"] == created["id"]).unwrap();
        assert_eq!(new["code"], "G3");
    }
}

both_backends! {
    async fn only_the_cio_changes_the_plan_and_the_cycles(app) {
        app.department().await;
        let cio = app.token("cio@example.org").await;
        let f = app.plan_and_cycle(&cio).await;
        for email in ["lead@example.org", "eng@example.org", "advisor@example.org"] {
            let token = app.token(email).await;
            let (status, _) = app.post_json(&token, "/api/v1/plans", json!({"title": "Mine", "start_year": 2026, "end_year": 2027})).await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{email}");
            let (status, _) = app.patch_json(&token, &format!("/api/v1/plans/{}", f.plan), json!({"title": "Mine"})).await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{email}");
            let (status, _) = app.post_json(&token, &format!("/api/v1/cycles/{}/phase", f.cycle), json!({"phase": "in_progress"})).await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{email}");
            let (status, _) = app.get_json(&token, "/api/v1/cycles").await;
            assert_eq!(status, StatusCode::OK, "{email} reads the cycles");
        }
    }
}

both_backends! {
    async fn activating_a_plan_archives_the_one_in_force(app) {
        app.department().await;
        let cio = app.token("cio@example.org").await;
        let f = app.plan_and_cycle(&cio).await;
        let (_, next) = app.post_json(&cio, "/api/v1/plans", json!({"title": "Next", "start_year": 2028, "end_year": 2031})).await;
        assert_eq!(next["status"], "draft");
        let (status, next) = app.patch_json(&cio, &format!("/api/v1/plans/{}", next["id"]), json!({"status": "active"})).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(next["status"], "active");
        let (_, old) = app.get_json(&cio, &format!("/api/v1/plans/{}", f.plan)).await;
        assert_eq!(old["status"], "archived");
        // An archived plan is read-only, and never goes back to draft.
        let (status, _) = app.post_json(&cio, &format!("/api/v1/plans/{}/goals", f.plan), json!({"title": "Late"})).await;
        assert_eq!(status, StatusCode::CONFLICT);
        let (status, _) = app.patch_json(&cio, &format!("/api/v1/plans/{}", next["id"]), json!({"status": "draft"})).await;
        assert_eq!(status, StatusCode::CONFLICT);
    }
}

both_backends! {
    async fn an_objective_with_goals_cannot_be_deleted_but_can_be_retired(app) {
        app.department().await;
        let cio = app.token("cio@example.org").await;
        let engineer = app.token("eng@example.org").await;
        let f = app.plan_and_cycle(&cio).await;
        app.propose_goal(&engineer, f.cycle, f.objectives[0], "Answer faster").await;
        let response = app.api.delete(app.url(&format!("/api/v1/objectives/{}", f.objectives[0]))).bearer_auth(&cio).send().await.unwrap();
        let (status, problem) = split(response).await;
        assert_eq!(status, StatusCode::CONFLICT);
        assert!(problem["detail"].as_str().unwrap().contains("retire it instead"), "{problem}");
        let response = app.api.patch(app.url(&format!("/api/v1/objectives/{}", f.objectives[0]))).bearer_auth(&cio).json(&json!({"retired": true})).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::NO_CONTENT);
        // A retired objective takes no new goals.
        let (status, problem) = app.post_json(&engineer, &format!("/api/v1/cycles/{}/goals", f.cycle), json!({"objective_id": f.objectives[0], "title": "More", "category": "service"})).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(error_fields(&problem), ["objective_id"]);
        // An objective nobody used can go.
        let response = app.api.delete(app.url(&format!("/api/v1/objectives/{}", f.objectives[2]))).bearer_auth(&cio).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::NO_CONTENT);
    }
}

both_backends! {
    async fn the_plan_shows_coverage_and_the_objectives_nobody_works_on(app) {
        let d = app.department().await;
        let cio = app.token("cio@example.org").await;
        let engineer = app.token("eng@example.org").await;
        let peer = app.token("peer@example.org").await;
        let lead = app.token("lead@example.org").await;
        let f = app.plan_and_cycle(&cio).await;
        let mine = app.propose_goal(&engineer, f.cycle, f.objectives[0], "Answer faster").await;
        app.propose_goal(&peer, f.cycle, f.objectives[0], "Answer better").await;
        let dropped = app.propose_goal(&peer, f.cycle, f.objectives[1], "Never mind").await;
        app.post_json(&peer, &format!("/api/v1/goals/{dropped}/outcome"), json!({"status": "dropped"})).await;
        app.post_json(&lead, &format!("/api/v1/goals/{mine}/agree"), json!({})).await;
        app.move_cycle(&cio, f.cycle, "in_progress").await;
        let (status, _) = app.post_json(&engineer, &format!("/api/v1/goals/{mine}/outcome"), json!({"status": "achieved"})).await;
        assert_eq!(status, StatusCode::OK);
        let (_, plan) = app.get_json(&cio, &format!("/api/v1/plans/{}", f.plan)).await;
        let objectives: Vec<&serde_json::Value> = plan["goals"].as_array().unwrap().iter().flat_map(|g| g["objectives"].as_array().unwrap()).collect();
        assert_eq!((objectives[0]["linked_goals"].as_i64(), objectives[0]["achieved_goals"].as_i64()), (Some(2), Some(1)));
        assert_eq!(objectives[0]["uncovered"], false);
        assert_eq!(objectives[1]["linked_goals"], 0, "dropped goals do not count");
        assert_eq!(objectives[1]["uncovered"], true);
        assert_eq!(objectives[2]["uncovered"], true);
        let _ = d;
    }
}

/// Every phase, every target: only the next phase is legal.
const PHASES: [&str; 4] = ["goal_setting", "in_progress", "self_evaluation", "closed"];

both_backends! {
    async fn a_cycle_moves_one_phase_at_a_time_and_never_reopens(app) {
        app.department().await;
        let cio = app.token("cio@example.org").await;
        let f = app.plan_and_cycle(&cio).await;
        for (i, current) in PHASES.iter().enumerate() {
            for (j, target) in PHASES.iter().enumerate() {
                if j == i + 1 {
                    continue;
                }
                let (status, problem) = app.post_json(&cio, &format!("/api/v1/cycles/{}/phase", f.cycle), json!({"phase": target})).await;
                assert_eq!(status, StatusCode::CONFLICT, "{current} -> {target}");
                assert!(!problem["detail"].as_str().unwrap().is_empty());
            }
            if let Some(next) = PHASES.get(i + 1) {
                app.move_cycle(&cio, f.cycle, next).await;
            }
        }
        let (_, cycle) = app.get_json(&cio, &format!("/api/v1/cycles/{}", f.cycle)).await;
        assert_eq!(cycle["phase"], "closed");
        let (status, problem) = app.post_json(&cio, &format!("/api/v1/cycles/{}/phase", f.cycle), json!({"phase": "in_progress"})).await;
        assert_eq!(status, StatusCode::CONFLICT);
        assert!(problem["detail"].as_str().unwrap().contains("cannot be reopened"));
        let (status, problem) = app.post_json(&cio, &format!("/api/v1/cycles/{}/phase", f.cycle), json!({"phase": "finished"})).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(error_fields(&problem), ["phase"]);
    }
}

both_backends! {
    async fn a_closed_cycle_is_read_only_for_everyone(app) {
        let d = app.department().await;
        let cio = app.token("cio@example.org").await;
        let engineer = app.token("eng@example.org").await;
        let lead = app.token("lead@example.org").await;
        let f = app.plan_and_cycle(&cio).await;
        let goal = app.propose_goal(&engineer, f.cycle, f.objectives[0], "Answer faster").await;
        for phase in ["in_progress", "self_evaluation", "closed"] {
            app.move_cycle(&cio, f.cycle, phase).await;
        }
        let attempts = [
            (&cio, format!("/api/v1/cycles/{}", f.cycle), json!({"name": "Renamed"}), "patch"),
            (&engineer, format!("/api/v1/goals/{goal}"), json!({"title": "Changed"}), "patch"),
            (&lead, format!("/api/v1/goals/{goal}/agree"), json!({}), "post"),
            (&engineer, format!("/api/v1/goals/{goal}/outcome"), json!({"status": "dropped"}), "post"),
            (&engineer, format!("/api/v1/cycles/{}/goals", f.cycle), json!({"objective_id": f.objectives[0], "title": "New", "category": "other"}), "post"),
            (&engineer, format!("/api/v1/cycles/{}/self-evaluations/{}", f.cycle, d.engineer), json!({}), "put"),
        ];
        for (token, path, body, method) in attempts {
            let request = match method {
                "patch" => app.api.patch(app.url(&path)),
                "put" => app.api.put(app.url(&path)),
                _ => app.api.post(app.url(&path)),
            };
            let response = request.bearer_auth(token).json(&body).send().await.unwrap();
            let (status, problem) = split(response).await;
            assert_eq!(status, StatusCode::CONFLICT, "{method} {path}: {problem}");
        }
    }
}

both_backends! {
    async fn bad_plans_and_cycles_get_422_naming_each_field(app) {
        app.department().await;
        let cio = app.token("cio@example.org").await;
        let f = app.plan_and_cycle(&cio).await;
        let long = "x".repeat(10_000);
        #[rustfmt::skip]
        let plans = [
            (json!({}), vec!["title", "start_year", "end_year"]),
            (json!({"title": "", "start_year": 2026, "end_year": 2027}), vec!["title"]),
            (json!({"title": long, "start_year": 2026, "end_year": 2027}), vec!["title"]),
            (json!({"title": "P", "start_year": 1900, "end_year": 2027}), vec!["start_year"]),
            (json!({"title": "P", "start_year": 2028, "end_year": 2026}), vec!["end_year"]),
            (json!({"title": "P", "start_year": 2026, "end_year": 2027, "status": "done"}), vec!["status"]),
            (json!({"title": "P", "start_year": 2026, "end_year": 2027, "values": [long.clone()]}), vec!["values"]),
            (json!({"title": "P", "start_year": 2026, "end_year": 2027, "values": ["Two\nlines"]}), vec!["values"]),
            (json!({"title": "P", "start_year": 2026, "end_year": 2027, "values": ["Bell\u{0007}"]}), vec!["values"]),
        ];
        for (body, fields) in plans {
            let (status, problem) = app.post_json(&cio, "/api/v1/plans", body.clone()).await;
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
            assert_eq!(error_fields(&problem), fields, "{body}");
        }
        #[rustfmt::skip]
        let cycles = [
            (json!({}), vec!["name", "plan_id", "starts_on", "ends_on"]),
            (json!({"name": "C", "plan_id": 999, "starts_on": "2026-07-01", "ends_on": "2027-06-30"}), vec!["plan_id"]),
            (json!({"name": "C", "plan_id": f.plan, "starts_on": "2027-07-01", "ends_on": "2027-06-30"}), vec!["ends_on"]),
            (json!({"name": long, "plan_id": f.plan, "starts_on": "2026-07-01", "ends_on": "2027-06-30"}), vec!["name"]),
        ];
        for (body, fields) in cycles {
            let (status, problem) = app.post_json(&cio, "/api/v1/cycles", body.clone()).await;
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
            assert_eq!(error_fields(&problem), fields, "{body}");
        }
        let (status, problem) = app.post_json(&cio, "/api/v1/cycles", json!({"name": "C", "plan_id": f.plan, "starts_on": "not a date", "ends_on": "2027-06-30"})).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(error_fields(&problem), ["starts_on"]);
    }
}

both_backends! {
    async fn a_conflict_comes_back_to_the_page_of_its_form_or_button(app) {
        app.department().await;
        let cio_token = app.token("cio@example.org").await;
        let engineer = app.token("eng@example.org").await;
        let f = app.plan_and_cycle(&cio_token).await;
        app.propose_goal(&engineer, f.cycle, f.objectives[0], "Answer faster").await;
        let cio = app.signed_in("cio@example.org").await;
        let plan = format!("/plans/{}", f.plan);
        // A button: the plan page again, with the reason at its top.
        let plan_id = f.plan.to_string();
        let response = cio
            .post_form(&plan, &format!("/objectives/{}/delete", f.objectives[0]), &[("plan_id", plan_id.as_str())])
            .await;
        assert_eq!(response.status(), StatusCode::CONFLICT);
        let html = response.text().await.unwrap();
        assert!(html.contains(r#"<div class="alert" role="alert"><p>1 goal(s) are linked to this objective, so it cannot be deleted; retire it instead.</p></div>"#), "{html}");
        assert!(html.contains("G1.1"), "the plan itself: {html}");
        // The phase button: the cycles page, with the reason at its top.
        let response = cio.post_form("/cycles", &format!("/cycles/{}/phase", f.cycle), &[("phase", "closed")]).await;
        assert_eq!(response.status(), StatusCode::CONFLICT);
        let html = response.text().await.unwrap();
        assert!(html.contains(r#"<div class="alert" role="alert"><p>A cycle in Goal setting can only move to In progress, not to Closed.</p></div>"#), "{html}");
        // A form whose plan was archived meanwhile: the form again, as typed, with the reason.
        let edit = format!("{plan}/edit");
        let form_page = cio.get_html(&edit).await;
        assert!(form_page.contains("Edit the plan"));
        let (status, _) = app.post_json(&cio_token, "/api/v1/plans", json!({"title": "Next", "start_year": 2028, "end_year": 2031, "status": "active"})).await;
        assert_eq!(status, StatusCode::CREATED);
        let response = cio
            .post_form(&edit, &plan, &[("title", "Typed again"), ("start_year", "2025"), ("end_year", "2028"), ("status", "archived")])
            .await;
        assert_eq!(response.status(), StatusCode::CONFLICT);
        let html = response.text().await.unwrap();
        assert!(html.contains("This plan is archived and read-only; make it active again to change it."), "{html}");
        assert!(html.contains(r#"value="Typed again""#), "{html}");
        // Field errors still point at the fields.
        let response = cio
            .post_form("/plans", "/plans", &[("title", ""), ("start_year", "2026"), ("end_year", "2029"), ("status", "draft")])
            .await;
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let html = response.text().await.unwrap();
        assert!(html.contains(r##"<div class="alert" role="alert"><p>Please correct this field:</p><ul class="error-summary"><li><a href="#title">Title</a>: "##), "{html}");
    }
}

/// G2.1's linked and achieved goals as one reader sees them in the API and on the page,
/// for all cycles and for each cycle: `None` where withheld.
type Figures = (Option<i64>, Option<i64>);

async fn g21_through_the_api(app: &TestApp, token: &str, plan: i64, cycle: Option<i64>) -> Figures {
    let path = match cycle {
        Some(c) => format!("/api/v1/plans/{plan}?cycle_id={c}"),
        None => format!("/api/v1/plans/{plan}"),
    };
    let (status, body) = app.get_json(token, &path).await;
    assert_eq!(status, StatusCode::OK, "{path}");
    let g21 = &body["goals"][1]["objectives"][0];
    assert_eq!(g21["code"], "G2.1");
    let figures = (g21["linked_goals"].as_i64(), g21["achieved_goals"].as_i64());
    assert_eq!(
        g21["fewer_than"].is_null(),
        figures.0.is_some() && figures.1.is_some(),
        "{g21}"
    );
    figures
}

/// The two figures in G2.1's row of the plan page: a number, or withheld.
async fn g21_on_the_page(browser: &Browser, plan: i64, cycle: Option<i64>) -> Figures {
    let path = match cycle {
        Some(c) => format!("/plans/{plan}?cycle_id={c}"),
        None => format!("/plans/{plan}"),
    };
    let html = browser.get_html(&path).await;
    let row = html
        .split("<strong>G2.1</strong>")
        .nth(1)
        .unwrap()
        .split("</tr>")
        .next()
        .unwrap();
    let cells: Vec<&str> = row
        .split("<td")
        .skip(2)
        .map(|c| {
            c.split_once('>')
                .unwrap()
                .1
                .split("</td>")
                .next()
                .unwrap()
                .trim()
        })
        .collect();
    if row.contains(r#"<td colspan="2">"#) {
        // Both figures withheld in one cell.
        assert!(cells[0].contains("fewer than 3 people"), "{row}");
        return (None, None);
    }
    let figure = |cell: &str| {
        let figure = cell.parse().ok();
        assert!(
            figure.is_some() || cell.contains("fewer than 3 people"),
            "{cell}"
        );
        figure
    };
    (figure(cells[0]), figure(cells[1]))
}

both_backends! {
    async fn no_cycles_figure_can_be_worked_out_from_the_all_cycles_figure(app) {
        // G2.1: four people linked overall, three in this cycle, one in the next.
        let d = app.department().await;
        let other = app.add_person("other@example.org", "Olive Other", "staff", Some(d.cio)).await;
        let cio = app.token("cio@example.org").await;
        let f = app.plan_and_cycle(&cio).await;
        let (status, next) = app
            .post_json(&cio, "/api/v1/cycles", json!({"name": "Next year", "plan_id": f.plan, "starts_on": f.ends_on + chrono::Duration::days(1), "ends_on": f.ends_on + chrono::Duration::days(365)}))
            .await;
        assert_eq!(status, StatusCode::CREATED, "{next}");
        let next = next["id"].as_i64().unwrap();
        let g21 = f.objectives[2];
        for email in ["eng@example.org", "peer@example.org", "lead@example.org"] {
            app.propose_goal(&app.token(email).await, f.cycle, g21, "Replace on time").await;
        }
        app.propose_goal(&app.token("other@example.org").await, next, g21, "Plan the refresh").await;
        let _ = other;

        let cio_sees = [None, Some(f.cycle), Some(next)];
        let mut exact = Vec::new();
        for cycle in cio_sees {
            exact.push(g21_through_the_api(&app, &cio, f.plan, cycle).await);
        }
        assert_eq!(exact, [(Some(4), Some(0)), (Some(3), Some(0)), (Some(1), Some(0))], "the cio sees every figure");
        // An advisor, a member of staff in the first cycle, and a manager who sees three of
        // the four people's goals one by one: none of them learns the next cycle's figure,
        // neither shown nor as all cycles minus this cycle, in the API or on the page.
        let readers = ["advisor@example.org", "peer@example.org", "lead@example.org"];
        let mut seen = Vec::new();
        for email in readers {
            let token = app.token(email).await;
            let mut views = Vec::new();
            for cycle in [None, Some(f.cycle), Some(next)] {
                views.push(g21_through_the_api(&app, &token, f.plan, cycle).await);
            }
            seen.push((email, "api", views));
        }
        for email in readers {
            let browser = app.signed_in(email).await;
            let mut views = Vec::new();
            for cycle in [None, Some(f.cycle), Some(next)] {
                views.push(g21_on_the_page(&browser, f.plan, cycle).await);
            }
            seen.push((email, "page", views));
        }
        for (email, how, views) in seen {
            let [all, this, following] = views[..] else { unreachable!() };
            assert_eq!(following.0, None, "{email} ({how}): the next cycle's one person");
            let subtracted = all.0.zip(this.0).map(|(all, this)| all - this);
            assert_eq!(subtracted, None, "{email} ({how}): all cycles {all:?} − this cycle {this:?}");
            // Zeros are zeros, and a zero cannot give anyone away.
            assert_eq!((all.1, this.1, following.1), (Some(0), Some(0), Some(0)), "{email} ({how})");
        }
        let cio_page = app.signed_in("cio@example.org").await;
        assert_eq!(g21_on_the_page(&cio_page, f.plan, Some(next)).await, (Some(1), Some(0)));
        // What they do see: the four together (the advisor), this cycle (the manager, who
        // sees those three people's goals anyway).
        let advisor = app.token("advisor@example.org").await;
        assert_eq!(g21_through_the_api(&app, &advisor, f.plan, None).await, (Some(4), Some(0)));
        let lead = app.token("lead@example.org").await;
        assert_eq!(g21_through_the_api(&app, &lead, f.plan, Some(f.cycle)).await, (Some(3), Some(0)));
        assert_eq!(g21_through_the_api(&app, &lead, f.plan, None).await.0, None, "4 − 3 would give the other person away");
    }
}

both_backends! {
    async fn a_lone_achiever_is_not_given_away_by_the_linked_goals(app) {
        // Four people in one cycle, one of whom achieved: "1 achieved" describes one person,
        // whether shown or worked out as linked − not achieved.
        let d = app.department().await;
        let other = app.add_person("other@example.org", "Olive Other", "staff", Some(d.lead)).await;
        let cio = app.token("cio@example.org").await;
        let lead = app.token("lead@example.org").await;
        let f = app.plan_and_cycle(&cio).await;
        let mut goals = Vec::new();
        for email in ["eng@example.org", "peer@example.org", "lead@example.org", "other@example.org"] {
            goals.push(app.propose_goal(&app.token(email).await, f.cycle, f.objectives[0], "Answer faster").await);
        }
        let (status, _) = app.post_json(&lead, &format!("/api/v1/goals/{}/agree", goals[0]), json!({})).await;
        assert_eq!(status, StatusCode::OK);
        app.move_cycle(&cio, f.cycle, "in_progress").await;
        let engineer = app.token("eng@example.org").await;
        let (status, _) = app.post_json(&engineer, &format!("/api/v1/goals/{}/outcome", goals[0]), json!({"status": "achieved"})).await;
        assert_eq!(status, StatusCode::OK);
        let advisor = app.token("advisor@example.org").await;
        let (_, plan) = app.get_json(&advisor, &format!("/api/v1/plans/{}", f.plan)).await;
        let objective = &plan["goals"][0]["objectives"][0];
        assert_eq!(objective["linked_goals"], 4, "four people");
        assert!(objective["achieved_goals"].is_null(), "one achiever: {objective}");
        assert_eq!(objective["fewer_than"], 3);
        let (_, plan) = app.get_json(&cio, &format!("/api/v1/plans/{}", f.plan)).await;
        assert_eq!(plan["goals"][0]["objectives"][0]["achieved_goals"], 1);
        let _ = other;
    }
}

/// A cycle with work left in it: the engineer's goal "Answer faster" agreed, "Plain words"
/// still proposed; nobody else has goals.
async fn cycle_with_unfinished_goals(app: &TestApp) -> (Department, Fixture, String) {
    let d = app.department().await;
    let cio = app.token("cio@example.org").await;
    let engineer = app.token("eng@example.org").await;
    let lead = app.token("lead@example.org").await;
    let f = app.plan_and_cycle(&cio).await;
    let agreed = app
        .propose_goal(&engineer, f.cycle, f.objectives[0], "Answer faster")
        .await;
    app.post_json(&lead, &format!("/api/v1/goals/{agreed}/agree"), json!({}))
        .await;
    app.propose_goal(&engineer, f.cycle, f.objectives[1], "Plain words")
        .await;
    (d, f, cio)
}

/// The (kind, count, message) of each piece of unfinished work in an answer.
fn unfinished(body: &Value) -> Vec<(String, u64, String)> {
    body["unfinished"]
        .as_array()
        .expect("unfinished is a list")
        .iter()
        .map(|u| {
            (
                u["kind"].as_str().unwrap().to_owned(),
                u["count"].as_u64().unwrap(),
                u["message"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn work(list: &[(&str, u64, &str)]) -> Vec<(String, u64, String)> {
    list.iter()
        .map(|(k, n, m)| ((*k).to_owned(), *n, (*m).to_owned()))
        .collect()
}

both_backends! {
    async fn a_phase_move_says_what_it_leaves_unfinished_and_closing_over_it_needs_confirmation(app) {
        let (d, f, cio) = cycle_with_unfinished_goals(&app).await;
        let engineer = app.token("eng@example.org").await;
        let preview = format!("/api/v1/cycles/{}/phase-move", f.cycle);
        let phase = format!("/api/v1/cycles/{}/phase", f.cycle);
        let (status, body) = app.get_json(&cio, &preview).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!((body["from"].as_str(), body["to"].as_str(), body["confirm_required"].as_bool()), (Some("goal_setting"), Some("in_progress"), Some(false)));
        assert_eq!(unfinished(&body), work(&[("proposed_goals", 1, "1 goal is still proposed, not agreed")]));
        // Moves before closing report the work and need no confirmation.
        let (status, moved) = app.post_json(&cio, &phase, json!({"phase": "in_progress"})).await;
        assert_eq!(status, StatusCode::OK, "{moved}");
        assert_eq!(moved["phase"], "in_progress");
        assert_eq!(unfinished(&moved), work(&[("proposed_goals", 1, "1 goal is still proposed, not agreed")]));
        let (status, _) = app.post_json(&cio, &phase, json!({"phase": "self_evaluation"})).await;
        assert_eq!(status, StatusCode::OK);
        let evaluation = format!("/api/v1/cycles/{}/self-evaluations/{}", f.cycle, d.engineer);
        let response = app.api.put(app.url(&evaluation)).bearer_auth(&engineer).json(&json!({"reflection": "Half way"})).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);

        // Closing: every kind of work left, the active staff's self-evaluations included
        // (the cio, the lead, the engineer and the peer; the advisor writes none).
        let expected = [
            ("proposed_goals", 1, "1 goal is still proposed, not agreed"),
            ("goals_without_outcome", 1, "1 agreed goal has no outcome recorded"),
            ("evaluations_not_started", 3, "3 self-evaluations have not been started"),
            ("draft_evaluations", 1, "1 self-evaluation is still a draft"),
        ];
        let (status, body) = app.get_json(&cio, &preview).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!((body["to"].as_str(), body["confirm_required"].as_bool()), (Some("closed"), Some(true)));
        assert_eq!(unfinished(&body), work(&expected));
        for refused in [json!({"phase": "closed"}), json!({"phase": "closed", "confirm": false})] {
            let (status, problem) = app.post_json(&cio, &phase, refused.clone()).await;
            assert_eq!(status, StatusCode::CONFLICT, "{refused}");
            assert_eq!(problem["detail"], "Closing This year leaves work unfinished, and a closed cycle cannot be reopened. Confirm to close it anyway.");
            let listed: Vec<(&str, &str)> = problem["errors"].as_array().unwrap().iter().map(|e| (e["field"].as_str().unwrap(), e["message"].as_str().unwrap())).collect();
            assert_eq!(listed, [
                ("confirm", "1 goal is still proposed, not agreed."),
                ("confirm", "1 agreed goal has no outcome recorded."),
                ("confirm", "3 self-evaluations have not been started."),
                ("confirm", "1 self-evaluation is still a draft."),
            ]);
        }
        let (_, cycle) = app.get_json(&cio, &format!("/api/v1/cycles/{}", f.cycle)).await;
        assert_eq!(cycle["phase"], "self_evaluation", "nothing moved");
        let (status, closed) = app.post_json(&cio, &phase, json!({"phase": "closed", "confirm": true})).await;
        assert_eq!(status, StatusCode::OK, "{closed}");
        assert_eq!(closed["phase"], "closed");
        assert_eq!(unfinished(&closed), work(&expected));
        let (status, problem) = app.get_json(&cio, &preview).await;
        assert_eq!(status, StatusCode::CONFLICT);
        assert_eq!(problem["detail"], "This cycle is closed; a closed cycle cannot be reopened.");
    }
}

both_backends! {
    async fn a_cycle_with_nothing_unfinished_closes_without_confirmation(app) {
        app.department().await;
        let cio = app.token("cio@example.org").await;
        let f = app.plan_and_cycle(&cio).await;
        let phase = format!("/api/v1/cycles/{}/phase", f.cycle);
        for next in ["in_progress", "self_evaluation"] {
            let (status, moved) = app.post_json(&cio, &phase, json!({"phase": next})).await;
            assert_eq!(status, StatusCode::OK);
            assert_eq!(unfinished(&moved), work(&[]));
        }
        // Nobody has written a self-evaluation: that is unfinished work too.
        let (status, problem) = app.post_json(&cio, &phase, json!({"phase": "closed"})).await;
        assert_eq!(status, StatusCode::CONFLICT);
        assert_eq!(error_fields(&problem), ["confirm"]);
        assert_eq!(problem["errors"][0]["message"], "4 self-evaluations have not been started.");
    }
}

both_backends! {
    async fn bad_phase_moves_get_exact_answers(app) {
        let (_, f, cio) = cycle_with_unfinished_goals(&app).await;
        let phase = format!("/api/v1/cycles/{}/phase", f.cycle);
        #[rustfmt::skip]
        let cases = [
            (json!({"phase": "in_progress", "confirm": "yes"}), StatusCode::UNPROCESSABLE_ENTITY, "confirm", "Send true or false."),
            (json!({"phase": "finished"}), StatusCode::UNPROCESSABLE_ENTITY, "phase", "Choose one of: goal_setting, in_progress, self_evaluation, closed."),
            (json!({"confirm": true}), StatusCode::UNPROCESSABLE_ENTITY, "phase", "This field is required."),
        ];
        for (body, status, field, message) in cases {
            let (got, problem) = app.post_json(&cio, &phase, body.clone()).await;
            assert_eq!(got, status, "{body}: {problem}");
            assert_eq!(error_fields(&problem), [field], "{body}");
            assert_eq!(problem["errors"][0]["message"], message, "{body}");
        }
        // Only the cio moves cycles or asks what a move would leave.
        for email in ["lead@example.org", "eng@example.org", "advisor@example.org"] {
            let token = app.token(email).await;
            let (status, problem) = app.get_json(&token, &format!("/api/v1/cycles/{}/phase-move", f.cycle)).await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{email}");
            assert_eq!(problem["detail"], "Only the cio can change the strategic plan and the review cycles.");
            let (status, _) = app.post_json(&token, &phase, json!({"phase": "in_progress", "confirm": true})).await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{email}");
        }
        let (status, _) = app.get_json(&cio, "/api/v1/cycles/424242/phase-move").await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }
}

both_backends! {
    async fn a_cycle_cannot_leave_goal_setting_before_it_starts(app) {
        app.department().await;
        let cio = app.token("cio@example.org").await;
        let f = app.plan_and_cycle(&cio).await;
        let starts_on = chrono::Utc::now().date_naive() + chrono::Duration::days(1);
        let (status, next) = app
            .post_json(&cio, "/api/v1/cycles", json!({"name": "Next year", "plan_id": f.plan, "starts_on": starts_on, "ends_on": starts_on + chrono::Duration::days(364)}))
            .await;
        assert_eq!(status, StatusCode::CREATED, "{next}");
        let next = next["id"].as_i64().unwrap();
        let message = format!("Next year starts on {starts_on}; it stays in goal setting until then.");
        let (status, problem) = app.post_json(&cio, &format!("/api/v1/cycles/{next}/phase"), json!({"phase": "in_progress", "confirm": true})).await;
        assert_eq!(status, StatusCode::CONFLICT);
        assert_eq!(problem["detail"], message.as_str());
        assert_eq!(error_fields(&problem), ["phase"]);
        let (status, problem) = app.get_json(&cio, &format!("/api/v1/cycles/{next}/phase-move")).await;
        assert_eq!(status, StatusCode::CONFLICT);
        assert_eq!(error_fields(&problem), ["phase"]);
        // The page: the cycles page again, with the reason at its top.
        let browser = app.signed_in("cio@example.org").await;
        let response = browser.get(&format!("/cycles/{next}/phase")).await;
        assert_eq!(response.status(), StatusCode::CONFLICT);
        let html = response.text().await.unwrap();
        assert!(html.contains(&format!(r#"<div class="alert" role="alert"><p>{message}</p></div>"#)), "{html}");
        let (_, cycle) = app.get_json(&cio, &format!("/api/v1/cycles/{next}")).await;
        assert_eq!(cycle["phase"], "goal_setting");
    }
}

both_backends! {
    async fn the_cio_moves_a_phase_after_a_page_that_lists_what_is_unfinished(app) {
        let (d, f, cio_token) = cycle_with_unfinished_goals(&app).await;
        let cio = app.signed_in("cio@example.org").await;
        let confirm = format!("/cycles/{}/phase", f.cycle);
        assert!(cio.get_html("/cycles").await.contains(&format!(r#"<a class="button secondary" href="{confirm}">Move to In progress</a>"#)));
        let html = cio.get_html(&confirm).await;
        assert!(html.contains("<h1>Move This year to In progress?</h1>"), "{html}");
        assert!(html.contains("<li>1 goal is still proposed, not agreed</li>"), "{html}");
        assert!(html.contains(&format!(r#"<form method="post" action="{confirm}">"#)));
        assert!(html.contains(r#"<input type="hidden" name="phase" value="in_progress">"#));
        assert!(html.contains(r#"<input type="hidden" name="confirm" value="true">"#));
        assert!(csrf_token_in(&html).is_some());
        let response = cio.post_form(&confirm, &confirm, &[("phase", "in_progress"), ("confirm", "true")]).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        app.move_cycle(&cio_token, f.cycle, "self_evaluation").await;

        let html = cio.get_html(&confirm).await;
        assert!(html.contains("<h1>Move This year to Closed?</h1>"), "{html}");
        for line in ["1 goal is still proposed, not agreed", "1 agreed goal has no outcome recorded", "4 self-evaluations have not been started"] {
            assert!(html.contains(&format!("<li>{line}</li>")), "{line}: {html}");
        }
        assert!(html.contains(r#"<button type="submit" class="danger">Close This year</button>"#), "{html}");
        // A post without the confirmation (an old form) is refused with the list.
        let response = cio.post_form(&confirm, &confirm, &[("phase", "closed")]).await;
        assert_eq!(response.status(), StatusCode::CONFLICT);
        assert!(response.text().await.unwrap().contains("<p>4 self-evaluations have not been started.</p>"));
        let response = cio.post_form(&confirm, &confirm, &[("phase", "closed"), ("confirm", "true")]).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        let (_, cycle) = app.get_json(&cio_token, &format!("/api/v1/cycles/{}", f.cycle)).await;
        assert_eq!(cycle["phase"], "closed");

        // Others are not asked: the page is the cio's.
        for email in ["lead@example.org", "eng@example.org"] {
            let browser = app.signed_in(email).await;
            assert_eq!(browser.get(&confirm).await.status(), StatusCode::FORBIDDEN, "{email}");
        }

        // The closed cycle shows what was left as left, not as waiting.
        let lead = app.signed_in("lead@example.org").await;
        let team = lead.get_html(&format!("/team?cycle_id={}", f.cycle)).await;
        assert!(team.contains("Not agreed before the cycle closed"), "{team}");
        assert!(team.contains("No outcome recorded before the cycle closed"));
        assert!(team.contains("Not submitted before the cycle closed"));
        assert!(!team.contains(">Not started<"), "{team}");
        let goals = lead.get_html(&format!("/people/{}/goals?cycle_id={}", d.engineer, f.cycle)).await;
        assert!(goals.contains(r#"<span class="badge">Not agreed before the cycle closed</span>"#), "{goals}");
        assert!(goals.contains(r#"<span class="badge">No outcome recorded before the cycle closed</span>"#));
        let evaluation = lead.get_html(&format!("/cycles/{}/self-evaluations/{}", f.cycle, d.engineer)).await;
        assert!(evaluation.contains("This self-evaluation was not submitted before the cycle closed."), "{evaluation}");
        assert!(!evaluation.contains("Self-evaluations open when"));
    }
}

both_backends! {
    async fn what_a_move_leaves_is_counted_in_a_fixed_number_of_statements(app) {
        let (d, f, cio) = cycle_with_unfinished_goals(&app).await;
        app.move_cycle(&cio, f.cycle, "in_progress").await;
        app.move_cycle(&cio, f.cycle, "self_evaluation").await;
        let preview = format!("/api/v1/cycles/{}/phase-move", f.cycle);
        let mut counts = Vec::new();
        for round in 0..3 {
            for n in 0..round * 4 {
                app.add_person_fast(&format!("new{round}-{n}@example.org"), &format!("New {round}-{n}"), d.lead).await;
            }
            let before = app.db().statements_run();
            let (status, body) = app.get_json(&cio, &preview).await;
            counts.push(app.db().statements_run() - before);
            assert_eq!(status, StatusCode::OK);
            let not_started = 4 + [0, 4, 12][round];
            assert_eq!(body["unfinished"][2]["message"], format!("{not_started} self-evaluations have not been started"));
        }
        assert_eq!(counts[0], counts[1], "{counts:?}");
        assert_eq!(counts[1], counts[2], "{counts:?}");
    }
}
