//! The skills catalog endpoints.

use crate::api::{Date, JsonBody, OneOf};
use crate::skills::SkillCategory;
use poem::web::Data;
use poem_openapi::{
    ApiRequest, Object, OpenApi, Tags,
    param::{Path, Query},
    payload::{Json, PlainText},
};

use crate::{
    api::{ApiResult, BearerAuth, Created, Done},
    app::AppState,
    skills::{self, Skill, SkillInput},
    validate::Word,
};

#[derive(Tags)]
enum SkillTags {
    /// The skills catalog: technical, communication and service skills, each with five levels.
    Skills,
}

#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct SkillBody {
    pub id: i32,
    pub name: String,
    /// technical, communication or service.
    pub category: String,
    pub description: String,
    /// What levels 1 to 5 mean, in order.
    pub levels: Vec<String>,
    pub retired: bool,
}

/// A skill to add, or changes to one (absent fields stay as they are).
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct SkillInputBody {
    #[oai(validator(min_length = 1, max_length = 200))]
    pub name: Option<String>,
    pub category: Option<OneOf<SkillCategory>>,
    #[oai(validator(max_length = 10000))]
    pub description: Option<String>,
    /// Exactly five descriptors, levels 1 to 5; blanks take the default scale.
    #[oai(validator(min_items = 5, max_items = 5))]
    pub levels: Option<Vec<String>>,
    /// A retired skill stays on record but is no longer assessed.
    pub retired: Option<bool>,
}

fn skill_body(s: Skill) -> SkillBody {
    SkillBody {
        id: s.id,
        name: s.name,
        category: s.category.as_str().to_owned(),
        description: s.description,
        levels: s.levels.to_vec(),
        retired: s.retired,
    }
}

/// A skill to add; without level descriptors it gets the default five-level scale.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct NewSkillBody {
    #[oai(validator(min_length = 1, max_length = 200))]
    pub name: String,
    pub category: OneOf<SkillCategory>,
    #[oai(validator(max_length = 10000))]
    pub description: Option<String>,
    /// Exactly five descriptors, levels 1 to 5; blanks take the default scale.
    #[oai(validator(min_items = 5, max_items = 5))]
    pub levels: Option<Vec<String>>,
    /// A retired skill stays on record but is no longer assessed.
    pub retired: Option<bool>,
}

fn input(body: SkillInputBody) -> SkillInput {
    SkillInput {
        name: body.name,
        category: body.category.map(OneOf::into_string),
        description: body.description,
        levels: body.levels,
        retired: body.retired,
    }
}

pub struct SkillsApi;

#[OpenApi(tag = "SkillTags::Skills")]
impl SkillsApi {
    /// The catalog in name order.
    #[oai(path = "/skills", method = "get", operation_id = "list_skills")]
    async fn list(
        &self,
        auth: BearerAuth,
        state: Data<&AppState>,
        /// Include retired skills.
        #[oai(default)]
        include_retired: Query<bool>,
    ) -> ApiResult<Json<Vec<SkillBody>>> {
        let skills = skills::list(&state.db, &auth.0, include_retired.0).await?;
        Ok(Json(skills.into_iter().map(skill_body).collect()))
    }

    /// Add a skill (cio only). Without level descriptors it gets the default five-level scale.
    #[oai(path = "/skills", method = "post", operation_id = "create_skill")]
    async fn create(
        &self,
        auth: BearerAuth,
        state: Data<&AppState>,
        body: JsonBody<NewSkillBody>,
    ) -> ApiResult<Created<SkillBody>> {
        let body = body.0;
        let input = SkillInput {
            name: Some(body.name),
            category: Some(body.category.into_string()),
            description: body.description,
            levels: body.levels,
            retired: body.retired,
        };
        let created = skills::create(&state.db, &auth.0, input).await?;
        Ok(Created::Created(Json(skill_body(created))))
    }

