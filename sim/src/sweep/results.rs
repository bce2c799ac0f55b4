//! The sweep's results: the points ranked by the chosen metric, and the results table (one
//! row per point that ran: its parameters, every metric of `summary.json`, trades, fees,
//! funding, liquidations, orders, fills and the funnel's drops by `stage.reason`) as
//! `results.csv` and `results.parquet`.
//!
//! Rows are in plan order whatever order the points finished in; every number is written with
//! Rust's shortest exact float text, so the same sweep gives the same bytes.
//! Must never live here: running points, `sweep.json`'s plan, or the report.

use std::collections::BTreeSet;
use std::path::Path;

use anyhow::{Context, bail};
use polars::prelude::{Column, DataFrame, ParquetCompression, ParquetWriter};

use super::PointResult;
use super::plan::Axis;
use super::point::{Outcome, Row};

/// Metrics a sweep can rank by; the second part says whether lower is better.
pub const METRICS: [(&str, bool); 18] = [
    ("sharpe", false),
    ("sortino", false),
    ("calmar", false),
    ("total_return", false),
    ("cagr", false),
    ("max_drawdown", true),
    ("max_drawdown_duration_ms", true),
    ("win_rate", false),
    ("profit_factor", false),
    ("expectancy", false),
    ("exposure", false),
    ("trades", false),
    ("avg_holding_ms", false),
    ("final_equity", false),
    ("fees", true),
    ("funding", true),
    ("liquidations", true),
    ("fills", false),
];

/// Checks `--metric`.
pub fn check_metric(name: &str) -> anyhow::Result<()> {
    if METRICS.iter().any(|(m, _)| *m == name) {
        return Ok(());
    }
    let names: Vec<&str> = METRICS.iter().map(|(m, _)| *m).collect();
    bail!(
        "--metric {name}: not a metric a sweep ranks by; use one of {}",
        names.join(", ")
    )
}

/// The value of `metric` in `row` (`None`: undefined for this run, e.g. a Sharpe ratio
/// without returns).
pub fn metric_value(row: &Row, metric: &str) -> Option<f64> {
    let m = &row.metrics;
    match metric {
        "sharpe" => m.sharpe,
        "sortino" => m.sortino,
        "calmar" => m.calmar,
        "total_return" => Some(m.total_return),
        "cagr" => m.cagr,
        "max_drawdown" => Some(m.max_drawdown),
        "max_drawdown_duration_ms" => Some(m.max_drawdown_duration_ms as f64),
        "win_rate" => m.win_rate,
        "profit_factor" => m.profit_factor,
        "expectancy" => m.expectancy,
        "exposure" => Some(m.exposure),
        "trades" => Some(m.trades as f64),
        "avg_holding_ms" => m.avg_holding_ms,
        "final_equity" => Some(row.final_equity),
        "fees" => Some(row.fees),
        "funding" => Some(row.funding),
        "liquidations" => Some(row.liquidations as f64),
        "fills" => Some(row.fills as f64),
        _ => None,
    }
    .filter(|v| v.is_finite())
}

/// Indexes into `results` of the points that ran, best first by `metric` (undefined values
/// last; ties by plan order).
pub fn ranking(results: &[PointResult], metric: &str) -> Vec<usize> {
    let lower_better = METRICS.iter().any(|(m, lower)| *m == metric && *lower);
    let mut ran: Vec<(usize, Option<f64>)> = results
        .iter()
        .enumerate()
        .filter_map(|(i, r)| match &r.outcome {
            Outcome::Ran(row) => Some((i, metric_value(row, metric))),
            Outcome::Skipped(_) => None,
        })
        .collect();
    ran.sort_by(|(ia, a), (ib, b)| {
        let by_value = match (a, b) {
            (Some(a), Some(b)) if lower_better => a.total_cmp(b),
            (Some(a), Some(b)) => b.total_cmp(a),
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (None, None) => std::cmp::Ordering::Equal,
        };
        by_value.then(ia.cmp(ib))
    });
    ran.into_iter().map(|(i, _)| i).collect()
}

/// One column of the table.
#[derive(Debug, Clone, PartialEq)]
pub enum Values {
    Text(Vec<String>),
    Int(Vec<u64>),
    Float(Vec<Option<f64>>),
}

/// The results table: named columns of equal length.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    pub columns: Vec<(String, Values)>,
}

/// A swept value as a cell: a TOML string without its quotes, anything else as written.
fn cell_text(toml_text: &str) -> String {
    match toml::from_str::<toml::Table>(&format!("v = {toml_text}")) {
        Ok(t) => match t.get("v") {
            Some(toml::Value::String(s)) => s.clone(),
            _ => toml_text.to_string(),
        },
        Err(_) => toml_text.to_string(),
    }
}

