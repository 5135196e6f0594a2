//! Database connections, migrations and write transactions for both backends.
//!
//! SQLite runs in WAL mode with foreign keys on and a busy timeout. Writers are serialized
//! in the process and start with `BEGIN IMMEDIATE`: a deferred transaction that reads and
//! then writes fails at once with SQLITE_BUSY whatever the timeout, which would surface
//! "database is locked" to a user. PostgreSQL uses an ordinary pool and plain transactions.

use std::{
    ops::Deref,
    str::FromStr,
    sync::{
        Arc,
        atomic::{AtomicU32, AtomicU64, Ordering},
    },
    time::Duration,
};

use anyhow::Context;
use migration::{Migrator, MigratorTrait};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DatabaseTransaction, DbBackend,
    DbErr, ExecResult, QueryResult, SqliteTransactionMode, Statement, TransactionOptions,
    TransactionTrait, Value,
    sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous},
};
use tokio::sync::{Mutex, OwnedMutexGuard};

use crate::error::AppError;

/// Page cache per pooled SQLite connection, in KiB (negative: a size, not a page count).
const SQLITE_CACHE_KIB: &str = "-16384";

/// How long SQLite waits for another process's write lock before giving up.
const SQLITE_BUSY_TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Clone)]
pub struct Db {
    conn: DatabaseConnection,
    /// Statements run through this pool since it was opened: lets tests prove that a page
    /// runs a fixed number of queries whatever the data, and is cheap enough to keep.
    statements: Arc<AtomicU64>,
    /// Serializes writers on SQLite, which allows one writer at a time anyway; waiting here
    /// is fair and cheap, where waiting in SQLite's busy handler means sleeping and polling.
    sqlite_writer: Option<Arc<Mutex<()>>>,
    /// Write transactions committed through this pool: a snapshot read before the last
    /// commit here is stale, which lets read caches drop at once after a local write.
    generation: Arc<AtomicU64>,
    /// A limit on the SQLite file's size in pages, applied to every pooled connection
    /// (0: none set). Only tests set it, to fill the database on demand.
    sqlite_page_limit: Arc<AtomicU32>,
}

/// A write transaction. Dropping it without `commit` rolls it back.
pub struct WriteTxn {
    txn: DatabaseTransaction,
    generation: Arc<AtomicU64>,
    // Declared after `txn` so the transaction is released before the writer lock.
    _writer: Option<OwnedMutexGuard<()>>,
}

impl Deref for WriteTxn {
    type Target = DatabaseTransaction;
    fn deref(&self) -> &DatabaseTransaction {
        &self.txn
    }
}

/// A write transaction is a connection, so helpers that write take `&WriteTxn` and run
/// their statements on it directly. Taking `&WriteTxn` rather than any
/// `ConnectionTrait` is the point: a caller cannot hand such a helper the read pool and
/// so bypass `BEGIN IMMEDIATE`, the writer lock and the emptying of shared snapshots.
#[async_trait::async_trait]
impl ConnectionTrait for WriteTxn {
    fn get_database_backend(&self) -> DbBackend {
        self.txn.get_database_backend()
    }

    async fn execute_raw(&self, stmt: Statement) -> Result<ExecResult, DbErr> {
        self.txn.execute_raw(stmt).await
    }

    async fn execute_unprepared(&self, sql: &str) -> Result<ExecResult, DbErr> {
        self.txn.execute_unprepared(sql).await
    }

    async fn query_one_raw(&self, stmt: Statement) -> Result<Option<QueryResult>, DbErr> {
        self.txn.query_one_raw(stmt).await
    }

    async fn query_all_raw(&self, stmt: Statement) -> Result<Vec<QueryResult>, DbErr> {
        self.txn.query_all_raw(stmt).await
    }

    fn support_returning(&self) -> bool {
        self.txn.support_returning()
    }
}

impl WriteTxn {
    pub async fn commit(self) -> Result<(), AppError> {
        self.txn.commit().await?;
        self.generation.fetch_add(1, Ordering::Release);
        Ok(())
    }

