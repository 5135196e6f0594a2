//! Client feedback: surveys that tell whether the department's clients feel better
//! served, tied to the plan's measures. The cio writes a survey (draft → open → closed)
//! with ordered questions (a 1–5 rating, yes/no, free text), some linked to an objective
//! with a target. Clients have no accounts: they answer through the survey's open link or
//! a one-use invitation (`respond`); responses are anonymous. Results are per question and
//! month (`results`). Compliments clients leave wait in the cio's queue, and reach the
//! portal only when the cio posts them.
//!
//! Free text is released per answer: the cio sees every answer, staff and advisors only
//! those the cio has released (one by one, or all unreviewed ones of a survey at once)
//! and not hidden. Hiding takes a reason and wins over a release.
//!
//! Every write takes `now`, so the demo writes a year of history through the same rules.

pub mod api;
pub mod pages;
pub mod respond;
pub mod results;

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use sea_orm::{ConnectionTrait, FromQueryResult};

pub use results::{
    LatestMeasure, Measure, MeasureMonth, MonthFigures, PeriodFeedback, PeriodMeasure,
    QuestionResults, Results, TextAnswer, latest_measures, measures, period_feedback, results,
};

use crate::{
    auth::{Actor, secrets},
    db::{Db, Params, WriteTxn},
    error::{AppError, AppResult},
    people::PersonRef,
    plan::{self, ObjectiveRef},
    policy::{self, Action},
    recognition::{self, Channel, Compliment, ComplimentInput},
    validate::{Errors, RequiredText, Text, Title, Word},
};

pub const INTRODUCTION_MAX: usize = 2_000;
pub const PROMPT_MAX: usize = 500;
pub const QUESTIONS_MAX: usize = 30;
pub const INVITATIONS_MAX: usize = 500;
pub const ANSWER_MAX: usize = 2_000;
pub const COMPLIMENT_MAX: usize = 2_000;
pub const REASON_MAX: usize = 500;

/// Where a survey is in its life: written, answered, then kept for its results.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    strum::EnumIter,
    strum::IntoStaticStr,
    strum::EnumString,
    strum::EnumMessage,
)]
#[strum(serialize_all = "snake_case")]
pub enum SurveyStatus {
    #[strum(message = "Draft")]
    Draft,
    #[strum(message = "Open")]
    Open,
    #[strum(message = "Closed")]
    Closed,
}

/// What a question asks for.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    strum::EnumIter,
    strum::IntoStaticStr,
    strum::EnumString,
    strum::EnumMessage,
)]
#[strum(serialize_all = "snake_case")]
pub enum QuestionKind {
    #[strum(message = "Rating from 1 to 5")]
    Rating,
    #[strum(message = "Yes or no")]
    YesNo,
    #[strum(message = "Free text")]
    Text,
}

/// Where a client's compliment is: waiting for the cio, on the portal, or dismissed.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    strum::EnumIter,
    strum::IntoStaticStr,
    strum::EnumString,
    strum::EnumMessage,
)]
#[strum(serialize_all = "snake_case")]
pub enum ComplimentStatus {
    #[strum(message = "Waiting")]
    Waiting,
    #[strum(message = "Posted")]
    Posted,
    #[strum(message = "Dismissed")]
    Dismissed,
}

#[derive(Debug, Clone)]
pub struct Question {
    pub id: i64,
    pub position: i32,
    pub kind: QuestionKind,
    pub prompt: String,
    pub required: bool,
    pub objective: Option<ObjectiveRef>,
    /// A mean from 1 to 5 for a rating, a share of yes in percent for yes/no.
    pub target: Option<f64>,
}

impl Question {
    /// The target as people read it ("4.5 of 5", "90% yes").
    pub fn target_label(&self) -> Option<String> {
        self.target.map(|t| target_label(self.kind, t))
    }
}

pub fn target_label(kind: QuestionKind, target: f64) -> String {
    match kind {
        QuestionKind::YesNo => format!("{target:.0}% yes"),
        _ => format!("{target:.1} of 5"),
    }
}

#[derive(Debug, Clone)]
pub struct Survey {
    pub id: i64,
    pub title: String,
    pub introduction: String,
    pub status: SurveyStatus,
    pub created_at: DateTime<Utc>,
    pub opened_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
    pub responses: i64,
    pub questions: Vec<Question>,
}

/// A survey in a list.
#[derive(Debug, Clone)]
pub struct SurveySummary {
    pub id: i64,
    pub title: String,
    pub status: SurveyStatus,
    pub created_at: DateTime<Utc>,
    pub responses: i64,
}

/// A survey as typed: `None` leaves a field as it is (or empty, on creation).
#[derive(Debug, Clone, Default)]
pub struct SurveyInput {
    pub title: Option<String>,
    pub introduction: Option<String>,
    pub status: Option<String>,
}

