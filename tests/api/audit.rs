//! The audit trail: every change it covers writes one event in the change's own
//! transaction, with who, the fields before and after, and the request id; the cio alone
//! reads it (page, API, CSV), filtered and paged; the table refuses to be rewritten.

use reqwest::{Method, StatusCode};
use sea_orm::ConnectionTrait;
use serde_json::{Value, json};

use crate::helpers::*;

/// Sends a JSON request and answers its status, body and the `x-request-id` it was served
/// under.
async fn send(
    app: &TestApp,
    method: Method,
    token: &str,
    path: &str,
    body: Value,
) -> (StatusCode, Value, String) {
    let response = app
        .api
        .request(method, app.url(path))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .expect("request");
    let request_id = response
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let (status, body) = split(response).await;
    (status, body, request_id)
}

/// Every event of one kind, newest first (the trail read as the cio).
async fn events(app: &TestApp, cio: &str, kind: &str) -> Vec<Value> {
    let (status, page) = app
        .get_json(cio, &format!("/api/v1/audit?kind={kind}&limit=200"))
        .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    page["items"].as_array().cloned().unwrap_or_default()
}

/// The whole trail, newest first.
async fn everything(app: &TestApp, cio: &str) -> Vec<Value> {
    let (status, page) = app.get_json(cio, "/api/v1/audit?limit=200").await;
    assert_eq!(status, StatusCode::OK, "{page}");
    page["items"].as_array().cloned().unwrap_or_default()
}

/// Makes a change that must succeed and checks it wrote exactly one event of `kind`,
/// by the cio, with these fields before and after and the request's id; answers the
/// change's body and the event.
#[allow(clippy::too_many_arguments)]
async fn one_event(
    app: &TestApp,
    cio: &str,
    cio_id: i32,
    (method, path, body): (Method, &str, Value),
    kind: &str,
    before: Value,
    after: Value,
) -> (Value, Value) {
    let already = events(app, cio, kind).await.len();
    let (status, answer, request_id) = send(app, method, cio, path, body).await;
    assert!(status.is_success(), "{path}: {status} {answer}");
    let found = events(app, cio, kind).await;
    assert_eq!(found.len(), already + 1, "one {kind} event for {path}");
    let event = found[0].clone();
    assert_eq!(event["actor"]["id"], cio_id, "{kind}: {event}");
    assert_eq!(event["before"], before, "{kind}: {event}");
    assert_eq!(event["after"], after, "{kind}: {event}");
    assert!(!request_id.is_empty());
    assert_eq!(event["request_id"], request_id.as_str(), "{kind}: {event}");
    (answer, event)
}

both_backends! {
    async fn each_change_to_people_writes_one_event_with_who_what_and_the_request(app) {
        let d = app.department().await;
        let cio = app.token("cio@example.org").await;
        let person = |id: i32| format!("/api/v1/people/{id}");
        let (_, event) = one_event(&app, &cio, d.cio, (Method::PATCH, &person(d.lead), json!({"role": "cio"})), "role_changed", json!({"role": "staff"}), json!({"role": "cio"})).await;
        assert_eq!((event["subject_kind"].as_str(), event["subject_id"].as_i64(), event["person"]["id"].as_i64()), (Some("person"), Some(i64::from(d.lead)), Some(i64::from(d.lead))));
        assert_eq!(event["person"]["name"], "Lee Lead");
        one_event(&app, &cio, d.cio, (Method::PATCH, &person(d.engineer), json!({"manager_id": d.cio})), "manager_changed", json!({"manager_id": d.lead}), json!({"manager_id": d.cio})).await;
        one_event(&app, &cio, d.cio, (Method::PATCH, &person(d.engineer), json!({"manager_id": null})), "manager_changed", json!({"manager_id": d.cio}), json!({})).await;
        one_event(&app, &cio, d.cio, (Method::PATCH, &person(d.peer), json!({"active": false})), "active_changed", json!({"active": true}), json!({"active": false})).await;
        one_event(&app, &cio, d.cio, (Method::PATCH, &person(d.peer), json!({"active": true})), "active_changed", json!({"active": false}), json!({"active": true})).await;
        let (_, event) = one_event(&app, &cio, d.cio, (Method::PATCH, &person(d.engineer), json!({"password": "a brand new password"})), "password_reset", json!({}), json!({"password": "changed"})).await;
        assert!(!event.to_string().contains("argon2") && !event.to_string().contains("brand new"), "never the password or its hash: {event}");
        // A change of name or team is not on the trail; one PATCH of two audited fields
        // writes one event of each kind.
        app.patch_json(&cio, &person(d.engineer), json!({"team": "Networks"})).await;
        let (status, _) = app.patch_json(&cio, &person(d.advisor), json!({"role": "staff", "manager_id": d.lead})).await;
        assert_eq!(status, StatusCode::OK);
        let kinds: Vec<String> = everything(&app, &cio).await.iter().map(|e| e["kind"].as_str().unwrap().to_owned()).collect();
        assert_eq!(kinds, ["manager_changed", "role_changed", "password_reset", "active_changed", "active_changed", "manager_changed", "manager_changed", "role_changed"]);
    }
}

