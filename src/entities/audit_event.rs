use sea_orm::entity::prelude::*;

/// One change on the audit trail; append-only (triggers refuse UPDATE and DELETE).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_events")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub at: DateTimeUtc,
    /// None for the system, or an anonymous sign-in attempt.
    pub actor_id: Option<i32>,
    pub kind: String,
    pub subject_kind: String,
    pub subject_id: Option<i64>,
    pub person_id: Option<i32>,
    /// JSON object of the changed fields as they were.
    pub before: String,
    /// JSON object of the changed fields as they became.
    pub after: String,
    pub request_id: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
