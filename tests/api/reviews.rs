//! Self-evaluations: the lifecycle with its lock and reopen, carried proposals, privacy,
//! bad input, and the team view.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::*;

/// The engineer has two agreed goals with progress, and the cycle is in self-evaluation.
async fn ready_for_self_evaluation(app: &TestApp) -> (Department, Fixture, String, Vec<i64>) {
    let d = app.department().await;
    let cio = app.token("cio@example.org").await;
    let engineer = app.token("eng@example.org").await;
    let lead = app.token("lead@example.org").await;
    let f = app.plan_and_cycle(&cio).await;
    let mut goals = Vec::new();
    for (objective, title) in [
        (f.objectives[0], "Answer faster"),
        (f.objectives[1], "Plain words"),
    ] {
        let id = app.propose_goal(&engineer, f.cycle, objective, title).await;
        app.post_json(&lead, &format!("/api/v1/goals/{id}/agree"), json!({}))
            .await;
        goals.push(id);
    }
    app.move_cycle(&cio, f.cycle, "in_progress").await;
    app.move_cycle(&cio, f.cycle, "self_evaluation").await;
    (d, f, engineer, goals)
}

fn full_draft(goals: &[i64], objective: i64) -> Value {
    json!({
        "reflection": "I learned to listen first.",
        "skills_developed": "Plain-language writing",
        "entries": goals.iter().map(|g| json!({
            "goal_id": g,
            "narrative": "Done with help.",
            "outcome": "achieved",
            "self_rating": 4,
            "evidence": [{"kind": "text", "text": "Client thank-you"}, {"kind": "link", "text": "Article", "url": "https://kb.example.org/1"}],
        })).collect::<Vec<_>>(),
        "proposals": [{"objective_id": objective, "title": "Run a listening session", "category": "communication"}],
    })
}

both_backends! {
    async fn a_self_evaluation_is_drafted_submitted_locked_reviewed_and_reopened(app) {
        let (d, f, engineer, goals) = ready_for_self_evaluation(&app).await;
        let lead = app.token("lead@example.org").await;
        let path = format!("/api/v1/cycles/{}/self-evaluations/{}", f.cycle, d.engineer);
        let (status, evaluation) = app.get_json(&engineer, &path).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(evaluation["status"], "not_started");
        assert_eq!(evaluation["entries"].as_array().unwrap().len(), 2, "it lists the goals of the cycle");

        // Drafts save as often as one likes.
        let partial = json!({"reflection": "So far so good", "entries": [{"goal_id": goals[0], "narrative": "Half way"}]});
        let response = app.api.put(app.url(&path)).bearer_auth(&engineer).json(&partial).send().await.unwrap();
        let (status, evaluation) = split(response).await;
        assert_eq!(status, StatusCode::OK, "{evaluation}");
        assert_eq!(evaluation["status"], "draft");
        assert_eq!(evaluation["entries"][0]["narrative"], "Half way");

        // Submitting an incomplete draft names what is missing.
        let (status, problem) = app.post_json(&engineer, &format!("{path}/submit"), json!({})).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(error_fields(&problem), ["entries[0].outcome", "entries[0].self_rating", "entries[1].outcome", "entries[1].self_rating"]);

        let response = app.api.put(app.url(&path)).bearer_auth(&engineer).json(&full_draft(&goals, f.objectives[2])).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        let (status, evaluation) = app.post_json(&engineer, &format!("{path}/submit"), json!({})).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(evaluation["status"], "submitted");
        assert_eq!(evaluation["entries"][1]["evidence"][1]["url"], "https://kb.example.org/1");
        // The outcomes given are recorded on the goals.
        let (_, goal) = app.get_json(&engineer, &format!("/api/v1/goals/{}", goals[0])).await;
        assert_eq!(goal["status"], "achieved");

        // Locked: any later edit is 409.
        let response = app.api.put(app.url(&path)).bearer_auth(&engineer).json(&full_draft(&goals, f.objectives[2])).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::CONFLICT);
        let (status, _) = app.post_json(&engineer, &format!("{path}/submit"), json!({})).await;
        assert_eq!(status, StatusCode::CONFLICT);

        // The owner cannot review themselves; the lead reviews.
        let (status, _) = app.post_json(&engineer, &format!("{path}/review"), json!({"comment": "Great", "rating": 5})).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let (status, evaluation) = app.post_json(&lead, &format!("{path}/review"), json!({"comment": "A strong year.", "rating": 4})).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(evaluation["status"], "reviewed");
        assert_eq!(evaluation["review"]["reviewer"]["name"], "Lee Lead");
        assert_eq!(evaluation["review"]["rating"], 4);

        // Reopening needs a reason, and the reason is kept.
        let (status, problem) = app.post_json(&lead, &format!("{path}/reopen"), json!({"reason": " "})).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(error_fields(&problem), ["reason"]);
        let (status, evaluation) = app.post_json(&lead, &format!("{path}/reopen"), json!({"reason": "Please add the outage work."})).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(evaluation["status"], "draft");
        assert_eq!(evaluation["reopenings"][0]["reason"], "Please add the outage work.");
        assert_eq!(evaluation["reopenings"][0]["by"]["name"], "Lee Lead");
        let response = app.api.put(app.url(&path)).bearer_auth(&engineer).json(&full_draft(&goals, f.objectives[2])).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK, "editable again");
        let (status, _) = app.post_json(&engineer, &format!("{path}/submit"), json!({})).await;
        assert_eq!(status, StatusCode::OK);
        let (_, evaluation) = app.get_json(&lead, &path).await;
        assert_eq!(evaluation["reopenings"].as_array().unwrap().len(), 1, "the reason stays on record");
    }
}

