//! Sign-in, server-side sessions and personal API tokens. This is the service; the poem
//! extractors live in `extract`, the endpoints in `api` and the pages in `pages`.

pub mod api;
pub mod extract;
pub mod pages;
pub mod secrets;
pub mod throttle;

use std::time::Duration;

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, QueryFilter,
    QueryOrder, Set, Statement,
};

use crate::{
    db::{Db, WriteTxn},
    entities::{api_token, session},
    error::{AppError, AppResult, FieldError},
    people::{self, Email, Role, passwords},
    policy::{self, Action},
};

/// The actor is a person and is defined with people (auth builds on people, never the
/// other way round); every area names it `auth::Actor`, where requests get one.
pub use crate::people::Actor;

/// Session bookkeeping (last seen) is written at most this often per session, so reading
/// pages does not turn into a write per request.
const TOUCH_EVERY: Duration = Duration::from_secs(60);
pub const TOKEN_PREFIX: &str = "sdv_";
pub const TOKEN_NAME_MAX: usize = 100;

/// How long a resolved session or token is trusted without asking the database again.
/// Every sign-out, password change, revocation and deactivation commits through a write
/// transaction, which empties this instance's cache at once (see `Db::generation`); on
/// another instance sharing the database such a change takes effect within this time.
pub const ACTOR_CACHE_TTL: Duration = Duration::from_secs(2);
/// Past this many live entries the cache starts over rather than grow.
const ACTOR_CACHE_MAX: usize = 10_000;

/// Actors recently resolved from a session cookie or an API token, keyed by the
/// credential's digest: a reader clicking through pages costs one lookup every couple of
/// seconds instead of one per request.
#[derive(Default)]
pub struct ActorCache {
    entries: std::sync::Mutex<std::collections::HashMap<String, CachedActor>>,
}

struct CachedActor {
    actor: Actor,
    at: std::time::Instant,
    generation: u64,
}

impl ActorCache {
    fn get(&self, key: &str, generation: u64) -> Option<Actor> {
        let entries = self.entries.lock().ok()?;
        entries
            .get(key)
            .filter(|c| c.generation == generation && c.at.elapsed() < ACTOR_CACHE_TTL)
            .map(|c| c.actor.clone())
    }

    fn put(&self, key: String, actor: Actor, generation: u64, at: std::time::Instant) {
        if let Ok(mut entries) = self.entries.lock() {
            if entries.len() >= ACTOR_CACHE_MAX {
                entries
                    .retain(|_, c| c.generation == generation && c.at.elapsed() < ACTOR_CACHE_TTL);
                if entries.len() >= ACTOR_CACHE_MAX {
                    entries.clear();
                }
            }
            entries.insert(
                key,
                CachedActor {
                    actor,
                    at,
                    generation,
                },
            );
        }
    }
}

/// How long sessions live.
#[derive(Debug, Clone, Copy)]
pub struct SessionPolicy {
    pub idle: Duration,
    pub max_age: Duration,
}

/// A session just started: the cookie value is given to the browser once.
pub struct NewSession {
    pub cookie_value: String,
}

/// An API token as listed: never the secret.
#[derive(Debug, Clone)]
pub struct TokenInfo {
    pub id: i32,
    pub name: String,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
}

/// A token just created: the secret is shown once.
pub struct NewToken {
    pub info: TokenInfo,
    pub secret: String,
}

fn to_info(model: api_token::Model) -> TokenInfo {
    TokenInfo {
        id: model.id,
        name: model.name,
        created_at: model.created_at,
        last_used_at: model.last_used_at,
    }
}

