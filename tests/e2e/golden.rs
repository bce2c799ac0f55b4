//! Golden outputs: five backtests run through the `sim` binary whose results are pinned in
//! `tests/golden/<case>/` and compared byte for byte (what is pinned: `golden/artifacts.rs`;
//! how to rewrite the goldens after a deliberate change: tests/golden/README.md).
//!
//! Each case also asserts that it still is what it is there to pin (the year has 525,600 bars
//! and trades; the blocked run sends nothing; ...), so a blessed golden of a case that no
//! longer tests its subject cannot pass unnoticed.

mod artifacts;
mod compare;

use crate::support::{Sandbox, read_json, repo};

/// A synthetic dataset for a case: `sim data synth` arguments.
struct Synth<'a> {
    symbols: &'a str,
    start: &'a str,
    end: &'a str,
    seed: &'a str,
}

/// Runs `sim data synth` then `sim backtest --dataset data --no-report --out run ARGS` in a
/// fresh sandbox (with `fixtures`, (repository path, sandbox name), copied in first), holds
/// the run folder to the goldens of `case`, and returns the summary for the case's checks.
fn golden_case(
    case: &str,
    data: Synth<'_>,
    fixtures: &[(&str, &str)],
    args: &[&str],
) -> serde_json::Value {
    let sb = Sandbox::new();
    for (from, to) in fixtures {
        std::fs::copy(repo().join(from), sb.path(to)).expect("copy a fixture");
    }
    sb.sim(&[
        "data",
        "synth",
        "--symbols",
        data.symbols,
        "--start",
        data.start,
        "--end",
        data.end,
        "--seed",
        data.seed,
        "--name",
        "data",
    ])
    .ok();
    let mut backtest = vec![
        "backtest",
        "--dataset",
        "data",
        "--no-report",
        "--out",
        "run",
    ];
    backtest.extend_from_slice(args);
    sb.sim(&backtest).ok();
    let run = sb.path("run");
    compare::check(case, &artifacts::of_run_folder(&run), &run);
    read_json(&run.join("summary.json"))
}

fn count(v: &serde_json::Value) -> u64 {
    v.as_u64().unwrap_or_else(|| panic!("not a count: {v}"))
}

/// (a) The main job's year, as the `backtest_year` benchmark runs it: 525,600 1m bars of
/// BTCUSDT 2025 (seed 7), `sma_cross` 10/30, mainnet exchange info. One symbol: the loop's
/// fast path (signal tape, quiet bars in one go).
#[test]
fn golden_one_symbol_year() {
    let s = golden_case(
        "one_symbol_year",
        Synth {
            symbols: "BTCUSDT",
            start: "2025-01-01",
            end: "2025-12-31",
            seed: "7",
        },
        &[],
        &[
            "--set",
            "run.exchange_info=\"mainnet\"",
            "--set",
            "strategy.name=\"sma_cross\"",
            "--set",
            "strategy.fast=10",
            "--set",
            "strategy.slow=30",
        ],
    );
    assert_eq!(s["dataset"]["bars"], 525_600);
    assert!(count(&s["metrics"]["trades"]) > 10_000);
}

/// (b) Three symbols over four weeks (the merge loop), `rsi_reversion`: exits the trader
/// drops for want of a position, TP/SL, funding.
#[test]
fn golden_multi_symbol() {
    let s = golden_case(
        "multi_symbol",
        Synth {
            symbols: "BTCUSDT,ETHUSDT,SOLUSDT",
            start: "2026-01-01",
            end: "2026-01-28",
            seed: "11",
        },
        &[],
        &["--strategy", "rsi_reversion"],
    );
    for symbol in ["BTCUSDT", "ETHUSDT", "SOLUSDT"] {
        let orders = &s["funnel"]["by_symbol"][symbol]["executor"]["entry"]["output"];
        assert!(count(orders) > 100, "{symbol} trades: {orders}");
    }
}

/// (c) Recorded intents replayed into the bridge (`--intents`), no strategy signals: both
/// sizing forms (`position_usd` + `leverage`, and `qty`), every time field (`time`,
/// `timestamp` in seconds, `ts`), an intent with neither sizing form, a CLOSE with no
/// position, an entry under min notional, an add over `max_position_usd`, a TP, a position
/// open at the end.
#[test]
fn golden_recorded_intents() {
    let s = golden_case(
        "recorded_intents",
        Synth {
            symbols: "BTCUSDT",
            start: "2026-01-01",
            end: "2026-01-03",
            seed: "7",
        },
        &[
            ("tests/fixtures/golden-intents.jsonl", "intents.jsonl"),
            ("tests/fixtures/golden-no-signals.csv", "no-signals.csv"),
        ],
        &[
            "--intents",
            "intents.jsonl",
            "--set",
            "strategy.name=\"signals_file\"",
            "--set",
            "strategy.path=\"no-signals.csv\"",
        ],
    );
    assert_eq!(s["funnel"]["signals"], 0);
    assert_eq!(s["funnel"]["recorded_intents"], 16);
    assert_eq!(
        s["funnel"]["stages"]["bridge"]["entry"]["dropped"]["invalid_quantity"],
        1
    );
    assert!(count(&s["fills"]) > 10);
}

/// (d) Random slippage (up to 40 % of each fill bar's range, seeded) and order delays drawn
/// per order from measured samples (two shorter than a bar, one of 75 s that moves an order
/// to a later bar), over three days of ETHUSDT.
#[test]
fn golden_slippage_and_latency() {
    let s = golden_case(
        "slippage_and_latency",
        Synth {
            symbols: "ETHUSDT",
            start: "2026-02-01",
            end: "2026-02-03",
            seed: "23",
        },
        &[],
        &[
            "--set",
            "run.seed=42",
            "--set",
            "exchange.slippage={model=\"bar_range\",fraction=\"0.4\"}",
            "--set",
            "exchange.latency.samples_ms=[150,450,75000]",
        ],
    );
    let model = &s["execution_model"];
    let slippage = model["slippage"]
        .as_str()
        .expect("execution_model.slippage");
    assert!(
        slippage.contains("0.4 of the fill bar's range"),
        "{slippage}"
    );
    let latency = model["latency"].as_str().expect("execution_model.latency");
    assert!(latency.contains("75000 ms"), "{latency}");
    assert!(count(&s["fills"]) > 100);
}

/// (e) Every order blocked before the exchange: BTCUSDT sized under its 100 USD minimum
/// notional (60 USD x 2), and WAVESUSDT, which the testnet exchange info does not list.
#[test]
fn golden_every_order_blocked() {
    let s = golden_case(
        "every_order_blocked",
        Synth {
            symbols: "BTCUSDT,WAVESUSDT",
            start: "2026-01-01",
            end: "2026-01-02",
            seed: "5",
        },
        &[],
        &[
            "--set",
            "trader.position_usd=\"60\"",
            "--set",
            "trader.leverage=2",
        ],
    );
    let executor = &s["funnel"]["stages"]["executor"]["entry"];
    assert!(count(&executor["dropped"]["notional_below_min"]) > 50);
    assert!(count(&executor["dropped"]["symbol_not_available"]) > 50);
    assert_eq!(executor["output"], 0);
    assert_eq!(s["fills"], 0);
}
