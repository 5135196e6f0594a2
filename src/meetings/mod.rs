//! Meetings: the department's quarterly half-day meetings and its annual retreat. The cio
//! plans a meeting (draft → published → held, or cancelled); its facilitator builds the
//! timed agenda (`agenda`), times it as it runs and records what came out of it
//! (`outcomes`); the question bank keeps the prompts the department returns to (`bank`);
//! agendas start from templates (`templates`). Calendars read meetings through
//! `calendar_meeting` and `calendar_meetings`.
//!
//! Times: a meeting's start is stored as a UTC instant with the IANA zone it was planned
//! in (the department's `--time-zone` at creation); pages show and take local clock
//! times in that zone, the API takes and answers RFC 3339 with an offset.

pub mod agenda;
pub mod api;
pub mod bank;
pub mod digest;
pub mod held;
pub mod outcomes;
pub mod pages;
pub mod templates;

use std::collections::HashMap;

use chrono::{DateTime, Duration, LocalResult, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter,
    QueryOrder, Set, sea_query::Condition,
};

pub use agenda::{Budget, Item, ItemInput, ItemKind, Slot};

use crate::{
    audit,
    auth::Actor,
    db::{Db, WriteTxn},
    entities::{meeting, meeting_item},
    error::{AppError, AppResult},
    notifications::{self, MeetingChange},
    people::{self, PersonRef},
    policy::{self, Action},
    validate::{Bounded, Errors, Text, Title, Word},
};

/// What kind of meeting it is; each kind has its usual length.
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
pub enum MeetingKind {
    #[strum(message = "Quarterly meeting")]
    Quarterly,
    #[strum(message = "Retreat")]
    Retreat,
    #[strum(message = "Other meeting")]
    Other,
}

impl MeetingKind {
    /// A quarterly meeting is a half day; a retreat a full day of seven hours.
    pub fn default_minutes(self) -> i64 {
        match self {
            MeetingKind::Quarterly => 240,
            MeetingKind::Retreat => 420,
            MeetingKind::Other => 120,
        }
    }
}

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
pub enum MeetingStatus {
    #[strum(message = "Draft")]
    Draft,
    #[strum(message = "Published")]
    Published,
    #[strum(message = "Held")]
    Held,
    #[strum(message = "Cancelled")]
    Cancelled,
}

/// A meeting's length in minutes: a quarter of an hour to twelve hours.
pub type Minutes = Bounded<15, 720>;
/// Where a meeting happens.
pub type Location = Text<200>;

