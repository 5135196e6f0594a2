//! Plan coverage: per strategic goal and objective, the goals linked in the period and
//! how many ended achieved, partially achieved and not achieved, and the objectives
//! nobody works on. Every figure is a cell of the summary's disclosure table.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use super::{Cut, Figure, Shown, Who, cover};
use crate::{
    disclosure::{CellId, Person, Table},
    goals::{OutcomeGroup, OutcomeShare},
    plan::GoalOutline,
};

/// Goals linked to one objective in one cycle by outcome, for one person or for a group
/// of people with the same outcomes (see `Who`).
#[derive(Debug, Clone, Copy)]
pub struct Share {
    objective_id: i32,
    cycle_id: i32,
    who: Who,
    linked: i64,
    achieved: i64,
    partially: i64,
    not_achieved: i64,
}

/// The shares as rows: the people read one by one, the people of small groups by id, and
/// every other group as one unlisted row.
pub fn shares(groups: &[OutcomeGroup], one_by_one: &[OutcomeShare]) -> Vec<Share> {
    let people: BTreeSet<Person> = one_by_one.iter().map(|s| s.person_id).collect();
    let mut counted: std::collections::BTreeMap<(i32, i32, [i64; 4]), i64> = Default::default();
    let mut rows = Vec::new();
    for s in one_by_one {
        let values = [s.linked, s.achieved, s.partially, s.not_achieved];
        *counted
            .entry((s.objective_id, s.cycle_id, values))
            .or_default() += 1;
        rows.push(Share {
            objective_id: s.objective_id,
            cycle_id: s.cycle_id,
            who: Who::Person(s.person_id),
            linked: s.linked,
            achieved: s.achieved,
            partially: s.partially,
            not_achieved: s.not_achieved,
        });
    }
    for (group, g) in groups.iter().enumerate() {
        let values = [g.linked, g.achieved, g.partially, g.not_achieved];
        let share = |who| Share {
            objective_id: g.objective_id,
            cycle_id: g.cycle_id,
            who,
            linked: g.linked,
            achieved: g.achieved,
            partially: g.partially,
            not_achieved: g.not_achieved,
        };
        match &g.listed {
            Some(ids) => rows.extend(
                ids.iter()
                    .filter(|p| !people.contains(p))
                    .map(|&p| share(Who::Person(p))),
            ),
            None => {
                let key = (g.objective_id, g.cycle_id, values);
                let count = g.people - counted.get(&key).copied().unwrap_or(0);
                if count > 0 {
                    rows.push(share(Who::Unlisted { group, count }));
                }
            }
        }
    }
    rows
}

/// Goals linked and their outcomes. A figure that is `None` is withheld for privacy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Outcomes {
    pub linked: Figure<i64>,
    pub achieved: Figure<i64>,
    pub partially: Figure<i64>,
    pub not_achieved: Figure<i64>,
}

impl Outcomes {
    /// The share of linked goals that ended in `of`, in percent, when both are shown.
    pub fn percent(&self, of: &Figure<i64>) -> Figure<f64> {
        let share = |part: Option<i64>, whole: Option<i64>| match (part, whole) {
            (Some(part), Some(whole)) if whole > 0 => Some(100.0 * part as f64 / whole as f64),
            _ => None,
        };
        Figure {
            now: share(of.now, self.linked.now),
            before: share(of.before, self.linked.before),
        }
    }

    pub fn achieved_percent(&self) -> Figure<f64> {
        self.percent(&self.achieved)
    }

    pub fn partially_percent(&self) -> Figure<f64> {
        self.percent(&self.partially)
    }

