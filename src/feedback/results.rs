//! What clients said: per question and month, the number of answers, the mean and
//! distribution of a rating, the share of yes; the free text the reader may see; and the
//! invitations' response rate beside them. Months are calendar months in UTC. Every read
//! here runs a fixed number of statements whatever the number of responses.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Datelike, Months, NaiveDate, Utc};
use sea_orm::{ConnectionTrait, FromQueryResult};

use super::{Question, QuestionKind, Survey, load, questions_of};
use crate::{
    auth::Actor,
    db::{Db, Params},
    error::AppResult,
    plan::ObjectiveRef,
    policy::{self, Action},
    validate::Word,
};

/// The first day of the month of `at`.
pub fn month_of(at: DateTime<Utc>) -> NaiveDate {
    let d = at.date_naive();
    d.with_day(1).unwrap_or(d)
}

/// "Nov 2026".
pub fn month_label(month: NaiveDate) -> String {
    month.format(crate::dates::MONTH).to_string()
}

/// The figures of one question over one month (or over all of them).
#[derive(Debug, Clone, Default)]
pub struct MonthFigures {
    /// The first day of the month; None for the whole survey.
    pub month: Option<NaiveDate>,
    /// Answers to this question.
    pub responses: i64,
    /// Ratings 1 to 5, counted.
    pub distribution: [i64; 5],
    pub yes: i64,
    pub no: i64,
}

impl MonthFigures {
    fn add(&mut self, answer: &AnswerRow) {
        self.responses += 1;
        if let Some(r) = answer.rating
            && (1..=5).contains(&r)
        {
            self.distribution[(r - 1) as usize] += 1;
        }
        match answer.yes {
            Some(true) => self.yes += 1,
            Some(false) => self.no += 1,
            None => {}
        }
    }

    /// The mean rating, when there are ratings.
    pub fn mean(&self) -> Option<f64> {
        let n: i64 = self.distribution.iter().sum();
        (n > 0).then(|| {
            let total: i64 = self
                .distribution
                .iter()
                .enumerate()
                .map(|(i, c)| (i as i64 + 1) * c)
                .sum();
            total as f64 / n as f64
        })
    }

    /// The share of yes in percent, when there are answers.
    pub fn yes_share(&self) -> Option<f64> {
        let n = self.yes + self.no;
        (n > 0).then(|| self.yes as f64 * 100.0 / n as f64)
    }

    /// The figure a measure is judged by: the mean of a rating, the share of yes.
    pub fn value(&self, kind: QuestionKind) -> Option<f64> {
        match kind {
            QuestionKind::Rating => self.mean(),
            QuestionKind::YesNo => self.yes_share(),
            QuestionKind::Text => None,
        }
    }

    pub fn month_label(&self) -> String {
        self.month
            .map(month_label)
            .unwrap_or_else(|| "All months".to_owned())
    }

    /// The figure as people read it ("4.3", "87% yes"), or "–".
    pub fn value_label(&self, kind: &QuestionKind) -> String {
        let kind = *kind;
        match (kind, self.value(kind)) {
            (QuestionKind::YesNo, Some(v)) => format!("{v:.0}% yes"),
            (_, Some(v)) => format!("{v:.1}"),
            (_, None) => "–".to_owned(),
        }
    }
}

/// A free-text answer as the reader may see it.
#[derive(Debug, Clone)]
pub struct TextAnswer {
    pub id: i64,
    pub submitted_at: DateTime<Utc>,
    pub text: String,
    pub released: bool,
    /// Set when the cio hid it (only the cio sees hidden answers).
    pub hidden_reason: Option<String>,
}

#[derive(Debug, Clone)]
pub struct QuestionResults {
    pub question: Question,
    pub total: MonthFigures,
    /// Months with answers, oldest first.
    pub months: Vec<MonthFigures>,
    /// Free text the reader may see, newest first.
    pub texts: Vec<TextAnswer>,
    /// Free-text answers the reader may not see (not released, or hidden).
    pub texts_withheld: i64,
}