#[derive(Debug, Clone)]
pub struct Meeting {
    pub id: i64,
    pub kind: MeetingKind,
    pub title: String,
    pub starts_at: DateTime<Utc>,
    pub zone: Tz,
    pub duration_minutes: i32,
    pub location: String,
    pub facilitator: Option<PersonRef>,
    pub status: MeetingStatus,
    pub published_at: Option<DateTime<Utc>>,
    pub held_at: Option<DateTime<Utc>>,
    pub sequence: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Meeting {
    pub fn ends_at(&self) -> DateTime<Utc> {
        self.starts_at + Duration::minutes(self.duration_minutes.into())
    }

    /// The start on the clocks of the meeting's zone.
    pub fn local_start(&self) -> DateTime<Tz> {
        self.starts_at.with_timezone(&self.zone)
    }

    pub fn local_end(&self) -> DateTime<Tz> {
        self.ends_at().with_timezone(&self.zone)
    }

    pub fn is_facilitated_by(&self, person_id: i32) -> bool {
        self.facilitator.as_ref().is_some_and(|f| f.id == person_id)
    }

    /// Whether calendars and everyone signed in know of it.
    pub fn was_published(&self) -> bool {
        self.published_at.is_some()
    }

    /// Drafts and published meetings change; held and cancelled ones are settled.
    pub fn is_open(&self) -> bool {
        matches!(self.status, MeetingStatus::Draft | MeetingStatus::Published)
    }
}

/// A meeting as typed: `None` leaves a field as it is (or takes its default, on creation).
#[derive(Debug, Clone, Default)]
pub struct MeetingInput {
    pub kind: Option<String>,
    pub title: Option<String>,
    pub start: Option<StartInput>,
    pub duration_minutes: Option<i64>,
    pub location: Option<String>,
    /// `Some(None)` clears the facilitator.
    pub facilitator_id: Option<Option<i32>>,
}

/// When a meeting starts, as the API sends it (an instant with its offset) or as a form
/// sends it (a date and a clock time in the meeting's zone).
#[derive(Debug, Clone)]
pub enum StartInput {
    Instant(DateTime<chrono::FixedOffset>),
    Local { date: String, time: String },
}

/// A local date and clock time in `zone` as the instant it names. A time the clocks skip
/// when they go forward does not exist and is refused; a time that happens twice when
/// they go back is taken at its first occurrence (summer time).
pub fn local_instant(zone: Tz, date: NaiveDate, time: NaiveTime) -> Result<DateTime<Utc>, String> {
    match zone.from_local_datetime(&date.and_time(time)) {
        LocalResult::Single(at) => Ok(at.with_timezone(&Utc)),
        LocalResult::Ambiguous(first, _) => Ok(first.with_timezone(&Utc)),
        LocalResult::None => Err(format!(
            "{} on {} does not exist in {zone}: the clocks go forward then. Choose another time.",
            time.format("%H:%M"),
            date.format(crate::dates::DAY),
        )),
    }
}

fn parse_start(zone: Tz, start: StartInput) -> Result<DateTime<Utc>, String> {
    match start {
        StartInput::Instant(at) => Ok(at.with_timezone(&Utc)),
        StartInput::Local { date, time } => {
            let date = crate::validate::parse_date(&date).map_err(str::to_owned)?;
            let time = NaiveTime::parse_from_str(time.trim(), "%H:%M")
                .map_err(|_| "Write the time as HH:MM, for example 09:30.".to_owned())?;
            local_instant(zone, date, time)
        }
    }
}

/// A meeting to create, parsed.
#[derive(Debug, Clone)]
pub struct NewMeeting {
    pub kind: MeetingKind,
    pub title: Title,
    pub starts_at: DateTime<Utc>,
    pub duration: Minutes,
    pub location: Location,
    pub facilitator_id: Option<i32>,
}

/// Changes to a meeting, parsed; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct MeetingChanges {
    pub kind: Option<MeetingKind>,
    pub title: Option<Title>,
    pub starts_at: Option<DateTime<Utc>>,
    pub duration: Option<Minutes>,
    pub location: Option<Location>,
    pub facilitator_id: Option<Option<i32>>,
}

impl MeetingInput {
    pub fn parse_new(self, zone: Tz, errors: &mut Errors) -> Option<NewMeeting> {
        let kind = errors.word::<MeetingKind>("kind", self.kind.as_deref());
        let title = errors.check(
            "title",
            Title::parse_or(
                self.title.as_deref().unwrap_or(""),
                "Give the meeting a title.",
            ),
        );
        let starts_at = match self.start {
            Some(start) => errors.check("starts_at", parse_start(zone, start)),
            None => {
                errors.add("starts_at", "Say when the meeting starts.");
                None
            }
        };
        let location = errors.check(
            "location",
            Location::parse(self.location.as_deref().unwrap_or("")),
        );
        let duration = match (self.duration_minutes, kind) {
            (Some(minutes), _) => errors.check("duration_minutes", Minutes::parse(minutes)),
            (None, Some(kind)) => Minutes::parse(kind.default_minutes()).ok(),
            (None, None) => None,
        };
        Some(NewMeeting {
            kind: kind?,
            title: title?,
            starts_at: starts_at?,
            duration: duration?,
            location: location?,
            facilitator_id: self.facilitator_id.flatten(),
        })
    }

