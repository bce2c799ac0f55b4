//! The USDT wallet and one-way positions: how a fill, a fee or a funding payment changes them.
//!
//! A position keeps its signed size and its signed cost basis (sum of size x price of the open
//! part) instead of an average entry price, so realised plus unrealised PnL always equals the
//! fills' cash flows plus the position's value at the mark, exactly (entry price = cost / size
//! is only for display and the liquidation formula). A partial close realises PnL rounded to
//! 8 decimals and takes the rest out of the cost basis, so no amount grows beyond a few
//! decimals and sums never lose a digit.
//! Invariant: `wallet = initial + realised - fees - funding + insurance` at all times.
//! Must never live here: order matching, prices, rejections.

use pipeline::domain::decimal_cmp;
use pipeline::order::Side;
use rust_decimal::{Decimal, RoundingStrategy};

/// Binance keeps USDT amounts to 8 decimals.
pub(crate) fn round_usdt(d: Decimal) -> Decimal {
    d.round_dp_with_strategy(8, RoundingStrategy::MidpointAwayFromZero)
}

/// +1, 0 or -1.
fn sign_of(d: Decimal) -> Decimal {
    if d.is_zero() {
        Decimal::ZERO
    } else if d.is_sign_positive() {
        Decimal::ONE
    } else {
        Decimal::NEGATIVE_ONE
    }
}

/// A one-way (BOTH) position.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Position {
    /// Signed size: > 0 long, < 0 short.
    pub amt: Decimal,
    /// Signed cost of the open part (amt x average entry).
    pub cost: Decimal,
    /// Isolated mode: the margin held by the position (Binance's `isolatedWallet`).
    pub isolated_margin: Decimal,
    pub update_time: i64,
}

/// What a fill did to a position.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct FillEffect {
    pub realized: Decimal,
    /// Quantity that reduced the old position.
    pub closed: Decimal,
    /// Quantity that opened or increased a position.
    pub opened: Decimal,
    /// Isolated margin released by the closed part.
    pub margin_released: Decimal,
}

impl Position {
    pub fn is_flat(&self) -> bool {
        self.amt.is_zero()
    }

    /// Average entry price (0 when flat).
    pub fn entry_price(&self) -> Decimal {
        if self.amt.is_zero() {
            Decimal::ZERO
        } else {
            self.cost / self.amt
        }
    }

    /// Unrealised PnL at `mark`.
    pub fn upnl(&self, mark: Decimal) -> Decimal {
        self.amt * mark - self.cost
    }

    /// The part of an order of `side` and `qty` that would reduce this position.
    pub fn reducing_qty(&self, side: Side, qty: Decimal) -> Decimal {
        if self.amt.is_zero() || (side == Side::Buy) == self.amt.is_sign_positive() {
            Decimal::ZERO
        } else {
            decimal_cmp::min(qty, self.amt.abs())
        }
    }

    /// Applies a fill of `qty` at `price`; the opened part is margined at `leverage` when
    /// `isolated` (the margin moves from the cross wallet into the position).
    pub fn apply_fill(
        &mut self,
        side: Side,
        qty: Decimal,
        price: Decimal,
        isolated_leverage: Option<u32>,
    ) -> FillEffect {
        let closed = self.reducing_qty(side, qty);
        let mut realized = Decimal::ZERO;
        let mut margin_released = Decimal::ZERO;
        if !closed.is_zero() {
            let size = self.amt.abs();
            let sgn = sign_of(self.amt);
            let proceeds = sgn * closed * price;
            let (cost_removed, released) = if closed == size {
                (self.cost, self.isolated_margin)
            } else {
                // Realised PnL is kept to 8 decimals, as Binance reports it; the cost basis
                // absorbs the rounding, so every amount stays an exact short decimal.
                let pnl = round_usdt(proceeds - self.cost * closed / size);
                (
                    proceeds - pnl,
                    round_usdt(self.isolated_margin * closed / size),
                )
            };
            realized = proceeds - cost_removed;
            self.amt -= sgn * closed;
            self.cost -= cost_removed;
            self.isolated_margin -= released;
            margin_released = released;
            if self.amt.is_zero() {
                self.cost = Decimal::ZERO;
            }
        }
        let opened = qty - closed;
        if !opened.is_zero() {
            let signed = side.sign() * opened;
            self.amt += signed;
            self.cost += signed * price;
            if let Some(lev) = isolated_leverage {
                self.isolated_margin += round_usdt(opened * price / Decimal::from(lev));
            }
        }
        FillEffect {
            realized,
            closed,
            opened,
            margin_released,
        }
    }
}

