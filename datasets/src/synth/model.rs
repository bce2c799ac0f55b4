//! The parameters of the synthetic kline model `regime-sv-t-1`, all per 1-minute step, and the
//! per-symbol profiles (start price, tick, relative volatility, volume level).
//!
//! Calibration: the BTCUSDT numbers were tuned so 1m bars reproduce, within the tolerances
//! of `tests/calibration.rs`, these statistics of real Binance BTCUSDT 1m klines
//! (2025-05-20 to 2025-08-18, 130,708 bars): stdev of log returns 4.56 bps, excess kurtosis
//! 12, mean high-low range 4.24 bps of the open, autocorrelation of |return| 0.30 at lag 1 and
//! 0.16 at lag 60, and an hour-of-day volume profile whose busiest hour (14 UTC) trades 2.6x
//! the quietest (04 UTC). The two hourly tables below are that file's hour-of-day profiles of
//! volume and of return stdev, rounded to two decimals. Other symbols are scaled copies with
//! nominal levels; their prices are not forecasts of anything.
//! Must never live here: the sampling loop (see `synth::generate`).

use crate::synth::rng::{fnv1a64, splitmix64};

/// Model name recorded in the catalog and in cache keys; change it when the output changes.
pub const MODEL: &str = "regime-sv-t-1";

/// Stdev of a 1m log return of BTCUSDT before the regime, volatility and hour multipliers.
pub const BASE_SIGMA_1M: f64 = 4.6e-4;
/// Degrees of freedom of the Student-t innovations (scaled to unit variance).
pub const STUDENT_NU: f64 = 6.0;
/// Fast log-volatility component: half-life in minutes and stationary stdev.
pub const FAST_HALF_LIFE_MIN: f64 = 20.0;
pub const FAST_SD: f64 = 0.35;
/// Slow log-volatility component: half-life in minutes (2 days) and stationary stdev.
pub const SLOW_HALF_LIFE_MIN: f64 = 2880.0;
pub const SLOW_SD: f64 = 0.45;
/// Sub-steps of the Brownian bridge that draws each bar's high and low.
pub const BRIDGE_STEPS: usize = 4;
/// Volume: elasticity to the volatility level, loading on the size of the bar's move, and the
/// stdev of its log-normal noise.
pub const VOLUME_VOL_ELASTICITY: f64 = 1.0;
pub const VOLUME_MOVE_LOADING: f64 = 0.5;
pub const VOLUME_NOISE_SD: f64 = 0.5;
/// Volumes are rounded to this many decimals (0.001).
pub const VOLUME_DECIMALS: i32 = 3;

/// One state of the regime chain.
#[derive(Debug, Clone, Copy)]
pub struct Regime {
    pub name: &'static str,
    /// Multiplies the volatility.
    pub vol_mult: f64,
    /// Log drift per year.
    pub drift_per_year: f64,
    /// Mean time spent in the state before switching, in minutes.
    pub mean_minutes: f64,
    /// Where a switch goes: probabilities of the three states (own state 0).
    pub next: [f64; 3],
}

/// Calm, normal and stressed: a 3-state Markov chain switching vol level and drift.
pub const REGIMES: [Regime; 3] = [
    Regime {
        name: "calm",
        vol_mult: 0.7,
        drift_per_year: 0.30,
        mean_minutes: 3.0 * 1440.0,
        next: [0.0, 0.8, 0.2],
    },
    Regime {
        name: "normal",
        vol_mult: 1.0,
        drift_per_year: 0.0,
        mean_minutes: 2.0 * 1440.0,
        next: [0.6, 0.0, 0.4],
    },
    Regime {
        name: "stressed",
        vol_mult: 1.8,
        drift_per_year: -0.60,
        mean_minutes: 360.0,
        next: [0.3, 0.7, 0.0],
    },
];

/// The regime a series starts in.
pub const START_REGIME: usize = 1;

/// Mean volume by UTC hour of day, relative to the daily mean.
pub const HOURLY_VOLUME: [f64; 24] = [
    1.00, 0.93, 0.92, 0.94, 0.70, 0.80, 0.81, 1.00, 0.86, 0.84, 0.82, 0.81, 1.16, 1.52, 1.80, 1.45,
    1.30, 1.08, 0.89, 1.06, 0.82, 0.85, 0.85, 0.79,
];

