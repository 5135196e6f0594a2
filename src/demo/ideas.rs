//! The committee's ideas in the demo: two from each status, sent by the two advisors (a
//! faculty member and a student) and by staff, answered by the cio; one adopted idea feeds
//! the objective nobody works on yet, another was taken up at the retreat's ideas item.
//! Written through the ideas service, so each answer keeps the rules of the status moves.

use super::Actor;
use crate::{
    db::Db,
    error::{AppError, AppResult},
    ideas::{self, AnswerInput, IdeaInput},
    meetings::{self, ItemKind, agenda},
    plan::ObjectiveRef,
};

/// Where an idea ends up.
enum Fate {
    New,
    Considering(&'static str),
    /// The reply, and what it is linked to.
    Adopted(&'static str, Link),
    Declined(&'static str),
}

enum Link {
    Objective(&'static str),
    RetreatIdeas,
}

/// Who sends it (an index into the senders), its title, its text and its fate.
type IdeaSeed = (usize, &'static str, &'static str, Fate);

fn seeds() -> Vec<IdeaSeed> {
    vec![
        (
            1,
            "Co-design the new room booking service with students",
            "Students book group rooms every day and know what goes wrong. Invite a few of us to \
             shape the new booking service before it is built, not after.",
            Fate::Adopted(
                "Adopted. It is the first of the two services we will co-design with clients \
                 (objective G4.2); the committee will be asked for two student volunteers.",
                Link::Objective("G4.2"),
            ),
        ),
        (
            0,
            "Bring the committee's ideas to the retreat",
            "The committee's ideas could be discussed by the whole department once a year, \
             with the people who would carry them out in the room.",
            Fate::Adopted(
                "Adopted: the retreat now has an ideas item, and this year's discussed the \
                 committee's list.",
                Link::RetreatIdeas,
            ),
        ),
        (
            1,
            "Help desk office hours in the student union",
            "Many students never come to the IT building. One afternoon a week at the student \
             union would reach them where they are.",
            Fate::Considering(
                "We like it and are checking which afternoon the union has a room, and who can \
                 staff it without leaving the desk short.",
            ),
        ),
        (
            0,
            "Short video guides for the learning platform",
            "Faculty would use two-minute videos for the tasks they do once a term and forget \
             in between (setting up a gradebook, copying a course).",
            Fate::Considering(
                "Under consideration: the knowledge base team is trying two videos this term to \
                 see whether they are watched.",
            ),
        ),
        (
            2,
            "Replace every lab desktop with tablets",
            "Tablets are cheaper and lighter; the labs could be used for more than sitting at \
             a desk.",
            Fate::Declined(
                "Declined for now: several courses need software that does not run on tablets. \
                 We will lend tablets for the courses that can use them instead.",
            ),
        ),
        (
            1,
            "Let students reinstall a lab machine themselves",
            "When a lab machine misbehaves, a button to reset it would save waiting for IT.",
            Fate::Declined(
                "Declined: a reset button would also wipe the next student's session and our \
                 security updates. Lab machines now reset themselves every night instead.",
            ),
        ),
        (
            0,
            "A plain-language status page for outages",
            "When something is down, tell us in one sentence what is affected and when to \
             check again, on a page anyone can find.",
            Fate::New,
        ),
        (
            3,
            "A shared calendar of planned changes for departments",
            "Department administrators ask us every week what is changing next; a calendar \
             they can subscribe to would answer them before they ask.",
            Fate::New,
        ),
    ]
}

/// Loads the ideas. `advisors` are the faculty member and the student; `staff` someone of
/// the department who sends ideas too.
pub(super) async fn load_ideas(
    db: &Db,
    cio: &Actor,
    advisors: &[Actor; 2],
    staff: &[Actor; 2],
    objectives: &[ObjectiveRef],
) -> AppResult<()> {
    let senders = [&advisors[0], &advisors[1], &staff[0], &staff[1]];
    let retreat_ideas = retreat_ideas_item(db, cio).await?;
    for (sender, title, text, fate) in seeds() {
        let sender = senders
            .get(sender)
            .ok_or_else(|| AppError::internal(anyhow::anyhow!("demo idea sender missing")))?;
        let idea = ideas::submit(
            db,
            sender,
            IdeaInput {
                title: Some(title.to_owned()),
                text: Some(text.to_owned()),
            },
        )
        .await?;
        let reply = |status: &str, reply: &str| AnswerInput {
            status: Some(status.to_owned()),
            reply: Some(reply.to_owned()),
            objective_id: None,
            meeting_item_id: None,
        };
        let considering = "Thank you: we are looking at it and will answer here.";
        match fate {
            Fate::New => {}
            Fate::Considering(text) => {
                ideas::answer(db, cio, idea.id, reply("under_consideration", text)).await?;
            }
            Fate::Declined(text) => {
                ideas::answer(db, cio, idea.id, reply("under_consideration", considering)).await?;
                ideas::answer(db, cio, idea.id, reply("declined", text)).await?;
            }
            Fate::Adopted(text, link) => {
                ideas::answer(db, cio, idea.id, reply("under_consideration", considering)).await?;
                let mut answer = reply("adopted", text);
                match link {
                    Link::Objective(code) => {
                        answer.objective_id =
                            objectives.iter().find(|o| o.code == code).map(|o| o.id);
                    }
                    Link::RetreatIdeas => answer.meeting_item_id = retreat_ideas,
                }
                ideas::answer(db, cio, idea.id, answer).await?;
            }
        }
    }
    Ok(())
}

/// The ideas item of the demo's retreat, read through the meetings service.
async fn retreat_ideas_item(db: &Db, cio: &Actor) -> AppResult<Option<i64>> {
    let Some(retreat) = meetings::list(db, cio)
        .await?
        .into_iter()
        .find(|m| m.kind == meetings::MeetingKind::Retreat)
    else {
        return Ok(None);
    };
    Ok(agenda::agenda(db, cio, retreat.id)
        .await?
        .items
        .into_iter()
        .find(|i| i.kind == ItemKind::Ideas)
        .map(|i| i.id))
}
