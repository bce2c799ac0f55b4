//! Two bar charts of outcomes: monthly returns (UTC calendar months) and the distribution of
//! closed trades' net PnL. Gains are solid, losses hatched, so they differ in greyscale too.
//! Must never live here: the month or bin arithmetic (that is `analysis`).

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::padded;
use super::style::{self, Area, DrawResult, Glyph, Pattern};
use crate::analysis::{Bin, MonthReturn};

pub const MONTHLY_SIZE: (u32, u32) = (1400, 420);
pub const PNL_SIZE: (u32, u32) = (1400, 440);

/// Draws one bar per month.
pub fn monthly(area: &Area<'_>, months: &[MonthReturn]) -> DrawResult {
    area.fill(&WHITE)?;
    style::title(
        area,
        "Monthly returns",
        "Change of equity over each calendar month (UTC), in %; the first month from the starting balance.",
    )?;
    if months.is_empty() {
        return style::empty_note(area, "No equity rows, so no monthly returns");
    }
    let (w, _) = area.dim_in_pixel();
    let legend_y = style::legend(
        area,
        &[
            (Glyph::Fill(style::GAIN, Pattern::Solid), "gain".into()),
            (Glyph::Fill(style::LOSS, Pattern::Diagonal), "loss".into()),
        ],
        (16, 58),
        w as i32 - 16,
    )?;
    let body = area.margin(legend_y as u32, 0, 0, 0);
    let vals: Vec<f64> = months.iter().map(|m| m.ret * 100.0).collect();
    let lo = vals.iter().copied().fold(0.0, f64::min);
    let hi = vals.iter().copied().fold(0.0, f64::max);
    let (lo, hi) = padded(lo, hi, 0.18);
    let n = months.len() as f64;
    let mut c = ChartBuilder::on(&body)
        .margin_right(24)
        .margin_bottom(8)
        .x_label_area_size(52)
        .y_label_area_size(96)
        .build_cartesian_2d(-0.5..n - 0.5, lo..hi)?;
    style::house_mesh(
        c.configure_mesh()
            .disable_x_mesh()
            .x_labels(0)
            .y_labels(6)
            .x_desc("month (UTC)")
            .y_desc("return (%)")
            .y_label_formatter(&|v| format!("{v:.1}")),
    )
    .draw()?;
    c.draw_series(std::iter::once(PathElement::new(
        vec![(-0.5, 0.0), (n - 0.5, 0.0)],
        style::INK.stroke_width(1),
    )))?;
    let every = (months.len() / 24) + 1;
    let half = 0.36;
    for (i, (m, v)) in months.iter().zip(&vals).enumerate() {
        let x = i as f64;
        let (colour, pattern) = if *v >= 0.0 {
            (style::GAIN, Pattern::Solid)
        } else {
            (style::LOSS, Pattern::Diagonal)
        };
        let a = c.backend_coord(&(x - half, 0.0));
        let b = c.backend_coord(&(x + half, *v));
        style::patterned_rect(area, a, b, &colour, pattern)?;
        if i % every == 0 {
            let base = c.backend_coord(&(x, lo));
            area.draw_text(
                &m.label,
                &style::anchored(14, &style::INK, HPos::Center, VPos::Top),
                (base.0, base.1 + 6),
            )?;
        }
        if months.len() <= 36 {
            let (vp, dy) = if *v >= 0.0 {
                (VPos::Bottom, -4)
            } else {
                (VPos::Top, 4)
            };
            area.draw_text(
                &format!("{v:+.2}%"),
                &style::anchored(13, &style::INK, HPos::Center, vp),
                (b.0 - (b.0 - a.0) / 2, b.1 + dy),
            )?;
        }
    }
    Ok(())
}

/// Draws the histogram `bins` of closed trades' net PnL, with the mean marked.
pub fn pnl(area: &Area<'_>, bins: &[Bin], mean: Option<f64>) -> DrawResult {
    area.fill(&WHITE)?;
    let total: u64 = bins.iter().map(|b| b.count).sum();
    style::title(
        area,
        "Distribution of trade PnL",
        &format!("Net PnL of each closed trade (after fees and funding), in USDT; {total} trades."),
    )?;
    if total == 0 {
        return style::empty_note(area, "No closed trades, so no PnL distribution");
    }
    let (w, _) = area.dim_in_pixel();
    let wins: u64 = bins.iter().filter(|b| b.lo >= 0.0).map(|b| b.count).sum();
    let mut items = vec![
        (
            Glyph::Fill(style::GAIN, Pattern::Solid),
            format!("PnL >= 0 ({wins} trades)"),
        ),
        (
            Glyph::Fill(style::LOSS, Pattern::Diagonal),
            format!("PnL < 0 ({} trades)", total - wins),
        ),
    ];
    if let Some(m) = mean {
        items.push((Glyph::Dashed(style::INK), format!("mean {m:.2} USDT")));
    }
    let legend_y = style::legend(area, &items, (16, 58), w as i32 - 16)?;
    let body = area.margin(legend_y as u32, 0, 0, 0);
    let x0 = bins.first().map_or(0.0, |b| b.lo).min(0.0);
    let x1 = bins.last().map_or(1.0, |b| b.hi).max(0.0);
    let (x0, x1) = padded(x0, x1, 0.02);
    let top = bins.iter().map(|b| b.count).max().unwrap_or(1) as f64 * 1.12;
    let mut c = ChartBuilder::on(&body)
        .margin_right(24)
        .margin_bottom(8)
        .x_label_area_size(52)
        .y_label_area_size(96)
        .build_cartesian_2d(x0..x1, 0.0..top)?;
    style::house_mesh(
        c.configure_mesh()
            .disable_x_mesh()
            .x_labels(10)
            .y_labels(6)
            .x_desc("net PnL per trade (USDT)")
            .y_desc("trades")
            .x_label_formatter(&|v| format!("{v:.2}"))
            .y_label_formatter(&|v| format!("{v:.0}")),
    )
    .draw()?;
    for b in bins.iter().filter(|b| b.count > 0) {
        let (colour, pattern) = if b.lo >= 0.0 {
            (style::GAIN, Pattern::Solid)
        } else {
            (style::LOSS, Pattern::Diagonal)
        };
        let p = c.backend_coord(&(b.lo, 0.0));
        let q = c.backend_coord(&(b.hi, b.count as f64));
        style::patterned_rect(area, (p.0 + 1, p.1), (q.0 - 1, q.1), &colour, pattern)?;
    }
    c.draw_series(std::iter::once(PathElement::new(
        vec![(0.0, 0.0), (0.0, top)],
        style::INK.stroke_width(1),
    )))?;
    if let Some(m) = mean {
        c.draw_series(DashedLineSeries::new(
            [(m, 0.0), (m, top)],
            6,
            5,
            style::INK.stroke_width(2),
        ))?;
    }
    Ok(())
}
