//! `staffdev import FILE`: an export put into an empty database of either backend, in
//! one transaction, so a file refused on its last line leaves nothing written.
//!
//! The database brings its own checks (keys, foreign keys, not null); rows go in by
//! multi-row INSERTs of a few hundred, each under a savepoint, and when one is refused
//! its rows are tried one by one to name the line at fault. A row may name a parent of
//! its own table that comes later in the file (a person whose manager was added after
//! them): that column goes in empty and is filled once the table is in. Once committed
//! (and migrated), the tables are analysed, so the planner does not treat them as empty.

use std::{
    collections::{BTreeMap, BTreeSet, HashSet},
    fs::File,
    io::{BufRead, BufReader},
    path::Path,
};

use anyhow::{Context, anyhow, bail};
use base64::Engine;
use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use migration::{Migrator, MigratorTrait};
use sea_orm::sqlx::{self, AssertSqlSafe, error::ErrorKind};
use serde_json::{Map, Value};

use super::{
    FORMAT, LEFT_OUT, PROGRESS_EVERY, VERSION,
    catalogue::{Column, Conn, Kind, Table, parents_first},
    is_carried, quoted,
};
use crate::db::Db;

/// What an import put in, for the command to report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Imported {
    pub tables: u64,
    pub rows: u64,
}

/// Most rows per INSERT, and most bound values (SQLite allows 32,766 per statement).
const BATCH_ROWS: usize = 500;
const BATCH_VALUES: usize = 30_000;

/// Puts the export `source` into the database at `database_url`, which must hold no
/// department. The migrations the file was written under are applied first, the rows
/// go in, and then any newer migrations run over them.
pub async fn import(database_url: &str, source: &Path) -> anyhow::Result<Imported> {
    if !source.is_file() {
        bail!("the export file {} does not exist", source.display());
    }
    let file = File::open(source)
        .with_context(|| format!("could not open the export file {}", source.display()))?;
    let mut lines = Lines::new(BufReader::with_capacity(1 << 16, file));
    let migrations = read_header(&mut lines)?;
    // An SQLite file this import creates goes again if the import fails, so a refused
    // file leaves nothing at all behind, not even an empty database.
    let created = crate::db::missing_sqlite_file(database_url);
    let db = Db::connect(database_url, 1).await?;
    let imported = import_into(&db, &migrations, &mut lines).await;
    let migrated = match imported {
        Ok(_) => db.migrate_up().await,
        Err(_) => Ok(()),
    };
    if imported.is_ok() && migrated.is_ok() {
        // The department is in and committed: a failure here is only a warning.
        match super::refresh_statistics(&db).await {
            Ok((tables, took)) => eprintln!(
                "import: refreshed the planner's statistics of {tables} tables (ANALYZE) in {} ms",
                took.as_millis()
            ),
            Err(err) => {
                eprintln!("import: warning: {err:#}; run ANALYZE on the database before serving it")
            }
        }
    }
    db.close().await;
    if imported.is_err()
        && let Some(path) = created
    {
        for suffix in ["", "-wal", "-shm"] {
            let mut file = path.clone().into_os_string();
            file.push(suffix);
            let _ = std::fs::remove_file(file);
        }
    }
    let imported = imported?;
    migrated.context("the department is in, but the newer migrations failed over it")?;
    Ok(imported)
}

/// The lines of the file, numbered from 1, without their line ends.
struct Lines<R> {
    reader: R,
    number: u64,
    buffer: Vec<u8>,
}

impl<R: BufRead> Lines<R> {
    fn new(reader: R) -> Self {
        Lines {
            reader,
            number: 0,
            buffer: Vec::new(),
        }
    }

