//! Self-evaluation and team endpoints.

use crate::api::{Date, JsonBody, OneOf};
use crate::goals::{Category, api::Outcome};
use chrono::{DateTime, Utc};
use poem::web::Data;
use poem_openapi::{Object, OpenApi, Tags, param::Path, param::Query, payload::Json};

use crate::{
    api::{ApiResult, BearerAuth},
    app::AppState,
    cycles::api::{CycleBody, cycle_body},
    goals::api::{GoalBody, ObjectiveRefBody, goal_body},
    people::api::PersonRefBody,
    reviews::{self, EntryInput, Evaluation, EvaluationInput, Evidence, ProposalInput, TeamView},
    validate::Word,
};

#[derive(Tags)]
enum ReviewTags {
    /// Self-evaluations, manager reviews and the team view. Visible to the person, their
    /// managers and the cio only.
    Reviews,
}

/// One piece of evidence. For text send kind and text; for a link, kind, text and url.
/// For recognition the person received during the cycle (kind kudos, notebook or
/// compliment) send kind and ref_id, taken from the evaluation's `offered` list: the server
/// fills text (the message), on and giver, and keeps them even if the item is hidden later.
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct EvidenceBody {
    /// text, link, kudos, notebook or compliment.
    pub kind: String,
    /// What the evidence shows; for recognition, its message (filled by the server).
    #[oai(default)]
    pub text: String,
    /// For a link: an http or https address.
    pub url: Option<String>,
    /// For kudos, notebook or compliment: the id of the item, as listed in `offered`.
    pub ref_id: Option<i64>,
    /// For recognition: the day it was given (filled by the server; ignored on input).
    pub on: Option<Date>,
    /// For recognition: who gave it (filled by the server; ignored on input).
    pub giver: Option<String>,
}

/// A piece of recognition the person received during the cycle, to choose as evidence.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct OfferedEvidenceBody {
    /// kudos, notebook or compliment.
    pub kind: String,
    /// Send this as an evidence item's ref_id, with the same kind.
    pub ref_id: i64,
    pub on: Date,
    /// A colleague's name, or a compliment's giver and affiliation.
    pub giver: String,
    pub message: String,
}

#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct EntryBody {
    pub goal: GoalBody,
    pub narrative: String,
    pub outcome: Option<String>,
    pub self_rating: Option<i16>,
    pub evidence: Vec<EvidenceBody>,
}

#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct ProposalBody {
    pub objective: ObjectiveRefBody,
    pub title: String,
    pub description: String,
    pub category: String,
    /// The goal it became when the next cycle opened.
    pub carried_goal_id: Option<i32>,
}

#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct ReviewBody {
    pub reviewer: PersonRefBody,
    pub comment: String,
    pub rating: i16,
    pub reviewed_at: DateTime<Utc>,
}

#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct ReopeningBody {
    pub reason: String,
    pub by: PersonRefBody,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct EvaluationBody {
    pub id: Option<i32>,
    pub person: PersonRefBody,
    pub cycle: CycleBody,
    /// not_started, draft, submitted or reviewed.
    pub status: String,
    pub reflection: String,
    pub skills_developed: String,
    pub entries: Vec<EntryBody>,
    pub proposals: Vec<ProposalBody>,
    pub submitted_at: Option<DateTime<Utc>>,
    pub review: Option<ReviewBody>,
    pub reopenings: Vec<ReopeningBody>,
    /// Kudos, trophy notebook entries and compliments the person received during the
    /// cycle (hidden ones left out), offered as evidence while the reader may write the
    /// draft; empty otherwise.
    pub offered: Vec<OfferedEvidenceBody>,
}

#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct EntryInputBody {
    pub goal_id: i32,
    #[oai(validator(max_length = 10000))]
    pub narrative: Option<String>,
    pub outcome: Option<OneOf<Outcome>>,
    #[oai(validator(minimum(value = "1"), maximum(value = "5")))]
    pub self_rating: Option<i64>,
    #[oai(default, validator(max_items = 20))]
    pub evidence: Vec<EvidenceBody>,
}

#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct ProposalInputBody {
    /// An objective of the plan in force.
    pub objective_id: i32,
    #[oai(validator(min_length = 1, max_length = 200))]
    pub title: String,
    #[oai(validator(max_length = 10000))]
    pub description: Option<String>,
    pub category: OneOf<Category>,
}

