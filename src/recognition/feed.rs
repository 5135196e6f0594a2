//! The portal and its feed: every kind of recognition read together, newest first, in a
//! fixed number of queries; and a person's recognition for their profile.

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{ConnectionTrait, DbBackend, EntityTrait};
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
            // A row value, which both backends read as a range of the (created_at, id)
            // index; spelt out with OR, PostgreSQL scanned from the newest row and
            // filtered, so a deep page cost more the deeper it was.
            format!("AND ({alias}.created_at, {alias}.id) < ({at}, {id})")
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
/// after the cursor, newest first and keyset-limited (only keys, on the source's index of
/// visible rows by time), are merged and cut to the page in the database (`f`); then each
/// item is joined to its own kind's columns and people's names (and, for kudos, their
/// recipients, `kudos::recipients_json`) and written as one JSON object, and the page is
/// gathered into one JSON array (`db::json_agg`). So a single value crosses from the
/// database, rather than a row per item with every kind's columns.
///
/// The objects are made in the same select that gathers them, not in a subquery per kind:
/// SQLite forgets that a subquery's value is JSON, and reading every object again as JSON
/// (`db::nested_json`) cost a sixth of the statement (benches/README.md, the feed's second
/// page). So each kind's joins are outer joins on an id that is NULL for the other kinds
/// (`CASE WHEN f.source = … THEN f.id END`), which both backends skip without a lookup.
async fn read_feed(db: &Db, after: Option<&str>) -> AppResult<Page<FeedItem>> {
    let cursor: Option<(i64, u8, i64)> = after.map(paging::decode_cursor).transpose()?;
    let cursor =
        cursor.map(|(nanos, rank, id)| (DateTime::<Utc>::from_timestamp_nanos(nanos), rank, id));
    let mut params = Params::new();
    let take = super::limit_sql(FEED_PAGE + 1);
    let backend = db.backend();
    let mut sources = Vec::with_capacity(FEED_SOURCES.len());
    for (rank, table) in FEED_SOURCES {
        let filter = cursor.map_or_else(String::new, |cursor| {
            after_cursor("s", rank, cursor, &mut params)
        });
        // Each source orders by time: ids need not follow time (imports, the demo).
        let source = format!(
            "SELECT {rank} AS source, s.id, s.created_at FROM {table} s
                WHERE s.hidden_at IS NULL {filter}"
        );
        sources.push(match backend {
            // PostgreSQL does not merge sources whose order includes a constant: each
            // is cut to the page in its own index first (else it sorts every row).
            DbBackend::Postgres => format!(
                "SELECT * FROM ({source} ORDER BY s.created_at DESC, s.id DESC LIMIT {take}) s{rank}"
            ),
            // SQLite merges the sources of a compound select in its ORDER BY, each read
            // in its index and only as far as the page needs: cheaper than cutting each
            // to a page and sorting the four pages (benches/README.md).
            _ => source,
        });
    }
    let merged = sources.join(" UNION ALL ");
    let merged = match backend {
        DbBackend::Postgres => format!(
            "SELECT * FROM ({merged}) merged ORDER BY created_at DESC, source DESC, id DESC LIMIT {take}"
        ),
        _ => format!("{merged} ORDER BY created_at DESC, source DESC, id DESC LIMIT {take}"),
    };
    // Each item: its id and time, and its own kind's fields in one nested object, made
    // in the same expression (so SQLite nests it as JSON without reading it again).
    let object = |kind: &str, fields: &[(&str, &str)]| {
        let fields = db::json_object(backend, fields);
        db::json_object(
            backend,
            &[
                ("id", "f.id"),
                ("created_at", "f.created_at"),
                (kind, &fields),
            ],
        )
    };
    let recipients = recipients_json(backend, "k");
    let kudos = object(
        "kudos",
        &[
            ("giver_id", "k.giver_id"),
            ("giver_name", "kg.name"),
            ("message", "k.message"),
            ("value_tags", "k.value_tags"),
            ("recipients", &recipients),
        ],
    );
    let entries = object(
        "entry",
        &[
            ("trophy_id", "e.trophy_id"),
            ("trophy_name", "t.name"),
            ("seq", "e.seq"),
            ("kind", "e.kind"),
            ("giver_id", "e.giver_id"),
            ("giver_name", "eg.name"),
            ("receiver_id", "e.receiver_id"),
            ("receiver_name", "er.name"),
            ("message", "e.message"),
        ],
    );
    let compliments = object(
        "compliment",
        &[
            ("person_id", "c.person_id"),
            ("person_name", "cp.name"),
            ("giver_name", "c.giver_name"),
            ("giver_affiliation", "c.giver_affiliation"),
            ("channel", "c.channel"),
            ("received_on", "c.received_on"),
            ("message", "c.message"),
        ],
    );
    let announcements = object(
        "announcement",
        &[
            ("kind", "a.kind"),
            ("title", "a.title"),
            ("body", "a.body"),
            ("posted_by_id", "a.posted_by_id"),
            ("posted_by_name", "ap.name"),
        ],
    );
    let page = db::json_agg(
        backend,
        &format!(
            "CASE f.source WHEN 0 THEN {kudos} WHEN 1 THEN {entries}
                WHEN 2 THEN {compliments} ELSE {announcements} END"
        ),
        "f.created_at DESC, f.source DESC, f.id DESC",
    );
    let of = |source: u8| format!("CASE WHEN f.source = {source} THEN f.id END");
    let (k, e, c, a) = (of(0), of(1), of(2), of(3));
    // MATERIALIZED: SQLite then cuts the page before the joins start rather than merging
    // the sources row by row between them; measurably faster (benches/README.md).
    let sql = format!(
        "WITH f AS MATERIALIZED ({merged})
         SELECT {page} AS page FROM f
         LEFT JOIN kudos k ON k.id = {k}
         LEFT JOIN people kg ON kg.id = k.giver_id
         LEFT JOIN notebook_entries e ON e.id = {e}
         LEFT JOIN trophies t ON t.id = e.trophy_id
         LEFT JOIN people er ON er.id = e.receiver_id
         LEFT JOIN people eg ON eg.id = e.giver_id
         LEFT JOIN compliments c ON c.id = {c}
         LEFT JOIN people cp ON cp.id = c.person_id
         LEFT JOIN announcements a ON a.id = {a}
         LEFT JOIN people ap ON ap.id = a.posted_by_id"
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

/// An item of the feed's statement: its id and time, and the fields of its own kind (the
/// other kinds are absent). Each kind's fields are boxed: a page's rows are read into a
/// vector that grows as it goes, and inline they made each row 700 bytes to move.
#[derive(Deserialize)]
struct FeedRow {
    id: i64,
    #[serde(deserialize_with = "crate::db::stored_instant")]
    created_at: DateTime<Utc>,
    kudos: Option<Box<KudosFields>>,
    entry: Option<Box<EntryFields>>,
    compliment: Option<Box<ComplimentFields>>,
    announcement: Option<Box<AnnouncementFields>>,
}

#[derive(Deserialize)]
struct KudosFields {
    giver_id: i32,
    giver_name: String,
    message: String,
    value_tags: String,
    recipients: Option<Vec<(i32, String)>>,
}

#[derive(Deserialize)]
struct EntryFields {
    trophy_id: i32,
    trophy_name: String,
    seq: i32,
    kind: String,
    giver_id: Option<i32>,
    giver_name: Option<String>,
    receiver_id: i32,
    receiver_name: String,
    /// Only visible entries are in the feed, and a visible entry has its words.
    message: String,
}

#[derive(Deserialize)]
struct ComplimentFields {
    person_id: i32,
    person_name: String,
    giver_name: String,
    giver_affiliation: String,
    channel: String,
    received_on: NaiveDate,
    message: String,
}

#[derive(Deserialize)]
struct AnnouncementFields {
    kind: String,
    title: String,
    body: String,
    posted_by_id: i32,
    posted_by_name: String,
}

impl FeedRow {
    fn into_item(self) -> AppResult<FeedItem> {
        let FeedRow { id, created_at, .. } = self;
        if let Some(k) = self.kudos {
            let k = *k;
            return Ok(FeedItem::Kudos(Kudos {
                id,
                giver: PersonRef {
                    id: k.giver_id,
                    name: k.giver_name,
                },
                recipients: kudos::recipients(k.recipients),
                message: k.message,
                values: split_tags(&k.value_tags),
                created_at,
            }));
        }
        if let Some(e) = self.entry {
            let e = *e;
            return Ok(FeedItem::Entry(NotebookEntry {
                id,
                trophy_id: e.trophy_id,
                trophy_name: e.trophy_name,
                seq: e.seq,
                kind: EntryKind::from_stored(&e.kind)?,
                giver: e
                    .giver_id
                    .zip(e.giver_name)
                    .map(|(id, name)| PersonRef { id, name }),
                receiver: PersonRef {
                    id: e.receiver_id,
                    name: e.receiver_name,
                },
                message: Some(e.message),
                created_at,
                hidden: None,
            }));
        }
        if let Some(c) = self.compliment {
            let c = *c;
            return Ok(FeedItem::Compliment(Compliment {
                id,
                person: PersonRef {
                    id: c.person_id,
                    name: c.person_name,
                },
                giver_name: c.giver_name,
                giver_affiliation: c.giver_affiliation,
                channel: Channel::from_stored(&c.channel)?,
                received_on: c.received_on,
                message: c.message,
                created_at,
                hidden: None,
            }));
        }
        if let Some(a) = self.announcement {
            let a = *a;
            return Ok(FeedItem::Announcement(Announcement {
                id,
                kind: AnnouncementKind::from_stored(&a.kind)?,
                title: a.title,
                body: a.body,
                posted_by: PersonRef {
                    id: a.posted_by_id,
                    name: a.posted_by_name,
                },
                created_at,
            }));
        }
        // The joins follow foreign keys read in the same snapshot: a bug in the statement.
        Err(AppError::internal(anyhow::anyhow!(
            "the feed's statement wrote item {id} without its kind's fields"
        )))
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
            "AND (e.created_at, e.id) < ($1, $2)"
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
