//! Notifications: what people hear about without opening the site.
//!
//! An event (kudos received, the trophy arriving on your desk, …) calls `notify` inside
//! the transaction that makes it happen, and `notify` writes one outbox row per person
//! who should hear of it, in one statement whatever their number: the department's switch
//! for the kind and each person's choice (immediate, in the weekly digest, or off) are
//! read by that same statement. Nothing is sent inside the transaction; the sender
//! (`sender.rs`) in every serving instance claims due rows, sends them by email and marks
//! them sent, so an event rolled back is never told and one committed is never lost.
//!
//! The row keeps the event's details (`payload`), not a rendered email: the email is
//! rendered when it goes, to the address the person has then, with an unsubscribe link
//! signed for that person and kind (`unsubscribe.rs`).

pub mod api;
pub mod digest;
pub mod email;
pub mod pages;
pub mod reminders;
pub mod sender;
pub mod unsubscribe;
pub mod webhooks;

pub use reminders::{forget_reminders, remind_due};

use chrono::{DateTime, Duration, NaiveDate, Utc};
use sea_orm::{ConnectionTrait, FromQueryResult, Statement};
use serde::{Deserialize, Serialize};

use crate::{
    auth::Actor,
    db::{Db, Params, WriteTxn},
    error::{AppError, AppResult},
    policy::{self, Action},
    validate::{Errors, Word},
};

/// What someone can hear about. The stored word names the kind in preferences, switches,
/// the outbox and unsubscribe links, so a word never changes once released.
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
pub enum EventKind {
    #[strum(message = "Kudos you receive")]
    KudosReceived,
    #[strum(message = "A trophy passed or reassigned to you")]
    TrophyReceived,
    #[strum(message = "A compliment about you posted on the portal")]
    ComplimentReceived,
    #[strum(message = "Your goal agreed or sent back")]
    GoalReviewed,
    #[strum(message = "An answer to your idea")]
    IdeaAnswered,
    #[strum(message = "A goal waiting for your agreement (as a manager)")]
    GoalWaiting,
    #[strum(message = "A self-evaluation waiting for your review (as a manager)")]
    EvaluationWaiting,
    #[strum(message = "The self-evaluation phase opening")]
    SelfEvaluationOpened,
    #[strum(message = "Reminders before your self-evaluation is due")]
    SelfEvaluationReminder,
    #[strum(message = "A meeting published, changed or cancelled")]
    MeetingPublished,
}

/// What an outbox row tells of: one event, or a person's weekly digest gathering the
/// events they chose to read once a week. The stored word is the event kind's, or
/// `weekly_digest`; unsubscribe links name a topic the same way.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Topic {
    Event(EventKind),
    WeeklyDigest,
}

impl Topic {
    const WEEKLY_DIGEST: &'static str = "weekly_digest";

    pub fn as_str(self) -> &'static str {
        match self {
            Topic::Event(kind) => kind.as_str(),
            Topic::WeeklyDigest => Self::WEEKLY_DIGEST,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Topic::Event(kind) => kind.label(),
            Topic::WeeklyDigest => "Your weekly digest",
        }
    }

    pub fn is_weekly_digest(self) -> bool {
        self == Topic::WeeklyDigest
    }

    /// The topic a word names (from a link); `None` for anything else.
    pub fn parse(word: &str) -> Option<Topic> {
        if word == Self::WEEKLY_DIGEST {
            Some(Topic::WeeklyDigest)
        } else {
            EventKind::parse_word(word).ok().map(Topic::Event)
        }
    }

    /// A topic read back from the database.
    pub fn from_stored(word: &str) -> AppResult<Topic> {
        if word == Self::WEEKLY_DIGEST {
            Ok(Topic::WeeklyDigest)
        } else {
            EventKind::from_stored(word).map(Topic::Event)
        }
    }
}

/// How a person hears about one kind of event.
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
pub enum Delivery {
    #[strum(message = "An email at once")]
    Immediate,
    #[strum(message = "In the weekly digest")]
    Digest,
    #[strum(message = "Off")]
    Off,
}

/// Where a notification goes: an email of its own, or an item of the weekly digest.
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
    #[strum(message = "Weekly digest")]
    Digest,
}

