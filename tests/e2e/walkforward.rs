//! `sim walkforward` on a dataset these tests write themselves (8.5 days of 1m BTCUSDT bars
//! from a fixed formula), so every window boundary is known by hand: the windows, each
//! window's winner against `sim sweep` on that training window alone, each test window
//! (without warm-up) against `sim backtest` on that slice with the carried-over balance, the
//! warm-up, `--jobs 1` == `--jobs 2`, errors that name the flag, and the shipped real 1m data.

use std::collections::BTreeMap;

use crate::support::{Sandbox, read_json, repo};

/// 2026-03-01 00:00 UTC.
const START: i64 = 1_772_323_200_000;
const MINUTE: i64 = 60_000;
const DAY: i64 = 86_400_000;
/// 8.5 days of bars: five 3-day/1-day windows fit, a sixth is 12 hours short.
const BARS: i64 = 8 * 1440 + 720;

const GRID: [&str; 4] = [
    "--grid",
    "strategy.fast=5,10",
    "--grid",
    "strategy.slow=30,60",
];

/// The test data: one CSV row per minute from [`START`] (a slow wave, a fast wave and
/// pseudo-random noise from a fixed linear congruential generator), generic OHLCV layout.
fn bars() -> Vec<(i64, String)> {
    let mut seed: u64 = 7;
    let mut noise = || {
        seed = seed
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((seed >> 33) as f64 / (1u64 << 31) as f64) - 0.5
    };
    let mut prev = 60_000.0_f64;
    (0..BARS)
        .map(|i| {
            let x = i as f64;
            let close = (60_000.0 * (1.0 + 0.03 * (x / 700.0).sin() + 0.01 * (x / 90.0).sin())
                + 40.0 * noise())
            .round();
            let (open, t) = (prev, START + i * MINUTE);
            let high = open.max(close) + (10.0 * noise()).abs().round();
            let low = open.min(close) - (10.0 * noise()).abs().round();
            prev = close;
            (
                t,
                format!("{t},{open:.1},{high:.1},{low:.1},{close:.1},5.0"),
            )
        })
        .collect()
}

/// Writes the bars opening in `from..to` as a CSV and imports it as dataset `name`.
fn import(sb: &Sandbox, all: &[(i64, String)], from: i64, to: i64, name: &str) {
    let mut text = String::from("open_time_ms,open,high,low,close,volume\n");
    for (_, line) in all.iter().filter(|(t, _)| (from..to).contains(t)) {
        text.push_str(line);
        text.push('\n');
    }
    let file = format!("{name}.csv");
    std::fs::write(sb.path(&file), text).expect("csv");
    sb.sim(&[
        "data", "import", &file, "--name", name, "--symbol", "BTCUSDT",
    ])
    .ok();
}

/// The rows of a CSV without quoted cells: column name -> cell.
fn rows(csv: &str) -> Vec<BTreeMap<String, String>> {
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().expect("header").split(',').collect();
    lines
        .map(|l| {
            header
                .iter()
                .zip(l.split(','))
                .map(|(h, c)| (h.to_string(), c.to_string()))
                .collect()
        })
        .collect()
}

fn iso(ms: i64) -> String {
    pipeline::TimestampMs(ms).to_string()
}

/// A number read from JSON equals `cell`: serde_json (without its `float_roundtrip`
/// feature) may read a float one unit in the last place off, so allow two of them.
fn same(json: &serde_json::Value, cell: &str, what: &str) {
    let (a, b) = (json.as_f64().unwrap_or(f64::NAN), number(cell));
    assert!(
        a == b || (a - b).abs() <= 2.0 * f64::EPSILON * a.abs().max(b.abs()),
        "{what}: {json} in JSON, {cell} in the CSV"
    );
}

fn number(cell: &str) -> f64 {
    cell.parse()
        .unwrap_or_else(|_| panic!("not a number: {cell:?}"))
}

/// `sim walkforward` over the whole test dataset `wf` with `extra` flags into `out`.
fn walk(sb: &Sandbox, out: &str, extra: &[&str]) -> crate::support::Run {
    let mut args = vec![
        "walkforward",
        "--dataset",
        "wf",
        "--train",
        "3d",
        "--test",
        "1d",
    ];
    args.extend(GRID);
    args.extend(["--out", out]);
    args.extend(extra);
    sb.sim(&args)
}

