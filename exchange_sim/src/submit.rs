//! Placing, canceling and querying orders, and the account settings (leverage, margin mode).
//!
//! `submit` is the raw entry point the local HTTP server calls: the shared order check
//! (`pipeline::exchange_info::check_order`, with the spec valid now and the mark) first, then
//! the stateful checks in this order: duplicate client id among open orders (-4116), open
//! order limit (MAX_NUM_ORDERS, -2025; 200 open conditional orders account-wide, -4045),
//! reduce-only against the position (-2022), would-immediately-trigger (-2021), post-only that
//! would take (-5022), FOK that cannot fill now (-5021), position above the leverage's maximum
//! notional (-2027), and margin (-2019). The route (`/order` vs `/algoOrder`, -4120) is the
//! server's business; `submit` takes every type.
//! Must never live here: fill rules (`matching`, `fills`).

use pipeline::domain::decimal_cmp;
use pipeline::exchange_info::{MarketContext, Reject, SymbolSpec, check_order};
use pipeline::order::{CheckedOrder, OrderRequest, OrderType, Side, TimeInForce, WorkingType};
use pipeline::venue::{OrderRef, OrderState, OrderStatus, VenueEvent};
use pipeline::{Price, TimestampMs};
use rust_decimal::Decimal;

use crate::config::{MarginMode, MarketFill};
use crate::convert::level_f64;
use crate::exchange::SimExchange;
use crate::fills::{BarCtx, Exec};
use crate::orders::{OpenOrder, OrderRecord, new_state};
use crate::schedule::SymId;

/// Binance's account-wide cap on open conditional (algo) orders since 2025-12-29.
pub const MAX_OPEN_ALGO_ORDERS: usize = 200;

impl SimExchange {
    /// Places an order as `POST /fapi/v1/order` (or `/algoOrder`) would. `Ok` carries the
    /// order after any immediate fill (FILLED, EXPIRED, or NEW when it rests or waits for the
    /// next bar); `Err` is Binance's code and message, and no order exists.
    pub fn submit(&mut self, req: &OrderRequest) -> Result<OrderState, Reject> {
        let i = self.schedule.symbol_id(&req.symbol).map(SymId::index);
        let spec = i.and_then(|i| self.spec_now(i));
        let mark = match (i, &spec) {
            (Some(i), Some(_)) => self
                .mark_dec(i)
                .and_then(|d| Price::new(d).ok())
                .ok_or_else(|| {
                    Reject::unknown_error(&format!(
                        "the simulator has no price for {} yet; feed a bar of it before placing orders",
                        req.symbol
                    ))
                })?,
            // check_order refuses a symbol not listed now (-1121); the mark is not looked at.
            _ => Price::new(Decimal::ONE).map_err(|_| Reject::invalid_symbol())?,
        };
        let result =
            check_order(spec.as_deref(), req, &MarketContext::at_mark(mark)).and_then(|checked| {
                match (i, spec) {
                    (Some(i), Some(spec)) => {
                        let last = self.close_dec(i).unwrap_or(mark.get());
                        self.place(i, &spec, &checked, last)
                    }
                    _ => Err(Reject::invalid_symbol()),
                }
            });
        if let Err(r) = &result {
            tracing::debug!(symbol = %req.symbol, code = r.code, msg = %r.msg, "order rejected");
        }
        result
    }

    /// Places an order already checked: when it was checked against this exchange's rules for
    /// the symbol as they are now (the very same shared spec) and its mark now, checking again
    /// would give the same answer, so the stateful checks follow at once; otherwise it goes
    /// through [`SimExchange::submit`] and is checked again with the rules valid now.
    pub(crate) fn submit_checked(&mut self, order: &CheckedOrder) -> Result<OrderState, Reject> {
        let i = self.id_of(order.symbol()).map(SymId::index);
        let spec = i.and_then(|i| self.spec_now(i));
        let mark = i
            .and_then(|i| self.mark_dec(i))
            .and_then(|d| Price::new(d).ok());
        if let (Some(i), Some(spec), Some(mark)) = (i, spec, mark)
            && order.checked_against(spec, &MarketContext::at_mark(mark))
        {
            let last = self.close_dec(i).unwrap_or(mark.get());
            let result = self.place(i, &spec, order, last);
            if let Err(r) = &result {
                tracing::debug!(symbol = %order.symbol(), code = r.code, msg = %r.msg, "order rejected");
            }
            return result;
        }
        self.submit(&crate::venue_impl::request_of(order))
    }

