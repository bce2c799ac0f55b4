//! `sim report RUN`: (re)writes a run folder's `report.html` and `charts/*.png` from its files.
//! `sim backtest` calls [`write`] too, unless `--no-report`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::Args;

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// A run folder written by `sim backtest`.
    pub run: PathBuf,
    /// Where to write report.html and charts/ (default: the run folder itself).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}

pub fn run(args: ReportArgs) -> anyhow::Result<ExitCode> {
    let out = args.out.clone().unwrap_or_else(|| args.run.clone());
    std::fs::create_dir_all(&out)
        .with_context(|| format!("cannot create the report folder {}", out.display()))?;
    let html = write(&args.run, &out)?;
    println!("report: {}", html.display());
    Ok(ExitCode::SUCCESS)
}

/// Writes the report of the run folder `run` into `out`; returns the path of `report.html`.
pub fn write(run: &Path, out: &Path) -> anyhow::Result<PathBuf> {
    let written = reports::write_report(run, out)
        .with_context(|| format!("cannot write the report of {}", run.display()))?;
    Ok(written.html)
}
