//! `staffdev export` and `staffdev import`, run as the real binary: the demo department
//! moved to the other backend answers the API as it did, a damaged file is refused in
//! one sentence naming its line with nothing written, and an export taken while
//! kudos keep arriving imports cleanly.

use std::{
    path::Path,
    process::Output,
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, Ordering},
    },
    time::Duration,
};

use reqwest::{Client, StatusCode, redirect::Policy};
use sea_orm::{ConnectionTrait, Statement};
use serde_json::{Value, json};
use staffdev::{app::App, config::Settings, db::Db};

use crate::helpers::{
    Backend, POSTGRES_ENV, TestApp, TestDatabase,
    binary::{failure_line, path_arg, staffdev},
};

fn succeeded(output: &Output) -> String {
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "should succeed: {stderr}");
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn backend_of(app: &TestApp) -> Backend {
    if app.database.url.starts_with("postgres") {
        Backend::Postgres
    } else {
        Backend::Sqlite
    }
}

/// The backend a department moves to: the other one, or SQLite again when no
/// PostgreSQL server is configured.
fn other_backend(app: &TestApp) -> Backend {
    match backend_of(app) {
        Backend::Sqlite if std::env::var(POSTGRES_ENV).is_ok_and(|v| !v.is_empty()) => {
            Backend::Postgres
        }
        _ => Backend::Sqlite,
    }
}

/// The app served from a database someone filled beforehand (as `spawn_app` does with a
/// fresh one).
async fn serve(database: TestDatabase) -> TestApp {
    let mut settings = Settings::for_database(database.url.clone());
    settings.bind = "127.0.0.1:0".parse().expect("address");
    settings.db_max_connections = 5;
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

async fn demo_token(app: &TestApp, email: &str) -> String {
    let response = app
        .api
        .post(app.url("/api/v1/auth/tokens"))
        .json(&json!({"email": email, "password": staffdev::demo::PASSWORD, "name": "tests"}))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), StatusCode::CREATED, "token for {email}");
    let body: Value = response.json().await.expect("json");
    body["token"].as_str().expect("token").to_owned()
}

async fn raw_get(app: &TestApp, token: &str, path: &str) -> (StatusCode, String) {
    let response = app
        .api
        .get(app.url(path))
        .bearer_auth(token)
        .send()
        .await
        .expect("request");
    (response.status(), response.text().await.expect("body"))
}

/// The first `"id"` in a JSON answer (the first item of a list).
fn first_id(value: &Value) -> Option<i64> {
    match value {
        Value::Object(map) => map
            .get("id")
            .and_then(Value::as_i64)
            .or_else(|| map.values().find_map(first_id)),
        Value::Array(items) => items.iter().find_map(first_id),
        _ => None,
    }
}

/// What PostgreSQL keeps of an answer SQLite gave: its timestamps have microseconds, not
/// nanoseconds (sqlx sends whole microseconds, dropping the rest), so
/// `12:00:00.123456789+00:00` comes back `12:00:00.123456+00:00`, written as chrono
/// writes it (3, 6 or no digits, as the value needs).
fn in_microseconds(body: &str) -> String {
    let bytes = body.as_bytes();
    let mut out = String::with_capacity(body.len());
    let mut i = 0;
    while i < bytes.len() {
        let nine_digits = bytes.len() > i + 10
            && bytes[i] == b'.'
            && i >= 8
            && bytes[i - 3] == b':'
            && bytes[i + 1..i + 10].iter().all(u8::is_ascii_digit)
            && matches!(bytes[i + 10], b'+' | b'Z');
        if nine_digits {
            let micros = &body[i + 1..i + 7];
            if micros == "000000" {
            } else if micros.ends_with("000") {
                out.push('.');
                out.push_str(&micros[..3]);
            } else {
                out.push('.');
                out.push_str(micros);
            }
            i += 10;
        } else {
            let c = body[i..].chars().next().expect("a character");
            out.push(c);
            i += c.len_utf8();
        }
    }
    out
}

/// A person's own data without its API tokens and its time of making (the rest as it
/// came, written again).
fn without_tokens_and_time(body: &str) -> String {
    let mut data: Value = serde_json::from_str(body).expect("JSON");
    let object = data.as_object_mut().expect("an object");
    for key in ["api_tokens", "exported_at"] {
        assert!(object.remove(key).is_some(), "{key} in {body}");
    }
    data.to_string()
}

