//! The latency model (crate doc, assumption 18): orders in flight reach the book at the bar
//! their arrival falls in, at its open; shorter-than-a-bar delays move no price except
//! `current_close` MARKET fills; the draws are seeded and leave the slippage draws alone.

mod common;

use common::*;
use exchange_sim::{LatencyConfig, MarketFill, SimConfig, SlippageModel};
use pipeline::order::{OrderRequest, OrderType, Side, TimeInForce};
use pipeline::venue::{OrderRef, OrderStatus};
use rust_decimal::Decimal;
use rust_decimal_macros::dec;

fn with_latency(ms: u32, market_fill: MarketFill) -> SimConfig {
    SimConfig {
        market_fill,
        latency: LatencyConfig {
            order_ms: ms,
            ..LatencyConfig::default()
        },
        ..SimConfig::default()
    }
}

fn buy(qty: Decimal) -> OrderRequest {
    OrderRequest::market("BTCUSDT", Side::Buy, qty)
}

/// Close time of 1-minute bar `k`, where orders sent after that bar are placed.
fn close_of(k: i64) -> i64 {
    t0().0 + k * 60_000 + 59_999
}

#[test]
fn no_latency_is_the_default_and_changes_nothing() {
    assert!(SimConfig::default().latency.is_none());
    let run = |cfg: SimConfig| {
        let mut ex = exchange(cfg);
        let b = btc(&ex);
        ex.on_bar(b, &flat(0, 70_000.0)).expect("bar");
        ex.submit(&buy(dec!(0.01))).expect("accepted");
        ex.on_bar(b, &bar(1, 70_100.0, 70_300.0, 70_000.0, 70_200.0))
            .expect("bar");
        ex.fills().to_vec()
    };
    assert_eq!(
        run(SimConfig::default()),
        run(with_latency(0, MarketFill::NextOpen))
    );
}

#[test]
fn current_close_market_orders_fill_at_the_next_open_at_the_arrival_time() {
    let mut ex = exchange(with_latency(250, MarketFill::CurrentClose));
    let b = btc(&ex);
    ex.on_bar(b, &flat(0, 70_000.0)).expect("bar");
    let o = ex.submit(&buy(dec!(0.01))).expect("accepted");
    assert_eq!(
        o.status,
        OrderStatus::New,
        "in flight, not filled at the close"
    );
    assert!(ex.fills().is_empty());
    ex.on_bar(b, &bar(1, 70_100.0, 70_300.0, 70_000.0, 70_200.0))
        .expect("bar");
    let f = &ex.fills()[0];
    assert_eq!(
        f.price.get(),
        dec!(70100),
        "the open of the bar it arrived in"
    );
    assert_eq!(f.time.0, close_of(0) + 250);
}

#[test]
fn next_open_fills_keep_their_price_under_a_short_delay_but_take_its_time() {
    let mut ex = exchange(with_latency(400, MarketFill::NextOpen));
    let b = btc(&ex);
    ex.on_bar(b, &flat(0, 70_000.0)).expect("bar");
    ex.submit(&buy(dec!(0.01))).expect("accepted");
    ex.on_bar(b, &bar(1, 70_100.0, 70_300.0, 70_000.0, 70_200.0))
        .expect("bar");
    let f = &ex.fills()[0];
    assert_eq!((f.price.get(), f.time.0), (dec!(70100), close_of(0) + 400));
}

#[test]
fn a_delay_longer_than_a_bar_fills_in_the_bar_the_order_arrives_in() {
    // 90 s after bar 0's close is 30 s into bar 2.
    let mut ex = exchange(with_latency(90_000, MarketFill::NextOpen));
    let b = btc(&ex);
    ex.on_bar(b, &flat(0, 70_000.0)).expect("bar");
    ex.submit(&buy(dec!(0.01))).expect("accepted");
    ex.on_bar(b, &bar(1, 70_100.0, 70_300.0, 70_000.0, 70_200.0))
        .expect("bar");
    assert!(ex.fills().is_empty(), "still in flight during bar 1");
    assert!(ex.position_amt(b).is_zero());
    ex.on_bar(b, &bar(2, 70_500.0, 70_600.0, 70_400.0, 70_550.0))
        .expect("bar");
    let f = &ex.fills()[0];
    assert_eq!(
        (f.price.get(), f.time.0),
        (dec!(70500), close_of(0) + 90_000)
    );
    assert_eq!(ex.position_amt(b), dec!(0.01));
}

#[test]
fn a_limit_order_in_flight_misses_the_bars_before_it_arrives() {
    let limit = OrderRequest::limit("BTCUSDT", Side::Buy, dec!(0.01), dec!(69_900));
    for (ms, filled_in_bar_1) in [(0, true), (30_000, true), (61_000, false)] {
        let mut ex = exchange(with_latency(ms, MarketFill::NextOpen));
        let b = btc(&ex);
        ex.on_bar(b, &flat(0, 70_000.0)).expect("bar");
        let o = ex.submit(&limit).expect("accepted");
        assert_eq!(o.status, OrderStatus::New);
        ex.on_bar(b, &bar(1, 70_000.0, 70_050.0, 69_800.0, 70_000.0))
            .expect("bar");
        assert_eq!(ex.fills().len() == 1, filled_in_bar_1, "delay {ms} ms");
        if !filled_in_bar_1 {
            // Bar 2 does not reach the limit: it rests on the book and can be canceled.
            ex.on_bar(b, &flat(2, 70_000.0)).expect("bar");
            assert!(ex.fills().is_empty());
            let q = ex
                .cancel("BTCUSDT", &OrderRef::Id(o.order_id))
                .expect("cancel");
            assert_eq!(q.status, OrderStatus::Canceled);
        }
    }
}

