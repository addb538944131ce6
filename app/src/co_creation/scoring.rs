//! How reviewers' scores become a ranked list (Horizon Europe / EIC practice): each
//! criterion is scored 0–5 in half points; per proposal and criterion the panel sees the
//! median and the spread; a proposal passes when every criterion's median reaches its
//! threshold and the weighted mean reaches the call's overall threshold; the ranked list
//! orders passing proposals first, then by weighted mean, ties broken by clinical need,
//! then by scientific evidence. A spread of two points or more flags disagreement.
//!
//! Everything is exact: scores are counted in half points, medians in quarter points, and
//! weighted means compared as fractions, so no rounding decides a rank.

use serde::{Deserialize, Serialize};
use std::cmp::Ordering;

/// A score from 0 to 5 in half points, held as the number of half points (0–10).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct HalfPoints(u8);

impl HalfPoints {
    pub const MAX: HalfPoints = HalfPoints(10);

    pub fn new(halves: u8) -> Option<HalfPoints> {
        (halves <= 10).then_some(HalfPoints(halves))
    }

    pub fn halves(self) -> u8 {
        self.0
    }

    /// Reads `3`, `3.5` or `3,5` (the Swedish decimal comma); nothing else.
    pub fn parse(text: &str) -> Option<HalfPoints> {
        let text = text.trim().replace(',', ".");
        let (whole, fraction) = text.split_once('.').unwrap_or((&text, ""));
        let whole: u8 = whole.parse().ok().filter(|_| !whole.is_empty() && whole.len() <= 2)?;
        let half = match fraction {
            "" | "0" | "00" => 0,
            "5" | "50" => 1,
            _ => return None,
        };
        HalfPoints::new(whole.checked_mul(2)?.checked_add(half)?)
    }

    /// `3.5`, `4`: how the score is written in a form.
    pub fn written(self) -> String {
        if self.0.is_multiple_of(2) { (self.0 / 2).to_string() } else { format!("{}.5", self.0 / 2) }
    }
}

/// One criterion of a call, as the aggregation needs it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Criterion {
    pub code: String,
    pub threshold: HalfPoints,
    /// A relative weight (0–100); the weighted mean divides by their sum.
    pub weight: u32,
}

/// The criteria the tie-break looks at, in order (when the call has them).
pub const TIE_BREAK: [&str; 2] = ["clinical_need", "scientific_evidence"];

/// The weighted mean of a proposal's medians, as an exact fraction of quarter points.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct WeightedMean {
    pub quarters_times_weight: u64,
    pub weight: u64,
}

impl WeightedMean {
    /// On the 0–5 scale (for display; never for ranking).
    pub fn value(self) -> f64 {
        if self.weight == 0 { 0.0 } else { self.quarters_times_weight as f64 / self.weight as f64 / 4.0 }
    }

    fn reaches(self, threshold: HalfPoints) -> bool {
        self.weight > 0 && self.quarters_times_weight >= u64::from(threshold.0) * 2 * self.weight
    }
}

impl Ord for WeightedMean {
    fn cmp(&self, other: &Self) -> Ordering {
        // a/b against c/d as a·d against c·b; no weight at all ranks below any score.
        match (self.weight, other.weight) {
            (0, 0) => Ordering::Equal,
            (0, _) => Ordering::Less,
            (_, 0) => Ordering::Greater,
            _ => (u128::from(self.quarters_times_weight) * u128::from(other.weight))
                .cmp(&(u128::from(other.quarters_times_weight) * u128::from(self.weight))),
        }
    }
}

impl PartialOrd for WeightedMean {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// One criterion's scores for one proposal, summed up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CriterionResult {
    pub code: String,
    /// The median in quarter points (0–20), `None` before any score.
    pub median_quarters: Option<u8>,
    /// Highest minus lowest score, in half points.
    pub spread_halves: u8,
    pub scores: usize,
    pub passes: bool,
}

