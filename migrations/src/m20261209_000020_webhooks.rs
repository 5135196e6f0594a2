//! Chat webhooks: the department's public events posted to Slack, Microsoft Teams,
//! Mattermost or any service that takes a JSON body.
//!
//! - `webhooks`: one incoming-webhook address the cio set up, its body format, and
//!   whether it is on.
//! - `webhook_events`: the public event kinds each webhook receives (one row per kind).
//! - `webhook_outbox`: one row per event per webhook, written in the event's transaction
//!   by one `INSERT … SELECT` over the webhooks subscribed to its kind. It keeps the
//!   event's details as JSON (`payload`); the body is rendered when it goes, in the
//!   webhook's format at that moment. The sender claims, posts, marks sent, retries with
//!   backoff or gives up, exactly as for the email `outbox`. `about_kind`/`about_id` name
//!   the portal item, so hiding it withdraws what has not gone yet. Deleting a webhook
//!   deletes its rows.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum People {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Webhooks {
    Table,
    Id,
    Name,
    Url,
    Format,
    Enabled,
    CreatedAt,
    ChangedAt,
    ChangedById,
}

#[derive(DeriveIden)]
enum WebhookEvents {
    Table,
    WebhookId,
    Kind,
}

#[derive(DeriveIden)]
enum WebhookOutbox {
    Table,
    Id,
    WebhookId,
    Kind,
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
                    .table(Webhooks::Table)
                    .col(pk_auto(Webhooks::Id))
                    .col(string_len(Webhooks::Name, 100))
                    .col(string_len(Webhooks::Url, 2000))
                    .col(string_len(Webhooks::Format, 20))
                    .col(boolean(Webhooks::Enabled))
                    .col(timestamp_with_time_zone(Webhooks::CreatedAt))
                    .col(timestamp_with_time_zone(Webhooks::ChangedAt))
                    .col(integer(Webhooks::ChangedById))
                    .foreign_key(
                        ForeignKey::create()
                            .name("webhooks_changed_by_id_fkey")
                            .from(Webhooks::Table, Webhooks::ChangedById)
                            .to(People::Table, People::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(WebhookEvents::Table)
                    .col(integer(WebhookEvents::WebhookId))
                    .col(string_len(WebhookEvents::Kind, 40))
                    .primary_key(
                        Index::create()
                            .col(WebhookEvents::WebhookId)
                            .col(WebhookEvents::Kind),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("webhook_events_webhook_id_fkey")
                            .from(WebhookEvents::Table, WebhookEvents::WebhookId)
                            .to(Webhooks::Table, Webhooks::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        // The enqueue joins from the kind: every webhook that takes it.
        manager
            .create_index(
                Index::create()
                    .name("webhook_events_kind_idx")
                    .table(WebhookEvents::Table)
                    .col(WebhookEvents::Kind)
                    .col(WebhookEvents::WebhookId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(WebhookOutbox::Table)
                    .col(big_pk_auto(WebhookOutbox::Id))
                    .col(integer(WebhookOutbox::WebhookId))
                    .col(string_len(WebhookOutbox::Kind, 40))
                    .col(string_len_null(WebhookOutbox::AboutKind, 20))
                    .col(big_integer_null(WebhookOutbox::AboutId))
                    .col(text(WebhookOutbox::Payload))
                    .col(timestamp_with_time_zone(WebhookOutbox::CreatedAt))
                    .col(timestamp_with_time_zone(WebhookOutbox::NextAttemptAt))
                    .col(integer(WebhookOutbox::Attempts).default(0))
                    .col(timestamp_with_time_zone_null(WebhookOutbox::ClaimedUntil))
                    .col(timestamp_with_time_zone_null(WebhookOutbox::SentAt))
                    .col(timestamp_with_time_zone_null(WebhookOutbox::GaveUpAt))
                    .col(text_null(WebhookOutbox::LastError))
                    .foreign_key(
                        ForeignKey::create()
                            .name("webhook_outbox_webhook_id_fkey")
                            .from(WebhookOutbox::Table, WebhookOutbox::WebhookId)
                            .to(Webhooks::Table, Webhooks::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        // What the sender looks for: rows still waiting, the soonest first. Partial, so
        // the index stays the size of the queue, not of the history.
        db.execute_unprepared(
            "CREATE INDEX webhook_outbox_waiting_idx ON webhook_outbox (next_attempt_at, id) \
             WHERE sent_at IS NULL AND gave_up_at IS NULL",
        )
        .await?;
        manager
            .create_index(
                Index::create()
                    .name("webhook_outbox_about_idx")
                    .table(WebhookOutbox::Table)
                    .col(WebhookOutbox::AboutKind)
                    .col(WebhookOutbox::AboutId)
                    .to_owned(),
            )
            .await?;
        // The cascade from a deleted webhook, and a webhook's own deliveries.
        manager
            .create_index(
                Index::create()
                    .name("webhook_outbox_webhook_idx")
                    .table(WebhookOutbox::Table)
                    .col(WebhookOutbox::WebhookId)
                    .col(WebhookOutbox::Id)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            WebhookOutbox::Table.into_iden(),
            WebhookEvents::Table.into_iden(),
            Webhooks::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
