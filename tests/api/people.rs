//! The people API: who may do what, and every bad input with its exact status and field.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::*;

fn valid_person() -> Value {
    json!({
        "email": "new.person@example.org",
        "name": "New Person",
        "job_title": "Desktop support",
        "team": "Service Desk",
        "role": "staff",
    })
}

both_backends! {
    async fn the_cio_adds_a_person_who_can_then_sign_in(app) {
        let d = app.department().await;
        let cio = app.token("cio@example.org").await;
        let mut body = valid_person();
        body["manager_id"] = json!(d.lead);
        body["password"] = json!("a good long password");
        let response = app.api.post(app.url("/api/v1/people")).bearer_auth(&cio).json(&body).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::CREATED);
        let location = response.headers()["location"].to_str().unwrap().to_owned();
        let (_, created) = split(response).await;
        assert_eq!(location, format!("/api/v1/people/{}", created["id"]));
        assert_eq!(created["email"], "new.person@example.org");
        assert_eq!(created["manager"]["id"], d.lead);
        assert_eq!(created["manager"]["name"], "Lee Lead");
        assert_eq!(created["can_sign_in"], true);
        assert!(created.get("password").is_none(), "the password is never returned");

        let (status, profile) = app.get_json(&cio, &location).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(profile["name"], "New Person");
        let response = app.browser().sign_in("NEW.PERSON@example.org", "a good long password").await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "emails are matched without case");
    }
}

both_backends! {
    async fn only_the_cio_may_add_or_edit_people(app) {
        let d = app.department().await;
        for email in ["lead@example.org", "eng@example.org", "advisor@example.org"] {
            let token = app.token(email).await;
            let (status, problem) = app.post_json(&token, "/api/v1/people", valid_person()).await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{email} adding");
            assert_eq!(problem["detail"], "Only the cio can add, edit or deactivate people.");
            let (status, _) = app.patch_json(&token, &format!("/api/v1/people/{}", d.peer), json!({"name": "Renamed"})).await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{email} editing");
        }
        let cio = app.token("cio@example.org").await;
        let (_, peer) = app.get_json(&cio, &format!("/api/v1/people/{}", d.peer)).await;
        assert_eq!(peer["name"], "Pat Peer", "nothing changed");
    }
}

both_backends! {
    async fn everyone_signed_in_reads_the_directory(app) {
        let d = app.department().await;
        for email in ["cio@example.org", "eng@example.org", "advisor@example.org"] {
            let token = app.token(email).await;
            let (status, page) = app.get_json(&token, "/api/v1/people").await;
            assert_eq!(status, StatusCode::OK, "{email}");
            let names: Vec<&str> = page["items"].as_array().unwrap().iter().map(|p| p["name"].as_str().unwrap()).collect();
            assert_eq!(names, ["Ada Advisor", "Carla CIO", "Erin Engineer", "Lee Lead", "Pat Peer"]);
            let (status, lead) = app.get_json(&token, &format!("/api/v1/people/{}", d.lead)).await;
            assert_eq!(status, StatusCode::OK);
            let reports: Vec<&str> = lead["reports"].as_array().unwrap().iter().map(|p| p["name"].as_str().unwrap()).collect();
            assert_eq!(reports, ["Erin Engineer", "Pat Peer"]);
        }
    }
}

both_backends! {
    async fn the_directory_pages_with_a_cursor_and_filters(app) {
        app.department().await;
        let token = app.token("cio@example.org").await;
        let mut seen = Vec::new();
        let mut path = "/api/v1/people?limit=2".to_owned();
        loop {
            let (status, page) = app.get_json(&token, &path).await;
            assert_eq!(status, StatusCode::OK);
            let items = page["items"].as_array().unwrap();
            assert!(items.len() <= 2);
            seen.extend(items.iter().map(|p| p["name"].as_str().unwrap().to_owned()));
            match page["next"].as_str() {
                Some(next) => path = format!("/api/v1/people?limit=2&after={next}"),
                None => break,
            }
        }
        assert_eq!(seen, ["Ada Advisor", "Carla CIO", "Erin Engineer", "Lee Lead", "Pat Peer"]);

        let (_, found) = app.get_json(&token, "/api/v1/people?q=ENGINEER").await;
        // Everyone in the set-up is an "Engineer" by job title, so the title matches all.
        assert_eq!(found["items"].as_array().unwrap().len(), 5, "job titles match too");
        let (_, found) = app.get_json(&token, "/api/v1/people?q=erin").await;
        assert_eq!(found["items"][0]["name"], "Erin Engineer");

        for bad in ["limit=0", "limit=201", "after=garbage"] {
            let (status, problem) = app.get_json(&token, &format!("/api/v1/people?{bad}")).await;
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
            assert_eq!(error_fields(&problem).len(), 1, "{bad}");
        }
    }
}

