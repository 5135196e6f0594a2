//! The client-feedback section: per survey question linked to an objective, its measure
//! against the target in the period and in the previous one; responses per month; and
//! the invitations' response rate. Free-text answers never appear in a summary.
//!
//! Client answers are anonymous, but an invitation may name the member of staff who
//! served the client, so a month with a few responses can be about one colleague. For
//! every reader but the cio, a figure resting on 1 to k−1 responses is withheld, and
//! so is whatever would give it away by subtraction (a period's total against its
//! months): the responses are the members of a `disclosure::Table`, decided like the
//! skills' and the goals' figures. Zeros are shown.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::{Figure, Period, activity};
use crate::{
    disclosure::{CellId, Person, Reader, Table},
    feedback::{MonthFigures, PeriodFeedback, QuestionKind, results::month_label},
    validate::Word,
};

/// A measure's value in one month of the period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MeasureMonth {
    /// "2026-03"
    pub month: String,
    /// None when withheld for privacy (reports published before withholding hold a
    /// number here).
    pub responses: Option<i64>,
    /// None when nobody answered that month, or when withheld.
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
    /// None when withheld for privacy.
    pub responses: Option<i64>,
    /// Of those, through an invitation; None when withheld.
    pub invited: Option<i64>,
    pub invitations_sent: i64,
    /// Of the invitations sent that month, those answered; None when withheld.
    pub invitations_answered: Option<i64>,
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

/// Stand-ins for the responses behind each figure: a figure about `n` responses is a cell
/// of `n` members, fresh for each unrelated figure, shared where one figure is a part of
/// another (a month of its period).
struct Responses {
    table: Table,
    next: Person,
}

impl Responses {
    fn fresh(&mut self, n: i64) -> Vec<Person> {
        let n = i32::try_from(n.max(0)).unwrap_or(i32::MAX);
        let first = self.next;
        self.next = self.next.saturating_add(n);
        (first..self.next).collect()
    }

    /// A total over parts of `counts` responses: the parts' cells, then the total's.
    fn parted(&mut self, counts: &[i64]) -> (CellId, Vec<(CellId, Vec<Person>)>) {
        let parts: Vec<(CellId, Vec<Person>)> = counts
            .iter()
            .map(|&n| {
                let members = self.fresh(n);
                (self.table.cell(members.clone()), members)
            })
            .collect();
        let total = self
            .table
            .cell(parts.iter().flat_map(|(_, m)| m.iter().copied()));
        self.table.sum(total, parts.iter().map(|(c, _)| *c));
        (total, parts)
    }

    /// A figure on its own (the previous period's, which has no months).
    fn alone(&mut self, n: i64) -> CellId {
        let members = self.fresh(n);
        self.table.cell(members)
    }
}

/// Which feedback figures the reader sees: each a cell, `None` for the cio (all).
struct Cells {
    responses: [CellId; 2],
    months: Vec<(CellId, CellId)>,
    answered: [CellId; 2],
    answered_months: Vec<CellId>,
    /// Per measure: the period's count (with its answers' sum), the previous period's,
    /// and each month's.
    measures: Vec<([CellId; 2], Vec<CellId>)>,
}

