//! Which figures of a table may be shown to a reader who must learn nothing about fewer
//! than `k` people: statistical disclosure control, with no database and no HTTP.
//!
//! A table is a set of cells, each covering a set of people (the people its figure is
//! about), and the sums that tie them (a total and its parts: a cell per cycle and the
//! all-cycles cell, a group and its subgroups, "at or above target" and "below"). The
//! caller asks `Table::decide` which cells a reader may see:
//!
//! - **Primary suppression.** A cell is hidden when it covers 1 to k−1 people the reader
//!   does not already see one by one (their own records, and those of the people below
//!   them in the chain). A cell covering nobody is a zero and is shown as zero.
//! - **Complementary suppression.** More cells are hidden until (a) no primarily hidden
//!   cell can be worked out from the shown ones through the sums (by any linear
//!   combination, found by elimination, not only by one subtraction), and (b) for every
//!   sum whose total is known, the hidden parts that cannot be worked out one by one
//!   together cover no fewer than k unknown people (or none), so that "total minus the
//!   shown parts" describes a large enough group. The complement of an exposed cell is
//!   one of the shown figures its working-out uses (the elimination says which, however
//!   long the chain of sums): a part beside it in a sum first, then a part of a sum it is
//!   the total of, then any other part, totals last, the smallest first within each (it
//!   costs the reader the least); ties go to the earlier cell, so a table gives the same
//!   answer every time it is asked. A figure the working-out does not use is never hidden
//!   for it, so one small cell does not spread to the whole table. For (b), the smallest
//!   shown part of the sum is hidden, else its total, else (a hidden total the reader
//!   works out) a figure that working-out uses.
//! - **Shown together.** Some cells are shown together or not at all (`together`): an
//!   average is displayed only with its count, so hiding one hides the other.
//!
//! Cells the caller never displays (`unshown`: "people without a target") take part in
//! the sums all the same: they are what a subtraction would reveal. Decisions depend only
//! on the table, never on which of its cells a page happens to display, so every view
//! built from the same table agrees: the all-cycles figure and each cycle's figure are
//! hidden or shown consistently, whichever one a reader asks for.
//!
//! An average beside the count it averages gives away a weighted sum (the levels of ten
//! people add up to ten times their average): `weighted_sum` models it, so hidden levels
//! stay hidden beside a shown average.
//!
//! Limits: a combination of hidden cells with mixed signs is checked for
//! whether it pins a small cell, not for the size of the group it describes.

use std::collections::BTreeSet;

/// A person, by id.
pub type Person = i32;

/// A cell of a `Table`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CellId(usize);

#[derive(Debug, Clone)]
struct Cell {
    members: Vec<Person>,
    /// How many more people the cell covers, not listed (see `Cover`).
    others: usize,
    /// Never displayed, but what a subtraction would reveal.
    unshown: bool,
}

/// The people a figure is about: some by id, and `others` more who are not listed. A
/// caller that aggregates in the database lists only the people of small groups and
/// counts the rest; it must count only people the reader does not know, and only in
/// groups of at least k of them, so that a cell with `others` covers k or more unknown
/// people (and any group of parts holding such a cell covers k or more). Decisions about
/// "fewer than k" are then exact; the sizes used to choose the smallest complement are
/// upper bounds where cells overlap (one person unlisted in two skills counts twice).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Cover {
    pub listed: Vec<Person>,
    pub others: usize,
}

#[derive(Debug, Clone)]
struct Sum {
    total: CellId,
    /// Each part with its weight (1 in a plain sum).
    parts: Vec<(i64, CellId)>,
}

/// The cells of related figures and the sums between them.
#[derive(Debug, Clone, Default)]
pub struct Table {
    cells: Vec<Cell>,
    sums: Vec<Sum>,
    together: Vec<Vec<CellId>>,
}

/// Who reads: the smallest group they may learn about, and the people whose records they
/// already see one by one (so a figure about those people tells them nothing new, and
/// those people give no cover to anyone else).
#[derive(Debug, Clone)]
pub struct Reader {
    k: usize,
    known: BTreeSet<Person>,
}

impl Reader {
    pub fn new(k: i64, known: impl IntoIterator<Item = Person>) -> Reader {
        Reader {
            k: usize::try_from(k).unwrap_or(0),
            known: known.into_iter().collect(),
        }
    }

    /// The people the reader sees one by one.
    pub fn known(&self) -> &BTreeSet<Person> {
        &self.known
    }

