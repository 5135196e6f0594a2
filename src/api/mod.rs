//! JSON API plumbing shared by every area: problem responses, bearer authentication and
//! the assembled OpenAPI service. Each area's endpoints live in its own `api.rs`.

use poem::{Request, Response, http::StatusCode};
use poem_openapi::{
    ApiResponse, Object, OpenApiService, SecurityScheme, auth::Bearer, payload::Json,
};

use crate::{app::AppState, auth, error::AppError};

/// An error, as RFC 9457 problem details.
#[derive(Debug, Clone, Object)]
pub struct Problem {
    /// A URI for the kind of problem; "about:blank" when the status says it all.
    #[oai(rename = "type")]
    pub kind: String,
    /// The HTTP status phrase.
    pub title: String,
    pub status: u16,
    /// What went wrong, for a person.
    pub detail: String,
    /// For 409 and 422: the fields at fault.
    #[oai(skip_serializing_if_is_empty)]
    pub errors: Vec<ProblemField>,
}

#[derive(Debug, Clone, Object)]
pub struct ProblemField {
    /// The request field, as named in the request body or query.
    pub field: String,
    pub message: String,
}

impl Problem {
    pub fn new(status: StatusCode, detail: impl Into<String>) -> Self {
        Problem {
            kind: "about:blank".to_owned(),
            title: status.canonical_reason().unwrap_or("Error").to_owned(),
            status: status.as_u16(),
            detail: detail.into(),
            errors: Vec::new(),
        }
    }

    pub fn from_app_error(err: &AppError) -> Self {
        let mut problem = Problem::new(err.status(), err.public_message());
        problem.errors = err
            .field_errors()
            .iter()
            .map(|e| ProblemField {
                field: e.field.clone(),
                message: e.message.clone(),
            })
            .collect();
        problem
    }
}

/// Every error an operation may answer with. Handlers return `Result<_, ApiError>` and
/// use `?` on service calls: `From<AppError>` is the one mapping to problem+json.
#[derive(Debug, ApiResponse)]
pub enum ApiError {
    /// The request could not be read.
    #[oai(status = 400, content_type = "application/problem+json")]
    BadRequest(Json<Problem>),
    /// Not signed in, or the credentials are not valid.
    #[oai(status = 401, content_type = "application/problem+json")]
    Unauthorized(Json<Problem>),
    /// Visible, but not allowed for this caller.
    #[oai(status = 403, content_type = "application/problem+json")]
    Forbidden(Json<Problem>),
    /// Absent, or not visible to this caller.
    #[oai(status = 404, content_type = "application/problem+json")]
    NotFound(Json<Problem>),
    /// Conflicts with the current state (a duplicate, a locked record).
    #[oai(status = 409, content_type = "application/problem+json")]
    Conflict(Json<Problem>),
    /// Some fields are not valid; `errors` lists them.
    #[oai(status = 422, content_type = "application/problem+json")]
    Unprocessable(Json<Problem>),
    /// Too many attempts; retry after the given number of seconds.
    #[oai(status = 429, content_type = "application/problem+json")]
    TooManyRequests(Json<Problem>, #[oai(header = "Retry-After")] u64),
    /// Something went wrong on the server.
    #[oai(status = 500, content_type = "application/problem+json")]
    Internal(Json<Problem>),
    /// The database is unreachable or its storage is full; retry after the given seconds.
    #[oai(status = 503, content_type = "application/problem+json")]
    Unavailable(Json<Problem>, #[oai(header = "Retry-After")] u64),
}

impl From<AppError> for ApiError {
    fn from(err: AppError) -> Self {
        err.log();
        let problem = Json(Problem::from_app_error(&err));
        match err {
            AppError::BadRequest(_) => ApiError::BadRequest(problem),
            AppError::Unauthenticated | AppError::BadCredentials => ApiError::Unauthorized(problem),
            AppError::Forbidden(_) => ApiError::Forbidden(problem),
            AppError::NotFound => ApiError::NotFound(problem),
            AppError::Conflict { .. } => ApiError::Conflict(problem),
            AppError::Invalid(_) => ApiError::Unprocessable(problem),
            AppError::TooManyRequests { .. } => {
                ApiError::TooManyRequests(problem, err.retry_after_secs().unwrap_or(1))
            }
            AppError::Unavailable(_) | AppError::StorageFull(_) => {
                ApiError::Unavailable(problem, err.retry_after_secs().unwrap_or(1))
            }
            AppError::Internal(_) => ApiError::Internal(problem),
        }
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

/// 201 with the created resource.
#[derive(ApiResponse)]
pub enum Created<T: poem_openapi::types::ToJSON + Send + Sync> {
    /// Created.
    #[oai(status = 201)]
    Created(Json<T>),
}

/// 204: done, nothing to say.
#[derive(ApiResponse)]
pub enum Done {
    /// Done.
    #[oai(status = 204)]
    NoContent,
}

/// A personal API token: `Authorization: Bearer sdv_…`, from `POST /api/v1/auth/tokens`.
#[derive(SecurityScheme)]
#[oai(
    ty = "bearer",
    key_name = "Authorization",
    checker = "actor_from_token"
)]
pub struct BearerAuth(pub auth::Actor);

async fn actor_from_token(req: &Request, bearer: Bearer) -> poem::Result<auth::Actor> {
    let state = req
        .data::<AppState>()
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("application state missing")))?;
    match auth::actor_for_token(&state.db, &state.actors, &bearer.token).await {
        Ok(Some(actor)) => Ok(actor),
        Ok(None) => Err(ApiError::from(AppError::Unauthenticated).into()),
        Err(err) => Err(ApiError::from(err).into()),
    }
}

