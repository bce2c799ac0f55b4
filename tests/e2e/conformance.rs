//! Conformance with real Binance clients: each test starts `sim serve --step` and runs one
//! scripted session of tests/conformance/ with a pinned client from PyPI (installed into a
//! virtualenv by scripts/test-all; its python is `SIM_PYTHON`):
//! - binance_connector.py: Binance's official `binance-futures-connector`;
//! - python_binance.py: `python-binance` (REST and its futures user-data socket);
//! - ccxt_binanceusdm.py: ccxt's `binanceusdm` (unified API and ccxt.pro's `watch_orders`).
//!
//! Each script checks shapes and values (fills, positions, balance = fees + PnL, events) and
//! exits non-zero on the first mismatch; the test then also holds the fills the client saw
//! against serve's `--journal`.

use std::path::PathBuf;
use std::process::Command;

use crate::serve::{KEY, SECRET, start_with};
use crate::support::{Sandbox, repo};

/// The python with the pinned clients: `SIM_PYTHON`, else scripts/test-all's default venv.
pub fn python() -> PathBuf {
    let path = std::env::var_os("SIM_PYTHON").map_or_else(
        || {
            let home = std::env::var_os("HOME").expect("HOME is set");
            PathBuf::from(home).join(".cache/sim/py/bin/python")
        },
        PathBuf::from,
    );
    assert!(
        path.exists(),
        "{} does not exist: run scripts/test-all once (it installs \
         tests/conformance/requirements.txt into that virtualenv), or set SIM_PYTHON to a python \
         that has them",
        path.display()
    );
    path
}

/// The exchange events serve journaled, one JSON object per line.
pub fn journal(path: &std::path::Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("the journal {}: {e}", path.display()))
        .lines()
        .map(|l| serde_json::from_str(l).expect("a journal line is JSON"))
        .collect()
}

/// The journal's fills as (order id, side, qty).
pub fn journal_fills(events: &[serde_json::Value]) -> Vec<(i64, String, String)> {
    events
        .iter()
        .filter_map(|e| e["event"].get("Fill"))
        .map(|f| {
            (
                f["order_id"].as_i64().expect("order_id"),
                f["side"].as_str().expect("side").to_string(),
                f["qty"].as_str().expect("qty").to_string(),
            )
        })
        .collect()
}

/// Runs `script` against a fresh `sim serve --step --journal` on the dataset's clock (the
/// scripts sync with `/fapi/v1/time`); returns its stdout and the journal.
fn session(script: &str) -> (String, Vec<serde_json::Value>) {
    session_with(script, &[])
}

/// [`session`] with more `sim serve` arguments. Fails with the script's output when it exits
/// non-zero.
fn session_with(script: &str, extra: &[&str]) -> (String, Vec<serde_json::Value>) {
    let python = python();
    let sb = Sandbox::new();
    let journal_path = sb.path("journal.jsonl");
    let mut args = vec!["--journal", journal_path.to_str().expect("utf-8 path")];
    args.extend_from_slice(extra);
    let served = start_with(&sb, "btc_2026q1", &args);
    let out = Command::new(python)
        .arg(repo().join("tests/conformance").join(script))
        .args([format!("http://{}", served.addr).as_str(), KEY, SECRET])
        .output()
        .expect("python runs");
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "{script} failed\nstdout:\n{stdout}\nstderr:\n{stderr}"
    );
    drop(served);
    (stdout, journal(&journal_path))
}

#[test]
fn the_official_python_connector_trades_against_sim_serve() {
    // The connector signs with its own clock and has no sync: the time of day.
    let (stdout, events) = session_with("binance_connector.py", &["--clock", "wall"]);
    assert!(stdout.contains("conformance ok"), "{stdout}");
    // It sold 0.01 at market; nothing else filled.
    assert_eq!(
        journal_fills(&events),
        [(2, "SELL".to_string(), "0.01".to_string())],
        "{events:?}"
    );
}

#[test]
fn python_binance_trades_against_sim_serve() {
    let (stdout, events) = session("python_binance.py");
    assert!(stdout.contains("python-binance conformance ok"), "{stdout}");
    // The canceled LIMIT is order 1; the round trip is orders 2 and 3.
    assert_eq!(
        journal_fills(&events),
        [
            (2, "BUY".to_string(), "0.01".to_string()),
            (3, "SELL".to_string(), "0.01".to_string())
        ],
        "{events:?}"
    );
}

#[test]
fn ccxt_binanceusdm_trades_against_sim_serve() {
    let (stdout, events) = session("ccxt_binanceusdm.py");
    assert!(stdout.contains("ccxt conformance ok"), "{stdout}");
    assert_eq!(
        journal_fills(&events),
        [
            (2, "BUY".to_string(), "0.01".to_string()),
            (3, "SELL".to_string(), "0.01".to_string())
        ],
        "{events:?}"
    );
}
