//! `sim walkforward`'s output: the lines it prints (each window's winner in and out of
//! sample, the windows not run, the stitched result) and the report it writes into the
//! walk-forward folder (the record handed to `reports::walkforward` as a view).

use std::fmt::Write as _;
use std::time::Duration;

use pipeline::TimestampMs;
use reports::walkforward::{WalkForwardView, WindowRow};
use sim::sweep::folder::Partial;
use sim::walkforward::WalkForward;
use sim::walkforward::folder::{WalkForwardRecord, WindowRecord};
use sim::walkforward::stitch;

use super::sweep_print::{Provenance, provenance_rows};

fn minute(ms: i64) -> String {
    TimestampMs(ms).to_minute_string()
}

fn value(v: Option<f64>) -> String {
    v.map_or_else(|| "-".to_string(), |x| format!("{x:.4}"))
}

fn pct(v: Option<f64>) -> String {
    v.map_or_else(|| "-".to_string(), |x| format!("{:+.2}%", x * 100.0))
}

/// The windows in words: `rolling: train 30d, test 7d, warm-up 30d`.
fn layout_text(r: &WalkForwardRecord) -> String {
    format!(
        "{}: train {}, test {}, warm-up {}",
        if r.layout.anchored {
            "anchored"
        } else {
            "rolling"
        },
        r.train,
        r.test,
        r.warmup
    )
}

/// The lines printed after a walk-forward.
pub fn summary(r: &WalkForwardRecord, elapsed: Duration, jobs: usize) -> String {
    let mut out = String::new();
    if r.dataset.synthetic {
        let _ = writeln!(
            out,
            "NOTE: dataset {} is SYNTHETIC (generated, not real market data); results say nothing about real markets.",
            r.dataset.name
        );
    }
    let s = &r.summary;
    let _ = writeln!(
        out,
        "walk-forward {} ({}): {} windows ({} tested, {} not run) on {jobs} threads in {:.2} s",
        r.dataset.name,
        layout_text(r),
        r.windows.len(),
        s.windows_tested,
        s.windows_not_run,
        elapsed.as_secs_f64()
    );
    let m = &r.metric;
    for w in &r.windows {
        let span = format!(
            "  {:>2}. train {} -> {}, test {} -> {}:",
            w.window,
            minute(w.span.train_start),
            minute(w.span.train_end),
            minute(w.span.test_start),
            minute(w.span.test_end)
        );
        match &w.reason {
            Some(why) => {
                let _ = writeln!(out, "{span} not run: {why}");
            }
            None => {
                let _ = writeln!(
                    out,
                    "{span} {}  {m} in {} out {}  return out {}  trades {}",
                    w.chosen.join(" "),
                    value(w.in_sample),
                    value(w.out_of_sample),
                    pct(w.out_of_sample_return),
                    w.out_of_sample_trades.unwrap_or(0)
                );
            }
        }
    }
    if let Some(n) = &r.not_fitting {
        let _ = writeln!(out, "  last window not run: {}", n.reason);
    }
    let o = &s.out_of_sample;
    let _ = writeln!(
        out,
        "out of sample (stitched): return {:+.2}%, sharpe {}, max drawdown {:.2}%, trades {}; mean {m} in {} out {}, walk-forward efficiency {}",
        o.total_return * 100.0,
        value(o.sharpe),
        o.max_drawdown * 100.0,
        o.trades,
        value(s.mean_in_sample),
        value(s.mean_out_of_sample),
        value(s.efficiency)
    );
    out
}

/// Writes `report.html` and `charts/*.png` into the unfinished walk-forward folder.
pub fn write_report(
    partial: &Partial,
    record: &WalkForwardRecord,
    wf: &WalkForward,
) -> anyhow::Result<()> {
    let view = view(record, wf);
    let (html, charts) = reports::walkforward::render(&view)
        .map_err(|e| anyhow::anyhow!("cannot draw the walk-forward report: {e}"))?;
    for c in &charts {
        partial.write_file(&format!("charts/{}", c.file), &c.png)?;
    }
    partial.write_file("report.html", html.as_bytes())
}

fn row(r: &WalkForwardRecord, w: &WindowRecord) -> WindowRow {
    let chosen = r
        .grid
        .iter()
        .filter_map(|a| {
            let prefix = format!("{}=", a.key);
            w.chosen
                .iter()
                .find_map(|c| c.strip_prefix(&prefix))
                .map(|v| v.trim_matches('"').to_string())
        })
        .collect();
    WindowRow {
        window: w.window,
        train: (w.span.train_start, w.span.train_end),
        test: (w.span.test_start, w.span.test_end),
        chosen,
        in_sample: w.in_sample,
        out_of_sample: w.out_of_sample,
        in_sample_return: w.in_sample_return,
        out_of_sample_return: w.out_of_sample_return,
        out_of_sample_trades: w.out_of_sample_trades,
        not_run: w.reason.clone(),
    }
}

fn view(r: &WalkForwardRecord, wf: &WalkForward) -> WalkForwardView {
    let s = &r.summary;
    let o = &s.out_of_sample;
    let m = &r.metric;
    let summary = vec![
        (
            "out-of-sample return".to_string(),
            format!("{:+.2}%", o.total_return * 100.0),
        ),
        ("out-of-sample sharpe".to_string(), value(o.sharpe)),
        (
            "out-of-sample max drawdown".to_string(),
            format!("{:.2}%", o.max_drawdown * 100.0),
        ),
        ("out-of-sample trades".to_string(), o.trades.to_string()),
        (
            "final equity (USDT)".to_string(),
            s.final_equity.map_or("-".into(), |e| format!("{e:.2}")),
        ),
        (format!("mean {m} in sample"), value(s.mean_in_sample)),
        (
            format!("mean {m} out of sample"),
            value(s.mean_out_of_sample),
        ),
        (
            "walk-forward efficiency (out / in)".to_string(),
            value(s.efficiency),
        ),
        (
            "windows tested / not run".to_string(),
            format!("{} / {}", s.windows_tested, s.windows_not_run),
        ),
    ];
    let method = vec![
        ("windows".to_string(), layout_text(r)),
        ("stitching".to_string(), r.stitching.clone()),
        ("warm-up".to_string(), r.warm_up.clone()),
        (
            "walk-forward efficiency".to_string(),
            format!(
                "mean out-of-sample {m} / mean in-sample {m} over the tested windows; given only when the in-sample mean is positive"
            ),
        ),
    ];
    let d = &r.dataset;
    let provenance = provenance_rows(&Provenance {
        sim_version: &r.sim_version,
        dataset: d,
        exchange_info: &r.exchange_info,
        config_source: &r.config_source,
        draw: &r.draw,
        sets: &r.sets,
        axes: &r.grid,
    });
    WalkForwardView {
        dataset: d.name.clone(),
        synthetic: d.synthetic,
        metric: m.clone(),
        layout: layout_text(r),
        keys: r.grid.iter().map(|a| a.key.clone()).collect(),
        windows: r.windows.iter().map(|w| row(r, w)).collect(),
        not_fitting: r.not_fitting.as_ref().map(|n| n.reason.clone()),
        equity: stitch::curve(wf),
        initial_balance: s.initial_balance,
        summary,
        method,
        provenance,
    }
}
