//! Recorded trades inside a bar decide which of two orders on opposite sides of the open
//! filled first (issue 26 item 3): a long with its stop at 69,000 and its take-profit at
//! 71,000, and a bar reaching both. The rule alone would fill the stop (pessimistic) or the
//! take-profit (optimistic); the trades say which came first.

mod common;

use std::sync::Arc;

use common::*;
use exchange_sim::{IntrabarPath, MarketFill, SimConfig, TradePrices, TradeTape};
use pipeline::order::{OrderRequest, OrderType, Side};
use pipeline::venue::{OrderRef, OrderStatus};
use rust_decimal::Decimal;
use rust_decimal_macros::dec;

/// Recorded trades as two sorted columns; `unit` prices make one finer bar (1: trades).
struct TradeColumns {
    times: Vec<i64>,
    prices: Vec<f64>,
    unit: usize,
}

impl TradePrices for TradeColumns {
    fn between(&self, from: i64, to: i64) -> &[f64] {
        let a = self.times.partition_point(|&t| t < from);
        let b = self.times.partition_point(|&t| t <= to);
        &self.prices[a..b.max(a)]
    }

    fn unit(&self) -> usize {
        self.unit
    }
}

/// Bar 1 opens at t0 + 1 min and closes 59,999 ms later.
fn at(second: i64) -> i64 {
    t0().0 + 60_000 + second * 1000
}

/// Runs the long, its stop and take-profit through bar 1 (open 70,000, high 71,500, low
/// 68,500, close 68,800) under `rule`, with `trades` (time, price) as the symbol's recorded
/// trades when given: the exit price, the take-profit's status, bars decided by rule and by
/// data.
fn run(rule: IntrabarPath, trades: Option<&[(i64, f64)]>) -> (Decimal, OrderStatus, u64, u64) {
    run_in_units(rule, trades, 1)
}

/// [`run`] with the prices read as finer bars of `unit` prices each.
fn run_in_units(
    rule: IntrabarPath,
    trades: Option<&[(i64, f64)]>,
    unit: usize,
) -> (Decimal, OrderStatus, u64, u64) {
    let cfg = SimConfig {
        intrabar: rule,
        market_fill: MarketFill::CurrentClose,
        ..SimConfig::default()
    };
    let mut ex = exchange(cfg);
    let b = btc(&ex);
    if let Some(trades) = trades {
        let cols = TradeColumns {
            times: trades.iter().map(|t| t.0).collect(),
            prices: trades.iter().map(|t| t.1).collect(),
            unit,
        };
        ex.set_trades(b, TradeTape(Arc::new(cols))).expect("trades");
    }
    ex.on_bar(b, &flat(0, 70_000.0)).expect("bar");
    ex.submit(&OrderRequest::market("BTCUSDT", Side::Buy, dec!(0.01)))
        .expect("long");
    let leg = |kind, at| {
        OrderRequest::conditional("BTCUSDT", Side::Sell, kind, dec!(0.01), at)
            .with_reduce_only(true)
    };
    ex.submit(&leg(OrderType::StopMarket, dec!(69000)))
        .expect("sl");
    let tp = ex
        .submit(&leg(OrderType::TakeProfitMarket, dec!(71000)))
        .expect("tp");
    ex.on_bar(b, &bar(1, 70_000.0, 71_500.0, 68_500.0, 68_800.0))
        .expect("bar");
    let exit = ex.fills().last().expect("exit").price.get();
    let status = ex
        .query("BTCUSDT", &OrderRef::Id(tp.order_id))
        .expect("tp")
        .status;
    (
        exit,
        status,
        ex.intrabar_bars_by_rule(),
        ex.intrabar_bars_by_data(),
    )
}

#[test]
fn the_trades_decide_against_the_pessimistic_rule() {
    // No trades: the pessimistic rule fills the stop first.
    assert_eq!(
        run(IntrabarPath::Pessimistic, None),
        (dec!(69000), OrderStatus::Expired, 1, 0)
    );
    // The trades went up to 71,500 first, then down: the take-profit filled first.
    let high_first = [
        (at(5), 70_400.0),
        (at(20), 71_500.0),
        (at(40), 68_500.0),
        (at(59), 68_800.0),
    ];
    assert_eq!(
        run(IntrabarPath::Pessimistic, Some(&high_first)),
        (dec!(71000), OrderStatus::Filled, 0, 1)
    );
}

#[test]
fn the_trades_decide_against_the_optimistic_rule() {
    let low_first = [
        (at(1), 69_900.0),
        (at(10), 68_500.0),
        (at(30), 71_500.0),
        (at(59), 68_800.0),
    ];
    assert_eq!(
        run(IntrabarPath::Optimistic, None),
        (dec!(71000), OrderStatus::Filled, 1, 0)
    );
    assert_eq!(
        run(IntrabarPath::Optimistic, Some(&low_first)),
        (dec!(69000), OrderStatus::Expired, 0, 1)
    );
}

#[test]
fn trades_that_do_not_fit_the_bar_leave_it_to_the_rule() {
    // Trades outside the bar (the bar before and after) are not read.
    let outside = [(at(-1), 71_500.0), (at(60), 71_500.0)];
    assert_eq!(
        run(IntrabarPath::Pessimistic, Some(&outside)),
        (dec!(69000), OrderStatus::Expired, 1, 0)
    );
    // Trades inside the bar that never reach the take-profit the bar's high reached (another
    // market's trades, or a hole in the file): the rule decides, and says so.
    let short_of_the_high = [(at(10), 70_900.0), (at(30), 68_500.0)];
    assert_eq!(
        run(IntrabarPath::Pessimistic, Some(&short_of_the_high)),
        (dec!(69000), OrderStatus::Expired, 1, 0)
    );
}

#[test]
fn finer_bars_decide_unless_one_of_them_reaches_both_legs() {
    // Two finer bars (open, extreme, extreme, close each): the first goes up to 71,500, the
    // second down to 68,500: the take-profit came first, decided by the data.
    let apart = [
        (at(0), 70_000.0),
        (at(1), 69_900.0),
        (at(2), 71_500.0),
        (at(29), 70_500.0),
        (at(30), 70_500.0),
        (at(31), 70_600.0),
        (at(32), 68_500.0),
        (at(59), 68_800.0),
    ];
    assert_eq!(
        run_in_units(IntrabarPath::Pessimistic, Some(&apart), 4),
        (dec!(71000), OrderStatus::Filled, 0, 1)
    );
    // One finer bar reaches both 71,500 and 68,500: its own order is a guess, so the rule
    // decides (pessimistic: the stop), and the bar counts as decided by the rule.
    let together = [
        (at(0), 70_000.0),
        (at(1), 71_500.0),
        (at(2), 68_500.0),
        (at(29), 69_000.0),
        (at(30), 69_000.0),
        (at(31), 69_100.0),
        (at(32), 68_900.0),
        (at(59), 68_800.0),
    ];
    assert_eq!(
        run_in_units(IntrabarPath::Pessimistic, Some(&together), 4),
        (dec!(69000), OrderStatus::Expired, 1, 0)
    );
    // The same prices as trades (unit 1) are exact: the take-profit first.
    assert_eq!(
        run(IntrabarPath::Pessimistic, Some(&together)),
        (dec!(71000), OrderStatus::Filled, 0, 1)
    );
}
