//! The agenda: ordered, timed items. Positions run 0, 1, 2… without gaps; every change of
//! order rewrites them in one transaction that holds the meeting's lock, so concurrent
//! moves serialize and the unique (meeting, position) index backs the rule. The time
//! budget puts a clock time on every item from the meeting's start.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, IntoActiveModel,
    QueryFilter, QueryOrder, QuerySelect, Set,
};

use super::{
    Meeting, MeetingStatus, NextMeeting, Rights, bank, bump, check_fits, ensure_open, outcomes,
    runnable, visible,
};
use crate::{
    auth::Actor,
    db::{Db, Params, WriteTxn},
    entities::{meeting, meeting_item},
    error::{AppError, AppResult},
    people::{self, PersonRef},
    plan::{self, ObjectiveRef},
    validate::{Bounded, Errors, RequiredText, Text, Title, Word},
};

/// What an agenda item is for.
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
pub enum ItemKind {
    #[strum(message = "Question to explore")]
    Question,
    #[strum(message = "Review")]
    Review,
    #[strum(message = "Planning")]
    Planning,
    #[strum(message = "New ideas")]
    Ideas,
    #[strum(message = "Recognition")]
    Recognition,
    #[strum(message = "Guest speaker")]
    Guest,
    #[strum(message = "Break")]
    Break,
    #[strum(message = "Other")]
    Other,
}

/// Minutes planned for one item: 1 to 480.
pub type PlannedMinutes = Bounded<1, 480>;
/// An item's prompt, such as "What are our values?".
pub type Prompt = Text<2000>;
/// A guest's name or department.
pub type GuestText = Text<200>;

#[derive(Debug, Clone)]
pub struct Item {
    pub id: i64,
    pub meeting_id: i64,
    pub position: i32,
    pub kind: ItemKind,
    pub title: String,
    pub prompt: String,
    pub planned_minutes: i32,
    pub owner: Option<PersonRef>,
    pub guest_name: String,
    pub guest_department: String,
    pub objective: Option<ObjectiveRef>,
    pub value_name: Option<String>,
    pub question_id: Option<i64>,
    pub started_at: Option<DateTime<Utc>>,
    pub ended_at: Option<DateTime<Utc>>,
    pub notes: String,
    pub deferred_at: Option<DateTime<Utc>>,
    pub carried_from_id: Option<i64>,
    /// Agreements, disagreements and decisions recorded under it, in the order written.
    pub points: Vec<outcomes::Point>,
    /// When it is planned to run, from the meeting's start and the items before it.
    pub planned_start: DateTime<Tz>,
    pub planned_end: DateTime<Tz>,
}

impl Item {
    /// Minutes it actually took, once started and ended.
    pub fn actual_minutes(&self) -> Option<i64> {
        Some((self.ended_at? - self.started_at?).num_minutes())
    }

    pub fn points_of(&self, kind: outcomes::PointKind) -> Vec<&str> {
        self.points
            .iter()
            .filter(|p| p.kind == kind)
            .map(|p| p.text.as_str())
            .collect()
    }

    pub fn has_outcome(&self) -> bool {
        !self.notes.is_empty() || !self.points.is_empty()
    }
}

/// An agenda item as typed, whole (adding and editing send every field).
#[derive(Debug, Clone, Default)]
pub struct ItemInput {
    pub kind: Option<String>,
    pub title: Option<String>,
    pub prompt: Option<String>,
    pub planned_minutes: Option<i64>,
    pub owner_id: Option<i32>,
    pub guest_name: Option<String>,
    pub guest_department: Option<String>,
    pub objective_id: Option<i32>,
    pub value_name: Option<String>,
    pub question_id: Option<i64>,
}

/// An agenda item, parsed and checked against the database.
#[derive(Debug, Clone)]
pub struct NewItem {
    pub kind: ItemKind,
    pub title: String,
    pub prompt: String,
    pub planned_minutes: PlannedMinutes,
    pub owner_id: Option<i32>,
    pub guest_name: String,
    pub guest_department: String,
    pub objective_id: Option<i32>,
    pub value_name: Option<String>,
    pub question_id: Option<i64>,
}

