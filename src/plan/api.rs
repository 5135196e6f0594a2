//! The strategic plan endpoints.

use crate::api::{JsonBody, OneOf};
use crate::plan::PlanStatus;
use poem::web::Data;
use poem_openapi::{Object, OpenApi, Tags, param::Path, param::Query, payload::Json};

use crate::{
    api::{ApiResult, BearerAuth, Created, Done},
    app::AppState,
    plan::{self, PartInput, Plan, PlanInput, PlanSummary},
    validate::Word,
};

#[derive(Tags)]
enum PlanTags {
    /// The department's strategic plan: goals and objectives that staff goals link to.
    Plan,
}

#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct PlanSummaryBody {
    pub id: i32,
    pub title: String,
    pub start_year: i32,
    pub end_year: i32,
    /// draft, active or archived.
    pub status: String,
}

#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct PlanBody {
    #[oai(flatten)]
    pub summary: PlanSummaryBody,
    pub mission: String,
    pub vision: String,
    pub values: Vec<String>,
    pub goals: Vec<StrategicGoalBody>,
}

#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct StrategicGoalBody {
    pub id: i32,
    /// Stable code such as "G1".
    pub code: String,
    pub title: String,
    pub description: String,
    pub objectives: Vec<ObjectiveBody>,
}

#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct ObjectiveBody {
    pub id: i32,
    /// Stable code such as "G1.2".
    pub code: String,
    pub title: String,
    pub measure: String,
    pub retired: bool,
    /// Goals linked to it (dropped goals not counted); absent when withheld.
    pub linked_goals: Option<i64>,
    /// Of those, the achieved ones; absent when withheld.
    pub achieved_goals: Option<i64>,
    /// For anyone but the cio: a figure is withheld because it would describe fewer than
    /// this many people, by itself or subtracted from another figure (another cycle, all
    /// cycles, the linked or achieved goals).
    pub fewer_than: Option<i64>,
    /// Nobody works on it.
    pub uncovered: bool,
}

/// A plan to create, or changes to one (absent fields stay as they are).
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct PlanInputBody {
    #[oai(validator(min_length = 1, max_length = 200))]
    pub title: Option<String>,
    #[oai(validator(minimum(value = "2000"), maximum(value = "2100")))]
    pub start_year: Option<i32>,
    #[oai(validator(minimum(value = "2000"), maximum(value = "2100")))]
    pub end_year: Option<i32>,
    #[oai(validator(max_length = 10000))]
    pub mission: Option<String>,
    #[oai(validator(max_length = 10000))]
    pub vision: Option<String>,
    /// The department's values, one short phrase each.
    #[oai(validator(max_items = 20))]
    pub values: Option<Vec<String>>,
    /// Making a plan active archives the one in force.
    pub status: Option<OneOf<PlanStatus>>,
}

/// A plan to create: a title and its years; without a status it is a draft.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct NewPlanBody {
    #[oai(validator(min_length = 1, max_length = 200))]
    pub title: String,
    #[oai(validator(minimum(value = "2000"), maximum(value = "2100")))]
    pub start_year: i32,
    /// Not before `start_year`.
    #[oai(validator(minimum(value = "2000"), maximum(value = "2100")))]
    pub end_year: i32,
    #[oai(validator(max_length = 10000))]
    pub mission: Option<String>,
    #[oai(validator(max_length = 10000))]
    pub vision: Option<String>,
    /// The department's values, one short phrase each.
    #[oai(validator(max_items = 20))]
    pub values: Option<Vec<String>>,
    /// Making a plan active archives the one in force.
    pub status: Option<OneOf<PlanStatus>>,
}

/// A strategic goal to add, or changes to one.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct StrategicGoalInputBody {
    #[oai(validator(min_length = 1, max_length = 200))]
    pub title: Option<String>,
    #[oai(validator(max_length = 10000))]
    pub description: Option<String>,
    /// 1-based place among the plan's goals.
    #[oai(validator(minimum(value = "1")))]
    pub position: Option<i32>,
}

/// A strategic goal to add.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct NewStrategicGoalBody {
    #[oai(validator(min_length = 1, max_length = 200))]
    pub title: String,
    #[oai(validator(max_length = 10000))]
    pub description: Option<String>,
    /// 1-based place among the plan's goals; last when absent.
    #[oai(validator(minimum(value = "1")))]
    pub position: Option<i32>,
}

