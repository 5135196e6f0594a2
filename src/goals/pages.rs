//! Goal pages: my goals and proposing one, a goal with its history and the forms its
//! reader may use, and assigning one goal to several people.

use crate::dates::Shown;
use askama::Template;
use chrono::{NaiveDate, Utc};
use poem::{
    IntoResponse, Response, handler,
    web::{Data, Html, Path, Query},
};
use serde::Deserialize;

use crate::{
    app::AppState,
    auth::Actor,
    cycles::{self, Cycle, Phase},
    error::{AppError, AppResult},
    goals::{self, Assignees, Category, Goal, GoalDetail, GoalInput, GoalStatus},
    people::{self, PersonRef},
    plan::{self, ObjectiveRef},
    reviews, skills,
    validate::{Errors, Word},
    web::{ConfirmPage, CsrfForm, EmptyForm, FormErrors, Layout, form_outcome, render},
};

/// The goal form as typed.
#[derive(Debug, Default, Deserialize)]
pub struct GoalForm {
    #[serde(default)]
    objective_id: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    category: String,
    #[serde(default)]
    due_on: String,
    /// A development goal's skill and target level; empty for an ordinary goal.
    #[serde(default)]
    skill_id: String,
    #[serde(default)]
    target_level: String,
}

impl GoalForm {
    fn from_goal(goal: &Goal) -> Self {
        GoalForm {
            objective_id: goal.objective.id.to_string(),
            title: goal.title.clone(),
            description: goal.description.clone(),
            category: goal.category.as_str().to_owned(),
            due_on: goal.due_on.map(|d| d.to_string()).unwrap_or_default(),
            skill_id: goal.skill_id.map(|s| s.to_string()).unwrap_or_default(),
            target_level: goal.target_level.map(|l| l.to_string()).unwrap_or_default(),
        }
    }

    /// The goal as the service takes it. The due date is typed as text here (the API sends
    /// a date), so a date that cannot be read is refused before the service is asked.
    fn input(&self) -> AppResult<GoalInput> {
        let mut errors = Errors::default();
        let due_on = if self.due_on.trim().is_empty() {
            None
        } else {
            errors.date("due_on", &self.due_on)
        };
        errors.finish()?;
        Ok(GoalInput {
            objective_id: self.objective_id.trim().parse().ok(),
            title: Some(self.title.clone()),
            description: Some(self.description.clone()),
            category: Some(self.category.clone()),
            due_on,
            // A blank skill is an ordinary goal; a typed level that is not a number is
            // sent as 0 so the service names it.
            skill_id: self.skill_id.trim().parse().ok(),
            target_level: match self.target_level.trim() {
                "" => None,
                level => Some(level.parse().unwrap_or(0)),
            },
        })
    }
}

fn categories() -> Vec<&'static str> {
    Category::all().into_iter().map(Word::as_str).collect()
}

async fn objectives_for(state: &AppState, cycle: &Cycle) -> AppResult<Vec<ObjectiveRef>> {
    Ok(plan::objectives_of(state.db.conn(), cycle.plan_id)
        .await?
        .into_iter()
        .filter(|o| !o.retired)
        .collect())
}

#[derive(Template)]
#[template(path = "goals/list.html")]
struct GoalsPage {
    /// The catalog, for development goals.
    skills: Vec<skills::Skill>,
    layout: Layout,
    notice: Option<&'static str>,
    person: PersonRef,
    own: bool,
    cycles: Vec<Cycle>,
    cycle: Option<Cycle>,
    goals: Vec<Goal>,
    may_propose: bool,
    objectives: Vec<ObjectiveRef>,
    categories: Vec<&'static str>,
    form: GoalForm,
    errors: FormErrors,
}

impl GoalsPage {
    /// A goal's status as this cycle shows it (see `GoalStatus::label_in`).
    fn status_of(&self, goal: &Goal) -> &'static str {
        let phase = self.cycle.as_ref().map_or(Phase::GoalSetting, |c| c.phase);
        goal.status.label_in(phase)
    }
}

#[derive(Deserialize)]
pub struct CycleQuery {
    cycle_id: Option<String>,
    notice: Option<String>,
}

fn chosen_cycle(cycles: &[Cycle], wanted: Option<&str>) -> AppResult<Option<Cycle>> {
    let wanted = match wanted.filter(|w| !w.is_empty()) {
        Some(raw) => Some(raw.parse().map_err(|_| AppError::NotFound)?),
        None => None,
    };
    cycles::pick(cycles, wanted)
}

