//! The `sim` library behind the `sim` binary: run loops and the stores the CLI reads from.
//!
//! Map:
//! - [`exchange_info_store`]: resolves an exchange-info name (`mainnet`, `testnet`, an imported
//!   name, or a file path) to a parsed `ExchangeInfo`, or `testnet@history` to every dated
//!   snapshot of a venue as exchange info over time; imports files saved from Binance.
//! - [`backtest`]: the event loop over bars and the run folder (`summary.json`, journals,
//!   trades, equity, resolved config).
//! - [`check`]: the preflight check (`sim check`, and the start of every run).
//! - [`config`]: the run config (TOML, `--set` overrides, validation into a `RunSpec`), the
//!   stream topology check (F4) and the import of the original system's env files.
//! - [`live`]: a `sim live` session (the same stages on closed live bars, against Binance, a
//!   server speaking its protocol, or the simulated exchange in paper mode) and its folder.
//! - [`replay`]: a `sim live` session folder run again through the backtest loop.
//! - [`research`]: statistics over many runs' results (the deflated Sharpe ratio, the
//!   probability of backtest overfitting), for `sim sweep` and its report.
//! - [`sweep`]: `sim sweep`, a grid of run configs over one dataset on all cores, and the
//!   sweep folder (results table, `sweep.json`).
//! - [`walkforward`]: `sim walkforward`, the sweep's grid optimised on rolling or anchored
//!   training windows, each winner run on the test window after it, the test windows stitched
//!   into one out-of-sample curve; the walk-forward folder.
//!
//! Must never live here: trading rules (pipeline), fill rules (exchange_sim), data parsing
//! (datasets), drawing (reports), HTTP to Binance (live).

pub mod backtest;
pub mod check;
pub mod config;
pub mod exchange_info_store;
pub mod live;
pub mod replay;
pub mod research;
pub mod sweep;
pub mod walkforward;