both_backends! {
    async fn self_evaluations_open_only_in_the_self_evaluation_phase(app) {
        let d = app.department().await;
        let cio = app.token("cio@example.org").await;
        let engineer = app.token("eng@example.org").await;
        let f = app.plan_and_cycle(&cio).await;
        let path = format!("/api/v1/cycles/{}/self-evaluations/{}", f.cycle, d.engineer);
        let response = app.api.put(app.url(&path)).bearer_auth(&engineer).json(&json!({"reflection": "Early"})).send().await.unwrap();
        let (status, problem) = split(response).await;
        assert_eq!(status, StatusCode::CONFLICT);
        assert!(problem["detail"].as_str().unwrap().contains("self-evaluation"));
    }
}

both_backends! {
    async fn proposed_goals_arrive_in_the_next_cycle(app) {
        let (d, f, engineer, goals) = ready_for_self_evaluation(&app).await;
        let cio = app.token("cio@example.org").await;
        let path = format!("/api/v1/cycles/{}/self-evaluations/{}", f.cycle, d.engineer);
        app.api.put(app.url(&path)).bearer_auth(&engineer).json(&full_draft(&goals, f.objectives[2])).send().await.unwrap();
        app.post_json(&engineer, &format!("{path}/submit"), json!({})).await;
        app.move_cycle(&cio, f.cycle, "closed").await;
        let (status, next) = app
            .post_json(&cio, "/api/v1/cycles", json!({"name": "Next year", "plan_id": f.plan, "starts_on": f.ends_on + chrono::Duration::days(1), "ends_on": f.ends_on + chrono::Duration::days(365)}))
            .await;
        assert_eq!(status, StatusCode::CREATED);
        let (_, carried) = app.get_json(&engineer, &format!("/api/v1/cycles/{}/goals", next["id"])).await;
        let carried = carried.as_array().unwrap();
        assert_eq!(carried.len(), 1);
        assert_eq!(carried[0]["title"], "Run a listening session");
        assert_eq!(carried[0]["status"], "proposed");
        assert_eq!(carried[0]["objective"]["code"], "G2.1");
        let (_, evaluation) = app.get_json(&engineer, &path).await;
        assert_eq!(evaluation["proposals"][0]["carried_goal_id"], carried[0]["id"]);
        // A further cycle does not carry it again.
        let (_, later) = app
            .post_json(&cio, "/api/v1/cycles", json!({"name": "Later", "plan_id": f.plan, "starts_on": f.ends_on + chrono::Duration::days(400), "ends_on": f.ends_on + chrono::Duration::days(700)}))
            .await;
        let (_, none) = app.get_json(&engineer, &format!("/api/v1/cycles/{}/goals", later["id"])).await;
        assert_eq!(none.as_array().unwrap().len(), 0);
    }
}

