//! `SimError`: why the simulated exchange could not be built or driven.
//!
//! These are caller mistakes (a bad config, bars out of order, an unknown symbol id), never an
//! order's fate: an order the exchange refuses is a [`pipeline::exchange_info::Reject`] value
//! with Binance's code. Must never live here: Binance rejection codes.

use pipeline::TimestampMs;

/// A misuse of the simulated exchange, with what to do about it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SimError {
    #[error("invalid exchange_sim config: {0}")]
    Config(String),
    #[error("exchange-info schedule: {0}")]
    Schedule(String),
    #[error("symbol id {0} is unknown; take ids from SimExchange::symbol_id")]
    UnknownSymbolId(u32),
    #[error(
        "symbol '{0}' is in no exchange-info version of the schedule; add a version that lists it"
    )]
    UnknownSymbol(String),
    #[error(
        "{symbol}: bar opening at {open_time} is not after the previous bar ({previous}); feed each symbol's bars in time order, once each"
    )]
    BarOutOfOrder {
        symbol: String,
        open_time: TimestampMs,
        previous: TimestampMs,
    },
    #[error(
        "{symbol}: bar opening at {open_time} is malformed (need finite prices with 0 < low <= open, close <= high); check the data set"
    )]
    BadBar {
        symbol: String,
        open_time: TimestampMs,
    },
    #[error("funding rates for {symbol}: {what}")]
    Funding { symbol: String, what: String },
}
