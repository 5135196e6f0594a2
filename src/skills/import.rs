//! The baseline round import: a department's first skill assessments, taken on paper or in
//! a spreadsheet, brought in as one CSV file by the cio.
//!
//! Every row is checked before anything is written; one bad row rejects the whole file
//! with the row numbers (as a spreadsheet numbers them: the header is row 1) and reasons,
//! so a half-imported round never has to be untangled by hand.

use std::collections::{HashMap, HashSet};

use chrono::{Datelike, NaiveDate, Utc};
use sea_orm::{ConnectionTrait, EntityTrait, FromQueryResult, Set, Statement};

use crate::{
    auth::Actor,
    db::{Db, Params, WriteTxn},
    entities::{person, skill, skill_assessment},
    error::{AppError, AppResult, FieldError},
    people::{Email, Role},
    policy::{self, Action},
    skills::Source,
    validate::{self, Level, LongText, TEXT_MAX, TextError, Word},
};

/// Larger files are refused before they are read row by row.
pub const IMPORT_MAX_BYTES: usize = 5 * 1024 * 1024;
/// A department of 2,000 people with 20 skills and both sources fits with room to spare.
pub const IMPORT_MAX_ROWS: usize = 100_000;
/// A file with many bad rows lists this many problems and how many more there are.
const ERRORS_SHOWN: usize = 200;
/// Rows per INSERT: eight values a row stays far below both backends' parameter limits.
const INSERT_CHUNK: usize = 1_000;
/// People per recomputation of baseline and current levels.
const LEVELS_CHUNK: usize = 500;

/// The columns, in any order; `note` may be left out.
const COLUMNS: [(&str, &[&str]); 6] = [
    ("email", &["email", "person email", "person_email"]),
    ("skill", &["skill", "skill name", "skill_name"]),
    ("level", &["level"]),
    ("date", &["date", "assessed on", "assessed_on"]),
    ("source", &["source"]),
    ("note", &["note", "notes"]),
];

/// What an import wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportSummary {
    pub assessments: usize,
    pub people: usize,
    pub skills: usize,
}

struct Row {
    /// The row number as a spreadsheet shows it.
    line: u64,
    person_id: i32,
    skill_id: i32,
    level: Level,
    assessed_on: NaiveDate,
    source: Source,
    note: LongText,
}

/// Imports a baseline round from CSV text (comma, semicolon or tab separated, as
/// spreadsheets write it). The cio only. All or nothing, in one transaction.
pub async fn import_baseline(db: &Db, actor: &Actor, file: &str) -> AppResult<ImportSummary> {
    policy::check(actor.principal(), Action::ManageSkills)?;
    if file.len() > IMPORT_MAX_BYTES {
        return Err(AppError::invalid(
            "file",
            format!(
                "The file is larger than {} MB; split it into smaller files.",
                IMPORT_MAX_BYTES / (1024 * 1024)
            ),
        ));
    }
    let file = file.strip_prefix('\u{feff}').unwrap_or(file);
    if file.trim().is_empty() {
        return Err(AppError::invalid("file", "The file is empty."));
    }

    // Read and write in one transaction, so what was checked is what is written on.
    let txn = db.write().await?;
    let people: HashMap<String, person::Model> = person::Entity::find()
        .all(&txn)
        .await?
        .into_iter()
        .map(|p| (p.email.clone(), p))
        .collect();
    let catalog: HashMap<String, skill::Model> = skill::Entity::find()
        .all(&txn)
        .await?
        .into_iter()
        .map(|s| (s.name_key.clone(), s))
        .collect();
    let rows = parse(file, &people, &catalog, actor.person_id)?;
    let mut assessed: Vec<i32> = rows.iter().map(|r| r.person_id).collect();
    assessed.sort_unstable();
    assessed.dedup();
    super::standings::lock_people(&txn, &assessed).await?;
    refuse_already_recorded(&txn, &rows).await?;
    let now = Utc::now();
    for chunk in rows.chunks(INSERT_CHUNK) {
        let models = chunk.iter().map(|r| skill_assessment::ActiveModel {
            person_id: Set(r.person_id),
            skill_id: Set(r.skill_id),
            level: Set(r.level.to_i16()),
            source: Set(r.source.as_str().to_owned()),
            assessor_id: Set(match r.source {
                Source::Own => r.person_id,
                Source::Manager => actor.person_id,
            }),
            assessed_on: Set(r.assessed_on),
            note: Set(r.note.as_str().to_owned()),
            created_at: Set(now),
            ..Default::default()
        });
        skill_assessment::Entity::insert_many(models)
            .exec_without_returning(&txn)
            .await?;
    }
    let person_ids: Vec<i32> = rows
        .iter()
        .map(|r| r.person_id)
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    for chunk in person_ids.chunks(LEVELS_CHUNK) {
        recompute_levels(&txn, chunk).await?;
    }
    let skill_ids: Vec<i32> = rows
        .iter()
        .map(|r| r.skill_id)
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    super::tallies::recount(&txn, &skill_ids).await?;
    for chunk in person_ids.chunks(LEVELS_CHUNK) {
        super::standings::refresh_people(&txn, chunk, Some(&skill_ids)).await?;
    }
    txn.commit().await?;
    Ok(ImportSummary {
        assessments: rows.len(),
        people: person_ids.len(),
        skills: rows
            .iter()
            .map(|r| r.skill_id)
            .collect::<HashSet<_>>()
            .len(),
    })
}