/// An objective to add, or changes to one.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct ObjectiveInputBody {
    #[oai(validator(min_length = 1, max_length = 200))]
    pub title: Option<String>,
    #[oai(validator(max_length = 10000))]
    pub measure: Option<String>,
    /// 1-based place among the goal's objectives.
    #[oai(validator(minimum(value = "1")))]
    pub position: Option<i32>,
    /// A retired objective takes no new goals.
    pub retired: Option<bool>,
}

/// An objective to add.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct NewObjectiveBody {
    #[oai(validator(min_length = 1, max_length = 200))]
    pub title: String,
    #[oai(validator(max_length = 10000))]
    pub measure: Option<String>,
    /// 1-based place among the goal's objectives; last when absent.
    #[oai(validator(minimum(value = "1")))]
    pub position: Option<i32>,
    /// A retired objective takes no new goals.
    pub retired: Option<bool>,
}

#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct CreatedId {
    pub id: i32,
}

pub fn summary_body(s: PlanSummary) -> PlanSummaryBody {
    PlanSummaryBody {
        id: s.id,
        title: s.title,
        start_year: s.start_year,
        end_year: s.end_year,
        status: s.status.as_str().to_owned(),
    }
}

fn plan_body(p: Plan) -> PlanBody {
    PlanBody {
        summary: summary_body(p.summary),
        mission: p.mission,
        vision: p.vision,
        values: p.values,
        goals: p
            .goals
            .into_iter()
            .map(|g| StrategicGoalBody {
                id: g.id,
                code: g.code,
                title: g.title,
                description: g.description,
                objectives: g
                    .objectives
                    .into_iter()
                    .map(|o| ObjectiveBody {
                        uncovered: o.uncovered(),
                        id: o.id,
                        code: o.code,
                        title: o.title,
                        measure: o.measure,
                        retired: o.retired,
                        linked_goals: o.linked_goals,
                        achieved_goals: o.achieved_goals,
                        fewer_than: o.fewer_than,
                    })
                    .collect(),
            })
            .collect(),
    }
}

fn plan_input(body: PlanInputBody) -> PlanInput {
    PlanInput {
        title: body.title,
        start_year: body.start_year,
        end_year: body.end_year,
        mission: body.mission,
        vision: body.vision,
        values: body.values,
        status: body.status.map(OneOf::into_string),
    }
}

pub struct PlanApi;

#[OpenApi(tag = "PlanTags::Plan")]
impl PlanApi {
    /// Every plan, newest first.
    #[oai(path = "/plans", method = "get", operation_id = "list_plans")]
    async fn list(
        &self,
        auth: BearerAuth,
        state: Data<&AppState>,
    ) -> ApiResult<Json<Vec<PlanSummaryBody>>> {
        Ok(Json(
            plan::list(&state.db, &auth.0)
                .await?
                .into_iter()
                .map(summary_body)
                .collect(),
        ))
    }

    /// Create a plan (cio only).
    #[oai(path = "/plans", method = "post", operation_id = "create_plan")]
    async fn create(
        &self,
        auth: BearerAuth,
        state: Data<&AppState>,
        body: JsonBody<NewPlanBody>,
    ) -> ApiResult<Created<PlanSummaryBody>> {
        let body = body.0;
        let input = PlanInput {
            title: Some(body.title),
            start_year: Some(body.start_year),
            end_year: Some(body.end_year),
            mission: body.mission,
            vision: body.vision,
            values: body.values,
            status: body.status.map(OneOf::into_string),
        };
        let created = plan::create(&state.db, &auth.0, input).await?;
        Ok(Created::Created(Json(summary_body(created))))
    }

    /// A plan with its goals and objectives, and per objective how many goals are linked
    /// and achieved (in one cycle, with `cycle_id`).
    #[oai(path = "/plans/:id", method = "get", operation_id = "get_plan")]
    async fn get(
        &self,
        auth: BearerAuth,
        state: Data<&AppState>,
        id: Path<i32>,
        cycle_id: Query<Option<i32>>,
    ) -> ApiResult<Json<PlanBody>> {
        Ok(Json(plan_body(
            plan::get(
                &state.db,
                &auth.0,
                id.0,
                cycle_id.0,
                state.settings.privacy_k,
            )
            .await?,
        )))
    }

