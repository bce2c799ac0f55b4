//! `sim live` after a crash (issue 24): what a killed session left on a `sim serve` in this
//! process is recovered at the next start (stale TP/SL cancelled, the taken-over position
//! protected, others' orders left alone, or a refusal with `--refuse-unprotected`), and a
//! session whose positions cannot be read at its end writes them as unknown.
//!
//! The market is flat (70,000), so the strategy never trades and no stop triggers: every
//! order at the venue after a session is one the test or the recovery put there.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use live::{Client, ClientConfig, Credentials, Environment, LiveVenue, LiveVenueConfig};
use pipeline::Symbol;
use pipeline::exchange_info::{MarketContext, check_order};
use pipeline::order::{CheckedOrder, OrderRequest, OrderType, Side};
use pipeline::venue::{OrderState, Venue};
use rust_decimal::Decimal;

use crate::support::{Sandbox, btc_serve_config, post_json, read_json};

const KEY: &str = "rec-key";
const SECRET: &str = "rec-secret";
const TOML: &str = "[strategy]\nname = \"sma_cross\"\nfast = 2\nslow = 5\n\n[trader]\nmin_confidence = 0.0\nposition_usd = \"300\"\nmax_position_usd = \"500\"\nleverage = 2\ntp_pct = \"2\"\nsl_pct = \"1\"\n";

fn btc() -> Symbol {
    Symbol::new("BTCUSDT").expect("symbol")
}

/// A flat market at 70,000 served at 20 bars/s on 127.0.0.1.
fn flat_server() -> ::serve::ServerHandle {
    let mut cfg = btc_serve_config(KEY, SECRET, 10.0, |_| (70_000.0, 70_000.0));
    cfg.warmup_steps = 30;
    cfg.clock = ::serve::ClockMode::Accelerated {
        bars_per_second: 20.0,
    };
    ::serve::Server::start(cfg).expect("server")
}

fn client(server: &::serve::ServerHandle) -> Arc<Client> {
    let mut cfg = ClientConfig::new(Environment::Testnet)
        .with_base_url(server.base_url())
        .with_credentials(Credentials::new(KEY, SECRET));
    cfg.timeout = Duration::from_secs(5);
    Arc::new(Client::new(cfg).expect("client"))
}

/// The test's own hands on the account: what a dead session (or a person) placed.
fn venue(server: &::serve::ServerHandle) -> LiveVenue {
    let cfg = LiveVenueConfig {
        symbols: vec![btc()],
        readback_delay: Duration::from_millis(20),
        ..LiveVenueConfig::default()
    };
    LiveVenue::connect(client(server), cfg).expect("venue")
}

fn checked(v: &LiveVenue, req: OrderRequest) -> CheckedOrder {
    let spec = v.symbol_spec(&btc()).expect("listed");
    let mark = v.mark_price(&btc()).expect("mark");
    check_order(Some(&spec), &req, &MarketContext::at_mark(mark)).expect("order passes")
}

fn place(v: &mut LiveVenue, req: OrderRequest) -> OrderState {
    let order = checked(v, req);
    v.place_order(&order).expect("placed")
}

fn market(v: &mut LiveVenue, side: Side, qty: Decimal, cid: &str) {
    place(
        v,
        OrderRequest::market("BTCUSDT", side, qty).with_client_order_id(cid),
    );
}

fn stop(v: &mut LiveVenue, side: Side, t: OrderType, at: Decimal, cid: &str) {
    let qty = Decimal::new(6, 3);
    place(
        v,
        OrderRequest::conditional("BTCUSDT", side, t, qty, at)
            .with_reduce_only(true)
            .with_client_order_id(cid),
    );
}

