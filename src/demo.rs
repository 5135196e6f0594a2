//! A believable IT department to explore staffdev with: about 25 people in three teams, a
//! strategic plan, a closed review cycle with submitted and reviewed self-evaluations, a
//! cycle in progress, and a year of recognition (a trophy whose notebook has passed
//! through most of the department, a few hundred kudos, a dozen compliments and some
//! announcements). People, plan, goals, reviews and skills go through the same services as
//! the pages and the API, so they obey the same rules. The recognition year is written
//! directly, in one transaction, because its services stamp everything with the present
//! moment; `load_recognition` keeps their rules by construction and the demo test checks
//! them.

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, Utc, Weekday};
use sea_orm::{ActiveModelTrait, EntityTrait, PaginatorTrait, Set};

use crate::{
    auth::Actor,
    cycles::{self, CycleInput},
    db::Db,
    entities::{announcement, compliment, kudos, kudos_recipient, notebook_entry, person, trophy},
    error::{AppError, AppResult},
    goals::{self, Assignees, GoalInput},
    people::{self, NewPerson, Role},
    plan::{self, PartInput, PlanInput},
    recognition::EntryKind,
    reviews::{self, EntryInput, EvaluationInput, Evidence, ProposalInput},
    skills::{self, AssessmentInput, SkillInput},
};

/// The demo catalog: name, kind, description.
const SKILLS: [(&str, &str, &str); 12] = [
    (
        "Explaining technical issues in plain language",
        "communication",
        "Saying what went wrong and what happens next without jargon.",
    ),
    (
        "Listening to understand the client's real need",
        "communication",
        "Asking before answering; finding the need behind the request.",
    ),
    (
        "Writing knowledge base articles",
        "communication",
        "Clear, findable, tested instructions.",
    ),
    (
        "Running a meeting with clients",
        "communication",
        "An agenda, a timekeeper and a written outcome.",
    ),
    (
        "Keeping clients informed during an incident",
        "service",
        "Regular, honest updates until it is over.",
    ),
    (
        "Owning a request end to end",
        "service",
        "No hand-off without a warm introduction.",
    ),
    (
        "Following up after a fix",
        "service",
        "Checking the fix held and the client is satisfied.",
    ),
    (
        "Troubleshooting desktops",
        "technical",
        "Methodical diagnosis of hardware and operating system faults.",
    ),
    (
        "Networking",
        "technical",
        "Switching, routing, wireless and their monitoring.",
    ),
    (
        "Scripting and automation",
        "technical",
        "Automating the repetitive parts of the job.",
    ),
    (
        "Cloud services",
        "technical",
        "Running and securing services in the cloud.",
    ),
    (
        "Security awareness",
        "technical",
        "Spotting phishing, handling data safely, patching on time.",
    ),
];

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

struct Member {
    name: &'static str,
    title: &'static str,
}

const TEAMS: [(&str, Member, [Member; 6]); 3] = [
    (
        "Service Desk",
        Member {
            name: "Priya Shah",
            title: "Service Desk Lead",
        },
        [
            Member {
                name: "Sam Ito",
                title: "Service Desk Analyst",
            },
            Member {
                name: "Grace Mensah",
                title: "Service Desk Analyst",
            },
            Member {
                name: "Diego Alvarez",
                title: "Desktop Support Technician",
            },
            Member {
                name: "Hannah Kowalski",
                title: "Desktop Support Technician",
            },
            Member {
                name: "Omar Haddad",
                title: "Service Desk Analyst",
            },
            Member {
                name: "Yuki Tanaka",
                title: "Knowledge Base Coordinator",
            },
        ],
    ),
    (
        "Infrastructure",
        Member {
            name: "Tom Becker",
            title: "Infrastructure Lead",
        },
        [
            Member {
                name: "Aisha Bello",
                title: "Systems Administrator",
            },
            Member {
                name: "Lars Nilsson",
                title: "Network Engineer",
            },
            Member {
                name: "Mei Chen",
                title: "Systems Administrator",
            },
            Member {
                name: "Ravi Patel",
                title: "Security Analyst",
            },
            Member {
                name: "Zoe Martin",
                title: "Cloud Engineer",
            },
            Member {
                name: "Kwame Asante",
                title: "Network Technician",
            },
        ],
    ),
    (
        "Applications",
        Member {
            name: "Lena Okafor",
            title: "Applications Lead",
        },
        [
            Member {
                name: "Jonas Weber",
                title: "Developer",
            },
            Member {
                name: "Fatima Zahra",
                title: "Business Analyst",
            },
            Member {
                name: "Ethan Brooks",
                title: "Developer",
            },
            Member {
                name: "Sofia Rossi",
                title: "Database Administrator",
            },
            Member {
                name: "Noah Kim",
                title: "Web Developer",
            },
            Member {
                name: "Ines Duarte",
                title: "Integration Specialist",
            },
        ],
    ),
];

fn email_of(name: &str) -> String {
    format!("{}@example.org", name.to_lowercase().replace(' ', "."))
}