/// Invitations sent in a month (or overall) and what became of them.
#[derive(Debug, Clone, Default)]
pub struct InvitationFigures {
    pub month: Option<NaiveDate>,
    pub sent: i64,
    pub answered: i64,
    pub waiting: i64,
    pub withdrawn: i64,
    pub expired: i64,
}

impl InvitationFigures {
    /// Answered of those sent and not withdrawn, in percent.
    pub fn rate(&self) -> Option<f64> {
        let asked = self.sent - self.withdrawn;
        (asked > 0).then(|| self.answered as f64 * 100.0 / asked as f64)
    }

    pub fn rate_label(&self) -> String {
        self.rate()
            .map(|r| format!("{r:.0}%"))
            .unwrap_or_else(|| "–".to_owned())
    }

    pub fn month_label(&self) -> String {
        self.month
            .map(month_label)
            .unwrap_or_else(|| "All months".to_owned())
    }
}

/// Responses received in a month.
#[derive(Debug, Clone)]
pub struct ResponseMonth {
    pub month: NaiveDate,
    pub responses: i64,
    /// Of those, through an invitation.
    pub invited: i64,
    /// Invitations sent that month and what became of them.
    pub invitations: InvitationFigures,
}

impl ResponseMonth {
    pub fn month_label(&self) -> String {
        month_label(self.month)
    }
}

#[derive(Debug, Clone)]
pub struct Results {
    pub survey: Survey,
    pub questions: Vec<QuestionResults>,
    pub months: Vec<ResponseMonth>,
    pub invitations: InvitationFigures,
    /// The reader sees free text the cio has not released (the cio).
    pub sees_unreleased: bool,
}

#[derive(FromQueryResult)]
struct AnswerRow {
    id: i64,
    question_id: i64,
    rating: Option<i16>,
    yes: Option<bool>,
    text: Option<String>,
    released_at: Option<DateTime<Utc>>,
    hidden_reason: Option<String>,
    submitted_at: DateTime<Utc>,
}

async fn answers(
    conn: &impl ConnectionTrait,
    where_sql: &str,
    p: Params,
) -> AppResult<Vec<AnswerRow>> {
    let sql = format!(
        "SELECT a.id, a.question_id, a.rating, a.yes, a.text, a.released_at, a.hidden_reason, r.submitted_at
         FROM survey_answers a JOIN survey_responses r ON r.id = a.response_id
         WHERE {where_sql} ORDER BY r.submitted_at, a.id"
    );
    Ok(
        AnswerRow::find_by_statement(p.statement(conn.get_database_backend(), sql))
            .all(conn)
            .await?,
    )
}

#[derive(FromQueryResult)]
struct ResponseRow {
    submitted_at: DateTime<Utc>,
    invited: bool,
}

#[derive(FromQueryResult)]
struct InvitationRow {
    created_at: DateTime<Utc>,
    expires_at: DateTime<Utc>,
    withdrawn_at: Option<DateTime<Utc>>,
    used_at: Option<DateTime<Utc>>,
}

impl InvitationFigures {
    fn add(&mut self, row: &InvitationRow, now: DateTime<Utc>) {
        self.sent += 1;
        if row.used_at.is_some() {
            self.answered += 1;
        } else if row.withdrawn_at.is_some() {
            self.withdrawn += 1;
        } else if row.expires_at <= now {
            self.expired += 1;
        } else {
            self.waiting += 1;
        }
    }
}

