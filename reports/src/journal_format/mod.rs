//! The run folder's journal format, version 1, and its reader: what `sim backtest` writes as
//! `orders.journal.zst` and `results.journal.zst`, read back as the JSON lines of
//! `orders.jsonl` and `results.jsonl` (the files older run folders and `sim live` sessions
//! hold, which read unchanged).
//!
//! # Format (version 1)
//!
//! Each file is one zstd stream of UTF-8 JSON lines, `\n`-terminated:
//!
//! - Line 1 is the header `{"format":"sim-journal","version":1,"file":"orders"}` (`"results"`
//!   for the results file). A reader refuses another `format` or a `version` it does not know.
//! - Every other line is one journal record, in the order the stages made them. Most records
//!   are exactly their line in `orders.jsonl` (`"kind"` first: `signal`, `intent`,
//!   `recorded_intent`, `plan`, `governed`, `permit`, `order`, `venue_answer`, `drop`,
//!   `sizing`) or `results.jsonl` (`result`, `mismatch`); `pipeline::stages::journal` defines
//!   them.
//! - A record that follows up the one before it in its chain refers to it instead of copying
//!   it:
//!   - `{"kind":"governed","follows":"<plan_id>","kill":<kill>}`: the governor's decision on
//!     the last `plan` record of the file, whose plan id is `<plan_id>`. Its full record is that
//!     plan's line with `"kind":"governed"` and, before the closing brace, `,"kill":<kill>`.
//!   - `{"kind":"permit","follows":"<plan_id>","permit":<permit>}`: the permit of the last
//!     `governed` record (written either way). Its full record is that governed line with
//!     `"kind":"permit"` and `,"permit":<permit>` appended the same way.
//!
//!   The writer refers only when the plan it follows is equal to the one it names; otherwise
//!   the record is written whole, so no decision is lost when a stage does not follow up.
//!
//! Records are reconstructed byte for byte ([`Decoder`]); `sim journal cat` prints them. The
//! version changes when a record's encoding changes: a reader of version N refuses N+1 with a
//! message naming both.
//!
//! Must never live here: what a record holds (the pipeline's `JournalRecord`) or the writer's
//! threads (`sim::backtest::journal_thread`).

mod decode;

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

pub use decode::{CompressedLines, Decoder, DecodingReader};

use crate::error::ReportError;

/// The version this build writes and reads.
pub const VERSION: u64 = 1;

/// The header's `format`.
pub const FORMAT: &str = "sim-journal";

/// The two journal files of a run folder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JournalFile {
    /// Signals, intents, plans, governor and permit decisions, orders, venue answers, drops,
    /// sizing traces.
    Orders,
    /// Execution results and ledger/venue mismatches.
    Results,
}

impl JournalFile {
    pub const BOTH: [JournalFile; 2] = [JournalFile::Orders, JournalFile::Results];

    /// `orders` or `results` (the header's `file`).
    pub fn stem(self) -> &'static str {
        match self {
            JournalFile::Orders => "orders",
            JournalFile::Results => "results",
        }
    }

    /// The JSON-lines file of older run folders and live sessions: `orders.jsonl`.
    pub fn jsonl_name(self) -> String {
        format!("{}.jsonl", self.stem())
    }

    /// The compressed file of this format: `orders.journal.zst`.
    pub fn compact_name(self) -> String {
        format!("{}.journal.zst", self.stem())
    }

    /// The file a record of `kind` goes to.
    pub fn of_kind(kind: &str) -> JournalFile {
        match kind {
            "result" | "mismatch" => JournalFile::Results,
            _ => JournalFile::Orders,
        }
    }

    /// The header line of this file, without its newline.
    pub fn header(self) -> String {
        format!(
            r#"{{"format":"{FORMAT}","version":{VERSION},"file":"{}"}}"#,
            self.stem()
        )
    }
}

/// A journal opened by [`open`]: the path of the file read and its JSON lines.
pub type OpenedJournal = (PathBuf, Box<dyn BufRead>);

/// The journal `file` of the run folder `dir` as today's JSON lines, from whichever form the
/// folder holds (`orders.jsonl`, or `orders.journal.zst` decoded as it is read), with the path
/// of the file read; `None` when the folder has neither (a run with `--journal off`).
pub fn open(dir: &Path, file: JournalFile) -> Result<Option<OpenedJournal>, ReportError> {
    let plain = dir.join(file.jsonl_name());
    match std::fs::File::open(&plain) {
        Ok(f) => return Ok(Some((plain, Box::new(BufReader::new(f))))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(source) => {
            return Err(ReportError::Read {
                path: plain,
                source,
            });
        }
    }
    let compact = dir.join(file.compact_name());
    match std::fs::File::open(&compact) {
        Ok(f) => {
            let reader =
                DecodingReader::new(&compact, file, BufReader::new(f)).map_err(|source| {
                    ReportError::Read {
                        path: compact.clone(),
                        source,
                    }
                })?;
            Ok(Some((compact, Box::new(BufReader::new(reader)))))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(ReportError::Read {
            path: compact,
            source,
        }),
    }
}

/// Every line of the journal `file` of `dir` as today's JSON lines, with the path read
/// (`None` when the folder has no such journal).
pub fn read_to_string(
    dir: &Path,
    file: JournalFile,
) -> Result<Option<(PathBuf, String)>, ReportError> {
    let Some((path, mut lines)) = open(dir, file)? else {
        return Ok(None);
    };
    let mut text = String::new();
    lines
        .read_to_string(&mut text)
        .map_err(|source| ReportError::Read {
            path: path.clone(),
            source,
        })?;
    Ok(Some((path, text)))
}

#[cfg(test)]
mod tests;
