//! Orders: MARKET/LIMIT through `POST /fapi/v1/order` (newOrderRespType=RESULT, so a MARKET
//! order answers with its final state), conditional TP/SL through `POST /fapi/v1/algoOrder`
//! (binance-facts.md section 3, since 2025-12), cancel, query, open orders.
//! The caller names every order (`newClientOrderId` / `clientAlgoId`); this module never
//! invents one, so a retry by the caller reuses the same id.
//! Must never live here: retry or reconcile policy (that is `LiveVenue`).

use pipeline::order::CheckedOrder;
use pipeline::venue::{OrderRef, OrderState, VenueError};
use pipeline::{Qty, Symbol};
use reqwest::Method;
use rust_decimal::Decimal;

use super::convert::{AlgoOrderState, algo_state};
use super::transport::{Client, Request};
use crate::wire::{WireAlgoOrder, WireOrder, WireTrade};

/// Decimals as Binance wants them: no exponent, no trailing zeros.
fn plain(d: Decimal) -> String {
    d.normalize().to_string()
}

fn qty_text(q: Qty) -> String {
    plain(q.get())
}

impl Client {
    /// Places a MARKET or LIMIT order named `client_id`.
    pub fn place_order(
        &self,
        order: &CheckedOrder,
        client_id: &str,
    ) -> Result<OrderState, VenueError> {
        let mut req = Request::signed(Method::POST, "/fapi/v1/order")
            .param("symbol", order.symbol().as_str())
            .param("side", order.side().as_str())
            .param("type", order.order_type().as_str())
            .param("quantity", qty_text(order.quantity()))
            .param_opt("price", order.price().map(|p| plain(p.get())))
            .param_opt("timeInForce", order.time_in_force().map(|t| t.as_str()));
        if order.reduce_only() {
            req = req.param("reduceOnly", "true");
        }
        let req = req
            .param("newClientOrderId", client_id)
            .param("newOrderRespType", "RESULT");
        Ok(self.call::<WireOrder>(&req)?.to_state()?)
    }

    /// Places a conditional (STOP_MARKET / TAKE_PROFIT_MARKET) order on the Algo service.
    pub fn place_algo_order(
        &self,
        order: &CheckedOrder,
        client_id: &str,
    ) -> Result<AlgoOrderState, VenueError> {
        let trigger = order.stop_price().ok_or_else(|| {
            VenueError::Rejected(pipeline::exchange_info::Reject::mandatory_param(
                "triggerPrice",
            ))
        })?;
        let mut req = Request::signed(Method::POST, "/fapi/v1/algoOrder")
            .param("algoType", "CONDITIONAL")
            .param("symbol", order.symbol().as_str())
            .param("side", order.side().as_str())
            .param("type", order.order_type().as_str())
            .param("triggerPrice", plain(trigger.get()));
        if order.close_position() {
            req = req.param("closePosition", "true");
        } else {
            req = req.param("quantity", qty_text(order.quantity()));
            if order.reduce_only() {
                req = req.param("reduceOnly", "true");
            }
        }
        let req = req.param("clientAlgoId", client_id);
        algo_state(&self.call::<WireAlgoOrder>(&req)?)
    }

    /// `GET /fapi/v1/order`.
    pub fn query_order(&self, symbol: &Symbol, order: &OrderRef) -> Result<OrderState, VenueError> {
        let req = with_ref(
            Request::signed(Method::GET, "/fapi/v1/order"),
            symbol,
            order,
        );
        Ok(self.call::<WireOrder>(&req)?.to_state()?)
    }

    /// `GET /fapi/v1/userTrades` of one order: its executions with fee and realised PnL.
    pub fn user_trades(
        &self,
        symbol: &Symbol,
        order_id: i64,
    ) -> Result<Vec<WireTrade>, VenueError> {
        let req = Request::signed(Method::GET, "/fapi/v1/userTrades")
            .param("symbol", symbol.as_str())
            .param("orderId", order_id);
        self.call(&req)
    }

    /// `DELETE /fapi/v1/order`.
    pub fn cancel_order(
        &self,
        symbol: &Symbol,
        order: &OrderRef,
    ) -> Result<OrderState, VenueError> {
        let req = with_ref(
            Request::signed(Method::DELETE, "/fapi/v1/order"),
            symbol,
            order,
        );
        Ok(self.call::<WireOrder>(&req)?.to_state()?)
    }

    /// `GET /fapi/v1/algoOrder` (by algoId or clientAlgoId).
    pub fn query_algo_order(&self, order: &OrderRef) -> Result<AlgoOrderState, VenueError> {
        let req = with_algo_ref(Request::signed(Method::GET, "/fapi/v1/algoOrder"), order);
        algo_state(&self.call::<WireAlgoOrder>(&req)?)
    }

    /// `DELETE /fapi/v1/algoOrder`; the answer is only an acknowledgement.
    pub fn cancel_algo_order(&self, order: &OrderRef) -> Result<(), VenueError> {
        let req = with_algo_ref(Request::signed(Method::DELETE, "/fapi/v1/algoOrder"), order);
        self.call_raw(&req).map(|_| ())
    }

    /// `GET /fapi/v1/openOrders` (all symbols when `None`; weight 40 then).
    pub fn open_orders(&self, symbol: Option<&Symbol>) -> Result<Vec<OrderState>, VenueError> {
        let req = Request::signed(Method::GET, "/fapi/v1/openOrders")
            .param_opt("symbol", symbol.map(Symbol::as_str));
        let raw: Vec<WireOrder> = self.call(&req)?;
        raw.iter().map(|w| Ok(w.to_state()?)).collect()
    }

    /// `GET /fapi/v1/openAlgoOrders`.
    pub fn open_algo_orders(
        &self,
        symbol: Option<&Symbol>,
    ) -> Result<Vec<AlgoOrderState>, VenueError> {
        let req = Request::signed(Method::GET, "/fapi/v1/openAlgoOrders")
            .param_opt("symbol", symbol.map(Symbol::as_str));
        let raw: Vec<WireAlgoOrder> = self.call(&req)?;
        raw.iter().map(algo_state).collect()
    }
}

fn with_ref<'a>(req: Request<'a>, symbol: &Symbol, order: &OrderRef) -> Request<'a> {
    let req = req.param("symbol", symbol.as_str());
    match order {
        OrderRef::Id(id) => req.param("orderId", id),
        OrderRef::ClientId(c) => req.param("origClientOrderId", c),
    }
}

fn with_algo_ref<'a>(req: Request<'a>, order: &OrderRef) -> Request<'a> {
    match order {
        OrderRef::Id(id) => req.param("algoId", id),
        OrderRef::ClientId(c) => req.param("clientAlgoId", c),
    }
}
