//! The row-level checks of `crate::validate` in one pass over the columns: values (finite,
//! prices > 0, volume >= 0, low <= open/close <= high) and open times (strictly increasing, on
//! the interval's grid), collecting the gaps.
//!
//! Rows go in blocks: a block is first tested with a branch-free predicate that the compiler
//! vectorises (the common case, a clean block with no gap, costs a few instructions a row); a
//! block that fails it is walked row by row with the exact checks, which name the first bad row
//! and record the gaps. Both give the same verdict on every row (see `row_is_clean`).
//! Must never live here: reading files, building the series, the gap policy.

use pipeline::{Interval, TimestampMs};

use crate::error::Result;
use crate::series::Columns;
use crate::validate::{FIX_ROW, Gap, Locator};

/// Rows per block of the fast test.
const BLOCK: usize = 1024;

/// Row-level checks in one pass; returns the gaps. The first bad row (in row order) is the one
/// the error names.
pub(crate) fn check_rows(cols: &Columns, interval: Interval, loc: Locator<'_>) -> Result<Vec<Gap>> {
    let step = interval.as_ms();
    // Month bars have no fixed length: their times are only checked for order.
    let grid = (interval != Interval::Mo1).then_some(step);
    let mut gaps = Vec::new();
    let n = cols.len();
    let mut start = 0;
    while start < n {
        let end = (start + BLOCK).min(n);
        if !block_is_clean(cols, start, end, grid) {
            for i in start..end {
                check_row(cols, i, interval, loc, &mut gaps)?;
            }
        }
        start = end;
    }
    Ok(gaps)
}

/// Whether every row in `start..end` passes the value checks and follows the previous row by
/// exactly one step (`grid`); `false` when in doubt (month bars, a gap, a bad row).
fn block_is_clean(cols: &Columns, start: usize, end: usize, grid: Option<i64>) -> bool {
    let Some(step) = grid else {
        return false;
    };
    let o = &cols.open[start..end];
    let len = o.len();
    let (h, l) = (&cols.high[start..end], &cols.low[start..end]);
    let (c, v) = (&cols.close[start..end], &cols.volume[start..end]);
    let mut ok = true;
    for i in 0..len {
        ok &= row_is_clean(o[i], h[i], l[i], c[i], v[i]);
    }
    // Each row's time against the row before it (the first block's first row has none).
    let from = start.saturating_sub(1);
    let t = &cols.open_time[from..end];
    for w in t.windows(2) {
        ok &= w[1].wrapping_sub(w[0]) == step;
    }
    ok
}

/// The value checks of `check_row` as one branch-free predicate. It accepts exactly the rows
/// `check_row` accepts: `0 < low <= open, close <= high < inf` makes every price finite and
/// positive and high >= low, and any NaN fails a comparison; `0 <= volume < inf` is the volume
/// check.
/// Written with `&`, not `&&` or `contains`, so nothing short-circuits and the loop vectorises.
#[allow(clippy::manual_range_contains)]
#[inline(always)]
fn row_is_clean(o: f64, h: f64, l: f64, c: f64, v: f64) -> bool {
    (l > 0.0)
        & (h < f64::INFINITY)
        & (l <= o)
        & (o <= h)
        & (l <= c)
        & (c <= h)
        & (v >= 0.0)
        & (v < f64::INFINITY)
}

