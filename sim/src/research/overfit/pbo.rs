//! The probability of backtest overfitting by combinatorially symmetric cross-validation
//! (Bailey, Borwein, López de Prado and Zhu); the method is in the parent module's doc.

use super::error::OverfitError;

/// The most CSCV blocks [`pbo`] accepts: C(20, 10) = 184,756 splits.
pub const MAX_BLOCKS: usize = 20;

/// One CSCV split: which blocks were in-sample and how the in-sample pick did out of sample.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CscvSplit {
    /// Bit `b` set: block `b` (in time order) was in-sample.
    pub in_sample_mask: u32,
    /// The configuration with the best in-sample Sharpe ratio (lowest index on ties).
    pub chosen: usize,
    /// Its Sharpe ratio (per period) in-sample.
    pub in_sample_sharpe: f64,
    /// Its Sharpe ratio (per period) out of sample.
    pub out_of_sample_sharpe: f64,
    /// Its out-of-sample rank over `N + 1`, in `(0, 1)`; 1 would be the best.
    pub relative_rank: f64,
    /// `ln(w / (1 - w))` of the relative rank `w`.
    pub logit: f64,
}

impl CscvSplit {
    /// The in-sample blocks, in time order.
    pub fn in_sample_blocks(&self) -> Vec<usize> {
        (0..MAX_BLOCKS)
            .filter(|b| self.in_sample_mask & (1 << b) != 0)
            .collect()
    }
}

/// The probability of backtest overfitting and every split it was counted from.
#[derive(Debug, Clone, PartialEq)]
pub struct Pbo {
    /// The share of splits whose logit is `<= 0`.
    pub probability: f64,
    /// The share of splits whose pick lost out of sample (Sharpe ratio below 0).
    pub probability_of_loss: f64,
    /// `S`, the number of blocks.
    pub blocks: usize,
    /// `N`, the number of configurations.
    pub configs: usize,
    /// `T`, the number of periods.
    pub periods: usize,
    /// All `C(S, S/2)` splits, in lexicographic order of their in-sample blocks.
    pub splits: Vec<CscvSplit>,
}

impl Pbo {
    /// Every split's logit, in split order (the distribution a report draws).
    pub fn logits(&self) -> Vec<f64> {
        self.splits.iter().map(|s| s.logit).collect()
    }
}

/// PBO of `performance` (one series of per-period returns per configuration, all of the same
/// length `T`, in time order) with `blocks` CSCV blocks (even, 2 to [`MAX_BLOCKS`]; each block
/// must hold at least two periods, so `T >= 2 * blocks`).
pub fn pbo(performance: &[Vec<f64>], blocks: usize) -> Result<Pbo, OverfitError> {
    if blocks < 2 || !blocks.is_multiple_of(2) || blocks > MAX_BLOCKS {
        return Err(OverfitError::InvalidBlocks {
            blocks,
            max: MAX_BLOCKS,
        });
    }
    if performance.len() < 2 {
        return Err(OverfitError::TooFewConfigs(performance.len()));
    }
    let periods = performance[0].len();
    for (config, series) in performance.iter().enumerate() {
        if series.len() != periods {
            return Err(OverfitError::RaggedPerformance {
                config,
                periods: series.len(),
                expected: periods,
            });
        }
        if let Some(index) = series.iter().position(|v| !v.is_finite()) {
            return Err(OverfitError::NotFinite {
                what: "performance",
                index: config * periods + index,
            });
        }
    }
    if periods < 2 * blocks {
        return Err(OverfitError::TooFewPeriods {
            periods,
            needed: 2 * blocks,
        });
    }

    // Per configuration and block: count, mean and sum of squared deviations, so a split's
    // Sharpe ratio costs S combinations instead of T additions.
    let bounds = block_bounds(periods, blocks);
    let stats: Vec<Vec<Moments>> = performance
        .iter()
        .map(|series| {
            bounds
                .iter()
                .map(|&(start, end)| Moments::of(&series[start..end]))
                .collect()
        })
        .collect();

    let splits: Vec<CscvSplit> = half_masks(blocks)
        .into_iter()
        .map(|mask| split(&stats, mask))
        .collect();
    let count = splits.len() as f64;
    let overfit = splits.iter().filter(|s| s.logit <= 0.0).count() as f64;
    let losses = splits
        .iter()
        .filter(|s| s.out_of_sample_sharpe < 0.0)
        .count() as f64;
    Ok(Pbo {
        probability: overfit / count,
        probability_of_loss: losses / count,
        blocks,
        configs: performance.len(),
        periods,
        splits,
    })
}