/// Checks an email and password and returns the person's id. Every failure gives the same
/// answer, whether the email exists or not, and counts towards the throttle.
pub async fn check_credentials(
    db: &Db,
    email: &str,
    password: &str,
    client_address: &str,
) -> AppResult<i32> {
    let account = throttle::account_key(email);
    let keys = [account.clone(), throttle::address_key(client_address)];
    let reservation = throttle::reserve(db, &keys).await?;

    let found = match Email::parse(email) {
        Ok(email) => people::credentials(db.conn(), &email).await?,
        Err(_) => None,
    };
    let usable = found.filter(|p| p.active && p.password_hash.is_some());
    let stored = usable.as_ref().and_then(|p| p.password_hash.as_deref());
    let matches = passwords::verify(password, stored).await?;
    match usable {
        Some(person) if matches => {
            throttle::release(db, reservation, &account).await?;
            Ok(person.person_id)
        }
        // The reservation stays: it was a failure.
        _ => Err(AppError::BadCredentials),
    }
}

/// Starts a session for a person who has just signed in. The previous session of this
/// browser, if any, ends: the id is never reused across a sign-in.
pub async fn start_session(
    db: &Db,
    person_id: i32,
    previous_cookie: Option<&str>,
) -> AppResult<NewSession> {
    let cookie_value = secrets::random_token()?;
    let now = Utc::now();
    let txn = db.write().await?;
    if let Some(previous) = previous_cookie {
        session::Entity::delete_by_id(secrets::digest(previous))
            .exec(&*txn)
            .await?;
    }
    session::ActiveModel {
        id: Set(secrets::digest(&cookie_value)),
        person_id: Set(person_id),
        csrf_token: Set(secrets::random_token()?),
        created_at: Set(now),
        last_seen_at: Set(now),
    }
    .insert(&*txn)
    .await?;
    txn.commit().await?;
    Ok(NewSession { cookie_value })
}

pub async fn end_session(db: &Db, cookie_value: &str) -> AppResult<()> {
    let txn = db.write().await?;
    session::Entity::delete_by_id(secrets::digest(cookie_value))
        .exec(&*txn)
        .await?;
    txn.commit().await
}

/// Ends every session and revokes every token of a person, inside the write that made it
/// necessary: people's `update` and `set_active` take it as their `sign_out` step (when
/// someone leaves or the cio resets their password).
pub async fn end_all_sessions_and_tokens(txn: &WriteTxn, person_id: i32) -> AppResult<()> {
    session::Entity::delete_many()
        .filter(session::Column::PersonId.eq(person_id))
        .exec(&**txn)
        .await?;
    api_token::Entity::delete_many()
        .filter(api_token::Column::PersonId.eq(person_id))
        .exec(&**txn)
        .await?;
    Ok(())
}

/// One row: the credential and the person behind it, with whether they manage anyone.
#[derive(FromQueryResult)]
struct ActorRow {
    person_id: i32,
    name: String,
    email: String,
    role: String,
    active: bool,
    is_manager: bool,
    csrf_token: Option<String>,
    session_id: Option<String>,
    created_at: DateTime<Utc>,
    seen_at: Option<DateTime<Utc>>,
}

impl ActorRow {
    fn into_actor(self) -> Option<Actor> {
        Some(Actor {
            person_id: self.person_id,
            role: Role::parse(&self.role)?,
            name: self.name,
            email: self.email,
            is_manager: self.is_manager,
            csrf_token: self.csrf_token,
            session_id: self.session_id,
        })
    }
}

const ACTOR_COLUMNS: &str = "p.id AS person_id, p.name, p.email, p.role, p.active,
    EXISTS (SELECT 1 FROM people r WHERE r.manager_id = p.id AND r.active = $2) AS is_manager";

/// The person behind a session cookie, or None when the session is unknown, expired or
/// belongs to someone deactivated. An expired session is removed.
pub async fn actor_for_session(
    db: &Db,
    cache: &ActorCache,
    cookie_value: &str,
    limits: SessionPolicy,
) -> AppResult<Option<Actor>> {
    let key = format!("session:{}", secrets::digest(cookie_value));
    let generation = db.generation();
    if let Some(actor) = cache.get(&key, generation) {
        return Ok(Some(actor));
    }
    let looked_up = std::time::Instant::now();
    let actor = session_actor(db, cookie_value, limits).await?;
    if let Some(actor) = &actor {
        cache.put(key, actor.clone(), generation, looked_up);
    }
    Ok(actor)
}

