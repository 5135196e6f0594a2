//! The schema of staffdev, one small migration per change. Both backends (SQLite and
//! PostgreSQL) run the same migrations. A migration that has landed is never edited:
//! add a new one instead.

pub use sea_orm_migration::prelude::*;

mod m20261122_000001_people;
mod m20261122_000002_auth;
mod m20261122_000003_plan_and_goals;
mod m20261122_000004_self_evaluations;
mod m20261122_000005_skills;
mod m20261123_000006_recognition;
mod m20261201_000007_feed_indexes;
mod m20261202_000008_devices_and_installation;
mod m20261202_000009_meetings;
mod m20261202_000010_private_links;
mod m20261203_000011_reports;
mod m20261203_000012_ideas;
mod m20261203_000013_surveys;
mod m20261204_000014_goal_send_backs;
mod m20261205_000015_moderation_events;
mod m20261206_000016_recognition_tallies;
mod m20261206_000017_skill_tallies;
mod m20261207_000018_audit_events;
mod m20261208_000019_notifications;
mod m20261209_000020_webhooks;
mod m20261209_000021_self_evaluation_deadlines;
mod m20261209_000022_weekly_digests;
mod m20261210_000023_skill_levels_on_a_day;
mod m20261211_000024_skill_cycle_standings;
mod m20261211_000025_goal_outcome_tallies;
mod m20261212_000026_visible_recognition_indexes;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261122_000001_people::Migration),
            Box::new(m20261122_000002_auth::Migration),
            Box::new(m20261122_000003_plan_and_goals::Migration),
            Box::new(m20261122_000004_self_evaluations::Migration),
            Box::new(m20261122_000005_skills::Migration),
            Box::new(m20261123_000006_recognition::Migration),
            Box::new(m20261201_000007_feed_indexes::Migration),
            Box::new(m20261202_000008_devices_and_installation::Migration),
            Box::new(m20261202_000009_meetings::Migration),
            Box::new(m20261202_000010_private_links::Migration),
            Box::new(m20261203_000011_reports::Migration),
            Box::new(m20261203_000012_ideas::Migration),
            Box::new(m20261203_000013_surveys::Migration),
            Box::new(m20261204_000014_goal_send_backs::Migration),
            Box::new(m20261205_000015_moderation_events::Migration),
            Box::new(m20261206_000016_recognition_tallies::Migration),
            Box::new(m20261206_000017_skill_tallies::Migration),
            Box::new(m20261207_000018_audit_events::Migration),
            Box::new(m20261208_000019_notifications::Migration),
            Box::new(m20261209_000020_webhooks::Migration),
            Box::new(m20261209_000021_self_evaluation_deadlines::Migration),
            Box::new(m20261209_000022_weekly_digests::Migration),
            Box::new(m20261210_000023_skill_levels_on_a_day::Migration),
            Box::new(m20261211_000024_skill_cycle_standings::Migration),
            Box::new(m20261211_000025_goal_outcome_tallies::Migration),
            Box::new(m20261212_000026_visible_recognition_indexes::Migration),
        ]
    }
}