fn date(y: i32, m: u32, d: u32) -> AppResult<NaiveDate> {
    NaiveDate::from_ymd_opt(y, m, d)
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("bad demo date")))
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
        NewPerson {
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

/// A strategic goal of the demo plan: title, description, and its objectives (title, measure).
type StrategicGoalSeed = (
    &'static str,
    &'static str,
    &'static [(&'static str, &'static str)],
);

/// A staff goal template: objective (by code), title, category.
const GOAL_IDEAS: [(&str, &str, &str); 12] = [
    (
        "G1.1",
        "Resolve more tickets at first contact by building a personal troubleshooting guide",
        "service",
    ),
    (
        "G1.2",
        "Rewrite my five most-used client emails in plain language",
        "communication",
    ),
    (
        "G1.2",
        "Ask every client at ticket close whether the explanation made sense",
        "communication",
    ),
    (
        "G1.3",
        "Publish a service level page for the services I own",
        "service",
    ),
    (
        "G2.1",
        "Plan the replacement of the oldest lab machines before they fail",
        "technical",
    ),
    (
        "G2.2",
        "Patch critical systems within seven days, every month",
        "technical",
    ),
    (
        "G2.3",
        "Add monitoring and alerts for two core services",
        "technical",
    ),
    (
        "G3.1",
        "Complete the certification course I chose with my lead",
        "technical",
    ),
    (
        "G3.2",
        "Cross-train on the identity service and cover one on-call week",
        "technical",
    ),
    (
        "G4.1",
        "Run a listening session with one client department",
        "communication",
    ),
    (
        "G1.1",
        "Write ten knowledge base articles for the most common requests",
        "service",
    ),
    (
        "G3.2",
        "Shadow the service desk for two days to learn the client's side",
        "service",
    ),
];

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
    add(
        db,
        "Alan Grant",
        "Advisory Committee (Faculty)",
        "Advisory Committee",
        Role::Advisor,
        None,
    )
    .await?;
    add(
        db,
        "Sofia Lind",
        "Advisory Committee (Students)",
        "Advisory Committee",
        Role::Advisor,
        None,
    )
    .await?;

    // Everyone active in the department (the advisors are not), by name.
    let mut roster: Vec<(&'static str, i32)> =
        vec![("Morgan Reyes", cio_id), ("Beth Carter", beth_id)];
    let mut leads = Vec::new();
    let mut staff = Vec::new();
    for (team, lead, members) in &TEAMS {
        let lead_id = add(db, lead.name, lead.title, team, Role::Staff, Some(cio_id)).await?;
        roster.push((lead.name, lead_id));
        leads.push((actor(lead_id, lead.name, Role::Staff, true), *team));
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
            roster.push((member.name, id));
            staff.push((actor(id, member.name, Role::Staff, false), lead_id));
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
    let tree: [StrategicGoalSeed; 4] = [
        (
            "Service excellence",
            "Clients get help that is fast, right the first time and easy to understand.",
            &[
                (
                    "Resolve 80% of requests at first contact",
                    "First-contact resolution rate, monthly",
                ),
                (
                    "Explain technical issues in plain language",
                    "Client survey: explanation understood, 4.5 of 5",
                ),
                (
                    "Publish service levels for every service",
                    "Share of services with a published service level",
                ),
            ],
        ),
        (
            "Proactive infrastructure",
            "Fix things before clients notice they were going to break.",
            &[
                (
                    "Replace hardware before it fails",
                    "Devices past their lifecycle date",
                ),
                (
                    "Patch critical systems within seven days",
                    "Median days to patch",
                ),
                ("Monitor every core service", "Core services with alerting"),
            ],
        ),
        (
            "People and skills",
            "Every person grows, and no service depends on a single person.",
            &[
                (
                    "Every staff member has a development goal",
                    "Share of staff with an agreed development goal",
                ),
                (
                    "Cross-train on two services",
                    "Services with two or more trained people",
                ),
            ],
        ),
        (
            "Partnership with clients",
            "Listen first; build services with the people who use them.",
            &[
                (
                    "Hold quarterly listening sessions",
                    "Sessions held per quarter",
                ),
                (
                    "Co-design two new services with clients",
                    "Services launched with a client partner",
                ),
            ],
        ),
    ];
    for (title, description, objectives) in tree {
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
    let last = cycles::create(
        db,
        &cio,
        CycleInput {
            name: Some("2025–26".into()),
            plan_id: Some(plan.id),
            starts_on: Some(date(2025, 7, 1)?),
            ends_on: Some(date(2026, 6, 30)?),
        },
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
            )
            .await?;
            last_goals.push((n, goal.id));
        }
    }
    for (lead, team) in &leads {
        goals::assign(
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
        )
        .await?;
    }
    for (n, goal_id) in &last_goals {
        let lead_id = staff[*n].1;
        let lead = leads
            .iter()
            .find(|(l, _)| l.person_id == lead_id)
            .map(|(l, _)| l)
            .ok_or_else(|| AppError::internal(anyhow::anyhow!("demo lead missing")))?;
        goals::agree(db, lead, *goal_id).await?;
    }
    cycles::move_to(db, &cio, last.id, "in_progress").await?;
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
    cycles::move_to(db, &cio, last.id, "self_evaluation").await?;
    for (n, (person, lead_id)) in staff.iter().enumerate() {
        let own: Vec<i32> = last_goals
            .iter()
            .filter(|(m, _)| *m == n)
            .map(|(_, g)| *g)
            .collect();
        let submitted = n % 3 != 2;
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
        if submitted {
            reviews::submit(db, person, last.id, person.person_id).await?;
            if n % 3 == 0 {
                let lead = leads
                    .iter()
                    .find(|(l, _)| l.person_id == *lead_id)
                    .map(|(l, _)| l)
                    .ok_or_else(|| AppError::internal(anyhow::anyhow!("demo lead missing")))?;
                reviews::review(
                    db,
                    lead,
                    last.id,
                    person.person_id,
                    Some("Thank you for a strong year. Clients mention your explanations by name."),
                    Some(4),
                )
                .await?;
            }
        }
    }
    cycles::move_to(db, &cio, last.id, "closed").await?;

    // This year's cycle: last year's proposals arrive as proposed goals.
    let current = cycles::create(
        db,
        &cio,
        CycleInput {
            name: Some("2026–27".into()),
            plan_id: Some(plan.id),
            starts_on: Some(date(2026, 7, 1)?),
            ends_on: Some(date(2027, 6, 30)?),
        },
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
                    goals::agree(db, lead, goal.id).await?;
                }
            }
        }
    }
    load_skills(db, &cio, &leads, &staff).await?;
    cycles::move_to(db, &cio, current.id, "in_progress").await?;
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
    load_recognition(db, cio_id, &roster).await
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
// A year of recognition

