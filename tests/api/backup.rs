//! `staffdev backup` and `staffdev restore`, run as the real binary against a database the
//! test app is serving from: the copy holds every write acknowledged before it began, and
//! bad paths are one sentence and nothing written.

use std::sync::{
    Arc, Mutex,
    atomic::{AtomicBool, Ordering},
};

use reqwest::StatusCode;
use sea_orm::{ConnectionTrait, Statement};
use serde_json::json;
use staffdev::db::Db;

use crate::helpers::binary::{failure_line, path_arg, staffdev};

async fn kudos_ids(url: &str) -> Vec<i64> {
    let db = Db::connect(url, 1).await.expect("open the restored copy");
    let rows = db
        .conn()
        .query_all_raw(Statement::from_string(
            db.backend(),
            "SELECT id FROM kudos ORDER BY id",
        ))
        .await
        .expect("read kudos");
    let ids = rows
        .iter()
        .map(|row| row.try_get::<i64>("", "id").expect("id"))
        .collect();
    db.close().await;
    ids
}

both_backends! {
    async fn a_backup_taken_while_serving_holds_every_acknowledged_write(app) {
        let d = app.department().await;
        let token = app.token("eng@example.org").await;
        let dir = tempfile::tempdir().unwrap();
        let backup = dir.path().join("staffdev-backup.db");

        if app.database.url.starts_with("postgres") {
            // PostgreSQL has pg_dump; the command says so and writes nothing.
            let output = staffdev(&["backup", &path_arg(&backup)], &app.database.url);
            assert!(failure_line(&output).contains("pg_dump"));
            assert!(!backup.exists());
            let output = staffdev(&["restore", &path_arg(&backup)], &app.database.url);
            assert!(failure_line(&output).contains("pg_restore"));
            return;
        }

        // Kudos keep arriving while the backup runs; each id is noted once acknowledged.
        let acknowledged = Arc::new(Mutex::new(Vec::<i64>::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let writer = {
            let (api, url, acknowledged, stop) =
                (app.api.clone(), app.url("/api/v1/kudos"), acknowledged.clone(), stop.clone());
            tokio::spawn(async move {
                let mut n = 0;
                while !stop.load(Ordering::Relaxed) {
                    n += 1;
                    let response = api
                        .post(&url)
                        .bearer_auth(&token)
                        .json(&json!({"recipient_ids": [d.peer], "message": format!("Thanks, number {n}")}))
                        .send()
                        .await
                        .expect("kudos");
                    assert_eq!(response.status(), StatusCode::CREATED);
                    let body: serde_json::Value = response.json().await.expect("json");
                    acknowledged.lock().unwrap().push(body["id"].as_i64().expect("id"));
                }
            })
        };
        while acknowledged.lock().unwrap().len() < 20 {
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        let before_backup = acknowledged.lock().unwrap().clone();
        let url = app.database.url.clone();
        let args = ["backup".to_owned(), path_arg(&backup)];
        let output = tokio::task::spawn_blocking(move || {
            staffdev(&[args[0].as_str(), args[1].as_str()], &url)
        })
        .await
        .unwrap();
        stop.store(true, Ordering::Relaxed);
        writer.await.unwrap();
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        assert!(String::from_utf8_lossy(&output.stdout).contains("integrity check is clean"));

        // Restore into a new place, then every write acknowledged before the backup began
        // is there.
        let restored_url = format!("sqlite://{}", dir.path().join("restored.db").display());
        let output = staffdev(&["restore", &path_arg(&backup)], &restored_url);
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        assert!(String::from_utf8_lossy(&output.stdout).contains("Restored 5 people"));
        let restored = kudos_ids(&restored_url).await;
        let missing: Vec<_> = before_backup.iter().filter(|id| !restored.contains(id)).collect();
        assert!(missing.is_empty(), "acknowledged before the backup but not in it: {missing:?}");
        assert!(restored.len() >= before_backup.len());

        // The restored database serves: PRAGMA integrity_check was run by the command;
        // a second restore over it is refused, since it now holds a department.
        let output = staffdev(&["restore", &path_arg(&backup)], &restored_url);
        assert!(failure_line(&output).contains("already holds a department (5 people)"));
    }
}

both_backends! {
    async fn a_backup_to_a_bad_place_is_refused_in_one_sentence_and_writes_nothing(app) {
        if app.database.url.starts_with("postgres") {
            return;
        }
        app.department().await;
        let dir = tempfile::tempdir().unwrap();
        let existing = dir.path().join("taken.db");
        std::fs::write(&existing, b"keep me").unwrap();
        let cases = [
            (dir.path().join("missing/dir/backup.db"), "does not exist"),
            (existing.clone(), "already exists; a backup never overwrites a file"),
        ];
        for (path, expected) in cases {
            let output = staffdev(&["backup", &path_arg(&path)], &app.database.url);
            let line = failure_line(&output);
            assert!(line.starts_with("staffdev: "), "{line}");
            assert!(line.contains(expected), "{path:?}: {line}");
        }
        assert_eq!(std::fs::read(&existing).unwrap(), b"keep me");

        // A directory nobody may write to (root may write anywhere, so only when not root).
        let locked = dir.path().join("locked");
        std::fs::create_dir(&locked).unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o500)).unwrap();
        let probe = locked.join("probe");
        if std::fs::write(&probe, b"").is_err() {
            let output = staffdev(&["backup", &path_arg(&locked.join("b.db"))], &app.database.url);
            assert!(failure_line(&output).contains("could not write the backup"));
        }

        // Restoring something that is not a backup is refused, and the target untouched.
        let target = format!("sqlite://{}", dir.path().join("new.db").display());
        let output = staffdev(&["restore", &path_arg(&existing)], &target);
        assert!(failure_line(&output).contains("is not a sound staffdev backup"));
        let output = staffdev(&["restore", &path_arg(&dir.path().join("nothing.db"))], &target);
        assert!(failure_line(&output).contains("does not exist"));
        assert!(!dir.path().join("new.db").exists());
    }
}