both_backends! {
    async fn each_phase_move_plan_activation_and_meeting_publication_writes_one_event(app) {
        let d = app.department().await;
        let cio = app.token("cio@example.org").await;
        let fixture = app.plan_and_cycle(&cio).await;
        let created = events(&app, &cio, "plan_activated").await;
        assert_eq!(created.len(), 1, "a plan created active is activated");
        assert_eq!((&created[0]["before"], &created[0]["after"]), (&json!({}), &json!({"status": "active"})));
        assert_eq!(created[0]["subject_id"], fixture.plan);
        // A draft made active archives the plan in force; the event says which.
        let (status, draft) = app.post_json(&cio, "/api/v1/plans", json!({"title": "Next plan", "start_year": 2028, "end_year": 2031, "status": "draft"})).await;
        assert_eq!(status, StatusCode::CREATED, "{draft}");
        assert_eq!(events(&app, &cio, "plan_activated").await.len(), 1, "a draft is not activated");
        let path = format!("/api/v1/plans/{}", draft["id"]);
        one_event(&app, &cio, d.cio, (Method::PATCH, &path, json!({"status": "active"})), "plan_activated", json!({"status": "draft"}), json!({"status": "active", "archived_plan_id": fixture.plan})).await;
        let path = format!("/api/v1/cycles/{}/phase", fixture.cycle);
        one_event(&app, &cio, d.cio, (Method::POST, &path, json!({"phase": "in_progress"})), "cycle_phase_moved", json!({"phase": "goal_setting"}), json!({"phase": "in_progress"})).await;
        let (status, meeting) = app.post_json(&cio, "/api/v1/meetings", json!({"kind": "other", "title": "Service review", "starts_at": (chrono::Utc::now() + chrono::Duration::days(10)).to_rfc3339(), "duration_minutes": 60, "facilitator_id": d.engineer})).await;
        assert_eq!(status, StatusCode::CREATED, "{meeting}");
        let path = format!("/api/v1/meetings/{}/publish", meeting["id"]);
        let (_, event) = one_event(&app, &cio, d.cio, (Method::POST, &path, json!({})), "meeting_published", json!({"status": "draft"}), json!({"status": "published"})).await;
        assert_eq!(event["person"]["id"], d.engineer, "the facilitator is concerned");
    }
}

both_backends! {
    async fn each_change_to_the_skills_catalogue_writes_one_event(app) {
        let d = app.department().await;
        let cio = app.token("cio@example.org").await;
        let (created, _) = one_event(&app, &cio, d.cio, (Method::POST, "/api/v1/skills", json!({"name": "Plain language", "category": "communication"})), "skill_added", json!({}), json!({"name": "Plain language", "category": "communication"})).await;
        let path = format!("/api/v1/skills/{}", created["id"]);
        one_event(&app, &cio, d.cio, (Method::PATCH, &path, json!({"name": "Plain writing"})), "skill_changed", json!({"name": "Plain language"}), json!({"name": "Plain writing"})).await;
        one_event(&app, &cio, d.cio, (Method::PATCH, &path, json!({"retired": true})), "skill_retired", json!({"retired": false}), json!({"retired": true})).await;
        one_event(&app, &cio, d.cio, (Method::PATCH, &path, json!({"retired": false})), "skill_reinstated", json!({"retired": true}), json!({"retired": false})).await;
        // An edit that changes nothing is not an event.
        app.patch_json(&cio, &path, json!({"name": "Plain writing"})).await;
        assert_eq!(events(&app, &cio, "skill_changed").await.len(), 1);
        one_event(&app, &cio, d.cio, (Method::DELETE, &path, json!({})), "skill_deleted", json!({"name": "Plain writing"}), json!({})).await;
    }
}

