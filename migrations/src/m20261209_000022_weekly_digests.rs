//! The weekly digest: items people chose to read once a week are gathered into one email.
//!
//! A digest is an ordinary outbox row (channel `email`, kind `weekly_digest`), so it is
//! claimed, retried and given up like every other email. Two columns tie it together:
//!
//! - `digest_week` on the digest's own row: the Monday it was built for. It is unique per
//!   person, so however many instances build digests at the same moment, a person gets one
//!   digest a week (the others' inserts meet the unique index and do nothing). Every other
//!   row leaves it empty, and empty values never collide.
//! - `digest_id` on each item (channel `digest`): the digest row it was folded into. An
//!   item without one is still waiting for its week.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Outbox {
    Table,
    DigestWeek,
    DigestId,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // Two statements: SQLite adds one column per ALTER TABLE. No foreign key on
        // `digest_id`, which SQLite cannot add to an existing table; nothing deletes
        // outbox rows but the demo's loading, which runs before any digest exists.
        manager
            .alter_table(
                Table::alter()
                    .table(Outbox::Table)
                    .add_column(ColumnDef::new(Outbox::DigestWeek).date().null())
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Outbox::Table)
                    .add_column(ColumnDef::new(Outbox::DigestId).big_integer().null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("outbox_one_digest_a_week_idx")
                    .table(Outbox::Table)
                    .col(Alias::new("person_id"))
                    .col(Outbox::DigestWeek)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("outbox_digest_items_idx")
                    .table(Outbox::Table)
                    .col(Outbox::DigestId)
                    .to_owned(),
            )
            .await?;
        // What the digest builder looks for: items not yet folded into a digest. Partial,
        // so it stays the size of a week's items.
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE INDEX outbox_unfolded_items_idx ON outbox (channel, created_at) \
                 WHERE digest_id IS NULL AND sent_at IS NULL AND gave_up_at IS NULL",
            )
            .await?;
        // The cio's outbox page counts what was given up; this keeps that count to the
        // failures rather than a scan of every notification ever sent.
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE INDEX outbox_gave_up_idx ON outbox (gave_up_at) \
                 WHERE gave_up_at IS NOT NULL",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for index in [
            "outbox_gave_up_idx",
            "outbox_unfolded_items_idx",
            "outbox_digest_items_idx",
            "outbox_one_digest_a_week_idx",
        ] {
            manager
                .drop_index(Index::drop().name(index).table(Outbox::Table).to_owned())
                .await?;
        }
        for column in [Outbox::DigestId, Outbox::DigestWeek] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Outbox::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
