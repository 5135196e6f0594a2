//! The client-feedback endpoints: surveys and their questions, invitations in batch (with
//! their URLs, shown once), withdrawing one, results, moderation of free text, and the
//! queue of compliments from clients. Clients answer through the pages, not the API.

use chrono::{DateTime, Utc};
use poem::{Request, web::Data};
use poem_openapi::{Object, OpenApi, Tags, param::Path, payload::Json};

use crate::{
    api::{ApiResult, BearerAuth, Created, Done, JsonBody, OneOf},
    app::AppState,
    calendar::pages::site_address,
    feedback::{
        self, ClientCompliment, Invitation, InvitationInput, NewInvitation, Question,
        QuestionInput, QuestionKind, Survey, SurveyInput, SurveyStatus, SurveySummary,
        results::{InvitationFigures, MonthFigures, QuestionResults, ResponseMonth, Results},
    },
    goals::api::ObjectiveRefBody,
    people::api::PersonRefBody,
    validate::Word,
};

#[derive(Tags)]
enum FeedbackTags {
    /// Client feedback: surveys tied to the plan's measures, invitations for clients
    /// without accounts, results, and compliments from clients waiting for the cio.
    Feedback,
}

/// A question of a survey.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct SurveyQuestionBody {
    pub id: i64,
    /// 0 for the first; contiguous.
    pub position: i32,
    /// rating, yes_no or text.
    pub kind: String,
    pub prompt: String,
    pub required: bool,
    /// The objective whose measure it informs.
    pub objective: Option<ObjectiveRefBody>,
    /// A mean from 1 to 5 for a rating, a share of yes in percent for yes/no.
    pub target: Option<f64>,
}

impl From<Question> for SurveyQuestionBody {
    fn from(q: Question) -> Self {
        SurveyQuestionBody {
            id: q.id,
            position: q.position,
            kind: q.kind.as_str().to_owned(),
            prompt: q.prompt,
            required: q.required,
            objective: q.objective.map(|o| ObjectiveRefBody {
                id: o.id,
                code: o.code,
                title: o.title,
            }),
            target: q.target,
        }
    }
}

/// A survey with its questions.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct SurveyBody {
    pub id: i64,
    pub title: String,
    pub introduction: String,
    /// draft, open or closed.
    pub status: String,
    /// The link anyone may answer while the survey is open.
    pub open_link: String,
    pub responses: i64,
    pub created_at: DateTime<Utc>,
    pub opened_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
    pub questions: Vec<SurveyQuestionBody>,
}

fn survey_body(s: Survey, site: &str) -> SurveyBody {
    SurveyBody {
        open_link: format!("{site}/respond/{}", s.id),
        id: s.id,
        title: s.title,
        introduction: s.introduction,
        status: s.status.as_str().to_owned(),
        responses: s.responses,
        created_at: s.created_at,
        opened_at: s.opened_at,
        closed_at: s.closed_at,
        questions: s.questions.into_iter().map(Into::into).collect(),
    }
}

/// A survey in a list.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct SurveySummaryBody {
    pub id: i64,
    pub title: String,
    /// draft, open or closed.
    pub status: String,
    pub responses: i64,
    pub created_at: DateTime<Utc>,
}

impl From<SurveySummary> for SurveySummaryBody {
    fn from(s: SurveySummary) -> Self {
        SurveySummaryBody {
            id: s.id,
            title: s.title,
            status: s.status.as_str().to_owned(),
            responses: s.responses,
            created_at: s.created_at,
        }
    }
}

/// A question as written.
#[derive(Debug, Object)]
pub struct SurveyQuestionInputBody {
    pub kind: OneOf<QuestionKind>,
    #[oai(validator(min_length = 1, max_length = 500))]
    pub prompt: String,
    /// False when absent.
    pub required: Option<bool>,
    /// An objective of the plan whose measure a rating or yes/no question informs.
    pub objective_id: Option<i32>,
    /// With an objective: a mean from 1 to 5 for a rating, a share of yes in percent
    /// (0 to 100) for yes/no.
    #[oai(validator(minimum(value = "0"), maximum(value = "100")))]
    pub target: Option<f64>,
}

impl From<SurveyQuestionInputBody> for QuestionInput {
    fn from(b: SurveyQuestionInputBody) -> Self {
        QuestionInput {
            kind: Some(b.kind.into_string()),
            prompt: Some(b.prompt),
            required: b.required,
            objective_id: b.objective_id,
            target: b.target,
        }
    }
}

