//! One sweep point: the base config with the point's overrides, checked like `sim backtest`
//! checks it (the run config, the topology, the preflight check), then run through the very
//! same [`simulate`](crate::backtest::simulate) as a backtest, journals off, and summed up as
//! one row of the results table.
//!
//! A point runs on the whole dataset, or on a [`Window`] of it (walk-forward): the same
//! symbols cut to a time window, optionally with warm-up bars before the window that the
//! strategy and the stages see but nothing trades on, and that no metric counts.
//! Must never live here: choosing points, threads, or writing files.

use std::collections::BTreeMap;

use datasets::{BarSeries, Dataset};
use exchange_sim::InfoSchedule;
use pipeline::Symbol;
use pipeline::stages::EvalType;
use pipeline::stages::journal::NullJournal;
use reports::metrics::{EquityPoint, Metrics, TradeOutcome};
use rust_decimal::prelude::ToPrimitive;
use serde::{Deserialize, Serialize};

use super::overfitting;
use crate::backtest::{self, summary};
use crate::check::{self, PriceRange, Severity};
use crate::config::{self, RunSpec};

/// What every point shares: the base config (read once), the data and the exchange info.
#[derive(Debug)]
pub struct Shared<'a> {
    pub base: &'a toml::Table,
    /// Where the base config came from, for messages.
    pub source: &'a str,
    /// `--set` overrides applied to every point before its own.
    pub sets: &'a [String],
    pub dataset: &'a Dataset,
    /// The exchange info over time (one version for a single exchange info).
    pub info: &'a InfoSchedule,
    pub info_name: &'a str,
    /// Every symbol's price range in the data the points run on (each point keeps the ones
    /// it trades).
    pub prices: &'a [PriceRange],
    /// Run on this window of the dataset instead of all of it.
    pub window: Option<&'a Window>,
}

/// A time window of the dataset: every symbol's bars in it (warm-up bars first, if any), and
/// the open time from which signals trade and the equity curve and metrics count.
#[derive(Debug, Clone)]
pub struct Window {
    pub series: Vec<BarSeries>,
    /// Bars opening before this feed the strategy and the stages only (`i64::MIN`: none).
    pub trade_from: i64,
}

impl Window {
    /// The window's copy of `s` (the dataset's series of the same symbol).
    fn of(&self, s: &BarSeries) -> Option<&BarSeries> {
        self.series.iter().find(|w| w.symbol() == s.symbol())
    }
}

/// Everything a point's run gave, for callers that need more than its row (walk-forward's
/// test windows): the resolved config, the row, the counted equity curve, the closed trades
/// and the exact final equity.
#[derive(Debug, Clone)]
pub struct PointRun {
    pub spec: RunSpec,
    pub row: Row,
    pub equity: Vec<EquityPoint>,
    pub trades: Vec<TradeOutcome>,
    pub final_equity: rust_decimal::Decimal,
}

/// One row of the results table: what `summary.json` says of the run, in numbers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Row {
    pub metrics: Metrics,
    pub final_equity: f64,
    pub fees: f64,
    pub funding: f64,
    pub liquidations: u64,
    pub orders: u64,
    pub fills: u64,
    /// Drops by `stage.reason` (entries and exits together).
    pub drops: BTreeMap<String, u64>,
    /// Day-over-day returns of the equity curve, for the overfitting statistics (not a column
    /// of the results table).
    #[serde(default)]
    pub daily_returns: Vec<f64>,
}

/// A point's fate: a row, or skipped with the reason (never silently dropped).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Outcome {
    Ran(Box<Row>),
    Skipped(String),
}

