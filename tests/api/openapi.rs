//! The API contract: the committed document matches the code, and every operation but
//! the token exchange refuses anonymous callers.

use reqwest::{Method, StatusCode};
use serde_json::Value;

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

both_backends! {
    async fn every_operation_refuses_an_anonymous_caller(app) {
        app.department().await;
        let spec: Value = serde_json::from_str(&staffdev::api::spec_json()).unwrap();
        let mut walked = 0;
        for (path, operations) in spec["paths"].as_object().unwrap() {
            for (method, operation) in operations.as_object().unwrap() {
                let id = operation["operationId"].as_str().unwrap();
                let secured = operation.get("security").is_some_and(|s| !s.as_array().unwrap().is_empty());
                if PUBLIC_OPERATIONS.contains(&id) {
                    assert!(!secured, "{id} is listed as public but asks for a token");
                    continue;
                }
                assert!(secured, "{id} ({method} {path}) asks for no token");
                // Every path parameter ({id}, {person_id}, …) becomes 1.
                let concrete: String = path
                    .split('/')
                    .map(|part| if part.starts_with('{') { "1" } else { part })
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
                assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{method} {path}");
                assert_eq!(response.headers()["content-type"], "application/problem+json", "{method} {path}");
                walked += 1;
            }
        }
        assert!(walked >= 30, "only {walked} operations walked");
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
