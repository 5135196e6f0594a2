//! A believable IT department to explore staffdev with: about 25 people in three teams, a
//! strategic plan, a closed review cycle whose self-evaluations were all written and
//! reviewed inside its year, a cycle in progress, and a year of recognition (a trophy
//! whose notebook has passed through most of the department, a few hundred kudos, a dozen
//! compliments and some announcements), and a year of meetings (four quarterly meetings
//! and a retreat held, the next quarterly published), and the advisory committee's ideas
//! with the cio's answers. Everything goes through the same services as the pages and
//! the API, so it obeys the same rules; the services that stamp what people do (goals
//! proposed and agreed, self-evaluations submitted and reviewed, recognition) are passed
//! moments of the demo's past.
//!
//! This file loads; the data is apart: the department in `data`, the year of recognition's
//! texts in `texts`, and their loading in `recognition`.

mod data;
mod feedback;
mod ideas;
mod meetings;
mod notifications;
mod recognition;
mod report;
mod texts;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use sea_orm::{EntityTrait, PaginatorTrait};

use self::data::{GOAL_IDEAS, PLAN_GOALS, SKILLS, TEAMS, VALUES};
use crate::validate::Word;
use crate::{
    auth::Actor,
    cycles::{self, CycleInput},
    db::Db,
    entities::person,
    error::{AppError, AppResult},
    goals::{self, Assignees, GoalInput},
    people::{self, PersonInput, Role},
    plan::{self, PartInput, PlanInput},
    reviews::{self, EntryInput, EvaluationInput, Evidence, ProposalInput},
    skills::{self, AssessmentInput, SkillInput},
};

/// Every demo account has this password.
pub const PASSWORD: &str = "staffdev-demo";
pub const CIO_EMAIL: &str = "morgan.reyes@example.org";
pub const LEAD_EMAIL: &str = "priya.shah@example.org";
pub const STAFF_EMAIL: &str = "sam.ito@example.org";

/// How to sign in to the demo, for the terminal.
pub fn sign_in_help(base_url: &str) -> String {
    format!(
        "Demo department loaded. Sign in at {base_url}sign-in as\n  \
         {CIO_EMAIL} (the cio), {LEAD_EMAIL} (a team lead) or {STAFF_EMAIL} (staff);\n  \
         every demo password is {PASSWORD:?}."
    )
}

/// Whether the database holds nobody yet, so demo data may go in.
pub async fn is_empty(db: &Db) -> AppResult<bool> {
    Ok(person::Entity::find().count(db.conn()).await? == 0)
}

fn email_of(name: &str) -> String {
    format!("{}@example.org", name.to_lowercase().replace(' ', "."))
}

fn date(y: i32, m: u32, d: u32) -> AppResult<NaiveDate> {
    NaiveDate::from_ymd_opt(y, m, d)
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("bad demo date")))
}

/// A moment of the demo's story: noon (UTC) on that day, `later` days on. The services
/// that stamp what people do are handed these, so last year's work carries last year's
/// dates.
fn moment(y: i32, m: u32, d: u32, later: usize) -> AppResult<DateTime<Utc>> {
    let noon = date(y, m, d)?
        .and_hms_opt(12, 0, 0)
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("bad demo time")))?;
    Ok(noon.and_utc() + Duration::days(i64::try_from(later).unwrap_or(0)))
}

fn actor(id: i32, name: &str, role: Role, is_manager: bool) -> Actor {
    Actor {
        person_id: id,
        name: name.to_owned(),
        email: email_of(name),
        role,
        is_manager,
        csrf_token: None,
        session_id: None,
    }
}

async fn add(
    db: &Db,
    name: &str,
    title: &str,
    team: &str,
    role: Role,
    manager: Option<i32>,
) -> AppResult<i32> {
    Ok(people::create_unchecked(
        db,
        PersonInput {
            email: Some(email_of(name)),
            name: Some(name.to_owned()),
            job_title: Some(title.to_owned()),
            team: Some(team.to_owned()),
            role: Some(role.as_str().to_owned()),
            manager_id: manager,
            password: Some(PASSWORD.to_owned()),
        },
    )
    .await?
    .id)
}

