//! Skills: the catalog the department assesses itself against, technical skills and the
//! communication and service skills that keep "geek speak" away from clients. The cio
//! keeps the catalog; everyone signed in reads it. A skill in use is retired, not deleted.
//!
//! Assessments, targets, gaps and trends build on this catalog (see the skills issue).

pub mod api;
mod import;
pub mod pages;
pub(crate) mod standings;
pub(crate) mod tallies;

pub use import::{IMPORT_MAX_BYTES, ImportSummary, import_baseline};

use chrono::{Datelike, NaiveDate, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, FromQueryResult, PaginatorTrait, QueryFilter,
    QueryOrder, Set,
    prelude::Expr,
    sea_query::{Order, Query},
};

use crate::audit::{self, Event, Kind};
use crate::{
    auth::Actor,
    db::{Db, WriteTxn},
    disclosure::{CellId, Reader, Table},
    entities::{person, skill, skill_assessment, skill_level, skill_target},
    error::{AppError, AppResult},
    goals,
    people::{self, PersonRef},
    policy::{self, Action, Subject},
    validate::{Errors, Level, LongText, Text, Title, Word},
};

pub const LEVEL_TEXT_MAX: usize = 1_000;

/// What one level of a skill means.
pub type LevelText = Text<LEVEL_TEXT_MAX>;

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
pub enum SkillCategory {
    #[strum(message = "Technical")]
    Technical,
    #[strum(message = "Communication")]
    Communication,
    #[strum(message = "Service")]
    Service,
}

/// The scale offered when a skill is created without descriptors of its own.
pub const DEFAULT_LEVELS: [&str; 5] = [
    "Aware: knows what it is and when to ask for help.",
    "Beginning: does it with guidance and a checklist.",
    "Capable: does it alone in ordinary situations.",
    "Skilled: handles unusual situations and helps others.",
    "Expert: shapes how the department does it and teaches it.",
];

#[derive(Debug, Clone)]
pub struct Skill {
    pub id: i32,
    pub name: String,
    pub category: SkillCategory,
    pub description: String,
    /// What levels 1 to 5 mean for this skill.
    pub levels: [String; 5],
    pub retired: bool,
}

/// A skill as typed; on edits `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct SkillInput {
    pub name: Option<String>,
    pub category: Option<String>,
    pub description: Option<String>,
    /// Descriptors for levels 1 to 5; blanks on creation take the default scale.
    pub levels: Option<Vec<String>>,
    pub retired: Option<bool>,
}

fn to_skill(model: skill::Model) -> AppResult<Skill> {
    Ok(Skill {
        category: SkillCategory::from_stored(&model.category)?,
        id: model.id,
        name: model.name,
        description: model.description,
        levels: [
            model.level1,
            model.level2,
            model.level3,
            model.level4,
            model.level5,
        ],
        retired: model.retired,
    })
}

/// Whether the actor may change the catalog (for showing the forms).
pub fn may_manage(actor: &Actor) -> bool {
    policy::allows(actor.principal(), Action::ManageSkills)
}

/// Only the cio imports baseline rounds (for showing the page before anything is sent).
pub fn authorize_import(actor: &Actor) -> AppResult<()> {
    policy::check(actor.principal(), Action::ManageSkills)
}

/// The catalog in name order; retired skills only when asked for.
pub async fn list(db: &Db, actor: &Actor, include_retired: bool) -> AppResult<Vec<Skill>> {
    policy::check(actor.principal(), Action::ReadPlan)?;
    let mut query = skill::Entity::find();
    if !include_retired {
        query = query.filter(skill::Column::Retired.eq(false));
    }
    query
        .order_by_asc(skill::Column::NameKey)
        .all(db.conn())
        .await?
        .into_iter()
        .map(to_skill)
        .collect()
}

pub async fn get(db: &Db, actor: &Actor, id: i32) -> AppResult<Skill> {
    policy::check(actor.principal(), Action::ReadPlan)?;
    to_skill(
        skill::Entity::find_by_id(id)
            .one(db.conn())
            .await?
            .ok_or(AppError::NotFound)?,
    )
}

/// A skill to add, parsed.
#[derive(Debug, Clone, PartialEq)]
struct NewSkill {
    name: Title,
    category: SkillCategory,
    description: LongText,
    levels: Levels,
}

/// Changes to a skill, parsed; `None` leaves a field as it is.
#[derive(Debug, Clone, PartialEq)]
struct SkillChanges {
    name: Option<Title>,
    category: Option<SkillCategory>,
    description: Option<LongText>,
    levels: Option<Levels>,
    retired: Option<bool>,
}

/// What levels 1 to 5 mean: each as typed (a `LevelText`), or the default scale's where
/// it was left blank.
type Levels = [String; 5];

impl SkillInput {
    /// A new skill: name and category required, the default scale where no level is described.
    fn parse_new(&self, errors: &mut Errors) -> Option<NewSkill> {
        let name = errors.check("name", Title::parse(self.name.as_deref().unwrap_or("")));
        let category = errors.word("category", self.category.as_deref());
        let levels = match &self.levels {
            Some(given) => parse_levels(given, errors),
            None => Some(DEFAULT_LEVELS.map(str::to_owned)),
        };
        let description = errors.check(
            "description",
            LongText::parse(self.description.as_deref().unwrap_or("")),
        );
        Some(NewSkill {
            name: name?,
            category: category?,
            description: description?,
            levels: levels?,
        })
    }

    /// Changes: only the fields given are parsed.
    fn parse_changes(&self, errors: &mut Errors) -> Option<SkillChanges> {
        // Outer None: given but wrong; inner None: not given, left as it is.
        let name = match self.name.as_deref() {
            Some(name) => errors.check("name", Title::parse(name)).map(Some),
            None => Some(None),
        };
        let category = match self.category.as_deref() {
            Some(category) => errors.word("category", Some(category)).map(Some),
            None => Some(None),
        };
        let levels = match &self.levels {
            Some(given) => parse_levels(given, errors).map(Some),
            None => Some(None),
        };
        let description = match self.description.as_deref() {
            Some(description) => errors
                .check("description", LongText::parse(description))
                .map(Some),
            None => Some(None),
        };
        Some(SkillChanges {
            name: name?,
            category: category?,
            description: description?,
            levels: levels?,
            retired: self.retired,
        })
    }
}

/// Exactly five level descriptors; a blank one takes the default scale's.
fn parse_levels(given: &[String], errors: &mut Errors) -> Option<Levels> {
    if given.len() != 5 {
        errors.add("levels", "Describe exactly five levels, from 1 to 5.");
        return None;
    }
    let parsed: Vec<Option<LevelText>> = given
        .iter()
        .enumerate()
        .map(|(i, text)| errors.check(format!("levels[{i}]"), LevelText::parse(text)))
        .collect();
    let mut levels = DEFAULT_LEVELS.map(str::to_owned);
    for (level, text) in levels.iter_mut().zip(parsed) {
        let text = text?;
        if !text.is_empty() {
            *level = text.into_string();
        }
    }
    Some(levels)
}

fn duplicate_name() -> AppError {
    AppError::conflict_on("name", "The catalog already has a skill with this name.")
}