fn sandbox_with_data() -> (Sandbox, Vec<(i64, String)>) {
    let sb = Sandbox::new();
    let all = bars();
    import(&sb, &all, START, START + BARS * MINUTE, "wf");
    (sb, all)
}

#[test]
fn each_window_is_its_own_sweep_and_each_test_window_is_a_backtest_of_its_slice() {
    let (sb, all) = sandbox_with_data();
    let run = walk(
        &sb,
        "wf0",
        &["--warmup", "0m", "--jobs", "2", "--no-report"],
    )
    .ok();
    assert!(
        run.stdout.contains("5 windows (5 tested, 0 not run)"),
        "{}",
        run.stdout
    );
    let windows = rows(&std::fs::read_to_string(sb.path("wf0/windows.csv")).expect("csv"));
    assert_eq!(windows.len(), 5, "five windows fit 8.5 days");
    let record = read_json(&sb.path("wf0/walkforward.json"));
    let short = record["not_fitting"]["reason"].as_str().expect("reason");
    assert!(short.contains("(12h 00m short)"), "{short}");
    assert_eq!(record["not_fitting"]["span"]["test_start"], START + 8 * DAY);
    let mut previous_end: Option<f64> = None;
    for (k, w) in windows.iter().enumerate() {
        let k64 = k as i64;
        // Hand-computed: training days k..k+3, testing day k+3, no warm-up.
        let (train, test) = (START + k64 * DAY, START + (k64 + 3) * DAY);
        assert_eq!(w["train_start"], iso(train), "window {k}");
        assert_eq!(w["train_end"], iso(test), "window {k}");
        assert_eq!(w["test_start"], iso(test), "window {k}");
        assert_eq!(w["test_end"], iso(test + DAY), "window {k}");
        assert_eq!(w["warmup_start"], iso(test), "window {k}");
        assert_eq!(w["status"], "tested");
        let set = [
            format!("strategy.fast={}", w["strategy.fast"]),
            format!("strategy.slow={}", w["strategy.slow"]),
        ];

        // The winner is what `sim sweep` picks on the training window alone.
        let name = format!("train{k}");
        import(&sb, &all, train, test, &name);
        let out = format!("sw{k}");
        let mut args = vec!["sweep", "--dataset", &name, "--out", &out, "--no-report"];
        args.extend(GRID);
        sb.sim(&args).ok();
        let sweep = read_json(&sb.path(&format!("sw{k}/sweep.json")));
        let best: Vec<&str> = sweep["best"]["set"]
            .as_array()
            .expect("set")
            .iter()
            .map(|s| s.as_str().expect("text"))
            .collect();
        assert_eq!(best, set, "window {k}: the sweep's winner");
        same(
            &sweep["best"]["value"],
            &w["in_sample_sharpe"],
            &format!("window {k}: in-sample sharpe"),
        );

        // The test window is `sim backtest` over its slice, from the carried-over balance.
        let start_balance = &w["start_balance"];
        match previous_end {
            None => assert_eq!(start_balance, "10000"),
            Some(end) => assert_eq!(number(start_balance), end, "window {k} continues"),
        }
        previous_end = Some(number(&w["end_balance"]));
        let name = format!("test{k}");
        import(&sb, &all, test, test + DAY, &name);
        let out = format!("bt{k}");
        let balance = format!("exchange.initial_balance=\"{start_balance}\"");
        let mut args = vec![
            "backtest",
            "--dataset",
            &name,
            "--out",
            &out,
            "--journal",
            "off",
            "--no-report",
        ];
        args.extend(["--set", &balance, "--set", &set[0], "--set", &set[1]]);
        sb.sim(&args).ok();
        let s = read_json(&sb.path(&format!("bt{k}/summary.json")));
        let m = &s["metrics"];
        same(
            &m["sharpe"],
            &w["out_of_sample_sharpe"],
            &format!("window {k}: sharpe"),
        );
        same(
            &m["total_return"],
            &w["out_of_sample_return"],
            &format!("window {k}: return"),
        );
        assert_eq!(
            m["trades"].to_string(),
            w["out_of_sample_trades"],
            "window {k}"
        );
        let equity: f64 = number(s["account"]["equity"].as_str().expect("decimal text"));
        assert_eq!(equity, number(&w["end_balance"]), "window {k}");
    }
    // The stitched curve: one row per test bar, the windows in order.
    let curve = rows(&std::fs::read_to_string(sb.path("wf0/oos_equity.csv")).expect("csv"));
    assert_eq!(curve.len(), 5 * 1440);
    assert_eq!(curve[0]["time"], iso(START + 3 * DAY + MINUTE));
    assert_eq!(curve[1440]["window"], "1");
    let last = number(&curve[curve.len() - 1]["equity"]);
    assert_eq!(
        Some(last),
        previous_end,
        "the curve ends at the last window's equity"
    );
}

