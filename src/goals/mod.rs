//! Performance goals: each belongs to one person and one cycle and is linked to exactly
//! one objective of that cycle's plan. The owner proposes and reports progress; a manager
//! above them (or the cio) agrees; a whole team can be given one goal at once.

pub mod api;
pub mod pages;
mod tallies;

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, ExprTrait, FromQueryResult,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set,
    prelude::Expr,
    sea_query::{Order, Query},
};

use crate::{
    auth::Actor,
    cycles::{self, Cycle, Phase},
    db::{Db, WriteTxn},
    entities::{goal_progress_note, goal_send_back, performance_goal, person},
    error::{AppError, AppResult},
    notifications,
    people::{self, PersonRef},
    plan::{self, ObjectiveRef},
    policy::{self, Action},
    skills,
    validate::{Errors, Level, LongText, Progress, RequiredText, TEXT_MAX, Title, Word},
};

/// What kind of work a goal is.
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
pub enum Category {
    #[strum(message = "Technical")]
    Technical,
    #[strum(message = "Communication")]
    Communication,
    #[strum(message = "Service")]
    Service,
    #[strum(message = "Other")]
    Other,
}

/// Where a goal stands: proposed, agreed, under way, or ended with one of its `OUTCOMES`.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    strum::EnumIter,
    strum::IntoStaticStr,
    strum::EnumString,
    strum::EnumMessage,
)]
#[strum(serialize_all = "snake_case")]
pub enum GoalStatus {
    #[strum(message = "Proposed")]
    Proposed,
    #[strum(message = "Agreed")]
    Agreed,
    #[strum(message = "In progress")]
    InProgress,
    #[strum(message = "Achieved")]
    Achieved,
    #[strum(message = "Partially achieved")]
    PartiallyAchieved,
    #[strum(message = "Not achieved")]
    NotAchieved,
    #[strum(message = "Dropped")]
    Dropped,
}

impl GoalStatus {
    /// The outcomes a goal can end with, in the order forms offer them.
    pub const OUTCOMES: [GoalStatus; 4] = [
        GoalStatus::Achieved,
        GoalStatus::PartiallyAchieved,
        GoalStatus::NotAchieved,
        GoalStatus::Dropped,
    ];

    /// Whether the goal has ended: its status is one of the outcomes.
    pub fn is_final(self) -> bool {
        Self::OUTCOMES.contains(&self)
    }

    /// The status as a cycle's pages show it: once the cycle is closed, a goal left
    /// unfinished reads as left unfinished, not as work still waiting.
    pub fn label_in(self, phase: impl std::borrow::Borrow<Phase>) -> &'static str {
        let phase = *phase.borrow();
        match self {
            GoalStatus::Proposed if phase == Phase::Closed => "Not agreed before the cycle closed",
            GoalStatus::Agreed | GoalStatus::InProgress if phase == Phase::Closed => {
                "No outcome recorded before the cycle closed"
            }
            other => other.label(),
        }
    }

    /// One of the outcomes, or a sentence listing them.
    pub fn parse_outcome(word: &str) -> Result<GoalStatus, String> {
        Self::parse_word(word)
            .ok()
            .filter(|status| status.is_final())
            .ok_or_else(|| {
                let words: Vec<&str> = Self::OUTCOMES.iter().map(|o| o.as_str()).collect();
                format!("Choose one of: {}.", words.join(", "))
            })
    }
}

#[derive(Debug, Clone)]
pub struct Goal {
    pub id: i32,
    pub owner: PersonRef,
    pub cycle_id: i32,
    pub objective: ObjectiveRef,
    pub title: String,
    pub description: String,
    pub category: Category,
    pub skill_id: Option<i32>,
    pub target_level: Option<i16>,
    pub due_on: Option<NaiveDate>,
    pub progress: i16,
    pub status: GoalStatus,
    pub agreed_by: Option<PersonRef>,
    pub agreed_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone)]
pub struct ProgressNote {
    pub progress: i16,
    pub note: String,
    pub noted_on: NaiveDate,
    pub author: PersonRef,
    pub created_at: DateTime<Utc>,
}

/// A manager's (or the cio's) comment on a proposed goal they sent back to its owner
/// instead of agreeing to it. It stays open until the owner changes the goal (proposing
/// it again) or it is agreed; every one is kept.
#[derive(Debug, Clone)]
pub struct SendBack {
    pub comment: String,
    pub by: PersonRef,
    pub at: DateTime<Utc>,
    pub open: bool,
}

/// A goal with its progress history (newest first) and what the viewer may do with it.
#[derive(Debug, Clone)]
pub struct GoalDetail {
    pub goal: Goal,
    pub cycle: Cycle,
    pub history: Vec<ProgressNote>,
    pub may_edit: bool,
    pub may_agree: bool,
    pub may_report: bool,
    /// The owner or a manager may drop a goal that is not over.
    pub may_drop: bool,
    /// For a development goal: the skill, the target and the latest assessed level.
    pub development: Option<Development>,
    /// Every time the goal was sent back, newest first.
    pub send_backs: Vec<SendBack>,
    /// A manager above the owner (or the cio) may send a proposed goal back.
    pub may_send_back: bool,
}

impl GoalDetail {
    /// The send-back the owner has still to answer, if any.
    pub fn open_send_back(&self) -> Option<&SendBack> {
        self.send_backs.iter().find(|s| s.open)
    }
}

/// A goal as typed; on edits, `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct GoalInput {
    pub objective_id: Option<i32>,
    pub title: Option<String>,
    pub description: Option<String>,
    pub category: Option<String>,
    pub due_on: Option<NaiveDate>,
    /// A development goal: the skill to grow and the level to reach (both or neither).
    pub skill_id: Option<i32>,
    pub target_level: Option<i64>,
}

/// What a development goal aims at: a skill of the catalog and the level to reach in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DevelopmentTarget {
    pub skill_id: i32,
    pub level: Level,
}

/// A goal to create, parsed. What needs the database is checked beside it: the objective
/// it serves (`check_objective`, which answers the id to link), its skill, and its due
/// date against the cycle.
#[derive(Debug, Clone)]
pub struct NewGoal {
    pub title: Title,
    pub description: LongText,
    pub category: Category,
    pub due_on: Option<NaiveDate>,
    pub development: Option<DevelopmentTarget>,
}

/// Changes to a goal, parsed; `None` leaves a field as it is. A new objective, skill or
/// due date is checked with the database beside it.
#[derive(Debug, Clone)]
pub struct GoalChanges {
    pub objective_id: Option<i32>,
    pub title: Option<Title>,
    pub description: Option<LongText>,
    pub category: Option<Category>,
    pub due_on: Option<NaiveDate>,
    pub development: Option<DevelopmentTarget>,
}

impl GoalInput {
    pub fn parse_new(self, errors: &mut Errors) -> Option<NewGoal> {
        let title = errors.check("title", Title::parse(self.title.as_deref().unwrap_or("")));
        let description = errors.check(
            "description",
            LongText::parse(self.description.as_deref().unwrap_or("")),
        );
        let category = errors.word::<Category>("category", self.category.as_deref());
        let development = parse_development(self.skill_id, self.target_level, errors);
        Some(NewGoal {
            title: title?,
            description: description?,
            category: category?,
            due_on: self.due_on,
            development: development?,
        })
    }

    pub fn parse_changes(self, errors: &mut Errors) -> Option<GoalChanges> {
        let title = errors.check("title", self.title.as_deref().map(Title::parse).transpose());
        let description = errors.check(
            "description",
            self.description.as_deref().map(LongText::parse).transpose(),
        );
        let category = errors.check(
            "category",
            self.category
                .as_deref()
                .map(Category::parse_word)
                .transpose(),
        );
        let development = parse_development(self.skill_id, self.target_level, errors);
        Some(GoalChanges {
            objective_id: self.objective_id,
            title: title?,
            description: description?,
            category: category?,
            due_on: self.due_on,
            development: development?,
        })
    }
}

