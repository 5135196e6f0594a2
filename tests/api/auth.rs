//! Sign-in, sessions, the throttle, CSRF and API tokens.

use chrono::Utc;
use reqwest::StatusCode;
use sea_orm::{ConnectionTrait, EntityTrait, PaginatorTrait, TransactionTrait, prelude::Expr};
use serde_json::json;
use staffdev::entities::{api_token, session};

use crate::helpers::*;

both_backends! {
    async fn signing_in_with_the_right_password_opens_a_session(app) {
        app.department().await;
        let browser = app.browser();
        let response = browser.sign_in("eng@example.org", PASSWORD).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        assert_eq!(response.headers()["location"], "/people");
        let cookie = set_cookie(&response, "staffdev_session").expect("a session cookie");
        assert!(cookie.contains("HttpOnly"), "{cookie}");
        assert!(cookie.contains("SameSite=Lax"), "{cookie}");
        assert!(!cookie.contains("Secure"), "plain http must not mark the cookie Secure: {cookie}");
        let page = browser.get_html("/people").await;
        assert!(page.contains("Erin Engineer"));
        assert!(page.contains("Sign out"));
    }
}

both_backends! {
    async fn the_session_cookie_is_secure_when_the_public_url_is_https(
        app,
        settings = |s: &mut staffdev::config::Settings| s.public_url = Some("https://staffdev.example.org/".parse().unwrap())
    ) {
        app.department().await;
        let response = app.browser().sign_in("eng@example.org", PASSWORD).await;
        let cookie = set_cookie(&response, "staffdev_session").expect("a session cookie");
        assert!(cookie.contains("Secure"), "{cookie}");
    }
}

