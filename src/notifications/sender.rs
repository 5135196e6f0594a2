//! The sender: in every serving instance, a task that claims due outbox rows, sends them
//! and marks them sent, or schedules a retry, or gives up after a day.
//!
//! Claiming is one short write transaction that stamps `claimed_until` on a batch of due
//! rows. On PostgreSQL the batch is chosen `FOR UPDATE SKIP LOCKED`, so two instances
//! claiming at the same moment take different rows and neither waits for the other; on
//! SQLite writers are serialized anyway. A row is marked the moment its email is
//! accepted. An instance killed between the two leaves the row claimed until the claim
//! runs out, then any instance sends it again, under the same `Message-ID`: delivery is
//! at least once, and exactly once unless a process dies in the middle of an SMTP
//! exchange.

use std::{sync::Arc, time::Duration as StdDuration};

use chrono::{DateTime, Duration, Utc};
use sea_orm::{ConnectionTrait, FromQueryResult};
use tokio::sync::watch;

use super::{GIVE_UP_AFTER, Payload, Topic, backoff, digest, email, unsubscribe};
use crate::{
    db::{Db, Params},
    error::AppResult,
    validate::Word,
};

/// Rows claimed at once: small, so a claim never outlives its sending.
const BATCH: u64 = 20;

/// How long a claim holds: far longer than a batch takes to send (each email is bounded
/// by `email::SMTP_TIMEOUT`), so a row is only sent again when its sender died.
const CLAIM_FOR: Duration = Duration::minutes(15);

/// What the sender needs besides the database.
#[derive(Clone)]
pub struct Sender {
    pub mailer: email::Mailer,
    /// The service's address with a trailing slash, for links in emails.
    pub site: String,
    pub installation_id: Arc<str>,
    /// How long to wait when nothing is due.
    pub idle: StdDuration,
    /// The department's time zone: the weekly digest goes on Monday morning there.
    pub zone: chrono_tz::Tz,
}

/// Sends until `stop` turns true; errors are logged and retried after a pause, never
/// fatal (the mail server or the database may come back).
pub async fn run(db: Db, sender: Sender, stop: watch::Receiver<bool>) {
    poll("notification sender", sender.idle, stop, || {
        work_due(&db, &sender, Utc::now())
    })
    .await
}

/// The loop of both senders (email here, chat webhooks in `webhooks::sender`): runs
/// `step` until `stop` turns true, again at once while it finds work, after `idle` when
/// it found none, and after a pause of at least a second when it failed (logged, never
/// fatal).
pub(crate) async fn poll<Step, Round>(
    name: &str,
    idle: StdDuration,
    mut stop: watch::Receiver<bool>,
    mut step: Step,
) where
    Step: FnMut() -> Round,
    Round: std::future::Future<Output = AppResult<usize>>,
{
    tracing::info!("the {name} is running");
    loop {
        if *stop.borrow() {
            break;
        }
        let pause = match step().await {
            Ok(0) => idle,
            Ok(_) => StdDuration::ZERO,
            Err(err) => {
                tracing::warn!(error = %err, "the {name} could not go on; retrying");
                idle.max(StdDuration::from_secs(1))
            }
        };
        if pause.is_zero() {
            continue;
        }
        tokio::select! {
            _ = tokio::time::sleep(pause) => {}
            _ = stop.changed() => {}
        }
    }
    tracing::info!("the {name} stopped");
}

#[derive(FromQueryResult)]
struct Claimed {
    id: i64,
    kind: String,
    person_id: i32,
    payload: String,
    created_at: DateTime<Utc>,
    attempts: i32,
}

#[derive(FromQueryResult)]
struct Addressee {
    id: i32,
    name: String,
    email: String,
    active: bool,
}

/// One turn of the loop: writes the reminders and builds the weekly digests whose time
/// has come, then sends a batch; answers how many emails were claimed.
pub async fn work_due(db: &Db, sender: &Sender, now: DateTime<Utc>) -> AppResult<usize> {
    // Reminders and digests are written to the outbox first, so this round sends them;
    // each step stands alone (one read when nothing is due), and a failing one is logged
    // without holding up the others.
    if let Err(err) = super::remind_due(db, sender.zone, now).await {
        tracing::warn!(error = %err, "the self-evaluation reminders could not be written; retrying");
    }
    if let Err(err) = digest::build_due(db, sender.zone, now).await {
        tracing::warn!(error = %err, "the weekly digests could not be built; retrying");
    }
    send_due(db, sender, now).await
}

