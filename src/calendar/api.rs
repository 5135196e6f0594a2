//! The private links through the API: read them, reset them. (The feeds themselves are
//! read without the API: calendar apps and feed readers cannot send a bearer token.)

use chrono::{DateTime, Utc};
use poem::web::Data;
use poem_openapi::{Object, OpenApi, Tags, payload::Json};

use crate::{
    api::{ApiResult, BearerAuth},
    app::AppState,
    calendar::{self, PrivateLinks, pages::SiteAddress},
};

#[derive(Tags)]
enum CalendarTags {
    /// Meetings as iCalendar, and private links for calendar apps and feed readers.
    Calendar,
}

/// The signed-in person's private links. Anyone who has one reads, as this person, what
/// it shows, without signing in; a reset replaces both and the old ones answer 404.
#[derive(Debug, Object)]
pub struct PrivateLinksBody {
    /// The personal calendar feed (iCalendar) of published meetings, to subscribe to.
    pub calendar_url: String,
    /// The portal's Atom feed, for a feed reader.
    pub portal_feed_url: String,
    /// When these links were made: the first use or the last reset.
    pub created_at: DateTime<Utc>,
}

impl PrivateLinksBody {
    fn new(links: &PrivateLinks, site: &SiteAddress) -> Self {
        PrivateLinksBody {
            calendar_url: format!("{}{}", site.0, links.calendar_path()),
            portal_feed_url: format!("{}{}", site.0, links.portal_feed_path()),
            created_at: links.created_at,
        }
    }
}

pub struct CalendarApi;

#[OpenApi(tag = "CalendarTags::Calendar")]
impl CalendarApi {
    /// The signed-in person's private links, made on first use.
    #[oai(path = "/me/feeds", method = "get", operation_id = "get_private_links")]
    async fn links(
        &self,
        auth: BearerAuth,
        state: Data<&AppState>,
        site: SiteAddress,
    ) -> ApiResult<Json<PrivateLinksBody>> {
        let links = calendar::private_links(&state.db, &auth.0).await?;
        Ok(Json(PrivateLinksBody::new(&links, &site)))
    }

    /// Replace the signed-in person's private links with new ones; the old addresses
    /// answer 404 from now on.
    #[oai(
        path = "/me/feeds/reset",
        method = "post",
        operation_id = "reset_private_links"
    )]
    async fn reset(
        &self,
        auth: BearerAuth,
        state: Data<&AppState>,
        site: SiteAddress,
    ) -> ApiResult<Json<PrivateLinksBody>> {
        let links = calendar::reset_private_links(&state.db, &auth.0).await?;
        Ok(Json(PrivateLinksBody::new(&links, &site)))
    }
}