    /// The next line as JSON, with its number; None at the end of the file.
    fn next_value(&mut self) -> anyhow::Result<Option<(u64, Value)>> {
        self.buffer.clear();
        let read = self
            .reader
            .read_until(b'\n', &mut self.buffer)
            .with_context(|| format!("could not read line {}", self.number + 1))?;
        if read == 0 {
            return Ok(None);
        }
        self.number += 1;
        let n = self.number;
        let mut line = self.buffer.as_slice();
        line = line.strip_suffix(b"\n").unwrap_or(line);
        line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.is_empty() {
            bail!("line {n}: an empty line, where a row or a table line belongs");
        }
        let value = serde_json::from_slice(line).map_err(|e| {
            anyhow!("line {n}: not valid JSON ({e}); the file is damaged, export it again")
        })?;
        Ok(Some((n, value)))
    }
}

/// Line 1: the format, its version and the migrations the file was written under, each
/// known to this staffdev and in its order.
fn read_header<R: BufRead>(lines: &mut Lines<R>) -> anyhow::Result<Vec<String>> {
    let not_export = "line 1: this is not a staffdev export (its first line does not say \"format\": \"staffdev-export\")";
    let Some((_, Value::Object(header))) = lines.next_value()? else {
        bail!("{not_export}");
    };
    if header.get("format").and_then(Value::as_str) != Some(FORMAT) {
        bail!("{not_export}");
    }
    let version = header
        .get("version")
        .and_then(Value::as_u64)
        .ok_or_else(|| anyhow!("line 1: the header has no format version"))?;
    if version > VERSION {
        bail!(
            "line 1: the file is format version {version}, newer than this staffdev reads (version {VERSION}); import it with a newer staffdev"
        );
    }
    let migrations: Vec<String> = header
        .get("migrations")
        .and_then(Value::as_array)
        .map(|names| {
            names
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .ok_or_else(|| anyhow!("line 1: the header does not list the file's migrations"))?;
    let known: Vec<String> = Migrator::migrations()
        .iter()
        .map(|m| m.name().to_owned())
        .collect();
    for (i, name) in migrations.iter().enumerate() {
        if known.get(i) != Some(name) {
            if known.contains(name) {
                bail!(
                    "line 1: the file's migrations are not this staffdev's ({name} comes at another place); import it with the staffdev that exported it"
                );
            }
            bail!(
                "line 1: the file was exported by a newer staffdev: its migration {name} is unknown to this one; import it with that version or a newer one"
            );
        }
    }
    Ok(migrations)
}

async fn import_into<R: BufRead>(
    db: &Db,
    migrations: &[String],
    lines: &mut Lines<R>,
) -> anyhow::Result<Imported> {
    let applied: Vec<String> = db
        .migration_status()
        .await?
        .into_iter()
        .filter_map(|(name, applied)| applied.then_some(name))
        .collect();
    if applied.len() > migrations.len() || applied[..] != migrations[..applied.len()] {
        bail!(
            "the target database has been migrated past the file ({} migrations against the file's {}); import into a new, empty database",
            applied.len(),
            migrations.len()
        );
    }
    let pending = u32::try_from(migrations.len() - applied.len()).context("too many migrations")?;
    if pending > 0 {
        let conn: &sea_orm::DatabaseConnection = db.conn();
        Migrator::up(conn, Some(pending))
            .await
            .context("could not apply the file's migrations to the target database")?;
    }

    let mut conn = Conn::acquire(db).await?;
    let carried: Vec<Table> = conn
        .tables()
        .await?
        .into_iter()
        .filter(|t| is_carried(&t.name))
        .collect();
    let carried = parents_first(carried)?;
    // People first: they are what "a department" means to whoever reads the message.
    let mut checked: Vec<&str> = carried.iter().map(|t| t.name.as_str()).collect();
    checked.sort_by_key(|name| *name != "people");
    for table in checked {
        if conn.has_rows(table).await? {
            bail!(
                "the target database already holds a department (the table {table} has rows); import only into a new, empty database"
            );
        }
    }
    let tables: BTreeMap<String, Table> =
        carried.into_iter().map(|t| (t.name.clone(), t)).collect();
    let begin = if conn.is_postgres() {
        "BEGIN"
    } else {
        "BEGIN IMMEDIATE"
    };
    conn.execute(begin)
        .await
        .context("could not start the import's transaction")?;
    let loaded = load(&mut conn, &tables, lines).await;
    let loaded = match loaded {
        Ok(imported) => match reset_sequences(&mut conn, &tables).await {
            Ok(()) => conn
                .execute("COMMIT")
                .await
                .map(|()| imported)
                .context("could not commit the import"),
            Err(err) => Err(err),
        },
        Err(err) => Err(err),
    };
    if loaded.is_err() {
        let _ = conn.execute("ROLLBACK").await;
    }
    loaded
}

/// Every section of the file, up to and including the end marker.
async fn load<R: BufRead>(
    conn: &mut Conn,
    tables: &BTreeMap<String, Table>,
    lines: &mut Lines<R>,
) -> anyhow::Result<Imported> {
    let mut seen = BTreeSet::new();
    let mut section: Option<Section> = None;
    let mut rows = 0u64;
    while let Some((n, value)) = lines.next_value()? {
        match value {
            Value::Array(cells) => {
                let Some(current) = section.as_mut() else {
                    bail!("line {n}: a row outside any table (a table line must come first)");
                };
                current.push(conn, n, cells).await?;
            }
            Value::Object(line) => {
                if let Some(name) = line.get("table") {
                    if let Some(current) = &section {
                        bail!(
                            "line {n}: a table begins before the table {} ended (its end_of_table line is missing)",
                            current.table.name
                        );
                    }
                    let table = known_table(tables, name, n)?;
                    if !seen.insert(table.name.clone()) {
                        bail!("line {n}: the table {} comes a second time", table.name);
                    }
                    section = Some(Section::start(table, &line, n)?);
                } else if let Some(name) = line.get("end_of_table") {
                    let Some(mut current) = section.take() else {
                        bail!("line {n}: a table ends that never began");
                    };
                    if name.as_str() != Some(current.table.name.as_str()) {
                        bail!(
                            "line {n}: the end of {name} where the table {} should end",
                            current.table.name
                        );
                    }
                    let claimed = line.get("rows").and_then(Value::as_u64);
                    if claimed != Some(current.rows) {
                        bail!(
                            "line {n}: the table {} ends saying {} rows, but {} came before; the file is damaged",
                            current.table.name,
                            claimed.map_or("no number of".to_owned(), |c| c.to_string()),
                            current.rows
                        );
                    }
                    current.finish(conn).await?;
                    rows += current.rows;
                } else if line.get("end") == Some(&Value::Bool(true)) {
                    if let Some(current) = &section {
                        bail!(
                            "line {n}: the file ends inside the table {} (its end_of_table line is missing)",
                            current.table.name
                        );
                    }
                    let claimed = (
                        line.get("tables").and_then(Value::as_u64),
                        line.get("rows").and_then(Value::as_u64),
                    );
                    if claimed != (Some(seen.len() as u64), Some(rows)) {
                        bail!(
                            "line {n}: the end marker counts other tables or rows than came before ({} tables, {rows} rows); the file is damaged",
                            seen.len()
                        );
                    }
                    if let Some((extra, _)) = lines.next_value()? {
                        bail!("line {extra}: more lines follow the end marker");
                    }
                    return Ok(Imported {
                        tables: seen.len() as u64,
                        rows,
                    });
                } else {
                    bail!("line {n}: neither a row, a table line nor an end line");
                }
            }
            _ => bail!("line {n}: neither a row, a table line nor an end line"),
        }
    }
    bail!(
        "the file ends after line {} without its end marker: it was cut short (truncated); export it again",
        lines.number
    )
}

fn known_table<'t>(
    tables: &'t BTreeMap<String, Table>,
    name: &Value,
    n: u64,
) -> anyhow::Result<&'t Table> {
    let Some(name) = name.as_str() else {
        bail!("line {n}: the table's name is not a text");
    };
    if let Some(table) = tables.get(name) {
        return Ok(table);
    }
    if LEFT_OUT.iter().any(|(left_out, _)| *left_out == name) {
        bail!("line {n}: the table {name} is never imported: it holds credentials");
    }
    bail!("line {n}: unknown table {name:?}: this staffdev has no such table")
}

