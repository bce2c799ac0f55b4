//! The compressed run folder against the JSON lines of older ones: `sim journal cat`, and
//! `sim report`, `sim explain` and `sim diff` on a run folder written before the compressed
//! format (`tests/fixtures/run-jsonl/`: one day of synthetic BTCUSDT, seed 7, `sma_cross`
//! 10/30 on mainnet filters, by the build just before it; its README says how to make it).

use std::path::PathBuf;

use crate::support::{Sandbox, repo, run_text};

/// The run folder of the JSON-lines format.
fn old_folder() -> PathBuf {
    repo().join("tests/fixtures/run-jsonl")
}

/// The fixture's run again with this build, into `new`.
fn same_run(sb: &Sandbox) {
    sb.sim(&[
        "data",
        "synth",
        "--symbols",
        "BTCUSDT",
        "--start",
        "2026-01-01",
        "--end",
        "2026-01-01",
        "--seed",
        "7",
        "--name",
        "day",
    ])
    .ok();
    sb.sim(&[
        "backtest",
        "--dataset",
        "day",
        "--no-report",
        "--set",
        "run.exchange_info=\"mainnet\"",
        "--out",
        "new",
    ])
    .ok();
}

fn cat(sb: &Sandbox, run: &str, args: &[&str]) -> String {
    let mut all = vec!["journal", "cat", run];
    all.extend(args);
    sb.sim(&all).ok().stdout
}

/// `sim journal cat --json` of the compressed folder prints today's `orders.jsonl` and
/// `results.jsonl` byte for byte (those of the same run written by the build before), and of
/// the old folder its own files.
#[test]
fn journal_cat_prints_the_json_lines_of_either_form() {
    let sb = Sandbox::new();
    same_run(&sb);
    assert!(sb.path("new/orders.journal.zst").is_file());
    assert!(!sb.path("new/orders.jsonl").exists());
    let old = old_folder();
    let old_arg = old.display().to_string();
    for (file, name) in [("orders", "orders.jsonl"), ("results", "results.jsonl")] {
        let want = std::fs::read_to_string(old.join(name)).expect("fixture");
        assert!(want.lines().count() > 20, "{name} has records");
        let new = cat(&sb, "new", &["--json", "--file", file]);
        assert!(
            new == want,
            "journal cat of the new folder differs from {name}"
        );
        assert_eq!(cat(&sb, &old_arg, &["--json", "--file", file]), want);
    }
    let both = std::fs::read_to_string(old.join("orders.jsonl")).expect("orders")
        + &std::fs::read_to_string(old.join("results.jsonl")).expect("results");
    assert!(cat(&sb, "new", &["--json"]) == both, "orders, then results");
}

/// `--stage` keeps a stage's records (a kind, or a stage's own kinds), `--symbol` a symbol's
/// (orders and answers by their plan's), and without `--json` each record is one line.
#[test]
fn journal_cat_selects_by_stage_and_symbol() {
    let sb = Sandbox::new();
    same_run(&sb);
    let orders = run_text(&sb.path("new"), "orders.jsonl");
    let count = |kind: &str| {
        orders
            .lines()
            .filter(|l| l.starts_with(&format!("{{\"kind\":\"{kind}\",")))
            .count()
    };
    let permits = cat(&sb, "new", &["--json", "--stage", "permit"]);
    assert!(count("permit") > 10);
    assert_eq!(permits.lines().count(), count("permit"));
    assert!(
        permits
            .lines()
            .all(|l| l.starts_with("{\"kind\":\"permit\","))
    );
    let executor = cat(
        &sb,
        "new",
        &["--json", "--stage", "executor", "--file", "orders"],
    );
    assert_eq!(
        executor.lines().count(),
        count("order") + count("venue_answer")
    );
    let btc = cat(&sb, "new", &["--json", "--symbol", "BTCUSDT"]);
    assert_eq!(
        btc,
        cat(&sb, "new", &["--json"]),
        "every record is BTCUSDT's"
    );
    assert_eq!(cat(&sb, "new", &["--symbol", "ETHUSDT"]), "");
    let readable = cat(&sb, "new", &["--stage", "signal"]);
    assert_eq!(readable.lines().count(), count("signal"));
    let first = readable.lines().next().expect("a signal");
    assert!(first.starts_with("2026-01-01T"), "{first}");
    assert!(
        first.contains("signal") && first.contains("BTCUSDT"),
        "{first}"
    );
    let bad = sb.sim(&["journal", "cat", "new", "--stage", "gouvernor"]);
    assert_ne!(bad.code, 0);
    assert!(
        bad.stderr.contains("unknown --stage \"gouvernor\""),
        "{}",
        bad.stderr
    );
    let none = sb.sim(&["journal", "cat", "nowhere"]);
    assert_ne!(none.code, 0);
    assert!(none.stderr.contains("has no journals"), "{}", none.stderr);
}

/// A folder of the JSON-lines format still reads: its report is written, its funnel
/// explained, and it compares equal, decision by decision, with the same run in the
/// compressed form.
#[test]
fn an_old_run_folder_still_reads_and_equals_the_same_run_compressed() {
    let sb = Sandbox::new();
    same_run(&sb);
    let old = old_folder().display().to_string();
    sb.sim(&["report", &old, "--out", "old-report"]).ok();
    let html = std::fs::read_to_string(sb.path("old-report/report.html")).expect("report");
    assert!(
        html.contains("Pipeline funnel"),
        "the report of the old folder"
    );
    let explained = sb.sim(&["explain", &old]).ok();
    assert!(
        explained.stdout.contains("ENTRY: 23 orders"),
        "{}",
        explained.stdout
    );
    assert_eq!(explained.stdout, sb.sim(&["explain", "new"]).ok().stdout);
    let diff = sb.sim(&["diff", &old, "new"]);
    assert_eq!(diff.code, 0, "{}\n{}", diff.stdout, diff.stderr);
    sb.sim(&["report", "new"]).ok();
    assert!(sb.path("new/report.html").is_file());
}
