//! What a resolved exchange info is: shipped estimate, fetched snapshot, imported or a file;
//! its date, and the one line `sim backtest`, `sim check` and `sim serve` print about it.
//! Must never live here: finding files (that is `mod.rs` and `history.rs`).

use std::path::PathBuf;

use pipeline::TimestampMs;
use pipeline::exchange_info::{Environment, ExchangeInfo};

use super::history::Snapshot;

/// A snapshot older than this (by its `serverTime`) is flagged as stale.
pub const STALE_AFTER_DAYS: i64 = 30;

/// Where the info came from.
#[derive(Debug, Clone)]
pub enum Origin {
    /// Embedded in `pipeline/snapshots/`: filter values partly typical rather than observed.
    Shipped(Environment),
    /// Fetched from a venue with `sim exchange-info fetch` (or saved by `sim live`).
    Fetched(Snapshot),
    /// Imported with `sim exchange-info import`.
    Imported(PathBuf),
    /// A path given directly.
    File(PathBuf),
}

/// An exchange info with what it is.
#[derive(Debug, Clone)]
pub struct Resolved {
    pub info: ExchangeInfo,
    /// The name that asks for exactly this info again (`testnet@2026-12-07T06-50-00Z` for a
    /// fetched snapshot; the shipped estimates keep their plain names).
    pub name: String,
    pub origin: Origin,
}

impl Resolved {
    pub(crate) fn shipped(info: ExchangeInfo, name: String, env: Environment) -> Resolved {
        Resolved {
            info,
            name,
            origin: Origin::Shipped(env),
        }
    }

    /// The document's date: its `serverTime`.
    pub fn date_ms(&self) -> Option<i64> {
        Some(self.info.raw().server_time).filter(|t| *t > 0)
    }

    /// True for the shipped snapshots, whose values are partly typical, not observed.
    pub fn is_estimate(&self) -> bool {
        matches!(self.origin, Origin::Shipped(_))
    }

    /// One line: the name, symbol count, what it is, its date, and (read against `now_ms`)
    /// whether it is older than [`STALE_AFTER_DAYS`], with what to run.
    pub fn describe(&self, now_ms: i64) -> String {
        let date = self
            .date_ms()
            .map(|t| TimestampMs(t).to_minute_string())
            .unwrap_or_else(|| "undated".into());
        let what = match &self.origin {
            Origin::Shipped(_) => format!(
                "the shipped estimate of {date} (filter values partly typical, not observed)"
            ),
            Origin::Fetched(s) => format!("fetched from {} at {date} UTC", s.meta.source_url),
            Origin::Imported(p) => format!("imported ({}), dated {date}", p.display()),
            Origin::File(p) => format!("the file {}, dated {date}", p.display()),
        };
        let mut line = format!(
            "exchange info {}: {} symbols, {what}",
            self.name,
            self.info.len()
        );
        let stale = self.age_days(now_ms).filter(|d| *d > STALE_AFTER_DAYS);
        match (stale, self.venue()) {
            (Some(age), Some(venue)) => line.push_str(&format!(
                "; {age} days old, refresh it with `sim exchange-info fetch {venue}`"
            )),
            (Some(age), None) => line.push_str(&format!("; {age} days old")),
            (None, Some(venue)) if self.is_estimate() => line.push_str(&format!(
                "; `sim exchange-info fetch {venue}` saves the venue's own"
            )),
            (None, _) => {}
        }
        line
    }

    /// `40 days old, refresh it with ...` when older than [`STALE_AFTER_DAYS`] (read against
    /// `now_ms`): the warning a history gives about its newest snapshot.
    pub(crate) fn stale_note(&self, now_ms: i64) -> Option<String> {
        let age = self.age_days(now_ms).filter(|d| *d > STALE_AFTER_DAYS)?;
        Some(match self.venue() {
            Some(venue) => {
                format!("{age} days old, refresh it with `sim exchange-info fetch {venue}`")
            }
            None => format!("{age} days old"),
        })
    }

    fn age_days(&self, now_ms: i64) -> Option<i64> {
        self.date_ms().map(|t| (now_ms - t) / 86_400_000)
    }

    /// The venue a fresh copy can be fetched from (none for a user's file).
    fn venue(&self) -> Option<&str> {
        match &self.origin {
            Origin::Shipped(e) => Some(e.as_str()),
            Origin::Fetched(s) => Some(&s.meta.environment),
            Origin::Imported(_) | Origin::File(_) => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pipeline::exchange_info::snapshot;

    const DAY: i64 = 86_400_000;

    #[test]
    fn the_shipped_estimate_says_so_and_its_age() {
        let info = snapshot(Environment::Testnet).expect("testnet");
        let t0 = info.raw().server_time;
        let r = Resolved::shipped(info, "testnet".into(), Environment::Testnet);
        assert!(r.is_estimate());
        let fresh = r.describe(t0 + DAY);
        assert!(
            fresh.contains("13 symbols, the shipped estimate of 2026-01-01 00:00"),
            "{fresh}"
        );
        assert!(
            fresh.contains("`sim exchange-info fetch testnet` saves the venue's own"),
            "{fresh}"
        );
        let old = r.describe(t0 + 31 * DAY);
        assert!(
            old.contains("31 days old, refresh it with `sim exchange-info fetch testnet`"),
            "{old}"
        );
        assert!(!r.describe(t0 + 30 * DAY).contains("days old"));
    }
}
