//! What a webhook posts: one message per event, in the body its service expects.
//!
//! - Slack: `{"text": …}` in mrkdwn, with `&`, `<` and `>` escaped in everything people
//!   wrote (so `<script>` or a fake `<https://…|link>` in kudos arrives as text) and the
//!   link as `<url|label>`.
//! - Mattermost: `{"text": …}` in Markdown, the link as `[label](url)` (Mattermost shows
//!   HTML as text by itself).
//! - Microsoft Teams: a MessageCard (`@type`, `@context`, `summary`, `text`), HTML-escaped,
//!   as Teams renders some HTML in a card's text.
//! - Generic: `{"event", "text", "url", "payload"}`: the plain text, the link, and the
//!   event's details as stored.

use chrono_tz::Tz;
use serde_json::{Value, json};

use super::{Format, PublicPayload};
use crate::validate::Word;

/// The words of one message, before a format shapes them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// One line: who did what.
    pub headline: String,
    /// What people wrote, quoted.
    pub quote: Option<String>,
    /// Further lines ("For: Service, Teamwork").
    pub details: Vec<String>,
    pub link_label: &'static str,
    /// The item on the site, absolute.
    pub url: String,
}

/// The message about one event; `site` is the service's address with a trailing slash.
pub fn message(payload: &PublicPayload, site: &str) -> Message {
    let url = format!("{site}{}", payload.path());
    match payload {
        PublicPayload::Kudos {
            from,
            to,
            message,
            values,
            ..
        } => Message {
            headline: format!("{from} sent kudos to {}.", names(to)),
            quote: Some(message.clone()),
            details: if values.is_empty() {
                Vec::new()
            } else {
                vec![format!("For: {}", values.join(", "))]
            },
            link_label: "See them on the portal",
            url,
        },
        PublicPayload::TrophyPassed {
            trophy,
            from,
            to,
            message,
            reassigned,
            ..
        } => Message {
            headline: if *reassigned {
                format!("{trophy} was reassigned from {from} to {to}.")
            } else {
                format!("{from} passed {trophy} to {to}.")
            },
            quote: Some(message.clone()),
            details: Vec::new(),
            link_label: "Read the notebook",
            url,
        },
        PublicPayload::Compliment {
            about,
            from,
            affiliation,
            message,
            ..
        } => Message {
            headline: if affiliation.is_empty() {
                format!("A compliment for {about} from {from}.")
            } else {
                format!("A compliment for {about} from {from} ({affiliation}).")
            },
            quote: Some(message.clone()),
            details: Vec::new(),
            link_label: "See the compliments",
            url,
        },
        PublicPayload::Announcement {
            kind, title, body, ..
        } => Message {
            headline: format!("{kind}: {title}"),
            quote: (!body.is_empty()).then(|| body.clone()),
            details: Vec::new(),
            link_label: "Read the news",
            url,
        },
        PublicPayload::MeetingPublished {
            title,
            starts_at,
            time_zone,
            duration_minutes,
            location,
            ..
        } => {
            let when = match time_zone.parse::<Tz>() {
                Ok(zone) => format!(
                    "{} ({time_zone})",
                    starts_at.with_timezone(&zone).format("%a %-d %b %Y, %H:%M")
                ),
                Err(_) => format!("{} (UTC)", starts_at.format("%a %-d %b %Y, %H:%M")),
            };
            let mut details = vec![format!("When: {when}, {duration_minutes} minutes")];
            if !location.is_empty() {
                details.push(format!("Where: {location}"));
            }
            Message {
                headline: format!("Meeting published: {title}"),
                quote: None,
                details,
                link_label: "See the agenda",
                url,
            }
        }
        PublicPayload::ReportPublished {
            title,
            period_from,
            period_to,
            ..
        } => Message {
            headline: format!("Annual report published: {title}"),
            quote: None,
            details: vec![format!(
                "Covers {} to {}",
                period_from.format("%-d %b %Y"),
                period_to.format("%-d %b %Y")
            )],
            link_label: "Read the report",
            url,
        },
    }
}

