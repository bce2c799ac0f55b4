//! The liquidation-price formula in `f64`, for what only needs to know roughly where the price
//! is: passing over the bracket tiers that are clearly not the one before the exact `Decimal`
//! loop (`margin::liquidation_price`), and the levels that pick the bars on which the exact
//! liquidation check runs (`exchange::refresh_liquidation`).
//!
//! Every answer here is either certain or says it is not: a tier is passed over, or taken,
//! only when it fails or passes by a relative margin (1e-6) far above the `f64` errors (below
//! 1e-9 once the numerator is not a near-cancellation, which is itself "not certain").
//! Must never live here: a decision about money. The exact `Decimal` price decides.

use crate::brackets::BracketTable;
use crate::convert::approx_f64;

/// One tier's numbers in `f64`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct RoughTier {
    mmr: f64,
    cum: f64,
    floor: f64,
    cap: f64,
}

/// A symbol's tiers in `f64`, made once (they are constant for the run).
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct RoughTiers(Vec<RoughTier>);

impl RoughTiers {
    pub fn of(brackets: &BracketTable) -> Self {
        RoughTiers(
            brackets
                .tiers()
                .iter()
                .map(|t| RoughTier {
                    mmr: approx_f64(t.maint_margin_ratio),
                    cum: approx_f64(t.cum),
                    floor: approx_f64(t.notional_floor),
                    cap: approx_f64(t.notional_cap),
                })
                .collect(),
        )
    }

    pub fn get(&self, n: usize) -> Option<&RoughTier> {
        self.0.get(n)
    }
}

/// One position's terms of `LP = (WB + cum - s*Q*EP) / (Q*MMR - s*Q)` in `f64`.
pub(crate) struct Rough {
    qty: f64,
    s: f64,
    wallet: f64,
    held: f64,
}

/// The formula's numerator and denominator in one tier, each with the size of its terms.
struct Terms {
    num: f64,
    denom: f64,
    num_clear: bool,
    denom_clear: bool,
}

impl Rough {
    const MARGIN: f64 = 1e-6;

    pub fn new(long: bool, qty: f64, entry: f64, wallet: f64) -> Self {
        let s = if long { 1.0 } else { -1.0 };
        Rough {
            qty,
            s,
            wallet,
            held: s * qty * entry,
        }
    }

    fn terms(&self, t: &RoughTier) -> Terms {
        let num = self.wallet + t.cum - self.held;
        let denom = self.qty * t.mmr - self.s * self.qty;
        let num_scale = self.wallet.abs() + t.cum.abs() + self.held.abs();
        let denom_scale = self.qty * (t.mmr.abs() + 1.0);
        Terms {
            num,
            denom,
            num_clear: num.is_finite() && num.abs() > Self::MARGIN * num_scale,
            denom_clear: denom.is_finite() && denom.abs() > Self::MARGIN * denom_scale,
        }
    }

    /// True only when tier `t` certainly gives no self-consistent liquidation price.
    pub fn surely_not(&self, t: &RoughTier, last: bool) -> bool {
        let x = self.terms(t);
        if !(x.num_clear && x.denom_clear) {
            return false;
        }
        if (x.num < 0.0) != (x.denom < 0.0) {
            return true;
        }
        let notional = self.qty * (x.num / x.denom);
        notional < t.floor * (1.0 - Self::MARGIN)
            || (!last && notional > t.cap * (1.0 + Self::MARGIN))
    }

    /// Tier `t`'s liquidation price when `t` certainly gives a self-consistent one.
    fn surely(&self, t: &RoughTier, last: bool) -> Option<f64> {
        let x = self.terms(t);
        if !(x.num_clear && x.denom_clear) || (x.num < 0.0) != (x.denom < 0.0) {
            return None;
        }
        let lp = x.num / x.denom;
        let notional = self.qty * lp;
        let inside = notional > t.floor * (1.0 + Self::MARGIN)
            && (last || notional < t.cap * (1.0 - Self::MARGIN));
        (inside && lp.is_finite() && lp > 0.0).then_some(lp)
    }

    /// True only when tier `t`'s formula certainly gives no positive price at all.
    fn surely_no_price(&self, t: &RoughTier) -> bool {
        let x = self.terms(t);
        x.num_clear && x.denom_clear && (x.num < 0.0) != (x.denom < 0.0)
    }
}

/// The liquidation price in `f64` within a relative 1e-9 of the exact one, when that is
/// certain without the exact loop: `Some(None)` when there is none, `Some(lp)` when every tier
/// before one is surely not it and that one surely is, `None` when a tier is too close to call
/// (then only the exact loop knows).
pub(crate) fn rough_liquidation_price(
    long: bool,
    qty: f64,
    entry: f64,
    wallet: f64,
    tiers: &RoughTiers,
) -> Option<Option<f64>> {
    if !(qty > 0.0 && qty.is_finite() && entry.is_finite() && wallet.is_finite()) {
        return None;
    }
    let rough = Rough::new(long, qty, entry, wallet);
    let n = tiers.0.len();
    for (k, t) in tiers.0.iter().enumerate() {
        let last = k + 1 == n;
        if rough.surely_not(t, last) {
            continue;
        }
        return rough.surely(t, last).map(Some);
    }
    // Every tier is surely not the one. The exact loop then falls back to the entry's tier:
    // certain only when no tier's formula gives a price at all (a well-funded long).
    tiers
        .0
        .iter()
        .all(|t| rough.surely_no_price(t))
        .then_some(None)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::margin::liquidation_price;
    use rust_decimal::Decimal;

    fn btc() -> BracketTable {
        BracketTable::builtin("BTCUSDT")
    }

    // Random positions and the tier edges: `margin`'s tests compare this price with the exact
    // loop's wherever they compare the pre-selection with it.

    #[test]
    fn a_well_funded_long_certainly_has_none() {
        let tiers = RoughTiers::of(&btc());
        // 0.01 BTC long at 70,000 against a 10,000 USDT wallet: no tier gives a price.
        assert_eq!(
            rough_liquidation_price(true, 0.01, 70_000.0, 10_000.0, &tiers),
            Some(None)
        );
        let exact = liquidation_price(
            true,
            Decimal::new(1, 2),
            Decimal::new(70_000, 0),
            Decimal::new(10_000, 0),
            &btc(),
        );
        assert_eq!(exact, None);
    }
}
