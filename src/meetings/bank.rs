//! The question bank: prompts the department returns to, kept by the cio. Each shows
//! when it was last asked and how often (from the agenda items of meetings that were
//! published), and its page lists, meeting by meeting, the agreements and disagreements
//! recorded under it.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ConnectionTrait, EntityTrait, FromQueryResult, PaginatorTrait, Set,
};

use super::{MeetingStatus, outcomes::PointKind};
use crate::{
    auth::Actor,
    db::{Db, Params},
    entities::meeting_question,
    error::{AppError, AppResult},
    policy::{self, Action},
    validate::{Errors, RequiredText, Word},
};

/// A question's wording.
pub type QuestionPrompt = RequiredText<500>;

/// The questions the department keeps coming back to: the bank starts with them.
pub const FIRST_QUESTIONS: [&str; 3] = [
    "What are our values?",
    "What is our mission in relation to that of the institution as a whole?",
    "What is our vision for IT?",
];

/// Puts the first questions in an empty bank (at start, and before the demo loads). The
/// lock makes two instances starting together seed it once; a bank with questions costs
/// one read, so a start never needs to write once the bank is seeded.
pub async fn ensure_seeded(db: &Db) -> AppResult<()> {
    if meeting_question::Entity::find().count(db.conn()).await? > 0 {
        return Ok(());
    }
    let txn = db.write().await?;
    txn.lock(&["meeting-questions:seed"]).await?;
    if meeting_question::Entity::find().count(&txn).await? == 0 {
        let now = Utc::now();
        meeting_question::Entity::insert_many(FIRST_QUESTIONS.iter().map(|prompt| {
            meeting_question::ActiveModel {
                prompt: Set((*prompt).to_owned()),
                created_at: Set(now),
                ..Default::default()
            }
        }))
        .exec(&txn)
        .await?;
    }
    txn.commit().await
}

#[derive(Debug, Clone, FromQueryResult)]
pub struct Question {
    pub id: i64,
    pub prompt: String,
    /// How many published or held meetings asked it.
    pub times_asked: i64,
    /// The start of the latest of those meetings.
    pub last_asked: Option<DateTime<Utc>>,
}

fn bank_sql(p: &mut Params, only: Option<i64>) -> String {
    let statuses = p.bind_all([
        MeetingStatus::Published.as_str(),
        MeetingStatus::Held.as_str(),
    ]);
    let filter = match only {
        Some(id) => format!("WHERE q.id = {}", p.bind(id)),
        None => String::new(),
    };
    format!(
        "SELECT q.id, q.prompt, COUNT(DISTINCT m.id) AS times_asked, MAX(m.starts_at) AS last_asked \
         FROM meeting_questions q \
         LEFT JOIN meeting_items i ON i.question_id = q.id \
         LEFT JOIN meetings m ON m.id = i.meeting_id AND m.status IN ({statuses}) \
         {filter} GROUP BY q.id, q.prompt ORDER BY q.id"
    )
}

/// The bank, least recently asked first (never asked before anything else): one query.
/// The first is the one to suggest for a new agenda.
pub async fn list(db: &Db, actor: &Actor) -> AppResult<Vec<Question>> {
    policy::check(
        actor.principal(),
        Action::ViewMeeting {
            was_published: true,
            is_facilitator: false,
        },
    )?;
    suggestions(db.conn()).await
}

pub(crate) async fn suggestions(conn: &impl ConnectionTrait) -> AppResult<Vec<Question>> {
    let mut p = Params::new();
    let sql = bank_sql(&mut p, None);
    let mut questions = Question::find_by_statement(p.statement(conn.get_database_backend(), sql))
        .all(conn)
        .await?;
    questions.sort_by_key(|q| (q.last_asked, q.id));
    Ok(questions)
}

