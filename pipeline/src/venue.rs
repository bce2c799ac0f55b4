//! The `Venue` trait: everything the pipeline stages may ask of an exchange, and the types
//! it answers with (Binance's order, position and balance shapes, typed).
//!
//! Two implementations: `exchange_sim::SimExchange` (backtests, `sim serve`, `--paper`) and
//! `live::LiveVenue` (Binance testnet/demo/mainnet). Stages see only this trait, so the same
//! code decides in a backtest and live.
//! Must never live here: how a venue fills, prices or stores anything.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::domain::{ClientOrderId, Price, Qty, Symbol, TimestampMs};
use crate::exchange_info::{Reject, SharedSpec};
use crate::order::{CheckedOrder, OrderType, Side, TimeInForce, WorkingType};

/// Binance's order status lifecycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum OrderStatus {
    New,
    PartiallyFilled,
    Filled,
    Canceled,
    Rejected,
    Expired,
}

impl OrderStatus {
    /// True once the order can no longer change.
    pub fn is_final(self) -> bool {
        !matches!(self, OrderStatus::New | OrderStatus::PartiallyFilled)
    }
}

/// An order as the venue reports it (Binance's order object, typed).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderState {
    pub order_id: i64,
    pub client_order_id: ClientOrderId,
    pub symbol: Symbol,
    pub side: Side,
    pub order_type: OrderType,
    pub time_in_force: Option<TimeInForce>,
    pub status: OrderStatus,
    pub orig_qty: Qty,
    pub executed_qty: Qty,
    /// Average fill price; `None` before the first fill.
    pub avg_price: Option<Price>,
    pub price: Option<Price>,
    pub stop_price: Option<Price>,
    pub reduce_only: bool,
    pub close_position: bool,
    pub update_time: TimestampMs,
    /// What a conditional order's trigger watches (left out of records when the default).
    #[serde(default, skip_serializing_if = "WorkingType::is_contract_price")]
    pub working_type: WorkingType,
}

/// How to name an order to cancel or query it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum OrderRef {
    Id(i64),
    ClientId(String),
}

/// One execution.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fill {
    pub order_id: i64,
    pub client_order_id: ClientOrderId,
    pub symbol: Symbol,
    pub side: Side,
    pub qty: Qty,
    pub price: Price,
    /// Fee paid in the quote asset (USDT).
    pub fee: Decimal,
    pub is_maker: bool,
    /// PnL realised by this fill (closing part only), before fees.
    pub realized_pnl: Decimal,
    pub time: TimestampMs,
}

/// Something the venue did on its own or in answer to an order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum VenueEvent {
    Fill(Fill),
    OrderUpdate(OrderState),
    /// A funding payment; `amount` > 0 means the account received it.
    Funding {
        symbol: Symbol,
        rate: Decimal,
        amount: Decimal,
        time: TimestampMs,
    },
    Liquidation {
        symbol: Symbol,
        qty: Qty,
        price: Price,
        fee: Decimal,
        time: TimestampMs,
    },
}

/// A position as the venue holds it; the truth the ledger reconciles to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PositionSnapshot {
    pub symbol: Symbol,
    /// Signed: > 0 long, < 0 short.
    pub position_amt: Decimal,
    pub entry_price: Decimal,
    pub mark_price: Decimal,
    pub unrealized_pnl: Decimal,
    pub liquidation_price: Decimal,
    pub leverage: u32,
    pub isolated: bool,
    pub isolated_margin: Decimal,
    pub update_time: TimestampMs,
}

/// What the ledger and the permit read of a position: its signed amount and entry price.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PositionAmount {
    pub symbol: Symbol,
    /// Signed: > 0 long, < 0 short.
    pub position_amt: Decimal,
    pub entry_price: Decimal,
}

impl From<&PositionSnapshot> for PositionAmount {
    fn from(p: &PositionSnapshot) -> Self {
        PositionAmount {
            symbol: p.symbol.clone(),
            position_amt: p.position_amt,
            entry_price: p.entry_price,
        }
    }
}

/// The quote-asset wallet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Balance {
    pub asset: String,
    pub wallet_balance: Decimal,
    pub unrealized_pnl: Decimal,
    pub available_balance: Decimal,
}

/// Why a venue call did not give an answer to act on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
pub enum VenueError {
    /// The venue refused, with Binance's code and message.
    #[error("venue rejected: {0}")]
    Rejected(Reject),
    /// The outcome is unknown (timeout, HTTP 503 "Unknown error"): read the venue's state back.
    #[error("outcome unknown: {0}; the venue's state must be read back before retrying")]
    Unknown(String),
    /// The request never reached the venue or the venue is unusable (network, auth, ban).
    #[error("venue unavailable: {0}")]
    Unavailable(String),
}

/// What the pipeline may ask of an exchange.
pub trait Venue {
    /// The venue's clock (bar time in a backtest, server time live).
    fn now(&self) -> TimestampMs;
    /// The symbol's rules as they are now (`None`: not listed now). Shared, not copied: the
    /// stages ask for it on every plan and order.
    fn symbol_spec(&self, symbol: &Symbol) -> Option<SharedSpec>;
    /// The current mark price.
    fn mark_price(&self, symbol: &Symbol) -> Option<Price>;
    /// Sends an order that passed the order check. The venue checks again with its own rules.
    fn place_order(&mut self, order: &CheckedOrder) -> Result<OrderState, VenueError>;
    fn cancel_order(&mut self, symbol: &Symbol, order: &OrderRef)
    -> Result<OrderState, VenueError>;
    fn query_order(&mut self, symbol: &Symbol, order: &OrderRef) -> Result<OrderState, VenueError>;
    fn open_orders(&mut self, symbol: Option<&Symbol>) -> Result<Vec<OrderState>, VenueError>;
    /// Non-flat positions.
    fn positions(&mut self) -> Result<Vec<PositionSnapshot>, VenueError>;
    /// Non-flat positions' amounts and entry prices (the stages need no more). A venue that
    /// computes more per position (a liquidation price, unrealised PnL) answers this without
    /// it; the default reads [`Venue::positions`].
    fn position_amounts(&mut self) -> Result<Vec<PositionAmount>, VenueError> {
        Ok(self.positions()?.iter().map(PositionAmount::from).collect())
    }
    /// [`Venue::position_amounts`] written into `out` (its old content replaced), a buffer the
    /// caller keeps between calls, so a venue that knows its positions fills it without
    /// allocating. After an `Err`, `out` holds nothing to rely on.
    fn position_amounts_into(&mut self, out: &mut Vec<PositionAmount>) -> Result<(), VenueError> {
        *out = self.position_amounts()?;
        Ok(())
    }
    fn balance(&mut self) -> Result<Balance, VenueError>;
    fn set_leverage(&mut self, symbol: &Symbol, leverage: u32) -> Result<(), VenueError>;
    /// Fills, funding and liquidations since the last call, in venue order.
    fn drain_events(&mut self) -> Result<Vec<VenueEvent>, VenueError>;
    /// [`Venue::drain_events`] appended to `out`, a buffer the caller keeps between calls (a
    /// venue holding its events in a `Vec` moves them without a new allocation).
    fn drain_events_into(&mut self, out: &mut Vec<VenueEvent>) -> Result<(), VenueError> {
        out.append(&mut self.drain_events()?);
        Ok(())
    }
}
