//! Order endpoints (signed): `/fapi/v1/order` POST/GET/DELETE, `/openOrders`,
//! `/allOpenOrders`, `/allOrders` (every order the exchange reported, read back), `/userTrades`, and the Algo service for conditional orders: `/fapi/v1/algoOrder`
//! POST/GET/DELETE and `/openAlgoOrders`. Parameters become an `OrderRequest` (`binance::order_request`) and go to
//! `SimExchange::submit`, which answers with Binance's codes.
//! Must never live here: fill rules or filter checks (the simulator and `check_order` own them).

use binance::{AlgoCancelAnswer, Params, WireAlgoOrder, WireOrder, WireTrade, order_request};
use pipeline::exchange_info::Reject;
use pipeline::venue::{OrderRef, OrderState, OrderStatus};
use serde_json::{Value, json};

use super::App;
use super::catalog::Routes;
use super::http::{Answer, Endpoint};
use super::market::Market;
use super::routes_market::by_symbol;

pub(crate) fn routes(r: Routes) -> Routes {
    let one = |_: &Params| 1;
    r.post("/fapi/v1/order", Endpoint::order(new_order))
        .get("/fapi/v1/order", Endpoint::signed(one, query_order))
        .delete("/fapi/v1/order", Endpoint::signed(one, cancel_order))
        .get(
            "/fapi/v1/openOrders",
            Endpoint::signed(by_symbol(1, 40), open_orders),
        )
        .delete("/fapi/v1/allOpenOrders", Endpoint::signed(one, cancel_all))
        .post("/fapi/v1/algoOrder", Endpoint::order(new_algo_order))
        .get(
            "/fapi/v1/algoOrder",
            Endpoint::signed(one, query_algo_order),
        )
        .delete(
            "/fapi/v1/algoOrder",
            Endpoint::signed(one, cancel_algo_order),
        )
        .get("/fapi/v1/userTrades", Endpoint::signed(|_| 5, user_trades))
        .get("/fapi/v1/allOrders", Endpoint::signed(|_| 5, all_orders))
        .get(
            "/fapi/v1/openAlgoOrders",
            Endpoint::signed(by_symbol(1, 40), open_algo_orders),
        )
}

fn to_json(v: impl serde::Serialize) -> Answer {
    serde_json::to_value(v).map_err(|e| Reject::unknown_error(&e.to_string()))
}

/// Binance's rule for client ids, `^[\.A-Z\:/a-z0-9_-]{1,36}$`, as to characters (-4015;
/// the length is `check_order`'s, with Binance's own message for it).
fn client_id_chars(p: &Params, name: &str) -> Result<(), Reject> {
    let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | ':' | '/' | '_' | '-');
    match p.get(name) {
        Some(id) if !id.chars().all(allowed) => Err(Reject {
            code: -4015,
            msg: format!(
                "Client order id is not valid. ({name} may hold only letters, digits and . : / _ -)"
            ),
        }),
        _ => Ok(()),
    }
}

/// What `POST /fapi/v1/order` answers with (`newOrderRespType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum RespType {
    /// The default: the order as the engine accepted it, before any fill (status NEW,
    /// executedQty 0), even when a MARKET order filled at once; the fill is read back later.
    Ack,
    /// The order's state after matching: a MARKET order FILLED with `executedQty`,
    /// `avgPrice` and `cumQuote`; an IOC/FOK LIMIT FILLED or EXPIRED.
    Result,
}

/// `newOrderRespType`: ACK (default) or RESULT; USD-M has no FULL (that is spot's), so it and
/// anything else get -1100 with the legal values, in Binance's wording for a bad enum value.
fn resp_type(p: &Params) -> Result<RespType, Reject> {
    match p.get("newOrderRespType") {
        None | Some("ACK") => Ok(RespType::Ack),
        Some("RESULT") => Ok(RespType::Result),
        Some(_) => Err(Reject {
            code: -1100,
            msg: "Illegal characters found in parameter 'newOrderRespType'; legal range is 'ACK, RESULT'.".to_string(),
        }),
    }
}

