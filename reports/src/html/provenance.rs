//! The provenance section: which data (real or synthetic), strategy, config, exchange info and
//! seed made the run, their sha256 fingerprints, the resolved config, and, kept apart because
//! it differs between identical runs, the wall-clock timing.
//! Must never live here: anything that changes with the time the report was made (the page is
//! the same for the same run folder).

use std::fmt::Write as _;

use super::esc;
use crate::run_folder::RunFolder;

/// Writes the provenance section's body.
pub fn section(out: &mut String, run: &RunFolder) {
    let s = &run.summary;
    let ds = &s.dataset;
    let fp = &s.fingerprint;
    let kind = if ds.synthetic {
        "<b>SYNTHETIC</b> (generated; not market data)".to_string()
    } else {
        esc(&ds.kind)
    };
    let strategy = serde_json::to_string(&s.strategy).unwrap_or_default();
    let rows: Vec<(&str, String)> = vec![
        ("dataset", format!("<code>{}</code>", esc(&ds.name))),
        ("data", kind),
        ("symbols", esc(&ds.symbols.join(", "))),
        ("interval", esc(&ds.interval)),
        (
            "bars",
            format!(
                "{} from {} to {} (open times, UTC)",
                ds.bars,
                esc(&ds.first_bar),
                esc(&ds.last_bar)
            ),
        ),
        ("strategy", format!("<code>{}</code>", esc(&strategy))),
        ("config", esc(&s.config_source)),
        (
            "exchange info",
            format!("<code>{}</code>", esc(&s.exchange_info)),
        ),
        ("seed", fp.seed.to_string()),
        (
            "data sha256",
            format!("<code>{}</code>", esc(&fp.data_sha256)),
        ),
        (
            "config sha256",
            format!("<code>{}</code>", esc(&fp.config_sha256)),
        ),
        (
            "exchange info sha256",
            format!("<code>{}</code>", esc(&fp.exchange_info_sha256)),
        ),
        (
            "trades sha256",
            format!("<code>{}</code>", esc(&fp.trades_sha256)),
        ),
        (
            "run fingerprint",
            format!(
                "<code>{}</code> (sha256 of the five above: equal for identical runs)",
                esc(&fp.run)
            ),
        ),
        (
            "run folder",
            format!("<code>{}</code>", esc(&run.dir.display().to_string())),
        ),
        (
            "report",
            format!(
                "written by <code>sim report</code> {} from the run folder's files only",
                env!("CARGO_PKG_VERSION")
            ),
        ),
    ];
    out.push_str("<div class=\"scroll\"><table>\n");
    for (k, v) in rows {
        let _ = writeln!(out, "<tr><th>{k}</th><td>{v}</td></tr>");
    }
    out.push_str("</table></div>\n");
    if let Some(w) = &s.wall_clock {
        let _ = writeln!(
            out,
            "<p class=\"note\">Wall clock (differs between identical runs, not part of the fingerprint): the backtest took {:.0} ms, {:.0} bars/s.</p>",
            w.elapsed_ms, w.bars_per_second
        );
    }
    if !run.config_toml.is_empty() {
        let _ = writeln!(
            out,
            "<details><summary>Resolved config (<code>config.toml</code>)</summary>\n<pre>{}</pre>\n</details>",
            esc(&run.config_toml)
        );
    }
}
