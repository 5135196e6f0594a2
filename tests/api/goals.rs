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

both_backends! {
    async fn a_manager_sends_a_proposed_goal_back_with_a_comment_and_the_owner_answers_by_changing_it(app) {
        let d = app.department().await;
        let cio = app.token("cio@example.org").await;
        let engineer = app.token("eng@example.org").await;
        let lead = app.token("lead@example.org").await;
        let f = app.plan_and_cycle(&cio).await;
        let goal = app.propose_goal(&engineer, f.cycle, f.objectives[0], "Answer faster").await;
        let (status, sent) = app.post_json(&lead, &format!("/api/v1/goals/{goal}/send-back"), json!({"comment": "  Say how you will measure it.  "})).await;
        assert_eq!(status, StatusCode::OK, "{sent}");
        assert_eq!(sent["status"], "proposed", "it stays proposed");
        assert_eq!(sent["send_backs"][0]["comment"], "Say how you will measure it.");
        assert_eq!(sent["send_backs"][0]["by"]["name"], "Lee Lead");
        assert_eq!(sent["send_backs"][0]["open"], true);
        // The owner reads it, on the API and on the goal's page.
        let (_, seen) = app.get_json(&engineer, &format!("/api/v1/goals/{goal}")).await;
        assert_eq!(seen["send_backs"], sent["send_backs"]);
        let owner = app.signed_in("eng@example.org").await;
        let html = owner.get_html(&format!("/goals/{goal}")).await;
        assert!(html.contains("Sent back by Lee Lead on"), "{html}");
        assert!(html.contains("<p>Say how you will measure it.</p>"));
        assert!(!html.contains("Send it back</button>"), "the owner cannot send it back");
        // Changing the goal answers it and proposes it again; the comment is kept.
        let (status, _) = app.patch_json(&engineer, &format!("/api/v1/goals/{goal}"), json!({"description": "Median first answer under 2 hours"})).await;
        assert_eq!(status, StatusCode::OK);
        let (_, seen) = app.get_json(&engineer, &format!("/api/v1/goals/{goal}")).await;
        assert_eq!(seen["status"], "proposed");
        assert_eq!(seen["send_backs"].as_array().unwrap().len(), 1);
        assert_eq!(seen["send_backs"][0]["open"], false);
        let html = owner.get_html(&format!("/goals/{goal}")).await;
        assert!(!html.contains("Sent back by"), "{html}");
        assert!(html.contains("Sent back before"));
        // Sent back again, then agreed: agreeing answers it too; an agreed goal is not sent back.
        app.post_json(&cio, &format!("/api/v1/goals/{goal}/send-back"), json!({"comment": "Add a date."})).await;
        let (status, agreed) = app.post_json(&lead, &format!("/api/v1/goals/{goal}/agree"), json!({})).await;
        assert_eq!(status, StatusCode::OK, "{agreed}");
        let (_, seen) = app.get_json(&engineer, &format!("/api/v1/goals/{goal}")).await;
        let open: Vec<bool> = seen["send_backs"].as_array().unwrap().iter().map(|s| s["open"].as_bool().unwrap()).collect();
        assert_eq!(open, [false, false]);
        assert_eq!(seen["send_backs"][0]["comment"], "Add a date.", "newest first");
        let (status, problem) = app.post_json(&lead, &format!("/api/v1/goals/{goal}/send-back"), json!({"comment": "Again"})).await;
        assert_eq!(status, StatusCode::CONFLICT);
        assert_eq!(problem["detail"], "This goal is agreed; only a proposed goal can be sent back.");
        let _ = d;
    }
}