/// Evaluates one split: the in-sample pick and its out-of-sample rank.
fn split(stats: &[Vec<Moments>], mask: u32) -> CscvSplit {
    let sharpe_over = |config: &[Moments], in_sample: bool| {
        let mut total = Moments::EMPTY;
        for (b, m) in config.iter().enumerate() {
            if (mask & (1 << b) != 0) == in_sample {
                total = total.merge(m);
            }
        }
        total.sharpe()
    };
    let in_sample: Vec<f64> = stats.iter().map(|c| sharpe_over(c, true)).collect();
    let out_of_sample: Vec<f64> = stats.iter().map(|c| sharpe_over(c, false)).collect();
    // The first maximum: `max_by` would keep the last of equal values.
    let mut chosen = 0;
    for (i, &s) in in_sample.iter().enumerate() {
        if s > in_sample[chosen] {
            chosen = i;
        }
    }
    let pick = out_of_sample[chosen];
    let below = out_of_sample.iter().filter(|&&s| s < pick).count() as f64;
    let equal = out_of_sample.iter().filter(|&&s| s == pick).count() as f64;
    // Average rank among ties (1 = worst), as a relative rank in (0, 1).
    let rank = below + (equal + 1.0) / 2.0;
    let relative_rank = rank / (stats.len() as f64 + 1.0);
    CscvSplit {
        in_sample_mask: mask,
        chosen,
        in_sample_sharpe: in_sample[chosen],
        out_of_sample_sharpe: pick,
        relative_rank,
        logit: (relative_rank / (1.0 - relative_rank)).ln(),
    }
}

/// `[start, end)` of each block: contiguous, the first `periods % blocks` one period longer.
fn block_bounds(periods: usize, blocks: usize) -> Vec<(usize, usize)> {
    let (size, longer) = (periods / blocks, periods % blocks);
    let mut start = 0;
    (0..blocks)
        .map(|b| {
            let end = start + size + usize::from(b < longer);
            let bound = (start, end);
            start = end;
            bound
        })
        .collect()
}

/// Every set of `blocks / 2` blocks as a bit mask, in lexicographic order of the block lists
/// ({0,1,2}, {0,1,3}, ...), as Python's `itertools.combinations` yields them.
fn half_masks(blocks: usize) -> Vec<u32> {
    fn extend(from: usize, blocks: usize, left: usize, mask: u32, out: &mut Vec<u32>) {
        if left == 0 {
            out.push(mask);
            return;
        }
        for b in from..=blocks - left {
            extend(b + 1, blocks, left - 1, mask | (1 << b), out);
        }
    }
    let mut out = Vec::new();
    extend(0, blocks, blocks / 2, 0, &mut out);
    out
}

/// Count, mean and sum of squared deviations of a set of values; sets merge exactly as if
/// their values had been pooled (Chan, Golub and LeVeque's pairwise update).
#[derive(Debug, Clone, Copy)]
struct Moments {
    count: f64,
    mean: f64,
    squares: f64,
}

impl Moments {
    const EMPTY: Moments = Moments {
        count: 0.0,
        mean: 0.0,
        squares: 0.0,
    };

    /// Welford's running update: a constant series keeps `squares` at exactly 0.
    fn of(values: &[f64]) -> Moments {
        let mut m = Moments::EMPTY;
        for &v in values {
            m.count += 1.0;
            let delta = v - m.mean;
            m.mean += delta / m.count;
            m.squares += delta * (v - m.mean);
        }
        m
    }

    fn merge(self, other: &Moments) -> Moments {
        if self.count == 0.0 {
            return *other;
        }
        let count = self.count + other.count;
        let delta = other.mean - self.mean;
        Moments {
            count,
            mean: self.mean + delta * other.count / count,
            squares: self.squares
                + other.squares
                + delta * delta * self.count * other.count / count,
        }
    }

