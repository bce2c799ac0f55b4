//! Market-data endpoints (unsigned): ping, time, exchangeInfo, klines (closed bars only),
//! premiumIndex, ticker/price v1 and v2, depth (one synthetic level at the last close).
//! Must never live here: signed endpoints, fill rules.

use std::sync::Arc;

use axum::Router;
use axum::routing::get;
use binance::{Depth, KlineRow, Params, PremiumIndex, ServerTime, TickerPrice};
use pipeline::Kline;
use pipeline::exchange_info::Reject;
use rust_decimal::Decimal;
use serde_json::{Value, json};

use super::App;
use super::http::{Answer, Endpoint, ep};
use super::market::Market;

pub(crate) fn routes(r: Router<Arc<App>>) -> Router<Arc<App>> {
    r.route(
        "/fapi/v1/ping",
        get(ep(Endpoint::public(|_| 1, |_, _| Ok(json!({}))))),
    )
    .route("/fapi/v1/time", get(ep(Endpoint::public(|_| 1, time))))
    .route(
        "/fapi/v1/exchangeInfo",
        get(ep(Endpoint::public(|_| 1, exchange_info))),
    )
    .route(
        "/fapi/v1/klines",
        get(ep(Endpoint::public(klines_weight, klines))),
    )
    .route(
        "/fapi/v1/premiumIndex",
        get(ep(Endpoint::public(by_symbol(1, 10), premium_index))),
    )
    .route(
        "/fapi/v1/ticker/price",
        get(ep(Endpoint::public(by_symbol(1, 2), ticker))),
    )
    .route(
        "/fapi/v2/ticker/price",
        get(ep(Endpoint::public(by_symbol(1, 2), ticker))),
    )
    .route(
        "/fapi/v1/depth",
        get(ep(Endpoint::public(depth_weight, depth))),
    )
}

/// A weight that depends on whether `symbol` was given.
pub(crate) fn by_symbol(with: u32, without: u32) -> fn(&Params) -> u32 {
    // fn pointers cannot capture, so the few combinations used are spelled out.
    match (with, without) {
        (1, 10) => |p| if p.contains("symbol") { 1 } else { 10 },
        (1, 2) => |p| if p.contains("symbol") { 1 } else { 2 },
        (1, 40) => |p| if p.contains("symbol") { 1 } else { 40 },
        _ => |_| 1,
    }
}

pub(crate) fn server_time(app: &App) -> i64 {
    app.now_ms() + app.faults().clock_skew_ms
}

fn time(app: &App, _: &Params) -> Answer {
    Ok(serde_json::to_value(ServerTime {
        server_time: server_time(app),
    })
    .unwrap_or(Value::Null))
}

fn exchange_info(app: &App, _: &Params) -> Answer {
    let m = app.market();
    let info =
        m.ex.schedule().info_at(m.sim_now()).ok_or_else(|| {
            Reject::unknown_error("no exchange info is valid at the market's clock")
        })?;
    let mut raw = info.raw().clone();
    raw.server_time = server_time(app);
    raw.rate_limits = vec![
        json!({"rateLimitType":"REQUEST_WEIGHT","interval":"MINUTE","intervalNum":1,"limit":app.limits().weight_limit}),
        json!({"rateLimitType":"ORDERS","interval":"MINUTE","intervalNum":1,"limit":1200}),
        json!({"rateLimitType":"ORDERS","interval":"SECOND","intervalNum":10,"limit":300}),
    ];
    Ok(serde_json::to_value(raw).unwrap_or(Value::Null))
}

pub(crate) fn limit_param(p: &Params, default: u32, max: u32) -> Result<u32, Reject> {
    let limit = p.parsed::<u32>("limit")?.unwrap_or(default);
    if limit == 0 || limit > max {
        return Err(Reject {
            code: -1130,
            msg: "Data sent for parameter 'limit' is not valid.".to_string(),
        });
    }
    Ok(limit)
}

fn klines_weight(p: &Params) -> u32 {
    match p.parsed::<u32>("limit").ok().flatten().unwrap_or(500) {
        0..100 => 1,
        100..500 => 2,
        500..=1000 => 5,
        _ => 10,
    }
}

/// The listed symbol named by `symbol` (-1121 when the exchange does not list it).
fn listed<'a>(m: &Market, p: &'a Params) -> Result<&'a str, Reject> {
    let symbol = p.required("symbol")?;
    m.ex.symbol_id(symbol).ok_or_else(Reject::invalid_symbol)?;
    Ok(symbol)
}

