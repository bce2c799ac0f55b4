//! [`SignalTape`]: the signals a lane's strategy gives, recorded a block of bars ahead of the
//! stages with the bar each came at, then read back bar by bar.
//!
//! A strategy is pure (bars in, signals out: no clock, no I/O, nothing from the stages), so
//! running it ahead of the stages gives the same signals at the same bars, and lets the run
//! loop see how far the next signal is. Signals of warm-up bars (before the lane's
//! `trade_from`) are not kept, as the bar-by-bar loop drops them.
//! Must never live here: anything that reads the exchange or the stages.

use pipeline::signal::{Signal, SignalBatch};

use super::run_loop::Lane;

/// Bars the strategy runs ahead of the stages at a time: its signals for them are kept until
/// read, so the tape's memory stays small whatever the length of the run.
const BLOCK: usize = 4096;

#[derive(Debug, Default)]
pub(super) struct SignalTape {
    /// The recorded signals and their bars, in order.
    batch: SignalBatch,
    /// The first signal not yet read.
    at: usize,
    /// The strategy has seen the bars before this index.
    recorded_to: usize,
}

impl SignalTape {
    /// A tape for the lane from its next bar on.
    pub fn new(lane: &Lane<'_>) -> SignalTape {
        SignalTape {
            recorded_to: lane.next,
            ..SignalTape::default()
        }
    }

    /// The bar index of the next unread signal (`usize::MAX`: none left). Runs the strategy
    /// over the lane's next block of bars when every recorded signal was read.
    #[inline]
    pub fn next_bar(&mut self, lane: &mut Lane<'_>) -> usize {
        loop {
            if let Some(&k) = self.batch.bars.get(self.at) {
                return k;
            }
            if self.recorded_to >= lane.series.len() {
                return usize::MAX;
            }
            self.record_block(lane);
        }
    }

    /// The signals of bar `k` (empty for most bars); bars must be asked in order, each after
    /// [`Self::next_bar`] was asked at or after it.
    #[inline]
    pub fn take(&mut self, k: usize) -> &[Signal] {
        let start = self.at;
        while self.batch.bars.get(self.at) == Some(&k) {
            self.at += 1;
        }
        &self.batch.signals[start..self.at]
    }

    /// Runs the strategy over the next block of bars, keeping their signals (the old ones
    /// were all read).
    #[inline(never)]
    fn record_block(&mut self, lane: &mut Lane<'_>) {
        self.batch.clear();
        self.at = 0;
        let bars = lane.series.view();
        let (from, to) = (self.recorded_to, bars.len().min(self.recorded_to + BLOCK));
        lane.source
            .on_bars(&lane.symbol, &bars, from, to, &mut self.batch);
        self.recorded_to = to;
        // Warm-up bars give no signal: skip what came before `trade_from`.
        let warm_up = self
            .batch
            .bars
            .iter()
            .take_while(|&&k| bars.open_times[k] < lane.trade_from)
            .count();
        self.at = warm_up;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backtest::recorded_intents::SymbolIntents;
    use pipeline::signal::SignalSource;
    use pipeline::{Interval, Symbol, TimestampMs};
    use strategies::sma_cross::SmaCross;

    /// Every (bar, signal) of a bar-by-bar run, warm-up signals dropped.
    fn bar_by_bar(series: &datasets::BarSeries, trade_from: i64) -> Vec<(usize, Signal)> {
        let mut strategy = SmaCross::new(3, 7, 0.6, 60_000);
        let mut all = Vec::new();
        let mut out = Vec::new();
        for k in 0..series.len() {
            let bar = series.bar(k);
            strategy.on_bar(series.symbol(), &bar, &mut out);
            if bar.open_time.as_ms() >= trade_from {
                all.extend(out.iter().cloned().map(|s| (k, s)));
            }
            out.clear();
        }
        all
    }

    #[test]
    fn the_tape_gives_the_signals_of_a_bar_by_bar_run_at_their_bars() {
        let symbol = Symbol::new("BTCUSDT").expect("valid");
        let start = TimestampMs::from_utc(2026, 1, 1, 0, 0, 0);
        let n = 3 * BLOCK as i64 + 17;
        let end = start.plus_ms((n - 1) * 60_000);
        let series =
            datasets::synth::generate(&symbol, Interval::M1, start, end, 11).expect("synthetic");
        let trade_from = series.open_times()[500];
        let expected = bar_by_bar(&series, trade_from);
        assert!(expected.len() > 200, "{} signals", expected.len());
        assert!(expected.iter().all(|(k, _)| *k >= 500));
        // Read as the run loop does: asking for the next signal's bar and jumping there (the
        // bars between are quiet), or going bar by bar.
        for jump in [true, false] {
            let mut lane = Lane {
                symbol: symbol.clone(),
                id: None,
                source: Box::new(SmaCross::new(3, 7, 0.6, 60_000)),
                intents: SymbolIntents::default(),
                series: &series,
                next: 0,
                trade_from,
            };
            let mut tape = SignalTape::new(&lane);
            let mut got = Vec::new();
            let mut k = 0;
            while k < series.len() {
                let next = tape.next_bar(&mut lane);
                assert!(next >= k);
                if jump {
                    if next == usize::MAX {
                        break;
                    }
                    k = next;
                }
                got.extend(tape.take(k).iter().cloned().map(|s| (k, s)));
                k += 1;
            }
            assert_eq!(got, expected, "jumping: {jump}");
            assert_eq!(tape.next_bar(&mut lane), usize::MAX);
        }
    }
}
