//! Market-data endpoints (unsigned): ping, time, exchangeInfo, klines (closed bars only),
//! premiumIndex, ticker/price v1 and v2, depth (a synthetic book a tick either side of the
//! last close, at Binance's depth limits only).
//! Must never live here: signed endpoints, fill rules.

use binance::{Depth, KlineRow, Params, PremiumIndex, ServerTime, TickerPrice};
use pipeline::Kline;
use pipeline::exchange_info::Reject;
use rust_decimal::Decimal;
use serde_json::{Value, json};

use super::App;
use super::catalog::Routes;
use super::http::{Answer, Endpoint};
use super::market::Market;

pub(crate) fn routes(r: Routes) -> Routes {
    r.get(
        "/fapi/v1/ping",
        Endpoint::public(|_| 1, |_, _| Ok(json!({}))),
    )
    .get("/fapi/v1/time", Endpoint::public(|_| 1, time))
    .get(
        "/fapi/v1/exchangeInfo",
        Endpoint::public(|_| 1, exchange_info),
    )
    .get("/fapi/v1/klines", Endpoint::public(klines_weight, klines))
    .get(
        "/fapi/v1/premiumIndex",
        Endpoint::public(by_symbol(1, 10), premium_index),
    )
    .get(
        "/fapi/v1/ticker/price",
        Endpoint::public(by_symbol(1, 2), ticker),
    )
    .get(
        "/fapi/v2/ticker/price",
        Endpoint::public(by_symbol(1, 2), ticker),
    )
    .get("/fapi/v1/depth", Endpoint::public(depth_weight, depth))
    .get(
        "/fapi/v1/ticker/24hr",
        Endpoint::public(by_symbol(1, 40), super::tickers::day_ticker),
    )
    .get(
        "/fapi/v1/ticker/bookTicker",
        Endpoint::public(by_symbol(2, 5), super::tickers::book_ticker),
    )
}

/// A weight that depends on whether `symbol` was given.
pub(crate) fn by_symbol(with: u32, without: u32) -> fn(&Params) -> u32 {
    // fn pointers cannot capture, so the few combinations used are spelled out.
    match (with, without) {
        (1, 10) => |p| if p.contains("symbol") { 1 } else { 10 },
        (1, 2) => |p| if p.contains("symbol") { 1 } else { 2 },
        (1, 40) => |p| if p.contains("symbol") { 1 } else { 40 },
        (2, 5) => |p| if p.contains("symbol") { 2 } else { 5 },
        _ => |_| 1,
    }
}

fn time(app: &App, _: &Params) -> Answer {
    Ok(serde_json::to_value(ServerTime {
        server_time: app.tell_time(),
    })
    .unwrap_or(Value::Null))
}

fn exchange_info(app: &App, _: &Params) -> Answer {
    let server_time = app.tell_time();
    let m = app.market();
    let info =
        m.ex.schedule().info_at(m.sim_now()).ok_or_else(|| {
            Reject::unknown_error("no exchange info is valid at the market's clock")
        })?;
    let mut raw = info.raw().clone();
    raw.server_time = server_time;
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

/// `startTime` and `endTime`, -1023 when the start is after the end (as Binance answers).
pub(crate) fn time_range(p: &Params) -> Result<(Option<i64>, Option<i64>), Reject> {
    let start: Option<i64> = p.parsed("startTime")?;
    let end: Option<i64> = p.parsed("endTime")?;
    if let (Some(s), Some(e)) = (start, end)
        && s > e
    {
        return Err(Reject {
            code: -1023,
            msg: "Start time is greater than end time.".to_string(),
        });
    }
    Ok((start, end))
}

pub(crate) fn klines_weight(p: &Params) -> u32 {
    match p.parsed::<u32>("limit").ok().flatten().unwrap_or(500) {
        0..100 => 1,
        100..500 => 2,
        500..=1000 => 5,
        _ => 10,
    }
}

/// The listed symbol named by `symbol` (-1121 when the exchange does not list it).
pub(crate) fn listed<'a>(m: &Market, p: &'a Params) -> Result<&'a str, Reject> {
    let symbol = p.required("symbol")?;
    m.ex.symbol_id(symbol).ok_or_else(Reject::invalid_symbol)?;
    Ok(symbol)
}

