//! The summary pages: the period form and every section with the change beside each
//! figure, the printable summary, and each section as CSV.

use crate::dates::Shown;
use askama::Template;
use poem::{
    IntoResponse, Response, handler,
    http::{StatusCode, header},
    web::{Data, Html, Path, Query},
};
use serde::Deserialize;

use crate::{
    app::AppState,
    auth::{Actor, extract::MaybeActor},
    charts::{Chart, Frame, Group, Point, Scale},
    cycles::{self, Cycle},
    error::{AppError, AppResult},
    policy::{self, Action},
    summaries::{
        self, Figure, PeriodInput, Section, Summary, export,
        reports::{self, Report, ReportInput, ReportRef},
    },
    validate::Word,
    web::{CsrfForm, FormErrors, Layout, form_outcome, render},
};

/// The period form as typed (a GET form: no CSRF token, the address is the summary's).
#[derive(Debug, Default, Clone, Deserialize)]
pub struct PeriodQuery {
    #[serde(default)]
    cycle_id: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    team: String,
}

impl PeriodQuery {
    fn team(&self) -> bool {
        matches!(self.team.as_str(), "1" | "true" | "on")
    }

    fn input(&self) -> AppResult<PeriodInput> {
        let cycle_id = match self.cycle_id.trim() {
            "" => None,
            raw => Some(
                raw.parse::<i32>()
                    .map_err(|_| AppError::invalid("cycle_id", "No such review cycle."))?,
            ),
        };
        let text = |s: &str| (!s.trim().is_empty()).then(|| s.to_owned());
        Ok(PeriodInput {
            cycle_id,
            from: text(&self.from),
            to: text(&self.to),
        })
    }

    /// The query string that asks for this summary again (for the print and CSV links).
    fn query(&self) -> String {
        let pairs = [
            ("cycle_id", self.cycle_id.as_str()),
            ("from", self.from.as_str()),
            ("to", self.to.as_str()),
            ("team", if self.team() { "1" } else { "" }),
        ];
        let kept: Vec<(&str, &str)> = pairs.into_iter().filter(|(_, v)| !v.is_empty()).collect();
        serde_urlencoded::to_string(kept).unwrap_or_default()
    }
}

/// Formats figures for the templates.
pub struct View {
    pub summary: Summary,
}

impl View {
    fn hidden(&self) -> String {
        format!("hidden for privacy (fewer than {})", self.summary.k)
    }

    pub fn count(&self, value: &Option<i64>) -> String {
        value.map_or_else(|| self.hidden(), |v| v.to_string())
    }

    pub fn avg(&self, value: &Option<f64>) -> String {
        value.map_or_else(|| "–".to_owned(), |v| format!("{v:.1}"))
    }

    pub fn percent(&self, value: &Option<f64>) -> String {
        value.map_or_else(|| "–".to_owned(), |v| format!("{v:.0}%"))
    }

    /// The change beside a count: "+2", "−1", "no change", or nothing when either is hidden.
    pub fn change(&self, figure: &Figure<i64>) -> String {
        match figure.change() {
            Some(0) => "no change".to_owned(),
            Some(c) if c > 0 => format!("+{c}"),
            Some(c) => format!("−{}", c.unsigned_abs()),
            None => String::new(),
        }
    }

    pub fn change_avg(&self, figure: &Figure<f64>) -> String {
        match figure.change() {
            Some(c) if c.abs() < 0.05 => "no change".to_owned(),
            Some(c) if c > 0.0 => format!("+{c:.1}"),
            Some(c) => format!("−{:.1}", c.abs()),
            None => String::new(),
        }
    }

    /// The people at levels 1 to 5, each level shown or withheld on its own.
    pub fn levels(&self, levels: &Option<[Option<i64>; 5]>) -> String {
        let levels = levels.unwrap_or_default();
        if levels.iter().all(Option::is_none) {
            return self.hidden();
        }
        levels
            .iter()
            .map(|l| self.count(l))
            .collect::<Vec<_>>()
            .join(" · ")
    }

    /// Kudos per month as bars (the table below it gives the previous period too).
    pub fn kudos_chart(&self) -> Chart {
        let points: Vec<Point> = self
            .summary
            .recognition
            .kudos_per_month
            .iter()
            .map(|m| Point::new(m.label(), m.kudos.now.map(|v| v as f64)))
            .collect();
        let hidden = self.hidden();
        let frame = Frame {
            id: "summary-kudos-per-month",
            title: "Kudos per month",
            description: "How many kudos were given in each month of the period.",
            missing: &hidden,
            scale: Scale::COUNT,
        };
        Chart::bars(&frame, "Month", "Kudos", &points)
    }

