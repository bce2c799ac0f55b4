//! Why an overfitting statistic could not be computed. Each variant names the input at fault,
//! so a sweep report can say "PBO not computed: ..." instead of printing NaN.

use std::fmt;

/// An input the deflated Sharpe ratio or the PBO cannot use.
#[derive(Debug, Clone, PartialEq)]
pub enum OverfitError {
    /// Fewer periods than the statistic needs.
    TooFewPeriods { periods: usize, needed: usize },
    /// A value is NaN or infinite (`what` names the input, `index` its position).
    NotFinite { what: &'static str, index: usize },
    /// Every return is the same: the Sharpe ratio and the moments are undefined.
    ConstantReturns,
    /// The number of trials is zero.
    NoTrials,
    /// The variance of the trials' Sharpe ratios is negative or not finite.
    InvalidTrialsVariance(f64),
    /// Skewness and kurtosis leave the Sharpe ratio's standard error at zero or below.
    DegenerateMoments { skewness: f64, kurtosis: f64 },
    /// The number of CSCV blocks is odd, below 2 or above the limit.
    InvalidBlocks { blocks: usize, max: usize },
    /// Fewer than two configurations: there is nothing to select among.
    TooFewConfigs(usize),
    /// A configuration's series has another length than the first one's.
    RaggedPerformance {
        config: usize,
        periods: usize,
        expected: usize,
    },
}

impl fmt::Display for OverfitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OverfitError::TooFewPeriods { periods, needed } => {
                write!(f, "{periods} periods, at least {needed} needed")
            }
            OverfitError::NotFinite { what, index } => {
                write!(f, "{what}[{index}] is not a finite number")
            }
            OverfitError::ConstantReturns => write!(
                f,
                "the returns are constant: their Sharpe ratio, skewness and kurtosis are undefined"
            ),
            OverfitError::NoTrials => write!(f, "the number of trials must be at least 1"),
            OverfitError::InvalidTrialsVariance(v) => write!(
                f,
                "the variance of the trials' Sharpe ratios must be finite and >= 0, got {v}"
            ),
            OverfitError::DegenerateMoments { skewness, kurtosis } => write!(
                f,
                "skewness {skewness} and kurtosis {kurtosis} give the Sharpe ratio no positive \
                 standard error"
            ),
            OverfitError::InvalidBlocks { blocks, max } => write!(
                f,
                "{blocks} CSCV blocks: the number must be even, from 2 to {max}"
            ),
            OverfitError::TooFewConfigs(n) => {
                write!(
                    f,
                    "{n} configurations: PBO needs at least 2 to select among"
                )
            }
            OverfitError::RaggedPerformance {
                config,
                periods,
                expected,
            } => write!(
                f,
                "configuration {config} has {periods} periods, the first one has {expected}"
            ),
        }
    }
}

impl std::error::Error for OverfitError {}
