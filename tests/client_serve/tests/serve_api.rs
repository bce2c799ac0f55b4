//! `serve` driven over raw HTTP: authentication, errors, market data, orders and
//! positions, weights and the kline websocket.

mod serve_common;

use std::sync::Arc;

use serde_json::Value;
use serve::{Faults, ManualClock};
use serve_common::{Caller, KEY, SECRET, bar, now_ms, start};

#[test]
fn signatures_keys_and_timestamps_are_checked_and_errors_are_binance_json() {
    let server = start(Faults::default());
    let c = Caller::new(&server);
    let ok = c.signed("GET", "/fapi/v2/balance", "");
    assert_eq!(ok.status, 200, "{:?}", ok.body);
    assert_eq!(ok.content_type, "application/json");
    assert_eq!(ok.body[0]["asset"], "USDT");
    assert_eq!(ok.body[0]["balance"], "10000");

    let sig = |key, secret, ts| {
        c.signed_with("GET", "/fapi/v2/balance", "", (key, secret), ts, false)
            .expect("answer")
    };
    let bad_sig = sig(KEY, "wrong-secret", now_ms());
    assert_eq!((bad_sig.status, bad_sig.code()), (400, -1022));
    assert_eq!(bad_sig.content_type, "application/json");
    let bad_key = sig("nobody", SECRET, now_ms());
    assert_eq!((bad_key.status, bad_key.code()), (401, -2015));
    let stale = sig(KEY, SECRET, now_ms() - 6_000);
    assert_eq!((stale.status, stale.code()), (400, -1021));
    let ahead = sig(KEY, SECRET, now_ms() + 5_000);
    assert_eq!((ahead.status, ahead.code()), (400, -1021));
    let wide = c
        .signed_with(
            "GET",
            "/fapi/v2/balance",
            "recvWindow=20000",
            (KEY, SECRET),
            now_ms() - 6_000,
            false,
        )
        .expect("answer");
    assert_eq!(wide.status, 200);
    let unsigned = c.public("GET", "/fapi/v2/balance", "");
    assert_eq!((unsigned.status, unsigned.code()), (401, -2015));
    let missing = c.signed(
        "POST",
        "/fapi/v1/order",
        "symbol=BTCUSDT&type=MARKET&quantity=0.01",
    );
    assert_eq!((missing.status, missing.code()), (400, -1102));
    assert!(
        missing.body["msg"]
            .as_str()
            .unwrap_or("")
            .contains("'side'")
    );
    let nowhere = c.public("GET", "/fapi/v1/nothing", "");
    assert_eq!(nowhere.status, 404);
    assert!(nowhere.body["msg"].is_string());
}

#[test]
fn market_data_shows_only_closed_bars() {
    let server = start(Faults::default());
    let c = Caller::new(&server);
    assert_eq!(
        c.public("GET", "/fapi/v1/ping", "").body,
        serde_json::json!({})
    );
    let t = c.public("GET", "/fapi/v1/time", "").body["serverTime"]
        .as_i64()
        .unwrap_or(0);
    assert!((t - now_ms()).abs() < 5_000);
    let info = c.public("GET", "/fapi/v1/exchangeInfo", "");
    let symbols = info.body["symbols"].as_array().expect("symbols");
    assert!(symbols.iter().any(|s| s["symbol"] == "BTCUSDT"));

    let klines = |q: &str| c.public("GET", "/fapi/v1/klines", q);
    let rows = klines("symbol=BTCUSDT&interval=1m&limit=1000").body;
    let rows = rows.as_array().expect("rows");
    assert_eq!(rows.len(), 5, "warm-up closed five bars");
    assert_eq!(rows[0].as_array().map(Vec::len), Some(12));
    assert_eq!(rows[4][0], bar(4).open_time.as_ms());
    assert_eq!(rows[4][4], "70045");
    assert_eq!(rows[4][6], bar(4).open_time.as_ms() + 59_999);
    c.step(3);
    let rows = klines("symbol=BTCUSDT&interval=1m").body;
    assert_eq!(rows.as_array().map(Vec::len), Some(8));
    let start = bar(2).open_time.as_ms();
    let some = klines(&format!(
        "symbol=BTCUSDT&interval=1m&startTime={start}&limit=2"
    ))
    .body;
    assert_eq!(some[0][0], start);
    assert_eq!(some.as_array().map(Vec::len), Some(2));
    let last2 = klines("symbol=BTCUSDT&interval=1m&limit=2").body;
    assert_eq!(last2[1][0], bar(7).open_time.as_ms());
    assert_eq!(klines("symbol=BTCUSDT&interval=5m").code(), -1120);
    assert_eq!(klines("symbol=NOPEUSDT&interval=1m").code(), -1121);

    let mark = c
        .public("GET", "/fapi/v1/premiumIndex", "symbol=BTCUSDT")
        .body;
    assert_eq!(mark["markPrice"], "70075");
    let px = c
        .public("GET", "/fapi/v2/ticker/price", "symbol=BTCUSDT")
        .body;
    assert_eq!(px["price"], "70075");
    let all = c.public("GET", "/fapi/v1/ticker/price", "").body;
    assert_eq!(all.as_array().map(Vec::len), Some(1));
    let book = c
        .public("GET", "/fapi/v1/depth", "symbol=BTCUSDT&limit=5")
        .body;
    assert_eq!(book["bids"][0][0], "70075");
}

