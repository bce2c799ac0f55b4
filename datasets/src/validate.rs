//! Validation on load: the one gate every loader's columns pass before they become a
//! `BarSeries`. Checks order (sorted, no duplicates, on the interval's grid), OHLC sanity, and
//! values (finite, prices > 0, volume >= 0); finds gaps and applies the `GapPolicy`.
//!
//! Every refusal names the file, the 1-based line (or Parquet row) and what to do. The
//! row-level pass itself lives in `crate::row_check`.
//! Must never live here: parsing text or reading files (loaders hand in columns and a
//! `Locator` that turns a row index into a line number).

use std::fmt;
use std::str::FromStr;

use pipeline::{Interval, Symbol, TimestampMs};
use serde::{Deserialize, Serialize};

use crate::error::{DatasetError, Result};
use crate::row_check::check_rows;
use crate::series::{BarSeries, Columns, bitset};

/// What to do with missing bars.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum GapPolicy {
    /// Refuse the data, naming the line after the first gap.
    Error,
    /// Accept the data as it is; gaps are reported (and logged at warn level).
    #[default]
    Warn,
    /// Insert flat bars at the previous close with volume 0, flagged with
    /// [`BarSeries::is_filled`].
    Fill,
}

impl FromStr for GapPolicy {
    type Err = DatasetError;
    fn from_str(s: &str) -> Result<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "error" => Ok(GapPolicy::Error),
            "warn" => Ok(GapPolicy::Warn),
            "fill" => Ok(GapPolicy::Fill),
            other => Err(DatasetError::Invalid(format!(
                "'{other}' is not a gap policy; use error, warn or fill"
            ))),
        }
    }
}

impl fmt::Display for GapPolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            GapPolicy::Error => "error",
            GapPolicy::Warn => "warn",
            GapPolicy::Fill => "fill",
        })
    }
}

/// A run of missing bars: `start` and `end` are the open times of the first and last missing
/// bar (inclusive), `missing` how many bars are absent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Gap {
    pub start: TimestampMs,
    pub end: TimestampMs,
    pub missing: u64,
}

/// What validation found in one series.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    /// The file (or dataset/symbol) the rows came from.
    pub source: String,
    /// Rows as loaded, before any fill.
    pub rows: usize,
    pub interval: Interval,
    pub first: TimestampMs,
    pub last: TimestampMs,
    pub gaps: Vec<Gap>,
    /// Bars inserted by `GapPolicy::Fill`.
    pub filled: usize,
}

impl Report {
    /// Bars missing over all gaps.
    pub fn missing_bars(&self) -> u64 {
        self.gaps.iter().map(|g| g.missing).sum()
    }
}

/// Turns a row index into the place an error names: `line N` (from recorded line numbers) or
/// `row N` (1-based row of a Parquet file or of memory).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Locator<'a> {
    pub file: &'a str,
    pub lines: Option<&'a [u32]>,
}

impl Locator<'_> {
    pub(crate) fn place(&self, i: usize) -> String {
        match self.lines.and_then(|l| l.get(i)) {
            Some(line) => format!("line {line}"),
            None => format!("row {}", i + 1),
        }
    }

    pub(crate) fn row_err(&self, i: usize, what: String, fix: &str) -> DatasetError {
        DatasetError::Row {
            file: self.file.to_string(),
            place: self.place(i),
            what,
            fix: fix.to_string(),
        }
    }
}

pub(crate) const FIX_ROW: &str = "fix or delete the row";

/// The interval most deltas among the first 1,000 rows agree on.
pub fn infer_interval(open_times: &[i64]) -> Option<Interval> {
    let mut counts: Vec<(i64, usize)> = Vec::new();
    for w in open_times.windows(2).take(1000) {
        let d = w[1] - w[0];
        if d <= 0 {
            continue;
        }
        match counts.iter_mut().find(|(x, _)| *x == d) {
            Some((_, n)) => *n += 1,
            None => counts.push((d, 1)),
        }
    }
    let (delta, _) = counts.into_iter().max_by_key(|&(d, n)| (n, -d))?;
    Interval::from_ms(delta)
}

