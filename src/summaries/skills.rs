//! Skills: per skill and per category, the average baseline, current and target level and
//! the distribution of current levels at the end of the period, beside the same figures
//! on the eve of the period (the change since its start). Every figure is a cell of the
//! summary's disclosure table; the averages follow the cell of the people they average.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use super::{Cut, Figure, Shown, Who, cover};
use crate::{
    disclosure::{CellId, Cover, Person, Table},
    skills::{PeriodStandings, Skill, SkillCategory},
    validate::Word,
};

/// One skill's or one category's figures. For a category, `assessed` counts people in
/// each of its skills (a person assessed in two skills counts twice).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SkillRow {
    pub name: String,
    /// technical, communication or service.
    pub category: String,
    pub assessed: Figure<i64>,
    pub baseline: Figure<f64>,
    pub current: Figure<f64>,
    pub target: Figure<f64>,
    /// How many are at levels 1 to 5, each its own figure (None when withheld). Reports
    /// published before levels were withheld one by one hold five numbers, or null for
    /// a distribution withheld whole: both read as this.
    pub distribution: Figure<[Option<i64>; 5]>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Skills {
    pub categories: Vec<SkillRow>,
    pub skills: Vec<SkillRow>,
}

/// One skill's (or category's) cells on one day in one cut.
#[derive(Debug, Clone, Copy)]
struct Block {
    assessed: CellId,
    /// The levels added up (what the current average times the count gives).
    level_sum: CellId,
    levels: [CellId; 5],
    targeted: CellId,
    untargeted: CellId,
    /// The baselines added up (the baseline average times the count).
    baseline_sum: CellId,
    /// The targets added up (the target average times the people with a target).
    target_sum: CellId,
    count: i64,
    distribution: [i64; 5],
    baseline: Option<f64>,
    current: Option<f64>,
    target: Option<f64>,
}

/// A standing in one skill on one day (the period's end or its eve).
#[derive(Debug, Clone, Copy)]
pub struct Row {
    skill_id: i32,
    who: Who,
    baseline: i16,
    level: i16,
    target: Option<i16>,
}

/// The period's standings as rows for its end and its eve: the people asked for one by
/// one (the reader's own, a team), the people of small groups by id, and every other
/// group as one unlisted row.
pub fn rows(standings: &PeriodStandings) -> [Vec<Row>; 2] {
    let one_by_one: BTreeSet<Person> = standings.people.iter().map(|s| s.person_id).collect();
    type Key = (i32, i16, Option<i16>, Option<i16>, Option<i16>);
    let mut counted: BTreeMap<Key, i64> = BTreeMap::new();
    let mut days: [Vec<Row>; 2] = [Vec::new(), Vec::new()];
    let mut push = |skill_id, who, baseline, levels: [Option<i16>; 2], target| {
        for (day, level) in days.iter_mut().zip(levels) {
            if let Some(level) = level {
                day.push(Row {
                    skill_id,
                    who,
                    baseline,
                    level,
                    target,
                });
            }
        }
    };
    for s in &standings.people {
        *counted
            .entry((s.skill_id, s.baseline, s.eve, s.end, s.target))
            .or_default() += 1;
        let who = Who::Person(s.person_id);
        push(s.skill_id, who, s.baseline, [s.end, s.eve], s.target);
    }
    for (group, g) in standings.groups.iter().enumerate() {
        let levels = [g.end, g.eve];
        match &g.listed {
            Some(ids) => {
                for &p in ids.iter().filter(|p| !one_by_one.contains(p)) {
                    push(g.skill_id, Who::Person(p), g.baseline, levels, g.target);
                }
            }
            None => {
                let key = (g.skill_id, g.baseline, g.eve, g.end, g.target);
                let count = g.people - counted.get(&key).copied().unwrap_or(0);
                if count > 0 {
                    let who = Who::Unlisted { group, count };
                    push(g.skill_id, who, g.baseline, levels, g.target);
                }
            }
        }
    }
    for day in &mut days {
        day.sort_by_key(|r| (r.skill_id, r.who));
    }
    days
}

