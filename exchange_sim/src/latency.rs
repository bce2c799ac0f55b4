//! Orders in flight: with a latency model (`SimConfig::latency`) an order reaches the
//! exchange `delay` ms after it was sent, and the bar its arrival time falls in decides what
//! happens to it, at that bar's open (the data has nothing finer than a bar):
//!
//! - MARKET fills at the open (plus slippage), as taker, at the arrival time;
//! - LIMIT that crosses the open takes there (never worse than its limit; GTX ends EXPIRED),
//!   IOC/FOK that does not ends EXPIRED, any other rests and is matched along the rest of the
//!   bar's path;
//! - STOP_MARKET / TAKE_PROFIT_MARKET rest from the open (an open already beyond the stop is
//!   a gap: it triggers at the open).
//!
//! So a delay shorter than a bar moves no price except `current_close` MARKET fills (which
//! become the next open); a delay of one bar or more moves orders to later bars. Checks and
//! the venue's answer stay at send time; cancels act at once.
//! Must never live here: the fill prices themselves (`fills`) or the path matching (`matching`).

use pipeline::domain::decimal_cmp;
use pipeline::order::{OrderType, Side, TimeInForce};
use pipeline::venue::OrderStatus;
use rust_decimal::Decimal;

use crate::exchange::SimExchange;
use crate::fills::{BarCtx, Exec};
use crate::submit::is_marketable;

impl SimExchange {
    /// Puts every order of symbol `i` whose arrival falls at or before this bar's close on
    /// the book, at the bar's open.
    pub(crate) fn deliver_arrivals(&mut self, i: usize, ctx: &BarCtx, open_t: i64, close_t: i64) {
        for k in 0..self.syms[i].open.len() {
            let o = &self.syms[i].open[k];
            let Some(arrive) = o.arrive_at.filter(|a| !o.done && *a <= close_t) else {
                continue;
            };
            let order_type = o.order_type;
            let t = arrive.max(open_t);
            self.syms[i].open[k].arrive_at = None;
            match order_type {
                OrderType::Market => self.take_at_open(i, k, None, ctx, t),
                OrderType::Limit => self.limit_arrives(i, k, ctx, t),
                OrderType::StopMarket | OrderType::TakeProfitMarket => {}
            }
        }
    }

    fn limit_arrives(&mut self, i: usize, k: usize, ctx: &BarCtx, t: i64) {
        let o = &self.syms[i].open[k];
        let (id, side, price) = (o.id, o.side, o.price);
        let tif = self
            .orders
            .get(id)
            .and_then(|r| r.state.time_in_force)
            .unwrap_or(TimeInForce::Gtc);
        let crosses = is_marketable(side, price, ctx.open);
        let expire = match tif {
            TimeInForce::Gtx => crosses,
            TimeInForce::Ioc | TimeInForce::Fok => !crosses,
            _ => false,
        };
        if expire {
            self.syms[i].open[k].done = true;
            self.set_status(id, OrderStatus::Expired, t);
        } else if crosses {
            self.take_at_open(i, k, Some(price), ctx, t);
        }
    }

    /// Fills open order `k` of symbol `i` in full at the bar's open plus slippage (never worse
    /// than `limit`), as taker; a reduce-only order shrinks to the position.
    pub(crate) fn take_at_open(
        &mut self,
        i: usize,
        k: usize,
        limit: Option<Decimal>,
        ctx: &BarCtx,
        t: i64,
    ) {
        let o = &self.syms[i].open[k];
        let (id, side, want, reduce_only) = (o.id, o.side, o.remaining, o.reduce_only);
        self.syms[i].open[k].done = true;
        let qty = if reduce_only {
            self.syms[i].position.reducing_qty(side, want)
        } else {
            want
        };
        if qty.is_zero() {
            self.set_status(id, OrderStatus::Expired, t);
            return;
        }
        let mut price = self.taker_price(i, ctx.open, side, ctx);
        if let Some(l) = limit {
            price = match side {
                Side::Buy => decimal_cmp::min(price, l),
                Side::Sell => decimal_cmp::max(price, l),
            };
        }
        self.execute_fill(i, Exec::taker(id, qty, price, t));
        if decimal_cmp::lt(qty, want) {
            self.set_status(id, OrderStatus::Expired, t);
        }
    }
}
