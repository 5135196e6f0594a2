//! The committee's ideas: the role matrix, the status moves allowed and refused, bad
//! input with its exact messages, links to objectives and meeting items, text shown as
//! text on every page, the list page's statement count, and the advisory committee's
//! home page.

use chrono::{Duration, Utc};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{TestApp, error_fields};

const EVERYONE: [&str; 5] = [
    "advisor@example.org",
    "peer@example.org",
    "lead@example.org",
    "eng@example.org",
    "cio@example.org",
];

/// An idea submitted through the API; its id.
async fn submit(app: &TestApp, token: &str, title: &str, text: &str) -> i64 {
    let (status, idea) = app
        .post_json(
            token,
            "/api/v1/ideas",
            json!({"title": title, "text": text}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{idea}");
    idea["id"].as_i64().unwrap()
}

async fn answer(app: &TestApp, token: &str, id: i64, body: Value) -> (StatusCode, Value) {
    app.post_json(token, &format!("/api/v1/ideas/{id}/answer"), body)
        .await
}

/// A meeting planned and published by the cio, starting `days` from now, with an ideas
/// item and a question item; (meeting, ideas item, question item).
async fn meeting_with_items(
    app: &TestApp,
    cio: &str,
    title: &str,
    days: i64,
    publish: bool,
) -> (i64, i64, i64) {
    let starts_at = (Utc::now() + Duration::days(days)).to_rfc3339();
    let (status, meeting) = app
        .post_json(
            cio,
            "/api/v1/meetings",
            json!({"kind": "quarterly", "title": title, "starts_at": starts_at}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{meeting}");
    let id = meeting["id"].as_i64().unwrap();
    let mut items = Vec::new();
    for (kind, item_title) in [
        ("ideas", "Ideas from the committee"),
        ("question", "What is our vision?"),
    ] {
        let (status, agenda) = app
            .post_json(
                cio,
                &format!("/api/v1/meetings/{id}/items"),
                json!({"kind": kind, "title": item_title, "planned_minutes": 30}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{agenda}");
        items.push(
            agenda["items"].as_array().unwrap().last().unwrap()["id"]
                .as_i64()
                .unwrap(),
        );
    }
    if publish {
        let (status, body) = app
            .post_json(cio, &format!("/api/v1/meetings/{id}/publish"), json!({}))
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    (id, items[0], items[1])
}

both_backends! {
    async fn everyone_signed_in_submits_and_reads_ideas_and_only_the_cio_answers(app) {
        app.department().await;
        let mut ids = Vec::new();
        for who in EVERYONE {
            let token = app.token(who).await;
            ids.push((who, submit(&app, &token, &format!("An idea from {who}"), "Open the lab on Saturdays.").await));
        }
        let cio = app.token("cio@example.org").await;
        for who in EVERYONE {
            let token = app.token(who).await;
            let (status, page) = app.get_json(&token, "/api/v1/ideas").await;
            assert_eq!(status, StatusCode::OK, "{who} lists: {page}");
            assert_eq!(page["items"].as_array().unwrap().len(), 5, "{who} sees every idea");
            assert_eq!(page["items"][0]["submitted_by"]["name"], "Carla CIO", "newest first, with the submitter");
            assert!(page.get("next").is_none(), "no null, no next on the last page");
            assert!(page["items"][0].get("reply").is_none(), "no reply yet, and no null");
            let (status, idea) = app.get_json(&token, &format!("/api/v1/ideas/{}", ids[0].1)).await;
            assert_eq!((status, idea["submitted_by"]["name"].as_str()), (StatusCode::OK, Some("Ada Advisor")));
            let (status, problem) = answer(&app, &token, ids[0].1, json!({"status": "under_consideration", "reply": "Looking at it."})).await;
            if who == "cio@example.org" {
                assert_eq!(status, StatusCode::OK, "{problem}");
            } else {
                assert_eq!((status, problem["detail"].as_str()), (StatusCode::FORBIDDEN, Some("Only the cio answers ideas.")), "{who} answers");
            }
        }
        // Everyone reads the reply with who wrote it.
        let advisor = app.token("advisor@example.org").await;
        let (_, idea) = app.get_json(&advisor, &format!("/api/v1/ideas/{}", ids[0].1)).await;
        assert_eq!((idea["status"].as_str(), idea["reply"].as_str(), idea["replied_by"]["name"].as_str()), (Some("under_consideration"), Some("Looking at it."), Some("Carla CIO")));
        let (status, _) = app.get_json(&cio, "/api/v1/ideas/999999").await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (status, _) = answer(&app, &cio, 999_999, json!({"status": "under_consideration", "reply": "x"})).await;
        assert_eq!(status, StatusCode::NOT_FOUND);

        // Anonymous: 401 on the API, the sign-in page for the pages.
        for (method, path) in [("GET", "/api/v1/ideas".to_owned()), ("POST", "/api/v1/ideas".to_owned()), ("GET", format!("/api/v1/ideas/{}", ids[0].1)), ("POST", format!("/api/v1/ideas/{}/answer", ids[0].1))] {
            let request = if method == "GET" { app.api.get(app.url(&path)) } else { app.api.post(app.url(&path)).json(&json!({"title": "x", "text": "y", "status": "adopted", "reply": "z"})) };
            let response = request.send().await.unwrap();
            assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{method} {path}");
        }
        let anonymous = app.browser();
        for path in ["/ideas".to_owned(), "/ideas/new".to_owned(), format!("/ideas/{}", ids[0].1), "/committee".to_owned()] {
            let response = anonymous.get(&path).await;
            assert_eq!(response.status(), StatusCode::SEE_OTHER, "{path}");
            assert!(response.headers()["location"].to_str().unwrap().starts_with("/sign-in"), "{path}");
        }

        // Pages: the same rights.
        for who in EVERYONE {
            let browser = app.signed_in(who).await;
            let list = browser.get_html("/ideas").await;
            assert!(list.contains("An idea from advisor@example.org"), "{who}");
            let show = browser.get_html(&format!("/ideas/{}", ids[0].1)).await;
            assert_eq!(show.contains("Save the answer"), who == "cio@example.org", "{who}: the answer form is the cio's");
            let response = browser.post_form("/ideas/new", "/ideas", &[("title", "From the page"), ("text", "A page idea.")]).await;
            assert_eq!(response.status(), StatusCode::SEE_OTHER, "{who} submits on the page");
            let committee = browser.get("/committee").await.status();
            let expected = if matches!(who, "advisor@example.org" | "cio@example.org") { StatusCode::OK } else { StatusCode::FORBIDDEN };
            assert_eq!(committee, expected, "{who} on /committee");
            let nav = browser.get_html("/ideas").await;
            assert_eq!(nav.contains("href=\"/committee\""), expected == StatusCode::OK, "{who}: the committee's link in the navigation");
        }
        let peer = app.signed_in("peer@example.org").await;
        let response = peer.post_form(&format!("/ideas/{}", ids[0].1), &format!("/ideas/{}/answer", ids[0].1), &[("status", "adopted"), ("reply", "Yes")]).await;
        assert_eq!(response.status(), StatusCode::FORBIDDEN);
    }
}

both_backends! {
    async fn an_idea_moves_from_new_through_consideration_to_a_final_decision(app) {
        app.department().await;
        let cio = app.token("cio@example.org").await;
        let advisor = app.token("advisor@example.org").await;
        let skip = "Consider the idea before deciding: move it to under consideration first.";
        let back = "New is where an idea starts; answer it with under consideration, then adopt or decline it.";
        let adopted = "The idea has been adopted; a decision is final (change the reply, not the status).";
        let declined = "The idea has been declined; a decision is final (change the reply, not the status).";
        for (final_status, refused_after) in [("adopted", adopted), ("declined", declined)] {
            let id = submit(&app, &advisor, "Longer desk hours in exam weeks", "Students need help late.").await;
            // (status, expected status code, 409 message)
            let steps: [(&str, StatusCode, Option<&str>); 9] = [
                ("new", StatusCode::CONFLICT, Some(back)),
                ("adopted", StatusCode::CONFLICT, Some(skip)),
                ("declined", StatusCode::CONFLICT, Some(skip)),
                ("under_consideration", StatusCode::OK, None),
                ("under_consideration", StatusCode::OK, None),
                ("new", StatusCode::CONFLICT, Some(back)),
                (final_status, StatusCode::OK, None),
                (final_status, StatusCode::OK, None),
                ("under_consideration", StatusCode::CONFLICT, Some(refused_after)),
            ];
            for (n, (to, expected, message)) in steps.into_iter().enumerate() {
                let (status, body) = answer(&app, &cio, id, json!({"status": to, "reply": format!("Reply {n}")})).await;
                assert_eq!(status, expected, "step {n} to {to}: {body}");
                if let Some(message) = message {
                    assert_eq!(body["detail"], message, "step {n}");
                    assert_eq!(body["errors"][0]["field"], "status");
                }
            }
            let other = if final_status == "adopted" { "declined" } else { "adopted" };
            let (status, body) = answer(&app, &cio, id, json!({"status": other, "reply": "Changed my mind"})).await;
            assert_eq!((status, body["detail"].as_str()), (StatusCode::CONFLICT, Some(refused_after)));
            let (_, idea) = app.get_json(&advisor, &format!("/api/v1/ideas/{id}")).await;
            assert_eq!((idea["status"].as_str(), idea["reply"].as_str()), (Some(final_status), Some("Reply 7")), "a refused move changes nothing");
        }
        // The filter by status, and its paging.
        let (_, adopted_page) = app.get_json(&advisor, "/api/v1/ideas?status=adopted").await;
        assert_eq!(adopted_page["items"].as_array().unwrap().len(), 1);
        for n in 0..5 {
            submit(&app, &advisor, &format!("Idea {n}"), "More.").await;
        }
        let (_, first) = app.get_json(&advisor, "/api/v1/ideas?status=new&limit=3").await;
        let titles = |page: &Value| page["items"].as_array().unwrap().iter().map(|i| i["title"].as_str().unwrap().to_owned()).collect::<Vec<_>>();
        assert_eq!(titles(&first), ["Idea 4", "Idea 3", "Idea 2"]);
        let (_, second) = app.get_json(&advisor, &format!("/api/v1/ideas?status=new&limit=3&after={}", first["next"].as_str().unwrap())).await;
        assert_eq!(titles(&second), ["Idea 1", "Idea 0"]);
        assert!(second.get("next").is_none());
        // The page's filter and its next page keep the status.
        let browser = app.signed_in("advisor@example.org").await;
        let html = browser.get_html("/ideas?status=declined").await;
        assert!(html.contains("Longer desk hours") && !html.contains("Idea 4"));
    }
}

both_backends! {
    async fn bad_input_is_refused_with_every_field_named(app) {
        app.department().await;
        let cio = app.token("cio@example.org").await;
        let staff = app.token("eng@example.org").await;
        let long = "x".repeat(201);
        let cases: Vec<(Value, Vec<(&str, &str)>)> = vec![
            (json!({"title": "  ", "text": " \n "}), vec![("title", "Give the idea a title."), ("text", "Say what the idea or concern is.")]),
            (json!({"title": "Bell\u{7}", "text": "ok"}), vec![("title", "Remove the invisible control character U+0007; it cannot be shown.")]),
            (json!({"title": long, "text": "ok"}), vec![("title", "")]),
            (json!({"text": "no title"}), vec![("title", "")]),
            (json!({"title": "no text", "text": 5}), vec![("text", "")]),
        ];
        for (body, expected) in cases {
            let (status, problem) = app.post_json(&staff, "/api/v1/ideas", body.clone()).await;
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {problem}");
            let fields: Vec<String> = expected.iter().map(|(f, _)| (*f).to_owned()).collect();
            assert_eq!(error_fields(&problem), fields, "{body}");
            for (n, (_, message)) in expected.iter().enumerate() {
                if !message.is_empty() {
                    assert_eq!(problem["errors"][n]["message"], *message, "{body}");
                }
            }
        }
        let id = submit(&app, &staff, "A fine idea", "Text.").await;
        let answers: Vec<(Value, Vec<(&str, &str)>)> = vec![
            (json!({"status": "under_consideration", "reply": "   "}), vec![("reply", "Write a reply to the person who sent the idea.")]),
            (json!({"status": "maybe", "reply": "x"}), vec![("status", "")]),
            (json!({"reply": "x"}), vec![("status", "")]),
            (json!({"status": "under_consideration", "reply": "x", "objective_id": 1}), vec![("objective_id", "Only an adopted idea is linked to an objective.")]),
            (json!({"status": "declined", "reply": "x", "meeting_item_id": 1}), vec![("meeting_item_id", "Only an adopted idea is linked to a meeting's ideas item.")]),
        ];
        for (body, expected) in answers {
            let (status, problem) = answer(&app, &cio, id, body.clone()).await;
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {problem}");
            let fields: Vec<String> = expected.iter().map(|(f, _)| (*f).to_owned()).collect();
            assert_eq!(error_fields(&problem), fields, "{body}");
            for (n, (_, message)) in expected.iter().enumerate() {
                if !message.is_empty() {
                    assert_eq!(problem["errors"][n]["message"], *message, "{body}");
                }
            }
        }
        for (query, field, message) in [
            ("status=maybe", "status", "Choose one of: new, under_consideration, adopted, declined."),
            ("limit=0", "limit", "Enter a number of at least 1."),
            ("after=not-ours!", "after", "This cursor is not one we gave out."),
        ] {
            let (status, problem) = app.get_json(&staff, &format!("/api/v1/ideas?{query}")).await;
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{query}: {problem}");
            assert_eq!((problem["errors"][0]["field"].as_str(), problem["errors"][0]["message"].as_str()), (Some(field), Some(message)), "{query}");
        }
        // The page shows the same messages by their fields, as typed, with 422.
        let browser = app.signed_in("eng@example.org").await;
        let response = browser.post_form("/ideas/new", "/ideas", &[("title", " "), ("text", "Kept as typed")]).await;
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let html = response.text().await.unwrap();
        assert!(html.contains("Give the idea a title.") && html.contains("Kept as typed"), "{html}");
        let cio_browser = app.signed_in("cio@example.org").await;
        let response = cio_browser.post_form(&format!("/ideas/{id}"), &format!("/ideas/{id}/answer"), &[("status", "adopted"), ("reply", "Straight away")]).await;
        assert_eq!(response.status(), StatusCode::CONFLICT);
        let html = response.text().await.unwrap();
        assert!(html.contains("Consider the idea before deciding: move it to under consideration first."), "{html}");
    }
}

both_backends! {
    async fn an_adopted_idea_links_to_an_objective_or_a_meetings_ideas_item_that_exists(app) {
        app.department().await;
        let cio = app.token("cio@example.org").await;
        let fixture = app.plan_and_cycle(&cio).await;
        let objective = fixture.objectives[1];
        let (_, ideas_item, question_item) = meeting_with_items(&app, &cio, "Spring meeting", 20, true).await;
        let (_, draft_item, _) = meeting_with_items(&app, &cio, "Secret draft", 40, false).await;
        let advisor = app.token("advisor@example.org").await;
        let id = submit(&app, &advisor, "Co-design with students", "Ask students before building.").await;
        let (status, _) = answer(&app, &cio, id, json!({"status": "under_consideration", "reply": "Good point."})).await;
        assert_eq!(status, StatusCode::OK);
        let refused: Vec<(Value, &str, String)> = vec![
            (json!({"objective_id": 999_999}), "objective_id", "There is no objective with id 999999.".to_owned()),
            (json!({"meeting_item_id": 999_999}), "meeting_item_id", "There is no agenda item with id 999999.".to_owned()),
            (json!({"meeting_item_id": question_item}), "meeting_item_id", format!("Agenda item {question_item} is a question to explore item; link an item of kind ideas.")),
        ];
        for (link, field, message) in refused {
            let mut body = json!({"status": "adopted", "reply": "Adopted."});
            body.as_object_mut().unwrap().extend(link.as_object().unwrap().clone());
            let (status, problem) = answer(&app, &cio, id, body).await;
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
            assert_eq!((problem["errors"][0]["field"].as_str(), problem["errors"][0]["message"].as_str()), (Some(field), Some(message.as_str())));
        }
        let (_, idea) = app.get_json(&advisor, &format!("/api/v1/ideas/{id}")).await;
        assert_eq!(idea["status"], "under_consideration", "a refused link changes nothing");
        let (status, idea) = answer(&app, &cio, id, json!({"status": "adopted", "reply": "Adopted: we will co-design.", "objective_id": objective, "meeting_item_id": ideas_item})).await;
        assert_eq!(status, StatusCode::OK, "{idea}");
        assert_eq!((idea["objective"]["id"].as_i64(), idea["objective"]["code"].as_str()), (Some(objective), Some("G1.2")));
        assert_eq!((idea["meeting_item"]["id"].as_i64(), idea["meeting_item"]["meeting_title"].as_str()), (Some(ideas_item), Some("Spring meeting")));
        let (_, read) = app.get_json(&advisor, &format!("/api/v1/ideas/{id}")).await;
        assert_eq!(read["meeting_item"]["title"], "Ideas from the committee");
        // A link into a draft meeting: the cio may make it; nobody else learns of the draft.
        let other = submit(&app, &advisor, "Another", "Idea.").await;
        answer(&app, &cio, other, json!({"status": "under_consideration", "reply": "Hm."})).await;
        let (status, idea) = answer(&app, &cio, other, json!({"status": "adopted", "reply": "Yes.", "meeting_item_id": draft_item})).await;
        assert_eq!((status, idea["meeting_item"]["meeting_title"].as_str()), (StatusCode::OK, Some("Secret draft")));
        let (_, read) = app.get_json(&advisor, &format!("/api/v1/ideas/{other}")).await;
        assert!(read.get("meeting_item").is_none(), "{read}");
        let advisor_browser = app.signed_in("advisor@example.org").await;
        assert!(!advisor_browser.get_html(&format!("/ideas/{other}")).await.contains("Secret draft"));
        // The plan lists the ideas linked to each objective.
        let html = advisor_browser.get_html(&format!("/plans/{}", fixture.plan)).await;
        assert!(html.contains("Co-design with students"), "{html}");
        // The cio's form offers the ideas items and the objectives.
        let cio_browser = app.signed_in("cio@example.org").await;
        let html = cio_browser.get_html(&format!("/ideas/{other}")).await;
        assert!(html.contains("Spring meeting") && html.contains("Ideas from the committee") && html.contains("G1.2"));
        // Through the page: a link to nothing comes back on its field.
        let third = submit(&app, &advisor, "Third", "Idea.").await;
        answer(&app, &cio, third, json!({"status": "under_consideration", "reply": "Hm."})).await;
        let response = cio_browser.post_form(&format!("/ideas/{third}"), &format!("/ideas/{third}/answer"), &[("status", "adopted"), ("reply", "Yes"), ("objective_id", "abc"), ("meeting_item_id", "")]).await;
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(response.text().await.unwrap().contains("There is no objective with id 0."));
        let response = cio_browser.post_form(&format!("/ideas/{third}"), &format!("/ideas/{third}/answer"), &[("status", "adopted"), ("reply", "Yes"), ("objective_id", &objective.to_string()), ("meeting_item_id", "")]).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        assert_eq!(response.headers()["location"], format!("/ideas/{third}?notice=answered").as_str());
    }
}

both_backends! {
    async fn script_in_an_idea_or_a_reply_is_shown_as_text_on_every_page(app) {
        app.department().await;
        let cio = app.token("cio@example.org").await;
        let fixture = app.plan_and_cycle(&cio).await;
        let staff = app.token("eng@example.org").await;
        let script = "<script>alert('x')</script>";
        let id = submit(&app, &staff, &format!("Title {script}"), &format!("Text {script}")).await;
        answer(&app, &cio, id, json!({"status": "under_consideration", "reply": "Thinking"})).await;
        let (_, idea) = answer(&app, &cio, id, json!({"status": "adopted", "reply": format!("Reply {script}"), "objective_id": fixture.objectives[0]})).await;
        assert_eq!(idea["title"], format!("Title {script}"), "stored as typed");
        for who in ["advisor@example.org", "cio@example.org"] {
            let browser = app.signed_in(who).await;
            for path in ["/ideas".to_owned(), format!("/ideas/{id}"), "/committee".to_owned(), format!("/plans/{}", fixture.plan)] {
                let html = browser.get_html(&path).await;
                assert!(!html.contains("<script>alert"), "{who} {path}: never markup");
                assert!(html.contains("&#60;script&#62;alert("), "{who} {path}: shown as text");
            }
        }
        // The forms, shown again with an error, keep the text as text too.
        let browser = app.signed_in("eng@example.org").await;
        let response = browser.post_form("/ideas/new", "/ideas", &[("title", ""), ("text", script)]).await;
        let html = response.text().await.unwrap();
        assert!(!html.contains("<script>alert") && html.contains("&#60;script&#62;alert("));
    }
}

both_backends! {
    async fn the_ideas_list_page_reads_in_a_fixed_number_of_statements(app) {
        app.department().await;
        let cio = app.token("cio@example.org").await;
        let fixture = app.plan_and_cycle(&cio).await;
        let (_, ideas_item, _) = meeting_with_items(&app, &cio, "Spring meeting", 20, true).await;
        let people = ["advisor@example.org", "eng@example.org", "peer@example.org"];
        let mut tokens = Vec::new();
        for who in people {
            tokens.push(app.token(who).await);
        }
        let add = |count: usize| {
            let (app, cio, tokens) = (&app, cio.clone(), tokens.clone());
            let (objective, item) = (fixture.objectives[0], ideas_item);
            async move {
                for n in 0..count {
                    let id = submit(app, &tokens[n % tokens.len()], &format!("Idea {n}"), "Text").await;
                    answer(app, &cio, id, json!({"status": "under_consideration", "reply": "Hm"})).await;
                    let (status, body) = answer(app, &cio, id, json!({"status": "adopted", "reply": "Yes", "objective_id": objective, "meeting_item_id": item})).await;
                    assert_eq!(status, StatusCode::OK, "{body}");
                }
            }
        };
        let browser = app.signed_in("advisor@example.org").await;
        let measure = |path: &'static str| {
            let (app, browser, cio) = (&app, &browser, cio.clone());
            async move {
                // A write first empties the shared copies, so each measurement starts cold.
                submit(app, &cio, "Warm-up", "x").await;
                let before = app.db().statements_run();
                browser.get_html(path).await;
                app.db().statements_run() - before
            }
        };
        add(2).await;
        let few = (measure("/ideas").await, measure("/committee").await);
        add(20).await;
        let many = (measure("/ideas").await, measure("/committee").await);
        assert_eq!(few, many, "a fixed number of statements (list, committee): {few:?} with 2 ideas, {many:?} with 22");
        eprintln!("ideas page statements: {}, committee page: {}", many.0, many.1);
    }
}

both_backends! {
    async fn the_committee_page_shows_an_advisor_meetings_outcomes_ideas_summaries_and_reports(app) {
        app.department().await;
        let cio = app.token("cio@example.org").await;
        // A held meeting with outcomes, a published one coming up, a draft nobody else sees.
        let (held, _, question) = meeting_with_items(&app, &cio, "Autumn all-staff", -1, true).await;
        let response = app.api.put(app.url(&format!("/api/v1/meeting-items/{question}/outcome"))).bearer_auth(&cio)
            .json(&json!({"agreements": ["Plain language first"], "disagreements": ["Night alerts"], "decisions": ["Publish the values"]}))
            .send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        let (status, body) = app.post_json(&cio, &format!("/api/v1/meetings/{held}/hold"), json!({})).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        meeting_with_items(&app, &cio, "Winter all-staff", 30, true).await;
        meeting_with_items(&app, &cio, "Hidden draft", 60, false).await;
        let advisor = app.token("advisor@example.org").await;
        let new = submit(&app, &advisor, "Evening help desk", "For part-time students.").await;
        let considered = submit(&app, &advisor, "Plain-language status page", "So we know what is down.").await;
        answer(&app, &cio, considered, json!({"status": "under_consideration", "reply": "We are pricing it."})).await;
        let browser = app.signed_in("advisor@example.org").await;
        let html = browser.get_html("/committee").await;
        for expected in [
            "Advisory committee",
            "Autumn all-staff", "We agree: Plain language first", "We still disagree: Night alerts", "Decision: Publish the values",
            "Winter all-staff",
            "Evening help desk", "Plain-language status page", "Under consideration", "New: 1",
            "href=\"/summaries\"", "href=\"/reports\"",
        ] {
            assert!(html.contains(expected), "the committee page shows {expected:?}: {html}");
        }
        assert!(!html.contains("Hidden draft"), "drafts stay hidden");
        assert!(html.contains(&format!("href=\"/ideas/{new}\"")));
        assert!(html.contains("aria-current=\"page\">Committee"), "the navigation marks the page");
    }
}
