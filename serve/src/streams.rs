//! What the market websocket streams send, built from the data the dataset has:
//! [`StepView`] is one advance of the clock as the streams see it (the bars it closed, the
//! bars it opened, every symbol's mark and top of book after it), [`Stream`] a subscribed
//! stream name and [`frames`] the Binance events a view gives a stream:
//!
//! - `<symbol>@kline_<interval>`: the closed bar (`"x": true`), then the bar that opened with
//!   it (`"x": false`): its open as open, high, low and close, volume 0. That is all the data
//!   says about a bar at its open; Binance sends the running bar every 250 ms instead.
//! - `<symbol>@markPrice` (and `@1s`), `!markPrice@arr` (and `@1s`): `markPriceUpdate` at every
//!   step and on subscribing (Binance: every 3 s or 1 s). The simulator's mark is the last
//!   close and it keeps no index: `p`, `i` and `P` are that close; `r` and `T` the funding
//!   rate and next funding time of `premiumIndex`.
//! - `<symbol>@bookTicker`, `!bookTicker`: the top of depth's synthetic book (a tick either
//!   side of the last close) at every step and on subscribing.
//!
//! Every `E` is the API's clock at the step (`server_clock`).
//! Must never live here: sockets (`ws`), what advances the market (`clock`).

use binance::{KlineEvent, amount_text};
use pipeline::exchange_info::Reject;
use pipeline::{Bar, Kline};
use serde_json::{Value, json};

use super::market::{ClosedBar, Market};
use super::routes_market::{book_levels, tick_size};

/// One symbol's mark price and funding after a step.
#[derive(Debug, Clone)]
pub(crate) struct MarkRow {
    pub symbol: String,
    pub mark: String,
    pub rate: String,
    pub next_funding: i64,
}

/// One symbol's top of book after a step.
#[derive(Debug, Clone)]
pub(crate) struct BookRow {
    pub symbol: String,
    pub bid: (String, String),
    pub ask: (String, String),
}

/// One advance of the clock (or the state on subscribing, with no bars).
#[derive(Debug, Clone, Default)]
pub(crate) struct StepView {
    pub event_ms: i64,
    /// The step count after it: `u` of bookTicker.
    pub step: usize,
    pub closed: Vec<ClosedBar>,
    /// The bar of each symbol that opened as its previous one closed.
    pub opened: Vec<ClosedBar>,
    pub marks: Vec<MarkRow>,
    pub books: Vec<BookRow>,
}

impl StepView {
    /// The view of `m` now, after `closed` closed; `event_ms` is the API's clock.
    pub fn of(m: &Market, closed: Vec<ClosedBar>, event_ms: i64) -> StepView {
        let interval_ms = m.interval.as_ms();
        // One opening bar per symbol: the one after its latest closed bar, and only when it
        // opens right then (a gap in the data opens nothing yet).
        let mut latest: std::collections::BTreeMap<&str, &ClosedBar> = Default::default();
        for c in &closed {
            latest.insert(c.symbol.as_str(), c);
        }
        let opened = latest
            .into_iter()
            .filter_map(|(symbol, c)| {
                let s = m.series(symbol)?;
                let next: &Bar = s.bars.get(s.closed)?;
                (next.open_time.as_ms() == c.bar.open_time.as_ms() + interval_ms).then(|| {
                    ClosedBar {
                        symbol: c.symbol.clone(),
                        bar: *next,
                    }
                })
            })
            .collect();
        let now = m.sim_now().as_ms();
        let mut marks = Vec::new();
        let mut books = Vec::new();
        for (symbol, series) in &m.series {
            let Some(mark) = m.ex.mark(series.id).map(|p| p.get()) else {
                continue; // no bar yet
            };
            let (rate, next_funding) = super::routes_series::funding_view(m, symbol, now);
            marks.push(MarkRow {
                symbol: symbol.clone(),
                mark: amount_text(mark),
                rate: format!("{rate:.8}"),
                next_funding,
            });
            let qty = m.ex.last_bar(series.id).map_or(0.0, |b| b.volume).max(1.0);
            let (bids, asks) = book_levels(mark, tick_size(m, symbol), 1, &qty.to_string());
            if let (Some(bid), Some(ask)) = (bids.into_iter().next(), asks.into_iter().next()) {
                books.push(BookRow {
                    symbol: symbol.clone(),
                    bid,
                    ask,
                });
            }
        }
        StepView {
            event_ms,
            step: m.progress().0,
            closed,
            opened,
            marks,
            books,
        }
    }
}

