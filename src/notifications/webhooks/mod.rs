//! Chat webhooks: the department's public events (kudos, trophy passes, compliments,
//! announcements, published meetings and reports) posted to the chat rooms the cio set up
//! (Slack, Microsoft Teams, Mattermost, or any service that takes a JSON body).
//!
//! The same outbox design as the emails: an event calls `enqueue` inside its own
//! transaction, and one `INSERT … SELECT` writes a row for every enabled webhook
//! subscribed to its kind, whatever their number. The row keeps the event's details
//! (`PublicPayload`) as JSON; the body is rendered in the webhook's format when it goes
//! (`body.rs`). The sender (`sender.rs`) in every serving instance claims, posts, marks
//! sent, retries with `notifications::backoff` and gives up after `GIVE_UP_AFTER`.
//!
//! Only what the portal shows goes out: each enqueue is called where the item is
//! created, visible, and hiding it withdraws what has not gone (`withdraw`, called by
//! `notifications::withdraw` in the hiding's transaction). What has gone stays gone.
//!
//! The cio configures the webhooks (`Action::ManageNotifications`): `list`, `get`,
//! `create`, `update`, `delete`, and reads the recent deliveries with their errors.

pub mod api;
pub mod body;
pub mod pages;
pub mod sender;

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{ConnectionTrait, FromQueryResult, Statement};
use serde::{Deserialize, Serialize};

use super::About;
use crate::{
    audit,
    auth::Actor,
    db::{Db, Params, WriteTxn},
    error::{AppError, AppResult},
    paging::{self, Page},
    people::PersonRef,
    policy::{self, Action},
    validate::{Errors, RequiredText, Word},
};

/// The department's public events a webhook can receive. The stored word names the kind
/// in `webhook_events` and `webhook_outbox`, and is the generic body's `event`, so a word
/// never changes once released. Apart from `EventKind`, which is about one person.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    strum::EnumIter,
    strum::IntoStaticStr,
    strum::EnumString,
    strum::EnumMessage,
)]
#[strum(serialize_all = "snake_case")]
pub enum PublicEvent {
    #[strum(message = "Kudos on the portal")]
    Kudos,
    #[strum(message = "A trophy passed or reassigned")]
    TrophyPassed,
    #[strum(message = "A compliment posted")]
    Compliment,
    #[strum(message = "News posted")]
    Announcement,
    #[strum(message = "A meeting published")]
    MeetingPublished,
    #[strum(message = "An annual report published")]
    ReportPublished,
}

/// The body a webhook's service expects.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    strum::EnumIter,
    strum::IntoStaticStr,
    strum::EnumString,
    strum::EnumMessage,
)]
#[strum(serialize_all = "snake_case")]
pub enum Format {
    #[strum(message = "Slack")]
    Slack,
    #[strum(message = "Microsoft Teams")]
    Teams,
    #[strum(message = "Mattermost")]
    Mattermost,
    #[strum(message = "Generic JSON")]
    Generic,
}

/// What a webhook says about its event, kept in the outbox row as JSON and rendered in
/// the webhook's format when it goes. The generic format sends it as its `payload`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum PublicPayload {
    Kudos {
        kudos_id: i64,
        from: String,
        to: Vec<String>,
        message: String,
        values: Vec<String>,
    },
    TrophyPassed {
        trophy_id: i32,
        notebook_entry_id: i64,
        trophy: String,
        from: String,
        to: String,
        message: String,
        /// The cio moved it (its holder had left), rather than its holder passing it.
        reassigned: bool,
    },
    Compliment {
        compliment_id: i64,
        /// Whom it is about.
        about: String,
        from: String,
        affiliation: String,
        message: String,
    },
    Announcement {
        announcement_id: i64,
        /// The kind's label ("New service").
        kind: String,
        title: String,
        body: String,
    },
    MeetingPublished {
        meeting_id: i64,
        title: String,
        starts_at: DateTime<Utc>,
        /// The IANA zone the meeting was planned in: its clock time is said in it.
        time_zone: String,
        duration_minutes: i32,
        location: String,
    },
    ReportPublished {
        report_id: i64,
        title: String,
        period_from: NaiveDate,
        period_to: NaiveDate,
    },
}