/// The portal item a notification tells of: hiding it withdraws what has not gone yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum About {
    Kudos(i64),
    NotebookEntry(i64),
    Compliment(i64),
    /// News on the portal (told to chat webhooks only).
    Announcement(i64),
    /// A meeting's publication or cancellation: cancelling the meeting withdraws what
    /// has not been posted or emailed of its publication.
    Meeting(i64),
    /// A change to a published meeting: a later change supersedes the emails of an
    /// earlier one that have not gone, and cancelling withdraws them.
    MeetingChange(i64),
}

impl About {
    fn parts(self) -> (&'static str, i64) {
        match self {
            About::Kudos(id) => ("kudos", id),
            About::NotebookEntry(id) => ("notebook_entry", id),
            About::Compliment(id) => ("compliment", id),
            About::Announcement(id) => ("announcement", id),
            About::Meeting(id) => ("meeting", id),
            About::MeetingChange(id) => ("meeting_change", id),
        }
    }

    /// Why what was withdrawn about this item never went.
    fn withdrawn_because(self) -> &'static str {
        match self {
            About::Meeting(_) | About::MeetingChange(_) => WITHDRAWN_CANCELLED,
            _ => WITHDRAWN,
        }
    }
}

/// What an email says about its event, kept in the outbox row as JSON and rendered when
/// the email goes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Payload {
    KudosReceived {
        from: String,
        message: String,
        values: Vec<String>,
        /// Everyone thanked in the same kudos (each email leaves its reader out).
        also_thanked: Vec<String>,
    },
    TrophyReceived {
        trophy_id: i32,
        trophy: String,
        from: String,
        message: String,
        /// The cio moved it (its holder had left), rather than its holder passing it.
        reassigned: bool,
    },
    ComplimentReceived {
        from: String,
        /// Where the person who gave it comes from ("Finance office").
        affiliation: String,
        message: String,
    },
    GoalReviewed {
        goal_id: i32,
        title: String,
        by: String,
        /// None: agreed; Some: sent back with this comment.
        sent_back: Option<String>,
    },
    IdeaAnswered {
        idea_id: i64,
        title: String,
        /// The status's label ("Adopted").
        status: String,
        reply: String,
    },
    GoalWaiting {
        goal_id: i32,
        title: String,
        /// The goal's owner, who proposed or changed it.
        owner: String,
        /// The owner changed a goal already agreed or sent back, rather than proposing it.
        changed: bool,
    },
    EvaluationWaiting {
        cycle_id: i32,
        person_id: i32,
        /// Whose self-evaluation it is.
        owner: String,
        cycle: String,
    },
    SelfEvaluationOpened {
        cycle_id: i32,
        cycle: String,
        due_on: Option<NaiveDate>,
    },
    SelfEvaluationReminder {
        cycle_id: i32,
        cycle: String,
        due_on: NaiveDate,
        /// Days from the reminder to the deadline (0: due today).
        days_left: i64,
    },
    MeetingPublished {
        change: MeetingChange,
        meeting: MeetingNotice,
    },
}

/// What happened to a meeting that everyone hears of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MeetingChange {
    Published,
    /// Its time, place or agenda changed after it was published.
    Changed,
    Cancelled,
}

/// A meeting as it was when its notification was written: enough for the email and for
/// its `.ics` attachment (`calendar::meeting_file_of`), whose SEQUENCE lets a calendar
/// keep the newest of several.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MeetingNotice {
    pub meeting_id: i64,
    pub title: String,
    /// The `MeetingKind` word.
    pub kind: String,
    /// The `MeetingStatus` word.
    pub status: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    /// The IANA zone the meeting was planned in.
    pub time_zone: String,
    pub location: String,
    pub facilitator: Option<String>,
    /// The agenda as plain text.
    pub description: String,
    pub sequence: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<&crate::meetings::CalendarMeeting> for MeetingNotice {
    fn from(m: &crate::meetings::CalendarMeeting) -> Self {
        MeetingNotice {
            meeting_id: m.id,
            title: m.title.clone(),
            kind: m.kind.as_str().to_owned(),
            status: m.status.as_str().to_owned(),
            starts_at: m.starts_at,
            ends_at: m.ends_at,
            time_zone: m.time_zone.name().to_owned(),
            location: m.location.clone(),
            facilitator: m.facilitator.clone(),
            description: m.description.clone(),
            sequence: m.sequence,
            created_at: m.created_at,
            updated_at: m.updated_at,
        }
    }
}

