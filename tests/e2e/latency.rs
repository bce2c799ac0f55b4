//! The latency model in a backtest: a fixed delay longer than a bar moves every MARKET fill
//! to the bar its arrival falls in, at the arrival time; delays measured in a `sim live`
//! session (`exchange.latency.session`) are drawn per order, recorded in the run folder, and
//! (shorter than a bar) keep every fill price while stamping the arrival times.

use std::collections::BTreeMap;

use crate::support::{Sandbox, read_json, run_text};

/// `client_order_id -> (time ms within its minute, price)` of the MARKET fills (entries and
/// exits; TP/SL fills are triggered orders).
fn market_fills(sb: &Sandbox, run: &str) -> BTreeMap<String, (i64, String)> {
    let text = run_text(&sb.path(run), "fills.csv");
    let mut out = BTreeMap::new();
    for line in text.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        let id = f[9].to_string();
        if id.ends_with("-tp") || id.ends_with("-sl") {
            continue;
        }
        // 2026-01-01T01:25:00.000Z: seconds and milliseconds within the minute.
        let secs: i64 = f[0][17..19].parse().expect("seconds");
        let ms: i64 = f[0][20..23].parse().expect("millis");
        out.insert(id, (secs * 1000 + ms, f[4].to_string()));
    }
    out
}

#[test]
fn latency_moves_fills_to_the_arrival_bar_and_sessions_supply_measured_delays() {
    let sb = Sandbox::new();
    sb.synth("BTCUSDT", "2026-01-01", "2026-01-04", "days");
    let backtest = |out: &str, extra: &[&str]| {
        let mut args = vec!["backtest", "--dataset", "days", "--no-report", "--out", out];
        args.extend_from_slice(extra);
        sb.sim(&args).ok()
    };
    let plain = backtest("plain", &[]);
    assert!(
        plain
            .stdout
            .contains("none: an order reaches the exchange when it is sent"),
        "{}",
        plain.stdout
    );
    let base = market_fills(&sb, "plain");
    assert!(base.len() > 50, "the strategy trades: {}", base.len());
    assert!(base.values().all(|(at, _)| *at == 0), "at bar opens");

    // 90 s: sent at a bar's close (hh:mm:59.999), arriving 30 s into the bar after next.
    let slow = backtest("slow", &["--set", "exchange.latency.order_ms=90000"]);
    assert!(
        slow.stdout.contains("90000 ms per order"),
        "{}",
        slow.stdout
    );
    let delayed = market_fills(&sb, "slow");
    assert!(delayed.values().all(|(at, _)| *at == 29_999), "{delayed:?}");
    let first = base.keys().next().expect("a fill");
    assert_ne!(
        base[first].1, delayed[first].1,
        "a bar later, another price"
    );

    // Measured delays from a session folder, as `sim live` writes latency.csv.
    std::fs::create_dir_all(sb.path("session")).expect("mkdir");
    std::fs::write(
        sb.path("session/latency.csv"),
        "client_order_id,order_type,answer_us,accepted,sent_ms,send_to_fill_ms\n\
         sim-a,MARKET,310000,true,1000,150\n\
         sim-b,MARKET,520000,true,2000,450\n\
         sim-b-tp,TAKE_PROFIT_MARKET,300000,true,2000,\n",
    )
    .expect("write");
    let measured = backtest(
        "measured",
        &["--set", "exchange.latency.session=\"session\""],
    );
    assert!(
        measured
            .stdout
            .contains("2 measured delays (median 150 ms, max 450 ms)"),
        "{}",
        measured.stdout
    );
    let config = std::fs::read_to_string(sb.path("measured/config.toml")).expect("config");
    assert!(config.contains("samples_ms = [150, 450]"), "{config}");
    assert!(config.contains("2 MARKET send-to-fill times"), "{config}");
    let summary = read_json(&sb.path("measured/summary.json"));
    assert!(
        summary["execution_model"]["latency"]
            .as_str()
            .expect("execution_model.latency")
            .contains("450 ms")
    );
    let fills = market_fills(&sb, "measured");
    let stamps: Vec<i64> = fills.values().map(|(at, _)| *at).collect();
    assert!(
        stamps.iter().all(|at| [149, 449].contains(at)),
        "{stamps:?}"
    );
    assert!(
        stamps.contains(&149) && stamps.contains(&449),
        "both delays drawn"
    );
    let prices = |m: &BTreeMap<String, (i64, String)>| -> Vec<String> {
        m.values().map(|(_, p)| p.clone()).collect()
    };
    assert_eq!(
        prices(&fills),
        prices(&base),
        "shorter than a bar: same prices"
    );

    // A session folder without latency.csv is named.
    let bad = sb.sim(&[
        "backtest",
        "--dataset",
        "days",
        "--set",
        "exchange.latency.session=\"nowhere\"",
    ]);
    assert_ne!(bad.code, 0);
    assert!(bad.stderr.contains("nowhere/latency.csv"), "{}", bad.stderr);
}
