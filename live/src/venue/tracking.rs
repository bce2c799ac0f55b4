//! Orders out at the venue and what has been seen of them, turned into `VenueEvent`s.
//!
//! A regular order is remembered with its executed quantity and average price; each poll (or
//! answer) that shows more executed quantity becomes one `Fill` of the difference, priced so
//! that the fills' average equals the venue's average. Fills start from zero for orders this
//! run placed (the ledger de-duplicates against the executor's result) and from the quantity
//! already executed for orders adopted at start. A conditional order is polled on the Algo
//! service; once triggered, the regular order it created gives the fill, reported under the
//! algoId the pipeline knows. Each fill then takes its fee, realised PnL, maker flag and
//! execution time from the order's `userTrades` rows not yet seen (trades executed between the
//! status poll and that read land on this fill; the totals stay exact).
//! Must never live here: HTTP details (the client) or decisions.

use std::collections::{BTreeMap, BTreeSet};

use pipeline::stages::executor::{STOP_LOSS_SUFFIX, TAKE_PROFIT_SUFFIX};
use pipeline::venue::{Fill, OrderRef, OrderState, OrderStatus, VenueError, VenueEvent};
use pipeline::{Price, Qty, Symbol, TimestampMs};
use rust_decimal::Decimal;
use tracing::warn;

use super::LiveVenue;

#[derive(Debug, Clone)]
struct Seen {
    symbol: Symbol,
    executed: Decimal,
    avg: Decimal,
    status: OrderStatus,
}

#[derive(Debug, Clone)]
struct AlgoSeen {
    symbol: Symbol,
    client_id: String,
}

/// The orders being followed and the events not yet drained.
#[derive(Debug, Default)]
pub(super) struct Tracker {
    orders: BTreeMap<i64, Seen>,
    algos: BTreeMap<i64, AlgoSeen>,
    pending: Vec<VenueEvent>,
    /// The regular order a triggered conditional order became (its trades are listed there).
    actual: BTreeMap<i64, i64>,
    /// Trade ids already turned into fees, by the order they belong to.
    trades_seen: BTreeMap<i64, BTreeSet<i64>>,
}

impl Tracker {
    pub fn len(&self) -> usize {
        self.orders.len() + self.algos.len()
    }

    /// An order found open at start: follow it from what it has executed already.
    pub fn adopt_order(&mut self, s: OrderState) {
        self.orders.insert(
            s.order_id,
            Seen {
                symbol: s.symbol.clone(),
                executed: s.executed_qty.get(),
                avg: s.avg_price.map_or(Decimal::ZERO, |p| p.get()),
                status: s.status,
            },
        );
    }

    /// A conditional order out at the Algo service.
    pub fn adopt_algo(&mut self, s: OrderState) {
        self.algos.insert(
            s.order_id,
            AlgoSeen {
                symbol: s.symbol,
                client_id: s.client_order_id.to_string(),
            },
        );
    }

    pub fn forget_algo(&mut self, algo_id: i64) {
        self.algos.remove(&algo_id);
    }

    /// True when `r` names a conditional order (by algoId or clientAlgoId).
    pub fn is_algo(&self, r: &OrderRef) -> bool {
        match r {
            OrderRef::Id(id) => self.algos.contains_key(id),
            OrderRef::ClientId(c) => {
                self.algos.values().any(|a| &a.client_id == c)
                    || c.ends_with(TAKE_PROFIT_SUFFIX)
                    || c.ends_with(STOP_LOSS_SUFFIX)
            }
        }
    }

    /// Records an answer about a regular order: a fill for new executed quantity, an update
    /// when it changed, and forgets it once final.
    pub fn observe(&mut self, s: &OrderState) {
        let before = self.orders.get(&s.order_id).cloned();
        let (old_exec, old_avg) = before
            .as_ref()
            .map_or((Decimal::ZERO, Decimal::ZERO), |b| (b.executed, b.avg));
        let exec = s.executed_qty.get();
        let avg = s.avg_price.map_or(Decimal::ZERO, |p| p.get());
        if exec > old_exec {
            let delta = exec - old_exec;
            let price = fill_price(old_exec, old_avg, exec, avg);
            if let (Ok(qty), Some(price)) = (Qty::new(delta), price) {
                self.pending
                    .push(VenueEvent::Fill(fill(s, qty, price, s.update_time)));
            }
        }
        if before.is_some_and(|b| b.status != s.status || b.executed != exec) {
            self.pending.push(VenueEvent::OrderUpdate(s.clone()));
        }
        if s.status.is_final() {
            self.orders.remove(&s.order_id);
        } else {
            self.orders.insert(
                s.order_id,
                Seen {
                    symbol: s.symbol.clone(),
                    executed: exec,
                    avg,
                    status: s.status,
                },
            );
        }
    }

