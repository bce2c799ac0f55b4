//! Property tests over random bar and order sequences on two symbols, under random configs:
//! - money is conserved: wallet = initial + realised - fees - funding + insurance, and
//!   equity - initial = the fills' cash flows + positions at the mark - fees - funding +
//!   insurance (so realised + unrealised PnL are exactly what the trades made);
//! - every accepted order passes every exchange filter; every fill is on the tick and step
//!   grids and inside the range of the bar it happened in;
//! - order states follow Binance's lifecycle;
//! - the same inputs give the same events, byte for byte.

mod common;

use std::collections::BTreeMap;

use common::mainnet;
use exchange_sim::orders::is_valid_transition;
use exchange_sim::{
    FundingConfig, IntrabarPath, LimitFill, MarginMode, MarketFill, SimConfig, SimExchange,
    SlippageModel,
};
use pipeline::exchange_info::{MarketContext, check_order};
use pipeline::order::{OrderRequest, OrderType, Side, TimeInForce};
use pipeline::venue::{OrderRef, OrderStatus, VenueEvent};
use pipeline::{Bar, Interval, TimestampMs};
use proptest::prelude::*;
use rust_decimal::Decimal;
use rust_decimal_macros::dec;

const SYMBOLS: [&str; 2] = ["BTCUSDT", "ETHUSDT"];

#[derive(Debug, Clone)]
struct Move {
    gap_bps: i64,
    drift_bps: i64,
    up_bps: i64,
    down_bps: i64,
    volume_tenths: u32,
}

#[derive(Debug, Clone)]
enum Action {
    Bars([Move; 2]),
    Market {
        sym: usize,
        buy: bool,
        steps: u32,
        reduce_only: bool,
    },
    Limit {
        sym: usize,
        buy: bool,
        steps: u32,
        offset_bps: i64,
        tif: u8,
        reduce_only: bool,
    },
    Conditional {
        sym: usize,
        buy: bool,
        tp: bool,
        steps: u32,
        offset_bps: i64,
        flags: u8,
    },
    Cancel {
        sym: usize,
        nth: usize,
    },
    Leverage {
        sym: usize,
        leverage: u32,
    },
    Mode {
        sym: usize,
        isolated: bool,
    },
}

fn moves() -> impl Strategy<Value = Move> {
    (
        -30i64..=30,
        -400i64..=400,
        0i64..=150,
        0i64..=150,
        0u32..=40,
    )
        .prop_map(
            |(gap_bps, drift_bps, up_bps, down_bps, volume_tenths)| Move {
                gap_bps,
                drift_bps,
                up_bps,
                down_bps,
                volume_tenths,
            },
        )
}

fn action() -> impl Strategy<Value = Action> {
    let sym = 0usize..2;
    prop_oneof![
        4 => [moves(), moves()].prop_map(Action::Bars),
        2 => (sym.clone(), any::<bool>(), 1u32..400, any::<bool>())
            .prop_map(|(sym, buy, steps, reduce_only)| Action::Market { sym, buy, steps, reduce_only }),
        2 => (sym.clone(), any::<bool>(), 1u32..400, -150i64..150, 0u8..4, any::<bool>())
            .prop_map(|(sym, buy, steps, offset_bps, tif, reduce_only)| Action::Limit {
                sym, buy, steps, offset_bps, tif, reduce_only
            }),
        2 => (sym.clone(), any::<bool>(), any::<bool>(), 1u32..400, -50i64..300, 0u8..3)
            .prop_map(|(sym, buy, tp, steps, offset_bps, flags)| Action::Conditional {
                sym, buy, tp, steps, offset_bps, flags
            }),
        1 => (sym.clone(), 0usize..4).prop_map(|(sym, nth)| Action::Cancel { sym, nth }),
        1 => (sym.clone(), 1u32..130).prop_map(|(sym, leverage)| Action::Leverage { sym, leverage }),
        1 => (sym, any::<bool>()).prop_map(|(sym, isolated)| Action::Mode { sym, isolated }),
    ]
}

