//! Answering a survey without an account: through its open link (`Target::Open`) or a
//! one-use invitation (`Target::Invitation`, found by the digest of its token).
//!
//! An invitation is used up only by a completed response: the answers are checked first,
//! then one conditional `UPDATE … WHERE used_at IS NULL … RETURNING` (as
//! `recognition::trophies::hand_over` passes a trophy) marks it used, backed by a unique
//! index on the response's invitation, so a double click or a replay finds it used and is
//! answered "already received" without counting twice.
//!
//! Submissions are rate limited per client address, counted in the database so that every
//! instance shares the count; the key is a digest of the address, so no address is kept.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
};

use chrono::{DateTime, Duration, Utc};
use sea_orm::{ConnectionTrait, FromQueryResult};

use super::{
    ANSWER_MAX, COMPLIMENT_MAX, Question, QuestionKind, SurveyStatus, questions_of, survey_key,
};
use crate::{
    auth::{secrets, throttle},
    db::{Db, Params, WriteTxn},
    error::{AppError, AppResult},
    people::PersonRef,
    shared::Shared,
    validate::{Errors, TITLE_MAX, Text, Word},
};

/// The window of the submission rate limit.
pub const RATE_WINDOW: Duration = Duration::minutes(10);

/// Which survey a client answers.
#[derive(Debug, Clone)]
pub enum Target {
    /// The survey's open link: anyone may answer, as often as the rate limit allows.
    Open(i64),
    /// An invitation's token, as it came in the address.
    Invitation(String),
}

/// Why a client cannot answer: each gets its own clear page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// No such survey or invitation (or a draft): 404.
    Unknown,
    /// The invitation was withdrawn: 410.
    Withdrawn,
    /// The invitation is past its expiry: 410.
    Expired,
    /// The survey is closed: 410.
    Closed,
    /// The invitation was answered already: 200, a thank-you.
    AlreadyReceived,
}

/// What the form shows.
#[derive(Debug, Clone)]
pub struct Form {
    pub survey_id: i64,
    pub title: String,
    pub introduction: String,
    pub questions: Vec<Question>,
    /// The staff member the invitation names: a compliment is for them.
    pub named: Option<PersonRef>,
    /// Otherwise whom a compliment may be for: the active staff.
    pub staff: Vec<PersonRef>,
}

#[derive(FromQueryResult)]
struct TargetRow {
    survey_id: i64,
    title: String,
    introduction: String,
    status: String,
    invitation_id: Option<i64>,
    staff_id: Option<i32>,
    staff_name: Option<String>,
    expires_at: Option<DateTime<Utc>>,
    withdrawn_at: Option<DateTime<Utc>>,
    used_at: Option<DateTime<Utc>>,
}

async fn target_row(conn: &impl ConnectionTrait, target: &Target) -> AppResult<Option<TargetRow>> {
    let mut p = Params::new();
    let sql = match target {
        Target::Open(id) => format!(
            "SELECT s.id AS survey_id, s.title, s.introduction, s.status,
                    NULL AS invitation_id, NULL AS staff_id, NULL AS staff_name,
                    NULL AS expires_at, NULL AS withdrawn_at, NULL AS used_at
             FROM surveys s WHERE s.id = {}",
            p.bind(*id)
        ),
        Target::Invitation(token) => format!(
            "SELECT s.id AS survey_id, s.title, s.introduction, s.status,
                    i.id AS invitation_id, i.staff_id, p.name AS staff_name,
                    i.expires_at, i.withdrawn_at, i.used_at
             FROM survey_invitations i
             JOIN surveys s ON s.id = i.survey_id
             LEFT JOIN people p ON p.id = i.staff_id
             WHERE i.token_hash = {}",
            p.bind(secrets::digest(token))
        ),
    };
    Ok(
        TargetRow::find_by_statement(p.statement(conn.get_database_backend(), sql))
            .one(conn)
            .await?,
    )
}

impl TargetRow {
    /// Why this target cannot be answered at `now`, if it cannot.
    fn refusal(&self, now: DateTime<Utc>) -> AppResult<Option<Refusal>> {
        let status = SurveyStatus::from_stored(&self.status)?;
        Ok(if status == SurveyStatus::Draft {
            Some(Refusal::Unknown)
        } else if self.used_at.is_some() {
            Some(Refusal::AlreadyReceived)
        } else if self.withdrawn_at.is_some() {
            Some(Refusal::Withdrawn)
        } else if status == SurveyStatus::Closed {
            Some(Refusal::Closed)
        } else if self.expires_at.is_some_and(|at| at <= now) {
            Some(Refusal::Expired)
        } else {
            None
        })
    }
}

