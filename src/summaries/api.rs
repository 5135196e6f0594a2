//! The summary endpoint: the department (or a manager's team) over a review cycle or a
//! range of days, each figure beside the previous period's. A figure withheld for privacy
//! is absent, with `withheld` set.

use chrono::{DateTime, NaiveDate, Utc};
use poem::{Request, web::Data};
use poem_openapi::{
    Object, OpenApi, Tags,
    param::{Path, Query},
    payload::Json,
};

use crate::{
    api::{ApiResult, BearerAuth, Created, Date, JsonBody, MaybeBearer},
    app::AppState,
    summaries::{
        self, Figure, PeriodInput, Summary,
        reports::{self, Report, ReportInput, ReportRef},
    },
};

#[derive(Tags)]
enum SummaryTags {
    /// Summaries for the advisory committee: plan coverage, skills, recognition,
    /// meetings and client feedback over a period, beside the previous period. Figures about goals and skills
    /// that would describe fewer than k people are withheld for everyone but the cio.
    Summaries,
}

/// A count in the period and the previous one.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct SummaryCountBody {
    /// Absent when withheld.
    pub now: Option<i64>,
    /// Absent when withheld (or when the previous period has no such figure).
    pub before: Option<i64>,
    /// now − before, when both are shown.
    pub change: Option<i64>,
    /// The figure is withheld for privacy: it would describe fewer than k people.
    pub withheld: bool,
}

/// An average or a percentage in the period and the previous one.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct SummaryValueBody {
    pub now: Option<f64>,
    pub before: Option<f64>,
    pub change: Option<f64>,
}

/// How many are at one level, now and before: each level's count is a figure of its own,
/// withheld alone.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct SummaryLevelCountBody {
    /// 1 to 5.
    pub level: i64,
    pub count: SummaryCountBody,
}

fn count(f: &Figure<i64>) -> SummaryCountBody {
    SummaryCountBody {
        now: f.now,
        before: f.before,
        change: f.change(),
        withheld: f.now.is_none(),
    }
}

fn value(f: &Figure<f64>) -> SummaryValueBody {
    SummaryValueBody {
        now: f.now,
        before: f.before,
        change: f.change(),
    }
}

#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct SummaryPeriodBody {
    pub from: Date,
    pub to: Date,
    /// Set when the period is a review cycle.
    pub cycle_id: Option<i32>,
    pub label: String,
}

fn period(p: &summaries::Period) -> SummaryPeriodBody {
    SummaryPeriodBody {
        from: p.from.into(),
        to: p.to.into(),
        cycle_id: p.cycle_id,
        label: p.label.clone(),
    }
}

#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct SummaryOutcomesBody {
    pub linked: SummaryCountBody,
    pub achieved: SummaryCountBody,
    pub partially_achieved: SummaryCountBody,
    pub not_achieved: SummaryCountBody,
    /// Achieved, in percent of linked.
    pub achieved_percent: SummaryValueBody,
}

fn outcomes(o: &summaries::Outcomes) -> SummaryOutcomesBody {
    SummaryOutcomesBody {
        linked: count(&o.linked),
        achieved: count(&o.achieved),
        partially_achieved: count(&o.partially),
        not_achieved: count(&o.not_achieved),
        achieved_percent: value(&o.achieved_percent()),
    }
}

#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct SummaryObjectiveCoverageBody {
    pub code: String,
    pub title: String,
    pub retired: bool,
    pub outcomes: SummaryOutcomesBody,
}

#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct SummaryGoalCoverageBody {
    pub code: String,
    pub title: String,
    pub outcomes: SummaryOutcomesBody,
    pub objectives: Vec<SummaryObjectiveCoverageBody>,
}

#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct SummaryCoverageBody {
    /// The plan's title; absent when no plan applies.
    pub plan: Option<String>,
    pub goals: Vec<SummaryGoalCoverageBody>,
    /// Objectives nobody works on in the period ("G1.2 Plain language").
    pub uncovered: Vec<String>,
}