impl ItemInput {
    /// Parses the item, checking its owner, objective, value and question with the
    /// database; every problem is reported at once. A question taken from the bank
    /// lends the item its prompt, and its title when none is given.
    pub async fn parse(self, db: &Db, conn: &impl ConnectionTrait) -> AppResult<NewItem> {
        let mut errors = Errors::default();
        let kind = errors.word::<ItemKind>("kind", self.kind.as_deref());
        let question = match self.question_id {
            Some(id) => {
                let found = bank::prompt_of(conn, id).await?;
                if found.is_none() {
                    errors.add(
                        "question_id",
                        format!("There is no question with id {id} in the bank."),
                    );
                }
                found
            }
            None => None,
        };
        let raw_title = self.title.as_deref().unwrap_or("").trim();
        let title = if raw_title.is_empty()
            && let Some(prompt) = &question
        {
            Some(prompt.clone())
        } else {
            errors
                .check(
                    "title",
                    Title::parse_or(raw_title, "Give the item a title."),
                )
                .map(Title::into_string)
        };
        let raw_prompt = self.prompt.as_deref().unwrap_or("").trim();
        let prompt = if raw_prompt.is_empty() {
            Some(question.clone().unwrap_or_default())
        } else {
            errors
                .check("prompt", Prompt::parse(raw_prompt))
                .map(Prompt::into_string)
        };
        let planned_minutes = match self.planned_minutes {
            Some(minutes) => errors.check("planned_minutes", PlannedMinutes::parse(minutes)),
            None => {
                errors.add(
                    "planned_minutes",
                    "Give the minutes planned, from 1 to 480.",
                );
                None
            }
        };
        let guest_department = errors.check(
            "guest_department",
            GuestText::parse(self.guest_department.as_deref().unwrap_or("")),
        );
        let guest_name = if kind == Some(ItemKind::Guest) {
            errors
                .check(
                    "guest_name",
                    RequiredText::<200>::parse_or(
                        self.guest_name.as_deref().unwrap_or(""),
                        "Name the guest who speaks.",
                    ),
                )
                .map(RequiredText::into_string)
        } else {
            errors
                .check(
                    "guest_name",
                    GuestText::parse(self.guest_name.as_deref().unwrap_or("")),
                )
                .map(GuestText::into_string)
        };
        if let Some(id) = self.owner_id
            && !people::active_members(conn, [id]).await?.contains(&id)
        {
            errors.add(
                "owner_id",
                format!("There is no active member of the department with id {id}."),
            );
        }
        if let Some(id) = self.objective_id {
            match plan::objective_ref(conn, id).await? {
                None => errors.add(
                    "objective_id",
                    format!("There is no objective with id {id}."),
                ),
                Some(o) if o.retired => {
                    errors.add("objective_id", format!("{} has been retired.", o.code))
                }
                Some(_) => {}
            }
        }
        let value_name = self
            .value_name
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty());
        if let Some(value) = &value_name
            && !plan::active_values(db).await?.contains(value)
        {
            errors.add(
                "value_name",
                format!("\u{201c}{value}\u{201d} is not one of the active plan's values."),
            );
        }
        let (
            Some(kind),
            Some(title),
            Some(prompt),
            Some(planned_minutes),
            Some(guest_name),
            Some(guest_department),
        ) = (
            kind,
            title,
            prompt,
            planned_minutes,
            guest_name,
            guest_department,
        )
        else {
            return Err(errors.into_error());
        };
        errors.finish()?;
        Ok(NewItem {
            kind,
            title,
            prompt,
            planned_minutes,
            owner_id: self.owner_id,
            guest_name,
            guest_department: guest_department.into_string(),
            objective_id: self.objective_id,
            value_name,
            question_id: self.question_id,
        })
    }
}

/// Where the time goes: a clock time on every item, the total planned against the
/// meeting's length, and, once items are timed, how late the meeting runs.
#[derive(Debug, Clone)]
pub struct Budget {
    pub planned_minutes: i64,
    pub duration_minutes: i32,
    /// The planned end of the last item.
    pub planned_end: DateTime<Tz>,
    /// Minutes left in the meeting after the last item; negative when it overruns.
    pub left_minutes: i64,
    /// Minutes behind the plan (negative: ahead), from the latest item timed.
    pub late_minutes: Option<i64>,
    /// The end the agenda now points at, lateness included.
    pub projected_end: DateTime<Tz>,
}

