//! Orders as a venue receives them, and the `CheckedOrder` that only the order check can mint.
//!
//! `OrderRequest` is deliberately raw (quantities and prices as plain decimals, the symbol as
//! text): the local Binance-compatible server and replayed journals hand us whatever a client
//! sent, and the order check must answer it with Binance's own code. After the check, a
//! `CheckedOrder` carries validated `Price`/`Qty` values; a venue accepts nothing else.

use std::fmt;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::domain::{ClientOrderId, Notional, Price, Qty, SharedText, Symbol};
use crate::exchange_info::{MarketContext, SharedSpec};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Side {
    Buy,
    Sell,
}

impl Side {
    /// +1 for BUY, -1 for SELL: the sign a fill adds to a position.
    pub fn sign(self) -> Decimal {
        match self {
            Side::Buy => Decimal::ONE,
            Side::Sell => Decimal::NEGATIVE_ONE,
        }
    }

    pub fn opposite(self) -> Side {
        match self {
            Side::Buy => Side::Sell,
            Side::Sell => Side::Buy,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Side::Buy => "BUY",
            Side::Sell => "SELL",
        }
    }
}

impl fmt::Display for Side {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The order types `sim` models. Conditional ones live on Binance's Algo service since 2025-12.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum OrderType {
    Market,
    Limit,
    StopMarket,
    TakeProfitMarket,
}

impl OrderType {
    pub fn as_str(self) -> &'static str {
        match self {
            OrderType::Market => "MARKET",
            OrderType::Limit => "LIMIT",
            OrderType::StopMarket => "STOP_MARKET",
            OrderType::TakeProfitMarket => "TAKE_PROFIT_MARKET",
        }
    }

    /// True for the trigger-based types Binance now serves from `/fapi/v1/algoOrder`.
    pub fn is_conditional(self) -> bool {
        matches!(self, OrderType::StopMarket | OrderType::TakeProfitMarket)
    }

    /// True when the order fills as a market order (and uses MARKET_LOT_SIZE and the mark price).
    pub fn is_market_like(self) -> bool {
        !matches!(self, OrderType::Limit)
    }
}

impl fmt::Display for OrderType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The price a conditional order's trigger watches (Binance's `workingType`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum WorkingType {
    /// The last trade price (Binance's default).
    #[default]
    ContractPrice,
    /// The mark price.
    MarkPrice,
}

impl WorkingType {
    pub fn as_str(self) -> &'static str {
        match self {
            WorkingType::ContractPrice => "CONTRACT_PRICE",
            WorkingType::MarkPrice => "MARK_PRICE",
        }
    }

    /// Binance's name for it, e.g. from a request parameter.
    pub fn parse(text: &str) -> Option<WorkingType> {
        match text {
            "CONTRACT_PRICE" => Some(WorkingType::ContractPrice),
            "MARK_PRICE" => Some(WorkingType::MarkPrice),
            _ => None,
        }
    }

    /// True for the default: records leave the field out then, so journals written before
    /// the field existed and those written since read and compare the same.
    pub fn is_contract_price(&self) -> bool {
        *self == WorkingType::ContractPrice
    }
}

impl fmt::Display for WorkingType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum TimeInForce {
    /// Good till cancelled.
    Gtc,
    /// Immediate or cancel.
    Ioc,
    /// Fill or kill.
    Fok,
    /// Good till crossing: post-only.
    Gtx,
}

impl TimeInForce {
    pub fn as_str(self) -> &'static str {
        match self {
            TimeInForce::Gtc => "GTC",
            TimeInForce::Ioc => "IOC",
            TimeInForce::Fok => "FOK",
            TimeInForce::Gtx => "GTX",
        }
    }
}

/// An order as submitted to a venue, before any check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderRequest {
    pub symbol: SharedText,
    pub side: Side,
    pub order_type: OrderType,
    pub time_in_force: Option<TimeInForce>,
    pub quantity: Option<Decimal>,
    pub price: Option<Decimal>,
    pub stop_price: Option<Decimal>,
    pub reduce_only: bool,
    pub close_position: bool,
    pub client_order_id: Option<ClientOrderId>,
    /// What a conditional order's trigger watches; ignored for other types.
    #[serde(default, skip_serializing_if = "WorkingType::is_contract_price")]
    pub working_type: WorkingType,
}

impl OrderRequest {
    /// A MARKET order of `quantity`.
    pub fn market(symbol: impl Into<SharedText>, side: Side, quantity: Decimal) -> Self {
        OrderRequest {
            symbol: symbol.into(),
            side,
            order_type: OrderType::Market,
            time_in_force: None,
            quantity: Some(quantity),
            price: None,
            stop_price: None,
            reduce_only: false,
            close_position: false,
            client_order_id: None,
            working_type: WorkingType::ContractPrice,
        }
    }

    /// A LIMIT order of `quantity` at `price`, good till cancelled.
    pub fn limit(
        symbol: impl Into<SharedText>,
        side: Side,
        quantity: Decimal,
        price: Decimal,
    ) -> Self {
        OrderRequest {
            order_type: OrderType::Limit,
            time_in_force: Some(TimeInForce::Gtc),
            price: Some(price),
            ..Self::market(symbol, side, quantity)
        }
    }

