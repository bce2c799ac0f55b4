//! [`Pipeline`]: the stages wired in order, the one thing a backtest loop and a live loop call
//! per closed bar, so the same code decides in both.
//!
//! Per bar: drain the venue's events if anything can have happened there (a position or an
//! order is out), feed the stages with state per bar ([`OnBars`]: the governor's market
//! state), and, only if the bar brought signals, run each through trader -> bridge ->
//! governor -> permit -> executor -> ledger, counting every stage in the [`Funnel`] and
//! journaling every message. A run of quiet bars feeds the same stages at once
//! ([`Pipeline::on_quiet_bars`]). Recorded intents enter at the bridge
//! ([`Pipeline::on_recorded_intents`]). What happens to accepted orders afterwards (fills
//! awaited, TP/SL legs, orphan cancels) is the order lifecycle's (`order_lifecycle.rs`).
//! Hot path: a bar without signals while flat and idle does one slot lookup and a few float
//! updates; no allocation, no venue call.
//! Must never live here: stage logic (each stage's module), order bookkeeping (the order
//! lifecycle's), I/O, clocks, strategies.

use tracing::{debug, warn};

use super::bridge::{BridgeOutput, IntentBridge};
use super::config::PipelineConfig;
use super::executor::Executor;
use super::governor::Governor;
use super::holding::Holding;
use super::journal::{DropRecord, Journal, JournalRecord, NullJournal};
use super::ledger::Ledger;
use super::on_bars::OnBars;
use super::order_lifecycle::OrderLifecycle;
use super::payload::IntentPayload;
use super::permit::PermitGate;
use super::plan_header::PlanMessage;
use super::recovery::{Protection, Recovery, RecoveryCtx, Unprotected};
use super::trader::Trader;
use super::{EvalType, Outcome, Stage};
use crate::domain::{Bar, BarColumns, Symbol, TimestampMs};
use crate::funnel::{Funnel, SizingTrace, TraceDrop};
use crate::reason::{Dropped, Reason};
use crate::signal::Signal;
use crate::venue::{PositionAmount, Venue, VenueEvent};

/// The pipeline: stages, ledger, funnel and journal.
#[derive(Debug)]
pub struct Pipeline<J: Journal = NullJournal> {
    trader: Trader,
    bridge: IntentBridge,
    governor: Governor,
    permit: PermitGate,
    executor: Executor,
    ledger: Ledger,
    funnel: Funnel,
    journal: J,
    seq: u64,
    /// Something is out at the venue (a position or an order): drain its events each bar.
    expect_events: bool,
    /// The accepted orders still followed: fills awaited, TP/SL legs, orphan cancels.
    orders: OrderLifecycle,
    /// The buffer the venue's events are read into (kept, so a bar with events allocates
    /// nothing); empty between calls.
    events: Vec<VenueEvent>,
    /// The venue's positions, read into this kept buffer (no allocation per plan).
    positions: Vec<PositionAmount>,
    /// TP/SL distances for a position taken over from the venue (recovery).
    protection: Protection,
    /// Syncs left in which to take the venue's positions after an order whose outcome stayed
    /// unknown (0: none pending); see [`Self::resync_after_unknown`].
    resync_pending: u8,
}

/// How many syncs after an unknown outcome still read the venue's positions and protect
/// what they find (a MARKET order can fill a bar later).
const RESYNC_SYNCS: u8 = 3;

impl Pipeline<NullJournal> {
    /// A pipeline without a journal.
    pub fn new(cfg: &PipelineConfig) -> Self {
        Self::with_journal(cfg, NullJournal)
    }
}

/// Where a drop happened (for the funnel and the journal).
struct At<'a> {
    stage: Stage,
    eval: EvalType,
    time: TimestampMs,
    symbol: &'a str,
    seq: u64,
    plan_id: Option<&'a str>,
}

/// A bar, or a run of bars under one holding, on its way to the stages with state per bar.
#[derive(Clone, Copy)]
enum BarsIn<'a> {
    One(&'a Bar),
    Run(BarColumns<'a>),
}

impl BarsIn<'_> {
    #[inline(always)]
    fn feed(self, stage: &mut impl OnBars, symbol: &Symbol, holding: Holding) {
        match self {
            BarsIn::One(bar) => stage.on_bar(symbol, bar, holding),
            BarsIn::Run(bars) => stage.on_bars(symbol, bars, holding),
        }
    }
}