both_backends! {
    async fn trophy_reassignment_moderation_compliments_and_news_each_write_one_event(app) {
        let d = app.department().await;
        let cio = app.token("cio@example.org").await;
        let (status, trophy) = app.post_json(&cio, "/api/v1/trophies", json!({"name": "The Big Ugly Trophy", "description": "Inflatable.", "holder_id": d.engineer})).await;
        assert_eq!(status, StatusCode::CREATED, "{trophy}");
        app.patch_json(&cio, &format!("/api/v1/people/{}", d.engineer), json!({"active": false})).await;
        let path = format!("/api/v1/trophies/{}/reassignments", trophy["id"]);
        let (_, event) = one_event(&app, &cio, d.cio, (Method::POST, &path, json!({"receiver_id": d.peer, "reason": "Erin moved to another university."})), "trophy_reassigned", json!({"holder_id": d.engineer}), json!({"holder_id": d.peer, "reason": "Erin moved to another university."})).await;
        assert_eq!((event["subject_kind"].as_str(), &event["person"]["id"]), (Some("trophy"), &json!(d.peer)));
        app.patch_json(&cio, &format!("/api/v1/people/{}", d.engineer), json!({"active": true})).await;
        let engineer = app.token("eng@example.org").await;

        let (status, kudos) = app.post_json(&engineer, "/api/v1/kudos", json!({"recipient_ids": [d.peer], "message": "Thanks for the cover"})).await;
        assert_eq!(status, StatusCode::CREATED, "{kudos}");
        let id = kudos["id"].as_i64().unwrap();
        let (_, event) = one_event(&app, &cio, d.cio, (Method::POST, &format!("/api/v1/kudos/{id}/hide"), json!({"reason": "An inside joke"})), "item_hidden", json!({"hidden": false}), json!({"hidden": true, "reason": "An inside joke"})).await;
        assert_eq!((event["subject_kind"].as_str(), event["subject_id"].as_i64()), (Some("kudos"), Some(id)));
        one_event(&app, &cio, d.cio, (Method::POST, &format!("/api/v1/kudos/{id}/unhide"), json!({"reason": "Explained now"})), "item_unhidden", json!({"hidden": true}), json!({"hidden": false, "reason": "Explained now"})).await;
        // The moderation record is still written beside the trail.
        let history = staffdev::recognition::moderation_history(app.db(), &actor(d.cio, "Carla CIO", "cio@example.org", staffdev::people::Role::Cio, true), staffdev::recognition::Hideable::Kudos(id)).await.unwrap();
        assert_eq!(history.len(), 2);

        let (compliment, event) = one_event(&app, &cio, d.cio, (Method::POST, "/api/v1/compliments", json!({"person_id": d.peer, "giver_name": "A client", "channel": "email", "received_on": "2026-01-05", "message": "Great help"})), "compliment_posted", json!({}), json!({"person_id": d.peer, "giver_name": "A client", "giver_affiliation": "", "channel": "email", "received_on": "2026-01-05", "message": "Great help"})).await;
        assert_eq!((event["subject_id"].as_i64(), &event["person"]["id"]), (compliment["id"].as_i64(), &json!(d.peer)));
        one_event(&app, &cio, d.cio, (Method::POST, "/api/v1/announcements", json!({"kind": "upgrade", "title": "New printers", "body": "On every floor."})), "announcement_posted", json!({}), json!({"kind": "upgrade", "title": "New printers", "body": "On every floor."})).await;
    }
}