impl MeetingNotice {
    /// Back to the meeting calendars are written from; None when a stored word or zone
    /// no longer reads (the email then goes without its attachment).
    pub fn calendar_meeting(&self) -> Option<crate::meetings::CalendarMeeting> {
        use crate::meetings::{CalendarMeeting, MeetingKind, MeetingStatus};
        Some(CalendarMeeting {
            id: self.meeting_id,
            title: self.title.clone(),
            kind: MeetingKind::from_stored(&self.kind).ok()?,
            status: MeetingStatus::from_stored(&self.status).ok()?,
            starts_at: self.starts_at,
            ends_at: self.ends_at,
            time_zone: self.time_zone.parse().ok()?,
            location: self.location.clone(),
            facilitator: self.facilitator.clone(),
            description: self.description.clone(),
            sequence: self.sequence,
            updated_at: self.updated_at,
            created_at: self.created_at,
        })
    }
}

impl Payload {
    pub fn kind(&self) -> EventKind {
        match self {
            Payload::KudosReceived { .. } => EventKind::KudosReceived,
            Payload::TrophyReceived { .. } => EventKind::TrophyReceived,
            Payload::ComplimentReceived { .. } => EventKind::ComplimentReceived,
            Payload::GoalReviewed { .. } => EventKind::GoalReviewed,
            Payload::IdeaAnswered { .. } => EventKind::IdeaAnswered,
            Payload::GoalWaiting { .. } => EventKind::GoalWaiting,
            Payload::EvaluationWaiting { .. } => EventKind::EvaluationWaiting,
            Payload::SelfEvaluationOpened { .. } => EventKind::SelfEvaluationOpened,
            Payload::SelfEvaluationReminder { .. } => EventKind::SelfEvaluationReminder,
            Payload::MeetingPublished { .. } => EventKind::MeetingPublished,
        }
    }
}

/// Writes the notifications of one event for `recipients`, in the event's transaction and
/// in one statement whatever their number: people who left, who turned the kind off, or
/// whose department has it off get nothing; the rest get an email row or a digest item.
pub async fn notify(
    txn: &WriteTxn,
    payload: &Payload,
    recipients: &[i32],
    about: Option<About>,
    now: DateTime<Utc>,
) -> AppResult<()> {
    if recipients.is_empty() {
        return Ok(());
    }
    write(
        txn,
        payload,
        Recipients::Listed(recipients),
        None,
        about,
        now,
        now,
    )
    .await?;
    Ok(())
}

/// Who hears of an event when the database chooses them: so an event that reaches the
/// whole department binds no list of thousands of ids, and reads who is who at the
/// moment it is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    /// Everyone active, advisors included: who sees published meetings.
    Everyone,
    /// Everyone active who keeps records of their own (not advisors): who must write a
    /// self-evaluation (the same people as `reviews::unfinished_in` counts).
    Members,
    /// `Members` whose self-evaluation of the cycle is not submitted (not started, a
    /// draft, or reopened).
    NotSubmitted { cycle_id: i32 },
}

impl Audience {
    /// `SELECT q.id FROM people q …`, its values bound in `p`.
    fn subquery(self, p: &mut Params) -> String {
        let active = p.bind(true);
        match self {
            Audience::Everyone => format!("SELECT q.id FROM people q WHERE q.active = {active}"),
            Audience::Members => {
                let advisor = p.bind(crate::people::Role::Advisor.as_str());
                format!(
                    "SELECT q.id FROM people q WHERE q.active = {active} AND q.role <> {advisor}"
                )
            }
            Audience::NotSubmitted { cycle_id } => {
                let advisor = p.bind(crate::people::Role::Advisor.as_str());
                let cycle = p.bind(cycle_id);
                let done = p.bind_all([
                    crate::reviews::EvaluationStatus::Submitted.as_str(),
                    crate::reviews::EvaluationStatus::Reviewed.as_str(),
                ]);
                format!(
                    "SELECT q.id FROM people q WHERE q.active = {active} AND q.role <> {advisor} \
                     AND NOT EXISTS (SELECT 1 FROM self_evaluations e \
                                     WHERE e.cycle_id = {cycle} AND e.person_id = q.id \
                                       AND e.status IN ({done}))"
                )
            }
        }
    }
}

