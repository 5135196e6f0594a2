//! Recognition: appreciation shown often and in public. Colleagues send kudos; trophies
//! pass from hand to hand with a notebook that travels with them; the cio posts the
//! compliments heard about staff and the department's news; the portal shows it all.
//!
//! Moderation hides a row (recording who, when and why) and never deletes it: hidden rows
//! leave the portal and the feed but stay on record.

pub mod api;
pub mod pages;
mod trophies;

pub use trophies::{
    EntryKind, NotebookEntry, Trophy, TrophyInput, chain_is_unbroken, create_trophy, list_trophies,
    notebook, notebook_whole, pass_trophy, reassign_trophy, trophy,
};

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use sea_orm::{ActiveModelTrait, ConnectionTrait, EntityTrait, FromQueryResult, Set, Statement};

use crate::{
    auth::Actor,
    db::Db,
    entities::{announcement, compliment, kudos, kudos_recipient, notebook_entry, person},
    error::{AppError, AppResult},
    paging::{self, Page},
    people::{PersonRef, Role},
    plan,
    policy::{self, Action, Principal},
    validate::{Errors, TITLE_MAX},
};

/// Kudos and notebook messages: long enough for a story, short enough for a wall.
pub const MESSAGE_MAX: usize = 2_000;
/// A trophy's notebook entry says why, in a sentence at least.
pub const NOTEBOOK_MESSAGE_MIN: usize = 10;
pub const KUDOS_RECIPIENTS_MAX: usize = 10;
pub const ANNOUNCEMENT_BODY_MAX: usize = 5_000;

/// Who is reading: someone signed in, or an anonymous visitor of a public portal.
#[derive(Debug, Clone, Copy)]
pub struct Reader {
    pub principal: Option<Principal>,
    /// The department made the portal public (`STAFFDEV_PORTAL_PUBLIC`).
    pub portal_public: bool,
}

impl Reader {
    pub fn of(actor: Option<&Actor>, portal_public: bool) -> Reader {
        Reader {
            principal: actor.map(Actor::principal),
            portal_public,
        }
    }

    fn check(self) -> AppResult<()> {
        policy::check_portal(self.principal, self.portal_public)
    }

    fn is_cio(self) -> bool {
        self.principal
            .is_some_and(|p| policy::allows(p, Action::ManageRecognition))
    }
}

/// Why and by whom something was hidden (the cio sees it; others see that it was hidden).
#[derive(Debug, Clone)]
pub struct Hidden {
    pub at: DateTime<Utc>,
    pub reason: Option<String>,
}

fn hidden(at: Option<DateTime<Utc>>, reason: Option<String>, reader: Reader) -> Option<Hidden> {
    at.map(|at| Hidden {
        at,
        reason: if reader.is_cio() { reason } else { None },
    })
}

/// How a list runs newest first: by id (lists of one kind, where the primary key is the
/// keyset index) or by time (the feed, which merges kinds).
#[derive(Debug, Clone, Copy)]
enum Newest {
    ById,
    ByTime,
}

impl Newest {
    fn order_by(self, alias: &str) -> String {
        match self {
            Newest::ById => format!("{alias}.id DESC"),
            Newest::ByTime => format!("{alias}.created_at DESC, {alias}.id DESC"),
        }
    }
}

/// The condition and value that keep a list, newest first by id, after a page's cursor.
fn older_than(alias: &str, after: Option<&str>) -> AppResult<(String, Vec<sea_orm::Value>)> {
    Ok(match after {
        Some(cursor) => {
            let id: i64 = paging::decode_cursor(cursor)?;
            (format!("AND {alias}.id < $1"), vec![id.into()])
        }
        None => (String::new(), Vec::new()),
    })
}

fn limit_value(limit: u64) -> sea_orm::Value {
    i64::try_from(limit).unwrap_or(i64::MAX).into()
}

// ---------------------------------------------------------------------------------------
// Kudos

#[derive(Debug, Clone, Default)]
pub struct KudosInput {
    pub recipient_ids: Option<Vec<i32>>,
    pub message: Option<String>,
    /// Names of department values, from the active plan's list.
    pub values: Option<Vec<String>>,
}

#[derive(Debug, Clone)]
pub struct Kudos {
    pub id: i64,
    pub giver: PersonRef,
    pub recipients: Vec<PersonRef>,
    pub message: String,
    pub values: Vec<String>,
    pub created_at: DateTime<Utc>,
}

