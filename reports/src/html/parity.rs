//! The report's parity section (only when the run folder holds `parity.json`): the share of
//! identical decisions per stage, the fill errors, the PnL difference and the first divergence.
//! Must never live here: computing the comparison (that is `crate::parity`).

use std::fmt::Write as _;

use pipeline::TimestampMs;

use super::esc;
use crate::parity::Parity;

/// The section's id and title (not in [`super::SECTIONS`]: most runs have no comparison).
pub const SECTION: (&str, &str) = ("parity", "Parity with another run");

pub fn section(out: &mut String, p: &Parity) {
    let _ = writeln!(
        out,
        "<section id=\"{}\">\n<h2>{}</h2>\n<p>This run (<code>{}</code>) against <code>{}</code>, decision by decision: each stage's records are paired by bar time and symbol.</p>",
        SECTION.0,
        SECTION.1,
        esc(&p.b),
        esc(&p.a)
    );
    match &p.first_divergence {
        None => {
            out.push_str("<p><strong>No divergence: every decision is identical.</strong></p>\n")
        }
        Some(d) => {
            let _ = writeln!(
                out,
                "<p class=\"diverge\"><strong>First divergence</strong> at {} {} in stage <code>{}</code>, field <code>{}</code>: <code>{}</code> there, <code>{}</code> here ({} / {}).</p>",
                TimestampMs(d.time_ms),
                esc(&d.symbol),
                esc(&d.stage),
                esc(&d.field),
                esc(&d.a),
                esc(&d.b),
                esc(&d.a_source),
                esc(&d.b_source)
            );
        }
    }
    out.push_str("<table><tr><th>stage</th><th class=\"n\">other run</th><th class=\"n\">this run</th><th class=\"n\">identical</th><th class=\"n\">share</th></tr>\n");
    for st in &p.stages {
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{:.2}%</td></tr>",
            esc(&st.stage),
            st.a,
            st.b,
            st.identical,
            st.share() * 100.0
        );
    }
    out.push_str("</table>\n");
    let f = &p.fills;
    let _ = writeln!(
        out,
        "<p>Fills paired: {}; price error mean {:.2} bps, max {:.2} bps; time error max {} ms. Net PnL {:.4} there, {:.4} here (difference {:+.4} USDT).</p>\n</section>",
        f.paired,
        f.mean_abs_bps,
        f.max_abs_bps,
        f.max_abs_time_ms,
        p.pnl_a,
        p.pnl_b,
        p.pnl_b - p.pnl_a
    );
}
