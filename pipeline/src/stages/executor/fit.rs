//! The executor's quantity fit, before anything reaches the venue: LOT_SIZE / MARKET_LOT_SIZE,
//! MIN_NOTIONAL with `allow_upsize` (F3), and the position limit. Pure: spec, numbers in;
//! a fitted quantity or a drop out.
//!
//! Rules (market orders, valued at the mark price as Binance does):
//! - qty > maxQty -> `lot_size_violation` (-4005).
//! - reduce-only: exempt from MIN_NOTIONAL (as on Binance); below minQty -> `lot_size_violation`.
//! - entry below minQty or MIN_NOTIONAL: with `allow_upsize`, raise to the smallest step
//!   multiple at or over both, unless the position's margin ((held + qty) x mark / leverage)
//!   would then pass `max_position_usd`; otherwise `notional_below_min` (-4164, with the
//!   numbers) or, when only minQty was missed, `lot_size_violation` (-4004).
//! - entry whose margin would pass `max_position_usd` -> `position_limit_exceeded`.
//!
//! Must never live here: venue calls, the order check itself (`exchange_info::check_order`).

use rust_decimal::Decimal;

use crate::domain::decimal_cmp as dc;
use crate::domain::{Notional, Price, Qty};
use crate::exchange_info::{Reject, SymbolSpec};
use crate::reason::{Dropped, NotionalShortfall, Reason};
use crate::stages::Outcome;
use crate::stages::round::{ceil_to, plain};

/// What the fit works from.
#[derive(Debug, Clone, Copy)]
pub(crate) struct FitInput<'a> {
    pub spec: &'a SymbolSpec,
    pub qty: Qty,
    pub mark: Price,
    pub reduce_only: bool,
    /// What the venue already holds on the order's side (0 when flat or opposite).
    pub held_same_side: Decimal,
    pub leverage: Decimal,
    pub max_position_usd: Decimal,
    pub allow_upsize: bool,
}

/// A quantity that passes the lot, notional and position rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Fit {
    pub qty: Qty,
    pub notional: Notional,
    pub upsized: bool,
}

fn lot_drop(sym: &str, reject: Reject, detail: String) -> Outcome<Fit> {
    Outcome::Drop(Dropped::with_binance(
        Reason::LotSizeViolation,
        reject,
        format!("{sym}, {detail}"),
    ))
}

pub(crate) fn fit(i: FitInput<'_>) -> Outcome<Fit> {
    let sym = i.spec.symbol.as_str();
    let lot = &i.spec.market_lot_size;
    let q = i.qty.get();
    let mark = i.mark.get();
    let notional_of = |q: Decimal| q.checked_mul(mark).and_then(|n| Notional::new(n).ok());
    let margin_of = |q: Decimal| {
        (i.held_same_side + q)
            .checked_mul(mark)
            .and_then(|n| n.checked_div(dc::max(i.leverage, Decimal::ONE)))
    };
    if !lot.max_qty.is_zero() && dc::gt(q, lot.max_qty) {
        return lot_drop(
            sym,
            Reject::qty_above_max(),
            format!("qty {} > maxQty {}", plain(q), plain(lot.max_qty)),
        );
    }
    let Some(notional) = notional_of(q) else {
        return lot_drop(
            sym,
            Reject::qty_above_max(),
            format!("qty {} overflows at {mark}", plain(q)),
        );
    };
    let below_qty = dc::lt(q, lot.min_qty) || q.is_zero();
    let below_reject = if q.is_zero() {
        Reject::qty_not_positive()
    } else {
        Reject::qty_below_min()
    };
    if i.reduce_only {
        if below_qty {
            return lot_drop(
                sym,
                below_reject,
                format!("close qty {} < minQty {}", plain(q), plain(lot.min_qty)),
            );
        }
        return Outcome::Pass(Fit {
            qty: i.qty,
            notional,
            upsized: false,
        });
    }
    let below_notional = dc::lt(notional.get(), i.spec.min_notional);
    if below_qty || below_notional {
        if !i.allow_upsize {
            if below_qty {
                return lot_drop(
                    sym,
                    below_reject,
                    format!(
                        "qty {} < minQty {} (allow_upsize off)",
                        plain(q),
                        plain(lot.min_qty)
                    ),
                );
            }
            return Outcome::Drop(Dropped::notional_below_min(
                sym,
                shortfall(&i, notional, None, None),
            ));
        }
        let need = i
            .spec
            .min_notional
            .checked_div(mark)
            .unwrap_or(Decimal::ZERO)
            .max(q);
        let mut target = lot.ceil_qty(need);
        if notional_of(target).is_some_and(|n| n.get() < i.spec.min_notional) {
            target = ceil_to(target + lot.step_size, lot.step_size).unwrap_or(target);
        }
        let (Ok(target_qty), Some(target_notional)) = (Qty::new(target), notional_of(target))
        else {
            return lot_drop(
                sym,
                Reject::qty_above_max(),
                format!("upsizing to {} overflows", plain(target)),
            );
        };
        let margin = margin_of(target).unwrap_or(Decimal::MAX);
        if dc::gt(margin, i.max_position_usd) {
            if below_notional {
                let s = shortfall(&i, notional, Some(target_qty), Some(margin));
                return Outcome::Drop(Dropped::notional_below_min(sym, s));
            }
            return lot_drop(
                sym,
                below_reject,
                format!(
                    "qty {} < minQty {}; upsizing needs {} USD > max_position_usd {}",
                    plain(q),
                    plain(lot.min_qty),
                    plain(margin.round_dp(2)),
                    plain(i.max_position_usd)
                ),
            );
        }
        if !lot.max_qty.is_zero() && target > lot.max_qty {
            return lot_drop(
                sym,
                Reject::qty_above_max(),
                format!(
                    "upsized qty {} > maxQty {}",
                    plain(target),
                    plain(lot.max_qty)
                ),
            );
        }
        return Outcome::Pass(Fit {
            qty: target_qty,
            notional: target_notional,
            upsized: true,
        });
    }
    let margin = margin_of(q).unwrap_or(Decimal::MAX);
    if dc::gt(margin, i.max_position_usd) {
        return Outcome::drop(
            Reason::PositionLimitExceeded,
            format!(
                "{sym}, margin ({} held + {}) x {mark} / {} = {} USD > max_position_usd {}",
                plain(i.held_same_side),
                plain(q),
                plain(i.leverage),
                plain(margin.round_dp(2)),
                plain(i.max_position_usd)
            ),
        );
    }
    Outcome::Pass(Fit {
        qty: i.qty,
        notional,
        upsized: false,
    })
}