#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct SummarySkillRowBody {
    pub name: String,
    /// technical, communication or service.
    pub category: String,
    /// People assessed (for a category: people per skill, added up). `before` is on the
    /// eve of the period, so the change is the change since its start.
    pub assessed: SummaryCountBody,
    pub baseline: SummaryValueBody,
    pub current: SummaryValueBody,
    pub target: SummaryValueBody,
    /// How many are at levels 1 to 5: five entries, level 1 first.
    pub distribution: Vec<SummaryLevelCountBody>,
}

fn skill_row(r: &summaries::SkillRow) -> SummarySkillRowBody {
    SummarySkillRowBody {
        name: r.name.clone(),
        category: r.category.clone(),
        assessed: count(&r.assessed),
        baseline: value(&r.baseline),
        current: value(&r.current),
        target: value(&r.target),
        distribution: (0..5)
            .map(|i| SummaryLevelCountBody {
                level: i as i64 + 1,
                count: count(&Figure {
                    now: r.distribution.now.and_then(|d| d[i]),
                    before: r.distribution.before.and_then(|d| d[i]),
                }),
            })
            .collect(),
    }
}

#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct SummarySkillsBody {
    pub categories: Vec<SummarySkillRowBody>,
    pub skills: Vec<SummarySkillRowBody>,
}

#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct SummaryMonthBody {
    /// "2026-03"
    pub month: String,
    pub kudos: SummaryCountBody,
}

#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct SummaryCountedBody {
    pub key: String,
    pub label: String,
    pub count: SummaryCountBody,
}

fn counted(c: &summaries::Counted) -> SummaryCountedBody {
    SummaryCountedBody {
        key: c.key.clone(),
        label: c.label.clone(),
        count: count(&c.count),
    }
}

#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct SummaryRecognitionBody {
    pub kudos_per_month: Vec<SummaryMonthBody>,
    pub kudos: SummaryCountBody,
    pub givers: SummaryCountBody,
    pub receivers: SummaryCountBody,
    /// Active staff thanked at least once, in percent.
    pub staff_thanked_percent: SummaryValueBody,
    pub trophy_passes: SummaryCountBody,
    pub trophy_holders: SummaryCountBody,
    /// Per channel.
    pub compliments: Vec<SummaryCountedBody>,
    /// Per kind.
    pub announcements: Vec<SummaryCountedBody>,
}

#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct SummaryExploredBody {
    pub title: String,
    pub prompt: String,
    pub agreements: Vec<String>,
    pub disagreements: Vec<String>,
}

#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct SummaryMeetingOutcomeBody {
    pub id: i64,
    pub title: String,
    /// quarterly, retreat or other.
    pub kind: String,
    pub held_on: Date,
    pub explored: Vec<SummaryExploredBody>,
}

#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct SummaryMeetingsBody {
    pub held: SummaryCountBody,
    pub questions: SummaryCountBody,
    pub agreements: SummaryCountBody,
    pub disagreements: SummaryCountBody,
    pub meetings: Vec<SummaryMeetingOutcomeBody>,
}

/// A measure's value in one month of the period.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct SummaryMeasureMonthBody {
    /// "2026-03"
    pub month: String,
    /// Absent when withheld.
    pub responses: Option<i64>,
    /// Absent when nobody answered that month, or when withheld.
    pub value: Option<f64>,
    /// The month's figures are withheld for privacy: they rest on fewer than k responses
    /// (an invitation may name the member of staff who served the client), or would give
    /// such a month away.
    pub withheld: bool,
}

/// A client survey question that informs an objective's measure.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct SummaryMeasureBody {
    /// "G1.2"
    pub objective_code: String,
    pub objective_title: String,
    pub survey_id: i64,
    pub question_id: i64,
    pub prompt: String,
    /// rating or yes_no.
    pub kind: String,
    /// A mean from 1 to 5 for a rating, a share of yes in percent for yes/no.
    pub target: Option<f64>,
    /// The mean rating (or the share of yes) over the period and the previous one;
    /// absent where nobody answered.
    pub value: SummaryValueBody,
    /// Answers behind each value.
    pub responses: SummaryCountBody,
    /// Every month of the period.
    pub months: Vec<SummaryMeasureMonthBody>,
}

