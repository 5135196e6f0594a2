//! The recognition pages: the portal and its feed, giving kudos, a trophy with its
//! notebook (and the printable notebook), the cio's forms for trophies, compliments and
//! announcements, and the hide buttons. The same service calls as the API.

use crate::dates::{Shown, ShownAt};
use askama::Template;
use chrono::{NaiveDate, Utc};
use poem::{
    IntoResponse, Response, handler,
    http::header,
    web::{Data, Html, Path, Query},
};
use serde::Deserialize;

use crate::{
    app::AppState,
    auth::{Actor, extract::MaybeActor},
    error::{AppError, AppResult},
    people::{self, PersonRef},
    plan,
    recognition::{
        self, AnnouncementInput, AnnouncementKind, Channel, ComplimentInput, EntryKind, Hideable,
        KudosInput, PassInput, Reader, ReassignInput, TrophyInput, atom,
    },
    validate::Word,
    web::{CsrfForm, FormErrors, Layout, form_outcome, render},
};

fn reader(state: &AppState, actor: Option<&Actor>) -> Reader {
    Reader::of(actor, state.settings.portal_public)
}

#[derive(Template)]
#[template(path = "recognition/portal.html")]
struct PortalPage {
    layout: Layout,
    notice: Option<&'static str>,
    portal: std::sync::Arc<recognition::Portal>,
    signed_in: bool,
    can_give: bool,
    /// Managers and the cio see the recognition balance.
    sees_balance: bool,
    actor_id: i32,
    /// The lists below the trophies (`PortalLists`), rendered.
    lists: std::sync::Arc<str>,
}

/// The portal's lists: the notebook, the news, the compliments and the kudos wall.
#[derive(Template)]
#[template(path = "recognition/portal_lists.html")]
struct PortalLists<'a> {
    layout: &'a Layout,
    portal: &'a recognition::Portal,
    /// After sending kudos: said beside the wall, where the new kudos are.
    kudos_notice: Option<&'static str>,
    can_give: bool,
    is_cio: bool,
    /// This page's address, for the hide forms to come back to.
    here: String,
}

/// The portal's lists rendered once per snapshot of its first page, for every reader but
/// the cio: they are most of the page's rendering, and the same for all those readers
/// but for the "be the first" link of an empty wall (`can_give`, the variant).
pub type PortalListsCache =
    crate::shared::PerSnapshot<recognition::Portal, bool, std::sync::Arc<str>>;

#[derive(Deserialize)]
pub struct PortalQuery {
    after: Option<String>,
    notice: Option<String>,
}

/// The department's page: open to everyone signed in, and to anonymous visitors when the
/// portal is public.
#[handler]
pub async fn show_portal(
    state: Data<&AppState>,
    MaybeActor(actor): MaybeActor,
    Query(q): Query<PortalQuery>,
) -> AppResult<Html<String>> {
    let portal = recognition::portal(
        &state.db,
        &state.portal_cache,
        reader(&state, actor.as_ref()),
        q.after.as_deref(),
    )
    .await?;
    let kudos_notice = (q.notice.as_deref() == Some("kudos"))
        .then_some("Thank you: your kudos are on the wall, at the top.");
    let notice = match q.notice.as_deref() {
        Some("compliment") => Some("The compliment is on the portal."),
        Some("announcement") => Some("The announcement is on the portal."),
        Some("hidden") => Some("It is hidden from the portal and the feed."),
        _ => None,
    };
    let layout = Layout::new(actor.as_ref(), "Portal", "portal");
    let can_give = actor
        .as_ref()
        .is_some_and(|a| policy_allows(a, crate::policy::Action::GiveRecognition));
    let is_cio = actor.as_ref().is_some_and(recognition_manager);
    let lists = PortalLists {
        layout: &layout,
        portal: &portal,
        kudos_notice,
        can_give,
        is_cio,
        here: page_address("/portal", q.after.as_deref()),
    };
    // Only the shared first page is kept: a later page of the wall is read afresh, and
    // the cio's hide forms and a notice differ from one request to the next.
    let shared = q.after.is_none() && !is_cio && kudos_notice.is_none();
    let lists = match shared.then(|| state.portal_lists.get(&portal, &can_give)) {
        Some(Some(html)) => html,
        _ => {
            let html: std::sync::Arc<str> = render(&lists)?.0.into();
            if shared {
                state.portal_lists.keep(&portal, can_give, &html);
            }
            html
        }
    };
    render(&PortalPage {
        layout,
        notice,
        portal,
        signed_in: actor.is_some(),
        can_give,
        sees_balance: actor.as_ref().is_some_and(|a| {
            policy_allows(
                a,
                crate::policy::Action::ViewRecognitionBalance {
                    is_manager: a.is_manager,
                },
            )
        }),
        actor_id: actor.as_ref().map_or(0, |a| a.person_id),
        lists,
    })
}