/// A value read from the file, checked against its column's kind.
#[derive(Debug, Clone)]
enum Cell {
    Null,
    Integer(i64),
    Real(f64),
    Text(String),
    Boolean(bool),
    Timestamp(DateTime<Utc>),
    NaiveTimestamp(NaiveDateTime),
    Date(NaiveDate),
    Bytes(Vec<u8>),
}

impl Cell {
    fn read(value: Value, column: &Column, table: &str, n: u64) -> anyhow::Result<Cell> {
        let at = || format!("line {n}: table {table}, column {}", column.name);
        let cell = match (value, &column.kind) {
            (Value::Null, _) if column.nullable => Cell::Null,
            (Value::Null, _) => bail!("{}: may not be empty (null)", at()),
            (Value::Number(v), Kind::Integer) if v.as_i64().is_some() => {
                Cell::Integer(v.as_i64().unwrap_or_default())
            }
            (Value::Number(v), Kind::Real) if v.as_f64().is_some() => {
                Cell::Real(v.as_f64().unwrap_or_default())
            }
            (Value::Bool(v), Kind::Boolean) => Cell::Boolean(v),
            (Value::String(v), Kind::Text | Kind::Other(_)) => {
                if let Some(c) = v
                    .chars()
                    .find(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
                {
                    bail!(
                        "{}: the text holds a control character (U+{:04X}); only tab, line feed and carriage return may appear in a text",
                        at(),
                        c as u32
                    );
                }
                Cell::Text(v)
            }
            (Value::String(v), Kind::Timestamp) => match DateTime::parse_from_rfc3339(&v) {
                Ok(at) => Cell::Timestamp(at.with_timezone(&Utc)),
                Err(_) => bail!(
                    "{}: {v:?} is not a timestamp (RFC 3339, such as 2026-12-03T16:32:02.123456789Z)",
                    at()
                ),
            },
            (Value::String(v), Kind::NaiveTimestamp) => {
                match NaiveDateTime::parse_from_str(&v, "%Y-%m-%dT%H:%M:%S%.f") {
                    Ok(at) => Cell::NaiveTimestamp(at),
                    Err(_) => bail!("{}: {v:?} is not a timestamp", at()),
                }
            }
            (Value::String(v), Kind::Date) => match NaiveDate::parse_from_str(&v, "%Y-%m-%d") {
                Ok(day) => Cell::Date(day),
                Err(_) => bail!("{}: {v:?} is not a date (such as 2026-12-03)", at()),
            },
            (Value::String(v), Kind::Bytes) => {
                match base64::engine::general_purpose::STANDARD.decode(&v) {
                    Ok(bytes) => Cell::Bytes(bytes),
                    Err(_) => bail!("{}: the bytes are not base64", at()),
                }
            }
            (other, kind) => {
                let expected = match kind {
                    Kind::Integer => "a whole number",
                    Kind::Real => "a number",
                    Kind::Boolean => "true or false",
                    Kind::Timestamp | Kind::NaiveTimestamp => "a timestamp",
                    Kind::Date => "a date",
                    Kind::Bytes => "base64 bytes",
                    Kind::Text | Kind::Other(_) => "a text",
                };
                let mut found = other.to_string();
                if found.len() > 40 {
                    found = format!("{}…", found.chars().take(40).collect::<String>());
                }
                bail!("{}: expected {expected}, found {found}", at())
            }
        };
        Ok(cell)
    }

    /// How the value reads in a message.
    fn shown(&self) -> String {
        match self {
            Cell::Null => "null".to_owned(),
            Cell::Integer(v) => v.to_string(),
            Cell::Real(v) => v.to_string(),
            Cell::Text(v) => format!("{v:?}"),
            Cell::Boolean(v) => v.to_string(),
            Cell::Timestamp(v) => v.to_rfc3339(),
            Cell::NaiveTimestamp(v) => v.to_string(),
            Cell::Date(v) => v.to_string(),
            Cell::Bytes(v) => format!("{} bytes", v.len()),
        }
    }
}

/// Binds a cell; a null is bound with its column's type, since PostgreSQL refuses an
/// int8 null in a text column.
macro_rules! bind_cell {
    ($query:expr, $kind:expr, $cell:expr) => {
        match ($cell, $kind) {
            (Cell::Null, Kind::Integer) => $query.bind(None::<i64>),
            (Cell::Null, Kind::Real) => $query.bind(None::<f64>),
            (Cell::Null, Kind::Boolean) => $query.bind(None::<bool>),
            (Cell::Null, Kind::Timestamp) => $query.bind(None::<DateTime<Utc>>),
            (Cell::Null, Kind::NaiveTimestamp) => $query.bind(None::<NaiveDateTime>),
            (Cell::Null, Kind::Date) => $query.bind(None::<NaiveDate>),
            (Cell::Null, Kind::Bytes) => $query.bind(None::<Vec<u8>>),
            (Cell::Null, Kind::Text | Kind::Other(_)) => $query.bind(None::<String>),
            (Cell::Integer(v), _) => $query.bind(*v),
            (Cell::Real(v), _) => $query.bind(*v),
            (Cell::Text(v), _) => $query.bind(v.as_str()),
            (Cell::Boolean(v), _) => $query.bind(*v),
            (Cell::Timestamp(v), _) => $query.bind(*v),
            (Cell::NaiveTimestamp(v), _) => $query.bind(*v),
            (Cell::Date(v), _) => $query.bind(*v),
            (Cell::Bytes(v), _) => $query.bind(v.as_slice()),
        }
    };
}

/// A statement with its bound cells, run on either backend.
async fn run(
    conn: &mut Conn,
    sql: String,
    values: &[(&Kind, &Cell)],
    fetch: bool,
) -> Result<bool, sqlx::Error> {
    match conn {
        Conn::Sqlite(c) => {
            let mut query = sqlx::query(AssertSqlSafe(sql));
            for (kind, cell) in values {
                query = bind_cell!(query, *kind, *cell);
            }
            if fetch {
                Ok(query.fetch_optional(&mut **c).await?.is_some())
            } else {
                query.execute(&mut **c).await.map(|_| true)
            }
        }
        Conn::Postgres(c) => {
            let mut query = sqlx::query(AssertSqlSafe(sql));
            for (kind, cell) in values {
                query = bind_cell!(query, *kind, *cell);
            }
            if fetch {
                Ok(query.fetch_optional(&mut **c).await?.is_some())
            } else {
                query.execute(&mut **c).await.map(|_| true)
            }
        }
    }
}

/// The placeholders of `count` values from `first` (1-based): `?` on SQLite, `$n` on
/// PostgreSQL, cast back to the column's type where the file carries it as text.
fn placeholder(postgres: bool, n: usize, kind: &Kind) -> String {
    match (postgres, kind) {
        (false, _) => "?".to_owned(),
        (true, Kind::Other(udt)) => format!("CAST(${n} AS {})", quoted(udt)),
        (true, _) => format!("${n}"),
    }
}

/// A self-reference filled in after its table is in: the row's key, the column (index in
/// the file's columns), the value, and the line for messages.
struct Deferred {
    line: u64,
    key: i64,
    column: usize,
    value: i64,
}

/// One table of the file while its rows come.
struct Section<'t> {
    table: &'t Table,
    /// The file's columns, in its order.
    columns: Vec<&'t Column>,
    rows: u64,
    batch: Vec<(u64, Vec<Cell>)>,
    batch_rows: usize,
    /// The key column's index, when the table has a whole-number key and refers to
    /// itself through it.
    key: Option<usize>,
    /// The columns that refer to this table's own key.
    self_references: Vec<usize>,
    /// The keys already in, only for tables that refer to themselves.
    present: HashSet<i64>,
    deferred: Vec<Deferred>,
}

