//! How people read dates: one format on every page and in every sentence the services
//! write for people, "27 Nov 2026", with the time where it matters, "27 Nov 2026, 14:05".
//! ISO dates stay where machines read them: the API's JSON, CSV exports and the values
//! of `<input type="date">`.
//!
//! Templates call these as methods (`{{ goal.agreed_at.as_day() }}`): askama resolves
//! methods in the module that defines the template struct, so that module brings
//! `dates::Shown` into scope (`use crate::dates::Shown;`).

use std::{fmt::Display, sync::LazyLock};

use chrono::{
    DateTime, NaiveDate, NaiveDateTime, TimeZone,
    format::{Item, StrftimeItems},
};

/// The day: "27 Nov 2026" (no leading zero, short month).
pub const DAY: &str = "%-d %b %Y";
/// The day and the time: "27 Nov 2026, 14:05".
pub const DAY_TIME: &str = "%-d %b %Y, %H:%M";
/// A meeting's start, where the weekday helps: "Friday 27 Nov 2026, 14:05".
pub const WEEKDAY_TIME: &str = "%A %-d %b %Y, %H:%M";

/// A month on its own, where a month is what is counted: "Nov 2026".
pub const MONTH: &str = "%b %Y";

/// A month kept as its key, "2026-03" (as the API and CSV exports give it), as pages
/// write it: "Mar 2026". A key that is not a month is shown as it is.
pub fn month_of_key(key: &str) -> String {
    NaiveDate::parse_from_str(&format!("{key}-01"), "%Y-%m-%d")
        .map(|first| first.format(MONTH).to_string())
        .unwrap_or_else(|_| key.to_owned())
}

// The formats parsed once: a page of twenty kudos writes forty dates, and reading the
// format string again for each was a tenth of the signed-in portal's CPU (perf, in the
// notes of issue 15).
static DAY_ITEMS: LazyLock<Vec<Item<'static>>> =
    LazyLock::new(|| StrftimeItems::new(DAY).collect());
static DAY_TIME_ITEMS: LazyLock<Vec<Item<'static>>> =
    LazyLock::new(|| StrftimeItems::new(DAY_TIME).collect());
static WEEKDAY_TIME_ITEMS: LazyLock<Vec<Item<'static>>> =
    LazyLock::new(|| StrftimeItems::new(WEEKDAY_TIME).collect());

/// A date or an instant as pages write it.
pub trait Shown {
    /// "27 Nov 2026".
    fn as_day(&self) -> String;
}

/// An instant (or a clock time) as pages write it, with its time.
pub trait ShownAt: Shown {
    /// "27 Nov 2026, 14:05".
    fn as_day_time(&self) -> String;
    /// "Friday 27 Nov 2026, 14:05".
    fn as_weekday_time(&self) -> String;
}

impl Shown for NaiveDate {
    fn as_day(&self) -> String {
        self.format_with_items(DAY_ITEMS.iter()).to_string()
    }
}

impl Shown for NaiveDateTime {
    fn as_day(&self) -> String {
        self.format_with_items(DAY_ITEMS.iter()).to_string()
    }
}

impl ShownAt for NaiveDateTime {
    fn as_day_time(&self) -> String {
        self.format_with_items(DAY_TIME_ITEMS.iter()).to_string()
    }
    fn as_weekday_time(&self) -> String {
        self.format_with_items(WEEKDAY_TIME_ITEMS.iter())
            .to_string()
    }
}

impl<Tz: TimeZone> Shown for DateTime<Tz>
where
    Tz::Offset: Display,
{
    fn as_day(&self) -> String {
        self.format_with_items(DAY_ITEMS.iter()).to_string()
    }
}

impl<Tz: TimeZone> ShownAt for DateTime<Tz>
where
    Tz::Offset: Display,
{
    fn as_day_time(&self) -> String {
        self.format_with_items(DAY_TIME_ITEMS.iter()).to_string()
    }
    fn as_weekday_time(&self) -> String {
        self.format_with_items(WEEKDAY_TIME_ITEMS.iter())
            .to_string()
    }
}

#[cfg(test)]
mod tests {
    use chrono::{NaiveTime, Utc};

    use super::*;

    #[test]
    fn days_read_as_day_month_year() {
        let day = NaiveDate::from_ymd_opt(2026, 3, 3).unwrap();
        assert_eq!(day.as_day(), "3 Mar 2026");
        let at = day.and_time(NaiveTime::from_hms_opt(14, 5, 0).unwrap());
        assert_eq!(at.as_day_time(), "3 Mar 2026, 14:05");
        assert_eq!(at.and_utc().as_day(), "3 Mar 2026");
        assert_eq!(at.and_utc().as_weekday_time(), "Tuesday 3 Mar 2026, 14:05");
        assert_eq!(Utc::now().as_day().matches(' ').count(), 2);
        assert_eq!(month_of_key("2026-03"), "Mar 2026");
        assert_eq!(month_of_key("all"), "all");
    }
}
