//! Recognition in figures over a span of time, for the summaries: kudos per month, who
//! gave and received them, the trophies' passes and holders, compliments per channel and
//! announcements per kind. Hidden (moderated) rows do not count. A fixed number of
//! aggregate queries whatever the span.

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{ConnectionTrait, DbBackend, FromQueryResult};

use crate::{db::Params, error::AppResult};

/// How many of something there were, by a key (a month "2026-03", a channel, a kind).
#[derive(Debug, Clone, PartialEq, Eq, FromQueryResult)]
pub struct KeyCount {
    pub key: String,
    pub count: i64,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RecognitionFigures {
    /// Kudos sent per month (UTC), months without any left out, in month order.
    pub kudos_per_month: Vec<KeyCount>,
    pub kudos: i64,
    pub givers: i64,
    pub receivers: i64,
    /// Receivers who are active members of the department (not advisors).
    pub staff_thanked: i64,
    /// Active members of the department now (not advisors): the share thanked is of them.
    pub staff: i64,
    pub trophy_passes: i64,
    /// People who received a trophy in the span (by a pass, a reassignment or its start).
    pub trophy_holders: i64,
    /// Compliments received in the span, per channel word.
    pub compliments: Vec<KeyCount>,
    /// Announcements posted in the span, per kind word.
    pub announcements: Vec<KeyCount>,
}

#[derive(FromQueryResult)]
struct People {
    kudos: i64,
    givers: i64,
    receivers: i64,
    staff_thanked: i64,
    staff: i64,
    trophy_passes: i64,
    trophy_holders: i64,
}

/// Recognition from `from` (inclusive) to `to` (exclusive); compliments by the day they
/// were received, `from_day` to `to_day` inclusive. Four queries.
pub async fn figures_between(
    conn: &impl ConnectionTrait,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    from_day: NaiveDate,
    to_day: NaiveDate,
) -> AppResult<RecognitionFigures> {
    let backend = conn.get_database_backend();
    let month = match backend {
        DbBackend::Postgres => "to_char(k.created_at AT TIME ZONE 'UTC', 'YYYY-MM')",
        _ => "substr(k.created_at, 1, 7)",
    };
    let mut p = Params::new();
    let (a, b) = (p.bind(from), p.bind(to));
    let sql = format!(
        "SELECT {month} AS key, COUNT(*) AS count FROM kudos k
         WHERE k.created_at >= {a} AND k.created_at < {b} AND k.hidden_at IS NULL
         GROUP BY {month} ORDER BY key"
    );
    let kudos_per_month = KeyCount::find_by_statement(p.statement(backend, sql))
        .all(conn)
        .await?;

    let mut p = Params::new();
    let (a, b) = (p.bind(from), p.bind(to));
    let (a2, b2) = (p.bind(from), p.bind(to));
    let (a3, b3) = (p.bind(from), p.bind(to));
    let (a4, b4) = (p.bind(from), p.bind(to));
    let active = p.bind(true);
    let advisor = p.bind("advisor");
    let (active2, advisor2) = (p.bind(true), p.bind("advisor"));
    let pass = p.bind("pass");
    let (a5, b5) = (p.bind(from), p.bind(to));
    let (a6, b6) = (p.bind(from), p.bind(to));
    let sql = format!(
        "SELECT
          (SELECT COUNT(*) FROM kudos k
            WHERE k.created_at >= {a} AND k.created_at < {b} AND k.hidden_at IS NULL) AS kudos,
          (SELECT COUNT(DISTINCT k.giver_id) FROM kudos k
            WHERE k.created_at >= {a2} AND k.created_at < {b2} AND k.hidden_at IS NULL) AS givers,
          (SELECT COUNT(DISTINCT r.person_id) FROM kudos_recipients r JOIN kudos k ON k.id = r.kudos_id
            WHERE k.created_at >= {a3} AND k.created_at < {b3} AND k.hidden_at IS NULL) AS receivers,
          (SELECT COUNT(DISTINCT r.person_id) FROM kudos_recipients r JOIN kudos k ON k.id = r.kudos_id
            JOIN people p ON p.id = r.person_id AND p.active = {active} AND p.role <> {advisor}
            WHERE k.created_at >= {a4} AND k.created_at < {b4} AND k.hidden_at IS NULL) AS staff_thanked,
          (SELECT COUNT(*) FROM people p WHERE p.active = {active2} AND p.role <> {advisor2}) AS staff,
          (SELECT COUNT(*) FROM notebook_entries n
            WHERE n.kind = {pass} AND n.created_at >= {a5} AND n.created_at < {b5}) AS trophy_passes,
          (SELECT COUNT(DISTINCT n.receiver_id) FROM notebook_entries n
            WHERE n.created_at >= {a6} AND n.created_at < {b6}) AS trophy_holders"
    );
    let people = People::find_by_statement(p.statement(backend, sql))
        .one(conn)
        .await?;

    let mut p = Params::new();
    let (a, b) = (p.bind(from_day), p.bind(to_day));
    let sql = format!(
        "SELECT channel AS key, COUNT(*) AS count FROM compliments
         WHERE received_on >= {a} AND received_on <= {b} AND hidden_at IS NULL
         GROUP BY channel ORDER BY channel"
    );
    let compliments = KeyCount::find_by_statement(p.statement(backend, sql))
        .all(conn)
        .await?;

    let mut p = Params::new();
    let (a, b) = (p.bind(from), p.bind(to));
    let sql = format!(
        "SELECT kind AS key, COUNT(*) AS count FROM announcements
         WHERE created_at >= {a} AND created_at < {b} AND hidden_at IS NULL
         GROUP BY kind ORDER BY kind"
    );
    let announcements = KeyCount::find_by_statement(p.statement(backend, sql))
        .all(conn)
        .await?;

    let people = people.unwrap_or(People {
        kudos: 0,
        givers: 0,
        receivers: 0,
        staff_thanked: 0,
        staff: 0,
        trophy_passes: 0,
        trophy_holders: 0,
    });
    Ok(RecognitionFigures {
        kudos_per_month,
        kudos: people.kudos,
        givers: people.givers,
        receivers: people.receivers,
        staff_thanked: people.staff_thanked,
        staff: people.staff,
        trophy_passes: people.trophy_passes,
        trophy_holders: people.trophy_holders,
        compliments,
        announcements,
    })
}
