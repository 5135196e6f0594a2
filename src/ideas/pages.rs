//! The ideas pages (the list with its status filter, one idea with the cio's answer form,
//! the submit form) and the advisory committee's home page, calling the same service
//! functions as the API.

use crate::dates::{Shown, ShownAt};
use std::collections::HashMap;

use askama::Template;
use chrono::Utc;
use poem::{
    Response, handler,
    web::{Data, Html, Path, Query},
};
use serde::Deserialize;

use crate::{
    app::AppState,
    auth::Actor,
    error::AppResult,
    ideas::{self, AnswerInput, Idea, IdeaFilter, IdeaInput, IdeaStatus},
    meetings::{self, Meeting, MeetingStatus, digest::ItemOutcome, digest::ItemRef},
    paging::Page,
    plan::{self, ObjectiveRef},
    policy::{self, Action},
    summaries::reports::{self, ReportRef},
    validate::Word,
    web::{CsrfForm, FormErrors, Layout, form_outcome, render},
};

// ---------------------------------------------------------------------------------------
// The list

#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    status: Option<String>,
    after: Option<String>,
    notice: Option<String>,
}

#[derive(Template)]
#[template(path = "ideas/list.html")]
struct ListPage {
    layout: Layout,
    notice: Option<&'static str>,
    ideas: Page<Idea>,
    statuses: Vec<IdeaStatus>,
    /// The status filtered on, or empty.
    status: String,
}

impl ListPage {
    /// The address of the next page, keeping the filter.
    fn next_url(&self, cursor: &str) -> String {
        let mut url = format!("/ideas?after={}", urlencoding(cursor));
        if !self.status.is_empty() {
            url.push_str("&status=");
            url.push_str(&urlencoding(&self.status));
        }
        url
    }
}

/// Cursors and status words are URL-safe already; anything else is dropped rather than
/// trusted into an address.
fn urlencoding(raw: &str) -> String {
    raw.chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_'))
        .collect()
}

#[handler]
pub async fn list(
    state: Data<&AppState>,
    actor: Actor,
    Query(q): Query<ListQuery>,
) -> AppResult<Html<String>> {
    let status = q.status.clone().unwrap_or_default();
    let ideas = ideas::list(
        &state.db,
        &actor,
        IdeaFilter {
            status: q.status,
            limit: None,
            after: q.after,
        },
    )
    .await?;
    render(&ListPage {
        layout: Layout::new(Some(&actor), "Ideas", "ideas"),
        notice: match q.notice.as_deref() {
            Some("submitted") => Some("Thank you: your idea is in. The cio will answer it here."),
            _ => None,
        },
        ideas,
        statuses: IdeaStatus::all(),
        status,
    })
}

// ---------------------------------------------------------------------------------------
// Submitting

#[derive(Debug, Default, Deserialize)]
pub struct IdeaForm {
    #[serde(default)]
    title: String,
    #[serde(default)]
    text: String,
}

#[derive(Template)]
#[template(path = "ideas/new.html")]
struct NewPage {
    layout: Layout,
    form: IdeaForm,
    errors: FormErrors,
}

#[handler]
pub async fn new(actor: Actor) -> AppResult<Html<String>> {
    policy::check(actor.principal(), Action::SubmitIdea)?;
    render(&NewPage {
        layout: Layout::new(Some(&actor), "Submit an idea", "ideas"),
        form: IdeaForm::default(),
        errors: FormErrors::default(),
    })
}

#[handler]
pub async fn submit(
    state: Data<&AppState>,
    actor: Actor,
    CsrfForm(form): CsrfForm<IdeaForm>,
) -> AppResult<Response> {
    let result = ideas::submit(
        &state.db,
        &actor,
        IdeaInput {
            title: Some(form.title.clone()),
            text: Some(form.text.clone()),
        },
    )
    .await;
    form_outcome(
        result,
        |idea| format!("/ideas/{}?notice=submitted", idea.id),
        |errors| async {
            render(&NewPage {
                layout: Layout::new(Some(&actor), "Submit an idea", "ideas"),
                form,
                errors,
            })
        },
    )
    .await
}

// ---------------------------------------------------------------------------------------
// One idea and the cio's answer

#[derive(Debug, Default, Deserialize)]
pub struct AnswerForm {
    #[serde(default)]
    status: String,
    #[serde(default)]
    reply: String,
    #[serde(default)]
    objective_id: String,
    #[serde(default)]
    meeting_item_id: String,
}

impl AnswerForm {
    fn of(idea: &Idea) -> Self {
        AnswerForm {
            status: idea
                .status
                .next()
                .first()
                .map(|s| s.as_str().to_owned())
                .unwrap_or_default(),
            reply: idea.reply.clone(),
            objective_id: idea
                .objective
                .as_ref()
                .map(|o| o.id.to_string())
                .unwrap_or_default(),
            meeting_item_id: idea
                .meeting_item
                .as_ref()
                .map(|m| m.id.to_string())
                .unwrap_or_default(),
        }
    }

    fn input(&self) -> AnswerInput {
        // An id that is not a number is sent as 0, so the service names the field.
        let id = |raw: &str| match raw.trim() {
            "" => None,
            n => Some(n.parse().unwrap_or(0)),
        };
        AnswerInput {
            status: Some(self.status.clone()),
            reply: Some(self.reply.clone()),
            objective_id: id(&self.objective_id).map(|n: i64| i32::try_from(n).unwrap_or(0)),
            meeting_item_id: id(&self.meeting_item_id),
        }
    }
}

