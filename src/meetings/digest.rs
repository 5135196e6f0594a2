//! Reads other areas make of meetings without reading their tables: agenda items by id
//! (for links to them), and what published meetings came to (for the committee's page).

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, QueryFilter, QueryOrder,
};

use super::{ItemKind, MeetingStatus, outcomes};
use crate::{
    auth::Actor,
    db::Params,
    entities::meeting_item,
    error::AppResult,
    policy::{self, Action},
    validate::Word,
};

/// An agenda item as a link to it shows it.
#[derive(Debug, Clone)]
pub struct ItemRef {
    pub id: i64,
    pub meeting_id: i64,
    pub meeting_title: String,
    pub starts_at: DateTime<Utc>,
    pub title: String,
    pub kind: ItemKind,
}

#[derive(FromQueryResult)]
struct RefRow {
    id: i64,
    meeting_id: i64,
    title: String,
    kind: String,
    meeting_title: String,
    starts_at: DateTime<Utc>,
    published_at: Option<DateTime<Utc>>,
    facilitator_id: Option<i32>,
}

const REF_COLUMNS: &str = "SELECT i.id, i.meeting_id, i.title, i.kind, m.title AS meeting_title, \
     m.starts_at, m.published_at, m.facilitator_id FROM meeting_items i \
     JOIN meetings m ON m.id = i.meeting_id";

/// The rows whose meetings the actor may see, as references, in the rows' order.
fn visible_refs(actor: &Actor, rows: Vec<RefRow>) -> AppResult<Vec<ItemRef>> {
    let mut refs = Vec::with_capacity(rows.len());
    for r in rows {
        let may_see = policy::allows(
            actor.principal(),
            Action::ViewMeeting {
                was_published: r.published_at.is_some(),
                is_facilitator: r.facilitator_id == Some(actor.person_id),
            },
        );
        if may_see {
            refs.push(ItemRef {
                kind: ItemKind::from_stored(&r.kind)?,
                id: r.id,
                meeting_id: r.meeting_id,
                meeting_title: r.meeting_title,
                starts_at: r.starts_at,
                title: r.title,
            });
        }
    }
    Ok(refs)
}

/// Agenda items by id whose meetings the actor may see, in one query whatever their
/// number; ids nobody has, or items of meetings hidden from the actor, are left out.
pub async fn item_refs(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    ids: impl IntoIterator<Item = i64>,
) -> AppResult<HashMap<i64, ItemRef>> {
    let mut ids: Vec<i64> = ids.into_iter().collect();
    ids.sort_unstable();
    ids.dedup();
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let mut p = Params::new();
    let sql = format!("{REF_COLUMNS} WHERE i.id IN ({})", p.bind_all(ids));
    let rows = RefRow::find_by_statement(p.statement(conn.get_database_backend(), sql))
        .all(conn)
        .await?;
    Ok(visible_refs(actor, rows)?
        .into_iter()
        .map(|r| (r.id, r))
        .collect())
}

/// The ideas items of meetings that are not cancelled and the actor may see, latest
/// meeting first, for choosing one: one query.
pub async fn ideas_items(conn: &impl ConnectionTrait, actor: &Actor) -> AppResult<Vec<ItemRef>> {
    let mut p = Params::new();
    let sql = format!(
        "{REF_COLUMNS} WHERE i.kind = {} AND m.status <> {} \
         ORDER BY m.starts_at DESC, m.id DESC, i.position",
        p.bind(ItemKind::Ideas.as_str()),
        p.bind(MeetingStatus::Cancelled.as_str()),
    );
    let rows = RefRow::find_by_statement(p.statement(conn.get_database_backend(), sql))
        .all(conn)
        .await?;
    visible_refs(actor, rows)
}

/// What one agenda item came to: its notes and points.
#[derive(Debug, Clone)]
pub struct ItemOutcome {
    pub title: String,
    pub kind: ItemKind,
    pub notes: String,
    pub agreements: Vec<String>,
    pub disagreements: Vec<String>,
    pub decisions: Vec<String>,
}

/// For each of the given meetings, the items with an outcome recorded, in agenda order:
/// two queries whatever their number. The caller has read the meetings through `list` or
/// `get`, which decided who may see them.
pub async fn outcomes_of(
    conn: &impl ConnectionTrait,
    meeting_ids: &[i64],
) -> AppResult<HashMap<i64, Vec<ItemOutcome>>> {
    let mut by_meeting: HashMap<i64, Vec<ItemOutcome>> = HashMap::new();
    if meeting_ids.is_empty() {
        return Ok(by_meeting);
    }
    let items = meeting_item::Entity::find()
        .filter(meeting_item::Column::MeetingId.is_in(meeting_ids.iter().copied()))
        .order_by_asc(meeting_item::Column::MeetingId)
        .order_by_asc(meeting_item::Column::Position)
        .all(conn)
        .await?;
    let mut points = outcomes::points_of(conn, items.iter().map(|i| i.id)).await?;
    for item in items {
        let mine = points.remove(&item.id).unwrap_or_default();
        if item.notes.is_empty() && mine.is_empty() {
            continue;
        }
        let of = |kind| {
            mine.iter()
                .filter(|p| p.kind == kind)
                .map(|p| p.text.clone())
                .collect()
        };
        by_meeting
            .entry(item.meeting_id)
            .or_default()
            .push(ItemOutcome {
                kind: ItemKind::from_stored(&item.kind)?,
                agreements: of(outcomes::PointKind::Agreement),
                disagreements: of(outcomes::PointKind::Disagreement),
                decisions: of(outcomes::PointKind::Decision),
                title: item.title,
                notes: item.notes,
            });
    }
    Ok(by_meeting)
}
