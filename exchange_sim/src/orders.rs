//! Order records and the open-order book of one symbol.
//!
//! Two id spaces, as on Binance since the 2025-12 algo migration: normal orders (MARKET,
//! LIMIT, and the "actual" order a triggered conditional becomes) count from 1; conditional
//! (algo) orders count from [`ALGO_ID_OFFSET`] + 1, so a live adapter can send them to
//! `/fapi/v1/algoOrder` and an id alone says which space it is in. Every order ever accepted is
//! kept (Binance purges old ones; a backtest wants them all).
//! Must never live here: fills, prices, margin.

use pipeline::order::{OrderType, Side};
use pipeline::venue::{OrderState, OrderStatus};
use rust_decimal::Decimal;

/// Algo (conditional) order ids are `ALGO_ID_OFFSET + 1, + 2, ...`.
pub const ALGO_ID_OFFSET: i64 = 1_000_000_000;

/// True when `id` names a conditional (algo) order.
pub fn is_algo_id(id: i64) -> bool {
    id > ALGO_ID_OFFSET
}

/// Binance's order lifecycle: NEW -> PARTIALLY_FILLED -> FILLED, and from NEW or
/// PARTIALLY_FILLED to CANCELED or EXPIRED; REJECTED only from NEW (a triggered conditional
/// that fails its margin check). Nothing leaves a final status.
pub fn is_valid_transition(from: OrderStatus, to: OrderStatus) -> bool {
    use OrderStatus::*;
    matches!(
        (from, to),
        (
            New,
            PartiallyFilled | Filled | Canceled | Expired | Rejected
        ) | (
            PartiallyFilled,
            PartiallyFilled | Filled | Canceled | Expired
        )
    )
}

/// An order as stored: Binance's view plus what the simulator needs to keep it.
#[derive(Debug, Clone)]
pub(crate) struct OrderRecord {
    pub state: OrderState,
    /// Sum of qty x price over its fills (Binance's `cumQuote`).
    pub cum_quote: Decimal,
    /// For a triggered conditional: the id of the normal order it became.
    pub actual_order_id: Option<i64>,
}

#[derive(Debug, Clone, Default)]
pub(crate) struct OrderStore {
    normal: Chunked<OrderRecord>,
    algo: Chunked<OrderRecord>,
}

/// A list that only grows and never moves what it holds: chunks of [`Chunked::CHUNK`], so
/// the 40,000th order of a year's backtest copies nothing (a `Vec` copies every record at each
/// doubling, ~10 MB a year by the end).
#[derive(Debug, Clone)]
struct Chunked<T> {
    chunks: Vec<Vec<T>>,
    len: usize,
}

impl<T> Default for Chunked<T> {
    fn default() -> Self {
        Chunked {
            chunks: Vec::new(),
            len: 0,
        }
    }
}

impl<T> Chunked<T> {
    const CHUNK: usize = 1024;

    fn len(&self) -> usize {
        self.len
    }

    fn push(&mut self, value: T) {
        match self.chunks.last_mut() {
            Some(last) if last.len() < Self::CHUNK => last.push(value),
            _ => {
                let mut chunk = Vec::with_capacity(Self::CHUNK);
                chunk.push(value);
                self.chunks.push(chunk);
            }
        }
        self.len += 1;
    }

    fn get(&self, i: usize) -> Option<&T> {
        self.chunks.get(i / Self::CHUNK)?.get(i % Self::CHUNK)
    }

    fn get_mut(&mut self, i: usize) -> Option<&mut T> {
        self.chunks
            .get_mut(i / Self::CHUNK)?
            .get_mut(i % Self::CHUNK)
    }

    /// Newest first.
    fn iter_rev(&self) -> impl Iterator<Item = &T> {
        self.chunks.iter().rev().flat_map(|c| c.iter().rev())
    }
}

impl OrderStore {
    /// The id the next order of this space gets.
    pub fn next_id(&self, algo: bool) -> i64 {
        if algo {
            ALGO_ID_OFFSET + self.algo.len() as i64 + 1
        } else {
            self.normal.len() as i64 + 1
        }
    }

    /// Stores `record` under the id in its state (which must be `next_id`).
    pub fn push(&mut self, record: OrderRecord) {
        if is_algo_id(record.state.order_id) {
            self.algo.push(record);
        } else {
            self.normal.push(record);
        }
    }

    fn slot(id: i64) -> Option<(bool, usize)> {
        if is_algo_id(id) {
            usize::try_from(id - ALGO_ID_OFFSET - 1)
                .ok()
                .map(|i| (true, i))
        } else {
            usize::try_from(id - 1).ok().map(|i| (false, i))
        }
    }

    pub fn get(&self, id: i64) -> Option<&OrderRecord> {
        let (algo, i) = Self::slot(id)?;
        if algo {
            self.algo.get(i)
        } else {
            self.normal.get(i)
        }
    }

    pub fn get_mut(&mut self, id: i64) -> Option<&mut OrderRecord> {
        let (algo, i) = Self::slot(id)?;
        if algo {
            self.algo.get_mut(i)
        } else {
            self.normal.get_mut(i)
        }
    }

