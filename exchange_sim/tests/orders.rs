//! Order behaviour: each fill rule of the crate doc's "Assumptions of the simulation" and each
//! stateful Binance rejection, one test apiece.

mod common;

use common::*;
use exchange_sim::orders::{ALGO_ID_OFFSET, is_algo_id};
use exchange_sim::{IntrabarPath, LimitFill, MarginMode, MarketFill, SimConfig, SlippageModel};
use pipeline::exchange_info::{MarketContext, check_order};
use pipeline::order::{OrderRequest, OrderType, Side, TimeInForce};
use pipeline::venue::{OrderRef, OrderStatus, Venue, VenueEvent};
use pipeline::{Bar, Price, Symbol};
use rust_decimal::Decimal;
use rust_decimal_macros::dec;

fn now_cfg() -> SimConfig {
    SimConfig {
        market_fill: MarketFill::CurrentClose,
        ..SimConfig::default()
    }
}

fn limit(side: Side, qty: Decimal, price: Decimal) -> OrderRequest {
    OrderRequest::limit("BTCUSDT", side, qty, price)
}

fn stop(kind: OrderType, side: Side, qty: Decimal, at: Decimal) -> OrderRequest {
    OrderRequest::conditional("BTCUSDT", side, kind, qty, at)
}

#[test]
fn market_fills_at_the_next_open_as_taker_and_cannot_be_canceled() {
    let mut ex = exchange(SimConfig::default());
    let b = btc(&ex);
    ex.on_bar(b, &flat(0, 70_000.0)).expect("bar");
    let o = ex
        .submit(&OrderRequest::market("BTCUSDT", Side::Buy, dec!(0.01)))
        .expect("accepted");
    assert_eq!(o.status, OrderStatus::New);
    assert_eq!(code(ex.cancel("BTCUSDT", &OrderRef::Id(o.order_id))), -2011);
    ex.on_bar(b, &bar(1, 70_100.0, 70_300.0, 70_000.0, 70_200.0))
        .expect("bar");
    let f = &ex.fills()[0];
    assert_eq!((f.price.get(), f.is_maker), (dec!(70100), false));
    assert_eq!(f.time, bar(1, 0., 0., 0., 0.).open_time);
    assert_eq!(f.fee, dec!(0.3505)); // 701 x 0.0005
    let q = ex.query("BTCUSDT", &OrderRef::Id(o.order_id)).expect("q");
    assert_eq!(q.status, OrderStatus::Filled);
    assert_eq!(q.avg_price, Price::new(dec!(70100)).ok());
}

#[test]
fn market_in_current_close_mode_fills_now_with_fixed_slippage_inside_the_bar() {
    let cfg = SimConfig {
        slippage: SlippageModel::FixedBps { bps: dec!(10) },
        ..now_cfg()
    };
    let mut ex = exchange(cfg);
    let b = btc(&ex);
    ex.on_bar(b, &bar(0, 69_950.0, 70_050.0, 69_900.0, 70_000.0))
        .expect("bar");
    // 70,000 + 10 bps = 70,070, above the bar's high 70,050: clamped to 70,050.
    let o = ex
        .submit(&OrderRequest::market("BTCUSDT", Side::Buy, dec!(0.01)))
        .expect("filled");
    assert_eq!(o.status, OrderStatus::Filled);
    assert_eq!(o.avg_price, Price::new(dec!(70050)).ok());
    // A SELL: 70,000 - 70 = 69,930, inside the range.
    ex.submit(&OrderRequest::market("BTCUSDT", Side::Sell, dec!(0.01)))
        .expect("filled");
    assert_eq!(ex.fills()[1].price.get(), dec!(69930));
}

