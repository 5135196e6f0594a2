//! The retreat's year in review: the summary of the twelve months before a retreat, shown
//! under its review item and in its printable agenda.

use chrono::{Months, NaiveDate};

use super::{Period, Summary, public_summary};
use crate::{
    auth::Actor,
    db::Db,
    error::AppResult,
    policy::{self, Action},
};

/// The twelve months before `start`: from the same day a year earlier to the day before.
pub fn year_before(start: NaiveDate) -> Period {
    let to = start.pred_opt().unwrap_or(start);
    let from = start
        .checked_sub_months(Months::new(12))
        .unwrap_or(NaiveDate::MIN);
    Period::days(from, to)
}

/// The summary of the twelve months before a retreat that starts on `start`, beside the
/// twelve months before those. A fixed number of queries.
///
/// The agenda is read by everyone who attends (staff, managers, advisors, the cio), and
/// the printed agenda travels further, so it shows what a reader who knows nobody one by
/// one sees (`public_summary`): figures about fewer than k people are hidden for every
/// reader, the cio included. The full summary, as the reader may see it, is one link away.
pub async fn year_in_review(
    db: &Db,
    actor: &Actor,
    start: NaiveDate,
    k: i64,
) -> AppResult<Summary> {
    policy::check(actor.principal(), Action::ReadSummaries)?;
    let period = year_before(start);
    let previous = period.before();
    public_summary(db, period, previous, k).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_year_before_ends_the_day_before_the_retreat() {
        let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).expect("date");
        let p = year_before(day(2026, 3, 10));
        assert_eq!((p.from, p.to), (day(2025, 3, 10), day(2026, 3, 9)));
        // A leap day falls back to the last day of February.
        let p = year_before(day(2028, 2, 29));
        assert_eq!((p.from, p.to), (day(2027, 2, 28), day(2028, 2, 28)));
    }
}
