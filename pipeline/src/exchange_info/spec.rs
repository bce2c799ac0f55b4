//! Typed, validated exchange info: `ExchangeInfo` (every symbol of one venue) and `SymbolSpec`
//! (one symbol's status, precisions and filters).
//!
//! Invariant: a `SymbolSpec` always has PRICE_FILTER, LOT_SIZE and MARKET_LOT_SIZE; a file that
//! lacks one is refused on load with the symbol and the filter named. A filter part set to 0 is
//! disabled, as Binance documents.

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use serde::Serialize;

use super::raw::{RawExchangeInfo, RawFilter, RawSymbol};
use crate::domain::money::parse_decimal;
use crate::domain::{Symbol, TimestampMs};

/// Why an exchange-info document could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ExchangeInfoError {
    #[error(
        "{source_name}: not Binance exchangeInfo JSON ({err}); save the body of GET /fapi/v1/exchangeInfo unchanged"
    )]
    Json {
        source_name: String,
        err: serde_json::Error,
    },
    #[error("{source_name}: symbol {symbol}: {what}")]
    Symbol {
        source_name: String,
        symbol: String,
        what: String,
    },
}

/// PRICE_FILTER: applies to price and stop price.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct PriceFilter {
    pub min_price: Decimal,
    pub max_price: Decimal,
    pub tick_size: Decimal,
}

/// LOT_SIZE or MARKET_LOT_SIZE.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct LotSize {
    pub min_qty: Decimal,
    pub max_qty: Decimal,
    pub step_size: Decimal,
}

impl LotSize {
    /// Floors `qty` onto this filter's grid (`min_qty + k * step`), or `None` below `min_qty`.
    pub fn floor_qty(&self, qty: Decimal) -> Option<Decimal> {
        if qty < self.min_qty {
            return None;
        }
        if self.step_size.is_zero() {
            return Some(qty);
        }
        let k = ((qty - self.min_qty) / self.step_size).floor();
        Some((self.min_qty + k * self.step_size).normalize())
    }

    /// Ceils `qty` onto this filter's grid (at least `min_qty`).
    pub fn ceil_qty(&self, qty: Decimal) -> Decimal {
        if qty <= self.min_qty || self.step_size.is_zero() {
            return qty.max(self.min_qty);
        }
        let k = ((qty - self.min_qty) / self.step_size).ceil();
        (self.min_qty + k * self.step_size).normalize()
    }
}

/// PERCENT_PRICE: how far a LIMIT price may sit from the mark price.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct PercentPrice {
    pub multiplier_up: Decimal,
    pub multiplier_down: Decimal,
}

/// Binance's symbol status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum SymbolStatus {
    Trading,
    /// Any other status (PENDING_TRADING, SETTLING, CLOSE, ...), kept verbatim.
    Other(String),
}

/// One symbol's trading rules.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SymbolSpec {
    pub symbol: Symbol,
    pub pair: String,
    pub contract_type: String,
    pub status: SymbolStatus,
    pub base_asset: String,
    pub quote_asset: String,
    pub margin_asset: String,
    pub onboard_date: TimestampMs,
    pub delivery_date: TimestampMs,
    /// Not the tick: the most decimals a price may carry (-1111 beyond).
    pub price_precision: u32,
    /// Not the step: the most decimals a quantity may carry (-1111 beyond).
    pub quantity_precision: u32,
    pub price_filter: PriceFilter,
    pub lot_size: LotSize,
    pub market_lot_size: LotSize,
    pub max_num_orders: Option<u32>,
    /// Minimum price x quantity; zero when the symbol has no MIN_NOTIONAL filter.
    pub min_notional: Decimal,
    pub percent_price: Option<PercentPrice>,
    pub liquidation_fee: Decimal,
    pub market_take_bound: Decimal,
    pub trigger_protect: Decimal,
}

impl SymbolSpec {
    pub fn is_trading(&self) -> bool {
        self.status == SymbolStatus::Trading
    }

    /// The lot filter an order type uses (MARKET_LOT_SIZE for market-like orders).
    pub fn lot_for(&self, market_like: bool) -> &LotSize {
        if market_like {
            &self.market_lot_size
        } else {
            &self.lot_size
        }
    }
}

/// Every symbol of one venue's exchange info, plus the raw document it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct ExchangeInfo {
    symbols: BTreeMap<Symbol, SymbolSpec>,
    raw: RawExchangeInfo,
}

impl ExchangeInfo {
    /// Parses Binance's JSON. `source_name` (a file name) is used in error messages.
    pub fn from_json(text: &str, source_name: &str) -> Result<Self, ExchangeInfoError> {
        let raw: RawExchangeInfo =
            serde_json::from_str(text).map_err(|err| ExchangeInfoError::Json {
                source_name: source_name.to_string(),
                err,
            })?;
        Self::from_raw(raw, source_name)
    }

    pub fn from_raw(raw: RawExchangeInfo, source_name: &str) -> Result<Self, ExchangeInfoError> {
        let mut symbols = BTreeMap::new();
        for rs in &raw.symbols {
            let spec = parse_symbol(rs).map_err(|what| ExchangeInfoError::Symbol {
                source_name: source_name.to_string(),
                symbol: rs.symbol.clone(),
                what,
            })?;
            symbols.insert(spec.symbol.clone(), spec);
        }
        Ok(ExchangeInfo { symbols, raw })
    }