/// A question as typed.
#[derive(Debug, Clone, Default)]
pub struct QuestionInput {
    pub kind: Option<String>,
    pub prompt: Option<String>,
    pub required: Option<bool>,
    pub objective_id: Option<i32>,
    pub target: Option<f64>,
}

struct NewQuestion {
    kind: QuestionKind,
    prompt: String,
    required: bool,
    objective_id: Option<i32>,
    target: Option<f64>,
}

impl QuestionInput {
    /// Every rule that needs no database; `field` prefixes the field names
    /// (`questions[2].` in the API, nothing in a form).
    fn parse(&self, field: &str, errors: &mut Errors) -> Option<NewQuestion> {
        let kind = errors.word::<QuestionKind>(&format!("{field}kind"), self.kind.as_deref());
        let prompt = errors.check(
            format!("{field}prompt"),
            RequiredText::<PROMPT_MAX>::parse_or(
                self.prompt.as_deref().unwrap_or(""),
                "Write the question.",
            ),
        );
        let kind = kind?;
        if self.objective_id.is_some() && kind == QuestionKind::Text {
            errors.add(
                format!("{field}objective_id"),
                "Only a rating or a yes/no question can inform an objective's measure.",
            );
        }
        if let Some(target) = self.target {
            if self.objective_id.is_none() {
                errors.add(
                    format!("{field}target"),
                    "A target belongs to a question linked to an objective.",
                );
            }
            let (min, max) = match kind {
                QuestionKind::YesNo => (0.0, 100.0),
                _ => (1.0, 5.0),
            };
            if !(min..=max).contains(&target) || !target.is_finite() {
                errors.add(
                    format!("{field}target"),
                    format!("Use a number from {min} to {max}."),
                );
            }
        }
        Some(NewQuestion {
            kind,
            prompt: prompt?.into_string(),
            required: self.required.unwrap_or(false),
            objective_id: self.objective_id,
            target: self.target,
        })
    }
}

#[derive(FromQueryResult)]
struct SurveyRow {
    id: i64,
    title: String,
    introduction: String,
    status: String,
    created_at: DateTime<Utc>,
    opened_at: Option<DateTime<Utc>>,
    closed_at: Option<DateTime<Utc>>,
    responses: i64,
}

#[derive(FromQueryResult)]
struct QuestionRow {
    id: i64,
    survey_id: i64,
    position: i32,
    kind: String,
    prompt: String,
    required: bool,
    objective_id: Option<i32>,
    target: Option<f64>,
}

const SURVEY_COLUMNS: &str =
    "s.id, s.title, s.introduction, s.status, s.created_at, s.opened_at, s.closed_at,
     (SELECT COUNT(*) FROM survey_responses r WHERE r.survey_id = s.id) AS responses";

async fn survey_row(conn: &impl ConnectionTrait, id: i64) -> AppResult<Option<SurveyRow>> {
    let mut p = Params::new();
    let sql = format!(
        "SELECT {SURVEY_COLUMNS} FROM surveys s WHERE s.id = {}",
        p.bind(id)
    );
    Ok(
        SurveyRow::find_by_statement(p.statement(conn.get_database_backend(), sql))
            .one(conn)
            .await?,
    )
}

/// The questions of some surveys, in order, with their objectives: two queries.
async fn questions_of(
    conn: &impl ConnectionTrait,
    survey_ids: &[i64],
) -> AppResult<Vec<(i64, Question)>> {
    let mut p = Params::new();
    let sql = format!(
        "SELECT id, survey_id, position, kind, prompt, required, objective_id, target
         FROM survey_questions WHERE survey_id IN ({}) ORDER BY survey_id, position",
        p.bind_all(survey_ids.iter().copied())
    );
    let rows = QuestionRow::find_by_statement(p.statement(conn.get_database_backend(), sql))
        .all(conn)
        .await?;
    let objectives = plan::objective_refs(conn, rows.iter().filter_map(|r| r.objective_id)).await?;
    rows.into_iter()
        .map(|r| {
            Ok((
                r.survey_id,
                Question {
                    id: r.id,
                    position: r.position,
                    kind: QuestionKind::from_stored(&r.kind)?,
                    prompt: r.prompt,
                    required: r.required,
                    objective: r.objective_id.and_then(|id| objectives.get(&id).cloned()),
                    target: r.target,
                },
            ))
        })
        .collect()
}

fn to_survey(row: SurveyRow, questions: Vec<Question>) -> AppResult<Survey> {
    Ok(Survey {
        id: row.id,
        title: row.title,
        introduction: row.introduction,
        status: SurveyStatus::from_stored(&row.status)?,
        created_at: row.created_at,
        opened_at: row.opened_at,
        closed_at: row.closed_at,
        responses: row.responses,
        questions,
    })
}

