//! The review cycles page: the list for everyone, opening and moving cycles for the cio.

use crate::dates::Shown;
use askama::Template;
use poem::{
    IntoResponse, Response, handler,
    web::{Data, Html, Path, Query},
};
use serde::Deserialize;

use crate::{
    app::AppState,
    auth::Actor,
    cycles::{self, Cycle, CycleInput, Phase},
    error::AppResult,
    plan::{self, PlanStatus, PlanSummary},
    validate::{Errors, Word},
    web::{ConfirmPage, CsrfForm, FormErrors, Layout, NoticeQuery, form_outcome, render},
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
    /// Empty: no deadline.
    #[serde(default)]
    self_evaluation_due_on: String,
}

impl CycleForm {
    /// The cycle as the service takes it. The dates are typed as text here (the API sends
    /// dates), so a date that cannot be read is refused before the service is asked.
    fn input(&self) -> AppResult<CycleInput> {
        let mut errors = Errors::default();
        let starts_on = errors.date("starts_on", &self.starts_on);
        let ends_on = errors.date("ends_on", &self.ends_on);
        let due_on = self.due_on(&mut errors);
        errors.finish()?;
        Ok(CycleInput {
            name: Some(self.name.clone()),
            plan_id: self.plan_id.trim().parse().ok(),
            starts_on,
            ends_on,
            self_evaluation_due_on: Some(due_on),
        })
    }

    /// The changes as the service takes them (the plan stays as it is).
    fn changes(&self) -> AppResult<CycleInput> {
        let mut errors = Errors::default();
        let starts_on = errors.date("starts_on", &self.starts_on);
        let ends_on = errors.date("ends_on", &self.ends_on);
        let due_on = self.due_on(&mut errors);
        errors.finish()?;
        Ok(CycleInput {
            name: Some(self.name.clone()),
            plan_id: None,
            starts_on,
            ends_on,
            self_evaluation_due_on: Some(due_on),
        })
    }

    /// The deadline typed: empty is none.
    fn due_on(&self, errors: &mut Errors) -> Option<chrono::NaiveDate> {
        if self.self_evaluation_due_on.trim().is_empty() {
            None
        } else {
            errors.date("self_evaluation_due_on", &self.self_evaluation_due_on)
        }
    }

    fn of(cycle: &Cycle) -> CycleForm {
        CycleForm {
            name: cycle.name.clone(),
            plan_id: cycle.plan_id.to_string(),
            starts_on: cycle.starts_on.to_string(),
            ends_on: cycle.ends_on.to_string(),
            self_evaluation_due_on: cycle
                .self_evaluation_due_on
                .map(|d| d.to_string())
                .unwrap_or_default(),
        }
    }
}

#[derive(Template)]
#[template(path = "cycles/edit.html")]
struct EditPage {
    layout: Layout,
    cycle: Cycle,
    form: CycleForm,
    errors: FormErrors,
}

async fn edit_page(
    state: &AppState,
    actor: &Actor,
    id: i32,
    form: Option<CycleForm>,
    errors: FormErrors,
) -> AppResult<Html<String>> {
    plan::authorize_manage(actor)?;
    let cycle = cycles::get(&state.db, actor, id).await?;
    render(&EditPage {
        layout: Layout::new(Some(actor), format!("Change {}", cycle.name), "cycles"),
        form: form.unwrap_or_else(|| CycleForm::of(&cycle)),
        cycle,
        errors,
    })
}

/// The cio's form for a cycle's name, dates and self-evaluation deadline.
#[handler]
pub async fn edit(
    state: Data<&AppState>,
    actor: Actor,
    Path(id): Path<i32>,
) -> AppResult<Html<String>> {
    edit_page(&state, &actor, id, None, FormErrors::default()).await
}