fn shortfall(
    i: &FitInput<'_>,
    notional: Notional,
    upsize_qty: Option<Qty>,
    upsize_margin: Option<Decimal>,
) -> NotionalShortfall {
    NotionalShortfall {
        qty: i.qty,
        price: i.mark,
        notional,
        min_notional: i.spec.min_notional,
        allow_upsize: i.allow_upsize,
        upsize_qty,
        upsize_margin,
        max_position_usd: i.max_position_usd,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exchange_info::{Environment, snapshot};
    use rust_decimal_macros::dec;

    fn btc() -> SymbolSpec {
        snapshot(Environment::Mainnet)
            .expect("snap")
            .get("BTCUSDT")
            .expect("btc")
            .clone()
    }

    fn input(spec: &SymbolSpec, qty: Decimal, upsize: bool, max: Decimal) -> FitInput<'_> {
        FitInput {
            spec,
            qty: Qty::new(qty).expect("q"),
            mark: Price::new(dec!(70610)).expect("p"),
            reduce_only: false,
            held_same_side: Decimal::ZERO,
            leverage: Decimal::ONE,
            max_position_usd: max,
            allow_upsize: upsize,
        }
    }

    #[test]
    fn f3_upsizes_to_the_smallest_step_multiple_over_min_notional() {
        let spec = btc();
        let d = fit(input(&spec, dec!(0.001), false, dec!(500)));
        let d = d.dropped().expect("blocked");
        assert_eq!(
            (d.reason(), d.detail()),
            (Reason::NotionalBelowMin, "BTCUSDT, 70.61 < 100")
        );
        let up = fit(input(&spec, dec!(0.001), true, dec!(500)));
        let f = up.passed().expect("upsized");
        assert_eq!(
            (f.qty.get(), f.notional.get(), f.upsized),
            (dec!(0.002), dec!(141.220), true)
        );
        let refused = fit(input(&spec, dec!(0.001), true, dec!(120)));
        let d = refused.dropped().expect("refused");
        assert_eq!(d.reason(), Reason::NotionalBelowMin);
        assert!(
            d.detail()
                .contains("upsizing to 0.002 would need 141.22 USD > max_position_usd 120"),
            "{}",
            d.detail()
        );
    }

    #[test]
    fn lot_rules_and_the_position_limit() {
        let spec = btc();
        let r = |i: FitInput<'_>| fit(i).reason();
        assert_eq!(
            r(input(&spec, dec!(0), false, dec!(500))),
            Some(Reason::LotSizeViolation)
        );
        assert_eq!(
            r(input(&spec, dec!(121), false, dec!(1e9))),
            Some(Reason::LotSizeViolation)
        );
        let zero_up = fit(input(&spec, dec!(0), true, dec!(500)));
        assert_eq!(zero_up.passed().map(|f| f.qty.get()), Some(dec!(0.002)));
        let mut close = input(&spec, dec!(0.001), false, dec!(1));
        close.reduce_only = true;
        assert_eq!(
            r(close),
            None,
            "reduce-only is exempt from min notional and the limit"
        );
        let mut add = input(&spec, dec!(0.008), false, dec!(500));
        add.leverage = dec!(2);
        assert_eq!(r(add), None, "0.008 x 70610 / 2 = 282.44");
        add.held_same_side = dec!(0.008);
        assert_eq!(r(add), Some(Reason::PositionLimitExceeded), "564.88 > 500");
    }
}
