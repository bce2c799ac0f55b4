//! The load generator behind the `serve_load` example and the `serve_load` test: `clients`
//! threads, each on its own keep-alive HTTP connection, place a LIMIT order that rests and
//! cancel it, again and again for `duration`; every `market_every`-th round is a MARKET order
//! instead (alternately BUY and SELL), so fills, positions and balances move under load too.
//! Every request's latency (send to whole answer) is recorded; [`check_state`] then reads
//! back open orders, the position, the trades and the wallet and says where they disagree.
//! Requests are signed here (HMAC-SHA256) and timestamped on the server's clock (synced once
//! with `GET /fapi/v1/time`, as a client does), so it works against `sim serve` in either
//! `--clock`; run that with `--no-rate-limits` (the rounds exceed Binance's order limits).

use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use binance::sign::sign;
use reqwest::blocking::Client;
use serde_json::Value;

/// What to run against.
#[derive(Debug, Clone)]
pub struct LoadConfig {
    /// `http://host:port`
    pub base: String,
    pub key: String,
    pub secret: String,
    pub symbol: String,
    pub clients: usize,
    pub duration: Duration,
    /// Every this many rounds a MARKET order instead of a LIMIT place+cancel (0: never).
    pub market_every: u64,
}

/// What one run did.
#[derive(Debug, Default)]
pub struct LoadReport {
    pub clients: usize,
    pub elapsed: Duration,
    /// Orders placed (LIMIT and MARKET).
    pub orders: u64,
    /// Requests sent (placements and cancels).
    pub requests: u64,
    /// Every request's latency, ascending after `run`.
    pub latencies: Vec<Duration>,
    /// Answers that were not what a healthy exchange gives (first 20 kept).
    pub errors: Vec<String>,
    pub error_count: u64,
    /// The net quantity the MARKET orders filled (BUY positive).
    pub net_filled: f64,
}

impl LoadReport {
    pub fn orders_per_sec(&self) -> f64 {
        self.orders as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }

    /// The `q`-quantile (0..=1) of the request latencies.
    pub fn latency(&self, q: f64) -> Duration {
        if self.latencies.is_empty() {
            return Duration::ZERO;
        }
        let i = ((self.latencies.len() - 1) as f64 * q).round() as usize;
        self.latencies[i]
    }

