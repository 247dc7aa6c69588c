//! What may be published of the counts (issue #19 item 5): a count from 1 to `min_group - 1`
//! is withheld (primary suppression); where a withheld count could be worked out from its total
//! and the other published counts of its breakdown, the smallest other count is withheld too
//! (secondary suppression). A count of those meeting the target is withheld the same way, and
//! also when those not meeting it are too few (else "all but 3" would tell). Under the group
//! size nothing of the KPI is published.

use super::aggregate::KpiFigures;
use crate::consent::{KpiDefinition, KpiPeriod};
use crate::fhir::measure_report::{Published, SummaryStratum};
use std::collections::BTreeMap;

/// Withheld where small (see the module's comment).
pub(super) fn publish<'k>(
    k: &'k KpiDefinition,
    p: &'k KpiPeriod,
    (n, m): (u64, u64),
    cells: BTreeMap<(String, String), (u64, u64)>,
) -> KpiFigures<'k> {
    let min = u64::from(k.min_group());
    let small = |x: u64| x > 0 && x < min;
    if n < min {
        return KpiFigures {
            kpi: k,
            period: p,
            total: Published {
                participants: (n == 0).then_some(0),
                meeting: (n == 0).then_some(0),
            },
            strata: vec![],
        };
    }
    let total = Published {
        participants: Some(n),
        meeting: (!small(m) && !small(n - m)).then_some(m),
    };
    let mut by: BTreeMap<String, Vec<(String, u64, u64)>> = BTreeMap::new();
    for ((s, v), (cn, cm)) in cells {
        by.entry(s).or_default().push((v, cn, cm));
    }
    let mut strata = vec![];
    for (s, cells) in by {
        let counts: Vec<u64> = cells.iter().map(|c| c.1).collect();
        let shown_n = suppress(&counts, min, true);
        let meets: Vec<u64> = cells.iter().map(|c| c.2).collect();
        let mut shown_m: Vec<bool> = cells
            .iter()
            .zip(&shown_n)
            .map(|(c, shown)| *shown && !small(c.2) && !small(c.1 - c.2))
            .collect();
        secondary(&meets, &mut shown_m, total.meeting.is_some());
        for ((v, cn, cm), (sn, sm)) in cells.into_iter().zip(shown_n.into_iter().zip(shown_m)) {
            strata.push(SummaryStratum {
                stratifier: s.clone(),
                value: v,
                counts: Published {
                    participants: sn.then_some(cn),
                    meeting: (sn && sm).then_some(cm),
                },
            });
        }
    }
    KpiFigures {
        kpi: k,
        period: p,
        total,
        strata,
    }
}

/// Which of `counts` (a partition of a published total) may be shown.
pub fn suppress(counts: &[u64], min: u64, total_shown: bool) -> Vec<bool> {
    let mut shown: Vec<bool> = counts.iter().map(|c| *c == 0 || *c >= min).collect();
    secondary(counts, &mut shown, total_shown);
    shown
}

/// With the total shown, one withheld count is the total minus the rest: withhold the smallest
/// other non-zero one too.
fn secondary(counts: &[u64], shown: &mut [bool], total_shown: bool) {
    let withheld = shown
        .iter()
        .zip(counts)
        .filter(|(s, c)| !**s && **c > 0)
        .count();
    if total_shown && withheld == 1 {
        let next = counts
            .iter()
            .enumerate()
            .filter(|(i, c)| shown[*i] && **c > 0)
            .min_by_key(|(_, c)| **c)
            .map(|(i, _)| i);
        if let Some(i) = next {
            shown[i] = false;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lone_small_count_takes_the_next_smallest_with_it() {
        assert_eq!(
            suppress(&[40, 3, 12, 20], 10, true),
            [true, false, false, true]
        );
        assert_eq!(
            suppress(&[40, 3, 4, 20], 10, true),
            [true, false, false, true]
        );
        assert_eq!(suppress(&[40, 30], 10, true), [true, true]);
        assert_eq!(suppress(&[40, 0, 12], 10, true), [true, true, true]);
    }
}
