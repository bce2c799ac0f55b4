//! The request core: every REST call of the client goes through [`Client::call`].
//!
//! Rules, in the order they apply: after an HTTP 418 (IP ban) no request leaves until the ban
//! ends; a 429's Retry-After is waited out (at most `max_backoff`) and the call retried once;
//! signed calls carry `recvWindow`, `timestamp` (local clock + the server offset) and the
//! HMAC-SHA256 `signature` as the last parameter; a -1021 (timestamp outside recvWindow)
//! re-syncs the clock from `/fapi/v1/time` and retries once. `X-MBX-USED-WEIGHT-1M` is kept.
//! Answers map to `VenueError`: Binance's `{code,msg}` on a 4xx is `Rejected`; a timeout, a
//! 408, a 5xx other than the two "failed" 503 variants is `Unknown` (the request may have been
//! executed: read back); no connection, a ban or an unreadable 4xx is `Unavailable`.
//! Must never live here: endpoint knowledge beyond `/fapi/v1/time`, keys in any message.

use std::fmt;
use std::sync::Mutex;
use std::sync::atomic::{AtomicI64, AtomicU32, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use pipeline::exchange_info::Reject;
use pipeline::venue::VenueError;
use reqwest::Method;
use reqwest::blocking::Response;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use tracing::{debug, warn};

use super::config::{ClientConfig, Credentials, Environment};
use super::outcome::{Attempt, ErrorBody, classify, transport_error};

/// Binance's REQUEST_WEIGHT limit per minute on mainnet: the limit the client warns against
/// (above 80% of it) until the venue's exchangeInfo names its own.
const WEIGHT_LIMIT_1M: u32 = 2400;
/// A limit this large is no limit (`sim serve --no-rate-limits` advertises `u32::MAX`).
const NO_WEIGHT_LIMIT: u32 = u32::MAX;

/// Whether `used` weight is above 80% of a real `limit` (never against no limit).
pub(crate) fn weight_above_warning_level(used: u32, limit: u32) -> bool {
    limit != NO_WEIGHT_LIMIT && u64::from(used) * 5 > u64::from(limit) * 4
}

/// One REST call.
#[derive(Debug, Clone)]
pub(crate) struct Request<'a> {
    pub method: Method,
    pub path: &'a str,
    pub params: Vec<(&'static str, String)>,
    /// TRADE / USER_DATA: timestamp + signature + API key header.
    pub signed: bool,
}

impl<'a> Request<'a> {
    pub fn public(path: &'a str) -> Self {
        Request {
            method: Method::GET,
            path,
            params: Vec::new(),
            signed: false,
        }
    }
    pub fn signed(method: Method, path: &'a str) -> Self {
        Request {
            method,
            path,
            params: Vec::new(),
            signed: true,
        }
    }
    pub fn param(mut self, name: &'static str, value: impl ToString) -> Self {
        self.params.push((name, value.to_string()));
        self
    }
    /// Appends `pairs` in their order.
    pub fn params(mut self, pairs: Vec<(&'static str, String)>) -> Self {
        self.params.extend(pairs);
        self
    }
    pub fn param_opt(self, name: &'static str, value: Option<impl ToString>) -> Self {
        match value {
            Some(v) => self.param(name, v),
            None => self,
        }
    }
}

/// The Binance USD-M REST client. Cheap to share behind an `Arc`; all methods take `&self`.
pub struct Client {
    http: reqwest::blocking::Client,
    environment: Environment,
    base: String,
    credentials: Option<Credentials>,
    recv_window_ms: u64,
    max_backoff: Duration,
    /// Server time minus local time (ms).
    offset_ms: AtomicI64,
    used_weight: AtomicU32,
    /// The venue's REQUEST_WEIGHT per minute ([`NO_WEIGHT_LIMIT`] when it has none).
    weight_limit: AtomicU32,
    /// No request before this instant (429 backoff).
    backoff_until: Mutex<Option<Instant>>,
    /// After a 418: no request before this instant.
    banned_until: Mutex<Option<Instant>>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("environment", &self.environment)
            .field("base", &self.base)
            .field("has_credentials", &self.credentials.is_some())
            .field("offset_ms", &self.offset_ms.load(Ordering::Relaxed))
            .field("used_weight", &self.used_weight.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}

/// Local wall-clock time in ms.
pub(crate) fn local_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

impl Client {
    /// Builds the HTTP client (rustls). No request is sent.
    pub fn new(cfg: ClientConfig) -> Result<Self, VenueError> {
        let http = reqwest::blocking::Client::builder()
            .timeout(cfg.timeout)
            .connect_timeout(cfg.connect_timeout)
            .user_agent(concat!("sim-live/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| VenueError::Unavailable(format!("cannot build the HTTP client: {e}")))?;
        Ok(Client {
            http,
            environment: cfg.environment,
            base: cfg.rest_url(),
            credentials: cfg.credentials,
            recv_window_ms: cfg.recv_window_ms,
            max_backoff: cfg.max_backoff,
            offset_ms: AtomicI64::new(0),
            used_weight: AtomicU32::new(0),
            weight_limit: AtomicU32::new(WEIGHT_LIMIT_1M),
            backoff_until: Mutex::new(None),
            banned_until: Mutex::new(None),
        })
    }

    pub fn environment(&self) -> Environment {
        self.environment
    }
    /// The REST base URL in use.
    pub fn base_url(&self) -> &str {
        &self.base
    }
    pub fn has_credentials(&self) -> bool {
        self.credentials.is_some()
    }
    /// The last `X-MBX-USED-WEIGHT-1M` the server reported.
    pub fn used_weight(&self) -> u32 {
        self.used_weight.load(Ordering::Relaxed)
    }
    /// The REQUEST_WEIGHT limit per minute the client warns against: Binance's 2400 until the
    /// venue's exchangeInfo names its own; `None` when the venue has no limit.
    pub fn weight_limit(&self) -> Option<u32> {
        Some(self.weight_limit.load(Ordering::Relaxed)).filter(|l| *l != NO_WEIGHT_LIMIT)
    }
    /// Takes the venue's limit (from its exchangeInfo); `u32::MAX` or more means none.
    pub(crate) fn set_weight_limit(&self, limit: u64) {
        let limit = u32::try_from(limit).unwrap_or(NO_WEIGHT_LIMIT);
        self.weight_limit.store(limit, Ordering::Relaxed);
    }
    /// Server time minus local time (ms), as last measured.
    pub fn clock_offset_ms(&self) -> i64 {
        self.offset_ms.load(Ordering::Relaxed)
    }
    /// Overrides the measured offset (tests inject clock skew with it).
    pub fn set_clock_offset_ms(&self, offset: i64) {
        self.offset_ms.store(offset, Ordering::Relaxed);
    }
    /// The server's time now, by the local clock and the measured offset.
    pub fn server_now_ms(&self) -> i64 {
        local_ms() + self.clock_offset_ms()
    }

    /// Measures the server-time offset from `GET /fapi/v1/time` (half the round trip assumed
    /// on each leg). Returns the offset.
    pub fn sync_time(&self) -> Result<i64, VenueError> {
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Time {
            server_time: i64,
        }
        let before = local_ms();
        let t: Time = self.call(&Request::public("/fapi/v1/time"))?;
        let after = local_ms();
        let offset = t.server_time - (before + after) / 2;
        self.offset_ms.store(offset, Ordering::Relaxed);
        debug!(offset_ms = offset, "server time synced");
        Ok(offset)
    }

    /// Sends `req` (with the retries above) and parses the JSON answer.
    pub(crate) fn call<T: DeserializeOwned>(&self, req: &Request<'_>) -> Result<T, VenueError> {
        let body = self.call_raw(req)?;
        serde_json::from_str(&body).map_err(|e| {
            VenueError::Unknown(format!(
                "{} {}: the answer could not be read ({e})",
                req.method, req.path
            ))
        })
    }

    pub(crate) fn call_raw(&self, req: &Request<'_>) -> Result<String, VenueError> {
        let (mut resynced, mut waited) = (false, false);
        loop {
            self.wait_if_limited()?;
            match self.attempt(req) {
                Attempt::Ok(body) => return Ok(body),
                Attempt::Fail(e) => return Err(e),
                Attempt::ClockSkew(r) if !resynced => {
                    warn!(
                        code = r.code,
                        "timestamp rejected; re-syncing the server time"
                    );
                    resynced = true;
                    self.sync_time()?;
                }
                Attempt::ClockSkew(r) => return Err(VenueError::Rejected(r)),
                Attempt::TooMany(wait, msg) => {
                    self.hold_until(&self.backoff_until, wait);
                    if waited || wait > self.max_backoff {
                        return Err(VenueError::Unavailable(format!(
                            "rate limited (HTTP 429, retry after {} s): {msg}",
                            wait.as_secs()
                        )));
                    }
                    warn!(wait_ms = wait.as_millis() as u64, "HTTP 429; backing off");
                    waited = true;
                }
                Attempt::Banned(wait, msg) => {
                    self.hold_until(&self.banned_until, wait);
                    return Err(VenueError::Unavailable(format!(
                        "the IP is banned by the venue (HTTP 418) for {} s; every request stops until then: {msg}",
                        wait.as_secs()
                    )));
                }
            }
        }
    }

    fn hold_until(&self, slot: &Mutex<Option<Instant>>, wait: Duration) {
        if let Ok(mut g) = slot.lock() {
            let until = Instant::now() + wait;
            *g = Some(g.map_or(until, |u| u.max(until)));
        }
    }

    /// Refuses while banned; sleeps out a short 429 backoff, refuses a long one.
    fn wait_if_limited(&self) -> Result<(), VenueError> {
        let left = |slot: &Mutex<Option<Instant>>| {
            slot.lock()
                .ok()
                .and_then(|g| *g)
                .and_then(|u| u.checked_duration_since(Instant::now()))
        };
        if let Some(ban) = left(&self.banned_until) {
            return Err(VenueError::Unavailable(format!(
                "the IP is banned by the venue (HTTP 418) for another {} s; no request is sent until then",
                ban.as_secs() + 1
            )));
        }
        if let Some(wait) = left(&self.backoff_until) {
            if wait > self.max_backoff {
                return Err(VenueError::Unavailable(format!(
                    "rate limited (HTTP 429) for another {} s",
                    wait.as_secs() + 1
                )));
            }
            std::thread::sleep(wait);
        }
        Ok(())
    }

    fn query_string(&self, req: &Request<'_>) -> Result<String, VenueError> {
        let mut q = binance::query_text(&req.params);
        if req.signed {
            let creds = self.credentials.as_ref().ok_or_else(|| {
                VenueError::Unavailable(format!(
                    "{} {} needs API keys; this client has none",
                    req.method, req.path
                ))
            })?;
            if !q.is_empty() {
                q.push('&');
            }
            q.push_str(&format!(
                "recvWindow={}&timestamp={}",
                self.recv_window_ms,
                self.server_now_ms()
            ));
            let sig = binance::sign::sign(&creds.api_secret, &q);
            q.push_str("&signature=");
            q.push_str(&sig);
        }
        Ok(q)
    }

    fn attempt(&self, req: &Request<'_>) -> Attempt {
        let q = match self.query_string(req) {
            Ok(q) => q,
            Err(e) => return Attempt::Fail(e),
        };
        let url = if q.is_empty() {
            format!("{}{}", self.base, req.path)
        } else {
            format!("{}{}?{}", self.base, req.path, q)
        };
        let mut rb = self.http.request(req.method.clone(), &url);
        if let Some(c) = &self.credentials {
            rb = rb.header("X-MBX-APIKEY", &c.api_key);
        }
        match rb.send() {
            Ok(resp) => self.read(req, resp),
            Err(e) => Attempt::Fail(transport_error(req, &e)),
        }
    }

    fn read(&self, req: &Request<'_>, resp: Response) -> Attempt {
        let status = resp.status().as_u16();
        let header = |name: &str| {
            resp.headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        };
        if let Some(w) = header("x-mbx-used-weight-1m").and_then(|v| v.trim().parse().ok()) {
            self.used_weight.store(w, Ordering::Relaxed);
            let limit = self.weight_limit.load(Ordering::Relaxed);
            if weight_above_warning_level(w, limit) {
                warn!(
                    used_weight_1m = w,
                    limit, "request weight above 80% of the limit"
                );
            }
        }
        let retry_after = header("retry-after")
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        let body = match resp.text() {
            Ok(b) => b,
            Err(e) => return Attempt::Fail(transport_error(req, &e)),
        };
        if (200..300).contains(&status) {
            return Attempt::Ok(body);
        }
        let parsed: Option<Reject> =
            serde_json::from_str::<ErrorBody>(&body)
                .ok()
                .map(|b| Reject {
                    code: b.code,
                    msg: b.msg,
                });
        let what = format!("{} {}", req.method, req.path);
        let text = parsed.as_ref().map_or_else(
            || format!("HTTP {status}"),
            |r| format!("HTTP {status} {r}"),
        );
        classify(status, parsed, retry_after, what, text)
    }
}
