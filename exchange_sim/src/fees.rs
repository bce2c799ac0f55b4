//! Commission rates as a user pays them: Binance's published USD-M fee tiers (Regular and
//! VIP 1-9, USDT-margined), the 10 % discount for paying fees in BNB, and per-symbol rates
//! that replace both (a symbol with a promotion, or the rates `GET /fapi/v1/commissionRate`
//! returned for an account). One rate pair per symbol is worked out when the exchange starts.
//! Must never live here: booking a fee (that is `fills`), the liquidation clearance fee (that
//! is `liquidation`, at the symbol's `liquidationFee`).

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// A USD-M fee tier of Binance's published schedule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FeeTier {
    /// Regular (VIP 0): maker 0.0200 %, taker 0.0500 %.
    #[serde(alias = "vip0")]
    Regular,
    Vip1,
    Vip2,
    Vip3,
    Vip4,
    Vip5,
    Vip6,
    Vip7,
    Vip8,
    Vip9,
}

/// Maker and taker rates as fractions of the fill notional.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FeeRates {
    pub maker: Decimal,
    pub taker: Decimal,
}

/// Binance's USD-M (USDT-margined) schedule in hundredths of a basis point (0.0001 %): maker,
/// taker per tier, Regular first.
const SCHEDULE: [(u32, u32); 10] = [
    (200, 500),
    (160, 400),
    (140, 350),
    (120, 320),
    (100, 300),
    (80, 270),
    (60, 250),
    (40, 220),
    (20, 200),
    (0, 170),
];

impl FeeTier {
    /// The tier's published rates (before any BNB discount).
    pub fn rates(self) -> FeeRates {
        let (maker, taker) = SCHEDULE[self as usize];
        // 0.0001 % = 1e-6 of notional.
        // Normalised so 0.02 % reads 0.0002, as a user writes it in a config.
        FeeRates {
            maker: Decimal::new(i64::from(maker), 6).normalize(),
            taker: Decimal::new(i64::from(taker), 6).normalize(),
        }
    }

    /// `Regular`, `VIP 3`: as Binance names the tier.
    pub fn label(self) -> String {
        match self {
            FeeTier::Regular => "Regular (VIP 0)".into(),
            t => format!("VIP {}", t as usize),
        }
    }
}

/// Paying fees in BNB takes 10 % off (Binance Futures' BNB fee discount). A rebate (a
/// negative rate) is not a fee paid, so it is left as it is.
pub fn bnb_discounted(rate: Decimal) -> Decimal {
    if rate > Decimal::ZERO {
        (rate * Decimal::new(9, 1)).normalize()
    } else {
        rate
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn the_published_schedule() {
        assert_eq!(
            FeeTier::Regular.rates(),
            FeeRates {
                maker: dec!(0.0002),
                taker: dec!(0.0005)
            }
        );
        assert_eq!(FeeTier::Vip1.rates().taker, dec!(0.0004));
        assert_eq!(FeeTier::Vip3.rates().maker, dec!(0.00012));
        assert_eq!(FeeTier::Vip3.rates().taker, dec!(0.00032));
        assert_eq!(FeeTier::Vip9.rates().maker, dec!(0));
        assert_eq!(FeeTier::Vip9.rates().taker, dec!(0.00017));
        assert_eq!(FeeTier::Vip9.label(), "VIP 9");
    }

    #[test]
    fn bnb_takes_ten_percent_off_fees_but_not_rebates() {
        assert_eq!(bnb_discounted(dec!(0.0005)), dec!(0.00045));
        assert_eq!(bnb_discounted(dec!(-0.0001)), dec!(-0.0001));
        assert_eq!(bnb_discounted(dec!(0)), dec!(0));
    }
}
