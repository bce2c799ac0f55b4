//! The client and `LiveVenue` under faults, against a scripted server on 127.0.0.1:0:
//! signatures, 429 backoff, the 418 stop, clock skew (-1021 -> re-sync), an order accepted
//! behind a 503 (read back, not doubled), a timeout followed by a resend under the same id,
//! and fills derived from polling.

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use live::client::{Client, ClientConfig, Credentials, Environment};
use live::venue::{LiveVenue, LiveVenueConfig};
use pipeline::exchange_info::snapshots::{Environment as Snap, snapshot_json};
use pipeline::exchange_info::{MarketContext, check_order};
use pipeline::order::{CheckedOrder, OrderRequest, Side};
use pipeline::venue::{OrderStatus, Venue, VenueError, VenueEvent};
use pipeline::{Price, Symbol};
use rust_decimal_macros::dec;
use support::scripted::{Reply, Scripted, Seen};

const KEY: &str = "test-key-abc";
const SECRET: &str = "test-secret-xyz";

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

fn client(url: &str, timeout: Duration) -> Arc<Client> {
    let mut cfg = ClientConfig::new(Environment::Testnet)
        .with_base_url(url)
        .with_credentials(Credentials::new(KEY, SECRET));
    cfg.timeout = timeout;
    cfg.max_backoff = Duration::from_secs(3);
    Arc::new(Client::new(cfg).expect("client"))
}

fn time_body(offset: i64) -> String {
    format!(r#"{{"serverTime":{}}}"#, now_ms() + offset)
}

fn order_body(id: i64, cid: &str, kind: &str, status: &str, exec: &str, avg: &str) -> String {
    format!(
        r#"{{"orderId":{id},"symbol":"BTCUSDT","status":"{status}","clientOrderId":"{cid}","price":"0",
        "avgPrice":"{avg}","origQty":"0.010","executedQty":"{exec}","cumQty":"{exec}","cumQuote":"0",
        "timeInForce":"GTC","type":"{kind}","reduceOnly":false,"closePosition":false,"side":"BUY",
        "positionSide":"BOTH","stopPrice":"0","workingType":"CONTRACT_PRICE","priceProtect":false,
        "origType":"{kind}","updateTime":{}}}"#,
        now_ms()
    )
}

/// The answers `LiveVenue::connect` needs; `None` for anything else.
fn setup_reply(s: &Seen) -> Option<Reply> {
    match (s.method.as_str(), s.path.as_str()) {
        ("GET", "/fapi/v1/time") => Some(Reply::ok(time_body(0))),
        ("GET", "/fapi/v1/exchangeInfo") => Some(Reply::ok(snapshot_json(Snap::Testnet))),
        ("GET", "/fapi/v1/openOrders" | "/fapi/v1/openAlgoOrders") => Some(Reply::ok("[]")),
        _ => None,
    }
}

fn venue_cfg() -> LiveVenueConfig {
    LiveVenueConfig {
        symbols: vec![Symbol::new("BTCUSDT").expect("symbol")],
        readback_delay: Duration::from_millis(10),
        ..LiveVenueConfig::default()
    }
}

fn market_order(venue: &LiveVenue, cid: &str) -> CheckedOrder {
    let spec = venue
        .symbol_spec(&Symbol::new("BTCUSDT").expect("symbol"))
        .expect("BTCUSDT listed");
    let req = OrderRequest::market("BTCUSDT", Side::Buy, dec!(0.010)).with_client_order_id(cid);
    let mark = Price::new(dec!(70000)).expect("price");
    check_order(Some(&spec), &req, &MarketContext::at_mark(mark)).expect("order passes")
}

#[test]
fn signed_requests_carry_the_key_and_a_verifiable_signature() {
    let srv = Scripted::start(Box::new(|_s: &Seen| {
        Reply::ok(r#"[{"accountAlias":"x","asset":"USDT","balance":"1000.5","crossWalletBalance":"1000.5",
            "crossUnPnl":"0","availableBalance":"900","maxWithdrawAmount":"900","marginAvailable":true,"updateTime":1}]"#)
        .header("X-MBX-USED-WEIGHT-1M", "17")
    }));
    let c = client(&srv.url, Duration::from_secs(5));
    let b = c.balance("USDT").expect("balance");
    assert_eq!(b.wallet_balance, dec!(1000.5));
    assert_eq!(c.used_weight(), 17);
    let seen = &srv.requests()[0];
    assert_eq!(seen.api_key.as_deref(), Some(KEY));
    let (payload, sig) = seen
        .query
        .rsplit_once("&signature=")
        .expect("signature last");
    assert!(payload.contains("recvWindow=5000&timestamp="), "{payload}");
    assert!(binance::sign::verify(SECRET, payload, sig));
    assert!(!seen.query.contains(SECRET));
    let debug = format!("{c:?}");
    assert!(!debug.contains(KEY) && !debug.contains(SECRET), "{debug}");
}