/// "Ann", "Ann and Bo", "Ann, Bo and Cy".
fn names(people: &[String]) -> String {
    match people {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

/// The JSON body posted for one event in `format`.
pub fn render(format: Format, payload: &PublicPayload, site: &str) -> Value {
    let m = message(payload, site);
    match format {
        Format::Slack => json!({ "text": slack_text(&m) }),
        Format::Mattermost => json!({ "text": markdown_text(&m) }),
        Format::Teams => json!({
            "@type": "MessageCard",
            "@context": "https://schema.org/extensions",
            "summary": m.headline,
            "text": teams_text(&m),
        }),
        Format::Generic => json!({
            "event": payload.kind().as_str(),
            "text": plain_text(&m),
            "url": m.url,
            "payload": payload,
        }),
    }
}

/// Slack's mrkdwn treats `&`, `<` and `>` as control characters: escaped, whatever people
/// wrote shows as written and cannot make a link or a mention.
pub fn slack_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// Lines of a quote, each marked as quoted.
fn quoted(quote: &str, escape: impl Fn(&str) -> String) -> String {
    quote
        .lines()
        .map(|line| format!("> {}", escape(line)))
        .collect::<Vec<_>>()
        .join("\n")
}

fn slack_text(m: &Message) -> String {
    let mut lines = vec![slack_escape(&m.headline)];
    if let Some(quote) = &m.quote {
        lines.push(quoted(quote, slack_escape));
    }
    lines.extend(m.details.iter().map(|d| slack_escape(d)));
    lines.push(format!(
        "<{}|{}>",
        slack_escape(&m.url),
        slack_escape(m.link_label)
    ));
    lines.join("\n")
}

/// What people wrote, as text in Markdown: the characters that make links, images,
/// emphasis or headings are escaped, and `@` is followed by a zero-width space, so a
/// kudos reading `@channel` or `[Reset your password](https://…)` alerts nobody and
/// links nowhere.
fn markdown_escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' | '`' | '*' | '_' | '[' | ']' | '(' | ')' | '!' | '#' | '~' | '|' => {
                escaped.push('\\');
                escaped.push(c);
            }
            '@' => escaped.push_str("@\u{200B}"),
            _ => escaped.push(c),
        }
    }
    escaped
}

fn markdown_text(m: &Message) -> String {
    let mut lines = vec![markdown_escape(&m.headline)];
    if let Some(quote) = &m.quote {
        lines.push(quoted(quote, markdown_escape));
    }
    lines.extend(m.details.iter().map(|d| markdown_escape(d)));
    lines.push(format!("[{}]({})", m.link_label, m.url));
    lines.join("\n")
}

fn html_escape(text: &str) -> String {
    slack_escape(text).replace('"', "&quot;")
}

fn teams_text(m: &Message) -> String {
    // A MessageCard's text keeps line breaks only as paragraphs; it reads both HTML and
    // Markdown, so what people wrote is escaped for both.
    let both = |text: &str| markdown_escape(&html_escape(text));
    let mut lines = vec![both(&m.headline)];
    if let Some(quote) = &m.quote {
        lines.push(quoted(quote, both));
    }
    lines.extend(m.details.iter().map(|d| both(d)));
    lines.push(format!("[{}]({})", m.link_label, html_escape(&m.url)));
    lines.join("\n\n")
}

fn plain_text(m: &Message) -> String {
    let mut lines = vec![m.headline.clone()];
    if let Some(quote) = &m.quote {
        lines.push(quoted(quote, str::to_owned));
    }
    lines.extend(m.details.iter().cloned());
    lines.push(m.url.clone());
    lines.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kudos(message: &str) -> PublicPayload {
        PublicPayload::Kudos {
            kudos_id: 7,
            from: "Erin".to_owned(),
            to: vec!["Pat".to_owned(), "Lee".to_owned()],
            message: message.to_owned(),
            values: vec!["Service".to_owned()],
        }
    }

    #[test]
    fn slack_shows_what_people_wrote_as_text() {
        let body = render(
            Format::Slack,
            &kudos("<script>x</script> & <https://evil.example|click> <!channel>"),
            "https://staff.example/",
        );
        let text = body["text"].as_str().unwrap();
        assert_eq!(
            text,
            "Erin sent kudos to Pat and Lee.\n\
             > &lt;script&gt;x&lt;/script&gt; &amp; &lt;https://evil.example|click&gt; &lt;!channel&gt;\n\
             For: Service\n\
             <https://staff.example/portal|See them on the portal>"
        );
    }

    #[test]
    fn each_format_has_its_shape() {
        let site = "https://staff.example/";
        let teams = render(Format::Teams, &kudos("Thanks <b>"), site);
        assert_eq!(teams["@type"], "MessageCard");
        assert_eq!(teams["@context"], "https://schema.org/extensions");
        assert_eq!(teams["summary"], "Erin sent kudos to Pat and Lee.");
        assert!(teams["text"].as_str().unwrap().contains("&lt;b&gt;"));
        let mm = render(Format::Mattermost, &kudos("Thanks"), site);
        assert!(
            mm["text"]
                .as_str()
                .unwrap()
                .ends_with("[See them on the portal](https://staff.example/portal)")
        );
        let generic = render(Format::Generic, &kudos("Thanks"), site);
        assert_eq!(generic["event"], "kudos");
        assert_eq!(generic["url"], "https://staff.example/portal");
        assert_eq!(generic["payload"]["kudos_id"], 7);
        assert_eq!(generic["payload"]["message"], "Thanks");
    }

    #[test]
    fn mattermost_and_teams_show_what_people_wrote_as_text() {
        let site = "https://staff.example/";
        let message =
            "@channel [Reset your password](https://evil.example) ![](https://t.example/p) **now**";
        for format in [Format::Mattermost, Format::Teams] {
            let body = render(format, &kudos(message), site);
            let text = body["text"].as_str().unwrap();
            assert!(text.contains("@\u{200B}channel"), "{format:?}: {text}");
            assert!(
                text.contains(r"\[Reset your password\]\(https://evil.example\)"),
                "{format:?}: {text}"
            );
            assert!(
                text.contains(r"\!\[\]\(https://t.example/p\) \*\*now\*\*"),
                "{format:?}: {text}"
            );
            assert!(
                text.ends_with("[See them on the portal](https://staff.example/portal)"),
                "{format:?}: {text}"
            );
        }
    }

    #[test]
    fn names_read_as_a_sentence() {
        let n = |v: &[&str]| names(&v.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        assert_eq!(n(&["Ann"]), "Ann");
        assert_eq!(n(&["Ann", "Bo"]), "Ann and Bo");
        assert_eq!(n(&["Ann", "Bo", "Cy"]), "Ann, Bo and Cy");
    }
}
