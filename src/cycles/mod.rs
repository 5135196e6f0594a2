//! Review cycles: a year of performance review that follows one plan and moves through
//! goal_setting → in_progress → self_evaluation → closed, one phase at a time. A closed
//! cycle is read-only for everyone.

pub mod api;
pub mod pages;

use chrono::{NaiveDate, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
};

use crate::{
    auth::Actor,
    db::{Db, WriteTxn},
    entities::review_cycle,
    error::{AppError, AppResult},
    plan::{self, PlanStatus},
    policy::{self, Action},
    validate::Errors,
};

pub const NAME_MAX: usize = 100;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    GoalSetting,
    InProgress,
    SelfEvaluation,
    Closed,
}

impl Phase {
    pub const ORDER: [Phase; 4] = [
        Phase::GoalSetting,
        Phase::InProgress,
        Phase::SelfEvaluation,
        Phase::Closed,
    ];
    pub const OPTIONS: [(&'static str, Phase); 4] = [
        ("goal_setting", Phase::GoalSetting),
        ("in_progress", Phase::InProgress),
        ("self_evaluation", Phase::SelfEvaluation),
        ("closed", Phase::Closed),
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Phase::GoalSetting => "goal_setting",
            Phase::InProgress => "in_progress",
            Phase::SelfEvaluation => "self_evaluation",
            Phase::Closed => "closed",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Phase::GoalSetting => "Goal setting",
            Phase::InProgress => "In progress",
            Phase::SelfEvaluation => "Self-evaluation",
            Phase::Closed => "Closed",
        }
    }

    pub fn parse(value: &str) -> Option<Phase> {
        Self::OPTIONS
            .iter()
            .find(|(w, _)| *w == value)
            .map(|(_, p)| *p)
    }

    /// The one phase that may follow this one.
    pub fn next(self) -> Option<Phase> {
        match self {
            Phase::GoalSetting => Some(Phase::InProgress),
            Phase::InProgress => Some(Phase::SelfEvaluation),
            Phase::SelfEvaluation => Some(Phase::Closed),
            Phase::Closed => None,
        }
    }

