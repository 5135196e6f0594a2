//! Emails: what one notification says (plain text and HTML from the same content, both
//! from templates), and the SMTP transport that sends it.
//!
//! The HTML part is an askama template, so whatever people wrote (a kudos message with
//! `<script>` in it) arrives as text; the plain-text part is not escaped, as a text part
//! must not be. Every email carries `List-Unsubscribe` (the signed link, and one-click
//! unsubscribe by POST, RFC 8058) and a `Message-ID` made from the outbox row, so a retry
//! after an unknown outcome is the same message to the receiving side.

use std::{fmt, time::Duration};

use askama::Template;
use lettre::{
    AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor,
    message::{
        Attachment, Mailbox, MultiPart,
        header::{ContentType, Header, HeaderName, HeaderValue},
    },
    transport::smtp::authentication::Credentials,
};

use super::{EventKind, MeetingChange, MeetingNotice, Payload};

/// How the connection to the SMTP server is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SmtpTls {
    /// Plain SMTP (only for a relay on the same machine or a test server).
    None,
    /// Plain, then STARTTLS before anything is sent (port 587).
    Starttls,
    /// TLS from the first byte (port 465).
    Tls,
}

impl SmtpTls {
    pub fn default_port(self) -> u16 {
        match self {
            SmtpTls::None => 25,
            SmtpTls::Starttls => 587,
            SmtpTls::Tls => 465,
        }
    }
}

/// A password that never shows in logs or `Debug` output.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(pub String);

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("\"(hidden)\"")
    }
}

/// Where and how emails are sent. Without these settings nothing is sent: notifications
/// wait in the outbox, and the cio's page says so.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmtpSettings {
    pub host: String,
    pub port: u16,
    pub tls: SmtpTls,
    pub user: Option<String>,
    pub password: Option<Secret>,
    /// The sender, e.g. `staffdev <staffdev@example.org>`.
    pub from: String,
}

/// One email ready to go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email {
    pub to_name: String,
    pub to_address: String,
    pub subject: String,
    pub text: String,
    pub html: String,
    /// The absolute unsubscribe link.
    pub unsubscribe: String,
    /// Without the angle brackets.
    pub message_id: String,
}

/// What an email says, before it becomes text and HTML.
struct Content {
    subject: String,
    headline: String,
    quote: Option<String>,
    details: Vec<String>,
    action_label: &'static str,
    action_url: String,
}

#[derive(Template)]
#[template(path = "notifications/email.txt")]
struct TextPart<'a> {
    name: &'a str,
    content: &'a Content,
    kind_label: &'a str,
    unsubscribe: &'a str,
}

#[derive(Template)]
#[template(path = "notifications/email.html")]
struct HtmlPart<'a> {
    name: &'a str,
    content: &'a Content,
    kind_label: &'a str,
    unsubscribe: &'a str,
}

/// The email for one outbox row. `site` is the service's address with a trailing slash;
/// `unsubscribe_path` the signed link's path for this person and kind.
pub fn render(
    outbox_id: i64,
    installation_id: &str,
    payload: &Payload,
    to_name: &str,
    to_address: &str,
    site: &str,
    unsubscribe_path: &str,
) -> Result<Email, askama::Error> {
    let content = content(payload, site, to_name);
    let unsubscribe = format!("{}{}", site, unsubscribe_path.trim_start_matches('/'));
    let kind_label = kind_label(payload.kind());
    let text = TextPart {
        name: to_name,
        content: &content,
        kind_label,
        unsubscribe: &unsubscribe,
    }
    .render()?;
    let html = HtmlPart {
        name: to_name,
        content: &content,
        kind_label,
        unsubscribe: &unsubscribe,
    }
    .render()?;
    Ok(Email {
        to_name: to_name.to_owned(),
        to_address: to_address.to_owned(),
        subject: content.subject,
        text,
        html,
        unsubscribe,
        message_id: format!("outbox-{outbox_id}.{installation_id}@staffdev"),
    })
}

