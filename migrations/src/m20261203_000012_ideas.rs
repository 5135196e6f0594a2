//! The committee's ideas: ideas and concerns about the department's services submitted by
//! advisors and staff, each answered by the cio with a status and a reply, and an adopted
//! idea optionally linked to a plan objective or to an ideas item of a meeting's agenda.
//! A link to something deleted later is cleared, never left dangling.

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
enum MeetingItems {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Ideas {
    Table,
    Id,
    SubmittedById,
    Title,
    Body,
    Status,
    Reply,
    RepliedById,
    RepliedAt,
    ObjectiveId,
    MeetingItemId,
    CreatedAt,
    UpdatedAt,
}

fn fk(
    name: &str,
    from: (impl IntoIden, impl IntoIden),
    to: (impl IntoIden, impl IntoIden),
    on_delete: ForeignKeyAction,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(name)
        .from(from.0, from.1)
        .to(to.0, to.1)
        .on_delete(on_delete)
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Ideas::Table)
                    .col(big_pk_auto(Ideas::Id))
                    .col(integer(Ideas::SubmittedById))
                    .col(text(Ideas::Title))
                    .col(text(Ideas::Body))
                    .col(text(Ideas::Status))
                    .col(text(Ideas::Reply).default(""))
                    .col(integer_null(Ideas::RepliedById))
                    .col(timestamp_with_time_zone_null(Ideas::RepliedAt))
                    .col(integer_null(Ideas::ObjectiveId))
                    .col(big_integer_null(Ideas::MeetingItemId))
                    .col(timestamp_with_time_zone(Ideas::CreatedAt))
                    .col(timestamp_with_time_zone(Ideas::UpdatedAt))
                    .foreign_key(&mut fk(
                        "ideas_submitted_by_id_fkey",
                        (Ideas::Table, Ideas::SubmittedById),
                        (People::Table, People::Id),
                        ForeignKeyAction::Restrict,
                    ))
                    .foreign_key(&mut fk(
                        "ideas_replied_by_id_fkey",
                        (Ideas::Table, Ideas::RepliedById),
                        (People::Table, People::Id),
                        ForeignKeyAction::Restrict,
                    ))
                    .foreign_key(&mut fk(
                        "ideas_objective_id_fkey",
                        (Ideas::Table, Ideas::ObjectiveId),
                        (Objectives::Table, Objectives::Id),
                        ForeignKeyAction::SetNull,
                    ))
                    .foreign_key(&mut fk(
                        "ideas_meeting_item_id_fkey",
                        (Ideas::Table, Ideas::MeetingItemId),
                        (MeetingItems::Table, MeetingItems::Id),
                        ForeignKeyAction::SetNull,
                    ))
                    .to_owned(),
            )
            .await?;
        // The list filtered by status, newest first, and an objective's ideas.
        manager
            .create_index(
                Index::create()
                    .name("ideas_status_id_idx")
                    .table(Ideas::Table)
                    .col(Ideas::Status)
                    .col(Ideas::Id)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ideas_objective_id_idx")
                    .table(Ideas::Table)
                    .col(Ideas::ObjectiveId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ideas_meeting_item_id_idx")
                    .table(Ideas::Table)
                    .col(Ideas::MeetingItemId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Ideas::Table).to_owned())
            .await
    }
}
