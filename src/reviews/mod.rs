//! Self-evaluations and the manager's review, and the team view. One self-evaluation per
//! person per cycle, opened when the cycle reaches self-evaluation: drafts are saved as
//! often as the person likes; submitting locks it; a manager above them (or the cio)
//! reviews it with a comment and a rating, or reopens it with a reason that is kept.

pub mod api;
pub mod pages;

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, ExprTrait, FromQueryResult,
    PaginatorTrait, QueryFilter, QueryOrder, Set, prelude::Expr, sea_query::Query,
};
use serde::{Deserialize, Serialize};

use crate::{
    auth::Actor,
    cycles::{self, Cycle, Phase, Unfinished, UnfinishedKind},
    db::{Db, WriteTxn},
    entities::{evaluation_entry, evaluation_proposal, evaluation_reopening, self_evaluation},
    error::{AppError, AppResult},
    goals::{self, Category, Goal, GoalStatus},
    people::{self, PersonRef},
    plan::{self, ObjectiveRef},
    policy::{self, Action},
    recognition::{self, Received, ReceivedKind},
    validate::{Errors, Level, LongText, RequiredText, TEXT_MAX, Title, Word},
};

pub const EVIDENCE_MAX: usize = 20;
pub const EVIDENCE_TEXT_MAX: usize = 1_000;
pub const PROPOSALS_MAX: usize = 10;

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
pub enum EvaluationStatus {
    /// Never stored: an evaluation without a row.
    #[strum(message = "Not started")]
    NotStarted,
    #[strum(message = "Draft")]
    Draft,
    #[strum(message = "Submitted")]
    Submitted,
    #[strum(message = "Reviewed")]
    Reviewed,
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
/// 2 Mar 2026".
pub fn recognition_source(kind: ReceivedKind, giver: &str, on: NaiveDate) -> String {
    describe_source(kind, Some(giver), Some(on))
}

fn describe_source(kind: ReceivedKind, giver: Option<&str>, on: Option<NaiveDate>) -> String {
    let mut source = kind.label().to_owned();
    if let Some(giver) = giver {
        source.push_str(" from ");
        source.push_str(giver);
    }
    if let Some(on) = on {
        source.push_str(", ");
        source.push_str(&on.format(crate::dates::DAY).to_string());
    }
    source
}

impl Evidence {
    /// The kind of recognition this evidence refers to; None for text and links.
    pub fn recognition_kind(&self) -> Option<ReceivedKind> {
        self.kind.parse().ok()
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

impl EvaluationStatus {
    /// The status as a cycle's pages show it: once the cycle is closed, what was left
    /// undone reads as left undone, not as work still waiting.
    pub fn label_in(self, phase: impl std::borrow::Borrow<Phase>) -> &'static str {
        let phase = *phase.borrow();
        match self {
            EvaluationStatus::NotStarted | EvaluationStatus::Draft if phase == Phase::Closed => {
                "Not submitted before the cycle closed"
            }
            EvaluationStatus::Submitted if phase == Phase::Closed => {
                "Submitted, not reviewed before the cycle closed"
            }
            other => other.label(),
        }
    }
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

    /// Why a draft is a draft again: the latest reopening, while the evaluation is still
    /// the draft it made (a later submission answers it).
    pub fn open_reopening(&self) -> Option<&Reopening> {
        (self.status == EvaluationStatus::Draft)
            .then(|| self.reopenings.last())
            .flatten()
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

/// A person's self-evaluation for a cycle: the person, their managers and the cio may
/// read it; anyone else gets 404. A fixed number of queries whatever the number of goals,
/// entries, proposals and reopenings: the rows of each kind at once, then the people and
/// the objectives they name at once.
pub async fn get(db: &Db, actor: &Actor, cycle_id: i32, person_id: i32) -> AppResult<Evaluation> {
    let conn = db.conn();
    let subject = people::subject(conn, person_id).await?;
    policy::check(actor.principal(), Action::ViewPrivateRecords(&subject))?;
    if subject.person_id == actor.person_id {
        // One's own self-evaluation exists only for those who write one: an advisor has
        // none to read, start or save (404, as policy answers their writes).
        policy::check(actor.principal(), Action::WriteOwnRecords(&subject))?;
    }
    let cycle = cycles::find_or_404(conn, cycle_id).await?;
    let goals = goals::standing_in_cycle(conn, cycle_id, person_id).await?;
    let row = find_row(conn, cycle_id, person_id).await?;
    let status = match &row {
        Some(r) => EvaluationStatus::from_stored(&r.status)?,
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
    let (saved, proposal_rows, reopenings) = match &row {
        Some(row) => (
            evaluation_entry::Entity::find()
                .filter(evaluation_entry::Column::EvaluationId.eq(row.id))
                .all(conn)
                .await?,
            evaluation_proposal::Entity::find()
                .filter(evaluation_proposal::Column::EvaluationId.eq(row.id))
                .order_by_asc(evaluation_proposal::Column::Position)
                .all(conn)
                .await?,
            evaluation_reopening::Entity::find()
                .filter(evaluation_reopening::Column::EvaluationId.eq(row.id))
                .order_by_asc(evaluation_reopening::Column::ReopenedAt)
                .all(conn)
                .await?,
        ),
        None => (Vec::new(), Vec::new(), Vec::new()),
    };
    // Everyone the evaluation names, in one query: the person, the reviewer, who reopened.
    let names = people::refs(
        conn,
        [person_id]
            .into_iter()
            .chain(row.as_ref().and_then(|r| r.reviewer_id))
            .chain(reopenings.iter().map(|r| r.reopened_by_id)),
    )
    .await?;
    let named = |id: i32| names.get(&id).cloned().ok_or(AppError::NotFound);
    let objectives =
        plan::objective_refs(conn, proposal_rows.iter().map(|p| p.objective_id)).await?;

    let saved: HashMap<i32, evaluation_entry::Model> =
        saved.into_iter().map(|e| (e.goal_id, e)).collect();
    let entries = goals
        .into_iter()
        .map(|goal| {
            let saved = saved.get(&goal.id);
            Entry {
                narrative: saved.map(|s| s.narrative.clone()).unwrap_or_default(),
                outcome: saved
                    .and_then(|s| s.outcome.as_deref())
                    .and_then(|o| GoalStatus::parse_word(o).ok()),
                self_rating: saved.and_then(|s| s.self_rating),
                evidence: saved
                    .and_then(|s| serde_json::from_str(&s.evidence).ok())
                    .unwrap_or_default(),
                goal,
            }
        })
        .collect();
    let proposals = proposal_rows
        .into_iter()
        .filter_map(|p| {
            Some(Proposal {
                objective: objectives.get(&p.objective_id)?.clone(),
                title: p.title,
                description: p.description,
                category: Category::parse_word(&p.category).unwrap_or(Category::Other),
                carried_goal_id: p.carried_goal_id,
            })
        })
        .collect();
    let reopenings = reopenings
        .into_iter()
        .map(|r| {
            Ok(Reopening {
                by: named(r.reopened_by_id)?,
                reason: r.reason,
                at: r.reopened_at,
            })
        })
        .collect::<AppResult<Vec<_>>>()?;
    let review = match row.as_ref().map(|r| {
        (
            r.reviewer_id,
            r.review_comment.clone(),
            r.review_rating,
            r.reviewed_at,
        )
    }) {
        Some((Some(reviewer_id), Some(comment), Some(rating), Some(at))) => Some(Review {
            reviewer: named(reviewer_id)?,
            comment,
            rating,
            reviewed_at: at,
        }),
        _ => None,
    };
    Ok(Evaluation {
        id: row.as_ref().map(|r| r.id),
        person: named(person_id)?,
        status,
        reflection: row
            .as_ref()
            .map(|r| r.reflection.clone())
            .unwrap_or_default(),
        skills_developed: row
            .as_ref()
            .map(|r| r.skills_developed.clone())
            .unwrap_or_default(),
        entries,
        proposals,
        submitted_at: row.as_ref().and_then(|r| r.submitted_at),
        review,
        reopenings,
        offered,
        may_write,
        may_review: is_reviewer && in_phase && status == EvaluationStatus::Submitted,
        may_review_any: is_reviewer,
        cycle,
    })
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

/// The text of a piece of evidence, or of a link's label.
type EvidenceText = RequiredText<EVIDENCE_TEXT_MAX>;

/// Parses one goal's evidence into what is stored: text and links as given (the text
/// trimmed), recognition as a snapshot of the item it names. None when any item has errors,
/// each recorded under `field`.
fn parse_goal_evidence(
    field: &str,
    items: &[Evidence],
    sources: &RecognitionSources,
    errors: &mut Errors,
) -> Option<Vec<Evidence>> {
    let before = errors.0.len();
    if items.len() > EVIDENCE_MAX {
        errors.add(
            field,
            format!("List at most {EVIDENCE_MAX} pieces of evidence."),
        );
    }
    let mut parsed = Vec::with_capacity(items.len());
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
                Some(snapshot) => parsed.push(snapshot),
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
        let text = errors.check(
            format!("{at}.text"),
            EvidenceText::parse_or(&item.text, "Say what this evidence shows."),
        );
        if let Some(text) = text {
            // A date and giver belong to recognition only.
            parsed.push(Evidence {
                text: text.into_string(),
                on: None,
                giver: None,
                ..item.clone()
            });
        }
    }
    (errors.0.len() == before).then_some(parsed)
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

/// A draft as it is stored: every field parsed, nothing left to default.
#[derive(Debug, Clone, PartialEq)]
struct Draft {
    reflection: LongText,
    skills_developed: LongText,
    entries: Vec<DraftEntry>,
    proposals: Vec<DraftProposal>,
}

/// One goal's entry. A draft may leave the outcome and the rating open (submitting needs
/// them), so those options are the person's, not a parse that failed.
#[derive(Debug, Clone, PartialEq)]
struct DraftEntry {
    goal_id: i32,
    narrative: LongText,
    outcome: Option<GoalStatus>,
    self_rating: Option<Level>,
    evidence: Vec<Evidence>,
}

#[derive(Debug, Clone, PartialEq)]
struct DraftProposal {
    objective_id: i32,
    title: Title,
    description: LongText,
    category: Category,
}

/// What a draft is checked against, read before parsing it.
#[derive(Default)]
struct DraftContext {
    /// The person's goals in the cycle, dropped ones too.
    own_goals: Vec<i32>,
    sources: RecognitionSources,
    /// The objectives the proposals name that exist.
    objectives: HashMap<i32, ObjectiveRef>,
    active_plan: Option<i32>,
}

impl DraftContext {
    /// A fixed number of queries whatever the size of the draft. Recognition evidence is
    /// checked against what the person received during the cycle, and read only when
    /// some is chosen.
    async fn load(
        conn: &impl ConnectionTrait,
        cycle: &Cycle,
        person_id: i32,
        existing: Option<&self_evaluation::Model>,
        input: &EvaluationInput,
    ) -> AppResult<DraftContext> {
        let names_recognition = input
            .entries
            .iter()
            .flat_map(|e| &e.evidence)
            .any(|e| e.recognition_kind().is_some());
        let sources = if names_recognition {
            RecognitionSources {
                received: recognition::received(conn, person_id, cycle.starts_on, cycle.ends_on)
                    .await?,
                saved: match existing {
                    Some(row) => saved_evidence(conn, row.id).await?,
                    None => Vec::new(),
                },
            }
        } else {
            RecognitionSources::default()
        };
        Ok(DraftContext {
            own_goals: goals::ids_in_cycle(conn, cycle.id, person_id).await?,
            sources,
            active_plan: plan::active_id(conn).await?,
            objectives: plan::objective_refs(
                conn,
                input.proposals.iter().filter_map(|p| p.objective_id),
            )
            .await?,
        })
    }
}

/// Parses a draft as typed into what is stored; None when something is wrong, with every
/// field error recorded at once.
fn parse_draft(
    input: &EvaluationInput,
    context: &DraftContext,
    errors: &mut Errors,
) -> Option<Draft> {
    let reflection = errors.check(
        "reflection",
        LongText::parse(input.reflection.as_deref().unwrap_or("")),
    );
    let skills_developed = errors.check(
        "skills_developed",
        LongText::parse(input.skills_developed.as_deref().unwrap_or("")),
    );
    // Every entry and proposal is parsed, so each names its own problems.
    let entries: Vec<Option<DraftEntry>> = input
        .entries
        .iter()
        .enumerate()
        .map(|(i, entry)| parse_entry(i, entry, &input.entries[..i], context, errors))
        .collect();
    if input.proposals.len() > PROPOSALS_MAX {
        errors.add(
            "proposals",
            format!("Propose at most {PROPOSALS_MAX} goals."),
        );
    }
    let proposals: Vec<Option<DraftProposal>> = input
        .proposals
        .iter()
        .enumerate()
        .map(|(i, proposal)| parse_proposal(i, proposal, context, errors))
        .collect();
    Some(Draft {
        reflection: reflection?,
        skills_developed: skills_developed?,
        entries: entries.into_iter().collect::<Option<_>>()?,
        proposals: proposals.into_iter().collect::<Option<_>>()?,
    })
}

/// One entry, `entries[i]`; `earlier` are the entries before it. None when it has errors.
fn parse_entry(
    i: usize,
    entry: &EntryInput,
    earlier: &[EntryInput],
    context: &DraftContext,
    errors: &mut Errors,
) -> Option<DraftEntry> {
    let at = format!("entries[{i}]");
    let goal_id = if !context.own_goals.contains(&entry.goal_id) {
        errors.add(
            format!("{at}.goal_id"),
            "This is not one of your goals in this cycle.",
        );
        None
    } else if earlier.iter().any(|e| e.goal_id == entry.goal_id) {
        errors.add(format!("{at}.goal_id"), "This goal is already in the list.");
        None
    } else {
        Some(entry.goal_id)
    };
    let narrative = errors.check(
        format!("{at}.narrative"),
        LongText::parse(entry.narrative.as_deref().unwrap_or("")),
    );
    // Outer None: the word is wrong; inner None: not given yet.
    let outcome = match entry.outcome.as_deref().filter(|o| !o.is_empty()) {
        Some(o) => errors
            .check(format!("{at}.outcome"), GoalStatus::parse_outcome(o))
            .map(Some),
        None => Some(None),
    };
    let self_rating = match entry.self_rating {
        Some(r) => errors
            .check(format!("{at}.self_rating"), Level::parse(r))
            .map(Some),
        None => Some(None),
    };
    let evidence = parse_goal_evidence(
        &format!("{at}.evidence"),
        &entry.evidence,
        &context.sources,
        errors,
    );
    Some(DraftEntry {
        goal_id: goal_id?,
        narrative: narrative?,
        outcome: outcome?,
        self_rating: self_rating?,
        evidence: evidence?,
    })
}

/// One proposal for next year, `proposals[i]`. None when it has errors.
fn parse_proposal(
    i: usize,
    proposal: &ProposalInput,
    context: &DraftContext,
    errors: &mut Errors,
) -> Option<DraftProposal> {
    let at = format!("proposals[{i}]");
    let title = errors.check(
        format!("{at}.title"),
        Title::parse(proposal.title.as_deref().unwrap_or("")),
    );
    let description = errors.check(
        format!("{at}.description"),
        LongText::parse(proposal.description.as_deref().unwrap_or("")),
    );
    let category = errors.word::<Category>(&format!("{at}.category"), proposal.category.as_deref());
    let objective = proposal
        .objective_id
        .and_then(|id| context.objectives.get(&id));
    let field = format!("{at}.objective_id");
    let objective_id = match (objective, proposal.objective_id) {
        (_, None) => {
            errors.add(field, "Link the proposed goal to an objective.");
            None
        }
        (None, Some(id)) => {
            errors.add(field, format!("There is no objective with id {id}."));
            None
        }
        (Some(o), _) if Some(o.plan_id) != context.active_plan => {
            errors.add(field, format!("{} is not in the plan in force.", o.code));
            None
        }
        (Some(o), _) if o.retired => {
            errors.add(field, format!("{} has been retired.", o.code));
            None
        }
        (Some(o), _) => Some(o.id),
    };
    Some(DraftProposal {
        objective_id: objective_id?,
        title: title?,
        description: description?,
        category: category?,
    })
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
    let txn = db.write().await?;
    txn.lock(&[evaluation_lock(cycle_id, person_id)]).await?;
    let cycle = cycles::find_or_404(&txn, cycle_id).await?;
    let existing = find_row(&txn, cycle_id, person_id).await?;
    let context = DraftContext::load(&txn, &cycle, person_id, existing.as_ref(), &input).await?;
    let mut errors = Errors::default();
    let draft = parse_draft(&input, &context, &mut errors);
    let Some(draft) = draft else {
        return Err(errors.into_error());
    };
    errors.finish()?;
    cycle.ensure_open()?;
    if cycle.phase != Phase::SelfEvaluation {
        return Err(AppError::conflict(format!(
            "{} is in {}; self-evaluations open when it reaches self-evaluation.",
            cycle.name,
            cycle.phase.label().to_lowercase()
        )));
    }
    write_draft(&txn, cycle_id, person_id, existing, draft).await?;
    txn.commit().await?;
    get(db, actor, cycle_id, person_id).await
}

/// Stores a parsed draft over the saved one (starting the evaluation if there is none):
/// entries and proposals replace the saved ones wholesale.
async fn write_draft(
    txn: &WriteTxn,
    cycle_id: i32,
    person_id: i32,
    existing: Option<self_evaluation::Model>,
    draft: Draft,
) -> AppResult<()> {
    let now = Utc::now();
    let row = match existing {
        Some(row) if row.status != EvaluationStatus::Draft.as_str() => {
            return Err(AppError::conflict(
                "This self-evaluation has been submitted and is locked; your manager can reopen it.",
            ));
        }
        Some(row) => {
            let mut model: self_evaluation::ActiveModel = row.into();
            model.reflection = Set(draft.reflection.into_string());
            model.skills_developed = Set(draft.skills_developed.into_string());
            model.updated_at = Set(now);
            model.update(txn).await?
        }
        None => self_evaluation::ActiveModel {
            person_id: Set(person_id),
            cycle_id: Set(cycle_id),
            status: Set(EvaluationStatus::Draft.as_str().to_owned()),
            reflection: Set(draft.reflection.into_string()),
            skills_developed: Set(draft.skills_developed.into_string()),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(txn)
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
        .exec(txn)
        .await?;
    for entry in draft.entries {
        evaluation_entry::ActiveModel {
            evaluation_id: Set(row.id),
            goal_id: Set(entry.goal_id),
            narrative: Set(entry.narrative.into_string()),
            outcome: Set(entry.outcome.map(|o| o.as_str().to_owned())),
            self_rating: Set(entry.self_rating.map(Level::to_i16)),
            evidence: Set(serde_json::to_string(&entry.evidence).map_err(AppError::internal)?),
            ..Default::default()
        }
        .insert(txn)
        .await?;
    }
    // Proposals already carried into a later cycle stay as they are.
    if evaluation_proposal::Entity::find()
        .filter(evaluation_proposal::Column::EvaluationId.eq(row.id))
        .filter(evaluation_proposal::Column::CarriedGoalId.is_not_null())
        .count(txn)
        .await?
        > 0
    {
        return Err(AppError::conflict(
            "Next year's goals from this self-evaluation are already in the next cycle; it cannot change now.",
        ));
    }
    evaluation_proposal::Entity::delete_many()
        .filter(evaluation_proposal::Column::EvaluationId.eq(row.id))
        .exec(txn)
        .await?;
    for (position, proposal) in (1..).zip(draft.proposals) {
        evaluation_proposal::ActiveModel {
            evaluation_id: Set(row.id),
            position: Set(position),
            objective_id: Set(proposal.objective_id),
            title: Set(proposal.title.into_string()),
            description: Set(proposal.description.into_string()),
            category: Set(proposal.category.as_str().to_owned()),
            carried_goal_id: Set(None),
            ..Default::default()
        }
        .insert(txn)
        .await?;
    }
    Ok(())
}

/// Submits a draft at `now`: it must say something about every goal, then it is locked,
/// and the outcomes it gives are recorded on the goals. The pages and the API pass the
/// present; the demo, a day of its past year.
pub async fn submit(
    db: &Db,
    actor: &Actor,
    cycle_id: i32,
    person_id: i32,
    now: DateTime<Utc>,
) -> AppResult<Evaluation> {
    let subject = people::subject(db.conn(), person_id).await?;
    policy::check(actor.principal(), Action::WriteOwnRecords(&subject))?;
    let txn = db.write().await?;
    // Under the lock nobody saves this evaluation meanwhile, so what is checked is what is locked.
    txn.lock(&[evaluation_lock(cycle_id, person_id)]).await?;
    let current = get(db, actor, cycle_id, person_id).await?;
    let cycle = cycles::find_or_404(&txn, cycle_id).await?;
    cycle.ensure_open()?;
    let row = find_row(&txn, cycle_id, person_id).await?.ok_or_else(|| {
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
    goals::record_outcomes(&txn, &outcomes).await?;
    let mut model: self_evaluation::ActiveModel = row.into();
    model.status = Set(EvaluationStatus::Submitted.as_str().to_owned());
    model.submitted_at = Set(Some(now));
    model.updated_at = Set(now);
    model.update(&txn).await?;
    // The manager (`manager_id`, whose "waiting for you" lists it) hears it waits for them.
    if let Some(&manager) = subject.managers.first() {
        crate::notifications::notify(
            &txn,
            &crate::notifications::Payload::EvaluationWaiting {
                cycle_id,
                person_id,
                owner: current.person.name.clone(),
                cycle: cycle.name.clone(),
            },
            &[manager],
            None,
            now,
        )
        .await?;
    }
    txn.commit().await?;
    get(db, actor, cycle_id, person_id).await
}

async fn reviewable(
    db: &Db,
    actor: &Actor,
    cycle_id: i32,
    person_id: i32,
) -> AppResult<(WriteTxn, self_evaluation::Model)> {
    let subject = people::subject(db.conn(), person_id).await?;
    policy::check(actor.principal(), Action::ViewPrivateRecords(&subject))?;
    policy::check(actor.principal(), Action::ReviewPrivateRecords(&subject))?;
    let txn = db.write().await?;
    txn.lock(&[evaluation_lock(cycle_id, person_id)]).await?;
    cycles::find_or_404(&txn, cycle_id).await?.ensure_open()?;
    // Readers see a not-started evaluation, so it is not missing: it has nothing to review yet.
    let row = find_row(&txn, cycle_id, person_id).await?.ok_or_else(|| {
        AppError::conflict("This self-evaluation has not been started or submitted yet.")
    })?;
    Ok((txn, row))
}

/// A manager's comment on an evaluation, or the reason for reopening one.
pub type ReviewText = RequiredText<TEXT_MAX>;

/// A review as it is stored.
#[derive(Debug, Clone, PartialEq)]
struct Verdict {
    comment: ReviewText,
    rating: Level,
}

/// Parses a review as typed; None when something is wrong, every problem recorded.
fn parse_verdict(
    comment: Option<&str>,
    rating: Option<i64>,
    errors: &mut Errors,
) -> Option<Verdict> {
    let comment = errors.check("comment", ReviewText::parse(comment.unwrap_or("")));
    let rating = errors
        .present("rating", rating)
        .and_then(|r| errors.check("rating", Level::parse(r)));
    Some(Verdict {
        comment: comment?,
        rating: rating?,
    })
}

/// A manager above the person (or the cio) reviews a submitted self-evaluation at `now`.
pub async fn review(
    db: &Db,
    actor: &Actor,
    cycle_id: i32,
    person_id: i32,
    comment: Option<&str>,
    rating: Option<i64>,
    now: DateTime<Utc>,
) -> AppResult<Evaluation> {
    let (txn, row) = reviewable(db, actor, cycle_id, person_id).await?;
    let mut errors = Errors::default();
    let Some(verdict) = parse_verdict(comment, rating, &mut errors) else {
        return Err(errors.into_error());
    };
    if row.status != EvaluationStatus::Submitted.as_str() {
        return Err(AppError::conflict(format!(
            "This self-evaluation is {}; only a submitted one can be reviewed.",
            row.status
        )));
    }
    let mut model: self_evaluation::ActiveModel = row.into();
    model.status = Set(EvaluationStatus::Reviewed.as_str().to_owned());
    model.reviewer_id = Set(Some(actor.person_id));
    model.review_comment = Set(Some(verdict.comment.into_string()));
    model.review_rating = Set(Some(verdict.rating.to_i16()));
    model.reviewed_at = Set(Some(now));
    model.updated_at = Set(now);
    model.update(&txn).await?;
    txn.commit().await?;
    get(db, actor, cycle_id, person_id).await
}

/// A manager above the person (or the cio) sends a submitted or reviewed self-evaluation
/// back to draft at `now`, with a reason that is kept.
pub async fn reopen(
    db: &Db,
    actor: &Actor,
    cycle_id: i32,
    person_id: i32,
    reason: Option<&str>,
    now: DateTime<Utc>,
) -> AppResult<Evaluation> {
    let (txn, row) = reviewable(db, actor, cycle_id, person_id).await?;
    let mut errors = Errors::default();
    let Some(reason) = errors.check("reason", ReviewText::parse(reason.unwrap_or(""))) else {
        return Err(errors.into_error());
    };
    if row.status == EvaluationStatus::Draft.as_str() {
        return Err(AppError::conflict(
            "This self-evaluation is a draft already.",
        ));
    }
    evaluation_reopening::ActiveModel {
        evaluation_id: Set(row.id),
        reason: Set(reason.into_string()),
        reopened_by_id: Set(actor.person_id),
        reopened_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    // The review was of the submission being reopened; the next submission gets its own.
    let mut model: self_evaluation::ActiveModel = row.into();
    model.status = Set(EvaluationStatus::Draft.as_str().to_owned());
    model.reviewer_id = Set(None);
    model.review_comment = Set(None);
    model.review_rating = Set(None);
    model.reviewed_at = Set(None);
    model.updated_at = Set(now);
    model.update(&txn).await?;
    txn.commit().await?;
    get(db, actor, cycle_id, person_id).await
}

/// How many proposals for next year (carried or not) name an objective: the plan keeps a
/// linked objective.
pub async fn count_proposals_for_objective(
    conn: &impl ConnectionTrait,
    objective_id: i32,
) -> AppResult<u64> {
    Ok(evaluation_proposal::Entity::find()
        .filter(evaluation_proposal::Column::ObjectiveId.eq(objective_id))
        .count(conn)
        .await?)
}

/// When a cycle opens, the goals people proposed for the coming year in earlier
/// self-evaluations become proposed goals in it, where their objective is in its plan.
/// Each proposal is carried once. The pages and the API pass this to `cycles::open`, which
/// runs it in the transaction that opens the cycle (cycles does not call reviews: reviews
/// builds on cycles).
pub async fn carry_proposals_into(txn: &WriteTxn, cycle: &Cycle) -> AppResult<()> {
    let waiting = evaluation_proposal::Entity::find()
        .filter(evaluation_proposal::Column::CarriedGoalId.is_null())
        .all(txn)
        .await?;
    if waiting.is_empty() {
        return Ok(());
    }
    let in_plan: Vec<i32> = plan::objectives_of(txn, cycle.plan_id)
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
        .all(txn)
        .await?
        .into_iter()
        .map(|e| (e.id, e))
        .collect();
    let mut carried = Vec::new();
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
            txn,
            cycle.id,
            evaluation.person_id,
            proposal.objective_id,
            &proposal.title,
            &proposal.description,
            &proposal.category,
        )
        .await?;
        carried.push(evaluation.person_id);
        let mut model: evaluation_proposal::ActiveModel = proposal.into();
        model.carried_goal_id = Set(Some(goal_id));
        model.update(txn).await?;
    }
    goals::count_outcomes(txn, cycle.id, &carried).await
}

#[derive(FromQueryResult)]
struct UnfinishedCounts {
    proposed_goals: i64,
    goals_without_outcome: i64,
    evaluations_not_started: i64,
    draft_evaluations: i64,
    evaluations_not_reviewed: i64,
}

/// What moving `cycle` to `to` leaves unfinished: goals still proposed; when closing, also
/// agreed goals with no outcome and self-evaluations not started, still drafts, or
/// submitted and not reviewed. Kinds with nothing left are left out.
///
/// Only the work of active members of the department counts (not advisors, not people
/// who have left): nobody can finish the rest. The cio's "waiting for you" line about the
/// cycle is this same list, so the two never disagree. One statement whatever the size
/// of the department. `cycles::move_to` and `cycles::preview_move` are handed this
/// (reviews builds on cycles).
pub async fn unfinished_work(db: &Db, cycle: &Cycle, to: Phase) -> AppResult<Vec<Unfinished>> {
    unfinished_in(db, cycle.id, to).await
}

/// `unfinished_work` for the cycle `cycle_id`.
pub async fn unfinished_in(db: &Db, cycle_id: i32, to: Phase) -> AppResult<Vec<Unfinished>> {
    // Each placeholder is bound once, where it is used (as everywhere in this code).
    let mut p = crate::db::Params::new();
    let mut members = || {
        let active = p.bind(true);
        let advisor = p.bind(crate::people::Role::Advisor.as_str());
        format!("(SELECT id FROM people WHERE active = {active} AND role <> {advisor})")
    };
    let (m1, m2, m3, m4, m5) = (members(), members(), members(), members(), members());
    let cycle = [(); 5].map(|_| p.bind(cycle_id));
    let proposed = p.bind(GoalStatus::Proposed.as_str());
    let open_goals = p.bind_all([GoalStatus::Agreed.as_str(), GoalStatus::InProgress.as_str()]);
    let draft = p.bind(EvaluationStatus::Draft.as_str());
    let submitted = p.bind(EvaluationStatus::Submitted.as_str());
    let sql = format!(
        "SELECT
           (SELECT COUNT(*) FROM performance_goals g
             WHERE g.cycle_id = {c0} AND g.status = {proposed}
               AND g.person_id IN {m1}) AS proposed_goals,
           (SELECT COUNT(*) FROM performance_goals g
             WHERE g.cycle_id = {c1} AND g.status IN ({open_goals})
               AND g.person_id IN {m2}) AS goals_without_outcome,
           (SELECT COUNT(*) FROM people m WHERE m.id IN {m3} AND NOT EXISTS (
              SELECT 1 FROM self_evaluations e
              WHERE e.cycle_id = {c2} AND e.person_id = m.id)) AS evaluations_not_started,
           (SELECT COUNT(*) FROM self_evaluations e
             WHERE e.cycle_id = {c3} AND e.status = {draft}
               AND e.person_id IN {m4}) AS draft_evaluations,
           (SELECT COUNT(*) FROM self_evaluations e
             WHERE e.cycle_id = {c4} AND e.status = {submitted}
               AND e.person_id IN {m5}) AS evaluations_not_reviewed",
        c0 = cycle[0],
        c1 = cycle[1],
        c2 = cycle[2],
        c3 = cycle[3],
        c4 = cycle[4],
    );
    let Some(c) = UnfinishedCounts::find_by_statement(p.statement(db.backend(), sql))
        .one(db.conn())
        .await?
    else {
        return Ok(Vec::new());
    };
    let mut counts = vec![(UnfinishedKind::ProposedGoals, c.proposed_goals)];
    if to == Phase::Closed {
        counts.extend([
            (UnfinishedKind::GoalsWithoutOutcome, c.goals_without_outcome),
            (
                UnfinishedKind::EvaluationsNotStarted,
                c.evaluations_not_started,
            ),
            (UnfinishedKind::DraftEvaluations, c.draft_evaluations),
            (
                UnfinishedKind::EvaluationsNotReviewed,
                c.evaluations_not_reviewed,
            ),
        ]);
    }
    Ok(counts
        .into_iter()
        .filter(|(_, count)| *count > 0)
        .map(|(kind, count)| Unfinished {
            kind,
            count: u64::try_from(count).unwrap_or(0),
        })
        .collect())
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
    let within = (!everyone).then(|| people::below(actor.person_id));
    let members = people::reports_below(db.conn(), actor.person_id, everyone).await?;
    let member = |m: people::Report| TeamMember {
        person: m.person,
        manager: m.manager,
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
    let goal_lines = goals::lines_in_cycle(db.conn(), cycle.id, within, actor.person_id).await?;
    let mut evaluation_query = Query::select();
    evaluation_query
        .columns([
            self_evaluation::Column::PersonId,
            self_evaluation::Column::Status,
        ])
        .from(self_evaluation::Entity)
        .and_where(Expr::col(self_evaluation::Column::CycleId).eq(cycle.id))
        .and_where(Expr::col(self_evaluation::Column::PersonId).ne(actor.person_id));
    if let Some(below) = within {
        evaluation_query.and_where(below.includes(Expr::col(self_evaluation::Column::PersonId)));
    }
    let evaluation_rows =
        TeamEvaluationRow::find_by_statement(db.backend().build(&evaluation_query))
            .all(db.conn())
            .await?;

    let mut goals_by_person: HashMap<i32, Vec<TeamGoal>> = HashMap::new();
    for line in goal_lines {
        goals_by_person
            .entry(line.person_id)
            .or_default()
            .push(TeamGoal {
                id: line.id,
                title: line.title,
                objective_code: line.objective_code,
                status: line.status,
                progress: line.progress,
            });
    }
    let evaluations: HashMap<i32, EvaluationStatus> = evaluation_rows
        .into_iter()
        .filter_map(|row| {
            Some((
                row.person_id,
                EvaluationStatus::from_stored(&row.status).ok()?,
            ))
        })
        .collect();
    Ok(TeamView {
        members: members
            .into_iter()
            .map(|m| {
                let id = m.person.id;
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
            Some("Kudos from Pat Peer, 2 Mar 2026")
        );
        assert!(kudos.refers_to(ReceivedKind::Kudos, 7));
        assert!(!kudos.refers_to(ReceivedKind::Compliment, 7));
        assert_eq!(
            recognition_source(ReceivedKind::NotebookEntry, "Pat Peer", on),
            "Trophy notebook entry from Pat Peer, 2 Mar 2026"
        );
        let text = Evidence {
            kind: "text".into(),
            text: "Thanks".into(),
            ..Evidence::default()
        };
        assert_eq!(text.source(), None);
    }

    fn context_with_goal_and_objective() -> DraftContext {
        DraftContext {
            own_goals: vec![7],
            objectives: HashMap::from([(
                3,
                ObjectiveRef {
                    id: 3,
                    plan_id: 1,
                    code: "G1.1".into(),
                    title: "First contact".into(),
                    retired: false,
                },
            )]),
            active_plan: Some(1),
            ..DraftContext::default()
        }
    }

    #[test]
    fn a_draft_parses_into_what_is_stored() {
        let input = EvaluationInput {
            reflection: Some("  Learned a lot  ".into()),
            skills_developed: None,
            entries: vec![EntryInput {
                goal_id: 7,
                narrative: Some("Done".into()),
                outcome: Some("achieved".into()),
                self_rating: Some(4),
                evidence: Vec::new(),
            }],
            proposals: vec![ProposalInput {
                objective_id: Some(3),
                title: Some("Listen".into()),
                description: None,
                category: Some("communication".into()),
            }],
        };
        let mut errors = Errors::default();
        let draft = parse_draft(&input, &context_with_goal_and_objective(), &mut errors).unwrap();
        assert!(errors.is_empty());
        assert_eq!(draft.reflection.as_str(), "Learned a lot");
        assert_eq!(draft.skills_developed.as_str(), "");
        assert_eq!(draft.entries[0].outcome, Some(GoalStatus::Achieved));
        assert_eq!(draft.entries[0].self_rating.map(Level::get), Some(4));
        assert_eq!(draft.proposals[0].objective_id, 3);
        assert_eq!(draft.proposals[0].category, Category::Communication);
    }

    #[test]
    fn a_bad_draft_names_every_bad_field_at_once() {
        let input = EvaluationInput {
            reflection: Some("x".repeat(TEXT_MAX + 1)),
            skills_developed: None,
            entries: vec![
                EntryInput {
                    goal_id: 8,
                    self_rating: Some(6),
                    ..EntryInput::default()
                },
                EntryInput {
                    goal_id: 7,
                    outcome: Some("done".into()),
                    ..EntryInput::default()
                },
            ],
            proposals: vec![ProposalInput {
                objective_id: Some(99),
                ..ProposalInput::default()
            }],
        };
        let mut errors = Errors::default();
        assert!(parse_draft(&input, &context_with_goal_and_objective(), &mut errors).is_none());
        let fields: Vec<&str> = errors.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "reflection",
                "entries[0].goal_id",
                "entries[0].self_rating",
                "entries[1].outcome",
                "proposals[0].title",
                "proposals[0].category",
                "proposals[0].objective_id",
            ]
        );
    }

    #[test]
    fn evidence_text_is_trimmed_and_checked_like_any_text() {
        let text = |text: &str| Evidence {
            kind: "text".into(),
            text: text.into(),
            ..Evidence::default()
        };
        let sources = RecognitionSources::default();
        let mut errors = Errors::default();
        let parsed = parse_goal_evidence("evidence", &[text("  Thanks  ")], &sources, &mut errors);
        assert_eq!(parsed, Some(vec![text("Thanks")]));
        #[rustfmt::skip]
        let cases = [
            (text(" "), "evidence[0].text", "Say what this evidence shows."),
            (text(&"x".repeat(EVIDENCE_TEXT_MAX + 1)), "evidence[0].text", "Use at most 1000 characters."),
            (text("bell\u{7}"), "evidence[0].text", "Remove the invisible control character U+0007; it cannot be shown."),
            (Evidence { kind: "photo".into(), ..text("x") }, "evidence[0].kind", "Evidence is text, a link, kudos, a notebook entry or a compliment."),
            (Evidence { url: Some("https://x.example".into()), ..text("x") }, "evidence[0].url", "Only a link has a URL."),
            (Evidence { kind: "link".into(), url: Some("javascript:alert(1)".into()), ..text("x") }, "evidence[0].url", "Give a link that starts with http:// or https://."),
            (Evidence { ref_id: Some(3), ..text("x") }, "evidence[0].ref_id", "Only kudos, notebook entries and compliments refer to an item."),
            (Evidence { kind: "kudos".into(), ..Evidence::default() }, "evidence[0].ref_id", "Say which kudos, notebook entry or compliment this is."),
            (Evidence { kind: "kudos".into(), ref_id: Some(3), ..Evidence::default() }, "evidence[0].ref_id", "This is not recognition you received during this cycle."),
        ];
        for (item, field, message) in cases {
            let mut errors = Errors::default();
            assert_eq!(
                parse_goal_evidence(
                    "evidence",
                    std::slice::from_ref(&item),
                    &sources,
                    &mut errors
                ),
                None,
                "{item:?}"
            );
            assert_eq!(errors.0.len(), 1, "{item:?}");
            assert_eq!(
                (errors.0[0].field.as_str(), errors.0[0].message.as_str()),
                (field, message)
            );
        }
    }

    /// Fields and messages, in order.
    type Problems<'a> = &'a [(&'a str, &'a str)];

    #[test]
    fn a_review_needs_a_comment_and_a_rating_from_1_to_5() {
        let mut errors = Errors::default();
        let verdict = parse_verdict(Some("  Strong year "), Some(4), &mut errors).unwrap();
        assert_eq!(
            (verdict.comment.as_str(), verdict.rating.get()),
            ("Strong year", 4)
        );
        #[rustfmt::skip]
        let cases: [(Option<&str>, Option<i64>, Problems); 4] = [
            (None, Some(3), &[("comment", "This cannot be empty.")]),
            (Some(" "), None, &[("comment", "This cannot be empty."), ("rating", "This is required.")]),
            (Some("Fine"), Some(6), &[("rating", "Use a number from 1 to 5.")]),
            (Some("Fine"), Some(0), &[("rating", "Use a number from 1 to 5.")]),
        ];
        for (comment, rating, expected) in cases {
            let mut errors = Errors::default();
            assert!(parse_verdict(comment, rating, &mut errors).is_none());
            let got: Vec<(&str, &str)> = errors
                .0
                .iter()
                .map(|e| (e.field.as_str(), e.message.as_str()))
                .collect();
            assert_eq!(got, expected, "{comment:?} {rating:?}");
        }
    }

    #[test]
    fn evaluation_statuses_are_labelled_words() {
        crate::validate::assert_labelled::<EvaluationStatus>();
        assert_eq!(EvaluationStatus::NotStarted.as_str(), "not_started");
        assert_eq!(EvaluationStatus::Submitted.label(), "Submitted");
    }

    #[test]
    fn long_messages_are_clipped_to_the_evidence_limit() {
        assert_eq!(clip("short", 10), "short");
        let clipped = clip(&"é".repeat(EVIDENCE_TEXT_MAX + 5), EVIDENCE_TEXT_MAX);
        assert_eq!(clipped.chars().count(), EVIDENCE_TEXT_MAX);
        assert!(clipped.ends_with('\u{2026}'));
    }
}
