//! `sim walkforward`: walk-forward validation of a sweep's grid. Over rolling or anchored
//! windows of one dataset ([`windows`]), the grid runs on each training window (the sweep's
//! own point runner and worker pool, on one shared copy of the window's bars), the best point
//! by the metric is chosen, and that winner runs on the following test window. The test
//! windows' equity curves are stitched into one out-of-sample curve ([`stitch`]).
//!
//! - Training windows run exactly as `sim sweep` on that window alone would (no bars before
//!   the window: the strategy warms up inside it), so each window's winner is the sweep's.
//! - A test window runs with warm-up: the `warmup` bars before it (by default the training
//!   window's length, never before the data's start) feed the strategy and the stages, no
//!   signal trades on them, and no equity point or metric counts them. The data was already
//!   seen by training, so no future bar leaks in; a live deployment would also start its
//!   strategy on history.
//! - Each test window starts with the previous test window's ending equity as its balance
//!   (the first with the config's `exchange.initial_balance`). A position still open when a
//!   test window ends is valued at that window's last close (as a backtest's final equity
//!   is) and not carried over: the next window starts flat.
//! - Windows that do not fit the data, training windows where every point is skipped or no
//!   point has a value of the metric, and winners that cannot run on their test window are
//!   listed with the reason, never dropped.
//!
//! [`folder`] writes `windows.csv`, `oos_equity.csv` and `walkforward.json`.
//! Must never live here: argument parsing, printing or drawing (`cli/walkforward*.rs`,
//! `reports::walkforward`).

pub mod duration;
pub mod folder;
pub mod stitch;
pub mod windows;

use datasets::BarSeries;
use pipeline::TimestampMs;
use reports::metrics::{EquityPoint, TradeOutcome};
use rust_decimal::Decimal;

use crate::check::PriceRange;
use crate::sweep::plan::{Axis, Point};
use crate::sweep::point::{Outcome, Row, Shared, Window};
use crate::sweep::{self, PointResult, results};
use windows::{Layout, Span};

/// What a walk-forward runs: the sweep's shared inputs (whole dataset, no window), its plan's
/// axes and points, the metric, the window layout and the worker count.
#[derive(Debug)]
pub struct Plan<'a> {
    pub shared: Shared<'a>,
    pub axes: &'a [Axis],
    pub points: &'a [Point],
    pub metric: &'a str,
    pub layout: Layout,
    pub jobs: usize,
    /// The first test window's balance (the base config's `exchange.initial_balance`).
    pub initial_balance: Decimal,
}

/// One window and what became of it.
#[derive(Debug, Clone)]
pub struct WindowResult {
    pub span: Span,
    pub outcome: WindowOutcome,
    /// The training points the run config or the preflight check refused.
    pub skipped: Vec<PointResult>,
    /// How many training points ran.
    pub ran: usize,
}

#[derive(Debug, Clone)]
pub enum WindowOutcome {
    Tested(Box<Tested>),
    /// Not run, and why.
    NotRun(String),
}

/// A window whose winner ran on its test window.
#[derive(Debug, Clone)]
pub struct Tested {
    pub winner: Point,
    /// The winner's row on the training window (in sample).
    pub in_sample: Row,
    /// Its row on the test window (out of sample).
    pub out_of_sample: Row,
    pub start_balance: Decimal,
    pub end_balance: Decimal,
    /// The test window's equity points (from its first bar's close).
    pub equity: Vec<EquityPoint>,
    pub trades: Vec<TradeOutcome>,
    /// A position was still open when the test window ended.
    pub open_at_end: bool,
}

/// Every window that fit, in time order, and the first that did not.
#[derive(Debug, Clone)]
pub struct WalkForward {
    pub windows: Vec<WindowResult>,
    pub not_fitting: Option<(Span, String)>,
}

/// The time range of the series the base config trades: the first bar's open time and the
/// last bar's close.
pub fn data_range(series: &[&BarSeries]) -> Option<(i64, i64)> {
    let first = series.iter().filter_map(|s| s.first_open_time()).min()?;
    let last = series
        .iter()
        .filter_map(|s| Some(s.last_open_time()?.0 + s.interval().as_ms()))
        .max()?;
    Some((first.0, last))
}

