//! Performance metrics of a run, from its equity curve and its closed trades.
//!
//! Conventions (stated here and tested): returns are simple per-bar returns of equity; Sharpe
//! and Sortino use a zero risk-free rate and annualise by `sqrt(bars_per_year)` where
//! `bars_per_year = 365 days / bar interval` (525,600 for 1m bars: crypto trades every day);
//! the standard deviation is the sample one (n - 1); Sortino's downside deviation is
//! `sqrt(mean(min(r, 0)^2))` over all bars; CAGR uses 365-day years; max drawdown is the largest
//! peak-to-trough fall as a fraction of the peak, and its duration runs from the peak to the
//! recovery of that peak (or to the end if it never recovers).
//! Must never live here: anything that reads files or the engine's internals.

use serde::{Deserialize, Serialize};

const YEAR_MS: f64 = 365.0 * 86_400_000.0;

/// One point of the equity curve (bar close time, equity in USDT).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct EquityPoint {
    pub time_ms: i64,
    pub equity: f64,
    /// True while a position is open at this bar.
    pub in_market: bool,
}

/// A closed trade's outcome, net of its fees and funding.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct TradeOutcome {
    pub entry_ms: i64,
    pub exit_ms: i64,
    pub net_pnl: f64,
}

/// The headline numbers of a run. `None` where the number is undefined (no trades, zero
/// volatility, no losing trade for the profit factor).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Metrics {
    pub total_return: f64,
    pub cagr: Option<f64>,
    pub sharpe: Option<f64>,
    pub sortino: Option<f64>,
    pub calmar: Option<f64>,
    pub max_drawdown: f64,
    pub max_drawdown_duration_ms: i64,
    pub win_rate: Option<f64>,
    pub profit_factor: Option<f64>,
    pub expectancy: Option<f64>,
    pub exposure: f64,
    pub trades: usize,
    pub avg_holding_ms: Option<f64>,
}

/// Computes every metric. `bars_per_year` annualises Sharpe and Sortino.
pub fn compute(equity: &[EquityPoint], trades: &[TradeOutcome], bars_per_year: f64) -> Metrics {
    let mut m = Metrics {
        trades: trades.len(),
        ..Metrics::default()
    };
    if let (Some(first), Some(last)) = (equity.first(), equity.last())
        && first.equity > 0.0
    {
        m.total_return = last.equity / first.equity - 1.0;
        let years = (last.time_ms - first.time_ms) as f64 / YEAR_MS;
        if years > 0.0 && last.equity > 0.0 {
            m.cagr = Some((last.equity / first.equity).powf(1.0 / years) - 1.0);
        }
    }
    let returns: Vec<f64> = equity
        .windows(2)
        .filter(|w| w[0].equity > 0.0)
        .map(|w| w[1].equity / w[0].equity - 1.0)
        .collect();
    let (sharpe, sortino) = sharpe_sortino(&returns, bars_per_year);
    m.sharpe = sharpe;
    m.sortino = sortino;
    let (dd, dd_ms) = max_drawdown(equity);
    m.max_drawdown = dd;
    m.max_drawdown_duration_ms = dd_ms;
    m.calmar = match (m.cagr, dd > 0.0) {
        (Some(c), true) => Some(c / dd),
        _ => None,
    };
    if !equity.is_empty() {
        m.exposure = equity.iter().filter(|p| p.in_market).count() as f64 / equity.len() as f64;
    }
    if !trades.is_empty() {
        let n = trades.len() as f64;
        let wins: f64 = trades
            .iter()
            .filter(|t| t.net_pnl > 0.0)
            .map(|t| t.net_pnl)
            .sum();
        let losses: f64 = trades
            .iter()
            .filter(|t| t.net_pnl < 0.0)
            .map(|t| -t.net_pnl)
            .sum();
        m.win_rate = Some(trades.iter().filter(|t| t.net_pnl > 0.0).count() as f64 / n);
        m.profit_factor = (losses > 0.0).then(|| wins / losses);
        m.expectancy = Some(trades.iter().map(|t| t.net_pnl).sum::<f64>() / n);
        m.avg_holding_ms = Some(
            trades
                .iter()
                .map(|t| (t.exit_ms - t.entry_ms) as f64)
                .sum::<f64>()
                / n,
        );
    }
    m
}