    /// Places a checked order; `mark` is the LAST trade price here (the mark differs only with
    /// mark-price bars): triggers, marketable limits and a MARKET order's reference are the
    /// trade price's; resting margin is held at the mark (`rest`).
    fn place(
        &mut self,
        i: usize,
        spec: &SymbolSpec,
        o: &CheckedOrder,
        mark: Decimal,
    ) -> Result<OrderState, Reject> {
        self.stateful_checks(i, spec, o, mark)?;
        let algo = o.order_type().is_conditional();
        let t = self.now;
        let id = self.orders.next_id(algo);
        let client_id = o.client_id().cloned().unwrap_or_else(|| {
            if algo {
                format!("simalgo{id}").into()
            } else {
                format!("sim{id}").into()
            }
        });
        let state = new_state(id, o, client_id, TimestampMs(t));
        self.events.push(VenueEvent::OrderUpdate(state.clone()));
        self.orders.push(OrderRecord {
            state,
            cum_quote: Decimal::ZERO,
            actual_order_id: None,
        });
        self.touch_orders(i);
        let delay = self.order_delay();
        if delay > 0 {
            // In flight: the bar its arrival falls in decides what happens to it.
            let price = o
                .price()
                .or(o.stop_price())
                .map_or(Decimal::ZERO, Price::get);
            self.rest(i, id, o, price, mark, Some(t + delay));
        } else {
            self.place_now(i, id, o, mark);
        }
        self.refresh_if_dirty();
        self.orders
            .get(id)
            .map(|r| r.state.clone())
            .ok_or_else(|| Reject::unknown_error("order vanished"))
    }

    /// What an order does the instant it reaches the exchange: MARKET fills (now, or at the
    /// next open), a marketable LIMIT takes, the rest waits on the book.
    fn place_now(&mut self, i: usize, id: i64, o: &CheckedOrder, mark: Decimal) {
        let t = self.now;
        match o.order_type() {
            OrderType::Market => match self.cfg.market_fill {
                MarketFill::NextOpen => self.rest(i, id, o, Decimal::ZERO, mark, None),
                MarketFill::CurrentClose => self.fill_now(i, id, o, None),
            },
            OrderType::Limit => {
                let price = o.price().map_or(Decimal::ZERO, Price::get);
                if is_marketable(o.side(), price, mark) {
                    self.fill_now(i, id, o, Some(price));
                } else if o.time_in_force() == Some(TimeInForce::Ioc) {
                    self.set_status(id, OrderStatus::Expired, t);
                } else {
                    self.rest(i, id, o, price, mark, None);
                }
            }
            OrderType::StopMarket | OrderType::TakeProfitMarket => {
                let stop = o.stop_price().map_or(Decimal::ZERO, Price::get);
                self.rest(i, id, o, stop, mark, None);
            }
        }
    }

    /// Puts order `id` on symbol `i`'s list at `price` (the limit, the stop, or 0 for a MARKET
    /// order waiting for the next open), holding its margin; `arrive_at`: still in flight.
    fn rest(
        &mut self,
        i: usize,
        id: i64,
        o: &CheckedOrder,
        price: Decimal,
        mark: Decimal,
        arrive_at: Option<i64>,
    ) {
        let mut order = OpenOrder {
            id,
            order_type: o.order_type(),
            side: o.side(),
            remaining: o.quantity().get(),
            price,
            level: level_f64(price),
            reduce_only: o.reduce_only(),
            close_position: o.close_position(),
            on_mark: o.order_type().is_conditional() && o.working_type() == WorkingType::MarkPrice,
            margin: Decimal::ZERO,
            done: false,
            arrive_at,
        };
        let at_mark = self.mark_dec(i).unwrap_or(mark);
        order.margin = self.resting_margin(i, &order, at_mark);
        self.syms[i].open.push(order);
    }

