//! The probabilistic and the deflated Sharpe ratio (Bailey and López de Prado, 2014); the
//! formulas are in the parent module's doc.

use super::error::OverfitError;
use super::normal::{normal_cdf, normal_quantile};

/// The Euler-Mascheroni constant.
const EULER_GAMMA: f64 = 0.577_215_664_901_532_9;

/// Fewer returns than this give no usable estimate of a Sharpe ratio's shape (skewness needs
/// three points to be other than zero).
pub const MIN_PERIODS: usize = 3;

/// A Sharpe ratio estimated from `periods` returns, with the shape of those returns.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SharpeEstimate {
    /// Mean over sample standard deviation (`T - 1`), per period, not annualised.
    pub sharpe: f64,
    /// `T`, the number of returns.
    pub periods: usize,
    /// Third central moment over the second's 1.5th power (0 for a normal distribution).
    pub skewness: f64,
    /// Fourth central moment over the second's square (3 for a normal distribution; not the
    /// excess kurtosis).
    pub kurtosis: f64,
}

impl SharpeEstimate {
    /// Estimates the Sharpe ratio, skewness and kurtosis of per-period `returns`.
    pub fn from_returns(returns: &[f64]) -> Result<Self, OverfitError> {
        if returns.len() < MIN_PERIODS {
            return Err(OverfitError::TooFewPeriods {
                periods: returns.len(),
                needed: MIN_PERIODS,
            });
        }
        if let Some(index) = returns.iter().position(|r| !r.is_finite()) {
            return Err(OverfitError::NotFinite {
                what: "returns",
                index,
            });
        }
        // Exact equality, not a tolerance: a constant series would otherwise leave rounding
        // noise in its variance and an absurd Sharpe ratio.
        if returns.iter().all(|&r| r == returns[0]) {
            return Err(OverfitError::ConstantReturns);
        }
        let n = returns.len() as f64;
        let mean = returns.iter().sum::<f64>() / n;
        let (mut s2, mut s3, mut s4) = (0.0, 0.0, 0.0);
        for &r in returns {
            let d = r - mean;
            let d2 = d * d;
            s2 += d2;
            s3 += d2 * d;
            s4 += d2 * d2;
        }
        if s2 == 0.0 {
            return Err(OverfitError::ConstantReturns);
        }
        let (m2, m3, m4) = (s2 / n, s3 / n, s4 / n);
        Ok(SharpeEstimate {
            sharpe: mean / (s2 / (n - 1.0)).sqrt(),
            periods: returns.len(),
            skewness: m3 / m2.powf(1.5),
            kurtosis: m4 / (m2 * m2),
        })
    }
}

/// The deflated Sharpe ratio and what it was computed from.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Dsr {
    /// `DSR = PSR(SR0)`: the probability that the true Sharpe ratio exceeds `SR0`.
    pub probability: f64,
    /// The chosen configuration's estimate.
    pub estimate: SharpeEstimate,
    /// `SR0`, the Sharpe ratio (per period) the best of `trials` worthless trials is expected
    /// to reach.
    pub expected_max_sharpe: f64,
    /// The standardised distance `(SR - SR0) sqrt(T - 1) / sigma` whose `Phi` is `probability`.
    pub z: f64,
    /// `N`, the number of configurations tried.
    pub trials: usize,
    /// `V`, the variance of the trials' per-period Sharpe ratios.
    pub trials_sharpe_variance: f64,
}

/// The deflated Sharpe ratio of the chosen configuration's per-period `returns`, selected as
/// the best of `trials` configurations whose per-period Sharpe ratios have variance
/// `trials_sharpe_variance` (see [`trials_sharpe_variance`]).
pub fn deflated_sharpe(
    returns: &[f64],
    trials: usize,
    trials_sharpe_variance: f64,
) -> Result<Dsr, OverfitError> {
    let estimate = SharpeEstimate::from_returns(returns)?;
    deflated_sharpe_from_estimate(&estimate, trials, trials_sharpe_variance)
}

