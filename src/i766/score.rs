//! The 766 arithmetic (DOMAIN.md §8 "Score"), exactly, in integers: points from a ratio, the
//! need for full points, and the ranking of units. Points are kept in hundredths ("cents").

/// A threshold of `None` is linear: full points at 100%.
const LINEAR: i64 = 10_000;

/// P = Pmax × min(1, R/T) rounded half-up to two decimals from the exact ratio (the ratio is
/// never rounded first): with T in hundredths of a percent,
/// cents = ⌊(2·Pmax_cents·m + T·den) / (2·T·den)⌋, m = min(10000·num, T·den).
pub fn points_cents(
    pmax_cents: i64,
    threshold: Option<i64>,
    numerator: i64,
    denominator: i64,
) -> i64 {
    if denominator <= 0 {
        return 0;
    }
    let t = i128::from(threshold.unwrap_or(LINEAR));
    let den = i128::from(denominator);
    let m = (10_000 * i128::from(numerator.max(0))).min(t * den);
    let cents = (2 * i128::from(pmax_cents) * m + t * den) / (2 * t * den);
    cents as i64
}

/// The fewest extra numerator rows for full points at the same denominator:
/// max(0, ⌈T·den/100⌉ − num); `None` when the denominator is 0.
pub fn need(threshold: Option<i64>, numerator: i64, denominator: i64) -> Option<i64> {
    if denominator <= 0 {
        return None;
    }
    let t = i128::from(threshold.unwrap_or(LINEAR));
    let required = (t * i128::from(denominator) + 9_999) / 10_000;
    Some((required - i128::from(numerator)).max(0) as i64)
}

/// Competition ranking (1, 2, 2, 4) by total, highest first; `None` for what is not ranked.
pub fn ranks(totals: &[Option<i64>]) -> Vec<Option<usize>> {
    totals
        .iter()
        .map(|total| {
            total.map(|mine| {
                1 + totals
                    .iter()
                    .flatten()
                    .filter(|other| **other > mine)
                    .count()
            })
        })
        .collect()
}

/// Hundredths as the decimal number JSON carries.
pub fn from_cents(cents: i64) -> f64 {
    cents as f64 / 100.0
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Sums rounded indicator points, as the portal adds a group.
    fn group(items: &[(i64, Option<i64>, i64, i64)]) -> i64 {
        items
            .iter()
            .map(|&(pmax, t, num, den)| points_cents(pmax * 100, t.map(|t| t * 100), num, den))
            .sum()
    }

    #[test]
    fn ban_ql_kcn_phu_tho_2026_08() {
        // TDGQ: 2.1 486/588, linear, 20 points.
        assert_eq!(group(&[(20, None, 486, 588)]), 1653);
        // MDHL: 5.4 486/588 at 90%, and 5.2 and 5.3 with nothing to handle (full points).
        assert_eq!(group(&[(6, Some(90), 486, 588)]) + 600 + 600, 1751);
        // MDSH: 4.1, 4.2, 4.3 (80%), 4.4, 4.5a, 4.5b, and 4.c at 100% as a figure.
        let mdsh = group(&[
            (6, None, 385, 588),
            (4, None, 312, 588),
            (2, Some(80), 0, 588),
            (4, None, 0, 588),
            (2, None, 10, 42),
            (2, None, 588, 588),
            (2, None, 10_000, 10_000),
        ]);
        assert_eq!(mdsh, 1053);
        // TTTT: 3.6 7/7, 3.5b 2/3 at 80%, 3.5a 0/3 at 80%.
        assert_eq!(
            group(&[(6, None, 7, 7), (2, Some(80), 2, 3), (2, Some(80), 0, 3)]),
            767
        );
    }

    #[test]
    fn dong_nai_2026_to_10_10() {
        assert_eq!(group(&[(20, None, 540_748, 670_009)]), 1614);
        assert_eq!(group(&[(6, Some(90), 540_217, 670_009)]), 538);
        let mdsh = group(&[
            (6, None, 500_528, 670_009),
            (4, None, 176_406, 670_009),
            (2, Some(80), 105_840, 670_009),
            (4, None, 13_378, 670_009),
            (2, None, 448_618, 670_009),
            (2, None, 445, 1_294),
            (2, None, 10_000, 10_000),
        ]);
        // Groups add rounded points: 10.03, where the unrounded sum would give 10.04.
        assert_eq!(mdsh, 1003);
    }

    #[test]
    fn points_are_capped_at_pmax_and_the_threshold_is_inclusive() {
        assert_eq!(points_cents(200, Some(8_000), 4, 5), 200);
        assert_eq!(points_cents(200, Some(8_000), 5, 5), 200);
        assert_eq!(points_cents(600, None, 0, 0), 0);
        // Half a cent rounds up: 6 × 1/8 = 0.75 exactly; 2 × 1/800 = 0.0025 → 0.00.
        assert_eq!(points_cents(600, None, 1, 8), 75);
        assert_eq!(points_cents(200, None, 1, 800), 0);
        assert_eq!(points_cents(200, None, 1, 400), 1);
    }

    #[test]
    fn need_is_what_full_points_take() {
        assert_eq!(need(None, 486, 588), Some(102));
        assert_eq!(need(Some(9_000), 486, 588), Some(44));
        assert_eq!(need(Some(8_000), 2, 3), Some(1));
        assert_eq!(need(Some(8_000), 3, 3), Some(0));
        assert_eq!(need(None, 0, 0), None);
    }

    #[test]
    fn competition_ranking() {
        let ranks = ranks(&[Some(7000), Some(8000), Some(7000), None, Some(6000)]);
        assert_eq!(ranks, [Some(2), Some(1), Some(2), None, Some(4)]);
    }
}
