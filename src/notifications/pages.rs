//! The notifications pages: one's own choices (from the Account page), the cio's switches
//! and outbox, and the unsubscribe page an email links to, calling the same service
//! functions as the API.

use std::collections::HashMap;

use askama::Template;
use chrono::{DateTime, Utc};
use poem::{
    IntoResponse, Response, Route, get, handler,
    web::{Data, Html, Path, Query},
};
use serde::Deserialize;

use crate::{
    app::AppState,
    auth::Actor,
    dates::ShownAt,
    error::AppResult,
    notifications::{self, Delivery, EventKind, Notification, Outbox, Preference, Switch},
    validate::Word,
    web::{CsrfForm, FormErrors, Layout, form_outcome, render},
};

pub fn routes(route: Route) -> Route {
    route
        .at(
            "/account/notifications",
            get(preferences_page).post(save_preferences),
        )
        .at("/notifications", get(outbox))
        .at("/notifications/settings", poem::post(save_switches))
        .at(
            "/notifications/unsubscribe/:person/:kind/:signature",
            get(unsubscribe_page).post(unsubscribe),
        )
}

// ---------------------------------------------------------------------------------------
// One's own choices

#[derive(Template)]
#[template(path = "notifications/preferences.html")]
struct PreferencesPage {
    layout: Layout,
    preferences: Vec<Preference>,
    deliveries: Vec<Delivery>,
    email_configured: bool,
    saved: bool,
    errors: FormErrors,
}

#[derive(Debug, Default, Deserialize)]
pub struct SavedQuery {
    saved: Option<String>,
}

#[handler]
pub async fn preferences_page(
    state: Data<&AppState>,
    actor: Actor,
    Query(q): Query<SavedQuery>,
) -> AppResult<Html<String>> {
    let preferences = notifications::preferences(&state.db, &actor).await?;
    render(&PreferencesPage {
        layout: Layout::new(Some(&actor), "Notifications", "account"),
        preferences,
        deliveries: Delivery::all(),
        email_configured: state.settings.smtp.is_some(),
        saved: q.saved.is_some(),
        errors: FormErrors::default(),
    })
}

/// The form sends one field per kind, named by the kind, valued by the delivery.
#[handler]
pub async fn save_preferences(
    state: Data<&AppState>,
    actor: Actor,
    CsrfForm(form): CsrfForm<HashMap<String, String>>,
) -> AppResult<Response> {
    let changes = form
        .into_iter()
        .filter(|(field, _)| field != "csrf_token")
        .collect();
    let result = notifications::set_preferences(&state.db, &actor, changes, Utc::now()).await;
    form_outcome(
        result,
        |_| "/account/notifications?saved=1".to_owned(),
        |errors| async {
            let preferences = notifications::preferences(&state.db, &actor).await?;
            render(&PreferencesPage {
                layout: Layout::new(Some(&actor), "Notifications", "account"),
                preferences,
                deliveries: Delivery::all(),
                email_configured: state.settings.smtp.is_some(),
                saved: false,
                errors,
            })
        },
    )
    .await
}

// ---------------------------------------------------------------------------------------
// The cio's switches and outbox

#[derive(Template)]
#[template(path = "notifications/outbox.html")]
struct OutboxPage {
    layout: Layout,
    switches: Vec<Switch>,
    outbox: Outbox,
    email_configured: bool,
    saved: bool,
}

impl OutboxPage {
    fn sent_or_tried(&self, n: &Notification) -> String {
        sent_or_tried(n.sent_at, n.gave_up_at, n.attempts, n.next_attempt_at)
    }
}

/// When a notification or a webhook delivery went or was given up, or how often it was
/// tried and when it is tried next.
pub(crate) fn sent_or_tried(
    sent_at: Option<DateTime<Utc>>,
    gave_up_at: Option<DateTime<Utc>>,
    attempts: i32,
    next_attempt_at: DateTime<Utc>,
) -> String {
    match (sent_at, gave_up_at) {
        (Some(at), _) | (None, Some(at)) => at.as_day_time(),
        (None, None) if attempts == 1 => {
            format!("tried once; next {}", next_attempt_at.as_day_time())
        }
        (None, None) if attempts > 1 => format!(
            "tried {attempts} times; next {}",
            next_attempt_at.as_day_time()
        ),
        (None, None) => String::new(),
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct OutboxQuery {
    after: Option<String>,
    saved: Option<String>,
}

#[handler]
pub async fn outbox(
    state: Data<&AppState>,
    actor: Actor,
    Query(q): Query<OutboxQuery>,
) -> AppResult<Html<String>> {
    let switches = notifications::switches(&state.db, &actor).await?;
    let outbox = notifications::outbox(&state.db, &actor, None, q.after.as_deref()).await?;
    render(&OutboxPage {
        layout: Layout::new(Some(&actor), "Notifications", "notifications"),
        switches,
        outbox,
        email_configured: state.settings.smtp.is_some(),
        saved: q.saved.is_some(),
    })
}

/// Checkboxes send only the kinds that are on; every kind not sent is off.
#[handler]
pub async fn save_switches(
    state: Data<&AppState>,
    actor: Actor,
    CsrfForm(form): CsrfForm<HashMap<String, String>>,
) -> AppResult<Response> {
    let changes = EventKind::all()
        .into_iter()
        .map(|kind| (kind.as_str().to_owned(), form.contains_key(kind.as_str())))
        .collect();
    notifications::set_switches(&state.db, &actor, changes, Utc::now()).await?;
    Ok(crate::web::see_other("/notifications?saved=1"))
}

// ---------------------------------------------------------------------------------------
// Unsubscribing from an email, without signing in

#[derive(Template)]
#[template(path = "notifications/unsubscribe.html")]
struct UnsubscribePage {
    layout: Layout,
    kind: notifications::Topic,
    action: String,
    done: bool,
}

/// The link's page asks before it acts: mail scanners open links, and a GET must not
/// turn anything off.
#[handler]
pub async fn unsubscribe_page(
    state: Data<&AppState>,
    Path((person, kind, signature)): Path<(i32, String, String)>,
) -> AppResult<Html<String>> {
    let (kind, action) =
        notifications::unsubscribe_link(&state.db, person, &kind, &signature).await?;
    render(&UnsubscribePage {
        layout: Layout::new(None, "Stop these emails", "account"),
        kind,
        action,
        done: false,
    })
}

/// The form's post, and the mail program's one-click post (RFC 8058): the signature is
/// the authority, so no session or CSRF token is needed.
#[handler]
pub async fn unsubscribe(
    state: Data<&AppState>,
    Path((person, kind, signature)): Path<(i32, String, String)>,
) -> AppResult<Response> {
    let kind = notifications::unsubscribe(&state.db, person, &kind, &signature, Utc::now()).await?;
    Ok(render(&UnsubscribePage {
        layout: Layout::new(None, "You will not get these emails", "account"),
        kind,
        action: String::new(),
        done: true,
    })?
    .into_response())
}
