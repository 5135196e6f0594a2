//! Trophies and their notebooks. Exactly one holder at any instant: the holder is a column
//! of the trophy's row and a pass is one conditional update on it (`… WHERE holder_id =
//! the passer`), so of two racing passes the database lets exactly one through, on SQLite
//! and on PostgreSQL, in one process or many. The notebook is append-only and numbered;
//! (trophy, seq) is unique, so its chain cannot fork either.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, QueryFilter,
    QueryOrder, Set, Statement, TransactionTrait,
};
use serde::Deserialize;

use super::{Hidden, NotebookMessage, Reader, hidden, limit_sql};
use crate::{
    audit,
    auth::Actor,
    db::{self, Db, Params, WriteTxn},
    entities::{notebook_entry, person, trophy},
    error::{AppError, AppResult},
    notifications,
    paging::{self, Page},
    people::{PersonRef, Role},
    policy::{self, Action},
    validate::{Errors, LongText, Title, Word},
};

#[derive(Debug, Clone)]
pub struct Trophy {
    pub id: i32,
    pub name: String,
    pub description: String,
    pub holder: PersonRef,
    pub held_since: DateTime<Utc>,
    /// How many entries its notebook has.
    pub entries: i32,
}

impl Trophy {
    /// Whole days with the current holder.
    pub fn days_held(&self) -> i64 {
        (Utc::now() - self.held_since).num_days().max(0)
    }

    /// How long, as people say it: "since today", "since 2 Dec 2026 (1 day)".
    pub fn held_for(&self) -> String {
        let since = self.held_since.format(crate::dates::DAY);
        match self.days_held() {
            0 => "since today".to_owned(),
            1 => format!("since {since} (1 day)"),
            days => format!("since {since} ({days} days)"),
        }
    }
}

/// How a notebook entry came to be written.
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
pub enum EntryKind {
    /// The notebook's first page: the cio gave the trophy its first holder.
    #[strum(message = "First holder")]
    Created,
    /// The holder passed it on.
    #[strum(message = "Passed on")]
    Pass,
    /// The cio moved it from a holder who has left.
    #[strum(message = "Reassigned by the cio")]
    Reassign,
}

#[derive(Debug, Clone)]
pub struct NotebookEntry {
    pub id: i64,
    pub trophy_id: i32,
    pub trophy_name: String,
    pub seq: i32,
    pub kind: EntryKind,
    pub giver: Option<PersonRef>,
    pub receiver: PersonRef,
    /// None when the entry is hidden (the chain stays readable, the words do not).
    pub message: Option<String>,
    pub created_at: DateTime<Utc>,
    pub hidden: Option<Hidden>,
}

#[derive(Debug, Clone, Default)]
pub struct TrophyInput {
    pub name: Option<String>,
    pub description: Option<String>,
    pub holder_id: Option<i32>,
    /// The notebook's first page, 10 to 2,000 characters; without it the page says who the
    /// trophy starts with. (The forms and the API do not offer it; the demo writes one.)
    pub first_entry: Option<String>,
}

/// A trophy as parsed; its first holder is checked against the database apart.
#[derive(Debug, Clone)]
struct NewTrophy {
    name: Title,
    description: LongText,
    first_entry: Option<NotebookMessage>,
}

impl TrophyInput {
    fn parse(&self, errors: &mut Errors) -> Option<NewTrophy> {
        let name = errors.check("name", Title::parse(self.name.as_deref().unwrap_or("")));
        let description = errors.check(
            "description",
            LongText::parse(self.description.as_deref().unwrap_or("")),
        );
        let first_entry = match self.first_entry.as_deref() {
            None => Some(None),
            Some(text) => errors
                .check("first_entry", NotebookMessage::parse(text))
                .map(Some),
        };
        Some(NewTrophy {
            name: name?,
            description: description?,
            first_entry: first_entry?,
        })
    }
}

