//! Deterministic synthetic klines: the stand-in for real data on a machine with no downloads.
//!
//! The model (`regime-sv-t-1`, parameters in [`model`]): per bar,
//! 1. a 3-state Markov regime (calm / normal / stressed) switches the volatility level and the
//!    drift;
//! 2. log volatility is the sum of two Ornstein-Uhlenbeck components (half-lives 20 minutes and
//!    2 days), which gives the slow decay of the autocorrelation of |returns|;
//! 3. volatility and volume follow an hour-of-day profile measured on real BTCUSDT 1m bars;
//! 4. the bar's log return is Student-t (6 degrees of freedom, unit variance) times that
//!    volatility: fat tails;
//! 5. high and low come from a Brownian bridge of 4 sub-steps between open and close, so OHLC
//!    are consistent by construction; open is the previous close;
//! 6. volume = level x hour profile x volatility level x (1 + 0.5 |shock|) x log-normal noise;
//! 7. prices are rounded to the symbol's tick (0.10 for BTCUSDT), volumes to 0.001.
//!
//! Determinism: each symbol draws from its own xoshiro256++ stream seeded by
//! `splitmix(seed ^ fnv1a(symbol))`, so the same (symbol, interval, range, seed) gives
//! byte-identical bars, and adding a symbol to a dataset does not change the others. Symbols
//! are independent of each other (no cross-correlation): a known limitation.
//! Must never live here: I/O; the caller caches (see `crate::dataset`).

pub mod model;
pub mod rng;

use pipeline::{Interval, Symbol, TimestampMs};
use rand::Rng;
use rand_distr::{StandardNormal, StudentT};
use serde::{Deserialize, Serialize};

use crate::error::{DatasetError, Result};
use crate::series::{BarSeries, Columns};
use crate::validate::{GapPolicy, Locator, validate};
use model::{REGIMES, SymbolProfile};
use rng::{SynthRng, fnv1a64, splitmix64};

/// The generator settings recorded in a catalog entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SynthSpec {
    pub seed: u64,
    #[serde(default = "default_model")]
    pub model: String,
}

fn default_model() -> String {
    model::MODEL.to_string()
}

impl SynthSpec {
    pub fn new(seed: u64) -> Self {
        Self {
            seed,
            model: default_model(),
        }
    }
}

/// Number of bars from `start` to `end` inclusive.
pub fn bar_count(interval: Interval, start: TimestampMs, end: TimestampMs) -> u64 {
    if end < start {
        return 0;
    }
    ((end.0 - start.0) / interval.as_ms()) as u64 + 1
}

/// Generates the bars of `symbol` whose open times run from `start` to `end` inclusive.
pub fn generate(
    symbol: &Symbol,
    interval: Interval,
    start: TimestampMs,
    end: TimestampMs,
    seed: u64,
) -> Result<BarSeries> {
    let cols = generate_columns(symbol, interval, start, end, seed)?;
    let label = format!("synthetic {symbol} {interval}");
    let loc = Locator {
        file: &label,
        lines: None,
    };
    let (series, _) = validate(cols, symbol.clone(), Some(interval), GapPolicy::Error, loc)?;
    Ok(series)
}

/// Per-bar constants derived from the 1-minute parameters for an interval of `m` minutes.
struct Steps {
    minutes: f64,
    phi_fast: f64,
    phi_slow: f64,
    shock_fast: f64,
    shock_slow: f64,
    switch_prob: [f64; 3],
    drift: [f64; 3],
    sigma: f64,
}

impl Steps {
    fn new(interval: Interval, profile: &SymbolProfile) -> Self {
        let m = interval.as_ms() as f64 / 60_000.0;
        let phi = |hl: f64| (-std::f64::consts::LN_2 * m / hl).exp();
        let (phi_fast, phi_slow) = (
            phi(model::FAST_HALF_LIFE_MIN),
            phi(model::SLOW_HALF_LIFE_MIN),
        );
        Steps {
            minutes: m,
            phi_fast,
            phi_slow,
            shock_fast: model::FAST_SD * (1.0 - phi_fast * phi_fast).sqrt(),
            shock_slow: model::SLOW_SD * (1.0 - phi_slow * phi_slow).sqrt(),
            switch_prob: REGIMES.map(|r| 1.0 - (-m / r.mean_minutes).exp()),
            drift: REGIMES.map(|r| r.drift_per_year * m / 525_600.0),
            sigma: model::BASE_SIGMA_1M * profile.vol_scale * m.sqrt(),
        }
    }
}

/// Mean of an hourly table over the hours a bar opening at `t` covers.
fn hourly(table: &[f64; 24], t: i64, minutes: f64) -> f64 {
    let h0 = (t.rem_euclid(86_400_000) / 3_600_000) as usize;
    let hours = ((minutes / 60.0).ceil() as usize).clamp(1, 24);
    (0..hours).map(|k| table[(h0 + k) % 24]).sum::<f64>() / hours as f64
}

