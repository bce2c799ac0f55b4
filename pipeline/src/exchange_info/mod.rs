//! Binance USD-M exchange info and the order check built on it.
//!
//! - `raw`: the wire format of `GET /fapi/v1/exchangeInfo`.
//! - `spec`: validated `ExchangeInfo` / `SymbolSpec` with typed filters.
//! - `shared_spec`: `SharedSpec`, a symbol's rules interned and handed around by reference.
//! - `check`: `check_order`, the single pure filter check shared by every venue.
//! - `reject`: `Reject`, Binance's `{code, msg}` with Binance's wording.
//!
//! Must never live here: venue state (positions, open orders, margin) or I/O.

pub mod check;
pub mod raw;
pub mod reject;
pub mod shared_spec;
pub mod spec;

#[cfg(test)]
mod check_tests;

pub use check::{MarketContext, check_lot, check_order, check_order_shared, check_price_filter};
pub use raw::{RawExchangeInfo, RawFilter, RawSymbol};
pub use reject::Reject;
pub use shared_spec::SharedSpec;
pub use spec::{
    ExchangeInfo, ExchangeInfoError, LotSize, PercentPrice, PriceFilter, SymbolSpec, SymbolStatus,
};
pub mod snapshots;
pub use snapshots::{Environment, snapshot};