impl<J: Journal> Pipeline<J> {
    pub fn with_journal(cfg: &PipelineConfig, journal: J) -> Self {
        Pipeline {
            trader: Trader::new(cfg.trader.clone()),
            bridge: IntentBridge::new(&cfg.bridge),
            governor: Governor::new(cfg.governor.clone()),
            permit: PermitGate,
            executor: Executor::new(cfg.executor.clone(), cfg.trader.max_position_usd),
            ledger: Ledger::new(),
            funnel: Funnel::new(),
            journal,
            seq: 0,
            expect_events: false,
            orders: OrderLifecycle::default(),
            events: Vec::new(),
            positions: Vec::new(),
            protection: if cfg.executor.place_tp_sl {
                Protection {
                    tp_pct: cfg.trader.tp_pct,
                    sl_pct: cfg.trader.sl_pct,
                    working_type: cfg.executor.working_type,
                }
            } else {
                Protection::default()
            },
            resync_pending: 0,
        }
    }

    /// One closed bar of `symbol` and the signals it produced (usually none).
    #[inline]
    pub fn on_bar<V: Venue + ?Sized>(
        &mut self,
        symbol: &Symbol,
        bar: &Bar,
        signals: &[Signal],
        venue: &mut V,
    ) {
        if self.expect_events {
            self.sync_events(venue);
        }
        self.feed_bar_stages(symbol, BarsIn::One(bar));
        for s in signals {
            self.on_signal(s, symbol, bar, venue);
        }
    }

    /// Closed bars of `symbol`, in order, that brought no signal, while the venue has no event
    /// to report and gets none from them (a backtest's quiet bars: see `exchange_sim`'s
    /// `quiet_bars`): the same as [`Self::on_bar`] for each with no signals. With an event
    /// waiting at the venue this would apply it once, not at the first bar, so the caller
    /// must know there is none.
    pub fn on_quiet_bars<V: Venue + ?Sized>(
        &mut self,
        symbol: &Symbol,
        bars: BarColumns<'_>,
        venue: &mut V,
    ) {
        // Reading no events only settles whether to keep reading them: once is all of it.
        if self.expect_events {
            self.sync_events(venue);
        }
        self.feed_bar_stages(symbol, BarsIn::Run(bars));
    }

    /// Recorded/imported intents, fed to the bridge (no trader); call after `on_bar` for the
    /// same bar. Intents without a time get the bar's open time.
    pub fn on_recorded_intents<V: Venue + ?Sized>(
        &mut self,
        symbol: &Symbol,
        bar: &Bar,
        intents: &[IntentPayload],
        venue: &mut V,
    ) {
        for p in intents {
            self.funnel.recorded_intents += 1;
            if self.journal.enabled() {
                self.journal.record(&JournalRecord::RecordedIntent(p));
            }
            self.seq += 1;
            let out =
                self.bridge
                    .plan_recorded(p, self.seq, bar.open_time, Some((symbol, bar)), venue);
            self.after_bridge(out, venue);
        }
    }

    /// Reads the venue's positions and takes them where the ledger disagrees (counted as
    /// mismatches). Call once before the first bar of a live run. Returns the mismatches.
    pub fn reconcile<V: Venue + ?Sized>(&mut self, venue: &mut V) -> usize {
        if let Err(e) = venue.position_amounts_into(&mut self.positions) {
            warn!(error = %e, "cannot reconcile: the venue's positions could not be read");
            return 0;
        }
        self.funnel.ledger.reconciliations += 1;
        let found = self.ledger.reconcile(&self.positions, venue.now());
        for m in &found {
            self.funnel.mismatch(m.symbol.as_str());
            if self.journal.enabled() {
                self.journal.record(&JournalRecord::Mismatch(m));
            }
        }
        self.expect_events |= !self.ledger.is_flat();
        found.len()
    }

    /// Sorts the open orders an earlier session left at the venue and protects the positions
    /// the ledger took over (see `recovery`); call after [`Self::reconcile`], before the first
    /// bar. `Err`: the open orders could not be read, nothing was changed.
    pub fn recover_orders<V: Venue + ?Sized>(
        &mut self,
        venue: &mut V,
        policy: Unprotected,
    ) -> Result<Recovery, crate::venue::VenueError> {
        let out = RecoveryCtx {
            ledger: &self.ledger,
            orders: &mut self.orders,
            journal: &mut self.journal,
            protection: self.protection,
            seq: &mut self.seq,
        }
        .run(venue, policy)?;
        self.expect_events |= !self.orders.is_idle();
        Ok(out)
    }

    /// After an order whose outcome stayed unknown: the venue's positions are taken as the
    /// truth and protected at the next syncs (the order may have executed, or fill later).
    fn resync_after_unknown<V: Venue + ?Sized>(&mut self, venue: &mut V) {
        self.resync_pending -= 1;
        self.reconcile(venue);
        let unprotected = self
            .ledger
            .positions()
            .any(|(s, _)| !self.orders.protects(s));
        if !unprotected {
            return;
        }
        match self.recover_orders(venue, Unprotected::Protect) {
            Ok(r) => {
                if r.unprotected.is_empty() {
                    self.resync_pending = 0;
                }
                for f in &r.failed {
                    warn!(problem = %f, "after an unknown outcome");
                }
            }
            Err(e) => warn!(error = %e, "after an unknown outcome: open orders not readable"),
        }
    }

