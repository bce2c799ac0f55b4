//! How much of a sweep's best point is luck: the deflated Sharpe ratio of the best point (by
//! the sweep's metric) and the probability of backtest overfitting over every point that ran,
//! both from the points' daily returns (`research::overfit` has the formulas and papers).
//!
//! Daily, not per bar: the statistics count periods, and a year of 1m bars per point would be
//! hundreds of MB for a large grid; a day is the period the papers' examples use. A statistic
//! that cannot be computed (too few days, a point that never moved, one point only) is recorded
//! with the reason instead of a number.
//! Must never live here: the formulas (`research::overfit`), running points, drawing.

use pipeline::TimestampMs;
use reports::metrics::EquityPoint;
use serde::{Deserialize, Serialize};

use super::PointResult;
use super::point::Outcome;
use super::results;
use crate::research::overfit::{self, SharpeEstimate};

/// Blocks of the CSCV split, at most: C(8, 4) = 70 splits, each block at least two days.
const MAX_BLOCKS: usize = 8;

const DAY_MS: i64 = 86_400_000;

/// The day-over-day returns of an equity curve: the last equity of each UTC day against the
/// last of the day before (the first day against `initial`).
pub fn daily_returns(initial: f64, equity: &[EquityPoint]) -> Vec<f64> {
    let mut out = Vec::new();
    let mut prev = initial;
    let mut day = None;
    let mut last = initial;
    for p in equity {
        let d = TimestampMs(p.time_ms).as_ms().div_euclid(DAY_MS);
        if day.is_some_and(|x| x != d) {
            out.push(last / prev - 1.0);
            prev = last;
        }
        day = Some(d);
        last = p.equity;
    }
    if day.is_some() {
        out.push(last / prev - 1.0);
    }
    out
}

/// The section of `sweep.json` and the report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Overfitting {
    /// The points the statistics were computed over (those that ran).
    pub trials: usize,
    pub days: usize,
    pub deflated_sharpe: Statistic<DeflatedSharpe>,
    pub pbo: Statistic<ProbabilityOfOverfitting>,
}

/// A value, or why it could not be computed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Statistic<T> {
    Value(T),
    NotComputed(String),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeflatedSharpe {
    /// The best point (by the sweep's metric) the statistic is about.
    pub point: u64,
    /// The probability that its true daily Sharpe ratio beats the best of `trials` worthless
    /// configurations (0.95 or more: the paper's bar for a discovery).
    pub probability: f64,
    pub daily_sharpe: f64,
    /// The daily Sharpe ratio the best of `trials` worthless configurations reaches by luck.
    pub expected_max_daily_sharpe: f64,
    pub skewness: f64,
    pub kurtosis: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProbabilityOfOverfitting {
    /// The share of the CSCV splits whose in-sample best is at or below the out-of-sample
    /// median.
    pub probability: f64,
    /// The share of splits whose in-sample best lost money out of sample.
    pub probability_of_loss: f64,
    pub blocks: usize,
    pub splits: usize,
}

/// The statistics of a finished sweep ranked by `metric`.
pub fn of(results: &[PointResult], metric: &str) -> Overfitting {
    let ran: Vec<(u64, &[f64])> = results
        .iter()
        .filter_map(|r| match &r.outcome {
            Outcome::Ran(row) => Some((r.point.id, row.daily_returns.as_slice())),
            Outcome::Skipped(_) => None,
        })
        .collect();
    let days = ran.first().map_or(0, |(_, d)| d.len());
    let best = results::ranking(results, metric)
        .first()
        .map(|&i| results[i].point.id);
    Overfitting {
        trials: ran.len(),
        days,
        deflated_sharpe: deflated(&ran, best),
        pbo: cscv(&ran, days),
    }
}

fn deflated(ran: &[(u64, &[f64])], best: Option<u64>) -> Statistic<DeflatedSharpe> {
    let Some((point, returns)) = best.and_then(|b| ran.iter().find(|(id, _)| *id == b)) else {
        return Statistic::NotComputed("no point ran".into());
    };
    let sharpes: Result<Vec<f64>, _> = ran
        .iter()
        .map(|(_, r)| SharpeEstimate::from_returns(r).map(|e| e.sharpe))
        .collect();
    let answer = sharpes
        .and_then(|s| overfit::trials_sharpe_variance(&s))
        .and_then(|v| overfit::deflated_sharpe(returns, ran.len(), v));
    match answer {
        Ok(d) => Statistic::Value(DeflatedSharpe {
            point: *point,
            probability: d.probability,
            daily_sharpe: d.estimate.sharpe,
            expected_max_daily_sharpe: d.expected_max_sharpe,
            skewness: d.estimate.skewness,
            kurtosis: d.estimate.kurtosis,
        }),
        Err(e) => Statistic::NotComputed(e.to_string()),
    }
}

fn cscv(ran: &[(u64, &[f64])], days: usize) -> Statistic<ProbabilityOfOverfitting> {
    // The most blocks (even, at most MAX_BLOCKS) that leave each at least two days.
    let blocks = (days / 2).min(MAX_BLOCKS) & !1;
    if blocks < 2 {
        return Statistic::NotComputed(format!(
            "{days} days of returns: CSCV needs at least 4 (two blocks of two days)"
        ));
    }
    let matrix: Vec<Vec<f64>> = ran.iter().map(|(_, r)| r.to_vec()).collect();
    match overfit::pbo(&matrix, blocks) {
        Ok(p) => Statistic::Value(ProbabilityOfOverfitting {
            probability: p.probability,
            probability_of_loss: p.probability_of_loss,
            blocks: p.blocks,
            splits: p.splits.len(),
        }),
        Err(e) => Statistic::NotComputed(e.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(day: i64, minute: i64, equity: f64) -> EquityPoint {
        EquityPoint {
            time_ms: day * DAY_MS + minute * 60_000,
            equity,
            in_market: false,
        }
    }

    #[test]
    fn daily_returns_take_each_days_last_equity() {
        let curve = [
            at(0, 0, 100.0),
            at(0, 1439, 110.0),
            at(1, 0, 50.0),
            at(1, 1439, 99.0),
            at(3, 5, 99.0),
        ];
        let r = daily_returns(100.0, &curve);
        assert_eq!(r.len(), 3, "one return per day with bars");
        assert!((r[0] - 0.10).abs() < 1e-12, "{r:?}");
        assert!((r[1] - (99.0 / 110.0 - 1.0)).abs() < 1e-12, "{r:?}");
        assert_eq!(r[2], 0.0);
        assert!(daily_returns(100.0, &[]).is_empty());
    }
}
