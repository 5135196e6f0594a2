//! The ideas endpoints: submit an idea, list and read them (everyone signed in), and the
//! cio's answer.

use chrono::{DateTime, Utc};
use poem::web::Data;
use poem_openapi::{
    Object, OpenApi, Tags,
    param::{Path, Query},
    payload::Json,
};

use crate::{
    api::{ApiResult, BearerAuth, Created, JsonBody, OneOf},
    app::AppState,
    goals::api::ObjectiveRefBody,
    ideas::{self, AnswerInput, Idea, IdeaFilter, IdeaInput, IdeaStatus},
    people::api::PersonRefBody,
    validate::Word,
};

#[derive(Tags)]
enum IdeaTags {
    /// Ideas and concerns about the department's services, from advisors and staff, and
    /// the cio's answers. Everyone signed in reads them all.
    Ideas,
}

/// The ideas item of a meeting's agenda an adopted idea is taken up in.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct IdeaMeetingItemBody {
    pub id: i64,
    pub title: String,
    pub meeting_id: i64,
    pub meeting_title: String,
    pub starts_at: DateTime<Utc>,
}

/// An idea with its answer.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct IdeaBody {
    pub id: i64,
    pub title: String,
    pub text: String,
    /// new, under_consideration, adopted or declined.
    pub status: String,
    pub submitted_by: PersonRefBody,
    /// The cio's reply; absent until answered.
    pub reply: Option<String>,
    pub replied_by: Option<PersonRefBody>,
    pub replied_at: Option<DateTime<Utc>>,
    /// The plan objective an adopted idea feeds.
    pub objective: Option<ObjectiveRefBody>,
    /// The meeting item that takes it up; absent too when that meeting is hidden from
    /// the caller.
    pub meeting_item: Option<IdeaMeetingItemBody>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<Idea> for IdeaBody {
    fn from(i: Idea) -> Self {
        IdeaBody {
            id: i.id,
            title: i.title,
            text: i.text,
            status: i.status.as_str().to_owned(),
            submitted_by: i.submitted_by.into(),
            reply: (!i.reply.is_empty()).then_some(i.reply),
            replied_by: i.replied_by.map(Into::into),
            replied_at: i.replied_at,
            objective: i.objective.map(|o| ObjectiveRefBody {
                id: o.id,
                code: o.code,
                title: o.title,
            }),
            meeting_item: i.meeting_item.map(|m| IdeaMeetingItemBody {
                id: m.id,
                title: m.title,
                meeting_id: m.meeting_id,
                meeting_title: m.meeting_title,
                starts_at: m.starts_at,
            }),
            created_at: i.created_at,
            updated_at: i.updated_at,
        }
    }
}

#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct IdeaPage {
    pub items: Vec<IdeaBody>,
    /// Pass as `after` for the next page; absent on the last page.
    pub next: Option<String>,
}

/// An idea or a concern about the department's services.
#[derive(Debug, Object)]
pub struct NewIdeaBody {
    #[oai(validator(min_length = 1, max_length = 200))]
    pub title: String,
    #[oai(validator(min_length = 1, max_length = 10000))]
    pub text: String,
}

/// The cio's answer: the status moves new → under_consideration → adopted or declined
/// (answering with the same status changes the reply); any other move is a 409.
#[derive(Debug, Object)]
pub struct IdeaAnswerBody {
    pub status: OneOf<IdeaStatus>,
    #[oai(validator(min_length = 1, max_length = 10000))]
    pub reply: String,
    /// An objective that is not retired; only for an adopted idea.
    pub objective_id: Option<i32>,
    /// An agenda item of kind ideas; only for an adopted idea.
    pub meeting_item_id: Option<i64>,
}

pub struct IdeasApi;

#[OpenApi(tag = "IdeaTags::Ideas")]
impl IdeasApi {
    /// The ideas, newest first, optionally of one status.
    #[oai(path = "/ideas", method = "get", operation_id = "list_ideas")]
    async fn list(
        &self,
        auth: BearerAuth,
        state: Data<&AppState>,
        status: Query<Option<OneOf<IdeaStatus>>>,
        #[oai(validator(minimum(value = "1"), maximum(value = "200")))] limit: Query<Option<u64>>,
        after: Query<Option<String>>,
    ) -> ApiResult<Json<IdeaPage>> {
        let page = ideas::list(
            &state.db,
            &auth.0,
            IdeaFilter {
                status: status.0.map(OneOf::into_string),
                limit: limit.0,
                after: after.0,
            },
        )
        .await?;
        Ok(Json(IdeaPage {
            items: page.items.into_iter().map(Into::into).collect(),
            next: page.next,
        }))
    }

    /// Submit an idea or a concern (everyone signed in); it starts as new.
    #[oai(path = "/ideas", method = "post", operation_id = "submit_idea")]
    async fn submit(
        &self,
        auth: BearerAuth,
        state: Data<&AppState>,
        body: JsonBody<NewIdeaBody>,
    ) -> ApiResult<Created<IdeaBody>> {
        let body = body.0;
        let idea = ideas::submit(
            &state.db,
            &auth.0,
            IdeaInput {
                title: Some(body.title),
                text: Some(body.text),
            },
        )
        .await?;
        Ok(Created::Created(Json(idea.into())))
    }

    /// One idea with its answer.
    #[oai(path = "/ideas/:id", method = "get", operation_id = "get_idea")]
    async fn get(
        &self,
        auth: BearerAuth,
        state: Data<&AppState>,
        id: Path<i64>,
    ) -> ApiResult<Json<IdeaBody>> {
        Ok(Json(ideas::get(&state.db, &auth.0, id.0).await?.into()))
    }

    /// Answer an idea (the cio): a status, a reply and, for an adopted idea, a link to an
    /// objective or to a meeting's ideas item. A move the rules refuse is a 409 that says
    /// why; a link to nothing is a 422 on its field.
    #[oai(
        path = "/ideas/:id/answer",
        method = "post",
        operation_id = "answer_idea"
    )]
    async fn answer(
        &self,
        auth: BearerAuth,
        state: Data<&AppState>,
        id: Path<i64>,
        body: JsonBody<IdeaAnswerBody>,
    ) -> ApiResult<Json<IdeaBody>> {
        let body = body.0;
        let idea = ideas::answer(
            &state.db,
            &auth.0,
            id.0,
            AnswerInput {
                status: Some(body.status.into_string()),
                reply: Some(body.reply),
                objective_id: body.objective_id,
                meeting_item_id: body.meeting_item_id,
            },
        )
        .await?;
        Ok(Json(idea.into()))
    }
}