/// Polls the venue's BTCUSDT position until it is `want` (bounded: 10 s).
fn wait_position(v: &mut LiveVenue, want: Decimal) {
    let until = Instant::now() + Duration::from_secs(10);
    loop {
        let amt = held(v);
        if amt == want {
            return;
        }
        assert!(Instant::now() < until, "position {amt}, expected {want}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn held(v: &mut LiveVenue) -> Decimal {
    v.positions()
        .expect("positions")
        .iter()
        .find(|p| p.symbol == btc())
        .map_or(Decimal::ZERO, |p| p.position_amt)
}

/// A session left behind by `kill -9`: it was short 0.006 with its BUY SL and TP, then someone
/// flipped the account long 0.006 by hand (so those BUY legs protect nothing), and left a
/// LIMIT order of their own.
fn leave_dead_session(server: &::serve::ServerHandle) {
    let mut v = venue(server);
    market(
        &mut v,
        Side::Sell,
        Decimal::new(6, 3),
        "sim-00000000000000a1",
    );
    wait_position(&mut v, Decimal::new(-6, 3));
    stop(
        &mut v,
        Side::Buy,
        OrderType::StopMarket,
        Decimal::new(70_700, 0),
        "sim-00000000000000a1-sl",
    );
    stop(
        &mut v,
        Side::Buy,
        OrderType::TakeProfitMarket,
        Decimal::new(68_600, 0),
        "sim-00000000000000a1-tp",
    );
    market(&mut v, Side::Buy, Decimal::new(12, 3), "manual-flip-1");
    wait_position(&mut v, Decimal::new(6, 3));
    place(
        &mut v,
        OrderRequest::limit(
            "BTCUSDT",
            Side::Buy,
            Decimal::new(2, 3),
            Decimal::new(60_000, 0),
        )
        .with_client_order_id("manual-limit-1"),
    );
}

fn session_cmd(sb: &Sandbox, base: &str, out: &str, extra: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_sim"));
    cmd.args([
        "live",
        "--testnet",
        "--base-url",
        base,
        "--config",
        "live.toml",
        "--warmup",
        "5",
        "--duration",
        "60s",
        "--out",
        out,
    ])
    .args(extra)
    .env("SIM_HOME", sb.path("home"))
    .env_remove("SIM_LOG")
    .env("BINANCE_API_KEY", KEY)
    .env("BINANCE_API_SECRET", SECRET)
    .current_dir(sb.dir.path())
    .stdin(Stdio::null())
    .stdout(Stdio::piped())
    .stderr(Stdio::piped());
    cmd
}

/// Every open order (plain and algo) at the venue: (client id, side, type).
fn open_orders(server: &::serve::ServerHandle) -> Vec<(String, Side, OrderType)> {
    let c = client(server);
    let mut all: Vec<OrderState> = c.open_orders(None).expect("open orders");
    all.extend(
        c.open_algo_orders(None)
            .expect("open algo orders")
            .into_iter()
            .map(|a| a.state),
    );
    all.iter()
        .map(|o| (o.client_order_id.as_str().to_string(), o.side, o.order_type))
        .collect()
}

#[test]
fn a_restart_cancels_stale_tp_sl_and_protects_the_taken_over_position() {
    let server = flat_server();
    leave_dead_session(&server);
    let sb = Sandbox::new();
    std::fs::write(sb.path("live.toml"), TOML).expect("config");
    let out = session_cmd(&sb, &server.base_url(), "s1", &["--bars", "2"])
        .output()
        .expect("sim live runs");
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert!(out.status.success(), "stdout:\n{stdout}\nstderr:\n{stderr}");
    for cid in ["sim-00000000000000a1-sl", "sim-00000000000000a1-tp"] {
        assert!(stdout.contains(&format!("cancelled {cid}")), "{stdout}");
    }
    let open = open_orders(&server);
    let mut v = venue(&server);
    assert_eq!(
        held(&mut v),
        Decimal::new(6, 3),
        "the position is untouched"
    );
    assert!(
        open.iter()
            .all(|(c, _, _)| !c.starts_with("sim-00000000000000a1")),
        "the stale legs are gone: {open:?}"
    );
    assert!(
        open.iter().any(|(c, _, _)| c == "manual-limit-1"),
        "others' orders stay: {open:?}"
    );
    let ours: Vec<_> = open
        .iter()
        .filter(|(c, _, _)| c.starts_with("sim-"))
        .collect();
    let has = |t: OrderType| ours.iter().any(|(_, s, ot)| *s == Side::Sell && *ot == t);
    assert!(
        has(OrderType::StopMarket) && has(OrderType::TakeProfitMarket) && ours.len() == 2,
        "the long is protected by one SELL SL and one SELL TP: {open:?}\n{stdout}"
    );

    // A second start finds the position protected: nothing to cancel or place.
    let again = session_cmd(&sb, &server.base_url(), "s2", &["--bars", "1"])
        .output()
        .expect("sim live runs");
    let stdout2 = String::from_utf8_lossy(&again.stdout);
    assert!(again.status.success(), "{stdout2}");
    assert!(
        stdout2.contains("2 own open order(s) kept as protection, 0 cancelled"),
        "{stdout2}"
    );
    assert_eq!(open_orders(&server).len(), open.len(), "{stdout2}");
    server.stop();
}

#[test]
fn refuse_unprotected_names_the_position_and_sends_nothing() {
    let server = flat_server();
    let mut v = venue(&server);
    market(&mut v, Side::Buy, Decimal::new(6, 3), "manual-open-1");
    wait_position(&mut v, Decimal::new(6, 3));
    let sb = Sandbox::new();
    std::fs::write(sb.path("live.toml"), TOML).expect("config");
    let out = session_cmd(&sb, &server.base_url(), "s1", &["--refuse-unprotected"])
        .output()
        .expect("sim live runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        stderr.contains("--refuse-unprotected") && stderr.contains("BTCUSDT 0.006"),
        "{stderr}"
    );
    assert!(open_orders(&server).is_empty(), "nothing was placed");
    server.stop();
}

#[test]
fn positions_unreadable_at_the_end_are_written_as_unknown() {
    let server = flat_server();
    let mut v = venue(&server);
    market(&mut v, Side::Sell, Decimal::new(6, 3), "manual-short-1");
    wait_position(&mut v, Decimal::new(-6, 3));
    let sb = Sandbox::new();
    std::fs::write(sb.path("live.toml"), TOML).expect("config");
    let mut child = session_cmd(&sb, &server.base_url(), "s1", &["--bars", "3"])
        .spawn()
        .expect("sim live starts");
    let stdout = child.stdout.take().expect("stdout");
    let mut seen = String::new();
    let mut bars = 0;
    // After the second bar, every request is answered 429 (a ban): the third bar needs none,
    // the end's read of the positions fails.
    for line in BufReader::new(stdout).lines() {
        let line = line.expect("line");
        seen.push_str(&line);
        seen.push('\n');
        if line.contains("BTCUSDT close") {
            bars += 1;
            if bars == 2 {
                let answer = post_json(&server, "/sim/faults", r#"{"force_429": 1000}"#);
                assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
            }
        }
    }
    let status = child.wait().expect("sim live ends");
    assert!(status.success(), "{seen}");
    let summary = read_json(&sb.path("s1/summary.json"));
    let at_end = &summary["venue_positions_at_end"];
    let why = at_end["unknown"].as_str().unwrap_or_default();
    assert!(
        why.contains("429") || why.contains("rate limited"),
        "{at_end}\n{seen}"
    );
    server.stop();
}

#[test]
fn a_start_refused_for_a_wrong_secret_leaves_its_out_folder_usable() {
    let server = flat_server();
    let sb = Sandbox::new();
    std::fs::write(sb.path("live.toml"), TOML).expect("config");
    let mut wrong = session_cmd(&sb, &server.base_url(), "s1", &["--bars", "1"]);
    wrong.env("BINANCE_API_SECRET", "not-the-secret");
    let failed = wrong.output().expect("sim live runs");
    assert!(!failed.status.success());
    let stderr = String::from_utf8_lossy(&failed.stderr);
    assert!(!stderr.contains("not-the-secret"), "{stderr}");
    let again = session_cmd(&sb, &server.base_url(), "s1", &["--bars", "1"])
        .output()
        .expect("sim live runs");
    assert!(
        again.status.success(),
        "the same --out works after the failed start: {}",
        String::from_utf8_lossy(&again.stderr)
    );
    server.stop();
}

#[test]
fn replaying_a_killed_session_says_it_did_not_finish() {
    let sb = Sandbox::new();
    let dir = sb.path("killed");
    std::fs::create_dir_all(&dir).expect("dir");
    std::fs::write(
        dir.join("bars.csv"),
        "symbol,open_time,open,high,low,close,volume,warmup\n",
    )
    .expect("bars");
    std::fs::write(dir.join("orders.jsonl"), "").expect("orders");
    let run = sb.sim(&["replay", "killed"]);
    assert_ne!(run.code, 0);
    assert!(
        run.stderr.contains("did not finish") && run.stderr.contains("--duration"),
        "{}",
        run.stderr
    );
}
