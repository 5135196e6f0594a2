//! The meeting pages: the list and planning a meeting, the agenda builder with its time
//! budget, timing and outcomes, the printable agenda, the facilitator's live view, and the
//! question bank with how answers evolve.

use crate::dates::{Shown, ShownAt};
use askama::Template;
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use poem::{
    Response, handler,
    web::{Data, Html, Path, Query},
};
use serde::Deserialize;

use crate::{
    app::AppState,
    auth::Actor,
    error::{AppError, AppResult},
    meetings::{
        self, ItemInput, ItemKind, Meeting, MeetingInput, MeetingKind, MeetingStatus, StartInput,
        agenda::{self, Agenda, Item, Mark},
        bank,
        outcomes::{self, ActionInput, OutcomeInput, PointKind},
        templates::{self, Template as AgendaTemplate, TemplateChoice},
    },
    people::{self, PersonRef},
    plan::{self, ObjectiveRef},
    summaries::{pages::View, review},
    validate::Word,
    web::{CsrfForm, EmptyForm, FormErrors, Layout, NoticeQuery, form_outcome, render},
};

/// A retreat's year in review, for its review item (see `Agenda::year_in_review_start`);
/// None for every other meeting, which reads no summary.
async fn year_in_review(
    state: &AppState,
    actor: &Actor,
    agenda: &Agenda,
) -> AppResult<Option<View>> {
    let Some(start) = agenda.year_in_review_start() else {
        return Ok(None);
    };
    let summary = review::year_in_review(&state.db, actor, start, state.settings.privacy_k).await?;
    Ok(Some(View { summary }))
}

/// The meeting form as typed: the start as a local date and clock time.
#[derive(Debug, Default, Deserialize)]
pub struct MeetingForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    date: String,
    #[serde(default)]
    time: String,
    #[serde(default)]
    duration_minutes: String,
    #[serde(default)]
    location: String,
    #[serde(default)]
    facilitator_id: String,
    #[serde(default)]
    template: String,
}

/// A number typed in a form: blank is absent; anything unreadable is sent as 0 so the
/// service names the field.
fn number(raw: &str) -> Option<i64> {
    match raw.trim() {
        "" => None,
        n => Some(n.parse().unwrap_or(0)),
    }
}

fn id32(raw: &str) -> Option<i32> {
    raw.trim().parse().ok()
}

impl MeetingForm {
    fn of(m: &Meeting) -> Self {
        let local = m.local_start();
        MeetingForm {
            kind: m.kind.as_str().to_owned(),
            title: m.title.clone(),
            date: local.format("%Y-%m-%d").to_string(),
            time: local.format("%H:%M").to_string(),
            duration_minutes: m.duration_minutes.to_string(),
            location: m.location.clone(),
            facilitator_id: m
                .facilitator
                .as_ref()
                .map(|f| f.id.to_string())
                .unwrap_or_default(),
            template: String::new(),
        }
    }

    fn input(&self) -> MeetingInput {
        MeetingInput {
            kind: Some(self.kind.clone()),
            title: Some(self.title.clone()),
            start: Some(StartInput::Local {
                date: self.date.clone(),
                time: self.time.clone(),
            }),
            duration_minutes: number(&self.duration_minutes),
            location: Some(self.location.clone()),
            facilitator_id: Some(id32(&self.facilitator_id)),
        }
    }
}

/// The agenda item form as typed.
#[derive(Debug, Default, Deserialize)]
pub struct ItemForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    prompt: String,
    #[serde(default)]
    planned_minutes: String,
    #[serde(default)]
    owner_id: String,
    #[serde(default)]
    guest_name: String,
    #[serde(default)]
    guest_department: String,
    #[serde(default)]
    objective_id: String,
    #[serde(default)]
    value_name: String,
    #[serde(default)]
    question_id: String,
}

impl ItemForm {
    fn of(i: &Item) -> Self {
        ItemForm {
            kind: i.kind.as_str().to_owned(),
            title: i.title.clone(),
            prompt: i.prompt.clone(),
            planned_minutes: i.planned_minutes.to_string(),
            owner_id: i
                .owner
                .as_ref()
                .map(|o| o.id.to_string())
                .unwrap_or_default(),
            guest_name: i.guest_name.clone(),
            guest_department: i.guest_department.clone(),
            objective_id: i
                .objective
                .as_ref()
                .map(|o| o.id.to_string())
                .unwrap_or_default(),
            value_name: i.value_name.clone().unwrap_or_default(),
            question_id: i.question_id.map(|q| q.to_string()).unwrap_or_default(),
        }
    }