/// Stdev of 1m returns by UTC hour of day, relative to the daily mean.
pub const HOURLY_SIGMA: [f64; 24] = [
    1.14, 1.07, 0.93, 0.86, 0.72, 0.74, 0.74, 0.81, 0.81, 0.78, 0.75, 0.72, 1.09, 1.37, 1.48, 1.23,
    1.21, 1.15, 1.10, 1.08, 1.04, 1.20, 1.06, 0.93,
];

/// Nominal levels for one symbol.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SymbolProfile {
    pub start_price: f64,
    /// Volatility relative to BTCUSDT.
    pub vol_scale: f64,
    /// Mean base-asset volume per minute.
    pub volume_per_minute: f64,
}

const KNOWN: [(&str, SymbolProfile); 10] = [
    ("BTCUSDT", profile(87_500.0, 1.0, 150.0)),
    ("ETHUSDT", profile(2_950.0, 1.35, 2_500.0)),
    ("BNBUSDT", profile(860.0, 0.9, 600.0)),
    ("SOLUSDT", profile(125.0, 1.6, 25_000.0)),
    ("XRPUSDT", profile(1.85, 1.5, 1_500_000.0)),
    ("DOGEUSDT", profile(0.125, 1.8, 15_000_000.0)),
    ("ADAUSDT", profile(0.35, 1.7, 3_000_000.0)),
    ("AVAXUSDT", profile(12.5, 1.8, 60_000.0)),
    ("LINKUSDT", profile(12.5, 1.6, 60_000.0)),
    ("LTCUSDT", profile(75.0, 1.4, 8_000.0)),
];

const fn profile(start_price: f64, vol_scale: f64, volume_per_minute: f64) -> SymbolProfile {
    SymbolProfile {
        start_price,
        vol_scale,
        volume_per_minute,
    }
}

impl SymbolProfile {
    /// The profile of `symbol`: a fixed one for ten large USD-M symbols, otherwise one derived
    /// from the name's hash (price between 0.1 and 1,000, 1.5x BTC's volatility, about 1M
    /// USDT traded per minute).
    pub fn of(symbol: &str) -> SymbolProfile {
        if let Some((_, p)) = KNOWN.iter().find(|(s, _)| *s == symbol) {
            return *p;
        }
        let mut h = fnv1a64(symbol);
        let u = (splitmix64(&mut h) >> 11) as f64 / (1u64 << 53) as f64;
        let price = 10f64.powf(-1.0 + 4.0 * u);
        let price = round_to(price, decimals_for(price));
        profile(price, 1.5, 1_000_000.0 / price)
    }

    /// Price decimals: a tick of 10^(floor(log10(price)) - 5), e.g. 0.10 at 87,500.
    pub fn price_decimals(&self) -> i32 {
        decimals_for(self.start_price)
    }
}

fn decimals_for(price: f64) -> i32 {
    (5 - price.log10().floor() as i32).clamp(0, 8)
}

/// Rounds to `decimals` places so the result is the f64 nearest that decimal (integer ticks
/// divided by an exact power of ten), as parsing the decimal text would give.
#[inline]
pub fn round_to(x: f64, decimals: i32) -> f64 {
    let scale = 10f64.powi(decimals);
    (x * scale).round() / scale
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profiles_ticks_and_tables() {
        let btc = SymbolProfile::of("BTCUSDT");
        assert_eq!(btc.price_decimals(), 1);
        assert_eq!(SymbolProfile::of("ETHUSDT").price_decimals(), 2);
        let other = SymbolProfile::of("FOOUSDT");
        assert!((0.1..=1000.0).contains(&other.start_price));
        assert_eq!(other, SymbolProfile::of("FOOUSDT"));
        assert_eq!(round_to(87_500.123, 1).to_string(), "87500.1");
        assert_eq!(round_to(0.30000000000000004, 2).to_string(), "0.3");
        for t in [HOURLY_VOLUME, HOURLY_SIGMA] {
            let mean = t.iter().sum::<f64>() / 24.0;
            assert!((mean - 1.0).abs() < 0.01, "{mean}");
        }
        for r in REGIMES {
            assert!(
                (r.next.iter().sum::<f64>() - 1.0).abs() < 1e-12,
                "{}",
                r.name
            );
        }
    }
}