    fn stateful_checks(
        &self,
        i: usize,
        spec: &SymbolSpec,
        o: &CheckedOrder,
        mark: Decimal,
    ) -> Result<(), Reject> {
        let s = &self.syms[i];
        let algo = o.order_type().is_conditional();
        let open = || s.open.iter().filter(|x| !x.done);
        if let Some(cid) = o.client_id() {
            let taken = open().any(|x| {
                x.is_algo() == algo
                    && self
                        .orders
                        .get(x.id)
                        .is_some_and(|r| r.state.client_order_id == *cid)
            });
            if taken {
                return Err(Reject::duplicate_client_order_id());
            }
        }
        if spec
            .max_num_orders
            .is_some_and(|limit| open().count() >= limit as usize)
        {
            return Err(Reject::max_open_orders());
        }
        if algo {
            let open_algo: usize = self
                .syms
                .iter()
                .map(|s| s.open.iter().filter(|x| !x.done && x.is_algo()).count())
                .sum();
            if open_algo >= MAX_OPEN_ALGO_ORDERS {
                return Err(Reject::max_stop_orders());
            }
        }
        let side = o.side();
        let qty = o.quantity().get();
        if o.reduce_only() && s.position.reducing_qty(side, qty).is_zero() {
            return Err(Reject::reduce_only_rejected());
        }
        if let Some(stop) = o.stop_price().map(Price::get) {
            // A trigger on the mark price compares with the mark, not the last trade.
            let mark = match o.working_type() {
                WorkingType::MarkPrice => self.mark_dec(i).unwrap_or(mark),
                WorkingType::ContractPrice => mark,
            };
            let now =
                match (o.order_type(), side) {
                    (OrderType::StopMarket, Side::Buy)
                    | (OrderType::TakeProfitMarket, Side::Sell) => decimal_cmp::le(stop, mark),
                    (OrderType::StopMarket, Side::Sell)
                    | (OrderType::TakeProfitMarket, Side::Buy) => decimal_cmp::ge(stop, mark),
                    _ => false,
                };
            if now {
                return Err(Reject::would_immediately_trigger());
            }
        }
        let limit_price = o.price().map(Price::get);
        if let Some(price) = limit_price {
            let marketable = is_marketable(side, price, mark);
            match o.time_in_force() {
                Some(TimeInForce::Gtx) if marketable => return Err(Reject::post_only_would_take()),
                Some(TimeInForce::Fok) if !marketable => return Err(Reject::fok_not_filled()),
                _ => {}
            }
        }
        if o.reduce_only() || algo {
            return Ok(());
        }
        let reference = limit_price.unwrap_or(mark);
        let reducing = s.position.reducing_qty(side, qty);
        if decimal_cmp::lt(reducing, qty) {
            let size = if reducing.is_zero() {
                s.position.amt.abs() + qty
            } else {
                qty - reducing
            };
            if decimal_cmp::gt(size * reference, s.brackets.max_notional_at(s.leverage)) {
                return Err(Reject::max_position_at_leverage());
            }
            if decimal_cmp::gt(
                self.order_margin(i, side, qty, reference),
                self.available_balance(),
            ) {
                return Err(Reject::margin_insufficient());
            }
        }
        Ok(())
    }

    /// Fills a MARKET (current-close mode) or marketable LIMIT order now, at the last close
    /// plus slippage (never worse than the limit), as taker.
    fn fill_now(&mut self, i: usize, id: i64, o: &CheckedOrder, limit: Option<Decimal>) {
        let t = self.now;
        let want = o.quantity().get();
        let qty = if o.reduce_only() {
            self.syms[i].position.reducing_qty(o.side(), want)
        } else {
            want
        };
        let bar = self.hot[i].bar;
        let ctx = self
            .close_dec(i)
            .and_then(|close| BarCtx::new(&bar, close, None));
        let Some(ctx) = ctx.filter(|_| !qty.is_zero()) else {
            self.set_status(id, OrderStatus::Expired, t);
            return;
        };
        let mut price = self.taker_price(i, ctx.close, o.side(), &ctx);
        if let Some(l) = limit {
            price = match o.side() {
                Side::Buy => price.min(l),
                Side::Sell => price.max(l),
            };
        }
        self.execute_fill(i, Exec::taker(id, qty, price, t));
        if qty < want {
            self.set_status(id, OrderStatus::Expired, t);
        }
    }

    fn find_open(&self, i: usize, r: &OrderRef) -> Option<usize> {
        self.syms[i].open.iter().position(|o| {
            !o.done
                && match r {
                    OrderRef::Id(id) => o.id == *id,
                    OrderRef::ClientId(c) => self
                        .orders
                        .get(o.id)
                        .is_some_and(|rec| rec.state.client_order_id == *c),
                }
        })
    }

    /// Cancels an open order (-2011 when there is none; a MARKET order waiting for the next
    /// open cannot be canceled, as on Binance where it would already have filled).
    pub fn cancel(&mut self, symbol: &str, r: &OrderRef) -> Result<OrderState, Reject> {
        let i = self
            .schedule
            .symbol_id(symbol)
            .map(SymId::index)
            .ok_or_else(Reject::invalid_symbol)?;
        let k = self.find_open(i, r).ok_or_else(Reject::unknown_order)?;
        let o = &self.syms[i].open[k];
        if o.order_type == OrderType::Market {
            return Err(Reject::unknown_order());
        }
        let id = o.id;
        self.syms[i].open.remove(k);
        self.set_status(id, OrderStatus::Canceled, self.now);
        self.touch_orders(i);
        self.refresh_if_dirty();
        self.query(symbol, &OrderRef::Id(id))
    }

