//! Moderation: the cio hides an item from the portal and the feed, lists what is hidden,
//! and brings an item back. The item's hidden columns say how it stands now; every hiding
//! and unhiding is also written, in the same transaction, to `moderation_events`, which is
//! only ever added to, so bringing an item back never erases who hid it and why.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, QueryFilter,
    QueryOrder, Set,
};

use super::{Message, limit_sql};
use crate::{
    audit,
    auth::Actor,
    db::{Db, Params, WriteTxn},
    entities::{announcement, compliment, kudos as kudos_row, moderation_event, notebook_entry},
    error::{AppError, AppResult},
    notifications,
    paging::{self, Page},
    people::PersonRef,
    policy::{self, Action},
    validate::{Errors, Word},
};

/// What the cio can hide from the portal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hideable {
    Kudos(i64),
    NotebookEntry(i64),
    Compliment(i64),
    Announcement(i64),
}

/// The kinds of hideable items, as stored in the moderation record and sent by the API.
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
pub enum HiddenKind {
    #[strum(message = "Kudos")]
    Kudos,
    #[strum(message = "Notebook entry")]
    NotebookEntry,
    #[strum(message = "Compliment")]
    Compliment,
    #[strum(message = "Announcement")]
    Announcement,
}

impl HiddenKind {
    /// The order of kinds within one instant of the hidden list (and its cursor).
    fn rank(self) -> i32 {
        match self {
            HiddenKind::Kudos => 0,
            HiddenKind::NotebookEntry => 1,
            HiddenKind::Compliment => 2,
            HiddenKind::Announcement => 3,
        }
    }

    fn of_rank(rank: i32) -> AppResult<HiddenKind> {
        HiddenKind::all()
            .into_iter()
            .find(|kind| kind.rank() == rank)
            .ok_or_else(|| AppError::internal(anyhow::anyhow!("unknown hidden kind {rank}")))
    }

    /// How the person beside the item relates to it, for a list that names them.
    pub fn person_role(self) -> &'static str {
        match self {
            HiddenKind::Kudos | HiddenKind::NotebookEntry => "From",
            HiddenKind::Compliment => "About",
            HiddenKind::Announcement => "Posted by",
        }
    }
}

impl Hideable {
    pub fn new(kind: HiddenKind, id: i64) -> Hideable {
        match kind {
            HiddenKind::Kudos => Hideable::Kudos(id),
            HiddenKind::NotebookEntry => Hideable::NotebookEntry(id),
            HiddenKind::Compliment => Hideable::Compliment(id),
            HiddenKind::Announcement => Hideable::Announcement(id),
        }
    }

    pub fn kind(self) -> HiddenKind {
        match self {
            Hideable::Kudos(_) => HiddenKind::Kudos,
            Hideable::NotebookEntry(_) => HiddenKind::NotebookEntry,
            Hideable::Compliment(_) => HiddenKind::Compliment,
            Hideable::Announcement(_) => HiddenKind::Announcement,
        }
    }

    pub fn id(self) -> i64 {
        match self {
            Hideable::Kudos(id)
            | Hideable::NotebookEntry(id)
            | Hideable::Compliment(id)
            | Hideable::Announcement(id) => id,
        }
    }
}

/// Whether a moderation event hid an item or brought it back.
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
pub enum ModerationAction {
    #[strum(message = "Hidden")]
    Hide,
    #[strum(message = "Unhidden")]
    Unhide,
}

/// One line of an item's moderation record.
#[derive(Debug, Clone)]
pub struct ModerationEvent {
    pub item: Hideable,
    pub action: ModerationAction,
    pub by: PersonRef,
    pub at: DateTime<Utc>,
    pub reason: String,
}

/// An item hidden from the portal, as the cio's list shows it.
#[derive(Debug, Clone)]
pub struct HiddenItem {
    pub item: Hideable,
    /// Its words: a message, or an announcement's title.
    pub text: String,
    /// Who gave it, whom it is about, or who posted it (`HiddenKind::person_role`).
    pub person: Option<PersonRef>,
    pub created_at: DateTime<Utc>,
    pub hidden_at: DateTime<Utc>,
    /// Absent only if the person who hid it is no longer on record.
    pub hidden_by: Option<PersonRef>,
    pub reason: String,
}

impl HiddenItem {
    pub fn kind(&self) -> HiddenKind {
        self.item.kind()
    }

    pub fn id(&self) -> i64 {
        self.item.id()
    }

