//! The meeting endpoints: meetings and their status, the agenda and its order, timing,
//! outcomes, the question bank and templates. Times are RFC 3339 with an offset; answers
//! give them with the offset of the meeting's time zone.

use chrono::{DateTime, FixedOffset, Utc};
use chrono_tz::Tz;
use poem::web::Data;
use poem_openapi::{Object, OpenApi, Tags, param::Path, payload::Json, types::MaybeUndefined};

use crate::{
    api::{ApiResult, BearerAuth, Created, Date, Done, JsonBody, Nullable, OneOf},
    app::AppState,
    error::AppError,
    goals::api::ObjectiveRefBody,
    meetings::{
        self, Item, ItemInput, Meeting, MeetingInput, MeetingKind, StartInput,
        agenda::{self, Agenda, Budget, ItemKind, Mark},
        bank,
        outcomes::{self, ActionInput, ActionItem, OutcomeInput, PointKind},
        templates::{self, TemplateChoice},
    },
    people::api::PersonRefBody,
    summaries::{
        api::{SummaryBody, summary_body},
        review,
    },
    validate::Word,
};

#[derive(Tags)]
enum MeetingTags {
    /// Quarterly meetings and the retreat: agendas, timing, outcomes, the question bank.
    /// Drafts are seen by the cio and the facilitator only; published and held meetings
    /// by everyone signed in.
    Meetings,
}

fn offset(at: DateTime<Utc>, zone: Tz) -> DateTime<FixedOffset> {
    at.with_timezone(&zone).fixed_offset()
}

/// A meeting.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct MeetingBody {
    pub id: i64,
    /// quarterly, retreat or other.
    pub kind: String,
    pub title: String,
    /// RFC 3339, with the offset of the meeting's time zone at that instant.
    pub starts_at: DateTime<FixedOffset>,
    /// The start plus the duration.
    pub ends_at: DateTime<FixedOffset>,
    /// The IANA time zone its clock times are in.
    pub time_zone: String,
    /// 15 to 720.
    pub duration_minutes: i32,
    pub location: String,
    pub facilitator: Option<PersonRefBody>,
    /// draft, published, held or cancelled.
    pub status: String,
    /// Grows with every change a calendar should see.
    pub sequence: i32,
    pub published_at: Option<DateTime<Utc>>,
    pub held_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<Meeting> for MeetingBody {
    fn from(m: Meeting) -> Self {
        MeetingBody {
            starts_at: offset(m.starts_at, m.zone),
            ends_at: offset(m.ends_at(), m.zone),
            time_zone: m.zone.name().to_owned(),
            id: m.id,
            kind: m.kind.as_str().to_owned(),
            title: m.title,
            duration_minutes: m.duration_minutes,
            location: m.location,
            facilitator: m.facilitator.map(Into::into),
            status: m.status.as_str().to_owned(),
            sequence: m.sequence,
            published_at: m.published_at,
            held_at: m.held_at,
            created_at: m.created_at,
            updated_at: m.updated_at,
        }
    }
}

/// An agenda item, on the clock.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct MeetingItemBody {
    pub id: i64,
    pub meeting_id: i64,
    /// 0 for the first item; contiguous.
    pub position: i32,
    /// question, review, planning, ideas, recognition, guest, break or other.
    pub kind: String,
    pub title: String,
    pub prompt: String,
    /// 1 to 480.
    pub planned_minutes: i32,
    /// When it is planned to start, from the meeting's start and the items before it.
    pub planned_start: DateTime<FixedOffset>,
    pub planned_end: DateTime<FixedOffset>,
    pub owner: Option<PersonRefBody>,
    pub guest_name: Option<String>,
    pub guest_department: Option<String>,
    pub objective: Option<ObjectiveRefBody>,
    /// A value of the plan it discusses.
    pub value_name: Option<String>,
    /// The question of the bank it asks.
    pub question_id: Option<i64>,
    pub started_at: Option<DateTime<Utc>>,
    pub ended_at: Option<DateTime<Utc>>,
    pub notes: String,
    pub agreements: Vec<String>,
    pub disagreements: Vec<String>,
    pub decisions: Vec<String>,
    /// Not reached, and offered to the next meeting of the same kind.
    pub deferred: bool,
}

