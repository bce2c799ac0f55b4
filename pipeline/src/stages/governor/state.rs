//! Per-symbol market state behind the kill-score components, updated from every bar:
//! fast/slow EWMA of the close (regime = sign(fast - slow); `regime_flip` while it changed within
//! `regime_window_bars`), short/long EWMA of squared returns (`sigma_spike` from their ratio),
//! and, while the ledger holds a position, its best close (`ts_drop`) and bars held
//! (`age_penalty`).
//! Hot path: one update per bar; a run of bars under one holding is folded in one tight loop
//! ([`MarketState::update_all`]) with the same arithmetic in the same order as one update per
//! bar, so the answers are identical. No allocation after a symbol's first bar. `f64` on
//! purpose: these are indicators; nothing here is money.
//! Must never live here: decisions, weights or thresholds (see `score.rs`).

use std::collections::HashMap;

use super::score::KillComponents;
use crate::domain::Symbol;
use crate::stages::config::IndicatorConfig;
use crate::stages::holding::Holding;

/// Smoothing factors, precomputed from bar counts (alpha = 2 / (n + 1)).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Alphas {
    fast: f64,
    slow: f64,
    vol_fast: f64,
    vol_slow: f64,
}

impl Alphas {
    pub fn new(c: &IndicatorConfig) -> Self {
        let a = |n: u32| 2.0 / (f64::from(n.max(1)) + 1.0);
        Alphas {
            fast: a(c.fast_bars),
            slow: a(c.slow_bars),
            vol_fast: a(c.vol_fast_bars),
            vol_slow: a(c.vol_slow_bars),
        }
    }
}

/// The position-free indicators: the close EWMAs and the regime, the variance EWMAs.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Trend {
    bars: u64,
    last_close: f64,
    fast: f64,
    slow: f64,
    regime: i8,
    bars_since_flip: u32,
    var_fast: f64,
    var_slow: f64,
}

impl Default for Trend {
    fn default() -> Self {
        Trend {
            bars: 0,
            last_close: 0.0,
            fast: 0.0,
            slow: 0.0,
            regime: 0,
            bars_since_flip: u32::MAX,
            var_fast: 0.0,
            var_slow: 0.0,
        }
    }
}

impl Trend {
    /// One valid close (finite and positive).
    #[inline(always)]
    fn update(&mut self, close: f64, a: &Alphas) {
        if self.bars >= 2 {
            self.step(close, a);
            return;
        }
        if self.bars == 0 {
            self.fast = close;
            self.slow = close;
        } else {
            let r2 = self.squared_return(close);
            self.var_fast = r2;
            self.var_slow = r2;
            self.fast += a.fast * (close - self.fast);
            self.slow += a.slow * (close - self.slow);
        }
        self.close_bar(close);
    }

    /// [`Trend::update`] once two closes are in: no warm-up test.
    #[inline(always)]
    fn step(&mut self, close: f64, a: &Alphas) {
        let r2 = self.squared_return(close);
        self.var_fast += a.vol_fast * (r2 - self.var_fast);
        self.var_slow += a.vol_slow * (r2 - self.var_slow);
        self.fast += a.fast * (close - self.fast);
        self.slow += a.slow * (close - self.slow);
        self.close_bar(close);
    }

    #[inline(always)]
    fn squared_return(&self, close: f64) -> f64 {
        let r = close / self.last_close - 1.0;
        r * r
    }

    /// The bar count, the last close and the regime after the averages moved.
    #[inline(always)]
    fn close_bar(&mut self, close: f64) {
        self.last_close = close;
        self.bars += 1;
        let regime = i8::from(self.fast > self.slow) - i8::from(self.fast < self.slow);
        // A flip: both regimes known (non-zero) and different, so opposite.
        let flipped = regime != 0 && regime == -self.regime;
        self.bars_since_flip = if flipped {
            0
        } else {
            self.bars_since_flip.saturating_add(1)
        };
        if regime != 0 {
            self.regime = regime;
        }
    }
}

