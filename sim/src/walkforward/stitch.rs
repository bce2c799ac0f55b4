//! The out-of-sample result of a walk-forward: the test windows' equity curves joined in time
//! order into one curve (each window starts from the previous one's ending equity, so the
//! curve is continuous), its metrics over every closed trade of the test windows, and the
//! walk-forward efficiency.
//!
//! Walk-forward efficiency = mean out-of-sample metric / mean in-sample metric over the
//! tested windows (Pardo's ratio, here of the chosen metric): near 1, the winners kept out of
//! sample what they showed in sample; near 0 or negative, what training found did not last.
//! It is given only when the in-sample mean is positive (a ratio to a loss says nothing).
//! Must never live here: running windows or writing files.

use reports::metrics::{self, EquityPoint, Metrics, TradeOutcome};
use serde::{Deserialize, Serialize};

use super::{WalkForward, WindowOutcome};
use crate::sweep::results;

/// The stitched out-of-sample curve, in time order.
pub fn curve(wf: &WalkForward) -> Vec<EquityPoint> {
    wf.windows
        .iter()
        .filter_map(|w| match &w.outcome {
            WindowOutcome::Tested(t) => Some(t.equity.iter().copied()),
            WindowOutcome::NotRun(_) => None,
        })
        .flatten()
        .collect()
}

/// The walk-forward's headline numbers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    pub windows_tested: usize,
    pub windows_not_run: usize,
    /// The stitched curve's metrics (closed trades of every test window).
    pub out_of_sample: Metrics,
    pub initial_balance: f64,
    pub final_equity: Option<f64>,
    pub mean_in_sample: Option<f64>,
    pub mean_out_of_sample: Option<f64>,
    /// Mean out-of-sample / mean in-sample metric (see the module doc).
    pub efficiency: Option<f64>,
}

/// The summary of `wf` ranked by `metric`, its curve annualised with `bars_per_year`.
pub fn summary(
    wf: &WalkForward,
    metric: &str,
    initial_balance: f64,
    bars_per_year: f64,
) -> Summary {
    let curve = curve(wf);
    let mut trades: Vec<TradeOutcome> = Vec::new();
    let (mut is_values, mut oos_values) = (Vec::new(), Vec::new());
    let mut tested = 0;
    for w in &wf.windows {
        if let WindowOutcome::Tested(t) = &w.outcome {
            tested += 1;
            trades.extend(t.trades.iter().copied());
            if let (Some(a), Some(b)) = (
                results::metric_value(&t.in_sample, metric),
                results::metric_value(&t.out_of_sample, metric),
            ) {
                is_values.push(a);
                oos_values.push(b);
            }
        }
    }
    let mean = |v: &[f64]| (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64);
    let (mean_is, mean_oos) = (mean(&is_values), mean(&oos_values));
    let efficiency = match (mean_is, mean_oos) {
        (Some(i), Some(o)) if i > 0.0 => Some(o / i),
        _ => None,
    };
    Summary {
        windows_tested: tested,
        windows_not_run: wf.windows.len() - tested,
        out_of_sample: metrics::compute(&curve, &trades, bars_per_year),
        initial_balance,
        final_equity: curve.last().map(|p| p.equity),
        mean_in_sample: mean_is,
        mean_out_of_sample: mean_oos,
        efficiency,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sweep::plan::Point;
    use crate::sweep::point::Row;
    use crate::walkforward::windows::Span;
    use crate::walkforward::{Tested, WindowResult};
    use rust_decimal::Decimal;

    fn row(sharpe: f64) -> Row {
        Row {
            metrics: Metrics {
                sharpe: Some(sharpe),
                ..Metrics::default()
            },
            final_equity: 0.0,
            fees: 0.0,
            funding: 0.0,
            liquidations: 0,
            orders: 0,
            fills: 0,
            drops: Default::default(),
            daily_returns: Vec::new(),
        }
    }

    fn window(start: i64, is: f64, oos: f64, equity: &[f64]) -> WindowResult {
        let span = Span {
            train_start: 0,
            train_end: start,
            test_start: start,
            test_end: start + 10,
            warmup_start: start,
        };
        WindowResult {
            span,
            outcome: WindowOutcome::Tested(Box::new(Tested {
                winner: Point {
                    id: 0,
                    values: Vec::new(),
                },
                in_sample: row(is),
                out_of_sample: row(oos),
                start_balance: Decimal::ZERO,
                end_balance: Decimal::ZERO,
                equity: equity
                    .iter()
                    .enumerate()
                    .map(|(i, e)| EquityPoint {
                        time_ms: start + i as i64 + 1,
                        equity: *e,
                        in_market: false,
                    })
                    .collect(),
                trades: Vec::new(),
                open_at_end: false,
            })),
            skipped: Vec::new(),
            ran: 1,
        }
    }

    #[test]
    fn the_curve_joins_the_tested_windows_and_efficiency_is_the_ratio_of_the_means() {
        let wf = WalkForward {
            windows: vec![
                window(100, 2.0, 1.0, &[100.0, 110.0]),
                WindowResult {
                    span: window(200, 0.0, 0.0, &[]).span,
                    outcome: WindowOutcome::NotRun("no point ran".into()),
                    skipped: Vec::new(),
                    ran: 0,
                },
                window(300, 4.0, -0.4, &[110.0, 99.0]),
            ],
            not_fitting: None,
        };
        let c = curve(&wf);
        let values: Vec<f64> = c.iter().map(|p| p.equity).collect();
        assert_eq!(values, [100.0, 110.0, 110.0, 99.0]);
        let s = summary(&wf, "sharpe", 100.0, 1.0);
        assert_eq!((s.windows_tested, s.windows_not_run), (2, 1));
        assert_eq!(s.mean_in_sample, Some(3.0));
        assert_eq!(s.mean_out_of_sample, Some(0.3));
        assert_eq!(s.efficiency, Some(0.3 / 3.0));
        assert_eq!(s.final_equity, Some(99.0));
        assert!((s.out_of_sample.total_return - (-0.01)).abs() < 1e-12);
        // A losing in-sample mean gives no efficiency.
        let losing = WalkForward {
            windows: vec![window(100, -1.0, 1.0, &[100.0, 101.0])],
            not_fitting: None,
        };
        assert_eq!(summary(&losing, "sharpe", 100.0, 1.0).efficiency, None);
    }
}
