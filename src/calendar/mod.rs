//! Calendars and private links: meetings as iCalendar (a personal feed to subscribe to, a
//! file per meeting to download) and the secret links that let calendar apps and feed
//! readers, which cannot sign in, read as their owner (see `links`).
//!
//! This area keeps no meetings of its own: it asks `meetings` for what a person may see
//! and writes it out (`ics`).

pub mod api;
pub mod ics;
mod links;
pub mod pages;

pub use links::{
    PrivateLinks, calendar_path, link_owner, portal_feed_path, private_links, reset_private_links,
};

use std::sync::Arc;

use crate::{
    db::Db,
    error::AppResult,
    paging::Page,
    recognition::{self, FeedCache, FeedItem, Reader},
};

/// One page of the portal's feed, read through a private link as its owner would read
/// it signed in: the same function and the same shared first page as `/portal/feed.atom`.
pub async fn portal_feed(
    db: &Db,
    cache: &FeedCache,
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
