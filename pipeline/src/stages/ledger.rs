//! Stage 7, the ledger: positions as the pipeline believes them.
//!
//! Updated from the executor's results (at once) and from the venue's fill and liquidation
//! events (TP/SL triggers, later fills); a fill event for an order whose result was already
//! applied only adds what the result did not cover, so nothing is counted twice.
//! Architecture invariant: the venue is the truth, the ledger is derived (F7). [`Ledger::reconcile`]
//! compares it with the venue's positions, counts every disagreement as a [`Mismatch`] and takes
//! the venue's value.
//! Must never live here: decisions (the trader and permit read the ledger; it decides nothing),
//! or f64.

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use serde::Serialize;
use tracing::warn;

use super::executor::ExecResult;
use super::holding::Holding;
use super::plan_header::PlanMessage;
use crate::domain::{Symbol, TimestampMs, decimal_cmp};
use crate::order::Side;
use crate::venue::{PositionAmount, VenueEvent};

/// Tracked orders kept for de-duplicating fills; the oldest are forgotten beyond this.
const MAX_TRACKED_ORDERS: usize = 4096;

/// One open position as the ledger holds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LedgerPosition {
    /// Signed: > 0 long, < 0 short; never zero (a flat symbol has no entry).
    pub amt: Decimal,
    /// Average entry price.
    pub entry_price: Decimal,
    pub opened_at: TimestampMs,
}

/// A ledger/venue disagreement (F7).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Mismatch {
    pub symbol: Symbol,
    pub time: TimestampMs,
    pub ledger_amt: Decimal,
    pub venue_amt: Decimal,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct OrderTrack {
    /// Quantity already applied to the position for this order.
    applied: Decimal,
    /// Quantity the venue's fill events reported so far.
    seen: Decimal,
}

/// Positions as the pipeline believes them.
#[derive(Debug, Clone, Default)]
pub struct Ledger {
    positions: BTreeMap<Symbol, LedgerPosition>,
    orders: BTreeMap<i64, OrderTrack>,
    mismatches: u64,
}

impl Ledger {
    pub fn new() -> Self {
        Self::default()
    }

    /// True when no position is open.
    pub fn is_flat(&self) -> bool {
        self.positions.is_empty()
    }

    pub fn open_count(&self) -> usize {
        self.positions.len()
    }

    #[inline]
    pub fn position(&self, symbol: &Symbol) -> Option<&LedgerPosition> {
        match self.positions.len() {
            0 => None,
            // One position (the common case, asked on every bar): one comparison, no search.
            1 => self
                .positions
                .first_key_value()
                .and_then(|(s, p)| (s == symbol).then_some(p)),
            _ => self.positions.get(symbol),
        }
    }

    /// Signed amount held (zero when flat).
    pub fn amt(&self, symbol: &Symbol) -> Decimal {
        self.position(symbol).map_or(Decimal::ZERO, |p| p.amt)
    }

    /// Which way the position in `symbol` points.
    #[inline]
    pub fn holding(&self, symbol: &Symbol) -> Holding {
        match self.position(symbol) {
            Some(p) if p.amt.is_sign_positive() => Holding::Long,
            Some(_) => Holding::Short,
            None => Holding::Flat,
        }
    }

    pub fn positions(&self) -> impl Iterator<Item = (&Symbol, &LedgerPosition)> {
        self.positions.iter()
    }

    /// Disagreements with the venue found so far.
    pub fn mismatches(&self) -> u64 {
        self.mismatches
    }

    /// Applies an executed order's fill (what the venue answered to `place_order`).
    pub fn apply_result(&mut self, r: &ExecResult) {
        let qty = r.filled_qty().get();
        if qty.is_zero() {
            return;
        }
        let price = r.avg_price().map_or(Decimal::ZERO, |p| p.get());
        self.apply_fill(r.symbol(), r.side(), qty, price, r.time());
        self.orders.insert(
            r.order_id(),
            OrderTrack {
                applied: qty,
                seen: Decimal::ZERO,
            },
        );
        while self.orders.len() > MAX_TRACKED_ORDERS {
            self.orders.pop_first();
        }
    }

