//! `serve`: the exchange behind `sim serve`, a local Binance-compatible USD-M Futures exchange
//! on 127.0.0.1, backed by `exchange_sim::SimExchange`, so any Binance client (ours, the
//! official Python connector, ccxt) can trade against a replayed market that never goes down.
//! It speaks the `binance` crate's wire format (the same one `live`'s client writes).
//!
//! - [`ServeConfig`] / [`Server::start`] / [`ServerHandle`]: what to serve and the running
//!   server (its own thread and tokio runtime; stopped by `stop` or on drop).
//! - `market`: the simulated exchange and the bars it replays, step by step, behind a Mutex;
//!   `clock`: what advances it ([`ClockMode`]: step via `/sim/step`, N bars per second, or
//!   real time = one bar per bar interval); [`wall_clock`]: the time of day the server reads
//!   ([`WallClock`]: the system clock in `sim serve`, a [`ManualClock`] in tests).
//! - `server`: the accept loop (hyper, one task per connection, so a fault can drop exactly
//!   one connection); `http`: the request pipeline: faults, weights and order limits, API key,
//!   `timestamp`/`recvWindow`, signature, then the endpoint; every answer JSON with
//!   `X-MBX-USED-WEIGHT-1M`; `parse_errors`: the same JSON on the 431/414 hyper answers
//!   itself (an oversized request never reaches the router).
//! - `auth`, `limits`, [`faults`]: the checks and counters the pipeline applies.
//! - `routes_market`, `routes_series`, `routes_trade`, `routes_batch`, `routes_account`: the
//!   endpoints of binance-facts.md section 3; `tickers`: 24hr and bookTicker from the closed
//!   bars; `ws`: the market streams (`streams`: klines, mark price, book ticker) and
//!   `/ws/<listenKey>` (the user-data stream built by `user_stream`); `admin`: `/sim/step`, `/sim/state`,
//!   `/sim/faults` (unauthenticated; loopback only); `catalog`: the one list of served routes
//!   that builds the router and answers `GET /sim/endpoints`, unknown paths (404, -5000,
//!   naming the nearest served endpoints) and wrong methods (405, -1000).
//!
//! Clocks: market data, orders and fills carry the replayed dataset's times (the simulator's
//! clock). `/fapi/v1/time`, the `recvWindow` check and event times (`E`) follow
//! [`TimeBase`] (`server_clock`): the dataset's clock (`sim serve`'s default; a client that
//! syncs with `/fapi/v1/time` passes the check however fast the market runs) or the injected
//! [`WallClock`] (plus the skew fault on the server time). The rate-limit windows always count
//! wall-clock time.
//! `journal`: `--journal FILE`, every exchange event as a JSON line.
//! Known limitations: one account, one-way mode only, no `ALGO_UPDATE` events, depth is one
//! synthetic level at the last close.
//! Must never live here: fill rules (those are `exchange_sim`'s), the wire format (that is
//! `binance`'s), an HTTP client, polars or dataset loading (the `sim` CLI passes bars in), API
//! secrets in logs or answers.

mod admin;
mod auth;
mod catalog;
mod clock;
pub mod faults;
mod http;
mod income;
mod journal;
mod limits;
mod market;
mod parse_errors;
mod routes_account;
mod routes_batch;
mod routes_market;
mod routes_series;
mod routes_trade;
mod server;
pub mod server_clock;
mod streams;
mod tickers;
mod user_stream;
pub mod wall_clock;
mod ws;

use std::net::SocketAddr;
use std::sync::Arc;

use exchange_sim::{MarketFill, SimConfig};
use pipeline::exchange_info::ExchangeInfo;
use pipeline::{Bar, Interval, Symbol};

pub use clock::ClockMode;
pub use faults::{ErrorFault, Faults};
pub use server::{Server, ServerHandle};
pub use server_clock::TimeBase;
pub use wall_clock::{ManualClock, SystemClock, WallClock};

/// An API key pair the server accepts. Debug never shows the secret.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiKey {
    pub key: String,
    pub secret: String,
}

impl std::fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApiKey")
            .field("key", &self.key)
            .field("secret", &"<redacted>")
            .finish()
    }
}