both_backends! {
    async fn a_change_refused_by_its_rules_writes_no_event(app) {
        let d = app.department().await;
        let cio = app.token("cio@example.org").await;
        let fixture = app.plan_and_cycle(&cio).await;
        let (status, skill) = app.post_json(&cio, "/api/v1/skills", json!({"name": "Plain language", "category": "communication"})).await;
        assert_eq!(status, StatusCode::CREATED);
        app.post_json(&cio, "/api/v1/skills", json!({"name": "Networking", "category": "technical"})).await;
        let (status, trophy) = app.post_json(&cio, "/api/v1/trophies", json!({"name": "Trophy", "holder_id": d.peer})).await;
        assert_eq!(status, StatusCode::CREATED);
        let before = everything(&app, &cio).await.len();
        let person = |id: i32| format!("/api/v1/people/{id}");
        for (method, path, body, expected) in [
            // The lead manages people, so cannot become an advisor: refused after reading.
            (Method::PATCH, person(d.lead), json!({"role": "advisor"}), StatusCode::UNPROCESSABLE_ENTITY),
            (Method::PATCH, person(d.engineer), json!({"role": "cio", "email": "not an email"}), StatusCode::UNPROCESSABLE_ENTITY),
            (Method::PATCH, person(d.lead), json!({"manager_id": d.engineer}), StatusCode::UNPROCESSABLE_ENTITY),
            (Method::PATCH, person(d.cio), json!({"active": false}), StatusCode::CONFLICT),
            (Method::PATCH, format!("/api/v1/skills/{}", skill["id"]), json!({"name": "networking", "retired": true}), StatusCode::CONFLICT),
            (Method::POST, format!("/api/v1/cycles/{}/phase", fixture.cycle), json!({"phase": "closed"}), StatusCode::CONFLICT),
            (Method::POST, format!("/api/v1/trophies/{}/reassignments", trophy["id"]), json!({"receiver_id": d.engineer, "reason": "Pat is still here."}), StatusCode::CONFLICT),
            (Method::POST, "/api/v1/compliments".to_owned(), json!({"person_id": 9999, "giver_name": "A client", "channel": "email", "received_on": "2026-01-05", "message": "Great help"}), StatusCode::UNPROCESSABLE_ENTITY),
        ] {
            let (status, problem, _) = send(&app, method, &cio, &path, body.clone()).await;
            assert_eq!(status, expected, "{path} {body}: {problem}");
        }
        assert_eq!(everything(&app, &cio).await.len(), before, "nothing refused is on the trail");
    }
}

