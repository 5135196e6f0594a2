//! The skills catalog endpoints.

use poem::web::Data;
use poem_openapi::{Object, OpenApi, Tags, param::Path, param::Query, payload::Json};

use crate::{
    api::{ApiResult, BearerAuth, Created, Done},
    app::AppState,
    skills::{self, Skill, SkillInput},
};

#[derive(Tags)]
enum SkillTags {
    /// The skills catalog: technical, communication and service skills, each with five levels.
    Skills,
}

#[derive(Debug, Object)]
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
pub struct SkillInputBody {
    pub name: Option<String>,
    /// technical, communication or service.
    pub category: Option<String>,
    pub description: Option<String>,
    /// Exactly five descriptors, levels 1 to 5; blanks take the default scale.
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

fn input(body: SkillInputBody) -> SkillInput {
    SkillInput {
        name: body.name,
        category: body.category,
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
        body: Json<SkillInputBody>,
    ) -> ApiResult<Created<SkillBody>> {
        let created = skills::create(&state.db, &auth.0, input(body.0)).await?;
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
        body: Json<SkillInputBody>,
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