#[handler]
pub async fn update(
    state: Data<&AppState>,
    actor: Actor,
    Path(id): Path<i32>,
    CsrfForm(form): CsrfForm<CycleForm>,
) -> AppResult<Response> {
    plan::authorize_manage(&actor)?;
    let result = async {
        let input = form.changes()?;
        cycles::update(&state.db, &actor, id, input).await
    }
    .await;
    form_outcome(
        result,
        |_| "/cycles?notice=changed".to_owned(),
        |errors| edit_page(&state, &actor, id, Some(form), errors),
    )
    .await
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
        Some("changed") => Some("The cycle is saved."),
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

/// Before a cycle moves on: what the move leaves unfinished, and the button that moves it
/// (with `confirm`, so closing over unfinished work goes through). A cycle that cannot move
/// is the cycles page again with the reason at its top.
#[handler]
pub async fn confirm_move(
    state: Data<&AppState>,
    actor: Actor,
    Path(id): Path<i32>,
) -> AppResult<Response> {
    let preview =
        match cycles::preview_move(&state.db, &actor, id, crate::reviews::unfinished_work).await {
            Ok(preview) => preview,
            Err(err) => {
                let Some(errors) = FormErrors::of(&err) else {
                    return Err(err);
                };
                let status = err.status();
                return Ok(page(&state, &actor, None, CycleForm::default(), errors)
                    .await?
                    .with_status(status)
                    .into_response());
            }
        };
    let name = &preview.cycle.name;
    let closing = preview.to == Phase::Closed;
    let lines = if closing {
        vec![
            format!(
                "{name} becomes read-only for everyone: no goal, outcome, self-evaluation or review can change after this, and a closed cycle cannot be reopened."
            ),
            "What is still unfinished stays as it is, shown as not done before the cycle closed."
                .to_owned(),
        ]
    } else {
        vec![format!(
            "Everyone's goals and self-evaluations in {name} move on with it; a cycle never goes back a phase."
        )]
    };
    let list_heading = if preview.unfinished.is_empty() {
        "Nothing is left unfinished.".to_owned()
    } else {
        "Still unfinished".to_owned()
    };
    let page = ConfirmPage {
        layout: Layout::new(
            Some(&actor),
            format!("Move {name} to {}?", preview.to.label()),
            "cycles",
        ),
        lines,
        list_heading,
        list: preview.unfinished.iter().map(|u| u.sentence()).collect(),
        action: format!("/cycles/{id}/phase"),
        fields: vec![
            ("phase".to_owned(), preview.to.as_str().to_owned()),
            ("confirm".to_owned(), "true".to_owned()),
        ],
        button: if closing {
            format!("Close {name}")
        } else {
            format!("Move to {}", preview.to.label())
        },
        danger: closing,
        cancel: "/cycles".to_owned(),
        errors: FormErrors::default(),
    };
    Ok(render(&page)?.into_response())
}

#[derive(Deserialize)]
pub struct PhaseForm {
    phase: String,
    /// "true" from the confirmation page.
    #[serde(default)]
    confirm: String,
}

#[handler]
pub async fn move_to(
    state: Data<&AppState>,
    actor: Actor,
    Path(id): Path<i32>,
    CsrfForm(form): CsrfForm<PhaseForm>,
) -> AppResult<Response> {
    let result = cycles::move_to(
        &state.db,
        &actor,
        id,
        &form.phase,
        form.confirm == "true",
        crate::reviews::unfinished_work,
    )
    .await;
    form_outcome(
        result,
        |_| "/cycles?notice=moved".to_owned(),
        |errors| page(&state, &actor, None, CycleForm::default(), errors),
    )
    .await
}

/// This area's pages, added to the site's routes by `app::page_routes`.
pub fn routes(route: poem::Route) -> poem::Route {
    use poem::get;
    route
        .at("/cycles", get(list).post(create))
        .at("/cycles/:id/phase", get(confirm_move).post(move_to))
        .at("/cycles/:id/edit", get(edit).post(update))
}
