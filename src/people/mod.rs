//! People: the directory, roles and the manager chain. The cio adds, edits and
//! deactivates people; nobody is ever deleted, because goals, reviews and kudos refer to them.

//!
//! People depends on no other area but policy: auth builds on people (it checks people's
//! emails and passwords and hands out the `Actor`), so what people needs done to sign-ins
//! when someone leaves is passed in by the caller (see `update`).

mod actor;
pub mod api;
pub mod pages;
pub mod passwords;

use std::collections::HashMap;

use crate::audit::{Event, Kind};
use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, ExprTrait, FromQueryResult,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set, Statement,
    prelude::Expr,
    sea_query::{
        self, BinOper, CommonTableExpression, Func, LikeExpr, Query, SubQueryStatement, UnionType,
        WithClause,
    },
};

pub use actor::Actor;
use passwords::NewPassword;

use crate::{
    db::{Db, WriteTxn},
    entities::person,
    error::{AppError, AppResult},
    paging::{self, Page},
    policy::{self, Action, Subject},
    validate::{Errors, RequiredText, Text, Word},
};

pub const NAME_MAX: usize = 200;
pub const EMAIL_MAX: usize = 254;

/// What a person may do in staffdev, stored and sent as its word (`staff`, `cio`,
/// `advisor`); typed words are read without case.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    serde::Serialize,
    serde::Deserialize,
    strum::EnumIter,
    strum::IntoStaticStr,
    strum::EnumString,
    strum::EnumMessage,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case", ascii_case_insensitive)]
pub enum Role {
    #[strum(message = "Staff")]
    Staff,
    #[strum(message = "CIO")]
    Cio,
    #[strum(message = "Advisor")]
    Advisor,
}

impl Role {
    /// A role as typed in a form or sent to the API.
    fn parse_typed(raw: &str) -> Result<Role, &'static str> {
        Role::parse_word(raw).map_err(|_| "Choose staff, cio or advisor.")
    }
}

