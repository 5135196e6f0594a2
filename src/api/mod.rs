//! JSON API plumbing shared by every area: problem responses, bearer authentication and
//! the assembled OpenAPI service. Each area's endpoints live in its own `api.rs`.

use poem::{Request, Response, http::StatusCode};
use poem_openapi::{
    ApiResponse, Object, OpenApiService, SecurityScheme, auth::Bearer, payload::Json,
};

use crate::{app::AppState, auth, error::AppError};

mod input;
pub use input::{Date, JsonBody, Nullable, OneOf, parse_date, schema_errors};

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
    /// For 409 and 422: the fields at fault; always present, empty for other problems.
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
    /// The body is larger than the service takes.
    #[oai(status = 413, content_type = "application/problem+json")]
    PayloadTooLarge(Json<Problem>),
    /// The body is not `application/json`.
    #[oai(status = 415, content_type = "application/problem+json")]
    UnsupportedMediaType(Json<Problem>),
    /// Some fields, or parameters, are not valid; `errors` names each with the reason.
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
    crate::summaries::api::SummariesApi,
    crate::ideas::api::IdeasApi,
    crate::feedback::api::FeedbackApi,
    crate::todo::api::TodoApi,
    // Tuples of operations stop at sixteen; later areas join the last one.
    (
        crate::own_data::api::OwnDataApi,
        crate::notifications::api::NotificationsApi,
        crate::audit::api::AuditApi,
        crate::notifications::webhooks::api::WebhooksApi,
    ),
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
            crate::summaries::api::SummariesApi,
            crate::ideas::api::IdeasApi,
            crate::feedback::api::FeedbackApi,
            crate::todo::api::TodoApi,
            (
                crate::own_data::api::OwnDataApi,
                crate::notifications::api::NotificationsApi,
                crate::audit::api::AuditApi,
                crate::notifications::webhooks::api::WebhooksApi,
            ),
        ),
        "staffdev",
        env!("CARGO_PKG_VERSION"),
    )
    .description(API_DESCRIPTION)
    .server("/api/v1")
}

/// The document's description, Markdown shown at the top of `/api/docs`: what the API is,
/// how to get a token (the first thing anyone trying it needs), and the way back to the app.
const API_DESCRIPTION: &str = "\
The JSON API of [staffdev](/), which develops and recognises the people of a service \
department: goals, self-evaluations, skills, kudos and the trophy, meetings and summaries. \
It answers as the person whose token it is, and shows them what they may see in the app.

## How to get a token