#[test]
fn a_limit_that_crosses_the_open_it_arrives_at_takes_there_and_ioc_post_only_expire() {
    // The market gaps down under a BUY limit while the order is in flight.
    let arrive = |tif: TimeInForce| {
        let mut ex = exchange(with_latency(90_000, MarketFill::NextOpen));
        let b = btc(&ex);
        ex.on_bar(b, &flat(0, 70_000.0)).expect("bar");
        let req = OrderRequest::limit("BTCUSDT", Side::Buy, dec!(0.01), dec!(69_900))
            .with_time_in_force(tif);
        let o = ex.submit(&req).expect("accepted");
        ex.on_bar(b, &flat(1, 70_000.0)).expect("bar");
        ex.on_bar(b, &bar(2, 69_500.0, 69_600.0, 69_400.0, 69_550.0))
            .expect("bar");
        let q = ex.query("BTCUSDT", &OrderRef::Id(o.order_id)).expect("q");
        (
            q.status,
            ex.fills().first().map(|f| (f.price.get(), f.is_maker)),
        )
    };
    assert_eq!(
        arrive(TimeInForce::Gtc),
        (OrderStatus::Filled, Some((dec!(69500), false))),
        "taker at the open, better than the limit"
    );
    assert_eq!(arrive(TimeInForce::Gtx), (OrderStatus::Expired, None));
    // Not crossing when it arrives: IOC expires, GTC rests.
    let mut ex = exchange(with_latency(90_000, MarketFill::NextOpen));
    let b = btc(&ex);
    ex.on_bar(b, &flat(0, 70_000.0)).expect("bar");
    let req = OrderRequest::limit("BTCUSDT", Side::Buy, dec!(0.01), dec!(69_900))
        .with_time_in_force(TimeInForce::Ioc);
    let ioc = ex.submit(&req).expect("accepted");
    ex.on_bar(b, &flat(1, 70_000.0)).expect("bar");
    ex.on_bar(b, &flat(2, 70_000.0)).expect("bar");
    let q = ex.query("BTCUSDT", &OrderRef::Id(ioc.order_id)).expect("q");
    assert_eq!(q.status, OrderStatus::Expired);
}

#[test]
fn a_stop_in_flight_cannot_trigger_before_it_arrives() {
    let mut ex = exchange(with_latency(61_000, MarketFill::CurrentClose));
    let b = btc(&ex);
    ex.on_bar(b, &flat(0, 70_000.0)).expect("bar");
    ex.submit(&buy(dec!(0.01))).expect("entry");
    ex.on_bar(b, &flat(1, 70_000.0)).expect("bar");
    ex.on_bar(b, &flat(2, 70_000.0)).expect("bar");
    assert_eq!(ex.position_amt(b), dec!(0.01), "entry arrived in bar 2");
    let sl = OrderRequest::conditional(
        "BTCUSDT",
        Side::Sell,
        OrderType::StopMarket,
        dec!(0.01),
        dec!(69_000),
    );
    ex.submit(&sl).expect("stop accepted");
    // Bar 3 falls through the stop while it is in flight; bar 4 falls again after it arrived.
    ex.on_bar(b, &bar(3, 70_000.0, 70_000.0, 68_500.0, 69_500.0))
        .expect("bar");
    assert_eq!(
        ex.position_amt(b),
        dec!(0.01),
        "not on the book during bar 3"
    );
    ex.on_bar(b, &bar(4, 69_500.0, 69_500.0, 68_800.0, 69_100.0))
        .expect("bar");
    assert!(ex.position_amt(b).is_zero());
    assert_eq!(ex.fills()[1].price.get(), dec!(69000));
}

#[test]
fn sampled_delays_are_seeded_and_leave_the_slippage_draws_alone() {
    let cfg = |samples: Vec<u32>, seed: u64| SimConfig {
        seed,
        slippage: SlippageModel::BarRange {
            fraction: dec!(0.5),
        },
        latency: LatencyConfig {
            samples_ms: samples,
            source: "test".into(),
            ..LatencyConfig::default()
        },
        ..SimConfig::default()
    };
    let run = |c: SimConfig| {
        let mut ex = exchange(c);
        let b = btc(&ex);
        ex.on_bar(b, &flat(0, 70_000.0)).expect("bar");
        for k in 1..=40 {
            ex.submit(&buy(dec!(0.002))).expect("accepted");
            let o = 70_000.0 + k as f64;
            ex.on_bar(b, &bar(k, o, o + 100.0, o - 100.0, o))
                .expect("bar");
        }
        ex.fills().to_vec()
    };
    let a = run(cfg(vec![10, 20_000, 50_000], 3));
    assert_eq!(
        a,
        run(cfg(vec![10, 20_000, 50_000], 3)),
        "same seed, same fills"
    );
    let delays: Vec<i64> = a
        .iter()
        .enumerate()
        .map(|(k, f)| f.time.0 - close_of(k as i64))
        .collect();
    assert!(
        delays.iter().all(|d| [10, 20_000, 50_000].contains(d)),
        "{delays:?}"
    );
    assert!(
        delays.contains(&10) && delays.contains(&50_000),
        "{delays:?}"
    );
    // Prices: the same slippage draws as without latency (delays < a bar keep every fill in its bar).
    let plain: Vec<_> = run(cfg(vec![], 3)).iter().map(|f| f.price).collect();
    let prices: Vec<_> = a.iter().map(|f| f.price).collect();
    assert_eq!(prices, plain);
}