/// The whole draft; entries and proposals replace the saved ones.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct EvaluationInputBody {
    #[oai(validator(max_length = 10000))]
    pub reflection: Option<String>,
    #[oai(validator(max_length = 10000))]
    pub skills_developed: Option<String>,
    #[oai(default)]
    pub entries: Vec<EntryInputBody>,
    #[oai(default, validator(max_items = 10))]
    pub proposals: Vec<ProposalInputBody>,
}

#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct ReviewInputBody {
    #[oai(validator(min_length = 1, max_length = 10000))]
    pub comment: String,
    #[oai(validator(minimum(value = "1"), maximum(value = "5")))]
    pub rating: i64,
}

#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct ReopenBody {
    #[oai(validator(min_length = 1, max_length = 10000))]
    pub reason: String,
}

#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct TeamGoalBody {
    pub id: i32,
    pub title: String,
    pub objective_code: String,
    pub status: String,
    pub progress: i16,
}

#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct TeamMemberBody {
    pub person: PersonRefBody,
    pub manager: Option<PersonRefBody>,
    pub team: String,
    pub goals: Vec<TeamGoalBody>,
    /// not_started, draft, submitted or reviewed.
    pub self_evaluation: String,
}

#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct TeamBody {
    pub cycle: Option<CycleBody>,
    pub members: Vec<TeamMemberBody>,
}

fn evaluation_body(e: Evaluation) -> EvaluationBody {
    EvaluationBody {
        id: e.id,
        person: e.person.into(),
        cycle: cycle_body(e.cycle),
        status: e.status.as_str().to_owned(),
        reflection: e.reflection,
        skills_developed: e.skills_developed,
        entries: e
            .entries
            .into_iter()
            .map(|entry| EntryBody {
                goal: goal_body(entry.goal),
                narrative: entry.narrative,
                outcome: entry.outcome.map(|o| o.as_str().to_owned()),
                self_rating: entry.self_rating,
                evidence: entry
                    .evidence
                    .into_iter()
                    .map(|ev| EvidenceBody {
                        kind: ev.kind,
                        text: ev.text,
                        url: ev.url,
                        ref_id: ev.ref_id,
                        on: ev.on.map(Into::into),
                        giver: ev.giver,
                    })
                    .collect(),
            })
            .collect(),
        proposals: e
            .proposals
            .into_iter()
            .map(|p| ProposalBody {
                objective: ObjectiveRefBody {
                    id: p.objective.id,
                    code: p.objective.code,
                    title: p.objective.title,
                },
                title: p.title,
                description: p.description,
                category: p.category.as_str().to_owned(),
                carried_goal_id: p.carried_goal_id,
            })
            .collect(),
        submitted_at: e.submitted_at,
        review: e.review.map(|r| ReviewBody {
            reviewer: r.reviewer.into(),
            comment: r.comment,
            rating: r.rating,
            reviewed_at: r.reviewed_at,
        }),
        reopenings: e
            .reopenings
            .into_iter()
            .map(|r| ReopeningBody {
                reason: r.reason,
                by: r.by.into(),
                at: r.at,
            })
            .collect(),
        offered: e
            .offered
            .into_iter()
            .map(|r| OfferedEvidenceBody {
                kind: r.kind.as_str().to_owned(),
                ref_id: r.id,
                on: r.on.into(),
                giver: r.giver,
                message: r.message,
            })
            .collect(),
    }
}

fn team_body(view: TeamView) -> TeamBody {
    TeamBody {
        cycle: view.cycle.map(cycle_body),
        members: view
            .members
            .into_iter()
            .map(|m| TeamMemberBody {
                person: m.person.into(),
                manager: m.manager.map(Into::into),
                team: m.team,
                goals: m
                    .goals
                    .into_iter()
                    .map(|g| TeamGoalBody {
                        id: g.id,
                        title: g.title,
                        objective_code: g.objective_code,
                        status: g.status.as_str().to_owned(),
                        progress: g.progress,
                    })
                    .collect(),
                self_evaluation: m.evaluation.as_str().to_owned(),
            })
            .collect(),
    }
}

pub struct ReviewsApi;

