//! The people endpoints: thin, they parse, call the people service and map the answer.

use crate::api::{JsonBody, Nullable, OneOf};
use crate::people::Role;
use chrono::{DateTime, Utc};
use poem_openapi::{
    ApiResponse, Object, OpenApi, Tags,
    param::{Path, Query},
    payload::Json,
    types::MaybeUndefined,
};

use crate::validate::Word;
use crate::{
    api::{ApiResult, BearerAuth},
    app::AppState,
    people::{self, DirectoryFilter, Person, PersonChangesInput, PersonInput},
};
use poem::web::Data;

#[derive(Tags)]
enum PeopleTags {
    /// The directory of the department: people, roles and the manager chain.
    People,
}

/// A person in the directory.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct PersonBody {
    pub id: i32,
    pub email: String,
    pub name: String,
    pub job_title: String,
    pub team: String,
    /// staff, cio or advisor.
    pub role: String,
    pub manager: Option<PersonRefBody>,
    /// Inactive people stay in the records but cannot sign in.
    pub active: bool,
    /// Active and has a password.
    pub can_sign_in: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct PersonRefBody {
    pub id: i32,
    pub name: String,
}

/// The one conversion of a person reference into its API body; every area's API uses it.
impl From<people::PersonRef> for PersonRefBody {
    fn from(person: people::PersonRef) -> Self {
        PersonRefBody {
            id: person.id,
            name: person.name,
        }
    }
}

/// A profile: the person and their direct reports.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct ProfileBody {
    #[oai(flatten)]
    pub person: PersonBody,
    pub reports: Vec<PersonRefBody>,
}

/// The signed-in person.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct MeBody {
    #[oai(flatten)]
    pub person: PersonBody,
    /// Has direct reports.
    pub is_manager: bool,
}

#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct PersonPage {
    pub items: Vec<PersonBody>,
    /// Pass as `after` to get the next page; absent on the last page.
    pub next: Option<String>,
}

/// A new person. Required: email, name, role.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct CreatePersonBody {
    #[oai(validator(min_length = 1, max_length = 254))]
    pub email: String,
    #[oai(validator(min_length = 1, max_length = 200))]
    pub name: String,
    #[oai(validator(max_length = 200))]
    pub job_title: Option<String>,
    #[oai(validator(max_length = 200))]
    pub team: Option<String>,
    /// staff, cio or advisor.
    pub role: OneOf<Role>,
    pub manager_id: Option<i32>,
    /// An initial password (at least 10 characters); without one the person cannot sign in yet.
    #[oai(write_only, validator(min_length = 10, max_length = 1024))]
    pub password: Option<String>,
}

/// Changes to a person; absent fields stay as they are. `manager_id: null` removes the manager.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct UpdatePersonBody {
    #[oai(validator(min_length = 1, max_length = 254))]
    pub email: Option<String>,
    #[oai(validator(min_length = 1, max_length = 200))]
    pub name: Option<String>,
    #[oai(validator(max_length = 200))]
    pub job_title: Option<String>,
    #[oai(validator(max_length = 200))]
    pub team: Option<String>,
    /// staff, cio or advisor.
    pub role: Option<OneOf<Role>>,
    pub manager_id: Nullable<i32>,
    /// false deactivates the person (they are never deleted); true reactivates them.
    pub active: Option<bool>,
    /// A new password for the person.
    #[oai(write_only, validator(min_length = 10, max_length = 1024))]
    pub password: Option<String>,
}

#[derive(ApiResponse)]
pub enum CreatedPerson {
    /// The person was added.
    #[oai(status = 201)]
    Created(Json<PersonBody>, #[oai(header = "Location")] String),
}

pub fn person_body(p: Person) -> PersonBody {
    PersonBody {
        id: p.id,
        email: p.email,
        name: p.name,
        job_title: p.job_title,
        team: p.team,
        role: p.role.as_str().to_owned(),
        manager: p.manager.map(Into::into),
        active: p.active,
        can_sign_in: p.can_sign_in,
        created_at: p.created_at,
        updated_at: p.updated_at,
    }
}

pub struct PeopleApi;

#[OpenApi(tag = "PeopleTags::People")]
impl PeopleApi {
    /// The signed-in person.
    #[oai(path = "/me", method = "get", operation_id = "get_me")]
    async fn me(&self, auth: BearerAuth, state: Data<&AppState>) -> ApiResult<Json<MeBody>> {
        let actor = auth.0;
        let profile = people::profile(&state.db, &actor, actor.person_id).await?;
        Ok(Json(MeBody {
            person: person_body(profile.person),
            is_manager: actor.is_manager,
        }))
    }

