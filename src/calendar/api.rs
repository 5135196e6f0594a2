//! A meeting's iCalendar file, and the private links: read them, reset them. (The feeds
//! themselves are read outside the API: calendar apps and feed readers cannot send a
//! bearer token.)

use chrono::{DateTime, Utc};
use poem::web::Data;
use poem_openapi::{
    ApiResponse, Object, OpenApi, Tags,
    param::Path,
    payload::{Json, PlainText},
};

use crate::{
    api::{ApiResult, BearerAuth},
    app::AppState,
    calendar::{
        self, PrivateLinks, Site,
        pages::{SiteAddress, attachment},
    },
};

/// A meeting as an iCalendar (RFC 5545) file to save or open in a calendar.
#[derive(ApiResponse)]
pub enum IcsFile {
    /// The meeting as one event: METHOD:PUBLISH, or METHOD:CANCEL with STATUS:CANCELLED
    /// when it is cancelled. The UID stays the same for the meeting's life and SEQUENCE
    /// grows with every change; times are in UTC.
    #[oai(status = 200, content_type = "text/calendar; charset=utf-8")]
    Ok(
        PlainText<String>,
        /// `attachment; filename="<title>-<date>.ics"`.
        #[oai(header = "Content-Disposition")]
        String,
    ),
}

#[derive(Tags)]
enum CalendarTags {
    /// Meetings as iCalendar, and private links for calendar apps and feed readers.
    Calendar,
}

/// The signed-in person's private links. Anyone who has one reads, as this person, what
/// it shows, without signing in; a reset replaces both and the old ones answer 404.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
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

    /// A published, held or cancelled meeting as an iCalendar file; 404 for a draft and
    /// for a meeting the caller may not see.
    #[oai(
        path = "/meetings/:id/calendar.ics",
        method = "get",
        operation_id = "get_meeting_calendar_file"
    )]
    async fn meeting_file(
        &self,
        auth: BearerAuth,
        state: Data<&AppState>,
        site: SiteAddress,
        id: Path<i64>,
    ) -> ApiResult<IcsFile> {
        let file = calendar::meeting_file(
            &state.db,
            &auth.0,
            id.0,
            &Site {
                address: &site.0,
                installation: &state.installation_id,
            },
            Utc::now(),
        )
        .await?;
        Ok(IcsFile::Ok(
            PlainText(file.text),
            attachment(&file.filename),
        ))
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
