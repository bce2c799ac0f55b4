//! Worked examples with Binance's published formulas, computed by hand in the comments:
//! liquidation prices, maintenance margin across brackets, funding payments.

mod common;

use common::*;
use exchange_sim::{FundingRate, MarginMode, MarketFill, SimConfig};
use pipeline::order::{OrderRequest, Side};
use pipeline::venue::VenueEvent;
use pipeline::{Price, TimestampMs};
use rust_decimal::Decimal;
use rust_decimal_macros::dec;

fn isolated_10x() -> SimConfig {
    SimConfig {
        margin_mode: MarginMode::Isolated,
        market_fill: MarketFill::CurrentClose,
        leverage: [("BTCUSDT".to_string(), 10)].into_iter().collect(),
        ..SimConfig::default()
    }
}

fn liquidations(events: &[VenueEvent]) -> Vec<(Decimal, Decimal)> {
    events
        .iter()
        .filter_map(|e| match e {
            VenueEvent::Liquidation { price, fee, .. } => Some((price.get(), *fee)),
            _ => None,
        })
        .collect()
}

#[test]
fn isolated_long_liquidation_price_and_liquidation() {
    // Binance FAQ, one-way isolated: LP = (WB + cum - s*Q*EP) / (Q*MMR - s*Q).
    // 1 BTC long at EP 70,000 with 10x: WB = 70,000 / 10 = 7,000. At LP ~63.3k the notional is
    // in BTCUSDT tier 2 (50k-600k, MMR 0.5 %, cum 50):
    // LP = (7,000 + 50 - 70,000) / (0.005 - 1) = -62,950 / -0.995 = 63,266.33165829...
    let mut ex = exchange(isolated_10x());
    let b = btc(&ex);
    ex.on_bar(b, &flat(0, 70_000.0)).expect("bar");
    let o = ex.submit(&OrderRequest::market("BTCUSDT", Side::Buy, dec!(1)));
    assert_eq!(o.expect("filled").avg_price, Price::new(dec!(70000)).ok());
    let p = ex.position(b).expect("long");
    assert_eq!(p.isolated_margin, dec!(7000));
    assert_eq!(p.liquidation_price.round_dp(2), dec!(63266.33));

    // A wick below the LP does not liquidate: the mark is the close.
    ex.on_bar(b, &bar(1, 70_000.0, 70_000.0, 63_000.0, 63_300.0))
        .expect("bar");
    assert_eq!(ex.position_amt(b), dec!(1));
    ex.take_events();

    // A close at 63,266.3 <= LP liquidates at the mark. Loss 6,733.7; the clearance fee
    // 63,266.3 x 0.0125 = 790.83 exceeds the 266.3 of margin left, so it is cut to 266.3 and
    // the trader loses exactly the isolated margin (plus the 35 opening taker fee).
    ex.on_bar(b, &flat(2, 63_266.3)).expect("bar");
    assert_eq!(ex.position_amt(b), dec!(0));
    let ev = ex.take_events();
    assert_eq!(liquidations(&ev), vec![(dec!(63266.3), dec!(266.3))]);
    let a = ex.account();
    assert_eq!(a.wallet_balance, dec!(10000) - dec!(35) - dec!(7000));
    assert_eq!(a.insurance_covered, dec!(0));
    assert_eq!(a.realized_pnl, dec!(-6733.7));
}

#[test]
fn isolated_short_liquidation_price() {
    // 1 BTC short at 70,000, 10x, WB 7,000, tier 2:
    // LP = (7,000 + 50 + 70,000) / (0.005 + 1) = 77,050 / 1.005 = 76,666.666...
    let mut ex = exchange(isolated_10x());
    let b = btc(&ex);
    ex.on_bar(b, &flat(0, 70_000.0)).expect("bar");
    ex.submit(&OrderRequest::market("BTCUSDT", Side::Sell, dec!(1)))
        .expect("filled");
    let p = ex.position(b).expect("short");
    assert_eq!(p.liquidation_price.round_dp(2), dec!(76666.67));
    ex.on_bar(b, &flat(1, 76_666.6)).expect("bar");
    assert_eq!(ex.position_amt(b), dec!(-1));
    // Close 76,666.7 >= LP: liquidated. Loss 6,666.7; fee cut from 958.33 to 333.3.
    ex.on_bar(b, &flat(2, 76_666.7)).expect("bar");
    assert_eq!(
        liquidations(&ex.take_events()),
        vec![(dec!(76666.7), dec!(333.3))]
    );
    assert_eq!(ex.wallet_balance(), dec!(2965));
}