    #[oai(path = "/skills/:id", method = "get", operation_id = "get_skill")]
    async fn get(
        &self,
        auth: BearerAuth,
        state: Data<&AppState>,
        id: Path<i32>,
    ) -> ApiResult<Json<SkillBody>> {
        Ok(Json(skill_body(
            skills::get(&state.db, &auth.0, id.0).await?,
        )))
    }

    /// Change or retire a skill (cio only).
    #[oai(path = "/skills/:id", method = "patch", operation_id = "update_skill")]
    async fn update(
        &self,
        auth: BearerAuth,
        state: Data<&AppState>,
        id: Path<i32>,
        body: JsonBody<SkillInputBody>,
    ) -> ApiResult<Json<SkillBody>> {
        Ok(Json(skill_body(
            skills::update(&state.db, &auth.0, id.0, input(body.0)).await?,
        )))
    }

    /// Delete a skill nobody has used (cio only); 409 otherwise: retire it instead.
    #[oai(path = "/skills/:id", method = "delete", operation_id = "delete_skill")]
    async fn delete(
        &self,
        auth: BearerAuth,
        state: Data<&AppState>,
        id: Path<i32>,
    ) -> ApiResult<Done> {
        skills::delete(&state.db, &auth.0, id.0).await?;
        Ok(Done::NoContent)
    }
}

#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct AssessmentBody {
    pub id: i64,
    pub level: i16,
    /// self or manager.
    pub source: String,
    pub assessor: crate::people::api::PersonRefBody,
    pub assessed_on: Date,
    pub note: String,
}

#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct TrackBody {
    /// The first assessment from this source.
    pub baseline: i16,
    /// The latest.
    pub current: i16,
    /// Oldest first.
    pub history: Vec<AssessmentBody>,
}

#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct TargetBody {
    pub level: i16,
    pub target_date: Option<Date>,
    /// Proposed by the person, not yet set by a manager.
    pub proposed: bool,
}

#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct StandingBody {
    pub skill: SkillBody,
    #[oai(rename = "self")]
    pub own: Option<TrackBody>,
    pub manager: Option<TrackBody>,
    pub target: Option<TargetBody>,
    /// The manager's latest level, or else the person's own.
    pub current: Option<i16>,
    /// target − current.
    pub gap: Option<i16>,
    pub target_reached: bool,
}

#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct SkillsProfileBody {
    pub person: crate::people::api::PersonRefBody,
    pub skills: Vec<StandingBody>,
}

#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct AssessmentInputBody {
    pub skill_id: i32,
    #[oai(validator(minimum(value = "1"), maximum(value = "5")))]
    pub level: i64,
    /// Today when absent; never in the future.
    pub assessed_on: Option<Date>,
    pub note: Option<String>,
}

/// Assessments of one person, recorded together: one's own (self) or, for a manager above
/// them or the cio, a manager's.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct AssessmentsBody {
    pub assessments: Vec<AssessmentInputBody>,
}

#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct RecordedBody {
    pub recorded: u64,
}

/// A baseline round as CSV: a header row naming the columns email, skill, level, date
/// (YYYY-MM-DD), source (self or manager) and optionally note, then one assessment a row.
/// Comma, semicolon or tab separated.
#[derive(Debug, ApiRequest)]
pub enum BaselineFile {
    #[oai(content_type = "text/csv")]
    Csv(PlainText<String>),
}

/// What a baseline import wrote.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct ImportSummaryBody {
    pub assessments: u64,
    pub people: u64,
    pub skills: u64,
}

#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct TargetInputBody {
    #[oai(validator(minimum(value = "1"), maximum(value = "5")))]
    pub level: i64,
    pub target_date: Option<Date>,
}

fn track_body(t: skills::Track) -> TrackBody {
    TrackBody {
        baseline: t.baseline,
        current: t.current,
        history: t
            .history
            .into_iter()
            .map(|a| AssessmentBody {
                id: a.id,
                level: a.level,
                source: a.source.as_str().to_owned(),
                assessor: a.assessor.into(),
                assessed_on: a.assessed_on.into(),
                note: a.note,
            })
            .collect(),
    }
}

