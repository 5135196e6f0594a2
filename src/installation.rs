//! This installation's own id: a random UUID created once, at the first start, and kept
//! in the database. What must differ between installations (the Atom feed's entry ids)
//! is built from it, so it stays the same across restarts and changes of public URL.

use chrono::Utc;
use sea_orm::{EntityTrait, Set};

use crate::{
    db::Db,
    entities::installation,
    error::{AppError, AppResult},
};

/// The installation's id, created the first time it is asked for. Instances starting at
/// once on one database agree: the row's key lets only the first insert in.
pub async fn id(db: &Db) -> AppResult<String> {
    if let Some(row) = installation::Entity::find_by_id(1).one(db.conn()).await? {
        return Ok(row.uuid);
    }
    let txn = db.write().await?;
    installation::Entity::insert(installation::ActiveModel {
        id: Set(1),
        uuid: Set(uuid::Uuid::new_v4().to_string()),
        created_at: Set(Utc::now()),
    })
    .on_conflict_do_nothing_on([installation::Column::Id])
    .exec(&txn)
    .await?;
    let row = installation::Entity::find_by_id(1)
        .one(&txn)
        .await?
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("the installation row is missing")))?;
    txn.commit().await?;
    Ok(row.uuid)
}
