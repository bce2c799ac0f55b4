//! The walk-forward folder: `windows.csv` (one row per window: its train and test spans, the
//! chosen parameters, the in-sample and out-of-sample metric and return, trades, balances, or
//! why it did not run), `oos_equity.csv` (the stitched out-of-sample curve, one row per bar
//! close), `walkforward.json` (the plan, the dataset's fingerprint, the sim version, every
//! window and the summary) and whatever the caller adds (the report), written under a
//! temporary name and renamed when complete (the sweep folder's [`Partial`]).
//!
//! Nothing here reads a clock: the same walk-forward gives the same bytes.
//! Must never live here: running windows or drawing.

use serde::{Deserialize, Serialize};

use super::stitch::Summary;
use super::windows::{Layout, Span};
use super::{WalkForward, WindowOutcome, duration};
use crate::sweep::folder::{DatasetStamp, Partial, SkippedPoint};
use crate::sweep::plan::{Axis, Draw};
use crate::sweep::point::{Outcome, Row};
use crate::sweep::results;

/// How the out-of-sample curve is stitched, in words (also in the report).
pub const STITCHING: &str = "each test window starts with the previous test window's ending equity as its balance \
(the first with the config's exchange.initial_balance); a position still open when a test window ends is valued \
at that window's last close, as a backtest's final equity is, and the next window starts flat (no closing fee is charged)";

/// How a test window warms up, in words (also in the report).
pub const WARM_UP: &str = "the bars in the warm-up span before each test window (by default the training window's length, \
never before the data's first bar) feed the strategy and every stage, but no signal on them trades and no equity point \
or metric counts them; training windows run as `sim sweep` on that window alone, warming up inside it";

/// `walkforward.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WalkForwardRecord {
    pub sim_version: String,
    pub dataset: DatasetStamp,
    pub exchange_info: String,
    pub config_source: String,
    pub base_config: String,
    pub sets: Vec<String>,
    pub grid: Vec<Axis>,
    pub draw: Draw,
    pub metric: String,
    pub train: String,
    pub test: String,
    pub warmup: String,
    pub layout: Layout,
    pub stitching: String,
    pub warm_up: String,
    pub windows: Vec<WindowRecord>,
    /// The first window that did not fit the data, and why.
    pub not_fitting: Option<NotFitting>,
    pub summary: Summary,
}

/// One window in `walkforward.json` and `windows.csv`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WindowRecord {
    pub window: usize,
    pub span: Span,
    /// `tested` or `not run`.
    pub status: String,
    pub reason: Option<String>,
    /// The winner's point number and `key=value` overrides.
    pub point: Option<u64>,
    pub chosen: Vec<String>,
    pub in_sample: Option<f64>,
    pub out_of_sample: Option<f64>,
    pub in_sample_return: Option<f64>,
    pub out_of_sample_return: Option<f64>,
    pub in_sample_trades: Option<usize>,
    pub out_of_sample_trades: Option<usize>,
    pub start_balance: Option<String>,
    pub end_balance: Option<String>,
    pub open_at_end: bool,
    pub points_ran: usize,
    pub skipped: Vec<SkippedPoint>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NotFitting {
    pub span: Span,
    pub reason: String,
}

/// The records of `wf`'s windows.
pub fn window_records(wf: &WalkForward, axes: &[Axis], metric: &str) -> Vec<WindowRecord> {
    wf.windows
        .iter()
        .enumerate()
        .map(|(i, w)| {
            let skipped = w
                .skipped
                .iter()
                .filter_map(|r| match &r.outcome {
                    Outcome::Skipped(reason) => Some(SkippedPoint {
                        point: r.point.id,
                        set: r.point.overrides(axes),
                        reason: reason.clone(),
                    }),
                    Outcome::Ran(_) => None,
                })
                .collect();
            let mut rec = WindowRecord {
                window: i,
                span: w.span,
                status: "not run".to_string(),
                reason: None,
                point: None,
                chosen: Vec::new(),
                in_sample: None,
                out_of_sample: None,
                in_sample_return: None,
                out_of_sample_return: None,
                in_sample_trades: None,
                out_of_sample_trades: None,
                start_balance: None,
                end_balance: None,
                open_at_end: false,
                points_ran: w.ran,
                skipped,
            };
            match &w.outcome {
                WindowOutcome::NotRun(why) => rec.reason = Some(why.clone()),
                WindowOutcome::Tested(t) => {
                    let value = |r: &Row| results::metric_value(r, metric);
                    rec.status = "tested".to_string();
                    rec.point = Some(t.winner.id);
                    rec.chosen = t.winner.overrides(axes);
                    rec.in_sample = value(&t.in_sample);
                    rec.out_of_sample = value(&t.out_of_sample);
                    rec.in_sample_return = Some(t.in_sample.metrics.total_return);
                    rec.out_of_sample_return = Some(t.out_of_sample.metrics.total_return);
                    rec.in_sample_trades = Some(t.in_sample.metrics.trades);
                    rec.out_of_sample_trades = Some(t.out_of_sample.metrics.trades);
                    rec.start_balance = Some(t.start_balance.normalize().to_string());
                    rec.end_balance = Some(t.end_balance.normalize().to_string());
                    rec.open_at_end = t.open_at_end;
                }
            }
            rec
        })
        .collect()
}

