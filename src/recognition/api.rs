//! The recognition endpoints: kudos, trophies and their notebooks, compliments,
//! announcements, moderation and the portal. Thin: parse, call the service, map.

use crate::api::{Date, JsonBody, OneOf};
use crate::recognition::{AnnouncementKind, Channel};

use chrono::{DateTime, Utc};
use poem::{Request, web::Data};
use poem_openapi::{
    Object, OpenApi, Tags,
    param::{Path, Query},
    payload::Json,
};

use crate::{
    api::{ApiResult, BearerAuth, Created, Done, MaybeBearer, SharedJson},
    app::AppState,
    auth::Actor,
    paging::Page,
    people::api::PersonRefBody,
    recognition::{
        self, Announcement, AnnouncementInput, Compliment, ComplimentInput, Hideable, Kudos,
        KudosInput, NotebookEntry, PassInput, Reader, ReassignInput, Trophy, TrophyInput,
    },
    validate::Word,
};

#[derive(Tags)]
enum RecognitionTags {
    /// Kudos, trophies and their notebooks, compliments, announcements and the portal.
    Recognition,
}

fn reader(state: &AppState, actor: &Actor) -> Reader {
    Reader::of(Some(actor), state.settings.portal_public)
}

/// The reader of a read-only portal operation, which anonymous callers may use when the
/// portal is public (the service says 401 otherwise), as they may read its pages.
fn maybe_reader(state: &AppState, auth: MaybeBearer, req: &Request) -> ApiResult<Reader> {
    let actor = auth.actor(req)?;
    Ok(Reader::of(actor.as_ref(), state.settings.portal_public))
}

#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct KudosBody {
    pub id: i64,
    pub giver: PersonRefBody,
    pub recipients: Vec<PersonRefBody>,
    /// Plain text; show it as text, never as HTML.
    pub message: String,
    /// Department values it names.
    pub values: Vec<String>,
    pub created_at: DateTime<Utc>,
}

fn kudos_body(k: Kudos) -> KudosBody {
    KudosBody {
        id: k.id,
        giver: k.giver.into(),
        recipients: k.recipients.into_iter().map(Into::into).collect(),
        message: k.message,
        values: k.values,
        created_at: k.created_at,
    }
}

/// Kudos to send: 1 to 10 colleagues (active staff, not oneself), a message of 1 to 2,000
/// characters, and optionally some of the department's values.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct KudosInputBody {
    /// One to ten colleagues.
    #[oai(validator(min_items = 1, max_items = 10))]
    pub recipient_ids: Vec<i32>,
    #[oai(validator(min_length = 1, max_length = 2000))]
    pub message: String,
    pub values: Option<Vec<String>>,
}

#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct KudosPage {
    pub items: Vec<KudosBody>,
    /// Pass as `after` for the next page; absent on the last page.
    pub next: Option<String>,
}

fn kudos_page(page: Page<Kudos>) -> KudosPage {
    KudosPage {
        items: page.items.into_iter().map(kudos_body).collect(),
        next: page.next,
    }
}

#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct TrophyBody {
    pub id: i32,
    pub name: String,
    pub description: String,
    pub holder: PersonRefBody,
    pub held_since: DateTime<Utc>,
    pub days_held: i64,
    /// Entries in its notebook.
    pub entries: i32,
}

fn trophy_body(t: Trophy) -> TrophyBody {
    TrophyBody {
        days_held: t.days_held(),
        id: t.id,
        name: t.name,
        description: t.description,
        holder: t.holder.into(),
        held_since: t.held_since,
        entries: t.entries,
    }
}

/// A new trophy and its first holder.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct TrophyInputBody {
    #[oai(validator(min_length = 1, max_length = 200))]
    pub name: String,
    #[oai(validator(max_length = 10000))]
    pub description: Option<String>,
    /// Who holds it first.
    pub holder_id: i32,
}

