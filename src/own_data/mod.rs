//! A person's own data: everything staffdev holds about them, for them to download as one
//! JSON file or read as a page (the right of access).
//!
//! Like the "waiting for you" list, this is a read across areas: each section is one
//! statement that joins the names it shows (cycles, objectives, skills, people), so the
//! whole is a fixed number of statements whatever the history. What is left out, and why,
//! is said in the file itself (`NOT_INCLUDED`). A value that is not there is an absent key,
//! never `null`, as everywhere in the API.

pub mod api;
pub mod pages;

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{FromQueryResult, Statement};
use serde::Serialize;

use crate::{
    auth::Actor,
    db::{Db, Params},
    error::{AppError, AppResult},
    policy::{self, Action},
};

/// The format's name and version, first in the file, so a reader knows what it holds.
pub const FORMAT: &str = "staffdev personal data, version 1";

/// What the file does not hold, in the file and on the page.
pub const NOT_INCLUDED: [&str; 3] = [
    "Your password: staffdev keeps only a one-way hash of it, which is of no use to read.",
    "Your sign-in sessions and the secrets of your API tokens and private links: they expire or can be reset from your account, and a copy would let anyone act as you.",
    "Figures about the department that include you among others (summaries, reports): they are about groups, not about you.",
];

/// Everything staffdev holds about one person.
#[derive(Debug, Clone, Serialize)]
pub struct OwnData {
    pub format: &'static str,
    pub exported_at: DateTime<Utc>,
    pub profile: Profile,
    pub goals: Vec<Goal>,
    pub goal_progress_notes: Vec<ProgressNote>,
    pub goal_send_backs: Vec<SendBack>,
    pub self_evaluations: Vec<SelfEvaluation>,
    pub self_evaluation_entries: Vec<EvaluationEntry>,
    pub next_year_proposals: Vec<Proposal>,
    pub self_evaluation_reopenings: Vec<Reopening>,
    pub skill_assessments: Vec<SkillAssessment>,
    pub skill_targets: Vec<SkillTarget>,
    pub kudos_received: Vec<Kudos>,
    pub kudos_given: Vec<Kudos>,
    pub notebook_entries: Vec<NotebookEntry>,
    pub compliments: Vec<Compliment>,
    pub ideas: Vec<Idea>,
    pub api_tokens: Vec<ApiToken>,
    pub not_included: Vec<&'static str>,
}

#[derive(Debug, Clone, Serialize, FromQueryResult)]
pub struct Profile {
    pub id: i32,
    pub email: String,
    pub name: String,
    pub job_title: String,
    pub team: String,
    pub role: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub manager: Option<String>,
    pub active: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, FromQueryResult)]
pub struct Goal {
    pub id: i32,
    pub cycle: String,
    pub objective: String,
    pub title: String,
    pub description: String,
    pub category: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub skill: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_level: Option<i16>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub due_on: Option<NaiveDate>,
    pub progress: i16,
    pub status: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agreed_by: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agreed_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, FromQueryResult)]
pub struct ProgressNote {
    pub goal_id: i32,
    pub progress: i16,
    pub note: String,
    pub noted_on: NaiveDate,
    pub author: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, FromQueryResult)]
pub struct SendBack {
    pub goal_id: i32,
    pub comment: String,
    pub sent_back_by: String,
    pub sent_back_at: DateTime<Utc>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resolved_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Serialize, FromQueryResult)]
pub struct SelfEvaluation {
    pub id: i32,
    pub cycle: String,
    pub status: String,
    pub reflection: String,
    pub skills_developed: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub submitted_at: Option<DateTime<Utc>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reviewer: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub review_comment: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub review_rating: Option<i16>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reviewed_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize)]
pub struct EvaluationEntry {
    pub self_evaluation_id: i32,
    pub goal_id: i32,
    pub goal: String,
    pub narrative: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outcome: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub self_rating: Option<i16>,
    /// The evidence as written: a list of items (text, links, recognition cited).
    pub evidence: serde_json::Value,
}

#[derive(Debug, Clone, Serialize, FromQueryResult)]
pub struct Proposal {
    pub self_evaluation_id: i32,
    pub objective: String,
    pub title: String,
    pub description: String,
    pub category: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub carried_goal_id: Option<i32>,
}

#[derive(Debug, Clone, Serialize, FromQueryResult)]
pub struct Reopening {
    pub self_evaluation_id: i32,
    pub reason: String,
    pub reopened_by: String,
    pub reopened_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, FromQueryResult)]
