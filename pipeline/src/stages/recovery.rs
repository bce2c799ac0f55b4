//! Recovery of the orders an earlier session left at the venue (it was killed, or lost its
//! connection): what `sim live` does at start, after the ledger took over the venue's positions,
//! and again after an order whose outcome stayed unknown.
//!
//! Own orders are recognised by their client id (`sim-` from the executor, `live-` from the
//! live venue's hashed ids); anything else is someone else's and left alone. Of the own open
//! orders (plain and conditional/algo alike):
//! - on a symbol without a position, every one is cancelled (it protects nothing, and a stale
//!   stop would close a later position at the wrong price);
//! - on a symbol with a position, a reduce-only (or close-position) order on the closing side is
//!   kept and followed like a TP/SL of this session (so the orphan cancel knows it); any other
//!   own order (an entry still resting, a stop on the wrong side) is cancelled.
//!
//! A position left without a stop-loss is then protected per the config (`tp_pct`/`sl_pct` from
//! the position's entry price, as the bridge prices an entry's legs), or, with
//! [`Unprotected::Refuse`], reported so the caller refuses to start.
//! Must never live here: reading positions (the ledger's reconcile), I/O, clocks.

use rust_decimal::Decimal;
use tracing::warn;

use super::bridge::{plan_id, protective_prices};
use super::executor::{STOP_LOSS_SUFFIX, TAKE_PROFIT_SUFFIX, client_id};
use super::journal::{Journal, JournalRecord};
use super::ledger::Ledger;
use super::order_lifecycle::OrderLifecycle;
use crate::domain::{Price, Symbol};
use crate::exchange_info::{MarketContext, check_order_shared};
use crate::order::{OrderRequest, OrderType, Side, WorkingType};
use crate::venue::{OrderRef, OrderState, Venue, VenueError};

/// Client id prefixes of orders this program sends (see the module doc).
pub const OWN_PREFIXES: [&str; 2] = ["sim-", "live-"];

/// What to do with a position found without a stop-loss.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Unprotected {
    /// Place its TP/SL per the config (the default).
    #[default]
    Protect,
    /// Touch nothing more and report it, so the session refuses to start.
    Refuse,
}

/// The TP/SL distances a taken-over position gets (`None`: that leg is not placed).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Protection {
    pub tp_pct: Option<Decimal>,
    pub sl_pct: Option<Decimal>,
    /// What the placed legs' triggers watch (`executor.working_type`).
    pub working_type: WorkingType,
}

/// What the recovery found and did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Recovery {
    /// Own orders kept as the protection of a position (client ids).
    pub kept: Vec<String>,
    /// Own orders cancelled because they protected nothing (client ids).
    pub cancelled: Vec<String>,
    /// Open orders of someone else, left alone.
    pub foreign: usize,
    /// TP/SL legs placed for a taken-over position (client ids).
    pub placed: Vec<String>,
    /// What could not be done (a cancel or a placement the venue refused), one line each.
    pub failed: Vec<String>,
    /// Positions left without a stop-loss (with [`Unprotected::Refuse`], or when no leg could
    /// be placed): symbol and signed amount.
    pub unprotected: Vec<(Symbol, Decimal)>,
}

/// True for an order this program sent (by its client id).
pub fn is_own(o: &OrderState) -> bool {
    OWN_PREFIXES
        .iter()
        .any(|p| o.client_order_id.as_str().starts_with(p))
}

/// True when `o` can only close (part of) a position of `amt`: reduce-only or close-position,
/// on the side opposite to the position.
fn protects(o: &OrderState, amt: Decimal) -> bool {
    let closing = if amt > Decimal::ZERO {
        Side::Sell
    } else {
        Side::Buy
    };
    !amt.is_zero() && (o.reduce_only || o.close_position) && o.side == closing
}

fn is_stop(t: OrderType) -> bool {
    t == OrderType::StopMarket
}

/// Everything the recovery needs from the pipeline, borrowed for one call.
pub(crate) struct RecoveryCtx<'a, J: Journal> {
    pub ledger: &'a Ledger,
    pub orders: &'a mut OrderLifecycle,
    pub journal: &'a mut J,
    pub protection: Protection,
    pub seq: &'a mut u64,
}