/// The department's values, spelled as the demo plan lists them: kudos tags use this
/// spelling exactly.
const VALUES: [&str; 5] = [
    "Service first",
    "Plain language",
    "Proactive care",
    "Learning every day",
    "One team",
];

const TROPHY_NAME: &str = "The Big Ugly Trophy";
const TROPHY_DESCRIPTION: &str = "A metre of inflatable gold plastic with a slow leak, a wobbly \
    base and a notebook taped to it. It goes to whoever made your week: keep it on your desk, \
    blow it up again when it sags, write in the notebook why you are passing it on, and pass \
    it on within a fortnight or so.";

/// The cio gives the trophy its first holder: who, and the notebook's first page.
const TROPHY_FIRST: (&str, &str) = (
    "Lars Nilsson",
    "The Big Ugly Trophy starts its life with Lars Nilsson, for moving the whole campus onto \
     the new core switches over one weekend without anyone noticing on Monday morning. Keep it \
     on your desk, top it up with air when it sags, and pass it on to whoever makes your week.",
);

/// The trophy's journey, about one pass every ten days: who received it, and what the one
/// passing it (the previous receiver) wrote in the notebook. Nobody in the last three
/// months of it is among `QUIET` (see there).
const TROPHY_PASSES: [(&str, &str); 36] = [
    (
        "Sam Ito",
        "Sam, a history professor's laptop died twenty minutes before her lecture to three \
         hundred students. You had a loaner ready, her slides pulled from the backup and the \
         projector tested with ten minutes to spare, and you stayed calm the whole time, which \
         calmed her too. That is the job done properly.",
    ),
    (
        "Yuki Tanaka",
        "For the new multi-factor sign-in guide: one page, big screenshots, no jargon, and a \
         section called \"I got a new phone, now what?\". Calls about locked accounts dropped \
         by half the week it went up. Your turn with the trophy, Yuki.",
    ),
    (
        "Aisha Bello",
        "A file share went missing on a Friday afternoon with a department's whole grant \
         application in it. You restored it from the night's backup in under an hour, then \
         wrote down exactly what had happened so it cannot happen the same way again.",
    ),
    (
        "Diego Alvarez",
        "Sixty lab machines re-imaged, labelled and tested in the three days before term, \
         including the two that needed new power supplies. Nobody in the engineering lab had \
         to wait on the first day.",
    ),
    (
        "Fatima Zahra",
        "You ran four workshops with the registrar's staff before a single line of code was \
         written, and the new enrolment forms came out of them in their own words. They \
         called it \"our system\" at the demo.",
    ),
    (
        "Jonas Weber",
        "The timetable export broke the night before enrolment opened. Jonas found the bug, \
         fixed it, tested it with the registrar's real data and was still at the morning \
         stand-up. Enrolment opened on time.",
    ),
    (
        "Grace Mensah",
        "During the email outage Grace took the phones, posted an update on the status page \
         every thirty minutes and kept a list of everyone who called, so we could write back \
         to each of them when it was fixed. Nobody felt ignored.",
    ),
    (
        "Ravi Patel",
        "A convincing phishing email reached the whole business school. Ravi had it pulled \
         from every mailbox within forty minutes, reset the five accounts that had clicked, \
         and sent a short, kind note explaining what to look for next time.",
    ),
    (
        "Hannah Kowalski",
        "Moving the chemistry department to new laptops meant working around experiments \
         that could not stop. Hannah planned every swap with the lab manager, moved people's \
         data overnight and left a note on each desk saying what had changed.",
    ),
    (
        "Zoe Martin",
        "The backups go to cloud storage now, and Zoe did not stop there: she restored a \
         whole server from them on a test machine to prove they work, and timed it. We \
         finally know our recovery time instead of guessing.",
    ),
    (
        "Sofia Rossi",
        "Sofia upgraded the finance database over a weekend after rehearsing it twice. \
         Month-end reports that took forty minutes now take four. Finance sent cake.",
    ),
    (
        "Omar Haddad",
        "Orientation week: Omar ran the pop-up help desk in the student centre for five days, \
         connected about four hundred phones and laptops to the wireless, and never once made \
         anyone feel silly for asking.",
    ),
    (
        "Mei Chen",
        "Mei replaced the old print server and moved every queue across in one evening. The \
         admissions office printer that had jammed every week since 2019 now just prints, and \
         she wrote the how-to-add-a-printer page in plain words.",
    ),
    (
        "Noah Kim",
        "The admissions website now works with a screen reader from the first page to the \
         application form. Noah tested it with two students who use one every day and fixed \
         what they found the same week.",
    ),
    (
        "Priya Shah",
        "Priya redid the service desk rota so someone senior is always on the phones at eight \
         in the morning, when the hardest calls come in. First-contact resolution went up, and \
         so did the team's mood.",
    ),
    (
        "Kwame Asante",
        "The library reading room had wireless dead spots for years. Kwame walked every corner \
         with a survey tool, moved three access points and added two, then came back during \
         exam week to check that it held. It did.",
    ),
    (
        "Beth Carter",
        "Beth bought spare laptop batteries and chargers in bulk before the price went up and \
         reorganised the storeroom so we can find them. A small thing that makes a huge \
         difference on a busy Monday.",
    ),
    (
        "Ethan Brooks",
        "Ethan's script creates accounts for new staff the moment HR confirms a start date, so \
         new people get their email on their first morning instead of their third. He \
         documented it, too.",
    ),
    (
        "Ines Duarte",
        "Ines connected the HR system to the directory, so when someone changes department \
         their access changes with them. She chased down the awkward cases (two jobs, long \
         leave) instead of leaving them for the service desk.",
    ),
    (
        "Tom Becker",
        "When the power failed in the server room at two in the morning, Tom was there by \
         twenty to three, brought everything back in the right order and had the incident \
         report written by lunchtime. Calm, thorough and honest about what we need to fix.",
    ),
    (
        "Lena Okafor",
        "Lena sat down with the faculty board and agreed a timeline for the learning platform \
         upgrade that misses every exam period. Nobody was surprised and nobody lost \
         coursework. That is partnership.",
    ),
    (
        "Grace Mensah",
        "Grace wrote the exam-week survival guide for students: printing credits, what to do \
         when your laptop dies, where to borrow a charger. The student union shared it within \
         the hour.",
    ),
    (
        "Lars Nilsson",
        "The wireless in the main lecture hall dropped out during the graduation rehearsal. \
         Lars was up a ladder within the hour, and on the day it carried nine hundred guests \
         streaming the ceremony to their families without a hiccup.",
    ),
    (
        "Diego Alvarez",
        "Diego spent a Saturday recovering a doctoral student's thesis from a laptop that had \
         fallen down the stairs. Every chapter came back, and he set up automatic backups for \
         her before handing it over.",
    ),
    (
        "Yuki Tanaka",
        "Yuki rewrote the twenty most-read knowledge base articles in plain language and \
         tested each with someone from outside IT. Searches that end in a phone call are down \
         by a third.",
    ),
    (
        "Ravi Patel",
        "Ravi ran the drop-in clinics for multi-factor sign-in: twelve sessions on four \
         campuses, coffee included. Nearly everyone is enrolled, and people said the clinics \
         were genuinely friendly.",
    ),
    (
        "Zoe Martin",
        "Zoe went through every cloud subscription, shut down the forgotten test servers and \
         saved enough to pay for the new monitoring, with a spreadsheet that anyone could \
         read.",
    ),
    (
        "Sam Ito",
        "The boardroom projector refused to talk to the chair's laptop ten minutes before the \
         meeting. Sam fixed it, then taped a labelled spare adapter under the table. That is \
         the third time he has saved that meeting.",
    ),
    (
        "Hannah Kowalski",
        "Hannah read the battery health reports from the staff laptops and replaced forty \
         batteries before they failed. Forty people who will never know how close they came \
         to a dead laptop in the middle of a meeting.",
    ),
    (
        "Jonas Weber",
        "Jonas turned the exam results upload into a one-click job for the registrar's office \
         and sat with them the first time they used it. Results went out a day early.",
    ),
    (
        "Omar Haddad",
        "A visiting professor was locked out of everything on the morning of her keynote. \
         Omar stayed on the phone until she was in, and called the next day to make sure it \
         had stuck.",
    ),
    (
        "Mei Chen",
        "Mei patched every critical server within five days this month, in a month with two \
         public holidays, and wrote change notes the rest of us could follow.",
    ),
    (
        "Fatima Zahra",
        "Fatima held a listening session with the nursing school and came back with three \
         problems we did not know they had, and one we could fix the same afternoon. We did.",
    ),
    (
        "Noah Kim",
        "Noah built the new service status page: green, amber or red for each service, in \
         plain words, fed by the monitoring. The phones were noticeably quieter during the \
         last outage.",
    ),
    (
        "Aisha Bello",
        "Aisha moved the last old file server to new storage over two evenings, checked every \
         department's permissions with them by phone before switching over, and not one \
         folder went missing.",
    ),
    (
        "Tom Becker",
        "Tom spent his Friday evening helping me test the storage switch-over and then sent me \
         home first. He never takes the credit, so here it is in writing: thank you, Tom.",
    ),
];

