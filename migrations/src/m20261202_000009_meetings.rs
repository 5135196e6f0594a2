//! Meetings: the quarterly half-day meetings and the annual retreat, their ordered agenda
//! items with what came out of them (points, action items, attendance), the question bank
//! and saved agenda templates. The bank's first questions are written by the service at
//! start (`meetings::bank::ensure_seeded`), not here: a migration that wrote rows could not
//! be reverted without `--yes` on a database nobody has used.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum People {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Objectives {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum PerformanceGoals {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Meetings {
    Table,
    Id,
    Kind,
    Title,
    StartsAt,
    TimeZone,
    DurationMinutes,
    Location,
    FacilitatorId,
    Status,
    PublishedAt,
    HeldAt,
    Sequence,
    CreatedById,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum MeetingQuestions {
    Table,
    Id,
    Prompt,
    CreatedAt,
}

#[derive(DeriveIden)]
enum MeetingItems {
    Table,
    Id,
    MeetingId,
    Position,
    Kind,
    Title,
    Prompt,
    PlannedMinutes,
    OwnerId,
    GuestName,
    GuestDepartment,
    ObjectiveId,
    ValueName,
    QuestionId,
    StartedAt,
    EndedAt,
    Notes,
    DeferredAt,
    CarriedFromId,
}

#[derive(DeriveIden)]
enum MeetingPoints {
    Table,
    Id,
    ItemId,
    Kind,
    Text,
    CreatedAt,
}

#[derive(DeriveIden)]
enum MeetingActions {
    Table,
    Id,
    MeetingId,
    ItemId,
    Text,
    OwnerId,
    DueOn,
    DoneAt,
    GoalId,
    CreatedAt,
}

#[derive(DeriveIden)]
enum MeetingAttendees {
    Table,
    MeetingId,
    PersonId,
}

#[derive(DeriveIden)]
enum MeetingTemplates {
    Table,
    Id,
    Name,
    Kind,
    CreatedAt,
}