both_backends! {
    async fn bad_self_evaluation_input_gets_exact_field_errors(app) {
        let (d, f, engineer, goals) = ready_for_self_evaluation(&app).await;
        let lead = app.token("lead@example.org").await;
        let path = format!("/api/v1/cycles/{}/self-evaluations/{}", f.cycle, d.engineer);
        let g = goals[0];
        let long = "x".repeat(10_001);
        #[rustfmt::skip]
        let cases: Vec<(&str, Value, Vec<&str>)> = vec![
            ("rating 0",        json!({"entries": [{"goal_id": g, "self_rating": 0}]}), vec!["entries[0].self_rating"]),
            ("rating 6",        json!({"entries": [{"goal_id": g, "self_rating": 6}]}), vec!["entries[0].self_rating"]),
            ("odd outcome",     json!({"entries": [{"goal_id": g, "outcome": "won"}]}), vec!["entries[0].outcome"]),
            ("not my goal",     json!({"entries": [{"goal_id": 999999}]}), vec!["entries[0].goal_id"]),
            ("huge reflection", json!({"reflection": long}), vec!["reflection"]),
            ("bad link",        json!({"entries": [{"goal_id": g, "evidence": [{"kind": "link", "text": "x", "url": "javascript:alert(1)"}]}]}), vec!["entries[0].evidence[0].url"]),
            ("odd evidence",    json!({"entries": [{"goal_id": g, "evidence": [{"kind": "photo", "text": "x"}]}]}), vec!["entries[0].evidence[0].kind"]),
            ("url on text",     json!({"entries": [{"goal_id": g, "evidence": [{"kind": "text", "text": "x", "url": "javascript:alert(1)"}]}]}), vec!["entries[0].evidence[0].url"]),
            ("same goal twice", json!({"entries": [{"goal_id": g}, {"goal_id": g}]}), vec!["entries[1].goal_id"]),
            ("empty evidence",  json!({"entries": [{"goal_id": g, "evidence": [{"kind": "text", "text": " "}]}]}), vec!["entries[0].evidence[0].text"]),
            ("proposal, no objective", json!({"proposals": [{"title": "T", "category": "other"}]}), vec!["proposals[0].objective_id"]),
            ("proposal, no title",     json!({"proposals": [{"objective_id": f.objectives[0], "category": "other"}]}), vec!["proposals[0].title"]),
        ];
        for (case, body, fields) in cases {
            let response = app.api.put(app.url(&path)).bearer_auth(&engineer).json(&body).send().await.unwrap();
            let (status, problem) = split(response).await;
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{case}");
            assert_eq!(error_fields(&problem), fields, "{case}");
        }
        let (_, evaluation) = app.get_json(&engineer, &path).await;
        assert_eq!(evaluation["status"], "not_started", "nothing was written");
        // Review input.
        let response = app.api.put(app.url(&path)).bearer_auth(&engineer).json(&full_draft(&goals, f.objectives[2])).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        app.post_json(&engineer, &format!("{path}/submit"), json!({})).await;
        for (body, fields) in [
            (json!({"comment": "ok", "rating": 0}), vec!["rating"]),
            (json!({"comment": "ok", "rating": 6}), vec!["rating"]),
            (json!({"comment": "", "rating": 3}), vec!["comment"]),
            (json!({}), vec!["comment", "rating"]),
        ] {
            let (status, problem) = app.post_json(&lead, &format!("{path}/review"), body.clone()).await;
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
            assert_eq!(error_fields(&problem), fields, "{body}");
        }
    }
}

both_backends! {
    async fn the_team_view_shows_reports_with_goals_and_evaluation_status(app) {
        let (d, f, engineer, goals) = ready_for_self_evaluation(&app).await;
        let lead = app.token("lead@example.org").await;
        let path = format!("/api/v1/cycles/{}/self-evaluations/{}", f.cycle, d.engineer);
        app.api.put(app.url(&path)).bearer_auth(&engineer).json(&full_draft(&goals, f.objectives[2])).send().await.unwrap();
        let (status, team) = app.get_json(&lead, "/api/v1/team").await;
        assert_eq!(status, StatusCode::OK);
        let members = team["members"].as_array().unwrap();
        let names: Vec<&str> = members.iter().map(|m| m["person"]["name"].as_str().unwrap()).collect();
        assert_eq!(names, ["Erin Engineer", "Pat Peer"]);
        assert_eq!(members[0]["self_evaluation"], "draft");
        assert_eq!(members[0]["goals"].as_array().unwrap().len(), 2);
        assert_eq!(members[0]["goals"][0]["objective_code"], "G1.1");
        assert_eq!(members[1]["self_evaluation"], "not_started");
        // Staff without reports see nobody; the cio sees everyone but advisors.
        let (_, mine) = app.get_json(&engineer, "/api/v1/team").await;
        assert_eq!(mine["members"].as_array().unwrap().len(), 0);
        let cio = app.token("cio@example.org").await;
        let (_, all) = app.get_json(&cio, "/api/v1/team").await;
        assert_eq!(all["members"].as_array().unwrap().len(), 3, "lead, engineer, peer");
    }
}

/// Adds `people` staff under the lead, each with `goals_each` goals, through the service
/// layer's API.
async fn grow_team(
    app: &TestApp,
    cio: &str,
    f: &Fixture,
    lead: i32,
    people: usize,
    goals_each: usize,
) {
    let mut ids = Vec::new();
    for n in 0..people {
        ids.push(
            app.add_person_fast(
                &format!("member{n}@example.org"),
                &format!("Member {n:04}"),
                lead,
            )
            .await,
        );
    }
    for _ in 0..goals_each {
        let (status, _) = app
            .post_json(cio, &format!("/api/v1/cycles/{}/goals/assign", f.cycle), json!({"person_ids": ids, "objective_id": f.objectives[0], "title": "Shared goal", "category": "service"}))
            .await;
        assert_eq!(status, StatusCode::CREATED);
    }
}

/// Statements the server runs to answer one GET, after a first call has done any
/// once-a-minute bookkeeping (a token's last use), token lookup included.
async fn statements_for(app: &TestApp, token: &str, path: &str) -> u64 {
    let (status, _) = app.get_json(token, path).await;
    assert_eq!(status, StatusCode::OK, "{path}");
    // An empty write empties the instance's shared copies (the token looked up a moment
    // ago), so every measurement counts the same lookups.
    app.db().write().await.unwrap().commit().await.unwrap();
    let before = app.db().statements_run();
    app.get_json(token, path).await;
    app.db().statements_run() - before
}

