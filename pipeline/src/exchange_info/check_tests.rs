//! Unit and property tests of the order check: every Binance code it answers, and the reports'
//! own numbers.

use proptest::prelude::*;
use rust_decimal::Decimal;
use rust_decimal_macros::dec;

use super::check::{decimals, is_multiple, on_grid};
use super::*;
use crate::domain::Price;
use crate::order::{OrderRequest, OrderType, Side, TimeInForce};

fn btc() -> SymbolSpec {
    snapshot(Environment::Mainnet)
        .expect("snapshot")
        .get("BTCUSDT")
        .expect("btc")
        .clone()
}

fn mark(p: Decimal) -> MarketContext {
    MarketContext::at_mark(Price::new(p).expect("mark"))
}

fn code(spec: Option<&SymbolSpec>, req: &OrderRequest, m: Decimal) -> i32 {
    match check_order(spec, req, &mark(m)) {
        Ok(_) => 0,
        Err(r) => r.code,
    }
}

#[test]
fn waves_is_listed_on_neither_environment() {
    let req = OrderRequest::market("WAVESUSDT", Side::Buy, dec!(149.756));
    for env in [Environment::Mainnet, Environment::Testnet] {
        let info = snapshot(env).expect("snapshot");
        let err = info.check(&req, &mark(dec!(1.5))).expect_err("not listed");
        assert_eq!((err.code, err.msg.as_str()), (-1121, "Invalid symbol."));
    }
}

#[test]
fn reports_min_notional_case_and_reduce_only_exemption() {
    let spec = btc();
    let sell = OrderRequest::market("BTCUSDT", Side::Sell, dec!(0.001));
    let err = check_order(Some(&spec), &sell, &mark(dec!(70610))).expect_err("70.61 < 100");
    assert_eq!(err.code, -4164);
    assert_eq!(
        err.msg,
        "Order's notional must be no smaller than 100 (unless you choose reduce only)."
    );
    let reduce = sell.clone().with_reduce_only(true);
    let ok = check_order(Some(&spec), &reduce, &mark(dec!(70610))).expect("reduce-only exempt");
    assert_eq!(ok.notional().get(), dec!(70.610));
}

#[test]
fn reports_0_0007_btc_is_refused_by_precision_first() {
    let req = OrderRequest::market("BTCUSDT", Side::Buy, dec!(0.0007));
    assert_eq!(code(Some(&btc()), &req, dec!(100000)), -1111);
}

#[test]
fn every_filter_code() {
    let s = btc();
    let m = dec!(70000);
    let lim = |q, p| OrderRequest::limit("BTCUSDT", Side::Buy, q, p);
    let cases: Vec<(OrderRequest, i32)> = vec![
        (OrderRequest::market("WAVESUSDT", Side::Buy, dec!(1)), -1121),
        (
            OrderRequest::market("BTCUSDT", Side::Buy, dec!(0.0001)),
            -1111,
        ),
        (lim(dec!(0.01), dec!(70000.123)), -1111),
        (OrderRequest::market("BTCUSDT", Side::Buy, dec!(0)), -4003),
        (OrderRequest::market("BTCUSDT", Side::Buy, dec!(-1)), -4003),
        (lim(dec!(1), dec!(500)), -4013),
        (lim(dec!(1), dec!(5000000)), -4002),
        (lim(dec!(0.01), dec!(70000.15)), -4014),
        (lim(dec!(1001), dec!(70000)), -4005),
        (OrderRequest::market("BTCUSDT", Side::Buy, dec!(121)), -4005),
        (lim(dec!(0.01), dec!(73500.1)), -4016),
        (
            OrderRequest::limit("BTCUSDT", Side::Sell, dec!(0.01), dec!(66499.9)),
            -4024,
        ),
        (lim(dec!(0.001), dec!(70000)), -4164),
        (lim(dec!(0.01), dec!(70000)), 0),
        (lim(dec!(1000), dec!(70000)), 0),
        (OrderRequest::market("BTCUSDT", Side::Buy, dec!(120)), 0),
    ];
    let info = snapshot(Environment::Mainnet).expect("snapshot");
    for (req, want) in cases {
        let got = info.check(&req, &mark(m)).map_or_else(|r| r.code, |_| 0);
        assert_eq!(got, want, "{req:?}");
    }
    assert_eq!(
        code(
            Some(&s),
            &OrderRequest::market("BTCUSDT", Side::Buy, dec!(0.01)),
            m
        ),
        0
    );
}

#[test]
fn lot_codes_with_a_coarser_grid() {
    let mut s = btc();
    s.lot_size.min_qty = dec!(0.010);
    s.lot_size.step_size = dec!(0.005);
    let req = |q| OrderRequest::limit("BTCUSDT", Side::Buy, q, dec!(70000));
    assert_eq!(code(Some(&s), &req(dec!(0.005)), dec!(70000)), -4004);
    assert_eq!(code(Some(&s), &req(dec!(0.012)), dec!(70000)), -4023);
    assert_eq!(code(Some(&s), &req(dec!(0.015)), dec!(70000)), 0);
}