/// Those of `tables` that hold rows, on one connection.
async fn with_rows(url: &str, tables: &[String]) -> Vec<String> {
    let db = Db::connect(url, 1).await.expect("open the database");
    let mut written = Vec::new();
    for table in tables {
        let row = db
            .conn()
            .query_one_raw(Statement::from_string(
                db.backend(),
                format!("SELECT 1 AS present FROM {table} LIMIT 1"),
            ))
            .await
            .expect("look into the table");
        if row.is_some() {
            written.push(table.clone());
        }
    }
    db.close().await;
    written
}

async fn count(url: &str, table: &str) -> i64 {
    let db = Db::connect(url, 1).await.expect("open the database");
    let row = db
        .conn()
        .query_one_raw(Statement::from_string(
            db.backend(),
            format!("SELECT COUNT(*) AS n FROM {table}"),
        ))
        .await
        .expect("count")
        .expect("a row");
    let n = row.try_get::<i64>("", "n").expect("n");
    db.close().await;
    n
}

/// The planner's statistics of a table: `ANALYZE` has run over it since it was filled.
async fn statistics_of(url: &str, table: &str) -> i64 {
    let db = Db::connect(url, 1).await.expect("open the database");
    let sql = match db.backend() {
        sea_orm::DbBackend::Postgres => format!(
            "SELECT COUNT(*)::int8 AS n FROM pg_stats WHERE schemaname = current_schema() AND tablename = '{table}'"
        ),
        _ => format!("SELECT COUNT(*) AS n FROM sqlite_stat1 WHERE tbl = '{table}'"),
    };
    let row = db
        .conn()
        .query_one_raw(Statement::from_string(db.backend(), sql))
        .await;
    db.close().await;
    row.expect("read the statistics")
        .expect("a row")
        .try_get::<i64>("", "n")
        .expect("n")
}