async fn name_taken(
    conn: &impl sea_orm::ConnectionTrait,
    key: &str,
    except: Option<i32>,
) -> AppResult<bool> {
    let mut query = skill::Entity::find().filter(skill::Column::NameKey.eq(key));
    if let Some(id) = except {
        query = query.filter(skill::Column::Id.ne(id));
    }
    Ok(query.count(conn).await? > 0)
}

pub async fn create(db: &Db, actor: &Actor, input: SkillInput) -> AppResult<Skill> {
    policy::check(actor.principal(), Action::ManageSkills)?;
    let mut errors = Errors::default();
    let Some(new) = input.parse_new(&mut errors) else {
        return Err(errors.into_error());
    };
    errors.finish()?;
    let key = new.name.to_lowercase();
    let txn = db.write().await?;
    if name_taken(&txn, &key, None).await? {
        return Err(duplicate_name());
    }
    let now = Utc::now();
    let [level1, level2, level3, level4, level5] = new.levels;
    let model = skill::ActiveModel {
        name: Set(new.name.into_string()),
        name_key: Set(key),
        category: Set(new.category.as_str().to_owned()),
        description: Set(new.description.into_string()),
        level1: Set(level1),
        level2: Set(level2),
        level3: Set(level3),
        level4: Set(level4),
        level5: Set(level5),
        retired: Set(false),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await
    .map_err(|err| {
        AppError::on_unique(
            err,
            "skills_name_key_key",
            "skills.name_key",
            duplicate_name,
        )
    })?;
    audit::record(
        &txn,
        Some(actor),
        Event::new(Kind::SkillAdded, audit::Subject::Skill(model.id))
            .set("name", &model.name)
            .set("category", &model.category),
    )
    .await?;
    txn.commit().await?;
    to_skill(model)
}

/// A skill's fields as the audit trail compares them.
fn audited_fields(s: &skill::Model) -> [(&'static str, serde_json::Value); 9] {
    [
        ("name", s.name.clone().into()),
        ("category", s.category.clone().into()),
        ("description", s.description.clone().into()),
        ("level1", s.level1.clone().into()),
        ("level2", s.level2.clone().into()),
        ("level3", s.level3.clone().into()),
        ("level4", s.level4.clone().into()),
        ("level5", s.level5.clone().into()),
        ("retired", s.retired.into()),
    ]
}

pub async fn update(db: &Db, actor: &Actor, id: i32, input: SkillInput) -> AppResult<Skill> {
    policy::check(actor.principal(), Action::ManageSkills)?;
    let mut errors = Errors::default();
    let Some(changes) = input.parse_changes(&mut errors) else {
        return Err(errors.into_error());
    };
    errors.finish()?;
    let txn = db.write().await?;
    let existing = skill::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound)?;
    if let Some(name) = &changes.name
        && name_taken(&txn, &name.to_lowercase(), Some(id)).await?
    {
        return Err(duplicate_name());
    }
    let before = audited_fields(&existing);
    let was_retired = existing.retired;
    let mut model: skill::ActiveModel = existing.into();
    if let Some(name) = changes.name {
        model.name_key = Set(name.to_lowercase());
        model.name = Set(name.into_string());
    }
    if let Some(category) = changes.category {
        model.category = Set(category.as_str().to_owned());
    }
    if let Some(description) = changes.description {
        model.description = Set(description.into_string());
    }
    if let Some([level1, level2, level3, level4, level5]) = changes.levels {
        model.level1 = Set(level1);
        model.level2 = Set(level2);
        model.level3 = Set(level3);
        model.level4 = Set(level4);
        model.level5 = Set(level5);
    }
    if let Some(retired) = changes.retired {
        model.retired = Set(retired);
    }
    model.updated_at = Set(Utc::now());
    let model = model.update(&txn).await.map_err(|err| {
        AppError::on_unique(
            err,
            "skills_name_key_key",
            "skills.name_key",
            duplicate_name,
        )
    })?;
    // One event per edit: retiring or bringing back names it, with anything else changed.
    let kind = match (was_retired, model.retired) {
        (false, true) => Kind::SkillRetired,
        (true, false) => Kind::SkillReinstated,
        _ => Kind::SkillChanged,
    };
    let event = before.into_iter().zip(audited_fields(&model)).fold(
        Event::new(kind, audit::Subject::Skill(id)),
        |event, ((field, was), (_, is))| event.change(field, was, is),
    );
    if event.changed_anything() {
        audit::record(&txn, Some(actor), event).await?;
    }
    txn.commit().await?;
    to_skill(model)
}

/// Deletes a skill nobody has used; one with assessments, targets or goals is retired instead.
pub async fn delete(db: &Db, actor: &Actor, id: i32) -> AppResult<()> {
    policy::check(actor.principal(), Action::ManageSkills)?;
    let txn = db.write().await?;
    let existing = skill::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound)?;
    let uses = skill_assessment::Entity::find()
        .filter(skill_assessment::Column::SkillId.eq(id))
        .count(&txn)
        .await?
        + skill_target::Entity::find()
            .filter(skill_target::Column::SkillId.eq(id))
            .count(&txn)
            .await?
        + goals::count_by_skill(&txn, id).await?;
    if uses > 0 {
        return Err(AppError::conflict(format!(
            "This skill is in use ({uses} assessments, targets or goals), so it cannot be deleted; retire it instead."
        )));
    }
    skill::Entity::delete_by_id(id).exec(&txn).await?;
    audit::record(
        &txn,
        Some(actor),
        Event::new(Kind::SkillDeleted, audit::Subject::Skill(id)).was("name", &existing.name),
    )
    .await?;
    txn.commit().await
}

// ---------------------------------------------------------------------------------------
// Assessments and targets: a person's levels are private to them, their manager chain and
// the cio (404 to anyone else).

/// Who assessed: stored and sent as `self` or `manager`.
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
pub enum Source {
    /// The person assessed themselves.
    #[strum(to_string = "self", message = "Self")]
    Own,
    /// A manager above them, or the cio, assessed them.
    #[strum(message = "Manager")]
    Manager,
}

#[derive(Debug, Clone)]
pub struct Assessment {
    pub id: i64,
    pub skill_id: i32,
    pub level: i16,
    pub source: Source,
    pub assessor: PersonRef,
    pub assessed_on: NaiveDate,
    pub note: String,
}

/// One line of an assessment form: a skill and the level seen in it.
#[derive(Debug, Clone, Default)]
pub struct AssessmentInput {
    pub skill_id: Option<i32>,
    pub level: Option<i64>,
    /// Today when absent.
    pub assessed_on: Option<NaiveDate>,
    pub note: Option<String>,
}

/// Where a person stands in one skill, by one source: the first assessment (baseline) and
/// the latest (current), with the history in date order.
#[derive(Debug, Clone)]
pub struct Track {
    pub baseline: i16,
    pub current: i16,
    pub history: Vec<Assessment>,
}

#[derive(Debug, Clone)]
pub struct Target {
    pub level: i16,
    pub target_date: Option<NaiveDate>,
    /// Proposed by the person and not yet set by a manager.
    pub proposed: bool,
}

/// One skill on a person's skills page.
#[derive(Debug, Clone)]
pub struct Standing {
    pub skill: Skill,
    pub own: Option<Track>,
    pub manager: Option<Track>,
    pub target: Option<Target>,
}

impl Standing {
    /// The level that counts: the manager's latest, or else the person's own.
    pub fn current(&self) -> Option<i16> {
        self.manager
            .as_ref()
            .or(self.own.as_ref())
            .map(|t| t.current)
    }

