//! `serve`'s market websockets beside closed klines: the bar that opens (`"x": false`), mark
//! price (one symbol and `!markPrice@arr`), book ticker, each with `E` on the dataset's clock,
//! and a clear refusal of a stream the server does not have.

mod serve_common;

use std::time::Duration;

use futures_util::StreamExt;
use serde_json::Value;
use serve::{Faults, Server, TimeBase};
use serve_common::{Caller, bar, config};
use tokio::runtime::Runtime;
use tokio_tungstenite::tungstenite::Message;

type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

fn runtime() -> Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

fn connect(rt: &Runtime, url: &str) -> Ws {
    rt.block_on(tokio_tungstenite::connect_async(url))
        .unwrap_or_else(|e| panic!("{url} connects: {e}"))
        .0
}

/// The next JSON text frame, or `None` after 5 s.
fn next_event(rt: &Runtime, ws: &mut Ws) -> Option<Value> {
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

/// The close time of bar `i`: the dataset's clock once the step that fed it is done.
fn close_ms(i: i64) -> i64 {
    bar(i).open_time.as_ms() + 59_999
}

#[test]
fn mark_price_book_ticker_and_open_klines_stream_on_the_datasets_clock() {
    let mut cfg = config(100, 5); // bars 0..=4 closed
    cfg.time_base = TimeBase::Dataset;
    cfg.faults = Faults::default();
    let server = Server::start(cfg).expect("server starts");
    let c = Caller::new(&server);
    let rt = runtime();
    let base = format!("ws://{}", server.addr());

    let mut kline = connect(&rt, &format!("{base}/ws/btcusdt@kline_1m"));
    let mut mark = connect(&rt, &format!("{base}/ws/btcusdt@markPrice@1s"));
    let mut all_marks = connect(&rt, &format!("{base}/market/ws/!markPrice@arr"));
    let mut book = connect(&rt, &format!("{base}/stream?streams=btcusdt@bookTicker"));

    // Mark price and book ticker start with the state at subscription.
    let first = next_event(&rt, &mut mark).expect("mark price on subscribing");
    assert_eq!(first["e"], "markPriceUpdate");
    assert_eq!(first["s"], "BTCUSDT");
    assert_eq!(first["p"], "70045", "the last close is the mark: {first}");
    assert_eq!(first["E"], close_ms(4));
    assert!(
        first["T"].as_i64().is_some_and(|t| t > close_ms(4)),
        "{first}"
    );
    assert!(first["r"].as_str().is_some(), "{first}");
    let arr = next_event(&rt, &mut all_marks).expect("all marks on subscribing");
    assert_eq!(arr.as_array().map(Vec::len), Some(1), "{arr}");
    assert_eq!(arr[0]["s"], "BTCUSDT");
    let top = next_event(&rt, &mut book).expect("book ticker on subscribing");
    assert_eq!(top["stream"], "btcusdt@bookTicker");
    let top = &top["data"];
    assert_eq!(top["e"], "bookTicker");
    let price = |v: &Value| {
        v.as_str()
            .and_then(|s| s.parse::<f64>().ok())
            .expect("price")
    };
    assert!(price(&top["b"]) < price(&top["a"]), "{top}");
    assert!(
        price(&top["b"]) <= 70_045.0 && 70_045.0 < price(&top["a"]),
        "{top}"
    );

    // One step: bar 5 closes and bar 6 opens.
    assert_eq!(c.step(1).status, 200);
    let closed = next_event(&rt, &mut kline).expect("closed bar");
    assert_eq!(closed["k"]["x"], true);
    assert_eq!(closed["k"]["t"], bar(5).open_time.as_ms());
    assert_eq!(closed["E"], close_ms(5));
    let open = next_event(&rt, &mut kline).expect("the bar that opened");
    assert_eq!(open["k"]["x"], false, "{open}");
    assert_eq!(open["k"]["t"], bar(6).open_time.as_ms());
    for field in ["o", "h", "l", "c"] {
        assert_eq!(
            open["k"][field], "70060",
            "{field} of the opening bar: {open}"
        );
    }
    assert_eq!(open["k"]["v"], "0");

    let moved = next_event(&rt, &mut mark).expect("mark after the step");
    assert_eq!(moved["p"], "70055");
    assert_eq!(moved["E"], close_ms(5));
    let arr = next_event(&rt, &mut all_marks).expect("all marks after the step");
    assert_eq!(arr[0]["p"], "70055");
    let top = next_event(&rt, &mut book).expect("book after the step");
    assert!(price(&top["data"]["b"]) <= 70_055.0, "{top}");
    assert_eq!(top["data"]["E"], close_ms(5));
    assert_eq!(
        c.public("GET", "/fapi/v1/time", "").body["serverTime"],
        close_ms(5),
        "the REST clock agrees with the streams"
    );

    // A stream serve does not have is refused before the upgrade.
    let refused = rt.block_on(tokio_tungstenite::connect_async(
        format!("{base}/ws/btcusdt@aggTrade").as_str(),
    ));
    assert!(refused.is_err(), "aggTrade is not streamed");
    let unlisted = rt.block_on(tokio_tungstenite::connect_async(
        format!("{base}/ws/nopeusdt@markPrice").as_str(),
    ));
    assert!(unlisted.is_err(), "an unknown symbol is refused");
}
