//! The journals as plain JSON lines: `orders.jsonl` (signals, intents, plans, governor and
//! permit decisions, orders, venue answers, drops, sizing traces) and `results.jsonl`
//! (execution results and ledger/venue mismatches). [`FileJournal`] serialises and writes each
//! record as it comes: `sim live` sessions write it (durable, a line on disk before its order
//! is sent); backtests write the compressed form of the same lines (`journal_thread.rs`).
//!
//! Must never live here: deciding anything; this only writes what the pipeline records.

use pipeline::stages::journal::{Journal, JournalRecord};
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

/// Writes every record to one of two files by kind. The first write error is kept and
/// reported by [`FileJournal::finish`]; nothing is silently lost.
#[derive(Debug)]
pub struct FileJournal {
    orders: BufWriter<File>,
    results: BufWriter<File>,
    error: Option<std::io::Error>,
    lines: u64,
    /// Flush after every record (live sessions: a line is on disk before the order is sent).
    durable: bool,
}

impl FileJournal {
    pub fn create(dir: &Path) -> std::io::Result<Self> {
        Ok(FileJournal {
            orders: BufWriter::new(File::create(dir.join("orders.jsonl"))?),
            results: BufWriter::new(File::create(dir.join("results.jsonl"))?),
            error: None,
            lines: 0,
            durable: false,
        })
    }

    /// Like [`FileJournal::create`], but every record is flushed to the file as it is written.
    pub fn create_durable(dir: &Path) -> std::io::Result<Self> {
        Ok(FileJournal {
            durable: true,
            ..Self::create(dir)?
        })
    }

    /// Flushes both files; returns the number of lines written or the first error.
    pub fn finish(mut self) -> std::io::Result<u64> {
        if let Some(e) = self.error.take() {
            return Err(e);
        }
        self.orders.flush()?;
        self.results.flush()?;
        Ok(self.lines)
    }
}

/// `results.jsonl` takes execution results and mismatches; `orders.jsonl` the rest.
fn file_for<'a, W>(record: &JournalRecord<'_>, orders: &'a mut W, results: &'a mut W) -> &'a mut W {
    match record {
        JournalRecord::Result(_) | JournalRecord::Mismatch(_) => results,
        _ => orders,
    }
}

impl Journal for FileJournal {
    fn record(&mut self, record: &JournalRecord<'_>) {
        if self.error.is_some() {
            return;
        }
        let out = file_for(record, &mut self.orders, &mut self.results);
        let res = serde_json::to_writer(&mut *out, record)
            .map_err(std::io::Error::other)
            .and_then(|()| out.write_all(b"\n"))
            .and_then(|()| if self.durable { out.flush() } else { Ok(()) });
        match res {
            Ok(()) => self.lines += 1,
            Err(e) => self.error = Some(e),
        }
    }
}