    /// target − current; positive means still to grow.
    pub fn gap(&self) -> Option<i16> {
        Some(self.target.as_ref()?.level - self.current()?)
    }

    pub fn target_reached(&self) -> bool {
        self.gap().is_some_and(|gap| gap <= 0)
    }
}

/// Whether a skill can be the subject of a development goal: Ok, or the reason it cannot.
pub async fn usable(
    conn: &impl sea_orm::ConnectionTrait,
    skill_id: i32,
) -> AppResult<Result<(), String>> {
    Ok(match skill::Entity::find_by_id(skill_id).one(conn).await? {
        None => Err(format!("There is no skill with id {skill_id}.")),
        Some(s) if s.retired => Err(format!("{} has been retired.", s.name)),
        Some(_) => Ok(()),
    })
}

/// A skill's name and the person's current level in it (for a development goal's page;
/// the goal's own privacy check has already passed).
pub async fn standing_of(
    conn: &impl sea_orm::ConnectionTrait,
    person_id: i32,
    skill_id: i32,
) -> AppResult<Option<(String, Option<i16>)>> {
    let Some(found) = skill::Entity::find_by_id(skill_id).one(conn).await? else {
        return Ok(None);
    };
    let level = skill_level::Entity::find_by_id((person_id, skill_id))
        .one(conn)
        .await?;
    Ok(Some((found.name, level.map(|l| l.current))))
}

/// A person's skills page: every skill they have been assessed in or have a target for.
#[derive(Debug, Clone)]
pub struct SkillsProfile {
    pub person: PersonRef,
    pub standings: Vec<Standing>,
    /// The reader may assess as the person (self) or as a manager.
    pub may_assess_self: bool,
    pub may_assess_as_manager: bool,
}

async fn subject_or_404(db: &Db, actor: &Actor, person_id: i32) -> AppResult<Subject> {
    if people::refs(db.conn(), [person_id]).await?.is_empty() {
        return Err(AppError::NotFound);
    }
    let subject = people::subject(db.conn(), person_id).await?;
    policy::check(actor.principal(), Action::ViewPrivateRecords(&subject))?;
    Ok(subject)
}

/// A person's skills with baseline, current, target and gap, in three queries.
pub async fn profile(db: &Db, actor: &Actor, person_id: i32) -> AppResult<SkillsProfile> {
    let subject = subject_or_404(db, actor, person_id).await?;
    let conn = db.conn();
    let rows = skill_assessment::Entity::find()
        .filter(skill_assessment::Column::PersonId.eq(person_id))
        .order_by_asc(skill_assessment::Column::AssessedOn)
        .order_by_asc(skill_assessment::Column::Id)
        .all(conn)
        .await?;
    let targets = skill_target::Entity::find()
        .filter(skill_target::Column::PersonId.eq(person_id))
        .all(conn)
        .await?;
    let mut skill_ids: Vec<i32> = rows
        .iter()
        .map(|r| r.skill_id)
        .chain(targets.iter().map(|t| t.skill_id))
        .collect();
    skill_ids.sort_unstable();
    skill_ids.dedup();
    let skills: Vec<Skill> = skill::Entity::find()
        .filter(skill::Column::Id.is_in(skill_ids))
        .order_by_asc(skill::Column::NameKey)
        .all(conn)
        .await?
        .into_iter()
        .map(to_skill)
        .collect::<AppResult<_>>()?;
    let assessor_ids = rows.iter().map(|r| r.assessor_id).chain([person_id]);
    let names: std::collections::HashMap<i32, String> = people::refs(conn, assessor_ids)
        .await?
        .into_iter()
        .map(|(id, p)| (id, p.name))
        .collect();
    let sources: Vec<Source> = rows
        .iter()
        .map(|r| Source::from_stored(&r.source))
        .collect::<AppResult<_>>()?;
    let track = |skill_id: i32, source: Source| -> Option<Track> {
        let history: Vec<Assessment> = rows
            .iter()
            .zip(&sources)
            .filter(|(r, s)| r.skill_id == skill_id && **s == source)
            .map(|(r, _)| Assessment {
                id: r.id,
                skill_id: r.skill_id,
                level: r.level,
                source,
                assessor: PersonRef {
                    id: r.assessor_id,
                    name: names.get(&r.assessor_id).cloned().unwrap_or_default(),
                },
                assessed_on: r.assessed_on,
                note: r.note.clone(),
            })
            .collect();
        Some(Track {
            baseline: history.first()?.level,
            current: history.last()?.level,
            history,
        })
    };
    let standings = skills
        .into_iter()
        .map(|skill| Standing {
            own: track(skill.id, Source::Own),
            manager: track(skill.id, Source::Manager),
            target: targets
                .iter()
                .find(|t| t.skill_id == skill.id)
                .map(|t| Target {
                    level: t.level,
                    target_date: t.target_date,
                    proposed: t.proposed,
                }),
            skill,
        })
        .collect();
    Ok(SkillsProfile {
        person: PersonRef {
            id: person_id,
            name: names.get(&person_id).cloned().unwrap_or_default(),
        },
        standings,
        may_assess_self: policy::allows(actor.principal(), Action::WriteOwnRecords(&subject)),
        may_assess_as_manager: policy::allows(
            actor.principal(),
            Action::ReviewPrivateRecords(&subject),
        ),
    })
}