fn policy_allows(actor: &Actor, action: crate::policy::Action<'_>) -> bool {
    crate::policy::allows(actor.principal(), action)
}

fn recognition_manager(actor: &Actor) -> bool {
    policy_allows(actor, crate::policy::Action::ManageRecognition)
}

/// The portal as an Atom feed (RFC 4287), paged with `rel="next"` links (RFC 5005).
#[handler]
pub async fn portal_feed(
    state: Data<&AppState>,
    MaybeActor(actor): MaybeActor,
    Query(q): Query<PortalQuery>,
) -> AppResult<Response> {
    let page = recognition::feed(
        &state.db,
        &state.feed_cache,
        reader(&state, actor.as_ref()),
        q.after.as_deref(),
    )
    .await?;
    let base = state
        .settings
        .public_url
        .as_ref()
        .map(|u| u.as_str().trim_end_matches('/').to_owned())
        .unwrap_or_default();
    let xml = atom::write(&page, &base, "/portal/feed.atom", &state.installation_id)?;
    Ok(Response::builder()
        .header(header::CONTENT_TYPE, "application/atom+xml; charset=utf-8")
        .body(xml))
}

// ---------------------------------------------------------------------------------------
// Kudos

#[derive(Debug, Default, Deserialize)]
pub struct KudosForm {
    #[serde(default)]
    recipient_ids: Vec<String>,
    #[serde(default)]
    message: String,
    #[serde(default)]
    values: Vec<String>,
}

#[derive(Template)]
#[template(path = "recognition/kudos_form.html")]
struct KudosFormPage {
    layout: Layout,
    /// Everyone one may thank, in a fieldset per team.
    teams: Vec<people::TeamOfPeople>,
    values: Vec<String>,
    chosen: Vec<i32>,
    chosen_values: Vec<String>,
    message: String,
    errors: FormErrors,
}

async fn kudos_form_page(
    state: &AppState,
    actor: &Actor,
    chosen: Vec<i32>,
    chosen_values: Vec<String>,
    message: String,
    errors: FormErrors,
) -> AppResult<Html<String>> {
    let teams = people::active_staff_by_team(&state.db)
        .await?
        .into_iter()
        .filter_map(|mut team| {
            team.people.retain(|p| p.id != actor.person_id);
            (!team.people.is_empty()).then_some(team)
        })
        .collect();
    render(&KudosFormPage {
        layout: Layout::new(Some(actor), "Give kudos", "kudos"),
        teams,
        values: plan::active_values(&state.db).await?,
        chosen,
        chosen_values,
        message,
        errors,
    })
}

#[derive(Deserialize)]
pub struct KudosFormQuery {
    to: Option<i32>,
}

#[handler]
pub async fn kudos_form(
    state: Data<&AppState>,
    actor: Actor,
    Query(q): Query<KudosFormQuery>,
) -> AppResult<Html<String>> {
    crate::policy::check(actor.principal(), crate::policy::Action::GiveRecognition)?;
    kudos_form_page(
        &state,
        &actor,
        q.to.into_iter().collect(),
        Vec::new(),
        String::new(),
        FormErrors::default(),
    )
    .await
}

