//! `sim diff A B`: two run folders compared decision by decision; the first divergence is
//! named at the right bar, stage and field.

use crate::support::{Sandbox, run_text};

/// A week of synthetic 1m bars, backtested three ways: as is, again, and with 2 bps slippage
/// (a different fill model), and with a larger position (a different sizing decision).
fn runs(sb: &Sandbox) {
    sb.synth("BTCUSDT", "2026-01-01", "2026-01-07", "week");
    let base = ["backtest", "--dataset", "week", "--no-report", "--out"];
    sb.sim(&[&base[..], &["a"]].concat()).ok();
    sb.sim(&[&base[..], &["again"]].concat()).ok();
    let slip = [
        "b",
        "--set",
        "exchange.slippage.model=\"fixed_bps\"",
        "--set",
        "exchange.slippage.bps=\"2\"",
    ];
    sb.sim(&[&base[..], &slip[..]].concat()).ok();
    let bigger = ["c", "--set", "trader.position_usd=\"400\""];
    sb.sim(&[&base[..], &bigger[..]].concat()).ok();
}

/// The first data row of `file` in run folder `dir`, split on commas.
fn first_row(sb: &Sandbox, dir: &str, file: &str) -> Vec<String> {
    let text = run_text(&sb.path(dir), file);
    let line = text.lines().nth(1).expect("a data row").to_string();
    line.split(',').map(str::to_string).collect()
}

#[test]
fn diff_names_the_first_divergence_by_stage_and_bar() {
    let sb = Sandbox::new();
    runs(&sb);

    let same = sb.sim(&["diff", "a", "again", "--json", "same.json"]);
    assert_eq!(same.code, 0, "{}{}", same.stdout, same.stderr);
    assert!(same.stdout.contains("no divergence"), "{}", same.stdout);
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(sb.path("same.json")).expect("json"))
            .expect("valid json");
    for st in json["stages"].as_array().expect("stages") {
        assert_eq!(st["a"], st["identical"], "{st}");
    }

    // Slippage changes fills only: every decision up to the venue's answer is identical, and
    // the first fill is the first divergence, at its time, with both prices.
    let slip = sb.sim(&["diff", "a", "b"]);
    assert_eq!(slip.code, 1, "{}{}", slip.stdout, slip.stderr);
    for stage in ["signal", "trader", "bridge", "permit", "order", "result"] {
        let line = slip
            .stdout
            .lines()
            .find(|l| l.trim_start().starts_with(stage))
            .unwrap_or_else(|| panic!("no line for {stage}: {}", slip.stdout));
        assert!(line.ends_with("100.00%"), "{line}");
    }
    let (fa, fb) = (
        first_row(&sb, "a", "fills.csv"),
        first_row(&sb, "b", "fills.csv"),
    );
    assert_ne!(fa[4], fb[4], "slippage moved the first fill's price");
    let expected = format!(
        "first divergence at {} BTCUSDT in stage `fill`, field `price`: {} vs {}",
        fa[0], fa[4], fb[4]
    );
    assert!(
        slip.stdout.contains(&expected),
        "{expected}\n{}",
        slip.stdout
    );
    assert!(slip.stdout.contains("price error mean"), "{}", slip.stdout);

    // A larger position: the trader's intent is the first thing that differs, at the first
    // signal's bar.
    let sized = sb.sim(&["diff", "a", "c"]);
    assert_eq!(sized.code, 1);
    let signal = run_text(&sb.path("a"), "orders.jsonl");
    let first: serde_json::Value =
        serde_json::from_str(signal.lines().next().expect("a record")).expect("json");
    let at = first["time"].as_i64().expect("time");
    let expected = format!(
        "first divergence at {} BTCUSDT in stage `trader`, field `position_usd`: 300 vs 400",
        pipeline::TimestampMs(at)
    );
    assert!(
        sized.stdout.contains(&expected),
        "{expected}\n{}",
        sized.stdout
    );

    // Saved into b as parity.json, the comparison becomes a section of b's report.
    sb.sim(&["diff", "a", "b", "--json", "b/parity.json"]);
    sb.sim(&["report", "b"]).ok();
    let html = std::fs::read_to_string(sb.path("b/report.html")).expect("report");
    let section = &html[html
        .find("<section id=\"parity\">")
        .expect("parity section")..];
    assert!(section.contains("First divergence"), "{section}");
    assert!(
        section.contains(&format!("at {} BTCUSDT", fa[0])),
        "{section}"
    );
    assert!(html.contains("href=\"#parity\""), "the nav links it");
    sb.sim(&["report", "a"]).ok();
    let plain = std::fs::read_to_string(sb.path("a/report.html")).expect("report");
    assert!(
        !plain.contains("id=\"parity\""),
        "no comparison, no section"
    );

    let missing = sb.sim(&["diff", "a", "nowhere"]);
    assert_ne!(missing.code, 0);
    assert!(
        missing.stderr.contains("nowhere/orders.jsonl"),
        "{}",
        missing.stderr
    );
}