    /// Serializes, across instances, the transactions that read shared rows and then
    /// decide (the sign-in throttle, the last cio, the manager chain). SQLite writers are
    /// serialized already; PostgreSQL takes a transaction-scoped advisory lock per key,
    /// in a fixed order so two transactions cannot deadlock.
    pub async fn lock(&self, keys: &[impl AsRef<str>]) -> Result<(), AppError> {
        if self.txn.get_database_backend() != DbBackend::Postgres {
            return Ok(());
        }
        let mut keys: Vec<&str> = keys.iter().map(AsRef::as_ref).collect();
        keys.sort_unstable();
        keys.dedup();
        for key in keys {
            self.txn
                .execute_raw(Statement::from_sql_and_values(
                    DbBackend::Postgres,
                    "SELECT pg_advisory_xact_lock(hashtext($1))",
                    [key.into()],
                ))
                .await?;
        }
        Ok(())
    }
}

/// `$1, $2, … $n`: the bound parameters of an `IN (…)` list, numbered as both backends
/// read them (the values are bound, never written into the SQL).
pub fn placeholders(n: usize) -> String {
    (1..=n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The bound values of a raw SQL statement, numbered as they are bound: `bind` answers
/// the placeholder to write into the SQL (`$3`), so no query counts its parameters by
/// hand and a fragment built in one function can be extended safely in another. Both
/// backends read `$n` placeholders; the values are always bound, never written into SQL.
#[derive(Debug, Default)]
pub struct Params(Vec<Value>);

impl Params {
    pub fn new() -> Params {
        Params::default()
    }

    /// Binds one value and answers its placeholder.
    pub fn bind(&mut self, value: impl Into<Value>) -> String {
        self.0.push(value.into());
        format!("${}", self.0.len())
    }

    /// Binds each value and answers their placeholders for an `IN (…)` list. An empty
    /// list answers `NULL`, so `x IN (NULL)` matches nothing instead of being bad SQL.
    pub fn bind_all<V: Into<Value>>(&mut self, values: impl IntoIterator<Item = V>) -> String {
        let placeholders: Vec<String> = values.into_iter().map(|v| self.bind(v)).collect();
        if placeholders.is_empty() {
            "NULL".to_owned()
        } else {
            placeholders.join(", ")
        }
    }

    /// The statement for `sql`, which uses the placeholders this answered.
    pub fn statement(self, backend: DbBackend, sql: impl Into<String>) -> Statement {
        Statement::from_sql_and_values(backend, sql, self.0)
    }
}

/// The database URL with any password replaced, for messages and logs.
pub fn redacted_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            let _ = parsed.set_password(Some("***"));
            parsed.to_string()
        }
        _ => url.to_string(),
    }
}

