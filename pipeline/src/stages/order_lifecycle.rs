//! [`OrderLifecycle`]: what happens to the executor's orders after the venue accepted them:
//! an order not filled at its answer is counted as filled when its first fill arrives (so the
//! funnel's fills are executions, not decisions: F7); an ENTRY filled after its answer gets its
//! TP/SL then; the TP/SL legs of a symbol are remembered until they finish, and cancelled once
//! the ledger holds no position in the symbol (orphans).
//! The pipeline calls it with each accepted result and each batch of venue events.
//! Must never live here: the checks before an order (the executor), positions (the ledger),
//! reading the venue's events (the pipeline does, and hands them over).

use std::collections::BTreeMap;

use tracing::{debug, warn};

use super::EvalType;
use super::executor::{ExecResult, Executor, ProtectiveOrder};
use super::journal::Journal;
use super::ledger::Ledger;
use super::permit::PermittedPlan;
use super::plan_header::PlanMessage;
use crate::domain::{Symbol, TimestampMs};
use crate::funnel::VenueCounts;
use crate::venue::{OrderRef, Venue, VenueError, VenueEvent};

/// An order the venue accepted that has not filled yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InFlight {
    pub order_id: i64,
    pub symbol: Symbol,
    pub eval: EvalType,
    /// The venue's clock when it accepted the order (the clock `in_flight` is asked with).
    pub accepted_at: TimestampMs,
}

/// How long an unfilled MARKET order holds back the next plan of its symbol. Binance fills a
/// MARKET order at once or expires it, and each outcome arrives as an event; an order still
/// unfilled after this long means its events were lost, and the permit's venue check (the
/// positions the venue reports) takes over from the in-flight guard.
pub const IN_FLIGHT_HOLD_MS: i64 = 10 * 60 * 1000;

/// The orders the pipeline still follows at the venue.
#[derive(Debug, Default)]
pub(crate) struct OrderLifecycle {
    /// Open TP/SL order ids per symbol, cancelled once the position is flat.
    protective: BTreeMap<Symbol, Vec<i64>>,
    /// Accepted orders that had not filled when the venue answered (a MARKET order in a
    /// backtest fills at the next bar): while one is out, no other plan of its symbol is sent.
    awaiting_fill: Vec<InFlight>,
    /// ENTRY orders not filled at the answer whose TP/SL wait for the fill, by order id.
    awaiting_protection: Vec<(i64, PermittedPlan)>,
}

impl OrderLifecycle {
    /// Nothing left to follow: no TP/SL resting and no accepted order waiting for its fill.
    pub fn is_idle(&self) -> bool {
        self.protective.is_empty() && self.awaiting_fill.is_empty()
    }

    /// An order the venue accepted for `plan`: counts its fill or waits for it (and, when
    /// `protect_on_fill`, for placing its TP/SL), and remembers the TP/SL legs placed with it.
    /// `now` is the venue's clock when it answered.
    pub fn accepted(
        &mut self,
        plan: PermittedPlan,
        result: &ExecResult,
        protect_on_fill: bool,
        now: TimestampMs,
        counts: &mut VenueCounts,
    ) {
        let eval = result.eval_type();
        if !result.filled_qty().is_zero() {
            counts.orders_filled.bump(eval);
        } else {
            self.awaiting_fill.push(InFlight {
                order_id: result.order_id(),
                symbol: result.symbol().clone(),
                eval,
                accepted_at: now,
            });
            if protect_on_fill {
                self.awaiting_protection.push((result.order_id(), plan));
            }
        }
        self.count_protective(result.symbol(), result.protective(), counts);
    }

    /// The venue's new events: first fills of awaited orders are counted, finished TP/SL
    /// orders forgotten, and ENTRY orders that filled now get their TP/SL.
    pub fn on_events<V: Venue + ?Sized>(
        &mut self,
        events: &[VenueEvent],
        executor: &Executor,
        venue: &mut V,
        journal: &mut dyn Journal,
        counts: &mut VenueCounts,
    ) {
        for e in events {
            if let VenueEvent::OrderUpdate(s) = e
                && !s.executed_qty.is_zero()
                && let Some(i) = self
                    .awaiting_fill
                    .iter()
                    .position(|o| o.order_id == s.order_id)
            {
                let done = self.awaiting_fill.swap_remove(i);
                counts.orders_filled.bump(done.eval);
            }
            if let VenueEvent::OrderUpdate(s) = e
                && s.status.is_final()
            {
                self.awaiting_fill.retain(|o| o.order_id != s.order_id);
            }
            let done = match e {
                VenueEvent::OrderUpdate(s) if s.status.is_final() => Some(s.order_id),
                VenueEvent::Fill(f) => Some(f.order_id),
                _ => None,
            };
            if let Some(id) = done {
                self.protective
                    .values_mut()
                    .for_each(|ids| ids.retain(|i| *i != id));
            }
        }
        self.protective.retain(|_, ids| !ids.is_empty());
        if !self.awaiting_protection.is_empty() {
            self.protect_fills(events, executor, venue, journal, counts);
        }
    }