/// Checkboxes send the field once per choice; `serde_urlencoded` wants them as a
/// sequence, which `CsrfForm<Vec<(String, String)>>` gives us.
#[handler]
pub async fn give_kudos(
    state: Data<&AppState>,
    actor: Actor,
    CsrfForm(fields): CsrfForm<Vec<(String, String)>>,
) -> AppResult<Response> {
    let mut form = KudosForm::default();
    for (name, value) in fields {
        match name.as_str() {
            "recipient_ids" => form.recipient_ids.push(value),
            "values" => form.values.push(value),
            "message" => form.message = value,
            _ => {}
        }
    }
    let chosen: Vec<i32> = form
        .recipient_ids
        .iter()
        .filter_map(|id| id.parse().ok())
        .collect();
    let result = recognition::give_kudos(
        &state.db,
        &actor,
        KudosInput {
            recipient_ids: Some(chosen.clone()),
            message: Some(form.message.clone()),
            values: Some(form.values.clone()),
        },
        Utc::now(),
    )
    .await;
    form_outcome(
        result,
        // Straight to the new kudos on the wall, with the notice beside it.
        |kudos| format!("/portal?notice=kudos#kudos-{}", kudos.id),
        |errors| kudos_form_page(&state, &actor, chosen, form.values, form.message, errors),
    )
    .await
}

// ---------------------------------------------------------------------------------------
// Trophies

#[derive(Template)]
#[template(path = "recognition/trophies.html")]
struct TrophiesPage {
    layout: Layout,
    trophies: Vec<recognition::Trophy>,
    is_cio: bool,
    colleagues: Vec<PersonRef>,
    form: TrophyForm,
    errors: FormErrors,
}

#[derive(Debug, Default, Deserialize)]
pub struct TrophyForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    holder_id: String,
}

async fn trophies_page(
    state: &AppState,
    actor: &Actor,
    form: TrophyForm,
    errors: FormErrors,
) -> AppResult<Html<String>> {
    let is_cio = recognition_manager(actor);
    render(&TrophiesPage {
        layout: Layout::new(Some(actor), "Trophies", "portal"),
        trophies: recognition::list_trophies(&state.db, reader(state, Some(actor))).await?,
        is_cio,
        // Only the cio's form needs the list of people.
        colleagues: if is_cio {
            people::active_staff(&state.db).await?
        } else {
            Vec::new()
        },
        form,
        errors,
    })
}

#[handler]
pub async fn list_trophies(state: Data<&AppState>, actor: Actor) -> AppResult<Html<String>> {
    trophies_page(&state, &actor, TrophyForm::default(), FormErrors::default()).await
}

#[handler]
pub async fn create_trophy(
    state: Data<&AppState>,
    actor: Actor,
    CsrfForm(form): CsrfForm<TrophyForm>,
) -> AppResult<Response> {
    let input = TrophyInput {
        name: Some(form.name.clone()),
        description: Some(form.description.clone()),
        holder_id: form.holder_id.parse().ok(),
        first_entry: None,
    };
    let result = recognition::create_trophy(&state.db, &actor, input, Utc::now()).await;
    form_outcome(
        result,
        |created| format!("/trophies/{}?notice=created", created.id),
        |errors| trophies_page(&state, &actor, form, errors),
    )
    .await
}

#[derive(Template)]
#[template(path = "recognition/trophy.html")]
struct TrophyPage {
    layout: Layout,
    notice: Option<&'static str>,
    trophy: recognition::Trophy,
    notebook: crate::paging::Page<recognition::NotebookEntry>,
    is_holder: bool,
    is_cio: bool,
    /// The holder has left or become an advisor: only then does the cio reassign it
    /// (the service refuses otherwise), so only then is the form offered.
    may_reassign: bool,
    colleagues: Vec<PersonRef>,
    typed: TrophyFormTyped,
    /// This page's address, for the hide forms to come back to.
    here: String,
    errors: FormErrors,
}

/// What was typed into the pass or reassign form, shown again beside its errors.
#[derive(Debug, Default)]
struct TrophyFormTyped {
    receiver_id: Option<i32>,
    /// The notebook message, or the reassignment's reason.
    text: String,
}

impl TrophyFormTyped {
    /// Whether `id` was the colleague chosen (askama hands loop fields by reference).
    fn chose(&self, id: &i32) -> bool {
        self.receiver_id == Some(*id)
    }
}

#[derive(Deserialize)]
pub struct TrophyQuery {
    after: Option<String>,
    notice: Option<String>,
}

