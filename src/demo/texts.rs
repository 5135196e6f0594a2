//! The demo's year of recognition, as text: the trophy's journey and its notebook, the
//! kudos messages and who sends and receives them most, the compliments heard from outside
//! IT, and the cio's news. Data only; `super::recognition` writes it through the services.

pub(super) const TROPHY_NAME: &str = "The Big Ugly Trophy";
pub(super) const TROPHY_DESCRIPTION: &str = "A metre of inflatable gold plastic with a slow leak, a wobbly \
    base and a notebook taped to it. It goes to whoever made your week: keep it on your desk, \
    blow it up again when it sags, write in the notebook why you are passing it on, and pass \
    it on within a fortnight or so.";

/// The cio gives the trophy its first holder: who, and the notebook's first page.
pub(super) const TROPHY_FIRST: (&str, &str) = (
    "Lars Nilsson",
    "The Big Ugly Trophy starts its life with Lars Nilsson, for moving the whole campus onto \
     the new core switches over one weekend without anyone noticing on Monday morning. Keep it \
     on your desk, top it up with air when it sags, and pass it on to whoever makes your week.",
);

/// The trophy's journey, about one pass every ten days: who received it, and what the one
/// passing it (the previous receiver) wrote in the notebook. Nobody in the last three
/// months of it is among `QUIET` (see there).
pub(super) const TROPHY_PASSES: [(&str, &str); 36] = [
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
pub(super) const KUDOS_MESSAGES: [(&str, &[&str]); 42] = [
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
pub(super) const KUDOS_COUNT: usize = 300;

/// How often each person gives kudos, relative to others (everyone not listed: 2).
pub(super) const GIVERS: [(&str, u32); 9] = [
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
pub(super) const RECEIVERS: [(&str, u32); 11] = [
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
pub(super) const QUIET: [&str; 2] = ["Kwame Asante", "Ines Duarte"];
pub(super) const QUIET_DAYS: i64 = 100;

/// Compliments heard from outside IT: about whom, from whom, their affiliation, the
/// channel, how many days ago, and what they said.
pub(super) const COMPLIMENTS: [(&str, &str, &str, &str, i64, &str); 12] = [
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
pub(super) const ANNOUNCEMENTS: [(&str, i64, &str, &str); 6] = [
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::demo::data::{TEAMS, VALUES};
    use crate::recognition::{
        AnnouncementKind, Channel, MESSAGE_MAX, NOTEBOOK_MESSAGE_MIN, NotebookMessage,
    };
    use crate::validate::Word;

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
            assert!(NotebookMessage::parse(message).is_ok(), "{message}");
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
            assert!(Channel::parse_word(channel).is_ok(), "{channel}");
            assert!(
                days_ago >= 5,
                "posted a day or two later, still in the past"
            );
        }
        for (kind, days_ago, _, _) in ANNOUNCEMENTS {
            assert!(AnnouncementKind::parse_word(kind).is_ok(), "{kind}");
            assert!(days_ago >= 1);
        }
    }
}
