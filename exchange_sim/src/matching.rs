//! The matching engine: what one bar does to a symbol's open orders.
//!
//! Order of work inside a bar: funding due at or before its open; pending MARKET orders at the
//! open; resting LIMIT and conditional orders along the bar's price path; the liquidation
//! check at the close (the mark); funding due inside the bar. The path is open -> first
//! extreme -> second extreme -> close; which extreme comes first is `config.intrabar`. An order
//! is reached in the first path segment that gets to its level (segment 0: the open already
//! is beyond it, a gap), and orders reached in the same segment fill in the order the price
//! meets them, then in placement order. A bar that reaches orders on both sides of its open
//! is counted: the rule, not the data, decided which filled first; unless the symbol has
//! recorded trades, whose prices then make the path (`intrabar`). A trigger on the mark
//! price (`workingType=MARK_PRICE`) follows the same path through the mark bar when the
//! symbol has one (`mark`).
//! Must never live here: prices and fees of a fill (`fills`), placement checks (`submit`).

use pipeline::Bar;
use pipeline::order::{OrderType, Side};
use pipeline::venue::OrderStatus;
use rust_decimal::Decimal;

use crate::config::{IntrabarPath, LimitFill};
use crate::exchange::SimExchange;
use crate::fills::{BarCtx, Exec};
use crate::orders::{Dir, OpenOrder, OrderRecord};

/// An order reached during a bar: path segment, distance into it, index in the open list.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Hit {
    seg: u32,
    dist: f64,
    seq: u32,
}

/// The first segment of `path` that reaches `level`, and how far into it the level lies.
fn first_hit(path: &[f64], level: f64, dir: Dir, strict: bool) -> Option<(u32, f64)> {
    let beyond = |p: f64| match (dir, strict) {
        (Dir::Down, true) => p < level,
        (Dir::Down, false) => p <= level,
        (Dir::Up, true) => p > level,
        (Dir::Up, false) => p >= level,
    };
    if beyond(*path.first()?) {
        return Some((0, 0.0));
    }
    (1..path.len()).find(|&k| beyond(path[k])).map(|k| {
        (
            u32::try_from(k).unwrap_or(u32::MAX),
            (level - path[k - 1]).abs(),
        )
    })
}

impl SimExchange {
    /// The slow path of `on_bar`: something may happen on this bar of symbol `i`.
    pub(crate) fn process_bar(&mut self, i: usize, bar: &Bar, close_time: i64) {
        let open_time = bar.open_time.0;
        // Funding due at or before the open is charged on the position held before the bar.
        let mark_bar = self.syms[i].marks.as_ref().map(|m| m.0.bar(open_time));
        let prev_mark = if self.hot[i].last_open == i64::MIN {
            self.init_funding(i, open_time);
            mark_bar.flatten().map_or(bar.open, |m| m.open)
        } else {
            self.hot[i].mark
        };
        self.run_funding(i, open_time, prev_mark);
        self.mark_missing += u64::from(matches!(mark_bar, Some(None)));
        let mark_bar = mark_bar.flatten();
        self.syms[i].mark_bar = mark_bar;
        self.hot[i].last_open = open_time;
        self.hot[i].bar = *bar;
        self.hot[i].mark = mark_bar.map_or(bar.close, |m| m.close);
        let h = self.hot[i];
        // A trigger on the mark may be reached by the mark bar when the trade bar reaches nothing.
        let mark_reaches = mark_bar.is_some_and(|m| m.low <= h.down_max || m.high >= h.up_min);
        let may_fill = h.pending || bar.low <= h.down_max || bar.high >= h.up_min || mark_reaches;
        let ctx = || {
            let close = self.close_dec(i)?;
            BarCtx::new(bar, close, self.cfg.max_participation)
        };
        if may_fill && let Some(mut ctx) = ctx() {
            if h.pending {
                self.deliver_arrivals(i, &ctx, open_time, close_time);
                self.fill_pending_markets(i, &ctx, open_time);
            }
            self.match_resting(i, bar, &mut ctx, open_time, close_time);
            self.syms[i].open.retain(|o| !o.done);
            self.touch_orders(i);
        }
        self.check_liquidation(i, close_time);
        self.run_funding(i, close_time, self.hot[i].mark);
        self.refresh_if_dirty();
    }