    /// Checks a move: only to the next phase; a closed cycle never reopens.
    pub fn check_move(self, to: Phase) -> Result<(), String> {
        if self == Phase::Closed {
            return Err("This cycle is closed; a closed cycle cannot be reopened.".into());
        }
        match self.next() {
            Some(next) if next == to => Ok(()),
            Some(_) if to == self => Err(format!("The cycle is already in {}.", self.label())),
            Some(next) => Err(format!(
                "A cycle in {} can only move to {}, not to {}.",
                self.label(),
                next.label(),
                to.label()
            )),
            None => Err("This cycle is closed.".into()),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Cycle {
    pub id: i32,
    pub name: String,
    pub plan_id: i32,
    pub plan_title: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub phase: Phase,
}

impl Cycle {
    /// Refuses any change to a closed cycle's records.
    pub fn ensure_open(&self) -> AppResult<()> {
        if self.phase == Phase::Closed {
            Err(AppError::conflict(format!(
                "{} is closed and read-only.",
                self.name
            )))
        } else {
            Ok(())
        }
    }

    pub fn contains(&self, date: NaiveDate) -> bool {
        self.starts_on <= date && date <= self.ends_on
    }
}

#[derive(Debug, Clone, Default)]
pub struct CycleInput {
    pub name: Option<String>,
    pub plan_id: Option<i32>,
    pub starts_on: Option<NaiveDate>,
    pub ends_on: Option<NaiveDate>,
}

fn to_cycle(model: review_cycle::Model, plan_title: String) -> AppResult<Cycle> {
    Ok(Cycle {
        phase: Phase::parse(&model.phase).ok_or_else(|| {
            AppError::internal(anyhow::anyhow!("unknown phase {:?}", model.phase))
        })?,
        id: model.id,
        name: model.name,
        plan_id: model.plan_id,
        plan_title,
        starts_on: model.starts_on,
        ends_on: model.ends_on,
    })
}

/// A cycle by id, for other services (no policy: cycles are not private).
pub async fn find(conn: &impl ConnectionTrait, id: i32) -> AppResult<Option<Cycle>> {
    let Some(model) = review_cycle::Entity::find_by_id(id).one(conn).await? else {
        return Ok(None);
    };
    let title = plan::summary_of(conn, model.plan_id)
        .await?
        .map(|p| p.title)
        .unwrap_or_default();
    to_cycle(model, title).map(Some)
}

/// A cycle by id for other services, 404 when there is none.
pub async fn find_or_404(conn: &impl ConnectionTrait, id: i32) -> AppResult<Cycle> {
    find(conn, id).await?.ok_or(AppError::NotFound)
}

pub async fn get(db: &Db, actor: &Actor, id: i32) -> AppResult<Cycle> {
    policy::check(actor.principal(), Action::ReadPlan)?;
    find(db.conn(), id).await?.ok_or(AppError::NotFound)
}

/// Every cycle, newest first, in two queries.
pub async fn list(db: &Db, actor: &Actor) -> AppResult<Vec<Cycle>> {
    policy::check(actor.principal(), Action::ReadPlan)?;
    let plans = plan::summaries(db.conn()).await?;
    review_cycle::Entity::find()
        .order_by_desc(review_cycle::Column::StartsOn)
        .order_by_desc(review_cycle::Column::Id)
        .all(db.conn())
        .await?
        .into_iter()
        .map(|model| {
            let title = plans
                .iter()
                .find(|p| p.id == model.plan_id)
                .map(|p| p.title.clone())
                .unwrap_or_default();
            to_cycle(model, title)
        })
        .collect()
}

/// The cycle people work in now: the most recent one that is not closed, or else the most
/// recent one.
pub async fn current(db: &Db, actor: &Actor) -> AppResult<Option<Cycle>> {
    pick(&list(db, actor).await?, None)
}

/// From a list of cycles (newest first): the one asked for (404 if it is not there), or
/// else the current one.
pub fn pick(cycles: &[Cycle], wanted: Option<i32>) -> AppResult<Option<Cycle>> {
    match wanted {
        Some(id) => cycles
            .iter()
            .find(|c| c.id == id)
            .cloned()
            .map(Some)
            .ok_or(AppError::NotFound),
        None => Ok(cycles
            .iter()
            .find(|c| c.phase != Phase::Closed)
            .or(cycles.first())
            .cloned()),
    }
}

fn check_dates(starts_on: NaiveDate, ends_on: NaiveDate, errors: &mut Errors) {
    if ends_on <= starts_on {
        errors.add("ends_on", "The cycle must end after it starts.");
    } else if (ends_on - starts_on).num_days() > 800 {
        errors.add("ends_on", "A review cycle lasts at most about two years.");
    }
}

/// Opens a new cycle in goal setting, then runs `then` in the same write transaction: the
/// pages and the API pass `reviews::carry_proposals_into`, so that the goals people
/// proposed for "next year" in their self-evaluations arrive as proposed goals.
///
/// Cycles do not call reviews themselves: a self-evaluation belongs to a cycle (reviews
/// reads its phase and dates), so reviews builds on cycles, and what opening a cycle means
/// for self-evaluations is composed by the caller.
pub async fn open(
    db: &Db,
    actor: &Actor,
    input: CycleInput,
    then: impl AsyncFnOnce(&WriteTxn, &Cycle) -> AppResult<()>,
) -> AppResult<Cycle> {
    policy::check(actor.principal(), Action::ManagePlan)?;
    let mut errors = Errors::default();
    let name = errors.required("name", input.name.as_deref(), NAME_MAX);
    let plan_id = errors.present("plan_id", input.plan_id);
    let starts_on = errors.present("starts_on", input.starts_on);
    let ends_on = errors.present("ends_on", input.ends_on);
    if let (Some(s), Some(e)) = (starts_on, ends_on) {
        check_dates(s, e, &mut errors);
    }
    let txn = db.write().await?;
    // Carrying proposals reads then marks them; two cycles opening at once must not both carry.
    txn.lock(&["cycles"]).await?;
    let plan = match plan_id {
        Some(id) => plan::summary_of(&*txn, id).await?,
        None => None,
    };
    match (&plan, plan_id) {
        (None, Some(id)) => errors.add("plan_id", format!("There is no plan with id {id}.")),
        (Some(p), _) if p.status == PlanStatus::Archived => errors.add(
            "plan_id",
            "This plan is archived; a new cycle follows the plan in force.",
        ),
        _ => {}
    }
    errors.finish()?;
    let (Some(name), Some(plan), Some(starts_on), Some(ends_on)) = (name, plan, starts_on, ends_on)
    else {
        return Err(AppError::internal(anyhow::anyhow!(
            "validated cycle fields missing"
        )));
    };
    let now = Utc::now();
    let model = review_cycle::ActiveModel {
        name: Set(name),
        plan_id: Set(plan.id),
        starts_on: Set(starts_on),
        ends_on: Set(ends_on),
        phase: Set(Phase::GoalSetting.as_str().to_owned()),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&*txn)
    .await?;
    let cycle = to_cycle(model, plan.title)?;
    then(&txn, &cycle).await?;
    txn.commit().await?;
    Ok(cycle)
}

/// Renames a cycle or moves its dates (not once it is closed).
pub async fn update(db: &Db, actor: &Actor, id: i32, input: CycleInput) -> AppResult<Cycle> {
    policy::check(actor.principal(), Action::ManagePlan)?;
    let mut errors = Errors::default();
    let name = input
        .name
        .as_deref()
        .and_then(|n| errors.required("name", Some(n), NAME_MAX));
    if input.plan_id.is_some() {
        errors.add("plan_id", "A cycle keeps the plan it was opened with.");
    }
    let txn = db.write().await?;
    let existing = find(&*txn, id).await?.ok_or(AppError::NotFound)?;
    let starts_on = input.starts_on.unwrap_or(existing.starts_on);
    let ends_on = input.ends_on.unwrap_or(existing.ends_on);
    check_dates(starts_on, ends_on, &mut errors);
    errors.finish()?;
    existing.ensure_open()?;
    let mut model: review_cycle::ActiveModel = review_cycle::Entity::find_by_id(id)
        .one(&*txn)
        .await?
        .ok_or(AppError::NotFound)?
        .into();
    if let Some(name) = name {
        model.name = Set(name);
    }
    model.starts_on = Set(starts_on);
    model.ends_on = Set(ends_on);
    model.updated_at = Set(Utc::now());
    let model = model.update(&*txn).await?;
    txn.commit().await?;
    to_cycle(model, existing.plan_title)
}

/// Moves a cycle to the next phase. The move is a conditional update on the phase it was
/// read in, so two concurrent moves cannot both pass.
pub async fn move_to(db: &Db, actor: &Actor, id: i32, to: &str) -> AppResult<Cycle> {
    policy::check(actor.principal(), Action::ManagePlan)?;
    let mut errors = Errors::default();
    let to = errors.one_of("phase", Some(to), &Phase::OPTIONS);
    errors.finish()?;
    let Some(to) = to else {
        return Err(AppError::internal(anyhow::anyhow!(
            "validated phase missing"
        )));
    };
    let txn = db.write().await?;
    let existing = find(&*txn, id).await?.ok_or(AppError::NotFound)?;
    existing.phase.check_move(to).map_err(AppError::conflict)?;
    let moved = review_cycle::Entity::update_many()
        .col_expr(
            review_cycle::Column::Phase,
            sea_orm::prelude::Expr::value(to.as_str()),
        )
        .col_expr(
            review_cycle::Column::UpdatedAt,
            sea_orm::prelude::Expr::value(Utc::now()),
        )
        .filter(review_cycle::Column::Id.eq(id))
        .filter(review_cycle::Column::Phase.eq(existing.phase.as_str()))
        .exec(&*txn)
        .await?;
    if moved.rows_affected != 1 {
        return Err(AppError::conflict(
            "The cycle moved on meanwhile; reload and try again.",
        ));
    }
    txn.commit().await?;
    Ok(Cycle {
        phase: to,
        ..existing
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_phase_moves_only_to_the_next() {
        for (i, from) in Phase::ORDER.iter().enumerate() {
            for (j, to) in Phase::ORDER.iter().enumerate() {
                let legal = *from != Phase::Closed && j == i + 1;
                assert_eq!(from.check_move(*to).is_ok(), legal, "{from:?} -> {to:?}");
            }
        }
    }

    #[test]
    fn the_refusal_says_why() {
        assert!(
            Phase::GoalSetting
                .check_move(Phase::SelfEvaluation)
                .unwrap_err()
                .contains("can only move to In progress")
        );
        assert!(
            Phase::Closed
                .check_move(Phase::InProgress)
                .unwrap_err()
                .contains("cannot be reopened")
        );
    }
}
