//! The webhook sender: in every serving instance, a task that claims due webhook
//! deliveries, posts them and marks them sent, or schedules a retry, or gives up, with
//! the email sender's design (`notifications::sender`): one short write transaction
//! stamps `claimed_until` on a batch (`FOR UPDATE SKIP LOCKED` on PostgreSQL, so two
//! instances take different rows), each post is bounded by `TIMEOUT`, and a row is
//! marked the moment its post is answered. An instance killed between the two leaves the
//! row claimed until the claim runs out, then it is posted again.
//!
//! It runs whether or not a mail server is configured (chat needs none), which is why it
//! is a task of its own beside the email sender rather than a step of its loop.
//!
//! What counts: a 2xx is sent; a 429, a 5xx or no answer is tried again with
//! `notifications::backoff` until `GIVE_UP_AFTER`; any other answer (a 4xx: the address
//! is wrong or was revoked) is given up at once, its status and the start of its body
//! kept as the last error for the cio. Errors never carry the address: it is a secret.

use std::time::Duration as StdDuration;

use chrono::{DateTime, Duration, Utc};
use sea_orm::{ConnectionTrait, FromQueryResult};
use tokio::sync::watch;

use super::{Format, PublicPayload, body};
use crate::{
    db::{Db, Params},
    error::AppResult,
    notifications::{GIVE_UP_AFTER, backoff},
    validate::Word,
};

/// Rows claimed at once: small, so a claim never outlives its posting.
const BATCH: u64 = 20;

/// How long one post may take, connecting included.
pub const TIMEOUT: StdDuration = StdDuration::from_secs(10);

/// How long a claim holds: far longer than a batch takes (`BATCH` × `TIMEOUT`), so a
/// row is only posted again when its sender died.
const CLAIM_FOR: Duration = Duration::minutes(15);

/// How much of a refusing answer's body is kept as the last error.
const EXCERPT: usize = 200;

/// What the webhook sender needs besides the database.
#[derive(Clone)]
pub struct Poster {
    http: reqwest::Client,
    /// The service's address with a trailing slash, for links to the items.
    pub site: String,
    /// How long to wait when nothing is due.
    pub idle: StdDuration,
}

