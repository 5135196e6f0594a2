//! The review cycle endpoints.

use crate::api::{Date, JsonBody, Nullable, OneOf};
use crate::cycles::Phase;
use poem::web::Data;
use poem_openapi::{Object, OpenApi, Tags, param::Path, payload::Json, types::MaybeUndefined};

use crate::{
    api::{ApiResult, BearerAuth, Created},
    app::AppState,
    cycles::{self, Cycle, CycleInput, PhaseMove, Unfinished},
    validate::Word,
};

#[derive(Tags)]
enum CycleTags {
    /// Review cycles: goal setting, work, self-evaluation, closed.
    Cycles,
}

#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct CycleBody {
    pub id: i32,
    pub name: String,
    pub plan_id: i32,
    pub plan_title: String,
    pub starts_on: Date,
    pub ends_on: Date,
    /// goal_setting, in_progress, self_evaluation or closed.
    pub phase: String,
    /// The day self-evaluations are due; absent when none is set.
    pub self_evaluation_due_on: Option<Date>,
}

/// A cycle to open.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct NewCycleBody {
    #[oai(validator(min_length = 1, max_length = 100))]
    pub name: String,
    pub plan_id: i32,
    pub starts_on: Date,
    /// After `starts_on`.
    pub ends_on: Date,
    /// The day self-evaluations are due, within the cycle's dates; reminders go to those
    /// who have not submitted 7 days and 1 day before it.
    pub self_evaluation_due_on: Option<Date>,
}

/// Changes to a cycle; absent fields stay as they are.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct CycleInputBody {
    #[oai(validator(min_length = 1, max_length = 100))]
    pub name: Option<String>,
    pub plan_id: Option<i32>,
    pub starts_on: Option<Date>,
    pub ends_on: Option<Date>,
    /// Within the cycle's dates; `null` removes the deadline. A new deadline gets its own
    /// reminders.
    pub self_evaluation_due_on: Nullable<Date>,
}

/// The phase to move to: only the next one.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct PhaseBody {
    pub phase: OneOf<Phase>,
    /// Close the cycle even though work is unfinished (see `GET /cycles/{id}/phase-move`);
    /// without it, closing over unfinished work is 409. Other moves need no confirmation.
    #[oai(default)]
    pub confirm: bool,
}

/// Work a phase move leaves unfinished.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct UnfinishedBody {
    /// proposed_goals, goals_without_outcome, evaluations_not_started, draft_evaluations
    /// or evaluations_not_reviewed.
    pub kind: String,
    pub count: u64,
    /// As people say it: "6 self-evaluations are still drafts".
    pub message: String,
}

/// A cycle after a phase move, with the work the move left unfinished.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct MovedCycleBody {
    #[oai(flatten)]
    pub cycle: CycleBody,
    pub unfinished: Vec<UnfinishedBody>,
}

/// What moving a cycle to its next phase would leave unfinished, before moving it.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct PhaseMoveBody {
    pub cycle_id: i32,
    /// The phase the cycle is in.
    pub from: String,
    /// The next phase, the only one it may move to.
    pub to: String,
    pub unfinished: Vec<UnfinishedBody>,
    /// The move must carry `"confirm": true` (closing over unfinished work).
    pub confirm_required: bool,
}

fn unfinished_bodies(unfinished: &[Unfinished]) -> Vec<UnfinishedBody> {
    unfinished
        .iter()
        .map(|u| UnfinishedBody {
            kind: u.kind.as_str().to_owned(),
            count: u.count,
            message: u.sentence(),
        })
        .collect()
}

fn phase_move_body(m: PhaseMove) -> PhaseMoveBody {
    PhaseMoveBody {
        cycle_id: m.cycle.id,
        from: m.from.as_str().to_owned(),
        to: m.to.as_str().to_owned(),
        confirm_required: m.needs_confirmation(),
        unfinished: unfinished_bodies(&m.unfinished),
    }
}

pub fn cycle_body(c: Cycle) -> CycleBody {
    CycleBody {
        id: c.id,
        name: c.name,
        plan_id: c.plan_id,
        plan_title: c.plan_title,
        starts_on: c.starts_on.into(),
        ends_on: c.ends_on.into(),
        phase: c.phase.as_str().to_owned(),
        self_evaluation_due_on: c.self_evaluation_due_on.map(Into::into),
    }
}