/// Responses in one month of the period, and the invitations sent that month.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct SummaryFeedbackMonthBody {
    /// "2026-03"
    pub month: String,
    /// Absent when withheld.
    pub responses: Option<i64>,
    /// Of those, through an invitation; absent when withheld.
    pub invited: Option<i64>,
    pub invitations_sent: i64,
    /// Of the invitations sent that month, those answered; absent when withheld.
    pub invitations_answered: Option<i64>,
    /// Some of the month's figures are withheld for privacy: they rest on fewer than k
    /// responses, or would give such a figure away.
    pub withheld: bool,
}

/// What clients said, in aggregate (never free text): measures against their targets,
/// responses per month and the invitations' response rate. For everyone but the cio, a
/// figure resting on fewer than k responses is withheld (absent), and so is any figure
/// that would give it away by subtraction.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct SummaryClientFeedbackBody {
    pub measures: Vec<SummaryMeasureBody>,
    pub months: Vec<SummaryFeedbackMonthBody>,
    /// Responses to any survey.
    pub responses: SummaryCountBody,
    pub invitations_sent: SummaryCountBody,
    pub invitations_answered: SummaryCountBody,
    /// Invitations answered, in percent of those sent and not withdrawn.
    pub response_rate: SummaryValueBody,
}

fn client_feedback(f: &summaries::ClientFeedback) -> SummaryClientFeedbackBody {
    SummaryClientFeedbackBody {
        measures: f
            .measures
            .iter()
            .map(|m| SummaryMeasureBody {
                objective_code: m.objective_code.clone(),
                objective_title: m.objective_title.clone(),
                survey_id: m.survey_id,
                question_id: m.question_id,
                prompt: m.prompt.clone(),
                kind: m.kind.clone(),
                target: m.target,
                value: value(&m.value),
                responses: count(&m.responses),
                months: m
                    .months
                    .iter()
                    .map(|month| SummaryMeasureMonthBody {
                        month: month.month.clone(),
                        responses: month.responses,
                        value: month.value,
                        withheld: month.responses.is_none(),
                    })
                    .collect(),
            })
            .collect(),
        months: f
            .months
            .iter()
            .map(|m| SummaryFeedbackMonthBody {
                month: m.month.clone(),
                responses: m.responses,
                invited: m.invited,
                invitations_sent: m.invitations_sent,
                invitations_answered: m.invitations_answered,
                withheld: m.responses.is_none()
                    || m.invited.is_none()
                    || m.invitations_answered.is_none(),
            })
            .collect(),
        responses: count(&f.responses),
        invitations_sent: count(&f.invitations_sent),
        invitations_answered: count(&f.invitations_answered),
        response_rate: value(&f.response_rate),
    }
}

/// A summary.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct SummaryBody {
    pub period: SummaryPeriodBody,
    /// The period compared with: the previous cycle, or the days just before.
    pub previous: SummaryPeriodBody,
    /// department or team.
    pub cut: String,
    /// The privacy threshold.
    pub k: i64,
    /// Every figure is exact (the cio).
    pub exact: bool,
    pub made_on: Date,
    pub coverage: SummaryCoverageBody,
    pub skills: SummarySkillsBody,
    pub recognition: SummaryRecognitionBody,
    pub meetings: SummaryMeetingsBody,
    pub client_feedback: SummaryClientFeedbackBody,
}

