//! The pipeline stages of PIPELINE.md, in order, and the [`Pipeline`] that wires them.
//!
//! Map (stream names are the original system's, kept as the topology's defaults):
//! - stage 1, signal source: [`crate::signal::SignalSource`] (`quantum:stream:ai.signal_generated`).
//! - [`trader`]: stage 2, `Signal` -> [`TradeIntent`] (`quantum:stream:trade.intent`).
//! - [`payload`]: [`IntentPayload`], a recorded/imported intent as JSON, in either sizing form.
//! - [`bridge`]: stage 3, `TradeIntent` or `IntentPayload` -> [`ApplyPlan`] (`quantum:stream:apply.plan`).
//! - [`governor`]: stage 4, `ApplyPlan` -> [`GovernedPlan`] (kill_score, ENTRY/EXIT thresholds).
//! - [`permit`]: stage 5 ("P3.3"), `GovernedPlan` + the venue's positions -> [`PermittedPlan`].
//! - [`executor`]: stage 6, `PermittedPlan` -> orders -> [`ExecResult`] (`quantum:stream:apply.result`).
//! - [`plan_header`]: [`PlanHeader`], the fields every plan message starts with, and
//!   [`PlanMessage`], their getters on plans and results.
//! - [`ledger`]: stage 7, positions as the pipeline believes them, reconciled to the venue;
//!   [`holding`]: the direction of one symbol's position as the ledger reports it.
//! - `order_lifecycle`: accepted orders followed at the venue (fills awaited, TP/SL legs placed
//!   on a late fill, orphan TP/SL cancelled once the position is flat).
//! - [`recovery`]: the orders an earlier session left at the venue, sorted at start (own ones
//!   protecting nothing cancelled, protective ones followed) and a taken-over position protected.
//! - [`journal`]: the [`Journal`] sink every intent, plan, permit, order and venue answer goes to.
//! - [`config`]: the stages' serde configs ([`PipelineConfig`]).
//! - [`on_bars`]: [`OnBars`], how a stage with state per bar is fed single bars and runs of
//!   quiet bars alike.
//! - [`pipeline`]: [`Pipeline`], the one thing a backtest loop and a live loop call per bar.
//!
//! Architecture invariant: each stage's output type has private fields and is built only in the
//! module of the stage that emits it (its constructor, if any, is private to that module), so
//! stage N+1 can only receive what stage N produced; a contract mismatch (F1) is a compile
//! error. Each output's doc carries `compile_fail` examples that prove it. A stage has one
//! method per input, which takes the previous stage's output by value and answers an
//! [`Outcome`]. Drops are [`Outcome::Drop`] values with exactly one
//! [`Reason`], never `Err`. No `f64` on the order path (governor
//! indicators and signal confidence excepted).
//! Must never live here: I/O, a wall clock, or anything that knows whether the venue is simulated.

pub mod bridge;
pub mod config;
pub mod executor;
pub mod governor;
pub mod holding;
pub mod journal;
pub mod ledger;
pub mod on_bars;
mod order_lifecycle;
pub mod payload;
pub mod permit;
pub mod pipeline;
pub mod plan_header;
pub mod recovery;
pub mod trader;

mod round;

#[cfg(test)]
mod journal_pin_tests;
#[cfg(test)]
mod pipeline_tests;
#[cfg(test)]
pub(crate) mod test_venue;

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::reason::{Dropped, Reason};

pub use bridge::{ApplyPlan, BridgeOutput, IntentBridge, PlanQty};
pub use config::{
    AdaptiveConfig, BridgeConfig, ConfigError, ExecutorConfig, GovernorConfig, IndicatorConfig,
    KillWeights, PipelineConfig, TraderConfig,
};
pub use executor::{ExecOutput, ExecResult, Executor, ProtectiveOrder};
pub use governor::{GovernedPlan, Governor, KillComponents, KillScore};
pub use holding::Holding;
pub use journal::{DropRecord, Journal, JournalRecord, NullJournal, VecJournal};
pub use ledger::{Ledger, LedgerPosition, Mismatch};
pub use on_bars::OnBars;
pub use order_lifecycle::{IN_FLIGHT_HOLD_MS, InFlight};
pub use payload::{IntentPayload, Sizing};
pub use permit::{PermitGate, PermitInfo, PermitOutput, PermittedPlan};
pub use pipeline::Pipeline;
pub use plan_header::{PlanHeader, PlanMessage};
pub use trader::{TradeIntent, Trader};

/// Whether a plan opens/adds to a position or reduces/closes one (F6: the funnel splits on it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum EvalType {
    Entry,
    Exit,
}

impl EvalType {
    pub const BOTH: [EvalType; 2] = [EvalType::Entry, EvalType::Exit];

    pub fn as_str(self) -> &'static str {
        match self {
            EvalType::Entry => "ENTRY",
            EvalType::Exit => "EXIT",
        }
    }
}

impl fmt::Display for EvalType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The stages that can drop something, in pipeline order (the order of the funnel's rows).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    Trader,
    Bridge,
    Governor,
    Permit,
    Executor,
}

impl Stage {
    pub const ALL: [Stage; 5] = [
        Stage::Trader,
        Stage::Bridge,
        Stage::Governor,
        Stage::Permit,
        Stage::Executor,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Trader => "trader",
            Stage::Bridge => "bridge",
            Stage::Governor => "governor",
            Stage::Permit => "permit",
            Stage::Executor => "executor",
        }
    }

    /// What the stage receives, in the plural ("signals", "intents", "plans").
    pub fn input_noun(self) -> &'static str {
        match self {
            Stage::Trader => "signals",
            Stage::Bridge => "intents",
            Stage::Governor | Stage::Permit | Stage::Executor => "plans",
        }
    }
}

impl fmt::Display for Stage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A stage's answer: the next stage's input, or a drop with exactly one reason.
#[must_use]
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome<T> {
    Pass(T),
    Drop(Dropped),
}

impl<T> Outcome<T> {
    /// A drop with a plain detail line.
    pub fn drop(reason: Reason, detail: impl Into<String>) -> Self {
        Outcome::Drop(Dropped::new(reason, detail))
    }

    pub fn is_pass(&self) -> bool {
        matches!(self, Outcome::Pass(_))
    }

    pub fn passed(&self) -> Option<&T> {
        match self {
            Outcome::Pass(t) => Some(t),
            Outcome::Drop(_) => None,
        }
    }

    pub fn dropped(&self) -> Option<&Dropped> {
        match self {
            Outcome::Pass(_) => None,
            Outcome::Drop(d) => Some(d),
        }
    }

    /// The drop's reason, if it is one.
    pub fn reason(&self) -> Option<Reason> {
        self.dropped().map(Dropped::reason)
    }
}
