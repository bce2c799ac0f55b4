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

/// 10^0 ..= 10^28 (Decimal's largest scale): exact up to 10^22, within an ulp or two beyond.
const POW10: [f64; 29] = {
    let mut t = [1.0; 29];
    let mut k = 1;
    while k < 29 {
        t[k] = t[k - 1] * 10.0;
        k += 1;
    }
    t
};

/// `d` as an `f64` within a few units in the last place (not always the nearest): for levels
/// that only pre-select bars, where the exact `Decimal` comparison makes the decision.
pub fn approx_f64(d: Decimal) -> f64 {
    let m = d.mantissa();
    let m = match i64::try_from(m) {
        Ok(small) => small as f64,
        Err(_) => m as f64,
    };
    m / POW10[(d.scale() as usize).min(28)]
}

/// `mantissa / 10^scale` when both are exact in f64 (then IEEE division rounds correctly).
fn exact_quotient(d: Decimal) -> Option<f64> {
    let (m, s) = (d.mantissa(), d.scale());
    // Below 2^53 the mantissa is an exact i64 (one instruction to f64, where an i128 takes a
    // library call), and 10^s is exact in the table.
    (m.unsigned_abs() < (1u128 << 53) && s <= 22).then(|| m as i64 as f64 / POW10[s as usize])
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
        assert_eq!(approx_f64(dec!(0.1)), 0.1);
        assert_eq!(approx_f64(dec!(-70610.5)), -70610.5);
        let long = dec!(63266.331658291457286432160804);
        assert!((approx_f64(long) / 63266.331658291457 - 1.0).abs() < 1e-15);
    }

    proptest! {
        #[test]
        fn round_trips_like_text(m in 1i64..999_999_999_999_999i64, s in 0u32..12) {
            let d = Decimal::new(m, s);
            let text: f64 = d.to_string().parse().expect("f64");
            prop_assert_eq!(level_f64(d), text);
            prop_assert!((approx_f64(d) / text - 1.0).abs() < 1e-15);
            prop_assume!(d.normalize().mantissa().unsigned_abs() < 1_000_000_000_000_000);
            prop_assert_eq!(bar_decimal(text), Some(d.normalize()));
        }
    }
}