/// A survey with its questions, for someone who may see it: drafts are the cio's.
async fn load(conn: &impl ConnectionTrait, actor: &Actor, id: i64) -> AppResult<Survey> {
    let Some(row) = survey_row(conn, id).await? else {
        return Err(AppError::NotFound);
    };
    let status = SurveyStatus::from_stored(&row.status)?;
    policy::check(
        actor.principal(),
        Action::ViewSurvey {
            is_draft: status == SurveyStatus::Draft,
        },
    )?;
    let questions = questions_of(conn, &[id])
        .await?
        .into_iter()
        .map(|(_, q)| q)
        .collect();
    to_survey(row, questions)
}

pub fn may_manage(actor: &Actor) -> bool {
    policy::allows(actor.principal(), Action::ManageSurveys)
}

/// The surveys the caller may see, the latest first: every one for the cio, the open and
/// closed ones for everyone else signed in. One query.
pub async fn list(db: &Db, actor: &Actor) -> AppResult<Vec<SurveySummary>> {
    let drafts = policy::allows(actor.principal(), Action::ViewSurvey { is_draft: true });
    let mut p = Params::new();
    let filter = if drafts {
        String::new()
    } else {
        format!("WHERE s.status <> {}", p.bind(SurveyStatus::Draft.as_str()))
    };
    let sql = format!("SELECT {SURVEY_COLUMNS} FROM surveys s {filter} ORDER BY s.id DESC");
    SurveyRow::find_by_statement(p.statement(db.backend(), sql))
        .all(db.conn())
        .await?
        .into_iter()
        .map(|r| {
            Ok(SurveySummary {
                status: SurveyStatus::from_stored(&r.status)?,
                id: r.id,
                title: r.title,
                created_at: r.created_at,
                responses: r.responses,
            })
        })
        .collect()
}

pub async fn get(db: &Db, actor: &Actor, id: i64) -> AppResult<Survey> {
    load(db.conn(), actor, id).await
}

/// Creates a draft survey with its questions (the cio).
pub async fn create(
    db: &Db,
    actor: &Actor,
    input: SurveyInput,
    questions: Vec<QuestionInput>,
    now: DateTime<Utc>,
) -> AppResult<Survey> {
    policy::check(actor.principal(), Action::ManageSurveys)?;
    let mut errors = Errors::default();
    let title = errors.check("title", Title::parse(input.title.as_deref().unwrap_or("")));
    let introduction = errors.check(
        "introduction",
        Text::<INTRODUCTION_MAX>::parse(input.introduction.as_deref().unwrap_or("")),
    );
    if let Some(status) = input.status.as_deref()
        && let Some(status) = errors.word::<SurveyStatus>("status", Some(status))
        && status != SurveyStatus::Draft
    {
        errors.add(
            "status",
            "A new survey starts as a draft; open it once its questions are ready.",
        );
    }
    let parsed = parse_questions(&questions, "questions", &mut errors);
    let txn = db.write().await?;
    check_objectives(&txn, &questions, "questions", &mut errors).await?;
    let (Some(title), Some(introduction), Some(parsed)) = (title, introduction, parsed) else {
        return Err(errors.into_error());
    };
    errors.finish()?;
    let mut p = Params::new();
    let sql = format!(
        "INSERT INTO surveys (title, introduction, status, created_by_id, created_at)
         VALUES ({}, {}, {}, {}, {}) RETURNING id",
        p.bind(title.into_string()),
        p.bind(introduction.into_string()),
        p.bind(SurveyStatus::Draft.as_str()),
        p.bind(actor.person_id),
        p.bind(now),
    );
    let id = inserted_id(&txn, p, sql).await?;
    write_questions(&txn, id, &parsed).await?;
    let survey = load(&txn, actor, id).await?;
    txn.commit().await?;
    Ok(survey)
}

#[derive(FromQueryResult)]
struct IdRow {
    id: i64,
}

async fn inserted_id(txn: &WriteTxn, p: Params, sql: String) -> AppResult<i64> {
    IdRow::find_by_statement(p.statement(txn.get_database_backend(), sql))
        .one(txn)
        .await?
        .map(|r| r.id)
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("an insert returned no id")))
}

fn parse_questions(
    questions: &[QuestionInput],
    field: &str,
    errors: &mut Errors,
) -> Option<Vec<NewQuestion>> {
    if questions.len() > QUESTIONS_MAX {
        errors.add(
            field,
            format!("A survey has at most {QUESTIONS_MAX} questions."),
        );
        return None;
    }
    let parsed: Vec<Option<NewQuestion>> = questions
        .iter()
        .enumerate()
        .map(|(i, q)| q.parse(&format!("{field}[{i}]."), errors))
        .collect();
    parsed.into_iter().collect()
}

/// Objectives named by questions must exist.
async fn check_objectives(
    conn: &impl ConnectionTrait,
    questions: &[QuestionInput],
    field: &str,
    errors: &mut Errors,
) -> AppResult<()> {
    let found = plan::objective_refs(conn, questions.iter().filter_map(|q| q.objective_id)).await?;
    for (i, q) in questions.iter().enumerate() {
        if let Some(id) = q.objective_id
            && !found.contains_key(&id)
        {
            errors.add(
                format!("{field}[{i}].objective_id"),
                format!("There is no objective with id {id}."),
            );
        }
    }
    Ok(())
}

