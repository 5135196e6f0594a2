//! The performance goal endpoints.

use crate::api::{Date, JsonBody, OneOf};
use crate::goals::Category;
use chrono::{DateTime, Utc};
use poem::web::Data;
use poem_openapi::{Object, OpenApi, Tags, param::Path, param::Query, payload::Json};

use crate::{
    api::{ApiResult, BearerAuth, Created},
    app::AppState,
    goals::{self, Assignees, Goal, GoalDetail, GoalInput},
    people::api::PersonRefBody,
    validate::Word,
};

#[derive(Tags)]
enum GoalTags {
    /// Performance goals, each linked to one objective of the cycle's plan. Visible to
    /// the owner, their managers and the cio only.
    Goals,
}

#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct ObjectiveRefBody {
    pub id: i32,
    pub code: String,
    pub title: String,
}

#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct GoalBody {
    pub id: i32,
    pub owner: PersonRefBody,
    pub cycle_id: i32,
    pub objective: ObjectiveRefBody,
    pub title: String,
    pub description: String,
    /// technical, communication, service or other.
    pub category: String,
    /// For development goals, once the skills area exists.
    pub skill_id: Option<i32>,
    pub target_level: Option<i16>,
    pub due_on: Option<Date>,
    /// 0 to 100.
    pub progress: i16,
    /// proposed, agreed, in_progress, achieved, partially_achieved, not_achieved or dropped.
    pub status: String,
    pub agreed_by: Option<PersonRefBody>,
    pub agreed_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct ProgressNoteBody {
    pub progress: i16,
    pub note: String,
    pub noted_on: Date,
    pub author: PersonRefBody,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct DevelopmentBody {
    pub skill_id: i32,
    pub skill_name: String,
    pub target_level: i16,
    /// The owner's latest assessed level in the skill.
    pub current_level: Option<i16>,
    /// Levels still to grow.
    pub gap: Option<i16>,
    pub target_reached: bool,
}

/// A proposed goal sent back to its owner with a comment.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct SendBackBody {
    pub comment: String,
    pub by: PersonRefBody,
    pub at: DateTime<Utc>,
    /// Not yet answered: the owner has not changed the goal since, and it is not agreed.
    pub open: bool,
}

/// Why a proposed goal goes back to its owner.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct SendBackRequestBody {
    #[oai(validator(min_length = 1, max_length = 10000))]
    pub comment: String,
}

#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct GoalDetailBody {
    #[oai(flatten)]
    pub goal: GoalBody,
    /// Newest first.
    pub history: Vec<ProgressNoteBody>,
    /// Every time the goal was sent back to its owner, newest first.
    pub send_backs: Vec<SendBackBody>,
    /// For a development goal: how far the latest assessment is from the target.
    pub development: Option<DevelopmentBody>,
}

/// A goal to propose.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct NewGoalBody {
    /// Whose goal; the caller's own when absent. A manager may propose for a report.
    pub person_id: Option<i32>,
    #[oai(validator(min_length = 1, max_length = 200))]
    pub title: String,
    #[oai(validator(max_length = 10000))]
    pub description: Option<String>,
    pub category: OneOf<Category>,
    /// An objective of the cycle's plan.
    pub objective_id: i32,
    /// Within the cycle's dates.
    pub due_on: Option<Date>,
    /// For a development goal: the skill to grow, and `target_level` (1 to 5) to reach.
    pub skill_id: Option<i32>,
    #[oai(validator(minimum(value = "1"), maximum(value = "5")))]
    pub target_level: Option<i64>,
}

/// Changes to a goal; absent fields stay as they are.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct GoalInputBody {
    /// An objective of the cycle's plan.
    pub objective_id: Option<i32>,
    #[oai(validator(min_length = 1, max_length = 200))]
    pub title: Option<String>,
    #[oai(validator(max_length = 10000))]
    pub description: Option<String>,
    pub category: Option<OneOf<Category>>,
    /// Within the cycle's dates.
    pub due_on: Option<Date>,
    /// For a development goal: the skill to grow, and `target_level` (1 to 5) to reach.
    pub skill_id: Option<i32>,
    #[oai(validator(minimum(value = "1"), maximum(value = "5")))]
    pub target_level: Option<i64>,
}

/// One goal for many people: `person_ids`, a `team`, or both.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct AssignBody {
    #[oai(default)]
    pub person_ids: Vec<i32>,
    pub team: Option<String>,
    pub objective_id: i32,
    #[oai(validator(min_length = 1, max_length = 200))]
    pub title: String,
    #[oai(validator(max_length = 10000))]
    pub description: Option<String>,
    pub category: OneOf<Category>,
    pub due_on: Option<Date>,
    pub skill_id: Option<i32>,
    #[oai(validator(minimum(value = "1"), maximum(value = "5")))]
    pub target_level: Option<i64>,
}