both_backends! {
    async fn the_demo_department_moved_to_the_other_backend_answers_the_api_byte_for_byte(app) {
        staffdev::demo::load(app.db()).await.expect("load the demo");
        // Both bulk loads, the demo and the import, leave the planner its statistics.
        assert!(statistics_of(&app.database.url, "kudos").await > 0, "after the demo");
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("department.jsonl");
        let output = staffdev(&["export", &path_arg(&file)], &app.database.url);
        assert!(succeeded(&output).starts_with("Exported "));

        let target_backend = other_backend(&app);
        let target = TestDatabase::new(target_backend).await;
        let output = staffdev(&["import", &path_arg(&file)], &target.url);
        let said = succeeded(&output);
        assert!(said.starts_with("Imported "), "{said}");
        let told = String::from_utf8_lossy(&output.stderr);
        assert!(told.contains("refreshed the planner's statistics"), "{told}");
        assert!(statistics_of(&target.url, "kudos").await > 0, "after the import");
        let moved = serve(target).await;

        let (cio, moved_cio) = (
            demo_token(&app, staffdev::demo::CIO_EMAIL).await,
            demo_token(&moved, staffdev::demo::CIO_EMAIL).await,
        );
        let (staff, moved_staff) = (
            demo_token(&app, staffdev::demo::STAFF_EMAIL).await,
            demo_token(&moved, staffdev::demo::STAFF_EMAIL).await,
        );
        let id_in = async |path: &str| {
            let (_, body) = app.get_json(&cio, path).await;
            first_id(&body).unwrap_or_else(|| panic!("an id in {path}: {body}"))
        };
        let (_, me) = app.get_json(&staff, "/api/v1/me").await;
        let staff_id = me["id"].as_i64().expect("my id");
        let plan = id_in("/api/v1/plans").await;
        let cycle = id_in("/api/v1/cycles").await;
        let trophy = id_in("/api/v1/trophies").await;
        let meeting = id_in("/api/v1/meetings").await;
        let reads = [
            "/api/v1/portal".to_owned(),
            "/api/v1/people".to_owned(),
            format!("/api/v1/people/{staff_id}"),
            "/api/v1/plans".to_owned(),
            format!("/api/v1/plans/{plan}"),
            "/api/v1/cycles".to_owned(),
            format!("/api/v1/cycles/{cycle}"),
            format!("/api/v1/cycles/{cycle}/goals"),
            format!("/api/v1/cycles/{cycle}/self-evaluations/{staff_id}"),
            "/api/v1/skills".to_owned(),
            "/api/v1/skills/department".to_owned(),
            format!("/api/v1/people/{staff_id}/skills"),
            "/api/v1/kudos".to_owned(),
            "/api/v1/trophies".to_owned(),
            format!("/api/v1/trophies/{trophy}"),
            format!("/api/v1/trophies/{trophy}/notebook"),
            format!("/api/v1/people/{staff_id}/recognition"),
            "/api/v1/compliments".to_owned(),
            "/api/v1/announcements".to_owned(),
            "/api/v1/hidden".to_owned(),
            "/api/v1/meetings".to_owned(),
            format!("/api/v1/meetings/{meeting}"),
            "/api/v1/ideas".to_owned(),
            "/api/v1/surveys".to_owned(),
            "/api/v1/reports".to_owned(),
            "/api/v1/summaries".to_owned(),
        ];
        let nanoseconds_lost = backend_of(&app) == Backend::Sqlite && target_backend == Backend::Postgres;
        let mut compared = 0;
        for (token, moved_token, who) in [(&cio, &moved_cio, "cio"), (&staff, &moved_staff, "staff")] {
            for path in reads.iter().map(String::as_str).chain(["/api/v1/me/data", "/api/v1/team"]) {
                let (status, before) = raw_get(&app, token, path).await;
                let (moved_status, after) = raw_get(&moved, moved_token, path).await;
                assert_eq!(status, moved_status, "{who} GET {path}: {before}");
                let mut expected = if nanoseconds_lost { in_microseconds(&before) } else { before };
                let mut after = after;
                if path == "/api/v1/me/data" {
                    // Its API tokens are the ones each side made for this test (tokens are
                    // credentials, left out of an export by design), and it says when it
                    // was asked for.
                    (expected, after) = (without_tokens_and_time(&expected), without_tokens_and_time(&after));
                }
                if expected != after {
                    let at = expected.bytes().zip(after.bytes()).take_while(|(a, b)| a == b).count();
                    let from = at.saturating_sub(80);
                    panic!(
                        "{who} GET {path} differs at byte {at}:\n before: {}\n  after: {}",
                        &expected[from..(at + 80).min(expected.len())],
                        &after[from..(at + 80).min(after.len())]
                    );
                }
                if status == StatusCode::OK {
                    compared += 1;
                }
            }
        }
        assert!(compared >= 40, "only {compared} reads answered 200");

        // The ids go on where they stopped: a new kudos gets the next one, not id 1.
        let (_, kudos) = moved.get_json(&moved_cio, "/api/v1/kudos").await;
        let newest = first_id(&kudos).expect("kudos");
        let (status, created) = moved
            .post_json(&moved_staff, "/api/v1/kudos", json!({"recipient_ids": [1], "message": "Thanks for the move"}))
            .await;
        assert_eq!(status, StatusCode::CREATED, "{created}");
        assert!(created["id"].as_i64().expect("id") > newest, "{created} after {newest}");
    }
}

/// The lines of a file, and where the `people` and `kudos` tables begin (index of their
/// table line).
struct Exported {
    lines: Vec<String>,
}

impl Exported {
    fn read(path: &Path) -> Exported {
        let text = std::fs::read_to_string(path).expect("read the export");
        Exported {
            lines: text.lines().map(str::to_owned).collect(),
        }
    }

    fn table_line(&self, table: &str) -> usize {
        self.lines
            .iter()
            .position(|line| serde_json::from_str::<Value>(line).is_ok_and(|v| v["table"] == table))
            .unwrap_or_else(|| panic!("the table {table} in the export"))
    }

    fn column(&self, table: &str, column: &str) -> usize {
        let header: Value = serde_json::from_str(&self.lines[self.table_line(table)]).unwrap();
        header["columns"]
            .as_array()
            .unwrap()
            .iter()
            .position(|c| c == column)
            .unwrap_or_else(|| panic!("{table}.{column}"))
    }

    /// Changes one value of the row on line index `at`.
    fn set(&mut self, at: usize, column: usize, value: Value) {
        let mut row: Value = serde_json::from_str(&self.lines[at]).unwrap();
        row[column] = value;
        self.lines[at] = row.to_string();
    }

