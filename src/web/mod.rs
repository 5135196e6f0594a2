//! Page plumbing shared by every area: the layout, rendering, the session and CSRF
//! checks for forms, redirects, the error page and the stylesheet.

use std::sync::Arc;

use askama::Template;
use poem::{
    Endpoint, FromRequest, IntoResponse, Request, RequestBody, Response,
    http::{StatusCode, Uri, header},
    web::{Html, Redirect},
};
use serde::{Deserialize, de::DeserializeOwned};

use crate::{
    app::AppState,
    auth::{
        self, Actor,
        extract::{MaybeActor, SESSION_COOKIE, removal_cookie},
        secrets,
    },
    error::{AppError, AppResult, FieldError},
    policy::{self, Action},
};

/// The cookie that carries the CSRF token of the sign-in form, before there is a session.
pub const SIGN_IN_CSRF_COOKIE: &str = "staffdev_csrf";

/// What the base layout needs: who is signed in (for the navigation) and the CSRF token
/// for the sign-out form.
pub struct Layout {
    pub title: String,
    pub actor: Option<NavActor>,
    pub csrf_token: String,
    /// Which navigation entry is current.
    pub section: &'static str,
}

pub struct NavActor {
    pub id: i32,
    pub name: String,
    /// The cio's tools: people, cycles, the skills catalog, surveys, the portal's
    /// compliments and news, reports.
    pub can_manage_people: bool,
    pub is_manager: bool,
    /// Advisors and the cio: the committee's home page is in their navigation.
    pub sees_committee: bool,
    /// Has goals, a self-evaluation and skills of their own (everyone but advisors).
    pub keeps_records: bool,
    /// Sends kudos (everyone but advisors).
    pub gives_recognition: bool,
    /// The recognition balance: managers and the cio.
    pub sees_balance: bool,
    /// The number beside "Waiting for you", for those who have a list.
    pub waiting: Option<usize>,
    /// Policy lets them open the team views (never advisors, whoever reports to them).
    pub may_view_team: bool,
    /// The audit trail: the cio.
    pub sees_audit: bool,
}

impl NavActor {
    /// Managers and the cio reach the team view, the heatmap and the balance from one
    /// "Team" entry.
    pub fn sees_team(&self) -> bool {
        self.may_view_team && (self.is_manager || self.can_manage_people)
    }
}

tokio::task_local! {
    /// The "waiting for you" count of whoever asked for this page, set by `resolve_session`
    /// for the whole request, so `Layout::new` (synchronous, called by every handler)
    /// shows it without a statement of its own or a change to every handler.
    static WAITING_COUNT: Option<usize>;
}

impl Layout {
    pub fn new(actor: Option<&Actor>, title: impl Into<String>, section: &'static str) -> Layout {
        Layout {
            title: title.into(),
            actor: actor.map(|a| {
                let allows = |action| policy::allows(a.principal(), action);
                NavActor {
                    id: a.person_id,
                    name: a.name.clone(),
                    can_manage_people: allows(Action::ManagePeople),
                    is_manager: a.is_manager,
                    sees_committee: allows(Action::ViewCommitteeHome),
                    keeps_records: allows(Action::ReadWorkList),
                    gives_recognition: allows(Action::GiveRecognition),
                    sees_balance: allows(Action::ViewRecognitionBalance {
                        is_manager: a.is_manager,
                    }),
                    waiting: WAITING_COUNT.try_with(|count| *count).ok().flatten(),
                    may_view_team: allows(Action::ViewTeam),
                    sees_audit: allows(Action::ReadAuditTrail),
                }
            }),
            csrf_token: actor.and_then(|a| a.csrf_token.clone()).unwrap_or_default(),
            section,
        }
    }
}