#[derive(Template)]
#[template(path = "notifications/digest.txt")]
struct DigestTextPart<'a> {
    name: &'a str,
    week: &'a str,
    items: &'a [Content],
    site: &'a str,
    unsubscribe: &'a str,
}

#[derive(Template)]
#[template(path = "notifications/digest.html")]
struct DigestHtmlPart<'a> {
    subject: &'a str,
    name: &'a str,
    week: &'a str,
    items: &'a [Content],
    site: &'a str,
    unsubscribe: &'a str,
}

/// The weekly digest for one person: each item as its own email would tell it, in one
/// email. `week` is the Monday it is for; the items are from the days before.
#[allow(clippy::too_many_arguments)]
pub fn render_digest(
    outbox_id: i64,
    installation_id: &str,
    week: chrono::NaiveDate,
    items: &[&Payload],
    to_name: &str,
    to_address: &str,
    site: &str,
    unsubscribe_path: &str,
) -> Result<Email, askama::Error> {
    let contents: Vec<Content> = items
        .iter()
        .map(|payload| content(payload, site, to_name))
        .collect();
    let unsubscribe = format!("{}{}", site, unsubscribe_path.trim_start_matches('/'));
    let week = format!("the week to Monday {}", week.format("%-d %B %Y"));
    let subject = match contents.len() {
        1 => format!("Your staffdev week: {}", contents[0].subject),
        n => format!("Your staffdev week: {n} things that happened for you"),
    };
    let text = DigestTextPart {
        name: to_name,
        week: &week,
        items: &contents,
        site,
        unsubscribe: &unsubscribe,
    }
    .render()?;
    let html = DigestHtmlPart {
        subject: &subject,
        name: to_name,
        week: &week,
        items: &contents,
        site,
        unsubscribe: &unsubscribe,
    }
    .render()?;
    Ok(Email {
        to_name: to_name.to_owned(),
        to_address: to_address.to_owned(),
        subject,
        text,
        html,
        unsubscribe,
        message_id: format!("outbox-{outbox_id}.{installation_id}@staffdev"),
    })
}

/// How the unsubscribe line names a kind ("kudos you receive").
fn kind_label(kind: EventKind) -> &'static str {
    match kind {
        EventKind::KudosReceived => "kudos you receive",
        EventKind::TrophyReceived => "trophies passed to you",
        EventKind::ComplimentReceived => "compliments about you",
        EventKind::GoalReviewed => "your goals agreed or sent back",
        EventKind::IdeaAnswered => "answers to your ideas",
        EventKind::GoalWaiting => "goals waiting for your agreement",
        EventKind::EvaluationWaiting => "self-evaluations waiting for your review",
        EventKind::SelfEvaluationOpened => "the self-evaluation phase opening",
        EventKind::SelfEvaluationReminder => "reminders before self-evaluations are due",
        EventKind::MeetingPublished => "meetings published, changed or cancelled",
    }
}