impl<'t> Section<'t> {
    fn start(table: &'t Table, line: &Map<String, Value>, n: u64) -> anyhow::Result<Self> {
        let Some(names) = line.get("columns").and_then(Value::as_array) else {
            bail!(
                "line {n}: the table line of {} lists no columns",
                table.name
            );
        };
        let mut columns: Vec<&Column> = Vec::with_capacity(names.len());
        for name in names {
            let Some(name) = name.as_str() else {
                bail!("line {n}: a column name of {} is not a text", table.name);
            };
            let Some(column) = table.column(name) else {
                bail!(
                    "line {n}: the table {} has no column {name} here",
                    table.name
                );
            };
            if columns.iter().any(|c| c.name == name) {
                bail!(
                    "line {n}: the column {name} of {} is listed twice",
                    table.name
                );
            }
            columns.push(column);
        }
        if columns.is_empty() {
            bail!(
                "line {n}: the table line of {} lists no columns",
                table.name
            );
        }
        let index = |name: &str| columns.iter().position(|c| c.name == name);
        let key_name = table.integer_key();
        let key = key_name.and_then(index);
        let self_references: Vec<usize> = match key_name {
            Some(key_name) if key.is_some() => table
                .foreign_keys
                .iter()
                .filter(|fk| {
                    fk.parent == table.name
                        && fk.columns.len() == 1
                        && fk.parent_columns == [key_name]
                })
                .filter_map(|fk| index(&fk.columns[0]))
                .filter(|&i| columns[i].nullable)
                .collect(),
            _ => Vec::new(),
        };
        let key = key.filter(|_| !self_references.is_empty());
        let batch_rows = (BATCH_VALUES / columns.len()).clamp(1, BATCH_ROWS);
        Ok(Section {
            table,
            columns,
            rows: 0,
            batch: Vec::with_capacity(batch_rows),
            batch_rows,
            key,
            self_references,
            present: HashSet::new(),
            deferred: Vec::new(),
        })
    }

