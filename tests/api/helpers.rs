//! `spawn_app()` and friends: the real app on a fresh database per test, served on a
//! random port, with typed helpers for the calls tests make again and again.

use std::time::Duration;

use reqwest::{Client, Response, StatusCode, redirect::Policy};
use serde_json::{Value, json};
use staffdev::{
    app::{App, AppState},
    config::Settings,
    db::Db,
    people::{self, PersonInput},
};

pub mod binary;
mod database;
pub mod smtp;
pub use database::TestDatabase;

pub const PASSWORD: &str = "correct horse battery staple";
pub const POSTGRES_ENV: &str = "STAFFDEV_TEST_POSTGRES_URL";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Runs a test body on both backends: `name::sqlite` always, `name::postgres` when
/// `STAFFDEV_TEST_POSTGRES_URL` is set (CI sets it; without it the PostgreSQL half says
/// so and passes).
macro_rules! both_backends {
    ($(#[$meta:meta])* async fn $name:ident($app:ident) $body:block) => {
        both_backends! { $(#[$meta])* async fn $name($app, settings = |_: &mut staffdev::config::Settings| {}) $body }
    };
    ($(#[$meta:meta])* async fn $name:ident($app:ident, settings = $configure:expr) $body:block) => {
        $(#[$meta])*
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            async fn body($app: $crate::helpers::TestApp) $body

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                body($crate::helpers::spawn_app($crate::helpers::Backend::Sqlite, $configure).await).await
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                if $crate::helpers::postgres_enabled() {
                    body($crate::helpers::spawn_app($crate::helpers::Backend::Postgres, $configure).await).await
                }
            }
        }
    };
}

pub fn postgres_enabled() -> bool {
    let enabled = std::env::var(POSTGRES_ENV).is_ok_and(|v| !v.is_empty());
    if !enabled {
        eprintln!("{POSTGRES_ENV} is not set: skipping the PostgreSQL run of this test");
    }
    enabled
}

pub struct TestApp {
    pub address: String,
    pub state: AppState,
    /// A client without cookies, for the JSON API.
    pub api: Client,
    // Declared last: the database goes after the server is done with it.
    pub database: TestDatabase,
}

/// The real app on a fresh database, served on a random port, with some settings changed
/// by `configure` (a trusted proxy, an https public URL…).
pub async fn spawn_app(backend: Backend, configure: impl FnOnce(&mut Settings)) -> TestApp {
    let database = TestDatabase::new(backend).await;
    let mut settings = Settings::for_database(database.url.clone());
    settings.bind = "127.0.0.1:0".parse().expect("address");
    settings.db_max_connections = 5;
    configure(&mut settings);
    let app = App::build(settings).await.expect("the app builds");
    let address = format!("http://127.0.0.1:{}", app.port());
    let state = app.state().clone();
    tokio::spawn(app.run_until(std::future::pending()));
    TestApp {
        address,
        state,
        api: Client::builder()
            .redirect(Policy::none())
            .timeout(Duration::from_secs(30))
            .build()
            .expect("client"),
        database,
    }
}

/// A browser: keeps cookies, does not follow redirects (tests look at them).
pub struct Browser {
    pub client: Client,
    pub address: String,
}

impl Browser {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    pub async fn get(&self, path: &str) -> Response {
        self.client
            .get(self.url(path))
            .send()
            .await
            .expect("request")
    }

    pub async fn get_html(&self, path: &str) -> String {
        let response = self.get(path).await;
        assert_eq!(response.status(), StatusCode::OK, "GET {path}");
        response.text().await.expect("body")
    }

    /// Posts a form as the page would: with the CSRF token found on `form_page`.
    pub async fn post_form(
        &self,
        form_page: &str,
        action: &str,
        fields: &[(&str, &str)],
    ) -> Response {
        let html = self.get_html(form_page).await;
        let token = csrf_token_in(&html).expect("the page has a CSRF token");
        let mut all: Vec<(&str, &str)> = vec![("csrf_token", token.as_str())];
        all.extend_from_slice(fields);
        self.post_raw(action, &all).await
    }

    /// Posts a form exactly as given (for forged posts).
    pub async fn post_raw(&self, action: &str, fields: &[(&str, &str)]) -> Response {
        self.client
            .post(self.url(action))
            .form(fields)
            .send()
            .await
            .expect("request")
    }

    pub async fn sign_in(&self, email: &str, password: &str) -> Response {
        self.post_form(
            "/sign-in",
            "/sign-in",
            &[
                ("email", email),
                ("password", password),
                ("next", "/people"),
            ],
        )
        .await
    }
}

/// The first column of the one row `sql` answers, as a number (a count, mostly).
pub async fn scalar(db: &Db, sql: &str) -> i64 {
    use sea_orm::{ConnectionTrait, Statement};
    let row = db
        .conn()
        .query_one_raw(Statement::from_string(db.backend(), sql))
        .await
        .unwrap()
        .unwrap();
    row.try_get_by_index(0).unwrap()
}

pub fn csrf_token_in(html: &str) -> Option<String> {
    input_value(html, "csrf_token").filter(|t| !t.is_empty())
}

/// The value of the first input named `name` on a page (as the templates write inputs:
/// `name="…" value="…"`).
pub fn input_value(html: &str, name: &str) -> Option<String> {
    let marker = format!(r#"name="{name}" value=""#);
    let start = html.find(&marker)? + marker.len();
    let end = html[start..].find('"')? + start;
    Some(html[start..end].to_owned())
}

/// The value of a cookie set by a response.
pub fn set_cookie(response: &Response, name: &str) -> Option<String> {
    response
        .headers()
        .get_all(reqwest::header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(&format!("{name}=")))
        .map(str::to_owned)
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    pub fn db(&self) -> &Db {
        &self.state.db
    }

    pub fn browser(&self) -> Browser {
        Browser {
            client: Client::builder()
                .cookie_store(true)
                .redirect(Policy::none())
                .timeout(Duration::from_secs(30))
                .build()
                .expect("client"),
            address: self.address.clone(),
        }
    }

    /// A browser signed in as `email`.
    pub async fn signed_in(&self, email: &str) -> Browser {
        let browser = self.browser();
        let response = browser.sign_in(email, PASSWORD).await;
        assert_eq!(
            response.status(),
            StatusCode::SEE_OTHER,
            "sign-in of {email}"
        );
        browser
    }

    /// Adds a person straight through the service (test set-up), with the shared password.
    pub async fn add_person(
        &self,
        email: &str,
        name: &str,
        role: &str,
        manager_id: Option<i32>,
    ) -> i32 {
        people::create_unchecked(
            self.db(),
            PersonInput {
                email: Some(email.to_owned()),
                name: Some(name.to_owned()),
                job_title: Some("Engineer".to_owned()),
                team: Some("Service Desk".to_owned()),
                role: Some(role.to_owned()),
                manager_id,
                password: Some(PASSWORD.to_owned()),
            },
        )
        .await
        .expect("set-up person")
        .id
    }

    /// Adds a staff member without a password (hashing is slow; many of these are made).
    pub async fn add_person_fast(&self, email: &str, name: &str, manager_id: i32) -> i32 {
        people::create_unchecked(
            self.db(),
            PersonInput {
                email: Some(email.to_owned()),
                name: Some(name.to_owned()),
                job_title: Some("Engineer".to_owned()),
                team: Some("Service Desk".to_owned()),
                role: Some("staff".to_owned()),
                manager_id: Some(manager_id),
                password: None,
            },
        )
        .await
        .expect("set-up person")
        .id
    }

    /// The usual cast: a cio, a lead reporting to the cio, two engineers under the lead,
    /// and an advisor.
    pub async fn department(&self) -> Department {
        let cio = self
            .add_person("cio@example.org", "Carla CIO", "cio", None)
            .await;
        let lead = self
            .add_person("lead@example.org", "Lee Lead", "staff", Some(cio))
            .await;
        let engineer = self
            .add_person("eng@example.org", "Erin Engineer", "staff", Some(lead))
            .await;
        let peer = self
            .add_person("peer@example.org", "Pat Peer", "staff", Some(lead))
            .await;
        let advisor = self
            .add_person("advisor@example.org", "Ada Advisor", "advisor", None)
            .await;
        Department {
            cio,
            lead,
            engineer,
            peer,
            advisor,
        }
    }

    /// A bearer token for `email`, through the API.
    pub async fn token(&self, email: &str) -> String {
        let response = self
            .api
            .post(self.url("/api/v1/auth/tokens"))
            .json(&json!({ "email": email, "password": PASSWORD, "name": "tests" }))
            .send()
            .await
            .expect("request");
        assert_eq!(response.status(), StatusCode::CREATED, "token for {email}");
        let body: Value = response.json().await.expect("json");
        body["token"].as_str().expect("token").to_owned()
    }

    pub async fn get_json(&self, token: &str, path: &str) -> (StatusCode, Value) {
        let response = self
            .api
            .get(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .expect("request");
        split(response).await
    }

    pub async fn post_json(&self, token: &str, path: &str, body: Value) -> (StatusCode, Value) {
        let response = self
            .api
            .post(self.url(path))
            .bearer_auth(token)
            .json(&body)
            .send()
            .await
            .expect("request");
        split(response).await
    }

    pub async fn patch_json(&self, token: &str, path: &str, body: Value) -> (StatusCode, Value) {
        let response = self
            .api
            .patch(self.url(path))
            .bearer_auth(token)
            .json(&body)
            .send()
            .await
            .expect("request");
        split(response).await
    }
}

#[allow(dead_code)] // every role is at hand, whether a given test uses it or not
pub struct Department {
    pub cio: i32,
    pub lead: i32,
    pub engineer: i32,
    pub peer: i32,
    pub advisor: i32,
}

/// Status and JSON body (Null when the body is empty or not JSON).
pub async fn split(response: Response) -> (StatusCode, Value) {
    let status = response.status();
    let text = response.text().await.unwrap_or_default();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

/// The field names listed in a problem's `errors`.
pub fn error_fields(problem: &Value) -> Vec<String> {
    problem["errors"]
        .as_array()
        .map(|errors| {
            errors
                .iter()
                .filter_map(|e| e["field"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// A plan in force with two strategic goals (G1 with G1.1 and G1.2, G2 with G2.1) and a
/// cycle around today that follows it, in goal setting.
pub struct Fixture {
    pub plan: i64,
    /// G1.1, G1.2, G2.1
    pub objectives: Vec<i64>,
    pub cycle: i64,
    pub starts_on: chrono::NaiveDate,
    pub ends_on: chrono::NaiveDate,
}

impl TestApp {
    pub async fn plan_and_cycle(&self, cio: &str) -> Fixture {
        let (status, plan) = self
            .post_json(cio, "/api/v1/plans", json!({"title": "Plan", "start_year": 2025, "end_year": 2028, "status": "active", "values": ["Service first"]}))
            .await;
        assert_eq!(status, StatusCode::CREATED, "{plan}");
        let plan_id = plan["id"].as_i64().unwrap();
        let mut objectives = Vec::new();
        for (goal, titles) in [
            ("Service", vec!["First contact", "Plain language"]),
            ("Infrastructure", vec!["Lifecycle"]),
        ] {
            let (_, created) = self
                .post_json(
                    cio,
                    &format!("/api/v1/plans/{plan_id}/goals"),
                    json!({"title": goal}),
                )
                .await;
            let goal_id = created["id"].as_i64().unwrap();
            for title in titles {
                let (status, created) = self
                    .post_json(
                        cio,
                        &format!("/api/v1/strategic-goals/{goal_id}/objectives"),
                        json!({"title": title}),
                    )
                    .await;
                assert_eq!(status, StatusCode::CREATED);
                objectives.push(created["id"].as_i64().unwrap());
            }
        }
        let today = chrono::Utc::now().date_naive();
        let starts_on = today - chrono::Duration::days(180);
        let ends_on = today + chrono::Duration::days(180);
        let (status, cycle) = self
            .post_json(cio, "/api/v1/cycles", json!({"name": "This year", "plan_id": plan_id, "starts_on": starts_on, "ends_on": ends_on}))
            .await;
        assert_eq!(status, StatusCode::CREATED, "{cycle}");
        Fixture {
            plan: plan_id,
            objectives,
            cycle: cycle["id"].as_i64().unwrap(),
            starts_on,
            ends_on,
        }
    }

    /// Moves a cycle on, confirming the move (closing over unfinished work needs it).
    pub async fn move_cycle(&self, cio: &str, cycle: i64, phase: &str) {
        let (status, body) = self
            .post_json(
                cio,
                &format!("/api/v1/cycles/{cycle}/phase"),
                json!({"phase": phase, "confirm": true}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "move to {phase}: {body}");
    }

    /// Proposes a goal through the API and returns its id.
    pub async fn propose_goal(&self, token: &str, cycle: i64, objective: i64, title: &str) -> i64 {
        let (status, goal) = self
            .post_json(
                token,
                &format!("/api/v1/cycles/{cycle}/goals"),
                json!({"objective_id": objective, "title": title, "category": "service"}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{goal}");
        goal["id"].as_i64().unwrap()
    }
}

/// Someone of the test department as the services see them, for tests that call a
/// service directly (to count its statements or read what has no endpoint).
pub fn actor(
    person_id: i32,
    name: &str,
    email: &str,
    role: staffdev::people::Role,
    is_manager: bool,
) -> staffdev::auth::Actor {
    staffdev::auth::Actor {
        person_id,
        name: name.to_owned(),
        email: email.to_owned(),
        role,
        is_manager,
        csrf_token: None,
        session_id: None,
    }
}
