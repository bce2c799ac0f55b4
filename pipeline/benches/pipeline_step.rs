//! One full pipeline step per bar (governor state, and for bars with signals trader -> bridge
//! -> governor -> permit -> executor -> ledger against a minimal in-bench venue), in bars/s.
//! Cases: no signals while flat (the common bar), a signal on 1 % of bars, a signal every bar
//! (alternating BUY/SELL, so every bar opens or closes a position with TP/SL orders).

use std::hint::black_box;

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use pipeline::exchange_info::{Environment, SharedSpec, snapshot};
use pipeline::order::{CheckedOrder, OrderType};
use pipeline::signal::{Action, Signal};
use pipeline::stages::{Pipeline, PipelineConfig};
use pipeline::venue::{
    Balance, OrderRef, OrderState, OrderStatus, PositionSnapshot, Venue, VenueError, VenueEvent,
};
use pipeline::{Bar, Price, Qty, Symbol, TimestampMs};
use rust_decimal::Decimal;

const BARS: usize = 10_000;

/// Fills MARKET orders at the mark, accepts conditional orders, reports one position.
struct BenchVenue {
    symbol: Symbol,
    spec: SharedSpec,
    mark: Option<Price>,
    pos: Decimal,
    next_id: i64,
}

impl BenchVenue {
    fn state(&mut self, order: &CheckedOrder, status: OrderStatus, filled: Qty) -> OrderState {
        self.next_id += 1;
        OrderState {
            order_id: self.next_id,
            client_order_id: Default::default(),
            symbol: order.symbol().clone(),
            side: order.side(),
            order_type: order.order_type(),
            time_in_force: None,
            status,
            orig_qty: order.quantity(),
            executed_qty: filled,
            avg_price: self.mark,
            price: None,
            stop_price: order.stop_price(),
            reduce_only: order.reduce_only(),
            close_position: false,
            update_time: TimestampMs(0),
            working_type: order.working_type(),
        }
    }
}

impl Venue for BenchVenue {
    fn now(&self) -> TimestampMs {
        TimestampMs(0)
    }
    fn symbol_spec(&self, symbol: &Symbol) -> Option<SharedSpec> {
        (symbol == &self.symbol).then_some(self.spec)
    }
    fn mark_price(&self, _symbol: &Symbol) -> Option<Price> {
        self.mark
    }
    fn place_order(&mut self, order: &CheckedOrder) -> Result<OrderState, VenueError> {
        if order.order_type() != OrderType::Market {
            return Ok(self.state(order, OrderStatus::New, Qty::ZERO));
        }
        self.pos += order.quantity().get() * order.side().sign();
        Ok(self.state(order, OrderStatus::Filled, order.quantity()))
    }
    fn cancel_order(&mut self, _s: &Symbol, _o: &OrderRef) -> Result<OrderState, VenueError> {
        Err(VenueError::Unavailable("bench".into()))
    }
    fn query_order(&mut self, _s: &Symbol, _o: &OrderRef) -> Result<OrderState, VenueError> {
        Err(VenueError::Unavailable("bench".into()))
    }
    fn open_orders(&mut self, _s: Option<&Symbol>) -> Result<Vec<OrderState>, VenueError> {
        Ok(Vec::new())
    }
    fn positions(&mut self) -> Result<Vec<PositionSnapshot>, VenueError> {
        if self.pos.is_zero() {
            return Ok(Vec::new());
        }
        let mark = self.mark.map_or(Decimal::ZERO, Price::get);
        Ok(vec![PositionSnapshot {
            symbol: self.symbol.clone(),
            position_amt: self.pos,
            entry_price: mark,
            mark_price: mark,
            unrealized_pnl: Decimal::ZERO,
            liquidation_price: Decimal::ZERO,
            leverage: 2,
            isolated: false,
            isolated_margin: Decimal::ZERO,
            update_time: TimestampMs(0),
        }])
    }
    fn balance(&mut self) -> Result<Balance, VenueError> {
        Err(VenueError::Unavailable("bench".into()))
    }
    fn set_leverage(&mut self, _s: &Symbol, _l: u32) -> Result<(), VenueError> {
        Ok(())
    }
    fn drain_events(&mut self) -> Result<Vec<VenueEvent>, VenueError> {
        Ok(Vec::new())
    }
}

struct Fixture {
    symbol: Symbol,
    bars: Vec<Bar>,
    marks: Vec<Option<Price>>,
}

fn fixture() -> Fixture {
    let mut x: u64 = 0x2545_f491_4f6c_dd1d;
    let mut close = 70_000.0_f64;
    let mut bars = Vec::with_capacity(BARS);
    for i in 0..BARS {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let step = ((x % 2001) as f64 - 1000.0) / 10.0;
        close = ((close + step) * 10.0).round() / 10.0;
        bars.push(Bar {
            open_time: TimestampMs(1_770_000_000_000 + 60_000 * i as i64),
            open: close,
            high: close + 5.0,
            low: close - 5.0,
            close,
            volume: 10.0,
        });
    }
    let marks = bars.iter().map(Bar::close_price).collect();
    Fixture {
        symbol: Symbol::new("BTCUSDT").expect("symbol"),
        bars,
        marks,
    }
}

fn venue(f: &Fixture) -> BenchVenue {
    let spec = snapshot(Environment::Mainnet)
        .expect("snapshot")
        .get("BTCUSDT")
        .expect("btc")
        .clone();
    let spec = SharedSpec::new(&spec);
    BenchVenue {
        symbol: f.symbol.clone(),
        spec,
        mark: None,
        pos: Decimal::ZERO,
        next_id: 0,
    }
}

fn signals(f: &Fixture, every: usize) -> Vec<Vec<Signal>> {
    f.bars
        .iter()
        .enumerate()
        .map(|(i, b)| {
            if every == 0 || !i.is_multiple_of(every) {
                return Vec::new();
            }
            let action = if (i / every).is_multiple_of(2) {
                Action::Buy
            } else {
                Action::Sell
            };
            vec![Signal {
                time: b.open_time,
                symbol: f.symbol.clone(),
                action,
                confidence: 0.9,
                source: "bench".into(),
            }]
        })
        .collect()
}

fn run(p: &mut Pipeline, v: &mut BenchVenue, f: &Fixture, sigs: &[Vec<Signal>]) {
    for ((bar, mark), s) in f.bars.iter().zip(&f.marks).zip(sigs) {
        v.mark = *mark;
        p.on_bar(&f.symbol, bar, s, v);
    }
}

fn bench(c: &mut Criterion) {
    let f = fixture();
    let cfg = PipelineConfig::default();
    let mut g = c.benchmark_group("pipeline_step");
    g.throughput(Throughput::Elements(BARS as u64));
    let none = signals(&f, 0);
    g.bench_function("no_signals_flat", |b| {
        let mut p = Pipeline::new(&cfg);
        let mut v = venue(&f);
        b.iter(|| {
            run(&mut p, &mut v, &f, &none);
            black_box(p.funnel().signals)
        })
    });
    for (name, every) in [("signal_on_1pct_of_bars", 100), ("signal_every_bar", 1)] {
        let sigs = signals(&f, every);
        g.bench_function(name, |b| {
            b.iter_batched(
                || (Pipeline::new(&cfg), venue(&f)),
                |(mut p, mut v)| {
                    run(&mut p, &mut v, &f, &sigs);
                    // Returned, so tearing the run down is not timed.
                    (p, v)
                },
                BatchSize::LargeInput,
            )
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
