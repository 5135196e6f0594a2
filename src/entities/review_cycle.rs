use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "review_cycles")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub name: String,
    pub plan_id: i32,
    pub starts_on: Date,
    pub ends_on: Date,
    /// "goal_setting" | "in_progress" | "self_evaluation" | "closed"
    pub phase: String,
    /// The day self-evaluations are due; reminders go 7 days and 1 day before it.
    pub self_evaluation_due_on: Option<Date>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
