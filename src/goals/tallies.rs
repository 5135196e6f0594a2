//! Plan coverage kept in figures (migration m20261211_000025), so the summaries read a few
//! hundred grouped rows instead of grouping every goal of a period's cycles per request:
//!
//! - `goal_outcome_shares`: per cycle, objective and person, how many of that person's
//!   goals link the objective in the cycle and how many ended achieved, partially
//!   achieved and not achieved (dropped goals do not count; no goals, no row);
//! - `goal_outcome_tallies`: per cycle, objective and those four numbers, how many people
//!   share them (no people, no row).
//!
//! Every write of a goal that can change a share calls `refresh` in its own transaction
//! with the shares it may have touched (before and after the write): the old shares are
//! taken out of the tallies, the new ones counted from that person's goals and added back.
//! Those writes are proposing, assigning, carrying proposals into a new cycle, editing (a
//! new objective), recording or dropping an outcome and a submitted self-evaluation's
//! outcomes. Agreeing, sending back and reporting progress move a goal only between
//! proposed, agreed and in progress, which count alike (linked, no outcome), so they
//! leave the shares as they are.

use std::collections::{BTreeMap, BTreeSet};

use sea_orm::{ConnectionTrait, FromQueryResult};

use super::GoalStatus;
use crate::{
    db::{Params, WriteTxn},
    error::AppResult,
    validate::Word,
};

/// One share: a person's goals linking one objective in one cycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct ShareKey {
    pub cycle_id: i32,
    pub objective_id: i32,
    pub person_id: i32,
}

#[derive(FromQueryResult)]
struct ShareRow {
    cycle_id: i32,
    objective_id: i32,
    person_id: i32,
    linked: i64,
    achieved: i64,
    partially: i64,
    not_achieved: i64,
}

impl ShareRow {
    fn key(&self) -> ShareKey {
        ShareKey {
            cycle_id: self.cycle_id,
            objective_id: self.objective_id,
            person_id: self.person_id,
        }
    }

    fn counts(&self) -> Counts {
        [
            self.linked,
            self.achieved,
            self.partially,
            self.not_achieved,
        ]
    }
}

/// Linked, achieved, partially achieved, not achieved.
type Counts = [i64; 4];

/// The shares' rows in one cycle and objective: `(cycle_id = … AND objective_id = … AND
/// person_id IN (…)) OR …`, one term per cycle and objective.
fn matching(p: &mut Params, keys: &BTreeMap<(i32, i32), Vec<i32>>) -> String {
    let terms: Vec<String> = keys
        .iter()
        .map(|((cycle, objective), people)| {
            let cycle = p.bind(*cycle);
            let objective = p.bind(*objective);
            let people = p.bind_all(people.iter().copied());
            format!(
                "(cycle_id = {cycle} AND objective_id = {objective} AND person_id IN ({people}))"
            )
        })
        .collect();
    terms.join(" OR ")
}

/// The shares of non-dropped goals, counted from `performance_goals` (`filter` is a
/// condition on its columns), as the migration counted them all.
fn count_shares(p: &mut Params, filter: &str) -> String {
    let dropped = p.bind(GoalStatus::Dropped.as_str());
    let mut count_of = |status: GoalStatus| {
        let status = p.bind(status.as_str());
        format!("SUM(CASE WHEN status = {status} THEN 1 ELSE 0 END)")
    };
    let (achieved, partially, not_achieved) = (
        count_of(GoalStatus::Achieved),
        count_of(GoalStatus::PartiallyAchieved),
        count_of(GoalStatus::NotAchieved),
    );
    // CAST: PostgreSQL's SUM of an integer is a bigint already, SQLite's an integer; both
    // read as i64.
    format!(
        "SELECT cycle_id, objective_id, person_id, CAST(COUNT(*) AS BIGINT) AS linked,
                CAST({achieved} AS BIGINT) AS achieved, CAST({partially} AS BIGINT) AS partially,
                CAST({not_achieved} AS BIGINT) AS not_achieved
         FROM performance_goals
         WHERE status <> {dropped} AND ({filter})
         GROUP BY cycle_id, objective_id, person_id"
    )
}