    /// Each objective's linked goals split by how they ended; an objective with a hidden
    /// count is drawn as hidden whole (its other parts would give it away).
    pub fn coverage_chart(&self) -> Chart {
        let groups: Vec<Group> = self
            .summary
            .coverage
            .goals
            .iter()
            .flat_map(|g| g.objectives.iter())
            .map(|o| {
                let f = &o.outcomes;
                let parts = [f.achieved.now, f.partially.now, f.not_achieved.now];
                let open = match (f.linked.now, parts) {
                    (Some(linked), [Some(a), Some(p), Some(n)]) => {
                        Some((linked - a - p - n).max(0))
                    }
                    _ => None,
                };
                let values = parts
                    .into_iter()
                    .chain([open])
                    .map(|v| v.map(|v| v as f64))
                    .collect();
                Group::new(o.code.clone(), values)
            })
            .collect();
        let hidden = self.hidden();
        let frame = Frame {
            id: "summary-coverage",
            title: "Objective coverage",
            description: "For each objective, the goals linked to it in the period and how they ended.",
            missing: &hidden,
            scale: Scale::COUNT,
        };
        Chart::stacked_bars(
            &frame,
            "Objective",
            &["Achieved", "Partially", "Not achieved", "Still open"],
            &groups,
        )
    }

    /// Average levels per category: baseline, current and target.
    pub fn skills_chart(&self) -> Chart {
        let groups: Vec<Group> = self
            .summary
            .skills
            .categories
            .iter()
            .map(|r| {
                Group::new(
                    r.name.clone(),
                    vec![r.baseline.now, r.current.now, r.target.now],
                )
            })
            .collect();
        let hidden = self.hidden();
        let frame = Frame {
            id: "summary-skills",
            title: "Skill levels by category",
            description: "The average baseline, current and target level of each category of skills, on a scale of 1 to 5.",
            missing: &hidden,
            scale: Scale::LEVEL,
        };
        Chart::grouped_bars(
            &frame,
            "Category",
            &["Baseline", "Current", "Target"],
            &groups,
        )
    }

    /// A client-feedback measure as read: "4.3" (of 5) or "75%" (yes), "–" without answers.
    pub fn measure(&self, m: &summaries::FeedbackMeasure, value: &Option<f64>) -> String {
        if m.is_rating() {
            self.avg(value)
        } else {
            self.percent(value)
        }
    }

    pub fn measure_target(&self, m: &summaries::FeedbackMeasure) -> String {
        match m.target {
            Some(t) if m.is_rating() => format!("{t:.1} of 5"),
            Some(t) => format!("{t:.0}% yes"),
            None => "–".to_owned(),
        }
    }

    /// The change of a measure: in points of the mean, or in percentage points of yes.
    pub fn measure_change(&self, m: &summaries::FeedbackMeasure) -> String {
        match m.value.change() {
            Some(c) if m.is_rating() && c.abs() < 0.05 => "no change".to_owned(),
            Some(c) if !m.is_rating() && c.abs() < 0.5 => "no change".to_owned(),
            Some(c) if m.is_rating() => {
                format!("{}{:.1}", if c > 0.0 { "+" } else { "−" }, c.abs())
            }
            Some(c) => format!("{}{:.0} points", if c > 0.0 { "+" } else { "−" }, c.abs()),
            None => String::new(),
        }
    }

    /// A measure's monthly value as a line against its target (the table beside it in
    /// the section gives every figure).
    pub fn measure_chart(&self, m: &summaries::FeedbackMeasure) -> Chart {
        let points: Vec<Point> = m
            .months
            .iter()
            .map(|month| Point::new(crate::dates::month_of_key(&month.month), month.value))
            .collect();
        let id = format!("summary-feedback-{}", m.question_id);
        let title = format!("{} {}: {}", m.objective_code, m.objective_title, m.prompt);
        let (scale, heading, description) = if m.is_rating() {
            (
                Scale::RATING,
                "Mean (1 to 5)",
                "The mean rating each month of the period, against the target.",
            )
        } else {
            (
                Scale::PERCENT,
                "Yes (%)",
                "The share of yes each month of the period, against the target.",
            )
        };
        // A month is missing for want of answers, or withheld (fewer than k responses).
        let missing = if m.months.iter().any(|month| month.responses.is_none()) {
            format!("no answers that month, or {}", self.hidden())
        } else {
            "no answers that month".to_owned()
        };
        let frame = Frame {
            id: &id,
            title: &title,
            description,
            missing: &missing,
            scale,
        };
        Chart::line(&frame, "Month", heading, &points, m.target)
    }

