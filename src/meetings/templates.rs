//! Agenda templates: the built-in half-day quarterly meeting and the retreat, and any
//! agenda the cio saved as a template.

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
};

use super::{
    MeetingKind, agenda,
    agenda::{ItemKind, NewItem, PlannedMinutes},
    bank, visible,
};
use crate::{
    auth::Actor,
    db::{Db, WriteTxn},
    entities::{meeting_item, meeting_template, meeting_template_item},
    error::{AppError, AppResult},
    policy::{self, Action},
    validate::{Errors, Title, Word},
};

/// Where a new meeting's agenda comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TemplateChoice {
    /// The built-in template of the meeting's kind (quarterly or retreat).
    BuiltIn,
    /// A saved template.
    Saved(i64),
}

impl TemplateChoice {
    /// "builtin" or a saved template's id, as forms and the API send it; empty is none.
    pub fn parse(raw: Option<&str>) -> Result<Option<TemplateChoice>, String> {
        match raw.map(str::trim) {
            None | Some("") | Some("none") => Ok(None),
            Some("builtin") => Ok(Some(TemplateChoice::BuiltIn)),
            Some(id) => id
                .parse()
                .map(|id| Some(TemplateChoice::Saved(id)))
                .map_err(|_| "Choose builtin, none or the id of a saved template.".to_owned()),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Template {
    pub id: i64,
    pub name: String,
    pub kind: MeetingKind,
}

struct Line {
    kind: ItemKind,
    title: &'static str,
    minutes: i64,
    /// Take the n-th least recently asked question of the bank.
    question: Option<usize>,
}

const fn line(kind: ItemKind, title: &'static str, minutes: i64) -> Line {
    Line {
        kind,
        title,
        minutes,
        question: None,
    }
}

/// A half day: a welcome, two exploration questions from the bank (the least recently
/// asked) with a break between, recognition, and a close. 200 of 240 minutes: room to
/// run over a little.
fn quarterly() -> Vec<Line> {
    vec![
        line(ItemKind::Other, "Welcome", 15),
        Line {
            question: Some(0),
            ..line(ItemKind::Question, "First question", 60)
        },
        line(ItemKind::Break, "Break", 20),
        Line {
            question: Some(1),
            ..line(ItemKind::Question, "Second question", 60)
        },
        line(
            ItemKind::Recognition,
            "Recognition: kudos and the trophy",
            30,
        ),
        line(ItemKind::Other, "Closing", 15),
    ]
}

/// A full day: the past year, planning against the strategic plan, new ideas, a long
/// break, and shared interests. 360 of 420 minutes.
fn retreat() -> Vec<Line> {
    vec![
        line(ItemKind::Review, "Review of the past year", 90),
        line(
            ItemKind::Planning,
            "Planning against the strategic plan",
            90,
        ),
        line(ItemKind::Ideas, "New ideas", 60),
        line(ItemKind::Break, "Lunch", 60),
        line(ItemKind::Other, "Shared interests", 60),
    ]
}

fn minutes(m: i64) -> AppResult<PlannedMinutes> {
    PlannedMinutes::parse(m)
        .map_err(|e| AppError::internal(anyhow::anyhow!("template minutes: {e}")))
}

/// Writes a template's items into a new meeting's (empty) agenda.
pub(crate) async fn apply(
    txn: &WriteTxn,
    meeting_id: i64,
    kind: MeetingKind,
    choice: TemplateChoice,
) -> AppResult<()> {
    let items: Vec<NewItem> = match choice {
        TemplateChoice::BuiltIn => {
            let lines = match kind {
                MeetingKind::Quarterly => quarterly(),
                MeetingKind::Retreat => retreat(),
                MeetingKind::Other => {
                    return Err(AppError::invalid(
                        "template",
                        "Only quarterly meetings and retreats have a built-in template.",
                    ));
                }
            };
            let questions = bank::suggestions(txn).await?;
            let mut items = Vec::new();
            for l in lines {
                let question = l.question.and_then(|n| questions.get(n));
                items.push(NewItem {
                    kind: l.kind,
                    title: question.map_or(l.title.to_owned(), |q| q.prompt.clone()),
                    prompt: question.map(|q| q.prompt.clone()).unwrap_or_default(),
                    planned_minutes: minutes(l.minutes)?,
                    owner_id: None,
                    guest_name: String::new(),
                    guest_department: String::new(),
                    objective_id: None,
                    value_name: None,
                    question_id: question.map(|q| q.id),
                });
            }
            items
        }
        TemplateChoice::Saved(id) => {
            if meeting_template::Entity::find_by_id(id)
                .one(txn)
                .await?
                .is_none()
            {
                return Err(AppError::invalid(
                    "template",
                    format!("There is no saved template with id {id}."),
                ));
            }
            let mut items = Vec::new();
            for t in template_items(txn, id).await? {
                items.push(NewItem {
                    kind: ItemKind::from_stored(&t.kind)?,
                    title: t.title,
                    prompt: t.prompt,
                    planned_minutes: minutes(t.planned_minutes.into())?,
                    owner_id: None,
                    guest_name: String::new(),
                    guest_department: String::new(),
                    objective_id: None,
                    value_name: None,
                    question_id: t.question_id,
                });
            }
            items
        }
    };
    for item in items {
        agenda::append(txn, meeting_id, item, None).await?;
    }
    Ok(())
}

async fn template_items(
    conn: &impl ConnectionTrait,
    id: i64,
) -> AppResult<Vec<meeting_template_item::Model>> {
    Ok(meeting_template_item::Entity::find()
        .filter(meeting_template_item::Column::TemplateId.eq(id))
        .order_by_asc(meeting_template_item::Column::Position)
        .all(conn)
        .await?)
}

/// The saved templates, by name (the cio).
pub async fn list(db: &Db, actor: &Actor) -> AppResult<Vec<Template>> {
    policy::check(actor.principal(), Action::ManageMeetings)?;
    meeting_template::Entity::find()
        .order_by_asc(meeting_template::Column::Name)
        .all(db.conn())
        .await?
        .into_iter()
        .map(|t| {
            Ok(Template {
                kind: MeetingKind::from_stored(&t.kind)?,
                id: t.id,
                name: t.name,
            })
        })
        .collect()
}

/// Saves a meeting's agenda (kinds, titles, prompts, minutes, questions) as a template
/// (the cio). Answers the template's id.
pub async fn save_as_template(
    db: &Db,
    actor: &Actor,
    meeting_id: i64,
    name: Option<&str>,
) -> AppResult<i64> {
    let mut errors = Errors::default();
    let name = errors.check(
        "name",
        Title::parse_or(name.unwrap_or(""), "Give the template a name."),
    );
    let txn = db.write().await?;
    let meeting = visible(&txn, actor, meeting_id).await?;
    policy::check(actor.principal(), Action::ManageMeetings)?;
    let Some(name) = name else {
        return Err(errors.into_error());
    };
    let template = meeting_template::ActiveModel {
        name: Set(name.into_string()),
        kind: Set(meeting.kind.clone()),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let items = meeting_item::Entity::find()
        .filter(meeting_item::Column::MeetingId.eq(meeting_id))
        .order_by_asc(meeting_item::Column::Position)
        .all(&txn)
        .await?;
    if !items.is_empty() {
        meeting_template_item::Entity::insert_many(items.into_iter().map(|i| {
            meeting_template_item::ActiveModel {
                template_id: Set(template.id),
                position: Set(i.position),
                kind: Set(i.kind),
                title: Set(i.title),
                prompt: Set(i.prompt),
                planned_minutes: Set(i.planned_minutes),
                question_id: Set(i.question_id),
                ..Default::default()
            }
        }))
        .exec(&txn)
        .await?;
    }
    txn.commit().await?;
    Ok(template.id)
}
