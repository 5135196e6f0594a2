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
    db::{Db, WriteTxn},
    disclosure::{Reader, Table},
    entities::{objective, plan, strategic_goal},
    error::{AppError, AppResult},
    goals, people,
    policy::{self, Action},
    reviews,
    validate::{Bounded, Errors, LongText, Title, Word},
};

pub const VALUES_MAX: usize = 20;
pub const VALUE_MAX: usize = 100;

/// Where a plan is in its life: written as a draft, in force (one at a time), or archived
/// and read-only.
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
pub enum PlanStatus {
    #[strum(message = "Draft")]
    Draft,
    #[strum(message = "Active")]
    Active,
    #[strum(message = "Archived")]
    Archived,
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
    /// Goals linked (not counting dropped ones); `None` when withheld from this reader.
    pub linked_goals: Option<i64>,
    /// Of those, the achieved ones; `None` when withheld from this reader.
    pub achieved_goals: Option<i64>,
    /// Set when a figure is withheld from this reader (anyone but the cio): it would
    /// describe fewer than this many people, by itself or subtracted from another figure
    /// of the plan in any cycle. Zero means nobody, and is shown.
    pub fewer_than: Option<i64>,
}

impl Objective {
    /// Nobody works on it: the plan page marks it.
    pub fn uncovered(&self) -> bool {
        self.linked_goals == Some(0) && !self.retired
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
        status: PlanStatus::from_stored(&model.status)?,
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
/// strategic goals, its objectives, and one aggregate over the linked goals (a fifth, for
/// anyone but the cio: whose records the reader sees one by one). With `cycle_id`,
/// coverage counts that cycle's goals only. Anyone but the cio gets no figure that would
/// describe fewer than `k` people, by itself or by subtraction (`objective_figures`).
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
    let objective_ids: Vec<i32> = objectives.iter().map(|o| o.id).collect();
    let mut coverage: HashMap<i32, Vec<goals::CoverageShare>> = HashMap::new();
    for share in goals::coverage(conn, &objective_ids).await? {
        coverage.entry(share.objective_id).or_default().push(share);
    }
    let reader = if policy::allows(actor.principal(), Action::ViewExactFigures) {
        None
    } else {
        Some(Reader::new(k, people::seen_one_by_one(conn, actor).await?))
    };

    let mut by_goal: HashMap<i32, Vec<Objective>> = HashMap::new();
    let numbers: HashMap<i32, i32> = goals.iter().map(|g| (g.id, g.number)).collect();
    for o in objectives {
        let shares = coverage.get(&o.id).map_or(&[][..], Vec::as_slice);
        let (linked_goals, achieved_goals) = objective_figures(shares, cycle_id, reader.as_ref());
        let withheld = linked_goals.is_none() || achieved_goals.is_none();
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
                linked_goals,
                achieved_goals,
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

/// An objective's linked and achieved goals in one cycle (or all, without `cycle_id`), as
/// `reader` may see them (everything, without a reader: the cio).
///
/// The figures of every cycle and of all cycles together form one table per objective,
/// decided as a whole whichever cycle is asked for, so no view can be subtracted from
/// another: per cycle and for all cycles, linked goals, achieved goals and the goals not
/// achieved (never shown, but linked − achieved), each covering the people whose goals
/// they count; all cycles is the sum of the cycles, and linked is achieved + not achieved.
pub fn objective_figures(
    shares: &[goals::CoverageShare],
    cycle_id: Option<i32>,
    reader: Option<&Reader>,
) -> (Option<i64>, Option<i64>) {
    let asked: Vec<&goals::CoverageShare> = shares
        .iter()
        .filter(|s| cycle_id.is_none_or(|c| s.cycle_id == c))
        .collect();
    let linked = asked.iter().map(|s| s.linked).sum();
    let achieved = asked.iter().map(|s| s.achieved).sum();
    let Some(reader) = reader else {
        return (Some(linked), Some(achieved));
    };
    // Whose goals a group of shares counts: everyone's, the achievers', and those with a
    // goal not achieved (one person may be in both).
    let people = |of: &dyn Fn(&goals::CoverageShare) -> bool| -> Vec<i32> {
        shares
            .iter()
            .filter(|s| of(s))
            .map(|s| s.person_id)
            .collect()
    };
    let mut cycles: Vec<i32> = shares.iter().map(|s| s.cycle_id).collect();
    cycles.sort_unstable();
    cycles.dedup();
    let mut table = Table::new();
    let mut columns = Vec::with_capacity(cycles.len());
    for &c in &cycles {
        let linked = table.cell(people(&|s| s.cycle_id == c));
        let achieved = table.cell(people(&|s| s.cycle_id == c && s.achieved > 0));
        let open = table.unshown(people(&|s| s.cycle_id == c && s.linked > s.achieved));
        table.sum(linked, [achieved, open]);
        columns.push((c, linked, achieved, open));
    }
    let all_linked = table.cell(people(&|_| true));
    let all_achieved = table.cell(people(&|s| s.achieved > 0));
    let all_open = table.unshown(people(&|s| s.linked > s.achieved));
    table.sum(all_linked, [all_achieved, all_open]);
    table.sum(all_linked, columns.iter().map(|c| c.1));
    table.sum(all_achieved, columns.iter().map(|c| c.2));
    table.sum(all_open, columns.iter().map(|c| c.3));
    let shown = table.decide(reader);
    let cells = match cycle_id {
        None => Some((all_linked, all_achieved)),
        Some(id) => columns
            .iter()
            .find(|c| c.0 == id)
            .map(|&(_, linked, achieved, _)| (linked, achieved)),
    };
    match cells {
        Some((l, a)) => (shown.figure(l, linked), shown.figure(a, achieved)),
        // Nobody has goals here in that cycle: a zero.
        None => (Some(0), Some(0)),
    }
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

/// A plan's first or last year.
pub type Year = Bounded<2000, 2100>;

fn year_number(year: Year) -> i32 {
    i32::from(year.to_i16())
}

/// The department's values: each one line of at most `VALUE_MAX` characters, at most
/// `VALUES_MAX` of them, blank lines dropped. Stored one per line.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Values(Vec<String>);

impl Values {
    pub fn parse(raw: &[String]) -> Result<Values, String> {
        let values: Vec<String> = raw
            .iter()
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
            .collect();
        if values.len() > VALUES_MAX {
            Err(format!("List at most {VALUES_MAX} values."))
        } else if values.iter().any(|v| {
            v.chars().count() > VALUE_MAX
                || v.contains(['\n', '\r'])
                || v.chars().any(crate::validate::unprintable)
        }) {
            Err(format!(
                "Keep each value to one line of at most {VALUE_MAX} characters."
            ))
        } else {
            Ok(Values(values))
        }
    }

    fn stored(&self) -> String {
        self.0.join("\n")
    }
}

/// A plan to create, parsed.
#[derive(Debug, Clone)]
pub struct NewPlan {
    pub title: Title,
    pub start_year: Year,
    pub end_year: Year,
    pub mission: LongText,
    pub vision: LongText,
    pub values: Values,
    pub status: PlanStatus,
}

/// Changes to a plan, parsed; `None` leaves a field as it is.
#[derive(Debug, Clone)]
pub struct PlanChanges {
    pub title: Option<Title>,
    pub start_year: Option<Year>,
    pub end_year: Option<Year>,
    pub mission: Option<LongText>,
    pub vision: Option<LongText>,
    pub values: Option<Values>,
    pub status: Option<PlanStatus>,
}

const END_BEFORE_START: &str = "The plan cannot end before it starts.";

impl PlanInput {
    /// A new plan: a title and both years are needed; a plan without a status is a draft.
    pub fn parse_new(self, errors: &mut Errors) -> Option<NewPlan> {
        let title = errors.check("title", Title::parse(self.title.as_deref().unwrap_or("")));
        let start_year = errors
            .present("start_year", self.start_year)
            .and_then(|y| errors.check("start_year", Year::parse(y)));
        let end_year = errors
            .present("end_year", self.end_year)
            .and_then(|y| errors.check("end_year", Year::parse(y)));
        let values = errors.check(
            "values",
            Values::parse(self.values.as_deref().unwrap_or(&[])),
        );
        let mission = errors.check(
            "mission",
            LongText::parse(self.mission.as_deref().unwrap_or("")),
        );
        let vision = errors.check(
            "vision",
            LongText::parse(self.vision.as_deref().unwrap_or("")),
        );
        let status = errors.check("status", parse_status(self.status.as_deref()));
        let (start_year, end_year) = (start_year?, end_year?);
        if end_year < start_year {
            errors.add("end_year", END_BEFORE_START);
            return None;
        }
        Some(NewPlan {
            title: title?,
            start_year,
            end_year,
            mission: mission?,
            vision: vision?,
            values: values?,
            status: status?.unwrap_or(PlanStatus::Draft),
        })
    }

    /// Changes to a plan: only what was sent. Whether the years stay in order is checked
    /// against the plan as it is (`check_years`).
    pub fn parse_changes(self, errors: &mut Errors) -> Option<PlanChanges> {
        let title = errors.check("title", self.title.as_deref().map(Title::parse).transpose());
        let start_year = errors.check("start_year", self.start_year.map(Year::parse).transpose());
        let end_year = errors.check("end_year", self.end_year.map(Year::parse).transpose());
        let values = errors.check(
            "values",
            self.values.as_deref().map(Values::parse).transpose(),
        );
        let mission = errors.check(
            "mission",
            self.mission.as_deref().map(LongText::parse).transpose(),
        );
        let vision = errors.check(
            "vision",
            self.vision.as_deref().map(LongText::parse).transpose(),
        );
        let status = errors.check("status", parse_status(self.status.as_deref()));
        Some(PlanChanges {
            title: title?,
            start_year: start_year?,
            end_year: end_year?,
            mission: mission?,
            vision: vision?,
            values: values?,
            status: status?,
        })
    }
}

fn parse_status(raw: Option<&str>) -> Result<Option<PlanStatus>, String> {
    raw.map(PlanStatus::parse_word).transpose()
}

impl PlanChanges {
    /// The years the plan will have, `end_year` refused when it comes before the start.
    fn years(&self, existing: &plan::Model, errors: &mut Errors) -> (i32, i32) {
        let start = self.start_year.map_or(existing.start_year, year_number);
        let end = self.end_year.map_or(existing.end_year, year_number);
        if end < start {
            errors.add("end_year", END_BEFORE_START);
        }
        (start, end)
    }
}

/// A strategic goal or an objective to add, parsed.
#[derive(Debug, Clone)]
pub struct NewPart {
    pub title: Title,
    /// The description of a strategic goal, or the measure of an objective.
    pub detail: LongText,
}

/// Changes to a strategic goal or an objective, parsed; `None` leaves a field as it is.
#[derive(Debug, Clone)]
pub struct PartChanges {
    pub title: Option<Title>,
    pub detail: Option<LongText>,
    pub position: Option<i32>,
    pub retired: Option<bool>,
}

impl PartInput {
    /// A new part; `detail_field` is the detail's name where the API sends it
    /// ("description" for a strategic goal, "measure" for an objective).
    pub fn parse_new(self, detail_field: &str, errors: &mut Errors) -> Option<NewPart> {
        let title = errors.check("title", Title::parse(self.title.as_deref().unwrap_or("")));
        let detail = errors.check(
            detail_field,
            LongText::parse(self.detail.as_deref().unwrap_or("")),
        );
        Some(NewPart {
            title: title?,
            detail: detail?,
        })
    }

    pub fn parse_changes(self, detail_field: &str, errors: &mut Errors) -> Option<PartChanges> {
        let title = errors.check("title", self.title.as_deref().map(Title::parse).transpose());
        let detail = errors.check(
            detail_field,
            self.detail.as_deref().map(LongText::parse).transpose(),
        );
        Some(PartChanges {
            title: title?,
            detail: detail?,
            position: self.position,
            retired: self.retired,
        })
    }
}

/// Makes `id` the active plan, archiving the one in force before, and puts it on the
/// audit trail (`was`: the plan's status before, none for a new plan).
async fn activate(
    txn: &WriteTxn,
    actor: &Actor,
    id: i32,
    was: Option<PlanStatus>,
) -> AppResult<()> {
    // The plan's own row may already say active (an update writes it first).
    let archived = plan::Entity::find()
        .filter(plan::Column::Status.eq(PlanStatus::Active.as_str()))
        .filter(plan::Column::Id.ne(id))
        .one(txn)
        .await?
        .map(|p| p.id);
    crate::audit::record(
        txn,
        Some(actor),
        crate::audit::Event::new(
            crate::audit::Kind::PlanActivated,
            crate::audit::Subject::Plan(id),
        )
        .change(
            "status",
            was.map(PlanStatus::as_str),
            Some(PlanStatus::Active.as_str()),
        )
        .change("archived_plan_id", None, archived),
    )
    .await?;
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
        .exec(txn)
        .await?;
    Ok(())
}

pub async fn create(db: &Db, actor: &Actor, input: PlanInput) -> AppResult<PlanSummary> {
    policy::check(actor.principal(), Action::ManagePlan)?;
    let mut errors = Errors::default();
    let Some(new) = input.parse_new(&mut errors) else {
        return Err(errors.into_error());
    };
    let now = Utc::now();
    let txn = db.write().await?;
    // Activation reads the plan in force and archives it; one at a time.
    txn.lock(&["plans"]).await?;
    let model = plan::ActiveModel {
        title: Set(new.title.into_string()),
        start_year: Set(year_number(new.start_year)),
        end_year: Set(year_number(new.end_year)),
        mission: Set(new.mission.into_string()),
        vision: Set(new.vision.into_string()),
        values: Set(new.values.stored()),
        status: Set(new.status.as_str().to_owned()),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    if new.status == PlanStatus::Active {
        activate(&txn, actor, model.id, None).await?;
    }
    txn.commit().await?;
    summary(&model)
}

pub async fn update(db: &Db, actor: &Actor, id: i32, input: PlanInput) -> AppResult<PlanSummary> {
    policy::check(actor.principal(), Action::ManagePlan)?;
    let mut errors = Errors::default();
    let changes = input.parse_changes(&mut errors);
    let txn = db.write().await?;
    txn.lock(&["plans"]).await?;
    let existing = plan::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound)?;
    let Some(changes) = changes else {
        return Err(errors.into_error());
    };
    let (start, end) = changes.years(&existing, &mut errors);
    errors.finish()?;
    let current = PlanStatus::from_stored(&existing.status)?;
    if current == PlanStatus::Archived && changes.status != Some(PlanStatus::Active) {
        return Err(AppError::conflict(
            "This plan is archived and read-only; make it active again to change it.",
        ));
    }
    if current != PlanStatus::Draft && changes.status == Some(PlanStatus::Draft) {
        return Err(AppError::conflict_on(
            "status",
            "A plan that has been in force cannot go back to draft.",
        ));
    }
    let mut model: plan::ActiveModel = existing.into();
    if let Some(title) = changes.title {
        model.title = Set(title.into_string());
    }
    model.start_year = Set(start);
    model.end_year = Set(end);
    if let Some(mission) = changes.mission {
        model.mission = Set(mission.into_string());
    }
    if let Some(vision) = changes.vision {
        model.vision = Set(vision.into_string());
    }
    if let Some(values) = &changes.values {
        model.values = Set(values.stored());
    }
    if let Some(status) = changes.status {
        model.status = Set(status.as_str().to_owned());
    }
    model.updated_at = Set(Utc::now());
    let model = model.update(&txn).await?;
    if changes.status == Some(PlanStatus::Active) && current != PlanStatus::Active {
        activate(&txn, actor, id, Some(current)).await?;
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
    let Some(new) = input.parse_new("description", &mut errors) else {
        return Err(errors.into_error());
    };
    let txn = db.write().await?;
    editable_plan(&txn, plan_id).await?;
    let existing = strategic_goal::Entity::find()
        .filter(strategic_goal::Column::PlanId.eq(plan_id))
        .all(&txn)
        .await?;
    let number = existing.iter().map(|g| g.number).max().unwrap_or(0) + 1;
    let position = existing.iter().map(|g| g.position).max().unwrap_or(0) + 1;
    let model = strategic_goal::ActiveModel {
        plan_id: Set(plan_id),
        number: Set(number),
        position: Set(position),
        title: Set(new.title.into_string()),
        description: Set(new.detail.into_string()),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    txn.commit().await?;
    Ok(model.id)
}

pub async fn update_goal(db: &Db, actor: &Actor, goal_id: i32, input: PartInput) -> AppResult<()> {
    policy::check(actor.principal(), Action::ManagePlan)?;
    let mut errors = Errors::default();
    let Some(changes) = input.parse_changes("description", &mut errors) else {
        return Err(errors.into_error());
    };
    let txn = db.write().await?;
    let goal = strategic_goal::Entity::find_by_id(goal_id)
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound)?;
    editable_plan(&txn, goal.plan_id).await?;
    if let Some(position) = changes.position {
        let siblings = strategic_goal::Entity::find()
            .filter(strategic_goal::Column::PlanId.eq(goal.plan_id))
            .order_by_asc(strategic_goal::Column::Position)
            .order_by_asc(strategic_goal::Column::Id)
            .all(&txn)
            .await?;
        for (id, place) in reorder(siblings.iter().map(|g| g.id).collect(), goal_id, position) {
            strategic_goal::Entity::update_many()
                .col_expr(
                    strategic_goal::Column::Position,
                    sea_orm::prelude::Expr::value(place),
                )
                .filter(strategic_goal::Column::Id.eq(id))
                .exec(&txn)
                .await?;
        }
    }
    let mut model: strategic_goal::ActiveModel = strategic_goal::Entity::find_by_id(goal_id)
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound)?
        .into();
    if let Some(title) = changes.title {
        model.title = Set(title.into_string());
    }
    if let Some(description) = changes.detail {
        model.description = Set(description.into_string());
    }
    model.update(&txn).await?;
    txn.commit().await
}

pub async fn delete_goal(db: &Db, actor: &Actor, goal_id: i32) -> AppResult<()> {
    policy::check(actor.principal(), Action::ManagePlan)?;
    let txn = db.write().await?;
    let goal = strategic_goal::Entity::find_by_id(goal_id)
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound)?;
    editable_plan(&txn, goal.plan_id).await?;
    let objectives = objective::Entity::find()
        .filter(objective::Column::StrategicGoalId.eq(goal_id))
        .count(&txn)
        .await?;
    if objectives > 0 {
        return Err(AppError::conflict(format!(
            "{} still has {objectives} objective(s); delete or move them first.",
            goal_code(goal.number)
        )));
    }
    strategic_goal::Entity::delete_by_id(goal_id)
        .exec(&txn)
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
    let Some(new) = input.parse_new("measure", &mut errors) else {
        return Err(errors.into_error());
    };
    let txn = db.write().await?;
    let goal = strategic_goal::Entity::find_by_id(goal_id)
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound)?;
    editable_plan(&txn, goal.plan_id).await?;
    let siblings = objective::Entity::find()
        .filter(objective::Column::StrategicGoalId.eq(goal_id))
        .all(&txn)
        .await?;
    let model = objective::ActiveModel {
        plan_id: Set(goal.plan_id),
        strategic_goal_id: Set(goal_id),
        number: Set(siblings.iter().map(|o| o.number).max().unwrap_or(0) + 1),
        position: Set(siblings.iter().map(|o| o.position).max().unwrap_or(0) + 1),
        title: Set(new.title.into_string()),
        measure: Set(new.detail.into_string()),
        retired: Set(false),
        ..Default::default()
    }
    .insert(&txn)
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
    let Some(changes) = input.parse_changes("measure", &mut errors) else {
        return Err(errors.into_error());
    };
    let txn = db.write().await?;
    let existing = objective::Entity::find_by_id(objective_id)
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound)?;
    editable_plan(&txn, existing.plan_id).await?;
    if let Some(position) = changes.position {
        let siblings = objective::Entity::find()
            .filter(objective::Column::StrategicGoalId.eq(existing.strategic_goal_id))
            .order_by_asc(objective::Column::Position)
            .order_by_asc(objective::Column::Id)
            .all(&txn)
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
                .exec(&txn)
                .await?;
        }
    }
    let mut model: objective::ActiveModel = objective::Entity::find_by_id(objective_id)
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound)?
        .into();
    if let Some(title) = changes.title {
        model.title = Set(title.into_string());
    }
    if let Some(measure) = changes.detail {
        model.measure = Set(measure.into_string());
    }
    if let Some(retired) = changes.retired {
        model.retired = Set(retired);
    }
    model.update(&txn).await?;
    txn.commit().await
}

