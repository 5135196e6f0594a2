//! Self-evaluations and the manager's review, and the team view. One self-evaluation per
//! person per cycle, opened when the cycle reaches self-evaluation: drafts are saved as
//! often as the person likes; submitting locks it; a manager above them (or the cio)
//! reviews it with a comment and a rating, or reopens it with a reason that is kept.

pub mod api;
pub mod pages;

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, PaginatorTrait,
    QueryFilter, QueryOrder, Set, Statement,
};
use serde::{Deserialize, Serialize};

use crate::{
    auth::Actor,
    cycles::{self, Cycle, Phase},
    db::Db,
    entities::{
        evaluation_entry, evaluation_proposal, evaluation_reopening, performance_goal, person,
        self_evaluation,
    },
    error::{AppError, AppResult},
    goals::{self, Category, Goal, GoalStatus},
    people::{self, PersonRef},
    plan::{self, ObjectiveRef},
    policy::{self, Action},
    recognition::{self, Received, ReceivedKind},
    validate::{Errors, TEXT_MAX, TITLE_MAX},
};

pub const EVIDENCE_MAX: usize = 20;
pub const EVIDENCE_TEXT_MAX: usize = 1_000;
pub const PROPOSALS_MAX: usize = 10;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EvaluationStatus {
    NotStarted,
    Draft,
    Submitted,
    Reviewed,
}

impl EvaluationStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            EvaluationStatus::NotStarted => "not_started",
            EvaluationStatus::Draft => "draft",
            EvaluationStatus::Submitted => "submitted",
            EvaluationStatus::Reviewed => "reviewed",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            EvaluationStatus::NotStarted => "Not started",
            EvaluationStatus::Draft => "Draft",
            EvaluationStatus::Submitted => "Submitted",
            EvaluationStatus::Reviewed => "Reviewed",
        }
    }

    fn from_db(value: &str) -> AppResult<EvaluationStatus> {
        match value {
            "draft" => Ok(EvaluationStatus::Draft),
            "submitted" => Ok(EvaluationStatus::Submitted),
            "reviewed" => Ok(EvaluationStatus::Reviewed),
            other => Err(AppError::internal(anyhow::anyhow!(
                "unknown evaluation status {other:?}"
            ))),
        }
    }
}

/// One piece of evidence for a goal: free text, a link, or recognition the person received
/// during the cycle (kind `kudos`, `notebook` or `compliment`, naming the item by `ref_id`).
/// For recognition the service keeps a snapshot of the item (its message as `text`, its
/// date and its giver), so the evaluation still shows it if the item is hidden later.
/// Stored as JSON in `evaluation_entries.evidence`; the optional fields are left out when
/// empty, and evidence stored before they existed reads as it did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evidence {
    pub kind: String,
    pub text: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ref_id: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub giver: Option<String>,
}

/// Where a piece of recognition came from, for people to read: "Kudos from Pat Peer,
/// 2026-03-02".
pub fn recognition_source(kind: ReceivedKind, giver: &str, on: NaiveDate) -> String {
    describe_source(kind, Some(giver), Some(on))
}

fn describe_source(kind: ReceivedKind, giver: Option<&str>, on: Option<NaiveDate>) -> String {
    let mut source = match kind {
        ReceivedKind::Kudos => "Kudos",
        ReceivedKind::NotebookEntry => "Trophy notebook entry",
        ReceivedKind::Compliment => "Compliment",
    }
    .to_owned();
    if let Some(giver) = giver {
        source.push_str(" from ");
        source.push_str(giver);
    }
    if let Some(on) = on {
        source.push_str(&on.format(", %Y-%m-%d").to_string());
    }
    source
}

impl Evidence {
    /// The kind of recognition this evidence refers to; None for text and links.
    pub fn recognition_kind(&self) -> Option<ReceivedKind> {
        ReceivedKind::parse(&self.kind)
    }

    /// For recognition, where it came from (see `recognition_source`); None for text and links.
    pub fn source(&self) -> Option<String> {
        let kind = self.recognition_kind()?;
        Some(describe_source(kind, self.giver.as_deref(), self.on))
    }

    /// This evidence names the recognition item `kind`/`ref_id`.
    pub fn refers_to(&self, kind: ReceivedKind, ref_id: i64) -> bool {
        self.kind == kind.as_str() && self.ref_id == Some(ref_id)
    }

    /// The address to link to: only for a link whose URL is http or https, whatever was stored.
    pub fn link(&self) -> Option<&str> {
        let url = self.url.as_deref()?;
        let safe =
            self.kind == "link" && (url.starts_with("https://") || url.starts_with("http://"));
        safe.then_some(url)
    }
}

#[derive(Debug, Clone)]
pub struct Entry {
    pub goal: Goal,
    pub narrative: String,
    pub outcome: Option<GoalStatus>,
    pub self_rating: Option<i16>,
    pub evidence: Vec<Evidence>,
}

#[derive(Debug, Clone)]
pub struct Proposal {
    pub objective: ObjectiveRef,
    pub title: String,
    pub description: String,
    pub category: Category,
    pub carried_goal_id: Option<i32>,
}

#[derive(Debug, Clone)]
pub struct Review {
    pub reviewer: PersonRef,
    pub comment: String,
    pub rating: i16,
    pub reviewed_at: DateTime<Utc>,
}

