//! `report.html`: one self-contained page (styles inline, charts as PNG data URIs, no script,
//! no external URL) that opens from disk, reads on a laptop screen and prints.
//! - this file: the page, its styles, the header with the SYNTHETIC banner, the summary and
//!   the chart figures. [`tables`]: the metrics, funnel, rejection-reason, per-symbol and trade
//!   tables. [`provenance`]: where the run came from. [`parity`]: the comparison with another
//!   run, when the folder holds one.
//!
//! Must never live here: computation (that is `analysis`/`metrics`) or drawing (`charts`).

pub mod parity;
pub mod provenance;
pub mod tables;

use std::fmt::Write as _;

use base64::Engine as _;

use crate::Derived;
use crate::charts::Chart;
use crate::run_folder::RunFolder;

/// The sections of the page, in order: (id, heading). Tests check each is present.
pub const SECTIONS: [(&str, &str); 12] = [
    ("summary", "Summary"),
    ("execution", "Execution model"),
    ("equity", "Equity and drawdown"),
    ("price", "Price, trades and blocked intents"),
    ("funnel", "Pipeline funnel"),
    ("rejections", "Rejection reasons"),
    ("monthly", "Monthly returns"),
    ("pnl", "Trade PnL distribution"),
    ("metrics", "Metrics"),
    ("symbols", "Per symbol"),
    ("trades", "Trades"),
    ("provenance", "Provenance"),
];

