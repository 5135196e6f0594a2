//! "Waiting for you": what a person has to do now, each line linking to where it is done.
//!
//! For everyone with records of their own (staff and the cio; advisors have none): the
//! self-evaluation to write while the current cycle is in its self-evaluation phase, goals
//! with no progress for `STALE_GOAL_DAYS` days, and the trophy held for more than
//! `TROPHY_PASS_DAYS` days. For a manager, about their direct reports (the people who look
//! to them; someone higher up sees their own reports, not the whole chain): proposed goals
//! to agree, submitted self-evaluations to review, and people with no skill assessment in
//! the current cycle. For the cio, what the current cycle's next move would leave
//! unfinished (`reviews::unfinished_in`, the list the move's confirmation shows).
//!
//! The whole list is one statement, and a second for the cio, whatever the department's size.

pub mod api;
pub mod pages;

use chrono::{DateTime, Duration, Utc};
use sea_orm::{FromQueryResult, Value};

use crate::{
    auth::Actor,
    cycles::{Phase, Unfinished},
    db::{Db, Params},
    error::AppResult,
    goals::GoalStatus,
    people::Role,
    policy::{self, Action},
    reviews::EvaluationStatus,
    validate::Word,
};

/// Goals in progress with no progress note for this long are "waiting".
pub const STALE_GOAL_DAYS: i64 = 60;
/// The trophy is meant to move: after this long its holder is asked to pass it on.
pub const TROPHY_PASS_DAYS: i64 = 14;

/// What a line is about, as the API names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, strum::IntoStaticStr)]
#[strum(serialize_all = "snake_case")]
pub enum TodoKind {
    GoalsToAgree,
    EvaluationsToReview,
    ReportsWithoutAssessment,
    SelfEvaluationToWrite,
    GoalsWithoutProgress,
    TrophyToPass,
    CycleWorkUnfinished,
}