fn cells(read: &PeriodFeedback, months: &[FeedbackMonth]) -> (Table, Cells) {
    let mut r = Responses {
        table: Table::new(),
        next: 1,
    };
    let counts: Vec<i64> = months.iter().map(|m| m.responses.unwrap_or(0)).collect();
    let (responses_now, parts) = r.parted(&counts);
    // A month's invited responses and the others add up to its responses.
    let month_cells: Vec<(CellId, CellId)> = parts
        .iter()
        .zip(months)
        .map(|((cell, members), m)| {
            let invited = usize::try_from(m.invited.unwrap_or(0)).unwrap_or(0);
            let (through, other) = members.split_at(invited.min(members.len()));
            let through = r.table.cell(through.to_vec());
            let other = r.table.unshown(other.to_vec());
            r.table.sum(*cell, [through, other]);
            (*cell, through)
        })
        .collect();
    let responses_before = r.alone(read.responses[1]);
    let answered: Vec<i64> = months
        .iter()
        .map(|m| m.invitations_answered.unwrap_or(0))
        .collect();
    let (answered_now, answered_parts) = r.parted(&answered);
    let answered_before = r.alone(read.invitations[1].answered);
    let measures = read
        .measures
        .iter()
        .map(|m| {
            let counts: Vec<i64> = m.months.iter().map(|f| f.responses).collect();
            let (total, parts) = r.parted(&counts);
            // The mean beside its count gives away the answers' sum: a figure about the
            // same answers, in the same sums, shown with the count or not at all.
            let sum = r
                .table
                .cell(parts.iter().flat_map(|(_, m)| m.iter().copied()));
            let part_sums: Vec<CellId> = parts
                .iter()
                .map(|(count, members)| {
                    let s = r.table.cell(members.clone());
                    r.table.together([*count, s]);
                    s
                })
                .collect();
            r.table.sum(sum, part_sums);
            r.table.together([total, sum]);
            let before = r.alone(m.totals[1].responses);
            let by_month: HashMap<String, CellId> = m
                .months
                .iter()
                .zip(&parts)
                .filter_map(|(f, (c, _))| Some((month_key(f)?, *c)))
                .collect();
            let month_cells = months
                .iter()
                .map(|month| {
                    by_month
                        .get(&month.month)
                        .copied()
                        .unwrap_or_else(|| r.table.cell([]))
                })
                .collect();
            ([total, before], month_cells)
        })
        .collect();
    (
        r.table,
        Cells {
            responses: [responses_now, responses_before],
            months: month_cells,
            answered: [answered_now, answered_before],
            answered_months: answered_parts.into_iter().map(|(c, _)| c).collect(),
            measures,
        },
    )
}

/// Withholds what `reader` may not see (nothing for the cio, `reader` None).
fn withhold(section: &mut ClientFeedback, read: &PeriodFeedback, reader: Option<&Reader>) {
    let Some(reader) = reader else {
        return;
    };
    let (table, c) = cells(read, &section.months);
    let shown = table.decide(reader);
    let keep = |cell: CellId, v: &mut Option<i64>| {
        if !shown.shows(cell) {
            *v = None;
        }
    };
    keep(c.responses[0], &mut section.responses.now);
    keep(c.responses[1], &mut section.responses.before);
    keep(c.answered[0], &mut section.invitations_answered.now);
    keep(c.answered[1], &mut section.invitations_answered.before);
    if section.invitations_answered.now.is_none() {
        section.response_rate.now = None;
    }
    if section.invitations_answered.before.is_none() {
        section.response_rate.before = None;
    }
    for ((month, (responses, invited)), answered) in section
        .months
        .iter_mut()
        .zip(&c.months)
        .zip(&c.answered_months)
    {
        keep(*responses, &mut month.responses);
        keep(*invited, &mut month.invited);
        keep(*answered, &mut month.invitations_answered);
    }
    for (m, (totals, months)) in section.measures.iter_mut().zip(&c.measures) {
        for (i, cell) in totals.iter().enumerate() {
            if !shown.shows(*cell) {
                match i {
                    0 => (m.responses.now, m.value.now) = (None, None),
                    _ => (m.responses.before, m.value.before) = (None, None),
                }
            }
        }
        for (month, cell) in m.months.iter_mut().zip(months) {
            if !shown.shows(*cell) {
                (month.responses, month.value) = (None, None);
            }
        }
    }
}

/// The section from what `feedback::period_feedback` read, as `reader` may see it (every
/// figure for the cio, `reader` None).
pub fn section(period: &Period, read: PeriodFeedback, reader: Option<&Reader>) -> ClientFeedback {
    let mut section = figures(period, &read);
    withhold(&mut section, &read, reader);
    section
}

fn figures(period: &Period, read: &PeriodFeedback) -> ClientFeedback {
    let months = activity::months(period);
    let measures = read
        .measures
        .iter()
        .map(|m| {
            let by_month: HashMap<String, &MonthFigures> = m
                .months
                .iter()
                .filter_map(|f| Some((month_key(f)?, f)))
                .collect();
            FeedbackMeasure {
                objective_code: m.objective.code.clone(),
                objective_title: m.objective.title.clone(),
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
                            responses: Some(f.map_or(0, |f| f.responses)),
                            value: f.and_then(|f| f.value(m.kind)),
                        }
                    })
                    .collect(),
                prompt: m.prompt.clone(),
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
                responses: Some(m.map_or(0, |m| m.responses)),
                invited: Some(m.map_or(0, |m| m.invited)),
                invitations_sent: m.map_or(0, |m| m.invitations.sent),
                invitations_answered: Some(m.map_or(0, |m| m.invitations.answered)),
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
