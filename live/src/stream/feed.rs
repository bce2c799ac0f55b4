//! [`KlineFeed`]: the synchronous end of the kline streams. Hands out closed bars per symbol
//! in open-time order, each exactly once: a kline at or before the last one handed out is a
//! duplicate and dropped; a kline after a gap waits until REST klines filled the gap (a failed
//! backfill is retried on the next call, so a bar is late rather than missing). After every
//! reconnect it backfills up to the server's last closed kline at once.
//! Must never live here: sockets (see `socket`), strategies.

use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

use pipeline::venue::VenueError;
use pipeline::{Bar, Interval, Kline, Symbol, TimestampMs};
use tracing::{info, warn};

use super::socket::StreamEvent;
use crate::client::Client;

/// Where missing closed klines come from (REST; a fake in tests).
pub trait KlineSource: Send + Sync {
    /// Closed klines of `symbol` opening at or after `from`, ascending, up to a page.
    fn closed_since(
        &self,
        symbol: &Symbol,
        interval: Interval,
        from: TimestampMs,
    ) -> Result<Vec<Kline>, VenueError>;
}

impl KlineSource for Client {
    fn closed_since(
        &self,
        symbol: &Symbol,
        interval: Interval,
        from: TimestampMs,
    ) -> Result<Vec<Kline>, VenueError> {
        let now = self.server_now_ms();
        let mut rows = self.klines(symbol, interval, Some(from), None, 1000)?;
        rows.retain(|k| k.close_time.as_ms() < now);
        Ok(rows)
    }
}

/// Backfill attempts before a gap the venue cannot fill is given up.
const MAX_GAP_TRIES: u32 = 5;

/// Counters for the run summary.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FeedStats {
    pub from_stream: u64,
    pub backfilled: u64,
    pub duplicates: u64,
    pub reconnects: u64,
}

/// The feed. Holds the sockets it reads from, so dropping it stops them.
pub struct KlineFeed {
    rx: Receiver<StreamEvent>,
    source: Arc<dyn KlineSource>,
    interval: Interval,
    last: BTreeMap<Symbol, TimestampMs>,
    ready: VecDeque<(Symbol, Kline)>,
    /// Stream klines waiting for their gap to be filled, with the backfill attempts so far.
    held: BTreeMap<Symbol, (Kline, u32)>,
    /// Held klines are retried no more often than this.
    retry_every: Duration,
    last_retry: Option<Instant>,
    connected_once: BTreeMap<Symbol, bool>,
    stats: FeedStats,
    _sockets: Vec<super::KlineSocket>,
}

impl std::fmt::Debug for KlineFeed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KlineFeed")
            .field("interval", &self.interval)
            .field("last", &self.last)
            .field("stats", &self.stats)
            .finish_non_exhaustive()
    }
}

impl KlineFeed {
    pub fn new(
        rx: Receiver<StreamEvent>,
        source: Arc<dyn KlineSource>,
        interval: Interval,
        sockets: Vec<super::KlineSocket>,
    ) -> Self {
        KlineFeed {
            rx,
            source,
            interval,
            last: BTreeMap::new(),
            ready: VecDeque::new(),
            held: BTreeMap::new(),
            retry_every: Duration::from_secs(1),
            last_retry: None,
            connected_once: BTreeMap::new(),
            stats: FeedStats::default(),
            _sockets: sockets,
        }
    }

    /// Declares `open_time` as the last bar of `symbol` already seen (e.g. the warm-up
    /// history), so the feed continues from the next one without a gap.
    pub fn resume_after(&mut self, symbol: &Symbol, open_time: TimestampMs) {
        self.last.insert(symbol.clone(), open_time);
    }

    /// How often a held kline's gap is retried (default 1 s).
    pub fn with_retry_every(mut self, every: Duration) -> Self {
        self.retry_every = every;
        self
    }

    pub fn stats(&self) -> FeedStats {
        self.stats
    }

    /// The next closed bar, waiting at most `timeout`; `None` when none came in time.
    pub fn next_bar(&mut self, timeout: Duration) -> Option<(Symbol, Bar)> {
        let deadline = Instant::now() + timeout;
        loop {
            self.retry_held();
            if let Some((s, k)) = self.ready.pop_front() {
                return Some((s, Bar::from(&k)));
            }
            let left = deadline.checked_duration_since(Instant::now())?;
            match self.rx.recv_timeout(left) {
                Ok(ev) => self.on_event(ev),
                Err(RecvTimeoutError::Timeout) => return None,
                Err(RecvTimeoutError::Disconnected) => {
                    std::thread::sleep(left.min(Duration::from_millis(50)));
                    return self.ready.pop_front().map(|(s, k)| (s, Bar::from(&k)));
                }
            }
        }
    }

