//! Private links: one secret per person in the address of their calendar feed and of the
//! portal's Atom feed, for the programs that cannot sign in (calendar apps, feed readers).
//!
//! The secret is an HMAC-SHA256, under the installation's key, of the person and a random
//! salt. So the account page can show the links whenever their owner looks (calendar
//! services show their "secret address" the same way: people subscribe from a phone and a
//! laptop months apart), every instance derives the same secret from the database, and a
//! restart changes nothing. A reset draws a new salt, so the old secret matches nothing.
//!
//! Only the secret's SHA-256 is stored per person, as for API tokens: it is what a request
//! is found by, and a copy of the links table alone opens nothing. The key sits in a table
//! of its own; whoever reads both tables can derive every link, which opens only what the
//! person reads anyway (published meetings, the portal) until the links are reset.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, Set, sea_query::OnConflict};
use sha2::Sha256;

use crate::{
    auth::{Actor, secrets},
    db::{Db, WriteTxn},
    entities::{private_link, private_link_key},
    error::{AppError, AppResult},
    people,
    policy::{self, Action, Principal},
};

/// The one row of `private_link_keys`.
const KEY_ID: i32 = 1;
/// Separates this use of the key from any later one.
const PURPOSE: &str = "staffdev private link v1";
/// A secret is 32 bytes, URL-safe base64 without padding.
const SECRET_LEN: usize = 43;

/// A person's private links, as their owner sees them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrivateLinks {
    pub secret: String,
    /// When these links were made (the first use, or the last reset).
    pub created_at: DateTime<Utc>,
}

impl PrivateLinks {
    /// The personal calendar feed of published meetings, below the site's address.
    pub fn calendar_path(&self) -> String {
        calendar_path(&self.secret)
    }

    /// The portal's Atom feed, read as the owner, below the site's address.
    pub fn portal_feed_path(&self) -> String {
        portal_feed_path(&self.secret)
    }
}

pub fn calendar_path(secret: &str) -> String {
    format!("/feeds/{secret}/meetings.ics")
}

pub fn portal_feed_path(secret: &str) -> String {
    format!("/feeds/{secret}/portal.atom")
}

/// The actor's links, made on first use.
pub async fn private_links(db: &Db, actor: &Actor) -> AppResult<PrivateLinks> {
    policy::check(actor.principal(), Action::UsePrivateLinks)?;
    let person_id = actor.person_id;
    let conn = db.conn();
    let key = private_link_key::Entity::find_by_id(KEY_ID)
        .one(conn)
        .await?;
    let row = private_link::Entity::find_by_id(person_id)
        .one(conn)
        .await?;
    if let (Some(key), Some(row)) = (key, row) {
        return links_of(&key.secret, row);
    }
    // First use: two requests at once both insert nothing twice and read the same row.
    let txn = db.write().await?;
    let key = ensure_key(&txn).await?;
    let salt = secrets::random_token()?;
    private_link::Entity::insert(new_row(&key, person_id, salt, Utc::now())?)
        .on_conflict(
            OnConflict::column(private_link::Column::PersonId)
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(&txn)
        .await?;
    let row = private_link::Entity::find_by_id(person_id)
        .one(&txn)
        .await?
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("the private link was not stored")))?;
    txn.commit().await?;
    links_of(&key, row)
}

/// Replaces the actor's links with new ones: the old addresses answer 404 from the moment
/// this commits, on every instance.
pub async fn reset_private_links(db: &Db, actor: &Actor) -> AppResult<PrivateLinks> {
    policy::check(actor.principal(), Action::UsePrivateLinks)?;
    let person_id = actor.person_id;
    let txn = db.write().await?;
    let key = ensure_key(&txn).await?;
    let salt = secrets::random_token()?;
    let row = new_row(&key, person_id, salt, Utc::now())?;
    private_link::Entity::insert(row)
        .on_conflict(
            OnConflict::column(private_link::Column::PersonId)
                .update_columns([
                    private_link::Column::Salt,
                    private_link::Column::SecretHash,
                    private_link::Column::CreatedAt,
                ])
                .to_owned(),
        )
        .exec_without_returning(&txn)
        .await?;
    let row = private_link::Entity::find_by_id(person_id)
        .one(&txn)
        .await?
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("the private link was not stored")))?;
    txn.commit().await?;
    links_of(&key, row)
}

