//! `BarSeries`: the in-memory layout a backtest iterates over. One symbol, one interval, a
//! struct of arrays (open time `i64` ms, open/high/low/close/volume `f64`) plus a bitset that
//! flags bars inserted by the gap policy `Fill`, and the symbol's recorded funding when the
//! dataset has some.
//!
//! Invariants (checked by `crate::validate` before a series is built, so they hold for every
//! `BarSeries`): open times strictly increase; prices are finite and > 0; volume is finite and
//! at least 0; low <= min(open, close) <= max(open, close) <= high.
//!
//! Must never live here: I/O, parsing, or per-bar allocation (the hot path reads slices).

use std::sync::Arc;

use pipeline::{Bar, BarColumns, Interval, Symbol, TimestampMs};

use crate::agg_trades::TradeTape;
use crate::funding::FundingSeries;
use crate::mark_price::MarkSeries;
use crate::resample::FinePath;

/// Raw, unvalidated columns as a loader produced them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Columns {
    pub open_time: Vec<i64>,
    pub open: Vec<f64>,
    pub high: Vec<f64>,
    pub low: Vec<f64>,
    pub close: Vec<f64>,
    pub volume: Vec<f64>,
}

impl Columns {
    pub fn with_capacity(n: usize) -> Self {
        Self {
            open_time: Vec::with_capacity(n),
            open: Vec::with_capacity(n),
            high: Vec::with_capacity(n),
            low: Vec::with_capacity(n),
            close: Vec::with_capacity(n),
            volume: Vec::with_capacity(n),
        }
    }

    #[inline]
    pub fn push(&mut self, t: i64, o: f64, h: f64, l: f64, c: f64, v: f64) {
        self.open_time.push(t);
        self.open.push(o);
        self.high.push(h);
        self.low.push(l);
        self.close.push(c);
        self.volume.push(v);
    }

    pub fn len(&self) -> usize {
        self.open_time.len()
    }

    pub fn is_empty(&self) -> bool {
        self.open_time.is_empty()
    }

    /// Appends all rows of `other`.
    pub fn extend(&mut self, other: &Columns) {
        self.open_time.extend_from_slice(&other.open_time);
        self.open.extend_from_slice(&other.open);
        self.high.extend_from_slice(&other.high);
        self.low.extend_from_slice(&other.low);
        self.close.extend_from_slice(&other.close);
        self.volume.extend_from_slice(&other.volume);
    }

    /// Keeps only rows with `from <= open_time <= to` (rows must already be sorted).
    pub fn retain_range(&mut self, from: i64, to: i64) {
        let lo = self.open_time.partition_point(|&t| t < from);
        let hi = self.open_time.partition_point(|&t| t <= to);
        let (lo, hi) = (lo.min(hi), hi);
        for col in [
            &mut self.open,
            &mut self.high,
            &mut self.low,
            &mut self.close,
            &mut self.volume,
        ] {
            col.truncate(hi);
            col.drain(..lo);
        }
        self.open_time.truncate(hi);
        self.open_time.drain(..lo);
    }

    /// Whether every column has the same length.
    pub(crate) fn is_rectangular(&self) -> bool {
        let n = self.open_time.len();
        [&self.open, &self.high, &self.low, &self.close, &self.volume]
            .iter()
            .all(|c| c.len() == n)
    }
}

/// A validated, columnar series of bars for one symbol and interval.
#[derive(Debug, Clone, PartialEq)]
pub struct BarSeries {
    symbol: Symbol,
    interval: Interval,
    cols: Columns,
    /// Bit i set: bar i was inserted by the gap policy `Fill`. Empty when no bar was filled.
    filled: Vec<u64>,
    /// The symbol's recorded funding, when its dataset has some (shared, never copied).
    funding: Option<Arc<FundingSeries>>,
    /// The symbol's recorded trades, when its dataset has some (shared, never copied).
    trades: Option<Arc<TradeTape>>,
    /// The symbol's recorded mark prices, when its dataset has some (shared, never copied).
    marks: Option<Arc<MarkSeries>>,
    /// The finer bars these bars were built from, as a path (`crate::resample`), shared.
    fine: Option<Arc<FinePath>>,
}

impl BarSeries {
    /// Builds a series from columns that `crate::validate` has accepted.
    pub(crate) fn from_validated(
        symbol: Symbol,
        interval: Interval,
        cols: Columns,
        filled: Vec<u64>,
    ) -> Self {
        Self {
            symbol,
            interval,
            cols,
            filled,
            funding: None,
            trades: None,
            marks: None,
            fine: None,
        }
    }