/// Loads the demo department into an empty database.
pub async fn load(db: &Db) -> AppResult<()> {
    if !is_empty(db).await? {
        return Err(AppError::conflict(
            "The database already has people in it; demo data only goes into an empty database.",
        ));
    }
    let cio_id = add(
        db,
        "Morgan Reyes",
        "Chief Information Officer",
        "Leadership",
        Role::Cio,
        None,
    )
    .await?;
    let cio = actor(cio_id, "Morgan Reyes", Role::Cio, true);
    let beth_id = add(
        db,
        "Beth Carter",
        "Office Manager",
        "Leadership",
        Role::Staff,
        Some(cio_id),
    )
    .await?;
    let faculty_id = add(
        db,
        "Alan Grant",
        "Advisory Committee (Faculty)",
        "Advisory Committee",
        Role::Advisor,
        None,
    )
    .await?;
    let student_id = add(
        db,
        "Sofia Lind",
        "Advisory Committee (Students)",
        "Advisory Committee",
        Role::Advisor,
        None,
    )
    .await?;

    // Everyone active in the department (the advisors are not).
    let mut roster: Vec<Actor> = vec![
        cio.clone(),
        actor(beth_id, "Beth Carter", Role::Staff, false),
    ];
    let mut leads = Vec::new();
    let mut staff = Vec::new();
    for (team, lead, members) in &TEAMS {
        let lead_id = add(db, lead.name, lead.title, team, Role::Staff, Some(cio_id)).await?;
        let lead_actor = actor(lead_id, lead.name, Role::Staff, true);
        roster.push(lead_actor.clone());
        leads.push((lead_actor, *team));
        for member in members {
            let id = add(
                db,
                member.name,
                member.title,
                team,
                Role::Staff,
                Some(lead_id),
            )
            .await?;
            let member_actor = actor(id, member.name, Role::Staff, false);
            roster.push(member_actor.clone());
            staff.push((member_actor, lead_id));
        }
    }

    // The plan.
    let plan = plan::create(
        db,
        &cio,
        PlanInput {
            title: Some("IT Strategic Plan 2025–2028".into()),
            start_year: Some(2025),
            end_year: Some(2028),
            mission: Some(
                "We make technology work for the people we serve: reliably, proactively and in words they understand."
                    .into(),
            ),
            vision: Some("An IT department known across campus for its service.".into()),
            values: Some(VALUES.map(String::from).to_vec()),
            status: Some("active".into()),
        },
    )
    .await?;
    for (title, description, objectives) in PLAN_GOALS {
        let goal_id = plan::add_goal(
            db,
            &cio,
            plan.id,
            PartInput {
                title: Some(title.into()),
                detail: Some(description.into()),
                ..Default::default()
            },
        )
        .await?;
        for (objective, measure) in objectives {
            plan::add_objective(
                db,
                &cio,
                goal_id,
                PartInput {
                    title: Some((*objective).into()),
                    detail: Some((*measure).into()),
                    ..Default::default()
                },
            )
            .await?;
        }
    }
    let objectives = plan::objectives_of(db.conn(), plan.id).await?;
    let objective_id = |code: &str| objectives.iter().find(|o| o.code == code).map(|o| o.id);

    // Last year's cycle, walked through to the end.
    let last = cycles::open(
        db,
        &cio,
        CycleInput {
            name: Some("2025–26".into()),
            plan_id: Some(plan.id),
            starts_on: Some(date(2025, 7, 1)?),
            ends_on: Some(date(2026, 6, 30)?),
            self_evaluation_due_on: Some(Some(date(2026, 6, 12)?)),
        },
        reviews::carry_proposals_into,
    )
    .await?;
    let mut last_goals: Vec<(usize, i32)> = Vec::new();
    for (n, (person, _)) in staff.iter().enumerate() {
        for k in 0..2 {
            let (code, title, category) = GOAL_IDEAS[(n + k * 5) % GOAL_IDEAS.len()];
            let goal = goals::propose(
                db,
                person,
                last.id,
                person.person_id,
                GoalInput {
                    objective_id: objective_id(code),
                    title: Some(title.into()),
                    description: Some(String::new()),
                    category: Some(category.into()),
                    due_on: Some(date(2026, 5, 31)?),
                    skill_id: None,
                    target_level: None,
                },
                moment(2025, 7, 2, n % 5)?,
            )
            .await?;
            last_goals.push((n, goal.id));
        }
    }
    let mut lead_goals: Vec<(i32, i32)> = Vec::new();
    for (lead, team) in &leads {
        let given = goals::assign(
            db,
            &cio,
            last.id,
            Assignees {
                person_ids: vec![lead.person_id],
                team: None,
            },
            GoalInput {
                objective_id: objective_id("G3.1"),
                title: Some(format!("Agree a development goal with everyone in {team}")),
                description: Some(String::new()),
                category: Some("service".into()),
                due_on: None,
                skill_id: None,
                target_level: None,
            },
            moment(2025, 7, 8, 0)?,
        )
        .await?;
        lead_goals.extend(given.iter().map(|g| (lead.person_id, g.id)));
    }
    for (i, (n, goal_id)) in last_goals.iter().enumerate() {
        let lead_id = staff[*n].1;
        let lead = leads
            .iter()
            .find(|(l, _)| l.person_id == lead_id)
            .map(|(l, _)| l)
            .ok_or_else(|| AppError::internal(anyhow::anyhow!("demo lead missing")))?;
        goals::agree(db, lead, *goal_id, moment(2025, 7, 14, i % 12)?).await?;
    }
    cycles::move_to(
        db,
        &cio,
        last.id,
        "in_progress",
        true,
        reviews::unfinished_work,
    )
    .await?;
    for (i, (n, goal_id)) in last_goals.iter().enumerate() {
        let person = &staff[*n].0;
        for (month, progress) in [(10, 30), (2, 70)] {
            let year = if month >= 7 { 2025 } else { 2026 };
            let progress = (progress + (i as i64 * 7) % 30).min(100);
            goals::report_progress(
                db,
                person,
                *goal_id,
                Some(progress),
                Some(if progress > 60 {
                    "Most of the work is done; finishing touches left."
                } else {
                    "Started; first steps done."
                }),
                Some(date(year, month, 15)?),
            )
            .await?;
        }
    }
    cycles::move_to(
        db,
        &cio,
        last.id,
        "self_evaluation",
        true,
        reviews::unfinished_work,
    )
    .await?;
    // Last year ended as a year should: everyone wrote their self-evaluation in May and
    // June, each went to their manager (the cio for the leads and the office manager) and
    // was reviewed before the cycle closed, so every goal has its outcome. The cio's own
    // is not here: nobody above the cio reviews it in staffdev, and the page says it was
    // not submitted before the cycle closed.
    let mut writers: Vec<(&Actor, &Actor, Vec<i32>)> = Vec::new();
    for (n, (person, lead_id)) in staff.iter().enumerate() {
        let lead = leads
            .iter()
            .find(|(l, _)| l.person_id == *lead_id)
            .map(|(l, _)| l)
            .ok_or_else(|| AppError::internal(anyhow::anyhow!("demo lead missing")))?;
        let own = last_goals
            .iter()
            .filter(|(m, _)| *m == n)
            .map(|(_, g)| *g)
            .collect();
        writers.push((person, lead, own));
    }
    for (lead, _) in &leads {
        let own = lead_goals
            .iter()
            .filter(|(p, _)| *p == lead.person_id)
            .map(|(_, g)| *g)
            .collect();
        writers.push((lead, &cio, own));
    }
    let office_manager = actor(beth_id, "Beth Carter", Role::Staff, false);
    writers.push((&office_manager, &cio, Vec::new()));
    for (n, (person, reviewer, own)) in writers.iter().enumerate() {
        let input = EvaluationInput {
            reflection: Some(
                "A good year: I learned to explain problems from the client's side first, and asked for help sooner."
                    .into(),
            ),
            skills_developed: Some("Plain-language writing; scripting; running a short listening session.".into()),
            entries: own
                .iter()
                .enumerate()
                .map(|(k, goal_id)| EntryInput {
                    goal_id: *goal_id,
                    narrative: Some("I did what I set out to do, with help from the team when it got busy.".into()),
                    outcome: Some(if k == 0 { "achieved" } else { "partially_achieved" }.into()),
                    self_rating: Some(if k == 0 { 4 } else { 3 }),
                    evidence: vec![Evidence {
                        kind: "text".into(),
                        text: "Thank-you notes from two client departments.".into(),
                        url: None,
                        ref_id: None,
                        on: None,
                        giver: None,
                    }],
                })
                .collect(),
            proposals: vec![ProposalInput {
                objective_id: objective_id(if n % 2 == 0 { "G1.2" } else { "G2.3" }),
                title: Some(if n % 2 == 0 {
                    "Run a plain-language review of our service catalogue".into()
                } else {
                    "Add alerting to the remaining core services".into()
                }),
                description: Some(String::new()),
                category: Some(if n % 2 == 0 { "communication" } else { "technical" }.into()),
            }],
        };
        reviews::save_draft(db, person, last.id, person.person_id, input).await?;
        reviews::submit(
            db,
            person,
            last.id,
            person.person_id,
            moment(2026, 5, 18, n % 14)?,
        )
        .await?;
        let (comment, rating) = match n % 3 {
            0 => (
                "Thank you for a strong year. Clients mention your explanations by name.",
                4,
            ),
            1 => (
                "A solid year. Next year, write down what you fix so the desk can reuse it.",
                3,
            ),
            _ => (
                "An excellent year: you took on more than we planned and finished it.",
                5,
            ),
        };
        reviews::review(
            db,
            reviewer,
            last.id,
            person.person_id,
            Some(comment),
            Some(rating),
            moment(2026, 6, 8, n % 14)?,
        )
        .await?;
    }
    // The cio closes last year, confirming over the one evaluation nobody could review.
    cycles::move_to(db, &cio, last.id, "closed", true, reviews::unfinished_work).await?;

    // This year's cycle: last year's proposals arrive as proposed goals.
    let current = cycles::open(
        db,
        &cio,
        CycleInput {
            name: Some("2026–27".into()),
            plan_id: Some(plan.id),
            starts_on: Some(date(2026, 7, 1)?),
            ends_on: Some(date(2027, 6, 30)?),
            self_evaluation_due_on: Some(Some(date(2027, 6, 11)?)),
        },
        reviews::carry_proposals_into,
    )
    .await?;
    for (lead, team) in &leads {
        goals::assign(
            db,
            lead,
            current.id,
            Assignees { person_ids: Vec::new(), team: Some((*team).to_owned()) },
            GoalInput {
                objective_id: objective_id("G1.2"),
                title: Some("Explain one recurring problem in plain language on the knowledge base each month".into()),
                description: Some("Agreed at the August all-staff meeting.".into()),
                category: Some("communication".into()),
                due_on: Some(date(2027, 6, 1)?),
                skill_id: None,
                target_level: None,
            },
            moment(2026, 8, 20, 0)?,
        )
        .await?;
    }
    for (n, (person, lead_id)) in staff.iter().enumerate() {
        let (code, title, category) = GOAL_IDEAS[(n * 7 + 3) % GOAL_IDEAS.len()];
        goals::propose(
            db,
            person,
            current.id,
            person.person_id,
            GoalInput {
                objective_id: objective_id(code),
                title: Some(title.into()),
                description: Some(String::new()),
                category: Some(category.into()),
                due_on: Some(date(2027, 5, 31)?),
                skill_id: None,
                target_level: None,
            },
            moment(2026, 7, 6, n % 5)?,
        )
        .await?;
        // Leads agree to most of their people's goals; a few wait.
        if n % 4 != 3 {
            let lead = leads
                .iter()
                .find(|(l, _)| l.person_id == *lead_id)
                .map(|(l, _)| l)
                .ok_or_else(|| AppError::internal(anyhow::anyhow!("demo lead missing")))?;
            for goal in goals::for_person(db, lead, current.id, person.person_id).await? {
                if goal.status == goals::GoalStatus::Proposed {
                    goals::agree(db, lead, goal.id, moment(2026, 7, 20, n % 12)?).await?;
                }
            }
        }
    }
    load_skills(db, &cio, &leads, &staff).await?;
    cycles::move_to(
        db,
        &cio,
        current.id,
        "in_progress",
        true,
        reviews::unfinished_work,
    )
    .await?;
    for (n, (person, _)) in staff.iter().enumerate() {
        for goal in goals::for_person(db, person, current.id, person.person_id).await? {
            if goal.status == goals::GoalStatus::Agreed && n % 5 != 4 {
                goals::report_progress(
                    db,
                    person,
                    goal.id,
                    Some(((n * 13 + goal.id as usize * 7) % 60 + 10) as i64),
                    Some("On track; next step planned for the coming weeks."),
                    Some(date(2026, 10, 20)?),
                )
                .await?;
            }
        }
    }
    recognition::load_recognition(db, &cio, &roster).await?;
    meetings::load_meetings(db, &cio, &roster).await?;
    let advisors = [
        actor(faculty_id, "Alan Grant", Role::Advisor, false),
        actor(student_id, "Sofia Lind", Role::Advisor, false),
    ];
    let knowledge_base = roster
        .iter()
        .find(|a| a.name == "Yuki Tanaka")
        .cloned()
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("demo person missing")))?;
    let staff_senders = [
        actor(beth_id, "Beth Carter", Role::Staff, false),
        knowledge_base,
    ];
    ideas::load_ideas(db, &cio, &advisors, &staff_senders, &objectives).await?;
    report::load_report(db, &cio, last.id).await?;
    feedback::load_feedback(
        db,
        &cio,
        &roster,
        objective_id("G1.2"),
        objective_id("G1.1"),
    )
    .await?;
    // Last: everything above wrote notifications as it went.
    notifications::load_outbox(db).await?;
    // Hundreds of rows just came in: give the planner their statistics (a warning only).
    match crate::portable::refresh_statistics(db).await {
        Ok((tables, took)) => tracing::info!(
            tables,
            took_ms = took.as_millis() as u64,
            "demo: refreshed the planner's statistics (ANALYZE)"
        ),
        Err(err) => tracing::warn!("demo: {err:#}"),
    }
    Ok(())
}

