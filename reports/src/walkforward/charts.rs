//! The walk-forward report's own charts: the chosen metric in sample and out of sample side by
//! side per window (windows that did not run hatched), and the chosen value of each numeric
//! swept key over time (one panel per key, a step per test window). The out-of-sample equity
//! curve is the run report's equity chart.
//! Must never live here: choosing windows or any metric arithmetic.

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::{WalkForwardView, WindowRow};
use crate::charts::style::{self, Area, DrawResult, Glyph, Pattern};
use crate::charts::{padded, time_axis};

pub const IN_VS_OUT_SIZE: (u32, u32) = (1400, 460);

/// The parameters chart's size: one 240-pixel-high panel per key.
pub fn parameters_size(keys: usize) -> (u32, u32) {
    (1400, 90 + 240 * keys.max(1) as u32)
}

/// The indexes of the swept keys whose chosen values are all numbers (a panel each).
pub fn numeric_keys(v: &WalkForwardView) -> Vec<usize> {
    (0..v.keys.len())
        .filter(|&k| {
            let mut any = false;
            let all = v.windows.iter().filter(|w| w.not_run.is_none()).all(|w| {
                any = true;
                w.chosen.get(k).is_some_and(|t| t.parse::<f64>().is_ok())
            });
            any && all
        })
        .collect()
}

fn short(v: f64) -> String {
    // Whole numbers (periods, counts) without decimals, so axis labels stay distinct.
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{v:.0}")
    } else if v.abs() >= 100.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.2}")
    }
}

pub fn in_vs_out(area: &Area<'_>, windows: &[WindowRow], metric: &str) -> DrawResult {
    area.fill(&WHITE)?;
    style::title(
        area,
        &format!("{metric}: in sample vs out of sample"),
        &format!(
            "Per window: the winner's {metric} on its training window and on the test window after it. Out of sample far below in sample: the optimum did not last."
        ),
    )?;
    if windows.is_empty() {
        return style::empty_note(area, "No windows");
    }
    let (w, _) = area.dim_in_pixel();
    let legend_y = style::legend(
        area,
        &[
            (
                Glyph::Fill(style::PASSED, Pattern::Solid),
                "in sample (training)".into(),
            ),
            (
                Glyph::Fill(style::SHORT, Pattern::Solid),
                "out of sample (test)".into(),
            ),
            (
                Glyph::Fill(style::BAND, Pattern::Diagonal),
                "not run".into(),
            ),
        ],
        (16, 58),
        w as i32 - 16,
    )?;
    let body = area.margin(legend_y as u32, 0, 0, 0);
    let values: Vec<f64> = windows
        .iter()
        .flat_map(|r| [r.in_sample, r.out_of_sample])
        .flatten()
        .chain([0.0])
        .collect();
    let lo = values.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let (lo, hi) = padded(lo, hi, 0.08);
    let n = windows.len() as f64;
    let labels: Vec<String> = windows.iter().map(|r| r.window.to_string()).collect();
    let mut c = ChartBuilder::on(&body)
        .margin_right(24)
        .margin_bottom(8)
        .x_label_area_size(52)
        .y_label_area_size(96)
        .build_cartesian_2d(-0.5..n - 0.5, lo..hi)?;
    let every = labels.len() / 30 + 1;
    style::house_mesh(
        c.configure_mesh()
            .disable_x_mesh()
            .x_labels(labels.len().min(40))
            .y_labels(6)
            .x_desc("window")
            .y_desc(metric)
            .x_label_formatter(&|x| {
                let i = x.round();
                if (x - i).abs() > 1e-6 || i < 0.0 || !(i as usize).is_multiple_of(every) {
                    return String::new();
                }
                labels.get(i as usize).cloned().unwrap_or_default()
            })
            .y_label_formatter(&|v| short(*v)),
    )
    .draw()?;
    c.draw_series(LineSeries::new(
        [(-0.5, 0.0), (n - 0.5, 0.0)],
        style::MUTED.stroke_width(1),
    ))?;
    for (i, r) in windows.iter().enumerate() {
        let x = i as f64;
        if r.not_run.is_some() {
            let p = c.backend_coord(&(x - 0.4, hi));
            let q = c.backend_coord(&(x + 0.4, lo));
            style::patterned_rect(area, p, q, &style::BAND, Pattern::Diagonal)?;
            continue;
        }
        for (value, dx, colour) in [
            (r.in_sample, -0.38, style::PASSED),
            (r.out_of_sample, 0.02, style::SHORT),
        ] {
            if let Some(v) = value {
                let p = c.backend_coord(&(x + dx, v.max(0.0)));
                let q = c.backend_coord(&(x + dx + 0.36, v.min(0.0)));
                area.draw(&Rectangle::new([p, q], colour.filled()))?;
            }
        }
    }
    Ok(())
}

