//! Skills: the catalog the department assesses itself against, technical skills and the
//! communication and service skills that keep "geek speak" away from clients. The cio
//! keeps the catalog; everyone signed in reads it. A skill in use is retired, not deleted.
//!
//! Assessments, targets, gaps and trends build on this catalog (see the skills issue).

pub mod api;
pub mod pages;

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, Set,
};

use crate::{
    auth::Actor,
    db::Db,
    entities::{performance_goal, skill, skill_assessment, skill_target},
    error::{AppError, AppResult},
    policy::{self, Action, Decision},
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
    policy::decide(actor.principal(), Action::ManageSkills) == Decision::Allow
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
        + performance_goal::Entity::find()
            .filter(performance_goal::Column::SkillId.eq(id))
            .count(&*txn)
            .await?;
    if uses > 0 {
        return Err(AppError::conflict(format!(
            "This skill is in use ({uses} assessments, targets or goals), so it cannot be deleted; retire it instead."
        )));
    }
    skill::Entity::delete_by_id(id).exec(&*txn).await?;
    txn.commit().await
}