fn some_text(s: String) -> Option<String> {
    (!s.is_empty()).then_some(s)
}

impl From<Item> for MeetingItemBody {
    fn from(i: Item) -> Self {
        let texts = |kind| i.points_of(kind).into_iter().map(str::to_owned).collect();
        MeetingItemBody {
            agreements: texts(PointKind::Agreement),
            disagreements: texts(PointKind::Disagreement),
            decisions: texts(PointKind::Decision),
            id: i.id,
            meeting_id: i.meeting_id,
            position: i.position,
            kind: i.kind.as_str().to_owned(),
            title: i.title,
            prompt: i.prompt,
            planned_minutes: i.planned_minutes,
            planned_start: i.planned_start.fixed_offset(),
            planned_end: i.planned_end.fixed_offset(),
            owner: i.owner.map(Into::into),
            guest_name: some_text(i.guest_name),
            guest_department: some_text(i.guest_department),
            objective: i.objective.map(|o| ObjectiveRefBody {
                id: o.id,
                code: o.code,
                title: o.title,
            }),
            value_name: i.value_name,
            question_id: i.question_id,
            started_at: i.started_at,
            ended_at: i.ended_at,
            notes: i.notes,
            deferred: i.deferred_at.is_some(),
        }
    }
}

/// Where the time goes.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct AgendaBudgetBody {
    /// The items' minutes added up.
    pub planned_minutes: i64,
    pub duration_minutes: i32,
    /// Minutes left after the last item; negative when the agenda overruns.
    pub left_minutes: i64,
    /// Minutes the agenda overruns the meeting; 0 when it fits.
    pub over_minutes: i64,
    /// The planned end of the last item.
    pub planned_end: DateTime<FixedOffset>,
    /// Once items are timed: minutes behind the plan (negative: ahead).
    pub late_minutes: Option<i64>,
    /// The end the agenda now points at, lateness included.
    pub projected_end: DateTime<FixedOffset>,
}

impl From<Budget> for AgendaBudgetBody {
    fn from(b: Budget) -> Self {
        AgendaBudgetBody {
            over_minutes: b.over_minutes(),
            planned_minutes: b.planned_minutes,
            duration_minutes: b.duration_minutes,
            left_minutes: b.left_minutes,
            planned_end: b.planned_end.fixed_offset(),
            late_minutes: b.late_minutes,
            projected_end: b.projected_end.fixed_offset(),
        }
    }
}

/// An action item.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct MeetingActionBody {
    pub id: i64,
    pub meeting_id: i64,
    pub item_id: Option<i64>,
    pub text: String,
    pub owner: PersonRefBody,
    pub due_on: Option<Date>,
    pub done_at: Option<DateTime<Utc>>,
    /// The proposed goal it became.
    pub goal_id: Option<i32>,
}

impl From<ActionItem> for MeetingActionBody {
    fn from(a: ActionItem) -> Self {
        MeetingActionBody {
            id: a.id,
            meeting_id: a.meeting_id,
            item_id: a.item_id,
            text: a.text,
            owner: a.owner.into(),
            due_on: a.due_on.map(Date),
            done_at: a.done_at,
            goal_id: a.goal_id,
        }
    }
}

/// A meeting with its agenda, its time budget and what came out of it.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct AgendaBody {
    #[oai(flatten)]
    pub meeting: MeetingBody,
    pub items: Vec<MeetingItemBody>,
    pub budget: AgendaBudgetBody,
    pub actions: Vec<MeetingActionBody>,
    /// Open action items of earlier meetings of the same kind.
    pub open_actions: Vec<MeetingActionBody>,
    /// Items deferred from earlier meetings of the same kind, waiting to be taken up.
    pub backlog: Vec<MeetingItemBody>,
    pub attendees: Vec<PersonRefBody>,
    /// A retreat with a review item: the year in review, the summary of the twelve
    /// months before the retreat beside the twelve before those, as on the meeting's page
    /// and its printable agenda. It shows what a reader who knows nobody one by one sees
    /// (figures about fewer than k people are withheld for every reader, the cio too),
    /// since the agenda travels. Absent for every other meeting.
    pub year_in_review: Option<SummaryBody>,
}

