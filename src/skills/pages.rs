//! The skills catalog pages: the list and a skill for everyone, the forms for the cio.

use askama::Template;
use poem::{
    IntoResponse, Response, handler,
    http::StatusCode,
    web::{Data, Html, Path, Query},
};
use serde::Deserialize;

use crate::dates::Shown;

use crate::{
    app::AppState,
    auth::Actor,
    charts::{Chart, DatedSeries, Frame, Scale},
    error::AppResult,
    skills::{self, DEFAULT_LEVELS, Skill, SkillCategory, SkillInput},
    validate::Word,
    web::{CsrfForm, CsrfUpload, EmptyForm, FormErrors, Layout, form_outcome, render, see_other},
};

/// The skill form as typed.
#[derive(Debug, Default, Deserialize)]
pub struct SkillForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    category: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    level1: String,
    #[serde(default)]
    level2: String,
    #[serde(default)]
    level3: String,
    #[serde(default)]
    level4: String,
    #[serde(default)]
    level5: String,
}

impl SkillForm {
    fn blank() -> Self {
        let [level1, level2, level3, level4, level5] = DEFAULT_LEVELS.map(str::to_owned);
        SkillForm {
            category: "technical".into(),
            level1,
            level2,
            level3,
            level4,
            level5,
            ..SkillForm::default()
        }
    }

    fn from_skill(s: &Skill) -> Self {
        let [level1, level2, level3, level4, level5] = s.levels.clone();
        SkillForm {
            name: s.name.clone(),
            category: s.category.as_str().to_owned(),
            description: s.description.clone(),
            level1,
            level2,
            level3,
            level4,
            level5,
        }
    }

    fn input(&self) -> SkillInput {
        SkillInput {
            name: Some(self.name.clone()),
            category: Some(self.category.clone()),
            description: Some(self.description.clone()),
            levels: Some(vec![
                self.level1.clone(),
                self.level2.clone(),
                self.level3.clone(),
                self.level4.clone(),
                self.level5.clone(),
            ]),
            retired: None,
        }
    }

    /// The five level fields with their names, for the template.
    fn levels(&self) -> [(usize, &str); 5] {
        [
            (1, &self.level1),
            (2, &self.level2),
            (3, &self.level3),
            (4, &self.level4),
            (5, &self.level5),
        ]
    }
}

fn categories() -> Vec<&'static str> {
    SkillCategory::all().into_iter().map(Word::as_str).collect()
}

#[derive(Template)]
#[template(path = "skills/list.html")]
struct SkillsPage {
    layout: Layout,
    notice: Option<&'static str>,
    skills: Vec<Skill>,
    include_retired: bool,
    can_manage: bool,
    /// Whether the team heatmap is theirs to open (advisors have no team view).
    can_view_team: bool,
    categories: Vec<&'static str>,
    form: SkillForm,
    errors: FormErrors,
}

#[derive(Deserialize)]
pub struct ListQuery {
    retired: Option<String>,
    notice: Option<String>,
}

async fn list_page(
    state: &AppState,
    actor: &Actor,
    include_retired: bool,
    notice: Option<&'static str>,
    form: SkillForm,
    errors: FormErrors,
) -> AppResult<Html<String>> {
    render(&SkillsPage {
        layout: Layout::new(Some(actor), "Skills", "skills"),
        notice,
        skills: skills::list(&state.db, actor, include_retired).await?,
        include_retired,
        can_manage: skills::may_manage(actor),
        can_view_team: skills::may_view_team(actor),
        categories: categories(),
        form,
        errors,
    })
}

#[handler]
pub async fn list(
    state: Data<&AppState>,
    actor: Actor,
    Query(q): Query<ListQuery>,
) -> AppResult<Html<String>> {
    let notice = match q.notice.as_deref() {
        Some("deleted") => Some("The skill has been deleted."),
        _ => None,
    };
    list_page(
        &state,
        &actor,
        q.retired.as_deref() == Some("1"),
        notice,
        SkillForm::blank(),
        FormErrors::default(),
    )
    .await
}

#[handler]
pub async fn create(
    state: Data<&AppState>,
    actor: Actor,
    CsrfForm(form): CsrfForm<SkillForm>,
) -> AppResult<Response> {
    let result = skills::create(&state.db, &actor, form.input()).await;
    form_outcome(
        result,
        |created| format!("/skills/{}?notice=created", created.id),
        |errors| list_page(&state, &actor, false, None, form, errors),
    )
    .await
}

