//! Margin: initial margin of positions and orders, maintenance margin from the leverage
//! brackets, the available balance that decides -2019, and Binance's liquidation price.
//!
//! Formulas (binance-facts.md section 7):
//! - initial margin = notional / leverage (positions at the mark, LIMIT orders at their price);
//! - maintenance margin = notional x MMR(tier) - cum (tier of the notional at the mark);
//! - available balance = cross wallet + min(cross unrealised PnL, 0) - cross positions'
//!   initial margin - open orders' initial margin, where cross wallet = wallet - isolated
//!   margins (unrealised profit is not spendable: a conservative reading of Binance);
//! - liquidation price, one-way: `LP = (WB + cum - s*Q*EP) / (Q*MMR - s*Q)` with MMR and cum of
//!   the tier evaluated at the liquidation price; WB = the isolated margin, or in cross mode
//!   the cross wallet - other cross positions' maintenance margin + their unrealised PnL.
//!
//! Must never live here: moving money (that is `fills`/`funding`/`liquidation`).

use pipeline::domain::decimal_cmp;
use pipeline::order::{OrderType, Side};
use rust_decimal::Decimal;

use crate::brackets::BracketTable;
use crate::config::MarginMode;
use crate::exchange::SimExchange;
use crate::liquidation_rough::{Rough, RoughTiers, rough_liquidation_price};
use crate::orders::OpenOrder;

/// Binance's one-way liquidation price. `long`: the position's side; `qty` > 0 its size;
/// `entry` its entry price; `wallet` the WB term. `None` when the position cannot be
/// liquidated (a long whose LP would be <= 0).
pub fn liquidation_price(
    long: bool,
    qty: Decimal,
    entry: Decimal,
    wallet: Decimal,
    brackets: &BracketTable,
) -> Option<Decimal> {
    let rough = RoughTiers::of(brackets);
    liquidation_price_in(long, qty, entry, wallet, brackets, &rough)
}

/// [`liquidation_price`] with the tiers' `f64` copies made once per symbol.
pub(crate) fn liquidation_price_in(
    long: bool,
    qty: Decimal,
    entry: Decimal,
    wallet: Decimal,
    brackets: &BracketTable,
    rough_tiers: &RoughTiers,
) -> Option<Decimal> {
    if decimal_cmp::le(qty, Decimal::ZERO) {
        return None;
    }
    let s = if long {
        Decimal::ONE
    } else {
        Decimal::NEGATIVE_ONE
    };
    let held = s * qty * entry;
    let at = |mmr: Decimal, cum: Decimal| -> Option<Decimal> {
        let denom = qty * mmr - s * qty;
        let num = wallet + cum - held;
        // Only a positive quotient is a price: skip the division when the signs say it is not
        // (a well-funded long has no liquidation price in any tier).
        if denom.is_zero() || num.is_zero() || num.is_sign_negative() != denom.is_sign_negative() {
            return None;
        }
        let lp = num / denom;
        decimal_cmp::gt(lp, Decimal::ZERO).then_some(lp)
    };
    let tiers = brackets.tiers();
    let f = crate::convert::approx_f64;
    let rough = Rough::new(long, f(qty), f(entry), f(wallet));
    for (n, t) in tiers.iter().enumerate() {
        let last = n + 1 == tiers.len();
        if rough_tiers
            .get(n)
            .is_some_and(|r| rough.surely_not(r, last))
        {
            continue;
        }
        let Some(lp) = at(t.maint_margin_ratio, t.cum) else {
            continue;
        };
        let notional = qty * lp;
        if decimal_cmp::ge(notional, t.notional_floor)
            && (decimal_cmp::lt(notional, t.notional_cap) || last)
        {
            return Some(lp);
        }
    }
    // No tier is self-consistent (only at tier edges): use the tier of the entry notional.
    let t = brackets.tier_for(qty * entry)?;
    at(t.maint_margin_ratio, t.cum)
}

impl SimExchange {
    /// The wallet minus the margins held by isolated positions.
    pub(crate) fn cross_wallet(&self) -> Decimal {
        self.wallet.balance
            - self
                .syms
                .iter()
                .filter(|s| s.mode == MarginMode::Isolated)
                .map(|s| s.position.isolated_margin)
                .sum::<Decimal>()
    }

    /// (unrealised PnL, maintenance margin, initial margin) of the cross positions, leaving
    /// out symbol `skip`.
    pub(crate) fn cross_totals(&self, skip: Option<usize>) -> (Decimal, Decimal, Decimal) {
        let mut upnl = Decimal::ZERO;
        let mut mm = Decimal::ZERO;
        let mut im = Decimal::ZERO;
        for (i, s) in self.syms.iter().enumerate() {
            if Some(i) == skip || s.mode != MarginMode::Cross || s.position.is_flat() {
                continue;
            }
            let mark = self.mark_dec(i).unwrap_or_default();
            let notional = s.position.amt.abs() * mark;
            upnl += s.position.upnl(mark);
            mm += s.brackets.maintenance_margin(notional);
            im += notional / Decimal::from(s.leverage);
        }
        (upnl, mm, im)
    }