/// A valid email address, trimmed and lower-cased: emails are compared without case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    pub fn parse(raw: &str) -> Result<Email, String> {
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            return Err("Enter an email address.".into());
        }
        if trimmed.chars().count() > EMAIL_MAX {
            return Err(format!(
                "An email address has at most {EMAIL_MAX} characters."
            ));
        }
        let valid = email_address::EmailAddress::parse_with_options(
            trimmed,
            email_address::Options::default().without_display_text(),
        )
        .is_ok();
        // The parser accepts a bare host ("a@b"); an address people can reach has a dot
        // in its domain.
        let has_dotted_domain = trimmed
            .rsplit_once('@')
            .is_some_and(|(_, domain)| domain.contains('.') && !domain.ends_with('.'));
        if !valid || !has_dotted_domain {
            return Err(format!("{trimmed:?} is not a valid email address."));
        }
        Ok(Email(trimmed.to_lowercase()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A person in the directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    pub id: i32,
    pub email: String,
    pub name: String,
    pub job_title: String,
    pub team: String,
    pub role: Role,
    pub manager: Option<PersonRef>,
    pub active: bool,
    pub can_sign_in: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A profile: the person, and whom they manage directly.
#[derive(Debug, Clone)]
pub struct Profile {
    pub person: Person,
    pub reports: Vec<PersonRef>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonRef {
    pub id: i32,
    pub name: String,
}

/// A person's name: required, one line's worth.
pub type Name = RequiredText<NAME_MAX>;
/// A job title or a team: may be empty.
pub type Detail = Text<NAME_MAX>;

/// A new person as typed in a form or sent to the API.
#[derive(Debug, Clone, Default)]
pub struct PersonInput {
    pub email: Option<String>,
    pub name: Option<String>,
    pub job_title: Option<String>,
    pub team: Option<String>,
    pub role: Option<String>,
    pub manager_id: Option<i32>,
    /// An initial password; without one (or empty) the person cannot sign in until it is set.
    pub password: Option<String>,
}

/// A new person, parsed: `PersonInput::parse`.
#[derive(Debug, Clone)]
pub struct NewPerson {
    pub email: Email,
    pub name: Name,
    pub job_title: Detail,
    pub team: Detail,
    pub role: Role,
    pub manager_id: Option<i32>,
    pub password: Option<NewPassword>,
}

impl PersonInput {
    /// The person to add, or None with every reason recorded in `errors`. Whether the
    /// manager may manage and the email is free are the database's to say.
    pub fn parse(&self, errors: &mut Errors) -> Option<NewPerson> {
        let text = |raw: &Option<String>| raw.as_deref().unwrap_or("").to_owned();
        let email = errors.check("email", Email::parse(&text(&self.email)));
        let name = errors.check("name", Name::parse_or(&text(&self.name), "Enter a name."));
        let job_title = errors.check("job_title", Detail::parse(&text(&self.job_title)));
        let team = errors.check("team", Detail::parse(&text(&self.team)));
        let role = errors.check("role", Role::parse_typed(&text(&self.role)));
        let password = errors.check(
            "password",
            NewPassword::parse_optional(self.password.as_deref()),
        );
        Some(NewPerson {
            email: email?,
            name: name?,
            job_title: job_title?,
            team: team?,
            role: role?,
            manager_id: self.manager_id,
            password: password?,
        })
    }
}

/// Changes to a person as typed or sent; `None` leaves a field as it is.
/// `manager_id: Some(None)` removes the manager; an empty password leaves it as it is.
#[derive(Debug, Clone, Default)]
pub struct PersonChangesInput {
    pub email: Option<String>,
    pub name: Option<String>,
    pub job_title: Option<String>,
    pub team: Option<String>,
    pub role: Option<String>,
    pub manager_id: Option<Option<i32>>,
    pub active: Option<bool>,
    pub password: Option<String>,
}

/// Changes to a person, parsed: `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct PersonChanges {
    pub email: Option<Email>,
    pub name: Option<Name>,
    pub job_title: Option<Detail>,
    pub team: Option<Detail>,
    pub role: Option<Role>,
    pub manager_id: Option<Option<i32>>,
    pub active: Option<bool>,
    pub password: Option<NewPassword>,
}

/// A field an edit may leave alone: `Some(None)` when it was not sent, `Some(Some(value))`
/// when it parsed, None when it did not (the reason recorded).
fn edited<T, E: std::fmt::Display>(
    errors: &mut Errors,
    field: &str,
    raw: Option<&str>,
    parse: impl FnOnce(&str) -> Result<T, E>,
) -> Option<Option<T>> {
    match raw {
        None => Some(None),
        Some(raw) => errors.check(field, parse(raw)).map(Some),
    }
}

impl PersonChangesInput {
    /// The changes, or None with every reason recorded in `errors`.
    pub fn parse(&self, errors: &mut Errors) -> Option<PersonChanges> {
        let email = edited(errors, "email", self.email.as_deref(), Email::parse);
        let name = edited(errors, "name", self.name.as_deref(), |raw| {
            Name::parse_or(raw, "Enter a name.")
        });
        let job_title = edited(
            errors,
            "job_title",
            self.job_title.as_deref(),
            Detail::parse,
        );
        let team = edited(errors, "team", self.team.as_deref(), Detail::parse);
        let role = edited(errors, "role", self.role.as_deref(), Role::parse_typed);
        let password = errors.check(
            "password",
            NewPassword::parse_optional(self.password.as_deref()),
        );
        Some(PersonChanges {
            email: email?,
            name: name?,
            job_title: job_title?,
            team: team?,
            role: role?,
            manager_id: self.manager_id,
            active: self.active,
            password: password?,
        })
    }
}

#[derive(Debug, Clone, Default)]
pub struct DirectoryFilter {
    /// Matches name, email, job title or team, without case.
    pub query: Option<String>,
    pub team: Option<String>,
    pub include_inactive: bool,
    pub limit: Option<u64>,
    pub after: Option<String>,
}

fn to_person(model: person::Model, manager: Option<PersonRef>) -> AppResult<Person> {
    Ok(Person {
        role: Role::from_stored(&model.role)?,
        can_sign_in: model.active && model.password_hash.is_some(),
        id: model.id,
        email: model.email,
        name: model.name,
        job_title: model.job_title,
        team: model.team,
        manager,
        active: model.active,
        created_at: model.created_at,
        updated_at: model.updated_at,
    })
}

/// The deepest manager chain walked; it keeps a corrupted chain (a loop) from walking for ever.
const CHAIN_DEPTH_MAX: i32 = 64;

/// Everyone under one person in the manager chain, at any depth: see `below`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Below {
    manager_id: i32,
}

/// Everyone under `manager_id` in the manager chain, at any depth, for a query to use as a
/// subquery (`includes`). It binds `manager_id` itself, so a query that uses it cannot
/// number its parameter wrongly, whatever else the query binds.
pub fn below(manager_id: i32) -> Below {
    Below { manager_id }
}

impl Below {
    /// `SELECT id FROM below`, where `below(id, depth)` walks down the chain recursively.
    pub fn subquery(self) -> SubQueryStatement {
        let mut start = Query::select()
            .column(person::Column::Id)
            .expr(Expr::cust("1"))
            .from(person::Entity)
            .and_where(Expr::col(person::Column::ManagerId).eq(self.manager_id))
            .to_owned();
        let step = Query::select()
            .column((person::Entity, person::Column::Id))
            .expr(Expr::col(("below", "depth")).add(Expr::cust("1")))
            .from(person::Entity)
            .inner_join(
                "below",
                Expr::col((person::Entity, person::Column::ManagerId)).equals(("below", "id")),
            )
            .and_where(Expr::col(("below", "depth")).lt(CHAIN_DEPTH_MAX))
            .to_owned();
        let walk = CommonTableExpression::new()
            .query(start.union(UnionType::All, step).to_owned())
            .columns(["id", "depth"])
            .table_name("below")
            .to_owned();
        let ids = Query::select().column("id").from("below").to_owned();
        SubQueryStatement::WithStatement(
            ids.with(WithClause::new().recursive(true).cte(walk).to_owned()),
        )
    }

    /// `person IN (…)`: the person (a column or expression holding a person id) is below.
    pub fn includes(self, person: impl Into<Expr>) -> Expr {
        person
            .into()
            .binary(BinOper::In, Expr::SubQuery(None, Box::new(self.subquery())))
    }
}

/// The people above `person_id`, nearest first, in one recursive query. The depth bound
/// keeps a corrupted chain from looping forever.
pub async fn managers_of(conn: &impl ConnectionTrait, person_id: i32) -> AppResult<Vec<i32>> {
    let rows = conn
        .query_all_raw(Statement::from_sql_and_values(
            conn.get_database_backend(),
            r#"WITH RECURSIVE chain(id, manager_id, depth) AS (
                   SELECT id, manager_id, 0 FROM people WHERE id = $1
                   UNION ALL
                   SELECT p.id, p.manager_id, c.depth + 1
                   FROM people p JOIN chain c ON p.id = c.manager_id
                   WHERE c.depth < 64
               )
               SELECT id FROM chain WHERE depth > 0 ORDER BY depth"#,
            [person_id.into()],
        ))
        .await?;
    rows.iter()
        .map(|row| row.try_get::<i32>("", "id").map_err(AppError::from))
        .collect()
}

