//! `Price`, `Qty` and `Notional`: exact decimal newtypes for everything on the order path.
//!
//! Invariants: a `Price` is always > 0, a `Qty` and a `Notional` always >= 0. The only ways to
//! build one are the checked constructors, so a negative price cannot reach a filter or a venue.
//! Values cross JSON as strings (as Binance sends them) and are read from strings or numbers.
//! Must never live here: `f64` arithmetic. Indicators may use `f64`; money never does.

use std::fmt;
use std::str::FromStr;

use rust_decimal::{Decimal, RoundingStrategy};

use super::decimal_cmp;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Why a value could not become a money type.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    #[error("{kind} must be {rule}, got {value}")]
    OutOfRange {
        kind: &'static str,
        rule: &'static str,
        value: Decimal,
    },
    #[error("{kind} '{text}' is not a decimal number")]
    NotANumber { kind: &'static str, text: String },
    #[error("a rounding increment must be > 0, got {0}")]
    BadIncrement(Decimal),
}

/// How to round a value onto a grid of increments (a tick or a step).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rounding {
    /// Towards zero / down: never more than asked (quantities, buy prices).
    Floor,
    /// Up: never less than asked (minimum notional upsizing).
    Ceil,
    /// To the nearest increment, halves away from zero.
    Nearest,
}

/// `value / increment` rounded to a whole number as `rounding` says, exactly, on the integer
/// mantissas: no `Decimal` division (the costliest operation on the order path), and no
/// rounding of the quotient to 28 digits before it is rounded to a whole number. `None` when
/// `increment` is not positive or the mantissas do not fit an `i128` at one scale.
pub fn increments_in(value: Decimal, increment: Decimal, rounding: Rounding) -> Option<i128> {
    if decimal_cmp::le(increment, Decimal::ZERO) {
        return None;
    }
    // value / increment = (mv * 10^si) / (mi * 10^sv), with a positive denominator.
    let num = value
        .mantissa()
        .checked_mul(*decimal_cmp::POW10.get(increment.scale() as usize)?)?;
    let den = increment
        .mantissa()
        .checked_mul(*decimal_cmp::POW10.get(value.scale() as usize)?)?;
    // One hardware division when both fit an `i64` (the usual order: a price or quantity of a
    // few digits); `i128` division is a library call, several times slower.
    let (floor, rem) = match (i64::try_from(num), i64::try_from(den)) {
        (Ok(n), Ok(d)) => (i128::from(n.div_euclid(d)), i128::from(n.rem_euclid(d))),
        _ => (num.div_euclid(den), num.rem_euclid(den)),
    };
    let up = match rounding {
        Rounding::Floor => false,
        Rounding::Ceil => rem != 0,
        // Halves away from zero: up for a positive quotient, down (floor) for a negative one.
        Rounding::Nearest => {
            let twice = rem.checked_mul(2)?;
            twice > den || (twice == den && num > 0)
        }
    };
    Some(if up { floor + 1 } else { floor })
}

/// Rounds `value` onto multiples of `increment`. `increment` must be positive.
pub fn round_to_increment(
    value: Decimal,
    increment: Decimal,
    rounding: Rounding,
) -> Result<Decimal, MoneyError> {
    if decimal_cmp::le(increment, Decimal::ZERO) {
        return Err(MoneyError::BadIncrement(increment));
    }
    rounded_to_grid(value, increment, rounding).ok_or(MoneyError::OutOfRange {
        kind: "value rounded to the increment",
        rule: "within Decimal's range",
        value,
    })
}

/// `m / 10^scale`, or `None` when `m` needs more than 96 bits or `scale > 28` (what
/// `Decimal::try_from_i128_with_scale` answers). Built in place from its parts: the `Decimal`
/// constructors are calls that hand the value back through memory, read back at once in wider
/// pieces than it was written, which stalls the processor on the order path's hot conversions.
#[inline]
pub fn decimal_of(m: i128, scale: u32) -> Option<Decimal> {
    let u = m.unsigned_abs();
    if scale > 28 || u >> 96 != 0 {
        return None;
    }
    // The three 32-bit words of a 96-bit mantissa (the truncations are the point).
    let (lo, mid, hi) = (u as u32, (u >> 32) as u32, (u >> 64) as u32);
    Some(Decimal::from_parts(lo, mid, hi, m < 0, scale))
}

