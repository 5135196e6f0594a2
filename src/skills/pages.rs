//! The skills catalog pages: the list and a skill for everyone, the forms for the cio.

use askama::Template;
use poem::{
    IntoResponse, Response, handler,
    web::{Data, Html, Path, Query},
};
use serde::Deserialize;

use crate::{
    app::AppState,
    auth::Actor,
    error::{AppError, AppResult},
    skills::{self, DEFAULT_LEVELS, Skill, SkillCategory, SkillInput},
    web::{CsrfForm, EmptyForm, FormErrors, Layout, render, see_other},
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
    SkillCategory::OPTIONS.iter().map(|(w, _)| *w).collect()
}

#[derive(Template)]
#[template(path = "skills/list.html")]
struct SkillsPage {
    layout: Layout,
    notice: Option<&'static str>,
    skills: Vec<Skill>,
    include_retired: bool,
    can_manage: bool,
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

fn invalid(err: &AppError) -> Option<FormErrors> {
    match err {
        AppError::Invalid(_) | AppError::Conflict { .. } if !err.field_errors().is_empty() => {
            Some(FormErrors::new(err.field_errors().to_vec()))
        }
        _ => None,
    }
}

#[handler]
pub async fn create(
    state: Data<&AppState>,
    actor: Actor,
    CsrfForm(form): CsrfForm<SkillForm>,
) -> AppResult<Response> {
    match skills::create(&state.db, &actor, form.input()).await {
        Ok(created) => Ok(see_other(format!("/skills/{}?notice=created", created.id))),
        Err(err) => match invalid(&err) {
            Some(errors) => Ok(list_page(&state, &actor, false, None, form, errors)
                .await?
                .with_status(err.status())
                .into_response()),
            None => Err(err),
        },
    }
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
    match skills::update(&state.db, &actor, id, form.input()).await {
        Ok(_) => Ok(see_other(format!("/skills/{id}?notice=saved"))),
        Err(err) => match invalid(&err) {
            Some(errors) => Ok(skill_page(&state, &actor, id, None, Some(form), errors)
                .await?
                .with_status(err.status())
                .into_response()),
            None => Err(err),
        },
    }
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
    skills::update(&state.db, &actor, id, input).await?;
    Ok(see_other(format!("/skills/{id}?notice=saved")))
}

#[handler]
pub async fn delete(
    state: Data<&AppState>,
    actor: Actor,
    Path(id): Path<i32>,
    CsrfForm(_): CsrfForm<EmptyForm>,
) -> AppResult<Response> {
    skills::delete(&state.db, &actor, id).await?;
    Ok(see_other("/skills?notice=deleted"))
}