/// The page that asks before a post that cannot be undone or affects everyone (moving a
/// cycle on, submitting a self-evaluation, recording a goal's outcome, deactivating
/// someone): a GET shows what will happen, and its one form posts the action, so it works
/// without JavaScript. The title is the question.
#[derive(Template)]
#[template(path = "confirm.html")]
pub struct ConfirmPage {
    pub layout: Layout,
    /// What will happen, a sentence a paragraph.
    pub lines: Vec<String>,
    /// What is left unfinished (or any list the reader should see first), under `list_heading`.
    pub list_heading: String,
    pub list: Vec<String>,
    /// Where the form posts, with its hidden fields.
    pub action: String,
    pub fields: Vec<(String, String)>,
    pub button: String,
    /// The button is the red one: what it does cannot be undone.
    pub danger: bool,
    /// Where "Cancel" goes back to.
    pub cancel: String,
    pub errors: FormErrors,
}

/// Renders a template into a page.
pub fn render(template: &impl Template) -> Result<Html<String>, AppError> {
    template
        .render()
        .map(Html)
        .map_err(|err| AppError::internal(anyhow::Error::new(err).context("rendering a page")))
}

/// After a successful form post: 303, so reloading the next page does not post again.
pub fn see_other(location: impl AsRef<str>) -> Response {
    Redirect::see_other(location.as_ref()).into_response()
}

/// Field errors of a form, looked up by field name in templates.
#[derive(Debug, Default, Clone)]
pub struct FormErrors(Vec<FieldError>);

impl FormErrors {
    pub fn new(errors: Vec<FieldError>) -> Self {
        FormErrors(errors)
    }
    /// What a form shows for an error: for a 422 or a 409, its field errors by the fields
    /// (a 409 that names no field shows its message at the top of the form, under
    /// `FORM_FIELD`); None for any other error, which becomes the error page instead.
    pub fn of(err: &AppError) -> Option<FormErrors> {
        match err {
            AppError::Invalid(errors) | AppError::Conflict { errors, .. } if !errors.is_empty() => {
                Some(FormErrors(errors.clone()))
            }
            AppError::Conflict { message, .. } => Some(FormErrors(vec![FieldError::new(
                FORM_FIELD,
                message.clone(),
            )])),
            _ => None,
        }
    }

    pub fn get(&self, field: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|e| e.field == field)
            .map(|e| e.message.as_str())
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    /// Errors on fields the form does not show (shown at the top instead). `shown` is
    /// what the form marks, each as (field, label): see `marked`.
    pub fn other(&self, shown: &[(&str, &str)]) -> Vec<&str> {
        self.0
            .iter()
            .filter(|e| {
                !shown
                    .iter()
                    .any(|(field, _)| field_and_anchor(field).0 == e.field)
            })
            .map(|e| e.message.as_str())
            .collect()
    }

    /// The fields the form marks that have an error, in the form's order, as the summary
    /// at its top lists them: (the id to link to, label, message). A field is named as the
    /// service names it; where the element that shows it has another id, the form writes
    /// that id after a `#` (`"starts_at#date"`).
    pub fn marked<'s>(&'s self, shown: &[(&'s str, &'s str)]) -> Vec<(&'s str, &'s str, &'s str)> {
        shown
            .iter()
            .filter_map(|(field, label)| {
                let (field, anchor) = field_and_anchor(field);
                self.get(field).map(|message| (anchor, *label, message))
            })
            .collect()
    }
}

/// A form's name for a field it marks, `field` or `field#element-id`, as the field and
/// the id of the element that shows it.
fn field_and_anchor(shown: &str) -> (&str, &str) {
    shown.split_once('#').unwrap_or((shown, shown))
}

/// The field name of a form error that belongs to no field (a 409 about the whole form);
/// templates show it with the other errors at the top.
pub const FORM_FIELD: &str = "form";