/// The form for a target, or why it cannot be answered, read afresh (what a submission
/// checks against). Three queries at most.
pub async fn form(
    db: &Db,
    target: &Target,
    now: DateTime<Utc>,
) -> AppResult<Result<Form, Refusal>> {
    let Some(row) = target_row(db.conn(), target).await? else {
        return Ok(Err(Refusal::Unknown));
    };
    if let Some(refusal) = row.refusal(now)? {
        return Ok(Err(refusal));
    }
    let questions = questions_of(db.conn(), &[row.survey_id])
        .await?
        .into_iter()
        .map(|(_, q)| q)
        .collect();
    let named = match (row.staff_id, row.staff_name) {
        (Some(id), Some(name)) => Some(PersonRef { id, name }),
        _ => None,
    };
    let staff = if named.is_none() {
        crate::people::active_staff(db).await?
    } else {
        Vec::new()
    };
    Ok(Ok(Form {
        survey_id: row.survey_id,
        title: row.title,
        introduction: row.introduction,
        questions,
        named,
        staff,
    }))
}

/// How long a survey's form (and the staff offered for a compliment) is shared before it
/// is read again. A write committed through this instance drops it at once (see
/// `Db::generation`), so the cio sees a question edit or a close on the next visit; another
/// instance sharing the database shows it within this time.
pub const FORM_CACHE_TTL: std::time::Duration = std::time::Duration::from_secs(2);
/// Past this many surveys the cache starts over rather than grow (ids are typed by anyone).
const FORM_CACHE_MAX: usize = 1_000;

/// A survey as its form shows it.
#[derive(Debug)]
struct SurveyForm {
    title: String,
    introduction: String,
    status: SurveyStatus,
    questions: Vec<Question>,
}

struct CachedSurvey {
    form: Arc<SurveyForm>,
    at: std::time::Instant,
    generation: u64,
}

/// What the response form reads, shared by every visitor for a moment: the survey with
/// its questions (by id) and the active staff a compliment may be for. The open link is
/// what outsiders hit, so showing it costs no query while nothing changed.
pub struct FormCache {
    surveys: Mutex<HashMap<i64, CachedSurvey>>,
    staff: Shared<Vec<PersonRef>>,
}

impl Default for FormCache {
    fn default() -> Self {
        FormCache {
            surveys: Mutex::new(HashMap::new()),
            staff: Shared::new(FORM_CACHE_TTL),
        }
    }
}

impl FormCache {
    fn cached(&self, id: i64, generation: u64) -> Option<Arc<SurveyForm>> {
        let surveys = self.surveys.lock().ok()?;
        surveys
            .get(&id)
            .filter(|c| c.generation == generation && c.at.elapsed() < FORM_CACHE_TTL)
            .map(|c| c.form.clone())
    }

    fn keep(&self, id: i64, cached: CachedSurvey) {
        if let Ok(mut surveys) = self.surveys.lock() {
            if surveys.len() >= FORM_CACHE_MAX {
                surveys.retain(|_, c| {
                    c.generation == cached.generation && c.at.elapsed() < FORM_CACHE_TTL
                });
                if surveys.len() >= FORM_CACHE_MAX {
                    surveys.clear();
                }
            }
            // Two readers may race to refill it; keep the copy taken last.
            if surveys.get(&id).is_none_or(|c| c.at <= cached.at) {
                surveys.insert(id, cached);
            }
        }
    }