async fn trophy_page(
    state: &AppState,
    actor: Option<&Actor>,
    id: i32,
    after: Option<&str>,
    notice: Option<&'static str>,
    typed: TrophyFormTyped,
    errors: FormErrors,
) -> AppResult<Html<String>> {
    let reader = reader(state, actor);
    let (trophy, notebook) =
        recognition::trophy_with_notebook(&state.db, reader, id, Some(25), after).await?;
    // A holder who has since become an advisor may not pass it (the cio reassigns it).
    let is_holder = actor.is_some_and(|a| {
        a.person_id == trophy.holder.id && policy_allows(a, crate::policy::Action::GiveRecognition)
    });
    let is_cio = actor.is_some_and(recognition_manager);
    let colleagues = if is_holder || is_cio {
        people::active_staff(&state.db).await?
    } else {
        Vec::new()
    };
    // `colleagues` is the active staff: a holder among them can still pass it on.
    let may_reassign = is_cio && !colleagues.iter().any(|p| p.id == trophy.holder.id);
    render(&TrophyPage {
        layout: Layout::new(actor, trophy.name.clone(), "portal"),
        notice,
        is_holder,
        is_cio,
        may_reassign,
        colleagues,
        here: page_address(&format!("/trophies/{id}"), after),
        trophy,
        notebook,
        typed,
        errors,
    })
}

#[handler]
pub async fn show_trophy(
    state: Data<&AppState>,
    MaybeActor(actor): MaybeActor,
    Path(id): Path<i32>,
    Query(q): Query<TrophyQuery>,
) -> AppResult<Html<String>> {
    let notice = match q.notice.as_deref() {
        Some("created") => Some("The trophy is on its way, with its first notebook entry."),
        Some("passed") => Some("Passed on. Your words are in the notebook."),
        Some("reassigned") => Some("The trophy has a new holder; the reason is in the notebook."),
        Some("hidden") => Some("The entry is hidden from the portal and the feed."),
        _ => None,
    };
    trophy_page(
        &state,
        actor.as_ref(),
        id,
        q.after.as_deref(),
        notice,
        TrophyFormTyped::default(),
        FormErrors::default(),
    )
    .await
}

#[derive(Debug, Default, Deserialize)]
pub struct PassForm {
    #[serde(default)]
    receiver_id: String,
    #[serde(default)]
    message: String,
}

#[handler]
pub async fn pass(
    state: Data<&AppState>,
    actor: Actor,
    Path(id): Path<i32>,
    CsrfForm(form): CsrfForm<PassForm>,
) -> AppResult<Response> {
    let typed = TrophyFormTyped {
        receiver_id: form.receiver_id.parse().ok(),
        text: form.message,
    };
    let input = PassInput {
        receiver_id: typed.receiver_id,
        message: Some(typed.text.clone()),
    };
    let result = recognition::pass_trophy(&state.db, &actor, id, input, Utc::now()).await;
    // A lost race (409) shows at the top of the trophy page, which names the new holder.
    form_outcome(
        result,
        |_| format!("/trophies/{id}?notice=passed"),
        |errors| trophy_page(&state, Some(&actor), id, None, None, typed, errors),
    )
    .await
}

#[derive(Debug, Default, Deserialize)]
pub struct ReassignForm {
    #[serde(default)]
    receiver_id: String,
    #[serde(default)]
    reason: String,
}

#[handler]
pub async fn reassign(
    state: Data<&AppState>,
    actor: Actor,
    Path(id): Path<i32>,
    CsrfForm(form): CsrfForm<ReassignForm>,
) -> AppResult<Response> {
    let typed = TrophyFormTyped {
        receiver_id: form.receiver_id.parse().ok(),
        text: form.reason,
    };
    let input = ReassignInput {
        receiver_id: typed.receiver_id,
        reason: Some(typed.text.clone()),
    };
    let result = recognition::reassign_trophy(&state.db, &actor, id, input, Utc::now()).await;
    form_outcome(
        result,
        |_| format!("/trophies/{id}?notice=reassigned"),
        |errors| trophy_page(&state, Some(&actor), id, None, None, typed, errors),
    )
    .await
}

#[derive(Template)]
#[template(path = "recognition/notebook_print.html")]
struct NotebookPrintPage {
    trophy: recognition::Trophy,
    entries: Vec<recognition::NotebookEntry>,
    printed_on: NaiveDate,
}