/// A development goal names both its skill and its level, or neither (`Some(None)`);
/// `None` when one is missing or the level is out of range, with the reason recorded.
fn parse_development(
    skill_id: Option<i32>,
    target_level: Option<i64>,
    errors: &mut Errors,
) -> Option<Option<DevelopmentTarget>> {
    match (skill_id, target_level) {
        (Some(skill_id), Some(level)) => errors
            .check("target_level", Level::parse(level))
            .map(|level| Some(DevelopmentTarget { skill_id, level })),
        (Some(_), None) => {
            errors.add("target_level", "Give the level to reach in the skill.");
            None
        }
        (None, Some(_)) => {
            errors.add("skill_id", "Choose the skill this target level is for.");
            None
        }
        (None, None) => Some(None),
    }
}

/// What progress notes say.
pub type Note = RequiredText<TEXT_MAX>;

/// A progress report, parsed. That its day falls within the cycle is checked with the
/// database beside it.
#[derive(Debug, Clone)]
pub struct ProgressReport {
    pub progress: Progress,
    pub note: Note,
    pub noted_on: NaiveDate,
}

/// A progress report as sent; `noted_on` is the day it is for, today when absent.
fn parse_progress(
    progress: Option<i64>,
    note: Option<&str>,
    noted_on: NaiveDate,
    today: NaiveDate,
    errors: &mut Errors,
) -> Option<ProgressReport> {
    let progress = errors
        .present("progress", progress)
        .and_then(|p| errors.check("progress", Progress::parse(p)));
    let note = errors.check("note", Note::parse(note.unwrap_or("")));
    if noted_on > today {
        errors.add(
            "noted_on",
            "Progress cannot be reported for a day that has not come yet.",
        );
        return None;
    }
    Some(ProgressReport {
        progress: progress?,
        note: note?,
        noted_on,
    })
}

/// How a development goal stands against the owner's current level in its skill.
#[derive(Debug, Clone)]
pub struct Development {
    pub skill_id: i32,
    pub skill_name: String,
    pub target_level: i16,
    pub current_level: Option<i16>,
}

impl Development {
    /// Levels still to grow; zero or less once the target is reached.
    pub fn gap(&self) -> Option<i16> {
        Some(self.target_level - self.current_level?)
    }

    pub fn reached(&self) -> bool {
        self.gap().is_some_and(|gap| gap <= 0)
    }
}

/// Whom a group assignment is for: a list of people, a whole team, or both.
#[derive(Debug, Clone, Default)]
pub struct Assignees {
    pub person_ids: Vec<i32>,
    pub team: Option<String>,
}

/// Whom a group assignment is for, parsed: some people, a team (trimmed), or both.
#[derive(Debug, Clone)]
struct Group {
    person_ids: Vec<i32>,
    team: Option<String>,
}

impl Assignees {
    fn parse(self, errors: &mut Errors) -> Option<Group> {
        let team = self
            .team
            .map(|t| t.trim().to_owned())
            .filter(|t| !t.is_empty());
        if self.person_ids.is_empty() && team.is_none() {
            errors.add(
                "person_ids",
                "Choose the people or the team the goal is for.",
            );
            return None;
        }
        Some(Group {
            person_ids: self.person_ids,
            team,
        })
    }
}

fn status_of(model: &performance_goal::Model) -> AppResult<GoalStatus> {
    GoalStatus::from_stored(&model.status)
}

/// The plan coverage share a goal counts in (see `tallies`).
fn share_of(row: &performance_goal::Model) -> tallies::ShareKey {
    tallies::ShareKey {
        cycle_id: row.cycle_id,
        objective_id: row.objective_id,
        person_id: row.person_id,
    }
}

/// Names of the people a set of goals refers to, in one query.
async fn names(conn: &impl ConnectionTrait, ids: Vec<i32>) -> AppResult<HashMap<i32, String>> {
    Ok(people::refs(conn, ids)
        .await?
        .into_iter()
        .map(|(id, p)| (id, p.name))
        .collect())
}

fn person_ref(names: &HashMap<i32, String>, id: i32) -> PersonRef {
    PersonRef {
        id,
        name: names.get(&id).cloned().unwrap_or_default(),
    }
}

/// Turns goal rows into goals with owner, agreer and objective filled in, in two queries
/// whatever their number (names, and the objectives involved).
pub async fn hydrate(
    conn: &impl ConnectionTrait,
    rows: Vec<performance_goal::Model>,
) -> AppResult<Vec<Goal>> {
    let people: Vec<i32> = rows
        .iter()
        .flat_map(|g| [Some(g.person_id), g.agreed_by_id])
        .flatten()
        .collect();
    let names = names(conn, people).await?;
    let objectives = plan::objective_refs(conn, rows.iter().map(|r| r.objective_id)).await?;
    rows.into_iter()
        .map(|row| {
            Ok(Goal {
                status: status_of(&row)?,
                category: Category::from_stored(&row.category)?,
                owner: person_ref(&names, row.person_id),
                agreed_by: row.agreed_by_id.map(|id| person_ref(&names, id)),
                objective: objectives.get(&row.objective_id).cloned().ok_or_else(|| {
                    AppError::internal(anyhow::anyhow!("goal {} links a missing objective", row.id))
                })?,
                id: row.id,
                cycle_id: row.cycle_id,
                title: row.title,
                description: row.description,
                skill_id: row.skill_id,
                target_level: row.target_level,
                due_on: row.due_on,
                progress: row.progress,
                agreed_at: row.agreed_at,
                created_at: row.created_at,
                updated_at: row.updated_at,
            })
        })
        .collect()
}

async fn hydrate_one(conn: &impl ConnectionTrait, row: performance_goal::Model) -> AppResult<Goal> {
    hydrate(conn, vec![row])
        .await?
        .pop()
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("a goal row did not hydrate")))
}

/// The objective a goal is to link: it is given, exists, belongs to the cycle's plan and
/// is not retired. `None` when it will not do, with the reason recorded.
async fn check_objective(
    conn: &impl ConnectionTrait,
    cycle: &Cycle,
    objective_id: Option<i32>,
    errors: &mut Errors,
) -> AppResult<Option<i32>> {
    let Some(objective_id) = objective_id else {
        errors.add("objective_id", "Link the goal to an objective of the plan.");
        return Ok(None);
    };
    let problem = match plan::objective_ref(conn, objective_id).await? {
        None => format!("There is no objective with id {objective_id}."),
        Some(o) if o.plan_id != cycle.plan_id => format!(
            "{} belongs to another plan; {} follows {}.",
            o.code, cycle.name, cycle.plan_title
        ),
        Some(o) if o.retired => format!("{} has been retired.", o.code),
        Some(_) => return Ok(Some(objective_id)),
    };
    errors.add("objective_id", problem);
    Ok(None)
}

fn check_due(cycle: &Cycle, due_on: Option<NaiveDate>, errors: &mut Errors) {
    if let Some(due) = due_on
        && !cycle.contains(due)
    {
        errors.add(
            "due_on",
            format!(
                "Choose a date within the cycle, {} to {}.",
                cycle.starts_on, cycle.ends_on
            ),
        );
    }
}