fn average(values: impl Iterator<Item = (i16, i64)>) -> Option<f64> {
    let (sum, n) = values.fold((0.0, 0_i64), |(sum, n), (v, w)| {
        (sum + f64::from(v) * w as f64, n + w)
    });
    (n > 0).then(|| sum / n as f64)
}

/// The people a sum of levels 1 to 5 (an average beside its count) is about. Levels are
/// whole numbers from 1 to 5, so an average near either end also tells how many at most
/// are not at that end (10 people averaging 4.9: one person is at 4): the figure is about
/// those people, or about everyone when all are at one end.
fn sum_members(values: &[(Who, i16)]) -> Cover {
    let off = |keep: &dyn Fn(i16) -> bool| -> (i64, Vec<Who>) {
        let who: Vec<Who> = values
            .iter()
            .filter(|(_, v)| keep(*v))
            .map(|(w, _)| *w)
            .collect();
        (who.iter().map(|w| w.weight()).sum(), who)
    };
    let below_top = off(&|v| v < 5);
    let above_bottom = off(&|v| v > 1);
    let off_the_end = if below_top.0 <= above_bottom.0 {
        below_top
    } else {
        above_bottom
    };
    if off_the_end.1.is_empty() {
        cover(values.iter().map(|(w, _)| *w))
    } else {
        cover(off_the_end.1.into_iter())
    }
}

fn block<'a>(
    table: &mut Table,
    rows: impl Iterator<Item = &'a Row> + Clone,
    unshown: bool,
) -> Block {
    let cell = |table: &mut Table, members: Cover| table.covering(members, unshown);
    let people = |of: &dyn Fn(&Row) -> bool| -> Cover {
        cover(rows.clone().filter(|r| of(r)).map(|r| r.who))
    };
    let assessed = cell(table, people(&|_| true));
    let levels: [CellId; 5] = std::array::from_fn(|i| {
        let level = i16::try_from(i + 1).unwrap_or_default();
        cell(table, people(&|r| r.level == level))
    });
    table.sum(assessed, levels);
    // The average level beside the count gives away the levels' weighted sum: a cell of
    // its own, shown with the count, so that no hidden level follows from it either. Its
    // cell covers the people an average near an end pins (`sum_members`): when they are
    // fewer than k, the average and the count are withheld.
    let values = |of: &dyn Fn(&Row) -> Option<i16>| -> Vec<(Who, i16)> {
        rows.clone().filter_map(|r| Some((r.who, of(r)?))).collect()
    };
    let level_sum = cell(table, sum_members(&values(&|r| Some(r.level))));
    table.weighted_sum(level_sum, (1..=5).zip(levels));
    table.together([assessed, level_sum]);
    let targeted = cell(table, people(&|r| r.target.is_some()));
    let untargeted = table.covering(people(&|r| r.target.is_none()), true);
    table.sum(assessed, [targeted, untargeted]);
    // The baseline and target averages beside their counts give away their sums in the
    // same way: cells of their own (withheld alone, the counts may stay), tied across the
    // two days by `carry` so that the end's sum minus the eve's does not give away the
    // few people first assessed in between.
    let baseline_sum = cell(table, sum_members(&values(&|r| Some(r.baseline))));
    let target_sum = cell(table, sum_members(&values(&|r| r.target)));
    Block {
        assessed,
        level_sum,
        levels,
        targeted,
        untargeted,
        baseline_sum,
        target_sum,
        count: rows.clone().map(|r| r.who.weight()).sum(),
        distribution: std::array::from_fn(|i| {
            rows.clone()
                .filter(|r| usize::try_from(r.level).is_ok_and(|l| l == i + 1))
                .map(|r| r.who.weight())
                .sum()
        }),
        baseline: average(rows.clone().map(|r| (r.baseline, r.who.weight()))),
        current: average(rows.clone().map(|r| (r.level, r.who.weight()))),
        target: average(
            rows.clone()
                .filter_map(|r| Some((r.target?, r.who.weight()))),
        ),
    }
}

