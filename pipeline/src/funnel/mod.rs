//! The funnel: for every stage, what came in, what went out and, for each drop, its reason,
//! split by ENTRY/EXIT and by symbol; plus order, fill and ledger counts and a sizing trace
//! per intent (F6, F7, F8).
//!
//! Invariant: per stage and evaluation type, `input == output + sum(dropped)`; recording a drop
//! increments exactly one reason ([`Funnel::is_balanced`] checks it). Ordered tables only
//! (ordered maps, and [`stage_map`]'s slot per stage and sorted symbols), so the JSON is
//! byte-identical for the same run. The funnel is stored in the run folder and read back
//! by `sim explain` (hence `Deserialize`).
//! - [`render`]: the plain-text tables the CLI prints.
//! - [`explain`](explain()): plain sentences, worst blockage first, with the fix.
//! - [`sizing`]: the per-intent [`SizingTrace`].
//! - [`stage_map`]: the per-stage and per-symbol count tables.
//!
//! Must never live here: decisions (stages decide, the funnel counts), I/O.

pub mod explain;
pub mod render;
pub mod sizing;
pub mod stage_map;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

pub use explain::explain;
pub use sizing::{SizingTrace, TraceDrop};
pub use stage_map::{StageMap, SymbolStages};

use crate::reason::{Dropped, Reason};
use crate::stages::{EvalType, Stage};

/// One stage's counts for one evaluation type.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    pub input: u64,
    pub output: u64,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub dropped: BTreeMap<Reason, u64>,
    /// The first drop's detail per reason ("BTCUSDT, 70.61 < 100"); stage totals only.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub examples: BTreeMap<Reason, String>,
}

static EMPTY: Counts = Counts {
    input: 0,
    output: 0,
    dropped: BTreeMap::new(),
    examples: BTreeMap::new(),
};

impl Counts {
    pub fn dropped_total(&self) -> u64 {
        self.dropped.values().sum()
    }

    pub fn is_balanced(&self) -> bool {
        self.input == self.output + self.dropped_total()
    }
}

/// A value per evaluation type.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PerEval<T> {
    pub entry: T,
    pub exit: T,
}

impl<T> PerEval<T> {
    pub fn get(&self, e: EvalType) -> &T {
        match e {
            EvalType::Entry => &self.entry,
            EvalType::Exit => &self.exit,
        }
    }

    pub fn get_mut(&mut self, e: EvalType) -> &mut T {
        match e {
            EvalType::Entry => &mut self.entry,
            EvalType::Exit => &mut self.exit,
        }
    }
}

impl PerEval<u64> {
    pub fn bump(&mut self, e: EvalType) {
        *self.get_mut(e) += 1;
    }
    pub fn total(&self) -> u64 {
        self.entry + self.exit
    }
}

/// What happened at the venue.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct VenueCounts {
    /// Orders that reached `place_order`.
    pub orders_sent: PerEval<u64>,
    pub orders_accepted: PerEval<u64>,
    /// Refused by the venue (venue_rejected, venue_unavailable, venue_outcome_unknown).
    pub orders_refused: PerEval<u64>,
    /// Accepted orders that filled, in the answer or by a later fill event.
    pub orders_filled: PerEval<u64>,
    pub upsized: u64,
    pub protective_placed: u64,
    pub protective_failed: u64,
    pub protective_cancelled: u64,
    /// Venue fill/liquidation events that changed the ledger.
    pub fill_events: u64,
}

impl VenueCounts {
    /// `sent 3, accepted 3, refused 0, filled 2` for one evaluation type.
    pub fn orders_line(&self, eval: EvalType) -> String {
        format!(
            "sent {}, accepted {}, refused {}, filled {}",
            self.orders_sent.get(eval),
            self.orders_accepted.get(eval),
            self.orders_refused.get(eval),
            self.orders_filled.get(eval)
        )
    }
}

/// Ledger/venue agreement (F7).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LedgerCounts {
    pub mismatches: u64,
    pub mismatches_by_symbol: BTreeMap<String, u64>,
    pub reconciliations: u64,
}

/// A run's funnel.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Funnel {
    pub signals: u64,
    pub recorded_intents: u64,
    pub stages: StageMap,
    pub by_symbol: SymbolStages,
    pub venue: VenueCounts,
    pub ledger: LedgerCounts,
    /// A sample of the sizing traces: the first [`SIZING_KEPT`] and the first
    /// [`SIZING_KEPT_DROPPED`] dropped ones (every trace is in the journal, `orders.jsonl`).
    pub sizing: Vec<SizingTrace>,
    /// How many traces there were in all.
    #[serde(default)]
    pub sizing_total: u64,
}

/// How many sizing traces a funnel keeps whatever their fate.
pub const SIZING_KEPT: usize = 100;
/// How many more it keeps of dropped intents (they explain a blockage).
pub const SIZING_KEPT_DROPPED: usize = 100;

impl Default for Funnel {
    fn default() -> Self {
        Funnel {
            signals: 0,
            recorded_intents: 0,
            stages: StageMap::all_stages(),
            by_symbol: SymbolStages::default(),
            venue: VenueCounts::default(),
            ledger: LedgerCounts::default(),
            sizing: Vec::new(),
            sizing_total: 0,
        }
    }
}

impl Funnel {
    pub fn new() -> Self {
        Self::default()
    }