both_backends! {
    async fn deactivated_people_leave_the_directory_but_stay_on_record(app) {
        let d = app.department().await;
        let cio = app.token("cio@example.org").await;
        let (status, person) = app.patch_json(&cio, &format!("/api/v1/people/{}", d.peer), json!({"active": false})).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(person["active"], false);
        let (_, page) = app.get_json(&cio, "/api/v1/people").await;
        assert!(!page["items"].as_array().unwrap().iter().any(|p| p["id"] == d.peer));
        let (_, page) = app.get_json(&cio, "/api/v1/people?include_inactive=true").await;
        assert!(page["items"].as_array().unwrap().iter().any(|p| p["id"] == d.peer));
        let (status, _) = app.get_json(&cio, &format!("/api/v1/people/{}", d.peer)).await;
        assert_eq!(status, StatusCode::OK);
        let (status, person) = app.patch_json(&cio, &format!("/api/v1/people/{}", d.peer), json!({"active": true})).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(person["active"], true);
    }
}

both_backends! {
    async fn the_last_active_cio_cannot_be_deactivated_or_demoted(app) {
        let d = app.department().await;
        let cio = app.token("cio@example.org").await;
        for change in [json!({"active": false}), json!({"role": "staff"})] {
            let (status, problem) = app.patch_json(&cio, &format!("/api/v1/people/{}", d.cio), change.clone()).await;
            assert_eq!(status, StatusCode::CONFLICT, "{change}");
            assert!(problem["detail"].as_str().unwrap().contains("only active cio"));
        }
        // With a second cio it is fine.
        app.patch_json(&cio, &format!("/api/v1/people/{}", d.lead), json!({"role": "cio"})).await;
        let (status, _) = app.patch_json(&cio, &format!("/api/v1/people/{}", d.cio), json!({"role": "staff"})).await;
        assert_eq!(status, StatusCode::OK);
    }
}

both_backends! {
    async fn bad_new_people_get_422_naming_each_field(app) {
        let d = app.department().await;
        let cio = app.token("cio@example.org").await;
        let long = "x".repeat(201);
        let with = |field: &str, value: Value| {
            let mut body = valid_person();
            body[field] = value;
            body
        };
        let without = |field: &str| {
            let mut body = valid_person();
            body.as_object_mut().unwrap().remove(field);
            body
        };
        #[rustfmt::skip]
        let cases: Vec<(&str, Value, Vec<&str>)> = vec![
            ("missing email",        without("email"),                         vec!["email"]),
            ("missing name",         without("name"),                          vec!["name"]),
            ("missing role",         without("role"),                          vec!["role"]),
            ("everything missing",   json!({}),                                vec!["email", "name", "role"]),
            ("blank name",           with("name", json!("   ")),               vec!["name"]),
            ("name too long",        with("name", json!(long)),                vec!["name"]),
            ("job title too long",   with("job_title", json!(long)),           vec!["job_title"]),
            ("team too long",        with("team", json!(long)),                vec!["team"]),
            ("a control character",  with("name", json!("New\u{0007}Person")), vec!["name"]),
            ("a NUL in the team",    with("team", json!("Desk\u{0000}")),     vec!["team"]),
            ("email without at",     with("email", json!("new.person")),       vec!["email"]),
            ("email without domain", with("email", json!("new@")),             vec!["email"]),
            ("email with a space",   with("email", json!("new person@example.org")), vec!["email"]),
            ("unknown role",         with("role", json!("manager")),           vec!["role"]),
            ("unknown manager",      with("manager_id", json!(9999)),          vec!["manager_id"]),
            ("short password",       with("password", json!("short")),         vec!["password"]),
            ("huge password",        with("password", json!("p".repeat(1025))), vec!["password"]),
            ("email too long",       with("email", json!(format!("{}@example.org", "a".repeat(250)))), vec!["email"]),
        ];
        for (case, body, fields) in cases {
            let (status, problem) = app.post_json(&cio, "/api/v1/people", body).await;
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{case}");
            assert_eq!(problem["status"], 422, "{case}");
            assert_eq!(error_fields(&problem), fields, "{case}");
        }
        let (status, problem) = app.post_json(&cio, "/api/v1/people", with("email", json!("ENG@Example.ORG"))).await;
        assert_eq!(status, StatusCode::CONFLICT, "the same email in other letters");
        assert_eq!(error_fields(&problem), ["email"]);
        // A body that is not JSON is 400; JSON of the wrong shape is 422 on the field.
        let response = app.api.post(app.url("/api/v1/people")).bearer_auth(&cio).header("content-type", "application/json").body("{not json").send().await.unwrap();
        assert_eq!(response.status(), StatusCode::BAD_REQUEST);
        assert_eq!(response.headers()["content-type"], "application/problem+json");
        let (status, problem) = app.post_json(&cio, "/api/v1/people", with("manager_id", json!("lead"))).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(error_fields(&problem), ["manager_id"]);
        // Nothing was written by any of it.
        let (_, page) = app.get_json(&cio, "/api/v1/people?include_inactive=true").await;
        assert_eq!(page["items"].as_array().unwrap().len(), 5);
        let _ = d;
    }
}

