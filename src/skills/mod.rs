//! Skills: the catalog the department assesses itself against, technical skills and the
//! communication and service skills that keep "geek speak" away from clients. The cio
//! keeps the catalog; everyone signed in reads it. A skill in use is retired, not deleted.
//!
//! Assessments, targets, gaps and trends build on this catalog (see the skills issue).

pub mod api;
mod import;
pub mod pages;

pub use import::{IMPORT_MAX_BYTES, ImportSummary, import_baseline};

use chrono::{Datelike, NaiveDate, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, FromQueryResult, PaginatorTrait, QueryFilter,
    QueryOrder, Set,
    prelude::Expr,
    sea_query::{Order, Query},
};

use crate::{
    auth::Actor,
    db::Db,
    entities::{person, skill, skill_assessment, skill_level, skill_target},
    error::{AppError, AppResult},
    goals,
    people::{self, PersonRef},
    policy::{self, Action, Subject},
    validate::{Errors, TEXT_MAX, TITLE_MAX},
};

pub const LEVEL_TEXT_MAX: usize = 1_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SkillCategory {
    Technical,
    Communication,
    Service,
}

impl SkillCategory {
    pub const OPTIONS: [(&'static str, SkillCategory); 3] = [
        ("technical", SkillCategory::Technical),
        ("communication", SkillCategory::Communication),
        ("service", SkillCategory::Service),
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            SkillCategory::Technical => "technical",
            SkillCategory::Communication => "communication",
            SkillCategory::Service => "service",
        }
    }

