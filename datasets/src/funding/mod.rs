//! Recorded funding: Binance's funding settlements of a dataset's symbols, kept beside its
//! klines. A catalog entry lists its funding files under `[[funding]]` (symbol, url, path,
//! sha256, like `[[sources]]`); `sim data fetch` downloads them from data.binance.vision
//! (`futures/um/monthly/fundingRate/SYMBOL/SYMBOL-fundingRate-YYYY-MM.zip`, checked against
//! their `.CHECKSUM`), `sim data import-funding` adds a file the user has. Loading a dataset
//! reads them (each checked against its recorded sha256) into one [`FundingSeries`] per
//! symbol, attached to the symbol's `BarSeries`.
//!
//! - `parse`: the two file layouts. `import`: adding a file to a dataset.
//! - here: the record and series types, merging several files, and the gap check.
//!
//! Gaps: after a settlement the next is due one interval later (the record's
//! `funding_interval_hours`; for JSON records, which carry none, the shorter of the spacings
//! before and after the record, which follows a change from 8 h to 4 h without a false gap). A
//! later settlement means missing ones, reported like missing bars.
//! Must never live here: charging funding (that is `exchange_sim::funding`).

pub mod import;
pub mod parse;

use pipeline::{Symbol, TimestampMs};
use rust_decimal::Decimal;

use crate::catalog::{CatalogEntry, SourceFile};
use crate::error::{DatasetError, Result};
use crate::validate::Gap;

const HOUR_MS: i64 = 3_600_000;

/// One funding settlement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FundingRecord {
    /// When it was settled (whole seconds).
    pub time: TimestampMs,
    /// Hours to the next settlement, when the file says (the public CSV does, the API not).
    pub interval_hours: Option<u32>,
    /// Positive: longs pay shorts.
    pub rate: Decimal,
}

/// One symbol's recorded funding, in time order, with where it came from and its gaps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FundingSeries {
    pub symbol: Symbol,
    pub records: Vec<FundingRecord>,
    /// The files read, by name (no folder), in catalog order.
    pub files: Vec<String>,
    /// Missing settlements (start and end: the first and last missing time).
    pub gaps: Vec<Gap>,
}

impl FundingSeries {
    /// Merges the records of several files of `symbol`: sorted by time, an identical record
    /// read twice (overlapping files) kept once, two different rates at one time refused.
    pub fn merge(
        symbol: Symbol,
        files: Vec<String>,
        mut records: Vec<FundingRecord>,
    ) -> Result<Self> {
        records.sort_by_key(|r| r.time);
        let mut out: Vec<FundingRecord> = Vec::with_capacity(records.len());
        for r in records {
            match out.last() {
                Some(prev) if prev.time == r.time && prev.rate == r.rate => {}
                Some(prev) if prev.time == r.time => {
                    return Err(DatasetError::Invalid(format!(
                        "funding of {symbol}: two rates ({} and {}) recorded for {}; remove one of the files ({})",
                        prev.rate,
                        r.rate,
                        r.time,
                        files.join(", ")
                    )));
                }
                _ => out.push(r),
            }
        }
        let gaps = gaps(&out);
        Ok(FundingSeries {
            symbol,
            records: out,
            files,
            gaps,
        })
    }

    /// Times of the first and last settlement.
    pub fn range(&self) -> Option<(TimestampMs, TimestampMs)> {
        Some((self.records.first()?.time, self.records.last()?.time))
    }

    /// The distinct intervals in hours (recorded or inferred), ascending.
    pub fn intervals(&self) -> Vec<u32> {
        let mut v: Vec<u32> = (0..self.records.len())
            .filter_map(|k| interval_at(&self.records, k))
            .map(|ms| u32::try_from(ms / HOUR_MS).unwrap_or(0))
            .collect();
        v.sort_unstable();
        v.dedup();
        v
    }

    /// Missing settlements in all.
    pub fn missing(&self) -> u64 {
        self.gaps.iter().map(|g| g.missing).sum()
    }
}

