//! Liquidation and delisting settlement: the two ways the exchange closes a position itself.
//!
//! Liquidation is checked once per bar, after its fills, at the mark (the close): an isolated
//! position (or the only cross position) when the mark reaches its liquidation price (with
//! mark-price bars, anywhere inside the bar: see `mark`); with
//! several cross positions, when cross margin balance <= their maintenance margin, and then
//! every cross position goes. The position closes at the mark as a taker "autoclose" order,
//! its open orders are canceled, and the liquidation clearance fee is notional x the symbol's
//! `liquidationFee`. The trader never loses more than the isolated margin (isolated) or the
//! cross wallet (cross): the fee is cut first, then the insurance fund covers the rest.
//! Must never live here: the liquidation price formula (`margin`).

use pipeline::domain::decimal_cmp;
use pipeline::order::{OrderType, Side};
use pipeline::venue::{OrderState, OrderStatus, VenueEvent};
use pipeline::{Price, Qty, TimestampMs};
use rust_decimal::Decimal;

use crate::account::round_usdt;
use crate::config::MarginMode;
use crate::convert::bar_decimal;
use crate::exchange::SimExchange;
use crate::fills::Exec;
use crate::mark::MarkBar;
use crate::matching::closing_side;
use crate::orders::OrderRecord;

/// Where a mark bar reaches liquidation price `lp` of a long (`long`) or a short: at its open
/// when it opened at or beyond it, else at `lp` on the tick grid (a long's rounded down, a
/// short's up: where the mark had reached it) when its low (long) or high (short) reaches it.
fn reached_inside(m: MarkBar, lp: Decimal, long: bool, tick: Option<Decimal>) -> Option<Decimal> {
    let open = bar_decimal(m.open)?;
    let extreme = bar_decimal(if long { m.low } else { m.high })?;
    let beyond = |p: Decimal| {
        if long {
            decimal_cmp::le(p, lp)
        } else {
            decimal_cmp::ge(p, lp)
        }
    };
    if beyond(open) {
        return Some(open);
    }
    if !beyond(extreme) {
        return None;
    }
    let on_grid = match tick.filter(|t| *t > Decimal::ZERO) {
        Some(t) if long => (lp / t).floor() * t,
        Some(t) => (lp / t).ceil() * t,
        None => lp,
    };
    Some(on_grid.normalize())
}

impl SimExchange {
    pub(crate) fn check_liquidation(&mut self, i: usize, t: i64) {
        self.refresh_if_dirty();
        let s = &self.syms[i];
        if s.position.is_flat() {
            return;
        }
        let Some(mark) = self.mark_dec(i) else {
            return;
        };
        if s.mode == MarginMode::Cross && self.cross_positions >= 2 {
            let (upnl, mm, _) = self.cross_totals(None);
            if self.cross_wallet() + upnl <= mm {
                let cross: Vec<usize> = (0..self.syms.len())
                    .filter(|&k| {
                        self.syms[k].mode == MarginMode::Cross && !self.syms[k].position.is_flat()
                    })
                    .collect();
                for k in cross {
                    if let Some(m) = self.mark_dec(k) {
                        self.liquidate(k, m, t);
                    }
                }
            }
            return;
        }
        let mark_bar = s.mark_bar;
        let lp = match s.liq_price {
            Some(known) => known,
            None => {
                // Only bracketed: a mark inside the levels cannot be at the exact price (a
                // mark bar's extremes are not bracketed: they need the exact price).
                let h = &self.hot[i];
                if mark_bar.is_none() && h.mark > h.liq_down && h.mark < h.liq_up {
                    return;
                }
                let exact = self.liquidation_price_of(i);
                self.syms[i].liq_price = Some(exact);
                exact
            }
        };
        let Some(lp) = lp else {
            return;
        };
        let s = &self.syms[i];
        let long = decimal_cmp::gt(s.position.amt, Decimal::ZERO);
        let at = match mark_bar {
            Some(m) => {
                let tick = s.spec.as_ref().map(|sp| sp.price_filter.tick_size);
                reached_inside(m, lp, long, tick)
            }
            None => ((long && decimal_cmp::le(mark, lp)) || (!long && decimal_cmp::ge(mark, lp)))
                .then_some(mark),
        };
        if let Some(price) = at {
            self.liquidate(i, price, t);
        }
        self.refresh_if_dirty();
    }

