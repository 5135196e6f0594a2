//! Calendars and private links: meetings as iCalendar (a personal feed to subscribe to, a
//! file per meeting to download) and the secret links that let calendar apps and feed
//! readers, which cannot sign in, read as their owner (see `links`).
//!
//! This area keeps no meetings of its own: it asks `meetings` for what a person may see
//! (`calendar_meeting`, `calendar_meetings`) and writes it out (`ics`).

pub mod api;
pub mod ics;
pub mod links;
pub mod pages;

pub use links::{
    PrivateLinks, calendar_path, link_owner, portal_feed_path, private_links, reset_private_links,
};

use std::sync::Arc;

use chrono::{DateTime, Utc};

use crate::{
    auth::Actor,
    db::Db,
    error::AppResult,
    meetings::{self, CalendarMeeting, MeetingStatus},
    paging::Page,
    recognition::{self, FeedCache, FeedItem, Reader},
    validate::Word,
};

/// What calendar apps call the personal feed.
pub const FEED_NAME: &str = "Department meetings";

/// One page of the portal's feed, read through a private link as its owner would read
/// it signed in: the same function and the same shared first page as `/portal/feed.atom`.
pub async fn portal_feed(
    db: &Db,
    cache: &Arc<FeedCache>,
    secret: &str,
    portal_public: bool,
    after: Option<&str>,
) -> AppResult<Arc<Page<FeedItem>>> {
    let owner = link_owner(db, secret).await?;
    let reader = Reader {
        principal: Some(owner),
        portal_public,
    };
    recognition::feed(db, cache, reader, after).await
}

/// Where the iCalendar text says a meeting lives and who wrote it.
pub struct Site<'a> {
    /// The site's address without a trailing slash (empty when unknown: no URL is given).
    pub address: &'a str,
    /// This installation's id (`installation`), part of every UID: it survives restarts
    /// and changes of public URL, and differs between installations.
    pub installation: &'a str,
}

/// The personal calendar feed behind a private link: every meeting that was published
/// (held and cancelled ones included, so calendars update and remove them), never a
/// draft. `now` stamps the feed.
pub async fn meetings_feed(
    db: &Db,
    secret: &str,
    site: &Site<'_>,
    now: DateTime<Utc>,
) -> AppResult<String> {
    link_owner(db, secret).await?;
    let events: Vec<ics::IcsEvent> = meetings::calendar_meetings(db.conn())
        .await?
        .iter()
        .map(|meeting| event_of(meeting, site))
        .collect();
    Ok(ics::feed(FEED_NAME, &events, now))
}

/// A meeting as a file to download.
#[derive(Debug, Clone)]
pub struct CalendarFile {
    pub filename: String,
    pub text: String,
}

/// One meeting as an iCalendar file, for someone signed in: 404 when they may not see it
/// or it was never published; a cancelled meeting is a cancellation (METHOD:CANCEL).
pub async fn meeting_file(
    db: &Db,
    actor: &Actor,
    id: i64,
    site: &Site<'_>,
    now: DateTime<Utc>,
) -> AppResult<CalendarFile> {
    let meeting = meetings::calendar_meeting(db.conn(), actor, id).await?;
    Ok(CalendarFile {
        filename: filename(&meeting),
        text: ics::single(&event_of(&meeting, site), now),
    })
}

/// A meeting as an iCalendar file without a reader to check: for the email that tells
/// everyone of a published meeting, whose audience was chosen when it was written.
pub fn meeting_file_of(
    meeting: &CalendarMeeting,
    site: &Site<'_>,
    now: DateTime<Utc>,
) -> CalendarFile {
    CalendarFile {
        filename: filename(meeting),
        text: ics::single(&event_of(meeting, site), now),
    }
}

/// The UID of a meeting's event: the same for its whole life, and different from every
/// other installation's meeting of the same id.
pub fn uid(meeting_id: i64, installation: &str) -> String {
    format!("meeting-{meeting_id}-{installation}@staffdev")
}

