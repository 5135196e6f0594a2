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
    QueryOrder, Set,
};

use crate::{
    db::{Db, Params, WriteTxn},
    entities::{api_token, session},
    error::{AppError, AppResult},
    people::{
        self, Email, SignOut,
        passwords::{self, NewPassword},
    },
    policy::{self, Action},
    validate::{Errors, Text, TextError},
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
/// Past this many entries the cache drops the least used first.
const ACTOR_CACHE_MAX: u64 = 10_000;

/// Actors recently resolved from a session cookie or an API token, keyed by the
/// credential's digest and `Db::generation`: a reader clicking through pages costs one
/// lookup every couple of seconds instead of one per request. When an entry is missing
/// (expired, or a write has committed), concurrent requests for the same credential wait
/// for one lookup rather than each asking the database (moka's `try_get_with`); nobody is
/// ever served an entry older than `ACTOR_CACHE_TTL`, so sign-out keeps its bound.
pub struct ActorCache {
    entries: moka::future::Cache<(u64, String), CachedActor>,
}

impl Default for ActorCache {
    fn default() -> Self {
        ActorCache {
            entries: moka::future::Cache::builder()
                .max_capacity(ACTOR_CACHE_MAX)
                .expire_after(FromLookup)
                .build(),
        }
    }
}

#[derive(Clone)]
struct CachedActor {
    actor: Actor,
    /// When the lookup began: the time to live counts from here, not from its answer.
    looked_up: std::time::Instant,
}

/// Each entry lives `ACTOR_CACHE_TTL` from the start of the lookup that found it.
struct FromLookup;

impl moka::Expiry<(u64, String), CachedActor> for FromLookup {
    fn expire_after_create(
        &self,
        _key: &(u64, String),
        value: &CachedActor,
        _created_at: std::time::Instant,
    ) -> Option<Duration> {
        Some(ACTOR_CACHE_TTL.saturating_sub(value.looked_up.elapsed()))
    }
}

/// Why a lookup left nothing to cache.
enum Miss {
    /// Unknown, expired or deactivated: not cached, so the next request asks again.
    NoActor,
    /// Taken by the caller whose lookup failed; the others read for themselves.
    Failed(std::sync::Mutex<Option<AppError>>),
}

impl ActorCache {
    /// The actor cached under `key` for this `generation`, or `read`'s answer, which is
    /// cached when it names someone. Concurrent callers missing the same key wait for one
    /// `read`; if it fails, its caller gets the error and the others read for themselves,
    /// so each gets an error of its own (a 503 stays a 503).
    async fn get_or_read<F>(
        &self,
        key: String,
        generation: u64,
        read: impl Fn() -> F,
    ) -> AppResult<Option<Actor>>
    where
        F: std::future::Future<Output = AppResult<Option<Actor>>>,
    {
        let lookup = async {
            let looked_up = std::time::Instant::now();
            match read().await {
                Ok(Some(actor)) => Ok(CachedActor { actor, looked_up }),
                Ok(None) => Err(Miss::NoActor),
                Err(error) => Err(Miss::Failed(std::sync::Mutex::new(Some(error)))),
            }
        };
        match self.entries.try_get_with((generation, key), lookup).await {
            Ok(cached) => Ok(Some(cached.actor)),
            Err(miss) => match &*miss {
                Miss::NoActor => Ok(None),
                Miss::Failed(error) => {
                    let taken = error.lock().ok().and_then(|mut e| e.take());
                    match taken {
                        Some(error) => Err(error),
                        None => read().await,
                    }
                }
            },
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

/// Someone whose email and password matched.
pub struct SignedIn {
    pub person_id: i32,
    /// The account as the throttle keys it.
    account: String,
    /// The browser carried this account's device cookie (see `throttle`).
    known_device: bool,
}

/// Checks an email and password and returns who signed in. Every failure gives the same
/// answer, whether the email exists or not, and counts towards the throttle, which holds
/// the attempt to the counts of its source (`throttle::source`).
pub async fn check_credentials(
    db: &Db,
    email: &str,
    password: &str,
    client: &throttle::Client,
) -> AppResult<SignedIn> {
    let account = throttle::account_key(email);
    // The attempt is counted in a write of its own, committed before the slow password
    // check, so a burst of parallel guesses all see it; a refused attempt writes nothing.
    let txn = db.write().await?;
    let source = throttle::source(&txn, &account, client).await?;
    let reservation = throttle::reserve(&txn, &source).await?;
    txn.commit().await?;

    let found = match Email::parse(email) {
        Ok(email) => people::credentials(db.conn(), &email).await?,
        Err(_) => None,
    };
    let person_id = found.as_ref().map(|p| p.person_id);
    let usable = found.filter(|p| p.active && p.password_hash.is_some());
    let stored = usable.as_ref().and_then(|p| p.password_hash.as_deref());
    let matches = passwords::verify(password, stored).await?;
    match usable {
        Some(person) if matches => {
            let txn = db.write().await?;
            throttle::release(&txn, reservation).await?;
            txn.commit().await?;
            Ok(SignedIn {
                person_id: person.person_id,
                account,
                known_device: source.is_known_device(),
            })
        }
        // The reservation stays: it was a failure.
        _ => {
            let txn = db.write().await?;
            let attempt = throttle::Attempt {
                email,
                person_id,
                client,
            };
            throttle::fail(&txn, reservation, &attempt).await?;
            txn.commit().await?;
            Err(AppError::BadCredentials)
        }
    }
}

/// A session just started, and the device cookie to give a browser that had none for
/// this account.
pub struct NewSignIn {
    pub session: NewSession,
    pub device_cookie: Option<String>,
}

/// Starts a session for a person who has just signed in. The previous session of this
/// browser, if any, ends: the id is never reused across a sign-in. A browser new to the
/// account is remembered as one of its devices in the same write.
pub async fn start_session(
    db: &Db,
    signed_in: &SignedIn,
    previous_cookie: Option<&str>,
) -> AppResult<NewSignIn> {
    let cookie_value = secrets::random_token()?;
    let now = Utc::now();
    let txn = db.write().await?;
    if let Some(previous) = previous_cookie {
        delete_session(&txn, previous).await?;
    }
    session::ActiveModel {
        id: Set(secrets::digest(&cookie_value)),
        person_id: Set(signed_in.person_id),
        csrf_token: Set(secrets::random_token()?),
        created_at: Set(now),
        last_seen_at: Set(now),
    }
    .insert(&txn)
    .await?;
    let device_cookie = if signed_in.known_device {
        None
    } else {
        Some(throttle::remember_device(&txn, &signed_in.account).await?)
    };
    txn.commit().await?;
    Ok(NewSignIn {
        session: NewSession { cookie_value },
        device_cookie,
    })
}

pub async fn end_session(db: &Db, cookie_value: &str) -> AppResult<()> {
    let txn = db.write().await?;
    delete_session(&txn, cookie_value).await?;
    txn.commit().await
}

/// Removes the session behind a cookie, if there is one.
async fn delete_session(txn: &WriteTxn, cookie_value: &str) -> AppResult<()> {
    session::Entity::delete_by_id(secrets::digest(cookie_value))
        .exec(txn)
        .await?;
    Ok(())
}

/// Signs someone out inside the write that made it necessary: people's `update` and
/// `set_active` take it as their `sign_out` step (someone leaves, the cio resets a
/// password, someone changes their own; `SignOut` says what each ends).
pub async fn sign_out(txn: &WriteTxn, whom: SignOut<'_>) -> AppResult<()> {
    match whom {
        SignOut::Everywhere(person_id) => {
            session::Entity::delete_many()
                .filter(session::Column::PersonId.eq(person_id))
                .exec(txn)
                .await?;
            api_token::Entity::delete_many()
                .filter(api_token::Column::PersonId.eq(person_id))
                .exec(txn)
                .await?;
            Ok(())
        }
        SignOut::OtherSessions {
            person_id,
            keep_session,
        } => end_other_sessions(txn, person_id, keep_session).await,
    }
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
            // A role the code does not know signs nobody in, as an unknown session would.
            role: self.role.parse().ok()?,
            name: self.name,
            email: self.email,
            is_manager: self.is_manager,
            csrf_token: self.csrf_token,
            session_id: self.session_id,
        })
    }
}

/// The columns of an `ActorRow` for a query that joins the person as `p`; binds what it
/// needs in `params`.
fn actor_columns(params: &mut Params) -> String {
    let active = params.bind(true);
    format!(
        "p.id AS person_id, p.name, p.email, p.role, p.active,
    EXISTS (SELECT 1 FROM people r WHERE r.manager_id = p.id AND r.active = {active}) AS is_manager"
    )
}

/// The person behind a session cookie, or None when the session is unknown, expired or
/// belongs to someone deactivated. An expired session is removed.
pub async fn actor_for_session(
    db: &Db,
    cache: &ActorCache,
    cookie_value: &str,
    limits: SessionPolicy,
) -> AppResult<Option<Actor>> {
    let key = format!("session:{}", secrets::digest(cookie_value));
    cache
        .get_or_read(key, db.generation(), || {
            session_actor(db, cookie_value, limits)
        })
        .await
}

async fn session_actor(
    db: &Db,
    cookie_value: &str,
    limits: SessionPolicy,
) -> AppResult<Option<Actor>> {
    let id = secrets::digest(cookie_value);
    let mut params = Params::new();
    let session_id = params.bind(id.clone());
    let columns = actor_columns(&mut params);
    let sql = format!(
        "SELECT {columns}, s.csrf_token, s.id AS session_id, s.created_at, s.last_seen_at AS seen_at
         FROM sessions s JOIN people p ON p.id = s.person_id WHERE s.id = {session_id}"
    );
    let row = ActorRow::find_by_statement(params.statement(db.backend(), sql))
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
        // Reading a page writes, at most once a minute per session: the idle limit
        // counts from here.
        let txn = db.write().await?;
        touch_session(&txn, &id, now).await?;
        txn.commit().await?;
    }
    Ok(row.into_actor())
}

