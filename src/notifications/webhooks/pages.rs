//! The cio's chat webhooks pages, linked from the Notifications page: the list with the
//! add form and the recent deliveries, the edit form, and deleting after a confirmation;
//! the same service calls as the API.

use std::collections::HashMap;

use askama::Template;
use chrono::Utc;
use poem::{
    Response, Route, get, handler,
    web::{Data, Html, Path, Query},
};
use serde::Deserialize;

use super::{Delivery, Format, PublicEvent, Webhook, WebhookInput};
use crate::{
    app::AppState,
    auth::Actor,
    dates::ShownAt,
    error::AppResult,
    notifications::webhooks,
    paging::Page,
    validate::Word,
    web::{ConfirmPage, CsrfForm, FormErrors, Layout, form_outcome, render},
};

pub fn routes(route: Route) -> Route {
    route
        .at("/notifications/webhooks", get(list).post(create))
        .at("/notifications/webhooks/:id", get(edit).post(update))
        .at(
            "/notifications/webhooks/:id/delete",
            get(confirm_delete).post(delete),
        )
}

/// The form as typed, shown again with its errors.
#[derive(Debug, Clone)]
struct WebhookForm {
    name: String,
    url: String,
    format: String,
    events: Vec<String>,
    enabled: bool,
}

impl WebhookForm {
    fn blank() -> WebhookForm {
        WebhookForm {
            name: String::new(),
            url: String::new(),
            format: Format::Slack.as_str().to_owned(),
            events: PublicEvent::all()
                .into_iter()
                .map(|e| e.as_str().to_owned())
                .collect(),
            enabled: true,
        }
    }

    fn of(hook: &Webhook) -> WebhookForm {
        WebhookForm {
            name: hook.name.clone(),
            url: hook.url.clone(),
            format: hook.format.as_str().to_owned(),
            events: hook.events.iter().map(|e| e.as_str().to_owned()).collect(),
            enabled: hook.enabled,
        }
    }

    /// Checkboxes: `events.<kind>` for each event ticked, `enabled` when on.
    fn from_fields(fields: &HashMap<String, String>) -> WebhookForm {
        let text = |name: &str| fields.get(name).cloned().unwrap_or_default();
        WebhookForm {
            name: text("name"),
            url: text("url"),
            format: text("format"),
            events: fields
                .keys()
                .filter_map(|k| k.strip_prefix("events."))
                .map(str::to_owned)
                .collect(),
            enabled: fields.contains_key("enabled"),
        }
    }

    fn input(&self) -> WebhookInput {
        WebhookInput {
            name: Some(self.name.clone()),
            url: Some(self.url.clone()),
            format: Some(self.format.clone()),
            events: Some(self.events.clone()),
            enabled: Some(self.enabled),
        }
    }

    fn has(&self, event: &PublicEvent) -> bool {
        self.events.iter().any(|e| e == event.as_str())
    }
}

#[derive(Template)]
#[template(path = "notifications/webhooks.html")]
struct ListPage {
    layout: Layout,
    hooks: Vec<Webhook>,
    deliveries: Page<Delivery>,
    form: WebhookForm,
    formats: Vec<Format>,
    events: Vec<PublicEvent>,
    errors: FormErrors,
}

impl ListPage {
    fn event_labels(&self, hook: &Webhook) -> String {
        hook.events
            .iter()
            .map(|e| e.label())
            .collect::<Vec<_>>()
            .join(", ")
    }

