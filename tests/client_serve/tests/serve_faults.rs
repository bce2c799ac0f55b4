//! `serve`'s fault injection, each fault observed from the client side: forced 429,
//! 500/503 with and without execution, a dropped connection after an accepted order, clock
//! skew, and the kline websocket (normal and dropped after N messages).

mod serve_common;

use std::time::Duration;

use futures_util::StreamExt;
use serde_json::Value;
use serve::Faults;
use serve_common::{Caller, KEY, SECRET, bar, now_ms, start};
use tokio_tungstenite::tungstenite::Message;

fn limit_order(c: &Caller, client_id: &str) -> Result<serve_common::Got, reqwest::Error> {
    let params = format!(
        "symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.01&price=60000&newClientOrderId={client_id}"
    );
    c.signed_with(
        "POST",
        "/fapi/v1/order",
        &params,
        (KEY, SECRET),
        now_ms(),
        false,
    )
}

fn exists(c: &Caller, client_id: &str) -> bool {
    let got = c.signed(
        "GET",
        "/fapi/v1/order",
        &format!("symbol=BTCUSDT&origClientOrderId={client_id}"),
    );
    got.status == 200
}

#[test]
fn forced_429_and_5xx_answers_count_down() {
    let server = start(Faults::default());
    let c = Caller::new(&server);
    let set = c.set_faults(
        r#"{"force_429": 1, "errors": [
            {"path": "/fapi/v1/order", "method": "POST", "status": 503, "count": 1, "execute": true},
            {"path": "/fapi/v1/order", "method": "POST", "status": 500, "count": 1},
            {"path": "/fapi/v1/time", "status": 503, "kind": "unavailable", "count": 1}
        ]}"#,
    );
    assert_eq!(set.status, 200, "{:?}", set.body);
    let limited = c.public("GET", "/fapi/v1/ping", "");
    assert_eq!((limited.status, limited.code()), (429, -1003));
    assert_eq!(c.public("GET", "/fapi/v1/ping", "").status, 200);

    let unknown = limit_order(&c, "a-503").expect("answer");
    assert_eq!((unknown.status, unknown.code()), (503, -1000));
    assert!(exists(&c, "a-503"), "a 503 with execute placed the order");
    let failed = limit_order(&c, "a-500").expect("answer");
    assert_eq!((failed.status, failed.code()), (500, -1000));
    assert!(!exists(&c, "a-500"), "a 500 without execute placed nothing");
    let down = c.public("GET", "/fapi/v1/time", "");
    assert_eq!((down.status, down.code()), (503, -1001));
    let fine = limit_order(&c, "a-ok").expect("answer");
    assert_eq!(fine.status, 200, "the faults are used up");
    let bad = c.set_faults(r#"{"errors": [{"path": "/x", "status": 502, "count": 1}]}"#);
    assert_eq!(bad.status, 400);
    assert!(bad.body["msg"].as_str().unwrap_or("").contains("502"));
}

#[test]
fn a_dropped_connection_still_places_the_order() {
    let server = start(Faults {
        drop_after_order: 1,
        ..Faults::default()
    });
    let c = Caller::new(&server);
    let dropped = limit_order(&c, "dropped-1");
    assert!(
        dropped.is_err(),
        "the client sees a connection error: {dropped:?}"
    );
    assert!(exists(&c, "dropped-1"), "but the order was placed");
    let open = c
        .signed("GET", "/fapi/v1/openOrders", "symbol=BTCUSDT")
        .body;
    assert_eq!(open.as_array().map(Vec::len), Some(1));
    assert!(
        limit_order(&c, "next-1").is_ok(),
        "only one connection is dropped"
    );
}

#[test]
fn clock_skew_moves_server_time_and_the_recv_window() {
    let server = start(Faults {
        clock_skew_ms: 30_000,
        ..Faults::default()
    });
    let c = Caller::new(&server);
    let t = c.public("GET", "/fapi/v1/time", "").body["serverTime"]
        .as_i64()
        .unwrap_or(0);
    assert!((t - now_ms() - 30_000).abs() < 5_000, "server time {t}");
    let behind = c.signed("GET", "/fapi/v2/balance", "");
    assert_eq!((behind.status, behind.code()), (400, -1021));
    let synced = c
        .signed_with(
            "GET",
            "/fapi/v2/balance",
            "",
            (KEY, SECRET),
            now_ms() + 30_000,
            false,
        )
        .expect("answer");
    assert_eq!(synced.status, 200, "a client synced to /time is accepted");
}

type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

fn next_event(rt: &tokio::runtime::Runtime, ws: &mut Ws) -> Option<Value> {
    rt.block_on(async {
        loop {
            match tokio::time::timeout(Duration::from_secs(5), ws.next()).await {
                Ok(Some(Ok(Message::Text(t)))) => return serde_json::from_str(t.as_str()).ok(),
                Ok(Some(Ok(_))) => continue,
                _ => return None,
            }
        }
    })
}

#[test]
fn the_kline_websocket_sends_closed_bars_and_can_be_dropped() {
    let server = start(Faults {
        ws_drop_after: Some(2),
        ..Faults::default()
    });
    let c = Caller::new(&server);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let url = format!("ws://{}/ws/btcusdt@kline_1m", server.addr());
    let connect = || {
        rt.block_on(tokio_tungstenite::connect_async(url.as_str()))
            .expect("connects")
            .0
    };
    let mut dropped = connect();
    c.step(3);
    let first = next_event(&rt, &mut dropped).expect("first event");
    assert_eq!(first["e"], "kline");
    assert_eq!(first["s"], "BTCUSDT");
    assert_eq!(first["k"]["x"], true);
    assert_eq!(first["k"]["t"], bar(5).open_time.as_ms());
    assert_eq!(first["k"]["c"], "70055");
    assert!(next_event(&rt, &mut dropped).is_some());
    assert!(
        next_event(&rt, &mut dropped).is_none(),
        "closed after two messages"
    );

    let mut ws = connect();
    c.step(2);
    let a = next_event(&rt, &mut ws).expect("event");
    let b = next_event(&rt, &mut ws).expect("event");
    assert_eq!(a["k"]["t"], bar(8).open_time.as_ms());
    assert_eq!(b["k"]["t"], bar(9).open_time.as_ms());
    let both = format!(
        "ws://{}/stream?streams=btcusdt@kline_1m/btcusdt@kline_1m",
        server.addr()
    );
    let mut wrapped = rt
        .block_on(tokio_tungstenite::connect_async(both.as_str()))
        .expect("connects")
        .0;
    c.step(1);
    let w = next_event(&rt, &mut wrapped).expect("wrapped event");
    assert_eq!(w["stream"], "btcusdt@kline_1m");
    assert_eq!(w["data"]["k"]["t"], bar(10).open_time.as_ms());
    let refused = rt.block_on(tokio_tungstenite::connect_async(
        format!("ws://{}/ws/btcusdt@kline_5m", server.addr()).as_str(),
    ));
    assert!(refused.is_err(), "only the replayed interval streams");
}