/// The acknowledgement of `state`: the same order as it stood when accepted.
fn acknowledged(state: &OrderState) -> OrderState {
    OrderState {
        status: OrderStatus::New,
        executed_qty: pipeline::Qty::ZERO,
        avg_price: None,
        ..state.clone()
    }
}

pub(crate) fn new_order(app: &App, p: &Params) -> Answer {
    client_id_chars(p, "newClientOrderId")?;
    let resp = resp_type(p)?;
    let req = order_request(p, false)?;
    let state = app.market().ex.submit(&req)?;
    let shown = match resp {
        RespType::Ack => acknowledged(&state),
        RespType::Result => state,
    };
    to_json(WireOrder::from_state(&shown, true))
}

/// `orderId` or `origClientOrderId` (or the algo names), -1102 when neither is given.
fn order_ref(p: &Params, id: &str, client_id: &str) -> Result<OrderRef, Reject> {
    if let Some(id) = p.parsed::<i64>(id)? {
        return Ok(OrderRef::Id(id));
    }
    p.get(client_id)
        .map(|c| OrderRef::ClientId(c.to_string()))
        .ok_or_else(|| Reject {
            code: -1102,
            msg: format!("Param '{id}' or '{client_id}' must be sent, but both were empty/null!"),
        })
}

fn query_order(app: &App, p: &Params) -> Answer {
    let symbol = p.required("symbol")?;
    let r = order_ref(p, "orderId", "origClientOrderId")?;
    let state = app.market().ex.query(symbol, &r)?;
    to_json(WireOrder::from_state(&state, false))
}

fn cancel_order(app: &App, p: &Params) -> Answer {
    let symbol = p.required("symbol")?;
    let r = order_ref(p, "orderId", "origClientOrderId")?;
    let state = app.market().ex.cancel(symbol, &r)?;
    to_json(WireOrder::from_state(&state, true))
}

/// Open orders of the named symbol or all, normal (`algo` false) or conditional ones.
fn open_of(m: &Market, p: &Params, algo: bool) -> Result<Vec<OrderState>, Reject> {
    let sym = match p.get("symbol") {
        Some(s) => Some(m.ex.symbol_id(s).ok_or_else(Reject::invalid_symbol)?),
        None => None,
    };
    Ok(m.ex
        .open_orders(sym)
        .into_iter()
        .filter(|o| o.order_type.is_conditional() == algo)
        .collect())
}

fn open_orders(app: &App, p: &Params) -> Answer {
    let m = app.market();
    let rows: Vec<WireOrder> = open_of(&m, p, false)?
        .iter()
        .map(|o| WireOrder::from_state(o, false))
        .collect();
    to_json(rows)
}

fn cancel_all(app: &App, p: &Params) -> Answer {
    let symbol = p.required("symbol")?;
    app.market().ex.cancel_all_orders(symbol)?;
    Ok(json!({"code": 200, "msg": "The operation of cancel all open order is done."}))
}

fn new_algo_order(app: &App, p: &Params) -> Answer {
    client_id_chars(p, "clientAlgoId")?;
    let req = order_request(p, true)?;
    let mut m = app.market();
    let state = m.ex.submit(&req)?;
    let actual = m.ex.actual_order_id(state.order_id);
    to_json(WireAlgoOrder::from_state(&state, actual))
}

/// Finds an algo order by id or client id, in the named symbol or any.
fn find_algo(m: &Market, p: &Params) -> Result<(String, OrderState), Reject> {
    let r = order_ref(p, "algoId", "clientAlgoId")?;
    let symbols: Vec<String> = match p.get("symbol") {
        Some(s) => vec![s.to_string()],
        None => {
            m.ex.schedule()
                .symbols()
                .iter()
                .map(|s| s.to_string())
                .collect()
        }
    };
    symbols
        .into_iter()
        .find_map(|s| {
            m.ex.query(&s, &r)
                .ok()
                .filter(|o| o.order_type.is_conditional())
                .map(|o| (s, o))
        })
        .ok_or_else(Reject::no_such_order)
}

