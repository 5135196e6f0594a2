//! The portal and its feed: every kind of recognition read together, newest first, in a
//! fixed number of queries; and a person's recognition for their profile.

use chrono::{DateTime, Utc};
use sea_orm::EntityTrait;

use super::{
    Announcement, Compliment, Kudos, Newest, NotebookEntry, Reader, Trophy, announcements,
    kudos::{kudos_rows, kudos_wall},
    notices::{announcement_rows, compliment_rows, compliments_about},
    trophies,
};
use crate::{
    db::{Db, Params},
    entities::person,
    error::{AppError, AppResult},
    paging::{self, Page},
};

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
    /// The next published meeting, for the panel signed-in readers see.
    pub next_meeting: Option<crate::meetings::NextMeeting>,
    /// The latest published annual report, for every reader of the portal.
    pub latest_report: Option<crate::summaries::reports::ReportRef>,
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
        compliments: compliment_rows(
            db.conn(),
            "",
            Params::new(),
            PORTAL_COMPLIMENTS,
            Newest::ById,
        )
        .await?,
        announcements: announcements(db, reader, Some(PORTAL_ANNOUNCEMENTS), None)
            .await?
            .items,
        next_meeting: crate::meetings::next_published(db.conn(), Utc::now()).await?,
        latest_report: crate::summaries::reports::newest(db.conn()).await?,
    })
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
/// (created_at, rank, id) descending; the cursor's instant and id are bound in `params`.
fn after_cursor(
    alias: &str,
    rank: u8,
    (at, cursor_rank, id): (DateTime<Utc>, u8, i64),
    params: &mut Params,
) -> String {
    use std::cmp::Ordering;
    let at = params.bind(at);
    match rank.cmp(&cursor_rank) {
        Ordering::Less => format!("AND {alias}.created_at <= {at}"),
        Ordering::Equal => {
            let id = params.bind(id);
            format!(
                "AND ({alias}.created_at < {at} OR ({alias}.created_at = {at} AND {alias}.id < {id}))"
            )
        }
        Ordering::Greater => format!("AND {alias}.created_at < {at}"),
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
    let cursor =
        cursor.map(|(nanos, rank, id)| (DateTime::<Utc>::from_timestamp_nanos(nanos), rank, id));
    let take = FEED_PAGE + 1;
    let conn = db.conn();
    // Each source's query binds its own copy of the cursor.
    let after = |alias: &str, own: u8| {
        let mut params = Params::new();
        let filter = cursor.map_or_else(String::new, |cursor| {
            after_cursor(alias, own, cursor, &mut params)
        });
        (filter, params)
    };
    // Each query orders by time: ids need not follow time (imports, the demo).
    let (filter, params) = after("k", 0);
    let kudos = kudos_rows(conn, &filter, params, take, Newest::ByTime).await?;
    let (filter, params) = after("e", 1);
    let entries = trophies::visible_entries_by_time(conn, &filter, params, take).await?;
    let (filter, params) = after("c", 2);
    let compliments = compliment_rows(conn, &filter, params, take, Newest::ByTime).await?;
    let (filter, params) = after("a", 3);
    let announcements = announcement_rows(conn, &filter, params, take, Newest::ByTime).await?;
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
    let mut params = Params::new();
    let filter = format!(
        "AND k.id IN (SELECT kudos_id FROM kudos_recipients WHERE person_id = {})",
        params.bind(person_id)
    );
    Ok(PersonRecognition {
        kudos: kudos_rows(db.conn(), &filter, params, PROFILE_ITEMS, Newest::ById).await?,
        compliments: compliments_about(db, reader, person_id, PROFILE_ITEMS).await?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_feed_cursor_orders_kinds_within_an_instant() {
        let cursor = (Utc::now(), 1, 7);
        let mut params = Params::new();
        assert_eq!(
            after_cursor("k", 0, cursor, &mut params),
            "AND k.created_at <= $1"
        );
        let mut params = Params::new();
        assert_eq!(
            after_cursor("e", 1, cursor, &mut params),
            "AND (e.created_at < $1 OR (e.created_at = $1 AND e.id < $2))"
        );
        let mut params = Params::new();
        params.bind(0);
        assert_eq!(
            after_cursor("a", 3, cursor, &mut params),
            "AND a.created_at < $2",
            "numbered after what the caller bound"
        );
    }
}
