//! Private links: a secret per person in the address of their calendar feed and of the
//! portal's Atom feed, for programs that cannot sign in (calendar apps, feed readers).
//!
//! The link's secret is an HMAC, under the installation's key, of the person and a random
//! salt: the account page can show the link again at any time (as calendar services show
//! their "secret address"), every instance derives the same one, and a reset draws a new
//! salt. Only the secret's SHA-256 is stored per person, as for API tokens, and it is how
//! a request finds its owner.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum People {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum PrivateLinks {
    Table,
    PersonId,
    Salt,
    SecretHash,
    CreatedAt,
}

#[derive(DeriveIden)]
enum PrivateLinkKeys {
    Table,
    Id,
    Secret,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One row, made on first use: the key every instance derives the links with.
        manager
            .create_table(
                Table::create()
                    .table(PrivateLinkKeys::Table)
                    .col(integer(PrivateLinkKeys::Id).primary_key())
                    .col(string_len(PrivateLinkKeys::Secret, 64))
                    .col(timestamp_with_time_zone(PrivateLinkKeys::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(PrivateLinks::Table)
                    .col(integer(PrivateLinks::PersonId).primary_key())
                    .col(string_len(PrivateLinks::Salt, 64))
                    .col(string_len(PrivateLinks::SecretHash, 64))
                    .col(timestamp_with_time_zone(PrivateLinks::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("private_links_person_id_fkey")
                            .from(PrivateLinks::Table, PrivateLinks::PersonId)
                            .to(People::Table, People::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("private_links_secret_hash_key")
                    .table(PrivateLinks::Table)
                    .col(PrivateLinks::SecretHash)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            PrivateLinks::Table.into_iden(),
            PrivateLinkKeys::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
