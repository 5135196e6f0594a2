//! The weekly digest: on Monday morning (08:00 in the department's time zone), everyone
//! who chose to read some kinds of event once a week gets one email with what happened
//! for them before that Monday.
//!
//! Items are ordinary outbox rows on the `digest` channel, written by `notify` like any
//! other. Building a week's digests is one write transaction in the sender's loop: it adds
//! one `weekly_digest` email row per person with waiting items, and folds the items into
//! it (`digest_id`). The email row is unique per person and week (`digest_week`), so two
//! instances building at the same moment make one digest each person, not two: on
//! PostgreSQL the second insert waits for the first to commit and then does nothing, and
//! only rows an instance inserted itself get items folded into them. From then on the
//! digest is an email like any other: claimed, retried, given up after a day. It reads its
//! items when it goes, leaving out any the cio hid meanwhile (`withdraw` gave them up),
//! and marks the items it told of as sent with it.

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;
use sea_orm::{ConnectionTrait, FromQueryResult};

use super::{Channel, Delivery, Payload, Topic};
use crate::{
    db::{Db, Params, WriteTxn},
    error::{AppError, AppResult},
    validate::Word,
};

/// The local hour on Monday when the week's digests are built and sent.
pub const HOUR: u32 = 8;

/// The week whose digest is due at `now`: the latest Monday whose 08:00 (department time)
/// has come, and the start of that Monday as an instant: items written before it belong
/// in that Monday's digest, later ones wait for the next.
pub fn due_week(now: DateTime<Utc>, zone: Tz) -> (NaiveDate, DateTime<Utc>) {
    let today = now.with_timezone(&zone).date_naive();
    let mut monday = today - Duration::days(i64::from(today.weekday().num_days_from_monday()));
    if now < local_instant(zone, monday, NaiveTime::from_hms_opt(HOUR, 0, 0)) {
        monday -= Duration::days(7);
    }
    (monday, local_instant(zone, monday, Some(NaiveTime::MIN)))
}

/// A local date and time as an instant; a time a clock change skips is taken an hour
/// later, and one it repeats at its first occurrence.
fn local_instant(zone: Tz, date: NaiveDate, time: Option<NaiveTime>) -> DateTime<Utc> {
    let local = date.and_time(time.unwrap_or(NaiveTime::MIN));
    zone.from_local_datetime(&local)
        .earliest()
        .or_else(|| {
            zone.from_local_datetime(&(local + Duration::hours(1)))
                .earliest()
        })
        .map(|at| at.with_timezone(&Utc))
        .unwrap_or_else(|| Utc.from_utc_datetime(&local))
}

/// The condition of an item still waiting for its digest, written before `cutoff`.
fn waiting_items(p: &mut Params, cutoff: DateTime<Utc>) -> String {
    let digest = p.bind(Channel::Digest.as_str());
    let cutoff = p.bind(cutoff);
    format!(
        "channel = {digest} AND digest_id IS NULL AND sent_at IS NULL AND gave_up_at IS NULL \
         AND created_at < {cutoff}"
    )
}

#[derive(FromQueryResult)]
struct Built {
    person_id: i32,
}