    /// The reader's threshold.
    pub fn k(&self) -> usize {
        self.k
    }

    fn unknown<'a>(&self, members: impl IntoIterator<Item = &'a Person>) -> usize {
        members
            .into_iter()
            .filter(|p| !self.known.contains(p))
            .count()
    }

    /// Some people the reader does not know, but fewer than k of them.
    fn too_few(&self, unknown: usize) -> bool {
        unknown > 0 && unknown < self.k
    }
}

/// What `Table::decide` answered: which cells are shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Disclosure {
    hidden: Vec<bool>,
}

impl Disclosure {
    pub fn shows(&self, cell: CellId) -> bool {
        !self.hidden[cell.0]
    }

    /// The figure, when its cell is shown.
    pub fn figure<T>(&self, cell: CellId, value: T) -> Option<T> {
        self.shows(cell).then_some(value)
    }
}

impl Table {
    pub fn new() -> Table {
        Table::default()
    }

    /// A figure about `members` (person ids; repeats are counted once).
    pub fn cell(&mut self, members: impl IntoIterator<Item = Person>) -> CellId {
        self.push(members, 0, false)
    }

    /// A figure about the people of `cover` (see `Cover`); `unshown` as for `unshown`.
    pub fn covering(&mut self, cover: Cover, unshown: bool) -> CellId {
        self.push(cover.listed, cover.others, unshown)
    }

    /// A group whose figure is never displayed but follows from others by subtraction
    /// ("people without a target" = people − people with a target).
    pub fn unshown(&mut self, members: impl IntoIterator<Item = Person>) -> CellId {
        self.push(members, 0, true)
    }

    fn push(
        &mut self,
        members: impl IntoIterator<Item = Person>,
        others: usize,
        unshown: bool,
    ) -> CellId {
        let mut members: Vec<Person> = members.into_iter().collect();
        members.sort_unstable();
        members.dedup();
        self.cells.push(Cell {
            members,
            others,
            unshown,
        });
        CellId(self.cells.len() - 1)
    }

    /// `total`'s figure is the sum of the `parts`' figures.
    pub fn sum(&mut self, total: CellId, parts: impl IntoIterator<Item = CellId>) {
        self.weighted_sum(total, parts.into_iter().map(|p| (1, p)));
    }

    /// `total`'s figure is the sum of the `parts`' figures, each times its weight: what
    /// an average beside its count gives away ("the levels add up to average × people" is
    /// 1 × people at level 1 + … + 5 × people at level 5).
    pub fn weighted_sum(&mut self, total: CellId, parts: impl IntoIterator<Item = (i64, CellId)>) {
        self.sums.push(Sum {
            total,
            parts: parts.into_iter().collect(),
        });
    }

    /// These cells are shown all together or not at all.
    pub fn together(&mut self, cells: impl IntoIterator<Item = CellId>) {
        self.together.push(cells.into_iter().collect());
    }

    /// Which cells `reader` may see.
    pub fn decide(&self, reader: &Reader) -> Disclosure {
        let unknown: Vec<usize> = self
            .cells
            .iter()
            .map(|c| reader.unknown(&c.members) + c.others)
            .collect();
        let risky: Vec<bool> = unknown.iter().map(|&u| reader.too_few(u)).collect();
        let mut hidden: Vec<bool> = self
            .cells
            .iter()
            .zip(&risky)
            .map(|(c, &r)| c.unshown || r)
            .collect();
        // Each turn hides at least one more cell or stops, so this ends.
        loop {
            for group in &self.together {
                if group.iter().any(|c| hidden[c.0]) {
                    for c in group {
                        hidden[c.0] = true;
                    }
                }
            }
            // Only hidden cells with people the reader does not know are unknowns: the
            // others are zeros or figures the reader can add up from what they see.
            let opaque = |c: CellId, hidden: &[bool]| hidden[c.0] && unknown[c.0] > 0;
            let solved = self.solve(&hidden, &unknown);
            let determined = &solved.determined;
            let exposed = (0..self.cells.len()).find(|&c| risky[c] && determined[c]);
            let complement = if let Some(cell) = exposed {
                Some(self.complement_for(CellId(cell), &solved, &unknown))
            } else {
                self.sums.iter().find_map(|sum| {
                    let total_known = !opaque(sum.total, &hidden) || determined[sum.total.0];
                    if !total_known {
                        return None;
                    }
                    let open: Vec<CellId> = sum
                        .parts
                        .iter()
                        .map(|(_, p)| *p)
                        .filter(|p| opaque(*p, &hidden) && !determined[p.0])
                        .collect();
                    // The parts together cover at least as many as the largest: when that
                    // is k or more there is no need to count the people they share.
                    let largest = open.iter().map(|p| unknown[p.0]).max().unwrap_or(0);
                    let together = if largest >= reader.k {
                        largest
                    } else {
                        let listed: BTreeSet<Person> = open
                            .iter()
                            .flat_map(|p| self.cells[p.0].members.iter().copied())
                            .collect();
                        reader.unknown(&listed).max(largest)
                    };
                    let too_few = reader.too_few(together);
                    too_few.then(|| {
                        // A hidden total the reader works out from other sums is no
                        // better than a shown one: break the working-out instead.
                        self.candidate(sum, &hidden, &unknown).or_else(|| {
                            opaque(sum.total, &hidden)
                                .then(|| self.complement_for(sum.total, &solved, &unknown))
                                .flatten()
                        })
                    })
                })
            };
            match complement {
                None => break,
                Some(Some(cell)) => hidden[cell.0] = true,
                // The group is worked out from figures the reader knows anyway (zeros,
                // their own people): hiding more could not help, so show none of the
                // table rather than that group.
                Some(None) => {
                    hidden = vec![true; self.cells.len()];
                    break;
                }
            }
        }
        Disclosure { hidden }
    }

