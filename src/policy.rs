//! Who may do what, in one place. API handlers and pages never compare roles themselves:
//! services ask `check`, which answers Ok, 403 (visible but not allowed) or 404 (hidden).

use crate::{error::AppError, people::Role};

/// The signed-in person as policy sees them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Principal {
    pub person_id: i32,
    pub role: Role,
}

/// Someone whose private records (goals, self-evaluations, skill levels) are at stake,
/// with their manager chain from the direct manager upwards.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subject {
    pub person_id: i32,
    pub managers: Vec<i32>,
}

#[derive(Debug, Clone, Copy)]
pub enum Action<'a> {
    /// List the people directory.
    ListPeople,
    /// Read a person's public profile.
    ViewProfile,
    /// Add, edit, deactivate or reactivate people, and set their passwords.
    ManagePeople,
    /// Create, list and revoke one's own API tokens; change one's own password.
    ManageOwnAccount,
    /// Download everything staffdev holds about oneself (never anyone else's).
    DownloadOwnData,
    /// Have private links (the calendar feed, the portal's feed) and reset them; read
    /// through them, as oneself, what one may read signed in.
    UsePrivateLinks,
    /// Read the strategic plan and the review cycles.
    ReadPlan,
    /// Write the strategic plan and run the review cycles.
    ManagePlan,
    /// Keep the skills catalog.
    ManageSkills,
    /// Read someone's private records: goals, self-evaluations, skill levels.
    ViewPrivateRecords(&'a Subject),
    /// Write one's own records: report progress, write one's self-evaluation (never an
    /// advisor, who keeps no such records: 404).
    WriteOwnRecords(&'a Subject),
    /// See the team view: the people below one in the chain (everyone, for the cio).
    ViewTeam,
    /// See every figure about goals and skills exactly, however few people it covers;
    /// everyone else sees figures about fewer than k people, or that would give them away
    /// by subtraction, withheld (`disclosure`).
    ViewExactFigures,
    /// Approve, review or assess someone's private records (their managers and the cio).
    ReviewPrivateRecords(&'a Subject),
    /// Read the portal: the trophies and their notebooks, kudos, compliments, announcements.
    ReadPortal,
    /// Send kudos and pass a trophy one holds: members of the department, not advisors.
    GiveRecognition,
    /// Create and reassign trophies, post compliments and announcements, and hide what
    /// should not be on the portal.
    ManageRecognition,
    /// List what has been hidden from the portal and bring it back: the cio. Nobody else
    /// learns the list exists (404), since it names what was hidden and why.
    ReviewHiddenItems,
    /// Read the audit trail (who changed what, when) and export it: the cio. Nobody else
    /// learns it exists (404): it names people, their roles and failed sign-ins.
    ReadAuditTrail,
    /// See who has gone unrecognised lately and kudos per team: the cio, and managers
    /// (anyone with active direct reports) for the people below them.
    ViewRecognitionBalance { is_manager: bool },
    /// Read a meeting, its agenda and its outcomes. A meeting that was never published (a
    /// draft, or a draft cancelled) is seen by the cio and its facilitator only.
    ViewMeeting {
        was_published: bool,
        is_facilitator: bool,
    },
    /// Build a meeting's agenda, time it as it runs, record its outcomes and attendance,
    /// and mark it held: the cio, and the meeting's facilitator (never an advisor).
    RunMeeting { is_facilitator: bool },
    /// Create meetings, edit their own fields, publish and cancel them; keep the question
    /// bank and the agenda templates: the cio.
    ManageMeetings,
    /// Read the department's summaries (figures about fewer than k people withheld unless
    /// `ViewExactFigures`): everyone signed in, advisors included.
    ReadSummaries,
    /// Read the summary of the people below oneself: managers and the cio, never advisors.
    ViewTeamSummary { is_manager: bool },
    /// Publish a summary as the annual report: the cio.
    PublishReports,
    /// Submit an idea or a concern about the department's services: everyone signed in.
    SubmitIdea,
    /// Read the ideas and the cio's replies, with who submitted them: everyone signed in.
    ReadIdeas,
    /// Answer an idea with a status and a reply, and link an adopted one: the cio.
    AnswerIdeas,
    /// The advisory committee's home page: advisors and the cio.
    ViewCommitteeHome,
    /// Write client-feedback surveys, invite clients, see every free-text answer, hide
    /// or release one, and post or dismiss clients' compliments: the cio.
    ManageSurveys,
    /// Read a survey and its results (free text only once released): everyone signed in
    /// for an open or closed survey, the cio alone for a draft.
    ViewSurvey { is_draft: bool },
    /// One's own "waiting for you" list: everyone with records of their own (advisors
    /// have none).
    ReadWorkList,
    /// Turn notification kinds on or off for the department and read the outbox (who was
    /// told what, and what failed): the cio. Nobody else learns the page exists (404).
    ManageNotifications,
}

/// True when `actor_id` is somewhere above the subject in the manager chain.
pub fn is_in_chain(actor_id: i32, subject: &Subject) -> bool {
    subject.managers.contains(&actor_id)
}

/// The decision, without an error type, so the table test reads plainly.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Allow,
    /// The caller may know the resource exists but may not do this (403).
    Forbid,
    /// The caller may not know the resource exists (404).
    Hide,
}

pub fn decide(actor: Principal, action: Action<'_>) -> Decision {
    use Decision::*;
    let is_cio = actor.role == Role::Cio;
    match action {
        Action::SubmitIdea | Action::ReadIdeas => Allow,
        Action::ReadWorkList => {
            if actor.role == Role::Advisor {
                Hide
            } else {
                Allow
            }
        }
        Action::AnswerIdeas => {
            if is_cio {
                Allow
            } else {
                Forbid
            }
        }
        Action::ViewCommitteeHome => {
            if is_cio || actor.role == Role::Advisor {
                Allow
            } else {
                Forbid
            }
        }
        Action::ListPeople
        | Action::ViewProfile
        | Action::ManageOwnAccount
        | Action::DownloadOwnData
        | Action::UsePrivateLinks
        | Action::ReadPlan
        | Action::ReadPortal => Allow,
        Action::GiveRecognition => {
            if actor.role == Role::Advisor {
                Forbid
            } else {
                Allow
            }
        }
        Action::ReviewHiddenItems | Action::ReadAuditTrail => {
            if is_cio {
                Allow
            } else {
                Hide
            }
        }
        Action::ViewRecognitionBalance { is_manager } => {
            // Individual names of who is not being thanked: never for advisors, and not
            // for staff without reports (it is not a page about their peers).
            if is_cio || (is_manager && actor.role != Role::Advisor) {
                Allow
            } else {
                Hide
            }
        }
        Action::ManagePeople
        | Action::ManagePlan
        | Action::ManageSkills
        | Action::ManageRecognition => {
            if is_cio {
                Allow
            } else {
                Forbid
            }
        }
        Action::ViewPrivateRecords(subject) => {
            let own = subject.person_id == actor.person_id;
            // Advisors never see individual records, even their own would-be chain.
            if actor.role == Role::Advisor && !own {
                Hide
            } else if own || is_cio || is_in_chain(actor.person_id, subject) {
                Allow
            } else {
                Hide
            }
        }
        Action::WriteOwnRecords(subject) => {
            if actor.role == Role::Advisor {
                // Advisors keep no goals, self-evaluations or skills of their own: there is
                // nothing of theirs to write, so it answers as anything else they may not see.
                Hide
            } else if subject.person_id == actor.person_id {
                Allow
            } else if decide(actor, Action::ViewPrivateRecords(subject)) == Allow {
                // Their managers see the record but write only their own part of it.
                Forbid
            } else {
                Hide
            }
        }
        Action::ReviewPrivateRecords(subject) => {
            if subject.person_id == actor.person_id {
                // One may see one's own records but never approve or review them, the cio
                // included (another cio, or their own manager, reviews the cio).
                Forbid
            } else if actor.role == Role::Advisor {
                Hide
            } else if is_cio || is_in_chain(actor.person_id, subject) {
                Allow
            } else {
                Hide
            }
        }
        Action::ViewTeam => {
            // Advisors see aggregates only, even if someone were put under one.
            if actor.role == Role::Advisor {
                Hide
            } else {
                Allow
            }
        }
        Action::ViewExactFigures => {
            // Staff see their own and their reports' records elsewhere; small figures
            // would tell them about the others.
            if is_cio { Allow } else { Forbid }
        }
        Action::ViewMeeting {
            was_published,
            is_facilitator,
        } => {
            if was_published || is_cio || (is_facilitator && actor.role != Role::Advisor) {
                Allow
            } else {
                Hide
            }
        }
        Action::RunMeeting { is_facilitator } => {
            if is_cio || (is_facilitator && actor.role != Role::Advisor) {
                Allow
            } else {
                Forbid
            }
        }
        Action::ManageMeetings => {
            if is_cio {
                Allow
            } else {
                Forbid
            }
        }
        Action::ReadSummaries => Allow,
        Action::ViewTeamSummary { is_manager } => {
            if actor.role != Role::Advisor && (is_cio || is_manager) {
                Allow
            } else {
                Hide
            }
        }
        Action::PublishReports => {
            if is_cio {
                Allow
            } else {
                Forbid
            }
        }
        Action::ManageSurveys => {
            if is_cio {
                Allow
            } else {
                Forbid
            }
        }
        Action::ViewSurvey { is_draft } => {
            if is_cio || !is_draft {
                Allow
            } else {
                Hide
            }
        }
        Action::ManageNotifications => {
            if is_cio {
                Allow
            } else {
                Hide
            }
        }
    }
}

/// Whether `decide` allows it, for showing or hiding what a reader may use.
pub fn allows(actor: Principal, action: Action<'_>) -> bool {
    decide(actor, action) == Decision::Allow
}

/// The portal for a reader who may not be signed in: open to everyone signed in, and to
/// anonymous visitors when the department has made it public.
pub fn check_portal(actor: Option<Principal>, public: bool) -> Result<(), AppError> {
    match actor {
        Some(actor) => check(actor, Action::ReadPortal),
        None if public => Ok(()),
        None => Err(AppError::Unauthenticated),
    }
}

/// `decide`, as the error a service returns.
pub fn check(actor: Principal, action: Action<'_>) -> Result<(), AppError> {
    match decide(actor, action) {
        Decision::Allow => Ok(()),
        Decision::Forbid => Err(AppError::Forbidden(forbidden_message(action).to_owned())),
        Decision::Hide => Err(AppError::NotFound),
    }
}

fn forbidden_message(action: Action<'_>) -> &'static str {
    match action {
        Action::ManagePeople => "Only the cio can add, edit or deactivate people.",
        Action::ManagePlan => "Only the cio can change the strategic plan and the review cycles.",
        Action::ManageSkills => "Only the cio can change the skills catalog.",
        Action::GiveRecognition => {
            "Advisors read the portal; kudos and the trophy are for the department's staff."
        }
        Action::ManageRecognition => "Only the cio can do this.",
        Action::WriteOwnRecords(_) => "Only the person themselves can do this.",
        Action::ReviewPrivateRecords(_) => "You cannot approve or review your own records.",
        Action::RunMeeting { .. } => {
            "Only the cio and the meeting's facilitator can change its agenda and outcomes."
        }
        Action::ManageMeetings => "Only the cio can plan, publish or cancel meetings.",
        Action::PublishReports => "Only the cio can publish the annual report.",
        Action::AnswerIdeas => "Only the cio answers ideas.",
        Action::ViewCommitteeHome => {
            "This page is made for the advisory committee and the cio; the ideas are at /ideas."
        }
        Action::ManageSurveys => {
            "Only the cio can change surveys, invite clients or moderate their answers."
        }
        _ => "You are not allowed to do this.",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Decision::*;

    // The department used by the table:
    //   1 cio (no manager)
    //   2 lead      (reports to 1)
    //   3 engineer  (reports to 2)
    //   4 peer      (reports to 2)
    //   5 other lead (reports to 1)
    //   6 advisor
    fn subject_engineer() -> Subject {
        Subject {
            person_id: 3,
            managers: vec![2, 1],
        }
    }

    fn principal(person_id: i32, role: Role) -> Principal {
        Principal { person_id, role }
    }

    #[test]
    fn the_role_table_holds() {
        let engineer = subject_engineer();
        let cio = principal(1, Role::Cio);
        let lead = principal(2, Role::Staff);
        let me = principal(3, Role::Staff);
        let peer = principal(4, Role::Staff);
        let other_lead = principal(5, Role::Staff);
        let advisor = principal(6, Role::Advisor);
        let cio_self = Subject {
            person_id: 1,
            managers: vec![],
        };
        let advisor_self = Subject {
            person_id: 6,
            managers: vec![],
        };

        #[rustfmt::skip]
        let table: Vec<(&str, Principal, Action, Decision)> = vec![
            ("cio lists people",            cio,        Action::ListPeople, Allow),
            ("staff lists people",          peer,       Action::ListPeople, Allow),
            ("advisor lists people",        advisor,    Action::ListPeople, Allow),
            ("advisor views a profile",     advisor,    Action::ViewProfile, Allow),
            ("cio manages people",          cio,        Action::ManagePeople, Allow),
            ("a manager cannot manage people", lead,    Action::ManagePeople, Forbid),
            ("staff cannot manage people",  me,         Action::ManagePeople, Forbid),
            ("advisor cannot manage people", advisor,   Action::ManagePeople, Forbid),
            ("everyone manages own account", advisor,   Action::ManageOwnAccount, Allow),
            ("staff download their own data", me,       Action::DownloadOwnData, Allow),
            ("advisors download their own data", advisor, Action::DownloadOwnData, Allow),
            ("staff have private links",    me,         Action::UsePrivateLinks, Allow),
            ("the cio has private links",   cio,        Action::UsePrivateLinks, Allow),
            ("advisors have private links", advisor,    Action::UsePrivateLinks, Allow),
            ("owner sees own records",      me,         Action::ViewPrivateRecords(&engineer), Allow),
            ("manager sees report's records", lead,     Action::ViewPrivateRecords(&engineer), Allow),
            ("manager's manager sees them", cio,        Action::ViewPrivateRecords(&engineer), Allow),
            ("peer does not see them",      peer,       Action::ViewPrivateRecords(&engineer), Hide),
            ("lead of another team does not", other_lead, Action::ViewPrivateRecords(&engineer), Hide),
            ("advisor never sees them",     advisor,    Action::ViewPrivateRecords(&engineer), Hide),
            ("manager reviews report",      lead,       Action::ReviewPrivateRecords(&engineer), Allow),
            ("cio reviews anyone",          cio,        Action::ReviewPrivateRecords(&engineer), Allow),
            ("owner cannot review self",    me,         Action::ReviewPrivateRecords(&engineer), Forbid),
            ("peer cannot review",          peer,       Action::ReviewPrivateRecords(&engineer), Hide),
            ("advisor cannot review",       advisor,    Action::ReviewPrivateRecords(&engineer), Hide),
            ("cio cannot review own records", cio,      Action::ReviewPrivateRecords(&cio_self), Forbid),
            ("staff see their team view",   lead,       Action::ViewTeam, Allow),
            ("advisors have no team view",  advisor,    Action::ViewTeam, Hide),
            ("advisors see no small figures", advisor,  Action::ViewExactFigures, Forbid),
            ("nor do staff",                me,         Action::ViewExactFigures, Forbid),
            ("nor do managers",             lead,       Action::ViewExactFigures, Forbid),
            ("the cio sees exact figures",  cio,        Action::ViewExactFigures, Allow),
            ("everyone reads the plan",     advisor,    Action::ReadPlan, Allow),
            ("cio manages the plan",        cio,        Action::ManagePlan, Allow),
            ("a manager cannot change the plan", lead,  Action::ManagePlan, Forbid),
            ("advisor cannot change the plan", advisor, Action::ManagePlan, Forbid),
            ("cio keeps the skills catalog", cio,       Action::ManageSkills, Allow),
            ("a manager does not",          lead,       Action::ManageSkills, Forbid),
            ("owner writes own records",    me,         Action::WriteOwnRecords(&engineer), Allow),
            ("manager cannot write them",   lead,       Action::WriteOwnRecords(&engineer), Forbid),
            ("cio cannot write them",       cio,        Action::WriteOwnRecords(&engineer), Forbid),
            ("peer cannot see to write",    peer,       Action::WriteOwnRecords(&engineer), Hide),
            ("advisor cannot see to write", advisor,    Action::WriteOwnRecords(&engineer), Hide),
            ("advisor cannot write own records", advisor, Action::WriteOwnRecords(&advisor_self), Hide),
            ("advisors read the portal",    advisor,    Action::ReadPortal, Allow),
            ("staff give kudos",            me,         Action::GiveRecognition, Allow),
            ("the cio gives kudos",         cio,        Action::GiveRecognition, Allow),
            ("advisors do not",             advisor,    Action::GiveRecognition, Forbid),
            ("the cio posts compliments",   cio,        Action::ManageRecognition, Allow),
            ("a manager does not",          lead,       Action::ManageRecognition, Forbid),
            ("staff do not",                me,         Action::ManageRecognition, Forbid),
            ("the cio reviews hidden items", cio,       Action::ReviewHiddenItems, Allow),
            ("a manager does not see them", lead,       Action::ReviewHiddenItems, Hide),
            ("staff do not see them",       me,         Action::ReviewHiddenItems, Hide),
            ("advisors do not see them",    advisor,    Action::ReviewHiddenItems, Hide),
            ("the cio reads the audit trail", cio,      Action::ReadAuditTrail, Allow),
            ("a manager does not see it",   lead,       Action::ReadAuditTrail, Hide),
            ("staff do not see it",         me,         Action::ReadAuditTrail, Hide),
            ("advisors do not see it",      advisor,    Action::ReadAuditTrail, Hide),
            ("managers see the balance",    lead,       Action::ViewRecognitionBalance { is_manager: true }, Allow),
            ("the cio sees it, reports or not", cio,    Action::ViewRecognitionBalance { is_manager: false }, Allow),
            ("staff without reports do not", peer,     Action::ViewRecognitionBalance { is_manager: false }, Hide),
            ("advisors never see it",       advisor,    Action::ViewRecognitionBalance { is_manager: false }, Hide),
            ("the cio sees a draft meeting", cio,       Action::ViewMeeting { was_published: false, is_facilitator: false }, Allow),
            ("its facilitator sees the draft", me,      Action::ViewMeeting { was_published: false, is_facilitator: true }, Allow),
            ("other staff do not",          peer,       Action::ViewMeeting { was_published: false, is_facilitator: false }, Hide),
            ("advisors do not see drafts",  advisor,    Action::ViewMeeting { was_published: false, is_facilitator: false }, Hide),
            ("not even one they facilitate", advisor,   Action::ViewMeeting { was_published: false, is_facilitator: true }, Hide),
            ("staff read published meetings", peer,     Action::ViewMeeting { was_published: true, is_facilitator: false }, Allow),
            ("advisors read published meetings", advisor, Action::ViewMeeting { was_published: true, is_facilitator: false }, Allow),
            ("the cio runs any meeting",    cio,        Action::RunMeeting { is_facilitator: false }, Allow),
            ("the facilitator runs theirs", me,         Action::RunMeeting { is_facilitator: true }, Allow),
            ("other staff do not run it",   peer,       Action::RunMeeting { is_facilitator: false }, Forbid),
            ("advisors never write to meetings", advisor, Action::RunMeeting { is_facilitator: true }, Forbid),
            ("the cio plans meetings",      cio,        Action::ManageMeetings, Allow),
            ("a facilitator does not",      me,         Action::ManageMeetings, Forbid),
            ("advisors do not plan meetings", advisor,  Action::ManageMeetings, Forbid),
            ("advisors read summaries",     advisor,    Action::ReadSummaries, Allow),
            ("staff read summaries",        me,         Action::ReadSummaries, Allow),
            ("the cio reads summaries",     cio,        Action::ReadSummaries, Allow),
            ("a manager sees the team's summary", lead, Action::ViewTeamSummary { is_manager: true }, Allow),
            ("the cio sees the team's summary", cio,    Action::ViewTeamSummary { is_manager: false }, Allow),
            ("staff without reports do not", peer,     Action::ViewTeamSummary { is_manager: false }, Hide),
            ("advisors never see a team's", advisor,    Action::ViewTeamSummary { is_manager: true }, Hide),
            ("the cio publishes reports",   cio,        Action::PublishReports, Allow),
            ("a manager does not publish",  lead,       Action::PublishReports, Forbid),
            ("advisors do not publish",     advisor,    Action::PublishReports, Forbid),
            ("advisors submit ideas",       advisor,    Action::SubmitIdea, Allow),
            ("staff submit ideas",          me,         Action::SubmitIdea, Allow),
            ("managers submit ideas",       lead,       Action::SubmitIdea, Allow),
            ("the cio submits ideas",       cio,        Action::SubmitIdea, Allow),
            ("advisors read the ideas",     advisor,    Action::ReadIdeas, Allow),
            ("staff read the ideas",        peer,       Action::ReadIdeas, Allow),
            ("managers read the ideas",     lead,       Action::ReadIdeas, Allow),
            ("the cio reads the ideas",     cio,        Action::ReadIdeas, Allow),
            ("the cio answers ideas",       cio,        Action::AnswerIdeas, Allow),
            ("a manager does not answer",   lead,       Action::AnswerIdeas, Forbid),
            ("staff do not answer",         me,         Action::AnswerIdeas, Forbid),
            ("advisors do not answer",      advisor,    Action::AnswerIdeas, Forbid),
            ("advisors have their home",    advisor,    Action::ViewCommitteeHome, Allow),
            ("the cio sees the committee's home", cio,  Action::ViewCommitteeHome, Allow),
            ("staff do not",                me,         Action::ViewCommitteeHome, Forbid),
            ("managers do not",             lead,       Action::ViewCommitteeHome, Forbid),
            ("the cio writes surveys",      cio,        Action::ManageSurveys, Allow),
            ("staff do not write surveys",  me,         Action::ManageSurveys, Forbid),
            ("advisors do not write surveys", advisor,  Action::ManageSurveys, Forbid),
            ("the cio sees a draft survey", cio,        Action::ViewSurvey { is_draft: true }, Allow),
            ("staff do not see drafts",     me,         Action::ViewSurvey { is_draft: true }, Hide),
            ("advisors do not see drafts",  advisor,    Action::ViewSurvey { is_draft: true }, Hide),
            ("staff read an open survey's results", me, Action::ViewSurvey { is_draft: false }, Allow),
            ("advisors read them too",      advisor,    Action::ViewSurvey { is_draft: false }, Allow),
            ("the cio reads the outbox",    cio,        Action::ManageNotifications, Allow),
            ("a manager does not",          lead,       Action::ManageNotifications, Hide),
            ("staff do not",                me,         Action::ManageNotifications, Hide),
            ("advisors do not",             advisor,    Action::ManageNotifications, Hide),
        ];
        for (case, actor, action, expected) in table {
            assert_eq!(decide(actor, action), expected, "{case}");
        }
    }

    #[test]
    fn a_cio_who_is_not_in_the_chain_still_sees_private_records() {
        let subject = Subject {
            person_id: 3,
            managers: vec![2],
        };
        assert_eq!(
            decide(
                principal(9, Role::Cio),
                Action::ViewPrivateRecords(&subject)
            ),
            Allow
        );
    }

    #[test]
    fn the_chain_is_every_manager_above_not_only_the_direct_one() {
        let subject = Subject {
            person_id: 10,
            managers: vec![11, 12, 13],
        };
        assert!(is_in_chain(11, &subject));
        assert!(is_in_chain(13, &subject));
        assert!(!is_in_chain(10, &subject));
        assert!(!is_in_chain(14, &subject));
    }

    #[test]
    fn hidden_records_answer_not_found_and_forbidden_actions_answer_forbidden() {
        let subject = subject_engineer();
        let hidden = check(
            principal(4, Role::Staff),
            Action::ViewPrivateRecords(&subject),
        );
        assert!(matches!(hidden, Err(AppError::NotFound)));
        let forbidden = check(principal(3, Role::Staff), Action::ManagePeople);
        assert!(matches!(forbidden, Err(AppError::Forbidden(_))));
    }
}
