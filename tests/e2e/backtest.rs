//! `sim backtest` and `sim explain` end to end.

use crate::support::{Sandbox, read_json, run_text};

#[test]
fn default_backtest_trades_prints_the_funnel_and_writes_the_run_folder() {
    let sb = Sandbox::new();
    let run = sb
        .sim(&["backtest", "--dataset", "btc_2026q1", "--out", "run"])
        .ok();
    assert!(run.stdout.contains("SYNTHETIC"), "{}", run.stdout);
    assert!(run.stdout.contains("129600 bars"), "{}", run.stdout);
    for f in [
        "summary.json",
        "orders.journal.zst",
        "results.journal.zst",
        "trades.csv.zst",
        "trades.parquet",
        "equity.csv.zst",
        "fills.csv.zst",
        "prices.csv.zst",
        "config.toml",
        "funnel.txt",
    ] {
        assert!(sb.path("run").join(f).is_file(), "{f} missing");
    }
    for f in ["orders.jsonl", "equity.csv", "equity.parquet"] {
        assert!(!sb.path("run").join(f).exists(), "{f} is stored compressed");
    }
    let s = read_json(&sb.path("run/summary.json"));
    assert_eq!(s["dataset"]["synthetic"], true);
    assert_eq!(s["dataset"]["bars"], 129_600);
    assert!(
        s["fills"].as_u64().expect("fills") > 0,
        "no fills: {}",
        run.stdout
    );
    assert!(s["metrics"]["trades"].as_u64().expect("trades") > 0);
    // MARKET entries fill at the next bar's open, after the answer: their TP/SL (the default
    // config sets tp_pct and sl_pct) are placed once the fill arrives.
    let placed = s["funnel"]["venue"]["protective_placed"]
        .as_u64()
        .expect("placed");
    let entries = s["funnel"]["venue"]["orders_filled"]["entry"]
        .as_u64()
        .expect("entries");
    assert_eq!(placed, 2 * entries, "a TP and an SL per filled entry");
    assert!(!sb.path(".run.partial").exists());
}

#[test]
fn orders_under_min_notional_are_named_with_their_numbers() {
    let sb = Sandbox::new();
    // 40 USD x 2 = 80 USD of BTC: at least one 0.001 step at these prices, always under
    // BTCUSDT's 100 USD minimum notional.
    let run = sb
        .sim(&[
            "backtest",
            "--dataset",
            "btc_2026q1",
            "--out",
            "small",
            "--set",
            "trader.position_usd=40",
            "--set",
            "trader.leverage=2",
        ])
        .ok();
    assert!(run.stdout.contains("notional_below_min"), "{}", run.stdout);
    assert!(
        run.stderr.contains("[F3]"),
        "the preflight check warns: {}",
        run.stderr
    );
    let s = read_json(&sb.path("small/summary.json"));
    assert_eq!(s["fills"], 0, "nothing may reach the exchange");
    let explain = sb.sim(&["explain", "small"]).ok();
    assert!(
        explain.stdout.contains("notional_below_min"),
        "{}",
        explain.stdout
    );
    assert!(explain.stdout.contains("executor"), "{}", explain.stdout);
    assert!(
        explain.stdout.contains("< 100"),
        "the numbers are named: {}",
        explain.stdout
    );
}

#[test]
fn the_same_command_twice_gives_the_same_summary_apart_from_wall_clock() {
    let sb = Sandbox::new();
    sb.sim(&["backtest", "--dataset", "btc_2026q1", "--out", "a"])
        .ok();
    sb.sim(&["backtest", "--dataset", "btc_2026q1", "--out", "b"])
        .ok();
    let strip = |mut v: serde_json::Value| {
        v.as_object_mut().expect("object").remove("wall_clock");
        v
    };
    let a = strip(read_json(&sb.path("a/summary.json")));
    let b = strip(read_json(&sb.path("b/summary.json")));
    assert_eq!(a, b);
    // The stored bytes, compressed: the same too.
    for f in [
        "trades.csv.zst",
        "equity.csv.zst",
        "orders.journal.zst",
        "results.journal.zst",
    ] {
        let fa = std::fs::read(sb.path("a").join(f)).expect("a");
        let fb = std::fs::read(sb.path("b").join(f)).expect("b");
        assert!(fa == fb, "{f} differs between identical runs");
    }
}

