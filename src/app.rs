//! Building the application: state, routes, middleware and the listener. `App::build`
//! binds the listener first, so tests can ask for port 0 and read the real one.

use std::{
    future::Future,
    pin::Pin,
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    task::{Context as TaskContext, Poll, ready},
};

use anyhow::Context;
use askama::Template;
use poem::{
    Body, Endpoint, EndpointExt, IntoEndpoint, IntoResponse, Request, Response, Route, Server, get,
    handler,
    http::{HeaderValue, StatusCode, Uri, header},
    listener::{Acceptor, Listener, TcpAcceptor, TcpListener},
    middleware::{CookieJarManager, RequestId},
    web::{Data, Html},
};
use tokio::io::{AsyncRead, ReadBuf};

use crate::validate::Word;
use crate::{
    api,
    auth::{self, SessionPolicy},
    config::Settings,
    db::Db,
    demo,
    error::AppError,
    people::{self, PersonInput, Role},
    web,
};

/// What every handler can reach, handed out with `Data<&AppState>`.
#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub settings: Arc<Settings>,
    /// The portal's first page, shared by every reader for a moment (see `shared`).
    pub portal_cache: Arc<crate::recognition::PortalCache>,
    /// The JSON of the portal's shared first page, once per snapshot of it.
    pub portal_json: Arc<crate::recognition::api::PortalJsonCache>,
    /// The portal page's lists, once per snapshot of it.
    pub portal_lists: Arc<crate::recognition::pages::PortalListsCache>,
    /// The Atom feed's first page, shared the same way.
    pub feed_cache: Arc<crate::recognition::FeedCache>,
    /// The department's skill figures, shared by every reader for a moment.
    pub skill_figures: Arc<crate::skills::FiguresCache>,
    /// What the client survey form reads, shared for a moment (see `FormCache`).
    pub survey_forms: Arc<crate::feedback::respond::FormCache>,
    /// Sessions and tokens resolved in the last moment (see `ActorCache`).
    pub actors: Arc<crate::auth::ActorCache>,
    /// Each person's "waiting for you" count, for the navigation (see `todo::CountCache`).
    pub waiting_counts: Arc<crate::todo::CountCache>,
    /// This installation's id (see `installation`), read once at start.
    pub installation_id: Arc<str>,
}

impl AppState {
    pub fn session_policy(&self) -> SessionPolicy {
        SessionPolicy {
            idle: self.settings.session_idle,
            max_age: self.settings.session_max_age,
        }
    }
}

pub struct App {
    acceptor: TcpAcceptor,
    state: AppState,
    port: u16,
    /// The notification sender, when a mail server is configured.
    sender: Option<crate::notifications::sender::Sender>,
    /// The chat webhook sender (no mail server needed), unless the settings turn it off.
    webhooks: Option<crate::notifications::webhooks::sender::Poster>,
}

/// The largest request body accepted: a baseline CSV import (5 MB) with room for a
/// multipart envelope; forms and JSON are far smaller.
const MAX_BODY_BYTES: usize = 6 * 1024 * 1024;

/// Under an https public URL, browsers are told to use nothing else for a year, on this
/// host and below it.
const STRICT_TRANSPORT_SECURITY: &str = "max-age=31536000; includeSubDomains";

/// Pages and the API: no inline script or style anywhere, and never inside a frame.
const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
     object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
/// Swagger UI ships as one page with inline script and style; it reads nothing but the
/// spec, so it alone gets them.
const DOCS_CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self' 'unsafe-inline'; \
     style-src 'self' 'unsafe-inline'; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

