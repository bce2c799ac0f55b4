//! `DatasetError`: every way loading, caching, cataloguing, generating or downloading data can
//! fail. Each message says what was wrong and what to do about it; a row-level message names the
//! file and the 1-based line an editor shows (the header counts as line 1).
//!
//! Must never live here: recovery logic. Callers decide; this module only describes.

use std::path::{Path, PathBuf};

/// Text quoted from a data file, safe for a terminal: control characters and bytes that were
/// not UTF-8 (a binary file read as CSV) are written as escapes, and a long quote is cut, so
/// an error never echoes raw binary.
pub fn printable(text: &str) -> String {
    const MAX_CHARS: usize = 160;
    let mut out = String::new();
    for (i, c) in text.chars().enumerate() {
        if i == MAX_CHARS {
            out.push_str("...");
            break;
        }
        if c.is_control() || c == char::REPLACEMENT_CHARACTER {
            out.extend(c.escape_unicode());
        } else {
            out.push(c);
        }
    }
    out
}

/// The error type of the `datasets` crate.
#[derive(Debug, thiserror::Error)]
pub enum DatasetError {
    /// One row (or one value) of a data file is wrong. `place` is `line 1042` for text files
    /// and `row 17` for Parquet files.
    #[error("{file} {place}: {}; {fix}", printable(what))]
    Row {
        file: String,
        place: String,
        what: String,
        fix: String,
    },
    /// A whole file is unusable (unknown layout, missing column, empty, ...).
    #[error("{file}: {}; {fix}", printable(what))]
    File {
        file: String,
        what: String,
        fix: String,
    },
    /// An operating-system error while touching a file or folder.
    #[error("could not {action} {}: {source}", path.display())]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// A name that neither the shipped nor the user catalog knows.
    #[error(
        "there is no dataset named '{name}'; run `sim data list` to see the names, or add one \
         with `sim data import` or `sim data synth`"
    )]
    UnknownDataset { name: String },
    /// A catalog entry (shipped or in the data home) that does not parse or is inconsistent.
    #[error("catalog entry {origin}: {what}")]
    Catalog { origin: String, what: String },
    /// A file whose sha256 is not the one it must have.
    #[error("{file}: sha256 is {actual} but {expected} was expected; {fix}")]
    ChecksumMismatch {
        file: String,
        expected: String,
        actual: String,
        fix: String,
    },
    /// A download that did not complete.
    #[error("download of {url} failed: {what}")]
    Download { url: String, what: String },
    /// Polars could not read or write a Parquet file.
    #[error("parquet file {}: {what}", path.display())]
    Parquet { path: PathBuf, what: String },
    /// A request that makes no sense (bad name, empty range, ...); the message says why.
    #[error("{0}")]
    Invalid(String),
}

/// Shorthand for results of this crate.
pub type Result<T, E = DatasetError> = std::result::Result<T, E>;

impl DatasetError {
    /// An I/O error with the action that failed ("read", "create", ...) and the path.
    pub fn io(action: &'static str, path: &Path, source: std::io::Error) -> Self {
        DatasetError::Io {
            action,
            path: path.to_path_buf(),
            source,
        }
    }

    /// A whole-file error.
    pub fn file(file: impl Into<String>, what: impl Into<String>, fix: impl Into<String>) -> Self {
        DatasetError::File {
            file: file.into(),
            what: what.into(),
            fix: fix.into(),
        }
    }

    /// The 1-based line (or row) a row-level error points at, if it is one.
    pub fn line(&self) -> Option<u64> {
        match self {
            DatasetError::Row { place, .. } => {
                place.split_whitespace().nth(1).and_then(|n| n.parse().ok())
            }
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn row_error_reads_like_the_issue_example() {
        let e = DatasetError::Row {
            file: "data.csv".into(),
            place: "line 1042".into(),
            what: "high 27900.1 is below low 27950".into(),
            fix: "fix or delete the row".into(),
        };
        assert_eq!(
            e.to_string(),
            "data.csv line 1042: high 27900.1 is below low 27950; fix or delete the row"
        );
        assert_eq!(e.line(), Some(1042));
        assert_eq!(DatasetError::Invalid("x".into()).line(), None);
        let binary = DatasetError::Row {
            file: "junk.csv".into(),
            place: "line 1".into(),
            what: format!(
                "bad row '{}'",
                String::from_utf8_lossy(b"\x1b[2J\x00\xff\xfe")
            ),
            fix: "fix it".into(),
        }
        .to_string();
        assert!(
            !binary.contains('\u{1b}') && !binary.contains('\0') && !binary.contains('\u{fffd}'),
            "{binary:?}"
        );
        assert!(binary.contains("\\u{1b}"), "{binary}");
    }
}
