//! The demo's year of client feedback, written through the feedback services with
//! back-dated moments: a survey opened a year ago whose "explanation understood" rating
//! climbs month by month toward the plan's 4.5, invitations sent after requests closed
//! (most answered, some not), answers through the open link, free text the cio released
//! (the latest months still waiting), and a few compliments from clients in the queue.

use chrono::{DateTime, Duration, Utc};

use crate::{
    auth::Actor,
    db::Db,
    error::{AppError, AppResult},
    feedback::{
        self, InvitationInput, QuestionInput, SurveyInput,
        respond::{self, ResponseInput, Target},
    },
};

/// A fixed-seed generator (SplitMix64), so the demo answers the same on every load.
struct Dice(u64);

impl Dice {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

const COMMENTS: [&str; 8] = [
    "The technician showed me what had gone wrong instead of just fixing it.",
    "I still do not know why the printer stopped working, but it works now.",
    "Clear instructions by email, with screenshots. Thank you!",
    "It took three visits; the first two did not explain what they were trying.",
    "Friendly and patient with my questions about the new VPN.",
    "Please avoid acronyms in the ticket updates.",
    "The knowledge-base article you sent answered everything.",
    "Quick, polite, and I understood the fix.",
];

const PRAISE: [(&str, &str, &str); 4] = [
    (
        "explained the whole migration in plain words and stayed until my files were back.",
        "Dr. Ana Moreau",
        "Department of History",
    ),
    (
        "was calm and clear when our lab's network went down before a deadline.",
        "",
        "Chemistry Lab",
    ),
    (
        "sent me a short guide afterwards so I can do it myself next time.",
        "Jamal Ortiz",
        "",
    ),
    (
        "fixed the projector ten minutes before my lecture and told me what to check next time.",
        "Prof. Lena Weiss",
        "School of Music",
    ),
];

fn at(base: DateTime<Utc>, days: i64, hours: i64) -> DateTime<Utc> {
    base + Duration::days(days) + Duration::hours(hours)
}

/// Loads the survey and its year of answers. `understood` and `first_time` are the plan's
/// objectives the two measured questions inform.
pub(super) async fn load_feedback(
    db: &Db,
    cio: &Actor,
    roster: &[Actor],
    understood: Option<i32>,
    first_time: Option<i32>,
) -> AppResult<()> {
    let now = Utc::now();
    let start = now - Duration::days(365);
    let survey = feedback::create(
        db,
        cio,
        SurveyInput {
            title: Some("How did we do?".into()),
            introduction: Some(
                "You recently asked IT for help. Three short questions, one minute: your answers are anonymous and tell us whether we are getting better."
                    .into(),
            ),
            status: None,
        },
        vec![
            QuestionInput {
                kind: Some("rating".into()),
                prompt: Some("Did we explain the problem and its fix in words you understood?".into()),
                required: Some(true),
                objective_id: understood,
                target: understood.map(|_| 4.5),
            },
            QuestionInput {
                kind: Some("yes_no".into()),
                prompt: Some("Was your problem solved the first time you contacted us?".into()),
                required: Some(true),
                objective_id: first_time,
                target: first_time.map(|_| 80.0),
            },
            QuestionInput {
                kind: Some("text".into()),
                prompt: Some("What could we do better?".into()),
                required: Some(false),
                objective_id: None,
                target: None,
            },
        ],
        start,
    )
    .await?;
    feedback::update(
        db,
        cio,
        survey.id,
        SurveyInput {
            status: Some("open".into()),
            ..Default::default()
        },
        start + Duration::hours(1),
    )
    .await?;
    let question = |n: usize| {
        survey
            .questions
            .get(n)
            .map(|q| q.id)
            .ok_or_else(|| AppError::internal(anyhow::anyhow!("demo survey question missing")))
    };
    let (rating, yes_no, text) = (question(0)?, question(1)?, question(2)?);
    let helpers: Vec<i32> = roster.iter().skip(2).map(|a| a.person_id).collect();
    let mut dice = Dice(14);
    let mut praise = 0;
    for month in 0..12i64 {
        let base = start + Duration::days(month * 30 + 2);
        // The rating climbs from about 3.4 toward 4.4 over the year.
        let lift = month as u64 * 9;
        let answer = |dice: &mut Dice, compliment: Option<(i32, usize)>| {
            let roll = dice.below(100) + lift;
            let score = match roll {
                0..=9 => 2,
                10..=49 => 3,
                50..=89 => 4,
                _ => 5,
            };
            let mut input = ResponseInput::default();
            input.answers.insert(rating, score.to_string());
            input.answers.insert(
                yes_no,
                if dice.chance(55 + month as u64 * 2) {
                    "yes"
                } else {
                    "no"
                }
                .to_owned(),
            );
            if dice.chance(35) {
                input.answers.insert(
                    text,
                    COMMENTS[dice.below(COMMENTS.len() as u64) as usize].to_owned(),
                );
            }
            if let Some((person, n)) = compliment {
                let (message, name, affiliation) = PRAISE[n % PRAISE.len()];
                input.compliment = Some(message.to_owned());
                input.compliment_person_id = Some(person.to_string());
                input.giver_name = Some(name.to_owned());
                input.giver_affiliation = Some(affiliation.to_owned());
            }
            input
        };
        // Invitations after closed requests: eight a month, most answered within days.
        let helper = helpers.get(month as usize % helpers.len().max(1)).copied();
        let made = feedback::invite(
            db,
            cio,
            survey.id,
            vec![InvitationInput { staff_id: helper }; 8],
            30,
            base,
        )
        .await?;
        for (k, invitation) in made.iter().enumerate() {
            if dice.chance(35) {
                continue; // not answered
            }
            let when = at(base, 1 + k as i64 % 5, 9 + k as i64);
            if when >= now {
                continue;
            }
            // A compliment now and then, for the staff member who served; the last ones
            // wait in the cio's queue.
            let compliment = (month >= 9 && k == 0 && praise < 4)
                .then(|| helper.map(|h| (h, praise)))
                .flatten();
            if compliment.is_some() {
                praise += 1;
            }
            let input = answer(&mut dice, compliment);
            let _ = respond::submit(
                db,
                &Target::Invitation(invitation.token.clone()),
                input,
                when,
            )
            .await?;
        }
        // Answers through the open link.
        for k in 0..(4 + dice.below(4) as i64) {
            let when = at(base, 3 + k * 3, 14);
            if when >= now {
                continue;
            }
            let input = answer(&mut dice, None);
            let _ = respond::submit(db, &Target::Open(survey.id), input, when).await?;
        }
        // The cio reviews the free text every quarter; the last months wait.
        if month % 3 == 2 && month < 9 {
            feedback::release_all(db, cio, survey.id, base + Duration::days(28)).await?;
        }
    }
    // One compliment went to the portal already; the others wait.
    if let Some(first) = feedback::compliment_queue(db, cio).await?.first() {
        feedback::post_client_compliment(db, cio, first.id, now).await?;
    }
    Ok(())
}
