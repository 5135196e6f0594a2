//! The client-feedback pages. For the department (signed in): the surveys, a survey with
//! its questions, invitations (a CSV of their URLs) and results, and the cio's queue of
//! compliments from clients. For clients (no account): the response form, in a layout of
//! its own without the department's navigation, sent with `Referrer-Policy: no-referrer`
//! so an invitation's token never leaves in a Referer header.

use crate::dates::Shown;
use std::collections::HashMap;

use askama::Template;
use chrono::Utc;
use poem::{
    IntoResponse, Request, Response, handler,
    http::{HeaderValue, StatusCode, header},
    web::{Data, Html, Path, Query},
};
use serde::Deserialize;

use crate::{
    app::AppState,
    auth::{
        Actor,
        extract::{MaybeActor, SignInClient, session_cookie},
        secrets,
    },
    calendar::pages::SiteAddress,
    charts::{Chart, Frame, Point, Scale},
    error::{AppError, AppResult},
    feedback::{
        self, ClientCompliment, InvitationInput, QuestionInput, QuestionKind, SurveyInput,
        SurveyStatus, SurveySummary,
        respond::{self, Form, Refusal, ResponseInput, Target},
        results::Results,
    },
    people::PersonRef,
    plan::{self, ObjectiveRef},
    validate::Word,
    web::{
        CsrfForm, EmptyForm, FormErrors, Layout, NoticeQuery, SIGN_IN_CSRF_COOKIE, form_outcome,
        render, see_other,
    },
};

// ---------------------------------------------------------------------------------------
// The department's pages

#[derive(Template)]
#[template(path = "feedback/list.html")]
struct ListPage {
    layout: Layout,
    surveys: Vec<SurveySummary>,
    can_manage: bool,
    form: NewSurveyForm,
    errors: FormErrors,
}

#[derive(Debug, Default, Deserialize)]
pub struct NewSurveyForm {
    #[serde(default)]
    title: String,
    #[serde(default)]
    introduction: String,
}

async fn list_page(
    state: &AppState,
    actor: &Actor,
    form: NewSurveyForm,
    errors: FormErrors,
) -> AppResult<Html<String>> {
    render(&ListPage {
        layout: Layout::new(Some(actor), "Client feedback", "surveys"),
        surveys: feedback::list(&state.db, actor).await?,
        can_manage: feedback::may_manage(actor),
        form,
        errors,
    })
}

#[handler]
pub async fn list(state: Data<&AppState>, actor: Actor) -> AppResult<Html<String>> {
    list_page(
        &state,
        &actor,
        NewSurveyForm::default(),
        FormErrors::default(),
    )
    .await
}

#[handler]
pub async fn create(
    state: Data<&AppState>,
    actor: Actor,
    CsrfForm(form): CsrfForm<NewSurveyForm>,
) -> AppResult<Response> {
    let result = feedback::create(
        &state.db,
        &actor,
        SurveyInput {
            title: Some(form.title.clone()),
            introduction: Some(form.introduction.clone()),
            status: None,
        },
        Vec::new(),
        Utc::now(),
    )
    .await;
    form_outcome(
        result,
        |s| format!("/surveys/{}", s.id),
        |errors| list_page(&state, &actor, form, errors),
    )
    .await
}

#[derive(Template)]
#[template(path = "feedback/show.html")]
struct SurveyPage {
    layout: Layout,
    notice: Option<&'static str>,
    results: Results,
    open_link: String,
    can_manage: bool,
    objectives: Vec<ObjectiveRef>,
    staff: Vec<PersonRef>,
    question: QuestionForm,
    errors: FormErrors,
    invitation_days: i64,
    /// Per rating or yes/no question, its monthly figure against its target.
    charts: Vec<(i64, Chart)>,
}