#[derive(Debug, Clone)]
pub struct Reopening {
    pub reason: String,
    pub by: PersonRef,
    pub at: DateTime<Utc>,
}

/// A self-evaluation as its readers see it; for one not started yet, the goals it will
/// cover with empty entries.
#[derive(Debug, Clone)]
pub struct Evaluation {
    pub id: Option<i32>,
    pub person: PersonRef,
    pub cycle: Cycle,
    pub status: EvaluationStatus,
    pub reflection: String,
    pub skills_developed: String,
    pub entries: Vec<Entry>,
    pub proposals: Vec<Proposal>,
    pub submitted_at: Option<DateTime<Utc>>,
    pub review: Option<Review>,
    pub reopenings: Vec<Reopening>,
    /// What the person received during the cycle (kudos, trophy notebook entries,
    /// compliments; hidden ones left out), offered as evidence while they may write the
    /// draft; empty for anyone else and once it is submitted.
    pub offered: Vec<Received>,
    pub may_write: bool,
    pub may_review: bool,
    /// The reader is a manager above the person, or the cio.
    pub may_review_any: bool,
}

impl Evaluation {
    /// A reviewer may send a submitted or reviewed evaluation back, while the cycle is open.
    pub fn may_reopen(&self) -> bool {
        self.may_review_any
            && matches!(
                self.status,
                EvaluationStatus::Submitted | EvaluationStatus::Reviewed
            )
            && self.cycle.phase != Phase::Closed
    }
}

/// A draft as typed. Entries and proposals replace the saved ones wholesale.
#[derive(Debug, Clone, Default)]
pub struct EvaluationInput {
    pub reflection: Option<String>,
    pub skills_developed: Option<String>,
    pub entries: Vec<EntryInput>,
    pub proposals: Vec<ProposalInput>,
}

#[derive(Debug, Clone, Default)]
pub struct EntryInput {
    pub goal_id: i32,
    pub narrative: Option<String>,
    pub outcome: Option<String>,
    pub self_rating: Option<i64>,
    pub evidence: Vec<Evidence>,
}

#[derive(Debug, Clone, Default)]
pub struct ProposalInput {
    pub objective_id: Option<i32>,
    pub title: Option<String>,
    pub description: Option<String>,
    pub category: Option<String>,
}

/// Writes to one person's evaluation in one cycle take this lock (see `WriteTxn::lock`).
fn evaluation_lock(cycle_id: i32, person_id: i32) -> String {
    format!("evaluation:{cycle_id}:{person_id}")
}

async fn find_row(
    conn: &impl ConnectionTrait,
    cycle_id: i32,
    person_id: i32,
) -> AppResult<Option<self_evaluation::Model>> {
    Ok(self_evaluation::Entity::find()
        .filter(self_evaluation::Column::CycleId.eq(cycle_id))
        .filter(self_evaluation::Column::PersonId.eq(person_id))
        .one(conn)
        .await?)
}

async fn person_name(conn: &impl ConnectionTrait, id: i32) -> AppResult<PersonRef> {
    let model = person::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(PersonRef {
        id: model.id,
        name: model.name,
    })
}

