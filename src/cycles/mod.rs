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
    error::{AppError, AppResult, FieldError},
    plan::{self, PlanStatus},
    policy::{self, Action},
    validate::{Errors, RequiredText, Word},
};

pub const NAME_MAX: usize = 100;

/// A cycle's name, such as "2026–27".
pub type CycleName = RequiredText<NAME_MAX>;

/// Where a cycle is in its year, declared in the order a cycle goes through them.
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
pub enum Phase {
    #[strum(message = "Goal setting")]
    GoalSetting,
    #[strum(message = "In progress")]
    InProgress,
    #[strum(message = "Self-evaluation")]
    SelfEvaluation,
    #[strum(message = "Closed")]
    Closed,
}

impl Phase {
    /// The phases in the order a cycle goes through them (the declaration order; a unit
    /// test holds the two together).
    pub const ORDER: [Phase; 4] = [
        Phase::GoalSetting,
        Phase::InProgress,
        Phase::SelfEvaluation,
        Phase::Closed,
    ];

    /// The one phase that may follow this one.
    pub fn next(self) -> Option<Phase> {
        Self::ORDER
            .iter()
            .skip_while(|phase| **phase != self)
            .nth(1)
            .copied()
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

/// Work a phase move leaves behind, by kind. The areas whose work it is count it
/// (`reviews::unfinished_work`): reviews builds on cycles, so the caller hands the count
/// in, as with `open`'s step.
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
pub enum UnfinishedKind {
    #[strum(message = "Goals still proposed, not agreed")]
    ProposedGoals,
    #[strum(message = "Agreed goals with no outcome recorded")]
    GoalsWithoutOutcome,
    #[strum(message = "Self-evaluations not started")]
    EvaluationsNotStarted,
    #[strum(message = "Self-evaluations still drafts")]
    DraftEvaluations,
    #[strum(message = "Submitted self-evaluations not reviewed")]
    EvaluationsNotReviewed,
}

/// So many of one kind of unfinished work.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unfinished {
    pub kind: UnfinishedKind,
    pub count: u64,
}

impl Unfinished {
    /// As people say it: "6 self-evaluations are still drafts".
    pub fn sentence(&self) -> String {
        let n = self.count;
        let one = n == 1;
        let (noun, rest) = match self.kind {
            UnfinishedKind::ProposedGoals => (
                if one { "goal" } else { "goals" },
                if one {
                    "is still proposed, not agreed"
                } else {
                    "are still proposed, not agreed"
                },
            ),
            UnfinishedKind::GoalsWithoutOutcome => (
                if one { "agreed goal" } else { "agreed goals" },
                if one {
                    "has no outcome recorded"
                } else {
                    "have no outcome recorded"
                },
            ),
            UnfinishedKind::EvaluationsNotStarted => (
                if one {
                    "self-evaluation"
                } else {
                    "self-evaluations"
                },
                if one {
                    "has not been started"
                } else {
                    "have not been started"
                },
            ),
            UnfinishedKind::DraftEvaluations => (
                if one {
                    "self-evaluation"
                } else {
                    "self-evaluations"
                },
                if one {
                    "is still a draft"
                } else {
                    "are still drafts"
                },
            ),
            UnfinishedKind::EvaluationsNotReviewed => (
                if one {
                    "submitted self-evaluation"
                } else {
                    "submitted self-evaluations"
                },
                if one {
                    "has not been reviewed"
                } else {
                    "have not been reviewed"
                },
            ),
        };
        format!("{n} {noun} {rest}")
    }
}

/// A move to the next phase, asked about or made: where from and to, and what it leaves
/// unfinished.
#[derive(Debug, Clone)]
pub struct PhaseMove {
    /// The cycle: as it is for a preview, as moved after a move.
    pub cycle: Cycle,
    pub from: Phase,
    pub to: Phase,
    pub unfinished: Vec<Unfinished>,
}

impl PhaseMove {
    /// Closing cannot be undone, so closing over unfinished work must be confirmed.
    pub fn needs_confirmation(&self) -> bool {
        self.to == Phase::Closed && !self.unfinished.is_empty()
    }
}

/// A cycle leaves goal setting only once its year has begun.
fn check_started(cycle: &Cycle, to: Phase, today: NaiveDate) -> AppResult<()> {
    if cycle.phase == Phase::GoalSetting && to != Phase::GoalSetting && today < cycle.starts_on {
        return Err(AppError::conflict_on(
            "phase",
            format!(
                "{} starts on {}; it stays in goal setting until then.",
                cycle.name, cycle.starts_on
            ),
        ));
    }
    Ok(())
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
    /// The day self-evaluations are due (within the cycle's dates); reminders go to those
    /// who have not submitted 7 days and 1 day before it.
    pub self_evaluation_due_on: Option<NaiveDate>,
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

/// A cycle as typed; on edits, `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct CycleInput {
    pub name: Option<String>,
    pub plan_id: Option<i32>,
    pub starts_on: Option<NaiveDate>,
    pub ends_on: Option<NaiveDate>,
    /// `Some(None)` clears the deadline (on edits); on creation `None` and `Some(None)`
    /// both mean no deadline.
    pub self_evaluation_due_on: Option<Option<NaiveDate>>,
}

/// A cycle to open, parsed. Whether its plan exists and is not archived is checked
/// against the database.
#[derive(Debug, Clone)]
pub struct NewCycle {
    pub name: CycleName,
    pub plan_id: i32,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub self_evaluation_due_on: Option<NaiveDate>,
}

/// Changes to a cycle, parsed; `None` leaves a field as it is. Whether the dates stay in
/// order is checked against the cycle as it is.
#[derive(Debug, Clone)]
pub struct CycleChanges {
    pub name: Option<CycleName>,
    pub starts_on: Option<NaiveDate>,
    pub ends_on: Option<NaiveDate>,
    /// `Some(None)` clears the deadline.
    pub self_evaluation_due_on: Option<Option<NaiveDate>>,
}

impl CycleInput {
    pub fn parse_new(self, errors: &mut Errors) -> Option<NewCycle> {
        let name = errors.check("name", CycleName::parse(self.name.as_deref().unwrap_or("")));
        let plan_id = errors.present("plan_id", self.plan_id);
        let starts_on = errors.present("starts_on", self.starts_on);
        let ends_on = errors.present("ends_on", self.ends_on);
        let (starts_on, ends_on) = (starts_on?, ends_on?);
        if !check_dates(starts_on, ends_on, errors) {
            return None;
        }
        let due_on = self.self_evaluation_due_on.flatten();
        if !check_due_on(starts_on, ends_on, due_on, errors) {
            return None;
        }
        Some(NewCycle {
            name: name?,
            plan_id: plan_id?,
            starts_on,
            ends_on,
            self_evaluation_due_on: due_on,
        })
    }

