//! Notices from the cio: compliments heard about staff from outside the department, and
//! the department's news (announcements).

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use sea_orm::{ActiveModelTrait, ConnectionTrait, EntityTrait, FromQueryResult, Set};

use super::{Hidden, Message, Reader, limit_sql, older_than};
use crate::{
    audit,
    auth::Actor,
    db::{Db, Params, WriteTxn},
    entities::{announcement, compliment, person},
    error::AppResult,
    notifications,
    paging::{self, Page},
    people::{PersonRef, Role},
    policy::{self, Action},
    validate::{self, Errors, TITLE_MAX, Text, Title, Word},
};

pub const ANNOUNCEMENT_BODY_MAX: usize = 5_000;

// ---------------------------------------------------------------------------------------
// Compliments

/// How a compliment reached the department.
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
pub enum Channel {
    #[strum(message = "Email")]
    Email,
    #[strum(message = "Phone")]
    Phone,
    #[strum(message = "In person")]
    InPerson,
    #[strum(message = "Letter or card")]
    Letter,
    #[strum(message = "Service survey")]
    Survey,
    #[strum(message = "Social media")]
    Social,
    /// Posted by the cio from a client's answer to a feedback survey (see `feedback`).
    #[strum(message = "Client survey")]
    ClientSurvey,
    #[strum(message = "Other")]
    Other,
}

/// A compliment as it arrives; `received_on` is written YYYY-MM-DD.
#[derive(Debug, Clone, Default)]
pub struct ComplimentInput {
    pub person_id: Option<i32>,
    pub giver_name: Option<String>,
    pub giver_affiliation: Option<String>,
    pub channel: Option<String>,
    pub received_on: Option<String>,
    pub message: Option<String>,
}

/// A compliment as parsed; who it is about is checked against the database apart.
#[derive(Debug, Clone)]
struct NewCompliment {
    giver_name: Title,
    giver_affiliation: Text<TITLE_MAX>,
    channel: Channel,
    received_on: NaiveDate,
    message: Message,
}

impl ComplimentInput {
    /// Every field but the person; a compliment cannot have been received after `today`
    /// nor before 2000.
    fn parse(&self, today: NaiveDate, errors: &mut Errors) -> Option<NewCompliment> {
        let giver_name = errors.check(
            "giver_name",
            Title::parse(self.giver_name.as_deref().unwrap_or("")),
        );
        let giver_affiliation = errors.check(
            "giver_affiliation",
            Text::parse(self.giver_affiliation.as_deref().unwrap_or("")),
        );
        let channel = errors.word::<Channel>("channel", self.channel.as_deref());
        let received_on = errors.check(
            "received_on",
            parse_received_on(self.received_on.as_deref(), today),
        );
        let message = errors.check(
            "message",
            Message::parse(self.message.as_deref().unwrap_or("")),
        );
        Some(NewCompliment {
            giver_name: giver_name?,
            giver_affiliation: giver_affiliation?,
            channel: channel?,
            received_on: received_on?,
            message: message?,
        })
    }
}

/// The day a compliment was received: given, a date, not after `today`, from 2000 on.
fn parse_received_on(raw: Option<&str>, today: NaiveDate) -> Result<NaiveDate, &'static str> {
    let raw = raw.unwrap_or("");
    if raw.trim().is_empty() {
        return Err("This is required.");
    }
    let date = validate::parse_date(raw)?;
    if date > today {
        Err("A compliment cannot be received in the future.")
    } else if date.year() < 2000 {
        Err("Give a date from 2000 on.")
    } else {
        Ok(date)
    }
}

#[derive(Debug, Clone)]
pub struct Compliment {
    pub id: i64,
    pub person: PersonRef,
    pub giver_name: String,
    pub giver_affiliation: String,
    pub channel: Channel,
    pub received_on: NaiveDate,
    pub message: String,
    pub created_at: DateTime<Utc>,
    pub hidden: Option<Hidden>,
}

impl Compliment {
    /// The channel as people read it (for the profile's template, in another area).
    pub fn channel_label(&self) -> &'static str {
        self.channel.label()
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
    let txn = db.write().await?;
    let posted = post_compliment_in(&txn, actor, input, now).await?;
    txn.commit().await?;
    Ok(posted)
}