#[test]
fn test_windows_warm_up_on_the_bars_before_them_and_anchored_windows_grow() {
    let (sb, _) = sandbox_with_data();
    walk(&sb, "cold", &["--warmup", "0m", "--no-report"]).ok();
    walk(&sb, "warm", &["--no-report"]).ok();
    let cold = rows(&std::fs::read_to_string(sb.path("cold/windows.csv")).expect("csv"));
    let warm = rows(&std::fs::read_to_string(sb.path("warm/windows.csv")).expect("csv"));
    for (k, w) in warm.iter().enumerate() {
        // The default warm-up is the training window's length, so here the training window.
        assert_eq!(w["warmup_start"], w["train_start"], "window {k}");
        assert_eq!(w["strategy.fast"], cold[k]["strategy.fast"], "same winners");
    }
    // Warmed up, the strategy trades from a test window's first bars: results differ.
    let differs = warm
        .iter()
        .zip(&cold)
        .any(|(w, c)| w["out_of_sample_sharpe"] != c["out_of_sample_sharpe"]);
    assert!(differs, "warm-up changes no window's result");
    // Nothing before a test window counts: each window's first point is its start balance.
    let curve = rows(&std::fs::read_to_string(sb.path("warm/oos_equity.csv")).expect("csv"));
    for (k, w) in warm.iter().enumerate() {
        let first = curve
            .iter()
            .find(|r| r["window"] == k.to_string())
            .expect("the window's points");
        assert!(first["time"] > w["test_start"], "window {k}");
        assert_eq!(
            number(&first["equity"]),
            number(&w["start_balance"]),
            "window {k}"
        );
    }

    walk(&sb, "anchored", &["--anchored", "--no-report"]).ok();
    let anchored = rows(&std::fs::read_to_string(sb.path("anchored/windows.csv")).expect("csv"));
    assert_eq!(anchored.len(), 5);
    for (k, w) in anchored.iter().enumerate() {
        assert_eq!(w["train_start"], iso(START), "window {k}");
        assert_eq!(
            w["train_end"],
            iso(START + (3 + k as i64) * DAY),
            "window {k}"
        );
    }
}

#[test]
fn one_job_and_two_jobs_give_the_same_folder() {
    let (sb, _) = sandbox_with_data();
    walk(&sb, "one", &["--jobs", "1"]).ok();
    walk(&sb, "two", &["--jobs", "2"]).ok();
    for f in [
        "windows.csv",
        "oos_equity.csv",
        "walkforward.json",
        "report.html",
        "charts/oos_equity.png",
    ] {
        let a = std::fs::read(sb.path("one").join(f)).expect("one");
        let b = std::fs::read(sb.path("two").join(f)).expect("two");
        assert!(a == b, "{f} differs between --jobs 1 and --jobs 2");
    }
    let report = std::fs::read_to_string(sb.path("one/report.html")).expect("report");
    for id in ["oos-equity", "windows", "parameters"] {
        assert!(report.contains(&format!("<section id=\"{id}\">")), "{id}");
    }
}

