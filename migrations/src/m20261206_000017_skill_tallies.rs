//! The department's skill levels in figures, kept in the same transaction as the
//! assessments, targets and changes of active state they count: per skill, current level
//! and target (0 for none), how many active people stand there and their baselines added
//! up. The department view reads a few hundred rows instead of one per person and skill
//! (40,000 at the benchmark's scale). Filled here from `skill_levels`.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum SkillTallies {
    Table,
    SkillId,
    Level,
    Target,
    People,
    BaselineSum,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(SkillTallies::Table)
                    .col(integer(SkillTallies::SkillId))
                    .col(small_integer(SkillTallies::Level))
                    .col(small_integer(SkillTallies::Target))
                    .col(big_integer(SkillTallies::People))
                    .col(big_integer(SkillTallies::BaselineSum))
                    .primary_key(
                        Index::create()
                            .col(SkillTallies::SkillId)
                            .col(SkillTallies::Level)
                            .col(SkillTallies::Target),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("skill_tallies_skill_id_fkey")
                            .from(SkillTallies::Table, SkillTallies::SkillId)
                            .to(Alias::new("skills"), Alias::new("id"))
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .get_connection()
            .execute_unprepared(
                "INSERT INTO skill_tallies (skill_id, level, target, people, baseline_sum)
                 SELECT l.skill_id, l.current, COALESCE(t.level, 0), COUNT(*), SUM(l.baseline)
                 FROM skill_levels l
                 JOIN people p ON p.id = l.person_id AND p.active = TRUE
                 LEFT JOIN skill_targets t ON t.person_id = l.person_id AND t.skill_id = l.skill_id
                 GROUP BY l.skill_id, l.current, COALESCE(t.level, 0)",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(SkillTallies::Table).to_owned())
            .await
    }
}
