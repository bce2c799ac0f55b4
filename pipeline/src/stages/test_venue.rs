//! A fake [`Venue`] for the stages' unit tests (cfg(test) only): Binance's embedded exchange
//! info, a mark price per symbol, MARKET orders filled in full at the mark, conditional orders
//! resting until [`FakeVenue::trigger`], and switches to reject the next order, to fail the
//! positions read, or to answer "outcome unknown". Every order it receives is kept in `placed`.
//! Must never live here: realistic matching (that is `exchange_sim`).

use std::collections::BTreeMap;

use rust_decimal::Decimal;

use crate::domain::{Price, Qty, Symbol, TimestampMs};
use crate::exchange_info::{Environment, ExchangeInfo, Reject, SharedSpec, snapshot};
use crate::order::{CheckedOrder, OrderType, Side};
use crate::venue::{
    Balance, Fill, OrderRef, OrderState, OrderStatus, PositionSnapshot, Venue, VenueError,
    VenueEvent,
};

#[derive(Debug)]
pub(crate) struct FakeVenue {
    info: ExchangeInfo,
    pub marks: BTreeMap<Symbol, Price>,
    /// Signed amount and entry price.
    pub positions: BTreeMap<Symbol, (Decimal, Decimal)>,
    /// Every order that reached `place_order`, accepted or not.
    pub placed: Vec<CheckedOrder>,
    pub reject_next: Option<Reject>,
    pub unknown_next: bool,
    /// The next this many cancels get no answer ("outcome unknown") and change nothing.
    pub unknown_cancels: u32,
    pub fail_positions: bool,
    /// MARKET orders answer NEW and rest until [`FakeVenue::fill_market`] (like a backtest's
    /// `next_open` fill).
    pub defer_market: bool,
    pub open: Vec<OrderState>,
    pub cancelled: Vec<i64>,
    pub leverage: BTreeMap<Symbol, u32>,
    pub events: Vec<VenueEvent>,
    pub now: TimestampMs,
    next_id: i64,
}

pub(crate) fn sym(s: &str) -> Symbol {
    Symbol::new(s).expect("symbol")
}

pub(crate) fn price(d: Decimal) -> Price {
    Price::new(d).expect("price")
}

impl FakeVenue {
    pub fn new() -> Self {
        Self::on(Environment::Mainnet)
    }

    pub fn on(env: Environment) -> Self {
        FakeVenue {
            info: snapshot(env).expect("embedded snapshot"),
            marks: BTreeMap::new(),
            positions: BTreeMap::new(),
            placed: Vec::new(),
            reject_next: None,
            unknown_next: false,
            unknown_cancels: 0,
            fail_positions: false,
            defer_market: false,
            open: Vec::new(),
            cancelled: Vec::new(),
            leverage: BTreeMap::new(),
            events: Vec::new(),
            now: TimestampMs(0),
            next_id: 1,
        }
    }

    pub fn with_mark(mut self, symbol: &str, mark: Decimal) -> Self {
        self.marks.insert(sym(symbol), price(mark));
        self
    }

    /// Sets the venue's position behind the pipeline's back (for ledger mismatches).
    pub fn set_position(&mut self, symbol: &str, amt: Decimal) {
        let entry = self
            .marks
            .get(&sym(symbol))
            .map_or(Decimal::ONE, |p| p.get());
        self.positions.insert(sym(symbol), (amt, entry));
    }

    pub fn amt(&self, symbol: &str) -> Decimal {
        self.positions
            .get(&sym(symbol))
            .map_or(Decimal::ZERO, |p| p.0)
    }

    fn apply(&mut self, symbol: &Symbol, side: Side, qty: Decimal, at: Price) {
        let pos = self
            .positions
            .entry(symbol.clone())
            .or_insert((Decimal::ZERO, at.get()));
        let before = pos.0;
        pos.0 += qty * side.sign();
        if before.is_zero() || before.is_sign_positive() != pos.0.is_sign_positive() {
            pos.1 = at.get();
        }
        if pos.0.is_zero() {
            self.positions.remove(symbol);
        }
    }

    fn fill_event(&mut self, state: &OrderState, at: Price) {
        self.events.push(VenueEvent::Fill(Fill {
            order_id: state.order_id,
            client_order_id: state.client_order_id.clone(),
            symbol: state.symbol.clone(),
            side: state.side,
            qty: state.executed_qty,
            price: at,
            fee: Decimal::ZERO,
            is_maker: false,
            realized_pnl: Decimal::ZERO,
            time: self.now,
        }));
    }

    /// Fills a resting (deferred) MARKET order in full at the mark.
    pub fn fill_market(&mut self, order_id: i64) {
        let Some(i) = self.open.iter().position(|o| o.order_id == order_id) else {
            return;
        };
        let mut state = self.open.remove(i);
        let at = self.marks[&state.symbol];
        state.executed_qty = state.orig_qty;
        state.status = OrderStatus::Filled;
        state.avg_price = Some(at);
        let symbol = state.symbol.clone();
        self.apply(&symbol, state.side, state.orig_qty.get(), at);
        self.fill_event(&state, at);
        self.events.push(VenueEvent::OrderUpdate(state));
    }

