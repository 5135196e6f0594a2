//! Summaries for the advisory committee: the department over a review cycle or any range
//! of days, in figures beside the previous period's: plan coverage, skills, recognition
//! and meetings. Figures about goals and skills are cells of one `disclosure::Table` per
//! summary, so anyone but the cio learns nothing about fewer than k people, by a figure
//! or by subtraction (a period against the other, a team against the department).
//!
//! A summary is a fixed number of aggregate queries whatever the department's size.

pub mod activity;
pub mod api;
pub mod client_feedback;
pub mod coverage;
pub mod export;
pub mod pages;
pub mod period;
pub mod reports;
pub mod review;
pub mod skills;

use std::collections::BTreeSet;

use chrono::{NaiveDate, Utc};
use serde::{Deserialize, Serialize};

pub use activity::{Counted, Explored, MeetingOutcome, Meetings, MonthFigure, Recognition};
pub use client_feedback::{ClientFeedback, FeedbackMeasure, FeedbackMonth};
pub use coverage::{Coverage, GoalCoverage, ObjectiveCoverage, Outcomes};
pub use period::{MAX_DAYS, Period, PeriodInput};
pub use skills::{SkillRow, Skills};

use crate::{
    auth::Actor,
    cycles::{self, Cycle},
    db::Db,
    disclosure::{CellId, Cover, Disclosure, Person, Reader, Table},
    error::AppResult,
    feedback, goals, meetings, people, plan,
    policy::{self, Action},
    recognition, skills as skill_area,
};

/// Who a row of figures read from the database is about: one person, or `count` people
/// the reader does not know who stand alike and are not listed (a group of at least k of
/// them: see `disclosure::Cover`). `group` ties one group's rows together (a skill's
/// two days).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Who {
    Person(Person),
    Unlisted { group: usize, count: i64 },
}

impl Who {
    fn weight(self) -> i64 {
        match self {
            Who::Person(_) => 1,
            Who::Unlisted { count, .. } => count,
        }
    }
}

/// The people of `who`s, as a table's cell covers them.
fn cover(who: impl Iterator<Item = Who>) -> Cover {
    let mut cover = Cover::default();
    for w in who {
        match w {
            Who::Person(p) => cover.listed.push(p),
            Who::Unlisted { count, .. } => {
                cover.others += usize::try_from(count).unwrap_or_default();
            }
        }
    }
    cover
}

/// A figure in the period (`now`) and in the previous one (`before`). `None` is a figure
/// withheld for privacy (or, for an average, one with nobody to average).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Figure<T> {
    pub now: Option<T>,
    pub before: Option<T>,
}

impl<T: Copy + std::ops::Sub<Output = T>> Figure<T> {
    /// now − before, when both are shown.
    pub fn change(&self) -> Option<T> {
        Some(self.now? - self.before?)
    }
}

/// Whose figures: the whole department, or the team below a manager (a predefined cut;
/// there are no others).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Cut {
    Department,
    Team,
}

impl Cut {
    fn index(self) -> usize {
        match self {
            Cut::Department => 0,
            Cut::Team => 1,
        }
    }
}

/// Which cells of the summary's table the reader sees: all of them (the cio), or what
/// `Table::decide` answered.
pub enum Shown {
    All,
    Decided(Disclosure),
}

impl Shown {
    pub fn shows(&self, cell: CellId) -> bool {
        match self {
            Shown::All => true,
            Shown::Decided(d) => d.shows(cell),
        }
    }

    pub fn figure<T>(&self, cell: CellId, value: T) -> Option<T> {
        self.shows(cell).then_some(value)
    }
}