impl From<Agenda> for AgendaBody {
    fn from(a: Agenda) -> Self {
        AgendaBody {
            meeting: a.meeting.into(),
            items: a.items.into_iter().map(Into::into).collect(),
            budget: a.budget.into(),
            actions: a.actions.into_iter().map(Into::into).collect(),
            open_actions: a.open_actions.into_iter().map(Into::into).collect(),
            backlog: a.backlog.into_iter().map(Into::into).collect(),
            attendees: a.attendees.into_iter().map(Into::into).collect(),
            year_in_review: None,
        }
    }
}

/// A meeting to plan.
#[derive(Debug, Object)]
pub struct NewMeetingBody {
    pub kind: OneOf<MeetingKind>,
    #[oai(validator(min_length = 1, max_length = 200))]
    pub title: String,
    /// RFC 3339 with an offset, e.g. 2027-03-04T09:00:00+01:00; stored as an instant.
    pub starts_at: DateTime<FixedOffset>,
    /// 240 for a quarterly meeting, 420 for a retreat and 120 otherwise when absent.
    #[oai(validator(minimum(value = "15"), maximum(value = "720")))]
    pub duration_minutes: Option<i64>,
    #[oai(validator(max_length = 200))]
    pub location: Option<String>,
    /// An active member of the department (not an advisor).
    pub facilitator_id: Option<i32>,
    /// "builtin" for the kind's built-in agenda (quarterly or retreat), or the id of a
    /// saved template; no agenda when absent.
    pub template: Option<String>,
}

/// Changes to a meeting; absent fields stay as they are. `facilitator_id: null` removes
/// the facilitator.
#[derive(Debug, Object)]
pub struct MeetingChangesBody {
    pub kind: Option<OneOf<MeetingKind>>,
    #[oai(validator(min_length = 1, max_length = 200))]
    pub title: Option<String>,
    /// RFC 3339 with an offset.
    pub starts_at: Option<DateTime<FixedOffset>>,
    #[oai(validator(minimum(value = "15"), maximum(value = "720")))]
    pub duration_minutes: Option<i64>,
    #[oai(validator(max_length = 200))]
    pub location: Option<String>,
    /// An active member of the department (not an advisor).
    pub facilitator_id: Nullable<i32>,
}

/// An agenda item, whole: an absent or `null` owner, objective, value or question is
/// none.
#[derive(Debug, Object)]
pub struct MeetingItemInputBody {
    pub kind: OneOf<ItemKind>,
    /// Taken from the question when absent and `question_id` is given.
    #[oai(validator(max_length = 200))]
    pub title: Option<String>,
    #[oai(validator(max_length = 2000))]
    pub prompt: Option<String>,
    #[oai(validator(minimum(value = "1"), maximum(value = "480")))]
    pub planned_minutes: i64,
    /// An active member of the department.
    pub owner_id: Nullable<i32>,
    /// Required for a guest item.
    #[oai(validator(max_length = 200))]
    pub guest_name: Option<String>,
    #[oai(validator(max_length = 200))]
    pub guest_department: Option<String>,
    /// An objective of the plan that is not retired.
    pub objective_id: Nullable<i32>,
    /// One of the active plan's values.
    pub value_name: Nullable<String>,
    /// A question of the bank.
    pub question_id: Nullable<i64>,
}

fn given<T>(field: Nullable<T>) -> Option<T> {
    match field.0 {
        MaybeUndefined::Value(value) => Some(value),
        MaybeUndefined::Null | MaybeUndefined::Undefined => None,
    }
}

impl From<MeetingItemInputBody> for ItemInput {
    fn from(b: MeetingItemInputBody) -> Self {
        ItemInput {
            kind: Some(b.kind.into_string()),
            title: b.title,
            prompt: b.prompt,
            planned_minutes: Some(b.planned_minutes),
            owner_id: given(b.owner_id),
            guest_name: b.guest_name,
            guest_department: b.guest_department,
            objective_id: given(b.objective_id),
            value_name: given(b.value_name),
            question_id: given(b.question_id),
        }
    }
}

