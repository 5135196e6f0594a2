//! The sign-in throttle: online guessing stays bounded, and nobody can use it to lock
//! other people out. Counts live in the database, so every instance behind a load
//! balancer sees the same ones. All counts are of wrong passwords within `WINDOW`; an
//! attempt refused by the throttle checks no password and is not counted.
//!
//! Who is trying matters, because blocking by address alone lets one person lock out a
//! whole organisation behind one proxy, and blocking by account alone lets anyone lock
//! out the account's owner. So an attempt comes from one of two kinds of source:
//!
//! - **A known device**: a browser that once signed in to this account carries a device
//!   cookie (random, stored as a digest, valid for that account only; OWASP's "device
//!   cookie" scheme). It has a budget of its own, `DEVICE_LIMIT`, which nothing done
//!   elsewhere touches: the owner signs in from their usual browser whatever an attacker
//!   does. A stolen cookie gives its thief that budget once, and no more.
//! - **Anything else** (a new browser, an API client), keyed by its address. For one
//!   account, each address has `ACCOUNT_ADDRESS_LIMIT` wrong passwords, and all such
//!   sources together have `ACCOUNT_LIMIT`; past them, attempts for that account from
//!   that address, or from any unknown source, are refused until failures leave the
//!   window. The first limit is below the second, so a guesser at one address cannot
//!   block the account anywhere else; only guessing from several addresses can, and then
//!   only for unknown sources. An address that has failed `ADDRESS_LIMIT` times over all
//!   accounts (password spraying) gets one attempt per `ADDRESS_SPACING`: other people
//!   at that address wait at most that long, and those on known devices not at all.
//!
//! So guesses per account and window stay near ten (`ACCOUNT_LIMIT`, plus
//! `DEVICE_LIMIT` for someone holding a stolen device cookie), while an attacker at one
//! address delays neither other people at that address nor the owner on a known device
//! or at another address.
//!
//! An attempt is reserved (counted) against the account's counts before the password is
//! checked and released only if it was right, so a burst of parallel guesses cannot slip
//! past them while the slow password hashes run. The address's count over all accounts
//! takes failures only once they happen, so a burst of people signing in at once behind
//! one proxy is not taken for spraying.

use std::{net::IpAddr, time::Duration};

use chrono::Utc;
use sea_orm::{
    ColumnTrait, EntityTrait, ExprTrait, FromQueryResult, PaginatorTrait, QueryFilter, QuerySelect,
    Set, prelude::Expr,
};

use crate::{
    audit,
    auth::secrets,
    db::WriteTxn,
    entities::{sign_in_device, sign_in_failure},
    error::{AppError, AppResult},
};

pub const WINDOW: Duration = Duration::from_secs(15 * 60);
/// Wrong passwords for one account from one address, without a device cookie.
pub const ACCOUNT_ADDRESS_LIMIT: i64 = 5;
/// Wrong passwords for one account from every source without a device cookie together.
pub const ACCOUNT_LIMIT: i64 = 10;
/// Wrong passwords from one device cookie (for the account it belongs to).
pub const DEVICE_LIMIT: i64 = 10;
/// Wrong passwords from one address over all accounts, before its attempts are spaced.
pub const ADDRESS_LIMIT: i64 = 30;
/// The spacing of attempts from an address past `ADDRESS_LIMIT`.
pub const ADDRESS_SPACING: Duration = Duration::from_secs(5);
/// How long a device cookie is honoured after the sign-in that gave it.
pub const DEVICE_LIFETIME: Duration = Duration::from_secs(365 * 24 * 60 * 60);

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

/// The key of one account tried from one address (fixed length, like the others).
fn account_address_key(account: &str, address: &str) -> String {
    format!("pair:{}", secrets::digest(&format!("{account}|{address}")))
}

fn device_key(token_hash: &str) -> String {
    format!("device:{token_hash}")
}

fn chrono(duration: Duration) -> chrono::Duration {
    chrono::Duration::from_std(duration).unwrap_or(chrono::Duration::MAX)
}

/// Who is signing in, as the request shows it.
#[derive(Debug, Clone, Default)]
pub struct Client {
    pub address: String,
    /// The device cookie, if the browser sent one.
    pub device: Option<String>,
}

/// What a key allows within the window.
#[derive(Debug, Clone, Copy)]
enum Limit {
    /// Refused once this many failures are in the window, until the oldest leaves it.
    Block(i64),
    /// Past this many failures, one attempt per `ADDRESS_SPACING`.
    Space(i64),
}

/// Where an attempt comes from, and so which counts it is held to.
#[derive(Debug, Clone)]
pub struct Source {
    keys: Vec<(String, Limit)>,
    /// The count a right password clears: this device's or this address's for the account.
    own: String,
    known_device: bool,
}