/// How every form post ends: on success a 303 to `next(value)`, so reloading the next page
/// does not post again; on a 422 or a 409 the form again, as typed, with each problem by
/// its field (a conflict about the whole form at its top), answered with that status; any
/// other error becomes the error page.
pub async fn form_outcome<T, Again, Fut>(
    result: AppResult<T>,
    next: impl FnOnce(T) -> String,
    form_again: Again,
) -> AppResult<Response>
where
    Again: FnOnce(FormErrors) -> Fut,
    Fut: Future<Output = AppResult<Html<String>>>,
{
    match result {
        Ok(value) => Ok(see_other(next(value))),
        Err(err) => match FormErrors::of(&err) {
            Some(errors) => Ok(form_again(errors)
                .await?
                .with_status(err.status())
                .into_response()),
            None => Err(err),
        },
    }
}

/// Resolves the session cookie once per page request and keeps the actor in the request.
pub async fn resolve_session<E: Endpoint>(ep: Arc<E>, mut req: Request) -> poem::Result<Response> {
    let state = req
        .data::<AppState>()
        .cloned()
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("application state missing")))?;
    let cookie = req
        .cookie()
        .get(SESSION_COOKIE)
        .map(|c| c.value_str().to_owned());
    let actor = match cookie.as_deref() {
        Some(value) => {
            match auth::actor_for_session(&state.db, &state.actors, value, state.session_policy())
                .await
            {
                Ok(None) => {
                    // A stale cookie: forget it in the browser too.
                    req.cookie().add(removal_cookie(SESSION_COOKIE));
                    None
                }
                Ok(actor) => actor,
                Err(err) => return Ok(error_page(&err, req.uri(), None)),
            }
        }
        None => None,
    };
    // The navigation's count, cached per person beside the session (`todo::CountCache`);
    // a page still shows when it cannot be had, only without the number. A form post
    // answers with a redirect (or its form again, which may go without it): it does not
    // ask, so the write it makes does not cost a count nobody sees.
    let shows_a_page = req.method() == poem::http::Method::GET;
    let waiting = match &actor {
        Some(actor) if shows_a_page => match state.waiting_counts.count_for(&state.db, actor).await
        {
            Ok(count) => count,
            Err(err) => {
                err.log();
                None
            }
        },
        _ => None,
    };
    req.extensions_mut().insert(MaybeActor(actor.clone()));
    let uri = req.uri().clone();
    WAITING_COUNT
        .scope(waiting, async move {
            match ep.call(req).await {
                Ok(response) => Ok(response.into_response()),
                Err(err) => Ok(error_response(err, &uri, actor.as_ref())),
            }
        })
        .await
}

/// A form post with its CSRF token checked. With a session, the token is the session's;
/// on the sign-in form, it is the one in the `staffdev_csrf` cookie. A post without the
/// right token is refused with 403 before the handler runs.
pub struct CsrfForm<T>(pub T);

#[derive(Deserialize)]
struct CsrfField {
    csrf_token: Option<String>,
}

impl<'a, T: DeserializeOwned + Send> FromRequest<'a> for CsrfForm<T> {
    async fn from_request(req: &'a Request, body: &mut RequestBody) -> poem::Result<Self> {
        let is_form = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
        if !is_form {
            return Err(AppError::BadRequest(
                "Send this form as application/x-www-form-urlencoded.".into(),
            )
            .into());
        }
        let bytes = body.take()?.into_bytes().await?;
        let sent = serde_urlencoded::from_bytes::<CsrfField>(&bytes)
            .ok()
            .and_then(|f| f.csrf_token)
            .unwrap_or_default();
        check_csrf_token(req, &sent)?;
        let form = serde_urlencoded::from_bytes::<T>(&bytes)
            .map_err(|err| AppError::BadRequest(format!("The form could not be read: {err}.")))?;
        Ok(CsrfForm(form))
    }
}

