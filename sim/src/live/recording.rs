//! A venue wrapper that keeps what the venue reported back (fills, funding, liquidations) so a
//! session folder holds `fills.csv` and `trades.csv` like a backtest's run folder, for
//! `sim diff` against a replay, and times each order's round trip for `latency.csv`: send to
//! the venue's answer (wall clock: this is the live side) and, for MARKET orders, send to the
//! first fill (the venue's clock at send against the fill's execution time). It changes
//! nothing the stages see.
//! Must never live here: decisions, or anything the venue did not report.

use pipeline::exchange_info::SharedSpec;
use pipeline::order::CheckedOrder;
use pipeline::venue::{
    Balance, Fill, OrderRef, OrderState, PositionSnapshot, Venue, VenueError, VenueEvent,
};
use pipeline::{Price, Symbol, TimestampMs};

/// One order sent: what it was and how long the venue took to answer.
#[derive(Debug, Clone, PartialEq)]
pub struct RoundTrip {
    pub client_order_id: String,
    pub order_type: &'static str,
    /// Send to answer (or error), microseconds.
    pub answer_us: u64,
    pub accepted: bool,
    /// The venue's clock when the order was sent (ms).
    pub sent_ms: i64,
    /// MARKET orders: the first fill's execution time minus `sent_ms`, when it is a plausible
    /// delay (0 to 1 hour; venue clock and fill times from different clocks give none).
    pub send_to_fill_ms: Option<i64>,
}

/// Longest send-to-fill delay believed: anything longer means the two times come from
/// different clocks (e.g. `sim serve` stamps fills with the dataset's time).
const MAX_SEND_TO_FILL_MS: i64 = 3_600_000;

/// `V`, with every fill, funding payment and liquidation it reported kept in order.
pub struct Recording<'a, V: Venue> {
    inner: &'a mut V,
    pub fills: Vec<Fill>,
    /// Funding and liquidation events.
    pub account: Vec<VenueEvent>,
    pub round_trips: Vec<RoundTrip>,
    /// MARKET orders waiting for their first fill: order id -> index in `round_trips`.
    awaiting_fill: std::collections::HashMap<i64, usize>,
}

impl<'a, V: Venue> Recording<'a, V> {
    pub fn new(inner: &'a mut V) -> Self {
        Recording {
            inner,
            fills: Vec::new(),
            account: Vec::new(),
            round_trips: Vec::new(),
            awaiting_fill: std::collections::HashMap::new(),
        }
    }

    /// The wrapped venue (the paper exchange takes each bar through it).
    pub fn inner(&mut self) -> &mut V {
        self.inner
    }
}

