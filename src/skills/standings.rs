//! The skill standings of each review cycle (migration m20261211_000024), kept so that a
//! cycle's summary reads a few thousand grouped rows instead of seeking two levels for
//! every active person and skill (100,000 at the benchmark's scale).
//!
//! `skill_cycle_standings` holds, per cycle, active person and skill they have a level
//! in, their baseline, their level on the cycle's eve (the latest assessment before its
//! first day), at its end (the latest on or before its last day) and their target; 0
//! stands for "none" in the last three, because they are key columns. A person and skill
//! without a level at either day has no row, as `period_standings` leaves them out.
//! `skill_cycle_tallies` counts those rows per group of people who stand alike (a row
//! that reaches 0 is deleted).
//!
//! Why a level "at the end" can be kept although the cycle is still running: an
//! assessment is never dated after the day it is recorded (`parse_assessments` and the
//! import refuse it), so the latest assessment on or before a day that has not come yet
//! is the latest there is, `skill_levels.current`, which is what `period_standings` reads
//! for a day from today on. Until an assessment is recorded, nothing either reads
//! changes; when one is, it refreshes its own rows here in its transaction.
//!
//! Who keeps them, each in its own write transaction: an assessment, a target and the
//! baseline import refresh the people and skills they touched (`refresh_people`), a change
//! of someone's active state refreshes that person's skills, opening a cycle or moving
//! its dates rebuilds that cycle (`rebuild_cycle`). The dates come from `review_cycles`,
//! read here inside the statements (read only, as `todo/` reads other areas' tables), so
//! the cycles area does not need to hand skills a list of cycles, and skills does not call
//! cycles: cycles tells skills when its dates change.
//!
//! PostgreSQL: the tally rows of a skill are touched only under that skill's tally lock
//! (`tallies::lock`, the one `tallies::recount` takes), so writers of one skill go one at a
//! time and writers of different skills touch different rows; and a rebuilt cycle is
//! rebuilt under `CYCLES_KEY` alone while every refresh holds it shared, so a refresh
//! never reads a cycle's old dates after its rebuild has read the old levels.

use sea_orm::{ConnectionTrait, FromQueryResult};

use super::{GroupRow, PeriodStanding, PeriodStandings, tallies};
use crate::{
    db::{Params, WriteTxn},
    error::AppResult,
};

/// Taken shared by each refresh of some people, alone by a cycle's rebuild.
const CYCLES_KEY: &str = "skill-cycle-standings";

/// Which standings a write changed.
enum Scope<'a> {
    /// These people in these skills, in every cycle.
    People {
        people: &'a [i32],
        skills: &'a [i32],
    },
    /// Everyone in one cycle.
    Cycle(i32),
}

impl Scope<'_> {
    /// The condition on the columns naming a cycle, a person and a skill.
    fn filter(&self, p: &mut Params, cycle: &str, person: &str, skill: &str) -> String {
        match self {
            Scope::People { people, skills } => {
                let people = p.bind_all(people.iter().copied());
                let skills = p.bind_all(skills.iter().copied());
                format!("{person} IN ({people}) AND {skill} IN ({skills})")
            }
            Scope::Cycle(id) => format!("{cycle} = {}", p.bind(*id)),
        }
    }
}

/// Puts the writers of these people's skills in line (PostgreSQL; keys in a fixed order):
/// taken first, before any skill's lock, by every write that can give someone a level in a
/// skill they had none in (an assessment, an import) and by a change of their active
/// state. Without it a deactivation could read the person's skills just before an
/// assessment adds one, and leave them counted in that skill while inactive.
pub async fn lock_people(txn: &WriteTxn, people: &[i32]) -> AppResult<()> {
    let keys: Vec<String> = people.iter().map(|id| format!("skills-of:{id}")).collect();
    txn.lock(&keys).await
}