/// A pass as it arrives: to whom, and the words for the notebook.
#[derive(Debug, Clone, Default)]
pub struct PassInput {
    pub receiver_id: Option<i32>,
    pub message: Option<String>,
}

/// A reassignment as it arrives: to whom, and why (the words for the notebook).
#[derive(Debug, Clone, Default)]
pub struct ReassignInput {
    pub receiver_id: Option<i32>,
    pub reason: Option<String>,
}

/// Problems with the person a trophy would go to, under `field`: someone active in the
/// department, not an advisor, not `except` (the one passing it).
async fn check_receiver(
    conn: &impl ConnectionTrait,
    field: &str,
    id: Option<i32>,
    except: Option<i32>,
    errors: &mut Errors,
) -> AppResult<Option<PersonRef>> {
    let Some(id) = id else {
        errors.add(field, "Choose who receives the trophy.");
        return Ok(None);
    };
    let found = person::Entity::find_by_id(id).one(conn).await?;
    Ok(match found {
        None => {
            errors.add(field, format!("There is no one with id {id}."));
            None
        }
        Some(p) if Some(p.id) == except => {
            errors.add(field, "You hold it already: pass it to someone else.");
            None
        }
        Some(p) if p.role == Role::Advisor.as_str() => {
            errors.add(
                field,
                format!("{} is an advisor; the trophy stays with staff.", p.name),
            );
            None
        }
        Some(p) if !p.active => {
            errors.add(field, format!("{} is no longer active.", p.name));
            None
        }
        Some(p) => Some(PersonRef {
            id: p.id,
            name: p.name,
        }),
    })
}