/// The sections of a summary, as they are named in addresses (`/summaries/skills.csv`).
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    strum::EnumIter,
    strum::IntoStaticStr,
    strum::EnumString,
    strum::EnumMessage,
)]
#[strum(serialize_all = "snake_case")]
pub enum Section {
    #[strum(message = "Plan coverage")]
    Coverage,
    #[strum(message = "Skills")]
    Skills,
    #[strum(message = "Recognition")]
    Recognition,
    #[strum(message = "Meetings")]
    Meetings,
    #[strum(message = "Client feedback")]
    ClientFeedback,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    pub period: Period,
    pub previous: Period,
    pub cut: Cut,
    /// The privacy threshold the figures were withheld under.
    pub k: i64,
    /// Every figure is exact (the cio's view).
    pub exact: bool,
    /// The day the figures were read.
    pub made_on: NaiveDate,
    pub coverage: Coverage,
    pub skills: Skills,
    pub recognition: Recognition,
    pub meetings: Meetings,
    /// Absent from reports published before the section existed.
    #[serde(default)]
    pub client_feedback: ClientFeedback,
}

/// Who reads a summary, as the figures need to know.
pub enum Audience {
    /// Every figure (the cio).
    Exact,
    /// The figures this reader may see.
    Reader(Reader),
}

/// The summary of a period as `actor` may see it: `team` asks for the people below them
/// (managers and the cio; 404 for anyone else).
pub async fn summary(
    db: &Db,
    actor: &Actor,
    input: &PeriodInput,
    team: bool,
    k: i64,
) -> AppResult<Summary> {
    policy::check(actor.principal(), Action::ReadSummaries)?;
    if team {
        policy::check(
            actor.principal(),
            Action::ViewTeamSummary {
                is_manager: actor.is_manager,
            },
        )?;
    }
    let cycles = cycles::all(db).await?;
    let today = Utc::now().date_naive();
    let (period, previous) = period::parse(input, &cycles, today)?;
    let exact = policy::allows(actor.principal(), Action::ViewExactFigures);
    let seen = if exact && !team {
        Vec::new()
    } else {
        people::seen_one_by_one(db.conn(), actor).await?
    };
    let below: BTreeSet<Person> = seen
        .iter()
        .copied()
        .filter(|&p| p != actor.person_id)
        .collect();
    // A manager's table always holds their team's cut, whichever cut they look at, so
    // both views are decided together.
    let team_cut = (actor.is_manager || team) && !below.is_empty();
    let team_members = team_cut.then_some(below);
    let audience = if exact {
        Audience::Exact
    } else {
        Audience::Reader(Reader::new(k, seen))
    };
    let cut = if team { Cut::Team } else { Cut::Department };
    build(
        db,
        &cycles,
        period,
        previous,
        audience,
        team_members,
        cut,
        k,
        today,
    )
    .await
}

/// The summary of a period as a reader who knows nobody one by one sees it (an advisor,
/// an anonymous visitor): what a published report keeps.
pub async fn public_summary(
    db: &Db,
    period: Period,
    previous: Period,
    k: i64,
) -> AppResult<Summary> {
    let cycles = cycles::all(db).await?;
    let audience = Audience::Reader(Reader::new(k, []));
    let today = Utc::now().date_naive();
    build(
        db,
        &cycles,
        period,
        previous,
        audience,
        None,
        Cut::Department,
        k,
        today,
    )
    .await
}

/// The period asked for and the one it is compared with (see `period::parse`), for
/// callers that keep a period (a report, a meeting's year in review).
pub async fn periods(db: &Db, input: &PeriodInput) -> AppResult<(Period, Period)> {
    let cycles = cycles::all(db).await?;
    period::parse(input, &cycles, Utc::now().date_naive())
}

/// The plan a period follows: that of its latest cycle, else the plan in force.
async fn plan_of(db: &Db, cycles: &[&Cycle]) -> AppResult<Option<i32>> {
    match cycles.iter().max_by_key(|c| (c.starts_on, c.id)) {
        Some(c) => Ok(Some(c.plan_id)),
        None => plan::active_id(db.conn()).await,
    }
}