/// The parts of `total` are each of `parts`' same cells.
fn sum_blocks(table: &mut Table, total: &Block, parts: &[&Block]) {
    if parts.is_empty() {
        return;
    }
    table.sum(total.assessed, parts.iter().map(|p| p.assessed));
    table.sum(total.level_sum, parts.iter().map(|p| p.level_sum));
    for i in 0..5 {
        table.sum(total.levels[i], parts.iter().map(|p| p.levels[i]));
    }
    table.sum(total.targeted, parts.iter().map(|p| p.targeted));
    table.sum(total.untargeted, parts.iter().map(|p| p.untargeted));
    table.sum(total.baseline_sum, parts.iter().map(|p| p.baseline_sum));
    table.sum(total.target_sum, parts.iter().map(|p| p.target_sum));
}

/// What one sum (of baselines, of targets) holds on both days: the values that are the
/// same on the eve and at the end (a baseline never changes once set), the values only
/// the end holds (people first assessed in the period, a target set since) and those only
/// the eve holds. None of them is ever displayed, but the end's sum is `same + end_only`
/// and the eve's `same + eve_only`, so a reader subtracting one average's sum from the
/// other learns `end_only − eve_only`: about a few people when few were added.
#[derive(Debug, Clone, Copy)]
struct Carried {
    same: CellId,
    end_only: CellId,
    eve_only: CellId,
}

/// The carried baselines, targets and levels (one per level 1 to 5, which carries the
/// current average too: its sum is their weighted sum) of one cut.
#[derive(Debug, Clone, Copy)]
struct Carry {
    baseline: Carried,
    target: Carried,
    levels: [Carried; 5],
}

fn carried(
    table: &mut Table,
    days: [&[&Row]; 2],
    of: &dyn Fn(&Row) -> Option<i16>,
    sums: [CellId; 2],
) -> Carried {
    let values = |rows: &[&Row]| -> BTreeMap<(i32, Who), i16> {
        rows.iter()
            .filter_map(|r| Some(((r.skill_id, r.who), of(r)?)))
            .collect()
    };
    let (end, eve) = (values(days[0]), values(days[1]));
    // Each is a sum of whole levels beside a count a reader can work out (the end's
    // people minus the eve's), so its cell covers the people it pins (`sum_members`).
    let only = |a: &BTreeMap<(i32, Who), i16>, b: &BTreeMap<(i32, Who), i16>| {
        let values: Vec<(Who, i16)> = a
            .iter()
            .filter(|(key, v)| b.get(key) != Some(v))
            .map(|((_, p), v)| (*p, *v))
            .collect();
        sum_members(&values)
    };
    let same: Vec<(Who, i16)> = end
        .iter()
        .filter(|(key, v)| eve.get(key) == Some(v))
        .map(|((_, p), v)| (*p, *v))
        .collect();
    let carried = Carried {
        same: table.covering(sum_members(&same), true),
        end_only: table.covering(only(&end, &eve), true),
        eve_only: table.covering(only(&eve, &end), true),
    };
    table.sum(sums[0], [carried.same, carried.end_only]);
    table.sum(sums[1], [carried.same, carried.eve_only]);
    carried
}

fn sum_carried(table: &mut Table, total: &Carried, parts: &[&Carried]) {
    if parts.is_empty() {
        return;
    }
    table.sum(total.same, parts.iter().map(|p| p.same));
    table.sum(total.end_only, parts.iter().map(|p| p.end_only));
    table.sum(total.eve_only, parts.iter().map(|p| p.eve_only));
}

fn sum_carries(table: &mut Table, total: &Carry, parts: &[&Carry]) {
    let baselines: Vec<&Carried> = parts.iter().map(|p| &p.baseline).collect();
    sum_carried(table, &total.baseline, &baselines);
    let targets: Vec<&Carried> = parts.iter().map(|p| &p.target).collect();
    sum_carried(table, &total.target, &targets);
    for i in 0..5 {
        let levels: Vec<&Carried> = parts.iter().map(|p| &p.levels[i]).collect();
        sum_carried(table, &total.levels[i], &levels);
    }
}