pub(crate) const CSS: &str = r#"
:root { --ink:#222; --muted:#666; --line:#d9d9d9; --bg:#fafafa; --warn:#fff3c4; --warnline:#b08800; }
* { box-sizing: border-box; }
body { margin:0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", "DejaVu Sans", Arial, sans-serif; color:var(--ink); background:#fff; }
main { max-width: 1240px; margin: 0 auto; padding: 0 20px 40px; }
header { max-width: 1240px; margin: 0 auto; padding: 18px 20px 4px; }
h1 { font-size: 24px; margin: 0 0 4px; }
h2 { font-size: 19px; margin: 34px 0 10px; padding-top: 6px; border-top: 2px solid var(--ink); }
p.sub, .note { color: var(--muted); margin: 4px 0 10px; }
nav { position: sticky; top: 0; z-index: 2; background: #fff; border-bottom: 1px solid var(--line); }
nav div { max-width: 1240px; margin: 0 auto; padding: 6px 20px; display: flex; flex-wrap: wrap; gap: 4px 14px; }
nav a { color: var(--ink); text-decoration: none; font-size: 14px; white-space: nowrap; }
nav a:hover { text-decoration: underline; }
.banner { border: 2px solid var(--warnline); background: var(--warn); padding: 10px 14px; margin: 12px 0; font-weight: 600; }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(150px, 1fr)); gap: 10px; margin: 12px 0; }
.card { border: 1px solid var(--line); background: var(--bg); padding: 8px 12px; }
.card b { display: block; font-size: 20px; font-variant-numeric: tabular-nums; }
.card span { color: var(--muted); font-size: 13px; }
ul.why { margin: 6px 0 0; padding-left: 20px; }
figure { margin: 10px 0 18px; }
figure img { display: block; width: 100%; height: auto; border: 1px solid var(--line); }
figcaption { color: var(--muted); font-size: 13px; margin-top: 4px; }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; margin: 8px 0; font-size: 14px; }
th, td { border-bottom: 1px solid var(--line); padding: 4px 10px; text-align: left; vertical-align: top; }
th { background: var(--bg); font-weight: 600; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.t { white-space: nowrap; font-variant-numeric: tabular-nums; }
table.compact th, table.compact td { padding: 4px 6px; }
tr.gap td { text-align: center; color: var(--muted); font-style: italic; background: var(--bg); }
code, pre { font-family: "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 13px; }
pre { background: var(--bg); border: 1px solid var(--line); padding: 10px; overflow-x: auto; }
.neg { color: #a11d1d; } .pos { color: #17692f; }
@media print {
  nav { display: none; }
  body { font-size: 11px; }
  main, header { max-width: none; padding: 0; }
  h2 { break-after: avoid; }
  figure, table, .banner, .cards { break-inside: avoid; }
  tr { break-inside: avoid; }
  .scroll { overflow: visible; }
  details > pre { white-space: pre-wrap; }
  a { color: inherit; text-decoration: none; }
}
"#;

/// `s` with HTML's special characters escaped.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// `v` as a signed percentage with two decimals.
pub fn pct(v: f64) -> String {
    format!("{:+.2}%", v * 100.0)
}

/// An optional number with two decimals, or a dash.
pub fn opt2(v: Option<f64>) -> String {
    v.map_or_else(|| "–".to_string(), |x| format!("{x:.2}"))
}

/// A decimal string rounded to two places for display (as written when it does not parse).
pub fn money(s: &str) -> String {
    s.parse::<f64>()
        .map_or_else(|_| s.to_string(), |v| format!("{v:.2}"))
}

/// `ms` as `3d 04h 05m`, `4h 05m`, `5m 07s` or `7s`.
pub fn duration(ms: f64) -> String {
    let s = (ms / 1000.0).round() as i64;
    let (d, h, m, sec) = (s / 86_400, s / 3600 % 24, s / 60 % 60, s % 60);
    if d > 0 {
        format!("{d}d {h:02}h {m:02}m")
    } else if h > 0 {
        format!("{h}h {m:02}m")
    } else if m > 0 {
        format!("{m}m {sec:02}s")
    } else {
        format!("{sec}s")
    }
}

fn heading(out: &mut String, id: &str) {
    section_heading(out, &SECTIONS, id);
}

/// Opens the section `id` of a page whose sections are `sections` (id, heading), with its
/// heading (the id itself if it is not listed).
pub(crate) fn section_heading(out: &mut String, sections: &[(&str, &str)], id: &str) {
    let title = sections
        .iter()
        .find(|(i, _)| *i == id)
        .map_or(id, |(_, t)| t);
    let _ = writeln!(out, "<section id=\"{id}\">\n<h2>{}</h2>", esc(title));
}

/// A two-column table of (name, value) rows, values as code (a page's provenance).
pub(crate) fn code_table(out: &mut String, rows: &[(String, String)]) {
    out.push_str("<table>\n");
    for (k, val) in rows {
        let _ = writeln!(
            out,
            "<tr><th>{}</th><td><code>{}</code></td></tr>",
            esc(k),
            esc(val)
        );
    }
    out.push_str("</table>\n");
}

/// A metric in a table cell: four decimals, or a dash when there is none.
pub(crate) fn metric_value(v: Option<f64>) -> String {
    v.map_or_else(|| "–".to_string(), |x| format!("{x:.4}"))
}

/// A chart as an inline PNG figure.
/// The banner of a page over synthetic data: `dataset` was generated, and `what_it_means` says
/// what the page's figures therefore do not show.
pub(crate) fn synthetic_banner(out: &mut String, dataset: &str, what_it_means: &str) {
    let _ = writeln!(
        out,
        "<div class=\"banner\" id=\"synthetic-banner\">SYNTHETIC DATA: dataset <code>{}</code> was generated, not recorded from a market. {what_it_means}</div>",
        esc(dataset)
    );
}

pub(crate) fn figure(out: &mut String, c: &Chart, caption: &str) {
    let data = base64::engine::general_purpose::STANDARD.encode(&c.png);
    let _ = writeln!(
        out,
        "<figure><img src=\"data:image/png;base64,{data}\" width=\"{}\" height=\"{}\" alt=\"{}\"><figcaption>{} (also <code>charts/{}</code>)</figcaption></figure>",
        c.width,
        c.height,
        esc(&c.alt),
        caption,
        esc(&c.file)
    );
}

/// The chart written to `file`, if it was drawn.
pub(crate) fn chart<'a>(charts: &'a [Chart], file: &str) -> Option<&'a Chart> {
    charts.iter().find(|c| c.file == file)
}

/// The whole page.
pub fn page(run: &RunFolder, d: &Derived, charts: &[Chart]) -> String {
    let s = &run.summary;
    let ds = &s.dataset;
    let mut out =
        String::with_capacity(charts.iter().map(|c| c.png.len() * 4 / 3).sum::<usize>() + 200_000);
    let title = format!(
        "sim report: {} · {} · {}",
        ds.name,
        s.strategy["name"].as_str().unwrap_or("strategy"),
        ds.symbols.join(", ")
    );
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{}</title>\n<style>{CSS}</style>\n</head>\n<body>\n",
        esc(&title)
    );
    out.push_str("<nav><div>");
    for (id, t) in SECTIONS {
        if id == "provenance" && run.parity.is_some() {
            let (pid, pt) = parity::SECTION;
            let _ = write!(out, "<a href=\"#{pid}\">{}</a>", esc(pt));
        }
        let _ = write!(out, "<a href=\"#{id}\">{}</a>", esc(t));
    }
    out.push_str("</div></nav>\n<header>\n");
    let _ = writeln!(out, "<h1>{}</h1>", esc(&title));
    let _ = writeln!(
        out,
        "<p class=\"sub\">{} {} bars of {}, {} to {} (UTC), against exchange info <code>{}</code>. Run fingerprint <code>{}</code>.</p>",
        ds.bars,
        esc(&ds.interval),
        esc(&ds.symbols.join(", ")),
        esc(&ds.first_bar),
        esc(&ds.last_bar),
        esc(&s.exchange_info),
        esc(s.fingerprint.run.get(..16).unwrap_or(&s.fingerprint.run))
    );
    if ds.synthetic {
        synthetic_banner(
            &mut out,
            &ds.name,
            "These results say nothing about real markets; they only show that the pipeline works.",
        );
    }
    out.push_str("</header>\n<main>\n");
    summary(&mut out, run, d);
    heading(&mut out, "execution");
    tables::execution_model(&mut out, &s.execution_model);
    out.push_str("</section>\n");
    heading(&mut out, "equity");
    if let Some(c) = chart(charts, "equity.png") {
        figure(
            &mut out,
            c,
            "Equity at every bar close and, under it, the drawdown from the running peak.",
        );
    }
    out.push_str("</section>\n");
    heading(&mut out, "price");
    let prices: Vec<&Chart> = charts
        .iter()
        .filter(|c| c.file.starts_with("price-"))
        .collect();
    if prices.is_empty() {
        out.push_str("<p class=\"note\">No <code>prices.csv</code> in the run folder (older runs lack it): run the backtest again to get the price chart.</p>\n");
    }
    for c in prices {
        figure(
            &mut out,
            c,
            "Markers sit at their price: triangles are entries (up = long, down = short), circles exits, diamonds take-profit and squares stop-loss hits, a large X a liquidation; the other shapes are intents the pipeline blocked, one shape per reason.",
        );
    }
    if d.omitted_symbols > 0 {
        let _ = writeln!(
            out,
            "<p class=\"note\">{} more symbols have no price chart here (the report draws the first {}).</p>",
            d.omitted_symbols,
            crate::MAX_PRICE_CHARTS
        );
    }
    out.push_str("</section>\n");
    heading(&mut out, "funnel");
    if let Some(c) = chart(charts, "funnel.png") {
        figure(
            &mut out,
            c,
            "Each stage's input; what passed on is dark, what was dropped is patterned by reason. ENTRY and EXIT are counted apart.",
        );
    }
    tables::funnel(&mut out, &s.funnel);
    out.push_str("</section>\n");
    heading(&mut out, "rejections");
    tables::reasons(&mut out, &d.reasons);
    out.push_str("</section>\n");
    heading(&mut out, "monthly");
    if let Some(c) = chart(charts, "monthly.png") {
        figure(&mut out, c, "Equity change per calendar month (UTC).");
    }
    out.push_str("</section>\n");
    heading(&mut out, "pnl");
    if let Some(c) = chart(charts, "pnl.png") {
        figure(
            &mut out,
            c,
            "How closed trades' net PnL is spread; the dashed line is the mean (the expectancy).",
        );
    }
    out.push_str("</section>\n");
    heading(&mut out, "metrics");
    tables::metrics(&mut out, run, d);
    out.push_str("</section>\n");
    heading(&mut out, "symbols");
    tables::symbols(&mut out, &d.per_symbol);
    out.push_str("</section>\n");
    heading(&mut out, "trades");
    tables::trades(&mut out, run, d);
    out.push_str("</section>\n");
    if let Some(p) = &run.parity {
        parity::section(&mut out, p);
    }
    heading(&mut out, "provenance");
    provenance::section(&mut out, run);
    out.push_str("</section>\n</main>\n</body>\n</html>\n");
    out
}