/// [`deflated_sharpe`] from an estimate already made (e.g. the figures of a paper).
pub fn deflated_sharpe_from_estimate(
    estimate: &SharpeEstimate,
    trials: usize,
    trials_sharpe_variance: f64,
) -> Result<Dsr, OverfitError> {
    let expected_max_sharpe = expected_max_sharpe(trials, trials_sharpe_variance)?;
    let z = psr_z(estimate, expected_max_sharpe)?;
    Ok(Dsr {
        probability: normal_cdf(z),
        estimate: *estimate,
        expected_max_sharpe,
        z,
        trials,
        trials_sharpe_variance,
    })
}

/// `PSR(benchmark)`: the probability that the true per-period Sharpe ratio exceeds
/// `benchmark`, given `estimate`.
pub fn probabilistic_sharpe(
    estimate: &SharpeEstimate,
    benchmark: f64,
) -> Result<f64, OverfitError> {
    Ok(normal_cdf(psr_z(estimate, benchmark)?))
}

/// `SR0 = sqrt(V) ((1 - gamma) Phi^-1(1 - 1/N) + gamma Phi^-1(1 - 1/(N e)))`, and 0 for one
/// trial (nothing was selected).
pub fn expected_max_sharpe(
    trials: usize,
    trials_sharpe_variance: f64,
) -> Result<f64, OverfitError> {
    if trials == 0 {
        return Err(OverfitError::NoTrials);
    }
    if !trials_sharpe_variance.is_finite() || trials_sharpe_variance < 0.0 {
        return Err(OverfitError::InvalidTrialsVariance(trials_sharpe_variance));
    }
    if trials == 1 {
        return Ok(0.0);
    }
    let n = trials as f64;
    // Phi^-1(1 - q) = -Phi^-1(q): the small tail probability keeps all its digits.
    let upper = |q: f64| -normal_quantile(q);
    let spread =
        (1.0 - EULER_GAMMA) * upper(1.0 / n) + EULER_GAMMA * upper(1.0 / (n * std::f64::consts::E));
    Ok(trials_sharpe_variance.sqrt() * spread)
}

/// The sample variance (`n - 1`) of the trials' per-period Sharpe ratios: the `V` of
/// [`deflated_sharpe`]. One trial has no spread (0).
pub fn trials_sharpe_variance(sharpes: &[f64]) -> Result<f64, OverfitError> {
    if sharpes.is_empty() {
        return Err(OverfitError::NoTrials);
    }
    if let Some(index) = sharpes.iter().position(|s| !s.is_finite()) {
        return Err(OverfitError::NotFinite {
            what: "sharpes",
            index,
        });
    }
    if sharpes.len() == 1 {
        return Ok(0.0);
    }
    let n = sharpes.len() as f64;
    let mean = sharpes.iter().sum::<f64>() / n;
    Ok(sharpes.iter().map(|s| (s - mean) * (s - mean)).sum::<f64>() / (n - 1.0))
}

