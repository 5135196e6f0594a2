use sea_orm::entity::prelude::*;

/// One hiding or unhiding of a portal item by the cio; append-only.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "moderation_events")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// "kudos" | "notebook_entry" | "compliment" | "announcement"
    pub item_kind: String,
    pub item_id: i64,
    /// "hide" | "unhide"
    pub action: String,
    pub by_id: i32,
    pub acted_at: DateTimeUtc,
    pub reason: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