/// The separator the header line uses most: spreadsheets in many locales write semicolons,
/// and a paste from one is tab separated.
fn sniff_delimiter(file: &str) -> u8 {
    let header = file.lines().next().unwrap_or("");
    [b',', b';', b'\t']
        .into_iter()
        .max_by_key(|d| header.bytes().filter(|b| b == d).count())
        .unwrap_or(b',')
}

fn header_key(cell: &str) -> String {
    cell.trim().to_lowercase().replace('-', " ")
}

/// Reads and checks every row; any problem rejects the file with all problems listed.
fn parse(
    file: &str,
    people: &HashMap<String, person::Model>,
    catalog: &HashMap<String, skill::Model>,
    importer_id: i32,
) -> AppResult<Vec<Row>> {
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(sniff_delimiter(file))
        .flexible(true)
        .has_headers(true)
        .from_reader(file.as_bytes());
    let header = reader
        .headers()
        .map_err(|err| AppError::invalid("file", format!("The header row cannot be read: {err}.")))?
        .clone();
    let mut index: HashMap<&str, usize> = HashMap::new();
    for (column, names) in COLUMNS {
        if let Some(at) = header
            .iter()
            .position(|cell| names.contains(&header_key(cell).as_str()))
        {
            index.insert(column, at);
        }
    }
    let missing: Vec<&str> = COLUMNS
        .iter()
        .map(|(c, _)| *c)
        .filter(|c| *c != "note" && !index.contains_key(c))
        .collect();
    if !missing.is_empty() {
        return Err(AppError::invalid(
            "file",
            format!(
                "The first row must name the columns email, skill, level, date, source and (optionally) note; missing: {}.",
                missing.join(", ")
            ),
        ));
    }

    let today = Utc::now().date_naive();
    let mut errors: Vec<FieldError> = Vec::new();
    let mut bad_rows = 0usize;
    let mut rows = Vec::new();
    // (person, skill, source, date) → the row that first had it.
    let mut seen: HashMap<(i32, i32, &'static str, NaiveDate), u64> = HashMap::new();
    for record in reader.records() {
        let record = match record {
            Ok(record) => record,
            Err(err) => {
                let line = err.position().map_or(0, |p| p.line());
                bad_rows += 1;
                errors.push(FieldError::new(
                    format!("rows[{line}]"),
                    format!("Row {line}: the row cannot be read ({err})."),
                ));
                continue;
            }
        };
        let line = record.position().map_or(0, |p| p.line());
        if record.iter().all(|cell| cell.trim().is_empty()) {
            continue; // a blank line, as spreadsheets leave at the end
        }
        // Cells past the header have no column: dropping them would cut a note with an
        // unquoted separator short without a word, so the row is refused instead.
        if record.len() > header.len() {
            bad_rows += 1;
            errors.push(FieldError::new(
                format!("rows[{line}]"),
                format!(
                    "Row {line}: the row has {} fields but the header has {}; put a note that contains the separator in double quotes.",
                    record.len(),
                    header.len()
                ),
            ));
            continue;
        }
        if rows.len() + bad_rows >= IMPORT_MAX_ROWS {
            return Err(AppError::invalid(
                "file",
                format!(
                    "The file has more than {IMPORT_MAX_ROWS} rows; split it into smaller files."
                ),
            ));
        }
        let cell = |column: &str| {
            index
                .get(column)
                .and_then(|&at| record.get(at))
                .unwrap_or("")
                .trim()
        };
        let mut problems: Vec<(&str, String)> = Vec::new();

        let person = match Email::parse(cell("email")) {
            Err(_) if cell("email").is_empty() => {
                problems.push(("email", "the email is missing.".into()));
                None
            }
            Err(message) => {
                problems.push(("email", lower_first(&message)));
                None
            }
            Ok(email) => match people.get(email.as_str()) {
                None => {
                    problems.push((
                        "email",
                        format!("nobody in staffdev has the email {}.", email.as_str()),
                    ));
                    None
                }
                Some(p) if p.role == Role::Advisor.as_str() => {
                    problems.push((
                        "email",
                        format!("{} is an advisor; advisors are not assessed.", p.name),
                    ));
                    None
                }
                Some(p) if !p.active => {
                    problems.push((
                        "email",
                        format!(
                            "{} is no longer active; remove the row or reactivate them first.",
                            p.name
                        ),
                    ));
                    None
                }
                Some(p) => Some(p),
            },
        };

        let skill_name = cell("skill");
        let skill = if skill_name.is_empty() {
            problems.push(("skill", "the skill is missing.".into()));
            None
        } else {
            match catalog.get(&skill_name.to_lowercase()) {
                None => {
                    problems.push((
                        "skill",
                        format!("there is no skill named {skill_name:?} in the catalog."),
                    ));
                    None
                }
                Some(s) if s.retired => {
                    problems.push(("skill", format!("{} has been retired.", s.name)));
                    None
                }
                Some(s) => Some(s),
            }
        };

        let level = noted(&mut problems, "level", parse_level(cell("level")));

        let assessed_on = match validate::parse_date(cell("date")) {
            Ok(date) if date > today => {
                problems.push(("date", format!("{date} is in the future.")));
                None
            }
            Ok(date) if date.year() < 2000 => {
                problems.push(("date", "give a date from 2000 on.".into()));
                None
            }
            Ok(date) => Some(date),
            Err(_) if cell("date").is_empty() => {
                problems.push(("date", "the date is missing.".into()));
                None
            }
            Err(_) => {
                problems.push((
                    "date",
                    format!("write the date {:?} as YYYY-MM-DD.", cell("date")),
                ));
                None
            }
        };

        let source = noted(&mut problems, "source", parse_source(cell("source")));
        if let (Some(p), Some(Source::Manager)) = (person, source)
            && p.id == importer_id
        {
            problems.push((
                "source",
                "you cannot record a manager assessment of yourself.".into(),
            ));
        }

        let note = noted(&mut problems, "note", parse_note(cell("note")));

        if let (Some(p), Some(s), Some(source), Some(date)) = (person, skill, source, assessed_on)
            && let Some(first) = seen.insert((p.id, s.id, source.as_str(), date), line)
        {
            problems.push((
                "skill",
                format!("repeats row {first}: the same person, skill, source and date."),
            ));
        }

        if !problems.is_empty() {
            bad_rows += 1;
            errors.extend(problems.into_iter().map(|(column, reason)| {
                FieldError::new(
                    format!("rows[{line}].{column}"),
                    format!("Row {line}: {reason}"),
                )
            }));
            continue;
        }
        if let (Some(p), Some(s), Some(level), Some(assessed_on), Some(source), Some(note)) =
            (person, skill, level, assessed_on, source, note)
        {
            rows.push(Row {
                line,
                person_id: p.id,
                skill_id: s.id,
                level,
                assessed_on,
                source,
                note,
            });
        }
    }
    if !errors.is_empty() {
        let total = errors.len();
        errors.truncate(ERRORS_SHOWN);
        if total > ERRORS_SHOWN {
            errors.push(FieldError::new(
                "file",
                format!(
                    "… and {} more problems in {bad_rows} rows in all; nothing was imported.",
                    total - ERRORS_SHOWN
                ),
            ));
        }
        return Err(AppError::Invalid(errors));
    }
    if rows.is_empty() {
        return Err(AppError::invalid(
            "file",
            "The file has a header row but no assessments.",
        ));
    }
    Ok(rows)
}

#[derive(sea_orm::FromQueryResult)]
struct RecordedKey {
    person_id: i32,
    skill_id: i32,
    source: String,
    assessed_on: NaiveDate,
}

/// A file imported twice would double the history: rows already on record (same person,
/// skill, source and date) reject the file like any other bad row.
async fn refuse_already_recorded(conn: &impl ConnectionTrait, rows: &[Row]) -> AppResult<()> {
    let (Some(first), Some(last)) = (
        rows.iter().map(|r| r.assessed_on).min(),
        rows.iter().map(|r| r.assessed_on).max(),
    ) else {
        return Ok(());
    };
    let recorded: HashSet<(i32, i32, String, NaiveDate)> =
        RecordedKey::find_by_statement(Statement::from_sql_and_values(
            conn.get_database_backend(),
            "SELECT person_id, skill_id, source, assessed_on FROM skill_assessments
             WHERE assessed_on BETWEEN $1 AND $2",
            [first.into(), last.into()],
        ))
        .all(conn)
        .await?
        .into_iter()
        .map(|k| (k.person_id, k.skill_id, k.source, k.assessed_on))
        .collect();
    let errors: Vec<FieldError> = rows
        .iter()
        .filter(|r| {
            recorded.contains(&(
                r.person_id,
                r.skill_id,
                r.source.as_str().to_owned(),
                r.assessed_on,
            ))
        })
        .take(ERRORS_SHOWN)
        .map(|r| {
            FieldError::new(
                format!("rows[{}].skill", r.line),
                format!(
                    "Row {}: this assessment is already recorded (same person, skill, source and date); was the file imported before?",
                    r.line
                ),
            )
        })
        .collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(AppError::Invalid(errors))
    }
}

