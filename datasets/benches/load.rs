//! Loading one year of 1m bars (525,600 rows): from a Binance-layout CSV (parse + validate),
//! from the Parquet cache (what every load after the first does; `parquet_cache_decode_only` is
//! the same read without validation, so the difference is the validation's share), and
//! iterating the loaded series as `Bar`s (the backtest hot path). Results read as rows/s.
//! The input is generated once per run, in a temp dir.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use datasets::text::write_binance_csv;
use datasets::{DataHome, FileOptions, generate, load_file, read_file, read_parquet};
use pipeline::{Interval, Symbol, TimestampMs};

fn one_year() -> datasets::BarSeries {
    let sym = Symbol::new("BTCUSDT").expect("symbol");
    let start = TimestampMs::from_utc(2025, 1, 1, 0, 0, 0);
    let end = TimestampMs::from_utc(2025, 12, 31, 23, 59, 0);
    generate(&sym, Interval::M1, start, end, 7).expect("generate")
}

fn bench_load(c: &mut Criterion) {
    let series = one_year();
    let rows = series.len() as u64;
    let dir = tempfile::tempdir().expect("tempdir");
    let csv = dir.path().join("BTCUSDT-1m-2025.csv");
    std::fs::write(&csv, write_binance_csv(&series, true, false)).expect("write csv");
    let home = DataHome::at(dir.path().join("home"));
    let opts = FileOptions::default();
    load_file(&home, &csv, &opts).expect("warm the cache");
    let cache = std::fs::read_dir(home.cache_dir())
        .expect("cache dir")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|x| x == "parquet"))
        .expect("cache file");

    let mut g = c.benchmark_group("load_1y_1m");
    g.throughput(Throughput::Elements(rows));
    g.sample_size(10);
    g.bench_function("csv_parse_validate", |b| {
        b.iter(|| black_box(read_file(&csv, &opts).expect("csv").series.len()))
    });
    g.bench_function("parquet_cache", |b| {
        b.iter(|| black_box(read_file(&cache, &opts).expect("parquet").series.len()))
    });
    g.bench_function("parquet_cache_decode_only", |b| {
        b.iter(|| black_box(read_parquet(&cache).expect("parquet").len()))
    });
    g.bench_function("load_file_cache_hit_incl_sha256", |b| {
        b.iter(|| black_box(load_file(&home, &csv, &opts).expect("hit").series.len()))
    });
    g.finish();

    let mut g = c.benchmark_group("iterate_1y_1m");
    g.throughput(Throughput::Elements(rows));
    g.bench_function("bars", |b| {
        b.iter(|| {
            let mut acc = 0.0;
            for bar in series.iter() {
                acc += bar.close - bar.open;
            }
            black_box(acc)
        })
    });
    g.finish();
}

criterion_group!(benches, bench_load);
criterion_main!(benches);
