//! The review cycles page: the list for everyone, opening and moving cycles for the cio.

use askama::Template;
use poem::{
    Response, handler,
    web::{Data, Html, Path, Query},
};
use serde::Deserialize;

use crate::{
    app::AppState,
    auth::Actor,
    cycles::{self, Cycle, CycleInput},
    error::AppResult,
    plan::{self, PlanStatus, PlanSummary},
    validate::{Errors, Word},
    web::{CsrfForm, FormErrors, Layout, NoticeQuery, form_outcome, render},
};

#[derive(Template)]
#[template(path = "cycles/list.html")]
struct CyclesPage {
    layout: Layout,
    notice: Option<&'static str>,
    cycles: Vec<Cycle>,
    plans: Vec<PlanSummary>,
    can_manage: bool,
    form: CycleForm,
    errors: FormErrors,
}

#[derive(Debug, Default, Deserialize)]
pub struct CycleForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    plan_id: String,
    #[serde(default)]
    starts_on: String,
    #[serde(default)]
    ends_on: String,
}

impl CycleForm {
    /// The cycle as the service takes it. The dates are typed as text here (the API sends
    /// dates), so a date that cannot be read is refused before the service is asked.
    fn input(&self) -> AppResult<CycleInput> {
        let mut errors = Errors::default();
        let starts_on = errors.date("starts_on", &self.starts_on);
        let ends_on = errors.date("ends_on", &self.ends_on);
        errors.finish()?;
        Ok(CycleInput {
            name: Some(self.name.clone()),
            plan_id: self.plan_id.trim().parse().ok(),
            starts_on,
            ends_on,
        })
    }
}

async fn page(
    state: &AppState,
    actor: &Actor,
    notice: Option<&'static str>,
    form: CycleForm,
    errors: FormErrors,
) -> AppResult<Html<String>> {
    let plans = plan::list(&state.db, actor)
        .await?
        .into_iter()
        .filter(|p| p.status != PlanStatus::Archived)
        .collect();
    render(&CyclesPage {
        layout: Layout::new(Some(actor), "Review cycles", "cycles"),
        notice,
        cycles: cycles::list(&state.db, actor).await?,
        plans,
        can_manage: plan::may_manage(actor),
        form,
        errors,
    })
}

#[handler]
pub async fn list(
    state: Data<&AppState>,
    actor: Actor,
    Query(q): Query<NoticeQuery>,
) -> AppResult<Html<String>> {
    let notice = match q.notice.as_deref() {
        Some("created") => Some("The cycle is open for goal setting."),
        Some("moved") => Some("The cycle has moved on."),
        _ => None,
    };
    page(
        &state,
        &actor,
        notice,
        CycleForm::default(),
        FormErrors::default(),
    )
    .await
}

#[handler]
pub async fn create(
    state: Data<&AppState>,
    actor: Actor,
    CsrfForm(form): CsrfForm<CycleForm>,
) -> AppResult<Response> {
    plan::authorize_manage(&actor)?;
    let result = async {
        let input = form.input()?;
        cycles::open(
            &state.db,
            &actor,
            input,
            crate::reviews::carry_proposals_into,
        )
        .await
    }
    .await;
    form_outcome(
        result,
        |_| "/cycles?notice=created".to_owned(),
        |errors| page(&state, &actor, None, form, errors),
    )
    .await
}

#[derive(Deserialize)]
pub struct PhaseForm {
    phase: String,
}

#[handler]
pub async fn move_to(
    state: Data<&AppState>,
    actor: Actor,
    Path(id): Path<i32>,
    CsrfForm(form): CsrfForm<PhaseForm>,
) -> AppResult<Response> {
    let result = cycles::move_to(&state.db, &actor, id, &form.phase).await;
    form_outcome(
        result,
        |_| "/cycles?notice=moved".to_owned(),
        |errors| page(&state, &actor, None, CycleForm::default(), errors),
    )
    .await
}

/// This area's pages, added to the site's routes by `app::page_routes`.
pub fn routes(route: poem::Route) -> poem::Route {
    use poem::{get, post};
    route
        .at("/cycles", get(list).post(create))
        .at("/cycles/:id/phase", post(move_to))
}
