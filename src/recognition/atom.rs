//! The portal as an Atom feed (RFC 4287): the feed's page written as XML, with a
//! `rel="next"` link to the following page (RFC 5005). Presentation, like the pages: the
//! service hands over the items, this decides how a feed reader sees them.

use atom_syndication::{Content, Entry, Feed, Link, Person, Text};
use chrono::Utc;

use super::FeedItem;
use crate::{
    error::{AppError, AppResult},
    paging::Page,
    people::PersonRef,
    validate::Word,
};

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
    let link = |rel: &str, href: String, mime: Option<&str>| Link {
        href,
        rel: rel.to_owned(),
        mime_type: mime.map(str::to_owned),
        ..Link::default()
    };
    let entries: Vec<Entry> = page
        .items
        .iter()
        .map(|item| {
            let (id, title, author, text, href) = feed_entry(item);
            let at = item.created_at().fixed_offset();
            Entry {
                id: format!("tag:staffdev,2026:{installation}/{id}"),
                title: Text::plain(title),
                updated: at,
                published: Some(at),
                authors: vec![Person {
                    name: author,
                    ..Person::default()
                }],
                links: vec![link(
                    "alternate",
                    format!("{base}{href}"),
                    Some("text/html"),
                )],
                content: Some(Content {
                    value: Some(text),
                    content_type: Some("text".to_owned()),
                    ..Content::default()
                }),
                ..Entry::default()
            }
        })
        .collect();
    let updated = page
        .items
        .first()
        .map_or_else(Utc::now, FeedItem::created_at)
        .fixed_offset();
    let mut links = vec![
        link(
            "self",
            format!("{base}{path}"),
            Some("application/atom+xml"),
        ),
        link("alternate", format!("{base}/portal"), Some("text/html")),
    ];
    if let Some(next) = &page.next {
        links.push(link(
            "next",
            format!("{base}{path}?after={next}"),
            Some("application/atom+xml"),
        ));
    }
    let feed = Feed {
        id: format!("tag:staffdev,2026:{installation}/portal"),
        title: Text::plain("The department portal"),
        subtitle: Some(Text::plain(
            "Kudos, the trophy's notebook, compliments and news",
        )),
        updated,
        authors: vec![Person {
            name: "staffdev".to_owned(),
            ..Person::default()
        }],
        links,
        entries,
        ..Feed::default()
    };
    feed.write_to(Vec::new())
        .map_err(|err| AppError::internal(anyhow::Error::new(err).context("writing the feed")))
}

fn names(people: &[PersonRef]) -> String {
    people
        .iter()
        .map(|p| p.name.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// (id, title, author, text, page) of a feed entry.
fn feed_entry(item: &FeedItem) -> (String, String, String, String, String) {
    match item {
        FeedItem::Kudos(k) => (
            format!("kudos/{}", k.id),
            format!("{} thanked {}", k.giver.name, names(&k.recipients)),
            k.giver.name.clone(),
            k.message.clone(),
            "/portal".to_owned(),
        ),
        FeedItem::Entry(e) => (
            format!("notebook/{}", e.id),
            match &e.giver {
                Some(giver) => format!(
                    "{} passed {} to {}",
                    giver.name, e.trophy_name, e.receiver.name
                ),
                None => format!("{} starts with {}", e.trophy_name, e.receiver.name),
            },
            e.giver
                .as_ref()
                .map_or_else(|| "staffdev".to_owned(), |g| g.name.clone()),
            e.message.clone().unwrap_or_default(),
            format!("/trophies/{}", e.trophy_id),
        ),
        FeedItem::Compliment(c) => (
            format!("compliment/{}", c.id),
            format!("A compliment for {}", c.person.name),
            if c.giver_affiliation.is_empty() {
                c.giver_name.clone()
            } else {
                format!("{} ({})", c.giver_name, c.giver_affiliation)
            },
            c.message.clone(),
            // Not the person's profile: a public feed's anonymous readers cannot open it.
            "/compliments".to_owned(),
        ),
        FeedItem::Announcement(a) => (
            format!("announcement/{}", a.id),
            format!("{}: {}", a.kind.label(), a.title),
            a.posted_by.name.clone(),
            a.body.clone(),
            "/announcements".to_owned(),
        ),
    }
}
