//! Database connections, migrations and write transactions for both backends.
//!
//! SQLite runs in WAL mode with foreign keys on and a busy timeout. Writers are serialized
//! in the process and start with `BEGIN IMMEDIATE`: a deferred transaction that reads and
//! then writes fails at once with SQLITE_BUSY whatever the timeout, which would surface
//! "database is locked" to a user. PostgreSQL uses an ordinary pool and plain transactions.
//!
//! Failures of the database itself, and what they leave behind:
//! - A failed COMMIT or ROLLBACK on SQLite (a full disk, an I/O error) can leave the
//!   connection inside its transaction while sqlx believes otherwise; the next "BEGIN" on
//!   it becomes a SAVEPOINT inside the dead transaction, its COMMIT a RELEASE that stores
//!   nothing, and the open transaction holds the write lock for good. So SQLite writes run
//!   on a connection of their own (a pool of one, outside the read pool), which is
//!   replaced after a failed COMMIT and closed on release whenever a rollback did not end
//!   its transaction. Nothing acknowledged can then sit in a transaction that never ends.
//! - A read whose connection died (PostgreSQL restarted, `pg_terminate_backend`) is retried
//!   once on a fresh connection (`ReadConn`); a write is never retried blindly, since its
//!   outcome is unknown: it answers 503.
//! - Whether the database can take writes is tracked (`WriteHealth`) for `/readyz`.

