//! The calendar's addresses: the feeds behind private links (no session: the secret in
//! the address is the credential), the reset button of the account page, and the
//! "Calendar and feed links" section that page includes.

use chrono::{DateTime, Utc};
use poem::{
    FromRequest, Request, RequestBody, Response, handler,
    http::header,
    web::{Data, Path, Query},
};
use serde::Deserialize;

use crate::{
    app::AppState,
    auth::Actor,
    calendar::{self, PrivateLinks, Site},
    error::{AppError, AppResult},
    recognition::atom,
    web::{CsrfForm, EmptyForm, see_other},
};

/// Where people reach the site, without a trailing slash: the configured public URL, or
/// else the host this request was sent to (a calendar app needs a whole address).
pub struct SiteAddress(pub String);

impl<'a> FromRequest<'a> for SiteAddress {
    async fn from_request(req: &'a Request, _body: &mut RequestBody) -> poem::Result<Self> {
        let state = req
            .data::<AppState>()
            .ok_or_else(|| AppError::internal(anyhow::anyhow!("application state missing")))?;
        Ok(SiteAddress(site_address(state, req)))
    }
}

/// See `SiteAddress`; the API's handlers call it with their request.
pub fn site_address(state: &AppState, req: &Request) -> String {
    if let Some(url) = &state.settings.public_url {
        return url.as_str().trim_end_matches('/').to_owned();
    }
    // Only a plain host[:port] is used: anything else in the header is not an address.
    req.headers()
        .get(header::HOST)
        .and_then(|host| host.to_str().ok())
        .and_then(|host| url::Url::parse(&format!("http://{host}/")).ok())
        .filter(|url| url.path() == "/" && url.username().is_empty() && url.query().is_none())
        .map(|url| url.as_str().trim_end_matches('/').to_owned())
        .unwrap_or_default()
}

/// The links as the account page shows them.
pub struct LinksSection {
    pub calendar_url: String,
    pub portal_feed_url: String,
    pub created: String,
}

impl LinksSection {
    fn new(links: &PrivateLinks, site: &SiteAddress) -> LinksSection {
        LinksSection {
            calendar_url: format!("{}{}", site.0, links.calendar_path()),
            portal_feed_url: format!("{}{}", site.0, links.portal_feed_path()),
            created: when(links.created_at),
        }
    }
}

fn when(at: DateTime<Utc>) -> String {
    format!("{} UTC", at.format(crate::dates::DAY_TIME))
}

/// The account page's "Calendar and feed links": the actor's links, made on first use.
pub async fn links_section(
    state: &AppState,
    actor: &Actor,
    site: &SiteAddress,
) -> AppResult<LinksSection> {
    let links = calendar::private_links(&state.db, actor).await?;
    Ok(LinksSection::new(&links, site))
}

/// "Reset my links": new links at once; the old addresses answer 404.
#[handler]
pub async fn reset_links(
    state: Data<&AppState>,
    actor: Actor,
    CsrfForm(_): CsrfForm<EmptyForm>,
) -> AppResult<Response> {
    calendar::reset_private_links(&state.db, &actor).await?;
    Ok(see_other("/account?notice=links-reset#private-links"))
}

#[derive(Deserialize)]
pub struct FeedQuery {
    after: Option<String>,
}

/// The portal's Atom feed through a private link: the same document as
/// `/portal/feed.atom`, whose `self` and `next` links stay on the private address.
#[handler]
pub async fn portal_feed(
    state: Data<&AppState>,
    site: SiteAddress,
    Path(secret): Path<String>,
    Query(q): Query<FeedQuery>,
) -> AppResult<Response> {
    let page = calendar::portal_feed(
        &state.db,
        &state.feed_cache,
        &secret,
        state.settings.portal_public,
        q.after.as_deref(),
    )
    .await?;
    let xml = atom::write(
        &page,
        &site.0,
        &calendar::portal_feed_path(&secret),
        &state.installation_id,
    )?;
    Ok(Response::builder()
        .header(header::CONTENT_TYPE, "application/atom+xml; charset=utf-8")
        .body(xml))
}

/// The personal calendar feed of published meetings behind a private link.
#[handler]
pub async fn meetings_feed(
    state: Data<&AppState>,
    site: SiteAddress,
    Path(secret): Path<String>,
) -> AppResult<Response> {
    let text = calendar::meetings_feed(
        &state.db,
        &secret,
        &Site {
            address: &site.0,
            installation: &state.installation_id,
        },
        Utc::now(),
    )
    .await?;
    Ok(Response::builder()
        .header(header::CONTENT_TYPE, ICS_CONTENT_TYPE)
        .header(
            header::CONTENT_DISPOSITION,
            "inline; filename=\"meetings.ics\"",
        )
        .body(text))
}

/// One meeting as an `.ics` file, for someone signed in who may see it.
#[handler]
pub async fn meeting_file(
    state: Data<&AppState>,
    actor: Actor,
    site: SiteAddress,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let file = calendar::meeting_file(
        &state.db,
        &actor,
        id,
        &Site {
            address: &site.0,
            installation: &state.installation_id,
        },
        Utc::now(),
    )
    .await?;
    Ok(Response::builder()
        .header(header::CONTENT_TYPE, ICS_CONTENT_TYPE)
        .header(header::CONTENT_DISPOSITION, attachment(&file.filename))
        .body(file.text))
}

pub const ICS_CONTENT_TYPE: &str = "text/calendar; charset=utf-8";

/// `attachment; filename="…"`: the name is plain ASCII without quotes (see
/// `calendar::filename`), so it needs no escaping.
pub fn attachment(filename: &str) -> String {
    format!("attachment; filename=\"{filename}\"")
}

/// This area's pages, added to the site's routes by `app::page_routes`.
pub fn routes(route: poem::Route) -> poem::Route {
    use poem::{get, post};
    route
        .at("/feeds/:secret/portal.atom", get(portal_feed))
        .at("/feeds/:secret/meetings.ics", get(meetings_feed))
        .at("/meetings/:id/calendar.ics", get(meeting_file))
        .at("/account/links/reset", post(reset_links))
}
