//! `datasets`: named, validated kline data for backtests, in a flat columnar layout.
//!
//! The call a backtest makes: `datasets::load("btc_2026q1")?` (or [`load_with`] with an
//! explicit [`DataHome`] and [`LoadOptions`]) gives a [`Dataset`]: one [`BarSeries`] per symbol
//! (struct of arrays; `bar(i)`/`iter()` yield `pipeline::Bar`) and [`Dataset::is_synthetic`].
//!
//! Map:
//! - [`catalog`]: named datasets (shipped TOML compiled in; user TOML in the data home).
//! - [`dataset`]: load a catalog entry by name through the Parquet cache.
//! - [`file`](mod@file): load one file by path (Binance kline CSV with or without header, generic OHLCV
//!   CSV, either inside a `.zip`, or Parquet), optionally through the cache.
//! - [`text`]: CSV text to columns; `parquet`: Parquet through polars (private detail).
//! - [`validate`]: the checks every loaded row passes, gap detection and the [`GapPolicy`].
//! - [`series`]: [`BarSeries`], the hot-path layout.
//! - [`synth`]: the deterministic synthetic kline model (regime-switching stochastic
//!   volatility, Student-t shocks, intraday seasonality, tick rounding).
//! - [`stats`]: the statistics the synthetic model is calibrated on.
//! - [`fetch`](mod@fetch): download and verify Binance public-data archives.
//! - [`funding`]: recorded funding beside the klines (Binance's fundingRate CSV/zip or the
//!   JSON of `/fapi/v1/fundingRate`), its gaps, and `sim data import-funding`.
//! - [`agg_trades`]: recorded trades (Binance's aggTrades) beside the klines, which decide the
//!   order of events inside a bar that reaches two orders.
//! - [`mark_price`]: recorded mark-price klines beside the klines (margin, PnL, liquidation and
//!   funding at the mark).
//! - [`resample`]: coarser bars from a finer dataset, whose bars then order the events inside.
//! - [`sidecar`]: a `.CHECKSUM` beside a file, checked by `sim data verify` and `import`.
//! - [`user`]: user datasets: import a file, synthesise any symbols and range.
//! - [`cache`]: cache keys and sha256 helpers; [`home`]: the data home and atomic writes.
//!
//! Architecture Invariants: nothing is written inside the repository at run time (everything
//! goes to the data home, `SIM_HOME` or `$HOME/.sim`); every file is written atomically; only
//! [`fetch`](mod@fetch) touches the network; synthetic data is always labelled synthetic.
//! Must never live here: trading logic, the order path, plotting.

pub mod agg_trades;
pub mod cache;
pub mod catalog;
pub mod dataset;
pub mod error;
pub mod fetch;
pub mod file;
pub mod funding;
pub mod home;
pub mod mark_price;
mod parquet;
pub mod resample;
mod row_check;
pub mod series;
pub mod sidecar;
pub mod stats;
pub mod synth;
pub mod text;
pub mod user;
pub mod validate;

pub use agg_trades::TradeTape;
pub use agg_trades::import::{AggTradesImport, import_agg_trades};
pub use cache::{Sha256Stream, sha256_file, sha256_hex};
pub use catalog::{Catalog, CatalogEntry, DataKind, SourceFile, register};
pub use dataset::{
    Dataset, LoadOptions, cache_files, cache_key, load, load_entry, load_with, verify_sources,
};
pub use error::{DatasetError, Result};
pub use fetch::{FetchOptions, FetchOutcome, fetch};
pub use file::{FileOptions, LoadedFile, SourceFormat, load_file, read_file};
pub use funding::import::{FundingImport, import_funding};
pub use funding::{FundingRecord, FundingSeries};
pub use home::{DataHome, sim_home};
pub use mark_price::MarkSeries;
pub use mark_price::import::{MarkPriceImport, import_mark_price};
pub use parquet::read_parquet;
pub use series::{BarIter, BarSeries, Columns};
pub use stats::{BarStats, bar_stats};
pub use synth::{SynthSpec, generate};
pub use user::{ImportRequest, SynthRequest, import_file, resample_dataset, synth_dataset};
pub use validate::{Gap, GapPolicy, Report};
