//! The database layer: concurrent writers never see "database is locked", and the
//! migrations go up and down cleanly on both backends.

use reqwest::StatusCode;
use serde_json::json;
use staffdev::{app::App, config::Settings, db::Db};

use crate::helpers::*;

both_backends! {
    async fn two_hundred_concurrent_writes_all_succeed(app) {
        app.department().await;
        let cio = app.token("cio@example.org").await;
        // A second instance on the same database, as behind a load balancer: its writers
        // contend with the first instance's through the database itself.
        let mut settings = Settings::for_database(app.database.url.clone());
        settings.bind = "127.0.0.1:0".parse().unwrap();
        let second = App::build(settings).await.unwrap();
        let second_address = format!("http://127.0.0.1:{}", second.port());
        tokio::spawn(second.run_until(std::future::pending()));

        let mut writes = tokio::task::JoinSet::new();
        for n in 0..200 {
            let client = app.api.clone();
            let base = if n % 2 == 0 { app.address.clone() } else { second_address.clone() };
            let token = cio.clone();
            writes.spawn(async move {
                let response = client
                    .post(format!("{base}/api/v1/people"))
                    .bearer_auth(token)
                    .json(&json!({"email": format!("writer{n}@example.org"), "name": format!("Writer {n}"), "role": "staff"}))
                    .send()
                    .await
                    .unwrap();
                let status = response.status();
                (status, response.text().await.unwrap())
            });
        }
        let mut failures = Vec::new();
        while let Some(result) = writes.join_next().await {
            let (status, body) = result.unwrap();
            if status != StatusCode::CREATED {
                failures.push(format!("{status}: {body}"));
            }
        }
        assert!(failures.is_empty(), "{} of 200 writes failed, first: {:?}", failures.len(), failures.first());
        let (_, page) = app.get_json(&cio, "/api/v1/people?limit=200&q=writer").await;
        assert_eq!(page["items"].as_array().unwrap().len(), 200);
    }
}

both_backends! {
    async fn migrations_go_down_and_up_again_cleanly(app) {
        let url = app.database.url.clone();
        app.department().await;
        drop(app.state);
        let db = Db::connect(&url, 1).await.unwrap();
        let total = db.migration_status().await.unwrap().len() as u32;
        assert!(db.migration_status().await.unwrap().iter().all(|(_, applied)| *applied));
        db.migrate_down(total).await.unwrap();
        assert!(db.migration_status().await.unwrap().iter().all(|(_, applied)| !*applied));
        db.migrate_up().await.unwrap();
        assert!(db.migration_status().await.unwrap().iter().all(|(_, applied)| *applied));
        db.close().await;
    }
}

#[tokio::test]
async fn sqlite_runs_in_wal_mode_with_foreign_keys() {
    let database = TestDatabase::new(Backend::Sqlite).await;
    let db = Db::connect(&database.url, 2).await.unwrap();
    use sea_orm::{ConnectionTrait, Statement};
    let backend = db.backend();
    let mode = db
        .conn()
        .query_one_raw(Statement::from_string(backend, "PRAGMA journal_mode"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(mode.try_get_by_index::<String>(0).unwrap(), "wal");
    let fk = db
        .conn()
        .query_one_raw(Statement::from_string(backend, "PRAGMA foreign_keys"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(fk.try_get_by_index::<i32>(0).unwrap(), 1);
    let timeout = db
        .conn()
        .query_one_raw(Statement::from_string(backend, "PRAGMA busy_timeout"))
        .await
        .unwrap()
        .unwrap();
    assert!(timeout.try_get_by_index::<i32>(0).unwrap() >= 5000);
    db.close().await;
}

#[tokio::test]
async fn a_bad_database_url_is_one_clear_sentence() {
    for (url, expected) in [
        ("mysql://localhost/x", "is not supported"),
        (
            "postgres://nobody@127.0.0.1:1/none",
            "could not connect to the database at postgres://nobody@127.0.0.1:1/none",
        ),
        (
            "sqlite:///no/such/dir/at/all/staffdev.db",
            "could not connect to the database",
        ),
    ] {
        let err = Db::connect(url, 1).await.err().expect(url);
        let message = format!("{err:#}");
        assert!(message.contains(expected), "{url}: {message}");
        assert!(!message.contains('\n'), "one line: {message}");
    }
}