/// A survey to write: a draft, with its questions in order.
#[derive(Debug, Object)]
pub struct NewSurveyBody {
    #[oai(validator(min_length = 1, max_length = 200))]
    pub title: String,
    #[oai(validator(max_length = 2000))]
    pub introduction: Option<String>,
    #[oai(default, validator(max_items = 30))]
    pub questions: Vec<SurveyQuestionInputBody>,
}

/// Changes to a survey; absent fields stay as they are. The status moves from draft to
/// open to closed.
#[derive(Debug, Object)]
pub struct SurveyChangesBody {
    #[oai(validator(min_length = 1, max_length = 200))]
    pub title: Option<String>,
    #[oai(validator(max_length = 2000))]
    pub introduction: Option<String>,
    pub status: Option<OneOf<SurveyStatus>>,
}

/// The whole ordered list of questions.
#[derive(Debug, Object)]
pub struct SurveyQuestionsBody {
    #[oai(validator(max_items = 30))]
    pub questions: Vec<SurveyQuestionInputBody>,
}

/// One invitation to make.
#[derive(Debug, Object)]
pub struct InvitationRequestBody {
    /// The active staff member who served the client; a compliment is for them.
    pub staff_id: Option<i32>,
}

/// Invitations to make in one batch.
#[derive(Debug, Object)]
pub struct NewInvitationsBody {
    #[oai(validator(min_items = 1, max_items = 500))]
    pub invitations: Vec<InvitationRequestBody>,
}

/// An invitation.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct InvitationBody {
    pub id: i64,
    pub survey_id: i64,
    pub staff: Option<PersonRefBody>,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    /// waiting, answered, withdrawn or expired.
    pub state: String,
    /// The address to send the client: given once, when the invitation is made (only a
    /// digest of its token is kept).
    pub url: Option<String>,
}

fn invitation_body(i: Invitation, url: Option<String>) -> InvitationBody {
    InvitationBody {
        id: i.id,
        survey_id: i.survey_id,
        staff: i.staff.map(Into::into),
        created_at: i.created_at,
        expires_at: i.expires_at,
        state: i.state.as_str().to_owned(),
        url,
    }
}

fn new_invitation_body(n: NewInvitation, site: &str) -> InvitationBody {
    let url = n.url(site);
    invitation_body(n.invitation, Some(url))
}

/// One question's figures over a month, or over all of them.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct SurveyFiguresBody {
    /// YYYY-MM; absent for all months together.
    pub month: Option<String>,
    /// Answers behind the figures.
    pub responses: i64,
    /// Rating: the mean, 1 to 5.
    pub mean: Option<f64>,
    /// Rating: how many gave 1, 2, 3, 4 and 5.
    pub distribution: Vec<i64>,
    /// Yes/no: the share of yes, in percent.
    pub yes_share: Option<f64>,
    pub yes: i64,
    pub no: i64,
}

fn figures_body(f: &MonthFigures) -> SurveyFiguresBody {
    SurveyFiguresBody {
        month: f.month.map(|m| m.format("%Y-%m").to_string()),
        responses: f.responses,
        mean: f.mean(),
        distribution: f.distribution.to_vec(),
        yes_share: f.yes_share(),
        yes: f.yes,
        no: f.no,
    }
}

/// A free-text answer.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct SurveyTextAnswerBody {
    pub id: i64,
    pub submitted_at: DateTime<Utc>,
    pub text: String,
    /// Staff and advisors see it.
    pub released: bool,
    /// Why the cio hid it (seen by the cio only).
    pub hidden_reason: Option<String>,
}

/// A question's results.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct SurveyQuestionResultsBody {
    pub question: SurveyQuestionBody,
    pub total: SurveyFiguresBody,
    pub months: Vec<SurveyFiguresBody>,
    /// Free text the caller may see, newest first.
    pub texts: Vec<SurveyTextAnswerBody>,
    /// Free-text answers not shown to the caller (not released yet, or hidden).
    pub texts_withheld: i64,
}

