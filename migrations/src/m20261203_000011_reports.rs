//! Annual reports: a summary the cio publishes, kept as it was at publication (its figures
//! as JSON, as a reader who knows nobody one by one sees them) with a title and an
//! introduction. Nothing about the department's later data changes a report.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum People {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum AnnualReports {
    Table,
    Id,
    Title,
    Introduction,
    PeriodFrom,
    PeriodTo,
    CycleId,
    Summary,
    PublishedById,
    PublishedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(AnnualReports::Table)
                    .col(
                        big_integer(AnnualReports::Id)
                            .primary_key()
                            .auto_increment(),
                    )
                    .col(string_len(AnnualReports::Title, 200))
                    .col(text(AnnualReports::Introduction))
                    .col(date(AnnualReports::PeriodFrom))
                    .col(date(AnnualReports::PeriodTo))
                    .col(integer_null(AnnualReports::CycleId))
                    .col(text(AnnualReports::Summary))
                    .col(integer(AnnualReports::PublishedById))
                    .col(timestamp_with_time_zone(AnnualReports::PublishedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("annual_reports_published_by_id_fkey")
                            .from(AnnualReports::Table, AnnualReports::PublishedById)
                            .to(People::Table, People::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("annual_reports_published_at_idx")
                    .table(AnnualReports::Table)
                    .col(AnnualReports::PublishedAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(AnnualReports::Table).to_owned())
            .await
    }
}