both_backends! {
    async fn the_plan_and_the_team_view_run_the_same_number_of_queries_for_any_size(app) {
        let d = app.department().await;
        let cio = app.token("cio@example.org").await;
        let lead = app.token("lead@example.org").await;
        let f = app.plan_and_cycle(&cio).await;
        grow_team(&app, &cio, &f, d.lead, 3, 1).await;
        let team_small = statements_for(&app, &lead, "/api/v1/team").await;
        let plan_small = statements_for(&app, &cio, &format!("/api/v1/plans/{}", f.plan)).await;
        grow_team_more(&app, &cio, &f, d.lead).await;
        let team_large = statements_for(&app, &lead, "/api/v1/team").await;
        let plan_large = statements_for(&app, &cio, &format!("/api/v1/plans/{}", f.plan)).await;
        eprintln!("statements per request: team {team_small} (3 people) / {team_large} (60 people), plan {plan_small} / {plan_large}");
        assert_eq!(team_small, team_large, "team: {team_small} statements for 3 people, {team_large} for 60");
        assert_eq!(plan_small, plan_large, "plan: {plan_small} statements with few goals, {plan_large} with many");
        assert!(team_small <= 8, "team view took {team_small} statements");
        assert!(plan_small <= 6, "plan took {plan_small} statements");
    }
}

async fn grow_team_more(app: &TestApp, cio: &str, f: &Fixture, lead: i32) {
    let mut ids = Vec::new();
    for n in 100..157 {
        ids.push(
            app.add_person_fast(
                &format!("member{n}@example.org"),
                &format!("Member {n:04}"),
                lead,
            )
            .await,
        );
    }
    for _ in 0..3 {
        let (status, _) = app
            .post_json(cio, &format!("/api/v1/cycles/{}/goals/assign", f.cycle), json!({"person_ids": ids, "objective_id": f.objectives[1], "title": "More", "category": "service"}))
            .await;
        assert_eq!(
            status,
            StatusCode::CREATED,
            "the large set-up must really grow"
        );
    }
}

both_backends! {
    async fn a_reopened_evaluation_loses_its_old_review_and_a_new_outcome_reaches_the_goal(app) {
        let (d, f, engineer, goals) = ready_for_self_evaluation(&app).await;
        let lead = app.token("lead@example.org").await;
        let path = format!("/api/v1/cycles/{}/self-evaluations/{}", f.cycle, d.engineer);
        app.api.put(app.url(&path)).bearer_auth(&engineer).json(&full_draft(&goals, f.objectives[2])).send().await.unwrap();
        app.post_json(&engineer, &format!("{path}/submit"), json!({})).await;
        app.post_json(&lead, &format!("{path}/review"), json!({"comment": "Good", "rating": 4})).await;
        let (_, evaluation) = app.post_json(&lead, &format!("{path}/reopen"), json!({"reason": "Revisit goal one"})).await;
        assert!(evaluation["review"].is_null(), "the review belonged to the reopened submission");
        let mut draft = full_draft(&goals, f.objectives[2]);
        draft["entries"][0]["outcome"] = json!("partially_achieved");
        app.api.put(app.url(&path)).bearer_auth(&engineer).json(&draft).send().await.unwrap();
        let (status, _) = app.post_json(&engineer, &format!("{path}/submit"), json!({})).await;
        assert_eq!(status, StatusCode::OK);
        let (_, goal) = app.get_json(&engineer, &format!("/api/v1/goals/{}", goals[0])).await;
        assert_eq!(goal["status"], "partially_achieved");
    }
}

both_backends! {
    async fn advisors_manage_nobody_and_have_no_team_view(app) {
        let d = app.department().await;
        let cio = app.token("cio@example.org").await;
        let (status, problem) = app.patch_json(&cio, &format!("/api/v1/people/{}", d.peer), json!({"manager_id": d.advisor})).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(error_fields(&problem), ["manager_id"]);
        let advisor = app.token("advisor@example.org").await;
        assert_eq!(app.get_json(&advisor, "/api/v1/team").await.0, StatusCode::NOT_FOUND);
        let browser = app.signed_in("advisor@example.org").await;
        assert_eq!(browser.get("/team").await.status(), StatusCode::NOT_FOUND);
    }
}

