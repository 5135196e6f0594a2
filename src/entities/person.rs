use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "people")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    /// Always lower-case; see the people migration.
    pub email: String,
    pub name: String,
    pub job_title: String,
    pub team: String,
    /// "staff" | "cio" | "advisor"; parsed into `people::Role` by the service.
    pub role: String,
    pub manager_id: Option<i32>,
    pub active: bool,
    pub password_hash: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