/// `notify` for an `Audience` rather than a list (leaving out `except`, the person who
/// made the event happen): the same single `INSERT … SELECT`, with the people chosen by
/// a subquery in that statement, whatever their number.
pub async fn notify_audience(
    txn: &WriteTxn,
    payload: &Payload,
    audience: Audience,
    except: Option<i32>,
    about: Option<About>,
    now: DateTime<Utc>,
) -> AppResult<u64> {
    write(
        txn,
        payload,
        Recipients::Chosen(audience),
        except,
        about,
        now,
        now,
    )
    .await
}

/// How long a change to a published meeting waits before it is emailed: a facilitator
/// reworking the agenda makes several changes in a few minutes, and people hear of the
/// last one, once.
pub const MEETING_CHANGE_WAIT: Duration = Duration::minutes(10);

/// A change to a published meeting, for everyone but `except`: what earlier changes left
/// unsent (and unclaimed) is superseded, and the new emails wait `MEETING_CHANGE_WAIT`,
/// so a burst of edits is one email each, telling the meeting as it stands after the last.
pub async fn notify_meeting_change(
    txn: &WriteTxn,
    payload: &Payload,
    meeting_id: i64,
    except: Option<i32>,
    now: DateTime<Utc>,
) -> AppResult<u64> {
    let about = About::MeetingChange(meeting_id);
    let (kind, id) = about.parts();
    let mut p = Params::new();
    let at = p.bind(now);
    let reason = p.bind(SUPERSEDED);
    let kind = p.bind(kind);
    let id = p.bind(id);
    let sql = format!(
        "UPDATE outbox SET gave_up_at = {at}, last_error = {reason} \
         WHERE about_kind = {kind} AND about_id = {id} \
           AND sent_at IS NULL AND gave_up_at IS NULL AND digest_id IS NULL \
           AND (claimed_until IS NULL OR claimed_until < {at})"
    );
    txn.execute_raw(p.statement(txn.get_database_backend(), sql))
        .await?;
    write(
        txn,
        payload,
        Recipients::Chosen(Audience::Everyone),
        except,
        Some(about),
        now,
        now + MEETING_CHANGE_WAIT,
    )
    .await
}

/// Why an earlier change's email never went.
pub const SUPERSEDED: &str = "superseded: a later change to the meeting is told instead";

/// Who an event is written for: ids the caller knows, or an audience the database picks.
enum Recipients<'a> {
    Listed(&'a [i32]),
    Chosen(Audience),
}

/// The one statement behind `notify` and `notify_audience`, written at `now` and first
/// tried at `not_before`; answers the rows written.
async fn write(
    txn: &WriteTxn,
    payload: &Payload,
    recipients: Recipients<'_>,
    except: Option<i32>,
    about: Option<About>,
    now: DateTime<Utc>,
    not_before: DateTime<Utc>,
) -> AppResult<u64> {
    let kind = payload.kind().as_str();
    let json = serde_json::to_string(payload)
        .map_err(|err| AppError::internal(anyhow::Error::new(err)))?;
    let (about_kind, about_id) = match about.map(About::parts) {
        Some((kind, id)) => (Some(kind.to_owned()), Some(id)),
        None => (None, None),
    };
    let mut p = Params::new();
    let kind_1 = p.bind(kind);
    let immediate = p.bind(Delivery::Immediate.as_str());
    let digest = p.bind(Delivery::Digest.as_str());
    let email = p.bind(Channel::Email.as_str());
    let digest_channel = p.bind(Channel::Digest.as_str());
    let about_kind = p.bind(about_kind);
    let about_id = p.bind(about_id);
    let payload = p.bind(json);
    let at = p.bind(now);
    let first_try = p.bind(not_before);
    let off = p.bind(Delivery::Off.as_str());
    let people = match recipients {
        Recipients::Listed(ids) => p.bind_all(ids.iter().copied()),
        Recipients::Chosen(audience) => audience.subquery(&mut p),
    };
    let except = match except {
        Some(id) => format!("AND p.id <> {}", p.bind(id)),
        None => String::new(),
    };
    let sql = format!(
        "INSERT INTO outbox (kind, channel, person_id, about_kind, about_id, payload, \
                             created_at, next_attempt_at, attempts) \
         SELECT {kind_1}, \
                CASE COALESCE(np.delivery, {immediate}) WHEN {digest} THEN {digest_channel} ELSE {email} END, \
                p.id, {about_kind}, {about_id}, {payload}, {at}, {first_try}, 0 \
         FROM people p \
         LEFT JOIN notification_preferences np ON np.person_id = p.id AND np.kind = {kind_1} \
         WHERE p.id IN ({people}) AND p.active {except} \
           AND COALESCE(np.delivery, {immediate}) <> {off} \
           AND NOT EXISTS (SELECT 1 FROM notification_switches s \
                           WHERE s.kind = {kind_1} AND NOT s.enabled) \
         ORDER BY p.id"
    );
    let result = txn
        .execute_raw(p.statement(txn.get_database_backend(), sql))
        .await?;
    Ok(result.rows_affected())
}