/// The whole notebook on one page, first entry first, laid out for paper.
#[handler]
pub async fn notebook_print(
    state: Data<&AppState>,
    MaybeActor(actor): MaybeActor,
    Path(id): Path<i32>,
) -> AppResult<Html<String>> {
    let (trophy, entries) =
        recognition::notebook_whole(&state.db, reader(&state, actor.as_ref()), id).await?;
    render(&NotebookPrintPage {
        trophy,
        entries,
        printed_on: Utc::now().date_naive(),
    })
}

// ---------------------------------------------------------------------------------------
// Compliments and announcements (the cio)

#[derive(Debug, Default, Deserialize)]
pub struct ComplimentForm {
    #[serde(default)]
    person_id: String,
    #[serde(default)]
    giver_name: String,
    #[serde(default)]
    giver_affiliation: String,
    #[serde(default)]
    channel: String,
    #[serde(default)]
    received_on: String,
    #[serde(default)]
    message: String,
}

#[derive(Template)]
#[template(path = "recognition/compliment_form.html")]
struct ComplimentFormPage {
    layout: Layout,
    colleagues: Vec<PersonRef>,
    channels: Vec<Channel>,
    form: ComplimentForm,
    errors: FormErrors,
}

async fn compliment_form_page(
    state: &AppState,
    actor: &Actor,
    form: ComplimentForm,
    errors: FormErrors,
) -> AppResult<Html<String>> {
    crate::policy::check(actor.principal(), crate::policy::Action::ManageRecognition)?;
    render(&ComplimentFormPage {
        layout: Layout::new(Some(actor), "Post a compliment", "portal"),
        colleagues: people::active_staff(&state.db).await?,
        channels: Channel::all(),
        form,
        errors,
    })
}

#[handler]
pub async fn compliment_form(state: Data<&AppState>, actor: Actor) -> AppResult<Html<String>> {
    let form = ComplimentForm {
        received_on: Utc::now().date_naive().to_string(),
        channel: Channel::Email.as_str().to_owned(),
        ..ComplimentForm::default()
    };
    compliment_form_page(&state, &actor, form, FormErrors::default()).await
}

#[handler]
pub async fn post_compliment(
    state: Data<&AppState>,
    actor: Actor,
    CsrfForm(form): CsrfForm<ComplimentForm>,
) -> AppResult<Response> {
    let input = ComplimentInput {
        person_id: form.person_id.parse().ok(),
        giver_name: Some(form.giver_name.clone()),
        giver_affiliation: Some(form.giver_affiliation.clone()),
        channel: Some(form.channel.clone()),
        received_on: Some(form.received_on.clone()),
        message: Some(form.message.clone()),
    };
    let result = recognition::post_compliment(&state.db, &actor, input, Utc::now()).await;
    form_outcome(
        result,
        |_| "/portal?notice=compliment".to_owned(),
        |errors| compliment_form_page(&state, &actor, form, errors),
    )
    .await
}

#[derive(Debug, Default, Deserialize)]
pub struct AnnouncementForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    body: String,
}

#[derive(Template)]
#[template(path = "recognition/announcement_form.html")]
struct AnnouncementFormPage {
    layout: Layout,
    kinds: Vec<AnnouncementKind>,
    form: AnnouncementForm,
    errors: FormErrors,
}

fn announcement_form_page(
    actor: &Actor,
    form: AnnouncementForm,
    errors: FormErrors,
) -> AppResult<Html<String>> {
    crate::policy::check(actor.principal(), crate::policy::Action::ManageRecognition)?;
    render(&AnnouncementFormPage {
        layout: Layout::new(Some(actor), "Post an announcement", "portal"),
        kinds: AnnouncementKind::all(),
        form,
        errors,
    })
}

#[handler]
pub async fn announcement_form(actor: Actor) -> AppResult<Html<String>> {
    let form = AnnouncementForm {
        kind: AnnouncementKind::ProactiveWork.as_str().to_owned(),
        ..AnnouncementForm::default()
    };
    announcement_form_page(&actor, form, FormErrors::default())
}