    pub fn not_achieved_percent(&self) -> Figure<f64> {
        self.percent(&self.not_achieved)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ObjectiveCoverage {
    pub code: String,
    pub title: String,
    pub retired: bool,
    pub outcomes: Outcomes,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GoalCoverage {
    pub code: String,
    pub title: String,
    pub outcomes: Outcomes,
    pub objectives: Vec<ObjectiveCoverage>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Coverage {
    /// The plan the period's cycles follow; `None` when there is none.
    pub plan: Option<String>,
    pub goals: Vec<GoalCoverage>,
    /// Objectives in force that no goal of the period links ("G1.2 Plain language").
    pub uncovered: Vec<String>,
}

const LINKED: usize = 0;
const ACHIEVED: usize = 1;
const PARTIALLY: usize = 2;
const NOT_ACHIEVED: usize = 3;
const OPEN: usize = 4;

/// One unit's figures for one period and cut: linked, achieved, partially, not achieved
/// and still open (never shown, but linked minus the others).
#[derive(Debug, Clone, Copy)]
struct Block {
    cells: [CellId; 5],
    values: [i64; 5],
}

fn block<'a>(
    table: &mut Table,
    shares: impl Iterator<Item = &'a Share> + Clone,
    unshown: bool,
) -> Block {
    let parts = |s: &Share| {
        [
            s.linked,
            s.achieved,
            s.partially,
            s.not_achieved,
            s.linked - s.achieved - s.partially - s.not_achieved,
        ]
    };
    let mut values = [0_i64; 5];
    for s in shares.clone() {
        for (v, p) in values.iter_mut().zip(parts(s)) {
            *v += p * s.who.weight();
        }
    }
    let cells: [CellId; 5] = std::array::from_fn(|i| {
        let members = cover(shares.clone().filter(|s| parts(s)[i] > 0).map(|s| s.who));
        table.covering(members, unshown || i == OPEN)
    });
    table.sum(cells[LINKED], cells[1..].iter().copied());
    Block { cells, values }
}

/// A unit's blocks: per period (now, before), per cut (department; then, with a team,
/// the team and the rest of the department, never shown).
type Blocks = [Vec<Block>; 2];

fn unit(
    table: &mut Table,
    shares: &[&Share],
    periods: &[BTreeSet<i32>; 2],
    team: Option<&BTreeSet<Person>>,
) -> Blocks {
    let mut per_period = |cycles: &BTreeSet<i32>| {
        let in_period = shares
            .iter()
            .copied()
            .filter(|s| cycles.contains(&s.cycle_id));
        let department = block(table, in_period.clone(), false);
        let Some(team) = team else {
            return vec![department];
        };
        let mine = block(
            table,
            in_period
                .clone()
                .filter(|s| matches!(s.who, Who::Person(p) if team.contains(&p))),
            false,
        );
        let rest = block(
            table,
            in_period.filter(|s| !matches!(s.who, Who::Person(p) if team.contains(&p))),
            true,
        );
        for i in 0..5 {
            table.sum(department.cells[i], [mine.cells[i], rest.cells[i]]);
        }
        vec![department, mine, rest]
    };
    [per_period(&periods[0]), per_period(&periods[1])]
}

/// The coverage cells of a plan, before the table is decided.
pub struct CoverageCells {
    plan: Option<String>,
    goals: Vec<(GoalOutline, Blocks, Vec<Blocks>)>,
}

/// Adds the plan's coverage to `table`: per objective and per strategic goal (the sum of
/// its objectives), for both periods and every cut.
pub fn cells(
    table: &mut Table,
    plan: Option<(String, Vec<GoalOutline>)>,
    shares: &[Share],
    periods: &[BTreeSet<i32>; 2],
    team: Option<&BTreeSet<Person>>,
) -> CoverageCells {
    let Some((title, outline)) = plan else {
        return CoverageCells {
            plan: None,
            goals: Vec::new(),
        };
    };
    let mut goals = Vec::with_capacity(outline.len());
    for goal in outline {
        let ids: BTreeSet<i32> = goal.objectives.iter().map(|o| o.id).collect();
        let of_goal: Vec<&Share> = shares
            .iter()
            .filter(|s| ids.contains(&s.objective_id))
            .collect();
        let total = unit(table, &of_goal, periods, team);
        let objectives: Vec<Blocks> = goal
            .objectives
            .iter()
            .map(|o| {
                let of_objective: Vec<&Share> = of_goal
                    .iter()
                    .copied()
                    .filter(|s| s.objective_id == o.id)
                    .collect();
                unit(table, &of_objective, periods, team)
            })
            .collect();
        if !objectives.is_empty() {
            for period in 0..2 {
                for cut in 0..total[period].len() {
                    for i in 0..5 {
                        table.sum(
                            total[period][cut].cells[i],
                            objectives.iter().map(|o| o[period][cut].cells[i]),
                        );
                    }
                }
            }
        }
        goals.push((goal, total, objectives));
    }
    CoverageCells {
        plan: Some(title),
        goals,
    }
}

fn outcomes(blocks: &Blocks, cut: Cut, shown: &Shown) -> Outcomes {
    let index = cut.index().min(blocks[0].len() - 1);
    let figure = |i: usize| Figure {
        now: shown.figure(blocks[0][index].cells[i], blocks[0][index].values[i]),
        before: shown.figure(blocks[1][index].cells[i], blocks[1][index].values[i]),
    };
    Outcomes {
        linked: figure(LINKED),
        achieved: figure(ACHIEVED),
        partially: figure(PARTIALLY),
        not_achieved: figure(NOT_ACHIEVED),
    }
}

/// The coverage a reader sees once the table is decided.
pub fn figures(cells: CoverageCells, cut: Cut, shown: &Shown) -> Coverage {
    let mut uncovered = Vec::new();
    let goals = cells
        .goals
        .into_iter()
        .map(|(goal, total, objectives)| GoalCoverage {
            outcomes: outcomes(&total, cut, shown),
            objectives: goal
                .objectives
                .into_iter()
                .zip(objectives)
                .map(|(o, blocks)| {
                    let outcomes = outcomes(&blocks, cut, shown);
                    if !o.retired && outcomes.linked.now == Some(0) {
                        uncovered.push(format!("{} {}", o.code, o.title));
                    }
                    ObjectiveCoverage {
                        code: o.code,
                        title: o.title,
                        retired: o.retired,
                        outcomes,
                    }
                })
                .collect(),
            code: goal.code,
            title: goal.title,
        })
        .collect();
    Coverage {
        plan: cells.plan,
        goals,
        uncovered,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{disclosure::Reader, plan::ObjectiveRef};

    /// The shares of `all` as the database answers them: grouped by objective, cycle and
    /// outcomes, listing groups of fewer than `list_below`, and `one_by_one` by id.
    fn grouped(all: &[OutcomeShare], one_by_one: &[Person], list_below: i64) -> Vec<Share> {
        let mut groups: std::collections::BTreeMap<_, Vec<Person>> = Default::default();
        for s in all {
            let key = (
                s.objective_id,
                s.cycle_id,
                s.linked,
                s.achieved,
                s.partially,
            );
            groups
                .entry((key, s.not_achieved))
                .or_default()
                .push(s.person_id);
        }
        let groups: Vec<OutcomeGroup> = groups
            .into_iter()
            .map(
                |(((objective_id, cycle_id, linked, achieved, partially), not_achieved), ids)| {
                    OutcomeGroup {
                        objective_id,
                        cycle_id,
                        linked,
                        achieved,
                        partially,
                        not_achieved,
                        people: ids.len() as i64,
                        listed: ((ids.len() as i64) < list_below).then_some(ids),
                    }
                },
            )
            .collect();
        let own: Vec<OutcomeShare> = all
            .iter()
            .filter(|s| one_by_one.contains(&s.person_id))
            .copied()
            .collect();
        shares(&groups, &own)
    }

    #[test]
    fn goals_counted_in_the_database_decide_exactly_as_people_listed_one_by_one() {
        // One strategic goal with three objectives; 150 people over two cycles, most with
        // one goal on objective 1 or 2 achieved (groups counted in the database), a few
        // on objective 3 with mixed outcomes (listed). A manager (1) knows 1 to 6, whose
        // team is 2 to 6; k = 4.
        let mut all = Vec::new();
        for cycle_id in 1..=2 {
            for person_id in 1..=150 {
                let objective_id = 1 + person_id % 2;
                all.push(OutcomeShare {
                    objective_id,
                    cycle_id,
                    person_id,
                    linked: 1,
                    achieved: 1,
                    partially: 0,
                    not_achieved: 0,
                });
                if person_id % 50 == cycle_id {
                    all.push(OutcomeShare {
                        objective_id: 3,
                        cycle_id,
                        person_id,
                        linked: 2,
                        achieved: 0,
                        partially: i64::from(person_id % 2),
                        not_achieved: 1,
                    });
                }
            }
        }
        let objective = |id: i32| ObjectiveRef {
            id,
            plan_id: 1,
            code: format!("G1.{id}"),
            title: format!("Objective {id}"),
            retired: false,
        };
        let outline = vec![GoalOutline {
            id: 1,
            code: "G1".to_owned(),
            title: "Known for service".to_owned(),
            objectives: (1..=3).map(objective).collect(),
        }];
        let known: Vec<Person> = (1..=6).collect();
        let team: BTreeSet<Person> = (2..=6).collect();
        let periods = [BTreeSet::from([2]), BTreeSet::from([1])];
        let coverage = |shares: &[Share], team: Option<&BTreeSet<Person>>| {
            let mut table = Table::new();
            let plan = Some(("Plan".to_owned(), outline.clone()));
            let cells = cells(&mut table, plan, shares, &periods, team);
            let shown = Shown::Decided(table.decide(&Reader::new(4, known.iter().copied())));
            let cut = if team.is_some() {
                Cut::Team
            } else {
                Cut::Department
            };
            figures(cells, cut, &shown)
        };
        let everyone: Vec<Person> = (1..=150).collect();
        let counted = grouped(&all, &known, 4 + 6);
        assert!(
            counted
                .iter()
                .any(|s| matches!(s.who, Who::Unlisted { .. }))
        );
        for team in [None, Some(&team)] {
            let listed = coverage(&grouped(&all, &everyone, 0), team);
            assert_eq!(coverage(&counted, team), listed, "team: {team:?}");
            if team.is_none() {
                let third = &listed.goals[0].objectives[2].outcomes;
                assert_eq!(third.linked.now, None, "three people's goals are withheld");
                // The 150 goals achieved stay shown: none of them is about few people.
                assert_eq!(listed.goals[0].outcomes.achieved.now, Some(150));
            }
        }
    }
}