    /// The cell to hide so that `cell` can no longer be worked out the way `solved`
    /// found: one of the shown figures that working-out uses, the closest first (a part
    /// beside `cell` in a sum, then a part of a sum it is the total of, then any figure
    /// that is no sum's total, then totals), the smallest first within each. Hiding a
    /// figure the working-out does not use would change nothing, however small it is.
    /// `None` when it uses no figure that could be hidden.
    fn complement_for(&self, cell: CellId, solved: &Solved, unknown: &[usize]) -> Option<CellId> {
        let tier = |c: CellId| -> u8 {
            let is_total = self.sums.iter().any(|s| s.total == c);
            let related = self.sums.iter().filter_map(|sum| {
                let has = |x: CellId| sum.parts.iter().any(|(_, p)| *p == x);
                if has(cell) && has(c) {
                    Some(0)
                } else if sum.total == cell && has(c) {
                    Some(1)
                } else if has(cell) && sum.total == c {
                    Some(3)
                } else {
                    None
                }
            });
            related.min().unwrap_or(if is_total { 4 } else { 2 })
        };
        solved.uses[cell.0]
            .iter()
            .map(|&c| (tier(CellId(c)), unknown[c], c))
            .min()
            .map(|(_, _, c)| CellId(c))
    }

    /// The smallest shown part of `sum` that covers someone the reader does not know (the
    /// earlier on a tie), else its total if that is shown and covers such a person.
    fn candidate(&self, sum: &Sum, hidden: &[bool], unknown: &[usize]) -> Option<CellId> {
        let open = |c: &CellId| !hidden[c.0] && unknown[c.0] > 0;
        sum.parts
            .iter()
            .map(|(_, c)| c)
            .filter(|c| open(c))
            .min_by_key(|c| (unknown[c.0], c.0))
            .or(Some(&sum.total).filter(|c| open(c)))
            .copied()
    }

    /// Which hidden cells the reader can work out from the shown ones through the sums.
    #[cfg(test)]
    fn determined(&self, hidden: &[bool], unknown: &[usize]) -> Vec<bool> {
        self.solve(hidden, unknown).determined
    }