/// Claims one batch of due emails and sends it; answers how many were claimed.
pub async fn send_due(db: &Db, sender: &Sender, now: DateTime<Utc>) -> AppResult<usize> {
    // Look before taking the write lock: an idle sender polls, and a write transaction
    // every few seconds would also make every reader's shared snapshot stale (`Db::generation`).
    if !anything_due(db, now).await? {
        return Ok(0);
    }
    let key = crate::calendar::links::installation_key(db).await?;
    let (claimed, people) = claim(db, now).await?;
    for row in &claimed {
        if super::withdrawn_since_claim(db, "outbox", row.id).await? {
            continue;
        }
        let outcome = match people.iter().find(|p| p.id == row.person_id) {
            Some(person) if person.active => deliver(db, sender, &key, row, person).await?,
            _ => Err(Outcome::Final(
                "the person has left the department".to_owned(),
            )),
        };
        mark(db, row, outcome, Utc::now()).await?;
    }
    Ok(claimed.len())
}

/// Why a row was not sent: worth another try, or never.
enum Outcome {
    Retry(String),
    Final(String),
}

/// Renders and sends one claimed row. On success, answers the digest items it told of
/// (none for a single event's email); a database error while reading them stops the
/// batch, leaving the row claimed to be retried when the claim runs out.
async fn deliver(
    db: &Db,
    sender: &Sender,
    key: &str,
    row: &Claimed,
    person: &Addressee,
) -> AppResult<Result<Vec<i64>, Outcome>> {
    let topic = match Topic::from_stored(&row.kind) {
        Ok(topic) => topic,
        Err(err) => return Ok(Err(Outcome::Final(err.to_string()))),
    };
    let link = match unsubscribe::path(key, row.person_id, topic) {
        Ok(link) => link,
        Err(err) => return Ok(Err(Outcome::Final(err.to_string()))),
    };
    let (rendered, told, attached) = match topic {
        Topic::Event(_) => {
            let payload: Payload = match serde_json::from_str(&row.payload) {
                Ok(payload) => payload,
                Err(err) => {
                    return Ok(Err(Outcome::Final(format!(
                        "the notification cannot be read: {err}"
                    ))));
                }
            };
            let rendered = email::render(
                row.id,
                &sender.installation_id,
                &payload,
                &person.name,
                &person.email,
                &sender.site,
                &link,
            );
            let attached =
                email::attachment(&payload, &sender.site, &sender.installation_id, Utc::now());
            (rendered, Vec::new(), attached)
        }
        Topic::WeeklyDigest => {
            let week = match digest::week_of(&row.payload) {
                Ok(week) => week,
                Err(err) => return Ok(Err(Outcome::Final(err.to_string()))),
            };
            let items = digest::items(db, row.id).await?;
            if items.is_empty() {
                return Ok(Err(Outcome::Final(digest::NOTHING_LEFT.to_owned())));
            }
            let payloads: Vec<&Payload> = items.iter().map(|item| &item.payload).collect();
            let rendered = email::render_digest(
                row.id,
                &sender.installation_id,
                week,
                &payloads,
                &person.name,
                &person.email,
                &sender.site,
                &link,
            );
            // A digest names its meetings with their links; files are attached only to
            // the email of the event itself.
            (rendered, items.iter().map(|item| item.id).collect(), None)
        }
    };
    let email = match rendered {
        Ok(email) => email,
        Err(err) => {
            return Ok(Err(Outcome::Final(format!(
                "the email could not be rendered: {err}"
            ))));
        }
    };
    Ok(sender
        .mailer
        .send_with(&email, attached.as_ref())
        .await
        .map(|()| told)
        .map_err(|err| {
            if err.permanent {
                Outcome::Final(err.message)
            } else {
                Outcome::Retry(err.message)
            }
        }))
}

/// Whether any email is due, read without a write transaction (the waiting index answers).
async fn anything_due(db: &Db, now: DateTime<Utc>) -> AppResult<bool> {
    let conn = db.conn();
    let mut p = Params::new();
    let email = p.bind(super::Channel::Email.as_str());
    let at = p.bind(now);
    let sql = format!(
        "SELECT id FROM outbox \
         WHERE channel = {email} AND sent_at IS NULL AND gave_up_at IS NULL \
           AND next_attempt_at <= {at} AND (claimed_until IS NULL OR claimed_until < {at}) \
         LIMIT 1"
    );
    Ok(conn
        .query_one_raw(p.statement(conn.get_database_backend(), sql))
        .await?
        .is_some())
}

