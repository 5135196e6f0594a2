//! Health, readiness and the security headers.

use reqwest::StatusCode;

both_backends! {
    async fn health_and_readiness_answer_while_the_database_is_up(app) {
        let response = app.api.get(app.url("/healthz")).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        let response = app.api.get(app.url("/readyz")).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        assert!(response.headers().contains_key("x-request-id"));
    }
}

both_backends! {
    async fn readiness_is_503_when_the_database_is_gone_and_health_stays_ok(app) {
        app.department().await;
        let token = app.token("eng@example.org").await;
        app.db().clone().close().await;
        let response = app.api.get(app.url("/readyz")).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(response.headers()["content-type"], "application/problem+json");
        assert_eq!(app.api.get(app.url("/healthz")).send().await.unwrap().status(), StatusCode::OK);
        // Requests that need the database say so with 503, without internals.
        let (status, problem) = app.get_json(&token, "/api/v1/people").await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
        let detail = problem["detail"].as_str().unwrap();
        assert!(!detail.to_lowercase().contains("pool"), "{detail}");
    }
}

both_backends! {
    async fn every_response_carries_the_security_headers(app) {
        app.department().await;
        let browser = app.browser();
        for path in ["/sign-in", "/healthz", "/api/v1/people", "/no-such-page"] {
            let response = browser.get(path).await;
            let headers = response.headers();
            let csp = headers["content-security-policy"].to_str().unwrap();
            assert!(csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
            assert!(csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"), "{path}: {csp}");
            assert_eq!(headers["x-content-type-options"], "nosniff", "{path}");
            assert_eq!(headers["referrer-policy"], "same-origin", "{path}");
        }
    }
}

both_backends! {
    async fn loading_pages_creates_no_sessions_and_sign_out_needs_a_post(app) {
        app.department().await;
        let browser = app.browser();
        // Loading the sign-in form many times creates no sessions and no failures.
        for _ in 0..5 {
            browser.get("/sign-in").await;
        }
        use sea_orm::{EntityTrait, PaginatorTrait};
        assert_eq!(staffdev::entities::session::Entity::find().count(app.db().conn()).await.unwrap(), 0);
        // Sign-out is POST only.
        let signed_in = app.signed_in("eng@example.org").await;
        assert_eq!(signed_in.get("/sign-out").await.status(), StatusCode::NOT_FOUND);
        assert_eq!(signed_in.get("/people").await.status(), StatusCode::OK);
    }
}