    /// The survey's form, from the cache or read (two statements) and kept.
    async fn survey(&self, db: &Db, id: i64) -> AppResult<Option<Arc<SurveyForm>>> {
        let generation = db.generation();
        if let Some(form) = self.cached(id, generation) {
            return Ok(Some(form));
        }
        // The generation and the time are taken before the data: a write landing
        // meanwhile makes this copy stale at once.
        let at = std::time::Instant::now();
        let form = match target_row(db.conn(), &Target::Open(id)).await? {
            Some(row) => Arc::new(SurveyForm {
                status: SurveyStatus::from_stored(&row.status)?,
                questions: questions_of(db.conn(), &[id])
                    .await?
                    .into_iter()
                    .map(|(_, q)| q)
                    .collect(),
                title: row.title,
                introduction: row.introduction,
            }),
            // Not kept: links to surveys that do not exist would otherwise fill the
            // cache and push out the ones people answer.
            None => return Ok(None),
        };
        self.keep(
            id,
            CachedSurvey {
                form: form.clone(),
                at,
                generation,
            },
        );
        Ok(Some(form))
    }

    async fn staff(&self, db: &Db) -> AppResult<Arc<Vec<PersonRef>>> {
        self.staff
            .get_or_read(db, || crate::people::active_staff(db))
            .await
    }
}

/// The form for a target, as `form` answers it, read through `cache`: no statement for
/// the open link of a survey shown a moment ago, one for an invitation (its own state is
/// always read afresh).
pub async fn cached_form(
    db: &Db,
    cache: &FormCache,
    target: &Target,
    now: DateTime<Utc>,
) -> AppResult<Result<Form, Refusal>> {
    let (survey_id, survey, named) = match target {
        Target::Open(id) => {
            let Some(survey) = cache.survey(db, *id).await? else {
                return Ok(Err(Refusal::Unknown));
            };
            let refusal = match survey.status {
                SurveyStatus::Draft => Some(Refusal::Unknown),
                SurveyStatus::Closed => Some(Refusal::Closed),
                SurveyStatus::Open => None,
            };
            if let Some(refusal) = refusal {
                return Ok(Err(refusal));
            }
            (*id, survey, None)
        }
        Target::Invitation(_) => {
            let Some(row) = target_row(db.conn(), target).await? else {
                return Ok(Err(Refusal::Unknown));
            };
            if let Some(refusal) = row.refusal(now)? {
                return Ok(Err(refusal));
            }
            let Some(survey) = cache.survey(db, row.survey_id).await? else {
                return Ok(Err(Refusal::Unknown));
            };
            let named = match (row.staff_id, row.staff_name) {
                (Some(id), Some(name)) => Some(PersonRef { id, name }),
                _ => None,
            };
            (row.survey_id, survey, named)
        }
    };
    let staff = if named.is_none() {
        cache.staff(db).await?.as_ref().clone()
    } else {
        Vec::new()
    };
    Ok(Ok(Form {
        survey_id,
        title: survey.title.clone(),
        introduction: survey.introduction.clone(),
        questions: survey.questions.clone(),
        named,
        staff,
    }))
}

/// The answers as the form sent them: by question id, the raw value.
#[derive(Debug, Clone, Default)]
pub struct ResponseInput {
    pub answers: HashMap<i64, String>,
    pub compliment: Option<String>,
    /// Whom the compliment is for, when the invitation names nobody.
    pub compliment_person_id: Option<String>,
    pub giver_name: Option<String>,
    pub giver_affiliation: Option<String>,
}

/// The form field of a question's answer (and of its error).
pub fn answer_field(question_id: i64) -> String {
    format!("q_{question_id}")
}

enum Value {
    Rating(i16),
    YesNo(bool),
    Text(String),
}

struct NewCompliment {
    person_id: i32,
    message: String,
    giver_name: String,
    giver_affiliation: String,
}

fn parse_answers(
    questions: &[Question],
    input: &ResponseInput,
    errors: &mut Errors,
) -> Vec<(i64, Value)> {
    let mut values = Vec::new();
    for q in questions {
        let field = answer_field(q.id);
        let raw = input.answers.get(&q.id).map(|s| s.trim()).unwrap_or("");
        if raw.is_empty() {
            if q.required {
                errors.add(field, "Please answer this question.");
            }
            continue;
        }
        match q.kind {
            QuestionKind::Rating => match raw.parse::<i16>() {
                Ok(n) if (1..=5).contains(&n) => values.push((q.id, Value::Rating(n))),
                _ => errors.add(field, "Choose a number from 1 to 5."),
            },
            QuestionKind::YesNo => match raw {
                "yes" => values.push((q.id, Value::YesNo(true))),
                "no" => values.push((q.id, Value::YesNo(false))),
                _ => errors.add(field, "Choose yes or no."),
            },
            QuestionKind::Text => {
                if let Some(text) = errors.check(field, Text::<ANSWER_MAX>::parse(raw)) {
                    values.push((q.id, Value::Text(text.into_string())));
                }
            }
        }
    }
    values
}

