//! [`BackgroundJournal`]: a backtest's journals written by a thread of their own, so the run
//! goes on while earlier records are serialised. The files are byte for byte what
//! [`FileJournal`] writes, in the same order.
//!
//! The run hands the writer chunks of 64 records, in order, through a bounded channel. A chunk
//! is usually owned copies of the records ([`JournalEntry`]), serialised by the writer. When
//! the writer falls behind (the channel is full), the run serialises its next chunk itself
//! instead of waiting idle, so both cores work while the writer is the slower side.
//!
//! Must never live here: what is recorded or how a line reads (`journal_files.rs`, the
//! pipeline's `JournalRecord`).

use std::path::Path;
use std::sync::mpsc::{Receiver, SyncSender, TrySendError, sync_channel};
use std::thread::JoinHandle;

use pipeline::stages::journal::{Journal, JournalEntry, JournalRecord};

use super::journal_files::{FileJournal, SerializedLines};

/// Records per chunk.
const CHUNK: usize = 64;
/// Chunks in flight before the run serialises on its own: memory stays bounded (a few
/// hundred kB), and the run never runs far ahead of its journals.
const CHUNKS_IN_FLIGHT: usize = 16;

/// Records for the writer, in order.
#[derive(Debug)]
enum Chunk {
    /// Copies, serialised by the writer.
    Entries(Vec<JournalEntry>),
    /// Serialised by the run already.
    Lines(SerializedLines),
}

impl Chunk {
    fn len(&self) -> u64 {
        match self {
            Chunk::Entries(v) => v.len() as u64,
            Chunk::Lines(l) => l.lines + u64::from(l.error.is_some()),
        }
    }
}

/// A [`FileJournal`] on a thread of its own. [`BackgroundJournal::finish`] waits for every
/// line to be written. Dropped without `finish` (a failed run), it still waits for the writer,
/// so nothing writes into a run folder after the run has given it up.
#[derive(Debug)]
pub struct BackgroundJournal {
    chunk: Chunk,
    to_writer: Option<SyncSender<Chunk>>,
    /// Emptied chunks coming back for reuse.
    spare: Receiver<Chunk>,
    writer: Option<JoinHandle<std::io::Result<u64>>>,
}

impl BackgroundJournal {
    pub fn create(dir: &Path) -> std::io::Result<Self> {
        let mut files = FileJournal::create(dir)?;
        let (to_writer, chunks) = sync_channel::<Chunk>(CHUNKS_IN_FLIGHT);
        let (give_back, spare) = sync_channel::<Chunk>(CHUNKS_IN_FLIGHT + 2);
        let writer = std::thread::Builder::new()
            .name("journal-writer".to_string())
            .spawn(move || {
                for mut chunk in chunks {
                    match &mut chunk {
                        Chunk::Entries(entries) => {
                            for entry in entries.iter() {
                                files.record(&entry.record());
                            }
                            entries.clear();
                        }
                        Chunk::Lines(lines) => {
                            files.write_serialized(lines);
                            lines.clear();
                        }
                    }
                    // The run may have stopped taking chunks back; the chunk is then dropped.
                    let _ = give_back.try_send(chunk);
                }
                files.finish()
            })?;
        Ok(BackgroundJournal {
            chunk: Chunk::Entries(Vec::with_capacity(CHUNK)),
            to_writer: Some(to_writer),
            spare,
            writer: Some(writer),
        })
    }

    /// Hands the current chunk to the writer. When the writer is [`CHUNKS_IN_FLIGHT`] behind,
    /// waits for it, and serialises the next chunk here.
    fn send_chunk(&mut self) {
        if self.chunk.len() == 0 {
            return;
        }
        let Some(tx) = &self.to_writer else { return };
        let mut behind = false;
        let full = std::mem::replace(&mut self.chunk, Chunk::Entries(Vec::new()));
        match tx.try_send(full) {
            Ok(()) => {}
            Err(TrySendError::Full(full)) => {
                behind = true;
                // A writer that has stopped has panicked; `finish` reports it.
                let _ = tx.send(full);
            }
            Err(TrySendError::Disconnected(_)) => {}
        }
        let reused = self.spare.try_recv().ok();
        self.chunk = match (behind, reused) {
            (true, Some(Chunk::Lines(l))) => Chunk::Lines(l),
            (true, _) => Chunk::Lines(SerializedLines::default()),
            (false, Some(Chunk::Entries(v))) => Chunk::Entries(v),
            (false, _) => Chunk::Entries(Vec::with_capacity(CHUNK)),
        };
    }