/// The subject of a privacy decision about `person_id`: the person and their chain.
pub async fn subject(conn: &impl ConnectionTrait, person_id: i32) -> AppResult<Subject> {
    Ok(Subject {
        person_id,
        managers: managers_of(conn, person_id).await?,
    })
}

/// The people whose private records (goals, skill levels) the actor sees one by one: their
/// own and those of everyone below them in the chain, as policy allows (an advisor sees
/// nobody's). A figure about these people alone tells the actor nothing new, and they give
/// no cover to anyone else (`disclosure::Reader`). One query.
pub async fn seen_one_by_one(conn: &impl ConnectionTrait, actor: &Actor) -> AppResult<Vec<i32>> {
    let query = Query::select()
        .column(person::Column::Id)
        .from(person::Entity)
        .and_where(below(actor.person_id).includes(Expr::col(person::Column::Id)))
        .to_owned();
    let below: Vec<i32> = conn
        .query_all_raw(conn.get_database_backend().build(&query))
        .await?
        .iter()
        .map(|row| row.try_get::<i32>("", "id"))
        .collect::<Result<_, _>>()?;
    Ok(std::iter::once(actor.person_id)
        .chain(below)
        .filter(|&person_id| {
            // The actor is in the chain of everyone below them, by the query's making.
            let managers = if person_id == actor.person_id {
                vec![]
            } else {
                vec![actor.person_id]
            };
            let subject = Subject {
                person_id,
                managers,
            };
            policy::allows(actor.principal(), Action::ViewPrivateRecords(&subject))
        })
        .collect())
}

async fn person_ref(conn: &impl ConnectionTrait, id: Option<i32>) -> AppResult<Option<PersonRef>> {
    let Some(id) = id else { return Ok(None) };
    Ok(person::Entity::find_by_id(id)
        .one(conn)
        .await?
        .map(|m| PersonRef {
            id: m.id,
            name: m.name,
        }))
}

/// Checks a proposed manager: they exist, are active, and `person_id` (when editing) does
/// not end up managing themselves through the chain.
async fn check_manager(
    conn: &impl ConnectionTrait,
    person_id: Option<i32>,
    manager_id: i32,
    errors: &mut Errors,
) -> AppResult<()> {
    let manager = person::Entity::find_by_id(manager_id).one(conn).await?;
    match manager {
        None => errors.add(
            "manager_id",
            format!("There is no person with id {manager_id}."),
        ),
        Some(m) if !m.active => errors.add(
            "manager_id",
            format!("{} is no longer active and cannot manage anyone.", m.name),
        ),
        // Managers see their reports' private records; advisors never see any.
        Some(m) if m.role == Role::Advisor.as_str() => errors.add(
            "manager_id",
            format!("{} is an advisor; advisors cannot manage anyone.", m.name),
        ),
        Some(m) => {
            if let Some(person_id) = person_id {
                if manager_id == person_id {
                    errors.add("manager_id", "A person cannot be their own manager.");
                } else if managers_of(conn, manager_id).await?.contains(&person_id) {
                    errors.add(
                        "manager_id",
                        format!(
                            "{} reports to this person already; that would make a loop.",
                            m.name
                        ),
                    );
                }
            }
        }
    }
    Ok(())
}

/// Changes to the manager chain and to who is cio read the people table and then decide;
/// this lock keeps two such changes from deciding at once.
const PEOPLE_LOCK: &str = "people";

/// The hash of a password being set, if one is. Hashing is slow, so it runs before the
/// write transaction starts rather than holding the writer while it does.
async fn hash_of(password: Option<&NewPassword>) -> AppResult<Option<String>> {
    match password {
        Some(password) => Ok(Some(password.hash().await?)),
        None => Ok(None),
    }
}

async fn email_taken(
    conn: &impl ConnectionTrait,
    email: &Email,
    except: Option<i32>,
) -> AppResult<bool> {
    let mut query = person::Entity::find().filter(person::Column::Email.eq(email.as_str()));
    if let Some(id) = except {
        query = query.filter(person::Column::Id.ne(id));
    }
    Ok(query.count(conn).await? > 0)
}

fn duplicate_email() -> AppError {
    AppError::conflict_on(
        "email",
        "Someone in the directory already has this email address.",
    )
}

async fn active_cio_count(conn: &impl ConnectionTrait) -> AppResult<u64> {
    Ok(person::Entity::find()
        .filter(person::Column::Role.eq(Role::Cio.as_str()))
        .filter(person::Column::Active.eq(true))
        .count(conn)
        .await?)
}

/// Whether the actor may add and edit people (for showing the buttons).
pub fn may_manage(actor: &Actor) -> bool {
    policy::allows(actor.principal(), Action::ManagePeople)
}

/// Refuses unless the actor may add and edit people (for the forms' GET pages).
pub fn authorize_manage(actor: &Actor) -> AppResult<()> {
    policy::check(actor.principal(), Action::ManagePeople)
}

/// Adds a person. Only the cio may.
pub async fn create(db: &Db, actor: &Actor, input: PersonInput) -> AppResult<Person> {
    policy::check(actor.principal(), Action::ManagePeople)?;
    create_unchecked(db, input).await
}