    fn input(&self) -> ItemInput {
        ItemInput {
            kind: Some(self.kind.clone()),
            title: Some(self.title.clone()),
            prompt: Some(self.prompt.clone()),
            planned_minutes: number(&self.planned_minutes),
            owner_id: id32(&self.owner_id),
            guest_name: Some(self.guest_name.clone()),
            guest_department: Some(self.guest_department.clone()),
            // An id that is not a number is sent as 0 so the service names it.
            objective_id: match self.objective_id.trim() {
                "" => None,
                id => Some(id.parse().unwrap_or(0)),
            },
            value_name: Some(self.value_name.clone()),
            question_id: match self.question_id.trim() {
                "" => None,
                id => Some(id.parse().unwrap_or(0)),
            },
        }
    }
}

/// What the forms offer: people, objectives, values, questions, templates.
struct Choices {
    people: Vec<PersonRef>,
    objectives: Vec<ObjectiveRef>,
    values: Vec<String>,
    questions: Vec<bank::Question>,
    kinds: Vec<ItemKind>,
}

async fn choices(state: &AppState, actor: &Actor) -> AppResult<Choices> {
    let objectives = match plan::active_id(state.db.conn()).await? {
        Some(plan_id) => plan::objectives_of(state.db.conn(), plan_id)
            .await?
            .into_iter()
            .filter(|o| !o.retired)
            .collect(),
        None => Vec::new(),
    };
    Ok(Choices {
        people: people::active_staff(&state.db).await?,
        objectives,
        values: plan::active_values(&state.db).await?,
        questions: bank::list(&state.db, actor).await?,
        kinds: ItemKind::all(),
    })
}

fn zone(state: &AppState) -> Tz {
    state.settings.zone()
}

// ---------------------------------------------------------------------------------------
// The list and planning a meeting

#[derive(Template)]
#[template(path = "meetings/list.html")]
struct ListPage {
    layout: Layout,
    meetings: Vec<Meeting>,
    may_plan: bool,
    zone: Tz,
    kinds: Vec<MeetingKind>,
    people: Vec<PersonRef>,
    templates: Vec<AgendaTemplate>,
    form: MeetingForm,
    errors: FormErrors,
}

async fn list_page(
    state: &AppState,
    actor: &Actor,
    form: MeetingForm,
    errors: FormErrors,
) -> AppResult<Html<String>> {
    let may_plan = meetings::may_plan(actor);
    render(&ListPage {
        layout: Layout::new(Some(actor), "Meetings", "meetings"),
        meetings: meetings::list(&state.db, actor).await?,
        may_plan,
        zone: zone(state),
        kinds: MeetingKind::all(),
        people: if may_plan {
            people::active_staff(&state.db).await?
        } else {
            Vec::new()
        },
        templates: if may_plan {
            templates::list(&state.db, actor).await?
        } else {
            Vec::new()
        },
        form,
        errors,
    })
}

#[handler]
pub async fn list(state: Data<&AppState>, actor: Actor) -> AppResult<Html<String>> {
    let form = MeetingForm {
        kind: "quarterly".into(),
        time: "09:00".into(),
        template: "builtin".into(),
        ..MeetingForm::default()
    };
    list_page(&state, &actor, form, FormErrors::default()).await
}

#[handler]
pub async fn create(
    state: Data<&AppState>,
    actor: Actor,
    CsrfForm(form): CsrfForm<MeetingForm>,
) -> AppResult<Response> {
    let result = async {
        let template = TemplateChoice::parse(Some(&form.template))
            .map_err(|m| AppError::invalid("template", m))?;
        meetings::create(&state.db, &actor, zone(&state), form.input(), template).await
    }
    .await;
    form_outcome(
        result,
        |m| format!("/meetings/{}", m.id),
        |errors| list_page(&state, &actor, form, errors),
    )
    .await
}

// ---------------------------------------------------------------------------------------
// The agenda