#[derive(Template)]
#[template(path = "skills/show.html")]
struct SkillPage {
    layout: Layout,
    notice: Option<&'static str>,
    skill: Skill,
    can_manage: bool,
    categories: Vec<&'static str>,
    form: SkillForm,
    errors: FormErrors,
}

#[derive(Deserialize)]
pub struct SkillQuery {
    notice: Option<String>,
}

async fn skill_page(
    state: &AppState,
    actor: &Actor,
    id: i32,
    notice: Option<&'static str>,
    form: Option<SkillForm>,
    errors: FormErrors,
) -> AppResult<Html<String>> {
    let skill = skills::get(&state.db, actor, id).await?;
    render(&SkillPage {
        layout: Layout::new(Some(actor), skill.name.clone(), "skills"),
        notice,
        form: form.unwrap_or_else(|| SkillForm::from_skill(&skill)),
        can_manage: skills::may_manage(actor),
        categories: categories(),
        skill,
        errors,
    })
}

#[handler]
pub async fn show(
    state: Data<&AppState>,
    actor: Actor,
    Path(id): Path<i32>,
    Query(q): Query<SkillQuery>,
) -> AppResult<Html<String>> {
    let notice = match q.notice.as_deref() {
        Some("created") => Some("The skill is in the catalog."),
        Some("saved") => Some("Your changes have been saved."),
        _ => None,
    };
    skill_page(&state, &actor, id, notice, None, FormErrors::default()).await
}

#[handler]
pub async fn update(
    state: Data<&AppState>,
    actor: Actor,
    Path(id): Path<i32>,
    CsrfForm(form): CsrfForm<SkillForm>,
) -> AppResult<Response> {
    let result = skills::update(&state.db, &actor, id, form.input()).await;
    form_outcome(
        result,
        |_| format!("/skills/{id}?notice=saved"),
        |errors| skill_page(&state, &actor, id, None, Some(form), errors),
    )
    .await
}

#[derive(Deserialize)]
pub struct RetireForm {
    retired: String,
}

#[handler]
pub async fn retire(
    state: Data<&AppState>,
    actor: Actor,
    Path(id): Path<i32>,
    CsrfForm(form): CsrfForm<RetireForm>,
) -> AppResult<Response> {
    let input = SkillInput {
        retired: Some(form.retired == "true"),
        ..SkillInput::default()
    };
    let result = skills::update(&state.db, &actor, id, input).await;
    form_outcome(
        result,
        |_| format!("/skills/{id}?notice=saved"),
        |errors| skill_page(&state, &actor, id, None, None, errors),
    )
    .await
}

#[handler]
pub async fn delete(
    state: Data<&AppState>,
    actor: Actor,
    Path(id): Path<i32>,
    CsrfForm(_): CsrfForm<EmptyForm>,
) -> AppResult<Response> {
    // A skill in use cannot be deleted: the 409 shows on its page, beside the forms.
    let result = skills::delete(&state.db, &actor, id).await;
    form_outcome(
        result,
        |()| "/skills?notice=deleted".to_owned(),
        |errors| skill_page(&state, &actor, id, None, None, errors),
    )
    .await
}

/// A skill's history as a chart: self and manager assessments as two series placed by
/// date on a level axis of 1 to 5, the target as a dashed line, with a legend and the
/// table it draws. None for a skill with a target but no assessment yet.
fn history_chart(person: &str, standing: &skills::Standing) -> Option<Chart> {
    let series_of = |name, track: Option<&skills::Track>| DatedSeries {
        name,
        points: track
            .map(|t| {
                t.history
                    .iter()
                    .map(|a| (a.assessed_on, f64::from(a.level)))
                    .collect()
            })
            .unwrap_or_default(),
    };
    let own = series_of("Self", standing.own.as_ref());
    let manager = series_of("Manager", standing.manager.as_ref());
    if own.points.is_empty() && manager.points.is_empty() {
        return None;
    }
    let target_level = standing.target.as_ref().map(|t| t.level);
    let skill = &standing.skill.name;
    let title = format!("{skill}: levels over time");
    let description = match target_level {
        Some(level) => format!(
            "{person}'s self-assessments and their manager's assessments of {skill}, level 1 to 5 by date, against the target of {level}."
        ),
        None => format!(
            "{person}'s self-assessments and their manager's assessments of {skill}, level 1 to 5 by date; no target is set."
        ),
    };
    let id = format!("skill-{}", standing.skill.id);
    Some(Chart::dated_lines(
        &Frame {
            id: &id,
            title: &title,
            description: &description,
            missing: "–",
            scale: Scale::WHOLE_LEVEL,
        },
        "Assessed on",
        &[own, manager],
        target_level.map(f64::from),
        |date| date.format("%-d %b %Y").to_string(),
    ))
}