impl PublicPayload {
    pub fn kind(&self) -> PublicEvent {
        match self {
            PublicPayload::Kudos { .. } => PublicEvent::Kudos,
            PublicPayload::TrophyPassed { .. } => PublicEvent::TrophyPassed,
            PublicPayload::Compliment { .. } => PublicEvent::Compliment,
            PublicPayload::Announcement { .. } => PublicEvent::Announcement,
            PublicPayload::MeetingPublished { .. } => PublicEvent::MeetingPublished,
            PublicPayload::ReportPublished { .. } => PublicEvent::ReportPublished,
        }
    }

    /// The portal item it tells of, which the cio can hide (meetings and reports cannot
    /// be hidden).
    pub fn about(&self) -> Option<About> {
        match self {
            PublicPayload::Kudos { kudos_id, .. } => Some(About::Kudos(*kudos_id)),
            PublicPayload::TrophyPassed {
                notebook_entry_id, ..
            } => Some(About::NotebookEntry(*notebook_entry_id)),
            PublicPayload::Compliment { compliment_id, .. } => {
                Some(About::Compliment(*compliment_id))
            }
            PublicPayload::Announcement {
                announcement_id, ..
            } => Some(About::Announcement(*announcement_id)),
            PublicPayload::MeetingPublished { meeting_id, .. } => Some(About::Meeting(*meeting_id)),
            PublicPayload::ReportPublished { .. } => None,
        }
    }

    /// Where the item is on the site, from its root (no leading slash).
    pub fn path(&self) -> String {
        match self {
            PublicPayload::Kudos { .. } => "portal".to_owned(),
            PublicPayload::TrophyPassed { trophy_id, .. } => format!("trophies/{trophy_id}"),
            PublicPayload::Compliment { .. } => "compliments".to_owned(),
            PublicPayload::Announcement { .. } => "announcements".to_owned(),
            PublicPayload::MeetingPublished { meeting_id, .. } => format!("meetings/{meeting_id}"),
            PublicPayload::ReportPublished { report_id, .. } => format!("reports/{report_id}"),
        }
    }
}

/// Writes the webhook deliveries of one public event, in the event's transaction and in
/// one statement whatever the number of webhooks: a row for every enabled webhook that
/// receives the kind, none when no webhook does.
pub async fn enqueue(txn: &WriteTxn, payload: &PublicPayload, now: DateTime<Utc>) -> AppResult<()> {
    let json = serde_json::to_string(payload)
        .map_err(|err| AppError::internal(anyhow::Error::new(err)))?;
    let (about_kind, about_id) = match payload.about().map(About::parts) {
        Some((kind, id)) => (Some(kind.to_owned()), Some(id)),
        None => (None, None),
    };
    let mut p = Params::new();
    let kind = p.bind(payload.kind().as_str());
    let about_kind = p.bind(about_kind);
    let about_id = p.bind(about_id);
    let payload = p.bind(json);
    let at = p.bind(now);
    let sql = format!(
        "INSERT INTO webhook_outbox (webhook_id, kind, about_kind, about_id, payload, \
                                     created_at, next_attempt_at, attempts) \
         SELECT w.id, {kind}, {about_kind}, {about_id}, {payload}, {at}, {at}, 0 \
         FROM webhooks w JOIN webhook_events e ON e.webhook_id = w.id \
         WHERE e.kind = {kind} AND w.enabled \
         ORDER BY w.id"
    );
    txn.execute_raw(p.statement(txn.get_database_backend(), sql))
        .await?;
    Ok(())
}

// ---------------------------------------------------------------------------------------
// The cio's configuration

/// The longest name of a webhook.
pub const NAME_MAX: usize = 100;
/// The longest address of a webhook.
pub const URL_MAX: usize = 2000;

/// One webhook, as the cio sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Webhook {
    pub id: i32,
    pub name: String,
    /// The incoming-webhook address. It is a secret (anyone who has it can post to the
    /// room): shown to the cio only, and never written to logs or the audit trail.
    pub url: String,
    pub format: Format,
    pub enabled: bool,
    /// In declaration order.
    pub events: Vec<PublicEvent>,
    pub created_at: DateTime<Utc>,
    pub changed_at: DateTime<Utc>,
    pub changed_by: PersonRef,
}

