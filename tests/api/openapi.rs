//! The API contract: the committed document matches the code, and every operation but
//! the token exchange refuses anonymous callers, except the portal's reads when the
//! portal is public.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::*;

#[test]
fn the_committed_openapi_document_matches_the_code() {
    let generated = staffdev::api::spec_json();
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/openapi/openapi.json");
    if std::env::var("UPDATE_OPENAPI").is_ok_and(|v| v == "1") {
        std::fs::write(path, &generated).expect("write openapi/openapi.json");
    }
    let committed = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        committed == generated,
        "openapi/openapi.json differs from the code. Regenerate it with\n  \
         cargo run -- openapi > openapi/openapi.json\nand commit it."
    );
}

/// Operations anyone may call.
const PUBLIC_OPERATIONS: &[&str] = &["create_token"];

/// Operations anonymous callers may use when the portal is public: the read-only API of
/// the portal, trophies, notebooks, kudos, compliments and announcements. The document
/// says a token is optional for them (a bearer token, or no security requirement).
const PUBLIC_PORTAL_READS: &[&str] = &[
    "get_portal",
    "list_kudos",
    "list_trophies",
    "get_trophy",
    "get_trophy_notebook",
    "list_compliments",
    "list_announcements",
    "list_reports",
    "get_report",
];

/// Calls every operation of the document without a token, with every path parameter
/// `{…}` as `id`, and answers (operation id, method and path, status, content type).
async fn call_every_operation_anonymously(
    app: &TestApp,
    id: i64,
) -> Vec<(String, String, StatusCode, String)> {
    let spec: Value = serde_json::from_str(&staffdev::api::spec_json()).unwrap();
    let mut answers = Vec::new();
    for (path, operations) in spec["paths"].as_object().unwrap() {
        for (method, operation) in operations.as_object().unwrap() {
            let operation_id = operation["operationId"].as_str().unwrap().to_owned();
            let security = operation
                .get("security")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            let requires_token = !security.is_empty()
                && security
                    .iter()
                    .all(|s| s.as_object().is_some_and(|s| !s.is_empty()));
            let optional_token = security.len() == 2
                && security
                    .iter()
                    .any(|s| s.as_object().is_some_and(|s| s.is_empty()));
            if PUBLIC_OPERATIONS.contains(&operation_id.as_str()) {
                assert!(
                    security.is_empty(),
                    "{operation_id} is listed as public but asks for a token"
                );
                continue;
            }
            if PUBLIC_PORTAL_READS.contains(&operation_id.as_str()) {
                assert!(
                    optional_token,
                    "{operation_id} should say a token is optional: {security:?}"
                );
            } else {
                assert!(
                    requires_token,
                    "{operation_id} ({method} {path}) does not require a token: {security:?}"
                );
            }
            let concrete: String = path
                .split('/')
                .map(|part| {
                    if part.starts_with('{') {
                        id.to_string()
                    } else {
                        part.to_owned()
                    }
                })
                .collect::<Vec<_>>()
                .join("/");
            let method: Method = method.to_uppercase().parse().unwrap();
            let response = app
                .api
                .request(method.clone(), app.url(&format!("/api/v1{concrete}")))
                .json(&serde_json::json!({}))
                .send()
                .await
                .unwrap();
            let content_type = response
                .headers()
                .get("content-type")
                .map(|v| v.to_str().unwrap().to_owned())
                .unwrap_or_default();
            answers.push((
                operation_id,
                format!("{method} {path}"),
                response.status(),
                content_type,
            ));
        }
    }
    assert!(
        answers.len() >= 30,
        "only {} operations walked",
        answers.len()
    );
    answers
}

both_backends! {
    async fn every_operation_refuses_an_anonymous_caller(app) {
        app.department().await;
        for (_, operation, status, content_type) in call_every_operation_anonymously(&app, 1).await {
            assert_eq!(status, StatusCode::UNAUTHORIZED, "{operation}");
            assert_eq!(content_type, "application/problem+json", "{operation}");
        }
    }
}