/// Ok when `sent` is the session's CSRF token (or, before sign-in, the sign-in cookie's).
fn check_csrf_token(req: &Request, sent: &str) -> Result<(), AppError> {
    let session_token = req
        .extensions()
        .get::<MaybeActor>()
        .and_then(|m| m.0.as_ref())
        .and_then(|actor| actor.csrf_token.clone());
    let expected = session_token.or_else(|| {
        req.cookie()
            .get(SIGN_IN_CSRF_COOKIE)
            .map(|c| c.value_str().to_owned())
    });
    match expected {
        Some(expected) if !sent.is_empty() && secrets::same_secret(sent, &expected) => Ok(()),
        _ => Err(AppError::Forbidden(
            "This form has expired or did not come from staffdev. Go back, reload the page and try again."
                .into(),
        )),
    }
}

/// A `multipart/form-data` post (a form with a file input), read whole into its text
/// fields, with its CSRF token checked like `CsrfForm`. Files are read as UTF-8 text under
/// their field name; the request body size limit bounds them.
pub struct CsrfUpload(pub Vec<(String, String)>);

impl CsrfUpload {
    /// The value of a field, or "" when the form did not send it.
    pub fn field(&self, name: &str) -> &str {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map_or("", |(_, v)| v.as_str())
    }
}