/// Before a change of someone's active state writes their row: every lock the refresh
/// after it takes (`refresh_people`), in the same order, while no row of theirs is locked
/// yet. A cycle being rebuilt holds `CYCLES_KEY` alone and checks every person's row (the
/// foreign key), so taking `CYCLES_KEY` only after locking the person's row could leave
/// each transaction waiting for the other.
pub async fn lock_for_active_change(txn: &WriteTxn, person_id: i32) -> AppResult<()> {
    lock_people(txn, &[person_id]).await?;
    let skills = tallies::skills_of(txn, &[person_id]).await?;
    tallies::lock(txn, &skills).await?;
    txn.lock_shared(CYCLES_KEY).await
}

/// Refreshes the standings of these people in these skills (in every skill they have a
/// level in: `None`) in every cycle, and the tallies that count them: after an
/// assessment, a target, an import, or a change of someone's active state. Call it after
/// `tallies::recount` of the same skills (it takes the same locks).
pub async fn refresh_people(
    txn: &WriteTxn,
    people: &[i32],
    skills: Option<&[i32]>,
) -> AppResult<()> {
    let mut skill_ids = match skills {
        Some(ids) => ids.to_vec(),
        None => tallies::skills_of(txn, people).await?,
    };
    skill_ids.sort_unstable();
    skill_ids.dedup();
    if people.is_empty() || skill_ids.is_empty() {
        return Ok(());
    }
    tallies::lock(txn, &skill_ids).await?;
    txn.lock_shared(CYCLES_KEY).await?;
    let scope = Scope::People {
        people,
        skills: &skill_ids,
    };
    // Take the old standings out of their tallies, write the new ones and count them in.
    count(txn, &scope, "-").await?;
    delete(txn, &scope).await?;
    insert(txn, &scope).await?;
    count(txn, &scope, "").await?;
    let mut p = Params::new();
    let skills = p.bind_all(skill_ids.iter().copied());
    txn.execute_raw(p.statement(
        txn.get_database_backend(),
        format!("DELETE FROM skill_cycle_tallies WHERE people = 0 AND skill_id IN ({skills})"),
    ))
    .await?;
    Ok(())
}

/// Rebuilds one cycle's standings and tallies from the assessments: after the cycle is
/// opened or its dates change.
pub async fn rebuild_cycle(txn: &WriteTxn, cycle_id: i32) -> AppResult<()> {
    txn.lock(&[CYCLES_KEY]).await?;
    let backend = txn.get_database_backend();
    for table in ["skill_cycle_tallies", "skill_cycle_standings"] {
        let mut p = Params::new();
        let id = p.bind(cycle_id);
        txn.execute_raw(p.statement(
            backend,
            format!("DELETE FROM {table} WHERE cycle_id = {id}"),
        ))
        .await?;
    }
    let scope = Scope::Cycle(cycle_id);
    insert(txn, &scope).await?;
    count(txn, &scope, "").await
}

/// Adds the scope's standings to their tallies (`sign` ""), or takes them out ("-"). An
/// upsert, which both backends read alike.
async fn count(txn: &WriteTxn, scope: &Scope<'_>, sign: &str) -> AppResult<()> {
    let mut p = Params::new();
    let filter = scope.filter(&mut p, "cycle_id", "person_id", "skill_id");
    txn.execute_raw(p.statement(
        txn.get_database_backend(),
        format!(
            "INSERT INTO skill_cycle_tallies
                 (cycle_id, skill_id, baseline, eve, end_level, target, people)
             SELECT cycle_id, skill_id, baseline, eve, end_level, target, {sign}COUNT(*)
             FROM skill_cycle_standings
             WHERE {filter}
             GROUP BY cycle_id, skill_id, baseline, eve, end_level, target
             ON CONFLICT (cycle_id, skill_id, baseline, eve, end_level, target)
             DO UPDATE SET people = skill_cycle_tallies.people + excluded.people"
        ),
    ))
    .await?;
    Ok(())
}

async fn delete(txn: &WriteTxn, scope: &Scope<'_>) -> AppResult<()> {
    let mut p = Params::new();
    let filter = scope.filter(&mut p, "cycle_id", "person_id", "skill_id");
    txn.execute_raw(p.statement(
        txn.get_database_backend(),
        format!("DELETE FROM skill_cycle_standings WHERE {filter}"),
    ))
    .await?;
    Ok(())
}

