//! The kline websocket: `/ws/<symbol>@kline_<interval>` (and `/market/ws/...`, Binance's host
//! split of 2026) sends Binance's kline event for every bar of that symbol as the server's
//! clock closes it (`"x": true`); `/stream?streams=a@kline_1m/b@kline_1m` (and
//! `/market/stream`) sends several, each wrapped as `{"stream": name, "data": event}`. The
//! `ws_drop_after` fault closes the next connection abruptly after N messages.
//! `/ws/<listenKey>` (and `/private/ws/<listenKey>`, `/private/ws?listenKey=<listenKey>`) is
//! the user-data stream (`user_stream`).
//! Must never live here: the replay clock (`clock`), REST endpoints.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Path, RawQuery, State};
use axum::http::Response;
use axum::response::IntoResponse;
use axum::routing::get;
use binance::{KlineEvent, Params};
use pipeline::Kline;
use pipeline::exchange_info::Reject;
use tokio::sync::broadcast::Receiver;
use tokio::sync::broadcast::error::RecvError;

use super::App;
use super::catalog::Routes;
use super::http::error;
use super::market::ClosedBar;

pub(crate) fn routes(r: Routes) -> Routes {
    r.other("GET", "/ws/{stream}", "WEBSOCKET", get(single))
        .other("GET", "/market/ws/{stream}", "WEBSOCKET", get(single))
        .other("GET", "/private/ws/{stream}", "WEBSOCKET", get(single))
        .other("GET", "/private/ws", "WEBSOCKET", get(private_by_query))
        .other("GET", "/stream", "WEBSOCKET", get(combined))
        .other("GET", "/market/stream", "WEBSOCKET", get(combined))
}

/// One subscribed stream: its name as the client wrote it and the symbol it follows.
struct Sub {
    name: String,
    symbol: String,
}

/// Checks `<symbol>@kline_<interval>` against the replayed symbols and interval.
fn parse(app: &App, stream: &str) -> Result<Sub, Reject> {
    let Some((symbol, interval)) = stream.split_once("@kline_") else {
        return Err(Reject {
            code: -1100,
            msg: format!(
                "sim serve streams klines only: <symbol>@kline_<interval>, not '{stream}'"
            ),
        });
    };
    let symbol = symbol.to_ascii_uppercase();
    let m = app.market();
    if m.series(&symbol).is_none() {
        return Err(Reject::invalid_symbol());
    }
    m.check_interval(interval)?;
    Ok(Sub {
        name: stream.to_string(),
        symbol,
    })
}

fn open(app: Arc<App>, ws: WebSocketUpgrade, subs: Vec<Sub>, wrap: bool) -> Response<Body> {
    let drop_after = app.faults().ws_drop_after.take();
    let rx = app.klines.subscribe();
    ws.on_upgrade(move |socket| send_klines(app, socket, subs, wrap, rx, drop_after))
        .into_response()
}

async fn single(
    State(app): State<Arc<App>>,
    Path(stream): Path<String>,
    ws: WebSocketUpgrade,
) -> Response<Body> {
    if !stream.contains('@') {
        return user_stream(app, ws, &stream);
    }
    match parse(&app, &stream) {
        Ok(sub) => open(app, ws, vec![sub], false),
        Err(r) => error(&r, &[]),
    }
}

/// `/private/ws?listenKey=<key>`: the user-data stream as Binance's host split of 2026 names
/// it (python-binance 1.0.37 connects this way).
async fn private_by_query(
    State(app): State<Arc<App>>,
    RawQuery(query): RawQuery,
    ws: WebSocketUpgrade,
) -> Response<Body> {
    let params = Params::parse(query.as_deref().unwrap_or(""), "");
    match params.required("listenKey") {
        Ok(key) => user_stream(app, ws, key),
        Err(r) => error(&r, &[]),
    }
}

async fn combined(
    State(app): State<Arc<App>>,
    RawQuery(query): RawQuery,
    ws: WebSocketUpgrade,
) -> Response<Body> {
    let params = Params::parse(query.as_deref().unwrap_or(""), "");
    let subs: Result<Vec<Sub>, Reject> = match params.required("streams") {
        Ok(list) => list.split('/').map(|s| parse(&app, s)).collect(),
        Err(r) => Err(r),
    };
    match subs {
        Ok(subs) => open(app, ws, subs, true),
        Err(r) => error(&r, &[]),
    }
}

/// The text frame for `bar` on `sub`, or `None` when the bar is not `sub`'s.
fn frame(
    sub: &Sub,
    bar: &ClosedBar,
    interval: &str,
    interval_ms: i64,
    wrap: bool,
    event_ms: i64,
) -> Option<String> {
    if bar.symbol.as_str() != sub.symbol {
        return None;
    }
    let k = Kline::from_bar(&bar.bar, interval_ms)?;
    let ev = KlineEvent::new(&sub.symbol, interval, &k, true, event_ms);
    let text = if wrap {
        serde_json::to_string(&serde_json::json!({"stream": sub.name, "data": ev}))
    } else {
        serde_json::to_string(&ev)
    };
    text.ok()
}

async fn send_klines(
    app: Arc<App>,
    mut socket: WebSocket,
    subs: Vec<Sub>,
    wrap: bool,
    mut rx: Receiver<Arc<ClosedBar>>,
    drop_after: Option<u32>,
) {
    let (interval, interval_ms) = {
        let m = app.market();
        (m.interval.as_str().to_string(), m.interval.as_ms())
    };
    let mut sent = 0_u32;
    loop {
        tokio::select! {
            incoming = socket.recv() => match incoming {
                // Pings are answered by the websocket layer; anything else is ignored.
                Some(Ok(_)) => continue,
                _ => return,
            },
            bar = rx.recv() => {
                let bar = match bar {
                    Ok(b) => b,
                    Err(RecvError::Lagged(n)) => {
                        tracing::warn!(missed = n, "a kline websocket client fell behind; it must backfill over REST");
                        continue;
                    }
                    Err(RecvError::Closed) => return,
                };
                for text in subs.iter().filter_map(|s| frame(s, &bar, &interval, interval_ms, wrap, app.now_ms())) {
                    if socket.send(Message::Text(text.into())).await.is_err() {
                        return;
                    }
                    sent += 1;
                    if drop_after.is_some_and(|n| sent >= n) {
                        tracing::info!(sent, "fault: dropping a kline websocket");
                        return; // dropped without a close frame
                    }
                }
            }
        }
    }
}

/// `/ws/<listenKey>`: forwards the user-data messages while the key is the open one.
fn user_stream(app: Arc<App>, ws: WebSocketUpgrade, key: &str) -> Response<Body> {
    if app.market().listen_key.as_deref() != Some(key) {
        return error(&binance::error::invalid_listen_key(), &[]);
    }
    let mut rx = app.user.subscribe();
    ws.on_upgrade(move |mut socket| async move {
        loop {
            tokio::select! {
                incoming = socket.recv() => match incoming {
                    Some(Ok(_)) => continue,
                    _ => return,
                },
                msg = rx.recv() => match msg {
                    Ok(text) => {
                        if socket.send(Message::Text(text.as_str().into())).await.is_err() {
                            return;
                        }
                    }
                    Err(RecvError::Lagged(n)) => {
                        tracing::warn!(missed = n, "a user-data websocket client fell behind");
                    }
                    Err(RecvError::Closed) => return,
                },
            }
        }
    })
    .into_response()
}