impl Shared<'_> {
    /// The point's run config: the base, `--set`, then the point's `overrides`.
    pub fn spec(&self, overrides: &[String]) -> anyhow::Result<RunSpec> {
        let mut all = self.sets.to_vec();
        all.extend_from_slice(overrides);
        config::load_table(self.base.clone(), self.source.to_string(), &all, None)
    }

    /// Runs the point with `overrides`. Only a failure of the machinery (not of the config)
    /// is an error; a config the run would refuse is [`Outcome::Skipped`] with the reason.
    pub fn run(&self, overrides: &[String]) -> anyhow::Result<Outcome> {
        Ok(match self.run_point(overrides)? {
            Ok(done) => Outcome::Ran(Box::new(done.row)),
            Err(reason) => Outcome::Skipped(reason),
        })
    }

    /// [`Shared::run`] with everything the run gave; `Ok(Err(reason))` is a skipped point.
    pub fn run_point(&self, overrides: &[String]) -> anyhow::Result<Result<PointRun, String>> {
        let spec = match self.spec(overrides) {
            Ok(spec) => spec,
            Err(e) => return Ok(Err(one_line(&e))),
        };
        if let Some(reason) = self.refusal(&spec) {
            return Ok(Err(reason));
        }
        let series = match backtest::select_series(&spec, self.dataset) {
            Ok(s) => s,
            Err(e) => return Ok(Err(one_line(&e))),
        };
        let mut trade_from = std::collections::BTreeMap::<Symbol, i64>::new();
        let series: Vec<&BarSeries> = match self.window {
            None => series,
            Some(w) => {
                let mut cut = Vec::with_capacity(series.len());
                for s in series {
                    match w.of(s).filter(|c| !c.is_empty()) {
                        Some(c) => cut.push(c),
                        None => {
                            return Ok(Err(format!("{} has no bars in the window", s.symbol())));
                        }
                    }
                    trade_from.insert(s.symbol().clone(), w.trade_from);
                }
                cut
            }
        };
        let sim = backtest::simulate_from(
            &spec,
            &series,
            self.info.clone(),
            NullJournal,
            &trade_from,
            &mut |_, _| {},
        )?;
        // Warm-up bars' equity points (all at the starting balance: nothing trades on them)
        // are not part of the run's result.
        let counted_from = self.window.map_or(i64::MIN, |w| w.trade_from);
        let equity: Vec<EquityPoint> = sim
            .equity
            .into_iter()
            .filter(|p| p.time_ms > counted_from)
            .collect();
        let (metrics, trades) = summary::run_metrics(series[0].interval(), &sim.exchange, &equity);
        let account = sim.exchange.account();
        let num = |d: rust_decimal::Decimal| d.to_f64().unwrap_or(f64::NAN);
        let mut drops = BTreeMap::new();
        for (stage, per_eval) in sim.funnel.stages.iter() {
            for eval in [EvalType::Entry, EvalType::Exit] {
                for (reason, n) in &per_eval.get(eval).dropped {
                    *drops.entry(format!("{stage}.{reason}")).or_insert(0) += n;
                }
            }
        }
        let row = Row {
            metrics,
            final_equity: num(account.equity),
            fees: num(account.fees_paid),
            funding: num(account.funding_paid),
            liquidations: trades.iter().filter(|t| t.liquidated).count() as u64,
            orders: sim.funnel.orders(EvalType::Entry) + sim.funnel.orders(EvalType::Exit),
            fills: sim.exchange.fills().len() as u64,
            drops,
            daily_returns: overfitting::daily_returns(num(spec.exchange.initial_balance), &equity),
        };
        let closed = trades
            .iter()
            .filter_map(|t| {
                t.exit_time.map(|exit| TradeOutcome {
                    entry_ms: t.entry_time,
                    exit_ms: exit,
                    net_pnl: num(t.net_pnl),
                })
            })
            .collect();
        Ok(Ok(PointRun {
            final_equity: account.equity,
            spec,
            row,
            equity,
            trades: closed,
        }))
    }

    /// Why `sim backtest` would refuse `spec` (topology problems, preflight errors), if it would.
    fn refusal(&self, spec: &RunSpec) -> Option<String> {
        if let Some(p) = spec.topology.problems().first() {
            return Some(format!("topology: {}", p.message));
        }
        // The price ranges of the symbols this point trades, as `sim backtest` passes them.
        let prices: Vec<PriceRange> = self
            .prices
            .iter()
            .filter(|p| {
                spec.run.symbols.is_empty()
                    || spec.run.symbols.iter().any(|s| s.as_str() == p.symbol)
            })
            .cloned()
            .collect();
        let errors: Vec<String> = check::check(spec, self.info, self.info_name, &prices)
            .into_iter()
            .filter(|f| f.severity == Severity::Error)
            .map(|f| format!("preflight {}: {}", f.failure, f.message))
            .collect();
        (!errors.is_empty()).then(|| errors.join("; "))
    }
}

/// An error and its causes on one line, for the skipped list.
fn one_line(e: &anyhow::Error) -> String {
    format!("{e:#}").replace('\n', " ")
}