fn config() -> impl Strategy<Value = SimConfig> {
    (
        (any::<bool>(), any::<bool>(), any::<bool>(), any::<bool>()),
        (
            0u8..3,
            any::<bool>(),
            0usize..3,
            any::<bool>(),
            any::<bool>(),
            any::<u64>(),
        ),
    )
        .prop_map(
            |((isolated, close, touch, direction), (slip, partial, lev, rich, negative, seed))| {
                SimConfig {
                    margin_mode: if isolated {
                        MarginMode::Isolated
                    } else {
                        MarginMode::Cross
                    },
                    market_fill: if close {
                        MarketFill::CurrentClose
                    } else {
                        MarketFill::NextOpen
                    },
                    limit_fill: if touch {
                        LimitFill::Touch
                    } else {
                        LimitFill::TradeThrough
                    },
                    intrabar: if direction {
                        IntrabarPath::BarDirection
                    } else {
                        IntrabarPath::Pessimistic
                    },
                    slippage: match slip {
                        0 => SlippageModel::None,
                        1 => SlippageModel::FixedBps { bps: dec!(5) },
                        _ => SlippageModel::BarRange {
                            fraction: dec!(0.3),
                        },
                    },
                    max_participation: partial.then_some(dec!(0.5)),
                    default_leverage: [5, 20, 100][lev],
                    initial_balance: if rich { dec!(10000) } else { dec!(1000) },
                    funding: FundingConfig {
                        interval_hours: 1,
                        constant_rate: if negative {
                            dec!(-0.0003)
                        } else {
                            dec!(0.0001)
                        },
                        enabled: true,
                        recorded: true,
                    },
                    seed,
                    ..SimConfig::default()
                }
            },
        )
}

/// Rounds onto a tick (up or down).
fn on_tick(v: Decimal, tick: Decimal, up: bool) -> Decimal {
    let u = v / tick;
    (if up { u.ceil() } else { u.floor() }) * tick
}

fn f(d: Decimal) -> f64 {
    d.to_string().parse().unwrap_or(f64::NAN)
}

struct Run {
    ex: SimExchange,
    ids: [exchange_sim::SymId; 2],
    price: [Decimal; 2],
    k: i64,
    bars: [Option<Bar>; 2],
    /// Fills' signed quantities and cash flows per symbol (independent bookkeeping).
    qty: [Decimal; 2],
    cash: Decimal,
    fees: Decimal,
    realized: Decimal,
    funding: Decimal,
    status: BTreeMap<i64, (OrderStatus, Decimal)>,
    log: Vec<VenueEvent>,
    specs: [pipeline::exchange_info::SymbolSpec; 2],
}

impl Run {
    fn new(cfg: SimConfig) -> Run {
        let ex = SimExchange::new(mainnet(), cfg, Interval::M15).expect("exchange");
        let ids = SYMBOLS.map(|s| ex.symbol_id(s).expect("listed"));
        Run {
            ex,
            ids,
            price: [dec!(70000), dec!(3000)],
            k: 0,
            bars: [None, None],
            qty: [Decimal::ZERO; 2],
            cash: Decimal::ZERO,
            fees: Decimal::ZERO,
            realized: Decimal::ZERO,
            funding: Decimal::ZERO,
            status: BTreeMap::new(),
            log: Vec::new(),
            specs: SYMBOLS.map(|s| mainnet().get(s).expect("listed").clone()),
        }
    }

    fn spec(&self, s: usize) -> pipeline::exchange_info::SymbolSpec {
        self.specs[s].clone()
    }