#[test]
fn market_counter_price_outside_band_is_4131() {
    let s = btc();
    let req = OrderRequest::market("BTCUSDT", Side::Buy, dec!(0.01));
    let ctx = MarketContext {
        mark_price: Price::new(dec!(70000)).expect("p"),
        counter_price: Some(Price::new(dec!(73600)).expect("p")),
    };
    assert_eq!(
        check_order(Some(&s), &req, &ctx).map_err(|r| r.code),
        Err(-4131)
    );
}

#[test]
fn percent_price_messages_name_the_bound_on_the_tick() {
    let s = btc();
    let req = OrderRequest::limit("BTCUSDT", Side::Buy, dec!(0.01), dec!(80000));
    let err = check_order(Some(&s), &req, &mark(dec!(70610.33))).expect_err("cap");
    assert_eq!(err.msg, "Limit price can't be higher than 74140.8.");
}

#[test]
fn parameter_and_status_codes() {
    let mut s = btc();
    let mut no_tif = OrderRequest::limit("BTCUSDT", Side::Buy, dec!(0.01), dec!(70000));
    no_tif.time_in_force = None;
    assert_eq!(code(Some(&s), &no_tif, dec!(70000)), -1102);
    let mut no_qty = OrderRequest::market("BTCUSDT", Side::Buy, dec!(1));
    no_qty.quantity = None;
    assert_eq!(code(Some(&s), &no_qty, dec!(70000)), -1102);
    let long_id =
        OrderRequest::market("BTCUSDT", Side::Buy, dec!(0.01)).with_client_order_id("x".repeat(37));
    assert_eq!(code(Some(&s), &long_id, dec!(70000)), -4015);
    // Letters, digits and .:/_- only; anything else is a bad newClientOrderId.
    for (id, ok) in [
        ("sim-0aF9.x:y/z_", true),
        ("a b", false),
        ("é", false),
        ("", false),
    ] {
        let req = OrderRequest::market("BTCUSDT", Side::Buy, dec!(0.01)).with_client_order_id(id);
        let want = if ok { 0 } else { -1102 };
        assert_eq!(code(Some(&s), &req, dec!(70000)), want, "{id:?}");
    }
    let mut close = OrderRequest::conditional(
        "BTCUSDT",
        Side::Sell,
        OrderType::StopMarket,
        dec!(0),
        dec!(60000),
    );
    close.quantity = None;
    close.close_position = true;
    assert_eq!(code(Some(&s), &close, dec!(70000)), 0);
    close.quantity = Some(dec!(1));
    assert_eq!(code(Some(&s), &close, dec!(70000)), -4137);
    s.status = SymbolStatus::Other("SETTLING".into());
    let open = OrderRequest::market("BTCUSDT", Side::Buy, dec!(0.01));
    assert_eq!(code(Some(&s), &open, dec!(70000)), -4140);
    assert_eq!(code(Some(&s), &open.with_reduce_only(true), dec!(70000)), 0);
}

#[test]
fn stop_price_uses_price_filter_and_notional() {
    let s = btc();
    let off_tick = OrderRequest::conditional(
        "BTCUSDT",
        Side::Sell,
        OrderType::StopMarket,
        dec!(0.01),
        dec!(65000.05),
    );
    assert_eq!(code(Some(&s), &off_tick, dec!(70000)), -4014);
    let small = OrderRequest::conditional(
        "BTCUSDT",
        Side::Sell,
        OrderType::TakeProfitMarket,
        dec!(0.001),
        dec!(75000),
    );
    assert_eq!(code(Some(&s), &small, dec!(70000)), -4164);
    let gtx = OrderRequest::limit("BTCUSDT", Side::Buy, dec!(0.01), dec!(70000))
        .with_time_in_force(TimeInForce::Gtx);
    assert_eq!(code(Some(&s), &gtx, dec!(70000)), 0);
}

/// An independent restatement of the filters, for the property tests.
fn passes_every_filter(s: &SymbolSpec, req: &OrderRequest, m: Decimal) -> bool {
    let q = req.quantity.unwrap_or_default();
    let lot = s.lot_for(req.order_type.is_market_like());
    let lot_ok =
        q >= lot.min_qty && q <= lot.max_qty && ((q - lot.min_qty) % lot.step_size).is_zero();
    let price_ok = req.price.is_none_or(|p| {
        let f = &s.price_filter;
        p >= f.min_price && p <= f.max_price && ((p - f.min_price) % f.tick_size).is_zero()
    });
    let reference = req.price.unwrap_or(m);
    let notional_ok = req.reduce_only || q * reference >= s.min_notional;
    let band = s.percent_price.expect("band");
    let band_ok = match (req.order_type, req.side, req.price) {
        (OrderType::Limit, Side::Buy, Some(p)) => p <= m * band.multiplier_up,
        (OrderType::Limit, Side::Sell, Some(p)) => p >= m * band.multiplier_down,
        _ => true,
    };
    let precision_ok = q.normalize().scale() <= s.quantity_precision
        && req
            .price
            .is_none_or(|p| p.normalize().scale() <= s.price_precision);
    lot_ok && price_ok && notional_ok && band_ok && precision_ok
}