/// `a * b`, exactly what `Decimal`'s operator gives (value, scale and sign), built in place
/// when both mantissas fit 64 bits and the product fits 96 bits at a scale of 28 or less (an
/// order's quantity times a price); the operator otherwise. The operator is a call returning
/// through memory (see [`decimal_of`]).
#[inline]
pub fn decimal_mul(a: Decimal, b: Decimal) -> Decimal {
    let (ua, ub) = (a.mantissa().unsigned_abs(), b.mantissa().unsigned_abs());
    let scale = a.scale() + b.scale();
    if ua != 0 && ub != 0 && ua >> 64 == 0 && ub >> 64 == 0 && scale <= 28 {
        let p = ua * ub;
        if p >> 96 == 0 {
            let (lo, mid, hi) = (p as u32, (p >> 32) as u32, (p >> 64) as u32);
            let negative = a.is_sign_negative() != b.is_sign_negative();
            return Decimal::from_parts(lo, mid, hi, negative, scale);
        }
    }
    a * b
}

/// `d.normalize()` (no trailing zeros), without the call when `d` has none to drop: bar
/// prices and most quantities, so the usual case is one remainder.
#[inline]
pub fn normalized(d: Decimal) -> Decimal {
    if d.scale() == 0 || d.mantissa() % 10 != 0 {
        d
    } else {
        d.normalize()
    }
}

/// `value` rounded onto multiples of `increment` as `rounding` says, keeping at least
/// `increment`'s decimals (0.010 stays 0.010 on a 0.001 grid). Exact on the integer mantissas
/// when they fit ([`increments_in`], no `Decimal` division), with `Decimal`'s checked
/// arithmetic otherwise. `None` when `increment` is not positive or the result overflows.
pub fn rounded_to_grid(value: Decimal, increment: Decimal, rounding: Rounding) -> Option<Decimal> {
    if decimal_cmp::le(increment, Decimal::ZERO) {
        return None;
    }
    let exact = increments_in(value, increment, rounding)
        .and_then(|units| units.checked_mul(increment.mantissa()))
        .and_then(|m| decimal_of(m, increment.scale()));
    if exact.is_some() {
        return exact;
    }
    let whole = round_whole(value.checked_div(increment)?, rounding);
    Some(
        whole
            .checked_mul(increment)?
            .normalize_to(increment.scale()),
    )
}

/// `q` rounded to a whole number as `rounding` says.
fn round_whole(q: Decimal, rounding: Rounding) -> Decimal {
    match rounding {
        Rounding::Floor => q.floor(),
        Rounding::Ceil => q.ceil(),
        Rounding::Nearest => q.round_dp_with_strategy(0, RoundingStrategy::MidpointAwayFromZero),
    }
}

trait NormalizeTo {
    fn normalize_to(self, scale: u32) -> Decimal;
}

impl NormalizeTo for Decimal {
    /// Drops trailing zeros but keeps at least `scale` decimals (so 0.010 stays 0.010 on a 0.001 grid).
    fn normalize_to(self, scale: u32) -> Decimal {
        let mut n = self.normalize();
        if n.scale() < scale {
            n.rescale(scale);
        }
        n
    }
}

macro_rules! money_type {
    ($(#[$doc:meta])* $name:ident, $kind:literal, $rule:literal, $ok:expr) => {
        $(#[$doc])*
        #[derive(Clone, Copy)]
        pub struct $name(Decimal);

        /// Decimal's hash, which equal values share whatever their scale (as the equality
        /// below requires).
        impl std::hash::Hash for $name {
            fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
                self.0.hash(state);
            }
        }

        /// Decimal's equality (1.0 == 1.00), on the mantissas.
        impl PartialEq for $name {
            #[inline]
            fn eq(&self, other: &Self) -> bool {
                decimal_cmp::cmp(self.0, other.0).is_eq()
            }
        }

        impl Eq for $name {}

        impl PartialOrd for $name {
            #[inline]
            fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
                Some(self.cmp(other))
            }
        }

        /// Decimal's order, on the mantissas.
        impl Ord for $name {
            #[inline]
            fn cmp(&self, other: &Self) -> std::cmp::Ordering {
                decimal_cmp::cmp(self.0, other.0)
            }
        }

        impl $name {
            /// Checked constructor. Inlined: a `Decimal` passed by reference right after it
            /// was built is read back in wider pieces than it was written, which stalls.
            #[inline]
            pub fn new(value: Decimal) -> Result<Self, MoneyError> {
                let ok: fn(Decimal) -> bool = $ok;
                if ok(value) {
                    Ok(Self(value))
                } else {
                    Err(MoneyError::OutOfRange { kind: $kind, rule: $rule, value })
                }
            }

            /// The exact decimal value.
            #[inline]
            pub fn get(self) -> Decimal {
                self.0
            }

            /// Rounds onto a grid of `increment` (tick or step), staying in range.
            pub fn round_to(self, increment: Decimal, rounding: Rounding) -> Result<Self, MoneyError> {
                Self::new(round_to_increment(self.0, increment, rounding)?)
            }

            /// Lossy view for indicators and charts; never for order decisions.
            pub fn to_f64(self) -> f64 {
                use rust_decimal::prelude::ToPrimitive;
                self.0.to_f64().unwrap_or(f64::NAN)
            }
        }

        impl FromStr for $name {
            type Err = MoneyError;
            fn from_str(text: &str) -> Result<Self, MoneyError> {
                let value = parse_decimal(text)
                    .ok_or_else(|| MoneyError::NotANumber { kind: $kind, text: text.to_string() })?;
                Self::new(value)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(&self.0, f)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({})", stringify!($name), self.0)
            }
        }

        /// The decimal's own text, as a JSON string (written without the formatter).
        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(super::decimal_text::decimal_text(self.0).as_str())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let value = decimal_from_str_or_number(d)?;
                Self::new(value).map_err(serde::de::Error::custom)
            }
        }
    };
}

