//! The incident reports' cases, answered by the simulated exchange with Binance's codes:
//! min notional (-4164), a quantity below the precision (-1111), a symbol missing from the
//! testnet (-1121), and point-in-time listings and tick sizes.

mod common;

use common::*;
use exchange_sim::{InfoSchedule, SimConfig, SimExchange};
use pipeline::exchange_info::{Environment, ExchangeInfo, RawFilter, snapshot};
use pipeline::order::{OrderRequest, Side};
use pipeline::{Interval, TimestampMs};
use rust_decimal_macros::dec;

#[test]
fn btc_sell_0_001_at_mark_70610_is_below_min_notional() {
    // Report 002: SELL 0.001 BTC at mark 70,610 = 70.61 USDT < MIN_NOTIONAL 100.
    let mut ex = exchange(SimConfig::default());
    let b = btc(&ex);
    ex.on_bar(b, &flat(0, 70_610.0)).expect("bar");
    let err = ex
        .submit(&OrderRequest::market("BTCUSDT", Side::Sell, dec!(0.001)))
        .expect_err("70.61 < 100");
    assert_eq!(err.code, -4164);
    assert_eq!(
        err.msg,
        "Order's notional must be no smaller than 100 (unless you choose reduce only)."
    );
    // Report 002's F2 sizing bug: 0.0007 BTC has more decimals than BTCUSDT allows.
    let err = ex
        .submit(&OrderRequest::market("BTCUSDT", Side::Sell, dec!(0.0007)))
        .expect_err("precision");
    assert_eq!(
        (err.code, err.msg.as_str()),
        (
            -1111,
            "Precision is over the maximum defined for this asset."
        )
    );
    assert!(ex.open_orders(None).is_empty());
}

#[test]
fn waves_on_the_testnet_is_an_invalid_symbol() {
    let info = snapshot(Environment::Testnet).expect("testnet");
    let mut ex = SimExchange::new(info, SimConfig::default(), Interval::M1).expect("ex");
    let err = ex
        .submit(&OrderRequest::market("WAVESUSDT", Side::Buy, dec!(149.7)))
        .expect_err("not listed");
    assert_eq!((err.code, err.msg.as_str()), (-1121, "Invalid symbol."));
    assert!(ex.symbol_id("WAVESUSDT").is_none());
}

/// Mainnet without `symbol`.
fn without(symbol: &str) -> ExchangeInfo {
    let mut raw = mainnet().raw().clone();
    raw.symbols.retain(|s| s.symbol != symbol);
    ExchangeInfo::from_raw(raw, "test").expect("info")
}

#[test]
fn a_symbol_listed_from_a_later_version_is_rejected_before_and_accepted_after() {
    // ETHUSDT appears in the version valid from 00:10.
    let listed = t0().plus_ms(10 * 60_000);
    let schedule = InfoSchedule::new(vec![
        (TimestampMs(0), without("ETHUSDT")),
        (listed, mainnet()),
    ])
    .expect("schedule");
    let mut ex = SimExchange::new(schedule, SimConfig::default(), Interval::M1).expect("ex");
    let eth = ex.symbol_id("ETHUSDT").expect("id from the later version");
    let order = OrderRequest::market("ETHUSDT", Side::Buy, dec!(0.01));
    ex.on_bar(eth, &flat(0, 3_000.0)).expect("bar");
    assert_eq!(code(ex.submit(&order)), -1121);
    for k in 1..10 {
        ex.on_bar(eth, &flat(k, 3_000.0)).expect("bar");
    }
    // The clock is now 00:09:59.999: still before the listing.
    assert_eq!(code(ex.submit(&order)), -1121);
    ex.on_bar(eth, &flat(10, 3_000.0)).expect("bar");
    let placed = ex.submit(&order).expect("listed now");
    assert_eq!(placed.symbol.as_str(), "ETHUSDT");
}