impl Budget {
    pub fn over_minutes(&self) -> i64 {
        (-self.left_minutes).max(0)
    }

    pub fn is_over(&self) -> bool {
        self.left_minutes < 0
    }

    /// "Running late by 10 minutes", "Ahead by 5 minutes" or "On time", once items are
    /// timed.
    pub fn lateness(&self) -> Option<String> {
        let late = self.late_minutes?;
        let minutes = |n: i64| format!("{n} minute{}", if n == 1 { "" } else { "s" });
        Some(match late {
            0 => "On time".to_owned(),
            n if n > 0 => format!("Running late by {}", minutes(n)),
            n => format!("Ahead by {}", minutes(-n)),
        })
    }
}

/// Puts each item's planned start and end on the clock and works out the budget.
pub fn budget(meeting: &Meeting, items: &mut [Item]) -> Budget {
    let zone = meeting.zone;
    let mut at = meeting.starts_at;
    let mut late = None;
    for item in items.iter_mut() {
        let end = at + Duration::minutes(item.planned_minutes.into());
        item.planned_start = at.with_timezone(&zone);
        item.planned_end = end.with_timezone(&zone);
        if let Some(ended) = item.ended_at {
            late = Some((ended - end).num_minutes());
        } else if let Some(started) = item.started_at {
            late = Some((started - at).num_minutes());
        }
        at = end;
    }
    let planned: i64 = items.iter().map(|i| i64::from(i.planned_minutes)).sum();
    Budget {
        planned_minutes: planned,
        duration_minutes: meeting.duration_minutes,
        planned_end: at.with_timezone(&zone),
        left_minutes: i64::from(meeting.duration_minutes) - planned,
        late_minutes: late,
        projected_end: (at + Duration::minutes(late.unwrap_or(0))).with_timezone(&zone),
    }
}

/// An item the live view says should be running at `now`, by the plan.
#[derive(Debug, Clone)]
pub struct Slot {
    pub position: i32,
    pub title: String,
    pub ends: DateTime<Tz>,
}

/// A meeting with its agenda and what came out of it, as the agenda page shows it.
#[derive(Debug, Clone)]
pub struct Agenda {
    pub meeting: Meeting,
    pub rights: Rights,
    pub items: Vec<Item>,
    pub budget: Budget,
    /// Action items recorded at this meeting.
    pub actions: Vec<outcomes::ActionItem>,
    /// Open action items from earlier meetings of the same kind.
    pub open_actions: Vec<outcomes::ActionItem>,
    /// Items deferred from earlier meetings of the same kind, not taken up yet.
    pub backlog: Vec<Item>,
    pub attendees: Vec<PersonRef>,
}

impl Agenda {
    /// The item that should be running at `now` by the plan, if the meeting is on.
    pub fn due_now(&self, now: DateTime<Utc>) -> Option<&Item> {
        self.items
            .iter()
            .find(|i| i.planned_start <= now && now < i.planned_end)
    }

    pub fn is_overrun(&self) -> bool {
        self.budget.left_minutes < 0
    }

    /// The day a retreat with a review item starts (in the meeting's zone): its review
    /// looks back on the twelve months before it. None for any other meeting, so only a
    /// retreat's agenda reads a summary.
    pub fn year_in_review_start(&self) -> Option<chrono::NaiveDate> {
        let reviews = self.items.iter().any(|i| i.kind == ItemKind::Review);
        (self.meeting.kind == super::MeetingKind::Retreat && reviews)
            .then(|| self.meeting.local_start().date_naive())
    }
}