/// A survey's results for a reader who may see the survey. Seven statements.
pub async fn results(
    db: &Db,
    actor: &Actor,
    survey_id: i64,
    now: DateTime<Utc>,
) -> AppResult<Results> {
    let conn = db.conn();
    let survey = load(conn, actor, survey_id).await?;
    let sees_unreleased = policy::allows(actor.principal(), Action::ManageSurveys);
    let mut p = Params::new();
    let cond = format!("r.survey_id = {}", p.bind(survey_id));
    let rows = answers(conn, &cond, p).await?;

    let mut p = Params::new();
    let sql = format!(
        "SELECT submitted_at, CASE WHEN invitation_id IS NULL THEN FALSE ELSE TRUE END AS invited
         FROM survey_responses WHERE survey_id = {}",
        p.bind(survey_id)
    );
    let responses = ResponseRow::find_by_statement(p.statement(db.backend(), sql))
        .all(conn)
        .await?;
    let mut p = Params::new();
    let sql = format!(
        "SELECT created_at, expires_at, withdrawn_at, used_at FROM survey_invitations WHERE survey_id = {}",
        p.bind(survey_id)
    );
    let invitations = InvitationRow::find_by_statement(p.statement(db.backend(), sql))
        .all(conn)
        .await?;

    let mut months: BTreeMap<NaiveDate, ResponseMonth> = BTreeMap::new();
    let blank = |month| ResponseMonth {
        month,
        responses: 0,
        invited: 0,
        invitations: InvitationFigures {
            month: Some(month),
            ..Default::default()
        },
    };
    for r in &responses {
        let m = months
            .entry(month_of(r.submitted_at))
            .or_insert_with_key(|m| blank(*m));
        m.responses += 1;
        if r.invited {
            m.invited += 1;
        }
    }
    let mut overall = InvitationFigures::default();
    for i in &invitations {
        overall.add(i, now);
        months
            .entry(month_of(i.created_at))
            .or_insert_with_key(|m| blank(*m))
            .invitations
            .add(i, now);
    }

    let mut by_question: HashMap<i64, Vec<&AnswerRow>> = HashMap::new();
    for a in &rows {
        by_question.entry(a.question_id).or_default().push(a);
    }
    let questions = survey
        .questions
        .iter()
        .map(|q| {
            let mine = by_question.remove(&q.id).unwrap_or_default();
            let mut total = MonthFigures::default();
            let mut per: BTreeMap<NaiveDate, MonthFigures> = BTreeMap::new();
            let mut texts = Vec::new();
            let mut withheld = 0;
            for a in &mine {
                total.add(a);
                per.entry(month_of(a.submitted_at))
                    .or_insert_with_key(|m| MonthFigures {
                        month: Some(*m),
                        ..Default::default()
                    })
                    .add(a);
                if let Some(text) = &a.text {
                    let visible =
                        sees_unreleased || (a.released_at.is_some() && a.hidden_reason.is_none());
                    if visible {
                        texts.push(TextAnswer {
                            id: a.id,
                            submitted_at: a.submitted_at,
                            text: text.clone(),
                            released: a.released_at.is_some(),
                            hidden_reason: a.hidden_reason.clone(),
                        });
                    } else {
                        withheld += 1;
                    }
                }
            }
            texts.reverse();
            QuestionResults {
                question: q.clone(),
                total,
                months: per.into_values().collect(),
                texts,
                texts_withheld: withheld,
            }
        })
        .collect();
    Ok(Results {
        survey,
        questions,
        months: months.into_values().collect(),
        invitations: overall,
        sees_unreleased,
    })
}

/// One month of a measure.
#[derive(Debug, Clone)]
pub struct MeasureMonth {
    /// The first day of the month.
    pub month: NaiveDate,
    pub responses: i64,
    /// The mean rating (1 to 5) or the share of yes (percent).
    pub value: f64,
}

/// A question that informs an objective's measure, month by month.
#[derive(Debug, Clone)]
pub struct Measure {
    pub objective: ObjectiveRef,
    pub survey_id: i64,
    pub question_id: i64,
    pub prompt: String,
    pub kind: QuestionKind,
    /// A mean from 1 to 5 for a rating, a share of yes in percent for yes/no.
    pub target: Option<f64>,
    /// Months of [from, to] with answers, oldest first.
    pub months: Vec<MeasureMonth>,
    /// Answers over the whole range.
    pub responses: i64,
}