impl<V: Venue> Venue for Recording<'_, V> {
    fn now(&self) -> TimestampMs {
        self.inner.now()
    }
    fn symbol_spec(&self, symbol: &Symbol) -> Option<SharedSpec> {
        self.inner.symbol_spec(symbol)
    }
    fn mark_price(&self, symbol: &Symbol) -> Option<Price> {
        self.inner.mark_price(symbol)
    }
    fn place_order(&mut self, order: &CheckedOrder) -> Result<OrderState, VenueError> {
        let sent_ms = self.inner.now().0;
        let sent = std::time::Instant::now();
        let answer = self.inner.place_order(order);
        let client_order_id = order.client_order_id().unwrap_or_default().to_string();
        if let Ok(state) = &answer
            && order.order_type() == pipeline::order::OrderType::Market
        {
            self.awaiting_fill
                .insert(state.order_id, self.round_trips.len());
        }
        self.round_trips.push(RoundTrip {
            client_order_id,
            order_type: order.order_type().as_str(),
            answer_us: u64::try_from(sent.elapsed().as_micros()).unwrap_or(u64::MAX),
            accepted: answer.is_ok(),
            sent_ms,
            send_to_fill_ms: None,
        });
        answer
    }
    fn cancel_order(
        &mut self,
        symbol: &Symbol,
        order: &OrderRef,
    ) -> Result<OrderState, VenueError> {
        self.inner.cancel_order(symbol, order)
    }
    fn query_order(&mut self, symbol: &Symbol, order: &OrderRef) -> Result<OrderState, VenueError> {
        self.inner.query_order(symbol, order)
    }
    fn open_orders(&mut self, symbol: Option<&Symbol>) -> Result<Vec<OrderState>, VenueError> {
        self.inner.open_orders(symbol)
    }
    fn positions(&mut self) -> Result<Vec<PositionSnapshot>, VenueError> {
        self.inner.positions()
    }
    fn balance(&mut self) -> Result<Balance, VenueError> {
        self.inner.balance()
    }
    fn set_leverage(&mut self, symbol: &Symbol, leverage: u32) -> Result<(), VenueError> {
        self.inner.set_leverage(symbol, leverage)
    }
    fn drain_events(&mut self) -> Result<Vec<VenueEvent>, VenueError> {
        let events = self.inner.drain_events()?;
        for e in &events {
            match e {
                VenueEvent::Fill(f) => {
                    if let Some(k) = self.awaiting_fill.remove(&f.order_id) {
                        let trip = &mut self.round_trips[k];
                        let delay = f.time.0 - trip.sent_ms;
                        trip.send_to_fill_ms =
                            (0..=MAX_SEND_TO_FILL_MS).contains(&delay).then_some(delay);
                    }
                    self.fills.push(f.clone())
                }
                VenueEvent::Funding { .. } | VenueEvent::Liquidation { .. } => {
                    self.account.push(e.clone())
                }
                VenueEvent::OrderUpdate(_) => {}
            }
        }
        Ok(events)
    }
}

#[cfg(test)]
mod tests {
    use exchange_sim::{SimConfig, SimExchange};
    use pipeline::exchange_info::{Environment, snapshot};
    use pipeline::order::{OrderRequest, Side};
    use pipeline::{Bar, Interval};
    use rust_decimal::Decimal;

    use super::*;

    #[test]
    fn fills_the_stages_drain_are_kept_and_passed_on_unchanged() {
        let info = snapshot(Environment::Mainnet).expect("snapshot");
        let mut ex = SimExchange::new(info, SimConfig::default(), Interval::M1).expect("exchange");
        let btc = ex.symbol_id("BTCUSDT").expect("listed");
        let t = TimestampMs::from_utc(2026, 1, 1, 0, 0, 0);
        let bar = |k: i64| Bar {
            open_time: t.plus_ms(k * 60_000),
            open: 70_000.0,
            high: 70_100.0,
            low: 69_900.0,
            close: 70_050.0,
            volume: 10.0,
        };
        ex.on_bar(btc, &bar(0)).expect("bar");
        let mut rec = Recording::new(&mut ex);
        let order = OrderRequest::market("BTCUSDT", Side::Buy, Decimal::new(1, 2));
        let ctx = pipeline::exchange_info::MarketContext::at_mark(
            Price::new(Decimal::from(70_050)).expect("price"),
        );
        let spec = rec
            .symbol_spec(&Symbol::new("BTCUSDT").expect("s"))
            .expect("spec");
        let checked = pipeline::exchange_info::check_order(Some(&spec), &order, &ctx).expect("ok");
        rec.place_order(&checked).expect("placed");
        rec.inner().on_bar(btc, &bar(1)).expect("bar");
        let events = rec.drain_events().expect("events");
        let passed: Vec<&Fill> = events
            .iter()
            .filter_map(|e| match e {
                VenueEvent::Fill(f) => Some(f),
                _ => None,
            })
            .collect();
        assert_eq!(passed.len(), 1);
        assert_eq!(rec.fills.len(), 1);
        assert_eq!(&rec.fills[0], passed[0]);
        assert_eq!(rec.round_trips.len(), 1);
        assert_eq!(rec.round_trips[0].order_type, "MARKET");
        assert!(rec.round_trips[0].accepted);
        // Sent after bar 0 closed (its close time), filled at bar 1's open: 1 ms later.
        assert_eq!(rec.round_trips[0].sent_ms, t.0 + 59_999);
        assert_eq!(rec.round_trips[0].send_to_fill_ms, Some(1));
    }
}
