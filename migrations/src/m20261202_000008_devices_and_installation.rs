//! Two small tables. `sign_in_devices` remembers the browsers people have signed in
//! with (a random cookie, stored as its digest), so the sign-in throttle can tell an
//! account's owner from someone guessing at it. `installation` holds one row: an id
//! created once at the first start, which makes the Atom feed's entry ids unique to this
//! installation and keeps them stable across restarts and changes of the public URL.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum SignInDevices {
    Table,
    TokenHash,
    AccountKey,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Installation {
    Table,
    Id,
    Uuid,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(SignInDevices::Table)
                    .col(string_len(SignInDevices::TokenHash, 64).primary_key())
                    .col(string_len(SignInDevices::AccountKey, 300))
                    .col(timestamp_with_time_zone(SignInDevices::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("sign_in_devices_created_idx")
                    .table(SignInDevices::Table)
                    .col(SignInDevices::CreatedAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Installation::Table)
                    .col(integer(Installation::Id).primary_key())
                    .col(string_len(Installation::Uuid, 36))
                    .col(timestamp_with_time_zone(Installation::CreatedAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Installation::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(SignInDevices::Table).to_owned())
            .await
    }
}