both_backends! {
    async fn advisors_see_no_goal_counts_for_fewer_than_k_people(app) {
        app.department().await;
        let cio = app.token("cio@example.org").await;
        let engineer = app.token("eng@example.org").await;
        let peer = app.token("peer@example.org").await;
        let lead = app.token("lead@example.org").await;
        let f = app.plan_and_cycle(&cio).await;
        app.propose_goal(&engineer, f.cycle, f.objectives[0], "One person").await;
        for token in [&engineer, &peer, &lead] {
            app.propose_goal(token, f.cycle, f.objectives[1], "Three people").await;
        }
        let advisor = app.token("advisor@example.org").await;
        let (_, plan) = app.get_json(&advisor, &format!("/api/v1/plans/{}", f.plan)).await;
        let objectives = &plan["goals"][0]["objectives"];
        assert!(objectives[0]["linked_goals"].is_null(), "one person is fewer than k");
        assert_eq!(objectives[0]["fewer_than"], 3);
        assert_eq!(objectives[0]["uncovered"], false);
        assert_eq!(objectives[1]["linked_goals"], 3, "three people are enough");
        assert_eq!(plan["goals"][1]["objectives"][0]["uncovered"], true, "nobody is not a person");
        let (_, plan) = app.get_json(&cio, &format!("/api/v1/plans/{}", f.plan)).await;
        assert_eq!(plan["goals"][0]["objectives"][0]["linked_goals"], 1, "staff and the cio see exact counts");
        let page = app.signed_in("advisor@example.org").await.get_html(&format!("/plans/{}", f.plan)).await;
        assert!(page.contains("fewer than 3 people"));
    }
}

both_backends! {
    async fn nobody_approves_or_reviews_their_own_goals_not_even_the_cio(app) {
        app.department().await;
        let cio = app.token("cio@example.org").await;
        let f = app.plan_and_cycle(&cio).await;
        let own = app.propose_goal(&cio, f.cycle, f.objectives[0], "Lead by example").await;
        let (status, _) = app.post_json(&cio, &format!("/api/v1/goals/{own}/agree"), json!({})).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
    }
}