both_backends! {
    async fn a_wrong_password_and_an_unknown_email_get_the_same_answer(app) {
        app.department().await;
        let wrong = app.browser().sign_in("eng@example.org", "not the password").await;
        let unknown = app.browser().sign_in("nobody@example.org", PASSWORD).await;
        assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(unknown.status(), StatusCode::UNAUTHORIZED);
        let wrong = wrong.text().await.unwrap();
        let unknown = unknown.text().await.unwrap();
        assert!(wrong.contains("The email or password is not correct."));
        assert!(unknown.contains("The email or password is not correct."));
        // The form keeps the email that was typed, and says nothing else.
        assert!(wrong.contains(r#"value="eng@example.org""#));
        assert!(!unknown.contains("exist"), "the answer must not say whether an email exists");

        let api_wrong = app.post_json("", "/api/v1/auth/tokens", json!({"email": "eng@example.org", "password": "nope nope nope"})).await;
        let api_unknown = app.post_json("", "/api/v1/auth/tokens", json!({"email": "nobody@example.org", "password": PASSWORD})).await;
        assert_eq!(api_wrong.0, StatusCode::UNAUTHORIZED);
        assert_eq!(api_wrong, api_unknown);
    }
}

both_backends! {
    async fn a_deactivated_person_cannot_sign_in(app) {
        let d = app.department().await;
        let cio = app.token("cio@example.org").await;
        let engineer_browser = app.signed_in("eng@example.org").await;
        let (status, _) = app.patch_json(&cio, &format!("/api/v1/people/{}", d.engineer), json!({"active": false})).await;
        assert_eq!(status, StatusCode::OK);
        // Their session ended with the deactivation...
        let response = engineer_browser.get("/people").await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        // ...and the right password no longer opens a new one.
        let response = app.browser().sign_in("eng@example.org", PASSWORD).await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    }
}

both_backends! {
    async fn signing_in_again_rotates_the_session_id(app) {
        app.department().await;
        let browser = app.browser();
        let first = browser.sign_in("eng@example.org", PASSWORD).await;
        let first = set_cookie(&first, "staffdev_session").unwrap();
        // Signed in, the browser is sent past the sign-in form, but a post still counts.
        let second = browser
            .post_form("/people", "/sign-in", &[("email", "lead@example.org"), ("password", PASSWORD)])
            .await;
        let second = set_cookie(&second, "staffdev_session").unwrap();
        assert_ne!(first, second);
        assert_eq!(session::Entity::find().count(app.db().conn()).await.unwrap(), 1, "the old session is gone");
        // The old cookie value no longer opens anything.
        let old_value = first.split(';').next().unwrap();
        let response = app.api.get(app.url("/people")).header("cookie", old_value).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
    }
}

both_backends! {
    async fn signing_out_removes_the_session(app) {
        app.department().await;
        let browser = app.signed_in("eng@example.org").await;
        let response = browser.post_form("/people", "/sign-out", &[]).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        assert_eq!(response.headers()["location"], "/sign-in");
        assert_eq!(session::Entity::find().count(app.db().conn()).await.unwrap(), 0);
        let response = browser.get("/people").await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        assert_eq!(response.headers()["location"], "/sign-in?next=%2Fpeople");
    }
}

both_backends! {
    async fn a_crowd_of_requests_with_one_credential_looks_it_up_once_after_a_write(app) {
        // Sessions and tokens share the cache and its single lookup; a token on /me is the
        // request whose statements are easiest to count (pages keep caches of their own).
        app.department().await;
        let token = app.token("eng@example.org").await;
        let statements = async |crowd: usize| {
            let before = app.db().statements_run();
            let answers = futures_util::future::join_all((0..crowd).map(|_| app.get_json(&token, "/api/v1/me"))).await;
            assert!(answers.iter().all(|(status, _)| *status == StatusCode::OK));
            app.db().statements_run() - before
        };
        // The first use is recorded (a write), then the token is looked up again and cached.
        statements(1).await;
        statements(1).await;
        let answer = statements(1).await;
        // A write through this instance empties the cache; sixteen requests at once then
        // cost sixteen answers and one lookup of the token, not sixteen. On PostgreSQL the
        // tokens are held locked while the crowd arrives, so all sixteen are surely in
        // flight together (SQLite never makes a reader wait like that).
        app.db().write().await.unwrap().commit().await.unwrap();
        let other = staffdev::db::Db::connect(&app.database.url, 1).await.unwrap();
        let lock = if app.db().backend() == sea_orm::DbBackend::Postgres {
            let txn = other.conn().begin().await.unwrap();
            txn.execute_unprepared("LOCK TABLE api_tokens IN ACCESS EXCLUSIVE MODE").await.unwrap();
            Some(txn)
        } else {
            None
        };
        let release = async {
            tokio::time::sleep(std::time::Duration::from_millis(500)).await;
            if let Some(txn) = lock {
                txn.commit().await.unwrap();
            }
        };
        let (crowd, ()) = tokio::join!(statements(16), release);
        other.close().await;
        assert_eq!(crowd, 16 * answer + 1, "one answer costs {answer}");
    }
}

both_backends! {
    async fn an_idle_session_expires(app) {
        app.department().await;
        let browser = app.signed_in("eng@example.org").await;
        session::Entity::update_many()
            .col_expr(session::Column::LastSeenAt, Expr::value(Utc::now() - chrono::Duration::minutes(121)))
            .exec(app.db().conn())
            .await
            .unwrap();
        let response = browser.get("/people").await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        assert_eq!(session::Entity::find().count(app.db().conn()).await.unwrap(), 0, "the expired session is removed");
    }
}

both_backends! {
    async fn a_session_expires_at_its_maximum_age_even_when_active(app) {
        app.department().await;
        let browser = app.signed_in("eng@example.org").await;
        session::Entity::update_many()
            .col_expr(session::Column::CreatedAt, Expr::value(Utc::now() - chrono::Duration::hours(13)))
            .col_expr(session::Column::LastSeenAt, Expr::value(Utc::now()))
            .exec(app.db().conn())
            .await
            .unwrap();
        assert_eq!(browser.get("/people").await.status(), StatusCode::SEE_OTHER);
    }
}

both_backends! {
    async fn an_active_session_stays_open(app) {
        app.department().await;
        let browser = app.signed_in("eng@example.org").await;
        session::Entity::update_many()
            .col_expr(session::Column::LastSeenAt, Expr::value(Utc::now() - chrono::Duration::minutes(100)))
            .exec(app.db().conn())
            .await
            .unwrap();
        assert_eq!(browser.get("/people").await.status(), StatusCode::OK);
        // The visit counts as activity.
        let seen = session::Entity::find().one(app.db().conn()).await.unwrap().unwrap().last_seen_at;
        assert!(Utc::now() - seen < chrono::Duration::minutes(1));
    }
}

both_backends! {
    async fn a_forged_form_post_is_refused_and_changes_nothing(app) {
        app.department().await;
        let cio = app.signed_in("cio@example.org").await;
        let before = staffdev::entities::person::Entity::find().count(app.db().conn()).await.unwrap();
        let fields = [("name", "Mallory"), ("email", "mallory@example.org"), ("role", "cio")];
        // No token at all.
        let response = cio.post_raw("/people", &fields).await;
        assert_eq!(response.status(), StatusCode::FORBIDDEN);
        assert!(response.text().await.unwrap().contains("did not come from staffdev"));
        // A token from another session.
        let other = app.signed_in("lead@example.org").await;
        let other_token = csrf_token_in(&other.get_html("/people").await).unwrap();
        let mut with_other = vec![("csrf_token", other_token.as_str())];
        with_other.extend_from_slice(&fields);
        assert_eq!(cio.post_raw("/people", &with_other).await.status(), StatusCode::FORBIDDEN);
        // Sign-out cannot be forged either.
        assert_eq!(cio.post_raw("/sign-out", &[]).await.status(), StatusCode::FORBIDDEN);
        let after = staffdev::entities::person::Entity::find().count(app.db().conn()).await.unwrap();
        assert_eq!(before, after);
        assert_eq!(cio.get("/people").await.status(), StatusCode::OK, "still signed in");
    }
}

both_backends! {
    async fn the_sign_in_form_cannot_be_posted_from_elsewhere(app) {
        app.department().await;
        // A fresh browser that never loaded the form has no CSRF cookie.
        let response = app
            .browser()
            .post_raw("/sign-in", &[("csrf_token", "made-up"), ("email", "eng@example.org"), ("password", PASSWORD)])
            .await;
        assert_eq!(response.status(), StatusCode::FORBIDDEN);
        assert!(set_cookie(&response, "staffdev_session").is_none());
    }
}

both_backends! {
    async fn a_token_is_created_used_listed_and_revoked(app) {
        app.department().await;
        let response = app
            .api
            .post(app.url("/api/v1/auth/tokens"))
            .json(&json!({"email": "Eng@Example.org", "password": PASSWORD, "name": "report script"}))
            .send()
            .await
            .unwrap();
        let (status, created) = split(response).await;
        assert_eq!(status, StatusCode::CREATED);
        let token = created["token"].as_str().unwrap().to_owned();
        assert!(token.starts_with("sdv_"));
        // Only the hash is stored.
        let stored = api_token::Entity::find().one(app.db().conn()).await.unwrap().unwrap();
        assert_ne!(stored.token_hash, token);
        assert!(!stored.token_hash.contains(&token[4..]));

        let (status, me) = app.get_json(&token, "/api/v1/me").await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(me["email"], "eng@example.org");
        assert_eq!(me["is_manager"], false);

        let (status, list) = app.get_json(&token, "/api/v1/auth/tokens").await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(list.as_array().unwrap().len(), 1);
        assert_eq!(list[0]["name"], "report script");
        assert!(list[0].get("token").is_none(), "the secret is never listed");
        assert!(!list[0]["last_used_at"].is_null(), "use is recorded");

        let id = created["id"].as_i64().unwrap();
        let response = app.api.delete(app.url(&format!("/api/v1/auth/tokens/{id}"))).bearer_auth(&token).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::NO_CONTENT);
        let (status, problem) = app.get_json(&token, "/api/v1/me").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert_eq!(problem["status"], 401);
    }
}

both_backends! {
    async fn someone_elses_token_cannot_be_revoked(app) {
        app.department().await;
        let mine = app.token("eng@example.org").await;
        let theirs = app.token("peer@example.org").await;
        let (_, list) = app.get_json(&theirs, "/api/v1/auth/tokens").await;
        let id = list[0]["id"].as_i64().unwrap();
        let response = app.api.delete(app.url(&format!("/api/v1/auth/tokens/{id}"))).bearer_auth(&mine).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::NOT_FOUND);
        assert_eq!(app.get_json(&theirs, "/api/v1/me").await.0, StatusCode::OK);
    }
}

