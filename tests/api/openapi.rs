//! The API contract: the committed document matches the code, and every operation but
//! the token exchange refuses anonymous callers, except the portal's reads when the
//! portal is public.

use reqwest::{Method, StatusCode};
use serde_json::Value;

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
