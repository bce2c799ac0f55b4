//! `on_bars` (a block of bars at once, as a backtest's signal tape calls it) gives exactly the
//! signals of `on_bar` called bar by bar, at the same bars, for every built-in strategy and any
//! way of cutting the bars into blocks.

use pipeline::signal::{Signal, SignalBatch, SignalSource};
use pipeline::{BarColumns, Symbol};
use proptest::prelude::*;
use strategies::donchian::DonchianBreakout;
use strategies::ema_cross::EmaCross;
use strategies::rsi_reversion::RsiReversion;
use strategies::sma_cross::SmaCross;

fn sources() -> Vec<Box<dyn SignalSource>> {
    vec![
        Box::new(SmaCross::new(3, 8, 0.6, 60_000)),
        Box::new(EmaCross::new(3, 8, 0.6, 60_000)),
        Box::new(RsiReversion::new(5, 30.0, 70.0, 0.6, 60_000)),
        Box::new(DonchianBreakout::new(6, 0.6, 60_000)),
    ]
}

/// Columns of a walk: each step moves the close by `d` tenths; high and low around it.
struct Walk {
    times: Vec<i64>,
    opens: Vec<f64>,
    highs: Vec<f64>,
    lows: Vec<f64>,
    closes: Vec<f64>,
    volumes: Vec<f64>,
}

impl Walk {
    fn new(steps: &[i64]) -> Walk {
        let mut w = Walk {
            times: vec![],
            opens: vec![],
            highs: vec![],
            lows: vec![],
            closes: vec![],
            volumes: vec![],
        };
        let mut close = 100_000i64;
        for (k, d) in steps.iter().enumerate() {
            let open = close;
            close = (close + d).max(100);
            w.times.push(1_767_225_600_000 + 60_000 * k as i64);
            w.opens.push(open as f64 / 10.0);
            w.highs.push((open.max(close) + 3) as f64 / 10.0);
            w.lows.push((open.min(close) - 3) as f64 / 10.0);
            w.closes.push(close as f64 / 10.0);
            w.volumes.push(1.0);
        }
        w
    }

    fn view(&self) -> BarColumns<'_> {
        BarColumns {
            open_times: &self.times,
            opens: &self.opens,
            highs: &self.highs,
            lows: &self.lows,
            closes: &self.closes,
            volumes: &self.volumes,
        }
    }
}

proptest! {
    #[test]
    fn blocks_give_the_signals_of_bar_by_bar_runs(
        steps in prop::collection::vec(-40i64..=40, 1..600),
        cuts in prop::collection::vec(1usize..120, 1..20),
    ) {
        let walk = Walk::new(&steps);
        let bars = walk.view();
        let symbol = Symbol::new("BTCUSDT").expect("valid");
        for (mut one, mut blocks) in sources().into_iter().zip(sources()) {
            let mut expected: Vec<(usize, Signal)> = Vec::new();
            let mut out = Vec::new();
            for k in 0..bars.len() {
                one.on_bar(&symbol, &bars.bar(k), &mut out);
                expected.extend(out.drain(..).map(|s| (k, s)));
            }
            let mut batch = SignalBatch::default();
            let mut from = 0;
            for cut in cuts.iter().cycle() {
                if from >= bars.len() {
                    break;
                }
                // The end may run past the bars: it is clamped.
                blocks.on_bars(&symbol, &bars, from, from + cut, &mut batch);
                from += cut;
            }
            let got: Vec<(usize, Signal)> =
                batch.bars.iter().copied().zip(batch.signals.iter().cloned()).collect();
            prop_assert_eq!(&got, &expected, "{}", one.name());
        }
    }
}

#[test]
fn a_walk_of_swings_gives_signals_from_every_strategy() {
    let swings: Vec<i64> = (0..400)
        .map(|k| if (k / 25) % 2 == 0 { 30 } else { -30 })
        .collect();
    let walk = Walk::new(&swings);
    let symbol = Symbol::new("BTCUSDT").expect("valid");
    for mut s in sources() {
        let mut batch = SignalBatch::default();
        s.on_bars(&symbol, &walk.view(), 0, 400, &mut batch);
        assert!(batch.len() >= 4, "{}: {} signals", s.name(), batch.len());
    }
}
