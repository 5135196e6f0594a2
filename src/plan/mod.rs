//! The strategic plan: its mission, vision and values, its ordered strategic goals and
//! their ordered objectives, and which objectives people are working on. The cio writes
//! it; everyone signed in reads it.

pub mod api;
pub mod pages;

use std::collections::HashMap;

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, PaginatorTrait,
    QueryFilter, QueryOrder, Set,
};

use crate::{
    auth::Actor,
    db::Db,
    entities::{objective, plan, strategic_goal},
    error::{AppError, AppResult},
    goals,
    policy::{self, Action},
    reviews,
    validate::{Errors, TEXT_MAX, TITLE_MAX},
};

pub const VALUES_MAX: usize = 20;
pub const VALUE_MAX: usize = 100;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlanStatus {
    Draft,
    Active,
    Archived,
}

impl PlanStatus {
    pub const OPTIONS: [(&'static str, PlanStatus); 3] = [
        ("draft", PlanStatus::Draft),
        ("active", PlanStatus::Active),
        ("archived", PlanStatus::Archived),
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            PlanStatus::Draft => "draft",
            PlanStatus::Active => "active",
            PlanStatus::Archived => "archived",
        }
    }

    fn from_db(value: &str) -> AppResult<PlanStatus> {
        Self::OPTIONS
            .iter()
            .find(|(word, _)| *word == value)
            .map(|(_, s)| *s)
            .ok_or_else(|| AppError::internal(anyhow::anyhow!("unknown plan status {value:?}")))
    }
}

#[derive(Debug, Clone)]
pub struct PlanSummary {
    pub id: i32,
    pub title: String,
    pub start_year: i32,
    pub end_year: i32,
    pub status: PlanStatus,
}

/// A plan with its tree and, per objective, how many goals are linked and achieved.
#[derive(Debug, Clone)]
pub struct Plan {
    pub summary: PlanSummary,
    pub mission: String,
    pub vision: String,
    pub values: Vec<String>,
    pub goals: Vec<StrategicGoal>,
}

#[derive(Debug, Clone)]
pub struct StrategicGoal {
    pub id: i32,
    pub code: String,
    pub title: String,
    pub description: String,
    pub objectives: Vec<Objective>,
}

#[derive(Debug, Clone)]
pub struct Objective {
    pub id: i32,
    pub code: String,
    pub title: String,
    pub measure: String,
    pub retired: bool,
    /// Goals linked (not counting dropped ones).
    pub linked_goals: i64,
    pub achieved_goals: i64,
    /// For readers who see aggregates only (advisors): the counts are withheld because
    /// fewer than this many people have goals here. Zero means nobody, and is shown.
    pub fewer_than: Option<i64>,
}

impl Objective {
    /// Nobody works on it: the plan page marks it.
    pub fn uncovered(&self) -> bool {
        self.linked_goals == 0 && self.fewer_than.is_none() && !self.retired
    }
}

/// An objective as other areas need it: which plan, whether retired, and its label.
#[derive(Debug, Clone)]
pub struct ObjectiveRef {
    pub id: i32,
    pub plan_id: i32,
    pub code: String,
    pub title: String,
    pub retired: bool,
}