money_type!(
    /// A price in the quote asset (USDT). Always > 0.
    Price, "price", "> 0", |d| decimal_cmp::gt(d, Decimal::ZERO)
);
money_type!(
    /// An order or position size in the base asset (BTC for BTCUSDT). Always >= 0; the side says the sign.
    Qty, "quantity", ">= 0", |d| decimal_cmp::ge(d, Decimal::ZERO)
);
money_type!(
    /// An absolute value in the quote asset: |price x qty|. Always >= 0.
    Notional, "notional", ">= 0", |d| decimal_cmp::ge(d, Decimal::ZERO)
);

impl Qty {
    pub const ZERO: Qty = Qty(Decimal::ZERO);

    #[inline]
    pub fn is_zero(self) -> bool {
        self.0.is_zero()
    }

    /// The notional of this quantity at `price`.
    #[inline]
    pub fn notional_at(self, price: Price) -> Notional {
        Notional(decimal_mul(self.0, price.0))
    }

    /// The number of decimals the value carries once trailing zeros are dropped.
    pub fn decimals(self) -> u32 {
        normalized(self.0).scale()
    }
}

impl Price {
    /// The number of decimals the value carries once trailing zeros are dropped.
    pub fn decimals(self) -> u32 {
        normalized(self.0).scale()
    }
}

impl Notional {
    pub const ZERO: Notional = Notional(Decimal::ZERO);
}

/// Parses a decimal the way Binance writes them ("0.00100000", "1e-3" is also accepted).
pub fn parse_decimal(text: &str) -> Option<Decimal> {
    let t = text.trim();
    Decimal::from_str(t)
        .ok()
        .or_else(|| Decimal::from_scientific(t).ok())
}

/// Deserializes a decimal from a JSON string ("0.10") or a JSON number (0.1).
pub fn decimal_from_str_or_number<'de, D: Deserializer<'de>>(d: D) -> Result<Decimal, D::Error> {
    struct V;
    impl serde::de::Visitor<'_> for V {
        type Value = Decimal;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a decimal number as a string or a number")
        }
        fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Decimal, E> {
            parse_decimal(v).ok_or_else(|| E::custom(format!("'{v}' is not a decimal number")))
        }
        fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Decimal, E> {
            Ok(Decimal::from(v))
        }
        fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Decimal, E> {
            Ok(Decimal::from(v))
        }
        fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Decimal, E> {
            // Through the shortest round-trip text, so 0.1 becomes exactly 0.1.
            parse_decimal(&v.to_string())
                .ok_or_else(|| E::custom(format!("{v} is not a finite decimal")))
        }
    }
    d.deserialize_any(V)
}

/// Serde helpers for plain `Decimal` fields that must cross JSON as strings.
pub mod decimal_str {
    use super::*;