/// The raw columns of [`generate`] (already valid by construction).
pub fn generate_columns(
    symbol: &Symbol,
    interval: Interval,
    start: TimestampMs,
    end: TimestampMs,
    seed: u64,
) -> Result<Columns> {
    if interval == Interval::Mo1 {
        return Err(DatasetError::Invalid(
            "synthetic data needs a fixed-length interval; 1M months vary, use 1w or shorter"
                .into(),
        ));
    }
    if end < start {
        return Err(DatasetError::Invalid(format!(
            "the range ends ({}) before it starts ({}); swap --start and --end",
            end.to_minute_string(),
            start.to_minute_string()
        )));
    }
    let n = bar_count(interval, start, end) as usize;
    let profile = SymbolProfile::of(symbol.as_str());
    let st = Steps::new(interval, &profile);
    let mut stream = seed ^ fnv1a64(symbol.as_str());
    let mut rng = SynthRng::seed_from(splitmix64(&mut stream));
    let student = StudentT::new(model::STUDENT_NU)
        .map_err(|e| DatasetError::Invalid(format!("bad model parameter: {e}")))?;
    let t_scale = ((model::STUDENT_NU - 2.0) / model::STUDENT_NU).sqrt();
    let mean_fix = (-0.5 * (model::FAST_SD.powi(2) + model::SLOW_SD.powi(2))).exp();
    let pdec = profile.price_decimals();
    let bridge_sd = 1.0 / (model::BRIDGE_STEPS as f64).sqrt();
    let noise_fix = -0.5 * model::VOLUME_NOISE_SD.powi(2);

    let mut cols = Columns::with_capacity(n);
    let (mut state, mut x_fast, mut x_slow) = (model::START_REGIME, 0.0f64, 0.0f64);
    let mut price = profile.start_price;
    let mut walk = [0.0f64; model::BRIDGE_STEPS];
    let step = interval.as_ms();
    for i in 0..n {
        let t = start.0 + i as i64 * step;
        if rng.unit() < st.switch_prob[state] {
            let u = rng.unit();
            let next = REGIMES[state].next;
            state = if u < next[0] {
                0
            } else if u < next[0] + next[1] {
                1
            } else {
                2
            };
        }
        let n1: f64 = rng.sample(StandardNormal);
        let n2: f64 = rng.sample(StandardNormal);
        x_fast = st.phi_fast * x_fast + st.shock_fast * n1;
        x_slow = st.phi_slow * x_slow + st.shock_slow * n2;
        let activity = REGIMES[state].vol_mult * (x_fast + x_slow).exp() * mean_fix;
        let sigma = st.sigma * activity * hourly(&model::HOURLY_SIGMA, t, st.minutes);
        let z = rng.sample(student) * t_scale;
        let ret = st.drift[state] + sigma * z;

        let mut acc = 0.0;
        for w in walk.iter_mut() {
            acc += rng.sample::<f64, _>(StandardNormal);
            *w = acc;
        }
        let end_w = acc;
        let (mut lo, mut hi) = (ret.min(0.0), ret.max(0.0));
        for (k, w) in walk.iter().take(model::BRIDGE_STEPS - 1).enumerate() {
            let f = (k + 1) as f64 / model::BRIDGE_STEPS as f64;
            let b = f * ret + sigma * bridge_sd * (w - f * end_w);
            lo = lo.min(b);
            hi = hi.max(b);
        }
        let close_raw = price * ret.exp();
        let noise: f64 = rng.sample(StandardNormal);
        let volume = profile.volume_per_minute
            * st.minutes
            * hourly(&model::HOURLY_VOLUME, t, st.minutes)
            * activity.powf(model::VOLUME_VOL_ELASTICITY)
            * (1.0 + model::VOLUME_MOVE_LOADING * z.abs())
            * (model::VOLUME_NOISE_SD * noise + noise_fix).exp();
        cols.push(
            t,
            model::round_to(price, pdec),
            model::round_to(price * hi.exp(), pdec),
            model::round_to(price * lo.exp(), pdec),
            model::round_to(close_raw, pdec),
            model::round_to(volume, model::VOLUME_DECIMALS),
        );
        price = close_raw;
    }
    Ok(cols)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_bars_other_seed_other_bars() {
        let s = Symbol::new("BTCUSDT").expect("s");
        let t0 = TimestampMs::from_utc(2026, 1, 1, 0, 0, 0);
        let t1 = t0.plus_ms(999 * 60_000);
        let a = generate(&s, Interval::M1, t0, t1, 1).expect("a");
        let b = generate(&s, Interval::M1, t0, t1, 1).expect("b");
        let c = generate(&s, Interval::M1, t0, t1, 2).expect("c");
        assert_eq!(a.len(), 1000);
        assert_eq!(a, b);
        assert_ne!(a.closes(), c.closes());
        for x in a.closes() {
            assert_eq!(model::round_to(*x, 1), *x);
        }
        assert_eq!(a.opens()[1], a.closes()[0]);
    }

    #[test]
    fn other_intervals_and_bad_requests() {
        let s = Symbol::new("NEWUSDT").expect("s");
        let t0 = TimestampMs::from_utc(2025, 1, 1, 0, 0, 0);
        let t1 = TimestampMs::from_utc(2025, 1, 31, 0, 0, 0);
        let d = generate(&s, Interval::H4, t0, t1, 3).expect("4h");
        assert_eq!(d.len() as u64, bar_count(Interval::H4, t0, t1));
        assert!(generate(&s, Interval::Mo1, t0, t1, 3).is_err());
        assert!(generate(&s, Interval::M1, t1, t0, 3).is_err());
    }
}