/// One skill's (or category's) cells: per day (end of period, eve of period), per cut
/// (department; with a team, the team and the rest, never shown); and per cut, what the
/// two days' sums share.
struct Blocks {
    days: [Vec<Block>; 2],
    carry: Vec<Carry>,
}

/// The rows of each cut: the department, and with a team, the team and the rest (whose
/// cells are never shown).
fn cuts<'a>(rows: &[&'a Row], team: Option<&BTreeSet<Person>>) -> Vec<(Vec<&'a Row>, bool)> {
    let Some(team) = team else {
        return vec![(rows.to_vec(), false)];
    };
    // The unlisted are people the reader does not know, so never of their team.
    let (mine, rest): (Vec<&Row>, Vec<&Row>) = rows
        .iter()
        .partition(|r| matches!(r.who, Who::Person(p) if team.contains(&p)));
    vec![(rows.to_vec(), false), (mine, false), (rest, true)]
}

fn unit(table: &mut Table, days: &[Vec<&Row>; 2], team: Option<&BTreeSet<Person>>) -> Blocks {
    let rows = [cuts(&days[0], team), cuts(&days[1], team)];
    let per_day = |table: &mut Table, rows: &[(Vec<&Row>, bool)]| -> Vec<Block> {
        let blocks: Vec<Block> = rows
            .iter()
            .map(|(r, unshown)| block(table, r.iter().copied(), *unshown))
            .collect();
        if let [department, mine, rest] = &blocks[..] {
            sum_blocks(table, department, &[mine, rest]);
        }
        blocks
    };
    let blocks = [per_day(table, &rows[0]), per_day(table, &rows[1])];
    let carry: Vec<Carry> = (0..blocks[0].len())
        .map(|cut| {
            let days = [&rows[0][cut].0[..], &rows[1][cut].0[..]];
            let (end, eve) = (&blocks[0][cut], &blocks[1][cut]);
            Carry {
                baseline: carried(
                    table,
                    days,
                    &|r| Some(r.baseline),
                    [end.baseline_sum, eve.baseline_sum],
                ),
                target: carried(table, days, &|r| r.target, [end.target_sum, eve.target_sum]),
                // The people at each level: those at it on both days, and those who came
                // to it (first assessed, or moved) or left it in the period.
                levels: std::array::from_fn(|i| {
                    let level = i16::try_from(i + 1).unwrap_or_default();
                    carried(
                        table,
                        days,
                        &|r| (r.level == level).then_some(1),
                        [end.levels[i], eve.levels[i]],
                    )
                }),
            }
        })
        .collect();
    if let [department, mine, rest] = &carry[..] {
        sum_carries(table, department, &[mine, rest]);
    }
    Blocks {
        days: blocks,
        carry,
    }
}

pub struct SkillCells {
    categories: Vec<(SkillCategory, Blocks)>,
    skills: Vec<(Skill, Blocks)>,
}

/// Adds the skills' cells to `table`: per skill, and per category as the sum of its skills.
pub fn cells(
    table: &mut Table,
    catalog: Vec<Skill>,
    [end, eve]: &[Vec<Row>; 2],
    team: Option<&BTreeSet<Person>>,
) -> SkillCells {
    let mut skills = Vec::with_capacity(catalog.len());
    for skill in catalog {
        let days = [
            end.iter().filter(|r| r.skill_id == skill.id).collect(),
            eve.iter().filter(|r| r.skill_id == skill.id).collect(),
        ];
        let blocks = unit(table, &days, team);
        skills.push((skill, blocks));
    }
    let mut categories = Vec::new();
    for category in SkillCategory::all() {
        let ids: BTreeSet<i32> = skills
            .iter()
            .filter(|(s, _)| s.category == category)
            .map(|(s, _)| s.id)
            .collect();
        let days = [
            end.iter().filter(|r| ids.contains(&r.skill_id)).collect(),
            eve.iter().filter(|r| ids.contains(&r.skill_id)).collect(),
        ];
        let blocks = unit(table, &days, team);
        let members: Vec<&Blocks> = skills
            .iter()
            .filter(|(s, _)| s.category == category)
            .map(|(_, b)| b)
            .collect();
        for day in 0..2 {
            for cut in 0..blocks.days[day].len() {
                let parts: Vec<&Block> = members.iter().map(|b| &b.days[day][cut]).collect();
                sum_blocks(table, &blocks.days[day][cut], &parts);
            }
        }
        for cut in 0..blocks.carry.len() {
            let parts: Vec<&Carry> = members.iter().map(|b| &b.carry[cut]).collect();
            sum_carries(table, &blocks.carry[cut], &parts);
        }
        categories.push((category, blocks));
    }
    SkillCells { categories, skills }
}

