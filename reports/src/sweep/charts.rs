//! The sweep report's charts: the heatmap of the metric over two swept parameters (a cell per
//! pair, its value written in it, the best cell outlined, cells that did not run hatched), the
//! metric's histogram over all points with the best marked, and one small panel per parameter
//! showing the metric along it with the others held at the best point.
//! Must never live here: the grid or stability arithmetic (`sweep/mod.rs`).

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::{Grid, Stability};
use crate::analysis::Bin;
use crate::charts::padded;
use crate::charts::style::{self, Area, DrawResult, Glyph, Pattern};

pub const DISTRIBUTION_SIZE: (u32, u32) = (1400, 420);

/// The heatmap's size: cells of at most 90 x 44 pixels, the whole between 700 and 1400 wide.
pub fn heatmap_size(g: &Grid) -> (u32, u32) {
    let w = (200 + 90 * g.x_levels.len() as u32).clamp(700, 1400);
    let h = (190 + 44 * g.y_levels.len() as u32).clamp(320, 1400);
    (w, h)
}

/// The stability chart's size: one 440-pixel-wide panel per parameter, three per row.
pub fn stability_size(panels: usize) -> (u32, u32) {
    let rows = panels.div_ceil(3).max(1) as u32;
    (1400, 90 + 330 * rows)
}

/// A colour from pale (worst) to deep blue (best) for `t` in 0..=1.
fn shade(t: f64) -> RGBColor {
    let t = t.clamp(0.0, 1.0);
    let mix = |a: f64, b: f64| (a + (b - a) * t).round() as u8;
    RGBColor(mix(247.0, 8.0), mix(251.0, 48.0), mix(255.0, 107.0))
}

/// Short text of a metric value.
fn short(v: f64) -> String {
    if v.abs() >= 1000.0 {
        format!("{v:.0}")
    } else if v.abs() >= 10.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.3}")
    }
}

pub fn heatmap(area: &Area<'_>, g: &Grid, metric: &str, lower_better: bool) -> DrawResult {
    area.fill(&WHITE)?;
    let sub = if g.best_over_others {
        format!(
            "{metric} for each pair of {} and {}; with more parameters swept, each cell shows the best over the others. Darker is better.",
            g.x_key, g.y_key
        )
    } else {
        format!(
            "{metric} for each pair of {} and {}. Darker is better.",
            g.x_key, g.y_key
        )
    };
    style::title(area, &format!("{metric} heatmap"), &sub)?;
    let values: Vec<f64> = g.cells.iter().flatten().flatten().copied().collect();
    let lo = values.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let goodness = |v: f64| {
        let t = if hi > lo { (v - lo) / (hi - lo) } else { 1.0 };
        if lower_better { 1.0 - t } else { t }
    };
    let best = values
        .iter()
        .copied()
        .reduce(|a, b| if goodness(b) > goodness(a) { b } else { a });
    let (w, h) = area.dim_in_pixel();
    let (left, top, right, bottom) = (150i32, 80i32, w as i32 - 30, h as i32 - 80);
    let (nx, ny) = (g.x_levels.len() as i32, g.y_levels.len() as i32);
    let cw = (right - left) / nx.max(1);
    let ch = (bottom - top) / ny.max(1);
    for (yi, row) in g.cells.iter().enumerate() {
        // The first y level at the bottom, as on a chart's axis.
        let y0 = bottom - (yi as i32 + 1) * ch;
        for (xi, cell) in row.iter().enumerate() {
            let x0 = left + xi as i32 * cw;
            let (a, b) = ((x0 + 1, y0 + 1), (x0 + cw - 1, y0 + ch - 1));
            match cell {
                Some(v) => {
                    let t = goodness(*v);
                    area.draw(&Rectangle::new([a, b], shade(t).filled()))?;
                    let ink = if t > 0.55 { WHITE } else { style::INK };
                    area.draw_text(
                        &short(*v),
                        &style::anchored(14, &ink, HPos::Center, VPos::Center),
                        (x0 + cw / 2, y0 + ch / 2),
                    )?;
                    if Some(*v) == best {
                        area.draw(&Rectangle::new([a, b], style::SHORT.stroke_width(3)))?;
                    }
                }
                None => style::patterned_rect(area, a, b, &style::BAND, Pattern::Diagonal)?,
            }
        }
    }
    let label = style::anchored(14, &style::INK, HPos::Center, VPos::Top);
    for (xi, l) in g.x_levels.iter().enumerate() {
        area.draw_text(l, &label, (left + xi as i32 * cw + cw / 2, bottom + 6))?;
    }
    let ylabel = style::anchored(14, &style::INK, HPos::Right, VPos::Center);
    for (yi, l) in g.y_levels.iter().enumerate() {
        area.draw_text(l, &ylabel, (left - 8, bottom - yi as i32 * ch - ch / 2))?;
    }
    area.draw_text(
        &g.x_key,
        &style::anchored(15, &style::INK, HPos::Center, VPos::Top),
        ((left + right) / 2, bottom + 30),
    )?;
    area.draw_text(
        &g.y_key,
        &style::anchored(15, &style::INK, HPos::Left, VPos::Bottom),
        (16, top - 6),
    )?;
    style::legend(
        area,
        &[
            (
                Glyph::Fill(style::BAND, Pattern::Diagonal),
                "no run (skipped)".into(),
            ),
            (Glyph::Line(style::SHORT), "best cell".into()),
        ],
        (left, h as i32 - 30),
        w as i32 - 16,
    )?;
    Ok(())
}