both_backends! {
    async fn bad_token_requests_name_the_field(app) {
        app.department().await;
        let cases = [
            (json!({"email": "", "password": PASSWORD}), StatusCode::UNPROCESSABLE_ENTITY, vec!["email"]),
            (json!({"email": "eng@example.org", "password": ""}), StatusCode::UNPROCESSABLE_ENTITY, vec!["password"]),
            (json!({"email": "eng@example.org", "password": PASSWORD, "name": "x".repeat(101)}), StatusCode::UNPROCESSABLE_ENTITY, vec!["name"]),
            (json!({"email": "eng@example.org"}), StatusCode::UNPROCESSABLE_ENTITY, vec!["password"]),
        ];
        for (body, status, fields) in cases {
            let (got, problem) = app.post_json("", "/api/v1/auth/tokens", body.clone()).await;
            assert_eq!(got, status, "{body}");
            assert_eq!(error_fields(&problem), fields, "{body}");
            assert_eq!(problem["status"], status.as_u16(), "{body}");
        }
    }
}

both_backends! {
    async fn a_garbage_or_missing_bearer_token_is_401(app) {
        app.department().await;
        for header in ["Bearer sdv_nothing", "Bearer ", "Basic abc", "sdv_x"] {
            let response = app.api.get(app.url("/api/v1/me")).header("authorization", header).send().await.unwrap();
            assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{header}");
            assert_eq!(response.headers()["content-type"], "application/problem+json");
        }
    }
}

