//! The sweep folder: `results.csv`, `results.parquet`, `sweep.json` (the plan, the dataset's
//! fingerprint, the sim version, the skipped points with their reasons, the best point) and
//! whatever else the caller adds (the report, the kept run folders), all written under a
//! temporary name and renamed into place when complete.
//!
//! `sweep.json` holds no wall clock, so the same sweep gives the same bytes.
//! Must never live here: running points or drawing.

use std::path::{Path, PathBuf};

use anyhow::Context;
use serde::{Deserialize, Serialize};

use super::PointResult;
use super::overfitting::Overfitting;
use super::plan::{Axis, Draw};
use super::point::Outcome;
use super::results::{self, Table};

/// `sweep.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SweepRecord {
    pub sim_version: String,
    pub dataset: DatasetStamp,
    pub exchange_info: String,
    /// The base config's source (a file, a sweep file or the built-in defaults) and its
    /// resolved TOML before the points' overrides.
    pub config_source: String,
    pub base_config: String,
    /// `--set` overrides applied to every point.
    pub sets: Vec<String>,
    pub grid: Vec<Axis>,
    pub draw: Draw,
    pub metric: String,
    pub points: usize,
    pub ran: usize,
    pub skipped: Vec<SkippedPoint>,
    pub best: Option<BestPoint>,
    /// How much of the best point is luck (deflated Sharpe ratio, PBO).
    pub overfitting: Overfitting,
}

/// The data every point ran on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DatasetStamp {
    pub name: String,
    pub synthetic: bool,
    pub symbols: Vec<String>,
    pub interval: String,
    pub bars: usize,
    /// The same hash as a run's `fingerprint.data_sha256` over all the dataset's series.
    pub data_sha256: String,
}

impl DatasetStamp {
    /// The stamp of `ds` (hashing every bar once).
    pub fn of(ds: &datasets::Dataset) -> DatasetStamp {
        let series: Vec<&datasets::BarSeries> = ds.series().iter().collect();
        DatasetStamp {
            name: ds.name().to_string(),
            synthetic: ds.is_synthetic(),
            symbols: series.iter().map(|s| s.symbol().to_string()).collect(),
            interval: series
                .first()
                .map_or_else(String::new, |s| s.interval().to_string()),
            bars: series.iter().map(|s| s.open_times().len()).sum(),
            data_sha256: crate::backtest::summary::data_hash(&series),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SkippedPoint {
    pub point: u64,
    /// `key=value` overrides.
    pub set: Vec<String>,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BestPoint {
    pub point: u64,
    pub set: Vec<String>,
    pub value: Option<f64>,
}

/// The skipped points of `results`, with their reasons.
pub fn skipped(axes: &[Axis], results: &[PointResult]) -> Vec<SkippedPoint> {
    results
        .iter()
        .filter_map(|r| match &r.outcome {
            Outcome::Skipped(reason) => Some(SkippedPoint {
                point: r.point.id,
                set: r.point.overrides(axes),
                reason: reason.clone(),
            }),
            Outcome::Ran(_) => None,
        })
        .collect()
}

/// The best point by `metric`, if any ran.
pub fn best(axes: &[Axis], results: &[PointResult], metric: &str) -> Option<BestPoint> {
    let i = *results::ranking(results, metric).first()?;
    let value = match &results[i].outcome {
        Outcome::Ran(row) => results::metric_value(row, metric),
        Outcome::Skipped(_) => None,
    };
    Some(BestPoint {
        point: results[i].point.id,
        set: results[i].point.overrides(axes),
        value,
    })
}

/// A sweep folder being written: files go into a temporary folder beside `out`, which
/// [`Partial::publish`] renames to `out` (replacing a previous sweep there).
#[derive(Debug)]
pub struct Partial {
    pub tmp: PathBuf,
    out: PathBuf,
}

impl Partial {
    pub fn begin(out: &Path) -> anyhow::Result<Partial> {
        Ok(Partial {
            tmp: crate::backtest::temp_dir_for(out)?.0,
            out: out.to_path_buf(),
        })
    }

    /// Writes the results table (CSV and Parquet) and `sweep.json`.
    pub fn write_results(&self, table: &Table, record: &SweepRecord) -> anyhow::Result<()> {
        let csv = self.tmp.join("results.csv");
        std::fs::write(&csv, table.to_csv())
            .with_context(|| format!("cannot write {}", csv.display()))?;
        table.write_parquet(&self.tmp.join("results.parquet"))?;
        let json = serde_json::to_string_pretty(record).context("cannot write sweep.json")?;
        let path = self.tmp.join("sweep.json");
        std::fs::write(&path, json + "\n")
            .with_context(|| format!("cannot write {}", path.display()))
    }

    /// Writes `bytes` to `name` inside the folder (creating subfolders).
    pub fn write_file(&self, name: &str, bytes: &[u8]) -> anyhow::Result<()> {
        let path = self.tmp.join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("cannot create {}", parent.display()))?;
        }
        std::fs::write(&path, bytes).with_context(|| format!("cannot write {}", path.display()))
    }

    /// Moves the complete folder to `out`; returns `out`.
    pub fn publish(self) -> anyhow::Result<PathBuf> {
        crate::backtest::publish(&self.tmp, &self.out)?;
        Ok(self.out)
    }

    /// Removes the unfinished folder (after a failure).
    pub fn abandon(self) {
        let _ = std::fs::remove_dir_all(&self.tmp);
    }
}
