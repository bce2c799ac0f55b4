//! Generating synthetic 1m bars: `btc_2026q1` (129,600 bars) and one year (525,600 bars).
//! Results read as bars/s.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use datasets::generate;
use pipeline::{Interval, Symbol, TimestampMs};

fn bench_synth(c: &mut Criterion) {
    let sym = Symbol::new("BTCUSDT").expect("symbol");
    let cases = [
        (
            "btc_2026q1_129600",
            TimestampMs::from_utc(2026, 1, 1, 0, 0, 0),
            TimestampMs::from_utc(2026, 3, 31, 23, 59, 0),
        ),
        (
            "one_year_525600",
            TimestampMs::from_utc(2025, 1, 1, 0, 0, 0),
            TimestampMs::from_utc(2025, 12, 31, 23, 59, 0),
        ),
    ];
    let mut g = c.benchmark_group("synth_1m");
    g.sample_size(10);
    for (name, start, end) in cases {
        let bars = ((end.0 - start.0) / 60_000 + 1) as u64;
        g.throughput(Throughput::Elements(bars));
        g.bench_function(name, |b| {
            b.iter(|| {
                black_box(
                    generate(&sym, Interval::M1, start, end, 2026)
                        .expect("generate")
                        .len(),
                )
            })
        });
    }
    g.finish();
}

criterion_group!(benches, bench_synth);
criterion_main!(benches);