#[allow(clippy::too_many_arguments)]
async fn build(
    db: &Db,
    cycles: &[Cycle],
    period: Period,
    previous: Period,
    audience: Audience,
    team: Option<BTreeSet<Person>>,
    cut: Cut,
    k: i64,
    today: NaiveDate,
) -> AppResult<Summary> {
    let conn = db.conn();
    let in_period = period.cycles(cycles);
    let in_previous = previous.cycles(cycles);
    let cycle_sets: [BTreeSet<i32>; 2] = [
        in_period.iter().map(|c| c.id).collect(),
        in_previous.iter().map(|c| c.id).collect(),
    ];
    let all_cycles: Vec<i32> = cycle_sets[0].union(&cycle_sets[1]).copied().collect();
    // Skill levels and goal outcomes are grouped in the database. The people read one by
    // one are the team of a team's cut and the people the reader knows; for a reader,
    // groups of fewer than k people besides those are listed too, so that every group
    // left unlisted covers k or more people the reader does not know (`disclosure::Cover`).
    let (one_by_one, list_below) = match &audience {
        Audience::Exact => (team.iter().flatten().copied().collect(), 0),
        Audience::Reader(reader) => {
            let known = reader.known();
            let one_by_one: Vec<Person> = known
                .iter()
                .chain(team.iter().flatten())
                .copied()
                .collect::<BTreeSet<Person>>()
                .into_iter()
                .collect();
            let below = reader.k() + one_by_one.len();
            (one_by_one, i64::try_from(below).unwrap_or(i64::MAX))
        }
    };
    // The sections read independent figures, so they are read in three lanes at once,
    // each a chain of statements on one pooled connection at a time: one request waits
    // about as long as its slowest lane (the two periods' recognition figures are the
    // largest reads, one in each of the first two), and holds at most three of the pool's
    // connections, which writers share on PostgreSQL.
    let skills_and_now = async {
        let catalog = skill_area::catalog(conn).await?;
        let standings = skill_area::period_standings(
            conn,
            period.cycle_id,
            period.eve().min(today),
            period.to.min(today),
            today,
            &one_by_one,
            list_below,
        )
        .await?;
        let recognition_now = recognition::figures_between(conn, period.from, period.to).await?;
        AppResult::Ok((catalog, standings, recognition_now))
    };
    let plan_and_before = async {
        let plan = match plan_of(db, &in_period).await? {
            Some(id) => plan::outline(conn, id).await?,
            None => None,
        };
        let outcomes = goals::outcomes_grouped(conn, &all_cycles, &one_by_one, list_below).await?;
        let recognition_before =
            recognition::figures_between(conn, previous.from, previous.to).await?;
        AppResult::Ok((plan, outcomes, recognition_before))
    };
    let meetings_and_feedback = async {
        let held_now =
            meetings::held::held_between(conn, period.start_instant(), period.end_instant())
                .await?;
        let held_before =
            meetings::held::held_between(conn, previous.start_instant(), previous.end_instant())
                .await?;
        let client_feedback = feedback::period_feedback(
            db,
            [
                (period.start_instant(), period.end_instant()),
                (previous.start_instant(), previous.end_instant()),
            ],
            Utc::now(),
        )
        .await?;
        AppResult::Ok((held_now, held_before, client_feedback))
    };
    let (
        (catalog, standings, recognition_now),
        (plan, (goal_groups, own_goals), recognition_before),
        (held_now, held_before, client_feedback),
    ) = tokio::try_join!(skills_and_now, plan_and_before, meetings_and_feedback)?;

    let mut table = Table::new();
    let team_ref = team.as_ref();
    let shares = coverage::shares(&goal_groups, &own_goals);
    let coverage_cells = coverage::cells(&mut table, plan, &shares, &cycle_sets, team_ref);
    let skill_cells = skills::cells(&mut table, catalog, &skills::rows(&standings), team_ref);
    let reader = match &audience {
        Audience::Exact => None,
        Audience::Reader(reader) => Some(reader),
    };
    let (shown, exact) = match &audience {
        Audience::Exact => (Shown::All, true),
        Audience::Reader(reader) => (Shown::Decided(table.decide(reader)), false),
    };
    Ok(Summary {
        coverage: coverage::figures(coverage_cells, cut, &shown),
        skills: skills::figures(skill_cells, cut, &shown),
        recognition: activity::recognition(
            &period,
            &previous,
            &recognition_now,
            &recognition_before,
        ),
        meetings: activity::meetings(held_now, &held_before),
        client_feedback: client_feedback::section(&period, client_feedback, reader),
        period,
        previous,
        cut,
        k,
        exact,
        made_on: today,
    })
}
