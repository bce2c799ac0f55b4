//! The walk-forward windows over a dataset's time range: rolling (the training window slides
//! by the test length) or anchored (it always starts at the data's start and grows), each
//! followed by its test window. Times are open times in epoch ms; a window `[start, end)`
//! holds the bars opening at or after `start` and before `end`.
//!
//! The first training window starts at the data's first bar; window `k`'s test window starts
//! `train + k * test` after it and lasts `test`. Windows continue while a test window starts
//! before the data ends; the first one that would end after the data is listed as not
//! fitting, with the reason, never silently dropped.
//! Must never live here: running anything, or reading the data itself.

use anyhow::bail;
use pipeline::TimestampMs;
use serde::{Deserialize, Serialize};

use super::duration;

/// The shape of the windows: `--train`, `--test`, `--anchored`, `--warmup`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Layout {
    pub train_ms: i64,
    pub test_ms: i64,
    pub anchored: bool,
    /// How far before each test window the warm-up bars start (clipped at the data's start).
    pub warmup_ms: i64,
}

/// One training window and the test window after it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Span {
    pub train_start: i64,
    pub train_end: i64,
    pub test_start: i64,
    pub test_end: i64,
    /// Where the test run's warm-up bars start (`test_start` when there is no warm-up).
    pub warmup_start: i64,
}

/// The windows that fit, and the first that does not (with why).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Windows {
    pub fitting: Vec<Span>,
    pub not_fitting: Option<(Span, String)>,
}

/// The windows of `layout` over data whose bars open from `first_open` to before `end`
/// (the last bar's open time plus the interval). An error when not even one fits.
pub fn lay_out(layout: Layout, first_open: i64, end: i64) -> anyhow::Result<Windows> {
    let Layout {
        train_ms,
        test_ms,
        anchored,
        warmup_ms,
    } = layout;
    let mut fitting = Vec::new();
    let mut not_fitting = None;
    for k in 0i64.. {
        let test_start = first_open + train_ms + k * test_ms;
        if test_start >= end {
            break;
        }
        let span = Span {
            train_start: if anchored {
                first_open
            } else {
                first_open + k * test_ms
            },
            train_end: test_start,
            test_start,
            test_end: test_start + test_ms,
            warmup_start: (test_start - warmup_ms).max(first_open),
        };
        if span.test_end > end {
            let why = format!(
                "the test window would end at {}, after the data's last bar closes at {} ({} short); \
                 not run",
                TimestampMs(span.test_end).to_minute_string(),
                TimestampMs(end).to_minute_string(),
                reports::html::duration((span.test_end - end) as f64),
            );
            not_fitting = Some((span, why));
            break;
        }
        fitting.push(span);
    }
    if fitting.is_empty() {
        bail!(
            "no walk-forward window fits: the data runs from {} to {} ({}), and one window needs --train {} plus --test {}; shorten them or use a longer dataset",
            TimestampMs(first_open).to_minute_string(),
            TimestampMs(end).to_minute_string(),
            reports::html::duration((end - first_open) as f64),
            duration::text(train_ms),
            duration::text(test_ms),
        );
    }
    Ok(Windows {
        fitting,
        not_fitting,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: i64 = 86_400_000;

    fn layout(train: i64, test: i64, anchored: bool) -> Layout {
        Layout {
            train_ms: train * DAY,
            test_ms: test * DAY,
            anchored,
            warmup_ms: 2 * DAY,
        }
    }

    #[test]
    fn rolling_windows_slide_by_the_test_length() {
        // 10 days of data, train 4 days, test 2 days: tests at days 4, 6, 8; a fourth at day
        // 10 would start at the end.
        let w = lay_out(layout(4, 2, false), 0, 10 * DAY).expect("fits");
        let starts: Vec<(i64, i64, i64, i64)> = w
            .fitting
            .iter()
            .map(|s| {
                (
                    s.train_start / DAY,
                    s.train_end / DAY,
                    s.test_start / DAY,
                    s.test_end / DAY,
                )
            })
            .collect();
        assert_eq!(starts, [(0, 4, 4, 6), (2, 6, 6, 8), (4, 8, 8, 10)]);
        assert_eq!(w.fitting[0].warmup_start, 2 * DAY);
        assert_eq!(w.not_fitting, None);
    }

    #[test]
    fn anchored_windows_start_at_the_data_and_a_short_last_one_is_listed() {
        let w = lay_out(layout(4, 2, true), 0, 9 * DAY).expect("fits");
        let spans: Vec<(i64, i64)> = w
            .fitting
            .iter()
            .map(|s| (s.train_start / DAY, s.train_end / DAY))
            .collect();
        assert_eq!(spans, [(0, 4), (0, 6)]);
        let (span, why) = w.not_fitting.expect("the third does not fit");
        assert_eq!((span.test_start / DAY, span.test_end / DAY), (8, 10));
        assert!(why.contains("(1d 00h 00m short)"), "{why}");
    }

    #[test]
    fn data_shorter_than_one_window_is_an_error_that_says_so() {
        let err = format!(
            "{:#}",
            lay_out(layout(8, 3, false), 0, 10 * DAY).expect_err("short")
        );
        assert!(err.contains("--train 8d plus --test 3d"), "{err}");
        assert!(err.contains("(10d 00h 00m)"), "{err}");
    }
}
