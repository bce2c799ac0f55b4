//! Stage 1's message, `Signal`, and the `SignalSource` trait strategies implement.
//!
//! A signal source is pure: a closed bar in, signals out; it never reads a clock and does no
//! I/O, so a backtest and a live run that see the same bars emit the same signals.

use serde::{Deserialize, Serialize};

use crate::domain::{Bar, BarColumns, SharedText, Symbol, TimestampMs};

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

/// Signals, each with the index of the bar it came at, in order: what
/// [`SignalSource::on_bars`] fills.
#[derive(Debug, Clone, Default)]
pub struct SignalBatch {
    /// The bar index of each signal.
    pub bars: Vec<usize>,
    pub signals: Vec<Signal>,
}

impl SignalBatch {
    #[inline]
    pub fn push(&mut self, bar: usize, signal: Signal) {
        self.bars.push(bar);
        self.signals.push(signal);
    }

    pub fn clear(&mut self) {
        self.bars.clear();
        self.signals.clear();
    }

    pub fn len(&self) -> usize {
        self.signals.len()
    }

    pub fn is_empty(&self) -> bool {
        self.signals.is_empty()
    }
}

/// Anything that turns closed bars into signals: a strategy, or a replay of recorded signals.
pub trait SignalSource {
    /// Called once per closed bar of `symbol`, in time order; pushes zero or more signals.
    fn on_bar(&mut self, symbol: &Symbol, bar: &Bar, out: &mut Vec<Signal>);

    /// Bars `from..to` of `bars` (clamped to its length), in order: exactly [`Self::on_bar`]
    /// for each, with every signal tagged with its bar's index. A source may override it
    /// with a tight loop over the columns it reads; the result must stay the same.
    fn on_bars(
        &mut self,
        symbol: &Symbol,
        bars: &BarColumns<'_>,
        from: usize,
        to: usize,
        out: &mut SignalBatch,
    ) {
        let mut one = Vec::new();
        for k in from..to.min(bars.len()) {
            self.on_bar(symbol, &bars.bar(k), &mut one);
            for s in one.drain(..) {
                out.push(k, s);
            }
        }
    }

    /// A short name for reports (`sma_cross(10,30)`).
    fn name(&self) -> String;
}