pub struct SkillAssessment {
    pub skill: String,
    pub level: i16,
    pub source: String,
    pub assessor: String,
    pub assessed_on: NaiveDate,
    pub note: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, FromQueryResult)]
pub struct SkillTarget {
    pub skill: String,
    pub level: i16,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_date: Option<NaiveDate>,
    pub set_by: String,
    pub proposed: bool,
    pub updated_at: DateTime<Utc>,
}

/// Kudos received or given. For kudos received, `people` is who gave them; for kudos
/// given, whom they thanked.
#[derive(Debug, Clone, Serialize)]
pub struct Kudos {
    pub id: i64,
    pub people: Vec<String>,
    pub message: String,
    pub values: Vec<String>,
    pub created_at: DateTime<Utc>,
    /// When the cio hid it from the portal, if they did; it is still yours. Why is the
    /// cio's note (only the cio reads it, as on the list of hidden items).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hidden_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Serialize, FromQueryResult)]
pub struct NotebookEntry {
    pub trophy: String,
    pub seq: i32,
    pub kind: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub giver: Option<String>,
    pub receiver: String,
    pub message: String,
    pub created_at: DateTime<Utc>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hidden_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Serialize, FromQueryResult)]
pub struct Compliment {
    pub giver_name: String,
    pub giver_affiliation: String,
    pub channel: String,
    pub received_on: NaiveDate,
    pub message: String,
    pub posted_by: String,
    pub created_at: DateTime<Utc>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hidden_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Serialize, FromQueryResult)]
pub struct Idea {
    pub id: i64,
    pub title: String,
    pub body: String,
    pub status: String,
    pub reply: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, FromQueryResult)]
pub struct ApiToken {
    pub name: String,
    pub created_at: DateTime<Utc>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_used_at: Option<DateTime<Utc>>,
}

#[derive(FromQueryResult)]
struct EntryRow {
    self_evaluation_id: i32,
    goal_id: i32,
    goal: String,
    narrative: String,
    outcome: Option<String>,
    self_rating: Option<i16>,
    evidence: String,
}

#[derive(FromQueryResult)]
struct KudosRow {
    id: i64,
    person: String,
    message: String,
    value_tags: String,
    created_at: DateTime<Utc>,
    hidden_at: Option<DateTime<Utc>>,
}

/// One statement about the person `person_id`: `sql` with `$1` bound to them.
fn about(db: &Db, person_id: i32, sql: &str) -> Statement {
    let mut p = Params::new();
    let me = p.bind(person_id);
    p.statement(db.backend(), sql.replace("{me}", &me))
}

async fn all<T: FromQueryResult>(db: &Db, person_id: i32, sql: &str) -> AppResult<Vec<T>> {
    Ok(T::find_by_statement(about(db, person_id, sql))
        .all(db.conn())
        .await?)
}

/// Kudos rows, one per (kudos, person named), newest first, folded into one kudos each
/// with its people in the order given.
fn fold_kudos(rows: Vec<KudosRow>) -> Vec<Kudos> {
    let mut kudos: Vec<Kudos> = Vec::new();
    for row in rows {
        match kudos.last_mut() {
            Some(last) if last.id == row.id => last.people.push(row.person),
            _ => kudos.push(Kudos {
                id: row.id,
                people: vec![row.person],
                message: row.message,
                values: row
                    .value_tags
                    .lines()
                    .filter(|v| !v.is_empty())
                    .map(str::to_owned)
                    .collect(),
                created_at: row.created_at,
                hidden_at: row.hidden_at,
            }),
        }
    }
    kudos
}

/// The objective's code and title as the plan shows it: "G1.2 Plain language".
const OBJECTIVE: &str =
    "('G' || CAST(sg.number AS TEXT) || '.' || CAST(o.number AS TEXT) || ' ' || o.title)";