/// The interval after record `k` in ms: recorded, else inferred (see the module doc).
fn interval_at(records: &[FundingRecord], k: usize) -> Option<i64> {
    if let Some(h) = records[k].interval_hours {
        return Some(i64::from(h) * HOUR_MS);
    }
    let before = k
        .checked_sub(1)
        .map(|j| records[k].time.0 - records[j].time.0);
    let after = records.get(k + 1).map(|n| n.time.0 - records[k].time.0);
    match (before, after) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// The missing settlements between consecutive records.
fn gaps(records: &[FundingRecord]) -> Vec<Gap> {
    let mut out = Vec::new();
    for k in 0..records.len().saturating_sub(1) {
        let Some(step) = interval_at(records, k).filter(|&s| s > 0) else {
            continue;
        };
        let (t, next) = (records[k].time.0, records[k + 1].time.0);
        // A settlement more than half an interval late counts as missing ones.
        let missing = (next - t - step / 2) / step;
        if missing > 0 {
            out.push(Gap {
                start: TimestampMs(t + step),
                end: TimestampMs(t + missing * step),
                missing: missing as u64,
            });
        }
    }
    out
}

/// The file name of a path or URL (its last segment).
pub fn file_name(path_or_url: &str) -> String {
    path_or_url
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or(path_or_url)
        .to_string()
}

/// Reads one listed funding file, checking its sha256 against the catalog's.
pub fn read_listed(entry_name: &str, src: &SourceFile) -> Result<Option<parse::ParsedFunding>> {
    let Some((path, bytes)) = src.read_checked(|| {
        format!(
            "the funding file changed since it was added to dataset '{entry_name}'; fetch or import it again"
        )
    })?
    else {
        return Ok(None);
    };
    parse::parse_funding(path, &bytes).map(Some)
}

/// The recorded funding of `symbol` in `entry` (`None`: the entry lists no funding file for
/// it), limited to the dataset's span (its first bar's open to its last bar's close).
pub fn load_symbol(entry: &CatalogEntry, symbol: &Symbol) -> Result<Option<FundingSeries>> {
    let mut files = Vec::new();
    let mut records = Vec::new();
    for src in entry.funding.iter().filter(|s| &s.symbol == symbol) {
        if let Some(parsed) = read_listed(&entry.name, src)? {
            files.push(file_name(src.path.as_deref().unwrap_or_default()));
            records.extend(parsed.records);
        }
    }
    if files.is_empty() {
        return Ok(None);
    }
    let last_close = entry.end.0 + entry.interval.as_ms() - 1;
    records.retain(|r| r.time.0 >= entry.start.0 && r.time.0 <= last_close);
    FundingSeries::merge(symbol.clone(), files, records).map(Some)
}

/// The public-data funding URL of the month of a kline URL
/// (`.../futures/um/monthly/klines/BTCUSDT/1m/BTCUSDT-1m-2026-01.zip` gives
/// `.../futures/um/monthly/fundingRate/BTCUSDT/BTCUSDT-fundingRate-2026-01.zip`); `None`
/// for any other URL.
pub fn funding_url_for_klines(url: &str) -> Option<String> {
    let at = url.find("/futures/um/monthly/klines/")?;
    let rest = &url[at + "/futures/um/monthly/klines/".len()..];
    let mut parts = rest.split('/');
    let (symbol, _interval, file) = (parts.next()?, parts.next()?, parts.next()?);
    let month = file
        .strip_suffix(".zip")?
        .rsplit('-')
        .take(2)
        .collect::<Vec<_>>();
    let [m, y] = month.as_slice() else {
        return None;
    };
    Some(format!(
        "{}/futures/um/monthly/fundingRate/{symbol}/{symbol}-fundingRate-{y}-{m}.zip",
        &url[..at]
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dec(s: &str) -> rust_decimal::Decimal {
        s.parse().expect("decimal")
    }

    fn rec(minutes_from_start: i64, interval: Option<u32>) -> FundingRecord {
        FundingRecord {
            time: TimestampMs::from_utc(2026, 1, 1, 0, 0, 0).plus_ms(minutes_from_start * 60_000),
            interval_hours: interval,
            rate: dec("0.0001"),
        }
    }

    #[test]
    fn gaps_follow_the_recorded_and_the_inferred_interval() {
        let sym = Symbol::new("BTCUSDT").expect("s");
        // 8 h records at 00:00, 08:00, then 00:00 next day: 16:00 is missing.
        let s = FundingSeries::merge(
            sym.clone(),
            vec![],
            vec![rec(0, Some(8)), rec(480, Some(8)), rec(1440, Some(8))],
        )
        .expect("merge");
        assert_eq!(
            s.gaps,
            vec![Gap {
                start: TimestampMs::from_utc(2026, 1, 1, 16, 0, 0),
                end: TimestampMs::from_utc(2026, 1, 1, 16, 0, 0),
                missing: 1
            }]
        );
        // JSON records (no interval): 8 h, 8 h, then 4 h spacing is a change, not a gap; a
        // 16 h spacing inside an 8 h run is one missing settlement.
        let json = |m| rec(m, None);
        let s = FundingSeries::merge(
            sym.clone(),
            vec![],
            vec![json(0), json(480), json(960), json(1200), json(1440)],
        )
        .expect("merge");
        assert!(s.gaps.is_empty(), "{:?}", s.gaps);
        assert_eq!(s.intervals(), vec![4, 8]);
        let s = FundingSeries::merge(
            sym.clone(),
            vec![],
            vec![json(0), json(480), json(1440), json(1920)],
        )
        .expect("merge");
        assert_eq!(s.missing(), 1);
        let mut clash = rec(480, Some(8));
        clash.rate = dec("0.0003");
        let e = FundingSeries::merge(sym, vec!["a.csv".into()], vec![rec(480, Some(8)), clash])
            .expect_err("two rates");
        assert!(e.to_string().contains("two rates"), "{e}");
    }

    #[test]
    fn funding_urls_of_kline_urls() {
        assert_eq!(
            funding_url_for_klines(
                "https://data.binance.vision/data/futures/um/monthly/klines/BTCUSDT/1m/BTCUSDT-1m-2026-01.zip"
            )
            .as_deref(),
            Some(
                "https://data.binance.vision/data/futures/um/monthly/fundingRate/BTCUSDT/BTCUSDT-fundingRate-2026-01.zip"
            )
        );
        assert_eq!(
            funding_url_for_klines("https://x/spot/monthly/klines/A/1m/A-1m-2026-01.zip"),
            None
        );
        assert_eq!(
            file_name("/a/b/BTCUSDT-fundingRate-2026-01.zip"),
            "BTCUSDT-fundingRate-2026-01.zip"
        );
    }
}