fn content(payload: &Payload, site: &str, to_name: &str) -> Content {
    match payload {
        Payload::KudosReceived {
            from,
            message,
            values,
            also_thanked,
        } => {
            let mut details = Vec::new();
            if !values.is_empty() {
                details.push(format!("For: {}", values.join(", ")));
            }
            // The payload names everyone thanked; each email names the others.
            let others: Vec<&str> = also_thanked
                .iter()
                .map(String::as_str)
                .filter(|name| *name != to_name)
                .collect();
            if !others.is_empty() {
                details.push(format!("Also thanked: {}", others.join(", ")));
            }
            Content {
                subject: format!("Kudos from {from}"),
                headline: format!("{from} sent you kudos."),
                quote: Some(message.clone()),
                details,
                action_label: "See them on the portal",
                action_url: format!("{site}portal"),
            }
        }
        Payload::TrophyReceived {
            trophy_id,
            trophy,
            from,
            message,
            reassigned,
        } => Content {
            subject: format!("{trophy} is on your desk"),
            headline: if *reassigned {
                format!("{from} reassigned {trophy} to you.")
            } else {
                format!("{from} passed {trophy} to you.")
            },
            quote: Some(message.clone()),
            details: vec![
                "Keep it until you pass it on to a colleague with a note in its notebook."
                    .to_owned(),
            ],
            action_label: "Open its notebook",
            action_url: format!("{site}trophies/{trophy_id}"),
        },
        Payload::ComplimentReceived {
            from,
            affiliation,
            message,
        } => {
            let who = if affiliation.is_empty() {
                from.clone()
            } else {
                format!("{from} ({affiliation})")
            };
            Content {
                subject: format!("A compliment from {from}"),
                headline: format!(
                    "{who} had good things to say about you; the cio posted them on the portal."
                ),
                quote: Some(message.clone()),
                details: Vec::new(),
                action_label: "See it on the portal",
                action_url: format!("{site}portal"),
            }
        }
        Payload::GoalReviewed {
            goal_id,
            title,
            by,
            sent_back,
        } => match sent_back {
            None => Content {
                subject: format!("Your goal is agreed: {title}"),
                headline: format!("{by} agreed to your goal \"{title}\"."),
                quote: None,
                details: vec!["Report your progress on it as the year goes.".to_owned()],
                action_label: "Open the goal",
                action_url: format!("{site}goals/{goal_id}"),
            },
            Some(comment) => Content {
                subject: format!("Your goal needs a change: {title}"),
                headline: format!("{by} sent your goal \"{title}\" back to you with a comment."),
                quote: Some(comment.clone()),
                details: vec!["Change the goal and propose it again.".to_owned()],
                action_label: "Open the goal",
                action_url: format!("{site}goals/{goal_id}"),
            },
        },
        Payload::IdeaAnswered {
            idea_id,
            title,
            status,
            reply,
        } => Content {
            subject: format!("Your idea was answered: {title}"),
            headline: format!(
                "The cio answered your idea \"{title}\": {}.",
                status.to_lowercase()
            ),
            quote: Some(reply.clone()),
            details: Vec::new(),
            action_label: "Open the idea",
            action_url: format!("{site}ideas/{idea_id}"),
        },
        Payload::GoalWaiting {
            goal_id,
            title,
            owner,
            changed,
        } => Content {
            subject: format!("A goal waits for your agreement: {title}"),
            headline: if *changed {
                format!(
                    "{owner} changed their goal \"{title}\"; it waits for your agreement again."
                )
            } else {
                format!("{owner} proposed the goal \"{title}\"; it waits for your agreement.")
            },
            quote: None,
            details: vec!["Agree to it, or send it back with a comment.".to_owned()],
            action_label: "Open the goal",
            action_url: format!("{site}goals/{goal_id}"),
        },
        Payload::EvaluationWaiting {
            cycle_id,
            person_id,
            owner,
            cycle,
        } => Content {
            subject: format!("{owner} submitted their self-evaluation"),
            headline: format!(
                "{owner} submitted their self-evaluation for {cycle}; it waits for your review."
            ),
            quote: None,
            details: vec!["Add your comment and rating, or reopen it with a reason.".to_owned()],
            action_label: "Open the self-evaluation",
            action_url: format!("{site}cycles/{cycle_id}/self-evaluations/{person_id}"),
        },
        Payload::SelfEvaluationOpened {
            cycle_id: _,
            cycle,
            due_on,
        } => Content {
            subject: format!("Self-evaluations are open for {cycle}"),
            headline: format!(
                "{cycle} has moved to self-evaluation: time to look back on your goals."
            ),
            quote: None,
            details: match due_on {
                Some(day) => vec![format!(
                    "Submit yours by {}.",
                    day.format(crate::dates::DAY)
                )],
                None => Vec::new(),
            },
            action_label: "Write your self-evaluation",
            action_url: format!("{site}self-evaluation"),
        },
        Payload::SelfEvaluationReminder {
            cycle_id: _,
            cycle,
            due_on,
            days_left,
        } => {
            let when = match days_left {
                0 => "today".to_owned(),
                1 => "tomorrow".to_owned(),
                n => format!("in {n} days"),
            };
            Content {
                subject: format!("Your self-evaluation for {cycle} is due {when}"),
                headline: format!(
                    "Your self-evaluation for {cycle} is due {when}, on {}, and is not submitted yet.",
                    due_on.format(crate::dates::DAY)
                ),
                quote: None,
                details: vec!["Finish your draft and submit it.".to_owned()],
                action_label: "Open your self-evaluation",
                action_url: format!("{site}self-evaluation"),
            }
        }
        Payload::MeetingPublished { change, meeting } => meeting_content(*change, meeting, site),
    }
}

