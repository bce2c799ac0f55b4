//! [`Holding`]: which way the ledger's position in one symbol points (long, short or none), as
//! the stages that read it (trader, governor, order lifecycle) receive it.
//! Not Binance's `positionSide` (BOTH/LONG/SHORT, the hedge-mode leg an order belongs to).
//! Must never live here: amounts or prices (the ledger keeps them).

use crate::order::Side;

/// The direction of a symbol's position.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Holding {
    Long,
    Short,
    #[default]
    Flat,
}

impl Holding {
    pub fn is_flat(self) -> bool {
        self == Holding::Flat
    }

    /// The order side that reduces this position (`None` when flat).
    pub fn closing_side(self) -> Option<Side> {
        match self {
            Holding::Long => Some(Side::Sell),
            Holding::Short => Some(Side::Buy),
            Holding::Flat => None,
        }
    }

    /// +1 long, -1 short, 0 flat: for arithmetic on prices (how far a close is from the best
    /// one in the position's favour).
    pub fn sign(self) -> f64 {
        match self {
            Holding::Long => 1.0,
            Holding::Short => -1.0,
            Holding::Flat => 0.0,
        }
    }
}
