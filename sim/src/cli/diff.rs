//! `sim diff A B`: do two runs decide the same? Compares two run folders (or a recorded live
//! session and its replay) stage by stage and names the first divergence. Exit code 0 when
//! every decision is identical, 1 when they differ.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::Args;

#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The first run folder (the reference: a live session, or a backtest).
    pub a: PathBuf,
    /// The second run folder.
    pub b: PathBuf,
    /// Also write the comparison as JSON to this file. Written as `B/parity.json`, it becomes
    /// a section of B's report (`sim report B`).
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
}

pub fn run(args: DiffArgs) -> anyhow::Result<ExitCode> {
    let parity = reports::parity::compare_runs(&args.a, &args.b).with_context(|| {
        format!(
            "cannot compare {} with {}",
            args.a.display(),
            args.b.display()
        )
    })?;
    print!("{}", parity.render());
    if let Some(path) = &args.json {
        let text = serde_json::to_string_pretty(&parity)?;
        std::fs::write(path, text + "\n")
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    Ok(if parity.identical() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
