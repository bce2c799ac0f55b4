//! Issue 27 item 1, the endpoints added last: continuous and mark-price klines, funding-rate
//! history (constant and recorded), batch orders with errors in place, the Algo service's
//! bulk endpoints, and the account modes sim serve does not simulate (-1020).

mod serve_common;

use binance::percent_encode;
use exchange_sim::FundingRate;
use pipeline::{Symbol, TimestampMs};
use rust_decimal_macros::dec;
use serde_json::{Value, json};
use serve::{Faults, Server};
use serve_common::{Caller, MINUTE_START_MS, start};

#[test]
fn continuous_and_mark_price_klines_come_from_the_closed_bars() {
    let server = start(Faults::default());
    let c = Caller::new(&server);
    let klines = c.public("GET", "/fapi/v1/klines", "symbol=BTCUSDT&interval=1m");
    let cont = c.public(
        "GET",
        "/fapi/v1/continuousKlines",
        "pair=BTCUSDT&contractType=PERPETUAL&interval=1m",
    );
    assert_eq!(cont.status, 200, "{:?}", cont.body);
    assert_eq!(
        cont.body, klines.body,
        "a perpetual's continuous klines are its klines"
    );
    let quarter = c.public(
        "GET",
        "/fapi/v1/continuousKlines",
        "pair=BTCUSDT&contractType=CURRENT_QUARTER&interval=1m",
    );
    assert_eq!((quarter.status, quarter.code()), (400, -1121));
    let odd = c.public(
        "GET",
        "/fapi/v1/continuousKlines",
        "pair=BTCUSDT&contractType=WEEKLY&interval=1m",
    );
    assert_eq!(odd.code(), -1100);
    let mark = c.public(
        "GET",
        "/fapi/v1/markPriceKlines",
        "symbol=BTCUSDT&interval=1m&limit=2",
    );
    assert_eq!(mark.status, 200, "{:?}", mark.body);
    let rows = mark.body.as_array().expect("rows");
    assert_eq!(rows.len(), 2);
    let last = rows[1].as_array().expect("row");
    assert_eq!(last.len(), 12);
    assert_eq!(last[4], klines.body[4][4], "the close is the trade kline's");
    assert_eq!(last[5], "0", "no volume in a mark-price kline");
    let reversed = c.public(
        "GET",
        "/fapi/v1/markPriceKlines",
        "symbol=BTCUSDT&interval=1m&startTime=2&endTime=1",
    );
    assert_eq!(reversed.code(), -1023);
}

#[test]
fn funding_history_is_the_constant_grid_or_the_recorded_settlements_up_to_the_clock() {
    let server = start(Faults::default());
    let c = Caller::new(&server);
    // The warm-up closed bars 00:00..=00:04: one constant-rate settlement, at 00:00.
    let constant = c
        .public("GET", "/fapi/v1/fundingRate", "symbol=BTCUSDT")
        .body;
    assert_eq!(
        constant,
        json!([{"symbol": "BTCUSDT", "fundingRate": "0.00010000",
                "fundingTime": MINUTE_START_MS, "markPrice": "70000"}])
    );

    let mut cfg = serve_common::config(100, 5);
    let at = |minute: i64| TimestampMs(MINUTE_START_MS + minute * 60_000);
    cfg.funding_rates = vec![(
        Symbol::new("BTCUSDT").expect("symbol"),
        vec![
            FundingRate {
                time: at(2),
                rate: dec!(0.0003),
                mark_price: None,
            },
            FundingRate {
                time: at(30),
                rate: dec!(-0.0001),
                mark_price: None,
            },
        ],
    )];
    let server = Server::start(cfg).expect("server starts");
    let c = Caller::new(&server);
    let recorded = c
        .public("GET", "/fapi/v1/fundingRate", "symbol=BTCUSDT")
        .body;
    assert_eq!(
        recorded,
        json!([{"symbol": "BTCUSDT", "fundingRate": "0.00030000",
                "fundingTime": at(2).as_ms(), "markPrice": "70015"}]),
        "the 00:30 settlement is still in the future"
    );
    let premium = c
        .public("GET", "/fapi/v1/premiumIndex", "symbol=BTCUSDT")
        .body;
    assert_eq!(premium["lastFundingRate"], "0.00030000");
    assert_eq!(premium["nextFundingTime"], at(30).as_ms());
}

fn code_of(v: &Value) -> Option<i64> {
    v["code"].as_i64()
}