/// Records assessments of one person, one or many skills at once, in one transaction:
/// a self-assessment when the actor is the person, a manager's when the actor is above
/// them in the chain or the cio. History is kept: a correction is a new assessment.
pub async fn assess(
    db: &Db,
    actor: &Actor,
    person_id: i32,
    items: Vec<AssessmentInput>,
) -> AppResult<usize> {
    let subject = subject_or_404(db, actor, person_id).await?;
    let source = if subject.person_id == actor.person_id {
        policy::check(actor.principal(), Action::WriteOwnRecords(&subject))?;
        Source::Own
    } else {
        policy::check(actor.principal(), Action::ReviewPrivateRecords(&subject))?;
        Source::Manager
    };
    let today = Utc::now().date_naive();
    let txn = db.write().await?;
    standings::lock_people(&txn, &[person_id]).await?;
    let catalog = skill::Entity::find().all(&txn).await?;
    let mut errors = Errors::default();
    let Some(assessments) = parse_assessments(&items, &catalog, today, &mut errors) else {
        return Err(errors.into_error());
    };
    errors.finish()?;
    let now = Utc::now();
    let skill_ids: Vec<i32> = assessments.iter().map(|a| a.skill_id).collect();
    for assessment in assessments {
        let inserted = skill_assessment::ActiveModel {
            person_id: Set(person_id),
            skill_id: Set(assessment.skill_id),
            level: Set(assessment.level.to_i16()),
            source: Set(source.as_str().to_owned()),
            assessor_id: Set(actor.person_id),
            assessed_on: Set(assessment.assessed_on),
            note: Set(assessment.note.into_string()),
            created_at: Set(now),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        keep_level(&txn, &inserted).await?;
    }
    tallies::recount(&txn, &skill_ids).await?;
    standings::refresh_people(&txn, &[person_id], Some(&skill_ids)).await?;
    txn.commit().await?;
    Ok(items.len())
}

/// One assessment, parsed.
#[derive(Debug, Clone, PartialEq)]
struct NewAssessment {
    skill_id: i32,
    level: Level,
    assessed_on: NaiveDate,
    note: LongText,
}

/// Parses the assessments of one form against the catalog; None when any is wrong, with
/// every problem recorded (`assessments[i].level`, …).
fn parse_assessments(
    items: &[AssessmentInput],
    catalog: &[skill::Model],
    today: NaiveDate,
    errors: &mut Errors,
) -> Option<Vec<NewAssessment>> {
    if items.is_empty() {
        errors.add("assessments", "Assess at least one skill.");
        return None;
    }
    let parsed: Vec<Option<NewAssessment>> = items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let at = format!("assessments[{i}]");
            let skill_id = match item.skill_id {
                None => {
                    errors.add(format!("{at}.skill_id"), "Choose a skill.");
                    None
                }
                Some(id) => match catalog.iter().find(|s| s.id == id) {
                    None => {
                        errors.add(
                            format!("{at}.skill_id"),
                            format!("There is no skill with id {id}."),
                        );
                        None
                    }
                    Some(s) if s.retired => {
                        errors.add(
                            format!("{at}.skill_id"),
                            format!("{} has been retired.", s.name),
                        );
                        None
                    }
                    Some(_)
                        if items[..i]
                            .iter()
                            .any(|earlier| earlier.skill_id == Some(id)) =>
                    {
                        errors.add(
                            format!("{at}.skill_id"),
                            "This skill is already in the list.",
                        );
                        None
                    }
                    Some(_) => Some(id),
                },
            };
            let level = errors
                .present(&format!("{at}.level"), item.level)
                .and_then(|l| errors.check(format!("{at}.level"), Level::parse(l)));
            // Today when the form or the request gives no date.
            let assessed_on = item.assessed_on.unwrap_or(today);
            let assessed_on = if assessed_on > today {
                errors.add(
                    format!("{at}.assessed_on"),
                    "An assessment cannot be dated in the future.",
                );
                None
            } else if assessed_on.year() < 2000 {
                errors.add(format!("{at}.assessed_on"), "Give a date from 2000 on.");
                None
            } else {
                Some(assessed_on)
            };
            let note = errors.check(
                format!("{at}.note"),
                LongText::parse(item.note.as_deref().unwrap_or("")),
            );
            Some(NewAssessment {
                skill_id: skill_id?,
                level: level?,
                assessed_on: assessed_on?,
                note: note?,
            })
        })
        .collect();
    parsed.into_iter().collect()
}

/// Folds a new assessment into the person's baseline and current level for the skill
/// (first and latest by date, the later entry winning a tie).
async fn keep_level(txn: &WriteTxn, a: &skill_assessment::Model) -> AppResult<()> {
    let existing = skill_level::Entity::find_by_id((a.person_id, a.skill_id))
        .one(txn)
        .await?;
    let Some(existing) = existing else {
        skill_level::ActiveModel {
            person_id: Set(a.person_id),
            skill_id: Set(a.skill_id),
            baseline: Set(a.level),
            baseline_on: Set(a.assessed_on),
            current: Set(a.level),
            current_on: Set(a.assessed_on),
            current_assessment_id: Set(a.id),
        }
        .insert(txn)
        .await?;
        return Ok(());
    };
    let earlier = a.assessed_on < existing.baseline_on;
    let later = (a.assessed_on, a.id) >= (existing.current_on, existing.current_assessment_id);
    if !earlier && !later {
        return Ok(());
    }
    let mut model: skill_level::ActiveModel = existing.into();
    if earlier {
        model.baseline = Set(a.level);
        model.baseline_on = Set(a.assessed_on);
    }
    if later {
        model.current = Set(a.level);
        model.current_on = Set(a.assessed_on);
        model.current_assessment_id = Set(a.id);
    }
    model.update(txn).await?;
    Ok(())
}

/// One person's row of the team heatmap: per skill of the map, their current level and
/// target, if any.
#[derive(Debug, Clone)]
pub struct HeatRow {
    pub person: PersonRef,
    pub cells: Vec<Option<HeatCell>>,
    /// The largest target − current over their skills (0 when no target is open).
    pub largest_gap: i16,
}

#[derive(Debug, Clone, Copy)]
pub struct HeatCell {
    pub current: i16,
    /// The skill's target, or a development goal's target level in the current cycle when
    /// there is no skill target or the goal's is higher.
    pub target: Option<i16>,
    /// The target shown is the development goal's.
    pub target_from_goal: bool,
}

impl HeatCell {
    pub fn gap(&self) -> Option<i16> {
        self.target.map(|t| t - self.current)
    }
}

#[derive(Debug, Clone)]
pub struct Heatmap {
    pub skills: Vec<Skill>,
    pub rows: Vec<HeatRow>,
}

#[derive(FromQueryResult)]
struct HeatRowSql {
    person_id: i32,
    name: String,
    skill_id: i32,
    current: i16,
    target: Option<i16>,
    goal_target: Option<i16>,
}

impl HeatRowSql {
    /// The skill's target, or the development goal's when there is none or it is higher.
    fn cell(&self) -> HeatCell {
        match (self.target, self.goal_target) {
            (target, Some(goal)) if target.is_none_or(|t| goal > t) => HeatCell {
                current: self.current,
                target: Some(goal),
                target_from_goal: true,
            },
            (target, _) => HeatCell {
                current: self.current,
                target,
                target_from_goal: false,
            },
        }
    }
}

/// The heatmap's one query: a row per person and skill with a level, for the active
/// people below `reader_id` (everyone, with `everyone`), the reader left out, with the
/// skill's target and the highest target of a development goal in that skill in the
/// current cycle (`goals::development_targets_now`, joined as a subquery).
fn heatmap_query(reader_id: i32, everyone: bool) -> sea_orm::sea_query::SelectStatement {
    // Here, not for the module: its `max` would shadow `Ord::max` on numbers.
    use sea_orm::ExprTrait;
    let (p, l, t, g) = ("p", "l", "t", "g");
    let mut query = Query::select();
    query
        .distinct()
        .expr_as(Expr::col((p, person::Column::Id)), "person_id")
        .column((p, person::Column::Name))
        .column((l, skill_level::Column::SkillId))
        .column((l, skill_level::Column::Current))
        .expr_as(Expr::col((t, skill_target::Column::Level)), "target")
        .expr_as(Expr::col((g, "level")), "goal_target")
        .from_as(person::Entity, p)
        .join_as(
            sea_orm::JoinType::InnerJoin,
            skill_level::Entity,
            l,
            Expr::col((l, skill_level::Column::PersonId)).equals((p, person::Column::Id)),
        )
        .join_as(
            sea_orm::JoinType::LeftJoin,
            skill_target::Entity,
            t,
            Expr::col((t, skill_target::Column::PersonId))
                .equals((l, skill_level::Column::PersonId))
                .and(
                    Expr::col((t, skill_target::Column::SkillId))
                        .equals((l, skill_level::Column::SkillId)),
                ),
        )
        .join_subquery(
            sea_orm::JoinType::LeftJoin,
            crate::goals::development_targets_now(),
            g,
            Expr::col((g, "person_id"))
                .equals((l, skill_level::Column::PersonId))
                .and(Expr::col((g, "skill_id")).equals((l, skill_level::Column::SkillId))),
        )
        .and_where(Expr::col((p, person::Column::Active)).eq(true))
        .and_where(Expr::col((p, person::Column::Id)).ne(reader_id))
        .order_by((p, person::Column::Name), Order::Asc)
        .order_by((p, person::Column::Id), Order::Asc);
    if !everyone {
        query.and_where(people::below(reader_id).includes(Expr::col((p, person::Column::Id))));
    }
    query
}

