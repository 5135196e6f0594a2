//! The plan pages: the tree with coverage for everyone, and the cio's forms.

use askama::Template;
use poem::{
    Response, handler,
    web::{Data, Html, Path, Query},
};
use serde::Deserialize;

use crate::{
    app::AppState,
    auth::Actor,
    cycles::{self, Cycle},
    error::AppResult,
    plan::{self, PartInput, Plan, PlanInput, PlanStatus, PlanSummary},
    validate::{Errors, Word},
    web::{CsrfForm, FormErrors, Layout, form_outcome, render, see_other},
};

#[derive(Template)]
#[template(path = "plan/list.html")]
struct PlansPage {
    layout: Layout,
    plans: Vec<PlanSummary>,
    can_manage: bool,
    form: PlanForm,
    errors: FormErrors,
}

#[derive(Template)]
#[template(path = "plan/show.html")]
struct PlanPage {
    layout: Layout,
    notice: Option<&'static str>,
    plan: Plan,
    can_manage: bool,
    editable: bool,
    cycles: Vec<Cycle>,
    cycle_id: Option<i32>,
    /// What a button on the page could not do (a conflict), shown at the top.
    errors: FormErrors,
    /// Each value with the meetings that discussed it, latest first.
    discussed: Vec<(String, Vec<crate::meetings::agenda::DiscussedAt>)>,
    /// The ideas linked to each objective, newest first.
    ideas: std::collections::HashMap<i32, Vec<crate::ideas::IdeaRef>>,
    /// Per objective, the client-survey questions that measure it, with their latest
    /// recent month (see `feedback::latest_measures`).
    client_measures: std::collections::HashMap<i32, Vec<crate::feedback::LatestMeasure>>,
}

impl PlanPage {
    fn ideas_of(&self, objective_id: &i32) -> &[crate::ideas::IdeaRef] {
        self.ideas.get(objective_id).map_or(&[], Vec::as_slice)
    }

    fn client_measures_of(&self, objective_id: &i32) -> &[crate::feedback::LatestMeasure] {
        self.client_measures
            .get(objective_id)
            .map(Vec::as_slice)
            .unwrap_or_default()
    }
}

/// The plan form as typed.
#[derive(Debug, Default, Deserialize)]
pub struct PlanForm {
    #[serde(default)]
    title: String,
    #[serde(default)]
    start_year: String,
    #[serde(default)]
    end_year: String,
    #[serde(default)]
    mission: String,
    #[serde(default)]
    vision: String,
    #[serde(default)]
    values: String,
    #[serde(default)]
    status: String,
}

impl PlanForm {
    /// The plan as the service takes it. The years are typed as text here (the API sends
    /// numbers), so a year that is not a number is refused before the service is asked.
    fn input(&self) -> AppResult<PlanInput> {
        let mut errors = Errors::default();
        let mut year = |field: &str, raw: &str| -> Option<i32> {
            match raw.trim().parse() {
                Ok(y) => Some(y),
                Err(_) => {
                    errors.add(field, "Write the year as four digits.");
                    None
                }
            }
        };
        let start_year = year("start_year", &self.start_year);
        let end_year = year("end_year", &self.end_year);
        errors.finish()?;
        Ok(PlanInput {
            title: Some(self.title.clone()),
            start_year,
            end_year,
            mission: Some(self.mission.clone()),
            vision: Some(self.vision.clone()),
            values: Some(self.values.lines().map(str::to_owned).collect()),
            status: (!self.status.is_empty()).then(|| self.status.clone()),
        })
    }
}

async fn plans_page(
    state: &AppState,
    actor: &Actor,
    form: PlanForm,
    errors: FormErrors,
) -> AppResult<Html<String>> {
    render(&PlansPage {
        layout: Layout::new(Some(actor), "Strategic plans", "plan"),
        plans: plan::list(&state.db, actor).await?,
        can_manage: plan::may_manage(actor),
        form,
        errors,
    })
}

/// The plan in force, or the list when there is none yet.
#[handler]
pub async fn current(state: Data<&AppState>, _actor: Actor) -> AppResult<Response> {
    match plan::active_id(state.db.conn()).await? {
        Some(id) => Ok(see_other(format!("/plans/{id}"))),
        None => Ok(see_other("/plans")),
    }
}

#[handler]
pub async fn list(state: Data<&AppState>, actor: Actor) -> AppResult<Html<String>> {
    let form = PlanForm {
        status: "draft".into(),
        ..PlanForm::default()
    };
    plans_page(&state, &actor, form, FormErrors::default()).await
}