both_backends! {
    async fn the_account_page_changes_the_password(app) {
        app.department().await;
        let browser = app.signed_in("eng@example.org").await;
        let response = browser
            .post_form("/account", "/account/password", &[("current_password", "wrong one!!"), ("new_password", "a brand new password")])
            .await;
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(response.text().await.unwrap().contains("This is not your current password."));
        let response = browser
            .post_form("/account", "/account/password", &[("current_password", PASSWORD), ("new_password", "short")])
            .await;
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(response.text().await.unwrap().contains("Use at least 10 characters."));
        let response = browser
            .post_form("/account", "/account/password", &[("current_password", PASSWORD), ("new_password", "a brand new password")])
            .await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        assert_eq!(app.browser().sign_in("eng@example.org", "a brand new password").await.status(), StatusCode::SEE_OTHER);
        assert_eq!(app.browser().sign_in("eng@example.org", PASSWORD).await.status(), StatusCode::UNAUTHORIZED);
    }
}

both_backends! {
    async fn the_account_page_shows_a_new_token_once_and_revokes_it(app) {
        app.department().await;
        let browser = app.signed_in("eng@example.org").await;
        let response = browser.post_form("/account", "/account/tokens", &[("name", "laptop")]).await;
        assert_eq!(response.status(), StatusCode::OK);
        let html = response.text().await.unwrap();
        let start = html.find("sdv_").expect("the token is shown");
        let token: String = html[start..].chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-').collect();
        assert_eq!(app.get_json(&token, "/api/v1/me").await.0, StatusCode::OK);
        let page = browser.get_html("/account").await;
        assert!(page.contains("laptop"));
        assert!(!page.contains(&token), "shown only once");
        let id = api_token::Entity::find().one(app.db().conn()).await.unwrap().unwrap().id;
        let response = browser.post_form("/account", &format!("/account/tokens/{id}/revoke"), &[]).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        assert_eq!(app.get_json(&token, "/api/v1/me").await.0, StatusCode::UNAUTHORIZED);
    }
}

both_backends! {
    async fn signing_out_after_the_session_expired_just_signs_out(app) {
        app.department().await;
        let browser = app.signed_in("eng@example.org").await;
        let token = csrf_token_in(&browser.get_html("/people").await).unwrap();
        session::Entity::delete_many().exec(app.db().conn()).await.unwrap();
        let response = browser.post_raw("/sign-out", &[("csrf_token", token.as_str())]).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        assert_eq!(response.headers()["location"], "/sign-in");
    }
}

both_backends! {
    async fn a_password_reset_by_the_cio_signs_the_person_out_everywhere(app) {
        let d = app.department().await;
        let cio = app.token("cio@example.org").await;
        let engineer_token = app.token("eng@example.org").await;
        let engineer = app.signed_in("eng@example.org").await;
        let (status, _) = app
            .patch_json(&cio, &format!("/api/v1/people/{}", d.engineer), json!({"password": "a fresh password 1"}))
            .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(engineer.get("/people").await.status(), StatusCode::SEE_OTHER);
        assert_eq!(app.get_json(&engineer_token, "/api/v1/me").await.0, StatusCode::UNAUTHORIZED);
        let (status, problem) = app
            .patch_json(&cio, &format!("/api/v1/people/{}", d.engineer), json!({"password": "short"}))
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(error_fields(&problem), ["password"]);
    }
}

both_backends! {
    async fn changing_ones_password_ends_the_other_sessions(app) {
        app.department().await;
        let laptop = app.signed_in("eng@example.org").await;
        let phone = app.signed_in("eng@example.org").await;
        let response = laptop
            .post_form("/account", "/account/password", &[("current_password", PASSWORD), ("new_password", "a brand new password")])
            .await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        assert_eq!(laptop.get("/people").await.status(), StatusCode::OK, "this session stays");
        assert_eq!(phone.get("/people").await.status(), StatusCode::SEE_OTHER, "the other one ends");
    }
}