    /// Maintenance margin of every position.
    pub(crate) fn total_maintenance(&self) -> Decimal {
        self.syms
            .iter()
            .enumerate()
            .filter(|(_, s)| !s.position.is_flat())
            .map(|(i, s)| {
                let mark = self.mark_dec(i).unwrap_or_default();
                s.brackets.maintenance_margin(s.position.amt.abs() * mark)
            })
            .sum()
    }

    /// The margin an order of `qty` at `price` would need: its opening part / leverage.
    pub(crate) fn order_margin(
        &self,
        i: usize,
        side: Side,
        qty: Decimal,
        price: Decimal,
    ) -> Decimal {
        let s = &self.syms[i];
        let opening = qty - s.position.reducing_qty(side, qty);
        opening * price / Decimal::from(s.leverage)
    }

    /// The margin a resting order of symbol `i` holds: LIMIT at its price, a pending MARKET
    /// at `mark`; conditional orders hold none (Binance checks them only when they trigger),
    /// reduce-only orders none.
    pub(crate) fn resting_margin(&self, i: usize, o: &OpenOrder, mark: Decimal) -> Decimal {
        if o.done || o.reduce_only {
            return Decimal::ZERO;
        }
        match o.order_type {
            OrderType::Limit => self.order_margin(i, o.side, o.remaining, o.price),
            OrderType::Market => self.order_margin(i, o.side, o.remaining, mark),
            _ => Decimal::ZERO,
        }
    }

    /// Initial margin held by open orders (sums the cached per-order margins).
    pub(crate) fn open_order_margin(&self) -> Decimal {
        self.syms
            .iter()
            .flat_map(|s| s.open.iter().filter(|o| !o.done))
            .map(|o| o.margin)
            .sum()
    }

    /// What new orders may still use.
    pub(crate) fn available_balance(&self) -> Decimal {
        let (upnl, _, im) = self.cross_totals(None);
        self.cross_wallet() + upnl.min(Decimal::ZERO) - im - self.open_order_margin()
    }

    /// [`rough_liquidation_price`] of symbol `i`'s position (`Some(None)` when flat).
    pub(crate) fn rough_liquidation_price_of(&self, i: usize) -> Option<Option<f64>> {
        let s = self.syms.get(i)?;
        if s.position.is_flat() {
            return Some(None);
        }
        use crate::convert::approx_f64;
        let (amt, cost) = (approx_f64(s.position.amt), approx_f64(s.position.cost));
        rough_liquidation_price(
            amt > 0.0,
            amt.abs(),
            cost / amt,
            approx_f64(self.wb_of(i)),
            &s.rough_tiers,
        )
    }

    /// The WB term of symbol `i`'s liquidation price: its isolated margin, or the cross wallet
    /// less the other cross positions' maintenance margin plus their unrealised PnL.
    fn wb_of(&self, i: usize) -> Decimal {
        let s = &self.syms[i];
        match s.mode {
            MarginMode::Isolated => s.position.isolated_margin,
            MarginMode::Cross => {
                let (upnl, mm, _) = self.cross_totals(Some(i));
                self.cross_wallet() - mm + upnl
            }
        }
    }