/// Kudos messages, with the values each one fits.
const KUDOS_MESSAGES: [(&str, &[&str]); 42] = [
    (
        "Thank you for covering the phones on Friday afternoon so I could finish the lab install.",
        &["One team"],
    ),
    (
        "Thanks for explaining the VPN change to the finance team without a single acronym.",
        &["Plain language"],
    ),
    (
        "You spotted the mail server's disk filling up before it became an outage. Thank you!",
        &["Proactive care"],
    ),
    (
        "Thanks for staying late to get the lecture theatre projector working before the evening class.",
        &["Service first"],
    ),
    (
        "Your write-up of last week's incident was clear, honest and short. More like this, please.",
        &["Plain language"],
    ),
    (
        "Thank you for showing me the new monitoring dashboards. I learned a lot in half an hour.",
        &["Learning every day", "One team"],
    ),
    (
        "Thanks for taking that difficult call from the dean's office and turning it around.",
        &["Service first"],
    ),
    (
        "You updated the knowledge base article the same day the process changed. That saves us all.",
        &["Proactive care", "Plain language"],
    ),
    (
        "Thank you for picking up my tickets while I was off sick.",
        &["One team"],
    ),
    (
        "Thanks for your patience with the visiting researchers' wireless accounts, all fourteen of them.",
        &["Service first"],
    ),
    (
        "The new onboarding checklist is brilliant. Thanks for building it.",
        &["Proactive care"],
    ),
    (
        "Thank you for following up with the professor a week after the fix. She mentioned it to me.",
        &["Service first"],
    ),
    (
        "Thanks for pairing with me on the backup script; I finally understand it.",
        &["Learning every day"],
    ),
    (
        "You replaced the failing switch in the science building before anyone lost a connection. Nice work.",
        &["Proactive care"],
    ),
    (
        "Thank you for the cake on Friday, and for remembering everyone's birthday.",
        &[],
    ),
    (
        "Thanks for turning the security policy into a one-page guide people actually read.",
        &["Plain language"],
    ),
    (
        "Thank you for jumping in on the printer crisis in admissions.",
        &["One team", "Service first"],
    ),
    (
        "Thanks for the quick turnaround on this morning's new starter accounts.",
        &["Service first"],
    ),
    (
        "You ran the team meeting brilliantly while our lead was away. Thank you.",
        &["One team"],
    ),
    (
        "Thank you for the lunch-and-learn on scripting. I automated my first report the next day.",
        &["Learning every day"],
    ),
    (
        "Thanks for calmly walking a very stressed student through recovering their coursework.",
        &["Service first"],
    ),
    (
        "Thank you for asking the question nobody else would ask in the planning meeting.",
        &[],
    ),
    (
        "Thanks for testing the upgrade on a copy first. It caught two problems.",
        &["Proactive care"],
    ),
    (
        "Your status updates during the outage were exactly right: short, regular and honest.",
        &["Plain language"],
    ),
    (
        "Thanks for helping carry thirty monitors up three flights of stairs.",
        &["One team"],
    ),
    (
        "Thank you for documenting the firewall rules nobody understood.",
        &["Proactive care", "Plain language"],
    ),
    (
        "Thanks for staying on the phone until the caller was really sorted, not just the ticket.",
        &["Service first"],
    ),
    (
        "Thank you for the honest feedback on my draft; the guide is much better for it.",
        &["Learning every day"],
    ),
    (
        "Thanks for sorting out the room booking screens before the open day.",
        &["Proactive care"],
    ),
    (
        "You made our new colleague feel welcome from the first minute. Thank you.",
        &["One team"],
    ),
    (
        "Thank you for renewing the certificates a month early. No browser warnings this year!",
        &["Proactive care"],
    ),
    (
        "Thanks for the clear handover notes; I picked up exactly where you left off.",
        &["One team", "Plain language"],
    ),
    (
        "Thank you for recovering the history department's deleted folder so quickly.",
        &["Service first"],
    ),
    (
        "Thanks for sharing what you learned at the conference with the whole team.",
        &["Learning every day"],
    ),
    (
        "Thanks for keeping the queue under control during enrolment week.",
        &["Service first", "One team"],
    ),
    (
        "Thank you for noticing that the lab software licences were about to expire.",
        &["Proactive care"],
    ),
    (
        "Thanks for rewriting the password reset email. The calls about it stopped.",
        &["Plain language"],
    ),
    (
        "Thank you for mentoring me through my first on-call week.",
        &["Learning every day", "One team"],
    ),
    (
        "Thanks for the great demo of the service catalogue to the faculty board.",
        &["Plain language"],
    ),
    (
        "Thank you for being the calmest person in the room when the data centre alarm went off.",
        &[],
    ),
    (
        "Thanks for the tidy cabling in the new teaching lab. It looks professional.",
        &["Proactive care"],
    ),
    (
        "Thank you for getting the graduation livestream working on time.",
        &["Service first"],
    ),
];