pub fn distribution(area: &Area<'_>, bins: &[Bin], metric: &str, best: Option<f64>) -> DrawResult {
    area.fill(&WHITE)?;
    let total: u64 = bins.iter().map(|b| b.count).sum();
    style::title(
        area,
        &format!("Distribution of {metric}"),
        &format!("{metric} of every point that ran and has a value; {total} points."),
    )?;
    if total == 0 {
        return style::empty_note(area, "No point has a value of this metric");
    }
    let (w, _) = area.dim_in_pixel();
    let mut items = vec![(Glyph::Fill(style::EQUITY, Pattern::Solid), "points".into())];
    if let Some(b) = best {
        items.push((Glyph::Dashed(style::SHORT), format!("best {}", short(b))));
    }
    let legend_y = style::legend(area, &items, (16, 58), w as i32 - 16)?;
    let body = area.margin(legend_y as u32, 0, 0, 0);
    let x0 = bins.first().map_or(0.0, |b| b.lo);
    let x1 = bins.last().map_or(1.0, |b| b.hi);
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
            .x_desc(metric)
            .y_desc("points")
            .x_label_formatter(&|v| short(*v))
            .y_label_formatter(&|v| format!("{v:.0}")),
    )
    .draw()?;
    for b in bins.iter().filter(|b| b.count > 0) {
        let p = c.backend_coord(&(b.lo, 0.0));
        let q = c.backend_coord(&(b.hi, b.count as f64));
        style::patterned_rect(
            area,
            (p.0 + 1, p.1),
            (q.0 - 1, q.1),
            &style::EQUITY,
            Pattern::Solid,
        )?;
    }
    if let Some(b) = best {
        c.draw_series(DashedLineSeries::new(
            [(b, 0.0), (b, top)],
            6,
            5,
            style::SHORT.stroke_width(2),
        ))?;
    }
    Ok(())
}

pub fn stability(area: &Area<'_>, lines: &[Stability], metric: &str) -> DrawResult {
    area.fill(&WHITE)?;
    style::title(
        area,
        "Parameter stability",
        &format!(
            "{metric} along each parameter with the others at the best point's values; the best value is marked. A flat line is a robust optimum, a spike a lucky one."
        ),
    )?;
    let body = area.margin(70, 0, 0, 0);
    let rows = lines.len().div_ceil(3).max(1);
    let panels = body.split_evenly((rows, 3));
    for (s, panel) in lines.iter().zip(panels.iter()) {
        let vals: Vec<f64> = s.line.iter().filter_map(|(_, v)| *v).collect();
        let lo = vals.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = vals.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let (lo, hi) = if vals.is_empty() {
            (0.0, 1.0)
        } else {
            padded(lo, hi, 0.15)
        };
        let n = s.line.len() as f64;
        let labels: Vec<String> = s.line.iter().map(|(l, _)| l.clone()).collect();
        let mut c = ChartBuilder::on(panel)
            .caption(&s.key, style::text(16, &style::INK))
            .margin(10)
            .x_label_area_size(36)
            .y_label_area_size(70)
            .build_cartesian_2d(-0.5..n - 0.5, lo..hi)?;
        let every = labels.len() / 8 + 1;
        style::house_mesh(
            c.configure_mesh()
                .disable_x_mesh()
                .x_labels(labels.len().min(12))
                .y_labels(5)
                .x_label_formatter(&|x| {
                    let i = x.round();
                    if (x - i).abs() > 1e-6 || i < 0.0 {
                        return String::new();
                    }
                    let i = i as usize;
                    if i.is_multiple_of(every) {
                        labels.get(i).cloned().unwrap_or_default()
                    } else {
                        String::new()
                    }
                })
                .y_label_formatter(&|v| short(*v)),
        )
        .draw()?;
        let points: Vec<(f64, f64)> = s
            .line
            .iter()
            .enumerate()
            .filter_map(|(i, (_, v))| v.map(|v| (i as f64, v)))
            .collect();
        c.draw_series(LineSeries::new(
            points.clone(),
            style::EQUITY.stroke_width(2),
        ))?;
        c.draw_series(
            points
                .iter()
                .map(|p| Circle::new(*p, 3, style::EQUITY.filled())),
        )?;
        if let Some(i) = s.line.iter().position(|(l, _)| *l == s.best_level)
            && let Some(v) = s.line[i].1
        {
            c.draw_series(std::iter::once(Circle::new(
                (i as f64, v),
                7,
                style::SHORT.stroke_width(3),
            )))?;
        }
    }
    Ok(())
}