impl<J: Journal> RecoveryCtx<'_, J> {
    /// Sorts the venue's open orders (see the module doc), then protects or reports positions
    /// without a stop-loss. An `Err` means the open orders could not be read: nothing changed.
    pub fn run<V: Venue + ?Sized>(
        mut self,
        venue: &mut V,
        policy: Unprotected,
    ) -> Result<Recovery, VenueError> {
        let open = venue.open_orders(None)?;
        let mut out = Recovery::default();
        for o in &open {
            if !is_own(o) {
                out.foreign += 1;
                continue;
            }
            // Mid-session (after an unknown outcome), this session's own orders stay as they are.
            if self.orders.follows(o.order_id) {
                continue;
            }
            let amt = self.ledger.amt(&o.symbol);
            if protects(o, amt) {
                self.orders.adopt_protective(&o.symbol, o.order_id);
                out.kept.push(o.client_order_id.as_str().to_string());
                continue;
            }
            match venue.cancel_order(&o.symbol, &OrderRef::Id(o.order_id)) {
                Ok(_) => out.cancelled.push(o.client_order_id.as_str().to_string()),
                Err(e) => out.failed.push(format!(
                    "cancelling {} ({} {:?} {}): {e}",
                    o.client_order_id.as_str(),
                    o.symbol,
                    o.order_type,
                    o.side
                )),
            }
        }
        self.protect_positions(venue, policy, &open, &mut out);
        Ok(out)
    }

    /// Places the missing TP/SL legs of each position that has no kept stop-loss.
    fn protect_positions<V: Venue + ?Sized>(
        &mut self,
        venue: &mut V,
        policy: Unprotected,
        open: &[OrderState],
        out: &mut Recovery,
    ) {
        let held: Vec<(Symbol, Decimal, Decimal)> = self
            .ledger
            .positions()
            .map(|(s, p)| (s.clone(), p.amt, p.entry_price))
            .collect();
        for (sym, amt, entry) in held {
            let kept = |stop: bool| {
                open.iter().any(|o| {
                    o.symbol == sym
                        && is_own(o)
                        && protects(o, amt)
                        && is_stop(o.order_type) == stop
                })
            };
            let (has_sl, has_tp) = (kept(true), kept(false));
            if has_sl {
                continue;
            }
            if policy == Unprotected::Refuse || self.protection.sl_pct.is_none() {
                out.unprotected.push((sym, amt));
                continue;
            }
            let placed = self.place_legs(venue, &sym, amt, entry, !has_tp, out);
            if !placed {
                out.unprotected.push((sym, amt));
            }
        }
    }

    /// Places the SL (and the TP when `with_tp`) of a position of `amt` entered at `entry`;
    /// true when the SL was placed.
    fn place_legs<V: Venue + ?Sized>(
        &mut self,
        venue: &mut V,
        sym: &Symbol,
        amt: Decimal,
        entry: Decimal,
        with_tp: bool,
        out: &mut Recovery,
    ) -> bool {
        let (Some(spec), Some(mark), Ok(entry)) = (
            venue.symbol_spec(sym),
            venue.mark_price(sym),
            Price::new(entry),
        ) else {
            out.failed.push(format!(
                "{sym}: no rules, mark price or entry price to protect the position with"
            ));
            return false;
        };
        let side = if amt > Decimal::ZERO {
            Side::Buy
        } else {
            Side::Sell
        };
        let tick = spec.price_filter.tick_size;
        let (tp, sl) = protective_prices(
            side,
            entry,
            self.protection.tp_pct,
            self.protection.sl_pct,
            tick,
        );
        // A plan id of its own (symbol, venue time, a sequence number past the session's).
        *self.seq += 1;
        let id = plan_id(sym, venue.now(), *self.seq);
        let ctx = MarketContext::at_mark(mark);
        let mut sl_placed = false;
        let legs = [
            (OrderType::StopMarket, sl, STOP_LOSS_SUFFIX),
            (
                OrderType::TakeProfitMarket,
                tp.filter(|_| with_tp),
                TAKE_PROFIT_SUFFIX,
            ),
        ];
        for (order_type, price, tag) in legs {
            let Some(price) = price else { continue };
            let cid = client_id(&id, tag);
            let req = OrderRequest::conditional(
                sym.as_str(),
                side.opposite(),
                order_type,
                amt.abs(),
                price.get(),
            )
            .with_reduce_only(true)
            .with_client_order_id(cid.clone())
            .with_working_type(self.protection.working_type);
            let answer = check_order_shared(spec, &req, &ctx)
                .map_err(VenueError::Rejected)
                .and_then(|c| {
                    self.note(&JournalRecord::Order {
                        plan_id: &id,
                        order: &c,
                    });
                    let a = venue.place_order(&c);
                    self.note(&JournalRecord::VenueAnswer {
                        plan_id: &id,
                        order: a.as_ref().ok(),
                        error: a.as_ref().err(),
                    });
                    a
                });
            match answer {
                Ok(s) => {
                    self.orders.adopt_protective(sym, s.order_id);
                    out.placed.push(cid.as_str().to_string());
                    sl_placed |= is_stop(order_type);
                }
                Err(e) => {
                    warn!(symbol = %sym, client_order_id = cid.as_str(), error = %e, "protecting a taken-over position failed");
                    out.failed.push(format!(
                        "{sym}: placing {order_type:?} at {} for the taken-over position {amt}: {e}",
                        price.get()
                    ));
                }
            }
        }
        sl_placed
    }

    fn note(&mut self, r: &JournalRecord<'_>) {
        if self.journal.enabled() {
            self.journal.record(r);
        }
    }
}
