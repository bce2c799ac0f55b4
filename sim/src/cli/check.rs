//! `sim check --config FILE`: the preflight check on its own. Exit code 1 on errors. Over a
//! history (`run.exchange_info = "testnet@history"`) it also lists each snapshot with the
//! symbols it lists, delists or changes, and warns about symbols listed or delisted while the
//! data runs.

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
    let resolved = run_inputs::exchange_info_over_time(&spec)?;
    for line in run_inputs::exchange_info_lines(&resolved) {
        println!("{line}");
    }
    let prices = if args.no_data {
        Vec::new()
    } else {
        run_inputs::price_ranges(&spec, &run_inputs::dataset(&spec)?)
    };
    run_inputs::say_history_start(&resolved, &prices);
    let findings = check::check(&spec, &resolved.schedule, &resolved.name, &prices);
    print!("{}", check::render(&findings));
    Ok(if findings.iter().any(|f| f.severity == Severity::Error) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