/// Item rows as items, with owners, objectives and points, in three queries; the planned
/// times are put on by `budget`.
async fn hydrate_items(
    conn: &impl ConnectionTrait,
    rows: Vec<meeting_item::Model>,
    names: &HashMap<i32, PersonRef>,
    zone: Tz,
) -> AppResult<Vec<Item>> {
    let objectives = plan::objective_refs(conn, rows.iter().filter_map(|r| r.objective_id)).await?;
    let mut points = outcomes::points_of(conn, rows.iter().map(|r| r.id)).await?;
    let epoch = DateTime::<Utc>::UNIX_EPOCH.with_timezone(&zone);
    rows.into_iter()
        .map(|r| {
            Ok(Item {
                kind: ItemKind::from_stored(&r.kind)?,
                owner: r.owner_id.map(|id| {
                    names.get(&id).cloned().unwrap_or(PersonRef {
                        id,
                        name: String::new(),
                    })
                }),
                objective: r.objective_id.and_then(|id| objectives.get(&id).cloned()),
                points: points.remove(&r.id).unwrap_or_default(),
                id: r.id,
                meeting_id: r.meeting_id,
                position: r.position,
                title: r.title,
                prompt: r.prompt,
                planned_minutes: r.planned_minutes,
                guest_name: r.guest_name,
                guest_department: r.guest_department,
                value_name: r.value_name,
                question_id: r.question_id,
                started_at: r.started_at,
                ended_at: r.ended_at,
                notes: r.notes,
                deferred_at: r.deferred_at,
                carried_from_id: r.carried_from_id,
                planned_start: epoch,
                planned_end: epoch,
            })
        })
        .collect()
}

async fn item_rows(
    conn: &impl ConnectionTrait,
    meeting_id: i64,
) -> AppResult<Vec<meeting_item::Model>> {
    Ok(meeting_item::Entity::find()
        .filter(meeting_item::Column::MeetingId.eq(meeting_id))
        .order_by_asc(meeting_item::Column::Position)
        .all(conn)
        .await?)
}

/// Deferred items of earlier meetings of this kind that no meeting has taken up yet.
async fn backlog_rows(
    conn: &impl ConnectionTrait,
    row: &meeting::Model,
) -> AppResult<Vec<meeting_item::Model>> {
    let backend = conn.get_database_backend();
    let mut p = Params::new();
    let sql = format!(
        "SELECT i.* FROM meeting_items i JOIN meetings m ON m.id = i.meeting_id \
         WHERE i.deferred_at IS NOT NULL AND m.kind = {kind} AND m.starts_at < {start} \
         AND NOT EXISTS (SELECT 1 FROM meeting_items c WHERE c.carried_from_id = i.id) \
         ORDER BY m.starts_at, i.position",
        kind = p.bind(row.kind.clone()),
        start = p.bind(row.starts_at),
    );
    Ok(
        meeting_item::Model::find_by_statement(p.statement(backend, sql))
            .all(conn)
            .await?,
    )
}

/// A meeting's agenda page: the meeting, its items on the clock, outcomes, open action
/// items of earlier meetings of its kind, the backlog and attendance. A fixed number of
/// queries whatever the number of items, points, actions and people.
pub async fn agenda(db: &Db, actor: &Actor, id: i64) -> AppResult<Agenda> {
    let conn = db.conn();
    let row = visible(conn, actor, id).await?;
    let rights = super::rights(actor, &row);
    let zone = super::zone_of(&row)?;
    let rows = item_rows(conn, id).await?;
    let backlog = backlog_rows(conn, &row).await?;
    let actions = outcomes::action_rows(conn, id).await?;
    let open_actions = outcomes::open_action_rows_before(conn, &row).await?;
    let attendee_ids = outcomes::attendee_ids(conn, id).await?;
    let names = people::refs(
        conn,
        row.facilitator_id
            .into_iter()
            .chain(rows.iter().chain(&backlog).filter_map(|r| r.owner_id))
            .chain(actions.iter().chain(&open_actions).map(|a| a.owner_id))
            .chain(attendee_ids.iter().copied()),
    )
    .await?;
    let meeting = super::to_meeting(row, &names)?;
    let mut all = rows;
    let own = all.len();
    all.extend(backlog);
    let mut items = hydrate_items(conn, all, &names, zone).await?;
    let backlog = items.split_off(own);
    let budget = budget(&meeting, &mut items);
    let mut attendees: Vec<PersonRef> = attendee_ids
        .iter()
        .filter_map(|id| names.get(id).cloned())
        .collect();
    attendees.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(Agenda {
        actions: outcomes::to_actions(actions, &names),
        open_actions: outcomes::to_actions(open_actions, &names),
        meeting,
        rights,
        items,
        budget,
        backlog,
        attendees,
    })
}

