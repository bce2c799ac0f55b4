//! The price chart of one symbol: the merged candles of `prices.csv` as a high-low band with
//! the close as a line, and on it every entry (long / short), exit, take-profit and stop-loss
//! hit and liquidation at its price, and every blocked intent at the price of its time, with a
//! marker per reason. With recorded mark prices (`marks.csv`), the mark's close is a second
//! line: liquidations happen on it, so a liquidation marker sits on the mark, not the trade price.
//! Must never live here: deciding how a trade ended (that is `analysis`).

use plotters::prelude::*;

use super::style::{self, Area, DrawResult, Glyph, Shape};
use super::{padded, time_axis};
use crate::analysis::ExitKind;
use crate::run_folder::Candle;

pub const SIZE: (u32, u32) = (1400, 600);

/// Above this many entries and exits, one marker each would bury the price line: the chart
/// shades the time each position was held instead and marks only the rare events.
pub const DENSE_EVENTS: usize = 400;

/// A trade event to mark.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Event {
    EntryLong,
    EntryShort,
    Exit(ExitKind),
}

/// A blocked intent to mark: time, price if known, the rank of its reason in `reasons`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Blocked {
    pub time_ms: i64,
    pub price: Option<f64>,
    pub reason: usize,
}

/// What the chart of one symbol shows.
#[derive(Debug, Clone)]
pub struct PriceInput<'a> {
    pub symbol: &'a str,
    pub interval: &'a str,
    pub candles: &'a [&'a Candle],
    /// The recorded mark price over the same windows (empty: none recorded).
    pub marks: &'a [&'a Candle],
    pub events: &'a [(i64, f64, Event)],
    /// Each trade's entry time, exit time (`None`: open at the end) and whether it is long.
    pub held: &'a [(i64, Option<i64>, bool)],
    pub blocked: &'a [Blocked],
    /// Reason codes, by rank (most frequent first).
    pub reasons: &'a [String],
}

fn event_style(e: Event) -> (Shape, RGBColor, &'static str) {
    match e {
        Event::EntryLong => (Shape::TriangleUp, style::LONG, "long entry"),
        Event::EntryShort => (Shape::TriangleDown, style::SHORT, "short entry"),
        Event::Exit(ExitKind::Order) => (Shape::Circle, style::INK, "exit"),
        Event::Exit(ExitKind::TakeProfit) => (Shape::Diamond, style::TP, "take-profit hit"),
        Event::Exit(ExitKind::StopLoss) => (Shape::Square, style::SL, "stop-loss hit"),
        Event::Exit(ExitKind::Liquidation) => (Shape::BigX, style::INK, "liquidation"),
    }
}

const EVENTS: [Event; 6] = [
    Event::EntryLong,
    Event::EntryShort,
    Event::Exit(ExitKind::Order),
    Event::Exit(ExitKind::TakeProfit),
    Event::Exit(ExitKind::StopLoss),
    Event::Exit(ExitKind::Liquidation),
];

/// The close of the candle that contains `t` (the nearest one outside them).
fn price_at(candles: &[&Candle], t: i64) -> Option<f64> {
    let i = candles.partition_point(|c| c.close_ms <= t);
    candles.get(i).or(candles.last()).map(|c| c.close)
}