/// Adds a person without asking policy: for the command line and the first start, where
/// the operator of the machine is the authority.
pub async fn create_unchecked(db: &Db, input: PersonInput) -> AppResult<Person> {
    let mut errors = Errors::default();
    let new = input.parse(&mut errors);
    let password_hash = hash_of(new.as_ref().and_then(|n| n.password.as_ref())).await?;

    let txn = db.write().await?;
    txn.lock(&[PEOPLE_LOCK]).await?;
    if let Some(manager_id) = input.manager_id {
        check_manager(&txn, None, manager_id, &mut errors).await?;
    }
    let Some(new) = new else {
        return Err(errors.into_error());
    };
    errors.finish()?;
    if email_taken(&txn, &new.email, None).await? {
        return Err(duplicate_email());
    }
    let now = Utc::now();
    let model = person::ActiveModel {
        email: Set(new.email.as_str().to_owned()),
        name: Set(new.name.into_string()),
        job_title: Set(new.job_title.into_string()),
        team: Set(new.team.into_string()),
        role: Set(new.role.as_str().to_owned()),
        manager_id: Set(new.manager_id),
        active: Set(true),
        password_hash: Set(password_hash),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await
    // Two instances adding the same email at once: the index decides.
    .map_err(|err| AppError::on_unique(err, "people_email_key", "people.email", duplicate_email))?;
    let manager = person_ref(&txn, model.manager_id).await?;
    txn.commit().await?;
    to_person(model, manager)
}

/// Whom a change to a person signs out, in the same write as the change; the caller's
/// sign-out step (`auth::sign_out`) does it, since sign-ins belong to auth.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignOut<'a> {
    /// Someone who leaves, or whose password the cio resets: every session and API token.
    Everywhere(i32),
    /// Someone who changes their own password: every other session ends (whoever knew
    /// the old password is signed out) while the one asking stays, as on the Account
    /// page. An API call has no session, so through the API every session ends and the
    /// calling token keeps working; API tokens are credentials of their own and stay, as
    /// on the Account page unless its box is ticked (revoke them there or one by one).
    OtherSessions {
        person_id: i32,
        keep_session: Option<&'a str>,
    },
}

/// Edits a person. Only the cio may.
///
/// Someone who leaves, or whose password changes, is signed out in the same write (see
/// `SignOut`): `sign_out` does it. Sign-ins belong to auth, which builds on people, so
/// people asks the caller for the step instead of calling auth; the parameter cannot be
/// forgotten.
pub async fn update(
    db: &Db,
    actor: &Actor,
    id: i32,
    input: PersonChangesInput,
    sign_out: impl AsyncFnOnce(&WriteTxn, SignOut<'_>) -> AppResult<()>,
) -> AppResult<Person> {
    policy::check(actor.principal(), Action::ManagePeople)?;
    let mut errors = Errors::default();
    let changes = input.parse(&mut errors);
    let password_hash = hash_of(changes.as_ref().and_then(|c| c.password.as_ref())).await?;

    let txn = db.write().await?;
    txn.lock(&[PEOPLE_LOCK]).await?;
    if changes.as_ref().is_some_and(|c| c.active.is_some()) {
        crate::skills::standings::lock_for_active_change(&txn, id).await?;
    }
    let existing = person::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound)?;
    if let Some(Some(manager_id)) = input.manager_id
        && Some(manager_id) != existing.manager_id
    {
        check_manager(&txn, Some(id), manager_id, &mut errors).await?;
    }
    // Advisors cannot manage anyone (they never see private records), so someone who
    // manages people becomes an advisor only once their reports have another manager.
    // The role asked for is read from the input, so this is said even when another
    // field was wrong.
    let becomes_advisor = input.role.as_deref().map(Role::parse_typed) == Some(Ok(Role::Advisor));
    if becomes_advisor && existing.role != Role::Advisor.as_str() {
        let reports = person::Entity::find()
            .filter(person::Column::ManagerId.eq(id))
            .filter(person::Column::Active.eq(true))
            .count(&txn)
            .await?;
        if reports > 0 {
            errors.add(
                "role",
                format!(
                    "{} manages {reports} active {}; give them another manager first, \
                     because advisors cannot manage anyone.",
                    existing.name,
                    if reports == 1 { "person" } else { "people" }
                ),
            );
        }
    }
    let Some(changes) = changes else {
        return Err(errors.into_error());
    };
    errors.finish()?;
    if let Some(email) = &changes.email
        && email_taken(&txn, email, Some(id)).await?
    {
        return Err(duplicate_email());
    }

    let was_active_cio = existing.active && existing.role == Role::Cio.as_str();
    let stays_cio = changes.role.is_none_or(|role| role == Role::Cio);
    let stays_active = changes.active.unwrap_or(existing.active);
    if was_active_cio && !(stays_cio && stays_active) && active_cio_count(&txn).await? <= 1 {
        return Err(AppError::conflict(
            "This is the only active cio; make someone else cio first, or nobody could administer staffdev.",
        ));
    }

    // Someone who has left, or whose password the cio has reset, is signed out everywhere;
    // a cio who changes their own password stays signed in where they asked from.
    let leaves = existing.active && !stays_active;
    let signs_out = match (leaves, password_hash.is_some()) {
        (false, true) if id == actor.person_id => Some(SignOut::OtherSessions {
            person_id: id,
            keep_session: actor.session_id.as_deref(),
        }),
        (true, _) | (false, true) => Some(SignOut::Everywhere(id)),
        (false, false) => None,
    };
    // The audit trail's events, one per kind of change, written with the change.
    let subject = crate::audit::Subject::Person(id);
    let audited = [
        Event::new(Kind::RoleChanged, subject).change(
            "role",
            existing.role.as_str(),
            changes.role.map_or(existing.role.as_str(), |r| r.as_str()),
        ),
        Event::new(Kind::ManagerChanged, subject).change(
            "manager_id",
            existing.manager_id,
            changes.manager_id.unwrap_or(existing.manager_id),
        ),
        Event::new(Kind::ActiveChanged, subject).change(
            "active",
            existing.active,
            changes.active.unwrap_or(existing.active),
        ),
        Event::new(Kind::PasswordReset, subject).change(
            "password",
            None,
            password_hash.as_ref().map(|_| "changed"),
        ),
    ];
    let mut model: person::ActiveModel = existing.into();
    if let Some(email) = changes.email {
        model.email = Set(email.as_str().to_owned());
    }
    if let Some(name) = changes.name {
        model.name = Set(name.into_string());
    }
    if let Some(job_title) = changes.job_title {
        model.job_title = Set(job_title.into_string());
    }
    if let Some(team) = changes.team {
        model.team = Set(team.into_string());
    }
    if let Some(role) = changes.role {
        model.role = Set(role.as_str().to_owned());
    }
    if let Some(manager_id) = changes.manager_id {
        model.manager_id = Set(manager_id);
    }
    if let Some(active) = changes.active {
        model.active = Set(active);
    }
    if let Some(hash) = password_hash {
        model.password_hash = Set(Some(hash));
    }
    model.updated_at = Set(Utc::now());
    let model = model.update(&txn).await.map_err(|err| {
        AppError::on_unique(err, "people_email_key", "people.email", duplicate_email)
    })?;
    if let Some(whom) = signs_out {
        sign_out(&txn, whom).await?;
    }
    for event in audited.into_iter().filter(Event::changed_anything) {
        crate::audit::record(&txn, Some(actor), event).await?;
    }
    if changes.active.is_some() {
        // The department's skill figures count active people only.
        crate::skills::tallies::recount_people(&txn, &[model.id]).await?;
        crate::skills::standings::refresh_people(&txn, &[model.id], None).await?;
    }
    let manager = person_ref(&txn, model.manager_id).await?;
    txn.commit().await?;
    to_person(model, manager)
}

