//! The directory, profiles and the cio's forms for adding and editing people.

use crate::dates::Shown;
use askama::Template;
use poem::{
    Response, handler,
    web::{Data, Html, Path, Query},
};
use serde::Deserialize;

use crate::{
    app::AppState,
    auth::{Actor, sign_out},
    error::{AppError, AppResult},
    people::{self, DirectoryFilter, Person, PersonChangesInput, PersonInput, Role},
    validate::Word,
    web::{
        ConfirmPage, CsrfForm, EmptyForm, FormErrors, Layout, NoticeQuery, form_outcome, render,
    },
};

struct DirectoryRow {
    id: i32,
    name: String,
    email: String,
    job_title: String,
    team: String,
    role: &'static str,
    manager: Option<(i32, String)>,
    active: bool,
}

#[derive(Template)]
#[template(path = "people/directory.html")]
struct DirectoryPage {
    layout: Layout,
    notice: Option<&'static str>,
    query: String,
    team: String,
    teams: Vec<String>,
    include_inactive: bool,
    can_manage: bool,
    rows: Vec<DirectoryRow>,
    next_url: Option<String>,
}

#[derive(Deserialize)]
pub struct DirectoryQuery {
    q: Option<String>,
    team: Option<String>,
    inactive: Option<String>,
    after: Option<String>,
    notice: Option<String>,
}

#[handler]
pub async fn directory(
    state: Data<&AppState>,
    actor: Actor,
    Query(q): Query<DirectoryQuery>,
) -> AppResult<Html<String>> {
    let include_inactive = q.inactive.as_deref() == Some("1");
    let page = people::directory(
        &state.db,
        &actor,
        DirectoryFilter {
            query: q.q.clone(),
            team: q.team.clone(),
            include_inactive,
            limit: Some(100),
            after: q.after.clone(),
        },
    )
    .await?;
    let next_url = page.next.map(|cursor| {
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        query.append_pair("q", q.q.as_deref().unwrap_or(""));
        query.append_pair("team", q.team.as_deref().unwrap_or(""));
        if include_inactive {
            query.append_pair("inactive", "1");
        }
        query.append_pair("after", &cursor);
        format!("/people?{}", query.finish())
    });
    let notice = match q.notice.as_deref() {
        Some("deactivated") => Some("The person has been deactivated and signed out everywhere."),
        _ => None,
    };
    render(&DirectoryPage {
        layout: Layout::new(Some(&actor), "People", "people"),
        notice,
        query: q.q.unwrap_or_default(),
        team: q.team.unwrap_or_default(),
        teams: people::teams(&state.db).await?,
        include_inactive,
        can_manage: people::may_manage(&actor),
        rows: page
            .items
            .into_iter()
            .map(|p| DirectoryRow {
                id: p.id,
                name: p.name,
                email: p.email,
                job_title: p.job_title,
                team: p.team,
                role: p.role.label(),
                manager: p.manager.map(|m| (m.id, m.name)),
                active: p.active,
            })
            .collect(),
        next_url,
    })
}

#[derive(Template)]
#[template(path = "people/profile.html")]
struct ProfilePage {
    layout: Layout,
    notice: Option<&'static str>,
    /// A deactivation or reactivation the service refused (the last active cio).
    errors: FormErrors,
    id: i32,
    name: String,
    email: String,
    job_title: String,
    team: String,
    role: &'static str,
    manager: Option<(i32, String)>,
    reports: Vec<(i32, String)>,
    active: bool,
    can_sign_in: bool,
    can_manage: bool,
    recognition: crate::recognition::PersonRecognition,
    may_thank: bool,
    /// Links to their goals, skills and self-evaluation, for those who may open them.
    may_see_records: bool,
}

#[handler]
pub async fn profile(
    state: Data<&AppState>,
    actor: Actor,
    Path(id): Path<i32>,
    Query(q): Query<NoticeQuery>,
) -> AppResult<Html<String>> {
    let notice = match q.notice.as_deref() {
        Some("created") => Some("The person has been added."),
        Some("saved") => Some("Your changes have been saved."),
        Some("reactivated") => Some("The person is active again."),
        _ => None,
    };
    profile_page(&state, &actor, id, notice, FormErrors::default()).await
}

