//! The one-symbol fast path against the general multi-symbol path.
//!
//! A run over one symbol takes shortcuts in `sim/src/backtest/run_loop.rs` (the strategy run
//! ahead over a signal tape, quiet bars passed to the exchange and the governor in one go,
//! their equity points from the unchanged account); a run over several symbols merges bars
//! one by one. Both must give the same outputs. Each case here runs one symbol both ways
//! (`simulate_from`, which takes the fast path, and `simulate_on_general_path`) and compares
//! everything: the equity curve bit for bit, every journal record, and every file of the run
//! folder (fills, trades, equity, prices, the summary with its metrics, account, funnel and
//! fingerprint; only the summary's `wall_clock` section is left out).
//! The cases trade plenty and between them close trades by TP, SL, signal and liquidation,
//! pay funding, fill with random slippage and delayed orders, skip warm-up bars and replay
//! recorded intents; each case asserts that it still does what it is there to test.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use pipeline::exchange_info::{Environment, snapshot};
use pipeline::stages::journal::VecJournal;
use pipeline::{Interval, Symbol, TimestampMs};
use sim::backtest::summary::{RunInputs, write_run_folder};
use sim::backtest::{Simulation, simulate_from, simulate_on_general_path};

use crate::support::repo;

/// One symbol's synthetic 1m bars from `start` to `end` (dates, last day whole), as `sim data
/// synth` makes them.
fn bars(
    symbol: &str,
    start: (i32, u32, u32),
    end: (i32, u32, u32),
    seed: u64,
) -> datasets::BarSeries {
    datasets::generate(
        &Symbol::new(symbol).expect("symbol"),
        Interval::M1,
        TimestampMs::from_utc(start.0, start.1, start.2, 0, 0, 0),
        TimestampMs::from_utc(end.0, end.1, end.2, 23, 59, 0),
        seed,
    )
    .expect("synthetic bars")
}

/// What one case runs: the run config's overrides, the exchange info, and the warm-up end.
struct Case<'a> {
    name: &'a str,
    series: &'a datasets::BarSeries,
    env: Environment,
    overrides: &'a [&'a str],
    /// Bars before this index trade nothing (a live session's warm-up); 0: none.
    warm_up_bars: usize,
}

/// The run folder files of a simulation, written as `sim backtest` writes them, by name
/// (`summary.json` without its `wall_clock` section).
fn run_folder(
    case: &Case<'_>,
    sim: &Simulation<VecJournal>,
    dir: &Path,
) -> BTreeMap<String, Vec<u8>> {
    let spec = spec_of(case);
    let series = [case.series];
    let info = snapshot(case.env).expect("snapshot");
    let inputs = RunInputs {
        spec: &spec,
        dataset_name: case.name,
        synthetic: true,
        series: &series,
        info_name: case.env.as_str(),
        info_hash: datasets::sha256_hex(info.to_json_pretty().as_bytes()),
        bars: sim.bars,
        journal_lines: sim.journal.lines.len() as u64,
        elapsed: Duration::ZERO,
    };
    std::fs::create_dir_all(dir).expect("run folder");
    write_run_folder(dir, &inputs, &sim.exchange, &sim.equity, &sim.funnel).expect("run folder");
    let mut files = BTreeMap::new();
    for entry in std::fs::read_dir(dir).expect("run folder") {
        let path = entry.expect("entry").path();
        let name = path
            .file_name()
            .expect("name")
            .to_string_lossy()
            .into_owned();
        let mut bytes = std::fs::read(&path).expect("read");
        // Compressed tables compare as the text they hold, under its name.
        let name = match name.strip_suffix(".zst") {
            Some(text) => {
                bytes = zstd::decode_all(bytes.as_slice()).expect("zstd");
                text.to_string()
            }
            None => name,
        };
        if name == "summary.json" {
            let mut v: serde_json::Value = serde_json::from_slice(&bytes).expect("json");
            v.as_object_mut().expect("object").remove("wall_clock");
            bytes = serde_json::to_vec_pretty(&v).expect("json");
        }
        files.insert(name, bytes);
    }
    files
}

