use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "notebook_entries")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub trophy_id: i32,
    /// 1 for the entry that starts the notebook, then one more per pass.
    pub seq: i32,
    /// "created" | "pass" | "reassign"
    pub kind: String,
    pub giver_id: Option<i32>,
    pub receiver_id: i32,
    pub message: String,
    pub recorded_by_id: i32,
    pub created_at: DateTimeUtc,
    pub hidden_at: Option<DateTimeUtc>,
    pub hidden_by_id: Option<i32>,
    pub hidden_reason: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
