//! Performance goals: linking rules, the lifecycle, group assignment, privacy, bad input.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::*;

both_backends! {
    async fn a_goal_must_link_an_objective_of_its_cycles_plan(app) {
        app.department().await;
        let cio = app.token("cio@example.org").await;
        let engineer = app.token("eng@example.org").await;
        let f = app.plan_and_cycle(&cio).await;
        // Another plan's objective.
        let (_, other) = app.post_json(&cio, "/api/v1/plans", json!({"title": "Other", "start_year": 2030, "end_year": 2032})).await;
        let (_, goal) = app.post_json(&cio, &format!("/api/v1/plans/{}/goals", other["id"]), json!({"title": "Elsewhere"})).await;
        let (_, foreign) = app.post_json(&cio, &format!("/api/v1/strategic-goals/{}/objectives", goal["id"]), json!({"title": "Not ours"})).await;
        for (case, objective) in [("another plan's", foreign["id"].clone()), ("none", Value::Null), ("unknown", json!(99999))] {
            let (status, problem) = app
                .post_json(&engineer, &format!("/api/v1/cycles/{}/goals", f.cycle), json!({"objective_id": objective, "title": "T", "category": "service"}))
                .await;
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{case}");
            assert_eq!(error_fields(&problem), ["objective_id"], "{case}");
        }
        let id = app.propose_goal(&engineer, f.cycle, f.objectives[1], "Plain words").await;
        let (_, goal) = app.get_json(&engineer, &format!("/api/v1/goals/{id}")).await;
        assert_eq!(goal["objective"]["code"], "G1.2");
        assert_eq!(goal["status"], "proposed");
    }
}

both_backends! {
    async fn a_goal_goes_from_proposed_to_agreed_to_its_outcome_with_its_history(app) {
        app.department().await;
        let cio = app.token("cio@example.org").await;
        let engineer = app.token("eng@example.org").await;
        let lead = app.token("lead@example.org").await;
        let f = app.plan_and_cycle(&cio).await;
        let id = app.propose_goal(&engineer, f.cycle, f.objectives[0], "Answer faster").await;
        // The owner cannot agree to their own goal; the lead can.
        let (status, _) = app.post_json(&engineer, &format!("/api/v1/goals/{id}/agree"), json!({})).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let (status, goal) = app.post_json(&lead, &format!("/api/v1/goals/{id}/agree"), json!({})).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(goal["status"], "agreed");
        assert_eq!(goal["agreed_by"]["name"], "Lee Lead");
        let (status, _) = app.post_json(&lead, &format!("/api/v1/goals/{id}/agree"), json!({})).await;
        assert_eq!(status, StatusCode::CONFLICT, "agreeing twice");
        // Progress waits for the cycle to be in progress.
        let (status, _) = app.post_json(&engineer, &format!("/api/v1/goals/{id}/progress"), json!({"progress": 10, "note": "Early"})).await;
        assert_eq!(status, StatusCode::CONFLICT);
        app.move_cycle(&cio, f.cycle, "in_progress").await;
        let yesterday = chrono::Utc::now().date_naive() - chrono::Duration::days(1);
        let (status, goal) = app.post_json(&engineer, &format!("/api/v1/goals/{id}/progress"), json!({"progress": 40, "note": "Guide drafted", "noted_on": yesterday})).await;
        assert_eq!(status, StatusCode::OK, "{goal}");
        assert_eq!((goal["status"].as_str(), goal["progress"].as_i64()), (Some("in_progress"), Some(40)));
        app.post_json(&engineer, &format!("/api/v1/goals/{id}/progress"), json!({"progress": 80, "note": "Guide in use"})).await;
        // Only the owner reports progress.
        let (status, _) = app.post_json(&lead, &format!("/api/v1/goals/{id}/progress"), json!({"progress": 90, "note": "For them"})).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let (_, detail) = app.get_json(&lead, &format!("/api/v1/goals/{id}")).await;
        let history: Vec<i64> = detail["history"].as_array().unwrap().iter().map(|n| n["progress"].as_i64().unwrap()).collect();
        assert_eq!(history, [80, 40], "newest first, all kept");
        let (status, goal) = app.post_json(&engineer, &format!("/api/v1/goals/{id}/outcome"), json!({"status": "achieved"})).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!((goal["status"].as_str(), goal["progress"].as_i64()), (Some("achieved"), Some(100)));
        let (status, _) = app.post_json(&engineer, &format!("/api/v1/goals/{id}/outcome"), json!({"status": "not_achieved"})).await;
        assert_eq!(status, StatusCode::CONFLICT, "an outcome is final");
    }
}

