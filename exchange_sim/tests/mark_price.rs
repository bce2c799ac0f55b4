//! The mark price from mark-price bars (issue 26 item 2), with Binance's published formulas
//! worked by hand in the comments: a position is liquidated when the MARK reaches its
//! liquidation price, not the last trade; unrealised PnL, equity and funding use the mark;
//! fills keep the trade price; a trigger with `workingType=MARK_PRICE` watches the mark.

mod common;

use std::collections::BTreeMap;
use std::sync::Arc;

use common::*;
use exchange_sim::{
    FundingRate, MarginMode, MarkBar, MarkPrices, MarkTape, MarketFill, SimConfig, SimExchange,
    SymId,
};
use pipeline::order::{OrderRequest, OrderType, Side, WorkingType};
use pipeline::venue::VenueEvent;
use pipeline::{Price, TimestampMs};
use rust_decimal::Decimal;
use rust_decimal_macros::dec;

/// Mark bars by open time.
struct Marks(BTreeMap<i64, MarkBar>);

impl MarkPrices for Marks {
    fn bar(&self, open_time: i64) -> Option<MarkBar> {
        self.0.get(&open_time).copied()
    }
}

fn mark(open: f64, high: f64, low: f64, close: f64) -> MarkBar {
    MarkBar {
        open,
        high,
        low,
        close,
    }
}

/// The `k`-th 1-minute bar's open time.
fn at(k: i64) -> i64 {
    t0().0 + k * 60_000
}

fn config(mode: MarginMode) -> SimConfig {
    SimConfig {
        margin_mode: mode,
        market_fill: MarketFill::CurrentClose,
        leverage: [("BTCUSDT".to_string(), 10)].into_iter().collect(),
        ..SimConfig::default()
    }
}

/// An exchange whose BTCUSDT has `marks` (bar k -> mark bar), flat at 70,000 at bar 0, with 1
/// BTC bought (`side` Buy) or sold there at 70,000.
fn opened(mode: MarginMode, side: Side, marks: &[(i64, MarkBar)]) -> (SimExchange, SymId) {
    let mut ex = exchange(config(mode));
    let b = btc(&ex);
    let mut all: BTreeMap<i64, MarkBar> = marks.iter().map(|(k, m)| (at(*k), *m)).collect();
    all.entry(at(0))
        .or_insert(mark(70_000.0, 70_000.0, 70_000.0, 70_000.0));
    ex.set_mark_prices(b, MarkTape(Arc::new(Marks(all))))
        .expect("marks");
    ex.on_bar(b, &flat(0, 70_000.0)).expect("bar");
    ex.submit(&OrderRequest::market("BTCUSDT", side, dec!(1)))
        .expect("filled");
    (ex, b)
}

fn liquidations(events: &[VenueEvent]) -> Vec<Decimal> {
    events
        .iter()
        .filter_map(|e| match e {
            VenueEvent::Liquidation { price, .. } => Some(price.get()),
            _ => None,
        })
        .collect()
}

#[test]
fn a_long_is_liquidated_when_the_mark_reaches_its_price_not_the_last_trade() {
    // Bar 1: the trades wick to 63,000 and close at 63,100, both beyond the LP; the mark
    // stays above it (low 63,500): no liquidation (without mark bars, the close would
    // liquidate). Bar 2: the trades stay at 65,000 while the mark's low reaches 63,200: the
    // position is liquidated at the LP, where the mark crossed it.
    let (mut ex, b) = opened(
        MarginMode::Isolated,
        Side::Buy,
        &[
            (1, mark(70_000.0, 70_000.0, 63_500.0, 64_000.0)),
            (2, mark(64_000.0, 65_000.0, 63_200.0, 64_900.0)),
        ],
    );
    // Isolated 10x long 1 BTC at 70,000 (tier 2: MMR 0.5 %, cum 50; WB = 7,000):
    // LP = (7,000 + 50 - 70,000) / (0.005 - 1) = 63,266.33165829...
    let lp = ex.position(b).expect("long").liquidation_price;
    assert_eq!(lp.round_dp(8), dec!(63266.33165829));
    ex.on_bar(b, &bar(1, 70_000.0, 70_000.0, 63_000.0, 63_100.0))
        .expect("bar");
    assert_eq!(ex.position_amt(b), dec!(1), "the mark never reached the LP");
    assert!(liquidations(&ex.take_events()).is_empty());
    // Unrealised PnL at the mark close 64,000, not the trade close 63,100: -6,000.
    assert_eq!(ex.account().unrealized_pnl, dec!(-6000));
    ex.on_bar(b, &flat(2, 65_000.0)).expect("bar");
    assert_eq!(ex.position_amt(b), dec!(0));
    // At the LP on BTCUSDT's 0.1 tick, rounded down: 63,266.3.
    assert_eq!(liquidations(&ex.take_events()), vec![dec!(63266.3)]);
    // The loss (6,733.7) leaves 266.3 of margin, all taken by the clearance fee: the trader
    // loses exactly the isolated margin and the 35 opening fee.
    let a = ex.account();
    assert_eq!(a.wallet_balance, dec!(10000) - dec!(35) - dec!(7000));
    assert_eq!(a.insurance_covered, dec!(0));
}