both_backends! {
    async fn changing_ones_password_offers_to_revoke_the_api_tokens(app) {
        app.department().await;
        let laptop = app.signed_in("eng@example.org").await;
        let phone = app.signed_in("eng@example.org").await;
        let token = app.token("eng@example.org").await;
        assert!(laptop.get_html("/account").await.contains("Also revoke my API tokens"));
        // Left unticked, the tokens stay.
        let response = laptop
            .post_form("/account", "/account/password", &[("current_password", PASSWORD), ("new_password", "a brand new password")])
            .await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        assert_eq!(response.headers()["location"], "/account?notice=password");
        assert_eq!(phone.get("/people").await.status(), StatusCode::SEE_OTHER, "the other session ends");
        assert_eq!(laptop.get("/people").await.status(), StatusCode::OK, "this session stays");
        assert_eq!(app.get_json(&token, "/api/v1/me").await.0, StatusCode::OK, "tokens stay unless asked");
        // Ticked, every token goes in the same change.
        let tablet = app.browser();
        assert_eq!(tablet.sign_in("eng@example.org", "a brand new password").await.status(), StatusCode::SEE_OTHER);
        let response = laptop
            .post_form("/account", "/account/password", &[("current_password", "a brand new password"), ("new_password", "another new password"), ("revoke_tokens", "1")])
            .await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        assert_eq!(response.headers()["location"], "/account?notice=password-tokens");
        assert!(laptop.get_html("/account?notice=password-tokens").await.contains("Your password has been changed and your API tokens revoked."));
        assert_eq!(tablet.get("/people").await.status(), StatusCode::SEE_OTHER, "the other session ends");
        assert_eq!(app.get_json(&token, "/api/v1/me").await.0, StatusCode::UNAUTHORIZED, "the token is revoked");
    }
}

both_backends! {
    async fn a_deactivated_persons_token_stops_working(app) {
        let d = app.department().await;
        let cio = app.token("cio@example.org").await;
        let engineer = app.token("eng@example.org").await;
        app.patch_json(&cio, &format!("/api/v1/people/{}", d.engineer), json!({"active": false})).await;
        assert_eq!(app.get_json(&engineer, "/api/v1/me").await.0, StatusCode::UNAUTHORIZED);
    }
}

// ---------------------------------------------------------------------------------------
// The sign-in throttle (see `auth::throttle` and the README's security notes): guesses per
// account stay near ten from anywhere, while a guesser at one address locks out neither
// other people at that address nor the account's owner on a known device or elsewhere.

/// Posts the sign-in form from a given client address (the app trusts X-Forwarded-For
/// in these tests), with whatever cookies `browser` holds; signs out first if need be.
async fn sign_in_at(
    browser: &Browser,
    address: &str,
    email: &str,
    password: &str,
) -> reqwest::Response {
    if browser.get("/sign-in").await.status() == StatusCode::SEE_OTHER {
        let token = csrf_token_in(&browser.get_html("/account").await).unwrap();
        browser
            .post_raw("/sign-out", &[("csrf_token", token.as_str())])
            .await;
    }
    let html = browser.get_html("/sign-in").await;
    let token = csrf_token_in(&html).unwrap();
    browser
        .client
        .post(browser.url("/sign-in"))
        .header("x-forwarded-for", address)
        .form(&[
            ("csrf_token", token.as_str()),
            ("email", email),
            ("password", password),
        ])
        .send()
        .await
        .unwrap()
}

/// A sign-in from a browser that has never signed in (no device cookie).
async fn sign_in_from(app: &TestApp, address: &str, email: &str, password: &str) -> StatusCode {
    sign_in_at(&app.browser(), address, email, password)
        .await
        .status()
}

/// A token request from an API client at `address`.
async fn token_from(app: &TestApp, address: &str, email: &str, password: &str) -> StatusCode {
    app.api
        .post(app.url("/api/v1/auth/tokens"))
        .header("x-forwarded-for", address)
        .json(&json!({"email": email, "password": password}))
        .send()
        .await
        .unwrap()
        .status()
}

fn trusted_proxy(s: &mut staffdev::config::Settings) {
    s.trust_forwarded_for = true;
}

/// Moves every recorded failure back in time, as waiting would.
async fn age_failures(app: &TestApp, by: chrono::Duration) {
    use sea_orm::{ColumnTrait, QueryFilter};
    use staffdev::entities::sign_in_failure;
    for row in sign_in_failure::Entity::find()
        .all(app.db().conn())
        .await
        .unwrap()
    {
        sign_in_failure::Entity::update_many()
            .col_expr(
                sign_in_failure::Column::FailedAt,
                Expr::value(row.failed_at - by),
            )
            .filter(sign_in_failure::Column::Id.eq(row.id))
            .exec(app.db().conn())
            .await
            .unwrap();
    }
}

