//! What `sim backtest` and `sim check` both load: the config, the exchange info and the dataset.

use std::path::PathBuf;

use anyhow::Context;
use clap::Args;
use datasets::Dataset;
use sim::check::PriceRange;
use sim::config::{self, RunSpec};
use sim::exchange_info_store::{self, Resolved, ResolvedSchedule};

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

/// The run's exchange info over time, for the backtesting commands (`sim backtest`, `check`,
/// `sweep`, `walkforward`): `run.exchange_info = "testnet@history"` gives every dated
/// snapshot of the venue, any other name one exchange info valid for all time.
pub fn exchange_info_over_time(spec: &RunSpec) -> anyhow::Result<ResolvedSchedule> {
    exchange_info_store::resolve_schedule(&spec.run.exchange_info)
        .with_context(|| format!("run.exchange_info = \"{}\"", spec.run.exchange_info))
}

/// The lines describing a schedule: what [`say_exchange_info`] says of one exchange info, and
/// for a history also one line per snapshot (what it lists, delists and changes).
pub fn exchange_info_lines(resolved: &ResolvedSchedule) -> Vec<String> {
    let mut lines = vec![resolved.describe(super::exchange_info::wall_ms())];
    lines.extend(resolved.version_lines());
    lines
}

/// Prints [`exchange_info_lines`] on stderr.
pub fn say_exchange_info_over_time(resolved: &ResolvedSchedule) {
    for line in exchange_info_lines(resolved) {
        eprintln!("{line}");
    }
}

/// Says on stderr when the data starts before a history's oldest snapshot (those bars are
/// checked against the oldest).
pub fn say_history_start(resolved: &ResolvedSchedule, prices: &[PriceRange]) {
    let start = prices.iter().map(|p| p.from_ms).min();
    if let Some(note) = start.and_then(|t| resolved.start_note(t)) {
        eprintln!("{note}");
    }
}

pub fn dataset(spec: &RunSpec) -> anyhow::Result<Dataset> {
    datasets::load(&spec.run.dataset)
        .with_context(|| format!("run.dataset = \"{}\"", spec.run.dataset))
}

/// Lowest low, highest high and time span per symbol the run trades (`run.symbols`, else all).
pub fn price_ranges(spec: &RunSpec, ds: &Dataset) -> Vec<PriceRange> {
    ds.series()
        .iter()
        .filter(|s| spec.run.symbols.is_empty() || spec.run.symbols.contains(s.symbol()))
        .filter_map(PriceRange::of)
        .collect()
}
