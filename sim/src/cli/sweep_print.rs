//! `sim sweep`'s output: the lines it prints (best points, skipped points, time) and the
//! report it writes into the sweep folder (the results handed to `reports::sweep` as a view).

use std::fmt::Write as _;
use std::time::Duration;

use reports::sweep::{Param, SweepView};
use sim::sweep::PointResult;
use sim::sweep::folder::{DatasetStamp, Partial, SweepRecord};
use sim::sweep::overfitting::{Overfitting, Statistic};
use sim::sweep::plan::{Axis, Draw};
use sim::sweep::point::{Outcome, Row};
use sim::sweep::results;

/// How many best points the terminal shows.
const PRINTED: usize = 5;

/// The lines printed after a sweep.
pub fn summary(
    record: &SweepRecord,
    axes: &[Axis],
    res: &[PointResult],
    metric: &str,
    elapsed: Duration,
    jobs: usize,
) -> String {
    let mut out = String::new();
    if record.dataset.synthetic {
        let _ = writeln!(
            out,
            "NOTE: dataset {} is SYNTHETIC (generated, not real market data); results say nothing about real markets.",
            record.dataset.name
        );
    }
    let secs = elapsed.as_secs_f64();
    let _ = writeln!(
        out,
        "sweep {}: {} points ({} ran, {} skipped) on {jobs} threads in {secs:.2} s ({:.1} points/s)",
        record.dataset.name,
        record.points,
        record.ran,
        record.skipped.len(),
        if secs > 0.0 {
            record.ran as f64 / secs
        } else {
            0.0
        }
    );
    let _ = writeln!(out, "best by {metric}:");
    for (rank, &i) in results::ranking(res, metric)
        .iter()
        .take(PRINTED)
        .enumerate()
    {
        if let Outcome::Ran(row) = &res[i].outcome {
            let value =
                results::metric_value(row, metric).map_or("-".into(), |v| format!("{v:.4}"));
            let _ = writeln!(
                out,
                "  {:>2}. point {:<4} {:<40} {metric} {value}  return {:+.2}%  trades {}",
                rank + 1,
                res[i].point.id,
                res[i].point.overrides(axes).join(" "),
                row.metrics.total_return * 100.0,
                row.metrics.trades
            );
        }
    }
    for s in &record.skipped {
        let _ = writeln!(
            out,
            "skipped point {} ({}): {}",
            s.point,
            s.set.join(" "),
            s.reason
        );
    }
    out
}

/// Writes `report.html` and `charts/*.png` into the unfinished sweep folder.
pub fn write_report(
    partial: &Partial,
    record: &SweepRecord,
    axes: &[Axis],
    res: &[PointResult],
) -> anyhow::Result<()> {
    let view = view(record, axes, res);
    let (html, charts) = reports::sweep::render(&view)
        .map_err(|e| anyhow::anyhow!("cannot draw the sweep report: {e}"))?;
    for c in &charts {
        partial.write_file(&format!("charts/{}", c.file), &c.png)?;
    }
    partial.write_file("report.html", html.as_bytes())
}

/// A swept value as shown: a TOML string without its quotes.
fn shown(toml_text: &str) -> String {
    toml_text
        .strip_prefix('"')
        .and_then(|t| t.strip_suffix('"'))
        .unwrap_or(toml_text)
        .to_string()
}

