//! Authentication as Binance does it (binance-facts.md section 4): the `X-MBX-APIKEY` header
//! must name a known key (-2015, HTTP 401); SIGNED endpoints also need `timestamp` within
//! `recvWindow` of the server's time (-1021) and a valid HMAC-SHA256 `signature` over the raw
//! query + raw body (-1022).
//! Must never live here: the secret in any message.

use binance::Params;
use binance::sign::verify;
use pipeline::exchange_info::Reject;

use super::ApiKey;
use super::server_clock::TimestampCheck;

/// Binance's security types, as far as the server distinguishes them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Security {
    /// Market data: no key.
    None,
    /// USER_STREAM: the key header only.
    ApiKey,
    /// TRADE / USER_DATA: key, timestamp and signature.
    Signed,
}

/// recvWindow when the request gives none.
const DEFAULT_RECV_WINDOW: i64 = 5000;
/// The largest recvWindow Binance takes ("The max cannot go beyond 60,000").
const MAX_RECV_WINDOW: i64 = 60_000;

/// -1131 BAD_RECV_WINDOW, with the message of Binance's error-code list. (The USD-M list does
/// not print -1131; the spot list does, and Binance's servers answer it on every API.)
fn bad_recv_window() -> Reject {
    Reject {
        code: -1131,
        msg: "recvWindow must be less than 60000.".to_string(),
    }
}

/// Checks the request; `now` judges its timestamp (the server's wall time plus skew, or the
/// dataset clock's [`crate::server_clock::Synced`]).
pub(crate) fn check(
    security: Security,
    keys: &[ApiKey],
    api_key_header: Option<&str>,
    params: &Params,
    now: impl TimestampCheck,
) -> Result<(), Reject> {
    if security == Security::None {
        return Ok(());
    }
    let key = api_key_header
        .and_then(|h| keys.iter().find(|k| k.key == h))
        .ok_or_else(Reject::invalid_api_key)?;
    if security == Security::ApiKey {
        return Ok(());
    }
    let timestamp: i64 = params
        .parsed("timestamp")?
        .ok_or_else(|| Reject::mandatory_param("timestamp"))?;
    let recv_window: i64 = params.parsed("recvWindow")?.unwrap_or(DEFAULT_RECV_WINDOW);
    if recv_window > MAX_RECV_WINDOW {
        return Err(bad_recv_window());
    }
    now.check_timestamp(timestamp, recv_window)?;
    let signature = params.required("signature")?;
    if !verify(&key.secret, &params.signed_payload(), signature) {
        return Err(Reject::invalid_signature());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use binance::sign::sign;

    fn keys() -> Vec<ApiKey> {
        vec![ApiKey {
            key: "k1".into(),
            secret: "s1".into(),
        }]
    }

    fn signed(query: &str) -> Params {
        let sig = sign("s1", query);
        Params::parse(&format!("{query}&signature={sig}"), "")
    }

    #[test]
    fn key_timestamp_and_signature_are_each_enforced() {
        let p = signed("symbol=BTCUSDT&timestamp=100000");
        let ok = check(Security::Signed, &keys(), Some("k1"), &p, 100_500);
        assert_eq!(ok, Ok(()));
        let code = |r: Result<(), Reject>| r.err().map(|r| r.code);
        assert_eq!(
            code(check(Security::Signed, &keys(), Some("k2"), &p, 100_500)),
            Some(-2015)
        );
        assert_eq!(
            code(check(Security::Signed, &keys(), None, &p, 100_500)),
            Some(-2015)
        );
        assert_eq!(
            code(check(Security::Signed, &keys(), Some("k1"), &p, 105_001)),
            Some(-1021)
        );
        assert_eq!(
            code(check(Security::Signed, &keys(), Some("k1"), &p, 99_000)),
            Some(-1021)
        );
        let tampered = Params::parse(
            &format!(
                "symbol=ETHUSDT&timestamp=100000&signature={}",
                sign("s1", "x")
            ),
            "",
        );
        assert_eq!(
            code(check(
                Security::Signed,
                &keys(),
                Some("k1"),
                &tampered,
                100_500
            )),
            Some(-1022)
        );
        let wide = signed("timestamp=100000&recvWindow=60000");
        assert_eq!(
            check(Security::Signed, &keys(), Some("k1"), &wide, 150_000),
            Ok(())
        );
        assert_eq!(
            check(Security::ApiKey, &keys(), Some("k1"), &Params::default(), 0),
            Ok(())
        );
    }

    #[test]
    fn a_recv_window_above_60000_is_refused_even_when_the_timestamp_is_fresh() {
        let code = |r: Result<(), Reject>| r.err().map(|r| r.code);
        let too_wide = signed("timestamp=100000&recvWindow=60001");
        assert_eq!(
            code(check(
                Security::Signed,
                &keys(),
                Some("k1"),
                &too_wide,
                100_500
            )),
            Some(-1131)
        );
        // The case: an hour-old timestamp behind a huge window.
        let stale = signed("timestamp=100000&recvWindow=999999999");
        let an_hour_later = 100_000 + 3_600_000;
        assert_eq!(
            code(check(
                Security::Signed,
                &keys(),
                Some("k1"),
                &stale,
                an_hour_later
            )),
            Some(-1131)
        );
        let stale_default = signed("timestamp=100000");
        assert_eq!(
            code(check(
                Security::Signed,
                &keys(),
                Some("k1"),
                &stale_default,
                an_hour_later
            )),
            Some(-1021)
        );
    }
}