    pub fn parse_changes(self, zone: Tz, errors: &mut Errors) -> Option<MeetingChanges> {
        let kind = errors.check(
            "kind",
            self.kind
                .as_deref()
                .map(MeetingKind::parse_word)
                .transpose(),
        );
        let title = errors.check(
            "title",
            self.title
                .as_deref()
                .map(|t| Title::parse_or(t, "Give the meeting a title."))
                .transpose(),
        );
        let starts_at = errors.check(
            "starts_at",
            self.start.map(|s| parse_start(zone, s)).transpose(),
        );
        let duration = errors.check(
            "duration_minutes",
            self.duration_minutes.map(Minutes::parse).transpose(),
        );
        let location = errors.check(
            "location",
            self.location.as_deref().map(Location::parse).transpose(),
        );
        Some(MeetingChanges {
            kind: kind?,
            title: title?,
            starts_at: starts_at?,
            duration: duration?,
            location: location?,
            facilitator_id: self.facilitator_id,
        })
    }
}

/// The facilitator must be an active member of the department, not an advisor.
async fn check_facilitator(
    conn: &impl ConnectionTrait,
    facilitator_id: Option<i32>,
    errors: &mut Errors,
) -> AppResult<()> {
    if let Some(id) = facilitator_id
        && !people::active_members(conn, [id]).await?.contains(&id)
    {
        errors.add(
            "facilitator_id",
            format!("There is no active member of the department with id {id}."),
        );
    }
    Ok(())
}

pub(crate) fn zone_of(row: &meeting::Model) -> AppResult<Tz> {
    row.time_zone.parse().map_err(|_| {
        AppError::internal(anyhow::anyhow!(
            "meeting {} has the unknown time zone {:?}",
            row.id,
            row.time_zone
        ))
    })
}

pub(crate) fn to_meeting(
    row: meeting::Model,
    names: &HashMap<i32, PersonRef>,
) -> AppResult<Meeting> {
    Ok(Meeting {
        kind: MeetingKind::from_stored(&row.kind)?,
        status: MeetingStatus::from_stored(&row.status)?,
        zone: zone_of(&row)?,
        facilitator: row.facilitator_id.map(|id| {
            names.get(&id).cloned().unwrap_or(PersonRef {
                id,
                name: String::new(),
            })
        }),
        id: row.id,
        title: row.title,
        starts_at: row.starts_at,
        duration_minutes: row.duration_minutes,
        location: row.location,
        published_at: row.published_at,
        held_at: row.held_at,
        sequence: row.sequence,
        created_at: row.created_at,
        updated_at: row.updated_at,
    })
}

/// Meeting rows as meetings, their facilitators named in one query.
pub(crate) async fn hydrate(
    conn: &impl ConnectionTrait,
    rows: Vec<meeting::Model>,
) -> AppResult<Vec<Meeting>> {
    let names = people::refs(conn, rows.iter().filter_map(|r| r.facilitator_id)).await?;
    rows.into_iter().map(|r| to_meeting(r, &names)).collect()
}

/// Whether the actor may plan meetings, keep the question bank and the templates.
pub fn may_plan(actor: &Actor) -> bool {
    policy::allows(actor.principal(), Action::ManageMeetings)
}

/// Who may do what with one meeting, decided once.
#[derive(Debug, Clone, Copy)]
pub struct Rights {
    /// Build the agenda, time it, record outcomes and attendance.
    pub run: bool,
    /// Edit the meeting's own fields, publish, cancel.
    pub manage: bool,
}

fn view_action(actor: &Actor, row: &meeting::Model) -> Action<'static> {
    Action::ViewMeeting {
        was_published: row.published_at.is_some(),
        is_facilitator: row.facilitator_id == Some(actor.person_id),
    }
}

fn rights(actor: &Actor, row: &meeting::Model) -> Rights {
    let is_facilitator = row.facilitator_id == Some(actor.person_id);
    Rights {
        run: policy::allows(actor.principal(), Action::RunMeeting { is_facilitator }),
        manage: policy::allows(actor.principal(), Action::ManageMeetings),
    }
}

/// A meeting row the actor may see; 404 otherwise.
pub(crate) async fn visible(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    id: i64,
) -> AppResult<meeting::Model> {
    let row = meeting::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or(AppError::NotFound)?;
    policy::check(actor.principal(), view_action(actor, &row))?;
    Ok(row)
}

