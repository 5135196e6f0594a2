//! `staffdev export` and `staffdev import`: the whole department in one portable file,
//! from either backend into an empty database of either backend.
//!
//! The file is JSON lines. Line 1 is a header (format, version, the applied migrations,
//! what is left out); then, table after table in foreign-key order (parents first), a
//! line naming the table and its columns, one JSON array per row, and a line closing
//! the table with its row count; the last line says how many tables and rows came, so
//! a file cut short is told from a whole one.
//!
//! Nothing here knows the tables: they are read from the database's catalogue
//! (`sqlite_master` and its pragmas, PostgreSQL's `information_schema` and `pg_catalog`),
//! so a table a later migration adds is carried without touching this module. The
//! maintained tallies (`kudos_days`, `kudos_people_months`, `skill_tallies`,
//! `skill_levels`, `skill_cycle_standings`, `skill_cycle_tallies`, `goal_outcome_shares`,
//! `goal_outcome_tallies`) are carried like any
//! table: they were consistent with the rows they count in the one read transaction the
//! export runs in.
//!
//! Values are written by the kind of their column, the same on both backends: whole
//! numbers and reals as JSON numbers, booleans as JSON booleans, timestamps as RFC 3339
//! in UTC with nanoseconds (SQLite keeps nanoseconds, PostgreSQL microseconds), dates as
//! `YYYY-MM-DD`, bytes as base64, the rest as strings.

mod catalogue;
mod export;
mod import;

pub use export::export;
pub use import::import;

use std::time::{Duration, Instant};

use anyhow::Context;
use sea_orm::{ConnectionTrait, DbBackend};

use crate::db::Db;

/// What every export file says on its first line.
pub const FORMAT: &str = "staffdev-export";

/// The newest format version this staffdev writes and reads.
pub const VERSION: u64 = 1;

/// Tables an export leaves out, and why: credentials, which must not travel in a file
/// and are made again on the new database (people sign in again, make new API tokens
/// and new private links). Also written in every file's header.
pub const LEFT_OUT: &[(&str, &str)] = &[
    ("sessions", "sign-in sessions: everyone signs in again"),
    ("api_tokens", "API tokens: make new ones"),
    (
        "sign_in_devices",
        "remembered sign-in devices: they are asked again",
    ),
    (
        "sign_in_failures",
        "recent failed sign-ins and their lockouts",
    ),
    (
        "private_links",
        "private calendar and feed links: each person makes a new one on the Account page",
    ),
    (
        "private_link_keys",
        "the key the private links are signed with: a new one is drawn",
    ),
];

/// The migrations' own bookkeeping: the import applies the migrations instead.
const MIGRATIONS_TABLE: &str = "seaql_migrations";

/// How often a long table reports its progress on standard error.
const PROGRESS_EVERY: u64 = 100_000;

/// Whether a table travels in an export.
fn is_carried(table: &str) -> bool {
    table != MIGRATIONS_TABLE && !LEFT_OUT.iter().any(|(name, _)| *name == table)
}

/// An identifier quoted for both backends.
fn quoted(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// Gives the query planner statistics of every table (`ANALYZE`) after a bulk load (an
/// import, the demo department), outside any transaction. PostgreSQL's autovacuum may be
/// off or come late, and until then it plans the pages' reads as if the tables were empty
/// (measured: 290 ms instead of 0.5 ms for a page read afresh). On SQLite it fills
/// `sqlite_stat1`. Returns how many tables and how long it took, for the log.
pub async fn refresh_statistics(db: &Db) -> anyhow::Result<(usize, Duration)> {
    let started = Instant::now();
    let tables = catalogue::Conn::acquire(db).await?.table_names().await?;
    let sql = match db.backend() {
        // Named, so a role that does not own the system catalogues is not warned about them.
        DbBackend::Postgres if !tables.is_empty() => format!(
            "ANALYZE {}",
            tables
                .iter()
                .map(|t| quoted(t))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        _ => "ANALYZE".to_owned(),
    };
    db.conn()
        .execute_unprepared(&sql)
        .await
        .context("could not refresh the planner's statistics (ANALYZE)")?;
    Ok((tables.len(), started.elapsed()))
}