fn decimal(lo: i64, hi: i64, scale: u32) -> impl Strategy<Value = Decimal> {
    (lo..hi).prop_map(move |n| Decimal::new(n, scale))
}

proptest! {
    #[test]
    fn floored_quantity_always_passes_lot_size(raw in decimal(1_000, 900_000_000, 6)) {
        let s = btc();
        if let Some(q) = s.lot_size.floor_qty(raw) {
            prop_assert!(q <= raw);
            prop_assert!(check_lot(&s.lot_size, q).is_ok(), "{q}");
        }
    }

    #[test]
    fn rounded_price_always_passes_price_filter(raw in decimal(60_000_000, 4_000_000_000, 3), up in any::<bool>()) {
        let s = btc();
        let rounding = if up { crate::Rounding::Ceil } else { crate::Rounding::Floor };
        let p = crate::domain::round_to_increment(raw, s.price_filter.tick_size, rounding).expect("round");
        prop_assert!(check_price_filter(&s.price_filter, p).is_ok(), "{p}");
    }

    #[test]
    fn nothing_that_fails_a_filter_is_accepted(
        qty in decimal(-5, 200_000, 4),
        price in decimal(6_000_000, 8_000_000, 2),
        mark_px in decimal(6_600_000, 7_400_000, 2),
        kind in 0u8..3,
        sell in any::<bool>(),
        reduce in any::<bool>(),
    ) {
        let s = btc();
        let side = if sell { Side::Sell } else { Side::Buy };
        let req = match kind {
            0 => OrderRequest::market("BTCUSDT", side, qty),
            _ => OrderRequest::limit("BTCUSDT", side, qty, price),
        }.with_reduce_only(reduce);
        let accepted = check_order(Some(&s), &req, &mark(mark_px)).is_ok();
        prop_assert_eq!(accepted, passes_every_filter(&s, &req, mark_px), "{:?} at {}", req, mark_px);
    }
}

proptest! {
    /// The integer fast paths agree with `Decimal`'s own arithmetic everywhere.
    #[test]
    fn multiple_and_decimals_fast_paths_match_decimal(
        v in -10_000_000_000i64..10_000_000_000,
        vs in 0u32..12,
        step in 1i64..1_000_000,
        ss in 0u32..12,
    ) {
        let value = Decimal::new(v, vs);
        let step = Decimal::new(step, ss);
        prop_assert_eq!(is_multiple(value, step), (value % step).is_zero());
        prop_assert_eq!(decimals(value), value.normalize().scale());
        let origin = Decimal::new(step.mantissa() as i64 * 3 + (v % 2), ss);
        prop_assert_eq!(on_grid(value, origin, step), ((value - origin) % step).is_zero());
    }
}

#[test]
fn multiple_falls_back_when_the_mantissas_do_not_fit() {
    let huge = Decimal::from_i128_with_scale(79_228_162_514_264_337_593_543_950_335, 0);
    let tiny = Decimal::new(1, 28);
    assert!(is_multiple(huge, tiny));
    assert!(is_multiple(dec!(0.010), dec!(0.001)));
    assert!(!is_multiple(dec!(0.0105), dec!(0.001)));
    assert_eq!(decimals(dec!(1.2300)), 2);
    assert_eq!(decimals(dec!(100)), 0);
}

#[test]
fn a_shared_check_remembers_its_rules_and_market_but_not_as_content() {
    let spec = SharedSpec::new(&btc());
    let req = OrderRequest::limit("BTCUSDT", Side::Buy, dec!(0.01), dec!(70000));
    let at = mark(dec!(70000));
    let shared = check_order_shared(spec, &req, &at).expect("ok");
    let plain = check_order(Some(&spec), &req, &at).expect("ok");
    assert!(shared.checked_against(spec, &at));
    assert!(
        !plain.checked_against(spec, &at),
        "no stamp without shared rules"
    );
    assert!(
        shared.checked_against(SharedSpec::new(&btc()), &at),
        "equal rules are interned as the same rules"
    );
    let mut changed = btc();
    changed.min_notional += dec!(1);
    assert!(
        !shared.checked_against(SharedSpec::new(&changed), &at),
        "changed rules are other rules"
    );
    assert!(!shared.checked_against(spec, &mark(dec!(70001))));
    assert_eq!(shared, plain);
    assert_eq!(
        serde_json::to_string(&shared).expect("json"),
        serde_json::to_string(&plain).expect("json")
    );
    // Equality is the content's: another quantity or side is another order, stamp or not.
    let more = OrderRequest::limit("BTCUSDT", Side::Buy, dec!(0.02), dec!(70000));
    assert_ne!(shared, check_order_shared(spec, &more, &at).expect("ok"));
    let sell = OrderRequest::limit("BTCUSDT", Side::Sell, dec!(0.01), dec!(70000));
    assert_ne!(plain, check_order(Some(&spec), &sell, &at).expect("ok"));
}
