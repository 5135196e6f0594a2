//! The service under faults: a database file that cannot grow, database connections that
//! die under a request. Each fault exists on one backend only, so each test runs there.

use reqwest::StatusCode;
use sea_orm::{ConnectionTrait, Statement};
use serde_json::{Value, json};
use staffdev::db::Db;

use crate::helpers::*;

/// How many of `messages` are stored, read through a connection of its own (so nothing
/// the service's pool holds, such as an open transaction, can hide or fake a row).
async fn stored_messages(url: &str, messages: &[String]) -> usize {
    let db = Db::connect(url, 1).await.unwrap();
    let mut found = 0;
    for message in messages {
        let row = db
            .conn()
            .query_one_raw(Statement::from_sql_and_values(
                db.backend(),
                "SELECT COUNT(*) FROM kudos WHERE message = $1",
                [message.clone().into()],
            ))
            .await
            .unwrap()
            .unwrap();
        found += row.try_get_by_index::<i64>(0).unwrap() as usize;
    }
    db.close().await;
    found
}

async fn readiness(app: &TestApp) -> (StatusCode, Value) {
    split(app.api.get(app.url("/readyz")).send().await.unwrap()).await
}

/// SQLite only: `max_page_count` makes the file "full" on demand, as a full disk would.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_sqlite_file_loses_no_acknowledged_kudos_and_writes_recover_without_a_restart() {
    let app = spawn_app(Backend::Sqlite, |_| {}).await;
    let d = app.department().await;
    let engineer = app.token("eng@example.org").await;
    assert_eq!(readiness(&app).await.0, StatusCode::OK);

    // No room left beyond the pages the file has now: every new page fails.
    app.db().limit_sqlite_pages(1);
    let filler = "Thanks for the hand on the night shift. "
        .repeat(45)
        .trim_end()
        .to_owned();
    let (mut acknowledged, mut refused) = (Vec::new(), Vec::new());
    for n in 0..60 {
        let message = format!("{n:03} {filler}");
        let (status, body) = app
            .post_json(
                &engineer,
                "/api/v1/kudos",
                json!({"recipient_ids": [d.peer], "message": message}),
            )
            .await;
        match status {
            StatusCode::CREATED => acknowledged.push(message),
            _ => refused.push((status, body)),
        }
    }
    let (ready_while_full, _) = readiness(&app).await;
    let stored = stored_messages(&app.database.url, &acknowledged).await;

    // Space is back: writes work again, without a restart.
    app.db().limit_sqlite_pages(u32::MAX);
    let (ready_after, _) = readiness(&app).await;
    let mut after = Vec::new();
    let mut after_statuses = Vec::new();
    for n in 0..10 {
        let message = format!("after {n} {filler}");
        let (status, _) = app
            .post_json(
                &engineer,
                "/api/v1/kudos",
                json!({"recipient_ids": [d.peer], "message": message}),
            )
            .await;
        after_statuses.push(status.as_u16());
        if status == StatusCode::CREATED {
            after.push(message);
        }
    }
    let stored_after = stored_messages(&app.database.url, &after).await;
    let statuses: Vec<u16> = refused.iter().map(|(s, _)| s.as_u16()).collect();
    eprintln!(
        "while full: {} acknowledged, {stored} of them stored, refused {statuses:?}, /readyz {ready_while_full}; \
         space back: /readyz {ready_after}, statuses {after_statuses:?}, {stored_after} of {} acknowledged stored",
        acknowledged.len(),
        after.len(),
    );

    assert!(!refused.is_empty(), "the file never filled up");
    assert_eq!(stored, acknowledged.len(), "every 201 is stored");
    assert_eq!(
        ready_while_full,
        StatusCode::SERVICE_UNAVAILABLE,
        "not ready while full"
    );
    for (status, problem) in &refused {
        assert_eq!(*status, StatusCode::SERVICE_UNAVAILABLE, "{problem}");
        assert_eq!(problem["status"], 503, "problem+json: {problem}");
        let detail = problem["detail"].as_str().unwrap_or_default();
        assert!(detail.contains("storage is full"), "{detail}");
    }
    assert_eq!(ready_after, StatusCode::OK, "ready once space is back");
    assert_eq!(after.len(), 10, "writes recover: {after_statuses:?}");
    assert_eq!(stored_after, after.len());
}

/// A connection of its own to the test's PostgreSQL database, outside the service's pool.
async fn side_connection(app: &TestApp) -> Db {
    Db::connect(&app.database.url, 1).await.unwrap()
}

