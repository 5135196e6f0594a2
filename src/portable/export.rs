//! `staffdev export FILE`: every carried table, read in one read transaction so the file
//! is one consistent moment of the department even while the service writes, streamed
//! row by row (never a whole table in memory) into a file that appears under its name
//! only once complete.

use std::{
    fs::File,
    io::{BufWriter, Write},
    path::{Path, PathBuf},
};

use anyhow::{Context, bail};
use base64::Engine;
use chrono::{DateTime, NaiveDate, NaiveDateTime, SecondsFormat, Utc};
use futures_util::TryStreamExt;
use sea_orm::sqlx::{self, AssertSqlSafe, Row, ValueRef, postgres::PgRow, sqlite::SqliteRow};
use serde::Serialize;
use serde_json::{Value, json};

use super::{
    FORMAT, LEFT_OUT, PROGRESS_EVERY, VERSION,
    catalogue::{Conn, Kind, Table, parents_first},
    is_carried, quoted,
};
use crate::db::{self, Db};

// The lines other than rows, as structs so their keys come in this order (a JSON map
// here sorts them, and a person reading the file wants "format" first).

#[derive(Serialize)]
struct Header {
    format: &'static str,
    version: u64,
    migrations: Vec<String>,
    exported_at: String,
    from: &'static str,
    left_out: Vec<LeftOut>,
}

#[derive(Serialize)]
struct LeftOut {
    table: &'static str,
    why: &'static str,
}

#[derive(Serialize)]
struct TableLine<'a> {
    table: &'a str,
    columns: Vec<&'a str>,
    kinds: Vec<&'a str>,
}

#[derive(Serialize)]
struct EndOfTable<'a> {
    end_of_table: &'a str,
    rows: u64,
}

#[derive(Serialize)]
struct End {
    end: bool,
    tables: usize,
    rows: u64,
}

/// What an export wrote, for the command to report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exported {
    pub path: PathBuf,
    pub tables: u64,
    pub rows: u64,
    pub bytes: u64,
}

/// Writes the department in the database at `database_url` to `target`, which must not
/// exist yet. The rows go to a `.partial` file beside it, renamed once the end marker is
/// written, so a failed export leaves nothing under the name.
pub async fn export(database_url: &str, target: &Path) -> anyhow::Result<Exported> {
    if let Some(missing) = db::missing_sqlite_file(database_url) {
        bail!("the database file {} does not exist", missing.display());
    }
    if target.exists() {
        bail!(
            "{} already exists; an export never overwrites a file, so choose a new name",
            target.display()
        );
    }
    let directory = match target.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    };
    if !directory.is_dir() {
        bail!(
            "cannot write the export to {}: the directory {} does not exist",
            target.display(),
            directory.display()
        );
    }
    let mut partial_name = target.file_name().unwrap_or_default().to_os_string();
    partial_name.push(".partial");
    let partial = target.with_file_name(partial_name);
    let file = File::create_new(&partial).with_context(|| {
        format!(
            "could not write the export to {} (is the directory writable, and is {} left from an earlier run?)",
            target.display(),
            partial.display()
        )
    })?;
    let db = Db::connect(database_url, 1).await?;
    let mut out = BufWriter::with_capacity(1 << 16, file);
    let written = write_department(&db, &mut out).await;
    db.close().await;
    let finished = written.and_then(|(tables, rows)| {
        let file = out.into_inner().map_err(|e| e.into_error())?;
        file.sync_all()?;
        std::fs::rename(&partial, target)?;
        anyhow::Ok((tables, rows))
    });
    match finished {
        Ok((tables, rows)) => {
            let bytes = std::fs::metadata(target)
                .with_context(|| format!("could not read {}", target.display()))?
                .len();
            Ok(Exported {
                path: target.to_path_buf(),
                tables,
                rows,
                bytes,
            })
        }
        Err(err) => {
            let _ = std::fs::remove_file(&partial);
            Err(err).with_context(|| format!("could not write the export to {}", target.display()))
        }
    }
}

/// The header, every carried table and the end marker, in one read transaction:
/// PostgreSQL's REPEATABLE READ READ ONLY, or an SQLite read transaction on one
/// connection (WAL keeps its snapshot while writers commit).
async fn write_department(db: &Db, out: &mut impl Write) -> anyhow::Result<(u64, u64)> {
    let mut conn = Conn::acquire(db).await?;
    let begin = if conn.is_postgres() {
        "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"
    } else {
        "BEGIN"
    };
    conn.execute(begin)
        .await
        .context("could not start the read transaction")?;
    let written = write_tables(&mut conn, out).await;
    // Read only: nothing to keep, and ending it lets SQLite checkpoint again.
    let _ = conn.execute("ROLLBACK").await;
    written
}