/// Validates `cols` and builds the (unfilled) series; with `GapPolicy::Error` a gap is an
/// error. Use [`apply_policy`] afterwards for `Fill`.
pub(crate) fn validate(
    cols: Columns,
    symbol: Symbol,
    interval: Option<Interval>,
    policy: GapPolicy,
    loc: Locator<'_>,
) -> Result<(BarSeries, Report)> {
    if !cols.is_rectangular() {
        return Err(DatasetError::file(
            loc.file,
            "columns have different lengths",
            "this is a bug in the loader; report it",
        ));
    }
    if cols.is_empty() {
        return Err(DatasetError::file(
            loc.file,
            "there are no data rows",
            "check that this is a kline file",
        ));
    }
    let interval = match interval.or_else(|| infer_interval(&cols.open_time)) {
        Some(i) => i,
        None => {
            return Err(DatasetError::file(
                loc.file,
                "cannot tell the bar interval from the open times",
                "pass the interval (e.g. --interval 1m)",
            ));
        }
    };
    let gaps = check_rows(&cols, interval, loc)?;
    let rows = cols.len();
    if let (GapPolicy::Error, Some(first)) = (policy, gaps.first()) {
        let after = cols.open_time.partition_point(|&t| t <= first.end.0);
        return Err(loc.row_err(
            after,
            format!(
                "{} bar(s) missing from {} to {} ({} gap(s) in the file)",
                first.missing,
                first.start.to_minute_string(),
                first.end.to_minute_string(),
                gaps.len()
            ),
            "fill the gap in the data, or load with the gap policy warn or fill",
        ));
    }
    if !gaps.is_empty() {
        let missing: u64 = gaps.iter().map(|g| g.missing).sum();
        tracing::warn!(file = loc.file, gaps = gaps.len(), missing, policy = %policy, "gaps in the data");
    }
    let first = TimestampMs(cols.open_time[0]);
    let last = TimestampMs(cols.open_time[rows - 1]);
    let report = Report {
        source: loc.file.to_string(),
        rows,
        interval,
        first,
        last,
        gaps,
        filled: 0,
    };
    let series = BarSeries::from_validated(symbol, interval, cols, Vec::new());
    Ok((series, report))
}

/// Applies `policy` to a validated series: with `Fill`, inserts flat bars into every gap of
/// `report` and counts them in `report.filled`; otherwise returns the series unchanged.
pub(crate) fn apply_policy(series: BarSeries, report: &mut Report, policy: GapPolicy) -> BarSeries {
    if policy != GapPolicy::Fill || report.gaps.is_empty() {
        return series;
    }
    let (symbol, interval, cols) = series.into_parts();
    let (cols, bits, filled) = fill(cols, interval);
    report.filled = filled;
    BarSeries::from_validated(symbol, interval, cols, bits)
}

/// Validates and applies the policy in one call.
#[cfg(test)]
pub(crate) fn validate_and_apply(
    cols: Columns,
    symbol: Symbol,
    interval: Option<Interval>,
    policy: GapPolicy,
    loc: Locator<'_>,
) -> Result<(BarSeries, Report)> {
    let (series, mut report) = validate(cols, symbol, interval, policy, loc)?;
    let series = apply_policy(series, &mut report, policy);
    Ok((series, report))
}