/// The table of the points that ran, in plan order; `rank` is 1 for the best by `metric`.
pub fn table(axes: &[Axis], results: &[PointResult], metric: &str) -> Table {
    let order = ranking(results, metric);
    let mut rank = vec![0u64; results.len()];
    for (r, &i) in order.iter().enumerate() {
        rank[i] = r as u64 + 1;
    }
    let ran: Vec<(usize, &PointResult, &Row)> = results
        .iter()
        .enumerate()
        .filter_map(|(i, r)| match &r.outcome {
            Outcome::Ran(row) => Some((i, r, row.as_ref())),
            Outcome::Skipped(_) => None,
        })
        .collect();
    let ints = |f: &dyn Fn(&Row) -> u64| Values::Int(ran.iter().map(|(_, _, r)| f(r)).collect());
    let floats =
        |f: &dyn Fn(&Row) -> Option<f64>| Values::Float(ran.iter().map(|(_, _, r)| f(r)).collect());
    let mut columns = vec![
        (
            "point".to_string(),
            Values::Int(ran.iter().map(|(_, p, _)| p.point.id).collect()),
        ),
        (
            "rank".to_string(),
            Values::Int(ran.iter().map(|(i, _, _)| rank[*i]).collect()),
        ),
    ];
    for (a, axis) in axes.iter().enumerate() {
        let texts: Vec<String> = ran
            .iter()
            .map(|(_, p, _)| cell_text(&p.point.values[a]))
            .collect();
        let numbers: Option<Vec<Option<f64>>> = texts
            .iter()
            .map(|t| t.parse::<f64>().ok().map(Some))
            .collect();
        let values = match numbers {
            Some(n) => Values::Float(n),
            None => Values::Text(texts),
        };
        columns.push((axis.key.clone(), values));
    }
    for (name, _) in METRICS {
        if matches!(name, "trades" | "liquidations" | "fills") {
            continue;
        }
        columns.push((name.to_string(), floats(&|r| metric_value(r, name))));
    }
    columns.push(("trades".into(), ints(&|r| r.metrics.trades as u64)));
    columns.push(("liquidations".into(), ints(&|r| r.liquidations)));
    columns.push(("orders".into(), ints(&|r| r.orders)));
    columns.push(("fills".into(), ints(&|r| r.fills)));
    let reasons: BTreeSet<&String> = ran.iter().flat_map(|(_, _, r)| r.drops.keys()).collect();
    for reason in reasons {
        let column = ints(&|r| r.drops.get(reason).copied().unwrap_or(0));
        columns.push((format!("drops.{reason}"), column));
    }
    Table { columns }
}

impl Table {
    pub fn rows(&self) -> usize {
        self.columns.first().map_or(0, |(_, v)| match v {
            Values::Text(t) => t.len(),
            Values::Int(t) => t.len(),
            Values::Float(t) => t.len(),
        })
    }

    /// The table as CSV (an undefined number is an empty cell; text with a comma, quote or
    /// line break is quoted, quotes doubled).
    pub fn to_csv(&self) -> String {
        let quote = |t: &str| {
            if t.contains([',', '"', '\n', '\r']) {
                format!("\"{}\"", t.replace('"', "\"\""))
            } else {
                t.to_string()
            }
        };
        let header: Vec<String> = self.columns.iter().map(|(n, _)| quote(n)).collect();
        let mut out = header.join(",") + "\n";
        for i in 0..self.rows() {
            let cells: Vec<String> = self
                .columns
                .iter()
                .map(|(_, v)| match v {
                    Values::Text(t) => quote(&t[i]),
                    Values::Int(t) => t[i].to_string(),
                    Values::Float(t) => t[i].map(|x| x.to_string()).unwrap_or_default(),
                })
                .collect();
            out.push_str(&cells.join(","));
            out.push('\n');
        }
        out
    }

    /// Writes the table as Parquet (typed: text, u64, nullable f64) to `path`.
    pub fn write_parquet(&self, path: &Path) -> anyhow::Result<()> {
        let columns: Vec<Column> = self
            .columns
            .iter()
            .map(|(name, v)| match v {
                Values::Text(t) => Column::new(name.as_str().into(), t),
                Values::Int(t) => Column::new(name.as_str().into(), t),
                Values::Float(t) => Column::new(name.as_str().into(), t),
            })
            .collect();
        let mut df = DataFrame::new(self.rows(), columns)
            .context("the results table's columns differ in length")?;
        let file = std::fs::File::create(path)
            .with_context(|| format!("cannot create {}", path.display()))?;
        ParquetWriter::new(file)
            .with_compression(ParquetCompression::Lz4Raw)
            .finish(&mut df)
            .with_context(|| format!("cannot write {}", path.display()))?;
        Ok(())
    }

    /// A column's numbers (`None` for a text column or an unknown name).
    pub fn numbers(&self, name: &str) -> Option<Vec<Option<f64>>> {
        self.columns
            .iter()
            .find(|(n, _)| n == name)
            .and_then(|(_, v)| match v {
                Values::Float(t) => Some(t.clone()),
                Values::Int(t) => Some(t.iter().map(|x| Some(*x as f64)).collect()),
                Values::Text(_) => None,
            })
    }
}
