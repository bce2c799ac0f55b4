//! The crash-safety suite (issue 24): `sim live` against a `sim serve` in this process on an
//! accelerated clock, killed with SIGKILL at seeded random points, 10 times, with the server's
//! faults armed in some cycles (a placement that executes behind a 503 and whose first
//! read-back fails; a dropped connection after an accepted order). Then one clean session, and:
//! no client order id was ever sent for two orders, the ledger ends equal to the exchange, and
//! no open order or algo order of this program protects nothing.
//!
//! Bounded: each killed session lives at most 4.5 s after its start line, the clean one 12 bars.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::mpsc::{Receiver, channel};
use std::time::Duration;

use live::{Client, ClientConfig, Credentials, Environment};
use pipeline::Symbol;
use pipeline::order::Side;
use pipeline::venue::OrderState;
use rust_decimal::Decimal;

use crate::support::{Sandbox, btc_serve_config, post_json, read_json};

pub(crate) const KEY: &str = "crash-key";
pub(crate) const SECRET: &str = "crash-secret";
const CYCLES: u64 = 10;
const SEED: u64 = 0x5eed_0024;
pub(crate) const TOML: &str = "[strategy]\nname = \"sma_cross\"\nfast = 2\nslow = 5\n\n[trader]\nmin_confidence = 0.0\nposition_usd = \"300\"\nmax_position_usd = \"500\"\nleverage = 2\n\n[executor]\nallow_upsize = true\n";

/// xorshift64*: the kill points and fault choices, the same for the same seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn btc() -> Symbol {
    Symbol::new("BTCUSDT").expect("symbol")
}

/// A market that crosses its short averages every few bars, at 10 bars/s.
fn server() -> ::serve::ServerHandle {
    crossing_server(10.0)
}

/// A market that crosses its short averages every few bars, at `bars_per_second`.
pub(crate) fn crossing_server(bars_per_second: f64) -> ::serve::ServerHandle {
    let px = |i: f64| (70_000.0 + 700.0 * (i / 3.0).sin()).round();
    let mut cfg = btc_serve_config(KEY, SECRET, 10.0, |i| (px(i as f64 - 1.0), px(i as f64)));
    cfg.warmup_steps = 60;
    cfg.clock = ::serve::ClockMode::Accelerated { bars_per_second };
    // At 10 bars/s and more the sessions' polling would pass Binance's weight per minute and get the
    // whole account banned (429, then 418): not what this suite tests.
    cfg.weight_limit = 1_000_000;
    cfg.order_limits = (1_000_000, 1_000_000);
    ::serve::Server::start(cfg).expect("server")
}

fn set_faults(server: &::serve::ServerHandle, json: &str) {
    let answer = post_json(server, "/sim/faults", json);
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
}

/// Starts a session (config `live.toml` in the sandbox); its stdout lines arrive on the receiver.
pub(crate) fn start(
    sb: &Sandbox,
    base: &str,
    out: &str,
    extra: &[&str],
) -> (Child, Receiver<String>) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_sim"))
        .args([
            "live",
            "--testnet",
            "--base-url",
            base,
            "--config",
            "live.toml",
            "--warmup",
            "10",
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
        .stderr(std::fs::File::create(sb.path(&format!("{out}.stderr"))).expect("stderr file"))
        .spawn()
        .expect("sim live starts");
    let stdout = child.stdout.take().expect("stdout");
    let (tx, rx) = channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    (child, rx)
}

/// Waits (bounded) for the session's line starting with `prefix`; all lines seen so far.
pub(crate) fn wait_line(rx: &Receiver<String>, prefix: &str, seen: &mut String) -> bool {
    while let Ok(line) = rx.recv_timeout(Duration::from_secs(20)) {
        seen.push_str(&line);
        seen.push('\n');
        if line.starts_with(prefix) {
            return true;
        }
    }
    false
}

/// The client ids of every order a session journaled before sending it.
fn journaled_ids(dir: &std::path::Path) -> Vec<String> {
    let text = std::fs::read_to_string(dir.join("orders.jsonl")).unwrap_or_default();
    text.lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|v| v["kind"] == "order")
        .filter_map(|v| v["order"]["client_order_id"].as_str().map(str::to_string))
        .collect()
}