both_backends! {
    async fn a_manager_chain_cannot_loop(app) {
        let d = app.department().await;
        let cio = app.token("cio@example.org").await;
        // The lead cannot report to their own report, nor to their report's report.
        let grand = app.add_person("grand@example.org", "Gus Grandreport", "staff", Some(d.engineer)).await;
        #[rustfmt::skip]
        let cases = [
            ("self",              d.lead, d.lead),
            ("direct report",     d.lead, d.engineer),
            ("report's report",   d.lead, grand),
            ("top of the chain",  d.cio,  grand),
        ];
        for (case, person, manager) in cases {
            let (status, problem) = app.patch_json(&cio, &format!("/api/v1/people/{person}"), json!({"manager_id": manager})).await;
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{case}");
            assert_eq!(error_fields(&problem), ["manager_id"], "{case}");
        }
        // Moving sideways is fine, and so is removing the manager.
        let (status, moved) = app.patch_json(&cio, &format!("/api/v1/people/{}", d.engineer), json!({"manager_id": d.cio})).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(moved["manager"]["id"], d.cio);
        let (status, moved) = app.patch_json(&cio, &format!("/api/v1/people/{}", d.engineer), json!({"manager_id": null})).await;
        assert_eq!(status, StatusCode::OK);
        assert!(moved["manager"].is_null());
    }
}

both_backends! {
    async fn bad_edits_get_the_same_field_errors_and_change_nothing(app) {
        let d = app.department().await;
        let cio = app.token("cio@example.org").await;
        let path = format!("/api/v1/people/{}", d.peer);
        #[rustfmt::skip]
        let cases: Vec<(Value, StatusCode, Vec<&str>)> = vec![
            (json!({"email": "not an email"}),      StatusCode::UNPROCESSABLE_ENTITY, vec!["email"]),
            (json!({"email": "LEAD@example.org"}),  StatusCode::CONFLICT,             vec!["email"]),
            (json!({"name": ""}),                   StatusCode::UNPROCESSABLE_ENTITY, vec!["name"]),
            (json!({"role": "boss"}),               StatusCode::UNPROCESSABLE_ENTITY, vec!["role"]),
            (json!({"manager_id": 424242}),         StatusCode::UNPROCESSABLE_ENTITY, vec!["manager_id"]),
            (json!({"name": "", "role": "x"}),      StatusCode::UNPROCESSABLE_ENTITY, vec!["name", "role"]),
            (json!({"name": "Ok", "email": "bad"}), StatusCode::UNPROCESSABLE_ENTITY, vec!["email"]),
        ];
        for (body, status, fields) in cases {
            let (got, problem) = app.patch_json(&cio, &path, body.clone()).await;
            assert_eq!(got, status, "{body}");
            assert_eq!(error_fields(&problem), fields, "{body}");
        }
        let (_, peer) = app.get_json(&cio, &path).await;
        assert_eq!(peer["name"], "Pat Peer");
        assert_eq!(peer["email"], "peer@example.org");
        let (status, _) = app.patch_json(&cio, "/api/v1/people/999999", json!({"name": "Ghost"})).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }
}

both_backends! {
    async fn a_manager_is_anyone_with_reports(app) {
        app.department().await;
        let lead = app.token("lead@example.org").await;
        let engineer = app.token("eng@example.org").await;
        assert_eq!(app.get_json(&lead, "/api/v1/me").await.1["is_manager"], true);
        assert_eq!(app.get_json(&engineer, "/api/v1/me").await.1["is_manager"], false);
    }
}

both_backends! {
    async fn someone_with_reports_becomes_an_advisor_only_after_they_are_reassigned(app) {
        let d = app.department().await;
        let cio = app.token("cio@example.org").await;
        let lead = format!("/api/v1/people/{}", d.lead);
        let (status, problem) = app.patch_json(&cio, &lead, json!({"role": "advisor"})).await;
        assert_eq!((status, error_fields(&problem)), (StatusCode::UNPROCESSABLE_ENTITY, vec!["role".to_owned()]));
        assert!(problem["errors"][0]["message"].as_str().unwrap().contains("manages 2 active people"), "{problem}");
        let (_, unchanged) = app.get_json(&cio, &lead).await;
        assert_eq!(unchanged["role"], "staff", "nothing changed");
        for report in [d.engineer, d.peer] {
            app.patch_json(&cio, &format!("/api/v1/people/{report}"), json!({"manager_id": d.cio})).await;
        }
        let (status, changed) = app.patch_json(&cio, &lead, json!({"role": "advisor", "manager_id": null})).await;
        assert_eq!(status, StatusCode::OK, "{changed}");
    }
}