/// One row of a person's skills page and its history chart, if it has any assessment.
struct StandingRow {
    standing: skills::Standing,
    chart: Option<Chart>,
}

#[derive(Template)]
#[template(path = "skills/person.html")]
struct PersonSkillsPage {
    layout: Layout,
    notice: Option<&'static str>,
    profile_name: String,
    person_id: i32,
    rows: Vec<StandingRow>,
    catalog: Vec<Skill>,
    may_assess_self: bool,
    may_assess_as_manager: bool,
    today: String,
    errors: FormErrors,
}

async fn person_page(
    state: &AppState,
    actor: &Actor,
    person_id: i32,
    notice: Option<&'static str>,
    errors: FormErrors,
) -> AppResult<Html<String>> {
    let profile = skills::profile(&state.db, actor, person_id).await?;
    let own = profile.person.id == actor.person_id;
    render(&PersonSkillsPage {
        layout: Layout::new(
            Some(actor),
            if own {
                "My skills".to_owned()
            } else {
                format!("Skills of {}", profile.person.name)
            },
            if own { "my-skills" } else { "team" },
        ),
        notice,
        profile_name: profile.person.name.clone(),
        person_id,
        rows: profile
            .standings
            .into_iter()
            .map(|standing| StandingRow {
                chart: history_chart(&profile.person.name, &standing),
                standing,
            })
            .collect(),
        catalog: skills::list(&state.db, actor, false).await?,
        may_assess_self: profile.may_assess_self,
        may_assess_as_manager: profile.may_assess_as_manager,
        today: chrono::Utc::now().date_naive().to_string(),
        errors,
    })
}

#[handler]
pub async fn mine(actor: Actor) -> Response {
    see_other(format!("/people/{}/skills", actor.person_id))
}

#[handler]
pub async fn of_person(
    state: Data<&AppState>,
    actor: Actor,
    Path(person_id): Path<i32>,
    Query(q): Query<SkillQuery>,
) -> AppResult<Html<String>> {
    let notice = match q.notice.as_deref() {
        Some("assessed") => Some("The assessment is recorded."),
        Some("target") => Some("The target is recorded."),
        _ => None,
    };
    person_page(&state, &actor, person_id, notice, FormErrors::default()).await
}

/// The assessment form: one level select per catalog skill (`level_<skill id>`, blank to
/// skip), one date and one note for all of them.
#[handler]
pub async fn assess(
    state: Data<&AppState>,
    actor: Actor,
    Path(person_id): Path<i32>,
    CsrfForm(fields): CsrfForm<Vec<(String, String)>>,
) -> AppResult<Response> {
    let value = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.trim().to_owned())
            .unwrap_or_default()
    };
    // The date is the form's own text field (the API takes a date), read here.
    let mut errors = crate::validate::Errors::default();
    let date = value("assessed_on");
    let assessed_on = if date.is_empty() {
        None
    } else {
        errors.date("assessed_on", &date)
    };
    let note = value("note");
    let items: Vec<skills::AssessmentInput> = fields
        .iter()
        .filter_map(|(k, v)| Some((k.strip_prefix("level_")?.parse::<i32>().ok()?, v.trim())))
        .filter(|(_, v)| !v.is_empty())
        .map(|(skill_id, level)| skills::AssessmentInput {
            skill_id: Some(skill_id),
            level: Some(level.parse().unwrap_or(0)),
            assessed_on,
            note: Some(note.clone()),
        })
        .collect();
    let result = match errors.finish() {
        Ok(()) => skills::assess(&state.db, &actor, person_id, items).await,
        Err(err) => Err(err),
    };
    form_outcome(
        result,
        |_| format!("/people/{person_id}/skills?notice=assessed"),
        |errors| person_page(&state, &actor, person_id, None, errors),
    )
    .await
}

#[derive(Deserialize)]
pub struct TargetForm {
    #[serde(default)]
    skill_id: String,
    #[serde(default)]
    level: String,
    #[serde(default)]
    target_date: String,
}