#[test]
fn a_short_is_liquidated_on_the_mark_high_and_a_mark_gap_at_the_open() {
    // Isolated 10x short 1 BTC at 70,000: LP = (7,000 + 50 + 70,000) / 1.005 = 76,666.67.
    // Bar 1: the mark's high 76,700 reaches it while the trades stay at 70,000.
    let (mut ex, b) = opened(
        MarginMode::Isolated,
        Side::Sell,
        &[(1, mark(70_000.0, 76_700.0, 69_000.0, 70_000.0))],
    );
    let lp = ex.position(b).expect("short").liquidation_price;
    assert_eq!(lp.round_dp(2), dec!(76666.67));
    ex.on_bar(b, &flat(1, 70_000.0)).expect("bar");
    // On the tick grid, rounded up: 76,666.7.
    assert_eq!(liquidations(&ex.take_events()), vec![dec!(76666.7)]);

    // A long whose mark opens at 62,000, beyond the LP: liquidated at 62,000; the loss of
    // 8,000 exceeds the 7,000 margin and the insurance fund covers 1,000.
    let (mut ex, b) = opened(
        MarginMode::Isolated,
        Side::Buy,
        &[(1, mark(62_000.0, 66_000.0, 62_000.0, 66_000.0))],
    );
    ex.on_bar(b, &flat(1, 66_000.0)).expect("bar");
    assert_eq!(liquidations(&ex.take_events()), vec![dec!(62000)]);
    assert_eq!(ex.account().insurance_covered, dec!(1000));
}

#[test]
fn a_cross_position_is_liquidated_on_the_mark() {
    // Cross, 10x: 1 BTC long at 70,000 after the 35 taker fee: WB = 9,965.
    // LP = (9,965 + 50 - 70,000) / (0.005 - 1) = -59,985 / -0.995 = 60,286.4321...
    // The trades fall to 60,000 (below the LP) but the mark holds 61,000: nothing; then the
    // mark's low reaches 60,200 while the trades are back at 64,000: liquidated at the LP.
    let (mut ex, b) = opened(
        MarginMode::Cross,
        Side::Buy,
        &[
            (1, mark(70_000.0, 70_000.0, 61_000.0, 61_500.0)),
            (2, mark(61_500.0, 64_000.0, 60_200.0, 64_000.0)),
        ],
    );
    let lp = ex.position(b).expect("long").liquidation_price;
    assert_eq!(lp.round_dp(4), dec!(60286.4322));
    ex.on_bar(b, &bar(1, 70_000.0, 70_000.0, 60_000.0, 60_000.0))
        .expect("bar");
    assert_eq!(ex.position_amt(b), dec!(1));
    ex.on_bar(b, &flat(2, 64_000.0)).expect("bar");
    assert_eq!(liquidations(&ex.take_events()), vec![dec!(60286.4)]);
}

