//! Checked decimal arithmetic for sizing: rounding onto a step or tick grid without the
//! panics `Decimal`'s operators have on overflow (a recorded intent may carry any number).
//! Must never live here: policy (which direction to round is the caller's decision).

use rust_decimal::Decimal;

/// `value` floored onto multiples of `inc` (`inc` <= 0: `value` unchanged).
pub(crate) fn floor_to(value: Decimal, inc: Decimal) -> Option<Decimal> {
    grid(value, inc, Decimal::floor)
}

/// `value` ceiled onto multiples of `inc` (`inc` <= 0: `value` unchanged).
pub(crate) fn ceil_to(value: Decimal, inc: Decimal) -> Option<Decimal> {
    grid(value, inc, Decimal::ceil)
}

fn grid(value: Decimal, inc: Decimal, f: fn(&Decimal) -> Decimal) -> Option<Decimal> {
    if inc <= Decimal::ZERO {
        return Some(value);
    }
    let units = f(&value.checked_div(inc)?);
    let mut out = units.checked_mul(inc)?.normalize();
    if out.scale() < inc.scale() {
        out.rescale(inc.scale());
    }
    Some(out)
}

/// `a * b / c`, checked (`None` on overflow or `c == 0`).
pub(crate) fn mul_div(a: Decimal, b: Decimal, c: Decimal) -> Option<Decimal> {
    a.checked_mul(b)?.checked_div(c)
}

/// A decimal as people write it: no trailing zeros.
pub(crate) fn plain(d: Decimal) -> String {
    d.normalize().to_string()
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
    }
}
