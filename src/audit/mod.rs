//! The audit trail: every change that matters to who may do what (roles, managers,
//! leaving, password resets), to the department's calendar (cycle phases, the plan in
//! force, meetings published), to its catalogue (skills) and to the portal (trophies
//! reassigned, items hidden and brought back, compliments and news posted), and every
//! sign-in lockout. Each is one row written by `record` in the same transaction as the
//! change, so a change that fails writes none and none is written without its change.
//!
//! Append-only: the table's triggers refuse UPDATE and DELETE on both backends (see the
//! migration), and this module only ever inserts.
//!
//! The request id comes from poem's `RequestId` middleware through a task-local that
//! `app::routes` sets for each request (`within_request`), so services record it without
//! taking anything from HTTP; a change made outside a request (the demo, a command) has
//! none.
//!
//! The cio reads the trail (`trail`), filtered by person, kind and dates and paged by a
//! cursor on (at, id), and exports it as CSV (`trail_csv`).

pub mod api;
pub mod pages;

use std::future::Future;

use chrono::{DateTime, Days, NaiveDate, NaiveTime, Utc};
use sea_orm::{ConnectionTrait, EntityTrait, FromQueryResult, Set};
use serde::Serialize;
use serde_json::{Map, Value};

use crate::{
    auth::Actor,
    db::{Db, Params, WriteTxn},
    entities::audit_event,
    error::{AppError, AppResult},
    paging::{self, Page},
    people::PersonRef,
    policy::{self, Action},
    summaries::export::neutralise,
    validate::{Errors, Word},
};

tokio::task_local! {
    /// The id of the request being served, set for the whole request by `within_request`.
    static REQUEST_ID: Option<String>;
}

/// Runs `work` (a request's handling) with `request_id` as the id every event it records
/// carries.
pub async fn within_request<F: Future>(request_id: Option<String>, work: F) -> F::Output {
    REQUEST_ID.scope(request_id, work).await
}

/// The id of the request being served, if this runs inside one.
fn current_request_id() -> Option<String> {
    REQUEST_ID.try_with(Clone::clone).ok().flatten()
}

/// What happened. The word is stored and sent; the label is what the page shows.
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
pub enum Kind {
    #[strum(message = "Role changed")]
    RoleChanged,
    #[strum(message = "Manager changed")]
    ManagerChanged,
    #[strum(message = "Active state changed")]
    ActiveChanged,
    #[strum(message = "Password reset")]
    PasswordReset,
    #[strum(message = "Cycle moved to another phase")]
    CyclePhaseMoved,
    #[strum(message = "Plan made active")]
    PlanActivated,
    #[strum(message = "Skill added")]
    SkillAdded,
    #[strum(message = "Skill changed")]
    SkillChanged,
    #[strum(message = "Skill retired")]
    SkillRetired,
    #[strum(message = "Skill brought back")]
    SkillReinstated,
    #[strum(message = "Skill deleted")]
    SkillDeleted,
    #[strum(message = "Trophy reassigned")]
    TrophyReassigned,
    #[strum(message = "Item hidden from the portal")]
    ItemHidden,
    #[strum(message = "Item brought back to the portal")]
    ItemUnhidden,
    #[strum(message = "Compliment posted")]
    ComplimentPosted,
    #[strum(message = "News posted")]
    AnnouncementPosted,
    #[strum(message = "Meeting published")]
    MeetingPublished,
    #[strum(message = "Sign-in locked after failures")]
    SignInLocked,
    #[strum(message = "Chat webhook added")]
    WebhookAdded,
    #[strum(message = "Chat webhook changed")]
    WebhookChanged,
    #[strum(message = "Chat webhook deleted")]
    WebhookDeleted,
}

/// What a change was made to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subject {
    Person(i32),
    Cycle(i32),
    Plan(i32),
    Skill(i32),
    Trophy(i32),
    Kudos(i64),
    NotebookEntry(i64),
    Compliment(i64),
    Announcement(i64),
    Meeting(i64),
    /// A chat webhook (`notifications::webhooks`).
    Webhook(i32),
    /// An account someone tried to sign in to, which may name nobody.
    Account(Option<i32>),
    /// An address signing in to many accounts.
    Address,
}

