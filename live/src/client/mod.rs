//! The Binance USD-M Futures REST client: blocking (the `Venue` trait is synchronous), over
//! rustls, one [`Client`] per environment and key pair.
//!
//! - `config`: [`Environment`] (testnet, demo, mainnet), [`Credentials`] (redacted in Debug),
//!   [`ClientConfig`] (base URL override, recvWindow, timeouts, backoff limits).
//! - `transport`: every request goes through here: signing (`binance::sign` over the exact query),
//!   server-time offset, one re-sync and retry on -1021, `X-MBX-USED-WEIGHT-1M` tracking, a wait
//!   and one retry on 429 (Retry-After), a hard stop after 418, and the mapping of answers to
//!   [`VenueError`](pipeline::venue::VenueError), as decided by `outcome`.
//! - `outcome`: what each HTTP status and Binance code means (pure, unit-tested).
//! - `market`: unsigned market data (time, exchangeInfo, klines, mark price).
//! - `trade`: orders (`/fapi/v1/order`), conditional orders (`/fapi/v1/algoOrder`), cancel,
//!   query, open orders.
//! - `account`: positions, balance, leverage, margin type.
//! - `convert`: reading answers through `binance`'s shapes into the pipeline's types.
//!
//! Must never live here: decisions (which order to send, retry policy for orders beyond the
//! transport's rules: that is `LiveVenue`), and never a key or secret in a log, an error or a
//! Debug string.

mod account;
mod config;
mod convert;
mod market;
mod outcome;
mod trade;
mod transport;

pub use account::MarginType;
pub use config::{ClientConfig, Credentials, Environment, MissingKeys};
pub use convert::{AlgoOrderState, closed_kline, parse_kline_row};
pub use transport::Client;