#[test]
fn limit_trade_through_versus_touch() {
    for (rule, fills) in [(LimitFill::TradeThrough, false), (LimitFill::Touch, true)] {
        let cfg = SimConfig {
            limit_fill: rule,
            ..SimConfig::default()
        };
        let mut ex = exchange(cfg);
        let b = btc(&ex);
        ex.on_bar(b, &flat(0, 70_000.0)).expect("bar");
        ex.submit(&limit(Side::Buy, dec!(0.01), dec!(69900)))
            .expect("rests");
        ex.on_bar(b, &bar(1, 70_000.0, 70_000.0, 69_900.0, 69_950.0))
            .expect("bar");
        assert_eq!(!ex.fills().is_empty(), fills, "{rule:?}");
        if fills {
            let f = &ex.fills()[0];
            assert_eq!((f.price.get(), f.is_maker), (dec!(69900), true));
            assert_eq!(f.fee, dec!(0.1398)); // 699 x 0.0002
        }
        ex.on_bar(b, &bar(2, 69_950.0, 69_950.0, 69_899.9, 69_950.0))
            .expect("bar");
        assert_eq!(ex.fills().len(), 1);
    }
}

#[test]
fn a_limit_the_price_gapped_through_fills_inside_the_bar() {
    let mut ex = exchange(SimConfig::default());
    let b = btc(&ex);
    ex.on_bar(b, &flat(0, 70_000.0)).expect("bar");
    ex.submit(&limit(Side::Buy, dec!(0.01), dec!(69900)))
        .expect("rests");
    // The whole bar is below 69,900: filled at its high, the nearest price to the limit.
    ex.on_bar(b, &bar(1, 69_800.0, 69_850.0, 69_700.0, 69_750.0))
        .expect("bar");
    assert_eq!(ex.fills()[0].price.get(), dec!(69850));
}

#[test]
fn time_in_force_rules() {
    let mut ex = exchange(SimConfig::default());
    let b = btc(&ex);
    ex.on_bar(b, &bar(0, 69_900.0, 70_100.0, 69_800.0, 70_000.0))
        .expect("bar");
    let gtx = limit(Side::Buy, dec!(0.01), dec!(70000)).with_time_in_force(TimeInForce::Gtx);
    let e = ex.submit(&gtx).expect_err("would take");
    assert_eq!(
        (e.code, e.msg.as_str()),
        (
            -5022,
            "Due to the order could not be executed as maker, the Post Only order will be rejected."
        )
    );
    let gtx_ok = limit(Side::Buy, dec!(0.01), dec!(69999.9)).with_time_in_force(TimeInForce::Gtx);
    assert_eq!(ex.submit(&gtx_ok).expect("rests").status, OrderStatus::New);
    let fok = limit(Side::Sell, dec!(0.01), dec!(70000.1)).with_time_in_force(TimeInForce::Fok);
    assert_eq!(code(ex.submit(&fok)), -5021);
    let ioc = limit(Side::Sell, dec!(0.01), dec!(70000.1)).with_time_in_force(TimeInForce::Ioc);
    assert_eq!(
        ex.submit(&ioc).expect("expired").status,
        OrderStatus::Expired
    );
    // Marketable: fills now at the close (better than the limit) as taker.
    let fok = limit(Side::Buy, dec!(0.01), dec!(70050)).with_time_in_force(TimeInForce::Fok);
    let o = ex.submit(&fok).expect("filled");
    assert_eq!(o.status, OrderStatus::Filled);
    assert_eq!(o.avg_price, Price::new(dec!(70000)).ok());
    assert!(!ex.fills()[0].is_maker);
}

#[test]
fn conditional_orders_that_would_trigger_now_are_rejected() {
    let mut ex = exchange(SimConfig::default());
    let b = btc(&ex);
    ex.on_bar(b, &flat(0, 70_000.0)).expect("bar");
    let cases = [
        (OrderType::StopMarket, Side::Buy, dec!(70000), -2021),
        (OrderType::StopMarket, Side::Buy, dec!(70000.1), 0),
        (OrderType::StopMarket, Side::Sell, dec!(70000), -2021),
        (OrderType::StopMarket, Side::Sell, dec!(69999.9), 0),
        (OrderType::TakeProfitMarket, Side::Buy, dec!(70000.1), -2021),
        (OrderType::TakeProfitMarket, Side::Buy, dec!(69000), 0),
        (OrderType::TakeProfitMarket, Side::Sell, dec!(69000), -2021),
        (OrderType::TakeProfitMarket, Side::Sell, dec!(71000), 0),
    ];
    for (kind, side, at, want) in cases {
        let got = code(ex.submit(&stop(kind, side, dec!(0.01), at)));
        assert_eq!(got, want, "{kind} {side} {at}");
    }
    let e = ex
        .submit(&stop(
            OrderType::StopMarket,
            Side::Buy,
            dec!(0.01),
            dec!(69000),
        ))
        .expect_err("x");
    assert_eq!(e.msg, "Order would immediately trigger.");
}