#[allow(clippy::too_many_arguments)] // one page, many parts
async fn goals_page(
    state: &AppState,
    actor: &Actor,
    person_id: i32,
    cycle_query: Option<&str>,
    notice: Option<&'static str>,
    form: GoalForm,
    errors: FormErrors,
) -> AppResult<Html<String>> {
    goals::authorize_view(&state.db, actor, person_id).await?;
    let own = person_id == actor.person_id;
    if own && !goals::keeps_own_goals(actor) {
        // Advisors have no goals of their own: the page is not theirs.
        return Err(AppError::NotFound);
    }
    let cycles = cycles::list(&state.db, actor).await?;
    let cycle = chosen_cycle(&cycles, cycle_query)?;
    let profile = people::profile(&state.db, actor, person_id).await?;
    let goals = match &cycle {
        Some(c) => goals::for_person(&state.db, actor, c.id, person_id).await?,
        None => Vec::new(),
    };
    let may_propose = own
        && cycle
            .as_ref()
            .is_some_and(|c| matches!(c.phase, Phase::GoalSetting | Phase::InProgress));
    let objectives = match (&cycle, may_propose) {
        (Some(c), true) => objectives_for(state, c).await?,
        _ => Vec::new(),
    };
    let title = if own {
        "My goals".to_owned()
    } else {
        format!("Goals of {}", profile.person.name)
    };
    render(&GoalsPage {
        layout: Layout::new(Some(actor), title, if own { "goals" } else { "team" }),
        notice,
        person: PersonRef {
            id: profile.person.id,
            name: profile.person.name,
        },
        own,
        cycles,
        cycle,
        goals,
        may_propose,
        objectives,
        categories: categories(),
        skills: skills::list(&state.db, actor, false).await?,
        form,
        errors,
    })
}

#[handler]
pub async fn mine(
    state: Data<&AppState>,
    actor: Actor,
    Query(q): Query<CycleQuery>,
) -> AppResult<Html<String>> {
    let notice = match q.notice.as_deref() {
        Some("proposed") => Some("Your goal has been proposed; your manager will agree to it."),
        _ => None,
    };
    let form = GoalForm {
        category: "service".into(),
        ..GoalForm::default()
    };
    goals_page(
        &state,
        &actor,
        actor.person_id,
        q.cycle_id.as_deref(),
        notice,
        form,
        FormErrors::default(),
    )
    .await
}

#[handler]
pub async fn of_person(
    state: Data<&AppState>,
    actor: Actor,
    Path(person_id): Path<i32>,
    Query(q): Query<CycleQuery>,
) -> AppResult<Html<String>> {
    goals_page(
        &state,
        &actor,
        person_id,
        q.cycle_id.as_deref(),
        None,
        GoalForm::default(),
        FormErrors::default(),
    )
    .await
}

#[handler]
pub async fn propose(
    state: Data<&AppState>,
    actor: Actor,
    Path(cycle_id): Path<i32>,
    CsrfForm(form): CsrfForm<GoalForm>,
) -> AppResult<Response> {
    let result = async {
        let input = form.input()?;
        goals::propose(
            &state.db,
            &actor,
            cycle_id,
            actor.person_id,
            input,
            Utc::now(),
        )
        .await
    }
    .await;
    let cycle = cycle_id.to_string();
    form_outcome(
        result,
        |_| format!("/goals?cycle_id={cycle_id}&notice=proposed"),
        |errors| {
            goals_page(
                &state,
                &actor,
                actor.person_id,
                Some(&cycle),
                None,
                form,
                errors,
            )
        },
    )
    .await
}

#[derive(Template)]
#[template(path = "goals/show.html")]
struct GoalPage {
    layout: Layout,
    notice: Option<&'static str>,
    detail: GoalDetail,
    outcomes: Vec<(&'static str, &'static str)>,
    may_finish: bool,
    may_drop: bool,
    today: String,
    /// The progress form as typed, when it comes back with errors.
    typed: Option<ProgressForm>,
    /// The send-back comment as typed, when it comes back with errors.
    comment: String,
    errors: FormErrors,
}

async fn goal_page(
    state: &AppState,
    actor: &Actor,
    id: i32,
    notice: Option<&'static str>,
    typed: Option<ProgressForm>,
    errors: FormErrors,
) -> AppResult<Html<String>> {
    goal_page_with_comment(state, actor, id, notice, typed, String::new(), errors).await
}