#[test]
fn fills_use_the_trade_price_and_funding_the_mark() {
    // Funding of 0.0001 at the open of bar 2, on the mark after bar 1 (70,100), not its trade
    // close (70,500): the long pays 1 x 70,100 x 0.0001 = 7.01.
    let mut ex = exchange(config(MarginMode::Cross));
    let b = btc(&ex);
    let marks: BTreeMap<i64, MarkBar> = [
        (at(0), mark(70_000.0, 70_000.0, 70_000.0, 70_000.0)),
        (at(1), mark(70_000.0, 70_200.0, 69_900.0, 70_100.0)),
        (at(2), mark(70_100.0, 70_100.0, 70_100.0, 70_100.0)),
    ]
    .into_iter()
    .collect();
    ex.set_mark_prices(b, MarkTape(Arc::new(Marks(marks))))
        .expect("marks");
    ex.set_funding_rates(
        b,
        vec![FundingRate {
            time: TimestampMs(at(2)),
            rate: dec!(0.0001),
            mark_price: None,
        }],
    )
    .expect("funding");
    ex.on_bar(b, &flat(0, 70_000.0)).expect("bar");
    ex.on_bar(b, &flat(1, 70_500.0)).expect("bar");
    // A MARKET order at the close fills at the trade close 70,500, not the mark.
    let o = ex
        .submit(&OrderRequest::market("BTCUSDT", Side::Buy, dec!(1)))
        .expect("filled");
    assert_eq!(o.avg_price, Price::new(dec!(70500)).ok());
    ex.on_bar(b, &flat(2, 70_500.0)).expect("bar");
    assert_eq!(fundings(&ex.take_events()), vec![dec!(-7.01)]);
    // Equity at the mark 70,100: wallet 10,000 - 35.25 fee - 7.01 + (70,100 - 70,500) x 1.
    assert_eq!(
        ex.account().equity,
        dec!(10000) - dec!(35.25) - dec!(7.01) - dec!(400)
    );
    assert_eq!(ex.mark_bars_missing(), 0);
}

#[test]
fn a_bar_without_a_mark_bar_is_marked_at_the_trade_close_and_counted() {
    let (mut ex, b) = opened(MarginMode::Isolated, Side::Buy, &[]);
    ex.on_bar(b, &flat(1, 69_000.0)).expect("bar");
    assert_eq!(ex.mark_bars_missing(), 1);
    assert_eq!(ex.mark(b), Price::new(dec!(69000)).ok());
}

/// A reduce-only SELL STOP_MARKET of 1 BTC at `stop`, triggering on `working`.
fn stop_loss(stop: Decimal, working: WorkingType) -> OrderRequest {
    OrderRequest::conditional("BTCUSDT", Side::Sell, OrderType::StopMarket, dec!(1), stop)
        .with_reduce_only(true)
        .with_working_type(working)
}

fn fill_prices(events: &[VenueEvent]) -> Vec<Decimal> {
    events
        .iter()
        .filter_map(|e| match e {
            VenueEvent::Fill(f) => Some(f.price.get()),
            _ => None,
        })
        .collect()
}

#[test]
fn a_stop_on_the_mark_ignores_a_trade_wick_and_fills_at_the_trade_price() {
    // Long 1 BTC at 70,000, cross 10x (liquidation far below). Bar 1: the trades wick to
    // 69,000 while the mark's low is 69,600: a MARK_PRICE stop at 69,500 stays, where a
    // CONTRACT_PRICE stop triggers at 69,500. Bar 2: the mark's low reaches 69,400 while the
    // trades stay in 69,700..69,950: the mark stop triggers and fills as a market order at
    // the trade price nearest its stop the bar traded, 69,700 (no slippage configured).
    let marks = [
        (1, mark(70_000.0, 70_000.0, 69_600.0, 69_900.0)),
        (2, mark(69_900.0, 69_950.0, 69_400.0, 69_800.0)),
    ];
    let (mut ex, b) = opened(MarginMode::Cross, Side::Buy, &marks);
    let placed = ex
        .submit(&stop_loss(dec!(69500), WorkingType::MarkPrice))
        .expect("placed");
    assert_eq!(placed.working_type, WorkingType::MarkPrice);
    ex.take_events();
    ex.on_bar(b, &bar(1, 70_000.0, 70_000.0, 69_000.0, 69_900.0))
        .expect("bar");
    assert_eq!(ex.position_amt(b), dec!(1), "the mark never reached 69,500");
    assert!(fill_prices(&ex.take_events()).is_empty());
    ex.on_bar(b, &bar(2, 69_900.0, 69_950.0, 69_700.0, 69_800.0))
        .expect("bar");
    assert_eq!(ex.position_amt(b), dec!(0));
    assert_eq!(fill_prices(&ex.take_events()), vec![dec!(69700)]);

    // The same bar 1 with the default CONTRACT_PRICE: the wick triggers it at its stop.
    let (mut ex, b) = opened(MarginMode::Cross, Side::Buy, &marks);
    ex.submit(&stop_loss(dec!(69500), WorkingType::ContractPrice))
        .expect("placed");
    ex.take_events();
    ex.on_bar(b, &bar(1, 70_000.0, 70_000.0, 69_000.0, 69_900.0))
        .expect("bar");
    assert_eq!(ex.position_amt(b), dec!(0));
    assert_eq!(fill_prices(&ex.take_events()), vec![dec!(69500)]);
}

