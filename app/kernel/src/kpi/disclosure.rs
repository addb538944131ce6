//! Small numbers: a count of a handful of people can identify them. Counts from 1 to
//! `threshold - 1` are hidden ("<5"); in a line of counts shown with its total, more cells
//! are hidden until the total cannot give a hidden one away (secondary suppression); a
//! share, median or sum computed from a hidden count is hidden too. Zero is not
//! sensitive.

use serde::{Deserialize, Serialize};

/// The default threshold: counts under five are hidden.
pub const DEFAULT_THRESHOLD: u64 = 5;

/// A count as shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Shown {
    Count(u64),
    /// Fewer than the threshold (or hidden so that a total cannot reveal another cell).
    Hidden,
}

impl Shown {
    pub fn count(self) -> Option<u64> {
        match self {
            Shown::Count(n) => Some(n),
            Shown::Hidden => None,
        }
    }
}

/// Is this count too small to show on its own?
pub fn too_small(count: u64, threshold: u64) -> bool {
    count > 0 && count < threshold
}

/// Can the hidden cells of a line be told apart from its total? Each hidden cell is at
/// least 1, so with `k` hidden cells summing to `sum` one cell ranges over
/// `1..=sum-(k-1)`: a single value exactly when `sum == k` (or when `k == 1`). The hidden
/// sum must also not itself be a small number.
fn protected(hidden: &[u64], threshold: u64) -> bool {
    let k = hidden.len() as u64;
    let sum: u64 = hidden.iter().sum();
    k == 0 || (k >= 2 && sum > k && sum >= threshold)
}

/// A line of counts (the months of a trend, the nodes of a breakdown) shown beside its
/// total: which cells to show, and whether the total itself may be shown.
pub fn suppress_line(counts: &[u64], threshold: u64) -> (Vec<Shown>, Shown) {
    let total: u64 = counts.iter().sum();
    let mut hidden: Vec<bool> = counts.iter().map(|c| too_small(*c, threshold)).collect();
    loop {
        let hidden_counts: Vec<u64> =
            counts.iter().zip(&hidden).filter(|(_, h)| **h).map(|(c, _)| *c).collect();
        if protected(&hidden_counts, threshold) {
            break;
        }
        // Hide the smallest count still shown (not a zero).
        let next = counts.iter().enumerate().filter(|(i, c)| !hidden[*i] && **c > 0).min_by_key(|(_, c)| **c);
        match next {
            Some((i, _)) => hidden[i] = true,
            // Nothing left to hide: only hiding the total protects the cells.
            None => {
                let cells = counts
                    .iter()
                    .zip(&hidden)
                    .map(|(c, h)| if *h { Shown::Hidden } else { Shown::Count(*c) });
                return (cells.collect(), Shown::Hidden);
            }
        }
    }
    let cells = counts.iter().zip(&hidden).map(|(c, h)| if *h { Shown::Hidden } else { Shown::Count(*c) });
    let total = if too_small(total, threshold) { Shown::Hidden } else { Shown::Count(total) };
    (cells.collect(), total)
}

/// Every value a hidden cell could take, given the shown cells and the total: what an
/// attacker can work out. Used by the property tests as the oracle.
pub fn possible_values(
    counts: &[u64],
    shown: &[Shown],
    total: Shown,
    cell: usize,
) -> Option<std::ops::RangeInclusive<u64>> {
    let Shown::Count(total) = total else { return None };
    if shown[cell] != Shown::Hidden {
        return None;
    }
    let shown_sum: u64 = shown.iter().filter_map(|s| s.count()).sum();
    let hidden_sum = total - shown_sum;
    let others = shown.iter().filter(|s| **s == Shown::Hidden).count() as u64 - 1;
    debug_assert_eq!(counts.iter().sum::<u64>(), total);
    Some(1..=hidden_sum.saturating_sub(others).max(1))
}
