use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "meetings")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// "quarterly" | "retreat" | "other"
    pub kind: String,
    pub title: String,
    pub starts_at: DateTimeUtc,
    /// The IANA zone the meeting was planned in: its clock times are read in it.
    pub time_zone: String,
    pub duration_minutes: i32,
    pub location: String,
    pub facilitator_id: Option<i32>,
    /// "draft" | "published" | "held" | "cancelled"
    pub status: String,
    /// Set when first published and kept through a cancellation.
    pub published_at: Option<DateTimeUtc>,
    pub held_at: Option<DateTimeUtc>,
    /// Grows by one with every change a calendar should see.
    pub sequence: i32,
    pub created_by_id: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
