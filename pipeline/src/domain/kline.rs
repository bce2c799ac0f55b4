//! Klines: `Kline`, the exact 12-field record of Binance's kline layout, and `Bar`, the compact
//! hot-path view a backtest iterates over.
//!
//! `Bar` holds `f64` prices on purpose: every value comes from a decimal with at most 15
//! significant digits, so converting to `f64` keeps ordering and equality exact, and
//! [`Bar::price`] recovers the original decimal through the shortest round-trip text. Order
//! decisions convert back to `Price` before any arithmetic; nothing sums `f64` money.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::money::{Notional, Price, Qty, parse_decimal};
use super::time::TimestampMs;

/// One kline exactly as Binance publishes it (REST `/fapi/v1/klines`, websocket, public-data CSV).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Kline {
    pub open_time: TimestampMs,
    pub open: Price,
    pub high: Price,
    pub low: Price,
    pub close: Price,
    /// Base-asset volume.
    pub volume: Qty,
    /// `open_time + interval - 1` ms.
    pub close_time: TimestampMs,
    pub quote_volume: Notional,
    pub trades: u64,
    pub taker_buy_volume: Qty,
    pub taker_buy_quote_volume: Notional,
    /// Binance's twelfth column, always "0"; kept so a kline round-trips unchanged.
    pub ignore: String,
}

/// The hot-path view of a kline: open time and OHLCV as plain numbers.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct Bar {
    pub open_time: TimestampMs,
    pub open: f64,
    pub high: f64,
    pub low: f64,
    pub close: f64,
    pub volume: f64,
}

impl Bar {
    /// The exact decimal behind one of this bar's prices (`None` for a non-positive value).
    pub fn price(value: f64) -> Option<Price> {
        if !value.is_finite() {
            return None;
        }
        let d = eight_decimals(value).or_else(|| parse_decimal(&value.to_string()))?;
        Price::new(d).ok()
    }

    /// The bar's close as an exact `Price`.
    pub fn close_price(&self) -> Option<Price> {
        Self::price(self.close)
    }

    /// The bar's open as an exact `Price`.
    pub fn open_price(&self) -> Option<Price> {
        Self::price(self.open)
    }
}

/// The decimal behind `x` without formatting text, when it has at most 8 decimals and is
/// below 10^7 in size: `round(x * 10^8) / 10^8` is correctly rounded, so if it gives back `x`,
/// that decimal (at most 15 significant digits) is the only one of 15 digits or fewer that maps
/// to `x`, which is what the shortest round-trip text would say.
/// Normalised (no trailing zeros), as `Decimal::normalize` would give it. Shared with the
/// simulated exchange, which converts bar prices on its fill path.
pub fn eight_decimals(x: f64) -> Option<rust_decimal::Decimal> {
    const POW: f64 = 100_000_000.0;
    if x.abs() >= 10_000_000.0 {
        return None;
    }
    let m = (x * POW).round();
    // |m| < 10^15 fits an i64 exactly.
    (m / POW == x).then(|| trimmed(m as i64, 8))
}

/// `m / 10^scale` without trailing zeros: `Decimal::normalize`'s result, on an `i64`.
fn trimmed(mut m: i64, mut scale: u32) -> rust_decimal::Decimal {
    if m == 0 {
        return rust_decimal::Decimal::ZERO;
    }
    // Strip zeros 4, 2, then 1 at a time (a bar price at scale 8 has up to 8 of them).
    for step in [4u32, 2, 1] {
        let p = 10i64.pow(step);
        while scale >= step && m % p == 0 {
            m /= p;
            scale -= step;
        }
    }
    super::money::decimal_of(i128::from(m), scale).unwrap_or_default()
}

impl From<&Kline> for Bar {
    fn from(k: &Kline) -> Self {
        Bar {
            open_time: k.open_time,
            open: k.open.to_f64(),
            high: k.high.to_f64(),
            low: k.low.to_f64(),
            close: k.close.to_f64(),
            volume: k.volume.to_f64(),
        }
    }
}

impl Kline {
    /// A kline from a bar where only OHLCV are known (the other fields zero, close time derived).
    pub fn from_bar(bar: &Bar, interval_ms: i64) -> Option<Kline> {
        let volume = Qty::new(parse_decimal(&bar.volume.to_string())?).ok()?;
        Some(Kline {
            open_time: bar.open_time,
            open: Bar::price(bar.open)?,
            high: Bar::price(bar.high)?,
            low: Bar::price(bar.low)?,
            close: Bar::price(bar.close)?,
            volume,
            close_time: bar.open_time.plus_ms(interval_ms - 1),
            quote_volume: Notional::ZERO,
            trades: 0,
            taker_buy_volume: Qty::ZERO,
            taker_buy_quote_volume: Notional::ZERO,
            ignore: "0".to_string(),
        })
    }

    /// The typical price (high + low + close) / 3, exact.
    pub fn typical_price(&self) -> Decimal {
        (self.high.get() + self.low.get() + self.close.get()) / Decimal::from(3)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn the_integer_path_agrees_with_the_shortest_text(m in 1i64..999_999_999_999_999i64, s in 0u32..9) {
            let x: f64 = rust_decimal::Decimal::new(m, s).to_string().parse().expect("f64");
            let text = parse_decimal(&x.to_string());
            match eight_decimals(x) {
                Some(d) => prop_assert_eq!(Some(d), text),
                None => prop_assert!(x.abs() >= 10_000_000.0 || text.is_some()),
            }
        }
    }

    proptest! {
        #[test]
        fn trimming_is_normalize(m in -999_999_999_999_999i64..999_999_999_999_999i64, s in 0u32..9) {
            let want = rust_decimal::Decimal::new(m, s).normalize();
            let got = trimmed(m, s);
            prop_assert_eq!((got.mantissa(), got.scale()), (want.mantissa(), want.scale()));
        }
    }

    #[test]
    fn trimming_strips_every_run_of_zeros() {
        for k in [1i64, 7, 123, 105_573, -42, 999_999] {
            for zeros in 0..=9u32 {
                for s in 0..9u32 {
                    let m = k * 10i64.pow(zeros);
                    let want = rust_decimal::Decimal::new(m, s).normalize();
                    let got = trimmed(m, s);
                    assert_eq!(
                        (got.mantissa(), got.scale()),
                        (want.mantissa(), want.scale())
                    );
                }
            }
        }
    }

    #[test]
    fn bar_prices_round_trip_exactly() {
        for text in ["70610.5", "0.00001234", "105573.73", "27972.87", "4529764"] {
            let p: Price = text.parse().expect("price");
            let back = Bar::price(p.to_f64()).expect("back");
            assert_eq!(back.get().normalize(), p.get().normalize(), "{text}");
        }
        assert_eq!(Bar::price(0.0), None);
        assert_eq!(Bar::price(f64::NAN), None);
    }

    #[test]
    fn kline_from_bar_derives_close_time() {
        let bar = Bar {
            open_time: TimestampMs(60_000),
            open: 1.5,
            high: 2.0,
            low: 1.0,
            close: 1.75,
            volume: 3.0,
        };
        let k = Kline::from_bar(&bar, 60_000).expect("kline");
        assert_eq!(k.close_time, TimestampMs(119_999));
        assert_eq!(Bar::from(&k), bar);
    }
}