    async fn push(&mut self, conn: &mut Conn, n: u64, values: Vec<Value>) -> anyhow::Result<()> {
        if values.len() != self.columns.len() {
            bail!(
                "line {n}: table {}: the row has {} values where the table line lists {} columns",
                self.table.name,
                values.len(),
                self.columns.len()
            );
        }
        let mut cells = values
            .into_iter()
            .zip(&self.columns)
            .map(|(value, column)| Cell::read(value, column, &self.table.name, n))
            .collect::<anyhow::Result<Vec<Cell>>>()?;
        if let Some(key) = self.key
            && let Cell::Integer(id) = cells[key]
        {
            for &column in &self.self_references {
                if let Cell::Integer(value) = cells[column]
                    && value != id
                    && !self.present.contains(&value)
                {
                    self.deferred.push(Deferred {
                        line: n,
                        key: id,
                        column,
                        value,
                    });
                    cells[column] = Cell::Null;
                }
            }
            self.present.insert(id);
        }
        self.batch.push((n, cells));
        self.rows += 1;
        if self.rows.is_multiple_of(PROGRESS_EVERY) {
            eprintln!("import: {}: {} rows so far", self.table.name, self.rows);
        }
        if self.batch.len() >= self.batch_rows {
            self.flush(conn).await?;
        }
        Ok(())
    }

