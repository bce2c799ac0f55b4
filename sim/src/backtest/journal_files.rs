//! The run folder's journals as JSON lines: `orders.jsonl` (signals, intents, plans, governor
//! and permit decisions, orders, venue answers, drops, sizing traces) and `results.jsonl`
//! (execution results and ledger/venue mismatches).
//! - [`FileJournal`] serialises and writes each record as it comes (live sessions, durable).
//! - [`BackgroundJournal`] hands owned copies of the records to a writer thread that owns a
//!   `FileJournal` (backtests: the run goes on while the previous records are serialised; the
//!   files are byte for byte what `FileJournal` writes, in the same order).
//!
//! Must never live here: deciding anything; this only writes what the pipeline records.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::thread::JoinHandle;

use pipeline::stages::journal::{Journal, JournalEntry, JournalRecord};

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

impl Journal for FileJournal {
    fn record(&mut self, record: &JournalRecord<'_>) {
        if self.error.is_some() {
            return;
        }
        let to_results = matches!(
            record,
            JournalRecord::Result(_) | JournalRecord::Mismatch(_)
        );
        let out = if to_results {
            &mut self.results
        } else {
            &mut self.orders
        };
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

/// Records per batch sent to the writer thread.
const BATCH: usize = 64;
/// Batches in flight before [`BackgroundJournal::record`] waits for the writer: the run never
/// runs far ahead of its journals, so memory stays bounded (a few hundred kB).
const BATCHES_IN_FLIGHT: usize = 16;

/// A [`FileJournal`] on a thread of its own: `record` copies the record and hands it over in
/// batches; [`BackgroundJournal::finish`] waits for every line to be written. Dropped without
/// `finish` (a failed run), it still waits for the writer, so nothing writes into a run folder
/// after the run has given it up.
#[derive(Debug)]
pub struct BackgroundJournal {
    batch: Vec<JournalEntry>,
    to_writer: Option<SyncSender<Vec<JournalEntry>>>,
    /// Emptied batches coming back for reuse.
    spare: Receiver<Vec<JournalEntry>>,
    writer: Option<JoinHandle<std::io::Result<u64>>>,
}

impl BackgroundJournal {
    pub fn create(dir: &Path) -> std::io::Result<Self> {
        let mut files = FileJournal::create(dir)?;
        let (to_writer, batches) = sync_channel::<Vec<JournalEntry>>(BATCHES_IN_FLIGHT);
        let (give_back, spare) = sync_channel::<Vec<JournalEntry>>(BATCHES_IN_FLIGHT + 1);
        let writer = std::thread::Builder::new()
            .name("journal-writer".to_string())
            .spawn(move || {
                for mut batch in batches {
                    for entry in &batch {
                        files.record(&entry.record());
                    }
                    batch.clear();
                    // The run may have stopped taking batches back; the batch is then dropped.
                    let _ = give_back.try_send(batch);
                }
                files.finish()
            })?;
        Ok(BackgroundJournal {
            batch: Vec::with_capacity(BATCH),
            to_writer: Some(to_writer),
            spare,
            writer: Some(writer),
        })
    }

    /// Hands the current batch to the writer (waiting while it is [`BATCHES_IN_FLIGHT`] behind).
    fn send_batch(&mut self) {
        if self.batch.is_empty() {
            return;
        }
        let next = self
            .spare
            .try_recv()
            .unwrap_or_else(|_| Vec::with_capacity(BATCH));
        let full = std::mem::replace(&mut self.batch, next);
        if let Some(tx) = &self.to_writer {
            // A writer that has stopped has panicked; `finish` reports it.
            let _ = tx.send(full);
        }
    }

    /// Sends what is left, waits for the writer, and returns the number of lines written or
    /// the first error (a write error, or the writer thread's failure).
    pub fn finish(mut self) -> std::io::Result<u64> {
        self.send_batch();
        self.stop()
    }

    fn stop(&mut self) -> std::io::Result<u64> {
        drop(self.to_writer.take());
        match self.writer.take().map(JoinHandle::join) {
            Some(Ok(written)) => written,
            Some(Err(_)) => Err(std::io::Error::other(
                "the journal writer thread stopped unexpectedly; the journals are incomplete",
            )),
            None => Ok(0),
        }
    }
}

impl Journal for BackgroundJournal {
    fn record(&mut self, record: &JournalRecord<'_>) {
        self.batch.push(JournalEntry::from(record));
        if self.batch.len() >= BATCH {
            self.send_batch();
        }
    }
}

impl Drop for BackgroundJournal {
    fn drop(&mut self) {
        let _ = self.stop();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pipeline::signal::{Action, Signal};
    use pipeline::{Symbol, TimestampMs};

    fn signal(k: u64) -> Signal {
        Signal {
            time: TimestampMs(1_735_689_600_000 + i64::try_from(k).unwrap_or(0) * 60_000),
            symbol: Symbol::new("BTCUSDT").expect("symbol"),
            action: if k % 2 == 0 {
                Action::Buy
            } else {
                Action::Sell
            },
            confidence: 0.75,
            source: "test \"quoted\"".into(),
        }
    }

    /// Both sinks write the same bytes in the same order, across batch boundaries and with a
    /// last, partial batch.
    #[test]
    fn the_background_journal_writes_what_the_file_journal_writes() {
        let dir = tempfile::tempdir().expect("dir");
        let (a, b) = (dir.path().join("a"), dir.path().join("b"));
        std::fs::create_dir_all(&a).expect("a");
        std::fs::create_dir_all(&b).expect("b");
        let mut direct = FileJournal::create(&a).expect("direct");
        let mut background = BackgroundJournal::create(&b).expect("background");
        let n = BATCH * BATCHES_IN_FLIGHT * 3 + 7;
        for k in 0..n {
            let s = signal(k as u64);
            direct.record(&JournalRecord::Signal(&s));
            background.record(&JournalRecord::Signal(&s));
        }
        assert_eq!(direct.finish().expect("direct"), n as u64);
        assert_eq!(background.finish().expect("background"), n as u64);
        for f in ["orders.jsonl", "results.jsonl"] {
            let x = std::fs::read(a.join(f)).expect("read a");
            let y = std::fs::read(b.join(f)).expect("read b");
            assert_eq!(x, y, "{f}");
        }
    }

    /// A run that fails drops its journal without `finish`: the writer is waited for, so the
    /// folder can be removed at once.
    #[test]
    fn dropping_the_background_journal_waits_for_the_writer() {
        let dir = tempfile::tempdir().expect("dir");
        let mut j = BackgroundJournal::create(dir.path()).expect("journal");
        for k in 0..(BATCH as u64 * 4) {
            let s = signal(k);
            j.record(&JournalRecord::Signal(&s));
        }
        drop(j);
        std::fs::remove_dir_all(dir.path()).expect("nothing is writing into the folder");
    }
}
