//! Exact conversions between bar `f64`s and `Decimal`s, fast enough for the fill path.
//!
//! A bar price is an `f64` made from a decimal of at most 15 significant digits (see
//! `pipeline::domain::kline`). [`bar_decimal`] recovers that decimal with integer arithmetic
//! (no text formatting) whenever it has at most 8 decimals and is below 10^7, and falls back to
//! the shortest round-trip text otherwise. [`level_f64`] turns an order's decimal price into
//! the nearest `f64` (correctly rounded), so comparing it with a bar's `f64` decides exactly
//! what comparing the two decimals would.
//! Must never live here: arithmetic on money in `f64`.

use pipeline::Bar;
use rust_decimal::Decimal;

/// The decimal behind a bar's `f64` value (`None` when not finite or not representable).
pub fn bar_decimal(x: f64) -> Option<Decimal> {
    if !x.is_finite() {
        return None;
    }
    if let Some(d) = pipeline::domain::kline::eight_decimals(x) {
        return Some(d);
    }
    Bar::price(x.abs()).map(|p| if x < 0.0 { -p.get() } else { p.get() })
}

/// The `f64` nearest to `d` (correctly rounded).
pub fn level_f64(d: Decimal) -> f64 {
    if let Some(x) = exact_quotient(d) {
        return x;
    }
    // Trailing zeros (a scale inflated by multiplication) do not change the value.
    if let Some(x) = exact_quotient(d.normalize()) {
        return x;
    }
    d.to_string().parse::<f64>().unwrap_or(f64::NAN)
}

/// `mantissa / 10^scale` when both are exact in f64 (then IEEE division rounds correctly).
fn exact_quotient(d: Decimal) -> Option<f64> {
    let (m, s) = (d.mantissa(), d.scale());
    (m.unsigned_abs() < (1u128 << 53) && s <= 22).then(|| m as f64 / 10f64.powi(s as i32))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rust_decimal_macros::dec;

    #[test]
    fn known_values() {
        assert_eq!(bar_decimal(70610.5), Some(dec!(70610.5)));
        assert_eq!(bar_decimal(0.1), Some(dec!(0.1)));
        assert_eq!(bar_decimal(0.00001234), Some(dec!(0.00001234)));
        assert_eq!(bar_decimal(0.000012345678), Some(dec!(0.000012345678)));
        assert_eq!(bar_decimal(4529764.0), Some(dec!(4529764)));
        assert_eq!(bar_decimal(123456789.25), Some(dec!(123456789.25)));
        assert_eq!(bar_decimal(f64::NAN), None);
        assert_eq!(level_f64(dec!(70610.50)), 70610.5);
        assert_eq!(level_f64(dec!(0.1)), 0.1);
    }

    proptest! {
        #[test]
        fn round_trips_like_text(m in 1i64..999_999_999_999_999i64, s in 0u32..12) {
            let d = Decimal::new(m, s);
            let text: f64 = d.to_string().parse().expect("f64");
            prop_assert_eq!(level_f64(d), text);
            prop_assume!(d.normalize().mantissa().unsigned_abs() < 1_000_000_000_000_000);
            prop_assert_eq!(bar_decimal(text), Some(d.normalize()));
        }
    }
}