async fn session_actor(
    db: &Db,
    cookie_value: &str,
    limits: SessionPolicy,
) -> AppResult<Option<Actor>> {
    let id = secrets::digest(cookie_value);
    let sql = format!(
        "SELECT {ACTOR_COLUMNS}, s.csrf_token, s.id AS session_id, s.created_at, s.last_seen_at AS seen_at
         FROM sessions s JOIN people p ON p.id = s.person_id WHERE s.id = $1"
    );
    let row = ActorRow::find_by_statement(Statement::from_sql_and_values(
        db.backend(),
        sql,
        [id.clone().into(), true.into()],
    ))
    .one(db.conn())
    .await?;
    let Some(row) = row else { return Ok(None) };

    let now = Utc::now();
    let age = (now - row.created_at).to_std().unwrap_or_default();
    let idle = row
        .seen_at
        .map(|seen| (now - seen).to_std().unwrap_or_default())
        .unwrap_or_default();
    if !row.active || age > limits.max_age || idle > limits.idle {
        end_session(db, cookie_value).await?;
        return Ok(None);
    }
    if idle > TOUCH_EVERY {
        let txn = db.write().await?;
        session::Entity::update_many()
            .col_expr(
                session::Column::LastSeenAt,
                sea_orm::prelude::Expr::value(now),
            )
            .filter(session::Column::Id.eq(id))
            .exec(&*txn)
            .await?;
        txn.commit().await?;
    }
    Ok(row.into_actor())
}

/// The person behind an API token, or None when the token is unknown or its owner inactive.
pub async fn actor_for_token(db: &Db, cache: &ActorCache, token: &str) -> AppResult<Option<Actor>> {
    if !token.starts_with(TOKEN_PREFIX) {
        return Ok(None);
    }
    let key = format!("token:{}", secrets::digest(token));
    let generation = db.generation();
    if let Some(actor) = cache.get(&key, generation) {
        return Ok(Some(actor));
    }
    let looked_up = std::time::Instant::now();
    let actor = token_actor(db, token).await?;
    if let Some(actor) = &actor {
        cache.put(key, actor.clone(), generation, looked_up);
    }
    Ok(actor)
}

async fn token_actor(db: &Db, token: &str) -> AppResult<Option<Actor>> {
    let hash = secrets::digest(token);
    let sql = format!(
        "SELECT {ACTOR_COLUMNS}, NULL AS csrf_token, NULL AS session_id, t.created_at, t.last_used_at AS seen_at, t.id AS token_id
         FROM api_tokens t JOIN people p ON p.id = t.person_id WHERE t.token_hash = $1"
    );
    let stmt = Statement::from_sql_and_values(db.backend(), sql, [hash.into(), true.into()]);
    let Some(result) = db.conn().query_one_raw(stmt).await? else {
        return Ok(None);
    };
    let row = ActorRow::from_query_result(&result, "")?;
    let token_id: i32 = result.try_get("", "token_id")?;
    if !row.active {
        return Ok(None);
    }
    let now = Utc::now();
    let stale = row
        .seen_at
        .is_none_or(|seen| (now - seen).to_std().unwrap_or_default() > TOUCH_EVERY);
    if stale {
        let txn = db.write().await?;
        api_token::Entity::update_many()
            .col_expr(
                api_token::Column::LastUsedAt,
                sea_orm::prelude::Expr::value(now),
            )
            .filter(api_token::Column::Id.eq(token_id))
            .exec(&*txn)
            .await?;
        txn.commit().await?;
    }
    Ok(row.into_actor())
}

fn token_name(raw: Option<&str>) -> AppResult<String> {
    let name = raw.map(str::trim).unwrap_or("");
    if name.chars().count() > TOKEN_NAME_MAX {
        return Err(AppError::invalid(
            "name",
            format!("Use at most {TOKEN_NAME_MAX} characters."),
        ));
    }
    if let Some(message) = crate::validate::unprintable_in(name) {
        return Err(AppError::invalid("name", message));
    }
    Ok(if name.is_empty() {
        "API token".to_owned()
    } else {
        name.to_owned()
    })
}

