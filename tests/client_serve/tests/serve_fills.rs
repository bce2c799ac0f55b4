//! Issue 27 item 2: a MARKET order fills at once, as on Binance, and `newOrderRespType` picks
//! the answer (ACK: as accepted; RESULT: as filled); the fill is in positions, account,
//! trades and income in the same second, before any step of the clock.

mod serve_common;

use serde_json::Value;
use serve::Faults;
use serve_common::{Caller, start};

fn num(v: &Value) -> f64 {
    v.as_str()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("not a decimal string: {v}"))
}

#[test]
fn a_market_order_fills_at_once_and_every_view_shows_it_without_a_step() {
    let server = start(Faults::default());
    let c = Caller::new(&server);
    // Warm-up fed bars 0..=4: the last close is bar 4's, 70,045.
    let result = c.signed(
        "POST",
        "/fapi/v1/order",
        "symbol=BTCUSDT&side=BUY&type=MARKET&quantity=0.010&newOrderRespType=RESULT",
    );
    assert_eq!(result.status, 200, "{:?}", result.body);
    let b = &result.body;
    assert_eq!(b["status"], "FILLED", "{b}");
    assert_eq!(num(&b["executedQty"]), 0.01);
    assert_eq!(num(&b["cumQty"]), 0.01);
    assert_eq!(num(&b["avgPrice"]), 70_045.0);
    assert_eq!(num(&b["cumQuote"]), 700.45);
    let id = b["orderId"].as_i64().expect("id");

    let risk = c
        .signed("GET", "/fapi/v2/positionRisk", "symbol=BTCUSDT")
        .body;
    assert_eq!(num(&risk[0]["positionAmt"]), 0.01, "{risk}");
    assert_eq!(num(&risk[0]["entryPrice"]), 70_045.0);
    let v3 = c.signed("GET", "/fapi/v3/positionRisk", "").body;
    assert_eq!(v3.as_array().map(Vec::len), Some(1), "{v3}");
    let account = c.signed("GET", "/fapi/v2/account", "").body;
    let wallet = num(&account["totalWalletBalance"]);
    assert!((wallet - (10_000.0 - 0.350225)).abs() < 1e-9, "{wallet}");
    let trades = c
        .signed("GET", "/fapi/v1/userTrades", "symbol=BTCUSDT")
        .body;
    assert_eq!(trades.as_array().map(Vec::len), Some(1), "{trades}");
    assert_eq!(trades[0]["orderId"], id);
    let income = c
        .signed("GET", "/fapi/v1/income", "incomeType=COMMISSION")
        .body;
    assert_eq!(income.as_array().map(Vec::len), Some(1), "{income}");
    assert_eq!(num(&income[0]["income"]), -0.350225);
    assert_eq!(income[0]["tradeId"], "1");

    // ACK (the default): the order as accepted, although it filled at once.
    let ack = c.signed(
        "POST",
        "/fapi/v1/order",
        "symbol=BTCUSDT&side=SELL&type=MARKET&quantity=0.004",
    );
    assert_eq!(ack.status, 200, "{:?}", ack.body);
    assert_eq!(ack.body["status"], "NEW");
    assert_eq!(num(&ack.body["executedQty"]), 0.0);
    let later = c.signed(
        "GET",
        "/fapi/v1/order",
        &format!("symbol=BTCUSDT&orderId={}", ack.body["orderId"]),
    );
    assert_eq!(later.body["status"], "FILLED", "{:?}", later.body);
    let risk = c
        .signed("GET", "/fapi/v2/positionRisk", "symbol=BTCUSDT")
        .body;
    assert_eq!(num(&risk[0]["positionAmt"]), 0.006);

    // Reduce-only is unchanged: it closes at most the position and never opens a short.
    let reduce = c.signed(
        "POST",
        "/fapi/v1/order",
        "symbol=BTCUSDT&side=SELL&type=MARKET&quantity=0.02&reduceOnly=true&newOrderRespType=RESULT",
    );
    assert_eq!(num(&reduce.body["executedQty"]), 0.006, "{:?}", reduce.body);
    let risk = c
        .signed("GET", "/fapi/v2/positionRisk", "symbol=BTCUSDT")
        .body;
    assert_eq!(num(&risk[0]["positionAmt"]), 0.0);

    // FULL is spot's; USD-M knows ACK and RESULT only.
    let full = c.signed(
        "POST",
        "/fapi/v1/order",
        "symbol=BTCUSDT&side=BUY&type=MARKET&quantity=0.01&newOrderRespType=FULL",
    );
    assert_eq!((full.status, full.code()), (400, -1100), "{:?}", full.body);
    let all = c.signed("GET", "/fapi/v1/allOrders", "symbol=BTCUSDT").body;
    assert_eq!(
        all.as_array().map(Vec::len),
        Some(3),
        "FULL placed nothing: {all}"
    );
}
