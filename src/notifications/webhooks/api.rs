//! The chat webhook endpoints (the cio; 404 for everyone else): the webhooks, and the
//! recent deliveries with their errors.

use chrono::{DateTime, Utc};
use poem::web::Data;
use poem_openapi::{Object, OpenApi, Tags, param::Path, param::Query, payload::Json};

use super::{Delivery, Format, NAME_MAX, PublicEvent, URL_MAX, Webhook, WebhookInput};
use crate::{
    api::{ApiResult, BearerAuth, Created, Done, JsonBody, OneOf},
    app::AppState,
    notifications::{self, webhooks},
    validate::Word,
};

#[derive(Tags)]
enum WebhookTags {
    /// The department's public events (kudos, trophy passes, compliments, news, published
    /// meetings and reports) posted to chat: Slack, Microsoft Teams, Mattermost, or any
    /// service that takes a JSON body.
    Webhooks,
}

/// One chat webhook.
#[derive(Debug, Object)]
pub struct WebhookBody {
    pub id: i32,
    pub name: String,
    /// The incoming-webhook address (a secret: anyone who has it can post to the room).
    pub url: String,
    /// slack, teams, mattermost or generic.
    pub format: String,
    pub enabled: bool,
    /// The public events it receives.
    pub events: Vec<String>,
    pub created_at: DateTime<Utc>,
    pub changed_at: DateTime<Utc>,
    pub changed_by_id: i32,
    pub changed_by_name: String,
}

impl From<Webhook> for WebhookBody {
    fn from(w: Webhook) -> Self {
        WebhookBody {
            id: w.id,
            name: w.name,
            url: w.url,
            format: w.format.as_str().to_owned(),
            enabled: w.enabled,
            events: w.events.iter().map(|e| e.as_str().to_owned()).collect(),
            created_at: w.created_at,
            changed_at: w.changed_at,
            changed_by_id: w.changed_by.id,
            changed_by_name: w.changed_by.name,
        }
    }
}

#[derive(Debug, Object)]
pub struct WebhooksBody {
    /// By name.
    pub items: Vec<WebhookBody>,
}

/// A webhook to set up, or every field of one to change.
#[derive(Debug, Object)]
pub struct WebhookInputBody {
    #[oai(validator(max_length = 100))]
    pub name: String,
    /// An http or https address with a host.
    #[oai(validator(max_length = 2000))]
    pub url: String,
    pub format: OneOf<Format>,
    /// One or more public events.
    #[oai(validator(min_items = 1, max_items = 20))]
    pub events: Vec<OneOf<PublicEvent>>,
    /// Absent: on.
    pub enabled: Option<bool>,
}

impl From<WebhookInputBody> for WebhookInput {
    fn from(b: WebhookInputBody) -> Self {
        WebhookInput {
            name: Some(b.name),
            url: Some(b.url),
            format: Some(b.format.into_string()),
            events: Some(b.events.into_iter().map(OneOf::into_string).collect()),
            enabled: b.enabled,
        }
    }
}

/// One delivery of one event to one webhook.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct WebhookDeliveryBody {
    pub id: i64,
    pub webhook_id: i32,
    pub webhook_name: String,
    /// The public event.
    pub event: String,
    pub created_at: DateTime<Utc>,
    /// waiting, sent or gave_up.
    pub status: String,
    pub attempts: i32,
    /// When it is tried next, while waiting.
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub sent_at: Option<DateTime<Utc>>,
    pub gave_up_at: Option<DateTime<Utc>>,
    /// What went wrong the last time, if anything did (the webhook's status and the
    /// start of its answer, or why it could not be reached).
    pub last_error: Option<String>,
}

impl From<Delivery> for WebhookDeliveryBody {
    fn from(d: Delivery) -> Self {
        let waiting = d.status == notifications::Status::Waiting;
        WebhookDeliveryBody {
            id: d.id,
            webhook_id: d.webhook_id,
            webhook_name: d.webhook_name,
            event: d.kind.as_str().to_owned(),
            created_at: d.created_at,
            status: d.status.as_str().to_owned(),
            attempts: d.attempts,
            next_attempt_at: waiting.then_some(d.next_attempt_at),
            sent_at: d.sent_at,
            gave_up_at: d.gave_up_at,
            last_error: d.last_error,
        }
    }
}

