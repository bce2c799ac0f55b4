//! Market-data series beside `/klines` (unsigned), all from the closed bars:
//! `GET /fapi/v1/continuousKlines` (`pair` + `contractType=PERPETUAL`: the symbol's klines;
//! the dataset holds perpetuals only, so a quarterly contract is an unknown symbol),
//! `GET /fapi/v1/markPriceKlines` and `/indexPriceKlines` (the simulator's mark price is the
//! last trade close and it keeps no index: both are the trade klines' prices, with Binance's
//! mark-kline row shape, volumes "0"), and `GET /fapi/v1/fundingRate` (the settlements up to
//! the market's clock: the dataset's recorded funding where it has some, else the constant
//! rate on its grid; `markPrice` is the close of the bar ending at the settlement).
//! Must never live here: funding arithmetic (the simulator settles it), `/klines` itself.

use binance::{KlineRow, Params, amount_text};
use exchange_sim::FundingRate;
use pipeline::exchange_info::Reject;
use pipeline::{Bar, Kline};
use rust_decimal::Decimal;
use rust_decimal::prelude::FromPrimitive;
use serde_json::{Value, json};

use super::App;
use super::catalog::Routes;
use super::http::{Answer, Endpoint};
use super::market::Market;
use super::routes_market::{closed_bars, klines_weight, limit_param, time_range};

pub(crate) fn routes(r: Routes) -> Routes {
    r.get(
        "/fapi/v1/continuousKlines",
        Endpoint::public(klines_weight, continuous_klines),
    )
    .get(
        "/fapi/v1/markPriceKlines",
        Endpoint::public(klines_weight, mark_price_klines),
    )
    .get(
        "/fapi/v1/indexPriceKlines",
        Endpoint::public(klines_weight, index_price_klines),
    )
    .get(
        "/fapi/v1/fundingRate",
        Endpoint::public(|_| 1, funding_rate),
    )
}

/// The listed symbol a `pair` names (-1121 otherwise).
fn pair<'p>(m: &Market, p: &'p Params) -> Result<&'p str, Reject> {
    let pair = p.required("pair")?;
    m.ex.symbol_id(pair).ok_or_else(Reject::invalid_symbol)?;
    Ok(pair)
}

fn continuous_klines(app: &App, p: &Params) -> Answer {
    let m = app.market();
    let symbol = pair(&m, p)?;
    match p.required("contractType")? {
        "PERPETUAL" => {}
        "CURRENT_QUARTER" | "NEXT_QUARTER" => {
            return Err(Reject {
                code: -1121,
                msg: "Invalid symbol. (sim serve replays perpetual contracts only: contractType=PERPETUAL)".to_string(),
            });
        }
        _ => {
            return Err(Reject {
                code: -1100,
                msg: "Illegal characters found in parameter 'contractType'; legal range is 'PERPETUAL, CURRENT_QUARTER, NEXT_QUARTER'.".to_string(),
            });
        }
    }
    let ms = m.interval.as_ms();
    let rows: Vec<KlineRow> = closed_bars(&m, symbol, p)?
        .iter()
        .filter_map(|b| Kline::from_bar(b, ms))
        .map(|k| KlineRow::from(&k))
        .collect();
    Ok(serde_json::to_value(rows).unwrap_or(Value::Null))
}

fn price_text(x: f64) -> String {
    amount_text(Decimal::from_f64(x).unwrap_or_default())
}

/// Binance's mark/index kline row: prices, then "0" for every volume and count.
fn price_row(b: &Bar, interval_ms: i64) -> Value {
    let open = b.open_time.as_ms();
    json!([
        open,
        price_text(b.open),
        price_text(b.high),
        price_text(b.low),
        price_text(b.close),
        "0",
        open + interval_ms - 1,
        "0",
        0,
        "0",
        "0",
        "0"
    ])
}

fn price_klines(m: &Market, symbol: &str, p: &Params) -> Answer {
    let ms = m.interval.as_ms();
    let rows: Vec<Value> = closed_bars(m, symbol, p)?
        .iter()
        .map(|b| price_row(b, ms))
        .collect();
    Ok(Value::Array(rows))
}

fn mark_price_klines(app: &App, p: &Params) -> Answer {
    let m = app.market();
    let symbol = super::routes_market::listed(&m, p)?;
    price_klines(&m, symbol, p)
}

fn index_price_klines(app: &App, p: &Params) -> Answer {
    let m = app.market();
    let symbol = pair(&m, p)?;
    price_klines(&m, symbol, p)
}

