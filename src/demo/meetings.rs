//! The demo department's meetings: the last four quarterly meetings, held, with outcomes
//! that show the department converging on some values and still split on others; a
//! retreat last year; and the next quarterly meeting, published, with a full agenda and a
//! guest from the library. Written through the meeting services, in UTC (the demo does not
//! know the department's zone), on dates counted back from today.

use chrono::{DateTime, Duration, NaiveTime, Utc};

use crate::{
    auth::Actor,
    db::Db,
    error::{AppError, AppResult},
    meetings::{
        self, ItemInput, MeetingInput, StartInput, agenda, bank,
        outcomes::{self, ActionInput, OutcomeInput},
    },
};

/// An agenda item of the demo: kind, title, minutes, the bank question it asks (by its
/// number in the seeded bank, 0 to 2), the plan value it discusses, a guest.
struct Line {
    kind: &'static str,
    title: &'static str,
    minutes: i64,
    question: Option<usize>,
    value: Option<&'static str>,
    guest: Option<(&'static str, &'static str)>,
    /// What came out of it: agreements, disagreements, decisions.
    agree: &'static [&'static str],
    disagree: &'static [&'static str],
    decide: &'static [&'static str],
}

const fn line(kind: &'static str, title: &'static str, minutes: i64) -> Line {
    Line {
        kind,
        title,
        minutes,
        question: None,
        value: None,
        guest: None,
        agree: &[],
        disagree: &[],
        decide: &[],
    }
}

/// A meeting of the demo: days from today, kind, title, and its agenda.
struct Plan {
    days: i64,
    kind: &'static str,
    title: &'static str,
    location: &'static str,
    lines: Vec<Line>,
}

fn quarterlies() -> Vec<Plan> {
    vec![
        Plan {
            days: -364,
            kind: "quarterly",
            title: "Winter all-staff meeting",
            location: "Library seminar room",
            lines: vec![
                line("other", "Welcome", 15),
                Line {
                    question: Some(0),
                    value: Some("Service first"),
                    agree: &["Service first means we answer the person, not the ticket."],
                    disagree: &[
                        "Whether service first still holds when a request breaks policy.",
                        "Proactive care: fix things before users notice, or tell them first?",
                    ],
                    ..line("question", "What are our values?", 75)
                },
                line("break", "Break", 20),
                Line {
                    question: Some(2),
                    agree: &["Fewer systems, each one well supported."],
                    disagree: &["Whether we should run our own servers at all in five years."],
                    ..line("question", "What is our vision for IT?", 70)
                },
                line("recognition", "Recognition: kudos and the trophy", 30),
                line("other", "Closing", 15),
            ],
        },
        Plan {
            days: -273,
            kind: "quarterly",
            title: "Spring all-staff meeting",
            location: "Library seminar room",
            lines: vec![
                line("other", "Welcome", 15),
                Line {
                    question: Some(1),
                    agree: &["Our mission serves teaching and research, not IT for its own sake."],
                    disagree: &["How much of our time belongs to projects the provost sets."],
                    decide: &["Share the draft mission with the advisory committee."],
                    ..line(
                        "question",
                        "What is our mission in relation to that of the institution as a whole?",
                        80,
                    )
                },
                line("break", "Break", 20),
                Line {
                    value: Some("Plain language"),
                    agree: &["Plain language is a value, not only a style guide."],
                    ..line("other", "Plain language in practice", 45)
                },
                line("recognition", "Recognition: kudos and the trophy", 30),
                line("other", "Closing", 15),
            ],
        },
        Plan {
            days: -182,
            kind: "quarterly",
            title: "Summer all-staff meeting",
            location: "Main hall, room 104",
            lines: vec![
                line("other", "Welcome", 15),
                Line {
                    question: Some(0),
                    value: Some("Proactive care"),
                    agree: &[
                        "Service first: we still agree, and now we say it the same way.",
                        "Announce planned changes a week ahead.",
                    ],
                    disagree: &[
                        "Proactive care: still split on patching overnight without notice.",
                    ],
                    ..line("question", "What are our values?", 75)
                },
                line("break", "Break", 20),
                Line {
                    question: Some(2),
                    agree: &["Self-service first for the routine, people for the rest."],
                    disagree: &["Whether chat support replaces the walk-up desk."],
                    ..line("question", "What is our vision for IT?", 60)
                },
                line("recognition", "Recognition: kudos and the trophy", 30),
                line("other", "Closing", 15),
            ],
        },
        Plan {
            days: -91,
            kind: "quarterly",
            title: "Autumn all-staff meeting",
            location: "Main hall, room 104",
            lines: vec![
                line("other", "Welcome", 15),
                Line {
                    question: Some(0),
                    value: Some("Proactive care"),
                    agree: &[
                        "Service first and plain language: agreed by everyone present.",
                        "Proactive care: tell users before any change they will notice.",
                    ],
                    disagree: &[
                        "Proactive care: whether monitoring alerts should wake someone at night.",
                    ],
                    decide: &["Write the values down with one example each for the portal."],
                    ..line("question", "What are our values?", 70)
                },
                line("break", "Break", 20),
                Line {
                    question: Some(1),
                    agree: &["Our mission names the library and research computing as partners."],
                    disagree: &["Whether administrative systems belong in our mission."],
                    ..line(
                        "question",
                        "What is our mission in relation to that of the institution as a whole?",
                        70,
                    )
                },
                line("recognition", "Recognition: kudos and the trophy", 30),
                // Not reached: the questions ran long.
                line("ideas", "Ideas from the advisory committee", 20),
            ],
        },
    ]
}