both_backends! {
    async fn with_a_public_portal_only_its_reads_answer_an_anonymous_caller(
        app,
        settings = |s: &mut staffdev::config::Settings| s.portal_public = true
    ) {
        let d = app.department().await;
        let cio = app.token("cio@example.org").await;
        let (status, trophy) = app
            .post_json(&cio, "/api/v1/trophies", serde_json::json!({"name": "The Big Ugly Trophy", "description": "Inflatable.", "holder_id": d.engineer}))
            .await;
        assert_eq!(status, StatusCode::CREATED);
        let trophy = trophy["id"].as_i64().unwrap();
        // A report with the same id, so the anonymous read of `/reports/{id}` finds one.
        let (status, report) = app
            .post_json(&cio, "/api/v1/reports", serde_json::json!({"title": "Annual report", "introduction": ""}))
            .await;
        assert_eq!((status, report["id"].as_i64()), (StatusCode::CREATED, Some(trophy)), "{report}");
        let mut opened = Vec::new();
        for (operation_id, operation, status, content_type) in call_every_operation_anonymously(&app, trophy).await {
            if PUBLIC_PORTAL_READS.contains(&operation_id.as_str()) {
                assert_eq!(status, StatusCode::OK, "{operation}");
                opened.push(operation_id);
            } else {
                assert_eq!(status, StatusCode::UNAUTHORIZED, "{operation}");
                assert_eq!(content_type, "application/problem+json", "{operation}");
            }
        }
        assert_eq!(opened.len(), PUBLIC_PORTAL_READS.len(), "{opened:?}");
    }
}

both_backends! {
    async fn the_spec_and_the_docs_are_served(app) {
        let response = app.api.get(app.url("/api/openapi.json")).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        let served: Value = response.json().await.unwrap();
        let generated: Value = serde_json::from_str(&staffdev::api::spec_json()).unwrap();
        assert_eq!(served, generated);
        let response = app.api.get(app.url("/api/docs")).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        assert!(response.text().await.unwrap().contains("swagger"));
    }
}

