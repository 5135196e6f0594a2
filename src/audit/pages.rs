//! The audit trail as a page with its filters as a GET form, and as CSV (the cio).

use askama::Template;
use poem::{
    IntoResponse, Response, Route, get, handler,
    http::{StatusCode, header},
    web::{Data, Query},
};
use serde::Deserialize;

use crate::{
    app::AppState,
    audit::{self, AuditEvent, Kind, TrailFilter},
    auth::Actor,
    dates::ShownAt,
    error::{AppError, AppResult},
    paging::Page,
    people::PersonRef,
    validate::Word,
    web::{FormErrors, Layout, render},
};

/// The filters as the form sends them; empty fields are no filter.
#[derive(Debug, Default, Deserialize)]
pub struct TrailQuery {
    person: Option<String>,
    kind: Option<String>,
    from: Option<String>,
    to: Option<String>,
    after: Option<String>,
}

impl TrailQuery {
    fn filter(&self) -> TrailFilter {
        TrailFilter {
            person: self.person.clone(),
            kind: self.kind.clone(),
            from: self.from.clone(),
            to: self.to.clone(),
            after: self.after.clone(),
        }
    }

    /// The filters (without the cursor) as a query string, for the next page and the CSV.
    fn query_string(&self) -> String {
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        for (name, value) in [
            ("person", &self.person),
            ("kind", &self.kind),
            ("from", &self.from),
            ("to", &self.to),
        ] {
            if let Some(value) = value.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
                query.append_pair(name, value);
            }
        }
        query.finish()
    }
}

#[derive(Template)]
#[template(path = "audit/list.html")]
struct TrailPage {
    layout: Layout,
    events: Page<AuditEvent>,
    people: Vec<PersonRef>,
    kinds: Vec<Kind>,
    /// The filters as typed, shown again in the form.
    person: String,
    kind: String,
    from: String,
    to: String,
    /// The filters as a query string (no cursor), for the next page and the CSV.
    query: String,
    errors: FormErrors,
}

impl TrailPage {
    fn and(&self) -> &'static str {
        if self.query.is_empty() { "" } else { "&" }
    }
}

/// The trail, newest first, with the filters as a GET form: the cio only (404 for
/// everyone else). Filters that cannot be used show by their fields with a 422.
#[handler]
pub async fn list(
    state: Data<&AppState>,
    actor: Actor,
    Query(q): Query<TrailQuery>,
) -> AppResult<Response> {
    let people = audit::people_named(&state.db, &actor).await?;
    let (events, errors) = match audit::trail(&state.db, &actor, &q.filter(), None).await {
        Ok(events) => (events, FormErrors::default()),
        Err(AppError::Invalid(errors)) => (
            Page {
                items: Vec::new(),
                next: None,
            },
            FormErrors::new(errors),
        ),
        Err(err) => return Err(err),
    };
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let typed = |v: &Option<String>| v.as_deref().unwrap_or_default().trim().to_owned();
    Ok(render(&TrailPage {
        layout: Layout::new(Some(&actor), "Audit trail", "audit"),
        events,
        people,
        kinds: Kind::all(),
        person: typed(&q.person),
        kind: typed(&q.kind),
        from: typed(&q.from),
        to: typed(&q.to),
        query: q.query_string(),
        errors,
    })?
    .with_status(status)
    .into_response())
}

/// The events the filters match, as CSV: the cio only.
#[handler]
pub async fn csv(
    state: Data<&AppState>,
    actor: Actor,
    Query(q): Query<TrailQuery>,
) -> AppResult<Response> {
    let text = audit::trail_csv(&state.db, &actor, &q.filter()).await?;
    Ok(Response::builder()
        .content_type("text/csv; charset=utf-8")
        .header(
            header::CONTENT_DISPOSITION,
            "attachment; filename=\"audit.csv\"",
        )
        .body(text))
}

/// This area's pages, added to the site's routes by `app::page_routes`.
pub fn routes(route: Route) -> Route {
    route.at("/audit", get(list)).at("/audit.csv", get(csv))
}
