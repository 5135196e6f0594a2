//! Each section of a summary as CSV (RFC 4180, UTF-8, a header row), written with the
//! `csv` crate. A text cell a spreadsheet would take for a formula (one that begins with
//! `=`, `+`, `-`, `@`, a tab or a carriage return) is neutralised with a leading `'`;
//! a plain number such as `-2` is left as a number.

use super::{Figure, Section, Summary};
use crate::error::{AppError, AppResult};

/// What a withheld figure reads as.
pub fn withheld(k: i64) -> String {
    format!("hidden for privacy (fewer than {k})")
}

/// A cell as written: neutralised when a spreadsheet would run it.
pub fn neutralise(cell: &str) -> String {
    let risky = cell.starts_with(['=', '+', '-', '@', '\t', '\r']);
    let number = cell.parse::<f64>().is_ok_and(f64::is_finite);
    if risky && !number {
        format!("'{cell}")
    } else {
        cell.to_owned()
    }
}

struct Cells {
    k: i64,
}

impl Cells {
    fn int(&self, v: Option<i64>) -> String {
        v.map_or_else(|| withheld(self.k), |v| v.to_string())
    }

    /// A client-feedback count: blank when withheld.
    fn blank_int(v: Option<i64>) -> String {
        v.map_or_else(String::new, |v| v.to_string())
    }

    /// now, before, change of a client-feedback count: blank when withheld.
    fn blank_ints(f: &Figure<i64>) -> [String; 3] {
        [
            Cells::blank_int(f.now),
            Cells::blank_int(f.before),
            f.change().map_or_else(String::new, |c| c.to_string()),
        ]
    }

    fn real(&self, v: Option<f64>) -> String {
        v.map_or_else(String::new, |v| format!("{v:.2}"))
    }

    /// now, before, change
    fn ints(&self, f: &Figure<i64>) -> [String; 3] {
        [
            self.int(f.now),
            self.int(f.before),
            f.change().map_or_else(String::new, |c| c.to_string()),
        ]
    }

    fn reals(&self, f: &Figure<f64>) -> [String; 3] {
        [self.real(f.now), self.real(f.before), self.real(f.change())]
    }
}