/// A question's wording, if the bank has it.
pub(crate) async fn prompt_of(conn: &impl ConnectionTrait, id: i64) -> AppResult<Option<String>> {
    Ok(meeting_question::Entity::find_by_id(id)
        .one(conn)
        .await?
        .map(|q| q.prompt))
}

/// Adds a question to the bank (the cio).
pub async fn add(db: &Db, actor: &Actor, prompt: Option<&str>) -> AppResult<i64> {
    policy::check(actor.principal(), Action::ManageMeetings)?;
    let mut errors = Errors::default();
    let prompt = errors.check(
        "prompt",
        QuestionPrompt::parse_or(prompt.unwrap_or(""), "Write the question."),
    );
    let Some(prompt) = prompt else {
        return Err(errors.into_error());
    };
    let txn = db.write().await?;
    let row = meeting_question::ActiveModel {
        prompt: Set(prompt.into_string()),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    txn.commit().await?;
    Ok(row.id)
}

/// What one meeting recorded under a question.
#[derive(Debug, Clone)]
pub struct Answer {
    pub meeting_id: i64,
    pub meeting_title: String,
    pub starts_at: DateTime<Utc>,
    pub agreements: Vec<String>,
    pub disagreements: Vec<String>,
    pub decisions: Vec<String>,
}

/// A question with how its answers evolved, meeting by meeting (oldest first).
#[derive(Debug, Clone)]
pub struct Evolution {
    pub question: Question,
    pub answers: Vec<Answer>,
}

/// A question's page: two queries whatever the number of meetings and points. Only
/// meetings that were published count; drafts stay private.
pub async fn evolution(db: &Db, actor: &Actor, id: i64) -> AppResult<Evolution> {
    #[derive(FromQueryResult)]
    struct Row {
        meeting_id: i64,
        meeting_title: String,
        starts_at: DateTime<Utc>,
        kind: Option<String>,
        text: Option<String>,
    }
    list_check(actor)?;
    let conn = db.conn();
    let backend = conn.get_database_backend();
    let mut p = Params::new();
    let sql = bank_sql(&mut p, Some(id));
    let question = Question::find_by_statement(p.statement(backend, sql))
        .one(conn)
        .await?
        .ok_or(AppError::NotFound)?;
    let mut p = Params::new();
    let sql = format!(
        "SELECT m.id AS meeting_id, m.title AS meeting_title, m.starts_at, pt.kind, pt.text \
         FROM meeting_items i JOIN meetings m ON m.id = i.meeting_id \
         LEFT JOIN meeting_points pt ON pt.item_id = i.id \
         WHERE i.question_id = {} AND m.status IN ({}) \
         ORDER BY m.starts_at, m.id, pt.id",
        p.bind(id),
        p.bind_all([
            MeetingStatus::Published.as_str(),
            MeetingStatus::Held.as_str()
        ]),
    );
    let rows = Row::find_by_statement(p.statement(backend, sql))
        .all(conn)
        .await?;
    let mut answers: Vec<Answer> = Vec::new();
    for r in rows {
        if answers.last().map(|a| a.meeting_id) != Some(r.meeting_id) {
            answers.push(Answer {
                meeting_id: r.meeting_id,
                meeting_title: r.meeting_title.clone(),
                starts_at: r.starts_at,
                agreements: Vec::new(),
                disagreements: Vec::new(),
                decisions: Vec::new(),
            });
        }
        let (Some(kind), Some(text), Some(answer)) = (r.kind, r.text, answers.last_mut()) else {
            continue;
        };
        match PointKind::from_stored(&kind)? {
            PointKind::Agreement => answer.agreements.push(text),
            PointKind::Disagreement => answer.disagreements.push(text),
            PointKind::Decision => answer.decisions.push(text),
        }
    }
    Ok(Evolution { question, answers })
}

fn list_check(actor: &Actor) -> AppResult<()> {
    policy::check(
        actor.principal(),
        Action::ViewMeeting {
            was_published: true,
            is_facilitator: false,
        },
    )
}
