//! The committee's ideas: advisors and staff (everyone signed in) submit ideas and
//! concerns about the department's services; the cio answers each with a status and a
//! reply, and may link an adopted idea to a plan objective or to an ideas item of a
//! meeting's agenda. Everyone signed in reads every idea, its reply and who sent it.
//!
//! The moves of an idea's status:
//!
//! ```text
//! new ──► under_consideration ──► adopted
//!                              └─► declined
//! ```
//!
//! Answering again with the same status changes the reply (and an adopted idea's links);
//! nothing goes back to new, nothing skips consideration, and a decision (adopted or
//! declined) is final. Any other move is a 409 that says why.

pub mod api;
pub mod pages;

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter,
    QueryOrder, QuerySelect, Set,
};

use crate::{
    auth::Actor,
    db::Db,
    entities::idea,
    error::{AppError, AppResult},
    meetings::{ItemKind, digest::ItemRef},
    notifications,
    paging::{self, Page},
    people::{self, PersonRef},
    plan::{self, ObjectiveRef},
    policy::{self, Action},
    validate::{Errors, RequiredText, Title, Word},
};

/// Where an idea stands.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    strum::EnumIter,
    strum::IntoStaticStr,
    strum::EnumString,
    strum::EnumMessage,
)]
#[strum(serialize_all = "snake_case")]
pub enum IdeaStatus {
    #[strum(message = "New")]
    New,
    #[strum(message = "Under consideration")]
    UnderConsideration,
    #[strum(message = "Adopted")]
    Adopted,
    #[strum(message = "Declined")]
    Declined,
}

impl IdeaStatus {
    /// Whether the cio may answer an idea that is `self` with `to`; the reason when not.
    pub fn check_move(self, to: IdeaStatus) -> Result<(), &'static str> {
        use IdeaStatus::*;
        match (self, to) {
            (_, New) => Err(
                "New is where an idea starts; answer it with under consideration, then adopt or decline it.",
            ),
            (New, UnderConsideration) | (UnderConsideration, UnderConsideration) => Ok(()),
            (New, Adopted | Declined) => {
                Err("Consider the idea before deciding: move it to under consideration first.")
            }
            (UnderConsideration, Adopted | Declined) => Ok(()),
            (Adopted, Adopted) | (Declined, Declined) => Ok(()),
            (Adopted, _) => Err(
                "The idea has been adopted; a decision is final (change the reply, not the status).",
            ),
            (Declined, _) => Err(
                "The idea has been declined; a decision is final (change the reply, not the status).",
            ),
        }
    }

    /// The statuses an idea that is `self` may be answered with, for the form.
    pub fn next(self) -> Vec<IdeaStatus> {
        IdeaStatus::all()
            .into_iter()
            .filter(|to| self.check_move(*to).is_ok())
            .collect()
    }
}

/// An idea's title: required, one line's worth.
pub type IdeaTitle = Title;
/// What the idea or concern is: required, up to a few pages.
pub type IdeaText = RequiredText<{ crate::validate::TEXT_MAX }>;
/// The cio's reply.
pub type Reply = RequiredText<{ crate::validate::TEXT_MAX }>;