/// The exact checks of row `i`, with the message for the first that fails; records the gap
/// before the row, if any.
fn check_row(
    cols: &Columns,
    i: usize,
    interval: Interval,
    loc: Locator<'_>,
    gaps: &mut Vec<Gap>,
) -> Result<()> {
    let (o, h, l, c, v) = (
        cols.open[i],
        cols.high[i],
        cols.low[i],
        cols.close[i],
        cols.volume[i],
    );
    for (name, x) in [("open", o), ("high", h), ("low", l), ("close", c)] {
        if !(x.is_finite() && x > 0.0) {
            return Err(loc.row_err(i, format!("{name} {x} is not a positive price"), FIX_ROW));
        }
    }
    if !v.is_finite() || v < 0.0 {
        let what = if v.is_nan() {
            "not a number"
        } else {
            "negative"
        };
        return Err(loc.row_err(i, format!("volume {v} is {what}"), FIX_ROW));
    }
    if h < l {
        return Err(loc.row_err(i, format!("high {h} is below low {l}"), FIX_ROW));
    }
    for (name, x) in [("open", o), ("close", c)] {
        if h < x {
            return Err(loc.row_err(i, format!("high {h} is below {name} {x}"), FIX_ROW));
        }
        if l > x {
            return Err(loc.row_err(i, format!("low {l} is above {name} {x}"), FIX_ROW));
        }
    }
    if i == 0 {
        return Ok(());
    }
    let (prev, t) = (cols.open_time[i - 1], cols.open_time[i]);
    let d = t.saturating_sub(prev);
    if d == 0 {
        return Err(loc.row_err(
            i,
            format!("open time {} repeats {}", TimestampMs(t), loc.place(i - 1)),
            "delete the duplicate row",
        ));
    }
    // "row N (its open time)", for the messages below.
    let previous = || format!("{} ({})", loc.place(i - 1), TimestampMs(prev));
    if d < 0 {
        return Err(loc.row_err(
            i,
            format!(
                "open time {} is earlier than {}",
                TimestampMs(t),
                previous()
            ),
            "sort the rows by open time",
        ));
    }
    if interval == Interval::Mo1 {
        return Ok(());
    }
    let step = interval.as_ms();
    if d % step != 0 {
        return Err(loc.row_err(
            i,
            format!(
                "open time {} is not a whole number of {interval} bars after {}",
                TimestampMs(t),
                previous()
            ),
            "check the bar interval (--interval) or fix the time",
        ));
    }
    if d > step {
        gaps.push(Gap {
            start: TimestampMs(prev + step),
            end: TimestampMs(t - step),
            missing: (d / step - 1) as u64,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `rows` clean 1m bars from t = 0.
    fn clean(rows: usize) -> Columns {
        let mut c = Columns::default();
        for i in 0..rows {
            let p = 100.0 + (i % 7) as f64;
            c.push(i as i64 * 60_000, p, p + 2.0, p - 1.0, p + 0.5, 1.0);
        }
        c
    }

    fn loc() -> Locator<'static> {
        Locator {
            file: "x.parquet",
            lines: None,
        }
    }

    #[test]
    fn the_fast_test_agrees_with_the_exact_checks() {
        let specials = [
            0.0,
            -0.0,
            -1.0,
            1.0,
            2.0,
            3.0,
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::MIN_POSITIVE,
        ];
        let mut rows = 0;
        for &o in &specials {
            for &h in &specials {
                for &l in &specials {
                    for &c in &specials[..7] {
                        for &v in &specials[..9] {
                            let mut cols = Columns::default();
                            cols.push(0, o, h, l, c, v);
                            let exact = check_row(&cols, 0, Interval::M1, loc(), &mut Vec::new());
                            assert_eq!(
                                row_is_clean(o, h, l, c, v),
                                exact.is_ok(),
                                "o {o} h {h} l {l} c {c} v {v}"
                            );
                            rows += 1;
                        }
                    }
                }
            }
        }
        assert_eq!(rows, 10 * 10 * 10 * 7 * 9);
    }

    #[test]
    fn errors_name_the_first_bad_row_across_blocks() {
        let n = 3 * BLOCK + 17;
        let cols = clean(n);
        assert_eq!(check_rows(&cols, Interval::M1, loc()).expect("ok"), vec![]);

        // A bad value in one block and a bad time in a later one: the value, in row order, wins.
        let mut bad = cols.clone();
        bad.low[BLOCK + 5] = 1000.0;
        bad.open_time[2 * BLOCK + 1] = bad.open_time[2 * BLOCK];
        let e = check_rows(&bad, Interval::M1, loc()).expect_err("bad");
        assert_eq!(e.line(), Some(BLOCK as u64 + 6), "{e}");
        assert!(e.to_string().contains("is below low 1000"), "{e}");

        // A repeated time right at a block boundary (the row before is in the previous block).
        let mut dup = cols.clone();
        dup.open_time[2 * BLOCK] = dup.open_time[2 * BLOCK - 1];
        let e = check_rows(&dup, Interval::M1, loc()).expect_err("dup");
        assert_eq!(e.line(), Some(2 * BLOCK as u64 + 1), "{e}");
        assert!(e.to_string().contains("repeats row"), "{e}");
    }

    #[test]
    fn gaps_at_block_boundaries_are_all_found() {
        let mut cols = clean(3 * BLOCK);
        // Shift everything from the start of block 1 and from row 2*BLOCK+3 later.
        for t in &mut cols.open_time[BLOCK..] {
            *t += 2 * 60_000;
        }
        for t in &mut cols.open_time[2 * BLOCK + 3..] {
            *t += 60_000;
        }
        let gaps = check_rows(&cols, Interval::M1, loc()).expect("ok");
        let missing: Vec<u64> = gaps.iter().map(|g| g.missing).collect();
        assert_eq!(missing, vec![2, 1]);
        assert_eq!(gaps[0].start, TimestampMs(BLOCK as i64 * 60_000));

        // Month bars: only order counts, no gaps.
        let mut months = clean(5);
        months.open_time = vec![0, 31, 59, 90, 120];
        assert!(
            check_rows(&months, Interval::Mo1, loc())
                .expect("ok")
                .is_empty()
        );
    }
}