/// Everything the server needs to start.
#[derive(Debug, Clone)]
pub struct ServeConfig {
    pub exchange_info: ExchangeInfo,
    pub sim: SimConfig,
    /// The bars' interval (the only one `/klines` and the websocket serve).
    pub interval: Interval,
    /// The market to replay, in time order (several symbols may interleave).
    pub bars: Vec<(Symbol, Bar)>,
    pub clock: ClockMode,
    /// Time steps (one bar of every symbol with a bar at that time) fed before serving, so
    /// orders have a price and `/klines` has history; at least 1.
    pub warmup_steps: usize,
    pub api_keys: Vec<ApiKey>,
    /// Faults armed from the start (change them with `POST /sim/faults`).
    pub faults: Faults,
    /// `REQUEST_WEIGHT` per minute before 429/-1003 (Binance: 2400).
    pub weight_limit: u32,
    /// New orders per 10 s and per minute before 429/-1015 (Binance: 300 and 1200).
    pub order_limits: (u32, u32),
    /// Where to listen; port 0 picks a free port. Must be a loopback address.
    pub addr: SocketAddr,
    /// The time of day the server reads (the system clock unless a test injects its own).
    pub wall_clock: Arc<dyn WallClock>,
    /// The clock the API reports and checks timestamps against (`server_clock`); `new` keeps
    /// the wall clock, `sim serve` defaults to the dataset's.
    pub time_base: TimeBase,
    /// The dataset's recorded funding per symbol (none: the constant rate of `sim.funding`).
    pub funding_rates: Vec<(Symbol, Vec<exchange_sim::FundingRate>)>,
    /// The dataset's recorded mark prices per symbol: positions, `premiumIndex` and the
    /// `markPrice` stream use them (none: the last trade price).
    pub mark_prices: Vec<(Symbol, exchange_sim::MarkTape)>,
    /// The dataset's recorded trades (or finer bars) per symbol: the order of events inside a
    /// bar (`exchange_sim::intrabar`).
    pub trades: Vec<(Symbol, exchange_sim::TradeTape)>,
    /// Where to append every exchange event as a JSON line (`sim serve --journal FILE`).
    pub journal: Option<std::path::PathBuf>,
}

impl ServeConfig {
    /// A config with Binance's defaults: step clock, 1 warm-up step, weight limit 2400, no
    /// faults, 127.0.0.1 on a free port, the system clock; and MARKET orders that fill at once
    /// at the last price plus the configured slippage, as on Binance (`sim.market_fill` is set
    /// to `current_close`; set it back to `MarketFill::NextOpen` for the backtest's rule, which
    /// `sim serve --market-fill next_open` does).
    pub fn new(
        exchange_info: ExchangeInfo,
        mut sim: SimConfig,
        interval: Interval,
        bars: Vec<(Symbol, Bar)>,
        api_keys: Vec<ApiKey>,
    ) -> ServeConfig {
        sim.market_fill = MarketFill::CurrentClose;
        ServeConfig {
            exchange_info,
            sim,
            interval,
            bars,
            clock: ClockMode::Step,
            warmup_steps: 1,
            api_keys,
            faults: Faults::default(),
            weight_limit: 2400,
            order_limits: (limits::ORDERS_PER_10S, limits::ORDERS_PER_MINUTE),
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            wall_clock: Arc::new(SystemClock),
            time_base: TimeBase::Wall,
            funding_rates: Vec::new(),
            mark_prices: Vec::new(),
            trades: Vec::new(),
            journal: None,
        }
    }
}

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("cannot listen on {addr}: {error}; pick another port with --port")]
    Bind {
        addr: SocketAddr,
        error: std::io::Error,
    },
    #[error("{0}")]
    Config(String),
    #[error("the simulated exchange refused the setup")]
    Sim(#[from] exchange_sim::SimError),
}