#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct ProgressBody {
    #[oai(validator(minimum(value = "0"), maximum(value = "100")))]
    pub progress: i64,
    #[oai(validator(min_length = 1, max_length = 10000))]
    pub note: String,
    /// The day the progress is reported for; today when absent.
    pub noted_on: Option<Date>,
}

#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct OutcomeBody {
    pub status: OneOf<Outcome>,
}

/// The words a goal can end with (`GoalStatus::OUTCOMES`), for the document's enum.
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
pub enum Outcome {
    Achieved,
    PartiallyAchieved,
    NotAchieved,
    Dropped,
}

pub fn goal_body(g: Goal) -> GoalBody {
    GoalBody {
        id: g.id,
        owner: g.owner.into(),
        cycle_id: g.cycle_id,
        objective: ObjectiveRefBody {
            id: g.objective.id,
            code: g.objective.code,
            title: g.objective.title,
        },
        title: g.title,
        description: g.description,
        category: g.category.as_str().to_owned(),
        skill_id: g.skill_id,
        target_level: g.target_level,
        due_on: g.due_on.map(Into::into),
        progress: g.progress,
        status: g.status.as_str().to_owned(),
        agreed_by: g.agreed_by.map(Into::into),
        agreed_at: g.agreed_at,
        created_at: g.created_at,
        updated_at: g.updated_at,
    }
}

fn detail_body(d: GoalDetail) -> GoalDetailBody {
    GoalDetailBody {
        development: d.development.map(|dev| DevelopmentBody {
            gap: dev.gap(),
            target_reached: dev.reached(),
            skill_id: dev.skill_id,
            skill_name: dev.skill_name,
            target_level: dev.target_level,
            current_level: dev.current_level,
        }),
        send_backs: d
            .send_backs
            .into_iter()
            .map(|s| SendBackBody {
                comment: s.comment,
                by: s.by.into(),
                at: s.at,
                open: s.open,
            })
            .collect(),
        history: d
            .history
            .into_iter()
            .map(|n| ProgressNoteBody {
                progress: n.progress,
                note: n.note,
                noted_on: n.noted_on.into(),
                author: n.author.into(),
                created_at: n.created_at,
            })
            .collect(),
        goal: goal_body(d.goal),
    }
}

fn goal_input(body: &GoalInputBody) -> GoalInput {
    GoalInput {
        objective_id: body.objective_id,
        title: body.title.clone(),
        description: body.description.clone(),
        category: body.category.clone().map(OneOf::into_string),
        due_on: body.due_on.map(Into::into),
        skill_id: body.skill_id,
        target_level: body.target_level,
    }
}

pub struct GoalsApi;