#[test]
fn a_symbol_is_not_listed_before_its_onboard_date() {
    // SUIUSDT's onboardDate in the snapshot is 2023-05-03.
    let mut ex = exchange(SimConfig::default());
    let sui = ex.symbol_id("SUIUSDT").expect("id");
    let order = OrderRequest::market("SUIUSDT", Side::Buy, dec!(10));
    let before = TimestampMs::from_utc(2023, 5, 1, 0, 0, 0);
    ex.on_bar(sui, &bar_at(before, 1.0, 1.0, 1.0, 1.0))
        .expect("bar");
    assert_eq!(code(ex.submit(&order)), -1121);
    let after = TimestampMs::from_utc(2023, 5, 3, 0, 0, 0);
    ex.on_bar(sui, &bar_at(after, 1.0, 1.0, 1.0, 1.0))
        .expect("bar");
    assert_eq!(code(ex.submit(&order)), 0);
}

#[test]
fn a_tick_size_change_applies_from_its_date() {
    // From 00:05 BTCUSDT's tick is 1.0 instead of 0.10.
    let mut raw = mainnet().raw().clone();
    for s in raw.symbols.iter_mut().filter(|s| s.symbol == "BTCUSDT") {
        for f in &mut s.filters {
            if let RawFilter::PriceFilter { tick_size, .. } = f {
                *tick_size = "1".into();
            }
        }
    }
    let coarse = ExchangeInfo::from_raw(raw, "coarse").expect("info");
    let change = t0().plus_ms(5 * 60_000);
    let schedule =
        InfoSchedule::new(vec![(TimestampMs(0), mainnet()), (change, coarse)]).expect("schedule");
    let mut ex = SimExchange::new(schedule, SimConfig::default(), Interval::M1).expect("ex");
    let b = btc(&ex);
    let order = OrderRequest::limit("BTCUSDT", Side::Buy, dec!(0.01), dec!(69000.5));
    ex.on_bar(b, &flat(0, 70_000.0)).expect("bar");
    assert_eq!(code(ex.submit(&order)), 0);
    for k in 1..=5 {
        ex.on_bar(b, &flat(k, 70_000.0)).expect("bar");
    }
    assert_eq!(code(ex.submit(&order)), -4014);
    // The order placed before the change still rests (Binance keeps it).
    assert_eq!(ex.open_orders(Some(b)).len(), 1);
}

#[test]
fn a_delisted_symbol_has_its_orders_canceled_and_position_settled() {
    let gone = t0().plus_ms(3 * 60_000);
    let schedule = InfoSchedule::new(vec![
        (TimestampMs(0), mainnet()),
        (gone, without("BTCUSDT")),
    ])
    .expect("schedule");
    let cfg = SimConfig {
        market_fill: exchange_sim::MarketFill::CurrentClose,
        ..SimConfig::default()
    };
    let mut ex = SimExchange::new(schedule, cfg, Interval::M1).expect("ex");
    let b = btc(&ex);
    ex.on_bar(b, &flat(0, 70_000.0)).expect("bar");
    ex.submit(&OrderRequest::market("BTCUSDT", Side::Buy, dec!(0.01)))
        .expect("filled");
    ex.submit(&OrderRequest::limit(
        "BTCUSDT",
        Side::Buy,
        dec!(0.01),
        dec!(60000),
    ))
    .expect("rests");
    ex.on_bar(b, &flat(1, 71_000.0)).expect("bar");
    ex.on_bar(b, &flat(2, 72_000.0)).expect("bar");
    assert_eq!(ex.position_amt(b), dec!(0.01));
    ex.on_bar(b, &flat(3, 73_000.0)).expect("bar");
    assert_eq!(ex.position_amt(b), dec!(0));
    assert!(ex.open_orders(None).is_empty());
    // Settled at the last mark (72,000) without fee: +20 realised.
    assert_eq!(ex.account().realized_pnl, dec!(20));
    assert_eq!(
        code(ex.submit(&OrderRequest::market("BTCUSDT", Side::Buy, dec!(0.01)))),
        -1121
    );
}
