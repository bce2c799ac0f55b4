//! Fault injection: what the server does wrong on purpose, set at start ([`Faults`] in the
//! config) or with `POST /sim/faults` (the same JSON). Counters count down as faults fire.
//!
//! - `drop_after_order`: the next N accepted orders (`POST /order` or `/algoOrder`) are placed,
//!   then their connection is closed without an answer.
//! - `errors`: answer the next `count` requests of `method path` with HTTP 500 (-1000) or 503
//!   (`kind` "unknown": execution unknown, "unavailable": -1001, "throttled": -1008); with
//!   `execute` the request is carried out first (a 503 "unknown" that did happen).
//! - `force_429`: the next N requests get 429/-1003.
//! - `clock_skew_ms`: added to the server's time (`/time` and the recvWindow check).
//! - `ws_drop_after`: the next market websocket that opens is closed after N messages.
//!
//! Must never live here: the request pipeline itself (`http`).

use pipeline::exchange_info::Reject;
use serde::{Deserialize, Serialize};

use binance::error::{internal_error, throttled_503, unavailable_503, unknown_503};

/// One armed HTTP error.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ErrorFault {
    /// The path, e.g. "/fapi/v1/order".
    pub path: String,
    /// "GET", "POST", "DELETE", "PUT"; absent: any method.
    #[serde(default)]
    pub method: Option<String>,
    /// 500 or 503.
    pub status: u16,
    /// For 503: "unknown" (default), "unavailable" or "throttled".
    #[serde(default)]
    pub kind: Option<String>,
    /// How many requests it answers.
    pub count: u32,
    /// Carry the request out before answering with the error.
    #[serde(default)]
    pub execute: bool,
}

impl ErrorFault {
    /// The body to answer with; an unsupported status or kind is refused with what to use.
    pub fn reject(&self) -> Result<Reject, String> {
        match (self.status, self.kind.as_deref()) {
            (500, None) => Ok(internal_error()),
            (503, None | Some("unknown")) => Ok(unknown_503()),
            (503, Some("unavailable")) => Ok(unavailable_503()),
            (503, Some("throttled")) => Ok(throttled_503()),
            (s, k) => Err(format!(
                "error fault status {s} kind {k:?} is not supported; use 500, or 503 with kind unknown, unavailable or throttled"
            )),
        }
    }

    fn matches(&self, method: &str, path: &str) -> bool {
        self.count > 0
            && self.path == path
            && self
                .method
                .as_deref()
                .is_none_or(|m| m.eq_ignore_ascii_case(method))
    }
}

/// The armed faults.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Faults {
    pub drop_after_order: u32,
    pub errors: Vec<ErrorFault>,
    pub force_429: u32,
    pub clock_skew_ms: i64,
    pub ws_drop_after: Option<u32>,
}

impl Faults {
    /// Refuses faults the server cannot inject (with what to write instead).
    pub fn validate(&self) -> Result<(), String> {
        self.errors.iter().try_for_each(|e| e.reject().map(|_| ()))
    }

    /// Takes one forced 429 if armed.
    pub(crate) fn take_429(&mut self) -> bool {
        let fire = self.force_429 > 0;
        self.force_429 = self.force_429.saturating_sub(1);
        fire
    }

    /// Takes one error fault for this request if armed: (reject, execute first).
    pub(crate) fn take_error(&mut self, method: &str, path: &str) -> Option<(Reject, bool)> {
        let e = self.errors.iter_mut().find(|e| e.matches(method, path))?;
        e.count -= 1;
        let out = e.reject().ok().map(|r| (r, e.execute));
        self.errors.retain(|e| e.count > 0);
        out
    }

    /// Takes one connection drop after an accepted order if armed.
    pub(crate) fn take_drop(&mut self) -> bool {
        let fire = self.drop_after_order > 0;
        self.drop_after_order = self.drop_after_order.saturating_sub(1);
        fire
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn faults_count_down_and_match_method_and_path() {
        let mut f: Faults = serde_json::from_str(
            r#"{"errors":[{"path":"/fapi/v1/order","method":"POST","status":503,"count":2,"execute":true}],"force_429":1}"#,
        )
        .expect("valid json");
        assert!(f.validate().is_ok());
        assert!(f.take_error("GET", "/fapi/v1/order").is_none());
        let (r, execute) = f.take_error("post", "/fapi/v1/order").expect("armed");
        assert_eq!((r.code, execute), (-1000, true));
        assert!(f.take_error("POST", "/fapi/v1/order").is_some());
        assert!(f.take_error("POST", "/fapi/v1/order").is_none());
        assert!(f.take_429());
        assert!(!f.take_429());
        let bad = ErrorFault {
            path: "/x".into(),
            method: None,
            status: 502,
            kind: None,
            count: 1,
            execute: false,
        };
        assert!(
            bad.reject()
                .expect_err("502 is refused")
                .contains("use 500")
        );
    }
}
