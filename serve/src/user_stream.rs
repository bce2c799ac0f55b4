//! The user-data stream: after every change the exchange's events (order updates, fills,
//! funding, liquidations) become Binance's `ORDER_TRADE_UPDATE` and `ACCOUNT_UPDATE` JSON
//! and go to the websockets opened on the current listen key (`/ws/<listenKey>`).
//! A fill and the order update that follows it become one `ORDER_TRADE_UPDATE` with
//! execution type TRADE, as on Binance.
//! Must never live here: order or margin logic; conditional orders' `ALGO_UPDATE` (not sent).

use binance::amount_text;
use binance::order::status_str;
use exchange_sim::MarginMode;
use pipeline::venue::{Fill, OrderRef, OrderState, OrderStatus, VenueEvent};
use serde_json::{Value, json};

use super::market::Market;

/// `ORDER_TRADE_UPDATE` for `o`, with execution type `x` and the fill `f` if it traded.
fn order_update(m: &Market, o: &OrderState, x: &str, f: Option<&Fill>, event_ms: i64) -> Value {
    let trade_id = f.and_then(|f| m.ex.fills().iter().rposition(|g| g == f));
    let price = |p: Option<pipeline::Price>| p.map_or("0".to_string(), |p| p.to_string());
    json!({
        "e": "ORDER_TRADE_UPDATE",
        "E": event_ms,
        "T": o.update_time.as_ms(),
        "o": {
            "s": o.symbol.as_str(),
            "c": o.client_order_id,
            "S": o.side.as_str(),
            "o": o.order_type.as_str(),
            "f": o.time_in_force.map_or("GTC", |t| t.as_str()),
            "q": o.orig_qty.to_string(),
            "p": price(o.price),
            "ap": price(o.avg_price),
            "sp": price(o.stop_price),
            "x": x,
            "X": status_str(o.status),
            "i": o.order_id,
            "l": f.map_or("0".to_string(), |f| f.qty.to_string()),
            "z": o.executed_qty.to_string(),
            "L": f.map_or("0".to_string(), |f| f.price.to_string()),
            "N": "USDT",
            "n": f.map_or("0".to_string(), |f| amount_text(f.fee)),
            "T": o.update_time.as_ms(),
            "t": trade_id.map_or(0, |i| i + 1),
            "b": "0",
            "a": "0",
            "m": f.is_some_and(|f| f.is_maker),
            "R": o.reduce_only,
            "wt": "CONTRACT_PRICE",
            "ot": o.order_type.as_str(),
            "ps": "BOTH",
            "cp": o.close_position,
            "rp": f.map_or("0".to_string(), |f| amount_text(f.realized_pnl)),
            "V": "EXPIRE_MAKER",
            "pm": "NONE",
            "gtd": 0,
        }
    })
}

/// `ACCOUNT_UPDATE` with the wallet and `symbol`'s position as they are now.
fn account_update(m: &Market, symbol: &str, reason: &str, event_ms: i64) -> Value {
    let a = m.ex.account();
    let position = m.ex.symbol_id(symbol).map(|id| {
        let p = m.ex.position(id);
        let amt = p.as_ref().map_or(rust_decimal::Decimal::ZERO, |p| p.position_amt);
        let entry = p.as_ref().map_or(rust_decimal::Decimal::ZERO, |p| p.entry_price);
        json!({
            "s": symbol,
            "pa": amount_text(amt),
            "ep": amount_text(entry),
            "bep": amount_text(entry),
            "cr": "0",
            "up": amount_text(p.as_ref().map_or(rust_decimal::Decimal::ZERO, |p| p.unrealized_pnl)),
            "mt": if m.ex.margin_mode(id) == Some(MarginMode::Isolated) { "isolated" } else { "cross" },
            "iw": amount_text(p.as_ref().map_or(rust_decimal::Decimal::ZERO, |p| p.isolated_margin)),
            "ps": "BOTH",
        })
    });
    json!({
        "e": "ACCOUNT_UPDATE",
        "E": event_ms,
        "T": m.sim_now().as_ms(),
        "a": {
            "m": reason,
            "B": [{"a": "USDT", "wb": amount_text(a.wallet_balance), "cw": amount_text(a.wallet_balance), "bc": "0"}],
            "P": position.into_iter().collect::<Vec<_>>(),
        }
    })
}

fn is_trade(status: OrderStatus) -> bool {
    matches!(status, OrderStatus::Filled | OrderStatus::PartiallyFilled)
}

/// The stream messages for `events`, in order.
/// `event_ms` is the `E` of every message (the API's clock now).
pub(crate) fn messages(m: &Market, events: Vec<VenueEvent>, event_ms: i64) -> Vec<Value> {
    let mut out = Vec::new();
    let mut pending: Option<Fill> = None;
    let flush = |out: &mut Vec<Value>, f: Fill| {
        if let Ok(o) = m.ex.query(f.symbol.as_str(), &OrderRef::Id(f.order_id)) {
            out.push(order_update(m, &o, "TRADE", Some(&f), event_ms));
        }
        out.push(account_update(m, f.symbol.as_str(), "ORDER", event_ms));
    };
    for ev in events {
        match ev {
            VenueEvent::Fill(f) => {
                if let Some(prev) = pending.replace(f) {
                    flush(&mut out, prev);
                }
            }
            VenueEvent::OrderUpdate(o) => {
                if let Some(f) = pending.take_if(|f| f.order_id == o.order_id && is_trade(o.status))
                {
                    out.push(order_update(m, &o, "TRADE", Some(&f), event_ms));
                    out.push(account_update(m, f.symbol.as_str(), "ORDER", event_ms));
                    continue;
                }
                if let Some(prev) = pending.take() {
                    flush(&mut out, prev);
                }
                if !o.order_type.is_conditional() {
                    let x = if is_trade(o.status) {
                        "TRADE"
                    } else {
                        status_str(o.status)
                    };
                    out.push(order_update(m, &o, x, None, event_ms));
                }
            }
            VenueEvent::Funding { symbol, .. } => {
                out.push(account_update(m, symbol.as_str(), "FUNDING_FEE", event_ms));
            }
            VenueEvent::Liquidation { symbol, .. } => {
                out.push(account_update(m, symbol.as_str(), "ORDER", event_ms));
            }
        }
    }
    if let Some(prev) = pending {
        flush(&mut out, prev);
    }
    out
}