/// A meeting's email: what happened, when and where on the clocks of its own zone.
fn meeting_content(change: MeetingChange, meeting: &MeetingNotice, site: &str) -> Content {
    let title = &meeting.title;
    let zone: Option<chrono_tz::Tz> = meeting.time_zone.parse().ok();
    let when = match zone {
        Some(zone) => format!(
            "{} to {} ({})",
            meeting
                .starts_at
                .with_timezone(&zone)
                .format(crate::dates::WEEKDAY_TIME),
            meeting.ends_at.with_timezone(&zone).format("%H:%M"),
            meeting.time_zone
        ),
        None => format!(
            "{} to {} (UTC)",
            meeting.starts_at.format(crate::dates::WEEKDAY_TIME),
            meeting.ends_at.format("%H:%M")
        ),
    };
    let (subject, headline) = match change {
        MeetingChange::Published => (
            format!("Meeting: {title}"),
            format!("{title} is planned; everyone is invited."),
        ),
        MeetingChange::Changed => (
            format!("Meeting changed: {title}"),
            format!("{title} has changed; here it is as it stands now."),
        ),
        MeetingChange::Cancelled => (
            format!("Meeting cancelled: {title}"),
            format!("{title} is cancelled."),
        ),
    };
    let mut details = vec![format!("When: {when}")];
    if !meeting.location.trim().is_empty() {
        details.push(format!("Where: {}", meeting.location));
    }
    if let Some(facilitator) = &meeting.facilitator {
        details.push(format!("Facilitated by {facilitator}"));
    }
    if change != MeetingChange::Cancelled && !meeting.description.trim().is_empty() {
        details.push("Agenda:".to_owned());
        details.extend(
            meeting
                .description
                .lines()
                .filter(|line| !line.trim().is_empty())
                .map(str::to_owned),
        );
    }
    details.push(if change == MeetingChange::Cancelled {
        "The attached calendar file removes it from your calendar.".to_owned()
    } else {
        "The attached calendar file adds it to your calendar, or updates it there.".to_owned()
    });
    Content {
        subject,
        headline,
        quote: None,
        details,
        action_label: "Open the meeting",
        action_url: format!("{site}meetings/{}", meeting.meeting_id),
    }
}

/// A file attached to an email.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attached {
    pub filename: String,
    /// `text/calendar; method=PUBLISH`, for example.
    pub content_type: String,
    pub body: String,
}

/// What an email about `payload` carries attached: a meeting's `.ics` (METHOD:PUBLISH,
/// or CANCEL once cancelled); nothing for other kinds. `site` has its trailing slash.
pub fn attachment(
    payload: &Payload,
    site: &str,
    installation_id: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> Option<Attached> {
    let Payload::MeetingPublished { meeting, .. } = payload else {
        return None;
    };
    let meeting = meeting.calendar_meeting()?;
    let file = crate::calendar::meeting_file_of(
        &meeting,
        &crate::calendar::Site {
            address: site.trim_end_matches('/'),
            installation: installation_id,
        },
        now,
    );
    let method = if meeting.status == crate::meetings::MeetingStatus::Cancelled {
        "CANCEL"
    } else {
        "PUBLISH"
    };
    Some(Attached {
        filename: file.filename,
        content_type: format!("text/calendar; charset=utf-8; method={method}"),
        body: file.text,
    })
}

/// `List-Unsubscribe: <https://…>` (RFC 2369).
#[derive(Clone)]
struct ListUnsubscribe(String);

impl Header for ListUnsubscribe {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("List-Unsubscribe")
    }

    fn parse(s: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(ListUnsubscribe(s.to_owned()))
    }

    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), format!("<{}>", self.0))
    }
}

