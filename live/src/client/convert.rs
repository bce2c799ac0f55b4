//! The client's reading of Binance's answers, on top of `binance`'s shapes (the same structs the
//! local server writes): orders, algo orders (plus the regular order a trigger created),
//! positions, balances, klines. A shape that does not convert is an error naming the field,
//! never a guess.
//! Must never live here: HTTP, retries, decisions, or JSON shapes of its own (they are `binance`'s).

use pipeline::Kline;
use pipeline::venue::{OrderState, VenueError};

use binance::{KlineEvent, KlineRow, WireAlgoOrder};

/// A conditional order on the Algo service, with what it became after its trigger.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlgoOrderState {
    /// The order as the pipeline sees it (`order_id` is the algoId).
    pub state: OrderState,
    /// The regular order the trigger created (`actualOrderId`), once triggered.
    pub actual_order_id: Option<i64>,
}

pub(crate) fn algo_state(w: &WireAlgoOrder) -> Result<AlgoOrderState, VenueError> {
    let actual_order_id = w
        .actual_order_id
        .as_deref()
        .and_then(|s| s.trim().parse::<i64>().ok())
        .filter(|id| *id > 0);
    Ok(AlgoOrderState {
        state: w.to_state()?,
        actual_order_id,
    })
}

/// One row of `GET /fapi/v1/klines` as untyped JSON.
pub fn parse_kline_row(row: &serde_json::Value) -> Result<Kline, VenueError> {
    let r: KlineRow = serde_json::from_value(row.clone()).map_err(|e| {
        VenueError::Unknown(format!(
            "the venue sent a kline row that cannot be read ({e})"
        ))
    })?;
    Ok(r.to_kline()?)
}

/// The closed kline of a websocket kline event (`None`: still open, or not a kline event).
pub fn closed_kline(event: &KlineEvent) -> Option<Kline> {
    (event.event_type == "kline" && event.kline.closed)
        .then(|| event.to_kline().ok())
        .flatten()
}

#[cfg(test)]
#[path = "convert_tests.rs"]
mod tests;