/// Deactivates or reactivates a person. Only the cio may. `sign_out` as for `update`.
pub async fn set_active(
    db: &Db,
    actor: &Actor,
    id: i32,
    active: bool,
    sign_out: impl AsyncFnOnce(&WriteTxn, SignOut<'_>) -> AppResult<()>,
) -> AppResult<Person> {
    update(
        db,
        actor,
        id,
        PersonChangesInput {
            active: Some(active),
            ..Default::default()
        },
        sign_out,
    )
    .await
}

/// A profile: anyone signed in may read it.
pub async fn profile(db: &Db, actor: &Actor, id: i32) -> AppResult<Profile> {
    policy::check(actor.principal(), Action::ViewProfile)?;
    let conn = db.conn();
    let model = person::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or(AppError::NotFound)?;
    let manager = person_ref(conn, model.manager_id).await?;
    let reports = person::Entity::find()
        .filter(person::Column::ManagerId.eq(id))
        .filter(person::Column::Active.eq(true))
        .order_by_asc(person::Column::Name)
        .all(conn)
        .await?
        .into_iter()
        .map(|m| PersonRef {
            id: m.id,
            name: m.name,
        })
        .collect();
    Ok(Profile {
        person: to_person(model, manager)?,
        reports,
    })
}

/// Whether `actor` may open the private records (goals, skills, self-evaluations) of
/// `person`, for pages that link to them: the person themselves, the people above them and
/// the cio, and never about an advisor, who keeps none. One query (the manager chain).
pub async fn may_see_records_of(db: &Db, actor: &Actor, person: &Person) -> AppResult<bool> {
    if person.role == Role::Advisor {
        return Ok(false);
    }
    let subject = subject(db.conn(), person.id).await?;
    Ok(policy::allows(
        actor.principal(),
        Action::ViewPrivateRecords(&subject),
    ))
}

/// The directory, in name order, one keyset page at a time.
pub async fn directory(db: &Db, actor: &Actor, filter: DirectoryFilter) -> AppResult<Page<Person>> {
    policy::check(actor.principal(), Action::ListPeople)?;
    let limit = paging::limit(filter.limit)?;
    let mut query = person::Entity::find();
    if !filter.include_inactive {
        query = query.filter(person::Column::Active.eq(true));
    }
    if let Some(team) = filter
        .team
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
    {
        query = query.filter(person::Column::Team.eq(team));
    }
    if let Some(text) = filter
        .query
        .as_deref()
        .map(str::trim)
        .filter(|q| !q.is_empty())
    {
        // Typed % and _ are literal characters, not wildcards.
        let escaped = text
            .to_lowercase()
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_");
        let pattern = || LikeExpr::new(format!("%{escaped}%")).escape('\\');
        let lower = |col: person::Column| Expr::expr(Func::lower(Expr::col(col)));
        query = query.filter(
            lower(person::Column::Name)
                .like(pattern())
                .or(lower(person::Column::Email).like(pattern()))
                .or(lower(person::Column::JobTitle).like(pattern()))
                .or(lower(person::Column::Team).like(pattern())),
        );
    }
    if let Some(after) = &filter.after {
        let (name, id): (String, i32) = paging::decode_cursor(after)?;
        query = query.filter(
            person::Column::Name
                .gt(name.clone())
                .or(person::Column::Name.eq(name).and(person::Column::Id.gt(id))),
        );
    }
    let rows = query
        .order_by_asc(person::Column::Name)
        .order_by_asc(person::Column::Id)
        .limit(limit + 1)
        .all(db.conn())
        .await?;
    let page = paging::finish(rows, limit, |m| (m.name.clone(), m.id));

    // Managers' names for the whole page in one query, not one per row.
    let manager_ids: Vec<i32> = page.items.iter().filter_map(|m| m.manager_id).collect();
    let managers: Vec<PersonRef> = if manager_ids.is_empty() {
        Vec::new()
    } else {
        person::Entity::find()
            .filter(person::Column::Id.is_in(manager_ids))
            .all(db.conn())
            .await?
            .into_iter()
            .map(|m| PersonRef {
                id: m.id,
                name: m.name,
            })
            .collect()
    };
    let items = page
        .items
        .into_iter()
        .map(|model| {
            let manager = model
                .manager_id
                .and_then(|id| managers.iter().find(|m| m.id == id).cloned());
            to_person(model, manager)
        })
        .collect::<AppResult<Vec<_>>>()?;
    Ok(Page {
        items,
        next: page.next,
    })
}

/// Active members of the department, advisors left out, by name: whom a form offers as a
/// manager, a colleague to thank or a trophy's next holder.
pub async fn active_staff(db: &Db) -> AppResult<Vec<PersonRef>> {
    Ok(person::Entity::find()
        .filter(person::Column::Active.eq(true))
        .filter(person::Column::Role.ne(Role::Advisor.as_str()))
        .order_by_asc(person::Column::Name)
        .all(db.conn())
        .await?
        .into_iter()
        .map(|m| PersonRef {
            id: m.id,
            name: m.name,
        })
        .collect())
}

/// The people of one team, by name (`active_staff_by_team`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TeamOfPeople {
    /// The team as people set it on profiles; empty for those who have none.
    pub team: String,
    pub people: Vec<PersonRef>,
}