fn parse_compliment(
    form: &Form,
    input: &ResponseInput,
    errors: &mut Errors,
) -> Option<NewCompliment> {
    let message = errors.check(
        "compliment",
        Text::<COMPLIMENT_MAX>::parse(input.compliment.as_deref().unwrap_or("")),
    )?;
    let giver_name = errors.check(
        "giver_name",
        Text::<TITLE_MAX>::parse(input.giver_name.as_deref().unwrap_or("")),
    );
    let giver_affiliation = errors.check(
        "giver_affiliation",
        Text::<TITLE_MAX>::parse(input.giver_affiliation.as_deref().unwrap_or("")),
    );
    if message.as_str().is_empty() {
        return None;
    }
    let person_id = match &form.named {
        Some(named) => Some(named.id),
        None => {
            let raw = input.compliment_person_id.as_deref().unwrap_or("").trim();
            match raw.parse::<i32>() {
                Ok(id) if form.staff.iter().any(|p| p.id == id) => Some(id),
                _ if raw.is_empty() => {
                    errors.add("compliment_person_id", "Choose who your compliment is for.");
                    None
                }
                _ => {
                    errors.add("compliment_person_id", "Choose someone from the list.");
                    None
                }
            }
        }
    };
    Some(NewCompliment {
        person_id: person_id?,
        message: message.into_string(),
        giver_name: giver_name?.into_string(),
        giver_affiliation: giver_affiliation?.into_string(),
    })
}

/// A response was recorded.
#[derive(Debug, Clone, Copy)]
pub struct Submitted {
    pub response_id: i64,
}

/// Counts one submission from `address` and refuses it with 429 past `limit` in the
/// window. Its own transaction: the count stays whatever becomes of the submission.
pub async fn throttle(db: &Db, address: &str, limit: i64, now: DateTime<Utc>) -> AppResult<()> {
    let key = format!(
        "survey:{}",
        secrets::digest(&throttle::address_key(address))
    );
    let txn = db.write().await?;
    txn.lock(&[key.as_str()]).await?;
    let since = now - RATE_WINDOW;
    let mut p = Params::new();
    let sql = format!(
        "DELETE FROM survey_rate_hits WHERE throttle_key = {} AND hit_at <= {}",
        p.bind(key.clone()),
        p.bind(since)
    );
    txn.execute_raw(p.statement(txn.get_database_backend(), sql))
        .await?;
    #[derive(FromQueryResult)]
    struct Counted {
        hits: i64,
        oldest: Option<DateTime<Utc>>,
    }
    let mut p = Params::new();
    let sql = format!(
        "SELECT COUNT(*) AS hits, MIN(hit_at) AS oldest FROM survey_rate_hits WHERE throttle_key = {}",
        p.bind(key.clone())
    );
    let counted = Counted::find_by_statement(p.statement(txn.get_database_backend(), sql))
        .one(&txn)
        .await?;
    if let Some(Counted {
        hits,
        oldest: Some(oldest),
    }) = counted
        && hits >= limit
    {
        txn.commit().await?;
        let retry_after = (oldest + RATE_WINDOW - now)
            .to_std()
            .unwrap_or_default()
            .max(std::time::Duration::from_secs(1));
        return Err(AppError::TooManyRequests { retry_after });
    }
    let mut p = Params::new();
    let sql = format!(
        "INSERT INTO survey_rate_hits (throttle_key, hit_at) VALUES ({}, {})",
        p.bind(key),
        p.bind(now)
    );
    txn.execute_raw(p.statement(txn.get_database_backend(), sql))
        .await?;
    txn.commit().await?;
    Ok(())
}