#[derive(Template)]
#[template(path = "meetings/show.html")]
struct AgendaPage {
    layout: Layout,
    notice: Option<&'static str>,
    agenda: Agenda,
    /// The agenda can change: the reader runs it and it is a draft or published.
    may_edit_agenda: bool,
    /// Outcomes, timing and attendance can be recorded.
    may_record: bool,
    choices: Option<Choices>,
    form: ItemForm,
    errors: FormErrors,
    /// The reader.
    me: i32,
    /// A retreat's year in review, shown under its review item.
    review: Option<View>,
}

impl AgendaPage {
    fn attended(&self, id: &i32) -> bool {
        self.agenda.attendees.iter().any(|a| a.id == *id)
    }

    fn points_text(&self, item: &Item, kind: PointKind) -> String {
        item.points_of(kind).join("\n")
    }
}

async fn agenda_page(
    state: &AppState,
    actor: &Actor,
    id: i64,
    notice: Option<&'static str>,
    form: ItemForm,
    errors: FormErrors,
) -> AppResult<Html<String>> {
    let agenda = agenda::agenda(&state.db, actor, id).await?;
    let m = &agenda.meeting;
    let may_edit_agenda = agenda.rights.run && m.is_open();
    let may_record =
        agenda.rights.run && matches!(m.status, MeetingStatus::Published | MeetingStatus::Held);
    let choices = if may_edit_agenda || may_record {
        Some(choices(state, actor).await?)
    } else {
        None
    };
    let review = year_in_review(state, actor, &agenda).await?;
    render(&AgendaPage {
        layout: Layout::new(Some(actor), m.title.clone(), "meetings"),
        notice,
        may_edit_agenda,
        may_record,
        choices,
        form,
        errors,
        agenda,
        me: actor.person_id,
        review,
    })
}

fn notice_for(notice: Option<&str>) -> Option<&'static str> {
    match notice {
        Some("created") => {
            Some("The meeting is planned as a draft: build its agenda, then publish it.")
        }
        Some("published") => Some("The meeting is published: everyone signed in can see it."),
        Some("cancelled") => Some("The meeting is cancelled."),
        Some("held") => Some("The meeting is marked held. Record what came out of it."),
        Some("saved") => Some("Saved."),
        Some("deferred") => {
            Some("The items not reached wait in the backlog of the next meeting of this kind.")
        }
        Some("template") => Some("The agenda is saved as a template."),
        Some("goal") => Some("The action item is now a proposed goal of its owner."),
        _ => None,
    }
}

#[handler]
pub async fn show(
    state: Data<&AppState>,
    actor: Actor,
    Path(id): Path<i64>,
    Query(q): Query<NoticeQuery>,
) -> AppResult<Html<String>> {
    let form = ItemForm {
        kind: "question".into(),
        planned_minutes: "30".into(),
        ..ItemForm::default()
    };
    agenda_page(
        &state,
        &actor,
        id,
        notice_for(q.notice.as_deref()),
        form,
        FormErrors::default(),
    )
    .await
}

/// A button or small form on the agenda page: on success back to the agenda with a
/// notice; on a 422 or 409 the agenda again with the problem at the top.
async fn on_agenda<T>(
    state: &AppState,
    actor: &Actor,
    id: i64,
    result: AppResult<T>,
    notice: &'static str,
) -> AppResult<Response> {
    form_outcome(
        result,
        |_| format!("/meetings/{id}?notice={notice}#agenda"),
        |errors| agenda_page(state, actor, id, None, ItemForm::default(), errors),
    )
    .await
}

#[handler]
pub async fn publish(
    state: Data<&AppState>,
    actor: Actor,
    Path(id): Path<i64>,
    CsrfForm(_): CsrfForm<EmptyForm>,
) -> AppResult<Response> {
    let result = meetings::publish(&state.db, &actor, id).await;
    on_agenda(&state, &actor, id, result, "published").await
}

#[handler]
pub async fn cancel(
    state: Data<&AppState>,
    actor: Actor,
    Path(id): Path<i64>,
    CsrfForm(_): CsrfForm<EmptyForm>,
) -> AppResult<Response> {
    let result = meetings::cancel(&state.db, &actor, id).await;
    on_agenda(&state, &actor, id, result, "cancelled").await
}