both_backends! {
    async fn the_owner_changing_an_agreed_goal_sends_it_back_for_agreement(app) {
        app.department().await;
        let cio = app.token("cio@example.org").await;
        let engineer = app.token("eng@example.org").await;
        let lead = app.token("lead@example.org").await;
        let f = app.plan_and_cycle(&cio).await;
        let id = app.propose_goal(&engineer, f.cycle, f.objectives[0], "Answer faster").await;
        app.post_json(&lead, &format!("/api/v1/goals/{id}/agree"), json!({})).await;
        let (status, goal) = app.patch_json(&engineer, &format!("/api/v1/goals/{id}"), json!({"title": "Answer much faster"})).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(goal["status"], "proposed");
        assert!(goal["agreed_by"].is_null());
        // The lead's own edit keeps it agreed.
        app.post_json(&lead, &format!("/api/v1/goals/{id}/agree"), json!({})).await;
        let (_, goal) = app.patch_json(&lead, &format!("/api/v1/goals/{id}"), json!({"description": "By spring"})).await;
        assert_eq!(goal["status"], "agreed");
    }
}

both_backends! {
    async fn a_manager_assigns_one_goal_to_a_whole_team(app) {
        let d = app.department().await;
        let cio = app.token("cio@example.org").await;
        let lead = app.token("lead@example.org").await;
        let f = app.plan_and_cycle(&cio).await;
        let (status, goals) = app
            .post_json(&lead, &format!("/api/v1/cycles/{}/goals/assign", f.cycle), json!({"team": "Service Desk", "objective_id": f.objectives[1], "title": "Plain-language article each month", "category": "communication"}))
            .await;
        assert_eq!(status, StatusCode::CREATED, "{goals}");
        let mut owners: Vec<i64> = goals.as_array().unwrap().iter().map(|g| g["owner"]["id"].as_i64().unwrap()).collect();
        owners.sort_unstable();
        assert_eq!(owners, [d.engineer as i64, d.peer as i64], "the lead's reports, not the lead");
        assert!(goals.as_array().unwrap().iter().all(|g| g["status"] == "agreed" && g["objective"]["code"] == "G1.2"));
    }
}

both_backends! {
    async fn a_group_assignment_is_all_or_nothing(app) {
        let d = app.department().await;
        let cio = app.token("cio@example.org").await;
        let lead = app.token("lead@example.org").await;
        let other = app.add_person("other@example.org", "Olga Otherteam", "staff", Some(d.cio)).await;
        let f = app.plan_and_cycle(&cio).await;
        let (status, problem) = app
            .post_json(&lead, &format!("/api/v1/cycles/{}/goals/assign", f.cycle), json!({"person_ids": [d.engineer, d.peer, other], "objective_id": f.objectives[0], "title": "T", "category": "service"}))
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(error_fields(&problem), ["person_ids"]);
        assert!(problem["errors"][0]["message"].as_str().unwrap().contains("Olga Otherteam"));
        for person in [d.engineer, d.peer] {
            let (_, goals) = app.get_json(&cio, &format!("/api/v1/cycles/{}/goals?person_id={person}", f.cycle)).await;
            assert_eq!(goals.as_array().unwrap().len(), 0, "nothing was created for {person}");
        }
        // The cio may assign to all three at once.
        let (status, goals) = app
            .post_json(&cio, &format!("/api/v1/cycles/{}/goals/assign", f.cycle), json!({"person_ids": [d.engineer, d.peer, other], "objective_id": f.objectives[0], "title": "T", "category": "service"}))
            .await;
        assert_eq!(status, StatusCode::CREATED);
        assert_eq!(goals.as_array().unwrap().len(), 3);
        // Advisors and unknown people cannot be given goals.
        for person in [d.advisor as i64, 424242] {
            let (status, problem) = app
                .post_json(&cio, &format!("/api/v1/cycles/{}/goals/assign", f.cycle), json!({"person_ids": [person], "objective_id": f.objectives[0], "title": "T", "category": "service"}))
                .await;
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{person}");
            assert_eq!(error_fields(&problem), ["person_ids"]);
        }
    }
}

/// A department with a chain three deep: cio → director → lead → engineer, and a peer
/// under the lead, and an advisor.
async fn deep_department(app: &TestApp) -> (i32, i32, i32, i32, i32) {
    let cio = app
        .add_person("cio@example.org", "Carla CIO", "cio", None)
        .await;
    let director = app
        .add_person("director@example.org", "Dana Director", "staff", Some(cio))
        .await;
    let lead = app
        .add_person("lead@example.org", "Lee Lead", "staff", Some(director))
        .await;
    let engineer = app
        .add_person("eng@example.org", "Erin Engineer", "staff", Some(lead))
        .await;
    let peer = app
        .add_person("peer@example.org", "Pat Peer", "staff", Some(lead))
        .await;
    app.add_person("advisor@example.org", "Ada Advisor", "advisor", None)
        .await;
    (cio, director, lead, engineer, peer)
}

