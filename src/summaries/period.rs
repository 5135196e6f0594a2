//! The span a summary covers: a review cycle, or any range of days of at most five years,
//! and the span it is compared with (the previous cycle, or the days just before of the
//! same length).

use chrono::{DateTime, Days, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::{
    cycles::Cycle,
    error::{AppError, AppResult},
    validate::{Errors, parse_date},
};

/// The longest range a summary covers, in days (five years, leap days included).
pub const MAX_DAYS: i64 = 5 * 366;

/// A period as asked for: a cycle, or `from` and `to`, or nothing (the last twelve
/// months). Dates as typed, so a bad one is a 422 naming its field.
#[derive(Debug, Clone, Default)]
pub struct PeriodInput {
    pub cycle_id: Option<i32>,
    pub from: Option<String>,
    pub to: Option<String>,
}

/// A span of days, both ends included, and the cycle it is when it is one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Period {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub cycle_id: Option<i32>,
    /// The cycle's name, or the dates.
    pub label: String,
}

impl Period {
    pub fn days(from: NaiveDate, to: NaiveDate) -> Period {
        Period {
            // A name for people (the API gives `from` and `to` as dates beside it).
            label: format!(
                "{} to {}",
                from.format(crate::dates::DAY),
                to.format(crate::dates::DAY)
            ),
            from,
            to,
            cycle_id: None,
        }
    }

    pub fn of_cycle(cycle: &Cycle) -> Period {
        Period {
            from: cycle.starts_on,
            to: cycle.ends_on,
            cycle_id: Some(cycle.id),
            label: cycle.name.clone(),
        }
    }

    /// Its length in days, both ends included.
    pub fn length(&self) -> i64 {
        (self.to - self.from).num_days() + 1
    }

    /// The first instant of the period (UTC).
    pub fn start_instant(&self) -> DateTime<Utc> {
        self.from.and_time(chrono::NaiveTime::MIN).and_utc()
    }

    /// The first instant after the period (UTC).
    pub fn end_instant(&self) -> DateTime<Utc> {
        (self.to + chrono::Duration::days(1))
            .and_time(chrono::NaiveTime::MIN)
            .and_utc()
    }

    /// The day before the period starts: where "since the start" is measured from.
    pub fn eve(&self) -> NaiveDate {
        self.from.pred_opt().unwrap_or(self.from)
    }

    /// The days just before, of the same length.
    pub fn before(&self) -> Period {
        let to = self.eve();
        let from = to
            .checked_sub_days(Days::new(u64::try_from(self.length() - 1).unwrap_or(0)))
            .unwrap_or(NaiveDate::MIN);
        Period::days(from, to)
    }

    /// The cycles whose days overlap the period (a cycle's goals belong to it whole).
    pub fn cycles<'a>(&self, cycles: &'a [Cycle]) -> Vec<&'a Cycle> {
        match self.cycle_id {
            Some(id) => cycles.iter().filter(|c| c.id == id).collect(),
            None => cycles
                .iter()
                .filter(|c| c.starts_on <= self.to && self.from <= c.ends_on)
                .collect(),
        }
    }
}

fn text(raw: &Option<String>) -> Option<&str> {
    raw.as_deref().map(str::trim).filter(|t| !t.is_empty())
}

/// The period asked for and the one it is compared with. A cycle is compared with the
/// cycle that started last before it (or, without one, the days before it); a range with
/// the days just before it. Errors: an unknown cycle (`cycle_id`), a date that is not a
/// date, an end before the start or a range over five years (`to`), a lone end.
pub fn parse(
    input: &PeriodInput,
    cycles: &[Cycle],
    today: NaiveDate,
) -> AppResult<(Period, Period)> {
    let mut errors = Errors::default();
    let from = text(&input.from).and_then(|raw| errors.check("from", parse_date(raw)));
    let to = text(&input.to).and_then(|raw| errors.check("to", parse_date(raw)));
    if let Some(id) = input.cycle_id {
        if text(&input.from).is_some() || text(&input.to).is_some() {
            errors.add("cycle_id", "Choose a cycle or dates, not both.");
            return Err(errors.into_error());
        }
        let Some(cycle) = cycles.iter().find(|c| c.id == id) else {
            errors.add("cycle_id", "No such review cycle.");
            return Err(errors.into_error());
        };
        let previous = cycles
            .iter()
            .filter(|c| c.starts_on < cycle.starts_on)
            .max_by_key(|c| (c.starts_on, c.id));
        let period = Period::of_cycle(cycle);
        let before = previous.map_or_else(|| period.before(), Period::of_cycle);
        return Ok((period, before));
    }
    if !errors.is_empty() {
        return Err(errors.into_error());
    }
    let (from, to) = match (from, to) {
        (None, None) => {
            let from = today
                .checked_sub_days(Days::new(364))
                .unwrap_or(NaiveDate::MIN);
            (from, today)
        }
        (Some(from), Some(to)) => (from, to),
        (None, Some(_)) => return Err(AppError::invalid("from", "Enter the first day.")),
        (Some(_), None) => return Err(AppError::invalid("to", "Enter the last day.")),
    };
    if to < from {
        return Err(AppError::invalid(
            "to",
            "The last day must not be before the first.",
        ));
    }
    let period = Period::days(from, to);
    if period.length() > MAX_DAYS {
        return Err(AppError::invalid(
            "to",
            "A summary covers at most five years.",
        ));
    }
    let before = period.before();
    Ok((period, before))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        parse_date(s).expect("date")
    }

    fn input(from: &str, to: &str) -> PeriodInput {
        PeriodInput {
            cycle_id: None,
            from: Some(from.to_owned()),
            to: Some(to.to_owned()),
        }
    }

    #[test]
    fn a_range_is_compared_with_the_days_just_before() {
        let (p, b) = parse(&input("2026-01-01", "2026-01-31"), &[], day("2026-06-01")).expect("ok");
        assert_eq!(p.length(), 31);
        assert_eq!((b.from, b.to), (day("2025-12-01"), day("2025-12-31")));
    }

    #[test]
    fn bad_ranges_name_their_field() {
        let fields = |r: AppResult<(Period, Period)>| -> Vec<String> {
            r.err()
                .map(|e| e.field_errors().iter().map(|f| f.field.clone()).collect())
                .unwrap_or_default()
        };
        let today = day("2026-06-01");
        assert_eq!(
            fields(parse(&input("2026-02-01", "2026-01-01"), &[], today)),
            ["to"]
        );
        assert_eq!(
            fields(parse(&input("2020-01-01", "2026-01-01"), &[], today)),
            ["to"]
        );
        assert_eq!(
            fields(parse(&input("2021-01-01", "2025-12-31"), &[], today)),
            Vec::<String>::new()
        );
        assert_eq!(
            fields(parse(&input("nope", "2026-01-01"), &[], today)),
            ["from"]
        );
        let unknown = PeriodInput {
            cycle_id: Some(9),
            ..PeriodInput::default()
        };
        assert_eq!(fields(parse(&unknown, &[], today)), ["cycle_id"]);
    }
}