    /// The liquidation price of symbol `i`'s position.
    pub(crate) fn liquidation_price_of(&self, i: usize) -> Option<Decimal> {
        let s = self.syms.get(i)?;
        if s.position.is_flat() {
            return None;
        }
        let wallet = self.wb_of(i);
        liquidation_price_in(
            s.position.amt > Decimal::ZERO,
            s.position.amt.abs(),
            s.position.entry_price(),
            wallet,
            &s.brackets,
            &s.rough_tiers,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    fn btc() -> BracketTable {
        BracketTable::builtin("BTCUSDT")
    }

    #[test]
    fn isolated_long_in_tier_2() {
        // 1 BTC long at 70,000 with 10x: WB = 7,000. Tier 2 (MMR 0.5 %, cum 50):
        // LP = (7,000 + 50 - 70,000) / (0.005 - 1) = -62,950 / -0.995 = 63,266.3316...
        let lp = liquidation_price(true, dec!(1), dec!(70000), dec!(7000), &btc()).expect("lp");
        assert_eq!(lp.round_dp(4), dec!(63266.3317));
        // At LP the margin balance equals the maintenance margin.
        let balance = dec!(7000) + (lp - dec!(70000));
        assert_eq!(
            (balance - (lp * dec!(0.005) - dec!(50))).round_dp(12),
            dec!(0)
        );
    }

    #[test]
    fn isolated_short_in_tier_2() {
        // 1 BTC short at 70,000 with 10x: LP = (7,000 + 50 + 70,000) / (0.005 + 1)
        // = 77,050 / 1.005 = 76,666.6666...
        let lp = liquidation_price(false, dec!(1), dec!(70000), dec!(7000), &btc()).expect("lp");
        assert_eq!(lp.round_dp(4), dec!(76666.6667));
    }

    /// The exact loop over every tier, without the f64 pre-selection.
    fn exact(long: bool, qty: Decimal, entry: Decimal, wallet: Decimal) -> Option<Decimal> {
        let b = btc();
        let s = if long {
            Decimal::ONE
        } else {
            Decimal::NEGATIVE_ONE
        };
        let at = |t: &crate::brackets::Bracket| {
            let denom = qty * t.maint_margin_ratio - s * qty;
            let num = wallet + t.cum - s * qty * entry;
            if denom.is_zero()
                || num.is_zero()
                || num.is_sign_negative() != denom.is_sign_negative()
            {
                return None;
            }
            Some(num / denom).filter(|lp| *lp > Decimal::ZERO)
        };
        let tiers = b.tiers();
        for (n, t) in tiers.iter().enumerate() {
            let Some(lp) = at(t) else { continue };
            let notional = qty * lp;
            if notional >= t.notional_floor && (notional < t.notional_cap || n + 1 == tiers.len()) {
                return Some(lp);
            }
        }
        at(b.tier_for(qty * entry)?)
    }

    /// The f64 price is unsure, or certain and then the exact one within 1e-9.
    fn rough_agrees(
        long: bool,
        qty: Decimal,
        entry: Decimal,
        wallet: Decimal,
        want: Option<Decimal>,
    ) -> bool {
        let f = crate::convert::approx_f64;
        let tiers = RoughTiers::of(&btc());
        match (
            rough_liquidation_price(long, f(qty), f(entry), f(wallet), &tiers),
            want,
        ) {
            (None, _) | (Some(None), None) => true,
            (Some(Some(lp)), Some(w)) => ((lp - f(w)) / f(w)).abs() < 1e-9,
            _ => false,
        }
    }

    proptest::proptest! {
        /// The tiers passed over in f64 change nothing, and the f64 price, when certain, is the
        /// exact one within 1e-9 ("none" when there is none).
        #[test]
        fn pre_selection_changes_nothing(
            long: bool,
            qty_milli in 1i64..50_000_000,
            entry_cents in 100_000i64..20_000_000,
            wallet_cents in -100_000_000i64..10_000_000_000,
        ) {
            let (qty, entry, wallet) = (
                Decimal::new(qty_milli, 3),
                Decimal::new(entry_cents, 2),
                Decimal::new(wallet_cents, 2),
            );
            let want = exact(long, qty, entry, wallet);
            proptest::prop_assert_eq!(liquidation_price(long, qty, entry, wallet, &btc()), want);
            proptest::prop_assert!(rough_agrees(long, qty, entry, wallet, want));
        }
    }

    #[test]
    fn pre_selection_at_tier_edges() {
        // Wallets that put the liquidation notional on a tier's floor or cap exactly.
        for t in btc().tiers() {
            for edge in [t.notional_floor, t.notional_cap] {
                for qty in [dec!(1), dec!(3), dec!(0.5), dec!(100)] {
                    let lp = edge / qty;
                    for long in [true, false] {
                        let s = if long {
                            Decimal::ONE
                        } else {
                            Decimal::NEGATIVE_ONE
                        };
                        let entry = dec!(70000);
                        // WB such that the formula gives `lp` in tier t.
                        let wallet =
                            lp * (qty * t.maint_margin_ratio - s * qty) - t.cum + s * qty * entry;
                        let want = exact(long, qty, entry, wallet);
                        let at = format!("tier {} edge {edge} qty {qty} long {long}", t.bracket);
                        assert_eq!(
                            liquidation_price(long, qty, entry, wallet, &btc()),
                            want,
                            "{at}"
                        );
                        assert!(rough_agrees(long, qty, entry, wallet, want), "{at}");
                    }
                }
            }
        }
    }

    #[test]
    fn tier_is_the_one_at_the_liquidation_price() {
        // 0.1 BTC long at 70,000, 10x, WB 700: tier 1 (0.4 %, cum 0):
        // LP = (700 - 7,000) / (0.0004 - 0.1) = 63,253.0120...
        let lp = liquidation_price(true, dec!(0.1), dec!(70000), dec!(700), &btc()).expect("lp");
        assert_eq!(lp.round_dp(4), dec!(63253.0120));
        // A 1x long cannot be liquidated.
        assert_eq!(
            liquidation_price(true, dec!(1), dec!(70000), dec!(70000), &btc()),
            None
        );
        assert_eq!(
            liquidation_price(true, dec!(0), dec!(70000), dec!(1), &btc()),
            None
        );
    }
}