impl App {
    /// Connects to the database, applies pending migrations, makes sure someone can
    /// administer the service, and binds the listener.
    pub async fn build(settings: Settings) -> anyhow::Result<App> {
        settings.check()?;
        let db = Db::connect(&settings.database_url, settings.db_max_connections).await?;
        db.migrate_up().await?;
        // Bind before anything is created, so a taken port changes nothing.
        let acceptor = TcpListener::bind(settings.bind)
            .into_acceptor()
            .await
            .with_context(|| format!("could not listen on {}", settings.bind))?;
        crate::meetings::bank::ensure_seeded(&db)
            .await
            .map_err(AppError::into_anyhow)?;
        if settings.demo && demo::is_empty(&db).await.map_err(AppError::into_anyhow)? {
            demo::load(&db).await.map_err(AppError::into_anyhow)?;
            eprintln!("\n{}\n", demo::sign_in_help(&public_address(&settings)));
        }
        if let Some(email) = &settings.first_cio_email {
            ensure_first_cio(&db, email, &settings).await?;
        }
        let installation_id = crate::installation::id(&db)
            .await
            .map_err(AppError::into_anyhow)?;
        let port = acceptor
            .local_addr()
            .first()
            .and_then(|addr| addr.as_socket_addr().map(|a| a.port()))
            .context("the listener has no address")?;
        let installation_id: Arc<str> = installation_id.into();
        let sender = match &settings.smtp {
            Some(smtp) => Some(crate::notifications::sender::Sender {
                mailer: crate::notifications::email::Mailer::new(smtp)?,
                site: site_address(&settings, port),
                installation_id: installation_id.clone(),
                idle: settings.notification_idle,
                zone: settings.zone(),
            }),
            None => None,
        };
        let webhooks = if settings.send_webhooks {
            Some(crate::notifications::webhooks::sender::Poster::new(
                site_address(&settings, port),
                settings.notification_idle,
            )?)
        } else {
            None
        };
        Ok(App {
            sender,
            webhooks,
            acceptor,
            state: AppState {
                db,
                settings: Arc::new(settings),
                portal_json: Arc::new(crate::recognition::api::PortalJsonCache::default()),
                portal_lists: Arc::new(crate::recognition::pages::PortalListsCache::default()),
                portal_cache: Arc::new(crate::recognition::PortalCache::new(
                    crate::recognition::PORTAL_CACHE_TTL,
                )),
                feed_cache: Arc::new(crate::recognition::FeedCache::new(
                    crate::recognition::PORTAL_CACHE_TTL,
                )),
                skill_figures: Arc::new(crate::skills::FiguresCache::new(
                    crate::skills::FIGURES_CACHE_TTL,
                )),
                survey_forms: Arc::new(crate::feedback::respond::FormCache::default()),
                actors: Arc::new(crate::auth::ActorCache::default()),
                waiting_counts: Arc::new(crate::todo::CountCache::default()),
                installation_id,
            },
            port,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Serves until `shutdown` completes, then lets in-flight requests finish within the
    /// grace period.
    pub async fn run_until(self, shutdown: impl Future<Output = ()> + Send) -> std::io::Result<()> {
        let grace = self.state.settings.shutdown_grace;
        let db = self.state.db.clone();
        let (stop_sender, stopped) = tokio::sync::watch::channel(false);
        let sender = self.sender.map(|sender| {
            tokio::spawn(crate::notifications::sender::run(
                db.clone(),
                sender,
                stopped.clone(),
            ))
        });
        let webhooks = self.webhooks.map(|poster| {
            tokio::spawn(crate::notifications::webhooks::sender::run(
                db.clone(),
                poster,
                stopped,
            ))
        });
        let result = Server::new_with_acceptor(self.acceptor)
            .run_with_graceful_shutdown(routes(self.state), shutdown, Some(grace))
            .await;
        // The sender finishes the email it is on (each is bounded by the SMTP timeout);
        // what it had claimed and not sent is sent again once its claim runs out.
        let _ = stop_sender.send(true);
        if let Some(sender) = sender {
            let _ = tokio::time::timeout(grace, sender).await;
        }
        if let Some(webhooks) = webhooks {
            let _ = tokio::time::timeout(grace, webhooks).await;
        }
        db.close().await;
        result
    }
}

/// When nobody can administer the service (a fresh database), creates a cio with a random
/// password and prints how to sign in, once.
async fn ensure_first_cio(db: &Db, email: &str, settings: &Settings) -> anyhow::Result<()> {
    if people::has_usable_cio(db)
        .await
        .map_err(AppError::into_anyhow)?
    {
        return Ok(());
    }
    let password = auth::secrets::random_token().map_err(AppError::into_anyhow)?;
    let password = password.chars().take(20).collect::<String>();
    let created = people::create_unchecked(
        db,
        PersonInput {
            email: Some(email.to_owned()),
            name: Some("First CIO".to_owned()),
            job_title: Some("Chief Information Officer".to_owned()),
            team: Some("Leadership".to_owned()),
            role: Some(Role::Cio.as_str().to_owned()),
            manager_id: None,
            password: Some(password.clone()),
        },
    )
    .await;
    let address = public_address(settings);
    match created {
        Ok(_) => {
            eprintln!(
                "\nNobody could administer staffdev yet, so a cio account was created.\n\
                 Sign in at {address}sign-in as {email} with the password {password}\n\
                 and change it under Account. This is shown only once.\n"
            );
            Ok(())
        }
        // Another instance created it at the same moment, or the address is taken by
        // someone without a password: say how to recover instead of failing.
        Err(AppError::Conflict { .. }) => {
            tracing::warn!(
                "no active cio can sign in; create one with `staffdev create-user --role cio`"
            );
            Ok(())
        }
        Err(err) => Err(err.into_anyhow()),
    }
}

/// Where people reach this instance, ending in a slash.
fn public_address(settings: &Settings) -> String {
    settings
        .public_url
        .as_ref()
        .map(|u| u.to_string())
        .unwrap_or_else(|| format!("http://{}/", settings.bind))
}

/// The service's address for links in emails: the public URL, or the address it listens
/// on with the port it really got.
fn site_address(settings: &Settings, port: u16) -> String {
    match &settings.public_url {
        Some(url) => {
            let url = url.to_string();
            if url.ends_with('/') {
                url
            } else {
                format!("{url}/")
            }
        }
        None => format!("http://{}:{port}/", settings.bind.ip()),
    }
}

#[handler]
fn healthz() -> &'static str {
    "ok"
}

/// Ready when the database answers and can take writes (see `Db::check_ready`): an
/// instance whose database cannot save anything is taken out of rotation rather than
/// answering 503 to every write.
#[handler]
async fn readyz(state: Data<&AppState>) -> Response {
    match state.db.check_ready().await {
        Ok(()) => "ready".into_response(),
        Err(err) => {
            err.log();
            let detail = match err {
                AppError::StorageFull(_) => "The database cannot take writes: its storage is full.",
                AppError::Unavailable(_) => "The database cannot be reached.",
                _ => "The database cannot take writes.",
            };
            api::problem_response(api::Problem::new(StatusCode::SERVICE_UNAVAILABLE, detail))
        }
    }
}

/// Security headers on every response; a route that set its own policy keeps it.
///
/// Every response is `Cache-Control: no-store` unless its route chose otherwise (only the
/// stylesheet does): pages and API answers depend on who asks, and a shared cache cannot
/// tell a signed-in answer from an anonymous one, nor a refusal from a page. Marking them
/// all costs nothing worth keeping (the portal has its own server-side cache) and leaves
/// no private answer out by mistake. Under an https public URL every response also asks
/// the browser to use https only.
async fn security_headers<E: Endpoint>(
    ep: Arc<E>,
    req: Request,
    https_only: bool,
) -> poem::Result<Response> {
    // An error that escaped every handler still gets the headers.
    let mut response = match ep.call(req).await {
        Ok(response) => response.into_response(),
        Err(err) => err.into_response(),
    };
    let headers = response.headers_mut();
    if !headers.contains_key(header::CONTENT_SECURITY_POLICY) {
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CONTENT_SECURITY_POLICY),
        );
    }
    if !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    if https_only {
        headers.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static(STRICT_TRANSPORT_SECURITY),
        );
    }
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    // Survey pages send none at all (their addresses carry invitation tokens).
    if !headers.contains_key(header::REFERRER_POLICY) {
        headers.insert(
            header::REFERRER_POLICY,
            HeaderValue::from_static("same-origin"),
        );
    }
    Ok(response)
}

