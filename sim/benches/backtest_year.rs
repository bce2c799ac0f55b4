//! The main job's hot path end to end: one year of 1m BTCUSDT bars (525,600, from the synthetic
//! generator, as `sim data synth` makes them) with `sma_cross` 10/30 through the strategy, every
//! pipeline stage and the simulated exchange with Binance's mainnet filters. Reads as bars/s.
//! Cases: without a journal (the engine alone), with the in-memory journal (every intent,
//! plan, permit and result serialised on the loop's thread), and with the journal files as
//! `sim backtest` writes them (`BackgroundJournal`: serialised on a writer thread, which the
//! loop helps when it falls behind; the time includes waiting for the last line).

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use pipeline::exchange_info::{Environment, snapshot};
use pipeline::stages::journal::{NullJournal, VecJournal};
use pipeline::{Interval, Symbol, TimestampMs};
use sim::backtest::journal_thread::BackgroundJournal;
use sim::backtest::simulate;

fn bench(c: &mut Criterion) {
    let sym = Symbol::new("BTCUSDT").expect("symbol");
    let year = datasets::generate(
        &sym,
        Interval::M1,
        TimestampMs::from_utc(2025, 1, 1, 0, 0, 0),
        TimestampMs::from_utc(2025, 12, 31, 23, 59, 0),
        7,
    )
    .expect("one year of synthetic bars");
    assert_eq!(year.len(), 525_600);
    let spec = sim::config::load(
        None,
        &[
            "run.exchange_info=\"mainnet\"".to_string(),
            "strategy.name=\"sma_cross\"".to_string(),
            "strategy.fast=10".to_string(),
            "strategy.slow=30".to_string(),
        ],
    )
    .expect("the bench config");
    let info = snapshot(Environment::Mainnet).expect("snapshot");
    let series = [&year];

    // The case must trade, or it measures an idle loop.
    let probe = simulate(&spec, &series, info.clone(), NullJournal).expect("runs");
    assert!(!probe.exchange.fills().is_empty(), "the bench run trades");

    let mut g = c.benchmark_group("backtest_1y_1m_sma_cross");
    g.throughput(Throughput::Elements(year.len() as u64));
    g.sample_size(10);
    g.bench_function("no_journal", |b| {
        b.iter(|| {
            let sim = simulate(&spec, &series, info.clone(), NullJournal).expect("runs");
            black_box(sim.bars)
        })
    });
    g.bench_function("in_memory_journal", |b| {
        b.iter(|| {
            let sim = simulate(&spec, &series, info.clone(), VecJournal::default()).expect("runs");
            black_box(sim.bars)
        })
    });
    g.bench_function("journal_files", |b| {
        b.iter(|| {
            let dir = tempfile::tempdir().expect("temporary directory");
            let journal = BackgroundJournal::create(dir.path()).expect("journals");
            let sim = simulate(&spec, &series, info.clone(), journal).expect("runs");
            let lines = sim.journal.finish().expect("journals written");
            black_box((sim.bars, lines))
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