/// Sends kudos to one to ten colleagues: active members of the department other than
/// oneself. Value tags must come from the department's values (the active plan's).
pub async fn give_kudos(db: &Db, actor: &Actor, input: KudosInput) -> AppResult<Kudos> {
    policy::check(actor.principal(), Action::GiveRecognition)?;
    let mut errors = Errors::default();
    let message = text_between(
        &mut errors,
        "message",
        input.message.as_deref(),
        1,
        MESSAGE_MAX,
    );
    let department_values = plan::active_values(db).await?;
    let mut values: Vec<String> = Vec::new();
    for wanted in input.values.unwrap_or_default() {
        let wanted = wanted.trim();
        if wanted.is_empty() {
            continue;
        }
        match department_values
            .iter()
            .find(|v| v.eq_ignore_ascii_case(wanted))
        {
            Some(value) if !values.contains(value) => values.push(value.clone()),
            Some(_) => {}
            None => errors.add(
                "values",
                if department_values.is_empty() {
                    "The department has no values to tag yet (the cio lists them in the plan)."
                        .to_owned()
                } else {
                    format!(
                        "{wanted:?} is not one of the department's values: {}.",
                        department_values.join(", ")
                    )
                },
            ),
        }
    }
    let mut recipient_ids = input.recipient_ids.unwrap_or_default();
    recipient_ids.sort_unstable();
    recipient_ids.dedup();

    let txn = db.write().await?;
    let recipients = check_recipients(&*txn, actor.person_id, &recipient_ids, &mut errors).await?;
    errors.finish()?;
    let now = Utc::now();
    let created = kudos::ActiveModel {
        giver_id: Set(actor.person_id),
        message: Set(message.unwrap_or_default()),
        value_tags: Set(values.join("\n")),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(&*txn)
    .await?;
    kudos_recipient::Entity::insert_many(recipients.iter().map(|r| kudos_recipient::ActiveModel {
        kudos_id: Set(created.id),
        person_id: Set(r.id),
    }))
    .exec_without_returning(&*txn)
    .await?;
    txn.commit().await?;
    Ok(Kudos {
        id: created.id,
        giver: PersonRef {
            id: actor.person_id,
            name: actor.name.clone(),
        },
        recipients,
        message: created.message,
        values,
        created_at: now,
    })
}

/// Whether the actor may send this person kudos (for offering the button): the same rules
/// as `check_recipients`, for someone already read.
pub fn may_thank(actor: &Actor, person_id: i32, role: Role, active: bool) -> bool {
    policy::allows(actor.principal(), Action::GiveRecognition)
        && person_id != actor.person_id
        && role != Role::Advisor
        && active
}

/// The recipients of kudos, checked: 1 to 10 people, each an active member of the
/// department other than the giver. Problems go to `recipient_ids`.
async fn check_recipients(
    conn: &impl ConnectionTrait,
    giver_id: i32,
    ids: &[i32],
    errors: &mut Errors,
) -> AppResult<Vec<PersonRef>> {
    const FIELD: &str = "recipient_ids";
    if ids.is_empty() {
        errors.add(FIELD, "Choose at least one colleague to thank.");
        return Ok(Vec::new());
    }
    if ids.len() > KUDOS_RECIPIENTS_MAX {
        errors.add(
            FIELD,
            format!("Send kudos to at most {KUDOS_RECIPIENTS_MAX} people at once."),
        );
        return Ok(Vec::new());
    }
    let found = person::Entity::find()
        .filter(person::Column::Id.is_in(ids.iter().copied()))
        .all(conn)
        .await?;
    let mut recipients = Vec::new();
    for id in ids {
        match found.iter().find(|p| p.id == *id) {
            None => errors.add(FIELD, format!("There is no one with id {id}.")),
            Some(p) if p.id == giver_id => errors.add(
                FIELD,
                "Kudos are for others: you cannot send them to yourself.",
            ),
            Some(p) if Role::parse(&p.role) == Some(Role::Advisor) => errors.add(
                FIELD,
                format!(
                    "{} is an advisor; kudos go to the department's staff.",
                    p.name
                ),
            ),
            Some(p) if !p.active => errors.add(FIELD, format!("{} is no longer active.", p.name)),
            Some(p) => recipients.push(PersonRef {
                id: p.id,
                name: p.name.clone(),
            }),
        }
    }
    Ok(recipients)
}

use sea_orm::{ColumnTrait, QueryFilter};

#[derive(FromQueryResult)]
struct KudosRow {
    id: i64,
    giver_id: i32,
    giver_name: String,
    message: String,
    value_tags: String,
    created_at: DateTime<Utc>,
}

#[derive(FromQueryResult)]
struct RecipientRow {
    kudos_id: i64,
    person_id: i32,
    name: String,
}

fn split_tags(tags: &str) -> Vec<String> {
    tags.lines()
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Visible kudos rows (by keyset, newest first) with their recipients: two queries
/// whatever the page size.
async fn kudos_rows(
    conn: &impl ConnectionTrait,
    filter_sql: &str,
    mut values: Vec<sea_orm::Value>,
    limit: u64,
    newest: Newest,
) -> AppResult<Vec<Kudos>> {
    let backend = conn.get_database_backend();
    let limit_at = values.len() + 1;
    values.push(limit_value(limit));
    let order = newest.order_by("k");
    let rows = KudosRow::find_by_statement(Statement::from_sql_and_values(
        backend,
        format!(
            "SELECT k.id, k.giver_id, g.name AS giver_name, k.message, k.value_tags, k.created_at
             FROM kudos k JOIN people g ON g.id = k.giver_id
             WHERE k.hidden_at IS NULL {filter_sql}
             ORDER BY {order} LIMIT ${limit_at}"
        ),
        values,
    ))
    .all(conn)
    .await?;
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let placeholders = crate::db::placeholders(ids.len());
    let recipients = RecipientRow::find_by_statement(Statement::from_sql_and_values(
        backend,
        format!(
            "SELECT r.kudos_id, r.person_id, p.name FROM kudos_recipients r
             JOIN people p ON p.id = r.person_id
             WHERE r.kudos_id IN ({placeholders}) ORDER BY p.name"
        ),
        ids.into_iter().map(sea_orm::Value::from),
    ))
    .all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|row| Kudos {
            recipients: recipients
                .iter()
                .filter(|r| r.kudos_id == row.id)
                .map(|r| PersonRef {
                    id: r.person_id,
                    name: r.name.clone(),
                })
                .collect(),
            id: row.id,
            giver: PersonRef {
                id: row.giver_id,
                name: row.giver_name,
            },
            values: split_tags(&row.value_tags),
            message: row.message,
            created_at: row.created_at,
        })
        .collect())
}