use std::{
    ops::Deref,
    str::FromStr,
    sync::{
        Arc,
        atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering},
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

use crate::error::{AppError, DbFailure};

/// Page cache per pooled SQLite connection, in KiB (negative: a size, not a page count).
const SQLITE_CACHE_KIB: &str = "-16384";

/// How long SQLite waits for another process's write lock before giving up.
const SQLITE_BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// The table the readiness probe creates (and drops or rolls back) to prove that the
/// database can still allocate pages and, after a failure, commit.
const READINESS_PROBE_TABLE: &str = "staffdev_readiness_probe";
/// What the readiness probe writes on SQLite: room for a write, not for one page. A file
/// that cannot grow may still hold a few free pages (a dropped index's, or those a
/// failed write gave back), enough for the probe's new table but not for a kudos and its
/// index entries; 64 KiB (16 pages) must come from growing the file unless that many
/// are free.
const READINESS_PROBE_BYTES: u32 = 64 * 1024;

#[derive(Clone)]
pub struct Db {
    conn: ReadConn,
    /// Statements run through this pool since it was opened: lets tests prove that a page
    /// runs a fixed number of queries whatever the data, and is cheap enough to keep.
    statements: Arc<AtomicU64>,
    /// The SQLite write connection, behind the lock that serializes writers: SQLite allows
    /// one writer at a time anyway, and waiting here is fair and cheap, where waiting in
    /// SQLite's busy handler means sleeping and polling. None on PostgreSQL.
    sqlite_writer: Option<Arc<Mutex<SqliteWriter>>>,
    /// Write transactions committed through this pool: a snapshot read before the last
    /// commit here is stale, which lets read caches drop at once after a local write.
    generation: Arc<AtomicU64>,
    /// A limit on the SQLite file's size in pages, applied to every pooled connection
    /// (0: none set). Only tests set it, to fill the database on demand.
    sqlite_page_limit: Arc<AtomicU32>,
    write_health: Arc<WriteHealth>,
}

/// Whether the last write failed because of the database itself (storage full, a failed
/// COMMIT, a connection dropped in the middle of a transaction), until a commit succeeds.
#[derive(Debug, Default)]
pub struct WriteHealth {
    failing: AtomicBool,
    /// The storage was full at the last failure (what `/readyz` says).
    storage_full: AtomicBool,
}

impl WriteHealth {
    fn failed(&self, storage_full: bool) {
        self.storage_full.store(storage_full, Ordering::Release);
        self.failing.store(true, Ordering::Release);
    }

    fn succeeded(&self) {
        self.failing.store(false, Ordering::Release);
    }

    fn is_failing(&self) -> bool {
        self.failing.load(Ordering::Acquire)
    }

    /// Records `err` when it says the database cannot take writes.
    fn observe(&self, err: &DbErr) {
        match DbFailure::of(err) {
            DbFailure::StorageFull => self.failed(true),
            DbFailure::Storage => self.failed(false),
            _ => {}
        }
    }
}

/// The connection SQLite writes run on, and how to open a fresh one.
struct SqliteWriter {
    conn: DatabaseConnection,
    /// How to open the write connection again after a failure; None for an in-memory
    /// database, whose only connection is the database (and is shared with reads).
    reopen: Option<ConnectOptions>,
    statements: Arc<AtomicU64>,
}

impl SqliteWriter {
    /// Replaces the write connection after a failed COMMIT: the old pool closes its one
    /// connection as soon as the failed transaction hands it back, so whatever state
    /// the failure left on it (an open transaction, a lock) goes with it.
    async fn discard_connection(&mut self) {
        let Some(options) = self.reopen.clone() else {
            return;
        };
        match open(options, &self.statements).await {
            Ok(fresh) => {
                let old = std::mem::replace(&mut self.conn, fresh);
                tracing::warn!("the SQLite write connection failed to commit; it was replaced");
                tokio::spawn(async move {
                    let _ = old.close().await;
                });
            }
            Err(err) => {
                // Opening is lazy, so this means the options themselves went bad; never
                // write on the failed connection again: its pool is closed and writes
                // answer 503 until the service restarts.
                tracing::error!(
                    error = format!("{err:#}"),
                    "could not reopen the SQLite write connection"
                );
                let _ = self.conn.close_by_ref().await;
            }
        }
    }
}

/// Opens a pool lazily (no connection until the first use) with the statement counter.
async fn open(
    mut options: ConnectOptions,
    statements: &Arc<AtomicU64>,
) -> Result<DatabaseConnection, DbErr> {
    options.connect_lazy(true);
    let mut conn = Database::connect(options).await?;
    let counter = statements.clone();
    conn.set_metric_callback(move |_| {
        counter.fetch_add(1, Ordering::Relaxed);
    });
    Ok(conn)
}

/// The read pool. Reads go through here (`Db::conn`); a read that failed only because its
/// connection died is run once more, on a connection opened for it. Not one from the
/// pool: when one connection dies its idle siblings usually die with it (a restarting
/// server, `pg_terminate_backend` on all of them), and one can still pass the pool's ping
/// a moment before its end lands. Statements that may write are never run twice: they
/// answer the error, which maps to 503.
#[derive(Clone)]
pub struct ReadConn {
    pool: DatabaseConnection,
    /// How to open a connection for a retry; None for an in-memory SQLite database, where
    /// a new connection would be a new, empty database (the pool's one is retried).
    fresh: Option<Arc<ConnectOptions>>,
    statements: Arc<AtomicU64>,
}

impl Deref for ReadConn {
    type Target = DatabaseConnection;
    fn deref(&self) -> &DatabaseConnection {
        &self.pool
    }
}

impl ReadConn {
    /// Runs `read` once more after its connection died, on a connection of its own.
    async fn retry<T>(
        &self,
        read: impl AsyncFnOnce(&DatabaseConnection) -> Result<T, DbErr>,
    ) -> Result<T, DbErr> {
        let Some(options) = &self.fresh else {
            return read(&self.pool).await;
        };
        let mut options = (**options).clone();
        options.max_connections(1).min_connections(0);
        let conn = open(options, &self.statements).await?;
        let result = read(&conn).await;
        let _ = conn.close().await;
        result
    }
}

/// A statement that only reads: a SELECT, or a WITH query that modifies nothing. Running
/// it twice is harmless, so it may be retried after its connection died.
fn only_reads(sql: &str) -> bool {
    let mut words = sql
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .filter(|w| !w.is_empty());
    match words.next() {
        Some(first)
            if first.eq_ignore_ascii_case("select") || first.eq_ignore_ascii_case("with") =>
        {
            !words.any(|w| {
                ["insert", "update", "delete", "merge"]
                    .iter()
                    .any(|k| w.eq_ignore_ascii_case(k))
            })
        }
        _ => false,
    }
}

/// Whether a failed read may run once more: only a read, and only because its
/// connection died. Asked only after a failure: scanning the words of every statement
/// beforehand cost a page read afresh about 1% of its time (a page's statement is a few
/// thousand characters).
fn may_retry(sql: &str, err: &DbErr) -> bool {
    let retry = DbFailure::of(err) == DbFailure::ConnectionLost && only_reads(sql);
    if retry {
        tracing::warn!(error = %err, "a read lost its database connection; running it again");
    }
    retry
}

#[async_trait::async_trait]
impl ConnectionTrait for ReadConn {
    fn get_database_backend(&self) -> DbBackend {
        self.pool.get_database_backend()
    }

    async fn execute_raw(&self, stmt: Statement) -> Result<ExecResult, DbErr> {
        self.pool.execute_raw(stmt).await
    }

    async fn execute_unprepared(&self, sql: &str) -> Result<ExecResult, DbErr> {
        self.pool.execute_unprepared(sql).await
    }

    async fn query_one_raw(&self, stmt: Statement) -> Result<Option<QueryResult>, DbErr> {
        match self.pool.query_one_raw(stmt.clone()).await {
            Err(err) if may_retry(&stmt.sql, &err) => {
                self.retry(async |conn| conn.query_one_raw(stmt).await)
                    .await
            }
            other => other,
        }
    }

    async fn query_all_raw(&self, stmt: Statement) -> Result<Vec<QueryResult>, DbErr> {
        match self.pool.query_all_raw(stmt.clone()).await {
            Err(err) if may_retry(&stmt.sql, &err) => {
                self.retry(async |conn| conn.query_all_raw(stmt).await)
                    .await
            }
            other => other,
        }
    }

    fn support_returning(&self) -> bool {
        self.pool.support_returning()
    }
}

/// A write transaction. Dropping it without `commit` rolls it back.
pub struct WriteTxn {
    txn: DatabaseTransaction,
    generation: Arc<AtomicU64>,
    health: Arc<WriteHealth>,
    // Declared after `txn` so the transaction is released before the writer lock.
    writer: Option<OwnedMutexGuard<SqliteWriter>>,
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
/// Errors that say the database cannot take writes are recorded for `/readyz`.
#[async_trait::async_trait]
impl ConnectionTrait for WriteTxn {
    fn get_database_backend(&self) -> DbBackend {
        self.txn.get_database_backend()
    }

    async fn execute_raw(&self, stmt: Statement) -> Result<ExecResult, DbErr> {
        let result = self.txn.execute_raw(stmt).await;
        self.observe(result)
    }

    async fn execute_unprepared(&self, sql: &str) -> Result<ExecResult, DbErr> {
        let result = self.txn.execute_unprepared(sql).await;
        self.observe(result)
    }

    async fn query_one_raw(&self, stmt: Statement) -> Result<Option<QueryResult>, DbErr> {
        let result = self.txn.query_one_raw(stmt).await;
        self.observe(result)
    }

    async fn query_all_raw(&self, stmt: Statement) -> Result<Vec<QueryResult>, DbErr> {
        let result = self.txn.query_all_raw(stmt).await;
        self.observe(result)
    }

    fn support_returning(&self) -> bool {
        self.txn.support_returning()
    }
}

impl WriteTxn {
    fn observe<T>(&self, result: Result<T, DbErr>) -> Result<T, DbErr> {
        if let Err(err) = &result {
            self.health.observe(err);
        }
        result
    }

    /// Commits. When the COMMIT fails, the SQLite write connection is replaced (see the
    /// module comment) and the database counts as unable to take writes until a commit
    /// succeeds again.
    pub async fn commit(self) -> Result<(), AppError> {
        let WriteTxn {
            txn,
            generation,
            health,
            writer,
        } = self;
        match txn.commit().await {
            Ok(()) => {
                generation.fetch_add(1, Ordering::Release);
                health.succeeded();
                Ok(())
            }
            Err(err) => {
                health.failed(DbFailure::of(&err) == DbFailure::StorageFull);
                if let Some(mut writer) = writer {
                    writer.discard_connection().await;
                }
                Err(err.into())
            }
        }
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

    /// `lock`'s shared twin, for many writers that may run together but never beside one
    /// that takes the same key with `lock` (which waits for them all, and they for it):
    /// every assessment refreshes its own people's cycle standings under a shared key, a
    /// cycle whose dates change rebuilds all of that cycle's standings under it alone.
    /// Take it after any `lock` of the same transaction, never before.
    pub async fn lock_shared(&self, key: &str) -> Result<(), AppError> {
        if self.txn.get_database_backend() != DbBackend::Postgres {
            return Ok(());
        }
        self.txn
            .execute_raw(Statement::from_sql_and_values(
                DbBackend::Postgres,
                "SELECT pg_advisory_xact_lock_shared(hashtext($1))",
                [key.into()],
            ))
            .await?;
        Ok(())
    }
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

/// An aggregate listing a group's ids as text ("3,7,12"): `group_concat` on SQLite,
/// `string_agg` on PostgreSQL. Read it back with `listed_ids`.
pub fn id_list(backend: DbBackend, column: &str) -> String {
    match backend {
        DbBackend::Postgres => format!("string_agg(CAST({column} AS TEXT), ',')"),
        _ => format!("group_concat({column})"),
    }
}

/// The ids an `id_list` aggregate wrote.
pub fn listed_ids(text: &str) -> Vec<i32> {
    text.split(',')
        .filter_map(|id| id.trim().parse().ok())
        .collect()
}

/// One JSON object per row, for a page that crosses from the database as a single value
/// (`json_rows`): `fields` are (key, SQL expression) pairs, the keys plain words.
pub fn json_object(backend: DbBackend, fields: &[(&str, &str)]) -> String {
    let pairs: Vec<String> = fields
        .iter()
        .map(|(key, expr)| format!("'{key}', {expr}"))
        .collect();
    let pairs = pairs.join(", ");
    match backend {
        DbBackend::Postgres => format!("json_build_object({pairs})"),
        _ => format!("json_object({pairs})"),
    }
}

/// The aggregate that gathers the rows of a query as one JSON array of `json_object`s in
/// `order`, as text. A page read afresh is then one row, one message from SQLite's worker
/// thread to the request rather than one per row (each a wake-up of the other thread,
/// what the profile of pages read afresh showed most; see benches/README.md). No rows
/// give `[]` on SQLite and NULL on PostgreSQL, which `from_json_rows` reads as empty.
pub fn json_rows(backend: DbBackend, fields: &[(&str, &str)], order: &str) -> String {
    json_agg(backend, &json_object(backend, fields), order)
}

/// As `json_rows`, for rows whose JSON value `value` is already computed (use
/// `nested_json` for one read from a subquery).
pub fn json_agg(backend: DbBackend, value: &str, order: &str) -> String {
    match backend {
        DbBackend::Postgres => format!("json_agg({value} ORDER BY {order})::text"),
        _ => format!("json_group_array({value} ORDER BY {order})"),
    }
}

/// A JSON value computed elsewhere (a subquery's `json_agg` or `json_group_array`, a
/// column of a subquery holding a `json_object`), to nest in another: SQLite forgets
/// that a value coming out of a subquery is JSON and would nest it as a string, so it is
/// read as JSON again; PostgreSQL keeps its type.
pub fn nested_json(backend: DbBackend, expr: &str) -> String {
    match backend {
        DbBackend::Postgres => expr.to_owned(),
        _ => format!("json({expr})"),
    }
}

/// The rows `json_rows` gathered into `column` of `row`.
pub fn from_json_rows<T: serde::de::DeserializeOwned>(
    row: Option<&QueryResult>,
    column: &str,
) -> Result<Vec<T>, AppError> {
    let Some(row) = row else {
        return Ok(Vec::new());
    };
    let json: Option<String> = row.try_get("", column)?;
    let Some(json) = json else {
        return Ok(Vec::new());
    };
    serde_json::from_str(&json).map_err(|err| {
        AppError::internal(
            anyhow::Error::new(err).context(format!("reading the JSON rows of {column}")),
        )
    })
}

/// An instant as a JSON row carries it (`json_rows`): PostgreSQL writes RFC 3339, SQLite
/// the text stored, which sqlx writes as RFC 3339 and other writers (imports, the
/// seeders) may write with a space or without an offset (then UTC), as sqlx reads them.
pub fn parse_stored_instant(text: &str) -> Option<chrono::DateTime<chrono::Utc>> {
    use chrono::{DateTime, NaiveDateTime, Utc};
    if let Ok(at) = DateTime::parse_from_rfc3339(text) {
        return Some(at.with_timezone(&Utc));
    }
    for format in ["%F %T%.f%:z", "%F %T%.fZ", "%FT%T%.fZ"] {
        if let Ok(at) = DateTime::parse_from_str(text, format) {
            return Some(at.with_timezone(&Utc));
        }
    }
    ["%F %T%.f", "%FT%T%.f", "%F %R", "%FT%R"]
        .iter()
        .find_map(|format| NaiveDateTime::parse_from_str(text, format).ok())
        .map(|at| at.and_utc())
}

/// Serde's reading of an instant in a JSON row (`parse_stored_instant`).
pub fn stored_instant<'de, D: serde::Deserializer<'de>>(
    de: D,
) -> Result<chrono::DateTime<chrono::Utc>, D::Error> {
    let text = <std::borrow::Cow<'de, str> as serde::Deserialize>::deserialize(de)?;
    parse_stored_instant(&text)
        .ok_or_else(|| serde::de::Error::custom(format!("not an instant: {text:?}")))
}

/// Serde's reading of an instant that may be missing in a JSON row.
pub fn stored_instant_opt<'de, D: serde::Deserializer<'de>>(
    de: D,
) -> Result<Option<chrono::DateTime<chrono::Utc>>, D::Error> {
    let text = <Option<std::borrow::Cow<'de, str>> as serde::Deserialize>::deserialize(de)?;
    text.map(|text| {
        parse_stored_instant(&text)
            .ok_or_else(|| serde::de::Error::custom(format!("not an instant: {text:?}")))
    })
    .transpose()
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

/// The file of an SQLite URL when that file does not exist, so that commands which only
/// look or only take away (`migrate status`, `migrate down`) can say so instead of
/// creating an empty database by connecting. Other URLs, and in-memory databases, answer
/// `None`.
pub fn missing_sqlite_file(url: &str) -> Option<std::path::PathBuf> {
    if !url.starts_with("sqlite:") || url.contains(":memory:") || url.contains("mode=memory") {
        return None;
    }
    let options = SqliteConnectOptions::from_str(url).ok()?;
    let path = options.get_filename();
    (!path.exists()).then(|| path.to_path_buf())
}

/// How many pooled connections an instance keeps unless told. SQLite's statements run
/// on this machine's cores, one worker thread per connection: on 2 cores, 32 concurrent
/// readers of the feed's second page got the same rate with 4 connections as with 10,
/// and a p99 of 13.5 ms instead of 20 ms (benches/README.md), as threads beyond the
/// cores only wait on each other. So twice the cores, and never more than the 10 of
/// before: bigger machines were not measured, and each connection keeps its own page
/// cache (`SQLITE_CACHE_KIB`). PostgreSQL's statements run on its server: 10.
pub fn default_max_connections(database_url: &str) -> u32 {
    if database_url.starts_with("sqlite:") {
        let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
        u32::try_from(cores.saturating_mul(2))
            .unwrap_or(u32::MAX)
            .clamp(2, 10)
    } else {
        10
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
        let write_health = Arc::new(WriteHealth::default());
        let in_memory = url.contains(":memory:") || url.contains("mode=memory");
        let mut options = ConnectOptions::new(url.to_owned());
        options
            .max_connections(max_connections)
            .connect_timeout(Duration::from_secs(5))
            .acquire_timeout(Duration::from_secs(10))
            .sqlx_logging(false);
        let mut write_options = None;
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
            // The pool pings a connection before handing it out, by default: for SQLite a
            // round trip to the connection's worker thread before every statement, which
            // profiles of pages read afresh showed, and which tells nothing (a file does not
            // hang up). A read whose connection failed anyway is run again (`ReadConn`).
            options.test_before_acquire(false);
            sqlite_pool_hooks(&mut options, &page_limit, None);
            if in_memory {
                // Each pooled connection to an in-memory database sees its own empty one.
                options.max_connections(1).min_connections(1);
            } else {
                let mut writes = options.clone();
                writes.max_connections(1);
                sqlite_pool_hooks(&mut writes, &page_limit, Some(write_health.clone()));
                write_options = Some(writes);
            }
        }
        let statements = Arc::new(AtomicU64::new(0));
        let read_options = (!in_memory).then(|| Arc::new(options.clone()));
        let mut conn = Database::connect(options)
            .await
            .with_context(|| format!("could not connect to the database at {shown}"))?;
        let counter = statements.clone();
        conn.set_metric_callback(move |_| {
            counter.fetch_add(1, Ordering::Relaxed);
        });
        conn.ping()
            .await
            .with_context(|| format!("could not reach the database at {shown}"))?;
        let sqlite_writer = if is_sqlite {
            let writer_conn = match &write_options {
                Some(writes) => open(writes.clone(), &statements)
                    .await
                    .with_context(|| format!("could not connect to the database at {shown}"))?,
                None => conn.clone(),
            };
            Some(Arc::new(Mutex::new(SqliteWriter {
                conn: writer_conn,
                reopen: write_options,
                statements: statements.clone(),
            })))
        } else {
            None
        };
        Ok(Db {
            sqlite_writer,
            conn: ReadConn {
                pool: conn,
                fresh: read_options,
                statements: statements.clone(),
            },
            statements,
            generation: Arc::new(AtomicU64::new(0)),
            sqlite_page_limit: page_limit,
            write_health,
        })
    }

    /// Limits the SQLite file to `pages` pages (never below its current size), on every
    /// pooled connection from the next time it is used: a way for tests to fill the
    /// database on demand, as a full disk would (`u32::MAX` gives the space back). Does
    /// nothing on PostgreSQL.
    pub fn limit_sqlite_pages(&self, pages: u32) {
        self.sqlite_page_limit
            .store(pages.max(1), Ordering::Release);
    }

    /// The connection for reads (and for the migrator); see `ReadConn`.
    pub fn conn(&self) -> &ReadConn {
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
        let begun = match &writer {
            Some(writer) => writer.conn.begin_with_options(options).await,
            None => self.conn.pool.begin_with_options(options).await,
        };
        let txn = begun.inspect_err(|err| self.write_health.observe(err))?;
        Ok(WriteTxn {
            txn,
            generation: self.generation.clone(),
            health: self.write_health.clone(),
            writer,
        })
    }

    pub async fn ping(&self) -> Result<(), AppError> {
        self.conn.ping().await.map_err(AppError::from)
    }

    /// Ok when the database answers and can take writes, for `/readyz`. On SQLite every
    /// check starts a write that needs new pages (a table holding `READINESS_PROBE_BYTES`)
    /// and rolls it back, which fails at once while the file cannot grow. After a write failed for a reason
    /// of the database's own (on either backend), the check commits its probe, so a disk
    /// that fills only at COMMIT is seen too, and a success marks the database writable
    /// again without waiting for a person's write. Between failures PostgreSQL only pings.
    pub async fn check_ready(&self) -> Result<(), AppError> {
        self.ping().await?;
        let failing = self.write_health.is_failing();
        if self.sqlite_writer.is_none() && !failing {
            return Ok(());
        }
        let probe = async {
            let txn = self.write().await?;
            txn.execute_unprepared(&format!("CREATE TABLE {READINESS_PROBE_TABLE} (x INTEGER)"))
                .await?;
            if self.sqlite_writer.is_some() {
                txn.execute_unprepared(&format!(
                    "INSERT INTO {READINESS_PROBE_TABLE} VALUES (zeroblob({READINESS_PROBE_BYTES}))"
                ))
                .await?;
            }
            if failing {
                txn.execute_unprepared(&format!("DROP TABLE {READINESS_PROBE_TABLE}"))
                    .await?;
                txn.commit().await?;
            }
            Ok::<(), AppError>(())
        };
        probe.await
    }

    pub async fn migrate_up(&self) -> anyhow::Result<()> {
        Migrator::up(&self.conn.pool, None)
            .await
            .context("could not apply the database migrations")
    }

    /// Reverts the newest `steps` applied migrations (fewer when fewer are applied) and
    /// answers the names of those it reverted, newest first.
    pub async fn migrate_down(&self, steps: u32) -> anyhow::Result<Vec<String>> {
        let applied = self.applied_migrations().await?;
        let reverting: Vec<String> = applied.into_iter().rev().take(steps as usize).collect();
        if reverting.is_empty() {
            return Ok(reverting);
        }
        let count = u32::try_from(reverting.len()).context("too many migrations")?;
        Migrator::down(&self.conn.pool, Some(count))
            .await
            .context("could not revert the database migrations")?;
        Ok(reverting)
    }

    /// The tables that reverting the newest `steps` applied migrations would drop and
    /// that hold rows now, sorted. Which tables a revert drops is learnt by doing it on a
    /// scratch in-memory SQLite database brought to the same migration (both backends
    /// run the same migrations), so no list of tables is kept by hand beside them.
    pub async fn tables_losing_rows(&self, steps: u32) -> anyhow::Result<Vec<String>> {
        let applied = self.applied_migrations().await?;
        let reverting = applied.len().min(steps as usize);
        if reverting == 0 {
            return Ok(Vec::new());
        }
        let scratch = Db::connect("sqlite::memory:", 1).await?;
        let dropped = scratch
            .tables_dropped_by_reverting(applied.len(), reverting)
            .await;
        scratch.close().await;
        let mut losing = Vec::new();
        for table in dropped? {
            if self.has_rows(&table).await? {
                losing.push(table);
            }
        }
        Ok(losing)
    }

    /// On a scratch database: applies the first `applied` migrations, reverts the newest
    /// `reverting` of them, and answers the tables that went away.
    async fn tables_dropped_by_reverting(
        &self,
        applied: usize,
        reverting: usize,
    ) -> anyhow::Result<std::collections::BTreeSet<String>> {
        let (applied, reverting) = (
            u32::try_from(applied).context("too many migrations")?,
            u32::try_from(reverting).context("too many migrations")?,
        );
        Migrator::up(&self.conn.pool, Some(applied))
            .await
            .context("could not rehearse the migrations on a scratch database")?;
        let before = self.sqlite_table_names().await?;
        Migrator::down(&self.conn.pool, Some(reverting))
            .await
            .context("could not rehearse the revert on a scratch database")?;
        let after = self.sqlite_table_names().await?;
        Ok(before.difference(&after).cloned().collect())
    }

    async fn sqlite_table_names(&self) -> anyhow::Result<std::collections::BTreeSet<String>> {
        let rows = self
            .conn
            .query_all_raw(Statement::from_string(
                DbBackend::Sqlite,
                "SELECT name FROM sqlite_master WHERE type = 'table' \
                 AND name NOT LIKE 'sqlite_%' AND name <> 'seaql_migrations'",
            ))
            .await
            .context("could not list the tables")?;
        rows.iter()
            .map(|row| {
                row.try_get::<String>("", "name")
                    .context("could not list the tables")
            })
            .collect()
    }

    async fn has_rows(&self, table: &str) -> anyhow::Result<bool> {
        // A table name cannot be a bound parameter; this one comes from the migrations
        // themselves (see `tables_losing_rows`) and is quoted as an identifier anyway.
        let quoted = format!("\"{}\"", table.replace('"', "\"\""));
        let row = self
            .conn
            .query_one_raw(Statement::from_string(
                self.backend(),
                format!("SELECT 1 AS present FROM {quoted} LIMIT 1"),
            ))
            .await
            .with_context(|| format!("could not look into the table {table}"))?;
        Ok(row.is_some())
    }

    /// The names of the applied migrations, oldest first. Reading them creates nothing,
    /// not even the migrations table.
    async fn applied_migrations(&self) -> anyhow::Result<Vec<String>> {
        Ok(self
            .migration_status()
            .await?
            .into_iter()
            .filter_map(|(name, applied)| applied.then_some(name))
            .collect())
    }

    /// Every known migration with whether it has been applied, oldest first. Looking
    /// writes nothing: a database without the migrations table has every one pending.
    pub async fn migration_status(&self) -> anyhow::Result<Vec<(String, bool)>> {
        let applied = Migrator::get_applied_migrations_read_only(&self.conn.pool)
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
        if let Some(writer) = &self.sqlite_writer {
            let _ = writer.lock().await.conn.close_by_ref().await;
        }
        let _ = self.conn.pool.close().await;
    }
}

/// The per-connection hooks of a SQLite pool: the test page limit on every connection,
/// and, on the write pool (`health` given), closing a connection that comes back still
/// inside a transaction instead of pooling it.
fn sqlite_pool_hooks(
    options: &mut ConnectOptions,
    page_limit: &Arc<AtomicU32>,
    health: Option<Arc<WriteHealth>>,
) {
    let page_limit = page_limit.clone();
    options.map_sqlx_sqlite_pool_opts(move |pool| {
        let (on_connect, on_acquire) = (page_limit.clone(), page_limit.clone());
        let pool = pool
            .after_connect(move |conn, _| {
                let limit = on_connect.clone();
                Box::pin(async move { apply_page_limit(conn, &limit).await })
            })
            .before_acquire(move |conn, _| {
                let limit = on_acquire.clone();
                Box::pin(async move { apply_page_limit(conn, &limit).await.map(|()| true) })
            });
        match health.clone() {
            Some(health) => pool.after_release(move |conn, _| {
                let health = health.clone();
                Box::pin(async move {
                    use sea_orm::sqlx::Connection;
                    if !conn.is_in_transaction() {
                        return Ok(true);
                    }
                    // A transaction dropped without COMMIT queued its ROLLBACK on the
                    // connection's worker; a ping runs after it.
                    conn.ping().await?;
                    if conn.is_in_transaction() {
                        tracing::warn!(
                            "a SQLite write connection could not end its transaction; it was closed"
                        );
                        health.failed(false);
                        return Ok(false);
                    }
                    Ok(true)
                })
            }),
            None => pool,
        }
    });
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

    /// `.cargo/config.toml` builds the bundled SQLite without the shared page cache and
    /// without memory statistics (both behind global mutexes): a build that lost the
    /// flags (another working directory, `LIBSQLITE3_FLAGS` set elsewhere) fails here
    /// rather than silently serving pages read afresh a third slower.
    #[tokio::test]
    async fn sqlite_is_built_without_its_global_mutexes() {
        let db = Db::connect("sqlite::memory:", 1).await.unwrap();
        let rows = db
            .conn()
            .query_all_raw(Statement::from_string(
                DbBackend::Sqlite,
                "PRAGMA compile_options",
            ))
            .await
            .unwrap();
        let options: Vec<String> = rows
            .iter()
            .map(|row| row.try_get_by_index::<String>(0).unwrap())
            .collect();
        assert!(
            !options.iter().any(|o| o == "ENABLE_MEMORY_MANAGEMENT"),
            "{options:?}"
        );
        assert!(
            options.iter().any(|o| o == "DEFAULT_MEMSTATUS=0"),
            "{options:?}"
        );
        db.close().await;
    }

    #[test]
    fn instants_in_json_rows_read_as_sqlx_reads_them() {
        let at = chrono::DateTime::parse_from_rfc3339("2026-12-03T10:15:30.123456789Z")
            .unwrap()
            .with_timezone(&chrono::Utc);
        let whole = chrono::DateTime::parse_from_rfc3339("2026-12-03T10:15:30Z")
            .unwrap()
            .with_timezone(&chrono::Utc);
        for (text, expected) in [
            // sqlx's own writing, with its nanoseconds (the feed's cursor keeps them).
            ("2026-12-03T10:15:30.123456789+00:00", at),
            // PostgreSQL's JSON, in another zone.
            ("2026-12-03T11:15:30.123456789+01:00", at),
            ("2026-12-03 10:15:30.123456789+00:00", at),
            ("2026-12-03 10:15:30.123456789", at),
            ("2026-12-03T10:15:30", whole),
            ("2026-12-03 10:15:30Z", whole),
        ] {
            assert_eq!(parse_stored_instant(text), Some(expected), "{text}");
        }
        assert_eq!(parse_stored_instant("yesterday"), None);
    }

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