/// Runs the walk-forward over `series` (the base config's), calling `done` as each training
/// point finishes (for a progress bar). Results are the same whatever `jobs` is.
pub fn run(
    plan: &Plan<'_>,
    series: &[&BarSeries],
    done: &mut dyn FnMut(&PointResult),
) -> anyhow::Result<WalkForward> {
    let (first, end) = data_range(series)
        .ok_or_else(|| anyhow::anyhow!("the dataset has no bars to walk forward over"))?;
    let laid = windows::lay_out(plan.layout, first, end)?;
    let mut out = Vec::with_capacity(laid.fitting.len());
    let mut balance = plan.initial_balance;
    for span in laid.fitting {
        let result = one_window(plan, series, span, balance, done)?;
        if let WindowOutcome::Tested(t) = &result.outcome {
            balance = t.end_balance;
        }
        out.push(result);
    }
    Ok(WalkForward {
        windows: out,
        not_fitting: laid.not_fitting,
    })
}

/// `series` cut to `from..to`, with `trade_from`.
fn cut(series: &[&BarSeries], from: i64, to: i64, trade_from: i64) -> Window {
    Window {
        series: series
            .iter()
            .map(|s| s.between(TimestampMs(from), TimestampMs(to)))
            .collect(),
        trade_from,
    }
}

/// Each symbol's low and high in the window (what `sim backtest` checks sizing against).
fn price_ranges(w: &Window) -> Vec<PriceRange> {
    w.series.iter().filter_map(PriceRange::of).collect()
}

fn one_window(
    plan: &Plan<'_>,
    series: &[&BarSeries],
    span: Span,
    balance: Decimal,
    done: &mut dyn FnMut(&PointResult),
) -> anyhow::Result<WindowResult> {
    let not_run = |why: String, skipped: Vec<PointResult>, ran: usize| WindowResult {
        span,
        outcome: WindowOutcome::NotRun(why),
        skipped,
        ran,
    };
    let train = cut(series, span.train_start, span.train_end, i64::MIN);
    if let Some(empty) = train.series.iter().find(|s| s.is_empty()) {
        return Ok(not_run(
            format!("{} has no bars in the training window", empty.symbol()),
            Vec::new(),
            0,
        ));
    }
    let prices = price_ranges(&train);
    let on_train = Shared {
        prices: &prices,
        window: Some(&train),
        ..plan.shared
    };
    let results = sweep::run_points(&on_train, plan.axes, plan.points, plan.jobs, &mut |_, r| {
        done(r)
    })?;
    let (ran, skipped): (Vec<PointResult>, Vec<PointResult>) = results
        .iter()
        .cloned()
        .partition(|r| matches!(r.outcome, Outcome::Ran(_)));
    let Some(&best) = results::ranking(&results, plan.metric).first() else {
        let first = skipped
            .first()
            .map_or_else(String::new, |r| match &r.outcome {
                Outcome::Skipped(why) => format!(
                    "; the first ({}) because: {why}",
                    r.point.overrides(plan.axes).join(" ")
                ),
                Outcome::Ran(_) => String::new(),
            });
        return Ok(not_run(
            format!(
                "every one of the {} points was skipped on the training window{first}",
                results.len()
            ),
            skipped,
            0,
        ));
    };
    let in_sample = match &results[best].outcome {
        Outcome::Ran(row) => results::metric_value(row, plan.metric).map(|_| row),
        Outcome::Skipped(_) => None,
    };
    let Some(in_sample) = in_sample else {
        return Ok(not_run(
            format!(
                "no point has a value of {} on the training window (e.g. no trades or flat equity); nothing to choose",
                plan.metric
            ),
            skipped,
            ran.len(),
        ));
    };
    let winner = results[best].point.clone();
    let test = cut(series, span.warmup_start, span.test_end, span.test_start);
    let prices = price_ranges(&test);
    let on_test = Shared {
        prices: &prices,
        window: Some(&test),
        ..plan.shared
    };
    let mut overrides = winner.overrides(plan.axes);
    overrides.push(balance_override(balance));
    let run = match on_test.run_point(&overrides)? {
        Ok(run) => run,
        Err(why) => {
            return Ok(not_run(
                format!(
                    "the winner ({}) could not run on the test window: {why}",
                    winner.overrides(plan.axes).join(" ")
                ),
                skipped,
                ran.len(),
            ));
        }
    };
    let open_at_end = run.equity.last().is_some_and(|p| p.in_market);
    Ok(WindowResult {
        span,
        outcome: WindowOutcome::Tested(Box::new(Tested {
            winner,
            in_sample: (**in_sample).clone(),
            out_of_sample: run.row,
            start_balance: balance,
            end_balance: run.final_equity,
            equity: run.equity,
            trades: run.trades,
            open_at_end,
        })),
        skipped,
        ran: ran.len(),
    })
}

/// The `--set` that starts a test window with `balance` (exact decimal text).
pub fn balance_override(balance: Decimal) -> String {
    format!("exchange.initial_balance=\"{}\"", balance.normalize())
}