fn query_algo_order(app: &App, p: &Params) -> Answer {
    let m = app.market();
    let (_, state) = find_algo(&m, p)?;
    to_json(WireAlgoOrder::from_state(
        &state,
        m.ex.actual_order_id(state.order_id),
    ))
}

fn cancel_algo_order(app: &App, p: &Params) -> Answer {
    let mut m = app.market();
    let (symbol, state) = find_algo(&m, p).map_err(|_| Reject::unknown_order())?;
    let canceled = m.ex.cancel(&symbol, &OrderRef::Id(state.order_id))?;
    to_json(AlgoCancelAnswer {
        algo_id: canceled.order_id,
        client_algo_id: canceled.client_order_id.to_string(),
        code: "200".to_string(),
        msg: "success".to_string(),
    })
}

fn open_algo_orders(app: &App, p: &Params) -> Answer {
    let m = app.market();
    let rows: Vec<Value> = open_of(&m, p, true)?
        .iter()
        .filter_map(|o| serde_json::to_value(WireAlgoOrder::from_state(o, None)).ok())
        .collect();
    Ok(Value::Array(rows))
}

/// `GET /fapi/v1/userTrades`: the account's fills of `symbol` (trade ids count from 1 across
/// the account), filtered by `orderId`, `fromId`, `startTime`/`endTime`; oldest first.
/// Every regular order of `symbol` (open, filled, canceled, expired), ascending by id: from
/// `orderId` on when it is given, else the most recent `limit` (default 500, at most 1000),
/// within `startTime`/`endTime` by the order's last update time (the simulator keeps no
/// separate creation time).
fn all_orders(app: &App, p: &Params) -> Answer {
    let m = app.market();
    let symbol = p.required("symbol")?;
    m.ex.symbol_id(symbol).ok_or_else(Reject::invalid_symbol)?;
    let from_id: Option<i64> = p.parsed("orderId")?;
    let (start, end) = super::routes_market::time_range(p)?;
    let limit = super::routes_market::limit_param(p, 500, 1000)? as usize;
    let orders: Vec<OrderState> = m
        .order_ids(symbol)
        .filter(|id| from_id.is_none_or(|from| *id >= from))
        .filter_map(|id| m.ex.query(symbol, &OrderRef::Id(id)).ok())
        .filter(|o| {
            let t = o.update_time.as_ms();
            start.is_none_or(|s| t >= s) && end.is_none_or(|e| t <= e)
        })
        .collect();
    let picked = if from_id.is_some() {
        &orders[..orders.len().min(limit)]
    } else {
        &orders[orders.len().saturating_sub(limit)..]
    };
    to_json(
        picked
            .iter()
            .map(|o| WireOrder::from_state(o, false))
            .collect::<Vec<_>>(),
    )
}

fn user_trades(app: &App, p: &Params) -> Answer {
    let m = app.market();
    let symbol = p.required("symbol")?;
    m.ex.symbol_id(symbol).ok_or_else(Reject::invalid_symbol)?;
    let order_id: Option<i64> = p.parsed("orderId")?;
    let from_id: Option<i64> = p.parsed("fromId")?;
    let (start, end) = super::routes_market::time_range(p)?;
    let limit = p.parsed::<usize>("limit")?.unwrap_or(500).clamp(1, 1000);
    // A triggered conditional order's fills carry its algo id in the simulator; Binance lists
    // them under the regular order the trigger created.
    let order_of =
        |f: &pipeline::venue::Fill| m.ex.actual_order_id(f.order_id).unwrap_or(f.order_id);
    let rows: Vec<WireTrade> =
        m.ex.fills()
            .iter()
            .zip(1_i64..)
            .filter(|(f, id)| {
                f.symbol.as_str() == symbol
                    && order_id.is_none_or(|o| order_of(f) == o)
                    && from_id.is_none_or(|from| *id >= from)
                    && start.is_none_or(|t| f.time.as_ms() >= t)
                    && end.is_none_or(|t| f.time.as_ms() <= t)
            })
            .take(limit)
            .map(|(f, id)| {
                let mut row = WireTrade::from_fill(id, f);
                row.order_id = order_of(f);
                row
            })
            .collect();
    to_json(rows)
}