#[test]
fn a_gap_through_the_liquidation_price_is_covered_by_the_insurance_fund() {
    // Long 1 BTC at 70,000, 10x; the next close is 60,000: loss 10,000 > margin 7,000.
    // The trader loses the 7,000 margin; the fund covers 3,000; no fee is left to charge.
    let mut ex = exchange(isolated_10x());
    let b = btc(&ex);
    ex.on_bar(b, &flat(0, 70_000.0)).expect("bar");
    ex.submit(&OrderRequest::market("BTCUSDT", Side::Buy, dec!(1)))
        .expect("filled");
    ex.on_bar(b, &flat(1, 60_000.0)).expect("bar");
    let a = ex.account();
    assert_eq!(a.wallet_balance, dec!(2965));
    assert_eq!(a.insurance_covered, dec!(3000));
    assert_eq!(a.realized_pnl, dec!(-10000));
    assert_eq!(
        a.wallet_balance,
        a.initial_balance + a.realized_pnl - a.fees_paid - a.funding_paid + a.insurance_covered
    );
}

#[test]
fn cross_liquidation_price_uses_the_cross_wallet() {
    // Cross, 20x: 1 BTC long at 70,000 after a 35 taker fee: WB = 10,000 - 35 = 9,965.
    // LP = (9,965 + 50 - 70,000) / (0.005 - 1) = -59,985 / -0.995 = 60,286.4321...
    let cfg = SimConfig {
        market_fill: MarketFill::CurrentClose,
        ..SimConfig::default()
    };
    let mut ex = exchange(cfg);
    let b = btc(&ex);
    ex.on_bar(b, &flat(0, 70_000.0)).expect("bar");
    ex.submit(&OrderRequest::market("BTCUSDT", Side::Buy, dec!(1)))
        .expect("filled");
    let p = ex.position(b).expect("long");
    assert_eq!(p.liquidation_price.round_dp(4), dec!(60286.4322));
    assert!(!p.isolated);
}

#[test]
fn maintenance_margin_across_two_brackets() {
    // Tier 2: 1 BTC at mark 100,000: 100,000 x 0.005 - 50 = 450.
    let cfg = SimConfig {
        market_fill: MarketFill::CurrentClose,
        initial_balance: dec!(100000),
        ..SimConfig::default()
    };
    let mut ex = exchange(cfg.clone());
    let b = btc(&ex);
    ex.on_bar(b, &flat(0, 100_000.0)).expect("bar");
    ex.submit(&OrderRequest::market("BTCUSDT", Side::Buy, dec!(1)))
        .expect("filled");
    assert_eq!(ex.account().maintenance_margin, dec!(450));
    // Tier 1: 0.5 BTC at 70,000 = 35,000 x 0.004 - 0 = 140.
    let mut ex = exchange(cfg);
    ex.on_bar(b, &flat(0, 70_000.0)).expect("bar");
    ex.submit(&OrderRequest::market("BTCUSDT", Side::Buy, dec!(0.5)))
        .expect("filled");
    assert_eq!(ex.account().maintenance_margin, dec!(140));
}

