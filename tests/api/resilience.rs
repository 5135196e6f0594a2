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
    let filler = "Thanks for the hand on the night shift. ".repeat(45);
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
    assert_eq!(ready_while_full, StatusCode::SERVICE_UNAVAILABLE, "not ready while full");
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