fn sharpe_sortino(returns: &[f64], bars_per_year: f64) -> (Option<f64>, Option<f64>) {
    if returns.len() < 2 {
        return (None, None);
    }
    let n = returns.len() as f64;
    let mean = returns.iter().sum::<f64>() / n;
    let var = returns.iter().map(|r| (r - mean).powi(2)).sum::<f64>() / (n - 1.0);
    let down = (returns.iter().map(|r| r.min(0.0).powi(2)).sum::<f64>() / n).sqrt();
    let ann = bars_per_year.sqrt();
    let sharpe = (var > 0.0).then(|| mean / var.sqrt() * ann);
    let sortino = (down > 0.0).then(|| mean / down * ann);
    (sharpe, sortino)
}

/// (largest fall from a peak as a fraction of it, longest time in ms from a peak to the bar
/// that regains it, or to the last bar for a drawdown still open at the end).
pub fn max_drawdown(equity: &[EquityPoint]) -> (f64, i64) {
    let mut peak = f64::MIN;
    let mut peak_time = 0;
    let mut below = false;
    let mut worst = 0.0_f64;
    let mut longest = 0_i64;
    for p in equity {
        if p.equity >= peak {
            if below {
                longest = longest.max(p.time_ms - peak_time);
                below = false;
            }
            peak = p.equity;
            peak_time = p.time_ms;
        } else {
            below = true;
            if peak > 0.0 {
                worst = worst.max((peak - p.equity) / peak);
            }
        }
    }
    if let (true, Some(last)) = (below, equity.last()) {
        longest = longest.max(last.time_ms - peak_time);
    }
    (worst, longest)
}