/// The parsed value, or None with the reason noted against the row's `column`.
fn noted<T>(
    problems: &mut Vec<(&'static str, String)>,
    column: &'static str,
    parsed: Result<T, String>,
) -> Option<T> {
    parsed
        .map_err(|reason| problems.push((column, reason)))
        .ok()
}

/// A row's level, 1 to 5.
fn parse_level(raw: &str) -> Result<Level, String> {
    if raw.is_empty() {
        return Err("the level is missing.".into());
    }
    raw.parse::<i64>()
        .ok()
        .and_then(|n| Level::parse(n).ok())
        .ok_or_else(|| format!("the level {raw:?} is not a number from 1 to 5."))
}

/// A row's source, `self` or `manager` in any case.
fn parse_source(raw: &str) -> Result<Source, String> {
    match raw.to_lowercase().as_str() {
        "" => Err("the source is missing (self or manager).".into()),
        word => Source::parse_word(word)
            .map_err(|_| format!("the source {word:?} is neither self nor manager.")),
    }
}

/// A row's note: it may be empty.
fn parse_note(raw: &str) -> Result<LongText, String> {
    LongText::parse(raw).map_err(|err| match err {
        TextError::TooLong { .. } => format!("the note is longer than {TEXT_MAX} characters."),
        // A note may be empty, so the only other reason is an invisible character.
        _ => "the note holds an invisible control character; remove it.".into(),
    })
}

fn lower_first(message: &str) -> String {
    let mut chars = message.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// Rebuilds the baseline (first by date) and current (latest by date, the later entry
/// winning a tie) levels of these people from their whole history: after a bulk insert one
/// statement per chunk of people beats folding each row in.
async fn recompute_levels(txn: &WriteTxn, person_ids: &[i32]) -> AppResult<()> {
    let backend = txn.get_database_backend();
    let mut delete = Params::new();
    let people = delete.bind_all(person_ids.iter().copied());
    txn.execute_raw(delete.statement(
        backend,
        format!("DELETE FROM skill_levels WHERE person_id IN ({people})"),
    ))
    .await?;
    // Both subqueries read the same people, so they share one list of placeholders.
    let mut insert = Params::new();
    let people = insert.bind_all(person_ids.iter().copied());
    txn.execute_raw(insert.statement(
        backend,
        format!(
            "INSERT INTO skill_levels
                (person_id, skill_id, baseline, baseline_on, current, current_on, current_assessment_id)
             SELECT f.person_id, f.skill_id, f.level, f.assessed_on, l.level, l.assessed_on, l.id
             FROM (SELECT person_id, skill_id, level, assessed_on,
                          ROW_NUMBER() OVER (PARTITION BY person_id, skill_id ORDER BY assessed_on, id) AS n
                   FROM skill_assessments WHERE person_id IN ({people})) f
             JOIN (SELECT person_id, skill_id, level, assessed_on, id,
                          ROW_NUMBER() OVER (PARTITION BY person_id, skill_id ORDER BY assessed_on DESC, id DESC) AS n
                   FROM skill_assessments WHERE person_id IN ({people})) l
               ON l.person_id = f.person_id AND l.skill_id = f.skill_id AND l.n = 1
             WHERE f.n = 1"
        ),
    ))
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_separator_is_the_one_the_header_uses() {
        assert_eq!(sniff_delimiter("email,skill,level,date,source"), b',');
        assert_eq!(sniff_delimiter("email;skill;level;date;source"), b';');
        assert_eq!(sniff_delimiter("email\tskill\tlevel\tdate\tsource"), b'\t');
    }

    #[test]
    fn headers_are_read_without_case_or_dashes() {
        assert_eq!(header_key(" Person-Email "), "person email");
        assert_eq!(lower_first("\"x\" is not valid."), "\"x\" is not valid.");
        assert_eq!(lower_first("Enter an email."), "enter an email.");
    }

    #[test]
    fn cells_parse_or_say_why_in_the_row_s_words() {
        assert_eq!(parse_level("3").map(Level::get), Ok(3));
        #[rustfmt::skip]
        let levels = [
            ("", "the level is missing."),
            ("0", "the level \"0\" is not a number from 1 to 5."),
            ("6", "the level \"6\" is not a number from 1 to 5."),
            ("three", "the level \"three\" is not a number from 1 to 5."),
            ("99999999999999999999", "the level \"99999999999999999999\" is not a number from 1 to 5."),
        ];
        for (raw, reason) in levels {
            assert_eq!(parse_level(raw), Err(reason.to_owned()), "{raw:?}");
        }
        assert_eq!(parse_source("Manager"), Ok(Source::Manager));
        assert_eq!(parse_source("SELF"), Ok(Source::Own));
        assert_eq!(
            parse_source(""),
            Err("the source is missing (self or manager).".to_owned())
        );
        assert_eq!(
            parse_source("peer"),
            Err("the source \"peer\" is neither self nor manager.".to_owned())
        );
        assert_eq!(parse_note("").map(String::from), Ok(String::new()));
        assert_eq!(
            parse_note(&"x".repeat(TEXT_MAX + 1)).err().as_deref(),
            Some("the note is longer than 10000 characters.")
        );
        assert_eq!(
            parse_note("bell\u{7}").err().as_deref(),
            Some("the note holds an invisible control character; remove it.")
        );
    }
}
