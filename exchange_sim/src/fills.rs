//! Fill prices and booking a fill: slippage, tick rounding, the [low, high] clamp, fees, and
//! the order/position/wallet updates and events one execution causes.
//!
//! Every fill price goes through [`BarCtx::clamp`], so no fill ever lies outside the range of
//! the bar it happened in. Taker prices move against the trader by the slippage model, then
//! round to the tick away from the trader, then clamp. Fees = notional x rate, rounded to
//! 8 decimals. Must never live here: deciding whether or when an order fills (`matching`).

use pipeline::domain::{Rounding, decimal_cmp, normalized, rounded_to_grid};
use pipeline::exchange_info::check::is_multiple;
use pipeline::order::Side;
use pipeline::venue::{Fill, OrderStatus, VenueEvent};
use pipeline::{Bar, Price, Qty, TimestampMs};
use rand::Rng;
use rust_decimal::Decimal;

use crate::account::round_usdt;
use crate::config::{MarginMode, SlippageModel};
use crate::convert::bar_decimal;
use crate::exchange::SimExchange;
use crate::orders::is_valid_transition;

/// A bar's prices as exact decimals, converted once when something fills (the high and the
/// low when a price is clamped: a fill at the open, the usual case, needs neither).
#[derive(Debug, Clone, Copy)]
pub(crate) struct BarCtx {
    pub open: Decimal,
    pub close: Decimal,
    /// Volume still available to maker fills this bar (`None`: unlimited).
    pub capacity: Option<Decimal>,
    high: f64,
    low: f64,
}

impl BarCtx {
    /// `close`: the bar's close, already converted (the exchange's cached mark). `None` when
    /// a price or the volume has no exact decimal.
    pub fn new(bar: &Bar, close: Decimal, participation: Option<Decimal>) -> Option<BarCtx> {
        let capacity = match participation {
            Some(p) => Some(bar_decimal(bar.volume)? * p),
            None => None,
        };
        if !(converts(bar.high) && converts(bar.low)) {
            return None;
        }
        Some(BarCtx {
            open: bar_decimal(bar.open)?,
            close,
            capacity,
            high: bar.high,
            low: bar.low,
        })
    }

    /// The bar's high, exact.
    pub fn high(&self) -> Decimal {
        bar_decimal(self.high).unwrap_or_default()
    }

    /// The bar's low, exact.
    pub fn low(&self) -> Decimal {
        bar_decimal(self.low).unwrap_or_default()
    }

    pub fn clamp(&self, price: Decimal) -> Decimal {
        decimal_cmp::min(decimal_cmp::max(price, self.low()), self.high())
    }
}

/// `bar_decimal(x).is_some()`: always for a price from 10^-8 up to 10^7 (eight decimals, or
/// the shortest text of at most 17 digits and 25 decimals); asked otherwise.
fn converts(x: f64) -> bool {
    (1e-8..1e7).contains(&x) || bar_decimal(x).is_some()
}

fn round_against(price: Decimal, tick: Decimal, side: Side) -> Decimal {
    // Already on the grid (a bar's open usually is): rounding either way gives the same value,
    // which is then normalised, so normalising alone gives the same `Decimal`.
    if decimal_cmp::gt(tick, Decimal::ZERO) && is_multiple(price, tick) {
        return normalized(price);
    }
    let rounding = match side {
        Side::Buy => Rounding::Ceil,
        Side::Sell => Rounding::Floor,
    };
    // No tick (or a grid beyond Decimal's range): the price as it is.
    rounded_to_grid(price, tick, rounding).map_or(price, normalized)
}

/// A booked execution, as `execute_fill` needs it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Exec {
    pub order_id: i64,
    pub qty: Decimal,
    pub price: Decimal,
    pub maker: bool,
    pub time: i64,
    /// A fee other than the maker/taker rate (liquidation fee, free settlement).
    pub fee: Option<Decimal>,
}

