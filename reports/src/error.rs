//! [`ReportError`]: everything that can stop a report, each naming the file (and line) at fault
//! and what to do about it.
//! Must never live here: recovery or retries; a report either is written whole or says why not.

use std::path::PathBuf;

/// Why a report could not be written.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error(
        "cannot read {path}: {source}; is {} a run folder written by `sim backtest`?",
        path.parent().map_or_else(|| ".".into(), |p| p.display().to_string())
    )]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "{path}:{line}: {message}; the run folder may be damaged or from another version: run `sim backtest` again"
    )]
    Parse {
        path: PathBuf,
        line: usize,
        message: String,
    },
    #[error("cannot draw the {chart} chart: {message}")]
    Chart { chart: String, message: String },
    #[error("cannot write {path}: {source}; check that the folder exists and is writable")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
}

impl ReportError {
    pub(crate) fn parse(path: &std::path::Path, line: usize, message: impl Into<String>) -> Self {
        ReportError::Parse {
            path: path.to_path_buf(),
            line,
            message: message.into(),
        }
    }
}