/// Withdraws what has not gone yet about an item the cio just hid, in the hiding's
/// transaction: a hidden item is never sent, and never repeated in a digest. What has
/// gone stays gone (an email cannot be taken back). Chat webhooks' deliveries about it
/// are withdrawn in the same way.
pub async fn withdraw(txn: &WriteTxn, about: About, now: DateTime<Utc>) -> AppResult<()> {
    // One statement per outbox: both keep `about_kind`/`about_id` and the delivery columns.
    for table in ["outbox", "webhook_outbox"] {
        let (kind, id) = about.parts();
        let mut p = Params::new();
        let at = p.bind(now);
        let reason = p.bind(about.withdrawn_because());
        let kind = p.bind(kind);
        let id = p.bind(id);
        let sql = format!(
            "UPDATE {table} SET gave_up_at = {at}, last_error = {reason} \
             WHERE about_kind = {kind} AND about_id = {id} \
               AND sent_at IS NULL AND gave_up_at IS NULL"
        );
        txn.execute_raw(p.statement(txn.get_database_backend(), sql))
            .await?;
    }
    Ok(())
}

/// Whether a claimed row was withdrawn (its item hidden, its meeting cancelled) since it
/// was claimed: the senders ask right before each email or post, so the window in which
/// a hidden item still goes is the time of one send, not of a whole batch. `table` is
/// `outbox` or `webhook_outbox`.
pub(crate) async fn withdrawn_since_claim(
    db: &Db,
    table: &'static str,
    id: i64,
) -> AppResult<bool> {
    let conn = db.conn();
    let mut p = Params::new();
    let id = p.bind(id);
    let sql = format!("SELECT id FROM {table} WHERE id = {id} AND gave_up_at IS NOT NULL");
    Ok(conn
        .query_one_raw(p.statement(conn.get_database_backend(), sql))
        .await?
        .is_some())
}

/// Why a withdrawn notification never went.
pub const WITHDRAWN: &str = "withdrawn: the cio hid the item before it was sent";
/// Why a meeting's publication was never posted.
pub const WITHDRAWN_CANCELLED: &str = "withdrawn: the meeting was cancelled before it was sent";

/// One person's choices, kind by kind, with the department's switch beside each.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Preference {
    pub kind: EventKind,
    pub delivery: Delivery,
    /// The cio has the kind on for the department; off, nobody hears of it.
    pub department_on: bool,
}

#[derive(FromQueryResult)]
struct ChoiceRow {
    kind: String,
    delivery: Option<String>,
    enabled: Option<bool>,
}

/// The actor's own choices for every kind (immediate where they never chose).
pub async fn preferences(db: &Db, actor: &Actor) -> AppResult<Vec<Preference>> {
    policy::check(actor.principal(), Action::ManageOwnAccount)?;
    preferences_of(db.conn(), actor.person_id).await
}

async fn preferences_of(conn: &impl ConnectionTrait, person_id: i32) -> AppResult<Vec<Preference>> {
    // Every kind, with the person's row and the switch when they exist: one statement
    // over a small VALUES list rather than three reads merged in code.
    let mut p = Params::new();
    let kinds: Vec<String> = EventKind::all()
        .into_iter()
        .map(|k| format!("({})", p.bind(k.as_str())))
        .collect();
    let person = p.bind(person_id);
    let sql = format!(
        "SELECT k.kind AS kind, np.delivery AS delivery, s.enabled AS enabled \
         FROM (SELECT column1 AS kind FROM (VALUES {}) AS v) AS k \
         LEFT JOIN notification_preferences np ON np.kind = k.kind AND np.person_id = {person} \
         LEFT JOIN notification_switches s ON s.kind = k.kind",
        kinds.join(", ")
    );
    let rows = ChoiceRow::find_by_statement(p.statement(conn.get_database_backend(), sql))
        .all(conn)
        .await?;
    let mut choices = Vec::with_capacity(rows.len());
    for row in rows {
        choices.push(Preference {
            kind: EventKind::from_stored(&row.kind)?,
            delivery: match row.delivery {
                Some(word) => Delivery::from_stored(&word)?,
                None => Delivery::Immediate,
            },
            department_on: row.enabled.unwrap_or(true),
        });
    }
    choices.sort_by_key(|c| EventKind::all().iter().position(|k| *k == c.kind));
    Ok(choices)
}

