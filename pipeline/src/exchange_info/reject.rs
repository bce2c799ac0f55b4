//! `Reject`: a venue's refusal, as Binance's `{"code": -4164, "msg": "..."}`.
//!
//! Every constructor here writes Binance's own wording (binance-facts.md section 2), so the
//! simulated exchange, the local server and the live adapter all say the same thing for the
//! same order. Must never live here: pipeline-level reason codes (those are the funnel's).

use std::fmt;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

// Binance prints limits without trailing zeros ("100", not "100.00").
use crate::domain::decimal_text::plain_text as plain;

/// A Binance error: negative code and message.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Reject {
    pub code: i32,
    pub msg: String,
}

impl fmt::Display for Reject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.code, self.msg)
    }
}

impl std::error::Error for Reject {}

fn r(code: i32, msg: impl Into<String>) -> Reject {
    Reject {
        code,
        msg: msg.into(),
    }
}

impl Reject {
    pub fn mandatory_param(name: &str) -> Reject {
        r(
            -1102,
            format!("Mandatory parameter '{name}' was not sent, was empty/null, or malformed."),
        )
    }
    pub fn param_not_required(name: &str) -> Reject {
        r(-1106, format!("Parameter '{name}' sent when not required."))
    }
    pub fn bad_precision() -> Reject {
        r(
            -1111,
            "Precision is over the maximum defined for this asset.",
        )
    }
    pub fn invalid_time_in_force() -> Reject {
        r(-1115, "Invalid timeInForce.")
    }
    pub fn invalid_order_type() -> Reject {
        r(-1116, "Invalid orderType.")
    }
    pub fn invalid_side() -> Reject {
        r(-1117, "Invalid side.")
    }
    pub fn invalid_symbol() -> Reject {
        r(-1121, "Invalid symbol.")
    }
    /// -1000 with the simulator's reason appended (Binance sends the bare sentence).
    pub fn unknown_error(detail: &str) -> Reject {
        r(
            -1000,
            format!("An unknown error occured while processing the request. ({detail})"),
        )
    }
    pub fn unknown_order() -> Reject {
        r(-2011, "Unknown order sent.")
    }
    pub fn no_such_order() -> Reject {
        r(-2013, "Order does not exist.")
    }
    pub fn margin_insufficient() -> Reject {
        r(-2019, "Margin is insufficient.")
    }
    pub fn would_immediately_trigger() -> Reject {
        r(-2021, "Order would immediately trigger.")
    }
    pub fn reduce_only_rejected() -> Reject {
        r(-2022, "ReduceOnly Order is rejected.")
    }
    pub fn max_open_orders() -> Reject {
        r(-2025, "Reach max open order limit.")
    }
    pub fn max_position_at_leverage() -> Reject {
        r(
            -2027,
            "Exceeded the maximum allowable position at current leverage.",
        )
    }
    pub fn price_above_max() -> Reject {
        r(-4002, "Price greater than max price.")
    }
    pub fn qty_not_positive() -> Reject {
        r(-4003, "Quantity less than or equal to zero.")
    }
    pub fn qty_below_min() -> Reject {
        r(-4004, "Quantity less than min quantity.")
    }
    pub fn qty_above_max() -> Reject {
        r(-4005, "Quantity greater than max quantity.")
    }
    pub fn price_below_min() -> Reject {
        r(-4013, "Price less than min price.")
    }
    pub fn price_not_on_tick() -> Reject {
        r(-4014, "Price not increased by tick size.")
    }
    pub fn client_id_too_long() -> Reject {
        r(
            -4015,
            "Client order id length should not be more than 36 chars",
        )
    }
    pub fn limit_price_above_cap(cap: Decimal) -> Reject {
        r(
            -4016,
            format!("Limit price can't be higher than {}.", plain(cap)),
        )
    }
    pub fn qty_not_on_step() -> Reject {
        r(-4023, "Qty not increased by step size.")
    }
    pub fn limit_price_below_floor(floor: Decimal) -> Reject {
        r(
            -4024,
            format!("Limit price can't be lower than {}.", plain(floor)),
        )
    }
    pub fn invalid_leverage(leverage: impl fmt::Display) -> Reject {
        r(-4028, format!("Leverage {leverage} is not valid"))
    }
    pub fn max_stop_orders() -> Reject {
        r(-4045, "Reach max stop order limit.")
    }
    pub fn margin_type_unchanged() -> Reject {
        r(-4046, "No need to change margin type.")
    }
    pub fn margin_type_with_open_orders() -> Reject {
        r(
            -4047,
            "Margin type cannot be changed if there exists open orders.",
        )
    }
    pub fn margin_type_with_position() -> Reject {
        r(
            -4048,
            "Margin type cannot be changed if there exists position.",
        )
    }
    pub fn duplicate_client_order_id() -> Reject {
        r(-4116, "clientOrderId is duplicated")
    }
    pub fn reduce_only_margin_check_failed() -> Reject {
        r(
            -4118,
            "ReduceOnly Order Failed. Please check your existing position and open orders",
        )
    }
    pub fn use_algo_endpoint() -> Reject {
        r(
            -4120,
            "Order type not supported for this endpoint. Please use the Algo Order API endpoints instead.",
        )
    }
    pub fn counterparty_price_out_of_band() -> Reject {
        r(
            -4131,
            "The counterparty's best price does not meet the PERCENT_PRICE filter limit",
        )
    }
    pub fn close_position_with_quantity() -> Reject {
        r(
            -4137,
            "Quantity must be zero with closePosition equals true",
        )
    }
    pub fn close_position_with_reduce_only() -> Reject {
        r(
            -4138,
            "Reduce only must be true with closePosition equals true",
        )
    }
    pub fn symbol_not_trading() -> Reject {
        r(-4140, "Invalid symbol status for opening position.")
    }
    pub fn notional_below_min(min_notional: Decimal) -> Reject {
        r(
            -4164,
            format!(
                "Order's notional must be no smaller than {} (unless you choose reduce only).",
                plain(min_notional)
            ),
        )
    }
    pub fn fok_not_filled() -> Reject {
        r(
            -5021,
            "Due to the order could not be filled immediately, the FOK order has been rejected.",
        )
    }
    pub fn post_only_would_take() -> Reject {
        r(
            -5022,
            "Due to the order could not be executed as maker, the Post Only order will be rejected.",
        )
    }
    pub fn invalid_signature() -> Reject {
        r(-1022, "Signature for this request is not valid.")
    }
    pub fn timestamp_outside_recv_window() -> Reject {
        r(
            -1021,
            "Timestamp for this request is outside of the recvWindow.",
        )
    }
    pub fn timestamp_ahead() -> Reject {
        r(
            -1021,
            "Timestamp for this request was 1000ms ahead of the server's time.",
        )
    }
    pub fn invalid_api_key() -> Reject {
        r(-2015, "Invalid API-key, IP, or permissions for action.")
    }
    pub fn too_many_requests(limit: u32) -> Reject {
        r(
            -1003,
            format!(
                "Too many requests; current limit is {limit} requests per minute. Please use the websocket for live updates to avoid polling the API."
            ),
        )
    }

    /// The HTTP status Binance answers this code with.
    pub fn http_status(&self) -> u16 {
        match self.code {
            -2015 => 401,
            -1003 => 429,
            _ => 400,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn min_notional_message_matches_binance() {
        assert_eq!(
            Reject::notional_below_min(dec!(100.00)).msg,
            "Order's notional must be no smaller than 100 (unless you choose reduce only)."
        );
        assert_eq!(
            Reject::notional_below_min(dec!(5.0))
                .msg
                .matches(" 5 ")
                .count(),
            1
        );
        assert_eq!(Reject::invalid_api_key().http_status(), 401);
        assert_eq!(
            Reject::invalid_symbol().to_string(),
            "-1121 Invalid symbol."
        );
    }
}