fn view(record: &SweepRecord, axes: &[Axis], res: &[PointResult]) -> SweepView {
    let ran: Vec<(&PointResult, &Row)> = res
        .iter()
        .filter_map(|r| match &r.outcome {
            Outcome::Ran(row) => Some((r, row.as_ref())),
            Outcome::Skipped(_) => None,
        })
        .collect();
    let metric = record.metric.as_str();
    let params = axes
        .iter()
        .enumerate()
        .map(|(a, axis)| {
            let text: Vec<String> = ran.iter().map(|(r, _)| shown(&r.point.values[a])).collect();
            Param {
                key: axis.key.clone(),
                number: text.iter().map(|t| t.parse().ok()).collect(),
                text,
            }
        })
        .collect();
    let col = |name: &str, f: &dyn Fn(&Row) -> String| {
        (
            name.to_string(),
            ran.iter().map(|(_, row)| f(row)).collect(),
        )
    };
    let pct = |v: f64| format!("{:+.2}%", v * 100.0);
    let columns = vec![
        col("return", &|r| pct(r.metrics.total_return)),
        col("max drawdown", &|r| pct(-r.metrics.max_drawdown)),
        col("sharpe", &|r| {
            r.metrics.sharpe.map_or("–".into(), |v| format!("{v:.2}"))
        }),
        col("trades", &|r| r.metrics.trades.to_string()),
        col("win rate", &|r| r.metrics.win_rate.map_or("–".into(), pct)),
        col("fees", &|r| format!("{:.2}", r.fees)),
        col("funding", &|r| format!("{:.2}", r.funding)),
        col("liquidations", &|r| r.liquidations.to_string()),
    ];
    // The ranking metric has its own column already.
    let columns: Vec<(String, Vec<String>)> =
        columns.into_iter().filter(|(n, _)| n != metric).collect();
    let d = &record.dataset;
    let provenance = provenance_rows(&Provenance {
        sim_version: &record.sim_version,
        dataset: d,
        exchange_info: &record.exchange_info,
        config_source: &record.config_source,
        draw: &record.draw,
        sets: &record.sets,
        axes,
    });
    SweepView {
        dataset: d.name.clone(),
        synthetic: d.synthetic,
        metric: metric.to_string(),
        lower_better: results::METRICS
            .iter()
            .any(|(m, lower)| *m == metric && *lower),
        params,
        values: ran
            .iter()
            .map(|(_, row)| results::metric_value(row, metric))
            .collect(),
        points: ran.iter().map(|(r, _)| r.point.id).collect(),
        columns,
        skipped: record
            .skipped
            .iter()
            .map(|s| (s.set.join(" "), s.reason.clone()))
            .collect(),
        overfitting: overfitting_lines(&record.overfitting),
        provenance,
    }
}

/// Where a sweep's or a walk-forward's numbers come from, for its report.
pub struct Provenance<'a> {
    pub sim_version: &'a str,
    pub dataset: &'a DatasetStamp,
    pub exchange_info: &'a str,
    pub config_source: &'a str,
    pub draw: &'a Draw,
    pub sets: &'a [String],
    pub axes: &'a [Axis],
}

/// The report's provenance table: version, data, rules, base config, draw, `--set`s, grid.
pub fn provenance_rows(p: &Provenance<'_>) -> Vec<(String, String)> {
    let d = p.dataset;
    let mut rows = vec![
        ("sim version".to_string(), p.sim_version.to_string()),
        (
            "dataset".to_string(),
            format!(
                "{} ({}, {} {} bars)",
                d.name,
                d.symbols.join(","),
                d.bars,
                d.interval
            ),
        ),
        ("data sha256".to_string(), d.data_sha256.clone()),
        ("exchange info".to_string(), p.exchange_info.to_string()),
        ("base config".to_string(), p.config_source.to_string()),
        ("draw".to_string(), format!("{:?}", p.draw)),
    ];
    for set in p.sets {
        rows.push(("--set".to_string(), set.clone()));
    }
    for a in p.axes {
        rows.push((
            "grid".to_string(),
            format!("{} = {}", a.key, a.values.join(", ")),
        ));
    }
    rows
}

/// The overfitting statistics in words, for the report.
fn overfitting_lines(o: &Overfitting) -> Vec<(String, String)> {
    let dsr = match &o.deflated_sharpe {
        Statistic::Value(d) => format!(
            "{:.3}: the probability that point {}'s true daily Sharpe ratio ({:.4}) beats {:.4}, \
             what the best of {} worthless points would reach by luck (its {} daily returns: \
             skewness {:.2}, kurtosis {:.2}); 0.95 or more is the paper's bar for a discovery",
            d.probability,
            d.point,
            d.daily_sharpe,
            d.expected_max_daily_sharpe,
            o.trials,
            o.days,
            d.skewness,
            d.kurtosis
        ),
        Statistic::NotComputed(why) => format!("not computed: {why}"),
    };
    let pbo = match &o.pbo {
        Statistic::Value(p) => format!(
            "{:.3}: in {:.0}% of the {} CSCV splits ({} blocks of days) the in-sample best point \
             ranked at or below the out-of-sample median; it lost money out of sample in {:.0}%",
            p.probability,
            p.probability * 100.0,
            p.splits,
            p.blocks,
            p.probability_of_loss * 100.0
        ),
        Statistic::NotComputed(why) => format!("not computed: {why}"),
    };
    vec![
        ("deflated Sharpe ratio".to_string(), dsr),
        ("probability of backtest overfitting".to_string(), pbo),
    ]
}