/// People × skills for the people below the actor (everyone, for the cio): current level
/// and target per cell, in one query over one row per person and skill. Sorted by name,
/// or by the largest gap first.
/// Whether `actor` may open the team heatmap, for pages that offer the link.
pub fn may_view_team(actor: &Actor) -> bool {
    policy::allows(actor.principal(), Action::ViewTeam)
}

pub async fn team_heatmap(db: &Db, actor: &Actor, by_gap: bool) -> AppResult<Heatmap> {
    policy::check(actor.principal(), Action::ViewTeam)?;
    let everyone = policy::allows(actor.principal(), Action::ManagePeople);
    let query = heatmap_query(actor.person_id, everyone);
    let rows = HeatRowSql::find_by_statement(db.backend().build(&query))
        .all(db.conn())
        .await?;
    let catalog = list(db, actor, false).await?;
    let skills: Vec<Skill> = catalog
        .into_iter()
        .filter(|s| rows.iter().any(|r| r.skill_id == s.id))
        .collect();
    let mut heat: Vec<HeatRow> = Vec::new();
    for row in &rows {
        let index = skills.iter().position(|s| s.id == row.skill_id);
        if heat.last().is_none_or(|h| h.person.id != row.person_id) {
            heat.push(HeatRow {
                person: PersonRef {
                    id: row.person_id,
                    name: row.name.clone(),
                },
                cells: vec![None; skills.len()],
                largest_gap: 0,
            });
        }
        if let (Some(last), Some(index)) = (heat.last_mut(), index) {
            let cell = row.cell();
            last.largest_gap = last.largest_gap.max(cell.gap().unwrap_or(0));
            last.cells[index] = Some(cell);
        }
    }
    if by_gap {
        heat.sort_by(|a, b| {
            b.largest_gap
                .cmp(&a.largest_gap)
                .then_with(|| a.person.name.cmp(&b.person.name))
        });
    }
    Ok(Heatmap { skills, rows: heat })
}

/// Department figures for one skill, as one reader may see them: anyone but the cio sees
/// no figure that would describe fewer than k people, by itself or by subtraction from
/// another figure (`department_figures`).
#[derive(Debug, Clone)]
pub struct SkillFigures {
    pub skill: Skill,
    /// People assessed in the skill; 0 when withheld.
    pub people: i64,
    /// Set when a figure is withheld: it would describe fewer than this many people.
    pub fewer_than: Option<i64>,
    pub avg_baseline: Option<f64>,
    pub avg_current: Option<f64>,
    /// `None` when nobody has a target, or when withheld.
    pub avg_target: Option<f64>,
    /// People with a target; `None` when withheld.
    pub with_target: Option<i64>,
    /// Of those, the ones whose current level is at or above it; `None` when withheld.
    pub at_or_above_target: Option<i64>,
    /// How many people are currently at levels 1 to 5; `None` when withheld.
    pub distribution: Option<[i64; 5]>,
}

/// One active person's current level and target (0: none) in one skill: the reader's own
/// people, whom the figures give no cover.
#[derive(Debug, Clone, Copy, FromQueryResult)]
struct KnownLevel {
    skill_id: i32,
    person_id: i32,
    level: i16,
    target: i16,
}

/// The department's tallies per skill of the catalog, the same for every reader; each
/// reader gets the figures they may see from them.
#[derive(Debug, Default)]
pub struct DepartmentLevels(Vec<(Skill, Vec<tallies::Tally>)>);

/// How long the department's tallies are shared before they are read again (see `shared`).
pub const FIGURES_CACHE_TTL: std::time::Duration = std::time::Duration::from_secs(5);

/// The department's tallies, the same for every reader.
pub type FiguresCache = crate::shared::Shared<DepartmentLevels>;

/// Per skill, the department's average baseline, current and target levels, the share at
/// or above target and the distribution of levels, from the maintained tallies (a few
/// rows per skill, shared for a moment by every reader). Everyone signed in sees it; the
/// cio sees every figure, anyone else no figure about fewer than `k` people (two more
/// queries, uncached: whose levels the reader sees one by one, and those levels).
pub async fn department(
    db: &Db,
    cache: &FiguresCache,
    actor: &Actor,
    k: i64,
) -> AppResult<Vec<SkillFigures>> {
    policy::check(actor.principal(), Action::ReadPlan)?;
    let levels = cache.get_or_read(db, || read_levels(db)).await?;
    if policy::allows(actor.principal(), Action::ViewExactFigures) {
        return Ok(levels
            .0
            .iter()
            .map(|(skill, tallies)| department_figures(skill.clone(), tallies, None, k))
            .collect());
    }
    let seen = people::seen_one_by_one(db.conn(), actor).await?;
    let known = known_levels(db, &seen).await?;
    let reader = Reader::new(k, seen);
    Ok(levels
        .0
        .iter()
        .map(|(skill, tallies)| {
            let own: Vec<KnownLevel> = known
                .iter()
                .filter(|l| l.skill_id == skill.id)
                .copied()
                .collect();
            department_figures(skill.clone(), tallies, Some((&reader, &own)), k)
        })
        .collect())
}

async fn known_levels(db: &Db, people: &[i32]) -> AppResult<Vec<KnownLevel>> {
    if people.is_empty() {
        return Ok(Vec::new());
    }
    let mut p = crate::db::Params::new();
    let active = p.bind(true);
    let list = p.bind_all(people.iter().copied());
    let sql = format!(
        "SELECT l.skill_id, l.person_id, l.current AS level, CAST(COALESCE(t.level, 0) AS SMALLINT) AS target
         FROM skill_levels l
         JOIN people p ON p.id = l.person_id AND p.active = {active}
         LEFT JOIN skill_targets t ON t.person_id = l.person_id AND t.skill_id = l.skill_id
         WHERE l.person_id IN ({list})"
    );
    Ok(
        KnownLevel::find_by_statement(p.statement(db.backend(), sql))
            .all(db.conn())
            .await?,
    )
}

async fn read_levels(db: &Db) -> AppResult<DepartmentLevels> {
    let all = tallies::all(db.conn()).await?;
    let catalog = skill::Entity::find()
        .filter(skill::Column::Retired.eq(false))
        .order_by_asc(skill::Column::NameKey)
        .all(db.conn())
        .await?;
    let mut by_skill: std::collections::HashMap<i32, Vec<tallies::Tally>> =
        std::collections::HashMap::new();
    for tally in all {
        by_skill.entry(tally.skill_id).or_default().push(tally);
    }
    Ok(DepartmentLevels(
        catalog
            .into_iter()
            .map(|model| {
                let tallies = by_skill.remove(&model.id).unwrap_or_default();
                Ok((to_skill(model)?, tallies))
            })
            .collect::<AppResult<_>>()?,
    ))
}

/// A sum over a count, when anyone is counted.
fn mean(sum: i64, count: i64) -> Option<f64> {
    (count > 0).then(|| sum as f64 / count as f64)
}