fn retreat() -> Plan {
    Plan {
        days: -330,
        kind: "retreat",
        title: "Annual retreat",
        location: "Lakeside conference centre",
        lines: vec![
            Line {
                decide: &["Keep the service desk open during exam weeks until 8 pm."],
                ..line("review", "Review of the past year", 90)
            },
            Line {
                decide: &["Two objectives per strategic goal, each with a measure we can read."],
                ..line("planning", "Planning against the strategic plan", 90)
            },
            Line {
                agree: &["A knowledge base people actually read."],
                ..line("ideas", "New ideas", 60)
            },
            line("break", "Lunch", 60),
            line("other", "Shared interests", 60),
        ],
    }
}

fn next_quarterly() -> Plan {
    Plan {
        days: 30,
        kind: "quarterly",
        title: "New year all-staff meeting",
        location: "Library seminar room",
        lines: vec![
            line("other", "Welcome and open action items", 15),
            Line {
                guest: Some(("Dana Whitfield", "University Library")),
                ..line(
                    "guest",
                    "What the service desk did for the library this year",
                    30,
                )
            },
            Line {
                question: Some(2),
                ..line("question", "What is our vision for IT?", 60)
            },
            line("break", "Break", 20),
            Line {
                question: Some(0),
                value: Some("Proactive care"),
                ..line("question", "What are our values?", 60)
            },
            line("recognition", "Recognition: kudos and the trophy", 25),
            line("other", "Closing", 15),
        ],
    }
}

fn at_nine(days: i64) -> AppResult<DateTime<Utc>> {
    let day = (Utc::now() + Duration::days(days)).date_naive();
    let nine = NaiveTime::from_hms_opt(9, 0, 0)
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("demo time")))?;
    Ok(day.and_time(nine).and_utc())
}

