//! Research tools that judge results rather than produce them: statistics a parameter sweep
//! needs to say how much of its best result is luck.
//!
//! - [`overfit`]: the deflated Sharpe ratio and the probability of backtest overfitting
//!   (combinatorially symmetric cross-validation). Pure functions over numbers: no I/O, no
//!   clock, no knowledge of runs or folders, so `sim sweep` (and its report) can call them on
//!   whatever table of returns it built.

pub mod overfit;