/// One skill's figures from its tallies, as `reader` may see them (everything, without a
/// reader: the cio). `own` are the reader's own people's levels in the skill.
///
/// The table behind them: the people assessed, split by current level (the distribution,
/// shown whole or not at all, since the averages beside it would solve a partly hidden
/// one) and split into those with a target and those without (never shown, but people −
/// with a target); those with a target split into those at or above it and those below
/// (never shown, but the difference). So "1 of 1 at or above target" and a lone target
/// holder's "average" target are withheld, and so is a figure that would give them back.
///
/// Each cell is a union of tallies (one level and target each), so its members are the
/// reader's own people standing there, by id, and for everyone else in the tally a
/// stand-in that belongs to that tally only: a figure's cover is counted exactly as it
/// would be over everyone by id.
fn department_figures(
    skill: Skill,
    tallies: &[tallies::Tally],
    reader: Option<(&Reader, &[KnownLevel])>,
    k: i64,
) -> SkillFigures {
    let count = |of: &dyn Fn(&tallies::Tally) -> bool| -> i64 {
        tallies.iter().filter(|t| of(t)).map(|t| t.people).sum()
    };
    let weighted = |of: &dyn Fn(&tallies::Tally) -> i64| -> i64 {
        tallies.iter().map(|t| of(t) * t.people).sum()
    };
    let targeted = |t: &tallies::Tally| t.target > 0;
    let reached = |t: &tallies::Tally| t.target > 0 && t.level >= t.target;
    let people = count(&|_| true);
    let with_target = count(&targeted);
    let exact = SkillFigures {
        skill,
        people,
        fewer_than: None,
        avg_baseline: mean(tallies.iter().map(|t| t.baseline_sum).sum(), people),
        avg_current: mean(weighted(&|t| i64::from(t.level)), people),
        avg_target: mean(
            weighted(&|t| if targeted(t) { i64::from(t.target) } else { 0 }),
            with_target,
        ),
        with_target: Some(with_target),
        at_or_above_target: Some(count(&reached)),
        distribution: Some(std::array::from_fn(|i| {
            count(&|t| usize::try_from(t.level).is_ok_and(|l| l == i + 1))
        })),
    };
    let Some((reader, own)) = reader else {
        return exact;
    };
    // Each tally's members: the reader's own people there, then stand-ins (negative ids,
    // never a person's) for the rest.
    let mut stand_in: i32 = 0;
    let members: Vec<Vec<i32>> = tallies
        .iter()
        .map(|t| {
            let mut ids: Vec<i32> = own
                .iter()
                .filter(|l| l.level == t.level && l.target == t.target)
                .map(|l| l.person_id)
                .collect();
            let others = usize::try_from(t.people)
                .unwrap_or(0)
                .saturating_sub(ids.len());
            for _ in 0..others {
                stand_in -= 1;
                ids.push(stand_in);
            }
            ids
        })
        .collect();
    let people_in = |of: &dyn Fn(&tallies::Tally) -> bool| -> Vec<i32> {
        tallies
            .iter()
            .zip(&members)
            .filter(|(t, _)| of(t))
            .flat_map(|(_, ids)| ids.iter().copied())
            .collect()
    };
    let mut table = Table::new();
    let assessed = table.cell(people_in(&|_| true));
    let levels: Vec<CellId> = (1..=5)
        .map(|level| table.cell(people_in(&|t| t.level == level)))
        .collect();
    table.sum(assessed, levels.iter().copied());
    table.together(levels.iter().copied());
    let targeted_cell = table.cell(people_in(&targeted));
    let untargeted = table.unshown(people_in(&|t| !targeted(t)));
    table.sum(assessed, [targeted_cell, untargeted]);
    let reached_cell = table.cell(people_in(&reached));
    let below = table.unshown(people_in(&|t| targeted(t) && !reached(t)));
    table.sum(targeted_cell, [reached_cell, below]);
    let shown = table.decide(reader);
    if !shown.shows(assessed) {
        return SkillFigures {
            people: 0,
            fewer_than: Some(k),
            avg_baseline: None,
            avg_current: None,
            avg_target: None,
            with_target: None,
            at_or_above_target: None,
            distribution: None,
            ..exact
        };
    }
    let targets_shown = shown.shows(targeted_cell);
    let figures = SkillFigures {
        avg_target: exact.avg_target.filter(|_| targets_shown),
        with_target: exact.with_target.filter(|_| targets_shown),
        at_or_above_target: exact
            .at_or_above_target
            .filter(|_| targets_shown && shown.shows(reached_cell)),
        distribution: exact.distribution.filter(|_| shown.shows(levels[0])),
        ..exact
    };
    let withheld = figures.with_target.is_none()
        || figures.at_or_above_target.is_none()
        || figures.distribution.is_none();
    SkillFigures {
        fewer_than: withheld.then_some(k),
        ..figures
    }
}

/// One active person's standing in one skill over a period, for the summaries: their
/// baseline (first assessment), their latest level on or before the period's eve and on
/// or before its end (`None`: not assessed by then), and their target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, FromQueryResult)]
pub struct PeriodStanding {
    pub skill_id: i32,
    pub person_id: i32,
    pub baseline: i16,
    pub eve: Option<i16>,
    pub end: Option<i16>,
    pub target: Option<i16>,
}

/// The active people who stand alike in one skill over a period (same baseline, level
/// on the eve, level at the end and target): how many, and who, when they are fewer than
/// the `list_below` asked of `period_standings`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeriodGroup {
    pub skill_id: i32,
    pub baseline: i16,
    pub eve: Option<i16>,
    pub end: Option<i16>,
    pub target: Option<i16>,
    pub people: i64,
    pub listed: Option<Vec<i32>>,
}

#[derive(FromQueryResult)]
struct GroupRow {
    skill_id: i32,
    baseline: i16,
    eve: Option<i16>,
    end: Option<i16>,
    target: Option<i16>,
    people: i64,
    listed: Option<String>,
}

impl GroupRow {
    fn into_group(self) -> PeriodGroup {
        PeriodGroup {
            skill_id: self.skill_id,
            baseline: self.baseline,
            eve: self.eve,
            end: self.end,
            target: self.target,
            people: self.people,
            listed: self.listed.map(|ids| crate::db::listed_ids(&ids)),
        }
    }
}

/// The department's skills over a period, grouped (see `period_standings`), and the standings of
/// the people asked for one by one.
#[derive(Debug, Clone, Default)]
pub struct PeriodStandings {
    pub groups: Vec<PeriodGroup>,
    pub people: Vec<PeriodStanding>,
}

/// The skills of the catalog that are not retired, in name order (no policy: everyone
/// signed in reads the catalog). One query.
pub async fn catalog(conn: &impl sea_orm::ConnectionTrait) -> AppResult<Vec<Skill>> {
    skill::Entity::find()
        .filter(skill::Column::Retired.eq(false))
        .order_by_asc(skill::Column::NameKey)
        .all(conn)
        .await?
        .into_iter()
        .map(to_skill)
        .collect()
}

/// SQL for the level of the person and skill of `skill_levels l` in their latest
/// assessment whose date meets `on` (a condition on `e.assessed_on`, such as `<= $1`):
/// latest by date, then by id, as `skill_levels.current` is kept. One seek in
/// `skill_assessments_latest_idx`; NULL when there is none.
fn level_assessed_sql(on: &str) -> String {
    format!(
        "(SELECT e.level FROM skill_assessments e
          WHERE e.person_id = l.person_id AND e.skill_id = l.skill_id
            AND e.assessed_on {on}
          ORDER BY e.assessed_on DESC, e.id DESC LIMIT 1)"
    )
}