#[test]
fn with_next_open_a_market_order_fills_at_the_next_bar_and_shows_in_positions() {
    // `sim serve --market-fill next_open`: the backtest's rule, NEW until the next bar.
    let mut cfg = serve_common::config(100, 5);
    cfg.sim.market_fill = exchange_sim::MarketFill::NextOpen;
    let server = serve::Server::start(cfg).expect("server starts");
    let c = Caller::new(&server);
    let lev = c.signed("POST", "/fapi/v1/leverage", "symbol=BTCUSDT&leverage=10");
    assert_eq!(lev.body["leverage"], 10);
    // Parameters in the form body, as python-binance and ccxt send them.
    let placed = c
        .signed_with(
            "POST",
            "/fapi/v1/order",
            "symbol=BTCUSDT&side=BUY&type=MARKET&quantity=0.010&newClientOrderId=plan-1",
            (KEY, SECRET),
            now_ms(),
            true,
        )
        .expect("answer");
    assert_eq!(placed.status, 200, "{:?}", placed.body);
    assert_eq!(placed.body["status"], "NEW");
    assert_eq!(placed.body["clientOrderId"], "plan-1");
    assert_eq!(placed.order_count_10s, Some(1));
    let id = placed.body["orderId"].as_i64().expect("id");
    c.step(1);
    let got = c.signed(
        "GET",
        "/fapi/v1/order",
        &format!("symbol=BTCUSDT&orderId={id}"),
    );
    assert_eq!(got.body["status"], "FILLED");
    assert_eq!(got.body["avgPrice"], "70050", "filled at the open of bar 5");
    let by_client = c.signed(
        "GET",
        "/fapi/v1/order",
        "symbol=BTCUSDT&origClientOrderId=plan-1",
    );
    assert_eq!(by_client.body["orderId"], id);

    let v2 = c
        .signed("GET", "/fapi/v2/positionRisk", "symbol=BTCUSDT")
        .body;
    assert_eq!(v2[0]["positionAmt"], "0.01");
    assert_eq!(v2[0]["entryPrice"], "70050");
    assert_eq!(v2[0]["leverage"], "10");
    let v3 = c.signed("GET", "/fapi/v3/positionRisk", "").body;
    assert_eq!(v3.as_array().map(Vec::len), Some(1));
    assert_eq!(v3[0]["symbol"], "BTCUSDT");
    let account = c.signed("GET", "/fapi/v3/account", "").body;
    assert_eq!(account["positions"][0]["positionAmt"], "0.01");
    let wallet: f64 = account["totalWalletBalance"]
        .as_str()
        .unwrap_or("")
        .parse()
        .unwrap_or(0.0);
    assert!(wallet < 10_000.0, "the taker fee was paid: {wallet}");

    let limit = c.signed(
        "POST",
        "/fapi/v1/order",
        "symbol=BTCUSDT&side=SELL&type=LIMIT&timeInForce=GTC&quantity=0.010&price=80000&reduceOnly=true",
    );
    assert_eq!(limit.body["status"], "NEW", "{:?}", limit.body);
    let lid = limit.body["orderId"].as_i64().expect("id");
    let open = c
        .signed("GET", "/fapi/v1/openOrders", "symbol=BTCUSDT")
        .body;
    assert_eq!(open.as_array().map(Vec::len), Some(1));
    let canceled = c.signed(
        "DELETE",
        "/fapi/v1/order",
        &format!("symbol=BTCUSDT&orderId={lid}"),
    );
    assert_eq!(canceled.body["status"], "CANCELED");
    let again = c.signed(
        "DELETE",
        "/fapi/v1/order",
        &format!("symbol=BTCUSDT&orderId={lid}"),
    );
    assert_eq!((again.status, again.code()), (400, -2011));
    let open = c.signed("GET", "/fapi/v1/openOrders", "").body;
    assert_eq!(open, Value::Array(vec![]));
    let trades = c
        .signed("GET", "/fapi/v1/userTrades", "symbol=BTCUSDT")
        .body;
    assert_eq!(trades.as_array().map(Vec::len), Some(1), "{trades}");
    assert_eq!(trades[0]["orderId"], id);
    assert_eq!(trades[0]["price"], "70050");
    assert_eq!(
        trades[0]["commission"], "0.35025",
        "0.05 % taker fee of 700.5"
    );
    assert_eq!(trades[0]["maker"], false);
    let none = c
        .signed("GET", "/fapi/v1/userTrades", "symbol=BTCUSDT&fromId=2")
        .body;
    assert_eq!(none, Value::Array(vec![]));
    let tiny = c.signed(
        "POST",
        "/fapi/v1/order",
        "symbol=BTCUSDT&side=BUY&type=MARKET&quantity=0.001",
    );
    assert_eq!((tiny.status, tiny.code()), (400, -4164));
}