/// Writes the scope's standings from `skill_levels` and the assessments: the two levels
/// are one seek each on `skill_assessments_latest_idx`. "On or before the eve" is
/// "before the first day".
async fn insert(txn: &WriteTxn, scope: &Scope<'_>) -> AppResult<()> {
    let mut p = Params::new();
    let filter = scope.filter(&mut p, "c.id", "l.person_id", "l.skill_id");
    let active = p.bind(true);
    let eve = super::level_assessed_sql("< c.starts_on");
    let end_level = super::level_assessed_sql("<= c.ends_on");
    txn.execute_raw(p.statement(
        txn.get_database_backend(),
        format!(
            "INSERT INTO skill_cycle_standings
                 (cycle_id, person_id, skill_id, baseline, eve, end_level, target)
             SELECT s.cycle_id, s.person_id, s.skill_id, s.baseline,
                    COALESCE(s.eve, 0), COALESCE(s.end_level, 0), s.target
             FROM (SELECT c.id AS cycle_id, l.person_id, l.skill_id, l.baseline,
                          {eve} AS eve, {end_level} AS end_level,
                          COALESCE(t.level, 0) AS target
                   FROM review_cycles c
                   CROSS JOIN skill_levels l
                   JOIN people p ON p.id = l.person_id AND p.active = {active}
                   LEFT JOIN skill_targets t
                     ON t.person_id = l.person_id AND t.skill_id = l.skill_id
                   WHERE {filter}) s
             WHERE s.eve IS NOT NULL OR s.end_level IS NOT NULL"
        ),
    ))
    .await?;
    Ok(())
}

/// A cycle's standings as `period_standings` answers them, from the kept tables: the
/// groups are the cycle's tallies (members listed from the group index where fewer than
/// `list_below`), the people one by one a seek each. 0 reads back as "none", and the
/// groups come in the order the statement over every person gives them.
pub(super) async fn read(
    conn: &impl ConnectionTrait,
    cycle_id: i32,
    people: &[i32],
    list_below: i64,
) -> AppResult<PeriodStandings> {
    let backend = conn.get_database_backend();
    let mut p = Params::new();
    let cycle = p.bind(cycle_id);
    let below = p.bind(list_below);
    let listed = crate::db::id_list(backend, "s.person_id");
    let sql = format!(
        "SELECT t.skill_id, t.baseline, NULLIF(t.eve, 0) AS eve,
                NULLIF(t.end_level, 0) AS \"end\", NULLIF(t.target, 0) AS target, t.people,
                CASE WHEN t.people < {below} THEN
                    (SELECT {listed} FROM skill_cycle_standings s
                     WHERE s.cycle_id = t.cycle_id AND s.skill_id = t.skill_id
                       AND s.baseline = t.baseline AND s.eve = t.eve
                       AND s.end_level = t.end_level AND s.target = t.target)
                END AS listed
         FROM skill_cycle_tallies t
         WHERE t.cycle_id = {cycle}
         ORDER BY t.skill_id, t.baseline, NULLIF(t.eve, 0), NULLIF(t.end_level, 0),
                  NULLIF(t.target, 0)"
    );
    let groups = GroupRow::find_by_statement(p.statement(backend, sql))
        .all(conn)
        .await?
        .into_iter()
        .map(GroupRow::into_group)
        .collect();
    let people = if people.is_empty() {
        Vec::new()
    } else {
        let mut p = Params::new();
        let list = p.bind_all(people.iter().copied());
        let cycle = p.bind(cycle_id);
        // `+cycle_id` keeps SQLite on the primary key (a seek per person): without
        // statistics it would rather take the group index on the cycle alone and walk
        // all of the cycle's rows (100,000 at the benchmark's scale, 100 ms).
        PeriodStanding::find_by_statement(p.statement(
            backend,
            format!(
                "SELECT skill_id, person_id, baseline, NULLIF(eve, 0) AS eve,
                        NULLIF(end_level, 0) AS \"end\", NULLIF(target, 0) AS target
                 FROM skill_cycle_standings
                 WHERE person_id IN ({list}) AND +cycle_id = {cycle}
                 ORDER BY skill_id, person_id"
            ),
        ))
        .all(conn)
        .await?
    };
    Ok(PeriodStandings { groups, people })
}