    /// The directory, in name order. Everyone signed in may read it.
    #[oai(path = "/people", method = "get", operation_id = "list_people")]
    #[allow(clippy::too_many_arguments)] // poem-openapi takes each query parameter as an argument
    async fn list(
        &self,
        auth: BearerAuth,
        state: Data<&AppState>,
        /// Matches name, email, job title or team.
        q: Query<Option<String>>,
        team: Query<Option<String>>,
        /// Include people who have been deactivated.
        #[oai(default)]
        include_inactive: Query<bool>,
        /// Page size, 1 to 200 (default 50).
        #[oai(validator(minimum(value = "1"), maximum(value = "200")))]
        limit: Query<Option<u64>>,
        /// The `next` cursor of the previous page.
        after: Query<Option<String>>,
    ) -> ApiResult<Json<PersonPage>> {
        let page = people::directory(
            &state.db,
            &auth.0,
            DirectoryFilter {
                query: q.0,
                team: team.0,
                include_inactive: include_inactive.0,
                limit: limit.0,
                after: after.0,
            },
        )
        .await?;
        Ok(Json(PersonPage {
            items: page.items.into_iter().map(person_body).collect(),
            next: page.next,
        }))
    }

    /// Add a person (cio only).
    #[oai(path = "/people", method = "post", operation_id = "create_person")]
    async fn create(
        &self,
        auth: BearerAuth,
        state: Data<&AppState>,
        body: JsonBody<CreatePersonBody>,
    ) -> ApiResult<CreatedPerson> {
        let body = body.0;
        let person = people::create(
            &state.db,
            &auth.0,
            PersonInput {
                email: Some(body.email),
                name: Some(body.name),
                job_title: body.job_title,
                team: body.team,
                role: Some(body.role.into_string()),
                manager_id: body.manager_id,
                password: body.password,
            },
        )
        .await?;
        let location = format!("/api/v1/people/{}", person.id);
        Ok(CreatedPerson::Created(Json(person_body(person)), location))
    }

    /// A person's profile, with their direct reports.
    #[oai(path = "/people/:id", method = "get", operation_id = "get_person")]
    async fn get(
        &self,
        auth: BearerAuth,
        state: Data<&AppState>,
        id: Path<i32>,
    ) -> ApiResult<Json<ProfileBody>> {
        let profile = people::profile(&state.db, &auth.0, id.0).await?;
        Ok(Json(ProfileBody {
            person: person_body(profile.person),
            reports: profile.reports.into_iter().map(Into::into).collect(),
        }))
    }

    /// Edit, deactivate or reactivate a person (cio only).
    #[oai(path = "/people/:id", method = "patch", operation_id = "update_person")]
    async fn update(
        &self,
        auth: BearerAuth,
        state: Data<&AppState>,
        id: Path<i32>,
        body: JsonBody<UpdatePersonBody>,
    ) -> ApiResult<Json<PersonBody>> {
        let body = body.0;
        let manager_id = match body.manager_id.0 {
            MaybeUndefined::Undefined => None,
            MaybeUndefined::Null => Some(None),
            MaybeUndefined::Value(id) => Some(Some(id)),
        };
        let person = people::update(
            &state.db,
            &auth.0,
            id.0,
            PersonChangesInput {
                email: body.email,
                name: body.name,
                job_title: body.job_title,
                team: body.team,
                role: body.role.map(OneOf::into_string),
                manager_id,
                active: body.active,
                password: body.password,
            },
            crate::auth::sign_out,
        )
        .await?;
        Ok(Json(person_body(person)))
    }
}
