//! The demo's year of recognition, written through the recognition services with
//! back-dated moments: the trophy and its journey, kudos, compliments and announcements.
//! Each write is one call a person could make, so the demo is held to their rules (only the
//! holder passes the trophy, no kudos to oneself, tags from the plan's values, message
//! lengths); the texts are in `super::texts`.

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, Utc, Weekday};

use super::texts::{
    ANNOUNCEMENTS, COMPLIMENTS, GIVERS, KUDOS_COUNT, KUDOS_MESSAGES, QUIET, QUIET_DAYS, RECEIVERS,
    TROPHY_DESCRIPTION, TROPHY_FIRST, TROPHY_NAME, TROPHY_PASSES,
};
use crate::{
    auth::Actor,
    db::Db,
    error::{AppError, AppResult},
    recognition::{self, AnnouncementInput, ComplimentInput, KudosInput, PassInput, TrophyInput},
};

/// A small generator with a fixed seed (SplitMix64), so the demo is the same on every
/// load apart from the dates, which follow today.
struct Dice(u64);

impl Dice {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (n > 0).
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    /// A number in `lo..=hi`.
    fn between(&mut self, lo: i64, hi: i64) -> i64 {
        lo + i64::try_from(self.below(hi.abs_diff(lo) + 1)).unwrap_or(0)
    }

    /// True `percent` times in a hundred.
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    /// An index into `weights`, each chosen in proportion to its weight; None if all are 0.
    fn weighted(&mut self, weights: &[u32]) -> Option<usize> {
        let total: u64 = weights.iter().map(|w| u64::from(*w)).sum();
        if total == 0 {
            return None;
        }
        let mut roll = self.below(total);
        for (i, w) in weights.iter().enumerate() {
            let w = u64::from(*w);
            if roll < w {
                return Some(i);
            }
            roll -= w;
        }
        None
    }
}

/// The weekday `days_ago` days before `today`, moved back to the Friday before when it
/// falls on a weekend.
fn workday(today: NaiveDate, days_ago: i64) -> NaiveDate {
    let day = today - Duration::days(days_ago);
    match day.weekday() {
        Weekday::Sat => day - Duration::days(1),
        Weekday::Sun => day - Duration::days(2),
        _ => day,
    }
}

/// A moment in office hours (8:00 to 17:59, UTC) on `day`.
fn office_hours(day: NaiveDate, dice: &mut Dice) -> DateTime<Utc> {
    day.and_time(NaiveTime::MIN).and_utc()
        + Duration::seconds(dice.between(8 * 3600, 18 * 3600 - 1))
}

/// Kudos spread through the department over the year, as the habit catches on: in its
/// first months they go to a few people, then to more and more, until everyone may
/// receive them in its last four months (a story the summaries tell: more distinct
/// receivers in recent months than in the first). The people reached first are spread over
/// the teams (every fifth of the roster, round and round); the `QUIET` people are among
/// them, since they were thanked early and not lately. Whoever the weights allow, the
/// dice roll the same number of times, so the year's recent months are unchanged.
fn spread_reaches(people: usize, index: usize, days_ago: i64, name: &str) -> bool {
    const FIRST_REACH: usize = 6;
    const DAYS_TO_EVERYONE: usize = 270;
    let days_in = usize::try_from(364 - days_ago.clamp(0, 364)).unwrap_or(0);
    let reach = FIRST_REACH + days_in * people / DAYS_TO_EVERYONE;
    QUIET.contains(&name) || (index * 5) % people.max(1) < reach
}

