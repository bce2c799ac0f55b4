//! Issue 27 item 3: one clock. On the dataset clock `/fapi/v1/time`, order and trade times and
//! the user stream's `E` are the replayed market's time, and a client that synced once with
//! `/fapi/v1/time` keeps passing the timestamp check while the market jumps ahead.

mod serve_common;

use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;
use serve::{Faults, Server, TimeBase, WallClock};
use serve_common::{Caller, KEY, bar, now_ms};
use tokio_tungstenite::tungstenite::Message;

/// A client's clock synced to the server: its own clock plus the offset it measured.
#[derive(Debug)]
struct Synced(i64);

impl WallClock for Synced {
    fn now_ms(&self) -> i64 {
        now_ms() + self.0
    }
}

/// The close time of bar `i`: the dataset clock after the step that closed it.
fn close_of(i: i64) -> i64 {
    bar(i).open_time.as_ms() + 59_999
}

#[test]
fn on_the_dataset_clock_a_synced_client_passes_and_every_time_is_the_markets() {
    let mut cfg = serve_common::config(100, 5);
    cfg.time_base = TimeBase::Dataset;
    cfg.faults = Faults::default();
    let server = Server::start(cfg).expect("server starts");
    let mut c = Caller::new(&server);
    // Signed with the client's own wall clock, never synced: refused, saying what to do.
    let own = c.signed("GET", "/fapi/v2/balance", "");
    assert_eq!((own.status, own.code()), (400, -1021), "{:?}", own.body);
    assert!(
        own.body["msg"]
            .as_str()
            .is_some_and(|m| m.contains("GET /fapi/v1/time")),
        "{:?}",
        own.body
    );
    let t0 = c.public("GET", "/fapi/v1/time", "").body["serverTime"]
        .as_i64()
        .expect("serverTime");
    assert_eq!(t0, close_of(4), "the warm-up closed bars 0..=4");
    c.clock = Arc::new(Synced(t0 - now_ms()));
    let ok = c.signed("GET", "/fapi/v2/balance", "");
    assert_eq!(ok.status, 200, "{:?}", ok.body);

    let key = c
        .try_send("POST", "/fapi/v1/listenKey", "", "", Some(KEY))
        .expect("answer")
        .body["listenKey"]
        .as_str()
        .expect("key")
        .to_string();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let (mut ws, _) = rt
        .block_on(tokio_tungstenite::connect_async(
            format!("ws://{}/ws/{key}", server.addr()).as_str(),
        ))
        .expect("connects");

    // The market runs ten minutes in no time; the client does not sync again and still passes.
    c.step(10);
    let now = c.public("GET", "/sim/state", "").body["serverTime"].as_i64();
    assert_eq!(now, Some(close_of(14)));
    let placed = c.signed(
        "POST",
        "/fapi/v1/order",
        "symbol=BTCUSDT&side=BUY&type=MARKET&quantity=0.01&newOrderRespType=RESULT",
    );
    assert_eq!(placed.status, 200, "{:?}", placed.body);
    assert_eq!(placed.body["updateTime"], close_of(14));
    let trades = c
        .signed("GET", "/fapi/v1/userTrades", "symbol=BTCUSDT")
        .body;
    assert_eq!(trades[0]["time"], close_of(14), "{trades}");
    let event = rt.block_on(async {
        match tokio::time::timeout(Duration::from_secs(5), ws.next()).await {
            Ok(Some(Ok(Message::Text(t)))) => {
                serde_json::from_str::<serde_json::Value>(t.as_str()).expect("json")
            }
            other => panic!("no user-data message: {other:?}"),
        }
    });
    assert_eq!(event["e"], "ORDER_TRADE_UPDATE");
    assert_eq!(event["E"], close_of(14), "{event}");
    assert_eq!(
        c.public("GET", "/fapi/v1/time", "").body["serverTime"],
        close_of(14)
    );
    // recvWindow still bounds the age of a synced timestamp.
    let stale = c
        .signed_with(
            "GET",
            "/fapi/v2/balance",
            "",
            (KEY, serve_common::SECRET),
            c.clock.now_ms() - 6_000,
            false,
        )
        .expect("answer");
    assert_eq!((stale.status, stale.code()), (400, -1021));
}
