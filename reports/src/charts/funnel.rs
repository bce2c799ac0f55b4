//! The funnel chart: for ENTRY (left) and EXIT (right), one bar per stage whose height is what
//! came in; the dark part passed on, the patterned parts on top were dropped, one pattern and
//! colour per reason; the last bar is the orders the venue filled. Both panels share a scale.
//! Must never live here: counting (the funnel in `summary.json` is the count).

use pipeline::funnel::Funnel;
use pipeline::stages::{EvalType, Stage};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::style::{self, Area, DrawResult, Glyph, Pattern};

pub const SIZE: (u32, u32) = (1400, 620);

/// One bar: a stage's in, out and drops by reason rank.
#[derive(Debug, Clone, PartialEq)]
struct StageBar {
    label: &'static str,
    input: u64,
    output: u64,
    drops: Vec<(usize, u64)>,
}

fn bars(f: &Funnel, eval: EvalType, reasons: &[String]) -> Vec<StageBar> {
    let rank = |code: &str| reasons.iter().position(|r| r == code).unwrap_or(0);
    let mut out: Vec<StageBar> = Stage::ALL
        .iter()
        .map(|s| {
            let c = f.counts(*s, eval);
            let mut drops: Vec<(usize, u64)> = c
                .dropped
                .iter()
                .map(|(r, n)| (rank(r.as_str()), *n))
                .collect();
            drops.sort_unstable();
            StageBar {
                label: s.as_str(),
                input: c.input,
                output: c.output,
                drops,
            }
        })
        .collect();
    let filled = *f.venue.orders_filled.get(eval);
    out.push(StageBar {
        label: "venue fills",
        input: filled,
        output: filled,
        drops: Vec::new(),
    });
    out
}

/// Draws the funnel `f`; `reasons` are the drop reason codes by rank (most frequent first).
pub fn draw(area: &Area<'_>, f: &Funnel, reasons: &[String]) -> DrawResult {
    area.fill(&WHITE)?;
    style::title(
        area,
        "Pipeline funnel: where every signal went",
        "Bar height = what came into the stage; dark = passed on; patterned = dropped, by reason. Last bar: orders the venue filled.",
    )?;
    let (w, _) = area.dim_in_pixel();
    let mut items = vec![(
        Glyph::Fill(style::PASSED, Pattern::Solid),
        "passed on".to_string(),
    )];
    for (rank, code) in reasons.iter().enumerate() {
        let (colour, pattern, _) = style::reason_style(rank);
        let n: u64 = EvalType::BOTH
            .iter()
            .flat_map(|e| Stage::ALL.iter().map(move |s| (s, e)))
            .filter_map(|(s, e)| {
                f.counts(*s, *e)
                    .dropped
                    .iter()
                    .find(|(r, _)| r.as_str() == code)
                    .map(|(_, n)| *n)
            })
            .sum();
        items.push((
            Glyph::Fill(colour, pattern),
            format!("dropped: {code} ({n})"),
        ));
    }
    let legend_y = style::legend(area, &items, (16, 58), w as i32 - 16)?;
    let body = area.margin(legend_y as u32, 0, 0, 0);
    let panels = body.split_evenly((1, 2));
    let all: Vec<(EvalType, Vec<StageBar>)> = EvalType::BOTH
        .iter()
        .map(|e| (*e, bars(f, *e, reasons)))
        .collect();
    let max = all
        .iter()
        .flat_map(|(_, b)| b.iter().map(|x| x.input))
        .max()
        .unwrap_or(0)
        .max(1) as f64;
    for ((eval, stage_bars), panel) in all.iter().zip(&panels) {
        draw_panel(area, panel, *eval, stage_bars, max)?;
    }
    Ok(())
}

fn draw_panel(
    root: &Area<'_>,
    panel: &Area<'_>,
    eval: EvalType,
    bars: &[StageBar],
    max: f64,
) -> DrawResult {
    let n = bars.len() as f64;
    // Signals enter at the trader, recorded intents at the bridge.
    let entered = match bars {
        [t, b, ..] => (t.input + b.input).saturating_sub(t.output),
        _ => 0,
    };
    let mut c = ChartBuilder::on(panel)
        .caption(
            format!(
                "{eval}: {entered} in, {} filled",
                bars.last().map_or(0, |b| b.output)
            ),
            style::text(18, &style::INK),
        )
        .margin(12)
        .x_label_area_size(34)
        .y_label_area_size(80)
        .build_cartesian_2d(-0.5..n - 0.5, 0.0..max * 1.22)?;
    style::house_mesh(
        c.configure_mesh()
            .disable_x_mesh()
            .x_labels(0)
            .y_labels(6)
            .y_desc("count")
            .y_label_formatter(&|v| format!("{v:.0}")),
    )
    .draw()?;
    let small = style::anchored(13, &style::INK, HPos::Center, VPos::Bottom);
    for (i, b) in bars.iter().enumerate() {
        let x = i as f64;
        let (l, r) = (x - 0.32, x + 0.32);
        let px = |v: f64, y: f64| c.backend_coord(&(v, y));
        let label_at = px(x, 0.0);
        root.draw_text(
            b.label,
            &style::anchored(14, &style::INK, HPos::Center, VPos::Top),
            (label_at.0, label_at.1 + 8),
        )?;
        if b.output > 0 {
            style::patterned_rect(
                root,
                px(l, 0.0),
                px(r, b.output as f64),
                &style::PASSED,
                Pattern::Solid,
            )?;
        }
        let mut y = b.output as f64;
        for (rank, count) in &b.drops {
            let (colour, pattern, _) = style::reason_style(*rank);
            style::patterned_rect(root, px(l, y), px(r, y + *count as f64), &colour, pattern)?;
            y += *count as f64;
        }
        let top = px(x, b.input as f64);
        if b.input == b.output {
            root.draw_text(&b.input.to_string(), &small, (top.0, top.1 - 4))?;
        } else {
            root.draw_text(&format!("out {}", b.output), &small, (top.0, top.1 - 4))?;
            root.draw_text(&format!("in {}", b.input), &small, (top.0, top.1 - 21))?;
        }
    }
    if bars.iter().all(|b| b.input == 0) {
        let mid = c.backend_coord(&((n - 1.0) / 2.0, max * 0.5));
        root.draw_text(
            &format!("nothing came in classified {eval}"),
            &style::anchored(17, &style::MUTED, HPos::Center, VPos::Center),
            mid,
        )?;
    }
    Ok(())
}
