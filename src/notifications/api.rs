//! The notifications endpoints: one's own choices (everyone signed in), and the
//! department's switches and the outbox (the cio).

use chrono::{DateTime, Utc};
use poem::web::Data;
use poem_openapi::{Object, OpenApi, Tags, param::Query, payload::Json};

use crate::{
    api::{ApiResult, BearerAuth, JsonBody, OneOf},
    app::AppState,
    notifications::{self, Delivery, EventKind, Notification, Preference, Switch},
    validate::Word,
};

#[derive(Tags)]
enum NotificationTags {
    /// What people hear about by email: each person's choices per kind of event, the
    /// cio's department-wide switches, and the outbox every notification goes through.
    Notifications,
}

/// One kind of event and how the caller hears about it.
#[derive(Debug, Object)]
pub struct PreferenceBody {
    /// The kind of event, e.g. kudos_received.
    pub kind: String,
    /// What the kind is, in words.
    pub label: String,
    /// immediate (an email at once), digest (in the weekly digest) or off.
    pub delivery: String,
    /// False when the cio has turned the kind off for the whole department: nobody
    /// hears of it, whatever they chose.
    pub department_on: bool,
}

impl From<Preference> for PreferenceBody {
    fn from(p: Preference) -> Self {
        PreferenceBody {
            kind: p.kind.as_str().to_owned(),
            label: p.kind.label().to_owned(),
            delivery: p.delivery.as_str().to_owned(),
            department_on: p.department_on,
        }
    }
}

#[derive(Debug, Object)]
pub struct PreferencesBody {
    pub preferences: Vec<PreferenceBody>,
    /// False when the service has no mail server configured: nothing is emailed yet.
    pub email_configured: bool,
}

/// One choice to change.
#[derive(Debug, Object)]
pub struct PreferenceChangeBody {
    pub kind: OneOf<EventKind>,
    pub delivery: OneOf<Delivery>,
}

/// Choices to change; kinds left out keep theirs.
#[derive(Debug, Object)]
pub struct PreferencesChangeBody {
    #[oai(validator(max_items = 50))]
    pub preferences: Vec<PreferenceChangeBody>,
}

/// The department's switch for one kind of event.
#[derive(Debug, Object)]
pub struct SwitchBody {
    pub kind: String,
    pub label: String,
    pub on: bool,
}

impl From<Switch> for SwitchBody {
    fn from(s: Switch) -> Self {
        SwitchBody {
            kind: s.kind.as_str().to_owned(),
            label: s.kind.label().to_owned(),
            on: s.on,
        }
    }
}

#[derive(Debug, Object)]
pub struct SwitchesBody {
    pub switches: Vec<SwitchBody>,
    pub email_configured: bool,
}

#[derive(Debug, Object)]
pub struct SwitchChangeBody {
    pub kind: OneOf<EventKind>,
    pub on: bool,
}

/// Switches to change; kinds left out stay as they are.
#[derive(Debug, Object)]
pub struct SwitchesChangeBody {
    #[oai(validator(max_items = 50))]
    pub switches: Vec<SwitchChangeBody>,
}

/// One notification in the outbox.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct NotificationBody {
    pub id: i64,
    /// The kind of event (kudos_received, …), or weekly_digest for a digest email.
    pub kind: String,
    /// email, or digest (an item of the weekly digest).
    pub channel: String,
    pub person_id: i32,
    pub person_name: String,
    pub created_at: DateTime<Utc>,
    /// waiting, in_digest, sent or gave_up.
    pub status: String,
    pub attempts: i32,
    /// When it is tried next, while waiting.
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub sent_at: Option<DateTime<Utc>>,
    pub gave_up_at: Option<DateTime<Utc>>,
    /// What went wrong the last time, if anything did.
    pub last_error: Option<String>,
}

impl From<Notification> for NotificationBody {
    fn from(n: Notification) -> Self {
        let waiting = n.status == notifications::Status::Waiting;
        NotificationBody {
            id: n.id,
            kind: n.kind.as_str().to_owned(),
            channel: n.channel.as_str().to_owned(),
            person_id: n.person_id,
            person_name: n.person_name,
            created_at: n.created_at,
            status: n.status.as_str().to_owned(),
            attempts: n.attempts,
            next_attempt_at: waiting.then_some(n.next_attempt_at),
            sent_at: n.sent_at,
            gave_up_at: n.gave_up_at,
            last_error: n.last_error,
        }
    }
}