/// The minutes a meeting's items add up to.
pub(crate) async fn planned_total(conn: &impl ConnectionTrait, meeting_id: i64) -> AppResult<i64> {
    Ok(item_rows(conn, meeting_id)
        .await?
        .iter()
        .map(|i| i64::from(i.planned_minutes))
        .sum())
}

/// After an agenda change: a published meeting must still fit (the same 422 as on
/// publishing, about `field`), calendars see a new sequence, and everyone hears of the
/// published meeting's new agenda (but `actor`, who changed it).
async fn after_change(
    txn: &WriteTxn,
    actor: &Actor,
    meeting_id: i64,
    field: &str,
) -> AppResult<()> {
    let row = meeting::Entity::find_by_id(meeting_id)
        .one(txn)
        .await?
        .ok_or(AppError::NotFound)?;
    let published = MeetingStatus::from_stored(&row.status)? == MeetingStatus::Published;
    if published {
        let planned = planned_total(txn, meeting_id).await?;
        check_fits(planned, row.duration_minutes, field)?;
    }
    let row = bump(txn, row).await?;
    if published {
        super::announce(
            txn,
            actor,
            &row,
            crate::notifications::MeetingChange::Changed,
        )
        .await?;
    }
    Ok(())
}

/// Gives the meeting's items the positions 0, 1, 2… in the order of `ids`. Two
/// statements: every position is first moved out of the way, so the unique index never
/// sees two items on one position, whatever order the database updates rows in.
async fn renumber(txn: &WriteTxn, meeting_id: i64, ids: &[i64]) -> AppResult<()> {
    if ids.is_empty() {
        return Ok(());
    }
    let backend = txn.get_database_backend();
    let mut p = Params::new();
    let sql = format!(
        "UPDATE meeting_items SET position = -1 - position WHERE meeting_id = {}",
        p.bind(meeting_id)
    );
    txn.execute_raw(p.statement(backend, sql)).await?;
    let mut p = Params::new();
    let mut cases = String::new();
    for (position, id) in ids.iter().enumerate() {
        cases.push_str(&format!(
            " WHEN {} THEN {}",
            p.bind(*id),
            p.bind(position as i32)
        ));
    }
    let sql = format!(
        "UPDATE meeting_items SET position = CASE id{cases} END WHERE meeting_id = {}",
        p.bind(meeting_id)
    );
    txn.execute_raw(p.statement(backend, sql)).await?;
    Ok(())
}

fn item_model(meeting_id: i64, position: i32, item: NewItem) -> meeting_item::ActiveModel {
    meeting_item::ActiveModel {
        meeting_id: Set(meeting_id),
        position: Set(position),
        kind: Set(item.kind.as_str().to_owned()),
        title: Set(item.title),
        prompt: Set(item.prompt),
        planned_minutes: Set(item.planned_minutes.get() as i32),
        owner_id: Set(item.owner_id),
        guest_name: Set(item.guest_name),
        guest_department: Set(item.guest_department),
        objective_id: Set(item.objective_id),
        value_name: Set(item.value_name),
        question_id: Set(item.question_id),
        started_at: Set(None),
        ended_at: Set(None),
        notes: Set(String::new()),
        deferred_at: Set(None),
        carried_from_id: Set(None),
        ..Default::default()
    }
}

/// Inserts an item at the end of a meeting's agenda (inside a transaction that holds the
/// meeting's lock).
pub(crate) async fn append(
    txn: &WriteTxn,
    meeting_id: i64,
    item: NewItem,
    carried_from_id: Option<i64>,
) -> AppResult<meeting_item::Model> {
    let position = item_rows(txn, meeting_id).await?.len() as i32;
    let mut model = item_model(meeting_id, position, item);
    model.carried_from_id = Set(carried_from_id);
    Ok(model.insert(txn).await?)
}

/// Adds an item at the end of the agenda (the cio or the facilitator).
pub async fn add_item(db: &Db, actor: &Actor, meeting_id: i64, input: ItemInput) -> AppResult<i64> {
    let txn = db.write().await?;
    let row = runnable(&txn, actor, meeting_id).await?;
    let item = input.parse(db, &txn).await?;
    ensure_open(&row)?;
    let inserted = append(&txn, meeting_id, item, None).await?;
    after_change(&txn, actor, meeting_id, "planned_minutes").await?;
    txn.commit().await?;
    Ok(inserted.id)
}

