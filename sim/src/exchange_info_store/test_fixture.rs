//! Test support: a dated testnet snapshot with one filter changed and symbols removed, saved
//! in a history, shared by the resolver's unit tests and the end-to-end history test.
//! Must never live here: anything a command uses.

use std::path::Path;

use pipeline::exchange_info::{Environment, ExchangeInfo, snapshots::snapshot_json};

use super::history::{self, Snapshot};

/// Saves the shipped testnet snapshot dated `server_time` under `store`, with BTCUSDT's
/// MIN_NOTIONAL set to `btc_min` and without the symbols in `drop`.
pub fn save_testnet_variant(
    store: &Path,
    server_time: i64,
    btc_min: &str,
    drop: &[&str],
) -> anyhow::Result<Snapshot> {
    let mut doc: serde_json::Value = serde_json::from_str(snapshot_json(Environment::Testnet))?;
    doc["serverTime"] = serde_json::json!(server_time);
    let symbols = doc["symbols"]
        .as_array_mut()
        .ok_or_else(|| anyhow::anyhow!("the shipped snapshot has no symbols"))?;
    symbols.retain(|s| !drop.iter().any(|d| s["symbol"] == *d));
    let btc = symbols
        .iter_mut()
        .find(|s| s["symbol"] == "BTCUSDT")
        .ok_or_else(|| anyhow::anyhow!("the shipped testnet snapshot has no BTCUSDT"))?;
    for f in btc["filters"].as_array_mut().into_iter().flatten() {
        if f["filterType"] == "MIN_NOTIONAL" {
            f["notional"] = serde_json::json!(btc_min);
        }
    }
    let body = doc.to_string();
    let info = ExchangeInfo::from_json(&body, "test")?;
    history::save(store, "testnet", "http://127.0.0.1:1", &body, &info, None)
}