#[derive(FromQueryResult)]
struct LinkedRow {
    survey_id: i64,
}

/// Per question linked to an objective: its monthly values in [from, to] (days, UTC),
/// answers and target. For the summaries; the caller decides who may read it. Four
/// statements.
pub async fn measures(db: &Db, from: NaiveDate, to: NaiveDate) -> AppResult<Vec<Measure>> {
    let conn = db.conn();
    let sql = "SELECT DISTINCT survey_id FROM survey_questions WHERE objective_id IS NOT NULL";
    let linked = LinkedRow::find_by_statement(Params::new().statement(db.backend(), sql))
        .all(conn)
        .await?;
    let survey_ids: Vec<i64> = linked.iter().map(|r| r.survey_id).collect();
    let questions: Vec<(i64, Question)> = questions_of(conn, &survey_ids)
        .await?
        .into_iter()
        .filter(|(_, q)| q.objective.is_some() && q.kind != QuestionKind::Text)
        .collect();
    let mut p = Params::new();
    let start = from.and_hms_opt(0, 0, 0).map(|t| t.and_utc());
    let end = to
        .succ_opt()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| t.and_utc());
    let cond = format!(
        "a.question_id IN ({}) AND r.submitted_at >= {} AND r.submitted_at < {}",
        p.bind_all(questions.iter().map(|(_, q)| q.id)),
        p.bind(start),
        p.bind(end),
    );
    let rows = answers(conn, &cond, p).await?;
    let mut by_question: HashMap<i64, Vec<&AnswerRow>> = HashMap::new();
    for a in &rows {
        by_question.entry(a.question_id).or_default().push(a);
    }
    Ok(questions
        .into_iter()
        .filter_map(|(survey_id, q)| {
            let objective = q.objective.clone()?;
            let mut per: BTreeMap<NaiveDate, MonthFigures> = BTreeMap::new();
            let mut responses = 0;
            for a in by_question.remove(&q.id).unwrap_or_default() {
                responses += 1;
                per.entry(month_of(a.submitted_at)).or_default().add(a);
            }
            let months = per
                .into_iter()
                .filter_map(|(month, f)| {
                    f.value(q.kind).map(|value| MeasureMonth {
                        month,
                        responses: f.responses,
                        value,
                    })
                })
                .collect();
            Some(Measure {
                objective,
                survey_id,
                question_id: q.id,
                prompt: q.prompt,
                kind: q.kind,
                target: q.target,
                months,
                responses,
            })
        })
        .collect())
}

/// What the plan page shows of a measure: its latest month with answers, if recent.
#[derive(Debug, Clone)]
pub struct LatestMeasure {
    pub prompt: String,
    pub kind: QuestionKind,
    pub target: Option<f64>,
    pub latest: Option<MeasureMonth>,
}

impl LatestMeasure {
    pub fn value_label(&self) -> String {
        match (&self.latest, self.kind) {
            (Some(m), QuestionKind::YesNo) => format!("{:.0}% yes", m.value),
            (Some(m), _) => format!("{:.1}", m.value),
            (None, _) => String::new(),
        }
    }
    pub fn target_label(&self) -> Option<String> {
        self.target.map(|t| super::target_label(self.kind, t))
    }
    pub fn month_label(&self) -> String {
        self.latest
            .as_ref()
            .map(|m| month_label(m.month))
            .unwrap_or_default()
    }
    pub fn responses(&self) -> i64 {
        self.latest.as_ref().map(|m| m.responses).unwrap_or(0)
    }
}

/// How many months back (this one included) responses count as recent on the plan page.
pub const RECENT_MONTHS: u32 = 3;