/// `active_staff`, grouped by team (the directory's grouping), teams by name and the
/// people without a team last: what a form offers when there are many to choose from.
/// One query.
pub async fn active_staff_by_team(db: &Db) -> AppResult<Vec<TeamOfPeople>> {
    let rows = person::Entity::find()
        .filter(person::Column::Active.eq(true))
        .filter(person::Column::Role.ne(Role::Advisor.as_str()))
        .order_by_asc(person::Column::Team)
        .order_by_asc(person::Column::Name)
        .order_by_asc(person::Column::Id)
        .all(db.conn())
        .await?;
    let mut teams: Vec<TeamOfPeople> = Vec::new();
    for m in rows {
        let person = PersonRef {
            id: m.id,
            name: m.name,
        };
        match teams.last_mut() {
            Some(last) if last.team == m.team => last.people.push(person),
            _ => teams.push(TeamOfPeople {
                team: m.team,
                people: vec![person],
            }),
        }
    }
    // The empty team sorts first in the database; it reads best last, as "No team".
    teams.sort_by_key(|t| t.team.is_empty());
    Ok(teams)
}

/// Whom the person form offers as a manager: active staff other than the person edited,
/// and their current manager whoever that is (someone who has left, say), so that saving
/// an unrelated change never drops the manager without a word.
pub async fn manager_choices(
    db: &Db,
    editing: Option<i32>,
    current: Option<i32>,
) -> AppResult<Vec<PersonRef>> {
    let mut choices: Vec<PersonRef> = active_staff(db)
        .await?
        .into_iter()
        .filter(|p| Some(p.id) != editing)
        .collect();
    if let Some(current) = current
        && !choices.iter().any(|p| p.id == current)
        && let Some(m) = person::Entity::find_by_id(current).one(db.conn()).await?
    {
        let why = if m.active {
            "an advisor"
        } else {
            "no longer active"
        };
        choices.push(PersonRef {
            id: m.id,
            name: format!("{} ({why})", m.name),
        });
    }
    Ok(choices)
}

/// The distinct teams, for the directory filter.
pub async fn teams(db: &Db) -> AppResult<Vec<String>> {
    let teams: Vec<String> = person::Entity::find()
        .select_only()
        .column(person::Column::Team)
        .distinct()
        .filter(person::Column::Team.ne(""))
        .order_by_asc(person::Column::Team)
        .into_tuple()
        .all(db.conn())
        .await?;
    Ok(teams)
}

/// The id of the person with this email, for the command line.
pub async fn id_by_email(db: &Db, email: &str) -> AppResult<Option<i32>> {
    let Ok(email) = Email::parse(email) else {
        return Ok(None);
    };
    Ok(person::Entity::find()
        .filter(person::Column::Email.eq(email.as_str()))
        .one(db.conn())
        .await?
        .map(|m| m.id))
}

/// Whether anyone could administer the service: an active cio who can sign in.
pub async fn has_usable_cio(db: &Db) -> AppResult<bool> {
    Ok(person::Entity::find()
        .filter(person::Column::Role.eq(Role::Cio.as_str()))
        .filter(person::Column::Active.eq(true))
        .filter(person::Column::PasswordHash.is_not_null())
        .count(db.conn())
        .await?
        > 0)
}

