//! `staffdev backup` and `staffdev restore`: a consistent copy of the embedded SQLite
//! database while the service is serving, and that copy put back into an empty place.
//!
//! A file copy of a live WAL database is not a backup: the recent commits live in the
//! `-wal` file and a copy taken between the two files' writes is torn. `VACUUM INTO`
//! writes the database as one read transaction sees it, so the copy holds every commit
//! acknowledged before it began and nothing half-written, while writers carry on (they
//! only wait for the checkpoint the read transaction holds back). PostgreSQL has its own
//! tools for this (`pg_dump`, `pg_restore`); the commands say so instead of pretending.

use std::path::{Path, PathBuf};
use std::str::FromStr;

use anyhow::{Context, bail};
use sea_orm::sqlx::{
    self, Row,
    sqlite::{SqliteConnectOptions, SqlitePoolOptions},
};

use crate::db::Db;

/// What a backup or a restore wrote, for the command to report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Copied {
    pub path: PathBuf,
    pub bytes: u64,
    pub people: i64,
}

const POSTGRES_BACKUP: &str = "backup copies the embedded SQLite database; for PostgreSQL use pg_dump, \
     which copies a live database consistently (for example `pg_dump --format=custom --file=FILE DATABASE_URL`), \
     and pg_restore to put it back";

const POSTGRES_RESTORE: &str = "restore writes the embedded SQLite database; a PostgreSQL database is \
     restored with pg_restore from the file pg_dump wrote";

/// Writes a consistent copy of the SQLite database at `database_url` to `target`, which
/// must not exist yet, while the service may be serving from it; then checks the copy.
pub async fn backup(database_url: &str, target: &Path) -> anyhow::Result<Copied> {
    let source = sqlite_file(database_url, POSTGRES_BACKUP)?;
    if !source.exists() {
        bail!("the database file {} does not exist", source.display());
    }
    if target.exists() {
        bail!(
            "{} already exists; a backup never overwrites a file, so choose a new name",
            target.display()
        );
    }
    let directory = match target.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    };
    if !directory.is_dir() {
        bail!(
            "cannot write the backup to {}: the directory {} does not exist",
            target.display(),
            directory.display()
        );
    }
    let pool = SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(
            SqliteConnectOptions::from_str(database_url)?
                .read_only(true)
                .busy_timeout(std::time::Duration::from_secs(30)),
        )
        .await
        .with_context(|| format!("could not open the database file {}", source.display()))?;
    let written = sqlx::query("VACUUM INTO ?")
        .bind(target.to_string_lossy().into_owned())
        .execute(&pool)
        .await;
    pool.close().await;
    if let Err(err) = written {
        // SQLite leaves nothing useful behind a failed VACUUM INTO; never a partial file.
        let _ = std::fs::remove_file(target);
        return Err(err).with_context(|| {
            format!(
                "could not write the backup to {} (is the directory writable and is there space?)",
                target.display()
            )
        });
    }
    check(target)
        .await
        .with_context(|| format!("the backup at {} did not check out", target.display()))
}

/// Puts the backup `source` where `database_url` points, which must hold no department
/// (no file, or a database without people); then applies any migrations newer than the
/// backup, so an old backup opens in this version.
pub async fn restore(database_url: &str, source: &Path) -> anyhow::Result<Copied> {
    let target = sqlite_file(database_url, POSTGRES_RESTORE)?;
    if !source.is_file() {
        bail!("the backup file {} does not exist", source.display());
    }
    check(source)
        .await
        .with_context(|| format!("{} is not a sound staffdev backup", source.display()))?;
    if target.exists() {
        let people = count_people(&target)
            .await
            .with_context(|| format!("could not read the database file {}", target.display()))?;
        if people > 0 {
            bail!(
                "the database {} already holds a department ({people} people); restore only into an empty place: move that file away or point --database-url at a new file",
                target.display()
            );
        }
    }
    // Copy beside the target, then rename: the target is either the old empty file or
    // the whole backup, never half of it.
    let partial = target.with_extension("restoring");
    tokio::fs::copy(source, &partial)
        .await
        .with_context(|| format!("could not write {}", partial.display()))?;
    for suffix in ["-wal", "-shm"] {
        let mut side = target.clone().into_os_string();
        side.push(suffix);
        let _ = tokio::fs::remove_file(PathBuf::from(side)).await;
    }
    tokio::fs::rename(&partial, &target)
        .await
        .with_context(|| format!("could not move the restored copy into {}", target.display()))?;
    let db = Db::connect(database_url, 1).await?;
    let migrated = db.migrate_up().await;
    db.close().await;
    migrated.context("the restored database could not be brought up to date")?;
    check(&target).await
}

/// The file an SQLite URL names; any other database gets `refusal`.
fn sqlite_file(database_url: &str, refusal: &str) -> anyhow::Result<PathBuf> {
    if !database_url.starts_with("sqlite:") {
        bail!("{refusal}");
    }
    if database_url.contains(":memory:") || database_url.contains("mode=memory") {
        bail!("an in-memory database has nothing to back up or restore");
    }
    let options = SqliteConnectOptions::from_str(database_url)
        .with_context(|| format!("{database_url:?} is not a valid SQLite URL"))?;
    Ok(options.get_filename().to_path_buf())
}

/// `PRAGMA integrity_check` and the staffdev tables, on a read-only connection.
async fn check(path: &Path) -> anyhow::Result<Copied> {
    let pool = read_only(path).await?;
    let verdict = async {
        let rows = sqlx::query("PRAGMA integrity_check")
            .fetch_all(&pool)
            .await?;
        let problems: Vec<String> = rows
            .iter()
            .filter_map(|row| row.try_get::<String, _>(0).ok())
            .filter(|line| line != "ok")
            .collect();
        if let Some(first) = problems.first() {
            bail!(
                "the integrity check found {} problems, the first: {first}",
                problems.len()
            );
        }
        let people = people_in(&pool).await?;
        anyhow::Ok(people.context("it holds no staffdev tables")?)
    }
    .await;
    pool.close().await;
    let people = verdict?;
    let bytes = std::fs::metadata(path)
        .with_context(|| format!("could not read {}", path.display()))?
        .len();
    Ok(Copied {
        path: path.to_path_buf(),
        bytes,
        people,
    })
}

async fn count_people(path: &Path) -> anyhow::Result<i64> {
    let pool = read_only(path).await?;
    let people = people_in(&pool).await;
    pool.close().await;
    Ok(people?.unwrap_or(0))
}

/// The number of people, or `None` when there is no people table.
async fn people_in(pool: &sqlx::SqlitePool) -> anyhow::Result<Option<i64>> {
    let has_table: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'people'",
    )
    .fetch_one(pool)
    .await?;
    if has_table == 0 {
        return Ok(None);
    }
    let people: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM people")
        .fetch_one(pool)
        .await?;
    Ok(Some(people))
}

async fn read_only(path: &Path) -> anyhow::Result<sqlx::SqlitePool> {
    SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(
            SqliteConnectOptions::new()
                .filename(path)
                .read_only(true)
                .busy_timeout(std::time::Duration::from_secs(30)),
        )
        .await
        .with_context(|| format!("could not open {} as an SQLite database", path.display()))
}
