//! Quiet bars passed in one go leave the exchange exactly as `on_bar` one bar at a time does:
//! the same equity point after every bar (bit for bit), the same events, fills and clock,
//! under random orders, triggers, funding and liquidation levels. And a quiet run ends at the
//! first bar that needs `on_bar`.

mod common;

use common::{bar, btc, exchange, t0};
use exchange_sim::{FundingConfig, MarginMode, SimConfig, SimExchange, SymId};
use pipeline::order::{OrderRequest, OrderType, Side};
use pipeline::venue::VenueEvent;
use pipeline::{Bar, BarColumns};
use proptest::prelude::*;
use rust_decimal::Decimal;
use rust_decimal_macros::dec;

#[derive(Debug, Clone)]
enum Step {
    /// Bars as (drift, up, down) in ticks of 0.1.
    Bars(Vec<(i64, i64, i64)>),
    Market {
        buy: bool,
        lots: u32,
    },
    Limit {
        buy: bool,
        lots: u32,
        away: i64,
    },
    Trigger {
        buy: bool,
        tp: bool,
        away: i64,
    },
    CancelAll,
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        4 => prop::collection::vec((-300i64..=300, 0i64..=250, 0i64..=250), 1..90)
            .prop_map(Step::Bars),
        2 => (any::<bool>(), 1u32..40).prop_map(|(buy, lots)| Step::Market { buy, lots }),
        1 => (any::<bool>(), 1u32..40, 1i64..3000)
            .prop_map(|(buy, lots, away)| Step::Limit { buy, lots, away }),
        2 => (any::<bool>(), any::<bool>(), 1i64..3000)
            .prop_map(|(buy, tp, away)| Step::Trigger { buy, tp, away }),
        1 => Just(Step::CancelAll),
    ]
}

fn config() -> impl Strategy<Value = SimConfig> {
    (0usize..3, any::<bool>(), any::<bool>()).prop_map(|(lev, isolated, funding)| SimConfig {
        default_leverage: [5, 20, 125][lev],
        margin_mode: if isolated {
            MarginMode::Isolated
        } else {
            MarginMode::Cross
        },
        initial_balance: dec!(2000),
        funding: FundingConfig {
            interval_hours: 1,
            constant_rate: dec!(0.0001),
            enabled: funding,
            recorded: true,
        },
        ..SimConfig::default()
    })
}

/// Owned columns of some bars, lent as `BarColumns`.
struct Cols {
    times: Vec<i64>,
    prices: [Vec<f64>; 5],
}

impl Cols {
    fn of(bars: &[Bar]) -> Cols {
        let f = |g: fn(&Bar) -> f64| bars.iter().map(g).collect::<Vec<f64>>();
        Cols {
            times: bars.iter().map(|b| b.open_time.0).collect(),
            prices: [
                f(|b| b.open),
                f(|b| b.high),
                f(|b| b.low),
                f(|b| b.close),
                f(|b| b.volume),
            ],
        }
    }

    fn view(&self) -> BarColumns<'_> {
        let [opens, highs, lows, closes, volumes] = &self.prices;
        BarColumns {
            open_times: &self.times,
            opens,
            highs,
            lows,
            closes,
            volumes,
        }
    }
}

/// Two exchanges fed the same bars and orders: `one` bar by bar, `quiet` passing quiet runs.
struct Twins {
    one: SimExchange,
    quiet: SimExchange,
    id: SymId,
    /// Next bar index and last close, in tenths.
    k: i64,
    close: i64,
    quiet_bars: usize,
}

impl Twins {
    fn new(cfg: SimConfig) -> Twins {
        let one = exchange(cfg.clone());
        let id = btc(&one);
        Twins {
            one,
            quiet: exchange(cfg),
            id,
            k: 0,
            close: 700_000,
            quiet_bars: 0,
        }
    }

    fn bars(&mut self, moves: &[(i64, i64, i64)]) -> Vec<Bar> {
        let px = |tenths: i64| tenths.max(10) as f64 / 10.0;
        moves
            .iter()
            .map(|&(drift, up, down)| {
                let open = self.close;
                let close = (open + drift).max(10);
                let b = bar(
                    self.k,
                    px(open),
                    px(open.max(close) + up),
                    px(open.min(close) - down),
                    px(close),
                );
                self.k += 1;
                self.close = close;
                b
            })
            .collect()
    }

    fn feed(&mut self, bars: &[Bar]) -> Result<(), TestCaseError> {
        let point = |ex: &SimExchange| (ex.equity_f64().to_bits(), ex.has_open_position());
        let mut expected = Vec::new();
        let mut events = Vec::new();
        for b in bars {
            self.one.on_bar(self.id, b).expect("bar in order");
            expected.push(point(&self.one));
            events.extend(self.one.take_events());
        }
        let cols = Cols::of(bars);
        let columns = cols.view();
        let closes = columns.closes;
        let mut got = Vec::new();
        let mut got_events: Vec<VenueEvent> = Vec::new();
        let mut k = 0;
        while k < bars.len() {
            let n = self.quiet.quiet_bars(self.id, &columns, k, bars.len());
            if n == 0 {
                self.quiet.on_bar(self.id, &bars[k]).expect("bar in order");
                got.push(point(&self.quiet));
                got_events.extend(self.quiet.take_events());
                k += 1;
                continue;
            }
            self.quiet.pass_quiet(self.id, &bars[k + n - 1]);
            let account = self.quiet.quiet_account(self.id);
            got.extend(
                closes[k..k + n]
                    .iter()
                    .map(|&c| (account.equity_at(c).to_bits(), account.in_market())),
            );
            prop_assert!(self.quiet.take_events().is_empty());
            self.quiet_bars += n;
            k += n;
        }
        prop_assert_eq!(got, expected);
        prop_assert_eq!(got_events, events);
        prop_assert_eq!(self.quiet.now(), self.one.now());
        Ok(())
    }