/// State shared by every request: the market behind a Mutex, counters, faults, keys.
#[derive(Debug)]
pub(crate) struct App {
    pub market: std::sync::Mutex<market::Market>,
    pub limits: std::sync::Mutex<limits::Limits>,
    pub faults: std::sync::Mutex<Faults>,
    pub keys: Vec<ApiKey>,
    /// Every advance of the clock, for the market websockets (`streams`).
    pub streams: tokio::sync::broadcast::Sender<Arc<streams::StepView>>,
    /// User-data stream messages (JSON text) for websockets on the listen key.
    pub user: tokio::sync::broadcast::Sender<Arc<String>>,
    pub wall_clock: Arc<dyn WallClock>,
    pub time_base: TimeBase,
    /// The server times told to clients, for the dataset clock's timestamp check.
    pub sync: std::sync::Mutex<server_clock::SyncOffsets>,
    /// `--journal`: every exchange event, in order.
    pub journal: Option<std::sync::Mutex<journal::Journal>>,
}

impl App {
    /// Locks the market; a panic in another request must not take the server down.
    pub fn market(&self) -> std::sync::MutexGuard<'_, market::Market> {
        self.market.lock().unwrap_or_else(|p| p.into_inner())
    }
    pub fn faults(&self) -> std::sync::MutexGuard<'_, Faults> {
        self.faults.lock().unwrap_or_else(|p| p.into_inner())
    }
    pub fn limits(&self) -> std::sync::MutexGuard<'_, limits::Limits> {
        self.limits.lock().unwrap_or_else(|p| p.into_inner())
    }
    pub fn sync(&self) -> std::sync::MutexGuard<'_, server_clock::SyncOffsets> {
        self.sync.lock().unwrap_or_else(|p| p.into_inner())
    }
    /// The time of day (ms since the epoch) before the skew fault.
    pub fn now_ms(&self) -> i64 {
        self.wall_clock.now_ms()
    }
    /// The server's time on the API's clock, plus the skew fault. Locks the market under the
    /// dataset clock: never call it while holding the market.
    pub fn server_ms(&self) -> i64 {
        let skew = self.faults().clock_skew_ms;
        match self.time_base {
            TimeBase::Wall => self.now_ms() + skew,
            TimeBase::Dataset => self.market().sim_now().as_ms() + skew,
        }
    }
    /// The server time as told to a client (`/fapi/v1/time`, exchangeInfo's `serverTime`),
    /// remembered so that timestamps synced from it pass the dataset clock's check.
    pub fn tell_time(&self) -> i64 {
        let t = self.server_ms();
        self.sync().told(self.now_ms(), t);
        t
    }
    /// The time stamped on events (`E`) built while the market `m` is locked.
    pub fn event_ms(&self, m: &market::Market) -> i64 {
        match self.time_base {
            TimeBase::Wall => self.now_ms(),
            TimeBase::Dataset => m.sim_now().as_ms(),
        }
    }
    /// [`App::event_ms`] when the market is not locked.
    pub fn event_now(&self) -> i64 {
        match self.time_base {
            TimeBase::Wall => self.now_ms(),
            TimeBase::Dataset => self.market().sim_now().as_ms(),
        }
    }
    /// Advances the market `n` steps and publishes them to the market websockets.
    pub fn step(&self, n: usize) -> Result<usize, exchange_sim::SimError> {
        let mut closed = Vec::new();
        let (done, view) = {
            let mut m = self.market();
            let done = m.step(n, &mut closed);
            self.publish(&mut m);
            // Built only when someone listens; the bars stay in the kline history anyway.
            let view = (self.streams.receiver_count() > 0)
                .then(|| streams::StepView::of(&m, closed, self.event_ms(&m)));
            (done?, view)
        };
        if let Some(view) = view {
            let _ = self.streams.send(Arc::new(view));
        }
        Ok(done)
    }
}

impl App {
    /// Drains the exchange's events into the user-data stream (dropped when nobody listens).
    pub fn publish(&self, m: &mut market::Market) {
        let events = m.ex.take_events();
        m.remember_orders(&events);
        if let Some(j) = &self.journal {
            j.lock()
                .unwrap_or_else(|p| p.into_inner())
                .write(&events, self.wall_clock.now_ms());
        }
        if events.is_empty() || self.user.receiver_count() == 0 {
            return;
        }
        let event_ms = self.event_ms(m);
        for msg in user_stream::messages(m, events, event_ms) {
            let _ = self.user.send(Arc::new(msg.to_string()));
        }
    }
}