#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct SkillFiguresBody {
    pub skill: SkillBody,
    /// People assessed in the skill; 0 when withheld.
    pub people: i64,
    /// For anyone but the cio: a figure is withheld (absent) because it would describe
    /// fewer than this many people, by itself or subtracted from another figure. When
    /// `people` is 0 and this is set, every figure of the skill is withheld.
    pub fewer_than: Option<i64>,
    pub average_baseline: Option<f64>,
    pub average_current: Option<f64>,
    /// Absent when nobody has a target, or when withheld.
    pub average_target: Option<f64>,
    /// People with a target, and of them those at or above it; absent when withheld.
    pub with_target: Option<i64>,
    pub at_or_above_target: Option<i64>,
    /// People currently at levels 1 to 5; absent when withheld.
    pub distribution: Option<Vec<i64>>,
}

#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct HeatCellBody {
    pub skill_id: i32,
    pub current: i16,
    /// The skill's target, or the target level of a development goal in the current
    /// cycle when there is no skill target or the goal's is higher.
    pub target: Option<i16>,
    /// The target is a development goal's.
    pub target_from_goal: bool,
    pub gap: Option<i16>,
}

#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct HeatRowBody {
    pub person: crate::people::api::PersonRefBody,
    /// The largest open gap over the person's skills.
    pub largest_gap: i16,
    pub cells: Vec<HeatCellBody>,
}

#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct HeatmapBody {
    pub skills: Vec<SkillBody>,
    pub people: Vec<HeatRowBody>,
}

pub struct SkillLevelsApi;