/// The item's row and its meeting's, locked and checked for running; 404 when hidden.
async fn runnable_item(
    txn: &WriteTxn,
    actor: &Actor,
    item_id: i64,
) -> AppResult<(meeting::Model, meeting_item::Model)> {
    let meeting_id = meeting_item::Entity::find_by_id(item_id)
        .select_only()
        .column(meeting_item::Column::MeetingId)
        .into_tuple::<i64>()
        .one(txn)
        .await?
        .ok_or(AppError::NotFound)?;
    let meeting = runnable(txn, actor, meeting_id).await?;
    let item = meeting_item::Entity::find_by_id(item_id)
        .one(txn)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok((meeting, item))
}

/// The meeting an item belongs to, if the actor may see it; 404 otherwise.
pub async fn meeting_of_item(db: &Db, actor: &Actor, item_id: i64) -> AppResult<i64> {
    let row = meeting_item::Entity::find_by_id(item_id)
        .one(db.conn())
        .await?
        .ok_or(AppError::NotFound)?;
    visible(db.conn(), actor, row.meeting_id).await?;
    Ok(row.meeting_id)
}

/// Replaces an item's fields (the cio or the facilitator); its place and outcome stay.
pub async fn update_item(db: &Db, actor: &Actor, item_id: i64, input: ItemInput) -> AppResult<()> {
    let txn = db.write().await?;
    let (meeting, row) = runnable_item(&txn, actor, item_id).await?;
    let item = input.parse(db, &txn).await?;
    ensure_open(&meeting)?;
    let mut model = item_model(row.meeting_id, row.position, item);
    model.id = Set(row.id);
    model.started_at = Set(row.started_at);
    model.ended_at = Set(row.ended_at);
    model.notes = Set(row.notes);
    model.deferred_at = Set(row.deferred_at);
    model.carried_from_id = Set(row.carried_from_id);
    model.update(&txn).await?;
    after_change(&txn, actor, meeting.id, "planned_minutes").await?;
    txn.commit().await
}

/// Removes an item and what was recorded under it; the items after it move up.
pub async fn delete_item(db: &Db, actor: &Actor, item_id: i64) -> AppResult<i64> {
    let txn = db.write().await?;
    let (meeting, row) = runnable_item(&txn, actor, item_id).await?;
    ensure_open(&meeting)?;
    outcomes::forget_item(&txn, item_id).await?;
    meeting_item::Entity::delete_by_id(item_id)
        .exec(&txn)
        .await?;
    let ids: Vec<i64> = item_rows(&txn, meeting.id)
        .await?
        .iter()
        .map(|i| i.id)
        .collect();
    renumber(&txn, meeting.id, &ids).await?;
    let _ = row;
    after_change(&txn, actor, meeting.id, "planned_minutes").await?;
    txn.commit().await?;
    Ok(meeting.id)
}

/// Moves an item to `position` (0 is first); the others keep their order around it.
pub async fn move_item(db: &Db, actor: &Actor, item_id: i64, position: i64) -> AppResult<i64> {
    let txn = db.write().await?;
    let (meeting, _) = runnable_item(&txn, actor, item_id).await?;
    ensure_open(&meeting)?;
    let mut ids: Vec<i64> = item_rows(&txn, meeting.id)
        .await?
        .iter()
        .map(|i| i.id)
        .collect();
    let last = ids.len() as i64 - 1;
    if !(0..=last).contains(&position) {
        return Err(AppError::invalid(
            "position",
            format!("Use a number from 0 to {last}."),
        ));
    }
    ids.retain(|&id| id != item_id);
    ids.insert(position as usize, item_id);
    renumber(&txn, meeting.id, &ids).await?;
    after_change(&txn, actor, meeting.id, "position").await?;
    txn.commit().await?;
    Ok(meeting.id)
}

/// Moves an item one place up (`-1`) or down (`+1`), staying put at either end.
pub async fn shift_item(db: &Db, actor: &Actor, item_id: i64, by: i64) -> AppResult<i64> {
    let txn = db.write().await?;
    let (meeting, row) = runnable_item(&txn, actor, item_id).await?;
    ensure_open(&meeting)?;
    let mut ids: Vec<i64> = item_rows(&txn, meeting.id)
        .await?
        .iter()
        .map(|i| i.id)
        .collect();
    let from = i64::from(row.position);
    let to = (from + by).clamp(0, ids.len() as i64 - 1);
    if to != from {
        ids.swap(from as usize, to as usize);
        renumber(&txn, meeting.id, &ids).await?;
        after_change(&txn, actor, meeting.id, "position").await?;
    }
    txn.commit().await?;
    Ok(meeting.id)
}