/// How many kudos the year holds.
const KUDOS_COUNT: usize = 300;

/// How often each person gives kudos, relative to others (everyone not listed: 2).
const GIVERS: [(&str, u32); 9] = [
    ("Morgan Reyes", 3),
    ("Priya Shah", 5),
    ("Grace Mensah", 5),
    ("Tom Becker", 4),
    ("Sam Ito", 4),
    ("Yuki Tanaka", 3),
    ("Kwame Asante", 1),
    ("Ines Duarte", 1),
    ("Sofia Rossi", 1),
];

/// How often each person receives kudos, relative to others (everyone not listed: 3): a
/// few receive many, and the leads and the cio fewer.
const RECEIVERS: [(&str, u32); 11] = [
    ("Sam Ito", 7),
    ("Grace Mensah", 7),
    ("Lars Nilsson", 6),
    ("Yuki Tanaka", 6),
    ("Morgan Reyes", 1),
    ("Priya Shah", 2),
    ("Tom Becker", 2),
    ("Lena Okafor", 2),
    ("Beth Carter", 2),
    ("Kwame Asante", 1),
    ("Ines Duarte", 1),
];

/// People recognised earlier in the year but not in its last `QUIET_DAYS` days (no kudos,
/// no trophy, no compliment), so the recognition balance has someone to point at.
const QUIET: [&str; 2] = ["Kwame Asante", "Ines Duarte"];
const QUIET_DAYS: i64 = 100;

