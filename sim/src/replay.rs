//! `sim replay SESSION`: a recorded `sim live` session run again through the backtest loop with
//! the session's own config, exchange info and bars (warm-up bars feed the strategy and the
//! stages but trade nothing, as live), then compared with the session decision by decision.
//! Must never live here: the loop itself (`backtest`) or the comparison (`reports::parity`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use datasets::{BarSeries, FileOptions, GapPolicy};
use pipeline::exchange_info::ExchangeInfo;
use pipeline::{Interval, Symbol};
use reports::parity::Parity;

use crate::backtest::{self, BacktestOutcome};
use crate::config::RunSpec;

/// What a session folder holds for a replay.
#[derive(Debug)]
pub struct Session {
    pub dir: PathBuf,
    pub spec: RunSpec,
    pub info: ExchangeInfo,
    pub series: Vec<BarSeries>,
    /// Per symbol, the open time of the first bar the session acted on (after warm-up).
    pub trade_from: BTreeMap<Symbol, i64>,
}

/// One row of `bars.csv`.
struct Row {
    symbol: Symbol,
    line: String,
    open_time: i64,
    warmup: bool,
}

fn read_bars(path: &Path) -> anyhow::Result<Vec<Row>> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let mut lines = text.lines().enumerate();
    let header = lines.next().map(|(_, h)| h).unwrap_or_default();
    if header != "symbol,open_time,open,high,low,close,volume,warmup" {
        bail!(
            "{}:1: expected the header symbol,open_time,open,high,low,close,volume,warmup (a session folder written by `sim live`)",
            path.display()
        );
    }
    let mut rows = Vec::new();
    for (i, l) in lines {
        let f: Vec<&str> = l.split(',').collect();
        let bad = |what: &str| anyhow::anyhow!("{}:{}: {what}", path.display(), i + 1);
        if f.len() != 8 {
            return Err(bad("expected 8 fields"));
        }
        rows.push(Row {
            symbol: Symbol::new(f[0]).map_err(|e| bad(&format!("symbol: {e}")))?,
            open_time: f[1].parse().map_err(|_| bad("open_time is not epoch ms"))?,
            line: f[1..7].join(","),
            warmup: match f[7] {
                "true" => true,
                "false" => false,
                _ => return Err(bad("warmup must be true or false")),
            },
        });
    }
    Ok(rows)
}

/// Reads the session folder `dir` (`config.toml`, `exchange_info.json`, `bars.csv`).
pub fn load_session(dir: &Path, interval: Option<Interval>) -> anyhow::Result<Session> {
    let spec = crate::config::load(Some(&dir.join("config.toml")), &[])?;
    let info_path = dir.join("exchange_info.json");
    let text = std::fs::read_to_string(&info_path)
        .with_context(|| format!("cannot read {}", info_path.display()))?;
    let info = ExchangeInfo::from_json(&text, &info_path.display().to_string())
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let rows = read_bars(&dir.join("bars.csv"))?;
    let mut by_symbol: BTreeMap<Symbol, Vec<&Row>> = BTreeMap::new();
    for r in &rows {
        by_symbol.entry(r.symbol.clone()).or_default().push(r);
    }
    if by_symbol.is_empty() {
        bail!(
            "{}: no bars: the session ended before its first bar",
            dir.display()
        );
    }
    let tmp = tempfile::tempdir().context("cannot create a temporary folder")?;
    let mut series = Vec::new();
    let mut trade_from = BTreeMap::new();
    for (symbol, rows) in by_symbol {
        let mut rows = rows;
        rows.sort_by_key(|r| r.open_time);
        rows.dedup_by_key(|r| r.open_time);
        let csv = std::iter::once("open_time_ms,open,high,low,close,volume".to_string())
            .chain(rows.iter().map(|r| r.line.clone()))
            .collect::<Vec<_>>()
            .join("\n");
        let path = tmp.path().join(format!("{symbol}.csv"));
        std::fs::write(&path, csv + "\n")?;
        let opts = FileOptions {
            symbol: Some(symbol.clone()),
            interval,
            gap_policy: GapPolicy::Warn,
        };
        let loaded = datasets::read_file(&path, &opts)
            .with_context(|| format!("the bars of {symbol} in {}", dir.display()))?;
        if let Some(first) = rows.iter().find(|r| !r.warmup) {
            trade_from.insert(symbol.clone(), first.open_time);
        } else {
            trade_from.insert(symbol.clone(), i64::MAX);
        }
        series.push(loaded.series);
    }
    Ok(Session {
        dir: dir.to_path_buf(),
        spec,
        info,
        series,
        trade_from,
    })
}

/// A session folder without `summary.json` was not finished (killed, or still running): its
/// journals and `bars.csv` hold everything up to that moment, but the fills, trades and
/// summary a comparison needs were never written. Says so, with what to do.
fn refuse_unfinished(dir: &Path) -> anyhow::Result<()> {
    let is_session = dir.join("bars.csv").exists() && dir.join("orders.jsonl").exists();
    if is_session && !dir.join("summary.json").exists() {
        bail!(
            "{} is a `sim live` session that did not finish (no summary.json: killed, or still running), so it cannot be replayed; its orders.jsonl, results.jsonl and bars.csv are complete up to where it stopped. Replay a session that ended (Ctrl-C, --bars or --duration)",
            dir.display()
        );
    }
    Ok(())
}

/// Replays the session in `dir` into the run folder `out` and compares the two (the session is
/// `a`, the replay `b`); the comparison is also written to `out/parity.json`.
pub fn replay(dir: &Path, out: &Path) -> anyhow::Result<(BacktestOutcome, Parity)> {
    refuse_unfinished(dir)?;
    let s = load_session(dir, None)?;
    let series: Vec<&BarSeries> = s.series.iter().collect();
    let name = format!("session {}", dir.display());
    let info_name = format!("{}/exchange_info.json", dir.display());
    let run = backtest::SeriesRun {
        spec: &s.spec,
        label: (&name, false),
        series: &series,
        trade_from: &s.trade_from,
        info: s.info.clone().into(),
        info_name: &info_name,
    };
    let outcome = backtest::run_series(run, out, &mut |_, _| {})?;
    let parity = reports::parity::compare_runs(dir, out)
        .with_context(|| format!("cannot compare {} with its replay", dir.display()))?;
    std::fs::write(
        out.join("parity.json"),
        serde_json::to_string_pretty(&parity)? + "\n",
    )
    .with_context(|| format!("cannot write {}/parity.json", out.display()))?;
    Ok((outcome, parity))
}