fn klines(app: &App, p: &Params) -> Answer {
    let m = app.market();
    let symbol = listed(&m, p)?;
    let interval = p.required("interval")?;
    m.check_interval(interval)?;
    let limit = limit_param(p, 500, 1500)? as usize;
    let start: Option<i64> = p.parsed("startTime")?;
    let end: Option<i64> = p.parsed("endTime")?;
    let history = m.series(symbol).map_or(&[][..], |s| s.history());
    let from = start.map_or(0, |t| history.partition_point(|b| b.open_time.as_ms() < t));
    let to = end.map_or(history.len(), |t| {
        history.partition_point(|b| b.open_time.as_ms() <= t)
    });
    let (from, to) = (from.min(to), to);
    let picked = if start.is_some() {
        &history[from..to.min(from + limit)]
    } else {
        &history[to.saturating_sub(limit).max(from)..to]
    };
    let ms = m.interval.as_ms();
    let rows: Vec<KlineRow> = picked
        .iter()
        .filter_map(|b| Kline::from_bar(b, ms))
        .map(|k| KlineRow::from(&k))
        .collect();
    Ok(serde_json::to_value(rows).unwrap_or(Value::Null))
}

/// Symbols to answer for: the one named, or every symbol with a price.
fn priced(m: &Market, p: &Params) -> Result<Vec<(String, Decimal)>, Reject> {
    let names: Vec<String> = match p.get("symbol") {
        Some(_) => vec![listed(m, p)?.to_string()],
        None => m.series.keys().cloned().collect(),
    };
    Ok(names
        .into_iter()
        .filter_map(|s| {
            let id = m.ex.symbol_id(&s)?;
            let mark = m.ex.mark(id)?;
            Some((s, mark.get()))
        })
        .collect())
}

fn one_or_all<T: serde::Serialize>(p: &Params, mut rows: Vec<T>) -> Answer {
    let v = if p.contains("symbol") {
        rows.pop().map(|r| serde_json::to_value(r)).transpose()
    } else {
        serde_json::to_value(rows).map(Some)
    };
    v.ok()
        .flatten()
        .ok_or_else(|| Reject::unknown_error("the symbol has no price yet; advance the clock"))
}

fn premium_index(app: &App, p: &Params) -> Answer {
    let m = app.market();
    let now = m.sim_now().as_ms();
    let cfg = m.ex.config().funding;
    let every = i64::from(cfg.interval_hours.max(1)) * 3_600_000;
    let next_funding = (now.div_euclid(every) + 1) * every;
    let rows: Vec<PremiumIndex> = priced(&m, p)?
        .into_iter()
        .map(|(symbol, mark)| PremiumIndex {
            symbol,
            mark_price: mark.to_string(),
            index_price: mark.to_string(),
            estimated_settle_price: mark.to_string(),
            last_funding_rate: cfg.constant_rate.to_string(),
            interest_rate: "0.00010000".to_string(),
            next_funding_time: next_funding,
            time: now,
        })
        .collect();
    one_or_all(p, rows)
}

fn ticker(app: &App, p: &Params) -> Answer {
    let m = app.market();
    let now = m.sim_now().as_ms();
    let rows: Vec<TickerPrice> = priced(&m, p)?
        .into_iter()
        .map(|(symbol, price)| TickerPrice {
            symbol,
            price: price.to_string(),
            time: now,
        })
        .collect();
    one_or_all(p, rows)
}

fn depth_weight(p: &Params) -> u32 {
    match p.parsed::<u32>("limit").ok().flatten().unwrap_or(500) {
        0..=50 => 2,
        51..=100 => 5,
        101..=500 => 10,
        _ => 20,
    }
}

/// One level each side at the last close, sized at the last bar's volume (the simulator has
/// no book: best bid = best ask = the last close).
fn depth(app: &App, p: &Params) -> Answer {
    let m = app.market();
    let symbol = listed(&m, p)?;
    let (_, close) = priced(&m, p)?
        .pop()
        .ok_or_else(|| Reject::unknown_error("the symbol has no price yet; advance the clock"))?;
    let id = m.ex.symbol_id(symbol).ok_or_else(Reject::invalid_symbol)?;
    let volume = m.ex.last_bar(id).map_or(0.0, |b| b.volume).max(1.0);
    let level = vec![(close.to_string(), volume.to_string())];
    let (step, _) = m.progress();
    let now = m.sim_now().as_ms();
    let d = Depth {
        last_update_id: i64::try_from(step).unwrap_or(i64::MAX),
        event_time: now,
        transaction_time: now,
        bids: level.clone(),
        asks: level,
    };
    Ok(serde_json::to_value(d).unwrap_or(Value::Null))
}
