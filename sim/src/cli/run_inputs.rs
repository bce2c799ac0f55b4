//! What `sim backtest` and `sim check` both load: the config, the exchange info and the dataset.

use std::path::PathBuf;

use anyhow::Context;
use clap::Args;
use datasets::Dataset;
use sim::check::PriceRange;
use sim::config::{self, RunSpec};
use sim::exchange_info_store::{self, Resolved};

/// Options shared by commands that resolve a run config.
#[derive(Debug, Args)]
pub struct ConfigArgs {
    /// A run config (TOML). Without it the built-in defaults apply.
    #[arg(long, short)]
    pub config: Option<PathBuf>,
    /// Override a config key, e.g. --set trader.position_usd=500 (repeatable).
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub set: Vec<String>,
}

impl ConfigArgs {
    pub fn load(&self, extra: Vec<String>) -> anyhow::Result<RunSpec> {
        let mut overrides = extra;
        overrides.extend(self.set.iter().cloned());
        config::load(self.config.as_deref(), &overrides)
    }
}

/// The run's exchange info (`run.exchange_info`), with the name that pins it and its line.
pub fn exchange_info(spec: &RunSpec) -> anyhow::Result<Resolved> {
    exchange_info_store::resolve(&spec.run.exchange_info)
        .with_context(|| format!("run.exchange_info = \"{}\"", spec.run.exchange_info))
}

/// Prints which exchange info a command uses, its date and whether it is an estimate.
pub fn say_exchange_info(resolved: &Resolved) {
    eprintln!("{}", resolved.describe(super::exchange_info::wall_ms()));
}

pub fn dataset(spec: &RunSpec) -> anyhow::Result<Dataset> {
    datasets::load(&spec.run.dataset)
        .with_context(|| format!("run.dataset = \"{}\"", spec.run.dataset))
}

/// Lowest low and highest high per symbol the run trades (`run.symbols`, else all).
pub fn price_ranges(spec: &RunSpec, ds: &Dataset) -> Vec<PriceRange> {
    ds.series()
        .iter()
        .filter(|s| spec.run.symbols.is_empty() || spec.run.symbols.contains(s.symbol()))
        .map(|s| PriceRange {
            symbol: s.symbol().to_string(),
            low: s.lows().iter().copied().fold(f64::INFINITY, f64::min),
            high: s.highs().iter().copied().fold(f64::NEG_INFINITY, f64::max),
        })
        .collect()
}