impl TodoKind {
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

/// One thing waiting: how many, said as a person would, and where to do it.
#[derive(Debug, Clone, PartialEq)]
pub struct TodoLine {
    pub kind: TodoKind,
    pub count: i64,
    pub text: String,
    pub link: String,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Todo {
    pub lines: Vec<TodoLine>,
}

impl Todo {
    /// The number shown beside "Waiting for you" in the navigation: one per line, so a
    /// lead with 12 goals to agree sees one thing to do, not twelve.
    pub fn count(&self) -> usize {
        self.lines.len()
    }
}

#[derive(Debug, FromQueryResult)]
struct Counts {
    cycle_id: Option<i32>,
    cycle_name: Option<String>,
    cycle_phase: Option<String>,
    goals_to_agree: i64,
    evaluations_to_review: i64,
    reports_unassessed: i64,
    evaluation_done: i64,
    stale_goals: i64,
    trophy_id: Option<i32>,
    trophy_name: Option<String>,
}

fn plural(n: i64, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

/// Whether `actor` has a list at all (advisors have no records of their own: 404).
pub fn authorize(actor: &Actor) -> AppResult<()> {
    policy::check(actor.principal(), Action::ReadWorkList)
}

/// How long a person's count in the navigation is trusted without asking the database
/// again. Any write committed through this instance drops it at once (see `Db::generation`),
/// so someone who has just agreed a goal sees the count go down on the next page; what
/// time alone changes (a goal going stale, the trophy held too long) shows within this.
pub const COUNT_CACHE_TTL: std::time::Duration = std::time::Duration::from_secs(10);
/// Past this many people the cache starts over rather than grow.
const COUNT_CACHE_MAX: usize = 10_000;

/// The number beside "Waiting for you" on every page, per person, kept beside the
/// session lookup (`auth::ActorCache`): a reader clicking through pages costs one
/// `waiting_for` statement per time to live, not one per page.
#[derive(Default)]
pub struct CountCache {
    entries: std::sync::Mutex<std::collections::HashMap<i32, CachedCount>>,
}

struct CachedCount {
    count: usize,
    at: std::time::Instant,
    generation: u64,
}

impl CountCache {
    /// `actor`'s count, or None for someone with no list (advisors).
    pub async fn count_for(&self, db: &Db, actor: &Actor) -> AppResult<Option<usize>> {
        if !policy::allows(actor.principal(), Action::ReadWorkList) {
            return Ok(None);
        }
        // The generation is read before the data: a write landing meanwhile makes it stale.
        let generation = db.generation();
        if let Some(count) = self.get(actor.person_id, generation) {
            return Ok(Some(count));
        }
        let at = std::time::Instant::now();
        let count = waiting_for(db, actor, Utc::now()).await?.count();
        self.put(actor.person_id, count, generation, at);
        Ok(Some(count))
    }

    /// Keeps a count just read with the whole list (the start page), so the navigation
    /// and the list beside it agree from then on. `generation` is `Db::generation` as it
    /// was before the list was read, so a write landing meanwhile makes it stale.
    pub fn remember(&self, person_id: i32, count: usize, generation: u64, at: std::time::Instant) {
        self.put(person_id, count, generation, at);
    }

    fn get(&self, person_id: i32, generation: u64) -> Option<usize> {
        let entries = self.entries.lock().ok()?;
        entries
            .get(&person_id)
            .filter(|c| c.generation == generation && c.at.elapsed() < COUNT_CACHE_TTL)
            .map(|c| c.count)
    }

    fn put(&self, person_id: i32, count: usize, generation: u64, at: std::time::Instant) {
        if let Ok(mut entries) = self.entries.lock() {
            if entries.len() >= COUNT_CACHE_MAX {
                entries
                    .retain(|_, c| c.generation == generation && c.at.elapsed() < COUNT_CACHE_TTL);
                if entries.len() >= COUNT_CACHE_MAX {
                    entries.clear();
                }
            }
            entries.insert(
                person_id,
                CachedCount {
                    count,
                    at,
                    generation,
                },
            );
        }
    }
}

/// What is waiting for `actor` now. One statement (two for the cio).
pub async fn waiting_for(db: &Db, actor: &Actor, now: DateTime<Utc>) -> AppResult<Todo> {
    authorize(actor)?;
    let mut p = Params::new();
    let me = p.bind(actor.person_id);
    let me2 = p.bind(actor.person_id);
    let me3 = p.bind(actor.person_id);
    let me4 = p.bind(actor.person_id);
    let me5 = p.bind(actor.person_id);
    let active = p.bind(true);
    let closed = p.bind(Phase::Closed.as_str());
    let proposed = p.bind(GoalStatus::Proposed.as_str());
    let submitted = p.bind(EvaluationStatus::Submitted.as_str());
    let submitted2 = p.bind(EvaluationStatus::Submitted.as_str());
    let reviewed = p.bind(EvaluationStatus::Reviewed.as_str());
    let advisor = p.bind(Role::Advisor.as_str());
    let agreed = p.bind(GoalStatus::Agreed.as_str());
    let in_progress = p.bind(GoalStatus::InProgress.as_str());
    let stale_since: Value = (now - Duration::days(STALE_GOAL_DAYS)).into();
    let stale = p.bind(stale_since.clone());
    let stale2 = p.bind(stale_since);
    let trophy_since = p.bind(now - Duration::days(TROPHY_PASS_DAYS));
    // Progress is reported only while the cycle is under way: not during goal setting.
    let phase_in_progress = p.bind(Phase::InProgress.as_str());
    let phase_self_evaluation = p.bind(Phase::SelfEvaluation.as_str());
    // The current cycle as `cycles::pick` chooses it: the latest that is not closed.
    let sql = format!(
        "WITH cur AS (
           SELECT id, name, phase, starts_on, ends_on FROM review_cycles
           WHERE phase <> {closed} ORDER BY starts_on DESC, id DESC LIMIT 1
         ),
         reports AS (
           SELECT id FROM people WHERE manager_id = {me} AND active = {active} AND role <> {advisor}
         )
         SELECT
           (SELECT id FROM cur) AS cycle_id,
           (SELECT name FROM cur) AS cycle_name,
           (SELECT phase FROM cur) AS cycle_phase,
           (SELECT COUNT(*) FROM performance_goals g JOIN cur ON g.cycle_id = cur.id
             WHERE g.status = {proposed} AND g.person_id IN (SELECT id FROM reports)) AS goals_to_agree,
           (SELECT COUNT(*) FROM self_evaluations e JOIN cur ON e.cycle_id = cur.id
             WHERE e.status = {submitted} AND e.person_id IN (SELECT id FROM reports)) AS evaluations_to_review,
           (SELECT COUNT(*) FROM reports r, cur WHERE NOT EXISTS (
              SELECT 1 FROM skill_assessments a WHERE a.person_id = r.id
                AND a.assessed_on >= cur.starts_on AND a.assessed_on <= cur.ends_on)) AS reports_unassessed,
           (SELECT COUNT(*) FROM self_evaluations e JOIN cur ON e.cycle_id = cur.id
             WHERE e.person_id = {me2} AND e.status IN ({submitted2}, {reviewed})) AS evaluation_done,
           (SELECT COUNT(*) FROM performance_goals g JOIN cur ON g.cycle_id = cur.id
             WHERE g.person_id = {me3} AND g.status IN ({agreed}, {in_progress})
               AND cur.phase IN ({phase_in_progress}, {phase_self_evaluation})
               AND g.created_at < {stale}
               AND NOT EXISTS (SELECT 1 FROM goal_progress_notes n
                               WHERE n.goal_id = g.id AND n.created_at >= {stale2})) AS stale_goals,
           (SELECT MIN(t.id) FROM trophies t WHERE t.holder_id = {me4} AND t.held_since < {trophy_since}) AS trophy_id,
           (SELECT t.name FROM trophies t WHERE t.id = (SELECT MIN(u.id) FROM trophies u
              WHERE u.holder_id = {me5} AND u.held_since < {trophy_since})) AS trophy_name"
    );
    let counts = Counts::find_by_statement(p.statement(db.backend(), sql))
        .one(db.conn())
        .await?;
    let Some(c) = counts else {
        return Ok(Todo::default());
    };
    // The cio's line about the cycle is what its next move would leave unfinished, the
    // very list the move's confirmation shows (a second statement, for the cio only).
    let phase = c
        .cycle_phase
        .as_deref()
        .and_then(|p| Phase::from_stored(p).ok());
    let unfinished = match (actor.role, c.cycle_id, phase.and_then(Phase::next)) {
        (Role::Cio, Some(cycle_id), Some(next)) => {
            crate::reviews::unfinished_in(db, cycle_id, next).await?
        }
        _ => Vec::new(),
    };
    Ok(Todo {
        lines: lines(&c, phase, &unfinished),
    })
}

fn lines(c: &Counts, phase: Option<Phase>, unfinished: &[Unfinished]) -> Vec<TodoLine> {
    let mut lines = Vec::new();
    let mut add = |kind, count: i64, text: String, link: String| {
        if count > 0 {
            lines.push(TodoLine {
                kind,
                count,
                text,
                link,
            });
        }
    };
    add(
        TodoKind::GoalsToAgree,
        c.goals_to_agree,
        format!(
            "{} from your team to agree",
            plural(c.goals_to_agree, "proposed goal", "proposed goals")
        ),
        "/team".to_owned(),
    );
    add(
        TodoKind::EvaluationsToReview,
        c.evaluations_to_review,
        format!(
            "{} to review",
            plural(
                c.evaluations_to_review,
                "submitted self-evaluation",
                "submitted self-evaluations"
            )
        ),
        "/team".to_owned(),
    );
    add(
        TodoKind::ReportsWithoutAssessment,
        c.reports_unassessed,
        format!(
            "{} with no skill assessment in this cycle",
            plural(
                c.reports_unassessed,
                "person in your team",
                "people in your team"
            )
        ),
        "/skills/team".to_owned(),
    );
    if phase == Some(Phase::SelfEvaluation) && c.evaluation_done == 0 {
        add(
            TodoKind::SelfEvaluationToWrite,
            1,
            format!(
                "Your self-evaluation for {} is open: write and submit it",
                c.cycle_name.as_deref().unwrap_or("this cycle")
            ),
            "/self-evaluation".to_owned(),
        );
    }
    add(
        TodoKind::GoalsWithoutProgress,
        c.stale_goals,
        format!(
            "{} with no progress noted for {STALE_GOAL_DAYS} days",
            plural(c.stale_goals, "of your goals", "of your goals")
        ),
        "/goals".to_owned(),
    );
    if let Some(trophy) = c.trophy_id {
        add(
            TodoKind::TrophyToPass,
            1,
            format!(
                "You have held {} for more than {TROPHY_PASS_DAYS} days: pass it on",
                c.trophy_name.as_deref().unwrap_or("the trophy")
            ),
            format!("/trophies/{trophy}"),
        );
    }
    if let Some(phase) = phase
        && !unfinished.is_empty()
    {
        let sentences: Vec<String> = unfinished.iter().map(Unfinished::sentence).collect();
        add(
            TodoKind::CycleWorkUnfinished,
            1,
            format!(
                "{} ({}): {}",
                c.cycle_name.as_deref().unwrap_or("The current cycle"),
                phase.label(),
                sentences.join("; ")
            ),
            "/cycles".to_owned(),
        );
    }
    lines
}