/// A pass: to whom, and the notebook message (10 to 2,000 characters).
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct PassBody {
    pub receiver_id: i32,
    /// The words for the notebook.
    #[oai(validator(min_length = 1, max_length = 2000))]
    pub message: String,
}

/// A reassignment from a holder who has left: to whom, and why (10 to 2,000 characters).
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct ReassignBody {
    pub receiver_id: i32,
    #[oai(validator(min_length = 1, max_length = 2000))]
    pub reason: String,
}

#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct NotebookEntryBody {
    pub id: i64,
    pub trophy_id: i32,
    /// 1 for the first entry, then one more per pass.
    pub seq: i32,
    /// created, pass or reassign.
    pub kind: String,
    /// Absent on the first entry.
    pub giver: Option<PersonRefBody>,
    pub receiver: PersonRefBody,
    /// Absent when the cio has hidden the entry.
    pub message: Option<String>,
    pub created_at: DateTime<Utc>,
    pub hidden: bool,
    /// Why it was hidden (shown to the cio only).
    pub hidden_reason: Option<String>,
}

fn entry_body(e: NotebookEntry) -> NotebookEntryBody {
    NotebookEntryBody {
        id: e.id,
        trophy_id: e.trophy_id,
        seq: e.seq,
        kind: e.kind.as_str().to_owned(),
        giver: e.giver.map(Into::into),
        receiver: e.receiver.into(),
        message: e.message,
        created_at: e.created_at,
        hidden: e.hidden.is_some(),
        hidden_reason: e.hidden.and_then(|h| h.reason),
    }
}

#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct NotebookPage {
    pub items: Vec<NotebookEntryBody>,
    /// Pass as `after` for the next (older) page; absent on the last page.
    pub next: Option<String>,
}

/// What a person's profile shows of their recognition: the latest kudos they received
/// and compliments about them, newest first, hidden ones left out.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct PersonRecognitionBody {
    pub kudos: Vec<KudosBody>,
    pub compliments: Vec<ComplimentBody>,
}

#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct ComplimentBody {
    pub id: i64,
    pub person: PersonRefBody,
    pub giver_name: String,
    pub giver_affiliation: String,
    /// email, phone, in_person, letter, survey, social or other.
    pub channel: String,
    pub received_on: Date,
    pub message: String,
    pub created_at: DateTime<Utc>,
}

fn compliment_body(c: Compliment) -> ComplimentBody {
    ComplimentBody {
        id: c.id,
        person: c.person.into(),
        giver_name: c.giver_name,
        giver_affiliation: c.giver_affiliation,
        channel: c.channel.as_str().to_owned(),
        received_on: c.received_on.into(),
        message: c.message,
        created_at: c.created_at,
    }
}

/// A compliment heard about a staff member.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct ComplimentInputBody {
    pub person_id: i32,
    #[oai(validator(min_length = 1, max_length = 200))]
    pub giver_name: String,
    #[oai(validator(max_length = 200))]
    pub giver_affiliation: Option<String>,
    /// email, phone, in_person, letter, survey, social or other.
    pub channel: OneOf<Channel>,
    /// Not in the future.
    pub received_on: Date,
    #[oai(validator(min_length = 1, max_length = 2000))]
    pub message: String,
}

#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct ComplimentPage {
    pub items: Vec<ComplimentBody>,
    pub next: Option<String>,
}

#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct AnnouncementBody {
    pub id: i64,
    /// new_service, proactive_work, upgrade, accomplishment or other.
    pub kind: String,
    pub title: String,
    pub body: String,
    pub posted_by: PersonRefBody,
    pub created_at: DateTime<Utc>,
}

fn announcement_body(a: Announcement) -> AnnouncementBody {
    AnnouncementBody {
        id: a.id,
        kind: a.kind.as_str().to_owned(),
        title: a.title,
        body: a.body,
        posted_by: a.posted_by.into(),
        created_at: a.created_at,
    }
}