impl Webhook {
    /// Whether the webhook receives `event` (for the form's checkboxes).
    pub fn receives(&self, event: &PublicEvent) -> bool {
        self.events.contains(event)
    }
}

/// A webhook as the client sent it.
#[derive(Debug, Clone, Default)]
pub struct WebhookInput {
    pub name: Option<String>,
    pub url: Option<String>,
    pub format: Option<String>,
    pub events: Option<Vec<String>>,
    /// Absent: on.
    pub enabled: Option<bool>,
}

/// A webhook as parsed.
#[derive(Debug, Clone)]
struct NewWebhook {
    name: RequiredText<NAME_MAX>,
    url: WebhookUrl,
    format: Format,
    events: Vec<PublicEvent>,
    enabled: bool,
}

/// An incoming-webhook address: an absolute http or https URL with a host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookUrl(url::Url);

impl WebhookUrl {
    pub fn parse(raw: &str) -> Result<WebhookUrl, String> {
        let raw = raw.trim();
        if raw.is_empty() {
            return Err("Enter the webhook's address.".to_owned());
        }
        if raw.chars().count() > URL_MAX {
            return Err(format!("Use at most {URL_MAX} characters."));
        }
        let url = url::Url::parse(raw)
            .map_err(|_| "Enter a web address such as https://hooks.example.org/….".to_owned())?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(format!(
                "The address must start with https:// (or http://), not {}://.",
                url.scheme()
            ));
        }
        if url.host_str().is_none_or(str::is_empty) {
            return Err("The address needs a host name.".to_owned());
        }
        Ok(WebhookUrl(url))
    }

    /// The host alone, for the audit trail: the rest of the address is the secret.
    pub fn host(&self) -> &str {
        self.0.host_str().unwrap_or_default()
    }

    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }
}

impl WebhookInput {
    fn parse(&self) -> AppResult<NewWebhook> {
        let mut errors = Errors::default();
        let name = errors.check(
            "name",
            RequiredText::<NAME_MAX>::parse_or(self.name.as_deref().unwrap_or(""), "Enter a name."),
        );
        let url = errors.check("url", WebhookUrl::parse(self.url.as_deref().unwrap_or("")));
        let format = errors.word::<Format>("format", self.format.as_deref());
        let events = errors.check("events", parse_events(self.events.as_deref()));
        let (Some(name), Some(url), Some(format), Some(events)) = (name, url, format, events)
        else {
            return Err(errors.into_error());
        };
        Ok(NewWebhook {
            name,
            url,
            format,
            events,
            enabled: self.enabled.unwrap_or(true),
        })
    }
}

/// One or more known kinds, each once, in declaration order.
fn parse_events(raw: Option<&[String]>) -> Result<Vec<PublicEvent>, String> {
    let raw = raw.unwrap_or_default();
    let mut chosen = Vec::new();
    for word in raw {
        let event = PublicEvent::parse_word(word)
            .map_err(|choose| format!("{word:?} is not an event a webhook receives. {choose}"))?;
        chosen.push(event);
    }
    if chosen.is_empty() {
        return Err("Choose at least one event to send.".to_owned());
    }
    Ok(PublicEvent::all()
        .into_iter()
        .filter(|e| chosen.contains(e))
        .collect())
}

#[derive(FromQueryResult)]
struct WebhookRow {
    id: i32,
    name: String,
    url: String,
    format: String,
    enabled: bool,
    created_at: DateTime<Utc>,
    changed_at: DateTime<Utc>,
    changed_by_id: i32,
    changed_by_name: String,
}

#[derive(FromQueryResult)]
struct EventRow {
    webhook_id: i32,
    kind: String,
}

