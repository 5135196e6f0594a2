//! The demo's outbox. Giving the demo's kudos and passing its trophy wrote a notification
//! for every recipient over the past year; a department that has not set up a mail server
//! yet would see them given up long ago. The demo keeps the latest few and shows them the
//! way the cio meets the outbox in practice: most sent, two that failed with the mail
//! server's error, and one still waiting.

use chrono::{DateTime, Duration, Utc};
use sea_orm::{ConnectionTrait, FromQueryResult, Statement};

use crate::{
    db::{Db, Params},
    error::AppResult,
};

/// Notifications the demo keeps.
const KEPT: i64 = 8;
/// Of those, the oldest are sent, the next fail, and the newest waits.
const SENT: usize = 5;
const FAILED: usize = 2;

const DEMO_ERROR: &str =
    "the mail server refused or could not be reached: Connection refused (os error 111)";

#[derive(FromQueryResult)]
struct Kept {
    id: i64,
    created_at: DateTime<Utc>,
}

pub async fn load_outbox(db: &Db) -> AppResult<()> {
    let txn = db.write().await?;
    let backend = txn.get_database_backend();
    txn.execute_raw(Statement::from_string(
        backend,
        format!(
            "DELETE FROM outbox WHERE id NOT IN \
             (SELECT id FROM (SELECT id FROM outbox ORDER BY id DESC LIMIT {KEPT}) AS latest)"
        ),
    ))
    .await?;
    let kept = Kept::find_by_statement(Statement::from_string(
        backend,
        "SELECT id, created_at FROM outbox ORDER BY id",
    ))
    .all(&txn)
    .await?;
    for (n, row) in kept.iter().enumerate() {
        let mut p = Params::new();
        let id = p.bind(row.id);
        let sql = if n < SENT {
            let at = p.bind(row.created_at + Duration::seconds(40));
            format!("UPDATE outbox SET attempts = 1, sent_at = {at} WHERE id = {id}")
        } else if n < SENT + FAILED {
            let error = p.bind(DEMO_ERROR);
            let at = p.bind(row.created_at + Duration::hours(24));
            format!(
                "UPDATE outbox SET attempts = 9, last_error = {error}, gave_up_at = {at} \
                 WHERE id = {id}"
            )
        } else {
            continue;
        };
        txn.execute_raw(p.statement(backend, sql)).await?;
    }
    txn.commit().await
}