/// A person's self-evaluation for a cycle: the person, their managers and the cio may
/// read it; anyone else gets 404.
pub async fn get(db: &Db, actor: &Actor, cycle_id: i32, person_id: i32) -> AppResult<Evaluation> {
    let conn = db.conn();
    let subject = people::subject(conn, person_id).await?;
    policy::check(actor.principal(), Action::ViewPrivateRecords(&subject))?;
    let cycle = cycles::find_or_404(conn, cycle_id).await?;
    let person = person_name(conn, person_id).await?;
    let goal_rows = performance_goal::Entity::find()
        .filter(performance_goal::Column::CycleId.eq(cycle_id))
        .filter(performance_goal::Column::PersonId.eq(person_id))
        .filter(performance_goal::Column::Status.ne(GoalStatus::Dropped.as_str()))
        .order_by_asc(performance_goal::Column::Id)
        .all(conn)
        .await?;
    let goals = goals::hydrate(conn, goal_rows).await?;
    let row = find_row(conn, cycle_id, person_id).await?;
    let status = match &row {
        Some(r) => EvaluationStatus::from_db(&r.status)?,
        None => EvaluationStatus::NotStarted,
    };
    let is_owner = policy::allows(actor.principal(), Action::WriteOwnRecords(&subject));
    let is_reviewer = policy::allows(actor.principal(), Action::ReviewPrivateRecords(&subject));
    let in_phase = cycle.phase == Phase::SelfEvaluation;
    let may_write = is_owner
        && in_phase
        && matches!(
            status,
            EvaluationStatus::NotStarted | EvaluationStatus::Draft
        );
    // One query for the whole cycle, whatever the number of goals; the privacy check
    // above covers it.
    let offered = if may_write {
        recognition::received(conn, person_id, cycle.starts_on, cycle.ends_on).await?
    } else {
        Vec::new()
    };
    let mut evaluation = Evaluation {
        id: row.as_ref().map(|r| r.id),
        person,
        status,
        reflection: String::new(),
        skills_developed: String::new(),
        entries: Vec::new(),
        proposals: Vec::new(),
        submitted_at: None,
        review: None,
        reopenings: Vec::new(),
        offered,
        may_write,
        may_review: is_reviewer && in_phase && status == EvaluationStatus::Submitted,
        may_review_any: is_reviewer,
        cycle,
    };
    let Some(row) = row else {
        evaluation.entries = goals
            .into_iter()
            .map(|goal| Entry {
                goal,
                narrative: String::new(),
                outcome: None,
                self_rating: None,
                evidence: Vec::new(),
            })
            .collect();
        return Ok(evaluation);
    };
    let saved: HashMap<i32, evaluation_entry::Model> = evaluation_entry::Entity::find()
        .filter(evaluation_entry::Column::EvaluationId.eq(row.id))
        .all(conn)
        .await?
        .into_iter()
        .map(|e| (e.goal_id, e))
        .collect();
    evaluation.entries = goals
        .into_iter()
        .map(|goal| {
            let saved = saved.get(&goal.id);
            Entry {
                narrative: saved.map(|s| s.narrative.clone()).unwrap_or_default(),
                outcome: saved
                    .and_then(|s| s.outcome.as_deref())
                    .and_then(GoalStatus::parse),
                self_rating: saved.and_then(|s| s.self_rating),
                evidence: saved
                    .and_then(|s| serde_json::from_str(&s.evidence).ok())
                    .unwrap_or_default(),
                goal,
            }
        })
        .collect();
    let proposal_rows = evaluation_proposal::Entity::find()
        .filter(evaluation_proposal::Column::EvaluationId.eq(row.id))
        .order_by_asc(evaluation_proposal::Column::Position)
        .all(conn)
        .await?;
    let mut objectives: HashMap<i32, ObjectiveRef> = HashMap::new();
    for p in &proposal_rows {
        if !objectives.contains_key(&p.objective_id)
            && let Some(o) = plan::objective_ref(conn, p.objective_id).await?
        {
            objectives.insert(o.id, o);
        }
    }
    evaluation.proposals = proposal_rows
        .into_iter()
        .filter_map(|p| {
            Some(Proposal {
                objective: objectives.get(&p.objective_id)?.clone(),
                title: p.title,
                description: p.description,
                category: Category::parse(&p.category).unwrap_or(Category::Other),
                carried_goal_id: p.carried_goal_id,
            })
        })
        .collect();
    let reopenings = evaluation_reopening::Entity::find()
        .filter(evaluation_reopening::Column::EvaluationId.eq(row.id))
        .order_by_asc(evaluation_reopening::Column::ReopenedAt)
        .all(conn)
        .await?;
    for r in reopenings {
        evaluation.reopenings.push(Reopening {
            by: person_name(conn, r.reopened_by_id).await?,
            reason: r.reason,
            at: r.reopened_at,
        });
    }
    if let (Some(reviewer_id), Some(comment), Some(rating), Some(at)) = (
        row.reviewer_id,
        row.review_comment.clone(),
        row.review_rating,
        row.reviewed_at,
    ) {
        evaluation.review = Some(Review {
            reviewer: person_name(conn, reviewer_id).await?,
            comment,
            rating,
            reviewed_at: at,
        });
    }
    evaluation.reflection = row.reflection;
    evaluation.skills_developed = row.skills_developed;
    evaluation.submitted_at = row.submitted_at;
    Ok(evaluation)
}

/// What recognition evidence may name: what the person received during the cycle (not
/// hidden), and what this evaluation holds already, kept as it was saved even if the item
/// has been hidden since (or the cycle's dates moved).
#[derive(Default)]
struct RecognitionSources {
    received: Vec<Received>,
    saved: Vec<Evidence>,
}

impl RecognitionSources {
    /// The evidence to store for `kind`/`ref_id`: a snapshot of the item.
    fn snapshot(&self, kind: ReceivedKind, ref_id: i64) -> Option<Evidence> {
        if let Some(item) = self
            .received
            .iter()
            .find(|r| r.kind == kind && r.id == ref_id)
        {
            return Some(Evidence {
                kind: kind.as_str().to_owned(),
                text: clip(item.message.trim(), EVIDENCE_TEXT_MAX),
                url: None,
                ref_id: Some(item.id),
                on: Some(item.on),
                giver: Some(item.giver.clone()),
            });
        }
        self.saved
            .iter()
            .find(|e| e.refers_to(kind, ref_id))
            .cloned()
    }
}

/// At most `max` characters, ending in an ellipsis when cut.
fn clip(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let mut clipped: String = text.chars().take(max.saturating_sub(1)).collect();
    clipped.push('\u{2026}');
    clipped
}