both_backends! {
    async fn only_the_owners_managers_and_the_cio_send_a_goal_back(app) {
        deep_department(&app).await;
        let cio = app.token("cio@example.org").await;
        let engineer = app.token("eng@example.org").await;
        let f = app.plan_and_cycle(&cio).await;
        let goal = app.propose_goal(&engineer, f.cycle, f.objectives[0], "Answer faster").await;
        #[rustfmt::skip]
        let matrix = [
            ("eng@example.org",      StatusCode::FORBIDDEN),   // the owner sees it, may not review it
            ("peer@example.org",     StatusCode::NOT_FOUND),
            ("advisor@example.org",  StatusCode::NOT_FOUND),
            ("lead@example.org",     StatusCode::OK),
            ("director@example.org", StatusCode::OK),
            ("cio@example.org",      StatusCode::OK),
        ];
        for (email, expected) in matrix {
            let token = app.token(email).await;
            let (status, body) = app.post_json(&token, &format!("/api/v1/goals/{goal}/send-back"), json!({"comment": format!("From {email}")})).await;
            assert_eq!(status, expected, "{email}: {body}");
        }
        let (_, seen) = app.get_json(&engineer, &format!("/api/v1/goals/{goal}")).await;
        let comments: Vec<(&str, bool)> = seen["send_backs"].as_array().unwrap().iter().map(|s| (s["comment"].as_str().unwrap(), s["open"].as_bool().unwrap())).collect();
        assert_eq!(comments, [("From cio@example.org", true), ("From director@example.org", false), ("From lead@example.org", false)], "one open at a time");
        // Pages: the same answers.
        for (email, expected) in [("peer@example.org", StatusCode::NOT_FOUND), ("advisor@example.org", StatusCode::NOT_FOUND), ("eng@example.org", StatusCode::FORBIDDEN)] {
            let browser = app.signed_in(email).await;
            let response = browser.post_form("/people", &format!("/goals/{goal}/send-back"), &[("comment", "No")]).await;
            assert_eq!(response.status(), expected, "{email}");
        }
    }
}