    pub fn take_pending(&mut self) -> Vec<VenueEvent> {
        std::mem::take(&mut self.pending)
    }
}

/// The price of the newly executed part, so the fills average to the venue's average.
fn fill_price(old_exec: Decimal, old_avg: Decimal, exec: Decimal, avg: Decimal) -> Option<Price> {
    let delta = exec - old_exec;
    let p = if old_exec.is_zero() || delta.is_zero() {
        avg
    } else {
        (avg * exec - old_avg * old_exec) / delta
    };
    Price::new(p).or_else(|_| Price::new(avg)).ok()
}

fn fill(s: &OrderState, qty: Qty, price: Price, time: TimestampMs) -> Fill {
    Fill {
        order_id: s.order_id,
        client_order_id: s.client_order_id.clone(),
        symbol: s.symbol.clone(),
        side: s.side,
        qty,
        price,
        fee: Decimal::ZERO,
        is_maker: false,
        realized_pnl: Decimal::ZERO,
        time,
    }
}

impl LiveVenue {
    /// Polls every followed order; returns the events since the last call, in venue order.
    pub(super) fn poll(&mut self) -> Result<Vec<VenueEvent>, VenueError> {
        let regular: Vec<(i64, Symbol)> = self
            .tracker
            .orders
            .iter()
            .map(|(id, s)| (*id, s.symbol.clone()))
            .collect();
        for (id, symbol) in regular {
            match self.client.query_order(&symbol, &OrderRef::Id(id)) {
                Ok(s) => self.tracker.observe(&s),
                Err(VenueError::Rejected(r)) if r.code == -2013 => {
                    self.tracker.orders.remove(&id);
                }
                Err(e) => warn!(order_id = id, error = %e, "order poll failed"),
            }
        }
        let algos: Vec<(i64, AlgoSeen)> = self
            .tracker
            .algos
            .iter()
            .map(|(id, a)| (*id, a.clone()))
            .collect();
        for (id, seen) in algos {
            if let Err(e) = self.poll_algo(id, &seen) {
                warn!(algo_id = id, error = %e, "conditional order poll failed");
            }
        }
        let mut events = self.tracker.take_pending();
        for e in &mut events {
            if let VenueEvent::Fill(f) = e {
                self.add_trade_details(f);
                self.funding.on_fill(f);
            }
        }
        if let Some(since) = self.funding.due() {
            match self.client.funding_income(since) {
                Ok(rows) => events.extend(self.funding.take(&rows)),
                Err(e) => warn!(error = %e, "funding payments unread; read again next time"),
            }
        }
        Ok(events)
    }

    /// Fee, realised PnL, maker flag and time of `f` from its order's new `userTrades` rows.
    fn add_trade_details(&mut self, f: &mut Fill) {
        let order = self
            .tracker
            .actual
            .get(&f.order_id)
            .copied()
            .unwrap_or(f.order_id);
        let rows = match self.client.user_trades(&f.symbol, order) {
            Ok(r) => r,
            Err(e) => {
                warn!(order_id = order, error = %e, "trades of a fill unread: fee and PnL left at 0");
                return;
            }
        };
        let seen = self.tracker.trades_seen.entry(order).or_default();
        let (mut fee, mut pnl, mut maker, mut time, mut any) =
            (Decimal::ZERO, Decimal::ZERO, true, f.time, false);
        for r in rows
            .iter()
            .filter(|r| r.order_id == order && seen.insert(r.id))
        {
            let Ok(t) = r.to_fill(&f.client_order_id) else {
                warn!(trade_id = r.id, "unreadable trade row skipped");
                continue;
            };
            fee += t.fee;
            pnl += t.realized_pnl;
            maker &= t.is_maker;
            time = t.time;
            any = true;
        }
        if any {
            (f.fee, f.realized_pnl, f.is_maker, f.time) = (fee, pnl, maker, time);
        }
    }

