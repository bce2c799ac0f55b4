//! The market websockets: `/ws/<stream>` (and `/market/ws/...`, Binance's host split of 2026)
//! sends one stream's events (`streams`: klines closed and opening, mark price, book ticker)
//! at every step of the server's clock; `/stream?streams=a@kline_1m/b@markPrice` (and
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
use binance::Params;
use pipeline::exchange_info::Reject;
use tokio::sync::broadcast::Receiver;
use tokio::sync::broadcast::error::RecvError;

use super::App;
use super::catalog::Routes;
use super::http::error;
use super::streams::{self, StepView, Stream};

pub(crate) fn routes(r: Routes) -> Routes {
    r.other("GET", "/ws/{stream}", "WEBSOCKET", get(single))
        .other("GET", "/market/ws/{stream}", "WEBSOCKET", get(single))
        .other("GET", "/private/ws/{stream}", "WEBSOCKET", get(single))
        .other("GET", "/private/ws", "WEBSOCKET", get(private_by_query))
        .other("GET", "/stream", "WEBSOCKET", get(combined))
        .other("GET", "/market/stream", "WEBSOCKET", get(combined))
}

/// One subscribed stream: its name as the client wrote it and what it follows.
struct Sub {
    name: String,
    stream: Stream,
}

fn parse(app: &App, name: &str) -> Result<Sub, Reject> {
    let stream = streams::parse(&app.market(), name)?;
    Ok(Sub {
        name: name.to_string(),
        stream,
    })
}

fn open(app: Arc<App>, ws: WebSocketUpgrade, subs: Vec<Sub>, wrap: bool) -> Response<Body> {
    let drop_after = app.faults().ws_drop_after.take();
    let rx = app.streams.subscribe();
    // Mark price and book ticker streams start with the state now, as Binance's first push.
    let first = {
        let event_ms = app.event_now();
        let m = app.market();
        StepView::of(&m, Vec::new(), event_ms)
    };
    ws.on_upgrade(move |socket| send_market(app, socket, subs, wrap, rx, drop_after, first))
        .into_response()
}

async fn single(
    State(app): State<Arc<App>>,
    Path(stream): Path<String>,
    ws: WebSocketUpgrade,
) -> Response<Body> {
    if !stream.contains('@') && !stream.starts_with('!') {
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

/// The text frames `view` gives `subs`, wrapped as `{"stream", "data"}` on `/stream`.
fn texts(
    subs: &[Sub],
    view: &StepView,
    interval: &str,
    interval_ms: i64,
    wrap: bool,
) -> Vec<String> {
    subs.iter()
        .flat_map(|sub| {
            streams::frames(&sub.stream, view, interval, interval_ms)
                .into_iter()
                .map(move |ev| {
                    if wrap {
                        serde_json::json!({"stream": sub.name, "data": ev})
                    } else {
                        ev
                    }
                })
        })
        .map(|v| v.to_string())
        .collect()
}

async fn send_market(
    app: Arc<App>,
    mut socket: WebSocket,
    subs: Vec<Sub>,
    wrap: bool,
    mut rx: Receiver<Arc<StepView>>,
    drop_after: Option<u32>,
    first: StepView,
) {
    let (interval, interval_ms) = {
        let m = app.market();
        (m.interval.as_str().to_string(), m.interval.as_ms())
    };
    let mut sent = 0_u32;
    let mut pending = texts(&subs, &first, &interval, interval_ms, wrap);
    loop {
        for text in pending.drain(..) {
            if socket.send(Message::Text(text.into())).await.is_err() {
                return;
            }
            sent += 1;
            if drop_after.is_some_and(|n| sent >= n) {
                tracing::info!(sent, "fault: dropping a market websocket");
                return; // dropped without a close frame
            }
        }
        tokio::select! {
            incoming = socket.recv() => match incoming {
                // Pings are answered by the websocket layer; anything else is ignored.
                Some(Ok(_)) => continue,
                _ => return,
            },
            view = rx.recv() => {
                let view = match view {
                    Ok(v) => v,
                    Err(RecvError::Lagged(n)) => {
                        tracing::warn!(missed = n, "a market websocket client fell behind; it must backfill over REST");
                        continue;
                    }
                    Err(RecvError::Closed) => return,
                };
                pending = texts(&subs, &view, &interval, interval_ms, wrap);
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