#[test]
fn reduce_only_needs_an_opposite_position() {
    let mut ex = exchange(now_cfg());
    let b = btc(&ex);
    ex.on_bar(b, &flat(0, 70_000.0)).expect("bar");
    let ro = OrderRequest::market("BTCUSDT", Side::Sell, dec!(0.01)).with_reduce_only(true);
    let e = ex.submit(&ro).expect_err("flat");
    assert_eq!(
        (e.code, e.msg.as_str()),
        (-2022, "ReduceOnly Order is rejected.")
    );
    ex.submit(&OrderRequest::market("BTCUSDT", Side::Buy, dec!(0.01)))
        .expect("long");
    let same = OrderRequest::market("BTCUSDT", Side::Buy, dec!(0.01)).with_reduce_only(true);
    assert_eq!(code(ex.submit(&same)), -2022);
    // A reduce-only order larger than the position closes it; the rest expires.
    let big = limit(Side::Sell, dec!(0.02), dec!(70100)).with_reduce_only(true);
    ex.submit(&big).expect("rests");
    ex.on_bar(b, &bar(1, 70_000.0, 70_200.0, 70_000.0, 70_150.0))
        .expect("bar");
    assert_eq!(ex.position_amt(b), dec!(0));
    let o = ex.open_orders(None);
    assert!(o.is_empty());
    let last = ex.fills().last().expect("fill");
    assert_eq!(last.qty.get(), dec!(0.01));
    let states: Vec<OrderStatus> = ex
        .take_events()
        .iter()
        .filter_map(|e| match e {
            VenueEvent::OrderUpdate(s) if s.orig_qty.get() == dec!(0.02) => Some(s.status),
            _ => None,
        })
        .collect();
    assert_eq!(
        states,
        vec![
            OrderStatus::New,
            OrderStatus::PartiallyFilled,
            OrderStatus::Expired
        ]
    );
}

#[test]
fn duplicate_client_ids_and_the_open_order_limit() {
    let mut ex = exchange(SimConfig::default());
    let b = btc(&ex);
    ex.on_bar(b, &flat(0, 70_000.0)).expect("bar");
    let named = limit(Side::Buy, dec!(0.002), dec!(60000)).with_client_order_id("my-1");
    ex.submit(&named).expect("first");
    let e = ex.submit(&named).expect_err("dup");
    assert_eq!(
        (e.code, e.msg.as_str()),
        (-4116, "clientOrderId is duplicated")
    );
    let c = ex
        .cancel("BTCUSDT", &OrderRef::ClientId("my-1".into()))
        .expect("canceled");
    assert_eq!(c.status, OrderStatus::Canceled);
    ex.submit(&named).expect("free again");
    // MAX_NUM_ORDERS is 200 for BTCUSDT; the named order is one of them.
    for _ in 0..199 {
        ex.submit(&limit(Side::Buy, dec!(0.002), dec!(60000)))
            .expect("room");
    }
    let e = ex
        .submit(&limit(Side::Buy, dec!(0.002), dec!(60000)))
        .expect_err("full");
    assert_eq!(
        (e.code, e.msg.as_str()),
        (-2025, "Reach max open order limit.")
    );
    assert_eq!(ex.cancel_all_orders("BTCUSDT"), Ok(200));
    assert!(ex.open_orders(Some(b)).is_empty());
}

