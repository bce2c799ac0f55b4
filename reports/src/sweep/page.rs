//! The sweep report's page: one self-contained HTML file (the run report's styles, charts as
//! PNG data URIs, no script, no external URL) with the top points, the heatmap, the
//! distribution, the stability around the best point, the overfitting statistics, the skipped
//! points and the provenance.
//! Must never live here: computing or drawing (`sweep/mod.rs`, `sweep/charts.rs`).

use std::fmt::Write as _;

use super::{Grid, Stability, SweepView, TOP};
use crate::charts::Chart;
use crate::html::{CSS, code_table, esc, figure, metric_value, section_heading, synthetic_banner};

/// The sections of the page, in order: (id, heading). Tests check each is present.
pub const SECTIONS: [(&str, &str); 7] = [
    ("top", "Best points"),
    ("heatmap", "Heatmap"),
    ("distribution", "Distribution"),
    ("stability", "Parameter stability"),
    ("overfitting", "Overfitting"),
    ("skipped", "Skipped points"),
    ("provenance", "Provenance"),
];

fn heading(out: &mut String, id: &str) {
    section_heading(out, &SECTIONS, id);
}

/// The whole page.
pub fn page(v: &SweepView, grid: Option<&Grid>, stab: &[Stability], charts: &[Chart]) -> String {
    let mut out =
        String::with_capacity(charts.iter().map(|c| c.png.len() * 4 / 3).sum::<usize>() + 50_000);
    let keys: Vec<&str> = v.params.iter().map(|p| p.key.as_str()).collect();
    let title = format!(
        "sim sweep: {} · {} over {}",
        v.dataset,
        v.metric,
        keys.join(", ")
    );
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{}</title>\n<style>{CSS}</style>\n</head>\n<body>\n<nav><div>",
        esc(&title)
    );
    for (id, t) in SECTIONS {
        let _ = write!(out, "<a href=\"#{id}\">{}</a>", esc(t));
    }
    out.push_str("</div></nav>\n<header>\n");
    let _ = writeln!(out, "<h1>{}</h1>", esc(&title));
    let _ = writeln!(
        out,
        "<p class=\"sub\">{} points ran, {} skipped; ranked by <code>{}</code> ({} is better). Each point ran through the same simulation as <code>sim backtest</code>.</p>",
        v.values.len(),
        v.skipped.len(),
        esc(&v.metric),
        if v.lower_better { "lower" } else { "higher" }
    );
    if v.synthetic {
        synthetic_banner(
            &mut out,
            &v.dataset,
            "The best point here says nothing about real markets.",
        );
    }
    out.push_str("</header>\n<main>\n");
    top_table(&mut out, v);
    heading(&mut out, "heatmap");
    match (grid, charts.iter().find(|c| c.file == "heatmap.png")) {
        (Some(_), Some(c)) => figure(&mut out, c, "Each cell is one pair of values; hatched cells did not run (see the skipped points)."),
        _ => out.push_str("<p class=\"note\">A heatmap needs two swept parameters with more than one value each.</p>\n"),
    }
    out.push_str("</section>\n");
    heading(&mut out, "distribution");
    if let Some(c) = charts.iter().find(|c| c.file == "distribution.png") {
        figure(
            &mut out,
            c,
            "How the metric is spread over all points: a best point far out in a thin tail is more likely luck than a best point in a broad plateau.",
        );
    }
    out.push_str("</section>\n");
    heading(&mut out, "stability");
    stability(&mut out, stab, charts);
    out.push_str("</section>\n");
    overfitting(&mut out, v);
    skipped(&mut out, v);
    heading(&mut out, "provenance");
    code_table(&mut out, &v.provenance);
    out.push_str("</section>\n</main>\n</body>\n</html>\n");
    out
}