/// A market stream a client subscribed to (symbols upper-case).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Stream {
    Kline(String),
    /// One symbol's mark price, or every symbol's as one array (`!markPrice@arr`).
    Mark(Option<String>),
    /// One symbol's book ticker, or every symbol's, one event each (`!bookTicker`).
    Book(Option<String>),
}

fn unknown_stream(name: &str) -> Reject {
    Reject {
        code: -1100,
        msg: format!(
            "sim serve streams <symbol>@kline_<interval>, <symbol>@markPrice[@1s], \
             !markPrice@arr[@1s], <symbol>@bookTicker and !bookTicker, not '{name}'"
        ),
    }
}

/// Parses a stream name against the replayed symbols and interval.
pub(crate) fn parse(m: &Market, name: &str) -> Result<Stream, Reject> {
    let known = |symbol: &str| -> Result<String, Reject> {
        let symbol = symbol.to_ascii_uppercase();
        m.series(&symbol)
            .map(|_| symbol.clone())
            .ok_or_else(Reject::invalid_symbol)
    };
    match name {
        "!markPrice@arr" | "!markPrice@arr@1s" => return Ok(Stream::Mark(None)),
        "!bookTicker" => return Ok(Stream::Book(None)),
        _ => {}
    }
    let (symbol, kind) = name.split_once('@').ok_or_else(|| unknown_stream(name))?;
    match kind {
        "markPrice" | "markPrice@1s" => Ok(Stream::Mark(Some(known(symbol)?))),
        "bookTicker" => Ok(Stream::Book(Some(known(symbol)?))),
        _ => {
            let interval = kind
                .strip_prefix("kline_")
                .ok_or_else(|| unknown_stream(name))?;
            let symbol = known(symbol)?;
            m.check_interval(interval)?;
            Ok(Stream::Kline(symbol))
        }
    }
}

fn mark_event(r: &MarkRow, event_ms: i64) -> Value {
    json!({
        "e": "markPriceUpdate", "E": event_ms, "s": r.symbol,
        "p": r.mark, "i": r.mark, "P": r.mark,
        "r": r.rate, "T": r.next_funding,
    })
}

fn book_event(r: &BookRow, step: usize, event_ms: i64) -> Value {
    json!({
        "e": "bookTicker", "u": step, "s": r.symbol,
        "b": r.bid.0, "B": r.bid.1, "a": r.ask.0, "A": r.ask.1,
        "T": event_ms, "E": event_ms,
    })
}

fn kline_event(
    bar: &ClosedBar,
    interval: &str,
    interval_ms: i64,
    closed: bool,
    e: i64,
) -> Option<Value> {
    let k = if closed {
        Kline::from_bar(&bar.bar, interval_ms)?
    } else {
        let b = bar.bar;
        let at_open = Bar {
            high: b.open,
            low: b.open,
            close: b.open,
            volume: 0.0,
            ..b
        };
        Kline::from_bar(&at_open, interval_ms)?
    };
    serde_json::to_value(KlineEvent::new(
        bar.symbol.as_str(),
        interval,
        &k,
        closed,
        e,
    ))
    .ok()
}

/// The events `view` gives `stream`, in order.
pub(crate) fn frames(
    stream: &Stream,
    view: &StepView,
    interval: &str,
    interval_ms: i64,
) -> Vec<Value> {
    let e = view.event_ms;
    let wanted = |want: &Option<String>, symbol: &str| want.as_deref().is_none_or(|w| w == symbol);
    match stream {
        Stream::Kline(symbol) => {
            let closed = view
                .closed
                .iter()
                .filter(|b| b.symbol.as_str() == symbol)
                .filter_map(|b| kline_event(b, interval, interval_ms, true, e));
            let opened = view
                .opened
                .iter()
                .filter(|b| b.symbol.as_str() == symbol)
                .filter_map(|b| kline_event(b, interval, interval_ms, false, e));
            closed.chain(opened).collect()
        }
        Stream::Mark(None) => {
            if view.marks.is_empty() {
                return Vec::new();
            }
            vec![Value::Array(
                view.marks.iter().map(|r| mark_event(r, e)).collect(),
            )]
        }
        Stream::Mark(want) => view
            .marks
            .iter()
            .filter(|r| wanted(want, &r.symbol))
            .map(|r| mark_event(r, e))
            .collect(),
        Stream::Book(want) => view
            .books
            .iter()
            .filter(|r| wanted(want, &r.symbol))
            .map(|r| book_event(r, view.step, e))
            .collect(),
    }
}
