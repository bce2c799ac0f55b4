//! A `serve` server on 127.0.0.1:0 for the adapter's tests: the embedded testnet
//! exchange info, a synthetic BTCUSDT 1m market (a slow sine around 70,000), one API key, the
//! step clock (the test advances the market with `POST /sim/step`).

use std::sync::Arc;
use std::time::Duration;

use exchange_sim::SimConfig;
use live::client::{Client, ClientConfig, Credentials, Environment};
use live::venue::{LiveVenue, LiveVenueConfig};
use pipeline::exchange_info::{Environment as Snap, snapshot};
use pipeline::{Bar, Interval, Symbol, TimestampMs};
use serve::{ApiKey, Faults, ServeConfig, Server, ServerHandle};

pub const KEY: &str = "serve-test-key";
pub const SECRET: &str = "serve-test-secret";

pub fn btc() -> Symbol {
    Symbol::new("BTCUSDT").expect("symbol")
}

/// `n` one-minute bars from 2026-01-01, close = 70,000 + 300 sin(i / 10).
pub fn bars(n: usize) -> Vec<(Symbol, Bar)> {
    let start = TimestampMs::from_utc(2026, 1, 1, 0, 0, 0);
    (0..n)
        .map(|i| {
            let c = (70_000.0 + 300.0 * (i as f64 / 10.0).sin()).round();
            let o = (70_000.0 + 300.0 * ((i as f64 - 1.0) / 10.0).sin()).round();
            let bar = Bar {
                open_time: start.plus_ms(i as i64 * 60_000),
                open: o,
                high: o.max(c) + 20.0,
                low: o.min(c) - 20.0,
                close: c,
                volume: 50.0,
            };
            (btc(), bar)
        })
        .collect()
}

pub fn start(faults: Faults) -> ServerHandle {
    start_with(faults, SimConfig::default())
}

/// `start` with an exchange config of the test's own.
pub fn start_with(faults: Faults, exchange: SimConfig) -> ServerHandle {
    let info = snapshot(Snap::Testnet).expect("embedded testnet info");
    let mut cfg = ServeConfig::new(
        info,
        exchange,
        Interval::M1,
        bars(400),
        vec![ApiKey {
            key: KEY.to_string(),
            secret: SECRET.to_string(),
        }],
    );
    cfg.warmup_steps = 50;
    cfg.faults = faults;
    Server::start(cfg).expect("server starts")
}

pub fn client(server: &ServerHandle) -> Arc<Client> {
    let mut cfg = ClientConfig::new(Environment::Testnet)
        .with_base_url(server.base_url())
        .with_credentials(Credentials::new(KEY, SECRET));
    cfg.timeout = Duration::from_secs(5);
    cfg.max_backoff = Duration::from_secs(3);
    Arc::new(Client::new(cfg).expect("client"))
}

pub fn venue(server: &ServerHandle) -> LiveVenue {
    let cfg = LiveVenueConfig {
        symbols: vec![btc()],
        readback_delay: Duration::from_millis(20),
        ..LiveVenueConfig::default()
    };
    LiveVenue::connect(client(server), cfg).expect("venue connects")
}

/// Advances the market `n` steps.
pub fn step(server: &ServerHandle, n: usize) {
    let url = format!("{}/sim/step?bars={n}", server.base_url());
    let resp = reqwest::blocking::Client::new()
        .post(url)
        .send()
        .expect("step");
    assert!(resp.status().is_success(), "step: {}", resp.status());
}

/// Replaces the armed faults.
pub fn set_faults(server: &ServerHandle, faults: &Faults) {
    let url = format!("{}/sim/faults", server.base_url());
    let resp = reqwest::blocking::Client::new()
        .post(url)
        .body(serde_json::to_string(faults).expect("json"))
        .header("Content-Type", "application/json")
        .send()
        .expect("faults");
    assert!(resp.status().is_success(), "faults: {}", resp.status());
}