#[derive(DeriveIden)]
enum MeetingTemplateItems {
    Table,
    Id,
    TemplateId,
    Position,
    Kind,
    Title,
    Prompt,
    PlannedMinutes,
    QuestionId,
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

fn index(name: &str, table: impl IntoIden, cols: &[&'static str]) -> IndexCreateStatement {
    let mut statement = Index::create();
    statement.name(name).table(table);
    for col in cols {
        statement.col(Alias::new(*col));
    }
    statement.to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // `published_at` stays set when a meeting is cancelled: calendars that once listed
        // it must be told it is off. `sequence` grows with every change a calendar sees.
        manager
            .create_table(
                Table::create()
                    .table(Meetings::Table)
                    .col(big_pk_auto(Meetings::Id))
                    .col(text(Meetings::Kind))
                    .col(text(Meetings::Title))
                    .col(timestamp_with_time_zone(Meetings::StartsAt))
                    .col(text(Meetings::TimeZone))
                    .col(integer(Meetings::DurationMinutes))
                    .col(text(Meetings::Location).default(""))
                    .col(integer_null(Meetings::FacilitatorId))
                    .col(text(Meetings::Status))
                    .col(timestamp_with_time_zone_null(Meetings::PublishedAt))
                    .col(timestamp_with_time_zone_null(Meetings::HeldAt))
                    .col(integer(Meetings::Sequence).default(0))
                    .col(integer(Meetings::CreatedById))
                    .col(timestamp_with_time_zone(Meetings::CreatedAt))
                    .col(timestamp_with_time_zone(Meetings::UpdatedAt))
                    .foreign_key(&mut fk(
                        "meetings_facilitator_id_fkey",
                        (Meetings::Table, Meetings::FacilitatorId),
                        (People::Table, People::Id),
                    ))
                    .foreign_key(&mut fk(
                        "meetings_created_by_id_fkey",
                        (Meetings::Table, Meetings::CreatedById),
                        (People::Table, People::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        // The list, the next published meeting, the previous meeting of a kind.
        manager
            .create_index(index(
                "meetings_starts_idx",
                Meetings::Table,
                &["starts_at", "id"],
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(MeetingQuestions::Table)
                    .col(big_pk_auto(MeetingQuestions::Id))
                    .col(text(MeetingQuestions::Prompt))
                    .col(timestamp_with_time_zone(MeetingQuestions::CreatedAt))
                    .to_owned(),
            )
            .await?;

        // Positions are contiguous from 0 within a meeting; the unique index backs the
        // per-meeting lock that moves take.
        manager
            .create_table(
                Table::create()
                    .table(MeetingItems::Table)
                    .col(big_pk_auto(MeetingItems::Id))
                    .col(big_integer(MeetingItems::MeetingId))
                    .col(integer(MeetingItems::Position))
                    .col(text(MeetingItems::Kind))
                    .col(text(MeetingItems::Title))
                    .col(text(MeetingItems::Prompt).default(""))
                    .col(integer(MeetingItems::PlannedMinutes))
                    .col(integer_null(MeetingItems::OwnerId))
                    .col(text(MeetingItems::GuestName).default(""))
                    .col(text(MeetingItems::GuestDepartment).default(""))
                    .col(integer_null(MeetingItems::ObjectiveId))
                    .col(text_null(MeetingItems::ValueName))
                    .col(big_integer_null(MeetingItems::QuestionId))
                    .col(timestamp_with_time_zone_null(MeetingItems::StartedAt))
                    .col(timestamp_with_time_zone_null(MeetingItems::EndedAt))
                    .col(text(MeetingItems::Notes).default(""))
                    .col(timestamp_with_time_zone_null(MeetingItems::DeferredAt))
                    .col(big_integer_null(MeetingItems::CarriedFromId))
                    .foreign_key(&mut fk(
                        "meeting_items_meeting_id_fkey",
                        (MeetingItems::Table, MeetingItems::MeetingId),
                        (Meetings::Table, Meetings::Id),
                    ))
                    .foreign_key(&mut fk(
                        "meeting_items_owner_id_fkey",
                        (MeetingItems::Table, MeetingItems::OwnerId),
                        (People::Table, People::Id),
                    ))
                    .foreign_key(&mut fk(
                        "meeting_items_objective_id_fkey",
                        (MeetingItems::Table, MeetingItems::ObjectiveId),
                        (Objectives::Table, Objectives::Id),
                    ))
                    .foreign_key(&mut fk(
                        "meeting_items_question_id_fkey",
                        (MeetingItems::Table, MeetingItems::QuestionId),
                        (MeetingQuestions::Table, MeetingQuestions::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                index(
                    "meeting_items_position_key",
                    MeetingItems::Table,
                    &["meeting_id", "position"],
                )
                .unique()
                .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "meeting_items_question_idx",
                MeetingItems::Table,
                &["question_id"],
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(MeetingPoints::Table)
                    .col(big_pk_auto(MeetingPoints::Id))
                    .col(big_integer(MeetingPoints::ItemId))
                    .col(text(MeetingPoints::Kind))
                    .col(text(MeetingPoints::Text))
                    .col(timestamp_with_time_zone(MeetingPoints::CreatedAt))
                    .foreign_key(&mut fk(
                        "meeting_points_item_id_fkey",
                        (MeetingPoints::Table, MeetingPoints::ItemId),
                        (MeetingItems::Table, MeetingItems::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "meeting_points_item_idx",
                MeetingPoints::Table,
                &["item_id", "id"],
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(MeetingActions::Table)
                    .col(big_pk_auto(MeetingActions::Id))
                    .col(big_integer(MeetingActions::MeetingId))
                    .col(big_integer_null(MeetingActions::ItemId))
                    .col(text(MeetingActions::Text))
                    .col(integer(MeetingActions::OwnerId))
                    .col(date_null(MeetingActions::DueOn))
                    .col(timestamp_with_time_zone_null(MeetingActions::DoneAt))
                    .col(integer_null(MeetingActions::GoalId))
                    .col(timestamp_with_time_zone(MeetingActions::CreatedAt))
                    .foreign_key(&mut fk(
                        "meeting_actions_meeting_id_fkey",
                        (MeetingActions::Table, MeetingActions::MeetingId),
                        (Meetings::Table, Meetings::Id),
                    ))
                    .foreign_key(&mut fk(
                        "meeting_actions_item_id_fkey",
                        (MeetingActions::Table, MeetingActions::ItemId),
                        (MeetingItems::Table, MeetingItems::Id),
                    ))
                    .foreign_key(&mut fk(
                        "meeting_actions_owner_id_fkey",
                        (MeetingActions::Table, MeetingActions::OwnerId),
                        (People::Table, People::Id),
                    ))
                    .foreign_key(&mut fk(
                        "meeting_actions_goal_id_fkey",
                        (MeetingActions::Table, MeetingActions::GoalId),
                        (PerformanceGoals::Table, PerformanceGoals::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "meeting_actions_meeting_idx",
                MeetingActions::Table,
                &["meeting_id", "id"],
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(MeetingAttendees::Table)
                    .col(big_integer(MeetingAttendees::MeetingId))
                    .col(integer(MeetingAttendees::PersonId))
                    .primary_key(
                        Index::create()
                            .col(MeetingAttendees::MeetingId)
                            .col(MeetingAttendees::PersonId),
                    )
                    .foreign_key(&mut fk(
                        "meeting_attendees_meeting_id_fkey",
                        (MeetingAttendees::Table, MeetingAttendees::MeetingId),
                        (Meetings::Table, Meetings::Id),
                    ))
                    .foreign_key(&mut fk(
                        "meeting_attendees_person_id_fkey",
                        (MeetingAttendees::Table, MeetingAttendees::PersonId),
                        (People::Table, People::Id),
                    ))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(MeetingTemplates::Table)
                    .col(big_pk_auto(MeetingTemplates::Id))
                    .col(text(MeetingTemplates::Name))
                    .col(text(MeetingTemplates::Kind))
                    .col(timestamp_with_time_zone(MeetingTemplates::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(MeetingTemplateItems::Table)
                    .col(big_pk_auto(MeetingTemplateItems::Id))
                    .col(big_integer(MeetingTemplateItems::TemplateId))
                    .col(integer(MeetingTemplateItems::Position))
                    .col(text(MeetingTemplateItems::Kind))
                    .col(text(MeetingTemplateItems::Title))
                    .col(text(MeetingTemplateItems::Prompt).default(""))
                    .col(integer(MeetingTemplateItems::PlannedMinutes))
                    .col(big_integer_null(MeetingTemplateItems::QuestionId))
                    .foreign_key(&mut fk(
                        "meeting_template_items_template_id_fkey",
                        (
                            MeetingTemplateItems::Table,
                            MeetingTemplateItems::TemplateId,
                        ),
                        (MeetingTemplates::Table, MeetingTemplates::Id),
                    ))
                    .foreign_key(&mut fk(
                        "meeting_template_items_question_id_fkey",
                        (
                            MeetingTemplateItems::Table,
                            MeetingTemplateItems::QuestionId,
                        ),
                        (MeetingQuestions::Table, MeetingQuestions::Id),
                    ))
                    .to_owned(),
            )
            .await?;

        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            MeetingTemplateItems::Table.into_iden(),
            MeetingTemplates::Table.into_iden(),
            MeetingAttendees::Table.into_iden(),
            MeetingActions::Table.into_iden(),
            MeetingPoints::Table.into_iden(),
            MeetingItems::Table.into_iden(),
            MeetingQuestions::Table.into_iden(),
            Meetings::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