    fn insert_sql(&self, rows: usize, postgres: bool) -> String {
        let names: Vec<String> = self.columns.iter().map(|c| quoted(&c.name)).collect();
        let mut sql = format!(
            "INSERT INTO {} ({}) VALUES ",
            quoted(&self.table.name),
            names.join(", ")
        );
        let mut n = 0;
        for row in 0..rows {
            if row > 0 {
                sql.push_str(", ");
            }
            sql.push('(');
            for (i, column) in self.columns.iter().enumerate() {
                n += 1;
                if i > 0 {
                    sql.push_str(", ");
                }
                sql.push_str(&placeholder(postgres, n, &column.kind));
            }
            sql.push(')');
        }
        sql
    }

    /// The rows waiting, in one INSERT under a savepoint; when it is refused, one by one
    /// to find the line at fault.
    async fn flush(&mut self, conn: &mut Conn) -> anyhow::Result<()> {
        if self.batch.is_empty() {
            return Ok(());
        }
        let batch = std::mem::take(&mut self.batch);
        let sql = self.insert_sql(batch.len(), conn.is_postgres());
        let values: Vec<(&Kind, &Cell)> = batch
            .iter()
            .flat_map(|(_, cells)| self.columns.iter().map(|c| &c.kind).zip(cells))
            .collect();
        conn.execute("SAVEPOINT import_batch").await?;
        match run(conn, sql, &values, false).await {
            Ok(_) => conn.execute("RELEASE SAVEPOINT import_batch").await?,
            Err(batch_error) => {
                conn.execute("ROLLBACK TO SAVEPOINT import_batch").await?;
                for (n, cells) in &batch {
                    self.insert_one(conn, *n, cells).await?;
                }
                bail!(
                    "table {}: the database refused rows near line {}: {batch_error}",
                    self.table.name,
                    batch.first().map_or(0, |(n, _)| *n)
                );
            }
        }
        self.batch = batch;
        self.batch.clear();
        Ok(())
    }