/// A year of recognition, all in the past (every moment is at least a day before today):
/// the trophy's notebook, kudos, compliments, announcements. `roster` is everyone active in
/// the department (the advisors are not), who give and receive; the cio among them posts.
/// The dice are rolled in a fixed order, so the year is the same on every load.
pub(super) async fn load_recognition(db: &Db, cio: &Actor, roster: &[Actor]) -> AppResult<()> {
    let person = |name: &str| -> AppResult<&Actor> {
        roster
            .iter()
            .find(|a| a.name == name)
            .ok_or_else(|| AppError::internal(anyhow::anyhow!("demo person {name} missing")))
    };
    let today = Utc::now().date_naive();
    let mut dice = Dice(0x00C0_FFEE_2026);

    // The trophy: created a year ago, then passed on about every ten days, each time by its
    // holder. Passes are at least two days apart (ten days, give or take three, moved back
    // at most two days off a weekend), so the notebook's times grow with its numbers.
    let (first_holder, first_message) = TROPHY_FIRST;
    let created_at = office_hours(workday(today, 365), &mut dice);
    let trophy = recognition::create_trophy(
        db,
        cio,
        TrophyInput {
            name: Some(TROPHY_NAME.to_owned()),
            description: Some(TROPHY_DESCRIPTION.to_owned()),
            holder_id: Some(person(first_holder)?.person_id),
            first_entry: Some(first_message.to_owned()),
        },
        created_at,
    )
    .await?;
    let mut holder = person(first_holder)?;
    for (n, (receiver, message)) in (1_i64..).zip(TROPHY_PASSES) {
        let receiver = person(receiver)?;
        let at = office_hours(
            workday(today, 365 - 10 * n + dice.between(-3, 3)),
            &mut dice,
        );
        recognition::pass_trophy(
            db,
            holder,
            trophy.id,
            PassInput {
                receiver_id: Some(receiver.person_id),
                message: Some(message.to_owned()),
            },
            at,
        )
        .await?;
        holder = receiver;
    }

    // Kudos: a few hundred over the year, to one to three colleagues each.
    let weight = |table: &[(&str, u32)], name: &str, otherwise: u32| {
        table
            .iter()
            .find(|(n, _)| *n == name)
            .map_or(otherwise, |(_, w)| *w)
    };
    let giver_weights: Vec<u32> = roster.iter().map(|a| weight(&GIVERS, &a.name, 2)).collect();
    let mut all_kudos = Vec::with_capacity(KUDOS_COUNT);
    for _ in 0..KUDOS_COUNT {
        let days_ago = dice.between(1, 364);
        let at = office_hours(workday(today, days_ago), &mut dice);
        let giver = dice.weighted(&giver_weights).unwrap_or(0);
        let mut receiver_weights: Vec<u32> = roster
            .iter()
            .enumerate()
            .map(|(i, a)| {
                if i == giver
                    || (days_ago <= QUIET_DAYS && QUIET.contains(&a.name.as_str()))
                    || !spread_reaches(roster.len(), i, days_ago, &a.name)
                {
                    0
                } else {
                    weight(&RECEIVERS, &a.name, 3)
                }
            })
            .collect();
        let how_many = match dice.below(100) {
            0..60 => 1,
            60..88 => 2,
            _ => 3,
        };
        let mut recipients = Vec::new();
        for _ in 0..how_many {
            if let Some(i) = dice.weighted(&receiver_weights) {
                receiver_weights[i] = 0;
                recipients.push(roster[i].person_id);
            }
        }
        let (message, fits) = KUDOS_MESSAGES[dice.below(KUDOS_MESSAGES.len() as u64) as usize];
        let tags: Vec<&str> = if fits.is_empty() || !dice.chance(60) {
            Vec::new()
        } else if fits.len() > 1 && dice.chance(40) {
            fits.to_vec()
        } else {
            vec![fits[dice.below(fits.len() as u64) as usize]]
        };
        all_kudos.push((at, &roster[giver], recipients, message, tags));
    }
    // Sent in the order of time, as people send them, so ids grow with time.
    all_kudos.sort_by_key(|k| k.0);
    for (at, giver, recipients, message, tags) in all_kudos {
        recognition::give_kudos(
            db,
            giver,
            KudosInput {
                recipient_ids: Some(recipients),
                message: Some(message.to_owned()),
                values: Some(tags.into_iter().map(str::to_owned).collect()),
            },
            at,
        )
        .await?;
    }

    // Compliments, posted by the cio a day or two after hearing them.
    for (about, giver, affiliation, channel, days_ago, message) in COMPLIMENTS {
        let received_on = workday(today, days_ago);
        // A day or two later, on a weekday (the latest lands a few days ago).
        let posted_on = received_on + Duration::days(dice.between(1, 2));
        let posted_on = match posted_on.weekday() {
            Weekday::Sat => posted_on + Duration::days(2),
            Weekday::Sun => posted_on + Duration::days(1),
            _ => posted_on,
        };
        recognition::post_compliment(
            db,
            cio,
            ComplimentInput {
                person_id: Some(person(about)?.person_id),
                giver_name: Some(giver.to_owned()),
                giver_affiliation: Some(affiliation.to_owned()),
                channel: Some(channel.to_owned()),
                received_on: Some(received_on.to_string()),
                message: Some(message.to_owned()),
            },
            office_hours(posted_on, &mut dice),
        )
        .await?;
    }

    for (kind, days_ago, title, body) in ANNOUNCEMENTS {
        recognition::post_announcement(
            db,
            cio,
            AnnouncementInput {
                kind: Some(kind.to_owned()),
                title: Some(title.to_owned()),
                body: Some(body.to_owned()),
            },
            office_hours(workday(today, days_ago), &mut dice),
        )
        .await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_fall_on_weekdays_in_office_hours_and_before_today() {
        let today = Utc::now().date_naive();
        let mut dice = Dice(1);
        for days_ago in 1..=400 {
            let day = workday(today, days_ago);
            assert!(!matches!(day.weekday(), Weekday::Sat | Weekday::Sun));
            assert!(day < today);
            let at = office_hours(day, &mut dice);
            assert_eq!(at.date_naive(), day);
        }
        let mut dice = Dice(7);
        let rolls: Vec<i64> = (0..1000).map(|_| dice.between(-3, 3)).collect();
        assert!(rolls.iter().all(|r| (-3..=3).contains(r)));
        assert!(rolls.contains(&-3) && rolls.contains(&3));
        assert_eq!(Dice(9).weighted(&[0, 0, 5]), Some(2));
        assert_eq!(Dice(9).weighted(&[0, 0]), None);
    }
}