#[derive(Debug, Object)]
pub struct MeetingItemMoveBody {
    /// The new place, 0 for the first; at most the number of items less one.
    #[oai(validator(minimum(value = "0")))]
    pub position: i64,
}

#[derive(Debug, Object)]
pub struct MeetingItemTimeBody {
    /// RFC 3339 with an offset; now when absent.
    pub at: Option<DateTime<FixedOffset>>,
}

#[derive(Debug, Object)]
pub struct MeetingOutcomeBody {
    #[oai(validator(max_length = 10000))]
    pub notes: Option<String>,
    /// One point per entry.
    #[oai(default)]
    pub agreements: Vec<String>,
    #[oai(default)]
    pub disagreements: Vec<String>,
    #[oai(default)]
    pub decisions: Vec<String>,
}

#[derive(Debug, Object)]
pub struct MeetingActionInputBody {
    #[oai(validator(min_length = 1, max_length = 500))]
    pub text: String,
    /// An active member of the department.
    pub owner_id: i32,
    pub due_on: Option<Date>,
    /// An item of this meeting's agenda.
    pub item_id: Option<i64>,
}

#[derive(Debug, Object)]
pub struct GoalFromActionBody {
    /// An objective of the current cycle's plan.
    pub objective_id: i32,
}

#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct ActionGoalBody {
    pub goal_id: i32,
}

#[derive(Debug, Object)]
pub struct MeetingAttendanceBody {
    pub person_ids: Vec<i32>,
}

#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct MeetingDeferredBody {
    /// How many items were deferred.
    pub deferred: u64,
}

#[derive(Debug, Object)]
pub struct MeetingTakeUpBody {
    /// A deferred item of the meeting's backlog.
    pub item_id: i64,
}

/// A question of the bank.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct MeetingQuestionBody {
    pub id: i64,
    pub prompt: String,
    /// How many published or held meetings asked it.
    pub times_asked: i64,
    /// The start of the latest of them.
    pub last_asked: Option<DateTime<Utc>>,
}

impl From<bank::Question> for MeetingQuestionBody {
    fn from(q: bank::Question) -> Self {
        MeetingQuestionBody {
            id: q.id,
            prompt: q.prompt,
            times_asked: q.times_asked,
            last_asked: q.last_asked,
        }
    }
}

#[derive(Debug, Object)]
pub struct MeetingQuestionInputBody {
    #[oai(validator(min_length = 1, max_length = 500))]
    pub prompt: String,
}

/// What one meeting recorded under a question.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct MeetingAnswerBody {
    pub meeting_id: i64,
    pub meeting_title: String,
    pub starts_at: DateTime<Utc>,
    pub agreements: Vec<String>,
    pub disagreements: Vec<String>,
    pub decisions: Vec<String>,
}

/// A question and its answers, meeting by meeting, oldest first.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct QuestionEvolutionBody {
    pub question: MeetingQuestionBody,
    pub answers: Vec<MeetingAnswerBody>,
}

#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct MeetingTemplateBody {
    pub id: i64,
    pub name: String,
    /// quarterly, retreat or other.
    pub kind: String,
}

#[derive(Debug, Object)]
pub struct MeetingSaveTemplateBody {
    #[oai(validator(min_length = 1, max_length = 200))]
    pub name: String,
}

/// A meeting's agenda, with a retreat's year in review (the same service function as the
/// meeting's page).
async fn agenda_body(state: &AppState, auth: &BearerAuth, id: i64) -> ApiResult<AgendaBody> {
    let agenda = agenda::agenda(&state.db, &auth.0, id).await?;
    let review = match agenda.year_in_review_start() {
        Some(start) => Some(summary_body(
            &review::year_in_review(&state.db, &auth.0, start, state.settings.privacy_k).await?,
        )),
        None => None,
    };
    let mut body = AgendaBody::from(agenda);
    body.year_in_review = review;
    Ok(body)
}

pub struct MeetingsApi;

