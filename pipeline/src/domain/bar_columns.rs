//! [`BarColumns`]: one symbol's bars as borrowed columns (a struct of slices), the layout a
//! backtest's series has in memory, for loops that read one field of many bars.
//! Must never live here: owning storage, validation or I/O (the dataset's series own and check
//! the bars; this only lends them).

use std::ops::Range;

use super::kline::Bar;
use super::time::TimestampMs;

/// Bars in time order as parallel columns; bar `k` is the `k`-th value of each.
#[derive(Debug, Clone, Copy, Default)]
pub struct BarColumns<'a> {
    pub open_times: &'a [i64],
    pub opens: &'a [f64],
    pub highs: &'a [f64],
    pub lows: &'a [f64],
    pub closes: &'a [f64],
    pub volumes: &'a [f64],
}

impl<'a> BarColumns<'a> {
    /// Bars `range` of these. Panics if a column is shorter than `range.end`, like slice
    /// indexing.
    pub fn slice(&self, range: Range<usize>) -> BarColumns<'a> {
        BarColumns {
            open_times: &self.open_times[range.clone()],
            opens: &self.opens[range.clone()],
            highs: &self.highs[range.clone()],
            lows: &self.lows[range.clone()],
            closes: &self.closes[range.clone()],
            volumes: &self.volumes[range],
        }
    }

    /// The bars every column has.
    pub fn len(&self) -> usize {
        self.open_times
            .len()
            .min(self.opens.len())
            .min(self.highs.len())
            .min(self.lows.len())
            .min(self.closes.len())
            .min(self.volumes.len())
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Bar `k`. Panics if `k >= len()`, like slice indexing.
    #[inline(always)]
    pub fn bar(&self, k: usize) -> Bar {
        Bar {
            open_time: TimestampMs(self.open_times[k]),
            open: self.opens[k],
            high: self.highs[k],
            low: self.lows[k],
            close: self.closes[k],
            volume: self.volumes[k],
        }
    }
}