    /// The list's order, newest hidden first, and its cursor. The instant keeps its
    /// nanoseconds, as the feed's does: SQLite stores them.
    fn key(&self) -> (i64, i32, i64) {
        (
            self.hidden_at.timestamp_nanos_opt().unwrap_or(i64::MAX),
            self.kind().rank(),
            self.id(),
        )
    }
}

/// Hides an item from the portal and the feed, recording who, when and why on the item
/// and in the moderation record. It stays in the database. Hiding what is already hidden
/// is a 409. `now` is recorded as when.
pub async fn hide(
    db: &Db,
    actor: &Actor,
    item: Hideable,
    reason: Option<&str>,
    now: DateTime<Utc>,
) -> AppResult<()> {
    policy::check(actor.principal(), Action::ManageRecognition)?;
    let reason = parse_reason(reason)?;
    let txn = db.write().await?;
    set_hidden(&txn, item, Some((actor.person_id, &reason, now))).await?;
    // What has not been emailed or posted to chat about it yet never will be.
    let told = match item {
        Hideable::Kudos(id) => notifications::About::Kudos(id),
        Hideable::NotebookEntry(id) => notifications::About::NotebookEntry(id),
        Hideable::Compliment(id) => notifications::About::Compliment(id),
        Hideable::Announcement(id) => notifications::About::Announcement(id),
    };
    notifications::withdraw(&txn, told, now).await?;
    audit::record(
        &txn,
        Some(actor),
        audit_event(audit::Kind::ItemHidden, item)
            .change("hidden", false, true)
            .set("reason", reason.as_str()),
    )
    .await?;
    record(
        &txn,
        item,
        ModerationAction::Hide,
        actor.person_id,
        reason,
        now,
    )
    .await?;
    txn.commit().await
}

/// Brings a hidden item back to the portal and the feed: its hidden columns are cleared
/// and the unhiding, with `reason`, is added to the moderation record. The cio only
/// (404 for everyone else); 404 when there is no such item, 409 when it is not hidden.
pub async fn unhide(
    db: &Db,
    actor: &Actor,
    item: Hideable,
    reason: Option<&str>,
    now: DateTime<Utc>,
) -> AppResult<()> {
    policy::check(actor.principal(), Action::ReviewHiddenItems)?;
    let reason = parse_reason(reason)?;
    let txn = db.write().await?;
    set_hidden(&txn, item, None).await?;
    audit::record(
        &txn,
        Some(actor),
        audit_event(audit::Kind::ItemUnhidden, item)
            .change("hidden", true, false)
            .set("reason", reason.as_str()),
    )
    .await?;
    record(
        &txn,
        item,
        ModerationAction::Unhide,
        actor.person_id,
        reason,
        now,
    )
    .await?;
    txn.commit().await
}

/// The audit trail's event for moderating `item`.
fn audit_event(kind: audit::Kind, item: Hideable) -> audit::Event {
    audit::Event::new(
        kind,
        match item {
            Hideable::Kudos(id) => audit::Subject::Kudos(id),
            Hideable::NotebookEntry(id) => audit::Subject::NotebookEntry(id),
            Hideable::Compliment(id) => audit::Subject::Compliment(id),
            Hideable::Announcement(id) => audit::Subject::Announcement(id),
        },
    )
}

fn parse_reason(reason: Option<&str>) -> AppResult<Message> {
    let mut errors = Errors::default();
    match errors.check("reason", Message::parse(reason.unwrap_or(""))) {
        Some(reason) => Ok(reason),
        None => Err(errors.into_error()),
    }
}

/// Marks one row hidden by whom, why and when (`Some`) or shown again (`None`); 404 when
/// there is no such row, 409 when it already stands that way.
async fn set_hidden(
    txn: &WriteTxn,
    item: Hideable,
    hidden: Option<(i32, &Message, DateTime<Utc>)>,
) -> AppResult<()> {
    // Read, decide, write: two hides (or a hide and an unhide) of one item at once must
    // take turns, or on PostgreSQL both pass the check and the record says twice.
    let kind: &'static str = item.kind().into();
    txn.lock(&[format!("moderation:{kind}:{}", item.id())])
        .await?;
    macro_rules! set_hidden {
        ($entity:ident, $id:expr) => {{
            let row = $entity::Entity::find_by_id($id)
                .one(txn)
                .await?
                .ok_or(AppError::NotFound)?;
            match (row.hidden_at.is_some(), hidden.is_some()) {
                (true, true) => return Err(AppError::conflict("This is hidden already.")),
                (false, false) => {
                    return Err(AppError::conflict(
                        "This is not hidden: it is on the portal already.",
                    ));
                }
                _ => {}
            }
            let mut model: $entity::ActiveModel = row.into();
            model.hidden_at = Set(hidden.map(|(_, _, at)| at));
            model.hidden_by_id = Set(hidden.map(|(by, _, _)| by));
            model.hidden_reason = Set(hidden.map(|(_, reason, _)| reason.as_str().to_owned()));
            model.update(txn).await?;
        }};
    }
    match item {
        Hideable::Kudos(id) => {
            set_hidden!(kudos_row, id);
            // The summaries count only kudos on the portal.
            super::tallies::recount_kudos(txn, id).await?;
        }
        Hideable::NotebookEntry(id) => set_hidden!(notebook_entry, id),
        Hideable::Compliment(id) => set_hidden!(compliment, id),
        Hideable::Announcement(id) => set_hidden!(announcement, id),
    }
    Ok(())
}