    fn bars(&mut self, m: &[Move; 2]) -> Result<(), TestCaseError> {
        let t = TimestampMs::from_utc(2026, 1, 1, 0, 0, 0).plus_ms(self.k * 900_000);
        self.k += 1;
        for (s, mv) in m.iter().enumerate() {
            let tick = self.spec(s).price_filter.tick_size;
            let bps = |x: i64| Decimal::ONE + Decimal::new(x, 4);
            let prev = self.price[s];
            let open = on_tick(prev * bps(mv.gap_bps), tick, true);
            let close = on_tick(open * bps(mv.drift_bps), tick, false).max(tick);
            let high = on_tick(open.max(close) * bps(mv.up_bps), tick, true);
            let low = on_tick(open.min(close) * bps(-mv.down_bps), tick, false).max(tick);
            self.price[s] = close;
            let bar = Bar {
                open_time: t,
                open: f(open),
                high: f(high),
                low: f(low),
                close: f(close),
                volume: f64::from(mv.volume_tenths) / 10.0,
            };
            self.bars[s] = Some(bar);
            self.ex
                .on_bar(self.ids[s], &bar)
                .map_err(|e| TestCaseError::fail(e.to_string()))?;
            self.check_events()?;
        }
        Ok(())
    }

    fn submit(&mut self, s: usize, req: OrderRequest) -> Result<(), TestCaseError> {
        let spec = self.spec(s);
        let mark = self.ex.mark(self.ids[s]);
        let result = self.ex.submit(&req);
        if result.is_ok() {
            // An accepted order passes every filter of the spec valid now, at the mark.
            let mark = mark.ok_or_else(|| TestCaseError::fail("accepted without a mark"))?;
            let again = check_order(Some(&spec), &req, &MarketContext::at_mark(mark));
            prop_assert!(again.is_ok(), "accepted but fails the filters: {:?}", again);
        }
        self.check_events()
    }

    fn apply(&mut self, a: &Action) -> Result<(), TestCaseError> {
        if self.bars[0].is_none() && !matches!(a, Action::Bars(_)) {
            return Ok(());
        }
        match a {
            Action::Bars(m) => self.bars(m)?,
            Action::Market {
                sym,
                buy,
                steps,
                reduce_only,
            } => {
                let qty = self.qty_of(*sym, *steps);
                let req = OrderRequest::market(SYMBOLS[*sym], side(*buy), qty)
                    .with_reduce_only(*reduce_only);
                self.submit(*sym, req)?;
            }
            Action::Limit {
                sym,
                buy,
                steps,
                offset_bps,
                tif,
                reduce_only,
            } => {
                let qty = self.qty_of(*sym, *steps);
                let tick = self.spec(*sym).price_filter.tick_size;
                let px = on_tick(
                    self.price[*sym] * (Decimal::ONE + Decimal::new(*offset_bps, 4)),
                    tick,
                    false,
                );
                let tif = [
                    TimeInForce::Gtc,
                    TimeInForce::Ioc,
                    TimeInForce::Fok,
                    TimeInForce::Gtx,
                ][*tif as usize];
                let req = OrderRequest::limit(SYMBOLS[*sym], side(*buy), qty, px)
                    .with_time_in_force(tif)
                    .with_reduce_only(*reduce_only);
                self.submit(*sym, req)?;
            }
            Action::Conditional {
                sym,
                buy,
                tp,
                steps,
                offset_bps,
                flags,
            } => {
                let tick = self.spec(*sym).price_filter.tick_size;
                // Stops above the price for BUY, below for SELL (TP the other way); a
                // negative offset asks for an immediate trigger (-2021).
                let dir = if *buy != *tp { 1 } else { -1 };
                let px = on_tick(
                    self.price[*sym] * (Decimal::ONE + Decimal::new(dir * offset_bps, 4)),
                    tick,
                    true,
                );
                let kind = if *tp {
                    OrderType::TakeProfitMarket
                } else {
                    OrderType::StopMarket
                };
                let mut req = OrderRequest::conditional(
                    SYMBOLS[*sym],
                    side(*buy),
                    kind,
                    self.qty_of(*sym, *steps),
                    px,
                );
                match flags {
                    1 => req.reduce_only = true,
                    2 => {
                        req.close_position = true;
                        req.quantity = None;
                    }
                    _ => {}
                }
                self.submit(*sym, req)?;
            }
            Action::Cancel { sym, nth } => {
                let open = self.ex.open_orders(Some(self.ids[*sym]));
                if let Some(o) = open.get(*nth) {
                    let r = self.ex.cancel(SYMBOLS[*sym], &OrderRef::Id(o.order_id));
                    if o.order_type != OrderType::Market {
                        prop_assert!(r.is_ok(), "cancel of an open order failed: {:?}", r);
                    }
                }
                self.check_events()?;
            }
            Action::Leverage { sym, leverage } => {
                let _ = self.ex.set_leverage(SYMBOLS[*sym], *leverage);
            }
            Action::Mode { sym, isolated } => {
                let mode = if *isolated {
                    MarginMode::Isolated
                } else {
                    MarginMode::Cross
                };
                let _ = self.ex.set_margin_mode(SYMBOLS[*sym], mode);
                self.check_events()?;
            }
        }
        self.check_money()
    }