#[derive(Debug, Clone)]
pub struct Idea {
    pub id: i64,
    pub title: String,
    pub text: String,
    pub status: IdeaStatus,
    pub submitted_by: PersonRef,
    /// Empty until the cio answers.
    pub reply: String,
    pub replied_by: Option<PersonRef>,
    pub replied_at: Option<DateTime<Utc>>,
    pub objective: Option<ObjectiveRef>,
    /// Left out when its meeting is hidden from the reader (a draft).
    pub meeting_item: Option<ItemRef>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// An idea as typed.
#[derive(Debug, Clone, Default)]
pub struct IdeaInput {
    pub title: Option<String>,
    pub text: Option<String>,
}

/// The cio's answer as typed.
#[derive(Debug, Clone, Default)]
pub struct AnswerInput {
    pub status: Option<String>,
    pub reply: Option<String>,
    pub objective_id: Option<i32>,
    pub meeting_item_id: Option<i64>,
}

/// Which ideas to list.
#[derive(Debug, Clone, Default)]
pub struct IdeaFilter {
    pub status: Option<String>,
    pub limit: Option<u64>,
    pub after: Option<String>,
}

pub fn may_answer(actor: &Actor) -> bool {
    policy::allows(actor.principal(), Action::AnswerIdeas)
}

/// Idea rows as ideas: names, objectives and meeting items in one query each (and none
/// when nothing needs them), whatever the number of rows.
async fn hydrate(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    rows: Vec<idea::Model>,
) -> AppResult<Vec<Idea>> {
    let names = people::refs(
        conn,
        rows.iter()
            .flat_map(|r| std::iter::once(r.submitted_by_id).chain(r.replied_by_id)),
    )
    .await?;
    let objectives = plan::objective_refs(conn, rows.iter().filter_map(|r| r.objective_id)).await?;
    let items = crate::meetings::digest::item_refs(
        conn,
        actor,
        rows.iter().filter_map(|r| r.meeting_item_id),
    )
    .await?;
    let person = |id: i32| {
        names.get(&id).cloned().unwrap_or(PersonRef {
            id,
            name: String::new(),
        })
    };
    rows.into_iter()
        .map(|r| {
            Ok(Idea {
                status: IdeaStatus::from_stored(&r.status)?,
                submitted_by: person(r.submitted_by_id),
                replied_by: r.replied_by_id.map(person),
                objective: r.objective_id.and_then(|id| objectives.get(&id).cloned()),
                meeting_item: r.meeting_item_id.and_then(|id| items.get(&id).cloned()),
                id: r.id,
                title: r.title,
                text: r.body,
                reply: r.reply,
                replied_at: r.replied_at,
                created_at: r.created_at,
                updated_at: r.updated_at,
            })
        })
        .collect()
}

/// Submits an idea or a concern (everyone signed in); it starts as new.
pub async fn submit(db: &Db, actor: &Actor, input: IdeaInput) -> AppResult<Idea> {
    policy::check(actor.principal(), Action::SubmitIdea)?;
    let mut errors = Errors::default();
    let title = errors.check(
        "title",
        IdeaTitle::parse_or(
            input.title.as_deref().unwrap_or(""),
            "Give the idea a title.",
        ),
    );
    let text = errors.check(
        "text",
        IdeaText::parse_or(
            input.text.as_deref().unwrap_or(""),
            "Say what the idea or concern is.",
        ),
    );
    let (Some(title), Some(text)) = (title, text) else {
        return Err(errors.into_error());
    };
    let now = Utc::now();
    let txn = db.write().await?;
    let row = idea::ActiveModel {
        submitted_by_id: Set(actor.person_id),
        title: Set(title.into_string()),
        body: Set(text.into_string()),
        status: Set(IdeaStatus::New.as_str().to_owned()),
        reply: Set(String::new()),
        replied_by_id: Set(None),
        replied_at: Set(None),
        objective_id: Set(None),
        meeting_item_id: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    txn.commit().await?;
    hydrate(db.conn(), actor, vec![row])
        .await?
        .pop()
        .ok_or(AppError::NotFound)
}

/// Ideas newest first, optionally of one status, paged by id. A fixed number of queries
/// (at most four) whatever the page's size.
pub async fn list(db: &Db, actor: &Actor, filter: IdeaFilter) -> AppResult<Page<Idea>> {
    policy::check(actor.principal(), Action::ReadIdeas)?;
    let mut errors = Errors::default();
    let status = match filter.status.as_deref().map(str::trim) {
        None | Some("") => Some(None),
        Some(word) => errors
            .check("status", IdeaStatus::parse_word(word))
            .map(Some),
    };
    let limit = errors.check("limit", paging::limit(filter.limit).map_err(first_message));
    let after: Option<Option<i64>> = match filter.after.as_deref() {
        None | Some("") => Some(None),
        Some(cursor) => errors
            .check(
                "after",
                paging::decode_cursor::<i64>(cursor).map_err(first_message),
            )
            .map(Some),
    };
    let (Some(status), Some(limit), Some(after)) = (status, limit, after) else {
        return Err(errors.into_error());
    };
    let mut query = idea::Entity::find();
    if let Some(status) = status {
        query = query.filter(idea::Column::Status.eq(status.as_str()));
    }
    if let Some(after) = after {
        query = query.filter(idea::Column::Id.lt(after));
    }
    let rows = query
        .order_by_desc(idea::Column::Id)
        .limit(limit + 1)
        .all(db.conn())
        .await?;
    let page = paging::finish(rows, limit, |r| r.id);
    Ok(Page {
        items: hydrate(db.conn(), actor, page.items).await?,
        next: page.next,
    })
}

/// The message of a one-field error, for collecting it with the others.
fn first_message(err: AppError) -> String {
    err.field_errors()
        .first()
        .map(|e| e.message.clone())
        .unwrap_or_else(|| err.public_message())
}

/// One idea; 404 when there is none.
pub async fn get(db: &Db, actor: &Actor, id: i64) -> AppResult<Idea> {
    policy::check(actor.principal(), Action::ReadIdeas)?;
    let row = idea::Entity::find_by_id(id)
        .one(db.conn())
        .await?
        .ok_or(AppError::NotFound)?;
    hydrate(db.conn(), actor, vec![row])
        .await?
        .pop()
        .ok_or(AppError::NotFound)
}

/// The cio answers an idea: a status (a move the rules allow: see the module), a reply,
/// and for an adopted idea an optional objective (not retired) and an optional ideas
/// item of a meeting's agenda. Answering replaces the previous reply and links.
pub async fn answer(db: &Db, actor: &Actor, id: i64, input: AnswerInput) -> AppResult<Idea> {
    policy::check(actor.principal(), Action::AnswerIdeas)?;
    let txn = db.write().await?;
    txn.lock(&[format!("idea:{id}")]).await?;
    let row = idea::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound)?;
    let mut errors = Errors::default();
    let status = errors.word::<IdeaStatus>("status", input.status.as_deref());
    let reply = errors.check(
        "reply",
        Reply::parse_or(
            input.reply.as_deref().unwrap_or(""),
            "Write a reply to the person who sent the idea.",
        ),
    );
    let adopted = status == Some(IdeaStatus::Adopted);
    if let Some(objective_id) = input.objective_id {
        if status.is_some() && !adopted {
            errors.add(
                "objective_id",
                "Only an adopted idea is linked to an objective.",
            );
        } else {
            match plan::objective_ref(&txn, objective_id).await? {
                None => errors.add(
                    "objective_id",
                    format!("There is no objective with id {objective_id}."),
                ),
                Some(o) if o.retired => errors.add(
                    "objective_id",
                    format!("Objective {} is retired; choose a current one.", o.code),
                ),
                Some(_) => {}
            }
        }
    }
    if let Some(item_id) = input.meeting_item_id {
        if status.is_some() && !adopted {
            errors.add(
                "meeting_item_id",
                "Only an adopted idea is linked to a meeting's ideas item.",
            );
        } else {
            let items = crate::meetings::digest::item_refs(&txn, actor, [item_id]).await?;
            match items.get(&item_id) {
                None => errors.add(
                    "meeting_item_id",
                    format!("There is no agenda item with id {item_id}."),
                ),
                Some(item) if item.kind != ItemKind::Ideas => errors.add(
                    "meeting_item_id",
                    format!(
                        "Agenda item {item_id} is a {} item; link an item of kind ideas.",
                        item.kind.label().to_lowercase()
                    ),
                ),
                Some(_) => {}
            }
        }
    }
    let (Some(status), Some(reply)) = (status, reply) else {
        return Err(errors.into_error());
    };
    errors.finish()?;
    IdeaStatus::from_stored(&row.status)?
        .check_move(status)
        .map_err(|why| AppError::conflict_on("status", why))?;
    let now = Utc::now();
    let mut model = row.into_active_model();
    model.status = Set(status.as_str().to_owned());
    model.reply = Set(reply.into_string());
    model.replied_by_id = Set(Some(actor.person_id));
    model.replied_at = Set(Some(now));
    model.objective_id = Set(input.objective_id);
    model.meeting_item_id = Set(input.meeting_item_id);
    model.updated_at = Set(now);
    let row = model.update(&txn).await?;
    if row.submitted_by_id != actor.person_id {
        notifications::notify(
            &txn,
            &notifications::Payload::IdeaAnswered {
                idea_id: row.id,
                title: row.title.clone(),
                status: status.label().to_owned(),
                reply: row.reply.clone(),
            },
            &[row.submitted_by_id],
            None,
            now,
        )
        .await?;
    }
    txn.commit().await?;
    hydrate(db.conn(), actor, vec![row])
        .await?
        .pop()
        .ok_or(AppError::NotFound)
}

/// An idea as a list elsewhere shows it.
#[derive(Debug, Clone)]
pub struct IdeaRef {
    pub id: i64,
    pub title: String,
    pub status: IdeaStatus,
}

/// The ideas linked to each of the given objectives, newest first: one query.
pub async fn linked_to_objectives(
    db: &Db,
    actor: &Actor,
    objective_ids: impl IntoIterator<Item = i32>,
) -> AppResult<HashMap<i32, Vec<IdeaRef>>> {
    policy::check(actor.principal(), Action::ReadIdeas)?;
    let ids: Vec<i32> = objective_ids.into_iter().collect();
    let mut by_objective: HashMap<i32, Vec<IdeaRef>> = HashMap::new();
    if ids.is_empty() {
        return Ok(by_objective);
    }
    let rows = idea::Entity::find()
        .filter(idea::Column::ObjectiveId.is_in(ids))
        .order_by_desc(idea::Column::Id)
        .all(db.conn())
        .await?;
    for r in rows {
        if let Some(objective_id) = r.objective_id {
            by_objective.entry(objective_id).or_default().push(IdeaRef {
                status: IdeaStatus::from_stored(&r.status)?,
                id: r.id,
                title: r.title,
            });
        }
    }
    Ok(by_objective)
}

/// How many ideas are in each status: one query.
pub async fn counts(db: &Db, actor: &Actor) -> AppResult<HashMap<&'static str, i64>> {
    use sea_orm::FromQueryResult;
    #[derive(FromQueryResult)]
    struct Row {
        status: String,
        n: i64,
    }
    policy::check(actor.principal(), Action::ReadIdeas)?;
    let rows = Row::find_by_statement(sea_orm::Statement::from_string(
        db.conn().get_database_backend(),
        "SELECT status, COUNT(*) AS n FROM ideas GROUP BY status",
    ))
    .all(db.conn())
    .await?;
    let mut counts = HashMap::new();
    for r in rows {
        counts.insert(IdeaStatus::from_stored(&r.status)?.as_str(), r.n);
    }
    Ok(counts)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validate::assert_labelled;

    #[test]
    fn every_status_has_a_label() {
        assert_labelled::<IdeaStatus>();
    }

    #[test]
    fn the_moves_follow_the_diagram() {
        use IdeaStatus::*;
        let allowed = [
            (New, UnderConsideration),
            (UnderConsideration, UnderConsideration),
            (UnderConsideration, Adopted),
            (UnderConsideration, Declined),
            (Adopted, Adopted),
            (Declined, Declined),
        ];
        for from in IdeaStatus::all() {
            for to in IdeaStatus::all() {
                assert_eq!(
                    from.check_move(to).is_ok(),
                    allowed.contains(&(from, to)),
                    "{from:?} → {to:?}"
                );
            }
        }
        assert_eq!(New.next(), vec![UnderConsideration]);
        assert_eq!(
            UnderConsideration.next(),
            vec![UnderConsideration, Adopted, Declined]
        );
    }
}
