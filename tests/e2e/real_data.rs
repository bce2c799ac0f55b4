//! `sim backtest` on the real Binance 1m files of `../shared/real-data/`, each imported as a
//! dataset: the run loads, trades and says the data is real. Skipped with a message when the
//! folder is absent (the synthetic default run in `backtest.rs` covers the same path).

use std::path::PathBuf;

use crate::support::{Sandbox, read_json, repo};

fn real_1m_files() -> Vec<PathBuf> {
    let dir = repo().join("../shared/real-data");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        eprintln!(
            "SKIPPED: {} is absent; real-data backtests did not run",
            dir.display()
        );
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.contains("_1m_") && n.ends_with(".csv"))
        })
        .collect();
    files.sort();
    files
}

#[test]
fn every_real_1m_file_imported_as_a_dataset_backtests_and_trades() {
    let files = real_1m_files();
    for (i, file) in files.iter().enumerate() {
        let sb = Sandbox::new();
        let name = format!("real_1m_{i}");
        let path = file.to_string_lossy().into_owned();
        sb.sim(&[
            "data", "import", &path, "--name", &name, "--symbol", "BTCUSDT",
        ])
        .ok();
        let run = sb
            .sim(&["backtest", "--dataset", &name, "--out", "run"])
            .ok();
        assert!(
            !run.stdout.contains("SYNTHETIC"),
            "{}: real data must not be called synthetic\n{}",
            file.display(),
            run.stdout
        );
        let s = read_json(&sb.path("run/summary.json"));
        assert_eq!(s["dataset"]["synthetic"], false, "{}", file.display());
        let trades = s["metrics"]["trades"].as_u64().expect("trades");
        assert!(trades > 0, "{}: no trades\n{}", file.display(), run.stdout);
        assert!(s["fills"].as_u64().expect("fills") >= trades);
    }
}