/// Compliments heard from outside IT: about whom, from whom, their affiliation, the
/// channel, how many days ago, and what they said.
const COMPLIMENTS: [(&str, &str, &str, &str, i64, &str); 12] = [
    (
        "Sam Ito",
        "Prof. Helen Okoro",
        "Department of History",
        "email",
        300,
        "My laptop died twenty minutes before a lecture to three hundred first-years. Sam had \
         me on a replacement with my slides in ten minutes and never once made me feel foolish. \
         Please thank him from all of us.",
    ),
    (
        "Lars Nilsson",
        "Martin Feld",
        "Facilities Management",
        "phone",
        262,
        "The building controls came back on the new network before our Monday shift even \
         started. We were told there would be disruption and there was none.",
    ),
    (
        "Yuki Tanaka",
        "Amira Castillo",
        "Student, Nursing (second year)",
        "survey",
        236,
        "The sign-in guide is the first IT instruction I have understood on the first read. \
         Whoever wrote it, thank you.",
    ),
    (
        "Kwame Asante",
        "Ruth Adeyemi",
        "University Library",
        "email",
        203,
        "Students can finally work in the back of the reading room. Kwame came back during \
         exams to check the wireless was holding up, which nobody asked him to do.",
    ),
    (
        "Diego Alvarez",
        "Dr. Paul Brennan",
        "School of Engineering",
        "letter",
        176,
        "A handwritten thank-you: one of my doctoral students would have lost three years of \
         work. Diego recovered all of it, on a Saturday.",
    ),
    (
        "Grace Mensah",
        "Tomás Vidal",
        "Students' Union President",
        "social",
        148,
        "Shout-out to the IT service desk and Grace in particular for the exam-week survival \
         guide. Shared it with every society.",
    ),
    (
        "Noah Kim",
        "Janet Morrow",
        "Admissions Office",
        "email",
        121,
        "An applicant who uses a screen reader wrote to say our application form was the \
         easiest she had filled in. That is Noah's work.",
    ),
    (
        "Sofia Rossi",
        "Linda Park",
        "Finance Office",
        "in_person",
        96,
        "Month-end used to mean waiting for reports. Now they are there before the coffee is. \
         Sofia explained the change to our whole team, too.",
    ),
    (
        "Hannah Kowalski",
        "Prof. Anders Holm",
        "Department of Chemistry",
        "letter",
        74,
        "Every laptop swap was planned around our experiments and not one measurement was lost. \
         Hannah's notes on each desk were a lovely touch.",
    ),
    (
        "Priya Shah",
        "Deborah Quinn",
        "Registrar's Office",
        "phone",
        51,
        "Enrolment week was the calmest in years. Whenever we called the service desk someone \
         experienced answered straight away.",
    ),
    (
        "Omar Haddad",
        "Kofi Boateng",
        "Student, Computer Science (first year)",
        "other",
        30,
        "A card left at the service desk: thank you Omar for getting my laptop onto the \
         wireless in orientation week and for explaining why it had not worked.",
    ),
    (
        "Ravi Patel",
        "Dr. Susan Albright",
        "Office of the Dean of Medicine",
        "survey",
        12,
        "The multi-factor clinic was friendly and quick, and Ravi answered our questions about \
         patient data patiently and clearly.",
    ),
];

/// The cio's news: kind, how many days ago, title and body.
const ANNOUNCEMENTS: [(&str, i64, &str, &str); 6] = [
    (
        "upgrade",
        168,
        "Faster, steadier wireless in the library and the lecture halls",
        "Five new access points and three moved ones: the reading room's dead spots are gone, \
         and the main lecture hall carries a full audience streaming at once.",
    ),
    (
        "new_service",
        139,
        "Loan laptops at the service desk",
        "If your laptop is with us for repair, borrow one of ours for as long as it takes. It \
         comes with your files and your printers set up. Ask at the desk or call us.",
    ),
    (
        "proactive_work",
        97,
        "Forty laptop batteries replaced before they failed",
        "We read the battery health reports from every staff laptop and replaced the forty \
         that were close to the end. If yours was one of them, you will not have noticed, \
         which was the idea.",
    ),
    (
        "accomplishment",
        72,
        "Ravi Patel is a certified security professional",
        "Ravi passed his security certification this month after a year of evening study. \
         Congratulations, Ravi, from the whole department.",
    ),
    (
        "new_service",
        44,
        "Plain-language guides for the twenty most common requests",
        "The most-read knowledge base articles have been rewritten and tested with people \
         outside IT. Tell us if one of them still leaves you guessing.",
    ),
    (
        "other",
        18,
        "A service status page for every service",
        "Green, amber or red for each service, with a sentence on what is going on and when \
         it will be fixed, at the top of the portal.",
    ),
];

/// A small generator with a fixed seed (SplitMix64), so the demo is the same on every
/// load apart from the dates, which follow today.
struct Dice(u64);

impl Dice {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (n > 0).
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    /// A number in `lo..=hi`.
    fn between(&mut self, lo: i64, hi: i64) -> i64 {
        lo + i64::try_from(self.below(hi.abs_diff(lo) + 1)).unwrap_or(0)
    }

    /// True `percent` times in a hundred.
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    /// An index into `weights`, each chosen in proportion to its weight; None if all are 0.
    fn weighted(&mut self, weights: &[u32]) -> Option<usize> {
        let total: u64 = weights.iter().map(|w| u64::from(*w)).sum();
        if total == 0 {
            return None;
        }
        let mut roll = self.below(total);
        for (i, w) in weights.iter().enumerate() {
            let w = u64::from(*w);
            if roll < w {
                return Some(i);
            }
            roll -= w;
        }
        None
    }
}

/// The weekday `days_ago` days before `today`, moved back to the Friday before when it
/// falls on a weekend.
fn workday(today: NaiveDate, days_ago: i64) -> NaiveDate {
    let day = today - Duration::days(days_ago);
    match day.weekday() {
        Weekday::Sat => day - Duration::days(1),
        Weekday::Sun => day - Duration::days(2),
        _ => day,
    }
}

/// A moment in office hours (8:00 to 17:59, UTC) on `day`.
fn office_hours(day: NaiveDate, dice: &mut Dice) -> DateTime<Utc> {
    day.and_time(NaiveTime::MIN).and_utc()
        + Duration::seconds(dice.between(8 * 3600, 18 * 3600 - 1))
}