    fn poll_algo(&mut self, id: i64, seen: &AlgoSeen) -> Result<(), VenueError> {
        let a = self.client.query_algo_order(&OrderRef::Id(id))?;
        match (a.state.status, a.actual_order_id) {
            (OrderStatus::New | OrderStatus::PartiallyFilled, _) => Ok(()),
            (OrderStatus::Filled, Some(actual)) => {
                let o = self
                    .client
                    .query_order(&seen.symbol, &OrderRef::Id(actual))?;
                if !o.status.is_final() {
                    return Ok(());
                }
                let mut state = a.state.clone();
                state.executed_qty = o.executed_qty;
                state.avg_price = o.avg_price;
                state.status = o.status;
                state.update_time = o.update_time;
                self.tracker.actual.insert(id, actual);
                if let (false, Some(p)) = (o.executed_qty.is_zero(), o.avg_price) {
                    let f = fill(&state, o.executed_qty, p, o.update_time);
                    self.tracker.pending.push(VenueEvent::Fill(f));
                }
                self.tracker.pending.push(VenueEvent::OrderUpdate(state));
                self.tracker.forget_algo(id);
                Ok(())
            }
            (OrderStatus::Filled, None) => Ok(()),
            _ => {
                self.tracker.pending.push(VenueEvent::OrderUpdate(a.state));
                self.tracker.forget_algo(id);
                Ok(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pipeline::order::{OrderType, Side};
    use rust_decimal_macros::dec;

    fn state(id: i64, exec: Decimal, avg: Option<Decimal>, status: OrderStatus) -> OrderState {
        OrderState {
            order_id: id,
            client_order_id: format!("c{id}").into(),
            symbol: Symbol::new("BTCUSDT").expect("symbol"),
            side: Side::Buy,
            order_type: OrderType::Limit,
            time_in_force: None,
            status,
            orig_qty: Qty::new(dec!(0.3)).expect("qty"),
            executed_qty: Qty::new(exec).expect("qty"),
            avg_price: avg.map(|a| Price::new(a).expect("price")),
            price: None,
            stop_price: None,
            reduce_only: false,
            close_position: false,
            update_time: TimestampMs(1),
            working_type: Default::default(),
        }
    }

    fn fills(events: &[VenueEvent]) -> Vec<(Decimal, Decimal)> {
        events
            .iter()
            .filter_map(|e| match e {
                VenueEvent::Fill(f) => Some((f.qty.get(), f.price.get())),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn partial_fills_become_deltas_that_average_to_the_venue_average() {
        let mut t = Tracker::default();
        t.observe(&state(7, dec!(0), None, OrderStatus::New));
        assert!(t.take_pending().is_empty());
        t.observe(&state(
            7,
            dec!(0.1),
            Some(dec!(100)),
            OrderStatus::PartiallyFilled,
        ));
        t.observe(&state(
            7,
            dec!(0.1),
            Some(dec!(100)),
            OrderStatus::PartiallyFilled,
        ));
        t.observe(&state(7, dec!(0.3), Some(dec!(102)), OrderStatus::Filled));
        let ev = t.take_pending();
        assert_eq!(
            fills(&ev),
            vec![(dec!(0.1), dec!(100)), (dec!(0.2), dec!(103))]
        );
        let updates = ev
            .iter()
            .filter(|e| matches!(e, VenueEvent::OrderUpdate(_)))
            .count();
        assert_eq!(updates, 2, "one per change, none for a repeat");
        assert_eq!(t.len(), 0, "a final order is forgotten");
    }

    #[test]
    fn an_adopted_order_reports_only_new_fills() {
        let mut t = Tracker::default();
        t.adopt_order(state(
            9,
            dec!(0.1),
            Some(dec!(100)),
            OrderStatus::PartiallyFilled,
        ));
        t.observe(&state(9, dec!(0.3), Some(dec!(100)), OrderStatus::Filled));
        assert_eq!(fills(&t.take_pending()), vec![(dec!(0.2), dec!(100))]);
    }

    #[test]
    fn conditional_orders_are_recognised_by_id_and_client_id() {
        let mut t = Tracker::default();
        let mut s = state(42, dec!(0), None, OrderStatus::New);
        s.client_order_id = "tp-by-hand".into();
        t.adopt_algo(s);
        assert!(t.is_algo(&OrderRef::Id(42)));
        assert!(t.is_algo(&OrderRef::ClientId("tp-by-hand".into())));
        assert!(t.is_algo(&OrderRef::ClientId("sim-0123456789abcdef-sl".into())));
        assert!(!t.is_algo(&OrderRef::Id(43)));
        t.forget_algo(42);
        assert!(!t.is_algo(&OrderRef::Id(42)));
    }
}
