//! `TimestampMs`: Unix epoch milliseconds, UTC, the time unit of every kline, order and event.
//!
//! Must never live here: reading the wall clock. Backtests are driven by bar times; only the
//! live crate reads a real clock (through the `Clock` trait).

use std::fmt;

use serde::{Deserialize, Serialize};

/// Milliseconds since 1970-01-01T00:00:00Z.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct TimestampMs(pub i64);

pub const MINUTE_MS: i64 = 60_000;
pub const HOUR_MS: i64 = 60 * MINUTE_MS;
pub const DAY_MS: i64 = 24 * HOUR_MS;

impl TimestampMs {
    pub fn as_ms(self) -> i64 {
        self.0
    }

    pub fn plus_ms(self, ms: i64) -> Self {
        Self(self.0 + ms)
    }

    /// Builds a timestamp from a UTC calendar date and time.
    pub fn from_utc(year: i32, month: u32, day: u32, hour: u32, minute: u32, second: u32) -> Self {
        let days = days_from_civil(year, month, day);
        Self(
            days * DAY_MS
                + i64::from(hour) * HOUR_MS
                + i64::from(minute) * MINUTE_MS
                + i64::from(second) * 1000,
        )
    }

    /// (year, month, day, hour, minute, second, millisecond) in UTC.
    pub fn to_utc_parts(self) -> (i32, u32, u32, u32, u32, u32, u32) {
        let days = self.0.div_euclid(DAY_MS);
        let rem = self.0.rem_euclid(DAY_MS);
        let (y, m, d) = civil_from_days(days);
        let ms = rem as u32;
        (
            y,
            m,
            d,
            ms / 3_600_000,
            (ms / 60_000) % 60,
            (ms / 1000) % 60,
            ms % 1000,
        )
    }

    /// `2026-01-01 00:00` style, UTC, minute resolution (for tables and messages).
    pub fn to_minute_string(self) -> String {
        let (y, mo, d, h, mi, _, _) = self.to_utc_parts();
        format!("{y:04}-{mo:02}-{d:02} {h:02}:{mi:02}")
    }

    /// The [`Display`](fmt::Display) text (`2026-01-01T00:00:00.000Z`) written into `out`
    /// without the formatter, for files with a timestamp on every row (a year's equity curve
    /// is 525,600 of them). `None` for a year outside 0..=9999 (use `Display`).
    pub fn write_iso(self, out: &mut [u8; 24]) -> Option<()> {
        let (y, mo, d) = civil_from_days(self.day_index());
        let y = u32::try_from(y).ok().filter(|y| *y <= 9999)?;
        *out = *b"0000-00-00T00:00:00.000Z";
        put_digits(&mut out[0..4], y);
        put_digits(&mut out[5..7], mo);
        put_digits(&mut out[8..10], d);
        self.write_iso_time_of_day(out);
        Some(())
    }

    /// Rewrites only the time of day (`HH:MM:SS.mmm`) of a text [`TimestampMs::write_iso`]
    /// wrote for the same day: a column of times works each date out once.
    pub fn write_iso_time_of_day(self, out: &mut [u8; 24]) {
        let ms = self.0.rem_euclid(DAY_MS) as u32;
        put_digits(&mut out[11..13], ms / 3_600_000);
        put_digits(&mut out[14..16], ms / 60_000 % 60);
        put_digits(&mut out[17..19], ms / 1000 % 60);
        put_digits(&mut out[20..23], ms % 1000);
    }

    /// The UTC day number since the epoch (for grouping by day).
    pub fn day_index(self) -> i64 {
        self.0.div_euclid(DAY_MS)
    }
}

/// `v`'s last `out.len()` decimal digits, zero-padded, into `out`.
fn put_digits(out: &mut [u8], mut v: u32) {
    for b in out.iter_mut().rev() {
        *b = b'0' + (v % 10) as u8;
        v /= 10;
    }
}