    fn sent_or_tried(&self, d: &Delivery) -> String {
        crate::notifications::pages::sent_or_tried(
            d.sent_at,
            d.gave_up_at,
            d.attempts,
            d.next_attempt_at,
        )
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    after: Option<String>,
}

async fn list_page(
    state: &AppState,
    actor: &Actor,
    after: Option<&str>,
    form: WebhookForm,
    errors: FormErrors,
) -> AppResult<Html<String>> {
    let hooks = webhooks::list(&state.db, actor).await?;
    let deliveries = webhooks::deliveries(&state.db, actor, None, after).await?;
    render(&ListPage {
        layout: Layout::new(Some(actor), "Chat webhooks", "notifications"),
        hooks,
        deliveries,
        form,
        formats: Format::all(),
        events: PublicEvent::all(),
        errors,
    })
}

#[handler]
pub async fn list(
    state: Data<&AppState>,
    actor: Actor,
    Query(q): Query<ListQuery>,
) -> AppResult<Html<String>> {
    list_page(
        &state,
        &actor,
        q.after.as_deref(),
        WebhookForm::blank(),
        FormErrors::default(),
    )
    .await
}

#[handler]
pub async fn create(
    state: Data<&AppState>,
    actor: Actor,
    CsrfForm(fields): CsrfForm<HashMap<String, String>>,
) -> AppResult<Response> {
    let form = WebhookForm::from_fields(&fields);
    let result = webhooks::create(&state.db, &actor, form.input(), Utc::now()).await;
    form_outcome(
        result,
        |_| "/notifications/webhooks".to_owned(),
        |errors| list_page(&state, &actor, None, form.clone(), errors),
    )
    .await
}

#[derive(Template)]
#[template(path = "notifications/webhook_edit.html")]
struct EditPage {
    layout: Layout,
    id: i32,
    form: WebhookForm,
    formats: Vec<Format>,
    events: Vec<PublicEvent>,
    errors: FormErrors,
}

fn edit_page(
    actor: &Actor,
    id: i32,
    form: WebhookForm,
    errors: FormErrors,
) -> AppResult<Html<String>> {
    render(&EditPage {
        layout: Layout::new(Some(actor), "Change a chat webhook", "notifications"),
        id,
        form,
        formats: Format::all(),
        events: PublicEvent::all(),
        errors,
    })
}

#[handler]
pub async fn edit(
    state: Data<&AppState>,
    actor: Actor,
    Path(id): Path<i32>,
) -> AppResult<Html<String>> {
    let hook = webhooks::get(&state.db, &actor, id).await?;
    edit_page(&actor, id, WebhookForm::of(&hook), FormErrors::default())
}

#[handler]
pub async fn update(
    state: Data<&AppState>,
    actor: Actor,
    Path(id): Path<i32>,
    CsrfForm(fields): CsrfForm<HashMap<String, String>>,
) -> AppResult<Response> {
    let form = WebhookForm::from_fields(&fields);
    let result = webhooks::update(&state.db, &actor, id, form.input(), Utc::now()).await;
    form_outcome(
        result,
        |_| "/notifications/webhooks".to_owned(),
        |errors| async { edit_page(&actor, id, form.clone(), errors) },
    )
    .await
}

/// Deleting asks first: the webhook's deliveries, with their errors, go with it.
#[handler]
pub async fn confirm_delete(
    state: Data<&AppState>,
    actor: Actor,
    Path(id): Path<i32>,
) -> AppResult<Html<String>> {
    let hook = webhooks::get(&state.db, &actor, id).await?;
    render(&ConfirmPage {
        layout: Layout::new(
            Some(&actor),
            format!("Delete the webhook {}?", hook.name),
            "notifications",
        ),
        lines: vec![
            format!(
                "Nothing more will be posted to {} ({}), and its deliveries, sent or waiting, are deleted with it.",
                hook.name,
                hook.format.label()
            ),
            "The chat room keeps what was already posted.".to_owned(),
        ],
        list_heading: String::new(),
        list: Vec::new(),
        action: format!("/notifications/webhooks/{id}/delete"),
        fields: Vec::new(),
        button: "Delete the webhook".to_owned(),
        danger: true,
        cancel: "/notifications/webhooks".to_owned(),
        errors: FormErrors::default(),
    })
}

#[handler]
pub async fn delete(
    state: Data<&AppState>,
    actor: Actor,
    Path(id): Path<i32>,
    CsrfForm(_): CsrfForm<HashMap<String, String>>,
) -> AppResult<Response> {
    webhooks::delete(&state.db, &actor, id).await?;
    Ok(crate::web::see_other("/notifications/webhooks"))
}