/// `List-Unsubscribe-Post: List-Unsubscribe=One-Click` (RFC 8058): the mail program may
/// unsubscribe with one POST to the link, without opening a page.
#[derive(Clone)]
struct ListUnsubscribePost;

impl Header for ListUnsubscribePost {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("List-Unsubscribe-Post")
    }

    fn parse(_: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(ListUnsubscribePost)
    }

    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), "List-Unsubscribe=One-Click".to_owned())
    }
}

/// Sends emails through one SMTP server.
#[derive(Clone)]
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

/// Longest a single SMTP exchange may take; well under the sender's claim on a row, so
/// no other instance takes a row while it is being sent.
pub const SMTP_TIMEOUT: Duration = Duration::from_secs(20);

impl Mailer {
    pub fn new(settings: &SmtpSettings) -> anyhow::Result<Mailer> {
        let from: Mailbox = settings.from.parse().map_err(|err| {
            anyhow::anyhow!("--smtp-from {:?} is not an address: {err}", settings.from)
        })?;
        let builder = match settings.tls {
            SmtpTls::None => {
                AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(settings.host.as_str())
            }
            SmtpTls::Starttls => {
                AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&settings.host)?
            }
            SmtpTls::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(&settings.host)?,
        };
        let mut builder = builder.port(settings.port).timeout(Some(SMTP_TIMEOUT));
        if let Some(user) = &settings.user {
            let password = settings
                .password
                .as_ref()
                .map(|p| p.0.clone())
                .unwrap_or_default();
            builder = builder.credentials(Credentials::new(user.clone(), password));
        }
        Ok(Mailer {
            transport: builder.build(),
            from,
        })
    }

    /// Sends one email; the error says whether another try could go better, with one
    /// line for the outbox's `last_error`.
    pub async fn send(&self, email: &Email) -> Result<(), SendError> {
        self.send_with(email, None).await
    }

    /// Sends one email with a file attached when there is one: then the text and HTML
    /// alternatives and the file go as `multipart/mixed`.
    pub async fn send_with(
        &self,
        email: &Email,
        attached: Option<&Attached>,
    ) -> Result<(), SendError> {
        let to = Mailbox::new(
            Some(email.to_name.clone()),
            email.to_address.parse().map_err(|err| {
                SendError::permanent(format!(
                    "the address {:?} is not usable: {err}",
                    email.to_address
                ))
            })?,
        );
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(email.subject.clone())
            .message_id(Some(format!("<{}>", email.message_id)))
            .header(ListUnsubscribe(email.unsubscribe.clone()))
            .header(ListUnsubscribePost)
            .multipart(match attached {
                None => MultiPart::alternative_plain_html(email.text.clone(), email.html.clone()),
                Some(file) => {
                    let content_type = ContentType::parse(&file.content_type).map_err(|err| {
                        SendError::permanent(format!("the attachment's type is not usable: {err}"))
                    })?;
                    MultiPart::mixed()
                        .multipart(MultiPart::alternative_plain_html(
                            email.text.clone(),
                            email.html.clone(),
                        ))
                        .singlepart(
                            Attachment::new(file.filename.clone())
                                .body(file.body.clone(), content_type),
                        )
                }
            })
            .map_err(|err| SendError::permanent(format!("the email could not be built: {err}")))?;
        self.transport
            .send(message)
            .await
            .map(|_| ())
            .map_err(|err| {
                let message = err.to_string();
                if err.is_permanent() && refuses_the_recipient(&message) {
                    SendError::permanent(format!("the mail server refused it for good: {message}"))
                } else {
                    SendError {
                        permanent: false,
                        message: format!(
                            "the mail server refused or could not be reached: {message}"
                        ),
                    }
                }
            })
    }
}

