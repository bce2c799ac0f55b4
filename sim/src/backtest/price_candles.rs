//! `prices.csv` of a run folder: each symbol's bars merged into at most [`MAX_CANDLES`] candles,
//! enough for a report's price chart without copying the dataset into every run; and
//! `marks.csv`, in the same layout, the recorded mark-price bars merged over the same windows
//! (only for a run whose dataset has mark prices: the report draws the mark, on which
//! liquidations happen, beside the trade price).
//! Must never live here: drawing (that is `reports`) or any other file of the run folder.

use std::fmt::Write as _;

use datasets::BarSeries;
use pipeline::TimestampMs;

/// The most candles a symbol gets in `prices.csv`.
pub const MAX_CANDLES: usize = 2_000;

/// The header of `prices.csv`.
pub const HEADER: &str = "symbol,open_time,close_time,open,high,low,close,bars\n";

/// `prices.csv` for `series`: per symbol, consecutive runs of `ceil(len / MAX_CANDLES)` bars
/// merged into one candle (first open, highest high, lowest low, last close); `close_time` is
/// the close of the last bar merged.
pub fn prices_csv(series: &[&BarSeries]) -> String {
    let mut out = String::from(HEADER);
    for s in series {
        let n = s.len();
        if n == 0 {
            continue;
        }
        let per = n.div_ceil(MAX_CANDLES);
        let (t, o, h, l, c) = (s.open_times(), s.opens(), s.highs(), s.lows(), s.closes());
        let step = s.interval().as_ms();
        let mut i = 0;
        while i < n {
            let end = (i + per).min(n);
            let high = h[i..end].iter().copied().fold(f64::MIN, f64::max);
            let low = l[i..end].iter().copied().fold(f64::MAX, f64::min);
            let _ = writeln!(
                out,
                "{},{},{},{},{},{},{},{}",
                s.symbol(),
                TimestampMs(t[i]),
                TimestampMs(t[end - 1] + step),
                o[i],
                high,
                low,
                c[end - 1],
                end - i
            );
            i = end;
        }
    }
    out
}

/// `marks.csv` for `series`: per symbol with mark-price bars, the mark bars of each window of
/// bars [`prices_csv`] merges (first open, highest high, lowest low, last close, how many mark
/// bars); a window without a mark bar is left out. `None` when no symbol has mark prices.
pub fn marks_csv(series: &[&BarSeries]) -> Option<String> {
    if series.iter().all(|s| s.marks().is_none()) {
        return None;
    }
    let mut out = String::from(HEADER);
    for s in series {
        let (Some(marks), n) = (s.marks(), s.len()) else {
            continue;
        };
        let per = n.div_ceil(MAX_CANDLES).max(1);
        let t = s.open_times();
        let step = s.interval().as_ms();
        for window in t.chunks(per) {
            let found: Vec<(f64, f64, f64, f64)> =
                window.iter().filter_map(|&ot| marks.bar(ot)).collect();
            let (Some(first), Some(last)) = (found.first(), found.last()) else {
                continue;
            };
            let high = found.iter().map(|m| m.1).fold(f64::MIN, f64::max);
            let low = found.iter().map(|m| m.2).fold(f64::MAX, f64::min);
            let _ = writeln!(
                out,
                "{},{},{},{},{},{},{},{}",
                s.symbol(),
                TimestampMs(window[0]),
                TimestampMs(window[window.len() - 1] + step),
                first.0,
                high,
                low,
                last.3,
                found.len()
            );
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use pipeline::{Interval, Symbol};

    fn series(n: usize) -> BarSeries {
        let sym = Symbol::new("BTCUSDT").expect("symbol");
        let from = TimestampMs::from_utc(2026, 1, 1, 0, 0, 0);
        datasets::generate(
            &sym,
            Interval::M1,
            from,
            from.plus_ms((n as i64 - 1) * 60_000),
            1,
        )
        .expect("synthetic bars")
    }

    #[test]
    fn short_series_keep_every_bar() {
        let s = series(3);
        let csv = prices_csv(&[&s]);
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(lines.len(), 4);
        let want = format!(
            "BTCUSDT,2026-01-01T00:00:00.000Z,2026-01-01T00:01:00.000Z,{},{},{},{},1",
            s.opens()[0],
            s.highs()[0],
            s.lows()[0],
            s.closes()[0]
        );
        assert_eq!(lines[1], want);
    }

    #[test]
    fn long_series_merge_into_at_most_max_candles() {
        let s = series(MAX_CANDLES * 2 + 1);
        let csv = prices_csv(&[&s]);
        let rows: Vec<&str> = csv.lines().skip(1).collect();
        assert!(rows.len() <= MAX_CANDLES, "{}", rows.len());
        // Three bars a candle: first open, highest high, lowest low, last close.
        let high = s.highs()[..3].iter().copied().fold(f64::MIN, f64::max);
        let low = s.lows()[..3].iter().copied().fold(f64::MAX, f64::min);
        let want = format!(
            "BTCUSDT,2026-01-01T00:00:00.000Z,2026-01-01T00:03:00.000Z,{},{high},{low},{},3",
            s.opens()[0],
            s.closes()[2]
        );
        assert_eq!(rows[0], want);
        let merged: usize = rows
            .iter()
            .map(|r| {
                r.rsplit(',')
                    .next()
                    .expect("bars")
                    .parse::<usize>()
                    .expect("n")
            })
            .sum();
        assert_eq!(merged, MAX_CANDLES * 2 + 1);
    }

    #[test]
    fn marks_follow_the_price_windows_and_skip_holes() {
        let s = series(5);
        assert_eq!(marks_csv(&[&s]), None, "no mark prices, no marks.csv");
        // Mark bars for bars 0, 1 and 3 (bar 2 and 4 missing): one candle per bar, as
        // prices.csv has for 5 bars; the bars without a mark bar get no row.
        let t = s.open_times();
        let marks = datasets::MarkSeries {
            symbol: Some(s.symbol().clone()),
            open_times: vec![t[0], t[1], t[3]],
            open: vec![10.0, 11.0, 13.0],
            high: vec![10.5, 11.5, 13.5],
            low: vec![9.5, 10.5, 12.5],
            close: vec![10.2, 11.2, 13.2],
            files: vec!["m.csv".into()],
        };
        let marked = s.clone().with_marks(marks);
        let csv = marks_csv(&[&marked]).expect("marks.csv");
        let rows: Vec<&str> = csv.lines().skip(1).collect();
        assert_eq!(
            rows,
            vec![
                "BTCUSDT,2026-01-01T00:00:00.000Z,2026-01-01T00:01:00.000Z,10,10.5,9.5,10.2,1",
                "BTCUSDT,2026-01-01T00:01:00.000Z,2026-01-01T00:02:00.000Z,11,11.5,10.5,11.2,1",
                "BTCUSDT,2026-01-01T00:03:00.000Z,2026-01-01T00:04:00.000Z,13,13.5,12.5,13.2,1",
            ]
        );
    }
}