    fn write(&self, path: &Path) {
        std::fs::write(path, self.lines.join("\n") + "\n").expect("write the file");
    }
}

/// A damaged copy of the export, and the sentence its import must end with.
type Damage = Box<dyn Fn(&mut Exported) -> String>;

both_backends! {
    async fn a_damaged_file_is_refused_naming_its_line_and_writes_nothing(app) {
        let d = app.department().await;
        let token = app.token("eng@example.org").await;
        let (status, _) = app
            .post_json(&token, "/api/v1/kudos", json!({"recipient_ids": [d.peer], "message": "Thanks"}))
            .await;
        assert_eq!(status, StatusCode::CREATED);
        let dir = tempfile::tempdir().unwrap();
        let good = dir.path().join("good.jsonl");
        succeeded(&staffdev(&["export", &path_arg(&good)], &app.database.url));
        let target = TestDatabase::new(backend_of(&app)).await;
        // Every table the file carries, each checked empty after every refusal.
        let tables: Vec<String> = Exported::read(&good)
            .lines
            .iter()
            .filter_map(|line| {
                let value: Value = serde_json::from_str(line).ok()?;
                value["table"].as_str().map(str::to_owned)
            })
            .collect();
        assert!(tables.len() > 40, "{tables:?}");

        let cases: Vec<(&str, Damage)> = vec![
            ("truncated", Box::new(|f: &mut Exported| {
                let cut = f.table_line("kudos_recipients") + 1;
                f.lines.truncate(cut);
                format!("the file ends after line {cut} without its end marker: it was cut short (truncated); export it again")
            })),
            ("a corrupted line", Box::new(|f: &mut Exported| {
                let at = f.table_line("people") + 2;
                f.lines[at].truncate(20);
                format!("line {}: not valid JSON", at + 1)
            })),
            ("a duplicate id", Box::new(|f: &mut Exported| {
                let at = f.table_line("people") + 2;
                let id = f.column("people", "id");
                f.set(at, id, json!(1));
                format!("line {}: table people: a second row with id 1 (a duplicate id)", at + 1)
            })),
            ("a foreign key to nothing", Box::new(|f: &mut Exported| {
                let at = f.table_line("kudos") + 1;
                let giver = f.column("kudos", "giver_id");
                f.set(at, giver, json!(999));
                format!("line {}: table kudos: giver_id 999 refers to no row of people (a foreign key to nothing)", at + 1)
            })),
            ("a manager who is nobody", Box::new(|f: &mut Exported| {
                let at = f.table_line("people") + 2;
                let manager = f.column("people", "manager_id");
                f.set(at, manager, json!(999));
                format!("line {}: table people: manager_id 999 refers to no row of people (a foreign key to nothing)", at + 1)
            })),
            ("control characters", Box::new(|f: &mut Exported| {
                let at = f.table_line("people") + 1;
                let name = f.column("people", "name");
                f.set(at, name, json!("Carla\u{7} CIO"));
                format!("line {}: table people, column name: the text holds a control character (U+0007); only tab, line feed and carriage return may appear in a text", at + 1)
            })),
            ("a value of the wrong kind", Box::new(|f: &mut Exported| {
                let at = f.table_line("people") + 1;
                let id = f.column("people", "id");
                f.set(at, id, json!("one"));
                format!("line {}: table people, column id: expected a whole number, found \"one\"", at + 1)
            })),
            ("a row too short", Box::new(|f: &mut Exported| {
                let at = f.table_line("people") + 1;
                let mut row: Vec<Value> = serde_json::from_str(&f.lines[at]).unwrap();
                row.pop();
                f.lines[at] = Value::Array(row.clone()).to_string();
                format!("line {}: table people: the row has {} values where the table line lists {} columns", at + 1, row.len(), row.len() + 1)
            })),
            ("an unknown table", Box::new(|f: &mut Exported| {
                let at = f.lines.len() - 1;
                f.lines.insert(at, json!({"table": "payroll", "columns": ["id"]}).to_string());
                format!("line {}: unknown table \"payroll\": this staffdev has no such table", at + 1)
            })),
            ("a newer format version", Box::new(|f: &mut Exported| {
                f.lines[0] = f.lines[0].replace("\"version\":1", "\"version\":2");
                "line 1: the file is format version 2, newer than this staffdev reads (version 1); import it with a newer staffdev".to_owned()
            })),
            ("a migration this staffdev does not have", Box::new(|f: &mut Exported| {
                let mut header: Value = serde_json::from_str(&f.lines[0]).unwrap();
                header["migrations"].as_array_mut().unwrap().push(json!("m20991231_000001_from_the_future"));
                f.lines[0] = header.to_string();
                "line 1: the file was exported by a newer staffdev: its migration m20991231_000001_from_the_future is unknown to this one; import it with that version or a newer one".to_owned()
            })),
        ];
        for (what, damage) in cases {
            let mut file = Exported::read(&good);
            let expected = damage(&mut file);
            let damaged = dir.path().join("damaged.jsonl");
            file.write(&damaged);
            let line = failure_line(&staffdev(&["import", &path_arg(&damaged)], &target.url));
            assert!(line.starts_with(&format!("staffdev: {expected}")), "{what}:\n  said {line}\nwanted {expected}");
            let written = with_rows(&target.url, &tables).await;
            assert!(written.is_empty(), "{what}: {written:?} were written");
        }

        // Into an SQLite file that did not exist, a refused import leaves no file.
        if backend_of(&app) == Backend::Sqlite {
            let fresh = dir.path().join("fresh.db");
            let mut file = Exported::read(&good);
            let at = file.table_line("people") + 2;
            let id = file.column("people", "id");
            file.set(at, id, json!(1));
            let damaged = dir.path().join("damaged.jsonl");
            file.write(&damaged);
            let fresh_url = format!("sqlite://{}", fresh.display());
            failure_line(&staffdev(&["import", &path_arg(&damaged)], &fresh_url));
            assert!(!fresh.exists());
        }

        // The good file goes in; a second time it is refused, the department being there.
        succeeded(&staffdev(&["import", &path_arg(&good)], &target.url));
        assert_eq!(count(&target.url, "people").await, 5);
        let line = failure_line(&staffdev(&["import", &path_arg(&good)], &target.url));
        assert_eq!(line, "staffdev: the target database already holds a department (the table people has rows); import only into a new, empty database");
        assert_eq!(count(&target.url, "people").await, 5);

        // An export never overwrites a file, and a missing file is said so.
        let line = failure_line(&staffdev(&["export", &path_arg(&good)], &app.database.url));
        assert!(line.contains("already exists; an export never overwrites a file"), "{line}");
        let missing = dir.path().join("missing.jsonl");
        let line = failure_line(&staffdev(&["import", &path_arg(&missing)], &target.url));
        assert!(line.ends_with("does not exist"), "{line}");
    }
}

