use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "ideas")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub submitted_by_id: i32,
    pub title: String,
    pub body: String,
    /// new, under_consideration, adopted or declined.
    pub status: String,
    /// The cio's reply; empty until answered.
    pub reply: String,
    pub replied_by_id: Option<i32>,
    pub replied_at: Option<DateTimeUtc>,
    /// The plan objective an adopted idea feeds.
    pub objective_id: Option<i32>,
    /// The ideas item of a meeting's agenda that takes it up.
    pub meeting_item_id: Option<i64>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
