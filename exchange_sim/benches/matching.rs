//! Throughput of the simulated exchange: bars/s through the matching engine with 0, 10 and
//! 100 resting orders that the bars never reach (the common case of a backtest), bars/s with
//! an open position, and orders/s for placement (resting LIMIT, and MARKET filled at once).
//!
//! `cargo bench -p exchange_sim` times them; `cargo test --benches` runs each once.

use std::hint::black_box;

use criterion::{BatchSize, BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use exchange_sim::{MarketFill, SimConfig, SimExchange, SymId};
use pipeline::exchange_info::{Environment, snapshot};
use pipeline::order::{OrderRequest, OrderType, Side};
use pipeline::{Bar, Interval, TimestampMs};
use rust_decimal::Decimal;

const BARS: usize = 10_000;

/// A deterministic 1-minute random walk around 70,000 on the 0.10 tick, +-0.3 % per bar.
fn walk(n: usize) -> Vec<Bar> {
    let t0 = TimestampMs::from_utc(2026, 1, 1, 0, 0, 0);
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state % 401) as i64 - 200
    };
    let mut close = 700_000i64; // in ticks of 0.1
    (0..n)
        .map(|k| {
            let open = close;
            close = (open + next()).clamp(680_000, 720_000);
            let high = open.max(close) + next().abs() / 2;
            let low = open.min(close) - next().abs() / 2;
            Bar {
                open_time: t0.plus_ms(k as i64 * 60_000),
                open: open as f64 / 10.0,
                high: high as f64 / 10.0,
                low: low as f64 / 10.0,
                close: close as f64 / 10.0,
                volume: 12.5,
            }
        })
        .collect()
}

/// An exchange with `open` far-away orders on BTCUSDT (limits, stops and take-profits) and,
/// if `position`, a 0.01 BTC long.
fn prepared(open: usize, position: bool, bars: &[Bar]) -> (SimExchange, SymId) {
    let info = snapshot(Environment::Mainnet).expect("snapshot");
    let cfg = SimConfig {
        market_fill: MarketFill::CurrentClose,
        initial_balance: Decimal::from(1_000_000),
        ..SimConfig::default()
    };
    let mut ex = SimExchange::new(info, cfg, Interval::M1).expect("exchange");
    let btc = ex.symbol_id("BTCUSDT").expect("btc");
    ex.on_bar(btc, &bars[0]).expect("first bar");
    let q = Decimal::new(2, 3);
    for k in 0..open {
        let off = Decimal::from(k as i64);
        let req = match k % 4 {
            0 => OrderRequest::limit("BTCUSDT", Side::Buy, q, Decimal::from(60_000) - off),
            1 => OrderRequest::limit("BTCUSDT", Side::Sell, q, Decimal::from(80_000) + off),
            2 => OrderRequest::conditional(
                "BTCUSDT",
                Side::Buy,
                OrderType::StopMarket,
                q,
                Decimal::from(81_000) + off,
            ),
            _ => OrderRequest::conditional(
                "BTCUSDT",
                Side::Buy,
                OrderType::TakeProfitMarket,
                q,
                Decimal::from(59_000) - off,
            ),
        };
        ex.submit(&req).expect("placed");
    }
    if position {
        ex.submit(&OrderRequest::market(
            "BTCUSDT",
            Side::Buy,
            Decimal::new(1, 2),
        ))
        .expect("long");
    }
    ex.take_events();
    (ex, btc)
}

fn bars_per_second(c: &mut Criterion) {
    let bars = walk(BARS + 1);
    let mut g = c.benchmark_group("on_bar");
    g.throughput(Throughput::Elements(BARS as u64));
    let cases = [
        ("open_orders", 0, false),
        ("open_orders", 10, false),
        ("open_orders", 100, false),
        ("position", 0, true),
    ];
    for (name, open, position) in cases {
        let (ex, btc) = prepared(open, position, &bars);
        g.bench_with_input(BenchmarkId::new(name, open), &open, |b, _| {
            b.iter_batched_ref(
                || ex.clone(),
                |ex| {
                    for bar in &bars[1..] {
                        let r = ex.on_bar(btc, black_box(bar));
                        black_box(r).ok();
                    }
                },
                BatchSize::LargeInput,
            );
        });
    }
    g.finish();
}

fn orders_per_second(c: &mut Criterion) {
    let bars = walk(2);
    let (ex, _) = prepared(0, false, &bars);
    let mut g = c.benchmark_group("submit");
    const N: usize = 100;
    g.throughput(Throughput::Elements(N as u64));
    let limits: Vec<OrderRequest> = (0..N)
        .map(|k| {
            OrderRequest::limit(
                "BTCUSDT",
                Side::Buy,
                Decimal::new(2, 3),
                Decimal::from(60_000 - k as i64),
            )
        })
        .collect();
    g.bench_function("limit_resting", |b| {
        b.iter_batched_ref(
            || ex.clone(),
            |ex| {
                for r in &limits {
                    black_box(ex.submit(r)).ok();
                }
            },
            BatchSize::SmallInput,
        );
    });
    let markets: Vec<OrderRequest> = (0..N)
        .map(|k| {
            let side = if k % 2 == 0 { Side::Buy } else { Side::Sell };
            OrderRequest::market("BTCUSDT", side, Decimal::new(2, 3))
        })
        .collect();
    g.bench_function("market_filled", |b| {
        b.iter_batched_ref(
            || ex.clone(),
            |ex| {
                for r in &markets {
                    black_box(ex.submit(r)).ok();
                }
            },
            BatchSize::SmallInput,
        );
    });
    g.finish();
}

criterion_group!(benches, bars_per_second, orders_per_second);
criterion_main!(benches);
