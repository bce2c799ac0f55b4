//! Support for `serve`'s own tests: a server on 127.0.0.1:0 over a synthetic BTCUSDT
//! 1m market with the step clock, and a raw HTTP caller that signs requests itself
//! (HMAC-SHA256 over the exact query or form body it sends), timestamped by the server's
//! clock when the test injected one.
#![allow(dead_code)]

use std::sync::Arc;

use binance::sign::sign;
use exchange_sim::SimConfig;
use pipeline::exchange_info::{Environment, snapshot};
use pipeline::{Bar, Interval, Symbol, TimestampMs};
use reqwest::blocking::Client;
use serde_json::Value;
use serve::{
    ApiKey, Faults, ManualClock, ServeConfig, Server, ServerHandle, SystemClock, WallClock,
};

pub const KEY: &str = "own-test-key";
pub const SECRET: &str = "own-test-secret";

/// Bar `i` opens at 2026-01-01 00:00 + i minutes; prices step up by 10 per bar from 70,000.
pub fn bar(i: i64) -> Bar {
    let open = 70_000.0 + 10.0 * i as f64;
    Bar {
        open_time: TimestampMs::from_utc(2026, 1, 1, 0, 0, 0).plus_ms(i * 60_000),
        open,
        high: open + 30.0,
        low: open - 30.0,
        close: open + 5.0,
        volume: 40.0,
    }
}

pub fn config(n: i64, warmup: usize) -> ServeConfig {
    let btc = Symbol::new("BTCUSDT").expect("symbol");
    let mut cfg = ServeConfig::new(
        snapshot(Environment::Mainnet).expect("embedded exchange info"),
        SimConfig::default(),
        Interval::M1,
        (0..n).map(|i| (btc.clone(), bar(i))).collect(),
        vec![ApiKey {
            key: KEY.to_string(),
            secret: SECRET.to_string(),
        }],
    );
    cfg.warmup_steps = warmup;
    cfg
}

pub fn start(faults: Faults) -> ServerHandle {
    let mut cfg = config(100, 5);
    cfg.faults = faults;
    Server::start(cfg).expect("server starts")
}

/// 2026-01-01 00:00 UTC: the start of a minute (and of every shorter window).
pub const MINUTE_START_MS: i64 = 1_767_225_600_000;

/// The usual server, reading a manual clock that stands at [`MINUTE_START_MS`] until the test
/// moves it.
pub fn start_at_minute_start() -> (ServerHandle, ManualClock) {
    let clock = ManualClock::at(MINUTE_START_MS);
    let mut cfg = config(100, 5);
    cfg.wall_clock = Arc::new(clock.clone());
    (Server::start(cfg).expect("server starts"), clock)
}

pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("after 1970")
        .as_millis() as i64
}

/// One answer: status, selected headers, JSON body.
#[derive(Debug)]
pub struct Got {
    pub status: u16,
    pub weight: Option<u32>,
    pub order_count_10s: Option<u32>,
    pub content_type: String,
    pub body: Value,
}

impl Got {
    pub fn code(&self) -> i64 {
        self.body["code"].as_i64().unwrap_or(0)
    }
}

pub struct Caller {
    pub base: String,
    pub http: Client,
    /// What signed requests are timestamped with: the server's clock.
    pub clock: Arc<dyn WallClock>,
}

impl Caller {
    /// A caller for a server on the system clock.
    pub fn new(server: &ServerHandle) -> Caller {
        Caller {
            base: server.base_url(),
            http: Client::builder().build().expect("http client"),
            clock: Arc::new(SystemClock),
        }
    }

    /// A caller for a server reading `clock`.
    pub fn with_clock(server: &ServerHandle, clock: &ManualClock) -> Caller {
        Caller {
            clock: Arc::new(clock.clone()),
            ..Caller::new(server)
        }
    }

    fn read(res: reqwest::blocking::Response) -> Got {
        let h = |name: &str| {
            res.headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        };
        let weight = h("x-mbx-used-weight-1m").and_then(|v| v.parse().ok());
        let order_count_10s = h("x-mbx-order-count-10s").and_then(|v| v.parse().ok());
        let content_type = h("content-type").unwrap_or_default();
        let status = res.status().as_u16();
        let text = res.text().expect("body");
        let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
        Got {
            status,
            weight,
            order_count_10s,
            content_type,
            body,
        }
    }

    /// An unsigned request with the query `query`.
    pub fn public(&self, method: &str, path: &str, query: &str) -> Got {
        self.try_send(method, path, query, "", None)
            .expect("request completes")
    }

    /// `query` + timestamp, signed with `secret`, sent with `key`; in the form body for
    /// `in_body`, else in the query.
    pub fn signed_with(
        &self,
        method: &str,
        path: &str,
        params: &str,
        (key, secret): (&str, &str),
        timestamp: i64,
        in_body: bool,
    ) -> Result<Got, reqwest::Error> {
        let sep = if params.is_empty() { "" } else { "&" };
        let payload = format!("{params}{sep}timestamp={timestamp}");
        let signed = format!("{payload}&signature={}", sign(secret, &payload));
        if in_body {
            self.try_send(method, path, "", &signed, Some(key))
        } else {
            self.try_send(method, path, &signed, "", Some(key))
        }
    }

    pub fn signed(&self, method: &str, path: &str, params: &str) -> Got {
        let now = self.clock.now_ms();
        self.signed_with(method, path, params, (KEY, SECRET), now, false)
            .expect("request completes")
    }

    pub fn try_send(
        &self,
        method: &str,
        path: &str,
        query: &str,
        body: &str,
        key: Option<&str>,
    ) -> Result<Got, reqwest::Error> {
        let url = if query.is_empty() {
            format!("{}{path}", self.base)
        } else {
            format!("{}{path}?{query}", self.base)
        };
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
        let mut req = self.http.request(method, url);
        if let Some(k) = key {
            req = req.header("X-MBX-APIKEY", k);
        }
        if !body.is_empty() {
            req = req
                .header("Content-Type", "application/x-www-form-urlencoded")
                .body(body.to_string());
        }
        req.send().map(Self::read)
    }

    /// Advances the market `n` steps.
    pub fn step(&self, n: usize) -> Got {
        self.public("POST", "/sim/step", &format!("bars={n}"))
    }

    pub fn set_faults(&self, json: &str) -> Got {
        let res = self
            .http
            .post(format!("{}/sim/faults", self.base))
            .body(json.to_string())
            .send()
            .expect("admin request");
        Self::read(res)
    }
}