    fn fill_pending_markets(&mut self, i: usize, ctx: &BarCtx, t: i64) {
        for k in 0..self.syms[i].open.len() {
            let o = &self.syms[i].open[k];
            if !o.done && o.order_type == OrderType::Market && o.arrive_at.is_none() {
                self.take_at_open(i, k, None, ctx, t);
            }
        }
    }

    fn path(&self, i: usize, bar: &Bar) -> [f64; 4] {
        self.path_through(i, bar.open, bar.high, bar.low, bar.close)
    }

    /// Open -> first extreme -> second extreme -> close of a bar of symbol `i` (a trade bar,
    /// or its mark bar), the extreme first that `config.intrabar` names.
    pub(crate) fn path_through(
        &self,
        i: usize,
        open: f64,
        high: f64,
        low: f64,
        close: f64,
    ) -> [f64; 4] {
        let amt = self.syms[i].position.amt;
        let low_first = match self.cfg.intrabar {
            IntrabarPath::Pessimistic if amt > Decimal::ZERO => true,
            IntrabarPath::Pessimistic if amt < Decimal::ZERO => false,
            IntrabarPath::Optimistic if amt > Decimal::ZERO => false,
            IntrabarPath::Optimistic if amt < Decimal::ZERO => true,
            IntrabarPath::OpenNearest if open - low != high - open => open - low < high - open,
            _ => close >= open,
        };
        if low_first {
            [open, low, high, close]
        } else {
            [open, high, low, close]
        }
    }

    /// Whether the bar's order of events is a choice: orders reached on both sides of the
    /// open inside the bar (not at the open), so the other extreme first would have filled
    /// them in the other order.
    fn two_sided(&self, i: usize, hits: &[Hit]) -> bool {
        let (mut up, mut down) = (false, false);
        for h in hits.iter().filter(|h| h.seg == 1 || h.seg == 2) {
            match self.syms[i].open.get(h.seq as usize).map(OpenOrder::dir) {
                Some(Dir::Up) => up = true,
                Some(Dir::Down) => down = true,
                None => {}
            }
        }
        up && down
    }

    /// The orders of symbol `i` that `path` reaches, in `hits` (cleared first); triggers on
    /// the mark follow `mark_path` instead when the bar has a mark bar.
    fn collect_hits(&self, i: usize, path: &[f64], mark_path: Option<&[f64]>, hits: &mut Vec<Hit>) {
        let strict_limits = self.cfg.limit_fill == LimitFill::TradeThrough;
        hits.clear();
        for (seq, o) in self.syms[i].open.iter().enumerate() {
            if o.done || o.order_type == OrderType::Market || o.arrive_at.is_some() {
                continue;
            }
            let strict = strict_limits && o.order_type == OrderType::Limit;
            let along = match mark_path {
                Some(m) if o.on_mark => m,
                _ => path,
            };
            if let Some((seg, dist)) = first_hit(along, o.level, o.dir(), strict) {
                let seq = u32::try_from(seq).unwrap_or(u32::MAX);
                hits.push(Hit { seg, dist, seq });
            }
        }
    }

    /// The hits along the bar's recorded trades (its open, then every trade price inside
    /// it), when the symbol has trades there that reach the same orders as the bar does;
    /// `None` otherwise (the rule decides). A trigger reached along the mark bar cannot be
    /// placed among the trades (the mark inside the bar is not recorded): the rule decides.
    fn hits_from_trades(
        &self,
        i: usize,
        bar: &Bar,
        close_t: i64,
        mark_path: Option<&[f64]>,
        coarse: &[Hit],
    ) -> Option<Vec<Hit>> {
        let tape = self.syms[i].trades.as_ref()?;
        let open = &self.syms[i].open;
        if mark_path.is_some()
            && coarse
                .iter()
                .any(|h| open.get(h.seq as usize).is_some_and(|o| o.on_mark))
        {
            return None;
        }
        let prices = tape.0.between(bar.open_time.0, close_t);
        if prices.is_empty() {
            return None;
        }
        let mut path = Vec::with_capacity(prices.len() + 1);
        path.push(bar.open);
        path.extend_from_slice(prices);
        let mut fine = Vec::with_capacity(coarse.len());
        self.collect_hits(i, &path, mark_path, &mut fine);
        let same =
            fine.len() == coarse.len() && fine.iter().zip(coarse).all(|(a, b)| a.seq == b.seq);
        (same && !self.one_unit_reaches_both(i, &fine, tape.0.unit())).then_some(fine)
    }