/// Brings the shares `touched` and the tallies they fall in up to date with
/// `performance_goals`, inside the write that changed the goals. Pass every share the
/// write may have changed: the goal's cycle, objective and owner before and after it.
///
/// On PostgreSQL each cycle and objective is locked first (`WriteTxn::lock`, in a fixed
/// order), so two writers never count one objective's shares at once: the later one waits,
/// then reads what the earlier one committed. A transaction calls this once, after its
/// writes to goals (a batch passes all its shares in one call), so it never waits for one
/// lock while holding another that a second writer took first.
pub async fn refresh(txn: &WriteTxn, touched: &[ShareKey]) -> AppResult<()> {
    let mut keys: BTreeMap<(i32, i32), Vec<i32>> = BTreeMap::new();
    for share in touched.iter().collect::<BTreeSet<_>>() {
        keys.entry((share.cycle_id, share.objective_id))
            .or_default()
            .push(share.person_id);
    }
    if keys.is_empty() {
        return Ok(());
    }
    let locks: Vec<String> = keys
        .keys()
        .map(|(cycle, objective)| format!("goal-outcomes:{cycle}:{objective}"))
        .collect();
    txn.lock(&locks).await?;
    let backend = txn.get_database_backend();

    let mut p = Params::new();
    let filter = matching(&mut p, &keys);
    let old: BTreeMap<ShareKey, Counts> = ShareRow::find_by_statement(p.statement(
        backend,
        format!(
            "SELECT cycle_id, objective_id, person_id, linked, achieved, partially, not_achieved
             FROM goal_outcome_shares WHERE {filter}"
        ),
    ))
    .all(txn)
    .await?
    .iter()
    .map(|row| (row.key(), row.counts()))
    .collect();
    let mut p = Params::new();
    let filter = matching(&mut p, &keys);
    let sql = count_shares(&mut p, &filter);
    let new: BTreeMap<ShareKey, Counts> = ShareRow::find_by_statement(p.statement(backend, sql))
        .all(txn)
        .await?
        .iter()
        .map(|row| (row.key(), row.counts()))
        .collect();

    // People in and out of each group, in the tallies' key order.
    let mut moves: BTreeMap<(i32, i32, Counts), i64> = BTreeMap::new();
    let mut gone = Vec::new();
    let mut changed = Vec::new();
    for key in old.keys().chain(new.keys()).collect::<BTreeSet<_>>() {
        let (before, after) = (old.get(key), new.get(key));
        if before == after {
            continue;
        }
        if let Some(counts) = before {
            *moves
                .entry((key.cycle_id, key.objective_id, *counts))
                .or_default() -= 1;
        }
        match after {
            Some(counts) => {
                *moves
                    .entry((key.cycle_id, key.objective_id, *counts))
                    .or_default() += 1;
                changed.push((*key, *counts));
            }
            None => gone.push(*key),
        }
    }
    moves.retain(|_, people| *people != 0);

    for chunk in gone.chunks(500) {
        let mut p = Params::new();
        let terms: Vec<String> = chunk
            .iter()
            .map(|k| {
                format!(
                    "(cycle_id = {} AND objective_id = {} AND person_id = {})",
                    p.bind(k.cycle_id),
                    p.bind(k.objective_id),
                    p.bind(k.person_id)
                )
            })
            .collect();
        txn.execute_raw(p.statement(
            backend,
            format!(
                "DELETE FROM goal_outcome_shares WHERE {}",
                terms.join(" OR ")
            ),
        ))
        .await?;
    }
    for chunk in changed.chunks(500) {
        let mut p = Params::new();
        let rows: Vec<String> = chunk
            .iter()
            .map(|(k, [linked, achieved, partially, not_achieved])| {
                format!(
                    "({}, {}, {}, {}, {}, {}, {})",
                    p.bind(k.cycle_id),
                    p.bind(k.objective_id),
                    p.bind(k.person_id),
                    p.bind(*linked),
                    p.bind(*achieved),
                    p.bind(*partially),
                    p.bind(*not_achieved)
                )
            })
            .collect();
        txn.execute_raw(p.statement(
            backend,
            format!(
                "INSERT INTO goal_outcome_shares
                     (cycle_id, objective_id, person_id, linked, achieved, partially, not_achieved)
                 VALUES {}
                 ON CONFLICT (cycle_id, objective_id, person_id) DO UPDATE SET
                     linked = excluded.linked, achieved = excluded.achieved,
                     partially = excluded.partially, not_achieved = excluded.not_achieved",
                rows.join(", ")
            ),
        ))
        .await?;
    }
    let moves: Vec<_> = moves.into_iter().collect();
    for chunk in moves.chunks(500) {
        let mut p = Params::new();
        let rows: Vec<String> = chunk
            .iter()
            .map(
                |((cycle, objective, [linked, achieved, partially, not_achieved]), people)| {
                    format!(
                        "({}, {}, {}, {}, {}, {}, {})",
                        p.bind(*cycle),
                        p.bind(*objective),
                        p.bind(*linked),
                        p.bind(*achieved),
                        p.bind(*partially),
                        p.bind(*not_achieved),
                        p.bind(*people)
                    )
                },
            )
            .collect();
        txn.execute_raw(p.statement(
            backend,
            format!(
                "INSERT INTO goal_outcome_tallies
                     (cycle_id, objective_id, linked, achieved, partially, not_achieved, people)
                 VALUES {}
                 ON CONFLICT (cycle_id, objective_id, linked, achieved, partially, not_achieved)
                 DO UPDATE SET people = goal_outcome_tallies.people + excluded.people",
                rows.join(", ")
            ),
        ))
        .await?;
    }
    if !moves.is_empty() {
        let mut p = Params::new();
        let terms: Vec<String> = keys
            .keys()
            .map(|(cycle, objective)| {
                format!(
                    "(cycle_id = {} AND objective_id = {})",
                    p.bind(*cycle),
                    p.bind(*objective)
                )
            })
            .collect();
        txn.execute_raw(p.statement(
            backend,
            format!(
                "DELETE FROM goal_outcome_tallies WHERE people = 0 AND ({})",
                terms.join(" OR ")
            ),
        ))
        .await?;
    }
    Ok(())
}

#[derive(FromQueryResult)]
struct Pair {
    objective_id: i32,
    person_id: i32,
}

/// `refresh` for every share of these people in one cycle: those their goals fall in and
/// those counted before.
pub async fn refresh_people(txn: &WriteTxn, cycle_id: i32, person_ids: &[i32]) -> AppResult<()> {
    if person_ids.is_empty() {
        return Ok(());
    }
    let mut p = Params::new();
    let mut of = |table: &str| {
        let cycle = p.bind(cycle_id);
        let people = p.bind_all(person_ids.iter().copied());
        format!(
            "SELECT objective_id, person_id FROM {table}
             WHERE cycle_id = {cycle} AND person_id IN ({people})"
        )
    };
    let sql = format!(
        "{} UNION {}",
        of("performance_goals"),
        of("goal_outcome_shares")
    );
    let pairs = Pair::find_by_statement(p.statement(txn.get_database_backend(), sql))
        .all(txn)
        .await?;
    let touched: Vec<ShareKey> = pairs
        .into_iter()
        .map(|pair| ShareKey {
            cycle_id,
            objective_id: pair.objective_id,
            person_id: pair.person_id,
        })
        .collect();
    refresh(txn, &touched).await
}