#[test]
fn leverage_margin_and_max_position() {
    let mut ex = exchange(SimConfig::default());
    let b = btc(&ex);
    ex.on_bar(b, &flat(0, 70_000.0)).expect("bar");
    for bad in [0, 126] {
        let e = ex.set_leverage("BTCUSDT", bad).expect_err("bad");
        assert_eq!(e.code, -4028);
        assert_eq!(e.msg, format!("Leverage {bad} is not valid"));
    }
    // 20x: 1 BTC needs 3,500 of the 10,000; 10 BTC would need 35,000.
    let e = ex
        .submit(&OrderRequest::market("BTCUSDT", Side::Buy, dec!(10)))
        .expect_err("margin");
    assert_eq!((e.code, e.msg.as_str()), (-2019, "Margin is insufficient."));
    // 125x allows 50,000 of notional: 1 BTC at 70,000 is too much.
    ex.set_leverage("BTCUSDT", 125).expect("ok");
    assert_eq!(
        code(ex.submit(&OrderRequest::market("BTCUSDT", Side::Buy, dec!(1)))),
        -2027
    );
    assert_eq!(
        code(ex.submit(&OrderRequest::market("BTCUSDT", Side::Buy, dec!(0.7)))),
        0
    );
}

#[test]
fn conditional_orders_are_algo_orders_that_fill_at_the_stop_or_the_gap() {
    let mut ex = exchange(now_cfg());
    let b = btc(&ex);
    ex.on_bar(b, &flat(0, 70_000.0)).expect("bar");
    ex.submit(&OrderRequest::market("BTCUSDT", Side::Buy, dec!(0.02)))
        .expect("long");
    let sl = ex
        .submit(
            &stop(OrderType::StopMarket, Side::Sell, dec!(0.01), dec!(69500))
                .with_reduce_only(true),
        )
        .expect("sl");
    assert!(is_algo_id(sl.order_id) && sl.order_id > ALGO_ID_OFFSET);
    let sl2 = ex
        .submit(
            &stop(OrderType::StopMarket, Side::Sell, dec!(0.01), dec!(69000))
                .with_reduce_only(true),
        )
        .expect("sl2");
    // Bar 1 reaches 69,500: the first stop fills at its price, as taker.
    ex.on_bar(b, &bar(1, 69_900.0, 69_950.0, 69_400.0, 69_600.0))
        .expect("bar");
    let f = ex.fills().last().expect("fill");
    assert_eq!(
        (f.order_id, f.price.get(), f.is_maker),
        (sl.order_id, dec!(69500), false)
    );
    let actual = ex.actual_order_id(sl.order_id).expect("actual order");
    assert!(!is_algo_id(actual));
    let a = ex.query("BTCUSDT", &OrderRef::Id(actual)).expect("actual");
    assert_eq!(
        (a.order_type, a.status),
        (OrderType::Market, OrderStatus::Filled)
    );
    // Bar 2 opens at 68,800, below the second stop: filled at the open.
    ex.on_bar(b, &bar(2, 68_800.0, 68_900.0, 68_700.0, 68_850.0))
        .expect("bar");
    let f = ex.fills().last().expect("fill");
    assert_eq!((f.order_id, f.price.get()), (sl2.order_id, dec!(68800)));
    assert_eq!(ex.position_amt(b), dec!(0));
}

#[test]
fn close_position_closes_everything_when_it_triggers() {
    let mut ex = exchange(now_cfg());
    let b = btc(&ex);
    ex.on_bar(b, &flat(0, 70_000.0)).expect("bar");
    ex.submit(&OrderRequest::market("BTCUSDT", Side::Buy, dec!(0.03)))
        .expect("long");
    let mut req = stop(
        OrderType::TakeProfitMarket,
        Side::Sell,
        dec!(0),
        dec!(71000),
    );
    req.quantity = None;
    req.close_position = true;
    let tp = ex.submit(&req).expect("tp");
    ex.on_bar(b, &bar(1, 70_000.0, 71_200.0, 70_000.0, 71_100.0))
        .expect("bar");
    assert_eq!(ex.position_amt(b), dec!(0));
    let q = ex.query("BTCUSDT", &OrderRef::Id(tp.order_id)).expect("tp");
    assert_eq!(
        (q.status, q.executed_qty.get()),
        (OrderStatus::Filled, dec!(0.03))
    );
}