fn spec_of(case: &Case<'_>) -> sim::config::RunSpec {
    let overrides: Vec<String> = case.overrides.iter().map(|s| s.to_string()).collect();
    sim::config::load(None, &overrides).expect("the case's config")
}

/// The first index where `a` and `b` differ (or where the shorter ends), if any.
fn first_difference<T: PartialEq>(a: &[T], b: &[T]) -> Option<usize> {
    (0..a.len().max(b.len())).find(|&i| a.get(i) != b.get(i))
}

/// Runs `case` on both paths and asserts that every output is the same; returns the fast
/// path's run folder files for the case's own checks.
fn both_paths_agree(case: &Case<'_>) -> BTreeMap<String, Vec<u8>> {
    let spec = spec_of(case);
    let series = [case.series];
    let info = snapshot(case.env).expect("snapshot");
    let trade_from: BTreeMap<Symbol, i64> = if case.warm_up_bars > 0 {
        let t = case.series.open_times()[case.warm_up_bars];
        BTreeMap::from([(case.series.symbol().clone(), t)])
    } else {
        BTreeMap::new()
    };
    let fast = simulate_from(
        &spec,
        &series,
        info.clone(),
        VecJournal::default(),
        &trade_from,
        &mut |_, _| {},
    )
    .expect("fast path runs");
    let general =
        simulate_on_general_path(&spec, &series, info, VecJournal::default(), &trade_from)
            .expect("general path runs");
    let name = case.name;

    assert_eq!(fast.bars, general.bars, "{name}: bar counts");
    // Bit for bit: the equity values' bits, not their f64 equality.
    let points = |s: &Simulation<VecJournal>| -> Vec<(i64, u64, bool)> {
        s.equity
            .iter()
            .map(|p| (p.time_ms, p.equity.to_bits(), p.in_market))
            .collect()
    };
    let (pf, pg) = (points(&fast), points(&general));
    if let Some(i) = first_difference(&pf, &pg) {
        panic!(
            "{name}: the equity curves differ first at point {i} of {}/{}: fast {:?}, general {:?}",
            pf.len(),
            pg.len(),
            fast.equity.get(i),
            general.equity.get(i)
        );
    }
    let (jf, jg) = (&fast.journal.lines, &general.journal.lines);
    if let Some(i) = first_difference(jf, jg) {
        panic!(
            "{name}: the journals differ first at record {i} of {}/{}:\n  fast:    {:?}\n  general: {:?}",
            jf.len(),
            jg.len(),
            jf.get(i),
            jg.get(i)
        );
    }

    let dir = tempfile::tempdir().expect("temp dir");
    let ff = run_folder(case, &fast, &dir.path().join("fast"));
    let fg = run_folder(case, &general, &dir.path().join("general"));
    assert_eq!(
        ff.keys().collect::<Vec<_>>(),
        fg.keys().collect::<Vec<_>>(),
        "{name}: the run folders hold different files"
    );
    for (file, a) in &ff {
        let b = &fg[file];
        if a != b {
            let (la, lb): (Vec<&[u8]>, Vec<&[u8]>) = (
                a.split(|&c| c == b'\n').collect(),
                b.split(|&c| c == b'\n').collect(),
            );
            let i = first_difference(&la, &lb).unwrap_or(0);
            panic!(
                "{name}: {file} differs first at line {}:\n  fast:    {}\n  general: {}",
                i + 1,
                la.get(i)
                    .map_or("(none)".into(), |l| String::from_utf8_lossy(l)),
                lb.get(i)
                    .map_or("(none)".into(), |l| String::from_utf8_lossy(l)),
            );
        }
    }
    ff
}

/// How many trades of a run's trades.csv ended by `exit_by` (order, take_profit, stop_loss,
/// liquidation).
fn trades_ended_by(files: &BTreeMap<String, Vec<u8>>, exit_by: &str) -> usize {
    let text = String::from_utf8_lossy(&files["trades.csv"]).into_owned();
    text.lines()
        .skip(1)
        .filter(|l| l.rsplit(',').next() == Some(exit_by))
        .count()
}

fn summary(files: &BTreeMap<String, Vec<u8>>) -> serde_json::Value {
    serde_json::from_slice(&files["summary.json"]).expect("json")
}

