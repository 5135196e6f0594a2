//! The annual report: a summary the cio publishes with a title and an introduction, kept
//! as it was at publication. It keeps what a reader who knows nobody one by one sees (an
//! advisor, an anonymous visitor of a public portal), since reports are public: later data
//! never changes it. Listed for everyone signed in, and for anonymous visitors when the
//! portal is public; the latest is on the portal.

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};

use super::{PeriodInput, Summary, periods, public_summary};
use crate::{
    auth::Actor,
    db::Db,
    entities::annual_report,
    error::{AppError, AppResult},
    paging::{self, Page},
    policy::{self, Action, Principal},
    validate::{Errors, LongText, Title},
};

/// A report as typed by the cio: its title, introduction and period.
#[derive(Debug, Clone, Default)]
pub struct ReportInput {
    pub title: Option<String>,
    pub introduction: Option<String>,
    pub period: PeriodInput,
}

/// A report in a list.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportRef {
    pub id: i64,
    pub title: String,
    pub period_from: NaiveDate,
    pub period_to: NaiveDate,
    pub published_at: DateTime<Utc>,
}

/// A report with its frozen summary.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    pub head: ReportRef,
    pub introduction: String,
    pub summary: Summary,
}

fn head(m: &annual_report::Model) -> ReportRef {
    ReportRef {
        id: m.id,
        title: m.title.clone(),
        period_from: m.period_from,
        period_to: m.period_to,
        published_at: m.published_at,
    }
}

/// Publishes the summary of a period as a report (the cio), in one transaction.
pub async fn publish(
    db: &Db,
    actor: &Actor,
    input: ReportInput,
    k: i64,
    now: DateTime<Utc>,
) -> AppResult<ReportRef> {
    policy::check(actor.principal(), Action::PublishReports)?;
    let mut errors = Errors::default();
    let title = errors.check(
        "title",
        Title::parse_or(input.title.as_deref().unwrap_or_default(), "Enter a title."),
    );
    let introduction = errors.check(
        "introduction",
        LongText::parse(input.introduction.as_deref().unwrap_or_default()),
    );
    let period = match periods(db, &input.period).await {
        Ok(p) => Some(p),
        Err(AppError::Invalid(found)) => {
            errors.0.extend(found);
            None
        }
        Err(other) => return Err(other),
    };
    let (Some(title), Some(introduction), Some((period, previous))) = (title, introduction, period)
    else {
        return Err(errors.into_error());
    };
    let summary = public_summary(db, period, previous, k).await?;
    let json = serde_json::to_string(&summary).map_err(AppError::internal)?;
    let txn = db.write().await?;
    let created = annual_report::ActiveModel {
        title: Set(title.into_string()),
        introduction: Set(introduction.into_string()),
        period_from: Set(summary.period.from),
        period_to: Set(summary.period.to),
        cycle_id: Set(summary.period.cycle_id),
        summary: Set(json),
        published_by_id: Set(actor.person_id),
        published_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    crate::notifications::webhooks::enqueue(
        &txn,
        &crate::notifications::webhooks::PublicPayload::ReportPublished {
            report_id: created.id,
            title: created.title.clone(),
            period_from: created.period_from,
            period_to: created.period_to,
        },
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(head(&created))
}

/// The published reports, newest first (all of them, for pages that list a few). One query.
pub async fn list(db: &Db, actor: Option<Principal>, public: bool) -> AppResult<Vec<ReportRef>> {
    Ok(page(db, actor, public, Some(paging::MAX_LIMIT), None)
        .await?
        .items)
}

/// One page of the published reports, newest first: `limit` of them after the `after`
/// cursor (keyset on publication time and id, never OFFSET). One query.
pub async fn page(
    db: &Db,
    actor: Option<Principal>,
    public: bool,
    limit: Option<u64>,
    after: Option<&str>,
) -> AppResult<Page<ReportRef>> {
    policy::check_portal(actor, public)?;
    let limit = paging::limit(limit)?;
    let mut query = annual_report::Entity::find();
    if let Some(cursor) = after.filter(|c| !c.is_empty()) {
        let (at, id): (DateTime<Utc>, i64) = paging::decode_cursor(cursor)?;
        query = query.filter(
            Condition::any()
                .add(annual_report::Column::PublishedAt.lt(at))
                .add(
                    Condition::all()
                        .add(annual_report::Column::PublishedAt.eq(at))
                        .add(annual_report::Column::Id.lt(id)),
                ),
        );
    }
    let rows = query
        .order_by_desc(annual_report::Column::PublishedAt)
        .order_by_desc(annual_report::Column::Id)
        .limit(limit + 1)
        .all(db.conn())
        .await?;
    let page = paging::finish(rows, limit, |m| (m.published_at, m.id));
    Ok(Page {
        items: page.items.iter().map(head).collect(),
        next: page.next,
    })
}

/// The latest report, for the portal. One query.
pub async fn latest(
    db: &Db,
    actor: Option<Principal>,
    public: bool,
) -> AppResult<Option<ReportRef>> {
    policy::check_portal(actor, public)?;
    newest(db.conn()).await
}

/// The latest report, for the portal's shared first page, whose reader the portal has
/// checked already (it is the same for every reader, so it is read with the rest of the
/// page and shared with it). One query.
pub async fn newest(conn: &impl ConnectionTrait) -> AppResult<Option<ReportRef>> {
    Ok(annual_report::Entity::find()
        .order_by_desc(annual_report::Column::PublishedAt)
        .order_by_desc(annual_report::Column::Id)
        .limit(1)
        .one(conn)
        .await?
        .as_ref()
        .map(head))
}

/// One report as published. One query.
pub async fn get(db: &Db, actor: Option<Principal>, public: bool, id: i64) -> AppResult<Report> {
    policy::check_portal(actor, public)?;
    let model = annual_report::Entity::find_by_id(id)
        .one(db.conn())
        .await?
        .ok_or(AppError::NotFound)?;
    let summary: Summary = serde_json::from_str(&model.summary).map_err(AppError::internal)?;
    Ok(Report {
        head: head(&model),
        introduction: model.introduction,
        summary,
    })
}
