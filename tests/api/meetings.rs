//! Meetings: the role matrix, the agenda's order and time budget, status changes, the
//! question bank, templates, outcomes, the portal's panel and the calendar reads.

use chrono::{Duration, Utc};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{TestApp, error_fields, split};

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

async fn delete(app: &TestApp, token: &str, path: &str) -> (StatusCode, Value) {
    let response = app
        .api
        .delete(app.url(path))
        .bearer_auth(token)
        .send()
        .await
        .expect("request");
    split(response).await
}

/// A meeting planned through the API; its id.
async fn plan(app: &TestApp, cio: &str, body: Value) -> i64 {
    let (status, meeting) = app.post_json(cio, "/api/v1/meetings", body).await;
    assert_eq!(status, StatusCode::CREATED, "{meeting}");
    meeting["id"].as_i64().unwrap()
}

fn in_days(days: i64) -> String {
    (Utc::now() + Duration::days(days)).to_rfc3339()
}

async fn add_item(app: &TestApp, token: &str, meeting: i64, title: &str, minutes: i64) -> Value {
    let (status, agenda) = app
        .post_json(
            token,
            &format!("/api/v1/meetings/{meeting}/items"),
            json!({"kind": "other", "title": title, "planned_minutes": minutes}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{agenda}");
    agenda
}

fn titles(agenda: &Value) -> Vec<String> {
    agenda["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["title"].as_str().unwrap().to_owned())
        .collect()
}

both_backends! {
    async fn a_draft_is_seen_by_the_cio_and_its_facilitator_only(app) {
        let d = app.department().await;
        let cio = app.token("cio@example.org").await;
        let id = plan(&app, &cio, json!({"kind": "quarterly", "title": "Winter meeting", "starts_at": in_days(30), "facilitator_id": d.engineer})).await;
        for (who, expected) in [("cio@example.org", StatusCode::OK), ("eng@example.org", StatusCode::OK), ("peer@example.org", StatusCode::NOT_FOUND), ("lead@example.org", StatusCode::NOT_FOUND), ("advisor@example.org", StatusCode::NOT_FOUND)] {
            let token = app.token(who).await;
            let (status, _) = app.get_json(&token, &format!("/api/v1/meetings/{id}")).await;
            assert_eq!(status, expected, "{who} reads the draft");
            let (_, list) = app.get_json(&token, "/api/v1/meetings").await;
            assert_eq!(list.as_array().unwrap().len(), usize::from(expected == StatusCode::OK), "{who} lists it");
            let (status, _) = app.post_json(&token, &format!("/api/v1/meetings/{id}/items"), json!({"kind": "other", "title": "x", "planned_minutes": 5})).await;
            let write = match who { "cio@example.org" | "eng@example.org" => StatusCode::CREATED, _ => StatusCode::NOT_FOUND };
            assert_eq!(status, write, "{who} adds to the draft's agenda");
        }
        let advisor = app.token("advisor@example.org").await;
        let browser = app.signed_in("peer@example.org").await;
        assert_eq!(browser.get(&format!("/meetings/{id}")).await.status(), StatusCode::NOT_FOUND);
        let (status, _) = app.get_json(&advisor, &format!("/api/v1/meetings/{id}")).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }
}

both_backends! {
    async fn the_facilitator_edits_the_agenda_but_not_the_meeting_itself(app) {
        let d = app.department().await;
        let cio = app.token("cio@example.org").await;
        let engineer = app.token("eng@example.org").await;
        let id = plan(&app, &cio, json!({"kind": "other", "title": "Service review", "starts_at": in_days(10), "duration_minutes": 60, "facilitator_id": d.engineer})).await;
        let agenda = add_item(&app, &engineer, id, "Welcome", 10).await;
        let item = agenda["items"][0]["id"].as_i64().unwrap();
        let (status, problem) = app.patch_json(&engineer, &format!("/api/v1/meetings/{id}"), json!({"title": "Renamed"})).await;
        assert_eq!((status, problem["detail"].as_str()), (StatusCode::FORBIDDEN, Some("Only the cio can plan, publish or cancel meetings.")));
        let (status, _) = app.post_json(&engineer, &format!("/api/v1/meetings/{id}/publish"), json!({})).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let (status, _) = app.post_json(&engineer, &format!("/api/v1/meeting-items/{item}/move"), json!({"position": 0})).await;
        assert_eq!(status, StatusCode::OK);
        let (status, _) = app.post_json(&cio, &format!("/api/v1/meetings/{id}/publish"), json!({})).await;
        assert_eq!(status, StatusCode::OK);
        // Published: everyone reads it; only the cio and the facilitator write to it.
        let peer = app.token("peer@example.org").await;
        let advisor = app.token("advisor@example.org").await;
        for token in [&peer, &advisor] {
            let (status, body) = app.get_json(token, &format!("/api/v1/meetings/{id}")).await;
            assert_eq!(status, StatusCode::OK, "{body}");
            let (status, problem) = app.post_json(token, &format!("/api/v1/meetings/{id}/items"), json!({"kind": "other", "title": "x", "planned_minutes": 5})).await;
            assert_eq!((status, problem["detail"].as_str()), (StatusCode::FORBIDDEN, Some("Only the cio and the meeting's facilitator can change its agenda and outcomes.")));
            let (status, _) = put_json(&app, token, &format!("/api/v1/meeting-items/{item}/outcome"), json!({"agreements": ["x"]})).await;
            assert_eq!(status, StatusCode::FORBIDDEN);
            let (status, _) = app.post_json(token, "/api/v1/meeting-questions", json!({"prompt": "Why?"})).await;
            assert_eq!(status, StatusCode::FORBIDDEN);
        }
        let (status, _) = app.patch_json(&cio, &format!("/api/v1/meetings/{id}"), json!({"location": "Room 2"})).await;
        assert_eq!(status, StatusCode::OK);
        // A draft cancelled before it was published stays private; a published one does not.
        let hidden = plan(&app, &cio, json!({"kind": "other", "title": "Never mind", "starts_at": in_days(12)})).await;
        let (status, _) = app.post_json(&cio, &format!("/api/v1/meetings/{hidden}/cancel"), json!({})).await;
        assert_eq!(status, StatusCode::OK);
        let (status, _) = app.get_json(&advisor, &format!("/api/v1/meetings/{hidden}")).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (status, cancelled) = app.post_json(&cio, &format!("/api/v1/meetings/{id}/cancel"), json!({})).await;
        assert_eq!((status, cancelled["status"].as_str()), (StatusCode::OK, Some("cancelled")));
        let (status, _) = app.get_json(&advisor, &format!("/api/v1/meetings/{id}")).await;
        assert_eq!(status, StatusCode::OK);
    }
}

both_backends! {
    async fn bad_input_is_refused_with_its_field_and_a_sentence(app) {
        let _ = app.department().await;
        let cio = app.token("cio@example.org").await;
        let id = plan(&app, &cio, json!({"kind": "quarterly", "title": "Spring meeting", "starts_at": in_days(20)})).await;
        let path = format!("/api/v1/meetings/{id}/items");
        let cases: Vec<(Value, &str, &str)> = vec![
            (json!({"kind": "other", "title": "Too short", "planned_minutes": 0}), "planned_minutes", "Enter a number from 1 to 480."),
            (json!({"kind": "other", "title": "Too long", "planned_minutes": 481}), "planned_minutes", "Enter a number from 1 to 480."),
            (json!({"kind": "other", "title": "Typed", "planned_minutes": "thirty"}), "planned_minutes", "Enter a whole number."),
            (json!({"kind": "other", "title": "Untimed"}), "planned_minutes", "This field is required."),
            (json!({"kind": "other", "title": "x".repeat(201), "planned_minutes": 30}), "title", "Keep this to 200 characters or fewer."),
            (json!({"kind": "other", "title": "Ask", "planned_minutes": 30, "prompt": 7}), "prompt", "Send text."),
            (json!({"kind": "planning", "title": "Plan", "planned_minutes": 30, "objective_id": 987654}), "objective_id", "There is no objective with id 987654."),
            (json!({"kind": "guest", "title": "From the library", "planned_minutes": 30}), "guest_name", "Name the guest who speaks."),
            (json!({"kind": "question", "title": "Ask", "planned_minutes": 30, "question_id": 987654}), "question_id", "There is no question with id 987654 in the bank."),
            (json!({"kind": "chat", "title": "Chat", "planned_minutes": 30}), "kind", "Choose one of: question, review, planning, ideas, recognition, guest, break, other."),
            (json!({"kind": "other", "title": "  ", "planned_minutes": 30}), "title", "Give the item a title."),
            (json!({"kind": "other", "title": "Value", "planned_minutes": 30, "value_name": "Speed above all"}), "value_name", "\u{201c}Speed above all\u{201d} is not one of the active plan's values."),
        ];
        for (body, field, message) in cases {
            let (status, problem) = app.post_json(&cio, &path, body.clone()).await;
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {problem}");
            assert_eq!(error_fields(&problem), vec![field], "{body}");
            assert_eq!(problem["errors"][0]["message"], message, "{body}");
        }
        let (status, problem) = app.post_json(&cio, "/api/v1/meetings", json!({"kind": "quarterly", "title": "Long", "starts_at": in_days(5), "duration_minutes": 721})).await;
        assert_eq!((status, error_fields(&problem)), (StatusCode::UNPROCESSABLE_ENTITY, vec!["duration_minutes".to_owned()]));
        // A draft may overrun (a warning); publishing it may not.
        add_item(&app, &cio, id, "Long discussion", 200).await;
        let agenda = add_item(&app, &cio, id, "Longer still", 65).await;
        assert_eq!((agenda["budget"]["over_minutes"].as_i64(), agenda["budget"]["left_minutes"].as_i64()), (Some(25), Some(-25)));
        let (status, problem) = app.post_json(&cio, &format!("/api/v1/meetings/{id}/publish"), json!({})).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
        assert_eq!(error_fields(&problem), vec!["agenda"]);
        assert_eq!(problem["errors"][0]["message"], "The agenda runs 25 minutes over the meeting's 240 minutes: shorten or remove items, or lengthen the meeting.");
        let (status, _) = app.patch_json(&cio, &format!("/api/v1/meetings/{id}"), json!({"duration_minutes": 265})).await;
        assert_eq!(status, StatusCode::OK);
        let (status, published) = app.post_json(&cio, &format!("/api/v1/meetings/{id}/publish"), json!({})).await;
        assert_eq!((status, published["status"].as_str()), (StatusCode::OK, Some("published")));
        // A published meeting edited into an overrun gets the same 422.
        let (status, problem) = app.post_json(&cio, &path, json!({"kind": "break", "title": "Coffee", "planned_minutes": 10})).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(problem["errors"][0]["message"], "The agenda runs 10 minutes over the meeting's 265 minutes: shorten or remove items, or lengthen the meeting.");
        let (status, problem) = app.patch_json(&cio, &format!("/api/v1/meetings/{id}"), json!({"duration_minutes": 240})).await;
        assert_eq!((status, error_fields(&problem)), (StatusCode::UNPROCESSABLE_ENTITY, vec!["duration_minutes".to_owned()]));
        // Holding a meeting that has not started yet.
        let (status, problem) = app.post_json(&cio, &format!("/api/v1/meetings/{id}/hold"), json!({})).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
        assert_eq!(error_fields(&problem), vec!["status"]);
        let message = problem["errors"][0]["message"].as_str().unwrap();
        assert!(message.ends_with("it can be marked held once it has started."), "{message}");
        // Nothing was written by the refusals.
        let (_, agenda) = app.get_json(&cio, &format!("/api/v1/meetings/{id}")).await;
        assert_eq!(titles(&agenda), ["Long discussion", "Longer still"]);
    }
}

both_backends! {
    async fn a_change_may_clear_the_facilitator_and_an_items_owner_with_null(app) {
        let d = app.department().await;
        let cio = app.token("cio@example.org").await;
        let id = plan(&app, &cio, json!({"kind": "other", "title": "Sync", "starts_at": in_days(4), "duration_minutes": 60, "facilitator_id": d.lead})).await;
        let path = format!("/api/v1/meetings/{id}");
        let (status, meeting) = app.patch_json(&cio, &path, json!({"title": "Weekly sync"})).await;
        assert_eq!((status, meeting["facilitator"]["id"].as_i64()), (StatusCode::OK, Some(d.lead.into())), "absent leaves it as it is");
        let (status, meeting) = app.patch_json(&cio, &path, json!({"facilitator_id": null})).await;
        assert_eq!(status, StatusCode::OK, "{meeting}");
        assert!(meeting.get("facilitator").is_none(), "no facilitator, and no null: {meeting}");
        // Only the fields the document declares nullable take null.
        let (status, problem) = app.patch_json(&cio, &path, json!({"title": null, "duration_minutes": "an hour"})).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
        assert_eq!(error_fields(&problem), vec!["title", "duration_minutes"]);
        assert_eq!(problem["errors"][0]["message"], "Send a value, or leave the field out.");
        assert_eq!(problem["errors"][1]["message"], "Enter a whole number.");
        let agenda = app.post_json(&cio, &format!("{path}/items"), json!({"kind": "other", "title": "Owned", "planned_minutes": 10, "owner_id": d.engineer})).await.1;
        assert_eq!(agenda["items"][0]["owner"]["id"].as_i64(), Some(d.engineer.into()));
        let item = agenda["items"][0]["id"].as_i64().unwrap();
        let (status, agenda) = put_json(&app, &cio, &format!("/api/v1/meeting-items/{item}"), json!({"kind": "other", "title": "Owned", "planned_minutes": 10, "owner_id": null, "objective_id": null, "value_name": null})).await;
        assert_eq!(status, StatusCode::OK, "{agenda}");
        assert!(agenda["items"][0].get("owner").is_none(), "{agenda}");
        let (status, problem) = app.post_json(&cio, &format!("{path}/actions"), json!({"text": "Write it up", "owner_id": d.lead, "due_on": "2026-02-30"})).await;
        assert_eq!((status, error_fields(&problem)), (StatusCode::UNPROCESSABLE_ENTITY, vec!["due_on".to_owned()]));
        assert_eq!(problem["errors"][0]["message"], "Enter a real date as YYYY-MM-DD.");
    }
}

both_backends! {
    async fn a_meeting_that_has_started_can_be_held_and_its_times_carry_their_offset(app) {
        let d = app.department().await;
        let cio = app.token("cio@example.org").await;
        let id = plan(&app, &cio, json!({"kind": "quarterly", "title": "This morning", "starts_at": "2026-01-15T09:00:00+01:00", "facilitator_id": d.lead})).await;
        let agenda = add_item(&app, &cio, id, "Welcome", 15).await;
        assert_eq!(agenda["starts_at"], "2026-01-15T08:00:00+00:00", "stored as an instant, answered in the department's zone (UTC here)");
        assert_eq!(agenda["items"][0]["planned_end"], "2026-01-15T08:15:00+00:00");
        app.post_json(&cio, &format!("/api/v1/meetings/{id}/publish"), json!({})).await;
        let lead = app.token("lead@example.org").await;
        let (status, held) = app.post_json(&lead, &format!("/api/v1/meetings/{id}/hold"), json!({})).await;
        assert_eq!((status, held["status"].as_str()), (StatusCode::OK, Some("held")), "{held}");
        let (status, _) = app.post_json(&cio, &format!("/api/v1/meetings/{id}/items"), json!({"kind": "other", "title": "Late", "planned_minutes": 5})).await;
        assert_eq!(status, StatusCode::CONFLICT, "a held meeting's agenda is kept as it was");
    }
}

both_backends! {
    async fn local_times_are_read_in_the_department_time_zone(app, settings = |s: &mut staffdev::config::Settings| s.time_zone = "Europe/Paris".to_owned()) {
        let _ = app.department().await;
        let browser = app.signed_in("cio@example.org").await;
        let response = browser.post_form("/meetings", "/meetings", &[("kind", "quarterly"), ("title", "Spring"), ("date", "2027-03-28"), ("time", "02:30"), ("duration_minutes", ""), ("location", ""), ("facilitator_id", ""), ("template", "")]).await;
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let html = response.text().await.unwrap();
        assert!(html.contains("02:30 on 28 Mar 2027 does not exist in Europe/Paris: the clocks go forward then. Choose another time."), "{html}");
        let response = browser.post_form("/meetings", "/meetings", &[("kind", "quarterly"), ("title", "Spring"), ("date", "2027-03-29"), ("time", "09:00"), ("duration_minutes", ""), ("location", "Library"), ("facilitator_id", ""), ("template", "")]).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        let cio = app.token("cio@example.org").await;
        let (_, list) = app.get_json(&cio, "/api/v1/meetings").await;
        assert_eq!(list[0]["starts_at"], "2027-03-29T09:00:00+02:00");
        assert_eq!(list[0]["time_zone"], "Europe/Paris");
        assert_eq!(list[0]["duration_minutes"], 240);
    }
}

both_backends! {
    async fn concurrent_moves_keep_positions_contiguous(app) {
        let _ = app.department().await;
        let cio = app.token("cio@example.org").await;
        let id = plan(&app, &cio, json!({"kind": "other", "title": "Shuffle", "starts_at": in_days(3), "duration_minutes": 600})).await;
        let mut ids = Vec::new();
        for n in 0..8 {
            let agenda = add_item(&app, &cio, id, &format!("Item {n}"), 10).await;
            ids.push(agenda["items"][n]["id"].as_i64().unwrap());
        }
        let mut moves = tokio::task::JoinSet::new();
        for n in 0..40usize {
            let (client, token, url) = (app.api.clone(), cio.clone(), app.url(&format!("/api/v1/meeting-items/{}/move", ids[n % ids.len()])));
            moves.spawn(async move {
                client.post(url).bearer_auth(token).json(&json!({"position": (n * 5) % 8})).send().await.expect("request").status()
            });
        }
        let statuses = moves.join_all().await;
        assert!(statuses.iter().all(|s| *s == StatusCode::OK), "{statuses:?}");
        let (_, agenda) = app.get_json(&cio, &format!("/api/v1/meetings/{id}")).await;
        let items = agenda["items"].as_array().unwrap();
        let positions: Vec<i64> = items.iter().map(|i| i["position"].as_i64().unwrap()).collect();
        assert_eq!(positions, (0..8).collect::<Vec<i64>>());
        let mut seen: Vec<i64> = items.iter().map(|i| i["id"].as_i64().unwrap()).collect();
        seen.sort_unstable();
        assert_eq!(seen, ids);
        // Removing one closes the gap; a position past the end is refused.
        let (status, agenda) = delete(&app, &cio, &format!("/api/v1/meeting-items/{}", ids[3])).await;
        assert_eq!(status, StatusCode::OK);
        let positions: Vec<i64> = agenda["items"].as_array().unwrap().iter().map(|i| i["position"].as_i64().unwrap()).collect();
        assert_eq!(positions, (0..7).collect::<Vec<i64>>());
        let (status, problem) = app.post_json(&cio, &format!("/api/v1/meeting-items/{}/move", ids[0]), json!({"position": 7})).await;
        assert_eq!((status, problem["errors"][0]["message"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("Use a number from 0 to 6.")));
    }
}

both_backends! {
    async fn a_quarterly_meeting_starts_from_the_half_day_template_with_the_least_recently_asked_questions(app) {
        let _ = app.department().await;
        let cio = app.token("cio@example.org").await;
        let (_, bank) = app.get_json(&cio, "/api/v1/meeting-questions").await;
        let prompts: Vec<&str> = bank.as_array().unwrap().iter().map(|q| q["prompt"].as_str().unwrap()).collect();
        assert_eq!(prompts, ["What are our values?", "What is our mission in relation to that of the institution as a whole?", "What is our vision for IT?"]);
        let first = plan(&app, &cio, json!({"kind": "quarterly", "title": "Q1", "starts_at": in_days(-100), "template": "builtin"})).await;
        let (_, agenda) = app.get_json(&cio, &format!("/api/v1/meetings/{first}")).await;
        assert_eq!(titles(&agenda), ["Welcome", "What are our values?", "Break", "What is our mission in relation to that of the institution as a whole?", "Recognition: kudos and the trophy", "Closing"]);
        assert_eq!(agenda["budget"]["planned_minutes"], 200);
        app.post_json(&cio, &format!("/api/v1/meetings/{first}/publish"), json!({})).await;
        // Asked once each now: the vision question is the one to suggest.
        let (_, bank) = app.get_json(&cio, "/api/v1/meeting-questions").await;
        assert_eq!(bank[0]["prompt"], "What is our vision for IT?");
        assert!(bank[0].get("last_asked").is_none());
        assert_eq!((bank[1]["times_asked"].as_i64(), bank[1]["last_asked"].is_string()), (Some(1), true));
        let second = plan(&app, &cio, json!({"kind": "quarterly", "title": "Q2", "starts_at": in_days(-10), "template": "builtin"})).await;
        let (_, agenda) = app.get_json(&cio, &format!("/api/v1/meetings/{second}")).await;
        assert_eq!(agenda["items"][1]["title"], "What is our vision for IT?");
        // A retreat, and an agenda saved as a template and reused.
        let retreat = plan(&app, &cio, json!({"kind": "retreat", "title": "Retreat", "starts_at": in_days(40), "template": "builtin"})).await;
        let (_, agenda) = app.get_json(&cio, &format!("/api/v1/meetings/{retreat}")).await;
        assert_eq!((agenda["duration_minutes"].as_i64(), agenda["items"].as_array().unwrap().len()), (Some(420), 5));
        let (status, template) = app.post_json(&cio, &format!("/api/v1/meetings/{retreat}/save-template"), json!({"name": "Our retreat"})).await;
        assert_eq!(status, StatusCode::CREATED, "{template}");
        let again = plan(&app, &cio, json!({"kind": "retreat", "title": "Next retreat", "starts_at": in_days(400), "template": template["id"].as_i64().unwrap().to_string()})).await;
        let (_, copied) = app.get_json(&cio, &format!("/api/v1/meetings/{again}")).await;
        assert_eq!(titles(&copied), titles(&agenda));
    }
}

both_backends! {
    async fn outcomes_are_lines_shown_as_text_and_answers_evolve_by_question(app) {
        let d = app.department().await;
        let cio = app.token("cio@example.org").await;
        let id = plan(&app, &cio, json!({"kind": "quarterly", "title": "Values", "starts_at": in_days(-1), "template": "builtin", "facilitator_id": d.lead})).await;
        app.post_json(&cio, &format!("/api/v1/meetings/{id}/publish"), json!({})).await;
        let (_, agenda) = app.get_json(&cio, &format!("/api/v1/meetings/{id}")).await;
        let question_item = agenda["items"][1]["id"].as_i64().unwrap();
        let question = agenda["items"][1]["question_id"].as_i64().unwrap();
        let lead = app.token("lead@example.org").await;
        let (status, agenda) = put_json(&app, &lead, &format!("/api/v1/meeting-items/{question_item}/outcome"), json!({"notes": "Lively <b>talk</b>", "agreements": ["Service first", "<script>alert('x')</script>"], "disagreements": ["Whether speed matters more than care"], "decisions": []})).await;
        assert_eq!(status, StatusCode::OK, "{agenda}");
        assert_eq!(agenda["items"][1]["agreements"], json!(["Service first", "<script>alert('x')</script>"]));
        let (status, agenda) = app.post_json(&lead, &format!("/api/v1/meetings/{id}/actions"), json!({"text": "Write the values down", "owner_id": d.engineer, "due_on": "2030-01-31"})).await;
        assert_eq!(status, StatusCode::CREATED, "{agenda}");
        let (status, _) = put_json(&app, &lead, &format!("/api/v1/meetings/{id}/attendance"), json!({"person_ids": [d.lead, d.engineer, d.peer]})).await;
        assert_eq!(status, StatusCode::OK);
        let advisor = app.signed_in("advisor@example.org").await;
        let html = advisor.get_html(&format!("/meetings/{id}")).await;
        assert!(html.contains("&#60;script&#62;alert("), "escaped: {html}");
        assert!(!html.contains("<script>alert"), "never markup");
        assert!(html.contains("Lively &#60;b&#62;talk&#60;/b&#62;"));
        assert!(html.contains("Erin Engineer, Lee Lead, Pat Peer"));
        let question_page = advisor.get_html(&format!("/meeting-questions/{question}")).await;
        assert!(question_page.contains("Whether speed matters more than care"));
        assert!(!question_page.contains("<script>alert"));
        let staff = app.token("peer@example.org").await;
        let (_, evolution) = app.get_json(&staff, &format!("/api/v1/meeting-questions/{question}")).await;
        assert_eq!(evolution["answers"][0]["disagreements"], json!(["Whether speed matters more than care"]));
        // Held: the open action item shows at the next quarterly meeting; unreached items
        // wait in its backlog.
        let (status, _) = app.post_json(&lead, &format!("/api/v1/meeting-items/{question_item}/start"), json!({})).await;
        assert_eq!(status, StatusCode::OK);
        let (_, deferred) = app.post_json(&lead, &format!("/api/v1/meetings/{id}/defer"), json!({})).await;
        assert_eq!(deferred["deferred"], 5);
        app.post_json(&lead, &format!("/api/v1/meetings/{id}/hold"), json!({})).await;
        let next = plan(&app, &cio, json!({"kind": "quarterly", "title": "Next", "starts_at": in_days(60)})).await;
        let (_, agenda) = app.get_json(&cio, &format!("/api/v1/meetings/{next}")).await;
        assert_eq!(agenda["open_actions"][0]["text"], "Write the values down");
        assert_eq!(agenda["backlog"].as_array().unwrap().len(), 5);
        let waiting = agenda["backlog"][0]["id"].as_i64().unwrap();
        let (status, agenda) = app.post_json(&cio, &format!("/api/v1/meetings/{next}/backlog"), json!({"item_id": waiting})).await;
        assert_eq!(status, StatusCode::OK, "{agenda}");
        assert_eq!((agenda["items"].as_array().unwrap().len(), agenda["backlog"].as_array().unwrap().len()), (1, 4));
        let action = agenda["open_actions"][0]["id"].as_i64().unwrap();
        let engineer = app.token("eng@example.org").await;
        let (status, _) = app.post_json(&engineer, &format!("/api/v1/meeting-actions/{action}/done"), json!({})).await;
        assert_eq!(status, StatusCode::NO_CONTENT);
        let (_, agenda) = app.get_json(&cio, &format!("/api/v1/meetings/{next}")).await;
        assert_eq!(agenda["open_actions"].as_array().unwrap().len(), 0);
    }
}

both_backends! {
    async fn an_action_item_becomes_a_proposed_goal_of_its_owner(app) {
        let d = app.department().await;
        let cio = app.token("cio@example.org").await;
        let fixture = app.plan_and_cycle(&cio).await;
        let id = plan(&app, &cio, json!({"kind": "other", "title": "Sync", "starts_at": in_days(-1), "duration_minutes": 60})).await;
        app.post_json(&cio, &format!("/api/v1/meetings/{id}/publish"), json!({})).await;
        let (_, agenda) = app.post_json(&cio, &format!("/api/v1/meetings/{id}/actions"), json!({"text": "Write a plain-language guide", "owner_id": d.engineer})).await;
        let action = agenda["actions"][0]["id"].as_i64().unwrap();
        let (status, created) = app.post_json(&cio, &format!("/api/v1/meeting-actions/{action}/goal"), json!({"objective_id": fixture.objectives[1]})).await;
        assert_eq!(status, StatusCode::CREATED, "{created}");
        let engineer = app.token("eng@example.org").await;
        let (_, goal) = app.get_json(&engineer, &format!("/api/v1/goals/{}", created["goal_id"])).await;
        assert_eq!((goal["status"].as_str(), goal["title"].as_str()), (Some("proposed"), Some("Write a plain-language guide")));
        let (status, _) = app.post_json(&cio, &format!("/api/v1/meeting-actions/{action}/goal"), json!({"objective_id": fixture.objectives[1]})).await;
        assert_eq!(status, StatusCode::CONFLICT);
    }
}

both_backends! {
    async fn the_agenda_page_reads_in_a_fixed_number_of_statements(app) {
        let d = app.department().await;
        let cio = app.token("cio@example.org").await;
        let browser = app.signed_in("cio@example.org").await;
        let measure = |id: i64| {
            let (app, browser, cio) = (&app, &browser, cio.clone());
            async move {
                // A write first: it empties the shared copies (the session), so both
                // measurements start cold.
                app.post_json(&cio, "/api/v1/meeting-questions", json!({"prompt": "Who are we?"})).await;
                let before = app.db().statements_run();
                let html = browser.get_html(&format!("/meetings/{id}")).await;
                assert!(html.contains("Agenda"));
                app.db().statements_run() - before
            }
        };
        let small = plan(&app, &cio, json!({"kind": "quarterly", "title": "Small", "starts_at": in_days(-2), "duration_minutes": 720, "facilitator_id": d.lead})).await;
        add_item(&app, &cio, small, "One", 10).await;
        app.post_json(&cio, &format!("/api/v1/meetings/{small}/publish"), json!({})).await;
        let large = plan(&app, &cio, json!({"kind": "quarterly", "title": "Large", "starts_at": in_days(-1), "duration_minutes": 720, "template": "builtin", "facilitator_id": d.engineer})).await;
        for n in 0..10 {
            add_item(&app, &cio, large, &format!("Extra {n}"), 5).await;
        }
        app.post_json(&cio, &format!("/api/v1/meetings/{large}/publish"), json!({})).await;
        let (_, agenda) = app.get_json(&cio, &format!("/api/v1/meetings/{large}")).await;
        for item in agenda["items"].as_array().unwrap().iter().take(4) {
            put_json(&app, &cio, &format!("/api/v1/meeting-items/{}/outcome", item["id"]), json!({"agreements": ["a", "b"], "disagreements": ["c"]})).await;
        }
        for who in [d.lead, d.engineer, d.peer] {
            app.post_json(&cio, &format!("/api/v1/meetings/{large}/actions"), json!({"text": "Do it", "owner_id": who})).await;
        }
        put_json(&app, &cio, &format!("/api/v1/meetings/{large}/attendance"), json!({"person_ids": [d.lead, d.engineer, d.peer, d.cio]})).await;
        let (few, many) = (measure(small).await, measure(large).await);
        assert_eq!(few, many, "a fixed number of statements: {few} for 1 item, {many} for 16 with outcomes");
        eprintln!("agenda page statements: {many}");
    }
}

both_backends! {
    async fn the_portal_shows_the_next_published_meeting_to_signed_in_readers(app) {
        let _ = app.department().await;
        let cio = app.token("cio@example.org").await;
        let draft = plan(&app, &cio, json!({"kind": "quarterly", "title": "Secret draft", "starts_at": in_days(5), "template": "builtin"})).await;
        let later = plan(&app, &cio, json!({"kind": "quarterly", "title": "Later quarterly", "starts_at": in_days(50), "template": "builtin", "location": "Library room 2"})).await;
        let sooner = plan(&app, &cio, json!({"kind": "other", "title": "Sooner", "starts_at": in_days(20), "duration_minutes": 60})).await;
        let past = plan(&app, &cio, json!({"kind": "other", "title": "Yesterday", "starts_at": in_days(-1), "duration_minutes": 60})).await;
        for id in [later, sooner, past] {
            app.post_json(&cio, &format!("/api/v1/meetings/{id}/publish"), json!({})).await;
        }
        app.post_json(&cio, &format!("/api/v1/meetings/{sooner}/cancel"), json!({})).await;
        let _ = draft;
        let advisor = app.signed_in("advisor@example.org").await;
        let html = advisor.get_html("/portal").await;
        assert!(html.contains("Next meeting"), "{html}");
        assert!(html.contains("Later quarterly") && html.contains("Library room 2") && html.contains("What are our values?"));
        assert!(!html.contains("Secret draft") && !html.contains("Sooner") && !html.contains("Yesterday"));
        // The API's portal says the same, to a signed-in reader.
        let staff = app.token("eng@example.org").await;
        let (status, portal) = app.get_json(&staff, "/api/v1/portal").await;
        assert_eq!(status, 200, "{portal}");
        assert_eq!(portal["next_meeting"]["id"], later, "{portal}");
        assert_eq!(portal["next_meeting"]["location"], "Library room 2");
        assert!(portal["next_meeting"]["questions"].as_array().is_some_and(|q| q.iter().any(|q| q == "What are our values?")), "{portal}");
    }
}

both_backends! {
    async fn calendars_list_published_meetings_and_never_drafts(app) {
        let d = app.department().await;
        let cio = app.token("cio@example.org").await;
        let draft = plan(&app, &cio, json!({"kind": "quarterly", "title": "Draft", "starts_at": in_days(5)})).await;
        let published = plan(&app, &cio, json!({"kind": "quarterly", "title": "Published", "starts_at": "2030-03-04T09:00:00Z", "template": "builtin", "facilitator_id": d.lead})).await;
        app.post_json(&cio, &format!("/api/v1/meetings/{published}/publish"), json!({})).await;
        let cancelled = plan(&app, &cio, json!({"kind": "other", "title": "Called off", "starts_at": in_days(9), "duration_minutes": 60})).await;
        app.post_json(&cio, &format!("/api/v1/meetings/{cancelled}/publish"), json!({})).await;
        app.post_json(&cio, &format!("/api/v1/meetings/{cancelled}/cancel"), json!({})).await;
        let listed = staffdev::meetings::calendar_meetings(app.db().conn()).await.expect("calendar");
        let ids: Vec<i64> = listed.iter().map(|m| m.id).collect();
        assert_eq!(ids, [cancelled, published]);
        let called_off = &listed[0];
        assert_eq!(called_off.status, staffdev::meetings::MeetingStatus::Cancelled);
        assert_eq!(called_off.sequence, 2, "published, then cancelled");
        let m = &listed[1];
        assert_eq!((m.facilitator.as_deref(), (m.ends_at - m.starts_at).num_minutes()), (Some("Lee Lead"), 240));
        assert!(m.description.starts_with("09:00–09:15 Welcome\n09:15–10:15 What are our values?"), "{}", m.description);
        assert!(m.description.contains("Questions:\n- What are our values?"), "{}", m.description);
        let sequence = m.sequence;
        app.patch_json(&cio, &format!("/api/v1/meetings/{published}"), json!({"location": "Hall"})).await;
        let peer = staffdev::people::id_by_email(app.db(), "peer@example.org").await.unwrap().unwrap();
        let actor = staffdev::auth::Actor { person_id: peer, name: "Pat Peer".into(), email: "peer@example.org".into(), role: staffdev::people::Role::Staff, is_manager: false, csrf_token: None, session_id: None };
        let one = staffdev::meetings::calendar_meeting(app.db().conn(), &actor, published).await.expect("published");
        assert_eq!((one.sequence, one.location.as_str()), (sequence + 1, "Hall"));
        assert!(matches!(staffdev::meetings::calendar_meeting(app.db().conn(), &actor, draft).await, Err(staffdev::error::AppError::NotFound)));
    }
}

both_backends! {
    async fn the_plan_shows_the_meetings_that_discussed_each_value(app) {
        let _ = app.department().await;
        let cio = app.token("cio@example.org").await;
        let fixture = app.plan_and_cycle(&cio).await;
        let id = plan(&app, &cio, json!({"kind": "quarterly", "title": "Values quarterly", "starts_at": in_days(7)})).await;
        let (status, body) = app.post_json(&cio, &format!("/api/v1/meetings/{id}/items"), json!({"kind": "question", "title": "Service first, really?", "planned_minutes": 45, "value_name": "Service first"})).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        let advisor = app.signed_in("advisor@example.org").await;
        let page = format!("/plans/{}", fixture.plan);
        assert!(!advisor.get_html(&page).await.contains("Values quarterly"), "a draft is not listed");
        app.post_json(&cio, &format!("/api/v1/meetings/{id}/publish"), json!({})).await;
        let html = advisor.get_html(&page).await;
        assert!(html.contains("Where the values were discussed"));
        assert!(html.contains(&format!("<a href=\"/meetings/{id}\">Values quarterly</a>")), "{html}");
    }
}

both_backends! {
    async fn the_demo_has_a_year_of_meetings_and_the_next_one_published(app) {
        staffdev::demo::load(app.db()).await.expect("the demo loads");
        let response = app.api.post(app.url("/api/v1/auth/tokens")).json(&json!({"email": staffdev::demo::STAFF_EMAIL, "password": staffdev::demo::PASSWORD})).send().await.unwrap();
        let token = response.json::<Value>().await.unwrap()["token"].as_str().unwrap().to_owned();
        let (_, list) = app.get_json(&token, "/api/v1/meetings").await;
        let summary: Vec<(&str, &str)> = list.as_array().unwrap().iter().map(|m| (m["kind"].as_str().unwrap(), m["status"].as_str().unwrap())).collect();
        assert_eq!(summary, [("quarterly", "published"), ("quarterly", "held"), ("quarterly", "held"), ("quarterly", "held"), ("retreat", "held"), ("quarterly", "held")]);
        let (_, next) = app.get_json(&token, &format!("/api/v1/meetings/{}", list[0]["id"])).await;
        assert_eq!(next["budget"]["over_minutes"], 0);
        assert!(next["items"].as_array().unwrap().iter().any(|i| i["guest_department"] == "University Library"));
        assert_eq!(next["open_actions"].as_array().unwrap().len(), 2);
        assert_eq!(next["backlog"][0]["title"], "Ideas from the advisory committee");
        let (_, bank) = app.get_json(&token, "/api/v1/meeting-questions").await;
        let values = bank.as_array().unwrap().iter().find(|q| q["prompt"] == "What are our values?").unwrap();
        let (_, evolution) = app.get_json(&token, &format!("/api/v1/meeting-questions/{}", values["id"])).await;
        let answers = evolution["answers"].as_array().unwrap();
        assert_eq!(answers.len(), 4, "three held, one to come");
        assert!(answers.iter().take(3).all(|a| !a["agreements"].as_array().unwrap().is_empty() && !a["disagreements"].as_array().unwrap().is_empty()));
        let browser = app.browser();
        browser.sign_in(staffdev::demo::STAFF_EMAIL, staffdev::demo::PASSWORD).await;
        let portal = browser.get_html("/portal").await;
        assert!(portal.contains("New year all-staff meeting") && portal.contains("What is our vision for IT?"));
    }
}

both_backends! {
    async fn an_agenda_is_built_reordered_and_published_in_the_browser(app) {
        let Some(chrome) = crate::browser::Chrome::launch(&app).await else { return };
        let _ = app.department().await;
        let cio = app.token("cio@example.org").await;
        let id = plan(&app, &cio, json!({"kind": "quarterly", "title": "Browser quarterly", "starts_at": in_days(14)})).await;
        chrome.sign_in("cio@example.org").await;
        chrome.visit(&format!("/meetings/{id}")).await;
        let add = format!("form[action='/meetings/{id}/items'] button[type=submit]");

        // Too long an item: the error sits by the field and what was typed stays.
        chrome.fill("#item-title", "Welcome <b>all</b>").await;
        chrome.fill("#planned_minutes", "481").await;
        chrome.click_and_wait(&add).await;
        assert_eq!(chrome.text("#planned_minutes-error").await, "Use a number from 1 to 480.");
        assert_eq!(chrome.prop("#item-title", "value").await.as_deref(), Some("Welcome <b>all</b>"));
        chrome.fill("#planned_minutes", "15").await;
        chrome.click("#item-kind option[value='other']").await;
        chrome.click_and_wait(&add).await;
        assert!(chrome.location().await.starts_with(&format!("/meetings/{id}?notice=saved")));

        // A question from the bank (its title comes from the question), then one too many
        // minutes for the half day.
        chrome.click("#item-kind option[value='question']").await;
        chrome.click("#question_id option:nth-child(2)").await;
        chrome.fill("#planned_minutes", "230").await;
        chrome.click_and_wait(&add).await;
        let budget = chrome.text("#budget").await;
        assert!(budget.contains("Over by 5 minutes"), "{budget}");
        chrome.click_and_wait(&format!("form[action='/meetings/{id}/publish'] button")).await;
        let alert = chrome.text(".alert").await;
        assert!(alert.contains("The agenda runs 5 minutes over the meeting's 240 minutes"), "{alert}");

        // Move the question first, shorten it, publish.
        let (_, agenda) = app.get_json(&cio, &format!("/api/v1/meetings/{id}")).await;
        let question = agenda["items"][1]["id"].as_i64().unwrap();
        chrome.click_and_wait(&format!("form[action='/meeting-items/{question}/up'] button")).await;
        let first = chrome.text("#agenda tbody tr:first-child td:nth-child(2) strong").await;
        assert_eq!(first, "What are our values?");
        chrome.visit(&format!("/meeting-items/{question}")).await;
        chrome.fill("#planned_minutes", "200").await;
        chrome.click_and_wait(&format!("form[action='/meeting-items/{question}'] button[type=submit]")).await;
        chrome.click_and_wait(&format!("form[action='/meetings/{id}/publish'] button")).await;
        assert!(chrome.text(".notice").await.contains("The meeting is published"));
        let rows = chrome.count("#agenda tbody tr").await;
        assert_eq!(rows, 2);
        assert_eq!(chrome.text("#agenda tbody tr:nth-child(2) td:nth-child(2) strong").await, "Welcome <b>all</b>", "markup shows as text");
        chrome.assert_nothing_ran_and_styles_loaded().await;
        let (_, agenda) = app.get_json(&cio, &format!("/api/v1/meetings/{id}")).await;
        assert_eq!((agenda["status"].as_str(), agenda["budget"]["planned_minutes"].as_i64()), (Some("published"), Some(215)));
        chrome.close().await;
    }
}

both_backends! {
    async fn the_portal_reads_its_meeting_panel_in_a_fixed_number_of_statements(app) {
        let _ = app.department().await;
        let cio = app.token("cio@example.org").await;
        let staff = app.token("eng@example.org").await;
        let statements = || {
            let (app, staff, cio) = (&app, staff.clone(), cio.clone());
            async move {
                // A write first empties the shared first page, so the portal is read afresh.
                app.post_json(&cio, "/api/v1/meeting-questions", json!({"prompt": "Again?"})).await;
                let before = app.db().statements_run();
                let (status, body) = app.get_json(&staff, "/api/v1/portal").await;
                assert_eq!(status, StatusCode::OK, "{body}");
                app.db().statements_run() - before
            }
        };
        // The token's first use is recorded once; measure after it.
        statements().await;
        let none = statements().await;
        for n in 0..3 {
            let id = plan(&app, &cio, json!({"kind": "quarterly", "title": format!("Q{n}"), "starts_at": in_days(10 + n), "template": "builtin"})).await;
            for m in 0..6 {
                app.post_json(&cio, &format!("/api/v1/meetings/{id}/items"), json!({"kind": "question", "title": format!("Question {m}"), "planned_minutes": 1})).await;
            }
            app.post_json(&cio, &format!("/api/v1/meetings/{id}/publish"), json!({})).await;
        }
        let three = statements().await;
        assert_eq!(none, three, "{none} statements without meetings, {three} with three of twelve items");
        assert!(three <= 8, "{three} statements");
        let browser = app.signed_in("eng@example.org").await;
        let html = browser.get_html("/portal").await;
        // By the titles as the panel writes them: a bare "Q1" could turn up in a random
        // token on the page.
        assert!(html.contains("<strong>Q0</strong>") && html.contains("Question 5") && !html.contains("<strong>Q1</strong>"), "the next one only");
    }
}

both_backends! {
    async fn the_pages_follow_the_role_matrix_and_the_live_and_printed_agendas_show_the_clock(app) {
        let d = app.department().await;
        let cio_browser = app.signed_in("cio@example.org").await;
        let response = cio_browser.post_form("/meetings", "/meetings", &[("kind", "quarterly"), ("title", "Paged quarterly"), ("date", "2026-01-05"), ("time", "09:00"), ("duration_minutes", ""), ("location", "Room 1"), ("facilitator_id", &d.engineer.to_string()), ("template", "builtin")]).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        let location = response.headers()["location"].to_str().unwrap().to_owned();
        let id: i64 = location.trim_start_matches("/meetings/").trim_end_matches("?notice=created").parse().unwrap_or_else(|_| location.trim_start_matches("/meetings/").parse().unwrap());
        let facilitator = app.signed_in("eng@example.org").await;
        let html = facilitator.get_html(&format!("/meetings/{id}")).await;
        assert!(html.contains("Add an item") && !html.contains(&format!("/meetings/{id}/publish")), "the facilitator builds the agenda but does not publish");
        assert_eq!(facilitator.get(&format!("/meetings/{id}/edit")).await.status(), StatusCode::FORBIDDEN);
        let response = cio_browser.post_form(&format!("/meetings/{id}"), &format!("/meetings/{id}/publish"), &[]).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        let advisor = app.signed_in("advisor@example.org").await;
        let html = advisor.get_html(&format!("/meetings/{id}")).await;
        assert!(html.contains("Paged quarterly") && !html.contains("Add an item") && !html.contains("/up\""), "advisors read, without controls");
        assert_eq!(advisor.get(&format!("/meetings/{id}/edit")).await.status(), StatusCode::FORBIDDEN);
        let printed = advisor.get_html(&format!("/meetings/{id}/print")).await;
        assert!(printed.contains("09:00–09:15") && printed.contains("Welcome"), "{printed}");
        let live = facilitator.get_html(&format!("/meetings/{id}/live")).await;
        assert!(live.contains("<meta http-equiv=\"refresh\" content=\"30\">") && !live.contains("<script"));
        // Held now: the facilitator marks it held from the page.
        let response = facilitator.post_form(&format!("/meetings/{id}"), &format!("/meetings/{id}/hold"), &[]).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        assert!(facilitator.get_html(&format!("/meetings/{id}")).await.contains("Record the outcome of"));
        let bank = advisor.get_html("/meeting-questions").await;
        assert!(bank.contains("What is our vision for IT?") && bank.contains("Suggested next") && !bank.contains("Add a question"));
    }
}

both_backends! {
    async fn a_retreats_json_has_its_year_in_review_like_its_page(app) {
        let d = app.department().await;
        let cio = app.token("cio@example.org").await;
        let engineer = app.token("eng@example.org").await;
        let (status, body) = app.post_json(&engineer, "/api/v1/kudos", json!({"recipient_ids": [d.peer], "message": "Thanks for the review."})).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        let retreat = plan(&app, &cio, json!({"kind": "retreat", "title": "Retreat", "starts_at": in_days(40), "template": "builtin"})).await;
        let (status, agenda) = app.get_json(&cio, &format!("/api/v1/meetings/{retreat}")).await;
        assert_eq!(status, StatusCode::OK, "{agenda}");
        let review = &agenda["year_in_review"];
        let start = chrono::NaiveDate::parse_from_str(&agenda["starts_at"].as_str().unwrap()[..10], "%Y-%m-%d").unwrap();
        // The day before the retreat in its own zone (within a day of the UTC date).
        let to = chrono::NaiveDate::parse_from_str(review["period"]["to"].as_str().unwrap(), "%Y-%m-%d").unwrap();
        assert!((0..=2).contains(&(start - to).num_days()), "the twelve months before: {review}");
        assert_eq!(review["exact"], false, "what a reader who knows nobody sees, the cio too");
        assert_eq!(review["recognition"]["kudos"]["now"], 1);
        // The page shows the same summary.
        let browser = app.signed_in("cio@example.org").await;
        let html = browser.get_html(&format!("/meetings/{retreat}")).await;
        assert!(html.contains("The year in review: "), "{html}");
        // A quarterly meeting has none (and reads no summary).
        let quarterly = plan(&app, &cio, json!({"kind": "quarterly", "title": "Q1", "starts_at": in_days(10), "template": "builtin"})).await;
        let (_, agenda) = app.get_json(&cio, &format!("/api/v1/meetings/{quarterly}")).await;
        assert!(agenda.get("year_in_review").is_none(), "{agenda}");
    }
}