    pub fn funnel(&self) -> &Funnel {
        &self.funnel
    }
    pub fn ledger(&self) -> &Ledger {
        &self.ledger
    }
    pub fn governor(&self) -> &Governor {
        &self.governor
    }
    pub fn journal(&self) -> &J {
        &self.journal
    }
    pub fn journal_mut(&mut self) -> &mut J {
        &mut self.journal
    }
    /// The run's funnel, ledger and journal.
    pub fn into_parts(self) -> (Funnel, Ledger, J) {
        (self.funnel, self.ledger, self.journal)
    }

    /// Feeds the stages with state per bar: the one list of them, for a single bar and a run
    /// of quiet bars alike, so a stage added here cannot miss either.
    #[inline(always)]
    fn feed_bar_stages(&mut self, symbol: &Symbol, bars: BarsIn<'_>) {
        let holding = self.ledger.holding(symbol);
        bars.feed(&mut self.governor, symbol, holding);
    }

    fn on_signal<V: Venue + ?Sized>(
        &mut self,
        s: &Signal,
        bar_symbol: &Symbol,
        bar: &Bar,
        venue: &mut V,
    ) {
        self.funnel.signals += 1;
        if self.journal.enabled() {
            self.journal.record(&JournalRecord::Signal(s));
        }
        self.seq += 1;
        let (eval, out) = self.trader.on_signal(s, &self.ledger, self.seq);
        let sym = s.symbol.as_str();
        let intent = match out {
            Outcome::Pass(i) => i,
            Outcome::Drop(d) => {
                let at = At {
                    stage: Stage::Trader,
                    eval,
                    time: s.time,
                    symbol: sym,
                    seq: self.seq,
                    plan_id: None,
                };
                return self.record_drop(at, d);
            }
        };
        self.funnel.pass(Stage::Trader, eval, sym);
        if self.journal.enabled() {
            self.journal.record(&JournalRecord::Intent(&intent));
        }
        let out = self
            .bridge
            .plan_intent(&intent, Some((bar_symbol, bar)), venue);
        self.after_bridge(out, venue);
    }

    fn after_bridge<V: Venue + ?Sized>(&mut self, out: BridgeOutput, venue: &mut V) {
        let BridgeOutput {
            eval_type: eval,
            symbol,
            outcome,
            mut trace,
        } = out;
        let plan = match outcome {
            Outcome::Pass(p) => p,
            Outcome::Drop(d) => {
                let at = At {
                    stage: Stage::Bridge,
                    eval,
                    time: trace.time,
                    symbol: &symbol,
                    seq: trace.seq,
                    plan_id: None,
                };
                self.record_drop(at, d);
                return self.finish(trace);
            }
        };
        self.funnel
            .pass(Stage::Bridge, eval, plan.symbol().as_str());
        if self.journal.enabled() {
            self.journal.record(&JournalRecord::Plan(&plan));
        }
        let (sym, plan_id, time, seq) = (
            plan.symbol().clone(),
            plan.plan_id().clone(),
            plan.time(),
            plan.seq(),
        );
        let at = |stage| At {
            stage,
            eval,
            time,
            symbol: sym.as_str(),
            seq,
            plan_id: Some(plan_id.as_str()),
        };
        let governed = match self.governor.govern(plan) {
            Outcome::Pass(g) => g,
            Outcome::Drop(d) => return self.drop_traced(at(Stage::Governor), d, trace),
        };
        self.funnel.pass(Stage::Governor, eval, sym.as_str());
        if self.journal.enabled() {
            self.journal.record(&JournalRecord::Governed(&governed));
        }
        let read = venue.position_amounts_into(&mut self.positions);
        let snapshot = read.as_ref().map(|()| self.positions.as_slice());
        let in_flight = self.orders.in_flight(&sym, venue.now());
        let permit = self
            .permit
            .check(governed, snapshot, self.ledger.amt(&sym), in_flight);
        if let Ok(list) = snapshot {
            let venue_pos = list.iter().find(|p| p.symbol == sym);
            if let Some(m) = self.ledger.reconcile_symbol(&sym, venue_pos, venue.now()) {
                self.funnel.mismatch(sym.as_str());
                if self.journal.enabled() {
                    self.journal.record(&JournalRecord::Mismatch(&m));
                }
            }
        }
        let permitted = match permit.outcome {
            Outcome::Pass(p) => p,
            Outcome::Drop(d) => return self.drop_traced(at(Stage::Permit), d, trace),
        };
        self.funnel.pass(Stage::Permit, eval, sym.as_str());
        trace.clipped |= permitted.permit().clipped();
        trace.final_qty = Some(permitted.permit().qty().get());
        if self.journal.enabled() {
            self.journal.record(&JournalRecord::Permit(&permitted));
        }
        let exec = self.executor.execute(&permitted, venue, &mut self.journal);
        trace.notional = exec.notional.map(|n| n.get());
        trace.min_notional = exec.min_notional;
        trace.final_qty = exec.final_qty.map(|q| q.get()).or(trace.final_qty);
        trace.upsized = exec.upsized;
        if exec.sent {
            self.expect_events = true;
            self.funnel.venue.orders_sent.bump(eval);
        }
        // Read in place: the result is only looked at (moving it out is a 300-byte copy).
        let result = match exec.outcome {
            Outcome::Pass(ref r) => r,
            Outcome::Drop(d) => {
                let unknown = d.reason() == Reason::VenueOutcomeUnknown;
                // An unknown outcome is not a refusal: the order may have executed.
                if exec.sent && !unknown {
                    self.funnel.venue.orders_refused.bump(eval);
                }
                self.drop_traced(at(Stage::Executor), d, trace);
                if unknown {
                    self.reconcile(venue);
                    self.resync_pending = RESYNC_SYNCS;
                    self.expect_events = true;
                }
                return;
            }
        };
        self.funnel.pass(Stage::Executor, eval, sym.as_str());
        let v = &mut self.funnel.venue;
        v.orders_accepted.bump(eval);
        v.upsized += u64::from(result.upsized());
        let protect_on_fill = self.executor.protects_on_fill(&permitted);
        let now = venue.now();
        self.orders
            .accepted(permitted, result, protect_on_fill, now, v);
        self.ledger.apply_result(result);
        if self.journal.enabled() {
            self.journal.record(&JournalRecord::Result(result));
        }
        self.finish(trace);
        self.orders
            .cancel_orphans(&self.ledger, venue, &mut self.funnel.venue);
    }

