//! Loading files by path: layouts, units, zips, the Parquet cache, and errors that name the line.
//! Fixtures are generated here; the real Binance files are covered in `real_data.rs`.

mod common;

use std::fs;

use common::*;
use datasets::text::write_binance_csv;
use datasets::{FileOptions, GapPolicy, SourceFormat, load_file, read_file};
use pipeline::Interval;

fn write(dir: &std::path::Path, name: &str, content: &[u8]) -> std::path::PathBuf {
    let p = dir.join(name);
    fs::write(&p, content).expect("write fixture");
    p
}

#[test]
fn header_and_no_header_ms_and_micros_all_load_the_same_bars() {
    let s = synth_series(500, Interval::M1, 11);
    let dir = tempfile::tempdir().expect("tmp");
    let opts = FileOptions::default();
    let mut loaded = Vec::new();
    for (header, micros) in [(false, false), (true, false), (false, true), (true, true)] {
        let name = format!("BTCUSDT-1m-h{header}-us{micros}.csv");
        let p = write(
            dir.path(),
            &name,
            write_binance_csv(&s, header, micros).as_bytes(),
        );
        let f = read_file(&p, &opts).expect("load");
        assert_eq!(f.report.interval, Interval::M1, "{name}");
        assert_eq!(f.series.symbol().as_str(), "BTCUSDT");
        match (&f.format, header) {
            (Some(SourceFormat::Csv(datasets::text::Layout::BinanceNoHeader)), false) => {}
            (Some(SourceFormat::Csv(datasets::text::Layout::Header { .. })), true) => {}
            other => panic!("{name}: unexpected layout {other:?}"),
        }
        loaded.push(f.series);
    }
    for l in &loaded {
        assert_eq!(l.columns(), s.columns());
    }
}

#[test]
fn generic_csv_with_iso_dates_and_extra_columns() {
    let dir = tempfile::tempdir().expect("tmp");
    let text = "date,open,high,low,close,volume,quote_volume,trades\n\
                2025-01-01T00:00:00Z,100,101,99,100.5,3,300,4\n\
                2025-01-01T01:00:00Z,100.5,102,100,101,2.5,250,3\n\
                2025-01-01T02:00:00Z,101,101.5,100.2,101.2,1,100,1\n";
    let p = write(dir.path(), "eth.csv", text.as_bytes());
    let opts = FileOptions {
        symbol: Some("ETHUSDT".parse().expect("sym")),
        ..FileOptions::default()
    };
    let f = read_file(&p, &opts).expect("load");
    assert_eq!(f.series.len(), 3);
    assert_eq!(f.report.interval, Interval::H1);
    assert_eq!(f.series.bar(2).close, 101.2);
    assert_eq!(f.series.symbol().as_str(), "ETHUSDT");
}

#[test]
fn zip_archives_load_like_their_csv() {
    let s = synth_series(300, Interval::M5, 3);
    let csv = write_binance_csv(&s, true, false);
    let dir = tempfile::tempdir().expect("tmp");
    let p = write(
        dir.path(),
        "BTCUSDT-5m-2026-01.zip",
        &zip_bytes("BTCUSDT-5m-2026-01.csv", csv.as_bytes()),
    );
    let f = read_file(&p, &FileOptions::default()).expect("zip");
    assert_eq!(f.series.columns(), s.columns());
    assert!(
        matches!(f.format, Some(SourceFormat::Zip { ref entry, .. }) if entry == "BTCUSDT-5m-2026-01.csv")
    );

    // A bad row inside a zip names the archive, the entry and the line.
    let bad = edit_line(&csv, 10, |l| set_field(l, 3, "abc"));
    let p = write(dir.path(), "bad.zip", &zip_bytes("bad.csv", bad.as_bytes()));
    let e = read_file(&p, &FileOptions::default()).expect_err("bad");
    assert!(
        e.to_string()
            .contains("bad.zip:bad.csv line 10: low 'abc' is not a number"),
        "{e}"
    );

    let p = write(dir.path(), "junk.zip", b"not a zip");
    let e = read_file(&p, &FileOptions::default()).expect_err("junk");
    assert!(e.to_string().contains("not a readable zip"), "{e}");
}