impl Source {
    /// A browser that signed in to this account before: it may skip being given a new
    /// device cookie.
    pub fn is_known_device(&self) -> bool {
        self.known_device
    }
}

/// The source of an attempt on `account`: its device when the cookie is one this
/// account was given (and still valid), otherwise its address.
pub async fn source(txn: &WriteTxn, account: &str, client: &Client) -> AppResult<Source> {
    if let Some(cookie) = client.device.as_deref().filter(|c| !c.is_empty()) {
        let token_hash = secrets::digest(cookie);
        let since = Utc::now() - chrono(DEVICE_LIFETIME);
        let known = sign_in_device::Entity::find_by_id(token_hash.clone())
            .filter(sign_in_device::Column::AccountKey.eq(account))
            .filter(sign_in_device::Column::CreatedAt.gt(since))
            .one(txn)
            .await?
            .is_some();
        if known {
            let key = device_key(&token_hash);
            return Ok(Source {
                keys: vec![(key.clone(), Limit::Block(DEVICE_LIMIT))],
                own: key,
                known_device: true,
            });
        }
    }
    let address = address_key(&client.address);
    let pair = account_address_key(account, &address);
    Ok(Source {
        keys: vec![
            (pair.clone(), Limit::Block(ACCOUNT_ADDRESS_LIMIT)),
            (account.to_owned(), Limit::Block(ACCOUNT_LIMIT)),
            (address, Limit::Space(ADDRESS_LIMIT)),
        ],
        own: pair,
        known_device: false,
    })
}

/// Remembers a browser that has just signed in to `account`; the answer is the cookie
/// value to give it. Devices past their lifetime are forgotten on the way.
pub async fn remember_device(txn: &WriteTxn, account: &str) -> AppResult<String> {
    let now = Utc::now();
    sign_in_device::Entity::delete_many()
        .filter(sign_in_device::Column::CreatedAt.lte(now - chrono(DEVICE_LIFETIME)))
        .exec(txn)
        .await?;
    let cookie = secrets::random_token()?;
    sign_in_device::Entity::insert(sign_in_device::ActiveModel {
        token_hash: Set(secrets::digest(&cookie)),
        account_key: Set(account.to_owned()),
        created_at: Set(now),
    })
    .exec(txn)
    .await?;
    Ok(cookie)
}

#[derive(FromQueryResult)]
struct FailureCount {
    failures: i64,
    oldest: Option<chrono::DateTime<Utc>>,
    newest: Option<chrono::DateTime<Utc>>,
}

/// Attempts counted against their keys until `release` says they were right.
pub struct Reservation {
    row_ids: Vec<i64>,
    own: String,
    /// Keys counted only once the attempt has failed (`fail`), with the count past which
    /// they are spaced.
    on_failure: Vec<(String, i64)>,
    /// The counts this attempt fills up: should it fail, they lock (the audit trail
    /// records it).
    locks: Vec<&'static str>,
}

/// What a lock is on, as the audit trail names it, from its key.
fn locked_what(key: &str) -> &'static str {
    match key.split_once(':').map(|(kind, _)| kind) {
        Some("device") => "device",
        Some("pair") => "account_from_address",
        Some("account") => "account",
        _ => "address",
    }
}

/// A failed attempt as the audit trail tells it, should it lock anything.
pub struct Attempt<'a> {
    /// The email as typed.
    pub email: &'a str,
    /// Whose account it is, if it names someone.
    pub person_id: Option<i32>,
    pub client: &'a Client,
}