impl CriterionResult {
    pub fn median(&self) -> Option<f64> {
        self.median_quarters.map(|q| f64::from(q) / 4.0)
    }

    /// A spread of two points (four half points) or more.
    pub fn disagreement(&self) -> bool {
        self.spread_halves >= 4
    }
}

/// A proposal's scores summed up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Aggregate {
    pub criteria: Vec<CriterionResult>,
    pub weighted: WeightedMean,
    /// Every criterion's median reaches its threshold and the weighted mean the overall one.
    pub passes: bool,
    pub disagreement: bool,
    /// How many reviews were counted.
    pub reviews: usize,
}

impl Aggregate {
    fn median_of(&self, code: &str) -> Option<u8> {
        self.criteria.iter().find(|c| c.code == code).and_then(|c| c.median_quarters)
    }
}

/// The median of half-point scores, in quarter points.
pub fn median_quarters(scores: &[HalfPoints]) -> Option<u8> {
    if scores.is_empty() {
        return None;
    }
    let mut sorted: Vec<u8> = scores.iter().map(|s| s.0).collect();
    sorted.sort_unstable();
    let middle = sorted.len() / 2;
    Some(if sorted.len() % 2 == 1 { sorted[middle] * 2 } else { sorted[middle - 1] + sorted[middle] })
}

/// One submitted review's scores: a score per criterion code (a missing one is not counted).
pub type ReviewScores = Vec<(String, HalfPoints)>;

/// Sums up the submitted reviews of one proposal under the call's criteria.
pub fn aggregate(
    criteria: &[Criterion],
    overall_threshold: HalfPoints,
    reviews: &[ReviewScores],
) -> Aggregate {
    let mut results = Vec::with_capacity(criteria.len());
    let mut weighted = WeightedMean { quarters_times_weight: 0, weight: 0 };
    for criterion in criteria {
        let scores: Vec<HalfPoints> = reviews
            .iter()
            .filter_map(|review| review.iter().find(|(code, _)| *code == criterion.code).map(|(_, s)| *s))
            .collect();
        let median = median_quarters(&scores);
        let spread = match (scores.iter().max(), scores.iter().min()) {
            (Some(high), Some(low)) => high.0 - low.0,
            _ => 0,
        };
        if let Some(median) = median {
            weighted.quarters_times_weight += u64::from(median) * u64::from(criterion.weight);
            weighted.weight += u64::from(criterion.weight);
        }
        results.push(CriterionResult {
            code: criterion.code.clone(),
            median_quarters: median,
            spread_halves: spread,
            scores: scores.len(),
            passes: median.is_some_and(|m| m >= criterion.threshold.0 * 2),
        });
    }
    let passes =
        !results.is_empty() && results.iter().all(|r| r.passes) && weighted.reaches(overall_threshold);
    let disagreement = results.iter().any(CriterionResult::disagreement);
    Aggregate { criteria: results, weighted, passes, disagreement, reviews: reviews.len() }
}

/// A proposal's place in the ranked list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ranked<K> {
    pub key: K,
    pub rank: usize,
    /// Equal to the one above on every ranking key: only the order of submission parts them.
    pub tied: bool,
    pub aggregate: Aggregate,
}

