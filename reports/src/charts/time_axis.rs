//! Calendar-aligned ticks for a UTC time axis (whole hours, days, Mondays, the 1st and 16th of
//! a month, months, quarters, years) and their labels.
//! Must never live here: drawing; a chart passes these ticks to plotters' mesh.

use pipeline::TimestampMs;
use pipeline::domain::time::{DAY_MS, HOUR_MS, MINUTE_MS, days_from_civil};

/// Steps below a month, in ms, with the offset that aligns them (Mondays for weeks).
const FIXED: [(i64, i64); 11] = [
    (MINUTE_MS, 0),
    (5 * MINUTE_MS, 0),
    (15 * MINUTE_MS, 0),
    (30 * MINUTE_MS, 0),
    (HOUR_MS, 0),
    (3 * HOUR_MS, 0),
    (6 * HOUR_MS, 0),
    (12 * HOUR_MS, 0),
    (DAY_MS, 0),
    (2 * DAY_MS, 0),
    // 1970-01-05 was a Monday.
    (7 * DAY_MS, 4 * DAY_MS),
];

fn month_start(y: i32, m: u32) -> i64 {
    days_from_civil(y, m, 1) * DAY_MS
}

/// Month starts (and, with `half`, 16ths) every `months` months within [from, to].
fn monthly(from: i64, to: i64, months: u32, half: bool) -> Vec<i64> {
    let (mut y, mut m, ..) = TimestampMs(from).to_utc_parts();
    m = (m - 1) / months * months + 1;
    let mut out = Vec::new();
    loop {
        let start = month_start(y, m);
        if start > to {
            break;
        }
        for t in [Some(start), half.then(|| start + 15 * DAY_MS)]
            .into_iter()
            .flatten()
        {
            if (from..=to).contains(&t) {
                out.push(t);
            }
        }
        m += months;
        if m > 12 {
            y += 1;
            m -= 12;
        }
    }
    out
}

/// At most `max` ticks within [from, to], on the finest calendar step that fits.
pub fn ticks(from: i64, to: i64, max: usize) -> Vec<i64> {
    if to <= from || max == 0 {
        return vec![from];
    }
    let span = to - from;
    for (step, offset) in FIXED {
        if span / step < max as i64 {
            let first = (from - offset).div_euclid(step) * step + offset;
            let first = if first < from { first + step } else { first };
            return (0..)
                .map(|i| first + i * step)
                .take_while(|t| *t <= to)
                .collect();
        }
    }
    for (months, half) in [(1, true), (1, false), (3, false), (6, false), (12, false)] {
        let t = monthly(from, to, months, half);
        if t.len() <= max {
            return t;
        }
    }
    let years = (span / (365 * DAY_MS)) as u32 / max as u32 + 1;
    monthly(from, to, 12 * years, false)
}

/// A tick's label: the date when the axis spans more than three days, else day and time.
pub fn label(t: i64, span_ms: i64) -> String {
    let (y, mo, d, h, mi, ..) = TimestampMs(t).to_utc_parts();
    if span_ms > 3 * DAY_MS {
        format!("{y:04}-{mo:02}-{d:02}")
    } else {
        format!("{mo:02}-{d:02} {h:02}:{mi:02}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(y: i32, m: u32, d: u32) -> i64 {
        TimestampMs::from_utc(y, m, d, 0, 0, 0).as_ms()
    }

    #[test]
    fn a_quarter_gets_the_1st_and_16th_of_each_month() {
        let t = ticks(at(2026, 1, 1), at(2026, 3, 31) + DAY_MS - 1, 8);
        let labels: Vec<String> = t.iter().map(|x| label(*x, 90 * DAY_MS)).collect();
        assert_eq!(
            labels,
            [
                "2026-01-01",
                "2026-01-16",
                "2026-02-01",
                "2026-02-16",
                "2026-03-01",
                "2026-03-16"
            ]
        );
    }

    #[test]
    fn short_spans_use_whole_hours_and_weeks_start_on_monday() {
        let from = at(2026, 1, 1) + 10 * MINUTE_MS;
        let t = ticks(from, from + DAY_MS, 8);
        assert_eq!(t[0], at(2026, 1, 1) + 6 * HOUR_MS);
        assert!(t.len() <= 8 && t.len() >= 3);
        assert_eq!(label(t[0], DAY_MS), "01-01 06:00");
        let w = ticks(at(2026, 1, 1), at(2026, 2, 20), 8);
        // 2026-01-05 is a Monday.
        assert_eq!(w[0], at(2026, 1, 5));
        assert!(w.windows(2).all(|p| p[1] - p[0] == 7 * DAY_MS));
    }

    #[test]
    fn years_of_data_get_quarters_or_years() {
        let t = ticks(at(2020, 1, 1), at(2025, 12, 31), 8);
        assert!(t.len() <= 8, "{}", t.len());
        assert!(t.iter().all(|x| TimestampMs(*x).to_utc_parts().2 == 1));
    }
}