#[handler]
pub async fn create(
    state: Data<&AppState>,
    actor: Actor,
    CsrfForm(form): CsrfForm<PlanForm>,
) -> AppResult<Response> {
    plan::authorize_manage(&actor)?;
    let result = async { plan::create(&state.db, &actor, form.input()?).await }.await;
    form_outcome(
        result,
        |created| format!("/plans/{}?notice=created", created.id),
        |errors| plans_page(&state, &actor, form, errors),
    )
    .await
}

#[derive(Deserialize)]
pub struct PlanQuery {
    cycle_id: Option<String>,
    notice: Option<String>,
}

#[handler]
pub async fn show(
    state: Data<&AppState>,
    actor: Actor,
    Path(id): Path<i32>,
    Query(q): Query<PlanQuery>,
) -> AppResult<Html<String>> {
    let cycle_id = q.cycle_id.as_deref().and_then(|c| c.parse().ok());
    let notice = match q.notice.as_deref() {
        Some("created") => Some("The plan has been created."),
        Some("saved") => Some("Your changes have been saved."),
        Some("deleted") => Some("Deleted."),
        _ => None,
    };
    plan_page(&state, &actor, id, cycle_id, notice, FormErrors::default()).await
}

/// The plan with its tree, and for the cio the buttons and forms that change it.
async fn plan_page(
    state: &AppState,
    actor: &Actor,
    id: i32,
    cycle_id: Option<i32>,
    notice: Option<&'static str>,
    errors: FormErrors,
) -> AppResult<Html<String>> {
    let shown = plan::get(&state.db, actor, id, cycle_id, state.settings.privacy_k).await?;
    let cycles = cycles::list(&state.db, actor)
        .await?
        .into_iter()
        .filter(|c| c.plan_id == id)
        .collect();
    let mut by_value = crate::meetings::agenda::discussing_values(&state.db).await?;
    let discussed = shown
        .values
        .iter()
        .filter_map(|v| by_value.remove(v).map(|meetings| (v.clone(), meetings)))
        .collect();
    let objective_ids: Vec<i32> = shown
        .goals
        .iter()
        .flat_map(|g| g.objectives.iter().map(|o| o.id))
        .collect();
    let ideas = crate::ideas::linked_to_objectives(&state.db, actor, objective_ids).await?;
    let client_measures = crate::feedback::latest_measures(&state.db, chrono::Utc::now()).await?;
    render(&PlanPage {
        client_measures,
        discussed,
        ideas,
        layout: Layout::new(Some(actor), shown.summary.title.clone(), "plan"),
        notice,
        editable: shown.summary.status != PlanStatus::Archived,
        can_manage: plan::may_manage(actor),
        plan: shown,
        cycles,
        cycle_id,
        errors,
    })
}

#[derive(Template)]
#[template(path = "plan/edit.html")]
struct PlanEditPage {
    layout: Layout,
    id: i32,
    form: PlanForm,
    errors: FormErrors,
}

#[handler]
pub async fn edit(
    state: Data<&AppState>,
    actor: Actor,
    Path(id): Path<i32>,
) -> AppResult<Html<String>> {
    plan::authorize_manage(&actor)?;
    let shown = plan::get(&state.db, &actor, id, None, state.settings.privacy_k).await?;
    let form = PlanForm {
        title: shown.summary.title.clone(),
        start_year: shown.summary.start_year.to_string(),
        end_year: shown.summary.end_year.to_string(),
        mission: shown.mission.clone(),
        vision: shown.vision.clone(),
        values: shown.values.join("\n"),
        status: shown.summary.status.as_str().to_owned(),
    };
    render(&PlanEditPage {
        layout: Layout::new(Some(&actor), "Edit the plan", "plan"),
        id,
        form,
        errors: FormErrors::default(),
    })
}

#[handler]
pub async fn update(
    state: Data<&AppState>,
    actor: Actor,
    Path(id): Path<i32>,
    CsrfForm(form): CsrfForm<PlanForm>,
) -> AppResult<Response> {
    plan::authorize_manage(&actor)?;
    let result = async { plan::update(&state.db, &actor, id, form.input()?).await }.await;
    form_outcome(
        result,
        |_| format!("/plans/{id}?notice=saved"),
        |errors| async {
            render(&PlanEditPage {
                layout: Layout::new(Some(&actor), "Edit the plan", "plan"),
                id,
                form,
                errors,
            })
        },
    )
    .await
}

