//! The integration tests: one binary, every test on SQLite and, when
//! `STAFFDEV_TEST_POSTGRES_URL` is set, on PostgreSQL too (see `both_backends!`).

#[macro_use]
mod helpers;

mod accessibility;
mod audit;
mod auth;
mod backup;
mod browser;
mod calendar;
mod cli;
mod daily;
mod db;
mod demo;
mod feedback;
mod goals;
mod hardening;
mod ideas;
mod journeys;
mod meetings;
mod moderation;
mod navigation;
mod notification_events;
mod notifications;
mod openapi;
mod operations;
mod own_data;
mod pages;
mod people;
mod plan;
mod portable;
mod recognition;
mod reports;
mod resilience;
mod review_pages;
mod reviews;
mod skills;
mod summaries;
mod todo;
mod webhooks;
mod weekly_digest;