/// One section as a CSV document.
pub fn section_csv(summary: &Summary, section: Section) -> AppResult<String> {
    let cells = Cells { k: summary.k };
    let mut rows: Vec<Vec<String>> = Vec::new();
    match section {
        Section::Coverage => {
            rows.push(
                [
                    "level",
                    "code",
                    "title",
                    "linked",
                    "linked_before",
                    "linked_change",
                    "achieved",
                    "achieved_before",
                    "achieved_change",
                    "partially_achieved",
                    "partially_achieved_before",
                    "partially_achieved_change",
                    "not_achieved",
                    "not_achieved_before",
                    "not_achieved_change",
                    "achieved_percent",
                    "achieved_percent_before",
                ]
                .map(str::to_owned)
                .to_vec(),
            );
            let line = |level: &str, code: &str, title: &str, o: &super::Outcomes| {
                let mut row = vec![level.to_owned(), code.to_owned(), title.to_owned()];
                for f in [&o.linked, &o.achieved, &o.partially, &o.not_achieved] {
                    row.extend(cells.ints(f));
                }
                let percent = o.achieved_percent();
                row.push(cells.real(percent.now));
                row.push(cells.real(percent.before));
                row
            };
            for goal in &summary.coverage.goals {
                rows.push(line("goal", &goal.code, &goal.title, &goal.outcomes));
                for o in &goal.objectives {
                    rows.push(line("objective", &o.code, &o.title, &o.outcomes));
                }
            }
        }
        Section::Skills => {
            let mut header: Vec<String> = [
                "level",
                "name",
                "category",
                "assessed",
                "assessed_before",
                "assessed_change",
                "baseline",
                "baseline_before",
                "baseline_change",
                "current",
                "current_before",
                "current_change",
                "target",
                "target_before",
                "target_change",
            ]
            .map(str::to_owned)
            .to_vec();
            header.extend((1..=5).map(|l| format!("at_level_{l}")));
            header.extend((1..=5).map(|l| format!("at_level_{l}_before")));
            rows.push(header);
            let line = |level: &str, r: &super::SkillRow| {
                let mut row = vec![level.to_owned(), r.name.clone(), r.category.clone()];
                row.extend(cells.ints(&r.assessed));
                row.extend(cells.reals(&r.baseline));
                row.extend(cells.reals(&r.current));
                row.extend(cells.reals(&r.target));
                for d in [r.distribution.now, r.distribution.before] {
                    let d = d.unwrap_or_default();
                    row.extend(d.iter().map(|n| cells.int(*n)));
                }
                row
            };
            for r in &summary.skills.categories {
                rows.push(line("category", r));
            }
            for r in &summary.skills.skills {
                rows.push(line("skill", r));
            }
        }
        Section::Recognition => {
            rows.push(
                ["figure", "now", "before", "change"]
                    .map(str::to_owned)
                    .to_vec(),
            );
            let r = &summary.recognition;
            let mut line = |name: String, values: [String; 3]| {
                let mut row = vec![name];
                row.extend(values);
                rows.push(row);
            };
            line("kudos".into(), cells.ints(&r.kudos));
            line("givers".into(), cells.ints(&r.givers));
            line("receivers".into(), cells.ints(&r.receivers));
            line(
                "staff_thanked_percent".into(),
                cells.reals(&r.staff_thanked_percent),
            );
            line("trophy_passes".into(), cells.ints(&r.trophy_passes));
            line("trophy_holders".into(), cells.ints(&r.trophy_holders));
            for m in &r.kudos_per_month {
                line(format!("kudos {}", m.month), cells.ints(&m.kudos));
            }
            for c in &r.compliments {
                line(format!("compliments: {}", c.label), cells.ints(&c.count));
            }
            for c in &r.announcements {
                line(format!("announcements: {}", c.label), cells.ints(&c.count));
            }
        }
        Section::Meetings => {
            rows.push(
                [
                    "meeting", "held_on", "kind", "item", "prompt", "point", "text",
                ]
                .map(str::to_owned)
                .to_vec(),
            );
            for m in &summary.meetings.meetings {
                let head = |item: &str, prompt: &str, point: &str, text: &str| {
                    vec![
                        m.title.clone(),
                        m.held_on.to_string(),
                        m.kind.clone(),
                        item.to_owned(),
                        prompt.to_owned(),
                        point.to_owned(),
                        text.to_owned(),
                    ]
                };
                if m.explored.is_empty() {
                    rows.push(head("", "", "", ""));
                }
                for e in &m.explored {
                    if e.agreements.is_empty() && e.disagreements.is_empty() {
                        rows.push(head(&e.title, &e.prompt, "", ""));
                    }
                    for a in &e.agreements {
                        rows.push(head(&e.title, &e.prompt, "agreement", a));
                    }
                    for d in &e.disagreements {
                        rows.push(head(&e.title, &e.prompt, "disagreement", d));
                    }
                }
            }
        }
        Section::ClientFeedback => {
            rows.push(
                [
                    "figure",
                    "objective",
                    "question",
                    "month",
                    "now",
                    "before",
                    "change",
                    "target",
                    "answers",
                    "answers_before",
                ]
                .map(str::to_owned)
                .to_vec(),
            );
            let f = &summary.client_feedback;
            let mut line = |figure: &str,
                            objective: &str,
                            question: &str,
                            month: &str,
                            values: [String; 3],
                            rest: [String; 3]| {
                let mut row = vec![
                    figure.to_owned(),
                    objective.to_owned(),
                    question.to_owned(),
                    month.to_owned(),
                ];
                row.extend(values);
                row.extend(rest);
                rows.push(row);
            };
            let none = || [String::new(), String::new(), String::new()];
            for m in &f.measures {
                let objective = format!("{} {}", m.objective_code, m.objective_title);
                let target = m.target.map_or_else(String::new, |t| format!("{t:.2}"));
                line(
                    "measure",
                    &objective,
                    &m.prompt,
                    "",
                    cells.reals(&m.value),
                    [
                        target.clone(),
                        Cells::blank_int(m.responses.now),
                        Cells::blank_int(m.responses.before),
                    ],
                );
                for month in &m.months {
                    line(
                        "measure_in_month",
                        &objective,
                        &m.prompt,
                        &month.month,
                        [cells.real(month.value), String::new(), String::new()],
                        [
                            target.clone(),
                            Cells::blank_int(month.responses),
                            String::new(),
                        ],
                    );
                }
            }
            line(
                "responses",
                "",
                "",
                "",
                Cells::blank_ints(&f.responses),
                none(),
            );
            line(
                "invitations_sent",
                "",
                "",
                "",
                cells.ints(&f.invitations_sent),
                none(),
            );
            line(
                "invitations_answered",
                "",
                "",
                "",
                Cells::blank_ints(&f.invitations_answered),
                none(),
            );
            line(
                "response_rate_percent",
                "",
                "",
                "",
                cells.reals(&f.response_rate),
                none(),
            );
            for m in &f.months {
                let count = |n: Option<i64>| [Cells::blank_int(n), String::new(), String::new()];
                line(
                    "responses_in_month",
                    "",
                    "",
                    &m.month,
                    count(m.responses),
                    none(),
                );
                line(
                    "invited_responses_in_month",
                    "",
                    "",
                    &m.month,
                    count(m.invited),
                    none(),
                );
                line(
                    "invitations_sent_in_month",
                    "",
                    "",
                    &m.month,
                    count(Some(m.invitations_sent)),
                    none(),
                );
                line(
                    "invitations_answered_in_month",
                    "",
                    "",
                    &m.month,
                    count(m.invitations_answered),
                    none(),
                );
            }
        }
    }
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    for row in rows {
        writer
            .write_record(row.iter().map(|c| neutralise(c)))
            .map_err(AppError::internal)?;
    }
    let bytes = writer
        .into_inner()
        .map_err(|e| AppError::internal(e.into_error()))?;
    String::from_utf8(bytes).map_err(AppError::internal)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_neutralised_and_numbers_are_not() {
        assert_eq!(neutralise("=SUM(A1)"), "'=SUM(A1)");
        assert_eq!(neutralise("+1+2"), "'+1+2");
        assert_eq!(neutralise("@cmd"), "'@cmd");
        assert_eq!(neutralise("-2+3"), "'-2+3");
        assert_eq!(neutralise("-2"), "-2");
        assert_eq!(neutralise("-0.50"), "-0.50");
        assert_eq!(neutralise("plain"), "plain");
    }
}