impl SurveyPage {
    fn chart_of(&self, question_id: &i64) -> Option<&Chart> {
        self.charts
            .iter()
            .find(|(id, _)| id == question_id)
            .map(|(_, chart)| chart)
    }
    fn is_draft(&self) -> bool {
        self.results.survey.status == SurveyStatus::Draft
    }
    fn is_open(&self) -> bool {
        self.results.survey.status == SurveyStatus::Open
    }
    fn frozen(&self) -> bool {
        self.results.survey.responses > 0
    }
    fn kinds(&self) -> Vec<QuestionKind> {
        QuestionKind::all()
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct QuestionForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    prompt: String,
    required: Option<String>,
    #[serde(default)]
    objective_id: String,
    #[serde(default)]
    target: String,
}

impl QuestionForm {
    fn input(&self) -> AppResult<QuestionInput> {
        let objective_id = match self.objective_id.trim() {
            "" => None,
            raw => Some(raw.parse().map_err(|_| {
                AppError::invalid("objective_id", "Choose an objective from the list.")
            })?),
        };
        let target = match self.target.trim() {
            "" => None,
            raw => Some(raw.parse::<f64>().map_err(|_| {
                AppError::invalid("target", "Write the target as a number, such as 4.5.")
            })?),
        };
        Ok(QuestionInput {
            kind: Some(self.kind.clone()),
            prompt: Some(self.prompt.clone()),
            required: Some(self.required.is_some()),
            objective_id,
            target,
        })
    }
}

async fn survey_page(
    state: &AppState,
    actor: &Actor,
    site: &str,
    id: i64,
    notice: Option<&'static str>,
    question: QuestionForm,
    errors: FormErrors,
) -> AppResult<Html<String>> {
    let results = feedback::results(&state.db, actor, id, Utc::now()).await?;
    let can_manage = feedback::may_manage(actor);
    let (objectives, staff) = if can_manage {
        let objectives = match plan::active_id(state.db.conn()).await? {
            Some(plan_id) => plan::objectives_of(state.db.conn(), plan_id)
                .await?
                .into_iter()
                .filter(|o| !o.retired)
                .collect(),
            None => Vec::new(),
        };
        (objectives, crate::people::active_staff(&state.db).await?)
    } else {
        (Vec::new(), Vec::new())
    };
    let charts = monthly_charts(&results);
    render(&SurveyPage {
        charts,
        layout: Layout::new(Some(actor), results.survey.title.clone(), "surveys"),
        notice,
        open_link: format!("{site}/respond/{id}"),
        results,
        can_manage,
        objectives,
        staff,
        question,
        errors,
        invitation_days: state.settings.survey_invitation_days,
    })
}

/// The survey's page again with a form's errors, after a write it refused.
async fn survey_page_with_errors(
    state: &AppState,
    actor: &Actor,
    site: &str,
    id: i64,
    errors: FormErrors,
) -> AppResult<Html<String>> {
    survey_page(
        state,
        actor,
        site,
        id,
        None,
        QuestionForm::default(),
        errors,
    )
    .await
}

/// A line per rating or yes/no question: its figure in every month of the survey's
/// results (gaps where nobody answered), against its target.
fn monthly_charts(results: &Results) -> Vec<(i64, Chart)> {
    results
        .questions
        .iter()
        .filter(|r| r.question.kind != QuestionKind::Text)
        .map(|r| {
            let points: Vec<Point> = results
                .months
                .iter()
                .map(|m| {
                    let value = r
                        .months
                        .iter()
                        .find(|f| f.month == Some(m.month))
                        .and_then(|f| f.value(r.question.kind));
                    Point::new(m.month_label(), value)
                })
                .collect();
            let (scale, heading, description) = match r.question.kind {
                QuestionKind::YesNo => (
                    Scale::PERCENT,
                    "Yes (%)",
                    "The share of yes each month, against the target.",
                ),
                _ => (
                    Scale::RATING,
                    "Mean (1 to 5)",
                    "The mean rating each month, against the target.",
                ),
            };
            let id = format!("question-{}", r.question.id);
            let frame = Frame {
                id: &id,
                title: &r.question.prompt,
                description,
                missing: "no answers that month",
                scale,
            };
            (
                r.question.id,
                Chart::line(&frame, "Month", heading, &points, r.question.target),
            )
        })
        .collect()
}

fn notice_text(notice: Option<&str>) -> Option<&'static str> {
    match notice {
        Some("created") => Some("The survey has been created. Add its questions, then open it."),
        Some("saved") => Some("Your changes have been saved."),
        Some("released") => Some("The free-text answers have been released to staff and advisors."),
        Some("hidden") => Some("The answer has been hidden."),
        _ => None,
    }
}