/// Checks one goal's evidence and returns what to store: text and links as given,
/// recognition as a snapshot of the item it names.
fn check_evidence(
    field: &str,
    items: &[Evidence],
    sources: &RecognitionSources,
    errors: &mut Errors,
) -> Vec<Evidence> {
    if items.len() > EVIDENCE_MAX {
        errors.add(
            field,
            format!("List at most {EVIDENCE_MAX} pieces of evidence."),
        );
    }
    let mut checked = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let at = format!("{field}[{i}]");
        if let Some(kind) = item.recognition_kind() {
            // The server fills text, date and giver; a URL has no place here.
            if item.url.is_some() {
                errors.add(format!("{at}.url"), "Only a link has a URL.");
            }
            let Some(ref_id) = item.ref_id else {
                errors.add(
                    format!("{at}.ref_id"),
                    "Say which kudos, notebook entry or compliment this is.",
                );
                continue;
            };
            if items[..i]
                .iter()
                .any(|earlier| earlier.refers_to(kind, ref_id))
            {
                errors.add(
                    format!("{at}.ref_id"),
                    "This is already in the evidence for this goal.",
                );
                continue;
            }
            match sources.snapshot(kind, ref_id) {
                Some(snapshot) => checked.push(snapshot),
                None => errors.add(
                    format!("{at}.ref_id"),
                    "This is not recognition you received during this cycle.",
                ),
            }
            continue;
        }
        match item.kind.as_str() {
            "text" if item.url.is_some() => {
                errors.add(format!("{at}.url"), "Only a link has a URL.")
            }
            "text" => {}
            "link" => match item.url.as_deref().map(url::Url::parse) {
                Some(Ok(u)) if matches!(u.scheme(), "http" | "https") => {}
                _ => errors.add(
                    format!("{at}.url"),
                    "Give a link that starts with http:// or https://.",
                ),
            },
            _ => errors.add(
                format!("{at}.kind"),
                "Evidence is text, a link, kudos, a notebook entry or a compliment.",
            ),
        }
        if item.ref_id.is_some() {
            errors.add(
                format!("{at}.ref_id"),
                "Only kudos, notebook entries and compliments refer to an item.",
            );
        }
        if item.text.trim().is_empty() {
            errors.add(format!("{at}.text"), "Say what this evidence shows.");
        } else if item.text.chars().count() > EVIDENCE_TEXT_MAX {
            errors.add(
                format!("{at}.text"),
                format!("Use at most {EVIDENCE_TEXT_MAX} characters."),
            );
        } else if let Some(message) = crate::validate::unprintable_in(&item.text) {
            errors.add(format!("{at}.text"), message);
        }
        // A date and giver belong to recognition only.
        checked.push(Evidence {
            on: None,
            giver: None,
            ..item.clone()
        });
    }
    checked
}

/// The evidence saved in an evaluation, every goal's.
async fn saved_evidence(
    conn: &impl ConnectionTrait,
    evaluation_id: i32,
) -> AppResult<Vec<Evidence>> {
    Ok(evaluation_entry::Entity::find()
        .filter(evaluation_entry::Column::EvaluationId.eq(evaluation_id))
        .all(conn)
        .await?
        .into_iter()
        .flat_map(|e| serde_json::from_str::<Vec<Evidence>>(&e.evidence).unwrap_or_default())
        .collect())
}