/// The USDT wallet and the running totals that explain it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Wallet {
    pub initial: Decimal,
    /// Binance's `walletBalance` (includes isolated margins).
    pub balance: Decimal,
    pub realized: Decimal,
    pub fees: Decimal,
    /// Net funding paid (negative when received).
    pub funding: Decimal,
    /// Losses beyond a liquidated position's margin, absorbed by the insurance fund.
    pub insurance: Decimal,
}

impl Wallet {
    pub fn new(initial: Decimal) -> Wallet {
        Wallet {
            initial,
            balance: initial,
            realized: Decimal::ZERO,
            fees: Decimal::ZERO,
            funding: Decimal::ZERO,
            insurance: Decimal::ZERO,
        }
    }

    pub fn book_trade(&mut self, realized: Decimal, fee: Decimal) {
        self.realized += realized;
        self.fees += fee;
        self.balance += realized - fee;
    }

    pub fn book_funding(&mut self, paid: Decimal) {
        self.funding += paid;
        self.balance -= paid;
    }

    pub fn book_insurance(&mut self, covered: Decimal) {
        self.insurance += covered;
        self.balance += covered;
    }

    /// The conservation identity; true unless there is a bug.
    pub fn is_conserved(&self) -> bool {
        self.balance == self.initial + self.realized - self.fees - self.funding + self.insurance
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn open_add_reduce_flip() {
        let mut p = Position::default();
        let e = p.apply_fill(Side::Buy, dec!(1), dec!(100), Some(10));
        assert_eq!(
            (e.opened, e.closed, e.realized),
            (dec!(1), dec!(0), dec!(0))
        );
        assert_eq!(p.isolated_margin, dec!(10));
        p.apply_fill(Side::Buy, dec!(1), dec!(110), Some(10));
        assert_eq!(p.entry_price(), dec!(105));
        assert_eq!(p.isolated_margin, dec!(21));
        let e = p.apply_fill(Side::Sell, dec!(0.5), dec!(120), Some(10));
        assert_eq!(e.realized, dec!(7.5)); // 0.5 x (120 - 105)
        assert_eq!(e.margin_released, dec!(5.25));
        let e = p.apply_fill(Side::Sell, dec!(3), dec!(100), Some(10));
        assert_eq!(e.closed, dec!(1.5));
        assert_eq!(e.realized, dec!(-7.5)); // 1.5 x (100 - 105)
        assert_eq!(p.amt, dec!(-1.5));
        assert_eq!(p.entry_price(), dec!(100));
        assert_eq!(p.isolated_margin, dec!(15));
        assert_eq!(p.upnl(dec!(90)), dec!(15));
    }

    #[test]
    fn thirds_stay_exact_through_the_cost_basis() {
        let mut p = Position::default();
        p.apply_fill(Side::Buy, dec!(3), dec!(100), None);
        p.apply_fill(Side::Buy, dec!(1), dec!(101), None);
        let mut realized = Decimal::ZERO;
        for _ in 0..3 {
            realized += p.apply_fill(Side::Sell, dec!(1), dec!(102), None).realized;
        }
        // Cash flows: -300 - 101 + 306 = -95; value of the last 1 at 102: 102 -> total 7.
        assert_eq!(realized + p.upnl(dec!(102)), dec!(7));
        realized += p.apply_fill(Side::Sell, dec!(1), dec!(102), None).realized;
        assert_eq!(realized, dec!(7));
        assert!(p.is_flat());
        assert_eq!(p.cost, dec!(0));
    }

    #[test]
    fn wallet_identity() {
        let mut w = Wallet::new(dec!(1000));
        w.book_trade(dec!(12.5), dec!(0.35));
        w.book_funding(dec!(0.7));
        w.book_insurance(dec!(3));
        assert!(w.is_conserved());
        assert_eq!(w.balance, dec!(1014.45));
        assert_eq!(round_usdt(dec!(0.123456785)), dec!(0.12345679));
    }
}