fn both_hit(rule: IntrabarPath) -> (Decimal, OrderStatus) {
    let (exit, status, _) = both_hit_counted(rule, bar(1, 70_000.0, 71_500.0, 68_500.0, 68_800.0));
    (exit, status)
}

/// A long with its stop at 69,000 and take-profit at 71,000, then `b`: the exit's price, the
/// take-profit's status and the bars the intrabar rule decided.
fn both_hit_counted(rule: IntrabarPath, bar_in: Bar) -> (Decimal, OrderStatus, u64) {
    let cfg = SimConfig {
        intrabar: rule,
        ..now_cfg()
    };
    let mut ex = exchange(cfg);
    let b = btc(&ex);
    ex.on_bar(b, &flat(0, 70_000.0)).expect("bar");
    ex.submit(&OrderRequest::market("BTCUSDT", Side::Buy, dec!(0.01)))
        .expect("long");
    let sl =
        stop(OrderType::StopMarket, Side::Sell, dec!(0.01), dec!(69000)).with_reduce_only(true);
    let tp = stop(
        OrderType::TakeProfitMarket,
        Side::Sell,
        dec!(0.01),
        dec!(71000),
    )
    .with_reduce_only(true);
    ex.submit(&sl).expect("sl");
    let tp = ex.submit(&tp).expect("tp");
    // Before: no bar reached orders on both sides.
    assert_eq!(ex.intrabar_bars_by_rule(), 0);
    ex.on_bar(b, &bar_in).expect("bar");
    let exit = ex.fills().last().expect("exit").price.get();
    let tp_status = ex
        .query("BTCUSDT", &OrderRef::Id(tp.order_id))
        .expect("tp")
        .status;
    (exit, tp_status, ex.intrabar_bars_by_rule())
}

#[test]
fn stop_and_take_profit_in_one_bar() {
    // Pessimistic (default): the stop first; the take-profit then has nothing to reduce.
    assert_eq!(
        both_hit(IntrabarPath::Pessimistic),
        (dec!(69000), OrderStatus::Expired)
    );
    // Bar direction: a down bar goes open -> high -> low, so the take-profit comes first.
    assert_eq!(
        both_hit(IntrabarPath::BarDirection),
        (dec!(71000), OrderStatus::Filled)
    );
    // Optimistic: the long sees the high first whatever the bar's direction.
    assert_eq!(
        both_hit(IntrabarPath::Optimistic),
        (dec!(71000), OrderStatus::Filled)
    );
    // Open nearest: the low (1,500 away) ties the high (1,500): the bar's direction (down:
    // high first); a bar whose low is nearer the open sees the low first.
    assert_eq!(
        both_hit(IntrabarPath::OpenNearest),
        (dec!(71000), OrderStatus::Filled)
    );
    let near_low = bar(1, 70_000.0, 71_500.0, 68_900.0, 71_200.0);
    let (exit, tp, _) = both_hit_counted(IntrabarPath::OpenNearest, near_low);
    assert_eq!((exit, tp), (dec!(69000), OrderStatus::Expired));
    let (exit, tp, _) = both_hit_counted(IntrabarPath::Pessimistic, near_low);
    assert_eq!((exit, tp), (dec!(69000), OrderStatus::Expired));
    let (exit, _, _) = both_hit_counted(IntrabarPath::Optimistic, near_low);
    assert_eq!(exit, dec!(71000));
}

#[test]
fn a_bar_reaching_orders_on_both_sides_is_counted_as_decided_by_the_rule() {
    for rule in [IntrabarPath::Pessimistic, IntrabarPath::Optimistic] {
        let both = bar(1, 70_000.0, 71_500.0, 68_500.0, 68_800.0);
        assert_eq!(both_hit_counted(rule, both).2, 1, "{rule:?}");
        // Only the stop's side reached: the data decided, not the rule.
        let one_side = bar(1, 70_000.0, 70_500.0, 68_500.0, 68_800.0);
        assert_eq!(both_hit_counted(rule, one_side).2, 0, "{rule:?}");
        // A gap through the stop at the open: decided at the open, not by the path.
        let gap = bar(1, 68_700.0, 71_500.0, 68_500.0, 68_800.0);
        assert_eq!(both_hit_counted(rule, gap).2, 0, "{rule:?}");
    }
}