/// A cell: quoted when it holds a comma, quote or line break.
fn cell(t: &str) -> String {
    if t.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", t.replace('"', "\"\""))
    } else {
        t.to_string()
    }
}

fn iso(ms: i64) -> String {
    pipeline::TimestampMs(ms).to_string()
}

fn num<T: ToString>(v: Option<T>) -> String {
    v.map(|x| x.to_string()).unwrap_or_default()
}

/// `windows.csv`: one row per window; a column per swept key with the chosen value.
pub fn windows_csv(records: &[WindowRecord], axes: &[Axis], metric: &str) -> String {
    let mut header: Vec<String> = [
        "window",
        "status",
        "train_start",
        "train_end",
        "test_start",
        "test_end",
        "warmup_start",
        "point",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    header.extend(axes.iter().map(|a| a.key.clone()));
    for h in [
        format!("in_sample_{metric}"),
        format!("out_of_sample_{metric}"),
        "in_sample_return".into(),
        "out_of_sample_return".into(),
        "in_sample_trades".into(),
        "out_of_sample_trades".into(),
        "start_balance".into(),
        "end_balance".into(),
        "open_at_end".into(),
        "points_ran".into(),
        "points_skipped".into(),
        "reason".into(),
    ] {
        header.push(h);
    }
    let mut out = header.iter().map(|h| cell(h)).collect::<Vec<_>>().join(",") + "\n";
    for r in records {
        let s = r.span;
        let mut row = vec![
            r.window.to_string(),
            r.status.clone(),
            iso(s.train_start),
            iso(s.train_end),
            iso(s.test_start),
            iso(s.test_end),
            iso(s.warmup_start),
            num(r.point),
        ];
        for a in axes {
            let prefix = format!("{}=", a.key);
            let value = r
                .chosen
                .iter()
                .find_map(|c| c.strip_prefix(&prefix))
                .map(|v| v.trim_matches('"').to_string());
            row.push(value.unwrap_or_default());
        }
        row.extend([
            num(r.in_sample),
            num(r.out_of_sample),
            num(r.in_sample_return),
            num(r.out_of_sample_return),
            num(r.in_sample_trades),
            num(r.out_of_sample_trades),
            r.start_balance.clone().unwrap_or_default(),
            r.end_balance.clone().unwrap_or_default(),
            r.open_at_end.to_string(),
            r.points_ran.to_string(),
            r.skipped.len().to_string(),
            r.reason.clone().unwrap_or_default(),
        ]);
        out.push_str(&row.iter().map(|c| cell(c)).collect::<Vec<_>>().join(","));
        out.push('\n');
    }
    out
}

/// `oos_equity.csv`: the stitched curve, one row per bar close of every tested window.
pub fn oos_equity_csv(wf: &WalkForward) -> String {
    let mut out = String::from("time,window,equity,in_market\n");
    for (i, w) in wf.windows.iter().enumerate() {
        if let WindowOutcome::Tested(t) = &w.outcome {
            for p in &t.equity {
                out.push_str(&format!(
                    "{},{i},{},{}\n",
                    iso(p.time_ms),
                    p.equity,
                    p.in_market
                ));
            }
        }
    }
    out
}

/// Writes the three files into the unfinished folder.
pub fn write(
    partial: &Partial,
    wf: &WalkForward,
    record: &WalkForwardRecord,
) -> anyhow::Result<()> {
    partial.write_file(
        "windows.csv",
        windows_csv(&record.windows, &record.grid, &record.metric).as_bytes(),
    )?;
    partial.write_file("oos_equity.csv", oos_equity_csv(wf).as_bytes())?;
    let json = serde_json::to_string_pretty(record)
        .map_err(|e| anyhow::anyhow!("cannot write walkforward.json: {e}"))?;
    partial.write_file("walkforward.json", (json + "\n").as_bytes())
}

/// The layout's durations as flags would give them.
pub fn layout_texts(l: &Layout) -> (String, String, String) {
    (
        duration::text(l.train_ms),
        duration::text(l.test_ms),
        duration::text(l.warmup_ms),
    )
}