#[test]
fn a_429_is_waited_out_then_retried_once() {
    let calls = AtomicUsize::new(0);
    let srv = Scripted::start(Box::new(move |_s: &Seen| {
        if calls.fetch_add(1, Ordering::SeqCst) == 0 {
            Reply::status(429, r#"{"code":-1003,"msg":"Too many requests"}"#)
                .header("Retry-After", "1")
        } else {
            Reply::ok(time_body(0))
        }
    }));
    let c = client(&srv.url, Duration::from_secs(5));
    let t0 = Instant::now();
    c.sync_time().expect("second try succeeds");
    assert!(
        t0.elapsed() >= Duration::from_millis(900),
        "{:?}",
        t0.elapsed()
    );
    assert_eq!(srv.count("GET", "/fapi/v1/time"), 2);
}

#[test]
fn a_418_stops_every_request_until_the_ban_ends() {
    let srv = Scripted::start(Box::new(|_s: &Seen| {
        Reply::status(
            418,
            r#"{"code":-1003,"msg":"Way too many requests; IP banned"}"#,
        )
        .header("Retry-After", "60")
    }));
    let c = client(&srv.url, Duration::from_secs(5));
    let e = c.sync_time().expect_err("banned");
    assert!(
        matches!(e, VenueError::Unavailable(ref m) if m.contains("418")),
        "{e}"
    );
    let e = c.balance("USDT").expect_err("still banned");
    assert!(matches!(e, VenueError::Unavailable(_)), "{e}");
    assert_eq!(srv.requests().len(), 1, "nothing is sent while banned");
}

#[test]
fn clock_skew_is_recovered_by_one_resync() {
    // The server's clock runs 20 s ahead; recvWindow is 5 s.
    const AHEAD: i64 = 20_000;
    let srv = Scripted::start(Box::new(|s: &Seen| {
        if s.path == "/fapi/v1/time" {
            return Reply::ok(time_body(AHEAD));
        }
        let ts: i64 = s
            .param("timestamp")
            .and_then(|t| t.parse().ok())
            .unwrap_or(0);
        if now_ms() + AHEAD - ts > 5000 {
            return Reply::status(
                400,
                r#"{"code":-1021,"msg":"Timestamp for this request is outside of the recvWindow."}"#,
            );
        }
        Reply::ok(r#"[{"asset":"USDT","balance":"1","availableBalance":"1"}]"#)
    }));
    let c = client(&srv.url, Duration::from_secs(5));
    c.balance("USDT").expect("succeeds after the re-sync");
    assert!(
        (c.clock_offset_ms() - AHEAD).abs() < 1000,
        "{}",
        c.clock_offset_ms()
    );
    let paths: Vec<String> = srv.requests().iter().map(|s| s.path.clone()).collect();
    assert_eq!(
        paths,
        ["/fapi/v2/balance", "/fapi/v1/time", "/fapi/v2/balance"]
    );
}

#[test]
fn an_order_accepted_behind_a_503_is_read_back_not_sent_again() {
    let srv = Scripted::start(Box::new(|s: &Seen| {
        if let Some(r) = setup_reply(s) {
            return r;
        }
        match (s.method.as_str(), s.path.as_str()) {
            ("POST", "/fapi/v1/order") => Reply::status(
                503,
                r#"{"code":-1000,"msg":"Unknown error, please check your request or try again later."}"#,
            ),
            ("GET", "/fapi/v1/order") => {
                let cid = s.param("origClientOrderId").unwrap_or_default();
                Reply::ok(order_body(41, &cid, "MARKET", "FILLED", "0.010", "70000.5"))
            }
            _ => Reply::status(404, "{}"),
        }
    }));
    let mut venue =
        LiveVenue::connect(client(&srv.url, Duration::from_secs(5)), venue_cfg()).expect("connect");
    let order = market_order(&venue, "sim-00112233aabbccdd");
    let s = venue.place_order(&order).expect("read back as filled");
    assert_eq!(s.order_id, 41);
    assert_eq!(s.status, OrderStatus::Filled);
    assert_eq!(s.client_order_id, "sim-00112233aabbccdd");
    assert_eq!(srv.count("POST", "/fapi/v1/order"), 1, "no second order");
    let debug = format!("{venue:?}");
    assert!(!debug.contains(KEY) && !debug.contains(SECRET), "{debug}");
    let events = venue.drain_events().expect("events");
    let fills: Vec<_> = events
        .iter()
        .filter(|e| matches!(e, VenueEvent::Fill(_)))
        .collect();
    assert_eq!(fills.len(), 1, "the fill is reported once: {events:?}");
}

#[test]
fn a_timeout_then_not_found_resends_under_the_same_client_id() {
    let posts = AtomicUsize::new(0);
    let srv = Scripted::start(Box::new(move |s: &Seen| {
        if let Some(r) = setup_reply(s) {
            return r;
        }
        match (s.method.as_str(), s.path.as_str()) {
            ("POST", "/fapi/v1/order") if posts.fetch_add(1, Ordering::SeqCst) == 0 => {
                Reply::Hang(Duration::from_millis(1500))
            }
            ("POST", "/fapi/v1/order") => {
                let cid = s.param("newClientOrderId").unwrap_or_default();
                Reply::ok(order_body(7, &cid, "MARKET", "FILLED", "0.010", "70001"))
            }
            ("GET", "/fapi/v1/order") => {
                Reply::status(400, r#"{"code":-2013,"msg":"Order does not exist."}"#)
            }
            _ => Reply::status(404, "{}"),
        }
    }));
    let mut venue = LiveVenue::connect(client(&srv.url, Duration::from_millis(500)), venue_cfg())
        .expect("connect");
    let order = market_order(&venue, "sim-aaaabbbbccccdddd");
    let s = venue.place_order(&order).expect("second send succeeds");
    assert_eq!(s.order_id, 7);
    let ids: Vec<String> = srv
        .requests()
        .iter()
        .filter(|r| r.method == "POST" && r.path == "/fapi/v1/order")
        .filter_map(|r| r.param("newClientOrderId"))
        .collect();
    assert_eq!(ids, ["sim-aaaabbbbccccdddd", "sim-aaaabbbbccccdddd"]);
    assert_eq!(
        srv.count("GET", "/fapi/v1/order"),
        1,
        "read back before resending"
    );
}

#[test]
fn polling_turns_status_changes_into_fills() {
    let polls = AtomicUsize::new(0);
    let srv = Scripted::start(Box::new(move |s: &Seen| {
        if let Some(r) = setup_reply(s) {
            return r;
        }
        let cid = "sim-limit";
        match (s.method.as_str(), s.path.as_str()) {
            ("POST", "/fapi/v1/order") => Reply::ok(order_body(9, cid, "LIMIT", "NEW", "0", "0")),
            ("GET", "/fapi/v1/order") => match polls.fetch_add(1, Ordering::SeqCst) {
                0 => Reply::ok(order_body(
                    9,
                    cid,
                    "LIMIT",
                    "PARTIALLY_FILLED",
                    "0.004",
                    "69000",
                )),
                _ => Reply::ok(order_body(9, cid, "LIMIT", "FILLED", "0.010", "69000")),
            },
            _ => Reply::status(404, "{}"),
        }
    }));
    let mut venue =
        LiveVenue::connect(client(&srv.url, Duration::from_secs(5)), venue_cfg()).expect("connect");
    let spec = venue
        .symbol_spec(&Symbol::new("BTCUSDT").expect("symbol"))
        .expect("spec");
    let req = OrderRequest::limit("BTCUSDT", Side::Buy, dec!(0.010), dec!(69000))
        .with_client_order_id("sim-limit");
    let mark = Price::new(dec!(70000)).expect("price");
    let order = check_order(Some(&spec), &req, &MarketContext::at_mark(mark)).expect("order");
    assert_eq!(
        venue.place_order(&order).expect("placed").status,
        OrderStatus::New
    );
    let qty = |ev: Vec<VenueEvent>| -> Vec<String> {
        ev.iter()
            .filter_map(|e| match e {
                VenueEvent::Fill(f) => Some(f.qty.get().to_string()),
                _ => None,
            })
            .collect()
    };
    assert_eq!(qty(venue.drain_events().expect("poll 1")), ["0.004"]);
    assert_eq!(qty(venue.drain_events().expect("poll 2")), ["0.006"]);
    assert!(venue.drain_events().expect("poll 3").is_empty());
    assert_eq!(venue.tracked_orders(), 0);
}
