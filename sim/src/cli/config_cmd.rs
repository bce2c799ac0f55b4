//! `sim config import-env DIR [--out FILE]`.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::Subcommand;
use sim::config::env_import;

#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Turn the original system's KEY=VALUE env files (every *.env in DIR) into a run config.
    ImportEnv {
        dir: PathBuf,
        /// Write the config here instead of printing it.
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

pub fn run(cmd: ConfigCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        ConfigCommand::ImportEnv { dir, out } => {
            let imported = env_import::import_dir(&dir)?;
            match out {
                Some(path) => {
                    std::fs::write(&path, &imported.toml)
                        .with_context(|| format!("cannot write {}", path.display()))?;
                    eprintln!(
                        "wrote {}; {} key(s) not modelled are listed at its top. Next: sim check --config {}",
                        path.display(),
                        imported.ignored.len(),
                        path.display()
                    );
                }
                None => print!("{}", imported.toml),
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