#[test]
fn a_mark_that_opens_beyond_the_stop_fills_at_the_trade_open() {
    // Bar 1's mark opens at 69,400, already below the 69,500 stop: it triggers at the open
    // and fills at the trade bar's open, 69,800.
    let (mut ex, b) = opened(
        MarginMode::Cross,
        Side::Buy,
        &[(1, mark(69_400.0, 69_900.0, 69_300.0, 69_800.0))],
    );
    ex.submit(&stop_loss(dec!(69500), WorkingType::MarkPrice))
        .expect("placed");
    ex.take_events();
    ex.on_bar(b, &bar(1, 69_800.0, 69_900.0, 69_600.0, 69_700.0))
        .expect("bar");
    assert_eq!(fill_prices(&ex.take_events()), vec![dec!(69800)]);
}

#[test]
fn would_trigger_immediately_is_judged_against_the_price_the_trigger_watches() {
    // After bar 1 the last trade is 70,500 and the mark 70,000. A SELL stop at 70,200 would
    // trigger at once on the mark (70,000 <= 70,200: -2021) but rests on the last price; a
    // SELL take-profit at 70,300 is the other way round (70,500 >= 70,300 on the last price).
    let (mut ex, b) = opened(
        MarginMode::Cross,
        Side::Buy,
        &[(1, mark(70_000.0, 70_100.0, 69_900.0, 70_000.0))],
    );
    ex.on_bar(b, &flat(1, 70_500.0)).expect("bar");
    let sl = |w| stop_loss(dec!(70200), w);
    let tp = |w| {
        OrderRequest::conditional(
            "BTCUSDT",
            Side::Sell,
            OrderType::TakeProfitMarket,
            dec!(1),
            dec!(70300),
        )
        .with_reduce_only(true)
        .with_working_type(w)
    };
    assert_eq!(code(ex.submit(&sl(WorkingType::MarkPrice))), -2021);
    assert_eq!(code(ex.submit(&sl(WorkingType::ContractPrice))), 0);
    assert_eq!(code(ex.submit(&tp(WorkingType::ContractPrice))), -2021);
    assert_eq!(code(ex.submit(&tp(WorkingType::MarkPrice))), 0);
}

#[test]
fn without_a_mark_bar_a_mark_trigger_follows_the_trade_prices() {
    // No mark bars at all: the mark is the trade close, so a MARK_PRICE stop triggers on the
    // trade wick exactly as a CONTRACT_PRICE one does.
    let mut ex = exchange(config(MarginMode::Cross));
    let b = btc(&ex);
    ex.on_bar(b, &flat(0, 70_000.0)).expect("bar");
    ex.submit(&OrderRequest::market("BTCUSDT", Side::Buy, dec!(1)))
        .expect("filled");
    ex.submit(&stop_loss(dec!(69500), WorkingType::MarkPrice))
        .expect("placed");
    ex.take_events();
    ex.on_bar(b, &bar(1, 70_000.0, 70_000.0, 69_000.0, 69_900.0))
        .expect("bar");
    assert_eq!(fill_prices(&ex.take_events()), vec![dec!(69500)]);
}