#[handler]
pub async fn target(
    state: Data<&AppState>,
    actor: Actor,
    Path(person_id): Path<i32>,
    CsrfForm(form): CsrfForm<TargetForm>,
) -> AppResult<Response> {
    // As on the assessment form, the date is the form's own text field.
    let mut errors = crate::validate::Errors::default();
    let date = if form.target_date.trim().is_empty() {
        None
    } else {
        errors.date("target_date", &form.target_date)
    };
    let result = match errors.finish() {
        Ok(()) => {
            skills::set_target(
                &state.db,
                &actor,
                person_id,
                form.skill_id.parse().ok(),
                form.level.parse().ok(),
                date,
            )
            .await
        }
        Err(err) => Err(err),
    };
    form_outcome(
        result,
        |()| format!("/people/{person_id}/skills?notice=target"),
        |errors| person_page(&state, &actor, person_id, None, errors),
    )
    .await
}

#[derive(Template)]
#[template(path = "skills/department.html")]
struct DepartmentPage {
    layout: Layout,
    figures: Vec<skills::SkillFigures>,
}

#[handler]
pub async fn department(state: Data<&AppState>, actor: Actor) -> AppResult<Html<String>> {
    let figures = skills::department(
        &state.db,
        &state.skill_figures,
        &actor,
        state.settings.privacy_k,
    )
    .await?;
    render(&DepartmentPage {
        layout: Layout::new(Some(&actor), "Skills across the department", "skills"),
        figures,
    })
}

#[derive(Template)]
#[template(path = "skills/team.html")]
struct TeamHeatmapPage {
    layout: Layout,
    map: skills::Heatmap,
    by_gap: bool,
    color_by_gap: bool,
}

#[derive(Deserialize)]
pub struct HeatmapQuery {
    sort: Option<String>,
    color: Option<String>,
}

#[handler]
pub async fn team(
    state: Data<&AppState>,
    actor: Actor,
    Query(q): Query<HeatmapQuery>,
) -> AppResult<Html<String>> {
    let by_gap = q.sort.as_deref() == Some("gap");
    let map = skills::team_heatmap(&state.db, &actor, by_gap).await?;
    render(&TeamHeatmapPage {
        layout: Layout::new(Some(&actor), "Team skills", "heatmap"),
        map,
        by_gap,
        color_by_gap: q.color.as_deref() == Some("gap"),
    })
}

#[derive(Template)]
#[template(path = "skills/import.html")]
struct ImportPage {
    layout: Layout,
    summary: Option<skills::ImportSummary>,
    problems: FormErrors,
    pasted: String,
}

#[handler]
pub async fn import_form(actor: Actor) -> AppResult<Html<String>> {
    skills::authorize_import(&actor)?;
    render(&ImportPage {
        layout: Layout::new(Some(&actor), "Import a baseline round", "skills"),
        summary: None,
        problems: FormErrors::default(),
        pasted: String::new(),
    })
}

/// The import form sends a file or pasted rows; a chosen file wins over the text box.
#[handler]
pub async fn import(
    state: Data<&AppState>,
    actor: Actor,
    upload: CsrfUpload,
) -> AppResult<Response> {
    let pasted = upload.field("text").to_owned();
    let file = match upload.field("file") {
        "" => pasted.as_str(),
        file => file,
    };
    // Not `form_outcome`: a good import answers with its summary (201) rather than a
    // redirect, so the page can say what was written; problems show as on any form.
    let (summary, problems, status) = match skills::import_baseline(&state.db, &actor, file).await {
        Ok(summary) => (Some(summary), FormErrors::default(), StatusCode::CREATED),
        Err(err) => match FormErrors::of(&err) {
            Some(problems) => (None, problems, err.status()),
            None => return Err(err),
        },
    };
    let page = render(&ImportPage {
        layout: Layout::new(Some(&actor), "Import a baseline round", "skills"),
        // After a good import the box is emptied, so a second click cannot import twice.
        pasted: if summary.is_some() {
            String::new()
        } else {
            pasted
        },
        summary,
        problems,
    })?;
    Ok(page.with_status(status).into_response())
}

/// This area's pages, added to the site's routes by `app::page_routes`.
pub fn routes(route: poem::Route) -> poem::Route {
    use poem::{get, post};
    route
        .at("/skills", get(list).post(create))
        .at("/skills/:id", get(show).post(update))
        .at("/skills/import", get(import_form).post(import))
        .at("/skills/:id/retire", post(retire))
        .at("/skills/:id/delete", post(delete))
        .at("/my-skills", get(mine))
        .at("/skills/department", get(department))
        .at("/skills/team", get(team))
        .at("/people/:id/skills", get(of_person))
        .at("/people/:id/skills/assessments", post(assess))
        .at("/people/:id/skills/targets", post(target))
}
