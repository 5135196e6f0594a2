//! What came out of a meeting: per item, notes and points (agreements, disagreements,
//! decisions, each its own line); action items with an owner and a due date, which can
//! become a proposed goal of their owner; and who attended. The facilitator or the cio
//! records them.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, IntoActiveModel,
    QueryFilter, QueryOrder, Set,
};

use super::{MeetingStatus, runnable, visible};
use crate::{
    auth::Actor,
    cycles,
    db::{Db, Params, WriteTxn},
    entities::{meeting, meeting_action, meeting_attendee, meeting_item, meeting_point},
    error::{AppError, AppResult},
    goals::{self, GoalInput},
    people::{self, PersonRef},
    validate::{Errors, LongText, RequiredText, Word},
};

/// What a point recorded under an item says about the department.
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
pub enum PointKind {
    #[strum(message = "We agree")]
    Agreement,
    #[strum(message = "We still disagree")]
    Disagreement,
    #[strum(message = "Decision")]
    Decision,
}

#[derive(Debug, Clone)]
pub struct Point {
    pub id: i64,
    pub item_id: i64,
    pub kind: PointKind,
    pub text: String,
}

#[derive(Debug, Clone)]
pub struct ActionItem {
    pub id: i64,
    pub meeting_id: i64,
    pub item_id: Option<i64>,
    pub text: String,
    pub owner: PersonRef,
    pub due_on: Option<NaiveDate>,
    pub done_at: Option<DateTime<Utc>>,
    pub goal_id: Option<i32>,
    pub created_at: DateTime<Utc>,
}

/// One point: a line of at most 1,000 characters.
pub type PointText = RequiredText<1000>;
/// An action item's text.
pub type ActionText = RequiredText<500>;

/// Points of the given items, grouped by item in the order written: one query.
pub(crate) async fn points_of(
    conn: &impl ConnectionTrait,
    item_ids: impl IntoIterator<Item = i64>,
) -> AppResult<HashMap<i64, Vec<Point>>> {
    let ids: Vec<i64> = item_ids.into_iter().collect();
    let mut by_item: HashMap<i64, Vec<Point>> = HashMap::new();
    if ids.is_empty() {
        return Ok(by_item);
    }
    let rows = meeting_point::Entity::find()
        .filter(meeting_point::Column::ItemId.is_in(ids))
        .order_by_asc(meeting_point::Column::Id)
        .all(conn)
        .await?;
    for r in rows {
        by_item.entry(r.item_id).or_default().push(Point {
            kind: PointKind::from_stored(&r.kind)?,
            id: r.id,
            item_id: r.item_id,
            text: r.text,
        });
    }
    Ok(by_item)
}

pub(crate) async fn action_rows(
    conn: &impl ConnectionTrait,
    meeting_id: i64,
) -> AppResult<Vec<meeting_action::Model>> {
    Ok(meeting_action::Entity::find()
        .filter(meeting_action::Column::MeetingId.eq(meeting_id))
        .order_by_asc(meeting_action::Column::Id)
        .all(conn)
        .await?)
}

/// Open action items of earlier meetings of the same kind: they show at every later
/// meeting of that kind until they are done. One query.
pub(crate) async fn open_action_rows_before(
    conn: &impl ConnectionTrait,
    row: &meeting::Model,
) -> AppResult<Vec<meeting_action::Model>> {
    let backend = conn.get_database_backend();
    let mut p = Params::new();
    let sql = format!(
        "SELECT a.* FROM meeting_actions a JOIN meetings m ON m.id = a.meeting_id \
         WHERE a.done_at IS NULL AND m.kind = {} AND m.starts_at < {} AND m.status = {} \
         ORDER BY a.due_on, a.id",
        p.bind(row.kind.clone()),
        p.bind(row.starts_at),
        p.bind(MeetingStatus::Held.as_str()),
    );
    Ok(
        meeting_action::Model::find_by_statement(p.statement(backend, sql))
            .all(conn)
            .await?,
    )
}

pub(crate) async fn attendee_ids(
    conn: &impl ConnectionTrait,
    meeting_id: i64,
) -> AppResult<Vec<i32>> {
    Ok(meeting_attendee::Entity::find()
        .filter(meeting_attendee::Column::MeetingId.eq(meeting_id))
        .all(conn)
        .await?
        .into_iter()
        .map(|a| a.person_id)
        .collect())
}

pub(crate) fn to_actions(
    rows: Vec<meeting_action::Model>,
    names: &HashMap<i32, PersonRef>,
) -> Vec<ActionItem> {
    rows.into_iter()
        .map(|a| ActionItem {
            owner: names.get(&a.owner_id).cloned().unwrap_or(PersonRef {
                id: a.owner_id,
                name: String::new(),
            }),
            id: a.id,
            meeting_id: a.meeting_id,
            item_id: a.item_id,
            text: a.text,
            due_on: a.due_on,
            done_at: a.done_at,
            goal_id: a.goal_id,
            created_at: a.created_at,
        })
        .collect()
}

