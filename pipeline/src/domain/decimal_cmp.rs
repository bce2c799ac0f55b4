//! Exact `Decimal` comparisons for the order path, on the integer mantissas.
//!
//! `Decimal`'s own `Ord` is a call that, for two scales (a quantity of scale 3 against a
//! filter's `1000`), rescales in a loop; the order check, the executor and the simulated
//! exchange compare a few dozen values per order. Here two values of one scale compare their
//! mantissas, two of different scales widen the smaller scale's mantissa by a power of ten in
//! `i128` (exact: an overflow falls back to `Decimal`'s own comparison). The answers are
//! `Decimal`'s, including `min`/`max` on equal values of different scales (property-tested).
//! Must never live here: rounding or arithmetic (see `money.rs`).

use std::cmp::Ordering;

use rust_decimal::Decimal;

/// 10^k for every scale a `Decimal` can have (0..=28); also the grid rounding's scale factors.
pub(crate) const POW10: [i128; 29] = {
    let mut t = [1i128; 29];
    let mut k = 1;
    while k < 29 {
        t[k] = t[k - 1] * 10;
        k += 1;
    }
    t
};

/// 10^k for the scales an `i64` mantissa can be widened by (0..=18): the order check's
/// integer filters and its grid test.
pub(crate) const POW10_I64: [i64; 19] = {
    let mut t = [1i64; 19];
    let mut k = 1;
    while k < 19 {
        t[k] = t[k - 1] * 10;
        k += 1;
    }
    t
};

/// `a.cmp(&b)`.
#[inline]
pub fn cmp(a: Decimal, b: Decimal) -> Ordering {
    let (sa, sb) = (a.scale(), b.scale());
    let (ma, mb) = (a.mantissa(), b.mantissa());
    if sa == sb {
        return ma.cmp(&mb);
    }
    let widened = if sa < sb {
        ma.checked_mul(POW10[(sb - sa) as usize])
            .map(|w| w.cmp(&mb))
    } else {
        mb.checked_mul(POW10[(sa - sb) as usize])
            .map(|w| ma.cmp(&w))
    };
    widened.unwrap_or_else(|| a.cmp(&b))
}

/// `a < b`.
#[inline]
pub fn lt(a: Decimal, b: Decimal) -> bool {
    cmp(a, b) == Ordering::Less
}

/// `a <= b`.
#[inline]
pub fn le(a: Decimal, b: Decimal) -> bool {
    cmp(a, b) != Ordering::Greater
}

/// `a > b`.
#[inline]
pub fn gt(a: Decimal, b: Decimal) -> bool {
    cmp(a, b) == Ordering::Greater
}

/// `a >= b`.
#[inline]
pub fn ge(a: Decimal, b: Decimal) -> bool {
    cmp(a, b) != Ordering::Less
}

/// `a.min(b)`: `a` unless `b` is smaller (so of two equal values, `a` with its scale).
#[inline]
pub fn min(a: Decimal, b: Decimal) -> Decimal {
    if gt(a, b) { b } else { a }
}

/// `a.max(b)`: `a` unless `b` is larger (so of two equal values, `a` with its scale).
#[inline]
pub fn max(a: Decimal, b: Decimal) -> Decimal {
    if lt(a, b) { b } else { a }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn scales_signs_zeros_and_extremes() {
        assert_eq!(cmp(dec!(0.001), dec!(1000)), Ordering::Less);
        assert_eq!(cmp(dec!(1.50), dec!(1.5)), Ordering::Equal);
        assert_eq!(cmp(dec!(-0.0), dec!(0)), Ordering::Equal);
        assert_eq!(cmp(dec!(-2), dec!(-1.99)), Ordering::Less);
        assert_eq!(
            cmp(Decimal::MAX, dec!(0.0000000000000000000000000001)),
            Ordering::Greater
        );
        assert_eq!(cmp(Decimal::MIN, Decimal::MAX), Ordering::Less);
        // Equal values of two scales: min and max keep the first, as Decimal's do.
        assert_eq!(min(dec!(1.0), dec!(1.00)).scale(), 1);
        assert_eq!(max(dec!(1.00), dec!(1.0)).scale(), 2);
    }

    proptest::proptest! {
        /// Every comparison equals Decimal's, over mantissas up to 96 bits and every scale.
        #[test]
        fn matches_decimal(
            a in proptest::num::i128::ANY, sa in 0u32..=28,
            b in proptest::num::i128::ANY, sb in 0u32..=28, small in proptest::bool::ANY,
        ) {
            let bits = if small { 40 } else { 96 };
            let fit = |m: i128| m % (1i128 << bits);
            let x = Decimal::from_i128_with_scale(fit(a), sa);
            let y = Decimal::from_i128_with_scale(fit(b), sb);
            proptest::prop_assert_eq!(cmp(x, y), x.cmp(&y));
            proptest::prop_assert_eq!(lt(x, y), x < y);
            proptest::prop_assert_eq!(le(x, y), x <= y);
            proptest::prop_assert_eq!(gt(x, y), x > y);
            proptest::prop_assert_eq!(ge(x, y), x >= y);
            let (lo, hi) = (min(x, y), max(x, y));
            proptest::prop_assert_eq!((lo.mantissa(), lo.scale()), (x.min(y).mantissa(), x.min(y).scale()));
            proptest::prop_assert_eq!((hi.mantissa(), hi.scale()), (x.max(y).mantissa(), x.max(y).scale()));
        }

        /// One value at two scales, and its neighbours one unit of the finer scale away.
        #[test]
        fn equal_values_of_two_scales(m in -1_000_000_000_000i64..1_000_000_000_000, s in 0u32..=12, k in 1u32..=12, d in -1i128..=1) {
            let x = Decimal::new(m, s);
            let y = Decimal::from_i128_with_scale(i128::from(m) * 10i128.pow(k) + d, s + k);
            proptest::prop_assert_eq!(cmp(x, y), x.cmp(&y));
            proptest::prop_assert_eq!(cmp(y, x), y.cmp(&x));
            proptest::prop_assert_eq!(min(x, y).scale(), x.min(y).scale());
            proptest::prop_assert_eq!(max(y, x).scale(), y.max(x).scale());
        }
    }
}