/// Which end of an item is being timed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mark {
    Start,
    End,
}

/// Records when an item actually started or ended (the cio or the facilitator), during
/// or after a published meeting.
pub async fn mark_time(
    db: &Db,
    actor: &Actor,
    item_id: i64,
    mark: Mark,
    at: DateTime<Utc>,
) -> AppResult<i64> {
    let txn = db.write().await?;
    let (meeting, row) = runnable_item(&txn, actor, item_id).await?;
    if !matches!(
        MeetingStatus::from_stored(&meeting.status)?,
        MeetingStatus::Published | MeetingStatus::Held
    ) {
        return Err(AppError::conflict(
            "Items are timed while a published meeting runs.",
        ));
    }
    let mut model = row.clone().into_active_model();
    match mark {
        Mark::Start => model.started_at = Set(Some(at)),
        Mark::End => {
            let Some(started) = row.started_at else {
                return Err(AppError::conflict("Start the item before ending it."));
            };
            if at < started {
                return Err(AppError::invalid(
                    "at",
                    "An item cannot end before it started.",
                ));
            }
            model.ended_at = Set(Some(at));
        }
    }
    model.update(&txn).await?;
    txn.commit().await?;
    Ok(meeting.id)
}

/// Defers every item the meeting did not reach (never started) to the backlog of the
/// next meeting of its kind, in one action; answers how many were deferred.
pub async fn defer_unreached(db: &Db, actor: &Actor, meeting_id: i64) -> AppResult<u64> {
    let txn = db.write().await?;
    let meeting = runnable(&txn, actor, meeting_id).await?;
    if !matches!(
        MeetingStatus::from_stored(&meeting.status)?,
        MeetingStatus::Published | MeetingStatus::Held
    ) {
        return Err(AppError::conflict(
            "Items are deferred once a published meeting has run.",
        ));
    }
    let result = meeting_item::Entity::update_many()
        .col_expr(
            meeting_item::Column::DeferredAt,
            sea_orm::prelude::Expr::value(Utc::now()),
        )
        .filter(meeting_item::Column::MeetingId.eq(meeting_id))
        .filter(meeting_item::Column::StartedAt.is_null())
        .filter(meeting_item::Column::DeferredAt.is_null())
        .exec(&txn)
        .await?;
    txn.commit().await?;
    Ok(result.rows_affected)
}

/// Puts a deferred item of an earlier meeting of the same kind at the end of this
/// meeting's agenda.
pub async fn take_up(db: &Db, actor: &Actor, meeting_id: i64, deferred_id: i64) -> AppResult<()> {
    let txn = db.write().await?;
    let meeting = runnable(&txn, actor, meeting_id).await?;
    ensure_open(&meeting)?;
    let waiting: HashSet<i64> = backlog_rows(&txn, &meeting)
        .await?
        .iter()
        .map(|r| r.id)
        .collect();
    if !waiting.contains(&deferred_id) {
        return Err(AppError::invalid(
            "item_id",
            "That item is not waiting in this meeting's backlog.",
        ));
    }
    let Some(source) = meeting_item::Entity::find_by_id(deferred_id)
        .one(&txn)
        .await?
    else {
        return Err(AppError::NotFound);
    };
    let item = NewItem {
        kind: ItemKind::from_stored(&source.kind)?,
        title: source.title,
        prompt: source.prompt,
        planned_minutes: PlannedMinutes::parse(source.planned_minutes)
            .map_err(|e| AppError::internal(anyhow::anyhow!("stored minutes: {e}")))?,
        owner_id: source.owner_id,
        guest_name: source.guest_name,
        guest_department: source.guest_department,
        objective_id: source.objective_id,
        value_name: source.value_name,
        question_id: source.question_id,
    };
    append(&txn, meeting_id, item, Some(deferred_id)).await?;
    after_change(&txn, actor, meeting_id, "planned_minutes").await?;
    txn.commit().await
}