/// Orders proposals for the panel: those that pass every threshold first, then by weighted
/// mean, then by the clinical-need median, then the scientific-evidence median (both
/// highest first); `key`'s order (submission order) last, so the list is always the same.
pub fn rank<K: Ord + Clone>(entries: Vec<(K, Aggregate)>) -> Vec<Ranked<K>> {
    let sort_key = |a: &Aggregate| (a.passes, a.weighted, TIE_BREAK.map(|code| a.median_of(code)));
    let mut entries = entries;
    entries.sort_by(|(ka, a), (kb, b)| sort_key(b).cmp(&sort_key(a)).then_with(|| ka.cmp(kb)));
    let mut ranked: Vec<Ranked<K>> = Vec::with_capacity(entries.len());
    for (index, (key, aggregate)) in entries.into_iter().enumerate() {
        let tied = ranked.last().is_some_and(|above| sort_key(&above.aggregate) == sort_key(&aggregate));
        let rank = if tied { ranked[index - 1].rank } else { index + 1 };
        ranked.push(Ranked { key, rank, tied, aggregate });
    }
    ranked
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn h(halves: u8) -> HalfPoints {
        HalfPoints::new(halves).unwrap()
    }

    fn criteria(weights: &[u32]) -> Vec<Criterion> {
        let codes = ["clinical_need", "scientific_evidence", "technology_maturity", "applications", "fit"];
        weights
            .iter()
            .zip(codes)
            .map(|(&weight, code)| Criterion { code: code.into(), threshold: h(6), weight })
            .collect()
    }

    fn review(scores: &[u8]) -> ReviewScores {
        criteria(&[1; 5]).iter().zip(scores).map(|(c, &s)| (c.code.clone(), h(s))).collect()
    }

    #[test]
    fn scores_are_read_in_half_points_only() {
        assert_eq!(HalfPoints::parse("3.5"), Some(h(7)));
        assert_eq!(HalfPoints::parse(" 3,5 "), Some(h(7)));
        assert_eq!(HalfPoints::parse("5"), Some(h(10)));
        assert_eq!(HalfPoints::parse("0.0"), Some(h(0)));
        for bad in ["5.5", "3.2", "-1", "", ".5", "x", "6", "3.25", "300"] {
            assert_eq!(HalfPoints::parse(bad), None, "{bad}");
        }
        assert_eq!(h(7).written(), "3.5");
        assert_eq!(h(8).written(), "4");
    }

    #[test]
    fn medians_of_odd_and_even_counts() {
        assert_eq!(median_quarters(&[h(6), h(10), h(2)]), Some(12), "3 of 1, 3, 5");
        assert_eq!(median_quarters(&[h(6), h(7)]), Some(13), "3.25 of 3 and 3.5");
        assert_eq!(median_quarters(&[]), None);
    }

    #[test]
    fn thresholds_weights_and_disagreement() {
        // Three reviewers; clinical need 4, 4.5, 2 → median 4, spread 2.5: disagreement.
        let reviews = vec![review(&[8, 8, 8, 8, 8]), review(&[9, 8, 8, 8, 8]), review(&[4, 8, 8, 8, 8])];
        let a = aggregate(&criteria(&[1; 5]), h(6), &reviews);
        assert_eq!(a.criteria[0].median_quarters, Some(16));
        assert_eq!(a.criteria[0].spread_halves, 5);
        assert!(a.disagreement && a.passes);
        assert_eq!(a.weighted.value(), 4.0);
        // One criterion below its threshold fails the proposal whatever the mean.
        let low = vec![review(&[10, 10, 10, 10, 5]); 3];
        let a = aggregate(&criteria(&[1; 5]), h(6), &low);
        assert!(!a.passes && a.weighted.value() > 4.0);
        // The overall threshold on the weighted mean.
        let a = aggregate(&criteria(&[1; 5]), h(8), &[review(&[7, 7, 7, 7, 7])]);
        assert!(a.criteria.iter().all(|c| c.passes) && !a.passes);
        // Weights: clinical need counts three times.
        let a = aggregate(&criteria(&[3, 1, 1, 1, 1]), h(0), &[review(&[10, 6, 6, 6, 6])]);
        assert_eq!(a.weighted.value(), (3.0 * 5.0 + 4.0 * 3.0) / 7.0);
        // No reviews: nothing passes.
        assert!(!aggregate(&criteria(&[1; 5]), h(0), &[]).passes);
    }

    #[test]
    fn ties_are_broken_by_clinical_need_then_evidence() {
        let c = criteria(&[1; 5]);
        let agg = |scores: &[u8]| aggregate(&c, h(6), &[review(scores)]);
        let ranked = rank(vec![
            (1, agg(&[7, 9, 8, 8, 8])), // same mean, lower clinical need
            (2, agg(&[9, 7, 8, 8, 8])), // same mean, highest clinical need
            (3, agg(&[8, 8, 8, 8, 8])), // same mean and need as 4, better evidence
            (4, agg(&[8, 7, 9, 8, 8])),
            (5, agg(&[10, 10, 10, 10, 4])), // highest mean but below a threshold
            (6, agg(&[8, 8, 8, 8, 8])),     // tied with 3 on every key
        ]);
        let order: Vec<i32> = ranked.iter().map(|r| r.key).collect();
        assert_eq!(order, vec![2, 3, 6, 4, 1, 5]);
        assert!(ranked[2].tied && ranked[2].rank == ranked[1].rank);
        assert!(!ranked[3].tied && ranked[3].rank == 4);
    }

    fn any_review() -> impl Strategy<Value = Vec<u8>> {
        proptest::collection::vec(0u8..=10, 5)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        #[test]
        fn the_median_lies_between_the_scores_and_ignores_their_order(mut scores in proptest::collection::vec(0u8..=10, 1..9)) {
            let halves: Vec<HalfPoints> = scores.iter().map(|&s| h(s)).collect();
            let median = median_quarters(&halves).unwrap();
            let (low, high) = (*scores.iter().min().unwrap(), *scores.iter().max().unwrap());
            prop_assert!(median >= low * 2 && median <= high * 2);
            scores.reverse();
            let reversed: Vec<HalfPoints> = scores.iter().map(|&s| h(s)).collect();
            prop_assert_eq!(median_quarters(&reversed), Some(median));
            // At least half the scores lie on either side of it.
            let at_or_below = scores.iter().filter(|&&s| s * 2 <= median).count();
            let at_or_above = scores.iter().filter(|&&s| s * 2 >= median).count();
            prop_assert!(at_or_below * 2 >= scores.len() && at_or_above * 2 >= scores.len());
        }

        #[test]
        fn the_ranked_list_is_a_total_order_that_respects_passing_and_means(
            reviews in proptest::collection::vec(proptest::collection::vec(any_review(), 0..4), 1..25),
            weights in proptest::collection::vec(0u32..5, 5),
        ) {
            let c = criteria(&weights);
            let entries: Vec<(usize, Aggregate)> = reviews
                .iter()
                .enumerate()
                .map(|(key, rs)| (key, aggregate(&c, h(6), &rs.iter().map(|r| review(r)).collect::<Vec<_>>())))
                .collect();
            let ranked = rank(entries.clone());
            prop_assert_eq!(ranked.len(), entries.len());
            for pair in ranked.windows(2) {
                let (a, b) = (&pair[0].aggregate, &pair[1].aggregate);
                prop_assert!(a.passes >= b.passes);
                if a.passes == b.passes {
                    prop_assert!(a.weighted >= b.weighted);
                }
                prop_assert!(pair[1].rank >= pair[0].rank);
                prop_assert_eq!(pair[1].tied, pair[1].rank == pair[0].rank);
                if pair[1].tied { prop_assert!(pair[0].key < pair[1].key); }
            }
            // The same input in another order gives the same list.
            let mut shuffled = entries;
            shuffled.reverse();
            prop_assert_eq!(rank(shuffled), ranked);
        }

        #[test]
        fn passing_means_every_median_reaches_its_threshold(reviews in proptest::collection::vec(any_review(), 1..6)) {
            let c = criteria(&[1; 5]);
            let a = aggregate(&c, h(6), &reviews.iter().map(|r| review(r)).collect::<Vec<_>>());
            let all = a.criteria.iter().all(|r| r.median_quarters.unwrap() >= 12);
            prop_assert_eq!(a.passes, all && a.weighted.value() >= 3.0);
            prop_assert_eq!(a.disagreement, a.criteria.iter().any(|r| r.spread_halves >= 4));
        }
    }
}
