//! Binance's order object (`/fapi/v1/order`, `/openOrders`) and algo order object
//! (`/fapi/v1/algoOrder`, `/openAlgoOrders`), field for field with decimals as strings, and
//! their conversion to and from the pipeline's `OrderState`.
//! Must never live here: HTTP, order logic.

use pipeline::domain::decimal_text::plain_text;
use pipeline::order::{OrderType, Side, TimeInForce, WorkingType};
use pipeline::venue::{OrderState, OrderStatus};
use pipeline::{Price, Qty, TimestampMs};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::{WireError, opt_price, qty, symbol};

/// Binance's name of an order status (`NEW`, `PARTIALLY_FILLED`, `FILLED`, ...).
pub fn status_str(s: OrderStatus) -> &'static str {
    match s {
        OrderStatus::New => "NEW",
        OrderStatus::PartiallyFilled => "PARTIALLY_FILLED",
        OrderStatus::Filled => "FILLED",
        OrderStatus::Canceled => "CANCELED",
        OrderStatus::Rejected => "REJECTED",
        OrderStatus::Expired => "EXPIRED",
    }
}

fn status(text: &str) -> Result<OrderStatus, WireError> {
    Ok(match text {
        "NEW" => OrderStatus::New,
        "PARTIALLY_FILLED" => OrderStatus::PartiallyFilled,
        "FILLED" => OrderStatus::Filled,
        "CANCELED" => OrderStatus::Canceled,
        "REJECTED" => OrderStatus::Rejected,
        "EXPIRED" | "EXPIRED_IN_MATCH" => OrderStatus::Expired,
        _ => return Err(WireError::new("status", text)),
    })
}

/// Binance's `side` parameter or field.
pub fn parse_side(text: &str) -> Option<Side> {
    match text {
        "BUY" => Some(Side::Buy),
        "SELL" => Some(Side::Sell),
        _ => None,
    }
}

/// Binance's `type` for the order types `sim` models.
pub fn parse_order_type(text: &str) -> Option<OrderType> {
    match text {
        "MARKET" => Some(OrderType::Market),
        "LIMIT" => Some(OrderType::Limit),
        "STOP_MARKET" => Some(OrderType::StopMarket),
        "TAKE_PROFIT_MARKET" => Some(OrderType::TakeProfitMarket),
        _ => None,
    }
}

pub fn parse_time_in_force(text: &str) -> Option<TimeInForce> {
    match text {
        "GTC" => Some(TimeInForce::Gtc),
        "IOC" => Some(TimeInForce::Ioc),
        "FOK" => Some(TimeInForce::Fok),
        "GTX" => Some(TimeInForce::Gtx),
        _ => None,
    }
}

fn price_text(p: Option<Price>) -> String {
    p.map_or_else(|| "0".to_string(), |p| p.to_string())
}

/// The order object.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WireOrder {
    pub order_id: i64,
    pub symbol: String,
    pub status: String,
    pub client_order_id: String,
    #[serde(default)]
    pub price: String,
    #[serde(default)]
    pub avg_price: String,
    pub orig_qty: String,
    pub executed_qty: String,
    /// Present on POST and DELETE answers, absent from GET and openOrders.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cum_qty: Option<String>,
    #[serde(default)]
    pub cum_quote: String,
    #[serde(default)]
    pub time_in_force: String,
    #[serde(rename = "type")]
    pub order_type: String,
    #[serde(default)]
    pub orig_type: String,
    #[serde(default)]
    pub reduce_only: bool,
    #[serde(default)]
    pub close_position: bool,
    pub side: String,
    #[serde(default)]
    pub position_side: String,
    #[serde(default)]
    pub stop_price: String,
    #[serde(default)]
    pub working_type: String,
    #[serde(default)]
    pub price_protect: bool,
    #[serde(default)]
    pub price_match: String,
    #[serde(default)]
    pub self_trade_prevention_mode: String,
    #[serde(default)]
    pub good_till_date: i64,
    /// Creation time; on GET and openOrders answers only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time: Option<i64>,
    #[serde(default)]
    pub update_time: i64,
}