/// Deletes an objective nobody has linked anything to; a linked one can only be retired.
pub async fn delete_objective(db: &Db, actor: &Actor, objective_id: i32) -> AppResult<()> {
    policy::check(actor.principal(), Action::ManagePlan)?;
    let txn = db.write().await?;
    let existing = objective::Entity::find_by_id(objective_id)
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound)?;
    editable_plan(&txn, existing.plan_id).await?;
    let goals = goals::count_by_objective(&txn, objective_id).await?;
    let proposals = reviews::count_proposals_for_objective(&txn, objective_id).await?;
    if goals + proposals > 0 {
        return Err(AppError::conflict(format!(
            "{} goal(s) are linked to this objective, so it cannot be deleted; retire it instead.",
            goals + proposals
        )));
    }
    objective::Entity::delete_by_id(objective_id)
        .exec(&txn)
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

/// A strategic goal and its objectives, as the summaries list them.
#[derive(Debug, Clone)]
pub struct GoalOutline {
    pub id: i32,
    pub code: String,
    pub title: String,
    pub objectives: Vec<ObjectiveRef>,
}

/// A plan's title and its strategic goals with their objectives, in plan order (no
/// policy: everyone signed in reads the plan). Three queries.
pub async fn outline(
    conn: &impl ConnectionTrait,
    plan_id: i32,
) -> AppResult<Option<(String, Vec<GoalOutline>)>> {
    let Some(model) = plan::Entity::find_by_id(plan_id).one(conn).await? else {
        return Ok(None);
    };
    let goals = strategic_goal::Entity::find()
        .filter(strategic_goal::Column::PlanId.eq(plan_id))
        .order_by_asc(strategic_goal::Column::Position)
        .order_by_asc(strategic_goal::Column::Id)
        .all(conn)
        .await?;
    let objectives = objective::Entity::find()
        .filter(objective::Column::PlanId.eq(plan_id))
        .order_by_asc(objective::Column::Position)
        .order_by_asc(objective::Column::Id)
        .all(conn)
        .await?;
    let outline = goals
        .into_iter()
        .map(|goal| GoalOutline {
            objectives: objectives
                .iter()
                .filter(|o| o.strategic_goal_id == goal.id)
                .map(|o| ObjectiveRef {
                    id: o.id,
                    plan_id: o.plan_id,
                    code: objective_code(goal.number, o.number),
                    title: o.title.clone(),
                    retired: o.retired,
                })
                .collect(),
            id: goal.id,
            code: goal_code(goal.number),
            title: goal.title,
        })
        .collect();
    Ok(Some((model.title, outline)))
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
    fn plan_statuses_are_words() {
        crate::validate::assert_labelled::<PlanStatus>();
        assert_eq!(
            PlanStatus::parse_word("done"),
            Err("Choose one of: draft, active, archived.".to_owned())
        );
    }

    fn fields(errors: &Errors) -> Vec<&str> {
        errors.0.iter().map(|e| e.field.as_str()).collect()
    }

    #[test]
    fn values_are_short_single_lines() {
        let owned = |values: &[&str]| values.iter().map(|v| (*v).to_owned()).collect::<Vec<_>>();
        assert_eq!(
            Values::parse(&owned(&[" Service first ", "", "Plain words"])).map(|v| v.stored()),
            Ok("Service first\nPlain words".to_owned())
        );
        let one_line = format!("Keep each value to one line of at most {VALUE_MAX} characters.");
        for bad in [
            "x".repeat(VALUE_MAX + 1),
            "Two\nlines".to_owned(),
            "Bell\u{7}".to_owned(),
        ] {
            assert_eq!(
                Values::parse(std::slice::from_ref(&bad)),
                Err(one_line.clone()),
                "{bad:?}"
            );
        }
        assert_eq!(
            Values::parse(&vec!["v".to_owned(); VALUES_MAX + 1]),
            Err(format!("List at most {VALUES_MAX} values."))
        );
    }

    #[test]
    fn a_new_plan_names_every_bad_field_in_order() {
        let cases: [(PlanInput, &[&str]); 5] = [
            (PlanInput::default(), &["title", "start_year", "end_year"]),
            (
                PlanInput {
                    title: Some(" ".into()),
                    start_year: Some(2028),
                    end_year: Some(2026),
                    ..PlanInput::default()
                },
                &["title", "end_year"],
            ),
            (
                PlanInput {
                    title: Some("P".into()),
                    start_year: Some(1999),
                    end_year: Some(2101),
                    ..PlanInput::default()
                },
                &["start_year", "end_year"],
            ),
            (
                PlanInput {
                    title: Some("P".into()),
                    start_year: Some(2026),
                    end_year: Some(2027),
                    status: Some("done".into()),
                    vision: Some("\u{0}".into()),
                    ..PlanInput::default()
                },
                &["vision", "status"],
            ),
            (
                PlanInput {
                    title: Some("P".into()),
                    start_year: Some(2026),
                    end_year: Some(2026),
                    ..PlanInput::default()
                },
                &[],
            ),
        ];
        for (input, expected) in cases {
            let mut errors = Errors::default();
            let parsed = input.clone().parse_new(&mut errors);
            assert_eq!(fields(&errors), expected, "{input:?}");
            assert_eq!(parsed.is_some(), expected.is_empty(), "{input:?}");
        }
        let mut errors = Errors::default();
        let plan = PlanInput {
            title: Some(" Plan ".into()),
            start_year: Some(2026),
            end_year: Some(2029),
            ..PlanInput::default()
        }
        .parse_new(&mut errors);
        assert_eq!(
            plan.map(|p| (p.title.into_string(), p.status)),
            Some(("Plan".to_owned(), PlanStatus::Draft)),
            "a plan starts as a draft"
        );
    }

    #[test]
    fn plan_changes_leave_what_was_not_sent() {
        let mut errors = Errors::default();
        let changes = PlanInput {
            status: Some("active".into()),
            ..PlanInput::default()
        }
        .parse_changes(&mut errors);
        let changes = changes.map(|c| (c.title.is_none(), c.start_year, c.status));
        assert_eq!(changes, Some((true, None, Some(PlanStatus::Active))));
        let changes = PlanInput {
            title: Some(String::new()),
            start_year: Some(3000),
            ..PlanInput::default()
        }
        .parse_changes(&mut errors);
        assert!(changes.is_none());
        assert_eq!(fields(&errors), ["title", "start_year"]);
    }

    #[test]
    fn parts_name_their_detail_as_the_api_does() {
        let mut errors = Errors::default();
        let input = PartInput {
            title: None,
            detail: Some("m\u{7}".into()),
            ..PartInput::default()
        };
        assert!(input.clone().parse_new("measure", &mut errors).is_none());
        assert!(input.parse_changes("description", &mut errors).is_none());
        assert_eq!(fields(&errors), ["title", "measure", "description"]);
    }

    fn share(cycle_id: i32, person_id: i32, linked: i64, achieved: i64) -> goals::CoverageShare {
        goals::CoverageShare {
            objective_id: 1,
            cycle_id,
            person_id,
            linked,
            achieved,
        }
    }

    #[test]
    fn no_cycle_of_an_objective_can_be_worked_out_from_the_others() {
        // G2.1: four people linked overall, three in cycle 1, one in cycle 2.
        let shares = [
            share(1, 1, 1, 0),
            share(1, 2, 1, 0),
            share(1, 3, 1, 0),
            share(2, 4, 1, 0),
        ];
        let advisor = Reader::new(3, []);
        let seen = |cycle| objective_figures(&shares, cycle, Some(&advisor));
        assert_eq!(seen(None), (Some(4), Some(0)), "four people together");
        assert_eq!(seen(Some(2)), (None, Some(0)), "one person");
        assert_eq!(seen(Some(1)), (None, Some(0)), "or 4 − 3 gives cycle 2");
        assert_eq!(
            seen(Some(3)),
            (Some(0), Some(0)),
            "nobody, in a cycle without goals"
        );
        // The person in cycle 2 sees their own goal; the cio sees everything.
        let own = Reader::new(3, [4]);
        assert_eq!(
            objective_figures(&shares, Some(2), Some(&own)),
            (Some(1), Some(0))
        );
        assert_eq!(
            objective_figures(&shares, Some(2), None),
            (Some(1), Some(0))
        );
    }

    #[test]
    fn codes_are_made_from_numbers() {
        assert_eq!(goal_code(3), "G3");
        assert_eq!(objective_code(1, 2), "G1.2");
    }
}