/// The drawdown series (0 at a new peak, negative fraction below it), for charts.
pub fn drawdown_series(equity: &[EquityPoint]) -> Vec<f64> {
    let mut peak = f64::MIN;
    equity
        .iter()
        .map(|p| {
            peak = peak.max(p.equity);
            if peak > 0.0 {
                p.equity / peak - 1.0
            } else {
                0.0
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn curve(values: &[f64], step_ms: i64) -> Vec<EquityPoint> {
        values
            .iter()
            .enumerate()
            .map(|(i, v)| EquityPoint {
                time_ms: i as i64 * step_ms,
                equity: *v,
                in_market: i % 2 == 1,
            })
            .collect()
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9 * b.abs().max(1.0)
    }

    #[test]
    fn drawdown_by_hand() {
        // Peak 120 at t=1, trough 90 at t=3: 25 %; regained at t=5 (130): 4 steps long. The
        // dip to 125 at t=6 is still open at the end (t=6): 1 step.
        let e = curve(&[100.0, 120.0, 100.0, 90.0, 110.0, 130.0, 125.0], 60_000);
        let (dd, ms) = max_drawdown(&e);
        assert!(close(dd, 0.25));
        assert_eq!(ms, 4 * 60_000);
        assert_eq!(drawdown_series(&e)[3], 90.0 / 120.0 - 1.0);
        // Rising equity has no drawdown and no duration; one never regained runs to the end.
        assert_eq!(max_drawdown(&curve(&[1.0, 2.0, 3.0], 60_000)), (0.0, 0));
        let (dd, ms) = max_drawdown(&curve(&[100.0, 80.0, 90.0, 95.0], 60_000));
        assert!(close(dd, 0.2));
        assert_eq!(ms, 3 * 60_000);
        assert_eq!(max_drawdown(&[]), (0.0, 0));
    }

    #[test]
    fn sharpe_and_sortino_by_hand() {
        // Returns: +10 %, -10 %, +10 %. mean = 0.0333.., sample sd = 0.11547..,
        // downside dev = sqrt(0.01 / 3) = 0.057735..; annualised with 4 bars a year (sqrt 4 = 2).
        let e = curve(&[100.0, 110.0, 99.0, 108.9], 1);
        let m = compute(&e, &[], 4.0);
        let mean: f64 = 0.1 / 3.0;
        let sd = ((2.0 * (0.1 - mean).powi(2) + (-0.1 - mean).powi(2)) / 2.0).sqrt();
        assert!(close(m.sharpe.expect("sharpe"), mean / sd * 2.0));
        assert!(close(
            m.sortino.expect("sortino"),
            mean / (0.01_f64 / 3.0).sqrt() * 2.0
        ));
        assert!(close(m.total_return, 0.089));
        assert!(close(m.exposure, 0.5));
    }

    #[test]
    fn cagr_and_calmar_over_one_year() {
        let year: i64 = 365 * 86_400_000;
        let e = vec![
            EquityPoint {
                time_ms: 0,
                equity: 100.0,
                in_market: true,
            },
            EquityPoint {
                time_ms: year / 2,
                equity: 80.0,
                in_market: true,
            },
            EquityPoint {
                time_ms: year,
                equity: 121.0,
                in_market: false,
            },
        ];
        let m = compute(&e, &[], 2.0);
        assert!(close(m.cagr.expect("cagr"), 0.21));
        assert!(close(m.calmar.expect("calmar"), 0.21 / 0.2));
    }

    #[test]
    fn trade_statistics_by_hand() {
        let t = |pnl, hold| TradeOutcome {
            entry_ms: 0,
            exit_ms: hold,
            net_pnl: pnl,
        };
        let trades = [
            t(30.0, 60_000),
            t(-10.0, 120_000),
            t(-20.0, 180_000),
            t(40.0, 240_000),
        ];
        let m = compute(&[], &trades, 525_600.0);
        assert_eq!(m.trades, 4);
        assert!(close(m.win_rate.expect("wr"), 0.5));
        assert!(close(m.profit_factor.expect("pf"), 70.0 / 30.0));
        assert!(close(m.expectancy.expect("exp"), 10.0));
        assert!(close(m.avg_holding_ms.expect("hold"), 150_000.0));
        let no_loss = compute(&[], &[t(5.0, 1)], 1.0);
        assert_eq!(no_loss.profit_factor, None);
    }

    #[test]
    fn one_minute_bars_annualise_by_525600() {
        assert_eq!(pipeline::Interval::M1.bars_per_year(), 525_600.0);
        let e = curve(&[100.0, 100.0, 100.0], 60_000);
        let m = compute(&e, &[], 525_600.0);
        assert_eq!(m.sharpe, None, "zero volatility has no Sharpe");
    }

    #[test]
    fn one_minute_sharpe_and_sortino_by_hand() {
        // 1m returns +1 %, -0.5 %, +1 %, -0.5 %: mean 0.0025, sample variance
        // 4 x 0.0075^2 / 3 = 0.000075, downside deviation sqrt(2 x 0.005^2 / 4) = sqrt(0.0000125).
        // A year of 1m bars is 365 x 24 x 60 = 525,600 bars, so both scale by sqrt(525,600).
        let mut v = vec![100.0];
        for r in [0.01, -0.005, 0.01, -0.005] {
            let last = *v.last().expect("value");
            v.push(last * (1.0 + r));
        }
        let e = curve(&v, 60_000);
        let bpy = pipeline::Interval::M1.bars_per_year();
        let m = compute(&e, &[], bpy);
        let ann = 525_600_f64.sqrt();
        assert!(close(ann, 724.982_758_4), "{ann}");
        assert!(close(
            m.sharpe.expect("sharpe"),
            0.0025 / 0.000075_f64.sqrt() * ann
        ));
        assert!(close(m.sharpe.expect("sharpe"), 209.284_495_365));
        assert!(close(
            m.sortino.expect("sortino"),
            0.0025 / 0.0000125_f64.sqrt() * ann
        ));
        // The same returns on 5m bars annualise by sqrt(105,120): sqrt(5) times smaller.
        let m5 = compute(&e, &[], pipeline::Interval::M5.bars_per_year());
        assert!(close(
            m.sharpe.expect("1m") / m5.sharpe.expect("5m"),
            5_f64.sqrt()
        ));
    }

    #[test]
    fn cagr_of_a_quarter_compounds_to_a_year() {
        let quarter = 365 * 86_400_000 / 4;
        let p = |t: i64, e: f64| EquityPoint {
            time_ms: t,
            equity: e,
            in_market: false,
        };
        let m = compute(&[p(0, 100.0), p(quarter, 110.0)], &[], 525_600.0);
        assert!(close(m.total_return, 0.1));
        // 1.1^4 - 1 = 0.4641.
        assert!(close(m.cagr.expect("cagr"), 0.4641));
        assert_eq!((m.max_drawdown, m.calmar, m.exposure), (0.0, None, 0.0));
    }
}
