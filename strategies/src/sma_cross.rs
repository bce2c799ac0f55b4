//! `sma_cross`: BUY when the fast SMA of closes crosses above the slow one, SELL when it crosses
//! below. One instance per symbol.

use pipeline::signal::{Action, Signal, SignalBatch, SignalSource};
use pipeline::{Bar, BarColumns, Symbol, TimestampMs};

use crate::indicators::Sma;
use crate::stamp::SignalStamp;

#[derive(Debug, Clone)]
pub struct SmaCross {
    fast: Sma,
    slow: Sma,
    /// Sign of (fast - slow) at the previous bar: +1, -1, or 0 before both are ready.
    last_side: i8,
    stamp: SignalStamp,
}

impl SmaCross {
    pub fn new(fast: usize, slow: usize, confidence: f64, interval_ms: i64) -> Self {
        SmaCross {
            fast: Sma::new(fast),
            slow: Sma::new(slow),
            last_side: 0,
            stamp: SignalStamp::new(format!("sma_cross({fast},{slow})"), confidence, interval_ms),
        }
    }
}

impl SmaCross {
    /// The side the averages `f` (fast) and `s` (slow) are on; equal: the last side kept.
    #[inline(always)]
    fn side_of(&self, f: f64, s: f64) -> i8 {
        if f > s {
            1
        } else if f < s {
            -1
        } else {
            self.last_side
        }
    }

    /// One close: the side of a cross to signal, if this close makes one.
    #[inline(always)]
    fn step(&mut self, close: f64) -> Option<i8> {
        let fast = self.fast.update(close);
        let slow = self.slow.update(close);
        let (Some(f), Some(s)) = (fast, slow) else {
            return None;
        };
        let side = self.side_of(f, s);
        let cross = side != self.last_side && self.last_side != 0;
        self.last_side = side;
        cross.then_some(side)
    }

    /// The signal of a cross at the bar opened at `open_time`: out of line, so the every-bar
    /// path stays small.
    #[cold]
    #[inline(never)]
    fn signal(&self, symbol: &Symbol, open_time: TimestampMs, side: i8) -> Signal {
        let action = if side > 0 { Action::Buy } else { Action::Sell };
        self.stamp.signal(symbol, open_time, action)
    }
}

impl SignalSource for SmaCross {
    #[inline]
    fn on_bar(&mut self, symbol: &Symbol, bar: &Bar, out: &mut Vec<Signal>) {
        if let Some(side) = self.step(bar.close) {
            out.push(self.signal(symbol, bar.open_time, side));
        }
    }

    /// A loop over the closes alone, with no call per bar.
    fn on_bars(
        &mut self,
        symbol: &Symbol,
        bars: &BarColumns<'_>,
        from: usize,
        to: usize,
        out: &mut SignalBatch,
    ) {
        let to = to.min(bars.len());
        let closes = bars.closes.get(from..to).unwrap_or_default();
        let mut k = from;
        for &close in closes {
            if self.fast.is_full() && self.slow.is_full() && self.last_side != 0 {
                break;
            }
            if let Some(side) = self.step(close) {
                out.push(
                    k,
                    self.signal(symbol, TimestampMs(bars.open_times[k]), side),
                );
            }
            k += 1;
        }
        // Both averages defined and a side known (it stays known): the same steps without
        // the warm-up tests.
        for &close in &closes[k - from..] {
            let (f, s) = (self.fast.update_full(close), self.slow.update_full(close));
            let side = self.side_of(f, s);
            if side != self.last_side {
                out.push(
                    k,
                    self.signal(symbol, TimestampMs(bars.open_times[k]), side),
                );
                self.last_side = side;
            }
            k += 1;
        }
    }

    fn name(&self) -> String {
        self.stamp.name()
    }
}
