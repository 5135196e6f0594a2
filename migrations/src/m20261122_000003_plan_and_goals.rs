use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum People {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Plans {
    Table,
    Id,
    Title,
    StartYear,
    EndYear,
    Mission,
    Vision,
    Values,
    Status,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum StrategicGoals {
    Table,
    Id,
    PlanId,
    Number,
    Position,
    Title,
    Description,
}

#[derive(DeriveIden)]
enum Objectives {
    Table,
    Id,
    PlanId,
    StrategicGoalId,
    Number,
    Position,
    Title,
    Measure,
    Retired,
}

#[derive(DeriveIden)]
enum ReviewCycles {
    Table,
    Id,
    Name,
    PlanId,
    StartsOn,
    EndsOn,
    Phase,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum PerformanceGoals {
    Table,
    Id,
    PersonId,
    CycleId,
    ObjectiveId,
    Title,
    Description,
    Category,
    SkillId,
    TargetLevel,
    DueOn,
    Progress,
    Status,
    AgreedById,
    AgreedAt,
    CreatedById,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum GoalProgressNotes {
    Table,
    Id,
    GoalId,
    Progress,
    Note,
    NotedOn,
    AuthorId,
    CreatedAt,
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
                    .table(Plans::Table)
                    .col(pk_auto(Plans::Id))
                    .col(string_len(Plans::Title, 200))
                    .col(integer(Plans::StartYear))
                    .col(integer(Plans::EndYear))
                    .col(text(Plans::Mission).default(""))
                    .col(text(Plans::Vision).default(""))
                    // One value per line: the department's values, also offered as kudos tags.
                    .col(text(Plans::Values).default(""))
                    .col(string_len(Plans::Status, 16))
                    .col(timestamp_with_time_zone(Plans::CreatedAt))
                    .col(timestamp_with_time_zone(Plans::UpdatedAt))
                    .to_owned(),
            )
            .await?;

        // Codes are stable: G<number> and G<number>.<number>, numbers handed out once per
        // plan (goal) and never reused; the order shown is `position`, which may change.
        manager
            .create_table(
                Table::create()
                    .table(StrategicGoals::Table)
                    .col(pk_auto(StrategicGoals::Id))
                    .col(integer(StrategicGoals::PlanId))
                    .col(integer(StrategicGoals::Number))
                    .col(integer(StrategicGoals::Position))
                    .col(string_len(StrategicGoals::Title, 200))
                    .col(text(StrategicGoals::Description).default(""))
                    .foreign_key(&mut fk(
                        "strategic_goals_plan_id_fkey",
                        (StrategicGoals::Table, StrategicGoals::PlanId),
                        (Plans::Table, Plans::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("strategic_goals_plan_number_key")
                    .table(StrategicGoals::Table)
                    .col(StrategicGoals::PlanId)
                    .col(StrategicGoals::Number)
                    .unique()
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Objectives::Table)
                    .col(pk_auto(Objectives::Id))
                    // Kept beside the goal so "is this objective in that plan" is one lookup.
                    .col(integer(Objectives::PlanId))
                    .col(integer(Objectives::StrategicGoalId))
                    .col(integer(Objectives::Number))
                    .col(integer(Objectives::Position))
                    .col(string_len(Objectives::Title, 200))
                    .col(text(Objectives::Measure).default(""))
                    .col(boolean(Objectives::Retired).default(false))
                    .foreign_key(&mut fk(
                        "objectives_plan_id_fkey",
                        (Objectives::Table, Objectives::PlanId),
                        (Plans::Table, Plans::Id),
                    ))
                    .foreign_key(&mut fk(
                        "objectives_strategic_goal_id_fkey",
                        (Objectives::Table, Objectives::StrategicGoalId),
                        (StrategicGoals::Table, StrategicGoals::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("objectives_goal_number_key")
                    .table(Objectives::Table)
                    .col(Objectives::StrategicGoalId)
                    .col(Objectives::Number)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("objectives_plan_id_idx")
                    .table(Objectives::Table)
                    .col(Objectives::PlanId)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(ReviewCycles::Table)
                    .col(pk_auto(ReviewCycles::Id))
                    .col(string_len(ReviewCycles::Name, 100))
                    .col(integer(ReviewCycles::PlanId))
                    .col(date(ReviewCycles::StartsOn))
                    .col(date(ReviewCycles::EndsOn))
                    .col(string_len(ReviewCycles::Phase, 20))
                    .col(timestamp_with_time_zone(ReviewCycles::CreatedAt))
                    .col(timestamp_with_time_zone(ReviewCycles::UpdatedAt))
                    .foreign_key(&mut fk(
                        "review_cycles_plan_id_fkey",
                        (ReviewCycles::Table, ReviewCycles::PlanId),
                        (Plans::Table, Plans::Id),
                    ))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(PerformanceGoals::Table)
                    .col(pk_auto(PerformanceGoals::Id))
                    .col(integer(PerformanceGoals::PersonId))
                    .col(integer(PerformanceGoals::CycleId))
                    .col(integer(PerformanceGoals::ObjectiveId))
                    .col(string_len(PerformanceGoals::Title, 200))
                    .col(text(PerformanceGoals::Description).default(""))
                    .col(string_len(PerformanceGoals::Category, 20))
                    // The skills area fills these in; until then they stay null.
                    .col(integer_null(PerformanceGoals::SkillId))
                    .col(small_integer_null(PerformanceGoals::TargetLevel))
                    .col(date_null(PerformanceGoals::DueOn))
                    .col(small_integer(PerformanceGoals::Progress).default(0))
                    .col(string_len(PerformanceGoals::Status, 24))
                    .col(integer_null(PerformanceGoals::AgreedById))
                    .col(timestamp_with_time_zone_null(PerformanceGoals::AgreedAt))
                    .col(integer(PerformanceGoals::CreatedById))
                    .col(timestamp_with_time_zone(PerformanceGoals::CreatedAt))
                    .col(timestamp_with_time_zone(PerformanceGoals::UpdatedAt))
                    .foreign_key(&mut fk(
                        "performance_goals_person_id_fkey",
                        (PerformanceGoals::Table, PerformanceGoals::PersonId),
                        (People::Table, People::Id),
                    ))
                    .foreign_key(&mut fk(
                        "performance_goals_cycle_id_fkey",
                        (PerformanceGoals::Table, PerformanceGoals::CycleId),
                        (ReviewCycles::Table, ReviewCycles::Id),
                    ))
                    .foreign_key(&mut fk(
                        "performance_goals_objective_id_fkey",
                        (PerformanceGoals::Table, PerformanceGoals::ObjectiveId),
                        (Objectives::Table, Objectives::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        // A person's goals in a cycle, and a team's (people in the chain) goals in a cycle.
        manager
            .create_index(
                Index::create()
                    .name("performance_goals_cycle_person_idx")
                    .table(PerformanceGoals::Table)
                    .col(PerformanceGoals::CycleId)
                    .col(PerformanceGoals::PersonId)
                    .to_owned(),
            )
            .await?;
        // Plan coverage counts goals per objective.
        manager
            .create_index(
                Index::create()
                    .name("performance_goals_objective_idx")
                    .table(PerformanceGoals::Table)
                    .col(PerformanceGoals::ObjectiveId)
                    .col(PerformanceGoals::Status)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(GoalProgressNotes::Table)
                    .col(pk_auto(GoalProgressNotes::Id))
                    .col(integer(GoalProgressNotes::GoalId))
                    .col(small_integer(GoalProgressNotes::Progress))
                    .col(text(GoalProgressNotes::Note))
                    .col(date(GoalProgressNotes::NotedOn))
                    .col(integer(GoalProgressNotes::AuthorId))
                    .col(timestamp_with_time_zone(GoalProgressNotes::CreatedAt))
                    .foreign_key(&mut fk(
                        "goal_progress_notes_goal_id_fkey",
                        (GoalProgressNotes::Table, GoalProgressNotes::GoalId),
                        (PerformanceGoals::Table, PerformanceGoals::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("goal_progress_notes_goal_idx")
                    .table(GoalProgressNotes::Table)
                    .col(GoalProgressNotes::GoalId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            GoalProgressNotes::Table.into_iden(),
            PerformanceGoals::Table.into_iden(),
            ReviewCycles::Table.into_iden(),
            Objectives::Table.into_iden(),
            StrategicGoals::Table.into_iden(),
            Plans::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
