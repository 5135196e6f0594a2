//! The moderation record: every time the cio hides an item from the portal or brings it
//! back, one row, never changed or deleted. The hidden columns of kudos, notebook entries,
//! compliments and announcements say how an item stands now; this table says how it got
//! there, so unhiding does not erase who hid it and why.
//!
//! Items hidden before this table existed are written into it as they stand, so the
//! record starts whole.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum People {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum ModerationEvents {
    Table,
    Id,
    /// kudos | notebook_entry | compliment | announcement
    ItemKind,
    ItemId,
    /// hide | unhide
    Action,
    ById,
    ActedAt,
    Reason,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ModerationEvents::Table)
                    .col(big_pk_auto(ModerationEvents::Id))
                    .col(string_len(ModerationEvents::ItemKind, 20))
                    .col(big_integer(ModerationEvents::ItemId))
                    .col(string_len(ModerationEvents::Action, 10))
                    .col(integer(ModerationEvents::ById))
                    .col(timestamp_with_time_zone(ModerationEvents::ActedAt))
                    .col(text(ModerationEvents::Reason))
                    .foreign_key(
                        ForeignKey::create()
                            .name("moderation_events_by_id_fkey")
                            .from(ModerationEvents::Table, ModerationEvents::ById)
                            .to(People::Table, People::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("moderation_events_item_idx")
                    .table(ModerationEvents::Table)
                    .col(ModerationEvents::ItemKind)
                    .col(ModerationEvents::ItemId)
                    .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        for (kind, table) in [
            ("kudos", "kudos"),
            ("notebook_entry", "notebook_entries"),
            ("compliment", "compliments"),
            ("announcement", "announcements"),
        ] {
            db.execute_unprepared(&format!(
                "INSERT INTO moderation_events (item_kind, item_id, action, by_id, acted_at, reason)
                 SELECT '{kind}', id, 'hide', hidden_by_id, hidden_at, COALESCE(hidden_reason, '')
                 FROM {table}
                 WHERE hidden_at IS NOT NULL AND hidden_by_id IS NOT NULL
                 ORDER BY hidden_at, id"
            ))
            .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ModerationEvents::Table).to_owned())
            .await
    }
}