fn input(body: CycleInputBody) -> CycleInput {
    CycleInput {
        name: body.name,
        plan_id: body.plan_id,
        starts_on: body.starts_on.map(Into::into),
        ends_on: body.ends_on.map(Into::into),
        self_evaluation_due_on: match body.self_evaluation_due_on.0 {
            MaybeUndefined::Undefined => None,
            MaybeUndefined::Null => Some(None),
            MaybeUndefined::Value(day) => Some(Some(day.into())),
        },
    }
}

pub struct CyclesApi;

#[OpenApi(tag = "CycleTags::Cycles")]
impl CyclesApi {
    /// Every review cycle, newest first.
    #[oai(path = "/cycles", method = "get", operation_id = "list_cycles")]
    async fn list(
        &self,
        auth: BearerAuth,
        state: Data<&AppState>,
    ) -> ApiResult<Json<Vec<CycleBody>>> {
        Ok(Json(
            cycles::list(&state.db, &auth.0)
                .await?
                .into_iter()
                .map(cycle_body)
                .collect(),
        ))
    }

    /// Open a cycle in goal setting (cio only). Goals proposed for the coming year in
    /// submitted self-evaluations arrive in it as proposed goals.
    #[oai(path = "/cycles", method = "post", operation_id = "create_cycle")]
    async fn create(
        &self,
        auth: BearerAuth,
        state: Data<&AppState>,
        body: JsonBody<NewCycleBody>,
    ) -> ApiResult<Created<CycleBody>> {
        let body = body.0;
        let input = CycleInput {
            name: Some(body.name),
            plan_id: Some(body.plan_id),
            starts_on: Some(body.starts_on.into()),
            ends_on: Some(body.ends_on.into()),
            self_evaluation_due_on: Some(body.self_evaluation_due_on.map(Into::into)),
        };
        let cycle = cycles::open(
            &state.db,
            &auth.0,
            input,
            crate::reviews::carry_proposals_into,
        )
        .await?;
        Ok(Created::Created(Json(cycle_body(cycle))))
    }

    #[oai(path = "/cycles/:id", method = "get", operation_id = "get_cycle")]
    async fn get(
        &self,
        auth: BearerAuth,
        state: Data<&AppState>,
        id: Path<i32>,
    ) -> ApiResult<Json<CycleBody>> {
        Ok(Json(cycle_body(
            cycles::get(&state.db, &auth.0, id.0).await?,
        )))
    }

    /// Rename a cycle, move its dates or set its self-evaluation deadline (cio only; not
    /// once closed).
    #[oai(path = "/cycles/:id", method = "patch", operation_id = "update_cycle")]
    async fn update(
        &self,
        auth: BearerAuth,
        state: Data<&AppState>,
        id: Path<i32>,
        body: JsonBody<CycleInputBody>,
    ) -> ApiResult<Json<CycleBody>> {
        Ok(Json(cycle_body(
            cycles::update(&state.db, &auth.0, id.0, input(body.0)).await?,
        )))
    }

    /// What moving a cycle to its next phase would leave unfinished (cio only): goals
    /// still proposed; when closing, also self-evaluations not started, still drafts or
    /// not reviewed, and agreed goals with no outcome. 409 when the cycle cannot move (it
    /// is closed, or it has not started and is in goal setting).
    #[oai(
        path = "/cycles/:id/phase-move",
        method = "get",
        operation_id = "preview_cycle_move"
    )]
    async fn preview_move(
        &self,
        auth: BearerAuth,
        state: Data<&AppState>,
        id: Path<i32>,
    ) -> ApiResult<Json<PhaseMoveBody>> {
        let preview =
            cycles::preview_move(&state.db, &auth.0, id.0, crate::reviews::unfinished_work).await?;
        Ok(Json(phase_move_body(preview)))
    }

    /// Move a cycle to its next phase (cio only); the answer lists the work the move left
    /// unfinished. Skipping a phase, reopening a closed cycle or leaving goal setting
    /// before the cycle starts is 409 with the reason; so is closing over unfinished work
    /// without `"confirm": true` (each piece of work listed under `confirm`).
    #[oai(
        path = "/cycles/:id/phase",
        method = "post",
        operation_id = "move_cycle"
    )]
    async fn move_to(
        &self,
        auth: BearerAuth,
        state: Data<&AppState>,
        id: Path<i32>,
        body: JsonBody<PhaseBody>,
    ) -> ApiResult<Json<MovedCycleBody>> {
        let moved = cycles::move_to(
            &state.db,
            &auth.0,
            id.0,
            &body.phase,
            body.confirm,
            crate::reviews::unfinished_work,
        )
        .await?;
        Ok(Json(MovedCycleBody {
            unfinished: unfinished_bodies(&moved.unfinished),
            cycle: cycle_body(moved.cycle),
        }))
    }
}