#[test]
fn sigkill_cycles_leave_no_duplicate_no_mismatch_and_no_stale_order() {
    let server = server();
    let base = server.base_url();
    let sb = Sandbox::new();
    std::fs::write(sb.path("live.toml"), TOML).expect("config");
    let mut rng = Rng(SEED);
    let mut log = String::new();
    for cycle in 0..CYCLES {
        match rng.below(3) {
            0 => set_faults(
                &server,
                r#"{"errors":[
                    {"path":"/fapi/v1/order","method":"POST","status":503,"count":1,"execute":true},
                    {"path":"/fapi/v1/order","method":"GET","status":500,"count":1}]}"#,
            ),
            1 => set_faults(&server, r#"{"drop_after_order":1}"#),
            _ => set_faults(&server, "{}"),
        }
        let out = format!("c{cycle}");
        let (mut child, rx) = start(&sb, &base, &out, &["--duration", "60s"]);
        let mut seen = String::new();
        let started = wait_line(&rx, "start: ", &mut seen);
        // The kill point: 0.3 to 4.5 s into the session (bars come every 100 ms).
        let at = Duration::from_millis(300 + rng.below(4200));
        let bars_before = std::time::Instant::now();
        while bars_before.elapsed() < at {
            match rx.recv_timeout(at.saturating_sub(bars_before.elapsed())) {
                Ok(line) => {
                    seen.push_str(&line);
                    seen.push('\n');
                }
                Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {}
                // The session ended on its own (it must not: the log says why).
                Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => break,
            }
        }
        child.kill().expect("SIGKILL");
        let _ = child.wait();
        let stderr = std::fs::read_to_string(sb.path(&format!("{out}.stderr"))).unwrap_or_default();
        log.push_str(&format!(
            "--- cycle {cycle} (killed after {at:?})\n{seen}--- its stderr\n{stderr}"
        ));
        assert!(started, "cycle {cycle} never started:\n{log}");
    }
    set_faults(&server, "{}");
    let (mut child, rx) = start(&sb, &base, "final", &["--bars", "12"]);
    let mut seen = String::new();
    let finished = wait_line(&rx, "stopped: ", &mut seen);
    let status = child.wait().expect("final session ends");
    let stderr = std::fs::read_to_string(sb.path("final.stderr")).unwrap_or_default();
    log.push_str(&format!("--- final\n{seen}--- its stderr\n{stderr}"));
    assert!(finished && status.success(), "{log}");

    // No client order id was sent for two different orders, across all sessions.
    let mut ids: BTreeMap<String, usize> = BTreeMap::new();
    for cycle in 0..CYCLES {
        for id in journaled_ids(&sb.path(&format!("c{cycle}"))) {
            *ids.entry(id).or_default() += 1;
        }
    }
    for id in journaled_ids(&sb.path("final")) {
        *ids.entry(id).or_default() += 1;
    }
    let twice: Vec<_> = ids.iter().filter(|(_, n)| **n > 1).collect();
    assert!(twice.is_empty(), "client ids used twice: {twice:?}\n{log}");
    assert!(!ids.is_empty(), "the sessions traded: {log}");

    // The ledger's last position equals what the exchange held when the session ended.
    let last_position = seen
        .lines()
        .filter(|l| l.contains(" BTCUSDT close "))
        .filter_map(|l| l.rsplit(" position ").next())
        .filter_map(|p| p.trim().parse::<Decimal>().ok())
        .next_back()
        .expect("the final session printed its bars");
    let summary = read_json(&sb.path("final/summary.json"));
    let at_end = summary["venue_positions_at_end"]
        .as_array()
        .expect("positions read at the end");
    let venue_amt = at_end
        .iter()
        .filter(|p| p["symbol"] == "BTCUSDT")
        .filter_map(|p| {
            let amt = &p["position_amt"];
            let text = amt.as_str().map_or_else(|| amt.to_string(), str::to_string);
            text.parse::<Decimal>().ok()
        })
        .sum::<Decimal>();
    assert_eq!(
        last_position, venue_amt,
        "ledger vs exchange\n{summary}\n{log}"
    );

    // Every open order of this program protects the position it is on.
    let mut cfg = ClientConfig::new(Environment::Testnet)
        .with_base_url(&base)
        .with_credentials(Credentials::new(KEY, SECRET));
    cfg.timeout = Duration::from_secs(5);
    let client = Arc::new(Client::new(cfg).expect("client"));
    let mut open: Vec<OrderState> = client.open_orders(None).expect("open orders");
    open.extend(
        client
            .open_algo_orders(None)
            .expect("open algo orders")
            .into_iter()
            .map(|a| a.state),
    );
    let held = client
        .position_risk(None)
        .expect("positions")
        .iter()
        .filter(|p| p.symbol == btc())
        .map(|p| p.position_amt)
        .sum::<Decimal>();
    for o in open
        .iter()
        .filter(|o| o.client_order_id.as_str().starts_with("sim-"))
    {
        let closing = if held > Decimal::ZERO {
            Side::Sell
        } else {
            Side::Buy
        };
        assert!(
            !held.is_zero() && o.reduce_only && o.side == closing,
            "{} protects nothing (position {held}): {o:?}\n{log}",
            o.client_order_id.as_str()
        );
    }
    server.stop();
}