/// The targets of development goals in the current cycle, as a subquery for another
/// area's statement (the team heatmap): one row per person and skill, `person_id`,
/// `skill_id` and `level`, the highest target level among their development goals of the
/// cycle people work in now (`cycles::current_id_subquery`) that were not dropped.
pub fn development_targets_now() -> sea_orm::sea_query::SelectStatement {
    use performance_goal::Column as G;
    Query::select()
        .column(G::PersonId)
        .column(G::SkillId)
        .expr_as(Expr::col(G::TargetLevel).max(), "level")
        .from(performance_goal::Entity)
        .and_where(Expr::col(G::SkillId).is_not_null())
        .and_where(Expr::col(G::TargetLevel).is_not_null())
        .and_where(Expr::col(G::Status).ne(GoalStatus::Dropped.as_str()))
        .and_where(Expr::col(G::CycleId).in_subquery(cycles::current_id_subquery()))
        .group_by_col(G::PersonId)
        .group_by_col(G::SkillId)
        .to_owned()
}

/// The skill of a development goal must be in the catalog and not retired.
async fn check_skill(
    conn: &impl ConnectionTrait,
    skill_id: Option<i32>,
    errors: &mut Errors,
) -> AppResult<()> {
    if let Some(id) = skill_id
        && let Err(message) = skills::usable(conn, id).await?
    {
        errors.add("skill_id", message);
    }
    Ok(())
}

/// Whether `actor` keeps goals of their own (advisors do not), as policy says of writing
/// one's own records.
pub fn keeps_own_goals(actor: &Actor) -> bool {
    policy::allows(
        actor.principal(),
        Action::WriteOwnRecords(&policy::Subject {
            person_id: actor.person_id,
            managers: Vec::new(),
        }),
    )
}

/// Refuses (404) anyone who may not see a person's goals.
pub async fn authorize_view(db: &Db, actor: &Actor, person_id: i32) -> AppResult<()> {
    let subject = people::subject(db.conn(), person_id).await?;
    policy::check(actor.principal(), Action::ViewPrivateRecords(&subject))
}

/// A person's goals in a cycle; 404 for anyone who may not see that person's records.
pub async fn for_person(
    db: &Db,
    actor: &Actor,
    cycle_id: i32,
    person_id: i32,
) -> AppResult<Vec<Goal>> {
    let subject = people::subject(db.conn(), person_id).await?;
    policy::check(actor.principal(), Action::ViewPrivateRecords(&subject))?;
    cycles::find_or_404(db.conn(), cycle_id).await?;
    let rows = performance_goal::Entity::find()
        .filter(performance_goal::Column::CycleId.eq(cycle_id))
        .filter(performance_goal::Column::PersonId.eq(person_id))
        .order_by_asc(performance_goal::Column::Id)
        .all(db.conn())
        .await?;
    hydrate(db.conn(), rows).await
}

async fn load(
    db: &Db,
    actor: &Actor,
    goal_id: i32,
) -> AppResult<(performance_goal::Model, policy::Subject)> {
    let row = performance_goal::Entity::find_by_id(goal_id)
        .one(db.conn())
        .await?
        .ok_or(AppError::NotFound)?;
    let subject = people::subject(db.conn(), row.person_id).await?;
    policy::check(actor.principal(), Action::ViewPrivateRecords(&subject))?;
    Ok((row, subject))
}

pub async fn get(db: &Db, actor: &Actor, goal_id: i32) -> AppResult<GoalDetail> {
    let (row, subject) = load(db, actor, goal_id).await?;
    let cycle = cycles::find_or_404(db.conn(), row.cycle_id).await?;
    let notes = goal_progress_note::Entity::find()
        .filter(goal_progress_note::Column::GoalId.eq(goal_id))
        .order_by_desc(goal_progress_note::Column::NotedOn)
        .order_by_desc(goal_progress_note::Column::Id)
        .all(db.conn())
        .await?;
    let send_backs = goal_send_back::Entity::find()
        .filter(goal_send_back::Column::GoalId.eq(goal_id))
        .order_by_desc(goal_send_back::Column::SentBackAt)
        .order_by_desc(goal_send_back::Column::Id)
        .all(db.conn())
        .await?;
    let authors = names(
        db.conn(),
        notes
            .iter()
            .map(|n| n.author_id)
            .chain(send_backs.iter().map(|s| s.sent_back_by_id))
            .collect(),
    )
    .await?;
    let goal = hydrate_one(db.conn(), row).await?;
    let open = cycle.phase != Phase::Closed;
    let is_reviewer = policy::allows(actor.principal(), Action::ReviewPrivateRecords(&subject));
    let is_owner = policy::allows(actor.principal(), Action::WriteOwnRecords(&subject));
    let development = match (goal.skill_id, goal.target_level) {
        (Some(skill_id), Some(target_level)) => {
            skills::standing_of(db.conn(), goal.owner.id, skill_id)
                .await?
                .map(|(skill_name, current_level)| Development {
                    skill_id,
                    skill_name,
                    target_level,
                    current_level,
                })
        }
        _ => None,
    };
    Ok(GoalDetail {
        development,
        may_drop: open && !goal.status.is_final() && (is_owner || is_reviewer),
        may_edit: open
            && (is_owner || is_reviewer)
            && matches!(goal.status, GoalStatus::Proposed | GoalStatus::Agreed),
        may_agree: open && is_reviewer && goal.status == GoalStatus::Proposed,
        may_send_back: open && is_reviewer && goal.status == GoalStatus::Proposed,
        send_backs: send_backs
            .into_iter()
            .map(|s| SendBack {
                by: person_ref(&authors, s.sent_back_by_id),
                comment: s.comment,
                at: s.sent_back_at,
                open: s.resolved_at.is_none(),
            })
            .collect(),
        may_report: open
            && is_owner
            && matches!(cycle.phase, Phase::InProgress | Phase::SelfEvaluation)
            && matches!(goal.status, GoalStatus::Agreed | GoalStatus::InProgress),
        history: notes
            .into_iter()
            .map(|n| ProgressNote {
                author: person_ref(&authors, n.author_id),
                progress: n.progress,
                note: n.note,
                noted_on: n.noted_on,
                created_at: n.created_at,
            })
            .collect(),
        goal,
        cycle,
    })
}

/// Proposes a goal for a person at `now`: the person themselves, or a manager above them,
/// or the cio.
pub async fn propose(
    db: &Db,
    actor: &Actor,
    cycle_id: i32,
    person_id: i32,
    input: GoalInput,
    now: DateTime<Utc>,
) -> AppResult<Goal> {
    let txn = db.write().await?;
    let row = propose_in(&txn, actor, cycle_id, person_id, input, now).await?;
    txn.commit().await?;
    hydrate_one(db.conn(), row).await
}

/// Proposes a goal inside the caller's transaction, for a step that must be written with
/// it or not at all (a meeting's action item becoming a goal). Answers the goal's id.
pub async fn propose_as_step(
    txn: &WriteTxn,
    actor: &Actor,
    cycle_id: i32,
    person_id: i32,
    input: GoalInput,
) -> AppResult<i32> {
    Ok(
        propose_in(txn, actor, cycle_id, person_id, input, Utc::now())
            .await?
            .id,
    )
}

async fn propose_in(
    txn: &WriteTxn,
    actor: &Actor,
    cycle_id: i32,
    person_id: i32,
    input: GoalInput,
    now: DateTime<Utc>,
) -> AppResult<performance_goal::Model> {
    let subject = people::subject(txn, person_id).await?;
    policy::check(actor.principal(), Action::ViewPrivateRecords(&subject))?;
    let own = subject.person_id == actor.person_id;
    if !own {
        policy::check(actor.principal(), Action::ReviewPrivateRecords(&subject))?;
    }
    let mut errors = Errors::default();
    let (objective_id, skill_id, due_on) = (input.objective_id, input.skill_id, input.due_on);
    let new = input.parse_new(&mut errors);
    let cycle = cycles::find_or_404(txn, cycle_id).await?;
    let objective_id = check_objective(txn, &cycle, objective_id, &mut errors).await?;
    check_skill(txn, skill_id, &mut errors).await?;
    check_due(&cycle, due_on, &mut errors);
    let (Some(new), Some(objective_id)) = (new, objective_id) else {
        return Err(errors.into_error());
    };
    errors.finish()?;
    ensure_takes_new_goals(&cycle)?;
    let row = insert(
        txn,
        actor,
        Placement {
            cycle_id,
            person_id,
            objective_id,
        },
        &new,
        GoalStatus::Proposed,
        now,
    )
    .await?;
    tallies::refresh(txn, &[share_of(&row)]).await?;
    if own {
        tell_manager(txn, &subject, &row, &actor.name, false, now).await?;
    }
    Ok(row)
}