/// `symbol`'s funding settlements from `from` to `to` (inclusive), oldest first: the
/// recorded ones, else the constant rate on the grid from 00:00 UTC; none when funding is off.
pub(crate) fn settlements(m: &Market, symbol: &str, from: i64, to: i64) -> Vec<FundingRate> {
    let cfg = m.ex.config().funding;
    if !cfg.enabled {
        return Vec::new();
    }
    if let Some(recorded) = m.funding.get(symbol) {
        return recorded
            .iter()
            .filter(|r| (from..=to).contains(&r.time.as_ms()))
            .cloned()
            .collect();
    }
    let every = i64::from(cfg.interval_hours.max(1)) * 3_600_000;
    let first = from.div_euclid(every) * every;
    let first = if first < from { first + every } else { first };
    (0..)
        .map(|k| first + k * every)
        .take_while(|t| *t <= to)
        .map(|t| FundingRate {
            time: pipeline::TimestampMs(t),
            rate: cfg.constant_rate,
            mark_price: None,
        })
        .collect()
}

/// `symbol`'s last funding rate and next funding time at `now` (for `premiumIndex`): from
/// its recorded funding when it has some, else the constant rate and its grid.
pub(crate) fn funding_view(m: &Market, symbol: &str, now: i64) -> (Decimal, i64) {
    let cfg = m.ex.config().funding;
    let every = i64::from(cfg.interval_hours.max(1)) * 3_600_000;
    let grid_next = (now.div_euclid(every) + 1) * every;
    match m.funding.get(symbol) {
        Some(recorded) => (
            recorded
                .iter()
                .rev()
                .find(|r| r.time.as_ms() <= now)
                .map_or(cfg.constant_rate, |r| r.rate),
            recorded
                .iter()
                .find(|r| r.time.as_ms() > now)
                .map_or(grid_next, |r| r.time.as_ms()),
        ),
        None => (cfg.constant_rate, grid_next),
    }
}

/// The close of the last bar that ended at or before `t`, else (a settlement at the very
/// first bar) that bar's open.
fn mark_at(history: &[Bar], interval_ms: i64, t: i64) -> Option<f64> {
    let ended = history.partition_point(|b| b.open_time.as_ms() + interval_ms <= t);
    match ended.checked_sub(1) {
        Some(i) => Some(history[i].close),
        None => history.first().map(|b| b.open),
    }
}

/// `GET /fapi/v1/fundingRate`: `symbol` (else every replayed one), `startTime`/`endTime`,
/// `limit` (default 100, at most 1000); from the start when it is given, else the most recent.
fn funding_rate(app: &App, p: &Params) -> Answer {
    let m = app.market();
    let symbols: Vec<String> = match p.get("symbol") {
        Some(_) => vec![super::routes_market::listed(&m, p)?.to_string()],
        None => m.series.keys().cloned().collect(),
    };
    let limit = limit_param(p, 100, 1000)? as usize;
    let (start, end) = time_range(p)?;
    let now = m.sim_now().as_ms();
    let ms = m.interval.as_ms();
    let mut rows: Vec<(i64, Value)> = Vec::new();
    for symbol in &symbols {
        let history = m.series(symbol).map_or(&[][..], |s| s.history());
        let first_bar = history.first().map_or(now, |b| b.open_time.as_ms());
        let from = start.unwrap_or(first_bar).max(first_bar);
        let to = end.unwrap_or(now).min(now);
        for s in settlements(&m, symbol, from, to) {
            let t = s.time.as_ms();
            let mark = s
                .mark_price
                .map(|p| p.get().to_string())
                .or_else(|| mark_at(history, ms, t).map(price_text))
                .unwrap_or_default();
            rows.push((
                t,
                json!({
                    "symbol": symbol,
                    "fundingRate": format!("{:.8}", s.rate),
                    "fundingTime": t,
                    "markPrice": mark,
                }),
            ));
        }
    }
    rows.sort_by_key(|(t, _)| *t);
    let picked = if start.is_some() {
        &rows[..rows.len().min(limit)]
    } else {
        &rows[rows.len().saturating_sub(limit)..]
    };
    Ok(Value::Array(
        picked.iter().map(|(_, v)| v.clone()).collect(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use pipeline::TimestampMs;

    #[test]
    fn the_mark_at_a_settlement_is_the_close_of_the_bar_ending_there() {
        let t0 = TimestampMs::from_utc(2026, 1, 1, 7, 58, 0);
        let bar = |k: i64, close: f64| Bar {
            open_time: t0.plus_ms(k * 60_000),
            open: close,
            high: close,
            low: close,
            close,
            volume: 1.0,
        };
        let history = [bar(0, 1.0), bar(1, 2.0), bar(2, 3.0)];
        let eight = TimestampMs::from_utc(2026, 1, 1, 8, 0, 0).as_ms();
        assert_eq!(mark_at(&history, 60_000, eight), Some(2.0));
        assert_eq!(
            mark_at(&history, 60_000, t0.as_ms()),
            Some(1.0),
            "the first open"
        );
        assert_eq!(mark_at(&[], 60_000, eight), None);
    }
}
