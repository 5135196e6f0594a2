//! Recognition tallies, kept in the same transaction as the kudos they count, so that a
//! summary over a year never reads a year of kudos (a million rows at the benchmark's
//! scale took seconds):
//!
//! - `kudos_days`: visible kudos sent per day (UTC). Kudos per month and in any range of
//!   days are sums over a few hundred rows.
//! - `kudos_people_months`: per person and month (UTC, `YYYY-MM`), the visible kudos they
//!   gave and received, with the first and last instant of each. Distinct givers and
//!   receivers in a range are distinct people over these rows; in a month the range only
//!   partly covers, the first and last instants say whether someone gave (or received)
//!   inside it.
//!
//! Hidden kudos are not counted; hiding and unhiding recount the rows they touch. Both
//! tables are filled here from the kudos already written. An index lets the trophy
//! figures of a range be read from it alone.

use sea_orm_migration::{prelude::*, schema::*, sea_orm::DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum People {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum KudosDays {
    Table,
    Day,
    Kudos,
}

#[derive(DeriveIden)]
enum KudosPeopleMonths {
    Table,
    Month,
    PersonId,
    Given,
    Received,
    FirstGivenAt,
    LastGivenAt,
    FirstReceivedAt,
    LastReceivedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(KudosDays::Table)
                    .col(date(KudosDays::Day).primary_key())
                    .col(big_integer(KudosDays::Kudos))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(KudosPeopleMonths::Table)
                    .col(string_len(KudosPeopleMonths::Month, 7))
                    .col(integer(KudosPeopleMonths::PersonId))
                    .col(big_integer(KudosPeopleMonths::Given))
                    .col(big_integer(KudosPeopleMonths::Received))
                    .col(timestamp_with_time_zone_null(
                        KudosPeopleMonths::FirstGivenAt,
                    ))
                    .col(timestamp_with_time_zone_null(
                        KudosPeopleMonths::LastGivenAt,
                    ))
                    .col(timestamp_with_time_zone_null(
                        KudosPeopleMonths::FirstReceivedAt,
                    ))
                    .col(timestamp_with_time_zone_null(
                        KudosPeopleMonths::LastReceivedAt,
                    ))
                    .primary_key(
                        Index::create()
                            .col(KudosPeopleMonths::Month)
                            .col(KudosPeopleMonths::PersonId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("kudos_people_months_person_id_fkey")
                            .from(KudosPeopleMonths::Table, KudosPeopleMonths::PersonId)
                            .to(People::Table, People::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        // The summaries' trophy figures (passes, and who held a trophy) in a range, read
        // from the index alone.
        manager
            .create_index(
                Index::create()
                    .name("notebook_entries_summary_idx")
                    .table(Alias::new("notebook_entries"))
                    .col(Alias::new("created_at"))
                    .col(Alias::new("kind"))
                    .col(Alias::new("receiver_id"))
                    .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        let postgres = db.get_database_backend() == DbBackend::Postgres;
        let (day, month, no_time) = if postgres {
            (
                "(k.created_at AT TIME ZONE 'UTC')::date",
                "to_char(k.created_at AT TIME ZONE 'UTC', 'YYYY-MM')",
                "CAST(NULL AS timestamptz)",
            )
        } else {
            (
                "substr(k.created_at, 1, 10)",
                "substr(k.created_at, 1, 7)",
                "NULL",
            )
        };
        db.execute_unprepared(&format!(
            "INSERT INTO kudos_days (day, kudos)
             SELECT {day}, COUNT(*) FROM kudos k WHERE k.hidden_at IS NULL GROUP BY {day}"
        ))
        .await?;
        db.execute_unprepared(&format!(
            "INSERT INTO kudos_people_months (month, person_id, given, received,
                 first_given_at, last_given_at, first_received_at, last_received_at)
             SELECT month, person_id, SUM(given), SUM(received),
                 MIN(first_given_at), MAX(last_given_at), MIN(first_received_at), MAX(last_received_at)
             FROM (
                 SELECT {month} AS month, k.giver_id AS person_id, 1 AS given, 0 AS received,
                     k.created_at AS first_given_at, k.created_at AS last_given_at,
                     {no_time} AS first_received_at, {no_time} AS last_received_at
                 FROM kudos k WHERE k.hidden_at IS NULL
                 UNION ALL
                 SELECT {month}, r.person_id, 0, 1, {no_time}, {no_time}, k.created_at, k.created_at
                 FROM kudos_recipients r JOIN kudos k ON k.id = r.kudos_id
                 WHERE k.hidden_at IS NULL
             ) AS each_kudos
             GROUP BY month, person_id"
        ))
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("notebook_entries_summary_idx")
                    .table(Alias::new("notebook_entries"))
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table(KudosPeopleMonths::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(KudosDays::Table).to_owned())
            .await
    }
}
