//! `Interval`: a kline interval as Binance names it (`1m`, `5m`, `1h`, ... `1M`).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::time::{DAY_MS, HOUR_MS, MINUTE_MS};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Interval {
    M1,
    M3,
    M5,
    M15,
    M30,
    H1,
    H2,
    H4,
    H6,
    H8,
    H12,
    D1,
    D3,
    W1,
    /// One calendar month. Its length varies; `as_ms` gives 30 days as a nominal value.
    Mo1,
}

const ALL: [(Interval, &str, i64); 15] = [
    (Interval::M1, "1m", MINUTE_MS),
    (Interval::M3, "3m", 3 * MINUTE_MS),
    (Interval::M5, "5m", 5 * MINUTE_MS),
    (Interval::M15, "15m", 15 * MINUTE_MS),
    (Interval::M30, "30m", 30 * MINUTE_MS),
    (Interval::H1, "1h", HOUR_MS),
    (Interval::H2, "2h", 2 * HOUR_MS),
    (Interval::H4, "4h", 4 * HOUR_MS),
    (Interval::H6, "6h", 6 * HOUR_MS),
    (Interval::H8, "8h", 8 * HOUR_MS),
    (Interval::H12, "12h", 12 * HOUR_MS),
    (Interval::D1, "1d", DAY_MS),
    (Interval::D3, "3d", 3 * DAY_MS),
    (Interval::W1, "1w", 7 * DAY_MS),
    (Interval::Mo1, "1M", 30 * DAY_MS),
];

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "'{0}' is not a kline interval; use one of 1m 3m 5m 15m 30m 1h 2h 4h 6h 8h 12h 1d 3d 1w 1M"
)]
pub struct IntervalError(pub String);

impl Interval {
    /// The interval's length in milliseconds (nominal 30 days for `1M`).
    pub fn as_ms(self) -> i64 {
        ALL.iter()
            .find(|(i, _, _)| *i == self)
            .map_or(0, |(_, _, ms)| *ms)
    }

    /// Binance's name (`1m`, `1h`, `1M`).
    pub fn as_str(self) -> &'static str {
        ALL.iter()
            .find(|(i, _, _)| *i == self)
            .map_or("?", |(_, s, _)| s)
    }

    /// The interval whose length is exactly `ms`, if any.
    pub fn from_ms(ms: i64) -> Option<Interval> {
        ALL.iter()
            .find(|(i, _, m)| *m == ms && *i != Interval::Mo1)
            .map(|(i, _, _)| *i)
    }

    /// Bars of this interval in a 365-day year (for annualising per-bar statistics).
    pub fn bars_per_year(self) -> f64 {
        365.0 * DAY_MS as f64 / self.as_ms() as f64
    }
}

impl FromStr for Interval {
    type Err = IntervalError;
    fn from_str(s: &str) -> Result<Self, IntervalError> {
        let s = s.trim();
        let s = if s == "1mo" { "1M" } else { s };
        ALL.iter()
            .find(|(_, name, _)| *name == s)
            .map(|(i, _, _)| *i)
            .ok_or_else(|| IntervalError(s.to_string()))
    }
}

impl fmt::Display for Interval {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Interval {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Interval {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_roundtrip_and_lengths() {
        for (i, name, ms) in ALL {
            assert_eq!(name.parse::<Interval>(), Ok(i));
            assert_eq!(i.as_ms(), ms);
            assert_eq!(i.to_string(), name);
        }
        assert_eq!("1mo".parse::<Interval>(), Ok(Interval::Mo1));
        assert_eq!(Interval::from_ms(3_600_000), Some(Interval::H1));
        assert!("2m".parse::<Interval>().is_err());
        assert_eq!(Interval::M1.bars_per_year(), 525_600.0);
    }
}