async fn write_tables(conn: &mut Conn, out: &mut impl Write) -> anyhow::Result<(u64, u64)> {
    let migrations = conn
        .applied_migrations()
        .await
        .context("could not read the applied migrations")?;
    if migrations.is_empty() {
        bail!("the database holds no staffdev tables (no migration was ever applied)");
    }
    let tables: Vec<Table> = conn
        .tables()
        .await?
        .into_iter()
        .filter(|t| is_carried(&t.name))
        .collect();
    let tables = parents_first(tables)?;
    let left_out: Vec<LeftOut> = LEFT_OUT
        .iter()
        .map(|(table, why)| LeftOut { table, why })
        .collect();
    let header = Header {
        format: FORMAT,
        version: VERSION,
        migrations,
        exported_at: Utc::now().to_rfc3339_opts(SecondsFormat::Nanos, true),
        from: if conn.is_postgres() {
            "postgresql"
        } else {
            "sqlite"
        },
        left_out,
    };
    write_line(out, &header)?;
    let mut total = 0;
    for table in &tables {
        let columns: Vec<&str> = table.columns.iter().map(|c| c.name.as_str()).collect();
        let kinds: Vec<&str> = table.columns.iter().map(|c| c.kind.name()).collect();
        write_line(
            out,
            &TableLine {
                table: &table.name,
                columns,
                kinds,
            },
        )?;
        let rows = match conn {
            Conn::Sqlite(c) => {
                let sql = select(table, false);
                let mut stream = sqlx::query(AssertSqlSafe(sql)).fetch(&mut **c);
                let mut rows = 0;
                while let Some(row) = stream
                    .try_next()
                    .await
                    .with_context(|| format!("could not read the table {}", table.name))?
                {
                    let cells = table
                        .columns
                        .iter()
                        .enumerate()
                        .map(|(i, column)| sqlite_cell(&row, i, &column.kind))
                        .collect::<anyhow::Result<Vec<Value>>>()
                        .with_context(|| bad_row(table, rows))?;
                    rows += 1;
                    write_row(out, cells, table, rows)?;
                }
                rows
            }
            Conn::Postgres(c) => {
                let sql = select(table, true);
                let mut stream = sqlx::query(AssertSqlSafe(sql)).fetch(&mut **c);
                let mut rows = 0;
                while let Some(row) = stream
                    .try_next()
                    .await
                    .with_context(|| format!("could not read the table {}", table.name))?
                {
                    let cells = table
                        .columns
                        .iter()
                        .enumerate()
                        .map(|(i, column)| postgres_cell(&row, i, &column.kind))
                        .collect::<anyhow::Result<Vec<Value>>>()
                        .with_context(|| bad_row(table, rows))?;
                    rows += 1;
                    write_row(out, cells, table, rows)?;
                }
                rows
            }
        };
        write_line(
            out,
            &EndOfTable {
                end_of_table: &table.name,
                rows,
            },
        )?;
        eprintln!("export: {}: {rows} rows", table.name);
        total += rows;
    }
    write_line(
        out,
        &End {
            end: true,
            tables: tables.len(),
            rows: total,
        },
    )?;
    Ok((tables.len() as u64, total))
}

fn bad_row(table: &Table, read: u64) -> String {
    format!(
        "the table {} holds a value that cannot be exported (row {} in key order)",
        table.name,
        read + 1
    )
}

/// Every column in the table's key order; PostgreSQL casts each column to the one type
/// its kind is read as (an int4 and an int8 both come back as an int8).
fn select(table: &Table, postgres: bool) -> String {
    let columns: Vec<String> = table
        .columns
        .iter()
        .map(|c| {
            let name = quoted(&c.name);
            match (&c.kind, postgres) {
                (_, false) => name,
                (Kind::Integer, true) => format!("{name}::int8"),
                (Kind::Real, true) => format!("{name}::float8"),
                (Kind::Text | Kind::Other(_), true) => format!("{name}::text"),
                (_, true) => name,
            }
        })
        .collect();
    format!(
        "SELECT {} FROM {} ORDER BY {}",
        columns.join(", "),
        quoted(&table.name),
        table.order_by()
    )
}

