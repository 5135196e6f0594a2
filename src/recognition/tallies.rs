//! Recognition tallies: visible kudos per day, and per person and month the kudos they
//! gave and received with the first and last instant of each (migration
//! m20261206_000016 describes the tables). They are written in the same transaction as
//! the kudos (`count_kudos`) and recounted from the kudos when one is hidden or shown
//! again (`recount_kudos`), so the summaries read a few thousand rows where they used to
//! read every kudos of the period.
//!
//! Rows are always touched in the same order (the day, then people by id), so two
//! transactions on PostgreSQL never wait on each other in a circle.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, Months, NaiveDate, Utc};
use sea_orm::{ConnectionTrait, DbBackend, FromQueryResult};

use crate::{
    db::{Params, WriteTxn},
    error::AppResult,
};

/// The month of a day as the tallies key it: `2026-03`.
pub fn month_key(day: NaiveDate) -> String {
    day.format("%Y-%m").to_string()
}

/// The first instant of a day (UTC).
pub fn start_of(day: NaiveDate) -> DateTime<Utc> {
    day.and_time(chrono::NaiveTime::MIN).and_utc()
}

/// The first day of the month `day` is in, and of the month after.
fn month_bounds(day: NaiveDate) -> (NaiveDate, NaiveDate) {
    let first = day.with_day(1).unwrap_or(day);
    let next = first.checked_add_months(Months::new(1)).unwrap_or(first);
    (first, next)
}

/// The smaller of two instants where either may be missing (`min` in SQLite is NULL when
/// an argument is; `LEAST` in PostgreSQL skips them).
fn earlier(backend: DbBackend, a: &str, b: &str) -> String {
    match backend {
        DbBackend::Postgres => format!("LEAST({a}, {b})"),
        _ => format!("COALESCE(min({a}, {b}), {a}, {b})"),
    }
}

fn later(backend: DbBackend, a: &str, b: &str) -> String {
    match backend {
        DbBackend::Postgres => format!("GREATEST({a}, {b})"),
        _ => format!("COALESCE(max({a}, {b}), {a}, {b})"),
    }
}

/// Counts kudos just written: sent at `at` by `giver` to `recipients`. Two statements
/// whatever the number of recipients.
pub async fn count_kudos(
    txn: &WriteTxn,
    giver: i32,
    recipients: &[i32],
    at: DateTime<Utc>,
) -> AppResult<()> {
    let backend = txn.get_database_backend();
    let day = at.date_naive();
    let mut p = Params::new();
    let d = p.bind(day);
    txn.execute_raw(p.statement(
        backend,
        format!(
            "INSERT INTO kudos_days (day, kudos) VALUES ({d}, 1)
             ON CONFLICT (day) DO UPDATE SET kudos = kudos_days.kudos + 1"
        ),
    ))
    .await?;

    // (given, received) per person, in id order.
    let mut people: BTreeMap<i32, (i64, i64)> = BTreeMap::new();
    people.entry(giver).or_default().0 += 1;
    for &r in recipients {
        people.entry(r).or_default().1 += 1;
    }
    let mut p = Params::new();
    let month = p.bind(month_key(day));
    let rows: Vec<String> = people
        .into_iter()
        .map(|(person, (given, received))| {
            let person = p.bind(person);
            let (g, r) = (p.bind(given), p.bind(received));
            let gave = if given > 0 {
                p.bind(at)
            } else {
                p.bind(None::<DateTime<Utc>>)
            };
            let got = if received > 0 {
                p.bind(at)
            } else {
                p.bind(None::<DateTime<Utc>>)
            };
            format!("({month}, {person}, {g}, {r}, {gave}, {gave}, {got}, {got})")
        })
        .collect();
    let (old, new) = ("kudos_people_months", "excluded");
    let first = |c: &str| earlier(backend, &format!("{old}.{c}"), &format!("{new}.{c}"));
    let last = |c: &str| later(backend, &format!("{old}.{c}"), &format!("{new}.{c}"));
    let sql = format!(
        "INSERT INTO kudos_people_months (month, person_id, given, received,
             first_given_at, last_given_at, first_received_at, last_received_at)
         VALUES {rows}
         ON CONFLICT (month, person_id) DO UPDATE SET
             given = {old}.given + {new}.given,
             received = {old}.received + {new}.received,
             first_given_at = {fg}, last_given_at = {lg},
             first_received_at = {fr}, last_received_at = {lr}",
        rows = rows.join(", "),
        fg = first("first_given_at"),
        lg = last("last_given_at"),
        fr = first("first_received_at"),
        lr = last("last_received_at"),
    );
    txn.execute_raw(p.statement(backend, sql)).await?;
    Ok(())
}