/// The webhooks (all, or the one `id`) with their events: two statements.
async fn read(conn: &impl ConnectionTrait, id: Option<i32>) -> AppResult<Vec<Webhook>> {
    let backend = conn.get_database_backend();
    let mut p = Params::new();
    let only = match id {
        Some(id) => format!("WHERE w.id = {}", p.bind(id)),
        None => String::new(),
    };
    let sql = format!(
        "SELECT w.id, w.name, w.url, w.format, w.enabled, w.created_at, w.changed_at, \
                w.changed_by_id, p.name AS changed_by_name \
         FROM webhooks w JOIN people p ON p.id = w.changed_by_id {only} ORDER BY w.name, w.id"
    );
    let rows = WebhookRow::find_by_statement(p.statement(backend, sql))
        .all(conn)
        .await?;
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let mut p = Params::new();
    let ids = p.bind_all(rows.iter().map(|r| r.id));
    let sql = format!("SELECT webhook_id, kind FROM webhook_events WHERE webhook_id IN ({ids})");
    let events = EventRow::find_by_statement(p.statement(backend, sql))
        .all(conn)
        .await?;
    let mut hooks = Vec::with_capacity(rows.len());
    for row in rows {
        let mut kinds = Vec::new();
        for e in events.iter().filter(|e| e.webhook_id == row.id) {
            kinds.push(PublicEvent::from_stored(&e.kind)?);
        }
        hooks.push(Webhook {
            id: row.id,
            name: row.name,
            url: row.url,
            format: Format::from_stored(&row.format)?,
            enabled: row.enabled,
            events: PublicEvent::all()
                .into_iter()
                .filter(|e| kinds.contains(e))
                .collect(),
            created_at: row.created_at,
            changed_at: row.changed_at,
            changed_by: PersonRef {
                id: row.changed_by_id,
                name: row.changed_by_name,
            },
        });
    }
    Ok(hooks)
}

async fn read_one(conn: &impl ConnectionTrait, id: i32) -> AppResult<Webhook> {
    read(conn, Some(id)).await?.pop().ok_or(AppError::NotFound)
}

/// Every webhook, by name (the cio; 404 for everyone else).
pub async fn list(db: &Db, actor: &Actor) -> AppResult<Vec<Webhook>> {
    policy::check(actor.principal(), Action::ManageNotifications)?;
    read(db.conn(), None).await
}

/// One webhook (the cio); 404 when there is none.
pub async fn get(db: &Db, actor: &Actor, id: i32) -> AppResult<Webhook> {
    policy::check(actor.principal(), Action::ManageNotifications)?;
    read_one(db.conn(), id).await
}

/// Sets up a webhook (the cio), at `now`.
pub async fn create(
    db: &Db,
    actor: &Actor,
    input: WebhookInput,
    now: DateTime<Utc>,
) -> AppResult<Webhook> {
    policy::check(actor.principal(), Action::ManageNotifications)?;
    let new = input.parse()?;
    let txn = db.write().await?;
    let backend = txn.get_database_backend();
    let mut p = Params::new();
    let sql = format!(
        "INSERT INTO webhooks (name, url, format, enabled, created_at, changed_at, changed_by_id) \
         VALUES ({}, {}, {}, {}, {at}, {at}, {}) RETURNING id",
        p.bind(new.name.as_str()),
        p.bind(new.url.as_str()),
        p.bind(new.format.as_str()),
        p.bind(new.enabled),
        p.bind(actor.person_id),
        at = p.bind(now),
    );
    let id: i32 = txn
        .query_one_raw(p.statement(backend, sql))
        .await?
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("the webhook insert returned nothing")))?
        .try_get("", "id")?;
    write_events(&txn, id, &new.events).await?;
    audit::record(
        &txn,
        Some(actor),
        audit::Event::new(audit::Kind::WebhookAdded, audit::Subject::Webhook(id))
            .set("name", new.name.as_str())
            .set("host", new.url.host())
            .set("address", fingerprint(new.url.as_str()))
            .set("format", new.format.as_str())
            .set("enabled", new.enabled)
            .set("events", event_words(&new.events)),
    )
    .await?;
    let created = read_one(&txn, id).await?;
    txn.commit().await?;
    Ok(created)
}

