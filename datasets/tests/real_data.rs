//! The real Binance files in `../shared/real-data` (skipped with a message when absent): each
//! loads, the 1h file has its 28 exchange-outage gaps, the 5m file its one (the 2023-03-24
//! spot halt) and the 1m files none, corrupted copies fail
//! on the right line, and the cache returns exactly what the CSV gave.

mod common;

use std::fs;

use common::*;
use datasets::{FileOptions, GapPolicy, load_file, read_file};
use pipeline::{Interval, TimestampMs};

#[test]
fn every_real_file_loads_with_the_documented_rows_and_gaps() {
    let cases = [
        (REAL_1M_2025, Interval::M1, 130_708, 0),
        (REAL_1M_2024, Interval::M1, 41_761, 0),
        (REAL_1H, Interval::H1, 58_419, 28),
        // Not gap-free: Binance spot halted trading on 2023-03-24, 12:40-13:55 UTC (16 bars).
        (REAL_5M, Interval::M5, 2_576, 1),
    ];
    for (name, interval, rows, gaps) in cases {
        let Some(path) = real_file(name) else { return };
        let f = read_file(&path, &FileOptions::default()).expect(name);
        assert_eq!(f.report.interval, interval, "{name}");
        assert_eq!(f.series.symbol().as_str(), "BTCUSDT", "{name}");
        assert_eq!(f.report.gaps.len(), gaps, "{name}");
        assert_eq!(f.series.len(), rows, "{name}");
        let span = (f.report.last.0 - f.report.first.0) / interval.as_ms() + 1;
        assert_eq!(
            span as u64,
            f.series.len() as u64 + f.report.missing_bars(),
            "{name}"
        );
    }
}

#[test]
fn the_1h_gaps_fill_to_a_complete_grid() {
    let Some(path) = real_file(REAL_1H) else {
        return;
    };
    let opts = FileOptions {
        gap_policy: GapPolicy::Fill,
        ..FileOptions::default()
    };
    let f = read_file(&path, &opts).expect("1h");
    assert_eq!(f.report.gaps.len(), 28);
    assert_eq!(f.report.filled as u64, f.report.missing_bars());
    assert!(
        f.series
            .open_times()
            .windows(2)
            .all(|w| w[1] - w[0] == 3_600_000)
    );
    assert_eq!(
        f.series.first_open_time(),
        Some(TimestampMs::from_utc(2017, 8, 17, 4, 0, 0))
    );
    let e = read_file(
        &path,
        &FileOptions {
            gap_policy: GapPolicy::Error,
            ..FileOptions::default()
        },
    )
    .expect_err("gaps are errors under Error");
    assert!(e.to_string().contains("missing"), "{e}");
}

#[test]
fn the_5m_binance_layout_file_has_no_header_and_loads_from_a_zip() {
    let Some(path) = real_file(REAL_5M) else {
        return;
    };
    let direct = read_file(&path, &FileOptions::default()).expect("csv");
    assert_eq!(
        direct.series.first_open_time(),
        Some(TimestampMs(1_679_270_400_000))
    );
    let gap = direct.report.gaps[0];
    assert_eq!(gap.start, TimestampMs::from_utc(2023, 3, 24, 12, 40, 0));
    assert_eq!(gap.end, TimestampMs::from_utc(2023, 3, 24, 13, 55, 0));
    assert_eq!(gap.missing, 16);
    let dir = tempfile::tempdir().expect("tmp");
    let zip = dir.path().join("BTCUSDT-5m-2023-03.zip");
    let text = fs::read(&path).expect("read");
    fs::write(&zip, zip_bytes("BTCUSDT-5m-2023-03.csv", &text)).expect("zip");
    let zipped = read_file(&zip, &FileOptions::default()).expect("zip");
    assert_eq!(zipped.series, direct.series);
}

#[test]
fn corrupted_copies_of_a_real_file_name_the_line() {
    let Some(path) = real_file(REAL_1M_2025) else {
        return;
    };
    let text = fs::read_to_string(&path).expect("read");
    let dir = tempfile::tempdir().expect("tmp");
    let opts = FileOptions::default();
    let check = |name: &str, content: String, line: u64, says: &str| {
        let p = dir.path().join(name);
        fs::write(&p, content).expect("write");
        let e = read_file(&p, &opts).expect_err(name);
        assert_eq!(e.line(), Some(line), "{e}");
        assert!(e.to_string().contains(says), "{e}");
        assert!(e.to_string().contains(name), "{e}");
    };
    check(
        "bad_number.csv",
        edit_line(&text, 5000, |l| set_field(l, 1, "10557x.3")),
        5000,
        "open '10557x.3' is not a number",
    );
    check(
        "dup.csv",
        duplicate_line(&text, 20_000),
        20_001,
        "repeats line 20000",
    );
    let low_of_1042: f64 = text
        .lines()
        .nth(1041)
        .and_then(|l| l.split(',').nth(3))
        .and_then(|v| v.parse().ok())
        .expect("low");
    check(
        "high_low.csv",
        edit_line(&text, 1042, |l| {
            set_field(l, 2, &format!("{}", low_of_1042 - 50.0))
        }),
        1042,
        "is below low",
    );
}

#[test]
fn cache_of_a_real_file_round_trips_exactly() {
    let Some(path) = real_file(REAL_1M_2024) else {
        return;
    };
    let (_tmp, home) = temp_home();
    let csv = read_file(&path, &FileOptions::default()).expect("csv");
    let first = load_file(&home, &path, &FileOptions::default()).expect("first");
    let second = load_file(&home, &path, &FileOptions::default()).expect("second");
    assert!(!first.from_cache && second.from_cache);
    assert_eq!(second.series, csv.series);
    assert_eq!(
        second.sha256.as_deref(),
        Some(datasets::sha256_file(&path).expect("sha").as_str())
    );
}