/// Recognition for the engineer during the cycle: kudos from the peer, a trophy pass from
/// the peer, a compliment posted by the cio; and some that must not be offered: kudos to
/// the lead, and kudos to the engineer that the cio hid. Returns the kudos to the lead and
/// the hidden kudos, by id.
async fn recognition_for_the_engineer(app: &TestApp, d: &Department) -> (i64, i64) {
    let cio = app.token("cio@example.org").await;
    let peer = app.token("peer@example.org").await;
    let (status, _) = app
        .post_json(
            &peer,
            "/api/v1/kudos",
            json!({"recipient_ids": [d.engineer], "message": "Thanks for the migration runbook"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, to_lead) = app
        .post_json(
            &peer,
            "/api/v1/kudos",
            json!({"recipient_ids": [d.lead], "message": "For the lead only"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, hidden) = app
        .post_json(
            &peer,
            "/api/v1/kudos",
            json!({"recipient_ids": [d.engineer], "message": "An inside joke nobody else gets"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let hidden = hidden["id"].as_i64().unwrap();
    let response = app
        .api
        .post(app.url(&format!("/api/v1/kudos/{hidden}/hide")))
        .bearer_auth(&cio)
        .json(&json!({"reason": "Not for the record"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let (status, trophy) = app
        .post_json(
            &cio,
            "/api/v1/trophies",
            json!({"name": "The Big Ugly Trophy", "holder_id": d.peer}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{trophy}");
    let (status, passed) = app
        .post_json(
            &peer,
            &format!("/api/v1/trophies/{}/passes", trophy["id"]),
            json!({"receiver_id": d.engineer, "message": "For the weekend network cutover"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{passed}");
    let today = chrono::Utc::now().date_naive();
    let (status, compliment) = app.post_json(&cio, "/api/v1/compliments", json!({"person_id": d.engineer, "giver_name": "Prof. Alvarez", "giver_affiliation": "History department", "channel": "email", "received_on": today, "message": "Erin rescued my lecture when the projector died."})).await;
    assert_eq!(status, StatusCode::CREATED, "{compliment}");
    (to_lead["id"].as_i64().unwrap(), hidden)
}

/// The offered item of a kind, as the API lists it.
fn offered<'a>(evaluation: &'a Value, kind: &str) -> &'a Value {
    evaluation["offered"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["kind"] == kind)
        .unwrap_or_else(|| panic!("no {kind} offered: {evaluation}"))
}

both_backends! {
    async fn recognition_received_in_the_cycle_is_offered_chosen_and_kept_as_evidence(app) {
        let (d, f, engineer, goals) = ready_for_self_evaluation(&app).await;
        recognition_for_the_engineer(&app, &d).await;
        let today = chrono::Utc::now().date_naive().to_string();
        let path = format!("/api/v1/cycles/{}/self-evaluations/{}", f.cycle, d.engineer);
        let (status, evaluation) = app.get_json(&engineer, &path).await;
        assert_eq!(status, StatusCode::OK, "{evaluation}");
        let mut messages: Vec<&str> = evaluation["offered"].as_array().unwrap().iter().map(|o| o["message"].as_str().unwrap()).collect();
        messages.sort();
        assert_eq!(messages, ["Erin rescued my lecture when the projector died.", "For the weekend network cutover", "Thanks for the migration runbook"], "not the lead's kudos, not the hidden one");
        let kudos = offered(&evaluation, "kudos").clone();
        let pass = offered(&evaluation, "notebook").clone();
        let compliment = offered(&evaluation, "compliment").clone();
        assert_eq!((kudos["giver"].as_str(), kudos["on"].as_str()), (Some("Pat Peer"), Some(today.as_str())));
        assert_eq!(pass["giver"], "Pat Peer");
        assert_eq!(compliment["giver"], "Prof. Alvarez (History department)");
        // Only the person writing the draft is offered anything; others may not see it at all.
        let lead = app.token("lead@example.org").await;
        let (status, seen) = app.get_json(&lead, &path).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(seen["offered"], json!([]));
        let peer = app.token("peer@example.org").await;
        assert_eq!(app.get_json(&peer, &path).await.0, StatusCode::NOT_FOUND);

        // Chosen by kind and ref_id; the server fills in the message, date and giver.
        let draft = json!({"entries": [
            {"goal_id": goals[0], "evidence": [
                {"kind": "text", "text": "Runbook used in two outages"},
                {"kind": "kudos", "ref_id": kudos["ref_id"]},
                {"kind": "compliment", "ref_id": compliment["ref_id"], "text": "whatever I type", "giver": "Someone famous", "on": "2000-01-01"},
            ]},
            {"goal_id": goals[1], "evidence": [{"kind": "notebook", "ref_id": pass["ref_id"]}, {"kind": "kudos", "ref_id": kudos["ref_id"]}]},
        ]});
        let response = app.api.put(app.url(&path)).bearer_auth(&engineer).json(&draft).send().await.unwrap();
        let (status, evaluation) = split(response).await;
        assert_eq!(status, StatusCode::OK, "{evaluation}");
        let first = &evaluation["entries"][0]["evidence"];
        assert_eq!(first[0]["kind"], "text");
        assert!(first[0]["ref_id"].is_null());
        assert_eq!(first[1]["kind"], "kudos");
        assert_eq!(first[1]["ref_id"], kudos["ref_id"]);
        assert_eq!(first[1]["text"], "Thanks for the migration runbook");
        assert_eq!((first[1]["giver"].as_str(), first[1]["on"].as_str()), (Some("Pat Peer"), Some(today.as_str())));
        assert_eq!(first[2]["text"], "Erin rescued my lecture when the projector died.", "the server's, not the client's");
        assert_eq!(first[2]["giver"], "Prof. Alvarez (History department)");
        assert_eq!(first[2]["on"], today.as_str());
        let second = &evaluation["entries"][1]["evidence"];
        assert_eq!((second[0]["kind"].as_str(), second[0]["text"].as_str()), (Some("notebook"), Some("For the weekend network cutover")));
        assert_eq!(second[1]["ref_id"], kudos["ref_id"], "the same kudos may support another goal");

        // Hidden afterwards: no longer offered, but the saved snapshot stays, and saving the
        // draft again as it came back keeps it.
        let cio = app.token("cio@example.org").await;
        let response = app.api.post(app.url(&format!("/api/v1/kudos/{}/hide", kudos["ref_id"]))).bearer_auth(&cio).json(&json!({"reason": "Asked to"})).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::NO_CONTENT);
        let (_, evaluation) = app.get_json(&engineer, &path).await;
        assert!(evaluation["offered"].as_array().unwrap().iter().all(|o| o["kind"] != "kudos"), "{evaluation}");
        assert_eq!(evaluation["entries"][0]["evidence"][1]["text"], "Thanks for the migration runbook");
        let again = json!({"entries": evaluation["entries"].as_array().unwrap().iter().map(|e| json!({"goal_id": e["goal"]["id"], "evidence": e["evidence"]})).collect::<Vec<_>>()});
        let response = app.api.put(app.url(&path)).bearer_auth(&engineer).json(&again).send().await.unwrap();
        let (status, evaluation) = split(response).await;
        assert_eq!(status, StatusCode::OK, "{evaluation}");
        assert_eq!(evaluation["entries"][0]["evidence"][1]["giver"], "Pat Peer");
        assert_eq!(evaluation["entries"][0]["evidence"].as_array().unwrap().len(), 3);

        // Submitted, the manager reads the evidence with its date and giver.
        let mut full = full_draft(&goals, f.objectives[2]);
        full["entries"][0]["evidence"] = evaluation["entries"][0]["evidence"].clone();
        let response = app.api.put(app.url(&path)).bearer_auth(&engineer).json(&full).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        let (status, submitted) = app.post_json(&engineer, &format!("{path}/submit"), json!({})).await;
        assert_eq!(status, StatusCode::OK, "{submitted}");
        assert_eq!(submitted["offered"], json!([]), "nothing to choose once submitted");
        let (_, seen) = app.get_json(&lead, &path).await;
        let evidence = &seen["entries"][0]["evidence"];
        assert_eq!((evidence[1]["kind"].as_str(), evidence[1]["giver"].as_str(), evidence[1]["on"].as_str()), (Some("kudos"), Some("Pat Peer"), Some(today.as_str())));
        assert_eq!(evidence[2]["giver"], "Prof. Alvarez (History department)");
    }
}

both_backends! {
    async fn recognition_evidence_must_be_ones_own_from_the_cycle_and_not_hidden(app) {
        let (d, f, engineer, goals) = ready_for_self_evaluation(&app).await;
        let (to_lead, hidden) = recognition_for_the_engineer(&app, &d).await;
        let path = format!("/api/v1/cycles/{}/self-evaluations/{}", f.cycle, d.engineer);
        let (_, evaluation) = app.get_json(&engineer, &path).await;
        let kudos = offered(&evaluation, "kudos")["ref_id"].clone();
        let compliment = offered(&evaluation, "compliment")["ref_id"].clone();
        let g = goals[0];
        let entry = |evidence: Value| json!({"entries": [{"goal_id": g, "evidence": evidence}]});
        #[rustfmt::skip]
        let cases: Vec<(&str, Value, Vec<&str>)> = vec![
            ("someone else's kudos", entry(json!([{"kind": "kudos", "ref_id": to_lead}])), vec!["entries[0].evidence[0].ref_id"]),
            ("hidden kudos",         entry(json!([{"kind": "kudos", "ref_id": hidden}])), vec!["entries[0].evidence[0].ref_id"]),
            ("unknown id",           entry(json!([{"kind": "notebook", "ref_id": 999999}])), vec!["entries[0].evidence[0].ref_id"]),
            ("no ref_id",            entry(json!([{"kind": "compliment"}])), vec!["entries[0].evidence[0].ref_id"]),
            ("kind and id mixed",    entry(json!([{"kind": "notebook", "ref_id": compliment}])), vec!["entries[0].evidence[0].ref_id"]),
            ("same kudos twice",     entry(json!([{"kind": "kudos", "ref_id": kudos}, {"kind": "text", "text": "x"}, {"kind": "kudos", "ref_id": kudos}])), vec!["entries[0].evidence[2].ref_id"]),
            ("ref_id on text",       entry(json!([{"kind": "text", "text": "Runbook", "ref_id": kudos}])), vec!["entries[0].evidence[0].ref_id"]),
            ("url on kudos",         entry(json!([{"kind": "kudos", "ref_id": kudos, "url": "https://kb.example.org/1"}])), vec!["entries[0].evidence[0].url"]),
            ("text without text",    entry(json!([{"kind": "text"}])), vec!["entries[0].evidence[0].text"]),
        ];
        for (case, body, fields) in cases {
            let response = app.api.put(app.url(&path)).bearer_auth(&engineer).json(&body).send().await.unwrap();
            let (status, problem) = split(response).await;
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{case}: {problem}");
            assert_eq!(error_fields(&problem), fields, "{case}");
        }
        let response = app.api.put(app.url(&path)).bearer_auth(&engineer).json(&entry(json!([{"kind": "kudos", "ref_id": to_lead}]))).send().await.unwrap();
        let (_, problem) = split(response).await;
        assert_eq!(problem["errors"][0]["message"], "This is not recognition you received during this cycle.");
        let (_, evaluation) = app.get_json(&engineer, &path).await;
        assert_eq!(evaluation["status"], "not_started", "nothing was written");

        // Recognition from outside the cycle's dates is not offered or accepted either.
        let cio = app.token("cio@example.org").await;
        let before = f.starts_on - chrono::Duration::days(3);
        let (status, old) = app.post_json(&cio, "/api/v1/compliments", json!({"person_id": d.engineer, "giver_name": "Dean Ruiz", "giver_affiliation": "", "channel": "email", "received_on": before, "message": "Thanks for last year's help."})).await;
        assert_eq!(status, StatusCode::CREATED, "{old}");
        let (_, evaluation) = app.get_json(&engineer, &path).await;
        assert_eq!(evaluation["offered"].as_array().unwrap().len(), 3, "{evaluation}");
        let response = app.api.put(app.url(&path)).bearer_auth(&engineer).json(&entry(json!([{"kind": "compliment", "ref_id": old["id"]}]))).send().await.unwrap();
        let (status, problem) = split(response).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(error_fields(&problem), ["entries[0].evidence[0].ref_id"]);
    }
}

/// Submits the draft at `path` and has each of `reopeners` send it back once, in turn,
/// then the lead reviews it: reviewed, with one reopening per reopener.
async fn submit_reopen_and_review(
    app: &TestApp,
    owner: &str,
    path: &str,
    draft: &Value,
    reopeners: &[&str],
) {
    let lead = app.token("lead@example.org").await;
    let response = app
        .api
        .put(app.url(path))
        .bearer_auth(owner)
        .json(draft)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    for reopener in reopeners {
        let (status, _) = app
            .post_json(owner, &format!("{path}/submit"), json!({}))
            .await;
        assert_eq!(status, StatusCode::OK);
        let (status, _) = app
            .post_json(
                reopener,
                &format!("{path}/reopen"),
                json!({"reason": "Once more"}),
            )
            .await;
        assert_eq!(status, StatusCode::OK);
    }
    let (status, _) = app
        .post_json(owner, &format!("{path}/submit"), json!({}))
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = app
        .post_json(
            &lead,
            &format!("{path}/review"),
            json!({"comment": "Good", "rating": 4}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
}

both_backends! {
    async fn reading_a_self_evaluation_runs_the_same_number_of_queries_for_any_size(app) {
        let d = app.department().await;
        let cio = app.token("cio@example.org").await;
        let lead = app.token("lead@example.org").await;
        let engineer = app.token("eng@example.org").await;
        let peer = app.token("peer@example.org").await;
        let f = app.plan_and_cycle(&cio).await;
        let mut small_goals = Vec::new();
        let mut large_goals = Vec::new();
        for (token, goals, count) in [(&engineer, &mut small_goals, 1), (&peer, &mut large_goals, 6)] {
            for n in 0..count {
                let id = app.propose_goal(token, f.cycle, f.objectives[n % 3], &format!("Goal {n}")).await;
                app.post_json(&lead, &format!("/api/v1/goals/{id}/agree"), json!({})).await;
                goals.push(id);
            }
        }
        app.move_cycle(&cio, f.cycle, "in_progress").await;
        app.move_cycle(&cio, f.cycle, "self_evaluation").await;

        let small_path = format!("/api/v1/cycles/{}/self-evaluations/{}", f.cycle, d.engineer);
        submit_reopen_and_review(&app, &engineer, &small_path, &full_draft(&small_goals, f.objectives[0]), &[&lead]).await;
        let mut large_draft = full_draft(&large_goals, f.objectives[0]);
        large_draft["proposals"] = json!(f.objectives.iter().map(|o| json!({"objective_id": o, "title": "Next", "category": "service"})).collect::<Vec<_>>());
        let large_path = format!("/api/v1/cycles/{}/self-evaluations/{}", f.cycle, d.peer);
        submit_reopen_and_review(&app, &peer, &large_path, &large_draft, &[&lead, &cio, &lead]).await;

        let small = statements_for(&app, &lead, &small_path).await;
        let large = statements_for(&app, &lead, &large_path).await;
        eprintln!("statements per self-evaluation read: {small} (1 goal, 1 proposal, 1 reopening) / {large} (6 goals, 3 proposals, 3 reopenings)");
        assert_eq!(small, large, "{small} statements for a small evaluation, {large} for a large one");
    }
}

both_backends! {
    async fn an_advisor_has_no_self_evaluation_to_start_save_or_submit(app) {
        let (d, f, _, _) = ready_for_self_evaluation(&app).await;
        let advisor = app.token("advisor@example.org").await;
        let own = format!("/api/v1/cycles/{}/self-evaluations/{}", f.cycle, d.advisor);
        let draft = json!({"reflection": "Advice given", "proposals": [{"objective_id": f.objectives[0], "title": "Advise more", "category": "other"}]});
        let response = app.api.put(app.url(&own)).bearer_auth(&advisor).json(&draft).send().await.unwrap();
        let (status, problem) = split(response).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{problem}");
        assert_eq!(problem["detail"], "Not found.");
        let (status, _) = app.post_json(&advisor, &format!("{own}/submit"), json!({})).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (status, _) = app.get_json(&advisor, &own).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        // Nothing was written: the cio finds no evaluation started for them.
        let cio = app.token("cio@example.org").await;
        let (status, evaluation) = app.get_json(&cio, &own).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(evaluation["status"], "not_started");
        assert_eq!(evaluation["proposals"].as_array().unwrap().len(), 0);

        // The pages answer the same.
        let browser = app.signed_in("advisor@example.org").await;
        let page = format!("/cycles/{}/self-evaluations/{}", f.cycle, d.advisor);
        assert_eq!(browser.get(&page).await.status(), StatusCode::NOT_FOUND);
        assert_eq!(browser.get(&format!("{page}/submit")).await.status(), StatusCode::NOT_FOUND);
        assert_eq!(browser.get("/self-evaluation").await.status(), StatusCode::SEE_OTHER);
        let response = browser
            .post_form("/people", &page, &[("reflection", "Advice given"), ("proposal_objective_id_0", &f.objectives[0].to_string()), ("proposal_title_0", "Advise more"), ("proposal_category_0", "other")])
            .await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND);
        assert_eq!(browser.post_form("/people", &format!("{page}/submit"), &[]).await.status(), StatusCode::NOT_FOUND);
        let (_, evaluation) = app.get_json(&cio, &own).await;
        assert_eq!(evaluation["status"], "not_started");
    }
}