/// A change of one's choices: kind word → delivery word. Kinds left out keep theirs.
pub type PreferenceChanges = Vec<(String, String)>;

/// Sets the actor's choices; every word is checked before anything is written, and an
/// unknown kind or delivery names the field (`preferences.<kind>`).
pub async fn set_preferences(
    db: &Db,
    actor: &Actor,
    changes: PreferenceChanges,
    now: DateTime<Utc>,
) -> AppResult<Vec<Preference>> {
    policy::check(actor.principal(), Action::ManageOwnAccount)?;
    let parsed = parse_choices(&changes)?;
    let txn = db.write().await?;
    set_choices(&txn, actor.person_id, &parsed, now).await?;
    let result = preferences_of(&txn, actor.person_id).await?;
    txn.commit().await?;
    Ok(result)
}

fn parse_choices(changes: &PreferenceChanges) -> AppResult<Vec<(EventKind, Delivery)>> {
    let mut errors = Errors::default();
    let mut parsed = Vec::with_capacity(changes.len());
    for (kind, delivery) in changes {
        let field = format!("preferences.{kind}");
        let kind = errors.check(field.clone(), EventKind::parse_word(kind));
        let delivery = errors.check(field, Delivery::parse_word(delivery));
        if let (Some(kind), Some(delivery)) = (kind, delivery) {
            // A kind named twice takes its last choice (one upsert cannot touch a row twice).
            parsed.retain(|(k, _): &(EventKind, Delivery)| *k != kind);
            parsed.push((kind, delivery));
        }
    }
    errors.finish()?;
    Ok(parsed)
}

/// Writes choices in one statement (an upsert of every row).
async fn set_choices(
    txn: &WriteTxn,
    person_id: i32,
    choices: &[(EventKind, Delivery)],
    now: DateTime<Utc>,
) -> AppResult<()> {
    if choices.is_empty() {
        return Ok(());
    }
    let mut p = Params::new();
    let rows: Vec<String> = choices
        .iter()
        .map(|(kind, delivery)| {
            format!(
                "({}, {}, {}, {})",
                p.bind(person_id),
                p.bind(kind.as_str()),
                p.bind(delivery.as_str()),
                p.bind(now)
            )
        })
        .collect();
    let sql = format!(
        "INSERT INTO notification_preferences (person_id, kind, delivery, changed_at) \
         VALUES {} \
         ON CONFLICT (person_id, kind) DO UPDATE \
         SET delivery = excluded.delivery, changed_at = excluded.changed_at",
        rows.join(", ")
    );
    txn.execute_raw(p.statement(txn.get_database_backend(), sql))
        .await?;
    Ok(())
}

/// The topic a signed unsubscribe link names, with the link's own path (for its form):
/// anything forged (another person, another topic, a wrong signature) is a 404.
pub async fn unsubscribe_link(
    db: &Db,
    person_id: i32,
    kind: &str,
    signature: &str,
) -> AppResult<(Topic, String)> {
    let key = crate::calendar::links::installation_key(db).await?;
    let topic = unsubscribe::verify(&key, person_id, kind, signature)?;
    Ok((topic, unsubscribe::path(&key, person_id, topic)?))
}

/// Turns one kind off for one person, or the whole weekly digest, from a signed
/// unsubscribe link (no sign-in: the signature is the authority, checked here). The
/// person must still exist.
pub async fn unsubscribe(
    db: &Db,
    person_id: i32,
    kind: &str,
    signature: &str,
    now: DateTime<Utc>,
) -> AppResult<Topic> {
    let (topic, _) = unsubscribe_link(db, person_id, kind, signature).await?;
    let txn = db.write().await?;
    let exists = txn
        .query_one_raw(Statement::from_sql_and_values(
            txn.get_database_backend(),
            "SELECT id FROM people WHERE id = $1",
            [person_id.into()],
        ))
        .await?
        .is_some();
    if !exists {
        return Err(AppError::NotFound);
    }
    match topic {
        Topic::Event(kind) => set_choices(&txn, person_id, &[(kind, Delivery::Off)], now).await?,
        Topic::WeeklyDigest => digest::unsubscribe(&txn, person_id, now).await?,
    }
    txn.commit().await?;
    Ok(topic)
}