fn klines(app: &App, p: &Params) -> Answer {
    let m = app.market();
    let symbol = listed(&m, p)?;
    let ms = m.interval.as_ms();
    let rows: Vec<KlineRow> = closed_bars(&m, symbol, p)?
        .iter()
        .filter_map(|b| Kline::from_bar(b, ms))
        .map(|k| KlineRow::from(&k))
        .collect();
    Ok(serde_json::to_value(rows).unwrap_or(Value::Null))
}

/// The closed bars of `symbol` a kline request selects: `interval` (the replayed one only),
/// `startTime`/`endTime` (-1023 when reversed), `limit` (default 500, at most 1500); from the
/// start when it is given, else the most recent.
pub(crate) fn closed_bars<'m>(
    m: &'m Market,
    symbol: &str,
    p: &Params,
) -> Result<&'m [pipeline::Bar], Reject> {
    let interval = p.required("interval")?;
    m.check_interval(interval)?;
    let limit = limit_param(p, 500, 1500)? as usize;
    let (start, end) = time_range(p)?;
    let history = m.series(symbol).map_or(&[][..], |s| s.history());
    let from = start.map_or(0, |t| history.partition_point(|b| b.open_time.as_ms() < t));
    let to = end.map_or(history.len(), |t| {
        history.partition_point(|b| b.open_time.as_ms() <= t)
    });
    let (from, to) = (from.min(to), to);
    Ok(if start.is_some() {
        &history[from..to.min(from + limit)]
    } else {
        &history[to.saturating_sub(limit).max(from)..to]
    })
}