// What the document refuses, the service refuses the house way: 422 problem+json naming
// the field, with a sentence. Before, a wrong type was a 400 naming only a Rust type.
both_backends! {
    async fn a_body_the_document_refuses_is_a_422_naming_the_field(app) {
        let d = app.department().await;
        let cio = app.token("cio@example.org").await;
        let today = chrono::Utc::now().date_naive().to_string();
        let compliment = json!({"person_id": d.engineer, "giver_name": "Prof. Alvarez", "channel": "email", "received_on": today, "message": "Thank you."});
        let with = |base: &Value, key: &str, value: Value| {
            let mut body = base.clone();
            body[key] = value;
            body
        };
        let without = |base: &Value, key: &str| {
            let mut body = base.clone();
            body.as_object_mut().unwrap().remove(key);
            body
        };
        #[rustfmt::skip]
        let cases: Vec<(&str, Value, &str, &str)> = vec![
            ("/api/v1/kudos", json!({"recipient_ids": "x", "message": "Thanks!"}), "recipient_ids", "Send a list."),
            ("/api/v1/kudos", json!({"recipient_ids": [d.peer, "x"], "message": "Thanks!"}), "recipient_ids[1]", "Enter a whole number."),
            ("/api/v1/kudos", json!({"recipient_ids": [], "message": "Thanks!"}), "recipient_ids", "Send at least 1 item."),
            ("/api/v1/kudos", json!({"recipient_ids": [d.peer]}), "message", "This field is required."),
            ("/api/v1/kudos", json!({"recipient_ids": [d.peer], "message": null}), "message", "Send a value, or leave the field out."),
            ("/api/v1/compliments", with(&compliment, "received_on", json!("2026-02-30")), "received_on", "Enter a real date as YYYY-MM-DD."),
            ("/api/v1/compliments", with(&compliment, "received_on", json!("2026-2-3")), "received_on", "Enter a real date as YYYY-MM-DD."),
            ("/api/v1/compliments", with(&compliment, "channel", json!("pigeon")), "channel", "Choose one of: email, phone, in_person, letter, survey, social, client_survey, other."),
            ("/api/v1/compliments", without(&compliment, "person_id"), "person_id", "This field is required."),
            ("/api/v1/compliments", with(&compliment, "person_id", json!(1.5)), "person_id", "Enter a whole number."),
            ("/api/v1/compliments", with(&compliment, "giver_name", json!(7)), "giver_name", "Send text."),
            ("/api/v1/compliments", with(&compliment, "message", json!("x".repeat(2001))), "message", "Keep this to 2000 characters or fewer."),
            ("/api/v1/announcements", json!({"kind": "party", "title": "Hi"}), "kind", "Choose one of: new_service, proactive_work, upgrade, accomplishment, other."),
            ("/api/v1/people", json!({"email": "new@example.org", "name": "New", "role": "boss"}), "role", "Choose one of: staff, cio, advisor."),
            ("/api/v1/people", json!({"email": "new@example.org", "name": "New", "role": "staff", "manager_id": "lead"}), "manager_id", "Enter a whole number."),
        ];
        for (path, body, field, message) in cases {
            let (status, problem) = app.post_json(&cio, path, body.clone()).await;
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{path} {body}");
            assert_eq!(problem["status"], 422, "{path} {body}");
            assert_eq!(error_fields(&problem), [field], "{path} {body}");
            assert_eq!(problem["errors"][0]["message"], message, "{path} {body}");
        }
        // A body that is not JSON is 400, and the wrong media type is 415: both documented.
        let response = app.api.post(app.url("/api/v1/kudos")).bearer_auth(&cio).header("content-type", "application/json").body("{").send().await.unwrap();
        assert_eq!(response.status(), StatusCode::BAD_REQUEST);
        assert_eq!(response.headers()["content-type"], "application/problem+json");
        let response = app.api.post(app.url("/api/v1/kudos")).bearer_auth(&cio).header("content-type", "text/plain").body("thanks").send().await.unwrap();
        assert_eq!(response.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
        assert_eq!(response.headers()["content-type"], "application/problem+json");
        let spec: Value = serde_json::from_str(&staffdev::api::spec_json()).unwrap();
        assert!(spec["paths"]["/kudos"]["post"]["responses"]["415"].is_object(), "415 is documented");
        // Nothing was written by any of it.
        let (_, wall) = app.get_json(&cio, "/api/v1/kudos").await;
        assert_eq!(wall["items"].as_array().unwrap().len(), 0);
    }
}

both_backends! {
    async fn a_parameter_out_of_its_range_is_a_422_naming_it(app) {
        app.department().await;
        let cio = app.token("cio@example.org").await;
        for (path, field, message) in [
            ("/api/v1/kudos?limit=0", "limit", "Enter a number of at least 1."),
            ("/api/v1/kudos?limit=201", "limit", "Enter a number of at most 200."),
            ("/api/v1/people?limit=-3", "limit", "Enter a whole number."),
        ] {
            let (status, problem) = app.get_json(&cio, path).await;
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{path}");
            assert_eq!(error_fields(&problem), [field], "{path}");
            assert_eq!(problem["errors"][0]["message"], message, "{path}");
        }
        let (status, _) = app.get_json(&cio, "/api/v1/people/abc").await;
        assert_eq!(status, StatusCode::NOT_FOUND, "an id that is not a number names nothing");
        let (status, page) = app.get_json(&cio, "/api/v1/kudos?limit=200").await;
        assert_eq!(status, StatusCode::OK, "{page}");
    }
}

both_backends! {
    async fn every_problem_carries_its_errors_list_and_a_405_says_what_is_allowed(app) {
        app.department().await;
        let cio = app.token("cio@example.org").await;
        let (status, problem) = app.get_json("", "/api/v1/me").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert_eq!(problem["errors"], json!([]));
        let (status, problem) = app.get_json(&cio, "/api/v1/people/424242").await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert_eq!(problem["errors"], json!([]));
        let response = app.api.put(app.url("/api/v1/kudos")).bearer_auth(&cio).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
        assert_eq!(response.headers()["allow"], "GET, POST");
        let response = app.api.delete(app.url("/api/v1/goals/7")).bearer_auth(&cio).send().await.unwrap();
        assert_eq!(response.headers()["allow"], "GET, PATCH");
    }
}

// No response says `null`: an optional value is an absent key (ARCHITECTURE.md, "The
// committed contract"), so a client generated from the document parses every answer.
both_backends! {
    async fn no_answer_of_a_demo_year_carries_a_null(app) {
        staffdev::demo::load(app.db()).await.expect("the demo loads");
        let spec: Value = serde_json::from_str(&staffdev::api::spec_json()).unwrap();
        let mut checked = 0;
        for email in [staffdev::demo::CIO_EMAIL, "sam.ito@example.org"] {
            let response = app.api.post(app.url("/api/v1/auth/tokens"))
                .json(&json!({"email": email, "password": staffdev::demo::PASSWORD}))
                .send().await.unwrap();
            let token = response.json::<Value>().await.unwrap()["token"].as_str().unwrap().to_owned();
            for (path, operations) in spec["paths"].as_object().unwrap() {
                // Only JSON answers can carry a null (a calendar file is text).
                let answers_json = operations["get"]["responses"]["200"]["content"]
                    .as_object()
                    .is_some_and(|content| content.keys().any(|k| k.starts_with("application/json")));
                if !answers_json {
                    continue;
                }
                // Ids 1 to 3 of everything, and the second cycle for cycle-scoped reads.
                for id in 1..=3 {
                    let concrete: String = path
                        .split('/')
                        .map(|part| match part {
                            "{id}" if path.starts_with("/cycles") => "2".to_owned(),
                            p if p.starts_with('{') => id.to_string(),
                            p => p.to_owned(),
                        })
                        .collect::<Vec<_>>()
                        .join("/");
                    let (status, body) = app.get_json(&token, &format!("/api/v1{concrete}")).await;
                    assert!(status.as_u16() < 500, "{concrete}: {status}");
                    if !status.is_success() {
                        assert!(body["errors"].is_array(), "{concrete}: {body}");
                    }
                    assert_no_null(&body, &concrete);
                    checked += 1;
                }
            }
        }
        assert!(checked > 60, "only {checked} answers checked");
    }
}

fn assert_no_null(value: &Value, at: &str) {
    match value {
        Value::Null => panic!("{at} is null"),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .for_each(|(i, item)| assert_no_null(item, &format!("{at}[{i}]"))),
        Value::Object(fields) => fields
            .iter()
            .for_each(|(key, field)| assert_no_null(field, &format!("{at}.{key}"))),
        _ => {}
    }
}

both_backends! {
    async fn api_docs_say_how_to_get_a_token(app) {
        for path in ["/api/docs", "/api/docs/"] {
            let response = app.api.get(app.url(path)).send().await.unwrap();
            assert_eq!(response.status(), StatusCode::OK, "{path}");
            let csp = response.headers()["content-security-policy"].to_str().unwrap().to_owned();
            assert!(csp.contains("'unsafe-inline'"), "the explorer's own CSP: {csp}");
            let html = response.text().await.unwrap();
            assert!(html.contains("<title>staffdev API</title>"), "{path}: titled for staffdev");
            assert!(html.contains(r#"<html lang="en">"#));
            assert!(html.contains(r#"<a href="/" style="color: #fff">Back to staffdev</a>"#), "a way back to the app");
            assert!(html.contains(r#"<a href="/account" style="color: #fff">Get a token on your Account page</a>"#));
            assert!(!html.contains("<title>Swagger UI</title>"));
        }
        // The description, at the top of the docs, says the same for any reader of the spec.
        let spec: Value = serde_json::from_str(&staffdev::api::spec_json()).unwrap();
        let description = spec["info"]["description"].as_str().unwrap();
        for words in ["## How to get a token", "[staffdev](/)", "[Account](/account)", "`Authorization: Bearer <token>`", "`POST /api/v1/auth/tokens`", "**Authorize**"] {
            assert!(description.contains(words), "{words} in {description}");
        }
        // And the way it describes works: the token from the API opens the API.
        let d = app.department().await;
        let token = app.token("eng@example.org").await;
        let (status, me) = app.get_json(&token, "/api/v1/me").await;
        assert_eq!((status, me["id"].as_i64()), (StatusCode::OK, Some(i64::from(d.engineer))));
    }
}
