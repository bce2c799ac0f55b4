//! Binance's `GET /fapi/v1/exchangeInfo` JSON, field for field, as serde types.
//!
//! These structs only mirror the wire format (decimals stay strings here, unknown fields are
//! kept in `extra` so a file round-trips). Validation into typed filters happens in `spec.rs`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RawExchangeInfo {
    #[serde(default = "utc")]
    pub timezone: String,
    #[serde(default)]
    pub server_time: i64,
    #[serde(default)]
    pub rate_limits: Vec<Value>,
    #[serde(default)]
    pub exchange_filters: Vec<Value>,
    #[serde(default)]
    pub assets: Vec<Value>,
    pub symbols: Vec<RawSymbol>,
    #[serde(flatten)]
    pub extra: BTreeMap<String, Value>,
}

fn utc() -> String {
    "UTC".to_string()
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RawSymbol {
    pub symbol: String,
    #[serde(default)]
    pub pair: String,
    #[serde(default)]
    pub contract_type: String,
    #[serde(default)]
    pub delivery_date: i64,
    #[serde(default)]
    pub onboard_date: i64,
    pub status: String,
    #[serde(default)]
    pub base_asset: String,
    #[serde(default)]
    pub quote_asset: String,
    #[serde(default)]
    pub margin_asset: String,
    pub price_precision: u32,
    pub quantity_precision: u32,
    #[serde(default)]
    pub base_asset_precision: u32,
    #[serde(default)]
    pub quote_precision: u32,
    #[serde(default)]
    pub underlying_type: String,
    #[serde(default)]
    pub trigger_protect: Option<String>,
    #[serde(default)]
    pub liquidation_fee: Option<String>,
    #[serde(default)]
    pub market_take_bound: Option<String>,
    pub filters: Vec<RawFilter>,
    #[serde(default)]
    pub order_types: Vec<String>,
    #[serde(default)]
    pub time_in_force: Vec<String>,
    #[serde(flatten)]
    pub extra: BTreeMap<String, Value>,
}

/// One entry of a symbol's `filters` array, tagged by `filterType`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "filterType")]
pub enum RawFilter {
    #[serde(rename = "PRICE_FILTER", rename_all = "camelCase")]
    PriceFilter {
        min_price: String,
        max_price: String,
        tick_size: String,
    },
    #[serde(rename = "LOT_SIZE", rename_all = "camelCase")]
    LotSize {
        min_qty: String,
        max_qty: String,
        step_size: String,
    },
    #[serde(rename = "MARKET_LOT_SIZE", rename_all = "camelCase")]
    MarketLotSize {
        min_qty: String,
        max_qty: String,
        step_size: String,
    },
    #[serde(rename = "MAX_NUM_ORDERS")]
    MaxNumOrders { limit: u32 },
    #[serde(rename = "MAX_NUM_ALGO_ORDERS")]
    MaxNumAlgoOrders { limit: u32 },
    #[serde(rename = "MIN_NOTIONAL")]
    MinNotional { notional: String },
    #[serde(rename = "PERCENT_PRICE", rename_all = "camelCase")]
    PercentPrice {
        multiplier_up: String,
        multiplier_down: String,
        /// A string ("4") in real responses, an int in the docs.
        #[serde(default)]
        multiplier_decimal: Option<Value>,
    },
    /// A filter type this version does not know; kept out of the checks.
    #[serde(other)]
    Unknown,
}
