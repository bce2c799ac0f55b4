//! The shared order check (`ExchangeInfo::check`) in checks/s, on the mainnet snapshot.
//! Cases: orders that pass every filter (the common path of a healthy run), and a mix in which
//! every fourth order fails a different filter (-1111 precision, -4164 min notional, -1121
//! unknown symbol), so the rejection paths with their messages are measured too.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use pipeline::Price;
use pipeline::exchange_info::{Environment, MarketContext, snapshot};
use pipeline::order::{OrderRequest, Side};
use rust_decimal::Decimal;

const ORDERS: usize = 1_000;

fn dec(s: &str) -> Decimal {
    s.parse().expect("decimal literal")
}

fn accepted_orders() -> Vec<OrderRequest> {
    (0..ORDERS)
        .map(|i| {
            let qty = dec("0.002") + Decimal::from(i % 50) * dec("0.001");
            if i % 2 == 0 {
                OrderRequest::market("BTCUSDT", Side::Buy, qty)
            } else {
                let price = dec("70610.0") + Decimal::from(i % 100) * dec("0.1");
                OrderRequest::limit("BTCUSDT", Side::Sell, qty, price)
            }
        })
        .collect()
}

fn mixed_orders() -> Vec<OrderRequest> {
    (0..ORDERS)
        .map(|i| match i % 4 {
            0 => OrderRequest::market("BTCUSDT", Side::Buy, dec("0.0007")),
            1 => OrderRequest::market("BTCUSDT", Side::Sell, dec("0.001")),
            2 => OrderRequest::market("WAVESUSDT", Side::Buy, dec("10")),
            _ => OrderRequest::market("BTCUSDT", Side::Buy, dec("0.002")),
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let info = snapshot(Environment::Mainnet).expect("the shipped snapshot parses");
    let market = MarketContext::at_mark(Price::new(dec("70610")).expect("positive price"));
    let mut group = c.benchmark_group("order_check");
    group.throughput(Throughput::Elements(ORDERS as u64));
    for (name, orders) in [
        ("accepted", accepted_orders()),
        ("mixed_rejects", mixed_orders()),
    ] {
        // Sanity: the case measures what its name says.
        let passed = orders
            .iter()
            .filter(|o| info.check(o, &market).is_ok())
            .count();
        assert!(
            passed > 0 && (name != "accepted" || passed == ORDERS),
            "{name}: {passed}"
        );
        group.bench_function(name, |b| {
            b.iter(|| {
                let mut ok = 0usize;
                for o in &orders {
                    ok += usize::from(info.check(black_box(o), &market).is_ok());
                }
                black_box(ok)
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
