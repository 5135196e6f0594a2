//! Failed sign-ins are throttled per account and per client address: after
//! `MAX_FAILURES` wrong passwords within `WINDOW`, every further attempt gets 429 until the
//! window has passed, even with the right password. The counts live in the database, so
//! every instance behind a load balancer sees the same ones.
//!
//! An attempt is reserved (counted) before the password is checked and released only if
//! it was right, so a burst of parallel guesses cannot slip past the count while the
//! slow password hashes run.

use std::{net::IpAddr, time::Duration};

use chrono::Utc;
use sea_orm::{
    ColumnTrait, EntityTrait, ExprTrait, FromQueryResult, QueryFilter, QuerySelect, Set,
    prelude::Expr,
};

use crate::{
    auth::secrets,
    db::WriteTxn,
    entities::sign_in_failure,
    error::{AppError, AppResult},
};

pub const MAX_FAILURES: i64 = 9;
pub const WINDOW: Duration = Duration::from_secs(15 * 60);

/// The key of an account: a digest, so any typed email fits the column.
pub fn account_key(email: &str) -> String {
    format!("account:{}", secrets::digest(&email.trim().to_lowercase()))
}

/// The key of a client address. IPv6 clients get a /64 each, as one host usually holds one.
pub fn address_key(address: &str) -> String {
    match address.parse::<IpAddr>() {
        Ok(IpAddr::V6(v6)) if v6.to_ipv4_mapped().is_none() => {
            let s = v6.segments();
            format!("address:{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
        }
        Ok(IpAddr::V6(v6)) => format!(
            "address:{}",
            v6.to_ipv4_mapped()
                .map(|v4| v4.to_string())
                .unwrap_or_default()
        ),
        _ => format!("address:{address}"),
    }
}

fn window() -> chrono::Duration {
    chrono::Duration::from_std(WINDOW).unwrap_or_else(|_| chrono::Duration::minutes(15))
}

#[derive(FromQueryResult)]
struct FailureCount {
    failures: i64,
    oldest: Option<chrono::DateTime<Utc>>,
}

/// Attempts counted against their keys until `release` says they were right.
pub struct Reservation {
    row_ids: Vec<i64>,
}

/// Counts one attempt under each key, or refuses with 429 (and the longest wait of the
/// keys that are used up). The count and the insert happen under a lock per key; the
/// caller commits the reservation on its own, before checking the password, so parallel
/// attempts see it.
pub async fn reserve(txn: &WriteTxn, keys: &[String]) -> AppResult<Reservation> {
    let now = Utc::now();
    let since = now - window();
    txn.lock(keys).await?;
    let mut wait: Option<Duration> = None;
    for key in keys {
        sign_in_failure::Entity::delete_many()
            .filter(sign_in_failure::Column::ThrottleKey.eq(key.as_str()))
            .filter(sign_in_failure::Column::FailedAt.lte(since))
            .exec(txn)
            .await?;
        let counted = sign_in_failure::Entity::find()
            .select_only()
            .column_as(Expr::col(sign_in_failure::Column::Id).count(), "failures")
            .column_as(Expr::col(sign_in_failure::Column::FailedAt).min(), "oldest")
            .filter(sign_in_failure::Column::ThrottleKey.eq(key.as_str()))
            .filter(sign_in_failure::Column::FailedAt.gt(since))
            .into_model::<FailureCount>()
            .one(txn)
            .await?;
        if let Some(FailureCount {
            failures,
            oldest: Some(oldest),
        }) = counted
            && failures >= MAX_FAILURES
        {
            // Refused attempts are not counted, so the block lifts when the oldest
            // failure leaves the window.
            let lifts_in = (oldest + window() - now)
                .to_std()
                .unwrap_or_default()
                .max(Duration::from_secs(1));
            wait = Some(wait.map_or(lifts_in, |w| w.max(lifts_in)));
        }
    }
    if let Some(retry_after) = wait {
        return Err(AppError::TooManyRequests { retry_after });
    }
    let mut row_ids = Vec::with_capacity(keys.len());
    for key in keys {
        let inserted = sign_in_failure::Entity::insert(sign_in_failure::ActiveModel {
            throttle_key: Set(key.clone()),
            failed_at: Set(now),
            ..Default::default()
        })
        .exec(txn)
        .await?;
        row_ids.push(inserted.last_insert_id);
    }
    Ok(Reservation { row_ids })
}

/// The attempt was right: it does not count, and the account's earlier failures are
/// forgotten. The address's earlier failures stay: signing in to one's own account must
/// not reset a guessing run against others.
pub async fn release(txn: &WriteTxn, reservation: Reservation, account: &str) -> AppResult<()> {
    sign_in_failure::Entity::delete_many()
        .filter(
            sign_in_failure::Column::Id
                .is_in(reservation.row_ids)
                .or(sign_in_failure::Column::ThrottleKey.eq(account)),
        )
        .exec(txn)
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn account_keys_ignore_case_and_have_a_fixed_length() {
        assert_eq!(
            account_key(" Ada@Example.org"),
            account_key("ada@example.org")
        );
        assert_eq!(account_key(&"x".repeat(5000)).len(), account_key("a").len());
    }

    #[test]
    fn ipv6_clients_are_keyed_by_their_slash_64() {
        assert_eq!(
            address_key("2001:db8:1:2:3:4:5:6"),
            address_key("2001:db8:1:2:ffff::1")
        );
        assert_ne!(
            address_key("2001:db8:1:2::1"),
            address_key("2001:db8:1:3::1")
        );
        assert_eq!(address_key("::ffff:192.0.2.1"), "address:192.0.2.1");
        assert_eq!(address_key("192.0.2.1"), "address:192.0.2.1");
    }
}
