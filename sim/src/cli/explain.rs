//! `sim explain RUN`: the run's funnel in plain sentences, worst blockage first.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::Args;
use pipeline::funnel::Funnel;

#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// A run folder written by `sim backtest`.
    pub run: PathBuf,
}

pub fn run(args: ExplainArgs) -> anyhow::Result<ExitCode> {
    let path = args.run.join("summary.json");
    let text = std::fs::read_to_string(&path).with_context(|| {
        format!(
            "cannot read {}; is {} a run folder written by sim backtest?",
            path.display(),
            args.run.display()
        )
    })?;
    let v: serde_json::Value = serde_json::from_str(&text)
        .with_context(|| format!("{} is not valid JSON", path.display()))?;
    let funnel: Funnel = serde_json::from_value(v["funnel"].clone())
        .with_context(|| format!("{} has no readable funnel", path.display()))?;
    if v["dataset"]["synthetic"] == true {
        println!(
            "(dataset {} is synthetic)",
            v["dataset"]["name"].as_str().unwrap_or("?")
        );
    }
    for line in pipeline::funnel::explain::explain(&funnel) {
        println!("{line}");
    }
    Ok(ExitCode::SUCCESS)
}