/// Bounds every request body by `MAX_BODY_BYTES`, with 413. A body announced as larger is
/// refused before it is read. A body without a Content-Length (chunked) is counted as it
/// streams, and reading it fails as soon as it passes the limit, so nothing past the limit
/// is taken in, whichever route reads it and however it maps a read error: the answer
/// becomes the 413. (poem's SizeLimit refuses every request without a Content-Length,
/// every GET included, so it does not fit.)
async fn limit_body_size<E: Endpoint>(ep: Arc<E>, mut req: Request) -> poem::Result<Response> {
    let announced = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if announced.is_some_and(|length| length > MAX_BODY_BYTES) {
        return Ok(body_too_large(req.uri()));
    }
    // hyper never delivers more than an announced length, so only the others are counted.
    let body = req.take_body();
    let exceeded = if announced.is_none() && !body.is_empty() {
        let exceeded = Arc::new(AtomicBool::new(false));
        req.set_body(Body::from_async_read(LimitedBody {
            inner: body.into_async_read(),
            remaining: MAX_BODY_BYTES,
            exceeded: exceeded.clone(),
        }));
        Some(exceeded)
    } else {
        req.set_body(body);
        None
    };
    let uri = req.uri().clone();
    let result = ep.call(req).await;
    if exceeded.is_some_and(|exceeded| exceeded.load(Ordering::Acquire)) {
        return Ok(body_too_large(&uri));
    }
    Ok(result?.into_response())
}