async fn goal_page_with_comment(
    state: &AppState,
    actor: &Actor,
    id: i32,
    notice: Option<&'static str>,
    typed: Option<ProgressForm>,
    comment: String,
    errors: FormErrors,
) -> AppResult<Html<String>> {
    let detail = goals::get(&state.db, actor, id).await?;
    let may_finish = detail.may_report;
    let may_drop = detail.may_drop;
    render(&GoalPage {
        layout: Layout::new(Some(actor), detail.goal.title.clone(), "goals"),
        notice,
        outcomes: GoalStatus::OUTCOMES
            .into_iter()
            .filter(|s| may_finish || *s == GoalStatus::Dropped)
            .map(|s| (s.as_str(), s.label()))
            .collect(),
        may_finish,
        may_drop,
        today: chrono::Utc::now().date_naive().to_string(),
        detail,
        typed,
        comment,
        errors,
    })
}

#[derive(Deserialize)]
pub struct GoalNotice {
    notice: Option<String>,
}

#[handler]
pub async fn show(
    state: Data<&AppState>,
    actor: Actor,
    Path(id): Path<i32>,
    Query(q): Query<GoalNotice>,
) -> AppResult<Html<String>> {
    let notice = match q.notice.as_deref() {
        Some("saved") => Some("Your changes have been saved."),
        Some("agreed") => Some("The goal is agreed."),
        Some("progress") => Some("Progress recorded."),
        Some("outcome") => Some("The outcome is recorded."),
        Some("sent_back") => Some("The goal is sent back to its owner with your comment."),
        _ => None,
    };
    goal_page(&state, &actor, id, notice, None, FormErrors::default()).await
}

#[derive(Template)]
#[template(path = "goals/edit.html")]
struct EditPage {
    /// The catalog, for development goals.
    skills: Vec<skills::Skill>,
    layout: Layout,
    id: i32,
    objectives: Vec<ObjectiveRef>,
    categories: Vec<&'static str>,
    form: GoalForm,
    errors: FormErrors,
}

/// The edit form of a goal: as it is, or as typed with what did not pass. Whether the
/// reader may edit it is for the caller to decide: a save that was refused (say, the
/// goal was agreed meanwhile) comes back to this form with the reason.
async fn edit_page(
    state: &AppState,
    actor: &Actor,
    detail: GoalDetail,
    form: Option<GoalForm>,
    errors: FormErrors,
) -> AppResult<Html<String>> {
    let id = detail.goal.id;
    render(&EditPage {
        layout: Layout::new(Some(actor), "Edit the goal", "goals"),
        id,
        objectives: objectives_for(state, &detail.cycle).await?,
        categories: categories(),
        skills: skills::list(&state.db, actor, false).await?,
        form: form.unwrap_or_else(|| GoalForm::from_goal(&detail.goal)),
        errors,
    })
}

#[handler]
pub async fn edit(
    state: Data<&AppState>,
    actor: Actor,
    Path(id): Path<i32>,
) -> AppResult<Html<String>> {
    let detail = goals::get(&state.db, &actor, id).await?;
    if !detail.may_edit {
        return Err(AppError::Forbidden(
            "This goal cannot be changed now.".into(),
        ));
    }
    edit_page(&state, &actor, detail, None, FormErrors::default()).await
}

#[handler]
pub async fn update(
    state: Data<&AppState>,
    actor: Actor,
    Path(id): Path<i32>,
    CsrfForm(form): CsrfForm<GoalForm>,
) -> AppResult<Response> {
    let result = async { goals::update(&state.db, &actor, id, form.input()?).await }.await;
    form_outcome(
        result,
        |_| format!("/goals/{id}?notice=saved"),
        |errors| async {
            let detail = goals::get(&state.db, &actor, id).await?;
            edit_page(&state, &actor, detail, Some(form), errors).await
        },
    )
    .await
}

#[handler]
pub async fn agree(
    state: Data<&AppState>,
    actor: Actor,
    Path(id): Path<i32>,
    CsrfForm(_): CsrfForm<EmptyForm>,
) -> AppResult<Response> {
    let result = goals::agree(&state.db, &actor, id, Utc::now()).await;
    form_outcome(
        result,
        |_| format!("/goals/{id}?notice=agreed"),
        |errors| goal_page(&state, &actor, id, None, None, errors),
    )
    .await
}