pub fn summary_body(s: &Summary) -> SummaryBody {
    let r = &s.recognition;
    let m = &s.meetings;
    SummaryBody {
        period: period(&s.period),
        previous: period(&s.previous),
        cut: match s.cut {
            summaries::Cut::Department => "department",
            summaries::Cut::Team => "team",
        }
        .to_owned(),
        k: s.k,
        exact: s.exact,
        made_on: s.made_on.into(),
        coverage: SummaryCoverageBody {
            plan: s.coverage.plan.clone(),
            goals: s
                .coverage
                .goals
                .iter()
                .map(|g| SummaryGoalCoverageBody {
                    code: g.code.clone(),
                    title: g.title.clone(),
                    outcomes: outcomes(&g.outcomes),
                    objectives: g
                        .objectives
                        .iter()
                        .map(|o| SummaryObjectiveCoverageBody {
                            code: o.code.clone(),
                            title: o.title.clone(),
                            retired: o.retired,
                            outcomes: outcomes(&o.outcomes),
                        })
                        .collect(),
                })
                .collect(),
            uncovered: s.coverage.uncovered.clone(),
        },
        skills: SummarySkillsBody {
            categories: s.skills.categories.iter().map(skill_row).collect(),
            skills: s.skills.skills.iter().map(skill_row).collect(),
        },
        recognition: SummaryRecognitionBody {
            kudos_per_month: r
                .kudos_per_month
                .iter()
                .map(|m| SummaryMonthBody {
                    month: m.month.clone(),
                    kudos: count(&m.kudos),
                })
                .collect(),
            kudos: count(&r.kudos),
            givers: count(&r.givers),
            receivers: count(&r.receivers),
            staff_thanked_percent: value(&r.staff_thanked_percent),
            trophy_passes: count(&r.trophy_passes),
            trophy_holders: count(&r.trophy_holders),
            compliments: r.compliments.iter().map(counted).collect(),
            announcements: r.announcements.iter().map(counted).collect(),
        },
        meetings: SummaryMeetingsBody {
            held: count(&m.held),
            questions: count(&m.questions),
            agreements: count(&m.agreements),
            disagreements: count(&m.disagreements),
            meetings: m
                .meetings
                .iter()
                .map(|o| SummaryMeetingOutcomeBody {
                    id: o.id,
                    title: o.title.clone(),
                    kind: o.kind.clone(),
                    held_on: o.held_on.into(),
                    explored: o
                        .explored
                        .iter()
                        .map(|e| SummaryExploredBody {
                            title: e.title.clone(),
                            prompt: e.prompt.clone(),
                            agreements: e.agreements.clone(),
                            disagreements: e.disagreements.clone(),
                        })
                        .collect(),
                })
                .collect(),
        },
        client_feedback: client_feedback(&s.client_feedback),
    }
}

/// A published annual report in a list, or on the portal.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct ReportRefBody {
    pub id: i64,
    pub title: String,
    /// The first day of the period it covers.
    pub period_from: Date,
    /// The last day of the period it covers.
    pub period_to: Date,
    pub published_at: DateTime<Utc>,
}

impl From<ReportRef> for ReportRefBody {
    fn from(r: ReportRef) -> Self {
        ReportRefBody {
            id: r.id,
            title: r.title,
            period_from: r.period_from.into(),
            period_to: r.period_to.into(),
            published_at: r.published_at,
        }
    }
}

/// A published annual report: the cio's introduction and the summary as it was on the
/// day it was published (as a reader who knows nobody one by one saw it).
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct ReportBody {
    pub id: i64,
    pub title: String,
    pub introduction: String,
    pub published_at: DateTime<Utc>,
    pub summary: SummaryBody,
}

impl From<Report> for ReportBody {
    fn from(r: Report) -> Self {
        ReportBody {
            id: r.head.id,
            title: r.head.title,
            introduction: r.introduction,
            published_at: r.head.published_at,
            summary: summary_body(&r.summary),
        }
    }
}

/// A page of the published reports, newest first.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct ReportListBody {
    pub items: Vec<ReportRefBody>,
    /// Pass as `after` for the next page; absent on the last page.
    pub next: Option<String>,
}

