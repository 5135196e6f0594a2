//! A person's own data as a page to read and as the JSON file to keep, from the Account
//! page.

use askama::Template;
use chrono::Utc;
use poem::{IntoResponse, Response, Route, get, handler, http::header, web::Data};

use crate::{
    app::AppState,
    auth::Actor,
    dates::{Shown, ShownAt},
    error::AppResult,
    own_data::{self, OwnData},
    web::{Layout, render},
};

#[derive(Template)]
#[template(path = "own_data/show.html")]
struct OwnDataPage {
    layout: Layout,
    data: OwnData,
}

impl OwnDataPage {
    /// The self-evaluation's cycle, for the entries listed under it.
    fn entries_of(&self, id: &i32) -> impl Iterator<Item = &own_data::EvaluationEntry> {
        self.data
            .self_evaluation_entries
            .iter()
            .filter(move |e| e.self_evaluation_id == *id)
    }

    fn notes_of(&self, goal_id: &i32) -> impl Iterator<Item = &own_data::ProgressNote> {
        self.data
            .goal_progress_notes
            .iter()
            .filter(move |n| n.goal_id == *goal_id)
    }

    /// Evidence items as one line each, whatever shape they were stored in.
    fn evidence_lines(&self, evidence: &serde_json::Value) -> Vec<String> {
        match evidence {
            serde_json::Value::Array(items) => items
                .iter()
                .map(|item| {
                    let text = item["text"].as_str().unwrap_or_default();
                    match item["url"].as_str() {
                        Some(url) => format!("{text} ({url})"),
                        None => text.to_owned(),
                    }
                })
                .collect(),
            serde_json::Value::String(text) => vec![text.clone()],
            _ => Vec::new(),
        }
    }
}

#[handler]
pub async fn show(state: Data<&AppState>, actor: Actor) -> AppResult<Response> {
    let data = own_data::gather(&state.db, &actor, Utc::now()).await?;
    Ok(render(&OwnDataPage {
        layout: Layout::new(Some(&actor), "Your data", "account"),
        data,
    })?
    .into_response())
}

#[handler]
pub async fn download(state: Data<&AppState>, actor: Actor) -> AppResult<Response> {
    let data = own_data::gather(&state.db, &actor, Utc::now()).await?;
    let name = own_data::file_name(&data);
    Ok(Response::builder()
        .content_type("application/json")
        .header(
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{name}\""),
        )
        .header(header::CACHE_CONTROL, "no-store")
        .body(own_data::to_json(&data)?))
}

pub fn routes(route: Route) -> Route {
    route
        .at("/account/data", get(show))
        .at("/account/data.json", get(download))
}