/// A plan as typed: `None` leaves a field as it is (or empty, on creation).
#[derive(Debug, Clone, Default)]
pub struct PlanInput {
    pub title: Option<String>,
    pub start_year: Option<i32>,
    pub end_year: Option<i32>,
    pub mission: Option<String>,
    pub vision: Option<String>,
    pub values: Option<Vec<String>>,
    pub status: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct PartInput {
    pub title: Option<String>,
    /// The description of a strategic goal, or the measure of an objective.
    pub detail: Option<String>,
    /// 1-based place among its siblings.
    pub position: Option<i32>,
    /// Objectives only.
    pub retired: Option<bool>,
}

pub fn goal_code(number: i32) -> String {
    format!("G{number}")
}

pub fn objective_code(goal_number: i32, number: i32) -> String {
    format!("G{goal_number}.{number}")
}

fn summary(model: &plan::Model) -> AppResult<PlanSummary> {
    Ok(PlanSummary {
        id: model.id,
        title: model.title.clone(),
        start_year: model.start_year,
        end_year: model.end_year,
        status: PlanStatus::from_db(&model.status)?,
    })
}

fn split_values(values: &str) -> Vec<String> {
    values
        .lines()
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Whether the actor may change the plan and run the cycles (for showing the forms).
pub fn may_manage(actor: &Actor) -> bool {
    policy::allows(actor.principal(), Action::ManagePlan)
}

/// Refuses unless the actor may change the plan (for the forms' GET pages).
pub fn authorize_manage(actor: &Actor) -> AppResult<()> {
    policy::check(actor.principal(), Action::ManagePlan)
}

pub async fn list(db: &Db, actor: &Actor) -> AppResult<Vec<PlanSummary>> {
    policy::check(actor.principal(), Action::ReadPlan)?;
    plan::Entity::find()
        .order_by_desc(plan::Column::StartYear)
        .order_by_desc(plan::Column::Id)
        .all(db.conn())
        .await?
        .iter()
        .map(summary)
        .collect()
}

/// A plan's summary by id, for other areas (no policy: every reader may read the plan).
pub async fn summary_of(conn: &impl ConnectionTrait, id: i32) -> AppResult<Option<PlanSummary>> {
    plan::Entity::find_by_id(id)
        .one(conn)
        .await?
        .as_ref()
        .map(summary)
        .transpose()
}

/// Every plan's summary, in no particular order, for other areas (no policy).
pub async fn summaries(conn: &impl ConnectionTrait) -> AppResult<Vec<PlanSummary>> {
    plan::Entity::find()
        .all(conn)
        .await?
        .iter()
        .map(summary)
        .collect()
}

/// The plan currently in force, if any.
pub async fn active_id(conn: &impl ConnectionTrait) -> AppResult<Option<i32>> {
    Ok(plan::Entity::find()
        .filter(plan::Column::Status.eq(PlanStatus::Active.as_str()))
        .one(conn)
        .await?
        .map(|p| p.id))
}

/// A plan with its tree and coverage, in four queries whatever its size: the plan, its
/// strategic goals, its objectives, and one aggregate over the linked goals. With
/// `cycle_id`, coverage counts that cycle's goals only. Readers who see aggregates only
/// get no counts for objectives that fewer than `k` people work on.
pub async fn get(
    db: &Db,
    actor: &Actor,
    id: i32,
    cycle_id: Option<i32>,
    k: i64,
) -> AppResult<Plan> {
    policy::check(actor.principal(), Action::ReadPlan)?;
    let conn = db.conn();
    let model = plan::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or(AppError::NotFound)?;
    let goals = strategic_goal::Entity::find()
        .filter(strategic_goal::Column::PlanId.eq(id))
        .order_by_asc(strategic_goal::Column::Position)
        .order_by_asc(strategic_goal::Column::Id)
        .all(conn)
        .await?;
    let objectives = objective::Entity::find()
        .filter(objective::Column::PlanId.eq(id))
        .order_by_asc(objective::Column::Position)
        .order_by_asc(objective::Column::Id)
        .all(conn)
        .await?;
    let exact = policy::allows(actor.principal(), Action::ViewGoalCounts);
    let objective_ids: Vec<i32> = objectives.iter().map(|o| o.id).collect();
    let coverage = goals::coverage(conn, &objective_ids, cycle_id).await?;

    let mut by_goal: HashMap<i32, Vec<Objective>> = HashMap::new();
    let numbers: HashMap<i32, i32> = goals.iter().map(|g| (g.id, g.number)).collect();
    for o in objectives {
        let goals::Coverage {
            linked,
            achieved,
            people,
        } = coverage.get(&o.id).copied().unwrap_or_default();
        let withheld = !exact && people > 0 && people < k;
        let goal_number = numbers
            .get(&o.strategic_goal_id)
            .copied()
            .unwrap_or_default();
        by_goal
            .entry(o.strategic_goal_id)
            .or_default()
            .push(Objective {
                id: o.id,
                code: objective_code(goal_number, o.number),
                title: o.title,
                measure: o.measure,
                retired: o.retired,
                linked_goals: if withheld { 0 } else { linked },
                achieved_goals: if withheld { 0 } else { achieved },
                fewer_than: withheld.then_some(k),
            });
    }
    Ok(Plan {
        summary: summary(&model)?,
        mission: model.mission,
        vision: model.vision,
        values: split_values(&model.values),
        goals: goals
            .into_iter()
            .map(|g| StrategicGoal {
                code: goal_code(g.number),
                objectives: by_goal.remove(&g.id).unwrap_or_default(),
                id: g.id,
                title: g.title,
                description: g.description,
            })
            .collect(),
    })
}

/// The values of the active plan (kudos tags, the portal).
pub async fn active_values(db: &Db) -> AppResult<Vec<String>> {
    Ok(plan::Entity::find()
        .filter(plan::Column::Status.eq(PlanStatus::Active.as_str()))
        .one(db.conn())
        .await?
        .map(|p| split_values(&p.values))
        .unwrap_or_default())
}

struct ValidPlan {
    title: Option<String>,
    start_year: Option<i32>,
    end_year: Option<i32>,
    mission: Option<String>,
    vision: Option<String>,
    values: Option<String>,
    status: Option<PlanStatus>,
}

fn validate_plan(input: &PlanInput, creating: bool, errors: &mut Errors) -> ValidPlan {
    let title = if creating || input.title.is_some() {
        errors.required("title", input.title.as_deref(), TITLE_MAX)
    } else {
        None
    };
    let mut year = |field: &str, value: Option<i32>| -> Option<i32> {
        match value {
            Some(y) => errors.in_range(field, y, 2000, 2100),
            None if creating => errors.present(field, None),
            None => None,
        }
    };
    let start_year = year("start_year", input.start_year);
    let end_year = year("end_year", input.end_year);
    let values = input.values.as_ref().and_then(|values| {
        let cleaned: Vec<String> = values
            .iter()
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
            .collect();
        if cleaned.len() > VALUES_MAX {
            errors.add("values", format!("List at most {VALUES_MAX} values."));
            None
        } else if cleaned.iter().any(|v| {
            v.chars().count() > VALUE_MAX
                || v.contains(['\n', '\r'])
                || v.chars().any(crate::validate::unprintable)
        }) {
            errors.add(
                "values",
                format!("Keep each value to one line of at most {VALUE_MAX} characters."),
            );
            None
        } else {
            Some(cleaned.join("\n"))
        }
    });
    ValidPlan {
        title,
        start_year,
        end_year,
        mission: input
            .mission
            .as_deref()
            .and_then(|m| errors.optional("mission", Some(m), TEXT_MAX)),
        vision: input
            .vision
            .as_deref()
            .and_then(|v| errors.optional("vision", Some(v), TEXT_MAX)),
        values,
        status: input
            .status
            .as_deref()
            .and_then(|s| errors.one_of("status", Some(s), &PlanStatus::OPTIONS)),
    }
}

/// Makes `id` the active plan, archiving the one in force before.
async fn activate(conn: &impl ConnectionTrait, id: i32) -> AppResult<()> {
    plan::Entity::update_many()
        .col_expr(
            plan::Column::Status,
            sea_orm::prelude::Expr::value(PlanStatus::Archived.as_str()),
        )
        .col_expr(
            plan::Column::UpdatedAt,
            sea_orm::prelude::Expr::value(Utc::now()),
        )
        .filter(plan::Column::Status.eq(PlanStatus::Active.as_str()))
        .filter(plan::Column::Id.ne(id))
        .exec(conn)
        .await?;
    Ok(())
}

pub async fn create(db: &Db, actor: &Actor, input: PlanInput) -> AppResult<PlanSummary> {
    policy::check(actor.principal(), Action::ManagePlan)?;
    let mut errors = Errors::default();
    let valid = validate_plan(&input, true, &mut errors);
    if let (Some(start), Some(end)) = (valid.start_year, valid.end_year)
        && end < start
    {
        errors.add("end_year", "The plan cannot end before it starts.");
    }
    errors.finish()?;
    let (Some(title), Some(start_year), Some(end_year)) =
        (valid.title, valid.start_year, valid.end_year)
    else {
        return Err(AppError::internal(anyhow::anyhow!(
            "validated plan fields missing"
        )));
    };
    let status = valid.status.unwrap_or(PlanStatus::Draft);
    let now = Utc::now();
    let txn = db.write().await?;
    // Activation reads the plan in force and archives it; one at a time.
    txn.lock(&["plans"]).await?;
    let model = plan::ActiveModel {
        title: Set(title),
        start_year: Set(start_year),
        end_year: Set(end_year),
        mission: Set(valid.mission.unwrap_or_default()),
        vision: Set(valid.vision.unwrap_or_default()),
        values: Set(valid.values.unwrap_or_default()),
        status: Set(status.as_str().to_owned()),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&*txn)
    .await?;
    if status == PlanStatus::Active {
        activate(&*txn, model.id).await?;
    }
    txn.commit().await?;
    summary(&model)
}

pub async fn update(db: &Db, actor: &Actor, id: i32, input: PlanInput) -> AppResult<PlanSummary> {
    policy::check(actor.principal(), Action::ManagePlan)?;
    let mut errors = Errors::default();
    let valid = validate_plan(&input, false, &mut errors);
    let txn = db.write().await?;
    txn.lock(&["plans"]).await?;
    let existing = plan::Entity::find_by_id(id)
        .one(&*txn)
        .await?
        .ok_or(AppError::NotFound)?;
    let start = valid.start_year.unwrap_or(existing.start_year);
    let end = valid.end_year.unwrap_or(existing.end_year);
    if errors.is_empty() && end < start {
        errors.add("end_year", "The plan cannot end before it starts.");
    }
    errors.finish()?;
    let current = PlanStatus::from_db(&existing.status)?;
    if current == PlanStatus::Archived && valid.status != Some(PlanStatus::Active) {
        return Err(AppError::conflict(
            "This plan is archived and read-only; make it active again to change it.",
        ));
    }
    if current != PlanStatus::Draft && valid.status == Some(PlanStatus::Draft) {
        return Err(AppError::conflict_on(
            "status",
            "A plan that has been in force cannot go back to draft.",
        ));
    }
    let mut model: plan::ActiveModel = existing.into();
    if let Some(title) = valid.title {
        model.title = Set(title);
    }
    model.start_year = Set(start);
    model.end_year = Set(end);
    if let Some(mission) = valid.mission {
        model.mission = Set(mission);
    }
    if let Some(vision) = valid.vision {
        model.vision = Set(vision);
    }
    if let Some(values) = valid.values {
        model.values = Set(values);
    }
    if let Some(status) = valid.status {
        model.status = Set(status.as_str().to_owned());
    }
    model.updated_at = Set(Utc::now());
    let model = model.update(&*txn).await?;
    if valid.status == Some(PlanStatus::Active) {
        activate(&*txn, id).await?;
    }
    txn.commit().await?;
    summary(&model)
}

async fn editable_plan(conn: &impl ConnectionTrait, plan_id: i32) -> AppResult<plan::Model> {
    let model = plan::Entity::find_by_id(plan_id)
        .one(conn)
        .await?
        .ok_or(AppError::NotFound)?;
    if model.status == PlanStatus::Archived.as_str() {
        return Err(AppError::conflict("This plan is archived and read-only."));
    }
    Ok(model)
}

/// Moves `id` to the 1-based `position` among `siblings` (in their current order) and
/// rewrites every sibling's position.
fn reorder(mut siblings: Vec<i32>, id: i32, position: i32) -> Vec<(i32, i32)> {
    siblings.retain(|s| *s != id);
    let index = usize::try_from(position.max(1) - 1)
        .unwrap_or(0)
        .min(siblings.len());
    siblings.insert(index, id);
    siblings.into_iter().zip(1..).collect()
}

pub async fn add_goal(db: &Db, actor: &Actor, plan_id: i32, input: PartInput) -> AppResult<i32> {
    policy::check(actor.principal(), Action::ManagePlan)?;
    let mut errors = Errors::default();
    let title = errors.required("title", input.title.as_deref(), TITLE_MAX);
    let description = errors.optional("description", input.detail.as_deref(), TEXT_MAX);
    errors.finish()?;
    let txn = db.write().await?;
    editable_plan(&*txn, plan_id).await?;
    let existing = strategic_goal::Entity::find()
        .filter(strategic_goal::Column::PlanId.eq(plan_id))
        .all(&*txn)
        .await?;
    let number = existing.iter().map(|g| g.number).max().unwrap_or(0) + 1;
    let position = existing.iter().map(|g| g.position).max().unwrap_or(0) + 1;
    let model = strategic_goal::ActiveModel {
        plan_id: Set(plan_id),
        number: Set(number),
        position: Set(position),
        title: Set(title.unwrap_or_default()),
        description: Set(description.unwrap_or_default()),
        ..Default::default()
    }
    .insert(&*txn)
    .await?;
    txn.commit().await?;
    Ok(model.id)
}

pub async fn update_goal(db: &Db, actor: &Actor, goal_id: i32, input: PartInput) -> AppResult<()> {
    policy::check(actor.principal(), Action::ManagePlan)?;
    let mut errors = Errors::default();
    let title = input
        .title
        .as_deref()
        .and_then(|t| errors.required("title", Some(t), TITLE_MAX));
    let description = input
        .detail
        .as_deref()
        .and_then(|d| errors.optional("description", Some(d), TEXT_MAX));
    errors.finish()?;
    let txn = db.write().await?;
    let goal = strategic_goal::Entity::find_by_id(goal_id)
        .one(&*txn)
        .await?
        .ok_or(AppError::NotFound)?;
    editable_plan(&*txn, goal.plan_id).await?;
    if let Some(position) = input.position {
        let siblings = strategic_goal::Entity::find()
            .filter(strategic_goal::Column::PlanId.eq(goal.plan_id))
            .order_by_asc(strategic_goal::Column::Position)
            .order_by_asc(strategic_goal::Column::Id)
            .all(&*txn)
            .await?;
        for (id, place) in reorder(siblings.iter().map(|g| g.id).collect(), goal_id, position) {
            strategic_goal::Entity::update_many()
                .col_expr(
                    strategic_goal::Column::Position,
                    sea_orm::prelude::Expr::value(place),
                )
                .filter(strategic_goal::Column::Id.eq(id))
                .exec(&*txn)
                .await?;
        }
    }
    let mut model: strategic_goal::ActiveModel = strategic_goal::Entity::find_by_id(goal_id)
        .one(&*txn)
        .await?
        .ok_or(AppError::NotFound)?
        .into();
    if let Some(title) = title {
        model.title = Set(title);
    }
    if let Some(description) = description {
        model.description = Set(description);
    }
    model.update(&*txn).await?;
    txn.commit().await
}

pub async fn delete_goal(db: &Db, actor: &Actor, goal_id: i32) -> AppResult<()> {
    policy::check(actor.principal(), Action::ManagePlan)?;
    let txn = db.write().await?;
    let goal = strategic_goal::Entity::find_by_id(goal_id)
        .one(&*txn)
        .await?
        .ok_or(AppError::NotFound)?;
    editable_plan(&*txn, goal.plan_id).await?;
    let objectives = objective::Entity::find()
        .filter(objective::Column::StrategicGoalId.eq(goal_id))
        .count(&*txn)
        .await?;
    if objectives > 0 {
        return Err(AppError::conflict(format!(
            "{} still has {objectives} objective(s); delete or move them first.",
            goal_code(goal.number)
        )));
    }
    strategic_goal::Entity::delete_by_id(goal_id)
        .exec(&*txn)
        .await?;
    txn.commit().await
}

pub async fn add_objective(
    db: &Db,
    actor: &Actor,
    goal_id: i32,
    input: PartInput,
) -> AppResult<i32> {
    policy::check(actor.principal(), Action::ManagePlan)?;
    let mut errors = Errors::default();
    let title = errors.required("title", input.title.as_deref(), TITLE_MAX);
    let measure = errors.optional("measure", input.detail.as_deref(), TEXT_MAX);
    errors.finish()?;
    let txn = db.write().await?;
    let goal = strategic_goal::Entity::find_by_id(goal_id)
        .one(&*txn)
        .await?
        .ok_or(AppError::NotFound)?;
    editable_plan(&*txn, goal.plan_id).await?;
    let siblings = objective::Entity::find()
        .filter(objective::Column::StrategicGoalId.eq(goal_id))
        .all(&*txn)
        .await?;
    let model = objective::ActiveModel {
        plan_id: Set(goal.plan_id),
        strategic_goal_id: Set(goal_id),
        number: Set(siblings.iter().map(|o| o.number).max().unwrap_or(0) + 1),
        position: Set(siblings.iter().map(|o| o.position).max().unwrap_or(0) + 1),
        title: Set(title.unwrap_or_default()),
        measure: Set(measure.unwrap_or_default()),
        retired: Set(false),
        ..Default::default()
    }
    .insert(&*txn)
    .await?;
    txn.commit().await?;
    Ok(model.id)
}

pub async fn update_objective(
    db: &Db,
    actor: &Actor,
    objective_id: i32,
    input: PartInput,
) -> AppResult<()> {
    policy::check(actor.principal(), Action::ManagePlan)?;
    let mut errors = Errors::default();
    let title = input
        .title
        .as_deref()
        .and_then(|t| errors.required("title", Some(t), TITLE_MAX));
    let measure = input
        .detail
        .as_deref()
        .and_then(|m| errors.optional("measure", Some(m), TEXT_MAX));
    errors.finish()?;
    let txn = db.write().await?;
    let existing = objective::Entity::find_by_id(objective_id)
        .one(&*txn)
        .await?
        .ok_or(AppError::NotFound)?;
    editable_plan(&*txn, existing.plan_id).await?;
    if let Some(position) = input.position {
        let siblings = objective::Entity::find()
            .filter(objective::Column::StrategicGoalId.eq(existing.strategic_goal_id))
            .order_by_asc(objective::Column::Position)
            .order_by_asc(objective::Column::Id)
            .all(&*txn)
            .await?;
        for (id, place) in reorder(
            siblings.iter().map(|o| o.id).collect(),
            objective_id,
            position,
        ) {
            objective::Entity::update_many()
                .col_expr(
                    objective::Column::Position,
                    sea_orm::prelude::Expr::value(place),
                )
                .filter(objective::Column::Id.eq(id))
                .exec(&*txn)
                .await?;
        }
    }
    let mut model: objective::ActiveModel = objective::Entity::find_by_id(objective_id)
        .one(&*txn)
        .await?
        .ok_or(AppError::NotFound)?
        .into();
    if let Some(title) = title {
        model.title = Set(title);
    }
    if let Some(measure) = measure {
        model.measure = Set(measure);
    }
    if let Some(retired) = input.retired {
        model.retired = Set(retired);
    }
    model.update(&*txn).await?;
    txn.commit().await
}

/// Deletes an objective nobody has linked anything to; a linked one can only be retired.
pub async fn delete_objective(db: &Db, actor: &Actor, objective_id: i32) -> AppResult<()> {
    policy::check(actor.principal(), Action::ManagePlan)?;
    let txn = db.write().await?;
    let existing = objective::Entity::find_by_id(objective_id)
        .one(&*txn)
        .await?
        .ok_or(AppError::NotFound)?;
    editable_plan(&*txn, existing.plan_id).await?;
    let goals = goals::count_by_objective(&*txn, objective_id).await?;
    let proposals = reviews::count_proposals_for_objective(&*txn, objective_id).await?;
    if goals + proposals > 0 {
        return Err(AppError::conflict(format!(
            "{} goal(s) are linked to this objective, so it cannot be deleted; retire it instead.",
            goals + proposals
        )));
    }
    objective::Entity::delete_by_id(objective_id)
        .exec(&*txn)
        .await?;
    txn.commit().await
}

/// A strategic goal or an objective as its edit form shows it.
#[derive(Debug, Clone)]
pub struct Part {
    pub plan_id: i32,
    pub title: String,
    /// The description of a strategic goal, or the measure of an objective.
    pub detail: String,
}

pub async fn strategic_goal_part(db: &Db, actor: &Actor, id: i32) -> AppResult<Part> {
    policy::check(actor.principal(), Action::ReadPlan)?;
    let goal = strategic_goal::Entity::find_by_id(id)
        .one(db.conn())
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(Part {
        plan_id: goal.plan_id,
        title: goal.title,
        detail: goal.description,
    })
}

pub async fn objective_part(db: &Db, actor: &Actor, id: i32) -> AppResult<Part> {
    policy::check(actor.principal(), Action::ReadPlan)?;
    let objective = objective::Entity::find_by_id(id)
        .one(db.conn())
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(Part {
        plan_id: objective.plan_id,
        title: objective.title,
        detail: objective.measure,
    })
}

/// An objective with its plan and code, for linking goals to it.
pub async fn objective_ref(
    conn: &impl ConnectionTrait,
    objective_id: i32,
) -> AppResult<Option<ObjectiveRef>> {
    let Some(o) = objective::Entity::find_by_id(objective_id)
        .one(conn)
        .await?
    else {
        return Ok(None);
    };
    let goal_number = strategic_goal::Entity::find_by_id(o.strategic_goal_id)
        .one(conn)
        .await?
        .map(|g| g.number)
        .unwrap_or_default();
    Ok(Some(ObjectiveRef {
        id: o.id,
        plan_id: o.plan_id,
        code: objective_code(goal_number, o.number),
        title: o.title,
        retired: o.retired,
    }))
}

#[derive(FromQueryResult)]
struct ObjectiveRefRow {
    id: i32,
    plan_id: i32,
    number: i32,
    goal_number: i32,
    title: String,
    retired: bool,
}

/// Objectives by id, with their plans and codes, in one query whatever their number; ids
/// nobody has are left out.
pub async fn objective_refs(
    conn: &impl ConnectionTrait,
    ids: impl IntoIterator<Item = i32>,
) -> AppResult<HashMap<i32, ObjectiveRef>> {
    use sea_orm::{ExprTrait, prelude::Expr, sea_query::Query};
    let mut ids: Vec<i32> = ids.into_iter().collect();
    ids.sort_unstable();
    ids.dedup();
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let (o, g) = ("o", "g");
    let query = Query::select()
        .column((o, objective::Column::Id))
        .column((o, objective::Column::PlanId))
        .column((o, objective::Column::Number))
        .expr_as(
            Expr::col((g, strategic_goal::Column::Number)),
            "goal_number",
        )
        .column((o, objective::Column::Title))
        .column((o, objective::Column::Retired))
        .from_as(objective::Entity, o)
        .join_as(
            sea_orm::JoinType::InnerJoin,
            strategic_goal::Entity,
            g,
            Expr::col((g, strategic_goal::Column::Id))
                .equals((o, objective::Column::StrategicGoalId)),
        )
        .and_where(Expr::col((o, objective::Column::Id)).is_in(ids))
        .to_owned();
    Ok(
        ObjectiveRefRow::find_by_statement(conn.get_database_backend().build(&query))
            .all(conn)
            .await?
            .into_iter()
            .map(|row| {
                (
                    row.id,
                    ObjectiveRef {
                        id: row.id,
                        plan_id: row.plan_id,
                        code: objective_code(row.goal_number, row.number),
                        title: row.title,
                        retired: row.retired,
                    },
                )
            })
            .collect(),
    )
}

/// Every objective of a plan in plan order, for choosing one in a form. Two queries.
pub async fn objectives_of(
    conn: &impl ConnectionTrait,
    plan_id: i32,
) -> AppResult<Vec<ObjectiveRef>> {
    let goals = strategic_goal::Entity::find()
        .filter(strategic_goal::Column::PlanId.eq(plan_id))
        .order_by_asc(strategic_goal::Column::Position)
        .all(conn)
        .await?;
    let objectives = objective::Entity::find()
        .filter(objective::Column::PlanId.eq(plan_id))
        .order_by_asc(objective::Column::Position)
        .all(conn)
        .await?;
    let mut refs = Vec::with_capacity(objectives.len());
    for goal in &goals {
        for o in objectives.iter().filter(|o| o.strategic_goal_id == goal.id) {
            refs.push(ObjectiveRef {
                id: o.id,
                plan_id: o.plan_id,
                code: objective_code(goal.number, o.number),
                title: o.title.clone(),
                retired: o.retired,
            });
        }
    }
    Ok(refs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reordering_moves_one_and_renumbers_all() {
        assert_eq!(reorder(vec![1, 2, 3], 3, 1), vec![(3, 1), (1, 2), (2, 3)]);
        assert_eq!(reorder(vec![1, 2, 3], 1, 99), vec![(2, 1), (3, 2), (1, 3)]);
        assert_eq!(reorder(vec![1, 2, 3], 2, 0), vec![(2, 1), (1, 2), (3, 3)]);
    }

    #[test]
    fn codes_are_made_from_numbers() {
        assert_eq!(goal_code(3), "G3");
        assert_eq!(objective_code(1, 2), "G1.2");
    }
}