    fn from_db(value: &str) -> AppResult<SkillCategory> {
        Self::OPTIONS
            .iter()
            .find(|(w, _)| *w == value)
            .map(|(_, c)| *c)
            .ok_or_else(|| AppError::internal(anyhow::anyhow!("unknown skill category {value:?}")))
    }
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
        category: SkillCategory::from_db(&model.category)?,
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

struct ValidSkill {
    name: Option<String>,
    category: Option<SkillCategory>,
    description: Option<String>,
    levels: Option<[String; 5]>,
}

fn validate(input: &SkillInput, creating: bool, errors: &mut Errors) -> ValidSkill {
    let name = if creating || input.name.is_some() {
        errors.required("name", input.name.as_deref(), TITLE_MAX)
    } else {
        None
    };
    let category = if creating || input.category.is_some() {
        errors.one_of(
            "category",
            input.category.as_deref(),
            &SkillCategory::OPTIONS,
        )
    } else {
        None
    };
    let levels = match &input.levels {
        None if creating => Some(DEFAULT_LEVELS.map(str::to_owned)),
        None => None,
        Some(given) if given.len() != 5 => {
            errors.add("levels", "Describe exactly five levels, from 1 to 5.");
            None
        }
        Some(given) => {
            let mut levels = DEFAULT_LEVELS.map(str::to_owned);
            let mut ok = true;
            for (i, text) in given.iter().enumerate() {
                let text = text.trim();
                if text.chars().count() > LEVEL_TEXT_MAX {
                    errors.add(
                        format!("levels[{i}]"),
                        format!("Use at most {LEVEL_TEXT_MAX} characters."),
                    );
                    ok = false;
                } else if let Some(message) = crate::validate::unprintable_in(text) {
                    errors.add(format!("levels[{i}]"), message);
                    ok = false;
                } else if !text.is_empty() {
                    levels[i] = text.to_owned();
                }
            }
            ok.then_some(levels)
        }
    };
    ValidSkill {
        name,
        category,
        description: input
            .description
            .as_deref()
            .and_then(|d| errors.optional("description", Some(d), TEXT_MAX)),
        levels,
    }
}

fn duplicate_name() -> AppError {
    AppError::conflict_on("name", "The catalog already has a skill with this name.")
}

async fn name_taken(db: &crate::db::WriteTxn, key: &str, except: Option<i32>) -> AppResult<bool> {
    let mut query = skill::Entity::find().filter(skill::Column::NameKey.eq(key));
    if let Some(id) = except {
        query = query.filter(skill::Column::Id.ne(id));
    }
    Ok(query.count(&**db).await? > 0)
}

pub async fn create(db: &Db, actor: &Actor, input: SkillInput) -> AppResult<Skill> {
    policy::check(actor.principal(), Action::ManageSkills)?;
    let mut errors = Errors::default();
    let valid = validate(&input, true, &mut errors);
    errors.finish()?;
    let (Some(name), Some(category), Some(levels)) = (valid.name, valid.category, valid.levels)
    else {
        return Err(AppError::internal(anyhow::anyhow!(
            "validated skill fields missing"
        )));
    };
    let key = name.to_lowercase();
    let txn = db.write().await?;
    if name_taken(&txn, &key, None).await? {
        return Err(duplicate_name());
    }
    let now = Utc::now();
    let [level1, level2, level3, level4, level5] = levels;
    let model = skill::ActiveModel {
        name: Set(name),
        name_key: Set(key),
        category: Set(category.as_str().to_owned()),
        description: Set(valid.description.unwrap_or_default()),
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
    .insert(&*txn)
    .await
    .map_err(|err| {
        AppError::on_unique(
            err,
            "skills_name_key_key",
            "skills.name_key",
            duplicate_name,
        )
    })?;
    txn.commit().await?;
    to_skill(model)
}

pub async fn update(db: &Db, actor: &Actor, id: i32, input: SkillInput) -> AppResult<Skill> {
    policy::check(actor.principal(), Action::ManageSkills)?;
    let mut errors = Errors::default();
    let valid = validate(&input, false, &mut errors);
    errors.finish()?;
    let txn = db.write().await?;
    let existing = skill::Entity::find_by_id(id)
        .one(&*txn)
        .await?
        .ok_or(AppError::NotFound)?;
    if let Some(name) = &valid.name
        && name_taken(&txn, &name.to_lowercase(), Some(id)).await?
    {
        return Err(duplicate_name());
    }
    let mut model: skill::ActiveModel = existing.into();
    if let Some(name) = valid.name {
        model.name_key = Set(name.to_lowercase());
        model.name = Set(name);
    }
    if let Some(category) = valid.category {
        model.category = Set(category.as_str().to_owned());
    }
    if let Some(description) = valid.description {
        model.description = Set(description);
    }
    if let Some([level1, level2, level3, level4, level5]) = valid.levels {
        model.level1 = Set(level1);
        model.level2 = Set(level2);
        model.level3 = Set(level3);
        model.level4 = Set(level4);
        model.level5 = Set(level5);
    }
    if let Some(retired) = input.retired {
        model.retired = Set(retired);
    }
    model.updated_at = Set(Utc::now());
    let model = model.update(&*txn).await.map_err(|err| {
        AppError::on_unique(
            err,
            "skills_name_key_key",
            "skills.name_key",
            duplicate_name,
        )
    })?;
    txn.commit().await?;
    to_skill(model)
}

/// Deletes a skill nobody has used; one with assessments, targets or goals is retired instead.
pub async fn delete(db: &Db, actor: &Actor, id: i32) -> AppResult<()> {
    policy::check(actor.principal(), Action::ManageSkills)?;
    let txn = db.write().await?;
    skill::Entity::find_by_id(id)
        .one(&*txn)
        .await?
        .ok_or(AppError::NotFound)?;
    let uses = skill_assessment::Entity::find()
        .filter(skill_assessment::Column::SkillId.eq(id))
        .count(&*txn)
        .await?
        + skill_target::Entity::find()
            .filter(skill_target::Column::SkillId.eq(id))
            .count(&*txn)
            .await?
        + goals::count_by_skill(&*txn, id).await?;
    if uses > 0 {
        return Err(AppError::conflict(format!(
            "This skill is in use ({uses} assessments, targets or goals), so it cannot be deleted; retire it instead."
        )));
    }
    skill::Entity::delete_by_id(id).exec(&*txn).await?;
    txn.commit().await
}

// ---------------------------------------------------------------------------------------
// Assessments and targets: a person's levels are private to them, their manager chain and
// the cio (404 to anyone else).

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// The person assessed themselves.
    Own,
    /// A manager above them, or the cio, assessed them.
    Manager,
}

impl Source {
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Own => "self",
            Source::Manager => "manager",
        }
    }

    fn from_db(value: &str) -> Source {
        if value == "manager" {
            Source::Manager
        } else {
            Source::Own
        }
    }
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
    let track = |skill_id: i32, source: Source| -> Option<Track> {
        let history: Vec<Assessment> = rows
            .iter()
            .filter(|r| r.skill_id == skill_id && Source::from_db(&r.source) == source)
            .map(|r| Assessment {
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
    let mut errors = Errors::default();
    if items.is_empty() {
        errors.add("assessments", "Assess at least one skill.");
    }
    let today = Utc::now().date_naive();
    let txn = db.write().await?;
    let catalog = skill::Entity::find().all(&*txn).await?;
    let mut rows = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let at = format!("assessments[{i}]");
        match item.skill_id {
            None => errors.add(format!("{at}.skill_id"), "Choose a skill."),
            Some(id) => match catalog.iter().find(|s| s.id == id) {
                None => errors.add(
                    format!("{at}.skill_id"),
                    format!("There is no skill with id {id}."),
                ),
                Some(s) if s.retired => errors.add(
                    format!("{at}.skill_id"),
                    format!("{} has been retired.", s.name),
                ),
                Some(_)
                    if items[..i]
                        .iter()
                        .any(|earlier| earlier.skill_id == Some(id)) =>
                {
                    errors.add(
                        format!("{at}.skill_id"),
                        "This skill is already in the list.",
                    )
                }
                Some(_) => {}
            },
        }
        let level = errors
            .present(&format!("{at}.level"), item.level)
            .and_then(|l| errors.in_range(&format!("{at}.level"), l, 1, 5));
        let assessed_on = item.assessed_on.unwrap_or(today);
        if assessed_on > today {
            errors.add(
                format!("{at}.assessed_on"),
                "An assessment cannot be dated in the future.",
            );
        } else if assessed_on.year() < 2000 {
            errors.add(format!("{at}.assessed_on"), "Give a date from 2000 on.");
        }
        let note = errors.optional(&format!("{at}.note"), item.note.as_deref(), TEXT_MAX);
        rows.push((item.skill_id, level, assessed_on, note));
    }
    errors.finish()?;
    let now = Utc::now();
    for (skill_id, level, assessed_on, note) in rows {
        let inserted = skill_assessment::ActiveModel {
            person_id: Set(person_id),
            skill_id: Set(skill_id.unwrap_or_default()),
            level: Set(level.and_then(|l| i16::try_from(l).ok()).unwrap_or(1)),
            source: Set(source.as_str().to_owned()),
            assessor_id: Set(actor.person_id),
            assessed_on: Set(assessed_on),
            note: Set(note.unwrap_or_default()),
            created_at: Set(now),
            ..Default::default()
        }
        .insert(&*txn)
        .await?;
        keep_level(&*txn, &inserted).await?;
    }
    txn.commit().await?;
    Ok(items.len())
}

/// Folds a new assessment into the person's baseline and current level for the skill
/// (first and latest by date, the later entry winning a tie).
async fn keep_level(
    conn: &impl sea_orm::ConnectionTrait,
    a: &skill_assessment::Model,
) -> AppResult<()> {
    let existing = skill_level::Entity::find_by_id((a.person_id, a.skill_id))
        .one(conn)
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
        .insert(conn)
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
    model.update(conn).await?;
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
    pub target: Option<i16>,
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
}

/// The heatmap's one query: a row per person and skill with a level, for the active
/// people below `reader_id` (everyone, with `everyone`), the reader left out.
fn heatmap_query(reader_id: i32, everyone: bool) -> sea_orm::sea_query::SelectStatement {
    // Here, not for the module: its `max` would shadow `Ord::max` on numbers.
    use sea_orm::ExprTrait;
    let (p, l, t) = ("p", "l", "t");
    let mut query = Query::select();
    query
        .distinct()
        .expr_as(Expr::col((p, person::Column::Id)), "person_id")
        .column((p, person::Column::Name))
        .column((l, skill_level::Column::SkillId))
        .column((l, skill_level::Column::Current))
        .expr_as(Expr::col((t, skill_target::Column::Level)), "target")
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
            let cell = HeatCell {
                current: row.current,
                target: row.target,
            };
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

/// Department figures for one skill. Groups of fewer than k people show no figures.
#[derive(Debug, Clone)]
pub struct SkillFigures {
    pub skill: Skill,
    pub people: i64,
    pub fewer_than: Option<i64>,
    pub avg_baseline: Option<f64>,
    pub avg_current: Option<f64>,
    pub avg_target: Option<f64>,
    pub with_target: i64,
    pub at_or_above_target: i64,
    /// How many people are currently at levels 1 to 5.
    pub distribution: [i64; 5],
}

#[derive(FromQueryResult)]
struct FiguresRow {
    skill_id: i32,
    people: i64,
    avg_baseline: Option<f64>,
    avg_current: Option<f64>,
    avg_target: Option<f64>,
    with_target: i64,
    at_target: i64,
    level1: i64,
    level2: i64,
    level3: i64,
    level4: i64,
    level5: i64,
}

/// How long the department's figures are shared before they are read again (see `shared`).
pub const FIGURES_CACHE_TTL: std::time::Duration = std::time::Duration::from_secs(5);

/// The department's figures, the same for every reader.
pub type FiguresCache = crate::shared::Shared<Vec<SkillFigures>>;

/// Per skill, the department's average baseline, current and target levels, the share at
/// or above target and the distribution of levels: one aggregate query over one row per
/// person and skill, shared for a moment by every reader. Everyone signed in sees it; any
/// group of fewer than `k` people is shown as "fewer than k" with no figures.
pub async fn department(
    db: &Db,
    cache: &FiguresCache,
    actor: &Actor,
    k: i64,
) -> AppResult<std::sync::Arc<Vec<SkillFigures>>> {
    policy::check(actor.principal(), Action::ReadPlan)?;
    cache.get_or_read(db, || read_figures(db, k)).await
}

async fn read_figures(db: &Db, k: i64) -> AppResult<Vec<SkillFigures>> {
    let sql = "SELECT l.skill_id, COUNT(*) AS people,
            AVG(CAST(l.baseline AS DOUBLE PRECISION)) AS avg_baseline,
            AVG(CAST(l.current AS DOUBLE PRECISION)) AS avg_current,
            AVG(CAST(t.level AS DOUBLE PRECISION)) AS avg_target,
            COUNT(t.level) AS with_target,
            SUM(CASE WHEN t.level IS NOT NULL AND l.current >= t.level THEN 1 ELSE 0 END) AS at_target,
            SUM(CASE WHEN l.current = 1 THEN 1 ELSE 0 END) AS level1,
            SUM(CASE WHEN l.current = 2 THEN 1 ELSE 0 END) AS level2,
            SUM(CASE WHEN l.current = 3 THEN 1 ELSE 0 END) AS level3,
            SUM(CASE WHEN l.current = 4 THEN 1 ELSE 0 END) AS level4,
            SUM(CASE WHEN l.current = 5 THEN 1 ELSE 0 END) AS level5
        FROM skill_levels l
        JOIN people p ON p.id = l.person_id AND p.active = $1
        LEFT JOIN skill_targets t ON t.person_id = l.person_id AND t.skill_id = l.skill_id
        GROUP BY l.skill_id";
    let rows = FiguresRow::find_by_statement(sea_orm::Statement::from_sql_and_values(
        db.backend(),
        sql,
        [true.into()],
    ))
    .all(db.conn())
    .await?;
    let catalog = skill::Entity::find()
        .filter(skill::Column::Retired.eq(false))
        .order_by_asc(skill::Column::NameKey)
        .all(db.conn())
        .await?;
    catalog
        .into_iter()
        .map(|model| {
            let skill = to_skill(model)?;
            let row = rows.iter().find(|r| r.skill_id == skill.id);
            let people = row.map_or(0, |r| r.people);
            match row {
                Some(r) if people >= k => Ok(SkillFigures {
                    skill,
                    people,
                    fewer_than: None,
                    avg_baseline: r.avg_baseline,
                    avg_current: r.avg_current,
                    avg_target: r.avg_target,
                    with_target: r.with_target,
                    at_or_above_target: r.at_target,
                    distribution: [r.level1, r.level2, r.level3, r.level4, r.level5],
                }),
                _ => Ok(SkillFigures {
                    skill,
                    people: 0,
                    fewer_than: (people > 0).then_some(k),
                    avg_baseline: None,
                    avg_current: None,
                    avg_target: None,
                    with_target: 0,
                    at_or_above_target: 0,
                    distribution: [0; 5],
                }),
            }
        })
        .collect()
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
    let level = errors
        .present("level", level)
        .and_then(|l| errors.in_range("level", l, 1, 5));
    if let Some(date) = target_date
        && date < Utc::now().date_naive()
    {
        errors.add("target_date", "A target date is in the future.");
    }
    let txn = db.write().await?;
    txn.lock(&[format!("skill-target:{person_id}")]).await?;
    match skill_id {
        None => errors.add("skill_id", "Choose a skill."),
        Some(id) => match skill::Entity::find_by_id(id).one(&*txn).await? {
            None => errors.add("skill_id", format!("There is no skill with id {id}.")),
            Some(s) if s.retired => errors.add("skill_id", format!("{} has been retired.", s.name)),
            Some(_) => {}
        },
    }
    errors.finish()?;
    let (Some(skill_id), Some(level)) = (skill_id, level.and_then(|l| i16::try_from(l).ok()))
    else {
        return Err(AppError::internal(anyhow::anyhow!(
            "validated target missing"
        )));
    };
    let existing = skill_target::Entity::find()
        .filter(skill_target::Column::PersonId.eq(person_id))
        .filter(skill_target::Column::SkillId.eq(skill_id))
        .one(&*txn)
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
    model.level = Set(level);
    model.target_date = Set(target_date);
    model.set_by_id = Set(actor.person_id);
    model.proposed = Set(proposing);
    model.updated_at = Set(Utc::now());
    model.save(&*txn).await?;
    txn.commit().await
}