/// Builds the digests due at `now` that no instance has built yet; answers how many this
/// call built. Looks before taking the write lock, so an idle loop costs a read.
pub async fn build_due(db: &Db, zone: Tz, now: DateTime<Utc>) -> AppResult<usize> {
    let (week, cutoff) = due_week(now, zone);
    let conn = db.conn();
    // Items of people whose digest for the week exists already (one committed late,
    // after its week's digest was built) wait for the next week; they must not make
    // every round take the write lock until then.
    let mut p = Params::new();
    let waiting = waiting_items(&mut p, cutoff);
    let week_param = p.bind(week);
    let sql = format!(
        "SELECT id FROM outbox WHERE {waiting} \
           AND NOT EXISTS (SELECT 1 FROM outbox d \
                           WHERE d.person_id = outbox.person_id AND d.digest_week = {week_param}) \
         LIMIT 1"
    );
    if conn
        .query_one_raw(p.statement(conn.get_database_backend(), sql))
        .await?
        .is_none()
    {
        return Ok(0);
    }

    let txn = db.write().await?;
    let backend = txn.get_database_backend();
    let mut p = Params::new();
    let topic = p.bind(Topic::WeeklyDigest.as_str());
    let email = p.bind(Channel::Email.as_str());
    let payload = p.bind(
        serde_json::json!({ "event": Topic::WeeklyDigest.as_str(), "week": week }).to_string(),
    );
    let at = p.bind(now);
    let week_param = p.bind(week);
    let waiting = waiting_items(&mut p, cutoff);
    let sql = format!(
        "INSERT INTO outbox (kind, channel, person_id, payload, created_at, next_attempt_at, \
                             attempts, digest_week) \
         SELECT {topic}, {email}, person_id, {payload}, {at}, {at}, 0, {week_param} \
         FROM outbox WHERE {waiting} GROUP BY person_id \
         ON CONFLICT (person_id, digest_week) DO NOTHING \
         RETURNING person_id"
    );
    let built = Built::find_by_statement(p.statement(backend, sql))
        .all(&txn)
        .await?;
    if !built.is_empty() {
        // Fold items only into digests this transaction made: a person whose digest for
        // the week another instance built (or that went already) keeps any late item for
        // the next one.
        let mut p = Params::new();
        let week = p.bind(week);
        let waiting = waiting_items(&mut p, cutoff);
        let people = p.bind_all(built.iter().map(|b| b.person_id));
        let sql = format!(
            "UPDATE outbox SET digest_id = \
               (SELECT d.id FROM outbox d \
                WHERE d.person_id = outbox.person_id AND d.digest_week = {week}) \
             WHERE {waiting} AND person_id IN ({people})"
        );
        txn.execute_raw(p.statement(backend, sql)).await?;
    }
    txn.commit().await?;
    Ok(built.len())
}

#[derive(FromQueryResult)]
struct ItemRow {
    id: i64,
    payload: String,
}

/// One item a digest tells of.
pub struct Item {
    pub id: i64,
    pub payload: Payload,
}

/// The items folded into a digest that are still to be told (not hidden since), oldest
/// first. An item that cannot be read is left out and logged rather than holding up the
/// rest of the week.
pub async fn items(db: &Db, digest_id: i64) -> AppResult<Vec<Item>> {
    let conn = db.conn();
    let mut p = Params::new();
    let id = p.bind(digest_id);
    let sql = format!(
        "SELECT id, payload FROM outbox \
         WHERE digest_id = {id} AND sent_at IS NULL AND gave_up_at IS NULL ORDER BY id"
    );
    let rows = ItemRow::find_by_statement(p.statement(conn.get_database_backend(), sql))
        .all(conn)
        .await?;
    let mut items = Vec::with_capacity(rows.len());
    for row in rows {
        match serde_json::from_str(&row.payload) {
            Ok(payload) => items.push(Item {
                id: row.id,
                payload,
            }),
            Err(err) => {
                tracing::warn!(outbox_id = row.id, %err, "a digest item cannot be read; left out")
            }
        }
    }
    Ok(items)
}

/// Marks the items a sent digest told of as sent, in the digest's own marking.
pub async fn mark_items_sent(
    txn: &WriteTxn,
    item_ids: &[i64],
    now: DateTime<Utc>,
) -> AppResult<()> {
    if item_ids.is_empty() {
        return Ok(());
    }
    let mut p = Params::new();
    let at = p.bind(now);
    let ids = p.bind_all(item_ids.iter().copied());
    let sql = format!("UPDATE outbox SET sent_at = {at} WHERE id IN ({ids})");
    txn.execute_raw(p.statement(txn.get_database_backend(), sql))
        .await?;
    Ok(())
}

