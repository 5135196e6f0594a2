//! Self-evaluation deadlines and the reminders sent before them.
//!
//! - `review_cycles.self_evaluation_due_on`: the day self-evaluations are due, set by the
//!   cio (within the cycle's dates); none means no reminders.
//! - `cycle_reminders`: one row per reminder that went out for a cycle (`which` is
//!   `seven_days` or `one_day`). The sender inserts it with `ON CONFLICT DO NOTHING` in
//!   the transaction that writes the reminder's notifications, and writes them only when
//!   the row was new: the primary key is what makes a reminder go once, however many
//!   instances run the sender.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ReviewCycles {
    Table,
    Id,
    SelfEvaluationDueOn,
}

#[derive(DeriveIden)]
enum CycleReminders {
    Table,
    CycleId,
    Which,
    SentAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(ReviewCycles::Table)
                    .add_column(date_null(ReviewCycles::SelfEvaluationDueOn))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(CycleReminders::Table)
                    .col(integer(CycleReminders::CycleId))
                    .col(string_len(CycleReminders::Which, 20))
                    .col(timestamp_with_time_zone(CycleReminders::SentAt))
                    .primary_key(
                        Index::create()
                            .col(CycleReminders::CycleId)
                            .col(CycleReminders::Which),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("cycle_reminders_cycle_id_fkey")
                            .from(CycleReminders::Table, CycleReminders::CycleId)
                            .to(ReviewCycles::Table, ReviewCycles::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(CycleReminders::Table).to_owned())
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(ReviewCycles::Table)
                    .drop_column(ReviewCycles::SelfEvaluationDueOn)
                    .to_owned(),
            )
            .await
    }
}
