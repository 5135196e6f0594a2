//! Recognition: appreciation shown often and in public. Colleagues send kudos; trophies
//! pass from hand to hand with a notebook that travels with them; the cio posts the
//! compliments heard about staff and the department's news; the portal shows it all.
//!
//! Moderation hides a row (recording who, when and why) and never deletes it: hidden rows
//! leave the portal and the feed but stay on record; the cio can list them and bring one
//! back, and every hiding and unhiding is kept in an append-only record (`moderation`).
//!
//! Every write takes `now`, the moment it happens: the pages and the API pass the real
//! clock (`Utc::now()`), the demo passes moments of the past year, so its history goes
//! through the same rules as everyone's.

pub mod api;
pub mod atom;
mod balance;
mod feed;
mod figures;
mod kudos;
mod moderation;
mod notices;
pub mod pages;
mod tallies;
mod trophies;

pub use balance::{
    BALANCE_DAYS_DEFAULT, Balance, Received, ReceivedKind, TeamBalance, Unrecognised, balance,
    received,
};
pub use feed::{
    FEED_PAGE, FeedCache, FeedItem, PORTAL_ANNOUNCEMENTS, PORTAL_CACHE_TTL, PORTAL_COMPLIMENTS,
    PORTAL_KUDOS, PORTAL_NOTEBOOK, PROFILE_ITEMS, PersonRecognition, Portal, PortalCache, feed,
    portal, recognition_of,
};
pub use figures::{KeyCount, RecognitionFigures, figures_between};
pub use kudos::{KUDOS_RECIPIENTS_MAX, Kudos, KudosInput, give_kudos, kudos_wall, may_thank};
pub use moderation::{
    HiddenItem, HiddenKind, Hideable, ModerationAction, ModerationEvent, hidden_item, hidden_items,
    hide, moderation_history, unhide,
};
pub use notices::{
    ANNOUNCEMENT_BODY_MAX, Announcement, AnnouncementInput, AnnouncementKind, Channel, Compliment,
    ComplimentInput, announcements, compliments, compliments_about, post_announcement,
    post_compliment, post_compliment_in,
};
pub use trophies::{
    EntryKind, NotebookEntry, PassInput, ReassignInput, Trophy, TrophyInput, chain_is_unbroken,
    create_trophy, list_trophies, notebook, notebook_whole, pass_trophy, reassign_trophy, trophy,
    trophy_with_notebook,
};

use chrono::{DateTime, Utc};

use crate::{
    auth::Actor,
    db::Params,
    error::AppResult,
    paging,
    policy::{self, Action, Principal},
    validate::RequiredText,
};

/// Kudos and notebook messages: long enough for a story, short enough for a wall.
pub const MESSAGE_MAX: usize = 2_000;
/// A trophy's notebook entry says why, in a sentence at least.
pub const NOTEBOOK_MESSAGE_MIN: usize = 10;

/// Who is reading: someone signed in, or an anonymous visitor of a public portal.
#[derive(Debug, Clone, Copy)]
pub struct Reader {
    pub principal: Option<Principal>,
    /// The department made the portal public (`STAFFDEV_PORTAL_PUBLIC`).
    pub portal_public: bool,
}

impl Reader {
    pub fn of(actor: Option<&Actor>, portal_public: bool) -> Reader {
        Reader {
            principal: actor.map(Actor::principal),
            portal_public,
        }
    }

    fn check(self) -> AppResult<()> {
        policy::check_portal(self.principal, self.portal_public)
    }

    fn is_cio(self) -> bool {
        self.principal
            .is_some_and(|p| policy::allows(p, Action::ManageRecognition))
    }
}

/// Why and by whom something was hidden (the cio sees it; others see that it was hidden).
#[derive(Debug, Clone)]
pub struct Hidden {
    pub at: DateTime<Utc>,
    pub reason: Option<String>,
}

fn hidden(at: Option<DateTime<Utc>>, reason: Option<String>, reader: Reader) -> Option<Hidden> {
    at.map(|at| Hidden {
        at,
        reason: if reader.is_cio() { reason } else { None },
    })
}

/// The condition that keeps a list, newest first by id, after a page's cursor; the
/// cursor's id is bound in `params`.
fn older_than(alias: &str, after: Option<&str>, params: &mut Params) -> AppResult<String> {
    Ok(match after {
        Some(cursor) => {
            let id: i64 = paging::decode_cursor(cursor)?;
            format!("AND {alias}.id < {}", params.bind(id))
        }
        None => String::new(),
    })
}

/// A page's LIMIT, written into the SQL as a number rather than bound. SQLite reads a
/// bound LIMIT while it plans the statement, and a statement planned with a bound value
/// is prepared again every time that value is bound, that is before every run: a tenth
/// of the CPU of each page read afresh went into parsing and planning its statements
/// again (see benches/README.md). The number is one the code chose (a constant, or a
/// `limit` checked by `paging::limit`), never text from a request; each page size is a
/// statement of its own in the cache.
fn limit_sql(limit: u64) -> String {
    limit.to_string()
}

// ---------------------------------------------------------------------------------------
// Text rules shared by kudos, notebooks and compliments

/// A kudos or compliment message: plain text, trimmed, 1 to 2,000 characters.
pub type Message = RequiredText<MESSAGE_MAX>;

/// A trophy notebook's words: a `Message` of at least a sentence (10 characters), so a
/// pass says why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotebookMessage(Message);

impl NotebookMessage {
    pub fn parse(raw: &str) -> Result<NotebookMessage, String> {
        let text = Message::parse(raw).map_err(|err| err.to_string())?;
        if text.chars().count() < NOTEBOOK_MESSAGE_MIN {
            return Err(format!("Write at least {NOTEBOOK_MESSAGE_MIN} characters."));
        }
        Ok(NotebookMessage(text))
    }

    pub fn into_string(self) -> String {
        self.0.into_string()
    }

    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notebook_messages_say_why_in_a_sentence() {
        let long = "x".repeat(MESSAGE_MAX + 1);
        let cases: [(&str, Result<&str, &str>); 6] = [
            ("  For the migration  ", Ok("For the migration")),
            ("ok", Err("Write at least 10 characters.")),
            // Trimmed before it is counted.
            ("   nine char   ", Err("Write at least 10 characters.")),
            ("   ", Err("This cannot be empty.")),
            (&long, Err("Use at most 2000 characters.")),
            (
                "Thank you\u{7} all",
                Err("Remove the invisible control character U+0007; it cannot be shown."),
            ),
        ];
        for (raw, expected) in cases {
            assert_eq!(
                NotebookMessage::parse(raw).map(NotebookMessage::into_string),
                expected.map(str::to_owned).map_err(str::to_owned),
                "{raw:?}"
            );
        }
        assert!(NotebookMessage::parse(&"x".repeat(MESSAGE_MAX)).is_ok());
        assert!(NotebookMessage::parse(&"x".repeat(NOTEBOOK_MESSAGE_MIN)).is_ok());
    }
}