fn row(
    name: String,
    category: SkillCategory,
    blocks: &Blocks,
    cut: Cut,
    shown: &Shown,
) -> SkillRow {
    let index = cut.index().min(blocks.days[0].len() - 1);
    let (now, before) = (&blocks.days[0][index], &blocks.days[1][index]);
    let people = |b: &Block| shown.shows(b.assessed) && shown.shows(b.level_sum);
    let baselines = |b: &Block| people(b) && shown.shows(b.baseline_sum);
    let targets = |b: &Block| people(b) && shown.shows(b.targeted) && shown.shows(b.target_sum);
    // Each level's count is a figure of its own, withheld alone when its cell is.
    let levels = |b: &Block| -> [Option<i64>; 5] {
        std::array::from_fn(|i| shown.figure(b.levels[i], b.distribution[i]))
    };
    SkillRow {
        name,
        category: category.as_str().to_owned(),
        assessed: Figure {
            now: people(now).then_some(now.count),
            before: people(before).then_some(before.count),
        },
        baseline: Figure {
            now: now.baseline.filter(|_| baselines(now)),
            before: before.baseline.filter(|_| baselines(before)),
        },
        current: Figure {
            now: now.current.filter(|_| people(now)),
            before: before.current.filter(|_| people(before)),
        },
        target: Figure {
            now: now.target.filter(|_| targets(now)),
            before: before.target.filter(|_| targets(before)),
        },
        distribution: Figure {
            now: Some(levels(now)),
            before: Some(levels(before)),
        },
    }
}