/// The overfitting statistics, as the sweep worded them, with how each is computed.
fn overfitting(out: &mut String, v: &SweepView) {
    heading(out, "overfitting");
    out.push_str("<table>\n");
    for (k, val) in &v.overfitting {
        let _ = writeln!(out, "<tr><th>{}</th><td>{}</td></tr>", esc(k), esc(val));
    }
    out.push_str(
        "</table>\n<p class=\"note\">Both from each point's daily returns. The deflated Sharpe ratio \
         (Bailey and López de Prado, 2014) is the probability that the best point's true Sharpe \
         ratio beats the one the best of all the points tried would reach by luck, given the \
         spread of their Sharpe ratios and the skewness and kurtosis of its returns: \
         DSR = Φ((SR − SR0)·√(T−1) / √(1 − γ3·SR + (γ4−1)/4·SR²)), \
         SR0 = √V·((1−γ)·Φ⁻¹(1−1/N) + γ·Φ⁻¹(1−1/(N·e))). The probability of backtest \
         overfitting (Bailey, Borwein, López de Prado and Zhu, 2015) cuts the days into S \
         blocks, takes every half of them as in-sample, and counts how often the in-sample best \
         point ranks at or below the median of the other half. High PBO or a low deflated \
         Sharpe ratio: the best point is more likely luck than skill.</p>\n</section>\n",
    );
}

fn top_table(out: &mut String, v: &SweepView) {
    heading(out, "top");
    let ranked = v.ranked();
    let shown = ranked.len().min(TOP);
    let _ = writeln!(
        out,
        "<p class=\"note\">The {shown} best of {} points (all of them are in <code>results.csv</code> and <code>results.parquet</code>).</p>\n<div class=\"scroll\"><table>\n<tr><th class=\"n\">rank</th><th class=\"n\">point</th>",
        ranked.len()
    );
    for p in &v.params {
        let _ = write!(out, "<th>{}</th>", esc(&p.key));
    }
    let _ = write!(out, "<th class=\"n\">{}</th>", esc(&v.metric));
    for (name, _) in &v.columns {
        let _ = write!(out, "<th class=\"n\">{}</th>", esc(name));
    }
    out.push_str("</tr>\n");
    for (rank, &r) in ranked.iter().take(TOP).enumerate() {
        let _ = write!(
            out,
            "<tr><td class=\"n\">{}</td><td class=\"n\">{}</td>",
            rank + 1,
            v.points[r]
        );
        for p in &v.params {
            let _ = write!(out, "<td>{}</td>", esc(&p.text[r]));
        }
        let _ = write!(
            out,
            "<td class=\"n\"><b>{}</b></td>",
            metric_value(v.values[r])
        );
        for (_, col) in &v.columns {
            let _ = write!(out, "<td class=\"n\">{}</td>", esc(&col[r]));
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</table></div>\n</section>\n");
}

fn stability(out: &mut String, stab: &[Stability], charts: &[Chart]) {
    if stab.is_empty() {
        out.push_str("<p class=\"note\">No point has a value of the metric, or no parameter has more than one value.</p>\n");
        return;
    }
    if let Some(c) = charts.iter().find(|c| c.file == "stability.png") {
        figure(
            out,
            c,
            "Each panel moves one parameter and holds the others at the best point's values; the ringed point is the best.",
        );
    }
    out.push_str("<div class=\"scroll\"><table>\n<tr><th>parameter</th><th>value: metric (the best point's value in bold)</th></tr>\n");
    for s in stab {
        let cells: Vec<String> = s
            .line
            .iter()
            .map(|(l, v)| {
                let text = format!("{}: {}", esc(l), metric_value(*v));
                if *l == s.best_level {
                    format!("<b>{text}</b>")
                } else {
                    text
                }
            })
            .collect();
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td>{}</td></tr>",
            esc(&s.key),
            cells.join(" · ")
        );
    }
    out.push_str("</table></div>\n");
}

fn skipped(out: &mut String, v: &SweepView) {
    heading(out, "skipped");
    if v.skipped.is_empty() {
        out.push_str("<p class=\"note\">Every point of the plan ran.</p>\n</section>\n");
        return;
    }
    let _ = writeln!(
        out,
        "<p class=\"note\">{} points were not run because the run config or the preflight check refuses them (as <code>sim backtest</code> would):</p>\n<div class=\"scroll\"><table>\n<tr><th>point</th><th>reason</th></tr>",
        v.skipped.len()
    );
    for (set, reason) in &v.skipped {
        let _ = writeln!(
            out,
            "<tr><td><code>{}</code></td><td>{}</td></tr>",
            esc(set),
            esc(reason)
        );
    }
    out.push_str("</table></div>\n</section>\n");
}