#[OpenApi(tag = "ReviewTags::Reviews")]
impl ReviewsApi {
    /// A person's self-evaluation for a cycle (status not_started when there is none yet).
    #[oai(
        path = "/cycles/:id/self-evaluations/:person_id",
        method = "get",
        operation_id = "get_self_evaluation"
    )]
    async fn get(
        &self,
        auth: BearerAuth,
        state: Data<&AppState>,
        id: Path<i32>,
        person_id: Path<i32>,
    ) -> ApiResult<Json<EvaluationBody>> {
        Ok(Json(evaluation_body(
            reviews::get(&state.db, &auth.0, id.0, person_id.0).await?,
        )))
    }

    /// Save one's draft (starting it if needed); only while the cycle is in self-evaluation.
    #[oai(
        path = "/cycles/:id/self-evaluations/:person_id",
        method = "put",
        operation_id = "save_self_evaluation"
    )]
    async fn save(
        &self,
        auth: BearerAuth,
        state: Data<&AppState>,
        id: Path<i32>,
        person_id: Path<i32>,
        body: JsonBody<EvaluationInputBody>,
    ) -> ApiResult<Json<EvaluationBody>> {
        let body = body.0;
        let input = EvaluationInput {
            reflection: body.reflection,
            skills_developed: body.skills_developed,
            entries: body
                .entries
                .into_iter()
                .map(|e| EntryInput {
                    goal_id: e.goal_id,
                    narrative: e.narrative,
                    outcome: e.outcome.map(OneOf::into_string),
                    self_rating: e.self_rating,
                    evidence: e
                        .evidence
                        .into_iter()
                        .map(|ev| Evidence {
                            kind: ev.kind,
                            text: ev.text,
                            url: ev.url,
                            ref_id: ev.ref_id,
                            // The server fills these for recognition from the item itself.
                            on: None,
                            giver: None,
                        })
                        .collect(),
                })
                .collect(),
            proposals: body
                .proposals
                .into_iter()
                .map(|p| ProposalInput {
                    objective_id: Some(p.objective_id),
                    title: Some(p.title),
                    description: p.description,
                    category: Some(p.category.into_string()),
                })
                .collect(),
        };
        Ok(Json(evaluation_body(
            reviews::save_draft(&state.db, &auth.0, id.0, person_id.0, input).await?,
        )))
    }

    /// Submit one's self-evaluation; it is locked afterwards.
    #[oai(
        path = "/cycles/:id/self-evaluations/:person_id/submit",
        method = "post",
        operation_id = "submit_self_evaluation"
    )]
    async fn submit(
        &self,
        auth: BearerAuth,
        state: Data<&AppState>,
        id: Path<i32>,
        person_id: Path<i32>,
    ) -> ApiResult<Json<EvaluationBody>> {
        Ok(Json(evaluation_body(
            reviews::submit(&state.db, &auth.0, id.0, person_id.0, Utc::now()).await?,
        )))
    }

    /// Review a submitted self-evaluation (a manager above the person, or the cio).
    #[oai(
        path = "/cycles/:id/self-evaluations/:person_id/review",
        method = "post",
        operation_id = "review_self_evaluation"
    )]
    async fn review(
        &self,
        auth: BearerAuth,
        state: Data<&AppState>,
        id: Path<i32>,
        person_id: Path<i32>,
        body: JsonBody<ReviewInputBody>,
    ) -> ApiResult<Json<EvaluationBody>> {
        let evaluation = reviews::review(
            &state.db,
            &auth.0,
            id.0,
            person_id.0,
            Some(body.comment.as_str()),
            Some(body.rating),
            Utc::now(),
        )
        .await?;
        Ok(Json(evaluation_body(evaluation)))
    }

    /// Send a submitted or reviewed self-evaluation back to draft, with a reason that is kept.
    #[oai(
        path = "/cycles/:id/self-evaluations/:person_id/reopen",
        method = "post",
        operation_id = "reopen_self_evaluation"
    )]
    async fn reopen(
        &self,
        auth: BearerAuth,
        state: Data<&AppState>,
        id: Path<i32>,
        person_id: Path<i32>,
        body: JsonBody<ReopenBody>,
    ) -> ApiResult<Json<EvaluationBody>> {
        let evaluation = reviews::reopen(
            &state.db,
            &auth.0,
            id.0,
            person_id.0,
            Some(body.reason.as_str()),
            Utc::now(),
        )
        .await?;
        Ok(Json(evaluation_body(evaluation)))
    }

    /// Everyone below the caller in the chain (everyone, for the cio): their goals and
    /// self-evaluation status in a cycle (the current one by default).
    #[oai(path = "/team", method = "get", operation_id = "get_team")]
    async fn team(
        &self,
        auth: BearerAuth,
        state: Data<&AppState>,
        cycle_id: Query<Option<i32>>,
    ) -> ApiResult<Json<TeamBody>> {
        Ok(Json(team_body(
            reviews::team(&state.db, &auth.0, cycle_id.0).await?,
        )))
    }
}