pub fn parameters(area: &Area<'_>, v: &WalkForwardView, keys: &[usize]) -> DrawResult {
    area.fill(&WHITE)?;
    style::title(
        area,
        "Chosen parameters over time",
        "The winner's value of each swept key, held over its test window (UTC). Jumps between windows: the optimum moves with the market.",
    )?;
    let tested: Vec<&WindowRow> = v.windows.iter().filter(|w| w.not_run.is_none()).collect();
    let (Some(first), Some(last)) = (v.windows.first(), v.windows.last()) else {
        return style::empty_note(area, "No windows");
    };
    let (from, to) = (first.test.0, last.test.1.max(first.test.0 + 1));
    let span = to - from;
    let body = area.margin(70, 0, 0, 0);
    let panels = body.split_evenly((keys.len().max(1), 1));
    for (&k, panel) in keys.iter().zip(panels.iter()) {
        let steps: Vec<(i64, i64, f64)> = tested
            .iter()
            .filter_map(|w| Some((w.test.0, w.test.1, w.chosen.get(k)?.parse::<f64>().ok()?)))
            .collect();
        let lo = steps.iter().map(|s| s.2).fold(f64::INFINITY, f64::min);
        let hi = steps.iter().map(|s| s.2).fold(f64::NEG_INFINITY, f64::max);
        let (lo, hi) = if steps.is_empty() {
            (0.0, 1.0)
        } else if hi - lo < 1e-9 {
            // One value all along: a band of one unit around it, so its labels stay apart.
            (lo - 1.0, hi + 1.0)
        } else {
            padded(lo, hi, 0.15)
        };
        let ticks = time_axis::ticks(from, to, 8);
        let mut c = ChartBuilder::on(panel)
            .margin(10)
            .margin_right(56)
            .x_label_area_size(40)
            .y_label_area_size(86)
            .build_cartesian_2d((from..to).with_key_points(ticks), lo..hi)?;
        style::house_mesh(
            c.configure_mesh()
                .x_labels(8)
                .y_labels(5)
                .y_desc(v.keys[k].as_str())
                .x_label_formatter(&|t| time_axis::label(*t, span))
                .y_label_formatter(&|y| short(*y)),
        )
        .draw()?;
        for &(a, b, y) in &steps {
            c.draw_series(LineSeries::new(
                [(a, y), (b, y)],
                style::EQUITY.stroke_width(3),
            ))?;
            let p = c.backend_coord(&(a, y));
            area.draw_text(
                &short(y),
                &style::anchored(13, &style::INK, HPos::Left, VPos::Bottom),
                (p.0 + 2, p.1 - 3),
            )?;
        }
        let mut joins = Vec::new();
        for pair in steps.windows(2) {
            if pair[0].1 == pair[1].0 {
                joins.push(((pair[0].1, pair[0].2), (pair[1].0, pair[1].2)));
            }
        }
        for (a, b) in joins {
            c.draw_series(LineSeries::new(
                [a, b],
                style::EQUITY.mix(0.4).stroke_width(1),
            ))?;
        }
    }
    Ok(())
}