/// A meeting row the actor may run (its agenda, timing, outcomes): 404 when they may not
/// see it, 403 when they may see but not run it. Locks the meeting for the transaction.
pub(crate) async fn runnable(txn: &WriteTxn, actor: &Actor, id: i64) -> AppResult<meeting::Model> {
    txn.lock(&[format!("meeting:{id}")]).await?;
    let row = visible(txn, actor, id).await?;
    policy::check(
        actor.principal(),
        Action::RunMeeting {
            is_facilitator: row.facilitator_id == Some(actor.person_id),
        },
    )?;
    Ok(row)
}

/// A meeting the cio may manage; 404 when hidden, 403 for anyone else. Locks it.
async fn manageable(txn: &WriteTxn, actor: &Actor, id: i64) -> AppResult<meeting::Model> {
    txn.lock(&[format!("meeting:{id}")]).await?;
    let row = visible(txn, actor, id).await?;
    policy::check(actor.principal(), Action::ManageMeetings)?;
    Ok(row)
}

/// Marks a change calendars should see: the sequence grows and the meeting is touched.
pub(crate) async fn bump(txn: &WriteTxn, row: meeting::Model) -> AppResult<meeting::Model> {
    let sequence = row.sequence + 1;
    let mut model = row.into_active_model();
    model.sequence = Set(sequence);
    model.updated_at = Set(Utc::now());
    Ok(model.update(txn).await?)
}

/// Tells everyone who sees published meetings (every active person, advisors included;
/// not `actor`, who made the change) that a meeting was published, changed or cancelled,
/// with its calendar file, in the change's transaction. One statement whatever their
/// number; each change is told, so several edits in a row send several emails.
pub(crate) async fn announce(
    txn: &WriteTxn,
    actor: &Actor,
    row: &meeting::Model,
    change: MeetingChange,
) -> AppResult<()> {
    let meeting = calendar_rows(txn, vec![row.clone()])
        .await?
        .pop()
        .ok_or(AppError::NotFound)?;
    let payload = notifications::Payload::MeetingPublished {
        change,
        meeting: (&meeting).into(),
    };
    let now = Utc::now();
    match change {
        MeetingChange::Changed => {
            notifications::notify_meeting_change(txn, &payload, row.id, Some(actor.person_id), now)
                .await?;
        }
        MeetingChange::Published | MeetingChange::Cancelled => {
            notifications::notify_audience(
                txn,
                &payload,
                notifications::Audience::Everyone,
                Some(actor.person_id),
                Some(notifications::About::Meeting(row.id)),
                now,
            )
            .await?;
        }
    }
    Ok(())
}

/// The condition on meetings that keeps those the actor may see: every meeting for the
/// cio; for others those once published, and drafts they facilitate (not advisors).
fn visible_to(actor: &Actor) -> Condition {
    if policy::allows(actor.principal(), Action::ManageMeetings) {
        return Condition::all();
    }
    let mut any = Condition::any().add(meeting::Column::PublishedAt.is_not_null());
    if policy::allows(
        actor.principal(),
        Action::ViewMeeting {
            was_published: false,
            is_facilitator: true,
        },
    ) {
        any = any.add(meeting::Column::FacilitatorId.eq(actor.person_id));
    }
    any
}

/// Every meeting the actor may see, the latest first. Two queries.
pub async fn list(db: &Db, actor: &Actor) -> AppResult<Vec<Meeting>> {
    let rows = meeting::Entity::find()
        .filter(visible_to(actor))
        .order_by_desc(meeting::Column::StartsAt)
        .order_by_desc(meeting::Column::Id)
        .all(db.conn())
        .await?;
    hydrate(db.conn(), rows).await
}

/// One meeting (without its agenda); 404 when the actor may not see it.
pub async fn get(db: &Db, actor: &Actor, id: i64) -> AppResult<(Meeting, Rights)> {
    let row = visible(db.conn(), actor, id).await?;
    let rights = rights(actor, &row);
    let meeting = hydrate(db.conn(), vec![row])
        .await?
        .pop()
        .ok_or(AppError::NotFound)?;
    Ok((meeting, rights))
}