async fn write_questions(
    txn: &WriteTxn,
    survey_id: i64,
    questions: &[NewQuestion],
) -> AppResult<()> {
    let mut p = Params::new();
    let sql = format!(
        "DELETE FROM survey_questions WHERE survey_id = {}",
        p.bind(survey_id)
    );
    txn.execute_raw(p.statement(txn.get_database_backend(), sql))
        .await?;
    if questions.is_empty() {
        return Ok(());
    }
    let mut p = Params::new();
    let rows: Vec<String> = questions
        .iter()
        .enumerate()
        .map(|(i, q)| {
            format!(
                "({}, {}, {}, {}, {}, {}, {})",
                p.bind(survey_id),
                p.bind(i as i32),
                p.bind(q.kind.as_str()),
                p.bind(q.prompt.clone()),
                p.bind(q.required),
                p.bind(q.objective_id),
                p.bind(q.target),
            )
        })
        .collect();
    let sql = format!(
        "INSERT INTO survey_questions (survey_id, position, kind, prompt, required, objective_id, target)
         VALUES {}",
        rows.join(", ")
    );
    txn.execute_raw(p.statement(txn.get_database_backend(), sql))
        .await?;
    Ok(())
}

fn frozen() -> AppError {
    AppError::conflict(
        "This survey has responses, so its questions can no longer change. Close it and open a new survey instead.",
    )
}

/// Changes the title, the introduction or the status (the cio). A survey opens from a
/// draft (with at least one question) and closes once open; a closed one stays closed.
pub async fn update(
    db: &Db,
    actor: &Actor,
    id: i64,
    input: SurveyInput,
    now: DateTime<Utc>,
) -> AppResult<Survey> {
    policy::check(actor.principal(), Action::ManageSurveys)?;
    let mut errors = Errors::default();
    let title = match input.title.as_deref() {
        Some(t) => errors
            .check("title", Title::parse(t))
            .map(|t| Some(t.into_string())),
        None => Some(None),
    };
    let introduction = match input.introduction.as_deref() {
        Some(t) => errors
            .check("introduction", Text::<INTRODUCTION_MAX>::parse(t))
            .map(|t| Some(t.into_string())),
        None => Some(None),
    };
    let status = match input.status.as_deref() {
        Some(s) => errors.word::<SurveyStatus>("status", Some(s)).map(Some),
        None => Some(None),
    };
    let (Some(title), Some(introduction), Some(status)) = (title, introduction, status) else {
        return Err(errors.into_error());
    };
    let txn = db.write().await?;
    txn.lock(&[survey_key(id)]).await?;
    let survey = load(&txn, actor, id).await?;
    let mut p = Params::new();
    let mut sets = Vec::new();
    if let Some(title) = title {
        sets.push(format!("title = {}", p.bind(title)));
    }
    if let Some(introduction) = introduction {
        sets.push(format!("introduction = {}", p.bind(introduction)));
    }
    if let Some(status) = status
        && status != survey.status
    {
        match (survey.status, status) {
            (SurveyStatus::Draft, SurveyStatus::Open) => {
                if survey.questions.is_empty() {
                    return Err(AppError::conflict_on(
                        "status",
                        "Add a question before opening the survey.",
                    ));
                }
                sets.push(format!("opened_at = {}", p.bind(now)));
            }
            (SurveyStatus::Open, SurveyStatus::Closed) => {
                sets.push(format!("closed_at = {}", p.bind(now)));
            }
            (SurveyStatus::Draft, SurveyStatus::Closed) => {
                return Err(AppError::conflict_on(
                    "status",
                    "A draft has never been open, so it cannot be closed.",
                ));
            }
            _ => {
                return Err(AppError::conflict_on(
                    "status",
                    "A survey moves from draft to open to closed, never back. Open a new survey instead.",
                ));
            }
        }
        sets.push(format!("status = {}", p.bind(status.as_str())));
    }
    if !sets.is_empty() {
        let sql = format!(
            "UPDATE surveys SET {} WHERE id = {}",
            sets.join(", "),
            p.bind(id)
        );
        txn.execute_raw(p.statement(txn.get_database_backend(), sql))
            .await?;
    }
    let survey = load(&txn, actor, id).await?;
    txn.commit().await?;
    Ok(survey)
}

fn survey_key(id: i64) -> String {
    format!("survey:{id}")
}