/// A catalog of twelve skills, a baseline round a year ago, a later round showing progress
/// for most people and a slip for a few, and targets set by the leads.
async fn load_skills(
    db: &Db,
    cio: &Actor,
    leads: &[(Actor, &str)],
    staff: &[(Actor, i32)],
) -> AppResult<()> {
    let mut ids = Vec::new();
    for (name, category, description) in SKILLS {
        let skill = skills::create(
            db,
            cio,
            SkillInput {
                name: Some(name.into()),
                category: Some(category.into()),
                description: Some(description.into()),
                levels: None,
                retired: None,
            },
        )
        .await?;
        ids.push(skill.id);
    }
    let baseline_day = date(2025, 11, 15)?;
    let later_day = date(2026, 10, 1)?;
    for (n, (person, lead_id)) in staff.iter().enumerate() {
        let lead = leads
            .iter()
            .find(|(l, _)| l.person_id == *lead_id)
            .map(|(l, _)| l)
            .ok_or_else(|| AppError::internal(anyhow::anyhow!("demo lead missing")))?;
        // Six skills each, shifting through the catalog, communication ones for everyone.
        let mine: Vec<i32> = [0, 1, (n % 5) + 2, (n % 5) + 7, 4, 5]
            .iter()
            .map(|i| ids[*i])
            .collect();
        let mut seen = Vec::new();
        let mine: Vec<i32> = mine
            .into_iter()
            .filter(|id| {
                if seen.contains(id) {
                    false
                } else {
                    seen.push(*id);
                    true
                }
            })
            .collect();
        let baseline: Vec<i64> = (0..mine.len()).map(|k| ((n + k) % 3 + 1) as i64).collect();
        let round = |day, levels: &[i64]| -> Vec<AssessmentInput> {
            mine.iter()
                .zip(levels)
                .map(|(skill_id, level)| AssessmentInput {
                    skill_id: Some(*skill_id),
                    level: Some(*level),
                    assessed_on: Some(day),
                    note: Some(String::new()),
                })
                .collect()
        };
        skills::assess(db, person, person.person_id, round(baseline_day, &baseline)).await?;
        skills::assess(db, lead, person.person_id, round(baseline_day, &baseline)).await?;
        // A year on: most grow by one or two levels; every seventh person slips in one skill.
        let later: Vec<i64> = baseline
            .iter()
            .enumerate()
            .map(|(k, level)| {
                if n % 7 == 3 && k == 2 {
                    (level - 1).max(1)
                } else {
                    (level + 1 + (k as i64 % 2)).min(5)
                }
            })
            .collect();
        skills::assess(db, lead, person.person_id, round(later_day, &later)).await?;
        for skill_id in mine.iter().take(2) {
            skills::set_target(
                db,
                lead,
                person.person_id,
                Some(*skill_id),
                Some(4),
                Some(date(2027, 6, 30)?),
            )
            .await?;
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