    /// The most recent order of `symbol` with this client id, in either space.
    pub fn find_client_id(&self, symbol: &str, client_id: &str) -> Option<&OrderRecord> {
        let hit = |r: &&OrderRecord| {
            r.state.client_order_id == client_id && r.state.symbol.as_str() == symbol
        };
        let a = self.normal.iter_rev().find(hit);
        let b = self.algo.iter_rev().find(hit);
        match (a, b) {
            (Some(x), Some(y)) => Some(if x.state.update_time >= y.state.update_time {
                x
            } else {
                y
            }),
            (x, y) => x.or(y),
        }
    }
}

/// Which way the price must move to reach an order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Dir {
    /// Reached when the price falls to the level (BUY limit, SELL stop, BUY take-profit).
    Down,
    /// Reached when the price rises to the level (SELL limit, BUY stop, SELL take-profit).
    Up,
}

/// An order resting in a symbol's book, with its level cached as `f64` for bar comparisons.
#[derive(Debug, Clone)]
pub(crate) struct OpenOrder {
    pub id: i64,
    pub order_type: OrderType,
    pub side: Side,
    /// Quantity still to fill (0 for closePosition: it closes whatever is open).
    pub remaining: Decimal,
    /// Limit price, or the stop (trigger) price; 0 for a pending MARKET order.
    pub price: Decimal,
    /// `price` as the nearest f64.
    pub level: f64,
    pub reduce_only: bool,
    pub close_position: bool,
    /// A conditional order whose trigger watches the mark price (`workingType=MARK_PRICE`):
    /// it is reached along the mark bar's path when the symbol has one (see `mark`).
    pub on_mark: bool,
    /// Initial margin the order holds (its opening part / leverage; 0 for reduce-only and
    /// conditional orders), recomputed whenever a position or the wallet changes.
    pub margin: Decimal,
    /// Set once the order reached a final status; swept out after the bar.
    pub done: bool,
    /// While the order is in flight (a latency model is on): when it reaches the exchange.
    /// It is not on the book before; see `matching::deliver_arrivals`.
    pub arrive_at: Option<i64>,
}

impl OpenOrder {
    pub fn is_algo(&self) -> bool {
        self.order_type.is_conditional()
    }

    pub fn dir(&self) -> Dir {
        match (self.order_type, self.side) {
            (OrderType::Limit, Side::Buy)
            | (OrderType::StopMarket, Side::Sell)
            | (OrderType::TakeProfitMarket, Side::Buy) => Dir::Down,
            _ => Dir::Up,
        }
    }
}

/// A fresh NEW order state.
pub(crate) fn new_state(
    order_id: i64,
    checked: &pipeline::order::CheckedOrder,
    client_order_id: pipeline::ClientOrderId,
    time: pipeline::TimestampMs,
) -> OrderState {
    OrderState {
        order_id,
        client_order_id,
        symbol: checked.symbol().clone(),
        side: checked.side(),
        order_type: checked.order_type(),
        time_in_force: checked.time_in_force(),
        status: OrderStatus::New,
        orig_qty: checked.quantity(),
        executed_qty: pipeline::Qty::ZERO,
        avg_price: None,
        price: checked.price(),
        stop_price: checked.stop_price(),
        reduce_only: checked.reduce_only(),
        close_position: checked.close_position(),
        update_time: time,
        working_type: checked.working_type(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use OrderStatus::*;

    #[test]
    fn lifecycle_transitions() {
        assert!(is_valid_transition(New, PartiallyFilled));
        assert!(is_valid_transition(PartiallyFilled, Filled));
        assert!(is_valid_transition(New, Rejected));
        assert!(!is_valid_transition(Filled, Canceled));
        assert!(!is_valid_transition(PartiallyFilled, New));
        assert!(!is_valid_transition(PartiallyFilled, Rejected));
        assert!(!is_valid_transition(Canceled, Filled));
    }

    #[test]
    fn id_spaces_are_disjoint() {
        let s = OrderStore::default();
        assert_eq!(s.next_id(false), 1);
        assert_eq!(s.next_id(true), ALGO_ID_OFFSET + 1);
        assert!(is_algo_id(s.next_id(true)));
        assert!(!is_algo_id(s.next_id(false)));
        assert_eq!(OrderStore::slot(0), None);
    }

    #[test]
    fn chunked_keeps_order_across_chunks() {
        let mut c = Chunked::default();
        let n = Chunked::<usize>::CHUNK * 2 + 3;
        for i in 0..n {
            c.push(i);
        }
        assert_eq!(c.len(), n);
        assert!((0..n).all(|i| c.get(i) == Some(&i)));
        assert_eq!(c.get(n), None);
        if let Some(v) = c.get_mut(Chunked::<usize>::CHUNK) {
            *v = 7;
        }
        assert_eq!(c.get(Chunked::<usize>::CHUNK), Some(&7));
        let newest: Vec<usize> = c.iter_rev().take(4).copied().collect();
        assert_eq!(newest, vec![n - 1, n - 2, n - 3, n - 4]);
        assert_eq!(c.iter_rev().count(), n);
    }
}
