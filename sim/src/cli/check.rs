//! `sim check --config FILE`: the preflight check on its own. Exit code 1 on errors.

use std::process::ExitCode;

use clap::Args;
use sim::check::{self, Severity};

use super::run_inputs::{self, ConfigArgs};

#[derive(Debug, Args)]
pub struct CheckArgs {
    #[command(flatten)]
    pub config: ConfigArgs,
    /// Skip loading the dataset (no price-based sizing check).
    #[arg(long)]
    pub no_data: bool,
}

pub fn run(args: CheckArgs) -> anyhow::Result<ExitCode> {
    let spec = args.config.load(Vec::new())?;
    let resolved = run_inputs::exchange_info(&spec)?;
    println!("{}", resolved.describe(super::exchange_info::wall_ms()));
    let prices = if args.no_data {
        Vec::new()
    } else {
        run_inputs::price_ranges(&spec, &run_inputs::dataset(&spec)?)
    };
    let findings = check::check(&spec, &resolved.info, &resolved.name, &prices);
    print!("{}", check::render(&findings));
    Ok(if findings.iter().any(|f| f.severity == Severity::Error) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