/// A close the indicators take: finite and positive (a NaN fails both comparisons).
#[inline(always)]
fn valid_close(close: f64) -> bool {
    close > 0.0 && close < f64::INFINITY
}

/// One symbol's indicators.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct MarketState {
    trend: Trend,
    holding: Holding,
    best: f64,
    bars_held: u32,
}

impl Default for MarketState {
    fn default() -> Self {
        MarketState {
            trend: Trend::default(),
            holding: Holding::Flat,
            best: 0.0,
            bars_held: 0,
        }
    }
}

impl MarketState {
    /// One closed bar; `holding` is the ledger's position in the symbol.
    #[inline]
    pub fn update(&mut self, close: f64, holding: Holding, a: &Alphas) {
        if !valid_close(close) {
            return;
        }
        self.trend.update(close, a);
        if holding == Holding::Flat {
            self.holding = Holding::Flat;
            self.bars_held = 0;
        } else if holding != self.holding {
            self.holding = holding;
            self.best = close;
            self.bars_held = 0;
        } else {
            self.hold(close, holding == Holding::Long);
        }
    }

    /// A bar under the position already held (long or short): its age and best close.
    #[inline(always)]
    fn hold(&mut self, close: f64, long: bool) {
        self.bars_held = self.bars_held.saturating_add(1);
        // `f64::max`/`min` on two valid closes (neither NaN, equal only when the same bits),
        // without their NaN handling.
        let better = if long {
            close > self.best
        } else {
            close < self.best
        };
        if better {
            self.best = close;
        }
    }

    /// [`MarketState::update`] for each close in order, all under `holding`: the same
    /// arithmetic in the same order. Once two closes are in and the position's first close
    /// under `holding` is seen, the loop runs without the warm-up and position tests (a
    /// flat position's part is then a no-op: `bars_held` is 0 whenever the holding is flat).
    pub fn update_all(&mut self, closes: &[f64], holding: Holding, a: &Alphas) {
        let mut rest = closes;
        while let Some((&close, tail)) = rest.split_first() {
            if self.trend.bars >= 2 && self.holding == holding {
                break;
            }
            self.update(close, holding, a);
            rest = tail;
        }
        self.fold_warm(rest, holding, a);
    }

    /// The warmed-up loop: two closes are in and `holding` is the state's own.
    #[inline(always)]
    fn fold_warm(&mut self, closes: &[f64], holding: Holding, a: &Alphas) {
        // A local copy, so the loop keeps the indicators in registers.
        let mut s = *self;
        for &close in closes {
            if !valid_close(close) {
                continue;
            }
            s.trend.step(close, a);
            if holding != Holding::Flat {
                s.hold(close, holding == Holding::Long);
            }
        }
        *self = s;
    }

    /// The components now. `with_position`: include ts_drop and age_penalty (exits).
    pub fn components(&self, c: &IndicatorConfig, with_position: bool) -> KillComponents {
        let unit = |x: f64| {
            if x.is_finite() {
                x.clamp(0.0, 1.0)
            } else {
                0.0
            }
        };
        let t = &self.trend;
        let regime_flip = if t.bars_since_flip < c.regime_window_bars {
            1.0
        } else {
            0.0
        };
        let sigma_spike = if t.var_slow > 0.0 {
            let ratio = (t.var_fast / t.var_slow).sqrt();
            unit((ratio - 1.0) / (c.sigma_spike_ratio - 1.0))
        } else {
            0.0
        };
        let held = with_position && self.holding != Holding::Flat && self.best > 0.0;
        let ts_drop = if held {
            let off = (self.best - t.last_close) * self.holding.sign();
            unit(off / self.best * 100.0 / c.trail_pct)
        } else {
            0.0
        };
        let age_penalty = if held {
            unit(f64::from(self.bars_held) / f64::from(c.max_age_bars.max(1)))
        } else {
            0.0
        };
        KillComponents {
            regime_flip,
            sigma_spike,
            ts_drop,
            age_penalty,
        }
    }
}

