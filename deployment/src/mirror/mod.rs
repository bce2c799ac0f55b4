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
//! run folder do not depend on the mirror); every message not written from then on is counted
//! as dropped. [`RedisMirror::finish`] says what was written and dropped.
//!
//! Two ways to hand chunks over ([`Delivery`]): a backtest waits for a Redis that is behind
//! (every message arrives, the run slows down); a live session never waits
//! ([`RedisMirror::never_waiting`]): a chunk the writer has no room for is dropped, counted and
//! warned about once, so a slow or stalled Redis cannot delay an order. A live session also
//! calls [`RedisMirror::flush`] after each closed bar, so a dashboard sees each bar's messages
//! within the bar, not only when a chunk fills.

pub mod message;
pub mod writer;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{SyncSender, TrySendError, sync_channel};
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
    /// Messages not written: after the mirror stopped, or (never waiting) while Redis was
    /// behind. (Counted as records for the mirror: one per message, except in a topology that
    /// leaves a stream out, whose records are counted too.)
    pub dropped: u64,
}

/// What the run does when the writer has no room for another chunk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Delivery {
    /// Wait for Redis (a backtest: every message arrives, the run slows down).
    #[default]
    Wait,
    /// Drop the chunk, count it and warn once (a live session: trading never waits).
    NeverWait,
}

