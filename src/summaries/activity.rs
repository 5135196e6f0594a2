//! Recognition and meetings in the period, beside the previous period. These are public
//! on the portal and the meetings pages already, so they are shown as they are.

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use super::{Figure, Period};
use crate::{
    meetings::held::HeldMeeting,
    recognition::{AnnouncementKind, Channel, KeyCount, RecognitionFigures},
    validate::Word,
};

/// Kudos sent in one month of the period, beside the same month of the previous one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MonthFigure {
    /// "2026-03"
    pub month: String,
    pub kudos: Figure<i64>,
}

impl MonthFigure {
    /// "Mar 2026".
    pub fn label(&self) -> String {
        crate::dates::month_of_key(&self.month)
    }
}

/// A count by a word (a channel, a kind) with its label.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Counted {
    pub key: String,
    pub label: String,
    pub count: Figure<i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Recognition {
    pub kudos_per_month: Vec<MonthFigure>,
    pub kudos: Figure<i64>,
    pub givers: Figure<i64>,
    pub receivers: Figure<i64>,
    /// Active members of the department thanked at least once, in percent of them.
    pub staff_thanked_percent: Figure<f64>,
    pub trophy_passes: Figure<i64>,
    pub trophy_holders: Figure<i64>,
    pub compliments: Vec<Counted>,
    pub announcements: Vec<Counted>,
}

fn both<T>(now: T, before: T) -> Figure<T> {
    Figure {
        now: Some(now),
        before: Some(before),
    }
}

/// The months a period touches, "YYYY-MM", in order.
pub(super) fn months(period: &Period) -> Vec<String> {
    let mut months = Vec::new();
    let mut day = NaiveDate::from_ymd_opt(period.from.year(), period.from.month(), 1);
    while let Some(first) = day.filter(|d| *d <= period.to) {
        months.push(first.format("%Y-%m").to_string());
        day = first.checked_add_months(chrono::Months::new(1));
    }
    months
}

fn count_of(counts: &[KeyCount], key: &str) -> i64 {
    counts.iter().find(|c| c.key == key).map_or(0, |c| c.count)
}

fn by_word<W: Word>(now: &[KeyCount], before: &[KeyCount]) -> Vec<Counted> {
    W::all()
        .into_iter()
        .map(|w| Counted {
            key: w.as_str().to_owned(),
            label: w.label().to_owned(),
            count: both(count_of(now, w.as_str()), count_of(before, w.as_str())),
        })
        .collect()
}

pub fn recognition(
    period: &Period,
    previous: &Period,
    now: &RecognitionFigures,
    before: &RecognitionFigures,
) -> Recognition {
    let earlier = months(previous);
    let percent = |f: &RecognitionFigures| {
        if f.staff > 0 {
            100.0 * f.staff_thanked as f64 / f.staff as f64
        } else {
            0.0
        }
    };
    Recognition {
        kudos_per_month: months(period)
            .into_iter()
            .enumerate()
            .map(|(i, month)| MonthFigure {
                kudos: Figure {
                    now: Some(count_of(&now.kudos_per_month, &month)),
                    before: earlier.get(i).map(|m| count_of(&before.kudos_per_month, m)),
                },
                month,
            })
            .collect(),
        kudos: both(now.kudos, before.kudos),
        givers: both(now.givers, before.givers),
        receivers: both(now.receivers, before.receivers),
        staff_thanked_percent: both(percent(now), percent(before)),
        trophy_passes: both(now.trophy_passes, before.trophy_passes),
        trophy_holders: both(now.trophy_holders, before.trophy_holders),
        compliments: by_word::<Channel>(&now.compliments, &before.compliments),
        announcements: by_word::<AnnouncementKind>(&now.announcements, &before.announcements),
    }
}

/// One question or item explored at a meeting, with what came of it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Explored {
    pub title: String,
    pub prompt: String,
    pub agreements: Vec<String>,
    pub disagreements: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MeetingOutcome {
    pub id: i64,
    pub title: String,
    /// quarterly, retreat or other.
    pub kind: String,
    pub held_on: NaiveDate,
    pub explored: Vec<Explored>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Meetings {
    pub held: Figure<i64>,
    pub questions: Figure<i64>,
    pub agreements: Figure<i64>,
    pub disagreements: Figure<i64>,
    pub meetings: Vec<MeetingOutcome>,
}

pub fn meetings(now: Vec<HeldMeeting>, before: &[HeldMeeting]) -> Meetings {
    let count = |held: &[HeldMeeting], of: &dyn Fn(&crate::meetings::held::Explored) -> usize| {
        held.iter()
            .flat_map(|m| m.explored.iter())
            .map(of)
            .sum::<usize>() as i64
    };
    let questions = |e: &crate::meetings::held::Explored| usize::from(e.is_question);
    let agreements = |e: &crate::meetings::held::Explored| e.agreements.len();
    let disagreements = |e: &crate::meetings::held::Explored| e.disagreements.len();
    Meetings {
        held: both(now.len() as i64, before.len() as i64),
        questions: both(count(&now, &questions), count(before, &questions)),
        agreements: both(count(&now, &agreements), count(before, &agreements)),
        disagreements: both(count(&now, &disagreements), count(before, &disagreements)),
        meetings: now
            .into_iter()
            .map(|m| MeetingOutcome {
                id: m.id,
                title: m.title,
                kind: m.kind.as_str().to_owned(),
                held_on: m.starts_at.date_naive(),
                explored: m
                    .explored
                    .into_iter()
                    .map(|e| Explored {
                        title: e.title,
                        prompt: e.prompt,
                        agreements: e.agreements,
                        disagreements: e.disagreements,
                    })
                    .collect(),
            })
            .collect(),
    }
}
