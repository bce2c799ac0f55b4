//! [`OnBars`]: the interface of a stage that keeps state per closed bar (the governor's market
//! state), fed one bar at a time or a run of bars at once (a backtest's quiet bars: bars with
//! no signal while nothing is out at the venue).
//! The run form defaults to one per-bar call per bar, so every such stage is right in both
//! kinds of run whatever it reads of a bar; a stage overrides it only with the same result
//! computed faster.
//! Must never live here: the stages themselves, or which stages are fed (the pipeline's list).

use super::holding::Holding;
use crate::domain::{Bar, BarColumns, Symbol};

/// A stage with state per closed bar.
pub trait OnBars {
    /// One closed bar of `symbol`; `holding` is the ledger's position in it.
    fn on_bar(&mut self, symbol: &Symbol, bar: &Bar, holding: Holding);

    /// Closed bars of `symbol` in order, all under one `holding`: the same as [`OnBars::on_bar`]
    /// for each (which is what this default does).
    fn on_bars(&mut self, symbol: &Symbol, bars: BarColumns<'_>, holding: Holding) {
        for k in 0..bars.len() {
            self.on_bar(symbol, &bars.bar(k), holding);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::TimestampMs;

    /// A stage that reads more of a bar than its close, with only the per-bar method.
    #[derive(Debug, Default, PartialEq)]
    struct Extremes {
        bars: Vec<(TimestampMs, f64, f64, f64, Holding)>,
    }

    impl OnBars for Extremes {
        fn on_bar(&mut self, _symbol: &Symbol, bar: &Bar, holding: Holding) {
            self.bars
                .push((bar.open_time, bar.high, bar.low, bar.volume, holding));
        }
    }

    #[test]
    fn a_run_of_bars_is_each_bar_in_order_by_default() {
        let open_times = [0, 60_000, 120_000];
        let (opens, highs) = ([10.0, 11.0, 12.0], [10.5, 11.5, 12.5]);
        let (lows, closes, volumes) = ([9.5, 10.5, 11.5], [10.2, 11.2, 12.2], [1.0, 2.0, 3.0]);
        let bars = BarColumns {
            open_times: &open_times,
            opens: &opens,
            highs: &highs,
            lows: &lows,
            closes: &closes,
            volumes: &volumes,
        };
        let symbol = Symbol::new("BTCUSDT").expect("symbol");
        let mut one_by_one = Extremes::default();
        for k in 0..bars.len() {
            one_by_one.on_bar(&symbol, &bars.bar(k), Holding::Long);
        }
        let mut as_run = Extremes::default();
        as_run.on_bars(&symbol, bars, Holding::Long);
        assert_eq!(as_run, one_by_one);
        assert_eq!(
            as_run.bars[2],
            (TimestampMs(120_000), 12.5, 11.5, 3.0, Holding::Long)
        );
    }
}
