//! The refreshing watch: a snapshot every `refresh`, reconnecting with a bounded exponential
//! backoff when Redis goes away, and saying so through [`Event`]s (the CLI prints them).

use std::ops::ControlFlow;
use std::time::Duration;

use crate::DeploymentError;
use crate::resp::{Connection, RedisUrl};
use crate::snapshot::{self, LagBaseline, ReadLimits, Snapshot, Wiring};

/// What to watch and how often.
#[derive(Debug, Clone)]
pub struct WatchConfig {
    pub url: RedisUrl,
    pub wiring: Wiring,
    pub limits: ReadLimits,
    pub refresh: Duration,
    /// The longest wait between reconnection attempts (the backoff doubles up to it).
    pub max_backoff: Duration,
}

/// What happened in the loop.
#[derive(Debug)]
pub enum Event<'a> {
    Snapshot(&'a Snapshot),
    /// Redis could not be read; the next attempt is in `retry_in`.
    Unreachable {
        error: &'a DeploymentError,
        attempt: u32,
        retry_in: Duration,
    },
    /// Redis answers again after being unreachable.
    Reconnected {
        after_attempts: u32,
    },
}

/// One snapshot on a fresh connection. With `lag_interval`, the groups are read first, then
/// again in the snapshot at least that long after, so a group whose lag grew in between
/// raises `group_lag_growing` (one reading cannot tell a lag that grows from one that stays);
/// without it, one reading and no such alarm.
pub fn once(
    cfg: &WatchConfig,
    lag_interval: Option<Duration>,
) -> Result<Snapshot, DeploymentError> {
    let mut conn = Connection::open(&cfg.url)?;
    let baseline = match lag_interval {
        Some(wait) => {
            let first = LagBaseline::read(&mut conn, &cfg.wiring)?;
            std::thread::sleep(wait);
            Some(first)
        }
        None => None,
    };
    snapshot::take(
        &mut conn,
        &cfg.url.address(),
        &cfg.wiring,
        cfg.limits,
        baseline.as_ref(),
    )
}

/// The wait before reconnection attempt `attempt` (1-based): refresh x 2^(attempt-1), at most
/// `max`.
pub fn backoff(refresh: Duration, attempt: u32, max: Duration) -> Duration {
    let factor = 2u32.saturating_pow(attempt.saturating_sub(1).min(16));
    refresh.saturating_mul(factor).min(max)
}

/// Refreshes until `on` breaks. Connection errors never end the loop.
pub fn run(cfg: &WatchConfig, mut on: impl FnMut(Event<'_>) -> ControlFlow<()>) {
    let mut conn: Option<Connection> = None;
    let mut previous: Option<LagBaseline> = None;
    let mut failures = 0u32;
    loop {
        let result = match conn.as_mut() {
            Some(c) => snapshot::take(
                c,
                &cfg.url.address(),
                &cfg.wiring,
                cfg.limits,
                previous.as_ref(),
            ),
            None => Connection::open(&cfg.url).and_then(|mut c| {
                let s = snapshot::take(
                    &mut c,
                    &cfg.url.address(),
                    &cfg.wiring,
                    cfg.limits,
                    previous.as_ref(),
                );
                conn = Some(c);
                s
            }),
        };
        let wait = match result {
            Ok(snap) => {
                if failures > 0 {
                    let flow = on(Event::Reconnected {
                        after_attempts: failures,
                    });
                    failures = 0;
                    if flow.is_break() {
                        return;
                    }
                }
                if on(Event::Snapshot(&snap)).is_break() {
                    return;
                }
                previous = Some(LagBaseline::of(&snap));
                cfg.refresh
            }
            Err(error) => {
                conn = None;
                failures += 1;
                let retry_in = backoff(cfg.refresh, failures, cfg.max_backoff);
                let event = Event::Unreachable {
                    error: &error,
                    attempt: failures,
                    retry_in,
                };
                if on(event).is_break() {
                    return;
                }
                retry_in
            }
        };
        std::thread::sleep(wait);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_is_bounded() {
        let r = Duration::from_millis(500);
        let max = Duration::from_secs(10);
        let waits: Vec<u128> = (1..=7).map(|a| backoff(r, a, max).as_millis()).collect();
        assert_eq!(waits, vec![500, 1000, 2000, 4000, 8000, 10000, 10000]);
        assert_eq!(backoff(r, u32::MAX, max), max);
    }
}