/// A strategic goal or an objective as typed.
#[derive(Debug, Default, Deserialize)]
pub struct PartForm {
    #[serde(default)]
    title: String,
    #[serde(default)]
    detail: String,
    #[serde(default)]
    plan_id: Option<i32>,
}

impl PartForm {
    fn input(&self) -> PartInput {
        PartInput {
            title: Some(self.title.clone()),
            detail: Some(self.detail.clone()),
            position: None,
            retired: None,
        }
    }
}

#[derive(Template)]
#[template(path = "plan/part.html")]
struct PartPage {
    layout: Layout,
    action: String,
    cancel: String,
    detail_label: &'static str,
    form: PartForm,
    errors: FormErrors,
}

/// A strategic goal's or an objective's form on its own page: for editing, and again with
/// its errors when an add or an edit did not pass.
struct PartView {
    title: &'static str,
    action: String,
    cancel: String,
    detail_label: &'static str,
}

impl PartView {
    async fn page(
        self,
        actor: &Actor,
        form: PartForm,
        errors: FormErrors,
    ) -> AppResult<Html<String>> {
        render(&PartPage {
            layout: Layout::new(Some(actor), self.title, "plan"),
            action: self.action,
            cancel: self.cancel,
            detail_label: self.detail_label,
            form,
            errors,
        })
    }
}

#[handler]
pub async fn add_goal(
    state: Data<&AppState>,
    actor: Actor,
    Path(id): Path<i32>,
    CsrfForm(form): CsrfForm<PartForm>,
) -> AppResult<Response> {
    let result = plan::add_goal(&state.db, &actor, id, form.input()).await;
    let view = PartView {
        title: "Add a strategic goal",
        action: format!("/plans/{id}/goals"),
        cancel: format!("/plans/{id}"),
        detail_label: "Description",
    };
    form_outcome(
        result,
        |_| format!("/plans/{id}?notice=saved"),
        |errors| view.page(&actor, form, errors),
    )
    .await
}

#[handler]
pub async fn add_objective(
    state: Data<&AppState>,
    actor: Actor,
    Path(goal_id): Path<i32>,
    CsrfForm(form): CsrfForm<PartForm>,
) -> AppResult<Response> {
    let back = format!("/plans/{}", form.plan_id.unwrap_or_default());
    let result = plan::add_objective(&state.db, &actor, goal_id, form.input()).await;
    let view = PartView {
        title: "Add an objective",
        action: format!("/strategic-goals/{goal_id}/objectives"),
        cancel: back.clone(),
        detail_label: "Measure",
    };
    form_outcome(
        result,
        |_| format!("{back}?notice=saved"),
        |errors| view.page(&actor, form, errors),
    )
    .await
}

#[handler]
pub async fn edit_goal(
    state: Data<&AppState>,
    actor: Actor,
    Path(goal_id): Path<i32>,
) -> AppResult<Html<String>> {
    plan::authorize_manage(&actor)?;
    let part = plan::strategic_goal_part(&state.db, &actor, goal_id).await?;
    let form = PartForm {
        title: part.title,
        detail: part.detail,
        plan_id: Some(part.plan_id),
    };
    goal_view(goal_id, format!("/plans/{}", part.plan_id))
        .page(&actor, form, FormErrors::default())
        .await
}

fn goal_view(goal_id: i32, back: String) -> PartView {
    PartView {
        title: "Edit the strategic goal",
        action: format!("/strategic-goals/{goal_id}"),
        cancel: back,
        detail_label: "Description",
    }
}

#[handler]
pub async fn update_goal(
    state: Data<&AppState>,
    actor: Actor,
    Path(goal_id): Path<i32>,
    CsrfForm(form): CsrfForm<PartForm>,
) -> AppResult<Response> {
    let back = format!("/plans/{}", form.plan_id.unwrap_or_default());
    let result = plan::update_goal(&state.db, &actor, goal_id, form.input()).await;
    let view = goal_view(goal_id, back.clone());
    form_outcome(
        result,
        |()| format!("{back}?notice=saved"),
        |errors| view.page(&actor, form, errors),
    )
    .await
}

