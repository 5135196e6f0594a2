//! The client-feedback section: per survey question linked to an objective, its measure
//! against the target in the period and in the previous one; responses per month; and
//! the invitations' response rate. Client answers are anonymous and aggregated, so no
//! figure here is a privacy cell; free-text answers never appear in a summary.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::{Figure, Period, activity};
use crate::{
    feedback::{MonthFigures, PeriodFeedback, QuestionKind, results::month_label},
    validate::Word,
};

/// A measure's value in one month of the period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MeasureMonth {
    /// "2026-03"
    pub month: String,
    pub responses: i64,
    /// None when nobody answered that month.
    pub value: Option<f64>,
}

/// A survey question that informs an objective's measure.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeedbackMeasure {
    /// "G1.2"
    pub objective_code: String,
    pub objective_title: String,
    pub survey_id: i64,
    pub question_id: i64,
    pub prompt: String,
    /// rating or yes_no.
    pub kind: String,
    /// A mean from 1 to 5 for a rating, a share of yes in percent for yes/no.
    pub target: Option<f64>,
    /// The mean rating (or the share of yes) over the period and over the previous one;
    /// None where nobody answered.
    pub value: Figure<f64>,
    /// Answers behind each value.
    pub responses: Figure<i64>,
    /// Every month of the period.
    pub months: Vec<MeasureMonth>,
}

impl FeedbackMeasure {
    pub fn is_rating(&self) -> bool {
        self.kind == QuestionKind::Rating.as_str()
    }
}

/// Responses in one month of the period, and the invitations sent that month.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeedbackMonth {
    /// "2026-03"
    pub month: String,
    /// "Mar 2026"
    pub label: String,
    pub responses: i64,
    /// Of those, through an invitation.
    pub invited: i64,
    pub invitations_sent: i64,
    /// Of the invitations sent that month, those answered.
    pub invitations_answered: i64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ClientFeedback {
    pub measures: Vec<FeedbackMeasure>,
    /// Every month of the period.
    pub months: Vec<FeedbackMonth>,
    /// Responses to any survey.
    pub responses: Figure<i64>,
    pub invitations_sent: Figure<i64>,
    pub invitations_answered: Figure<i64>,
    /// Invitations answered, in percent of those sent and not withdrawn; None when none
    /// was asked.
    pub response_rate: Figure<f64>,
}

/// Nothing shown: what a report published before this section reads as.
impl<T> Default for Figure<T> {
    fn default() -> Self {
        Figure {
            now: None,
            before: None,
        }
    }
}

fn month_key(figures: &MonthFigures) -> Option<String> {
    figures.month.map(|m| m.format("%Y-%m").to_string())
}

/// The section from what `feedback::period_feedback` read.
pub fn section(period: &Period, read: PeriodFeedback) -> ClientFeedback {
    let months = activity::months(period);
    let measures = read
        .measures
        .into_iter()
        .map(|m| {
            let by_month: HashMap<String, &MonthFigures> = m
                .months
                .iter()
                .filter_map(|f| Some((month_key(f)?, f)))
                .collect();
            FeedbackMeasure {
                objective_code: m.objective.code,
                objective_title: m.objective.title,
                survey_id: m.survey_id,
                question_id: m.question_id,
                kind: m.kind.as_str().to_owned(),
                target: m.target,
                value: Figure {
                    now: m.totals[0].value(m.kind),
                    before: m.totals[1].value(m.kind),
                },
                responses: Figure {
                    now: Some(m.totals[0].responses),
                    before: Some(m.totals[1].responses),
                },
                months: months
                    .iter()
                    .map(|month| {
                        let f = by_month.get(month);
                        MeasureMonth {
                            month: month.clone(),
                            responses: f.map_or(0, |f| f.responses),
                            value: f.and_then(|f| f.value(m.kind)),
                        }
                    })
                    .collect(),
                prompt: m.prompt,
            }
        })
        .collect();
    let by_month: HashMap<String, _> = read
        .months
        .iter()
        .map(|m| (m.month.format("%Y-%m").to_string(), m))
        .collect();
    let months = months
        .into_iter()
        .map(|month| {
            let m = by_month.get(&month);
            let label = chrono::NaiveDate::parse_from_str(&format!("{month}-01"), "%Y-%m-%d")
                .map(month_label)
                .unwrap_or_else(|_| month.clone());
            FeedbackMonth {
                label,
                responses: m.map_or(0, |m| m.responses),
                invited: m.map_or(0, |m| m.invited),
                invitations_sent: m.map_or(0, |m| m.invitations.sent),
                invitations_answered: m.map_or(0, |m| m.invitations.answered),
                month,
            }
        })
        .collect();
    let [now, before] = &read.invitations;
    ClientFeedback {
        measures,
        months,
        responses: Figure {
            now: Some(read.responses[0]),
            before: Some(read.responses[1]),
        },
        invitations_sent: Figure {
            now: Some(now.sent),
            before: Some(before.sent),
        },
        invitations_answered: Figure {
            now: Some(now.answered),
            before: Some(before.answered),
        },
        response_rate: Figure {
            now: now.rate(),
            before: before.rate(),
        },
    }
}
