//! Plan coverage in figures, kept in the same transaction as the goals they count
//! (`goals::tallies`), so the summaries read a few hundred grouped rows instead of
//! grouping every goal of a period's cycles per request (45,000 at the benchmark's scale).
//!
//! `goal_outcome_shares`: per cycle, objective and person, that person's goals linked to
//! the objective in the cycle and how many ended achieved, partially achieved and not
//! achieved; dropped goals do not count, and a person whose goals there are all dropped
//! has no row. The group index lists the people of one group in one seek (`person_id`
//! last makes it covering); the person index reads the reader's own people, one seek
//! each: covering too, or SQLite prefers scanning a cycle's shares in the primary key
//! (4 ms at the benchmark's scale against 0.05 ms).
//!
//! `goal_outcome_tallies`: per cycle, objective and those four numbers, how many people
//! share them; a group nobody is in has no row. Both filled here from `performance_goals`.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum GoalOutcomeShares {
    Table,
    CycleId,
    ObjectiveId,
    PersonId,
    Linked,
    Achieved,
    Partially,
    NotAchieved,
}

#[derive(DeriveIden)]
enum GoalOutcomeTallies {
    Table,
    CycleId,
    ObjectiveId,
    Linked,
    Achieved,
    Partially,
    NotAchieved,
    People,
}

fn references(
    name: &str,
    from: (impl IntoIden, impl IntoIden),
    to: &str,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(name)
        .from(from.0, from.1)
        .to(Alias::new(to), Alias::new("id"))
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(GoalOutcomeShares::Table)
                    .col(integer(GoalOutcomeShares::CycleId))
                    .col(integer(GoalOutcomeShares::ObjectiveId))
                    .col(integer(GoalOutcomeShares::PersonId))
                    .col(big_integer(GoalOutcomeShares::Linked))
                    .col(big_integer(GoalOutcomeShares::Achieved))
                    .col(big_integer(GoalOutcomeShares::Partially))
                    .col(big_integer(GoalOutcomeShares::NotAchieved))
                    .primary_key(
                        Index::create()
                            .col(GoalOutcomeShares::CycleId)
                            .col(GoalOutcomeShares::ObjectiveId)
                            .col(GoalOutcomeShares::PersonId),
                    )
                    .foreign_key(&mut references(
                        "goal_outcome_shares_cycle_id_fkey",
                        (GoalOutcomeShares::Table, GoalOutcomeShares::CycleId),
                        "review_cycles",
                    ))
                    .foreign_key(&mut references(
                        "goal_outcome_shares_objective_id_fkey",
                        (GoalOutcomeShares::Table, GoalOutcomeShares::ObjectiveId),
                        "objectives",
                    ))
                    .foreign_key(&mut references(
                        "goal_outcome_shares_person_id_fkey",
                        (GoalOutcomeShares::Table, GoalOutcomeShares::PersonId),
                        "people",
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("goal_outcome_shares_group_idx")
                    .table(GoalOutcomeShares::Table)
                    .col(GoalOutcomeShares::CycleId)
                    .col(GoalOutcomeShares::ObjectiveId)
                    .col(GoalOutcomeShares::Linked)
                    .col(GoalOutcomeShares::Achieved)
                    .col(GoalOutcomeShares::Partially)
                    .col(GoalOutcomeShares::NotAchieved)
                    .col(GoalOutcomeShares::PersonId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("goal_outcome_shares_person_idx")
                    .table(GoalOutcomeShares::Table)
                    .col(GoalOutcomeShares::CycleId)
                    .col(GoalOutcomeShares::PersonId)
                    .col(GoalOutcomeShares::ObjectiveId)
                    .col(GoalOutcomeShares::Linked)
                    .col(GoalOutcomeShares::Achieved)
                    .col(GoalOutcomeShares::Partially)
                    .col(GoalOutcomeShares::NotAchieved)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(GoalOutcomeTallies::Table)
                    .col(integer(GoalOutcomeTallies::CycleId))
                    .col(integer(GoalOutcomeTallies::ObjectiveId))
                    .col(big_integer(GoalOutcomeTallies::Linked))
                    .col(big_integer(GoalOutcomeTallies::Achieved))
                    .col(big_integer(GoalOutcomeTallies::Partially))
                    .col(big_integer(GoalOutcomeTallies::NotAchieved))
                    .col(big_integer(GoalOutcomeTallies::People))
                    .primary_key(
                        Index::create()
                            .col(GoalOutcomeTallies::CycleId)
                            .col(GoalOutcomeTallies::ObjectiveId)
                            .col(GoalOutcomeTallies::Linked)
                            .col(GoalOutcomeTallies::Achieved)
                            .col(GoalOutcomeTallies::Partially)
                            .col(GoalOutcomeTallies::NotAchieved),
                    )
                    .foreign_key(&mut references(
                        "goal_outcome_tallies_cycle_id_fkey",
                        (GoalOutcomeTallies::Table, GoalOutcomeTallies::CycleId),
                        "review_cycles",
                    ))
                    .foreign_key(&mut references(
                        "goal_outcome_tallies_objective_id_fkey",
                        (GoalOutcomeTallies::Table, GoalOutcomeTallies::ObjectiveId),
                        "objectives",
                    ))
                    .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        db.execute_unprepared(
            "INSERT INTO goal_outcome_shares
                 (cycle_id, objective_id, person_id, linked, achieved, partially, not_achieved)
             SELECT cycle_id, objective_id, person_id, COUNT(*),
                    SUM(CASE WHEN status = 'achieved' THEN 1 ELSE 0 END),
                    SUM(CASE WHEN status = 'partially_achieved' THEN 1 ELSE 0 END),
                    SUM(CASE WHEN status = 'not_achieved' THEN 1 ELSE 0 END)
             FROM performance_goals
             WHERE status <> 'dropped'
             GROUP BY cycle_id, objective_id, person_id",
        )
        .await?;
        db.execute_unprepared(
            "INSERT INTO goal_outcome_tallies
                 (cycle_id, objective_id, linked, achieved, partially, not_achieved, people)
             SELECT cycle_id, objective_id, linked, achieved, partially, not_achieved, COUNT(*)
             FROM goal_outcome_shares
             GROUP BY cycle_id, objective_id, linked, achieved, partially, not_achieved",
        )
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(GoalOutcomeTallies::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(GoalOutcomeShares::Table).to_owned())
            .await
    }
}