/// Who a secret from a link belongs to. Anything but the current secret of someone still
/// active is a 404: a malformed one, an unknown one, one replaced by a reset, one of a
/// person who has left.
pub async fn link_owner(db: &Db, secret: &str) -> AppResult<Principal> {
    if !well_formed(secret) {
        return Err(AppError::NotFound);
    }
    let conn = db.conn();
    let row = private_link::Entity::find()
        .filter(private_link::Column::SecretHash.eq(secrets::digest(secret)))
        .one(conn)
        .await?
        .ok_or(AppError::NotFound)?;
    let owner = people::active_principal(conn, row.person_id)
        .await?
        .ok_or(AppError::NotFound)?;
    // A link reads as its owner would signed in; one who may not have links reads nothing.
    match policy::check(owner, Action::UsePrivateLinks) {
        Ok(()) => Ok(owner),
        Err(_) => Err(AppError::NotFound),
    }
}

/// The shape of a secret, checked before anything is looked up.
fn well_formed(secret: &str) -> bool {
    secret.len() == SECRET_LEN
        && secret
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// The installation's key, for other signatures that must hold on every instance and
/// across restarts (unsubscribe links); each use signs with a purpose of its own.
pub async fn installation_key(db: &Db) -> AppResult<String> {
    if let Some(key) = private_link_key::Entity::find_by_id(KEY_ID)
        .one(db.conn())
        .await?
    {
        return Ok(key.secret);
    }
    let txn = db.write().await?;
    let key = ensure_key(&txn).await?;
    txn.commit().await?;
    Ok(key)
}

/// The installation's key, made by the first write that needs it (every instance then
/// reads the same one).
async fn ensure_key(txn: &WriteTxn) -> AppResult<String> {
    private_link_key::Entity::insert(private_link_key::ActiveModel {
        id: Set(KEY_ID),
        secret: Set(secrets::random_token()?),
        created_at: Set(Utc::now()),
    })
    .on_conflict(
        OnConflict::column(private_link_key::Column::Id)
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(txn)
    .await?;
    let key = private_link_key::Entity::find_by_id(KEY_ID)
        .one(txn)
        .await?
        .ok_or_else(|| {
            AppError::internal(anyhow::anyhow!("the private link key was not stored"))
        })?;
    Ok(key.secret)
}

fn new_row(
    key: &str,
    person_id: i32,
    salt: String,
    now: DateTime<Utc>,
) -> AppResult<private_link::ActiveModel> {
    let secret = derive(key, person_id, &salt)?;
    Ok(private_link::ActiveModel {
        person_id: Set(person_id),
        salt: Set(salt),
        secret_hash: Set(secrets::digest(&secret)),
        created_at: Set(now),
    })
}

fn links_of(key: &str, row: private_link::Model) -> AppResult<PrivateLinks> {
    let secret = derive(key, row.person_id, &row.salt)?;
    // A key replaced by hand would silently hand out links that open nothing.
    if !secrets::same_secret(&secrets::digest(&secret), &row.secret_hash) {
        return Err(AppError::internal(anyhow::anyhow!(
            "the private link of person {} does not match the key: reset it",
            row.person_id
        )));
    }
    Ok(PrivateLinks {
        secret,
        created_at: row.created_at,
    })
}

/// The secret of a person's link: HMAC-SHA256(key, purpose, person, salt), URL-safe.
fn derive(key: &str, person_id: i32, salt: &str) -> AppResult<String> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key.as_bytes())
        .map_err(|err| AppError::internal(anyhow::anyhow!("the link key is unusable: {err}")))?;
    // Each part is followed by a separator no part contains, so no two inputs run together.
    for part in [PURPOSE, &person_id.to_string(), salt] {
        mac.update(part.as_bytes());
        mac.update(b"\n");
    }
    Ok(URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_secret_is_the_same_for_the_same_salt_and_differs_per_person_and_salt() {
        let key = "k".repeat(43);
        let a = derive(&key, 7, "salt").unwrap();
        assert_eq!(a, derive(&key, 7, "salt").unwrap());
        assert_ne!(a, derive(&key, 8, "salt").unwrap());
        assert_ne!(a, derive(&key, 7, "other").unwrap());
        assert_ne!(a, derive("another key", 7, "salt").unwrap());
        assert!(well_formed(&a), "{a}");
    }

    #[test]
    fn only_well_formed_secrets_are_looked_up() {
        let good = "A".repeat(SECRET_LEN);
        assert!(well_formed(&good));
        for bad in [
            String::new(),
            "A".repeat(SECRET_LEN - 1),
            "A".repeat(SECRET_LEN + 1),
            format!("{}.", "A".repeat(SECRET_LEN - 1)),
            format!("{}é", "A".repeat(SECRET_LEN - 2)),
            format!("{}/", "A".repeat(SECRET_LEN - 1)),
        ] {
            assert!(!well_formed(&bad), "{bad:?}");
        }
    }
}