both_backends! {
    async fn a_goal_sent_back_without_a_usable_comment_gets_exact_answers(app) {
        app.department().await;
        let cio = app.token("cio@example.org").await;
        let engineer = app.token("eng@example.org").await;
        let lead = app.token("lead@example.org").await;
        let f = app.plan_and_cycle(&cio).await;
        let goal = app.propose_goal(&engineer, f.cycle, f.objectives[0], "Answer faster").await;
        let path = format!("/api/v1/goals/{goal}/send-back");
        #[rustfmt::skip]
        let cases = [
            (json!({}), "This field is required."),
            (json!({"comment": ""}), "Enter a value."),
            (json!({"comment": "   "}), "Say what the goal needs before you can agree to it."),
            (json!({"comment": 7}), "Send text."),
            (json!({"comment": "x".repeat(10_001)}), "Keep this to 10000 characters or fewer."),
        ];
        for (body, message) in cases {
            let (status, problem) = app.post_json(&lead, &path, body.clone()).await;
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
            assert_eq!(error_fields(&problem), ["comment"], "{body}");
            assert_eq!(problem["errors"][0]["message"], message, "{body}");
        }
        let (_, seen) = app.get_json(&engineer, &format!("/api/v1/goals/{goal}")).await;
        assert_eq!(seen["send_backs"].as_array().unwrap().len(), 0, "nothing written");
        let (status, _) = app.post_json(&lead, "/api/v1/goals/424242/send-back", json!({"comment": "x"})).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        // The page: blank is the form again with the field marked; a comment goes through.
        let browser = app.signed_in("lead@example.org").await;
        let page = format!("/goals/{goal}");
        assert!(browser.get_html(&page).await.contains(r#"<form method="post" action="/goals/"#));
        let response = browser.post_form(&page, &format!("{page}/send-back"), &[("comment", " ")]).await;
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let html = response.text().await.unwrap();
        assert!(html.contains(r#"<p class="field-error" id="comment-error">Say what the goal needs before you can agree to it.</p>"#), "{html}");
        // A comment refused for its length comes back as typed, to be shortened.
        let long = "Name the queue. ".repeat(626); // 10,016 characters, over the 10,000 allowed
        let response = browser.post_form(&page, &format!("{page}/send-back"), &[("comment", &long)]).await;
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let html = response.text().await.unwrap();
        assert!(html.contains(&format!("aria-describedby=\"comment-error\">{long}</textarea>")), "the comment is kept: {html}");
        let response = browser.post_form(&page, &format!("{page}/send-back"), &[("comment", "Name the queue")]).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        assert_eq!(response.headers()["location"], format!("{page}?notice=sent_back"));
        // A closed cycle takes no send-back.
        for phase in ["in_progress", "self_evaluation", "closed"] {
            app.move_cycle(&cio, f.cycle, phase).await;
        }
        let (status, problem) = app.post_json(&lead, &path, json!({"comment": "Late"})).await;
        assert_eq!(status, StatusCode::CONFLICT);
        assert_eq!(problem["detail"], "This year is closed and read-only.");
    }
}

both_backends! {
    async fn recording_an_outcome_on_a_page_asks_first(app) {
        app.department().await;
        let cio = app.token("cio@example.org").await;
        let engineer = app.token("eng@example.org").await;
        let lead = app.token("lead@example.org").await;
        let f = app.plan_and_cycle(&cio).await;
        let goal = app.propose_goal(&engineer, f.cycle, f.objectives[0], "Answer faster").await;
        app.post_json(&lead, &format!("/api/v1/goals/{goal}/agree"), json!({})).await;
        app.move_cycle(&cio, f.cycle, "in_progress").await;
        let owner = app.signed_in("eng@example.org").await;
        let page = format!("/goals/{goal}");
        let html = owner.get_html(&page).await;
        assert!(html.contains(&format!(r#"<form method="get" action="{page}/outcome">"#)), "{html}");
        let html = owner.get_html(&format!("{page}/outcome?status=achieved")).await;
        assert!(html.contains("<h1>Record \u{201c}Answer faster\u{201d} as achieved?</h1>"), "{html}");
        assert!(html.contains(&format!(r#"<form method="post" action="{page}/outcome">"#)));
        assert!(html.contains(r#"<input type="hidden" name="status" value="achieved">"#));
        let html = owner.get_html(&format!("{page}/outcome?status=dropped")).await;
        assert!(html.contains("<h1>Drop \u{201c}Answer faster\u{201d}?</h1>"), "{html}");
        let response = owner.get(&format!("{page}/outcome?status=done")).await;
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(response.text().await.unwrap().contains("Choose one of: achieved, partially_achieved, not_achieved, dropped."));
        // Others cannot get as far as the question.
        let peer = app.signed_in("peer@example.org").await;
        assert_eq!(peer.get(&format!("{page}/outcome?status=achieved")).await.status(), StatusCode::NOT_FOUND);
        let response = owner.post_form(&format!("{page}/outcome?status=achieved"), &format!("{page}/outcome"), &[("status", "achieved")]).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        let (_, seen) = app.get_json(&engineer, &format!("/api/v1/goals/{goal}")).await;
        assert_eq!(seen["status"], "achieved");
        // Over: nothing more to ask.
        assert_eq!(owner.get(&format!("{page}/outcome?status=dropped")).await.status(), StatusCode::CONFLICT);
    }
}

/// Plan coverage as the summaries read it before the tallies: every non-dropped goal of
/// the cycles grouped per objective, cycle and person, then those shares grouped, small
/// groups listed; and the shares of `people` one by one. Kept here to check the tallies.
async fn coverage_recounted(
    db: &staffdev::db::Db,
    cycle_ids: &[i32],
    people: &[i32],
    list_below: i64,
) -> (
    Vec<staffdev::goals::OutcomeGroup>,
    Vec<staffdev::goals::OutcomeShare>,
) {
    use sea_orm::{ConnectionTrait, DbBackend, FromQueryResult, Statement};
    let list = |ids: &[i32]| {
        ids.iter()
            .map(i32::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    };
    let inner = format!(
        "SELECT objective_id, cycle_id, person_id, CAST(COUNT(*) AS BIGINT) AS linked,
                CAST(SUM(CASE WHEN status = 'achieved' THEN 1 ELSE 0 END) AS BIGINT) AS achieved,
                CAST(SUM(CASE WHEN status = 'partially_achieved' THEN 1 ELSE 0 END) AS BIGINT) AS partially,
                CAST(SUM(CASE WHEN status = 'not_achieved' THEN 1 ELSE 0 END) AS BIGINT) AS not_achieved
         FROM performance_goals
         WHERE cycle_id IN ({}) AND status <> 'dropped'
         GROUP BY objective_id, cycle_id, person_id",
        list(cycle_ids)
    );
    let listed = match db.backend() {
        DbBackend::Postgres => "string_agg(CAST(s.person_id AS TEXT), ',')",
        _ => "group_concat(s.person_id)",
    };
    let rows = db
        .conn()
        .query_all_raw(Statement::from_string(
            db.backend(),
            format!(
                "SELECT s.objective_id, s.cycle_id, s.linked, s.achieved, s.partially, s.not_achieved,
                        CAST(COUNT(*) AS BIGINT) AS people,
                        CASE WHEN COUNT(*) < {list_below} THEN {listed} END AS listed
                 FROM ({inner}) s
                 GROUP BY s.objective_id, s.cycle_id, s.linked, s.achieved, s.partially, s.not_achieved
                 ORDER BY s.objective_id, s.cycle_id, s.linked, s.achieved, s.partially, s.not_achieved"
            ),
        ))
        .await
        .unwrap();
    let groups = rows
        .iter()
        .map(|row| {
            let listed: Option<String> = row.try_get("", "listed").unwrap();
            staffdev::goals::OutcomeGroup {
                objective_id: row.try_get("", "objective_id").unwrap(),
                cycle_id: row.try_get("", "cycle_id").unwrap(),
                linked: row.try_get("", "linked").unwrap(),
                achieved: row.try_get("", "achieved").unwrap(),
                partially: row.try_get("", "partially").unwrap(),
                not_achieved: row.try_get("", "not_achieved").unwrap(),
                people: row.try_get("", "people").unwrap(),
                listed: listed.map(|ids| {
                    let mut ids: Vec<i32> = ids.split(',').map(|id| id.parse().unwrap()).collect();
                    ids.sort_unstable();
                    ids
                }),
            }
        })
        .collect();
    let one_by_one = staffdev::goals::OutcomeShare::find_by_statement(Statement::from_string(
        db.backend(),
        format!(
            "SELECT s.* FROM ({inner}) s WHERE s.person_id IN ({})
             ORDER BY s.objective_id, s.cycle_id, s.person_id",
            // PostgreSQL refuses an empty `IN ()`.
            if people.is_empty() {
                "NULL".to_owned()
            } else {
                list(people)
            }
        ),
    ))
    .all(db.conn())
    .await
    .unwrap();
    (groups, one_by_one)
}

/// The maintained plan coverage against `coverage_recounted`, whatever the threshold.
async fn assert_coverage_counted(app: &TestApp, cycle_ids: &[i32], people: &[i32], when: &str) {
    for list_below in [1, 2, 3, 1000] {
        let kept =
            staffdev::goals::outcomes_grouped(app.db().conn(), cycle_ids, people, list_below)
                .await
                .unwrap();
        let recounted = coverage_recounted(app.db(), cycle_ids, people, list_below).await;
        assert_eq!(kept, recounted, "{when}, groups listed below {list_below}");
    }
}

both_backends! {
    async fn plan_coverage_kept_with_every_goal_write_equals_a_recount_from_the_goals(app) {
        let d = app.department().await;
        let cio = app.token("cio@example.org").await;
        let lead = app.token("lead@example.org").await;
        let engineer = app.token("eng@example.org").await;
        let peer = app.token("peer@example.org").await;
        let f = app.plan_and_cycle(&cio).await;
        let cycle = f.cycle as i32;
        let people = [d.engineer];
        let goal = |id: i64| format!("/api/v1/goals/{id}");

        // Proposed by two people, one moved to another objective, one sent back and
        // answered, agreed; one given to the whole team; one dropped.
        let first = app.propose_goal(&engineer, f.cycle, f.objectives[0], "Answer faster").await;
        let second = app.propose_goal(&engineer, f.cycle, f.objectives[1], "Plain words").await;
        let theirs = app.propose_goal(&peer, f.cycle, f.objectives[0], "Answer faster too").await;
        assert_coverage_counted(&app, &[cycle], &people, "proposed").await;
        let (status, _) = app.patch_json(&engineer, &goal(second), json!({"objective_id": f.objectives[2]})).await;
        assert_eq!(status, StatusCode::OK);
        let (status, _) = app.post_json(&lead, &format!("{}/send-back", goal(first)), json!({"comment": "Say by when."})).await;
        assert_eq!(status, StatusCode::OK);
        app.patch_json(&engineer, &goal(first), json!({"title": "Answer within a day"})).await;
        for id in [first, second, theirs] {
            let (status, _) = app.post_json(&lead, &format!("{}/agree", goal(id)), json!({})).await;
            assert_eq!(status, StatusCode::OK);
        }
        let (status, given) = app
            .post_json(&lead, &format!("/api/v1/cycles/{}/goals/assign", f.cycle), json!({"team": "Service Desk", "objective_id": f.objectives[1], "title": "An article a month", "category": "communication"}))
            .await;
        assert_eq!(status, StatusCode::CREATED);
        let given: Vec<(i64, i64)> = given.as_array().unwrap().iter().map(|g| (g["owner"]["id"].as_i64().unwrap(), g["id"].as_i64().unwrap())).collect();
        let given_to = |person: i32| given.iter().find(|(owner, _)| *owner == person as i64).unwrap().1;
        let dropped = app.propose_goal(&engineer, f.cycle, f.objectives[1], "Maybe later").await;
        let (status, _) = app.post_json(&lead, &format!("{}/outcome", goal(dropped)), json!({"status": "dropped"})).await;
        assert_eq!(status, StatusCode::OK);
        // A change of objective on an agreed goal by its manager keeps it agreed.
        let (status, _) = app.patch_json(&lead, &goal(theirs), json!({"objective_id": f.objectives[1]})).await;
        assert_eq!(status, StatusCode::OK);
        assert_coverage_counted(&app, &[cycle], &people, "agreed and given").await;

        // Under way: progress, then outcomes by hand and in a self-evaluation.
        app.move_cycle(&cio, f.cycle, "in_progress").await;
        let (status, _) = app.post_json(&engineer, &format!("{}/progress", goal(first)), json!({"progress": 50, "note": "Half"})).await;
        assert_eq!(status, StatusCode::OK);
        for (token, id, outcome) in [(&engineer, first, "achieved"), (&peer, theirs, "not_achieved"), (&peer, given_to(d.peer), "partially_achieved")] {
            let (status, body) = app.post_json(token, &format!("{}/outcome", goal(id)), json!({"status": outcome})).await;
            assert_eq!(status, StatusCode::OK, "{body}");
        }
        assert_coverage_counted(&app, &[cycle], &people, "outcomes set").await;
        app.move_cycle(&cio, f.cycle, "self_evaluation").await;
        let path = format!("/api/v1/cycles/{}/self-evaluations/{}", f.cycle, d.engineer);
        let entry = |id: i64, outcome: &str| json!({"goal_id": id, "narrative": "Done.", "outcome": outcome, "self_rating": 3, "evidence": []});
        let draft = json!({
            "reflection": "A year of listening.",
            "skills_developed": "Writing",
            "entries": [entry(first, "partially_achieved"), entry(second, "not_achieved"), entry(given_to(d.engineer), "achieved")],
            "proposals": [{"objective_id": f.objectives[2], "title": "Retire old servers", "category": "technical"}],
        });
        let response = app.api.put(app.url(&path)).bearer_auth(&engineer).json(&draft).send().await.unwrap();
        assert!(response.status().is_success(), "{}", response.text().await.unwrap());
        let (status, body) = app.post_json(&engineer, &format!("{path}/submit"), json!({})).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_coverage_counted(&app, &[cycle], &people, "self-evaluation submitted").await;
        app.move_cycle(&cio, f.cycle, "closed").await;

        // A second cycle: the proposal carried into it, a new goal, a change of objective.
        let (status, next) = app
            .post_json(&cio, "/api/v1/cycles", json!({"name": "Next year", "plan_id": f.plan, "starts_on": f.ends_on + chrono::Duration::days(1), "ends_on": f.ends_on + chrono::Duration::days(365)}))
            .await;
        assert_eq!(status, StatusCode::CREATED);
        let next_cycle = next["id"].as_i64().unwrap();
        let (_, carried) = app.get_json(&engineer, &format!("/api/v1/cycles/{next_cycle}/goals")).await;
        assert_eq!(carried.as_array().unwrap().len(), 1, "{carried}");
        let both = [cycle, next_cycle as i32];
        assert_coverage_counted(&app, &both, &people, "proposal carried").await;
        let carried = carried[0]["id"].as_i64().unwrap();
        app.patch_json(&engineer, &goal(carried), json!({"objective_id": f.objectives[0]})).await;
        app.propose_goal(&peer, next_cycle, f.objectives[0], "Mentor someone").await;
        for (cycles, when) in [(&both[..], "two cycles"), (&both[1..], "the second cycle")] {
            assert_coverage_counted(&app, cycles, &people, when).await;
            assert_coverage_counted(&app, cycles, &[d.engineer, d.peer, d.lead], when).await;
            assert_coverage_counted(&app, cycles, &[], when).await;
        }
        // The tallies hold no empty group; the dropped goal counts nowhere.
        assert_eq!(scalar(app.db(), "SELECT COUNT(*) FROM goal_outcome_tallies WHERE people <= 0").await, 0);
        assert_eq!(scalar(app.db(), &format!("SELECT COUNT(*) FROM goal_outcome_shares WHERE person_id = {} AND cycle_id = {cycle} AND objective_id = {}", d.engineer, f.objectives[1])).await, 1, "the team goal only");
    }
}

both_backends! {
    async fn plan_coverage_stays_exact_when_many_goals_are_written_at_once(app) {
        let d = app.department().await;
        let cio = app.token("cio@example.org").await;
        let lead = app.token("lead@example.org").await;
        let f = app.plan_and_cycle(&cio).await;
        let mut people = vec![d.engineer, d.peer];
        for n in 0..10 {
            people.push(app.add_person_fast(&format!("crowd{n}@example.org"), &format!("Crowd {n}"), d.lead).await);
        }
        // Every writer touches the same objectives' tallies, in both orders; on PostgreSQL
        // they run at once and must neither wait in a circle nor lose a count.
        let mut writes = tokio::task::JoinSet::new();
        for (n, person) in people.iter().copied().enumerate() {
            for objective in [f.objectives[n % 2], f.objectives[(n + 1) % 2], f.objectives[0]] {
                let (client, token, url) = (app.api.clone(), lead.clone(), app.url(&format!("/api/v1/cycles/{}/goals", f.cycle)));
                writes.spawn(async move {
                    client.post(url).bearer_auth(token).json(&json!({"person_id": person, "objective_id": objective, "title": "Together", "category": "service"})).send().await.expect("request").status()
                });
            }
        }
        let statuses = writes.join_all().await;
        assert!(statuses.iter().all(|s| *s == StatusCode::CREATED), "{statuses:?}");
        let (_, goals) = app.get_json(&cio, &format!("/api/v1/cycles/{}/goals?person_id={}", f.cycle, d.engineer)).await;
        assert_eq!(goals.as_array().unwrap().len(), 3);
        // Then half of each person's goals dropped at once, and moved between objectives.
        let mut ids = Vec::new();
        for person in &people {
            let (_, goals) = app.get_json(&cio, &format!("/api/v1/cycles/{}/goals?person_id={person}", f.cycle)).await;
            ids.extend(goals.as_array().unwrap().iter().map(|g| g["id"].as_i64().unwrap()));
        }
        let mut writes = tokio::task::JoinSet::new();
        for (n, id) in ids.iter().copied().enumerate() {
            let client = app.api.clone();
            let token = lead.clone();
            let (url, body, patch) = if n % 2 == 0 {
                (app.url(&format!("/api/v1/goals/{id}/outcome")), json!({"status": "dropped"}), false)
            } else {
                (app.url(&format!("/api/v1/goals/{id}")), json!({"objective_id": f.objectives[n % 3]}), true)
            };
            writes.spawn(async move {
                let request = if patch { client.patch(url) } else { client.post(url) };
                request.bearer_auth(token).json(&body).send().await.expect("request").status()
            });
        }
        let statuses = writes.join_all().await;
        assert!(statuses.iter().all(|s| *s == StatusCode::OK), "{statuses:?}");
        let cycle = [f.cycle as i32];
        assert_coverage_counted(&app, &cycle, &[d.engineer], "after writes at once").await;
        assert_coverage_counted(&app, &cycle, &people, "after writes at once").await;
    }
}
