use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum People {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Skills {
    Table,
    Id,
    Name,
    NameKey,
    Category,
    Description,
    Level1,
    Level2,
    Level3,
    Level4,
    Level5,
    Retired,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum SkillAssessments {
    Table,
    Id,
    PersonId,
    SkillId,
    Level,
    Source,
    AssessorId,
    AssessedOn,
    Note,
    CreatedAt,
}

/// Per person and skill, the baseline and current level (of any source), kept up to date
/// with each assessment in the same transaction, so department and team figures are one
/// aggregate over one row per person and skill instead of a scan of the whole history.
#[derive(DeriveIden)]
enum SkillLevels {
    Table,
    PersonId,
    SkillId,
    Baseline,
    BaselineOn,
    Current,
    CurrentOn,
    CurrentAssessmentId,
}

#[derive(DeriveIden)]
enum SkillTargets {
    Table,
    Id,
    PersonId,
    SkillId,
    Level,
    TargetDate,
    SetById,
    Proposed,
    UpdatedAt,
}

fn fk(
    name: &str,
    from: (impl IntoIden, impl IntoIden),
    to: (impl IntoIden, impl IntoIden),
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(name)
        .from(from.0, from.1)
        .to(to.0, to.1)
        .on_delete(ForeignKeyAction::Restrict)
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Skills::Table)
                    .col(pk_auto(Skills::Id))
                    .col(string_len(Skills::Name, 200))
                    // The name lower-cased: two skills may not differ only in letter case.
                    .col(string_len(Skills::NameKey, 200))
                    .col(string_len(Skills::Category, 20))
                    .col(text(Skills::Description).default(""))
                    .col(text(Skills::Level1).default(""))
                    .col(text(Skills::Level2).default(""))
                    .col(text(Skills::Level3).default(""))
                    .col(text(Skills::Level4).default(""))
                    .col(text(Skills::Level5).default(""))
                    .col(boolean(Skills::Retired).default(false))
                    .col(timestamp_with_time_zone(Skills::CreatedAt))
                    .col(timestamp_with_time_zone(Skills::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("skills_name_key_key")
                    .table(Skills::Table)
                    .col(Skills::NameKey)
                    .unique()
                    .to_owned(),
            )
            .await?;

        // The whole history is kept: a correction is a new row, never an edit.
        manager
            .create_table(
                Table::create()
                    .table(SkillAssessments::Table)
                    .col(big_pk_auto(SkillAssessments::Id))
                    .col(integer(SkillAssessments::PersonId))
                    .col(integer(SkillAssessments::SkillId))
                    .col(small_integer(SkillAssessments::Level))
                    // "self" | "manager"
                    .col(string_len(SkillAssessments::Source, 10))
                    .col(integer(SkillAssessments::AssessorId))
                    .col(date(SkillAssessments::AssessedOn))
                    .col(text(SkillAssessments::Note).default(""))
                    .col(timestamp_with_time_zone(SkillAssessments::CreatedAt))
                    .foreign_key(&mut fk(
                        "skill_assessments_person_id_fkey",
                        (SkillAssessments::Table, SkillAssessments::PersonId),
                        (People::Table, People::Id),
                    ))
                    .foreign_key(&mut fk(
                        "skill_assessments_skill_id_fkey",
                        (SkillAssessments::Table, SkillAssessments::SkillId),
                        (Skills::Table, Skills::Id),
                    ))
                    .foreign_key(&mut fk(
                        "skill_assessments_assessor_id_fkey",
                        (SkillAssessments::Table, SkillAssessments::AssessorId),
                        (People::Table, People::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        // A person's history per skill and source, in date order (baseline = first,
        // current = latest), and the department figures per skill.
        manager
            .create_index(
                Index::create()
                    .name("skill_assessments_person_skill_idx")
                    .table(SkillAssessments::Table)
                    .col(SkillAssessments::PersonId)
                    .col(SkillAssessments::SkillId)
                    .col(SkillAssessments::Source)
                    .col(SkillAssessments::AssessedOn)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("skill_assessments_skill_idx")
                    .table(SkillAssessments::Table)
                    .col(SkillAssessments::SkillId)
                    .col(SkillAssessments::Source)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(SkillLevels::Table)
                    .col(integer(SkillLevels::PersonId))
                    .col(integer(SkillLevels::SkillId))
                    .col(small_integer(SkillLevels::Baseline))
                    .col(date(SkillLevels::BaselineOn))
                    .col(small_integer(SkillLevels::Current))
                    .col(date(SkillLevels::CurrentOn))
                    .col(big_integer(SkillLevels::CurrentAssessmentId))
                    .primary_key(
                        Index::create()
                            .col(SkillLevels::PersonId)
                            .col(SkillLevels::SkillId),
                    )
                    .foreign_key(&mut fk(
                        "skill_levels_person_id_fkey",
                        (SkillLevels::Table, SkillLevels::PersonId),
                        (People::Table, People::Id),
                    ))
                    .foreign_key(&mut fk(
                        "skill_levels_skill_id_fkey",
                        (SkillLevels::Table, SkillLevels::SkillId),
                        (Skills::Table, Skills::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("skill_levels_skill_idx")
                    .table(SkillLevels::Table)
                    .col(SkillLevels::SkillId)
                    .to_owned(),
            )
            .await?;

        // One target per person per skill: set by a manager or the cio, or proposed by the person.
        manager
            .create_table(
                Table::create()
                    .table(SkillTargets::Table)
                    .col(pk_auto(SkillTargets::Id))
                    .col(integer(SkillTargets::PersonId))
                    .col(integer(SkillTargets::SkillId))
                    .col(small_integer(SkillTargets::Level))
                    .col(date_null(SkillTargets::TargetDate))
                    .col(integer(SkillTargets::SetById))
                    .col(boolean(SkillTargets::Proposed).default(false))
                    .col(timestamp_with_time_zone(SkillTargets::UpdatedAt))
                    .foreign_key(&mut fk(
                        "skill_targets_person_id_fkey",
                        (SkillTargets::Table, SkillTargets::PersonId),
                        (People::Table, People::Id),
                    ))
                    .foreign_key(&mut fk(
                        "skill_targets_skill_id_fkey",
                        (SkillTargets::Table, SkillTargets::SkillId),
                        (Skills::Table, Skills::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("skill_targets_person_skill_key")
                    .table(SkillTargets::Table)
                    .col(SkillTargets::PersonId)
                    .col(SkillTargets::SkillId)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            SkillLevels::Table.into_iden(),
            SkillTargets::Table.into_iden(),
            SkillAssessments::Table.into_iden(),
            Skills::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