    pub fn serialize<S: Serializer>(d: &Decimal, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(d)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Decimal, D::Error> {
        decimal_from_str_or_number(d)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn checked_constructors_refuse_out_of_range() {
        assert!(Price::new(dec!(0)).is_err());
        assert!(Price::new(dec!(-1)).is_err());
        assert!(Qty::new(dec!(-0.001)).is_err());
        assert_eq!(Qty::new(dec!(0)).map(Qty::is_zero), Ok(true));
        let err = "abc".parse::<Price>().expect_err("not a number");
        assert_eq!(err.to_string(), "price 'abc' is not a decimal number");
    }

    #[test]
    fn rounding_to_step_and_tick() {
        let q: Qty = "0.0087".parse().expect("qty");
        assert_eq!(
            q.round_to(dec!(0.001), Rounding::Floor)
                .expect("floor")
                .get(),
            dec!(0.008)
        );
        assert_eq!(
            q.round_to(dec!(0.001), Rounding::Ceil).expect("ceil").get(),
            dec!(0.009)
        );
        assert_eq!(
            q.round_to(dec!(0.001), Rounding::Nearest)
                .expect("near")
                .get(),
            dec!(0.009)
        );
        let p: Price = "71000.37".parse().expect("price");
        assert_eq!(
            p.round_to(dec!(0.10), Rounding::Floor)
                .expect("floor")
                .to_string(),
            "71000.30"
        );
        assert_eq!(
            p.round_to(dec!(0.10), Rounding::Nearest)
                .expect("n")
                .to_string(),
            "71000.40"
        );
        assert!(round_to_increment(dec!(1), dec!(0), Rounding::Floor).is_err());
    }

    #[test]
    fn increments_round_halves_away_from_zero() {
        let n = |v, i| increments_in(v, i, Rounding::Nearest);
        assert_eq!(n(dec!(0.25), dec!(0.1)), Some(3));
        assert_eq!(n(dec!(-0.25), dec!(0.1)), Some(-3));
        assert_eq!(n(dec!(-0.15), dec!(0.1)), Some(-2));
        assert_eq!(n(dec!(-0.025), dec!(0.1)), Some(0));
        assert_eq!(
            increments_in(dec!(-0.25), dec!(0.1), Rounding::Floor),
            Some(-3)
        );
        assert_eq!(
            increments_in(dec!(-0.25), dec!(0.1), Rounding::Ceil),
            Some(-2)
        );
        assert_eq!(increments_in(dec!(1), dec!(0), Rounding::Ceil), None);
        assert_eq!(
            increments_in(Decimal::MAX, dec!(1e-28), Rounding::Ceil),
            None
        );
    }

    proptest::proptest! {
        /// The same value, scale and sign as `Decimal`'s own product (where it does not
        /// overflow), on either side of the fast path's limits.
        #[test]
        fn decimal_mul_is_the_operator(
            a: i128, b: i128, sa in 0u32..29, sb in 0u32..29, ka in 0u32..128, kb in 0u32..128,
        ) {
            let x = Decimal::from_i128_with_scale(a >> (32 + ka % 96), sa);
            let y = Decimal::from_i128_with_scale(b >> (32 + kb % 96), sb);
            if let Some(want) = x.checked_mul(y) {
                proptest::prop_assert_eq!(decimal_mul(x, y).serialize(), want.serialize());
            }
            let zero = Decimal::from_i128_with_scale(0, sa);
            proptest::prop_assert_eq!(decimal_mul(zero, y).serialize(), (zero * y).serialize());
        }

        /// The same value, scale and sign as `Decimal`'s own constructor, or the same refusal.
        #[test]
        fn decimal_of_is_try_from_i128(m: i128, bits in 0u32..128, scale in 0u32..32) {
            let m = m >> bits;
            let want = Decimal::try_from_i128_with_scale(m, scale).ok();
            let got = decimal_of(m, scale);
            proptest::prop_assert_eq!(got.map(|d| d.serialize()), want.map(|d| d.serialize()));
        }


        /// Every rounding on the integer path equals rounding Decimal's exact quotient
        /// (prices of up to 10 digits on Binance-like grids, where that quotient is exact).
        #[test]
        fn increments_match_decimal(
            m in -10_000_000_000i64..10_000_000_000, s in 0u32..8, k in 0usize..6,
            inc_s in 0u32..8, r in 0usize..3,
        ) {
            let inc = Decimal::new([1i64, 2, 5, 10, 25, 50][k], inc_s);
            let value = Decimal::new(m, s);
            let rounding = [Rounding::Floor, Rounding::Ceil, Rounding::Nearest][r];
            let want = round_whole(value / inc, rounding);
            let got = increments_in(value, inc, rounding).expect("fits");
            proptest::prop_assert_eq!(Decimal::from_i128_with_scale(got, 0), want.normalize());
        }
    }

    #[test]
    fn json_as_strings_in_and_numbers_accepted() {
        let p: Price = serde_json::from_str("\"70610.5\"").expect("str");
        assert_eq!(serde_json::to_string(&p).expect("ser"), "\"70610.5\"");
        let q: Qty = serde_json::from_str("0.001").expect("num");
        assert_eq!(q.get(), dec!(0.001));
        assert!(serde_json::from_str::<Qty>("\"-1\"").is_err());
    }

    #[test]
    fn notional_and_decimals() {
        let q: Qty = "0.0010".parse().expect("q");
        let p: Price = "70610".parse().expect("p");
        assert_eq!(q.notional_at(p).get(), dec!(70.61));
        assert_eq!(q.decimals(), 3);
        assert_eq!("0.0007".parse::<Qty>().expect("q").decimals(), 4);
    }
}