/// The kudos wall, newest first, paged with a keyset cursor; hidden kudos are left out.
pub async fn kudos_wall(
    db: &Db,
    reader: Reader,
    limit: Option<u64>,
    after: Option<&str>,
) -> AppResult<Page<Kudos>> {
    reader.check()?;
    let limit = paging::limit(limit)?;
    let (filter, values) = older_than("k", after)?;
    let rows = kudos_rows(db.conn(), &filter, values, limit + 1, Newest::ById).await?;
    Ok(paging::finish(rows, limit, |k| k.id))
}

// ---------------------------------------------------------------------------------------
// Compliments

pub const CHANNELS: [(&str, &str); 7] = [
    ("email", "Email"),
    ("phone", "Phone"),
    ("in_person", "In person"),
    ("letter", "Letter or card"),
    ("survey", "Service survey"),
    ("social", "Social media"),
    ("other", "Other"),
];

#[derive(Debug, Clone, Default)]
pub struct ComplimentInput {
    pub person_id: Option<i32>,
    pub giver_name: Option<String>,
    pub giver_affiliation: Option<String>,
    pub channel: Option<String>,
    pub received_on: Option<NaiveDate>,
    pub message: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Compliment {
    pub id: i64,
    pub person: PersonRef,
    pub giver_name: String,
    pub giver_affiliation: String,
    pub channel: String,
    pub received_on: NaiveDate,
    pub message: String,
    pub created_at: DateTime<Utc>,
    pub hidden: Option<Hidden>,
}

/// The label of a stored word among (word, label) options; the word itself if unknown.
fn label_of<'a>(options: &'a [(&'static str, &'static str)], word: &'a str) -> &'a str {
    options
        .iter()
        .find(|(w, _)| *w == word)
        .map_or(word, |(_, label)| label)
}

impl Compliment {
    pub fn channel_label(&self) -> &str {
        label_of(&CHANNELS, &self.channel)
    }
}

/// Posts a compliment heard about a staff member (the cio only).
pub async fn post_compliment(
    db: &Db,
    actor: &Actor,
    input: ComplimentInput,
) -> AppResult<Compliment> {
    policy::check(actor.principal(), Action::ManageRecognition)?;
    let mut errors = Errors::default();
    let giver_name = errors.required("giver_name", input.giver_name.as_deref(), TITLE_MAX);
    let giver_affiliation = errors.optional(
        "giver_affiliation",
        input.giver_affiliation.as_deref(),
        TITLE_MAX,
    );
    let channel = errors
        .one_of(
            "channel",
            input.channel.as_deref(),
            &CHANNELS.map(|(w, _)| (w, w)),
        )
        .map(str::to_owned);
    let received_on = errors.present("received_on", input.received_on);
    if let Some(date) = received_on {
        if date > Utc::now().date_naive() {
            errors.add(
                "received_on",
                "A compliment cannot be received in the future.",
            );
        } else if date.year() < 2000 {
            errors.add("received_on", "Give a date from 2000 on.");
        }
    }
    let message = text_between(
        &mut errors,
        "message",
        input.message.as_deref(),
        1,
        MESSAGE_MAX,
    );
    let txn = db.write().await?;
    let person = match input.person_id {
        None => {
            errors.add("person_id", "Choose the person the compliment is about.");
            None
        }
        Some(id) => match person::Entity::find_by_id(id).one(&*txn).await? {
            None => {
                errors.add("person_id", format!("There is no one with id {id}."));
                None
            }
            Some(p) if Role::parse(&p.role) == Some(Role::Advisor) => {
                errors.add("person_id", format!("{} is an advisor, not staff.", p.name));
                None
            }
            Some(p) => Some(PersonRef {
                id: p.id,
                name: p.name,
            }),
        },
    };
    errors.finish()?;
    let (Some(person), Some(received_on)) = (person, received_on) else {
        return Err(AppError::internal(anyhow::anyhow!(
            "validated compliment missing"
        )));
    };
    let created = compliment::ActiveModel {
        person_id: Set(person.id),
        giver_name: Set(giver_name.unwrap_or_default()),
        giver_affiliation: Set(giver_affiliation.unwrap_or_default()),
        channel: Set(channel.unwrap_or_default()),
        received_on: Set(received_on),
        message: Set(message.unwrap_or_default()),
        posted_by_id: Set(actor.person_id),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(&*txn)
    .await?;
    txn.commit().await?;
    Ok(to_compliment(created, person, None))
}

fn to_compliment(m: compliment::Model, person: PersonRef, hidden: Option<Hidden>) -> Compliment {
    Compliment {
        id: m.id,
        person,
        giver_name: m.giver_name,
        giver_affiliation: m.giver_affiliation,
        channel: m.channel,
        received_on: m.received_on,
        message: m.message,
        created_at: m.created_at,
        hidden,
    }
}

#[derive(FromQueryResult)]
struct ComplimentRow {
    id: i64,
    person_id: i32,
    person_name: String,
    giver_name: String,
    giver_affiliation: String,
    channel: String,
    received_on: NaiveDate,
    message: String,
    created_at: DateTime<Utc>,
}

impl ComplimentRow {
    fn into_compliment(self) -> Compliment {
        Compliment {
            id: self.id,
            person: PersonRef {
                id: self.person_id,
                name: self.person_name,
            },
            giver_name: self.giver_name,
            giver_affiliation: self.giver_affiliation,
            channel: self.channel,
            received_on: self.received_on,
            message: self.message,
            created_at: self.created_at,
            hidden: None,
        }
    }
}

async fn compliment_rows(
    conn: &impl ConnectionTrait,
    filter_sql: &str,
    mut values: Vec<sea_orm::Value>,
    limit: u64,
    newest: Newest,
) -> AppResult<Vec<Compliment>> {
    let limit_at = values.len() + 1;
    values.push(limit_value(limit));
    let order = newest.order_by("c");
    Ok(
        ComplimentRow::find_by_statement(Statement::from_sql_and_values(
            conn.get_database_backend(),
            format!(
            "SELECT c.id, c.person_id, p.name AS person_name, c.giver_name, c.giver_affiliation,
                    c.channel, c.received_on, c.message, c.created_at
             FROM compliments c JOIN people p ON p.id = c.person_id
             WHERE c.hidden_at IS NULL {filter_sql}
             ORDER BY {order} LIMIT ${limit_at}"
        ),
            values,
        ))
        .all(conn)
        .await?
        .into_iter()
        .map(ComplimentRow::into_compliment)
        .collect(),
    )
}

/// Compliments newest first, paged; hidden ones left out.
pub async fn compliments(
    db: &Db,
    reader: Reader,
    limit: Option<u64>,
    after: Option<&str>,
) -> AppResult<Page<Compliment>> {
    reader.check()?;
    let limit = paging::limit(limit)?;
    let (filter, values) = older_than("c", after)?;
    let rows = compliment_rows(db.conn(), &filter, values, limit + 1, Newest::ById).await?;
    Ok(paging::finish(rows, limit, |c| c.id))
}

/// The compliments about one person, newest first (their profile).
pub async fn compliments_about(
    db: &Db,
    reader: Reader,
    person_id: i32,
    limit: u64,
) -> AppResult<Vec<Compliment>> {
    reader.check()?;
    compliment_rows(
        db.conn(),
        "AND c.person_id = $1",
        vec![person_id.into()],
        limit,
        Newest::ById,
    )
    .await
}

// ---------------------------------------------------------------------------------------
// Announcements

pub const ANNOUNCEMENT_KINDS: [(&str, &str); 5] = [
    ("new_service", "New service"),
    ("proactive_work", "Proactive work"),
    ("upgrade", "Upgrade"),
    ("accomplishment", "Staff accomplishment"),
    ("other", "News"),
];

#[derive(Debug, Clone, Default)]
pub struct AnnouncementInput {
    pub kind: Option<String>,
    pub title: Option<String>,
    pub body: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Announcement {
    pub id: i64,
    pub kind: String,
    pub title: String,
    pub body: String,
    pub posted_by: PersonRef,
    pub created_at: DateTime<Utc>,
}

impl Announcement {
    pub fn kind_label(&self) -> &str {
        label_of(&ANNOUNCEMENT_KINDS, &self.kind)
    }
}

/// Posts news to the portal (the cio only).
pub async fn post_announcement(
    db: &Db,
    actor: &Actor,
    input: AnnouncementInput,
) -> AppResult<Announcement> {
    policy::check(actor.principal(), Action::ManageRecognition)?;
    let mut errors = Errors::default();
    let kind = errors
        .one_of(
            "kind",
            input.kind.as_deref(),
            &ANNOUNCEMENT_KINDS.map(|(w, _)| (w, w)),
        )
        .map(str::to_owned);
    let title = errors.required("title", input.title.as_deref(), TITLE_MAX);
    let body = errors.optional("body", input.body.as_deref(), ANNOUNCEMENT_BODY_MAX);
    errors.finish()?;
    let txn = db.write().await?;
    let created = announcement::ActiveModel {
        kind: Set(kind.unwrap_or_default()),
        title: Set(title.unwrap_or_default()),
        body: Set(body.unwrap_or_default()),
        posted_by_id: Set(actor.person_id),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(&*txn)
    .await?;
    txn.commit().await?;
    Ok(Announcement {
        id: created.id,
        kind: created.kind,
        title: created.title,
        body: created.body,
        posted_by: PersonRef {
            id: actor.person_id,
            name: actor.name.clone(),
        },
        created_at: created.created_at,
    })
}

#[derive(FromQueryResult)]
struct AnnouncementRow {
    id: i64,
    kind: String,
    title: String,
    body: String,
    posted_by_id: i32,
    posted_by_name: String,
    created_at: DateTime<Utc>,
}

async fn announcement_rows(
    conn: &impl ConnectionTrait,
    filter_sql: &str,
    mut values: Vec<sea_orm::Value>,
    limit: u64,
    newest: Newest,
) -> AppResult<Vec<Announcement>> {
    let limit_at = values.len() + 1;
    values.push(limit_value(limit));
    let order = newest.order_by("a");
    Ok(AnnouncementRow::find_by_statement(Statement::from_sql_and_values(
        conn.get_database_backend(),
        format!(
            "SELECT a.id, a.kind, a.title, a.body, a.posted_by_id, p.name AS posted_by_name, a.created_at
             FROM announcements a JOIN people p ON p.id = a.posted_by_id
             WHERE a.hidden_at IS NULL {filter_sql}
             ORDER BY {order} LIMIT ${limit_at}"
        ),
        values,
    ))
    .all(conn)
    .await?
    .into_iter()
    .map(|r| Announcement {
        id: r.id,
        kind: r.kind,
        title: r.title,
        body: r.body,
        posted_by: PersonRef {
            id: r.posted_by_id,
            name: r.posted_by_name,
        },
        created_at: r.created_at,
    })
    .collect())
}

/// Announcements newest first, paged; hidden ones left out.
pub async fn announcements(
    db: &Db,
    reader: Reader,
    limit: Option<u64>,
    after: Option<&str>,
) -> AppResult<Page<Announcement>> {
    reader.check()?;
    let limit = paging::limit(limit)?;
    let (filter, values) = older_than("a", after)?;
    let rows = announcement_rows(db.conn(), &filter, values, limit + 1, Newest::ById).await?;
    Ok(paging::finish(rows, limit, |a| a.id))
}

// ---------------------------------------------------------------------------------------
// A person's recognition, for their profile: public, like the portal.

pub const PROFILE_ITEMS: u64 = 10;

#[derive(Debug, Clone)]
pub struct PersonRecognition {
    pub kudos: Vec<Kudos>,
    pub compliments: Vec<Compliment>,
}

/// The latest kudos a person received and compliments about them (hidden ones left out):
/// four queries. Someone who does not exist is a 404.
pub async fn recognition_of(
    db: &Db,
    reader: Reader,
    person_id: i32,
) -> AppResult<PersonRecognition> {
    reader.check()?;
    person::Entity::find_by_id(person_id)
        .one(db.conn())
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(PersonRecognition {
        kudos: kudos_rows(
            db.conn(),
            "AND k.id IN (SELECT kudos_id FROM kudos_recipients WHERE person_id = $1)",
            vec![person_id.into()],
            PROFILE_ITEMS,
            Newest::ById,
        )
        .await?,
        compliments: compliments_about(db, reader, person_id, PROFILE_ITEMS).await?,
    })
}

// ---------------------------------------------------------------------------------------
// Moderation

/// What the cio can hide from the portal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hideable {
    Kudos(i64),
    NotebookEntry(i64),
    Compliment(i64),
    Announcement(i64),
}

/// Hides an item from the portal and the feed, recording who, when and why. It stays in
/// the database. Hiding what is already hidden is a 409.
pub async fn hide(db: &Db, actor: &Actor, item: Hideable, reason: Option<&str>) -> AppResult<()> {
    policy::check(actor.principal(), Action::ManageRecognition)?;
    let mut errors = Errors::default();
    let reason = errors.required("reason", reason, MESSAGE_MAX);
    errors.finish()?;
    let txn = db.write().await?;
    let now = Utc::now();
    let reason = reason.unwrap_or_default();
    macro_rules! hide_row {
        ($entity:ident, $id:expr) => {{
            let row = $entity::Entity::find_by_id($id)
                .one(&*txn)
                .await?
                .ok_or(AppError::NotFound)?;
            if row.hidden_at.is_some() {
                return Err(AppError::conflict("This is hidden already."));
            }
            let mut model: $entity::ActiveModel = row.into();
            model.hidden_at = Set(Some(now));
            model.hidden_by_id = Set(Some(actor.person_id));
            model.hidden_reason = Set(Some(reason));
            model.update(&*txn).await?;
        }};
    }
    match item {
        Hideable::Kudos(id) => hide_row!(kudos, id),
        Hideable::NotebookEntry(id) => hide_row!(notebook_entry, id),
        Hideable::Compliment(id) => hide_row!(compliment, id),
        Hideable::Announcement(id) => hide_row!(announcement, id),
    }
    txn.commit().await
}

// ---------------------------------------------------------------------------------------
// The portal

/// How many of each the portal shows at once.
pub const PORTAL_NOTEBOOK: u64 = 5;
pub const PORTAL_COMPLIMENTS: u64 = 5;
pub const PORTAL_ANNOUNCEMENTS: u64 = 5;
pub const PORTAL_KUDOS: u64 = 20;

#[derive(Debug, Clone)]
pub struct Portal {
    pub trophies: Vec<Trophy>,
    pub notebook: Vec<NotebookEntry>,
    pub kudos: Page<Kudos>,
    pub compliments: Vec<Compliment>,
    pub announcements: Vec<Announcement>,
}

/// How long the portal's first page is shared before it is read again (see `shared`).
pub const PORTAL_CACHE_TTL: std::time::Duration = std::time::Duration::from_secs(1);

/// The portal's first page, the same for every reader (what differs per reader, such as
/// forms, is decided by the page from the reader, not read from the database).
pub type PortalCache = crate::shared::Shared<Portal>;

/// Everything on the portal in a fixed number of queries, whatever the number of kudos
/// and entries: each list is one keyset-limited query (kudos add one for recipients).
/// `after` pages the kudos wall. The first page comes from `cache` while it is fresh.
pub async fn portal(
    db: &Db,
    cache: &PortalCache,
    reader: Reader,
    after: Option<&str>,
) -> AppResult<std::sync::Arc<Portal>> {
    reader.check()?;
    match after {
        None => {
            cache
                .get_or_read(db, || read_portal(db, reader, None))
                .await
        }
        Some(_) => Ok(std::sync::Arc::new(read_portal(db, reader, after).await?)),
    }
}

async fn read_portal(db: &Db, reader: Reader, after: Option<&str>) -> AppResult<Portal> {
    Ok(Portal {
        trophies: trophies::cards(db, reader).await?,
        notebook: trophies::latest_entries(db.conn(), PORTAL_NOTEBOOK).await?,
        kudos: kudos_wall(db, reader, Some(PORTAL_KUDOS), after).await?,
        compliments: compliment_rows(db.conn(), "", Vec::new(), PORTAL_COMPLIMENTS, Newest::ById)
            .await?,
        announcements: announcements(db, reader, Some(PORTAL_ANNOUNCEMENTS), None)
            .await?
            .items,
    })
}

// ---------------------------------------------------------------------------------------

/// Text that must be present with between `min` and `max` characters, trimmed.
fn text_between(
    errors: &mut Errors,
    field: &str,
    value: Option<&str>,
    min: usize,
    max: usize,
) -> Option<String> {
    let text = errors.required(field, value, max)?;
    if text.chars().count() < min {
        errors.add(field, format!("Write at least {min} characters."));
        return None;
    }
    Some(text)
}

// ---------------------------------------------------------------------------------------
// The feed: every kind of item, merged newest first.

pub const FEED_PAGE: u64 = 50;

#[derive(Debug, Clone)]
pub enum FeedItem {
    Kudos(Kudos),
    Entry(NotebookEntry),
    Compliment(Compliment),
    Announcement(Announcement),
}

impl FeedItem {
    pub fn created_at(&self) -> DateTime<Utc> {
        match self {
            FeedItem::Kudos(k) => k.created_at,
            FeedItem::Entry(e) => e.created_at,
            FeedItem::Compliment(c) => c.created_at,
            FeedItem::Announcement(a) => a.created_at,
        }
    }

    /// Breaks ties between items of the same instant, so the order (and the cursor) is total.
    fn rank(&self) -> u8 {
        match self {
            FeedItem::Kudos(_) => 0,
            FeedItem::Entry(_) => 1,
            FeedItem::Compliment(_) => 2,
            FeedItem::Announcement(_) => 3,
        }
    }

    fn id(&self) -> i64 {
        match self {
            FeedItem::Kudos(k) => k.id,
            FeedItem::Entry(e) => e.id,
            FeedItem::Compliment(c) => c.id,
            FeedItem::Announcement(a) => a.id,
        }
    }

    /// The merged order, and the feed's cursor. The instant keeps its nanoseconds: SQLite
    /// stores them, so a cursor cut to microseconds would skip items that share one.
    fn key(&self) -> (i64, u8, i64) {
        let at = self.created_at();
        (
            at.timestamp_nanos_opt().unwrap_or(i64::MAX),
            self.rank(),
            self.id(),
        )
    }
}

/// The condition that keeps a source's rows strictly after the cursor in the merged order
/// (created_at, rank, id) descending; `$1` is the instant and `$2` the id.
fn after_cursor(alias: &str, rank: u8, cursor_rank: u8) -> String {
    use std::cmp::Ordering;
    match rank.cmp(&cursor_rank) {
        Ordering::Less => format!("AND {alias}.created_at <= $1"),
        Ordering::Equal => format!(
            "AND ({alias}.created_at < $1 OR ({alias}.created_at = $1 AND {alias}.id < $2))"
        ),
        Ordering::Greater => format!("AND {alias}.created_at < $1"),
    }
}

/// The feed's first page, the same for every reader (hidden items are never in it), shared
/// like the portal's: feed readers poll it.
pub type FeedCache = crate::shared::Shared<Page<FeedItem>>;

/// One page of the feed: at most `FEED_PAGE` items of every kind, newest first. The first
/// page comes from `cache` while it is fresh.
pub async fn feed(
    db: &Db,
    cache: &FeedCache,
    reader: Reader,
    after: Option<&str>,
) -> AppResult<std::sync::Arc<Page<FeedItem>>> {
    reader.check()?;
    match after {
        None => cache.get_or_read(db, || read_feed(db, None)).await,
        Some(_) => Ok(std::sync::Arc::new(read_feed(db, after).await?)),
    }
}

/// Each kind is one keyset-limited query (kudos add one for recipients); the merge
/// happens here.
async fn read_feed(db: &Db, after: Option<&str>) -> AppResult<Page<FeedItem>> {
    let cursor: Option<(i64, u8, i64)> = after.map(paging::decode_cursor).transpose()?;
    let take = FEED_PAGE + 1;
    let conn = db.conn();
    let (cursor_rank, values): (Option<u8>, Vec<sea_orm::Value>) = match cursor {
        Some((nanos, rank, id)) => {
            let at = DateTime::<Utc>::from_timestamp_nanos(nanos);
            (Some(rank), vec![at.into(), id.into()])
        }
        None => (None, Vec::new()),
    };
    let filter = |alias: &str, own: u8| {
        cursor_rank.map_or_else(String::new, |rank| after_cursor(alias, own, rank))
    };
    // Each query orders by time: ids need not follow time (imports, the demo).
    let kudos = kudos_rows(conn, &filter("k", 0), values.clone(), take, Newest::ByTime).await?;
    let entries =
        trophies::visible_entries_by_time(conn, &filter("e", 1), values.clone(), take).await?;
    let compliments =
        compliment_rows(conn, &filter("c", 2), values.clone(), take, Newest::ByTime).await?;
    let announcements =
        announcement_rows(conn, &filter("a", 3), values, take, Newest::ByTime).await?;
    let mut items: Vec<FeedItem> = kudos
        .into_iter()
        .map(FeedItem::Kudos)
        .chain(entries.into_iter().map(FeedItem::Entry))
        .chain(compliments.into_iter().map(FeedItem::Compliment))
        .chain(announcements.into_iter().map(FeedItem::Announcement))
        .collect();
    items.sort_by_key(|item| std::cmp::Reverse(item.key()));
    items.truncate(usize::try_from(take).unwrap_or(usize::MAX));
    Ok(paging::finish(items, FEED_PAGE, FeedItem::key))
}

// ---------------------------------------------------------------------------------------
// What a person received: evidence for their self-evaluation.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReceivedKind {
    Kudos,
    NotebookEntry,
    Compliment,
}

impl ReceivedKind {
    pub const ALL: [ReceivedKind; 3] = [
        ReceivedKind::Kudos,
        ReceivedKind::NotebookEntry,
        ReceivedKind::Compliment,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ReceivedKind::Kudos => "kudos",
            ReceivedKind::NotebookEntry => "notebook",
            ReceivedKind::Compliment => "compliment",
        }
    }

    pub fn parse(value: &str) -> Option<ReceivedKind> {
        Self::ALL.into_iter().find(|k| k.as_str() == value)
    }
}

/// A piece of recognition someone received, as evidence for their review.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Received {
    pub kind: ReceivedKind,
    pub id: i64,
    pub on: NaiveDate,
    /// Who gave it: a colleague's name, or a compliment's giver and affiliation.
    pub giver: String,
    pub message: String,
}

