//! `sim live`'s session, beside the backtest loop: the unchanged pipeline stages on closed live
//! bars against a [`live::LiveVenue`] (Binance, or any server speaking its protocol such as
//! `sim serve`) or, in paper mode, against the simulated exchange fed those bars.
//!
//! - [`session`]: [`SessionPlan`] (what the CLI resolved) and [`run`]: the session folder, the
//!   venue, reconciliation, the warm-up, and the loop over closed bars until a bar limit, a
//!   duration or the caller's stop flag.
//! - `recording`: the venue wrapper that keeps fills, account events and each order's round
//!   trip for the session folder.
//! - `summary`: the session's end (`fills.csv`, `trades.csv`, `latency.csv`, `funnel.txt`,
//!   `summary.json` with the funnel and what the Redis mirror wrote).
//! - [`SessionEvent`]: what the session reports as it goes; the CLI prints it.
//!
//! Must never live here: argument parsing, terminal output or signal handling (that is
//! `cli/live.rs`), stage logic (`pipeline`), HTTP (`live`).

mod recording;
pub mod session;
mod summary;

use std::path::Path;

use pipeline::{Bar, Interval, Symbol};
use rust_decimal::Decimal;

pub use session::{SessionPlan, run};

/// What a session reports while it runs, in order.
#[derive(Debug)]
pub enum SessionEvent<'a> {
    /// The session folder is ready and the venue is about to be set up.
    Opened {
        /// `paper`, or the client's environment (`testnet`, `demo`, `mainnet`).
        mode: &'a str,
        base_url: &'a str,
        paper: bool,
        symbols: &'a [Symbol],
        interval: Interval,
        dir: &'a Path,
    },
    /// The ledger took over the venue's positions; `open_orders` were already there.
    Reconciled {
        taken_over: usize,
        open_orders: usize,
    },
    /// The open orders an earlier session left were sorted (kept, cancelled) and taken-over
    /// positions protected.
    Recovered {
        recovery: &'a pipeline::stages::recovery::Recovery,
    },
    /// No closed bar for `quiet_secs` seconds (said once per stall).
    Stalled { quiet_secs: u64 },
    /// A live bar went through the strategy and the stages.
    Bar {
        symbol: &'a Symbol,
        bar: &'a Bar,
        signals: usize,
        position: Decimal,
    },
    /// The session ended; `funnel` is the funnel table written to `funnel.txt`.
    Finished {
        funnel: &'a str,
        reason: &'a str,
        bars: u64,
        dir: &'a Path,
        /// What the Redis mirror wrote and dropped, with `--mirror-redis`.
        mirror: Option<&'a deployment::mirror::MirrorReport>,
    },
}

/// The symbols as one comma-separated text (`BTCUSDT,ETHUSDT`).
pub fn names(symbols: &[Symbol]) -> String {
    symbols
        .iter()
        .map(Symbol::as_str)
        .collect::<Vec<_>>()
        .join(",")
}