#[handler]
pub async fn hold(
    state: Data<&AppState>,
    actor: Actor,
    Path(id): Path<i64>,
    CsrfForm(_): CsrfForm<EmptyForm>,
) -> AppResult<Response> {
    let result = meetings::hold(&state.db, &actor, id, Utc::now()).await;
    on_agenda(&state, &actor, id, result, "held").await
}

#[handler]
pub async fn defer(
    state: Data<&AppState>,
    actor: Actor,
    Path(id): Path<i64>,
    CsrfForm(_): CsrfForm<EmptyForm>,
) -> AppResult<Response> {
    let result = agenda::defer_unreached(&state.db, &actor, id).await;
    on_agenda(&state, &actor, id, result, "deferred").await
}

#[handler]
pub async fn add_item(
    state: Data<&AppState>,
    actor: Actor,
    Path(id): Path<i64>,
    CsrfForm(form): CsrfForm<ItemForm>,
) -> AppResult<Response> {
    let result = agenda::add_item(&state.db, &actor, id, form.input()).await;
    form_outcome(
        result,
        |_| format!("/meetings/{id}?notice=saved#agenda"),
        |errors| agenda_page(&state, &actor, id, None, form, errors),
    )
    .await
}

#[derive(Deserialize)]
pub struct TakeUpForm {
    #[serde(default)]
    item_id: String,
}

#[handler]
pub async fn take_up(
    state: Data<&AppState>,
    actor: Actor,
    Path(id): Path<i64>,
    CsrfForm(form): CsrfForm<TakeUpForm>,
) -> AppResult<Response> {
    let item_id = form.item_id.trim().parse().unwrap_or(0);
    let result = agenda::take_up(&state.db, &actor, id, item_id).await;
    on_agenda(&state, &actor, id, result, "saved").await
}

// ---------------------------------------------------------------------------------------
// Editing a meeting and an item

#[derive(Template)]
#[template(path = "meetings/edit.html")]
struct EditPage {
    layout: Layout,
    meeting: Meeting,
    kinds: Vec<MeetingKind>,
    people: Vec<PersonRef>,
    form: MeetingForm,
    errors: FormErrors,
}

async fn edit_page(
    state: &AppState,
    actor: &Actor,
    id: i64,
    form: Option<MeetingForm>,
    errors: FormErrors,
) -> AppResult<Html<String>> {
    let (meeting, rights) = meetings::get(&state.db, actor, id).await?;
    if !rights.manage {
        return Err(AppError::Forbidden(
            "Only the cio can plan, publish or cancel meetings.".into(),
        ));
    }
    render(&EditPage {
        layout: Layout::new(Some(actor), format!("Edit {}", meeting.title), "meetings"),
        form: form.unwrap_or_else(|| MeetingForm::of(&meeting)),
        meeting,
        kinds: MeetingKind::all(),
        people: people::active_staff(&state.db).await?,
        errors,
    })
}

#[handler]
pub async fn edit(
    state: Data<&AppState>,
    actor: Actor,
    Path(id): Path<i64>,
) -> AppResult<Html<String>> {
    edit_page(&state, &actor, id, None, FormErrors::default()).await
}

#[handler]
pub async fn update(
    state: Data<&AppState>,
    actor: Actor,
    Path(id): Path<i64>,
    CsrfForm(form): CsrfForm<MeetingForm>,
) -> AppResult<Response> {
    let result = meetings::update(&state.db, &actor, id, form.input()).await;
    form_outcome(
        result,
        |_| format!("/meetings/{id}?notice=saved"),
        |errors| edit_page(&state, &actor, id, Some(form), errors),
    )
    .await
}

#[derive(Template)]
#[template(path = "meetings/item.html")]
struct ItemPage {
    layout: Layout,
    meeting: Meeting,
    item: Item,
    choices: Choices,
    form: ItemForm,
    errors: FormErrors,
}

async fn item_page(
    state: &AppState,
    actor: &Actor,
    item_id: i64,
    form: Option<ItemForm>,
    errors: FormErrors,
) -> AppResult<Html<String>> {
    let meeting_id = agenda::meeting_of_item(&state.db, actor, item_id).await?;
    let agenda = agenda::agenda(&state.db, actor, meeting_id).await?;
    if !agenda.rights.run {
        return Err(AppError::Forbidden(
            "Only the cio and the meeting's facilitator can change its agenda and outcomes.".into(),
        ));
    }
    let Some(item) = agenda.items.into_iter().find(|i| i.id == item_id) else {
        return Err(AppError::NotFound);
    };
    render(&ItemPage {
        layout: Layout::new(Some(actor), format!("Edit {}", item.title), "meetings"),
        form: form.unwrap_or_else(|| ItemForm::of(&item)),
        choices: choices(state, actor).await?,
        meeting: agenda.meeting,
        item,
        errors,
    })
}