    fn qty_of(&self, s: usize, steps: u32) -> Decimal {
        let step = self.spec(s).lot_size.step_size;
        let scale = if s == 0 { 1 } else { 10 };
        step * Decimal::from(steps * scale)
    }

    fn check_events(&mut self) -> Result<(), TestCaseError> {
        let events = self.ex.take_events();
        for e in &events {
            match e {
                VenueEvent::Fill(fill) => {
                    let s = SYMBOLS
                        .iter()
                        .position(|n| *n == fill.symbol.as_str())
                        .unwrap_or(0);
                    let bar =
                        self.bars[s].ok_or_else(|| TestCaseError::fail("fill before a bar"))?;
                    let p = fill.price.get();
                    prop_assert!(
                        f(p) >= bar.low && f(p) <= bar.high,
                        "fill {} outside [{}, {}]",
                        p,
                        bar.low,
                        bar.high
                    );
                    let spec = self.spec(s);
                    prop_assert!(
                        (p % spec.price_filter.tick_size).is_zero(),
                        "price {} off tick",
                        p
                    );
                    prop_assert!(
                        (fill.qty.get() % spec.lot_size.step_size).is_zero(),
                        "qty off step"
                    );
                    prop_assert!(!fill.qty.is_zero());
                    let signed = fill.side.sign() * fill.qty.get();
                    self.qty[s] += signed;
                    self.cash -= signed * p;
                    self.fees += fill.fee;
                    self.realized += fill.realized_pnl;
                }
                VenueEvent::Funding { amount, .. } => self.funding -= *amount,
                VenueEvent::OrderUpdate(o) => {
                    let prev = self.status.get(&o.order_id).copied();
                    match prev {
                        None => prop_assert_eq!(o.status, OrderStatus::New),
                        Some((from, executed)) => {
                            prop_assert!(
                                is_valid_transition(from, o.status),
                                "order {}: {:?} -> {:?}",
                                o.order_id,
                                from,
                                o.status
                            );
                            prop_assert!(o.executed_qty.get() >= executed);
                        }
                    }
                    if !o.close_position {
                        prop_assert!(o.executed_qty <= o.orig_qty);
                    }
                    self.status
                        .insert(o.order_id, (o.status, o.executed_qty.get()));
                }
                VenueEvent::Liquidation { .. } => {}
            }
        }
        self.log.extend(events);
        Ok(())
    }