#[OpenApi(tag = "GoalTags::Goals")]
impl GoalsApi {
    /// A person's goals in a cycle (the caller's own without `person_id`).
    #[oai(
        path = "/cycles/:id/goals",
        method = "get",
        operation_id = "list_goals"
    )]
    async fn list(
        &self,
        auth: BearerAuth,
        state: Data<&AppState>,
        id: Path<i32>,
        person_id: Query<Option<i32>>,
    ) -> ApiResult<Json<Vec<GoalBody>>> {
        let person = person_id.0.unwrap_or(auth.0.person_id);
        let goals = goals::for_person(&state.db, &auth.0, id.0, person).await?;
        Ok(Json(goals.into_iter().map(goal_body).collect()))
    }

    /// Propose a goal, linked to an objective of the cycle's plan.
    #[oai(
        path = "/cycles/:id/goals",
        method = "post",
        operation_id = "propose_goal"
    )]
    async fn propose(
        &self,
        auth: BearerAuth,
        state: Data<&AppState>,
        id: Path<i32>,
        body: JsonBody<NewGoalBody>,
    ) -> ApiResult<Created<GoalBody>> {
        let body = body.0;
        let person = body.person_id.unwrap_or(auth.0.person_id);
        let input = GoalInput {
            objective_id: Some(body.objective_id),
            title: Some(body.title),
            description: body.description,
            category: Some(body.category.into_string()),
            due_on: body.due_on.map(Into::into),
            skill_id: body.skill_id,
            target_level: body.target_level,
        };
        let goal = goals::propose(&state.db, &auth.0, id.0, person, input, Utc::now()).await?;
        Ok(Created::Created(Json(goal_body(goal))))
    }

    /// Give one goal to several people or a whole team at once (their manager or the cio):
    /// one agreed goal each, all or none.
    #[oai(
        path = "/cycles/:id/goals/assign",
        method = "post",
        operation_id = "assign_goal"
    )]
    async fn assign(
        &self,
        auth: BearerAuth,
        state: Data<&AppState>,
        id: Path<i32>,
        body: JsonBody<AssignBody>,
    ) -> ApiResult<Created<Vec<GoalBody>>> {
        let body = body.0;
        let who = Assignees {
            person_ids: body.person_ids,
            team: body.team,
        };
        let input = GoalInput {
            objective_id: Some(body.objective_id),
            title: Some(body.title),
            description: body.description,
            category: Some(body.category.into_string()),
            due_on: body.due_on.map(Into::into),
            skill_id: body.skill_id,
            target_level: body.target_level,
        };
        let goals = goals::assign(&state.db, &auth.0, id.0, who, input, Utc::now()).await?;
        Ok(Created::Created(Json(
            goals.into_iter().map(goal_body).collect(),
        )))
    }

    /// A goal with its progress history.
    #[oai(path = "/goals/:id", method = "get", operation_id = "get_goal")]
    async fn get(
        &self,
        auth: BearerAuth,
        state: Data<&AppState>,
        id: Path<i32>,
    ) -> ApiResult<Json<GoalDetailBody>> {
        Ok(Json(detail_body(
            goals::get(&state.db, &auth.0, id.0).await?,
        )))
    }

    /// Change a proposed or agreed goal. An agreed goal the owner changes goes back to proposed.
    #[oai(path = "/goals/:id", method = "patch", operation_id = "update_goal")]
    async fn update(
        &self,
        auth: BearerAuth,
        state: Data<&AppState>,
        id: Path<i32>,
        body: JsonBody<GoalInputBody>,
    ) -> ApiResult<Json<GoalBody>> {
        Ok(Json(goal_body(
            goals::update(&state.db, &auth.0, id.0, goal_input(&body)).await?,
        )))
    }

    /// Agree to a proposed goal (a manager above the owner, or the cio).
    #[oai(
        path = "/goals/:id/agree",
        method = "post",
        operation_id = "agree_goal"
    )]
    async fn agree(
        &self,
        auth: BearerAuth,
        state: Data<&AppState>,
        id: Path<i32>,
    ) -> ApiResult<Json<GoalBody>> {
        Ok(Json(goal_body(
            goals::agree(&state.db, &auth.0, id.0, Utc::now()).await?,
        )))
    }

    /// Send a proposed goal back to its owner with a comment, instead of agreeing to it (a
    /// manager above the owner, or the cio). It stays proposed; the comment stays open on
    /// it until the owner changes the goal or it is agreed.
    #[oai(
        path = "/goals/:id/send-back",
        method = "post",
        operation_id = "send_goal_back"
    )]
    async fn send_back(
        &self,
        auth: BearerAuth,
        state: Data<&AppState>,
        id: Path<i32>,
        body: JsonBody<SendBackRequestBody>,
    ) -> ApiResult<Json<GoalDetailBody>> {
        Ok(Json(detail_body(
            goals::send_back(&state.db, &auth.0, id.0, Some(&body.comment)).await?,
        )))
    }

    /// Report progress (the owner): 0–100 with a dated note; the history is kept.
    #[oai(
        path = "/goals/:id/progress",
        method = "post",
        operation_id = "report_progress"
    )]
    async fn progress(
        &self,
        auth: BearerAuth,
        state: Data<&AppState>,
        id: Path<i32>,
        body: JsonBody<ProgressBody>,
    ) -> ApiResult<Json<GoalBody>> {
        let goal = goals::report_progress(
            &state.db,
            &auth.0,
            id.0,
            Some(body.progress),
            Some(body.note.as_str()),
            body.noted_on.map(Into::into),
        )
        .await?;
        Ok(Json(goal_body(goal)))
    }

    /// End a goal with its outcome (the owner), or drop it (the owner or a manager).
    #[oai(
        path = "/goals/:id/outcome",
        method = "post",
        operation_id = "set_goal_outcome"
    )]
    async fn outcome(
        &self,
        auth: BearerAuth,
        state: Data<&AppState>,
        id: Path<i32>,
        body: JsonBody<OutcomeBody>,
    ) -> ApiResult<Json<GoalBody>> {
        Ok(Json(goal_body(
            goals::set_outcome(&state.db, &auth.0, id.0, &body.status).await?,
        )))
    }
}