    /// Whether every objective's count is shown, so that an empty list of objectives
    /// nobody works on means what it says (a hidden count may hide a zero).
    pub fn coverage_complete(&self) -> bool {
        self.summary
            .coverage
            .goals
            .iter()
            .flat_map(|g| &g.objectives)
            .all(|o| o.outcomes.linked.now.is_some())
    }

    /// The address of the full summary of this summary's period (the year in review
    /// links to it).
    pub fn summary_address(&self) -> String {
        let p = &self.summary.period;
        format!("/summaries?from={}&to={}", p.from, p.to)
    }

    pub fn sections(&self) -> Vec<(&'static str, &'static str)> {
        Section::all()
            .into_iter()
            .map(|s| (s.as_str(), s.label()))
            .collect()
    }
}

#[derive(Template)]
#[template(path = "summaries/index.html")]
struct SummaryPage {
    layout: Layout,
    form: PeriodQuery,
    cycles: Vec<Cycle>,
    may_see_team: bool,
    query: String,
    errors: FormErrors,
    view: Option<View>,
}

async fn read(state: &AppState, actor: &Actor, form: &PeriodQuery) -> AppResult<Summary> {
    summaries::summary(
        &state.db,
        actor,
        &form.input()?,
        form.team(),
        state.settings.privacy_k,
    )
    .await
}

#[handler]
pub async fn index(
    state: Data<&AppState>,
    actor: Actor,
    Query(form): Query<PeriodQuery>,
) -> AppResult<Response> {
    let cycles = cycles::list(&state.db, &actor).await?;
    let may_see_team = policy::allows(
        actor.principal(),
        Action::ViewTeamSummary {
            is_manager: actor.is_manager,
        },
    );
    let (view, errors, status) = match read(&state, &actor, &form).await {
        Ok(summary) => (
            Some(View { summary }),
            FormErrors::default(),
            StatusCode::OK,
        ),
        Err(err) => match FormErrors::of(&err) {
            Some(errors) => (None, errors, err.status()),
            None => return Err(err),
        },
    };
    let page = render(&SummaryPage {
        layout: Layout::new(Some(&actor), "Summary", "summaries"),
        query: form.query(),
        form,
        cycles,
        may_see_team,
        errors,
        view,
    })?;
    Ok(page.with_status(status).into_response())
}

#[derive(Template)]
#[template(path = "summaries/print.html")]
struct PrintPage {
    layout: Layout,
    view: View,
}

#[handler]
pub async fn print(
    state: Data<&AppState>,
    actor: Actor,
    Query(form): Query<PeriodQuery>,
) -> AppResult<Html<String>> {
    let summary = read(&state, &actor, &form).await?;
    render(&PrintPage {
        layout: Layout::new(Some(&actor), "Summary", "summaries"),
        view: View { summary },
    })
}

/// `/summaries/coverage.csv` and the other sections.
#[handler]
pub async fn csv(
    state: Data<&AppState>,
    actor: Actor,
    Path(file): Path<String>,
    Query(form): Query<PeriodQuery>,
) -> AppResult<Response> {
    let section = file
        .strip_suffix(".csv")
        .and_then(|name| Section::parse_word(name).ok())
        .ok_or(AppError::NotFound)?;
    let summary = read(&state, &actor, &form).await?;
    let body = export::section_csv(&summary, section)?;
    Ok(body
        .with_content_type("text/csv; charset=utf-8")
        .with_header(
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"summary-{}.csv\"", section.as_str()),
        )
        .into_response())
}

// ---------------------------------------------------------------------------------------
// The annual reports

fn reader(state: &AppState, actor: Option<&Actor>) -> (Option<policy::Principal>, bool) {
    (actor.map(Actor::principal), state.settings.portal_public)
}

#[derive(Template)]
#[template(path = "summaries/reports.html")]
struct ReportsPage {
    layout: Layout,
    reports: Vec<ReportRef>,
    /// The cursor of the next page, when there is one.
    next: Option<String>,
    may_publish: bool,
}

/// A page of the reports list: after the cursor of the page before.
#[derive(Debug, Default, Deserialize)]
pub struct ReportsQuery {
    #[serde(default)]
    after: Option<String>,
}

/// The published reports, a page at a time: everyone signed in, and anonymous visitors of
/// a public portal.
#[handler]
pub async fn reports_list(
    state: Data<&AppState>,
    MaybeActor(actor): MaybeActor,
    Query(query): Query<ReportsQuery>,
) -> AppResult<Html<String>> {
    let (principal, public) = reader(&state, actor.as_ref());
    let page = reports::page(&state.db, principal, public, None, query.after.as_deref()).await?;
    render(&ReportsPage {
        layout: Layout::new(actor.as_ref(), "Annual reports", "reports"),
        reports: page.items,
        next: page.next,
        may_publish: principal.is_some_and(|p| policy::allows(p, Action::PublishReports)),
    })
}