impl Subject {
    fn kind(self) -> &'static str {
        match self {
            Subject::Person(_) => "person",
            Subject::Cycle(_) => "cycle",
            Subject::Plan(_) => "plan",
            Subject::Skill(_) => "skill",
            Subject::Trophy(_) => "trophy",
            Subject::Kudos(_) => "kudos",
            Subject::NotebookEntry(_) => "notebook_entry",
            Subject::Compliment(_) => "compliment",
            Subject::Announcement(_) => "announcement",
            Subject::Meeting(_) => "meeting",
            Subject::Webhook(_) => "webhook",
            Subject::Account(_) => "account",
            Subject::Address => "address",
        }
    }

    fn id(self) -> Option<i64> {
        match self {
            Subject::Person(id)
            | Subject::Cycle(id)
            | Subject::Plan(id)
            | Subject::Skill(id)
            | Subject::Trophy(id)
            | Subject::Webhook(id) => Some(i64::from(id)),
            Subject::Kudos(id)
            | Subject::NotebookEntry(id)
            | Subject::Compliment(id)
            | Subject::Announcement(id)
            | Subject::Meeting(id) => Some(id),
            Subject::Account(id) => id.map(i64::from),
            Subject::Address => None,
        }
    }
}

/// One change to record: build it with `Event::new`, name the person it concerns, and
/// add each field with its value before and after.
#[derive(Debug, Clone)]
pub struct Event {
    kind: Kind,
    subject: Subject,
    person_id: Option<i32>,
    before: Map<String, Value>,
    after: Map<String, Value>,
}

/// Keeps a field's value, unless it is none (see `Event::change`).
fn insert(side: &mut Map<String, Value>, field: &str, value: Value) {
    if !value.is_null() {
        side.insert(field.to_owned(), value);
    }
}

fn json(value: impl Serialize) -> Value {
    // Strings, numbers, booleans, dates and options of them cannot fail to serialize.
    serde_json::to_value(value).unwrap_or(Value::Null)
}

impl Event {
    pub fn new(kind: Kind, subject: Subject) -> Event {
        let person_id = match subject {
            Subject::Person(id) => Some(id),
            Subject::Account(id) => id,
            _ => None,
        };
        Event {
            kind,
            subject,
            person_id,
            before: Map::new(),
            after: Map::new(),
        }
    }

    /// The person the change concerns (the person filter finds it by them).
    pub fn concerning(mut self, person_id: impl Into<Option<i32>>) -> Event {
        self.person_id = person_id.into();
        self
    }

    /// A field that changed from `before` to `after`; left out when it did not change.
    /// A side where the field had no value (None) leaves it out, as the API sends no
    /// null: `{}` before and `{"manager_id": 4}` after is a manager given to someone who
    /// had none.
    pub fn change<T: Serialize + PartialEq>(mut self, field: &str, before: T, after: T) -> Event {
        if before != after {
            insert(&mut self.before, field, json(before));
            insert(&mut self.after, field, json(after));
        }
        self
    }

    /// A field of something new (it had no value before).
    pub fn set(mut self, field: &str, value: impl Serialize) -> Event {
        insert(&mut self.after, field, json(value));
        self
    }

    /// A field of something that is gone (it has no value after).
    pub fn was(mut self, field: &str, value: impl Serialize) -> Event {
        insert(&mut self.before, field, json(value));
        self
    }

    /// Whether any field changed: an edit that changed nothing is not an event.
    pub fn changed_anything(&self) -> bool {
        !self.before.is_empty() || !self.after.is_empty()
    }
}