fn write_row(
    out: &mut impl Write,
    cells: Vec<Value>,
    table: &Table,
    rows: u64,
) -> anyhow::Result<()> {
    write_line(out, &Value::Array(cells))?;
    if rows.is_multiple_of(PROGRESS_EVERY) {
        eprintln!("export: {}: {rows} rows so far", table.name);
    }
    Ok(())
}

fn write_line(out: &mut impl Write, value: &impl Serialize) -> anyhow::Result<()> {
    serde_json::to_writer(&mut *out, value)?;
    out.write_all(b"\n")?;
    Ok(())
}

fn timestamp(value: DateTime<Utc>) -> Value {
    Value::String(value.to_rfc3339_opts(SecondsFormat::Nanos, true))
}

fn naive_timestamp(value: NaiveDateTime) -> Value {
    Value::String(value.format("%Y-%m-%dT%H:%M:%S%.9f").to_string())
}

fn date(value: NaiveDate) -> Value {
    Value::String(value.format("%Y-%m-%d").to_string())
}

fn real(value: f64) -> anyhow::Result<Value> {
    serde_json::Number::from_f64(value)
        .map(Value::Number)
        .with_context(|| format!("{value} is not a number JSON can hold"))
}

fn bytes(value: &[u8]) -> Value {
    Value::String(base64::engine::general_purpose::STANDARD.encode(value))
}

/// One SQLite value by its column's kind. SQLite stores timestamps as text (sea-orm's
/// RFC 3339) and booleans as integers; sqlx reads them back whatever the declared type.
fn sqlite_cell(row: &SqliteRow, i: usize, kind: &Kind) -> anyhow::Result<Value> {
    if row.try_get_raw(i)?.is_null() {
        return Ok(Value::Null);
    }
    let name = || row.columns_name(i);
    Ok(match kind {
        Kind::Integer => json!(row.try_get_unchecked::<i64, _>(i)?),
        Kind::Boolean => Value::Bool(row.try_get_unchecked::<i64, _>(i)? != 0),
        Kind::Real => real(row.try_get_unchecked::<f64, _>(i)?)?,
        Kind::Timestamp => timestamp(
            row.try_get_unchecked::<DateTime<Utc>, _>(i)
                .with_context(|| format!("the column {} holds no timestamp", name()))?,
        ),
        Kind::NaiveTimestamp => naive_timestamp(
            row.try_get_unchecked::<NaiveDateTime, _>(i)
                .with_context(|| format!("the column {} holds no timestamp", name()))?,
        ),
        Kind::Date => date(
            row.try_get_unchecked::<NaiveDate, _>(i)
                .with_context(|| format!("the column {} holds no date", name()))?,
        ),
        Kind::Bytes => bytes(&row.try_get_unchecked::<Vec<u8>, _>(i)?),
        Kind::Text | Kind::Other(_) => Value::String(row.try_get_unchecked::<String, _>(i)?),
    })
}

fn postgres_cell(row: &PgRow, i: usize, kind: &Kind) -> anyhow::Result<Value> {
    if row.try_get_raw(i)?.is_null() {
        return Ok(Value::Null);
    }
    Ok(match kind {
        Kind::Integer => json!(row.try_get::<i64, _>(i)?),
        Kind::Boolean => Value::Bool(row.try_get::<bool, _>(i)?),
        Kind::Real => real(row.try_get::<f64, _>(i)?)?,
        Kind::Timestamp => timestamp(row.try_get::<DateTime<Utc>, _>(i)?),
        Kind::NaiveTimestamp => naive_timestamp(row.try_get::<NaiveDateTime, _>(i)?),
        Kind::Date => date(row.try_get::<NaiveDate, _>(i)?),
        Kind::Bytes => bytes(&row.try_get::<Vec<u8>, _>(i)?),
        Kind::Text | Kind::Other(_) => Value::String(row.try_get::<String, _>(i)?),
    })
}

/// The column's name, for messages.
trait ColumnsName {
    fn columns_name(&self, i: usize) -> String;
}

impl ColumnsName for SqliteRow {
    fn columns_name(&self, i: usize) -> String {
        use sqlx::Column;
        self.columns()
            .get(i)
            .map(|c| c.name().to_owned())
            .unwrap_or_else(|| format!("#{i}"))
    }
}