/// `post_compliment` inside the caller's transaction, for an area that posts one as part
/// of its own change (a client's compliment taken from the feedback queue).
pub async fn post_compliment_in(
    txn: &WriteTxn,
    actor: &Actor,
    input: ComplimentInput,
    now: DateTime<Utc>,
) -> AppResult<Compliment> {
    policy::check(actor.principal(), Action::ManageRecognition)?;
    let mut errors = Errors::default();
    let new = input.parse(now.date_naive(), &mut errors);
    let person = about_whom(txn, input.person_id, &mut errors).await?;
    let (Some(new), Some(person)) = (new, person) else {
        return Err(errors.into_error());
    };
    let created = compliment::ActiveModel {
        person_id: Set(person.id),
        giver_name: Set(new.giver_name.into_string()),
        giver_affiliation: Set(new.giver_affiliation.into_string()),
        channel: Set(new.channel.as_str().to_owned()),
        received_on: Set(new.received_on),
        message: Set(new.message.into_string()),
        posted_by_id: Set(actor.person_id),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    notifications::webhooks::enqueue(
        txn,
        &notifications::webhooks::PublicPayload::Compliment {
            compliment_id: created.id,
            about: person.name.clone(),
            from: created.giver_name.clone(),
            affiliation: created.giver_affiliation.clone(),
            message: created.message.clone(),
        },
        now,
    )
    .await?;
    notifications::notify(
        txn,
        &notifications::Payload::ComplimentReceived {
            from: created.giver_name.clone(),
            affiliation: created.giver_affiliation.clone(),
            message: created.message.clone(),
        },
        &[person.id],
        Some(notifications::About::Compliment(created.id)),
        now,
    )
    .await?;
    audit::record(
        txn,
        Some(actor),
        audit::Event::new(
            audit::Kind::ComplimentPosted,
            audit::Subject::Compliment(created.id),
        )
        .concerning(person.id)
        .set("person_id", person.id)
        .set("giver_name", &created.giver_name)
        .set("giver_affiliation", &created.giver_affiliation)
        .set("channel", &created.channel)
        .set("received_on", created.received_on)
        .set("message", &created.message),
    )
    .await?;
    to_compliment(created, person, None)
}

/// The staff member a compliment is about; problems go to `person_id`.
async fn about_whom(
    conn: &impl ConnectionTrait,
    person_id: Option<i32>,
    errors: &mut Errors,
) -> AppResult<Option<PersonRef>> {
    let Some(id) = person_id else {
        errors.add("person_id", "Choose the person the compliment is about.");
        return Ok(None);
    };
    Ok(match person::Entity::find_by_id(id).one(conn).await? {
        None => {
            errors.add("person_id", format!("There is no one with id {id}."));
            None
        }
        Some(p) if p.role == Role::Advisor.as_str() => {
            errors.add("person_id", format!("{} is an advisor, not staff.", p.name));
            None
        }
        Some(p) => Some(PersonRef {
            id: p.id,
            name: p.name,
        }),
    })
}

fn to_compliment(
    m: compliment::Model,
    person: PersonRef,
    hidden: Option<Hidden>,
) -> AppResult<Compliment> {
    Ok(Compliment {
        id: m.id,
        person,
        giver_name: m.giver_name,
        giver_affiliation: m.giver_affiliation,
        channel: Channel::from_stored(&m.channel)?,
        received_on: m.received_on,
        message: m.message,
        created_at: m.created_at,
        hidden,
    })
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
    fn into_compliment(self) -> AppResult<Compliment> {
        Ok(Compliment {
            id: self.id,
            person: PersonRef {
                id: self.person_id,
                name: self.person_name,
            },
            giver_name: self.giver_name,
            giver_affiliation: self.giver_affiliation,
            channel: Channel::from_stored(&self.channel)?,
            received_on: self.received_on,
            message: self.message,
            created_at: self.created_at,
            hidden: None,
        })
    }
}

/// Visible compliments, newest first; `filter_sql` uses placeholders bound in `params`.
pub(super) async fn compliment_rows(
    conn: &impl ConnectionTrait,
    filter_sql: &str,
    params: Params,
    limit: u64,
) -> AppResult<Vec<Compliment>> {
    let limit = limit_sql(limit);
    ComplimentRow::find_by_statement(params.statement(
        conn.get_database_backend(),
        format!(
            "SELECT c.id, c.person_id, p.name AS person_name, c.giver_name, c.giver_affiliation,
                    c.channel, c.received_on, c.message, c.created_at
             FROM compliments c JOIN people p ON p.id = c.person_id
             WHERE c.hidden_at IS NULL {filter_sql}
             ORDER BY c.id DESC LIMIT {limit}"
        ),
    ))
    .all(conn)
    .await?
    .into_iter()
    .map(ComplimentRow::into_compliment)
    .collect()
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
    let mut params = Params::new();
    let filter = older_than("c", after, &mut params)?;
    let rows = compliment_rows(db.conn(), &filter, params, limit + 1).await?;
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
    let mut params = Params::new();
    let filter = format!("AND c.person_id = {}", params.bind(person_id));
    compliment_rows(db.conn(), &filter, params, limit).await
}

// ---------------------------------------------------------------------------------------
// Announcements

/// What a piece of the department's news is about.
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
pub enum AnnouncementKind {
    #[strum(message = "New service")]
    NewService,
    #[strum(message = "Proactive work")]
    ProactiveWork,
    #[strum(message = "Upgrade")]
    Upgrade,
    #[strum(message = "Staff accomplishment")]
    Accomplishment,
    #[strum(message = "News")]
    Other,
}

#[derive(Debug, Clone, Default)]
pub struct AnnouncementInput {
    pub kind: Option<String>,
    pub title: Option<String>,
    pub body: Option<String>,
}

#[derive(Debug, Clone)]
struct NewAnnouncement {
    kind: AnnouncementKind,
    title: Title,
    body: Text<ANNOUNCEMENT_BODY_MAX>,
}

impl AnnouncementInput {
    fn parse(&self, errors: &mut Errors) -> Option<NewAnnouncement> {
        let kind = errors.word::<AnnouncementKind>("kind", self.kind.as_deref());
        let title = errors.check("title", Title::parse(self.title.as_deref().unwrap_or("")));
        let body = errors.check("body", Text::parse(self.body.as_deref().unwrap_or("")));
        Some(NewAnnouncement {
            kind: kind?,
            title: title?,
            body: body?,
        })
    }
}

#[derive(Debug, Clone)]
pub struct Announcement {
    pub id: i64,
    pub kind: AnnouncementKind,
    pub title: String,
    pub body: String,
    pub posted_by: PersonRef,
    pub created_at: DateTime<Utc>,
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
    let Some(new) = input.parse(&mut errors) else {
        return Err(errors.into_error());
    };
    let txn = db.write().await?;
    let created = announcement::ActiveModel {
        kind: Set(new.kind.as_str().to_owned()),
        title: Set(new.title.into_string()),
        body: Set(new.body.into_string()),
        posted_by_id: Set(actor.person_id),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    notifications::webhooks::enqueue(
        &txn,
        &notifications::webhooks::PublicPayload::Announcement {
            announcement_id: created.id,
            kind: new.kind.label().to_owned(),
            title: created.title.clone(),
            body: created.body.clone(),
        },
        now,
    )
    .await?;
    audit::record(
        &txn,
        Some(actor),
        audit::Event::new(
            audit::Kind::AnnouncementPosted,
            audit::Subject::Announcement(created.id),
        )
        .set("kind", &created.kind)
        .set("title", &created.title)
        .set("body", &created.body),
    )
    .await?;
    txn.commit().await?;
    Ok(Announcement {
        id: created.id,
        kind: new.kind,
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

/// Visible announcements, newest first; `filter_sql` uses placeholders bound in `params`.
pub(super) async fn announcement_rows(
    conn: &impl ConnectionTrait,
    filter_sql: &str,
    params: Params,
    limit: u64,
) -> AppResult<Vec<Announcement>> {
    let limit = limit_sql(limit);
    AnnouncementRow::find_by_statement(params.statement(
        conn.get_database_backend(),
        format!(
            "SELECT a.id, a.kind, a.title, a.body, a.posted_by_id, p.name AS posted_by_name, a.created_at
             FROM announcements a JOIN people p ON p.id = a.posted_by_id
             WHERE a.hidden_at IS NULL {filter_sql}
             ORDER BY a.id DESC LIMIT {limit}"
        ),
    ))
    .all(conn)
    .await?
    .into_iter()
    .map(|r| {
        Ok(Announcement {
            id: r.id,
            kind: AnnouncementKind::from_stored(&r.kind)?,
            title: r.title,
            body: r.body,
            posted_by: PersonRef {
                id: r.posted_by_id,
                name: r.posted_by_name,
            },
            created_at: r.created_at,
        })
    })
    .collect()
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
    let mut params = Params::new();
    let filter = older_than("a", after, &mut params)?;
    let rows = announcement_rows(db.conn(), &filter, params, limit + 1).await?;
    Ok(paging::finish(rows, limit, |a| a.id))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn channels_and_kinds_have_labels() {
        validate::assert_labelled::<Channel>();
        validate::assert_labelled::<AnnouncementKind>();
        assert_eq!(Channel::InPerson.as_str(), "in_person");
        assert_eq!(AnnouncementKind::Other.label(), "News");
    }

    #[test]
    fn a_compliment_was_received_on_a_real_day_in_the_past() {
        let today = NaiveDate::from_ymd_opt(2026, 3, 1).expect("a date");
        assert_eq!(parse_received_on(Some(" 2026-03-01 "), today), Ok(today));
        for (raw, message) in [
            (None, "This is required."),
            (Some("  "), "This is required."),
            (Some("2026-02-30"), "Write the date as YYYY-MM-DD."),
            (Some("1/3/2026"), "Write the date as YYYY-MM-DD."),
            (
                Some("2026-03-02"),
                "A compliment cannot be received in the future.",
            ),
            (Some("1999-12-31"), "Give a date from 2000 on."),
        ] {
            assert_eq!(parse_received_on(raw, today), Err(message), "{raw:?}");
        }
    }

    #[test]
    fn a_compliment_reports_every_field_at_once() {
        let input = ComplimentInput {
            person_id: None,
            giver_name: Some(" ".to_owned()),
            giver_affiliation: Some("x".repeat(TITLE_MAX + 1)),
            channel: Some("pigeon".to_owned()),
            received_on: Some("tomorrow".to_owned()),
            message: None,
        };
        let mut errors = Errors::default();
        assert!(input.parse(Utc::now().date_naive(), &mut errors).is_none());
        let fields: Vec<&str> = errors.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "giver_name",
                "giver_affiliation",
                "channel",
                "received_on",
                "message"
            ]
        );
        assert_eq!(
            errors.0[2].message,
            "Choose one of: email, phone, in_person, letter, survey, social, client_survey, other."
        );
    }
}