impl SimExchange {
    /// The price a taker order of `side` gets from reference `base` in bar `ctx`.
    pub(crate) fn taker_price(
        &mut self,
        i: usize,
        base: Decimal,
        side: Side,
        ctx: &BarCtx,
    ) -> Decimal {
        let slip = match self.cfg.slippage {
            SlippageModel::None => None,
            SlippageModel::FixedBps { bps } => Some(base * bps / Decimal::from(10_000)),
            SlippageModel::BarRange { fraction } => {
                let u = Decimal::from(self.rng.random::<u32>()) / Decimal::from(1u64 << 32);
                Some(u * fraction * (ctx.high() - ctx.low()))
            }
        };
        let raw = match (slip, side) {
            // `base + 0` is `base` (the rounding below normalises whatever the scale).
            (None, _) => base,
            (Some(slip), Side::Buy) => base + slip,
            (Some(slip), Side::Sell) => base - slip,
        };
        let tick = self.syms[i]
            .spec
            .as_ref()
            .map_or(Decimal::ZERO, |s| s.price_filter.tick_size);
        let price = round_against(raw, tick, side);
        // The open itself (a MARKET at the open, no slippage) lies within the bar: the clamp
        // would give it back as it is.
        if slip.is_none() && decimal_cmp::cmp(price, ctx.open).is_eq() {
            return price;
        }
        ctx.clamp(price)
    }

    /// Sets an order's status (checking Binance's lifecycle) and reports it.
    pub(crate) fn set_status(&mut self, order_id: i64, status: OrderStatus, time: i64) {
        let Some(rec) = self.orders.get_mut(order_id) else {
            return;
        };
        let from = rec.state.status;
        if from == status && status != OrderStatus::PartiallyFilled {
            return;
        }
        debug_assert!(
            is_valid_transition(from, status) || from == status,
            "{from:?} -> {status:?}"
        );
        rec.state.status = status;
        rec.state.update_time = TimestampMs(time);
        let update = VenueEvent::OrderUpdate(rec.state.clone());
        self.events.push(update);
    }

