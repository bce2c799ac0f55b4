//! `sim sweep`: the folder it writes, the best point rerun with `sim backtest`, the same
//! results whatever `--jobs` is, skipped points with their reasons, `--keep`, sweep files, and
//! errors that name the flag.

use std::collections::BTreeMap;

use crate::support::{Sandbox, read_json, run_text};

/// The rows of a results.csv by point number: column name -> cell text.
fn rows(csv: &str) -> BTreeMap<u64, BTreeMap<String, String>> {
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().expect("header").split(',').collect();
    lines
        .map(|l| {
            let cells: BTreeMap<String, String> = header
                .iter()
                .zip(l.split(','))
                .map(|(h, c)| (h.to_string(), c.to_string()))
                .collect();
            (cells["point"].parse().expect("point"), cells)
        })
        .collect()
}

/// `sim sweep` with the done-when grid over `btc_2026q1` (8 points; the Slurm test reuses it).
pub(crate) const DONE_WHEN: [&str; 7] = [
    "sweep",
    "--dataset",
    "btc_2026q1",
    "--grid",
    "strategy.fast=5..20:5",
    "--grid",
    "strategy.slow=30,60",
];

/// The done-when: the folder with its report, and the best point rerun with
/// `sim backtest` gives the same metrics as its row.
#[test]
fn a_grid_sweep_writes_its_folder_and_the_best_point_reruns_to_the_same_metrics() {
    let sb = Sandbox::new();
    let run = sb
        .sim(&[&DONE_WHEN[..], &["--out", "sw", "--jobs", "2"]].concat())
        .ok();
    assert!(
        run.stdout.contains("8 points (8 ran, 0 skipped)"),
        "{}",
        run.stdout
    );
    for f in [
        "results.csv",
        "results.parquet",
        "sweep.json",
        "report.html",
        "charts/heatmap.png",
    ] {
        assert!(sb.path("sw").join(f).is_file(), "{f} is written");
    }
    let record = read_json(&sb.path("sw/sweep.json"));
    assert_eq!(record["points"], 8);
    assert_eq!(record["dataset"]["name"], "btc_2026q1");
    assert_eq!(
        record["dataset"]["data_sha256"].as_str().map(str::len),
        Some(64)
    );
    let best = &record["best"];
    let set: Vec<String> = best["set"]
        .as_array()
        .expect("set")
        .iter()
        .map(|s| s.as_str().expect("text").to_string())
        .collect();
    let table = rows(&std::fs::read_to_string(sb.path("sw/results.csv")).expect("csv"));
    assert_eq!(table.len(), 8);
    let row = &table[&best["point"].as_u64().expect("point")];
    assert_eq!(row["rank"], "1");

    let mut args = vec![
        "backtest",
        "--dataset",
        "btc_2026q1",
        "--out",
        "best",
        "--no-report",
    ];
    for s in &set {
        args.extend(["--set", s.as_str()]);
    }
    sb.sim(&args).ok();
    let summary = read_json(&sb.path("best/summary.json"));
    let metrics = summary["metrics"].as_object().expect("metrics");
    for (name, value) in metrics {
        let cell = &row[name];
        match value.as_f64() {
            Some(v) => assert_eq!(cell.parse::<f64>().ok(), Some(v), "{name}: {cell} vs {v}"),
            None => assert_eq!(cell, "", "{name} is undefined in both"),
        }
    }
    let account = &summary["account"];
    for (col, key) in [
        ("final_equity", "equity"),
        ("fees", "fees_paid"),
        ("funding", "funding_paid"),
    ] {
        let want: f64 = account[key]
            .as_str()
            .expect("decimal text")
            .parse()
            .expect("number");
        assert_eq!(row[col].parse::<f64>().ok(), Some(want), "{col}");
    }
    assert_eq!(row["fills"], summary["fills"].to_string());
    assert_eq!(row["orders"], summary["orders"].to_string());
    let report = std::fs::read_to_string(sb.path("sw/report.html")).expect("report");
    assert!(report.contains("id=\"heatmap\"") && report.contains("data:image/png;base64,"));

    // The overfitting section is about the best point, and its daily Sharpe ratio is the one
    // recomputed here from the rerun's equity.csv: each UTC day's last equity against the day
    // before's (the first against the initial 10,000), mean over sample standard deviation.
    let o = &record["overfitting"];
    assert_eq!(o["trials"], 8);
    let dsr = &o["deflated_sharpe"]["value"];
    assert_eq!(dsr["point"], best["point"], "{o}");
    let unit = |v: &serde_json::Value| v.as_f64().is_some_and(|p| (0.0..=1.0).contains(&p));
    assert!(unit(&dsr["probability"]), "{o}");
    assert!(unit(&o["pbo"]["value"]["probability"]), "{o}");
    let equity = run_text(&sb.path("best"), "equity.csv");
    let mut days: Vec<(String, f64)> = Vec::new();
    for line in equity.lines().skip(1) {
        let mut f = line.split(',');
        let day = f.next().expect("time")[..10].to_string();
        let e: f64 = f.next().expect("equity").parse().expect("number");
        match days.last_mut() {
            Some((d, last)) if *d == day => *last = e,
            _ => days.push((day, e)),
        }
    }
    let mut prev = 10_000.0;
    let returns: Vec<f64> = days
        .iter()
        .map(|(_, e)| {
            let r = e / prev - 1.0;
            prev = *e;
            r
        })
        .collect();
    assert_eq!(o["days"], returns.len());
    let n = returns.len() as f64;
    let mean = returns.iter().sum::<f64>() / n;
    let var = returns.iter().map(|r| (r - mean) * (r - mean)).sum::<f64>() / (n - 1.0);
    let sharpe = mean / var.sqrt();
    let got = dsr["daily_sharpe"].as_f64().expect("daily sharpe");
    assert!(
        (got - sharpe).abs() <= 1e-6 * sharpe.abs().max(1e-3),
        "daily Sharpe {got} in sweep.json, {sharpe} from equity.csv"
    );
    assert!(report.contains("id=\"overfitting\"") && report.contains("deflated Sharpe ratio"));
}

