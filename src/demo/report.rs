//! The demo's annual report: last year's cycle, published by the cio a few weeks after it
//! closed, with a short introduction. Written through the reports service, so it is
//! frozen as any report is.

use chrono::{NaiveTime, Utc};

use super::{Actor, date};
use crate::{
    db::Db,
    error::AppResult,
    summaries::{
        PeriodInput,
        reports::{self, ReportInput},
    },
};

/// The privacy threshold the demo's report is published under: `STAFFDEV_PRIVACY_K`'s
/// default (the demo is loaded before, and apart from, any setting of the service).
const DEMO_PRIVACY_K: i64 = 3;

const INTRODUCTION: &str = "Our first year under the new strategic plan. Communication \
skills rose, kudos spread to more people as the year went on, and the trophy's notebook now \
holds the names of much of the department.\n\n\
One objective, co-designing services with our clients, had nobody working on it: the \
committee's ideas gave us a way in, and this year's cycle takes it up. Thank you to the \
advisory committee for its questions, and to everyone who wrote a self-evaluation with care.";

pub(super) async fn load_report(db: &Db, cio: &Actor, cycle_id: i32) -> AppResult<()> {
    // A few weeks after the cycle closed; never in the future when the demo runs early.
    let published_at = date(2026, 7, 21)?
        .and_time(NaiveTime::from_hms_opt(9, 0, 0).unwrap_or(NaiveTime::MIN))
        .and_utc()
        .min(Utc::now());
    reports::publish(
        db,
        cio,
        ReportInput {
            title: Some("Annual report 2025–26".into()),
            introduction: Some(INTRODUCTION.into()),
            period: PeriodInput {
                cycle_id: Some(cycle_id),
                ..PeriodInput::default()
            },
        },
        DEMO_PRIVACY_K,
        published_at,
    )
    .await?;
    Ok(())
}
