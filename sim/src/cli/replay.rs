//! `sim replay SESSION [--out DIR]`: a recorded `sim live` session run again through the
//! backtest loop and compared with it decision by decision; writes the replay's run folder with
//! `parity.json` and a report that shows the comparison. Exit code 1 when they differ.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

#[derive(Debug, Args)]
pub struct ReplayArgs {
    /// A session folder written by `sim live`.
    pub session: PathBuf,
    /// The replay's run folder (default SESSION/replay).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Do not write report.html and the PNG charts.
    #[arg(long)]
    pub no_report: bool,
}

pub fn run(args: ReplayArgs) -> anyhow::Result<ExitCode> {
    let out = args.out.unwrap_or_else(|| args.session.join("replay"));
    let (outcome, parity) = sim::replay::replay(&args.session, &out)?;
    print!("{}", parity.render());
    if !args.no_report {
        let html = super::report::write(&outcome.dir, &outcome.dir)?;
        println!("report: {}", html.display());
    }
    println!("replay run folder: {}", outcome.dir.display());
    Ok(if parity.identical() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
