//! One fresh, migrated database per test, without migrating each one.
//!
//! PostgreSQL: the first test of a run migrates a template database once; every test then
//! gets `CREATE DATABASE staffdev_test_<run>_<n> TEMPLATE staffdev_template_<run>` (a copy
//! of the files, instead of a dozen DDL statements with a commit each). `<run>` is random
//! per run of the test binary, so two runs on one server (two worktrees testing at once)
//! never share or see each other's half-migrated template, and a changed migration set
//! always gets a template of its own.
//!
//! Cleanup: each test drops its database when it ends. The template, and the databases of
//! a run that was killed, outlive their run (the test harness has no hook for "all tests
//! are done"), so a run that is alive says so with a session named
//! `staffdev_tests_<run>`, held open for as long as the process lives; the next run drops
//! every `staffdev_template_<run>` and `staffdev_test_<run>_<n>` whose run has no such
//! session. By hand: `DROP DATABASE staffdev_template_<run>` for any run not running.
//!
//! SQLite: the first test migrates a file once and keeps its bytes; every test writes them
//! into a file of its own.

use std::{
    collections::HashSet,
    sync::atomic::{AtomicU32, Ordering},
    time::Duration,
};

use sea_orm::{
    ConnectionTrait,
    sqlx::{self, AssertSqlSafe, Connection, postgres::PgConnection},
};
use staffdev::db::Db;
use tokio::sync::OnceCell;

use super::{Backend, POSTGRES_ENV};

const TEMPLATE_PREFIX: &str = "staffdev_template_";
const TEST_PREFIX: &str = "staffdev_test_";
/// The `application_name` of the session that says a run is alive.
const ALIVE_PREFIX: &str = "staffdev_tests_";
/// PostgreSQL's SQLSTATE for "source database … is being accessed by other users".
const OBJECT_IN_USE: &str = "55006";

/// A fresh database for one test, already migrated: a file in a temporary directory for
/// SQLite, a new database on the server for PostgreSQL (dropped when the test ends).
pub struct TestDatabase {
    pub url: String,
    _dir: Option<tempfile::TempDir>,
    postgres: Option<(String, String)>,
}

impl TestDatabase {
    pub async fn new(backend: Backend) -> TestDatabase {
        match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().expect("temporary directory");
                let path = dir.path().join("staffdev.db");
                std::fs::write(&path, sqlite_template().await).expect("write the test database");
                TestDatabase {
                    url: format!("sqlite://{}", path.display()),
                    _dir: Some(dir),
                    postgres: None,
                }
            }
            Backend::Postgres => {
                let run = postgres_run().await;
                let name = run.next_database_name();
                run.clone_template(&name).await;
                TestDatabase {
                    url: database_url(&run.admin_url, &name),
                    _dir: None,
                    postgres: Some((run.admin_url.clone(), name)),
                }
            }
        }
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let Some((admin_url, name)) = self.postgres.take() else {
            return;
        };
        // Drop runs outside async; a small runtime of its own drops the database.
        let _ = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?;
            runtime.block_on(async move {
                let _ = execute(
                    &admin_url,
                    &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
                )
                .await;
            });
            Ok::<_, std::io::Error>(())
        })
        .join();
    }
}

/// The migrated SQLite file's bytes, made once per run. Kept in memory rather than as a
/// file: a static is never dropped, so a temporary directory held here would never go.
async fn sqlite_template() -> &'static [u8] {
    static TEMPLATE: OnceCell<Vec<u8>> = OnceCell::const_new();
    TEMPLATE
        .get_or_init(|| async {
            let dir = tempfile::tempdir().expect("temporary directory");
            let path = dir.path().join("template.db");
            let db = Db::connect(&format!("sqlite://{}", path.display()), 1)
                .await
                .expect("create the SQLite template");
            db.migrate_up().await.expect("migrate the SQLite template");
            // Everything into the main file, so copying that one file copies it all.
            db.conn()
                .execute_unprepared("PRAGMA wal_checkpoint(TRUNCATE)")
                .await
                .expect("checkpoint the SQLite template");
            db.close().await;
            std::fs::read(&path).expect("read the SQLite template")
        })
        .await
}

/// This run's template on the PostgreSQL server named by `STAFFDEV_TEST_POSTGRES_URL`.
struct PostgresRun {
    admin_url: String,
    run: String,
    template: String,
    databases: AtomicU32,
}

/// Made by the first PostgreSQL test of the run; the others wait for it. Nothing here keeps
/// a connection: each test has a runtime of its own, and a connection lives in one.
async fn postgres_run() -> &'static PostgresRun {
    static RUN: OnceCell<PostgresRun> = OnceCell::const_new();
    RUN.get_or_init(PostgresRun::start).await
}

impl PostgresRun {
    async fn start() -> PostgresRun {
        let admin_url = std::env::var(POSTGRES_ENV).expect("STAFFDEV_TEST_POSTGRES_URL");
        let run = uuid::Uuid::new_v4().simple().to_string()[..12].to_owned();
        // Alive before any database of the run exists, so no other run takes them for
        // leftovers.
        stay_alive(&admin_url, &run).await;
        drop_leftovers(&admin_url).await;

        let template = format!("{TEMPLATE_PREFIX}{run}");
        execute(&admin_url, &format!("CREATE DATABASE {template}"))
            .await
            .expect("create the template database");
        let db = Db::connect(&database_url(&admin_url, &template), 1)
            .await
            .expect("connect to the template database");
        db.migrate_up()
            .await
            .expect("migrate the template database");
        db.close().await;
        // Nobody connects to it again (a session on it stops every clone); its owner may
        // still clone and drop it.
        execute(
            &admin_url,
            &format!("ALTER DATABASE {template} WITH ALLOW_CONNECTIONS false"),
        )
        .await
        .expect("close the template database to connections");
        PostgresRun {
            admin_url,
            run,
            template,
            databases: AtomicU32::new(0),
        }
    }

