//! The request pipeline every Binance endpoint goes through ([`Endpoint`], `answer`): faults,
//! weight and order limits, a parameter sent twice (-1101), authentication, the endpoint, then JSON with Binance's headers;
//! and the drop-connection fault's kill switch ([`ConnKill`]).
//! Must never live here: endpoint logic (the `routes_*` modules), the accept loop (`server`).

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Response, StatusCode, header};
use binance::{ErrorBody, Params, http_status};
use pipeline::exchange_info::Reject;
use serde_json::Value;
use tokio::sync::Notify;

use super::auth::{self, Security};
use super::limits::Admission;
use super::{App, TimeBase};

/// An endpoint's answer: JSON, or Binance's error.
pub(crate) type Answer = Result<Value, Reject>;

/// One Binance endpoint: who may call it, what it weighs, what it does.
#[derive(Clone, Copy)]
pub(crate) struct Endpoint {
    pub security: Security,
    pub weight: fn(&Params) -> u32,
    /// Counts on the ORDERS limits and carries `X-MBX-ORDER-COUNT-*`; the drop fault applies.
    pub places_order: bool,
    pub handler: fn(&App, &Params) -> Answer,
}

impl Endpoint {
    /// Market data: no key.
    pub fn public(weight: fn(&Params) -> u32, handler: fn(&App, &Params) -> Answer) -> Self {
        Endpoint {
            security: Security::None,
            weight,
            places_order: false,
            handler,
        }
    }
    /// USER_STREAM: the key header only.
    pub fn keyed(weight: fn(&Params) -> u32, handler: fn(&App, &Params) -> Answer) -> Self {
        Endpoint {
            security: Security::ApiKey,
            weight,
            places_order: false,
            handler,
        }
    }
    /// TRADE / USER_DATA: signed.
    pub fn signed(weight: fn(&Params) -> u32, handler: fn(&App, &Params) -> Answer) -> Self {
        Endpoint {
            security: Security::Signed,
            weight,
            places_order: false,
            handler,
        }
    }
    /// A signed endpoint that places an order (IP weight 0, counts on the ORDERS limits).
    pub fn order(handler: fn(&App, &Params) -> Answer) -> Self {
        Endpoint {
            security: Security::Signed,
            weight: |_| 0,
            places_order: true,
            handler,
        }
    }
}

/// Lets a request ask its own connection to be closed without an answer.
#[derive(Clone)]
pub(crate) struct ConnKill(pub(crate) Arc<Notify>);

/// The future of one answer.
pub(crate) type Pending = std::pin::Pin<Box<dyn Future<Output = Response<Body>> + Send>>;

/// The axum handler running `e`.
pub(crate) fn ep(
    e: Endpoint,
) -> impl Fn(State<Arc<App>>, Request) -> Pending + Clone + Send + Sync + 'static {
    move |State(app), req| Box::pin(answer(app, e, req))
}

pub(crate) fn json(
    status: u16,
    body: &impl serde::Serialize,
    headers: &[(&str, String)],
) -> Response<Body> {
    let text = serde_json::to_string(body).unwrap_or_else(|_| "{}".to_string());
    let mut res = Response::new(Body::from(text));
    *res.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    for (name, value) in headers {
        if let (Ok(n), Ok(v)) = (
            axum::http::HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(value),
        ) {
            h.insert(n, v);
        }
    }
    res
}

pub(crate) fn error(r: &Reject, headers: &[(&str, String)]) -> Response<Body> {
    json(http_status(r), &ErrorBody::from(r), headers)
}

/// 429/-1003 with the limit in Binance's words; without a limit (`--no-rate-limits`, where only
/// the `force_429` fault answers 429) it says so instead of printing `u32::MAX`.
fn too_many_requests(limit: u32) -> Reject {
    if limit != u32::MAX {
        return Reject::too_many_requests(limit);
    }
    Reject {
        code: -1003,
        msg: "Too many requests; sim serve's force_429 fault answered this one (it runs without rate limits). Please use the websocket for live updates to avoid polling the API.".to_string(),
    }
}

