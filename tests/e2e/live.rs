//! `sim live`: the refusals that must happen before anything is sent (no keys, an unconfirmed
//! mainnet, two environments at once), and, when `sim serve` is available, a short session
//! against it on loopback.

use std::io::Write;
use std::process::{Command, Stdio};

use crate::support::{Run, Sandbox};

/// Runs `sim ARGS` in `sb` with the given Binance variables (all others removed) and `stdin`.
fn sim_live(sb: &Sandbox, args: &[&str], keys: Option<(&str, &str)>, stdin: &str) -> Run {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_sim"));
    cmd.args(args)
        .env("SIM_HOME", sb.path("home"))
        .env_remove("SIM_LOG")
        .env_remove("BINANCE_API_KEY")
        .env_remove("BINANCE_API_SECRET")
        .current_dir(sb.dir.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some((k, s)) = keys {
        cmd.env("BINANCE_API_KEY", k).env("BINANCE_API_SECRET", s);
    }
    let mut child = cmd.spawn().expect("sim starts");
    if let Some(mut input) = child.stdin.take() {
        let _ = input.write_all(stdin.as_bytes());
    }
    Run::from(child.wait_with_output().expect("sim ends"))
}

#[test]
fn live_testnet_without_keys_fails_with_one_sentence_naming_both_variables() {
    let sb = Sandbox::new();
    let run = sim_live(&sb, &["live", "--testnet"], None, "");
    assert_ne!(run.code, 0, "{}", run.stdout);
    let err = run.stderr.trim();
    assert_eq!(err.lines().count(), 1, "one line: {err}");
    assert!(
        err.contains("BINANCE_API_KEY") && err.contains("BINANCE_API_SECRET"),
        "{err}"
    );
    assert_eq!(err.matches(". ").count(), 0, "one sentence: {err}");
    assert!(run.stdout.is_empty(), "{}", run.stdout);
    assert!(!sb.path("runs").exists(), "no session folder");
}

#[test]
fn mainnet_needs_the_typed_confirmation_and_never_shows_the_keys() {
    let sb = Sandbox::new();
    let keys = Some(("KEY-e2e-0001", "SECRET-e2e-0002"));
    let run = sim_live(&sb, &["live", "--mainnet"], keys, "yes\n");
    assert_ne!(run.code, 0);
    assert!(
        run.stderr.contains("mainnet not confirmed"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("I UNDERSTAND THIS IS REAL MONEY"),
        "{}",
        run.stderr
    );
    for out in [&run.stdout, &run.stderr] {
        assert!(!out.contains("KEY-e2e-0001") && !out.contains("SECRET-e2e-0002"));
    }
    assert!(!sb.path("runs").exists(), "no session folder");
}

#[test]
fn one_environment_at_a_time() {
    let sb = Sandbox::new();
    let run = sim_live(&sb, &["live", "--testnet", "--demo"], None, "");
    assert_ne!(run.code, 0);
    assert!(run.stderr.contains("cannot be used with"), "{}", run.stderr);
}

/// A market that crosses its short averages every few bars: close = 70,000 + 700 sin(i / 3).
fn swinging_market(n: usize) -> Vec<(pipeline::Symbol, pipeline::Bar)> {
    let s = pipeline::Symbol::new("BTCUSDT").expect("symbol");
    let t0 = pipeline::TimestampMs::from_utc(2026, 1, 1, 0, 0, 0);
    let px = |i: f64| (70_000.0 + 700.0 * (i / 3.0).sin()).round();
    (0..n)
        .map(|i| {
            let (o, c) = (px(i as f64 - 1.0), px(i as f64));
            let bar = pipeline::Bar {
                open_time: t0.plus_ms(i as i64 * 60_000),
                open: o,
                high: o.max(c) + 10.0,
                low: o.min(c) - 10.0,
                close: c,
                volume: 100.0,
            };
            (s.clone(), bar)
        })
        .collect()
}

/// A `sim serve`-equivalent server in this process: the swinging market at 8 bars/s.
fn local_server() -> ::serve::ServerHandle {
    use ::serve::{ApiKey, ClockMode, ServeConfig, Server};
    let info = pipeline::exchange_info::snapshot(pipeline::exchange_info::Environment::Testnet)
        .expect("embedded info");
    let mut cfg = ServeConfig::new(
        info,
        exchange_sim::SimConfig::default(),
        pipeline::Interval::M1,
        swinging_market(3000),
        vec![ApiKey {
            key: "e2e-key".into(),
            secret: "e2e-secret".into(),
        }],
    );
    cfg.warmup_steps = 60;
    cfg.clock = ClockMode::Accelerated {
        bars_per_second: 8.0,
    };
    Server::start(cfg).expect("server")
}

const LIVE_TOML: &str = "[strategy]\nname = \"sma_cross\"\nfast = 2\nslow = 5\n\n[trader]\nmin_confidence = 0.0\nposition_usd = \"300\"\nmax_position_usd = \"500\"\nleverage = 2\n\n[executor]\nallow_upsize = true\n";

#[test]
fn live_session_against_a_local_server_opens_and_closes_positions() {
    let server = local_server();
    let sb = Sandbox::new();
    std::fs::write(sb.path("live.toml"), LIVE_TOML).expect("config");
    let base = server.base_url();
    let run = sim_live(
        &sb,
        &[
            "live",
            "--testnet",
            "--base-url",
            &base,
            "--config",
            "live.toml",
            "--bars",
            "40",
            "--warmup",
            "30",
            "--out",
            "session",
        ],
        Some(("e2e-key", "e2e-secret")),
        "",
    );
    server.stop();
    assert_eq!(
        run.code, 0,
        "stdout:\n{}\nstderr:\n{}",
        run.stdout, run.stderr
    );
    let dir = sb.path("session");
    let summary = crate::support::read_json(&dir.join("summary.json"));
    assert_eq!(summary["bars"], 40, "{summary}");
    assert_eq!(summary["feed"]["duplicates"], 0, "{summary}");
    let results = std::fs::read_to_string(dir.join("results.jsonl")).expect("results");
    let executed: Vec<serde_json::Value> = results
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|v| v["kind"] == "result")
        .collect();
    let entries = executed
        .iter()
        .filter(|v| v["eval_type"] == "ENTRY")
        .count();
    let exits = executed.iter().filter(|v| v["eval_type"] == "EXIT").count();
    assert!(
        entries >= 1 && exits >= 1,
        "entries {entries}, exits {exits}\n{results}"
    );
    // Every order was journaled before its answer.
    let orders = std::fs::read_to_string(dir.join("orders.jsonl")).expect("orders");
    let kinds: Vec<String> = orders
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter_map(|v| v["kind"].as_str().map(str::to_string))
        .filter(|k| k == "order" || k == "venue_answer")
        .collect();
    assert!(!kinds.is_empty());
    for pair in kinds.chunks(2) {
        assert_eq!(pair, ["order", "venue_answer"], "{kinds:?}");
    }
    for f in [
        "config.toml",
        "funnel.txt",
        "bars.csv",
        "exchange_info.json",
    ] {
        assert!(dir.join(f).exists(), "{f}");
    }
    // What a replay needs: every bar the stages saw (warm-up marked), and the fills and trades
    // in the backtest's own format.
    let bars = std::fs::read_to_string(dir.join("bars.csv")).expect("bars");
    let warm = bars.lines().filter(|l| l.ends_with(",true")).count();
    let acted = bars.lines().filter(|l| l.ends_with(",false")).count();
    assert_eq!((warm, acted), (30, 40), "{bars}");
    let fills = std::fs::read_to_string(dir.join("fills.csv")).expect("fills");
    assert!(
        fills.starts_with("time,symbol,side,qty,price,fee"),
        "{fills}"
    );
    assert!(
        fills.lines().count() > 2,
        "entries and exits filled: {fills}"
    );
    let trades = std::fs::read_to_string(dir.join("trades.csv")).expect("trades");
    assert!(
        trades.lines().skip(1).any(|l| l.ends_with(",order")),
        "{trades}"
    );
    // Each order sent has its measured round trip; the summary gives the percentiles.
    let latency = std::fs::read_to_string(dir.join("latency.csv")).expect("latency");
    let sent = kinds.iter().filter(|k| *k == "order").count();
    assert_eq!(latency.lines().count() - 1, sent, "{latency}");
    assert_eq!(summary["latency"]["orders"], sent, "{summary}");
    let p50 = summary["latency"]["answer_ms_p50"].as_f64().expect("p50");
    let max = summary["latency"]["answer_ms_max"].as_f64().expect("max");
    assert!(p50 > 0.0 && p50 <= max, "{summary}");
    // sim serve stamps fills with the dataset's time, not the server clock the client syncs
    // to: no send-to-fill delay is believed from it.
    assert!(
        latency.starts_with(sim::config::latency_import::HEADER),
        "{latency}"
    );
    assert_eq!(summary["latency"]["market_fills"], 0, "{summary}");
    let all = format!("{}{}{orders}{results}", run.stdout, run.stderr);
    assert!(!all.contains("e2e-secret"), "the secret leaked");
}

#[test]
fn paper_runs_live_bars_against_the_simulated_exchange_without_keys() {
    let server = local_server();
    let sb = Sandbox::new();
    std::fs::write(sb.path("live.toml"), LIVE_TOML).expect("config");
    let base = server.base_url();
    let run = sim_live(
        &sb,
        &[
            "live",
            "--paper",
            "--base-url",
            &base,
            "--config",
            "live.toml",
            "--bars",
            "20",
            "--warmup",
            "30",
            "--out",
            "paper",
        ],
        None,
        "",
    );
    assert_eq!(
        run.code, 0,
        "stdout:\n{}\nstderr:\n{}",
        run.stdout, run.stderr
    );
    let summary = crate::support::read_json(&sb.path("paper/summary.json"));
    assert_eq!(summary["mode"], "paper");
    assert_eq!(summary["bars"], 20);
    // The simulated exchange traded; the server's account saw no order at all.
    let results = std::fs::read_to_string(sb.path("paper/results.jsonl")).expect("results");
    assert!(
        results.contains("\"kind\":\"result\""),
        "paper trades: {results}"
    );
    // The paper exchange fills MARKET orders at the next open: 1 ms after the close they were
    // sent at, on the exchange's clock. A backtest can take those delays as its latency model.
    let latency = std::fs::read_to_string(sb.path("paper/latency.csv")).expect("latency");
    let market: Vec<&str> = latency.lines().filter(|l| l.contains(",MARKET,")).collect();
    assert!(!market.is_empty(), "{latency}");
    assert!(market.iter().all(|l| l.ends_with(",1")), "{latency}");
    assert_eq!(summary["latency"]["send_to_fill_ms_max"], 1.0, "{summary}");
    sb.synth("BTCUSDT", "2026-01-01", "2026-01-02", "day");
    let backtest = sb
        .sim(&[
            "backtest",
            "--dataset",
            "day",
            "--no-report",
            "--set",
            "exchange.latency.session=\"paper\"",
        ])
        .ok();
    assert!(
        backtest
            .stdout
            .contains("measured delays (median 1 ms, max 1 ms) from paper/latency.csv"),
        "{}",
        backtest.stdout
    );
    let cfg = live::ClientConfig::new(live::Environment::Testnet)
        .with_base_url(&base)
        .with_credentials(live::Credentials::new("e2e-key", "e2e-secret"));
    let client = live::Client::new(cfg).expect("client");
    client.sync_time().expect("time");
    let held = client.position_risk(None).expect("positions");
    assert!(held.iter().all(|p| p.position_amt.is_zero()), "{held:?}");
    assert!(client.open_orders(None).expect("orders").is_empty());
    server.stop();
}

#[test]
fn ctrl_c_stops_after_the_current_bar_and_finishes_the_folder() {
    let server = local_server();
    let sb = Sandbox::new();
    std::fs::write(sb.path("live.toml"), LIVE_TOML).expect("config");
    let base = server.base_url();
    let child = Command::new(env!("CARGO_BIN_EXE_sim"))
        .args([
            "live",
            "--base-url",
            &base,
            "--config",
            "live.toml",
            "--warmup",
            "30",
            "--out",
            "session",
        ])
        .env("SIM_HOME", sb.path("home"))
        .env("BINANCE_API_KEY", "e2e-key")
        .env("BINANCE_API_SECRET", "e2e-secret")
        .current_dir(sb.dir.path())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("sim starts");
    // Wait for a few bars in bars.csv, then interrupt.
    let bars = sb.path("session/bars.csv");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while std::time::Instant::now() < deadline {
        let n = std::fs::read_to_string(&bars)
            .map_or(0, |t| t.lines().filter(|l| l.ends_with(",false")).count());
        if n > 3 {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let pid = child.id().to_string();
    let killed = Command::new("kill")
        .args(["-INT", &pid])
        .status()
        .expect("kill");
    assert!(killed.success());
    let out = child.wait_with_output().expect("sim ends");
    let run = Run::from(out);
    assert_eq!(
        run.code, 0,
        "stdout:\n{}\nstderr:\n{}",
        run.stdout, run.stderr
    );
    let summary = crate::support::read_json(&sb.path("session/summary.json"));
    assert_eq!(summary["stopped"], "interrupted (Ctrl-C)", "{summary}");
    let lines = std::fs::read_to_string(&bars)
        .expect("bars")
        .lines()
        .filter(|l| l.ends_with(",false"))
        .count() as u64;
    assert_eq!(
        summary["bars"].as_u64(),
        Some(lines),
        "every bar counted is on disk (warm-up bars apart)"
    );
    let leftovers: Vec<_> = std::fs::read_dir(sb.path("session"))
        .expect("dir")
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().ends_with(".partial"))
        .collect();
    assert!(leftovers.is_empty(), "half-written files: {leftovers:?}");
    server.stop();
}

#[test]
fn sim_live_against_sim_serve_opens_and_closes_a_position() {
    let sb = Sandbox::new();
    // `sim live` keeps the wall clock; on serve's default dataset clock at 20x the market
    // outruns it (its kline feed backfilled in a loop until serve answered 429, and the
    // permit dropped entries for want of a position snapshot).
    let served = sb.serve(&[
        "--clock",
        "wall",
        "--dataset",
        "btc_2026q1",
        "--speed",
        "20",
        "--warmup",
        "200",
        "--api-key",
        "cli-key",
        "--api-secret",
        "cli-secret",
    ]);
    let url = served.url.clone();
    std::fs::write(sb.path("live.toml"), LIVE_TOML).expect("config");
    let run = sim_live(
        &sb,
        &[
            "live",
            "--testnet",
            "--base-url",
            &url,
            "--config",
            "live.toml",
            "--bars",
            "30",
            "--duration",
            "90s",
            "--warmup",
            "50",
            "--out",
            "session",
        ],
        Some(("cli-key", "cli-secret")),
        "",
    );
    drop(served);
    assert_eq!(
        run.code, 0,
        "stdout:\n{}\nstderr:\n{}",
        run.stdout, run.stderr
    );
    let summary = crate::support::read_json(&sb.path("session/summary.json"));
    assert_eq!(summary["bars"], 30, "{summary}");
    let results = std::fs::read_to_string(sb.path("session/results.jsonl")).expect("results");
    let evals: Vec<String> = results
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|v| v["kind"] == "result")
        .filter_map(|v| v["eval_type"].as_str().map(str::to_string))
        .collect();
    assert!(
        evals.iter().any(|e| e == "ENTRY") && evals.iter().any(|e| e == "EXIT"),
        "{evals:?}\n{}",
        run.stdout
    );
}