    /// Counts a sizing trace and keeps it in the sample (see [`Funnel::sizing`]).
    pub fn push_sizing(&mut self, trace: SizingTrace) {
        self.sizing_total += 1;
        let kept = self.sizing.len();
        let dropped = trace.dropped.is_some();
        let kept_dropped = || self.sizing.iter().filter(|t| t.dropped.is_some()).count();
        if kept < SIZING_KEPT || (dropped && kept_dropped() < SIZING_KEPT_DROPPED) {
            self.sizing.push(trace);
        }
    }

    /// A stage's counts for one evaluation type.
    pub fn counts(&self, stage: Stage, eval: EvalType) -> &Counts {
        self.stages.get(&stage).map_or(&EMPTY, |p| p.get(eval))
    }

    /// Orders the venue accepted for `eval` (the executor's output).
    pub fn orders(&self, eval: EvalType) -> u64 {
        self.counts(Stage::Executor, eval).output
    }

    /// Applies `f` to the counts of `stage`/`eval`, overall and for `symbol`.
    fn count(
        &mut self,
        stage: Stage,
        eval: EvalType,
        symbol: &str,
        mut f: impl FnMut(&mut Counts),
    ) {
        f(self.stages.entry(stage).get_mut(eval));
        f(self.by_symbol.entry(symbol).entry(stage).get_mut(eval));
    }

    /// Something passed `stage`.
    pub fn pass(&mut self, stage: Stage, eval: EvalType, symbol: &str) {
        self.count(stage, eval, symbol, |c| {
            c.input += 1;
            c.output += 1;
        });
    }

    /// Something was dropped at `stage`: one input, one reason.
    pub fn drop(&mut self, stage: Stage, eval: EvalType, symbol: &str, d: &Dropped) {
        self.count(stage, eval, symbol, |c| {
            c.input += 1;
            *c.dropped.entry(d.reason()).or_default() += 1;
        });
        // The example is kept for the stage overall only.
        self.stages
            .entry(stage)
            .get_mut(eval)
            .examples
            .entry(d.reason())
            .or_insert_with(|| d.detail().to_string());
    }

    /// A ledger/venue disagreement for `symbol`.
    pub fn mismatch(&mut self, symbol: &str) {
        self.ledger.mismatches += 1;
        *self
            .ledger
            .mismatches_by_symbol
            .entry(symbol.to_string())
            .or_default() += 1;
    }

    /// Every drop counted, over all stages and types.
    pub fn total_drops(&self) -> u64 {
        self.stages
            .values()
            .map(|p| p.entry.dropped_total() + p.exit.dropped_total())
            .sum()
    }

    /// `input == output + drops` everywhere (totals and per symbol).
    pub fn is_balanced(&self) -> bool {
        let ok = |m: &StageMap| {
            m.values()
                .all(|p| p.entry.is_balanced() && p.exit.is_balanced())
        };
        ok(&self.stages) && self.by_symbol.values().all(ok)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sizing_sample_keeps_the_first_traces_and_more_of_the_dropped_ones() {
        let mut f = Funnel::new();
        let trace = |seq: u64, dropped: bool| {
            let mut t = SizingTrace::new(seq, crate::TimestampMs(0), "BTCUSDT", EvalType::Entry);
            t.dropped = dropped.then_some(TraceDrop {
                stage: Stage::Executor,
                reason: Reason::NotionalBelowMin,
            });
            t
        };
        for seq in 0..1_000 {
            f.push_sizing(trace(seq, seq % 2 == 1));
        }
        assert_eq!(f.sizing_total, 1_000);
        let dropped = f.sizing.iter().filter(|t| t.dropped.is_some()).count();
        assert_eq!(
            f.sizing.len(),
            SIZING_KEPT + (SIZING_KEPT_DROPPED - SIZING_KEPT / 2)
        );
        assert_eq!(dropped, SIZING_KEPT_DROPPED);
        assert_eq!(f.sizing[0].seq, 0, "the first traces are kept in order");
        let table = f.render_sizing(10);
        assert!(table.contains("... 990 more"), "{table}");
    }

    #[test]
    fn every_record_keeps_the_funnel_balanced_and_serializes_deterministically() {
        let mut f = Funnel::new();
        f.pass(Stage::Trader, EvalType::Entry, "BTCUSDT");
        f.drop(
            Stage::Trader,
            EvalType::Entry,
            "ETHUSDT",
            &Dropped::new(Reason::BelowMinConfidence, "ETHUSDT, 0.5 < 0.65"),
        );
        f.drop(
            Stage::Governor,
            EvalType::Exit,
            "BTCUSDT",
            &Dropped::new(Reason::KillScoreWarningRiskIncrease, "x"),
        );
        assert!(f.is_balanced());
        assert_eq!(f.total_drops(), 2);
        let c = f.counts(Stage::Trader, EvalType::Entry);
        assert_eq!(
            (
                c.input,
                c.output,
                c.dropped.get(&Reason::BelowMinConfidence)
            ),
            (2, 1, Some(&1))
        );
        assert_eq!(
            c.examples
                .get(&Reason::BelowMinConfidence)
                .map(String::as_str),
            Some("ETHUSDT, 0.5 < 0.65")
        );
        let json = serde_json::to_string(&f).expect("ser");
        let back: Funnel = serde_json::from_str(&json).expect("de");
        assert_eq!(back, f);
        assert_eq!(serde_json::to_string(&back).expect("ser"), json);
        assert!(json.contains(r#""governor":{"entry":{"input":0,"output":0},"exit":{"input":1,"output":0,"dropped":{"kill_score_warning_risk_increase":1}"#), "{json}");
    }
}
