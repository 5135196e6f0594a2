use sea_orm::entity::prelude::*;

/// A person's private link (calendar feed, portal feed): see `calendar`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "private_links")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub person_id: i32,
    /// Random, drawn anew by a reset; with the key it gives the link's secret.
    pub salt: String,
    /// SHA-256 (hex) of the link's secret: what a request is looked up by.
    pub secret_hash: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
