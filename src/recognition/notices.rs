//! Notices from the cio: compliments heard about staff from outside the department, and
//! the department's news (announcements).

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use sea_orm::{ActiveModelTrait, ConnectionTrait, EntityTrait, FromQueryResult, Set, Statement};

use super::{Hidden, MESSAGE_MAX, Newest, Reader, limit_value, older_than, text_between};
use crate::{
    auth::Actor,
    db::Db,
    entities::{announcement, compliment, person},
    error::{AppError, AppResult},
    paging::{self, Page},
    people::{PersonRef, Role},
    policy::{self, Action},
    validate::{Errors, TITLE_MAX},
};

pub const ANNOUNCEMENT_BODY_MAX: usize = 5_000;

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

/// Posts a compliment heard about a staff member (the cio only), at `now`: it cannot have
/// been received after that day.
pub async fn post_compliment(
    db: &Db,
    actor: &Actor,
    input: ComplimentInput,
    now: DateTime<Utc>,
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
        if date > now.date_naive() {
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
        created_at: Set(now),
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

pub(super) async fn compliment_rows(
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

/// Posts news to the portal (the cio only), at `now`.
pub async fn post_announcement(
    db: &Db,
    actor: &Actor,
    input: AnnouncementInput,
    now: DateTime<Utc>,
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
        created_at: Set(now),
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

pub(super) async fn announcement_rows(
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