    /// Whether the first order reached above the open and the first below it (inside the bar)
    /// fall in one unit of `unit` prices of the path after its open: that unit's own order is
    /// a guess, so the data does not decide.
    fn one_unit_reaches_both(&self, i: usize, hits: &[Hit], unit: usize) -> bool {
        if unit <= 1 {
            return false;
        }
        let first = |dir: Dir| {
            hits.iter()
                .filter(|h| h.seg > 0)
                .filter(|h| self.syms[i].open.get(h.seq as usize).map(OpenOrder::dir) == Some(dir))
                .map(|h| h.seg as usize)
                .min()
        };
        match (first(Dir::Up), first(Dir::Down)) {
            (Some(u), Some(d)) => (u - 1) / unit == (d - 1) / unit,
            _ => false,
        }
    }

    fn match_resting(&mut self, i: usize, bar: &Bar, ctx: &mut BarCtx, open_t: i64, close_t: i64) {
        let path = self.path(i, bar);
        let mark_path = self.mark_path(i);
        let mark_path = mark_path.as_ref().map(|p| &p[..]);
        let mut hits = std::mem::take(&mut self.scratch);
        self.collect_hits(i, &path, mark_path, &mut hits);
        if self.two_sided(i, &hits) {
            match self.hits_from_trades(i, bar, close_t, mark_path, &hits) {
                Some(fine) => {
                    hits.clear();
                    hits.extend(fine);
                    self.intrabar_by_data += 1;
                }
                None => self.intrabar_by_rule += 1,
            }
        }
        hits.sort_by(|a, b| {
            a.seg
                .cmp(&b.seg)
                .then(a.dist.total_cmp(&b.dist))
                .then(a.seq.cmp(&b.seq))
        });
        for hit in &hits {
            let Some(o) = self.syms[i].open.get(hit.seq as usize).cloned() else {
                continue;
            };
            if o.done {
                continue;
            }
            let t = if hit.seg == 0 { open_t } else { close_t };
            if o.order_type == OrderType::Limit {
                self.fill_limit(i, hit.seq as usize, &o, ctx, t);
            } else {
                self.trigger(i, hit.seq as usize, &o, hit.seg == 0, ctx, t);
            }
        }
        self.scratch = hits;
    }

    fn fill_limit(&mut self, i: usize, k: usize, o: &OpenOrder, ctx: &mut BarCtx, t: i64) {
        let mut qty = if o.reduce_only {
            self.syms[i].position.reducing_qty(o.side, o.remaining)
        } else {
            o.remaining
        };
        if qty.is_zero() {
            self.syms[i].open[k].done = true;
            self.set_status(o.id, OrderStatus::Expired, t);
            return;
        }
        if let Some(cap) = ctx.capacity {
            let lot = self.syms[i].spec.as_ref().map(|s| s.lot_size);
            let avail = lot.map_or(Some(cap.min(qty)), |l| l.floor_qty(cap.min(qty)));
            qty = avail.unwrap_or(Decimal::ZERO);
            if qty.is_zero() {
                return;
            }
            ctx.capacity = Some(cap - qty);
        }
        let price = ctx.clamp(o.price);
        self.execute_fill(i, Exec::maker(o.id, qty, price, t));
        let left = o.remaining - qty;
        self.syms[i].open[k].remaining = left;
        if left.is_zero() {
            self.syms[i].open[k].done = true;
        } else if o.reduce_only && self.syms[i].position.reducing_qty(o.side, left).is_zero() {
            self.syms[i].open[k].done = true;
            self.set_status(o.id, OrderStatus::Expired, t);
        }
    }

