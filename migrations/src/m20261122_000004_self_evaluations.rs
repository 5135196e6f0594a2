use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum People {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum ReviewCycles {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum PerformanceGoals {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Objectives {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum SelfEvaluations {
    Table,
    Id,
    PersonId,
    CycleId,
    Status,
    Reflection,
    SkillsDeveloped,
    SubmittedAt,
    ReviewerId,
    ReviewComment,
    ReviewRating,
    ReviewedAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum EvaluationEntries {
    Table,
    Id,
    EvaluationId,
    GoalId,
    Narrative,
    Outcome,
    SelfRating,
    Evidence,
}

#[derive(DeriveIden)]
enum EvaluationProposals {
    Table,
    Id,
    EvaluationId,
    Position,
    ObjectiveId,
    Title,
    Description,
    Category,
    CarriedGoalId,
}

#[derive(DeriveIden)]
enum EvaluationReopenings {
    Table,
    Id,
    EvaluationId,
    Reason,
    ReopenedById,
    ReopenedAt,
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
                    .table(SelfEvaluations::Table)
                    .col(pk_auto(SelfEvaluations::Id))
                    .col(integer(SelfEvaluations::PersonId))
                    .col(integer(SelfEvaluations::CycleId))
                    .col(string_len(SelfEvaluations::Status, 16))
                    .col(text(SelfEvaluations::Reflection).default(""))
                    .col(text(SelfEvaluations::SkillsDeveloped).default(""))
                    .col(timestamp_with_time_zone_null(SelfEvaluations::SubmittedAt))
                    .col(integer_null(SelfEvaluations::ReviewerId))
                    .col(text_null(SelfEvaluations::ReviewComment))
                    .col(small_integer_null(SelfEvaluations::ReviewRating))
                    .col(timestamp_with_time_zone_null(SelfEvaluations::ReviewedAt))
                    .col(timestamp_with_time_zone(SelfEvaluations::CreatedAt))
                    .col(timestamp_with_time_zone(SelfEvaluations::UpdatedAt))
                    .foreign_key(&mut fk(
                        "self_evaluations_person_id_fkey",
                        (SelfEvaluations::Table, SelfEvaluations::PersonId),
                        (People::Table, People::Id),
                    ))
                    .foreign_key(&mut fk(
                        "self_evaluations_cycle_id_fkey",
                        (SelfEvaluations::Table, SelfEvaluations::CycleId),
                        (ReviewCycles::Table, ReviewCycles::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        // One per person per cycle, enforced by the database.
        manager
            .create_index(
                Index::create()
                    .name("self_evaluations_cycle_person_key")
                    .table(SelfEvaluations::Table)
                    .col(SelfEvaluations::CycleId)
                    .col(SelfEvaluations::PersonId)
                    .unique()
                    .to_owned(),
            )
            .await?;

        // Per goal: narrative, outcome, self-rating and evidence (a JSON list of items:
        // free text and links now, kudos and compliments once recognition exists).
        manager
            .create_table(
                Table::create()
                    .table(EvaluationEntries::Table)
                    .col(pk_auto(EvaluationEntries::Id))
                    .col(integer(EvaluationEntries::EvaluationId))
                    .col(integer(EvaluationEntries::GoalId))
                    .col(text(EvaluationEntries::Narrative).default(""))
                    .col(string_len_null(EvaluationEntries::Outcome, 24))
                    .col(small_integer_null(EvaluationEntries::SelfRating))
                    .col(text(EvaluationEntries::Evidence).default("[]"))
                    .foreign_key(
                        ForeignKey::create()
                            .name("evaluation_entries_evaluation_id_fkey")
                            .from(EvaluationEntries::Table, EvaluationEntries::EvaluationId)
                            .to(SelfEvaluations::Table, SelfEvaluations::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(&mut fk(
                        "evaluation_entries_goal_id_fkey",
                        (EvaluationEntries::Table, EvaluationEntries::GoalId),
                        (PerformanceGoals::Table, PerformanceGoals::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("evaluation_entries_evaluation_goal_key")
                    .table(EvaluationEntries::Table)
                    .col(EvaluationEntries::EvaluationId)
                    .col(EvaluationEntries::GoalId)
                    .unique()
                    .to_owned(),
            )
            .await?;

        // Goals proposed for the next cycle; `carried_goal_id` is set when the next cycle
        // opens and the proposal becomes a proposed goal there.
        manager
            .create_table(
                Table::create()
                    .table(EvaluationProposals::Table)
                    .col(pk_auto(EvaluationProposals::Id))
                    .col(integer(EvaluationProposals::EvaluationId))
                    .col(integer(EvaluationProposals::Position))
                    .col(integer(EvaluationProposals::ObjectiveId))
                    .col(string_len(EvaluationProposals::Title, 200))
                    .col(text(EvaluationProposals::Description).default(""))
                    .col(string_len(EvaluationProposals::Category, 20))
                    .col(integer_null(EvaluationProposals::CarriedGoalId))
                    .foreign_key(
                        ForeignKey::create()
                            .name("evaluation_proposals_evaluation_id_fkey")
                            .from(
                                EvaluationProposals::Table,
                                EvaluationProposals::EvaluationId,
                            )
                            .to(SelfEvaluations::Table, SelfEvaluations::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(&mut fk(
                        "evaluation_proposals_objective_id_fkey",
                        (EvaluationProposals::Table, EvaluationProposals::ObjectiveId),
                        (Objectives::Table, Objectives::Id),
                    ))
                    .foreign_key(&mut fk(
                        "evaluation_proposals_carried_goal_id_fkey",
                        (
                            EvaluationProposals::Table,
                            EvaluationProposals::CarriedGoalId,
                        ),
                        (PerformanceGoals::Table, PerformanceGoals::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("evaluation_proposals_evaluation_idx")
                    .table(EvaluationProposals::Table)
                    .col(EvaluationProposals::EvaluationId)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(EvaluationReopenings::Table)
                    .col(pk_auto(EvaluationReopenings::Id))
                    .col(integer(EvaluationReopenings::EvaluationId))
                    .col(text(EvaluationReopenings::Reason))
                    .col(integer(EvaluationReopenings::ReopenedById))
                    .col(timestamp_with_time_zone(EvaluationReopenings::ReopenedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("evaluation_reopenings_evaluation_id_fkey")
                            .from(
                                EvaluationReopenings::Table,
                                EvaluationReopenings::EvaluationId,
                            )
                            .to(SelfEvaluations::Table, SelfEvaluations::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            EvaluationReopenings::Table.into_iden(),
            EvaluationProposals::Table.into_iden(),
            EvaluationEntries::Table.into_iden(),
            SelfEvaluations::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
