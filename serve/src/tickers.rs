//! Ticker endpoints built from the bars the clock has closed (the simulator has no trades and
//! no book): `GET /fapi/v1/ticker/24hr` (the closed bars of the last 24 hours of the
//! dataset's clock: open, high, low, last close, base volume; quote volume estimated as
//! volume x close per bar; no trades, so `lastQty` 0 and `count` 0) and
//! `GET /fapi/v1/ticker/bookTicker` (the top of depth's synthetic book). Both answer one
//! object for `symbol`, an array of every replayed symbol without it, as Binance does.
//! Must never live here: fill rules, signed endpoints.

use binance::{Params, amount_text};
use pipeline::Bar;
use pipeline::exchange_info::Reject;
use rust_decimal::Decimal;
use rust_decimal::prelude::FromPrimitive;
use serde::Serialize;

use super::App;
use super::http::Answer;
use super::market::Market;
use super::routes_market::{book_levels, one_or_all, priced, tick_size};

const DAY_MS: i64 = 24 * 3_600_000;

/// Binance's 24hr ticker row.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct DayTicker {
    symbol: String,
    price_change: String,
    price_change_percent: String,
    weighted_avg_price: String,
    last_price: String,
    last_qty: String,
    open_price: String,
    high_price: String,
    low_price: String,
    volume: String,
    quote_volume: String,
    open_time: i64,
    close_time: i64,
    first_id: i64,
    last_id: i64,
    count: i64,
}

/// Binance's book ticker row.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct BookTicker {
    symbol: String,
    bid_price: String,
    bid_qty: String,
    ask_price: String,
    ask_qty: String,
    time: i64,
}

fn dec(x: f64) -> Decimal {
    Decimal::from_f64(x).unwrap_or_default()
}

/// The 24-hour statistics of `bars` (closed, ascending, at least one) up to `now`.
fn day_stats(symbol: &str, bars: &[Bar], now: i64) -> Option<DayTicker> {
    let (first, last) = (bars.first()?, bars.last()?);
    let open = dec(first.open);
    let close = dec(last.close);
    let high = bars.iter().map(|b| b.high).fold(f64::MIN, f64::max);
    let low = bars.iter().map(|b| b.low).fold(f64::MAX, f64::min);
    let volume: Decimal = bars.iter().map(|b| dec(b.volume)).sum();
    let quote: Decimal = bars.iter().map(|b| dec(b.volume) * dec(b.close)).sum();
    let change = close - open;
    let percent = if open.is_zero() {
        Decimal::ZERO
    } else {
        (change / open * Decimal::ONE_HUNDRED).round_dp(3)
    };
    let weighted = if volume.is_zero() {
        close
    } else {
        quote / volume
    };
    Some(DayTicker {
        symbol: symbol.to_string(),
        price_change: amount_text(change),
        price_change_percent: format!("{percent:.3}"),
        weighted_avg_price: amount_text(weighted),
        last_price: amount_text(close),
        last_qty: "0".to_string(),
        open_price: amount_text(open),
        high_price: amount_text(dec(high)),
        low_price: amount_text(dec(low)),
        volume: amount_text(volume),
        quote_volume: amount_text(quote),
        open_time: first.open_time.as_ms(),
        close_time: now,
        first_id: 0,
        last_id: 0,
        count: 0,
    })
}

/// Symbols to answer for: the one named (-1121 when not listed), or every replayed one.
fn names(m: &Market, p: &Params) -> Result<Vec<String>, Reject> {
    Ok(priced(m, p)?.into_iter().map(|(s, _)| s).collect())
}

pub(crate) fn day_ticker(app: &App, p: &Params) -> Answer {
    let m = app.market();
    let now = m.sim_now().as_ms();
    let rows: Vec<DayTicker> = names(&m, p)?
        .into_iter()
        .filter_map(|symbol| {
            let history = m.series(&symbol)?.history();
            let from = history.partition_point(|b| b.open_time.as_ms() <= now - DAY_MS);
            day_stats(&symbol, &history[from..], now)
        })
        .collect();
    one_or_all(p, rows)
}

pub(crate) fn book_ticker(app: &App, p: &Params) -> Answer {
    let m = app.market();
    let now = m.sim_now().as_ms();
    let rows: Vec<BookTicker> = priced(&m, p)?
        .into_iter()
        .filter_map(|(symbol, close)| {
            let id = m.ex.symbol_id(&symbol)?;
            let qty = m.ex.last_bar(id).map_or(0.0, |b| b.volume).max(1.0);
            let (bids, asks) = book_levels(close, tick_size(&m, &symbol), 1, &qty.to_string());
            let (bid, ask) = (bids.into_iter().next()?, asks.into_iter().next()?);
            Some(BookTicker {
                symbol,
                bid_price: bid.0,
                bid_qty: bid.1,
                ask_price: ask.0,
                ask_qty: ask.1,
                time: now,
            })
        })
        .collect();
    one_or_all(p, rows)
}

#[cfg(test)]
mod tests {
    use super::*;
    use pipeline::TimestampMs;

    fn bar(minute: i64, open: f64, close: f64) -> Bar {
        Bar {
            open_time: TimestampMs::from_utc(2026, 1, 1, 0, 0, 0).plus_ms(minute * 60_000),
            open,
            high: open.max(close) + 5.0,
            low: open.min(close) - 5.0,
            close,
            volume: 2.0,
        }
    }

    #[test]
    fn the_day_ticker_summarises_the_bars() {
        let bars = [
            bar(0, 100.0, 110.0),
            bar(1, 110.0, 90.0),
            bar(2, 90.0, 120.0),
        ];
        let t = day_stats("BTCUSDT", &bars, 1).expect("bars");
        assert_eq!(t.open_price, "100");
        assert_eq!(t.last_price, "120");
        assert_eq!(t.price_change, "20");
        assert_eq!(t.price_change_percent, "20.000");
        assert_eq!((t.high_price.as_str(), t.low_price.as_str()), ("125", "85"));
        assert_eq!(t.volume, "6");
        assert_eq!(t.quote_volume, "640");
        assert!(t.weighted_avg_price.starts_with("106.666666"));
        assert!(day_stats("BTCUSDT", &[], 1).is_none());
    }
}
