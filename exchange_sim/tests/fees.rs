//! Fees as a user pays them: a published VIP tier, the BNB discount, per-symbol rates, and
//! the config errors that name the key. Amounts are worked out by hand in the comments.

mod common;

use common::*;
use exchange_sim::fees::{FeeRates, FeeTier};
use exchange_sim::{FeeConfig, SimConfig, SimExchange};
use pipeline::order::{OrderRequest, Side};
use rust_decimal::Decimal;
use rust_decimal_macros::dec;

/// A MARKET buy of 0.01 BTC filled at the next open (70,100: notional 701), then a resting
/// LIMIT sell of 0.01 at 70,300 filled as maker on the bar after (notional 703). Returns the
/// two fills' fees, taker first.
fn taker_then_maker_fees(fees: FeeConfig) -> (Decimal, Decimal) {
    let mut ex: SimExchange = exchange(SimConfig {
        fees,
        ..SimConfig::default()
    });
    let b = btc(&ex);
    ex.on_bar(b, &flat(0, 70_000.0)).expect("bar");
    ex.submit(&OrderRequest::market("BTCUSDT", Side::Buy, dec!(0.01)))
        .expect("accepted");
    ex.on_bar(b, &bar(1, 70_100.0, 70_200.0, 70_050.0, 70_150.0))
        .expect("bar");
    ex.submit(&OrderRequest::limit(
        "BTCUSDT",
        Side::Sell,
        dec!(0.01),
        dec!(70300),
    ))
    .expect("rests");
    ex.on_bar(b, &bar(2, 70_150.0, 70_400.0, 70_100.0, 70_350.0))
        .expect("bar");
    let fills = ex.fills();
    assert_eq!(fills.len(), 2, "{fills:?}");
    assert!(!fills[0].is_maker && fills[1].is_maker);
    (fills[0].fee, fills[1].fee)
}

#[test]
fn the_regular_tier_is_the_default() {
    // 701 x 0.0005 = 0.3505; 703 x 0.0002 = 0.1406.
    assert_eq!(
        taker_then_maker_fees(FeeConfig::default()),
        (dec!(0.3505), dec!(0.1406))
    );
}

#[test]
fn a_vip_tier_with_the_bnb_discount() {
    let fees = FeeConfig {
        tier: Some(FeeTier::Vip3),
        bnb_discount: true,
        ..FeeConfig::default()
    };
    // VIP 3: taker 0.032 %, maker 0.012 %; BNB: x 0.9.
    // 701 x 0.000288 = 0.201888; 703 x 0.000108 = 0.075924.
    assert_eq!(
        taker_then_maker_fees(fees),
        (dec!(0.201888), dec!(0.075924))
    );
}

#[test]
fn a_symbols_own_rates_replace_the_tier_and_still_get_the_discount() {
    let mut fees = FeeConfig {
        tier: Some(FeeTier::Vip1),
        bnb_discount: true,
        ..FeeConfig::default()
    };
    fees.symbols.insert(
        "BTCUSDT".into(),
        FeeRates {
            maker: dec!(-0.00005),
            taker: dec!(0.0004),
        },
    );
    // Taker 0.0004 x 0.9 = 0.00036: 701 x 0.00036 = 0.25236. Maker -0.00005 is a rebate,
    // not discounted: 703 x -0.00005 = -0.03515.
    assert_eq!(taker_then_maker_fees(fees), (dec!(0.25236), dec!(-0.03515)));
}

#[test]
fn the_config_reads_a_tier_by_binance_name_and_refuses_mixing_it_with_rates() {
    let c: SimConfig =
        serde_json::from_str(r#"{"fees": {"tier": "vip0", "bnb_discount": true}}"#).expect("ok");
    assert_eq!(c.fees.tier, Some(FeeTier::Regular));
    assert_eq!(c.fees.rates("BTCUSDT").taker, dec!(0.00045));
    let mixed: SimConfig =
        serde_json::from_str(r#"{"fees": {"tier": "vip2", "taker": 0.0004}}"#).expect("parses");
    let err = mixed.validate().expect_err("tier and taker").to_string();
    assert!(
        err.contains("fees.tier = \"vip2\"") && err.contains("remove fees.maker"),
        "{err}"
    );
    let bad = serde_json::from_str::<SimConfig>(r#"{"fees": {"tier": "vip10"}}"#);
    assert!(bad.is_err());
    let wide: SimConfig = serde_json::from_str(
        r#"{"fees": {"symbols": {"BTCUSDT": {"maker": 0.0, "taker": 0.02}}}}"#,
    )
    .expect("parses");
    let err = wide.validate().expect_err("2 %").to_string();
    assert!(err.contains("fees.symbols.BTCUSDT.taker"), "{err}");
}

#[test]
fn rates_for_a_symbol_the_venue_does_not_list_are_refused() {
    let mut fees = FeeConfig::default();
    fees.symbols.insert(
        "WAVESUSDT".into(),
        FeeRates {
            maker: dec!(0),
            taker: dec!(0.0004),
        },
    );
    let err = SimExchange::new(
        mainnet(),
        SimConfig {
            fees,
            ..SimConfig::default()
        },
        pipeline::Interval::M1,
    )
    .expect_err("unlisted")
    .to_string();
    assert!(err.contains("WAVESUSDT"), "{err}");
}
