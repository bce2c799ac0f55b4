//! Starting and stopping: [`Server::start`] validates the config, feeds the warm-up, binds
//! 127.0.0.1 and runs a tokio runtime on a thread of its own; the accept loop gives each
//! connection its own hyper task with a kill switch ([`ConnKill`]), so the drop-connection
//! fault closes exactly the connection that placed the order; its socket is wrapped in
//! `parse_errors::JsonErrors`, so hyper's own 431/414 answers carry Binance JSON too.
//! [`ServerHandle`] stops it.
//! Must never live here: the request pipeline (`http`) or endpoints.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::http::Response;
use hyper_util::rt::TokioIo;
use tokio::sync::{Notify, oneshot};

use super::http::ConnKill;
use super::limits::Limits;
use super::market::Market;
use super::parse_errors::JsonErrors;
use super::{App, ServeConfig, ServeError, clock};

/// The running server. Dropping it stops the server.
#[derive(Debug)]
pub struct ServerHandle {
    addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl ServerHandle {
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT`, the base URL clients take.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Blocks until the server stops (it runs until stopped or the process ends).
    pub fn wait(mut self) {
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }

    /// Stops accepting, closes every connection and waits for the thread.
    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for ServerHandle {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// Starts servers.
#[derive(Debug)]
pub struct Server;

impl Server {
    /// Validates `cfg`, feeds the warm-up steps, binds and starts serving.
    pub fn start(cfg: ServeConfig) -> Result<ServerHandle, ServeError> {
        if !cfg.addr.ip().is_loopback() {
            return Err(ServeError::Config(format!(
                "{} is not a loopback address; sim serve listens on 127.0.0.1 only",
                cfg.addr
            )));
        }
        cfg.faults.validate().map_err(ServeError::Config)?;
        let period = cfg
            .clock
            .period(cfg.interval.as_ms())
            .map_err(ServeError::Config)?;
        let mut market = Market::new(cfg.exchange_info, cfg.sim, cfg.interval, cfg.bars)?;
        market.attach_funding(cfg.funding_rates)?;
        market.attach_data(cfg.mark_prices, cfg.trades)?;
        market.step(cfg.warmup_steps.max(1), &mut Vec::new())?;
        let listener = std::net::TcpListener::bind(cfg.addr)
            .and_then(|l| l.set_nonblocking(true).map(|()| l))
            .map_err(|error| ServeError::Bind {
                addr: cfg.addr,
                error,
            })?;
        let addr = listener.local_addr().map_err(|error| ServeError::Bind {
            addr: cfg.addr,
            error,
        })?;
        drop(market.ex.take_events()); // the warm-up's, before anyone could listen
        let journal = cfg
            .journal
            .as_deref()
            .map(super::journal::Journal::create)
            .transpose()
            .map_err(ServeError::Config)?
            .map(std::sync::Mutex::new);
        let (streams, _) = tokio::sync::broadcast::channel(4096);
        let (user, _) = tokio::sync::broadcast::channel(4096);
        let app = Arc::new(App {
            market: std::sync::Mutex::new(market),
            limits: std::sync::Mutex::new({
                let mut l = Limits::new(cfg.weight_limit);
                l.order_limits = cfg.order_limits;
                l
            }),
            faults: std::sync::Mutex::new(cfg.faults),
            keys: cfg.api_keys,
            streams,
            user,
            wall_clock: cfg.wall_clock,
            journal,
            time_base: cfg.time_base,
            sync: std::sync::Mutex::new(Default::default()),
        });
        let (stop_tx, stop_rx) = oneshot::channel();
        let thread = std::thread::Builder::new()
            .name("sim-serve".to_string())
            .spawn(move || run(app, listener, period, stop_rx))
            .map_err(|e| ServeError::Config(format!("cannot start the server thread: {e}")))?;
        Ok(ServerHandle {
            addr,
            stop: Some(stop_tx),
            thread: Some(thread),
        })
    }
}

fn router(app: Arc<App>) -> Router {
    let r = super::catalog::Routes::new();
    let r = super::routes_market::routes(r);
    let r = super::routes_series::routes(r);
    let r = super::routes_batch::routes(r);
    let r = super::routes_trade::routes(r);
    let r = super::routes_account::routes(r);
    let r = super::admin::routes(r);
    let r = super::ws::routes(r);
    r.finish().with_state(app)
}

fn run(
    app: Arc<App>,
    listener: std::net::TcpListener,
    period: Option<std::time::Duration>,
    mut stop: oneshot::Receiver<()>,
) {
    let rt = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            tracing::error!(error = %e, "cannot start the server runtime");
            return;
        }
    };
    rt.block_on(async move {
        let listener = match tokio::net::TcpListener::from_std(listener) {
            Ok(l) => l,
            Err(e) => {
                tracing::error!(error = %e, "cannot listen");
                return;
            }
        };
        if let Some(p) = period {
            tokio::spawn(clock::drive(app.clone(), p));
        }
        let router = router(app);
        loop {
            tokio::select! {
                _ = &mut stop => return,
                accepted = listener.accept() => {
                    if let Ok((stream, _)) = accepted {
                        tokio::spawn(serve_connection(stream, router.clone()));
                    }
                }
            }
        }
    });
}

async fn serve_connection(stream: tokio::net::TcpStream, router: Router) {
    let kill = Arc::new(Notify::new());
    let conn_kill = ConnKill(kill.clone());
    let service =
        hyper::service::service_fn(move |mut req: hyper::Request<hyper::body::Incoming>| {
            req.extensions_mut().insert(conn_kill.clone());
            let mut router = router.clone();
            async move {
                let res: Result<Response<Body>, Infallible> =
                    tower_service::Service::call(&mut router, req).await;
                res
            }
        });
    let conn = hyper::server::conn::http1::Builder::new()
        .serve_connection(TokioIo::new(JsonErrors::new(stream)), service)
        .with_upgrades();
    tokio::select! {
        biased;
        () = kill.notified() => {}
        _ = conn => {}
    }
}