/// Creates a trophy with its first holder, and the notebook's first entry (the cio only),
/// at `now`.
pub async fn create_trophy(
    db: &Db,
    actor: &Actor,
    input: TrophyInput,
    now: DateTime<Utc>,
) -> AppResult<Trophy> {
    policy::check(actor.principal(), Action::ManageRecognition)?;
    let mut errors = Errors::default();
    let new = input.parse(&mut errors);
    let txn = db.write().await?;
    let holder = check_receiver(&txn, "holder_id", input.holder_id, None, &mut errors).await?;
    let (Some(new), Some(holder)) = (new, holder) else {
        return Err(errors.into_error());
    };
    let created = trophy::ActiveModel {
        name: Set(new.name.into_string()),
        description: Set(new.description.into_string()),
        holder_id: Set(holder.id),
        held_since: Set(now),
        entries: Set(1),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let first_page = match new.first_entry {
        Some(words) => words.into_string(),
        None => format!("{} starts with {}.", created.name, holder.name),
    };
    write_entry(
        &txn,
        NewEntry {
            trophy_id: created.id,
            seq: 1,
            kind: EntryKind::Created,
            giver_id: None,
            receiver_id: holder.id,
            message: first_page,
            recorded_by: actor.person_id,
            at: now,
        },
    )
    .await?;
    txn.commit().await?;
    Ok(Trophy {
        id: created.id,
        name: created.name,
        description: created.description,
        holder,
        held_since: now,
        entries: 1,
    })
}

/// One page of a notebook, about to be written.
struct NewEntry {
    trophy_id: i32,
    seq: i32,
    kind: EntryKind,
    giver_id: Option<i32>,
    receiver_id: i32,
    message: String,
    recorded_by: i32,
    at: DateTime<Utc>,
}

/// The notebook writer: appends one page. (trophy, seq) is unique, so two writers cannot
/// both write page n; the loser gets a 409.
async fn write_entry(txn: &WriteTxn, entry: NewEntry) -> AppResult<i64> {
    let written = notebook_entry::ActiveModel {
        trophy_id: Set(entry.trophy_id),
        seq: Set(entry.seq),
        kind: Set(entry.kind.as_str().to_owned()),
        giver_id: Set(entry.giver_id),
        receiver_id: Set(entry.receiver_id),
        message: Set(entry.message),
        recorded_by_id: Set(entry.recorded_by),
        created_at: Set(entry.at),
        ..Default::default()
    }
    .insert(txn)
    .await
    .map_err(|err| {
        // Unreachable while the trophy's update decides who writes, but the index is the
        // last word.
        AppError::on_unique(
            err,
            "notebook_entries_trophy_seq_key",
            "notebook_entries.trophy_id, notebook_entries.seq",
            || {
                AppError::conflict(
                    "Someone else moved the trophy at the same moment; reload and look.",
                )
            },
        )
    })?;
    Ok(written.id)
}

#[derive(FromQueryResult)]
struct TrophyRow {
    id: i32,
    name: String,
    description: String,
    holder_id: i32,
    holder_name: String,
    held_since: DateTime<Utc>,
    entries: i32,
}

impl From<TrophyRow> for Trophy {
    fn from(r: TrophyRow) -> Trophy {
        Trophy {
            id: r.id,
            name: r.name,
            description: r.description,
            holder: PersonRef {
                id: r.holder_id,
                name: r.holder_name,
            },
            held_since: r.held_since,
            entries: r.entries,
        }
    }
}

const TROPHY_SELECT: &str =
    "SELECT t.id, t.name, t.description, t.holder_id, p.name AS holder_name,
        t.held_since, t.entries
    FROM trophies t JOIN people p ON p.id = t.holder_id";

/// Every trophy with its holder, oldest trophy first: one query.
pub(super) async fn cards(db: &Db, reader: Reader) -> AppResult<Vec<Trophy>> {
    reader.check()?;
    Ok(TrophyRow::find_by_statement(Statement::from_string(
        db.backend(),
        format!("{TROPHY_SELECT} ORDER BY t.id"),
    ))
    .all(db.conn())
    .await?
    .into_iter()
    .map(Trophy::from)
    .collect())
}

pub async fn list_trophies(db: &Db, reader: Reader) -> AppResult<Vec<Trophy>> {
    cards(db, reader).await
}

async fn find_trophy(conn: &impl ConnectionTrait, id: i32) -> AppResult<Trophy> {
    TrophyRow::find_by_statement(Statement::from_sql_and_values(
        conn.get_database_backend(),
        format!("{TROPHY_SELECT} WHERE t.id = $1"),
        [id.into()],
    ))
    .one(conn)
    .await?
    .map(Trophy::from)
    .ok_or(AppError::NotFound)
}

pub async fn trophy(db: &Db, reader: Reader, id: i32) -> AppResult<Trophy> {
    reader.check()?;
    find_trophy(db.conn(), id).await
}

/// The holder passes the trophy to an active colleague, with a notebook message of 10 to
/// 2,000 characters. If someone else holds it by the time the pass lands (another pass
/// won a race), 409 says who holds it now and nothing is written. The pass happens at
/// `now`.
pub async fn pass_trophy(
    db: &Db,
    actor: &Actor,
    trophy_id: i32,
    input: PassInput,
    now: DateTime<Utc>,
) -> AppResult<Trophy> {
    policy::check(actor.principal(), Action::GiveRecognition)?;
    let mut errors = Errors::default();
    let message = errors.check(
        "message",
        NotebookMessage::parse(input.message.as_deref().unwrap_or("")),
    );
    let txn = db.write().await?;
    let before = find_trophy(&txn, trophy_id).await?;
    let receiver = check_receiver(
        &txn,
        "receiver_id",
        input.receiver_id,
        Some(actor.person_id),
        &mut errors,
    )
    .await?;
    if before.holder.id != actor.person_id {
        return Err(not_the_holder(&before));
    }
    let (Some(receiver), Some(message)) = (receiver, message) else {
        return Err(errors.into_error());
    };
    let moved = hand_over(
        &txn,
        before,
        receiver,
        EntryKind::Pass,
        message,
        &actor.person_ref(),
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(moved)
}

/// Moves the trophy from its holder in `before` to `receiver` and writes the notebook
/// entry, in the caller's transaction: the one conditional update decides, so if the
/// holder changed since `before` was read (another pass won), nothing is written and 409
/// names who holds it now. `now` is when it moved.
async fn hand_over(
    txn: &WriteTxn,
    before: Trophy,
    receiver: PersonRef,
    kind: EntryKind,
    message: NotebookMessage,
    recorded_by: &PersonRef,
    now: DateTime<Utc>,
) -> AppResult<Trophy> {
    let Some(seq) = move_trophy(txn, before.id, before.holder.id, receiver.id, now).await? else {
        let now_held = find_trophy(txn, before.id).await?;
        return Err(not_the_holder(&now_held));
    };
    let message = message.into_string();
    let entry_id = write_entry(
        txn,
        NewEntry {
            trophy_id: before.id,
            seq,
            kind,
            giver_id: Some(before.holder.id),
            receiver_id: receiver.id,
            message: message.clone(),
            recorded_by: recorded_by.id,
            at: now,
        },
    )
    .await?;
    notifications::webhooks::enqueue(
        txn,
        &notifications::webhooks::PublicPayload::TrophyPassed {
            trophy_id: before.id,
            notebook_entry_id: entry_id,
            trophy: before.name.clone(),
            from: before.holder.name.clone(),
            to: receiver.name.clone(),
            message: message.clone(),
            reassigned: kind == EntryKind::Reassign,
        },
        now,
    )
    .await?;
    notifications::notify(
        txn,
        &notifications::Payload::TrophyReceived {
            trophy_id: before.id,
            trophy: before.name.clone(),
            from: recorded_by.name.clone(),
            message,
            reassigned: kind == EntryKind::Reassign,
        },
        &[receiver.id],
        Some(notifications::About::NotebookEntry(entry_id)),
        now,
    )
    .await?;
    Ok(Trophy {
        holder: receiver,
        held_since: now,
        entries: seq,
        ..before
    })
}

fn not_the_holder(now: &Trophy) -> AppError {
    AppError::conflict(format!(
        "{} holds {} now; only the holder can pass it.",
        now.holder.name, now.name
    ))
}

#[derive(FromQueryResult)]
struct MovedRow {
    entries: i32,
}

/// The one conditional update that moves a trophy from `from` to `to`: the next notebook
/// number when it moved, None when `from` no longer holds it.
async fn move_trophy(
    txn: &WriteTxn,
    trophy_id: i32,
    from: i32,
    to: i32,
    now: DateTime<Utc>,
) -> AppResult<Option<i32>> {
    let moved = MovedRow::find_by_statement(Statement::from_sql_and_values(
        txn.get_database_backend(),
        "UPDATE trophies SET holder_id = $1, held_since = $2, entries = entries + 1
         WHERE id = $3 AND holder_id = $4
         RETURNING entries",
        [to.into(), now.into(), trophy_id.into(), from.into()],
    ))
    .one(txn)
    .await?;
    Ok(moved.map(|m| m.entries))
}

/// The cio moves a trophy whose holder has left to an active colleague, with a reason
/// that goes into the notebook. The entry's giver is the holder who left, so the chain
/// stays unbroken. "Left" includes becoming an advisor, who may no longer pass it; a
/// trophy whose holder is still active staff is theirs to pass (409). It moves at `now`.
pub async fn reassign_trophy(
    db: &Db,
    actor: &Actor,
    trophy_id: i32,
    input: ReassignInput,
    now: DateTime<Utc>,
) -> AppResult<Trophy> {
    policy::check(actor.principal(), Action::ManageRecognition)?;
    let mut errors = Errors::default();
    let reason = errors.check(
        "reason",
        NotebookMessage::parse(input.reason.as_deref().unwrap_or("")),
    );
    let txn = db.write().await?;
    let before = find_trophy(&txn, trophy_id).await?;
    let holder_can_pass = person::Entity::find_by_id(before.holder.id)
        .one(&txn)
        .await?
        .is_some_and(|p| p.active && p.role != Role::Advisor.as_str());
    if holder_can_pass {
        return Err(AppError::conflict(format!(
            "{} is still active and holds {}; only they can pass it on.",
            before.holder.name, before.name
        )));
    }
    let receiver =
        check_receiver(&txn, "receiver_id", input.receiver_id, None, &mut errors).await?;
    let (Some(receiver), Some(reason)) = (receiver, reason) else {
        return Err(errors.into_error());
    };
    let event = audit::Event::new(
        audit::Kind::TrophyReassigned,
        audit::Subject::Trophy(trophy_id),
    )
    .concerning(receiver.id)
    .change("holder_id", before.holder.id, receiver.id)
    .set("reason", reason.as_str());
    let moved = hand_over(
        &txn,
        before,
        receiver,
        EntryKind::Reassign,
        reason,
        &actor.person_ref(),
        now,
    )
    .await?;
    audit::record(&txn, Some(actor), event).await?;
    txn.commit().await?;
    Ok(moved)
}

/// An entry with its names: a row, or an object of a page gathered as JSON
/// (`trophy_with_notebook`).
#[derive(FromQueryResult, Deserialize)]
struct EntryRow {
    id: i64,
    trophy_id: i32,
    trophy_name: String,
    seq: i32,
    kind: String,
    giver_id: Option<i32>,
    giver_name: Option<String>,
    receiver_id: i32,
    receiver_name: String,
    message: String,
    #[serde(deserialize_with = "crate::db::stored_instant")]
    created_at: DateTime<Utc>,
    #[serde(default, deserialize_with = "crate::db::stored_instant_opt")]
    hidden_at: Option<DateTime<Utc>>,
    hidden_reason: Option<String>,
}

impl EntryRow {
    fn into_entry(self, reader: Reader) -> AppResult<NotebookEntry> {
        let hidden = hidden(self.hidden_at, self.hidden_reason, reader);
        Ok(NotebookEntry {
            id: self.id,
            trophy_id: self.trophy_id,
            trophy_name: self.trophy_name,
            seq: self.seq,
            kind: EntryKind::from_stored(&self.kind)?,
            giver: self
                .giver_id
                .zip(self.giver_name)
                .map(|(id, name)| PersonRef { id, name }),
            receiver: PersonRef {
                id: self.receiver_id,
                name: self.receiver_name,
            },
            message: hidden.is_none().then_some(self.message),
            created_at: self.created_at,
            hidden,
        })
    }
}

/// Notebook entries with their trophy's and people's names: the entries chosen, ordered and
/// limited by `chosen` (a query over `notebook_entries e`) first, then the names joined to
/// those few, in `order`. Chosen apart because SQLite, given the joins and the limit in one
/// query, may loop over trophies first, lose the index order and sort the whole notebook
/// for every page (240 ms at 200,000 entries, against 0.3 ms this way).
fn entries_named(chosen: &str, order: &str) -> String {
    format!(
        "SELECT e.id, e.trophy_id, t.name AS trophy_name, e.seq, e.kind,
            e.giver_id, g.name AS giver_name, e.receiver_id, r.name AS receiver_name, e.message,
            e.created_at, e.hidden_at, e.hidden_reason
        FROM ({chosen}) e
        JOIN trophies t ON t.id = e.trophy_id
        LEFT JOIN people g ON g.id = e.giver_id
        JOIN people r ON r.id = e.receiver_id
        ORDER BY {order}"
    )
}

/// A trophy's notebook, newest first, paged with a keyset cursor. Hidden entries keep
/// their place (who passed to whom) without their words.
pub async fn notebook(
    db: &Db,
    reader: Reader,
    trophy_id: i32,
    limit: Option<u64>,
    after: Option<&str>,
) -> AppResult<Page<NotebookEntry>> {
    Ok(trophy_with_notebook(db, reader, trophy_id, limit, after)
        .await?
        .1)
}

/// A trophy with a page of its notebook (as `notebook`), for its page: one statement and
/// one row, the trophy's columns with its holder and the page's entries gathered into one
/// JSON value (`db::json_rows`), so the trophy's columns come once and a single message
/// crosses from the database. A trophy that does not exist is a 404.
pub async fn trophy_with_notebook(
    db: &Db,
    reader: Reader,
    trophy_id: i32,
    limit: Option<u64>,
    after: Option<&str>,
) -> AppResult<(Trophy, Page<NotebookEntry>)> {
    reader.check()?;
    let limit = paging::limit(limit)?;
    let before_seq: i32 = match after {
        Some(cursor) => paging::decode_cursor(cursor)?,
        None => i32::MAX,
    };
    let backend = db.backend();
    let entries = db::json_rows(
        backend,
        &[
            ("id", "e.id"),
            ("trophy_id", "e.trophy_id"),
            ("trophy_name", "t.name"),
            ("seq", "e.seq"),
            ("kind", "e.kind"),
            ("giver_id", "e.giver_id"),
            ("giver_name", "g.name"),
            ("receiver_id", "e.receiver_id"),
            ("receiver_name", "r.name"),
            ("message", "e.message"),
            ("created_at", "e.created_at"),
            ("hidden_at", "e.hidden_at"),
            ("hidden_reason", "e.hidden_reason"),
        ],
        "e.seq DESC",
    );
    // The entries are chosen apart, as in `entries_named`, for the same reason.
    let row = db
        .conn()
        .query_one_raw(Statement::from_sql_and_values(
            backend,
            format!(
                "SELECT t.id AS t_id, t.name AS t_name, t.description AS t_description,
                t.holder_id AS t_holder_id, h.name AS t_holder_name,
                t.held_since AS t_held_since, t.entries AS t_entries,
                (SELECT {entries}
                 FROM (SELECT * FROM notebook_entries e WHERE e.trophy_id = $1 AND e.seq < $2
                       ORDER BY e.seq DESC LIMIT {}) e
                 LEFT JOIN people g ON g.id = e.giver_id
                 JOIN people r ON r.id = e.receiver_id) AS entries
            FROM trophies t
            JOIN people h ON h.id = t.holder_id
            WHERE t.id = $1",
                limit_sql(limit + 1)
            ),
            [trophy_id.into(), before_seq.into()],
        ))
        .await?;
    let Some(row) = row else {
        return Err(AppError::NotFound);
    };
    let found = Trophy::from(TrophyRow::from_query_result(&row, "t_")?);
    let entries = db::from_json_rows::<EntryRow>(Some(&row), "entries")?
        .into_iter()
        .map(|e| e.into_entry(reader))
        .collect::<AppResult<Vec<_>>>()?;
    Ok((found, paging::finish(entries, limit, |e| e.seq)))
}

/// The whole notebook, first entry first, for printing.
pub async fn notebook_whole(
    db: &Db,
    reader: Reader,
    trophy_id: i32,
) -> AppResult<(Trophy, Vec<NotebookEntry>)> {
    reader.check()?;
    let found = find_trophy(db.conn(), trophy_id).await?;
    let entries = EntryRow::find_by_statement(Statement::from_sql_and_values(
        db.backend(),
        entries_named(
            "SELECT * FROM notebook_entries e WHERE e.trophy_id = $1",
            "e.seq",
        ),
        [trophy_id.into()],
    ))
    .all(db.conn())
    .await?
    .into_iter()
    .map(|r| r.into_entry(reader))
    .collect::<AppResult<_>>()?;
    Ok((found, entries))
}

/// The latest visible entries of every trophy, newest first (the portal).
pub(super) async fn latest_entries(
    conn: &impl ConnectionTrait,
    limit: u64,
) -> AppResult<Vec<NotebookEntry>> {
    visible_entries(conn, "", Params::new(), limit, "e.id DESC").await
}

async fn visible_entries(
    conn: &impl ConnectionTrait,
    filter_sql: &str,
    params: Params,
    limit: u64,
    order: &str,
) -> AppResult<Vec<NotebookEntry>> {
    // Hidden entries are not selected, so who reads makes no difference here.
    let reader = Reader {
        principal: None,
        portal_public: true,
    };
    let limit = limit_sql(limit);
    EntryRow::find_by_statement(params.statement(
        conn.get_database_backend(),
        entries_named(
            &format!(
                "SELECT * FROM notebook_entries e WHERE e.hidden_at IS NULL {filter_sql}
                 ORDER BY {order} LIMIT {limit}"
            ),
            order,
        ),
    ))
    .all(conn)
    .await?
    .into_iter()
    .map(|r| r.into_entry(reader))
    .collect()
}

/// Checks that a trophy's notebook is one unbroken chain ending with its holder: numbered
/// 1, 2, 3…; the first entry starts it (no giver); every later entry's giver is the
/// previous entry's receiver, and a pass is written by its giver; time never runs
/// backwards; the trophy's holder, `held_since` and count match the last entry. Read in
/// one transaction so a pass landing meanwhile cannot make it look broken. (For tests and
/// operators: the constraints make a break impossible, this proves it.)
pub async fn chain_is_unbroken(db: &Db, trophy_id: i32) -> AppResult<bool> {
    // One snapshot for both reads: repeatable read on PostgreSQL; an SQLite read
    // transaction is a snapshot already.
    let txn = db
        .conn()
        .begin_with_config(Some(sea_orm::IsolationLevel::RepeatableRead), None)
        .await?;
    let holder = trophy::Entity::find_by_id(trophy_id)
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound)?;
    let entries = notebook_entry::Entity::find()
        .filter(notebook_entry::Column::TrophyId.eq(trophy_id))
        .order_by_asc(notebook_entry::Column::Seq)
        .all(&txn)
        .await?;
    txn.commit().await?;
    let Some((first, last)) = entries.first().zip(entries.last()) else {
        return Ok(false);
    };
    let starts = first.kind == EntryKind::Created.as_str() && first.giver_id.is_none();
    let numbered = entries
        .iter()
        .enumerate()
        .all(|(i, e)| usize::try_from(e.seq).is_ok_and(|seq| seq == i + 1));
    let linked = entries.windows(2).all(|pair| {
        let (before, after) = (&pair[0], &pair[1]);
        after.giver_id == Some(before.receiver_id)
            && after.created_at >= before.created_at
            && (after.kind != EntryKind::Pass.as_str()
                || Some(after.recorded_by_id) == after.giver_id)
    });
    let ends_with_holder = last.receiver_id == holder.holder_id
        && last.created_at == holder.held_since
        && usize::try_from(holder.entries).is_ok_and(|n| n == entries.len());
    Ok(starts && numbered && linked && ends_with_holder)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entry_kinds_have_labels() {
        crate::validate::assert_labelled::<EntryKind>();
        assert_eq!(EntryKind::Reassign.as_str(), "reassign");
    }

    #[test]
    fn a_trophy_reports_every_field_at_once() {
        let input = TrophyInput {
            name: Some("  ".to_owned()),
            description: Some("bell\u{7}".to_owned()),
            holder_id: None,
            first_entry: Some("short".to_owned()),
        };
        let mut errors = Errors::default();
        assert!(input.parse(&mut errors).is_none());
        let found: Vec<(&str, &str)> = errors
            .0
            .iter()
            .map(|e| (e.field.as_str(), e.message.as_str()))
            .collect();
        assert_eq!(
            found,
            [
                ("name", "This cannot be empty."),
                (
                    "description",
                    "Remove the invisible control character U+0007; it cannot be shown."
                ),
                ("first_entry", "Write at least 10 characters."),
            ]
        );
        let plain = TrophyInput {
            name: Some(" The Big Ugly Trophy ".to_owned()),
            ..TrophyInput::default()
        };
        let parsed = plain.parse(&mut errors).expect("parses");
        assert_eq!(parsed.name.as_str(), "The Big Ugly Trophy");
        assert_eq!(parsed.description.as_str(), "");
        assert!(parsed.first_entry.is_none());
    }
}