#[handler]
pub async fn edit_item(
    state: Data<&AppState>,
    actor: Actor,
    Path(id): Path<i64>,
) -> AppResult<Html<String>> {
    item_page(&state, &actor, id, None, FormErrors::default()).await
}

#[handler]
pub async fn update_item(
    state: Data<&AppState>,
    actor: Actor,
    Path(id): Path<i64>,
    CsrfForm(form): CsrfForm<ItemForm>,
) -> AppResult<Response> {
    let result = async {
        agenda::update_item(&state.db, &actor, id, form.input()).await?;
        agenda::meeting_of_item(&state.db, &actor, id).await
    }
    .await;
    form_outcome(
        result,
        |meeting| format!("/meetings/{meeting}?notice=saved#agenda"),
        |errors| item_page(&state, &actor, id, Some(form), errors),
    )
    .await
}

/// An item button (delete, up, down, start, end): back to its meeting's agenda.
async fn item_button(
    state: &AppState,
    actor: &Actor,
    item_id: i64,
    result: AppResult<i64>,
) -> AppResult<Response> {
    let meeting_id = match &result {
        Ok(id) => *id,
        Err(_) => agenda::meeting_of_item(&state.db, actor, item_id).await?,
    };
    on_agenda(state, actor, meeting_id, result, "saved").await
}

#[handler]
pub async fn delete_item(
    state: Data<&AppState>,
    actor: Actor,
    Path(id): Path<i64>,
    CsrfForm(_): CsrfForm<EmptyForm>,
) -> AppResult<Response> {
    let meeting_id = agenda::meeting_of_item(&state.db, &actor, id).await?;
    let result = agenda::delete_item(&state.db, &actor, id).await;
    on_agenda(&state, &actor, meeting_id, result, "saved").await
}

#[handler]
pub async fn up(
    state: Data<&AppState>,
    actor: Actor,
    Path(id): Path<i64>,
    CsrfForm(_): CsrfForm<EmptyForm>,
) -> AppResult<Response> {
    let result = agenda::shift_item(&state.db, &actor, id, -1).await;
    item_button(&state, &actor, id, result).await
}

#[handler]
pub async fn down(
    state: Data<&AppState>,
    actor: Actor,
    Path(id): Path<i64>,
    CsrfForm(_): CsrfForm<EmptyForm>,
) -> AppResult<Response> {
    let result = agenda::shift_item(&state.db, &actor, id, 1).await;
    item_button(&state, &actor, id, result).await
}

#[handler]
pub async fn start_item(
    state: Data<&AppState>,
    actor: Actor,
    Path(id): Path<i64>,
    CsrfForm(_): CsrfForm<EmptyForm>,
) -> AppResult<Response> {
    let result = agenda::mark_time(&state.db, &actor, id, Mark::Start, Utc::now()).await;
    item_button(&state, &actor, id, result).await
}

#[handler]
pub async fn end_item(
    state: Data<&AppState>,
    actor: Actor,
    Path(id): Path<i64>,
    CsrfForm(_): CsrfForm<EmptyForm>,
) -> AppResult<Response> {
    let result = agenda::mark_time(&state.db, &actor, id, Mark::End, Utc::now()).await;
    item_button(&state, &actor, id, result).await
}

// ---------------------------------------------------------------------------------------
// Outcomes

#[derive(Deserialize)]
pub struct OutcomeForm {
    #[serde(default)]
    notes: String,
    #[serde(default)]
    agreements: String,
    #[serde(default)]
    disagreements: String,
    #[serde(default)]
    decisions: String,
}

#[handler]
pub async fn outcome(
    state: Data<&AppState>,
    actor: Actor,
    Path(id): Path<i64>,
    CsrfForm(form): CsrfForm<OutcomeForm>,
) -> AppResult<Response> {
    let input = OutcomeInput {
        notes: Some(form.notes),
        agreements: outcomes::lines(&form.agreements),
        disagreements: outcomes::lines(&form.disagreements),
        decisions: outcomes::lines(&form.decisions),
    };
    let result = outcomes::record_outcome(&state.db, &actor, id, input).await;
    item_button(&state, &actor, id, result).await
}