/// Gives up the items of a digest that was given up, with its reason.
pub async fn give_up_items(
    txn: &WriteTxn,
    digest_id: i64,
    reason: &str,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let mut p = Params::new();
    let at = p.bind(now);
    let reason = p.bind(format!("the weekly digest was not sent: {reason}"));
    let id = p.bind(digest_id);
    let sql = format!(
        "UPDATE outbox SET gave_up_at = {at}, last_error = {reason} \
         WHERE digest_id = {id} AND sent_at IS NULL AND gave_up_at IS NULL"
    );
    txn.execute_raw(p.statement(txn.get_database_backend(), sql))
        .await?;
    Ok(())
}

/// Why a digest with nothing left in it was not sent.
pub const NOTHING_LEFT: &str =
    "nothing left to tell: its items were hidden or dropped before it went";

/// A person's "stop the weekly digest": every kind they read in the digest goes off, and
/// the items waiting for the next one are dropped, as they asked to hear nothing more.
pub async fn unsubscribe(txn: &WriteTxn, person_id: i32, now: DateTime<Utc>) -> AppResult<()> {
    let backend = txn.get_database_backend();
    let mut p = Params::new();
    let off = p.bind(Delivery::Off.as_str());
    let at = p.bind(now);
    let person = p.bind(person_id);
    let digest = p.bind(Delivery::Digest.as_str());
    let sql = format!(
        "UPDATE notification_preferences SET delivery = {off}, changed_at = {at} \
         WHERE person_id = {person} AND delivery = {digest}"
    );
    txn.execute_raw(p.statement(backend, sql)).await?;

    let mut p = Params::new();
    let at = p.bind(now);
    let reason = p.bind("dropped: the person stopped the weekly digest");
    let person = p.bind(person_id);
    let channel = p.bind(Channel::Digest.as_str());
    let sql = format!(
        "UPDATE outbox SET gave_up_at = {at}, last_error = {reason} \
         WHERE person_id = {person} AND channel = {channel} \
           AND sent_at IS NULL AND gave_up_at IS NULL"
    );
    txn.execute_raw(p.statement(backend, sql)).await?;
    Ok(())
}

/// The digest's week as its email names it: the seven days before its Monday.
pub fn week_of(payload: &str) -> AppResult<NaiveDate> {
    #[derive(serde::Deserialize)]
    struct Week {
        week: NaiveDate,
    }
    serde_json::from_str::<Week>(payload)
        .map(|w| w.week)
        .map_err(|err| AppError::internal(anyhow::anyhow!("a digest without its week: {err}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    #[test]
    fn a_digest_is_due_from_monday_eight_in_the_department_zone() {
        let zone: Tz = "America/Chicago".parse().unwrap();
        // Monday 30 November 2026, 07:59 in Chicago (13:59 UTC): last week's is still due.
        let (week, cutoff) = due_week(at("2026-11-30T13:59:00Z"), zone);
        assert_eq!(week, NaiveDate::from_ymd_opt(2026, 11, 23).unwrap());
        assert_eq!(cutoff, at("2026-11-23T06:00:00Z"));
        // 08:00 in Chicago: this Monday's is due, for items before Monday's midnight.
        let (week, cutoff) = due_week(at("2026-11-30T14:00:00Z"), zone);
        assert_eq!(week, NaiveDate::from_ymd_opt(2026, 11, 30).unwrap());
        assert_eq!(cutoff, at("2026-11-30T06:00:00Z"));
        // Sunday evening still belongs to the Monday before.
        let (week, _) = due_week(at("2026-12-07T03:00:00Z"), zone);
        assert_eq!(week, NaiveDate::from_ymd_opt(2026, 11, 30).unwrap());
    }

    #[test]
    fn a_digest_names_its_week() {
        let week = week_of(r#"{"event":"weekly_digest","week":"2026-11-30"}"#).unwrap();
        assert_eq!(week, NaiveDate::from_ymd_opt(2026, 11, 30).unwrap());
        assert!(week_of("{}").is_err());
    }
}