/// Tells the owner's manager (`manager_id`, the person whose "waiting for you" lists
/// the goal) that a goal the owner proposed or changed waits for their agreement.
/// Nobody hears when the owner has no manager; someone who left hears nothing.
async fn tell_manager(
    txn: &WriteTxn,
    owner: &policy::Subject,
    goal: &performance_goal::Model,
    owner_name: &str,
    changed: bool,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let Some(&manager) = owner.managers.first() else {
        return Ok(());
    };
    notifications::notify(
        txn,
        &notifications::Payload::GoalWaiting {
            goal_id: goal.id,
            title: goal.title.clone(),
            owner: owner_name.to_owned(),
            changed,
        },
        &[manager],
        None,
        now,
    )
    .await
}

/// Refuses new goals in a closed cycle, or one in self-evaluation.
fn ensure_takes_new_goals(cycle: &Cycle) -> AppResult<()> {
    cycle.ensure_open()?;
    if cycle.phase == Phase::SelfEvaluation {
        return Err(AppError::conflict(format!(
            "{} is in self-evaluation; new goals go into the next cycle.",
            cycle.name
        )));
    }
    Ok(())
}

/// Where a new goal goes: whose it is, in which cycle, serving which objective.
struct Placement {
    cycle_id: i32,
    person_id: i32,
    objective_id: i32,
}