async fn touch_session(txn: &WriteTxn, id: &str, now: DateTime<Utc>) -> AppResult<()> {
    session::Entity::update_many()
        .col_expr(
            session::Column::LastSeenAt,
            sea_orm::prelude::Expr::value(now),
        )
        .filter(session::Column::Id.eq(id))
        .exec(txn)
        .await?;
    Ok(())
}

/// The person behind an API token, or None when the token is unknown or its owner inactive.
pub async fn actor_for_token(db: &Db, cache: &ActorCache, token: &str) -> AppResult<Option<Actor>> {
    if !token.starts_with(TOKEN_PREFIX) {
        return Ok(None);
    }
    let key = format!("token:{}", secrets::digest(token));
    cache
        .get_or_read(key, db.generation(), || token_actor(db, token))
        .await
}

async fn token_actor(db: &Db, token: &str) -> AppResult<Option<Actor>> {
    let hash = secrets::digest(token);
    let mut params = Params::new();
    let token_hash = params.bind(hash);
    let columns = actor_columns(&mut params);
    let sql = format!(
        "SELECT {columns}, NULL AS csrf_token, NULL AS session_id, t.created_at, t.last_used_at AS seen_at, t.id AS token_id
         FROM api_tokens t JOIN people p ON p.id = t.person_id WHERE t.token_hash = {token_hash}"
    );
    let stmt = params.statement(db.backend(), sql);
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
        // As for sessions: a token's use is recorded at most once a minute.
        let txn = db.write().await?;
        touch_token(&txn, token_id, now).await?;
        txn.commit().await?;
    }
    Ok(row.into_actor())
}