/// Inserts flat bars at the previous close (volume 0) into every gap.
fn fill(cols: Columns, interval: Interval) -> (Columns, Vec<u64>, usize) {
    let step = interval.as_ms();
    let n = cols.len();
    let missing: i64 = cols
        .open_time
        .windows(2)
        .map(|w| (w[1] - w[0]) / step - 1)
        .sum();
    let mut out = Columns::with_capacity(n + missing.max(0) as usize);
    let mut filled_at = Vec::new();
    for i in 0..n {
        if i > 0 {
            let prev_close = cols.close[i - 1];
            let mut t = cols.open_time[i - 1] + step;
            while t < cols.open_time[i] {
                filled_at.push(out.len());
                out.push(t, prev_close, prev_close, prev_close, prev_close, 0.0);
                t += step;
            }
        }
        out.push(
            cols.open_time[i],
            cols.open[i],
            cols.high[i],
            cols.low[i],
            cols.close[i],
            cols.volume[i],
        );
    }
    let count = filled_at.len();
    let bits = bitset(out.len(), filled_at);
    (out, bits, count)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sym() -> Symbol {
        Symbol::new("BTCUSDT").expect("sym")
    }

    fn cols(times: &[i64]) -> Columns {
        let mut c = Columns::default();
        for &t in times {
            c.push(t, 10.0, 11.0, 9.0, 10.5, 1.0);
        }
        c
    }

    fn loc(lines: &[u32]) -> Locator<'_> {
        Locator {
            file: "data.csv",
            lines: Some(lines),
        }
    }

    #[test]
    fn gaps_are_found_and_filled() {
        let m = 60_000;
        let c = cols(&[0, m, 4 * m, 5 * m, 7 * m]);
        let lines = [2, 3, 4, 5, 6];
        let (s, r) = validate(c.clone(), sym(), None, GapPolicy::Warn, loc(&lines)).expect("ok");
        assert_eq!(r.interval, Interval::M1);
        assert_eq!(r.gaps.len(), 2);
        assert_eq!(
            r.gaps[0],
            Gap {
                start: TimestampMs(2 * m),
                end: TimestampMs(3 * m),
                missing: 2
            }
        );
        assert_eq!(r.missing_bars(), 3);
        assert_eq!(s.len(), 5);

        let (s, r) =
            validate_and_apply(c.clone(), sym(), None, GapPolicy::Fill, loc(&lines)).expect("ok");
        assert_eq!(s.len(), 8);
        assert_eq!(r.filled, 3);
        assert!(s.is_filled(2) && s.is_filled(3) && s.is_filled(6) && !s.is_filled(4));
        let b = s.bar(2);
        assert_eq!(
            (b.open, b.high, b.low, b.close, b.volume),
            (10.5, 10.5, 10.5, 10.5, 0.0)
        );
        assert!(s.open_times().windows(2).all(|w| w[1] - w[0] == m));

        let e = validate(c, sym(), None, GapPolicy::Error, loc(&lines)).expect_err("gap");
        assert_eq!(e.line(), Some(4), "{e}");
    }

    #[test]
    fn bad_rows_name_their_line() {
        let m = 60_000;
        let mut c = cols(&[0, m, 2 * m]);
        c.high[2] = 8.0;
        let e = validate(c, sym(), None, GapPolicy::Warn, loc(&[2, 3, 4])).expect_err("bad");
        assert_eq!(
            e.to_string(),
            "data.csv line 4: high 8 is below low 9; fix or delete the row"
        );

        let e = validate(
            cols(&[0, m, m]),
            sym(),
            None,
            GapPolicy::Warn,
            loc(&[2, 3, 4]),
        )
        .expect_err("dup");
        assert!(
            e.to_string().contains("line 4: open time") && e.to_string().contains("repeats line 3"),
            "{e}"
        );

        let e = validate(
            cols(&[0, 2 * m, m]),
            sym(),
            Some(Interval::M1),
            GapPolicy::Warn,
            loc(&[2, 3, 4]),
        )
        .expect_err("order");
        assert!(e.to_string().contains("sort the rows"), "{e}");

        let mut c = cols(&[0, m]);
        c.volume[1] = -1.0;
        let e = validate(c, sym(), None, GapPolicy::Warn, loc(&[2, 3])).expect_err("vol");
        assert!(
            e.to_string().contains("line 3: volume -1 is negative"),
            "{e}"
        );

        let mut c = cols(&[0, m]);
        c.open[0] = f64::NAN;
        let e = validate(
            c,
            sym(),
            None,
            GapPolicy::Warn,
            Locator {
                file: "x.parquet",
                lines: None,
            },
        )
        .expect_err("nan");
        assert!(
            e.to_string().starts_with("x.parquet row 1: open NaN"),
            "{e}"
        );

        let e = validate(
            cols(&[0, 90_000]),
            sym(),
            Some(Interval::M1),
            GapPolicy::Warn,
            loc(&[1, 2]),
        )
        .expect_err("grid");
        assert!(
            e.to_string().contains("not a whole number of 1m bars"),
            "{e}"
        );
    }

    #[test]
    fn interval_inference_uses_the_common_step() {
        let h = 3_600_000;
        assert_eq!(
            infer_interval(&[0, h, 2 * h, 5 * h, 6 * h]),
            Some(Interval::H1)
        );
        assert_eq!(infer_interval(&[0]), None);
        assert_eq!("fill".parse::<GapPolicy>().expect("p"), GapPolicy::Fill);
        assert!("skip".parse::<GapPolicy>().is_err());
    }
}
