//! The portal as an Atom feed (RFC 4287): the feed's page written as XML, with a
//! `rel="next"` link to the following page (RFC 5005). Presentation, like the pages: the
//! service hands over the items, this decides how a feed reader sees them.
//!
//! Written element by element with quick-xml's writer (which escapes text and attribute
//! values), straight from the items: building `atom_syndication`'s owned model first (a
//! copy of every field, then the writer's own walk) was a fifth of the CPU of the feed's
//! second page (benches/README.md). The tests read every page back with
//! `atom_syndication`, an independent reader.

use std::{borrow::Cow, io};

use chrono::{DateTime, SecondsFormat, Utc};
use quick_xml::{
    Writer,
    events::{BytesDecl, BytesText, Event},
};

use super::FeedItem;
use crate::{
    error::{AppError, AppResult},
    paging::Page,
    people::PersonRef,
    validate::Word,
};

const ATOM_NAMESPACE: &str = "http://www.w3.org/2005/Atom";
const ATOM_MIME: &str = "application/atom+xml";
const HTML_MIME: &str = "text/html";

/// One page of the feed as an Atom document; `base` is the service's public address
/// (empty when unknown, so links are relative), `path` the address the feed was read at
/// (`/portal/feed.atom`, or a private link's), which its `self` and `next` links keep, and
/// `installation` this installation's id.
///
/// Ids must be unique across every feed a reader follows and never change (RFC 4287
/// 4.2.6), so they are tag URIs that name the installation rather than its address:
/// `tag:staffdev,2026:<installation>/kudos/1` stays when the public URL changes, and two
/// departments' kudos 1 are two entries.
pub fn write(
    page: &Page<FeedItem>,
    base: &str,
    path: &str,
    installation: &str,
) -> AppResult<Vec<u8>> {
    // About 450 bytes an entry: one allocation for the document, most of the time.
    let mut writer = Writer::new(Vec::with_capacity(1024 + 512 * page.items.len()));
    write_feed(&mut writer, page, base, path, installation)
        .map_err(|err| AppError::internal(anyhow::Error::new(err).context("writing the feed")))?;
    Ok(writer.into_inner())
}

fn write_feed(
    w: &mut Writer<Vec<u8>>,
    page: &Page<FeedItem>,
    base: &str,
    path: &str,
    installation: &str,
) -> io::Result<()> {
    w.write_event(Event::Decl(BytesDecl::new("1.0", Some("utf-8"), None)))?;
    let updated = page
        .items
        .first()
        .map_or_else(Utc::now, FeedItem::created_at);
    w.create_element("feed")
        .with_attribute(("xmlns", ATOM_NAMESPACE))
        .write_inner_content(|w| {
            text(w, "title", "The department portal")?;
            text(
                w,
                "subtitle",
                "Kudos, the trophy's notebook, compliments and news",
            )?;
            text(w, "id", &format!("tag:staffdev,2026:{installation}/portal"))?;
            text(w, "updated", &instant(updated))?;
            author(w, "staffdev")?;
            link(w, "self", &format!("{base}{path}"), ATOM_MIME)?;
            link(w, "alternate", &format!("{base}/portal"), HTML_MIME)?;
            if let Some(next) = &page.next {
                link(w, "next", &format!("{base}{path}?after={next}"), ATOM_MIME)?;
            }
            for item in &page.items {
                write_entry(w, item, base, installation)?;
            }
            Ok(())
        })?;
    Ok(())
}

fn write_entry(
    w: &mut Writer<Vec<u8>>,
    item: &FeedItem,
    base: &str,
    installation: &str,
) -> io::Result<()> {
    let entry = FeedEntry::of(item);
    let at = instant(item.created_at());
    w.create_element("entry").write_inner_content(|w| {
        text(w, "title", &entry.title)?;
        text(
            w,
            "id",
            &format!("tag:staffdev,2026:{installation}/{}", entry.id),
        )?;
        text(w, "updated", &at)?;
        text(w, "published", &at)?;
        author(w, &entry.author)?;
        link(w, "alternate", &format!("{base}{}", entry.page), HTML_MIME)?;
        w.create_element("content")
            .with_attribute(("type", "text"))
            .write_text_content(BytesText::new(entry.text))?;
        Ok(())
    })?;
    Ok(())
}

/// An element holding text, escaped.
fn text(w: &mut Writer<Vec<u8>>, name: &str, value: &str) -> io::Result<()> {
    w.create_element(name)
        .write_text_content(BytesText::new(value))?;
    Ok(())
}

fn author(w: &mut Writer<Vec<u8>>, name: &str) -> io::Result<()> {
    w.create_element("author")
        .write_inner_content(|w| text(w, "name", name))?;
    Ok(())
}

fn link(w: &mut Writer<Vec<u8>>, rel: &str, href: &str, mime: &str) -> io::Result<()> {
    w.create_element("link")
        .with_attributes([("href", href), ("rel", rel), ("type", mime)])
        .write_empty()?;
    Ok(())
}

/// An Atom date (RFC 3339), with the precision stored (up to nanoseconds).
fn instant(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::AutoSi, false)
}

fn names(people: &[PersonRef]) -> String {
    people
        .iter()
        .map(|p| p.name.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// What a feed entry shows of an item, borrowed from it where it can be.
struct FeedEntry<'a> {
    /// The item's kind and id, the end of the entry's tag URI.
    id: String,
    title: String,
    author: Cow<'a, str>,
    text: &'a str,
    /// The page the entry links to.
    page: Cow<'a, str>,
}

impl<'a> FeedEntry<'a> {
    fn of(item: &'a FeedItem) -> Self {
        match item {
            FeedItem::Kudos(k) => FeedEntry {
                id: format!("kudos/{}", k.id),
                title: format!("{} thanked {}", k.giver.name, names(&k.recipients)),
                author: Cow::Borrowed(&k.giver.name),
                text: &k.message,
                page: Cow::Borrowed("/portal"),
            },
            FeedItem::Entry(e) => FeedEntry {
                id: format!("notebook/{}", e.id),
                title: match &e.giver {
                    Some(giver) => format!(
                        "{} passed {} to {}",
                        giver.name, e.trophy_name, e.receiver.name
                    ),
                    None => format!("{} starts with {}", e.trophy_name, e.receiver.name),
                },
                author: e
                    .giver
                    .as_ref()
                    .map_or(Cow::Borrowed("staffdev"), |g| Cow::Borrowed(&g.name)),
                text: e.message.as_deref().unwrap_or_default(),
                page: Cow::Owned(format!("/trophies/{}", e.trophy_id)),
            },
            FeedItem::Compliment(c) => FeedEntry {
                id: format!("compliment/{}", c.id),
                title: format!("A compliment for {}", c.person.name),
                author: if c.giver_affiliation.is_empty() {
                    Cow::Borrowed(&c.giver_name)
                } else {
                    Cow::Owned(format!("{} ({})", c.giver_name, c.giver_affiliation))
                },
                text: &c.message,
                // Not the person's profile: a public feed's anonymous readers cannot open it.
                page: Cow::Borrowed("/compliments"),
            },
            FeedItem::Announcement(a) => FeedEntry {
                id: format!("announcement/{}", a.id),
                title: format!("{}: {}", a.kind.label(), a.title),
                author: Cow::Borrowed(&a.posted_by.name),
                text: &a.body,
                page: Cow::Borrowed("/announcements"),
            },
        }
    }
}
