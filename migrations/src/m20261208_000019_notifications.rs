//! Notifications: what the department and each person want to hear about, and the outbox
//! every notification is written to in the same transaction as its event.
//!
//! - `notification_switches`: the cio's department-wide switch per event kind; a kind
//!   without a row is on.
//! - `notification_preferences`: a person's choice per event kind (immediate, digest,
//!   off); a kind without a row is immediate.
//! - `outbox`: one row per notification to one person (channel `email`, or `digest` for
//!   the weekly digest's items). The row holds the event's details as JSON (`payload`);
//!   the email is rendered when it is sent, to the person's address at that moment. A
//!   sender in each serving instance claims due rows (`claimed_until`), sends them, and
//!   marks them sent, or retries later (`next_attempt_at`) and gives up after a day
//!   (`gave_up_at`, with `last_error`). `about_kind`/`about_id` name the portal item a
//!   notification tells of, so hiding it withdraws what has not gone yet.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum People {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum NotificationSwitches {
    Table,
    Kind,
    Enabled,
    ChangedAt,
    ChangedById,
}

#[derive(DeriveIden)]
enum NotificationPreferences {
    Table,
    PersonId,
    Kind,
    Delivery,
    ChangedAt,
}

#[derive(DeriveIden)]
enum Outbox {
    Table,
    Id,
    Kind,
    Channel,
    PersonId,
    AboutKind,
    AboutId,
    Payload,
    CreatedAt,
    NextAttemptAt,
    Attempts,
    ClaimedUntil,
    SentAt,
    GaveUpAt,
    LastError,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(NotificationSwitches::Table)
                    .col(string_len(NotificationSwitches::Kind, 40).primary_key())
                    .col(boolean(NotificationSwitches::Enabled))
                    .col(timestamp_with_time_zone(NotificationSwitches::ChangedAt))
                    .col(integer(NotificationSwitches::ChangedById))
                    .foreign_key(
                        ForeignKey::create()
                            .name("notification_switches_changed_by_id_fkey")
                            .from(
                                NotificationSwitches::Table,
                                NotificationSwitches::ChangedById,
                            )
                            .to(People::Table, People::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(NotificationPreferences::Table)
                    .col(integer(NotificationPreferences::PersonId))
                    .col(string_len(NotificationPreferences::Kind, 40))
                    .col(string_len(NotificationPreferences::Delivery, 10))
                    .col(timestamp_with_time_zone(NotificationPreferences::ChangedAt))
                    .primary_key(
                        Index::create()
                            .col(NotificationPreferences::PersonId)
                            .col(NotificationPreferences::Kind),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("notification_preferences_person_id_fkey")
                            .from(
                                NotificationPreferences::Table,
                                NotificationPreferences::PersonId,
                            )
                            .to(People::Table, People::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Outbox::Table)
                    .col(big_pk_auto(Outbox::Id))
                    .col(string_len(Outbox::Kind, 40))
                    .col(string_len(Outbox::Channel, 10))
                    .col(integer(Outbox::PersonId))
                    .col(string_len_null(Outbox::AboutKind, 20))
                    .col(big_integer_null(Outbox::AboutId))
                    .col(text(Outbox::Payload))
                    .col(timestamp_with_time_zone(Outbox::CreatedAt))
                    .col(timestamp_with_time_zone(Outbox::NextAttemptAt))
                    .col(integer(Outbox::Attempts).default(0))
                    .col(timestamp_with_time_zone_null(Outbox::ClaimedUntil))
                    .col(timestamp_with_time_zone_null(Outbox::SentAt))
                    .col(timestamp_with_time_zone_null(Outbox::GaveUpAt))
                    .col(text_null(Outbox::LastError))
                    .foreign_key(
                        ForeignKey::create()
                            .name("outbox_person_id_fkey")
                            .from(Outbox::Table, Outbox::PersonId)
                            .to(People::Table, People::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        // What the sender looks for: rows still waiting, the soonest first. Partial, so
        // the index stays the size of the queue, not of the history.
        db.execute_unprepared(
            "CREATE INDEX outbox_waiting_idx ON outbox (channel, next_attempt_at, id) \
             WHERE sent_at IS NULL AND gave_up_at IS NULL",
        )
        .await?;
        manager
            .create_index(
                Index::create()
                    .name("outbox_about_idx")
                    .table(Outbox::Table)
                    .col(Outbox::AboutKind)
                    .col(Outbox::AboutId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("outbox_person_idx")
                    .table(Outbox::Table)
                    .col(Outbox::PersonId)
                    .col(Outbox::Id)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            Outbox::Table.into_iden(),
            NotificationPreferences::Table.into_iden(),
            NotificationSwitches::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