/// Adds one line to the moderation record.
async fn record(
    txn: &WriteTxn,
    item: Hideable,
    action: ModerationAction,
    by: i32,
    reason: Message,
    at: DateTime<Utc>,
) -> AppResult<()> {
    moderation_event::ActiveModel {
        item_kind: Set(item.kind().as_str().to_owned()),
        item_id: Set(item.id()),
        action: Set(action.as_str().to_owned()),
        by_id: Set(by),
        acted_at: Set(at),
        reason: Set(reason.into_string()),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    Ok(())
}

#[derive(FromQueryResult)]
struct HiddenRow {
    rank: i32,
    id: i64,
    text: String,
    person_id: Option<i32>,
    person_name: Option<String>,
    created_at: DateTime<Utc>,
    hidden_at: DateTime<Utc>,
    hidden_by_id: Option<i32>,
    hidden_by_name: Option<String>,
    hidden_reason: Option<String>,
}

fn person_ref(id: Option<i32>, name: Option<String>) -> Option<PersonRef> {
    Some(PersonRef {
        id: id?,
        name: name?,
    })
}

impl HiddenRow {
    fn into_item(self) -> AppResult<HiddenItem> {
        Ok(HiddenItem {
            item: Hideable::new(HiddenKind::of_rank(self.rank)?, self.id),
            text: self.text,
            person: person_ref(self.person_id, self.person_name),
            created_at: self.created_at,
            hidden_at: self.hidden_at,
            hidden_by: person_ref(self.hidden_by_id, self.hidden_by_name),
            reason: self.hidden_reason.unwrap_or_default(),
        })
    }
}

/// The hidden items that pass `filter` (a WHERE clause over `h`, bound in `params`),
/// newest hidden first: one statement over the four kinds.
async fn hidden_rows(
    conn: &impl ConnectionTrait,
    filter: &str,
    params: Params,
    limit: u64,
) -> AppResult<Vec<HiddenItem>> {
    let take = limit_sql(limit);
    HiddenRow::find_by_statement(params.statement(
        conn.get_database_backend(),
        format!(
            "SELECT h.rank, h.id, h.text, h.person_id, pp.name AS person_name, h.created_at,
                    h.hidden_at, h.hidden_by_id, hb.name AS hidden_by_name, h.hidden_reason
             FROM (
               SELECT 0 AS rank, k.id, k.message AS text, k.giver_id AS person_id,
                      k.created_at, k.hidden_at, k.hidden_by_id, k.hidden_reason
               FROM kudos k WHERE k.hidden_at IS NOT NULL
               UNION ALL
               SELECT 1, e.id, e.message, COALESCE(e.giver_id, e.recorded_by_id),
                      e.created_at, e.hidden_at, e.hidden_by_id, e.hidden_reason
               FROM notebook_entries e WHERE e.hidden_at IS NOT NULL
               UNION ALL
               SELECT 2, c.id, c.message, c.person_id,
                      c.created_at, c.hidden_at, c.hidden_by_id, c.hidden_reason
               FROM compliments c WHERE c.hidden_at IS NOT NULL
               UNION ALL
               SELECT 3, a.id, a.title, a.posted_by_id,
                      a.created_at, a.hidden_at, a.hidden_by_id, a.hidden_reason
               FROM announcements a WHERE a.hidden_at IS NOT NULL
             ) h
             LEFT JOIN people pp ON pp.id = h.person_id
             LEFT JOIN people hb ON hb.id = h.hidden_by_id
             {filter}
             ORDER BY h.hidden_at DESC, h.rank DESC, h.id DESC
             LIMIT {take}"
        ),
    ))
    .all(conn)
    .await?
    .into_iter()
    .map(HiddenRow::into_item)
    .collect()
}

/// One hidden item, for the page that asks before bringing it back: 404 when there is no
/// such item (or the reader is not the cio), 409 when it is not hidden.
pub async fn hidden_item(db: &Db, actor: &Actor, item: Hideable) -> AppResult<HiddenItem> {
    policy::check(actor.principal(), Action::ReviewHiddenItems)?;
    let mut params = Params::new();
    let filter = format!(
        "WHERE h.rank = {} AND h.id = {}",
        params.bind(item.kind().rank()),
        params.bind(item.id())
    );
    match hidden_rows(db.conn(), &filter, params, 1).await?.pop() {
        Some(found) => Ok(found),
        None if item_exists(db.conn(), item).await? => Err(AppError::conflict(
            "This is not hidden: it is on the portal already.",
        )),
        None => Err(AppError::NotFound),
    }
}

/// Everything hidden from the portal, newest hidden first, paged with a keyset cursor
/// over (hidden at, kind, id): one statement over the four kinds. The cio only (404 for
/// everyone else).
pub async fn hidden_items(
    db: &Db,
    actor: &Actor,
    limit: Option<u64>,
    after: Option<&str>,
) -> AppResult<Page<HiddenItem>> {
    policy::check(actor.principal(), Action::ReviewHiddenItems)?;
    let limit = paging::limit(limit)?;
    let mut params = Params::new();
    let filter = match after {
        Some(cursor) => {
            let (nanos, rank, id): (i64, i32, i64) = paging::decode_cursor(cursor)?;
            let at = params.bind(DateTime::<Utc>::from_timestamp_nanos(nanos));
            let rank = params.bind(rank);
            let id = params.bind(id);
            format!(
                "WHERE h.hidden_at < {at} OR (h.hidden_at = {at} AND \
                 (h.rank < {rank} OR (h.rank = {rank} AND h.id < {id})))"
            )
        }
        None => String::new(),
    };
    let rows = hidden_rows(db.conn(), &filter, params, limit + 1).await?;
    Ok(paging::finish(rows, limit, HiddenItem::key))
}

/// One item's moderation record, oldest first: every hiding and unhiding, by whom, when
/// and why. The cio only (404 for everyone else); an item never moderated has none.
pub async fn moderation_history(
    db: &Db,
    actor: &Actor,
    item: Hideable,
) -> AppResult<Vec<ModerationEvent>> {
    policy::check(actor.principal(), Action::ReviewHiddenItems)?;
    let conn = db.conn();
    let events = moderation_event::Entity::find()
        .filter(moderation_event::Column::ItemKind.eq(item.kind().as_str()))
        .filter(moderation_event::Column::ItemId.eq(item.id()))
        .order_by_asc(moderation_event::Column::Id)
        .all(conn)
        .await?;
    let names = crate::people::refs(conn, events.iter().map(|e| e.by_id)).await?;
    events
        .into_iter()
        .map(|e| {
            Ok(ModerationEvent {
                item,
                action: ModerationAction::from_stored(&e.action)?,
                by: names.get(&e.by_id).cloned().unwrap_or(PersonRef {
                    id: e.by_id,
                    name: String::new(),
                }),
                at: e.acted_at,
                reason: e.reason,
            })
        })
        .collect()
}

/// Whether an item exists at all, hidden or not.
async fn item_exists(conn: &impl ConnectionTrait, item: Hideable) -> AppResult<bool> {
    Ok(match item {
        Hideable::Kudos(id) => kudos_row::Entity::find_by_id(id).one(conn).await?.is_some(),
        Hideable::NotebookEntry(id) => notebook_entry::Entity::find_by_id(id)
            .one(conn)
            .await?
            .is_some(),
        Hideable::Compliment(id) => compliment::Entity::find_by_id(id)
            .one(conn)
            .await?
            .is_some(),
        Hideable::Announcement(id) => announcement::Entity::find_by_id(id)
            .one(conn)
            .await?
            .is_some(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_and_action_has_a_label_and_a_rank() {
        crate::validate::assert_labelled::<HiddenKind>();
        crate::validate::assert_labelled::<ModerationAction>();
        for kind in HiddenKind::all() {
            assert_eq!(HiddenKind::of_rank(kind.rank()).unwrap(), kind);
            assert_eq!(Hideable::new(kind, 7).kind(), kind);
        }
    }
}