    /// The spec of `symbol`, if the venue lists it.
    pub fn get(&self, symbol: &str) -> Option<&SymbolSpec> {
        Symbol::new(symbol).ok().and_then(|s| self.symbols.get(&s))
    }

    pub fn symbols(&self) -> impl Iterator<Item = &SymbolSpec> {
        self.symbols.values()
    }

    pub fn len(&self) -> usize {
        self.symbols.len()
    }

    pub fn is_empty(&self) -> bool {
        self.symbols.is_empty()
    }

    /// Runs the order check against this venue's rules (-1121 when the symbol is not listed).
    pub fn check(
        &self,
        req: &crate::order::OrderRequest,
        market: &super::MarketContext,
    ) -> Result<crate::order::CheckedOrder, super::Reject> {
        super::check_order(self.get(&req.symbol), req, market)
    }

    /// The document in Binance's shape (what `GET /fapi/v1/exchangeInfo` returns).
    pub fn raw(&self) -> &RawExchangeInfo {
        &self.raw
    }

    /// Binance's JSON, pretty-printed.
    pub fn to_json_pretty(&self) -> String {
        serde_json::to_string_pretty(&self.raw).unwrap_or_default()
    }
}

fn dec(field: &str, text: &str) -> Result<Decimal, String> {
    parse_decimal(text).ok_or_else(|| format!("{field} '{text}' is not a decimal number"))
}

fn opt_dec(field: &str, text: &Option<String>) -> Result<Decimal, String> {
    text.as_deref().map_or(Ok(Decimal::ZERO), |t| dec(field, t))
}

fn lot(min_qty: &str, max_qty: &str, step_size: &str) -> Result<LotSize, String> {
    Ok(LotSize {
        min_qty: dec("minQty", min_qty)?,
        max_qty: dec("maxQty", max_qty)?,
        step_size: dec("stepSize", step_size)?,
    })
}

fn parse_symbol(rs: &RawSymbol) -> Result<SymbolSpec, String> {
    let symbol = Symbol::new(&rs.symbol).map_err(|e| e.to_string())?;
    let mut price_filter = None;
    let mut lot_size = None;
    let mut market_lot_size = None;
    let mut max_num_orders = None;
    let mut min_notional = Decimal::ZERO;
    let mut percent_price = None;
    for f in &rs.filters {
        match f {
            RawFilter::PriceFilter {
                min_price,
                max_price,
                tick_size,
            } => {
                price_filter = Some(PriceFilter {
                    min_price: dec("minPrice", min_price)?,
                    max_price: dec("maxPrice", max_price)?,
                    tick_size: dec("tickSize", tick_size)?,
                })
            }
            RawFilter::LotSize {
                min_qty,
                max_qty,
                step_size,
            } => lot_size = Some(lot(min_qty, max_qty, step_size)?),
            RawFilter::MarketLotSize {
                min_qty,
                max_qty,
                step_size,
            } => market_lot_size = Some(lot(min_qty, max_qty, step_size)?),
            RawFilter::MaxNumOrders { limit } => max_num_orders = Some(*limit),
            RawFilter::MinNotional { notional } => min_notional = dec("notional", notional)?,
            RawFilter::PercentPrice {
                multiplier_up,
                multiplier_down,
                ..
            } => {
                percent_price = Some(PercentPrice {
                    multiplier_up: dec("multiplierUp", multiplier_up)?,
                    multiplier_down: dec("multiplierDown", multiplier_down)?,
                })
            }
            RawFilter::MaxNumAlgoOrders { .. } | RawFilter::Unknown => {}
        }
    }
    let missing = |name: &str| format!("has no {name} filter; every USD-M symbol needs one");
    Ok(SymbolSpec {
        pair: rs.pair.clone(),
        contract_type: rs.contract_type.clone(),
        status: if rs.status == "TRADING" {
            SymbolStatus::Trading
        } else {
            SymbolStatus::Other(rs.status.clone())
        },
        base_asset: rs.base_asset.clone(),
        quote_asset: rs.quote_asset.clone(),
        margin_asset: rs.margin_asset.clone(),
        onboard_date: TimestampMs(rs.onboard_date),
        delivery_date: TimestampMs(rs.delivery_date),
        price_precision: rs.price_precision,
        quantity_precision: rs.quantity_precision,
        price_filter: price_filter.ok_or_else(|| missing("PRICE_FILTER"))?,
        lot_size: lot_size.ok_or_else(|| missing("LOT_SIZE"))?,
        market_lot_size: market_lot_size.ok_or_else(|| missing("MARKET_LOT_SIZE"))?,
        max_num_orders,
        min_notional,
        percent_price,
        liquidation_fee: opt_dec("liquidationFee", &rs.liquidation_fee)?,
        market_take_bound: opt_dec("marketTakeBound", &rs.market_take_bound)?,
        trigger_protect: opt_dec("triggerProtect", &rs.trigger_protect)?,
        symbol,
    })
}