    fn next_database_name(&self) -> String {
        let n = self.databases.fetch_add(1, Ordering::Relaxed);
        format!("{TEST_PREFIX}{}_{n}", self.run)
    }

    async fn clone_template(&self, name: &str) {
        let sql = format!("CREATE DATABASE {name} TEMPLATE {}", self.template);
        // The migrating session's backend may still be on its way out after `close`;
        // PostgreSQL itself waits five seconds for it, and then we try a few more times.
        let mut attempts = 0;
        loop {
            match execute(&self.admin_url, &sql).await {
                Ok(()) => return,
                Err(error) if attempts < 10 && is_object_in_use(&error) => {
                    attempts += 1;
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
                Err(error) => panic!("create {name} from the template: {error}"),
            }
        }
    }
}

fn is_object_in_use(error: &sqlx::Error) -> bool {
    error
        .as_database_error()
        .and_then(|e| e.code())
        .is_some_and(|code| code == OBJECT_IN_USE)
}

/// Holds a session named `staffdev_tests_<run>` open until the process ends, on a thread
/// and runtime of its own (the test that started the run may end long before the others).
async fn stay_alive(admin_url: &str, run: &str) {
    let mut url = url::Url::parse(admin_url).expect("a PostgreSQL URL");
    url.query_pairs_mut()
        .append_pair("application_name", &format!("{ALIVE_PREFIX}{run}"));
    let (connected, is_connected) = tokio::sync::oneshot::channel();
    std::thread::Builder::new()
        .name(format!("{ALIVE_PREFIX}{run}"))
        .spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("a runtime");
            runtime.block_on(async move {
                match PgConnection::connect(url.as_str()).await {
                    Ok(_session) => {
                        let _ = connected.send(Ok(()));
                        std::future::pending::<()>().await;
                    }
                    Err(error) => {
                        let _ = connected.send(Err(error));
                    }
                }
            });
        })
        .expect("start the thread that holds the run's session");
    is_connected
        .await
        .expect("the run's session thread answers")
        .expect("open the run's session on PostgreSQL");
}

/// Drops the templates and test databases of runs that are no longer alive (killed, or
/// simply finished: a run cannot drop its template at its end).
async fn drop_leftovers(admin_url: &str) {
    let mut connection = PgConnection::connect(admin_url)
        .await
        .expect("connect to PostgreSQL");
    // The databases first, the live sessions after: a run is alive before it creates any
    // database, so a run seen with a database here and no session below is gone.
    let databases: Vec<String> = sqlx::query_scalar(
        "SELECT datname::text FROM pg_database WHERE datname LIKE 'staffdev\\_%'",
    )
    .fetch_all(&mut connection)
    .await
    .expect("list the databases");
    let alive: HashSet<String> = sqlx::query_scalar(
        "SELECT application_name FROM pg_stat_activity WHERE application_name LIKE 'staffdev\\_tests\\_%'",
    )
    .fetch_all(&mut connection)
    .await
    .expect("list the live test runs")
    .into_iter()
    .filter_map(|name: String| name.strip_prefix(ALIVE_PREFIX).map(str::to_owned))
    .collect();
    for database in databases {
        let Some(run) = run_of(&database) else {
            continue;
        };
        if !alive.contains(run) {
            // Without FORCE: a database someone is still connected to stays. Another run
            // may be dropping the same one at the same moment; either way it goes.
            let sql = format!("DROP DATABASE IF EXISTS {database}");
            let _ = sqlx::raw_sql(AssertSqlSafe(sql))
                .execute(&mut connection)
                .await;
        }
    }
    let _ = connection.close().await;
}

/// The run a database of these tests belongs to: `staffdev_template_<run>` or
/// `staffdev_test_<run>_<n>`, with `<run>` twelve hex digits. Other names (those of older
/// test code, or anything else) are not ours to drop.
fn run_of(database: &str) -> Option<&str> {
    let run = match database.strip_prefix(TEMPLATE_PREFIX) {
        Some(run) => run,
        None => {
            let (run, n) = database.strip_prefix(TEST_PREFIX)?.split_once('_')?;
            if n.is_empty() || !n.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            run
        }
    };
    (run.len() == 12 && run.bytes().all(|b| b.is_ascii_hexdigit())).then_some(run)
}

/// Runs one statement on its own session (one statement: CREATE and DROP DATABASE refuse
/// to run in a transaction).
async fn execute(admin_url: &str, sql: &str) -> Result<(), sqlx::Error> {
    let mut connection = PgConnection::connect(admin_url).await?;
    let result = sqlx::raw_sql(AssertSqlSafe(sql.to_owned()))
        .execute(&mut connection)
        .await;
    let _ = connection.close().await;
    result.map(|_| ())
}

fn database_url(admin_url: &str, database: &str) -> String {
    let mut url = url::Url::parse(admin_url).expect("a PostgreSQL URL");
    url.set_path(database);
    url.to_string()
}

#[test]
fn only_the_names_of_these_tests_are_taken_for_leftovers() {
    assert_eq!(
        run_of("staffdev_template_0123456789ab"),
        Some("0123456789ab")
    );
    assert_eq!(
        run_of("staffdev_test_0123456789ab_17"),
        Some("0123456789ab")
    );
    for not_ours in [
        "staffdev",
        "staffdev_test_0123456789abcdef0123456789abcdef",
        "staffdev_test_0123456789ab_",
        "staffdev_test_0123456789ab_x",
        "staffdev_template_0123456789",
        "staffdev_template_0123456789xy",
        "postgres",
    ] {
        assert_eq!(run_of(not_ours), None, "{not_ours}");
    }
}
