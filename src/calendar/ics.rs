//! Meetings as iCalendar (RFC 5545): a feed that lists them, and a file for one.
//!
//! The `icalendar` crate writes the text, with its line folding (at most 75 octets, never
//! inside a character) and the escaping of TEXT values; this module decides what is said.
//! The rules that calendar tools got wrong before, and that the tests hold:
//! - every meeting keeps one UID for life, unique to this installation, so a
//!   subscription updates an event instead of adding a second one;
//! - SEQUENCE is the meeting's own counter, which grows with every change, so a
//!   calendar takes the newer version;
//! - times are written in UTC (`…Z`), allowed by RFC 5545 and free of time-zone tables:
//!   the instant is the one the department chose in its own zone, whatever a
//!   daylight-saving change does between now and then;
//! - a cancelled meeting stays in the feed with STATUS:CANCELLED, and its own file says
//!   METHOD:CANCEL, so calendars remove it rather than keep a ghost.

use chrono::{DateTime, Duration, Utc};
use icalendar::{Calendar, Component, EventLike, EventStatus, Property};

/// What a calendar shows of one meeting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IcsEvent {
    /// Stable for the meeting's life and unique to the installation.
    pub uid: String,
    /// Grows with every change of the meeting.
    pub sequence: u32,
    pub summary: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub location: String,
    /// Plain text; line breaks are kept.
    pub description: String,
    /// The meeting's page.
    pub url: Option<String>,
    pub cancelled: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Who wrote the file (RFC 5545 3.7.3).
const PRODID: &str = "-//staffdev//Meetings//EN";
/// How often a subscribed calendar should look again.
const REFRESH: Duration = Duration::hours(1);

/// A feed of meetings to subscribe to: METHOD:PUBLISH, named for calendar apps.
/// `now` is the moment the feed is written (DTSTAMP).
pub fn feed(name: &str, events: &[IcsEvent], now: DateTime<Utc>) -> String {
    let mut calendar = header("PUBLISH");
    calendar.name(name).ttl(&REFRESH);
    calendar.extend(events.iter().map(|event| to_event(event, now)));
    calendar.to_string()
}

/// One meeting as a file to open in a calendar: METHOD:PUBLISH, or METHOD:CANCEL when the
/// meeting is cancelled (RFC 5546), so importing it removes the event.
pub fn single(event: &IcsEvent, now: DateTime<Utc>) -> String {
    let method = if event.cancelled { "CANCEL" } else { "PUBLISH" };
    let mut calendar = header(method);
    calendar.push(to_event(event, now));
    calendar.to_string()
}

fn header(method: &str) -> Calendar {
    let mut calendar = Calendar::empty();
    calendar
        .append_property(Property::new("VERSION", "2.0"))
        .append_property(Property::new("PRODID", PRODID))
        .append_property(Property::new("CALSCALE", "GREGORIAN"))
        .append_property(Property::new("METHOD", method));
    calendar
}

fn to_event(event: &IcsEvent, now: DateTime<Utc>) -> icalendar::Event {
    let mut out = icalendar::Event::with_uid(&event.uid);
    out.timestamp(now)
        .sequence(event.sequence)
        .summary(&one_line(&event.summary))
        .starts(event.starts_at)
        .ends(event.ends_at)
        .created(event.created_at)
        .last_modified(event.updated_at)
        .status(if event.cancelled {
            EventStatus::Cancelled
        } else {
            EventStatus::Confirmed
        });
    if !event.location.trim().is_empty() {
        out.location(&one_line(&event.location));
    }
    let description = line_breaks(&event.description);
    if !description.trim().is_empty() {
        out.description(&description);
    }
    if let Some(url) = &event.url {
        out.url(url);
    }
    out.done()
}

/// Line breaks as RFC 5545 escapes them (`\n`): a CR left in would end the content line.
/// Trailing blanks go: some readers trim the end of every content line.
fn line_breaks(text: &str) -> String {
    text.trim_end().replace("\r\n", "\n").replace('\r', "\n")
}