#[derive(Debug, Deserialize)]
pub struct ProgressForm {
    #[serde(default)]
    progress: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    noted_on: String,
}

impl ProgressForm {
    /// The progress and the day as the service takes them. Both are typed as text here
    /// (the API sends a number and a date), so either is refused here when it cannot be
    /// read; a blank day is today.
    fn input(&self) -> AppResult<(i64, Option<NaiveDate>)> {
        let mut errors = Errors::default();
        let percent = errors.check(
            "progress",
            self.progress
                .trim()
                .parse::<i64>()
                .map_err(|_| "Give the progress as a number from 0 to 100."),
        );
        let noted_on = if self.noted_on.trim().is_empty() {
            None
        } else {
            errors.date("noted_on", &self.noted_on)
        };
        match percent {
            Some(percent) if errors.is_empty() => Ok((percent, noted_on)),
            _ => Err(errors.into_error()),
        }
    }
}

#[handler]
pub async fn progress(
    state: Data<&AppState>,
    actor: Actor,
    Path(id): Path<i32>,
    CsrfForm(form): CsrfForm<ProgressForm>,
) -> AppResult<Response> {
    let result = async {
        let (progress, noted_on) = form.input()?;
        goals::report_progress(
            &state.db,
            &actor,
            id,
            Some(progress),
            Some(&form.note),
            noted_on,
        )
        .await
    }
    .await;
    form_outcome(
        result,
        |_| format!("/goals/{id}?notice=progress"),
        |errors| goal_page(&state, &actor, id, None, Some(form), errors),
    )
    .await
}

#[derive(Deserialize)]
pub struct OutcomeForm {
    #[serde(default)]
    status: String,
}

/// Before a goal ends with an outcome (the goal page's outcome form comes here with GET):
/// an outcome cannot be changed afterwards.
#[handler]
pub async fn confirm_outcome(
    state: Data<&AppState>,
    actor: Actor,
    Path(id): Path<i32>,
    Query(form): Query<OutcomeForm>,
) -> AppResult<Response> {
    let detail = goals::get(&state.db, &actor, id).await?;
    let mut errors = Errors::default();
    let ending = errors.check("status", GoalStatus::parse_outcome(&form.status));
    let Some(ending) = ending else {
        return Ok(
            goal_page(&state, &actor, id, None, None, FormErrors::new(errors.0))
                .await?
                .with_status(poem::http::StatusCode::UNPROCESSABLE_ENTITY)
                .into_response(),
        );
    };
    let may = if ending == GoalStatus::Dropped {
        detail.may_drop
    } else {
        detail.may_report
    };
    if !may {
        return Err(AppError::conflict(format!(
            "This goal is {}; it cannot become {} now.",
            detail.goal.status.label().to_lowercase(),
            ending.label().to_lowercase()
        )));
    }
    let title = &detail.goal.title;
    let page = ConfirmPage {
        layout: Layout::new(
            Some(&actor),
            if ending == GoalStatus::Dropped {
                format!("Drop \u{201c}{title}\u{201d}?")
            } else {
                format!(
                    "Record \u{201c}{title}\u{201d} as {}?",
                    ending.label().to_lowercase()
                )
            },
            "goals",
        ),
        lines: vec![format!(
            "The goal ends as {}. An outcome cannot be changed afterwards, and no more progress is reported on it.",
            ending.label().to_lowercase()
        )],
        list_heading: String::new(),
        list: Vec::new(),
        action: format!("/goals/{id}/outcome"),
        fields: vec![("status".to_owned(), ending.as_str().to_owned())],
        button: if ending == GoalStatus::Dropped {
            "Drop the goal".to_owned()
        } else {
            "Record the outcome".to_owned()
        },
        danger: ending == GoalStatus::Dropped,
        cancel: format!("/goals/{id}"),
        errors: FormErrors::default(),
    };
    Ok(render(&page)?.into_response())
}

#[derive(Deserialize)]
pub struct SendBackForm {
    #[serde(default)]
    comment: String,
}

/// A manager sends a proposed goal back to its owner with a comment.
#[handler]
pub async fn send_back(
    state: Data<&AppState>,
    actor: Actor,
    Path(id): Path<i32>,
    CsrfForm(form): CsrfForm<SendBackForm>,
) -> AppResult<Response> {
    let result = goals::send_back(&state.db, &actor, id, Some(&form.comment)).await;
    form_outcome(
        result,
        |_| format!("/goals/{id}?notice=sent_back"),
        |errors| goal_page_with_comment(&state, &actor, id, None, None, form.comment, errors),
    )
    .await
}