#[derive(FromQueryResult)]
struct ReceivedRow {
    kind: String,
    id: i64,
    at: DateTime<Utc>,
    received_on: Option<NaiveDate>,
    giver: String,
    affiliation: String,
    message: String,
}

/// The kudos, trophy notebook entries and compliments a person received between two
/// dates (inclusive), newest first, leaving out anything hidden. One query. The caller
/// has checked that the reader may see this person's records.
pub async fn received(
    conn: &impl ConnectionTrait,
    person_id: i32,
    from: NaiveDate,
    to: NaiveDate,
) -> AppResult<Vec<Received>> {
    let since = from.and_time(chrono::NaiveTime::MIN).and_utc();
    let until = (to + chrono::Duration::days(1))
        .and_time(chrono::NaiveTime::MIN)
        .and_utc();
    let rows = ReceivedRow::find_by_statement(Statement::from_sql_and_values(
        conn.get_database_backend(),
        "SELECT 'kudos' AS kind, k.id, k.created_at AS at, CAST(NULL AS DATE) AS received_on, g.name AS giver,
                '' AS affiliation, k.message
         FROM kudos_recipients r JOIN kudos k ON k.id = r.kudos_id JOIN people g ON g.id = k.giver_id
         WHERE r.person_id = $1 AND k.hidden_at IS NULL AND k.created_at >= $2 AND k.created_at < $3
         UNION ALL
         SELECT 'notebook', e.id, e.created_at, NULL, g.name, '', e.message
         FROM notebook_entries e JOIN people g ON g.id = e.giver_id
         WHERE e.receiver_id = $1 AND e.kind = 'pass' AND e.hidden_at IS NULL
           AND e.created_at >= $2 AND e.created_at < $3
         UNION ALL
         SELECT 'compliment', c.id, c.created_at, c.received_on, c.giver_name, c.giver_affiliation, c.message
         FROM compliments c
         WHERE c.person_id = $1 AND c.hidden_at IS NULL AND c.received_on >= $4 AND c.received_on <= $5
         ORDER BY at DESC",
        [
            person_id.into(),
            since.into(),
            until.into(),
            from.into(),
            to.into(),
        ],
    ))
    .all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .filter_map(|r| {
            Some(Received {
                kind: ReceivedKind::parse(&r.kind)?,
                id: r.id,
                on: r.received_on.unwrap_or_else(|| r.at.date_naive()),
                giver: if r.affiliation.is_empty() {
                    r.giver
                } else {
                    format!("{} ({})", r.giver, r.affiliation)
                },
                message: r.message,
            })
        })
        .collect())
}