/// The ids once each, in order: an `IN (…)` list that is the same for the same people.
fn distinct(ids: impl IntoIterator<Item = i32>) -> Vec<i32> {
    let mut ids: Vec<i32> = ids.into_iter().collect();
    ids.sort_unstable();
    ids.dedup();
    ids
}

/// People by id, as other areas name them (owners, reviewers, assessors), in one query;
/// ids nobody has are left out.
pub async fn refs(
    conn: &impl ConnectionTrait,
    ids: impl IntoIterator<Item = i32>,
) -> AppResult<HashMap<i32, PersonRef>> {
    let ids = distinct(ids);
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(person::Entity::find()
        .filter(person::Column::Id.is_in(ids))
        .all(conn)
        .await?
        .into_iter()
        .map(|m| {
            (
                m.id,
                PersonRef {
                    id: m.id,
                    name: m.name,
                },
            )
        })
        .collect())
}

/// Everyone, active or not, by name: whom a record about past changes may name (the
/// audit trail's person filter). One query.
pub async fn all_refs(conn: &impl ConnectionTrait) -> AppResult<Vec<PersonRef>> {
    Ok(person::Entity::find()
        .order_by_asc(person::Column::Name)
        .order_by_asc(person::Column::Id)
        .all(conn)
        .await?
        .into_iter()
        .map(|m| PersonRef {
            id: m.id,
            name: m.name,
        })
        .collect())
}

/// Which of these people are active members of the department (advisors left out): who
/// may own an agenda item or an action item, or facilitate a meeting. One query.
pub async fn active_members(
    conn: &impl ConnectionTrait,
    ids: impl IntoIterator<Item = i32>,
) -> AppResult<std::collections::HashSet<i32>> {
    let ids = distinct(ids);
    if ids.is_empty() {
        return Ok(Default::default());
    }
    Ok(person::Entity::find()
        .filter(person::Column::Id.is_in(ids))
        .filter(person::Column::Active.eq(true))
        .filter(person::Column::Role.ne(Role::Advisor.as_str()))
        .all(conn)
        .await?
        .into_iter()
        .map(|m| m.id)
        .collect())
}

/// Someone a manager's team view lists: an active person, not an advisor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    pub person: PersonRef,
    pub team: String,
    pub manager: Option<PersonRef>,
}

#[derive(FromQueryResult)]
struct ReportRow {
    id: i32,
    name: String,
    team: String,
    manager_id: Option<i32>,
    manager_name: Option<String>,
}

/// The active people other than advisors below `manager_id` in the chain (with
/// `everyone`, the whole department), the manager left out, by name: one query.
pub async fn reports_below(
    conn: &impl ConnectionTrait,
    manager_id: i32,
    everyone: bool,
) -> AppResult<Vec<Report>> {
    let (p, m) = ("p", "m");
    let mut query = Query::select();
    query
        .column((p, person::Column::Id))
        .column((p, person::Column::Name))
        .column((p, person::Column::Team))
        .column((p, person::Column::ManagerId))
        .expr_as(Expr::col((m, person::Column::Name)), "manager_name")
        .from_as(person::Entity, p)
        .join_as(
            sea_query::JoinType::LeftJoin,
            person::Entity,
            m,
            Expr::col((m, person::Column::Id)).equals((p, person::Column::ManagerId)),
        )
        .and_where(Expr::col((p, person::Column::Active)).eq(true))
        .and_where(Expr::col((p, person::Column::Role)).ne(Role::Advisor.as_str()))
        .and_where(Expr::col((p, person::Column::Id)).ne(manager_id))
        .order_by((p, person::Column::Name), sea_query::Order::Asc)
        .order_by((p, person::Column::Id), sea_query::Order::Asc);
    if !everyone {
        query.and_where(below(manager_id).includes(Expr::col((p, person::Column::Id))));
    }
    Ok(
        ReportRow::find_by_statement(conn.get_database_backend().build(&query))
            .all(conn)
            .await?
            .into_iter()
            .map(|r| Report {
                person: PersonRef {
                    id: r.id,
                    name: r.name,
                },
                team: r.team,
                manager: r
                    .manager_id
                    .zip(r.manager_name)
                    .map(|(id, name)| PersonRef { id, name }),
            })
            .collect(),
    )
}

/// What signing in needs to know about a person.
#[derive(Debug, Clone)]
pub struct Credentials {
    pub person_id: i32,
    pub active: bool,
    pub password_hash: Option<String>,
}

/// The credentials of the person with this email, if anyone has it.
pub async fn credentials(
    conn: &impl ConnectionTrait,
    email: &Email,
) -> AppResult<Option<Credentials>> {
    Ok(person::Entity::find()
        .filter(person::Column::Email.eq(email.as_str()))
        .one(conn)
        .await?
        .map(|m| Credentials {
            person_id: m.id,
            active: m.active,
            password_hash: m.password_hash,
        }))
}

/// Who an active person is to policy, by id: None when nobody has the id or they have
/// left (a credential of theirs, such as a private link, then opens nothing).
pub async fn active_principal(
    conn: &impl ConnectionTrait,
    person_id: i32,
) -> AppResult<Option<policy::Principal>> {
    let Some(model) = person::Entity::find_by_id(person_id)
        .filter(person::Column::Active.eq(true))
        .one(conn)
        .await?
    else {
        return Ok(None);
    };
    // A role the code does not know opens nothing, as it signs nobody in.
    Ok(model
        .role
        .parse::<Role>()
        .ok()
        .map(|role| policy::Principal {
            person_id: model.id,
            role,
        }))
}