/// Four weeks of `sma_cross` 10/30 with a TP at 0.6 % and an SL at 0.4 % (close enough to be
/// hit between signals) and funding every 8 h.
#[test]
fn a_month_with_take_profits_stop_losses_and_funding_is_the_same_on_both_paths() {
    let series = bars("BTCUSDT", (2026, 1, 1), (2026, 1, 28), 7);
    let files = both_paths_agree(&Case {
        name: "tp_sl_funding",
        series: &series,
        env: Environment::Mainnet,
        overrides: &[
            "run.exchange_info=\"mainnet\"",
            "trader.tp_pct=\"0.6\"",
            "trader.sl_pct=\"0.4\"",
        ],
        warm_up_bars: 0,
    });
    assert!(trades_ended_by(&files, "order") > 500);
    assert!(trades_ended_by(&files, "take_profit") > 10);
    assert!(trades_ended_by(&files, "stop_loss") > 5);
    assert_ne!(summary(&files)["account"]["funding_paid"], "0");
}

/// Isolated margin at 100x with the stop beyond the liquidation price: positions are
/// liquidated, others close by TP or by the (slower) signal.
#[test]
fn liquidations_are_the_same_on_both_paths() {
    let series = bars("ETHUSDT", (2026, 1, 1), (2026, 1, 14), 3);
    let files = both_paths_agree(&Case {
        name: "liquidations",
        series: &series,
        env: Environment::Testnet,
        overrides: &[
            "exchange.margin_mode=\"isolated\"",
            "exchange.default_leverage=100",
            "trader.leverage=100",
            "trader.tp_pct=\"3\"",
            "trader.sl_pct=\"5\"",
            "strategy.fast=60",
            "strategy.slow=240",
        ],
        warm_up_bars: 0,
    });
    assert!(trades_ended_by(&files, "liquidation") > 5);
    assert!(trades_ended_by(&files, "take_profit") > 0);
}

/// Random slippage (a fraction of each fill bar's range) and order delays drawn per order,
/// some shorter than a bar and one over a bar, with MARKET orders filled at the close; the
/// first day is warm-up (the strategy sees it, nothing trades).
#[test]
fn slippage_latency_and_warm_up_are_the_same_on_both_paths() {
    let series = bars("BTCUSDT", (2026, 2, 1), (2026, 2, 10), 21);
    let files = both_paths_agree(&Case {
        name: "slippage_latency_warm_up",
        series: &series,
        env: Environment::Mainnet,
        overrides: &[
            "run.exchange_info=\"mainnet\"",
            "run.seed=99",
            "exchange.market_fill=\"current_close\"",
            "exchange.slippage={model=\"bar_range\",fraction=\"0.4\"}",
            "exchange.latency.samples_ms=[120,900,75000]",
        ],
        warm_up_bars: 1440,
    });
    assert!(trades_ended_by(&files, "order") > 100);
    let first_fill = String::from_utf8_lossy(&files["fills.csv"])
        .lines()
        .nth(1)
        .expect("a fill")
        .to_string();
    assert!(
        first_fill.as_str() >= "2026-02-02",
        "nothing trades in the warm-up day: {first_fill}"
    );
}

/// The recorded intents of the golden `recorded_intents` case, with no strategy signals
/// (intents are due by time, so the fast path then takes every bar; the tape still runs).
#[test]
fn recorded_intents_are_the_same_on_both_paths() {
    let empty = repo().join("tests/fixtures/golden-no-signals.csv");
    let intents = repo().join("tests/fixtures/golden-intents.jsonl");
    let series = bars("BTCUSDT", (2026, 1, 1), (2026, 1, 3), 7);
    let signals = format!("strategy.path={:?}", empty.display().to_string());
    let recorded = format!("run.intents={:?}", intents.display().to_string());
    let files = both_paths_agree(&Case {
        name: "recorded_intents",
        series: &series,
        env: Environment::Testnet,
        overrides: &["strategy.name=\"signals_file\"", &signals, &recorded],
        warm_up_bars: 0,
    });
    let s = summary(&files);
    assert!(s["funnel"]["recorded_intents"].as_u64().expect("count") > 10);
    assert!(s["fills"].as_u64().expect("fills") > 4);
}