/// Writes a new goal, proposed or (when a manager gives it) agreed, by `actor` at `now`.
async fn insert(
    txn: &WriteTxn,
    actor: &Actor,
    at: Placement,
    goal: &NewGoal,
    status: GoalStatus,
    now: DateTime<Utc>,
) -> AppResult<performance_goal::Model> {
    let agreed = status == GoalStatus::Agreed;
    Ok(performance_goal::ActiveModel {
        person_id: Set(at.person_id),
        cycle_id: Set(at.cycle_id),
        objective_id: Set(at.objective_id),
        title: Set(goal.title.as_str().to_owned()),
        description: Set(goal.description.as_str().to_owned()),
        category: Set(goal.category.as_str().to_owned()),
        skill_id: Set(goal.development.map(|d| d.skill_id)),
        target_level: Set(goal.development.map(|d| d.level.to_i16())),
        due_on: Set(goal.due_on),
        progress: Set(0),
        status: Set(status.as_str().to_owned()),
        agreed_by_id: Set(agreed.then_some(actor.person_id)),
        agreed_at: Set(agreed.then_some(now)),
        created_by_id: Set(actor.person_id),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(txn)
    .await?)
}

/// Inserts a proposed goal carried over from a self-evaluation into a new cycle. The
/// caller counts the goals it carried with `count_outcomes` once all are in, so that the
/// transaction takes its tallies' locks once.
pub async fn insert_carried(
    txn: &WriteTxn,
    cycle_id: i32,
    person_id: i32,
    objective_id: i32,
    title: &str,
    description: &str,
    category: &str,
) -> AppResult<i32> {
    let now = Utc::now();
    Ok(performance_goal::ActiveModel {
        person_id: Set(person_id),
        cycle_id: Set(cycle_id),
        objective_id: Set(objective_id),
        title: Set(title.to_owned()),
        description: Set(description.to_owned()),
        category: Set(category.to_owned()),
        skill_id: Set(None),
        target_level: Set(None),
        due_on: Set(None),
        progress: Set(0),
        status: Set(GoalStatus::Proposed.as_str().to_owned()),
        agreed_by_id: Set(None),
        agreed_at: Set(None),
        created_by_id: Set(person_id),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(txn)
    .await?
    .id)
}

/// Edits a goal while it is proposed or agreed. When the owner changes an agreed goal it
/// goes back to proposed, to be agreed again.
pub async fn update(db: &Db, actor: &Actor, goal_id: i32, input: GoalInput) -> AppResult<Goal> {
    let (_, subject) = load(db, actor, goal_id).await?;
    let is_reviewer = policy::allows(actor.principal(), Action::ReviewPrivateRecords(&subject));
    if !is_reviewer {
        policy::check(actor.principal(), Action::WriteOwnRecords(&subject))?;
    }
    let mut errors = Errors::default();
    let (objective_id, skill_id, due_on) = (input.objective_id, input.skill_id, input.due_on);
    let changes = input.parse_changes(&mut errors);
    let txn = db.write().await?;
    txn.lock(&[format!("goal:{goal_id}")]).await?;
    let row = performance_goal::Entity::find_by_id(goal_id)
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound)?;
    let cycle = cycles::find_or_404(&txn, row.cycle_id).await?;
    if objective_id.is_some() {
        check_objective(&txn, &cycle, objective_id, &mut errors).await?;
    }
    check_skill(&txn, skill_id, &mut errors).await?;
    check_due(&cycle, due_on, &mut errors);
    let Some(changes) = changes else {
        return Err(errors.into_error());
    };
    errors.finish()?;
    cycle.ensure_open()?;
    let status = status_of(&row)?;
    if !matches!(status, GoalStatus::Proposed | GoalStatus::Agreed) {
        return Err(AppError::conflict(format!(
            "This goal is {}; only proposed or agreed goals can be changed.",
            status.label().to_lowercase()
        )));
    }
    let before = share_of(&row);
    let mut model: performance_goal::ActiveModel = row.into();
    if let Some(objective_id) = changes.objective_id {
        model.objective_id = Set(objective_id);
    }
    if let Some(title) = changes.title {
        model.title = Set(title.into_string());
    }
    if let Some(description) = changes.description {
        model.description = Set(description.into_string());
    }
    if let Some(category) = changes.category {
        model.category = Set(category.as_str().to_owned());
    }
    if changes.due_on.is_some() {
        model.due_on = Set(changes.due_on);
    }
    if let Some(target) = changes.development {
        model.skill_id = Set(Some(target.skill_id));
        model.target_level = Set(Some(target.level.to_i16()));
    }
    let reproposed = status == GoalStatus::Agreed && !is_reviewer;
    if reproposed {
        model.status = Set(GoalStatus::Proposed.as_str().to_owned());
        model.agreed_by_id = Set(None);
        model.agreed_at = Set(None);
    }
    let now = Utc::now();
    model.updated_at = Set(now);
    let row = model.update(&txn).await?;
    // A new objective moves the goal from one share of plan coverage to another.
    tallies::refresh(&txn, &[before, share_of(&row)]).await?;
    if !is_reviewer {
        // The owner changed the goal: that answers the comment it was sent back with, and
        // proposes it again.
        let answered = resolve_send_backs(&txn, goal_id, now).await?;
        // The manager hears when the goal waits for them anew: an agreed goal changed, or
        // a sent-back one answered. Edits to a proposal they already know of are quiet.
        if reproposed || answered {
            tell_manager(&txn, &subject, &row, &actor.name, true, now).await?;
        }
    }
    txn.commit().await?;
    hydrate_one(db.conn(), row).await
}

/// A manager above the owner, or the cio, agrees to a proposed goal at `now` (the pages
/// and the API pass the present; the demo, a day of its past year).
pub async fn agree(db: &Db, actor: &Actor, goal_id: i32, now: DateTime<Utc>) -> AppResult<Goal> {
    let (_, subject) = load(db, actor, goal_id).await?;
    policy::check(actor.principal(), Action::ReviewPrivateRecords(&subject))?;
    let txn = db.write().await?;
    let row = lock_proposed(&txn, goal_id, "agreed").await?;
    let mut model: performance_goal::ActiveModel = row.into();
    model.status = Set(GoalStatus::Agreed.as_str().to_owned());
    model.agreed_by_id = Set(Some(actor.person_id));
    model.agreed_at = Set(Some(now));
    model.updated_at = Set(now);
    let row = model.update(&txn).await?;
    resolve_send_backs(&txn, goal_id, now).await?;
    if row.person_id != actor.person_id {
        notifications::notify(
            &txn,
            &notifications::Payload::GoalReviewed {
                goal_id,
                title: row.title.clone(),
                by: actor.name.clone(),
                sent_back: None,
            },
            &[row.person_id],
            None,
            now,
        )
        .await?;
    }
    txn.commit().await?;
    hydrate_one(db.conn(), row).await
}

/// The comment a proposed goal is sent back with.
pub type SendBackComment = RequiredText<TEXT_MAX>;

/// A manager above the owner, or the cio, sends a proposed goal back to its owner with a
/// comment, instead of agreeing to it. The goal stays proposed; the comment is shown on it
/// until the owner changes it (proposing it again) or it is agreed, and is kept after.
pub async fn send_back(
    db: &Db,
    actor: &Actor,
    goal_id: i32,
    comment: Option<&str>,
) -> AppResult<GoalDetail> {
    let (_, subject) = load(db, actor, goal_id).await?;
    policy::check(actor.principal(), Action::ReviewPrivateRecords(&subject))?;
    let mut errors = Errors::default();
    let Some(comment) = errors.check(
        "comment",
        SendBackComment::parse_or(
            comment.unwrap_or(""),
            "Say what the goal needs before you can agree to it.",
        ),
    ) else {
        return Err(errors.into_error());
    };
    let txn = db.write().await?;
    let goal = lock_proposed(&txn, goal_id, "sent back").await?;
    // A second comment before the owner answered replaces the first as the open one.
    resolve_send_backs(&txn, goal_id, Utc::now()).await?;
    let comment_text = comment.into_string();
    goal_send_back::ActiveModel {
        goal_id: Set(goal_id),
        comment: Set(comment_text.clone()),
        sent_back_by_id: Set(actor.person_id),
        sent_back_at: Set(Utc::now()),
        resolved_at: Set(None),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    notifications::notify(
        &txn,
        &notifications::Payload::GoalReviewed {
            goal_id,
            title: goal.title,
            by: actor.name.clone(),
            sent_back: Some(comment_text),
        },
        &[goal.person_id],
        None,
        Utc::now(),
    )
    .await?;
    txn.commit().await?;
    get(db, actor, goal_id).await
}

/// Inside a write: the goal, locked against other reviews of it, in a cycle that is not
/// closed, and still proposed; otherwise a 409 saying only a proposed goal can be `done`
/// ("agreed", "sent back").
async fn lock_proposed(
    txn: &WriteTxn,
    goal_id: i32,
    done: &str,
) -> AppResult<performance_goal::Model> {
    txn.lock(&[format!("goal:{goal_id}")]).await?;
    let row = performance_goal::Entity::find_by_id(goal_id)
        .one(txn)
        .await?
        .ok_or(AppError::NotFound)?;
    cycles::find_or_404(txn, row.cycle_id)
        .await?
        .ensure_open()?;
    let status = status_of(&row)?;
    if status != GoalStatus::Proposed {
        return Err(AppError::conflict(format!(
            "This goal is {}; only a proposed goal can be {done}.",
            status.label().to_lowercase()
        )));
    }
    Ok(row)
}

/// Closes the open send-back of a goal, if any (kept as history), as of `now`.
/// Answers whether there was one.
async fn resolve_send_backs(txn: &WriteTxn, goal_id: i32, now: DateTime<Utc>) -> AppResult<bool> {
    let result = goal_send_back::Entity::update_many()
        .col_expr(goal_send_back::Column::ResolvedAt, Expr::value(now))
        .filter(goal_send_back::Column::GoalId.eq(goal_id))
        .filter(goal_send_back::Column::ResolvedAt.is_null())
        .exec(txn)
        .await?;
    Ok(result.rows_affected > 0)
}

#[derive(FromQueryResult)]
struct StatusCount {
    status: String,
    count: i64,
}

/// How many goals of a cycle stand in each status, in one aggregate query (no policy: for
/// the work a phase move leaves unfinished).
pub async fn status_counts(
    conn: &impl ConnectionTrait,
    cycle_id: i32,
) -> AppResult<HashMap<GoalStatus, u64>> {
    let query = Query::select()
        .column(performance_goal::Column::Status)
        .expr_as(Expr::cust("COUNT(*)"), "count")
        .from(performance_goal::Entity)
        .and_where(performance_goal::Column::CycleId.eq(cycle_id))
        .group_by_col(performance_goal::Column::Status)
        .to_owned();
    StatusCount::find_by_statement(conn.get_database_backend().build(&query))
        .all(conn)
        .await?
        .into_iter()
        .map(|row| {
            Ok((
                GoalStatus::from_stored(&row.status)?,
                u64::try_from(row.count).unwrap_or(0),
            ))
        })
        .collect()
}

/// The owner reports progress (0–100) with a dated note; the history is kept.
pub async fn report_progress(
    db: &Db,
    actor: &Actor,
    goal_id: i32,
    progress: Option<i64>,
    note: Option<&str>,
    noted_on: Option<NaiveDate>,
) -> AppResult<Goal> {
    let (_, subject) = load(db, actor, goal_id).await?;
    policy::check(actor.principal(), Action::WriteOwnRecords(&subject))?;
    let mut errors = Errors::default();
    let today = Utc::now().date_naive();
    let noted_on = noted_on.unwrap_or(today);
    let report = parse_progress(progress, note, noted_on, today, &mut errors);
    let txn = db.write().await?;
    txn.lock(&[format!("goal:{goal_id}")]).await?;
    let row = performance_goal::Entity::find_by_id(goal_id)
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound)?;
    let cycle = cycles::find_or_404(&txn, row.cycle_id).await?;
    if noted_on <= today && !cycle.contains(noted_on) {
        errors.add(
            "noted_on",
            format!(
                "Choose a date within the cycle, {} to {}.",
                cycle.starts_on, cycle.ends_on
            ),
        );
    }
    let Some(report) = report else {
        return Err(errors.into_error());
    };
    errors.finish()?;
    cycle.ensure_open()?;
    if !matches!(cycle.phase, Phase::InProgress | Phase::SelfEvaluation) {
        return Err(AppError::conflict(format!(
            "{} is in {}; progress is reported once the cycle is in progress.",
            cycle.name,
            cycle.phase.label().to_lowercase()
        )));
    }
    let status = status_of(&row)?;
    if !matches!(status, GoalStatus::Agreed | GoalStatus::InProgress) {
        return Err(AppError::conflict(format!(
            "This goal is {}; progress is reported on agreed goals.",
            status.label().to_lowercase()
        )));
    }
    let progress = report.progress.to_i16();
    let now = Utc::now();
    goal_progress_note::ActiveModel {
        goal_id: Set(goal_id),
        progress: Set(progress),
        note: Set(report.note.into_string()),
        noted_on: Set(report.noted_on),
        author_id: Set(actor.person_id),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let mut model: performance_goal::ActiveModel = row.into();
    model.progress = Set(progress);
    model.status = Set(GoalStatus::InProgress.as_str().to_owned());
    model.updated_at = Set(now);
    let row = model.update(&txn).await?;
    txn.commit().await?;
    hydrate_one(db.conn(), row).await
}

/// Ends a goal with its outcome. The owner records achieved, partially achieved or not
/// achieved once it is under way; the owner or a manager may drop a goal that is not over.
pub async fn set_outcome(db: &Db, actor: &Actor, goal_id: i32, outcome: &str) -> AppResult<Goal> {
    let (_, subject) = load(db, actor, goal_id).await?;
    let mut errors = Errors::default();
    let Some(outcome) = errors.check("status", GoalStatus::parse_outcome(outcome)) else {
        return Err(errors.into_error());
    };
    if outcome == GoalStatus::Dropped
        && policy::allows(actor.principal(), Action::ReviewPrivateRecords(&subject))
    {
        // a manager or the cio may drop
    } else {
        policy::check(actor.principal(), Action::WriteOwnRecords(&subject))?;
    }
    let txn = db.write().await?;
    txn.lock(&[format!("goal:{goal_id}")]).await?;
    let row = performance_goal::Entity::find_by_id(goal_id)
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound)?;
    cycles::find_or_404(&txn, row.cycle_id)
        .await?
        .ensure_open()?;
    let status = status_of(&row)?;
    let allowed = match outcome {
        GoalStatus::Dropped => !status.is_final(),
        _ => matches!(status, GoalStatus::Agreed | GoalStatus::InProgress),
    };
    if !allowed {
        return Err(AppError::conflict(format!(
            "This goal is {}; it cannot become {}.",
            status.label().to_lowercase(),
            outcome.label().to_lowercase()
        )));
    }
    let row = apply_outcome(&txn, row, outcome).await?;
    tallies::refresh(&txn, &[share_of(&row)]).await?;
    txn.commit().await?;
    hydrate_one(db.conn(), row).await
}

async fn apply_outcome(
    txn: &WriteTxn,
    row: performance_goal::Model,
    outcome: GoalStatus,
) -> AppResult<performance_goal::Model> {
    let mut model: performance_goal::ActiveModel = row.into();
    model.status = Set(outcome.as_str().to_owned());
    if outcome == GoalStatus::Achieved {
        model.progress = Set(100);
    }
    model.updated_at = Set(Utc::now());
    Ok(model.update(txn).await?)
}

/// Records the outcomes a person gave in their submitted self-evaluation (part of the
/// submit transaction). The year-end statement wins over an outcome set before it, so a
/// resubmission after a reopen updates them; goals never agreed, or dropped, stay as they are.
pub async fn record_outcomes(txn: &WriteTxn, outcomes: &[(i32, GoalStatus)]) -> AppResult<()> {
    let mut touched = Vec::new();
    for (goal_id, outcome) in outcomes {
        if let Some(row) = performance_goal::Entity::find_by_id(*goal_id)
            .one(txn)
            .await?
            && !matches!(status_of(&row)?, GoalStatus::Proposed | GoalStatus::Dropped)
        {
            touched.push(share_of(&apply_outcome(txn, row, *outcome).await?));
        }
    }
    tallies::refresh(txn, &touched).await
}

/// Counts the plan coverage of these people's goals in a cycle afresh, after goals were
/// written there without it (`insert_carried`).
pub async fn count_outcomes(txn: &WriteTxn, cycle_id: i32, person_ids: &[i32]) -> AppResult<()> {
    tallies::refresh_people(txn, cycle_id, person_ids).await
}

/// Gives one goal to many people at once: a list of people, a team, or both. Everyone
/// listed must be someone the actor manages (or the actor is the cio); a team stands for
/// the members the actor manages. The goals are created agreed at `now`, all in one
/// transaction, or none at all.
pub async fn assign(
    db: &Db,
    actor: &Actor,
    cycle_id: i32,
    who: Assignees,
    input: GoalInput,
    now: DateTime<Utc>,
) -> AppResult<Vec<Goal>> {
    let mut errors = Errors::default();
    let (objective_id, skill_id, due_on) = (input.objective_id, input.skill_id, input.due_on);
    let new = input.parse_new(&mut errors);
    let group = who.parse(&mut errors);
    let txn = db.write().await?;
    let cycle = cycles::find_or_404(&txn, cycle_id).await?;
    let objective_id = check_objective(&txn, &cycle, objective_id, &mut errors).await?;
    check_skill(&txn, skill_id, &mut errors).await?;
    check_due(&cycle, due_on, &mut errors);
    let people_ids = match group {
        Some(group) => Some(assignable(&txn, actor, group, &mut errors).await?),
        None => None,
    };
    let (Some(new), Some(objective_id), Some(people_ids)) = (new, objective_id, people_ids) else {
        return Err(errors.into_error());
    };
    errors.finish()?;
    ensure_takes_new_goals(&cycle)?;
    let mut rows = Vec::with_capacity(people_ids.len());
    for person_id in people_ids {
        rows.push(
            insert(
                &txn,
                actor,
                Placement {
                    cycle_id,
                    person_id,
                    objective_id,
                },
                &new,
                GoalStatus::Agreed,
                now,
            )
            .await?,
        );
    }
    let touched: Vec<_> = rows.iter().map(share_of).collect();
    tallies::refresh(&txn, &touched).await?;
    txn.commit().await?;
    hydrate(db.conn(), rows).await
}

/// The people a group assignment gives the goal to, each once: those listed and the
/// members of the team whom the actor manages. Anyone who cannot be given goals, or whom
/// the actor does not manage, is recorded against `person_ids` (a team the actor manages
/// nobody in, against `team`); the list is answered even then, the errors decide.
async fn assignable(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    group: Group,
    errors: &mut Errors,
) -> AppResult<Vec<i32>> {
    let mut people_ids = group.person_ids;
    if let Some(team) = group.team {
        let members = person::Entity::find()
            .filter(person::Column::Team.eq(team.as_str()))
            .filter(person::Column::Active.eq(true))
            .filter(person::Column::Role.ne(people::Role::Advisor.as_str()))
            .all(conn)
            .await?;
        // A team means the members the actor manages (all of them, for the cio); the
        // actor's own goals are not theirs to assign.
        let mut managed = 0;
        for member in members.iter().filter(|m| m.id != actor.person_id) {
            let subject = people::subject(conn, member.id).await?;
            if policy::allows(actor.principal(), Action::ReviewPrivateRecords(&subject)) {
                people_ids.push(member.id);
                managed += 1;
            }
        }
        if managed == 0 {
            errors.add(
                "team",
                format!("You manage nobody active in the team {team:?}."),
            );
        }
    }
    people_ids.sort_unstable();
    people_ids.dedup();
    let found = person::Entity::find()
        .filter(person::Column::Id.is_in(people_ids.clone()))
        .all(conn)
        .await?;
    for id in &people_ids {
        let Some(person) = found.iter().find(|p| p.id == *id) else {
            errors.add("person_ids", format!("There is no person with id {id}."));
            continue;
        };
        let subject = people::subject(conn, *id).await?;
        if !person.active || person.role == people::Role::Advisor.as_str() {
            errors.add(
                "person_ids",
                format!("{} cannot be given goals.", person.name),
            );
        } else if !policy::allows(actor.principal(), Action::ReviewPrivateRecords(&subject)) {
            errors.add("person_ids", format!("You do not manage {}.", person.name));
        }
    }
    Ok(people_ids)
}

/// One person's goals linked to one objective in one cycle, and how many of them are
/// achieved; dropped goals do not count. The plan adds these up per cycle and over all
/// cycles, and needs to know whose they are to keep small groups private.
#[derive(Debug, Clone, Copy, PartialEq, Eq, FromQueryResult)]
pub struct CoverageShare {
    pub objective_id: i32,
    pub cycle_id: i32,
    pub person_id: i32,
    pub linked: i64,
    pub achieved: i64,
}

/// The coverage of each of `objective_ids` (a plan's) by person and cycle, in one
/// aggregate query. Objectives nobody links are left out.
pub async fn coverage(
    conn: &impl ConnectionTrait,
    objective_ids: &[i32],
) -> AppResult<Vec<CoverageShare>> {
    if objective_ids.is_empty() {
        return Ok(Vec::new());
    }
    let g = performance_goal::Column::Status;
    let query = Query::select()
        .column(performance_goal::Column::ObjectiveId)
        .column(performance_goal::Column::CycleId)
        .column(performance_goal::Column::PersonId)
        .expr_as(Expr::cust("COUNT(*)"), "linked")
        .expr_as(
            Expr::case(g.eq(GoalStatus::Achieved.as_str()), 1)
                .finally(0)
                .sum(),
            "achieved",
        )
        .from(performance_goal::Entity)
        .and_where(performance_goal::Column::ObjectiveId.is_in(objective_ids.iter().copied()))
        .and_where(g.ne(GoalStatus::Dropped.as_str()))
        .group_by_col(performance_goal::Column::ObjectiveId)
        .group_by_col(performance_goal::Column::CycleId)
        .group_by_col(performance_goal::Column::PersonId)
        .to_owned();
    Ok(
        CoverageShare::find_by_statement(conn.get_database_backend().build(&query))
            .all(conn)
            .await?,
    )
}

/// One person's goals linked to one objective in one cycle by outcome (dropped goals do
/// not count; `linked` minus the three outcomes are the goals still open). The summaries
/// add these up per period and cut, knowing whose they are to keep small groups private.
#[derive(Debug, Clone, Copy, PartialEq, Eq, FromQueryResult)]
pub struct OutcomeShare {
    pub objective_id: i32,
    pub cycle_id: i32,
    pub person_id: i32,
    pub linked: i64,
    pub achieved: i64,
    pub partially: i64,
    pub not_achieved: i64,
}

/// The people whose goals in one cycle link one objective with the same outcomes (see
/// `OutcomeShare`): how many, and who, when fewer than the `list_below` asked of
/// `outcomes_grouped`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutcomeGroup {
    pub objective_id: i32,
    pub cycle_id: i32,
    pub linked: i64,
    pub achieved: i64,
    pub partially: i64,
    pub not_achieved: i64,
    pub people: i64,
    pub listed: Option<Vec<i32>>,
}

