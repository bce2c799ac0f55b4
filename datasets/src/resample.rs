//! Coarser bars built from finer ones (`sim data resample FINE --interval 1h`): a dataset whose
//! catalog entry names `resampled_from = "FINE"` loads FINE's bars of each symbol and merges
//! them into bars of its own interval (first open, highest high, lowest low, last close, summed
//! volume; buckets aligned to whole multiples of the interval since 1970, so 1h bars start on
//! the hour and 1d bars at 00:00 UTC). The finer bars stay attached to the coarse series: a run
//! resolves a coarse bar that reaches orders on both sides of its open along its finer bars
//! (`exchange_sim::intrabar`), unless one finer bar reaches both (then the rule decides).
//! Funding and aggTrades of FINE carry over (they are by time); mark prices do not (they are
//! FINE's bars, not the coarse ones).
//! Must never live here: the order of events itself (that is `exchange_sim`).

use crate::error::{DatasetError, Result};
use crate::series::{BarSeries, Columns};
use pipeline::Interval;

/// The finer bars inside coarse ones as a price path: four prices a bar (open, the extreme
/// its direction reaches first, the other extreme, close: the low first in a bar that closes
/// at or above its open), stamped at the bar's open time + 0..3 ms, and the finer interval.
#[derive(Debug, Clone, PartialEq)]
pub struct FinePath {
    pub interval: Interval,
    pub times: Vec<i64>,
    pub prices: Vec<f64>,
}

impl FinePath {
    /// The path of the bars of `fine`.
    pub fn of(fine: &BarSeries) -> FinePath {
        let c = fine.columns();
        let n = c.open_time.len();
        let (mut times, mut prices) = (Vec::with_capacity(4 * n), Vec::with_capacity(4 * n));
        for k in 0..n {
            let (lo, hi) = (c.low[k], c.high[k]);
            let (first, second) = if c.close[k] >= c.open[k] {
                (lo, hi)
            } else {
                (hi, lo)
            };
            for (d, p) in [c.open[k], first, second, c.close[k]]
                .into_iter()
                .enumerate()
            {
                times.push(c.open_time[k] + d as i64);
                prices.push(p);
            }
        }
        FinePath {
            interval: fine.interval(),
            times,
            prices,
        }
    }

    /// The prices from `from` to `to` (ms, both inclusive).
    pub fn between(&self, from: i64, to: i64) -> &[f64] {
        let a = self.times.partition_point(|&t| t < from);
        let b = self.times.partition_point(|&t| t <= to);
        &self.prices[a..b.max(a)]
    }
}

/// Whether bars of `fine` can be merged into bars of `to`.
pub fn check(fine: Interval, to: Interval) -> std::result::Result<(), String> {
    let (f, t) = (fine.as_ms(), to.as_ms());
    if f <= 0 || t <= f || t % f != 0 {
        return Err(format!(
            "{to} bars cannot be built from {fine} bars; pick an interval that is a whole multiple of {fine}, e.g. 15m, 1h, 4h or 1d from 1m"
        ));
    }
    Ok(())
}

/// The bars of `fine` merged into bars of `to`.
pub fn resample(fine: &BarSeries, to: Interval) -> Result<Columns> {
    check(fine.interval(), to).map_err(DatasetError::Invalid)?;
    let step = to.as_ms();
    let c = fine.columns();
    let mut out = Columns::with_capacity(
        c.open_time.len() / (step / fine.interval().as_ms()).max(1) as usize + 1,
    );
    for k in 0..c.open_time.len() {
        let bucket = c.open_time[k].div_euclid(step) * step;
        if out.open_time.last() == Some(&bucket) {
            let j = out.open_time.len() - 1;
            out.high[j] = out.high[j].max(c.high[k]);
            out.low[j] = out.low[j].min(c.low[k]);
            out.close[j] = c.close[k];
            out.volume[j] += c.volume[k];
        } else {
            out.open_time.push(bucket);
            out.open.push(c.open[k]);
            out.high.push(c.high[k]);
            out.low.push(c.low[k]);
            out.close.push(c.close[k]);
            out.volume.push(c.volume[k]);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use pipeline::{Symbol, TimestampMs};

    #[test]
    fn fifteen_minutes_of_one_minute_bars() {
        let sym = Symbol::new("BTCUSDT").expect("symbol");
        let start = TimestampMs::from_utc(2026, 1, 1, 0, 0, 0);
        let fine = crate::generate(&sym, Interval::M1, start, start.plus_ms(29 * 60_000), 3)
            .expect("bars");
        let c = resample(&fine, Interval::M15).expect("resample");
        assert_eq!(c.open_time, vec![start.0, start.0 + 900_000]);
        let f = fine.columns();
        assert_eq!(c.open[1], f.open[15]);
        assert_eq!(c.close[0], f.close[14]);
        let hi = f.high[..15].iter().copied().fold(f64::MIN, f64::max);
        let lo = f.low[15..].iter().copied().fold(f64::MAX, f64::min);
        assert_eq!((c.high[0], c.low[1]), (hi, lo));
        assert!((c.volume[0] - f.volume[..15].iter().sum::<f64>()).abs() < 1e-9);
        let path = FinePath::of(&fine);
        assert_eq!(path.times.len(), 120);
        let first = path.between(start.0, start.0 + 899_999);
        assert_eq!(first.len(), 60);
        assert_eq!((first[0], first[3]), (f.open[0], f.close[0]));
        assert!(check(Interval::M5, Interval::M3).is_err());
        assert!(check(Interval::M1, Interval::M1).is_err());
    }
}