fn event_of(meeting: &CalendarMeeting, site: &Site<'_>) -> ics::IcsEvent {
    let cancelled = meeting.status == MeetingStatus::Cancelled;
    let mut about = vec![meeting.kind.label().to_owned()];
    if let Some(facilitator) = &meeting.facilitator {
        about.push(format!("facilitated by {facilitator}"));
    }
    let mut description = about.join(", ");
    if cancelled {
        description.push_str("\nThis meeting is cancelled.");
    }
    if !meeting.description.trim().is_empty() {
        description.push_str("\n\n");
        description.push_str(&meeting.description);
    }
    ics::IcsEvent {
        uid: uid(meeting.id, site.installation),
        sequence: u32::try_from(meeting.sequence).unwrap_or(0),
        // Calendars that ignore STATUS still tell the reader.
        summary: if cancelled {
            format!("Cancelled: {}", meeting.title)
        } else {
            meeting.title.clone()
        },
        starts_at: meeting.starts_at,
        ends_at: meeting.ends_at,
        location: meeting.location.clone(),
        description,
        url: (!site.address.is_empty())
            .then(|| format!("{}/meetings/{}", site.address, meeting.id)),
        cancelled,
        created_at: meeting.created_at,
        updated_at: meeting.updated_at,
    }
}

/// "winter-meeting-2026-12-10.ics": the title in plain ASCII and the local date.
fn filename(meeting: &CalendarMeeting) -> String {
    let mut slug = String::new();
    for c in meeting.title.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() {
            slug.push(c);
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
        if slug.len() >= 50 {
            break;
        }
    }
    let slug = slug.trim_end_matches('-');
    let date = meeting
        .starts_at
        .with_timezone(&meeting.time_zone)
        .format("%Y-%m-%d");
    if slug.is_empty() {
        format!("meeting-{date}.ics")
    } else {
        format!("{slug}-{date}.ics")
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::meetings::MeetingKind;

    fn meeting(title: &str, status: MeetingStatus) -> CalendarMeeting {
        let starts_at = Utc.with_ymd_and_hms(2026, 12, 10, 23, 30, 0).unwrap();
        CalendarMeeting {
            id: 12,
            title: title.to_owned(),
            kind: MeetingKind::Quarterly,
            status,
            starts_at,
            ends_at: starts_at + chrono::Duration::minutes(240),
            time_zone: chrono_tz::Europe::Berlin,
            location: "Library".to_owned(),
            facilitator: Some("Erin Engineer".to_owned()),
            description: "09:00–09:15 Welcome".to_owned(),
            sequence: 2,
            updated_at: starts_at,
            created_at: starts_at,
        }
    }

    #[test]
    fn a_download_is_named_for_the_title_and_the_local_date() {
        // 23:30 UTC on the 10th is the 11th in Berlin.
        let cases = [
            ("Winter meeting", "winter-meeting-2026-12-11.ics"),
            ("  Réunion: d'hiver!  ", "r-union-d-hiver-2026-12-11.ics"),
            ("价值观", "meeting-2026-12-11.ics"),
            ("../../etc/passwd", "etc-passwd-2026-12-11.ics"),
        ];
        for (title, expected) in cases {
            assert_eq!(
                filename(&meeting(title, MeetingStatus::Published)),
                expected
            );
        }
        let long = filename(&meeting(&"a".repeat(300), MeetingStatus::Published));
        assert!(long.len() <= 50 + ".ics".len() + 11, "{long}");
    }

    #[test]
    fn an_event_carries_the_meeting_and_a_cancellation_says_so() {
        let site = Site {
            address: "https://staffdev.example.org",
            installation: "abc",
        };
        let event = event_of(&meeting("Winter meeting", MeetingStatus::Published), &site);
        assert_eq!(event.uid, "meeting-12-abc@staffdev");
        assert_eq!(event.sequence, 2);
        assert_eq!(event.summary, "Winter meeting");
        assert!(!event.cancelled);
        assert_eq!(
            event.description,
            "Quarterly meeting, facilitated by Erin Engineer\n\n09:00–09:15 Welcome"
        );
        assert_eq!(
            event.url.as_deref(),
            Some("https://staffdev.example.org/meetings/12")
        );

        let cancelled = event_of(&meeting("Winter meeting", MeetingStatus::Cancelled), &site);
        assert!(cancelled.cancelled);
        assert_eq!(cancelled.uid, event.uid, "the same event, now cancelled");
        assert_eq!(cancelled.summary, "Cancelled: Winter meeting");
        assert!(cancelled.description.contains("This meeting is cancelled."));

        let nowhere = Site {
            address: "",
            installation: "abc",
        };
        assert_eq!(
            event_of(&meeting("x", MeetingStatus::Held), &nowhere).url,
            None
        );
    }
}