    /// Which hidden cells the reader can work out from the shown ones through the sums,
    /// and from which shown figures: Gauss–Jordan elimination over the hidden cells with
    /// unknown people (the others are known or zero), carrying the shown cells with
    /// unknown people along as columns that are never pivots. A hidden cell is worked out
    /// when its column is a pivot whose row holds no free hidden column; the shown cells
    /// left in that row are the figures the working-out uses.
    fn solve(&self, hidden: &[bool], unknown: &[usize]) -> Solved {
        let mut column = vec![None; self.cells.len()];
        let mut cells = Vec::new();
        for (c, (&h, &u)) in hidden.iter().zip(unknown).enumerate() {
            if h && u > 0 {
                column[c] = Some(cells.len());
                cells.push(c);
            }
        }
        let width = cells.len();
        for (c, (&h, &u)) in hidden.iter().zip(unknown).enumerate() {
            if !h && u > 0 {
                column[c] = Some(cells.len());
                cells.push(c);
            }
        }
        let mut rows: Vec<Vec<f64>> = self
            .sums
            .iter()
            .map(|sum| {
                let mut row = vec![0.0_f64; cells.len()];
                if let Some(j) = column[sum.total.0] {
                    row[j] += 1.0;
                }
                for (weight, part) in &sum.parts {
                    if let Some(j) = column[part.0] {
                        row[j] -= *weight as f64;
                    }
                }
                row
            })
            .filter(|row| row[..width].iter().any(|v| v.abs() > EPSILON))
            .collect();
        let mut pivots = Vec::new();
        let mut next = 0;
        for j in 0..width {
            let Some(best) = (next..rows.len()).max_by(|&a, &b| {
                rows[a][j]
                    .abs()
                    .partial_cmp(&rows[b][j].abs())
                    .unwrap_or(std::cmp::Ordering::Equal)
            }) else {
                break;
            };
            if rows[best][j].abs() <= EPSILON {
                continue;
            }
            rows.swap(next, best);
            let pivot = rows[next][j];
            for v in &mut rows[next] {
                *v /= pivot;
            }
            let pivot_row = rows[next].clone();
            for (r, row) in rows.iter_mut().enumerate() {
                let factor = row[j];
                if r != next && factor.abs() > EPSILON {
                    for (v, p) in row.iter_mut().zip(&pivot_row) {
                        *v -= factor * p;
                    }
                }
            }
            pivots.push((next, j));
            next += 1;
        }
        let mut solved = Solved {
            determined: vec![false; self.cells.len()],
            uses: vec![Vec::new(); self.cells.len()],
        };
        for (r, j) in pivots {
            let row = &rows[r];
            if row[..width].iter().filter(|v| v.abs() > EPSILON).count() == 1 {
                solved.determined[cells[j]] = true;
                solved.uses[cells[j]] = (width..cells.len())
                    .filter(|&i| row[i].abs() > EPSILON)
                    .map(|i| cells[i])
                    .collect();
            }
        }
        solved
    }
}

/// What the reader can work out (`Table::solve`).
struct Solved {
    determined: Vec<bool>,
    /// Per worked-out cell, the shown cells (with people the reader does not know) its
    /// working-out uses.
    uses: Vec<Vec<usize>>,
}

/// Coefficients are small integers; anything this close to zero is zero.
const EPSILON: f64 = 1e-9;

#[cfg(test)]
mod tests {
    use super::*;

    /// People 1..=n.
    fn people(from: Person, n: usize) -> Vec<Person> {
        (from..).take(n).collect()
    }

    fn advisor(k: i64) -> Reader {
        Reader::new(k, [])
    }

    /// A one-dimensional table: a total over parts whose people are `groups`, each part
    /// counting one goal per person. Returns the table, the total and the parts.
    fn row(groups: &[Vec<Person>]) -> (Table, CellId, Vec<CellId>) {
        let mut table = Table::new();
        let parts: Vec<CellId> = groups.iter().map(|g| table.cell(g.clone())).collect();
        let total = table.cell(groups.iter().flatten().copied());
        table.sum(total, parts.clone());
        (table, total, parts)
    }

    /// What a reader learns by subtraction from one sum: the total (when shown) minus the
    /// shown parts, with the people it covers. `None` when the total is hidden.
    fn subtract(
        disclosure: &Disclosure,
        total: (CellId, i64),
        parts: &[(CellId, i64, &[Person])],
    ) -> Option<(i64, BTreeSet<Person>)> {
        let value = disclosure.figure(total.0, total.1)?;
        let mut rest = value;
        let mut covered = BTreeSet::new();
        for (cell, figure, members) in parts {
            match disclosure.figure(*cell, *figure) {
                Some(v) => rest -= v,
                None => covered.extend(members.iter().copied()),
            }
        }
        Some((rest, covered))
    }

    #[test]
    fn a_cell_is_shown_when_it_covers_nobody_or_at_least_k_people() {
        #[rustfmt::skip]
        let cases: [(usize, bool); 5] = [
            (0, true),   // a zero is a zero
            (1, false),
            (2, false),
            (3, true),   // k
            (4, true),
        ];
        for (n, shown) in cases {
            let mut table = Table::new();
            let cell = table.cell(people(1, n));
            assert_eq!(table.decide(&advisor(3)).shows(cell), shown, "{n} people");
        }
    }

