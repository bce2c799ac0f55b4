//! [`LiveVenue`]: `pipeline::venue::Venue` over the REST [`Client`], so the unchanged stages
//! trade on Binance (or on a `sim serve` at a base URL).
//!
//! - `mod.rs`: setup (server time, exchange info, margin type and leverage per symbol, open
//!   orders adopted for tracking) and the trait's read calls.
//! - `orders`: placing and cancelling: the deterministic `newClientOrderId`, and the read-back
//!   by that id after an unknown outcome (timeout, 503), so a retry never doubles an order.
//! - `tracking`: orders out at the venue, polled by `drain_events` into fills (fee, realised
//!   PnL and time from the order's `userTrades`) and updates.
//! - `funding`: the account's `FUNDING_FEE` income, read by `drain_events` while a position is
//!   held, as funding events.
//!
//! The venue is the truth: positions come from `/fapi/v2/positionRisk` each time they are asked
//! for.
//! Must never live here: stage logic, and never the keys (they stay inside the client).

mod funding;
mod orders;
mod tracking;

use std::sync::Arc;
use std::time::Duration;

use pipeline::exchange_info::{ExchangeInfo, SharedSpec};
use pipeline::order::CheckedOrder;
use pipeline::venue::{
    Balance, OrderRef, OrderState, PositionSnapshot, Venue, VenueError, VenueEvent,
};
use pipeline::{Price, Symbol, TimestampMs};
use tracing::info;

use crate::client::{Client, MarginType};
use tracking::Tracker;

pub use orders::client_order_id;

/// What the venue sets up at start.
#[derive(Debug, Clone)]
pub struct LiveVenueConfig {
    /// The symbols the run trades: margin type and leverage are set for these.
    pub symbols: Vec<Symbol>,
    /// Margin type set per symbol at start (`None`: leave the account's setting).
    pub margin_type: Option<MarginType>,
    /// Leverage set per symbol at start (`None`: leave it; the executor sets it per plan).
    pub leverage: Option<u32>,
    /// The wallet asset `balance()` reports.
    pub quote_asset: String,
    /// Pause before reading back an order whose outcome was unknown.
    pub readback_delay: Duration,
}

impl Default for LiveVenueConfig {
    fn default() -> Self {
        LiveVenueConfig {
            symbols: Vec::new(),
            margin_type: None,
            leverage: None,
            quote_asset: "USDT".to_string(),
            readback_delay: Duration::from_millis(300),
        }
    }
}

/// The live venue. Debug shows no keys (the client's Debug redacts them).
#[derive(Debug)]
pub struct LiveVenue {
    client: Arc<Client>,
    info: ExchangeInfo,
    /// `info`'s specs, shared: the stages ask for one on every plan and order.
    specs: std::collections::BTreeMap<Symbol, SharedSpec>,
    cfg: LiveVenueConfig,
    tracker: Tracker,
    funding: funding::FundingWatch,
}

impl LiveVenue {
    /// Syncs the clock, loads exchange info, sets margin type and leverage, and adopts the
    /// orders already open for the configured symbols (so their fills are not missed).
    pub fn connect(client: Arc<Client>, cfg: LiveVenueConfig) -> Result<Self, VenueError> {
        client.sync_time()?;
        let info = client.exchange_info()?;
        for s in &cfg.symbols {
            if info.get(s.as_str()).is_none() {
                return Err(VenueError::Rejected(
                    pipeline::exchange_info::Reject::invalid_symbol(),
                ));
            }
            if let Some(m) = cfg.margin_type {
                client.set_margin_type(s, m)?;
            }
            if let Some(l) = cfg.leverage {
                client.set_leverage(s, l)?;
            }
        }
        let mut venue = LiveVenue {
            client,
            specs: info
                .symbols()
                .map(|s| (s.symbol.clone(), SharedSpec::new(s)))
                .collect(),
            info,
            cfg,
            tracker: Tracker::default(),
            funding: funding::FundingWatch::default(),
        };
        let adopted = venue.adopt_open_orders()?;
        info!(
            adopted,
            offset_ms = venue.client.clock_offset_ms(),
            "live venue ready"
        );
        Ok(venue)
    }

    /// The client (for market data such as klines).
    pub fn client(&self) -> &Arc<Client> {
        &self.client
    }

    pub fn exchange_info(&self) -> &ExchangeInfo {
        &self.info
    }

    /// Orders and conditional orders the venue is polling for fills.
    pub fn tracked_orders(&self) -> usize {
        self.tracker.len()
    }

    fn adopt_open_orders(&mut self) -> Result<usize, VenueError> {
        let mut n = 0;
        for s in self.cfg.symbols.clone() {
            for o in self.client.open_orders(Some(&s))? {
                self.tracker.adopt_order(o);
                n += 1;
            }
            for a in self.client.open_algo_orders(Some(&s))? {
                self.tracker.adopt_algo(a.state);
                n += 1;
            }
        }
        Ok(n)
    }
}

impl Venue for LiveVenue {
    fn now(&self) -> TimestampMs {
        TimestampMs(self.client.server_now_ms())
    }

    fn symbol_spec(&self, symbol: &Symbol) -> Option<SharedSpec> {
        self.specs.get(symbol).copied()
    }

    fn mark_price(&self, symbol: &Symbol) -> Option<Price> {
        self.client.mark_price(symbol).ok()
    }

    fn place_order(&mut self, order: &CheckedOrder) -> Result<OrderState, VenueError> {
        self.place(order)
    }

    fn cancel_order(
        &mut self,
        symbol: &Symbol,
        order: &OrderRef,
    ) -> Result<OrderState, VenueError> {
        self.cancel(symbol, order)
    }

    fn query_order(&mut self, symbol: &Symbol, order: &OrderRef) -> Result<OrderState, VenueError> {
        if self.tracker.is_algo(order) {
            let a = self.client.query_algo_order(order)?;
            return Ok(a.state);
        }
        let s = self.client.query_order(symbol, order)?;
        self.tracker.observe(&s);
        Ok(s)
    }

    fn open_orders(&mut self, symbol: Option<&Symbol>) -> Result<Vec<OrderState>, VenueError> {
        let mut all = self.client.open_orders(symbol)?;
        all.extend(
            self.client
                .open_algo_orders(symbol)?
                .into_iter()
                .map(|a| a.state),
        );
        Ok(all)
    }

    fn positions(&mut self) -> Result<Vec<PositionSnapshot>, VenueError> {
        let mut rows = self.client.position_risk(None)?;
        rows.retain(|p| !p.position_amt.is_zero());
        Ok(rows)
    }

    fn balance(&mut self) -> Result<Balance, VenueError> {
        self.client.balance(&self.cfg.quote_asset)
    }

    fn set_leverage(&mut self, symbol: &Symbol, leverage: u32) -> Result<(), VenueError> {
        self.client.set_leverage(symbol, leverage)
    }

    fn drain_events(&mut self) -> Result<Vec<VenueEvent>, VenueError> {
        self.poll()
    }
}