/// Draws the price chart described by `inp`.
pub fn draw(area: &Area<'_>, inp: &PriceInput<'_>) -> DrawResult {
    area.fill(&WHITE)?;
    let (w, _) = area.dim_in_pixel();
    let bars: u64 = inp.candles.iter().map(|c| c.bars).sum();
    style::title(
        area,
        &format!("{} price, trades and blocked intents", inp.symbol),
        &format!(
            "Price in USDT: {bars} {} bars merged into {} candles (band = high-low, line = close). Every marker sits at its price; times in UTC.",
            inp.interval,
            inp.candles.len()
        ),
    )?;
    let (Some(first), Some(last)) = (inp.candles.first(), inp.candles.last()) else {
        return style::empty_note(area, "No prices for this symbol in prices.csv");
    };
    let mut items: Vec<(Glyph, String)> = vec![(Glyph::Line(style::INK), "close".into())];
    if !inp.marks.is_empty() {
        items.push((
            Glyph::Line(style::MARK),
            "mark price: close, and in lilac its high-low where beyond the trade price's (liquidations happen on it)".into(),
        ));
    }
    let routine = |e: &Event| {
        matches!(
            e,
            Event::EntryLong | Event::EntryShort | Event::Exit(ExitKind::Order)
        )
    };
    let dense = inp.events.iter().filter(|x| routine(&x.2)).count() > DENSE_EVENTS;
    if dense {
        for (long, colour, side) in [
            (true, style::LONG_HELD, "long"),
            (false, style::SHORT_HELD, "short"),
        ] {
            let n = inp.held.iter().filter(|h| h.2 == long).count();
            if n > 0 {
                items.push((
                    Glyph::Fill(colour, style::Pattern::Solid),
                    format!("{side} position held ({n} trades, too many to mark one by one)"),
                ));
            }
        }
    }
    for e in EVENTS {
        if dense && routine(&e) {
            continue;
        }
        let n = inp.events.iter().filter(|x| x.2 == e).count();
        if n > 0 {
            let (shape, colour, label) = event_style(e);
            items.push((Glyph::Marker(shape, colour), format!("{label} ({n})")));
        }
    }
    for (rank, code) in inp.reasons.iter().enumerate() {
        let n = inp.blocked.iter().filter(|b| b.reason == rank).count();
        if n > 0 {
            let (colour, _, shape) = style::reason_style(rank);
            items.push((
                Glyph::Marker(shape, colour),
                format!("blocked: {code} ({n})"),
            ));
        }
    }
    let legend_y = style::legend(area, &items, (16, 58), w as i32 - 16)?;
    let body = area.margin(legend_y as u32, 0, 0, 0);

    let (from, to) = (first.open_ms, last.close_ms.max(first.open_ms + 1));
    let lo = inp
        .candles
        .iter()
        .chain(inp.marks)
        .map(|c| c.low)
        .fold(f64::MAX, f64::min);
    let hi = inp
        .candles
        .iter()
        .chain(inp.marks)
        .map(|c| c.high)
        .fold(f64::MIN, f64::max);
    let (lo, hi) = padded(lo, hi, 0.04);
    let span = to - from;
    let mut c = ChartBuilder::on(&body)
        .margin_right(56)
        .margin_bottom(8)
        .x_label_area_size(56)
        .y_label_area_size(96)
        .build_cartesian_2d(
            (from..to).with_key_points(time_axis::ticks(from, to, 8)),
            lo..hi,
        )?;
    style::house_mesh(
        c.configure_mesh()
            .x_labels(8)
            .y_labels(7)
            .x_desc("time (UTC)")
            .y_desc("price (USDT)")
            .x_label_formatter(&|t| time_axis::label(*t, span))
            .y_label_formatter(&|v| format!("{v:.0}")),
    )
    .draw()?;
    if dense {
        for &(entry, exit, long) in inp.held {
            let colour = if long {
                style::LONG_HELD
            } else {
                style::SHORT_HELD
            };
            let span = [(entry.max(from), hi), (exit.unwrap_or(to).min(to), lo)];
            c.draw_series(std::iter::once(Rectangle::new(span, colour.filled())))?;
        }
    }
    let mid = |k: &Candle| k.open_ms + (k.close_ms - k.open_ms) / 2;
    // The high-low band of `candles`: highs left to right, then lows back.
    let band = |candles: &[&Candle], colour: RGBColor| {
        let mut edge: Vec<(i64, f64)> = candles.iter().map(|k| (mid(k), k.high)).collect();
        edge.extend(candles.iter().rev().map(|k| (mid(k), k.low)));
        Polygon::new(edge, colour.filled())
    };
    // The mark's band under the trade price's: it shows where the mark went beyond it.
    if !inp.marks.is_empty() {
        c.draw_series(std::iter::once(band(inp.marks, style::MARK_BAND)))?;
    }
    c.draw_series(std::iter::once(band(inp.candles, style::BAND)))?;
    if !inp.marks.is_empty() {
        c.draw_series(LineSeries::new(
            inp.marks.iter().map(|k| (mid(k), k.close)),
            style::MARK.stroke_width(1),
        ))?;
    }
    c.draw_series(LineSeries::new(
        inp.candles.iter().map(|k| (mid(k), k.close)),
        style::INK.stroke_width(1),
    ))?;

    let in_range = |t: i64| (from..=to).contains(&t);
    // Thousands of markers would bury the price: the more there are, the smaller they get.
    let radius = |n: usize| {
        if n > 1500 {
            2
        } else if n > 300 {
            3
        } else {
            6
        }
    };
    let r = radius(inp.blocked.len());
    for b in inp.blocked.iter().filter(|b| in_range(b.time_ms)) {
        let Some(px) = b.price.or_else(|| price_at(inp.candles, b.time_ms)) else {
            continue;
        };
        let (colour, _, shape) = style::reason_style(b.reason);
        style::marker(area, c.backend_coord(&(b.time_ms, px)), shape, &colour, r)?;
    }
    // Exits under entries, the rare events (TP/SL, liquidation) on top.
    for group in [
        &[Event::Exit(ExitKind::Order)][..],
        &[Event::EntryLong, Event::EntryShort],
        &[
            Event::Exit(ExitKind::TakeProfit),
            Event::Exit(ExitKind::StopLoss),
            Event::Exit(ExitKind::Liquidation),
        ],
    ] {
        let pts: Vec<&(i64, f64, Event)> = inp
            .events
            .iter()
            .filter(|e| group.contains(&e.2) && in_range(e.0) && !(dense && routine(&e.2)))
            .collect();
        let r = radius(pts.len());
        for (t, px, e) in pts {
            let (shape, colour, _) = event_style(*e);
            let r = if matches!(e, Event::Exit(ExitKind::Liquidation)) {
                8
            } else {
                r
            };
            style::marker(area, c.backend_coord(&(*t, *px)), shape, &colour, r)?;
        }
    }
    Ok(())
}