#[derive(FromQueryResult)]
struct OutcomeGroupRow {
    objective_id: i32,
    cycle_id: i32,
    linked: i64,
    achieved: i64,
    partially: i64,
    not_achieved: i64,
    people: i64,
    listed: Option<String>,
}

/// The goals of `cycle_ids` by objective, cycle, person and outcome, grouped: per
/// objective, cycle and outcomes, how many people, listed (by id, ascending) when fewer
/// than `list_below`; and the shares of `people` (the reader's own) one by one. Read from
/// the maintained tallies (`tallies`): a few hundred groups, each small group's members
/// one index seek, whatever the department's size. Two queries (no policy: the caller
/// decides what a reader sees).
pub async fn outcomes_grouped(
    conn: &impl ConnectionTrait,
    cycle_ids: &[i32],
    people: &[i32],
    list_below: i64,
) -> AppResult<(Vec<OutcomeGroup>, Vec<OutcomeShare>)> {
    if cycle_ids.is_empty() {
        return Ok((Vec::new(), Vec::new()));
    }
    let backend = conn.get_database_backend();
    let mut p = crate::db::Params::new();
    let cycles = p.bind_all(cycle_ids.iter().copied());
    let below = p.bind(list_below);
    let listed = crate::db::id_list(backend, "s.person_id");
    let sql = format!(
        "SELECT t.objective_id, t.cycle_id, t.linked, t.achieved, t.partially, t.not_achieved,
                t.people,
                CASE WHEN t.people < {below} THEN
                    (SELECT {listed} FROM goal_outcome_shares s
                     WHERE s.cycle_id = t.cycle_id AND s.objective_id = t.objective_id
                       AND s.linked = t.linked AND s.achieved = t.achieved
                       AND s.partially = t.partially AND s.not_achieved = t.not_achieved)
                END AS listed
         FROM goal_outcome_tallies t
         WHERE t.cycle_id IN ({cycles})
         ORDER BY t.objective_id, t.cycle_id, t.linked, t.achieved, t.partially, t.not_achieved"
    );
    let groups = OutcomeGroupRow::find_by_statement(p.statement(backend, sql))
        .all(conn)
        .await?
        .into_iter()
        .map(|g| OutcomeGroup {
            objective_id: g.objective_id,
            cycle_id: g.cycle_id,
            linked: g.linked,
            achieved: g.achieved,
            partially: g.partially,
            not_achieved: g.not_achieved,
            people: g.people,
            listed: g.listed.map(|ids| {
                let mut ids = crate::db::listed_ids(&ids);
                ids.sort_unstable();
                ids
            }),
        })
        .collect();
    let one_by_one = if people.is_empty() {
        Vec::new()
    } else {
        let mut p = crate::db::Params::new();
        let cycles = p.bind_all(cycle_ids.iter().copied());
        let list = p.bind_all(people.iter().copied());
        let sql = format!(
            "SELECT objective_id, cycle_id, person_id, linked, achieved, partially, not_achieved
             FROM goal_outcome_shares
             WHERE cycle_id IN ({cycles}) AND person_id IN ({list})
             ORDER BY objective_id, cycle_id, person_id"
        );
        OutcomeShare::find_by_statement(p.statement(backend, sql))
            .all(conn)
            .await?
    };
    Ok((groups, one_by_one))
}

