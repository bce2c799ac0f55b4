//! `pipeline`: the domain model every other crate of `sim` builds on.
//!
//! Map:
//! - [`domain`]: value types: `Price`, `Qty`, `Notional` (exact decimals), `TimestampMs`,
//!   `Symbol`, `Interval`, `Kline` (Binance's 12 fields) and `Bar` (the hot-path view).
//! - [`exchange_info`]: Binance USD-M `exchangeInfo` parsed into `SymbolSpec`s, and the one pure
//!   order check (`check_order`) that the simulated exchange and the live adapter both use. It
//!   answers with Binance's own error code and message ([`exchange_info::Reject`]).
//! - [`order`]: order requests as a venue receives them (`OrderRequest`) and the `CheckedOrder`
//!   only the order check can mint.
//! - [`venue`]: the `Venue` trait (simulated and live exchanges implement it) and its answer
//!   types (`OrderState`, `Fill`, `PositionSnapshot`, `VenueEvent`, `VenueError`).
//! - [`signal`]: stage 1's `Signal` and the `SignalSource` trait strategies implement.
//! - [`stages`]: stages 2-7 (trader, bridge, governor, permit, executor, ledger), their configs,
//!   the journal, and `Pipeline`, which a backtest and a live loop call per bar.
//! - [`reason`]: `Reason`, the one enum of stable drop codes (meaning and fix each), and `Dropped`.
//! - [`funnel`]: per stage in/out/drops by reason, split ENTRY/EXIT and by symbol; sizing traces;
//!   the CLI tables and `explain`'s sentences.
//!
//! Must never live here: I/O (files, network), polars, plotting, a wall clock, or anything that
//! knows whether the venue is simulated or live.

pub mod domain;
pub mod exchange_info;
pub mod funnel;
pub mod order;
pub mod reason;
pub mod signal;
pub mod stages;
pub mod venue;

pub use domain::{
    Bar, BarColumns, ClientOrderId, Interval, Kline, Notional, Price, Qty, Rounding, SharedText,
    Symbol, TimestampMs,
};