/// Changes a webhook (the cio): every field is replaced. 404 when there is none.
pub async fn update(
    db: &Db,
    actor: &Actor,
    id: i32,
    input: WebhookInput,
    now: DateTime<Utc>,
) -> AppResult<Webhook> {
    policy::check(actor.principal(), Action::ManageNotifications)?;
    let new = input.parse()?;
    let txn = db.write().await?;
    let before = read_one(&txn, id).await?;
    let mut p = Params::new();
    let sql = format!(
        "UPDATE webhooks SET name = {}, url = {}, format = {}, enabled = {}, \
                changed_at = {}, changed_by_id = {} WHERE id = {}",
        p.bind(new.name.as_str()),
        p.bind(new.url.as_str()),
        p.bind(new.format.as_str()),
        p.bind(new.enabled),
        p.bind(now),
        p.bind(actor.person_id),
        p.bind(id),
    );
    txn.execute_raw(p.statement(txn.get_database_backend(), sql))
        .await?;
    txn.execute_raw(Statement::from_sql_and_values(
        txn.get_database_backend(),
        "DELETE FROM webhook_events WHERE webhook_id = $1",
        [id.into()],
    ))
    .await?;
    write_events(&txn, id, &new.events).await?;
    let before_host = WebhookUrl::parse(&before.url)
        .map(|u| u.host().to_owned())
        .unwrap_or_default();
    let event = audit::Event::new(audit::Kind::WebhookChanged, audit::Subject::Webhook(id))
        .change("name", before.name.as_str(), new.name.as_str())
        .change("host", before_host.as_str(), new.url.host())
        .change(
            "address",
            fingerprint(&before.url),
            fingerprint(new.url.as_str()),
        )
        .change("format", before.format.as_str(), new.format.as_str())
        .change("enabled", before.enabled, new.enabled)
        .change(
            "events",
            event_words(&before.events),
            event_words(&new.events),
        );
    if event.changed_anything() {
        audit::record(&txn, Some(actor), event).await?;
    }
    let changed = read_one(&txn, id).await?;
    txn.commit().await?;
    Ok(changed)
}

/// Deletes a webhook and its deliveries, sent or waiting (the cio). 404 when there is none.
pub async fn delete(db: &Db, actor: &Actor, id: i32) -> AppResult<()> {
    policy::check(actor.principal(), Action::ManageNotifications)?;
    let txn = db.write().await?;
    let before = read_one(&txn, id).await?;
    txn.execute_raw(Statement::from_sql_and_values(
        txn.get_database_backend(),
        "DELETE FROM webhooks WHERE id = $1",
        [id.into()],
    ))
    .await?;
    let host = WebhookUrl::parse(&before.url)
        .map(|u| u.host().to_owned())
        .unwrap_or_default();
    audit::record(
        &txn,
        Some(actor),
        audit::Event::new(audit::Kind::WebhookDeleted, audit::Subject::Webhook(id))
            .was("name", before.name.as_str())
            .was("host", host)
            .was("format", before.format.as_str())
            .was("events", event_words(&before.events)),
    )
    .await?;
    txn.commit().await
}

/// What the audit trail keeps of an address: its host is kept apart, and the rest is a
/// secret (anyone who has it can post to the room), so only the start of its SHA-256,
/// enough to see that it changed.
fn fingerprint(url: &str) -> String {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(url.as_bytes());
    format!("sha256:{}", &hex::encode(digest)[..12])
}

fn event_words(events: &[PublicEvent]) -> Vec<&'static str> {
    events.iter().map(|e| e.as_str()).collect()
}

/// Writes a webhook's events in one statement.
async fn write_events(txn: &WriteTxn, id: i32, events: &[PublicEvent]) -> AppResult<()> {
    if events.is_empty() {
        return Ok(());
    }
    let mut p = Params::new();
    let rows: Vec<String> = events
        .iter()
        .map(|e| format!("({}, {})", p.bind(id), p.bind(e.as_str())))
        .collect();
    let sql = format!(
        "INSERT INTO webhook_events (webhook_id, kind) VALUES {}",
        rows.join(", ")
    );
    txn.execute_raw(p.statement(txn.get_database_backend(), sql))
        .await?;
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Deliveries, as the cio reads them

/// One delivery of one event to one webhook.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    pub id: i64,
    pub webhook_id: i32,
    pub webhook_name: String,
    pub kind: PublicEvent,
    pub created_at: DateTime<Utc>,
    /// Waiting, Sent or GaveUp (`notifications::Status`; webhooks have no digest).
    pub status: super::Status,
    pub attempts: i32,
    pub next_attempt_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
    pub gave_up_at: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
}