/// Every active person's standing in every skill they were assessed in by `end_day`
/// (no policy: the caller decides what a reader sees), in two queries whatever the
/// department's size: grouped by skill, baseline, the two levels and target, with the
/// people of each group listed when there are fewer than `list_below` of them; and the
/// standings of `people` one by one (the reader's own people). A level on a day is the
/// latest assessment on or before it (`skill_assessments_latest_idx` answers it with one
/// seek), or the maintained `skill_levels` when the day is today or later.
///
/// When the period is a review cycle (`cycle`; the days are then its eve and last day,
/// each no later than today), the same answer is read from the standings kept per cycle
/// (`standings`): a few thousand grouped rows instead of two seeks per person and skill.
pub async fn period_standings(
    conn: &impl sea_orm::ConnectionTrait,
    cycle: Option<i32>,
    eve_day: NaiveDate,
    end_day: NaiveDate,
    today: NaiveDate,
    people: &[i32],
    list_below: i64,
) -> AppResult<PeriodStandings> {
    if let Some(cycle_id) = cycle {
        return standings::read(conn, cycle_id, people, list_below).await;
    }
    let backend = conn.get_database_backend();
    let standing = |params: &mut crate::db::Params| {
        let mut level_on = |day: NaiveDate| {
            if day >= today {
                "l.current".to_owned()
            } else {
                let day = params.bind(day);
                level_assessed_sql(&format!("<= {day}"))
            }
        };
        let (eve, end) = (level_on(eve_day), level_on(end_day));
        let active = params.bind(true);
        format!(
            "SELECT l.skill_id, l.person_id, l.baseline, {eve} AS eve, {end} AS end_level,
                    t.level AS target
             FROM skill_levels l
             JOIN people p ON p.id = l.person_id AND p.active = {active}
             LEFT JOIN skill_targets t ON t.person_id = l.person_id AND t.skill_id = l.skill_id"
        )
    };
    let mut params = crate::db::Params::new();
    let inner = standing(&mut params);
    let below = params.bind(list_below);
    let listed = crate::db::id_list(backend, "s.person_id");
    let sql = format!(
        "SELECT s.skill_id, s.baseline, s.eve, s.end_level AS \"end\", s.target,
                COUNT(*) AS people,
                CASE WHEN COUNT(*) < {below} THEN {listed} END AS listed
         FROM ({inner}) s
         WHERE s.eve IS NOT NULL OR s.end_level IS NOT NULL
         GROUP BY s.skill_id, s.baseline, s.eve, s.end_level, s.target
         ORDER BY s.skill_id, s.baseline, s.eve, s.end_level, s.target"
    );
    let groups = GroupRow::find_by_statement(params.statement(backend, sql))
        .all(conn)
        .await?
        .into_iter()
        .map(GroupRow::into_group)
        .collect();
    let people = if people.is_empty() {
        Vec::new()
    } else {
        let mut params = crate::db::Params::new();
        let inner = standing(&mut params);
        let list = params.bind_all(people.iter().copied());
        let sql = format!(
            "SELECT s.skill_id, s.person_id, s.baseline, s.eve, s.end_level AS \"end\", s.target
             FROM ({inner}) s
             WHERE s.person_id IN ({list}) AND (s.eve IS NOT NULL OR s.end_level IS NOT NULL)
             ORDER BY s.skill_id, s.person_id"
        );
        PeriodStanding::find_by_statement(params.statement(backend, sql))
            .all(conn)
            .await?
    };
    Ok(PeriodStandings { groups, people })
}

/// Sets a person's target in a skill (a manager above them, or the cio), or proposes one
/// (the person, while no manager has set it).
pub async fn set_target(
    db: &Db,
    actor: &Actor,
    person_id: i32,
    skill_id: Option<i32>,
    level: Option<i64>,
    target_date: Option<NaiveDate>,
) -> AppResult<()> {
    let subject = subject_or_404(db, actor, person_id).await?;
    let proposing = subject.person_id == actor.person_id;
    if proposing {
        policy::check(actor.principal(), Action::WriteOwnRecords(&subject))?;
    } else {
        policy::check(actor.principal(), Action::ReviewPrivateRecords(&subject))?;
    }
    let mut errors = Errors::default();
    let target = parse_target(level, target_date, Utc::now().date_naive(), &mut errors);
    let txn = db.write().await?;
    txn.lock(&[format!("skill-target:{person_id}")]).await?;
    let skill_id = match skill_id {
        None => {
            errors.add("skill_id", "Choose a skill.");
            None
        }
        Some(id) => match skill::Entity::find_by_id(id).one(&txn).await? {
            None => {
                errors.add("skill_id", format!("There is no skill with id {id}."));
                None
            }
            Some(s) if s.retired => {
                errors.add("skill_id", format!("{} has been retired.", s.name));
                None
            }
            Some(s) => Some(s.id),
        },
    };
    let (Some((level, target_date)), Some(skill_id)) = (target, skill_id) else {
        return Err(errors.into_error());
    };
    errors.finish()?;
    let existing = skill_target::Entity::find()
        .filter(skill_target::Column::PersonId.eq(person_id))
        .filter(skill_target::Column::SkillId.eq(skill_id))
        .one(&txn)
        .await?;
    if proposing && existing.as_ref().is_some_and(|t| !t.proposed) {
        return Err(AppError::conflict(
            "Your manager has set this target; talk to them to change it.",
        ));
    }
    let mut model = match existing {
        Some(t) => t.into(),
        None => skill_target::ActiveModel {
            person_id: Set(person_id),
            skill_id: Set(skill_id),
            ..Default::default()
        },
    };
    model.level = Set(level.to_i16());
    model.target_date = Set(target_date);
    model.set_by_id = Set(actor.person_id);
    model.proposed = Set(proposing);
    model.updated_at = Set(Utc::now());
    model.save(&txn).await?;
    tallies::recount(&txn, &[skill_id]).await?;
    standings::refresh_people(&txn, &[person_id], Some(&[skill_id])).await?;
    txn.commit().await
}