/// The department's switch for one kind, as the cio sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Switch {
    pub kind: EventKind,
    pub on: bool,
}

#[derive(FromQueryResult)]
struct SwitchRow {
    kind: String,
    enabled: bool,
}

/// The department's switches (the cio).
pub async fn switches(db: &Db, actor: &Actor) -> AppResult<Vec<Switch>> {
    policy::check(actor.principal(), Action::ManageNotifications)?;
    switches_in(db.conn()).await
}

async fn switches_in(conn: &impl ConnectionTrait) -> AppResult<Vec<Switch>> {
    let rows = SwitchRow::find_by_statement(Statement::from_string(
        conn.get_database_backend(),
        "SELECT kind, enabled FROM notification_switches",
    ))
    .all(conn)
    .await?;
    let mut result = Vec::new();
    for kind in EventKind::all() {
        let on = rows
            .iter()
            .find(|r| r.kind == kind.as_str())
            .is_none_or(|r| r.enabled);
        result.push(Switch { kind, on });
    }
    Ok(result)
}

/// Turns kinds on or off for the whole department (the cio); kinds left out stay as
/// they are. Unknown kinds name their field (`switches.<kind>`).
pub async fn set_switches(
    db: &Db,
    actor: &Actor,
    changes: Vec<(String, bool)>,
    now: DateTime<Utc>,
) -> AppResult<Vec<Switch>> {
    policy::check(actor.principal(), Action::ManageNotifications)?;
    let mut errors = Errors::default();
    let mut parsed = Vec::new();
    for (kind, on) in &changes {
        if let Some(kind) = errors.check(format!("switches.{kind}"), EventKind::parse_word(kind)) {
            parsed.retain(|(k, _): &(EventKind, bool)| *k != kind);
            parsed.push((kind, *on));
        }
    }
    errors.finish()?;
    let txn = db.write().await?;
    if !parsed.is_empty() {
        let mut p = Params::new();
        let rows: Vec<String> = parsed
            .iter()
            .map(|(kind, on)| {
                format!(
                    "({}, {}, {}, {})",
                    p.bind(kind.as_str()),
                    p.bind(*on),
                    p.bind(now),
                    p.bind(actor.person_id)
                )
            })
            .collect();
        let sql = format!(
            "INSERT INTO notification_switches (kind, enabled, changed_at, changed_by_id) \
             VALUES {} \
             ON CONFLICT (kind) DO UPDATE SET enabled = excluded.enabled, \
             changed_at = excluded.changed_at, changed_by_id = excluded.changed_by_id",
            rows.join(", ")
        );
        txn.execute_raw(p.statement(txn.get_database_backend(), sql))
            .await?;
    }
    let result = switches_in(&txn).await?;
    txn.commit().await?;
    Ok(result)
}

/// Where one notification stands (worked out from the row, never stored).
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
pub enum Status {
    /// Waiting for its first attempt or a retry.
    #[strum(message = "Waiting")]
    Waiting,
    /// Waiting for the weekly digest.
    #[strum(message = "Waiting for the digest")]
    InDigest,
    #[strum(message = "Sent")]
    Sent,
    /// Given up: failed for a day, or withdrawn.
    #[strum(message = "Gave up")]
    GaveUp,
}

/// One outbox row, as the cio sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notification {
    pub id: i64,
    pub kind: Topic,
    pub channel: Channel,
    pub person_id: i32,
    pub person_name: String,
    pub created_at: DateTime<Utc>,
    pub status: Status,
    pub attempts: i32,
    pub next_attempt_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
    pub gave_up_at: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
}

#[derive(FromQueryResult)]
struct OutboxRow {
    id: i64,
    kind: String,
    channel: String,
    person_id: i32,
    person_name: String,
    created_at: DateTime<Utc>,
    attempts: i32,
    next_attempt_at: DateTime<Utc>,
    sent_at: Option<DateTime<Utc>>,
    gave_up_at: Option<DateTime<Utc>>,
    last_error: Option<String>,
}

