//! Order parameters both ways: [`order_params`] writes an `OrderRequest` as the parameters of
//! `POST /fapi/v1/order` (LIMIT, MARKET) or `POST /fapi/v1/algoOrder` (STOP_MARKET,
//! TAKE_PROFIT_MARKET: `algoType=CONDITIONAL`, `triggerPrice`, `clientAlgoId`) and
//! [`order_query`] as their query text; [`order_request`] reads such parameters back,
//! answering what is missing or malformed with Binance's code. The client sends what
//! `order_params` writes and the server reads it with `order_request`; the pair round-trips,
//! so both sides agree on every field.
//! Must never live here: timestamps, signatures (the transport adds them), filter checks.

use pipeline::ClientOrderId;
use pipeline::domain::decimal_text::plain_text;
use pipeline::exchange_info::Reject;
use pipeline::order::{OrderRequest, OrderType, WorkingType};

use super::Params;
use super::order::{parse_order_type, parse_side, parse_time_in_force};
use super::params::query_text;

/// The request's parameters for its endpoint (without timestamp and signature) as (name,
/// value) pairs, values not yet percent-encoded, in the order they are sent: conditional types
/// get the algo names; a field that is `None` (or `false`) is left out.
pub fn order_params(req: &OrderRequest) -> Vec<(&'static str, String)> {
    let algo = req.order_type.is_conditional();
    let mut q: Vec<(&'static str, String)> = Vec::with_capacity(10);
    if algo {
        q.push(("algoType", "CONDITIONAL".to_string()));
    }
    q.push(("symbol", req.symbol.to_string()));
    q.push(("side", req.side.as_str().to_string()));
    q.push(("type", req.order_type.as_str().to_string()));
    if let Some(s) = req.stop_price {
        q.push(("triggerPrice", plain_text(s)));
    }
    if let Some(qty) = req.quantity {
        q.push(("quantity", plain_text(qty)));
    }
    if let Some(p) = req.price {
        q.push(("price", plain_text(p)));
    }
    if let Some(t) = req.time_in_force {
        q.push(("timeInForce", t.as_str().to_string()));
    }
    if req.reduce_only {
        q.push(("reduceOnly", "true".to_string()));
    }
    if req.close_position {
        q.push(("closePosition", "true".to_string()));
    }
    if algo && req.working_type != WorkingType::ContractPrice {
        q.push(("workingType", req.working_type.as_str().to_string()));
    }
    if let Some(c) = &req.client_order_id {
        let name = if algo {
            "clientAlgoId"
        } else {
            "newClientOrderId"
        };
        q.push((name, c.to_string()));
    }
    q
}

/// [`order_params`] as query text (percent-encoded, `&`-joined).
pub fn order_query(req: &OrderRequest) -> String {
    query_text(&order_params(req))
}

/// Reads the parameters of `POST /fapi/v1/order` (`algo` false) or `/algoOrder` (`algo`
/// true). `/order` refuses conditional types (-4120); `/algoOrder` takes only them.
pub fn order_request(p: &Params, algo: bool) -> Result<OrderRequest, Reject> {
    if algo && p.required("algoType")? != "CONDITIONAL" {
        return Err(Reject::mandatory_param("algoType"));
    }
    let symbol = p.required("symbol")?;
    let side = parse_side(p.required("side")?).ok_or_else(Reject::invalid_side)?;
    let type_text = p.required("type")?;
    let conditional = matches!(
        type_text,
        "STOP" | "TAKE_PROFIT" | "STOP_MARKET" | "TAKE_PROFIT_MARKET" | "TRAILING_STOP_MARKET"
    );
    if conditional && !algo {
        return Err(Reject::use_algo_endpoint());
    }
    let order_type: OrderType = match parse_order_type(type_text) {
        Some(t) if t.is_conditional() == algo => t,
        _ => return Err(Reject::invalid_order_type()),
    };
    if p.get("positionSide").is_some_and(|s| s != "BOTH") {
        return Err(Reject {
            code: -4061,
            msg: "Order's position side does not match user's setting.".to_string(),
        });
    }
    let time_in_force = match p.get("timeInForce") {
        Some(t) => Some(parse_time_in_force(t).ok_or_else(Reject::invalid_time_in_force)?),
        None => None,
    };
    let stop_price = if algo {
        Some(
            p.decimal("triggerPrice")?
                .ok_or_else(|| Reject::mandatory_param("triggerPrice"))?,
        )
    } else {
        None
    };
    let working_type = match p.get("workingType") {
        Some(w) => WorkingType::parse(w).ok_or_else(|| Reject {
            code: -1100,
            msg: "Illegal characters found in parameter 'workingType'; legal range is 'CONTRACT_PRICE, MARK_PRICE'.".to_string(),
        })?,
        None => WorkingType::ContractPrice,
    };
    let client_id = if algo {
        "clientAlgoId"
    } else {
        "newClientOrderId"
    };
    Ok(OrderRequest {
        symbol: symbol.into(),
        side,
        order_type,
        time_in_force,
        quantity: p.decimal("quantity")?,
        price: p.decimal("price")?,
        stop_price,
        reduce_only: p.flag("reduceOnly")?.unwrap_or(false),
        close_position: p.flag("closePosition")?.unwrap_or(false),
        client_order_id: p.get(client_id).map(ClientOrderId::from),
        working_type,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use pipeline::order::{Side, TimeInForce};
    use rust_decimal_macros::dec;

    fn round_trip(req: &OrderRequest) -> Result<OrderRequest, Reject> {
        let q = order_query(req);
        order_request(&Params::parse(&q, ""), req.order_type.is_conditional())
    }

    #[test]
    fn every_order_kind_round_trips() {
        let limit = OrderRequest::limit("BTCUSDT", Side::Sell, dec!(0.010), dec!(70100.5))
            .with_time_in_force(TimeInForce::Gtx)
            .with_reduce_only(true)
            .with_client_order_id("plan/7:a b");
        assert_eq!(round_trip(&limit), Ok(limit.clone()));
        let market = OrderRequest::market("ETHUSDT", Side::Buy, dec!(1.5));
        assert_eq!(
            order_query(&market),
            "symbol=ETHUSDT&side=BUY&type=MARKET&quantity=1.5"
        );
        assert_eq!(round_trip(&market), Ok(market.clone()));
        let stop = OrderRequest::conditional(
            "BTCUSDT",
            Side::Sell,
            OrderType::StopMarket,
            dec!(0.01),
            dec!(65000),
        )
        .with_client_order_id("plan-7-sl");
        let q = order_query(&stop);
        assert!(q.starts_with("algoType=CONDITIONAL&") && q.contains("clientAlgoId=plan-7-sl"));
        assert_eq!(round_trip(&stop), Ok(stop.clone()));
        let on_mark = stop.with_working_type(WorkingType::MarkPrice);
        assert!(order_query(&on_mark).contains("workingType=MARK_PRICE"));
        assert_eq!(round_trip(&on_mark), Ok(on_mark.clone()));
    }

    #[test]
    fn wrong_endpoint_or_bad_values_get_binance_codes() {
        let code = |q: &str, algo| order_request(&Params::parse(q, ""), algo).map_err(|r| r.code);
        assert_eq!(
            code("symbol=X&side=BUY&type=STOP_MARKET", false),
            Err(-4120)
        );
        assert_eq!(
            code("algoType=CONDITIONAL&symbol=X&side=BUY&type=LIMIT", true),
            Err(-1116)
        );
        assert_eq!(code("symbol=X&side=HOLD&type=MARKET", false), Err(-1117));
        assert_eq!(
            code("symbol=X&side=BUY&type=LIMIT&timeInForce=DAY", false),
            Err(-1115)
        );
        assert_eq!(
            code("symbol=X&side=BUY&type=MARKET&positionSide=LONG", false),
            Err(-4061)
        );
        assert_eq!(code("side=BUY&type=MARKET", false), Err(-1102));
        assert_eq!(
            code(
                "algoType=CONDITIONAL&symbol=X&side=BUY&type=STOP_MARKET&triggerPrice=1&workingType=INDEX",
                true
            ),
            Err(-1100)
        );
        assert_eq!(
            code(
                "algoType=CONDITIONAL&symbol=X&side=BUY&type=STOP_MARKET",
                true
            ),
            Err(-1102)
        );
    }
}