both_backends! {
    async fn only_the_cio_reads_the_trail_and_everyone_else_finds_nothing(app) {
        app.department().await;
        let cio = app.token("cio@example.org").await;
        let (status, page) = app.get_json(&cio, "/api/v1/audit").await;
        assert_eq!((status, page["items"].as_array().map(Vec::len)), (StatusCode::OK, Some(0)));
        let (status, _) = app.get_json(&cio, "/api/v1/audit.csv").await;
        assert_eq!(status, StatusCode::OK);
        let browser = app.signed_in("cio@example.org").await;
        let html = browser.get_html("/audit").await;
        assert!(html.contains("<h1>Audit trail</h1>"));
        assert!(browser.get_html("/people").await.contains(r#"href="/audit""#), "the cio's navigation offers it");
        assert_eq!(browser.get("/audit.csv").await.status(), StatusCode::OK);
        for email in ["lead@example.org", "eng@example.org", "advisor@example.org"] {
            let token = app.token(email).await;
            for path in ["/api/v1/audit", "/api/v1/audit.csv", "/api/v1/audit?kind=nonsense"] {
                let (status, _) = app.get_json(&token, path).await;
                assert_eq!(status, StatusCode::NOT_FOUND, "{email} {path}");
            }
            let browser = app.signed_in(email).await;
            for path in ["/audit", "/audit.csv"] {
                assert_eq!(browser.get(path).await.status(), StatusCode::NOT_FOUND, "{email} {path}");
            }
            assert!(!browser.get_html("/people").await.contains(r#"href="/audit""#), "{email} is not offered it");
        }
        let response = app.api.get(app.url("/api/v1/audit")).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        let response = app.browser().get("/audit").await;
        assert_eq!((response.status(), response.headers()["location"].to_str().unwrap()), (StatusCode::SEE_OTHER, "/sign-in?next=%2Faudit"));
    }
}

both_backends! {
    async fn the_trail_filters_by_person_kind_and_day_and_pages_without_gaps_or_repeats(app) {
        let d = app.department().await;
        let cio = app.token("cio@example.org").await;
        for round in 0..4 {
            app.post_json(&cio, "/api/v1/skills", json!({"name": format!("Skill {round}"), "category": "technical"})).await;
            for id in [d.engineer, d.peer] {
                app.patch_json(&cio, &format!("/api/v1/people/{id}"), json!({"active": round % 2 == 1})).await;
            }
        }
        let all = everything(&app, &cio).await;
        assert_eq!(all.len(), 12);
        let ids: Vec<i64> = all.iter().map(|e| e["id"].as_i64().unwrap()).collect();
        let mut paged = Vec::new();
        let mut path = "/api/v1/audit?limit=5".to_owned();
        loop {
            let (status, page) = app.get_json(&cio, &path).await;
            assert_eq!(status, StatusCode::OK, "{page}");
            paged.extend(page["items"].as_array().unwrap().iter().map(|e| e["id"].as_i64().unwrap()));
            match page["next"].as_str() {
                Some(next) => path = format!("/api/v1/audit?limit=5&after={next}"),
                None => break,
            }
        }
        assert_eq!(paged, ids, "pages of five give every event once, newest first");
        let about = |path: String| {
            let app = &app;
            let cio = &cio;
            async move {
                let (status, page) = app.get_json(cio, &path).await;
                assert_eq!(status, StatusCode::OK, "{path}: {page}");
                page["items"].as_array().unwrap().clone()
            }
        };
        let engineer = about(format!("/api/v1/audit?person={}", d.engineer)).await;
        assert_eq!(engineer.len(), 4);
        assert!(engineer.iter().all(|e| e["person"]["id"] == d.engineer));
        let filtered = about(format!("/api/v1/audit?person={}&kind=active_changed&limit=3", d.peer)).await;
        assert_eq!(filtered.len(), 3);
        assert_eq!(about("/api/v1/audit?kind=skill_added".into()).await.len(), 4);
        let today = chrono::Utc::now().date_naive();
        let (yesterday, tomorrow) = (today.pred_opt().unwrap(), today.succ_opt().unwrap());
        assert_eq!(about(format!("/api/v1/audit?from={today}&to={today}&limit=200")).await.len(), 12);
        assert_eq!(about(format!("/api/v1/audit?from={tomorrow}")).await.len(), 0);
        assert_eq!(about(format!("/api/v1/audit?to={yesterday}")).await.len(), 0);
        // The page shows the same, with its filters kept in the form and the next link.
        let browser = app.signed_in("cio@example.org").await;
        let html = browser.get_html(&format!("/audit?person={}&kind=active_changed", d.peer)).await;
        assert_eq!(html.matches("Active state changed <span").count(), 4, "{html}");
        assert!(html.contains(&format!(r#"<option value="{}" selected>"#, d.peer)));
        assert!(html.contains(&format!(r#"href="/audit.csv?person={}&#38;kind=active_changed""#, d.peer)), "the CSV link keeps the filters");
    }
}

both_backends! {
    async fn filters_that_cannot_be_used_are_a_422_naming_the_field(app) {
        app.department().await;
        let cio = app.token("cio@example.org").await;
        for (query, field, message) in [
            ("kind=promoted", "kind", "Choose one of: role_changed, manager_changed,"),
            ("from=2026-02-30", "from", "Write the date as YYYY-MM-DD."),
            ("to=yesterday", "to", "Write the date as YYYY-MM-DD."),
            ("from=2026-12-05&to=2026-12-01", "to", "The last day comes before the first; swap them or widen the range."),
            ("after=not-a-cursor", "after", "This cursor is not one we gave out."),
            ("person=Erin", "person", "Choose a person by their id."),
        ] {
            for path in [format!("/api/v1/audit?{query}"), format!("/api/v1/audit.csv?{query}")] {
                let (status, problem) = app.get_json(&cio, &path).await;
                assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{path}: {problem}");
                assert_eq!(error_fields(&problem), [field], "{path}: {problem}");
                assert!(problem["errors"][0]["message"].as_str().unwrap().starts_with(message), "{path}: {problem}");
            }
            let browser = app.signed_in("cio@example.org").await;
            let response = browser.get(&format!("/audit?{query}")).await;
            assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY, "{query}");
            let html = response.text().await.unwrap();
            assert!(html.contains(&format!(r#"id="{field}-error""#)), "{query}: {html}");
        }
        let (status, problem) = app.get_json(&cio, "/api/v1/audit?limit=0").await;
        assert_eq!((status, error_fields(&problem)), (StatusCode::UNPROCESSABLE_ENTITY, vec!["limit".to_owned()]));
    }
}

both_backends! {
    async fn the_csv_export_reads_back_with_formulas_neutralised(app) {
        let d = app.department().await;
        let cio = app.token("cio@example.org").await;
        let sly = app.add_person("sly@example.org", "=HYPERLINK(\"http://x\")", "staff", Some(d.cio)).await;
        app.patch_json(&cio, &format!("/api/v1/people/{sly}"), json!({"role": "advisor", "manager_id": null})).await;
        app.post_json(&cio, "/api/v1/skills", json!({"name": "+Plain language", "category": "communication"})).await;
        let response = app.api.get(app.url("/api/v1/audit.csv")).bearer_auth(&cio).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(response.headers()["content-type"], "text/csv; charset=utf-8");
        let text = response.text().await.unwrap();
        let mut reader = csv::Reader::from_reader(text.as_bytes());
        let header: Vec<String> = reader.headers().unwrap().iter().map(str::to_owned).collect();
        assert_eq!(header, ["id", "at", "actor_id", "actor", "kind", "subject_kind", "subject_id", "person_id", "person", "before", "after", "request_id"]);
        let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
        let kinds: Vec<&str> = rows.iter().map(|r| &r[4]).collect();
        assert_eq!(kinds, ["skill_added", "manager_changed", "role_changed"]);
        let role = &rows[2];
        assert_eq!(&role[8], "'=HYPERLINK(\"http://x\")", "a name a spreadsheet would run is neutralised");
        assert_eq!((&role[3], &role[7]), ("Carla CIO", sly.to_string().as_str()));
        let before: Value = serde_json::from_str(&role[9]).unwrap();
        assert_eq!(before, json!({"role": "staff"}));
        let added: Value = serde_json::from_str(&rows[0][10]).unwrap();
        assert_eq!(added["name"], "+Plain language", "JSON cells start with a brace and stay as they are");
        // The CSV takes the same filters, and the page's link gives the same file.
        let only = app.api.get(app.url("/api/v1/audit.csv?kind=role_changed")).bearer_auth(&cio).send().await.unwrap().text().await.unwrap();
        assert_eq!(only.lines().count(), 2, "{only}");
        let browser = app.signed_in("cio@example.org").await;
        let page_csv = browser.get("/audit.csv?kind=role_changed").await.text().await.unwrap();
        assert_eq!(page_csv.lines().count(), 2);
        assert!(page_csv.contains("role_changed"));
    }
}

both_backends! {
    async fn the_table_refuses_to_change_or_lose_a_row(app) {
        let d = app.department().await;
        let cio = app.token("cio@example.org").await;
        app.patch_json(&cio, &format!("/api/v1/people/{}", d.peer), json!({"active": false})).await;
        let mut statements = vec![
            "UPDATE audit_events SET kind = 'role_changed'",
            "UPDATE audit_events SET after = '{}' WHERE id = (SELECT MIN(id) FROM audit_events)",
            "DELETE FROM audit_events",
        ];
        if app.db().backend() == sea_orm::DbBackend::Postgres {
            statements.push("TRUNCATE audit_events");
        }
        for sql in statements {
            let txn = app.db().write().await.unwrap();
            let refused = txn.execute_unprepared(sql).await;
            let err = refused.expect_err(sql).to_string();
            assert!(err.contains("audit_events is append-only"), "{sql}: {err}");
        }
        let all = everything(&app, &cio).await;
        assert_eq!(all.len(), 1);
        assert_eq!((all[0]["kind"].as_str(), &all[0]["after"]), (Some("active_changed"), &json!({"active": false})));
    }
}

both_backends! {
    async fn a_sign_in_lockout_writes_one_event_without_an_actor(app) {
        let d = app.department().await;
        let cio = app.token("cio@example.org").await;
        let browser = app.browser();
        for attempt in 1..=5 {
            let response = browser.sign_in("Eng@example.org", "not the password").await;
            assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "attempt {attempt}");
            let locked = events(&app, &cio, "sign_in_locked").await;
            assert_eq!(locked.len(), usize::from(attempt == 5), "attempt {attempt}");
        }
        let response = browser.sign_in("eng@example.org", "not the password").await;
        assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
        let locked = events(&app, &cio, "sign_in_locked").await;
        assert_eq!(locked.len(), 1, "a refused attempt locks nothing more");
        let event = &locked[0];
        assert!(event.get("actor").is_none(), "nobody was signed in: {event}");
        assert_eq!((event["subject_kind"].as_str(), &event["person"]["id"]), (Some("account"), &json!(d.engineer)));
        assert_eq!(event["after"]["email"], "eng@example.org");
        assert_eq!(event["after"]["address"], "127.0.0.1");
        assert_eq!(event["after"]["locked"], json!(["account_from_address"]));
        assert!(event["request_id"].as_str().is_some_and(|id| !id.is_empty()));
        // An unknown email locks too, naming nobody.
        let stranger = app.browser();
        for _ in 0..5 {
            stranger.sign_in("nobody@example.org", "guess").await;
        }
        let locked = events(&app, &cio, "sign_in_locked").await;
        assert_eq!(locked.len(), 2);
        assert!(locked[0].get("person").is_none() && locked[0].get("subject_id").is_none(), "{}", locked[0]);
    }
}
