//! `serve`'s account endpoints (margin type, position mode, brackets, fees, account v2,
//! listen key) and the accelerated clock.

mod serve_common;

use std::time::Duration;

use futures_util::StreamExt;
use serve::{ClockMode, Faults, Server};
use serve_common::{Caller, KEY, start};
use tokio_tungstenite::tungstenite::Message;

#[test]
fn account_settings_answer_like_binance() {
    let server = start(Faults::default());
    let c = Caller::new(&server);
    let iso = c.signed(
        "POST",
        "/fapi/v1/marginType",
        "symbol=BTCUSDT&marginType=ISOLATED",
    );
    assert_eq!(iso.body, serde_json::json!({"code": 200, "msg": "success"}));
    let again = c.signed(
        "POST",
        "/fapi/v1/marginType",
        "symbol=BTCUSDT&marginType=ISOLATED",
    );
    assert_eq!((again.status, again.code()), (400, -4046));
    let cfg = c
        .signed("GET", "/fapi/v1/symbolConfig", "symbol=BTCUSDT")
        .body;
    assert_eq!(cfg[0]["marginType"], "ISOLATED");
    let v2 = c
        .signed("GET", "/fapi/v2/positionRisk", "symbol=BTCUSDT")
        .body;
    assert_eq!(v2[0]["marginType"], "isolated");
    assert_eq!(v2[0]["positionAmt"], "0", "v2 lists flat symbols");
    assert_eq!(
        c.signed("GET", "/fapi/v3/positionRisk", "").body,
        serde_json::json!([])
    );

    let dual = c.signed("GET", "/fapi/v1/positionSide/dual", "").body;
    assert_eq!(dual["dualSidePosition"], false);
    let same = c.signed(
        "POST",
        "/fapi/v1/positionSide/dual",
        "dualSidePosition=false",
    );
    assert_eq!(same.code(), -4059);
    let bad_lev = c.signed("POST", "/fapi/v1/leverage", "symbol=BTCUSDT&leverage=500");
    assert_eq!((bad_lev.status, bad_lev.code()), (400, -4028));

    let fees = c
        .signed("GET", "/fapi/v1/commissionRate", "symbol=BTCUSDT")
        .body;
    assert_eq!(fees["takerCommissionRate"], "0.0005");
    let brackets = c
        .signed("GET", "/fapi/v1/leverageBracket", "symbol=BTCUSDT")
        .body;
    assert_eq!(brackets["brackets"][0]["initialLeverage"], 125);
    assert_eq!(brackets["brackets"][0]["notionalCap"], 50_000.0);

    let account = c.signed("GET", "/fapi/v2/account", "").body;
    assert_eq!(account["canTrade"], true);
    assert_eq!(account["totalWalletBalance"], "10000");
    assert_eq!(account["assets"][0]["asset"], "USDT");
    assert!(account["positions"].as_array().is_some_and(|p| p.len() > 1));

    let keyed = |method: &str| {
        c.try_send(method, "/fapi/v1/listenKey", "", "", Some(KEY))
            .expect("answer")
    };
    let first = keyed("POST").body["listenKey"].clone();
    assert!(first.as_str().is_some_and(|k| k.len() >= 32));
    assert_eq!(
        keyed("POST").body["listenKey"],
        first,
        "POST returns the open key"
    );
    assert_eq!(keyed("PUT").status, 200);
    assert_eq!(keyed("DELETE").status, 200);
    assert_eq!(keyed("PUT").code(), -1125);
    let no_key = c.public("POST", "/fapi/v1/listenKey", "");
    assert_eq!(no_key.status, 401);
}