/// Plans, publishes and (for the past ones) holds one demo meeting with its outcomes.
async fn load_one(
    db: &Db,
    cio: &Actor,
    facilitator: &Actor,
    attendees: &[i32],
    questions: &[i64],
    plan: Plan,
    actions: &[(&str, i32, bool)],
) -> AppResult<i64> {
    let starts_at = at_nine(plan.days)?;
    let meeting = meetings::create(
        db,
        cio,
        chrono_tz::Tz::UTC,
        MeetingInput {
            kind: Some(plan.kind.to_owned()),
            title: Some(plan.title.to_owned()),
            start: Some(StartInput::Instant(starts_at.fixed_offset())),
            duration_minutes: None,
            location: Some(plan.location.to_owned()),
            facilitator_id: Some(Some(facilitator.person_id)),
        },
        None,
    )
    .await?;
    let mut items = Vec::new();
    for l in &plan.lines {
        let id = agenda::add_item(
            db,
            facilitator,
            meeting.id,
            ItemInput {
                kind: Some(l.kind.to_owned()),
                title: Some(l.title.to_owned()),
                prompt: None,
                planned_minutes: Some(l.minutes),
                owner_id: None,
                guest_name: l.guest.map(|g| g.0.to_owned()),
                guest_department: l.guest.map(|g| g.1.to_owned()),
                objective_id: None,
                value_name: l.value.map(str::to_owned),
                question_id: l.question.and_then(|n| questions.get(n).copied()),
            },
        )
        .await?;
        items.push(id);
    }
    meetings::publish(db, cio, meeting.id).await?;
    if plan.days > 0 {
        return Ok(meeting.id);
    }
    // The meeting ran: each item timed (running a little late), then outcomes.
    let mut clock = starts_at;
    for (l, id) in plan.lines.iter().zip(&items) {
        if l.kind == "ideas" && plan.kind == "quarterly" {
            break;
        }
        agenda::mark_time(db, facilitator, *id, agenda::Mark::Start, clock).await?;
        clock += Duration::minutes(l.minutes + 3);
        agenda::mark_time(db, facilitator, *id, agenda::Mark::End, clock).await?;
        let strings = |lines: &[&str]| lines.iter().map(|s| (*s).to_owned()).collect();
        if !(l.agree.is_empty() && l.disagree.is_empty() && l.decide.is_empty()) {
            outcomes::record_outcome(
                db,
                facilitator,
                *id,
                OutcomeInput {
                    notes: Some(String::new()),
                    agreements: strings(l.agree),
                    disagreements: strings(l.disagree),
                    decisions: strings(l.decide),
                },
            )
            .await?;
        }
    }
    agenda::defer_unreached(db, facilitator, meeting.id).await?;
    outcomes::set_attendance(db, facilitator, meeting.id, attendees.to_vec()).await?;
    for (text, owner, done) in actions {
        let action = outcomes::add_action(
            db,
            facilitator,
            meeting.id,
            ActionInput {
                text: Some((*text).to_owned()),
                owner_id: Some(*owner),
                due_on: Some((starts_at + Duration::days(60)).date_naive().to_string()),
                item_id: None,
            },
        )
        .await?;
        if *done {
            outcomes::complete_action(db, facilitator, action).await?;
        }
    }
    meetings::hold(db, facilitator, meeting.id, clock).await?;
    Ok(meeting.id)
}

/// The demo's meetings; `roster` is everyone active, the cio first.
pub(super) async fn load_meetings(db: &Db, cio: &Actor, roster: &[Actor]) -> AppResult<()> {
    let facilitator = roster
        .get(1)
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("demo roster too small")))?;
    let everyone: Vec<i32> = roster.iter().map(|a| a.person_id).collect();
    // `staffdev demo` loads without starting the service, which seeds the bank.
    bank::ensure_seeded(db).await?;
    let questions: Vec<i64> = {
        let mut bank = bank::suggestions(db.conn()).await?;
        bank.sort_by_key(|q| q.id);
        bank.into_iter().map(|q| q.id).collect()
    };
    let some = |skip: usize| -> Vec<i32> {
        everyone
            .iter()
            .enumerate()
            .filter(|(n, _)| n % 7 != skip)
            .map(|(_, id)| *id)
            .collect()
    };
    load_one(db, cio, facilitator, &everyone, &questions, retreat(), &[]).await?;
    let owner = |n: usize| {
        roster
            .get(2 + n % (roster.len() - 2))
            .map_or(cio.person_id, |a| a.person_id)
    };
    for (n, plan) in quarterlies().into_iter().enumerate() {
        let actions: Vec<(&str, i32, bool)> = match n {
            0 => vec![("Draft one sentence per value", owner(0), true)],
            1 => vec![(
                "Send the draft mission to the advisory committee",
                cio.person_id,
                true,
            )],
            2 => vec![("Publish the change calendar a week ahead", owner(5), true)],
            _ => vec![
                (
                    "Write each value with one example for the portal",
                    owner(9),
                    false,
                ),
                (
                    "Ask the library what to bring to the winter meeting",
                    owner(3),
                    false,
                ),
            ],
        };
        load_one(db, cio, facilitator, &some(n), &questions, plan, &actions).await?;
    }
    load_one(
        db,
        cio,
        facilitator,
        &everyone,
        &questions,
        next_quarterly(),
        &[],
    )
    .await?;
    Ok(())
}