    /// Books one execution of an order on symbol `i`: position, margin, wallet, fee, the
    /// order's executed quantity and average price, and the Fill and OrderUpdate events.
    pub(crate) fn execute_fill(&mut self, i: usize, e: Exec) {
        let Some(rec) = self.orders.get(e.order_id) else {
            return;
        };
        let side = rec.state.side;
        let client_order_id = rec.state.client_order_id.clone();
        let s = &mut self.syms[i];
        let isolated = (s.mode == MarginMode::Isolated).then_some(s.leverage);
        let effect = s.position.apply_fill(side, e.qty, e.price, isolated);
        s.position.update_time = e.time;
        let notional = e.qty * e.price;
        let rate = if e.maker { s.fees.maker } else { s.fees.taker };
        let fee = e.fee.unwrap_or_else(|| round_usdt(notional * rate));
        self.wallet.book_trade(effect.realized, fee);
        debug_assert!(self.wallet.is_conserved());
        let symbol = s.symbol.clone();
        if let (Ok(qty), Ok(price)) = (Qty::new(e.qty), Price::new(e.price)) {
            let fill = Fill {
                order_id: e.order_id,
                client_order_id,
                symbol,
                side,
                qty,
                price,
                fee,
                is_maker: e.maker,
                realized_pnl: effect.realized,
                time: TimestampMs(e.time),
            };
            self.events.push(VenueEvent::Fill(fill.clone()));
            self.fills.push(fill);
        }
        if let Some(rec) = self.orders.get_mut(e.order_id) {
            let first = rec.state.executed_qty.is_zero();
            let executed = rec.state.executed_qty.get() + e.qty;
            rec.cum_quote += notional;
            rec.state.executed_qty = Qty::new(executed).unwrap_or(rec.state.executed_qty);
            if first {
                // One fill so far: its price is the average (no division).
                rec.state.avg_price = Price::new(e.price).ok();
            } else if !executed.is_zero() {
                rec.state.avg_price = Price::new(rec.cum_quote / executed).ok();
            }
            let full =
                rec.state.close_position || decimal_cmp::ge(executed, rec.state.orig_qty.get());
            let status = if full {
                OrderStatus::Filled
            } else {
                OrderStatus::PartiallyFilled
            };
            self.set_status(e.order_id, status, e.time);
        }
        self.dirty = true;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn rounding_goes_against_the_trader() {
        let long = dec!(70622.845678901234567890123);
        let cases = [
            (dec!(100.01), dec!(0.1), Side::Buy, dec!(100.1)),
            (dec!(100.09), dec!(0.1), Side::Sell, dec!(100)),
            (dec!(100.1), dec!(0.1), Side::Sell, dec!(100.1)),
            (dec!(7), dec!(0), Side::Buy, dec!(7)),
            (long, dec!(0.1), Side::Buy, dec!(70622.9)),
            (long, dec!(0.1), Side::Sell, dec!(70622.8)),
        ];
        for (price, tick, side, want) in cases {
            assert_eq!(
                round_against(price, tick, side),
                want,
                "{price} {tick} {side:?}"
            );
        }
    }

    proptest::proptest! {
        /// Where the Decimal quotient is exact (at most 27 digits: ticks like Binance's,
        /// prices of up to 10 digits), the integer path gives the very same decimal.
        #[test]
        fn integer_rounding_matches_decimal(
            m in 1i64..10_000_000_000, s in 0u32..8, k in 0usize..6, tick_s in 0u32..8, buy: bool,
        ) {
            let tick_m = [1i64, 2, 5, 10, 25, 50][k];
            let (price, tick) = (Decimal::new(m, s), Decimal::new(tick_m, tick_s));
            let side = if buy { Side::Buy } else { Side::Sell };
            let units = price / tick;
            let units = if buy { units.ceil() } else { units.floor() };
            let want = (units * tick).normalize();
            let got = round_against(price, tick, side);
            proptest::prop_assert_eq!(got, want);
            proptest::prop_assert_eq!(got.scale(), want.scale());
        }

        /// Every price from 10^-8 up to 10^7 has an exact decimal (`converts`' shortcut).
        #[test]
        fn usual_prices_always_convert(x in 1e-8f64..1e7, e in -8i32..7) {
            proptest::prop_assert!(bar_decimal(x).is_some(), "{}", x);
            let y = x.fract() * 10f64.powi(e);
            if (1e-8..1e7).contains(&y) {
                proptest::prop_assert!(bar_decimal(y).is_some(), "{}", y);
            }
        }

        /// Prices on the grid, written with or without trailing zeros, take the shortcut:
        /// the same decimal, bit for bit, as the rounding it skips.
        #[test]
        fn on_grid_shortcut_matches_the_rounding(
            units in 1i64..1_000_000_000, k in 0usize..6, tick_s in 0u32..6, zeros in 0u32..4,
            buy: bool,
        ) {
            let tick_m = [1i64, 2, 5, 10, 25, 50][k];
            let tick = Decimal::new(tick_m, tick_s);
            let price = Decimal::new(units * tick_m * 10i64.pow(zeros), tick_s + zeros);
            let side = if buy { Side::Buy } else { Side::Sell };
            let rounding = if buy { Rounding::Ceil } else { Rounding::Floor };
            let want = rounded_to_grid(price, tick, rounding).map(|r| r.normalize());
            let got = round_against(price, tick, side);
            proptest::prop_assert_eq!(Some(got.serialize()), want.map(|w| w.serialize()));
        }
    }

    #[test]
    fn bar_ctx_clamps_and_caps_volume() {
        let bar = Bar {
            open_time: TimestampMs(0),
            open: 100.0,
            high: 101.5,
            low: 99.5,
            close: 100.5,
            volume: 20.0,
        };
        let ctx = BarCtx::new(&bar, dec!(100.5), Some(dec!(0.1))).expect("ctx");
        assert_eq!(ctx.clamp(dec!(102)), dec!(101.5));
        assert_eq!(ctx.clamp(dec!(99)), dec!(99.5));
        assert_eq!(ctx.capacity, Some(dec!(2.0)));
        assert_eq!((ctx.low(), ctx.high()), (dec!(99.5), dec!(101.5)));
    }

    /// The shortcut's premise: every price from 10^-8 up to 10^7 has an exact decimal.
    #[test]
    fn prices_in_the_usual_range_convert() {
        for x in [
            1e-8,
            1.5e-8,
            0.1,
            1.0 / 3.0,
            70_622.85,
            9_999_999.999_999_9,
            f64::EPSILON,
        ] {
            assert_eq!(converts(x), bar_decimal(x).is_some(), "{x}");
            if (1e-8..1e7).contains(&x) {
                assert!(bar_decimal(x).is_some(), "{x}");
            }
        }
        assert!(!converts(f64::NAN) && !converts(f64::INFINITY));
    }
}