/// A [`Journal`] sink that publishes to Redis on a thread of its own.
#[derive(Debug)]
pub struct RedisMirror {
    chunk: Vec<JournalEntry>,
    to_writer: Option<SyncSender<Vec<JournalEntry>>>,
    stopped: Arc<AtomicBool>,
    writer: Option<JoinHandle<MirrorReport>>,
    delivery: Delivery,
    /// Messages not handed to the writer (see [`MirrorReport::dropped`]).
    dropped: u64,
    /// `host:port`, for the warning about a Redis that is behind.
    address: String,
    warned_behind: bool,
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
                    dropped: 0,
                };
                let mut batch = Vec::with_capacity(CHUNK);
                for chunk in chunks {
                    // Stopped: what was already handed over is counted, not written.
                    if report.stopped.is_some() {
                        report.dropped += chunk.len() as u64;
                        continue;
                    }
                    batch.clear();
                    batch.extend(chunk.iter().filter_map(|e| xadd(&cfg.streams, e)));
                    if let Err(e) = w.write_batch(&batch) {
                        tracing::warn!(
                            "the Redis mirror at {address} stopped: {e}; the run goes on without it (its folder is complete) and later messages are dropped, counted in its summary"
                        );
                        flag.store(true, Ordering::Relaxed);
                        report.stopped = Some(e.to_string());
                        report.dropped += chunk.len() as u64;
                        continue;
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
            delivery: Delivery::Wait,
            dropped: 0,
            address: cfg.url.address(),
            warned_behind: false,
        })
    }

    /// The same mirror, dropping (and counting) what Redis cannot take at once instead of
    /// waiting for it: for a live session.
    pub fn never_waiting(mut self) -> Self {
        self.delivery = Delivery::NeverWait;
        self
    }

    /// Hands the records so far to the writer now, not when a chunk is full (a live session
    /// calls it once per closed bar). Never waits when [`Delivery::NeverWait`].
    pub fn flush(&mut self) {
        self.send_chunk();
    }

    fn send_chunk(&mut self) {
        if self.chunk.is_empty() {
            return;
        }
        let full = std::mem::replace(&mut self.chunk, Vec::with_capacity(CHUNK));
        let Some(tx) = &self.to_writer else {
            self.dropped += full.len() as u64;
            return;
        };
        let sent = match self.delivery {
            Delivery::Wait => tx.send(full).map_err(|e| (e.0, true)),
            Delivery::NeverWait => tx.try_send(full).map_err(|e| match e {
                TrySendError::Full(c) => (c, false),
                TrySendError::Disconnected(c) => (c, true),
            }),
        };
        match sent {
            Ok(()) => {}
            // The writer stopped (it said why, once).
            Err((lost, true)) => {
                self.dropped += lost.len() as u64;
                self.to_writer = None;
            }
            // Redis is behind and the run does not wait.
            Err((lost, false)) => {
                self.dropped += lost.len() as u64;
                if !self.warned_behind {
                    self.warned_behind = true;
                    tracing::warn!(
                        "the Redis mirror at {} is behind: messages are dropped rather than waited for (trading goes on; the count is in the summary)",
                        self.address
                    );
                }
            }
        }
    }

    /// Sends what is left, waits for the writer and says what it wrote and dropped.
    pub fn finish(mut self) -> MirrorReport {
        self.send_chunk();
        self.stop()
    }

    fn stop(&mut self) -> MirrorReport {
        drop(self.to_writer.take());
        let mut report = match self.writer.take().map(JoinHandle::join) {
            Some(Ok(report)) => report,
            _ => MirrorReport {
                address: self.address.clone(),
                prefix: String::new(),
                written: BTreeMap::new(),
                stopped: Some("the mirror's thread stopped unexpectedly".into()),
                dropped: 0,
            },
        };
        report.dropped += std::mem::take(&mut self.dropped) + self.chunk.len() as u64;
        self.chunk.clear();
        report
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
        if !message::is_mirrored(record) {
            return;
        }
        if self.to_writer.is_none() || self.stopped.load(Ordering::Relaxed) {
            self.dropped += 1;
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

#[cfg(test)]
mod tests {
    use super::*;
    use pipeline::signal::{Action, Signal};
    use pipeline::{Symbol, TimestampMs};
    use std::io::{BufRead, BufReader, Write};
    use std::net::TcpListener;
    use std::time::{Duration, Instant};

    /// A "Redis" that answers the first PING, then reads nothing for `stall` and hangs up.
    fn stalled_redis(stall: Duration) -> (RedisUrl, std::thread::JoinHandle<()>) {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let server = std::thread::spawn(move || {
            let (socket, _) = listener.accept().expect("accept");
            let mut reader = BufReader::new(socket.try_clone().expect("clone"));
            // `*1\r\n$4\r\nPING\r\n`: three lines.
            for _ in 0..3 {
                let mut line = String::new();
                reader.read_line(&mut line).expect("read PING");
            }
            (&socket).write_all(b"+PONG\r\n").expect("PONG");
            std::thread::sleep(stall);
        });
        let url = RedisUrl::parse(&format!("redis://127.0.0.1:{port}")).expect("url");
        (url, server)
    }

    fn config(url: RedisUrl) -> MirrorConfig {
        MirrorConfig {
            url,
            prefix: "sim:".into(),
            maxlen: 1000,
            streams: [(StreamKind::Signal, "signals".to_string())].into(),
        }
    }

    #[test]
    fn never_waiting_a_stalled_redis_drops_and_counts_instead_of_blocking() {
        let (url, server) = stalled_redis(Duration::from_millis(1500));
        let mut mirror = RedisMirror::start(config(url))
            .expect("start")
            .never_waiting();
        let signal = Signal {
            time: TimestampMs(1_767_228_840_000),
            symbol: Symbol::new("BTCUSDT").expect("symbol"),
            action: Action::Buy,
            confidence: 0.75,
            source: "test".into(),
        };
        // Far more than the chunks in flight, each handed over as a bar's flush would.
        let records = (CHUNK * (CHUNKS_IN_FLIGHT + 10)) as u64;
        let t0 = Instant::now();
        for i in 0..records {
            mirror.record(&JournalRecord::Signal(&signal));
            if i % 100 == 99 {
                mirror.flush();
            }
        }
        let elapsed = t0.elapsed();
        assert!(
            elapsed < Duration::from_millis(1000),
            "the run waited for Redis: {elapsed:?}"
        );
        let report = mirror.finish();
        server.join().expect("server");
        // Nothing was written (the server never answered an XADD); every record is counted.
        assert_eq!(report.written.values().sum::<u64>(), 0, "{report:?}");
        assert_eq!(report.dropped, records, "{report:?}");
        assert!(report.stopped.is_some(), "{report:?}");
    }
}