    /// Triggers a resting conditional order: it fills in full at its stop price.
    pub fn trigger(&mut self, order_id: i64) {
        let Some(i) = self.open.iter().position(|o| o.order_id == order_id) else {
            return;
        };
        let mut state = self.open.remove(i);
        let at = state.stop_price.unwrap_or_else(|| price(Decimal::ONE));
        let held = self.amt(state.symbol.as_str()).abs();
        let qty = state.orig_qty.get().min(held);
        state.executed_qty = Qty::new(qty).expect("qty");
        state.status = OrderStatus::Filled;
        state.avg_price = Some(at);
        let symbol = state.symbol.clone();
        self.apply(&symbol, state.side, qty, at);
        self.fill_event(&state, at);
        self.events.push(VenueEvent::OrderUpdate(state));
    }
}

impl Venue for FakeVenue {
    fn now(&self) -> TimestampMs {
        self.now
    }

    fn symbol_spec(&self, symbol: &Symbol) -> Option<SharedSpec> {
        self.info.get(symbol.as_str()).map(SharedSpec::new)
    }

    fn mark_price(&self, symbol: &Symbol) -> Option<Price> {
        self.marks.get(symbol).copied()
    }

    fn place_order(&mut self, order: &CheckedOrder) -> Result<OrderState, VenueError> {
        self.placed.push(order.clone());
        if let Some(r) = self.reject_next.take() {
            return Err(VenueError::Rejected(r));
        }
        if std::mem::take(&mut self.unknown_next) {
            return Err(VenueError::Unknown("timeout after 10000 ms".into()));
        }
        let held = self.amt(order.symbol().as_str());
        if order.reduce_only()
            && (held.is_zero() || held.is_sign_positive() == (order.side() == Side::Buy))
        {
            return Err(VenueError::Rejected(Reject::reduce_only_rejected()));
        }
        let order_id = self.next_id;
        self.next_id += 1;
        let mut state = OrderState {
            order_id,
            client_order_id: order.client_order_id().unwrap_or("fake").into(),
            symbol: order.symbol().clone(),
            side: order.side(),
            order_type: order.order_type(),
            time_in_force: order.time_in_force(),
            status: OrderStatus::New,
            orig_qty: order.quantity(),
            executed_qty: Qty::ZERO,
            avg_price: None,
            price: order.price(),
            stop_price: order.stop_price(),
            reduce_only: order.reduce_only(),
            close_position: order.close_position(),
            update_time: self.now,
            working_type: order.working_type(),
        };
        if order.order_type() != OrderType::Market || self.defer_market {
            self.open.push(state.clone());
            return Ok(state);
        }
        let at = self
            .marks
            .get(order.symbol())
            .copied()
            .ok_or_else(|| VenueError::Unavailable("no mark price".into()))?;
        state.status = OrderStatus::Filled;
        state.executed_qty = order.quantity();
        state.avg_price = Some(at);
        self.apply(order.symbol(), order.side(), order.quantity().get(), at);
        self.fill_event(&state, at);
        Ok(state)
    }

    fn cancel_order(
        &mut self,
        _symbol: &Symbol,
        order: &OrderRef,
    ) -> Result<OrderState, VenueError> {
        if self.unknown_cancels > 0 {
            self.unknown_cancels -= 1;
            return Err(VenueError::Unknown("timeout".into()));
        }
        let OrderRef::Id(id) = order else {
            return Err(VenueError::Rejected(Reject::unknown_order()));
        };
        let Some(i) = self.open.iter().position(|o| o.order_id == *id) else {
            return Err(VenueError::Rejected(Reject::unknown_order()));
        };
        let mut state = self.open.remove(i);
        state.status = OrderStatus::Canceled;
        self.cancelled.push(*id);
        Ok(state)
    }

    fn query_order(
        &mut self,
        _symbol: &Symbol,
        _order: &OrderRef,
    ) -> Result<OrderState, VenueError> {
        Err(VenueError::Rejected(Reject::no_such_order()))
    }

    fn open_orders(&mut self, _symbol: Option<&Symbol>) -> Result<Vec<OrderState>, VenueError> {
        Ok(self.open.clone())
    }

    fn positions(&mut self) -> Result<Vec<PositionSnapshot>, VenueError> {
        if self.fail_positions {
            return Err(VenueError::Unavailable("connection refused".into()));
        }
        Ok(self
            .positions
            .iter()
            .map(|(s, (amt, entry))| PositionSnapshot {
                symbol: s.clone(),
                position_amt: *amt,
                entry_price: *entry,
                mark_price: self.marks.get(s).map_or(*entry, |p| p.get()),
                unrealized_pnl: Decimal::ZERO,
                liquidation_price: Decimal::ZERO,
                leverage: self.leverage.get(s).copied().unwrap_or(20),
                isolated: false,
                isolated_margin: Decimal::ZERO,
                update_time: self.now,
            })
            .collect())
    }

    fn balance(&mut self) -> Result<Balance, VenueError> {
        Ok(Balance {
            asset: "USDT".into(),
            wallet_balance: Decimal::from(10_000),
            unrealized_pnl: Decimal::ZERO,
            available_balance: Decimal::from(10_000),
        })
    }

    fn set_leverage(&mut self, symbol: &Symbol, leverage: u32) -> Result<(), VenueError> {
        self.leverage.insert(symbol.clone(), leverage);
        Ok(())
    }

    fn drain_events(&mut self) -> Result<Vec<VenueEvent>, VenueError> {
        Ok(std::mem::take(&mut self.events))
    }
}