async fn profile_page(
    state: &AppState,
    actor: &Actor,
    id: i32,
    notice: Option<&'static str>,
    errors: FormErrors,
) -> AppResult<Html<String>> {
    let found = people::profile(&state.db, actor, id).await?;
    let person = found.person;
    let may_see_records = people::may_see_records_of(&state.db, actor, &person).await?;
    render(&ProfilePage {
        layout: Layout::new(Some(actor), person.name.clone(), "people"),
        notice,
        errors,
        id: person.id,
        email: person.email,
        job_title: person.job_title,
        team: person.team,
        role: person.role.label(),
        manager: person.manager.map(|m| (m.id, m.name)),
        reports: found.reports.into_iter().map(|r| (r.id, r.name)).collect(),
        active: person.active,
        can_sign_in: person.can_sign_in,
        can_manage: people::may_manage(actor),
        recognition: crate::recognition::recognition_of(
            &state.db,
            crate::recognition::Reader::of(Some(actor), state.settings.portal_public),
            person.id,
        )
        .await?,
        may_thank: crate::recognition::may_thank(actor, person.id, person.role, person.active),
        may_see_records,
        name: person.name,
    })
}

/// What the person form holds, as typed: shown again when something is wrong.
#[derive(Debug, Default, Deserialize)]
pub struct PersonForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    job_title: String,
    #[serde(default)]
    team: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    manager_id: String,
    #[serde(default)]
    password: String,
}

impl PersonForm {
    fn from_person(p: &Person) -> Self {
        PersonForm {
            name: p.name.clone(),
            email: p.email.clone(),
            job_title: p.job_title.clone(),
            team: p.team.clone(),
            role: p.role.as_str().to_owned(),
            manager_id: p
                .manager
                .as_ref()
                .map(|m| m.id.to_string())
                .unwrap_or_default(),
            password: String::new(),
        }
    }

    /// The chosen manager: empty is none; anything but a listed id is a field error.
    fn manager_id(&self) -> AppResult<Option<i32>> {
        let raw = self.manager_id.trim();
        if raw.is_empty() {
            return Ok(None);
        }
        raw.parse()
            .map(Some)
            .map_err(|_| AppError::invalid("manager_id", "Choose a manager from the list."))
    }

    fn password(&self) -> Option<String> {
        (!self.password.is_empty()).then(|| self.password.clone())
    }

    /// The person to add, as the service takes it.
    fn input(&self, manager_id: Option<i32>) -> PersonInput {
        PersonInput {
            email: Some(self.email.clone()),
            name: Some(self.name.clone()),
            job_title: Some(self.job_title.clone()),
            team: Some(self.team.clone()),
            role: Some(self.role.clone()),
            manager_id,
            password: self.password(),
        }
    }

    /// The changes, as the service takes them: the form sends every field.
    fn changes(&self, manager_id: Option<i32>) -> PersonChangesInput {
        PersonChangesInput {
            email: Some(self.email.clone()),
            name: Some(self.name.clone()),
            job_title: Some(self.job_title.clone()),
            team: Some(self.team.clone()),
            role: Some(self.role.clone()),
            manager_id: Some(manager_id),
            active: None,
            password: self.password(),
        }
    }
}

#[derive(Template)]
#[template(path = "people/form.html")]
struct PersonFormPage {
    layout: Layout,
    action: String,
    cancel: String,
    editing: bool,
    form: PersonForm,
    errors: FormErrors,
    roles: Vec<(&'static str, &'static str)>,
    managers: Vec<(i32, String)>,
    teams: Vec<String>,
}

async fn form_page(
    state: &AppState,
    actor: &Actor,
    editing: Option<i32>,
    form: PersonForm,
    errors: FormErrors,
) -> AppResult<Html<String>> {
    let (title, action, cancel) = match editing {
        Some(id) => (
            "Edit person".to_owned(),
            format!("/people/{id}"),
            format!("/people/{id}"),
        ),
        None => (
            "Add a person".to_owned(),
            "/people".to_owned(),
            "/people".to_owned(),
        ),
    };
    let managers = people::manager_choices(&state.db, editing, form.manager_id.trim().parse().ok())
        .await?
        .into_iter()
        .map(|p| (p.id, p.name))
        .collect();
    render(&PersonFormPage {
        layout: Layout::new(
            Some(actor),
            title,
            if editing.is_some() {
                "people"
            } else {
                "people-new"
            },
        ),
        action,
        cancel,
        editing: editing.is_some(),
        form,
        errors,
        roles: Role::all()
            .into_iter()
            .map(|r| (r.as_str(), r.label()))
            .collect(),
        managers,
        teams: people::teams(&state.db).await?,
    })
}

#[handler]
pub async fn new_form(state: Data<&AppState>, actor: Actor) -> AppResult<Html<String>> {
    people::authorize_manage(&actor)?;
    let form = PersonForm {
        role: Role::Staff.as_str().to_owned(),
        ..PersonForm::default()
    };
    form_page(&state, &actor, None, form, FormErrors::default()).await
}