#[handler]
pub async fn post_announcement(
    state: Data<&AppState>,
    actor: Actor,
    CsrfForm(form): CsrfForm<AnnouncementForm>,
) -> AppResult<Response> {
    let input = AnnouncementInput {
        kind: Some(form.kind.clone()),
        title: Some(form.title.clone()),
        body: Some(form.body.clone()),
    };
    let result = recognition::post_announcement(&state.db, &actor, input, Utc::now()).await;
    form_outcome(
        result,
        |_| "/portal?notice=announcement".to_owned(),
        |errors| async move { announcement_form_page(&actor, form, errors) },
    )
    .await
}

// ---------------------------------------------------------------------------------------
// Every compliment and every announcement, paged (the portal shows the latest few)

/// How many compliments or announcements a page of their list shows.
const LIST_PAGE: u64 = 25;

#[derive(Deserialize)]
pub struct ListQuery {
    after: Option<String>,
    notice: Option<String>,
}

/// A paged list's address at the page after `after`, for hide forms to come back to.
fn page_address(path: &str, after: Option<&str>) -> String {
    match after {
        Some(after) => format!(
            "{path}?after={}",
            url::form_urlencoded::byte_serialize(after.as_bytes()).collect::<String>()
        ),
        None => path.to_owned(),
    }
}

impl ListQuery {
    fn notice(&self) -> Option<&'static str> {
        (self.notice.as_deref() == Some("hidden"))
            .then_some("It is hidden from the portal and the feed.")
    }
}

#[derive(Template)]
#[template(path = "recognition/compliments.html")]
struct ComplimentsPage {
    layout: Layout,
    notice: Option<&'static str>,
    compliments: crate::paging::Page<recognition::Compliment>,
    is_cio: bool,
    here: String,
}

/// Every compliment heard about staff, newest first: whoever may read the portal.
#[handler]
pub async fn list_compliments(
    state: Data<&AppState>,
    MaybeActor(actor): MaybeActor,
    Query(q): Query<ListQuery>,
) -> AppResult<Html<String>> {
    let compliments = recognition::compliments(
        &state.db,
        reader(&state, actor.as_ref()),
        Some(LIST_PAGE),
        q.after.as_deref(),
    )
    .await?;
    render(&ComplimentsPage {
        layout: Layout::new(actor.as_ref(), "Compliments", "portal"),
        notice: q.notice(),
        compliments,
        is_cio: actor.as_ref().is_some_and(recognition_manager),
        here: page_address("/compliments", q.after.as_deref()),
    })
}

#[derive(Template)]
#[template(path = "recognition/announcements.html")]
struct AnnouncementsPage {
    layout: Layout,
    notice: Option<&'static str>,
    announcements: crate::paging::Page<recognition::Announcement>,
    is_cio: bool,
    here: String,
}

/// All the department's news, newest first: whoever may read the portal.
#[handler]
pub async fn list_announcements(
    state: Data<&AppState>,
    MaybeActor(actor): MaybeActor,
    Query(q): Query<ListQuery>,
) -> AppResult<Html<String>> {
    let announcements = recognition::announcements(
        &state.db,
        reader(&state, actor.as_ref()),
        Some(LIST_PAGE),
        q.after.as_deref(),
    )
    .await?;
    render(&AnnouncementsPage {
        layout: Layout::new(actor.as_ref(), "News", "portal"),
        notice: q.notice(),
        announcements,
        is_cio: actor.as_ref().is_some_and(recognition_manager),
        here: page_address("/announcements", q.after.as_deref()),
    })
}

// ---------------------------------------------------------------------------------------
// Moderation

#[derive(Debug, Default, Deserialize)]
pub struct HideForm {
    #[serde(default)]
    reason: String,
    /// Where to go back to (a local path).
    #[serde(default)]
    next: String,
}

#[derive(Template)]
#[template(path = "recognition/hide_again.html")]
struct HideAgainPage {
    layout: Layout,
    /// Where the form posts: the item's hide address.
    hide_action: String,
    /// Where to go back to.
    hide_next: String,
    reason: String,
    errors: FormErrors,
}

