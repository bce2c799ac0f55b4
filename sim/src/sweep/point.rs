//! One sweep point: the base config with the point's overrides, checked like `sim backtest`
//! checks it (the run config, the topology, the preflight check), then run through the very
//! same [`simulate`](crate::backtest::simulate) as a backtest, journals off, and summed up as
//! one row of the results table.
//! Must never live here: choosing points, threads, or writing files.

use std::collections::BTreeMap;

use datasets::Dataset;
use pipeline::exchange_info::ExchangeInfo;
use pipeline::stages::EvalType;
use pipeline::stages::journal::NullJournal;
use reports::metrics::Metrics;
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
    pub info: &'a ExchangeInfo,
    pub info_name: &'a str,
    /// Every symbol's price range in the dataset (each point keeps the ones it trades).
    pub prices: &'a [PriceRange],
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
        let spec = match self.spec(overrides) {
            Ok(spec) => spec,
            Err(e) => return Ok(Outcome::Skipped(one_line(&e))),
        };
        if let Some(reason) = self.refusal(&spec) {
            return Ok(Outcome::Skipped(reason));
        }
        let series = match backtest::select_series(&spec, self.dataset) {
            Ok(s) => s,
            Err(e) => return Ok(Outcome::Skipped(one_line(&e))),
        };
        let sim = backtest::simulate(&spec, &series, self.info.clone(), NullJournal)?;
        let (metrics, trades) =
            summary::run_metrics(series[0].interval(), &sim.exchange, &sim.equity);
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
        Ok(Outcome::Ran(Box::new(Row {
            metrics,
            final_equity: num(account.equity),
            fees: num(account.fees_paid),
            funding: num(account.funding_paid),
            liquidations: trades.iter().filter(|t| t.liquidated).count() as u64,
            orders: sim.funnel.orders(EvalType::Entry) + sim.funnel.orders(EvalType::Exit),
            fills: sim.exchange.fills().len() as u64,
            drops,
            daily_returns: overfitting::daily_returns(
                num(spec.exchange.initial_balance),
                &sim.equity,
            ),
        })))
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