#[OpenApi(tag = "MeetingTags::Meetings")]
impl MeetingsApi {
    /// The meetings the caller may see, the latest first.
    #[oai(path = "/meetings", method = "get", operation_id = "list_meetings")]
    async fn list(
        &self,
        auth: BearerAuth,
        state: Data<&AppState>,
    ) -> ApiResult<Json<Vec<MeetingBody>>> {
        let meetings = meetings::list(&state.db, &auth.0).await?;
        Ok(Json(meetings.into_iter().map(Into::into).collect()))
    }

    /// Plan a meeting (the cio): a draft in the department's time zone, with the built-in
    /// or a saved agenda when `template` says so.
    #[oai(path = "/meetings", method = "post", operation_id = "create_meeting")]
    async fn create(
        &self,
        auth: BearerAuth,
        state: Data<&AppState>,
        body: JsonBody<NewMeetingBody>,
    ) -> ApiResult<Created<AgendaBody>> {
        let body = body.0;
        let template = TemplateChoice::parse(body.template.as_deref())
            .map_err(|m| AppError::invalid("template", m))?;
        let input = MeetingInput {
            kind: Some(body.kind.into_string()),
            title: Some(body.title),
            start: Some(StartInput::Instant(body.starts_at)),
            duration_minutes: body.duration_minutes,
            location: body.location,
            facilitator_id: Some(body.facilitator_id),
        };
        let meeting =
            meetings::create(&state.db, &auth.0, state.settings.zone(), input, template).await?;
        Ok(Created::Created(Json(
            agenda_body(&state, &auth, meeting.id).await?,
        )))
    }

    /// A meeting with its agenda on the clock, its time budget and its outcomes.
    #[oai(path = "/meetings/:id", method = "get", operation_id = "get_meeting")]
    async fn get(
        &self,
        auth: BearerAuth,
        state: Data<&AppState>,
        id: Path<i64>,
    ) -> ApiResult<Json<AgendaBody>> {
        Ok(Json(agenda_body(&state, &auth, id.0).await?))
    }