/// Plans a meeting (the cio), as a draft in the department's zone, with an agenda from
/// `template` when one is given.
pub async fn create(
    db: &Db,
    actor: &Actor,
    zone: Tz,
    input: MeetingInput,
    template: Option<templates::TemplateChoice>,
) -> AppResult<Meeting> {
    policy::check(actor.principal(), Action::ManageMeetings)?;
    let mut errors = Errors::default();
    let facilitator_id = input.facilitator_id.flatten();
    let new = input.parse_new(zone, &mut errors);
    let txn = db.write().await?;
    check_facilitator(&txn, facilitator_id, &mut errors).await?;
    let Some(new) = new else {
        return Err(errors.into_error());
    };
    errors.finish()?;
    let now = Utc::now();
    let row = meeting::ActiveModel {
        kind: Set(new.kind.as_str().to_owned()),
        title: Set(new.title.into_string()),
        starts_at: Set(new.starts_at),
        time_zone: Set(zone.name().to_owned()),
        duration_minutes: Set(new.duration.get() as i32),
        location: Set(new.location.into_string()),
        facilitator_id: Set(new.facilitator_id),
        status: Set(MeetingStatus::Draft.as_str().to_owned()),
        published_at: Set(None),
        held_at: Set(None),
        sequence: Set(0),
        created_by_id: Set(actor.person_id),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    if let Some(template) = template {
        templates::apply(&txn, row.id, new.kind, template).await?;
    }
    txn.commit().await?;
    let mut meetings = hydrate(db.conn(), vec![row]).await?;
    meetings.pop().ok_or(AppError::NotFound)
}

/// Edits a meeting's own fields (the cio) while it is a draft or published. A published
/// meeting may not be edited into an agenda that overruns it.
pub async fn update(db: &Db, actor: &Actor, id: i64, input: MeetingInput) -> AppResult<Meeting> {
    let mut errors = Errors::default();
    let txn = db.write().await?;
    let row = manageable(&txn, actor, id).await?;
    let zone = zone_of(&row)?;
    let facilitator_id = input.facilitator_id.flatten();
    let changes = input.parse_changes(zone, &mut errors);
    check_facilitator(&txn, facilitator_id, &mut errors).await?;
    let Some(changes) = changes else {
        return Err(errors.into_error());
    };
    errors.finish()?;
    ensure_open(&row)?;
    let status = MeetingStatus::from_stored(&row.status)?;
    let duration = changes
        .duration
        .map(|d| d.get() as i32)
        .unwrap_or(row.duration_minutes);
    if status == MeetingStatus::Published {
        let planned = agenda::planned_total(&txn, id).await?;
        check_fits(planned, duration, "duration_minutes")?;
    }
    let before = row.clone();
    let mut model = row.into_active_model();
    if let Some(kind) = changes.kind {
        model.kind = Set(kind.as_str().to_owned());
    }
    if let Some(title) = changes.title {
        model.title = Set(title.into_string());
    }
    if let Some(at) = changes.starts_at {
        model.starts_at = Set(at);
    }
    model.duration_minutes = Set(duration);
    if let Some(location) = changes.location {
        model.location = Set(location.into_string());
    }
    if let Some(facilitator) = changes.facilitator_id {
        model.facilitator_id = Set(facilitator);
    }
    let before = (
        before.title.clone(),
        before.starts_at,
        before.duration_minutes,
        before.location.clone(),
    );
    let row = model.update(&txn).await?;
    let row = bump(&txn, row).await?;
    // Everyone hears when what their calendar shows changed: the title, time or place.
    let after = (
        row.title.clone(),
        row.starts_at,
        row.duration_minutes,
        row.location.clone(),
    );
    if status == MeetingStatus::Published && before != after {
        announce(&txn, actor, &row, MeetingChange::Changed).await?;
    }
    txn.commit().await?;
    let mut meetings = hydrate(db.conn(), vec![row]).await?;
    meetings.pop().ok_or(AppError::NotFound)
}

/// Refuses changes to a meeting that has been held or cancelled.
pub(crate) fn ensure_open(row: &meeting::Model) -> AppResult<()> {
    match MeetingStatus::from_stored(&row.status)? {
        MeetingStatus::Draft | MeetingStatus::Published => Ok(()),
        MeetingStatus::Held => Err(AppError::conflict(
            "The meeting has been held; its agenda and details are kept as they were.",
        )),
        MeetingStatus::Cancelled => Err(AppError::conflict("The meeting has been cancelled.")),
    }
}

/// A 422 naming the overrun when `planned` minutes do not fit in `duration`.
pub(crate) fn check_fits(planned: i64, duration: i32, field: &str) -> AppResult<()> {
    let over = planned - i64::from(duration);
    if over > 0 {
        return Err(AppError::invalid(
            field,
            format!(
                "The agenda runs {over} minute{} over the meeting's {duration} minutes: \
                 shorten or remove items, or lengthen the meeting.",
                if over == 1 { "" } else { "s" }
            ),
        ));
    }
    Ok(())
}

/// Publishes a draft (the cio): everyone signed in sees it, calendars list it. Its agenda
/// must fit its duration.
pub async fn publish(db: &Db, actor: &Actor, id: i64) -> AppResult<Meeting> {
    let txn = db.write().await?;
    let row = manageable(&txn, actor, id).await?;
    if MeetingStatus::from_stored(&row.status)? != MeetingStatus::Draft {
        return Err(AppError::conflict("Only a draft can be published."));
    }
    let planned = agenda::planned_total(&txn, id).await?;
    check_fits(planned, row.duration_minutes, "agenda")?;
    let now = Utc::now();
    let event = audit::Event::new(audit::Kind::MeetingPublished, audit::Subject::Meeting(id))
        .concerning(row.facilitator_id)
        .change(
            "status",
            row.status.as_str(),
            MeetingStatus::Published.as_str(),
        );
    let mut model = row.into_active_model();
    model.status = Set(MeetingStatus::Published.as_str().to_owned());
    model.published_at = Set(Some(now));
    let row = bump(&txn, model.update(&txn).await?).await?;
    audit::record(&txn, Some(actor), event).await?;
    announce(&txn, actor, &row, MeetingChange::Published).await?;
    crate::notifications::webhooks::enqueue(
        &txn,
        &crate::notifications::webhooks::PublicPayload::MeetingPublished {
            meeting_id: row.id,
            title: row.title.clone(),
            starts_at: row.starts_at,
            time_zone: row.time_zone.clone(),
            duration_minutes: row.duration_minutes,
            location: row.location.clone(),
        },
        now,
    )
    .await?;
    txn.commit().await?;
    let mut meetings = hydrate(db.conn(), vec![row]).await?;
    meetings.pop().ok_or(AppError::NotFound)
}

/// Calls a draft or published meeting off (the cio). A meeting that was published stays
/// visible as cancelled, so calendars remove it.
pub async fn cancel(db: &Db, actor: &Actor, id: i64) -> AppResult<Meeting> {
    let txn = db.write().await?;
    let row = manageable(&txn, actor, id).await?;
    ensure_open(&row)?;
    let was_published = row.published_at.is_some();
    let mut model = row.into_active_model();
    model.status = Set(MeetingStatus::Cancelled.as_str().to_owned());
    let row = bump(&txn, model.update(&txn).await?).await?;
    if was_published {
        // Whoever has not been told of the publication or of a change yet (by email or
        // in a chat room) is told of the cancellation alone.
        let now = Utc::now();
        notifications::withdraw(&txn, notifications::About::Meeting(row.id), now).await?;
        notifications::withdraw(&txn, notifications::About::MeetingChange(row.id), now).await?;
        announce(&txn, actor, &row, MeetingChange::Cancelled).await?;
    }
    txn.commit().await?;
    let mut meetings = hydrate(db.conn(), vec![row]).await?;
    meetings.pop().ok_or(AppError::NotFound)
}

/// Marks a published meeting held (the cio or its facilitator), once it has started.
pub async fn hold(db: &Db, actor: &Actor, id: i64, now: DateTime<Utc>) -> AppResult<Meeting> {
    let txn = db.write().await?;
    let row = runnable(&txn, actor, id).await?;
    match MeetingStatus::from_stored(&row.status)? {
        MeetingStatus::Published => {}
        MeetingStatus::Draft => {
            return Err(AppError::conflict(
                "Publish the meeting before marking it held.",
            ));
        }
        MeetingStatus::Held => return Err(AppError::conflict("The meeting is already held.")),
        MeetingStatus::Cancelled => {
            return Err(AppError::conflict("The meeting has been cancelled."));
        }
    }
    if row.starts_at > now {
        let zone = zone_of(&row)?;
        return Err(AppError::invalid(
            "status",
            format!(
                "The meeting starts {}; it can be marked held once it has started.",
                row.starts_at
                    .with_timezone(&zone)
                    .format(crate::dates::DAY_TIME)
            ),
        ));
    }
    let mut model = row.into_active_model();
    model.status = Set(MeetingStatus::Held.as_str().to_owned());
    model.held_at = Set(Some(now));
    model.updated_at = Set(now);
    let row = model.update(&txn).await?;
    txn.commit().await?;
    let mut meetings = hydrate(db.conn(), vec![row]).await?;
    meetings.pop().ok_or(AppError::NotFound)
}

/// The next published meeting that has not ended, for the portal: one query. Everyone
/// signed in may see published meetings; the page decides whether its reader is.
pub async fn next_published(
    conn: &impl ConnectionTrait,
    now: DateTime<Utc>,
) -> AppResult<Option<NextMeeting>> {
    agenda::next_published(conn, now).await
}

/// The portal's panel: the next published meeting and the questions it will explore.
#[derive(Debug, Clone)]
pub struct NextMeeting {
    pub id: i64,
    pub title: String,
    pub starts_at: DateTime<Tz>,
    pub ends_at: DateTime<Tz>,
    pub location: String,
    pub questions: Vec<String>,
}

// ---------------------------------------------------------------------------------------
// Calendars

/// A meeting as a calendar shows it. Drafts never appear.
#[derive(Debug, Clone)]
pub struct CalendarMeeting {
    pub id: i64,
    pub title: String,
    pub kind: MeetingKind,
    /// Published, Held or Cancelled.
    pub status: MeetingStatus,
    pub starts_at: DateTime<Utc>,
    /// Start + duration.
    pub ends_at: DateTime<Utc>,
    /// The zone the meeting was planned in (its clock times are in it).
    pub time_zone: Tz,
    pub location: String,
    /// The facilitator's display name.
    pub facilitator: Option<String>,
    /// Plain text: the agenda, one line per item with clock times in the meeting's zone,
    /// then the questions it explores.
    pub description: String,
    /// Grows by one with every change a calendar should see (edit, agenda change,
    /// publish, cancel).
    pub sequence: i32,
    pub updated_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
}

/// One meeting for the `.ics` download; 404 when the actor may not see it, and for every
/// meeting that was never published (a calendar never shows a draft).
pub async fn calendar_meeting(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    id: i64,
) -> AppResult<CalendarMeeting> {
    let row = visible(conn, actor, id).await?;
    if row.published_at.is_none() {
        return Err(AppError::NotFound);
    }
    calendar_rows(conn, vec![row])
        .await?
        .pop()
        .ok_or(AppError::NotFound)
}

/// Every meeting a personal calendar feed lists: published, held, and cancelled ones that
/// were once published; never drafts. Three queries whatever their number.
pub async fn calendar_meetings(conn: &impl ConnectionTrait) -> AppResult<Vec<CalendarMeeting>> {
    let rows = meeting::Entity::find()
        .filter(meeting::Column::PublishedAt.is_not_null())
        .order_by_asc(meeting::Column::StartsAt)
        .order_by_asc(meeting::Column::Id)
        .all(conn)
        .await?;
    calendar_rows(conn, rows).await
}

async fn calendar_rows(
    conn: &impl ConnectionTrait,
    rows: Vec<meeting::Model>,
) -> AppResult<Vec<CalendarMeeting>> {
    let items = meeting_item::Entity::find()
        .filter(meeting_item::Column::MeetingId.is_in(rows.iter().map(|r| r.id)))
        .order_by_asc(meeting_item::Column::MeetingId)
        .order_by_asc(meeting_item::Column::Position)
        .all(conn)
        .await?;
    let mut by_meeting: HashMap<i64, Vec<meeting_item::Model>> = HashMap::new();
    for item in items {
        by_meeting.entry(item.meeting_id).or_default().push(item);
    }
    let meetings = hydrate(conn, rows).await?;
    Ok(meetings
        .into_iter()
        .map(|m| {
            let items = by_meeting.remove(&m.id).unwrap_or_default();
            CalendarMeeting {
                description: calendar_description(&m, &items),
                id: m.id,
                title: m.title.clone(),
                kind: m.kind,
                status: m.status,
                starts_at: m.starts_at,
                ends_at: m.ends_at(),
                time_zone: m.zone,
                location: m.location.clone(),
                facilitator: m.facilitator.as_ref().map(|f| f.name.clone()),
                sequence: m.sequence,
                updated_at: m.updated_at,
                created_at: m.created_at,
            }
        })
        .collect())
}

/// The agenda as plain text: "09:00–09:15 Welcome", one line per item, then the
/// questions the meeting explores.
fn calendar_description(meeting: &Meeting, items: &[meeting_item::Model]) -> String {
    let mut lines = Vec::new();
    let mut at = meeting.starts_at;
    for item in items {
        let end = at + Duration::minutes(item.planned_minutes.into());
        lines.push(format!(
            "{}–{} {}",
            at.with_timezone(&meeting.zone).format("%H:%M"),
            end.with_timezone(&meeting.zone).format("%H:%M"),
            item.title
        ));
        at = end;
    }
    let questions: Vec<&str> = items
        .iter()
        .filter(|i| i.kind == ItemKind::Question.as_str() && !i.prompt.is_empty())
        .map(|i| i.prompt.as_str())
        .collect();
    if !questions.is_empty() {
        lines.push(String::new());
        lines.push("Questions:".to_owned());
        lines.extend(questions.iter().map(|q| format!("- {q}")));
    }
    lines.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validate::assert_labelled;

    #[test]
    fn every_word_has_a_label() {
        assert_labelled::<MeetingKind>();
        assert_labelled::<MeetingStatus>();
        assert_labelled::<ItemKind>();
        assert_labelled::<outcomes::PointKind>();
    }

    #[test]
    fn local_times_at_a_change_of_clocks_are_refused_or_taken_at_their_first_occurrence() {
        let paris = chrono_tz::Europe::Paris;
        let day = |d| NaiveDate::from_ymd_opt(2026, 3, d).unwrap_or_default();
        let time = |h, m| NaiveTime::from_hms_opt(h, m, 0).unwrap_or_default();
        assert_eq!(
            local_instant(paris, day(29), time(2, 30)),
            Err("02:30 on 29 Mar 2026 does not exist in Europe/Paris: the clocks go forward then. Choose another time.".to_owned())
        );
        let winter = local_instant(paris, day(2), time(9, 0)).map(|t| t.to_rfc3339());
        assert_eq!(winter.as_deref(), Ok("2026-03-02T08:00:00+00:00"));
        let summer = local_instant(paris, day(30), time(9, 0)).map(|t| t.to_rfc3339());
        assert_eq!(summer.as_deref(), Ok("2026-03-30T07:00:00+00:00"));
        let twice = local_instant(
            paris,
            NaiveDate::from_ymd_opt(2026, 10, 25).unwrap_or_default(),
            time(2, 30),
        )
        .map(|t| t.to_rfc3339());
        assert_eq!(twice.as_deref(), Ok("2026-10-25T00:30:00+00:00"));
    }

    #[test]
    fn an_overrun_names_its_minutes() {
        assert!(check_fits(240, 240, "agenda").is_ok());
        let err = check_fits(265, 240, "agenda").err();
        let fields = err
            .as_ref()
            .map(|e| e.field_errors().to_vec())
            .unwrap_or_default();
        assert_eq!(
            fields[0].message,
            "The agenda runs 25 minutes over the meeting's 240 minutes: shorten or remove items, or lengthen the meeting."
        );
    }
}