/// Symbols to answer for: the one named, or every symbol with a price.
pub(crate) fn priced(m: &Market, p: &Params) -> Result<Vec<(String, Decimal)>, Reject> {
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

pub(crate) fn one_or_all<T: serde::Serialize>(p: &Params, mut rows: Vec<T>) -> Answer {
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
    let rows: Vec<PremiumIndex> = priced(&m, p)?
        .into_iter()
        .map(|(symbol, mark)| {
            let (rate, next_funding) = super::routes_series::funding_view(&m, &symbol, now);
            PremiumIndex {
                last_funding_rate: format!("{rate:.8}"),
                mark_price: mark.to_string(),
                index_price: mark.to_string(),
                estimated_settle_price: mark.to_string(),
                interest_rate: "0.00010000".to_string(),
                next_funding_time: next_funding,
                time: now,
                symbol,
            }
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

/// The depth limits Binance takes (any other is -4021).
const DEPTH_LIMITS: [u32; 7] = [5, 10, 20, 50, 100, 500, 1000];

/// `limit` (default 500) from [`DEPTH_LIMITS`].
fn depth_limit(p: &Params) -> Result<u32, Reject> {
    let limit = p.parsed::<u32>("limit")?.unwrap_or(500);
    if DEPTH_LIMITS.contains(&limit) {
        return Ok(limit);
    }
    Err(Reject {
        code: -4021,
        msg: format!(
            "'{limit}' is not valid depth limit. (valid limits: 5, 10, 20, 50, 100, 500, 1000)"
        ),
    })
}

fn depth_weight(p: &Params) -> u32 {
    match p.parsed::<u32>("limit").ok().flatten().unwrap_or(500) {
        0..=50 => 2,
        51..=100 => 5,
        101..=500 => 10,
        _ => 20,
    }
}

/// A synthetic book around the last close (the simulator has no book): `limit` levels a side,
/// one tick apart, the best bid the close rounded down to the tick and the best ask one tick
/// above it (or the close rounded up, when the close is off the tick), so bid < ask always;
/// every level shows the last bar's volume.
fn depth(app: &App, p: &Params) -> Answer {
    let m = app.market();
    let symbol = listed(&m, p)?;
    let limit = depth_limit(p)?;
    let (_, close) = priced(&m, p)?
        .pop()
        .ok_or_else(|| Reject::unknown_error("the symbol has no price yet; advance the clock"))?;
    let id = m.ex.symbol_id(symbol).ok_or_else(Reject::invalid_symbol)?;
    let tick = tick_size(&m, symbol);
    let volume = m.ex.last_bar(id).map_or(0.0, |b| b.volume).max(1.0);
    let (bids, asks) = book_levels(close, tick, limit, &volume.to_string());
    let (step, _) = m.progress();
    let now = m.sim_now().as_ms();
    let d = Depth {
        last_update_id: i64::try_from(step).unwrap_or(i64::MAX),
        event_time: now,
        transaction_time: now,
        bids,
        asks,
    };
    Ok(serde_json::to_value(d).unwrap_or(Value::Null))
}

/// The symbol's tick size at the market's clock (0.01 when its filter has none).
pub(crate) fn tick_size(m: &Market, symbol: &str) -> Decimal {
    m.ex.schedule()
        .info_at(m.sim_now())
        .and_then(|info| info.get(symbol))
        .map(|s| s.price_filter.tick_size)
        .filter(|t| !t.is_zero())
        .unwrap_or(Decimal::new(1, 2))
}

pub(crate) type Levels = Vec<(String, String)>;

/// Bids downward from the close rounded down to `tick`, asks upward from the next tick above
/// the best bid; `limit` levels a side, bids stopping above zero.
pub(crate) fn book_levels(
    close: Decimal,
    tick: Decimal,
    limit: u32,
    qty: &str,
) -> (Levels, Levels) {
    let best_bid = (close / tick).floor() * tick;
    let best_ask = best_bid + tick;
    let level = |price: Decimal| (price.normalize().to_string(), qty.to_string());
    let bids = (0..limit)
        .map(|i| best_bid - tick * Decimal::from(i))
        .take_while(|p| *p > Decimal::ZERO)
        .map(level)
        .collect();
    let asks = (0..limit)
        .map(|i| best_ask + tick * Decimal::from(i))
        .map(level)
        .collect();
    (bids, asks)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn only_binance_depth_limits_are_taken() {
        for ok in DEPTH_LIMITS {
            let p = Params::parse(&format!("symbol=BTCUSDT&limit={ok}"), "");
            assert_eq!(depth_limit(&p), Ok(ok));
        }
        assert_eq!(depth_limit(&Params::parse("symbol=BTCUSDT", "")), Ok(500));
        for bad in ["7", "0", "1001", "5000"] {
            let p = Params::parse(&format!("limit={bad}"), "");
            let r = depth_limit(&p).expect_err("not a Binance depth limit");
            assert_eq!(r.code, -4021);
            assert!(
                r.msg
                    .starts_with(&format!("'{bad}' is not valid depth limit."))
            );
        }
    }

    #[test]
    fn the_synthetic_book_never_crosses_or_touches() {
        for close in [dec!(70000), dec!(70000.05), dec!(0.15)] {
            let (bids, asks) = book_levels(close, dec!(0.1), 5, "1");
            let px = |l: &Levels, i: usize| l[i].0.parse::<Decimal>().expect("a price");
            assert!(px(&bids, 0) < px(&asks, 0), "close {close}");
            assert!(
                px(&bids, 0) <= close && close <= px(&asks, 0),
                "close {close}"
            );
            assert_eq!(asks.len(), 5);
            assert!(
                bids.windows(2)
                    .all(|w| w[0].0.parse::<Decimal>().ok() > w[1].0.parse::<Decimal>().ok())
            );
        }
        let (bids, _) = book_levels(dec!(0.15), dec!(0.1), 5, "1");
        assert_eq!(bids.len(), 1, "no bid at or below zero");
    }
}
