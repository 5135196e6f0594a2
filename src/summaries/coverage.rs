//! Plan coverage: per strategic goal and objective, the goals linked in the period and
//! how many ended achieved, partially achieved and not achieved, and the objectives
//! nobody works on. Every figure is a cell of the summary's disclosure table.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use super::{Cut, Figure, Shown};
use crate::{
    disclosure::{CellId, Person, Table},
    goals::OutcomeShare,
    plan::GoalOutline,
};

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
    shares: impl Iterator<Item = &'a OutcomeShare> + Clone,
    unshown: bool,
) -> Block {
    let parts = |s: &OutcomeShare| {
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
            *v += p;
        }
    }
    let cells: [CellId; 5] = std::array::from_fn(|i| {
        let members: Vec<Person> = shares
            .clone()
            .filter(|s| parts(s)[i] > 0)
            .map(|s| s.person_id)
            .collect();
        if unshown || i == OPEN {
            table.unshown(members)
        } else {
            table.cell(members)
        }
    });
    table.sum(cells[LINKED], cells[1..].iter().copied());
    Block { cells, values }
}

/// A unit's blocks: per period (now, before), per cut (department; then, with a team,
/// the team and the rest of the department, never shown).
type Blocks = [Vec<Block>; 2];

fn unit(
    table: &mut Table,
    shares: &[&OutcomeShare],
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
            in_period.clone().filter(|s| team.contains(&s.person_id)),
            false,
        );
        let rest = block(
            table,
            in_period.filter(|s| !team.contains(&s.person_id)),
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
    shares: &[OutcomeShare],
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
        let of_goal: Vec<&OutcomeShare> = shares
            .iter()
            .filter(|s| ids.contains(&s.objective_id))
            .collect();
        let total = unit(table, &of_goal, periods, team);
        let objectives: Vec<Blocks> = goal
            .objectives
            .iter()
            .map(|o| {
                let of_objective: Vec<&OutcomeShare> = of_goal
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