    /// A conditional market order (STOP_MARKET or TAKE_PROFIT_MARKET) triggering at `stop_price`.
    pub fn conditional(
        symbol: impl Into<SharedText>,
        side: Side,
        order_type: OrderType,
        quantity: Decimal,
        stop_price: Decimal,
    ) -> Self {
        OrderRequest {
            order_type,
            stop_price: Some(stop_price),
            ..Self::market(symbol, side, quantity)
        }
    }

    pub fn with_reduce_only(mut self, reduce_only: bool) -> Self {
        self.reduce_only = reduce_only;
        self
    }

    pub fn with_client_order_id(mut self, id: impl Into<ClientOrderId>) -> Self {
        self.client_order_id = Some(id.into());
        self
    }

    pub fn with_time_in_force(mut self, tif: TimeInForce) -> Self {
        self.time_in_force = Some(tif);
        self
    }

    /// Makes a conditional order's trigger watch `working_type` (the mark or the last price).
    pub fn with_working_type(mut self, working_type: WorkingType) -> Self {
        self.working_type = working_type;
        self
    }
}

/// An order that passed every exchange filter. Only [`crate::exchange_info::check_order`]
/// can build one, so a venue that takes `CheckedOrder` cannot receive an unchecked order.
/// Two checked orders are equal when their content is: the [`CheckStamp`] is provenance and
/// takes no part in equality.
#[derive(Debug, Clone, Serialize)]
pub struct CheckedOrder {
    pub(crate) symbol: Symbol,
    pub(crate) side: Side,
    pub(crate) order_type: OrderType,
    pub(crate) time_in_force: Option<TimeInForce>,
    pub(crate) quantity: Qty,
    pub(crate) price: Option<Price>,
    pub(crate) stop_price: Option<Price>,
    pub(crate) reduce_only: bool,
    pub(crate) close_position: bool,
    pub(crate) client_order_id: Option<ClientOrderId>,
    /// What the trigger watches (conditional orders; `CONTRACT_PRICE` for the others).
    #[serde(skip_serializing_if = "WorkingType::is_contract_price")]
    pub(crate) working_type: WorkingType,
    /// The notional the MIN_NOTIONAL check used (price or mark price x quantity).
    pub(crate) notional: Notional,
    /// What the check was given, when its rules were shared ones (see [`CheckStamp`]).
    #[serde(skip)]
    pub(crate) stamp: CheckStamp,
}

/// The rules (the very interned `SharedSpec`, not a copy) and the market an order was checked
/// against. The check is a pure function of the request, the rules and the market, so a venue
/// holding the same rules and market may take the order as checked instead of checking it a
/// second time. Provenance, not content: it never makes two orders unequal.
#[derive(Debug, Clone, Default)]
pub struct CheckStamp(pub(crate) Option<(SharedSpec, MarketContext)>);

impl PartialEq for CheckedOrder {
    fn eq(&self, other: &Self) -> bool {
        // Every field but `stamp` (provenance, not content).
        self.symbol == other.symbol
            && self.side == other.side
            && self.order_type == other.order_type
            && self.time_in_force == other.time_in_force
            && self.quantity == other.quantity
            && self.price == other.price
            && self.stop_price == other.stop_price
            && self.reduce_only == other.reduce_only
            && self.close_position == other.close_position
            && self.client_order_id == other.client_order_id
            && self.working_type == other.working_type
            && self.notional == other.notional
    }
}

impl Eq for CheckedOrder {}

impl CheckedOrder {
    pub fn symbol(&self) -> &Symbol {
        &self.symbol
    }
    pub fn side(&self) -> Side {
        self.side
    }
    pub fn order_type(&self) -> OrderType {
        self.order_type
    }
    pub fn time_in_force(&self) -> Option<TimeInForce> {
        self.time_in_force
    }
    /// Zero for a `closePosition` order (it closes whatever the position is when it triggers).
    pub fn quantity(&self) -> Qty {
        self.quantity
    }
    pub fn price(&self) -> Option<Price> {
        self.price
    }
    pub fn stop_price(&self) -> Option<Price> {
        self.stop_price
    }
    pub fn reduce_only(&self) -> bool {
        self.reduce_only
    }
    pub fn close_position(&self) -> bool {
        self.close_position
    }
    pub fn client_order_id(&self) -> Option<&str> {
        self.client_order_id.as_deref()
    }
    /// The client id, shared (cloning it does not copy the text).
    pub fn client_id(&self) -> Option<&ClientOrderId> {
        self.client_order_id.as_ref()
    }
    pub fn notional(&self) -> Notional {
        self.notional
    }
    pub fn working_type(&self) -> WorkingType {
        self.working_type
    }
    /// True when this order was checked against exactly `spec` (the same shared rules) and
    /// `market`: checking it again there would give the same answer.
    pub fn checked_against(&self, spec: SharedSpec, market: &MarketContext) -> bool {
        self.stamp
            .0
            .as_ref()
            .is_some_and(|(s, m)| SharedSpec::same(*s, spec) && m == market)
    }
}
