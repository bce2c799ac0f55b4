//! Orders: MARKET/LIMIT through `POST /fapi/v1/order` (newOrderRespType=RESULT, so a MARKET
//! order answers with its final state), conditional TP/SL through `POST /fapi/v1/algoOrder`
//! (binance-facts.md section 3, since 2025-12), cancel, query, open orders.
//! An order's parameters are written by `binance::order_params`, the encoder whose reading
//! (`binance::order_request`) is the server's. The caller names every order
//! (`newClientOrderId` / `clientAlgoId`); this module never invents one, so a retry by the
//! caller reuses the same id.
//! Must never live here: retry or reconcile policy (that is `LiveVenue`).

use binance::order_params;
use binance::{WireAlgoOrder, WireOrder, WireTrade};
use pipeline::order::{CheckedOrder, OrderRequest};
use pipeline::venue::{OrderRef, OrderState, VenueError};
use pipeline::{Price, Symbol};
use reqwest::Method;

use super::convert::{AlgoOrderState, algo_state};
use super::transport::{Client, Request};

/// What the client sends for `order` named `client_id`. A `closePosition` order carries no
/// quantity (it closes whatever is open when it triggers; the check refused one with a
/// quantity or reduceOnly).
fn wire_request(order: &CheckedOrder, client_id: &str) -> OrderRequest {
    OrderRequest {
        symbol: order.symbol().as_str().into(),
        side: order.side(),
        order_type: order.order_type(),
        time_in_force: order.time_in_force(),
        quantity: (!order.close_position()).then(|| order.quantity().get()),
        price: order.price().map(Price::get),
        stop_price: order.stop_price().map(Price::get),
        reduce_only: order.reduce_only(),
        close_position: order.close_position(),
        client_order_id: Some(client_id.into()),
        working_type: order.working_type(),
    }
}

impl Client {
    /// Places a MARKET or LIMIT order named `client_id`.
    pub fn place_order(
        &self,
        order: &CheckedOrder,
        client_id: &str,
    ) -> Result<OrderState, VenueError> {
        let req = Request::signed(Method::POST, "/fapi/v1/order")
            .params(order_params(&wire_request(order, client_id)))
            .param("newOrderRespType", "RESULT");
        Ok(self.call::<WireOrder>(&req)?.to_state()?)
    }

    /// Places a conditional (STOP_MARKET / TAKE_PROFIT_MARKET) order on the Algo service.
    pub fn place_algo_order(
        &self,
        order: &CheckedOrder,
        client_id: &str,
    ) -> Result<AlgoOrderState, VenueError> {
        if order.stop_price().is_none() {
            return Err(VenueError::Rejected(
                pipeline::exchange_info::Reject::mandatory_param("triggerPrice"),
            ));
        }
        let req = Request::signed(Method::POST, "/fapi/v1/algoOrder")
            .params(order_params(&wire_request(order, client_id)));
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