    /// Applies the venue's fills and liquidations; returns how many changed a position.
    pub fn apply_events(&mut self, events: &[VenueEvent]) -> usize {
        let mut changed = 0;
        for event in events {
            match event {
                VenueEvent::Fill(f) => {
                    let qty = match self.orders.get_mut(&f.order_id) {
                        Some(track) => {
                            track.seen += f.qty.get();
                            let extra = track.seen - track.applied;
                            if track.seen >= track.applied {
                                track.applied = track.seen;
                            }
                            extra.max(Decimal::ZERO)
                        }
                        None => f.qty.get(),
                    };
                    if !qty.is_zero() {
                        self.apply_fill(&f.symbol, f.side, qty, f.price.get(), f.time);
                        changed += 1;
                    }
                }
                VenueEvent::Liquidation {
                    symbol,
                    qty,
                    price,
                    time,
                    ..
                } => {
                    let side = if self.amt(symbol).is_sign_negative() {
                        Side::Buy
                    } else {
                        Side::Sell
                    };
                    self.apply_fill(symbol, side, qty.get(), price.get(), *time);
                    changed += 1;
                }
                VenueEvent::OrderUpdate(_) | VenueEvent::Funding { .. } => {}
            }
        }
        changed
    }

    fn apply_fill(
        &mut self,
        symbol: &Symbol,
        side: Side,
        qty: Decimal,
        price: Decimal,
        time: TimestampMs,
    ) {
        let signed = qty * side.sign();
        let Some(p) = self.positions.get_mut(symbol) else {
            self.positions.insert(
                symbol.clone(),
                LedgerPosition {
                    amt: signed,
                    entry_price: price,
                    opened_at: time,
                },
            );
            return;
        };
        let new = p.amt + signed;
        if new.is_zero() {
            self.positions.remove(symbol);
        } else if p.amt.is_sign_positive() == signed.is_sign_positive() {
            let cost = p.amt.abs() * p.entry_price + qty * price;
            p.entry_price = cost.checked_div(new.abs()).unwrap_or(p.entry_price);
            p.amt = new;
        } else if new.is_sign_positive() == p.amt.is_sign_positive() {
            p.amt = new;
        } else {
            *p = LedgerPosition {
                amt: new,
                entry_price: price,
                opened_at: time,
            };
        }
    }

    /// Compares one symbol with the venue's snapshot of it (`None`: flat at the venue) and takes
    /// the venue's value on a disagreement, which it returns.
    pub fn reconcile_symbol(
        &mut self,
        symbol: &Symbol,
        venue: Option<&PositionAmount>,
        time: TimestampMs,
    ) -> Option<Mismatch> {
        let venue_amt = venue.map_or(Decimal::ZERO, |p| p.position_amt);
        let ledger_amt = self.amt(symbol);
        if venue_amt == ledger_amt {
            return None;
        }
        self.mismatches += 1;
        warn!(%symbol, %ledger_amt, %venue_amt, "ledger disagrees with the venue; taking the venue's position");
        match venue.filter(|p| !p.position_amt.is_zero()) {
            Some(v) => {
                let opened_at = self.position(symbol).map_or(time, |p| p.opened_at);
                self.positions.insert(
                    symbol.clone(),
                    LedgerPosition {
                        amt: v.position_amt,
                        entry_price: v.entry_price,
                        opened_at,
                    },
                );
            }
            None => {
                self.positions.remove(symbol);
            }
        }
        Some(Mismatch {
            symbol: symbol.clone(),
            time,
            ledger_amt,
            venue_amt,
        })
    }

