//! Failed sign-ins are throttled per account and per client address: after
//! `MAX_FAILURES` wrong passwords within `WINDOW`, every further attempt gets 429 until the
//! window has passed, even with the right password. The counts live in the database, so
//! every instance behind a load balancer sees the same ones.

use std::time::Duration;

use chrono::Utc;
use sea_orm::{
    ColumnTrait, EntityTrait, ExprTrait, FromQueryResult, QueryFilter, QuerySelect, Set,
    prelude::Expr,
};

use crate::{
    db::Db,
    entities::sign_in_failure,
    error::{AppError, AppResult},
};

pub const MAX_FAILURES: i64 = 9;
pub const WINDOW: Duration = Duration::from_secs(15 * 60);

pub fn account_key(email: &str) -> String {
    format!("account:{}", email.trim().to_lowercase())
}

pub fn address_key(address: &str) -> String {
    format!("address:{address}")
}

fn window_start() -> chrono::DateTime<Utc> {
    Utc::now()
        - chrono::Duration::from_std(WINDOW).unwrap_or_else(|_| chrono::Duration::minutes(15))
}

#[derive(FromQueryResult)]
struct FailureCount {
    failures: i64,
    oldest: Option<chrono::DateTime<Utc>>,
}

/// Refuses the attempt when any of the keys has had too many failures in the window.
pub async fn check(db: &Db, keys: &[String]) -> AppResult<()> {
    let since = window_start();
    for key in keys {
        let counted = sign_in_failure::Entity::find()
            .select_only()
            .column_as(Expr::col(sign_in_failure::Column::Id).count(), "failures")
            .column_as(Expr::col(sign_in_failure::Column::FailedAt).min(), "oldest")
            .filter(sign_in_failure::Column::ThrottleKey.eq(key.as_str()))
            .filter(sign_in_failure::Column::FailedAt.gt(since))
            .into_model::<FailureCount>()
            .one(db.conn())
            .await?;
        if let Some(FailureCount {
            failures,
            oldest: Some(oldest),
        }) = counted
            && failures >= MAX_FAILURES
        {
            // Blocked attempts are not recorded, so the block lifts when the oldest
            // failure leaves the window.
            let lifts_at = oldest + chrono::Duration::from_std(WINDOW).unwrap_or_default();
            let retry_after = (lifts_at - Utc::now())
                .to_std()
                .unwrap_or(Duration::from_secs(1));
            return Err(AppError::TooManyRequests {
                retry_after: retry_after.max(Duration::from_secs(1)),
            });
        }
    }
    Ok(())
}

/// Records one failure under each key, and forgets that key's failures older than the window.
pub async fn record_failure(db: &Db, keys: &[String]) -> AppResult<()> {
    let txn = db.write().await?;
    let now = Utc::now();
    for key in keys {
        sign_in_failure::Entity::delete_many()
            .filter(sign_in_failure::Column::ThrottleKey.eq(key.as_str()))
            .filter(sign_in_failure::Column::FailedAt.lt(window_start()))
            .exec(&*txn)
            .await?;
        sign_in_failure::Entity::insert(sign_in_failure::ActiveModel {
            throttle_key: Set(key.clone()),
            failed_at: Set(now),
            ..Default::default()
        })
        .exec(&*txn)
        .await?;
    }
    txn.commit().await
}

/// Forgets an account's failures after a successful sign-in. The address's failures stay:
/// signing in to one's own account must not reset a guessing run against others.
pub async fn clear(db: &Db, key: &str) -> AppResult<()> {
    let txn = db.write().await?;
    sign_in_failure::Entity::delete_many()
        .filter(sign_in_failure::Column::ThrottleKey.eq(key))
        .exec(&*txn)
        .await?;
    txn.commit().await
}