    fn on_event(&mut self, ev: StreamEvent) {
        match ev {
            StreamEvent::Closed(s, k) => self.offer(s, k),
            StreamEvent::Connected(s) => {
                if self.connected_once.insert(s.clone(), true).is_some() {
                    self.stats.reconnects += 1;
                    info!(symbol = %s, "kline stream reconnected; backfilling");
                    let _ = self.backfill(&s, None);
                }
            }
            StreamEvent::Disconnected(s, why) => warn!(symbol = %s, %why, "kline stream down"),
        }
    }

    /// A kline from the stream: dropped if seen, held if a gap precedes it.
    fn offer(&mut self, s: Symbol, k: Kline) {
        let step = self.interval.as_ms();
        match self.last.get(&s).copied() {
            Some(last) if k.open_time <= last => self.stats.duplicates += 1,
            Some(last) if k.open_time.as_ms() > last.as_ms() + step => {
                self.held.insert(s.clone(), (k, 0));
                self.try_release(&s);
            }
            _ => {
                self.stats.from_stream += 1;
                self.accept(s, k);
            }
        }
    }

    fn accept(&mut self, s: Symbol, k: Kline) {
        self.last.insert(s.clone(), k.open_time);
        self.ready.push_back((s, k));
    }

    fn retry_held(&mut self) {
        if self.held.is_empty()
            || self
                .last_retry
                .is_some_and(|t| t.elapsed() < self.retry_every)
        {
            return;
        }
        self.last_retry = Some(Instant::now());
        let waiting: Vec<Symbol> = self.held.keys().cloned().collect();
        for s in waiting {
            self.try_release(&s);
        }
    }

    /// Backfills up to the held kline of `s` and hands it out once the gap is closed. REST
    /// that still lacks the missing klines after [`MAX_GAP_TRIES`] attempts (the venue has
    /// none: a maintenance gap) releases it anyway, with a warning.
    fn try_release(&mut self, s: &Symbol) {
        let Some((until, tries)) = self.held.get(s).map(|(k, t)| (k.open_time, *t)) else {
            return;
        };
        let filled = self.backfill(s, Some(until)).is_ok()
            && self
                .last
                .get(s)
                .is_some_and(|l| l.as_ms() + self.interval.as_ms() >= until.as_ms());
        if filled || tries + 1 >= MAX_GAP_TRIES {
            if !filled {
                warn!(symbol = %s, before = %until, "the venue has no klines for a gap; going on without them");
            }
            self.release_held(s);
        } else if let Some(h) = self.held.get_mut(s) {
            h.1 += 1;
        }
    }

    fn release_held(&mut self, s: &Symbol) {
        if let Some((k, _)) = self.held.remove(s) {
            if self.last.get(s).is_some_and(|l| k.open_time <= *l) {
                self.stats.duplicates += 1;
            } else {
                self.stats.from_stream += 1;
                self.accept(s.clone(), k);
            }
        }
    }

    /// Fetches closed klines after the last one of `s`, up to (not including) `until`.
    fn backfill(&mut self, s: &Symbol, until: Option<TimestampMs>) -> Result<(), VenueError> {
        let Some(mut last) = self.last.get(s).copied() else {
            return Ok(());
        };
        loop {
            let from = last.plus_ms(self.interval.as_ms());
            if until.is_some_and(|u| from >= u) {
                return Ok(());
            }
            let page = match self.source.closed_since(s, self.interval, from) {
                Ok(p) => p,
                Err(e) => {
                    warn!(symbol = %s, error = %e, "kline backfill failed; will retry");
                    return Err(e);
                }
            };
            let mut advanced = false;
            for k in page {
                if k.open_time <= last || until.is_some_and(|u| k.open_time >= u) {
                    continue;
                }
                last = k.open_time;
                advanced = true;
                self.stats.backfilled += 1;
                self.accept(s.clone(), k);
            }
            if !advanced {
                return Ok(());
            }
        }
    }
}

#[cfg(test)]
#[path = "feed_tests.rs"]
mod tests;