/// For the read-only operations of the portal, which answer anonymous callers when the
/// portal is public (`STAFFDEV_PORTAL_PUBLIC`): the document lists a bearer token and no
/// token as the two ways to call them (optional security), and the service decides, as
/// for the pages. A token that is sent but not valid is a 401 all the same.
#[derive(SecurityScheme)]
pub enum MaybeBearer {
    Token(BearerAuth),
    #[oai(fallback)]
    Anonymous,
}

impl MaybeBearer {
    /// The caller: the token's owner, or nobody when no token was sent.
    pub fn actor(self, req: &Request) -> Result<Option<auth::Actor>, ApiError> {
        match self {
            MaybeBearer::Token(BearerAuth(actor)) => Ok(Some(actor)),
            MaybeBearer::Anonymous
                if req
                    .headers()
                    .contains_key(poem::http::header::AUTHORIZATION) =>
            {
                Err(AppError::Unauthenticated.into())
            }
            MaybeBearer::Anonymous => Ok(None),
        }
    }
}

pub type Endpoints = (
    crate::auth::api::AuthApi,
    crate::people::api::PeopleApi,
    crate::plan::api::PlanApi,
    crate::cycles::api::CyclesApi,
    crate::goals::api::GoalsApi,
    crate::reviews::api::ReviewsApi,
    crate::skills::api::SkillsApi,
    crate::skills::api::SkillLevelsApi,
    crate::recognition::api::RecognitionApi,
    crate::meetings::api::MeetingsApi,
    crate::calendar::api::CalendarApi,
);

/// The JSON API with its document. Building it needs no database, so `staffdev openapi`
/// and the drift test can produce the spec offline.
pub fn service() -> OpenApiService<Endpoints, ()> {
    OpenApiService::new(
        (
            crate::auth::api::AuthApi,
            crate::people::api::PeopleApi,
            crate::plan::api::PlanApi,
            crate::cycles::api::CyclesApi,
            crate::goals::api::GoalsApi,
            crate::reviews::api::ReviewsApi,
            crate::skills::api::SkillsApi,
            crate::skills::api::SkillLevelsApi,
            crate::recognition::api::RecognitionApi,
            crate::meetings::api::MeetingsApi,
            crate::calendar::api::CalendarApi,
        ),
        "staffdev",
        env!("CARGO_PKG_VERSION"),
    )
    .description(
        "Develop and recognise the people of a service department. Errors are \
         application/problem+json; collections page with `limit` and an `after` cursor.",
    )
    .server("/api/v1")
}

/// The OpenAPI document as committed in `openapi/openapi.json`.
pub fn spec_json() -> String {
    let mut spec = service().spec();
    if !spec.ends_with('\n') {
        spec.push('\n');
    }
    spec
}

/// Turns errors raised before a handler runs (a malformed body, a missing token, an
/// unknown route) into problem+json; responses that already are problems pass through.
pub async fn problem_for_any_error(err: poem::Error) -> Response {
    let status = err.status();
    let detail = err.to_string();
    let response = err.into_response();
    let is_problem = response
        .headers()
        .get(poem::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/problem+json"));
    if is_problem {
        return response;
    }
    let detail = match status {
        StatusCode::UNAUTHORIZED => AppError::Unauthenticated.public_message(),
        StatusCode::NOT_FOUND => AppError::NotFound.public_message(),
        StatusCode::METHOD_NOT_ALLOWED => "This method is not allowed here.".to_owned(),
        s if s.is_server_error() => {
            tracing::error!(error = detail, "request failed");
            "Something went wrong on our side.".to_owned()
        }
        _ => detail,
    };
    problem_response(Problem::new(status, detail))
}

pub fn problem_response(problem: Problem) -> Response {
    use poem_openapi::types::ToJSON;
    let status = StatusCode::from_u16(problem.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    Response::builder()
        .status(status)
        .content_type("application/problem+json")
        .body(problem.to_json_string())
}