impl Poster {
    pub fn new(site: String, idle: StdDuration) -> anyhow::Result<Poster> {
        let http = reqwest::Client::builder()
            .timeout(TIMEOUT)
            // A webhook answers where it is asked; a redirected POST would become a GET.
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("staffdev/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(Poster { http, site, idle })
    }
}

/// Posts until `stop` turns true; errors are logged and retried after a pause, never
/// fatal (the database may come back).
pub async fn run(db: Db, poster: Poster, stop: watch::Receiver<bool>) {
    crate::notifications::sender::poll("webhook sender", poster.idle, stop, || {
        send_due(&db, &poster, Utc::now())
    })
    .await
}

#[derive(FromQueryResult)]
struct Claimed {
    id: i64,
    webhook_id: i32,
    payload: String,
    created_at: DateTime<Utc>,
    attempts: i32,
}

#[derive(FromQueryResult)]
struct Target {
    id: i32,
    url: String,
    format: String,
    enabled: bool,
}

/// Claims one batch of due deliveries and posts it; answers how many were claimed.
pub async fn send_due(db: &Db, poster: &Poster, now: DateTime<Utc>) -> AppResult<usize> {
    // Look before taking the write lock: an idle sender polls, and a write transaction
    // every few seconds would also make every reader's shared snapshot stale.
    if !anything_due(db, now).await? {
        return Ok(0);
    }
    let (claimed, targets) = claim(db, now).await?;
    for row in &claimed {
        if crate::notifications::withdrawn_since_claim(db, "webhook_outbox", row.id).await? {
            continue;
        }
        let outcome = match targets.iter().find(|t| t.id == row.webhook_id) {
            Some(target) if target.enabled => deliver(poster, row, target).await,
            Some(_) => Err(Outcome::Final(
                "the webhook was turned off before this went".to_owned(),
            )),
            None => Err(Outcome::Final("the webhook is gone".to_owned())),
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

async fn deliver(poster: &Poster, row: &Claimed, target: &Target) -> Result<(), Outcome> {
    let format = Format::from_stored(&target.format).map_err(|e| Outcome::Final(e.to_string()))?;
    let payload: PublicPayload = serde_json::from_str(&row.payload)
        .map_err(|err| Outcome::Final(format!("the event cannot be read: {err}")))?;
    let body = body::render(format, &payload, &poster.site);
    let response = poster
        .http
        .post(&target.url)
        .json(&body)
        .send()
        .await
        .map_err(|err| Outcome::Retry(unreached(&err)))?;
    let status = response.status();
    if status.is_success() {
        return Ok(());
    }
    let said = format!(
        "the webhook answered {status}{}",
        match excerpt(response).await {
            Some(text) => format!(": {text}"),
            None => String::new(),
        }
    );
    if status == reqwest::StatusCode::TOO_MANY_REQUESTS || status.is_server_error() {
        Err(Outcome::Retry(said))
    } else {
        Err(Outcome::Final(said))
    }
}

/// Why a post got no answer, with its causes, and without the address (a secret).
fn unreached(err: &reqwest::Error) -> String {
    let mut said = if err.is_timeout() {
        format!(
            "the webhook did not answer within {} seconds",
            TIMEOUT.as_secs()
        )
    } else {
        "the webhook could not be reached".to_owned()
    };
    let mut source = std::error::Error::source(err);
    while let Some(cause) = source {
        said.push_str(": ");
        said.push_str(&cause.to_string());
        source = cause.source();
    }
    said
}

/// The start of a refusing answer's body, on one line, read no further than needed.
async fn excerpt(mut response: reqwest::Response) -> Option<String> {
    let mut bytes = Vec::new();
    while bytes.len() < EXCERPT * 4 {
        match response.chunk().await {
            Ok(Some(chunk)) => bytes.extend_from_slice(&chunk),
            _ => break,
        }
    }
    let text = String::from_utf8_lossy(&bytes);
    let line: String = text
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .take(EXCERPT)
        .collect();
    (!line.is_empty()).then_some(line)
}

/// Whether any delivery is due, read without a write transaction (the waiting index
/// answers).
async fn anything_due(db: &Db, now: DateTime<Utc>) -> AppResult<bool> {
    let conn = db.conn();
    let mut p = Params::new();
    let at = p.bind(now);
    let sql = format!(
        "SELECT id FROM webhook_outbox \
         WHERE sent_at IS NULL AND gave_up_at IS NULL \
           AND next_attempt_at <= {at} AND (claimed_until IS NULL OR claimed_until < {at}) \
         LIMIT 1"
    );
    Ok(conn
        .query_one_raw(p.statement(conn.get_database_backend(), sql))
        .await?
        .is_some())
}

/// Gives up rows that waited a day without going, then claims a batch of due rows and
/// reads their webhooks, in one transaction.
async fn claim(db: &Db, now: DateTime<Utc>) -> AppResult<(Vec<Claimed>, Vec<Target>)> {
    let txn = db.write().await?;
    let backend = txn.get_database_backend();
    let postgres = backend == sea_orm::DbBackend::Postgres;

    let mut p = Params::new();
    let at = p.bind(now);
    let reason = p.bind("not sent within a day of the event; given up");
    let cutoff = p.bind(now - GIVE_UP_AFTER);
    let sql = format!(
        "UPDATE webhook_outbox SET gave_up_at = {at}, last_error = COALESCE(last_error, {reason}) \
         WHERE sent_at IS NULL AND gave_up_at IS NULL \
           AND next_attempt_at <= {at} AND created_at < {cutoff} \
           AND (claimed_until IS NULL OR claimed_until < {at})"
    );
    txn.execute_raw(p.statement(backend, sql)).await?;

    let mut p = Params::new();
    let until = p.bind(now + CLAIM_FOR);
    let at = p.bind(now);
    let skip_locked = if postgres {
        "FOR UPDATE SKIP LOCKED"
    } else {
        ""
    };
    let sql = format!(
        "UPDATE webhook_outbox SET claimed_until = {until}, attempts = attempts + 1 \
         WHERE id IN (SELECT id FROM webhook_outbox \
                      WHERE sent_at IS NULL AND gave_up_at IS NULL \
                        AND next_attempt_at <= {at} \
                        AND (claimed_until IS NULL OR claimed_until < {at}) \
                      ORDER BY next_attempt_at, id LIMIT {BATCH} {skip_locked}) \
         RETURNING id, webhook_id, payload, created_at, attempts"
    );
    let mut claimed = Claimed::find_by_statement(p.statement(backend, sql))
        .all(&txn)
        .await?;
    claimed.sort_by_key(|row| row.id);

    let targets = if claimed.is_empty() {
        Vec::new()
    } else {
        let mut p = Params::new();
        let ids = p.bind_all(claimed.iter().map(|row| row.webhook_id));
        let sql = format!("SELECT id, url, format, enabled FROM webhooks WHERE id IN ({ids})");
        Target::find_by_statement(p.statement(backend, sql))
            .all(&txn)
            .await?
    };
    txn.commit().await?;
    Ok((claimed, targets))
}

/// Records how one claimed row went: sent, retried later, or given up.
async fn mark(
    db: &Db,
    row: &Claimed,
    outcome: Result<(), Outcome>,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let mut p = Params::new();
    let id = p.bind(row.id);
    let at = p.bind(now);
    let sql = match outcome {
        Ok(()) => format!(
            "UPDATE webhook_outbox SET sent_at = {at}, claimed_until = NULL, last_error = NULL \
             WHERE id = {id}"
        ),
        Err(Outcome::Retry(error)) if now - row.created_at < GIVE_UP_AFTER => {
            tracing::warn!(webhook_outbox_id = row.id, attempts = row.attempts, %error, "a webhook post will be retried");
            let error = p.bind(error);
            let next = p.bind(now + backoff(row.attempts));
            format!(
                "UPDATE webhook_outbox SET claimed_until = NULL, last_error = {error}, \
                 next_attempt_at = {next} WHERE id = {id}"
            )
        }
        Err(Outcome::Retry(error) | Outcome::Final(error)) => {
            tracing::warn!(webhook_outbox_id = row.id, attempts = row.attempts, %error, "a webhook post was given up");
            let error = p.bind(error);
            format!(
                "UPDATE webhook_outbox SET claimed_until = NULL, last_error = {error}, \
                 gave_up_at = {at} WHERE id = {id}"
            )
        }
    };
    let txn = db.write().await?;
    let backend = txn.get_database_backend();
    txn.execute_raw(p.statement(backend, sql)).await?;
    txn.commit().await
}
