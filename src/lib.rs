//! staffdev: develop and recognise the people of a service department.

/// JSON API plumbing: problem responses, bearer authentication, the OpenAPI service.
pub mod api;
/// Application state, routes, middleware and the listener.
pub mod app;
/// The audit trail: who changed what and when, append-only, read by the cio.
pub mod audit;
/// Sign-in, sessions, API tokens, CSRF and the actor of a request.
pub mod auth;
/// `staffdev backup` and `restore`: consistent copies of the SQLite database while serving.
pub mod backup;
/// Meetings as iCalendar, and the private links of calendar apps and feed readers.
pub mod calendar;
/// Charts drawn on the server as SVG, each with its figures as a table.
pub mod charts;
/// Settings from flags and `STAFFDEV_*` environment variables.
pub mod config;
/// Review cycles and their phases.
pub mod cycles;
/// How pages write dates: "27 Nov 2026", with the time where it matters.
pub mod dates;
/// Connections, migrations and write transactions for SQLite and PostgreSQL.
pub mod db;
/// The demo department.
pub mod demo;
/// Which figures a reader may see without learning about fewer than k people.
pub mod disclosure;
/// sea-orm entities, used only by services.
pub mod entities;
/// The one error type and its mappings.
pub mod error;
/// Client feedback: surveys, invitations, anonymous responses, compliments from clients.
pub mod feedback;
/// Performance goals linked to the plan.
pub mod goals;
/// The committee's ideas: ideas and concerns about the department's services and the cio's answers; the advisory committee's home page.
pub mod ideas;
/// This installation's own id, created once and kept in the database.
pub mod installation;
/// Quarterly meetings and the retreat: agendas, the question bank, outcomes.
pub mod meetings;
/// Notifications: the outbox written with each event, preferences, the email sender.
pub mod notifications;
/// Everything staffdev holds about a person, for them to download.
pub mod own_data;
/// Keyset pagination shared by every collection.
pub mod paging;
/// People, roles and the manager chain.
pub mod people;
/// The strategic plan: goals, objectives and coverage.
pub mod plan;
/// Who may do what.
pub mod policy;
/// `staffdev export` and `import`: the whole department in one portable file, between backends.
pub mod portable;
/// Kudos, trophies and their notebooks, compliments, announcements and the portal.
pub mod recognition;
/// Self-evaluations, manager reviews and the team view.
pub mod reviews;
/// Read-mostly results shared by every reader for a moment.
pub mod shared;
/// The skills catalog.
pub mod skills;
/// Summaries for the advisory committee: the department's period in figures.
pub mod summaries;
/// Start-up helpers for the command line: logging and shutdown signals.
pub mod telemetry;
/// "Waiting for you": what each person has to do now, and the start page that shows it.
pub mod todo;
/// Small input checks shared by every service.
pub mod validate;
/// Page plumbing shared by every area.
pub mod web;