both_backends! {
    async fn editing_someone_whose_manager_left_keeps_that_manager(app) {
        let d = app.department().await;
        let cio = app.token("cio@example.org").await;
        app.patch_json(&cio, &format!("/api/v1/people/{}", d.lead), json!({"active": false})).await;
        let browser = app.signed_in("cio@example.org").await;
        let edit = format!("/people/{}/edit", d.engineer);
        let html = browser.get_html(&edit).await;
        assert!(html.contains(&format!(r#"<option value="{}" selected>Lee Lead (no longer active)</option>"#, d.lead)), "{html}");
        let lead = d.lead.to_string();
        let response = browser.post_form(&edit, &format!("/people/{}", d.engineer), &[("email", "eng@example.org"), ("name", "Erin Engineer"), ("job_title", "Network engineer"), ("team", "Service Desk"), ("role", "staff"), ("manager_id", &lead)]).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        let (_, erin) = app.get_json(&cio, &format!("/api/v1/people/{}", d.engineer)).await;
        assert_eq!((erin["job_title"].as_str(), erin["manager"]["id"].as_i64()), (Some("Network engineer"), Some(i64::from(d.lead))), "{erin}");
    }
}

both_backends! {
    async fn an_inactive_person_cannot_become_a_manager(app) {
        let d = app.department().await;
        let cio = app.token("cio@example.org").await;
        app.patch_json(&cio, &format!("/api/v1/people/{}", d.peer), json!({"active": false})).await;
        let mut body = valid_person();
        body["manager_id"] = json!(d.peer);
        let (status, problem) = app.post_json(&cio, "/api/v1/people", body).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(error_fields(&problem), ["manager_id"]);
        assert!(problem["errors"][0]["message"].as_str().unwrap().contains("no longer active"));
    }
}

both_backends! {
    async fn odd_requests_get_exact_answers(app) {
        app.department().await;
        let cio = app.token("cio@example.org").await;
        let (status, problem) = app.get_json(&cio, "/api/v1/people/424242").await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert_eq!(problem["status"], 404);
        let (status, problem) = app.get_json(&cio, "/api/v1/people/not-a-number").await;
        assert_eq!(status, StatusCode::NOT_FOUND, "an id that is not a number names nothing");
        assert_eq!(problem["status"], 404);
        let (status, problem) = app.patch_json(&cio, "/api/v1/people/1", json!({"active": "yes"})).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(error_fields(&problem), ["active"]);
        assert_eq!(problem["errors"][0]["message"], "Send true or false.");
    }
}

both_backends! {
    async fn the_directory_filters_by_team_and_searches_literally(app) {
        let d = app.department().await;
        let cio = app.token("cio@example.org").await;
        app.patch_json(&cio, &format!("/api/v1/people/{}", d.peer), json!({"team": "Infra", "name": "Pat 100%_Peer"})).await;
        let (_, page) = app.get_json(&cio, "/api/v1/people?team=Infra").await;
        let names: Vec<&str> = page["items"].as_array().unwrap().iter().map(|p| p["name"].as_str().unwrap()).collect();
        assert_eq!(names, ["Pat 100%_Peer"]);
        let (_, page) = app.get_json(&cio, "/api/v1/people?q=100%25_").await;
        assert_eq!(page["items"].as_array().unwrap().len(), 1, "% and _ match themselves");
        let (_, page) = app.get_json(&cio, "/api/v1/people?q=_").await;
        assert_eq!(page["items"].as_array().unwrap().len(), 1, "_ is not a wildcard");
    }
}

both_backends! {
    async fn a_refused_deactivation_shows_on_the_profile_it_came_from(app) {
        let d = app.department().await;
        let cio = app.signed_in("cio@example.org").await;
        let profile = format!("/people/{}", d.cio);
        let response = cio.post_form(&profile, &format!("/people/{}/deactivate", d.cio), &[]).await;
        assert_eq!(response.status(), StatusCode::CONFLICT);
        let html = response.text().await.unwrap();
        assert!(html.contains(r#"<div class="alert" role="alert"><p>This is the only active cio;"#), "{html}");
        assert!(html.contains(">Deactivate…<"), "the profile, with its buttons: {html}");
        assert!(!html.contains("Please correct"), "no field is at fault: {html}");
    }
}