fn summary(out: &mut String, run: &RunFolder, d: &Derived) {
    let s = &run.summary;
    let m = &s.metrics;
    heading(out, "summary");
    out.push_str("<div class=\"cards\">\n");
    let cards = [
        (pct(m.total_return), "total return"),
        (pct(-m.max_drawdown), "max drawdown"),
        (opt2(m.sharpe), "Sharpe (annualised)"),
        (m.trades.to_string(), "closed trades"),
        (
            m.win_rate
                .map_or_else(|| "–".into(), |w| format!("{:.1}%", w * 100.0)),
            "win rate",
        ),
        (money(&s.account.equity), "final equity (USDT)"),
        (s.orders.to_string(), "orders accepted"),
        (s.funnel.total_drops().to_string(), "intents dropped"),
    ];
    for (v, label) in cards {
        let _ = writeln!(
            out,
            "<div class=\"card\"><b>{}</b><span>{}</span></div>",
            esc(&v),
            esc(label)
        );
    }
    out.push_str("</div>\n<p><b>The funnel in words</b> (as <code>sim explain</code> puts it):</p>\n<ul class=\"why\">\n");
    for line in &d.explain {
        let _ = writeln!(out, "<li>{}</li>", esc(line));
    }
    out.push_str("</ul>\n</section>\n");
}
