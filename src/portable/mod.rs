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
//! `skill_levels`) are carried like any table: they were consistent with the rows they
//! count in the one read transaction the export runs in.
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