#[handler]
pub async fn show(
    state: Data<&AppState>,
    actor: Actor,
    site: SiteAddress,
    Path(id): Path<i64>,
    Query(q): Query<NoticeQuery>,
) -> AppResult<Html<String>> {
    survey_page(
        &state,
        &actor,
        &site.0,
        id,
        notice_text(q.notice.as_deref()),
        QuestionForm::default(),
        FormErrors::default(),
    )
    .await
}

#[derive(Debug, Deserialize)]
pub struct StatusForm {
    #[serde(default)]
    status: String,
}

#[handler]
pub async fn change_status(
    state: Data<&AppState>,
    actor: Actor,
    site: SiteAddress,
    Path(id): Path<i64>,
    CsrfForm(form): CsrfForm<StatusForm>,
) -> AppResult<Response> {
    let result = feedback::update(
        &state.db,
        &actor,
        id,
        SurveyInput {
            status: Some(form.status),
            ..Default::default()
        },
        Utc::now(),
    )
    .await;
    form_outcome(
        result,
        |_| format!("/surveys/{id}?notice=saved"),
        |errors| survey_page_with_errors(&state, &actor, &site.0, id, errors),
    )
    .await
}

#[handler]
pub async fn add_question(
    state: Data<&AppState>,
    actor: Actor,
    site: SiteAddress,
    Path(id): Path<i64>,
    CsrfForm(form): CsrfForm<QuestionForm>,
) -> AppResult<Response> {
    let result = match form.input() {
        Ok(input) => feedback::add_question(&state.db, &actor, id, input).await,
        Err(err) => Err(err),
    };
    form_outcome(
        result,
        |_| format!("/surveys/{id}?notice=saved"),
        |errors| survey_page(&state, &actor, &site.0, id, None, form, errors),
    )
    .await
}

#[handler]
pub async fn remove_question(
    state: Data<&AppState>,
    actor: Actor,
    site: SiteAddress,
    Path((id, question_id)): Path<(i64, i64)>,
    CsrfForm(_): CsrfForm<EmptyForm>,
) -> AppResult<Response> {
    let result = feedback::remove_question(&state.db, &actor, id, question_id).await;
    form_outcome(
        result,
        |_| format!("/surveys/{id}?notice=saved"),
        |errors| survey_page_with_errors(&state, &actor, &site.0, id, errors),
    )
    .await
}

#[derive(Debug, Deserialize)]
pub struct InviteForm {
    #[serde(default)]
    count: String,
    #[serde(default)]
    staff_id: String,
}