/// Per objective linked to a survey question, its measures with the latest recent month.
pub async fn latest_measures(
    db: &Db,
    now: DateTime<Utc>,
) -> AppResult<HashMap<i32, Vec<LatestMeasure>>> {
    let this_month = month_of(now);
    let from = this_month
        .checked_sub_months(Months::new(RECENT_MONTHS - 1))
        .unwrap_or(this_month);
    let mut out: HashMap<i32, Vec<LatestMeasure>> = HashMap::new();
    for m in measures(db, from, now.date_naive()).await? {
        out.entry(m.objective.id).or_default().push(LatestMeasure {
            prompt: m.prompt,
            kind: m.kind,
            target: m.target,
            latest: m.months.last().cloned(),
        });
    }
    Ok(out)
}

/// A question linked to an objective, over a summary's period and the one before it.
#[derive(Debug, Clone)]
pub struct PeriodMeasure {
    pub objective: ObjectiveRef,
    pub survey_id: i64,
    pub question_id: i64,
    pub prompt: String,
    pub kind: QuestionKind,
    /// A mean from 1 to 5 for a rating, a share of yes in percent for yes/no.
    pub target: Option<f64>,
    /// Every answer in the period, and in the previous one.
    pub totals: [MonthFigures; 2],
    /// The period's months with answers, oldest first.
    pub months: Vec<MonthFigures>,
}

/// Client feedback over a summary's period and the one before it (index 0 the period,
/// 1 the previous one): aggregates only, never free text.
#[derive(Debug, Clone, Default)]
pub struct PeriodFeedback {
    pub measures: Vec<PeriodMeasure>,
    /// Responses to any survey per month of the period (months without any left out),
    /// with the invitations sent that month.
    pub months: Vec<ResponseMonth>,
    pub responses: [i64; 2],
    /// Invitations sent in each period, and what became of them by `now`.
    pub invitations: [InvitationFigures; 2],
}

#[derive(FromQueryResult)]
struct LinkedQuestionRow {
    id: i64,
    survey_id: i64,
    kind: String,
    prompt: String,
    target: Option<f64>,
    objective_id: i32,
    plan_id: i32,
    objective_number: i32,
    goal_number: i32,
    objective_title: String,
    retired: bool,
}

#[derive(FromQueryResult)]
struct PeriodAnswerRow {
    response_id: i64,
    submitted_at: DateTime<Utc>,
    invited: bool,
    question_id: Option<i64>,
    rating: Option<i16>,
    yes: Option<bool>,
}