/// The outbox, newest first, for the cio: what went, what waits, what failed and why.
pub struct Outbox {
    pub notifications: crate::paging::Page<Notification>,
    /// Waiting and given-up counts over the whole outbox.
    pub waiting: i64,
    pub gave_up: i64,
}

#[derive(FromQueryResult)]
struct OutboxCounts {
    waiting: i64,
    gave_up: i64,
}

/// The outbox page after `after` (a cursor from the last page), `limit` rows.
pub async fn outbox(
    db: &Db,
    actor: &Actor,
    limit: Option<u64>,
    after: Option<&str>,
) -> AppResult<Outbox> {
    policy::check(actor.principal(), Action::ManageNotifications)?;
    let limit = crate::paging::limit(limit)?;
    let before_id: Option<i64> = after.map(crate::paging::decode_cursor).transpose()?;
    let conn = db.conn();
    let backend = conn.get_database_backend();
    let mut p = Params::new();
    let cursor = match before_id {
        Some(id) => format!("WHERE o.id < {}", p.bind(id)),
        None => String::new(),
    };
    let sql = format!(
        "SELECT o.id, o.kind, o.channel, o.person_id, p.name AS person_name, o.created_at, \
                o.attempts, o.next_attempt_at, o.sent_at, o.gave_up_at, o.last_error \
         FROM outbox o JOIN people p ON p.id = o.person_id \
         {cursor} ORDER BY o.id DESC LIMIT {}",
        limit + 1
    );
    let rows = OutboxRow::find_by_statement(p.statement(backend, sql))
        .all(conn)
        .await?;
    let counts = OutboxCounts::find_by_statement(Statement::from_string(
        backend,
        // Two counts, each answered by its partial index (the queue, the failures)
        // rather than one pass over every notification ever sent.
        "SELECT \
           (SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL AND gave_up_at IS NULL) AS waiting, \
           (SELECT COUNT(*) FROM outbox WHERE gave_up_at IS NOT NULL) AS gave_up",
    ))
    .one(conn)
    .await?
    .ok_or_else(|| AppError::internal(anyhow::anyhow!("the outbox counts read nothing")))?;
    let mut notifications = Vec::with_capacity(rows.len());
    for row in rows {
        let channel = Channel::from_stored(&row.channel)?;
        let status = if row.sent_at.is_some() {
            Status::Sent
        } else if row.gave_up_at.is_some() {
            Status::GaveUp
        } else if channel == Channel::Digest {
            Status::InDigest
        } else {
            Status::Waiting
        };
        notifications.push(Notification {
            id: row.id,
            kind: Topic::from_stored(&row.kind)?,
            channel,
            person_id: row.person_id,
            person_name: row.person_name,
            created_at: row.created_at,
            status,
            attempts: row.attempts,
            next_attempt_at: row.next_attempt_at,
            sent_at: row.sent_at,
            gave_up_at: row.gave_up_at,
            last_error: row.last_error,
        });
    }
    Ok(Outbox {
        notifications: crate::paging::finish(notifications, limit, |n| n.id),
        waiting: counts.waiting,
        gave_up: counts.gave_up,
    })
}

/// How long a failing notification is retried before the sender gives up on it.
pub const GIVE_UP_AFTER: Duration = Duration::hours(24);

/// The wait before attempt `attempts + 1`: 30 seconds doubling to at most an hour, so a
/// mail server down for a minute costs a minute, and one down all day is not hammered.
pub fn backoff(attempts: i32) -> Duration {
    let exponent = attempts.clamp(1, 8) - 1;
    let seconds = 30_i64 << exponent;
    Duration::seconds(seconds.min(3600))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_word_has_a_label() {
        crate::validate::assert_labelled::<EventKind>();
        crate::validate::assert_labelled::<Delivery>();
        crate::validate::assert_labelled::<Channel>();
        crate::validate::assert_labelled::<Status>();
    }

    #[test]
    fn retries_back_off_to_an_hour() {
        assert_eq!(backoff(1), Duration::seconds(30));
        assert_eq!(backoff(2), Duration::seconds(60));
        assert_eq!(backoff(5), Duration::seconds(480));
        assert_eq!(backoff(8), Duration::seconds(3600));
        assert_eq!(backoff(40), Duration::seconds(3600));
    }
}
