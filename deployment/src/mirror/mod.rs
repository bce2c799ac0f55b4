//! The mirror: a run's stage outputs published to Redis streams with the original names under
//! a prefix (`sim backtest --mirror-redis URL`), so `sim watch --prefix sim:`, the user's own
//! dashboards and `redis-cli` show a backtest like the real system.
//!
//! - [`RedisMirror`]: a `pipeline` [`Journal`] sink, the run's other journal beside the files.
//!   The run thread only copies the records the original system would have written and hands
//!   them over in chunks; a thread of its own turns them into messages ([`message`]) and
//!   writes them with [`writer::MirrorWriter`], one pipelined batch per chunk.
//! - [`message`]: which stream a record goes to and its fields, in [`crate::formats`]'s formats.
//! - [`writer`]: `XADD key MAXLEN ~ N * ...` under the prefix, the only write `sim` can send.
//!
//! A Redis that cannot be reached at start is an error ([`RedisMirror::start`]); one that goes
//! away during the run stops the mirror with one warning, and the run goes on (its journals and
//! run folder do not depend on the mirror). [`RedisMirror::finish`] says what was written.

pub mod message;
pub mod writer;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{SyncSender, sync_channel};
use std::thread::JoinHandle;

use pipeline::stages::journal::{Journal, JournalEntry, JournalRecord};

use crate::DeploymentError;
use crate::formats::StreamKind;
use crate::resp::RedisUrl;
use writer::{MirrorWriter, Xadd};

/// Records per pipelined batch.
const CHUNK: usize = 512;
/// Batches in flight before the run waits for Redis (memory stays bounded).
const CHUNKS_IN_FLIGHT: usize = 8;

/// Where and how to mirror.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MirrorConfig {
    pub url: RedisUrl,
    /// Put before every stream name (`sim:`); never empty.
    pub prefix: String,
    /// `MAXLEN ~` of every stream.
    pub maxlen: u64,
    /// The stream each kind of message goes to (the topology's names, without the prefix);
    /// a kind without a stream is not mirrored.
    pub streams: BTreeMap<StreamKind, String>,
}

/// What a mirror did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MirrorReport {
    /// `host:port`.
    pub address: String,
    pub prefix: String,
    /// Entries added, per stream key (with the prefix).
    pub written: BTreeMap<String, u64>,
    /// Why the mirror stopped before the end of the run, if it did.
    pub stopped: Option<String>,
}

/// A [`Journal`] sink that publishes to Redis on a thread of its own.
#[derive(Debug)]
pub struct RedisMirror {
    chunk: Vec<JournalEntry>,
    to_writer: Option<SyncSender<Vec<JournalEntry>>>,
    stopped: Arc<AtomicBool>,
    writer: Option<JoinHandle<MirrorReport>>,
}

impl RedisMirror {
    /// Connects and starts the writer thread; an unreachable Redis is an error here.
    pub fn start(cfg: MirrorConfig) -> Result<Self, DeploymentError> {
        let mut w = MirrorWriter::open(&cfg.url, &cfg.prefix, cfg.maxlen)?;
        let (to_writer, chunks) = sync_channel::<Vec<JournalEntry>>(CHUNKS_IN_FLIGHT);
        let stopped = Arc::new(AtomicBool::new(false));
        let flag = stopped.clone();
        let address = cfg.url.address();
        let writer = std::thread::Builder::new()
            .name("redis-mirror".to_string())
            .spawn(move || {
                let mut report = MirrorReport {
                    address: address.clone(),
                    prefix: cfg.prefix.clone(),
                    written: BTreeMap::new(),
                    stopped: None,
                };
                let mut batch = Vec::with_capacity(CHUNK);
                for chunk in chunks {
                    batch.clear();
                    batch.extend(chunk.iter().filter_map(|e| xadd(&cfg.streams, e)));
                    if let Err(e) = w.write_batch(&batch) {
                        tracing::warn!(
                            "the Redis mirror at {address} stopped: {e}; the run goes on without it (its run folder is complete)"
                        );
                        flag.store(true, Ordering::Relaxed);
                        report.stopped = Some(e.to_string());
                        break;
                    }
                    for x in &batch {
                        *report.written.entry(w.key(&x.stream)).or_default() += 1;
                    }
                }
                report
            })
            .map_err(|e| DeploymentError::Io {
                address: cfg.url.address(),
                err: format!("cannot start the mirror's thread: {e}"),
            })?;
        Ok(RedisMirror {
            chunk: Vec::with_capacity(CHUNK),
            to_writer: Some(to_writer),
            stopped,
            writer: Some(writer),
        })
    }

    fn send_chunk(&mut self) {
        if self.chunk.is_empty() {
            return;
        }
        let full = std::mem::replace(&mut self.chunk, Vec::with_capacity(CHUNK));
        let gone = match &self.to_writer {
            Some(tx) => tx.send(full).is_err(),
            None => true,
        };
        if gone {
            self.to_writer = None;
        }
    }

    /// Sends what is left, waits for the writer and says what it wrote.
    pub fn finish(mut self) -> MirrorReport {
        self.send_chunk();
        self.stop()
    }

    fn stop(&mut self) -> MirrorReport {
        drop(self.to_writer.take());
        match self.writer.take().map(JoinHandle::join) {
            Some(Ok(report)) => report,
            _ => MirrorReport {
                address: String::new(),
                prefix: String::new(),
                written: BTreeMap::new(),
                stopped: Some("the mirror's thread stopped unexpectedly".into()),
            },
        }
    }
}

/// The `XADD` an entry becomes, if its kind has a stream.
fn xadd(streams: &BTreeMap<StreamKind, String>, entry: &JournalEntry) -> Option<Xadd> {
    let m = message::message(&entry.record())?;
    Some(Xadd {
        stream: streams.get(&m.kind)?.clone(),
        fields: m.fields,
    })
}

impl Journal for RedisMirror {
    fn record(&mut self, record: &JournalRecord<'_>) {
        if self.to_writer.is_none()
            || self.stopped.load(Ordering::Relaxed)
            || !message::is_mirrored(record)
        {
            return;
        }
        self.chunk.push(JournalEntry::from(record));
        if self.chunk.len() >= CHUNK {
            self.send_chunk();
        }
    }
}

impl Drop for RedisMirror {
    fn drop(&mut self) {
        if self.writer.is_some() {
            let _ = self.stop();
        }
    }
}
