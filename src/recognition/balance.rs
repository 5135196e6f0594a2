//! Who received what: the recognition balance across the people below a manager, and one
//! person's recognition over a period as evidence for their review.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{ConnectionTrait, FromQueryResult, Statement};

use crate::{
    auth::Actor,
    db::Db,
    error::{AppError, AppResult},
    people::{self, PersonRef},
    policy::{self, Action},
};

// ---------------------------------------------------------------------------------------
// The recognition balance: so appreciation does not become a popularity contest.

pub const BALANCE_DAYS_DEFAULT: i64 = 90;

#[derive(Debug, Clone)]
pub struct Unrecognised {
    pub person: PersonRef,
    pub team: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TeamBalance {
    pub team: String,
    pub people: i64,
    /// Kudos sent by the team's members in the period (one per kudos, however many it thanked).
    pub kudos_given: i64,
    /// Thanks received by the team's members (a kudos to three of them counts three).
    pub kudos_received: i64,
    /// Members with no kudos and no compliment in the period.
    pub unrecognised: i64,
}

#[derive(Debug, Clone)]
pub struct Balance {
    pub days: i64,
    pub since: DateTime<Utc>,
    pub unrecognised: Vec<Unrecognised>,
    pub teams: Vec<TeamBalance>,
}

#[derive(FromQueryResult)]
struct PersonCount {
    person_id: i32,
    n: i64,
}

/// Who in the reader's scope (the people below them; everyone, for the cio) has received
/// no kudos and no compliment in the last `days` days, and per team the kudos given and
/// received. Five queries, each limited to the period by an index on time.
pub async fn balance(db: &Db, actor: &Actor, days: Option<i64>) -> AppResult<Balance> {
    policy::check(
        actor.principal(),
        Action::ViewRecognitionBalance {
            is_manager: actor.is_manager,
        },
    )?;
    let days = days.unwrap_or(BALANCE_DAYS_DEFAULT);
    if !(1..=730).contains(&days) {
        return Err(AppError::invalid(
            "days",
            "Use a number of days from 1 to 730.",
        ));
    }
    let since = Utc::now() - chrono::Duration::days(days);
    let everyone = policy::allows(actor.principal(), Action::ManagePeople);
    let conn = db.conn();
    let backend = db.backend();
    // Whose balance this is comes from the people service: the manager chain is theirs.
    let scope = people::reports_below(conn, actor.person_id, everyone).await?;
    let received = PersonCount::find_by_statement(Statement::from_sql_and_values(
        backend,
        "SELECT r.person_id, COUNT(*) AS n FROM kudos k JOIN kudos_recipients r ON r.kudos_id = k.id
         WHERE k.created_at >= $1 AND k.hidden_at IS NULL GROUP BY r.person_id",
        [since.into()],
    ))
    .all(conn)
    .await?;
    let given = PersonCount::find_by_statement(Statement::from_sql_and_values(
        backend,
        "SELECT k.giver_id AS person_id, COUNT(*) AS n FROM kudos k
         WHERE k.created_at >= $1 AND k.hidden_at IS NULL GROUP BY k.giver_id",
        [since.into()],
    ))
    .all(conn)
    .await?;
    let complimented = PersonCount::find_by_statement(Statement::from_sql_and_values(
        backend,
        "SELECT c.person_id, COUNT(*) AS n FROM compliments c
         WHERE c.received_on >= $1 AND c.hidden_at IS NULL GROUP BY c.person_id",
        [since.date_naive().into()],
    ))
    .all(conn)
    .await?;
    // By person, so a department of thousands is a lookup per person, not a scan.
    let by_person = |rows: Vec<PersonCount>| -> HashMap<i32, i64> {
        rows.into_iter().map(|r| (r.person_id, r.n)).collect()
    };
    let (received, given, complimented) = (
        by_person(received),
        by_person(given),
        by_person(complimented),
    );
    let count = |counts: &HashMap<i32, i64>, id: i32| counts.get(&id).copied().unwrap_or(0);
    let mut unrecognised = Vec::new();
    let mut teams: BTreeMap<String, TeamBalance> = BTreeMap::new();
    for p in scope {
        let got = count(&received, p.person.id) + count(&complimented, p.person.id);
        let team = teams.entry(p.team.clone()).or_insert_with(|| TeamBalance {
            team: p.team.clone(),
            people: 0,
            kudos_given: 0,
            kudos_received: 0,
            unrecognised: 0,
        });
        team.people += 1;
        team.kudos_given += count(&given, p.person.id);
        team.kudos_received += count(&received, p.person.id);
        if got == 0 {
            team.unrecognised += 1;
            unrecognised.push(Unrecognised {
                person: p.person,
                team: p.team,
            });
        }
    }
    Ok(Balance {
        days,
        since,
        unrecognised,
        // By team name, as the map keeps them.
        teams: teams.into_values().collect(),
    })
}

// ---------------------------------------------------------------------------------------
// What a person received: evidence for their self-evaluation.

/// What kind of recognition a piece of evidence is; the word is kept in evaluations.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    strum::EnumIter,
    strum::IntoStaticStr,
    strum::EnumString,
    strum::EnumMessage,
)]
pub enum ReceivedKind {
    #[strum(serialize = "kudos", message = "Kudos")]
    Kudos,
    #[strum(serialize = "notebook", message = "Trophy notebook entry")]
    NotebookEntry,
    #[strum(serialize = "compliment", message = "Compliment")]
    Compliment,
}

