//! Real Binance answers (shapes from the docs and observed responses) read by the client.

use super::*;
use binance::{BalanceRow, PositionRiskV2, WireOrder};
use pipeline::TimestampMs;
use pipeline::order::OrderType;
use pipeline::venue::OrderStatus;
use rust_decimal_macros::dec;

#[test]
fn binance_order_object_reads() {
    let json = r#"{"orderId":22542179,"symbol":"BTCUSDT","status":"FILLED","clientOrderId":"sim-0011aabbccddeeff",
        "price":"0","avgPrice":"71000.10","origQty":"0.010","executedQty":"0.010","cumQty":"0.010",
        "cumQuote":"710.001","timeInForce":"GTC","type":"MARKET","reduceOnly":false,"closePosition":false,
        "side":"BUY","positionSide":"BOTH","stopPrice":"0","workingType":"CONTRACT_PRICE","priceProtect":false,
        "origType":"MARKET","priceMatch":"NONE","selfTradePreventionMode":"NONE","goodTillDate":0,"updateTime":1700000000123}"#;
    let w: WireOrder = serde_json::from_str(json).expect("order");
    let s = w.to_state().expect("state");
    assert_eq!(s.order_id, 22542179);
    assert_eq!(s.status, OrderStatus::Filled);
    assert_eq!(s.order_type, OrderType::Market);
    assert_eq!(s.avg_price.map(|p| p.get()), Some(dec!(71000.10)));
    assert_eq!((s.price, s.stop_price), (None, None));
    assert_eq!(s.update_time, TimestampMs(1700000000123));
}

#[test]
fn algo_order_reads_with_its_actual_order_after_the_trigger() {
    let json = r#"{"algoId":2146760,"clientAlgoId":"sim-0011aabbccddeeff-sl","algoType":"CONDITIONAL",
        "orderType":"STOP_MARKET","symbol":"BTCUSDT","side":"SELL","positionSide":"BOTH","timeInForce":"GTC",
        "quantity":"0.010","algoStatus":"NEW","triggerPrice":"69000.00","price":"0.00","reduceOnly":true,
        "closePosition":false,"createTime":1,"updateTime":2}"#;
    let w: WireAlgoOrder = serde_json::from_str(json).expect("algo");
    let a = algo_state(&w).expect("state");
    assert_eq!(a.state.order_id, 2146760);
    assert_eq!(a.state.status, OrderStatus::New);
    assert_eq!(a.state.stop_price.map(|p| p.get()), Some(dec!(69000.00)));
    assert_eq!(a.actual_order_id, None);
    let fired = json
        .replace(r#""algoStatus":"NEW""#, r#""algoStatus":"FINISHED""#)
        .replace(
            r#""updateTime":2"#,
            r#""updateTime":3,"actualOrderId":"777""#,
        );
    let w: WireAlgoOrder = serde_json::from_str(&fired).expect("algo");
    let a = algo_state(&w).expect("state");
    assert_eq!(a.state.status, OrderStatus::Filled);
    assert_eq!(a.actual_order_id, Some(777));
}

#[test]
fn position_and_balance_rows_read() {
    let json = r#"{"entryPrice":"70000.0","breakEvenPrice":"70035.0","marginType":"isolated","isAutoAddMargin":"false",
        "isolatedMargin":"350.0","leverage":"2","liquidationPrice":"35500.1","markPrice":"70100.0",
        "maxNotionalValue":"1000000","positionAmt":"-0.010","notional":"-701.0","isolatedWallet":"350",
        "symbol":"BTCUSDT","unRealizedProfit":"-1.0","positionSide":"BOTH","updateTime":5}"#;
    let p: PositionRiskV2 = serde_json::from_str(json).expect("position");
    let p = p.to_snapshot().expect("snapshot");
    assert_eq!(p.position_amt, dec!(-0.010));
    assert_eq!(p.leverage, 2);
    assert!(p.isolated);
    let b: BalanceRow = serde_json::from_str(
        r#"{"accountAlias":"SgsR","asset":"USDT","balance":"122607.35137903","crossWalletBalance":"23.72469206",
        "crossUnPnl":"0.00000000","availableBalance":"23.72469206","maxWithdrawAmount":"23.72469206",
        "marginAvailable":true,"updateTime":1617939110373}"#,
    )
    .expect("balance");
    assert_eq!(
        b.to_balance().expect("b").wallet_balance,
        dec!(122607.35137903)
    );
}

#[test]
fn kline_rows_and_events_read() {
    let row: serde_json::Value = serde_json::from_str(
        r#"[1499040000000,"0.01634790","0.80000000","0.01575800","0.01577100","148976.11427815",
            1499644799999,"2434.19055334",308,"1756.87402397","28.46694368","0"]"#,
    )
    .expect("row");
    let k = parse_kline_row(&row).expect("kline");
    assert_eq!(k.open_time, TimestampMs(1499040000000));
    assert_eq!(k.high.get(), dec!(0.80000000));
    assert_eq!(k.trades, 308);
    let short: serde_json::Value = serde_json::from_str("[1, \"2\"]").expect("row");
    assert!(parse_kline_row(&short).is_err());
}