#[test]
fn conditional_orders_live_on_the_algo_endpoints() {
    let server = start(Faults::default());
    let c = Caller::new(&server);
    let wrong = c.signed(
        "POST",
        "/fapi/v1/order",
        "symbol=BTCUSDT&side=SELL&type=STOP_MARKET&stopPrice=60000&quantity=0.01",
    );
    assert_eq!(wrong.code(), -4120);
    let algo = c.signed(
        "POST",
        "/fapi/v1/algoOrder",
        "algoType=CONDITIONAL&symbol=BTCUSDT&side=BUY&type=STOP_MARKET&triggerPrice=75000&quantity=0.01&clientAlgoId=stop-1",
    );
    assert_eq!(algo.body["algoStatus"], "NEW", "{:?}", algo.body);
    assert_eq!(algo.body["triggerPrice"], "75000");
    let open = c
        .signed("GET", "/fapi/v1/openAlgoOrders", "symbol=BTCUSDT")
        .body;
    assert_eq!(open[0]["clientAlgoId"], "stop-1");
    assert_eq!(
        c.signed("GET", "/fapi/v1/openOrders", "").body,
        Value::Array(vec![])
    );
    let got = c
        .signed("GET", "/fapi/v1/algoOrder", "clientAlgoId=stop-1")
        .body;
    assert_eq!(got["algoId"], algo.body["algoId"]);
    let del = c
        .signed("DELETE", "/fapi/v1/algoOrder", "clientAlgoId=stop-1")
        .body;
    assert_eq!(del["code"], "200");
    let open = c.signed("GET", "/fapi/v1/openAlgoOrders", "").body;
    assert_eq!(open, Value::Array(vec![]));
}

#[test]
fn weight_is_reported_and_the_limit_answers_429() {
    let mut cfg = serve_common::config(20, 2);
    cfg.weight_limit = 6;
    // Weight resets at each minute: the server's clock stands at the start of one.
    cfg.wall_clock = Arc::new(ManualClock::at(serve_common::MINUTE_START_MS));
    let server = serve::Server::start(cfg).expect("starts");
    let c = Caller::new(&server);
    let first = c.public("GET", "/fapi/v1/ping", "");
    let second = c.public(
        "GET",
        "/fapi/v1/klines",
        "symbol=BTCUSDT&interval=1m&limit=200",
    );
    let (w1, w2) = (
        first.weight.expect("header"),
        second.weight.expect("header"),
    );
    assert!(
        w2 == w1 + 2 || w2 == 2,
        "klines with limit 200 weighs 2: {w1} then {w2}"
    );
    let answers: Vec<u16> = (0..6)
        .map(|_| c.public("GET", "/fapi/v1/ping", "").status)
        .collect();
    let limited = c.public("GET", "/fapi/v1/ping", "");
    assert!(
        answers.contains(&429) || limited.status == 429,
        "{answers:?}"
    );
    assert_eq!((limited.status, limited.code()), (429, -1003));
    assert!(limited.weight.is_some());
    let statuses: Vec<u16> = (0..25)
        .map(|_| c.public("GET", "/fapi/v1/ping", "").status)
        .collect();
    assert_eq!(
        statuses.last(),
        Some(&418),
        "calling on past 429s bans: {statuses:?}"
    );
    let banned = c.public("GET", "/fapi/v1/time", "");
    assert_eq!((banned.status, banned.code()), (418, -1003));
    assert!(
        banned.body["msg"]
            .as_str()
            .unwrap_or("")
            .starts_with("Way too many requests")
    );
}