#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct OutboxBody {
    /// Newest first.
    pub items: Vec<NotificationBody>,
    /// Pass as `after` for the next page; absent on the last page.
    pub next: Option<String>,
    /// Notifications waiting to be sent, over the whole outbox.
    pub waiting: i64,
    /// Notifications given up (failed for a day, or withdrawn), over the whole outbox.
    pub gave_up: i64,
    pub email_configured: bool,
}

pub struct NotificationsApi;

#[OpenApi(tag = "NotificationTags::Notifications")]
impl NotificationsApi {
    /// How the caller hears about each kind of event.
    #[oai(
        path = "/me/notifications",
        method = "get",
        operation_id = "get_my_notification_preferences"
    )]
    async fn preferences(
        &self,
        auth: BearerAuth,
        state: Data<&AppState>,
    ) -> ApiResult<Json<PreferencesBody>> {
        let preferences = notifications::preferences(&state.db, &auth.0).await?;
        Ok(Json(PreferencesBody {
            preferences: preferences.into_iter().map(Into::into).collect(),
            email_configured: state.settings.smtp.is_some(),
        }))
    }

    /// Change how the caller hears about some kinds of event.
    #[oai(
        path = "/me/notifications",
        method = "put",
        operation_id = "set_my_notification_preferences"
    )]
    async fn set_preferences(
        &self,
        auth: BearerAuth,
        state: Data<&AppState>,
        body: JsonBody<PreferencesChangeBody>,
    ) -> ApiResult<Json<PreferencesBody>> {
        let changes = body
            .0
            .preferences
            .into_iter()
            .map(|c| (c.kind.into_string(), c.delivery.into_string()))
            .collect();
        let preferences =
            notifications::set_preferences(&state.db, &auth.0, changes, Utc::now()).await?;
        Ok(Json(PreferencesBody {
            preferences: preferences.into_iter().map(Into::into).collect(),
            email_configured: state.settings.smtp.is_some(),
        }))
    }

    /// The department's switches (the cio; 404 for everyone else).
    #[oai(
        path = "/notifications/settings",
        method = "get",
        operation_id = "get_notification_settings"
    )]
    async fn switches(
        &self,
        auth: BearerAuth,
        state: Data<&AppState>,
    ) -> ApiResult<Json<SwitchesBody>> {
        let switches = notifications::switches(&state.db, &auth.0).await?;
        Ok(Json(SwitchesBody {
            switches: switches.into_iter().map(Into::into).collect(),
            email_configured: state.settings.smtp.is_some(),
        }))
    }

    /// Turn kinds of event on or off for the whole department (the cio).
    #[oai(
        path = "/notifications/settings",
        method = "put",
        operation_id = "set_notification_settings"
    )]
    async fn set_switches(
        &self,
        auth: BearerAuth,
        state: Data<&AppState>,
        body: JsonBody<SwitchesChangeBody>,
    ) -> ApiResult<Json<SwitchesBody>> {
        let changes = body
            .0
            .switches
            .into_iter()
            .map(|c| (c.kind.into_string(), c.on))
            .collect();
        let switches = notifications::set_switches(&state.db, &auth.0, changes, Utc::now()).await?;
        Ok(Json(SwitchesBody {
            switches: switches.into_iter().map(Into::into).collect(),
            email_configured: state.settings.smtp.is_some(),
        }))
    }

    /// The outbox, newest first (the cio): what went, what waits, what failed and why.
    #[oai(
        path = "/notifications/outbox",
        method = "get",
        operation_id = "list_outbox"
    )]
    async fn outbox(
        &self,
        auth: BearerAuth,
        state: Data<&AppState>,
        #[oai(validator(minimum(value = "1"), maximum(value = "200")))] limit: Query<Option<u64>>,
        after: Query<Option<String>>,
    ) -> ApiResult<Json<OutboxBody>> {
        let outbox = notifications::outbox(&state.db, &auth.0, limit.0, after.0.as_deref()).await?;
        Ok(Json(OutboxBody {
            items: outbox
                .notifications
                .items
                .into_iter()
                .map(Into::into)
                .collect(),
            next: outbox.notifications.next,
            waiting: outbox.waiting,
            gave_up: outbox.gave_up,
            email_configured: state.settings.smtp.is_some(),
        }))
    }
}
