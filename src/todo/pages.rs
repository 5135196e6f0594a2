//! The start page: what is waiting for the person signed in. Anonymous visitors go to the
//! portal (which decides whether they may read it), advisors to the committee's home.

use askama::Template;
use chrono::Utc;
use poem::{IntoResponse, Response, handler, web::Data};

use crate::{
    app::AppState,
    auth::extract::MaybeActor,
    error::AppResult,
    policy::{self, Action},
    todo::{self, Todo},
    web::{Layout, render, see_other},
};

#[derive(Template)]
#[template(path = "todo/home.html")]
struct HomePage {
    layout: Layout,
    first_name: String,
    todo: Todo,
}

#[handler]
pub async fn home(state: Data<&AppState>, MaybeActor(actor): MaybeActor) -> AppResult<Response> {
    let Some(actor) = actor else {
        return Ok(see_other("/portal"));
    };
    if !policy::allows(actor.principal(), Action::ReadWorkList) {
        return Ok(see_other("/committee"));
    }
    let (generation, read_at) = (state.db.generation(), std::time::Instant::now());
    let todo = todo::waiting_for(&state.db, &actor, Utc::now()).await?;
    // The navigation's count may be a few seconds old: this page shows the list itself,
    // so its count is the list's, and the next pages keep it.
    state
        .waiting_counts
        .remember(actor.person_id, todo.count(), generation, read_at);
    let mut layout = Layout::new(Some(&actor), "Waiting for you", "home");
    if let Some(nav) = layout.actor.as_mut() {
        nav.waiting = Some(todo.count());
    }
    let first_name = actor
        .name
        .split_whitespace()
        .next()
        .unwrap_or_default()
        .to_owned();
    Ok(render(&HomePage {
        layout,
        first_name,
        todo,
    })?
    .into_response())
}

/// This area's pages, added to the site's routes by `app::page_routes`.
pub fn routes(route: poem::Route) -> poem::Route {
    route.at("/", poem::get(home))
}