    #[test]
    fn the_small_cycle_cannot_be_worked_out_from_the_all_cycles_figure() {
        // G2.1: 4 goals by 4 people overall, 3 in cycle 1, 1 in cycle 2.
        let cycle1 = people(1, 3);
        let cycle2 = vec![4];
        let (table, total, parts) = row(&[cycle1.clone(), cycle2.clone()]);
        let shown = table.decide(&advisor(3));
        assert!(!shown.shows(parts[1]), "one person is fewer than k");
        assert!(
            !shown.shows(parts[0]),
            "cycle 1 is hidden too, or 4 − 3 gives cycle 2"
        );
        assert!(shown.shows(total), "the four together may be shown");
        // The attempt: the all-cycles figure minus every shown cycle.
        let learned = subtract(
            &shown,
            (total, 4),
            &[(parts[0], 3, &cycle1), (parts[1], 1, &cycle2)],
        );
        let (value, covered) = learned.expect("the total is shown");
        assert_eq!(value, 4, "only the sum of both cycles is learned");
        assert_eq!(covered.len(), 4, "and it covers four people");
    }

    #[test]
    fn the_complement_is_the_smallest_part_that_is_enough_and_the_total_only_when_no_part_is_left()
    {
        #[rustfmt::skip]
        let cases: Vec<(Vec<Vec<Person>>, Vec<bool>, bool)> = vec![
            // parts' people                       parts shown                total shown
            (vec![people(1, 1), people(2, 5), people(7, 3)], vec![false, true, false], true),
            (vec![people(1, 2), people(3, 1), people(4, 6)], vec![false, false, true], true),
            (vec![people(1, 1), vec![], people(2, 4)],       vec![false, true, false], true),
            (vec![people(1, 1), people(2, 1), people(3, 1)], vec![false, false, false], true),
            (vec![people(1, 4), people(5, 4)],               vec![true, true], true),
            (vec![people(1, 2)],                             vec![false], false),
            (vec![people(1, 1), vec![]],                     vec![false, true], false),
        ];
        for (groups, parts_shown, total_shown) in cases {
            let (table, total, parts) = row(&groups);
            let shown = table.decide(&advisor(3));
            let got: Vec<bool> = parts.iter().map(|p| shown.shows(*p)).collect();
            assert_eq!(got, parts_shown, "{groups:?}");
            assert_eq!(shown.shows(total), total_shown, "{groups:?}");
        }
    }

    #[test]
    fn hidden_parts_together_cover_k_people_not_k_goals() {
        // Two small cycles, the same two people in both: together still two people.
        let (table, total, parts) = row(&[vec![1, 2], vec![1, 2], people(3, 5)]);
        let shown = table.decide(&advisor(3));
        assert!(!shown.shows(parts[0]) && !shown.shows(parts[1]));
        assert!(!shown.shows(parts[2]), "the large cycle hides too");
        assert!(shown.shows(total));
    }

    #[test]
    fn people_the_reader_sees_one_by_one_neither_count_nor_cover() {
        // A manager who sees 1 and 2: a cell of 1, 2 and 3 tells them about 3 alone.
        let manager = Reader::new(3, [1, 2]);
        let (table, total, parts) = row(&[people(1, 3), people(4, 4)]);
        let shown = table.decide(&manager);
        assert!(!shown.shows(parts[0]));
        assert!(!shown.shows(parts[1]));
        assert!(shown.shows(total), "4 + 1 unknown people");
        // Their own records are no secret to them.
        let (table, _, parts) = row(&[vec![1], people(4, 4)]);
        let shown = table.decide(&manager);
        assert!(shown.shows(parts[0]) && shown.shows(parts[1]));
        // And hiding a cell of their own people protects nobody.
        let (table, total, parts) = row(&[vec![3], vec![1, 2], people(4, 3)]);
        let shown = table.decide(&manager);
        let got: Vec<bool> = parts.iter().map(|p| shown.shows(*p)).collect();
        assert_eq!(got, [false, true, false]);
        assert!(shown.shows(total));
    }