    fn order(&mut self, req: &OrderRequest) -> Result<(), TestCaseError> {
        let a = format!("{:?}", self.one.submit(req));
        let b = format!("{:?}", self.quiet.submit(req));
        prop_assert_eq!(a, b);
        let (a, b) = (self.one.take_events(), self.quiet.take_events());
        prop_assert_eq!(a, b);
        Ok(())
    }

    fn apply(&mut self, s: &Step) -> Result<(), TestCaseError> {
        let side = |buy: bool| if buy { Side::Buy } else { Side::Sell };
        let lots = |n: u32| Decimal::new(i64::from(n), 3);
        let away = |tenths: i64| Decimal::new(self.close + tenths, 1);
        let near = |tenths: i64| Decimal::new((self.close - tenths).max(10), 1);
        match s {
            Step::Bars(moves) => {
                let bars = self.bars(moves);
                self.feed(&bars)?;
            }
            Step::Market { buy, lots: n } => {
                self.order(&OrderRequest::market("BTCUSDT", side(*buy), lots(*n)))?
            }
            Step::Limit {
                buy,
                lots: n,
                away: d,
            } => {
                let px = if *buy { near(*d) } else { away(*d) };
                self.order(&OrderRequest::limit("BTCUSDT", side(*buy), lots(*n), px))?
            }
            Step::Trigger { buy, tp, away: d } => {
                // A stop above the price for BUY, below for SELL; a take-profit the other way.
                let above = *buy != *tp;
                let px = if above { away(*d) } else { near(*d) };
                let kind = if *tp {
                    OrderType::TakeProfitMarket
                } else {
                    OrderType::StopMarket
                };
                let req = OrderRequest::conditional("BTCUSDT", side(*buy), kind, lots(5), px)
                    .with_reduce_only(true);
                self.order(&req)?
            }
            Step::CancelAll => {
                let a = format!("{:?}", self.one.cancel_all_orders("BTCUSDT"));
                let b = format!("{:?}", self.quiet.cancel_all_orders("BTCUSDT"));
                prop_assert_eq!(a, b);
                prop_assert_eq!(self.one.take_events(), self.quiet.take_events());
            }
        }
        Ok(())
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn passing_quiet_bars_changes_nothing_but_the_speed(
        cfg in config(),
        steps in prop::collection::vec(step(), 1..40),
    ) {
        let mut twins = Twins::new(cfg);
        for s in &steps {
            twins.apply(s)?;
        }
        let fills = |ex: &SimExchange| format!("{:?}", ex.fills());
        prop_assert_eq!(fills(&twins.one), fills(&twins.quiet));
        prop_assert_eq!(twins.one.equity(), twins.quiet.equity());
    }
}

#[test]
fn a_quiet_run_ends_at_a_trigger_a_pending_order_or_funding() {
    let cfg = SimConfig {
        funding: FundingConfig {
            interval_hours: 1,
            constant_rate: dec!(0.0001),
            enabled: true,
            recorded: true,
        },
        ..SimConfig::default()
    };
    let mut twins = Twins::new(cfg);
    let id = twins.id;
    // The first bar of a symbol is busy (funding time not known yet), the next ones are quiet
    // until the next funding time, at 01:00 (bar 60 closes at 01:00:59.999 > 01:00).
    let flat: Vec<(i64, i64, i64)> = vec![(0, 5, 5); 120];
    let bars = twins.bars(&flat);
    let cols = Cols::of(&bars);
    let columns = cols.view();
    let ex = &mut twins.quiet;
    assert_eq!(ex.quiet_bars(id, &columns, 0, 120), 0, "the first bar");
    ex.on_bar(id, &bars[0]).expect("in order");
    let funding_bar = (1..120)
        .find(|&k| bars[k].open_time.0 + 59_999 >= t0().0 + 3_600_000)
        .expect("an hour in");
    assert_eq!(ex.quiet_bars(id, &columns, 1, 120), funding_bar - 1);
    assert_eq!(ex.quiet_bars(id, &columns, 1, 10), 9, "up to the limit");

    // A resting trigger: quiet until a bar reaches it.
    ex.submit(&OrderRequest::market("BTCUSDT", Side::Buy, dec!(0.01)))
        .expect("accepted");
    assert_eq!(
        ex.quiet_bars(id, &columns, 1, 120),
        0,
        "a MARKET order waits"
    );
    ex.on_bar(id, &bars[1]).expect("in order");
    let stop = OrderRequest::conditional(
        "BTCUSDT",
        Side::Sell,
        OrderType::StopMarket,
        dec!(0.01),
        dec!(69990),
    )
    .with_reduce_only(true);
    ex.submit(&stop).expect("accepted");
    let _ = ex.take_events();
    assert_eq!(ex.quiet_bars(id, &columns, 2, 50), 48);
    let mut dipped = bars.clone();
    dipped[20].low = 69_990.0;
    let dipped = Cols::of(&dipped);
    let columns = dipped.view();
    assert_eq!(
        ex.quiet_bars(id, &columns, 2, 50),
        18,
        "the stop is reached at bar 20"
    );
    // An event not yet read makes every bar busy.
    ex.cancel_all_orders("BTCUSDT").expect("cancelled");
    assert_eq!(ex.quiet_bars(id, &columns, 2, 50), 0);
}
