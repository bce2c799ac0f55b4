//! `ema_cross`: BUY when the fast EMA of closes crosses above the slow one, SELL when it crosses
//! below: `sma_cross` with exponential averages, which follow recent closes more closely. One
//! instance per symbol.

use pipeline::signal::{Action, Signal, SignalSource};
use pipeline::{Bar, Symbol};

use crate::indicators::Ema;
use crate::stamp::SignalStamp;

#[derive(Debug, Clone)]
pub struct EmaCross {
    fast: Ema,
    slow: Ema,
    /// The side the fast average was on at the last bar where they differed (`None` before
    /// both are defined), so a cross is a change of side.
    last: Option<Action>,
    stamp: SignalStamp,
}

impl EmaCross {
    pub fn new(fast: usize, slow: usize, confidence: f64, interval_ms: i64) -> Self {
        EmaCross {
            fast: Ema::new(fast),
            slow: Ema::new(slow),
            last: None,
            stamp: SignalStamp::new(format!("ema_cross({fast},{slow})"), confidence, interval_ms),
        }
    }
}

impl SignalSource for EmaCross {
    fn on_bar(&mut self, symbol: &Symbol, bar: &Bar, out: &mut Vec<Signal>) {
        let (Some(f), Some(s)) = (self.fast.update(bar.close), self.slow.update(bar.close)) else {
            return;
        };
        let side = if f > s {
            Action::Buy
        } else if f < s {
            Action::Sell
        } else {
            return; // equal averages keep the last side
        };
        if self.last.replace(side).is_some_and(|last| last != side) {
            out.push(self.stamp.signal(symbol, bar.open_time, side));
        }
    }

    fn name(&self) -> String {
        self.stamp.name()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pipeline::TimestampMs;

    fn bar(k: i64, close: f64) -> Bar {
        Bar {
            open_time: TimestampMs(k * 60_000),
            open: close,
            high: close,
            low: close,
            close,
            volume: 1.0,
        }
    }

    #[test]
    fn signals_each_cross_once_at_the_bar_close() {
        let sym = Symbol::new("BTCUSDT").expect("symbol");
        let mut s = EmaCross::new(2, 4, 0.8, 60_000);
        let closes = [10.0, 10.0, 10.0, 10.0, 12.0, 13.0, 14.0, 9.0, 8.0, 7.0, 7.0];
        let mut out = Vec::new();
        for (k, c) in closes.iter().enumerate() {
            s.on_bar(&sym, &bar(k as i64, *c), &mut out);
        }
        // Flat at first (equal averages: no side), up from bar 4 (the first side: no cross),
        // down at bar 7: one SELL, stamped at that bar's close.
        assert_eq!(out.len(), 1, "{out:?}");
        assert_eq!(out[0].action, Action::Sell);
        assert_eq!(out[0].time, TimestampMs(8 * 60_000));
        assert_eq!(out[0].source, "ema_cross(2,4)");
        assert_eq!(out[0].confidence, 0.8);
    }
}