both_backends! {
    async fn a_guesser_at_one_address_locks_out_nobody_else_there_nor_the_owner_elsewhere(app, settings = trusted_proxy) {
        app.department().await;
        // The owner signed in on this laptop before; the guessing starts later, from the
        // same address (one office behind one proxy).
        let laptop = app.browser();
        assert_eq!(sign_in_at(&laptop, "203.0.113.7", "eng@example.org", PASSWORD).await.status(), StatusCode::SEE_OTHER);

        let mut checked = 0;
        for n in 0..30 {
            match token_from(&app, "203.0.113.7", "eng@example.org", &format!("guess number {n}")).await {
                StatusCode::UNAUTHORIZED => checked += 1,
                StatusCode::TOO_MANY_REQUESTS => {}
                other => panic!("unexpected {other}"),
            }
        }
        assert_eq!(checked, 5, "one address gets five guesses at one account");
        // Someone else at that address is not affected, on a new browser or the API.
        assert_eq!(sign_in_from(&app, "203.0.113.7", "lead@example.org", PASSWORD).await, StatusCode::SEE_OTHER);
        assert_eq!(token_from(&app, "203.0.113.7", "peer@example.org", PASSWORD).await, StatusCode::CREATED);
        // The owner signs in on their known laptop at that address, and from elsewhere.
        assert_eq!(sign_in_at(&laptop, "203.0.113.7", "eng@example.org", PASSWORD).await.status(), StatusCode::SEE_OTHER);
        assert_eq!(sign_in_from(&app, "198.51.100.20", "eng@example.org", PASSWORD).await, StatusCode::SEE_OTHER);
        // Only an unknown browser at the guessing address waits: it cannot be told from
        // the guesser.
        let response = sign_in_at(&app.browser(), "203.0.113.7", "eng@example.org", PASSWORD).await;
        assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
        let retry_after: u64 = response.headers()["retry-after"].to_str().unwrap().parse().unwrap();
        assert!((1..=900).contains(&retry_after), "retry after {retry_after}s");
        assert!(response.text().await.unwrap().contains("Too many attempts"));
    }
}