/// Waits until one of the service's statements waits for a lock (the one `LOCK TABLE`
/// holds), then ends every other connection to the database, the lock holder's included,
/// as an operator's `pg_terminate_backend` would.
async fn kill_connections_once_a_request_waits(killer: &Db) {
    let backend = killer.backend();
    for _ in 0..200 {
        let waiting = killer
            .conn()
            .query_one_raw(Statement::from_string(
                backend,
                "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() \
                 AND wait_event_type = 'Lock'",
            ))
            .await
            .unwrap()
            .unwrap()
            .try_get_by_index::<i64>(0)
            .unwrap();
        if waiting > 0 {
            killer
                .conn()
                .execute_unprepared(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
                     WHERE datname = current_database() AND pid <> pg_backend_pid()",
                )
                .await
                .unwrap();
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    panic!("no request waited for the lock");
}

/// Runs `request` while the kudos table is locked, kills every connection once the
/// request's statement waits for the lock, and answers the request's response.
async fn with_connections_killed_under(
    app: &TestApp,
    request: reqwest::RequestBuilder,
) -> reqwest::Response {
    use sea_orm::TransactionTrait;
    let holder = side_connection(app).await;
    let killer = side_connection(app).await;
    let lock = holder.conn().begin().await.unwrap();
    lock.execute_unprepared("LOCK TABLE kudos IN ACCESS EXCLUSIVE MODE")
        .await
        .unwrap();
    let pending = tokio::spawn(request.send());
    kill_connections_once_a_request_waits(&killer).await;
    let response = pending.await.unwrap().unwrap();
    drop(lock);
    killer.close().await;
    response
}

/// PostgreSQL only (SQLite has no server to end a connection): a connection ended under a
/// request is a 503 with Retry-After for a write, never a 500, and a read runs again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_postgres_connection_retries_a_read_and_answers_a_write_with_503() {
    if !postgres_enabled() {
        return;
    }
    let app = spawn_app(Backend::Postgres, |_| {}).await;
    let d = app.department().await;
    let engineer = app.token("eng@example.org").await;
    let (status, _) = app
        .post_json(
            &engineer,
            "/api/v1/kudos",
            json!({"recipient_ids": [d.peer], "message": "Before the restart"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);

    // A read (the kudos wall) whose connection is ended under it: run again, answered.
    let read = app
        .api
        .get(app.url("/api/v1/kudos?limit=5"))
        .bearer_auth(&engineer);
    let (read_status, wall) = split(with_connections_killed_under(&app, read).await).await;

    // A write whose connection is ended under it: 503, problem+json, Retry-After.
    let write = app
        .api
        .post(app.url("/api/v1/kudos"))
        .bearer_auth(&engineer)
        .json(&json!({"recipient_ids": [d.peer], "message": "Lost with its connection"}));
    let response = with_connections_killed_under(&app, write).await;
    let write_retry_after = response.headers().get("retry-after").cloned();
    let write_type = response.headers().get("content-type").cloned();
    let (write_status, problem) = split(response).await;

    // A page's form post whose connection is ended under it: the error page, 503.
    let browser = app.signed_in("eng@example.org").await;
    let form = browser.get_html("/kudos/new").await;
    let token = csrf_token_in(&form).unwrap();
    let peer = d.peer.to_string();
    let page_post = browser.client.post(browser.url("/kudos")).form(&[
        ("csrf_token", token.as_str()),
        ("recipient_ids", peer.as_str()),
        ("message", "Lost from the page"),
    ]);
    let response = with_connections_killed_under(&app, page_post).await;
    let page_retry_after = response.headers().get("retry-after").cloned();
    let page_status = response.status();
    let page = response.text().await.unwrap();

    eprintln!(
        "read {read_status}, write {write_status} (Retry-After {write_retry_after:?}), page {page_status} (Retry-After {page_retry_after:?})"
    );
    assert_eq!(read_status, StatusCode::OK, "the read runs again: {wall}");
    assert!(
        wall["items"]
            .as_array()
            .is_some_and(|items| !items.is_empty()),
        "{wall}"
    );
    assert_eq!(write_status, StatusCode::SERVICE_UNAVAILABLE, "{problem}");
    assert_eq!(write_type.unwrap(), "application/problem+json");
    assert_eq!(problem["status"], 503);
    assert!(write_retry_after.is_some(), "a 503 says when to retry");
    assert_eq!(page_status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(page.contains("unavailable for a moment"), "{page}");
    assert!(page_retry_after.is_some(), "a 503 page says when to retry");

    // The lost writes are not stored, and the service writes again at once.
    let lost = [
        "Lost with its connection".to_owned(),
        "Lost from the page".to_owned(),
    ];
    assert_eq!(stored_messages(&app.database.url, &lost).await, 0);
    let (status, body) = app
        .post_json(
            &engineer,
            "/api/v1/kudos",
            json!({"recipient_ids": [d.peer], "message": "After the restart"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
}