/// A report to publish: the summary of a review cycle (`cycle_id`) or of a range of days
/// (`from` and `to`, at most five years; without either, the last twelve months).
#[derive(Debug, Object)]
pub struct NewReportBody {
    #[oai(validator(max_length = 200))]
    pub title: String,
    #[oai(validator(max_length = 10000))]
    pub introduction: String,
    pub cycle_id: Option<i32>,
    pub from: Option<Date>,
    pub to: Option<Date>,
}

pub struct SummariesApi;

#[OpenApi(tag = "SummaryTags::Summaries")]
impl SummariesApi {
    /// The summary of a review cycle (`cycle_id`) or of a range of days (`from` and `to`,
    /// at most five years; without either, the last twelve months), for the department or,
    /// with `team`, for the people below the caller (managers and the cio).
    #[oai(path = "/summaries", method = "get", operation_id = "get_summary")]
    async fn get(
        &self,
        auth: BearerAuth,
        state: Data<&AppState>,
        cycle_id: Query<Option<i32>>,
        from: Query<Option<NaiveDate>>,
        to: Query<Option<NaiveDate>>,
        /// The caller's team instead of the department.
        #[oai(default)]
        team: Query<bool>,
    ) -> ApiResult<Json<SummaryBody>> {
        let input = PeriodInput {
            cycle_id: cycle_id.0,
            from: from.0.map(|d| d.to_string()),
            to: to.0.map(|d| d.to_string()),
        };
        let summary =
            summaries::summary(&state.db, &auth.0, &input, team.0, state.settings.privacy_k)
                .await?;
        Ok(Json(summary_body(&summary)))
    }

    /// Publish the summary of a period as the department's annual report (the cio): it is
    /// kept as it is today, with the introduction, whatever changes later.
    #[oai(path = "/reports", method = "post", operation_id = "publish_report")]
    async fn publish(
        &self,
        auth: BearerAuth,
        state: Data<&AppState>,
        body: JsonBody<NewReportBody>,
    ) -> ApiResult<Created<ReportBody>> {
        let body = body.0;
        let input = ReportInput {
            title: Some(body.title),
            introduction: Some(body.introduction),
            period: PeriodInput {
                cycle_id: body.cycle_id,
                from: body.from.map(|d| d.0.to_string()),
                to: body.to.map(|d| d.0.to_string()),
            },
        };
        let settings = &state.settings;
        let published =
            reports::publish(&state.db, &auth.0, input, settings.privacy_k, Utc::now()).await?;
        let report = reports::get(
            &state.db,
            Some(auth.0.principal()),
            settings.portal_public,
            published.id,
        )
        .await?;
        Ok(Created::Created(Json(report.into())))
    }

    /// The published annual reports, newest first: for everyone signed in, and for
    /// anonymous callers when the portal is public.
    #[oai(path = "/reports", method = "get", operation_id = "list_reports")]
    async fn list(
        &self,
        auth: MaybeBearer,
        req: &Request,
        state: Data<&AppState>,
        /// 1 to 200; 50 when absent.
        limit: Query<Option<u64>>,
        /// The `next` cursor of the previous page.
        after: Query<Option<String>>,
    ) -> ApiResult<Json<ReportListBody>> {
        let actor = auth.actor(req)?;
        let page = reports::page(
            &state.db,
            actor.as_ref().map(|a| a.principal()),
            state.settings.portal_public,
            limit.0,
            after.0.as_deref(),
        )
        .await?;
        Ok(Json(ReportListBody {
            items: page.items.into_iter().map(Into::into).collect(),
            next: page.next,
        }))
    }

    /// One published annual report, with its summary as it was published.
    #[oai(path = "/reports/:id", method = "get", operation_id = "get_report")]
    async fn get_report(
        &self,
        auth: MaybeBearer,
        req: &Request,
        state: Data<&AppState>,
        id: Path<i64>,
    ) -> ApiResult<Json<ReportBody>> {
        let actor = auth.actor(req)?;
        let report = reports::get(
            &state.db,
            actor.as_ref().map(|a| a.principal()),
            state.settings.portal_public,
            id.0,
        )
        .await?;
        Ok(Json(report.into()))
    }
}
