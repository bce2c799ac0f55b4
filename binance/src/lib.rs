//! `binance`: Binance USD-M Futures' wire format as data, shared by the client (`live`) and the
//! local server (`serve`), so both sides write and read every byte the same way.
//!
//! - [`sign`]: HMAC-SHA256 hex signatures (sign and verify).
//! - [`params`]: request parameters from the raw query and/or form body, with the raw text
//!   kept for the signature check.
//! - [`order`], [`trade`], [`account`], [`market`], [`income`]: the JSON shapes (serde both ways, decimals as strings)
//!   and their conversions to and from `pipeline::venue` / `pipeline::order` types.
//! - [`order_params`]: order parameters both ways (`OrderRequest` <-> query), with
//!   Binance's codes for what does not parse.
//! - [`error`]: `{code,msg}` bodies and the HTTP status of each Binance code, both directions.
//!
//! - [`amount_text`]: an amount as Binance prints it (at most [`PRINTED_DECIMALS`] decimals,
//!   through `pipeline`'s one decimal-to-text function).
//!
//! Must never live here: HTTP clients or servers, an async runtime, retries, clocks, or any
//! secret in a message.

pub mod account;
pub mod error;
pub mod income;
pub mod market;
pub mod order;
pub mod order_params;
pub mod params;
pub mod sign;
pub mod trade;

use pipeline::domain::decimal_text::plain_text;
use pipeline::domain::money::parse_decimal;
use pipeline::venue::VenueError;
use pipeline::{Price, Qty, Symbol};
use rust_decimal::Decimal;

pub use account::{
    Account, AccountAsset, AccountPosition, BalanceRow, LeverageAnswer, PositionContext,
    PositionRiskV2, PositionRiskV3,
};
pub use error::{ErrorBody, http_status, venue_error};
pub use income::IncomeRow;
pub use market::{Depth, KlineEvent, KlineRow, PremiumIndex, ServerTime, TickerPrice};
pub use order::{AlgoCancelAnswer, WireAlgoOrder, WireOrder};
pub use order_params::{order_params, order_query, order_request};
pub use params::{Params, percent_encode, query_text};
pub use trade::WireTrade;

/// Binance prints at most this many decimals in an amount it computes (a balance, a PnL, a fee,
/// a margin, a liquidation price), however many the computation carried.
pub const PRINTED_DECIMALS: u32 = 8;

/// An amount Binance computes, as Binance prints it: rounded to [`PRINTED_DECIMALS`], then
/// without trailing zeros.
pub fn amount_text(d: Decimal) -> String {
    plain_text(d.round_dp(PRINTED_DECIMALS))
}

/// A field of a Binance answer that does not convert into the pipeline's types.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the venue sent {field} = {value:?}, which cannot be read as that field")]
pub struct WireError {
    pub field: String,
    pub value: String,
}

impl WireError {
    pub fn new(field: &str, value: &str) -> WireError {
        WireError {
            field: field.to_string(),
            value: value.to_string(),
        }
    }
}

impl From<WireError> for VenueError {
    fn from(e: WireError) -> Self {
        VenueError::Unknown(e.to_string())
    }
}

pub(crate) fn dec(field: &str, text: &str) -> Result<Decimal, WireError> {
    parse_decimal(text).ok_or_else(|| WireError::new(field, text))
}

pub(crate) fn qty(field: &str, text: &str) -> Result<Qty, WireError> {
    Qty::new(dec(field, text)?.abs()).map_err(|_| WireError::new(field, text))
}

/// A price where "0" or "" means "not set".
pub(crate) fn opt_price(field: &str, text: &str) -> Result<Option<Price>, WireError> {
    if text.is_empty() {
        return Ok(None);
    }
    let d = dec(field, text)?;
    if d.is_zero() {
        return Ok(None);
    }
    Price::new(d)
        .map(Some)
        .map_err(|_| WireError::new(field, text))
}

pub(crate) fn symbol(text: &str) -> Result<Symbol, WireError> {
    Symbol::new(text).map_err(|_| WireError::new("symbol", text))
}
