//! Skills: per skill and per category, the average baseline, current and target level and
//! the distribution of current levels at the end of the period, beside the same figures
//! on the eve of the period (the change since its start). Every figure is a cell of the
//! summary's disclosure table; the averages follow the cell of the people they average.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use super::{Cut, Figure, Shown};
use crate::{
    disclosure::{CellId, Person, Table},
    skills::{LevelOn, Skill, SkillCategory},
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
    /// How many are at levels 1 to 5.
    pub distribution: Figure<[i64; 5]>,
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
    count: i64,
    distribution: [i64; 5],
    baseline: Option<f64>,
    current: Option<f64>,
    target: Option<f64>,
}

fn average(values: impl Iterator<Item = i16>) -> Option<f64> {
    let (sum, n) = values.fold((0.0, 0_u32), |(sum, n), v| (sum + f64::from(v), n + 1));
    (n > 0).then(|| sum / f64::from(n))
}

fn block<'a>(
    table: &mut Table,
    rows: impl Iterator<Item = &'a LevelOn> + Clone,
    unshown: bool,
) -> Block {
    let cell = |table: &mut Table, members: Vec<Person>| {
        if unshown {
            table.unshown(members)
        } else {
            table.cell(members)
        }
    };
    let people = |of: &dyn Fn(&LevelOn) -> bool| -> Vec<Person> {
        rows.clone()
            .filter(|r| of(r))
            .map(|r| r.person_id)
            .collect()
    };
    let assessed = cell(table, people(&|_| true));
    let levels: [CellId; 5] = std::array::from_fn(|i| {
        let level = i16::try_from(i + 1).unwrap_or_default();
        cell(table, people(&|r| r.level == level))
    });
    table.sum(assessed, levels);
    // The average level beside the count gives away the levels' weighted sum: a cell of
    // its own, shown with the count, so that no hidden level follows from it either.
    // Levels are whole numbers from 1 to 5, so an average near either end also tells how
    // many at most are not at that end (10 people averaging 4.9: one person is at 4). The
    // figure is about those people, so its cell covers them: when they are fewer than k,
    // the average and the count are withheld.
    let below_top = people(&|r| r.level < 5);
    let above_bottom = people(&|r| r.level > 1);
    let off_the_end = if below_top.len() <= above_bottom.len() {
        below_top
    } else {
        above_bottom
    };
    let level_sum = if off_the_end.is_empty() {
        cell(table, people(&|_| true))
    } else {
        cell(table, off_the_end)
    };
    table.weighted_sum(level_sum, (1..=5).zip(levels));
    table.together([assessed, level_sum]);
    let targeted = cell(table, people(&|r| r.target.is_some()));
    let untargeted = table.unshown(people(&|r| r.target.is_none()));
    table.sum(assessed, [targeted, untargeted]);
    Block {
        assessed,
        level_sum,
        levels,
        targeted,
        untargeted,
        count: rows.clone().count() as i64,
        distribution: std::array::from_fn(|i| {
            rows.clone()
                .filter(|r| usize::try_from(r.level).is_ok_and(|l| l == i + 1))
                .count() as i64
        }),
        baseline: average(rows.clone().map(|r| r.baseline)),
        current: average(rows.clone().map(|r| r.level)),
        target: average(rows.clone().filter_map(|r| r.target)),
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
}

/// Per day (end of period, eve of period), per cut (department; with a team, the team and
/// the rest, never shown).
type Blocks = [Vec<Block>; 2];

fn unit(table: &mut Table, days: &[Vec<&LevelOn>; 2], team: Option<&BTreeSet<Person>>) -> Blocks {
    let mut per_day = |rows: &Vec<&LevelOn>| {
        let department = block(table, rows.iter().copied(), false);
        let Some(team) = team else {
            return vec![department];
        };
        let mine = block(
            table,
            rows.iter().copied().filter(|r| team.contains(&r.person_id)),
            false,
        );
        let rest = block(
            table,
            rows.iter()
                .copied()
                .filter(|r| !team.contains(&r.person_id)),
            true,
        );
        sum_blocks(table, &department, &[&mine, &rest]);
        vec![department, mine, rest]
    };
    [per_day(&days[0]), per_day(&days[1])]
}

pub struct SkillCells {
    categories: Vec<(SkillCategory, Blocks)>,
    skills: Vec<(Skill, Blocks)>,
}

/// Adds the skills' cells to `table`: per skill, and per category as the sum of its skills.
pub fn cells(
    table: &mut Table,
    catalog: Vec<Skill>,
    end: &[LevelOn],
    eve: &[LevelOn],
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
            for cut in 0..blocks[day].len() {
                let parts: Vec<&Block> = members.iter().map(|b| &b[day][cut]).collect();
                sum_blocks(table, &blocks[day][cut], &parts);
            }
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
    let index = cut.index().min(blocks[0].len() - 1);
    let (now, before) = (&blocks[0][index], &blocks[1][index]);
    let people = |b: &Block| shown.shows(b.assessed) && shown.shows(b.level_sum);
    let targets = |b: &Block| people(b) && shown.shows(b.targeted);
    // A distribution is shown whole or not at all.
    let levels = |b: &Block| people(b) && b.levels.iter().all(|l| shown.shows(*l));
    SkillRow {
        name,
        category: category.as_str().to_owned(),
        assessed: Figure {
            now: people(now).then_some(now.count),
            before: people(before).then_some(before.count),
        },
        baseline: Figure {
            now: now.baseline.filter(|_| people(now)),
            before: before.baseline.filter(|_| people(before)),
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
            now: levels(now).then_some(now.distribution),
            before: levels(before).then_some(before.distribution),
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

    fn at(person_id: i32, level: i16) -> LevelOn {
        LevelOn {
            skill_id: 1,
            person_id,
            baseline: level,
            level,
            target: None,
        }
    }

    #[test]
    fn an_average_near_the_top_withholds_itself_when_it_pins_fewer_than_k() {
        // Nine people at 5 and one at 4: the average 4.9 says one person is at 4.
        let rows: Vec<LevelOn> = (1..=9).map(|p| at(p, 5)).chain([at(10, 4)]).collect();
        let mut table = Table::new();
        let b = block(&mut table, rows.iter(), false);
        let shown = table.decide(&Reader::new(3, []));
        assert!(!shown.shows(b.level_sum), "the average is withheld");
        assert!(!shown.shows(b.levels[3]), "the one person at 4 is withheld");
    }

    #[test]
    fn an_average_in_the_middle_of_many_is_shown() {
        // Levels spread over 1 to 5, at least three people each.
        let rows: Vec<LevelOn> = (1..=15).map(|p| at(p, ((p % 5) + 1) as i16)).collect();
        let mut table = Table::new();
        let b = block(&mut table, rows.iter(), false);
        let shown = table.decide(&Reader::new(3, []));
        assert!(shown.shows(b.level_sum) && shown.shows(b.assessed));
        assert!(b.levels.iter().all(|&l| shown.shows(l)));
    }
}