#[handler]
pub async fn outcome(
    state: Data<&AppState>,
    actor: Actor,
    Path(id): Path<i32>,
    CsrfForm(form): CsrfForm<OutcomeForm>,
) -> AppResult<Response> {
    let result = goals::set_outcome(&state.db, &actor, id, &form.status).await;
    form_outcome(
        result,
        |_| format!("/goals/{id}?notice=outcome"),
        |errors| goal_page(&state, &actor, id, None, None, errors),
    )
    .await
}

#[derive(Template)]
#[template(path = "goals/assign.html")]
struct AssignPage {
    /// The catalog, for development goals.
    skills: Vec<skills::Skill>,
    layout: Layout,
    cycle: Cycle,
    people: Vec<(PersonRef, String)>,
    chosen: Vec<i32>,
    team: String,
    objectives: Vec<ObjectiveRef>,
    categories: Vec<&'static str>,
    form: GoalForm,
    errors: FormErrors,
}

async fn assign_page(
    state: &AppState,
    actor: &Actor,
    cycle_id: i32,
    chosen: Vec<i32>,
    team: String,
    form: GoalForm,
    errors: FormErrors,
) -> AppResult<Html<String>> {
    let cycle = cycles::get(&state.db, actor, cycle_id).await?;
    let view = reviews::team(&state.db, actor, Some(cycle_id)).await?;
    render(&AssignPage {
        layout: Layout::new(Some(actor), "Give one goal to several people", "team"),
        people: view
            .members
            .into_iter()
            .map(|m| (m.person, m.team))
            .collect(),
        objectives: objectives_for(state, &cycle).await?,
        categories: categories(),
        skills: skills::list(&state.db, actor, false).await?,
        cycle,
        chosen,
        team,
        form,
        errors,
    })
}

#[handler]
pub async fn assign_form(
    state: Data<&AppState>,
    actor: Actor,
    Path(cycle_id): Path<i32>,
) -> AppResult<Html<String>> {
    let form = GoalForm {
        category: "service".into(),
        ..GoalForm::default()
    };
    assign_page(
        &state,
        &actor,
        cycle_id,
        Vec::new(),
        String::new(),
        form,
        FormErrors::default(),
    )
    .await
}

#[handler]
pub async fn assign(
    state: Data<&AppState>,
    actor: Actor,
    Path(cycle_id): Path<i32>,
    CsrfForm(fields): CsrfForm<Vec<(String, String)>>,
) -> AppResult<Response> {
    let value = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let chosen: Vec<i32> = fields
        .iter()
        .filter(|(k, _)| k == "person_id")
        .filter_map(|(_, v)| v.parse().ok())
        .collect();
    let team = value("team");
    let form = GoalForm {
        objective_id: value("objective_id"),
        title: value("title"),
        description: value("description"),
        category: value("category"),
        due_on: value("due_on"),
        skill_id: value("skill_id"),
        target_level: value("target_level"),
    };
    let who = Assignees {
        person_ids: chosen.clone(),
        team: Some(team.clone()),
    };
    let result =
        async { goals::assign(&state.db, &actor, cycle_id, who, form.input()?, Utc::now()).await }
            .await;
    form_outcome(
        result,
        |created| format!("/team?cycle_id={cycle_id}&notice=assigned{}", created.len()),
        |errors| assign_page(&state, &actor, cycle_id, chosen, team, form, errors),
    )
    .await
}

/// This area's pages, added to the site's routes by `app::page_routes`.
pub fn routes(route: poem::Route) -> poem::Route {
    use poem::{get, post};
    route
        .at("/people/:id/goals", get(of_person))
        .at("/cycles/:id/goals", post(propose))
        .at("/cycles/:id/assign", get(assign_form).post(assign))
        .at("/goals", get(mine))
        .at("/goals/:id", get(show).post(update))
        .at("/goals/:id/edit", get(edit))
        .at("/goals/:id/agree", post(agree))
        .at("/goals/:id/progress", post(progress))
        .at("/goals/:id/outcome", get(confirm_outcome).post(outcome))
        .at("/goals/:id/send-back", post(send_back))
}
