//! Cells of the run folder's largest CSV (`equity.csv`, a row per bar: 525,600 rows a year)
//! written without the formatter, byte for byte what `format!` writes: the timestamp as
//! `TimestampMs`'s `Display` and the equity as `{:.8}`.
//! Must never live here: choosing columns or files (`run_tables.rs`).

use pipeline::TimestampMs;

/// Writes timestamps as `{t}` (ISO 8601 with milliseconds), working the date out once per day
/// (a day of 1m bars is 1,440 rows).
#[derive(Debug, Clone)]
pub struct TimeText {
    day: Option<i64>,
    text: [u8; 24],
}

impl Default for TimeText {
    fn default() -> Self {
        TimeText {
            day: None,
            text: *b"0000-00-00T00:00:00.000Z",
        }
    }
}

impl TimeText {
    /// Appends `{t}` to `out`.
    pub fn push(&mut self, out: &mut Vec<u8>, t: TimestampMs) {
        let day = t.day_index();
        if self.day != Some(day) {
            if t.write_iso(&mut self.text).is_none() {
                self.day = None;
                out.extend_from_slice(t.to_string().as_bytes());
                return;
            }
            self.day = Some(day);
        } else {
            t.write_iso_time_of_day(&mut self.text);
        }
        out.extend_from_slice(&self.text);
    }
}

/// Appends `format!("{x:.8}")` to `out`: the exact binary value rounded to 8 decimals, ties
/// to even, a `-` for any negative value (also `-0.0`, and values that round to zero).
pub fn push_fixed8(out: &mut Vec<u8>, x: f64) {
    match fixed8_units(x) {
        Some(units) => {
            if x.is_sign_negative() {
                out.push(b'-');
            }
            push_u64(out, units / 100_000_000);
            out.push(b'.');
            let frac = units % 100_000_000;
            let mut digits = [b'0'; 8];
            let mut v = frac;
            for d in digits.iter_mut().rev() {
                *d = b'0' + (v % 10) as u8;
                v /= 10;
            }
            out.extend_from_slice(&digits);
        }
        None => out.extend_from_slice(format!("{x:.8}").as_bytes()),
    }
}

/// `|x| * 10^8` rounded half to even, exactly, for finite `|x| < 10^10`; `None` otherwise.
fn fixed8_units(x: f64) -> Option<u64> {
    if !x.is_finite() || x.abs() >= 1e10 {
        return None;
    }
    let bits = x.abs().to_bits();
    let exp_field = i32::try_from(bits >> 52).ok()?;
    let frac = bits & ((1u64 << 52) - 1);
    // |x| = m * 2^e exactly.
    let (m, e) = if exp_field == 0 {
        (frac, -1074)
    } else {
        (frac | (1u64 << 52), exp_field - 1075)
    };
    let product = u128::from(m) * 100_000_000;
    if e >= 0 {
        // |x| < 10^10, so the product shifted stays below 10^18.
        return u64::try_from(product << e).ok();
    }
    let shift = e.unsigned_abs();
    if shift >= 128 {
        return Some(0); // below half a unit of the 8th decimal
    }
    let q = product >> shift;
    let rem = product - (q << shift);
    let half = 1u128 << (shift - 1);
    let up = rem > half || (rem == half && q & 1 == 1);
    u64::try_from(q + u128::from(up)).ok()
}

fn push_u64(out: &mut Vec<u8>, v: u64) {
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    let mut v = v;
    loop {
        at -= 1;
        digits[at] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    out.extend_from_slice(&digits[at..]);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixed8(x: f64) -> String {
        let mut out = Vec::new();
        push_fixed8(&mut out, x);
        String::from_utf8(out).expect("ascii")
    }

    #[test]
    fn ties_signs_zeros_and_the_fallback() {
        for x in [
            0.0,
            -0.0,
            1e-9,
            -1e-9,
            5e-9,
            0.125,
            10_000.001_953_125, // a tie at the 9th decimal: to even
            10_000.005_859_375, // a tie rounding up to even
            9_999.999_999_999,
            123_456.789,
            f64::MIN_POSITIVE,
            5e-324,
            9_999_999_999.999,
            1e10,
            -3.5e12,
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
        ] {
            assert_eq!(fixed8(x), format!("{x:.8}"), "{x:e}");
        }
    }

    #[test]
    fn times_as_display_across_days_and_out_of_range_years() {
        let mut text = TimeText::default();
        let start = 1_735_689_600_000 - 3 * 60_000;
        let mut times: Vec<i64> = (0..3_000).map(|k| start + k * 60_000 + k % 7).collect();
        times.extend((0..5).map(|k| -1_000 + k * 400));
        times.extend([
            253_402_300_799_999,
            253_402_300_800_000,
            0,
            1_767_225_599_999,
        ]);
        for ms in times {
            let mut out = Vec::new();
            text.push(&mut out, TimestampMs(ms));
            assert_eq!(
                String::from_utf8(out).expect("ascii"),
                TimestampMs(ms).to_string()
            );
        }
    }

    proptest::proptest! {
        /// Any finite value, around the equity curve's magnitudes and by raw bits.
        #[test]
        fn matches_the_formatter(
            x in -2e10f64..2e10,
            small in -1e-6f64..1e-6,
            bits in proptest::num::u64::ANY,
            k in 0u64..1_000_000_000_000u64,
        ) {
            let raw = f64::from_bits(bits);
            // Multiples of 1/512 with an odd numerator are ties at the 9th decimal.
            let tie = (2 * k + 1) as f64 / 512.0;
            for v in [x, small, raw, tie, -tie] {
                proptest::prop_assert_eq!(fixed8(v), format!("{v:.8}"));
            }
        }
    }
}
