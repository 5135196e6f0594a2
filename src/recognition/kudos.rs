//! Kudos: thanks from one colleague to one to ten others, in plain text, tagged with the
//! department's values; and the kudos wall that shows them.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QueryFilter, Set,
};
use serde::Deserialize;

use super::{Message, Reader, limit_sql, older_than};
use crate::validate::Word;
use crate::{
    auth::Actor,
    db::{self, Db, Params, WriteTxn},
    entities::{kudos, kudos_recipient, person},
    error::AppResult,
    notifications,
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

/// Kudos as parsed: their words and the department's values they name, each once, as
/// the plan spells them. The recipients are checked against the database apart.
#[derive(Debug, Clone)]
struct NewKudos {
    message: Message,
    values: Vec<String>,
}

impl KudosInput {
    /// The message and the value tags, which must be among `department_values` (any
    /// case); problems go to `errors`. The recipients are left to `check_recipients`.
    fn parse(&self, department_values: &[String], errors: &mut Errors) -> Option<NewKudos> {
        let message = errors.check(
            "message",
            Message::parse(self.message.as_deref().unwrap_or("")),
        );
        let mut values: Vec<String> = Vec::new();
        let mut values_ok = true;
        for wanted in self.values.iter().flatten() {
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
                None => {
                    values_ok = false;
                    errors.add("values", not_a_value(wanted, department_values));
                }
            }
        }
        Some(NewKudos {
            message: message?,
            values: values_ok.then_some(values)?,
        })
    }
}

fn not_a_value(wanted: &str, department_values: &[String]) -> String {
    if department_values.is_empty() {
        "The department has no values to tag yet (the cio lists them in the plan).".to_owned()
    } else {
        format!(
            "{wanted:?} is not one of the department's values: {}.",
            department_values.join(", ")
        )
    }
}

/// Whom kudos go to, before the database is asked about them: one to ten people, each
/// once, in id order.
#[derive(Debug, Clone, PartialEq, Eq)]
struct RecipientIds(Vec<i32>);

impl RecipientIds {
    fn parse(ids: Option<&[i32]>) -> Result<RecipientIds, String> {
        let mut ids = ids.unwrap_or_default().to_vec();
        ids.sort_unstable();
        ids.dedup();
        if ids.is_empty() {
            Err("Choose at least one colleague to thank.".to_owned())
        } else if ids.len() > KUDOS_RECIPIENTS_MAX {
            Err(format!(
                "Send kudos to at most {KUDOS_RECIPIENTS_MAX} people at once."
            ))
        } else {
            Ok(RecipientIds(ids))
        }
    }
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
    let department_values = plan::active_values(db).await?;
    let mut errors = Errors::default();
    let new = input.parse(&department_values, &mut errors);
    let txn = db.write().await?;
    let recipients = check_recipients(
        &txn,
        actor.person_id,
        input.recipient_ids.as_deref(),
        &mut errors,
    )
    .await?;
    let Some(new) = new else {
        return Err(errors.into_error());
    };
    errors.finish()?;
    let id = record_kudos(&txn, actor.person_id, &actor.name, &new, &recipients, now).await?;
    txn.commit().await?;
    Ok(Kudos {
        id,
        giver: PersonRef {
            id: actor.person_id,
            name: actor.name.clone(),
        },
        recipients,
        message: new.message.into_string(),
        values: new.values,
        created_at: now,
    })
}