/// Writes `event` on the trail, by `actor` (none for the system or an anonymous sign-in
/// attempt), in the transaction of the change it records.
pub async fn record(txn: &WriteTxn, actor: Option<&Actor>, event: Event) -> AppResult<()> {
    audit_event::Entity::insert(audit_event::ActiveModel {
        at: Set(Utc::now()),
        actor_id: Set(actor.map(|a| a.person_id)),
        kind: Set(event.kind.as_str().to_owned()),
        subject_kind: Set(event.subject.kind().to_owned()),
        subject_id: Set(event.subject.id()),
        person_id: Set(event.person_id),
        before: Set(Value::Object(event.before).to_string()),
        after: Set(Value::Object(event.after).to_string()),
        request_id: Set(current_request_id()),
        ..Default::default()
    })
    .exec(txn)
    .await?;
    Ok(())
}

/// One event as the cio reads it.
#[derive(Debug, Clone)]
pub struct AuditEvent {
    pub id: i64,
    pub at: DateTime<Utc>,
    /// None for the system or an anonymous attempt.
    pub actor: Option<PersonRef>,
    pub kind: Kind,
    pub subject_kind: String,
    pub subject_id: Option<i64>,
    pub person: Option<PersonRef>,
    /// The changed fields as they were and as they became (JSON objects).
    pub before: Value,
    pub after: Value,
    pub request_id: Option<String>,
}

impl AuditEvent {
    fn key(&self) -> (i64, i64) {
        (self.at.timestamp_nanos_opt().unwrap_or(i64::MAX), self.id)
    }

    /// The changed fields as "field: before → after", for the page.
    pub fn changes(&self) -> Vec<String> {
        let empty = Map::new();
        let before = self.before.as_object().unwrap_or(&empty);
        let after = self.after.as_object().unwrap_or(&empty);
        let mut fields: Vec<&String> = before.keys().chain(after.keys()).collect();
        fields.sort();
        fields.dedup();
        let shown = |v: Option<&Value>| match v {
            None | Some(Value::Null) => "—".to_owned(),
            Some(Value::String(s)) => s.clone(),
            Some(other) => other.to_string(),
        };
        fields
            .into_iter()
            .map(|f| match (before.get(f), after.get(f)) {
                (None, after) => format!("{f}: {}", shown(after)),
                (before, None) => format!("{f}: was {}", shown(before)),
                (before, after) => format!("{f}: {} → {}", shown(before), shown(after)),
            })
            .collect()
    }
}

/// The filters as the client sent them (query parameters, a GET form): empty means unset.
#[derive(Debug, Clone, Default)]
pub struct TrailFilter {
    pub person: Option<String>,
    pub kind: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub after: Option<String>,
}

/// The filters, parsed.
struct Filters {
    person: Option<i32>,
    kind: Option<Kind>,
    /// Inclusive lower bound.
    from: Option<DateTime<Utc>>,
    /// Exclusive upper bound: the start of the day after `to`.
    until: Option<DateTime<Utc>>,
    after: Option<(i64, i64)>,
}