    async fn insert_one(&self, conn: &mut Conn, n: u64, cells: &[Cell]) -> anyhow::Result<()> {
        let sql = self.insert_sql(1, conn.is_postgres());
        let values: Vec<(&Kind, &Cell)> = self.columns.iter().map(|c| &c.kind).zip(cells).collect();
        conn.execute("SAVEPOINT import_row").await?;
        match run(conn, sql, &values, false).await {
            Ok(_) => {
                conn.execute("RELEASE SAVEPOINT import_row").await?;
                Ok(())
            }
            Err(err) => {
                conn.execute("ROLLBACK TO SAVEPOINT import_row").await?;
                Err(self.explain(conn, n, cells, err).await)
            }
        }
    }

    /// A sentence for a row the database refused, naming the line and what is wrong.
    async fn explain(
        &self,
        conn: &mut Conn,
        n: u64,
        cells: &[Cell],
        err: sqlx::Error,
    ) -> anyhow::Error {
        let table = &self.table.name;
        let kind = err.as_database_error().map(|e| e.kind());
        let index = |name: &str| self.columns.iter().position(|c| c.name == name);
        match kind {
            Some(ErrorKind::UniqueViolation) => {
                if let Some(key) = self.table.primary_key.first()
                    && self.table.primary_key.len() == 1
                    && let Some(i) = index(key)
                    && self
                        .exists(
                            conn,
                            table,
                            &[(key.as_str(), &self.columns[i].kind, &cells[i])],
                        )
                        .await
                {
                    return anyhow!(
                        "line {n}: table {table}: a second row with {key} {} (a duplicate id)",
                        cells[i].shown()
                    );
                }
                anyhow!(
                    "line {n}: table {table}: the row repeats a value that must be unique ({err})"
                )
            }
            Some(ErrorKind::ForeignKeyViolation) => {
                for fk in &self.table.foreign_keys {
                    let mut key = Vec::new();
                    for (column, parent_column) in fk.columns.iter().zip(&fk.parent_columns) {
                        match index(column) {
                            Some(i) if !matches!(cells[i], Cell::Null) => {
                                key.push((parent_column.as_str(), &self.columns[i].kind, &cells[i]))
                            }
                            _ => key.clear(),
                        }
                    }
                    if key.len() == fk.columns.len() && !self.exists(conn, &fk.parent, &key).await {
                        let shown: Vec<String> = key.iter().map(|(_, _, c)| c.shown()).collect();
                        return anyhow!(
                            "line {n}: table {table}: {} {} refers to no row of {} (a foreign key to nothing)",
                            fk.columns.join(", "),
                            shown.join(", "),
                            fk.parent
                        );
                    }
                }
                anyhow!(
                    "line {n}: table {table}: the row refers to a row that is not there ({err})"
                )
            }
            Some(ErrorKind::NotNullViolation) => anyhow!(
                "line {n}: table {table}: a column that may not be empty is missing or null ({err})"
            ),
            _ => anyhow!("line {n}: table {table}: the database refused the row: {err}"),
        }
    }