impl From<QuestionResults> for SurveyQuestionResultsBody {
    fn from(q: QuestionResults) -> Self {
        SurveyQuestionResultsBody {
            total: figures_body(&q.total),
            months: q.months.iter().map(figures_body).collect(),
            question: q.question.into(),
            texts: q
                .texts
                .into_iter()
                .map(|t| SurveyTextAnswerBody {
                    id: t.id,
                    submitted_at: t.submitted_at,
                    text: t.text,
                    released: t.released,
                    hidden_reason: t.hidden_reason,
                })
                .collect(),
            texts_withheld: q.texts_withheld,
        }
    }
}

/// Invitations sent and what became of them.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct SurveyInvitationFiguresBody {
    pub sent: i64,
    pub answered: i64,
    pub waiting: i64,
    pub withdrawn: i64,
    pub expired: i64,
    /// Answered of those sent and not withdrawn, in percent.
    pub response_rate: Option<f64>,
}

impl From<&InvitationFigures> for SurveyInvitationFiguresBody {
    fn from(f: &InvitationFigures) -> Self {
        SurveyInvitationFiguresBody {
            sent: f.sent,
            answered: f.answered,
            waiting: f.waiting,
            withdrawn: f.withdrawn,
            expired: f.expired,
            response_rate: f.rate(),
        }
    }
}

/// A month of responses and invitations.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct SurveyMonthBody {
    /// YYYY-MM.
    pub month: String,
    pub responses: i64,
    /// Responses through an invitation.
    pub invited: i64,
    /// Invitations made that month.
    pub invitations: SurveyInvitationFiguresBody,
}

impl From<ResponseMonth> for SurveyMonthBody {
    fn from(m: ResponseMonth) -> Self {
        SurveyMonthBody {
            month: m.month.format("%Y-%m").to_string(),
            responses: m.responses,
            invited: m.invited,
            invitations: (&m.invitations).into(),
        }
    }
}

/// A survey's results.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct SurveyResultsBody {
    pub survey: SurveyBody,
    pub months: Vec<SurveyMonthBody>,
    pub invitations: SurveyInvitationFiguresBody,
    pub questions: Vec<SurveyQuestionResultsBody>,
}

fn results_body(r: Results, site: &str) -> SurveyResultsBody {
    SurveyResultsBody {
        invitations: (&r.invitations).into(),
        survey: survey_body(r.survey, site),
        months: r.months.into_iter().map(Into::into).collect(),
        questions: r.questions.into_iter().map(Into::into).collect(),
    }
}

#[derive(Debug, Object)]
pub struct HideAnswerBody {
    #[oai(validator(min_length = 1, max_length = 500))]
    pub reason: String,
}

#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct ReleasedBody {
    /// How many answers were released.
    pub released: u64,
}

/// A compliment a client left in a response.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct ClientComplimentBody {
    pub id: i64,
    pub survey_id: i64,
    pub survey_title: String,
    pub person: PersonRefBody,
    pub message: String,
    /// As the client gave it; empty when they did not.
    pub giver_name: String,
    pub giver_affiliation: String,
    /// waiting, posted or dismissed.
    pub status: String,
    pub created_at: DateTime<Utc>,
    /// The portal's compliment, once posted.
    pub compliment_id: Option<i64>,
}

impl From<ClientCompliment> for ClientComplimentBody {
    fn from(c: ClientCompliment) -> Self {
        ClientComplimentBody {
            id: c.id,
            survey_id: c.survey_id,
            survey_title: c.survey_title,
            person: c.person.into(),
            message: c.message,
            giver_name: c.giver_name,
            giver_affiliation: c.giver_affiliation,
            status: c.status.as_str().to_owned(),
            created_at: c.created_at,
            compliment_id: c.compliment_id,
        }
    }
}

/// The compliment as posted to the portal.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct PostedComplimentBody {
    /// The portal's compliment.
    pub compliment_id: i64,
    pub person: PersonRefBody,
    /// client_survey.
    pub channel: String,
}

pub struct FeedbackApi;

#[OpenApi(tag = "FeedbackTags::Feedback")]
impl FeedbackApi {
    /// The surveys the caller may see, the latest first: drafts are the cio's.
    #[oai(path = "/surveys", method = "get", operation_id = "list_surveys")]
    async fn list(
        &self,
        auth: BearerAuth,
        state: Data<&AppState>,
    ) -> ApiResult<Json<Vec<SurveySummaryBody>>> {
        let surveys = feedback::list(&state.db, &auth.0).await?;
        Ok(Json(surveys.into_iter().map(Into::into).collect()))
    }