#[test]
fn one_job_and_two_jobs_give_the_same_results() {
    let sb = Sandbox::new();
    sb.sim(
        &[
            &DONE_WHEN[..],
            &["--out", "one", "--jobs", "1", "--no-report"],
        ]
        .concat(),
    )
    .ok();
    sb.sim(
        &[
            &DONE_WHEN[..],
            &["--out", "two", "--jobs", "2", "--no-report"],
        ]
        .concat(),
    )
    .ok();
    for f in ["results.csv", "sweep.json", "results.parquet"] {
        let a = std::fs::read(sb.path("one").join(f)).expect("one");
        let b = std::fs::read(sb.path("two").join(f)).expect("two");
        assert!(a == b, "{f} differs between --jobs 1 and --jobs 2");
    }
}

#[test]
fn invalid_points_are_listed_as_skipped_with_the_reason() {
    let sb = Sandbox::new();
    let run = sb
        .sim(&[
            "sweep",
            "--dataset",
            "btc_2026q1",
            "--grid",
            "strategy.fast=10,40",
            "--grid",
            "strategy.slow=30",
            "--out",
            "sw",
            "--no-report",
        ])
        .ok();
    assert!(
        run.stdout.contains("2 points (1 ran, 1 skipped)"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("skipped point 1 (strategy.fast=40 strategy.slow=30)"),
        "{}",
        run.stdout
    );
    let record = read_json(&sb.path("sw/sweep.json"));
    let skipped = record["skipped"].as_array().expect("skipped");
    assert_eq!(skipped.len(), 1);
    assert_eq!(skipped[0]["point"], 1);
    let reason = skipped[0]["reason"].as_str().expect("reason");
    assert!(reason.contains("fast < slow"), "{reason}");
    let table = rows(&std::fs::read_to_string(sb.path("sw/results.csv")).expect("csv"));
    assert_eq!(table.keys().copied().collect::<Vec<_>>(), [0]);
}

#[test]
fn keep_writes_full_run_folders_of_the_best_points_and_a_sweep_file_works() {
    let sb = Sandbox::new();
    std::fs::write(
        sb.path("s.toml"),
        "[trader]\nposition_usd = 500\n[grid]\n\"strategy.fast\" = [5, 10]\n\"strategy.slow\" = \"30..60:30\"\n",
    )
    .expect("sweep file");
    sb.sim(&[
        "sweep",
        "--dataset",
        "btc_2026q1",
        "--sweep",
        "s.toml",
        "--keep",
        "1",
        "--out",
        "sw",
        "--metric",
        "total_return",
    ])
    .ok();
    let record = read_json(&sb.path("sw/sweep.json"));
    assert_eq!(record["points"], 4);
    assert!(
        record["base_config"]
            .as_str()
            .expect("toml")
            .contains("position_usd = \"500\"")
    );
    let best = record["best"]["point"].as_u64().expect("best");
    let kept = sb.path("sw/best").join(format!("01-point-{best}"));
    for f in ["summary.json", "orders.journal.zst", "report.html"] {
        assert!(kept.join(f).is_file(), "{f} in the kept run folder");
    }
}

#[test]
fn bad_specs_say_which_flag_and_what_to_write() {
    let sb = Sandbox::new();
    for (args, says) in [
        (
            vec!["--grid", "strategy.fast=5..20"],
            "--grid strategy.fast=5..20: a range is a..b:step",
        ),
        (vec!["--grid", "strategy.fast"], "write it as KEY=SPEC"),
        (
            vec!["--grid", "strategy.fast=5,10", "--metric", "luck"],
            "--metric luck",
        ),
        (
            vec!["--grid", "strategy.fast=5,10", "--random", "0"],
            "--random 0",
        ),
        (
            vec!["--grid", "strategy.fast=5,10", "--seed", "3"],
            "--seed goes with --random",
        ),
        (vec!["--grid", "strategy.fastt=5,10"], "fastt"),
        (vec![], "--grid KEY=SPEC"),
    ] {
        let run = sb.sim(&[&["sweep", "--dataset", "btc_2026q1"][..], &args[..]].concat());
        assert_ne!(run.code, 0, "{args:?} fails");
        assert!(run.stderr.contains(says), "{args:?}: {}", run.stderr);
    }
}
