//! Where the server reads the time of day: the `timestamp`/`recvWindow` check, the request
//! weight and order-count windows, `/fapi/v1/time`, `/sim/state`'s `serverTime` and the event
//! times of websocket messages. `sim serve` reads the system clock ([`SystemClock`]); a test
//! hands in a [`ManualClock`] it sets and advances, so a test of a one-minute window runs at
//! the start of one without waiting for it.
//! Must never live here: what advances the replayed market (that is `clock`'s [`ClockMode`],
//! which counts real time between bars), or the replayed market's own times.
//!
//! [`ClockMode`]: crate::ClockMode

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

/// The server's time of day.
pub trait WallClock: Send + Sync + std::fmt::Debug {
    /// Milliseconds since the Unix epoch.
    fn now_ms(&self) -> i64;
}

/// The system clock: what Binance's servers (and every client's signature) go by.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl WallClock for SystemClock {
    fn now_ms(&self) -> i64 {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
    }
}

/// A clock that stands still until told otherwise; clones share the time.
#[derive(Debug, Clone, Default)]
pub struct ManualClock(Arc<AtomicI64>);

impl ManualClock {
    /// A clock showing `now_ms`.
    pub fn at(now_ms: i64) -> ManualClock {
        ManualClock(Arc::new(AtomicI64::new(now_ms)))
    }

    pub fn set(&self, now_ms: i64) {
        self.0.store(now_ms, Ordering::SeqCst);
    }

    pub fn advance(&self, ms: i64) {
        self.0.fetch_add(ms, Ordering::SeqCst);
    }
}

impl WallClock for ManualClock {
    fn now_ms(&self) -> i64 {
        self.0.load(Ordering::SeqCst)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_manual_clock_moves_only_when_told_and_clones_share_it() {
        let clock = ManualClock::at(60_000);
        let seen_by_server: Arc<dyn WallClock> = Arc::new(clock.clone());
        assert_eq!(seen_by_server.now_ms(), 60_000);
        clock.advance(1_500);
        assert_eq!(seen_by_server.now_ms(), 61_500);
        clock.set(0);
        assert_eq!(seen_by_server.now_ms(), 0);
        assert!(SystemClock.now_ms() > 1_700_000_000_000);
    }
}