/// Makes invitations and answers their URLs as a CSV download (the tokens are not kept,
/// so this is the one moment they can be written down).
#[handler]
pub async fn invite(
    state: Data<&AppState>,
    actor: Actor,
    site: SiteAddress,
    Path(id): Path<i64>,
    CsrfForm(form): CsrfForm<InviteForm>,
) -> AppResult<Response> {
    let count = form
        .count
        .trim()
        .parse::<usize>()
        .ok()
        .filter(|n| (1..=feedback::INVITATIONS_MAX).contains(n));
    let staff_id = form.staff_id.trim().parse::<i32>().ok();
    let result = match count {
        None => Err(AppError::invalid(
            "count",
            format!(
                "Ask for 1 to {} invitations at a time.",
                feedback::INVITATIONS_MAX
            ),
        )),
        Some(n) => {
            feedback::invite(
                &state.db,
                &actor,
                id,
                vec![InvitationInput { staff_id }; n],
                state.settings.survey_invitation_days,
                Utc::now(),
            )
            .await
        }
    };
    match result {
        Ok(made) => {
            let mut writer = csv::Writer::from_writer(Vec::new());
            let rows = std::iter::once(["url", "expires_at", "staff"].map(str::to_owned)).chain(
                made.iter().map(|n| {
                    [
                        n.url(&site.0),
                        n.invitation.expires_at.to_rfc3339(),
                        n.invitation
                            .staff
                            .as_ref()
                            .map(|s| s.name.clone())
                            .unwrap_or_default(),
                    ]
                }),
            );
            for row in rows {
                writer.write_record(&row).map_err(AppError::internal)?;
            }
            let bytes = writer
                .into_inner()
                .map_err(|e| AppError::internal(anyhow::anyhow!("{e}")))?;
            Ok(Response::builder()
                .content_type("text/csv; charset=utf-8")
                .header(
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"survey-{id}-invitations.csv\""),
                )
                .body(bytes))
        }
        Err(err) => {
            form_outcome(
                Err::<(), _>(err),
                |_| String::new(),
                |errors| survey_page_with_errors(&state, &actor, &site.0, id, errors),
            )
            .await
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct AnswerForm {
    #[serde(default)]
    survey_id: i64,
    reason: Option<String>,
}

#[handler]
pub async fn hide_answer(
    state: Data<&AppState>,
    actor: Actor,
    site: SiteAddress,
    Path(answer_id): Path<i64>,
    CsrfForm(form): CsrfForm<AnswerForm>,
) -> AppResult<Response> {
    let id = form.survey_id;
    let result = feedback::hide_answer(
        &state.db,
        &actor,
        answer_id,
        form.reason.as_deref(),
        Utc::now(),
    )
    .await;
    form_outcome(
        result,
        |_| format!("/surveys/{id}?notice=hidden"),
        |errors| survey_page_with_errors(&state, &actor, &site.0, id, errors),
    )
    .await
}

#[handler]
pub async fn release_answer(
    state: Data<&AppState>,
    actor: Actor,
    Path(answer_id): Path<i64>,
    CsrfForm(form): CsrfForm<AnswerForm>,
) -> AppResult<Response> {
    feedback::release_answer(&state.db, &actor, answer_id, Utc::now()).await?;
    Ok(see_other(format!(
        "/surveys/{}?notice=released",
        form.survey_id
    )))
}

#[handler]
pub async fn release_all(
    state: Data<&AppState>,
    actor: Actor,
    Path(id): Path<i64>,
    CsrfForm(_): CsrfForm<EmptyForm>,
) -> AppResult<Response> {
    feedback::release_all(&state.db, &actor, id, Utc::now()).await?;
    Ok(see_other(format!("/surveys/{id}?notice=released")))
}

#[derive(Template)]
#[template(path = "feedback/compliments.html")]
struct QueuePage {
    layout: Layout,
    notice: Option<&'static str>,
    queue: Vec<ClientCompliment>,
    errors: FormErrors,
}

async fn queue_page(
    state: &AppState,
    actor: &Actor,
    notice: Option<&'static str>,
    errors: FormErrors,
) -> AppResult<Html<String>> {
    render(&QueuePage {
        layout: Layout::new(Some(actor), "Compliments from clients", "surveys"),
        notice,
        queue: feedback::compliment_queue(&state.db, actor).await?,
        errors,
    })
}

#[handler]
pub async fn queue(
    state: Data<&AppState>,
    actor: Actor,
    Query(q): Query<NoticeQuery>,
) -> AppResult<Html<String>> {
    let notice = match q.notice.as_deref() {
        Some("posted") => Some("The compliment is on the portal."),
        Some("dismissed") => Some("The compliment has been dismissed."),
        _ => None,
    };
    queue_page(&state, &actor, notice, FormErrors::default()).await
}

#[handler]
pub async fn post_compliment(
    state: Data<&AppState>,
    actor: Actor,
    Path(id): Path<i64>,
    CsrfForm(_): CsrfForm<EmptyForm>,
) -> AppResult<Response> {
    let result = feedback::post_client_compliment(&state.db, &actor, id, Utc::now()).await;
    form_outcome(
        result,
        |_| "/survey-compliments?notice=posted".to_owned(),
        |errors| queue_page(&state, &actor, None, errors),
    )
    .await
}

#[handler]
pub async fn dismiss_compliment(
    state: Data<&AppState>,
    actor: Actor,
    Path(id): Path<i64>,
    CsrfForm(_): CsrfForm<EmptyForm>,
) -> AppResult<Response> {
    let result = feedback::dismiss_client_compliment(&state.db, &actor, id, Utc::now()).await;
    form_outcome(
        result,
        |_| "/survey-compliments?notice=dismissed".to_owned(),
        |errors| queue_page(&state, &actor, None, errors),
    )
    .await
}

// ---------------------------------------------------------------------------------------
// The clients' pages

/// A question as the response form shows it, with what was typed and its problem.
pub struct QuestionView {
    pub field: String,
    pub kind: &'static str,
    pub prompt: String,
    pub required: bool,
    pub value: String,
    pub error: Option<String>,
}

#[derive(Template)]
#[template(path = "feedback/respond.html")]
struct RespondPage {
    title: String,
    introduction: String,
    action: String,
    csrf_token: String,
    questions: Vec<QuestionView>,
    named: Option<PersonRef>,
    staff: Vec<PersonRef>,
    values: HashMap<String, String>,
    errors: FormErrors,
}

impl RespondPage {
    fn value(&self, field: &str) -> &str {
        self.values.get(field).map(String::as_str).unwrap_or("")
    }
    fn chosen(&self, id: &i32) -> bool {
        self.value("compliment_person_id") == id.to_string()
    }
}

#[derive(Template)]
#[template(path = "feedback/notice.html")]
struct NoticePage {
    heading: String,
    message: String,
}

/// Survey pages never send their address anywhere.
fn public(mut response: Response) -> Response {
    response.headers_mut().insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    response
}

fn notice_page(status: StatusCode, heading: &str, message: &str) -> Response {
    let page = NoticePage {
        heading: heading.to_owned(),
        message: message.to_owned(),
    };
    let body = page.render().unwrap_or_else(|_| {
        "<!doctype html><title>Survey</title><p>This survey cannot be answered.</p>".to_owned()
    });
    public(Html(body).with_status(status).into_response())
}

fn refusal_page(refusal: Refusal) -> Response {
    match refusal {
        Refusal::Unknown => notice_page(
            StatusCode::NOT_FOUND,
            "We could not find this survey",
            "The link may be incomplete. Check that you copied the whole address from the message you received.",
        ),
        Refusal::Withdrawn => notice_page(
            StatusCode::GONE,
            "This invitation was withdrawn",
            "The request it was about has been reopened, so we no longer ask about it. You may receive a new invitation once it is resolved.",
        ),
        Refusal::Expired => notice_page(
            StatusCode::GONE,
            "This invitation has expired",
            "It could be answered for a limited time only. Thank you all the same.",
        ),
        Refusal::Closed => notice_page(
            StatusCode::GONE,
            "This survey is closed",
            "It no longer takes answers. Thank you all the same.",
        ),
        Refusal::AlreadyReceived => notice_page(
            StatusCode::OK,
            "We have already received your answers",
            "Thank you: your answers were recorded once, and that is all we need.",
        ),
    }
}

fn error_notice(err: &AppError) -> Response {
    err.log();
    let response = match err {
        AppError::TooManyRequests { .. } => notice_page(
            StatusCode::TOO_MANY_REQUESTS,
            "Too many answers from your connection",
            "Please wait a few minutes and send your answers again.",
        ),
        AppError::Forbidden(message) => {
            notice_page(StatusCode::FORBIDDEN, "Please send the form again", message)
        }
        AppError::Unavailable(_) | AppError::StorageFull(_) => notice_page(
            StatusCode::SERVICE_UNAVAILABLE,
            "We cannot take answers right now",
            "Please try again in a few minutes.",
        ),
        AppError::BadRequest(message) => notice_page(
            StatusCode::BAD_REQUEST,
            "The form could not be read",
            message,
        ),
        AppError::Conflict { message, .. } => {
            notice_page(StatusCode::CONFLICT, "Please answer again", message)
        }
        _ => notice_page(
            err.status(),
            "Something went wrong",
            "Your answers could not be recorded. Please try again later.",
        ),
    };
    crate::web::with_retry_after(response, err)
}

/// The CSRF token of the response form: the session's when someone is signed in, else
/// the one in the browser's CSRF cookie (made here if missing), as for signing in.
fn public_csrf(req: &Request, state: &AppState, actor: &MaybeActor) -> AppResult<String> {
    if let Some(token) = actor.0.as_ref().and_then(|a| a.csrf_token.clone()) {
        return Ok(token);
    }
    if let Some(existing) = req.cookie().get(SIGN_IN_CSRF_COOKIE) {
        return Ok(existing.value_str().to_owned());
    }
    let token = secrets::random_token()?;
    let mut cookie = session_cookie(state, &token);
    cookie.set_name(SIGN_IN_CSRF_COOKIE);
    req.cookie().add(cookie);
    Ok(token)
}

fn action_of(target: &Target) -> String {
    match target {
        Target::Open(id) => format!("/respond/{id}"),
        Target::Invitation(token) => format!("/invitation/{token}"),
    }
}

fn respond_page(
    req: &Request,
    state: &AppState,
    actor: &MaybeActor,
    target: &Target,
    form: Form,
    values: HashMap<String, String>,
    errors: FormErrors,
) -> AppResult<Response> {
    let questions = form
        .questions
        .iter()
        .map(|q| {
            let field = respond::answer_field(q.id);
            QuestionView {
                value: values.get(&field).cloned().unwrap_or_default(),
                error: errors.get(&field).map(str::to_owned),
                kind: q.kind.as_str(),
                prompt: q.prompt.clone(),
                required: q.required,
                field,
            }
        })
        .collect();
    let page = RespondPage {
        title: form.title,
        introduction: form.introduction,
        action: action_of(target),
        csrf_token: public_csrf(req, state, actor)?,
        questions,
        named: form.named,
        staff: form.staff,
        values,
        errors,
    };
    Ok(public(render(&page)?.into_response()))
}

async fn show_form(
    req: &Request,
    state: &AppState,
    actor: &MaybeActor,
    target: Target,
) -> Response {
    match respond::cached_form(&state.db, &state.survey_forms, &target, Utc::now()).await {
        Ok(Ok(form)) => respond_page(
            req,
            state,
            actor,
            &target,
            form,
            HashMap::new(),
            FormErrors::default(),
        )
        .unwrap_or_else(|err| error_notice(&err)),
        Ok(Err(refusal)) => refusal_page(refusal),
        Err(err) => error_notice(&err),
    }
}

#[handler]
pub async fn open_form(
    req: &Request,
    state: Data<&AppState>,
    actor: MaybeActor,
    Path(id): Path<i64>,
) -> Response {
    show_form(req, &state, &actor, Target::Open(id)).await
}

#[handler]
pub async fn invitation_form(
    req: &Request,
    state: Data<&AppState>,
    actor: MaybeActor,
    Path(token): Path<String>,
) -> Response {
    show_form(req, &state, &actor, Target::Invitation(token)).await
}

fn response_input(fields: &[(String, String)]) -> ResponseInput {
    let mut input = ResponseInput::default();
    for (name, value) in fields {
        match name.as_str() {
            "compliment" => input.compliment = Some(value.clone()),
            "compliment_person_id" => input.compliment_person_id = Some(value.clone()),
            "giver_name" => input.giver_name = Some(value.clone()),
            "giver_affiliation" => input.giver_affiliation = Some(value.clone()),
            other => {
                if let Some(id) = other
                    .strip_prefix("q_")
                    .and_then(|id| id.parse::<i64>().ok())
                {
                    input.answers.insert(id, value.clone());
                }
            }
        }
    }
    input
}

async fn submit(
    req: &Request,
    state: &AppState,
    actor: &MaybeActor,
    client: SignInClient,
    form: poem::Result<CsrfForm<Vec<(String, String)>>>,
    target: Target,
) -> Response {
    let now = Utc::now();
    // Every submission counts, whatever becomes of it.
    if let Err(err) = respond::throttle(
        &state.db,
        &client.0.address,
        state.settings.survey_rate_limit,
        now,
    )
    .await
    {
        return error_notice(&err);
    }
    let fields = match form {
        Ok(CsrfForm(fields)) => fields,
        Err(err) => {
            let app = err
                .downcast_ref::<AppError>()
                .map(|e| match e {
                    AppError::Forbidden(m) => AppError::Forbidden(m.clone()),
                    AppError::BadRequest(m) => AppError::BadRequest(m.clone()),
                    _ => AppError::BadRequest("The form could not be read.".into()),
                })
                .unwrap_or_else(|| AppError::BadRequest("The form could not be read.".into()));
            return error_notice(&app);
        }
    };
    let input = response_input(&fields);
    match respond::submit(&state.db, &target, input, now).await {
        Ok(Ok(_)) => public(see_other("/respond/thanks")),
        Ok(Err(refusal)) => refusal_page(refusal),
        Err(err @ AppError::Invalid(_)) => {
            let errors = FormErrors::of(&err).unwrap_or_default();
            let values: HashMap<String, String> = fields
                .into_iter()
                .filter(|(k, _)| k != "csrf_token")
                .collect();
            match respond::form(&state.db, &target, now).await {
                Ok(Ok(form)) => {
                    match respond_page(req, state, actor, &target, form, values, errors) {
                        Ok(page) => {
                            let mut page = page;
                            page.set_status(StatusCode::UNPROCESSABLE_ENTITY);
                            page
                        }
                        Err(err) => error_notice(&err),
                    }
                }
                Ok(Err(refusal)) => refusal_page(refusal),
                Err(err) => error_notice(&err),
            }
        }
        Err(err) => error_notice(&err),
    }
}

#[handler]
pub async fn open_submit(
    req: &Request,
    state: Data<&AppState>,
    actor: MaybeActor,
    client: SignInClient,
    Path(id): Path<i64>,
    form: poem::Result<CsrfForm<Vec<(String, String)>>>,
) -> Response {
    submit(req, &state, &actor, client, form, Target::Open(id)).await
}

#[handler]
pub async fn invitation_submit(
    req: &Request,
    state: Data<&AppState>,
    actor: MaybeActor,
    client: SignInClient,
    Path(token): Path<String>,
    form: poem::Result<CsrfForm<Vec<(String, String)>>>,
) -> Response {
    submit(req, &state, &actor, client, form, Target::Invitation(token)).await
}

#[handler]
pub async fn thanks() -> Response {
    notice_page(
        StatusCode::OK,
        "Thank you",
        "Your answers have been received. They help us serve you better.",
    )
}

pub fn routes(route: poem::Route) -> poem::Route {
    use poem::{get, post};
    route
        .at("/surveys", get(list).post(create))
        .at("/surveys/:id", get(show))
        .at("/surveys/:id/status", post(change_status))
        .at("/surveys/:id/questions", post(add_question))
        .at(
            "/surveys/:id/questions/:question_id/delete",
            post(remove_question),
        )
        .at("/surveys/:id/invitations", post(invite))
        .at("/surveys/:id/release-free-text", post(release_all))
        .at("/survey-answers/:id/hide", post(hide_answer))
        .at("/survey-answers/:id/release", post(release_answer))
        .at("/survey-compliments", get(queue))
        .at("/survey-compliments/:id/post", post(post_compliment))
        .at("/survey-compliments/:id/dismiss", post(dismiss_compliment))
        .at("/respond/thanks", get(thanks))
        .at("/respond/:id", get(open_form).post(open_submit))
        .at(
            "/invitation/:token",
            get(invitation_form).post(invitation_submit),
        )
}