    #[test]
    fn a_subgroup_and_the_people_outside_it_are_both_large_or_both_hidden() {
        // 5 assessed, 4 of them with a target: "without a target" is one person.
        let mut table = Table::new();
        let all = table.cell(people(1, 5));
        let with_target = table.cell(people(1, 4));
        let without = table.unshown([5]);
        table.sum(all, [with_target, without]);
        let shown = table.decide(&advisor(3));
        assert!(shown.shows(all));
        assert!(!shown.shows(with_target), "5 − 4 would describe one person");
        assert!(!shown.shows(without));
        // 6 assessed, 3 with a target: both sides are large enough.
        let mut table = Table::new();
        let all = table.cell(people(1, 6));
        let with_target = table.cell(people(1, 3));
        let without = table.unshown(people(4, 3));
        table.sum(all, [with_target, without]);
        let shown = table.decide(&advisor(3));
        assert!(shown.shows(all) && shown.shows(with_target));
    }

    #[test]
    fn cells_shown_together_hide_together() {
        let mut table = Table::new();
        let levels: Vec<CellId> = [vec![], people(1, 4), vec![5], vec![], people(6, 3)]
            .into_iter()
            .map(|g| table.cell(g))
            .collect();
        let all = table.cell(people(1, 8));
        table.sum(all, levels.clone());
        table.together(levels.clone());
        let shown = table.decide(&advisor(3));
        assert!(levels.iter().all(|l| !shown.shows(*l)), "zeros too");
        assert!(shown.shows(all));
    }

    #[test]
    fn a_small_level_beside_an_average_hides_enough_levels_and_nothing_else() {
        // Levels 1 to 5 of ten people, one of them alone at level 2; the average level is
        // shown with the count, so the levels' weighted sum is known too.
        let mut table = Table::new();
        let levels: Vec<CellId> = [vec![], vec![1], people(2, 4), vec![], people(6, 5)]
            .into_iter()
            .map(|g| table.cell(g))
            .collect();
        let assessed = table.cell(people(1, 10));
        let level_sum = table.cell(people(1, 10));
        table.sum(assessed, levels.clone());
        table.weighted_sum(level_sum, (1..=5).zip(levels.iter().copied()));
        let shown = table.decide(&advisor(3));
        assert!(
            shown.shows(assessed) && shown.shows(level_sum),
            "ten people"
        );
        let got: Vec<bool> = levels.iter().map(|l| shown.shows(*l)).collect();
        // Two hidden levels would follow from the count and the weighted sum (two
        // equations): a third is hidden, the smallest left. Zeros stay zeros.
        assert_eq!(got, [true, false, false, true, false]);
        let unknown: Vec<usize> = table.cells.iter().map(|c| c.members.len()).collect();
        assert!(!table.determined(&shown.hidden, &unknown)[levels[1].0]);
    }

    #[test]
    fn a_cell_worked_out_through_a_chain_of_sums_hides_a_figure_of_that_chain_not_the_table() {
        // A strategic goal whose objectives are A (five people: four partially achieved a
        // goal, one's is still open) and B (nobody): the goal's figures are A's, so
        // "A linked − A partially" and "goal linked − goal partially" both give the one
        // open goal. Hiding A's figures alone could never help; the goal's must go too.
        let mut table = Table::new();
        let block = |table: &mut Table, partially: Vec<Person>, open: Vec<Person>| {
            let linked = table.cell(partially.iter().chain(&open).copied());
            let achieved = table.cell([]);
            let partially = table.cell(partially);
            let open = table.unshown(open);
            table.sum(linked, [achieved, partially, open]);
            [linked, achieved, partially, open]
        };
        let goal = block(&mut table, people(1, 4), vec![5]);
        let a = block(&mut table, people(1, 4), vec![5]);
        let b = block(&mut table, vec![], vec![]);
        for i in 0..4 {
            table.sum(goal[i], [a[i], b[i]]);
        }
        let shown = table.decide(&advisor(3));
        let got = |cells: [CellId; 4]| cells.map(|c| shown.shows(c));
        assert_eq!(
            got(goal),
            [true, true, false, false],
            "linked and the zero stay"
        );
        assert_eq!(got(a), [true, true, false, false]);
        // Nobody works on B, and it says so (its open goals are never displayed).
        assert_eq!(got(b), [true, true, true, false]);
    }

    /// Cycles × (linked, achieved, not achieved), with the all-cycles column: the plan's
    /// table. Achieved and not achieved goals of one cycle may be the same person's.
    struct Crossed {
        table: Table,
        linked: Vec<CellId>,
        achieved: Vec<CellId>,
    }

