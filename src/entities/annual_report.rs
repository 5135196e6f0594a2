use sea_orm::entity::prelude::*;

/// A published annual report: a frozen summary (JSON) with a title and an introduction.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "annual_reports")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub title: String,
    pub introduction: String,
    pub period_from: Date,
    pub period_to: Date,
    pub cycle_id: Option<i32>,
    /// The `summaries::Summary` as published, as JSON.
    pub summary: String,
    pub published_by_id: i32,
    pub published_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