    pub fn summary(&self) -> String {
        format!(
            "{} clients, {:.1} s: {} orders ({:.0} orders/s), {} requests ({:.0}/s), \
             latency p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms, {} errors",
            self.clients,
            self.elapsed.as_secs_f64(),
            self.orders,
            self.orders_per_sec(),
            self.requests,
            self.requests as f64 / self.elapsed.as_secs_f64().max(1e-9),
            ms(self.latency(0.5)),
            ms(self.latency(0.99)),
            ms(self.latency(1.0)),
            self.error_count,
        )
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn wall_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

/// A signing caller on one keep-alive connection.
pub struct Caller {
    cfg: Arc<LoadConfig>,
    http: Client,
    /// Server time minus wall time, from `GET /fapi/v1/time`.
    offset_ms: i64,
}

impl Caller {
    pub fn new(cfg: Arc<LoadConfig>) -> Result<Caller, String> {
        let http = Client::builder()
            .timeout(Duration::from_secs(10))
            .build()
            .map_err(|e| e.to_string())?;
        let mut c = Caller {
            cfg,
            http,
            offset_ms: 0,
        };
        let before = wall_ms();
        let (_, time) = c.send("GET", "/fapi/v1/time", "", false)?;
        let server = time["serverTime"]
            .as_i64()
            .ok_or_else(|| format!("GET /fapi/v1/time answered {time}"))?;
        c.offset_ms = server - (before + wall_ms()) / 2;
        Ok(c)
    }

    /// One request; `signed` adds timestamp and signature. Returns the status and JSON body.
    pub fn send(
        &self,
        method: &str,
        path: &str,
        params: &str,
        signed: bool,
    ) -> Result<(u16, Value), String> {
        let query = if signed {
            let sep = if params.is_empty() { "" } else { "&" };
            let payload = format!(
                "{params}{sep}recvWindow=10000&timestamp={}",
                wall_ms() + self.offset_ms
            );
            format!("{payload}&signature={}", sign(&self.cfg.secret, &payload))
        } else {
            params.to_string()
        };
        let url = format!("{}{path}?{query}", self.cfg.base);
        let method = reqwest::Method::from_bytes(method.as_bytes()).map_err(|e| e.to_string())?;
        let res = self
            .http
            .request(method, url)
            .header("X-MBX-APIKEY", &self.cfg.key)
            .send()
            .map_err(|e| format!("{path}: {e}"))?;
        let status = res.status().as_u16();
        let text = res.text().map_err(|e| format!("{path}: {e}"))?;
        let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
        Ok((status, body))
    }
}

/// A price `below` (fraction) under the last price, on the symbol's tick: a BUY LIMIT that
/// rests and stays inside PERCENT_PRICE.
fn resting_price(c: &Caller, symbol: &str, below: f64) -> Result<String, String> {
    let (_, px) = c.send(
        "GET",
        "/fapi/v1/ticker/price",
        &format!("symbol={symbol}"),
        false,
    )?;
    let last: f64 = px["price"]
        .as_str()
        .and_then(|p| p.parse().ok())
        .ok_or_else(|| format!("ticker/price answered {px}"))?;
    let (_, info) = c.send("GET", "/fapi/v1/exchangeInfo", "", false)?;
    let tick: f64 = info["symbols"]
        .as_array()
        .and_then(|all| all.iter().find(|s| s["symbol"] == symbol))
        .and_then(|s| s["filters"].as_array())
        .and_then(|f| f.iter().find(|f| f["filterType"] == "PRICE_FILTER"))
        .and_then(|f| f["tickSize"].as_str())
        .and_then(|t| t.parse().ok())
        .ok_or_else(|| format!("no PRICE_FILTER tickSize for {symbol} in exchangeInfo"))?;
    let decimals = (-tick.log10()).round().max(0.0) as usize;
    let price = ((last * (1.0 - below)) / tick).floor() * tick;
    Ok(format!("{price:.decimals$}"))
}

/// The order quantity: about 150 USDT at `price`, above every symbol's MIN_NOTIONAL, on a
/// step of 0.001.
fn quantity(price: &str) -> String {
    let p: f64 = price.parse().unwrap_or(1.0);
    format!("{:.3}", ((150.0 / p) / 0.001).ceil() * 0.001)
}

/// Runs the load and returns what happened; errors reaching the server at all are returned.
pub fn run(cfg: LoadConfig) -> Result<LoadReport, String> {
    let cfg = Arc::new(cfg);
    let probe = Caller::new(cfg.clone())?;
    let price = resting_price(&probe, &cfg.symbol, 0.02)?;
    let qty = quantity(&price);
    let started = Instant::now();
    let workers: Vec<_> = (0..cfg.clients)
        .map(|n| {
            let cfg = cfg.clone();
            let (price, qty) = (price.clone(), qty.clone());
            thread::spawn(move || client_loop(n, cfg, &price, &qty))
        })
        .collect();
    let mut report = LoadReport {
        clients: cfg.clients,
        ..LoadReport::default()
    };
    for w in workers {
        let part = w
            .join()
            .map_err(|_| "a load client panicked".to_string())??;
        report.orders += part.orders;
        report.requests += part.requests;
        report.latencies.extend(part.latencies);
        report.error_count += part.error_count;
        report.net_filled += part.net_filled;
        for e in part.errors {
            if report.errors.len() < 20 {
                report.errors.push(e);
            }
        }
    }
    report.elapsed = started.elapsed();
    report.latencies.sort_unstable();
    Ok(report)
}

fn client_loop(
    n: usize,
    cfg: Arc<LoadConfig>,
    price: &str,
    qty: &str,
) -> Result<LoadReport, String> {
    let c = Caller::new(cfg.clone())?;
    let mut r = LoadReport::default();
    let symbol = &cfg.symbol;
    let deadline = Instant::now() + cfg.duration;
    let error = |r: &mut LoadReport, what: String| {
        r.error_count += 1;
        if r.errors.len() < 20 {
            r.errors.push(what);
        }
    };
    let timed = |r: &mut LoadReport, method: &str, path: &str, params: &str| {
        let t = Instant::now();
        let got = c.send(method, path, params, true);
        r.latencies.push(t.elapsed());
        r.requests += 1;
        got
    };
    let mut round = 0_u64;
    while Instant::now() < deadline {
        round += 1;
        r.orders += 1;
        if cfg.market_every > 0 && round.is_multiple_of(cfg.market_every) {
            let buy = (round / cfg.market_every) % 2 == 1;
            let side = if buy { "BUY" } else { "SELL" };
            let params = format!(
                "symbol={symbol}&side={side}&type=MARKET&quantity={qty}&newOrderRespType=RESULT&newClientOrderId=load-{n}-{round}"
            );
            match timed(&mut r, "POST", "/fapi/v1/order", &params)? {
                (200, o) if o["status"] == "FILLED" => {
                    let filled: f64 = o["executedQty"]
                        .as_str()
                        .and_then(|q| q.parse().ok())
                        .unwrap_or(0.0);
                    r.net_filled += if buy { filled } else { -filled };
                }
                (status, body) => error(&mut r, format!("MARKET {side}: {status} {body}")),
            }
            continue;
        }
        let params = format!(
            "symbol={symbol}&side=BUY&type=LIMIT&timeInForce=GTC&quantity={qty}&price={price}&newClientOrderId=load-{n}-{round}"
        );
        let placed = match timed(&mut r, "POST", "/fapi/v1/order", &params)? {
            (200, o) if o["status"] == "NEW" => o,
            (status, body) => {
                error(&mut r, format!("LIMIT: {status} {body}"));
                continue;
            }
        };
        let id = placed["orderId"].as_i64().unwrap_or(0);
        match timed(
            &mut r,
            "DELETE",
            "/fapi/v1/order",
            &format!("symbol={symbol}&orderId={id}"),
        )? {
            (200, o) if o["status"] == "CANCELED" => {}
            (status, body) => error(&mut r, format!("cancel {id}: {status} {body}")),
        }
    }
    Ok(r)
}

fn number(v: &Value) -> f64 {
    v.as_str()
        .and_then(|s| s.parse().ok())
        .or_else(|| v.as_f64())
        .unwrap_or(f64::NAN)
}

/// The account's wallet balance in USDT (`GET /fapi/v2/balance`).
pub fn wallet(c: &Caller) -> Result<f64, String> {
    let (_, rows) = c.send("GET", "/fapi/v2/balance", "", true)?;
    rows.as_array()
        .and_then(|all| all.iter().find(|r| r["asset"] == "USDT"))
        .map(|r| number(&r["balance"]))
        .ok_or_else(|| format!("/fapi/v2/balance answered {rows}"))
}

/// Reads the state back after a run and lists where it disagrees with the fills:
/// no open orders left, the position equal to the net MARKET fills and to the trades' net
/// quantity, and the wallet equal to `wallet_before` plus realised PnL minus commissions of
/// every trade (paged through `userTrades` by `fromId`). Empty when consistent.
pub fn check_state(
    c: &Caller,
    symbol: &str,
    report: &LoadReport,
    wallet_before: f64,
) -> Result<Vec<String>, String> {
    let mut problems = Vec::new();
    let close = |a: f64, b: f64| (a - b).abs() <= 1e-6 * (1.0 + a.abs().max(b.abs()));
    let (_, open) = c.send(
        "GET",
        "/fapi/v1/openOrders",
        &format!("symbol={symbol}"),
        true,
    )?;
    let left = open.as_array().map_or(usize::MAX, Vec::len);
    if left != 0 {
        problems.push(format!(
            "{left} open orders left after every place was cancelled: {open}"
        ));
    }
    let (_, risk) = c.send(
        "GET",
        "/fapi/v2/positionRisk",
        &format!("symbol={symbol}"),
        true,
    )?;
    let position: f64 = risk
        .as_array()
        .map(|rows| rows.iter().map(|r| number(&r["positionAmt"])).sum())
        .unwrap_or(f64::NAN);
    if !close(position, report.net_filled) {
        problems.push(format!(
            "position {position} but the MARKET orders filled {} net",
            report.net_filled
        ));
    }
    let (mut net_qty, mut pnl, mut fees, mut trades) = (0.0, 0.0, 0.0, 0_u64);
    let mut from = 1_i64;
    loop {
        let (_, page) = c.send(
            "GET",
            "/fapi/v1/userTrades",
            &format!("symbol={symbol}&fromId={from}&limit=1000"),
            true,
        )?;
        let rows = page
            .as_array()
            .ok_or_else(|| format!("userTrades answered {page}"))?;
        for t in rows {
            let qty = number(&t["qty"]);
            net_qty += if t["side"] == "BUY" { qty } else { -qty };
            pnl += number(&t["realizedPnl"]);
            fees += number(&t["commission"]);
            trades += 1;
            from = t["id"].as_i64().unwrap_or(from) + 1;
        }
        if rows.len() < 1000 {
            break;
        }
    }
    if !close(net_qty, position) {
        problems.push(format!(
            "{trades} trades net {net_qty} but the position is {position}"
        ));
    }
    let after = wallet(c)?;
    let want = wallet_before + pnl - fees;
    if (after - want).abs() > 1e-6 * want.abs().max(1.0) {
        problems.push(format!(
            "wallet {after} but {wallet_before} + realised {pnl} - commission {fees} = {want}"
        ));
    }
    Ok(problems)
}

/// A server in this process on 127.0.0.1:0 with no rate limits: 100 flat 1m BTCUSDT bars on
/// the testnet's rules, 5 closed, the step clock (nothing moves unless stepped), and the
/// key pair `load-key`/`load-secret`.
pub fn in_process_server() -> Result<serve::ServerHandle, String> {
    use pipeline::exchange_info::{Environment, snapshot};
    use pipeline::{Bar, Interval, Symbol, TimestampMs};
    let btc = Symbol::new("BTCUSDT").map_err(|e| e.to_string())?;
    let t0 = TimestampMs::from_utc(2026, 1, 1, 0, 0, 0);
    let bars = (0..100)
        .map(|i| {
            let bar = Bar {
                open_time: t0.plus_ms(i * 60_000),
                open: 70_000.0,
                high: 70_050.0,
                low: 69_950.0,
                close: 70_000.0,
                volume: 100.0,
            };
            (btc.clone(), bar)
        })
        .collect();
    let mut cfg = serve::ServeConfig::new(
        snapshot(Environment::Testnet).map_err(|e| e.to_string())?,
        exchange_sim::SimConfig::default(),
        Interval::M1,
        bars,
        vec![serve::ApiKey {
            key: "load-key".into(),
            secret: "load-secret".into(),
        }],
    );
    cfg.warmup_steps = 5;
    cfg.weight_limit = u32::MAX;
    cfg.order_limits = (u32::MAX, u32::MAX);
    serve::Server::start(cfg).map_err(|e| e.to_string())
}