/// How many goals (dropped ones too) link an objective: the plan keeps a linked objective.
pub async fn count_by_objective(conn: &impl ConnectionTrait, objective_id: i32) -> AppResult<u64> {
    Ok(performance_goal::Entity::find()
        .filter(performance_goal::Column::ObjectiveId.eq(objective_id))
        .count(conn)
        .await?)
}

/// How many goals (dropped ones too) name a skill: the catalog keeps a skill in use.
pub async fn count_by_skill(conn: &impl ConnectionTrait, skill_id: i32) -> AppResult<u64> {
    Ok(performance_goal::Entity::find()
        .filter(performance_goal::Column::SkillId.eq(skill_id))
        .count(conn)
        .await?)
}

/// A person's goals in a cycle that are not dropped, oldest first, for other areas (no
/// policy: the caller has checked who may read them). A fixed number of queries.
pub async fn standing_in_cycle(
    conn: &impl ConnectionTrait,
    cycle_id: i32,
    person_id: i32,
) -> AppResult<Vec<Goal>> {
    let rows = performance_goal::Entity::find()
        .filter(performance_goal::Column::CycleId.eq(cycle_id))
        .filter(performance_goal::Column::PersonId.eq(person_id))
        .filter(performance_goal::Column::Status.ne(GoalStatus::Dropped.as_str()))
        .order_by_asc(performance_goal::Column::Id)
        .all(conn)
        .await?;
    hydrate(conn, rows).await
}

/// The ids of all a person's goals in a cycle, dropped ones too (no policy).
pub async fn ids_in_cycle(
    conn: &impl ConnectionTrait,
    cycle_id: i32,
    person_id: i32,
) -> AppResult<Vec<i32>> {
    Ok(performance_goal::Entity::find()
        .select_only()
        .column(performance_goal::Column::Id)
        .filter(performance_goal::Column::CycleId.eq(cycle_id))
        .filter(performance_goal::Column::PersonId.eq(person_id))
        .into_tuple()
        .all(conn)
        .await?)
}

/// A goal as a team list shows it.
#[derive(Debug, Clone)]
pub struct GoalLine {
    pub id: i32,
    pub person_id: i32,
    pub title: String,
    pub objective_code: String,
    pub status: GoalStatus,
    pub progress: i16,
}

