//! `Decimal`'s text without the formatter: the very string `Display` (and `rust_decimal`'s serde)
//! gives, for the journals, which write several numbers per record; and [`plain_text`], the one
//! way every crate writes a decimal for Binance or for people (no trailing zeros).
//!
//! `Display` goes through `fmt::Formatter` and divides a 96-bit mantissa by ten per digit; a
//! year's journals format millions of prices and quantities. Here the digits come from at most
//! two `u64`s and the point is placed by the scale. Property-tested against `Display`.
//! Must never live here: parsing (see `money.rs`), rounding.

use rust_decimal::Decimal;

/// Text of a `Decimal`: sign, up to 29 digits, a point, a leading zero.
pub struct DecimalText {
    buf: [u8; 40],
    len: usize,
}

impl std::fmt::Debug for DecimalText {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl DecimalText {
    pub fn as_str(&self) -> &str {
        // Only ASCII digits, '-', '0' and '.' are ever written.
        std::str::from_utf8(&self.buf[..self.len]).unwrap_or("")
    }
}

/// Writes the decimal digits of `v` (none for 0) into the end of `out`; returns how many.
fn digits_u64(mut v: u64, out: &mut [u8]) -> usize {
    let mut n = 0;
    while v > 0 {
        n += 1;
        out[out.len() - n] = b'0' + (v % 10) as u8;
        v /= 10;
    }
    n
}

/// `d` as `d.to_string()` writes it.
pub fn decimal_text(d: Decimal) -> DecimalText {
    const TEN_POW_19: u128 = 10_000_000_000_000_000_000;
    let m = d.mantissa().unsigned_abs();
    let scale = d.scale() as usize;
    // The digits of the mantissa, right-aligned in `digits[..]` (at most 29 of them).
    let mut digits = [b'0'; 40];
    let n = if m <= u128::from(u64::MAX) {
        digits_u64(m as u64, &mut digits)
    } else {
        // Below 2^96: the high part has at most 10 digits, the low part exactly 19.
        let (high, low) = ((m / TEN_POW_19) as u64, (m % TEN_POW_19) as u64);
        // The low part's leading zeros are already there: the buffer starts as '0's.
        digits_u64(low, &mut digits);
        19 + digits_u64(high, &mut digits[..40 - 19])
    };
    // Padded with leading zeros to at least `scale` digits, as Decimal does.
    let len = n.max(scale);
    let all = &digits[40 - len..];
    let whole = len - scale;
    let mut out = DecimalText {
        buf: [0; 40],
        len: 0,
    };
    let mut push = |bytes: &[u8]| {
        out.buf[out.len..out.len + bytes.len()].copy_from_slice(bytes);
        out.len += bytes.len();
    };
    if d.is_sign_negative() {
        push(b"-");
    }
    if whole == 0 {
        push(b"0");
    } else {
        push(&all[..whole]);
    }
    if scale > 0 {
        push(b".");
        push(&all[whole..]);
    }
    out
}

/// `d` as Binance writes numbers and as people read them: no exponent, no trailing zeros and
/// no negative zero ("100", not "100.00"; "0.01"; "-0.5"); the text of `d.normalize()`.
/// Used for Binance's parameters, answers and messages, and for the reports' figures; a
/// caller that prints at most some decimals rounds first (`plain_text(d.round_dp(8))`).
pub fn plain_text(d: Decimal) -> String {
    decimal_text(d.normalize()).as_str().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_values() {
        for (d, want) in [
            (Decimal::new(706105, 1), "70610.5"),
            (Decimal::new(10, 3), "0.010"),
            (Decimal::new(0, 0), "0"),
            (Decimal::new(0, 3), "0.000"),
            (Decimal::new(-5, 2), "-0.05"),
            (Decimal::MAX, "79228162514264337593543950335"),
            (Decimal::MIN, "-79228162514264337593543950335"),
            (
                Decimal::from_i128_with_scale(1, 28),
                "0.0000000000000000000000000001",
            ),
        ] {
            assert_eq!(decimal_text(d).as_str(), want);
            assert_eq!(d.to_string(), want);
        }
        let negative_zero = -Decimal::new(0, 2);
        assert_eq!(
            decimal_text(negative_zero).as_str(),
            negative_zero.to_string()
        );
    }

    #[test]
    fn plain_text_drops_trailing_zeros_and_the_sign_of_zero() {
        for (d, want) in [
            (Decimal::new(10000, 2), "100"),
            (Decimal::new(10, 3), "0.01"),
            (Decimal::new(-50, 2), "-0.5"),
            (-Decimal::new(0, 2), "0"),
            (Decimal::new(7061050, 2), "70610.5"),
        ] {
            assert_eq!(plain_text(d), want);
        }
    }

    proptest::proptest! {
        /// The same text as Display, over every scale and mantissas up to 96 bits.
        #[test]
        fn matches_display(m in proptest::num::i128::ANY, scale in 0u32..=28, small in proptest::bool::ANY) {
            let bits = if small { 40 } else { 96 };
            let d = Decimal::from_i128_with_scale(m % (1i128 << bits), scale);
            let text = decimal_text(d);
            proptest::prop_assert_eq!(text.as_str(), d.to_string());
            proptest::prop_assert_eq!(plain_text(d), d.normalize().to_string());
        }
    }
}
