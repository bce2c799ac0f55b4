//! freqtrade, a real bot nobody here wrote, trading live against `sim serve` (issue 27 item 7).
//!
//! tests/conformance/freqtrade_session.py runs the pinned freqtrade (scripts/test-all installs
//! it) in futures mode, isolated margin, `dry_run: false`, with the shipped strategy
//! tests/conformance/freqtrade/SimServeRoundTrips.py (long at market on each candle, out at
//! market after 2 minutes) and ccxt's Binance URLs pointed at the server. The server replays
//! 1 bar (one minute of market) per second; freqtrade runs under libfaketime at 60x from the
//! server's `/fapi/v1/time`, because it ignores candles more than two intervals older than its
//! own clock (a replayed quarter is months old, and runs 60 times faster than the time of day).
//! Its signed timestamps then lie on the market's clock, which serve's dataset clock accepts
//! within the bar being replayed (ccxt's recvWindow is set to Binance's largest, 60 s, since
//! the faked clock can be up to a bar off the market's). Debian's `faketime` is needed (.ci/run
//! installs it).
//!
//! Checked: freqtrade opened and closed at least 3 trades; every order freqtrade recorded is a
//! fill in serve's journal (same order id, side, quantity, price) and every journaled fill is
//! one of freqtrade's orders; serve's userTrades are the journal's fills (with the same fees);
//! each closed trade's profit in freqtrade's database is the journal's realised PnL minus fees
//! of its two fills; serve's position is what freqtrade holds open. About 20 s of wall time,
//! most of it freqtrade's start-up.

use std::process::Command;

use serde_json::Value;

use crate::conformance::{journal, python};
use crate::serve::{KEY, SECRET, spawn};
use crate::support::{Sandbox, repo};

/// Closed trades the test waits for, and how long at most (wall seconds) freqtrade gets.
const TRADES: usize = 3;
const TIMEOUT_SECS: u64 = 240;

/// The JSON after `tag ` on its line of `stdout`.
fn tagged(stdout: &str, tag: &str) -> Value {
    let line = stdout
        .lines()
        .find_map(|l| l.strip_prefix(tag))
        .unwrap_or_else(|| panic!("no {tag} line in:\n{stdout}"));
    serde_json::from_str(line.trim()).expect("tagged JSON")
}

fn num(v: &Value) -> f64 {
    v.as_f64()
        .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
        .unwrap_or_else(|| panic!("a number: {v}"))
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-6 * a.abs().max(b.abs()).max(1.0)
}

/// A fill as (order id, SIDE, qty, price).
type Fill = (String, String, f64, f64);

#[test]
fn freqtrade_trades_live_against_sim_serve_and_its_trades_match_the_journal() {
    assert!(
        Command::new("faketime").arg("--version").output().is_ok(),
        "the freqtrade test runs freqtrade under libfaketime: install Debian's faketime \
         (apt-get install faketime; .ci/run does)"
    );
    let python = python();
    let sb = Sandbox::new();
    let journal_path = sb.path("journal.jsonl");
    let served = spawn(
        &sb,
        "btc_2026q1",
        &[
            "--speed",
            "1",
            "--no-rate-limits",
            "--journal",
            journal_path.to_str().expect("utf-8 path"),
        ],
    );
    let out = Command::new(python)
        .arg(repo().join("tests/conformance/freqtrade_session.py"))
        .arg(format!("http://{}", served.addr))
        .args([KEY, SECRET])
        .arg(sb.path("freqtrade"))
        .args(["1", &TRADES.to_string(), &TIMEOUT_SECS.to_string()])
        .output()
        .expect("python runs");
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        out.status.success(),
        "freqtrade_session.py failed\nstdout:\n{stdout}\nstderr:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    drop(served);

    let trades = tagged(&stdout, "FREQTRADE_TRADES ");
    let trades = trades.as_array().expect("trades");
    let closed: Vec<&Value> = trades.iter().filter(|t| t["is_open"] == 0).collect();
    assert!(closed.len() >= TRADES, "{trades:?}");

    // The journal's fills, and freqtrade's filled orders, as (order id, side, qty, price).
    let events = journal(&journal_path);
    let fills: Vec<(Fill, f64, f64)> = events
        .iter()
        .filter_map(|e| e["event"].get("Fill"))
        .map(|f| {
            let fill = (
                f["order_id"].to_string(),
                f["side"].as_str().expect("side").to_string(),
                num(&f["qty"]),
                num(&f["price"]),
            );
            (fill, num(&f["realized_pnl"]), num(&f["fee"]))
        })
        .collect();
    let journaled: Vec<&Fill> = fills.iter().map(|(f, _, _)| f).collect();
    let ordered: Vec<Fill> = trades
        .iter()
        .flat_map(|t| t["orders"].as_array().expect("orders"))
        .filter(|o| num(&o["filled"]) > 0.0)
        .map(|o| {
            (
                o["order_id"].as_str().expect("order_id").to_string(),
                o["side"].as_str().expect("side").to_uppercase(),
                num(&o["filled"]),
                num(&o["average"]),
            )
        })
        .collect();
    assert_eq!(
        journaled.len(),
        ordered.len(),
        "one journaled fill per order freqtrade filled\njournal: {journaled:?}\nfreqtrade: {ordered:?}"
    );
    for o in &ordered {
        assert!(
            journaled
                .iter()
                .any(|f| f.0 == o.0 && f.1 == o.1 && close(f.2, o.2) && close(f.3, o.3)),
            "freqtrade's order {o:?} is not in the journal: {journaled:?}"
        );
    }

    // serve's userTrades are the journal's fills.
    let account = tagged(&stdout, "SERVE_ACCOUNT ");
    let user_trades = account["trades"].as_array().expect("trades");
    assert_eq!(user_trades.len(), fills.len(), "{user_trades:?}");
    for t in user_trades {
        let id = t["order"].as_str().expect("order id");
        let (f, pnl, fee) = fills
            .iter()
            .find(|(f, _, _)| f.0 == id)
            .unwrap_or_else(|| panic!("userTrade {t} not journaled"));
        assert_eq!(t["side"].as_str().map(str::to_uppercase), Some(f.1.clone()));
        assert!(
            close(num(&t["amount"]), f.2) && close(num(&t["price"]), f.3),
            "{t} {f:?}"
        );
        assert!(
            close(num(&t["fee"]), *fee) && close(num(&t["realized_pnl"]), *pnl),
            "{t}"
        );
    }

    // Each closed trade's profit is its fills' realised PnL minus their fees.
    for t in &closed {
        let (pnl, fees) = t["orders"]
            .as_array()
            .expect("orders")
            .iter()
            .filter_map(|o| {
                fills
                    .iter()
                    .find(|(f, _, _)| Some(f.0.as_str()) == o["order_id"].as_str())
            })
            .fold((0.0, 0.0), |(p, c), (_, pnl, fee)| (p + pnl, c + fee));
        assert!(
            close(num(&t["close_profit_abs"]), pnl - fees),
            "trade {}: freqtrade's profit {} vs the journal's PnL {pnl} - fees {fees}",
            t["id"],
            t["close_profit_abs"]
        );
    }

    // What freqtrade still holds is serve's position.
    let held: f64 = trades
        .iter()
        .filter(|t| t["is_open"] == 1)
        .map(|t| num(&t["amount"]))
        .sum();
    assert!(
        close(num(&account["position"]), held),
        "serve's position {} vs freqtrade's open trades {held}",
        account["position"]
    );
}
