//! The equity chart: equity in USDT at every bar close (with the starting balance dashed), and
//! under it, on the same UTC time axis, the drawdown from the running peak in percent with its
//! deepest point marked.
//! Must never live here: metric arithmetic (that is `metrics`).

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::style::{self, Area, DrawResult, Glyph};
use super::{envelope, padded, time_axis};
use crate::metrics::{self, EquityPoint};

pub const SIZE: (u32, u32) = (1400, 640);

/// Draws `equity` starting from `initial` USDT.
pub fn draw(area: &Area<'_>, equity: &[EquityPoint], initial: f64) -> DrawResult {
    area.fill(&WHITE)?;
    style::title(
        area,
        "Equity and drawdown",
        "Equity in USDT at each bar close; drawdown = fall from the running peak, in %. Times in UTC.",
    )?;
    let (w, h) = area.dim_in_pixel();
    let (Some(first), Some(last)) = (equity.first(), equity.last()) else {
        return style::empty_note(area, "No equity rows in equity.csv");
    };
    let (from, to) = (first.time_ms, last.time_ms.max(first.time_ms + 1));
    let dd = metrics::drawdown_series(equity);
    let (worst_i, worst) = dd
        .iter()
        .copied()
        .enumerate()
        .fold((0, 0.0), |a, (i, v)| if v < a.1 { (i, v) } else { a });
    let legend_y = style::legend(
        area,
        &[
            (Glyph::Line(style::EQUITY), "equity (USDT)".to_string()),
            (
                Glyph::Dashed(style::MUTED),
                format!("starting balance {initial:.2} USDT"),
            ),
            (
                Glyph::Fill(style::DRAWDOWN, style::Pattern::Solid),
                format!("drawdown (max {:.2}%)", worst * 100.0),
            ),
        ],
        (16, 58),
        w as i32 - 16,
    )?;
    let body = area.margin(legend_y as u32, 0, 0, 0);
    let (top, bottom) = body.split_vertically((h as i32 - legend_y) * 64 / 100);
    let span = to - from;
    let ticks = time_axis::ticks(from, to, 8);
    let buckets = (w as usize).saturating_sub(120);

    let pts: Vec<(i64, f64)> = equity.iter().map(|p| (p.time_ms, p.equity)).collect();
    let lo = pts.iter().map(|p| p.1).fold(initial, f64::min);
    let hi = pts.iter().map(|p| p.1).fold(initial, f64::max);
    let (lo, hi) = padded(lo, hi, 0.06);
    let mut c = ChartBuilder::on(&top)
        .margin_right(56)
        .x_label_area_size(8)
        .y_label_area_size(96)
        .build_cartesian_2d((from..to).with_key_points(ticks.clone()), lo..hi)?;
    style::house_mesh(
        c.configure_mesh()
            .x_labels(0)
            .x_label_formatter(&|_| String::new())
            .y_labels(6)
            .y_desc("equity (USDT)")
            .y_label_formatter(&|v| format!("{v:.0}")),
    )
    .draw()?;
    c.draw_series(DashedLineSeries::new(
        [(from, initial), (to, initial)],
        6,
        6,
        style::MUTED.stroke_width(1),
    ))?;
    c.draw_series(LineSeries::new(
        envelope(&pts, buckets),
        style::EQUITY.stroke_width(2),
    ))?;

    let dd_pts: Vec<(i64, f64)> = equity
        .iter()
        .zip(&dd)
        .map(|(p, d)| (p.time_ms, d * 100.0))
        .collect();
    let dd_lo = (worst * 100.0 * 1.15).min(-0.5);
    let mut d = ChartBuilder::on(&bottom)
        .margin_right(56)
        .margin_bottom(8)
        .x_label_area_size(56)
        .y_label_area_size(96)
        .build_cartesian_2d((from..to).with_key_points(ticks), dd_lo..0.0)?;
    style::house_mesh(
        d.configure_mesh()
            .x_labels(8)
            .y_labels(4)
            .x_desc("time (UTC)")
            .y_desc("drawdown (%)")
            .x_label_formatter(&|t| time_axis::label(*t, span))
            .y_label_formatter(&|v| format!("{v:.1}")),
    )
    .draw()?;
    d.draw_series(
        AreaSeries::new(envelope(&dd_pts, buckets), 0.0, style::DRAWDOWN.mix(0.45))
            .border_style(style::DRAWDOWN.stroke_width(1)),
    )?;
    if worst < 0.0 {
        let p = d.backend_coord(&(equity[worst_i].time_ms, worst * 100.0));
        style::marker(area, p, style::Shape::TriangleUp, &style::INK, 6)?;
        let right = p.0 > w as i32 * 3 / 4;
        let label = format!(
            "max drawdown {:.2}% at {}",
            worst * 100.0,
            pipeline::TimestampMs(equity[worst_i].time_ms).to_minute_string()
        );
        let (hp, dx) = if right {
            (HPos::Right, -10)
        } else {
            (HPos::Left, 10)
        };
        area.draw_text(
            &label,
            &style::anchored(14, &style::INK, hp, VPos::Bottom),
            (p.0 + dx, p.1 - 4),
        )?;
    }
    Ok(())
}