/// What the answer form offers.
struct AnswerChoices {
    statuses: Vec<IdeaStatus>,
    objectives: Vec<ObjectiveRef>,
    items: Vec<ItemRef>,
}

#[derive(Template)]
#[template(path = "ideas/show.html")]
struct ShowPage {
    layout: Layout,
    notice: Option<&'static str>,
    idea: Idea,
    /// For the cio only.
    choices: Option<AnswerChoices>,
    form: AnswerForm,
    errors: FormErrors,
}

async fn show_page(
    state: &AppState,
    actor: &Actor,
    id: i64,
    notice: Option<&'static str>,
    form: Option<AnswerForm>,
    errors: FormErrors,
) -> AppResult<Html<String>> {
    let idea = ideas::get(&state.db, actor, id).await?;
    let choices = if ideas::may_answer(actor) {
        let objectives = match plan::active_id(state.db.conn()).await? {
            Some(plan_id) => plan::objectives_of(state.db.conn(), plan_id)
                .await?
                .into_iter()
                .filter(|o| !o.retired)
                .collect(),
            None => Vec::new(),
        };
        Some(AnswerChoices {
            statuses: IdeaStatus::all()
                .into_iter()
                .filter(|s| *s != IdeaStatus::New)
                .collect(),
            objectives,
            items: meetings::digest::ideas_items(state.db.conn(), actor).await?,
        })
    } else {
        None
    };
    render(&ShowPage {
        layout: Layout::new(Some(actor), idea.title.clone(), "ideas"),
        notice,
        form: form.unwrap_or_else(|| AnswerForm::of(&idea)),
        idea,
        choices,
        errors,
    })
}

#[handler]
pub async fn show(
    state: Data<&AppState>,
    actor: Actor,
    Path(id): Path<i64>,
    Query(q): Query<ListQuery>,
) -> AppResult<Html<String>> {
    let notice = match q.notice.as_deref() {
        Some("submitted") => Some("Thank you: your idea is in. The cio will answer it here."),
        Some("answered") => Some("The answer is saved; everyone signed in can read it."),
        _ => None,
    };
    show_page(&state, &actor, id, notice, None, FormErrors::default()).await
}

#[handler]
pub async fn answer(
    state: Data<&AppState>,
    actor: Actor,
    Path(id): Path<i64>,
    CsrfForm(form): CsrfForm<AnswerForm>,
) -> AppResult<Response> {
    let result = ideas::answer(&state.db, &actor, id, form.input()).await;
    form_outcome(
        result,
        |idea| format!("/ideas/{}?notice=answered", idea.id),
        |errors| show_page(&state, &actor, id, None, Some(form), errors),
    )
    .await
}

// ---------------------------------------------------------------------------------------
// The advisory committee's home

/// How many held meetings, and ideas, the committee's page shows.
const COMMITTEE_MEETINGS: usize = 4;
const COMMITTEE_IDEAS: u64 = 8;

#[derive(Template)]
#[template(path = "ideas/committee.html")]
struct CommitteePage {
    layout: Layout,
    /// Published meetings that have not been held yet, soonest first.
    upcoming: Vec<Meeting>,
    /// The latest held meetings, latest first, with what they came to.
    held: Vec<(Meeting, Vec<ItemOutcome>)>,
    ideas: Vec<Idea>,
    more_ideas: bool,
    counts: Vec<(IdeaStatus, i64)>,
    /// The published annual reports, newest first.
    reports: Vec<ReportRef>,
}

#[handler]
pub async fn committee(state: Data<&AppState>, actor: Actor) -> AppResult<Html<String>> {
    policy::check(actor.principal(), Action::ViewCommitteeHome)?;
    let now = Utc::now();
    let all = meetings::list(&state.db, &actor).await?;
    let mut upcoming: Vec<Meeting> = all
        .iter()
        .filter(|m| m.status == MeetingStatus::Published && m.ends_at() > now)
        .cloned()
        .collect();
    upcoming.reverse();
    let held: Vec<Meeting> = all
        .into_iter()
        .filter(|m| m.status == MeetingStatus::Held)
        .take(COMMITTEE_MEETINGS)
        .collect();
    let ids: Vec<i64> = held.iter().map(|m| m.id).collect();
    let mut outcomes = meetings::digest::outcomes_of(state.db.conn(), &ids).await?;
    let held = held
        .into_iter()
        .map(|m| {
            let o = outcomes.remove(&m.id).unwrap_or_default();
            (m, o)
        })
        .collect();
    let ideas = ideas::list(
        &state.db,
        &actor,
        IdeaFilter {
            limit: Some(COMMITTEE_IDEAS),
            ..IdeaFilter::default()
        },
    )
    .await?;
    let counts: HashMap<&str, i64> = ideas::counts(&state.db, &actor).await?;
    let reports = reports::list(
        &state.db,
        Some(actor.principal()),
        state.settings.portal_public,
    )
    .await?;
    render(&CommitteePage {
        layout: Layout::new(Some(&actor), "Advisory committee", "committee"),
        upcoming,
        held,
        more_ideas: ideas.next.is_some(),
        ideas: ideas.items,
        counts: IdeaStatus::all()
            .into_iter()
            .map(|s| (s, counts.get(s.as_str()).copied().unwrap_or(0)))
            .collect(),
        reports,
    })
}

pub fn routes(route: poem::Route) -> poem::Route {
    use poem::{get, post};
    route
        .at("/ideas", get(list).post(submit))
        .at("/ideas/new", get(new))
        .at("/ideas/:id", get(show))
        .at("/ideas/:id/answer", post(answer))
        .at("/committee", get(committee))
}