async fn insert_token(db: &Db, person_id: i32, name: String) -> AppResult<NewToken> {
    let secret = format!("{TOKEN_PREFIX}{}", secrets::random_token()?);
    let txn = db.write().await?;
    let model = api_token::ActiveModel {
        person_id: Set(person_id),
        name: Set(name),
        token_hash: Set(secrets::digest(&secret)),
        created_at: Set(Utc::now()),
        last_used_at: Set(None),
        ..Default::default()
    }
    .insert(&*txn)
    .await?;
    txn.commit().await?;
    Ok(NewToken {
        info: to_info(model),
        secret,
    })
}

/// Exchanges an email and password for a new API token (throttled like any sign-in).
pub async fn create_token_with_password(
    db: &Db,
    email: &str,
    password: &str,
    name: Option<&str>,
    client_address: &str,
) -> AppResult<NewToken> {
    let mut errors = Vec::new();
    if email.trim().is_empty() {
        errors.push(FieldError::new("email", "Enter your email address."));
    }
    if password.is_empty() {
        errors.push(FieldError::new("password", "Enter your password."));
    }
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    let name = token_name(name)?;
    let person_id = check_credentials(db, email, password, client_address).await?;
    insert_token(db, person_id, name).await
}

/// Creates a token for the signed-in person (from the account page).
pub async fn create_token(db: &Db, actor: &Actor, name: Option<&str>) -> AppResult<NewToken> {
    policy::check(actor.principal(), Action::ManageOwnAccount)?;
    let name = token_name(name)?;
    insert_token(db, actor.person_id, name).await
}

pub async fn list_tokens(db: &Db, actor: &Actor) -> AppResult<Vec<TokenInfo>> {
    policy::check(actor.principal(), Action::ManageOwnAccount)?;
    Ok(api_token::Entity::find()
        .filter(api_token::Column::PersonId.eq(actor.person_id))
        .order_by_desc(api_token::Column::CreatedAt)
        .order_by_desc(api_token::Column::Id)
        .all(db.conn())
        .await?
        .into_iter()
        .map(to_info)
        .collect())
}

/// Revokes one of one's own tokens; someone else's token is 404.
pub async fn revoke_token(db: &Db, actor: &Actor, token_id: i32) -> AppResult<()> {
    policy::check(actor.principal(), Action::ManageOwnAccount)?;
    let txn = db.write().await?;
    let deleted = api_token::Entity::delete_many()
        .filter(api_token::Column::Id.eq(token_id))
        .filter(api_token::Column::PersonId.eq(actor.person_id))
        .exec(&*txn)
        .await?;
    if deleted.rows_affected == 0 {
        return Err(AppError::NotFound);
    }
    txn.commit().await
}

/// Changes one's own password after checking the current one. Every other session of the
/// person ends (whoever knew the old password is signed out); API tokens stay, as they
/// are credentials of their own.
pub async fn change_password(
    db: &Db,
    actor: &Actor,
    current: &str,
    new: &str,
    client_address: &str,
) -> AppResult<()> {
    policy::check(actor.principal(), Action::ManageOwnAccount)?;
    if let Err(message) = passwords::check_strength(new) {
        return Err(AppError::invalid("new_password", message));
    }
    match check_credentials(db, &actor.email, current, client_address).await {
        Ok(_) => {}
        Err(AppError::BadCredentials) => {
            return Err(AppError::invalid(
                "current_password",
                "This is not your current password.",
            ));
        }
        Err(other) => return Err(other),
    }
    let hash = passwords::hash(new).await?;
    let txn = db.write().await?;
    people::set_password_hash(&txn, actor.person_id, hash).await?;
    let mut others =
        session::Entity::delete_many().filter(session::Column::PersonId.eq(actor.person_id));
    if let Some(current) = &actor.session_id {
        others = others.filter(session::Column::Id.ne(current.as_str()));
    }
    others.exec(&*txn).await?;
    txn.commit().await
}