/// Replaces a survey's questions, in order (the cio); 409 once it has responses.
pub async fn replace_questions(
    db: &Db,
    actor: &Actor,
    id: i64,
    questions: Vec<QuestionInput>,
) -> AppResult<Survey> {
    policy::check(actor.principal(), Action::ManageSurveys)?;
    let mut errors = Errors::default();
    let parsed = parse_questions(&questions, "questions", &mut errors);
    let txn = db.write().await?;
    txn.lock(&[survey_key(id)]).await?;
    let survey = load(&txn, actor, id).await?;
    if survey.responses > 0 {
        return Err(frozen());
    }
    check_objectives(&txn, &questions, "questions", &mut errors).await?;
    let Some(parsed) = parsed else {
        return Err(errors.into_error());
    };
    errors.finish()?;
    if parsed.is_empty() && survey.status == SurveyStatus::Open {
        return Err(AppError::conflict_on(
            "questions",
            "An open survey needs at least one question.",
        ));
    }
    write_questions(&txn, id, &parsed).await?;
    let survey = load(&txn, actor, id).await?;
    txn.commit().await?;
    Ok(survey)
}

fn as_input(q: &Question) -> QuestionInput {
    QuestionInput {
        kind: Some(q.kind.as_str().to_owned()),
        prompt: Some(q.prompt.clone()),
        required: Some(q.required),
        objective_id: q.objective.as_ref().map(|o| o.id),
        target: q.target,
    }
}

/// Adds a question at the end (the pages' form); its fields are named without prefix.
pub async fn add_question(
    db: &Db,
    actor: &Actor,
    id: i64,
    question: QuestionInput,
) -> AppResult<Survey> {
    policy::check(actor.principal(), Action::ManageSurveys)?;
    let mut errors = Errors::default();
    let parsed = question.parse("", &mut errors);
    let mut found = plan::objective_refs(db.conn(), question.objective_id).await?;
    if let Some(oid) = question.objective_id
        && found.remove(&oid).is_none()
    {
        errors.add(
            "objective_id",
            format!("There is no objective with id {oid}."),
        );
    }
    if parsed.is_none() || !errors.is_empty() {
        return Err(errors.into_error());
    }
    let survey = get(db, actor, id).await?;
    if survey.responses > 0 {
        return Err(frozen());
    }
    let mut all: Vec<QuestionInput> = survey.questions.iter().map(as_input).collect();
    all.push(question);
    replace_questions(db, actor, id, all).await
}

/// Removes a question (the pages' button); 409 once the survey has responses.
pub async fn remove_question(
    db: &Db,
    actor: &Actor,
    id: i64,
    question_id: i64,
) -> AppResult<Survey> {
    let survey = get(db, actor, id).await?;
    if !survey.questions.iter().any(|q| q.id == question_id) {
        return Err(AppError::NotFound);
    }
    let rest = survey
        .questions
        .iter()
        .filter(|q| q.id != question_id)
        .map(as_input)
        .collect();
    replace_questions(db, actor, id, rest).await
}

// ---------------------------------------------------------------------------------------
// Invitations

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InvitationState {
    Waiting,
    Answered,
    Withdrawn,
    Expired,
}