Every operation but creating a token needs a personal API token, sent as \
`Authorization: Bearer <token>` (the portal's reads too, unless the department made the \
portal public).

- **In the app**: sign in to [staffdev](/), open [Account](/account), and under *API \
  tokens* give a new token a name and create it. Copy it at once: it is shown only once.
- **Through the API**: `POST /api/v1/auth/tokens` with your email, password and a name \
  for the token; the answer's `token` is the secret, shown this once.

```sh
curl -s -X POST https://staffdev.example/api/v1/auth/tokens \\
  -H 'content-type: application/json' \\
  -d '{\"email\": \"you@example.org\", \"password\": \"…\", \"name\": \"my script\"}'
```

To try an operation on this page, press **Authorize** and paste the token. Revoke a token \
on the [Account](/account) page or with `DELETE /api/v1/auth/tokens/{id}`.

## Conventions

Errors are `application/problem+json` (RFC 9457); a 422 names each field at fault. \
Collections page with `limit` and the `after` cursor from the previous page's `next`. \
Something you may not see answers 404.";

/// `/api/docs`: poem-openapi's Swagger UI page, titled for staffdev, in English, with a
/// bar above the explorer that leads back to the app and to the Account page, where
/// tokens are made.
pub fn docs_html() -> String {
    let page = service()
        .swagger_ui_html()
        .replacen(
            "<title>Swagger UI</title>",
            "<title>staffdev API</title>",
            1,
        )
        .replacen(
            "<html charset=\"UTF-8\">",
            "<!doctype html>\n<html lang=\"en\">",
            1,
        );
    // The explorer's mount point, after the bundled script: the bar goes just before it.
    let mount = "<div id=\"ui\"></div>";
    match page.rfind(mount) {
        Some(at) => format!("{}{DOCS_BAR}{}", &page[..at], &page[at..]),
        None => page,
    }
}

/// The bar above the API explorer (the docs page alone may use inline style).
const DOCS_BAR: &str = concat!(
    r#"<header style="font-family: system-ui, sans-serif; background: #1d2330; color: #fff; padding: .75rem 1.25rem; display: flex; gap: 1.5rem; flex-wrap: wrap; align-items: baseline">"#,
    r#"<strong style="font-size: 1.1rem">staffdev API</strong>"#,
    r#"<a href="/" style="color: #fff">Back to staffdev</a>"#,
    r#"<a href="/account" style="color: #fff">Get a token on your Account page</a>"#,
    r#"<span>then press <strong>Authorize</strong> and paste it.</span>"#,
    "</header>\n",
);

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
    if let Some(param) = err.downcast_ref::<poem_openapi::error::ParseParamError>() {
        let error = AppError::invalid(param.name, param_sentence(&param.reason));
        let mut problem = Problem::from_app_error(&error);
        problem.detail = format!("The parameter `{}` is not valid.", param.name);
        return problem_response(problem);
    }
    // An id in the path that is not a number (`/people/abc`) names nothing: 404, as for
    // any other id that names nothing.
    if err.is::<poem_openapi::error::ParsePathError>() {
        return problem_response(Problem::from_app_error(&AppError::NotFound));
    }
    if let Some(payload) = err.downcast_ref::<poem_openapi::error::ParseRequestPayloadError>() {
        return problem_response(Problem::new(
            StatusCode::BAD_REQUEST,
            payload.reason.clone(),
        ));
    }
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
        StatusCode::UNSUPPORTED_MEDIA_TYPE => {
            "Send the body as application/json (say so in Content-Type).".to_owned()
        }
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

/// A parameter poem-openapi could not parse, said for a person. Its validators report
/// `maximum(200, exclusive: false)` and the like; the parameter's rule is in the document.
fn param_sentence(reason: &str) -> String {
    let bound = |name: &str| {
        let start = reason.find(&format!("{name}("))? + name.len() + 1;
        let end = reason[start..].find([',', ')'])? + start;
        Some(reason[start..end].trim().to_owned())
    };
    if let Some(max) = bound("maximum") {
        format!("Enter a number of at most {max}.")
    } else if let Some(min) = bound("minimum") {
        format!("Enter a number of at least {min}.")
    } else if let Some(max) = bound("max_length") {
        format!("Keep this to {max} characters or fewer.")
    } else if let Some(at) = reason.find("Choose one of:") {
        // The sentence a word parameter gives, without poem's note on where it was read.
        let sentence = &reason[at..];
        sentence[..sentence.find(" (occurred").unwrap_or(sentence.len())].to_owned()
    } else if reason.contains("integer") {
        "Enter a whole number.".to_owned()
    } else if reason.contains("date") {
        "Enter a real date as YYYY-MM-DD.".to_owned()
    } else {
        "This value is not one this parameter takes.".to_owned()
    }
}

pub fn problem_response(problem: Problem) -> Response {
    use poem_openapi::types::ToJSON;
    let status = StatusCode::from_u16(problem.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    Response::builder()
        .status(status)
        .content_type("application/problem+json")
        .body(problem.to_json_string())
}

/// A 405 says which methods the path does take (RFC 9110 asks for `Allow`), as the
/// document lists them.
pub async fn allow_header<E: poem::Endpoint>(ep: E, req: Request) -> poem::Result<Response> {
    use poem::IntoResponse;
    let path = req.uri().path().to_owned();
    let mut response = ep.call(req).await?.into_response();
    if response.status() == StatusCode::METHOD_NOT_ALLOWED
        && let Some(methods) = allowed_methods(&path)
        && let Ok(value) = poem::http::HeaderValue::from_str(&methods)
    {
        response
            .headers_mut()
            .insert(poem::http::header::ALLOW, value);
    }
    Ok(response)
}

/// The methods the document lists for the path template `path` matches, e.g. "GET, PATCH".
fn allowed_methods(path: &str) -> Option<String> {
    static TABLE: std::sync::OnceLock<Vec<(Vec<String>, String)>> = std::sync::OnceLock::new();
    let table = TABLE.get_or_init(|| {
        let spec: serde_json::Value = serde_json::from_str(&service().spec()).unwrap_or_default();
        let Some(paths) = spec["paths"].as_object() else {
            return Vec::new();
        };
        paths
            .iter()
            .map(|(template, operations)| {
                let segments = template.split('/').map(str::to_owned).collect();
                let methods: Vec<String> = operations
                    .as_object()
                    .map(|ops| ops.keys().map(|m| m.to_uppercase()).collect())
                    .unwrap_or_default();
                (segments, methods.join(", "))
            })
            .collect()
    });
    let parts: Vec<&str> = path.split('/').collect();
    table.iter().find_map(|(segments, methods)| {
        let matches = segments.len() == parts.len()
            && segments
                .iter()
                .zip(&parts)
                .all(|(segment, part)| segment.starts_with('{') || segment == part);
        matches.then(|| methods.clone())
    })
}

/// A JSON answer serialised once and sent as it is to many readers: the document
/// describes it as `T`, exactly as `Json<T>` would, and the body is the bytes of a `T`
/// written earlier. For answers shared by every reader for a moment (the portal's first
/// page), so each request costs a copy of a pointer rather than a serialisation.
pub struct SharedJson<T> {
    bytes: bytes::Bytes,
    of: std::marker::PhantomData<fn() -> T>,
}

impl<T> Clone for SharedJson<T> {
    fn clone(&self) -> Self {
        SharedJson {
            bytes: self.bytes.clone(),
            of: std::marker::PhantomData,
        }
    }
}

impl<T: poem_openapi::types::ToJSON> SharedJson<T> {
    /// `value` as JSON, the way `Json<T>` would send it.
    pub fn of(value: &T) -> Result<SharedJson<T>, AppError> {
        let bytes = serde_json::to_vec(&value.to_json())
            .map_err(|e| AppError::internal(anyhow::anyhow!(e)))?;
        Ok(SharedJson {
            bytes: bytes.into(),
            of: std::marker::PhantomData,
        })
    }
}

impl<T: poem_openapi::types::Type> poem_openapi::payload::Payload for SharedJson<T> {
    const CONTENT_TYPE: &'static str = "application/json; charset=utf-8";

    fn schema_ref() -> poem_openapi::registry::MetaSchemaRef {
        T::schema_ref()
    }

    fn register(registry: &mut poem_openapi::registry::Registry) {
        T::register(registry);
    }
}

impl<T> poem::IntoResponse for SharedJson<T> {
    fn into_response(self) -> Response {
        Response::builder()
            .content_type("application/json; charset=utf-8")
            .body(self.bytes)
    }
}

impl<T: poem_openapi::types::Type> ApiResponse for SharedJson<T> {
    fn meta() -> poem_openapi::registry::MetaResponses {
        use poem_openapi::{payload::Payload, registry};
        registry::MetaResponses {
            responses: vec![registry::MetaResponse {
                description: "",
                status: Some(200),
                status_range: None,
                content: vec![registry::MetaMediaType {
                    content_type: <Self as Payload>::CONTENT_TYPE,
                    schema: <Self as Payload>::schema_ref(),
                }],
                headers: vec![],
            }],
        }
    }

    fn register(registry: &mut poem_openapi::registry::Registry) {
        T::register(registry);
    }
}