#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct AnnouncementInputBody {
    /// new_service, proactive_work, upgrade, accomplishment or other.
    pub kind: OneOf<AnnouncementKind>,
    #[oai(validator(min_length = 1, max_length = 200))]
    pub title: String,
    #[oai(validator(max_length = 5000))]
    pub body: Option<String>,
}

#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct AnnouncementPage {
    pub items: Vec<AnnouncementBody>,
    pub next: Option<String>,
}

/// Why an item is hidden from the portal.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct HideBody {
    /// Why it is hidden; kept on record.
    #[oai(validator(min_length = 1, max_length = 2000))]
    pub reason: String,
}

/// Why a hidden item is brought back to the portal.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct UnhideBody {
    /// Why it is shown again; kept on record beside why it was hidden.
    #[oai(validator(min_length = 1, max_length = 2000))]
    pub reason: String,
}

/// An item hidden from the portal: what it was, who hid it, when and why.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct HiddenItemBody {
    /// kudos, notebook_entry, compliment or announcement.
    pub kind: String,
    /// Its id among items of its kind (the id its hide and unhide paths take).
    pub id: i64,
    /// Its words: the message, or an announcement's title.
    pub text: String,
    /// Who gave it (kudos, notebook entries), whom it is about (compliments) or who
    /// posted it (announcements).
    pub person: Option<PersonRefBody>,
    pub created_at: DateTime<Utc>,
    pub hidden_at: DateTime<Utc>,
    pub hidden_by: Option<PersonRefBody>,
    pub reason: String,
}

impl From<recognition::HiddenItem> for HiddenItemBody {
    fn from(h: recognition::HiddenItem) -> Self {
        HiddenItemBody {
            kind: h.kind().as_str().to_owned(),
            id: h.id(),
            text: h.text,
            person: h.person.map(Into::into),
            created_at: h.created_at,
            hidden_at: h.hidden_at,
            hidden_by: h.hidden_by.map(Into::into),
            reason: h.reason,
        }
    }
}

#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct HiddenPage {
    pub items: Vec<HiddenItemBody>,
    /// Pass as `after` for the next page; absent on the last page.
    pub next: Option<String>,
}

/// The portal: trophies with their holders, the latest notebook entries, a page of the
/// kudos wall, recent compliments and announcements.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct PortalBody {
    pub trophies: Vec<TrophyBody>,
    pub notebook: Vec<NotebookEntryBody>,
    pub kudos: KudosPage,
    pub compliments: Vec<ComplimentBody>,
    pub announcements: Vec<AnnouncementBody>,
    /// The next published meeting, for signed-in readers (absent when none is planned,
    /// and for anonymous readers of a public portal, as on the page).
    pub next_meeting: Option<NextMeetingBody>,
    /// The latest published annual report; absent until one is published.
    pub latest_report: Option<crate::summaries::api::ReportRefBody>,
}

/// The portal's panel about the next published meeting.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct NextMeetingBody {
    pub id: i64,
    pub title: String,
    /// RFC 3339, with the offset of the department's time zone.
    pub starts_at: DateTime<chrono::FixedOffset>,
    pub ends_at: DateTime<chrono::FixedOffset>,
    pub location: String,
    /// The prompts of its question items, in agenda order.
    pub questions: Vec<String>,
}

impl From<crate::meetings::NextMeeting> for NextMeetingBody {
    fn from(next: crate::meetings::NextMeeting) -> Self {
        NextMeetingBody {
            id: next.id,
            title: next.title,
            starts_at: next.starts_at.fixed_offset(),
            ends_at: next.ends_at.fixed_offset(),
            location: next.location,
            questions: next.questions,
        }
    }
}

#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct UnrecognisedBody {
    pub person: PersonRefBody,
    pub team: String,
}

