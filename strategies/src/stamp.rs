//! [`SignalStamp`]: what every signal of one strategy instance carries besides its action, and
//! the one place a built-in strategy turns an action into a [`Signal`].
//!
//! A signal is known when its bar closes, so it is stamped with the bar's close time (open
//! time plus one interval), the instance's name (e.g. `sma_cross(10,30)`, made once and shared
//! by every signal) and its configured confidence.

use pipeline::signal::{Action, Signal};
use pipeline::{SharedText, Symbol, TimestampMs};

#[derive(Debug, Clone)]
pub struct SignalStamp {
    name: SharedText,
    confidence: f64,
    interval_ms: i64,
}

impl SignalStamp {
    pub fn new(name: String, confidence: f64, interval_ms: i64) -> Self {
        SignalStamp {
            name: name.into(),
            confidence,
            interval_ms,
        }
    }

    /// `action` on `symbol`, decided at the close of the bar opened at `open_time`.
    pub fn signal(&self, symbol: &Symbol, open_time: TimestampMs, action: Action) -> Signal {
        Signal {
            time: open_time.plus_ms(self.interval_ms),
            symbol: symbol.clone(),
            action,
            confidence: self.confidence,
            source: self.name.clone(),
        }
    }

    /// The instance's name, as its signals carry it.
    pub fn name(&self) -> String {
        self.name.to_string()
    }
}