both_backends! {
    async fn goals_are_seen_by_the_owner_the_chain_and_the_cio_only(app) {
        let (_, _, _, engineer_id, _) = deep_department(&app).await;
        let cio = app.token("cio@example.org").await;
        let engineer = app.token("eng@example.org").await;
        let f = app.plan_and_cycle(&cio).await;
        let goal = app.propose_goal(&engineer, f.cycle, f.objectives[0], "Answer faster").await;
        #[rustfmt::skip]
        let matrix = [
            ("eng@example.org",      StatusCode::OK),        // owner
            ("lead@example.org",     StatusCode::OK),        // manager
            ("director@example.org", StatusCode::OK),        // manager's manager
            ("cio@example.org",      StatusCode::OK),
            ("peer@example.org",     StatusCode::NOT_FOUND),
            ("advisor@example.org",  StatusCode::NOT_FOUND),
        ];
        for (email, expected) in matrix {
            let token = app.token(email).await;
            let reads = [
                format!("/api/v1/goals/{goal}"),
                format!("/api/v1/cycles/{}/goals?person_id={engineer_id}", f.cycle),
                format!("/api/v1/cycles/{}/self-evaluations/{engineer_id}", f.cycle),
            ];
            for path in reads {
                let (status, _) = app.get_json(&token, &path).await;
                assert_eq!(status, expected, "{email} GET {path}");
            }
            let writes = [
                (format!("/api/v1/goals/{goal}/progress"), json!({"progress": 5, "note": "n"})),
                (format!("/api/v1/goals/{goal}/outcome"), json!({"status": "achieved"})),
                (format!("/api/v1/goals/{goal}/agree"), json!({})),
            ];
            for (path, body) in writes {
                let (status, _) = app.post_json(&token, &path, body).await;
                if expected == StatusCode::NOT_FOUND {
                    assert_eq!(status, StatusCode::NOT_FOUND, "{email} POST {path}");
                } else {
                    assert_ne!(status, StatusCode::NOT_FOUND, "{email} POST {path}");
                }
            }
            let (status, _) = app.patch_json(&token, &format!("/api/v1/goals/{goal}"), json!({"title": "x"})).await;
            if expected == StatusCode::NOT_FOUND {
                assert_eq!(status, StatusCode::NOT_FOUND, "{email} PATCH");
            }
            // The self-evaluation's writes: hidden from outsiders, the owner's alone to write.
            let evaluation = format!("/api/v1/cycles/{}/self-evaluations/{engineer_id}", f.cycle);
            let response = app.api.put(app.url(&evaluation)).bearer_auth(&token).json(&json!({"reflection": "x"})).send().await.unwrap();
            let put_status = response.status();
            for (path, body) in [
                (format!("{evaluation}/submit"), json!({})),
                (format!("{evaluation}/review"), json!({"comment": "c", "rating": 3})),
                (format!("{evaluation}/reopen"), json!({"reason": "r"})),
            ] {
                let (status, _) = app.post_json(&token, &path, body).await;
                if expected == StatusCode::NOT_FOUND {
                    assert_eq!(status, StatusCode::NOT_FOUND, "{email} POST {path}");
                } else {
                    assert_ne!(status, StatusCode::NOT_FOUND, "{email} POST {path}");
                }
            }
            match email {
                "eng@example.org" => assert_eq!(put_status, StatusCode::CONFLICT, "the owner writes, once the phase comes"),
                "peer@example.org" | "advisor@example.org" => assert_eq!(put_status, StatusCode::NOT_FOUND, "{email} PUT"),
                _ => assert_eq!(put_status, StatusCode::FORBIDDEN, "{email} cannot write someone else's self-evaluation"),
            }
        }
        // A peer cannot propose a goal for someone else either.
        let peer = app.token("peer@example.org").await;
        let (status, _) = app.post_json(&peer, &format!("/api/v1/cycles/{}/goals", f.cycle), json!({"person_id": engineer_id, "objective_id": f.objectives[0], "title": "T", "category": "other"})).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }
}