#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct TeamBalanceBody {
    pub team: String,
    pub people: i64,
    /// Kudos its members sent in the period.
    pub kudos_given: i64,
    /// Thanks its members received (a kudos to three members counts three).
    pub kudos_received: i64,
    /// Members with no kudos and no compliment in the period.
    pub unrecognised: i64,
}

/// The recognition balance of the people below the caller (everyone, for the cio).
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct BalanceBody {
    pub days: i64,
    pub since: DateTime<Utc>,
    /// People with no kudos and no compliment in the period.
    pub unrecognised: Vec<UnrecognisedBody>,
    pub teams: Vec<TeamBalanceBody>,
}

/// The four unhide endpoints share this: the service, then 204.
async fn unhide(
    state: &AppState,
    actor: &Actor,
    item: Hideable,
    body: UnhideBody,
) -> ApiResult<Done> {
    recognition::unhide(
        &state.db,
        actor,
        item,
        Some(body.reason.as_str()),
        Utc::now(),
    )
    .await?;
    Ok(Done::NoContent)
}

/// The portal as the API answers it; the next meeting only for someone signed in.
fn portal_body(portal: &recognition::Portal, signed_in: bool) -> PortalBody {
    let portal = portal.clone();
    PortalBody {
        trophies: portal.trophies.into_iter().map(trophy_body).collect(),
        notebook: portal.notebook.into_iter().map(entry_body).collect(),
        kudos: kudos_page(portal.kudos),
        compliments: portal
            .compliments
            .into_iter()
            .map(compliment_body)
            .collect(),
        announcements: portal
            .announcements
            .into_iter()
            .map(announcement_body)
            .collect(),
        next_meeting: if signed_in {
            portal.next_meeting.map(NextMeetingBody::from)
        } else {
            None
        },
        latest_report: portal.latest_report.map(Into::into),
    }
}

/// The JSON of the portal's shared first page, written once per snapshot of it (the one
/// `recognition::PortalCache` shares with every reader), for readers signed in or not
/// (only they see the next meeting).
pub type PortalJsonCache =
    crate::shared::PerSnapshot<recognition::Portal, bool, SharedJson<PortalBody>>;

pub struct RecognitionApi;

#[OpenApi(tag = "RecognitionTags::Recognition")]
impl RecognitionApi {
    /// The portal in one answer; `after` pages its kudos wall.
    #[oai(path = "/portal", method = "get", operation_id = "get_portal")]
    async fn portal(
        &self,
        auth: MaybeBearer,
        req: &Request,
        state: Data<&AppState>,
        after: Query<Option<String>>,
    ) -> ApiResult<SharedJson<PortalBody>> {
        let reader = maybe_reader(&state, auth, req)?;
        let signed_in = reader.principal.is_some();
        let portal =
            recognition::portal(&state.db, &state.portal_cache, reader, after.0.as_deref()).await?;
        if let Some(json) = state.portal_json.get(&portal, &signed_in) {
            return Ok(json);
        }
        let json = SharedJson::of(&portal_body(&portal, signed_in))?;
        // Only a shared snapshot (the first page) is worth keeping: a page read afresh
        // is a new `Portal` nobody else will be handed.
        if after.0.is_none() {
            state.portal_json.keep(&portal, signed_in, &json);
        }
        Ok(json)
    }

    /// Send kudos.
    #[oai(path = "/kudos", method = "post", operation_id = "give_kudos")]
    async fn give_kudos(
        &self,
        auth: BearerAuth,
        state: Data<&AppState>,
        body: JsonBody<KudosInputBody>,
    ) -> ApiResult<Created<KudosBody>> {
        let body = body.0;
        let kudos = recognition::give_kudos(
            &state.db,
            &auth.0,
            KudosInput {
                recipient_ids: Some(body.recipient_ids),
                message: Some(body.message),
                values: body.values,
            },
            Utc::now(),
        )
        .await?;
        Ok(Created::Created(Json(kudos_body(kudos))))
    }