    /// Whether `table` has a row with these column values.
    async fn exists(&self, conn: &mut Conn, table: &str, key: &[(&str, &Kind, &Cell)]) -> bool {
        let postgres = conn.is_postgres();
        let conditions: Vec<String> = key
            .iter()
            .enumerate()
            .map(|(i, (column, kind, _))| {
                format!(
                    "{} = {}",
                    quoted(column),
                    placeholder(postgres, i + 1, kind)
                )
            })
            .collect();
        let sql = format!(
            "SELECT 1 FROM {} WHERE {} LIMIT 1",
            quoted(table),
            conditions.join(" AND ")
        );
        let values: Vec<(&Kind, &Cell)> =
            key.iter().map(|(_, kind, cell)| (*kind, *cell)).collect();
        run(conn, sql, &values, true).await.unwrap_or(true)
    }

    /// The last rows, then the self-references that named rows further down the file.
    async fn finish(&mut self, conn: &mut Conn) -> anyhow::Result<()> {
        self.flush(conn).await?;
        let postgres = conn.is_postgres();
        for deferred in std::mem::take(&mut self.deferred) {
            let column = self.columns[deferred.column];
            let Some(key) = self.key.map(|k| self.columns[k]) else {
                continue;
            };
            let sql = format!(
                "UPDATE {} SET {} = {} WHERE {} = {}",
                quoted(&self.table.name),
                quoted(&column.name),
                placeholder(postgres, 1, &column.kind),
                quoted(&key.name),
                placeholder(postgres, 2, &key.kind)
            );
            let (value, id) = (Cell::Integer(deferred.value), Cell::Integer(deferred.key));
            if let Err(err) = run(
                conn,
                sql,
                &[(&column.kind, &value), (&key.kind, &id)],
                false,
            )
            .await
            {
                let n = deferred.line;
                let table = &self.table.name;
                if err.as_database_error().map(|e| e.kind()) == Some(ErrorKind::ForeignKeyViolation)
                {
                    bail!(
                        "line {n}: table {table}: {} {} refers to no row of {table} (a foreign key to nothing)",
                        column.name,
                        deferred.value
                    );
                }
                bail!("line {n}: table {table}: the database refused the row: {err}");
            }
        }
        self.present = HashSet::new();
        eprintln!("import: {}: {} rows", self.table.name, self.rows);
        Ok(())
    }
}

/// PostgreSQL hands out ids from sequences that inserts with explicit ids do not move:
/// each is set past the largest id now in its table. (SQLite's AUTOINCREMENT follows
/// the largest id by itself.)
async fn reset_sequences(conn: &mut Conn, tables: &BTreeMap<String, Table>) -> anyhow::Result<()> {
    let Conn::Postgres(c) = conn else {
        return Ok(());
    };
    let serials: Vec<(String, String)> = sqlx::query_as(
        "SELECT table_name::text, column_name::text FROM information_schema.columns \
         WHERE table_schema = current_schema() \
         AND (column_default LIKE 'nextval(%' OR is_identity = 'YES')",
    )
    .fetch_all(&mut **c)
    .await
    .context("could not list the id sequences")?;
    for (table, column) in serials {
        if !tables.contains_key(&table) {
            continue;
        }
        let sql = format!(
            "SELECT setval(pg_get_serial_sequence($1, $2), COALESCE(MAX({column})::int8, 0) + 1, false) FROM {table}",
            column = quoted(&column),
            table = quoted(&table)
        );
        sqlx::query(AssertSqlSafe(sql))
            .bind(quoted(&table))
            .bind(&column)
            .execute(&mut **c)
            .await
            .with_context(|| format!("could not move the id sequence of {table}"))?;
    }
    Ok(())
}
