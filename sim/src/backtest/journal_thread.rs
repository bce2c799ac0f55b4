//! [`BackgroundJournal`]: a backtest's journals written by a thread of their own, so the run
//! goes on while earlier records are serialised and compressed: `orders.journal.zst` and
//! `results.journal.zst` in the journal format of `reports::journal_format` (decoded, byte for
//! byte the lines [`FileJournal`](super::journal_files::FileJournal) writes, in the same order).
//!
//! The run hands the writer chunks of 64 records, in order, through a bounded channel. A chunk
//! is usually entries ([`CompactEntry`]: owned copies of what a record adds), serialised by the
//! writer. When the writer falls behind (the channel is full), the run serialises its next
//! chunk itself instead of waiting idle, so both cores work while the writer is the slower
//! side; the writer then only compresses it.
//!
//! Must never live here: what is recorded or how a line reads (`journal_compact.rs`, the
//! pipeline's `JournalRecord`).

use std::path::Path;
use std::sync::mpsc::{Receiver, SyncSender, TrySendError, sync_channel};
use std::thread::JoinHandle;

use pipeline::stages::journal::{Journal, JournalRecord};

use super::journal_compact::{CompactEntry, CompactFiles, FollowUps, SerializedLines};

/// Records per chunk.
const CHUNK: usize = 64;
/// Chunks in flight before the run serialises on its own: memory stays bounded (a few
/// hundred kB), and the run never runs far ahead of its journals.
const CHUNKS_IN_FLIGHT: usize = 16;

/// Records for the writer, in order.
#[derive(Debug)]
enum Chunk {
    /// Entries, serialised by the writer.
    Entries(Vec<CompactEntry>),
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

/// The compressed journals on a thread of their own. [`BackgroundJournal::finish`] waits for
/// every line to be written. Dropped without `finish` (a failed run), it still waits for the
/// writer, so nothing writes into a run folder after the run has given it up.
#[derive(Debug)]
pub struct BackgroundJournal {
    chunk: Chunk,
    follow_ups: FollowUps,
    to_writer: Option<SyncSender<Chunk>>,
    /// Emptied chunks coming back for reuse.
    spare: Receiver<Chunk>,
    writer: Option<JoinHandle<std::io::Result<u64>>>,
}

impl BackgroundJournal {
    pub fn create(dir: &Path) -> std::io::Result<Self> {
        let mut files = CompactFiles::create(dir)?;
        let (to_writer, chunks) = sync_channel::<Chunk>(CHUNKS_IN_FLIGHT);
        let (give_back, spare) = sync_channel::<Chunk>(CHUNKS_IN_FLIGHT + 2);
        let writer = std::thread::Builder::new()
            .name("journal-writer".to_string())
            .spawn(move || {
                let mut serialised = SerializedLines::default();
                for mut chunk in chunks {
                    match &mut chunk {
                        Chunk::Entries(entries) => {
                            serialised.clear();
                            for entry in entries.iter() {
                                serialised.push(entry);
                            }
                            files.write(&serialised);
                            entries.clear();
                        }
                        Chunk::Lines(lines) => {
                            files.write(lines);
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
            follow_ups: FollowUps::default(),
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
                v.push(self.follow_ups.entry(record));
                v.len()
            }
            Chunk::Lines(l) => {
                l.push(&self.follow_ups.entry(record));
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
#[path = "journal_thread_tests.rs"]
mod tests;