#[handler]
pub async fn edit_objective(
    state: Data<&AppState>,
    actor: Actor,
    Path(id): Path<i32>,
) -> AppResult<Html<String>> {
    plan::authorize_manage(&actor)?;
    let part = plan::objective_part(&state.db, &actor, id).await?;
    let form = PartForm {
        title: part.title,
        detail: part.detail,
        plan_id: Some(part.plan_id),
    };
    objective_view(id, format!("/plans/{}", part.plan_id))
        .page(&actor, form, FormErrors::default())
        .await
}

fn objective_view(id: i32, back: String) -> PartView {
    PartView {
        title: "Edit the objective",
        action: format!("/objectives/{id}"),
        cancel: back,
        detail_label: "Measure",
    }
}

#[handler]
pub async fn update_objective(
    state: Data<&AppState>,
    actor: Actor,
    Path(id): Path<i32>,
    CsrfForm(form): CsrfForm<PartForm>,
) -> AppResult<Response> {
    let back = format!("/plans/{}", form.plan_id.unwrap_or_default());
    let result = plan::update_objective(&state.db, &actor, id, form.input()).await;
    let view = objective_view(id, back.clone());
    form_outcome(
        result,
        |()| format!("{back}?notice=saved"),
        |errors| view.page(&actor, form, errors),
    )
    .await
}

/// A button on the plan page: move, retire or delete a part, then back to the plan.
#[derive(Deserialize)]
pub struct PartAction {
    plan_id: i32,
    position: Option<i32>,
    retired: Option<String>,
}

impl PartAction {
    /// Back to the plan (with `query`), or the plan again with what the button could not do.
    async fn outcome(
        &self,
        state: &AppState,
        actor: &Actor,
        result: AppResult<()>,
        query: &str,
    ) -> AppResult<Response> {
        let plan_id = self.plan_id;
        form_outcome(
            result,
            |()| format!("/plans/{plan_id}{query}"),
            |errors| plan_page(state, actor, plan_id, None, None, errors),
        )
        .await
    }
}

#[handler]
pub async fn move_goal(
    state: Data<&AppState>,
    actor: Actor,
    Path(id): Path<i32>,
    CsrfForm(form): CsrfForm<PartAction>,
) -> AppResult<Response> {
    let input = PartInput {
        position: form.position,
        ..PartInput::default()
    };
    let result = plan::update_goal(&state.db, &actor, id, input).await;
    form.outcome(&state, &actor, result, "").await
}

#[handler]
pub async fn delete_goal(
    state: Data<&AppState>,
    actor: Actor,
    Path(id): Path<i32>,
    CsrfForm(form): CsrfForm<PartAction>,
) -> AppResult<Response> {
    let result = plan::delete_goal(&state.db, &actor, id).await;
    form.outcome(&state, &actor, result, "?notice=deleted")
        .await
}

#[handler]
pub async fn change_objective(
    state: Data<&AppState>,
    actor: Actor,
    Path(id): Path<i32>,
    CsrfForm(form): CsrfForm<PartAction>,
) -> AppResult<Response> {
    let input = PartInput {
        position: form.position,
        retired: form.retired.as_deref().map(|r| r == "true"),
        ..PartInput::default()
    };
    let result = plan::update_objective(&state.db, &actor, id, input).await;
    form.outcome(&state, &actor, result, "").await
}

#[handler]
pub async fn delete_objective(
    state: Data<&AppState>,
    actor: Actor,
    Path(id): Path<i32>,
    CsrfForm(form): CsrfForm<PartAction>,
) -> AppResult<Response> {
    let result = plan::delete_objective(&state.db, &actor, id).await;
    form.outcome(&state, &actor, result, "?notice=deleted")
        .await
}

/// This area's pages, added to the site's routes by `app::page_routes`.
pub fn routes(route: poem::Route) -> poem::Route {
    use poem::{get, post};
    route
        .at("/plan", get(current))
        .at("/plans", get(list).post(create))
        .at("/plans/:id", get(show).post(update))
        .at("/plans/:id/edit", get(edit))
        .at("/plans/:id/goals", post(add_goal))
        .at("/strategic-goals/:id", post(update_goal))
        .at("/strategic-goals/:id/edit", get(edit_goal))
        .at("/strategic-goals/:id/move", post(move_goal))
        .at("/strategic-goals/:id/delete", post(delete_goal))
        .at("/strategic-goals/:id/objectives", post(add_objective))
        .at("/objectives/:id", post(update_objective))
        .at("/objectives/:id/edit", get(edit_objective))
        .at("/objectives/:id/change", post(change_objective))
        .at("/objectives/:id/delete", post(delete_objective))
}