/// The publish form as typed.
#[derive(Debug, Default, Clone, Deserialize)]
pub struct ReportForm {
    #[serde(default)]
    title: String,
    #[serde(default)]
    introduction: String,
    #[serde(default)]
    cycle_id: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
}

impl ReportForm {
    /// The period as the summary form reads it, so both name the same fields.
    fn period(&self) -> AppResult<PeriodInput> {
        PeriodQuery {
            cycle_id: self.cycle_id.clone(),
            from: self.from.clone(),
            to: self.to.clone(),
            team: String::new(),
        }
        .input()
    }
}

#[derive(Template)]
#[template(path = "summaries/report_new.html")]
struct NewReportPage {
    layout: Layout,
    form: ReportForm,
    cycles: Vec<Cycle>,
    errors: FormErrors,
}

async fn new_report_page(
    state: &AppState,
    actor: &Actor,
    form: ReportForm,
    errors: FormErrors,
) -> AppResult<Html<String>> {
    let cycles = cycles::list(&state.db, actor).await?;
    render(&NewReportPage {
        layout: Layout::new(Some(actor), "Publish an annual report", "reports"),
        form,
        cycles,
        errors,
    })
}

#[handler]
pub async fn new_report(state: Data<&AppState>, actor: Actor) -> AppResult<Html<String>> {
    policy::check(actor.principal(), Action::PublishReports)?;
    new_report_page(&state, &actor, ReportForm::default(), FormErrors::default()).await
}

#[handler]
pub async fn publish_report(
    state: Data<&AppState>,
    actor: Actor,
    CsrfForm(form): CsrfForm<ReportForm>,
) -> AppResult<Response> {
    let result = match form.period() {
        Ok(period) => {
            let input = ReportInput {
                title: Some(form.title.clone()),
                introduction: Some(form.introduction.clone()),
                period,
            };
            reports::publish(
                &state.db,
                &actor,
                input,
                state.settings.privacy_k,
                chrono::Utc::now(),
            )
            .await
        }
        Err(err) => Err(err),
    };
    form_outcome(
        result,
        |r| format!("/reports/{}?notice=published", r.id),
        |errors| new_report_page(&state, &actor, form, errors),
    )
    .await
}

#[derive(Template)]
#[template(path = "summaries/report.html")]
struct ReportPage {
    layout: Layout,
    notice: Option<&'static str>,
    report: ReportView,
}

#[derive(Debug, Default, Deserialize)]
pub struct NoticeQuery {
    notice: Option<String>,
}

/// A report as its pages show it: its head and introduction, and its frozen summary in
/// the view the summary pages use.
struct ReportView {
    head: ReportRef,
    introduction: String,
    view: View,
}

async fn read_report(state: &AppState, actor: Option<&Actor>, id: i64) -> AppResult<ReportView> {
    let (principal, public) = reader(state, actor);
    let Report {
        head,
        introduction,
        summary,
    } = reports::get(&state.db, principal, public, id).await?;
    Ok(ReportView {
        head,
        introduction,
        view: View { summary },
    })
}

#[handler]
pub async fn show_report(
    state: Data<&AppState>,
    MaybeActor(actor): MaybeActor,
    Path(id): Path<i64>,
    Query(q): Query<NoticeQuery>,
) -> AppResult<Html<String>> {
    let report = read_report(&state, actor.as_ref(), id).await?;
    render(&ReportPage {
        layout: Layout::new(actor.as_ref(), report.head.title.clone(), "reports"),
        notice: match q.notice.as_deref() {
            Some("published") => {
                Some("The report is published: it is listed for everyone who reads the portal.")
            }
            _ => None,
        },
        report,
    })
}

#[derive(Template)]
#[template(path = "summaries/report_print.html")]
struct ReportPrintPage {
    layout: Layout,
    report: ReportView,
}

#[handler]
pub async fn report_print(
    state: Data<&AppState>,
    MaybeActor(actor): MaybeActor,
    Path(id): Path<i64>,
) -> AppResult<Html<String>> {
    let report = read_report(&state, actor.as_ref(), id).await?;
    render(&ReportPrintPage {
        layout: Layout::new(actor.as_ref(), report.head.title.clone(), "reports"),
        report,
    })
}

/// This area's pages, added to the site's routes by `app::page_routes`.
pub fn routes(route: poem::Route) -> poem::Route {
    use poem::get;
    route
        .at("/summaries", get(index))
        .at("/summaries/print", get(print))
        .at("/summaries/:file", get(csv))
        .at("/reports", get(reports_list).post(publish_report))
        .at("/reports/new", get(new_report))
        .at("/reports/:id", get(show_report))
        .at("/reports/:id/print", get(report_print))
}