/// The next published meeting that has not ended, with the questions it will explore:
/// one query, so the portal's count stays fixed.
pub(crate) async fn next_published(
    conn: &impl ConnectionTrait,
    now: DateTime<Utc>,
) -> AppResult<Option<NextMeeting>> {
    #[derive(FromQueryResult)]
    struct Row {
        id: i64,
        title: String,
        starts_at: DateTime<Utc>,
        time_zone: String,
        duration_minutes: i32,
        location: String,
        item_title: Option<String>,
        prompt: Option<String>,
    }
    let backend = conn.get_database_backend();
    let mut p = Params::new();
    // The longest meeting lasts twelve hours: one that started earlier has ended. Of the
    // few candidates, the first that has not ended is the one (worked out below).
    let sql = format!(
        "SELECT m.id, m.title, m.starts_at, m.time_zone, m.duration_minutes, m.location, \
         i.title AS item_title, i.prompt FROM meetings m \
         LEFT JOIN meeting_items i ON i.meeting_id = m.id AND i.kind = {question} \
         WHERE m.id IN (SELECT id FROM meetings WHERE status = {published} AND starts_at > {cutoff} \
         ORDER BY starts_at, id LIMIT 3) \
         ORDER BY m.starts_at, m.id, i.position",
        question = p.bind(ItemKind::Question.as_str()),
        published = p.bind(MeetingStatus::Published.as_str()),
        cutoff = p.bind(now - Duration::hours(12)),
    );
    let rows = Row::find_by_statement(p.statement(backend, sql))
        .all(conn)
        .await?;
    let mut next: Option<NextMeeting> = None;
    for r in rows {
        if let Some(found) = &mut next {
            if found.id == r.id {
                if let Some(q) = question_text(r.item_title, r.prompt) {
                    found.questions.push(q);
                }
                continue;
            }
            break;
        }
        let ends = r.starts_at + Duration::minutes(r.duration_minutes.into());
        if ends <= now {
            continue;
        }
        let zone: Tz = r.time_zone.parse().unwrap_or(Tz::UTC);
        next = Some(NextMeeting {
            id: r.id,
            starts_at: r.starts_at.with_timezone(&zone),
            ends_at: ends.with_timezone(&zone),
            title: r.title,
            location: r.location,
            questions: question_text(r.item_title, r.prompt).into_iter().collect(),
        });
    }
    Ok(next)
}

/// A question item as the portal lists it: its prompt, or its title without one.
fn question_text(title: Option<String>, prompt: Option<String>) -> Option<String> {
    prompt.filter(|p| !p.is_empty()).or(title)
}

/// A meeting that discussed a value of the plan.
#[derive(Debug, Clone)]
pub struct DiscussedAt {
    pub meeting_id: i64,
    pub title: String,
    pub starts_at: DateTime<Utc>,
}

/// For every plan value linked by an agenda item of a published or held meeting, the
/// meetings that discussed it latest first: one query.
pub async fn discussing_values(db: &Db) -> AppResult<HashMap<String, Vec<DiscussedAt>>> {
    #[derive(FromQueryResult)]
    struct Row {
        value_name: String,
        id: i64,
        title: String,
        starts_at: DateTime<Utc>,
    }
    let conn = db.conn();
    let backend = conn.get_database_backend();
    let mut p = Params::new();
    let sql = format!(
        "SELECT DISTINCT i.value_name, m.id, m.title, m.starts_at FROM meeting_items i \
         JOIN meetings m ON m.id = i.meeting_id \
         WHERE i.value_name IS NOT NULL AND m.status IN ({}) \
         ORDER BY m.starts_at DESC, m.id DESC",
        p.bind_all([
            MeetingStatus::Published.as_str(),
            MeetingStatus::Held.as_str()
        ])
    );
    let rows = Row::find_by_statement(p.statement(backend, sql))
        .all(conn)
        .await?;
    let mut by_value: HashMap<String, Vec<DiscussedAt>> = HashMap::new();
    for r in rows {
        by_value.entry(r.value_name).or_default().push(DiscussedAt {
            meeting_id: r.id,
            title: r.title,
            starts_at: r.starts_at,
        });
    }
    Ok(by_value)
}