#[test]
fn tickers_come_from_the_closed_bars_in_binance_shapes() {
    let server = start(Faults::default());
    let c = Caller::new(&server);
    // Five warm-up bars are closed: bar 0 opens at 70,000, bar 4 closes at 70,045.
    let day = c.public("GET", "/fapi/v1/ticker/24hr", "symbol=BTCUSDT");
    assert_eq!(day.status, 200, "{:?}", day.body);
    let b = &day.body;
    assert_eq!(b["symbol"], "BTCUSDT");
    assert_eq!(b["openPrice"], "70000");
    assert_eq!(b["lastPrice"], "70045");
    assert_eq!(b["priceChange"], "45");
    assert_eq!(b["priceChangePercent"], "0.064");
    assert_eq!(
        (b["highPrice"].as_str(), b["lowPrice"].as_str()),
        (Some("70070"), Some("69970"))
    );
    assert_eq!(b["volume"], "200");
    assert_eq!(b["openTime"], bar(0).open_time.as_ms());
    assert_eq!(b["count"], 0);
    let last = c
        .public("GET", "/fapi/v1/ticker/price", "symbol=BTCUSDT")
        .body;
    assert_eq!(b["lastPrice"], last["price"]);
    let all = c.public("GET", "/fapi/v1/ticker/24hr", "");
    assert_eq!(all.body.as_array().map(Vec::len), Some(1));
    let book = c
        .public("GET", "/fapi/v1/ticker/bookTicker", "symbol=BTCUSDT")
        .body;
    let px = |k: &str| {
        book[k]
            .as_str()
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    assert_eq!(book["bidPrice"], "70045");
    assert!(px("bidPrice") < px("askPrice"), "{book}");
    assert!(px("bidQty") > 0.0);
    let unknown = c.public("GET", "/fapi/v1/ticker/24hr", "symbol=NOPEUSDT");
    assert_eq!((unknown.status, unknown.code()), (400, -1121));
}

#[test]
fn all_orders_reads_back_open_and_finished_orders() {
    let server = start(Faults::default());
    let c = Caller::new(&server);
    let limit = "symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.01&price=60000";
    let first = c.signed("POST", "/fapi/v1/order", limit);
    assert_eq!(first.status, 200, "{:?}", first.body);
    let first_id = first.body["orderId"].as_i64().expect("id");
    let cancel = c.signed(
        "DELETE",
        "/fapi/v1/order",
        &format!("symbol=BTCUSDT&orderId={first_id}"),
    );
    assert_eq!(cancel.status, 200, "{:?}", cancel.body);
    let second = c.signed("POST", "/fapi/v1/order", limit);
    let second_id = second.body["orderId"].as_i64().expect("id");
    let all = c.signed("GET", "/fapi/v1/allOrders", "symbol=BTCUSDT");
    assert_eq!(all.status, 200, "{:?}", all.body);
    let rows = all.body.as_array().expect("rows");
    let ids: Vec<i64> = rows.iter().filter_map(|r| r["orderId"].as_i64()).collect();
    assert_eq!(ids, [first_id, second_id]);
    assert_eq!(rows[0]["status"], "CANCELED");
    assert_eq!(rows[1]["status"], "NEW");
    assert!(rows[1]["time"].is_i64() && rows[1]["origQty"] == "0.01");
    let from_second = c.signed(
        "GET",
        "/fapi/v1/allOrders",
        &format!("symbol=BTCUSDT&orderId={second_id}"),
    );
    assert_eq!(from_second.body.as_array().map(Vec::len), Some(1));
    let latest = c.signed("GET", "/fapi/v1/allOrders", "symbol=BTCUSDT&limit=1");
    assert_eq!(latest.body[0]["orderId"], second_id);
    let missing = c.signed("GET", "/fapi/v1/allOrders", "");
    assert_eq!((missing.status, missing.code()), (400, -1102));
}