    /// The kudos wall, newest first; hidden kudos are left out.
    #[oai(path = "/kudos", method = "get", operation_id = "list_kudos")]
    async fn list_kudos(
        &self,
        auth: MaybeBearer,
        req: &Request,
        state: Data<&AppState>,
        #[oai(validator(minimum(value = "1"), maximum(value = "200")))] limit: Query<Option<u64>>,
        after: Query<Option<String>>,
    ) -> ApiResult<Json<KudosPage>> {
        let page = recognition::kudos_wall(
            &state.db,
            maybe_reader(&state, auth, req)?,
            limit.0,
            after.0.as_deref(),
        )
        .await?;
        Ok(Json(kudos_page(page)))
    }

    /// Hide kudos from the portal and the feed, with a reason (the cio).
    #[oai(path = "/kudos/:id/hide", method = "post", operation_id = "hide_kudos")]
    async fn hide_kudos(
        &self,
        auth: BearerAuth,
        state: Data<&AppState>,
        id: Path<i64>,
        body: JsonBody<HideBody>,
    ) -> ApiResult<Done> {
        recognition::hide(
            &state.db,
            &auth.0,
            Hideable::Kudos(id.0),
            Some(body.0.reason.as_str()),
            Utc::now(),
        )
        .await?;
        Ok(Done::NoContent)
    }

    /// Every trophy and who holds it.
    #[oai(path = "/trophies", method = "get", operation_id = "list_trophies")]
    async fn list_trophies(
        &self,
        auth: MaybeBearer,
        req: &Request,
        state: Data<&AppState>,
    ) -> ApiResult<Json<Vec<TrophyBody>>> {
        let trophies =
            recognition::list_trophies(&state.db, maybe_reader(&state, auth, req)?).await?;
        Ok(Json(trophies.into_iter().map(trophy_body).collect()))
    }

    /// Create a trophy with its first holder (the cio).
    #[oai(path = "/trophies", method = "post", operation_id = "create_trophy")]
    async fn create_trophy(
        &self,
        auth: BearerAuth,
        state: Data<&AppState>,
        body: JsonBody<TrophyInputBody>,
    ) -> ApiResult<Created<TrophyBody>> {
        let body = body.0;
        let created = recognition::create_trophy(
            &state.db,
            &auth.0,
            TrophyInput {
                name: Some(body.name),
                description: body.description,
                holder_id: Some(body.holder_id),
                first_entry: None,
            },
            Utc::now(),
        )
        .await?;
        Ok(Created::Created(Json(trophy_body(created))))
    }

    #[oai(path = "/trophies/:id", method = "get", operation_id = "get_trophy")]
    async fn get_trophy(
        &self,
        auth: MaybeBearer,
        req: &Request,
        state: Data<&AppState>,
        id: Path<i32>,
    ) -> ApiResult<Json<TrophyBody>> {
        let found = recognition::trophy(&state.db, maybe_reader(&state, auth, req)?, id.0).await?;
        Ok(Json(trophy_body(found)))
    }