/// Records a response at `now`: the answers are checked against the questions (422 naming
/// each question's field), then written in one transaction with the invitation used up.
pub async fn submit(
    db: &Db,
    target: &Target,
    input: ResponseInput,
    now: DateTime<Utc>,
) -> AppResult<Result<Submitted, Refusal>> {
    let form = match form(db, target, now).await? {
        Ok(form) => form,
        Err(refusal) => return Ok(Err(refusal)),
    };
    let mut errors = Errors::default();
    let values = parse_answers(&form.questions, &input, &mut errors);
    let compliment = parse_compliment(&form, &input, &mut errors);
    errors.finish()?;
    let txn = db.write().await?;
    txn.lock(&[survey_key(form.survey_id)]).await?;
    let Some(row) = target_row(&txn, target).await? else {
        return Ok(Err(Refusal::Unknown));
    };
    if let Some(refusal) = row.refusal(now)? {
        return Ok(Err(refusal));
    }
    // The questions may have changed between the form and now only if nobody had
    // answered; answers to questions that are gone are refused as a stale form.
    let current = questions_of(&txn, &[form.survey_id]).await?;
    if current.len() != form.questions.len()
        || current
            .iter()
            .zip(&form.questions)
            .any(|((_, a), b)| a.id != b.id)
    {
        return Err(AppError::conflict(
            "The survey changed while you were answering. Reload the page and answer again.",
        ));
    }
    if let Some(invitation_id) = row.invitation_id
        && !use_invitation(&txn, invitation_id, now).await?
    {
        return Ok(Err(Refusal::AlreadyReceived));
    }
    let response_id = record(
        &txn,
        form.survey_id,
        row.invitation_id,
        &values,
        compliment,
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(Ok(Submitted { response_id }))
}

/// The one conditional update that uses an invitation up: true for the one caller that
/// did, false for every other.
async fn use_invitation(txn: &WriteTxn, id: i64, now: DateTime<Utc>) -> AppResult<bool> {
    #[derive(FromQueryResult)]
    struct Used {
        #[allow(dead_code)]
        id: i64,
    }
    let mut p = Params::new();
    let sql = format!(
        "UPDATE survey_invitations SET used_at = {}
         WHERE id = {} AND used_at IS NULL AND withdrawn_at IS NULL AND expires_at > {}
         RETURNING id",
        p.bind(now),
        p.bind(id),
        p.bind(now),
    );
    Ok(
        Used::find_by_statement(p.statement(txn.get_database_backend(), sql))
            .one(txn)
            .await?
            .is_some(),
    )
}

async fn record(
    txn: &WriteTxn,
    survey_id: i64,
    invitation_id: Option<i64>,
    values: &[(i64, Value)],
    compliment: Option<NewCompliment>,
    now: DateTime<Utc>,
) -> AppResult<i64> {
    let mut p = Params::new();
    let sql = format!(
        "INSERT INTO survey_responses (survey_id, invitation_id, submitted_at) VALUES ({}, {}, {}) RETURNING id",
        p.bind(survey_id),
        p.bind(invitation_id),
        p.bind(now)
    );
    let response_id = super::inserted_id(txn, p, sql).await?;
    if !values.is_empty() {
        let mut p = Params::new();
        let rows: Vec<String> = values
            .iter()
            .map(|(question_id, value)| {
                let (rating, yes, text) = match value {
                    Value::Rating(n) => (Some(*n), None, None),
                    Value::YesNo(b) => (None, Some(*b), None),
                    Value::Text(t) => (None, None, Some(t.clone())),
                };
                format!(
                    "({}, {}, {}, {}, {})",
                    p.bind(response_id),
                    p.bind(*question_id),
                    p.bind(rating),
                    p.bind(yes),
                    p.bind(text)
                )
            })
            .collect();
        let sql = format!(
            "INSERT INTO survey_answers (response_id, question_id, rating, yes, text) VALUES {}",
            rows.join(", ")
        );
        txn.execute_raw(p.statement(txn.get_database_backend(), sql))
            .await?;
    }
    if let Some(c) = compliment {
        let mut p = Params::new();
        let sql = format!(
            "INSERT INTO survey_compliments (survey_id, response_id, person_id, message, giver_name, giver_affiliation, status, created_at)
             VALUES ({}, {}, {}, {}, {}, {}, {}, {})",
            p.bind(survey_id),
            p.bind(response_id),
            p.bind(c.person_id),
            p.bind(c.message),
            p.bind(c.giver_name),
            p.bind(c.giver_affiliation),
            p.bind(super::ComplimentStatus::Waiting.as_str()),
            p.bind(now),
        );
        txn.execute_raw(p.statement(txn.get_database_backend(), sql))
            .await?;
    }
    Ok(response_id)
}