#[derive(Deserialize)]
pub struct ActionForm {
    #[serde(default)]
    text: String,
    #[serde(default)]
    owner_id: String,
    #[serde(default)]
    due_on: String,
    #[serde(default)]
    item_id: String,
}

#[handler]
pub async fn add_action(
    state: Data<&AppState>,
    actor: Actor,
    Path(id): Path<i64>,
    CsrfForm(form): CsrfForm<ActionForm>,
) -> AppResult<Response> {
    let input = ActionInput {
        text: Some(form.text),
        owner_id: id32(&form.owner_id),
        due_on: Some(form.due_on),
        item_id: form.item_id.trim().parse().ok(),
    };
    let result = outcomes::add_action(&state.db, &actor, id, input).await;
    on_agenda(&state, &actor, id, result, "saved").await
}

#[derive(Deserialize)]
pub struct BackTo {
    #[serde(default)]
    meeting_id: String,
    #[serde(default)]
    objective_id: String,
}

#[handler]
pub async fn complete_action(
    state: Data<&AppState>,
    actor: Actor,
    Path(id): Path<i64>,
    CsrfForm(form): CsrfForm<BackTo>,
) -> AppResult<Response> {
    let back: i64 = form.meeting_id.trim().parse().unwrap_or(0);
    let result = outcomes::complete_action(&state.db, &actor, id).await;
    on_agenda(&state, &actor, back, result, "saved").await
}

#[handler]
pub async fn action_to_goal(
    state: Data<&AppState>,
    actor: Actor,
    Path(id): Path<i64>,
    CsrfForm(form): CsrfForm<BackTo>,
) -> AppResult<Response> {
    let back: i64 = form.meeting_id.trim().parse().unwrap_or(0);
    let objective = match form.objective_id.trim() {
        "" => None,
        raw => Some(raw.parse().unwrap_or(0)),
    };
    let result = outcomes::make_goal(&state.db, &actor, id, objective).await;
    on_agenda(&state, &actor, back, result, "goal").await
}