/// Before an item is deleted: its points go with it, its action items stay with the
/// meeting.
pub(crate) async fn forget_item(txn: &WriteTxn, item_id: i64) -> AppResult<()> {
    meeting_point::Entity::delete_many()
        .filter(meeting_point::Column::ItemId.eq(item_id))
        .exec(txn)
        .await?;
    meeting_action::Entity::update_many()
        .col_expr(
            meeting_action::Column::ItemId,
            sea_orm::prelude::Expr::value(Option::<i64>::None),
        )
        .filter(meeting_action::Column::ItemId.eq(item_id))
        .exec(txn)
        .await?;
    Ok(())
}

/// An item's outcome as typed: notes, and one line per point of each kind.
#[derive(Debug, Clone, Default)]
pub struct OutcomeInput {
    pub notes: Option<String>,
    pub agreements: Vec<String>,
    pub disagreements: Vec<String>,
    pub decisions: Vec<String>,
}

/// Lines typed in a text area, one point per line, blank lines dropped.
pub fn lines(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Records (replaces) an item's outcome: the cio or the facilitator, once the meeting is
/// published (during it or after).
pub async fn record_outcome(
    db: &Db,
    actor: &Actor,
    item_id: i64,
    input: OutcomeInput,
) -> AppResult<i64> {
    let mut errors = Errors::default();
    let notes = errors.check(
        "notes",
        LongText::parse(input.notes.as_deref().unwrap_or("")),
    );
    let mut points = Vec::new();
    for (field, kind, texts) in [
        ("agreements", PointKind::Agreement, &input.agreements),
        (
            "disagreements",
            PointKind::Disagreement,
            &input.disagreements,
        ),
        ("decisions", PointKind::Decision, &input.decisions),
    ] {
        for (n, text) in texts.iter().enumerate() {
            if text.trim().is_empty() {
                continue;
            }
            if let Some(t) = errors.check(format!("{field}[{n}]"), PointText::parse(text)) {
                points.push((kind, t.into_string()));
            }
        }
    }
    let Some(notes) = notes else {
        return Err(errors.into_error());
    };
    errors.finish()?;
    let txn = db.write().await?;
    let meeting_id = meeting_id_of_item(&txn, item_id).await?;
    let meeting = runnable(&txn, actor, meeting_id).await?;
    ensure_recordable(&meeting)?;
    let Some(item) = meeting_item::Entity::find_by_id(item_id).one(&txn).await? else {
        return Err(AppError::NotFound);
    };
    meeting_point::Entity::delete_many()
        .filter(meeting_point::Column::ItemId.eq(item_id))
        .exec(&txn)
        .await?;
    let now = Utc::now();
    if !points.is_empty() {
        meeting_point::Entity::insert_many(points.into_iter().map(|(kind, text)| {
            meeting_point::ActiveModel {
                item_id: Set(item_id),
                kind: Set(kind.as_str().to_owned()),
                text: Set(text),
                created_at: Set(now),
                ..Default::default()
            }
        }))
        .exec(&txn)
        .await?;
    }
    let mut model = item.into_active_model();
    model.notes = Set(notes.into_string());
    model.update(&txn).await?;
    txn.commit().await?;
    Ok(meeting_id)
}

async fn meeting_id_of_item(conn: &impl ConnectionTrait, item_id: i64) -> AppResult<i64> {
    Ok(meeting_item::Entity::find_by_id(item_id)
        .one(conn)
        .await?
        .ok_or(AppError::NotFound)?
        .meeting_id)
}

/// Outcomes are recorded once the meeting is published: as it runs and after it.
fn ensure_recordable(row: &meeting::Model) -> AppResult<()> {
    match MeetingStatus::from_stored(&row.status)? {
        MeetingStatus::Published | MeetingStatus::Held => Ok(()),
        MeetingStatus::Draft => Err(AppError::conflict(
            "Outcomes are recorded once the meeting is published.",
        )),
        MeetingStatus::Cancelled => Err(AppError::conflict("The meeting has been cancelled.")),
    }
}

/// An action item as typed.
#[derive(Debug, Clone, Default)]
pub struct ActionInput {
    pub text: Option<String>,
    pub owner_id: Option<i32>,
    pub due_on: Option<String>,
    pub item_id: Option<i64>,
}

/// Records an action item (the cio or the facilitator).
pub async fn add_action(
    db: &Db,
    actor: &Actor,
    meeting_id: i64,
    input: ActionInput,
) -> AppResult<i64> {
    let mut errors = Errors::default();
    let text = errors.check(
        "text",
        ActionText::parse_or(
            input.text.as_deref().unwrap_or(""),
            "Say what is to be done.",
        ),
    );
    let due_on = match input.due_on.as_deref().map(str::trim) {
        None | Some("") => Some(None),
        Some(raw) => errors.date("due_on", raw).map(Some),
    };
    let txn = db.write().await?;
    let meeting = runnable(&txn, actor, meeting_id).await?;
    match input.owner_id {
        None => errors.add("owner_id", "Choose who will do it."),
        Some(id) if !people::active_members(&txn, [id]).await?.contains(&id) => errors.add(
            "owner_id",
            format!("There is no active member of the department with id {id}."),
        ),
        Some(_) => {}
    }
    if let Some(item_id) = input.item_id
        && meeting_id_of_item(&txn, item_id).await.ok() != Some(meeting_id)
    {
        errors.add("item_id", "Choose an item of this meeting's agenda.");
    }
    let (Some(text), Some(due_on), Some(owner_id)) = (text, due_on, input.owner_id) else {
        return Err(errors.into_error());
    };
    errors.finish()?;
    ensure_recordable(&meeting)?;
    let row = meeting_action::ActiveModel {
        meeting_id: Set(meeting_id),
        item_id: Set(input.item_id),
        text: Set(text.into_string()),
        owner_id: Set(owner_id),
        due_on: Set(due_on),
        done_at: Set(None),
        goal_id: Set(None),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    txn.commit().await?;
    Ok(row.id)
}

/// Whether the actor may close or convert an action item: its owner, the cio, or the
/// facilitator of its meeting.
async fn action_for(
    txn: &WriteTxn,
    actor: &Actor,
    action_id: i64,
) -> AppResult<meeting_action::Model> {
    let Some(action) = meeting_action::Entity::find_by_id(action_id)
        .one(txn)
        .await?
    else {
        return Err(AppError::NotFound);
    };
    if action.owner_id == actor.person_id {
        visible(txn, actor, action.meeting_id).await?;
    } else {
        runnable(txn, actor, action.meeting_id).await?;
    }
    Ok(action)
}

/// Marks an action item done; answers its meeting.
pub async fn complete_action(db: &Db, actor: &Actor, action_id: i64) -> AppResult<i64> {
    let txn = db.write().await?;
    let action = action_for(&txn, actor, action_id).await?;
    let meeting_id = action.meeting_id;
    if action.done_at.is_none() {
        let mut model = action.into_active_model();
        model.done_at = Set(Some(Utc::now()));
        model.update(&txn).await?;
    }
    txn.commit().await?;
    Ok(meeting_id)
}

/// Turns an action item into a proposed goal of its owner in the current review cycle,
/// linked to `objective_id` (the goals service checks the objective and who may propose
/// for the owner); the action item remembers the goal. Answers the goal's id.
pub async fn make_goal(
    db: &Db,
    actor: &Actor,
    action_id: i64,
    objective_id: Option<i32>,
) -> AppResult<i32> {
    let action = {
        let Some(action) = meeting_action::Entity::find_by_id(action_id)
            .one(db.conn())
            .await?
        else {
            return Err(AppError::NotFound);
        };
        visible(db.conn(), actor, action.meeting_id).await?;
        action
    };
    if action.goal_id.is_some() {
        return Err(AppError::conflict("This action item is already a goal."));
    }
    let Some(cycle) = cycles::current(db, actor).await? else {
        return Err(AppError::conflict(
            "There is no review cycle open for new goals.",
        ));
    };
    // The goal and the action's link to it are written together or not at all.
    let txn = db.write().await?;
    let goal_id = goals::propose_as_step(
        &txn,
        actor,
        cycle.id,
        action.owner_id,
        GoalInput {
            objective_id,
            title: Some(action.text.chars().take(200).collect()),
            description: Some(format!("An action item from a meeting: {}", action.text)),
            category: Some("other".to_owned()),
            ..Default::default()
        },
    )
    .await?;
    // Whoever gets there first links it; a second attempt writes no second goal.
    let linked = meeting_action::Entity::update_many()
        .col_expr(
            meeting_action::Column::GoalId,
            sea_orm::prelude::Expr::value(Some(goal_id)),
        )
        .filter(meeting_action::Column::Id.eq(action_id))
        .filter(meeting_action::Column::GoalId.is_null())
        .exec(&txn)
        .await?;
    if linked.rows_affected == 0 {
        return Err(AppError::conflict("This action item is already a goal."));
    }
    txn.commit().await?;
    Ok(goal_id)
}

/// Sets who attended (the cio or the facilitator), replacing the list.
pub async fn set_attendance(
    db: &Db,
    actor: &Actor,
    meeting_id: i64,
    person_ids: Vec<i32>,
) -> AppResult<()> {
    let txn = db.write().await?;
    let meeting = runnable(&txn, actor, meeting_id).await?;
    ensure_recordable(&meeting)?;
    let wanted: HashSet<i32> = person_ids.iter().copied().collect();
    let known = people::refs(&txn, wanted.iter().copied()).await?;
    if let Some(unknown) = wanted.iter().find(|id| !known.contains_key(id)) {
        return Err(AppError::invalid(
            "person_ids",
            format!("There is nobody with id {unknown}."),
        ));
    }
    meeting_attendee::Entity::delete_many()
        .filter(meeting_attendee::Column::MeetingId.eq(meeting_id))
        .exec(&txn)
        .await?;
    if !wanted.is_empty() {
        meeting_attendee::Entity::insert_many(wanted.into_iter().map(|person_id| {
            meeting_attendee::ActiveModel {
                meeting_id: Set(meeting_id),
                person_id: Set(person_id),
            }
        }))
        .exec(&txn)
        .await?;
    }
    txn.commit().await
}