#[test]
fn batch_orders_answer_each_order_in_place() {
    let server = start(Faults::default());
    let c = Caller::new(&server);
    let batch = json!([
        {"symbol": "BTCUSDT", "side": "BUY", "type": "MARKET", "quantity": "0.01",
         "newOrderRespType": "RESULT"},
        {"symbol": "BTCUSDT", "type": "MARKET", "quantity": "0.01"},
        {"symbol": "BTCUSDT", "side": "BUY", "type": "LIMIT", "timeInForce": "GTC",
         "quantity": "0.01", "price": "60000", "newClientOrderId": "batch-limit"},
    ]);
    let placed = c.signed(
        "POST",
        "/fapi/v1/batchOrders",
        &format!("batchOrders={}", percent_encode(&batch.to_string())),
    );
    assert_eq!(placed.status, 200, "{:?}", placed.body);
    let rows = placed.body.as_array().expect("one entry per order");
    assert_eq!(rows.len(), 3);
    assert_eq!(rows[0]["status"], "FILLED");
    assert_eq!(code_of(&rows[1]), Some(-1102), "{}", rows[1]);
    assert_eq!(rows[2]["status"], "NEW");
    assert_eq!(rows[2]["clientOrderId"], "batch-limit");
    let six = json!([{}, {}, {}, {}, {}, {}]);
    let too_many = c.signed(
        "POST",
        "/fapi/v1/batchOrders",
        &format!("batchOrders={}", percent_encode(&six.to_string())),
    );
    assert_eq!((too_many.status, too_many.code()), (400, -1130));

    let limit_id = rows[2]["orderId"].as_i64().expect("id");
    let canceled = c.signed(
        "DELETE",
        "/fapi/v1/batchOrders",
        &format!(
            "symbol=BTCUSDT&orderIdList={}",
            percent_encode(&format!("[{limit_id},987654]"))
        ),
    );
    assert_eq!(canceled.status, 200, "{:?}", canceled.body);
    assert_eq!(canceled.body[0]["status"], "CANCELED");
    assert_eq!(code_of(&canceled.body[1]), Some(-2011));
    let neither = c.signed("DELETE", "/fapi/v1/batchOrders", "symbol=BTCUSDT");
    assert_eq!(neither.code(), -1102);
}

#[test]
fn algo_bulk_endpoints_list_and_cancel_conditional_orders() {
    let server = start(Faults::default());
    let c = Caller::new(&server);
    for (id, trigger) in [("stop-a", "60000"), ("stop-b", "61000")] {
        let placed = c.signed(
            "POST",
            "/fapi/v1/algoOrder",
            &format!(
                "algoType=CONDITIONAL&symbol=BTCUSDT&side=SELL&type=STOP_MARKET&triggerPrice={trigger}&quantity=0.01&clientAlgoId={id}"
            ),
        );
        assert_eq!(placed.status, 200, "{:?}", placed.body);
    }
    let all = c
        .signed("GET", "/fapi/v1/allAlgoOrders", "symbol=BTCUSDT")
        .body;
    assert_eq!(all.as_array().map(Vec::len), Some(2), "{all}");
    let done = c.signed("DELETE", "/fapi/v1/algoOpenOrders", "symbol=BTCUSDT");
    assert_eq!(done.body["code"], 200, "{:?}", done.body);
    let open = c.signed("GET", "/fapi/v1/openAlgoOrders", "").body;
    assert_eq!(open, json!([]));
    let all = c
        .signed("GET", "/fapi/v1/allAlgoOrders", "symbol=BTCUSDT")
        .body;
    assert!(
        all.as_array()
            .is_some_and(|a| a.len() == 2 && a.iter().all(|o| o["algoStatus"] == "CANCELED")),
        "{all}"
    );
}

#[test]
fn modes_sim_serve_does_not_simulate_are_refused_as_unsupported() {
    let server = start(Faults::default());
    let c = Caller::new(&server);
    let multi = c.signed("GET", "/fapi/v1/multiAssetsMargin", "").body;
    assert_eq!(multi, json!({"multiAssetsMargin": false}));
    let on = c.signed(
        "POST",
        "/fapi/v1/multiAssetsMargin",
        "multiAssetsMargin=true",
    );
    assert_eq!((on.status, on.code()), (400, -1020), "{:?}", on.body);
    let same = c.signed(
        "POST",
        "/fapi/v1/multiAssetsMargin",
        "multiAssetsMargin=false",
    );
    assert_eq!(same.code(), -4171);
    let hedge = c.signed(
        "POST",
        "/fapi/v1/positionSide/dual",
        "dualSidePosition=true",
    );
    assert_eq!(
        (hedge.status, hedge.code()),
        (400, -1020),
        "{:?}",
        hedge.body
    );
    assert!(
        hedge.body["msg"]
            .as_str()
            .is_some_and(|m| m.contains("one-way"))
    );
}