    fn trigger(&mut self, i: usize, k: usize, o: &OpenOrder, gap: bool, ctx: &BarCtx, t: i64) {
        self.syms[i].open[k].done = true;
        let pos = &self.syms[i].position;
        let qty = if o.close_position {
            pos.reducing_qty(o.side, pos.amt.abs())
        } else if o.reduce_only {
            pos.reducing_qty(o.side, o.remaining)
        } else {
            o.remaining
        };
        if qty.is_zero() {
            self.set_status(o.id, OrderStatus::Expired, t);
            return;
        }
        if !o.reduce_only && !o.close_position {
            let need = self.order_margin(i, o.side, qty, o.price);
            if need > self.available_balance() {
                tracing::debug!(order_id = o.id, "triggered order rejected: -2019 margin");
                self.set_status(o.id, OrderStatus::Rejected, t);
                return;
            }
        }
        // Reached on the mark, the order fills at the trade price then: its stop where the
        // trade bar traded there, else the nearest price the trade bar reached.
        let base = if gap {
            ctx.open
        } else if o.on_mark {
            ctx.clamp(o.price)
        } else {
            o.price
        };
        let price = self.taker_price(i, base, o.side, ctx);
        self.execute_fill(i, Exec::taker(o.id, qty, price, t));
        self.record_actual_order(o.id);
        if !o.close_position && qty < o.remaining {
            self.set_status(o.id, OrderStatus::Expired, t);
        }
    }

    /// Stores the normal MARKET order a triggered conditional became (Binance's
    /// `actualOrderId`); it carries no separate events.
    fn record_actual_order(&mut self, algo_id: i64) {
        let Some(rec) = self.orders.get(algo_id) else {
            return;
        };
        let mut state = rec.state.clone();
        let cum_quote = rec.cum_quote;
        let actual_id = self.orders.next_id(false);
        state.order_id = actual_id;
        state.order_type = OrderType::Market;
        state.stop_price = None;
        state.status = OrderStatus::Filled;
        state.orig_qty = state.executed_qty;
        self.orders.push(OrderRecord {
            state,
            cum_quote,
            actual_order_id: None,
        });
        if let Some(rec) = self.orders.get_mut(algo_id) {
            rec.actual_order_id = Some(actual_id);
        }
    }

    /// Cancels every open order of symbol `i` (liquidation, delisting).
    pub(crate) fn cancel_all(&mut self, i: usize, t: i64) {
        for k in 0..self.syms[i].open.len() {
            if !self.syms[i].open[k].done {
                self.syms[i].open[k].done = true;
                let id = self.syms[i].open[k].id;
                self.set_status(id, OrderStatus::Canceled, t);
            }
        }
        self.syms[i].open.clear();
        self.touch_orders(i);
    }
}

impl Exec {
    pub(crate) fn taker(order_id: i64, qty: Decimal, price: Decimal, time: i64) -> Exec {
        Exec {
            order_id,
            qty,
            price,
            maker: false,
            time,
            fee: None,
        }
    }

    pub(crate) fn maker(order_id: i64, qty: Decimal, price: Decimal, time: i64) -> Exec {
        Exec {
            maker: true,
            ..Exec::taker(order_id, qty, price, time)
        }
    }
}

/// The side that closes a position of sign `amt`.
pub(crate) fn closing_side(amt: Decimal) -> Side {
    if amt > Decimal::ZERO {
        Side::Sell
    } else {
        Side::Buy
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_hit_finds_the_segment_and_distance() {
        let up = [100.0, 95.0, 110.0, 105.0];
        assert_eq!(first_hit(&up, 97.0, Dir::Down, true), Some((1, 3.0)));
        assert_eq!(first_hit(&up, 95.0, Dir::Down, true), None);
        assert_eq!(first_hit(&up, 95.0, Dir::Down, false), Some((1, 5.0)));
        assert_eq!(first_hit(&up, 108.0, Dir::Up, false), Some((2, 13.0)));
        assert_eq!(first_hit(&up, 101.0, Dir::Down, false), Some((0, 0.0)));
        assert_eq!(first_hit(&up, 111.0, Dir::Up, false), None);
    }
}