/// `(SR - benchmark) sqrt(T - 1) / sqrt(1 - g3 SR + (g4 - 1) / 4 SR^2)`.
fn psr_z(estimate: &SharpeEstimate, benchmark: f64) -> Result<f64, OverfitError> {
    let SharpeEstimate {
        sharpe,
        periods,
        skewness,
        kurtosis,
    } = *estimate;
    if periods < MIN_PERIODS {
        return Err(OverfitError::TooFewPeriods {
            periods,
            needed: MIN_PERIODS,
        });
    }
    for (index, value) in [sharpe, skewness, kurtosis, benchmark]
        .into_iter()
        .enumerate()
    {
        if !value.is_finite() {
            return Err(OverfitError::NotFinite {
                what: "[sharpe, skewness, kurtosis, benchmark]",
                index,
            });
        }
    }
    let variance_factor = 1.0 - skewness * sharpe + (kurtosis - 1.0) / 4.0 * sharpe * sharpe;
    if variance_factor <= 0.0 {
        return Err(OverfitError::DegenerateMoments { skewness, kurtosis });
    }
    Ok((sharpe - benchmark) * ((periods - 1) as f64).sqrt() / variance_factor.sqrt())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The worked example of Bailey and López de Prado (2014): annualised SR 2.5 from 1,250
    /// daily returns (250 a year), skewness -3, kurtosis 10, 100 trials with an annualised
    /// variance of Sharpe ratios of 0.5. The paper gives SR0 = 1.7894 annualised and
    /// DSR = 0.9004.
    #[test]
    fn the_papers_worked_example() {
        let per_year = 250.0_f64;
        let estimate = SharpeEstimate {
            sharpe: 2.5 / per_year.sqrt(),
            periods: 1250,
            skewness: -3.0,
            kurtosis: 10.0,
        };
        let dsr = deflated_sharpe_from_estimate(&estimate, 100, 0.5 / per_year).expect("dsr");
        let sr0_annual = dsr.expected_max_sharpe * per_year.sqrt();
        assert!((sr0_annual - 1.7894).abs() < 5e-5, "SR0 {sr0_annual}");
        assert!(
            (dsr.probability - 0.9004).abs() < 5e-5,
            "DSR {}",
            dsr.probability
        );
    }

    #[test]
    fn one_trial_deflates_nothing() {
        assert_eq!(expected_max_sharpe(1, 0.3), Ok(0.0));
        let returns = [0.01, -0.02, 0.03, 0.0, 0.015];
        let estimate = SharpeEstimate::from_returns(&returns).expect("estimate");
        let dsr = deflated_sharpe(&returns, 1, 0.0).expect("dsr");
        assert_eq!(
            Ok(dsr.probability),
            probabilistic_sharpe(&estimate, 0.0),
            "with one trial DSR is PSR against zero"
        );
    }

    #[test]
    fn more_trials_deflate_more() {
        let returns: Vec<f64> = (0..200).map(|i| ((i * 37) % 23) as f64 - 10.0).collect();
        let few = deflated_sharpe(&returns, 10, 0.01).expect("few");
        let many = deflated_sharpe(&returns, 1000, 0.01).expect("many");
        assert!(many.expected_max_sharpe > few.expected_max_sharpe);
        assert!(many.probability < few.probability);
    }

    #[test]
    fn constant_returns_are_refused() {
        // Three 0.1s average to 0.10000000000000002: the deviations are rounding noise, not
        // zero, so only the exact-equality check catches this series.
        assert_eq!(
            deflated_sharpe(&[0.1, 0.1, 0.1], 5, 0.1),
            Err(OverfitError::ConstantReturns)
        );
        assert_eq!(
            deflated_sharpe(&[0.0; 10], 5, 0.1),
            Err(OverfitError::ConstantReturns)
        );
    }

    #[test]
    fn too_few_periods_are_refused() {
        assert_eq!(
            deflated_sharpe(&[0.1, 0.2], 5, 0.1),
            Err(OverfitError::TooFewPeriods {
                periods: 2,
                needed: 3
            })
        );
    }

    #[test]
    fn bad_trials_and_values_are_refused() {
        let r = [0.1, -0.2, 0.3];
        assert_eq!(deflated_sharpe(&r, 0, 0.1), Err(OverfitError::NoTrials));
        assert!(matches!(
            deflated_sharpe(&r, 3, -1.0),
            Err(OverfitError::InvalidTrialsVariance(_))
        ));
        assert!(matches!(
            deflated_sharpe(&r, 3, f64::NAN),
            Err(OverfitError::InvalidTrialsVariance(_))
        ));
        assert_eq!(
            deflated_sharpe(&[0.1, f64::NAN, 0.3], 3, 0.1),
            Err(OverfitError::NotFinite {
                what: "returns",
                index: 1
            })
        );
    }

    #[test]
    fn a_zero_standard_error_is_refused() {
        // 1 - skewness * SR + (kurtosis - 1) / 4 * SR^2 = 1 - 4 * 0.5 + 0 = -1.
        let estimate = SharpeEstimate {
            sharpe: 0.5,
            periods: 100,
            skewness: 4.0,
            kurtosis: 1.0,
        };
        assert!(matches!(
            probabilistic_sharpe(&estimate, 0.0),
            Err(OverfitError::DegenerateMoments { .. })
        ));
    }

    #[test]
    fn trials_variance_is_the_sample_variance() {
        assert_eq!(trials_sharpe_variance(&[0.5]), Ok(0.0));
        assert_eq!(trials_sharpe_variance(&[1.0, 3.0]), Ok(2.0));
        assert_eq!(trials_sharpe_variance(&[]), Err(OverfitError::NoTrials));
    }
}
