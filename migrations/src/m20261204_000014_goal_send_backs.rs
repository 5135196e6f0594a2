//! Goals sent back to their owner: a manager (or the cio) returns a proposed goal with a
//! comment instead of agreeing to it. Every send-back is kept; the one still open (no
//! `resolved_at`) is shown to the owner until they change the goal and so propose it
//! again, or until it is agreed.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum People {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum PerformanceGoals {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum GoalSendBacks {
    Table,
    Id,
    GoalId,
    Comment,
    SentBackById,
    SentBackAt,
    ResolvedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(GoalSendBacks::Table)
                    .col(pk_auto(GoalSendBacks::Id))
                    .col(integer(GoalSendBacks::GoalId))
                    .col(text(GoalSendBacks::Comment))
                    .col(integer(GoalSendBacks::SentBackById))
                    .col(timestamp_with_time_zone(GoalSendBacks::SentBackAt))
                    .col(timestamp_with_time_zone_null(GoalSendBacks::ResolvedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("goal_send_backs_goal_id_fkey")
                            .from(GoalSendBacks::Table, GoalSendBacks::GoalId)
                            .to(PerformanceGoals::Table, PerformanceGoals::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("goal_send_backs_sent_back_by_id_fkey")
                            .from(GoalSendBacks::Table, GoalSendBacks::SentBackById)
                            .to(People::Table, People::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("goal_send_backs_goal_id_idx")
                    .table(GoalSendBacks::Table)
                    .col(GoalSendBacks::GoalId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(GoalSendBacks::Table).to_owned())
            .await
    }
}