async fn touch_token(txn: &WriteTxn, token_id: i32, now: DateTime<Utc>) -> AppResult<()> {
    api_token::Entity::update_many()
        .col_expr(
            api_token::Column::LastUsedAt,
            sea_orm::prelude::Expr::value(now),
        )
        .filter(api_token::Column::Id.eq(token_id))
        .exec(txn)
        .await?;
    Ok(())
}

/// The name a token is known by: trimmed, at most `TOKEN_NAME_MAX` characters, nothing
/// unprintable; "API token" when none is given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenName(String);

impl TokenName {
    pub fn parse(raw: Option<&str>) -> Result<TokenName, TextError> {
        let name = Text::<TOKEN_NAME_MAX>::parse(raw.unwrap_or(""))?;
        Ok(TokenName(if name.is_empty() {
            "API token".to_owned()
        } else {
            name.into_string()
        }))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An email and a password as a sign-in sends them.
pub struct SignInInput<'a> {
    pub email: &'a str,
    pub password: &'a str,
}

/// A sign-in with both parts given; whether they match is `check_credentials`' to say.
struct SignIn<'a> {
    email: &'a str,
    password: &'a str,
}

impl<'a> SignInInput<'a> {
    fn parse(&self, errors: &mut Errors) -> Option<SignIn<'a>> {
        let email = errors.check(
            "email",
            Some(self.email)
                .filter(|email| !email.trim().is_empty())
                .ok_or("Enter your email address."),
        );
        let password = errors.check(
            "password",
            Some(self.password)
                .filter(|password| !password.is_empty())
                .ok_or("Enter your password."),
        );
        Some(SignIn {
            email: email?,
            password: password?,
        })
    }
}