#[handler]
pub async fn attendance(
    state: Data<&AppState>,
    actor: Actor,
    Path(id): Path<i64>,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> AppResult<Response> {
    // Checkboxes repeat their name, which a struct cannot take: read the pairs.
    let ids: Vec<i32> = pairs
        .into_iter()
        .filter(|(k, _)| k == "person_id")
        .filter_map(|(_, v)| v.parse().ok())
        .collect();
    let result = outcomes::set_attendance(&state.db, &actor, id, ids).await;
    on_agenda(&state, &actor, id, result, "saved").await
}

#[derive(Deserialize)]
pub struct TemplateForm {
    #[serde(default)]
    name: String,
}

#[handler]
pub async fn save_template(
    state: Data<&AppState>,
    actor: Actor,
    Path(id): Path<i64>,
    CsrfForm(form): CsrfForm<TemplateForm>,
) -> AppResult<Response> {
    let result = templates::save_as_template(&state.db, &actor, id, Some(&form.name)).await;
    on_agenda(&state, &actor, id, result, "template").await
}

// ---------------------------------------------------------------------------------------
// The printable agenda and the live view

#[derive(Template)]
#[template(path = "meetings/print.html")]
struct PrintPage {
    layout: Layout,
    agenda: Agenda,
    /// A retreat's year in review, printed under its review item.
    review: Option<View>,
}

#[handler]
pub async fn print(
    state: Data<&AppState>,
    actor: Actor,
    Path(id): Path<i64>,
) -> AppResult<Html<String>> {
    let agenda = agenda::agenda(&state.db, &actor, id).await?;
    let review = year_in_review(&state, &actor, &agenda).await?;
    render(&PrintPage {
        layout: Layout::new(Some(&actor), agenda.meeting.title.clone(), "meetings"),
        agenda,
        review,
    })
}

#[derive(Template)]
#[template(path = "meetings/live.html")]
struct LivePage {
    layout: Layout,
    agenda: Agenda,
    now: DateTime<Tz>,
    /// Position of the item due now by the plan.
    due: Option<i32>,
}

impl LivePage {
    fn is_due(&self, item: &Item) -> bool {
        self.due == Some(item.position)
    }
}

#[handler]
pub async fn live(
    state: Data<&AppState>,
    actor: Actor,
    Path(id): Path<i64>,
) -> AppResult<Html<String>> {
    let agenda = agenda::agenda(&state.db, &actor, id).await?;
    let now = Utc::now();
    let due = agenda.due_now(now).map(|i| i.position);
    render(&LivePage {
        layout: Layout::new(
            Some(&actor),
            format!("Live: {}", agenda.meeting.title),
            "meetings",
        ),
        now: now.with_timezone(&agenda.meeting.zone),
        due,
        agenda,
    })
}

// ---------------------------------------------------------------------------------------
// The question bank

#[derive(Template)]
#[template(path = "meetings/questions.html")]
struct QuestionsPage {
    layout: Layout,
    questions: Vec<bank::Question>,
    may_add: bool,
    prompt: String,
    errors: FormErrors,
}

async fn questions_page(
    state: &AppState,
    actor: &Actor,
    prompt: String,
    errors: FormErrors,
) -> AppResult<Html<String>> {
    render(&QuestionsPage {
        layout: Layout::new(Some(actor), "Question bank", "meetings"),
        questions: bank::list(&state.db, actor).await?,
        may_add: meetings::may_plan(actor),
        prompt,
        errors,
    })
}

#[handler]
pub async fn questions(state: Data<&AppState>, actor: Actor) -> AppResult<Html<String>> {
    questions_page(&state, &actor, String::new(), FormErrors::default()).await
}

#[derive(Deserialize)]
pub struct QuestionForm {
    #[serde(default)]
    prompt: String,
}

#[handler]
pub async fn add_question(
    state: Data<&AppState>,
    actor: Actor,
    CsrfForm(form): CsrfForm<QuestionForm>,
) -> AppResult<Response> {
    let result = bank::add(&state.db, &actor, Some(&form.prompt)).await;
    form_outcome(
        result,
        |id| format!("/meeting-questions/{id}"),
        |errors| questions_page(&state, &actor, form.prompt, errors),
    )
    .await
}

#[derive(Template)]
#[template(path = "meetings/question.html")]
struct QuestionPage {
    layout: Layout,
    evolution: bank::Evolution,
}

#[handler]
pub async fn question(
    state: Data<&AppState>,
    actor: Actor,
    Path(id): Path<i64>,
) -> AppResult<Html<String>> {
    let evolution = bank::evolution(&state.db, &actor, id).await?;
    render(&QuestionPage {
        layout: Layout::new(Some(&actor), evolution.question.prompt.clone(), "meetings"),
        evolution,
    })
}

pub fn routes(route: poem::Route) -> poem::Route {
    use poem::{get, post};
    route
        .at("/meetings", get(list).post(create))
        .at("/meetings/:id", get(show).post(update))
        .at("/meetings/:id/edit", get(edit))
        .at("/meetings/:id/publish", post(publish))
        .at("/meetings/:id/cancel", post(cancel))
        .at("/meetings/:id/hold", post(hold))
        .at("/meetings/:id/defer", post(defer))
        .at("/meetings/:id/items", post(add_item))
        .at("/meetings/:id/backlog", post(take_up))
        .at("/meetings/:id/actions", post(add_action))
        .at("/meetings/:id/attendance", post(attendance))
        .at("/meetings/:id/save-template", post(save_template))
        .at("/meetings/:id/print", get(print))
        .at("/meetings/:id/live", get(live))
        .at("/meeting-items/:id", get(edit_item).post(update_item))
        .at("/meeting-items/:id/delete", post(delete_item))
        .at("/meeting-items/:id/up", post(up))
        .at("/meeting-items/:id/down", post(down))
        .at("/meeting-items/:id/start", post(start_item))
        .at("/meeting-items/:id/end", post(end_item))
        .at("/meeting-items/:id/outcome", post(outcome))
        .at("/meeting-actions/:id/done", post(complete_action))
        .at("/meeting-actions/:id/goal", post(action_to_goal))
        .at("/meeting-questions", get(questions).post(add_question))
        .at("/meeting-questions/:id", get(question))
}
