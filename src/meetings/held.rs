//! The meetings held over a span of time and what came of them, for the summaries: the
//! questions explored and the points of agreement and disagreement. Held meetings are
//! published ones, which everyone signed in reads. Three queries whatever their number.

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};

use super::{ItemKind, MeetingKind, MeetingStatus, outcomes::PointKind};
use crate::{
    entities::{meeting, meeting_item, meeting_point},
    error::AppResult,
    validate::Word,
};

#[derive(Debug, Clone, PartialEq)]
pub struct HeldMeeting {
    pub id: i64,
    pub kind: MeetingKind,
    pub title: String,
    pub starts_at: DateTime<Utc>,
    /// Its question items, and any other item with points recorded, in agenda order.
    pub explored: Vec<Explored>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Explored {
    pub title: String,
    pub prompt: String,
    pub is_question: bool,
    pub agreements: Vec<String>,
    pub disagreements: Vec<String>,
}

/// The meetings held that started from `from` (inclusive) to `to` (exclusive), oldest
/// first (no policy: held meetings were published, and everyone signed in reads them).
pub async fn held_between(
    conn: &impl ConnectionTrait,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> AppResult<Vec<HeldMeeting>> {
    let meetings = meeting::Entity::find()
        .filter(meeting::Column::Status.eq(MeetingStatus::Held.as_str()))
        .filter(meeting::Column::StartsAt.gte(from))
        .filter(meeting::Column::StartsAt.lt(to))
        .order_by_asc(meeting::Column::StartsAt)
        .order_by_asc(meeting::Column::Id)
        .all(conn)
        .await?;
    if meetings.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<i64> = meetings.iter().map(|m| m.id).collect();
    let items = meeting_item::Entity::find()
        .filter(meeting_item::Column::MeetingId.is_in(ids))
        .order_by_asc(meeting_item::Column::MeetingId)
        .order_by_asc(meeting_item::Column::Position)
        .all(conn)
        .await?;
    let item_ids: Vec<i64> = items.iter().map(|i| i.id).collect();
    let points = if item_ids.is_empty() {
        Vec::new()
    } else {
        meeting_point::Entity::find()
            .filter(meeting_point::Column::ItemId.is_in(item_ids))
            .order_by_asc(meeting_point::Column::Id)
            .all(conn)
            .await?
    };
    let mut held = Vec::with_capacity(meetings.len());
    for m in meetings {
        let mut explored = Vec::new();
        for item in items.iter().filter(|i| i.meeting_id == m.id) {
            let of = |kind: PointKind| -> Vec<String> {
                points
                    .iter()
                    .filter(|p| p.item_id == item.id && p.kind == kind.as_str())
                    .map(|p| p.text.clone())
                    .collect()
            };
            let is_question = item.kind == ItemKind::Question.as_str();
            let agreements = of(PointKind::Agreement);
            let disagreements = of(PointKind::Disagreement);
            if is_question || !agreements.is_empty() || !disagreements.is_empty() {
                explored.push(Explored {
                    title: item.title.clone(),
                    prompt: item.prompt.clone(),
                    is_question,
                    agreements,
                    disagreements,
                });
            }
        }
        held.push(HeldMeeting {
            id: m.id,
            kind: MeetingKind::from_stored(&m.kind)?,
            title: m.title,
            starts_at: m.starts_at,
            explored,
        });
    }
    Ok(held)
}