/// Stores a new token for a person; the secret is in the answer only.
async fn insert_token(txn: &WriteTxn, person_id: i32, name: TokenName) -> AppResult<NewToken> {
    let secret = format!("{TOKEN_PREFIX}{}", secrets::random_token()?);
    let model = api_token::ActiveModel {
        person_id: Set(person_id),
        name: Set(name.0),
        token_hash: Set(secrets::digest(&secret)),
        created_at: Set(Utc::now()),
        last_used_at: Set(None),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    Ok(NewToken {
        info: to_info(model),
        secret,
    })
}

/// Exchanges an email and password for a new API token (throttled like any sign-in).
pub async fn create_token_with_password(
    db: &Db,
    sign_in: SignInInput<'_>,
    name: Option<&str>,
    client: &throttle::Client,
) -> AppResult<NewToken> {
    let mut errors = Errors::default();
    // The credentials are asked for first; the name is looked at once they are given.
    let Some(sign_in) = sign_in.parse(&mut errors) else {
        return Err(errors.into_error());
    };
    let Some(name) = errors.check("name", TokenName::parse(name)) else {
        return Err(errors.into_error());
    };
    let signed_in = check_credentials(db, sign_in.email, sign_in.password, client).await?;
    let txn = db.write().await?;
    let created = insert_token(&txn, signed_in.person_id, name).await?;
    txn.commit().await?;
    Ok(created)
}

/// Creates a token for the signed-in person (from the account page).
pub async fn create_token(db: &Db, actor: &Actor, name: Option<&str>) -> AppResult<NewToken> {
    policy::check(actor.principal(), Action::ManageOwnAccount)?;
    let mut errors = Errors::default();
    let Some(name) = errors.check("name", TokenName::parse(name)) else {
        return Err(errors.into_error());
    };
    let txn = db.write().await?;
    let created = insert_token(&txn, actor.person_id, name).await?;
    txn.commit().await?;
    Ok(created)
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
        .exec(&txn)
        .await?;
    if deleted.rows_affected == 0 {
        return Err(AppError::NotFound);
    }
    txn.commit().await
}

/// Changes one's own password after checking the current one. Every other session of the
/// person ends (whoever knew the old password is signed out) while the one asking stays;
/// API tokens are credentials of their own, so they are revoked only when `revoke_tokens`
/// asks for it, in the same transaction.
pub async fn change_password(
    db: &Db,
    actor: &Actor,
    current: &str,
    new: &str,
    revoke_tokens: bool,
    client: &throttle::Client,
) -> AppResult<()> {
    policy::check(actor.principal(), Action::ManageOwnAccount)?;
    let mut errors = Errors::default();
    // The new password is looked at first: checking the current one counts towards the
    // sign-in throttle.
    let Some(new) = errors.check("new_password", NewPassword::parse(new)) else {
        return Err(errors.into_error());
    };
    match check_credentials(db, &actor.email, current, client).await {
        Ok(_) => {}
        Err(AppError::BadCredentials) => {
            return Err(AppError::invalid(
                "current_password",
                "This is not your current password.",
            ));
        }
        Err(other) => return Err(other),
    }
    let hash = new.hash().await?;
    let txn = db.write().await?;
    people::set_password_hash(&txn, actor.person_id, hash).await?;
    end_other_sessions(&txn, actor.person_id, actor.session_id.as_deref()).await?;
    if revoke_tokens {
        api_token::Entity::delete_many()
            .filter(api_token::Column::PersonId.eq(actor.person_id))
            .exec(&txn)
            .await?;
    }
    txn.commit().await
}

/// Ends every session of a person but `keep` (the one asking, if any).
async fn end_other_sessions(txn: &WriteTxn, person_id: i32, keep: Option<&str>) -> AppResult<()> {
    let mut others = session::Entity::delete_many().filter(session::Column::PersonId.eq(person_id));
    if let Some(keep) = keep {
        others = others.filter(session::Column::Id.ne(keep));
    }
    others.exec(txn).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ada() -> Actor {
        Actor {
            person_id: 1,
            name: "Ada".to_owned(),
            email: "ada@example.org".to_owned(),
            role: crate::people::Role::Staff,
            is_manager: false,
            csrf_token: None,
            session_id: None,
        }
    }

    /// Sixteen requests for one credential at once, each reading (slowly) if let.
    async fn burst(
        cache: &ActorCache,
        generation: u64,
        reads: &std::sync::atomic::AtomicUsize,
        answer: impl Fn() -> AppResult<Option<Actor>>,
    ) -> Vec<AppResult<Option<Actor>>> {
        let one = || {
            cache.get_or_read("session:x".to_owned(), generation, || async {
                reads.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(50)).await;
                answer()
            })
        };
        futures_util::future::join_all((0..16).map(|_| one())).await
    }

    #[tokio::test]
    async fn a_crowd_missing_one_session_waits_for_a_single_lookup() {
        use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
        let cache = ActorCache::default();
        let reads = AtomicUsize::new(0);

        let answers = burst(&cache, 0, &reads, || Ok(Some(ada()))).await;
        assert_eq!(reads.load(SeqCst), 1, "one lookup for the crowd");
        assert!(
            answers
                .iter()
                .all(|a| matches!(a, Ok(Some(a)) if a.person_id == 1))
        );

        burst(&cache, 0, &reads, || Ok(Some(ada()))).await;
        assert_eq!(reads.load(SeqCst), 1, "then it is cached");

        // A write through this instance (the next generation) asks again, once.
        burst(&cache, 1, &reads, || Ok(Some(ada()))).await;
        assert_eq!(reads.load(SeqCst), 2, "after a write, one lookup again");

        // A session that is gone is not cached: each crowd asks again, once.
        let answers = burst(&cache, 2, &reads, || Ok(None)).await;
        assert_eq!(reads.load(SeqCst), 3);
        assert!(answers.iter().all(|a| matches!(a, Ok(None))));
        burst(&cache, 2, &reads, || Ok(None)).await;
        assert_eq!(reads.load(SeqCst), 4, "signed out stays signed out");

        // A failed lookup is not cached and every caller gets an error of its own.
        reads.store(0, SeqCst);
        let answers = burst(&cache, 3, &reads, || Err(AppError::NotFound)).await;
        assert!(answers.iter().all(|a| matches!(a, Err(AppError::NotFound))));
        assert_eq!(
            reads.load(SeqCst),
            16,
            "the failed lookup and one each for the others"
        );
    }

    #[tokio::test]
    async fn an_entry_lives_its_time_to_live_from_the_start_of_its_lookup() {
        let cache = ActorCache::default();
        let reads = std::sync::atomic::AtomicUsize::new(0);
        let slow = || async {
            reads.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            tokio::time::sleep(ACTOR_CACHE_TTL / 2).await;
            Ok(Some(ada()))
        };
        cache.get_or_read("token:x".to_owned(), 0, slow).await.ok();
        tokio::time::sleep(ACTOR_CACHE_TTL / 2 + Duration::from_millis(100)).await;
        cache.get_or_read("token:x".to_owned(), 0, slow).await.ok();
        assert_eq!(
            reads.load(std::sync::atomic::Ordering::SeqCst),
            2,
            "a slow lookup does not stretch how long its answer is trusted"
        );
    }

    #[test]
    fn token_names_are_trimmed_bounded_and_default_to_api_token() {
        let long = "x".repeat(TOKEN_NAME_MAX + 1);
        let cases: [(Option<&str>, Result<&str, &str>); 6] = [
            (None, Ok("API token")),
            (Some("   "), Ok("API token")),
            (Some("  laptop  "), Ok("laptop")),
            (Some(&long), Err("Use at most 100 characters.")),
            (
                Some("bell\u{7}"),
                Err("Remove the invisible control character U+0007; it cannot be shown."),
            ),
            (Some("weekly report"), Ok("weekly report")),
        ];
        for (raw, expected) in cases {
            let parsed = TokenName::parse(raw);
            assert_eq!(
                parsed
                    .as_ref()
                    .map(TokenName::as_str)
                    .map_err(|e| e.to_string()),
                expected.map_err(str::to_owned),
                "{raw:?}"
            );
        }
    }

    #[test]
    fn a_sign_in_needs_both_parts_and_says_which_is_missing() {
        let cases = [
            ("", "", vec!["email", "password"]),
            ("  ", "secret", vec!["email"]),
            ("ada@example.org", "", vec!["password"]),
            ("ada@example.org", " ", vec![]),
        ];
        for (email, password, fields) in cases {
            let mut errors = Errors::default();
            let parsed = SignInInput { email, password }.parse(&mut errors);
            let found: Vec<&str> = errors.0.iter().map(|e| e.field.as_str()).collect();
            assert_eq!(found, fields, "{email:?} {password:?}");
            assert_eq!(parsed.is_some(), fields.is_empty());
        }
    }
}
