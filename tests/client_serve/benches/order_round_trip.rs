//! One order round trip through the live client against `serve` on loopback: a LIMIT
//! order placed (`POST /fapi/v1/order`, signed) and cancelled (`DELETE /fapi/v1/order`),
//! measured as one element. The server runs in-process on 127.0.0.1:0 with the step clock, so
//! the market does not move and nothing fills while measuring (a MARKET order fills at once and
//! would grow a position with every iteration, so only the LIMIT round trip is timed; the
//! `serve_load` example measures concurrent clients, MARKET orders included).

use std::hint::black_box;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use exchange_sim::SimConfig;
use live::client::{Client, ClientConfig, Credentials, Environment};
use pipeline::exchange_info::{Environment as Snap, MarketContext, check_order, snapshot};
use pipeline::order::{OrderRequest, Side};
use pipeline::venue::OrderRef;
use pipeline::{Bar, Interval, Price, Symbol, TimestampMs};
use rust_decimal_macros::dec;
use serve::{ApiKey, ServeConfig, Server};

fn market() -> Vec<(Symbol, Bar)> {
    let s = Symbol::new("BTCUSDT").expect("symbol");
    let t0 = TimestampMs::from_utc(2026, 1, 1, 0, 0, 0);
    (0..100)
        .map(|i| {
            let bar = Bar {
                open_time: t0.plus_ms(i * 60_000),
                open: 70_000.0,
                high: 70_050.0,
                low: 69_950.0,
                close: 70_000.0,
                volume: 100.0,
            };
            (s.clone(), bar)
        })
        .collect()
}

fn round_trip(c: &mut Criterion) {
    let info = snapshot(Snap::Testnet).expect("embedded info");
    let spec = info.get("BTCUSDT").expect("BTCUSDT").clone();
    let key = ApiKey {
        key: "bench-key".into(),
        secret: "bench-secret".into(),
    };
    let mut cfg = ServeConfig::new(
        info,
        SimConfig::default(),
        Interval::M1,
        market(),
        vec![key],
    );
    cfg.warmup_steps = 10;
    cfg.weight_limit = u32::MAX;
    // Thousands of orders a second: Binance's order-rate limits would refuse the measurement.
    cfg.order_limits = (u32::MAX, u32::MAX);
    let server = Server::start(cfg).expect("server");
    let mut ccfg = ClientConfig::new(Environment::Testnet)
        .with_base_url(server.base_url())
        .with_credentials(Credentials::new("bench-key", "bench-secret"));
    ccfg.timeout = Duration::from_secs(5);
    let client = Client::new(ccfg).expect("client");
    client.sync_time().expect("time");
    let sym = Symbol::new("BTCUSDT").expect("symbol");
    let ctx = MarketContext::at_mark(Price::new(dec!(70000)).expect("price"));
    let limit = check_order(
        Some(&spec),
        &OrderRequest::limit("BTCUSDT", Side::Buy, dec!(0.002), dec!(68000)),
        &ctx,
    )
    .expect("limit order");
    let n = AtomicU64::new(0);
    let mut g = c.benchmark_group("order_round_trip");
    g.throughput(Throughput::Elements(1));
    g.bench_function("limit_place_cancel", |b| {
        b.iter(|| {
            let id = format!("bench-{}", n.fetch_add(1, Ordering::Relaxed));
            let s = client.place_order(&limit, &id).expect("placed");
            black_box(
                client
                    .cancel_order(&sym, &OrderRef::Id(s.order_id))
                    .expect("cancelled"),
            )
        })
    });
    g.finish();
    server.stop();
}

criterion_group!(benches, round_trip);
criterion_main!(benches);