impl WireOrder {
    /// The object for `o`. `with_cum_qty`: POST/DELETE shape; otherwise GET shape with `time`.
    pub fn from_state(o: &OrderState, with_cum_qty: bool) -> WireOrder {
        let executed = o.executed_qty.get();
        let avg = o.avg_price.map_or(Decimal::ZERO, Price::get);
        WireOrder {
            order_id: o.order_id,
            symbol: o.symbol.to_string(),
            status: status_str(o.status).to_string(),
            client_order_id: o.client_order_id.to_string(),
            price: price_text(o.price),
            avg_price: avg.to_string(),
            orig_qty: o.orig_qty.to_string(),
            executed_qty: executed.to_string(),
            cum_qty: with_cum_qty.then(|| executed.to_string()),
            cum_quote: plain_text(executed * avg),
            time_in_force: o
                .time_in_force
                .unwrap_or(TimeInForce::Gtc)
                .as_str()
                .to_string(),
            order_type: o.order_type.as_str().to_string(),
            orig_type: o.order_type.as_str().to_string(),
            reduce_only: o.reduce_only,
            close_position: o.close_position,
            side: o.side.as_str().to_string(),
            position_side: "BOTH".to_string(),
            stop_price: price_text(o.stop_price),
            working_type: o.working_type.as_str().to_string(),
            price_protect: false,
            price_match: "NONE".to_string(),
            self_trade_prevention_mode: "EXPIRE_MAKER".to_string(),
            good_till_date: 0,
            time: (!with_cum_qty).then_some(o.update_time.as_ms()),
            update_time: o.update_time.as_ms(),
        }
    }

    /// The pipeline's view of this object (an error names the field that does not convert).
    pub fn to_state(&self) -> Result<OrderState, WireError> {
        let executed_qty = qty("executedQty", &self.executed_qty)?;
        let avg_price = if executed_qty.is_zero() {
            None
        } else {
            opt_price("avgPrice", &self.avg_price)?
        };
        Ok(OrderState {
            order_id: self.order_id,
            client_order_id: self.client_order_id.as_str().into(),
            symbol: symbol(&self.symbol)?,
            side: parse_side(&self.side).ok_or_else(|| WireError::new("side", &self.side))?,
            order_type: parse_order_type(&self.order_type)
                .ok_or_else(|| WireError::new("type", &self.order_type))?,
            time_in_force: parse_time_in_force(&self.time_in_force),
            status: status(&self.status)?,
            orig_qty: qty("origQty", &self.orig_qty)?,
            executed_qty,
            avg_price,
            price: opt_price("price", &self.price)?,
            stop_price: opt_price("stopPrice", &self.stop_price)?,
            reduce_only: self.reduce_only,
            close_position: self.close_position,
            update_time: TimestampMs(self.update_time),
            working_type: WorkingType::parse(&self.working_type).unwrap_or_default(),
        })
    }
}

fn algo_status_str(s: OrderStatus) -> &'static str {
    match s {
        OrderStatus::New | OrderStatus::PartiallyFilled => "NEW",
        OrderStatus::Filled => "FINISHED",
        OrderStatus::Canceled => "CANCELED",
        OrderStatus::Rejected => "REJECTED",
        OrderStatus::Expired => "EXPIRED",
    }
}

fn algo_status(text: &str) -> Result<OrderStatus, WireError> {
    Ok(match text {
        "NEW" => OrderStatus::New,
        "TRIGGERING" | "TRIGGERED" | "FINISHED" => OrderStatus::Filled,
        "CANCELED" => OrderStatus::Canceled,
        "REJECTED" => OrderStatus::Rejected,
        "EXPIRED" => OrderStatus::Expired,
        _ => return Err(WireError::new("algoStatus", text)),
    })
}

/// The algo (conditional) order object.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WireAlgoOrder {
    pub algo_id: i64,
    pub client_algo_id: String,
    #[serde(default)]
    pub algo_type: String,
    pub order_type: String,
    pub symbol: String,
    pub side: String,
    #[serde(default)]
    pub position_side: String,
    #[serde(default)]
    pub time_in_force: String,
    pub quantity: String,
    pub algo_status: String,
    pub trigger_price: String,
    #[serde(default)]
    pub price: String,
    #[serde(default)]
    pub working_type: String,
    #[serde(default)]
    pub price_match: String,
    #[serde(default)]
    pub self_trade_prevention_mode: String,
    #[serde(default)]
    pub close_position: bool,
    #[serde(default)]
    pub price_protect: bool,
    #[serde(default)]
    pub reduce_only: bool,
    #[serde(default)]
    pub create_time: i64,
    #[serde(default)]
    pub update_time: i64,
    #[serde(default)]
    pub trigger_time: i64,
    #[serde(default)]
    pub good_till_date: i64,
    /// The normal order a triggered algo order became (`None` before the trigger).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actual_order_id: Option<String>,
}

