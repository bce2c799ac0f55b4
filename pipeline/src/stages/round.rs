//! Checked decimal arithmetic for sizing: rounding onto a step or tick grid without the
//! panics `Decimal`'s operators have on overflow (a recorded intent may carry any number).
//! Must never live here: policy (which direction to round is the caller's decision).

use rust_decimal::Decimal;

use crate::domain::{Rounding, rounded_to_grid};

// A decimal as people write it (no trailing zeros), under the short name the stages use.
pub(crate) use crate::domain::decimal_text::plain_text as plain;

/// `value` floored onto multiples of `inc` (`inc` <= 0: `value` unchanged).
pub(crate) fn floor_to(value: Decimal, inc: Decimal) -> Option<Decimal> {
    grid(value, inc, Rounding::Floor)
}

/// `value` ceiled onto multiples of `inc` (`inc` <= 0: `value` unchanged).
pub(crate) fn ceil_to(value: Decimal, inc: Decimal) -> Option<Decimal> {
    grid(value, inc, Rounding::Ceil)
}

fn grid(value: Decimal, inc: Decimal, rounding: Rounding) -> Option<Decimal> {
    if inc <= Decimal::ZERO {
        return Some(value);
    }
    rounded_to_grid(value, inc, rounding)
}

/// `a * b / c`, checked (`None` on overflow or `c == 0`).
pub(crate) fn mul_div(a: Decimal, b: Decimal, c: Decimal) -> Option<Decimal> {
    a.checked_mul(b)?.checked_div(c)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn grid_rounding_is_checked() {
        assert_eq!(floor_to(dec!(0.0084507), dec!(0.001)), Some(dec!(0.008)));
        assert_eq!(ceil_to(dec!(0.00141), dec!(0.001)), Some(dec!(0.002)));
        assert_eq!(
            floor_to(dec!(71000.37), dec!(0.10)).map(|d| d.to_string()),
            Some("71000.30".into())
        );
        assert_eq!(floor_to(dec!(5), dec!(0)), Some(dec!(5)));
        assert_eq!(floor_to(Decimal::MAX, dec!(0.00000001)), None);
        assert_eq!(mul_div(dec!(300), dec!(2), dec!(0)), None);
        assert_eq!(plain(dec!(100.00)), "100");
        // The exact path keeps the grid's scale, as the Decimal path does.
        assert_eq!(
            floor_to(dec!(71000.30), dec!(0.10)).map(|d| d.to_string()),
            Some("71000.30".into())
        );
        assert_eq!(
            ceil_to(dec!(0), dec!(0.01)).map(|d| d.to_string()),
            Some("0.00".into())
        );
    }

    proptest::proptest! {
        /// The exact path and Decimal's checked arithmetic agree, scale included, wherever the
        /// Decimal quotient is exact (prices of up to 10 digits, Binance-like grids).
        #[test]
        fn exact_grid_matches_decimal(
            m in -10_000_000_000i64..10_000_000_000, s in 0u32..8, k in 0usize..6,
            inc_s in 0u32..8, up: bool,
        ) {
            let inc = Decimal::new([1i64, 2, 5, 10, 25, 50][k], inc_s);
            let value = Decimal::new(m, s);
            let q = value / inc;
            let units = if up { q.ceil() } else { q.floor() };
            let mut want = (units * inc).normalize();
            if want.scale() < inc.scale() {
                want.rescale(inc.scale());
            }
            let got = if up { ceil_to(value, inc) } else { floor_to(value, inc) };
            let got = got.expect("fits");
            proptest::prop_assert_eq!(got, want);
            proptest::prop_assert_eq!(got.to_string(), want.to_string());
        }
    }
}
