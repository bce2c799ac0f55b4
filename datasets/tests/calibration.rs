//! The synthetic model against real BTCUSDT 1m klines: the statistics the model is calibrated on
//! (see `datasets::synth::model`) must fall within the tolerances below. Skipped, with a
//! message, when `../shared/real-data` is absent.
//!
//! Tolerances (synthetic btc_2026q1 vs real 2025-05-20..2025-08-18):
//! - stdev of 1m log returns: within 20%;
//! - excess kurtosis: between a third of and 3x the real value (sample kurtosis is noisy);
//! - mean high-low range in bps: within 20%;
//! - autocorrelation of |returns|: within 0.08 at lags 1 and 60 and positive at lag 1440;
//! - hour-of-day volume profile: busiest/quietest ratio within 25%, busiest hour within 2h.

mod common;

use common::*;
use datasets::{BarStats, FileOptions, LoadOptions, bar_stats, load_with, read_file};

fn show(label: &str, s: &BarStats) {
    eprintln!(
        "{label:>10}: stdev {:.2} bps, excess kurtosis {:.1}, range {:.2} bps, acf|r| {:?}, volume ratio {:.2} (peak hour {})",
        s.stdev_bps,
        s.excess_kurtosis,
        s.mean_range_bps,
        s.abs_return_acf.map(|x| (x * 1000.0).round() / 1000.0),
        s.hourly_volume_ratio,
        peak_hour(s)
    );
}

fn peak_hour(s: &BarStats) -> usize {
    (0..24)
        .max_by(|&a, &b| s.hourly_volume[a].total_cmp(&s.hourly_volume[b]))
        .unwrap_or(0)
}

fn within(name: &str, got: f64, want: f64, rel: f64) {
    assert!(
        (got - want).abs() <= rel * want.abs(),
        "{name}: synthetic {got:.4} vs real {want:.4} (tolerance {:.0}%)",
        rel * 100.0
    );
}

#[test]
fn synthetic_btc_matches_real_btc_1m_statistics() {
    let Some(path) = real_file(REAL_1M_2025) else {
        return;
    };
    let real = bar_stats(
        &read_file(&path, &FileOptions::default())
            .expect("real")
            .series,
    );
    let (_tmp, home) = temp_home();
    let ds = load_with(&home, "btc_2026q1", &LoadOptions::default()).expect("synthetic");
    assert!(ds.is_synthetic());
    let syn = bar_stats(&ds.series()[0]);
    show("real", &real);
    show("synthetic", &syn);

    within(
        "stdev of 1m log returns",
        syn.stdev_bps,
        real.stdev_bps,
        0.20,
    );
    assert!(
        syn.excess_kurtosis >= real.excess_kurtosis / 3.0
            && syn.excess_kurtosis <= real.excess_kurtosis * 3.0,
        "excess kurtosis: synthetic {:.1} vs real {:.1}",
        syn.excess_kurtosis,
        real.excess_kurtosis
    );
    within(
        "mean high-low range",
        syn.mean_range_bps,
        real.mean_range_bps,
        0.20,
    );
    for (k, lag) in [(0, 1), (2, 60)] {
        let (g, w) = (syn.abs_return_acf[k], real.abs_return_acf[k]);
        assert!(
            (g - w).abs() <= 0.08,
            "acf of |r| at lag {lag}: synthetic {g:.3} vs real {w:.3}"
        );
    }
    assert!(
        syn.abs_return_acf[3] > 0.0,
        "volatility clustering must persist over a day"
    );
    within(
        "hour-of-day volume ratio",
        syn.hourly_volume_ratio,
        real.hourly_volume_ratio,
        0.25,
    );
    let (ps, pr) = (peak_hour(&syn) as i64, peak_hour(&real) as i64);
    assert!(
        (ps - pr).abs() <= 2,
        "busiest hour: synthetic {ps} vs real {pr}"
    );
}