    /// Sends what is left, waits for the writer, and returns the number of lines written or
    /// the first error (a write error, or the writer thread's failure).
    pub fn finish(mut self) -> std::io::Result<u64> {
        self.send_chunk();
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
        let n = match &mut self.chunk {
            Chunk::Entries(v) => {
                v.push(JournalEntry::from(record));
                v.len()
            }
            Chunk::Lines(l) => {
                l.record(record);
                if l.error.is_some() {
                    CHUNK // the writer takes the error in its place
                } else {
                    usize::try_from(l.lines).unwrap_or(CHUNK)
                }
            }
        };
        if n >= CHUNK {
            self.send_chunk();
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
            action: if k.is_multiple_of(2) {
                Action::Buy
            } else {
                Action::Sell
            },
            confidence: 0.75,
            source: "test \"quoted\"".into(),
        }
    }

    /// Both sinks write the same bytes in the same order, across chunk boundaries, with chunks
    /// serialised on either side, and with a last, partial chunk.
    #[test]
    fn the_background_journal_writes_what_the_file_journal_writes() {
        let dir = tempfile::tempdir().expect("dir");
        let (a, b) = (dir.path().join("a"), dir.path().join("b"));
        std::fs::create_dir_all(&a).expect("a");
        std::fs::create_dir_all(&b).expect("b");
        let mut direct = FileJournal::create(&a).expect("direct");
        let mut background = BackgroundJournal::create(&b).expect("background");
        let n = CHUNK * CHUNKS_IN_FLIGHT * 40 + 7;
        let mut serialised_here = 0;
        for k in 0..n {
            let s = signal(k as u64);
            direct.record(&JournalRecord::Signal(&s));
            background.record(&JournalRecord::Signal(&s));
            serialised_here += usize::from(matches!(background.chunk, Chunk::Lines(_)));
        }
        assert_eq!(direct.finish().expect("direct"), n as u64);
        assert_eq!(background.finish().expect("background"), n as u64);
        for f in ["orders.jsonl", "results.jsonl"] {
            let x = std::fs::read(a.join(f)).expect("read a");
            let y = std::fs::read(b.join(f)).expect("read b");
            assert_eq!(x, y, "{f}");
        }
        // Not asserted (it depends on the machine's load): how much the run serialised itself.
        eprintln!("records taken while serialising here: {serialised_here} of {n}");
    }

    /// Lines serialised here are written after the copies sent before them.
    #[test]
    fn serialised_chunks_keep_their_place() {
        let dir = tempfile::tempdir().expect("dir");
        let mut j = BackgroundJournal::create(dir.path()).expect("journal");
        let mut want = Vec::new();
        for k in 0..(CHUNK as u64 * 5) {
            if k == CHUNK as u64 * 2 {
                // As if the writer had fallen behind: the third chunk is serialised here.
                j.send_chunk();
                j.chunk = Chunk::Lines(SerializedLines::default());
            }
            let s = signal(k);
            j.record(&JournalRecord::Signal(&s));
            want.extend(serde_json::to_vec(&JournalRecord::Signal(&s)).expect("json"));
            want.push(b'\n');
        }
        assert_eq!(j.finish().expect("finish"), CHUNK as u64 * 5);
        assert_eq!(
            std::fs::read(dir.path().join("orders.jsonl")).expect("read"),
            want
        );
    }

    /// A run that fails drops its journal without `finish`: the drop waits for the writer, so
    /// when it returns every chunk handed over is on disk and nothing writes into the folder
    /// any more. Enough records that the writer is behind at the drop (up to
    /// `CHUNKS_IN_FLIGHT` chunks still queued): a drop that did not wait would return with
    /// them unwritten, and the line count read at once would fall short.
    #[test]
    fn dropping_the_background_journal_waits_for_the_writer() {
        let dir = tempfile::tempdir().expect("dir");
        let mut j = BackgroundJournal::create(dir.path()).expect("journal");
        let n = CHUNK * CHUNKS_IN_FLIGHT * 40;
        for k in 0..n {
            let s = signal(k as u64);
            j.record(&JournalRecord::Signal(&s));
        }
        // Every chunk is full, so each was handed over; none is left in the journal.
        assert_eq!(j.chunk.len(), 0);
        drop(j);
        let path = dir.path().join("orders.jsonl");
        let lines = |p: &Path| {
            let bytes = std::fs::read(p).expect("read");
            bytes.iter().filter(|b| **b == b'\n').count()
        };
        assert_eq!(
            lines(&path),
            n,
            "every handed-over line is written by the drop"
        );
    }
}
