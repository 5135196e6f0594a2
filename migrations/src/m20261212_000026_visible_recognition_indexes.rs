//! Almost every read of kudos, notebook entries, compliments and announcements by time
//! asks only for visible ones (`hidden_at IS NULL`): the feed's sources, the kudos figures and
//! tallies, a person's balance. Their (created_at, id) indexes also held the hidden rows,
//! so each row found there was looked up in its table to check `hidden_at` (the feed's
//! second page: four sources of 51 rows, 204 lookups). The same indexes restricted to
//! visible rows answer those reads alone, and are what they replace. The one read by
//! time that counts hidden rows too, the summaries' trophy passes and holders
//! (`recognition::figures`), has its own `notebook_entries_summary_idx`; moderation
//! reads by `hidden_at`, the notebook by its sequence. Both backends read a partial
//! index for a query whose WHERE holds the index's own condition.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// (table, the index by time it had, the index of visible rows that replaces it)
const TABLES: [(&str, &str, &str); 4] = [
    ("kudos", "kudos_created_idx", "kudos_visible_idx"),
    (
        "notebook_entries",
        "notebook_entries_created_idx",
        "notebook_entries_visible_idx",
    ),
    (
        "compliments",
        "compliments_created_idx",
        "compliments_visible_idx",
    ),
    (
        "announcements",
        "announcements_created_idx",
        "announcements_visible_idx",
    ),
];

fn by_time(table: &str, name: &str) -> IndexCreateStatement {
    Index::create()
        .name(name)
        .table(Alias::new(table))
        .col(Alias::new("created_at"))
        .col(Alias::new("id"))
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (table, old, visible) in TABLES {
            manager
                .create_index(
                    by_time(table, visible)
                        .and_where(Expr::col(Alias::new("hidden_at")).is_null())
                        .to_owned(),
                )
                .await?;
            manager
                .drop_index(Index::drop().name(old).table(Alias::new(table)).to_owned())
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (table, old, visible) in TABLES {
            manager.create_index(by_time(table, old)).await?;
            manager
                .drop_index(
                    Index::drop()
                        .name(visible)
                        .table(Alias::new(table))
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
