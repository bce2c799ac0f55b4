//! Bulk order endpoints (signed): `POST /fapi/v1/batchOrders` (`batchOrders`: a JSON list of
//! at most 5 orders, each with `/order`'s parameters) and `DELETE /fapi/v1/batchOrders`
//! (`symbol` + `orderIdList` or `origClientOrderIdList`, JSON lists of at most 10) answer one
//! entry per order, in order: the order object, or Binance's `{code,msg}` in its place (one
//! bad order does not stop the others). Also the Algo service's bulk reads and cancels:
//! `DELETE /fapi/v1/algoOpenOrders` (`symbol`) and `GET /fapi/v1/allAlgoOrders` (`symbol`,
//! every conditional order it has had). Not served: `PUT /fapi/v1/batchOrders` and
//! `PUT /fapi/v1/order` (the simulator has no in-place modify; cancel and place anew).
//! Must never live here: order rules (each entry goes through `/order`'s own path).

use binance::{ErrorBody, Params, WireAlgoOrder, WireOrder, query_text};
use pipeline::exchange_info::Reject;
use pipeline::venue::OrderRef;
use serde_json::{Value, json};

use super::App;
use super::catalog::Routes;
use super::http::{Answer, Endpoint};
use super::routes_trade::new_order;

pub(crate) fn routes(r: Routes) -> Routes {
    r.post(
        "/fapi/v1/batchOrders",
        Endpoint {
            weight: |_| 5,
            ..Endpoint::order(place_batch)
        },
    )
    .delete(
        "/fapi/v1/batchOrders",
        Endpoint::signed(|_| 1, cancel_batch),
    )
    .delete(
        "/fapi/v1/algoOpenOrders",
        Endpoint::signed(|_| 1, cancel_algo_open),
    )
    .get(
        "/fapi/v1/allAlgoOrders",
        Endpoint::signed(|_| 5, all_algo_orders),
    )
}

/// -1130 for a list parameter that does not hold what Binance takes.
fn bad_list(name: &str, why: &str) -> Reject {
    Reject {
        code: -1130,
        msg: format!("Data sent for parameter '{name}' is not valid. ({why})"),
    }
}

/// The JSON list in parameter `name`, 1 to `max` entries.
fn json_list(p: &Params, name: &str, max: usize) -> Result<Vec<Value>, Reject> {
    let text = p.required(name)?;
    let list: Vec<Value> = serde_json::from_str(text).map_err(|_| {
        bad_list(
            name,
            "it must be a JSON list, e.g. [{\"symbol\":\"BTCUSDT\",...}]",
        )
    })?;
    if list.is_empty() || list.len() > max {
        return Err(bad_list(name, &format!("it takes 1 to {max} entries")));
    }
    Ok(list)
}

/// One order of `batchOrders` as the parameters of `POST /fapi/v1/order`.
fn order_params(order: &Value) -> Result<Params, Reject> {
    let fields = order
        .as_object()
        .ok_or_else(|| bad_list("batchOrders", "each entry must be a JSON object"))?;
    let pairs: Vec<(&str, String)> = fields
        .iter()
        .map(|(k, v)| {
            let text = match v {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            (k.as_str(), text)
        })
        .collect();
    Ok(Params::parse(&query_text(&pairs), ""))
}

/// An entry of the answer: the result, or the error in its place.
fn entry(result: Answer) -> Value {
    result.unwrap_or_else(|r| json!(ErrorBody::from(&r)))
}

fn place_batch(app: &App, p: &Params) -> Answer {
    let orders = json_list(p, "batchOrders", 5)?;
    let answers: Vec<Value> = orders
        .iter()
        .map(|o| {
            let params = order_params(o)?;
            params.refuse_duplicates()?;
            let answer = new_order(app, &params);
            // Each order's events reach the user stream before the next order is placed.
            app.publish(&mut app.market());
            answer
        })
        .map(entry)
        .collect();
    Ok(Value::Array(answers))
}

fn cancel_batch(app: &App, p: &Params) -> Answer {
    let symbol = p.required("symbol")?;
    let refs: Vec<Result<OrderRef, Reject>> = if p.contains("orderIdList") {
        json_list(p, "orderIdList", 10)?
            .iter()
            .map(|v| {
                v.as_i64()
                    .map(OrderRef::Id)
                    .ok_or_else(|| bad_list("orderIdList", "order ids are whole numbers"))
            })
            .collect()
    } else if p.contains("origClientOrderIdList") {
        json_list(p, "origClientOrderIdList", 10)?
            .iter()
            .map(|v| {
                v.as_str()
                    .map(|c| OrderRef::ClientId(c.into()))
                    .ok_or_else(|| bad_list("origClientOrderIdList", "client ids are strings"))
            })
            .collect()
    } else {
        return Err(Reject {
            code: -1102,
            msg: "Param 'orderIdList' or 'origClientOrderIdList' must be sent, but both were empty/null!".to_string(),
        });
    };
    let mut m = app.market();
    let answers: Vec<Value> = refs
        .into_iter()
        .map(|r| {
            let state = m.ex.cancel(symbol, &r?)?;
            serde_json::to_value(WireOrder::from_state(&state, true))
                .map_err(|e| Reject::unknown_error(&e.to_string()))
        })
        .map(entry)
        .collect();
    Ok(Value::Array(answers))
}

/// Every open conditional order of `symbol`, canceled.
fn cancel_algo_open(app: &App, p: &Params) -> Answer {
    let symbol = p.required("symbol")?;
    let mut m = app.market();
    let id = m.ex.symbol_id(symbol).ok_or_else(Reject::invalid_symbol)?;
    let open: Vec<i64> =
        m.ex.open_orders(Some(id))
            .into_iter()
            .filter(|o| o.order_type.is_conditional())
            .map(|o| o.order_id)
            .collect();
    for algo_id in open {
        m.ex.cancel(symbol, &OrderRef::Id(algo_id))?;
    }
    Ok(json!({"code": 200, "msg": "The operation of cancel all open order is done."}))
}

/// Every conditional order `symbol` has had, ascending by id (at most `limit`, default 500).
fn all_algo_orders(app: &App, p: &Params) -> Answer {
    let m = app.market();
    let symbol = p.required("symbol")?;
    m.ex.symbol_id(symbol).ok_or_else(Reject::invalid_symbol)?;
    let limit = super::routes_market::limit_param(p, 500, 1000)? as usize;
    let rows: Vec<Value> = m
        .algo_ids(symbol)
        .filter_map(|id| m.ex.query(symbol, &OrderRef::Id(id)).ok())
        .take(limit)
        .filter_map(|o| {
            serde_json::to_value(WireAlgoOrder::from_state(
                &o,
                m.ex.actual_order_id(o.order_id),
            ))
            .ok()
        })
        .collect();
    Ok(Value::Array(rows))
}
