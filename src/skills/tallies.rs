//! The department's skill tallies (migration m20261206_000017): per skill, current level
//! and target, how many active people stand there and their baselines added up. Every
//! write that changes a level, a target or someone's active state recounts the skills it
//! touched from `skill_levels` in its own transaction (a scan of one skill's people), so
//! the department view reads a few hundred rows whatever the department's size.

use sea_orm::{ConnectionTrait, FromQueryResult};

use crate::{
    db::{Params, WriteTxn},
    error::AppResult,
};

/// How many active people stand at one current level with one target (0: none) in a
/// skill, and their baselines added up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, FromQueryResult)]
pub struct Tally {
    pub skill_id: i32,
    pub level: i16,
    pub target: i16,
    pub people: i64,
    pub baseline_sum: i64,
}

/// Recounts the tallies of these skills from `skill_levels`. On PostgreSQL each skill is
/// locked first (in id order), so two writers never recount one skill at once: the later
/// one waits, then counts what the earlier one committed.
pub async fn recount(txn: &WriteTxn, skill_ids: &[i32]) -> AppResult<()> {
    let mut ids = skill_ids.to_vec();
    ids.sort_unstable();
    ids.dedup();
    if ids.is_empty() {
        return Ok(());
    }
    lock(txn, &ids).await?;
    let backend = txn.get_database_backend();
    let mut p = Params::new();
    let list = p.bind_all(ids.iter().copied());
    txn.execute_raw(p.statement(
        backend,
        format!("DELETE FROM skill_tallies WHERE skill_id IN ({list})"),
    ))
    .await?;
    let mut p = Params::new();
    let list = p.bind_all(ids.iter().copied());
    let active = p.bind(true);
    txn.execute_raw(p.statement(
        backend,
        format!(
            "INSERT INTO skill_tallies (skill_id, level, target, people, baseline_sum)
             SELECT l.skill_id, l.current, COALESCE(t.level, 0), COUNT(*), SUM(l.baseline)
             FROM skill_levels l
             JOIN people p ON p.id = l.person_id AND p.active = {active}
             LEFT JOIN skill_targets t ON t.person_id = l.person_id AND t.skill_id = l.skill_id
             WHERE l.skill_id IN ({list})
             GROUP BY l.skill_id, l.current, COALESCE(t.level, 0)"
        ),
    ))
    .await?;
    Ok(())
}

/// Takes the locks of these skills' tallies (PostgreSQL; see `recount`). The cycle
/// standings (`super::standings`) take the same ones for the same skills after a
/// recount, which then waits for nothing new.
pub(super) async fn lock(txn: &WriteTxn, skill_ids: &[i32]) -> AppResult<()> {
    let keys: Vec<String> = skill_ids
        .iter()
        .map(|id| format!("skill-tallies:{id}"))
        .collect();
    txn.lock(&keys).await
}

#[derive(FromQueryResult)]
struct SkillOf {
    skill_id: i32,
}

/// The skills these people have a level in.
pub(super) async fn skills_of(txn: &WriteTxn, person_ids: &[i32]) -> AppResult<Vec<i32>> {
    if person_ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut p = Params::new();
    let list = p.bind_all(person_ids.iter().copied());
    let skills = SkillOf::find_by_statement(p.statement(
        txn.get_database_backend(),
        format!(
            "SELECT DISTINCT skill_id FROM skill_levels WHERE person_id IN ({list})
             ORDER BY skill_id"
        ),
    ))
    .all(txn)
    .await?;
    Ok(skills.into_iter().map(|s| s.skill_id).collect())
}

/// Recounts every skill these people have a level in: after their active state changed,
/// or a bulk import rebuilt their levels.
pub async fn recount_people(txn: &WriteTxn, person_ids: &[i32]) -> AppResult<()> {
    let ids = skills_of(txn, person_ids).await?;
    recount(txn, &ids).await
}

/// Every tally, by skill, level and target.
pub async fn all(conn: &impl ConnectionTrait) -> AppResult<Vec<Tally>> {
    Ok(Tally::find_by_statement(sea_orm::Statement::from_string(
        conn.get_database_backend(),
        "SELECT skill_id, level, target, people, baseline_sum FROM skill_tallies
         ORDER BY skill_id, level, target",
    ))
    .all(conn)
    .await?)
}
