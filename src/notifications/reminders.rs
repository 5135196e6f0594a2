//! Reminders before a cycle's self-evaluation deadline: 7 days and 1 day before it, to
//! everyone who has not submitted.
//!
//! Every serving instance's sender calls `remind_due` on each round. It first reads
//! (no write lock while nothing is due, so an idle loop never takes the writer nor
//! empties the shared snapshots); for a reminder whose day has come it writes, in one
//! transaction, the `cycle_reminders` row with `ON CONFLICT DO NOTHING` and, only when
//! that row was new, the notifications (one `INSERT … SELECT` over those who have not
//! submitted). The primary key (cycle, which) makes each reminder go once, whatever the
//! number of instances or rounds.
//!
//! "Today" is the date of `now` in the department's time zone.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use sea_orm::{ConnectionTrait, FromQueryResult};

use super::{Audience, Payload, notify_audience};
use crate::{
    cycles::Phase,
    db::{Db, Params, WriteTxn},
    error::AppResult,
    validate::Word,
};

/// Which reminder of a cycle: its word is kept in `cycle_reminders.which`.
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
pub enum Reminder {
    #[strum(message = "A week before")]
    SevenDays,
    #[strum(message = "The day before")]
    OneDay,
}

impl Reminder {
    /// Whether this reminder's day has come for a deadline `due`, as of `today`: from 7
    /// days before until the day before (seven_days), or from the day before until the
    /// deadline itself (one_day).
    pub fn has_come(self, due: NaiveDate, today: NaiveDate) -> bool {
        match self {
            Reminder::SevenDays => today >= due - Duration::days(7) && today < due,
            Reminder::OneDay => today >= due - Duration::days(1) && today <= due,
        }
    }
}

/// What is due of one cycle as of `today`, given the reminders already sent: the
/// reminder to send and whether an earlier one is now pointless. When the last day has
/// come and the week's reminder never went (the phase opened late, or every instance was
/// down), only the last one goes: two emails on one day would say the same thing.
fn due_now(
    due: NaiveDate,
    today: NaiveDate,
    seven_sent: bool,
    one_sent: bool,
) -> Option<(Reminder, bool)> {
    if !one_sent && Reminder::OneDay.has_come(due, today) {
        Some((Reminder::OneDay, !seven_sent))
    } else if !seven_sent && !one_sent && Reminder::SevenDays.has_come(due, today) {
        Some((Reminder::SevenDays, false))
    } else {
        None
    }
}

#[derive(FromQueryResult)]
struct Candidate {
    id: i32,
    name: String,
    due_on: NaiveDate,
    seven_sent: i64,
    one_sent: i64,
}

/// Sends the reminders whose day has come; answers how many reminders (not emails) went.
/// "Today" is the date in the department's time zone.
pub async fn remind_due(db: &Db, zone: chrono_tz::Tz, now: DateTime<Utc>) -> AppResult<usize> {
    let today = now.with_timezone(&zone).date_naive();
    // A read first: cycles in self-evaluation with a deadline, and which reminders they had.
    let conn = db.conn();
    let mut p = Params::new();
    let seven = p.bind(Reminder::SevenDays.as_str());
    let one = p.bind(Reminder::OneDay.as_str());
    let phase = p.bind(Phase::SelfEvaluation.as_str());
    let sql = format!(
        "SELECT c.id, c.name, c.self_evaluation_due_on AS due_on, \
           (SELECT COUNT(*) FROM cycle_reminders r WHERE r.cycle_id = c.id AND r.which = {seven}) AS seven_sent, \
           (SELECT COUNT(*) FROM cycle_reminders r WHERE r.cycle_id = c.id AND r.which = {one}) AS one_sent \
         FROM review_cycles c \
         WHERE c.phase = {phase} AND c.self_evaluation_due_on IS NOT NULL \
         ORDER BY c.id"
    );
    let candidates = Candidate::find_by_statement(p.statement(conn.get_database_backend(), sql))
        .all(conn)
        .await?;
    let mut sent = 0;
    for c in candidates {
        let Some((which, skip_week)) = due_now(c.due_on, today, c.seven_sent > 0, c.one_sent > 0)
        else {
            continue;
        };
        let txn = db.write().await?;
        if record(&txn, c.id, c.due_on, which, now).await? {
            if skip_week {
                record(&txn, c.id, c.due_on, Reminder::SevenDays, now).await?;
            }
            let reached = notify_audience(
                &txn,
                &Payload::SelfEvaluationReminder {
                    cycle_id: c.id,
                    cycle: c.name.clone(),
                    due_on: c.due_on,
                    days_left: (c.due_on - today).num_days(),
                },
                Audience::NotSubmitted { cycle_id: c.id },
                None,
                None,
                now,
            )
            .await?;
            tracing::info!(
                cycle_id = c.id,
                which = which.as_str(),
                people = reached,
                "a self-evaluation reminder was written"
            );
            sent += 1;
        }
        txn.commit().await?;
    }
    Ok(sent)
}

/// Records that `which` went for the cycle, if nobody did before and the cycle is still in
/// self-evaluation with the deadline that was read; answers whether this call recorded it.
async fn record(
    txn: &WriteTxn,
    cycle_id: i32,
    due_on: NaiveDate,
    which: Reminder,
    now: DateTime<Utc>,
) -> AppResult<bool> {
    let mut p = Params::new();
    let which = p.bind(which.as_str());
    let at = p.bind(now);
    let id = p.bind(cycle_id);
    let phase = p.bind(Phase::SelfEvaluation.as_str());
    let due = p.bind(due_on);
    let sql = format!(
        "INSERT INTO cycle_reminders (cycle_id, which, sent_at) \
         SELECT c.id, {which}, {at} FROM review_cycles c \
         WHERE c.id = {id} AND c.phase = {phase} AND c.self_evaluation_due_on = {due} \
         ON CONFLICT (cycle_id, which) DO NOTHING"
    );
    let result = txn
        .execute_raw(p.statement(txn.get_database_backend(), sql))
        .await?;
    Ok(result.rows_affected() == 1)
}

/// Forgets the reminders sent for a cycle's deadline, in the transaction that changes
/// it: a new deadline gets its own reminders.
pub async fn forget_reminders(txn: &WriteTxn, cycle_id: i32) -> AppResult<()> {
    let mut p = Params::new();
    let sql = format!(
        "DELETE FROM cycle_reminders WHERE cycle_id = {}",
        p.bind(cycle_id)
    );
    txn.execute_raw(p.statement(txn.get_database_backend(), sql))
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(d: &str) -> NaiveDate {
        NaiveDate::parse_from_str(d, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn each_reminder_comes_on_its_day_and_the_last_day_sends_only_one() {
        crate::validate::assert_labelled::<Reminder>();
        let due = day("2026-12-20");
        #[rustfmt::skip]
        let cases = [
            ("2026-12-12", false, false, None),
            ("2026-12-13", false, false, Some((Reminder::SevenDays, false))),
            ("2026-12-16", false, false, Some((Reminder::SevenDays, false))),
            ("2026-12-16", true, false, None),
            ("2026-12-19", true, false, Some((Reminder::OneDay, false))),
            ("2026-12-19", false, false, Some((Reminder::OneDay, true))),
            ("2026-12-20", true, false, Some((Reminder::OneDay, false))),
            ("2026-12-20", true, true, None),
            ("2026-12-21", true, false, None),
            ("2026-12-21", false, false, None),
        ];
        for (today, seven, one, expected) in cases {
            assert_eq!(
                due_now(due, day(today), seven, one),
                expected,
                "{today} {seven} {one}"
            );
        }
    }
}