#[test]
fn participation_caps_maker_fills_per_bar() {
    let cfg = SimConfig {
        max_participation: Some(dec!(0.1)),
        ..SimConfig::default()
    };
    let mut ex = exchange(cfg);
    let b = btc(&ex);
    ex.on_bar(b, &flat(0, 70_000.0)).expect("bar");
    let o = ex
        .submit(&limit(Side::Buy, dec!(0.01), dec!(69900)))
        .expect("rests");
    // Volume 0.05 BTC: at most 0.005 per bar.
    let mut thin = bar(1, 70_000.0, 70_000.0, 69_800.0, 69_950.0);
    thin.volume = 0.05;
    ex.on_bar(b, &thin).expect("bar");
    let q = ex.query("BTCUSDT", &OrderRef::Id(o.order_id)).expect("q");
    assert_eq!(
        (q.status, q.executed_qty.get()),
        (OrderStatus::PartiallyFilled, dec!(0.005))
    );
    thin.open_time = bar(2, 0., 0., 0., 0.).open_time;
    ex.on_bar(b, &thin).expect("bar");
    let q = ex.query("BTCUSDT", &OrderRef::Id(o.order_id)).expect("q");
    assert_eq!(
        (q.status, q.executed_qty.get()),
        (OrderStatus::Filled, dec!(0.01))
    );
}

#[test]
fn a_triggered_order_without_margin_is_rejected() {
    let mut ex = exchange(SimConfig::default());
    let b = btc(&ex);
    ex.on_bar(b, &flat(0, 70_000.0)).expect("bar");
    // No margin check before the trigger: 5 BTC at 20x needs 17,500 > 10,000.
    let o = ex
        .submit(&stop(
            OrderType::StopMarket,
            Side::Buy,
            dec!(5),
            dec!(70500),
        ))
        .expect("accepted");
    ex.on_bar(b, &bar(1, 70_000.0, 70_600.0, 70_000.0, 70_550.0))
        .expect("bar");
    let q = ex.query("BTCUSDT", &OrderRef::Id(o.order_id)).expect("q");
    assert_eq!(q.status, OrderStatus::Rejected);
    assert!(ex.fills().is_empty());
}

#[test]
fn margin_mode_changes_follow_binance() {
    let mut ex = exchange(now_cfg());
    let b = btc(&ex);
    ex.on_bar(b, &flat(0, 70_000.0)).expect("bar");
    assert_eq!(
        code(ex.set_margin_mode("BTCUSDT", MarginMode::Cross)),
        -4046
    );
    ex.submit(&limit(Side::Buy, dec!(0.01), dec!(60000)))
        .expect("rests");
    assert_eq!(
        code(ex.set_margin_mode("BTCUSDT", MarginMode::Isolated)),
        -4047
    );
    ex.cancel_all_orders("BTCUSDT").expect("canceled");
    ex.submit(&OrderRequest::market("BTCUSDT", Side::Buy, dec!(0.01)))
        .expect("long");
    assert_eq!(
        code(ex.set_margin_mode("BTCUSDT", MarginMode::Isolated)),
        -4048
    );
    assert_eq!(ex.margin_mode(b), Some(MarginMode::Cross));
}