#[derive(FromQueryResult)]
struct DeliveryRow {
    id: i64,
    webhook_id: i32,
    webhook_name: String,
    kind: String,
    created_at: DateTime<Utc>,
    attempts: i32,
    next_attempt_at: DateTime<Utc>,
    sent_at: Option<DateTime<Utc>>,
    gave_up_at: Option<DateTime<Utc>>,
    last_error: Option<String>,
}

/// The deliveries, newest first, `limit` after the cursor `after` (the cio).
pub async fn deliveries(
    db: &Db,
    actor: &Actor,
    limit: Option<u64>,
    after: Option<&str>,
) -> AppResult<Page<Delivery>> {
    policy::check(actor.principal(), Action::ManageNotifications)?;
    let limit = paging::limit(limit)?;
    let before_id: Option<i64> = after.map(paging::decode_cursor).transpose()?;
    let conn = db.conn();
    let mut p = Params::new();
    let cursor = match before_id {
        Some(id) => format!("WHERE o.id < {}", p.bind(id)),
        None => String::new(),
    };
    let sql = format!(
        "SELECT o.id, o.webhook_id, w.name AS webhook_name, o.kind, o.created_at, o.attempts, \
                o.next_attempt_at, o.sent_at, o.gave_up_at, o.last_error \
         FROM webhook_outbox o JOIN webhooks w ON w.id = o.webhook_id \
         {cursor} ORDER BY o.id DESC LIMIT {}",
        limit + 1
    );
    let rows = DeliveryRow::find_by_statement(p.statement(conn.get_database_backend(), sql))
        .all(conn)
        .await?;
    let mut items = Vec::with_capacity(rows.len());
    for row in rows {
        let status = if row.sent_at.is_some() {
            super::Status::Sent
        } else if row.gave_up_at.is_some() {
            super::Status::GaveUp
        } else {
            super::Status::Waiting
        };
        items.push(Delivery {
            id: row.id,
            webhook_id: row.webhook_id,
            webhook_name: row.webhook_name,
            kind: PublicEvent::from_stored(&row.kind)?,
            created_at: row.created_at,
            status,
            attempts: row.attempts,
            next_attempt_at: row.next_attempt_at,
            sent_at: row.sent_at,
            gave_up_at: row.gave_up_at,
            last_error: row.last_error,
        });
    }
    Ok(paging::finish(items, limit, |d| d.id))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_word_has_a_label() {
        crate::validate::assert_labelled::<PublicEvent>();
        crate::validate::assert_labelled::<Format>();
    }

    #[test]
    fn a_webhook_address_is_an_http_url_with_a_host() {
        assert!(WebhookUrl::parse(" https://hooks.slack.com/services/T0/B0/x ").is_ok());
        assert!(WebhookUrl::parse("http://127.0.0.1:8080/hook").is_ok());
        for (raw, says) in [
            ("", "Enter the webhook's address."),
            ("hooks.slack.com/services/x", "Enter a web address"),
            ("ftp://files.example.org/hook", "not ftp://"),
            ("mailto:someone@example.org", "not mailto://"),
            ("https://", "Enter a web address"),
        ] {
            let err = WebhookUrl::parse(raw).expect_err(raw);
            assert!(err.contains(says), "{raw}: {err}");
        }
        let long = format!("https://example.org/{}", "a".repeat(URL_MAX));
        assert!(WebhookUrl::parse(&long).is_err());
    }

    #[test]
    fn events_are_known_kinds_at_least_one_each_once() {
        let words = |w: &[&str]| w.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            parse_events(Some(&words(&["compliment", "kudos", "kudos"]))),
            Ok(vec![PublicEvent::Kudos, PublicEvent::Compliment])
        );
        assert!(parse_events(Some(&[])).is_err());
        assert!(parse_events(None).is_err());
        let err = parse_events(Some(&words(&["kudos", "birthdays"]))).unwrap_err();
        assert!(err.contains("\"birthdays\""), "{err}");
    }
}