    /// Mean over sample standard deviation; with no spread, the sign of the mean as an
    /// infinity (or 0), so ranking still orders a riskless gain above any risky one.
    fn sharpe(&self) -> f64 {
        if self.squares <= 0.0 {
            return if self.mean > 0.0 {
                f64::INFINITY
            } else if self.mean < 0.0 {
                f64::NEG_INFINITY
            } else {
                0.0
            };
        }
        self.mean / (self.squares / (self.count - 1.0)).sqrt()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_are_every_half_of_the_blocks_in_lexicographic_order() {
        let masks = half_masks(4);
        let lists: Vec<Vec<usize>> = masks
            .iter()
            .map(|&m| {
                CscvSplit {
                    in_sample_mask: m,
                    chosen: 0,
                    in_sample_sharpe: 0.0,
                    out_of_sample_sharpe: 0.0,
                    relative_rank: 0.5,
                    logit: 0.0,
                }
                .in_sample_blocks()
            })
            .collect();
        assert_eq!(
            lists,
            vec![
                vec![0, 1],
                vec![0, 2],
                vec![0, 3],
                vec![1, 2],
                vec![1, 3],
                vec![2, 3]
            ]
        );
        assert_eq!(half_masks(16).len(), 12_870);
    }

    #[test]
    fn blocks_differ_by_at_most_one_period() {
        assert_eq!(block_bounds(10, 4), vec![(0, 3), (3, 6), (6, 8), (8, 10)]);
    }

    #[test]
    fn merged_moments_equal_pooled_ones() {
        let a = [1.0, 2.0, 4.0];
        let b = [-1.0, 3.0];
        let pooled = Moments::of(&[1.0, 2.0, 4.0, -1.0, 3.0]);
        let merged = Moments::of(&a).merge(&Moments::of(&b));
        assert!((pooled.mean - merged.mean).abs() < 1e-15);
        assert!((pooled.squares - merged.squares).abs() < 1e-12);
        assert_eq!(Moments::of(&[0.3; 7]).squares, 0.0);
    }

    #[test]
    fn odd_too_many_or_too_few_blocks_are_refused() {
        let perf = vec![vec![0.1, -0.1, 0.2, 0.0, 0.3, -0.2]; 3];
        for blocks in [0, 1, 3, 22] {
            assert_eq!(
                pbo(&perf, blocks),
                Err(OverfitError::InvalidBlocks {
                    blocks,
                    max: MAX_BLOCKS
                })
            );
        }
        assert_eq!(
            pbo(&perf, 4),
            Err(OverfitError::TooFewPeriods {
                periods: 6,
                needed: 8
            })
        );
    }

    #[test]
    fn ragged_single_or_non_finite_inputs_are_refused() {
        let good = vec![0.1, -0.1, 0.2, 0.0];
        assert_eq!(
            pbo(std::slice::from_ref(&good), 2),
            Err(OverfitError::TooFewConfigs(1))
        );
        assert_eq!(
            pbo(&[good.clone(), vec![0.1; 5]], 2),
            Err(OverfitError::RaggedPerformance {
                config: 1,
                periods: 5,
                expected: 4
            })
        );
        assert_eq!(
            pbo(&[good, vec![0.1, f64::INFINITY, 0.0, 0.0]], 2),
            Err(OverfitError::NotFinite {
                what: "performance",
                index: 5
            })
        );
    }

    #[test]
    fn a_pick_at_the_out_of_sample_median_counts_as_overfit() {
        // Two blocks of two periods. A is best in block 0 and B in block 1 (Sharpe ratio
        // 1.41 against 0.71), C loses in both (-0.71): each split picks A or B, whose rank out
        // of sample is 2 of 3, w = 2 / 4 = 0.5 and logit 0, which counts as overfit.
        let perf = vec![
            vec![0.3, 0.1, 0.0, 0.1],
            vec![0.1, 0.0, 0.3, 0.1],
            vec![0.0, -0.1, 0.0, -0.1],
        ];
        let result = pbo(&perf, 2).expect("pbo");
        let picks: Vec<usize> = result.splits.iter().map(|s| s.chosen).collect();
        assert_eq!(picks, vec![0, 1]);
        assert_eq!(result.logits(), vec![0.0, 0.0]);
        assert_eq!(result.probability, 1.0);
        assert_eq!(result.probability_of_loss, 0.0);
    }

    #[test]
    fn a_riskless_gain_ranks_above_everything() {
        // Config 1 gains the same every period: infinite Sharpe ratio in every set.
        let perf = vec![
            vec![0.1, -0.1, 0.2, 0.0, 0.3, -0.2, 0.1, 0.05],
            vec![0.01; 8],
        ];
        let result = pbo(&perf, 4).expect("pbo");
        assert!(result.splits.iter().all(|s| s.chosen == 1));
        assert_eq!(result.probability, 0.0);
    }
}
