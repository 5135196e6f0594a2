use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "self_evaluations")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub person_id: i32,
    pub cycle_id: i32,
    /// "draft" | "submitted" | "reviewed"
    pub status: String,
    pub reflection: String,
    pub skills_developed: String,
    pub submitted_at: Option<DateTimeUtc>,
    pub reviewer_id: Option<i32>,
    pub review_comment: Option<String>,
    pub review_rating: Option<i16>,
    pub reviewed_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