    fn liquidate(&mut self, i: usize, mark: Decimal, t: i64) {
        self.cancel_all(i, t);
        let s = &self.syms[i];
        let qty = s.position.amt.abs();
        let side = closing_side(s.position.amt);
        let realized = s.position.upnl(mark);
        let cap = match s.mode {
            MarginMode::Isolated => s.position.isolated_margin,
            MarginMode::Cross => self.cross_wallet(),
        }
        .max(Decimal::ZERO);
        let rate = s
            .spec
            .as_ref()
            .map_or(Decimal::ZERO, |sp| sp.liquidation_fee);
        let full_fee = round_usdt(qty * mark * rate);
        let fee = full_fee.min((cap + realized).max(Decimal::ZERO));
        let covered = (fee - realized - cap).max(Decimal::ZERO);
        tracing::debug!(symbol = %s.symbol, %qty, %mark, %fee, %covered, "liquidation");
        let id = self.system_order(i, side, qty, &format!("autoclose-{t}"), t);
        self.execute_fill(
            i,
            Exec {
                fee: Some(fee),
                ..Exec::taker(id, qty, mark, t)
            },
        );
        if covered > Decimal::ZERO {
            self.wallet.book_insurance(covered);
        }
        if let (Ok(qty), Ok(price)) = (Qty::new(qty), Price::new(mark)) {
            let event = VenueEvent::Liquidation {
                symbol: self.syms[i].symbol.clone(),
                qty,
                price,
                fee,
                time: TimestampMs(t),
            };
            self.account_history.push(event.clone());
            self.events.push(event);
        }
        self.dirty = true;
    }

    /// A symbol left the exchange info: cancel its orders and close its position at the last
    /// mark without fee (Binance settles delisted contracts at a settlement price).
    pub(crate) fn settle_delisted(&mut self, i: usize) {
        let t = self.now;
        self.cancel_all(i, t);
        let s = &self.syms[i];
        if s.position.is_flat() {
            return;
        }
        let Some(mark) = self.mark_dec(i) else {
            return;
        };
        let qty = s.position.amt.abs();
        let side = closing_side(s.position.amt);
        let id = self.system_order(i, side, qty, &format!("settlement-{t}"), t);
        self.execute_fill(
            i,
            Exec {
                fee: Some(Decimal::ZERO),
                ..Exec::taker(id, qty, mark, t)
            },
        );
    }

    /// A MARKET order the exchange places itself (NEW, reported), to fill right after.
    fn system_order(&mut self, i: usize, side: Side, qty: Decimal, client_id: &str, t: i64) -> i64 {
        let id = self.orders.next_id(false);
        let state = OrderState {
            order_id: id,
            client_order_id: client_id.into(),
            symbol: self.syms[i].symbol.clone(),
            side,
            order_type: OrderType::Market,
            time_in_force: None,
            status: OrderStatus::New,
            orig_qty: Qty::new(qty).unwrap_or(Qty::ZERO),
            executed_qty: Qty::ZERO,
            avg_price: None,
            price: None,
            stop_price: None,
            reduce_only: true,
            close_position: false,
            update_time: TimestampMs(t),
            working_type: Default::default(),
        };
        self.events.push(VenueEvent::OrderUpdate(state.clone()));
        self.orders.push(OrderRecord {
            state,
            cum_quote: Decimal::ZERO,
            actual_order_id: None,
        });
        id
    }
}
