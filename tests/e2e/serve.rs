//! `sim serve`: the binary started on a free port with the shipped dataset; a plain HTTP/1.1
//! client (std only, requests signed here) reads exchangeInfo and klines, places an order,
//! advances the clock and reads the position back. Also the helpers the conformance test uses.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use crate::support::Sandbox;

pub const KEY: &str = "e2e-serve-key";
pub const SECRET: &str = "e2e-serve-secret";

/// A `sim serve` process; killed on drop.
pub struct Served {
    pub child: Child,
    /// host:port
    pub addr: String,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `sim serve --step --clock wall` on a free port and waits for the line with its URL:
/// the clients of these tests sign with their own clock, without syncing to the server's.
pub fn start(sb: &Sandbox, dataset: &str) -> Served {
    start_with(sb, dataset, &["--clock", "wall"])
}

/// Starts `sim serve --step` with `extra` arguments.
pub fn start_with(sb: &Sandbox, dataset: &str, extra: &[&str]) -> Served {
    let mut args = vec!["--step"];
    args.extend_from_slice(extra);
    spawn(sb, dataset, &args)
}

/// Starts `sim serve` with `args` (the clock is theirs to choose, e.g. `--speed 1`) on a free
/// port and waits for the line with its URL.
pub fn spawn(sb: &Sandbox, dataset: &str, args: &[&str]) -> Served {
    let mut child = Command::new(env!("CARGO_BIN_EXE_sim"))
        .args([
            "serve",
            "--dataset",
            dataset,
            "--port",
            "0",
            "--warmup",
            "50",
            "--api-key",
            KEY,
            "--api-secret",
            SECRET,
        ])
        .args(args)
        .env("SIM_HOME", sb.path("home"))
        .env_remove("SIM_LOG")
        .current_dir(sb.dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("sim serve starts");
    let stdout = child.stdout.take().expect("stdout");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let mut seen = Vec::new();
    let addr = loop {
        let line = rx
            .recv_timeout(Duration::from_secs(120))
            .unwrap_or_else(|_| panic!("sim serve printed no URL; it printed: {seen:?}"));
        if let Some(rest) = line.split("http://").nth(1) {
            break rest.trim().to_string();
        }
        seen.push(line);
    };
    Served { child, addr }
}

/// One HTTP/1.1 request (Connection: close); returns the status and the body.
pub fn http(addr: &str, method: &str, target: &str, key: Option<&str>) -> (u16, String) {
    let mut s = TcpStream::connect(addr).expect("connects");
    let key = key.map_or(String::new(), |k| format!("X-MBX-APIKEY: {k}\r\n"));
    let req = format!(
        "{method} {target} HTTP/1.1\r\nHost: {addr}\r\n{key}Connection: close\r\nContent-Length: 0\r\n\r\n"
    );
    s.write_all(req.as_bytes()).expect("sends");
    let mut raw = String::new();
    s.read_to_string(&mut raw).expect("reads");
    let status = raw
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let body = raw.split_once("\r\n\r\n").map_or("", |(_, b)| b);
    // Answers are small and sent whole or chunked; strip a chunked frame if present.
    let body = match body.split_once("\r\n") {
        Some((len, rest))
            if u64::from_str_radix(len.trim(), 16).is_ok() && rest.contains("\r\n0\r\n") =>
        {
            rest.split("\r\n0\r\n")
                .next()
                .unwrap_or("")
                .trim_end_matches("\r\n")
                .to_string()
        }
        _ => body.to_string(),
    };
    (status, body)
}

pub fn json(addr: &str, method: &str, target: &str) -> serde_json::Value {
    let (status, body) = http(addr, method, target, None);
    assert_eq!(status, 200, "{method} {target}: {body}");
    serde_json::from_str(&body).expect("json")
}

fn wall_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_millis() as i64
}

fn signed(addr: &str, method: &str, path: &str, params: &str) -> (u16, serde_json::Value) {
    signed_at(addr, method, path, params, wall_ms())
}

fn signed_at(
    addr: &str,
    method: &str,
    path: &str,
    params: &str,
    ts: i64,
) -> (u16, serde_json::Value) {
    let payload = format!("{params}&timestamp={ts}");
    let sig = binance::sign::sign(SECRET, &payload);
    let (status, body) = http(
        addr,
        method,
        &format!("{path}?{payload}&signature={sig}"),
        Some(KEY),
    );
    (status, serde_json::from_str(&body).expect("json"))
}

#[test]
fn serve_answers_exchange_info_klines_orders_and_positions() {
    let sb = Sandbox::new();
    let s = start(&sb, "btc_2026q1");
    let info = json(&s.addr, "GET", "/fapi/v1/exchangeInfo");
    let listed = info["symbols"].as_array().expect("symbols");
    assert!(listed.iter().any(|x| x["symbol"] == "BTCUSDT"));
    let klines = json(
        &s.addr,
        "GET",
        "/fapi/v1/klines?symbol=BTCUSDT&interval=1m&limit=1000",
    );
    let rows = klines.as_array().expect("rows");
    assert_eq!(rows.len(), 50, "the 50 warm-up bars and no more");
    let last_close: f64 = rows[49][4].as_str().unwrap_or("").parse().expect("close");
    let state = json(&s.addr, "GET", "/sim/state");
    assert_eq!(state["step"], 50);

    let (status, placed) = signed(
        &s.addr,
        "POST",
        "/fapi/v1/order",
        "symbol=BTCUSDT&side=BUY&type=MARKET&quantity=0.010&newClientOrderId=e2e-1",
    );
    assert_eq!(status, 200, "{placed}");
    // ACK, the default answer: the order as accepted (it filled at once, at the last close).
    assert_eq!(placed["status"], "NEW");
    json(&s.addr, "POST", "/sim/step?bars=1");
    let (_, order) = signed(
        &s.addr,
        "GET",
        "/fapi/v1/order",
        "symbol=BTCUSDT&origClientOrderId=e2e-1",
    );
    assert_eq!(order["status"], "FILLED");
    let (_, pos) = signed(&s.addr, "GET", "/fapi/v2/positionRisk", "symbol=BTCUSDT");
    assert_eq!(pos[0]["positionAmt"], "0.01");
    let entry: f64 = pos[0]["entryPrice"]
        .as_str()
        .unwrap_or("")
        .parse()
        .expect("entry");
    assert!(
        (entry / last_close - 1.0).abs() < 0.05,
        "entry {entry} near {last_close}"
    );
    let (status, balance) = signed(&s.addr, "GET", "/fapi/v2/balance", "recvWindow=5000");
    assert_eq!(status, 200, "{balance}");
    let wallet: f64 = balance[0]["balance"]
        .as_str()
        .unwrap_or("")
        .parse()
        .expect("balance");
    assert!(wallet < 10_000.0, "the taker fee was paid: {wallet}");
    let (status, _) = http(
        &s.addr,
        "GET",
        "/fapi/v2/balance?timestamp=1&signature=00",
        Some("wrong"),
    );
    assert_eq!(status, 401);
}

#[test]
fn sim_serve_speaks_the_datasets_clock_by_default() {
    let sb = Sandbox::new();
    let s = start_with(&sb, "btc_2026q1", &[]);
    let state = json(&s.addr, "GET", "/sim/state");
    assert_eq!(state["clock"], "dataset");
    let server = json(&s.addr, "GET", "/fapi/v1/time")["serverTime"]
        .as_i64()
        .expect("serverTime");
    assert_eq!(Some(server), state["simTime"].as_i64(), "the market's time");
    let (status, own) = signed(&s.addr, "GET", "/fapi/v2/balance", "recvWindow=5000");
    assert_eq!(
        status, 400,
        "a timestamp of the wall clock is refused: {own}"
    );
    assert_eq!(own["code"], -1021);
    // Synced once, as python-binance, ccxt and freqtrade can: passes after the market moved.
    let offset = server - wall_ms();
    json(&s.addr, "POST", "/sim/step?bars=30");
    let (status, placed) = signed_at(
        &s.addr,
        "POST",
        "/fapi/v1/order",
        "symbol=BTCUSDT&side=BUY&type=MARKET&quantity=0.010&newOrderRespType=RESULT",
        wall_ms() + offset,
    );
    assert_eq!(status, 200, "{placed}");
    assert_eq!(placed["status"], "FILLED", "a MARKET order fills at once");
    let now = json(&s.addr, "GET", "/sim/state")["simTime"].clone();
    assert_eq!(placed["updateTime"], now);
}

/// The incident reports' universe: 12 symbols, two of which (SUIUSDT, NEARUSDT) the testnet's
/// exchange info leaves out.
const REPORTS_UNIVERSE: &str = "ETHUSDT,BTCUSDT,SOLUSDT,XRPUSDT,BNBUSDT,ADAUSDT,SUIUSDT,LINKUSDT,AVAXUSDT,LTCUSDT,DOTUSDT,NEARUSDT";

#[test]
fn a_universe_wider_than_the_testnet_fails_as_the_testnet_does() {
    let sb = Sandbox::new();
    sb.synth(REPORTS_UNIVERSE, "2026-01-01", "2026-01-01", "universe");
    // run.exchange_info defaults to the testnet's.
    let s = start(&sb, "universe");
    let info = json(&s.addr, "GET", "/fapi/v1/exchangeInfo");
    let listed: Vec<&str> = info["symbols"]
        .as_array()
        .expect("symbols")
        .iter()
        .filter_map(|s| s["symbol"].as_str())
        .collect();
    assert!(listed.contains(&"XRPUSDT") && !listed.contains(&"SUIUSDT"));
    let state = json(&s.addr, "GET", "/sim/state");
    let served = state["symbols"].as_array().expect("symbols").len();
    assert_eq!(served, 10, "the testnet's 10 of the 12: {state}");

    for symbol in ["SUIUSDT", "NEARUSDT", "WAVESUSDT"] {
        let (status, body) = http(
            &s.addr,
            "GET",
            &format!("/fapi/v1/klines?symbol={symbol}&interval=1m&limit=5"),
            None,
        );
        assert_eq!(
            (status, body.as_str()),
            (400, r#"{"code":-1121,"msg":"Invalid symbol."}"#),
            "klines of {symbol}"
        );
        let (status, refused) = signed(
            &s.addr,
            "POST",
            "/fapi/v1/order",
            &format!("symbol={symbol}&side=BUY&type=MARKET&quantity=1"),
        );
        assert_eq!(status, 400, "{symbol}: {refused}");
        assert_eq!(
            refused,
            serde_json::json!({"code": -1121, "msg": "Invalid symbol."}),
            "an order for {symbol}, as the testnet answers it"
        );
    }

    // Every listed symbol of the universe trades: a MARKET order on BNBUSDT fills at once.
    let bars = json(
        &s.addr,
        "GET",
        "/fapi/v1/klines?symbol=BNBUSDT&interval=1m&limit=1",
    );
    let close: f64 = bars[0][4]
        .as_str()
        .and_then(|c| c.parse().ok())
        .expect("close");
    let qty = format!("{:.2}", ((50.0 / close) / 0.01).ceil() * 0.01);
    let (status, placed) = signed(
        &s.addr,
        "POST",
        "/fapi/v1/order",
        &format!("symbol=BNBUSDT&side=BUY&type=MARKET&quantity={qty}&newOrderRespType=RESULT"),
    );
    assert_eq!(
        (status, &placed["status"]),
        (200, &"FILLED".into()),
        "{placed}"
    );
}