fn funding_setup() -> (pipeline::Bar, pipeline::Bar, pipeline::Bar, SimConfig) {
    // Bars 07:58, 07:59 and 08:00 UTC, all at 70,000.
    let at = |m: u32| TimestampMs::from_utc(2026, 1, 1, 7, m, 0);
    let b = |t| bar_at(t, 70_000.0, 70_000.0, 70_000.0, 70_000.0);
    let cfg = SimConfig {
        market_fill: MarketFill::CurrentClose,
        ..SimConfig::default()
    };
    (
        b(at(58)),
        b(at(59)),
        b(TimestampMs::from_utc(2026, 1, 1, 8, 0, 0)),
        cfg,
    )
}

#[test]
fn funding_payment_long_pays_short_receives() {
    // 1 BTC at mark 70,000, rate 0.0001 (the default constant): 1 x 70,000 x 0.0001 = 7 USDT,
    // charged at 08:00 UTC; the long pays it, a short receives it.
    for (side, want) in [(Side::Buy, dec!(-7)), (Side::Sell, dec!(7))] {
        let (b58, b59, b80, cfg) = funding_setup();
        let mut ex = exchange(cfg);
        let b = btc(&ex);
        ex.on_bar(b, &b58).expect("bar");
        ex.submit(&OrderRequest::market("BTCUSDT", side, dec!(1)))
            .expect("filled");
        ex.on_bar(b, &b59).expect("bar");
        assert!(fundings(&ex.take_events()).is_empty());
        ex.on_bar(b, &b80).expect("bar");
        assert_eq!(fundings(&ex.take_events()), vec![want]);
        let a = ex.account();
        assert_eq!(a.funding_paid, -want);
        assert_eq!(a.wallet_balance, dec!(10000) - dec!(35) + want);
    }
}

#[test]
fn a_position_opened_at_the_funding_bar_open_does_not_pay() {
    // NEXT_OPEN market fill: ordered after the 07:59 bar, filled at the 08:00 open, which is
    // after the 08:00:00.000 funding snapshot.
    let (b58, b59, b80, _) = funding_setup();
    let mut ex = exchange(SimConfig::default());
    let b = btc(&ex);
    ex.on_bar(b, &b58).expect("bar");
    ex.on_bar(b, &b59).expect("bar");
    ex.submit(&OrderRequest::market("BTCUSDT", Side::Buy, dec!(1)))
        .expect("accepted");
    ex.on_bar(b, &b80).expect("bar");
    assert_eq!(ex.position_amt(b), dec!(1));
    assert!(fundings(&ex.take_events()).is_empty());
}

#[test]
fn a_funding_series_sets_times_rates_and_marks() {
    // A 4 h symbol with a negative rate: at 04:00 the long receives 1 x 69,000 x 0.0002 = 13.8
    // (the series' mark), and no 8 h grid funding happens beside the series.
    let cfg = SimConfig {
        market_fill: MarketFill::CurrentClose,
        ..SimConfig::default()
    };
    let mut ex = exchange(cfg);
    let b = btc(&ex);
    let four = TimestampMs::from_utc(2026, 1, 1, 4, 0, 0);
    ex.set_funding_rates(
        b,
        vec![FundingRate {
            time: four,
            rate: dec!(-0.0002),
            mark_price: Price::new(dec!(69000)).ok(),
        }],
    )
    .expect("series");
    let start = TimestampMs::from_utc(2026, 1, 1, 3, 58, 0);
    for k in 0..400 {
        let t = start.plus_ms(k * 60_000);
        ex.on_bar(b, &bar_at(t, 70_000.0, 70_000.0, 70_000.0, 70_000.0))
            .expect("bar");
        if k == 0 {
            ex.submit(&OrderRequest::market("BTCUSDT", Side::Buy, dec!(1)))
                .expect("filled");
        }
    }
    assert_eq!(fundings(&ex.take_events()), vec![dec!(13.8)]);
    let bad = ex.set_funding_rates(
        b,
        vec![
            FundingRate {
                time: four,
                rate: dec!(0),
                mark_price: None,
            },
            FundingRate {
                time: four,
                rate: dec!(0),
                mark_price: None,
            },
        ],
    );
    assert!(bad.is_err());
}