/// Stores a new password hash for a person (auth checked the old password and the new one).
pub async fn set_password_hash(txn: &WriteTxn, person_id: i32, hash: String) -> AppResult<()> {
    person::Entity::update_many()
        .col_expr(person::Column::PasswordHash, Expr::value(hash))
        .col_expr(person::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(person::Column::Id.eq(person_id))
        .exec(txn)
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_trimmed_and_lower_cased() {
        assert_eq!(
            Email::parse("  Ada@Example.ORG ").unwrap().as_str(),
            "ada@example.org"
        );
    }

    #[test]
    fn bad_emails_are_refused_with_a_reason() {
        let long = format!("{}@example.org", "a".repeat(250));
        for (raw, why) in [
            ("", "empty"),
            ("   ", "blank"),
            ("ada", "no at sign"),
            ("ada@", "no domain"),
            ("@example.org", "no local part"),
            ("ada@localhost", "no dot in the domain"),
            ("ada@example.", "trailing dot"),
            ("ada lovelace@example.org", "a space"),
            ("Ada <ada@example.org>", "display text"),
            (long.as_str(), "too long"),
        ] {
            assert!(Email::parse(raw).is_err(), "{why}: {raw:?} was accepted");
        }
    }

    fn fields(errors: &Errors) -> Vec<&str> {
        errors.0.iter().map(|e| e.field.as_str()).collect()
    }

    #[test]
    fn a_new_person_parses_or_names_every_field_that_is_wrong() {
        let good = || PersonInput {
            email: Some(" Ada@Example.org ".into()),
            name: Some("  Ada Lovelace ".into()),
            role: Some("Staff".into()),
            ..PersonInput::default()
        };
        let mut errors = Errors::default();
        let new = good().parse(&mut errors).expect("a good person parses");
        assert!(errors.is_empty());
        assert_eq!(
            (
                new.email.as_str(),
                new.name.as_str(),
                new.job_title.as_str(),
                new.role
            ),
            ("ada@example.org", "Ada Lovelace", "", Role::Staff)
        );
        assert!(new.password.is_none(), "no password: cannot sign in yet");

        let long = "x".repeat(NAME_MAX + 1);
        let with = |change: fn(&mut PersonInput, String), value: &str| {
            let mut input = good();
            change(&mut input, value.to_owned());
            input
        };
        let cases: Vec<(PersonInput, Vec<&str>, &str)> = vec![
            (
                PersonInput::default(),
                vec!["email", "name", "role"],
                "Enter an email address.",
            ),
            (
                with(|i, v| i.name = Some(v), "   "),
                vec!["name"],
                "Enter a name.",
            ),
            (
                with(|i, v| i.name = Some(v), &long),
                vec!["name"],
                "Use at most 200 characters.",
            ),
            (
                with(|i, v| i.team = Some(v), "Desk\u{0}"),
                vec!["team"],
                "Remove the invisible control character U+0000; it cannot be shown.",
            ),
            (
                with(|i, v| i.job_title = Some(v), &long),
                vec!["job_title"],
                "Use at most 200 characters.",
            ),
            (
                with(|i, v| i.role = Some(v), "manager"),
                vec!["role"],
                "Choose staff, cio or advisor.",
            ),
            (
                with(|i, v| i.password = Some(v), "short"),
                vec!["password"],
                "Use at least 10 characters.",
            ),
        ];
        for (input, expected, first_message) in cases {
            let mut errors = Errors::default();
            assert!(input.parse(&mut errors).is_none(), "{input:?}");
            assert_eq!(fields(&errors), expected, "{input:?}");
            assert_eq!(errors.0[0].message, first_message, "{input:?}");
        }
    }

    #[test]
    fn changes_leave_alone_what_was_not_sent() {
        let mut errors = Errors::default();
        let changes = PersonChangesInput {
            team: Some(" Infra ".into()),
            password: Some(String::new()),
            manager_id: Some(None),
            ..PersonChangesInput::default()
        }
        .parse(&mut errors)
        .expect("parses");
        assert!(errors.is_empty());
        assert!(changes.email.is_none() && changes.name.is_none() && changes.role.is_none());
        assert_eq!(changes.team.as_deref(), Some("Infra"));
        assert!(
            changes.password.is_none(),
            "an empty password leaves it as it is"
        );
        assert_eq!(changes.manager_id, Some(None), "the manager is removed");

        let mut errors = Errors::default();
        let bad = PersonChangesInput {
            name: Some(String::new()),
            role: Some("x".into()),
            email: Some("bad".into()),
            ..PersonChangesInput::default()
        };
        assert!(bad.parse(&mut errors).is_none());
        assert_eq!(fields(&errors), ["email", "name", "role"]);
    }

    #[test]
    fn roles_parse_without_case() {
        crate::validate::assert_labelled::<Role>();
        assert_eq!(Role::parse_word("CIO"), Ok(Role::Cio));
        assert_eq!(Role::parse_word(" staff "), Ok(Role::Staff));
        assert!(Role::parse_word("manager").is_err());
        assert_eq!(Role::parse_typed(""), Err("Choose staff, cio or advisor."));
        assert_eq!(Role::Cio.label(), "CIO");
        assert_eq!(
            Role::all()
                .into_iter()
                .map(Role::as_str)
                .collect::<Vec<_>>(),
            ["staff", "cio", "advisor"]
        );
    }
}