#[derive(FromQueryResult)]
struct KudosAt {
    giver_id: i32,
    created_at: DateTime<Utc>,
}

#[derive(FromQueryResult)]
struct Recipient {
    person_id: i32,
}

/// Recounts, from the kudos themselves, every tally kudos `id` counts in: its day, and
/// its giver's and recipients' month. For a hide or an unhide, after the row changed.
pub async fn recount_kudos(txn: &WriteTxn, id: i64) -> AppResult<()> {
    let backend = txn.get_database_backend();
    let mut p = Params::new();
    let k = p.bind(id);
    let Some(kudos) = KudosAt::find_by_statement(p.statement(
        backend,
        format!("SELECT giver_id, created_at FROM kudos WHERE id = {k}"),
    ))
    .one(txn)
    .await?
    else {
        return Ok(());
    };
    let mut p = Params::new();
    let k = p.bind(id);
    let recipients = Recipient::find_by_statement(p.statement(
        backend,
        format!("SELECT person_id FROM kudos_recipients WHERE kudos_id = {k}"),
    ))
    .all(txn)
    .await?;

    let day = kudos.created_at.date_naive();
    let mut p = Params::new();
    let d = p.bind(day);
    let (a, b) = (
        p.bind(start_of(day)),
        p.bind(start_of(day + chrono::Days::new(1))),
    );
    txn.execute_raw(p.statement(
        backend,
        format!(
            "INSERT INTO kudos_days (day, kudos)
             SELECT {d}, COUNT(*) FROM kudos
             WHERE created_at >= {a} AND created_at < {b} AND hidden_at IS NULL
             ON CONFLICT (day) DO UPDATE SET kudos = excluded.kudos"
        ),
    ))
    .await?;

    let mut people: Vec<i32> = recipients.iter().map(|r| r.person_id).collect();
    people.push(kudos.giver_id);
    people.sort_unstable();
    people.dedup();
    let (first, next) = month_bounds(day);
    let mut p = Params::new();
    let month = p.bind(month_key(day));
    let ids = p.bind_all(people.iter().copied());
    txn.execute_raw(p.statement(
        backend,
        format!(
            "UPDATE kudos_people_months SET given = 0, received = 0,
                 first_given_at = NULL, last_given_at = NULL,
                 first_received_at = NULL, last_received_at = NULL
             WHERE month = {month} AND person_id IN ({ids})"
        ),
    ))
    .await?;
    let no_time = match backend {
        DbBackend::Postgres => "CAST(NULL AS timestamptz)",
        _ => "NULL",
    };
    let mut p = Params::new();
    let month = p.bind(month_key(day));
    let givers = p.bind_all(people.iter().copied());
    let (a, b) = (p.bind(start_of(first)), p.bind(start_of(next)));
    let receivers = p.bind_all(people.iter().copied());
    let (a2, b2) = (p.bind(start_of(first)), p.bind(start_of(next)));
    let sql = format!(
        "INSERT INTO kudos_people_months (month, person_id, given, received,
             first_given_at, last_given_at, first_received_at, last_received_at)
         SELECT {month}, person_id, SUM(given), SUM(received),
             MIN(first_given_at), MAX(last_given_at), MIN(first_received_at), MAX(last_received_at)
         FROM (
             SELECT k.giver_id AS person_id, 1 AS given, 0 AS received,
                 k.created_at AS first_given_at, k.created_at AS last_given_at,
                 {no_time} AS first_received_at, {no_time} AS last_received_at
             FROM kudos k
             WHERE k.giver_id IN ({givers}) AND k.created_at >= {a} AND k.created_at < {b}
               AND k.hidden_at IS NULL
             UNION ALL
             SELECT r.person_id, 0, 1, {no_time}, {no_time}, k.created_at, k.created_at
             FROM kudos_recipients r JOIN kudos k ON k.id = r.kudos_id
             WHERE r.person_id IN ({receivers}) AND k.created_at >= {a2} AND k.created_at < {b2}
               AND k.hidden_at IS NULL
         ) AS each_kudos
         GROUP BY person_id
         ORDER BY person_id
         ON CONFLICT (month, person_id) DO UPDATE SET
             given = excluded.given, received = excluded.received,
             first_given_at = excluded.first_given_at, last_given_at = excluded.last_given_at,
             first_received_at = excluded.first_received_at,
             last_received_at = excluded.last_received_at"
    );
    txn.execute_raw(p.statement(backend, sql)).await?;
    Ok(())
}
