use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "performance_goals")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub person_id: i32,
    pub cycle_id: i32,
    pub objective_id: i32,
    pub title: String,
    pub description: String,
    pub category: String,
    pub skill_id: Option<i32>,
    pub target_level: Option<i16>,
    pub due_on: Option<Date>,
    pub progress: i16,
    pub status: String,
    pub agreed_by_id: Option<i32>,
    pub agreed_at: Option<DateTimeUtc>,
    pub created_by_id: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
