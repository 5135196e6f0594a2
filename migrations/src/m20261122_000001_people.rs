use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum People {
    Table,
    Id,
    Email,
    Name,
    JobTitle,
    Team,
    Role,
    ManagerId,
    Active,
    PasswordHash,
    CreatedAt,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(People::Table)
                    .col(pk_auto(People::Id))
                    // Stored lower-cased, so the unique index makes email case-insensitive
                    // on both backends without collations or expression indexes.
                    .col(string_len(People::Email, 254))
                    .col(string_len(People::Name, 200))
                    .col(string_len(People::JobTitle, 200).default(""))
                    .col(string_len(People::Team, 200).default(""))
                    .col(string_len(People::Role, 16))
                    .col(integer_null(People::ManagerId))
                    .col(boolean(People::Active).default(true))
                    // Null until the person has a password; such a person cannot sign in.
                    .col(string_null(People::PasswordHash))
                    .col(timestamp_with_time_zone(People::CreatedAt))
                    .col(timestamp_with_time_zone(People::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("people_manager_id_fkey")
                            .from(People::Table, People::ManagerId)
                            .to(People::Table, People::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("people_email_key")
                    .table(People::Table)
                    .col(People::Email)
                    .unique()
                    .to_owned(),
            )
            .await?;
        // The manager chain is walked upwards and reports are listed downwards.
        manager
            .create_index(
                Index::create()
                    .name("people_manager_id_idx")
                    .table(People::Table)
                    .col(People::ManagerId)
                    .to_owned(),
            )
            .await?;
        // The directory is listed in name order with a keyset cursor on (name, id).
        manager
            .create_index(
                Index::create()
                    .name("people_name_id_idx")
                    .table(People::Table)
                    .col(People::Name)
                    .col(People::Id)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // SQLite drops a table by deleting its rows first, and the manager foreign key
        // (ON DELETE RESTRICT) refuses that while anyone has a manager.
        manager
            .exec_stmt(
                Query::update()
                    .table(People::Table)
                    .value(People::ManagerId, Option::<i32>::None)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table(People::Table).to_owned())
            .await
    }
}
