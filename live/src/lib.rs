//! `live`: the Binance USD-M Futures adapter, so the unchanged pipeline stages can trade on the
//! testnet, demo or mainnet (or on `sim serve`, which speaks the same protocol).
//!
//! Map:
//! - [`client`]: the blocking REST client (rustls): environments, signing, server-time sync,
//!   rate-limit headers and backoff, Binance errors mapped to the simulator's `Reject`s.
//! - [`stream`]: the kline websocket (tokio-tungstenite on a thread of its own) feeding closed
//!   bars to the synchronous loop, with REST backfill after a reconnect: no gaps, no duplicates.
//! - [`venue`]: `LiveVenue`, the `pipeline::venue::Venue` over the client: deterministic client
//!   order ids, read-back after an unknown outcome, fills derived from order status polling.
//!
//! Binance's protocol itself (signing, parameters, JSON shapes, `{code,msg}` errors) is the
//! `binance` crate's, which the server behind `sim serve` (the `serve` crate) shares.
//!
//! Must never live here: stage logic, strategies, polars, the simulated exchange or an HTTP
//! server; never an API key or secret in a log, an error message or a Debug string.

pub mod client;
pub mod stream;
pub mod venue;

pub use client::{Client, ClientConfig, Credentials, Environment, MissingKeys};
pub use venue::{LiveVenue, LiveVenueConfig};