    /// Pass the trophy you hold. If another pass won a race, 409 says who holds it now.
    #[oai(
        path = "/trophies/:id/passes",
        method = "post",
        operation_id = "pass_trophy"
    )]
    async fn pass_trophy(
        &self,
        auth: BearerAuth,
        state: Data<&AppState>,
        id: Path<i32>,
        body: JsonBody<PassBody>,
    ) -> ApiResult<Created<TrophyBody>> {
        let body = body.0;
        let passed = recognition::pass_trophy(
            &state.db,
            &auth.0,
            id.0,
            PassInput {
                receiver_id: Some(body.receiver_id),
                message: Some(body.message),
            },
            Utc::now(),
        )
        .await?;
        Ok(Created::Created(Json(trophy_body(passed))))
    }

    /// Reassign a trophy whose holder has left (the cio), with a reason for the notebook.
    #[oai(
        path = "/trophies/:id/reassignments",
        method = "post",
        operation_id = "reassign_trophy"
    )]
    async fn reassign_trophy(
        &self,
        auth: BearerAuth,
        state: Data<&AppState>,
        id: Path<i32>,
        body: JsonBody<ReassignBody>,
    ) -> ApiResult<Created<TrophyBody>> {
        let body = body.0;
        let moved = recognition::reassign_trophy(
            &state.db,
            &auth.0,
            id.0,
            ReassignInput {
                receiver_id: Some(body.receiver_id),
                reason: Some(body.reason),
            },
            Utc::now(),
        )
        .await?;
        Ok(Created::Created(Json(trophy_body(moved))))
    }

    /// A trophy's notebook, newest entry first.
    #[oai(
        path = "/trophies/:id/notebook",
        method = "get",
        operation_id = "get_trophy_notebook"
    )]
    async fn notebook(
        &self,
        auth: MaybeBearer,
        req: &Request,
        state: Data<&AppState>,
        id: Path<i32>,
        #[oai(validator(minimum(value = "1"), maximum(value = "200")))] limit: Query<Option<u64>>,
        after: Query<Option<String>>,
    ) -> ApiResult<Json<NotebookPage>> {
        let page = recognition::notebook(
            &state.db,
            maybe_reader(&state, auth, req)?,
            id.0,
            limit.0,
            after.0.as_deref(),
        )
        .await?;
        Ok(Json(NotebookPage {
            items: page.items.into_iter().map(entry_body).collect(),
            next: page.next,
        }))
    }

    /// Hide a notebook entry's message from the portal and the feed (the cio); the entry
    /// keeps its place in the chain.
    #[oai(
        path = "/notebook-entries/:id/hide",
        method = "post",
        operation_id = "hide_notebook_entry"
    )]
    async fn hide_entry(
        &self,
        auth: BearerAuth,
        state: Data<&AppState>,
        id: Path<i64>,
        body: JsonBody<HideBody>,
    ) -> ApiResult<Done> {
        recognition::hide(
            &state.db,
            &auth.0,
            Hideable::NotebookEntry(id.0),
            Some(body.0.reason.as_str()),
            Utc::now(),
        )
        .await?;
        Ok(Done::NoContent)
    }

    /// The latest kudos a person received and compliments about them (their profile's
    /// recognition), newest first; 404 for someone who does not exist.
    #[oai(
        path = "/people/:id/recognition",
        method = "get",
        operation_id = "get_person_recognition"
    )]
    async fn person_recognition(
        &self,
        auth: BearerAuth,
        state: Data<&AppState>,
        id: Path<i32>,
    ) -> ApiResult<Json<PersonRecognitionBody>> {
        let found = recognition::recognition_of(&state.db, reader(&state, &auth.0), id.0).await?;
        Ok(Json(PersonRecognitionBody {
            kudos: found.kudos.into_iter().map(kudos_body).collect(),
            compliments: found.compliments.into_iter().map(compliment_body).collect(),
        }))
    }

    /// Compliments heard about staff, newest first.
    #[oai(
        path = "/compliments",
        method = "get",
        operation_id = "list_compliments"
    )]
    async fn list_compliments(
        &self,
        auth: MaybeBearer,
        req: &Request,
        state: Data<&AppState>,
        #[oai(validator(minimum(value = "1"), maximum(value = "200")))] limit: Query<Option<u64>>,
        after: Query<Option<String>>,
    ) -> ApiResult<Json<ComplimentPage>> {
        let page = recognition::compliments(
            &state.db,
            maybe_reader(&state, auth, req)?,
            limit.0,
            after.0.as_deref(),
        )
        .await?;
        Ok(Json(ComplimentPage {
            items: page.items.into_iter().map(compliment_body).collect(),
            next: page.next,
        }))
    }

    /// Post a compliment heard about a staff member (the cio only; 403 for others).
    #[oai(
        path = "/compliments",
        method = "post",
        operation_id = "post_compliment"
    )]
    async fn post_compliment(
        &self,
        auth: BearerAuth,
        state: Data<&AppState>,
        body: JsonBody<ComplimentInputBody>,
    ) -> ApiResult<Created<ComplimentBody>> {
        let body = body.0;
        let posted = recognition::post_compliment(
            &state.db,
            &auth.0,
            ComplimentInput {
                person_id: Some(body.person_id),
                giver_name: Some(body.giver_name),
                giver_affiliation: body.giver_affiliation,
                channel: Some(body.channel.into_string()),
                // The service reads the date as a form writes it, so both parse it alike.
                received_on: Some(body.received_on.0.to_string()),
                message: Some(body.message),
            },
            Utc::now(),
        )
        .await?;
        Ok(Created::Created(Json(compliment_body(posted))))
    }

    /// Hide a compliment from the portal and the feed (the cio).
    #[oai(
        path = "/compliments/:id/hide",
        method = "post",
        operation_id = "hide_compliment"
    )]
    async fn hide_compliment(
        &self,
        auth: BearerAuth,
        state: Data<&AppState>,
        id: Path<i64>,
        body: JsonBody<HideBody>,
    ) -> ApiResult<Done> {
        recognition::hide(
            &state.db,
            &auth.0,
            Hideable::Compliment(id.0),
            Some(body.0.reason.as_str()),
            Utc::now(),
        )
        .await?;
        Ok(Done::NoContent)
    }

    /// The department's news, newest first.
    #[oai(
        path = "/announcements",
        method = "get",
        operation_id = "list_announcements"
    )]
    async fn list_announcements(
        &self,
        auth: MaybeBearer,
        req: &Request,
        state: Data<&AppState>,
        #[oai(validator(minimum(value = "1"), maximum(value = "200")))] limit: Query<Option<u64>>,
        after: Query<Option<String>>,
    ) -> ApiResult<Json<AnnouncementPage>> {
        let page = recognition::announcements(
            &state.db,
            maybe_reader(&state, auth, req)?,
            limit.0,
            after.0.as_deref(),
        )
        .await?;
        Ok(Json(AnnouncementPage {
            items: page.items.into_iter().map(announcement_body).collect(),
            next: page.next,
        }))
    }

    /// Post news to the portal (the cio).
    #[oai(
        path = "/announcements",
        method = "post",
        operation_id = "post_announcement"
    )]
    async fn post_announcement(
        &self,
        auth: BearerAuth,
        state: Data<&AppState>,
        body: JsonBody<AnnouncementInputBody>,
    ) -> ApiResult<Created<AnnouncementBody>> {
        let body = body.0;
        let posted = recognition::post_announcement(
            &state.db,
            &auth.0,
            AnnouncementInput {
                kind: Some(body.kind.into_string()),
                title: Some(body.title),
                body: body.body,
            },
            Utc::now(),
        )
        .await?;
        Ok(Created::Created(Json(announcement_body(posted))))
    }

    /// Hide an announcement from the portal and the feed (the cio).
    #[oai(
        path = "/announcements/:id/hide",
        method = "post",
        operation_id = "hide_announcement"
    )]
    async fn hide_announcement(
        &self,
        auth: BearerAuth,
        state: Data<&AppState>,
        id: Path<i64>,
        body: JsonBody<HideBody>,
    ) -> ApiResult<Done> {
        recognition::hide(
            &state.db,
            &auth.0,
            Hideable::Announcement(id.0),
            Some(body.0.reason.as_str()),
            Utc::now(),
        )
        .await?;
        Ok(Done::NoContent)
    }

    /// Everything hidden from the portal, newest hidden first, with who hid it, when and
    /// why (the cio; 404 for everyone else).
    #[oai(path = "/hidden", method = "get", operation_id = "list_hidden_items")]
    async fn list_hidden(
        &self,
        auth: BearerAuth,
        state: Data<&AppState>,
        #[oai(validator(minimum(value = "1"), maximum(value = "200")))] limit: Query<Option<u64>>,
        after: Query<Option<String>>,
    ) -> ApiResult<Json<HiddenPage>> {
        let page =
            recognition::hidden_items(&state.db, &auth.0, limit.0, after.0.as_deref()).await?;
        Ok(Json(HiddenPage {
            items: page.items.into_iter().map(Into::into).collect(),
            next: page.next,
        }))
    }

    /// Bring hidden kudos back to the portal, with a reason kept on record (the cio; 404
    /// for everyone else, 409 when they are not hidden).
    #[oai(
        path = "/kudos/:id/unhide",
        method = "post",
        operation_id = "unhide_kudos"
    )]
    async fn unhide_kudos(
        &self,
        auth: BearerAuth,
        state: Data<&AppState>,
        id: Path<i64>,
        body: JsonBody<UnhideBody>,
    ) -> ApiResult<Done> {
        unhide(&state, &auth.0, Hideable::Kudos(id.0), body.0).await
    }

    /// Bring a hidden notebook entry's message back (the cio; 404 for everyone else, 409
    /// when it is not hidden).
    #[oai(
        path = "/notebook-entries/:id/unhide",
        method = "post",
        operation_id = "unhide_notebook_entry"
    )]
    async fn unhide_entry(
        &self,
        auth: BearerAuth,
        state: Data<&AppState>,
        id: Path<i64>,
        body: JsonBody<UnhideBody>,
    ) -> ApiResult<Done> {
        unhide(&state, &auth.0, Hideable::NotebookEntry(id.0), body.0).await
    }

    /// Bring a hidden compliment back to the portal (the cio; 404 for everyone else, 409
    /// when it is not hidden).
    #[oai(
        path = "/compliments/:id/unhide",
        method = "post",
        operation_id = "unhide_compliment"
    )]
    async fn unhide_compliment(
        &self,
        auth: BearerAuth,
        state: Data<&AppState>,
        id: Path<i64>,
        body: JsonBody<UnhideBody>,
    ) -> ApiResult<Done> {
        unhide(&state, &auth.0, Hideable::Compliment(id.0), body.0).await
    }

    /// Bring a hidden announcement back to the portal (the cio; 404 for everyone else,
    /// 409 when it is not hidden).
    #[oai(
        path = "/announcements/:id/unhide",
        method = "post",
        operation_id = "unhide_announcement"
    )]
    async fn unhide_announcement(
        &self,
        auth: BearerAuth,
        state: Data<&AppState>,
        id: Path<i64>,
        body: JsonBody<UnhideBody>,
    ) -> ApiResult<Done> {
        unhide(&state, &auth.0, Hideable::Announcement(id.0), body.0).await
    }

    /// Who has received no kudos or compliments lately, and kudos given and received per
    /// team, for the people below the caller (everyone, for the cio). Not for advisors.
    #[oai(
        path = "/recognition/balance",
        method = "get",
        operation_id = "get_recognition_balance"
    )]
    async fn balance(
        &self,
        auth: BearerAuth,
        state: Data<&AppState>,
        /// The period, in days back from now (1 to 730; 90 by default).
        days: Query<Option<i64>>,
    ) -> ApiResult<Json<BalanceBody>> {
        let balance = recognition::balance(&state.db, &auth.0, days.0).await?;
        Ok(Json(BalanceBody {
            days: balance.days,
            since: balance.since,
            unrecognised: balance
                .unrecognised
                .into_iter()
                .map(|u| UnrecognisedBody {
                    person: u.person.into(),
                    team: u.team,
                })
                .collect(),
            teams: balance
                .teams
                .into_iter()
                .map(|t| TeamBalanceBody {
                    team: t.team,
                    people: t.people,
                    kudos_given: t.kudos_given,
                    kudos_received: t.kudos_received,
                    unrecognised: t.unrecognised,
                })
                .collect(),
        }))
    }
}
