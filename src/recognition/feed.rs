//! The portal and its feed: every kind of recognition read together, newest first, in a
//! fixed number of queries; and a person's recognition for their profile.

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{ConnectionTrait, EntityTrait};
use serde::Deserialize;

use super::{
    Announcement, AnnouncementKind, Channel, Compliment, EntryKind, Kudos, NotebookEntry, Reader,
    Trophy, announcements,
    kudos::{self, kudos_rows, kudos_wall, recipients_json, split_tags},
    notices::{compliment_rows, compliments_about},
    trophies,
};
use crate::{
    db::{self, Db, Params},
    entities::person,
    error::{AppError, AppResult},
    paging::{self, Page},
    people::PersonRef,
    validate::Word,
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
/// and entries: each list is one keyset-limited query. `after` pages the kudos wall. The
/// first page comes from `cache`, refreshed in the background once it is old (no request
/// waits for it, see `Shared::get_or_refresh`). A later page of the wall is read
/// afresh (one statement) and shown beside the rest of the shared first page (the
/// trophies, the notebook, the news…), which is the same on every page of the wall: so
/// paging the wall reads the wall only.
pub async fn portal(
    db: &Db,
    cache: &std::sync::Arc<PortalCache>,
    reader: Reader,
    after: Option<&str>,
) -> AppResult<std::sync::Arc<Portal>> {
    reader.check()?;
    let first = cache
        .get_or_refresh(db, move |db| async move { read_portal(&db, reader).await })
        .await?;
    if after.is_none() {
        return Ok(first);
    }
    let kudos = kudos_wall(db, reader, Some(PORTAL_KUDOS), after).await?;
    Ok(std::sync::Arc::new(Portal {
        trophies: first.trophies.clone(),
        notebook: first.notebook.clone(),
        kudos,
        compliments: first.compliments.clone(),
        announcements: first.announcements.clone(),
        next_meeting: first.next_meeting.clone(),
        latest_report: first.latest_report.clone(),
    }))
}

/// The portal's first page.
async fn read_portal(db: &Db, reader: Reader) -> AppResult<Portal> {
    Ok(Portal {
        trophies: trophies::cards(db, reader).await?,
        notebook: trophies::latest_entries(db.conn(), PORTAL_NOTEBOOK).await?,
        kudos: kudos_wall(db, reader, Some(PORTAL_KUDOS), None).await?,
        compliments: compliment_rows(db.conn(), "", Params::new(), PORTAL_COMPLIMENTS).await?,
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
/// page comes from `cache`, refreshed in the background once it is old.
pub async fn feed(
    db: &Db,
    cache: &std::sync::Arc<FeedCache>,
    reader: Reader,
    after: Option<&str>,
) -> AppResult<std::sync::Arc<Page<FeedItem>>> {
    reader.check()?;
    match after {
        None => {
            cache
                .get_or_refresh(db, |db| async move { read_feed(&db, None).await })
                .await
        }
        Some(_) => Ok(std::sync::Arc::new(read_feed(db, after).await?)),
    }
}

/// The feed's sources, each with its rank (`FeedItem::rank`) and its table.
const FEED_SOURCES: [(u8, &str); 4] = [
    (0, "kudos"),
    (1, "notebook_entries"),
    (2, "compliments"),
    (3, "announcements"),
];

/// One statement and one row for the page, whatever it holds: each source's visible rows
/// after the cursor, newest first and keyset-limited (only keys, on the source's
/// (created_at, id) index), are merged and cut to the page in the database (`f`); then
/// each kind's few rows of that page are joined to their own columns and people's names
/// (and, for kudos, their recipients, `kudos::recipients_json`) in a narrow select of
/// their own, one JSON object each, and the page is gathered into one JSON array
/// (`db::json_agg`). So a single value crosses from the database, rather than a row per
/// item with every kind's columns, each found through ten outer joins.
async fn read_feed(db: &Db, after: Option<&str>) -> AppResult<Page<FeedItem>> {
    let cursor: Option<(i64, u8, i64)> = after.map(paging::decode_cursor).transpose()?;
    let cursor =
        cursor.map(|(nanos, rank, id)| (DateTime::<Utc>::from_timestamp_nanos(nanos), rank, id));
    let mut params = Params::new();
    let take = super::limit_sql(FEED_PAGE + 1);
    let mut sources = Vec::with_capacity(FEED_SOURCES.len());
    for (rank, table) in FEED_SOURCES {
        let filter = cursor.map_or_else(String::new, |cursor| {
            after_cursor("s", rank, cursor, &mut params)
        });
        // Each source orders by time: ids need not follow time (imports, the demo).
        sources.push(format!(
            "SELECT * FROM (SELECT {rank} AS source, s.id, s.created_at FROM {table} s
                WHERE s.hidden_at IS NULL {filter}
                ORDER BY s.created_at DESC, s.id DESC LIMIT {take}) s{rank}"
        ));
    }
    let sources = sources.join(" UNION ALL ");
    let backend = db.backend();
    let object = |fields: &[(&str, &str)]| {
        let mut all = vec![
            ("source", "f.source"),
            ("id", "f.id"),
            ("created_at", "f.created_at"),
        ];
        all.extend_from_slice(fields);
        db::json_object(backend, &all)
    };
    let recipients = recipients_json(backend, "k");
    let kudos = object(&[
        ("k_giver_id", "k.giver_id"),
        ("k_giver_name", "kg.name"),
        ("k_message", "k.message"),
        ("k_value_tags", "k.value_tags"),
        ("k_recipients", &recipients),
    ]);
    let entries = object(&[
        ("e_trophy_id", "e.trophy_id"),
        ("e_trophy_name", "t.name"),
        ("e_seq", "e.seq"),
        ("e_kind", "e.kind"),
        ("e_giver_id", "e.giver_id"),
        ("e_giver_name", "eg.name"),
        ("e_receiver_id", "e.receiver_id"),
        ("e_receiver_name", "er.name"),
        ("e_message", "e.message"),
    ]);
    let compliments = object(&[
        ("c_person_id", "c.person_id"),
        ("c_person_name", "cp.name"),
        ("c_giver_name", "c.giver_name"),
        ("c_giver_affiliation", "c.giver_affiliation"),
        ("c_channel", "c.channel"),
        ("c_received_on", "c.received_on"),
        ("c_message", "c.message"),
    ]);
    let announcements = object(&[
        ("a_kind", "a.kind"),
        ("a_title", "a.title"),
        ("a_body", "a.body"),
        ("a_posted_by_id", "a.posted_by_id"),
        ("a_posted_by_name", "ap.name"),
    ]);
    let page = db::json_agg(
        backend,
        &db::nested_json(backend, "u.item"),
        "u.created_at DESC, u.source DESC, u.id DESC",
    );
    // `f` is read once by the four selects (MATERIALIZED, on both backends). CROSS JOIN
    // keeps SQLite's join order: the page's few rows first, each looked up by its key
    // (left free, SQLite may start from a table and probe `f`, scanning thousands of
    // rows); PostgreSQL reads it as the inner join it is.
    let sql = format!(
        "WITH f AS MATERIALIZED (
            SELECT * FROM ({sources}) merged
            ORDER BY created_at DESC, source DESC, id DESC LIMIT {take})
         SELECT {page} AS page FROM (
            SELECT f.source, f.id, f.created_at, {kudos} AS item
            FROM f CROSS JOIN kudos k CROSS JOIN people kg
            WHERE f.source = 0 AND k.id = f.id AND kg.id = k.giver_id
            UNION ALL
            SELECT f.source, f.id, f.created_at, {entries} AS item
            FROM f CROSS JOIN notebook_entries e CROSS JOIN trophies t
            CROSS JOIN people er LEFT JOIN people eg ON eg.id = e.giver_id
            WHERE f.source = 1 AND e.id = f.id AND t.id = e.trophy_id
              AND er.id = e.receiver_id
            UNION ALL
            SELECT f.source, f.id, f.created_at, {compliments} AS item
            FROM f CROSS JOIN compliments c CROSS JOIN people cp
            WHERE f.source = 2 AND c.id = f.id AND cp.id = c.person_id
            UNION ALL
            SELECT f.source, f.id, f.created_at, {announcements} AS item
            FROM f CROSS JOIN announcements a CROSS JOIN people ap
            WHERE f.source = 3 AND a.id = f.id AND ap.id = a.posted_by_id) u"
    );
    let row = db
        .conn()
        .query_one_raw(params.statement(backend, sql))
        .await?;
    let items = db::from_json_rows::<FeedRow>(row.as_ref(), "page")?
        .into_iter()
        .map(FeedRow::into_item)
        .collect::<AppResult<Vec<_>>>()?;
    Ok(paging::finish(items, FEED_PAGE, FeedItem::key))
}

/// An item of the feed's statement: its source, id and time, and the fields of its own
/// kind (the other kinds' are absent, which serde reads as None).
#[derive(Deserialize)]
struct FeedRow {
    source: i32,
    id: i64,
    #[serde(deserialize_with = "crate::db::stored_instant")]
    created_at: DateTime<Utc>,
    k_giver_id: Option<i32>,
    k_giver_name: Option<String>,
    k_message: Option<String>,
    k_value_tags: Option<String>,
    k_recipients: Option<Vec<(i32, String)>>,
    e_trophy_id: Option<i32>,
    e_trophy_name: Option<String>,
    e_seq: Option<i32>,
    e_kind: Option<String>,
    e_giver_id: Option<i32>,
    e_giver_name: Option<String>,
    e_receiver_id: Option<i32>,
    e_receiver_name: Option<String>,
    e_message: Option<String>,
    c_person_id: Option<i32>,
    c_person_name: Option<String>,
    c_giver_name: Option<String>,
    c_giver_affiliation: Option<String>,
    c_channel: Option<String>,
    c_received_on: Option<NaiveDate>,
    c_message: Option<String>,
    a_kind: Option<String>,
    a_title: Option<String>,
    a_body: Option<String>,
    a_posted_by_id: Option<i32>,
    a_posted_by_name: Option<String>,
}

/// A column the feed's statement always fills for an item of its kind (the joins follow
/// foreign keys, read in the same snapshot); missing, it is a bug in the statement.
fn present<T>(value: Option<T>, column: &str) -> AppResult<T> {
    value.ok_or_else(|| {
        AppError::internal(anyhow::anyhow!("the feed's statement left {column} empty"))
    })
}

impl FeedRow {
    fn into_item(self) -> AppResult<FeedItem> {
        let (id, created_at) = (self.id, self.created_at);
        Ok(match self.source {
            0 => FeedItem::Kudos(Kudos {
                id,
                giver: PersonRef {
                    id: present(self.k_giver_id, "k_giver_id")?,
                    name: present(self.k_giver_name, "k_giver_name")?,
                },
                recipients: kudos::recipients(self.k_recipients),
                message: present(self.k_message, "k_message")?,
                values: split_tags(&present(self.k_value_tags, "k_value_tags")?),
                created_at,
            }),
            1 => FeedItem::Entry(NotebookEntry {
                id,
                trophy_id: present(self.e_trophy_id, "e_trophy_id")?,
                trophy_name: present(self.e_trophy_name, "e_trophy_name")?,
                seq: present(self.e_seq, "e_seq")?,
                kind: EntryKind::from_stored(&present(self.e_kind, "e_kind")?)?,
                giver: self
                    .e_giver_id
                    .zip(self.e_giver_name)
                    .map(|(id, name)| PersonRef { id, name }),
                receiver: PersonRef {
                    id: present(self.e_receiver_id, "e_receiver_id")?,
                    name: present(self.e_receiver_name, "e_receiver_name")?,
                },
                // Only visible entries are in the feed.
                message: Some(present(self.e_message, "e_message")?),
                created_at,
                hidden: None,
            }),
            2 => FeedItem::Compliment(Compliment {
                id,
                person: PersonRef {
                    id: present(self.c_person_id, "c_person_id")?,
                    name: present(self.c_person_name, "c_person_name")?,
                },
                giver_name: present(self.c_giver_name, "c_giver_name")?,
                giver_affiliation: present(self.c_giver_affiliation, "c_giver_affiliation")?,
                channel: Channel::from_stored(&present(self.c_channel, "c_channel")?)?,
                received_on: present(self.c_received_on, "c_received_on")?,
                message: present(self.c_message, "c_message")?,
                created_at,
                hidden: None,
            }),
            3 => FeedItem::Announcement(Announcement {
                id,
                kind: AnnouncementKind::from_stored(&present(self.a_kind, "a_kind")?)?,
                title: present(self.a_title, "a_title")?,
                body: present(self.a_body, "a_body")?,
                posted_by: PersonRef {
                    id: present(self.a_posted_by_id, "a_posted_by_id")?,
                    name: present(self.a_posted_by_name, "a_posted_by_name")?,
                },
                created_at,
            }),
            other => {
                return Err(AppError::internal(anyhow::anyhow!(
                    "the feed's statement named an unknown source {other}"
                )));
            }
        })
    }
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
        kudos: kudos_rows(db.conn(), &filter, params, PROFILE_ITEMS).await?,
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