#[test]
fn the_accelerated_clock_closes_bars_on_its_own() {
    let mut cfg = serve_common::config(200, 3);
    cfg.clock = ClockMode::Accelerated {
        bars_per_second: 40.0,
    };
    let server = Server::start(cfg).expect("starts");
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let url = format!("ws://{}/market/ws/btcusdt@kline_1m", server.addr());
    let times: Vec<i64> = rt.block_on(async {
        let (mut ws, _) = tokio_tungstenite::connect_async(url.as_str())
            .await
            .expect("connects");
        let mut times = Vec::new();
        while times.len() < 3 {
            match tokio::time::timeout(Duration::from_secs(10), ws.next()).await {
                Ok(Some(Ok(Message::Text(t)))) => {
                    let v: serde_json::Value = serde_json::from_str(t.as_str()).expect("json");
                    times.push(v["k"]["t"].as_i64().expect("open time"));
                }
                Ok(Some(Ok(_))) => {}
                other => panic!("no kline event from the running clock: {other:?}"),
            }
        }
        times
    });
    assert!(
        times.windows(2).all(|w| w[1] - w[0] == 60_000),
        "consecutive bars: {times:?}"
    );
    let state = Caller::new(&server).public("GET", "/sim/state", "").body;
    assert!(state["step"].as_u64().unwrap_or(0) >= 6, "{state}");
}

#[test]
fn more_than_300_orders_in_ten_seconds_answer_1015() {
    // The order count resets at each 10 s window: the server's clock stands at the start of one.
    let (server, clock) = serve_common::start_at_minute_start();
    let c = Caller::with_clock(&server, &clock);
    let order = "symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.01&price=60000";
    let counts: Vec<Option<u32>> = (0..300)
        .map(|_| c.signed("POST", "/fapi/v1/order", order).order_count_10s)
        .collect();
    assert_eq!(counts.last(), Some(&Some(300)), "every order answer counts");
    let over = c.signed("POST", "/fapi/v1/order", order);
    assert_eq!((over.status, over.code()), (429, -1015), "{:?}", over.body);
    assert!(over.body["msg"].as_str().unwrap_or("").contains("300"));
}

#[test]
fn the_user_data_stream_reports_orders_fills_and_positions() {
    let server = start(Faults::default());
    let c = Caller::new(&server);
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
    let bad = rt.block_on(tokio_tungstenite::connect_async(
        format!("ws://{}/ws/not-the-key", server.addr()).as_str(),
    ));
    assert!(bad.is_err(), "only the open listen key streams");
    let (mut ws, _) = rt
        .block_on(tokio_tungstenite::connect_async(
            format!("ws://{}/ws/{key}", server.addr()).as_str(),
        ))
        .expect("connects");
    let mut next = || {
        rt.block_on(async {
            loop {
                match tokio::time::timeout(Duration::from_secs(5), ws.next()).await {
                    Ok(Some(Ok(Message::Text(t)))) => {
                        return serde_json::from_str::<serde_json::Value>(t.as_str())
                            .expect("json");
                    }
                    Ok(Some(Ok(_))) => {}
                    other => panic!("no user-data message: {other:?}"),
                }
            }
        })
    };
    let placed = c.signed(
        "POST",
        "/fapi/v1/order",
        "symbol=BTCUSDT&side=BUY&type=MARKET&quantity=0.01&newClientOrderId=u-1",
    );
    assert_eq!(placed.status, 200, "{:?}", placed.body);
    let new = next();
    assert_eq!(new["e"], "ORDER_TRADE_UPDATE");
    assert_eq!(
        (new["o"]["x"].as_str(), new["o"]["X"].as_str()),
        (Some("NEW"), Some("NEW"))
    );
    assert_eq!(new["o"]["c"], "u-1");
    // The MARKET order filled at once (serve's default, as on Binance): at the last close,
    // bar 4's 70,045, with no step of the clock.
    let trade = next();
    assert_eq!(trade["o"]["x"], "TRADE");
    assert_eq!(trade["o"]["X"], "FILLED");
    assert_eq!(trade["o"]["l"], "0.01");
    assert_eq!(trade["o"]["L"], "70045");
    assert_eq!(trade["o"]["t"], 1);
    let account = next();
    assert_eq!(account["e"], "ACCOUNT_UPDATE");
    assert_eq!(account["a"]["P"][0]["pa"], "0.01");
    assert_eq!(account["a"]["P"][0]["ep"], "70045");
}