/// Market state per symbol: a slot vector with a last-used hint, so a run over one symbol
/// never hashes.
#[derive(Debug, Clone, Default)]
pub(crate) struct SymbolStates {
    slots: Vec<(Symbol, MarketState)>,
    index: HashMap<Symbol, usize>,
    hint: usize,
}

impl SymbolStates {
    /// The state of `symbol` (created on its first bar). Inlined where it is called every
    /// bar: the last symbol asked for is one pointer comparison away.
    #[inline]
    pub fn slot(&mut self, symbol: &Symbol) -> &mut MarketState {
        if self.slots.get(self.hint).is_some_and(|(s, _)| s == symbol) {
            return &mut self.slots[self.hint].1;
        }
        self.slot_by_search(symbol)
    }

    #[cold]
    fn slot_by_search(&mut self, symbol: &Symbol) -> &mut MarketState {
        let i = match self.index.get(symbol) {
            Some(&i) => i,
            None => {
                self.slots.push((symbol.clone(), MarketState::default()));
                self.index.insert(symbol.clone(), self.slots.len() - 1);
                self.slots.len() - 1
            }
        };
        self.hint = i;
        &mut self.slots[i].1
    }

    /// The state of `symbol`, if it had a bar; the last symbol counted is found without
    /// hashing.
    pub fn get(&self, symbol: &Symbol) -> Option<&MarketState> {
        match self.slots.get(self.hint) {
            Some((s, state)) if s == symbol => Some(state),
            _ => self.index.get(symbol).map(|&i| &self.slots[i].1),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Holding::{Flat, Long, Short};

    fn run(closes: &[f64], pos: Holding, c: &IndicatorConfig) -> MarketState {
        let a = Alphas::new(c);
        let mut s = MarketState::default();
        for &x in closes {
            s.update(x, pos, &a);
        }
        s
    }

    /// The defaults with short EWMAs and a short regime window.
    fn regime_config(fast_bars: u32, slow_bars: u32, regime_window_bars: u32) -> IndicatorConfig {
        IndicatorConfig {
            fast_bars,
            slow_bars,
            regime_window_bars,
            ..IndicatorConfig::default()
        }
    }

    #[test]
    fn regime_flip_fires_within_the_window_only() {
        let c = regime_config(2, 6, 3);
        let mut closes: Vec<f64> = (0..30).map(|i| 100.0 + f64::from(i)).collect();
        assert_eq!(
            run(&closes, Flat, &c).components(&c, false).regime_flip,
            0.0
        );
        closes.extend((0..3).map(|i| 120.0 - 10.0 * f64::from(i)));
        let s = run(&closes, Flat, &c);
        assert_eq!(s.components(&c, false).regime_flip, 1.0, "{s:?}");
        closes.extend([95.0, 94.0, 93.0, 92.0]);
        assert_eq!(
            run(&closes, Flat, &c).components(&c, false).regime_flip,
            0.0
        );
    }

    #[test]
    fn sigma_spike_rises_with_short_volatility() {
        let c = IndicatorConfig::default();
        let mut closes: Vec<f64> = (0..200).map(|i| 100.0 + 0.01 * f64::from(i % 2)).collect();
        assert!(run(&closes, Flat, &c).components(&c, false).sigma_spike < 0.01);
        closes.extend([103.0, 97.0, 104.0, 96.0]);
        assert_eq!(
            run(&closes, Flat, &c).components(&c, false).sigma_spike,
            1.0
        );
    }

    #[test]
    fn trailing_drop_and_age_track_the_position() {
        // trail 2 %: a close 0.4796 % off the best gives the report's ts_drop 0.2398;
        // 60 bars of a 1440-bar day give its age_penalty 0.0417.
        let c = IndicatorConfig {
            trail_pct: 2.0,
            max_age_bars: 1440,
            ..IndicatorConfig::default()
        };
        let mut closes = vec![100_000.0; 60];
        closes.push(100_000.0 * (1.0 - 0.004796));
        let s = run(&closes, Long, &c);
        let k = s.components(&c, true);
        assert!((k.ts_drop - 0.2398).abs() < 1e-9, "{k:?}");
        assert!((k.age_penalty - 0.0417).abs() < 5e-5, "{k:?}");
        assert_eq!(
            s.components(&c, false).ts_drop,
            0.0,
            "entries ignore the position"
        );
        let short = run(&[100.0, 90.0, 91.8], Short, &c);
        assert!((short.components(&c, true).ts_drop - 1.0).abs() < 1e-9);
        assert_eq!(run(&closes, Flat, &c).components(&c, true).ts_drop, 0.0);
    }

    #[test]
    fn symbol_slots_keep_separate_state() {
        let a = Alphas::new(&IndicatorConfig::default());
        let mut states = SymbolStates::default();
        let (btc, eth) = (
            Symbol::new("BTCUSDT").expect("s"),
            Symbol::new("ETHUSDT").expect("s"),
        );
        states.slot(&btc).update(100.0, Flat, &a);
        states.slot(&eth).update(5.0, Flat, &a);
        states.slot(&btc).update(101.0, Flat, &a);
        assert_eq!(states.get(&btc).map(|s| s.trend.bars), Some(2));
        assert_eq!(states.get(&eth).map(|s| s.trend.last_close), Some(5.0));
    }

    /// Flat, long or short, two positions to each flat one.
    fn holding() -> impl proptest::strategy::Strategy<Value = Holding> {
        use proptest::prelude::*;
        prop_oneof![1 => Just(Flat), 2 => Just(Long), 2 => Just(Short)]
    }

    fn close_or_invalid() -> impl proptest::strategy::Strategy<Value = f64> {
        use proptest::prelude::*;
        prop_oneof![
            12 => 90.0f64..110.0,
            1 => Just(f64::NAN),
            1 => Just(0.0),
            1 => Just(-3.0),
            1 => Just(f64::INFINITY),
        ]
    }

    proptest::proptest! {
        /// Runs of closes under one holding each, folded at once from any state (the warm-up,
        /// invalid closes, a new, kept or dropped position), give bit for bit the state of
        /// one update per close.
        #[test]
        fn update_all_is_one_update_per_close(
            runs in proptest::collection::vec(
                (proptest::collection::vec(close_or_invalid(), 0..12), holding()),
                0..10,
            )
        ) {
            let c = regime_config(3, 9, 4);
            let a = Alphas::new(&c);
            let mut per_bar = MarketState::default();
            let mut folded = MarketState::default();
            for (closes, sign) in &runs {
                for &x in closes {
                    per_bar.update(x, *sign, &a);
                }
                folded.update_all(closes, *sign, &a);
                proptest::prop_assert_eq!(folded, per_bar);
            }
        }
    }

    /// Long runs of closes folded at once, across changes of holding, give bit for bit the
    /// state of one update per close.
    #[test]
    fn long_runs_folded_at_once_give_the_state_of_one_update_each() {
        let c = regime_config(3, 9, 4);
        let a = Alphas::new(&c);
        let closes: Vec<f64> = (0..20_000)
            .map(|i| 100.0 + 5.0 * (i as f64 * 0.21).cos())
            .collect();
        let mut one = MarketState::default();
        let mut runs = MarketState::default();
        let lengths = [1, 7, 100, 12_293, 13, 4096, 2];
        let mut at = 0;
        for (n, len) in lengths.iter().enumerate() {
            let holding = [Flat, Long, Long, Short, Flat, Short, Long][n];
            let run = &closes[at..at + len];
            for &x in run {
                one.update(x, holding, &a);
            }
            runs.update_all(run, holding, &a);
            assert_eq!(runs, one, "after run {n}");
            at += len;
        }
    }
}