    /// Per cycle: who achieved a goal, and who has a goal not achieved.
    type Cycle = (Vec<Person>, Vec<Person>);

    fn crossed(cycles: &[Cycle]) -> Crossed {
        let mut table = Table::new();
        let mut linked = Vec::new();
        let mut achieved = Vec::new();
        let mut open = Vec::new();
        for (a, n) in cycles {
            linked.push(table.cell(a.iter().chain(n).copied()));
            achieved.push(table.cell(a.clone()));
            open.push(table.unshown(n.clone()));
        }
        let everyone =
            |side: fn(&Cycle) -> Vec<Person>| cycles.iter().flat_map(side).collect::<Vec<_>>();
        let all_linked = table.cell(everyone(|(a, n)| a.iter().chain(n).copied().collect()));
        let all_achieved = table.cell(everyone(|(a, _)| a.clone()));
        let all_open = table.unshown(everyone(|(_, n)| n.clone()));
        for i in 0..cycles.len() {
            table.sum(linked[i], [achieved[i], open[i]]);
        }
        table.sum(all_linked, linked.clone());
        table.sum(all_achieved, achieved.clone());
        table.sum(all_open, open.clone());
        table.sum(all_linked, [all_achieved, all_open]);
        linked.push(all_linked);
        achieved.push(all_achieved);
        Crossed {
            table,
            linked,
            achieved,
        }
    }

    #[test]
    fn no_small_cell_of_a_crossed_table_is_pinned_by_any_combination() {
        // (achieved by, not achieved by) per cycle.
        #[rustfmt::skip]
        let tables: Vec<Vec<Cycle>> = vec![
            vec![(vec![], people(1, 3)), (vec![], vec![4])],
            vec![(vec![1], people(2, 4)), (people(6, 3), people(9, 3))],
            vec![(people(1, 3), people(4, 3)), (vec![7], people(8, 5)), (people(13, 4), vec![])],
            vec![(vec![1, 2], vec![1, 2]), (vec![3], people(4, 2)), (people(6, 3), people(9, 3))],
        ];
        for cycles in tables {
            let t = crossed(&cycles);
            let shown = t.table.decide(&advisor(3));
            let unknown: Vec<usize> = t.table.cells.iter().map(|c| c.members.len()).collect();
            let determined = t.table.determined(&shown.hidden, &unknown);
            for (c, cell) in t.table.cells.iter().enumerate() {
                let small = (1..3).contains(&cell.members.len());
                assert!(
                    !small || !shown.shows(CellId(c)),
                    "{cycles:?}: cell {c} is small"
                );
                assert!(
                    !(small && determined[c]),
                    "{cycles:?}: cell {c} is worked out"
                );
            }
            // Every sum with a shown total: its hidden parts cover 0 or ≥ k people.
            for sum in &t.table.sums {
                if shown.shows(sum.total) {
                    let covered: BTreeSet<Person> = sum
                        .parts
                        .iter()
                        .map(|(_, p)| p)
                        .filter(|p| !shown.shows(**p) && !determined[p.0])
                        .flat_map(|p| t.table.cells[p.0].members.iter().copied())
                        .collect();
                    assert!(covered.is_empty() || covered.len() >= 3, "{cycles:?}");
                }
            }
        }
    }

    #[test]
    fn achieved_figures_are_a_row_of_their_own() {
        // Cycle 1: 5 people, one of whom achieved a goal; cycle 2: 7 people, 4 achieved.
        let t = crossed(&[(vec![1], people(1, 5)), (people(6, 4), people(10, 3))]);
        let shown = t.table.decide(&advisor(3));
        let linked: Vec<bool> = t.linked.iter().map(|c| shown.shows(*c)).collect();
        let achieved: Vec<bool> = t.achieved.iter().map(|c| shown.shows(*c)).collect();
        assert_eq!(
            linked,
            [true, true, true],
            "every linked figure covers 5 or more"
        );
        assert_eq!(
            achieved,
            [false, false, true],
            "one achiever is fewer than k, and all cycles − cycle 2 would give it"
        );
    }

    #[test]
    fn a_table_answers_the_same_every_time_and_k_one_hides_nothing() {
        let (table, _, parts) = row(&[vec![1], people(2, 3), people(5, 3)]);
        assert_eq!(table.decide(&advisor(3)), table.decide(&advisor(3)));
        let everything = table.decide(&advisor(1));
        assert!(parts.iter().all(|p| everything.shows(*p)));
    }
}