fn given(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

fn start_of(day: NaiveDate) -> DateTime<Utc> {
    day.and_time(NaiveTime::MIN).and_utc()
}

impl TrailFilter {
    /// Every filter that cannot be used is named at once (422, as for any parameter).
    fn parse(&self) -> AppResult<Filters> {
        let mut errors = Errors::default();
        let person = given(&self.person).and_then(|p| {
            let id = p.parse::<i32>().ok().filter(|id| *id > 0);
            errors.check("person", id.ok_or("Choose a person by their id."))
        });
        let kind = given(&self.kind).and_then(|k| errors.check("kind", Kind::parse_word(k)));
        let from = given(&self.from).and_then(|d| errors.date("from", d));
        let to = given(&self.to).and_then(|d| errors.date("to", d));
        if let (Some(from), Some(to)) = (from, to)
            && from > to
        {
            errors.add(
                "to",
                "The last day comes before the first; swap them or widen the range.",
            );
        }
        let after = match given(&self.after).map(paging::decode_cursor) {
            Some(Ok(key)) => Some(key),
            Some(Err(err)) => {
                errors.0.extend(err.field_errors().iter().cloned());
                None
            }
            None => None,
        };
        errors.finish()?;
        Ok(Filters {
            person,
            kind,
            from: from.map(start_of),
            until: to
                .and_then(|to| to.checked_add_days(Days::new(1)))
                .map(start_of),
            after,
        })
    }
}

#[derive(FromQueryResult)]
struct Row {
    id: i64,
    at: DateTime<Utc>,
    actor_id: Option<i32>,
    actor_name: Option<String>,
    kind: String,
    subject_kind: String,
    subject_id: Option<i64>,
    person_id: Option<i32>,
    person_name: Option<String>,
    before: String,
    after: String,
    request_id: Option<String>,
}

fn person_ref(id: Option<i32>, name: Option<String>) -> Option<PersonRef> {
    Some(PersonRef {
        id: id?,
        name: name.unwrap_or_default(),
    })
}

impl Row {
    fn into_event(self) -> AppResult<AuditEvent> {
        let parse = |text: &str| serde_json::from_str(text).map_err(AppError::internal);
        Ok(AuditEvent {
            id: self.id,
            at: self.at,
            actor: person_ref(self.actor_id, self.actor_name),
            kind: Kind::from_stored(&self.kind)?,
            subject_kind: self.subject_kind,
            subject_id: self.subject_id,
            person: person_ref(self.person_id, self.person_name),
            before: parse(&self.before)?,
            after: parse(&self.after)?,
            request_id: self.request_id,
        })
    }
}

/// One page of events matching `filters`, newest first, in one statement with the names.
async fn read_page(
    conn: &impl ConnectionTrait,
    filters: &Filters,
    after: Option<(i64, i64)>,
    rows: u64,
) -> AppResult<Vec<AuditEvent>> {
    let mut params = Params::new();
    let mut conditions = Vec::new();
    if let Some(person) = filters.person {
        conditions.push(format!("e.person_id = {}", params.bind(person)));
    }
    if let Some(kind) = filters.kind {
        conditions.push(format!("e.kind = {}", params.bind(kind.as_str())));
    }
    if let Some(from) = filters.from {
        conditions.push(format!("e.at >= {}", params.bind(from)));
    }
    if let Some(until) = filters.until {
        conditions.push(format!("e.at < {}", params.bind(until)));
    }
    if let Some((nanos, id)) = after {
        let at = params.bind(DateTime::<Utc>::from_timestamp_nanos(nanos));
        let id = params.bind(id);
        conditions.push(format!("(e.at < {at} OR (e.at = {at} AND e.id < {id}))"));
    }
    let filter = if conditions.is_empty() {
        String::new()
    } else {
        format!("WHERE {}", conditions.join(" AND "))
    };
    // The LIMIT is written, not bound (see ARCHITECTURE, "Facts that cost us an afternoon").
    let sql = format!(
        "SELECT e.id, e.at, e.actor_id, a.name AS actor_name, e.kind, e.subject_kind, \
         e.subject_id, e.person_id, p.name AS person_name, e.before, e.after, e.request_id \
         FROM audit_events e \
         LEFT JOIN people a ON a.id = e.actor_id \
         LEFT JOIN people p ON p.id = e.person_id \
         {filter} ORDER BY e.at DESC, e.id DESC LIMIT {rows}"
    );
    let found = Row::find_by_statement(params.statement(conn.get_database_backend(), sql))
        .all(conn)
        .await?;
    found.into_iter().map(Row::into_event).collect()
}

/// The trail, newest first, filtered and paged (the cio; 404 for everyone else). A filter
/// that cannot be used is a 422 naming it.
pub async fn trail(
    db: &Db,
    actor: &Actor,
    filter: &TrailFilter,
    limit: Option<u64>,
) -> AppResult<Page<AuditEvent>> {
    policy::check(actor.principal(), Action::ReadAuditTrail)?;
    let filters = filter.parse()?;
    let limit = paging::limit(limit)?;
    let rows = read_page(db.conn(), &filters, filters.after, limit + 1).await?;
    Ok(paging::finish(rows, limit, AuditEvent::key))
}

/// How many events the CSV export reads per statement.
const EXPORT_BATCH: u64 = 1000;

/// The header of the CSV export.
const CSV_HEADER: [&str; 12] = [
    "id",
    "at",
    "actor_id",
    "actor",
    "kind",
    "subject_kind",
    "subject_id",
    "person_id",
    "person",
    "before",
    "after",
    "request_id",
];

/// Every event matching the filters (the cursor, if any, starts after it), newest first,
/// as CSV (RFC 4180, a header row); text a spreadsheet would run as a formula is
/// neutralised as in the summaries' export. The cio only.
pub async fn trail_csv(db: &Db, actor: &Actor, filter: &TrailFilter) -> AppResult<String> {
    policy::check(actor.principal(), Action::ReadAuditTrail)?;
    let filters = filter.parse()?;
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    writer
        .write_record(CSV_HEADER)
        .map_err(AppError::internal)?;
    let mut after = filters.after;
    loop {
        let batch = read_page(db.conn(), &filters, after, EXPORT_BATCH).await?;
        for e in &batch {
            let id = |v: Option<i64>| v.map(|v| v.to_string()).unwrap_or_default();
            let record = [
                e.id.to_string(),
                e.at.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true),
                id(e.actor.as_ref().map(|a| i64::from(a.id))),
                e.actor.as_ref().map(|a| a.name.clone()).unwrap_or_default(),
                e.kind.as_str().to_owned(),
                e.subject_kind.clone(),
                id(e.subject_id),
                id(e.person.as_ref().map(|p| i64::from(p.id))),
                e.person
                    .as_ref()
                    .map(|p| p.name.clone())
                    .unwrap_or_default(),
                e.before.to_string(),
                e.after.to_string(),
                e.request_id.clone().unwrap_or_default(),
            ];
            writer
                .write_record(record.iter().map(|c| neutralise(c)))
                .map_err(AppError::internal)?;
        }
        match batch.last() {
            Some(last) if batch.len() as u64 == EXPORT_BATCH => after = Some(last.key()),
            _ => break,
        }
    }
    let bytes = writer
        .into_inner()
        .map_err(|e| AppError::internal(e.into_error()))?;
    String::from_utf8(bytes).map_err(AppError::internal)
}

