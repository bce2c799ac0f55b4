//! Helpers shared by the integration tests: bars on a 1-minute grid and exchanges over the
//! embedded Binance snapshots.
#![allow(dead_code)]

use exchange_sim::{SimConfig, SimExchange, SymId};
use pipeline::exchange_info::{Environment, ExchangeInfo, snapshot};
use pipeline::venue::VenueEvent;
use pipeline::{Bar, Interval, TimestampMs};

/// 2026-01-01 00:00 UTC.
pub fn t0() -> TimestampMs {
    TimestampMs::from_utc(2026, 1, 1, 0, 0, 0)
}

/// The `k`-th 1-minute bar from `t0`.
pub fn bar(k: i64, open: f64, high: f64, low: f64, close: f64) -> Bar {
    bar_at(t0().plus_ms(k * 60_000), open, high, low, close)
}

pub fn bar_at(open_time: TimestampMs, open: f64, high: f64, low: f64, close: f64) -> Bar {
    Bar {
        open_time,
        open,
        high,
        low,
        close,
        volume: 1_000.0,
    }
}

/// A flat bar at `price`.
pub fn flat(k: i64, price: f64) -> Bar {
    bar(k, price, price, price, price)
}

pub fn mainnet() -> ExchangeInfo {
    snapshot(Environment::Mainnet).expect("embedded mainnet snapshot")
}

pub fn exchange(config: SimConfig) -> SimExchange {
    SimExchange::new(mainnet(), config, Interval::M1).expect("exchange")
}

pub fn btc(ex: &SimExchange) -> SymId {
    ex.symbol_id("BTCUSDT").expect("BTCUSDT listed")
}

/// Codes of the rejected result, 0 when accepted.
pub fn code<T>(r: Result<T, pipeline::exchange_info::Reject>) -> i32 {
    r.map_or_else(|e| e.code, |_| 0)
}

pub fn fundings(events: &[VenueEvent]) -> Vec<rust_decimal::Decimal> {
    events
        .iter()
        .filter_map(|e| match e {
            VenueEvent::Funding { amount, .. } => Some(*amount),
            _ => None,
        })
        .collect()
}
