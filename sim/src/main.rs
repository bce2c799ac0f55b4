//! The `sim` binary: a thin clap front end. Each subcommand lives in `cli/<name>.rs` and turns
//! arguments into calls on the library crates; run loops live in `sim`'s library modules.
//! Must never live here: trading logic, filters or fill rules.

mod cli;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let args = cli::Cli::parse();
    cli::init_tracing(args.verbose);
    match cli::run(args) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::from(2)
        }
    }
}