/// Whether a permanent (5xx) answer refuses this one recipient, which will be the same
/// tomorrow: its enhanced status code (RFC 3463) says the mailbox does not exist or is
/// disabled (5.1.x other than the sender's 5.1.7 and 5.1.8, or 5.2.1). Any other 5xx (a
/// wrong password, TLS required, the sender or relaying refused) is the server's setup,
/// which the cio can fix within the day, so those are retried like a 4xx.
fn refuses_the_recipient(answer: &str) -> bool {
    answer
        .split(|c: char| c.is_whitespace() || c == ',' || c == ':')
        .find_map(|word| {
            let mut parts = word.split('.');
            let (class, subject, detail) = (parts.next()?, parts.next()?, parts.next()?);
            (class == "5" && parts.next().is_none() && detail.parse::<u16>().is_ok())
                .then(|| (subject.to_owned(), detail.to_owned()))
        })
        .is_some_and(|(subject, detail)| match subject.as_str() {
            "1" => !matches!(detail.as_str(), "7" | "8"),
            "2" => detail == "1",
            _ => false,
        })
}

/// Why an email did not go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendError {
    /// Trying again would fail the same way.
    pub permanent: bool,
    pub message: String,
}

impl SendError {
    fn permanent(message: String) -> SendError {
        SendError {
            permanent: true,
            message,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kudos() -> Payload {
        Payload::KudosReceived {
            from: "Priya Shah".to_owned(),
            message: "<script>alert(1)</script> & thanks".to_owned(),
            values: vec!["Service".to_owned()],
            also_thanked: vec![],
        }
    }

    #[test]
    fn the_html_part_shows_script_as_text_and_the_text_part_as_written() {
        let email = render(
            7,
            "inst",
            &kudos(),
            "Sam Ito",
            "sam@example.org",
            "https://staffdev.example.org/",
            "/notifications/unsubscribe/3/kudos_received/sig",
        )
        .unwrap();
        assert!(!email.html.contains("<script>"), "{}", email.html);
        assert!(
            email.html.contains("&#60;script&#62;"),
            "shown as text: {}",
            email.html
        );
        assert!(email.text.contains("<script>alert(1)</script> & thanks"));
        assert_eq!(
            email.unsubscribe,
            "https://staffdev.example.org/notifications/unsubscribe/3/kudos_received/sig"
        );
        assert!(email.text.contains(&email.unsubscribe));
        assert_eq!(email.subject, "Kudos from Priya Shah");
        assert_eq!(email.message_id, "outbox-7.inst@staffdev");
    }

    #[test]
    fn only_a_refused_recipient_is_given_up_for_good() {
        for answer in [
            "permanent error (550): 5.1.1 No such user here",
            "permanent error (550): 5.1.10 Recipient address rejected",
            "permanent error (550): 5.2.1 Mailbox disabled",
        ] {
            assert!(refuses_the_recipient(answer), "{answer}");
        }
        for answer in [
            "permanent error (535): 5.7.8 Authentication credentials invalid",
            "permanent error (530): 5.7.0 Must issue a STARTTLS command first",
            "permanent error (553): 5.1.8 Sender address rejected",
            "permanent error (554): 5.7.1 Relay access denied",
            "permanent error (550): Requested action not taken",
        ] {
            assert!(!refuses_the_recipient(answer), "{answer}");
        }
    }

    #[test]
    fn a_password_never_shows_in_debug_output() {
        let settings = SmtpSettings {
            host: "mail".to_owned(),
            port: 587,
            tls: SmtpTls::Starttls,
            user: Some("u".to_owned()),
            password: Some(Secret("hunter2".to_owned())),
            from: "a@b.c".to_owned(),
        };
        assert!(!format!("{settings:?}").contains("hunter2"));
    }
}