/// ISO 8601 with milliseconds and `Z`, e.g. `2026-01-01T00:00:00.000Z`.
impl fmt::Display for TimestampMs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (y, mo, d, h, mi, s, ms) = self.to_utc_parts();
        write!(f, "{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}.{ms:03}Z")
    }
}

impl fmt::Debug for TimestampMs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}({})", self, self.0)
    }
}

/// Days since 1970-01-01 for a proleptic Gregorian date (Howard Hinnant's algorithm).
pub fn days_from_civil(year: i32, month: u32, day: u32) -> i64 {
    let y = i64::from(year) - i64::from(month <= 2);
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The inverse of [`days_from_civil`].
pub fn civil_from_days(days: i64) -> (i32, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    ((y + i64::from(m <= 2)) as i32, m, d)
}

/// Parses `2026-01-01`, `2026-01-01T00:00`, `2026-01-01 00:00:00` or `...Z` as UTC.
pub fn parse_utc(text: &str) -> Option<TimestampMs> {
    let t = text.trim().trim_end_matches('Z');
    let (date, time) = match t.split_once(['T', ' ']) {
        Some((d, tm)) => (d, tm),
        None => (t, "00:00:00"),
    };
    let mut dp = date.split('-');
    let y: i32 = dp.next()?.parse().ok()?;
    let mo: u32 = dp.next()?.parse().ok()?;
    let d: u32 = dp.next()?.parse().ok()?;
    if dp.next().is_some() || !(1..=12).contains(&mo) || !(1..=31).contains(&d) {
        return None;
    }
    let time = time.split('.').next()?;
    let mut tp = time.split(':');
    let h: u32 = tp.next()?.parse().ok()?;
    let mi: u32 = tp.next().map_or(Some(0), |v| v.parse().ok())?;
    let s: u32 = tp.next().map_or(Some(0), |v| v.parse().ok())?;
    if h > 23 || mi > 59 || s > 60 {
        return None;
    }
    Some(TimestampMs::from_utc(y, mo, d, h, mi, s))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_epochs() {
        assert_eq!(TimestampMs::from_utc(1970, 1, 1, 0, 0, 0).0, 0);
        // 2026-01-01T00:00:00Z
        assert_eq!(
            TimestampMs::from_utc(2026, 1, 1, 0, 0, 0).0,
            1_767_225_600_000
        );
        assert_eq!(
            TimestampMs(1_679_270_400_000).to_string(),
            "2023-03-20T00:00:00.000Z"
        );
        assert_eq!(
            TimestampMs(1_767_225_599_999).to_minute_string(),
            "2025-12-31 23:59"
        );
    }

    #[test]
    fn civil_roundtrip_over_centuries() {
        for days in (-800_000..800_000).step_by(997) {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
    }

    proptest::proptest! {
        /// `write_iso` writes `Display`'s text, and declines the years `Display` writes
        /// otherwise (before year 0, after 9999).
        #[test]
        fn write_iso_is_display(ms in -80_000_000_000_000i64..300_000_000_000_000) {
            let t = TimestampMs(ms);
            let mut out = [0u8; 24];
            match t.write_iso(&mut out) {
                Some(()) => {
                    let want = t.to_string();
                    proptest::prop_assert_eq!(std::str::from_utf8(&out).ok(), Some(want.as_str()));
                }
                None => {
                    let y = t.to_utc_parts().0;
                    proptest::prop_assert!(!(0..=9999).contains(&y));
                }
            }
        }
    }

    #[test]
    fn parse_forms() {
        let want = TimestampMs::from_utc(2026, 3, 31, 23, 59, 0);
        assert_eq!(parse_utc("2026-03-31T23:59"), Some(want));
        assert_eq!(parse_utc("2026-03-31 23:59:00Z"), Some(want));
        assert_eq!(
            parse_utc("2026-03-31"),
            Some(TimestampMs::from_utc(2026, 3, 31, 0, 0, 0))
        );
        assert_eq!(parse_utc("2026-13-01"), None);
        assert_eq!(parse_utc("yesterday"), None);
    }
}