/// A year of recognition, all in one transaction and all in the past (every date is at
/// least a day before today): the trophy's notebook, kudos, compliments, announcements.
/// Written directly rather than through the services, which stamp everything with the
/// present moment; the rules the services check hold here by construction (everyone is
/// active staff, nobody thanks or passes to themselves, the notebook is one numbered
/// chain ending with the holder), and the demo test checks them.
async fn load_recognition(db: &Db, cio_id: i32, roster: &[(&'static str, i32)]) -> AppResult<()> {
    let id_of = |name: &str| -> AppResult<i32> {
        roster
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, id)| *id)
            .ok_or_else(|| AppError::internal(anyhow::anyhow!("demo person {name} missing")))
    };
    let today = Utc::now().date_naive();
    let mut dice = Dice(0x00C0_FFEE_2026);
    let txn = db.write().await?;

    // The trophy: created a year ago, then passed on about every ten days. Entries are at
    // least two days apart (ten days, give or take three, moved back at most two days off
    // a weekend), so their times grow with their numbers.
    let (first_holder, first_message) = TROPHY_FIRST;
    let created_at = office_hours(workday(today, 365), &mut dice);
    let mut entries = vec![notebook_entry::ActiveModel {
        seq: Set(1),
        kind: Set(EntryKind::Created.as_str().to_owned()),
        giver_id: Set(None),
        receiver_id: Set(id_of(first_holder)?),
        message: Set(first_message.to_owned()),
        recorded_by_id: Set(cio_id),
        created_at: Set(created_at),
        ..Default::default()
    }];
    let (mut holder, mut held_since) = (id_of(first_holder)?, created_at);
    for (n, (receiver, message)) in (1_i64..).zip(TROPHY_PASSES) {
        let receiver = id_of(receiver)?;
        if receiver == holder {
            return Err(AppError::internal(anyhow::anyhow!(
                "demo trophy passed to its holder at pass {n}"
            )));
        }
        let at = office_hours(
            workday(today, 365 - 10 * n + dice.between(-3, 3)),
            &mut dice,
        );
        entries.push(notebook_entry::ActiveModel {
            seq: Set(i32::try_from(n + 1).unwrap_or(i32::MAX)),
            kind: Set(EntryKind::Pass.as_str().to_owned()),
            giver_id: Set(Some(holder)),
            receiver_id: Set(receiver),
            message: Set(message.to_owned()),
            recorded_by_id: Set(holder),
            created_at: Set(at),
            ..Default::default()
        });
        (holder, held_since) = (receiver, at);
    }
    let trophy = trophy::ActiveModel {
        name: Set(TROPHY_NAME.to_owned()),
        description: Set(TROPHY_DESCRIPTION.to_owned()),
        holder_id: Set(holder),
        held_since: Set(held_since),
        entries: Set(i32::try_from(entries.len()).unwrap_or(i32::MAX)),
        created_at: Set(created_at),
        ..Default::default()
    }
    .insert(&*txn)
    .await?;
    for entry in &mut entries {
        entry.trophy_id = Set(trophy.id);
    }
    notebook_entry::Entity::insert_many(entries)
        .exec_without_returning(&*txn)
        .await?;

    // Kudos: a few hundred over the year, to one to three colleagues each.
    let weight = |table: &[(&str, u32)], name: &str, otherwise: u32| {
        table
            .iter()
            .find(|(n, _)| *n == name)
            .map_or(otherwise, |(_, w)| *w)
    };
    let giver_weights: Vec<u32> = roster
        .iter()
        .map(|(name, _)| weight(&GIVERS, name, 2))
        .collect();
    let mut all_kudos = Vec::with_capacity(KUDOS_COUNT);
    for _ in 0..KUDOS_COUNT {
        let days_ago = dice.between(1, 364);
        let at = office_hours(workday(today, days_ago), &mut dice);
        let giver = dice.weighted(&giver_weights).unwrap_or(0);
        let mut receiver_weights: Vec<u32> = roster
            .iter()
            .enumerate()
            .map(|(i, (name, _))| {
                if i == giver || (days_ago <= QUIET_DAYS && QUIET.contains(name)) {
                    0
                } else {
                    weight(&RECEIVERS, name, 3)
                }
            })
            .collect();
        let how_many = match dice.below(100) {
            0..60 => 1,
            60..88 => 2,
            _ => 3,
        };
        let mut recipients = Vec::new();
        for _ in 0..how_many {
            if let Some(i) = dice.weighted(&receiver_weights) {
                receiver_weights[i] = 0;
                recipients.push(roster[i].1);
            }
        }
        let (message, fits) = KUDOS_MESSAGES[dice.below(KUDOS_MESSAGES.len() as u64) as usize];
        let tags: Vec<&str> = if fits.is_empty() || !dice.chance(60) {
            Vec::new()
        } else if fits.len() > 1 && dice.chance(40) {
            fits.to_vec()
        } else {
            vec![fits[dice.below(fits.len() as u64) as usize]]
        };
        all_kudos.push((at, roster[giver].1, recipients, message, tags.join("\n")));
    }
    // Ids grow with time, as they do when people send kudos one by one.
    all_kudos.sort_by_key(|k| k.0);
    let mut recipient_rows = Vec::new();
    for chunk in all_kudos.chunks(100) {
        let mut ids =
            kudos::Entity::insert_many(chunk.iter().map(|(at, giver, _, message, tags)| {
                kudos::ActiveModel {
                    giver_id: Set(*giver),
                    message: Set((*message).to_owned()),
                    value_tags: Set(tags.clone()),
                    created_at: Set(*at),
                    ..Default::default()
                }
            }))
            .exec_with_returning_keys(&*txn)
            .await?;
        // Both backends number the rows of one insert in order; RETURNING need not list
        // them in order, so sort.
        ids.sort_unstable();
        if ids.len() != chunk.len() {
            return Err(AppError::internal(anyhow::anyhow!(
                "demo kudos: {} ids for {} rows",
                ids.len(),
                chunk.len()
            )));
        }
        for (id, (_, _, recipients, _, _)) in ids.into_iter().zip(chunk) {
            recipient_rows.extend(
                recipients
                    .iter()
                    .map(|person| kudos_recipient::ActiveModel {
                        kudos_id: Set(id),
                        person_id: Set(*person),
                    }),
            );
        }
    }
    for chunk in recipient_rows.chunks(300) {
        kudos_recipient::Entity::insert_many(chunk.iter().cloned())
            .exec_without_returning(&*txn)
            .await?;
    }

    // Compliments, posted by the cio a day or two after hearing them.
    let mut compliments = Vec::new();
    for (about, giver, affiliation, channel, days_ago, message) in COMPLIMENTS {
        let received_on = workday(today, days_ago);
        // A day or two later, on a weekday (the latest lands a few days ago).
        let posted_on = received_on + Duration::days(dice.between(1, 2));
        let posted_on = match posted_on.weekday() {
            Weekday::Sat => posted_on + Duration::days(2),
            Weekday::Sun => posted_on + Duration::days(1),
            _ => posted_on,
        };
        compliments.push(compliment::ActiveModel {
            person_id: Set(id_of(about)?),
            giver_name: Set(giver.to_owned()),
            giver_affiliation: Set(affiliation.to_owned()),
            channel: Set(channel.to_owned()),
            received_on: Set(received_on),
            message: Set(message.to_owned()),
            posted_by_id: Set(cio_id),
            created_at: Set(office_hours(posted_on, &mut dice)),
            ..Default::default()
        });
    }
    compliment::Entity::insert_many(compliments)
        .exec_without_returning(&*txn)
        .await?;

    announcement::Entity::insert_many(ANNOUNCEMENTS.iter().map(|(kind, days_ago, title, body)| {
        announcement::ActiveModel {
            kind: Set((*kind).to_owned()),
            title: Set((*title).to_owned()),
            body: Set((*body).to_owned()),
            posted_by_id: Set(cio_id),
            created_at: Set(office_hours(workday(today, *days_ago), &mut dice)),
            ..Default::default()
        }
    }))
    .exec_without_returning(&*txn)
    .await?;
    txn.commit().await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::recognition::{ANNOUNCEMENT_KINDS, CHANNELS, MESSAGE_MAX, NOTEBOOK_MESSAGE_MIN};

    fn active_staff() -> Vec<&'static str> {
        let mut names = vec!["Morgan Reyes", "Beth Carter"];
        for (_, lead, members) in &TEAMS {
            names.push(lead.name);
            names.extend(members.iter().map(|m| m.name));
        }
        names
    }

    #[test]
    fn the_trophy_travels_through_most_of_the_department_and_never_to_its_holder() {
        let staff = active_staff();
        let mut holders = vec![TROPHY_FIRST.0];
        holders.extend(TROPHY_PASSES.iter().map(|(name, _)| *name));
        assert!(
            holders.iter().all(|name| staff.contains(name)),
            "{holders:?}"
        );
        assert!(holders.windows(2).all(|pair| pair[0] != pair[1]));
        let mut distinct = holders.clone();
        distinct.sort_unstable();
        distinct.dedup();
        assert!(distinct.len() * 4 >= staff.len() * 3, "{distinct:?}");
        let messages = std::iter::once(TROPHY_FIRST.1).chain(TROPHY_PASSES.iter().map(|p| p.1));
        for message in messages {
            let chars = message.chars().count();
            assert!(
                (NOTEBOOK_MESSAGE_MIN..=MESSAGE_MAX).contains(&chars),
                "{message}"
            );
        }
    }

    #[test]
    fn the_quiet_ones_get_nothing_in_the_last_months() {
        // Pass n lands 365 - 10n days ago, give or take three.
        for (n, (name, _)) in (1_i64..).zip(TROPHY_PASSES) {
            if 365 - 10 * n - 3 <= QUIET_DAYS {
                assert!(!QUIET.contains(&name), "pass {n} goes to {name}");
            }
        }
        for (about, _, _, _, days_ago, _) in COMPLIMENTS {
            assert!(days_ago > QUIET_DAYS || !QUIET.contains(&about), "{about}");
        }
    }

    #[test]
    fn names_tags_channels_and_kinds_are_the_ones_the_services_accept() {
        let staff = active_staff();
        for (name, _) in GIVERS.iter().chain(&RECEIVERS) {
            assert!(staff.contains(name), "{name}");
        }
        for (_, fits) in KUDOS_MESSAGES {
            assert!(fits.iter().all(|v| VALUES.contains(v)), "{fits:?}");
        }
        for (about, _, _, channel, days_ago, _) in COMPLIMENTS {
            assert!(staff.contains(&about), "{about}");
            assert!(CHANNELS.iter().any(|(c, _)| *c == channel), "{channel}");
            assert!(
                days_ago >= 5,
                "posted a day or two later, still in the past"
            );
        }
        for (kind, days_ago, _, _) in ANNOUNCEMENTS {
            assert!(ANNOUNCEMENT_KINDS.iter().any(|(k, _)| *k == kind), "{kind}");
            assert!(days_ago >= 1);
        }
    }

    #[test]
    fn dates_fall_on_weekdays_in_office_hours_and_before_today() {
        let today = Utc::now().date_naive();
        let mut dice = Dice(1);
        for days_ago in 1..=400 {
            let day = workday(today, days_ago);
            assert!(!matches!(day.weekday(), Weekday::Sat | Weekday::Sun));
            assert!(day < today);
            let at = office_hours(day, &mut dice);
            assert_eq!(at.date_naive(), day);
        }
        let mut dice = Dice(7);
        let rolls: Vec<i64> = (0..1000).map(|_| dice.between(-3, 3)).collect();
        assert!(rolls.iter().all(|r| (-3..=3).contains(r)));
        assert!(rolls.contains(&-3) && rolls.contains(&3));
        assert_eq!(Dice(9).weighted(&[0, 0, 5]), Some(2));
        assert_eq!(Dice(9).weighted(&[0, 0]), None);
    }
}
