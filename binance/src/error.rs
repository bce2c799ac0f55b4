//! Errors on the wire: Binance's `{"code": <negative int>, "msg": "..."}` body and the HTTP
//! status each code travels with (binance-facts.md section 2), in both directions, so the
//! server answers and the client reads the same way.
//!
//! - [`http_status`]: the status the server sends a `Reject` with.
//! - [`venue_error`]: what a client makes of a non-2xx answer: a `Rejected` (the order surely
//!   does not exist), `Unknown` (500, 503 "Unknown error", a body that is not Binance's: read
//!   the venue back) or `Unavailable` (429, 418, 503 "Service Unavailable" / -1008: not
//!   executed, try later).
//! - Constructors for the server-side failures Binance sends with 5xx statuses.
//!
//! Must never live here: retry policy (that is the client's), anything secret.

use pipeline::exchange_info::Reject;
use pipeline::venue::VenueError;
use serde::{Deserialize, Serialize};

/// Binance's error body. Also the success body of a few endpoints (`{"code":200,...}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    pub code: i64,
    pub msg: String,
}

impl From<&Reject> for ErrorBody {
    fn from(r: &Reject) -> Self {
        ErrorBody {
            code: i64::from(r.code),
            msg: r.msg.clone(),
        }
    }
}

impl ErrorBody {
    /// `{"code":200,"msg":"success"}`, the answer of marginType and positionSide/dual.
    pub fn success() -> ErrorBody {
        ErrorBody {
            code: 200,
            msg: "success".to_string(),
        }
    }
}

/// The message of a 503 whose execution status is unknown: the request may have been executed.
pub const UNKNOWN_503_MSG: &str = "Unknown error, please check your request or try again later.";
/// The message of a 503 that surely was not executed.
pub const UNAVAILABLE_503_MSG: &str = "Service Unavailable.";

/// HTTP 500: an internal error (-1000). The request may or may not have been executed.
pub fn internal_error() -> Reject {
    Reject {
        code: -1000,
        msg: "An unknown error occured while processing the request.".to_string(),
    }
}

/// HTTP 503, execution unknown.
pub fn unknown_503() -> Reject {
    Reject {
        code: -1000,
        msg: UNKNOWN_503_MSG.to_string(),
    }
}

/// HTTP 503, not executed (-1001 DISCONNECTED family).
pub fn unavailable_503() -> Reject {
    Reject {
        code: -1001,
        msg: UNAVAILABLE_503_MSG.to_string(),
    }
}

/// HTTP 503 -1008: throttled by system-level protection, not executed.
pub fn throttled_503() -> Reject {
    Reject {
        code: -1008,
        msg: "Request throttled by system-level protection. Reduce-only/close-position orders are exempt. Please try again.".to_string(),
    }
}

/// -1125: the listen key does not exist.
pub fn invalid_listen_key() -> Reject {
    Reject {
        code: -1125,
        msg: "This listenKey does not exist.".to_string(),
    }
}

/// The HTTP status Binance sends `r` with. 5xx codes are chosen by the caller (see the
/// constructors above); every other business reject is 400.
pub fn http_status(r: &Reject) -> u16 {
    match r.code {
        -2015 => 401,
        -1003 if r.msg.starts_with("Way too many") => 418,
        -1003 | -1015 => 429,
        -1008 | -1001 => 503,
        -1000 if r.msg == UNKNOWN_503_MSG => 503,
        -1000 => 500,
        _ => 400,
    }
}

/// What a client makes of a non-2xx answer with `status` and `body`.
pub fn venue_error(status: u16, body: &str) -> VenueError {
    let parsed = serde_json::from_str::<ErrorBody>(body).ok();
    let reject = parsed.as_ref().and_then(|b| {
        i32::try_from(b.code).ok().map(|code| Reject {
            code,
            msg: b.msg.clone(),
        })
    });
    match (status, reject) {
        (429 | 418, r) => VenueError::Unavailable(format!(
            "HTTP {status}: rate limited{}",
            r.map(|r| format!(" ({r})")).unwrap_or_default()
        )),
        (503, Some(r)) if r.code == -1008 || r.msg == UNAVAILABLE_503_MSG || r.code == -1001 => {
            VenueError::Unavailable(format!("HTTP 503: {r}"))
        }
        (500..=599, r) => VenueError::Unknown(format!(
            "HTTP {status}{}",
            r.map(|r| format!(": {r}")).unwrap_or_default()
        )),
        (_, Some(r)) => VenueError::Rejected(r),
        (_, None) => VenueError::Unknown(format!(
            "HTTP {status} with a body that is not Binance's {{code,msg}}"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(r: &Reject) -> VenueError {
        let body = serde_json::to_string(&ErrorBody::from(r)).unwrap_or_default();
        venue_error(http_status(r), &body)
    }

    #[test]
    fn business_rejects_travel_as_400_and_come_back_equal() {
        for r in [
            Reject::notional_below_min(rust_decimal::Decimal::from(100)),
            Reject::invalid_signature(),
            Reject::timestamp_outside_recv_window(),
            Reject::unknown_order(),
        ] {
            assert_eq!(http_status(&r), 400);
            assert_eq!(round_trip(&r), VenueError::Rejected(r.clone()));
        }
        assert_eq!(http_status(&Reject::invalid_api_key()), 401);
        assert_eq!(
            round_trip(&Reject::invalid_api_key()),
            VenueError::Rejected(Reject::invalid_api_key())
        );
    }

    #[test]
    fn server_side_failures_split_into_unknown_and_unavailable() {
        assert_eq!(http_status(&internal_error()), 500);
        assert_eq!(http_status(&unknown_503()), 503);
        assert_eq!(http_status(&unavailable_503()), 503);
        assert_eq!(http_status(&throttled_503()), 503);
        assert!(matches!(
            round_trip(&internal_error()),
            VenueError::Unknown(_)
        ));
        assert!(matches!(round_trip(&unknown_503()), VenueError::Unknown(_)));
        assert!(matches!(
            round_trip(&unavailable_503()),
            VenueError::Unavailable(_)
        ));
        assert!(matches!(
            round_trip(&throttled_503()),
            VenueError::Unavailable(_)
        ));
        assert!(matches!(
            round_trip(&Reject::too_many_requests(2400)),
            VenueError::Unavailable(_)
        ));
        assert!(matches!(venue_error(502, "<html>"), VenueError::Unknown(_)));
        assert!(matches!(venue_error(404, ""), VenueError::Unknown(_)));
    }
}