both_backends! {
    async fn an_export_taken_while_kudos_arrive_imports_cleanly(app) {
        let d = app.department().await;
        let token = app.token("eng@example.org").await;
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
                    let body: Value = response.json().await.expect("json");
                    acknowledged.lock().unwrap().push(body["id"].as_i64().expect("id"));
                }
            })
        };
        while acknowledged.lock().unwrap().len() < 20 {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let before_export = acknowledged.lock().unwrap().clone();
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("while-serving.jsonl");
        let (url, arg) = (app.database.url.clone(), path_arg(&file));
        let output = tokio::task::spawn_blocking(move || staffdev(&["export", &arg], &url))
            .await
            .unwrap();
        stop.store(true, Ordering::Relaxed);
        writer.await.unwrap();
        succeeded(&output);

        let target = TestDatabase::new(other_backend(&app)).await;
        succeeded(&staffdev(&["import", &path_arg(&file)], &target.url));
        let db = Db::connect(&target.url, 1).await.expect("open the target");
        let rows = db
            .conn()
            .query_all_raw(Statement::from_string(db.backend(), "SELECT id FROM kudos ORDER BY id"))
            .await
            .expect("kudos");
        let imported: Vec<i64> = rows.iter().map(|row| row.try_get::<i64>("", "id").expect("id")).collect();
        let recipients = count(&target.url, "kudos_recipients").await;
        db.close().await;
        let missing: Vec<_> = before_export.iter().filter(|id| !imported.contains(id)).collect();
        assert!(missing.is_empty(), "acknowledged before the export but not in it: {missing:?}");
        // One moment of the department: every kudos with its recipient, and no other.
        assert_eq!(recipients, imported.len() as i64);
    }
}