    /// Change a plan or its status (cio only).
    #[oai(path = "/plans/:id", method = "patch", operation_id = "update_plan")]
    async fn update(
        &self,
        auth: BearerAuth,
        state: Data<&AppState>,
        id: Path<i32>,
        body: JsonBody<PlanInputBody>,
    ) -> ApiResult<Json<PlanSummaryBody>> {
        Ok(Json(summary_body(
            plan::update(&state.db, &auth.0, id.0, plan_input(body.0)).await?,
        )))
    }

    /// Add a strategic goal to a plan (cio only).
    #[oai(
        path = "/plans/:id/goals",
        method = "post",
        operation_id = "add_strategic_goal"
    )]
    async fn add_goal(
        &self,
        auth: BearerAuth,
        state: Data<&AppState>,
        id: Path<i32>,
        body: JsonBody<NewStrategicGoalBody>,
    ) -> ApiResult<Created<CreatedId>> {
        let body = body.0;
        let input = PartInput {
            title: Some(body.title),
            detail: body.description,
            position: body.position,
            retired: None,
        };
        let id = plan::add_goal(&state.db, &auth.0, id.0, input).await?;
        Ok(Created::Created(Json(CreatedId { id })))
    }

    /// Change or move a strategic goal (cio only).
    #[oai(
        path = "/strategic-goals/:id",
        method = "patch",
        operation_id = "update_strategic_goal"
    )]
    async fn update_goal(
        &self,
        auth: BearerAuth,
        state: Data<&AppState>,
        id: Path<i32>,
        body: JsonBody<StrategicGoalInputBody>,
    ) -> ApiResult<Done> {
        let body = body.0;
        let input = PartInput {
            title: body.title,
            detail: body.description,
            position: body.position,
            retired: None,
        };
        plan::update_goal(&state.db, &auth.0, id.0, input).await?;
        Ok(Done::NoContent)
    }

    /// Delete a strategic goal without objectives (cio only).
    #[oai(
        path = "/strategic-goals/:id",
        method = "delete",
        operation_id = "delete_strategic_goal"
    )]
    async fn delete_goal(
        &self,
        auth: BearerAuth,
        state: Data<&AppState>,
        id: Path<i32>,
    ) -> ApiResult<Done> {
        plan::delete_goal(&state.db, &auth.0, id.0).await?;
        Ok(Done::NoContent)
    }

    /// Add an objective to a strategic goal (cio only).
    #[oai(
        path = "/strategic-goals/:id/objectives",
        method = "post",
        operation_id = "add_objective"
    )]
    async fn add_objective(
        &self,
        auth: BearerAuth,
        state: Data<&AppState>,
        id: Path<i32>,
        body: JsonBody<NewObjectiveBody>,
    ) -> ApiResult<Created<CreatedId>> {
        let body = body.0;
        let input = PartInput {
            title: Some(body.title),
            detail: body.measure,
            position: body.position,
            retired: body.retired,
        };
        let id = plan::add_objective(&state.db, &auth.0, id.0, input).await?;
        Ok(Created::Created(Json(CreatedId { id })))
    }

    /// Change, move or retire an objective (cio only).
    #[oai(
        path = "/objectives/:id",
        method = "patch",
        operation_id = "update_objective"
    )]
    async fn update_objective(
        &self,
        auth: BearerAuth,
        state: Data<&AppState>,
        id: Path<i32>,
        body: JsonBody<ObjectiveInputBody>,
    ) -> ApiResult<Done> {
        let body = body.0;
        let input = PartInput {
            title: body.title,
            detail: body.measure,
            position: body.position,
            retired: body.retired,
        };
        plan::update_objective(&state.db, &auth.0, id.0, input).await?;
        Ok(Done::NoContent)
    }

    /// Delete an objective no goal is linked to (cio only); 409 otherwise: retire it instead.
    #[oai(
        path = "/objectives/:id",
        method = "delete",
        operation_id = "delete_objective"
    )]
    async fn delete_objective(
        &self,
        auth: BearerAuth,
        state: Data<&AppState>,
        id: Path<i32>,
    ) -> ApiResult<Done> {
        plan::delete_objective(&state.db, &auth.0, id.0).await?;
        Ok(Done::NoContent)
    }
}