    /// Change a draft or published meeting's own fields (the cio). A published meeting
    /// whose agenda would no longer fit is refused with 422.
    #[oai(
        path = "/meetings/:id",
        method = "patch",
        operation_id = "update_meeting"
    )]
    async fn update(
        &self,
        auth: BearerAuth,
        state: Data<&AppState>,
        id: Path<i64>,
        body: JsonBody<MeetingChangesBody>,
    ) -> ApiResult<Json<MeetingBody>> {
        let body = body.0;
        let input = MeetingInput {
            kind: body.kind.map(OneOf::into_string),
            title: body.title,
            start: body.starts_at.map(StartInput::Instant),
            duration_minutes: body.duration_minutes,
            location: body.location,
            facilitator_id: match body.facilitator_id.0 {
                MaybeUndefined::Undefined => None,
                MaybeUndefined::Null => Some(None),
                MaybeUndefined::Value(id) => Some(Some(id)),
            },
        };
        Ok(Json(
            meetings::update(&state.db, &auth.0, id.0, input)
                .await?
                .into(),
        ))
    }

    /// Publish a draft (the cio). 422 naming the overrun when the agenda does not fit.
    #[oai(
        path = "/meetings/:id/publish",
        method = "post",
        operation_id = "publish_meeting"
    )]
    async fn publish(
        &self,
        auth: BearerAuth,
        state: Data<&AppState>,
        id: Path<i64>,
    ) -> ApiResult<Json<MeetingBody>> {
        Ok(Json(
            meetings::publish(&state.db, &auth.0, id.0).await?.into(),
        ))
    }

    /// Cancel a draft or published meeting (the cio).
    #[oai(
        path = "/meetings/:id/cancel",
        method = "post",
        operation_id = "cancel_meeting"
    )]
    async fn cancel(
        &self,
        auth: BearerAuth,
        state: Data<&AppState>,
        id: Path<i64>,
    ) -> ApiResult<Json<MeetingBody>> {
        Ok(Json(
            meetings::cancel(&state.db, &auth.0, id.0).await?.into(),
        ))
    }

    /// Mark a published meeting held (the cio or its facilitator), once it has started.
    #[oai(
        path = "/meetings/:id/hold",
        method = "post",
        operation_id = "hold_meeting"
    )]
    async fn hold(
        &self,
        auth: BearerAuth,
        state: Data<&AppState>,
        id: Path<i64>,
    ) -> ApiResult<Json<MeetingBody>> {
        Ok(Json(
            meetings::hold(&state.db, &auth.0, id.0, Utc::now())
                .await?
                .into(),
        ))
    }

    /// Add an item at the end of the agenda (the cio or the facilitator).
    #[oai(
        path = "/meetings/:id/items",
        method = "post",
        operation_id = "add_meeting_item"
    )]
    async fn add_item(
        &self,
        auth: BearerAuth,
        state: Data<&AppState>,
        id: Path<i64>,
        body: JsonBody<MeetingItemInputBody>,
    ) -> ApiResult<Created<AgendaBody>> {
        agenda::add_item(&state.db, &auth.0, id.0, body.0.into()).await?;
        Ok(Created::Created(Json(
            agenda_body(&state, &auth, id.0).await?,
        )))
    }

    /// Replace an agenda item's fields (the cio or the facilitator).
    #[oai(
        path = "/meeting-items/:id",
        method = "put",
        operation_id = "update_meeting_item"
    )]
    async fn update_item(
        &self,
        auth: BearerAuth,
        state: Data<&AppState>,
        id: Path<i64>,
        body: JsonBody<MeetingItemInputBody>,
    ) -> ApiResult<Json<AgendaBody>> {
        agenda::update_item(&state.db, &auth.0, id.0, body.0.into()).await?;
        let meeting = agenda::meeting_of_item(&state.db, &auth.0, id.0).await?;
        Ok(Json(agenda_body(&state, &auth, meeting).await?))
    }

    /// Remove an agenda item; the items after it move up.
    #[oai(
        path = "/meeting-items/:id",
        method = "delete",
        operation_id = "delete_meeting_item"
    )]
    async fn delete_item(
        &self,
        auth: BearerAuth,
        state: Data<&AppState>,
        id: Path<i64>,
    ) -> ApiResult<Json<AgendaBody>> {
        let meeting = agenda::delete_item(&state.db, &auth.0, id.0).await?;
        Ok(Json(agenda_body(&state, &auth, meeting).await?))
    }

    /// Move an agenda item to another position; positions stay contiguous.
    #[oai(
        path = "/meeting-items/:id/move",
        method = "post",
        operation_id = "move_meeting_item"
    )]
    async fn move_item(
        &self,
        auth: BearerAuth,
        state: Data<&AppState>,
        id: Path<i64>,
        body: JsonBody<MeetingItemMoveBody>,
    ) -> ApiResult<Json<AgendaBody>> {
        let meeting = agenda::move_item(&state.db, &auth.0, id.0, body.position).await?;
        Ok(Json(agenda_body(&state, &auth, meeting).await?))
    }

    /// Record when an item actually started (during a published meeting).
    #[oai(
        path = "/meeting-items/:id/start",
        method = "post",
        operation_id = "start_meeting_item"
    )]
    async fn start_item(
        &self,
        auth: BearerAuth,
        state: Data<&AppState>,
        id: Path<i64>,
        body: JsonBody<MeetingItemTimeBody>,
    ) -> ApiResult<Json<AgendaBody>> {
        let at = body.at.map_or_else(Utc::now, |t| t.with_timezone(&Utc));
        let meeting = agenda::mark_time(&state.db, &auth.0, id.0, Mark::Start, at).await?;
        Ok(Json(agenda_body(&state, &auth, meeting).await?))
    }

    /// Record when an item actually ended.
    #[oai(
        path = "/meeting-items/:id/end",
        method = "post",
        operation_id = "end_meeting_item"
    )]
    async fn end_item(
        &self,
        auth: BearerAuth,
        state: Data<&AppState>,
        id: Path<i64>,
        body: JsonBody<MeetingItemTimeBody>,
    ) -> ApiResult<Json<AgendaBody>> {
        let at = body.at.map_or_else(Utc::now, |t| t.with_timezone(&Utc));
        let meeting = agenda::mark_time(&state.db, &auth.0, id.0, Mark::End, at).await?;
        Ok(Json(agenda_body(&state, &auth, meeting).await?))
    }

    /// Defer every item the meeting did not reach to the next meeting of its kind.
    #[oai(
        path = "/meetings/:id/defer",
        method = "post",
        operation_id = "defer_meeting_items"
    )]
    async fn defer(
        &self,
        auth: BearerAuth,
        state: Data<&AppState>,
        id: Path<i64>,
    ) -> ApiResult<Json<MeetingDeferredBody>> {
        let deferred = agenda::defer_unreached(&state.db, &auth.0, id.0).await?;
        Ok(Json(MeetingDeferredBody { deferred }))
    }

    /// Put a deferred item of the backlog at the end of this meeting's agenda.
    #[oai(
        path = "/meetings/:id/backlog",
        method = "post",
        operation_id = "take_up_meeting_item"
    )]
    async fn take_up(
        &self,
        auth: BearerAuth,
        state: Data<&AppState>,
        id: Path<i64>,
        body: JsonBody<MeetingTakeUpBody>,
    ) -> ApiResult<Json<AgendaBody>> {
        agenda::take_up(&state.db, &auth.0, id.0, body.item_id).await?;
        Ok(Json(agenda_body(&state, &auth, id.0).await?))
    }

    /// Record an item's outcome (replacing it): notes, and one entry per agreement,
    /// disagreement and decision.
    #[oai(
        path = "/meeting-items/:id/outcome",
        method = "put",
        operation_id = "record_meeting_outcome"
    )]
    async fn outcome(
        &self,
        auth: BearerAuth,
        state: Data<&AppState>,
        id: Path<i64>,
        body: JsonBody<MeetingOutcomeBody>,
    ) -> ApiResult<Json<AgendaBody>> {
        let body = body.0;
        let input = OutcomeInput {
            notes: body.notes,
            agreements: body.agreements,
            disagreements: body.disagreements,
            decisions: body.decisions,
        };
        let meeting = outcomes::record_outcome(&state.db, &auth.0, id.0, input).await?;
        Ok(Json(agenda_body(&state, &auth, meeting).await?))
    }

    /// Record an action item (the cio or the facilitator).
    #[oai(
        path = "/meetings/:id/actions",
        method = "post",
        operation_id = "add_meeting_action"
    )]
    async fn add_action(
        &self,
        auth: BearerAuth,
        state: Data<&AppState>,
        id: Path<i64>,
        body: JsonBody<MeetingActionInputBody>,
    ) -> ApiResult<Created<AgendaBody>> {
        let body = body.0;
        let input = ActionInput {
            text: Some(body.text),
            owner_id: Some(body.owner_id),
            due_on: body.due_on.map(|d| d.0.to_string()),
            item_id: body.item_id,
        };
        outcomes::add_action(&state.db, &auth.0, id.0, input).await?;
        Ok(Created::Created(Json(
            agenda_body(&state, &auth, id.0).await?,
        )))
    }

    /// Mark an action item done (its owner, the cio or the facilitator).
    #[oai(
        path = "/meeting-actions/:id/done",
        method = "post",
        operation_id = "complete_meeting_action"
    )]
    async fn complete(
        &self,
        auth: BearerAuth,
        state: Data<&AppState>,
        id: Path<i64>,
    ) -> ApiResult<Done> {
        outcomes::complete_action(&state.db, &auth.0, id.0).await?;
        Ok(Done::NoContent)
    }

    /// Make an action item a proposed goal of its owner in the current cycle, linked to
    /// an objective (whoever may propose a goal for the owner).
    #[oai(
        path = "/meeting-actions/:id/goal",
        method = "post",
        operation_id = "meeting_action_to_goal"
    )]
    async fn to_goal(
        &self,
        auth: BearerAuth,
        state: Data<&AppState>,
        id: Path<i64>,
        body: JsonBody<GoalFromActionBody>,
    ) -> ApiResult<Created<ActionGoalBody>> {
        let goal_id =
            outcomes::make_goal(&state.db, &auth.0, id.0, Some(body.objective_id)).await?;
        Ok(Created::Created(Json(ActionGoalBody { goal_id })))
    }

    /// Set who attended (replacing the list).
    #[oai(
        path = "/meetings/:id/attendance",
        method = "put",
        operation_id = "set_meeting_attendance"
    )]
    async fn attendance(
        &self,
        auth: BearerAuth,
        state: Data<&AppState>,
        id: Path<i64>,
        body: JsonBody<MeetingAttendanceBody>,
    ) -> ApiResult<Json<AgendaBody>> {
        outcomes::set_attendance(&state.db, &auth.0, id.0, body.0.person_ids).await?;
        Ok(Json(agenda_body(&state, &auth, id.0).await?))
    }

    /// The question bank, least recently asked first: the first is the one to suggest.
    #[oai(
        path = "/meeting-questions",
        method = "get",
        operation_id = "list_meeting_questions"
    )]
    async fn questions(
        &self,
        auth: BearerAuth,
        state: Data<&AppState>,
    ) -> ApiResult<Json<Vec<MeetingQuestionBody>>> {
        let questions = bank::list(&state.db, &auth.0).await?;
        Ok(Json(questions.into_iter().map(Into::into).collect()))
    }

    /// Add a question to the bank (the cio).
    #[oai(
        path = "/meeting-questions",
        method = "post",
        operation_id = "add_meeting_question"
    )]
    async fn add_question(
        &self,
        auth: BearerAuth,
        state: Data<&AppState>,
        body: JsonBody<MeetingQuestionInputBody>,
    ) -> ApiResult<Created<MeetingQuestionBody>> {
        let id = bank::add(&state.db, &auth.0, Some(&body.prompt)).await?;
        let evolution = bank::evolution(&state.db, &auth.0, id).await?;
        Ok(Created::Created(Json(evolution.question.into())))
    }

    /// A question with the agreements and disagreements recorded under it, meeting by
    /// meeting.
    #[oai(
        path = "/meeting-questions/:id",
        method = "get",
        operation_id = "get_meeting_question"
    )]
    async fn question(
        &self,
        auth: BearerAuth,
        state: Data<&AppState>,
        id: Path<i64>,
    ) -> ApiResult<Json<QuestionEvolutionBody>> {
        let e = bank::evolution(&state.db, &auth.0, id.0).await?;
        Ok(Json(QuestionEvolutionBody {
            question: e.question.into(),
            answers: e
                .answers
                .into_iter()
                .map(|a| MeetingAnswerBody {
                    meeting_id: a.meeting_id,
                    meeting_title: a.meeting_title,
                    starts_at: a.starts_at,
                    agreements: a.agreements,
                    disagreements: a.disagreements,
                    decisions: a.decisions,
                })
                .collect(),
        }))
    }

    /// The saved agenda templates (the cio).
    #[oai(
        path = "/meeting-templates",
        method = "get",
        operation_id = "list_meeting_templates"
    )]
    async fn templates(
        &self,
        auth: BearerAuth,
        state: Data<&AppState>,
    ) -> ApiResult<Json<Vec<MeetingTemplateBody>>> {
        let list = templates::list(&state.db, &auth.0).await?;
        Ok(Json(
            list.into_iter()
                .map(|t| MeetingTemplateBody {
                    id: t.id,
                    name: t.name,
                    kind: t.kind.as_str().to_owned(),
                })
                .collect(),
        ))
    }

    /// Save a meeting's agenda as a template (the cio).
    #[oai(
        path = "/meetings/:id/save-template",
        method = "post",
        operation_id = "save_meeting_template"
    )]
    async fn save_template(
        &self,
        auth: BearerAuth,
        state: Data<&AppState>,
        id: Path<i64>,
        body: JsonBody<MeetingSaveTemplateBody>,
    ) -> ApiResult<Created<MeetingTemplateBody>> {
        let template_id =
            templates::save_as_template(&state.db, &auth.0, id.0, Some(&body.name)).await?;
        let (meeting, _) = meetings::get(&state.db, &auth.0, id.0).await?;
        Ok(Created::Created(Json(MeetingTemplateBody {
            id: template_id,
            name: body.0.name.trim().to_owned(),
            kind: meeting.kind.as_str().to_owned(),
        })))
    }
}
