//! The audit trail through the API: a page of events, and the same filters as CSV. Thin:
//! read the query, call the service, map.

use chrono::{DateTime, Utc};
use poem::web::Data;
use poem_openapi::{
    ApiResponse, Object, OpenApi, Tags,
    param::Query,
    payload::{Json, PlainText},
};

use crate::{
    api::{ApiResult, BearerAuth},
    app::AppState,
    audit::{self, AuditEvent, TrailFilter},
    people::api::PersonRefBody,
    validate::Word,
};

#[derive(Tags)]
enum AuditTags {
    /// Who changed what and when (the cio).
    Audit,
}

/// One change on the audit trail.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct AuditEventBody {
    pub id: i64,
    pub at: DateTime<Utc>,
    /// Who made the change; absent for the system or an anonymous sign-in attempt.
    pub actor: Option<PersonRefBody>,
    /// What happened: role_changed, manager_changed, active_changed, password_reset,
    /// cycle_phase_moved, plan_activated, skill_added, skill_changed, skill_retired,
    /// skill_reinstated, skill_deleted, trophy_reassigned, item_hidden, item_unhidden,
    /// compliment_posted, announcement_posted, meeting_published, sign_in_locked,
    /// webhook_added, webhook_changed or webhook_deleted.
    pub kind: String,
    /// What was changed: person, cycle, plan, skill, trophy, kudos, notebook_entry,
    /// compliment, announcement, meeting, webhook, account or address.
    pub subject_kind: String,
    pub subject_id: Option<i64>,
    /// The person the change concerns.
    pub person: Option<PersonRefBody>,
    /// The fields that changed, as they were (an object; empty for something new). A
    /// field that had no value is absent from this side, never `null`.
    pub before: serde_json::Value,
    /// The fields that changed, as they became (an object; empty for something gone). A
    /// field left without a value is absent from this side, never `null`.
    pub after: serde_json::Value,
    /// The id of the request that made the change (its `x-request-id`); absent for
    /// changes made outside a request.
    pub request_id: Option<String>,
}

impl From<AuditEvent> for AuditEventBody {
    fn from(e: AuditEvent) -> Self {
        AuditEventBody {
            id: e.id,
            at: e.at,
            actor: e.actor.map(Into::into),
            kind: e.kind.as_str().to_owned(),
            subject_kind: e.subject_kind,
            subject_id: e.subject_id,
            person: e.person.map(Into::into),
            before: e.before,
            after: e.after,
            request_id: e.request_id,
        }
    }
}

#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct AuditPage {
    pub items: Vec<AuditEventBody>,
    /// Pass as `after` for the next page; absent on the last page.
    pub next: Option<String>,
}

/// The audit trail as CSV.
#[derive(ApiResponse)]
pub enum AuditCsv {
    /// A header row (id, at, actor_id, actor, kind, subject_kind, subject_id, person_id,
    /// person, before, after, request_id) and one row per event, newest first; text a
    /// spreadsheet would run as a formula starts with `'`.
    #[oai(status = 200, content_type = "text/csv; charset=utf-8")]
    Ok(
        PlainText<String>,
        /// `attachment; filename="audit.csv"`.
        #[oai(header = "Content-Disposition")]
        String,
    ),
}

fn filter(
    person: Query<Option<String>>,
    kind: Query<Option<String>>,
    from: Query<Option<String>>,
    to: Query<Option<String>>,
    after: Query<Option<String>>,
) -> TrailFilter {
    TrailFilter {
        person: person.0,
        kind: kind.0,
        from: from.0,
        to: to.0,
        after: after.0,
    }
}

pub struct AuditApi;

#[OpenApi(tag = "AuditTags::Audit")]
impl AuditApi {
    /// The audit trail, newest first (the cio; 404 for everyone else). Filters: `person`
    /// (an id: changes concerning them), `kind` (one of the words of `kind`), `from` and
    /// `to` (YYYY-MM-DD, inclusive, UTC). A filter that cannot be used is a 422 whose
    /// `errors` name it.
    #[oai(path = "/audit", method = "get", operation_id = "list_audit_events")]
    #[allow(clippy::too_many_arguments)] // poem-openapi takes each query parameter as an argument
    async fn list(
        &self,
        auth: BearerAuth,
        state: Data<&AppState>,
        person: Query<Option<String>>,
        kind: Query<Option<String>>,
        from: Query<Option<String>>,
        to: Query<Option<String>>,
        #[oai(validator(minimum(value = "1"), maximum(value = "200")))] limit: Query<Option<u64>>,
        after: Query<Option<String>>,
    ) -> ApiResult<Json<AuditPage>> {
        let filter = filter(person, kind, from, to, after);
        let page = audit::trail(&state.db, &auth.0, &filter, limit.0).await?;
        Ok(Json(AuditPage {
            items: page.items.into_iter().map(Into::into).collect(),
            next: page.next,
        }))
    }

    /// Every event the filters match (as for `GET /audit`; `after` starts below a
    /// cursor), newest first, as CSV (the cio; 404 for everyone else).
    #[oai(
        path = "/audit.csv",
        method = "get",
        operation_id = "export_audit_events"
    )]
    #[allow(clippy::too_many_arguments)] // poem-openapi takes each query parameter as an argument
    async fn export(
        &self,
        auth: BearerAuth,
        state: Data<&AppState>,
        person: Query<Option<String>>,
        kind: Query<Option<String>>,
        from: Query<Option<String>>,
        to: Query<Option<String>>,
        after: Query<Option<String>>,
    ) -> ApiResult<AuditCsv> {
        let filter = filter(person, kind, from, to, after);
        let text = audit::trail_csv(&state.db, &auth.0, &filter).await?;
        Ok(AuditCsv::Ok(
            PlainText(text),
            "attachment; filename=\"audit.csv\"".to_owned(),
        ))
    }
}
