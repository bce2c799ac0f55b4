//! Summary statistics of a bar series, the ones the synthetic model is calibrated on: stdev
//! and excess kurtosis of log returns, mean high-low range, autocorrelation of |returns|, and
//! the hour-of-day volume profile. Returns are close-to-close between consecutive bars only
//! (never across a gap); filled bars are skipped.
//! Must never live here: thresholds (tests state their tolerances).

use crate::series::BarSeries;

/// Statistics of one series; see the module doc for definitions.
#[derive(Debug, Clone, PartialEq)]
pub struct BarStats {
    pub returns: usize,
    /// Population stdev of log returns, in basis points.
    pub stdev_bps: f64,
    /// Excess kurtosis of log returns (0 for a normal distribution).
    pub excess_kurtosis: f64,
    /// Mean of (high - low) / open, in basis points.
    pub mean_range_bps: f64,
    /// Autocorrelation of |log return| at lags 1, 5, 60 and 1440 bars.
    pub abs_return_acf: [f64; 4],
    /// Mean volume per UTC hour of day divided by the overall hourly mean.
    pub hourly_volume: [f64; 24],
    /// Busiest hour's mean volume over the quietest hour's.
    pub hourly_volume_ratio: f64,
}

/// The lags of [`BarStats::abs_return_acf`].
pub const ACF_LAGS: [usize; 4] = [1, 5, 60, 1440];

/// Computes [`BarStats`] (all zero for fewer than 3 bars).
pub fn bar_stats(s: &BarSeries) -> BarStats {
    let step = s.interval().as_ms();
    let (t, c) = (s.open_times(), s.closes());
    let mut rets = Vec::with_capacity(s.len());
    for i in 1..s.len() {
        if t[i] - t[i - 1] == step && !s.is_filled(i) && !s.is_filled(i - 1) {
            rets.push((c[i] / c[i - 1]).ln());
        }
    }
    let n = rets.len().max(1) as f64;
    let mean = rets.iter().sum::<f64>() / n;
    let m2 = rets.iter().map(|r| (r - mean).powi(2)).sum::<f64>() / n;
    let m4 = rets.iter().map(|r| (r - mean).powi(4)).sum::<f64>() / n;
    let excess_kurtosis = if m2 > 0.0 { m4 / (m2 * m2) - 3.0 } else { 0.0 };

    let mut range_sum = 0.0;
    let mut range_n = 0usize;
    let mut hour_sum = [0.0f64; 24];
    let mut hour_n = [0usize; 24];
    for (i, open_time) in t.iter().enumerate() {
        if s.is_filled(i) {
            continue;
        }
        range_sum += (s.highs()[i] - s.lows()[i]) / s.opens()[i];
        range_n += 1;
        let h = (open_time.rem_euclid(86_400_000) / 3_600_000) as usize;
        hour_sum[h] += s.volumes()[i];
        hour_n[h] += 1;
    }
    let mut hourly = [0.0f64; 24];
    for ((v, sum), n) in hourly.iter_mut().zip(hour_sum).zip(hour_n) {
        *v = if n > 0 { sum / n as f64 } else { 0.0 };
    }
    let seen: Vec<f64> = hourly.iter().copied().filter(|v| *v > 0.0).collect();
    let hour_mean = seen.iter().sum::<f64>() / seen.len().max(1) as f64;
    let (max, min) = seen
        .iter()
        .fold((0.0f64, f64::INFINITY), |(a, b), v| (a.max(*v), b.min(*v)));
    if hour_mean > 0.0 {
        for v in &mut hourly {
            *v /= hour_mean;
        }
    }
    let abs: Vec<f64> = rets.iter().map(|r| r.abs()).collect();
    BarStats {
        returns: rets.len(),
        stdev_bps: m2.sqrt() * 1e4,
        excess_kurtosis,
        mean_range_bps: range_sum / range_n.max(1) as f64 * 1e4,
        abs_return_acf: ACF_LAGS.map(|lag| autocorr(&abs, lag)),
        hourly_volume: hourly,
        hourly_volume_ratio: if min > 0.0 && min.is_finite() {
            max / min
        } else {
            0.0
        },
    }
}

fn autocorr(x: &[f64], lag: usize) -> f64 {
    if x.len() <= lag + 1 {
        return 0.0;
    }
    let mean = x.iter().sum::<f64>() / x.len() as f64;
    let var: f64 = x.iter().map(|v| (v - mean).powi(2)).sum();
    if var == 0.0 {
        return 0.0;
    }
    let cov: f64 = x[lag..]
        .iter()
        .zip(x)
        .map(|(a, b)| (a - mean) * (b - mean))
        .sum();
    cov / var
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn autocorrelation_basics() {
        let alt: Vec<f64> = (0..100)
            .map(|i| if i % 2 == 0 { 1.0 } else { -1.0 })
            .collect();
        assert!((autocorr(&alt, 1) + 0.99).abs() < 0.01);
        assert!((autocorr(&alt, 2) - 0.98).abs() < 0.01);
        assert_eq!(autocorr(&[1.0; 10], 1), 0.0);
    }
}
