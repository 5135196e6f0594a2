//! Summaries: each section against a small hand-computed department, the privacy
//! threshold on every cut, the role matrix, bad periods, CSV and a fixed statement count.

use chrono::{Duration, Utc};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::*;

async fn put_json(app: &TestApp, token: &str, path: &str, body: Value) -> (StatusCode, Value) {
    let response = app
        .api
        .put(app.url(path))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .expect("request");
    split(response).await
}

/// The small department: the usual cast plus Sam (under the lead); in this cycle G1.1 has
/// four goals (Erin achieved, Pat partially, Sam not achieved, Lee's still proposed), G1.2
/// none and G2.1 one (Erin's, proposed). One communication skill: Erin at 1 before the
/// cycle and 2 now, Pat 3 and Sam 4 now. Erin thanks Pat and Sam once. One meeting held
/// with one question, one point of agreement and one of disagreement.
struct Small {
    d: Department,
    f: Fixture,
    cio: String,
}

async fn small(app: &TestApp) -> Small {
    let d = app.department().await;
    app.add_person("sam@example.org", "Sam Staff", "staff", Some(d.lead))
        .await;
    let cio = app.token("cio@example.org").await;
    let lead = app.token("lead@example.org").await;
    let f = app.plan_and_cycle(&cio).await;
    let mut outcomes = Vec::new();
    for (email, outcome) in [
        ("eng@example.org", Some("achieved")),
        ("peer@example.org", Some("partially_achieved")),
        ("sam@example.org", Some("not_achieved")),
        ("lead@example.org", None),
    ] {
        let token = app.token(email).await;
        let goal = app
            .propose_goal(&token, f.cycle, f.objectives[0], "Answer faster")
            .await;
        if let Some(outcome) = outcome {
            let (status, body) = app
                .post_json(&lead, &format!("/api/v1/goals/{goal}/agree"), json!({}))
                .await;
            assert_eq!(status, StatusCode::OK, "{body}");
            outcomes.push((token, goal, outcome));
        }
    }
    let engineer = app.token("eng@example.org").await;
    app.propose_goal(&engineer, f.cycle, f.objectives[2], "Replace on time")
        .await;
    app.move_cycle(&cio, f.cycle, "in_progress").await;
    for (token, goal, outcome) in outcomes {
        let (status, body) = app
            .post_json(
                &token,
                &format!("/api/v1/goals/{goal}/outcome"),
                json!({"status": outcome}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }

    let (status, skill) = app
        .post_json(
            &cio,
            "/api/v1/skills",
            json!({"name": "Plain language", "category": "communication"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{skill}");
    let skill = skill["id"].as_i64().unwrap();
    let sam = app.get_json(&cio, "/api/v1/people?q=Sam").await.1["items"][0]["id"]
        .as_i64()
        .unwrap();
    let before_cycle = f.starts_on - Duration::days(10);
    for (person, level, on) in [
        (i64::from(d.engineer), 1, before_cycle),
        (i64::from(d.engineer), 2, Utc::now().date_naive()),
        (i64::from(d.peer), 3, Utc::now().date_naive()),
        (sam, 4, Utc::now().date_naive()),
    ] {
        let (status, body) = app
            .post_json(
                &lead,
                &format!("/api/v1/people/{person}/skill-assessments"),
                json!({"assessments": [{"skill_id": skill, "level": level, "assessed_on": on}]}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
    }

    let (status, body) = app
        .post_json(
            &engineer,
            "/api/v1/kudos",
            json!({"recipient_ids": [d.peer, sam], "message": "Thanks for the plain words."}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");

    let (status, meeting) = app
        .post_json(&cio, "/api/v1/meetings", json!({"kind": "quarterly", "title": "Values morning", "starts_at": (Utc::now() - Duration::hours(3)).to_rfc3339()}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{meeting}");
    let id = meeting["id"].as_i64().unwrap();
    let (status, agenda) = app
        .post_json(&cio, &format!("/api/v1/meetings/{id}/items"), json!({"kind": "question", "title": "Our values", "prompt": "What are our values?", "planned_minutes": 30}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{agenda}");
    let item = agenda["items"][0]["id"].as_i64().unwrap();
    app.post_json(&cio, &format!("/api/v1/meetings/{id}/publish"), json!({}))
        .await;
    let (status, body) = put_json(
        app,
        &cio,
        &format!("/api/v1/meeting-items/{item}/outcome"),
        json!({"agreements": ["Service first"], "disagreements": ["How fast is fast"]}),
    )
    .await;
    assert!(status.is_success(), "{status} {body}");
    let (status, body) = app
        .post_json(&cio, &format!("/api/v1/meetings/{id}/hold"), json!({}))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    Small { d, f, cio }
}

fn objective<'a>(summary: &'a Value, code: &str) -> &'a Value {
    summary["coverage"]["goals"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|g| g["objectives"].as_array().unwrap())
        .find(|o| o["code"] == code)
        .unwrap_or_else(|| panic!("{code} in {summary}"))
}

/// A skill row's people at levels 1 to 5, `now` or `before`: `None` where withheld.
fn levels(row: &Value, when: &str) -> [Option<i64>; 5] {
    std::array::from_fn(|i| row["distribution"][i]["count"][when].as_i64())
}

fn counts(outcomes: &Value) -> [Option<i64>; 4] {
    ["linked", "achieved", "partially_achieved", "not_achieved"]
        .map(|f| outcomes[f]["now"].as_i64())
}

/// No withheld figure of the coverage can be worked out from a shown total: a strategic
/// goal's shown figure never leaves exactly one of its objectives' figures withheld, and a
/// row's shown linked goals never leave exactly one outcome withheld (the open goals are
/// never shown, so that one would still be unknown, but the check is kept strict).
fn no_hidden_coverage_is_derivable(summary: &Value) {
    for goal in summary["coverage"]["goals"].as_array().unwrap() {
        for row in std::iter::once(goal).chain(goal["objectives"].as_array().unwrap()) {
            let [linked, a, p, n] = counts(&row["outcomes"]);
            let withheld = [a, p, n].iter().filter(|v| v.is_none()).count();
            assert!(
                linked.is_none() || withheld != 1,
                "one withheld outcome beside its total: {row}"
            );
        }
        for (i, field) in ["linked", "achieved", "partially_achieved", "not_achieved"]
            .iter()
            .enumerate()
        {
            let total = counts(&goal["outcomes"])[i];
            let hidden_parts = goal["objectives"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|o| o["outcomes"][field]["now"].is_null())
                .count();
            assert!(
                !(total.is_some() && hidden_parts == 1),
                "{field} of {} from its total: {goal}",
                goal["code"]
            );
        }
    }
}

both_backends! {
    async fn each_section_adds_up_on_a_small_department(app) {
        let s = small(&app).await;
        let (status, summary) = app.get_json(&s.cio, &format!("/api/v1/summaries?cycle_id={}", s.f.cycle)).await;
        assert_eq!(status, StatusCode::OK, "{summary}");
        assert_eq!(summary["exact"], true);
        assert_eq!(summary["period"]["cycle_id"], s.f.cycle);
        // Coverage.
        assert_eq!(counts(&objective(&summary, "G1.1")["outcomes"]), [Some(4), Some(1), Some(1), Some(1)]);
        assert_eq!(objective(&summary, "G1.1")["outcomes"]["achieved_percent"]["now"], 25.0);
        assert_eq!(counts(&summary["coverage"]["goals"][0]["outcomes"]), [Some(4), Some(1), Some(1), Some(1)]);
        assert_eq!(counts(&objective(&summary, "G2.1")["outcomes"]), [Some(1), Some(0), Some(0), Some(0)]);
        assert_eq!(summary["coverage"]["uncovered"], json!(["G1.2 Plain language"]));
        assert_eq!(objective(&summary, "G1.1")["outcomes"]["linked"]["before"], 0, "no cycle before");
        assert_eq!(objective(&summary, "G1.1")["outcomes"]["linked"]["change"], 4);
        // Skills: the end of the cycle is today; its eve saw Erin only.
        let skill = &summary["skills"]["skills"][0];
        assert_eq!(skill["name"], "Plain language");
        assert_eq!((skill["assessed"]["now"].as_i64(), skill["assessed"]["before"].as_i64()), (Some(3), Some(1)));
        assert_eq!(skill["current"]["now"], 3.0);
        assert_eq!(skill["current"]["before"], 1.0);
        assert_eq!(skill["current"]["change"], 2.0);
        let baseline = skill["baseline"]["now"].as_f64().unwrap();
        assert!((baseline - 8.0 / 3.0).abs() < 1e-9, "{baseline}");
        assert_eq!(levels(skill, "now"), [Some(0), Some(1), Some(1), Some(1), Some(0)]);
        assert_eq!(levels(skill, "before"), [Some(1), Some(0), Some(0), Some(0), Some(0)]);
        assert_eq!(skill["distribution"][0], json!({"level": 1, "count": {"now": 0, "before": 1, "change": -1, "withheld": false}}));
        let communication = summary["skills"]["categories"].as_array().unwrap().iter().find(|c| c["category"] == "communication").unwrap();
        assert_eq!(communication["assessed"]["now"], 3);
        assert_eq!(communication["current"]["now"], 3.0);
        let technical = summary["skills"]["categories"].as_array().unwrap().iter().find(|c| c["category"] == "technical").unwrap();
        assert_eq!(technical["assessed"]["now"], 0);
        // Recognition: one kudos, one giver, two thanked of five members of staff.
        let r = &summary["recognition"];
        assert_eq!((r["kudos"]["now"].as_i64(), r["givers"]["now"].as_i64(), r["receivers"]["now"].as_i64()), (Some(1), Some(1), Some(2)));
        assert_eq!(r["staff_thanked_percent"]["now"], 40.0);
        let month = Utc::now().format("%Y-%m").to_string();
        let this_month = r["kudos_per_month"].as_array().unwrap().iter().find(|m| m["month"] == month.as_str()).unwrap();
        assert_eq!(this_month["kudos"]["now"], 1);
        assert_eq!(r["kudos_per_month"].as_array().unwrap().iter().map(|m| m["kudos"]["now"].as_i64().unwrap()).sum::<i64>(), 1);
        assert_eq!(r["compliments"].as_array().unwrap().len(), 8, "every channel, zeros too");
        // Meetings.
        let m = &summary["meetings"];
        assert_eq!((m["held"]["now"].as_i64(), m["questions"]["now"].as_i64(), m["agreements"]["now"].as_i64(), m["disagreements"]["now"].as_i64()), (Some(1), Some(1), Some(1), Some(1)));
        assert_eq!(m["meetings"][0]["explored"][0]["agreements"], json!(["Service first"]));
        assert_eq!(m["meetings"][0]["explored"][0]["disagreements"], json!(["How fast is fast"]));
        let _ = s.d;
    }
}

both_backends! {
    async fn advisors_and_staff_see_no_figure_about_fewer_than_k_people(app) {
        let s = small(&app).await;
        let path = format!("/api/v1/summaries?cycle_id={}", s.f.cycle);
        // The advisor knows nobody: four people linked is shown, each outcome (one person)
        // is hidden, and so is G2.1's lone goal and its strategic goal.
        let advisor = app.token("advisor@example.org").await;
        let (status, summary) = app.get_json(&advisor, &path).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(summary["exact"], false);
        assert_eq!(counts(&objective(&summary, "G1.1")["outcomes"]), [Some(4), None, None, None]);
        assert_eq!(objective(&summary, "G1.1")["outcomes"]["achieved"]["withheld"], true);
        assert_eq!(counts(&objective(&summary, "G2.1")["outcomes"])[0], None);
        assert_eq!(counts(&summary["coverage"]["goals"][1]["outcomes"])[0], None);
        assert_eq!(summary["coverage"]["uncovered"], json!(["G1.2 Plain language"]), "a zero is a zero");
        no_hidden_coverage_is_derivable(&summary);
        let skill = &summary["skills"]["skills"][0];
        assert_eq!(skill["assessed"]["now"], 3);
        // One person a level: each of those levels is withheld on its own, the zeros stay.
        assert_eq!(levels(skill, "now"), [Some(0), None, None, None, Some(0)], "{skill}");
        assert_eq!(skill["distribution"][1]["count"], json!({"before": 0, "withheld": true}), "nobody was at 2 on the eve");
        assert!(skill["assessed"]["before"].is_null(), "Erin alone on the eve");
        assert!(skill["current"]["before"].is_null());
        // Recognition is public on the portal: shown as it is.
        assert_eq!(summary["recognition"]["receivers"]["now"], 2);
        // Pat sees their own partial outcome (it is theirs) but not the others.
        let peer = app.token("peer@example.org").await;
        let (_, summary) = app.get_json(&peer, &path).await;
        assert_eq!(counts(&objective(&summary, "G1.1")["outcomes"]), [Some(4), None, Some(1), None]);
        no_hidden_coverage_is_derivable(&summary);
        // The lead sees everyone below them one by one: exact figures, in either cut.
        let lead = app.token("lead@example.org").await;
        let (_, summary) = app.get_json(&lead, &format!("{path}&team=true")).await;
        assert_eq!(summary["cut"], "team");
        assert_eq!(counts(&objective(&summary, "G1.1")["outcomes"]), [Some(3), Some(1), Some(1), Some(1)], "Lee's own goal is not their team's");
        let (_, summary) = app.get_json(&lead, &path).await;
        assert_eq!(summary["cut"], "department");
        assert_eq!(counts(&objective(&summary, "G1.1")["outcomes"]), [Some(4), Some(1), Some(1), Some(1)]);
    }
}

/// An objective linked by `n` people, all assessed at level 3 in one skill, as an advisor
/// sees its linked goals, the people assessed and those at level 3.
async fn linked_as_advisor(app: &TestApp, n: usize) -> (Option<i64>, Option<i64>, Option<i64>) {
    let d = app.department().await;
    let cio = app.token("cio@example.org").await;
    let f = app.plan_and_cycle(&cio).await;
    let (status, skill) = app
        .post_json(
            &cio,
            "/api/v1/skills",
            json!({"name": "Networks", "category": "technical"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let skill = skill["id"].as_i64().unwrap();
    let cio_token = cio.clone();
    for i in 0..n {
        let email = format!("p{i}@example.org");
        let id = app
            .add_person(&email, &format!("Person {i}"), "staff", Some(d.cio))
            .await;
        let token = app.token(&email).await;
        app.propose_goal(&token, f.cycle, f.objectives[0], "Work")
            .await;
        let (status, body) = app
            .post_json(
                &cio_token,
                &format!("/api/v1/people/{id}/skill-assessments"),
                json!({"assessments": [{"skill_id": skill, "level": 3}]}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
    }
    let advisor = app.token("advisor@example.org").await;
    let (_, summary) = app
        .get_json(&advisor, &format!("/api/v1/summaries?cycle_id={}", f.cycle))
        .await;
    let skill = &summary["skills"]["skills"][0];
    (
        counts(&objective(&summary, "G1.1")["outcomes"])[0],
        skill["assessed"]["now"].as_i64(),
        levels(skill, "now")[2],
    )
}

both_backends! {
    async fn below_k_is_hidden(app) {
        assert_eq!(linked_as_advisor(&app, 2).await, (None, None, None), "k − 1 people");
    }
}

both_backends! {
    async fn at_k_is_shown(app) {
        assert_eq!(linked_as_advisor(&app, 3).await, (Some(3), Some(3), Some(3)), "k people");
    }
}

both_backends! {
    async fn above_k_is_shown(app) {
        assert_eq!(linked_as_advisor(&app, 4).await, (Some(4), Some(4), Some(4)), "k + 1 people");
    }
}

both_backends! {
    async fn bad_periods_get_422_naming_the_field(app) {
        app.department().await;
        let cio = app.token("cio@example.org").await;
        let cases = [
            ("from=2026-02-01&to=2026-01-01", "to"),
            ("from=2020-01-01&to=2026-01-01", "to"),
            ("cycle_id=999", "cycle_id"),
            ("from=2026-01-01", "to"),
            ("from=not-a-date&to=2026-01-01", "from"),
        ];
        for (query, field) in cases {
            let (status, problem) = app.get_json(&cio, &format!("/api/v1/summaries?{query}")).await;
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{query}: {problem}");
            assert_eq!(error_fields(&problem), [field], "{query}");
        }
        let (status, _) = app.get_json(&cio, "/api/v1/summaries?from=2021-01-01&to=2025-12-31").await;
        assert_eq!(status, StatusCode::OK, "five years is allowed");
        let browser = app.signed_in("cio@example.org").await;
        let response = browser.get("/summaries?from=2026-02-01&to=2026-01-01").await;
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let html = response.text().await.unwrap();
        assert!(html.contains("The last day must not be before the first."), "{html}");
    }
}

both_backends! {
    async fn who_may_read_which_summary(app) {
        app.department().await;
        for (email, team, expected) in [
            ("cio@example.org", false, StatusCode::OK),
            ("cio@example.org", true, StatusCode::OK),
            ("lead@example.org", true, StatusCode::OK),
            ("eng@example.org", false, StatusCode::OK),
            ("eng@example.org", true, StatusCode::NOT_FOUND),
            ("advisor@example.org", false, StatusCode::OK),
            ("advisor@example.org", true, StatusCode::NOT_FOUND),
        ] {
            let token = app.token(email).await;
            let (status, body) = app.get_json(&token, &format!("/api/v1/summaries?team={team}")).await;
            assert_eq!(status, expected, "{email} team={team}: {body}");
            let browser = app.signed_in(email).await;
            let page = browser.get(&format!("/summaries{}", if team { "?team=1" } else { "" })).await;
            assert_eq!(page.status(), expected, "{email} page team={team}");
        }
        let response = app.api.get(app.url("/api/v1/summaries")).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        let page = app.browser().get("/summaries").await;
        assert_ne!(page.status(), StatusCode::OK, "anonymous visitors sign in first");
        let page = app.browser().get("/summaries/coverage.csv").await;
        assert_ne!(page.status(), StatusCode::OK);
    }
}

both_backends! {
    async fn each_section_comes_as_csv_with_formulas_neutralised(app) {
        let s = small(&app).await;
        let (status, _) = app
            .post_json(&s.cio, &format!("/api/v1/strategic-goals/{}/objectives", app.get_json(&s.cio, &format!("/api/v1/plans/{}", s.f.plan)).await.1["goals"][1]["id"]), json!({"title": "=HYPERLINK(\"http://x\")"}))
            .await;
        assert_eq!(status, StatusCode::CREATED);
        let advisor = app.signed_in("advisor@example.org").await;
        let response = advisor.get(&format!("/summaries/coverage.csv?cycle_id={}", s.f.cycle)).await;
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(response.headers()["content-type"], "text/csv; charset=utf-8");
        let body = response.text().await.unwrap();
        let mut reader = csv::Reader::from_reader(body.as_bytes());
        let header: Vec<String> = reader.headers().unwrap().iter().map(str::to_owned).collect();
        assert_eq!(&header[..4], ["level", "code", "title", "linked"]);
        let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
        let g11 = rows.iter().find(|r| &r[1] == "G1.1").unwrap();
        assert_eq!(&g11[3], "4");
        assert_eq!(&g11[6], "hidden for privacy (fewer than 3)");
        let formula = rows.iter().find(|r| r[2].contains("HYPERLINK")).unwrap();
        assert_eq!(&formula[2], "'=HYPERLINK(\"http://x\")");
        for cell in rows.iter().flat_map(|r| r.iter().map(str::to_owned).collect::<Vec<_>>()) {
            assert!(!cell.starts_with(['=', '+', '@']), "{cell}");
        }
        for section in ["skills", "recognition", "meetings"] {
            let response = advisor.get(&format!("/summaries/{section}.csv?cycle_id={}", s.f.cycle)).await;
            assert_eq!(response.status(), StatusCode::OK, "{section}");
            let body = response.text().await.unwrap();
            let mut reader = csv::Reader::from_reader(body.as_bytes());
            assert!(reader.records().all(|r| r.is_ok()), "{section}: {body}");
        }
        let response = advisor.get("/summaries/nonsense.csv").await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND);
        let html = advisor.get_html(&format!("/summaries?cycle_id={}", s.f.cycle)).await;
        assert!(html.contains("hidden for privacy (fewer than 3)"), "{html}");
        assert!(!html.contains("Erin Engineer</td>"), "no name beside a figure");
        let hidden = "hidden for privacy (fewer than 3)";
        assert!(html.contains(&format!("<td>0 · {hidden} · {hidden} · {hidden} · 0</td>")), "each level on its own: {html}");
        let body = advisor.get(&format!("/summaries/skills.csv?cycle_id={}", s.f.cycle)).await.text().await.unwrap();
        let mut reader = csv::Reader::from_reader(body.as_bytes());
        let header: Vec<String> = reader.headers().unwrap().iter().map(str::to_owned).collect();
        let at = header.iter().position(|h| h == "at_level_1").unwrap();
        let row = reader.records().map(Result::unwrap).find(|r| &r[1] == "Plain language").unwrap();
        assert_eq!(row.iter().skip(at).take(5).collect::<Vec<_>>(), ["0", hidden, hidden, hidden, "0"]);
        let print = advisor.get_html(&format!("/summaries/print?cycle_id={}", s.f.cycle)).await;
        assert!(print.contains("page-break-before"), "{print}");
    }
}

both_backends! {
    async fn a_summary_reads_in_a_fixed_number_of_statements(app) {
        let s = small(&app).await;
        let advisor = app.token("advisor@example.org").await;
        let path = format!("/api/v1/summaries?cycle_id={}", s.f.cycle);
        // The token's first use records itself: use it once before counting.
        app.get_json(&advisor, &path).await;
        // A write first: it empties the shared copies (the token's actor), so both
        // measurements start cold.
        app.post_json(&s.cio, "/api/v1/meeting-questions", json!({"prompt": "Who are we?"})).await;
        let before = app.db().statements_run();
        app.get_json(&advisor, &path).await;
        let small_count = app.db().statements_run() - before;
        // More of everything: people, goals, kudos.
        for i in 0..6 {
            let email = format!("more{i}@example.org");
            let id = app.add_person(&email, &format!("More {i}"), "staff", Some(s.d.lead)).await;
            let token = app.token(&email).await;
            app.propose_goal(&token, s.f.cycle, s.f.objectives[1], "More work").await;
            app.post_json(&token, "/api/v1/kudos", json!({"recipient_ids": [s.d.peer], "message": "More thanks."})).await;
            let _ = id;
        }
        // A write first: it empties the shared copies (the token's actor), so both
        // measurements start cold.
        app.post_json(&s.cio, "/api/v1/meeting-questions", json!({"prompt": "Who are we?"})).await;
        let before = app.db().statements_run();
        app.get_json(&advisor, &path).await;
        let large_count = app.db().statements_run() - before;
        // More people, goals and kudos never add a statement.
        assert_eq!(large_count, small_count, "{small_count} then {large_count}");
        assert!(large_count <= 30, "{large_count}");
    }
}

fn cio_actor(id: i32) -> staffdev::auth::Actor {
    staffdev::auth::Actor {
        person_id: id,
        name: "Carla CIO".to_owned(),
        email: "cio@example.org".to_owned(),
        role: staffdev::people::Role::Cio,
        is_manager: true,
        csrf_token: None,
        session_id: None,
    }
}

both_backends! {
    async fn a_published_report_keeps_its_figures_when_the_data_changes(app) {
        use staffdev::summaries::{PeriodInput, reports::{self, ReportInput}};
        let s = small(&app).await;
        let input = ReportInput {
            title: Some("Annual report".to_owned()),
            introduction: Some("Our year.".to_owned()),
            period: PeriodInput { cycle_id: Some(s.f.cycle as i32), ..PeriodInput::default() },
        };
        let published = reports::publish(app.db(), &cio_actor(s.d.cio), input, 3, Utc::now()).await.expect("publish");
        let before = reports::get(app.db(), None, true, published.id).await.expect("public read");
        assert!(!before.summary.exact, "a report keeps what a reader who knows nobody sees");
        assert_eq!(before.summary.recognition.kudos.now, Some(1));
        let engineer = app.token("eng@example.org").await;
        let (status, _) = app.post_json(&engineer, "/api/v1/kudos", json!({"recipient_ids": [s.d.peer], "message": "Again, thanks."})).await;
        assert_eq!(status, StatusCode::CREATED);
        let after = reports::get(app.db(), None, true, published.id).await.expect("read");
        assert_eq!(after, before, "frozen");
        // A report published when distributions were shown whole (five numbers, or null)
        // still reads, each level a figure of its own.
        let mut stored = serde_json::to_value(&before.summary).unwrap();
        stored["skills"]["skills"][0]["distribution"] = json!({"now": [0, 1, 1, 1, 0], "before": null});
        let old: staffdev::summaries::Summary = serde_json::from_value(stored).expect("an old report reads");
        assert_eq!(old.skills.skills[0].distribution.now, Some([Some(0), Some(1), Some(1), Some(1), Some(0)]));
        assert_eq!(old.skills.skills[0].distribution.before, None);
        assert_eq!(reports::latest(app.db(), None, true).await.expect("latest").map(|r| r.id), Some(published.id));
        assert!(reports::list(app.db(), None, false).await.is_err(), "anonymous visitors of a private portal");
        let bad = ReportInput { title: Some(String::new()), introduction: None, period: PeriodInput { from: Some("2026-02-01".into()), to: Some("2026-01-01".into()), ..PeriodInput::default() } };
        let err = reports::publish(app.db(), &cio_actor(s.d.cio), bad, 3, Utc::now()).await.expect_err("bad");
        let mut fields: Vec<String> = err.field_errors().iter().map(|e| e.field.clone()).collect();
        fields.sort();
        assert_eq!(fields, ["title", "to"]);
    }
}

both_backends! {
    async fn the_summary_page_draws_its_charts_with_their_figures_as_tables(app) {
        let s = small(&app).await;
        let path = format!("/summaries?cycle_id={}", s.f.cycle);
        let advisor = app.signed_in("advisor@example.org").await;
        let html = advisor.get_html(&path).await;
        for title in ["Objective coverage", "Skill levels by category", "Kudos per month"] {
            assert!(html.contains(&format!(r#"-title">{title}</title>"#)), "a chart titled {title}");
        }
        assert_eq!(html.matches(r#"role="img""#).count(), 3);
        assert_eq!(html.matches(r#"<details class="chart-data">"#).count(), 3, "each chart has its table");
        // G1.1's outcomes are about one person each: its bar is hidden whole for the advisor,
        // and its row in the chart's table says why, with no number.
        assert!(
            html.contains(r#"<th scope="row">G1.1</th><td>hidden for privacy (fewer than 3)</td><td>hidden for privacy (fewer than 3)</td>"#),
            "{html}"
        );
        // The cio sees the four parts: achieved, partially, not achieved, still open.
        let cio = app.signed_in("cio@example.org").await;
        let html = cio.get_html(&path).await;
        assert!(html.contains(r#"<th scope="row">G1.1</th><td>1</td><td>1</td><td>1</td><td>1</td>"#), "{html}");
    }
}

/// Kudos, givers and receivers in a range, as the cio's summary gives them.
async fn recognition_between(app: &TestApp, cio: &str, from: &str, to: &str) -> (i64, i64, i64) {
    let (status, summary) = app
        .get_json(cio, &format!("/api/v1/summaries?from={from}&to={to}"))
        .await;
    assert_eq!(status, StatusCode::OK, "{summary}");
    let r = &summary["recognition"];
    let now = |field: &str| {
        r[field]["now"]
            .as_i64()
            .unwrap_or_else(|| panic!("{field} in {r}"))
    };
    (now("kudos"), now("givers"), now("receivers"))
}

both_backends! {
    async fn recognition_counts_people_exactly_at_month_edges_and_leaves_out_hidden_kudos(app) {
        use staffdev::people::Role::{Cio, Staff};
        use staffdev::recognition::{Hideable, KudosInput, give_kudos, hide, unhide};
        let d = app.department().await;
        let cio_token = app.token("cio@example.org").await;
        let cio = actor(d.cio, "Carla CIO", "cio@example.org", Cio, true);
        let eng = actor(d.engineer, "Erin Engineer", "eng@example.org", Staff, false);
        let peer = actor(d.peer, "Pat Peer", "peer@example.org", Staff, false);
        let lead = actor(d.lead, "Lee Lead", "lead@example.org", Staff, true);
        let at = |day: &str| format!("{day}T10:00:00Z").parse::<chrono::DateTime<Utc>>().unwrap();
        let mut ids = Vec::new();
        for (giver, to, day) in [
            (&eng, vec![d.peer], "2025-03-05"),
            (&peer, vec![d.lead], "2025-03-20"),
            (&lead, vec![d.engineer, d.peer], "2025-04-10"),
            (&eng, vec![d.lead], "2025-05-25"),
        ] {
            let input = KudosInput { recipient_ids: Some(to), message: Some("Thank you".into()), values: None };
            ids.push(give_kudos(app.db(), giver, input, at(day)).await.expect("kudos").id);
        }
        // (from, to, (kudos, givers, receivers)): ranges starting and ending inside a
        // month, whole months, and inside one month.
        let expected = [
            ("2025-03-10", "2025-05-20", (2, 2, 3)),
            ("2025-03-01", "2025-05-31", (4, 3, 3)),
            ("2025-03-06", "2025-03-19", (0, 0, 0)),
            ("2025-03-01", "2025-03-19", (1, 1, 1)),
            ("2025-03-21", "2025-05-24", (1, 1, 2)),
            ("2025-03-05", "2025-05-25", (4, 3, 3)),
        ];
        for (from, to, figures) in expected {
            assert_eq!(recognition_between(&app, &cio_token, from, to).await, figures, "{from} to {to}");
        }
        let (_, summary) = app.get_json(&cio_token, "/api/v1/summaries?from=2025-03-10&to=2025-05-20").await;
        let months: Vec<(String, i64)> = summary["recognition"]["kudos_per_month"].as_array().unwrap().iter()
            .map(|m| (m["month"].as_str().unwrap().to_owned(), m["kudos"]["now"].as_i64().unwrap()))
            .filter(|(_, n)| *n > 0)
            .collect();
        assert_eq!(months, [("2025-03".to_owned(), 1), ("2025-04".to_owned(), 1)]);

        // Hiding the April kudos takes it and its people out; unhiding brings them back.
        hide(app.db(), &cio, Hideable::Kudos(ids[2]), Some("Names a client"), Utc::now()).await.expect("hidden");
        assert_eq!(recognition_between(&app, &cio_token, "2025-03-21", "2025-05-24").await, (0, 0, 0));
        assert_eq!(recognition_between(&app, &cio_token, "2025-03-10", "2025-05-20").await, (1, 1, 1));
        assert_eq!(recognition_between(&app, &cio_token, "2025-03-01", "2025-05-31").await, (3, 2, 2));
        unhide(app.db(), &cio, Hideable::Kudos(ids[2]), Some("Checked with the client"), Utc::now()).await.expect("shown");
        for (from, to, figures) in expected {
            assert_eq!(recognition_between(&app, &cio_token, from, to).await, figures, "{from} to {to}, unhidden");
        }
    }
}

/// Ten people assessed in a technical skill two months ago (levels and targets spread
/// over 2 to 4), and `new` more first assessed today at level 4 with a target of 5: the
/// skill's row over the last month as each reader sees it.
async fn newcomers_as(app: &TestApp, new: usize, readers: &[&str]) -> Vec<Value> {
    let d = app.department().await;
    let cio = app.token("cio@example.org").await;
    let (status, skill) = app
        .post_json(
            &cio,
            "/api/v1/skills",
            json!({"name": "Networks", "category": "technical"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{skill}");
    let skill = skill["id"].as_i64().unwrap();
    let today = Utc::now().date_naive();
    for i in 0..10 + new {
        let email = format!("n{i}@example.org");
        let id = app
            .add_person(&email, &format!("Person {i}"), "staff", Some(d.cio))
            .await;
        let (level, on) = if i < 10 {
            ((i % 3 + 2) as i64, today - Duration::days(60))
        } else {
            (4, today)
        };
        let (status, body) = app
            .post_json(
                &cio,
                &format!("/api/v1/people/{id}/skill-assessments"),
                json!({"assessments": [{"skill_id": skill, "level": level, "assessed_on": on}]}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        let target = if i < 10 { level } else { 5 };
        let (status, body) = put_json(
            app,
            &cio,
            &format!("/api/v1/people/{id}/skill-targets/{skill}"),
            json!({"level": target}),
        )
        .await;
        assert!(status.is_success(), "{status} {body}");
    }
    let path = format!(
        "/api/v1/summaries?from={}&to={today}",
        today - Duration::days(30)
    );
    let mut rows = Vec::new();
    for email in readers {
        let token = app.token(email).await;
        let (status, summary) = app.get_json(&token, &path).await;
        assert_eq!(status, StatusCode::OK, "{summary}");
        let row = summary["skills"]["skills"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["name"] == "Networks")
            .unwrap()
            .clone();
        rows.push(row);
    }
    rows
}

/// What a reader works out about the newcomers from a row: now × count − before × count
/// for the baseline, target and current averages, and the people at level 4 now minus
/// before. `None` where a figure it needs is withheld.
fn newcomers_worked_out(row: &Value) -> [Option<f64>; 4] {
    let (now, before) = (
        row["assessed"]["now"].as_f64(),
        row["assessed"]["before"].as_f64(),
    );
    let sum = |f: &str| Some(row[f]["now"].as_f64()? * now? - row[f]["before"].as_f64()? * before?);
    let at_4 = || Some((levels(row, "now")[3]? - levels(row, "before")[3]?) as f64);
    [sum("baseline"), sum("target"), sum("current"), at_4()]
}

const READERS: [&str; 4] = [
    "cio@example.org",
    "advisor@example.org",
    "eng@example.org",
    "lead@example.org",
];

both_backends! {
    async fn fewer_than_k_newcomers_keep_their_baseline_and_target(app) {
        // k − 1 newcomers: only the cio can work out their baselines, targets or levels.
        let rows = newcomers_as(&app, 2, &READERS).await;
        assert_eq!(newcomers_worked_out(&rows[0]), [Some(8.0), Some(10.0), Some(8.0), Some(2.0)], "the cio: {}", rows[0]);
        for (email, row) in READERS.iter().zip(&rows).skip(1) {
            assert_eq!(newcomers_worked_out(row), [None; 4], "{email}: {row}");
        }
    }
}

both_backends! {
    async fn k_newcomers_are_shown(app) {
        let rows = newcomers_as(&app, 3, &READERS[1..2]).await;
        assert_eq!(newcomers_worked_out(&rows[0]), [Some(12.0), Some(15.0), Some(12.0), Some(3.0)], "{}", rows[0]);
    }
}

both_backends! {
    async fn k_plus_one_newcomers_are_shown(app) {
        let rows = newcomers_as(&app, 4, &READERS[1..2]).await;
        assert_eq!(newcomers_worked_out(&rows[0]), [Some(16.0), Some(20.0), Some(16.0), Some(4.0)], "{}", rows[0]);
    }
}

/// A cycle's skill standings as the summary reads them (kept per cycle) and as the
/// statement over every person's assessments computes them for the same days, with the
/// groups and their listed people in one order.
async fn kept_and_computed(
    app: &TestApp,
    cycle: i64,
    starts_on: chrono::NaiveDate,
    ends_on: chrono::NaiveDate,
    people: &[i32],
    list_below: i64,
) -> [String; 2] {
    let today = Utc::now().date_naive();
    let eve = (starts_on - Duration::days(1)).min(today);
    let end = ends_on.min(today);
    let cycle = Some(i32::try_from(cycle).unwrap());
    let mut read = Vec::new();
    for cycle in [cycle, None] {
        let mut s = staffdev::skills::period_standings(
            app.db().conn(),
            cycle,
            eve,
            end,
            today,
            people,
            list_below,
        )
        .await
        .expect("standings");
        for g in &mut s.groups {
            if let Some(listed) = &mut g.listed {
                listed.sort_unstable();
            }
        }
        s.groups
            .sort_by_key(|g| (g.skill_id, g.baseline, g.eve, g.end, g.target));
        s.people.sort_by_key(|p| (p.skill_id, p.person_id));
        read.push(format!("{:?}\n{:?}", s.groups, s.people));
    }
    [read.remove(0), read.remove(0)]
}

both_backends! {
    async fn a_cycles_kept_skill_standings_equal_those_computed_from_the_assessments(app) {
        let d = app.department().await;
        let cio = app.token("cio@example.org").await;
        let f = app.plan_and_cycle(&cio).await;
        let today = Utc::now().date_naive();
        let day = |n: i64| today + Duration::days(n);
        let mut extra = Vec::new();
        for i in 0..4 {
            extra.push(app.add_person_fast(&format!("x{i}@example.org"), &format!("Extra {i}"), d.lead).await);
        }
        let mut cycles = vec![(f.cycle, f.starts_on, f.ends_on)];
        let open = async |name: &str, starts_on: chrono::NaiveDate, ends_on: chrono::NaiveDate| {
            let (status, cycle) = app
                .post_json(&cio, "/api/v1/cycles", json!({"name": name, "plan_id": f.plan, "starts_on": starts_on, "ends_on": ends_on}))
                .await;
            assert_eq!(status, StatusCode::CREATED, "{cycle}");
            (cycle["id"].as_i64().unwrap(), starts_on, ends_on)
        };
        // A cycle still to come, opened before anyone is assessed.
        cycles.push(open("Next year", day(200), day(560)).await);
        let (_, a) = app.post_json(&cio, "/api/v1/skills", json!({"name": "Plain language", "category": "communication"})).await;
        let (_, b) = app.post_json(&cio, "/api/v1/skills", json!({"name": "Networking", "category": "technical"})).await;
        let (a, b) = (a["id"].as_i64().unwrap(), b["id"].as_i64().unwrap());
        let assess = async |person: i32, items: Value| {
            let (status, body) = app
                .post_json(&cio, &format!("/api/v1/people/{person}/skill-assessments"), json!({"assessments": items}))
                .await;
            assert_eq!(status, StatusCode::CREATED, "{body}");
        };
        let target = async |person: i32, skill: i64, level: i64| {
            let response = app.api.put(app.url(&format!("/api/v1/people/{person}/skill-targets/{skill}"))).bearer_auth(&cio).json(&json!({"level": level})).send().await.unwrap();
            assert!(response.status().is_success(), "{}", response.status());
        };
        let people = [d.engineer, extra[0]];
        let check = async |cycles: &[(i64, chrono::NaiveDate, chrono::NaiveDate)], when: &str| {
            for &(cycle, starts_on, ends_on) in cycles {
                for (one_by_one, list_below) in [(&people[..], 100), (&[][..], 0), (&people[..1], 3)] {
                    let [kept, computed] = kept_and_computed(&app, cycle, starts_on, ends_on, one_by_one, list_below).await;
                    assert_eq!(kept, computed, "cycle {cycle} {when}, listed below {list_below}");
                }
            }
        };
        // Before, inside and after a past cycle, inside this one; two on one day (the later counts).
        assess(d.engineer, json!([{"skill_id": a, "level": 1, "assessed_on": day(-700)}, {"skill_id": b, "level": 2, "assessed_on": day(-400)}])).await;
        assess(d.engineer, json!([{"skill_id": a, "level": 3, "assessed_on": day(-200)}])).await;
        assess(d.engineer, json!([{"skill_id": a, "level": 4}])).await;
        assess(d.peer, json!([{"skill_id": a, "level": 3, "assessed_on": f.starts_on - Duration::days(1)}])).await;
        assess(d.peer, json!([{"skill_id": b, "level": 2, "assessed_on": f.starts_on}])).await;
        assess(d.lead, json!([{"skill_id": a, "level": 2, "assessed_on": day(-100)}])).await;
        assess(d.lead, json!([{"skill_id": a, "level": 5, "assessed_on": day(-100)}])).await;
        for (i, &x) in extra.iter().enumerate() {
            assess(x, json!([{"skill_id": a, "level": 2, "assessed_on": day(-300)}, {"skill_id": b, "level": 1 + i % 2, "assessed_on": day(-30)}])).await;
        }
        check(&cycles, "after assessments").await;
        // A past cycle opened over that history.
        cycles.push(open("Two years ago", day(-650), day(-250)).await);
        check(&cycles, "after opening a past cycle").await;
        // An assessment backdated into the past cycle, before it and after it.
        assess(extra[1], json!([{"skill_id": a, "level": 4, "assessed_on": day(-500)}, {"skill_id": b, "level": 5, "assessed_on": day(-660)}])).await;
        assess(extra[2], json!([{"skill_id": b, "level": 3, "assessed_on": day(-240)}])).await;
        check(&cycles, "after backdated assessments").await;
        // Targets set, then changed.
        target(d.engineer, a, 5).await;
        target(extra[0], a, 4).await;
        target(extra[1], b, 3).await;
        check(&cycles, "after targets").await;
        target(d.engineer, a, 4).await;
        target(extra[0], a, 2).await;
        check(&cycles, "after changed targets").await;
        // A CSV import, with a new person and levels before every cycle.
        let csv = format!(
            "email,skill,level,date,source,note\n\
             x3@example.org,Networking,5,{},manager,\n\
             peer@example.org,Plain language,1,{},self,\n\
             lead@example.org,Networking,2,{},manager,\n",
            day(-800), day(-20), day(-120)
        );
        let response = app.api.post(app.url("/api/v1/skills/baseline-imports")).bearer_auth(&cio).header("content-type", "text/csv").body(csv).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::CREATED);
        check(&cycles, "after an import").await;
        // Someone leaves, and comes back.
        let path = format!("/api/v1/people/{}", extra[1]);
        assert_eq!(app.patch_json(&cio, &path, json!({"active": false})).await.0, StatusCode::OK);
        check(&cycles, "after someone left").await;
        assert_eq!(app.patch_json(&cio, &path, json!({"active": true})).await.0, StatusCode::OK);
        check(&cycles, "after they came back").await;
        // The past cycle's dates move over the assessments; a rename keeps them.
        let (past, _, _) = cycles[2];
        let (status, body) = app.patch_json(&cio, &format!("/api/v1/cycles/{past}"), json!({"starts_on": day(-450), "ends_on": day(-150)})).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        cycles[2] = (past, day(-450), day(-150));
        let (status, body) = app.patch_json(&cio, &format!("/api/v1/cycles/{}", f.cycle), json!({"name": "This year, renamed"})).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        check(&cycles, "after a cycle's dates moved").await;
        // The tallies hold no empty group, and count every kept standing.
        let db = app.db();
        assert_eq!(scalar(db, "SELECT COUNT(*) FROM skill_cycle_tallies WHERE people <= 0").await, 0);
        assert_eq!(
            scalar(db, "SELECT CAST(COALESCE(SUM(people), 0) AS BIGINT) FROM skill_cycle_tallies").await,
            scalar(db, "SELECT COUNT(*) FROM skill_cycle_standings").await
        );
        assert!(scalar(db, "SELECT COUNT(*) FROM skill_cycle_standings").await > 10);
    }
}

both_backends! {
    async fn assessments_targets_and_a_cycle_edit_at_once_keep_the_standings_exact(app) {
        let d = app.department().await;
        let cio = app.token("cio@example.org").await;
        let f = app.plan_and_cycle(&cio).await;
        let today = Utc::now().date_naive();
        let (_, a) = app.post_json(&cio, "/api/v1/skills", json!({"name": "Plain language", "category": "communication"})).await;
        let (_, b) = app.post_json(&cio, "/api/v1/skills", json!({"name": "Networking", "category": "technical"})).await;
        let skills = [a["id"].as_i64().unwrap(), b["id"].as_i64().unwrap()];
        let mut people = Vec::new();
        for i in 0..12 {
            people.push(app.add_person_fast(&format!("r{i}@example.org"), &format!("Racer {i}"), d.lead).await);
        }
        // Every writer touches both skills' tallies, in either order, while the cycle's
        // dates move under them: none may wait in a circle or lose a count.
        let starts_on = f.starts_on + Duration::days(3);
        let mut writes = Vec::new();
        let first_day = f.starts_on;
        for (i, &person) in people.iter().enumerate() {
            let (app, cio) = (&app, &cio);
            let order = if i % 2 == 0 { [skills[0], skills[1]] } else { [skills[1], skills[0]] };
            writes.push(Box::pin(async move {
                let items = json!([
                    {"skill_id": order[0], "level": 1 + i % 5, "assessed_on": first_day - Duration::days(i as i64)},
                    {"skill_id": order[1], "level": 1 + (i + 2) % 5, "assessed_on": today - Duration::days(i as i64)},
                ]);
                let (status, body) = app.post_json(cio, &format!("/api/v1/people/{person}/skill-assessments"), json!({"assessments": items})).await;
                assert_eq!(status, StatusCode::CREATED, "{body}");
                let response = app.api.put(app.url(&format!("/api/v1/people/{person}/skill-targets/{}", order[0]))).bearer_auth(cio).json(&json!({"level": 1 + i % 3})).send().await.unwrap();
                assert!(response.status().is_success(), "{}", response.status());
            }) as std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send + '_>>);
        }
        writes.push(Box::pin(async {
            let (status, body) = app.patch_json(&cio, &format!("/api/v1/cycles/{}", f.cycle), json!({"starts_on": starts_on})).await;
            assert_eq!(status, StatusCode::OK, "{body}");
        }));
        futures_util::future::join_all(writes).await;
        let [kept, computed] = kept_and_computed(&app, f.cycle, starts_on, f.ends_on, &[], 100).await;
        assert_eq!(kept, computed);
        let db = app.db();
        assert_eq!(scalar(db, "SELECT COUNT(*) FROM skill_cycle_standings").await, 24);
        assert_eq!(scalar(db, "SELECT CAST(COALESCE(SUM(people), 0) AS BIGINT) FROM skill_cycle_tallies").await, 24);
    }
}

both_backends! {
    async fn people_deactivated_while_assessed_and_a_cycle_renamed_while_moved_keep_the_standings_exact(app) {
        let d = app.department().await;
        let cio = app.token("cio@example.org").await;
        let f = app.plan_and_cycle(&cio).await;
        let today = Utc::now().date_naive();
        let (_, skill) = app.post_json(&cio, "/api/v1/skills", json!({"name": "Plain language", "category": "communication"})).await;
        let skill = skill["id"].as_i64().unwrap();
        let mut people = Vec::new();
        for i in 0..8 {
            people.push(app.add_person_fast(&format!("r{i}@example.org"), &format!("Racer {i}"), d.lead).await);
        }
        // Each person's first level in a skill races their deactivation; the cycle's new
        // dates race an edit of its name that reads the old ones.
        let starts_on = f.starts_on + Duration::days(5);
        let mut writes = Vec::new();
        for &person in &people {
            let (app, cio) = (&app, &cio);
            writes.push(Box::pin(async move {
                let items = json!([{"skill_id": skill, "level": 3, "assessed_on": today}]);
                let (status, body) = app.post_json(cio, &format!("/api/v1/people/{person}/skill-assessments"), json!({"assessments": items})).await;
                assert_eq!(status, StatusCode::CREATED, "{body}");
            }) as std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send + '_>>);
            writes.push(Box::pin(async move {
                let (status, body) = app.patch_json(cio, &format!("/api/v1/people/{person}"), json!({"active": false})).await;
                assert_eq!(status, StatusCode::OK, "{body}");
            }));
        }
        writes.push(Box::pin(async {
            let (status, body) = app.patch_json(&cio, &format!("/api/v1/cycles/{}", f.cycle), json!({"starts_on": starts_on})).await;
            assert_eq!(status, StatusCode::OK, "{body}");
        }));
        writes.push(Box::pin(async {
            let (status, body) = app.patch_json(&cio, &format!("/api/v1/cycles/{}", f.cycle), json!({"name": "Renamed meanwhile"})).await;
            assert_eq!(status, StatusCode::OK, "{body}");
        }));
        futures_util::future::join_all(writes).await;
        let db = app.db();
        assert_eq!(scalar(db, "SELECT COUNT(*) FROM skill_cycle_standings").await, 0, "nobody active was assessed");
        assert_eq!(scalar(db, "SELECT COUNT(*) FROM skill_cycle_tallies").await, 0);
        let (_, cycle) = app.get_json(&cio, &format!("/api/v1/cycles/{}", f.cycle)).await;
        assert_eq!(cycle["starts_on"], json!(starts_on), "the later edit read the moved dates: {cycle}");
        // Active again: counted from the cycle's dates as they are now.
        for &person in &people {
            app.patch_json(&cio, &format!("/api/v1/people/{person}"), json!({"active": true})).await;
        }
        let [kept, computed] = kept_and_computed(&app, f.cycle, starts_on, f.ends_on, &[], 100).await;
        assert_eq!(kept, computed);
        assert_eq!(scalar(db, "SELECT COUNT(*) FROM skill_cycle_standings").await, 8);
    }
}
