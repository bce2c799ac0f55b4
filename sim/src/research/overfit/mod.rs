//! How much of a sweep's best result is luck: the deflated Sharpe ratio and the probability of
//! backtest overfitting. Pure functions over `f64`s (no I/O); every failure is an
//! [`OverfitError`] naming what is wrong, never a NaN handed back.
//!
//! # Units
//!
//! Every Sharpe ratio here is **per period** (mean over sample standard deviation of the
//! per-period returns, not annualised): the formulas count periods `T`, so an annualised Sharpe
//! ratio or an annualised variance of Sharpe ratios must be converted first (divide the Sharpe
//! ratio by the square root of periods per year, the variance by periods per year).
//!
//! # The deflated Sharpe ratio
//!
//! Bailey, D. H. and López de Prado, M. (2014), "The Deflated Sharpe Ratio: Correcting for
//! Selection Bias, Backtest Overfitting and Non-Normality", *Journal of Portfolio Management*
//! 40(5), 94-107. [`deflated_sharpe`] computes, from the chosen configuration's `T` returns:
//!
//! - the estimate `SR` (mean / sample standard deviation, `T - 1` in the denominator), the
//!   skewness `g3 = m3 / m2^1.5` and the kurtosis `g4 = m4 / m2^2` (not the excess: 3 for a
//!   normal distribution), with `mk` the k-th central moment averaged over `T`;
//! - the probabilistic Sharpe ratio against a benchmark `SR*`, the probability that the true
//!   Sharpe ratio exceeds `SR*` given an estimate from `T` non-normal returns:
//!   `PSR(SR*) = Phi( (SR - SR*) * sqrt(T - 1) / sqrt(1 - g3 * SR + (g4 - 1) / 4 * SR^2) )`,
//!   where `Phi` is the standard normal distribution function. Negative skew and fat tails widen
//!   the estimate's error (the denominator grows), so they lower the probability;
//! - the Sharpe ratio the best of `N` independent trials reaches by luck alone when every true
//!   Sharpe ratio is zero, with `V` the variance of the trials' estimated Sharpe ratios and
//!   `gamma` the Euler-Mascheroni constant (0.5772...):
//!   `SR0 = sqrt(V) * ( (1 - gamma) * Phi^-1(1 - 1/N) + gamma * Phi^-1(1 - 1/(N e)) )`.
//!   With one trial nothing was selected, and `SR0 = 0` (the formula's limit is not defined
//!   there: `Phi^-1(0)` is minus infinity);
//! - the deflated Sharpe ratio `DSR = PSR(SR0)`: the probability that the chosen configuration's
//!   true Sharpe ratio beats the best one expected from `N` worthless trials. Read it like a
//!   confidence: 0.95 or more is the paper's bar for a discovery.
//!
//! The paper's worked example (annualised SR 2.5 over 1,250 daily returns, skewness -3,
//! kurtosis 10, 100 trials whose annualised Sharpe ratios vary by 0.5) gives an annualised
//! `SR0` of 1.7894 and `DSR` = 0.9004; a test checks both.
//!
//! # The probability of backtest overfitting (PBO)
//!
//! Bailey, D. H., Borwein, J. M., López de Prado, M. and Zhu, Q. J. (2017, working paper
//! 2015), "The Probability of Backtest Overfitting", *Journal of Computational Finance* 20(4),
//! 39-69. [`pbo`] runs combinatorially symmetric cross-validation (CSCV) on a `T x N` matrix of
//! per-period performance (here: one vector of `T` per-period returns for each of `N`
//! configurations):
//!
//! 1. the `T` periods are cut, in time order, into `S` (even) contiguous blocks whose sizes
//!    differ by at most one (the first `T mod S` blocks take one period more);
//! 2. each of the `C(S, S/2)` ways of choosing `S/2` blocks is one split: those blocks are the
//!    in-sample set, the other `S/2` the out-of-sample set (the roles are symmetric, so every
//!    period is in-sample in half of the splits);
//! 3. the performance measure is the Sharpe ratio of each configuration's returns over a set
//!    (per period, as above; a set with zero variance scores `+inf`, `-inf` or `0` by the sign
//!    of its mean, so a configuration that never trades ranks as zero). The configuration with
//!    the best in-sample Sharpe ratio is the one a researcher would pick (ties: the lowest
//!    index);
//! 4. its out-of-sample relative rank is `w = r / (N + 1)`, with `r` its rank among the `N`
//!    out-of-sample Sharpe ratios (1 = worst, `N` = best; tied values share their average rank),
//!    and its logit is `l = ln(w / (1 - w))`: positive when the pick is above the out-of-sample
//!    median, negative below;
//! 5. `PBO` is the share of splits whose logit is `<= 0`: how often the in-sample winner is no
//!    better than the median configuration out of sample. Near 0 the selection generalises;
//!    near 1 the best in-sample is reliably among the worst out of sample.
//!
//! The result also carries every split's pick, its in- and out-of-sample Sharpe ratios (the
//! paper's performance degradation plot) and the probability of loss (the share of splits
//! where the pick's out-of-sample Sharpe ratio is negative). The computation is deterministic:
//! splits in lexicographic order of their in-sample blocks, no randomness. Its cost is
//! `C(S, S/2) x N x S` (block statistics are precomputed once), so `S` is at most
//! [`MAX_BLOCKS`]; 16 is the paper's usual choice.
//!
//! The matrix is held in memory, so give it daily (or coarser) returns rather than one per
//! 1m bar: a year of minutes for 100 configurations would be 420 MB, and CSCV needs enough
//! periods per block, not minute resolution. Use the same periods for the deflated Sharpe
//! ratio's returns and for the trials' Sharpe ratios whose variance it takes.
//!
//! # Checked against independent values
//!
//! `testdata/make_testdata.py` computes both statistics with numpy/scipy from seeded inputs and
//! stores inputs and outputs in `testdata/*.json`; the tests compare this module with them.

mod deflated_sharpe;
mod error;
mod normal;
mod pbo;

#[cfg(test)]
mod independent_values;

pub use deflated_sharpe::{
    Dsr, MIN_PERIODS, SharpeEstimate, deflated_sharpe, deflated_sharpe_from_estimate,
    expected_max_sharpe, probabilistic_sharpe, trials_sharpe_variance,
};
pub use error::OverfitError;
pub use normal::{normal_cdf, normal_quantile};
pub use pbo::{CscvSplit, MAX_BLOCKS, Pbo, pbo};