#[test]
fn bad_input_names_the_flag_and_unrunnable_windows_are_listed() {
    let (sb, _) = sandbox_with_data();
    for (flags, says) in [
        (
            &["--train", "60x", "--test", "1d"][..],
            "--train 60x: 'x' is not a unit",
        ),
        (
            &["--train", "3d", "--test", "0d"],
            "--test 0d: a window cannot be empty",
        ),
        (&["--train", "1.5d", "--test", "1d"], "--train 1.5d"),
        (
            &["--train", "3d", "--test", "1d", "--warmup", "soon"],
            "--warmup soon: not a duration",
        ),
        (
            &["--train", "7d", "--test", "2d"],
            "no walk-forward window fits",
        ),
        (&["--train", "30s", "--test", "1d"], "'s' is not a unit"),
    ] {
        let mut args = vec!["walkforward", "--dataset", "wf", "--out", "bad"];
        args.extend(GRID);
        args.extend(flags);
        let run = sb.sim(&args);
        assert_eq!(run.code, 2, "{flags:?} fails\n{}", run.stderr);
        assert!(run.stderr.contains(says), "{flags:?}: {}", run.stderr);
        assert!(!sb.path("bad").exists(), "{flags:?} writes no folder");
    }
    // A grid whose only point the run config refuses: every window is listed, not run, with
    // the reason; the folder is written and the exit code says nothing was tested.
    let run = sb.sim(&[
        "walkforward",
        "--dataset",
        "wf",
        "--train",
        "3d",
        "--test",
        "1d",
        "--grid",
        "strategy.fast=40",
        "--grid",
        "strategy.slow=30",
        "--out",
        "none",
        "--no-report",
    ]);
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    assert!(
        run.stdout.contains("5 windows (0 tested, 5 not run)"),
        "{}",
        run.stdout
    );
    let record = read_json(&sb.path("none/walkforward.json"));
    for w in record["windows"].as_array().expect("windows") {
        assert_eq!(w["status"], "not run");
        let why = w["reason"].as_str().expect("reason");
        assert!(
            why.contains("every one of the 1 points was skipped"),
            "{why}"
        );
        assert!(why.contains("fast < slow"), "{why}");
    }
}

/// The done-when: walk-forward on the shipped real 1m data (the 90 days of
/// 2025-05-20..08-18, imported as a dataset) runs and its report shows the out-of-sample
/// curve. Skipped with a message when `../shared/real-data/` is absent.
#[test]
fn walk_forward_on_real_1m_data_shows_the_out_of_sample_curve() {
    let file = repo().join("../shared/real-data/binance_spot_BTCUSDT_1m_20250520-20250818.csv");
    if !file.is_file() {
        eprintln!(
            "SKIPPED: {} is absent; the real-data walk-forward did not run",
            file.display()
        );
        return;
    }
    let sb = Sandbox::new();
    let path = file.to_string_lossy().into_owned();
    sb.sim(&[
        "data", "import", &path, "--name", "real90", "--symbol", "BTCUSDT",
    ])
    .ok();
    let mut args = vec![
        "walkforward",
        "--dataset",
        "real90",
        "--train",
        "30d",
        "--test",
        "7d",
    ];
    args.extend(GRID);
    args.extend(["--out", "wf"]);
    let run = sb.sim(&args).ok();
    assert!(!run.stdout.contains("SYNTHETIC"), "{}", run.stdout);
    // 90.8 days: tests start on days 30, 37, ..., 79; the ninth (day 86) ends after the data.
    assert!(
        run.stdout.contains("8 windows (8 tested, 0 not run)"),
        "{}",
        run.stdout
    );
    let curve = std::fs::read_to_string(sb.path("wf/oos_equity.csv")).expect("curve");
    assert_eq!(curve.lines().count(), 1 + 8 * 7 * 1440);
    let report = std::fs::read_to_string(sb.path("wf/report.html")).expect("report");
    let section = report
        .split("<section id=\"oos-equity\">")
        .nth(1)
        .expect("the out-of-sample section");
    assert!(
        section.contains("data:image/png;base64,"),
        "the curve is drawn"
    );
    assert!(sb.path("wf/charts/oos_equity.png").is_file());
    let record = read_json(&sb.path("wf/walkforward.json"));
    assert_eq!(record["dataset"]["synthetic"], false);
}