    fn record_drop(&mut self, at: At<'_>, d: Dropped) {
        debug!(stage = %at.stage, eval = %at.eval, symbol = at.symbol, reason = %d.reason(), detail = d.detail(), "dropped");
        self.funnel.drop(at.stage, at.eval, at.symbol, &d);
        if self.journal.enabled() {
            let rec = DropRecord::new(at.stage, at.eval, at.time, at.symbol, at.seq, at.plan_id, d);
            self.journal.record(&JournalRecord::Drop(&rec));
        }
    }

    fn drop_traced(&mut self, at: At<'_>, d: Dropped, mut trace: SizingTrace) {
        trace.dropped = Some(TraceDrop {
            stage: at.stage,
            reason: d.reason(),
        });
        self.record_drop(at, d);
        self.finish(trace);
    }

    fn finish(&mut self, trace: SizingTrace) {
        if self.journal.enabled() {
            self.journal.record(&JournalRecord::Sizing(&trace));
        }
        self.funnel.push_sizing(trace);
    }

    /// Reads the venue's new events into the kept buffer and applies them.
    fn sync_events<V: Venue + ?Sized>(&mut self, venue: &mut V) {
        if self.resync_pending > 0 {
            self.resync_after_unknown(venue);
        }
        let mut events = std::mem::take(&mut self.events);
        if let Err(e) = venue.drain_events_into(&mut events) {
            warn!(error = %e, "the venue's events could not be read");
            events.clear();
        } else if events.is_empty() {
            // A TP/SL cancel that got no answer is tried again (nothing to do otherwise).
            self.orders
                .cancel_orphans(&self.ledger, venue, &mut self.funnel.venue);
            self.expect_events =
                !self.ledger.is_flat() || !self.orders.is_idle() || self.resync_pending > 0;
        } else {
            self.apply_venue_events(&events, venue);
            events.clear();
        }
        self.events = events;
    }

    /// Applies the venue's fills to the ledger and hands the events to the order lifecycle.
    /// Kept out of line: most bars have no events, and the check for them runs inside the
    /// bar's loop.
    #[inline(never)]
    fn apply_venue_events<V: Venue + ?Sized>(&mut self, events: &[VenueEvent], venue: &mut V) {
        let changed = self.ledger.apply_events(events);
        self.funnel.venue.fill_events += changed as u64;
        self.orders.on_events(
            events,
            &self.executor,
            venue,
            &mut self.journal,
            &mut self.funnel.venue,
        );
        if changed > 0 {
            self.reconcile(venue);
        }
        self.orders
            .cancel_orphans(&self.ledger, venue, &mut self.funnel.venue);
    }
}