    fn check_money(&self) -> Result<(), TestCaseError> {
        let a = self.ex.account();
        prop_assert_eq!(
            a.wallet_balance,
            a.initial_balance + a.realized_pnl - a.fees_paid - a.funding_paid + a.insurance_covered
        );
        prop_assert_eq!(a.fees_paid, self.fees);
        prop_assert_eq!(a.realized_pnl, self.realized);
        prop_assert_eq!(a.funding_paid, self.funding);
        let mut value = Decimal::ZERO;
        for s in 0..2 {
            prop_assert_eq!(self.ex.position_amt(self.ids[s]), self.qty[s]);
            if let Some(m) = self.ex.mark(self.ids[s]) {
                value += self.qty[s] * m.get();
            }
        }
        // Realised + unrealised PnL = what the fills paid and received + positions at the mark.
        prop_assert_eq!(
            a.equity - a.initial_balance,
            self.cash + value - a.fees_paid - a.funding_paid + a.insurance_covered
        );
        prop_assert_eq!(a.equity, a.wallet_balance + a.unrealized_pnl);
        // The equity curve's f64 fast path tracks the exact equity.
        let exact = f(a.equity);
        let fast = self.ex.equity_f64();
        prop_assert!(
            (fast - exact).abs() <= 1e-9 * exact.abs().max(1.0),
            "equity_f64 {} vs exact {}",
            fast,
            exact
        );
        for s in 0..2 {
            if let Some(p) = self.ex.position(self.ids[s]) {
                prop_assert_eq!(
                    p.liquidation_price,
                    self.ex.liquidation_price(self.ids[s]).unwrap_or_default()
                );
            }
        }
        prop_assert_eq!(
            self.ex.has_open_position(),
            self.qty.iter().any(|q| !q.is_zero())
        );
        for o in self.ex.open_orders(None) {
            prop_assert!(
                !o.status.is_final(),
                "final order {} still open",
                o.order_id
            );
        }
        Ok(())
    }
}

fn side(buy: bool) -> Side {
    if buy { Side::Buy } else { Side::Sell }
}

fn run(cfg: &SimConfig, actions: &[Action]) -> Result<Run, TestCaseError> {
    let mut r = Run::new(cfg.clone());
    for a in actions {
        r.apply(a)?;
    }
    Ok(r)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 160, ..ProptestConfig::default() })]

    #[test]
    fn invariants_hold_over_random_sequences(
        cfg in config(),
        actions in prop::collection::vec(action(), 1..80),
    ) {
        let first = run(&cfg, &actions)?;
        // Determinism: the same config, seed and inputs give the same events, byte for byte.
        let second = run(&cfg, &actions)?;
        let a = serde_json::to_string(&first.log).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let b = serde_json::to_string(&second.log).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(a, b);
        prop_assert_eq!(first.ex.account(), second.ex.account());
    }
}

#[test]
fn random_sequences_do_trade() {
    // Guards the property test against vacuity: a fixed busy sequence fills, liquidates or
    // pays funding.
    let up = Move {
        gap_bps: 0,
        drift_bps: 300,
        up_bps: 50,
        down_bps: 50,
        volume_tenths: 40,
    };
    let down = Move {
        drift_bps: -400,
        ..up.clone()
    };
    let range = Move {
        drift_bps: 0,
        up_bps: 150,
        ..up.clone()
    };
    let cfg = SimConfig {
        default_leverage: 100,
        margin_mode: MarginMode::Isolated,
        funding: FundingConfig {
            interval_hours: 1,
            ..FundingConfig::default()
        },
        ..SimConfig::default()
    };
    let mut acts = vec![Action::Bars([up.clone(), up.clone()])];
    acts.push(Action::Market {
        sym: 0,
        buy: true,
        steps: 100,
        reduce_only: false,
    });
    acts.push(Action::Limit {
        sym: 1,
        buy: false,
        steps: 50,
        offset_bps: 100,
        tif: 0,
        reduce_only: false,
    });
    for _ in 0..6 {
        acts.push(Action::Bars([down.clone(), range.clone()]));
    }
    let r = run(&cfg, &acts).expect("runs");
    assert!(r.log.iter().any(|e| matches!(e, VenueEvent::Fill(_))));
    assert!(
        r.log
            .iter()
            .any(|e| matches!(e, VenueEvent::Liquidation { .. }))
    );
    assert!(
        r.log
            .iter()
            .any(|e| matches!(e, VenueEvent::Funding { .. }))
    );
}