/// Everything staffdev holds about the caller, as of `now`. Only ever one's own: there
/// is no way to ask for someone else's. Sixteen statements, whatever the history.
pub async fn gather(db: &Db, actor: &Actor, now: DateTime<Utc>) -> AppResult<OwnData> {
    policy::check(actor.principal(), Action::DownloadOwnData)?;
    let me = actor.person_id;
    let profile: Profile = Profile::find_by_statement(about(
        db,
        me,
        "SELECT p.id, p.email, p.name, p.job_title, p.team, p.role, m.name AS manager,
                p.active, p.created_at, p.updated_at
         FROM people p LEFT JOIN people m ON m.id = p.manager_id WHERE p.id = {me}",
    ))
    .one(db.conn())
    .await?
    .ok_or(AppError::NotFound)?;
    let goals = all(
        db,
        me,
        &format!(
            "SELECT g.id, c.name AS cycle, {OBJECTIVE} AS objective, g.title, g.description,
                    g.category, s.name AS skill, g.target_level, g.due_on, g.progress, g.status,
                    a.name AS agreed_by, g.agreed_at, g.created_at, g.updated_at
             FROM performance_goals g
             JOIN review_cycles c ON c.id = g.cycle_id
             JOIN objectives o ON o.id = g.objective_id
             JOIN strategic_goals sg ON sg.id = o.strategic_goal_id
             LEFT JOIN skills s ON s.id = g.skill_id
             LEFT JOIN people a ON a.id = g.agreed_by_id
             WHERE g.person_id = {{me}} ORDER BY c.starts_on, g.id"
        ),
    )
    .await?;
    let goal_progress_notes = all(
        db,
        me,
        "SELECT n.goal_id, n.progress, n.note, n.noted_on, a.name AS author, n.created_at
         FROM goal_progress_notes n
         JOIN performance_goals g ON g.id = n.goal_id
         JOIN people a ON a.id = n.author_id
         WHERE g.person_id = {me} ORDER BY n.goal_id, n.noted_on, n.id",
    )
    .await?;
    let goal_send_backs = all(
        db,
        me,
        "SELECT b.goal_id, b.comment, a.name AS sent_back_by, b.sent_back_at, b.resolved_at
         FROM goal_send_backs b
         JOIN performance_goals g ON g.id = b.goal_id
         JOIN people a ON a.id = b.sent_back_by_id
         WHERE g.person_id = {me} ORDER BY b.goal_id, b.sent_back_at, b.id",
    )
    .await?;
    let self_evaluations = all(
        db,
        me,
        "SELECT e.id, c.name AS cycle, e.status, e.reflection, e.skills_developed,
                e.submitted_at, r.name AS reviewer, e.review_comment, e.review_rating,
                e.reviewed_at, e.created_at, e.updated_at
         FROM self_evaluations e
         JOIN review_cycles c ON c.id = e.cycle_id
         LEFT JOIN people r ON r.id = e.reviewer_id
         WHERE e.person_id = {me} ORDER BY c.starts_on, e.id",
    )
    .await?;
    let self_evaluation_entries = all::<EntryRow>(
        db,
        me,
        "SELECT n.evaluation_id AS self_evaluation_id, n.goal_id, g.title AS goal, n.narrative,
                n.outcome, n.self_rating, n.evidence
         FROM evaluation_entries n
         JOIN self_evaluations e ON e.id = n.evaluation_id
         JOIN performance_goals g ON g.id = n.goal_id
         WHERE e.person_id = {me} ORDER BY n.evaluation_id, n.id",
    )
    .await?
    .into_iter()
    .map(|row| EvaluationEntry {
        self_evaluation_id: row.self_evaluation_id,
        goal_id: row.goal_id,
        goal: row.goal,
        narrative: row.narrative,
        outcome: row.outcome,
        self_rating: row.self_rating,
        // Stored as JSON by the reviews area; shown as written if it ever is not.
        evidence: serde_json::from_str(&row.evidence)
            .unwrap_or(serde_json::Value::String(row.evidence)),
    })
    .collect();
    let next_year_proposals = all(
        db,
        me,
        &format!(
            "SELECT pr.evaluation_id AS self_evaluation_id, {OBJECTIVE} AS objective, pr.title,
                    pr.description, pr.category, pr.carried_goal_id
             FROM evaluation_proposals pr
             JOIN self_evaluations e ON e.id = pr.evaluation_id
             JOIN objectives o ON o.id = pr.objective_id
             JOIN strategic_goals sg ON sg.id = o.strategic_goal_id
             WHERE e.person_id = {{me}} ORDER BY pr.evaluation_id, pr.position"
        ),
    )
    .await?;
    let self_evaluation_reopenings = all(
        db,
        me,
        "SELECT r.evaluation_id AS self_evaluation_id, r.reason, a.name AS reopened_by, r.reopened_at
         FROM evaluation_reopenings r
         JOIN self_evaluations e ON e.id = r.evaluation_id
         JOIN people a ON a.id = r.reopened_by_id
         WHERE e.person_id = {me} ORDER BY r.evaluation_id, r.reopened_at, r.id",
    )
    .await?;
    let skill_assessments = all(
        db,
        me,
        "SELECT s.name AS skill, a.level, a.source, p.name AS assessor, a.assessed_on, a.note,
                a.created_at
         FROM skill_assessments a
         JOIN skills s ON s.id = a.skill_id
         JOIN people p ON p.id = a.assessor_id
         WHERE a.person_id = {me} ORDER BY s.name, a.assessed_on, a.id",
    )
    .await?;
    let skill_targets = all(
        db,
        me,
        "SELECT s.name AS skill, t.level, t.target_date, p.name AS set_by, t.proposed, t.updated_at
         FROM skill_targets t
         JOIN skills s ON s.id = t.skill_id
         JOIN people p ON p.id = t.set_by_id
         WHERE t.person_id = {me} ORDER BY s.name",
    )
    .await?;
    let kudos_received = fold_kudos(
        all(
            db,
            me,
            "SELECT k.id, g.name AS person, k.message, k.value_tags, k.created_at, k.hidden_at
             FROM kudos k
             JOIN kudos_recipients r ON r.kudos_id = k.id
             JOIN people g ON g.id = k.giver_id
             WHERE r.person_id = {me} ORDER BY k.id DESC",
        )
        .await?,
    );
    let kudos_given = fold_kudos(
        all(
            db,
            me,
            "SELECT k.id, p.name AS person, k.message, k.value_tags, k.created_at, k.hidden_at
             FROM kudos k
             JOIN kudos_recipients r ON r.kudos_id = k.id
             JOIN people p ON p.id = r.person_id
             WHERE k.giver_id = {me} ORDER BY k.id DESC, p.name",
        )
        .await?,
    );
    let notebook_entries = all(
        db,
        me,
        "SELECT t.name AS trophy, n.seq, n.kind, g.name AS giver, r.name AS receiver, n.message,
                n.created_at, n.hidden_at
         FROM notebook_entries n
         JOIN trophies t ON t.id = n.trophy_id
         LEFT JOIN people g ON g.id = n.giver_id
         JOIN people r ON r.id = n.receiver_id
         WHERE n.giver_id = {me} OR n.receiver_id = {me} ORDER BY t.name, n.seq",
    )
    .await?;
    let compliments = all(
        db,
        me,
        "SELECT c.giver_name, c.giver_affiliation, c.channel, c.received_on, c.message,
                p.name AS posted_by, c.created_at, c.hidden_at
         FROM compliments c
         JOIN people p ON p.id = c.posted_by_id
         WHERE c.person_id = {me} ORDER BY c.received_on DESC, c.id DESC",
    )
    .await?;
    let ideas = all(
        db,
        me,
        "SELECT i.id, i.title, i.body, i.status, i.reply, i.created_at, i.updated_at
         FROM ideas i WHERE i.submitted_by_id = {me} ORDER BY i.id",
    )
    .await?;
    let api_tokens = all(
        db,
        me,
        "SELECT t.name, t.created_at, t.last_used_at
         FROM api_tokens t WHERE t.person_id = {me} ORDER BY t.id",
    )
    .await?;
    Ok(OwnData {
        format: FORMAT,
        exported_at: now,
        profile,
        goals,
        goal_progress_notes,
        goal_send_backs,
        self_evaluations,
        self_evaluation_entries,
        next_year_proposals,
        self_evaluation_reopenings,
        skill_assessments,
        skill_targets,
        kudos_received,
        kudos_given,
        notebook_entries,
        compliments,
        ideas,
        api_tokens,
        not_included: NOT_INCLUDED.to_vec(),
    })
}

/// The file's name: "staffdev-data-<email>-<date>.json", safe in a header.
pub fn file_name(data: &OwnData) -> String {
    let email: String = data
        .profile
        .email
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | '@') {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!(
        "staffdev-data-{email}-{}.json",
        data.exported_at.format("%Y-%m-%d")
    )
}

/// The whole as one JSON document, indented for a person to read.
pub fn to_json(data: &OwnData) -> AppResult<Vec<u8>> {
    serde_json::to_vec_pretty(data).map_err(|e| AppError::internal(anyhow::anyhow!(e)))
}

/// The whole as a JSON value, for the API.
pub fn to_value(data: &OwnData) -> AppResult<serde_json::Value> {
    serde_json::to_value(data).map_err(|e| AppError::internal(anyhow::anyhow!(e)))
}