    /// The series with the symbol's recorded funding attached (see `crate::funding`).
    pub fn with_funding(mut self, funding: FundingSeries) -> Self {
        self.funding = Some(Arc::new(funding));
        self
    }

    /// The series with the symbol's recorded trades attached (see `crate::agg_trades`).
    pub fn with_trades(mut self, trades: TradeTape) -> Self {
        self.trades = Some(Arc::new(trades));
        self
    }

    /// The symbol's recorded trades, if its dataset has any (shared: cloning the handle
    /// copies no trade).
    pub fn trades(&self) -> Option<&Arc<TradeTape>> {
        self.trades.as_ref()
    }

    /// The series with the symbol's recorded mark prices attached (see `crate::mark_price`).
    pub fn with_marks(mut self, marks: MarkSeries) -> Self {
        self.marks = Some(Arc::new(marks));
        self
    }

    /// The symbol's recorded mark prices, if its dataset has any (shared handle).
    pub fn marks(&self) -> Option<&Arc<MarkSeries>> {
        self.marks.as_ref()
    }

    /// The series with the path of the finer bars it was built from (see `crate::resample`).
    pub fn with_fine(mut self, fine: &BarSeries) -> Self {
        self.fine = Some(Arc::new(FinePath::of(fine)));
        self
    }

    /// The finer bars these bars were built from, if they were (shared handle).
    pub fn fine(&self) -> Option<&Arc<FinePath>> {
        self.fine.as_ref()
    }

    /// The symbol's recorded funding, if its dataset has any.
    pub fn funding(&self) -> Option<&FundingSeries> {
        self.funding.as_deref()
    }

    /// Takes the series apart (for re-validation or filling).
    pub(crate) fn into_parts(self) -> (Symbol, Interval, Columns) {
        (self.symbol, self.interval, self.cols)
    }

    pub fn symbol(&self) -> &Symbol {
        &self.symbol
    }

    pub fn interval(&self) -> Interval {
        self.interval
    }

    #[inline]
    pub fn len(&self) -> usize {
        self.cols.open_time.len()
    }

    #[inline]
    pub fn is_empty(&self) -> bool {
        self.cols.open_time.is_empty()
    }

    /// Bar `i`. Panics if `i >= len()`, like slice indexing. Inlined into the run loop, which
    /// reads one bar per step.
    #[inline(always)]
    pub fn bar(&self, i: usize) -> Bar {
        self.view().bar(i)
    }

    /// Bar `i`, or `None` past the end.
    #[inline]
    pub fn get(&self, i: usize) -> Option<Bar> {
        (i < self.len()).then(|| self.bar(i))
    }

    /// All bars in time order.
    pub fn iter(&self) -> BarIter<'_> {
        BarIter {
            series: self,
            next: 0,
        }
    }

    /// Open times in epoch milliseconds.
    pub fn open_times(&self) -> &[i64] {
        &self.cols.open_time
    }
    pub fn opens(&self) -> &[f64] {
        &self.cols.open
    }
    pub fn highs(&self) -> &[f64] {
        &self.cols.high
    }
    pub fn lows(&self) -> &[f64] {
        &self.cols.low
    }
    pub fn closes(&self) -> &[f64] {
        &self.cols.close
    }
    pub fn volumes(&self) -> &[f64] {
        &self.cols.volume
    }

    /// The bars as borrowed columns (for loops over many bars).
    #[inline(always)]
    pub fn view(&self) -> BarColumns<'_> {
        BarColumns {
            open_times: &self.cols.open_time,
            opens: &self.cols.open,
            highs: &self.cols.high,
            lows: &self.cols.low,
            closes: &self.cols.close,
            volumes: &self.cols.volume,
        }
    }

    /// The raw columns (for writing them out).
    pub fn columns(&self) -> &Columns {
        &self.cols
    }

    /// Whether bar `i` was inserted by the gap policy `Fill` (a flat bar at the previous close
    /// with volume 0), i.e. is not market data.
    #[inline]
    pub fn is_filled(&self, i: usize) -> bool {
        self.filled
            .get(i / 64)
            .is_some_and(|w| w & (1u64 << (i % 64)) != 0)
    }

    /// How many bars were inserted by the gap policy `Fill`.
    pub fn filled_count(&self) -> usize {
        self.filled.iter().map(|w| w.count_ones() as usize).sum()
    }

    /// The first bar's open time.
    pub fn first_open_time(&self) -> Option<TimestampMs> {
        self.cols.open_time.first().copied().map(TimestampMs)
    }

    /// The last bar's open time.
    pub fn last_open_time(&self) -> Option<TimestampMs> {
        self.cols.open_time.last().copied().map(TimestampMs)
    }

    /// The index of the first bar opening at or after `t`.
    pub fn index_at_or_after(&self, t: TimestampMs) -> usize {
        self.cols.open_time.partition_point(|&x| x < t.0)
    }

    /// A copy of the bars opening in `from..to` (a time window of the series, e.g. one
    /// walk-forward window), with their gap-fill flags; empty when none opens there.
    pub fn between(&self, from: TimestampMs, to: TimestampMs) -> BarSeries {
        let lo = self.index_at_or_after(from);
        let hi = self.index_at_or_after(to).max(lo);
        let c = &self.cols;
        let cols = Columns {
            open_time: c.open_time[lo..hi].to_vec(),
            open: c.open[lo..hi].to_vec(),
            high: c.high[lo..hi].to_vec(),
            low: c.low[lo..hi].to_vec(),
            close: c.close[lo..hi].to_vec(),
            volume: c.volume[lo..hi].to_vec(),
        };
        let filled = if self.filled.is_empty() {
            Vec::new()
        } else {
            bitset(
                hi - lo,
                (lo..hi).filter(|&i| self.is_filled(i)).map(|i| i - lo),
            )
        };
        BarSeries::from_validated(self.symbol.clone(), self.interval, cols, filled)
    }
}

