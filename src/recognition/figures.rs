//! Recognition in figures over a span of time, for the summaries: kudos per month, who
//! gave and received them, the trophies' passes and holders, compliments per channel and
//! announcements per kind. Hidden (moderated) rows do not count. A fixed number of
//! aggregate queries whatever the span.

use chrono::{DateTime, Datelike, Days, NaiveDate, Utc};
use sea_orm::{ConnectionTrait, DbBackend, FromQueryResult};

use super::tallies::{month_key, start_of};
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
    givers: i64,
    receivers: i64,
    staff_thanked: i64,
    staff: i64,
    trophy_passes: i64,
    trophy_holders: i64,
}

/// Recognition from the start of `from_day` to the end of `to_day` (UTC). Kudos come
/// from the maintained tallies (`tallies`), never from the kudos themselves, except in a
/// range inside one month that does not cover it whole (a month of kudos at most). Four
/// queries.
pub async fn figures_between(
    conn: &impl ConnectionTrait,
    from_day: NaiveDate,
    to_day: NaiveDate,
) -> AppResult<RecognitionFigures> {
    let backend = conn.get_database_backend();
    let from = start_of(from_day);
    let to = start_of(to_day + Days::new(1));
    let month = match backend {
        DbBackend::Postgres => "to_char(d.day, 'YYYY-MM')",
        _ => "substr(d.day, 1, 7)",
    };
    let mut p = Params::new();
    let (a, b) = (p.bind(from_day), p.bind(to_day));
    let sql = format!(
        "SELECT {month} AS key, CAST(SUM(d.kudos) AS BIGINT) AS count FROM kudos_days d
         WHERE d.day >= {a} AND d.day <= {b} AND d.kudos > 0
         GROUP BY {month} ORDER BY key"
    );
    let kudos_per_month = KeyCount::find_by_statement(p.statement(backend, sql))
        .all(conn)
        .await?;

    let mut p = Params::new();
    let people = people_sql(&mut p, from_day, to_day, from, to);
    let active = p.bind(true);
    let advisor = p.bind("advisor");
    let pass = p.bind("pass");
    let (a5, b5) = (p.bind(from), p.bind(to));
    let (a6, b6) = (p.bind(from), p.bind(to));
    let sql = format!(
        "SELECT g.givers, g.receivers, g.staff_thanked,
          (SELECT COUNT(*) FROM people p WHERE p.active = {active} AND p.role <> {advisor}) AS staff,
          (SELECT COUNT(*) FROM notebook_entries n
            WHERE n.kind = {pass} AND n.created_at >= {a5} AND n.created_at < {b5}) AS trophy_passes,
          (SELECT COUNT(DISTINCT n.receiver_id) FROM notebook_entries n
            WHERE n.created_at >= {a6} AND n.created_at < {b6}) AS trophy_holders
         FROM ({people}) AS g"
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
        givers: 0,
        receivers: 0,
        staff_thanked: 0,
        staff: 0,
        trophy_passes: 0,
        trophy_holders: 0,
    });
    Ok(RecognitionFigures {
        kudos: kudos_per_month.iter().map(|m| m.count).sum(),
        kudos_per_month,
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

/// The statement that counts distinct givers, receivers and receivers who are staff now
/// (`givers`, `receivers`, `staff_thanked`) from the start of `from_day` to the end of
/// `to_day`, binding into `p`.
///
/// Over whole months it counts people in `kudos_people_months`. In the first and last
/// month of a range that starts or ends inside them, a person counts when their last
/// kudos of that month comes on or after the start (their first before the end): so it
/// stays exact. A range inside one month and not covering it whole reads the kudos
/// themselves (a month of them at most).
fn people_sql(
    p: &mut Params,
    from_day: NaiveDate,
    to_day: NaiveDate,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> String {
    let starts_a_month = from_day.day() == 1;
    let ends_a_month = (to_day + Days::new(1)).day() == 1;
    let (first_month, last_month) = (month_key(from_day), month_key(to_day));
    if first_month == last_month && !(starts_a_month && ends_a_month) {
        let (a, b) = (p.bind(from), p.bind(to));
        let (a2, b2) = (p.bind(from), p.bind(to));
        let (a3, b3) = (p.bind(from), p.bind(to));
        let (active, advisor) = (p.bind(true), p.bind("advisor"));
        return format!(
            "SELECT
              (SELECT COUNT(DISTINCT k.giver_id) FROM kudos k
                WHERE k.created_at >= {a} AND k.created_at < {b} AND k.hidden_at IS NULL) AS givers,
              (SELECT COUNT(DISTINCT r.person_id) FROM kudos_recipients r JOIN kudos k ON k.id = r.kudos_id
                WHERE k.created_at >= {a2} AND k.created_at < {b2} AND k.hidden_at IS NULL) AS receivers,
              (SELECT COUNT(DISTINCT r.person_id) FROM kudos_recipients r JOIN kudos k ON k.id = r.kudos_id
                JOIN people p ON p.id = r.person_id AND p.active = {active} AND p.role <> {advisor}
                WHERE k.created_at >= {a3} AND k.created_at < {b3} AND k.hidden_at IS NULL) AS staff_thanked"
        );
    }
    let mut edges = |what: &str| {
        let mut edge = String::new();
        if !starts_a_month {
            let (m, at) = (p.bind(first_month.clone()), p.bind(from));
            edge += &format!(" AND (m.month <> {m} OR m.last_{what}_at >= {at})");
        }
        if !ends_a_month {
            let (m, at) = (p.bind(last_month.clone()), p.bind(to));
            edge += &format!(" AND (m.month <> {m} OR m.first_{what}_at < {at})");
        }
        edge
    };
    let gave = edges("given");
    let got = edges("received");
    let (active, advisor) = (p.bind(true), p.bind("advisor"));
    let (a, b) = (p.bind(first_month.clone()), p.bind(last_month.clone()));
    // Each person once (their months folded together), then counted: several times
    // faster than COUNT(DISTINCT …) over every month's row.
    format!(
        "SELECT COALESCE(SUM(x.gave), 0) AS givers, COALESCE(SUM(x.got), 0) AS receivers,
          COALESCE(SUM(CASE WHEN p.active = {active} AND p.role <> {advisor} THEN x.got ELSE 0 END), 0)
            AS staff_thanked
         FROM (SELECT m.person_id,
                 MAX(CASE WHEN m.given > 0{gave} THEN 1 ELSE 0 END) AS gave,
                 MAX(CASE WHEN m.received > 0{got} THEN 1 ELSE 0 END) AS got
               FROM kudos_people_months m
               WHERE m.month >= {a} AND m.month <= {b}
               GROUP BY m.person_id) AS x
         JOIN people p ON p.id = x.person_id"
    )
}