/// Counts one attempt under each key of its source, or refuses with 429 (and the longest
/// wait of the keys that are used up). The count and the insert happen under a lock per
/// key; the caller commits the reservation on its own, before checking the password, so
/// parallel attempts see it.
pub async fn reserve(txn: &WriteTxn, source: &Source) -> AppResult<Reservation> {
    let now = Utc::now();
    let since = now - chrono(WINDOW);
    let names: Vec<&str> = source.keys.iter().map(|(key, _)| key.as_str()).collect();
    txn.lock(&names).await?;
    let mut wait: Option<Duration> = None;
    let mut locks = Vec::new();
    for (key, limit) in &source.keys {
        sign_in_failure::Entity::delete_many()
            .filter(sign_in_failure::Column::ThrottleKey.eq(key.as_str()))
            .filter(sign_in_failure::Column::FailedAt.lte(since))
            .exec(txn)
            .await?;
        let counted = sign_in_failure::Entity::find()
            .select_only()
            .column_as(Expr::col(sign_in_failure::Column::Id).count(), "failures")
            .column_as(Expr::col(sign_in_failure::Column::FailedAt).min(), "oldest")
            .column_as(Expr::col(sign_in_failure::Column::FailedAt).max(), "newest")
            .filter(sign_in_failure::Column::ThrottleKey.eq(key.as_str()))
            .filter(sign_in_failure::Column::FailedAt.gt(since))
            .into_model::<FailureCount>()
            .one(txn)
            .await?;
        // This attempt, once it fails, is the one that reaches the limit. Counted under
        // the key's lock, so exactly one attempt locks a key.
        let failures = counted.as_ref().map_or(0, |c| c.failures);
        if let Limit::Block(max) = *limit
            && failures == max - 1
        {
            locks.push(locked_what(key));
        }
        let Some(FailureCount {
            failures,
            oldest: Some(oldest),
            newest: Some(newest),
        }) = counted
        else {
            continue;
        };
        // Refused attempts are not counted, so a block lifts when the oldest failure
        // leaves the window, and spacing counts from the last failure.
        let lifts_at = match *limit {
            Limit::Block(max) if failures >= max => oldest + chrono(WINDOW),
            Limit::Space(after) if failures >= after => newest + chrono(ADDRESS_SPACING),
            _ => continue,
        };
        if lifts_at > now {
            let lifts_in = (lifts_at - now)
                .to_std()
                .unwrap_or_default()
                .max(Duration::from_secs(1));
            wait = Some(wait.map_or(lifts_in, |w| w.max(lifts_in)));
        }
    }
    if let Some(retry_after) = wait {
        return Err(AppError::TooManyRequests { retry_after });
    }
    let mut row_ids = Vec::with_capacity(source.keys.len());
    let mut on_failure = Vec::new();
    for (key, limit) in &source.keys {
        // The spacing of a spraying address is counted once an attempt has failed: a
        // reservation there would make a burst of right passwords from one proxy (a
        // Monday morning) wait as if it were guessing. The account's counts, which bound
        // guesses, are reserved.
        if let Limit::Space(after) = limit {
            on_failure.push((key.clone(), *after));
            continue;
        }
        row_ids.push(record(txn, key, now).await?);
    }
    Ok(Reservation {
        row_ids,
        own: source.own.clone(),
        on_failure,
        locks,
    })
}

async fn record(txn: &WriteTxn, key: &str, at: chrono::DateTime<Utc>) -> AppResult<i64> {
    let inserted = sign_in_failure::Entity::insert(sign_in_failure::ActiveModel {
        throttle_key: Set(key.to_owned()),
        failed_at: Set(at),
        ..Default::default()
    })
    .exec(txn)
    .await?;
    Ok(inserted.last_insert_id)
}

/// The attempt was wrong: the counts that wait for the answer take it too. When it locks
/// an account or spaces an address, the audit trail records it in the same write.
pub async fn fail(
    txn: &WriteTxn,
    reservation: Reservation,
    attempt: &Attempt<'_>,
) -> AppResult<()> {
    let now = Utc::now();
    let mut locks = reservation.locks;
    for (key, after) in &reservation.on_failure {
        txn.lock(&[key]).await?;
        let failures = sign_in_failure::Entity::find()
            .filter(sign_in_failure::Column::ThrottleKey.eq(key.as_str()))
            .filter(sign_in_failure::Column::FailedAt.gt(now - chrono(WINDOW)))
            .count(txn)
            .await?;
        record(txn, key, now).await?;
        if i64::try_from(failures).unwrap_or(i64::MAX) == after - 1 {
            locks.push(locked_what(key));
        }
    }
    if locks.is_empty() {
        return Ok(());
    }
    let subject = if locks.iter().all(|&what| what == "address") {
        audit::Subject::Address
    } else {
        audit::Subject::Account(attempt.person_id)
    };
    let event = audit::Event::new(audit::Kind::SignInLocked, subject)
        .concerning(attempt.person_id)
        .set("email", attempt.email.trim().to_lowercase())
        .set("address", &attempt.client.address)
        .set("known_device", attempt.client.device.is_some())
        .change("locked", Vec::<&str>::new(), locks);
    audit::record(txn, None, event).await
}

/// The attempt was right: it does not count, and the earlier failures of its own source
/// (this device, or this address for this account) are forgotten. The account's count
/// over all sources and the address's count over all accounts stay: signing in must not
/// reset a guessing run going on elsewhere.
pub async fn release(txn: &WriteTxn, reservation: Reservation) -> AppResult<()> {
    sign_in_failure::Entity::delete_many()
        .filter(
            sign_in_failure::Column::Id
                .is_in(reservation.row_ids)
                .or(sign_in_failure::Column::ThrottleKey.eq(reservation.own)),
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
        assert_eq!(
            account_address_key(&account_key("a"), &"x".repeat(500)).len(),
            account_address_key(&account_key("a"), "y").len()
        );
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

    #[test]
    fn one_address_alone_cannot_use_up_an_accounts_budget() {
        // The guarantee that a guesser at one address cannot block the account elsewhere.
        const { assert!(ACCOUNT_ADDRESS_LIMIT < ACCOUNT_LIMIT) };
    }
}