impl InvitationState {
    pub fn as_str(self) -> &'static str {
        match self {
            InvitationState::Waiting => "waiting",
            InvitationState::Answered => "answered",
            InvitationState::Withdrawn => "withdrawn",
            InvitationState::Expired => "expired",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Invitation {
    pub id: i64,
    pub survey_id: i64,
    pub staff: Option<PersonRef>,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub state: InvitationState,
}

/// An invitation just made, with the token of its address: shown once, never stored.
#[derive(Debug, Clone)]
pub struct NewInvitation {
    pub invitation: Invitation,
    pub token: String,
}

impl NewInvitation {
    /// The address a client opens, under `base` (the site address, no slash at the end).
    pub fn url(&self, base: &str) -> String {
        format!("{base}/invitation/{}", self.token)
    }
}

/// One invitation to create; it may name the staff member who served the client.
#[derive(Debug, Clone, Default)]
pub struct InvitationInput {
    pub staff_id: Option<i32>,
}

/// Creates invitations in a batch (the cio, or an API client with the cio's token), each
/// answered at most once and expiring `days` days from `now`. A closed survey takes none.
pub async fn invite(
    db: &Db,
    actor: &Actor,
    survey_id: i64,
    batch: Vec<InvitationInput>,
    days: i64,
    now: DateTime<Utc>,
) -> AppResult<Vec<NewInvitation>> {
    policy::check(actor.principal(), Action::ManageSurveys)?;
    let mut errors = Errors::default();
    if batch.is_empty() || batch.len() > INVITATIONS_MAX {
        errors.add(
            "invitations",
            format!("Ask for 1 to {INVITATIONS_MAX} invitations at a time."),
        );
        return Err(errors.into_error());
    }
    let active: HashMap<i32, PersonRef> = crate::people::active_staff(db)
        .await?
        .into_iter()
        .map(|p| (p.id, p))
        .collect();
    for (i, inv) in batch.iter().enumerate() {
        if let Some(id) = inv.staff_id
            && !active.contains_key(&id)
        {
            errors.add(
                format!("invitations[{i}].staff_id"),
                format!("There is no active staff member with id {id}."),
            );
        }
    }
    errors.finish()?;
    let txn = db.write().await?;
    let survey = load(&txn, actor, survey_id).await?;
    if survey.status == SurveyStatus::Closed {
        return Err(AppError::conflict(
            "This survey is closed, so it takes no more invitations.",
        ));
    }
    let expires_at = now + Duration::days(days);
    let mut made = Vec::with_capacity(batch.len());
    let mut tokens = Vec::with_capacity(batch.len());
    let mut p = Params::new();
    let mut rows = Vec::with_capacity(batch.len());
    for inv in &batch {
        let token = secrets::random_token()?;
        rows.push(format!(
            "({}, {}, {}, {}, {}, {})",
            p.bind(survey_id),
            p.bind(secrets::digest(&token)),
            p.bind(inv.staff_id),
            p.bind(actor.person_id),
            p.bind(now),
            p.bind(expires_at),
        ));
        tokens.push(token);
    }
    let sql = format!(
        "INSERT INTO survey_invitations (survey_id, token_hash, staff_id, created_by_id, created_at, expires_at)
         VALUES {} RETURNING id",
        rows.join(", ")
    );
    let mut ids: Vec<i64> = IdRow::find_by_statement(p.statement(txn.get_database_backend(), sql))
        .all(&txn)
        .await?
        .into_iter()
        .map(|r| r.id)
        .collect();
    ids.sort_unstable();
    txn.commit().await?;
    for ((id, token), inv) in ids.into_iter().zip(tokens).zip(batch) {
        made.push(NewInvitation {
            invitation: Invitation {
                id,
                survey_id,
                staff: inv.staff_id.and_then(|s| active.get(&s).cloned()),
                created_at: now,
                expires_at,
                state: InvitationState::Waiting,
            },
            token,
        });
    }
    Ok(made)
}

#[derive(FromQueryResult)]
struct InvitationRow {
    id: i64,
    survey_id: i64,
    staff_id: Option<i32>,
    staff_name: Option<String>,
    created_at: DateTime<Utc>,
    expires_at: DateTime<Utc>,
    withdrawn_at: Option<DateTime<Utc>>,
    used_at: Option<DateTime<Utc>>,
}

impl InvitationRow {
    fn state(&self, now: DateTime<Utc>) -> InvitationState {
        if self.used_at.is_some() {
            InvitationState::Answered
        } else if self.withdrawn_at.is_some() {
            InvitationState::Withdrawn
        } else if self.expires_at <= now {
            InvitationState::Expired
        } else {
            InvitationState::Waiting
        }
    }

    fn into_invitation(self, now: DateTime<Utc>) -> Invitation {
        let state = self.state(now);
        Invitation {
            id: self.id,
            survey_id: self.survey_id,
            staff: match (self.staff_id, self.staff_name) {
                (Some(id), Some(name)) => Some(PersonRef { id, name }),
                _ => None,
            },
            created_at: self.created_at,
            expires_at: self.expires_at,
            state,
        }
    }
}

const INVITATION_COLUMNS: &str = "i.id, i.survey_id, i.staff_id, p.name AS staff_name, i.created_at, i.expires_at, i.withdrawn_at, i.used_at";

async fn invitation_row(
    conn: &impl ConnectionTrait,
    where_sql: &str,
    mut p: Params,
) -> AppResult<Option<InvitationRow>> {
    let sql = format!(
        "SELECT {INVITATION_COLUMNS} FROM survey_invitations i LEFT JOIN people p ON p.id = i.staff_id WHERE {where_sql}"
    );
    let _ = &mut p;
    Ok(
        InvitationRow::find_by_statement(p.statement(conn.get_database_backend(), sql))
            .one(conn)
            .await?,
    )
}

/// Withdraws an invitation whose request was reopened (the cio): it then answers as
/// withdrawn. One already answered cannot be (409); withdrawing twice changes nothing.
pub async fn withdraw(
    db: &Db,
    actor: &Actor,
    invitation_id: i64,
    now: DateTime<Utc>,
) -> AppResult<Invitation> {
    policy::check(actor.principal(), Action::ManageSurveys)?;
    let txn = db.write().await?;
    let mut p = Params::new();
    let sql = format!(
        "UPDATE survey_invitations SET withdrawn_at = {} WHERE id = {} AND used_at IS NULL AND withdrawn_at IS NULL",
        p.bind(now),
        p.bind(invitation_id)
    );
    txn.execute_raw(p.statement(txn.get_database_backend(), sql))
        .await?;
    let mut p = Params::new();
    let cond = format!("i.id = {}", p.bind(invitation_id));
    let Some(row) = invitation_row(&txn, &cond, p).await? else {
        return Err(AppError::NotFound);
    };
    if row.used_at.is_some() {
        return Err(AppError::conflict(
            "This invitation has been answered already, so it cannot be withdrawn.",
        ));
    }
    txn.commit().await?;
    Ok(row.into_invitation(now))
}

// ---------------------------------------------------------------------------------------
// Moderation of free text

/// Hides a free-text answer from everyone but the cio, with a reason.
pub async fn hide_answer(
    db: &Db,
    actor: &Actor,
    answer_id: i64,
    reason: Option<&str>,
    now: DateTime<Utc>,
) -> AppResult<()> {
    policy::check(actor.principal(), Action::ManageSurveys)?;
    let mut errors = Errors::default();
    let reason = errors.check(
        "reason",
        RequiredText::<REASON_MAX>::parse_or(reason.unwrap_or(""), "Say why the answer is hidden."),
    );
    let Some(reason) = reason else {
        return Err(errors.into_error());
    };
    set_answer(db, answer_id, |p| {
        format!(
            "hidden_at = {}, hidden_reason = {}",
            p.bind(now),
            p.bind(reason.into_string())
        )
    })
    .await
}

/// Releases a free-text answer to staff and advisors (the cio).
pub async fn release_answer(
    db: &Db,
    actor: &Actor,
    answer_id: i64,
    now: DateTime<Utc>,
) -> AppResult<()> {
    policy::check(actor.principal(), Action::ManageSurveys)?;
    set_answer(db, answer_id, |p| format!("released_at = {}", p.bind(now))).await
}

async fn set_answer(
    db: &Db,
    answer_id: i64,
    set: impl FnOnce(&mut Params) -> String,
) -> AppResult<()> {
    let txn = db.write().await?;
    let mut p = Params::new();
    let sets = set(&mut p);
    let sql = format!(
        "UPDATE survey_answers SET {sets} WHERE id = {} AND text IS NOT NULL",
        p.bind(answer_id)
    );
    let done = txn
        .execute_raw(p.statement(txn.get_database_backend(), sql))
        .await?;
    if done.rows_affected() == 0 {
        return Err(AppError::NotFound);
    }
    txn.commit().await?;
    Ok(())
}

/// Releases every free-text answer of a survey not released nor hidden yet; how many.
pub async fn release_all(
    db: &Db,
    actor: &Actor,
    survey_id: i64,
    now: DateTime<Utc>,
) -> AppResult<u64> {
    policy::check(actor.principal(), Action::ManageSurveys)?;
    let txn = db.write().await?;
    load(&txn, actor, survey_id).await?;
    let mut p = Params::new();
    let sql = format!(
        "UPDATE survey_answers SET released_at = {}
         WHERE text IS NOT NULL AND released_at IS NULL AND hidden_at IS NULL
           AND response_id IN (SELECT id FROM survey_responses WHERE survey_id = {})",
        p.bind(now),
        p.bind(survey_id)
    );
    let done = txn
        .execute_raw(p.statement(txn.get_database_backend(), sql))
        .await?;
    txn.commit().await?;
    Ok(done.rows_affected())
}

// ---------------------------------------------------------------------------------------
// Compliments from clients

#[derive(Debug, Clone)]
pub struct ClientCompliment {
    pub id: i64,
    pub survey_id: i64,
    pub survey_title: String,
    pub person: PersonRef,
    pub message: String,
    pub giver_name: String,
    pub giver_affiliation: String,
    pub status: ComplimentStatus,
    pub created_at: DateTime<Utc>,
    /// The portal's compliment, once posted.
    pub compliment_id: Option<i64>,
}

#[derive(FromQueryResult)]
struct ComplimentRow {
    id: i64,
    survey_id: i64,
    survey_title: String,
    person_id: i32,
    person_name: String,
    message: String,
    giver_name: String,
    giver_affiliation: String,
    status: String,
    created_at: DateTime<Utc>,
    compliment_id: Option<i64>,
}

impl ComplimentRow {
    fn into_compliment(self) -> AppResult<ClientCompliment> {
        Ok(ClientCompliment {
            id: self.id,
            survey_id: self.survey_id,
            survey_title: self.survey_title,
            person: PersonRef {
                id: self.person_id,
                name: self.person_name,
            },
            message: self.message,
            giver_name: self.giver_name,
            giver_affiliation: self.giver_affiliation,
            status: ComplimentStatus::from_stored(&self.status)?,
            created_at: self.created_at,
            compliment_id: self.compliment_id,
        })
    }
}

async fn compliment_rows(
    conn: &impl ConnectionTrait,
    where_sql: &str,
    p: Params,
) -> AppResult<Vec<ClientCompliment>> {
    let sql = format!(
        "SELECT c.id, c.survey_id, s.title AS survey_title, c.person_id, p.name AS person_name,
                c.message, c.giver_name, c.giver_affiliation, c.status, c.created_at, c.compliment_id
         FROM survey_compliments c
         JOIN surveys s ON s.id = c.survey_id
         JOIN people p ON p.id = c.person_id
         WHERE {where_sql} ORDER BY c.id"
    );
    ComplimentRow::find_by_statement(p.statement(conn.get_database_backend(), sql))
        .all(conn)
        .await?
        .into_iter()
        .map(ComplimentRow::into_compliment)
        .collect()
}

/// The compliments from clients waiting for the cio, oldest first. One query.
pub async fn compliment_queue(db: &Db, actor: &Actor) -> AppResult<Vec<ClientCompliment>> {
    policy::check(actor.principal(), Action::ManageSurveys)?;
    let mut p = Params::new();
    let cond = format!("c.status = {}", p.bind(ComplimentStatus::Waiting.as_str()));
    compliment_rows(db.conn(), &cond, p).await
}

/// Takes a waiting compliment out of the queue, once whatever the concurrency: the
/// conditional update answers the row only to the one that changed it.
async fn decide_compliment(
    txn: &WriteTxn,
    actor: &Actor,
    id: i64,
    to: ComplimentStatus,
    now: DateTime<Utc>,
) -> AppResult<ClientCompliment> {
    let mut p = Params::new();
    let sql = format!(
        "UPDATE survey_compliments SET status = {}, decided_by_id = {}, decided_at = {}
         WHERE id = {} AND status = {} RETURNING id",
        p.bind(to.as_str()),
        p.bind(actor.person_id),
        p.bind(now),
        p.bind(id),
        p.bind(ComplimentStatus::Waiting.as_str()),
    );
    let moved = IdRow::find_by_statement(p.statement(txn.get_database_backend(), sql))
        .one(txn)
        .await?;
    let mut p = Params::new();
    let cond = format!("c.id = {}", p.bind(id));
    let Some(row) = compliment_rows(txn, &cond, p).await?.into_iter().next() else {
        return Err(AppError::NotFound);
    };
    if moved.is_none() {
        return Err(AppError::conflict(format!(
            "This compliment has been {} already.",
            row.status.label().to_lowercase()
        )));
    }
    Ok(row)
}

/// Posts a client's compliment to the portal (the cio), with the channel "client survey".
pub async fn post_client_compliment(
    db: &Db,
    actor: &Actor,
    id: i64,
    now: DateTime<Utc>,
) -> AppResult<Compliment> {
    policy::check(actor.principal(), Action::ManageSurveys)?;
    let txn = db.write().await?;
    let waiting = decide_compliment(&txn, actor, id, ComplimentStatus::Posted, now).await?;
    let giver_name = if waiting.giver_name.is_empty() {
        "A client".to_owned()
    } else {
        waiting.giver_name.clone()
    };
    let posted = recognition::post_compliment_in(
        &txn,
        actor,
        ComplimentInput {
            person_id: Some(waiting.person.id),
            giver_name: Some(giver_name),
            giver_affiliation: Some(waiting.giver_affiliation.clone()),
            channel: Some(Channel::ClientSurvey.as_str().to_owned()),
            received_on: Some(waiting.created_at.date_naive().to_string()),
            message: Some(waiting.message.clone()),
        },
        now,
    )
    .await?;
    let mut p = Params::new();
    let sql = format!(
        "UPDATE survey_compliments SET compliment_id = {} WHERE id = {}",
        p.bind(posted.id),
        p.bind(id)
    );
    txn.execute_raw(p.statement(txn.get_database_backend(), sql))
        .await?;
    txn.commit().await?;
    Ok(posted)
}

/// Dismisses a client's compliment (the cio): it never reaches the portal.
pub async fn dismiss_client_compliment(
    db: &Db,
    actor: &Actor,
    id: i64,
    now: DateTime<Utc>,
) -> AppResult<ClientCompliment> {
    policy::check(actor.principal(), Action::ManageSurveys)?;
    let txn = db.write().await?;
    let dismissed = decide_compliment(&txn, actor, id, ComplimentStatus::Dismissed, now).await?;
    txn.commit().await?;
    Ok(ClientCompliment {
        status: ComplimentStatus::Dismissed,
        ..dismissed
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_have_labels() {
        crate::validate::assert_labelled::<SurveyStatus>();
        crate::validate::assert_labelled::<QuestionKind>();
        crate::validate::assert_labelled::<ComplimentStatus>();
        assert_eq!(QuestionKind::YesNo.as_str(), "yes_no");
    }

    #[test]
    fn a_question_says_every_problem_by_its_field() {
        let mut errors = Errors::default();
        let parsed = QuestionInput {
            kind: Some("text".into()),
            prompt: Some("  ".into()),
            required: None,
            objective_id: Some(3),
            target: Some(9.0),
        }
        .parse("questions[0].", &mut errors);
        assert!(parsed.is_none());
        let fields: Vec<&str> = errors.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "questions[0].prompt",
                "questions[0].objective_id",
                "questions[0].target"
            ]
        );
    }
}