// ---------------------------------------------------------------------------------------
// The recognition balance: so appreciation does not become a popularity contest.

pub const BALANCE_DAYS_DEFAULT: i64 = 90;

#[derive(Debug, Clone)]
pub struct Unrecognised {
    pub person: PersonRef,
    pub team: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TeamBalance {
    pub team: String,
    pub people: i64,
    /// Kudos sent by the team's members in the period (one per kudos, however many it thanked).
    pub kudos_given: i64,
    /// Thanks received by the team's members (a kudos to three of them counts three).
    pub kudos_received: i64,
    /// Members with no kudos and no compliment in the period.
    pub unrecognised: i64,
}

#[derive(Debug, Clone)]
pub struct Balance {
    pub days: i64,
    pub since: DateTime<Utc>,
    pub unrecognised: Vec<Unrecognised>,
    pub teams: Vec<TeamBalance>,
}

#[derive(FromQueryResult)]
struct ScopeRow {
    id: i32,
    name: String,
    team: String,
}

#[derive(FromQueryResult)]
struct PersonCount {
    person_id: i32,
    n: i64,
}

/// Who in the reader's scope (the people below them; everyone, for the cio) has received
/// no kudos and no compliment in the last `days` days, and per team the kudos given and
/// received. Five queries, each limited to the period by an index on time.
pub async fn balance(db: &Db, actor: &Actor, days: Option<i64>) -> AppResult<Balance> {
    policy::check(
        actor.principal(),
        Action::ViewRecognitionBalance {
            is_manager: actor.is_manager,
        },
    )?;
    let days = days.unwrap_or(BALANCE_DAYS_DEFAULT);
    if !(1..=730).contains(&days) {
        return Err(AppError::invalid(
            "days",
            "Use a number of days from 1 to 730.",
        ));
    }
    let since = Utc::now() - chrono::Duration::days(days);
    let everyone = policy::allows(actor.principal(), Action::ManagePeople);
    let scope_sql = if everyone {
        "SELECT p.id, p.name, p.team FROM people p
         WHERE p.active = $2 AND p.role <> 'advisor' AND p.id <> $1 ORDER BY p.name, p.id"
            .to_owned()
    } else {
        format!(
            "{} SELECT p.id, p.name, p.team FROM people p JOIN below ON below.id = p.id
             WHERE p.active = $2 AND p.role <> 'advisor' AND p.id <> $1 ORDER BY p.name, p.id",
            crate::people::BELOW_CTE
        )
    };
    let conn = db.conn();
    let backend = db.backend();
    let scope = ScopeRow::find_by_statement(Statement::from_sql_and_values(
        backend,
        scope_sql,
        [actor.person_id.into(), true.into()],
    ))
    .all(conn)
    .await?;
    let received = PersonCount::find_by_statement(Statement::from_sql_and_values(
        backend,
        "SELECT r.person_id, COUNT(*) AS n FROM kudos k JOIN kudos_recipients r ON r.kudos_id = k.id
         WHERE k.created_at >= $1 AND k.hidden_at IS NULL GROUP BY r.person_id",
        [since.into()],
    ))
    .all(conn)
    .await?;
    let given = PersonCount::find_by_statement(Statement::from_sql_and_values(
        backend,
        "SELECT k.giver_id AS person_id, COUNT(*) AS n FROM kudos k
         WHERE k.created_at >= $1 AND k.hidden_at IS NULL GROUP BY k.giver_id",
        [since.into()],
    ))
    .all(conn)
    .await?;
    let complimented = PersonCount::find_by_statement(Statement::from_sql_and_values(
        backend,
        "SELECT c.person_id, COUNT(*) AS n FROM compliments c
         WHERE c.received_on >= $1 AND c.hidden_at IS NULL GROUP BY c.person_id",
        [since.date_naive().into()],
    ))
    .all(conn)
    .await?;
    // By person, so a department of thousands is a lookup per person, not a scan.
    let by_person = |rows: Vec<PersonCount>| -> HashMap<i32, i64> {
        rows.into_iter().map(|r| (r.person_id, r.n)).collect()
    };
    let (received, given, complimented) = (
        by_person(received),
        by_person(given),
        by_person(complimented),
    );
    let count = |counts: &HashMap<i32, i64>, id: i32| counts.get(&id).copied().unwrap_or(0);
    let mut unrecognised = Vec::new();
    let mut teams: BTreeMap<String, TeamBalance> = BTreeMap::new();
    for p in scope {
        let got = count(&received, p.id) + count(&complimented, p.id);
        let team = teams.entry(p.team.clone()).or_insert_with(|| TeamBalance {
            team: p.team.clone(),
            people: 0,
            kudos_given: 0,
            kudos_received: 0,
            unrecognised: 0,
        });
        team.people += 1;
        team.kudos_given += count(&given, p.id);
        team.kudos_received += count(&received, p.id);
        if got == 0 {
            team.unrecognised += 1;
            unrecognised.push(Unrecognised {
                person: PersonRef {
                    id: p.id,
                    name: p.name,
                },
                team: p.team,
            });
        }
    }
    Ok(Balance {
        days,
        since,
        unrecognised,
        // By team name, as the map keeps them.
        teams: teams.into_values().collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_feed_cursor_orders_kinds_within_an_instant() {
        assert_eq!(after_cursor("k", 0, 1), "AND k.created_at <= $1");
        assert_eq!(
            after_cursor("e", 1, 1),
            "AND (e.created_at < $1 OR (e.created_at = $1 AND e.id < $2))"
        );
        assert_eq!(after_cursor("a", 3, 1), "AND a.created_at < $1");
    }
}