/// A one-line value (a title, a place): a stray line break becomes a space, and trailing
/// blanks go as in `line_breaks`.
fn one_line(text: &str) -> String {
    text.split(['\r', '\n'])
        .filter(|part| !part.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
        .trim_end()
        .to_owned()
}

#[cfg(test)]
mod tests {
    use chrono::{NaiveDate, TimeZone};
    use ical::parser::ical::component::{IcalCalendar, IcalEvent};

    use super::*;

    /// Reads a calendar with `ical`, a parser that shares nothing with the writer.
    fn parse(text: &str) -> IcalCalendar {
        let mut calendars = ical::IcalParser::new(std::io::BufReader::new(text.as_bytes()));
        let calendar = calendars
            .next()
            .expect("one calendar")
            .expect("the calendar parses");
        assert!(calendars.next().is_none(), "exactly one calendar");
        calendar
    }

    fn value<'a>(properties: &'a [ical::property::Property], name: &str) -> Option<&'a str> {
        properties
            .iter()
            .find(|p| p.name == name)
            .and_then(|p| p.value.as_deref())
    }

    fn event_value<'a>(event: &'a IcalEvent, name: &str) -> &'a str {
        value(&event.properties, name).unwrap_or_else(|| panic!("{name} is missing"))
    }

    /// RFC 5545 3.3.11, read back: `ical` leaves TEXT values escaped.
    fn unescape(text: &str) -> String {
        let mut out = String::new();
        let mut chars = text.chars();
        while let Some(c) = chars.next() {
            if c != '\\' {
                out.push(c);
                continue;
            }
            match chars.next() {
                Some('n' | 'N') => out.push('\n'),
                Some(other) => out.push(other),
                None => out.push('\\'),
            }
        }
        out
    }

    fn at(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, h, min, 0).unwrap()
    }

    fn meeting() -> IcsEvent {
        IcsEvent {
            uid: "meeting-7@example.org".to_owned(),
            sequence: 3,
            summary: "Quarterly meeting".to_owned(),
            starts_at: at(2026, 12, 10, 13, 0),
            ends_at: at(2026, 12, 10, 17, 0),
            location: "Library, room 2".to_owned(),
            description: "Welcome\nWhat are our values?".to_owned(),
            url: Some("https://staffdev.example.org/meetings/7".to_owned()),
            cancelled: false,
            created_at: at(2026, 11, 1, 9, 0),
            updated_at: at(2026, 11, 20, 9, 30),
        }
    }

    fn now() -> DateTime<Utc> {
        at(2026, 12, 2, 8, 0)
    }

    #[test]
    fn a_feed_publishes_every_meeting_with_its_uid_sequence_and_times_in_utc() {
        let mut cancelled = meeting();
        cancelled.uid = "meeting-8@example.org".to_owned();
        cancelled.cancelled = true;
        let text = feed("Department meetings", &[meeting(), cancelled], now());
        let calendar = parse(&text);
        assert_eq!(value(&calendar.properties, "METHOD"), Some("PUBLISH"));
        assert_eq!(value(&calendar.properties, "VERSION"), Some("2.0"));
        assert_eq!(
            value(&calendar.properties, "X-WR-CALNAME"),
            Some("Department meetings")
        );
        assert!(value(&calendar.properties, "PRODID").is_some());
        assert_eq!(calendar.events.len(), 2);

        let event = &calendar.events[0];
        assert_eq!(event_value(event, "UID"), "meeting-7@example.org");
        assert_eq!(event_value(event, "SEQUENCE"), "3");
        assert_eq!(event_value(event, "DTSTART"), "20261210T130000Z");
        assert_eq!(event_value(event, "DTEND"), "20261210T170000Z");
        assert_eq!(event_value(event, "DTSTAMP"), "20261202T080000Z");
        assert_eq!(event_value(event, "CREATED"), "20261101T090000Z");
        assert_eq!(event_value(event, "LAST-MODIFIED"), "20261120T093000Z");
        assert_eq!(event_value(event, "STATUS"), "CONFIRMED");
        assert_eq!(event_value(event, "SUMMARY"), "Quarterly meeting");
        assert_eq!(unescape(event_value(event, "LOCATION")), "Library, room 2");
        assert_eq!(
            unescape(event_value(event, "DESCRIPTION")),
            "Welcome\nWhat are our values?"
        );
        assert_eq!(
            event_value(event, "URL"),
            "https://staffdev.example.org/meetings/7"
        );
        assert_eq!(event_value(&calendar.events[1], "STATUS"), "CANCELLED");
    }

    #[test]
    fn every_line_ends_in_crlf_and_fits_in_75_octets_even_with_multibyte_text() {
        let mut event = meeting();
        // Three- and four-byte characters around the fold points, and a long URL.
        event.summary = "Réunion trimestrielle — 価値観について話し合う 🗓️ ".repeat(6);
        event.description = "Ünïcödé agenda: ".repeat(20);
        event.url = Some(format!(
            "https://staffdev.example.org/meetings/7?{}",
            "x".repeat(120)
        ));
        let text = single(&event, now());
        assert!(text.ends_with("\r\n"));
        for line in text.split_terminator("\r\n") {
            assert!(!line.contains('\n') && !line.contains('\r'), "{line:?}");
            assert!(line.len() <= 75, "{} octets: {line:?}", line.len());
        }
        assert!(
            text.split_terminator("\r\n").any(|l| l.starts_with(' ')),
            "long values are folded"
        );
        // Unfolded by the other parser, the values come back whole.
        let parsed = parse(&text);
        let back = &parsed.events[0];
        assert_eq!(
            unescape(event_value(back, "SUMMARY")),
            event.summary.trim_end()
        );
        // Trailing blanks are dropped on purpose (some readers trim lines); nothing else.
        assert_eq!(
            unescape(event_value(back, "DESCRIPTION")),
            event.description.trim_end()
        );
        assert_eq!(event_value(back, "URL"), event.url.as_deref().unwrap());
    }

    #[test]
    fn commas_semicolons_backslashes_and_line_breaks_are_escaped() {
        let mut event = meeting();
        event.summary = r"Values; mission, vision \ more".to_owned();
        event.location = "Room 2; building A, floor 3".to_owned();
        event.description =
            "Line one\r\nLine two; with, commas\\and a backslash\rLine three".to_owned();
        let text = single(&event, now());
        assert!(
            text.contains(r"SUMMARY:Values\; mission\, vision \\ more"),
            "{text}"
        );
        assert!(text.contains(r"LOCATION:Room 2\; building A\, floor 3"));
        let parsed = parse(&text);
        let back = &parsed.events[0];
        assert_eq!(
            unescape(event_value(back, "DESCRIPTION")),
            "Line one\nLine two; with, commas\\and a backslash\nLine three"
        );
        assert_eq!(
            unescape(event_value(back, "SUMMARY")),
            r"Values; mission, vision \ more"
        );
    }

    #[test]
    fn a_line_break_in_a_title_or_place_cannot_start_a_property_of_its_own() {
        let mut event = meeting();
        event.summary = "Quarterly\r\nSTATUS:CANCELLED".to_owned();
        event.location = "Room 2\nX-INJECTED:1".to_owned();
        let parsed = parse(&single(&event, now()));
        let back = &parsed.events[0];
        assert_eq!(event_value(back, "STATUS"), "CONFIRMED");
        assert_eq!(
            unescape(event_value(back, "SUMMARY")),
            "Quarterly STATUS:CANCELLED"
        );
        assert!(value(&back.properties, "X-INJECTED").is_none());
    }

    #[test]
    fn a_cancelled_meeting_downloads_as_a_cancellation() {
        let mut event = meeting();
        event.cancelled = true;
        event.sequence = 4;
        let parsed = parse(&single(&event, now()));
        assert_eq!(value(&parsed.properties, "METHOD"), Some("CANCEL"));
        let back = &parsed.events[0];
        assert_eq!(event_value(back, "STATUS"), "CANCELLED");
        assert_eq!(event_value(back, "UID"), "meeting-7@example.org");
        assert_eq!(event_value(back, "SEQUENCE"), "4");

        let published = parse(&single(&meeting(), now()));
        assert_eq!(value(&published.properties, "METHOD"), Some("PUBLISH"));
    }

    #[test]
    fn meetings_either_side_of_a_daylight_saving_change_keep_their_local_time() {
        // The department is in Berlin; its meetings start at 09:00 there. Summer time
        // begins on 29 March 2026, so 09:00 is 08:00 UTC before and 07:00 UTC after.
        let berlin = chrono_tz::Europe::Berlin;
        let local = |d: u32| {
            berlin
                .from_local_datetime(
                    &NaiveDate::from_ymd_opt(2026, 3, d)
                        .unwrap()
                        .and_hms_opt(9, 0, 0)
                        .unwrap(),
                )
                .single()
                .unwrap()
                .with_timezone(&Utc)
        };
        let mut before = meeting();
        before.uid = "before@example.org".to_owned();
        before.starts_at = local(27);
        before.ends_at = before.starts_at + Duration::minutes(240);
        let mut after = meeting();
        after.uid = "after@example.org".to_owned();
        after.starts_at = local(30);
        after.ends_at = after.starts_at + Duration::minutes(240);
        let parsed = parse(&feed("Meetings", &[before.clone(), after.clone()], now()));

        let read = |event: &IcalEvent, name: &str| {
            let raw = event_value(event, name);
            assert!(raw.ends_with('Z'), "{name} is in UTC: {raw}");
            chrono::NaiveDateTime::parse_from_str(raw, "%Y%m%dT%H%M%SZ")
                .unwrap()
                .and_utc()
        };
        assert_eq!(
            event_value(&parsed.events[0], "DTSTART"),
            "20260327T080000Z"
        );
        assert_eq!(
            event_value(&parsed.events[1], "DTSTART"),
            "20260330T070000Z"
        );
        for (event, original) in parsed.events.iter().zip([&before, &after]) {
            assert_eq!(read(event, "DTSTART"), original.starts_at);
            assert_eq!(read(event, "DTEND"), original.ends_at);
            // Shown in Berlin, both start at nine.
            assert_eq!(
                read(event, "DTSTART")
                    .with_timezone(&berlin)
                    .format("%H:%M")
                    .to_string(),
                "09:00"
            );
            // No time-zone parameter, so no VTIMEZONE is needed or can be wrong.
            let start = event
                .properties
                .iter()
                .find(|p| p.name == "DTSTART")
                .unwrap();
            assert!(start.params.is_none(), "{:?}", start.params);
        }
        assert!(parsed.timezones.is_empty());
    }

    #[test]
    fn the_same_meeting_writes_the_same_event_but_for_its_stamp() {
        let first = single(&meeting(), now());
        let second = single(&meeting(), now() + Duration::hours(1));
        let strip = |text: &str| {
            text.split_terminator("\r\n")
                .filter(|l| !l.starts_with("DTSTAMP:"))
                .collect::<Vec<_>>()
                .join("\n")
        };
        assert_eq!(strip(&first), strip(&second));
    }
}