pub fn figures(cells: SkillCells, cut: Cut, shown: &Shown) -> Skills {
    Skills {
        categories: cells
            .categories
            .iter()
            .map(|(c, b)| row(c.label().to_owned(), *c, b, cut, shown))
            .collect(),
        skills: cells
            .skills
            .into_iter()
            .map(|(s, b)| row(s.name, s.category, &b, cut, shown))
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::disclosure::Reader;

    fn at(person_id: i32, level: i16) -> Row {
        Row {
            skill_id: 1,
            who: Who::Person(person_id),
            baseline: level,
            level,
            target: None,
        }
    }

    #[test]
    fn an_average_near_the_top_withholds_itself_when_it_pins_fewer_than_k() {
        // Nine people at 5 and one at 4: the average 4.9 says one person is at 4.
        let rows: Vec<Row> = (1..=9).map(|p| at(p, 5)).chain([at(10, 4)]).collect();
        let mut table = Table::new();
        let b = block(&mut table, rows.iter(), false);
        let shown = table.decide(&Reader::new(3, []));
        assert!(!shown.shows(b.level_sum), "the average is withheld");
        assert!(!shown.shows(b.levels[3]), "the one person at 4 is withheld");
    }

    #[test]
    fn an_average_in_the_middle_of_many_is_shown() {
        // Levels spread over 1 to 5, at least three people each.
        let rows: Vec<Row> = (1..=15).map(|p| at(p, ((p % 5) + 1) as i16)).collect();
        let mut table = Table::new();
        let b = block(&mut table, rows.iter(), false);
        let shown = table.decide(&Reader::new(3, []));
        assert!(shown.shows(b.level_sum) && shown.shows(b.assessed));
        assert!(b.levels.iter().all(|&l| shown.shows(l)));
    }

    fn assessed(person_id: i32, baseline: i16, target: i16) -> Row {
        Row {
            skill_id: 1,
            who: Who::Person(person_id),
            baseline,
            level: baseline,
            target: Some(target),
        }
    }

    /// Ten people assessed before the period (baselines and targets spread over 2 to 4),
    /// and `new` more first assessed inside it: the department's row as `k` = 3 sees it.
    fn with_newcomers(new: i32) -> SkillRow {
        let eve: Vec<Row> = (1..=10)
            .map(|p| assessed(p, (p % 3 + 2) as i16, (p % 3 + 2) as i16))
            .collect();
        let end: Vec<Row> = eve
            .iter()
            .cloned()
            .chain((11..11 + new).map(|p| assessed(p, 4, 5)))
            .collect();
        let mut table = Table::new();
        let days = [end.iter().collect(), eve.iter().collect()];
        let blocks = unit(&mut table, &days, None);
        let shown = Shown::Decided(table.decide(&Reader::new(3, [])));
        row(
            "Plain language".to_owned(),
            SkillCategory::Communication,
            &blocks,
            Cut::Department,
            &shown,
        )
    }

    /// What a reader works out about the newcomers from the two averages and counts:
    /// their baselines' and targets' sums, when every figure it needs is shown.
    fn newcomers_sums(r: &SkillRow) -> (Option<f64>, Option<f64>) {
        let (now, before) = (r.assessed.now, r.assessed.before);
        let sum = |avg: &Figure<f64>| -> Option<f64> {
            Some(avg.now? * now? as f64 - avg.before? * before? as f64)
        };
        (sum(&r.baseline), sum(&r.target))
    }

    /// Their current levels, from the current averages and from the people at level 4
    /// (where they all are) at both ends.
    fn newcomers_levels(r: &SkillRow) -> (Option<f64>, Option<i64>) {
        let (now, before) = (r.assessed.now, r.assessed.before);
        let sum = || Some(r.current.now? * now? as f64 - r.current.before? * before? as f64);
        let at_4 = || Some(r.distribution.now?[3]? - r.distribution.before?[3]?);
        (sum(), at_4())
    }

    #[test]
    fn the_two_averages_never_give_away_fewer_than_k_newcomers() {
        // k − 1 newcomers: neither their baselines nor their targets can be worked out.
        for new in 1..=2 {
            let r = with_newcomers(new);
            assert_eq!(newcomers_sums(&r), (None, None), "{new} new: {r:?}");
            assert_eq!(newcomers_levels(&r), (None, None), "{new} new: {r:?}");
        }
        // k and k + 1 newcomers: both averages are shown on both days.
        for new in 3..=4 {
            let r = with_newcomers(new);
            let (baselines, targets) = newcomers_sums(&r);
            let expected = f64::from(new);
            assert!(
                baselines.is_some_and(|b| (b - 4.0 * expected).abs() < 1e-9),
                "{new} new: {r:?}"
            );
            assert!(
                targets.is_some_and(|t| (t - 5.0 * expected).abs() < 1e-9),
                "{new} new: {r:?}"
            );
            let (levels, at_4) = newcomers_levels(&r);
            assert!(levels.is_some_and(|l| (l - 4.0 * expected).abs() < 1e-9));
            assert_eq!(at_4, Some(i64::from(new)));
        }
    }

    /// The period's standings of `people` (person, skill, baseline, eve, end, target) as
    /// the database answers them: grouped, listing groups of fewer than `list_below`,
    /// and `one_by_one` read one by one.
    fn grouped(
        people: &[crate::skills::PeriodStanding],
        one_by_one: &[Person],
        list_below: i64,
    ) -> PeriodStandings {
        let mut groups: BTreeMap<_, Vec<Person>> = BTreeMap::new();
        for s in people {
            groups
                .entry((s.skill_id, s.baseline, s.eve, s.end, s.target))
                .or_default()
                .push(s.person_id);
        }
        PeriodStandings {
            groups: groups
                .into_iter()
                .map(
                    |((skill_id, baseline, eve, end, target), ids)| crate::skills::PeriodGroup {
                        skill_id,
                        baseline,
                        eve,
                        end,
                        target,
                        people: ids.len() as i64,
                        listed: ((ids.len() as i64) < list_below).then_some(ids),
                    },
                )
                .collect(),
            people: people
                .iter()
                .filter(|s| one_by_one.contains(&s.person_id))
                .copied()
                .collect(),
        }
    }

    #[test]
    fn groups_counted_in_the_database_decide_exactly_as_people_listed_one_by_one() {
        use crate::skills::PeriodStanding;
        // 200 people in three skills (one per category, so that a category's cover is
        // its skill's): most in four common standings (groups of about 40, counted in
        // the database), the others spread over levels, some first assessed in the
        // period, some moving, half with targets (small groups, listed). A manager
        // (person 1) knows people 1 to 8, whose team is 2 to 8; k = 4.
        let mut people = Vec::new();
        let mut state = 7_u64;
        let mut next = |n: u64| {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (state >> 33) % n
        };
        for skill_id in 1..=3 {
            for person_id in 1..=200 {
                let (baseline, eve, end, target) = if next(100) < 85 {
                    let level = 2 + next(2) as i16;
                    (2, Some(level), Some(level), (next(2) == 0).then_some(4))
                } else {
                    let baseline = (next(3) + 1) as i16;
                    let eve = (next(5) > 0).then(|| (baseline + next(2) as i16).min(5));
                    let end = eve.map_or(baseline, |l| (l + next(3) as i16 - 1).clamp(1, 5));
                    let target = (next(2) == 0).then(|| (4 + next(2)) as i16);
                    (baseline, eve, Some(end), target)
                };
                people.push(PeriodStanding {
                    skill_id,
                    person_id,
                    baseline,
                    eve,
                    end,
                    target,
                });
            }
        }
        let catalog: Vec<Skill> = SkillCategory::all()
            .into_iter()
            .zip(1..)
            .map(|(category, id)| Skill {
                id,
                name: format!("Skill {id}"),
                category,
                description: String::new(),
                levels: Default::default(),
                retired: false,
            })
            .collect();
        let known: Vec<Person> = (1..=8).collect();
        let team: BTreeSet<Person> = (2..=8).collect();
        let summary = |standings: &PeriodStandings, team: Option<&BTreeSet<Person>>| {
            let mut table = Table::new();
            let cells = cells(&mut table, catalog.clone(), &rows(standings), team);
            let shown = Shown::Decided(
                table.decide(&crate::disclosure::Reader::new(4, known.iter().copied())),
            );
            let cut = if team.is_some() {
                Cut::Team
            } else {
                Cut::Department
            };
            figures(cells, cut, &shown)
        };
        let everyone: Vec<Person> = (1..=200).collect();
        let counted_groups = grouped(&people, &known, 4 + 8);
        assert!(
            counted_groups.groups.iter().any(|g| g.listed.is_none()),
            "some groups are counted, not listed"
        );
        for team in [None, Some(&team)] {
            let listed = summary(&grouped(&people, &everyone, 0), team);
            let counted = summary(&counted_groups, team);
            assert_eq!(counted, listed, "team: {team:?}");
            let withheld = |r: &SkillRow| {
                [r.distribution.now, r.distribution.before]
                    .iter()
                    .any(|d| d.is_some_and(|d| d.contains(&None)))
            };
            let shown = |r: &SkillRow| r.distribution.now.is_some_and(|d| d[2].is_some());
            // The team's figures are about people the manager knows: all shown.
            if team.is_none() {
                assert!(listed.skills.iter().any(withheld), "something is withheld");
            }
            assert!(listed.skills.iter().any(shown), "something is shown");
        }
    }
}