impl Db {
    /// Connects and checks the connection, so a bad URL or an unreachable server is
    /// reported at start-up in one sentence.
    pub async fn connect(url: &str, max_connections: u32) -> anyhow::Result<Db> {
        let shown = redacted_url(url);
        let is_sqlite = url.starts_with("sqlite:");
        if !is_sqlite && !url.starts_with("postgres://") && !url.starts_with("postgresql://") {
            anyhow::bail!(
                "the database URL {shown:?} is not supported: use sqlite://FILE or postgres://USER@HOST/DATABASE"
            );
        }
        let page_limit = Arc::new(AtomicU32::new(0));
        let mut options = ConnectOptions::new(url.to_owned());
        options
            .max_connections(max_connections)
            .connect_timeout(Duration::from_secs(5))
            .acquire_timeout(Duration::from_secs(10))
            .sqlx_logging(false);
        if is_sqlite {
            // Validate the URL here, where we can say what is wrong with it.
            SqliteConnectOptions::from_str(url)
                .with_context(|| format!("the database URL {shown:?} is not a valid SQLite URL"))?;
            options.map_sqlx_sqlite_opts(|opts| {
                opts.create_if_missing(true)
                    .journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Normal)
                    .foreign_keys(true)
                    .busy_timeout(SQLITE_BUSY_TIMEOUT)
                    // SQLite's default page cache (2 MB) is smaller than what one
                    // department-wide aggregate reads, so every run went back to the OS.
                    .pragma("cache_size", SQLITE_CACHE_KIB)
            });
            let limit = page_limit.clone();
            let limit_again = page_limit.clone();
            options.map_sqlx_sqlite_pool_opts(move |pool| {
                let limit = limit.clone();
                let limit_again = limit_again.clone();
                pool.after_connect(move |conn, _| {
                    let limit = limit.clone();
                    Box::pin(async move { apply_page_limit(conn, &limit).await })
                })
                .before_acquire(move |conn, _| {
                    let limit = limit_again.clone();
                    Box::pin(async move { apply_page_limit(conn, &limit).await.map(|()| true) })
                })
            });
            if url.contains(":memory:") || url.contains("mode=memory") {
                // Each pooled connection to an in-memory database sees its own empty one.
                options.max_connections(1).min_connections(1);
            }
        }
        let mut conn = Database::connect(options)
            .await
            .with_context(|| format!("could not connect to the database at {shown}"))?;
        let statements = Arc::new(AtomicU64::new(0));
        let counter = statements.clone();
        conn.set_metric_callback(move |_| {
            counter.fetch_add(1, Ordering::Relaxed);
        });
        conn.ping()
            .await
            .with_context(|| format!("could not reach the database at {shown}"))?;
        Ok(Db {
            sqlite_writer: is_sqlite.then(|| Arc::new(Mutex::new(()))),
            conn,
            statements,
            generation: Arc::new(AtomicU64::new(0)),
            sqlite_page_limit: page_limit,
        })
    }

    /// Limits the SQLite file to `pages` pages (never below its current size), on every
    /// pooled connection from now on: a way for tests to fill the database on demand, as
    /// a full disk would. Raise it again to give the space back. Nothing on PostgreSQL.
    pub fn limit_sqlite_pages(&self, pages: u32) {
        self.sqlite_page_limit.store(pages.max(1), Ordering::Release);
    }

    /// The connection for reads (and for the migrator).
    pub fn conn(&self) -> &DatabaseConnection {
        &self.conn
    }

    /// How many statements have run through this pool.
    pub fn statements_run(&self) -> u64 {
        self.statements.load(Ordering::Relaxed)
    }

    /// How many write transactions have committed through this pool; see `generation`.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    pub fn backend(&self) -> DbBackend {
        self.conn.get_database_backend()
    }

    /// Starts a write transaction: one per operation, so a failure writes nothing.
    pub async fn write(&self) -> Result<WriteTxn, AppError> {
        let writer = match &self.sqlite_writer {
            Some(lock) => Some(lock.clone().lock_owned().await),
            None => None,
        };
        let options = TransactionOptions {
            sqlite_transaction_mode: writer.as_ref().map(|_| SqliteTransactionMode::Immediate),
            ..TransactionOptions::default()
        };
        let txn = self.conn.begin_with_options(options).await?;
        Ok(WriteTxn {
            txn,
            generation: self.generation.clone(),
            _writer: writer,
        })
    }

    pub async fn ping(&self) -> Result<(), AppError> {
        self.conn.ping().await.map_err(AppError::from)
    }

    pub async fn migrate_up(&self) -> anyhow::Result<()> {
        Migrator::up(&self.conn, None)
            .await
            .context("could not apply the database migrations")
    }

    pub async fn migrate_down(&self, steps: u32) -> anyhow::Result<()> {
        Migrator::down(&self.conn, Some(steps))
            .await
            .context("could not revert the database migrations")
    }

    /// Every known migration with whether it has been applied.
    pub async fn migration_status(&self) -> anyhow::Result<Vec<(String, bool)>> {
        let applied = Migrator::get_applied_migrations(&self.conn)
            .await
            .context("could not read the applied migrations")?;
        let applied: Vec<String> = applied.iter().map(|m| m.name().to_owned()).collect();
        Ok(Migrator::migrations()
            .iter()
            .map(|m| {
                let name = m.name().to_owned();
                let done = applied.contains(&name);
                (name, done)
            })
            .collect())
    }

    pub async fn close(self) {
        let _ = self.conn.close().await;
    }
}

/// Applies the page limit set by `Db::limit_sqlite_pages`, if any, to one connection.
async fn apply_page_limit(
    conn: &mut sea_orm::sqlx::SqliteConnection,
    limit: &AtomicU32,
) -> Result<(), sea_orm::sqlx::Error> {
    use sea_orm::sqlx::{AssertSqlSafe, Executor};
    let pages = limit.load(Ordering::Acquire);
    if pages > 0 {
        conn.execute(AssertSqlSafe(format!("PRAGMA max_page_count = {pages}")))
            .await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn params_number_their_placeholders_in_binding_order() {
        let mut params = Params::new();
        let person = params.bind(7);
        let ids = params.bind_all([1, 2, 3]);
        let none = params.bind_all(Vec::<i32>::new());
        let limit = params.bind(20_i64);
        assert_eq!(
            (person.as_str(), ids.as_str(), none.as_str(), limit.as_str()),
            ("$1", "$2, $3, $4", "NULL", "$5")
        );
        let statement = params.statement(DbBackend::Sqlite, "SELECT 1");
        assert_eq!(statement.values.map(|v| v.0.len()), Some(5));
    }
}
