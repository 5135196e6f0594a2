use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "kudos")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub giver_id: i32,
    pub message: String,
    /// The department values it names, one per line.
    pub value_tags: String,
    pub created_at: DateTimeUtc,
    pub hidden_at: Option<DateTimeUtc>,
    pub hidden_by_id: Option<i32>,
    pub hidden_reason: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
