//! `deployment`: the user's running trading deployment, read from its Redis streams without
//! ever writing to them (`sim watch`, `sim record`), and a run mirrored into Redis under a
//! prefix of its own (`sim backtest --mirror-redis`).
//!
//! A map of the crate:
//! - [`resp`]: a small RESP2 client whose only vocabulary is [`resp::ReadCommand`] (PING, TIME,
//!   AUTH, SELECT, XINFO STREAM/GROUPS/CONSUMERS, XRANGE, XREVRANGE): no write, no XACK, no
//!   XGROUP can be sent.
//! - [`formats`]: the original system's message formats per stream kind (signal, intent, plan,
//!   result), tolerant parsing, reason texts mapped onto `pipeline`'s reason codes.
//! - [`reader`]: stream and group info, the server clock, a window of entries read in pages.
//! - [`funnel`]: the live funnel (signals -> intents -> plans -> results, ENTRY/EXIT, symbol).
//! - [`snapshot`]: the wiring (which stage writes which stream), the traffic and group tables
//!   and one snapshot of everything.
//! - [`alarms`]: F1, F3, F4, F5, F6 and consumer-group alarms with their fixes.
//! - [`render`]: the terminal screen; [`watch`]: the refreshing loop with reconnection.
//! - [`record`]: `sim record`, the messages copied into files a backtest replays.
//! - [`mirror`]: `sim backtest --mirror-redis`, a run's stage outputs published as the
//!   original messages under a prefix (`sim:`): a journal sink and [`mirror::writer`], the one
//!   type that writes (`XADD` under its prefix, nothing else).
//!
//! Architecture Invariant: the reader (`resp::Connection`, used by watch and record) never
//! writes to Redis; its command type cannot express it. Only `mirror::writer::MirrorWriter`
//! writes, only `XADD`, only to keys under a non-empty prefix.
//! Must never live here: the stages' decisions (this crate observes another system's), a CLI.

pub mod alarms;
pub mod formats;
pub mod funnel;
pub mod mirror;
pub mod reader;
pub mod record;
pub mod render;
pub mod resp;
pub mod snapshot;
pub mod watch;

pub use snapshot::{ReadLimits, Snapshot, StageWiring, Wiring};
pub use watch::WatchConfig;

/// Why Redis could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DeploymentError {
    #[error(
        "'{url}' is not a Redis URL: {why} (write redis://HOST:PORT, e.g. redis://127.0.0.1:6379)"
    )]
    BadUrl { url: String, why: String },
    #[error("Redis at {address}: {err}")]
    Io { address: String, err: String },
    #[error("Redis refused {command}: {message}")]
    Server { command: String, message: String },
    #[error("Redis answered something unexpected: {0}")]
    Protocol(String),
    #[error("cannot write {path}: {err}")]
    Write { path: String, err: String },
    #[error(
        "the mirror's prefix is empty: it would write into the deployment's own streams; pass e.g. --mirror-prefix sim:"
    )]
    EmptyPrefix,
}
