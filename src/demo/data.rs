//! The demo department: its people and teams, its strategic plan and values, the goals its
//! people set, and its skills catalog. Data only; `super::load` writes it through the
//! services.

/// The demo catalog: name, kind, description.
pub(super) const SKILLS: [(&str, &str, &str); 12] = [
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

pub(super) struct Member {
    pub(super) name: &'static str,
    pub(super) title: &'static str,
}

pub(super) const TEAMS: [(&str, Member, [Member; 6]); 3] = [
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

/// A strategic goal of the demo plan: title, description, and its objectives (title, measure).
pub(super) type StrategicGoalSeed = (
    &'static str,
    &'static str,
    &'static [(&'static str, &'static str)],
);

/// The demo plan's strategic goals, each with its objectives.
pub(super) const PLAN_GOALS: [StrategicGoalSeed; 4] = [
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

/// A staff goal template: objective (by code), title, category.
pub(super) const GOAL_IDEAS: [(&str, &str, &str); 12] = [
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

/// The department's values, spelled as the demo plan lists them: kudos tags use this
/// spelling exactly.
pub(super) const VALUES: [&str; 5] = [
    "Service first",
    "Plain language",
    "Proactive care",
    "Learning every day",
    "One team",
];
