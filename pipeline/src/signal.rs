//! Stage 1's message, `Signal`, and the `SignalSource` trait strategies implement.
//!
//! A signal source is pure: a closed bar in, signals out; it never reads a clock and does no
//! I/O, so a backtest and a live run that see the same bars emit the same signals.

use serde::{Deserialize, Serialize};

use crate::domain::{Bar, SharedText, Symbol, TimestampMs};

/// What a signal asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Action {
    Buy,
    Sell,
    Close,
}

/// `quantum:stream:ai.signal_generated`: one opinion about one symbol at one time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Signal {
    pub time: TimestampMs,
    pub symbol: Symbol,
    pub action: Action,
    /// 0..=1.
    pub confidence: f64,
    /// Which engine or strategy said it.
    pub source: SharedText,
}

/// Anything that turns closed bars into signals: a strategy, or a replay of recorded signals.
pub trait SignalSource {
    /// Called once per closed bar of `symbol`, in time order; pushes zero or more signals.
    fn on_bar(&mut self, symbol: &Symbol, bar: &Bar, out: &mut Vec<Signal>);
    /// A short name for reports (`sma_cross(10,30)`).
    fn name(&self) -> String;
}
