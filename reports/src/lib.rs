//! `reports`: turns a run folder into numbers and pictures.
//!
//! Map:
//! - [`metrics`]: return, CAGR, Sharpe, Sortino, Calmar, drawdown, trade statistics.
//!
//! Must never live here: the engine's internals; a report reads a run folder only.

pub mod metrics;
