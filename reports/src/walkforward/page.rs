//! The walk-forward report's page: one self-contained HTML file (the run report's styles,
//! charts as PNG data URIs, no script, no external URL) with the summary, the stitched
//! out-of-sample equity curve, in-sample vs out-of-sample per window (chart and table), the
//! chosen parameters over time, the method (stitching, warm-up) and the provenance.
//! Must never live here: computing or drawing (`walkforward/mod.rs`, `walkforward/charts.rs`).

use std::fmt::Write as _;

use super::{WalkForwardView, WindowRow};
use crate::charts::Chart;
use crate::html::{
    CSS, chart, code_table, esc, figure, metric_value, pct, section_heading, synthetic_banner,
};

/// The sections of the page, in order: (id, heading). Tests check each is present.
pub const SECTIONS: [(&str, &str); 6] = [
    ("summary", "Summary"),
    ("oos-equity", "Out-of-sample equity"),
    ("windows", "In sample vs out of sample"),
    ("parameters", "Chosen parameters over time"),
    ("method", "Method"),
    ("provenance", "Provenance"),
];

fn heading(out: &mut String, id: &str) {
    section_heading(out, &SECTIONS, id);
}

/// A window boundary: the date alone at midnight, else date and minute (UTC).
fn minute(ms: i64) -> String {
    let text = pipeline::TimestampMs(ms).to_minute_string();
    match text.strip_suffix(" 00:00") {
        Some(date) => date.to_string(),
        None => text,
    }
}

/// The whole page.
pub fn page(v: &WalkForwardView, charts: &[Chart]) -> String {
    let mut out =
        String::with_capacity(charts.iter().map(|c| c.png.len() * 4 / 3).sum::<usize>() + 50_000);
    let title = format!(
        "sim walkforward: {} · {} over {}",
        v.dataset,
        v.metric,
        v.keys.join(", ")
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
    let tested = v.windows.iter().filter(|w| w.not_run.is_none()).count();
    let _ = writeln!(
        out,
        "<p class=\"sub\">{} windows ({}), {tested} tested. On each training window every point of the grid ran through the same simulation as <code>sim backtest</code>; the best by <code>{}</code> then ran on the test window after it.</p>",
        v.windows.len(),
        esc(&v.layout),
        esc(&v.metric)
    );
    if v.synthetic {
        synthetic_banner(
            &mut out,
            &v.dataset,
            "The out-of-sample result here says nothing about real markets.",
        );
    }
    out.push_str("</header>\n<main>\n");
    heading(&mut out, "summary");
    out.push_str("<div class=\"cards\">\n");
    for (k, val) in &v.summary {
        let _ = writeln!(
            out,
            "<div class=\"card\"><b>{}</b><span>{}</span></div>",
            esc(val),
            esc(k)
        );
    }
    out.push_str("</div>\n</section>\n");
    heading(&mut out, "oos-equity");
    if let Some(c) = chart(charts, "oos_equity.png") {
        figure(
            &mut out,
            c,
            "The test windows' equity joined in time order: only out-of-sample bars, each window continuing from the previous one's ending equity (see Method).",
        );
    }
    out.push_str("</section>\n");
    heading(&mut out, "windows");
    if let Some(c) = chart(charts, "in_vs_out.png") {
        figure(
            &mut out,
            c,
            "The winner's metric on its training window and on the test window after it.",
        );
    }
    window_table(&mut out, v);
    out.push_str("</section>\n");
    heading(&mut out, "parameters");
    match chart(charts, "parameters.png") {
        Some(c) => figure(&mut out, c, "Each step is one test window's winner; the table above lists every key."),
        None => out.push_str("<p class=\"note\">No swept key has numeric values; the table above lists the chosen ones.</p>\n"),
    }
    out.push_str("</section>\n");
    heading(&mut out, "method");
    out.push_str("<table>\n");
    for (k, val) in &v.method {
        let _ = writeln!(out, "<tr><th>{}</th><td>{}</td></tr>", esc(k), esc(val));
    }
    out.push_str("</table>\n</section>\n");
    heading(&mut out, "provenance");
    code_table(&mut out, &v.provenance);
    out.push_str("</section>\n</main>\n</body>\n</html>\n");
    out
}

fn window_table(out: &mut String, v: &WalkForwardView) {
    out.push_str("<div class=\"scroll\"><table>\n<tr><th class=\"n\">window</th><th>train (UTC)</th><th>test (UTC)</th>");
    for k in &v.keys {
        let _ = write!(out, "<th>{}</th>", esc(k));
    }
    let _ = writeln!(
        out,
        "<th class=\"n\">{m} in sample</th><th class=\"n\">{m} out of sample</th><th class=\"n\">return in sample</th><th class=\"n\">return out of sample</th><th class=\"n\">trades out of sample</th></tr>",
        m = esc(&v.metric)
    );
    for w in &v.windows {
        row(out, v, w);
    }
    if let Some(why) = &v.not_fitting {
        let _ = writeln!(
            out,
            "<tr class=\"gap\"><td colspan=\"{}\">not run: {}</td></tr>",
            8 + v.keys.len(),
            esc(why)
        );
    }
    out.push_str("</table></div>\n");
}

fn row(out: &mut String, v: &WalkForwardView, w: &WindowRow) {
    let _ = write!(
        out,
        "<tr><td class=\"n\">{}</td><td class=\"t\">{} → {}</td><td class=\"t\">{} → {}</td>",
        w.window,
        minute(w.train.0),
        minute(w.train.1),
        minute(w.test.0),
        minute(w.test.1)
    );
    if let Some(why) = &w.not_run {
        let _ = writeln!(
            out,
            "<td colspan=\"{}\"><i>not run: {}</i></td></tr>",
            v.keys.len() + 5,
            esc(why)
        );
        return;
    }
    for c in &w.chosen {
        let _ = write!(out, "<td>{}</td>", esc(c));
    }
    let signed = |x: Option<f64>| x.map_or_else(|| "–".to_string(), pct);
    let _ = writeln!(
        out,
        "<td class=\"n\">{}</td><td class=\"n\"><b>{}</b></td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
        metric_value(w.in_sample),
        metric_value(w.out_of_sample),
        signed(w.in_sample_return),
        signed(w.out_of_sample_return),
        w.out_of_sample_trades
            .map_or_else(|| "–".to_string(), |t| t.to_string())
    );
}