/// `--journal off` writes no journals and changes nothing else the run decides: the summary
/// equals the journaled run's apart from its journal line count and wall clock.
#[test]
fn journal_off_writes_no_journals_and_the_same_results() {
    let sb = Sandbox::new();
    sb.sim(&[
        "backtest",
        "--dataset",
        "btc_2026q1",
        "--out",
        "full",
        "--no-report",
    ])
    .ok();
    sb.sim(&[
        "backtest",
        "--dataset",
        "btc_2026q1",
        "--out",
        "off",
        "--no-report",
        "--journal",
        "off",
    ])
    .ok();
    for f in ["orders.journal.zst", "results.journal.zst"] {
        assert!(
            sb.path("full").join(f).exists(),
            "{f} is written by default"
        );
        assert!(
            !sb.path("off").join(f).exists(),
            "{f} is not written with --journal off"
        );
    }
    let strip = |v: &mut serde_json::Value| {
        let o = v.as_object_mut().expect("object");
        o.remove("wall_clock");
        o.remove("journal_lines").expect("journal_lines")
    };
    let (mut full, mut off) = (
        read_json(&sb.path("full/summary.json")),
        read_json(&sb.path("off/summary.json")),
    );
    assert!(strip(&mut full).as_u64().expect("count") > 0);
    assert_eq!(strip(&mut off).as_u64(), Some(0));
    assert_eq!(full, off);
    for f in ["trades.csv.zst", "equity.csv.zst"] {
        let a = std::fs::read(sb.path("full").join(f)).expect("full");
        let b = std::fs::read(sb.path("off").join(f)).expect("off");
        assert!(a == b, "{f} differs with the journals off");
    }
}

/// Four recorded signals (times as ISO text, epoch seconds and epoch milliseconds) replayed
/// with `signals_file`, from JSON lines and from CSV: two round trips, entered at the open of
/// the bar that starts at the signal's time, and the same trades from either format.
#[test]
fn a_signals_file_replays_recorded_signals_into_trades() {
    let sb = Sandbox::new();
    let jsonl = [
        r#"{"time":"2026-01-02T00:00:00Z","symbol":"BTCUSDT","action":"BUY","confidence":0.9,"source":"ai_engine"}"#,
        r#"{"time":"2026-01-03T00:00:00Z","symbol":"BTCUSDT","action":"CLOSE","confidence":0.9,"source":"ai_engine"}"#,
        r#"{"timestamp":1769904000,"symbol":"BTCUSDT","action":"SELL","confidence":"0.8","source":"ai_engine"}"#,
        r#"{"ts":1769990400000,"symbol":"BTCUSDT","action":"EXIT","confidence":0.8}"#,
    ];
    std::fs::write(sb.path("signals.jsonl"), jsonl.join("\n") + "\n").expect("write");
    let csv = "time,symbol,action,confidence,source\n\
               2026-01-02T00:00:00Z,BTCUSDT,BUY,0.9,ai_engine\n\
               2026-01-03T00:00:00Z,BTCUSDT,CLOSE,0.9,ai_engine\n\
               1769904000,BTCUSDT,SELL,0.8,ai_engine\n\
               1769990400000,BTCUSDT,EXIT,0.8,\n";
    std::fs::write(sb.path("signals.csv"), csv).expect("write");

    let mut trade_files = Vec::new();
    for file in ["signals.jsonl", "signals.csv"] {
        let out = format!("replay-{file}");
        let run = sb
            .sim(&[
                "backtest",
                "--dataset",
                "btc_2026q1",
                "--out",
                &out,
                "--set",
                "strategy.name=\"signals_file\"",
                "--set",
                &format!("strategy.path=\"{file}\""),
                // Exits at exactly the recorded signals: no TP/SL to end a trade earlier.
                "--set",
                "executor.place_tp_sl=false",
            ])
            .ok();
        let s = read_json(&sb.path(&out).join("summary.json"));
        assert_eq!(s["funnel"]["signals"], 4, "{}", run.stdout);
        assert_eq!(s["metrics"]["trades"], 2, "{}", run.stdout);
        let trades = run_text(&sb.path(&out), "trades.csv");
        let rows: Vec<Vec<&str>> = trades
            .lines()
            .skip(1)
            .map(|l| l.split(',').collect())
            .collect();
        assert_eq!(rows.len(), 2, "{trades}");
        assert_eq!(rows[0][1], "LONG");
        assert_eq!(rows[0][2], "2026-01-02T00:00:00.000Z");
        assert_eq!(rows[0][3], "2026-01-03T00:00:00.000Z");
        assert_eq!(rows[1][1], "SHORT");
        assert_eq!(rows[1][2], "2026-02-01T00:00:00.000Z");
        assert_eq!(rows[1][3], "2026-02-02T00:00:00.000Z");
        trade_files.push(trades);
    }
    assert_eq!(trade_files[0], trade_files[1], "JSON lines and CSV differ");
}