both_backends! {
    async fn guesses_at_one_account_stay_at_ten_from_anywhere_and_its_owner_still_signs_in(app, settings = trusted_proxy) {
        app.department().await;
        let laptop = app.browser();
        assert_eq!(sign_in_at(&laptop, "192.0.2.200", "eng@example.org", PASSWORD).await.status(), StatusCode::SEE_OTHER);
        let mut guesses = tokio::task::JoinSet::new();
        for n in 0..40 {
            let client = app.api.clone();
            let url = app.url("/api/v1/auth/tokens");
            guesses.spawn(async move {
                client
                    .post(url)
                    .header("x-forwarded-for", format!("203.0.113.{}", n % 20))
                    .json(&json!({"email": "eng@example.org", "password": format!("guess number {n}")}))
                    .send()
                    .await
                    .unwrap()
                    .status()
            });
        }
        let mut checked = 0;
        while let Some(status) = guesses.join_next().await {
            match status.unwrap() {
                StatusCode::UNAUTHORIZED => checked += 1,
                StatusCode::TOO_MANY_REQUESTS => {}
                other => panic!("unexpected {other}"),
            }
        }
        assert_eq!(checked, 10, "exactly ten guesses were checked");
        // Unknown sources wait everywhere now; the owner's known laptop does not, and a
        // colleague is not affected.
        assert_eq!(sign_in_from(&app, "198.51.100.77", "eng@example.org", PASSWORD).await, StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(sign_in_at(&laptop, "192.0.2.200", "eng@example.org", PASSWORD).await.status(), StatusCode::SEE_OTHER);
        assert_eq!(sign_in_from(&app, "198.51.100.77", "lead@example.org", PASSWORD).await, StatusCode::SEE_OTHER);
        // The block lifts when the failures leave the 15-minute window.
        age_failures(&app, chrono::Duration::minutes(16)).await;
        assert_eq!(sign_in_from(&app, "198.51.100.77", "eng@example.org", PASSWORD).await, StatusCode::SEE_OTHER);
    }
}

both_backends! {
    async fn a_known_device_has_a_budget_of_its_own(app, settings = trusted_proxy) {
        app.department().await;
        let laptop = app.browser();
        assert_eq!(sign_in_at(&laptop, "192.0.2.1", "eng@example.org", PASSWORD).await.status(), StatusCode::SEE_OTHER);
        // Ten wrong passwords from the known laptop: it waits, nobody else does.
        for n in 0..10 {
            let status = sign_in_at(&laptop, "192.0.2.1", "eng@example.org", &format!("typo number {n}")).await.status();
            assert_eq!(status, StatusCode::UNAUTHORIZED, "typo {n}");
        }
        assert_eq!(sign_in_at(&laptop, "192.0.2.1", "eng@example.org", PASSWORD).await.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(sign_in_from(&app, "192.0.2.1", "eng@example.org", PASSWORD).await, StatusCode::SEE_OTHER);
        // A device cookie counts only for the account it was given for.
        assert_eq!(sign_in_at(&laptop, "192.0.2.1", "lead@example.org", PASSWORD).await.status(), StatusCode::SEE_OTHER);
    }
}

both_backends! {
    async fn a_right_password_clears_its_own_sources_count_but_not_the_accounts(app, settings = trusted_proxy) {
        app.department().await;
        for n in 0..4 {
            assert_eq!(sign_in_from(&app, "192.0.2.1", "eng@example.org", &format!("typo {n}!!")).await, StatusCode::UNAUTHORIZED);
        }
        assert_eq!(sign_in_from(&app, "192.0.2.1", "eng@example.org", PASSWORD).await, StatusCode::SEE_OTHER);
        // The address starts again at five...
        for n in 0..5 {
            let status = sign_in_from(&app, "192.0.2.1", "eng@example.org", &format!("guess {n}!!")).await;
            assert_eq!(status, StatusCode::UNAUTHORIZED, "guess {n}");
        }
        assert_eq!(sign_in_from(&app, "192.0.2.1", "eng@example.org", PASSWORD).await, StatusCode::TOO_MANY_REQUESTS);
        // ...but the account keeps its nine: one more from anywhere makes ten.
        assert_eq!(sign_in_from(&app, "192.0.2.2", "eng@example.org", "one more guess").await, StatusCode::UNAUTHORIZED);
        assert_eq!(sign_in_from(&app, "192.0.2.3", "eng@example.org", PASSWORD).await, StatusCode::TOO_MANY_REQUESTS);
    }
}

both_backends! {
    async fn spraying_from_one_address_is_slowed_without_locking_out_its_people(app, settings = trusted_proxy) {
        app.department().await;
        let laptop = app.browser();
        assert_eq!(sign_in_at(&laptop, "203.0.113.9", "peer@example.org", PASSWORD).await.status(), StatusCode::SEE_OTHER);
        for n in 0..30 {
            let status = token_from(&app, "203.0.113.9", &format!("someone{n}@example.org"), "Summer2026!").await;
            assert_eq!(status, StatusCode::UNAUTHORIZED, "guess {n}");
        }
        // Past thirty failures the address gets one attempt per few seconds...
        let response = sign_in_at(&app.browser(), "203.0.113.9", "lead@example.org", PASSWORD).await;
        assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
        let retry_after: u64 = response.headers()["retry-after"].to_str().unwrap().parse().unwrap();
        assert!((1..=5).contains(&retry_after), "a short wait, not a lockout: {retry_after}s");
        // ...people on known devices there do not wait at all...
        assert_eq!(sign_in_at(&laptop, "203.0.113.9", "peer@example.org", PASSWORD).await.status(), StatusCode::SEE_OTHER);
        // ...and after the short wait the right password works for anyone there.
        age_failures(&app, chrono::Duration::seconds(6)).await;
        assert_eq!(sign_in_from(&app, "203.0.113.9", "lead@example.org", PASSWORD).await, StatusCode::SEE_OTHER);
    }
}

both_backends! {
    async fn wrong_current_passwords_on_the_account_page_lock_out_nobody_else(app) {
        app.department().await;
        let engineer = app.signed_in("eng@example.org").await;
        for n in 0..9 {
            let response = engineer
                .post_form("/account", "/account/password", &[("current_password", &format!("not it {n}!!") as &str), ("new_password", "a brand new password")])
                .await;
            assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY, "try {n}");
        }
        // Every test comes from 127.0.0.1: colleagues there sign in as before.
        assert_eq!(app.browser().sign_in("lead@example.org", PASSWORD).await.status(), StatusCode::SEE_OTHER);
        assert_eq!(app.browser().sign_in("eng@example.org", PASSWORD).await.status(), StatusCode::SEE_OTHER);
    }
}

both_backends! {
    async fn the_client_address_comes_from_the_proxy_only_when_it_is_trusted(app) {
        app.department().await;
        // Untrusted, the header is ignored: five failures "from five addresses" are five
        // from 127.0.0.1, and that address now waits for that account.
        for n in 1..=5 {
            let status = sign_in_from(&app, &format!("192.0.2.{n}"), "eng@example.org", "wrong password!").await;
            assert_eq!(status, StatusCode::UNAUTHORIZED);
        }
        assert_eq!(sign_in_from(&app, "198.51.100.20", "eng@example.org", PASSWORD).await, StatusCode::TOO_MANY_REQUESTS);
        // The API shares the throttle, and says so as a problem.
        let (status, problem) = app
            .post_json("", "/api/v1/auth/tokens", json!({"email": "eng@example.org", "password": PASSWORD}))
            .await;
        assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(problem["status"], 429);
    }
}

both_backends! {
    async fn a_cio_changing_their_own_password_through_the_api_keeps_the_calling_token(app) {
        let d = app.department().await;
        let cio = app.token("cio@example.org").await;
        let script = app.token("cio@example.org").await;
        let browser = app.signed_in("cio@example.org").await;
        let (status, _) = app
            .patch_json(&cio, &format!("/api/v1/people/{}", d.cio), json!({"password": "a fresh password 1"}))
            .await;
        assert_eq!(status, StatusCode::OK);
        // An API call has no session: every session ends, the tokens stay (as on the
        // Account page unless asked), the calling one first of all.
        assert_eq!(app.get_json(&cio, "/api/v1/me").await.0, StatusCode::OK, "the calling token");
        assert_eq!(app.get_json(&script, "/api/v1/me").await.0, StatusCode::OK, "another token");
        assert_eq!(browser.get("/people").await.status(), StatusCode::SEE_OTHER, "the session ends");
        assert_eq!(app.browser().sign_in("cio@example.org", "a fresh password 1").await.status(), StatusCode::SEE_OTHER);
    }
}

both_backends! {
    async fn a_cio_changing_their_own_password_on_their_profile_stays_signed_in_there(app) {
        let d = app.department().await;
        let laptop = app.signed_in("cio@example.org").await;
        let phone = app.signed_in("cio@example.org").await;
        let token = app.token("cio@example.org").await;
        let form = laptop.get_html(&format!("/people/{}/edit", d.cio)).await;
        let field = |name: &str| input_value(&form, name).unwrap_or_default();
        let (email, name) = (field("email"), field("name"));
        let response = laptop
            .post_form(
                &format!("/people/{}/edit", d.cio),
                &format!("/people/{}", d.cio),
                &[("email", email.as_str()), ("name", name.as_str()), ("role", "cio"), ("password", "a fresh password 1")],
            )
            .await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        assert_eq!(laptop.get("/people").await.status(), StatusCode::OK, "this session stays");
        assert_eq!(phone.get("/people").await.status(), StatusCode::SEE_OTHER, "the other one ends");
        assert_eq!(app.get_json(&token, "/api/v1/me").await.0, StatusCode::OK, "tokens stay unless asked");
        // Someone else's password reset by the cio still signs them out everywhere.
        let engineer = app.signed_in("eng@example.org").await;
        let engineer_token = app.token("eng@example.org").await;
        let (status, _) = app
            .patch_json(&token, &format!("/api/v1/people/{}", d.engineer), json!({"password": "a fresh password 2"}))
            .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(engineer.get("/people").await.status(), StatusCode::SEE_OTHER);
        assert_eq!(app.get_json(&engineer_token, "/api/v1/me").await.0, StatusCode::UNAUTHORIZED);
    }
}

both_backends! {
    async fn a_burst_of_right_passwords_from_one_address_is_not_taken_for_spraying(app) {
        let d = app.department().await;
        let mut emails = Vec::new();
        for n in 0..40 {
            let email = format!("colleague{n}@example.org");
            app.add_person(&email, &format!("Colleague {n}"), "staff", Some(d.lead)).await;
            emails.push(email);
        }
        // Monday morning behind one proxy: everyone signs in at once, from 127.0.0.1.
        let mut sign_ins = tokio::task::JoinSet::new();
        for email in emails {
            let (client, url) = (app.api.clone(), app.url("/api/v1/auth/tokens"));
            sign_ins.spawn(async move {
                client.post(url).json(&json!({"email": email, "password": PASSWORD})).send().await.unwrap().status()
            });
        }
        let statuses = sign_ins.join_all().await;
        assert!(statuses.iter().all(|s| *s == StatusCode::CREATED), "{statuses:?}");
    }
}
