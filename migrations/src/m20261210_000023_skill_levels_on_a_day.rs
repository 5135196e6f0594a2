//! `skill_assessments_latest_idx`: a person's latest assessment in a skill on or before a
//! day, in one index seek. The summaries ask it for every active person and skill at the
//! period's eve and end, grouped in the database, so that a summary reads a few thousand
//! grouped rows instead of two rows per person and skill. `id` breaks ties between two
//! assessments on one day (the later one counts), and `level` makes the index covering.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum SkillAssessments {
    Table,
    Id,
    PersonId,
    SkillId,
    AssessedOn,
    Level,
}

const INDEX: &str = "skill_assessments_latest_idx";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_index(
                Index::create()
                    .name(INDEX)
                    .table(SkillAssessments::Table)
                    .col(SkillAssessments::PersonId)
                    .col(SkillAssessments::SkillId)
                    .col(SkillAssessments::AssessedOn)
                    .col(SkillAssessments::Id)
                    .col(SkillAssessments::Level)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name(INDEX)
                    .table(SkillAssessments::Table)
                    .to_owned(),
            )
            .await
    }
}