#[derive(FromQueryResult)]
struct GoalLineRow {
    id: i32,
    person_id: i32,
    objective_id: i32,
    title: String,
    status: String,
    progress: i16,
}

/// The goals in a cycle of the people below `within` in the chain (everyone's, with
/// `None`), `except` left out, by person and then oldest first (no policy: the caller
/// decides whose goals a reader sees). Three queries whatever their number: the goals and
/// the codes of their objectives.
pub async fn lines_in_cycle(
    conn: &impl ConnectionTrait,
    cycle_id: i32,
    within: Option<people::Below>,
    except: i32,
) -> AppResult<Vec<GoalLine>> {
    let mut query = Query::select();
    query
        .columns([
            performance_goal::Column::Id,
            performance_goal::Column::PersonId,
            performance_goal::Column::ObjectiveId,
            performance_goal::Column::Title,
            performance_goal::Column::Status,
            performance_goal::Column::Progress,
        ])
        .from(performance_goal::Entity)
        .and_where(performance_goal::Column::CycleId.eq(cycle_id))
        .and_where(performance_goal::Column::PersonId.ne(except))
        .order_by(performance_goal::Column::PersonId, Order::Asc)
        .order_by(performance_goal::Column::Id, Order::Asc);
    if let Some(below) = within {
        query.and_where(below.includes(Expr::col(performance_goal::Column::PersonId)));
    }
    let rows = GoalLineRow::find_by_statement(conn.get_database_backend().build(&query))
        .all(conn)
        .await?;
    let objectives = plan::objective_refs(conn, rows.iter().map(|r| r.objective_id)).await?;
    let mut lines = Vec::with_capacity(rows.len());
    for row in rows {
        // A goal always links an objective (a foreign key); the join this replaces
        // dropped any that did not, and so does this.
        let Some(objective) = objectives.get(&row.objective_id) else {
            continue;
        };
        lines.push(GoalLine {
            objective_code: objective.code.clone(),
            status: GoalStatus::from_stored(&row.status)?,
            id: row.id,
            person_id: row.person_id,
            title: row.title,
            progress: row.progress,
        });
    }
    Ok(lines)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_and_categories_are_words() {
        crate::validate::assert_labelled::<GoalStatus>();
        crate::validate::assert_labelled::<Category>();
        assert_eq!(GoalStatus::PartiallyAchieved.as_str(), "partially_achieved");
        assert_eq!(GoalStatus::InProgress.label(), "In progress");
        assert_eq!(
            Category::parse_word("fun"),
            Err("Choose one of: technical, communication, service, other.".to_owned())
        );
    }

    #[test]
    fn only_outcomes_are_final_and_parse_as_outcomes() {
        for status in GoalStatus::all() {
            let is_outcome = GoalStatus::OUTCOMES.contains(&status);
            assert_eq!(status.is_final(), is_outcome, "{status:?}");
            assert_eq!(
                GoalStatus::parse_outcome(status.as_str()).is_ok(),
                is_outcome,
                "{status:?}"
            );
        }
        assert_eq!(
            GoalStatus::parse_outcome(" dropped "),
            Ok(GoalStatus::Dropped)
        );
        assert_eq!(
            GoalStatus::parse_outcome("done"),
            Err("Choose one of: achieved, partially_achieved, not_achieved, dropped.".to_owned())
        );
    }

    fn fields(errors: &Errors) -> Vec<&str> {
        errors.0.iter().map(|e| e.field.as_str()).collect()
    }

    #[test]
    fn a_new_goal_names_every_bad_field_in_order() {
        let goal = |f: fn(&mut GoalInput)| {
            let mut input = GoalInput {
                title: Some("T".into()),
                category: Some("service".into()),
                ..GoalInput::default()
            };
            f(&mut input);
            input
        };
        let cases: [(GoalInput, &[&str]); 7] = [
            (GoalInput::default(), &["title", "category"]),
            (goal(|g| g.title = Some("x".repeat(201))), &["title"]),
            (
                goal(|g| g.description = Some("y".repeat(10_001))),
                &["description"],
            ),
            (goal(|g| g.category = Some("fun".into())), &["category"]),
            (goal(|g| g.skill_id = Some(1)), &["target_level"]),
            (goal(|g| g.target_level = Some(3)), &["skill_id"]),
            (
                goal(|g| {
                    g.skill_id = Some(1);
                    g.target_level = Some(6);
                }),
                &["target_level"],
            ),
        ];
        for (input, expected) in cases {
            let mut errors = Errors::default();
            assert!(input.clone().parse_new(&mut errors).is_none(), "{input:?}");
            assert_eq!(fields(&errors), expected, "{input:?}");
        }
        let mut errors = Errors::default();
        let new = goal(|g| {
            g.title = Some("  Answer faster ".into());
            g.skill_id = Some(4);
            g.target_level = Some(3);
        })
        .parse_new(&mut errors);
        assert!(errors.is_empty());
        let new = new.map(|n| {
            (
                n.title.into_string(),
                n.description.into_string(),
                n.category,
                n.development,
            )
        });
        assert_eq!(
            new,
            Some((
                "Answer faster".to_owned(),
                String::new(),
                Category::Service,
                Level::parse(3)
                    .ok()
                    .map(|level| DevelopmentTarget { skill_id: 4, level })
            ))
        );
    }

    #[test]
    fn goal_changes_leave_what_was_not_sent() {
        let mut errors = Errors::default();
        let changes = GoalInput {
            objective_id: Some(7),
            ..GoalInput::default()
        }
        .parse_changes(&mut errors)
        .map(|c| (c.objective_id, c.title.is_none(), c.category, c.development));
        assert_eq!(changes, Some((Some(7), true, None, None)));
        let changes = GoalInput {
            title: Some(" ".into()),
            category: Some("fun".into()),
            ..GoalInput::default()
        }
        .parse_changes(&mut errors);
        assert!(changes.is_none());
        assert_eq!(fields(&errors), ["title", "category"]);
    }

    #[test]
    fn a_progress_report_is_a_percentage_with_a_note_up_to_today() {
        let today = NaiveDate::from_ymd_opt(2027, 3, 1).unwrap();
        let tomorrow = today.succ_opt().unwrap();
        let cases: [(Option<i64>, &str, NaiveDate, &[&str]); 5] = [
            (None, "n", today, &["progress"]),
            (Some(101), "n", today, &["progress"]),
            (Some(-1), "n", today, &["progress"]),
            (Some(10), " ", today, &["note"]),
            (Some(10), "n", tomorrow, &["noted_on"]),
        ];
        for (progress, note, noted_on, expected) in cases {
            let mut errors = Errors::default();
            let report = parse_progress(progress, Some(note), noted_on, today, &mut errors);
            assert!(report.is_none(), "{progress:?} {note:?} {noted_on}");
            assert_eq!(
                fields(&errors),
                expected,
                "{progress:?} {note:?} {noted_on}"
            );
        }
        let mut errors = Errors::default();
        let report = parse_progress(Some(100), Some(" Done "), today, today, &mut errors)
            .map(|r| (r.progress.get(), r.note.into_string()));
        assert_eq!(report, Some((100, "Done".to_owned())));
    }

    #[test]
    fn a_group_names_someone() {
        let mut errors = Errors::default();
        let blank_team = Assignees {
            person_ids: Vec::new(),
            team: Some("  ".into()),
        };
        assert!(blank_team.parse(&mut errors).is_none());
        assert_eq!(fields(&errors), ["person_ids"]);
        let team = Assignees {
            person_ids: vec![3],
            team: Some(" Service Desk ".into()),
        }
        .parse(&mut errors)
        .map(|g| (g.person_ids, g.team));
        assert_eq!(team, Some((vec![3], Some("Service Desk".to_owned()))));
    }
}