#[test]
fn no_price_yet_and_unknown_orders() {
    let mut ex = exchange(SimConfig::default());
    // Before any bar the clock is at the beginning of time: nothing is listed yet.
    let req = OrderRequest::market("BTCUSDT", Side::Buy, dec!(0.01));
    assert_eq!(code(ex.submit(&req)), -1121);
    // Listed (the ETHUSDT bar moved the clock) but no BTCUSDT bar seen: no price to check with.
    let eth = ex.symbol_id("ETHUSDT").expect("eth");
    ex.on_bar(eth, &flat(0, 3_000.0)).expect("bar");
    let e = ex.submit(&req).expect_err("no bar yet");
    assert_eq!(e.code, -1000);
    assert!(e.msg.contains("feed a bar"));
    assert_eq!(code(ex.cancel("BTCUSDT", &OrderRef::Id(42))), -2011);
    assert_eq!(code(ex.query("BTCUSDT", &OrderRef::Id(42))), -2013);
    assert_eq!(code(ex.cancel("WAVESUSDT", &OrderRef::Id(1))), -1121);
}

#[test]
fn the_venue_trait_places_checked_orders() {
    let mut ex = exchange(now_cfg());
    let b = btc(&ex);
    ex.on_bar(b, &flat(0, 70_000.0)).expect("bar");
    let sym = Symbol::new("BTCUSDT").expect("sym");
    let spec = Venue::symbol_spec(&ex, &sym).expect("spec");
    let mark = Venue::mark_price(&ex, &sym).expect("mark");
    let req = OrderRequest::market("BTCUSDT", Side::Buy, dec!(0.01));
    let checked = check_order(Some(&spec), &req, &MarketContext::at_mark(mark)).expect("checked");
    let o = ex.place_order(&checked).expect("placed");
    assert_eq!(o.status, OrderStatus::Filled);
    let pos = ex.positions().expect("positions");
    assert_eq!(pos.len(), 1);
    assert_eq!(pos[0].position_amt, dec!(0.01));
    let bal = ex.balance().expect("balance");
    assert_eq!(bal.wallet_balance, dec!(10000) - dec!(0.35));
    let events = ex.drain_events().expect("events");
    assert!(events.iter().any(|e| matches!(e, VenueEvent::Fill(_))));
    assert!(Venue::set_leverage(&mut ex, &sym, 200).is_err());
    assert_eq!(Venue::now(&ex), ex.now());
    let _ = b;
}

#[test]
fn bars_out_of_order_and_malformed_bars_are_errors() {
    let mut ex = exchange(SimConfig::default());
    let b = btc(&ex);
    ex.on_bar(b, &flat(1, 70_000.0)).expect("bar");
    let e = ex.on_bar(b, &flat(1, 70_000.0)).expect_err("repeat");
    assert!(e.to_string().contains("time order"));
    let e = ex
        .on_bar(b, &bar(2, 70_000.0, 69_000.0, 68_000.0, 68_500.0))
        .expect_err("high < open");
    assert!(e.to_string().contains("malformed"));
    assert!(ex.on_bar(b, &bar(3, f64::NAN, 1.0, 1.0, 1.0)).is_err());
}

/// An order checked against this exchange's own shared spec and its current mark is taken as
/// checked; once the mark has moved (a new bar) the exchange checks it again, and the band of
/// PERCENT_PRICE at the new mark refuses a limit that was fine before (-4016).
#[test]
fn a_stale_check_is_checked_again_at_the_venue() {
    use pipeline::exchange_info::check_order_shared;
    let place = |move_market: bool| {
        let mut ex = exchange(SimConfig::default());
        let b = btc(&ex);
        ex.on_bar(b, &flat(0, 70_000.0)).expect("bar");
        let spec = ex.spec(b).expect("listed");
        let mark = ex.mark(b).expect("mark");
        let req = limit(Side::Buy, dec!(0.01), dec!(69_000));
        let checked = check_order_shared(spec, &req, &MarketContext::at_mark(mark)).expect("ok");
        assert!(checked.checked_against(spec, &MarketContext::at_mark(mark)));
        if move_market {
            ex.on_bar(b, &flat(1, 60_000.0)).expect("bar");
        }
        Venue::place_order(&mut ex, &checked).map(|s| s.status)
    };
    assert_eq!(place(false).expect("accepted"), OrderStatus::New);
    match place(true) {
        Err(pipeline::venue::VenueError::Rejected(r)) => assert_eq!(r.code, -4016, "{r:?}"),
        other => panic!("expected -4016, got {other:?}"),
    }
}
