//! The skill standings of each review cycle, kept in the same transaction as the writes
//! that change them (assessments, targets, a person's active state, a cycle's dates):
//! per cycle, active person and skill, their baseline, their level on the cycle's eve
//! and at its end, and their target (0 for "none": these are key columns, which cannot
//! hold NULL in a PostgreSQL primary key), and the same counted per group of people who
//! stand alike. A cycle's summary reads a few thousand grouped rows instead of seeking
//! two levels for each of 100,000 people and skills. Filled here from the assessments.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum SkillCycleStandings {
    Table,
    CycleId,
    PersonId,
    SkillId,
    Baseline,
    Eve,
    EndLevel,
    Target,
}

#[derive(DeriveIden)]
enum SkillCycleTallies {
    Table,
    CycleId,
    SkillId,
    Baseline,
    Eve,
    EndLevel,
    Target,
    People,
}

const GROUP_INDEX: &str = "skill_cycle_standings_group_idx";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(SkillCycleStandings::Table)
                    .col(integer(SkillCycleStandings::CycleId))
                    .col(integer(SkillCycleStandings::PersonId))
                    .col(integer(SkillCycleStandings::SkillId))
                    .col(small_integer(SkillCycleStandings::Baseline))
                    .col(small_integer(SkillCycleStandings::Eve))
                    .col(small_integer(SkillCycleStandings::EndLevel))
                    .col(small_integer(SkillCycleStandings::Target))
                    // Person first: every write but a cycle's rebuild refreshes some
                    // people's rows in every cycle, and a summary reads its readers'
                    // own people by id. A cycle's rows are found by the group index.
                    .primary_key(
                        Index::create()
                            .col(SkillCycleStandings::PersonId)
                            .col(SkillCycleStandings::SkillId)
                            .col(SkillCycleStandings::CycleId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("skill_cycle_standings_cycle_id_fkey")
                            .from(SkillCycleStandings::Table, SkillCycleStandings::CycleId)
                            .to(Alias::new("review_cycles"), Alias::new("id"))
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("skill_cycle_standings_person_id_fkey")
                            .from(SkillCycleStandings::Table, SkillCycleStandings::PersonId)
                            .to(Alias::new("people"), Alias::new("id"))
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("skill_cycle_standings_skill_id_fkey")
                            .from(SkillCycleStandings::Table, SkillCycleStandings::SkillId)
                            .to(Alias::new("skills"), Alias::new("id"))
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        // A cycle's rows, and the members of one small group (a summary lists them) in
        // one seek.
        manager
            .create_index(
                Index::create()
                    .name(GROUP_INDEX)
                    .table(SkillCycleStandings::Table)
                    .col(SkillCycleStandings::CycleId)
                    .col(SkillCycleStandings::SkillId)
                    .col(SkillCycleStandings::Baseline)
                    .col(SkillCycleStandings::Eve)
                    .col(SkillCycleStandings::EndLevel)
                    .col(SkillCycleStandings::Target)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(SkillCycleTallies::Table)
                    .col(integer(SkillCycleTallies::CycleId))
                    .col(integer(SkillCycleTallies::SkillId))
                    .col(small_integer(SkillCycleTallies::Baseline))
                    .col(small_integer(SkillCycleTallies::Eve))
                    .col(small_integer(SkillCycleTallies::EndLevel))
                    .col(small_integer(SkillCycleTallies::Target))
                    .col(big_integer(SkillCycleTallies::People))
                    .primary_key(
                        Index::create()
                            .col(SkillCycleTallies::CycleId)
                            .col(SkillCycleTallies::SkillId)
                            .col(SkillCycleTallies::Baseline)
                            .col(SkillCycleTallies::Eve)
                            .col(SkillCycleTallies::EndLevel)
                            .col(SkillCycleTallies::Target),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("skill_cycle_tallies_cycle_id_fkey")
                            .from(SkillCycleTallies::Table, SkillCycleTallies::CycleId)
                            .to(Alias::new("review_cycles"), Alias::new("id"))
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("skill_cycle_tallies_skill_id_fkey")
                            .from(SkillCycleTallies::Table, SkillCycleTallies::SkillId)
                            .to(Alias::new("skills"), Alias::new("id"))
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        // The same statements as `skills::standings` runs for a whole cycle, for every
        // cycle at once. "On or before the eve" is "before the first day".
        let conn = manager.get_connection();
        conn.execute_unprepared(
            "INSERT INTO skill_cycle_standings
                 (cycle_id, person_id, skill_id, baseline, eve, end_level, target)
             SELECT s.cycle_id, s.person_id, s.skill_id, s.baseline,
                    COALESCE(s.eve, 0), COALESCE(s.end_level, 0), s.target
             FROM (SELECT c.id AS cycle_id, l.person_id, l.skill_id, l.baseline,
                          (SELECT e.level FROM skill_assessments e
                           WHERE e.person_id = l.person_id AND e.skill_id = l.skill_id
                             AND e.assessed_on < c.starts_on
                           ORDER BY e.assessed_on DESC, e.id DESC LIMIT 1) AS eve,
                          (SELECT e.level FROM skill_assessments e
                           WHERE e.person_id = l.person_id AND e.skill_id = l.skill_id
                             AND e.assessed_on <= c.ends_on
                           ORDER BY e.assessed_on DESC, e.id DESC LIMIT 1) AS end_level,
                          COALESCE(t.level, 0) AS target
                   FROM review_cycles c
                   CROSS JOIN skill_levels l
                   JOIN people p ON p.id = l.person_id AND p.active = TRUE
                   LEFT JOIN skill_targets t
                     ON t.person_id = l.person_id AND t.skill_id = l.skill_id) s
             WHERE s.eve IS NOT NULL OR s.end_level IS NOT NULL",
        )
        .await?;
        conn.execute_unprepared(
            "INSERT INTO skill_cycle_tallies
                 (cycle_id, skill_id, baseline, eve, end_level, target, people)
             SELECT cycle_id, skill_id, baseline, eve, end_level, target, COUNT(*)
             FROM skill_cycle_standings
             GROUP BY cycle_id, skill_id, baseline, eve, end_level, target",
        )
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(SkillCycleTallies::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(SkillCycleStandings::Table).to_owned())
            .await
    }
}