/// A request body that fails once more than `remaining` bytes have come through, and
/// says so in `exceeded`.
struct LimitedBody<R> {
    inner: R,
    remaining: usize,
    exceeded: Arc<AtomicBool>,
}

impl<R: AsyncRead + Unpin> AsyncRead for LimitedBody<R> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut TaskContext<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        ready!(Pin::new(&mut self.inner).poll_read(cx, buf))?;
        let read = buf.filled().len() - before;
        match self.remaining.checked_sub(read) {
            Some(remaining) => {
                self.remaining = remaining;
                Poll::Ready(Ok(()))
            }
            None => {
                self.exceeded.store(true, Ordering::Release);
                Poll::Ready(Err(std::io::Error::other(
                    "the request body is larger than the limit",
                )))
            }
        }
    }
}

/// The friendly error page, for a request refused before any area saw it (so in the
/// layout of nobody signed in).
#[derive(Template)]
#[template(path = "error.html")]
struct RefusedPage {
    layout: web::Layout,
    status: u16,
    heading: String,
    message: String,
    details: Vec<String>,
}

/// 413: problem+json under /api, the error page elsewhere.
fn body_too_large(uri: &Uri) -> Response {
    let status = StatusCode::PAYLOAD_TOO_LARGE;
    let message = format!(
        "The request is larger than the {} MB this service accepts.",
        MAX_BODY_BYTES / (1024 * 1024)
    );
    if uri.path().starts_with("/api/") {
        return api::problem_response(api::Problem::new(status, message));
    }
    let heading = "That is too large to send".to_owned();
    let page = RefusedPage {
        layout: web::Layout::new(None, heading.clone(), ""),
        status: status.as_u16(),
        heading,
        message,
        details: Vec::new(),
    };
    let body = page.render().unwrap_or_else(|_| {
        "<!doctype html><title>Too large</title><p>The request is too large.</p>".to_owned()
    });
    Html(body).with_status(status).into_response()
}

async fn docs_headers<E: Endpoint>(ep: Arc<E>, req: Request) -> poem::Result<Response> {
    let mut response = ep.call(req).await?.into_response();
    response.headers_mut().insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(DOCS_CONTENT_SECURITY_POLICY),
    );
    Ok(response)
}

/// The pages of every area; each area lists its own routes, so adding an area is one line.
const PAGE_AREAS: &[fn(Route) -> Route] = &[
    crate::people::pages::routes,
    crate::auth::pages::routes,
    crate::plan::pages::routes,
    crate::cycles::pages::routes,
    crate::goals::pages::routes,
    crate::reviews::pages::routes,
    crate::skills::pages::routes,
    crate::recognition::pages::routes,
    crate::meetings::pages::routes,
    crate::calendar::pages::routes,
    crate::summaries::pages::routes,
    crate::ideas::pages::routes,
    crate::feedback::pages::routes,
    crate::todo::pages::routes,
    crate::own_data::pages::routes,
    crate::audit::pages::routes,
    crate::notifications::pages::routes,
    crate::notifications::webhooks::pages::routes,
];

fn page_routes() -> Route {
    PAGE_AREAS
        .iter()
        .fold(Route::new(), |route, add_area| add_area(route))
}

pub fn routes(state: AppState) -> impl Endpoint {
    let https_only = state.settings.secure_cookies();
    let api = api::service();
    let spec = api.spec_endpoint();
    let docs_page = api::docs_html();
    let docs = Route::new().at(
        "/",
        get(poem::endpoint::make_sync(move |_| {
            poem::web::Html(docs_page.clone())
        })),
    );
    Route::new()
        .at("/healthz", get(healthz))
        .at("/readyz", get(readyz))
        .at("/static/style.css", get(web::stylesheet))
        .at("/static/print.js", get(web::print_script))
        .at("/static/people-filter.js", get(web::people_filter_script))
        .at("/api/openapi.json", spec)
        .nest("/api/docs", docs.around(docs_headers))
        .nest(
            "/api/v1",
            api.into_endpoint()
                .catch_all_error(api::problem_for_any_error)
                .around(api::allow_header),
        )
        .nest("/", page_routes().around(web::resolve_session))
        .with(CookieJarManager::new())
        .around(limit_body_size)
        .data(state)
        .around(move |ep, req| security_headers(ep, req, https_only))
        .with(crate::telemetry::RequestLog)
        .around(crate::telemetry::audit_request_id)
        .with(RequestId::default())
}
