//! [`KlineSocket`]: one websocket (`<base>/<symbol>@kline_<interval>`) on a thread running its
//! own single-threaded tokio runtime. Closed klines, connects and disconnects go into a std
//! channel as [`StreamEvent`]s. After a disconnect (error, close, or no message for
//! `idle_timeout`) it reconnects with exponential backoff. Dropping the socket stops the thread.
//! Must never live here: de-duplication or backfill (the feed's job), REST calls.

use std::sync::mpsc::Sender;
use std::thread::JoinHandle;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use pipeline::{Interval, Kline, Symbol};
use tokio::sync::watch;
use tokio_tungstenite::tungstenite::Message;
use tracing::{debug, warn};

use super::message::parse_closed_kline;

/// What a socket reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StreamEvent {
    /// A closed kline.
    Closed(Symbol, Kline),
    /// Connected (the first time, or again after a disconnect).
    Connected(Symbol),
    /// The connection was lost; a reconnect follows.
    Disconnected(Symbol, String),
}

/// Reconnect delays: `initial`, doubling up to `max`; `idle_timeout` without any message
/// counts as a disconnect.
#[derive(Debug, Clone, Copy)]
pub struct Backoff {
    pub initial: Duration,
    pub max: Duration,
    pub idle_timeout: Duration,
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff {
            initial: Duration::from_millis(500),
            max: Duration::from_secs(30),
            idle_timeout: Duration::from_secs(120),
        }
    }
}

/// The stream URL: `<ws_base>/<symbol lowercase>@kline_<interval>`.
pub fn stream_url(ws_base: &str, symbol: &Symbol, interval: Interval) -> String {
    format!(
        "{}/{}@kline_{}",
        ws_base.trim_end_matches('/'),
        symbol.as_str().to_lowercase(),
        interval.as_str()
    )
}

/// A running kline websocket.
#[derive(Debug)]
pub struct KlineSocket {
    stop: watch::Sender<bool>,
    thread: Option<JoinHandle<()>>,
}

impl KlineSocket {
    /// Starts the thread; events go to `tx` until the socket is dropped or `tx`'s receiver is.
    pub fn spawn(
        url: String,
        symbol: Symbol,
        backoff: Backoff,
        tx: Sender<StreamEvent>,
    ) -> std::io::Result<Self> {
        let (stop, stop_rx) = watch::channel(false);
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let thread = std::thread::Builder::new()
            .name(format!("kline-ws-{symbol}"))
            .spawn(move || rt.block_on(run(url, symbol, backoff, tx, stop_rx)))?;
        Ok(KlineSocket {
            stop,
            thread: Some(thread),
        })
    }
}

impl Drop for KlineSocket {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

async fn run(
    url: String,
    symbol: Symbol,
    backoff: Backoff,
    tx: Sender<StreamEvent>,
    mut stop: watch::Receiver<bool>,
) {
    let mut delay = backoff.initial;
    loop {
        let reason = tokio::select! {
            _ = stop.changed() => return,
            r = tokio_tungstenite::connect_async(url.as_str()) => match r {
                Ok((ws, _)) => {
                    delay = backoff.initial;
                    if tx.send(StreamEvent::Connected(symbol.clone())).is_err() {
                        return;
                    }
                    match read(ws, &symbol, &backoff, &tx, &mut stop).await {
                        Some(reason) => reason,
                        None => return,
                    }
                }
                Err(e) => format!("cannot connect: {e}"),
            }
        };
        warn!(%symbol, %reason, retry_in_ms = delay.as_millis() as u64, "kline stream lost");
        if tx
            .send(StreamEvent::Disconnected(symbol.clone(), reason))
            .is_err()
        {
            return;
        }
        tokio::select! {
            _ = stop.changed() => return,
            _ = tokio::time::sleep(delay) => {}
        }
        delay = (delay * 2).min(backoff.max);
    }
}

/// Reads until the connection ends (`Some(reason)`) or the socket must stop (`None`).
async fn read<S>(
    mut ws: tokio_tungstenite::WebSocketStream<S>,
    symbol: &Symbol,
    backoff: &Backoff,
    tx: &Sender<StreamEvent>,
    stop: &mut watch::Receiver<bool>,
) -> Option<String>
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    loop {
        let next = tokio::select! {
            _ = stop.changed() => {
                let _ = ws.close(None).await;
                return None;
            }
            n = tokio::time::timeout(backoff.idle_timeout, ws.next()) => n,
        };
        let msg = match next {
            Err(_) => {
                return Some(format!(
                    "no message for {} s",
                    backoff.idle_timeout.as_secs()
                ));
            }
            Ok(None) => return Some("the server closed the stream".to_string()),
            Ok(Some(Err(e))) => return Some(e.to_string()),
            Ok(Some(Ok(m))) => m,
        };
        match msg {
            Message::Text(t) => {
                if let Some((s, k)) = parse_closed_kline(t.as_str()) {
                    debug!(symbol = %s, open_time = %k.open_time, "closed kline");
                    if tx.send(StreamEvent::Closed(s, k)).is_err() {
                        return None;
                    }
                }
            }
            Message::Ping(p) => {
                if let Err(e) = ws.send(Message::Pong(p)).await {
                    return Some(e.to_string());
                }
            }
            Message::Close(_) => return Some(format!("{symbol}: the server sent close")),
            _ => {}
        }
    }
}
