//! `live`: the Binance USD-M Futures adapter, so the unchanged pipeline stages can trade on the
//! testnet, demo or mainnet, and the local Binance-compatible server.
//!
//! Map:
//! - [`client`]: the blocking REST client (rustls): environments, signing, server-time sync,
//!   rate-limit headers and backoff, Binance errors mapped to the simulator's `Reject`s.
//! - [`stream`]: the kline websocket (tokio-tungstenite on a thread of its own) feeding closed
//!   bars to the synchronous loop, with REST backfill after a reconnect: no gaps, no duplicates.
//! - [`venue`]: `LiveVenue`, the `pipeline::venue::Venue` over the client: deterministic client
//!   order ids, read-back after an unknown outcome, fills derived from order status polling.
//! - [`wire`]: Binance's protocol as data, shared by client and server: HMAC signing and
//!   verification, request parameters (query and/or form body), the JSON shapes with their
//!   conversions to the pipeline's types, and `{code,msg}` errors with their HTTP statuses.
//! - [`serve`]: `sim serve`, a local Binance-compatible USD-M exchange (axum on 127.0.0.1)
//!   over `exchange_sim::SimExchange`, replaying bars on a step, accelerated or real-time
//!   clock, with signature checks, weights, a kline websocket and fault injection.
//!
//! Architecture Invariant: the wall clock is read only here (and in `sim`'s run summary).
//! Must never live here: stage logic, strategies, polars; never an API key or secret in a log,
//! an error message or a Debug string.

pub mod client;
pub mod serve;
pub mod stream;
pub mod venue;
pub mod wire;

pub use client::{Client, ClientConfig, Credentials, Environment, MissingKeys};
pub use venue::{LiveVenue, LiveVenueConfig};