#[test]
fn corrupted_rows_fail_with_their_line_number() {
    let s = synth_series(2000, Interval::M1, 5);
    let csv = write_binance_csv(&s, true, false);
    let dir = tempfile::tempdir().expect("tmp");
    let opts = FileOptions::default();

    let bad = edit_line(&csv, 500, |l| set_field(l, 4, "12x3.4"));
    let e = read_file(&write(dir.path(), "a.csv", bad.as_bytes()), &opts).expect_err("number");
    assert_eq!(e.line(), Some(500), "{e}");
    assert!(
        e.to_string()
            .contains("close '12x3.4' is not a number; fix or delete the row"),
        "{e}"
    );

    let dup = duplicate_line(&csv, 700);
    let e = read_file(&write(dir.path(), "b.csv", dup.as_bytes()), &opts).expect_err("dup");
    assert_eq!(e.line(), Some(701), "{e}");
    assert!(
        e.to_string()
            .contains("repeats line 700; delete the duplicate row"),
        "{e}"
    );

    let b = s.bar(1040); // line 1042: header is line 1, bar 0 is line 2
    let bad = edit_line(&csv, 1042, |l| set_field(l, 2, &(b.low - 50.0).to_string()));
    let e = read_file(&write(dir.path(), "data.csv", bad.as_bytes()), &opts).expect_err("high");
    let want = format!(
        "line 1042: high {} is below low {}; fix or delete the row",
        b.low - 50.0,
        b.low
    );
    assert!(e.to_string().ends_with(&want), "{e}");
}

#[test]
fn gap_policies_on_a_file() {
    let s = synth_series(100, Interval::M1, 8);
    let csv = write_binance_csv(&s, false, false);
    let mut lines: Vec<&str> = csv.lines().collect();
    lines.drain(40..45); // bars 40..44 missing
    let text = lines.join("\n");
    let dir = tempfile::tempdir().expect("tmp");
    let p = write(dir.path(), "BTCUSDT-gap.csv", text.as_bytes());
    let warn = read_file(&p, &FileOptions::default()).expect("warn");
    assert_eq!(warn.report.gaps.len(), 1);
    assert_eq!(warn.report.gaps[0].missing, 5);
    assert_eq!(warn.series.len(), 95);
    let fill = read_file(
        &p,
        &FileOptions {
            gap_policy: GapPolicy::Fill,
            ..FileOptions::default()
        },
    )
    .expect("fill");
    assert_eq!(fill.series.len(), 100);
    assert_eq!(fill.series.filled_count(), 5);
    assert!(fill.series.is_filled(40) && !fill.series.is_filled(45));
    let e = read_file(
        &p,
        &FileOptions {
            gap_policy: GapPolicy::Error,
            ..FileOptions::default()
        },
    )
    .expect_err("error");
    assert_eq!(e.line(), Some(41), "{e}");
}

#[test]
fn parquet_cache_round_trip_equals_the_csv_load() {
    let (_tmp, home) = temp_home();
    let s = synth_series(3000, Interval::M1, 21);
    let dir = tempfile::tempdir().expect("tmp");
    let p = write(
        dir.path(),
        "BTCUSDT-1m.csv",
        write_binance_csv(&s, true, false).as_bytes(),
    );
    let opts = FileOptions::default();
    let first = load_file(&home, &p, &opts).expect("first");
    assert!(!first.from_cache);
    let cached: Vec<_> = fs::read_dir(home.cache_dir()).expect("cache dir").collect();
    assert_eq!(
        cached.len(),
        1,
        "exactly one finished cache file, no temp files"
    );
    let second = load_file(&home, &p, &opts).expect("second");
    assert!(second.from_cache);
    assert_eq!(second.series, first.series);
    assert_eq!(second.series.columns(), s.columns());
    assert_eq!(second.sha256, first.sha256);
    assert_eq!(second.report.gaps, first.report.gaps);

    // A Parquet file can be loaded directly too.
    let pq = home
        .cache_dir()
        .join(cached[0].as_ref().expect("entry").file_name());
    let direct = read_file(
        &pq,
        &FileOptions {
            symbol: Some("BTCUSDT".parse().expect("s")),
            ..opts
        },
    )
    .expect("parquet");
    assert_eq!(direct.series.columns(), s.columns());
}