/// A piece of recognition someone received, as evidence for their review.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Received {
    pub kind: ReceivedKind,
    pub id: i64,
    pub on: NaiveDate,
    /// Who gave it: a colleague's name, or a compliment's giver and affiliation.
    pub giver: String,
    pub message: String,
}

#[derive(FromQueryResult)]
struct ReceivedRow {
    kind: String,
    id: i64,
    at: DateTime<Utc>,
    received_on: Option<NaiveDate>,
    giver: String,
    affiliation: String,
    message: String,
}

/// The kudos, trophy notebook entries and compliments a person received between two
/// dates (inclusive), newest first, leaving out anything hidden. One query. The caller
/// has checked that the reader may see this person's records.
pub async fn received(
    conn: &impl ConnectionTrait,
    person_id: i32,
    from: NaiveDate,
    to: NaiveDate,
) -> AppResult<Vec<Received>> {
    let since = from.and_time(chrono::NaiveTime::MIN).and_utc();
    let until = (to + chrono::Duration::days(1))
        .and_time(chrono::NaiveTime::MIN)
        .and_utc();
    let rows = ReceivedRow::find_by_statement(Statement::from_sql_and_values(
        conn.get_database_backend(),
        "SELECT 'kudos' AS kind, k.id, k.created_at AS at, CAST(NULL AS DATE) AS received_on, g.name AS giver,
                '' AS affiliation, k.message
         FROM kudos_recipients r JOIN kudos k ON k.id = r.kudos_id JOIN people g ON g.id = k.giver_id
         WHERE r.person_id = $1 AND k.hidden_at IS NULL AND k.created_at >= $2 AND k.created_at < $3
         UNION ALL
         SELECT 'notebook', e.id, e.created_at, NULL, g.name, '', e.message
         FROM notebook_entries e JOIN people g ON g.id = e.giver_id
         WHERE e.receiver_id = $1 AND e.kind = 'pass' AND e.hidden_at IS NULL
           AND e.created_at >= $2 AND e.created_at < $3
         UNION ALL
         SELECT 'compliment', c.id, c.created_at, c.received_on, c.giver_name, c.giver_affiliation, c.message
         FROM compliments c
         WHERE c.person_id = $1 AND c.hidden_at IS NULL AND c.received_on >= $4 AND c.received_on <= $5
         ORDER BY at DESC",
        [
            person_id.into(),
            since.into(),
            until.into(),
            from.into(),
            to.into(),
        ],
    ))
    .all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .filter_map(|r| {
            Some(Received {
                kind: r.kind.parse().ok()?,
                id: r.id,
                on: r.received_on.unwrap_or_else(|| r.at.date_naive()),
                giver: if r.affiliation.is_empty() {
                    r.giver
                } else {
                    format!("{} ({})", r.giver, r.affiliation)
                },
                message: r.message,
            })
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validate::Word;

    #[test]
    fn evidence_kinds_keep_their_stored_words_and_labels() {
        crate::validate::assert_labelled::<ReceivedKind>();
        let words: Vec<&str> = ReceivedKind::all().into_iter().map(Word::as_str).collect();
        assert_eq!(words, ["kudos", "notebook", "compliment"]);
    }
}
