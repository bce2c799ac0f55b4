//! What an HTTP answer (or its absence) means for the caller: the mapping of statuses and
//! Binance `{code,msg}` bodies to retry, back off, stop, or a `VenueError` (the query-string
//! encoding is `binance::params`'). Pure functions, unit-tested without a server.
//! Must never live here: sending requests (that is `transport`).

use std::time::Duration;

use pipeline::exchange_info::Reject;
use pipeline::venue::VenueError;
use serde::Deserialize;

use super::transport::Request;

/// A 418 without Retry-After bans for at least this long.
const DEFAULT_BAN: Duration = Duration::from_secs(120);

/// What one attempt produced.
pub(crate) enum Attempt {
    Ok(String),
    Fail(VenueError),
    ClockSkew(Reject),
    TooMany(Duration, String),
    Banned(Duration, String),
}

#[derive(Deserialize)]
pub(crate) struct ErrorBody {
    #[serde(deserialize_with = "code_as_i32")]
    pub code: i32,
    #[serde(default)]
    pub msg: String,
}

fn code_as_i32<'de, D: serde::Deserializer<'de>>(d: D) -> Result<i32, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Code {
        N(i64),
        S(String),
    }
    match Code::deserialize(d)? {
        Code::N(n) => i32::try_from(n).map_err(serde::de::Error::custom),
        Code::S(s) => s.trim().parse().map_err(serde::de::Error::custom),
    }
}

/// Maps a non-2xx answer to what the caller should do.
pub(crate) fn classify(
    status: u16,
    parsed: Option<Reject>,
    retry_after: Option<Duration>,
    what: String,
    text: String,
) -> Attempt {
    match (status, parsed) {
        (418, _) => Attempt::Banned(retry_after.unwrap_or(DEFAULT_BAN), text),
        (429, _) => Attempt::TooMany(retry_after.unwrap_or(Duration::from_secs(1)), text),
        (_, Some(r)) if r.code == -1021 => Attempt::ClockSkew(r),
        (503, Some(r)) if r.code == -1008 => {
            Attempt::Fail(VenueError::Unavailable(format!("{what}: {text}")))
        }
        (503, r)
            if r.as_ref()
                .is_some_and(|r| r.msg.starts_with("Service Unavailable")) =>
        {
            Attempt::Fail(VenueError::Unavailable(format!("{what}: {text}")))
        }
        (408 | 500.., _) => Attempt::Fail(VenueError::Unknown(format!("{what}: {text}"))),
        (400..500, Some(r)) => Attempt::Fail(VenueError::Rejected(r)),
        _ => Attempt::Fail(VenueError::Unavailable(format!("{what}: {text}"))),
    }
}

/// A request that got no HTTP answer. Timeouts and broken answers are unknown outcomes; a
/// failed connect never reached the venue. The URL (query, signature) is left out.
pub(crate) fn transport_error(req: &Request<'_>, e: &reqwest::Error) -> VenueError {
    let what = format!("{} {}", req.method, req.path);
    let detail = strip_url(e);
    if e.is_connect() {
        VenueError::Unavailable(format!("{what}: cannot connect ({detail})"))
    } else if e.is_timeout() {
        VenueError::Unknown(format!("{what}: no answer in time ({detail})"))
    } else {
        VenueError::Unknown(format!("{what}: the answer was lost ({detail})"))
    }
}

fn strip_url(e: &reqwest::Error) -> String {
    let mut text = String::new();
    let mut src: Option<&dyn std::error::Error> = std::error::Error::source(e);
    while let Some(s) = src {
        text = s.to_string();
        src = s.source();
    }
    if text.is_empty() {
        "no detail".to_string()
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rej(code: i32, msg: &str) -> Option<Reject> {
        Some(Reject {
            code,
            msg: msg.to_string(),
        })
    }

    fn kind(a: Attempt) -> String {
        match a {
            Attempt::Ok(_) => "ok".into(),
            Attempt::Fail(VenueError::Rejected(r)) => format!("rejected {}", r.code),
            Attempt::Fail(VenueError::Unknown(_)) => "unknown".into(),
            Attempt::Fail(VenueError::Unavailable(_)) => "unavailable".into(),
            Attempt::ClockSkew(_) => "skew".into(),
            Attempt::TooMany(d, _) => format!("429 {}", d.as_secs()),
            Attempt::Banned(d, _) => format!("418 {}", d.as_secs()),
        }
    }

    fn c(status: u16, r: Option<Reject>, ra: Option<u64>) -> String {
        kind(classify(
            status,
            r,
            ra.map(Duration::from_secs),
            "X".into(),
            "t".into(),
        ))
    }

    #[test]
    fn answers_map_to_the_venue_errors() {
        assert_eq!(c(400, rej(-4164, "notional"), None), "rejected -4164");
        assert_eq!(
            c(401, rej(-2015, "Invalid API-key"), None),
            "rejected -2015"
        );
        assert_eq!(c(400, rej(-1021, "Timestamp"), None), "skew");
        assert_eq!(c(429, rej(-1003, "Too many"), Some(7)), "429 7");
        assert_eq!(c(429, None, None), "429 1");
        assert_eq!(c(418, rej(-1003, "banned"), None), "418 120");
        let unknown = rej(
            -1000,
            "Unknown error, please check your request or try again later.",
        );
        assert_eq!(c(503, unknown, None), "unknown");
        assert_eq!(c(503, rej(-1008, "Request throttled"), None), "unavailable");
        assert_eq!(
            c(503, rej(-1000, "Service Unavailable."), None),
            "unavailable"
        );
        assert_eq!(c(500, None, None), "unknown");
        assert_eq!(c(408, None, None), "unknown");
        assert_eq!(c(404, None, None), "unavailable");
    }

    #[test]
    fn error_codes_may_be_strings() {
        let b: ErrorBody = serde_json::from_str(r#"{"code":"200","msg":"success"}"#).expect("body");
        assert_eq!(b.code, 200);
    }
}