    pub fn parse_changes(self, errors: &mut Errors) -> Option<CycleChanges> {
        let name = errors.check(
            "name",
            self.name.as_deref().map(CycleName::parse).transpose(),
        );
        if self.plan_id.is_some() {
            errors.add("plan_id", "A cycle keeps the plan it was opened with.");
            return None;
        }
        Some(CycleChanges {
            name: name?,
            starts_on: self.starts_on,
            ends_on: self.ends_on,
            self_evaluation_due_on: self.self_evaluation_due_on,
        })
    }
}

fn to_cycle(model: review_cycle::Model, plan_title: String) -> AppResult<Cycle> {
    Ok(Cycle {
        phase: Phase::from_stored(&model.phase)?,
        id: model.id,
        name: model.name,
        plan_id: model.plan_id,
        plan_title,
        starts_on: model.starts_on,
        ends_on: model.ends_on,
        self_evaluation_due_on: model.self_evaluation_due_on,
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
    all(db).await
}

/// Every cycle, newest first, in two queries (no policy: for other areas' readers, such
/// as the summaries of a public annual report).
pub async fn all(db: &Db) -> AppResult<Vec<Cycle>> {
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

/// `current`, as a subquery for another area's statement: `SELECT id` of the cycle people
/// work in now (the most recent not closed, or else the most recent), at most one row.
pub fn current_id_subquery() -> sea_orm::sea_query::SelectStatement {
    use sea_orm::{
        ExprTrait,
        sea_query::{Expr, Order, Query},
    };
    Query::select()
        .column(review_cycle::Column::Id)
        .from(review_cycle::Entity)
        // Not closed first (false sorts before true on both backends), then newest.
        .order_by_expr(
            Expr::col(review_cycle::Column::Phase).eq(Phase::Closed.as_str()),
            Order::Asc,
        )
        .order_by(review_cycle::Column::StartsOn, Order::Desc)
        .order_by(review_cycle::Column::Id, Order::Desc)
        .limit(1)
        .to_owned()
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

/// Whether a cycle's dates will do; when not, the reason is recorded against `ends_on`.
fn check_dates(starts_on: NaiveDate, ends_on: NaiveDate, errors: &mut Errors) -> bool {
    if ends_on <= starts_on {
        errors.add("ends_on", "The cycle must end after it starts.");
        false
    } else if (ends_on - starts_on).num_days() > 800 {
        errors.add("ends_on", "A review cycle lasts at most about two years.");
        false
    } else {
        true
    }
}

/// Whether a self-evaluation deadline falls within the cycle's dates; when not, the
/// reason is recorded against `self_evaluation_due_on`. No deadline always will do.
fn check_due_on(
    starts_on: NaiveDate,
    ends_on: NaiveDate,
    due_on: Option<NaiveDate>,
    errors: &mut Errors,
) -> bool {
    match due_on {
        Some(due) if due < starts_on || due > ends_on => {
            errors.add(
                "self_evaluation_due_on",
                format!(
                    "Self-evaluations must be due within the cycle, from {starts_on} to {ends_on}."
                ),
            );
            false
        }
        _ => true,
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
    let plan_id = input.plan_id;
    let new = input.parse_new(&mut errors);
    let txn = db.write().await?;
    // Carrying proposals reads then marks them; two cycles opening at once must not both carry.
    txn.lock(&["cycles"]).await?;
    let plan = match plan_id {
        Some(id) => followable_plan(&txn, id, &mut errors).await?,
        None => None,
    };
    let (Some(new), Some(plan)) = (new, plan) else {
        return Err(errors.into_error());
    };
    errors.finish()?;
    let now = Utc::now();
    let model = review_cycle::ActiveModel {
        name: Set(new.name.into_string()),
        plan_id: Set(plan.id),
        starts_on: Set(new.starts_on),
        ends_on: Set(new.ends_on),
        self_evaluation_due_on: Set(new.self_evaluation_due_on),
        phase: Set(Phase::GoalSetting.as_str().to_owned()),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    // The summaries read a cycle's skill standings from what skills keeps per cycle.
    crate::skills::standings::rebuild_cycle(&txn, model.id).await?;
    let cycle = to_cycle(model, plan.title)?;
    then(&txn, &cycle).await?;
    txn.commit().await?;
    Ok(cycle)
}

/// The plan a new cycle is to follow: one that exists and is not archived; otherwise
/// `None`, with the reason recorded against `plan_id`.
async fn followable_plan(
    conn: &impl ConnectionTrait,
    plan_id: i32,
    errors: &mut Errors,
) -> AppResult<Option<plan::PlanSummary>> {
    Ok(match plan::summary_of(conn, plan_id).await? {
        None => {
            errors.add("plan_id", format!("There is no plan with id {plan_id}."));
            None
        }
        Some(p) if p.status == PlanStatus::Archived => {
            errors.add(
                "plan_id",
                "This plan is archived; a new cycle follows the plan in force.",
            );
            None
        }
        Some(p) => Some(p),
    })
}

/// Renames a cycle, moves its dates or sets its self-evaluation deadline (not once it is
/// closed). A deadline that changes forgets the reminders sent for the old one, so the
/// new one gets its own.
pub async fn update(db: &Db, actor: &Actor, id: i32, input: CycleInput) -> AppResult<Cycle> {
    policy::check(actor.principal(), Action::ManagePlan)?;
    let mut errors = Errors::default();
    let (raw_starts_on, raw_ends_on, raw_due_on) =
        (input.starts_on, input.ends_on, input.self_evaluation_due_on);
    let changes = input.parse_changes(&mut errors);
    let txn = db.write().await?;
    // Two edits at once on PostgreSQL: the later one must read the dates the earlier one
    // wrote, or it could write the old dates back without rebuilding the standings kept
    // for them (`skills::standings`).
    txn.lock(&[format!("review-cycle:{id}")]).await?;
    let existing = find(&txn, id).await?.ok_or(AppError::NotFound)?;
    let starts_on = raw_starts_on.unwrap_or(existing.starts_on);
    let ends_on = raw_ends_on.unwrap_or(existing.ends_on);
    let due_on = raw_due_on.unwrap_or(existing.self_evaluation_due_on);
    if check_dates(starts_on, ends_on, &mut errors) {
        check_due_on(starts_on, ends_on, due_on, &mut errors);
    }
    let Some(changes) = changes else {
        return Err(errors.into_error());
    };
    errors.finish()?;
    existing.ensure_open()?;
    let mut model: review_cycle::ActiveModel = review_cycle::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound)?
        .into();
    if let Some(name) = changes.name {
        model.name = Set(name.into_string());
    }
    model.starts_on = Set(starts_on);
    model.ends_on = Set(ends_on);
    model.self_evaluation_due_on = Set(due_on);
    model.updated_at = Set(Utc::now());
    let model = model.update(&txn).await?;
    if due_on != existing.self_evaluation_due_on {
        crate::notifications::forget_reminders(&txn, id).await?;
    }
    if (starts_on, ends_on) != (existing.starts_on, existing.ends_on) {
        // The levels kept for the cycle's eve and end are those of the old days.
        crate::skills::standings::rebuild_cycle(&txn, id).await?;
    }
    txn.commit().await?;
    to_cycle(model, existing.plan_title)
}

/// What moving a cycle to its next phase would leave unfinished, without moving it: the
/// same checks as the move, but for the confirmation. 409 when the cycle cannot move.
pub async fn preview_move(
    db: &Db,
    actor: &Actor,
    id: i32,
    count: impl AsyncFnOnce(&Db, &Cycle, Phase) -> AppResult<Vec<Unfinished>>,
) -> AppResult<PhaseMove> {
    policy::check(actor.principal(), Action::ManagePlan)?;
    let cycle = find(db.conn(), id).await?.ok_or(AppError::NotFound)?;
    let Some(to) = cycle.phase.next() else {
        return Err(AppError::conflict(
            "This cycle is closed; a closed cycle cannot be reopened.",
        ));
    };
    check_started(&cycle, to, Utc::now().date_naive())?;
    let unfinished = count(db, &cycle, to).await?;
    Ok(PhaseMove {
        from: cycle.phase,
        to,
        unfinished,
        cycle,
    })
}

/// Moves a cycle to the next phase. The move is a conditional update on the phase it was
/// read in, so two concurrent moves cannot both pass. Closing over unfinished work is
/// refused (409, each piece of work named under `confirm`) unless `confirm` is set.
pub async fn move_to(
    db: &Db,
    actor: &Actor,
    id: i32,
    to: &str,
    confirm: bool,
    count: impl AsyncFnOnce(&Db, &Cycle, Phase) -> AppResult<Vec<Unfinished>>,
) -> AppResult<PhaseMove> {
    policy::check(actor.principal(), Action::ManagePlan)?;
    let mut errors = Errors::default();
    let Some(to) = errors.word::<Phase>("phase", Some(to)) else {
        return Err(errors.into_error());
    };
    let txn = db.write().await?;
    txn.lock(&["cycles"]).await?;
    let existing = find(&txn, id).await?.ok_or(AppError::NotFound)?;
    existing.phase.check_move(to).map_err(AppError::conflict)?;
    check_started(&existing, to, Utc::now().date_naive())?;
    // Counted while no other move can run (the lock). On SQLite this transaction also
    // holds the writer, so what is confirmed is what is left; on PostgreSQL a goal or an
    // evaluation written at the same moment may land after the count and is closed with
    // the rest.
    let unfinished = count(db, &existing, to).await?;
    let proposed = PhaseMove {
        from: existing.phase,
        to,
        unfinished,
        cycle: existing,
    };
    if proposed.needs_confirmation() && !confirm {
        return Err(AppError::Conflict {
            message: format!(
                "Closing {} leaves work unfinished, and a closed cycle cannot be reopened. Confirm to close it anyway.",
                proposed.cycle.name
            ),
            errors: proposed
                .unfinished
                .iter()
                .map(|u| FieldError::new("confirm", format!("{}.", u.sentence())))
                .collect(),
        });
    }
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
        .filter(review_cycle::Column::Phase.eq(proposed.from.as_str()))
        .exec(&txn)
        .await?;
    if moved.rows_affected != 1 {
        return Err(AppError::conflict(
            "The cycle moved on meanwhile; reload and try again.",
        ));
    }
    crate::audit::record(
        &txn,
        Some(actor),
        crate::audit::Event::new(
            crate::audit::Kind::CyclePhaseMoved,
            crate::audit::Subject::Cycle(id),
        )
        .change("phase", proposed.from.as_str(), to.as_str()),
    )
    .await?;
    if to == Phase::SelfEvaluation {
        // Everyone who writes a self-evaluation hears the phase is open, in the move's
        // transaction (the cio who moved it knows).
        crate::notifications::notify_audience(
            &txn,
            &crate::notifications::Payload::SelfEvaluationOpened {
                cycle_id: id,
                cycle: proposed.cycle.name.clone(),
                due_on: proposed.cycle.self_evaluation_due_on,
            },
            crate::notifications::Audience::Members,
            Some(actor.person_id),
            None,
            Utc::now(),
        )
        .await?;
    }
    txn.commit().await?;
    Ok(PhaseMove {
        cycle: Cycle {
            phase: to,
            ..proposed.cycle
        },
        ..proposed
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
    fn phases_are_words_in_their_order() {
        crate::validate::assert_labelled::<Phase>();
        assert_eq!(Phase::all(), Phase::ORDER);
        assert_eq!(Phase::GoalSetting.next(), Some(Phase::InProgress));
        assert_eq!(Phase::Closed.next(), None);
        assert_eq!(Phase::SelfEvaluation.label(), "Self-evaluation");
        assert_eq!(
            Phase::parse_word("finished"),
            Err("Choose one of: goal_setting, in_progress, self_evaluation, closed.".to_owned())
        );
    }

    fn fields(errors: &Errors) -> Vec<&str> {
        errors.0.iter().map(|e| e.field.as_str()).collect()
    }

    #[test]
    fn a_new_cycle_names_every_bad_field_in_order() {
        let day = |d: &str| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok();
        let cases: [(CycleInput, &[&str]); 6] = [
            (
                CycleInput::default(),
                &["name", "plan_id", "starts_on", "ends_on"],
            ),
            (
                CycleInput {
                    name: Some("x".repeat(NAME_MAX + 1)),
                    plan_id: Some(1),
                    starts_on: day("2026-07-01"),
                    ends_on: day("2026-07-01"),
                    self_evaluation_due_on: None,
                },
                &["name", "ends_on"],
            ),
            (
                CycleInput {
                    name: Some("C".into()),
                    plan_id: Some(1),
                    starts_on: day("2026-07-01"),
                    ends_on: day("2029-07-01"),
                    self_evaluation_due_on: None,
                },
                &["ends_on"],
            ),
            (
                CycleInput {
                    name: Some(" 2026–27 ".into()),
                    plan_id: Some(1),
                    starts_on: day("2026-07-01"),
                    ends_on: day("2027-06-30"),
                    self_evaluation_due_on: None,
                },
                &[],
            ),
            (
                CycleInput {
                    name: Some("C".into()),
                    plan_id: Some(1),
                    starts_on: day("2026-07-01"),
                    ends_on: day("2027-06-30"),
                    self_evaluation_due_on: Some(day("2027-07-01")),
                },
                &["self_evaluation_due_on"],
            ),
            (
                CycleInput {
                    name: Some("C".into()),
                    plan_id: Some(1),
                    starts_on: day("2026-07-01"),
                    ends_on: day("2027-06-30"),
                    self_evaluation_due_on: Some(day("2027-06-30")),
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
        let changes = CycleInput {
            name: Some(String::new()),
            plan_id: Some(2),
            ..CycleInput::default()
        }
        .parse_changes(&mut errors);
        assert!(changes.is_none());
        assert_eq!(fields(&errors), ["name", "plan_id"]);
    }

    #[test]
    fn unfinished_work_reads_as_people_say_it() {
        crate::validate::assert_labelled::<UnfinishedKind>();
        let said = |kind, count| Unfinished { kind, count }.sentence();
        #[rustfmt::skip]
        let cases = [
            (UnfinishedKind::DraftEvaluations, 6, "6 self-evaluations are still drafts"),
            (UnfinishedKind::DraftEvaluations, 1, "1 self-evaluation is still a draft"),
            (UnfinishedKind::ProposedGoals, 1, "1 goal is still proposed, not agreed"),
            (UnfinishedKind::ProposedGoals, 3, "3 goals are still proposed, not agreed"),
            (UnfinishedKind::GoalsWithoutOutcome, 2, "2 agreed goals have no outcome recorded"),
            (UnfinishedKind::EvaluationsNotStarted, 1, "1 self-evaluation has not been started"),
            (UnfinishedKind::EvaluationsNotReviewed, 4, "4 submitted self-evaluations have not been reviewed"),
        ];
        for (kind, count, sentence) in cases {
            assert_eq!(said(kind, count), sentence);
        }
    }

    #[test]
    fn a_cycle_leaves_goal_setting_only_once_it_has_started() {
        let day = |d: &str| NaiveDate::parse_from_str(d, "%Y-%m-%d").unwrap();
        let cycle = Cycle {
            id: 1,
            name: "2027–28".into(),
            plan_id: 1,
            plan_title: "Plan".into(),
            starts_on: day("2027-07-01"),
            ends_on: day("2028-06-30"),
            phase: Phase::GoalSetting,
            self_evaluation_due_on: None,
        };
        let refused = check_started(&cycle, Phase::InProgress, day("2027-06-30")).unwrap_err();
        assert_eq!(
            refused.field_errors(),
            [FieldError::new(
                "phase",
                "2027–28 starts on 2027-07-01; it stays in goal setting until then."
            )]
        );
        assert!(check_started(&cycle, Phase::InProgress, day("2027-07-01")).is_ok());
        let later = Cycle {
            phase: Phase::InProgress,
            ..cycle
        };
        assert!(check_started(&later, Phase::SelfEvaluation, day("2027-01-01")).is_ok());
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