/// 418: Binance's answer to a client that kept calling past 429s.
fn banned(until: i64) -> Reject {
    Reject {
        code: -1003,
        msg: format!(
            "Way too many requests; IP banned until {until}. Please use the websocket for live updates to avoid bans."
        ),
    }
}

/// Runs the request pipeline and logs the outcome (method, path, status; never parameters,
/// which carry signatures).
async fn answer(app: Arc<App>, e: Endpoint, req: Request) -> Response<Body> {
    let (method, path) = (req.method().clone(), req.uri().path().to_string());
    let res = pipeline(app, e, req).await;
    tracing::debug!(%method, path, status = res.status().as_u16(), "request");
    res
}

async fn pipeline(app: Arc<App>, e: Endpoint, req: Request) -> Response<Body> {
    let (parts, body) = req.into_parts();
    let body = axum::body::to_bytes(body, 1 << 20)
        .await
        .unwrap_or_default();
    let params = Params::parse(
        parts.uri.query().unwrap_or(""),
        &String::from_utf8_lossy(&body),
    );
    let (method, path) = (parts.method.as_str(), parts.uri.path());
    let now = app.now_ms();
    let (force_429, fault, skew) = {
        let mut f = app.faults();
        (f.take_429(), f.take_error(method, path), f.clock_skew_ms)
    };
    let (used, admission, limit) = {
        let mut l = app.limits();
        let (used, admission) = l.add_weight(now, (e.weight)(&params));
        (used, admission, l.weight_limit)
    };
    let mut headers = vec![("X-MBX-USED-WEIGHT-1M", used.to_string())];
    match admission {
        Admission::Banned(until) => return error(&banned(until), &headers),
        Admission::Limited => return error(&too_many_requests(limit), &headers),
        Admission::Ok if force_429 => {
            return error(&too_many_requests(limit), &headers);
        }
        Admission::Ok => {}
    }
    if let Some((reject, false)) = &fault {
        return error(reject, &headers);
    }
    if let Err(r) = params.refuse_duplicates() {
        return error(&r, &headers);
    }
    let key = parts
        .headers
        .get("X-MBX-APIKEY")
        .and_then(|v| v.to_str().ok());
    let checked = match app.time_base {
        TimeBase::Wall => auth::check(e.security, &app.keys, key, &params, now + skew),
        TimeBase::Dataset => {
            // The market's time and bar, read before the offsets (never both locks at once).
            let (market_ms, bar_ms) = {
                let m = app.market();
                (m.sim_now().as_ms() + skew, m.interval.as_ms())
            };
            let sync = app.sync();
            let check = sync.at(now).or_on_market_clock(market_ms, bar_ms);
            auth::check(e.security, &app.keys, key, &params, check)
        }
    };
    if let Err(r) = checked {
        return error(&r, &headers);
    }
    if e.places_order {
        let ((c10, c1m), (max10, max1m)) = {
            let mut l = app.limits();
            (l.add_order(now), l.order_limits)
        };
        headers.push(("X-MBX-ORDER-COUNT-10S", c10.to_string()));
        headers.push(("X-MBX-ORDER-COUNT-1M", c1m.to_string()));
        if c10 > max10 || c1m > max1m {
            let (limit, per) = if c10 > max10 {
                (max10, "TEN_SECONDS")
            } else {
                (max1m, "ONE_MINUTE")
            };
            let r = Reject {
                code: -1015,
                msg: format!("Too many new orders; current limit is {limit} orders per {per}."),
            };
            return error(&r, &headers);
        }
    }
    let result = (e.handler)(&app, &params);
    app.publish(&mut app.market());
    if let Some((reject, true)) = &fault {
        return error(reject, &headers);
    }
    if e.places_order
        && result.is_ok()
        && app.faults().take_drop()
        && let Some(ConnKill(kill)) = parts.extensions.get::<ConnKill>()
    {
        tracing::info!(
            path,
            "fault: dropping the connection after accepting an order"
        );
        kill.notify_one();
        std::future::pending::<()>().await;
    }
    match result {
        Ok(v) => json(200, &v, &headers),
        Err(r) => error(&r, &headers),
    }
}
