//! `btc_2026q1` works offline: the first load generates the synthetic stand-in and caches it,
//! the same seed gives byte-identical output, and the dataset says it is synthetic.

mod common;

use std::fs;

use common::*;
use datasets::{DataKind, LoadOptions, cache_files, load_with};
use pipeline::TimestampMs;

#[test]
fn btc_2026q1_is_generated_cached_and_labelled_synthetic() {
    let (_tmp, home) = temp_home();
    let first = load_with(&home, "btc_2026q1", &LoadOptions::default()).expect("first load");
    assert!(first.is_synthetic());
    assert_eq!(first.kind(), DataKind::Synthetic);
    assert!(!first.from_cache());
    assert_eq!(first.series().len(), 1);
    let s = first.get("BTCUSDT").expect("BTCUSDT");
    assert_eq!(s.len(), 129_600);
    assert_eq!(
        s.first_open_time(),
        Some(TimestampMs::from_utc(2026, 1, 1, 0, 0, 0))
    );
    assert_eq!(
        s.last_open_time(),
        Some(TimestampMs::from_utc(2026, 3, 31, 23, 59, 0))
    );
    assert!(first.reports()[0].gaps.is_empty());
    for b in s.iter().step_by(97) {
        for p in [b.open, b.high, b.low, b.close] {
            assert_eq!(
                (p * 10.0).round() / 10.0,
                p,
                "price {p} is not on the 0.10 tick"
            );
        }
        assert_eq!((b.volume * 1000.0).round() / 1000.0, b.volume);
    }
    let files = cache_files(&home, first.entry()).expect("cache files");
    assert!(files.iter().all(|(_, exists)| *exists), "{files:?}");

    let again = load_with(&home, "btc_2026q1", &LoadOptions::default()).expect("second load");
    assert!(again.from_cache());
    assert_eq!(again.series(), first.series());
}

#[test]
fn the_same_seed_gives_byte_identical_cache_files() {
    let (_a, home_a) = temp_home();
    let (_b, home_b) = temp_home();
    let a = load_with(&home_a, "btc_2026q1", &LoadOptions::default()).expect("a");
    let b = load_with(&home_b, "btc_2026q1", &LoadOptions::default()).expect("b");
    assert_eq!(a.series(), b.series());
    let fa = cache_files(&home_a, a.entry()).expect("fa");
    let fb = cache_files(&home_b, b.entry()).expect("fb");
    let bytes_a = fs::read(&fa[0].0).expect("read a");
    let bytes_b = fs::read(&fb[0].0).expect("read b");
    assert!(bytes_a == bytes_b, "cache files differ");
    let bits =
        |s: &datasets::BarSeries| -> Vec<u64> { s.closes().iter().map(|c| c.to_bits()).collect() };
    assert_eq!(bits(&a.series()[0]), bits(&b.series()[0]));
}

#[test]
fn unknown_names_say_what_to_do() {
    let (_tmp, home) = temp_home();
    let e = load_with(&home, "btc_2099", &LoadOptions::default()).expect_err("unknown");
    assert!(e.to_string().contains("sim data list"), "{e}");
}
