//! `sma_cross`: BUY when the fast SMA of closes crosses above the slow one, SELL when it crosses
//! below. One instance per symbol.

use pipeline::signal::{Action, Signal, SignalSource};
use pipeline::{Bar, SharedText, Symbol};

use crate::indicators::Sma;

#[derive(Debug, Clone)]
pub struct SmaCross {
    fast: Sma,
    slow: Sma,
    /// Sign of (fast - slow) at the previous bar: +1, -1, or 0 before both are ready.
    last_side: i8,
    confidence: f64,
    interval_ms: i64,
    /// `sma_cross(fast,slow)`, made once: every signal carries it.
    name: SharedText,
}

impl SmaCross {
    pub fn new(fast: usize, slow: usize, confidence: f64, interval_ms: i64) -> Self {
        SmaCross {
            fast: Sma::new(fast),
            slow: Sma::new(slow),
            last_side: 0,
            confidence,
            interval_ms,
            name: format!("sma_cross({fast},{slow})").into(),
        }
    }
}

impl SmaCross {
    /// A cross: out of line, so the every-bar path above stays small.
    #[cold]
    #[inline(never)]
    fn signal(&self, symbol: &Symbol, bar: &Bar, side: i8, out: &mut Vec<Signal>) {
        out.push(Signal {
            time: bar.open_time.plus_ms(self.interval_ms),
            symbol: symbol.clone(),
            action: if side > 0 { Action::Buy } else { Action::Sell },
            confidence: self.confidence,
            source: self.name.clone(),
        });
    }
}

impl SignalSource for SmaCross {
    #[inline]
    fn on_bar(&mut self, symbol: &Symbol, bar: &Bar, out: &mut Vec<Signal>) {
        let fast = self.fast.update(bar.close);
        let slow = self.slow.update(bar.close);
        let (Some(f), Some(s)) = (fast, slow) else {
            return;
        };
        let side = if f > s {
            1
        } else if f < s {
            -1
        } else {
            self.last_side
        };
        if side != self.last_side && self.last_side != 0 {
            self.signal(symbol, bar, side, out);
        }
        self.last_side = side;
    }

    fn name(&self) -> String {
        self.name.to_string()
    }
}