    /// True when the venue holds exactly the ledger's positions, amount for amount (the usual
    /// case, answered without collecting the symbols of both sides).
    fn agrees_with(&self, venue: &[PositionAmount]) -> bool {
        venue.len() == self.positions.len()
            && venue.iter().enumerate().all(|(k, p)| {
                venue[..k].iter().all(|q| q.symbol != p.symbol)
                    && self
                        .positions
                        .get(&p.symbol)
                        .is_some_and(|l| decimal_cmp::cmp(l.amt, p.position_amt).is_eq())
            })
    }

    /// Reconciles every symbol either side holds against the venue's positions.
    pub fn reconcile(&mut self, venue: &[PositionAmount], time: TimestampMs) -> Vec<Mismatch> {
        if self.agrees_with(venue) {
            return Vec::new();
        }
        let mut symbols: Vec<Symbol> = self.positions.keys().cloned().collect();
        symbols.extend(venue.iter().map(|p| p.symbol.clone()));
        symbols.sort();
        symbols.dedup();
        symbols
            .iter()
            .filter_map(|s| {
                let snap = venue.iter().find(|p| &p.symbol == s);
                self.reconcile_symbol(s, snap, time)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Price, Qty};
    use crate::venue::Fill;
    use rust_decimal_macros::dec;

    fn sym() -> Symbol {
        Symbol::new("BTCUSDT").expect("sym")
    }

    fn fill(order_id: i64, side: Side, qty: Decimal, price: Decimal) -> VenueEvent {
        VenueEvent::Fill(Fill {
            order_id,
            client_order_id: format!("o{order_id}").into(),
            symbol: sym(),
            side,
            qty: Qty::new(qty).expect("q"),
            price: Price::new(price).expect("p"),
            fee: Decimal::ZERO,
            is_maker: false,
            realized_pnl: Decimal::ZERO,
            time: TimestampMs(0),
        })
    }

    fn snapshot(amt: Decimal) -> PositionAmount {
        PositionAmount {
            symbol: sym(),
            position_amt: amt,
            entry_price: dec!(70000),
        }
    }

    #[test]
    fn fills_open_add_reduce_flip_and_close() {
        let mut l = Ledger::new();
        l.apply_events(&[fill(1, Side::Buy, dec!(0.010), dec!(70000))]);
        l.apply_events(&[fill(2, Side::Buy, dec!(0.010), dec!(72000))]);
        let p = l.position(&sym()).expect("long");
        assert_eq!((p.amt, p.entry_price), (dec!(0.020), dec!(71000)));
        l.apply_events(&[fill(3, Side::Sell, dec!(0.005), dec!(73000))]);
        assert_eq!(l.position(&sym()).map(|p| p.entry_price), Some(dec!(71000)));
        l.apply_events(&[fill(4, Side::Sell, dec!(0.025), dec!(74000))]);
        let p = l.position(&sym()).expect("short");
        assert_eq!(
            (p.amt, p.entry_price, l.holding(&sym())),
            (dec!(-0.010), dec!(74000), Holding::Short)
        );
        l.apply_events(&[fill(5, Side::Buy, dec!(0.010), dec!(74000))]);
        assert!(l.is_flat());
    }

    #[test]
    fn reconcile_counts_mismatches_and_takes_the_venue() {
        let mut l = Ledger::new();
        l.apply_events(&[fill(1, Side::Buy, dec!(0.010), dec!(70000))]);
        assert!(
            l.reconcile(&[snapshot(dec!(0.010))], TimestampMs(1))
                .is_empty()
        );
        let m = l.reconcile(&[snapshot(dec!(0.018))], TimestampMs(2));
        assert_eq!(m.len(), 1);
        assert_eq!(
            (m[0].ledger_amt, m[0].venue_amt),
            (dec!(0.010), dec!(0.018))
        );
        assert_eq!(l.amt(&sym()), dec!(0.018));
        let m = l.reconcile(&[], TimestampMs(3));
        assert_eq!(m.len(), 1);
        assert!(l.is_flat());
        assert_eq!(l.mismatches(), 2);
    }
}