#[OpenApi(tag = "SkillTags::Skills")]
impl SkillLevelsApi {
    /// A person's skills: baseline, current and target per skill, with the gap. Visible to
    /// the person, their manager chain and the cio only.
    #[oai(
        path = "/people/:id/skills",
        method = "get",
        operation_id = "get_person_skills"
    )]
    async fn profile(
        &self,
        auth: BearerAuth,
        state: Data<&AppState>,
        id: Path<i32>,
    ) -> ApiResult<Json<SkillsProfileBody>> {
        let profile = skills::profile(&state.db, &auth.0, id.0).await?;
        Ok(Json(SkillsProfileBody {
            person: profile.person.into(),
            skills: profile
                .standings
                .into_iter()
                .map(|s| StandingBody {
                    current: s.current(),
                    gap: s.gap(),
                    target_reached: s.target_reached(),
                    target: s.target.clone().map(|t| TargetBody {
                        level: t.level,
                        target_date: t.target_date.map(Into::into),
                        proposed: t.proposed,
                    }),
                    own: s.own.map(track_body),
                    manager: s.manager.map(track_body),
                    skill: skill_body(s.skill),
                })
                .collect(),
        }))
    }

    /// Department figures per skill: average baseline, current and target, the share at or
    /// above target, and the distribution of levels. Groups under k people give no figures.
    #[oai(
        path = "/skills/department",
        method = "get",
        operation_id = "get_department_skills"
    )]
    async fn department(
        &self,
        auth: BearerAuth,
        state: Data<&AppState>,
    ) -> ApiResult<Json<Vec<SkillFiguresBody>>> {
        let figures = skills::department(
            &state.db,
            &state.skill_figures,
            &auth.0,
            state.settings.privacy_k,
        )
        .await?;
        Ok(Json(
            figures
                .into_iter()
                .map(|f| SkillFiguresBody {
                    skill: skill_body(f.skill),
                    people: f.people,
                    fewer_than: f.fewer_than,
                    average_baseline: f.avg_baseline,
                    average_current: f.avg_current,
                    average_target: f.avg_target,
                    with_target: f.with_target,
                    at_or_above_target: f.at_or_above_target,
                    distribution: f.distribution.map(|d| d.to_vec()),
                })
                .collect(),
        ))
    }

    /// People × skills for the people below the caller (everyone, for the cio): current level
    /// and target per cell. `sort=gap` puts the largest gap first.
    #[oai(
        path = "/skills/team",
        method = "get",
        operation_id = "get_team_skills"
    )]
    async fn team(
        &self,
        auth: BearerAuth,
        state: Data<&AppState>,
        sort: Query<Option<String>>,
    ) -> ApiResult<Json<HeatmapBody>> {
        let map =
            skills::team_heatmap(&state.db, &auth.0, sort.0.as_deref() == Some("gap")).await?;
        let skill_ids: Vec<i32> = map.skills.iter().map(|s| s.id).collect();
        Ok(Json(HeatmapBody {
            people: map
                .rows
                .into_iter()
                .map(|row| HeatRowBody {
                    person: row.person.into(),
                    largest_gap: row.largest_gap,
                    cells: row
                        .cells
                        .iter()
                        .zip(&skill_ids)
                        .filter_map(|(cell, skill_id)| {
                            cell.map(|c| HeatCellBody {
                                skill_id: *skill_id,
                                current: c.current,
                                target: c.target,
                                target_from_goal: c.target_from_goal,
                                gap: c.gap(),
                            })
                        })
                        .collect(),
                })
                .collect(),
            skills: map.skills.into_iter().map(skill_body).collect(),
        }))
    }

    /// Record assessments of a person, several skills in one go, all or none.
    #[oai(
        path = "/people/:id/skill-assessments",
        method = "post",
        operation_id = "assess_skills"
    )]
    async fn assess(
        &self,
        auth: BearerAuth,
        state: Data<&AppState>,
        id: Path<i32>,
        body: JsonBody<AssessmentsBody>,
    ) -> ApiResult<Created<RecordedBody>> {
        let items = body
            .0
            .assessments
            .into_iter()
            .map(|a| skills::AssessmentInput {
                skill_id: Some(a.skill_id),
                level: Some(a.level),
                assessed_on: a.assessed_on.map(Into::into),
                note: a.note,
            })
            .collect();
        let recorded = skills::assess(&state.db, &auth.0, id.0, items).await?;
        Ok(Created::Created(Json(RecordedBody {
            recorded: recorded as u64,
        })))
    }

    /// Set a person's target in a skill (a manager above them, or the cio), or propose one's own.
    #[oai(
        path = "/people/:id/skill-targets/:skill_id",
        method = "put",
        operation_id = "set_skill_target"
    )]
    async fn set_target(
        &self,
        auth: BearerAuth,
        state: Data<&AppState>,
        id: Path<i32>,
        skill_id: Path<i32>,
        body: JsonBody<TargetInputBody>,
    ) -> ApiResult<Done> {
        skills::set_target(
            &state.db,
            &auth.0,
            id.0,
            Some(skill_id.0),
            Some(body.level),
            body.target_date.map(Into::into),
        )
        .await?;
        Ok(Done::NoContent)
    }

    /// Import a baseline round (the cio): every row is checked first, and one bad row
    /// rejects the whole file with 422 listing each row number and reason; nothing is
    /// written then.
    #[oai(
        path = "/skills/baseline-imports",
        method = "post",
        operation_id = "import_skill_baseline"
    )]
    async fn import_baseline(
        &self,
        auth: BearerAuth,
        state: Data<&AppState>,
        file: BaselineFile,
    ) -> ApiResult<Created<ImportSummaryBody>> {
        let BaselineFile::Csv(PlainText(text)) = file;
        let summary = skills::import_baseline(&state.db, &auth.0, &text).await?;
        Ok(Created::Created(Json(ImportSummaryBody {
            assessments: summary.assessments as u64,
            people: summary.people as u64,
            skills: summary.skills as u64,
        })))
    }
}