/// The people the person filter offers: everyone the trail names, by name.
pub async fn people_named(db: &Db, actor: &Actor) -> AppResult<Vec<PersonRef>> {
    policy::check(actor.principal(), Action::ReadAuditTrail)?;
    crate::people::all_refs(db.conn()).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_has_a_label() {
        crate::validate::assert_labelled::<Kind>();
    }

    #[test]
    fn an_event_keeps_only_the_fields_that_changed() {
        let event = Event::new(Kind::RoleChanged, Subject::Person(3))
            .change("role", "staff", "cio")
            .change("team", "Ops", "Ops")
            .change("manager_id", Some(2), None);
        assert_eq!(event.person_id, Some(3));
        assert_eq!(
            Value::Object(event.before).to_string(),
            r#"{"manager_id":2,"role":"staff"}"#
        );
        assert_eq!(Value::Object(event.after).to_string(), r#"{"role":"cio"}"#);
    }

    #[test]
    fn bad_filters_are_each_named() {
        let filter = TrailFilter {
            person: Some("x".into()),
            kind: Some("nonsense".into()),
            from: Some("2026-12-05".into()),
            to: Some("2026-12-01".into()),
            after: Some("!!".into()),
        };
        let err = filter.parse().err().unwrap();
        assert_eq!(err.status(), poem::http::StatusCode::UNPROCESSABLE_ENTITY);
        let fields: Vec<&str> = err
            .field_errors()
            .iter()
            .map(|e| e.field.as_str())
            .collect();
        assert_eq!(fields, ["person", "kind", "to", "after"]);
    }
}