/// Saves a draft (and starts the evaluation if it has not been). Only the person, only
/// while the cycle is in self-evaluation, only while it is a draft.
pub async fn save_draft(
    db: &Db,
    actor: &Actor,
    cycle_id: i32,
    person_id: i32,
    input: EvaluationInput,
) -> AppResult<Evaluation> {
    let subject = people::subject(db.conn(), person_id).await?;
    policy::check(actor.principal(), Action::WriteOwnRecords(&subject))?;
    let mut errors = Errors::default();
    let reflection = errors.optional("reflection", input.reflection.as_deref(), TEXT_MAX);
    let skills = errors.optional(
        "skills_developed",
        input.skills_developed.as_deref(),
        TEXT_MAX,
    );
    let txn = db.write().await?;
    txn.lock(&[evaluation_lock(cycle_id, person_id)]).await?;
    let cycle = cycles::find_or_404(&*txn, cycle_id).await?;
    let existing = find_row(&*txn, cycle_id, person_id).await?;
    // Recognition evidence is checked against what the person received during the cycle:
    // one query, and only when some is chosen.
    let sources = if input
        .entries
        .iter()
        .flat_map(|e| &e.evidence)
        .any(|e| e.recognition_kind().is_some())
    {
        RecognitionSources {
            received: recognition::received(&*txn, person_id, cycle.starts_on, cycle.ends_on)
                .await?,
            saved: match &existing {
                Some(row) => saved_evidence(&*txn, row.id).await?,
                None => Vec::new(),
            },
        }
    } else {
        RecognitionSources::default()
    };
    let own_goals: Vec<i32> = performance_goal::Entity::find()
        .filter(performance_goal::Column::CycleId.eq(cycle_id))
        .filter(performance_goal::Column::PersonId.eq(person_id))
        .all(&*txn)
        .await?
        .iter()
        .map(|g| g.id)
        .collect();
    let mut entries = Vec::new();
    for (i, entry) in input.entries.iter().enumerate() {
        let at = format!("entries[{i}]");
        if !own_goals.contains(&entry.goal_id) {
            errors.add(
                format!("{at}.goal_id"),
                "This is not one of your goals in this cycle.",
            );
        } else if input.entries[..i]
            .iter()
            .any(|earlier| earlier.goal_id == entry.goal_id)
        {
            errors.add(format!("{at}.goal_id"), "This goal is already in the list.");
        }
        let narrative = errors.optional(
            &format!("{at}.narrative"),
            entry.narrative.as_deref(),
            TEXT_MAX,
        );
        let outcome = match entry.outcome.as_deref().filter(|o| !o.is_empty()) {
            Some(o) => errors.one_of(&format!("{at}.outcome"), Some(o), &GoalStatus::OUTCOMES),
            None => None,
        };
        let rating = match entry.self_rating {
            Some(r) => errors.in_range(&format!("{at}.self_rating"), r, 1, 5),
            None => None,
        };
        let evidence = check_evidence(
            &format!("{at}.evidence"),
            &entry.evidence,
            &sources,
            &mut errors,
        );
        entries.push((
            entry.goal_id,
            narrative.unwrap_or_default(),
            outcome,
            rating,
            evidence,
        ));
    }
    if input.proposals.len() > PROPOSALS_MAX {
        errors.add(
            "proposals",
            format!("Propose at most {PROPOSALS_MAX} goals."),
        );
    }
    let active_plan = plan::active_id(&*txn).await?;
    let mut proposals = Vec::new();
    for (i, p) in input.proposals.iter().enumerate() {
        let at = format!("proposals[{i}]");
        let title = errors.required(&format!("{at}.title"), p.title.as_deref(), TITLE_MAX);
        let description = errors.optional(
            &format!("{at}.description"),
            p.description.as_deref(),
            TEXT_MAX,
        );
        let category = errors.one_of(
            &format!("{at}.category"),
            p.category.as_deref(),
            &Category::OPTIONS,
        );
        let objective = match p.objective_id {
            Some(id) => plan::objective_ref(&*txn, id).await?,
            None => None,
        };
        match (&objective, p.objective_id) {
            (_, None) => errors.add(
                format!("{at}.objective_id"),
                "Link the proposed goal to an objective.",
            ),
            (None, Some(id)) => errors.add(
                format!("{at}.objective_id"),
                format!("There is no objective with id {id}."),
            ),
            (Some(o), _) if Some(o.plan_id) != active_plan => errors.add(
                format!("{at}.objective_id"),
                format!("{} is not in the plan in force.", o.code),
            ),
            (Some(o), _) if o.retired => errors.add(
                format!("{at}.objective_id"),
                format!("{} has been retired.", o.code),
            ),
            _ => {}
        }
        proposals.push((objective.map(|o| o.id), title, description, category));
    }
    errors.finish()?;
    cycle.ensure_open()?;
    if cycle.phase != Phase::SelfEvaluation {
        return Err(AppError::conflict(format!(
            "{} is in {}; self-evaluations open when it reaches self-evaluation.",
            cycle.name,
            cycle.phase.label().to_lowercase()
        )));
    }
    let now = Utc::now();
    let row = match existing {
        Some(row) if row.status != EvaluationStatus::Draft.as_str() => {
            return Err(AppError::conflict(
                "This self-evaluation has been submitted and is locked; your manager can reopen it.",
            ));
        }
        Some(row) => {
            let mut model: self_evaluation::ActiveModel = row.into();
            model.reflection = Set(reflection.unwrap_or_default());
            model.skills_developed = Set(skills.unwrap_or_default());
            model.updated_at = Set(now);
            model.update(&*txn).await?
        }
        None => self_evaluation::ActiveModel {
            person_id: Set(person_id),
            cycle_id: Set(cycle_id),
            status: Set(EvaluationStatus::Draft.as_str().to_owned()),
            reflection: Set(reflection.unwrap_or_default()),
            skills_developed: Set(skills.unwrap_or_default()),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(&*txn)
        .await
        .map_err(|err| {
            AppError::on_unique(
                err,
                "self_evaluations_cycle_person_key",
                "self_evaluations.cycle_id",
                || {
                    AppError::conflict(
                        "This self-evaluation was started meanwhile; reload and try again.",
                    )
                },
            )
        })?,
    };
    evaluation_entry::Entity::delete_many()
        .filter(evaluation_entry::Column::EvaluationId.eq(row.id))
        .exec(&*txn)
        .await?;
    for (goal_id, narrative, outcome, rating, evidence) in entries {
        evaluation_entry::ActiveModel {
            evaluation_id: Set(row.id),
            goal_id: Set(goal_id),
            narrative: Set(narrative),
            outcome: Set(outcome.map(|o| o.as_str().to_owned())),
            self_rating: Set(rating.and_then(|r| i16::try_from(r).ok())),
            evidence: Set(serde_json::to_string(&evidence).map_err(AppError::internal)?),
            ..Default::default()
        }
        .insert(&*txn)
        .await?;
    }
    // Proposals already carried into a later cycle stay as they are.
    if evaluation_proposal::Entity::find()
        .filter(evaluation_proposal::Column::EvaluationId.eq(row.id))
        .filter(evaluation_proposal::Column::CarriedGoalId.is_not_null())
        .count(&*txn)
        .await?
        > 0
    {
        return Err(AppError::conflict(
            "Next year's goals from this self-evaluation are already in the next cycle; it cannot change now.",
        ));
    }
    evaluation_proposal::Entity::delete_many()
        .filter(evaluation_proposal::Column::EvaluationId.eq(row.id))
        .exec(&*txn)
        .await?;
    for (position, (objective_id, title, description, category)) in (1..).zip(proposals) {
        evaluation_proposal::ActiveModel {
            evaluation_id: Set(row.id),
            position: Set(position),
            objective_id: Set(objective_id.unwrap_or_default()),
            title: Set(title.unwrap_or_default()),
            description: Set(description.unwrap_or_default()),
            category: Set(category.unwrap_or(Category::Other).as_str().to_owned()),
            carried_goal_id: Set(None),
            ..Default::default()
        }
        .insert(&*txn)
        .await?;
    }
    txn.commit().await?;
    get(db, actor, cycle_id, person_id).await
}

/// Submits a draft: it must say something about every goal, then it is locked, and the
/// outcomes it gives are recorded on the goals.
pub async fn submit(
    db: &Db,
    actor: &Actor,
    cycle_id: i32,
    person_id: i32,
) -> AppResult<Evaluation> {
    let subject = people::subject(db.conn(), person_id).await?;
    policy::check(actor.principal(), Action::WriteOwnRecords(&subject))?;
    let txn = db.write().await?;
    // Under the lock nobody saves this evaluation meanwhile, so what is checked is what is locked.
    txn.lock(&[evaluation_lock(cycle_id, person_id)]).await?;
    let current = get(db, actor, cycle_id, person_id).await?;
    let cycle = cycles::find_or_404(&*txn, cycle_id).await?;
    cycle.ensure_open()?;
    let row = find_row(&*txn, cycle_id, person_id).await?.ok_or_else(|| {
        AppError::conflict("Save a draft of your self-evaluation before submitting it.")
    })?;
    if row.status != EvaluationStatus::Draft.as_str() {
        return Err(AppError::conflict(
            "This self-evaluation has been submitted already and is locked.",
        ));
    }
    let mut errors = Errors::default();
    if row.reflection.trim().is_empty() {
        errors.add(
            "reflection",
            "Write an overall reflection before submitting.",
        );
    }
    for (i, entry) in current.entries.iter().enumerate() {
        if entry.outcome.is_none() {
            errors.add(
                format!("entries[{i}].outcome"),
                format!("Give the outcome of \u{201c}{}\u{201d}.", entry.goal.title),
            );
        }
        if entry.self_rating.is_none() {
            errors.add(
                format!("entries[{i}].self_rating"),
                format!("Rate yourself on \u{201c}{}\u{201d}.", entry.goal.title),
            );
        }
    }
    errors.finish()?;
    let outcomes: Vec<(i32, GoalStatus)> = current
        .entries
        .iter()
        .filter_map(|e| e.outcome.map(|o| (e.goal.id, o)))
        .collect();
    goals::record_outcomes(&*txn, &outcomes).await?;
    let now = Utc::now();
    let mut model: self_evaluation::ActiveModel = row.into();
    model.status = Set(EvaluationStatus::Submitted.as_str().to_owned());
    model.submitted_at = Set(Some(now));
    model.updated_at = Set(now);
    model.update(&*txn).await?;
    txn.commit().await?;
    get(db, actor, cycle_id, person_id).await
}

async fn reviewable(
    db: &Db,
    actor: &Actor,
    cycle_id: i32,
    person_id: i32,
) -> AppResult<(crate::db::WriteTxn, self_evaluation::Model)> {
    let subject = people::subject(db.conn(), person_id).await?;
    policy::check(actor.principal(), Action::ViewPrivateRecords(&subject))?;
    policy::check(actor.principal(), Action::ReviewPrivateRecords(&subject))?;
    let txn = db.write().await?;
    txn.lock(&[evaluation_lock(cycle_id, person_id)]).await?;
    cycles::find_or_404(&*txn, cycle_id).await?.ensure_open()?;
    // Readers see a not-started evaluation, so it is not missing: it has nothing to review yet.
    let row = find_row(&*txn, cycle_id, person_id).await?.ok_or_else(|| {
        AppError::conflict("This self-evaluation has not been started or submitted yet.")
    })?;
    Ok((txn, row))
}

/// A manager above the person (or the cio) reviews a submitted self-evaluation.
pub async fn review(
    db: &Db,
    actor: &Actor,
    cycle_id: i32,
    person_id: i32,
    comment: Option<&str>,
    rating: Option<i64>,
) -> AppResult<Evaluation> {
    let mut errors = Errors::default();
    let comment = errors.required("comment", comment, TEXT_MAX);
    let rating = errors
        .present("rating", rating)
        .and_then(|r| errors.in_range("rating", r, 1, 5));
    let (txn, row) = reviewable(db, actor, cycle_id, person_id).await?;
    errors.finish()?;
    if row.status != EvaluationStatus::Submitted.as_str() {
        return Err(AppError::conflict(format!(
            "This self-evaluation is {}; only a submitted one can be reviewed.",
            row.status
        )));
    }
    let now = Utc::now();
    let mut model: self_evaluation::ActiveModel = row.into();
    model.status = Set(EvaluationStatus::Reviewed.as_str().to_owned());
    model.reviewer_id = Set(Some(actor.person_id));
    model.review_comment = Set(comment);
    model.review_rating = Set(rating.and_then(|r| i16::try_from(r).ok()));
    model.reviewed_at = Set(Some(now));
    model.updated_at = Set(now);
    model.update(&*txn).await?;
    txn.commit().await?;
    get(db, actor, cycle_id, person_id).await
}

/// A manager above the person (or the cio) sends a submitted or reviewed self-evaluation
/// back to draft, with a reason that is kept.
pub async fn reopen(
    db: &Db,
    actor: &Actor,
    cycle_id: i32,
    person_id: i32,
    reason: Option<&str>,
) -> AppResult<Evaluation> {
    let mut errors = Errors::default();
    let reason = errors.required("reason", reason, TEXT_MAX);
    let (txn, row) = reviewable(db, actor, cycle_id, person_id).await?;
    errors.finish()?;
    if row.status == EvaluationStatus::Draft.as_str() {
        return Err(AppError::conflict(
            "This self-evaluation is a draft already.",
        ));
    }
    let now = Utc::now();
    evaluation_reopening::ActiveModel {
        evaluation_id: Set(row.id),
        reason: Set(reason.unwrap_or_default()),
        reopened_by_id: Set(actor.person_id),
        reopened_at: Set(now),
        ..Default::default()
    }
    .insert(&*txn)
    .await?;
    // The review was of the submission being reopened; the next submission gets its own.
    let mut model: self_evaluation::ActiveModel = row.into();
    model.status = Set(EvaluationStatus::Draft.as_str().to_owned());
    model.reviewer_id = Set(None);
    model.review_comment = Set(None);
    model.review_rating = Set(None);
    model.reviewed_at = Set(None);
    model.updated_at = Set(now);
    model.update(&*txn).await?;
    txn.commit().await?;
    get(db, actor, cycle_id, person_id).await
}

/// When a cycle opens, the goals people proposed for the coming year in earlier
/// self-evaluations become proposed goals in it, where their objective is in its plan.
/// Each proposal is carried once.
pub async fn carry_proposals_into(conn: &impl ConnectionTrait, cycle: &Cycle) -> AppResult<()> {
    let waiting = evaluation_proposal::Entity::find()
        .filter(evaluation_proposal::Column::CarriedGoalId.is_null())
        .all(conn)
        .await?;
    if waiting.is_empty() {
        return Ok(());
    }
    let in_plan: Vec<i32> = plan::objectives_of(conn, cycle.plan_id)
        .await?
        .into_iter()
        .filter(|o| !o.retired)
        .map(|o| o.id)
        .collect();
    let evaluations: HashMap<i32, self_evaluation::Model> = self_evaluation::Entity::find()
        .filter(
            self_evaluation::Column::Id
                .is_in(waiting.iter().map(|p| p.evaluation_id).collect::<Vec<_>>()),
        )
        .all(conn)
        .await?
        .into_iter()
        .map(|e| (e.id, e))
        .collect();
    for proposal in waiting {
        let Some(evaluation) = evaluations.get(&proposal.evaluation_id) else {
            continue;
        };
        // Only proposals that were submitted, from an earlier cycle, for this plan.
        if evaluation.status == EvaluationStatus::Draft.as_str()
            || evaluation.cycle_id == cycle.id
            || !in_plan.contains(&proposal.objective_id)
        {
            continue;
        }
        let goal_id = goals::insert_carried(
            conn,
            cycle.id,
            evaluation.person_id,
            proposal.objective_id,
            &proposal.title,
            &proposal.description,
            &proposal.category,
        )
        .await?;
        let mut model: evaluation_proposal::ActiveModel = proposal.into();
        model.carried_goal_id = Set(Some(goal_id));
        model.update(conn).await?;
    }
    Ok(())
}

/// One person in the team view.
#[derive(Debug, Clone)]
pub struct TeamMember {
    pub person: PersonRef,
    pub manager: Option<PersonRef>,
    pub team: String,
    pub goals: Vec<TeamGoal>,
    pub evaluation: EvaluationStatus,
}

#[derive(Debug, Clone)]
pub struct TeamGoal {
    pub id: i32,
    pub title: String,
    pub objective_code: String,
    pub status: GoalStatus,
    pub progress: i16,
}

#[derive(Debug, Clone)]
pub struct TeamView {
    pub cycle: Option<Cycle>,
    pub cycles: Vec<Cycle>,
    pub members: Vec<TeamMember>,
}

#[derive(FromQueryResult)]
struct MemberRow {
    id: i32,
    name: String,
    team: String,
    manager_id: Option<i32>,
    manager_name: Option<String>,
}

#[derive(FromQueryResult)]
struct TeamGoalRow {
    id: i32,
    person_id: i32,
    title: String,
    status: String,
    progress: i16,
    goal_number: i32,
    objective_number: i32,
}

#[derive(FromQueryResult)]
struct TeamEvaluationRow {
    person_id: i32,
    status: String,
}

/// Everyone below the actor in the manager chain (everyone, for the cio), with their goals
/// and self-evaluation status in a cycle. A fixed number of queries whatever the size of
/// the team: the cycles, the members (one recursive query), their goals, their evaluations.
pub async fn team(db: &Db, actor: &Actor, cycle_id: Option<i32>) -> AppResult<TeamView> {
    policy::check(actor.principal(), Action::ViewTeam)?;
    let cycles = cycles::list(db, actor).await?;
    let cycle = cycles::pick(&cycles, cycle_id)?;
    let everyone = policy::allows(actor.principal(), Action::ManagePlan);
    // The members: for the cio, every active person who is not an advisor; otherwise the
    // active people below the actor, found by walking down the chain in one query.
    let below = people::BELOW_CTE;
    let members_from = if everyone {
        "people p"
    } else {
        "people p JOIN below ON below.id = p.id"
    };
    let member_sql = format!(
        "{below} SELECT DISTINCT p.id, p.name, p.team, p.manager_id, m.name AS manager_name
         FROM {members_from} LEFT JOIN people m ON m.id = p.manager_id
         WHERE p.active = $2 AND p.role <> 'advisor' AND p.id <> $1
         ORDER BY p.name, p.id"
    );
    let members = MemberRow::find_by_statement(Statement::from_sql_and_values(
        db.backend(),
        member_sql,
        [actor.person_id.into(), true.into()],
    ))
    .all(db.conn())
    .await?;
    let member = |m: MemberRow| TeamMember {
        person: PersonRef {
            id: m.id,
            name: m.name,
        },
        manager: m
            .manager_id
            .zip(m.manager_name)
            .map(|(id, name)| PersonRef { id, name }),
        team: m.team,
        goals: Vec::new(),
        evaluation: EvaluationStatus::NotStarted,
    };
    let Some(cycle) = cycle else {
        return Ok(TeamView {
            cycle: None,
            cycles,
            members: members.into_iter().map(member).collect(),
        });
    };
    let scope = if everyone {
        "SELECT id FROM people"
    } else {
        "SELECT id FROM below"
    };
    let goal_sql = format!(
        "{below} SELECT g.id, g.person_id, g.title, g.status, g.progress,
                sg.number AS goal_number, o.number AS objective_number
         FROM performance_goals g
         JOIN objectives o ON o.id = g.objective_id
         JOIN strategic_goals sg ON sg.id = o.strategic_goal_id
         WHERE g.cycle_id = $2 AND g.person_id IN ({scope}) AND g.person_id <> $1
         ORDER BY g.person_id, g.id"
    );
    let goal_rows = TeamGoalRow::find_by_statement(Statement::from_sql_and_values(
        db.backend(),
        goal_sql,
        [actor.person_id.into(), cycle.id.into()],
    ))
    .all(db.conn())
    .await?;
    let evaluation_sql = format!(
        "{below} SELECT e.person_id, e.status FROM self_evaluations e
         WHERE e.cycle_id = $2 AND e.person_id IN ({scope}) AND e.person_id <> $1"
    );
    let evaluation_rows = TeamEvaluationRow::find_by_statement(Statement::from_sql_and_values(
        db.backend(),
        evaluation_sql,
        [actor.person_id.into(), cycle.id.into()],
    ))
    .all(db.conn())
    .await?;

    let mut goals_by_person: HashMap<i32, Vec<TeamGoal>> = HashMap::new();
    for row in goal_rows {
        goals_by_person
            .entry(row.person_id)
            .or_default()
            .push(TeamGoal {
                id: row.id,
                title: row.title,
                objective_code: plan::objective_code(row.goal_number, row.objective_number),
                status: GoalStatus::parse(&row.status).unwrap_or(GoalStatus::Proposed),
                progress: row.progress,
            });
    }
    let evaluations: HashMap<i32, EvaluationStatus> = evaluation_rows
        .into_iter()
        .filter_map(|row| Some((row.person_id, EvaluationStatus::from_db(&row.status).ok()?)))
        .collect();
    Ok(TeamView {
        members: members
            .into_iter()
            .map(|m| {
                let id = m.id;
                TeamMember {
                    goals: goals_by_person.remove(&id).unwrap_or_default(),
                    evaluation: evaluations
                        .get(&id)
                        .copied()
                        .unwrap_or(EvaluationStatus::NotStarted),
                    ..member(m)
                }
            })
            .collect(),
        cycle: Some(cycle),
        cycles,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn evidence_stored_before_recognition_reads_as_it_did_and_stays_small() {
        let old: Vec<Evidence> = serde_json::from_str(
            r#"[{"kind":"text","text":"Thanks"},{"kind":"link","text":"KB","url":"https://kb.example.org/1"}]"#,
        )
        .unwrap();
        assert_eq!(old[0].ref_id, None);
        assert_eq!(old[1].link(), Some("https://kb.example.org/1"));
        assert_eq!(
            serde_json::to_string(&old[0]).unwrap(),
            r#"{"kind":"text","text":"Thanks"}"#
        );
    }

    #[test]
    fn recognition_says_where_it_came_from() {
        let on = NaiveDate::from_ymd_opt(2026, 3, 2).unwrap();
        let kudos = Evidence {
            kind: "kudos".into(),
            text: "Thanks".into(),
            ref_id: Some(7),
            on: Some(on),
            giver: Some("Pat Peer".into()),
            ..Evidence::default()
        };
        assert_eq!(
            kudos.source().as_deref(),
            Some("Kudos from Pat Peer, 2026-03-02")
        );
        assert!(kudos.refers_to(ReceivedKind::Kudos, 7));
        assert!(!kudos.refers_to(ReceivedKind::Compliment, 7));
        assert_eq!(
            recognition_source(ReceivedKind::NotebookEntry, "Pat Peer", on),
            "Trophy notebook entry from Pat Peer, 2026-03-02"
        );
        let text = Evidence {
            kind: "text".into(),
            text: "Thanks".into(),
            ..Evidence::default()
        };
        assert_eq!(text.source(), None);
    }

    #[test]
    fn long_messages_are_clipped_to_the_evidence_limit() {
        assert_eq!(clip("short", 10), "short");
        let clipped = clip(&"é".repeat(EVIDENCE_TEXT_MAX + 5), EVIDENCE_TEXT_MAX);
        assert_eq!(clipped.chars().count(), EVIDENCE_TEXT_MAX);
        assert!(clipped.ends_with('\u{2026}'));
    }
}