#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct WebhookDeliveriesBody {
    /// Newest first.
    pub items: Vec<WebhookDeliveryBody>,
    /// Pass as `after` for the next page; absent on the last page.
    pub next: Option<String>,
}

pub struct WebhooksApi;

// The schema's limits are the service's.
const _: () = assert!(NAME_MAX == 100 && URL_MAX == 2000);

#[OpenApi(tag = "WebhookTags::Webhooks")]
impl WebhooksApi {
    /// The chat webhooks (the cio; 404 for everyone else).
    #[oai(
        path = "/notifications/webhooks",
        method = "get",
        operation_id = "list_webhooks"
    )]
    async fn list(
        &self,
        auth: BearerAuth,
        state: Data<&AppState>,
    ) -> ApiResult<Json<WebhooksBody>> {
        let hooks = webhooks::list(&state.db, &auth.0).await?;
        Ok(Json(WebhooksBody {
            items: hooks.into_iter().map(Into::into).collect(),
        }))
    }

    /// Set up a chat webhook (the cio).
    #[oai(
        path = "/notifications/webhooks",
        method = "post",
        operation_id = "create_webhook"
    )]
    async fn create(
        &self,
        auth: BearerAuth,
        state: Data<&AppState>,
        body: JsonBody<WebhookInputBody>,
    ) -> ApiResult<Created<WebhookBody>> {
        let hook = webhooks::create(&state.db, &auth.0, body.0.into(), Utc::now()).await?;
        Ok(Created::Created(Json(hook.into())))
    }

    /// The recent deliveries to every webhook, newest first (the cio): what went, what
    /// waits, what failed and why.
    #[oai(
        path = "/notifications/webhook-deliveries",
        method = "get",
        operation_id = "list_webhook_deliveries"
    )]
    async fn deliveries(
        &self,
        auth: BearerAuth,
        state: Data<&AppState>,
        #[oai(validator(minimum(value = "1"), maximum(value = "200")))] limit: Query<Option<u64>>,
        after: Query<Option<String>>,
    ) -> ApiResult<Json<WebhookDeliveriesBody>> {
        let page = webhooks::deliveries(&state.db, &auth.0, limit.0, after.0.as_deref()).await?;
        Ok(Json(WebhookDeliveriesBody {
            items: page.items.into_iter().map(Into::into).collect(),
            next: page.next,
        }))
    }

    /// One chat webhook (the cio).
    #[oai(
        path = "/notifications/webhooks/:id",
        method = "get",
        operation_id = "get_webhook"
    )]
    async fn get(
        &self,
        auth: BearerAuth,
        state: Data<&AppState>,
        id: Path<i32>,
    ) -> ApiResult<Json<WebhookBody>> {
        Ok(Json(webhooks::get(&state.db, &auth.0, id.0).await?.into()))
    }

    /// Change every field of a chat webhook (the cio).
    #[oai(
        path = "/notifications/webhooks/:id",
        method = "put",
        operation_id = "update_webhook"
    )]
    async fn update(
        &self,
        auth: BearerAuth,
        state: Data<&AppState>,
        id: Path<i32>,
        body: JsonBody<WebhookInputBody>,
    ) -> ApiResult<Json<WebhookBody>> {
        let hook = webhooks::update(&state.db, &auth.0, id.0, body.0.into(), Utc::now()).await?;
        Ok(Json(hook.into()))
    }

    /// Delete a chat webhook and its deliveries (the cio).
    #[oai(
        path = "/notifications/webhooks/:id",
        method = "delete",
        operation_id = "delete_webhook"
    )]
    async fn delete(
        &self,
        auth: BearerAuth,
        state: Data<&AppState>,
        id: Path<i32>,
    ) -> ApiResult<Done> {
        webhooks::delete(&state.db, &auth.0, id.0).await?;
        Ok(Done::NoContent)
    }
}