/// Iterator over a series' bars; see [`BarSeries::iter`].
#[derive(Debug, Clone)]
pub struct BarIter<'a> {
    series: &'a BarSeries,
    next: usize,
}

impl Iterator for BarIter<'_> {
    type Item = Bar;

    #[inline]
    fn next(&mut self) -> Option<Bar> {
        let bar = self.series.get(self.next)?;
        self.next += 1;
        Some(bar)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let left = self.series.len() - self.next;
        (left, Some(left))
    }
}

impl ExactSizeIterator for BarIter<'_> {}

impl<'a> IntoIterator for &'a BarSeries {
    type Item = Bar;
    type IntoIter = BarIter<'a>;
    fn into_iter(self) -> BarIter<'a> {
        self.iter()
    }
}

/// A bitset of `n` bits with the given indices set.
pub(crate) fn bitset(n: usize, set: impl IntoIterator<Item = usize>) -> Vec<u64> {
    let mut words = vec![0u64; n.div_ceil(64)];
    for i in set {
        if let Some(w) = words.get_mut(i / 64) {
            *w |= 1u64 << (i % 64);
        }
    }
    words
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> BarSeries {
        let mut c = Columns::with_capacity(3);
        for i in 0..3 {
            let p = 100.0 + i as f64;
            c.push(i * 60_000, p, p + 1.0, p - 1.0, p + 0.5, 2.0);
        }
        let sym = Symbol::new("BTCUSDT").expect("sym");
        BarSeries::from_validated(sym, Interval::M1, c, bitset(3, [1]))
    }

    #[test]
    fn accessors_and_iteration_agree() {
        let s = sample();
        assert_eq!(s.len(), 3);
        let bars: Vec<Bar> = s.iter().collect();
        assert_eq!(bars.len(), 3);
        assert_eq!(bars[1], s.bar(1));
        assert_eq!(bars[2].close, 102.5);
        assert_eq!(s.iter().len(), 3);
        assert_eq!(s.get(3), None);
        assert!(s.is_filled(1) && !s.is_filled(0) && !s.is_filled(99));
        assert_eq!(s.filled_count(), 1);
        assert_eq!(s.index_at_or_after(TimestampMs(60_001)), 2);
        assert_eq!(s.last_open_time(), Some(TimestampMs(120_000)));
    }

    #[test]
    fn between_copies_the_bars_of_a_time_window_with_their_fill_flags() {
        let s = sample();
        let w = s.between(TimestampMs(60_000), TimestampMs(120_000));
        assert_eq!(w.open_times(), [60_000]);
        assert_eq!(w.closes(), [101.5]);
        assert!(w.is_filled(0), "bar 1 of the sample was filled");
        let all = s.between(TimestampMs(0), TimestampMs(180_000));
        assert_eq!(all, s);
        assert!(
            s.between(TimestampMs(500_000), TimestampMs(600_000))
                .is_empty()
        );
        assert!(s.between(TimestampMs(120_000), TimestampMs(0)).is_empty());
    }

    #[test]
    fn retain_range_is_inclusive() {
        let mut c = sample().columns().clone();
        c.retain_range(60_000, 120_000);
        assert_eq!(c.open_time, vec![60_000, 120_000]);
        assert_eq!(c.close, vec![101.5, 102.5]);
        assert!(c.is_rectangular());
    }
}