/// The hide button's form (in a list, on the portal or a trophy page): back to where it
/// came from, or, when the reason was missing or the item is hidden already, the form on
/// a page of its own with what went wrong.
async fn hide(
    state: &AppState,
    actor: &Actor,
    item: Hideable,
    form: HideForm,
) -> AppResult<Response> {
    let result = recognition::hide(&state.db, actor, item, Some(&form.reason), Utc::now()).await;
    let back = crate::web::local_path(Some(&form.next));
    let hide_next = back.clone();
    form_outcome(
        result,
        |()| {
            let separator = if back.contains('?') { '&' } else { '?' };
            format!("{back}{separator}notice=hidden")
        },
        |errors| async move {
            render(&HideAgainPage {
                layout: Layout::new(Some(actor), "Hide from the portal", "portal"),
                hide_action: hide_address(item),
                hide_next,
                reason: form.reason,
                errors,
            })
        },
    )
    .await
}

/// Where an item's hide form posts.
fn hide_address(item: Hideable) -> String {
    match item {
        Hideable::Kudos(id) => format!("/kudos/{id}/hide"),
        Hideable::NotebookEntry(id) => format!("/notebook-entries/{id}/hide"),
        Hideable::Compliment(id) => format!("/compliments/{id}/hide"),
        Hideable::Announcement(id) => format!("/announcements/{id}/hide"),
    }
}

#[handler]
pub async fn hide_kudos(
    state: Data<&AppState>,
    actor: Actor,
    Path(id): Path<i64>,
    CsrfForm(form): CsrfForm<HideForm>,
) -> AppResult<Response> {
    hide(&state, &actor, Hideable::Kudos(id), form).await
}

#[handler]
pub async fn hide_entry(
    state: Data<&AppState>,
    actor: Actor,
    Path(id): Path<i64>,
    CsrfForm(form): CsrfForm<HideForm>,
) -> AppResult<Response> {
    hide(&state, &actor, Hideable::NotebookEntry(id), form).await
}

#[handler]
pub async fn hide_compliment(
    state: Data<&AppState>,
    actor: Actor,
    Path(id): Path<i64>,
    CsrfForm(form): CsrfForm<HideForm>,
) -> AppResult<Response> {
    hide(&state, &actor, Hideable::Compliment(id), form).await
}

#[handler]
pub async fn hide_announcement(
    state: Data<&AppState>,
    actor: Actor,
    Path(id): Path<i64>,
    CsrfForm(form): CsrfForm<HideForm>,
) -> AppResult<Response> {
    hide(&state, &actor, Hideable::Announcement(id), form).await
}

// ---------------------------------------------------------------------------------------
// What is hidden, and bringing it back (the cio)

#[derive(Template)]
#[template(path = "recognition/hidden.html")]
struct HiddenPage {
    layout: Layout,
    notice: Option<&'static str>,
    hidden: crate::paging::Page<recognition::HiddenItem>,
}

/// Everything hidden from the portal, newest hidden first, each with its "Unhide…"
/// button: the cio only (404 for everyone else).
#[handler]
pub async fn list_hidden(
    state: Data<&AppState>,
    actor: Actor,
    Query(q): Query<ListQuery>,
) -> AppResult<Html<String>> {
    let hidden =
        recognition::hidden_items(&state.db, &actor, Some(LIST_PAGE), q.after.as_deref()).await?;
    render(&HiddenPage {
        layout: Layout::new(Some(&actor), "Hidden items", "hidden"),
        notice: (q.notice.as_deref() == Some("unhidden"))
            .then_some("It is back on the portal and in the feed; the unhiding is on record."),
        hidden,
    })
}

#[derive(Template)]
#[template(path = "recognition/unhide.html")]
struct UnhidePage {
    layout: Layout,
    hidden: recognition::HiddenItem,
    history: Vec<recognition::ModerationEvent>,
    reason: String,
    errors: FormErrors,
}

/// The item an unhide address names: `/hidden/{kind}/{id}/unhide`; an unknown kind is a
/// page that does not exist.
fn unhide_item(kind: &str, id: i64) -> AppResult<Hideable> {
    let kind = recognition::HiddenKind::parse_word(kind).map_err(|_| AppError::NotFound)?;
    Ok(Hideable::new(kind, id))
}

async fn unhide_page(
    state: &AppState,
    actor: &Actor,
    item: Hideable,
    reason: String,
    errors: FormErrors,
) -> AppResult<Html<String>> {
    let hidden = recognition::hidden_item(&state.db, actor, item).await?;
    render(&UnhidePage {
        layout: Layout::new(Some(actor), "Bring it back to the portal?", "hidden"),
        history: recognition::moderation_history(&state.db, actor, item).await?,
        hidden,
        reason,
        errors,
    })
}