    /// Write a survey (the cio): a draft with its questions in order.
    #[oai(path = "/surveys", method = "post", operation_id = "create_survey")]
    async fn create(
        &self,
        req: &Request,
        auth: BearerAuth,
        state: Data<&AppState>,
        body: JsonBody<NewSurveyBody>,
    ) -> ApiResult<Created<SurveyBody>> {
        let body = body.0;
        let survey = feedback::create(
            &state.db,
            &auth.0,
            SurveyInput {
                title: Some(body.title),
                introduction: body.introduction,
                status: None,
            },
            body.questions.into_iter().map(Into::into).collect(),
            Utc::now(),
        )
        .await?;
        Ok(Created::Created(Json(survey_body(
            survey,
            &site_address(&state, req),
        ))))
    }

    /// A survey with its questions.
    #[oai(path = "/surveys/:id", method = "get", operation_id = "get_survey")]
    async fn get(
        &self,
        req: &Request,
        auth: BearerAuth,
        state: Data<&AppState>,
        id: Path<i64>,
    ) -> ApiResult<Json<SurveyBody>> {
        let survey = feedback::get(&state.db, &auth.0, id.0).await?;
        Ok(Json(survey_body(survey, &site_address(&state, req))))
    }

    /// Change a survey's title, introduction or status (the cio): draft → open → closed.
    #[oai(
        path = "/surveys/:id",
        method = "patch",
        operation_id = "update_survey"
    )]
    async fn update(
        &self,
        req: &Request,
        auth: BearerAuth,
        state: Data<&AppState>,
        id: Path<i64>,
        body: JsonBody<SurveyChangesBody>,
    ) -> ApiResult<Json<SurveyBody>> {
        let body = body.0;
        let survey = feedback::update(
            &state.db,
            &auth.0,
            id.0,
            SurveyInput {
                title: body.title,
                introduction: body.introduction,
                status: body.status.map(OneOf::into_string),
            },
            Utc::now(),
        )
        .await?;
        Ok(Json(survey_body(survey, &site_address(&state, req))))
    }

    /// Replace a survey's questions, in order (the cio). Once the survey has responses its
    /// questions are frozen: 409.
    #[oai(
        path = "/surveys/:id/questions",
        method = "put",
        operation_id = "replace_survey_questions"
    )]
    async fn replace_questions(
        &self,
        req: &Request,
        auth: BearerAuth,
        state: Data<&AppState>,
        id: Path<i64>,
        body: JsonBody<SurveyQuestionsBody>,
    ) -> ApiResult<Json<SurveyBody>> {
        let questions = body.0.questions.into_iter().map(Into::into).collect();
        let survey = feedback::replace_questions(&state.db, &auth.0, id.0, questions).await?;
        Ok(Json(survey_body(survey, &site_address(&state, req))))
    }

    /// Make invitations in a batch (the cio, or a ticketing system with the cio's token):
    /// each URL is answered once and expires after the configured number of days. The
    /// URLs are in this answer only.
    #[oai(
        path = "/surveys/:id/invitations",
        method = "post",
        operation_id = "create_survey_invitations"
    )]
    async fn invite(
        &self,
        req: &Request,
        auth: BearerAuth,
        state: Data<&AppState>,
        id: Path<i64>,
        body: JsonBody<NewInvitationsBody>,
    ) -> ApiResult<Created<Vec<InvitationBody>>> {
        let batch = body
            .0
            .invitations
            .into_iter()
            .map(|i| InvitationInput {
                staff_id: i.staff_id,
            })
            .collect();
        let made = feedback::invite(
            &state.db,
            &auth.0,
            id.0,
            batch,
            state.settings.survey_invitation_days,
            Utc::now(),
        )
        .await?;
        let site = site_address(&state, req);
        Ok(Created::Created(Json(
            made.into_iter()
                .map(|n| new_invitation_body(n, &site))
                .collect(),
        )))
    }

    /// Withdraw an invitation (the request was reopened): it then answers as withdrawn.
    /// One already answered cannot be withdrawn (409).
    #[oai(
        path = "/survey-invitations/:id/withdraw",
        method = "post",
        operation_id = "withdraw_survey_invitation"
    )]
    async fn withdraw(
        &self,
        auth: BearerAuth,
        state: Data<&AppState>,
        id: Path<i64>,
    ) -> ApiResult<Json<InvitationBody>> {
        let invitation = feedback::withdraw(&state.db, &auth.0, id.0, Utc::now()).await?;
        Ok(Json(invitation_body(invitation, None)))
    }

    /// A survey's results per question and month, with the invitations' response rate.
    /// Free text is shown to staff and advisors only once the cio has released it.
    #[oai(
        path = "/surveys/:id/results",
        method = "get",
        operation_id = "get_survey_results"
    )]
    async fn results(
        &self,
        req: &Request,
        auth: BearerAuth,
        state: Data<&AppState>,
        id: Path<i64>,
    ) -> ApiResult<Json<SurveyResultsBody>> {
        let results = feedback::results(&state.db, &auth.0, id.0, Utc::now()).await?;
        Ok(Json(results_body(results, &site_address(&state, req))))
    }

    /// Hide a free-text answer from everyone but the cio, with a reason.
    #[oai(
        path = "/survey-answers/:id/hide",
        method = "post",
        operation_id = "hide_survey_answer"
    )]
    async fn hide(
        &self,
        auth: BearerAuth,
        state: Data<&AppState>,
        id: Path<i64>,
        body: JsonBody<HideAnswerBody>,
    ) -> ApiResult<Done> {
        feedback::hide_answer(&state.db, &auth.0, id.0, Some(&body.0.reason), Utc::now()).await?;
        Ok(Done::NoContent)
    }

    /// Release a free-text answer to staff and advisors.
    #[oai(
        path = "/survey-answers/:id/release",
        method = "post",
        operation_id = "release_survey_answer"
    )]
    async fn release(
        &self,
        auth: BearerAuth,
        state: Data<&AppState>,
        id: Path<i64>,
    ) -> ApiResult<Done> {
        feedback::release_answer(&state.db, &auth.0, id.0, Utc::now()).await?;
        Ok(Done::NoContent)
    }

    /// Release every free-text answer of a survey that is neither released nor hidden.
    #[oai(
        path = "/surveys/:id/release-free-text",
        method = "post",
        operation_id = "release_survey_free_text"
    )]
    async fn release_all(
        &self,
        auth: BearerAuth,
        state: Data<&AppState>,
        id: Path<i64>,
    ) -> ApiResult<Json<ReleasedBody>> {
        let released = feedback::release_all(&state.db, &auth.0, id.0, Utc::now()).await?;
        Ok(Json(ReleasedBody { released }))
    }

    /// The compliments from clients waiting for the cio, oldest first.
    #[oai(
        path = "/survey-compliments",
        method = "get",
        operation_id = "list_survey_compliments"
    )]
    async fn queue(
        &self,
        auth: BearerAuth,
        state: Data<&AppState>,
    ) -> ApiResult<Json<Vec<ClientComplimentBody>>> {
        let queue = feedback::compliment_queue(&state.db, &auth.0).await?;
        Ok(Json(queue.into_iter().map(Into::into).collect()))
    }

    /// Post a client's compliment to the portal (channel "client survey"). Once only: a
    /// compliment already posted or dismissed is a 409.
    #[oai(
        path = "/survey-compliments/:id/post",
        method = "post",
        operation_id = "post_survey_compliment"
    )]
    async fn post(
        &self,
        auth: BearerAuth,
        state: Data<&AppState>,
        id: Path<i64>,
    ) -> ApiResult<Json<PostedComplimentBody>> {
        let posted = feedback::post_client_compliment(&state.db, &auth.0, id.0, Utc::now()).await?;
        Ok(Json(PostedComplimentBody {
            compliment_id: posted.id,
            person: posted.person.into(),
            channel: posted.channel.as_str().to_owned(),
        }))
    }

    /// Dismiss a client's compliment: it never reaches the portal.
    #[oai(
        path = "/survey-compliments/:id/dismiss",
        method = "post",
        operation_id = "dismiss_survey_compliment"
    )]
    async fn dismiss(
        &self,
        auth: BearerAuth,
        state: Data<&AppState>,
        id: Path<i64>,
    ) -> ApiResult<Json<ClientComplimentBody>> {
        let dismissed =
            feedback::dismiss_client_compliment(&state.db, &auth.0, id.0, Utc::now()).await?;
        Ok(Json(dismissed.into()))
    }
}
