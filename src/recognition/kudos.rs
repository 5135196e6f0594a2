//! Kudos: thanks from one colleague to one to ten others, in plain text, tagged with the
//! department's values; and the kudos wall that shows them.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, QueryFilter, Set,
    Statement,
};

use super::{MESSAGE_MAX, Newest, Reader, limit_value, older_than, text_between};
use crate::{
    auth::Actor,
    db::Db,
    entities::{kudos, kudos_recipient, person},
    error::AppResult,
    paging::{self, Page},
    people::{PersonRef, Role},
    plan,
    policy::{self, Action},
    validate::Errors,
};

pub const KUDOS_RECIPIENTS_MAX: usize = 10;

#[derive(Debug, Clone, Default)]
pub struct KudosInput {
    pub recipient_ids: Option<Vec<i32>>,
    pub message: Option<String>,
    /// Names of department values, from the active plan's list.
    pub values: Option<Vec<String>>,
}

#[derive(Debug, Clone)]
pub struct Kudos {
    pub id: i64,
    pub giver: PersonRef,
    pub recipients: Vec<PersonRef>,
    pub message: String,
    pub values: Vec<String>,
    pub created_at: DateTime<Utc>,
}

/// Sends kudos to one to ten colleagues: active members of the department other than
/// oneself. Value tags must come from the department's values (the active plan's). They
/// are sent at `now`.
pub async fn give_kudos(
    db: &Db,
    actor: &Actor,
    input: KudosInput,
    now: DateTime<Utc>,
) -> AppResult<Kudos> {
    policy::check(actor.principal(), Action::GiveRecognition)?;
    let mut errors = Errors::default();
    let message = text_between(
        &mut errors,
        "message",
        input.message.as_deref(),
        1,
        MESSAGE_MAX,
    );
    let department_values = plan::active_values(db).await?;
    let mut values: Vec<String> = Vec::new();
    for wanted in input.values.unwrap_or_default() {
        let wanted = wanted.trim();
        if wanted.is_empty() {
            continue;
        }
        match department_values
            .iter()
            .find(|v| v.eq_ignore_ascii_case(wanted))
        {
            Some(value) if !values.contains(value) => values.push(value.clone()),
            Some(_) => {}
            None => errors.add(
                "values",
                if department_values.is_empty() {
                    "The department has no values to tag yet (the cio lists them in the plan)."
                        .to_owned()
                } else {
                    format!(
                        "{wanted:?} is not one of the department's values: {}.",
                        department_values.join(", ")
                    )
                },
            ),
        }
    }
    let mut recipient_ids = input.recipient_ids.unwrap_or_default();
    recipient_ids.sort_unstable();
    recipient_ids.dedup();

    let txn = db.write().await?;
    let recipients = check_recipients(&*txn, actor.person_id, &recipient_ids, &mut errors).await?;
    errors.finish()?;
    let created = kudos::ActiveModel {
        giver_id: Set(actor.person_id),
        message: Set(message.unwrap_or_default()),
        value_tags: Set(values.join("\n")),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(&*txn)
    .await?;
    kudos_recipient::Entity::insert_many(recipients.iter().map(|r| kudos_recipient::ActiveModel {
        kudos_id: Set(created.id),
        person_id: Set(r.id),
    }))
    .exec_without_returning(&*txn)
    .await?;
    txn.commit().await?;
    Ok(Kudos {
        id: created.id,
        giver: PersonRef {
            id: actor.person_id,
            name: actor.name.clone(),
        },
        recipients,
        message: created.message,
        values,
        created_at: now,
    })
}

/// Whether the actor may send this person kudos (for offering the button): the same rules
/// as `check_recipients`, for someone already read.
pub fn may_thank(actor: &Actor, person_id: i32, role: Role, active: bool) -> bool {
    policy::allows(actor.principal(), Action::GiveRecognition)
        && person_id != actor.person_id
        && role != Role::Advisor
        && active
}

/// The recipients of kudos, checked: 1 to 10 people, each an active member of the
/// department other than the giver. Problems go to `recipient_ids`.
async fn check_recipients(
    conn: &impl ConnectionTrait,
    giver_id: i32,
    ids: &[i32],
    errors: &mut Errors,
) -> AppResult<Vec<PersonRef>> {
    const FIELD: &str = "recipient_ids";
    if ids.is_empty() {
        errors.add(FIELD, "Choose at least one colleague to thank.");
        return Ok(Vec::new());
    }
    if ids.len() > KUDOS_RECIPIENTS_MAX {
        errors.add(
            FIELD,
            format!("Send kudos to at most {KUDOS_RECIPIENTS_MAX} people at once."),
        );
        return Ok(Vec::new());
    }
    let found = person::Entity::find()
        .filter(person::Column::Id.is_in(ids.iter().copied()))
        .all(conn)
        .await?;
    let mut recipients = Vec::new();
    for id in ids {
        match found.iter().find(|p| p.id == *id) {
            None => errors.add(FIELD, format!("There is no one with id {id}.")),
            Some(p) if p.id == giver_id => errors.add(
                FIELD,
                "Kudos are for others: you cannot send them to yourself.",
            ),
            Some(p) if Role::parse(&p.role) == Some(Role::Advisor) => errors.add(
                FIELD,
                format!(
                    "{} is an advisor; kudos go to the department's staff.",
                    p.name
                ),
            ),
            Some(p) if !p.active => errors.add(FIELD, format!("{} is no longer active.", p.name)),
            Some(p) => recipients.push(PersonRef {
                id: p.id,
                name: p.name.clone(),
            }),
        }
    }
    Ok(recipients)
}

#[derive(FromQueryResult)]
struct KudosRow {
    id: i64,
    giver_id: i32,
    giver_name: String,
    message: String,
    value_tags: String,
    created_at: DateTime<Utc>,
}

#[derive(FromQueryResult)]
struct RecipientRow {
    kudos_id: i64,
    person_id: i32,
    name: String,
}

fn split_tags(tags: &str) -> Vec<String> {
    tags.lines()
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Visible kudos rows (by keyset, newest first) with their recipients: two queries
/// whatever the page size.
pub(super) async fn kudos_rows(
    conn: &impl ConnectionTrait,
    filter_sql: &str,
    mut values: Vec<sea_orm::Value>,
    limit: u64,
    newest: Newest,
) -> AppResult<Vec<Kudos>> {
    let backend = conn.get_database_backend();
    let limit_at = values.len() + 1;
    values.push(limit_value(limit));
    let order = newest.order_by("k");
    let rows = KudosRow::find_by_statement(Statement::from_sql_and_values(
        backend,
        format!(
            "SELECT k.id, k.giver_id, g.name AS giver_name, k.message, k.value_tags, k.created_at
             FROM kudos k JOIN people g ON g.id = k.giver_id
             WHERE k.hidden_at IS NULL {filter_sql}
             ORDER BY {order} LIMIT ${limit_at}"
        ),
        values,
    ))
    .all(conn)
    .await?;
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let placeholders = crate::db::placeholders(ids.len());
    let recipients = RecipientRow::find_by_statement(Statement::from_sql_and_values(
        backend,
        format!(
            "SELECT r.kudos_id, r.person_id, p.name FROM kudos_recipients r
             JOIN people p ON p.id = r.person_id
             WHERE r.kudos_id IN ({placeholders}) ORDER BY p.name"
        ),
        ids.into_iter().map(sea_orm::Value::from),
    ))
    .all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|row| Kudos {
            recipients: recipients
                .iter()
                .filter(|r| r.kudos_id == row.id)
                .map(|r| PersonRef {
                    id: r.person_id,
                    name: r.name.clone(),
                })
                .collect(),
            id: row.id,
            giver: PersonRef {
                id: row.giver_id,
                name: row.giver_name,
            },
            values: split_tags(&row.value_tags),
            message: row.message,
            created_at: row.created_at,
        })
        .collect())
}

/// The kudos wall, newest first, paged with a keyset cursor; hidden kudos are left out.
pub async fn kudos_wall(
    db: &Db,
    reader: Reader,
    limit: Option<u64>,
    after: Option<&str>,
) -> AppResult<Page<Kudos>> {
    reader.check()?;
    let limit = paging::limit(limit)?;
    let (filter, values) = older_than("k", after)?;
    let rows = kudos_rows(db.conn(), &filter, values, limit + 1, Newest::ById).await?;
    Ok(paging::finish(rows, limit, |k| k.id))
}