/// Client feedback over `ranges` ([start, end) instants: the period, then the previous
/// one). For the summaries; the caller decides who may read it. Three statements, whatever
/// the number of responses: the linked questions with their objectives, the responses
/// with their answers to those questions, and the invitations.
pub async fn period_feedback(
    db: &Db,
    ranges: [(DateTime<Utc>, DateTime<Utc>); 2],
    now: DateTime<Utc>,
) -> AppResult<PeriodFeedback> {
    let conn = db.conn();
    let mut p = Params::new();
    let sql = format!(
        "SELECT q.id, q.survey_id, q.kind, q.prompt, q.target, q.objective_id,
                o.plan_id, o.number AS objective_number, g.number AS goal_number,
                o.title AS objective_title, o.retired
         FROM survey_questions q
         JOIN objectives o ON o.id = q.objective_id
         JOIN strategic_goals g ON g.id = o.strategic_goal_id
         WHERE q.kind <> {}
         ORDER BY g.number, o.number, q.survey_id, q.position",
        p.bind(QuestionKind::Text.as_str())
    );
    let linked = LinkedQuestionRow::find_by_statement(p.statement(db.backend(), sql))
        .all(conn)
        .await?;

    let mut p = Params::new();
    let in_range = |p: &mut Params, column: &str| {
        ranges
            .iter()
            .map(|(start, end)| {
                format!(
                    "({column} >= {} AND {column} < {})",
                    p.bind(*start),
                    p.bind(*end)
                )
            })
            .collect::<Vec<_>>()
            .join(" OR ")
    };
    let linked_ids = p.bind_all(linked.iter().map(|q| q.id));
    let sql = format!(
        "SELECT r.id AS response_id, r.submitted_at,
                CASE WHEN r.invitation_id IS NULL THEN FALSE ELSE TRUE END AS invited,
                a.question_id, a.rating, a.yes
         FROM survey_responses r
         LEFT JOIN survey_answers a ON a.response_id = r.id AND a.question_id IN ({linked_ids})
         WHERE {}
         ORDER BY r.id",
        in_range(&mut p, "r.submitted_at")
    );
    let rows = PeriodAnswerRow::find_by_statement(p.statement(db.backend(), sql))
        .all(conn)
        .await?;

    let mut p = Params::new();
    let sql = format!(
        "SELECT created_at, expires_at, withdrawn_at, used_at FROM survey_invitations WHERE {}",
        in_range(&mut p, "created_at")
    );
    let invitations = InvitationRow::find_by_statement(p.statement(db.backend(), sql))
        .all(conn)
        .await?;

    let which = |at: DateTime<Utc>| ranges.iter().position(|(s, e)| *s <= at && at < *e);
    let mut out = PeriodFeedback::default();
    let mut months: BTreeMap<NaiveDate, ResponseMonth> = BTreeMap::new();
    let blank = |month| ResponseMonth {
        month,
        responses: 0,
        invited: 0,
        invitations: InvitationFigures {
            month: Some(month),
            ..Default::default()
        },
    };
    let mut answers: HashMap<i64, Vec<(usize, AnswerRow)>> = HashMap::new();
    let mut last_response = None;
    for row in rows {
        let Some(at) = which(row.submitted_at) else {
            continue;
        };
        // One row per answer to a linked question (or one for a response without any).
        if last_response != Some(row.response_id) {
            last_response = Some(row.response_id);
            out.responses[at] += 1;
            if at == 0 {
                let m = months
                    .entry(month_of(row.submitted_at))
                    .or_insert_with_key(|m| blank(*m));
                m.responses += 1;
                if row.invited {
                    m.invited += 1;
                }
            }
        }
        if let Some(question_id) = row.question_id {
            answers.entry(question_id).or_default().push((
                at,
                AnswerRow {
                    id: 0,
                    question_id,
                    rating: row.rating,
                    yes: row.yes,
                    text: None,
                    released_at: None,
                    hidden_reason: None,
                    submitted_at: row.submitted_at,
                },
            ));
        }
    }
    for i in &invitations {
        let Some(at) = which(i.created_at) else {
            continue;
        };
        out.invitations[at].add(i, now);
        if at == 0 {
            months
                .entry(month_of(i.created_at))
                .or_insert_with_key(|m| blank(*m))
                .invitations
                .add(i, now);
        }
    }
    out.months = months.into_values().collect();
    for q in linked {
        let kind = QuestionKind::from_stored(&q.kind)?;
        let mut totals = [MonthFigures::default(), MonthFigures::default()];
        let mut per: BTreeMap<NaiveDate, MonthFigures> = BTreeMap::new();
        for (at, a) in answers.remove(&q.id).unwrap_or_default() {
            totals[at].add(&a);
            if at == 0 {
                per.entry(month_of(a.submitted_at))
                    .or_insert_with_key(|m| MonthFigures {
                        month: Some(*m),
                        ..Default::default()
                    })
                    .add(&a);
            }
        }
        out.measures.push(PeriodMeasure {
            objective: ObjectiveRef {
                id: q.objective_id,
                plan_id: q.plan_id,
                code: crate::plan::objective_code(q.goal_number, q.objective_number),
                title: q.objective_title,
                retired: q.retired,
            },
            survey_id: q.survey_id,
            question_id: q.id,
            prompt: q.prompt,
            kind,
            target: q.target,
            totals,
            months: per.into_values().collect(),
        });
    }
    Ok(out)
}