    /// Cancels TP/SL orders left behind on symbols the ledger holds no position in.
    pub fn cancel_orphans<V: Venue + ?Sized>(
        &mut self,
        ledger: &Ledger,
        venue: &mut V,
        counts: &mut VenueCounts,
    ) {
        // Usually every symbol with TP/SL still holds its position: nothing to collect.
        if self.protective.keys().all(|s| !ledger.holding(s).is_flat()) {
            return;
        }
        // One flat symbol at a time, in symbol order (cancels change no position), without
        // collecting them first; cancels that got no answer are put back afterwards.
        let mut retry = Vec::new();
        while let Some(s) = self
            .protective
            .keys()
            .find(|s| ledger.holding(s).is_flat())
            .cloned()
        {
            for id in self.protective.remove(&s).unwrap_or_default() {
                match venue.cancel_order(&s, &OrderRef::Id(id)) {
                    Ok(_) => counts.protective_cancelled += 1,
                    // No answer (timeout, 5xx, a ban): the order may still rest at the venue,
                    // protecting nothing; tried again at the next sync.
                    Err(e @ (VenueError::Unknown(_) | VenueError::Unavailable(_))) => {
                        warn!(symbol = %s, order_id = id, error = %e, "TP/SL cancel got no answer; trying again at the next bar");
                        retry.push((s.clone(), id));
                    }
                    Err(e) => {
                        debug!(symbol = %s, order_id = id, error = %e, "TP/SL cancel refused")
                    }
                }
            }
        }
        for (s, id) in retry {
            self.protective.entry(s).or_default().push(id);
        }
    }

    /// Follows an open reduce-only order of `sym` like a TP/SL of this session: an order an
    /// earlier session left protecting a position it now holds, or a leg placed by recovery.
    /// It is forgotten when it finishes and cancelled once the position is flat.
    pub fn adopt_protective(&mut self, sym: &Symbol, order_id: i64) {
        let ids = self.protective.entry(sym.clone()).or_default();
        if !ids.contains(&order_id) {
            ids.push(order_id);
        }
    }

    /// True when the order is one this session follows (awaiting its fill, or a TP/SL leg).
    pub fn follows(&self, order_id: i64) -> bool {
        self.awaiting_fill.iter().any(|o| o.order_id == order_id)
            || self.protective.values().any(|ids| ids.contains(&order_id))
    }

    /// The order of `sym` accepted and not filled yet at `now`, if any (see
    /// [`IN_FLIGHT_HOLD_MS`]): a second plan sent meanwhile would act on a position that is
    /// about to change.
    pub fn in_flight(&self, sym: &Symbol, now: TimestampMs) -> Option<&InFlight> {
        self.awaiting_fill
            .iter()
            .find(|o| &o.symbol == sym && now.0 - o.accepted_at.0 < IN_FLIGHT_HOLD_MS)
    }

    /// True when `sym` has a TP/SL leg followed.
    pub fn protects(&self, sym: &Symbol) -> bool {
        self.protective.get(sym).is_some_and(|ids| !ids.is_empty())
    }

    /// Counts the TP/SL legs placed for `sym` and remembers the placed ones.
    fn count_protective(
        &mut self,
        sym: &Symbol,
        legs: &[ProtectiveOrder],
        counts: &mut VenueCounts,
    ) {
        for po in legs {
            match po.order_id {
                Some(id) => {
                    counts.protective_placed += 1;
                    self.protective.entry(sym.clone()).or_default().push(id);
                }
                None => counts.protective_failed += 1,
            }
        }
    }

    /// Places the TP/SL of ENTRY orders that filled after their answer.
    fn protect_fills<V: Venue + ?Sized>(
        &mut self,
        events: &[VenueEvent],
        executor: &Executor,
        venue: &mut V,
        journal: &mut dyn Journal,
        counts: &mut VenueCounts,
    ) {
        for e in events {
            let VenueEvent::OrderUpdate(s) = e else {
                continue;
            };
            let Some(i) = self
                .awaiting_protection
                .iter()
                .position(|(id, _)| *id == s.order_id)
            else {
                continue;
            };
            if s.executed_qty.is_zero() {
                if s.status.is_final() {
                    self.awaiting_protection.swap_remove(i);
                }
                continue;
            }
            let (_, plan) = self.awaiting_protection.swap_remove(i);
            let legs = executor.protect_filled(&plan, s.executed_qty, venue, journal);
            self.count_protective(plan.symbol(), &legs, counts);
        }
    }
}