/// A target's level and date, parsed; the date is optional (a target without a deadline).
fn parse_target(
    level: Option<i64>,
    target_date: Option<NaiveDate>,
    today: NaiveDate,
    errors: &mut Errors,
) -> Option<(Level, Option<NaiveDate>)> {
    let level = errors
        .present("level", level)
        .and_then(|l| errors.check("level", Level::parse(l)));
    let target_date = match target_date {
        Some(date) if date < today => {
            errors.add("target_date", "A target date is in the future.");
            None
        }
        date => Some(date),
    };
    Some((level?, target_date?))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Fields and messages, in order.
    type Problems<'a> = Vec<(&'a str, &'a str)>;

    fn problems(errors: &Errors) -> Problems<'_> {
        errors
            .0
            .iter()
            .map(|e| (e.field.as_str(), e.message.as_str()))
            .collect()
    }

    #[test]
    fn categories_and_sources_are_labelled_words() {
        crate::validate::assert_labelled::<SkillCategory>();
        crate::validate::assert_labelled::<Source>();
        assert_eq!(Source::Own.as_str(), "self");
        assert_eq!(Source::parse_word("manager"), Ok(Source::Manager));
        assert_eq!(
            SkillCategory::parse_word("soft"),
            Err("Choose one of: technical, communication, service.".to_owned())
        );
    }

    #[test]
    fn a_new_skill_takes_the_default_scale_where_levels_are_blank() {
        let input = SkillInput {
            name: Some("  Networking ".into()),
            category: Some("technical".into()),
            levels: Some(vec![
                " Knows ".into(),
                String::new(),
                " ".into(),
                String::new(),
                "Teaches".into(),
            ]),
            ..SkillInput::default()
        };
        let mut errors = Errors::default();
        let new = input.parse_new(&mut errors).unwrap();
        assert!(errors.is_empty());
        assert_eq!(new.name.as_str(), "Networking");
        assert_eq!(new.description.as_str(), "");
        assert_eq!(new.levels[0], "Knows");
        assert_eq!(new.levels[1], DEFAULT_LEVELS[1]);
        assert_eq!(new.levels[2], DEFAULT_LEVELS[2]);
        assert_eq!(new.levels[4], "Teaches");
        let no_levels = SkillInput {
            levels: None,
            ..input
        };
        assert_eq!(
            no_levels.parse_new(&mut errors).unwrap().levels,
            DEFAULT_LEVELS.map(str::to_owned)
        );
    }

    #[test]
    fn bad_skills_name_each_field() {
        let five = |third: &str| {
            Some(vec![
                "a".into(),
                "b".into(),
                third.into(),
                "d".into(),
                "e".into(),
            ])
        };
        #[rustfmt::skip]
        let cases: Vec<(SkillInput, Problems)> = vec![
            (SkillInput::default(), vec![("name", "This cannot be empty."), ("category", "Choose one of: technical, communication, service.")]),
            (SkillInput { name: Some("x".repeat(201)), category: Some("technical".into()), ..SkillInput::default() }, vec![("name", "Use at most 200 characters.")]),
            (SkillInput { name: Some("N".into()), category: Some("technical".into()), levels: Some(vec!["a".into()]), ..SkillInput::default() }, vec![("levels", "Describe exactly five levels, from 1 to 5.")]),
            (SkillInput { name: Some("N".into()), category: Some("technical".into()), levels: five(&"x".repeat(1001)), ..SkillInput::default() }, vec![("levels[2]", "Use at most 1000 characters.")]),
            (SkillInput { name: Some("N".into()), category: Some("technical".into()), levels: five("bell\u{7}"), ..SkillInput::default() }, vec![("levels[2]", "Remove the invisible control character U+0007; it cannot be shown.")]),
        ];
        for (input, expected) in cases {
            let mut errors = Errors::default();
            assert!(input.parse_new(&mut errors).is_none(), "{input:?}");
            assert_eq!(problems(&errors), expected, "{input:?}");
        }
    }

    #[test]
    fn changes_leave_what_was_not_given() {
        let mut errors = Errors::default();
        let changes = SkillInput {
            retired: Some(true),
            ..SkillInput::default()
        }
        .parse_changes(&mut errors)
        .unwrap();
        assert_eq!(
            changes,
            SkillChanges {
                name: None,
                category: None,
                description: None,
                levels: None,
                retired: Some(true),
            }
        );
        let wrong = SkillInput {
            name: Some(" ".into()),
            category: Some("soft".into()),
            ..SkillInput::default()
        };
        assert!(wrong.parse_changes(&mut errors).is_none());
        assert_eq!(
            problems(&errors),
            [
                ("name", "This cannot be empty."),
                (
                    "category",
                    "Choose one of: technical, communication, service."
                )
            ]
        );
    }

    fn catalog_entry(id: i32, name: &str, retired: bool) -> skill::Model {
        let now = Utc::now();
        skill::Model {
            id,
            name: name.into(),
            name_key: name.to_lowercase(),
            category: "technical".into(),
            description: String::new(),
            level1: String::new(),
            level2: String::new(),
            level3: String::new(),
            level4: String::new(),
            level5: String::new(),
            retired,
            created_at: now,
            updated_at: now,
        }
    }

    #[test]
    fn assessments_parse_against_the_catalog() {
        let catalog = [
            catalog_entry(1, "Networking", false),
            catalog_entry(2, "Fax", true),
        ];
        let today = NaiveDate::from_ymd_opt(2026, 3, 2).unwrap();
        let item = |skill_id: Option<i32>, level: Option<i64>| AssessmentInput {
            skill_id,
            level,
            ..AssessmentInput::default()
        };
        let mut errors = Errors::default();
        let parsed =
            parse_assessments(&[item(Some(1), Some(3))], &catalog, today, &mut errors).unwrap();
        assert_eq!(
            (parsed[0].level.get(), parsed[0].assessed_on),
            (3, today),
            "today by default"
        );
        #[rustfmt::skip]
        let cases: Vec<(Vec<AssessmentInput>, Problems)> = vec![
            (vec![], vec![("assessments", "Assess at least one skill.")]),
            (vec![item(None, Some(3))], vec![("assessments[0].skill_id", "Choose a skill.")]),
            (vec![item(Some(9), Some(3))], vec![("assessments[0].skill_id", "There is no skill with id 9.")]),
            (vec![item(Some(2), Some(3))], vec![("assessments[0].skill_id", "Fax has been retired.")]),
            (vec![item(Some(1), Some(3)), item(Some(1), Some(4))], vec![("assessments[1].skill_id", "This skill is already in the list.")]),
            (vec![item(Some(1), None)], vec![("assessments[0].level", "This is required.")]),
            (vec![item(Some(1), Some(6))], vec![("assessments[0].level", "Use a number from 1 to 5.")]),
            (vec![AssessmentInput { assessed_on: today.succ_opt(), ..item(Some(1), Some(3)) }], vec![("assessments[0].assessed_on", "An assessment cannot be dated in the future.")]),
            (vec![AssessmentInput { assessed_on: NaiveDate::from_ymd_opt(1999, 12, 31), ..item(Some(1), Some(3)) }], vec![("assessments[0].assessed_on", "Give a date from 2000 on.")]),
            (vec![AssessmentInput { note: Some("nul\u{0}".into()), ..item(Some(1), Some(3)) }], vec![("assessments[0].note", "Remove the invisible control character U+0000; it cannot be shown.")]),
        ];
        for (items, expected) in cases {
            let mut errors = Errors::default();
            assert!(
                parse_assessments(&items, &catalog, today, &mut errors).is_none(),
                "{items:?}"
            );
            assert_eq!(problems(&errors), expected, "{items:?}");
        }
    }

    #[test]
    fn a_target_has_a_level_and_no_past_date() {
        let today = NaiveDate::from_ymd_opt(2026, 3, 2).unwrap();
        let mut errors = Errors::default();
        assert_eq!(
            parse_target(Some(4), None, today, &mut errors).map(|(l, d)| (l.get(), d)),
            Some((4, None))
        );
        let yesterday = today.pred_opt();
        assert!(parse_target(None, yesterday, today, &mut errors).is_none());
        assert!(parse_target(Some(9), Some(today), today, &mut errors).is_none());
        assert_eq!(
            problems(&errors),
            [
                ("level", "This is required."),
                ("target_date", "A target date is in the future."),
                ("level", "Use a number from 1 to 5.")
            ]
        );
    }
}
