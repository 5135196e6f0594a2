use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "meeting_items")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub meeting_id: i64,
    /// 0, 1, 2… without gaps within a meeting.
    pub position: i32,
    pub kind: String,
    pub title: String,
    pub prompt: String,
    pub planned_minutes: i32,
    pub owner_id: Option<i32>,
    pub guest_name: String,
    pub guest_department: String,
    pub objective_id: Option<i32>,
    pub value_name: Option<String>,
    pub question_id: Option<i64>,
    pub started_at: Option<DateTimeUtc>,
    pub ended_at: Option<DateTimeUtc>,
    pub notes: String,
    /// Not reached, and offered to the next meeting of the same kind.
    pub deferred_at: Option<DateTimeUtc>,
    /// The deferred item of an earlier meeting this one takes up.
    pub carried_from_id: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