/// Gives up rows that waited a day without going (the mail server was down, or not set
/// up), then claims a batch of due rows and reads their people, in one transaction.
async fn claim(db: &Db, now: DateTime<Utc>) -> AppResult<(Vec<Claimed>, Vec<Addressee>)> {
    let txn = db.write().await?;
    let backend = txn.get_database_backend();
    let postgres = backend == sea_orm::DbBackend::Postgres;

    let mut p = Params::new();
    let at = p.bind(now);
    let reason = p.bind("not sent within a day of the event; given up");
    let cutoff = p.bind(now - GIVE_UP_AFTER);
    let email = p.bind(super::Channel::Email.as_str());
    let sql = format!(
        "UPDATE outbox SET gave_up_at = {at}, last_error = COALESCE(last_error, {reason}) \
         WHERE channel = {email} AND sent_at IS NULL AND gave_up_at IS NULL \
           AND next_attempt_at <= {at} AND created_at < {cutoff} \
           AND (claimed_until IS NULL OR claimed_until < {at})"
    );
    let gave_up = txn.execute_raw(p.statement(backend, sql)).await?;
    if gave_up.rows_affected() > 0 {
        // A digest given up takes its items with it, so none waits for ever.
        let mut p = Params::new();
        let at = p.bind(now);
        let reason = p.bind("the weekly digest was not sent within a day; given up");
        let topic = p.bind(Topic::WeeklyDigest.as_str());
        let sql = format!(
            "UPDATE outbox SET gave_up_at = {at}, last_error = {reason} \
             WHERE sent_at IS NULL AND gave_up_at IS NULL AND digest_id IN \
               (SELECT id FROM outbox WHERE kind = {topic} AND gave_up_at = {at})"
        );
        txn.execute_raw(p.statement(backend, sql)).await?;
    }

    let mut p = Params::new();
    let until = p.bind(now + CLAIM_FOR);
    let at = p.bind(now);
    let email = p.bind(super::Channel::Email.as_str());
    let skip_locked = if postgres {
        "FOR UPDATE SKIP LOCKED"
    } else {
        ""
    };
    let sql = format!(
        "UPDATE outbox SET claimed_until = {until}, attempts = attempts + 1 \
         WHERE id IN (SELECT id FROM outbox \
                      WHERE channel = {email} AND sent_at IS NULL AND gave_up_at IS NULL \
                        AND next_attempt_at <= {at} \
                        AND (claimed_until IS NULL OR claimed_until < {at}) \
                      ORDER BY next_attempt_at, id LIMIT {BATCH} {skip_locked}) \
         RETURNING id, kind, person_id, payload, created_at, attempts"
    );
    let mut claimed = Claimed::find_by_statement(p.statement(backend, sql))
        .all(&txn)
        .await?;
    claimed.sort_by_key(|row| row.id);

    let people = if claimed.is_empty() {
        Vec::new()
    } else {
        let mut p = Params::new();
        let ids = p.bind_all(claimed.iter().map(|row| row.person_id));
        let sql = format!("SELECT id, name, email, active FROM people WHERE id IN ({ids})");
        Addressee::find_by_statement(p.statement(backend, sql))
            .all(&txn)
            .await?
    };
    txn.commit().await?;
    Ok((claimed, people))
}

/// Records how one claimed row went: sent, retried later, or given up.
async fn mark(
    db: &Db,
    row: &Claimed,
    outcome: Result<Vec<i64>, Outcome>,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let txn = db.write().await?;
    let mut p = Params::new();
    let id = p.bind(row.id);
    let at = p.bind(now);
    let sql = match outcome {
        Ok(told) => {
            digest::mark_items_sent(&txn, &told, now).await?;
            format!(
                "UPDATE outbox SET sent_at = {at}, claimed_until = NULL, last_error = NULL \
             WHERE id = {id}"
            )
        }
        Err(Outcome::Retry(error)) if now - row.created_at < GIVE_UP_AFTER => {
            tracing::warn!(outbox_id = row.id, attempts = row.attempts, %error, "an email will be retried");
            let error = p.bind(error);
            let next = p.bind(now + backoff(row.attempts));
            format!(
                "UPDATE outbox SET claimed_until = NULL, last_error = {error}, \
                 next_attempt_at = {next} WHERE id = {id}"
            )
        }
        Err(Outcome::Retry(error) | Outcome::Final(error)) => {
            tracing::warn!(outbox_id = row.id, attempts = row.attempts, %error, "an email was given up");
            digest::give_up_items(&txn, row.id, &error, now).await?;
            let error = p.bind(error);
            format!(
                "UPDATE outbox SET claimed_until = NULL, last_error = {error}, \
                 gave_up_at = {at} WHERE id = {id}"
            )
        }
    };
    let backend = txn.get_database_backend();
    txn.execute_raw(p.statement(backend, sql)).await?;
    txn.commit().await
}