impl WireAlgoOrder {
    /// The object for the conditional order `o`; `actual_order_id` once it triggered.
    pub fn from_state(o: &OrderState, actual_order_id: Option<i64>) -> WireAlgoOrder {
        let t = o.update_time.as_ms();
        WireAlgoOrder {
            algo_id: o.order_id,
            client_algo_id: o.client_order_id.to_string(),
            algo_type: "CONDITIONAL".to_string(),
            order_type: o.order_type.as_str().to_string(),
            symbol: o.symbol.to_string(),
            side: o.side.as_str().to_string(),
            position_side: "BOTH".to_string(),
            time_in_force: o
                .time_in_force
                .unwrap_or(TimeInForce::Gtc)
                .as_str()
                .to_string(),
            quantity: o.orig_qty.to_string(),
            algo_status: algo_status_str(o.status).to_string(),
            trigger_price: price_text(o.stop_price),
            price: price_text(o.price),
            working_type: o.working_type.as_str().to_string(),
            price_match: "NONE".to_string(),
            self_trade_prevention_mode: "EXPIRE_MAKER".to_string(),
            close_position: o.close_position,
            price_protect: false,
            reduce_only: o.reduce_only,
            create_time: t,
            update_time: t,
            trigger_time: if actual_order_id.is_some() { t } else { 0 },
            good_till_date: 0,
            actual_order_id: actual_order_id.map(|id| id.to_string()),
        }
    }

    /// The pipeline's view: `executed_qty` is the whole quantity once the order finished.
    pub fn to_state(&self) -> Result<OrderState, WireError> {
        let st = algo_status(&self.algo_status)?;
        let orig_qty = qty("quantity", &self.quantity)?;
        Ok(OrderState {
            order_id: self.algo_id,
            client_order_id: self.client_algo_id.as_str().into(),
            symbol: symbol(&self.symbol)?,
            side: parse_side(&self.side).ok_or_else(|| WireError::new("side", &self.side))?,
            order_type: parse_order_type(&self.order_type)
                .ok_or_else(|| WireError::new("orderType", &self.order_type))?,
            time_in_force: parse_time_in_force(&self.time_in_force),
            status: st,
            orig_qty,
            executed_qty: if st == OrderStatus::Filled {
                orig_qty
            } else {
                Qty::ZERO
            },
            avg_price: None,
            price: opt_price("price", &self.price)?,
            stop_price: opt_price("triggerPrice", &self.trigger_price)?,
            reduce_only: self.reduce_only,
            close_position: self.close_position,
            update_time: TimestampMs(self.update_time),
            working_type: WorkingType::parse(&self.working_type).unwrap_or_default(),
        })
    }
}

/// `DELETE /fapi/v1/algoOrder`'s answer (its `code` is the string "200").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AlgoCancelAnswer {
    pub algo_id: i64,
    pub client_algo_id: String,
    pub code: String,
    pub msg: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use pipeline::Symbol;
    use rust_decimal_macros::dec;

    fn state(status: OrderStatus) -> OrderState {
        OrderState {
            order_id: 7,
            client_order_id: "plan-1".into(),
            symbol: Symbol::new("BTCUSDT").expect("valid"),
            side: Side::Buy,
            order_type: OrderType::Limit,
            time_in_force: Some(TimeInForce::Gtc),
            status,
            orig_qty: Qty::new(dec!(0.010)).expect("qty"),
            executed_qty: Qty::new(dec!(0.004)).expect("qty"),
            avg_price: Some(Price::new(dec!(70000.5)).expect("price")),
            price: Some(Price::new(dec!(70001)).expect("price")),
            stop_price: None,
            reduce_only: false,
            close_position: false,
            update_time: TimestampMs(1_767_225_600_000),
            working_type: WorkingType::ContractPrice,
        }
    }

    #[test]
    fn order_object_round_trips_through_json() {
        let s = state(OrderStatus::PartiallyFilled);
        let wire = WireOrder::from_state(&s, true);
        let json = serde_json::to_value(&wire).expect("json");
        assert_eq!(json["status"], "PARTIALLY_FILLED");
        assert_eq!(json["cumQty"], "0.004");
        assert_eq!(json["cumQuote"], "280.002");
        assert_eq!(json["stopPrice"], "0");
        assert!(json.get("time").is_none());
        let back: WireOrder = serde_json::from_value(json).expect("parse");
        assert_eq!(back.to_state(), Ok(s));
    }

    #[test]
    fn algo_order_object_round_trips_and_reports_triggers() {
        let mut s = state(OrderStatus::New);
        s.order_type = OrderType::StopMarket;
        s.price = None;
        s.executed_qty = Qty::ZERO;
        s.avg_price = None;
        s.stop_price = Some(Price::new(dec!(69000)).expect("price"));
        let wire = WireAlgoOrder::from_state(&s, None);
        assert_eq!(wire.trigger_price, "69000");
        let text = serde_json::to_string(&wire).expect("json");
        let back: WireAlgoOrder = serde_json::from_str(&text).expect("parse");
        assert_eq!(back.to_state(), Ok(s.clone()));
        s.status = OrderStatus::Filled;
        let done = WireAlgoOrder::from_state(&s, Some(12));
        assert_eq!(done.algo_status, "FINISHED");
        assert_eq!(done.actual_order_id.as_deref(), Some("12"));
        assert_eq!(done.to_state().expect("state").executed_qty, s.orig_qty);
    }
}