#[handler]
pub async fn create(
    state: Data<&AppState>,
    actor: Actor,
    CsrfForm(form): CsrfForm<PersonForm>,
) -> AppResult<Response> {
    people::authorize_manage(&actor)?;
    // A manager that is not a listed id stops here: the API cannot send one.
    let result = match form.manager_id() {
        Ok(manager_id) => people::create(&state.db, &actor, form.input(manager_id)).await,
        Err(err) => Err(err),
    };
    form_outcome(
        result,
        |person| format!("/people/{}?notice=created", person.id),
        |errors| form_page(&state, &actor, None, form, errors),
    )
    .await
}

#[handler]
pub async fn edit_form(
    state: Data<&AppState>,
    actor: Actor,
    Path(id): Path<i32>,
) -> AppResult<Html<String>> {
    people::authorize_manage(&actor)?;
    let current = people::profile(&state.db, &actor, id).await?;
    form_page(
        &state,
        &actor,
        Some(id),
        PersonForm::from_person(&current.person),
        FormErrors::default(),
    )
    .await
}

#[handler]
pub async fn update(
    state: Data<&AppState>,
    actor: Actor,
    Path(id): Path<i32>,
    CsrfForm(form): CsrfForm<PersonForm>,
) -> AppResult<Response> {
    people::authorize_manage(&actor)?;
    let result = match form.manager_id() {
        Ok(manager_id) => {
            people::update(&state.db, &actor, id, form.changes(manager_id), sign_out).await
        }
        Err(err) => Err(err),
    };
    form_outcome(
        result,
        |_| format!("/people/{id}?notice=saved"),
        |errors| form_page(&state, &actor, Some(id), form, errors),
    )
    .await
}

/// Deactivating or reactivating someone: a refusal about the whole form (the last active
/// cio) shows at the top of their profile, where the button is.
/// Before someone is deactivated: they are signed out everywhere and cannot sign in.
#[handler]
pub async fn confirm_deactivate(
    state: Data<&AppState>,
    actor: Actor,
    Path(id): Path<i32>,
) -> AppResult<Html<String>> {
    people::authorize_manage(&actor)?;
    let person = people::profile(&state.db, &actor, id).await?.person;
    if !person.active {
        return Err(AppError::conflict(format!(
            "{} is deactivated already.",
            person.name
        )));
    }
    render(&ConfirmPage {
        layout: Layout::new(Some(&actor), format!("Deactivate {}?", person.name), "people"),
        lines: vec![
            format!(
                "{} is signed out everywhere at once and can no longer sign in; their API tokens and private links stop working.",
                person.name
            ),
            "Their goals, self-evaluations, skills and recognition are kept, and you can reactivate them later.".to_owned(),
        ],
        list_heading: String::new(),
        list: Vec::new(),
        action: format!("/people/{id}/deactivate"),
        fields: Vec::new(),
        button: format!("Deactivate {}", person.name),
        danger: true,
        cancel: format!("/people/{id}"),
        errors: FormErrors::default(),
    })
}

#[handler]
pub async fn deactivate(
    state: Data<&AppState>,
    actor: Actor,
    Path(id): Path<i32>,
    CsrfForm(_): CsrfForm<EmptyForm>,
) -> AppResult<Response> {
    form_outcome(
        people::set_active(&state.db, &actor, id, false, sign_out).await,
        |_| "/people?notice=deactivated".to_owned(),
        |errors| profile_page(&state, &actor, id, None, errors),
    )
    .await
}

#[handler]
pub async fn reactivate(
    state: Data<&AppState>,
    actor: Actor,
    Path(id): Path<i32>,
    CsrfForm(_): CsrfForm<EmptyForm>,
) -> AppResult<Response> {
    form_outcome(
        people::set_active(&state.db, &actor, id, true, sign_out).await,
        |_| format!("/people/{id}?notice=reactivated"),
        |errors| profile_page(&state, &actor, id, None, errors),
    )
    .await
}

/// This area's pages, added to the site's routes by `app::page_routes`.
pub fn routes(route: poem::Route) -> poem::Route {
    use poem::{get, post};
    route
        .at("/people", get(directory).post(create))
        .at("/people/new", get(new_form))
        .at("/people/:id", get(profile).post(update))
        .at("/people/:id/edit", get(edit_form))
        .at(
            "/people/:id/deactivate",
            get(confirm_deactivate).post(deactivate),
        )
        .at("/people/:id/reactivate", post(reactivate))
}