/// Asks before bringing an item back, with its record and a required reason.
#[handler]
pub async fn unhide_form(
    state: Data<&AppState>,
    actor: Actor,
    Path((kind, id)): Path<(String, i64)>,
) -> AppResult<Html<String>> {
    let item = unhide_item(&kind, id)?;
    unhide_page(&state, &actor, item, String::new(), FormErrors::default()).await
}

#[derive(Debug, Default, Deserialize)]
pub struct UnhideForm {
    #[serde(default)]
    reason: String,
}

#[handler]
pub async fn unhide(
    state: Data<&AppState>,
    actor: Actor,
    Path((kind, id)): Path<(String, i64)>,
    CsrfForm(form): CsrfForm<UnhideForm>,
) -> AppResult<Response> {
    let item = unhide_item(&kind, id)?;
    let result = recognition::unhide(&state.db, &actor, item, Some(&form.reason), Utc::now()).await;
    form_outcome(
        result,
        |()| "/hidden?notice=unhidden".to_owned(),
        |errors| unhide_page(&state, &actor, item, form.reason, errors),
    )
    .await
}

// ---------------------------------------------------------------------------------------
// The recognition balance (managers and the cio)

#[derive(Template)]
#[template(path = "recognition/balance.html")]
struct BalancePage {
    layout: Layout,
    balance: recognition::Balance,
    /// The period as typed, shown again beside its error.
    typed_days: String,
    errors: FormErrors,
}

#[derive(Deserialize)]
pub struct BalanceQuery {
    days: Option<String>,
}

/// The balance for the period asked; a period that is not 1 to 730 days shows its error
/// by the field, over the default period's figures.
#[handler]
pub async fn balance(
    state: Data<&AppState>,
    actor: Actor,
    Query(q): Query<BalanceQuery>,
) -> AppResult<Response> {
    let typed_days = q.days.unwrap_or_default().trim().to_owned();
    let result = match typed_days.as_str() {
        "" => recognition::balance(&state.db, &actor, None).await,
        text => match text.parse::<i64>() {
            Ok(days) => recognition::balance(&state.db, &actor, Some(days)).await,
            Err(_) => Err(AppError::invalid(
                "days",
                "Use a number of days from 1 to 730.",
            )),
        },
    };
    let (balance, errors) = match result {
        Ok(balance) => (balance, FormErrors::default()),
        Err(err) => match FormErrors::of(&err) {
            Some(errors) => (recognition::balance(&state.db, &actor, None).await?, errors),
            None => return Err(err),
        },
    };
    let status = if errors.is_empty() {
        poem::http::StatusCode::OK
    } else {
        poem::http::StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok(render(&BalancePage {
        layout: Layout::new(Some(&actor), "Recognition balance", "balance"),
        balance,
        typed_days,
        errors,
    })?
    .with_status(status)
    .into_response())
}

/// This area's pages, added to the site's routes by `app::page_routes`.
pub fn routes(route: poem::Route) -> poem::Route {
    use poem::{get, post};
    route
        .at("/portal", get(show_portal))
        .at("/portal/feed.atom", get(portal_feed))
        .at("/recognition/balance", get(balance))
        .at("/kudos", post(give_kudos))
        .at("/kudos/new", get(kudos_form))
        .at("/kudos/:id/hide", post(hide_kudos))
        .at("/trophies", get(list_trophies).post(create_trophy))
        .at("/trophies/:id", get(show_trophy))
        .at("/trophies/:id/pass", post(pass))
        .at("/trophies/:id/reassign", post(reassign))
        .at("/trophies/:id/notebook/print", get(notebook_print))
        .at("/notebook-entries/:id/hide", post(hide_entry))
        .at("/compliments", get(list_compliments).post(post_compliment))
        .at("/compliments/new", get(compliment_form))
        .at("/compliments/:id/hide", post(hide_compliment))
        .at(
            "/announcements",
            get(list_announcements).post(post_announcement),
        )
        .at("/announcements/new", get(announcement_form))
        .at("/announcements/:id/hide", post(hide_announcement))
        .at("/hidden", get(list_hidden))
        .at("/hidden/:kind/:id/unhide", get(unhide_form).post(unhide))
}