/// Writes kudos and their recipients; answers the new kudos' id.
async fn record_kudos(
    txn: &WriteTxn,
    giver_id: i32,
    giver_name: &str,
    new: &NewKudos,
    recipients: &[PersonRef],
    now: DateTime<Utc>,
) -> AppResult<i64> {
    let created = kudos::ActiveModel {
        giver_id: Set(giver_id),
        message: Set(new.message.to_string()),
        value_tags: Set(new.values.join("\n")),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    kudos_recipient::Entity::insert_many(recipients.iter().map(|r| kudos_recipient::ActiveModel {
        kudos_id: Set(created.id),
        person_id: Set(r.id),
    }))
    .exec_without_returning(txn)
    .await?;
    let recipient_ids: Vec<i32> = recipients.iter().map(|r| r.id).collect();
    super::tallies::count_kudos(txn, giver_id, &recipient_ids, now).await?;
    notifications::webhooks::enqueue(
        txn,
        &notifications::webhooks::PublicPayload::Kudos {
            kudos_id: created.id,
            from: giver_name.to_owned(),
            to: recipients.iter().map(|r| r.name.clone()).collect(),
            message: new.message.to_string(),
            values: new.values.clone(),
        },
        now,
    )
    .await?;
    notifications::notify(
        txn,
        &notifications::Payload::KudosReceived {
            from: giver_name.to_owned(),
            message: new.message.to_string(),
            values: new.values.clone(),
            also_thanked: recipients.iter().map(|r| r.name.clone()).collect(),
        },
        &recipient_ids,
        Some(notifications::About::Kudos(created.id)),
        now,
    )
    .await?;
    Ok(created.id)
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
    ids: Option<&[i32]>,
    errors: &mut Errors,
) -> AppResult<Vec<PersonRef>> {
    const FIELD: &str = "recipient_ids";
    let Some(RecipientIds(ids)) = errors.check(FIELD, RecipientIds::parse(ids)) else {
        return Ok(Vec::new());
    };
    let found = person::Entity::find()
        .filter(person::Column::Id.is_in(ids.iter().copied()))
        .all(conn)
        .await?;
    let mut recipients = Vec::new();
    for id in ids {
        match found.iter().find(|p| p.id == id) {
            None => errors.add(FIELD, format!("There is no one with id {id}.")),
            Some(p) if p.id == giver_id => errors.add(
                FIELD,
                "Kudos are for others: you cannot send them to yourself.",
            ),
            Some(p) if p.role == Role::Advisor.as_str() => errors.add(
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

/// A kudos as `kudos_rows` gathers it: one JSON object in the page's one value.
#[derive(Deserialize)]
struct KudosRow {
    id: i64,
    giver_id: i32,
    giver_name: String,
    message: String,
    value_tags: String,
    #[serde(deserialize_with = "crate::db::stored_instant")]
    created_at: DateTime<Utc>,
    /// `recipients_json`: the recipients as `[id, name]` pairs; null for none on PostgreSQL.
    recipients: Option<Vec<(i32, String)>>,
}

pub(super) fn split_tags(tags: &str) -> Vec<String> {
    tags.lines()
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
        .collect()
}

/// An expression for the recipients of the kudos row `kudos` (an alias), by name: one
/// JSON array of `[id, name]` pairs (a JSON value, to nest in a row's `json_object`), so a
/// page of kudos is one statement rather than a second statement and a row per recipient.
/// Each backend spells the aggregate its own way and sorts names its own way, as
/// `ORDER BY p.name` did. PostgreSQL's aggregate of no rows is NULL, SQLite's `[]`; both
/// read as no one.
pub(super) fn recipients_json(backend: DbBackend, kudos: &str) -> String {
    let aggregate = match backend {
        DbBackend::Postgres => "json_agg(json_build_array(rp.id, rp.name) ORDER BY rp.name)",
        _ => "json_group_array(json_array(rp.id, rp.name) ORDER BY rp.name)",
    };
    db::nested_json(
        backend,
        &format!(
            "(SELECT {aggregate} FROM kudos_recipients rr JOIN people rp ON rp.id = rr.person_id
              WHERE rr.kudos_id = {kudos}.id)"
        ),
    )
}

/// The recipients `recipients_json` wrote, in its order.
pub(super) fn recipients(pairs: Option<Vec<(i32, String)>>) -> Vec<PersonRef> {
    pairs
        .unwrap_or_default()
        .into_iter()
        .map(|(id, name)| PersonRef { id, name })
        .collect()
}

impl KudosRow {
    fn into_kudos(self) -> Kudos {
        Kudos {
            recipients: recipients(self.recipients),
            id: self.id,
            giver: PersonRef {
                id: self.giver_id,
                name: self.giver_name,
            },
            values: split_tags(&self.value_tags),
            message: self.message,
            created_at: self.created_at,
        }
    }
}

/// Visible kudos rows (by keyset, newest first) with their givers and recipients: one
/// statement whatever the page size, answering one row (`db::json_rows`). `filter_sql`
/// uses placeholders bound in `params`. The page is chosen first and the names joined to
/// those few rows, so the recipients are gathered for the page only.
pub(super) async fn kudos_rows(
    conn: &impl ConnectionTrait,
    filter_sql: &str,
    params: Params,
    limit: u64,
) -> AppResult<Vec<Kudos>> {
    let backend = conn.get_database_backend();
    let limit = limit_sql(limit);
    let recipients = recipients_json(backend, "k");
    let page = db::json_rows(
        backend,
        &[
            ("id", "k.id"),
            ("giver_id", "k.giver_id"),
            ("giver_name", "g.name"),
            ("message", "k.message"),
            ("value_tags", "k.value_tags"),
            ("created_at", "k.created_at"),
            ("recipients", &recipients),
        ],
        "k.id DESC",
    );
    let row = conn
        .query_one_raw(params.statement(
            backend,
            format!(
                "SELECT {page} AS page
                 FROM (SELECT * FROM kudos k WHERE k.hidden_at IS NULL {filter_sql}
                       ORDER BY k.id DESC LIMIT {limit}) k
                 JOIN people g ON g.id = k.giver_id"
            ),
        ))
        .await?;
    Ok(db::from_json_rows::<KudosRow>(row.as_ref(), "page")?
        .into_iter()
        .map(KudosRow::into_kudos)
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
    let mut params = Params::new();
    let filter = older_than("k", after, &mut params)?;
    let rows = kudos_rows(db.conn(), &filter, params, limit + 1).await?;
    Ok(paging::finish(rows, limit, |k| k.id))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(message: Option<&str>, values: &[&str]) -> KudosInput {
        KudosInput {
            recipient_ids: Some(vec![2]),
            message: message.map(str::to_owned),
            values: Some(values.iter().map(|v| (*v).to_owned()).collect()),
        }
    }

    #[test]
    fn kudos_parse_their_message_and_values_or_say_why_not() {
        let plan = ["Service first".to_owned(), "Curiosity".to_owned()];
        let mut errors = Errors::default();
        let parsed = input(
            Some(" Thanks "),
            &["curiosity", "", "Curiosity", "SERVICE FIRST"],
        )
        .parse(&plan, &mut errors)
        .expect("parses");
        assert_eq!(parsed.message.as_str(), "Thanks");
        assert_eq!(
            parsed.values,
            ["Curiosity", "Service first"],
            "each once, as spelled"
        );
        assert!(errors.is_empty());

        // What was sent, the plan's values, and each (field, message) expected.
        type Case<'a> = (KudosInput, &'a [String], &'a [(&'a str, &'a str)]);
        let cases: [Case; 4] = [
            (
                input(None, &[]),
                &plan,
                &[("message", "This cannot be empty.")],
            ),
            (
                input(Some("Thanks"), &["Speed"]),
                &plan,
                &[(
                    "values",
                    "\"Speed\" is not one of the department's values: Service first, Curiosity.",
                )],
            ),
            (
                input(Some("Thanks"), &["Speed"]),
                &[],
                &[(
                    "values",
                    "The department has no values to tag yet (the cio lists them in the plan).",
                )],
            ),
            (
                input(Some(" "), &["Speed"]),
                &plan,
                &[
                    ("message", "This cannot be empty."),
                    (
                        "values",
                        "\"Speed\" is not one of the department's values: Service first, Curiosity.",
                    ),
                ],
            ),
        ];
        for (input, plan, expected) in cases {
            let mut errors = Errors::default();
            assert!(input.parse(plan, &mut errors).is_none(), "{input:?}");
            let found: Vec<(&str, &str)> = errors
                .0
                .iter()
                .map(|e| (e.field.as_str(), e.message.as_str()))
                .collect();
            assert_eq!(found, expected, "{input:?}");
        }
    }

    #[test]
    fn kudos_go_to_one_to_ten_people_each_once() {
        assert_eq!(
            RecipientIds::parse(Some(&[3, 1, 3])),
            Ok(RecipientIds(vec![1, 3]))
        );
        let ten: Vec<i32> = (1..=10).collect();
        assert!(RecipientIds::parse(Some(&ten)).is_ok());
        let eleven: Vec<i32> = (1..=11).collect();
        for (ids, message) in [
            (None, "Choose at least one colleague to thank."),
            (Some(&[][..]), "Choose at least one colleague to thank."),
            (
                Some(&eleven[..]),
                "Send kudos to at most 10 people at once.",
            ),
        ] {
            assert_eq!(RecipientIds::parse(ids), Err(message.to_owned()));
        }
    }
}