both_backends! {
    async fn bad_goal_input_gets_exact_field_errors(app) {
        app.department().await;
        let cio = app.token("cio@example.org").await;
        let engineer = app.token("eng@example.org").await;
        let lead = app.token("lead@example.org").await;
        let f = app.plan_and_cycle(&cio).await;
        let o = f.objectives[0];
        let long = "x".repeat(10_000);
        let before = f.starts_on - chrono::Duration::days(1);
        let after = f.ends_on + chrono::Duration::days(1);
        #[rustfmt::skip]
        let cases: Vec<(&str, Value, Vec<&str>)> = vec![
            ("empty title",       json!({"objective_id": o, "title": "", "category": "service"}), vec!["title"]),
            ("huge title",        json!({"objective_id": o, "title": long, "category": "service"}), vec!["title"]),
            ("huge description",  json!({"objective_id": o, "title": "T", "description": "y".repeat(10_001), "category": "service"}), vec!["description"]),
            ("no category",       json!({"objective_id": o, "title": "T"}), vec!["category"]),
            ("odd category",      json!({"objective_id": o, "title": "T", "category": "fun"}), vec!["category"]),
            ("due before cycle",  json!({"objective_id": o, "title": "T", "category": "service", "due_on": before}), vec!["due_on"]),
            ("due after cycle",   json!({"objective_id": o, "title": "T", "category": "service", "due_on": after}), vec!["due_on"]),
            ("all at once",       json!({"title": ""}), vec!["title", "category", "objective_id"]),
        ];
        for (case, body, fields) in cases {
            let (status, problem) = app.post_json(&engineer, &format!("/api/v1/cycles/{}/goals", f.cycle), body).await;
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{case}");
            assert_eq!(error_fields(&problem), fields, "{case}");
        }
        let id = app.propose_goal(&engineer, f.cycle, o, "Answer faster").await;
        app.post_json(&lead, &format!("/api/v1/goals/{id}/agree"), json!({})).await;
        app.move_cycle(&cio, f.cycle, "in_progress").await;
        let tomorrow = chrono::Utc::now().date_naive() + chrono::Duration::days(1);
        #[rustfmt::skip]
        let progress: Vec<(&str, Value, Vec<&str>)> = vec![
            ("101",              json!({"progress": 101, "note": "n"}), vec!["progress"]),
            ("-1",               json!({"progress": -1, "note": "n"}), vec!["progress"]),
            ("missing",          json!({"note": "n"}), vec!["progress"]),
            ("no note",          json!({"progress": 10, "note": " "}), vec!["note"]),
            ("in the future",    json!({"progress": 10, "note": "n", "noted_on": tomorrow}), vec!["noted_on"]),
            ("before the cycle", json!({"progress": 10, "note": "n", "noted_on": before}), vec!["noted_on"]),
        ];
        for (case, body, fields) in progress {
            let (status, problem) = app.post_json(&engineer, &format!("/api/v1/goals/{id}/progress"), body).await;
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{case}");
            assert_eq!(error_fields(&problem), fields, "{case}");
        }
        let (status, problem) = app.post_json(&engineer, &format!("/api/v1/goals/{id}/outcome"), json!({"status": "done"})).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(error_fields(&problem), ["status"]);
        let (_, goal) = app.get_json(&engineer, &format!("/api/v1/goals/{id}")).await;
        assert_eq!(goal["progress"], 0, "nothing was recorded");
        assert_eq!(goal["history"].as_array().unwrap().len(), 0);
    }
}

both_backends! {
    async fn a_goal_changed_meanwhile_comes_back_to_its_form_with_the_reason(app) {
        app.department().await;
        let cio = app.token("cio@example.org").await;
        let engineer = app.token("eng@example.org").await;
        let lead = app.token("lead@example.org").await;
        let f = app.plan_and_cycle(&cio).await;
        let id = app.propose_goal(&engineer, f.cycle, f.objectives[0], "Answer faster").await;
        let owner = app.signed_in("eng@example.org").await;
        let edit = format!("/goals/{id}/edit");
        let objective = f.objectives[0].to_string();
        let fields = [("objective_id", objective.as_str()), ("title", "Answer faster still"), ("category", "service"), ("due_on", "")];
        // The form was open when the goal was dropped: the form again, as typed, with why.
        let form_page = owner.get_html(&edit).await;
        assert!(form_page.contains("Edit the goal"));
        let (status, _) = app.post_json(&lead, &format!("/api/v1/goals/{id}/outcome"), json!({"status": "dropped"})).await;
        assert_eq!(status, StatusCode::OK);
        let response = owner.post_form(&format!("/goals/{id}"), &format!("/goals/{id}"), &fields).await;
        assert_eq!(response.status(), StatusCode::CONFLICT);
        let html = response.text().await.unwrap();
        assert!(html.contains(r#"<div class="alert" role="alert"><p>This goal is dropped; only proposed or agreed goals can be changed.</p></div>"#), "{html}");
        assert!(html.contains(r#"value="Answer faster still""#), "{html}");
        // The outcome button with a word that is not an outcome: the goal page, with the words.
        let response = owner.post_form(&format!("/goals/{id}"), &format!("/goals/{id}/outcome"), &[("status", "done")]).await;
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let html = response.text().await.unwrap();
        assert!(html.contains("<p>Choose one of: achieved, partially_achieved, not_achieved, dropped.</p>"), "{html}");
        assert!(html.contains("Progress history"), "the goal page: {html}");
    }
}