impl<'a> FromRequest<'a> for CsrfUpload {
    async fn from_request(req: &'a Request, body: &mut RequestBody) -> poem::Result<Self> {
        let mut multipart = poem::web::Multipart::from_request(req, body)
            .await
            .map_err(|_| AppError::BadRequest("Send this form as multipart/form-data.".into()))?;
        let unreadable = |err: poem::error::ParseMultipartError| {
            AppError::BadRequest(format!("The form could not be read: {err}."))
        };
        let mut fields = Vec::new();
        while let Some(field) = multipart.next_field().await.map_err(unreadable)? {
            let name = field.name().unwrap_or_default().to_owned();
            let bytes = field.bytes().await.map_err(unreadable)?;
            let text = String::from_utf8(bytes).map_err(|_| {
                AppError::BadRequest(
                    "The file is not UTF-8 text; save it from your spreadsheet as \"CSV UTF-8\" and try again."
                        .into(),
                )
            })?;
            fields.push((name, text));
        }
        let upload = CsrfUpload(fields);
        check_csrf_token(req, upload.field("csrf_token"))?;
        Ok(upload)
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    layout: Layout,
    status: u16,
    heading: String,
    message: String,
    /// What was wrong with each field, for a 422 or 409 that reached no form.
    details: Vec<String>,
}

/// The friendly HTML page for an error, in the layout of whoever is signed in; a missing
/// sign-in becomes a redirect to the sign-in page that comes back here afterwards.
pub fn error_page(err: &AppError, uri: &Uri, actor: Option<&Actor>) -> Response {
    err.log();
    if matches!(err, AppError::Unauthenticated) {
        let next = uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
        let location = format!(
            "/sign-in?next={}",
            url::form_urlencoded::byte_serialize(next.as_bytes()).collect::<String>()
        );
        return see_other(location);
    }
    let status = err.status();
    let heading = match err {
        AppError::NotFound => "We could not find that page".to_owned(),
        AppError::Forbidden(_) => "You cannot do that".to_owned(),
        AppError::TooManyRequests { .. } => "Too many attempts".to_owned(),
        AppError::Unavailable(_) => "staffdev is unavailable for a moment".to_owned(),
        AppError::StorageFull(_) => "staffdev cannot save changes right now".to_owned(),
        AppError::Internal(_) => "Something went wrong".to_owned(),
        _ => status.canonical_reason().unwrap_or("Error").to_owned(),
    };
    let page = ErrorPage {
        layout: Layout::new(actor, heading.clone(), ""),
        status: status.as_u16(),
        heading,
        message: err.public_message(),
        details: err
            .field_errors()
            .iter()
            .map(|e| e.message.clone())
            .collect(),
    };
    let body = page.render().unwrap_or_else(|_| {
        "<!doctype html><title>Error</title><p>Something went wrong.</p>".to_owned()
    });
    with_retry_after(Html(body).with_status(status).into_response(), err)
}

/// Adds Retry-After to the response of a 429 or a 503.
pub fn with_retry_after(mut response: Response, err: &AppError) -> Response {
    if let Some(seconds) = err.retry_after_secs()
        && let Ok(value) = seconds.to_string().parse()
    {
        response.headers_mut().insert(header::RETRY_AFTER, value);
    }
    response
}

/// Lets page handlers return `AppError` through poem; `error_response` finds it again
/// with `downcast_ref` and renders the page.
impl poem::error::ResponseError for AppError {
    fn status(&self) -> StatusCode {
        AppError::status(self)
    }
}

/// A form with nothing but its CSRF token (a button).
#[derive(Deserialize)]
pub struct EmptyForm {}

/// `?notice=…` after a redirect: which confirmation to show.
#[derive(Deserialize)]
pub struct NoticeQuery {
    pub notice: Option<String>,
}

/// Any error on a page route, as an HTML page: our own errors keep their message; poem's
/// (unknown route, unreadable form) are described by their status.
pub fn error_response(err: poem::Error, uri: &Uri, actor: Option<&Actor>) -> Response {
    if let Some(app) = err.downcast_ref::<AppError>() {
        return error_page(app, uri, actor);
    }
    let app = match err.status() {
        StatusCode::NOT_FOUND => AppError::NotFound,
        StatusCode::METHOD_NOT_ALLOWED => AppError::NotFound,
        StatusCode::UNAUTHORIZED => AppError::Unauthenticated,
        s if s.is_server_error() => AppError::internal(anyhow::anyhow!("{err}")),
        _ => AppError::BadRequest(err.to_string()),
    };
    error_page(&app, uri, actor)
}

/// The one stylesheet, compiled into the binary.
#[poem::handler]
pub async fn stylesheet() -> Response {
    Response::builder()
        .content_type("text/css; charset=utf-8")
        .header(header::CACHE_CONTROL, "public, max-age=3600")
        .body(include_str!("../../templates/static/style.css"))
}

/// The print buttons' script, compiled into the binary (see `templates/static/print.js`).
#[poem::handler]
pub async fn print_script() -> Response {
    Response::builder()
        .content_type("text/javascript; charset=utf-8")
        .header(header::CACHE_CONTROL, "public, max-age=3600")
        .body(include_str!("../../templates/static/print.js"))
}

/// The name filter's script, compiled into the binary (see
/// `templates/static/people-filter.js`).
#[poem::handler]
pub async fn people_filter_script() -> Response {
    Response::builder()
        .content_type("text/javascript; charset=utf-8")
        .header(header::CACHE_CONTROL, "public, max-age=3600")
        .body(include_str!("../../templates/static/people-filter.js"))
}

/// A `next` parameter that stays on this site: a local path, never `//host` or a URL.
pub fn local_path(next: Option<&str>) -> String {
    match next {
        // Browsers drop tabs and newlines from URLs and read `\` as `/`, so any of those
        // could turn "/x" into "//evil.example".
        Some(path)
            if path.starts_with('/')
                && !path.starts_with("//")
                && !path.contains('\\')
                && !path.chars().any(char::is_control) =>
        {
            path.to_owned()
        }
        _ => "/".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_only_leads_to_local_paths() {
        assert_eq!(local_path(Some("/people/3")), "/people/3");
        assert_eq!(local_path(Some("//evil.example")), "/");
        assert_eq!(local_path(Some("https://evil.example")), "/");
        assert_eq!(local_path(Some("/\\evil.example")), "/");
        assert_eq!(local_path(Some("/\t/evil.example")), "/");
        assert_eq!(local_path(Some("/\n/evil.example")), "/");
        assert_eq!(local_path(Some("/people?x=a\\b")), "/");
        assert_eq!(local_path(None), "/");
    }
}