    /// Cancels every open order of `symbol`; returns how many.
    pub fn cancel_all_orders(&mut self, symbol: &str) -> Result<usize, Reject> {
        let i = self
            .schedule
            .symbol_id(symbol)
            .map(SymId::index)
            .ok_or_else(Reject::invalid_symbol)?;
        let ids: Vec<i64> = self.syms[i]
            .open
            .iter()
            .filter(|o| !o.done && o.order_type != OrderType::Market)
            .map(|o| o.id)
            .collect();
        for id in &ids {
            self.cancel(symbol, &OrderRef::Id(*id))?;
        }
        Ok(ids.len())
    }

    /// An order of `symbol` as it is now (-2013 when there is none).
    pub fn query(&self, symbol: &str, r: &OrderRef) -> Result<OrderState, Reject> {
        let rec = match r {
            OrderRef::Id(id) => self.orders.get(*id),
            OrderRef::ClientId(c) => self.orders.find_client_id(symbol, c),
        };
        rec.filter(|rec| rec.state.symbol.as_str() == symbol)
            .map(|rec| rec.state.clone())
            .ok_or_else(Reject::no_such_order)
    }

    /// For a triggered conditional order: the id of the normal order it became.
    pub fn actual_order_id(&self, algo_id: i64) -> Option<i64> {
        self.orders.get(algo_id).and_then(|r| r.actual_order_id)
    }

    /// Open orders (normal and conditional) of one symbol or all, by id.
    pub fn open_orders(&self, sym: Option<SymId>) -> Vec<OrderState> {
        let mut out: Vec<OrderState> = self
            .syms
            .iter()
            .enumerate()
            .filter(|(i, _)| sym.is_none_or(|s| s.index() == *i))
            .flat_map(|(_, s)| s.open.iter().filter(|o| !o.done))
            .filter_map(|o| self.orders.get(o.id).map(|r| r.state.clone()))
            .collect();
        out.sort_by_key(|o| o.order_id);
        out
    }

    /// `POST /fapi/v1/leverage`: 1..=the first bracket's leverage (-4028), and not below what
    /// the open position needs (-2027). Isolated margin already held is not changed.
    pub fn set_leverage(&mut self, symbol: &str, leverage: u32) -> Result<(), Reject> {
        let i = self
            .schedule
            .symbol_id(symbol)
            .map(SymId::index)
            .ok_or_else(Reject::invalid_symbol)?;
        let s = &self.syms[i];
        if leverage == 0 || leverage > s.brackets.max_leverage() {
            return Err(Reject::invalid_leverage(leverage));
        }
        let notional = s.position.amt.abs() * self.mark_dec(i).unwrap_or_default();
        if notional > s.brackets.max_notional_at(leverage) {
            return Err(Reject::max_position_at_leverage());
        }
        self.syms[i].leverage = leverage;
        self.dirty = true;
        self.refresh_if_dirty();
        Ok(())
    }

    /// `POST /fapi/v1/marginType` (-4046 unchanged, -4047 open orders, -4048 position).
    pub fn set_margin_mode(&mut self, symbol: &str, mode: MarginMode) -> Result<(), Reject> {
        let i = self
            .schedule
            .symbol_id(symbol)
            .map(SymId::index)
            .ok_or_else(Reject::invalid_symbol)?;
        let s = &self.syms[i];
        if s.mode == mode {
            return Err(Reject::margin_type_unchanged());
        }
        if s.open.iter().any(|o| !o.done) {
            return Err(Reject::margin_type_with_open_orders());
        }
        if !s.position.is_flat() {
            return Err(Reject::margin_type_with_position());
        }
        self.syms[i].mode = mode;
        self.dirty = true;
        self.refresh_if_dirty();
        Ok(())
    }
}

/// A LIMIT order crosses the (spread-less) book when a BUY is at or above the last price or a
/// SELL at or below it.
pub(crate) fn is_marketable(side: Side, price: Decimal, mark: Decimal) -> bool {
    match side {
        Side::Buy => decimal_cmp::ge(price, mark),
        Side::Sell => decimal_cmp::le(price, mark),
    }
}
