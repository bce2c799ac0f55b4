//! Parity: do two runs decide the same? [`compare_runs`] reads two run folders (a backtest, or
//! a session recorded by `sim live`, and its replay) and measures, per stage, the share of
//! identical decisions, the fill price and time errors, and the PnL difference, and names the
//! first divergence (stage, field, both values, and where each was read).
//! - `records`: the decisions of one folder; `align`: pairing and comparing them.
//!
//! Must never live here: running anything (the replay is `sim`'s), or the engine's types.

mod align;
mod records;

use std::path::Path;

pub use align::{Divergence, StageParity};
pub use records::{Decision, FillRecord, STAGES};

use crate::error::ReportError;
use crate::journal_format::{self, JournalFile};
use crate::run_folder::files::require_table;
use crate::run_folder::tables::parse_trades;

/// The fill errors between paired fills (paired in order, per symbol).
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct FillErrors {
    pub paired: usize,
    pub mean_abs_bps: f64,
    pub max_abs_bps: f64,
    pub max_abs_time_ms: i64,
}

/// The comparison of run `a` with run `b`.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Parity {
    /// The two run folders, as given.
    pub a: String,
    pub b: String,
    pub stages: Vec<StageParity>,
    pub fills: FillErrors,
    /// Sum of closed and open trades' net PnL (USDT), from `trades.csv`.
    pub pnl_a: f64,
    pub pnl_b: f64,
    pub first_divergence: Option<Divergence>,
}

impl Parity {
    /// True when every stage's decisions are identical (and so are the fills).
    pub fn identical(&self) -> bool {
        self.first_divergence.is_none()
    }

    /// Plain-text summary, one line per stage, then fills, PnL and the first divergence.
    pub fn render(&self) -> String {
        use std::fmt::Write as _;
        let mut s = format!("decisions per stage ({} vs {}):\n", self.a, self.b);
        for st in &self.stages {
            let _ = writeln!(
                s,
                "  {:<9} {:>7} vs {:>7}  identical {:>7}  {:>7.2}%",
                st.stage,
                st.a,
                st.b,
                st.identical,
                st.share() * 100.0
            );
        }
        let f = &self.fills;
        let _ = writeln!(
            s,
            "fills paired {}: price error mean {:.2} bps, max {:.2} bps; time error max {} ms",
            f.paired, f.mean_abs_bps, f.max_abs_bps, f.max_abs_time_ms
        );
        let _ = writeln!(
            s,
            "net PnL {:.4} vs {:.4} USDT (difference {:+.4})",
            self.pnl_a,
            self.pnl_b,
            self.pnl_b - self.pnl_a
        );
        match &self.first_divergence {
            None => s.push_str("no divergence: every decision is identical\n"),
            Some(d) => {
                let _ = writeln!(
                    s,
                    "first divergence at {} {} in stage `{}`, field `{}`: {} vs {} ({} / {})",
                    pipeline::TimestampMs(d.time_ms),
                    d.symbol,
                    d.stage,
                    d.field,
                    d.a,
                    d.b,
                    d.a_source,
                    d.b_source
                );
            }
        }
        s
    }
}

/// The error for a run folder with neither form of a journal.
fn missing(dir: &Path, plain: &str, compact: &str) -> ReportError {
    ReportError::Read {
        path: dir.join(plain),
        source: std::io::Error::new(
            std::io::ErrorKind::NotFound,
            format!(
                "neither {plain} nor {compact} exists (a run with --journal off cannot be compared)"
            ),
        ),
    }
}

/// Every decision of the run folder `dir`, with each fill's price.
fn decisions(dir: &Path) -> Result<(Vec<Decision>, Vec<FillRecord>), ReportError> {
    let mut out = Vec::new();
    for file in JournalFile::BOTH {
        let (p, text) = journal_format::read_to_string(dir, file)?
            .ok_or_else(|| missing(dir, &file.jsonl_name(), &file.compact_name()))?;
        out.extend(records::from_journal(&p, &file.jsonl_name(), &text)?);
    }
    let (p, text) = require_table(dir, "fills.csv")?;
    let fills = records::from_fills(&p, &text)?;
    out.extend(fills.iter().map(|f| f.0.clone()));
    Ok((out, fills))
}

fn pnl(dir: &Path) -> Result<f64, ReportError> {
    let (p, text) = require_table(dir, "trades.csv")?;
    Ok(parse_trades(&p, &text)?.iter().map(|t| t.net_pnl).sum())
}

/// Pairs fills in order per symbol and measures price (bps of `b`'s price) and time errors.
fn fill_errors(a: &[FillRecord], b: &[FillRecord]) -> FillErrors {
    let mut e = FillErrors::default();
    let mut total = 0.0;
    let symbols: std::collections::BTreeSet<&str> = a.iter().map(|f| f.0.symbol.as_str()).collect();
    for sym in symbols {
        let xa = a.iter().filter(|f| f.0.symbol == sym);
        let xb = b.iter().filter(|f| f.0.symbol == sym);
        for (fa, fb) in xa.zip(xb) {
            let bps = if fb.1 != 0.0 {
                ((fa.1 - fb.1) / fb.1).abs() * 1e4
            } else {
                0.0
            };
            e.paired += 1;
            total += bps;
            e.max_abs_bps = e.max_abs_bps.max(bps);
            e.max_abs_time_ms = e.max_abs_time_ms.max((fa.0.time_ms - fb.0.time_ms).abs());
        }
    }
    if e.paired > 0 {
        e.mean_abs_bps = total / e.paired as f64;
    }
    e
}

/// Compares the run folders `a` and `b` (each needs `orders.jsonl`, `results.jsonl`,
/// `fills.csv` and `trades.csv`).
pub fn compare_runs(a: &Path, b: &Path) -> Result<Parity, ReportError> {
    let ((da, fa), (db, fb)) = (decisions(a)?, decisions(b)?);
    let (stages, first_divergence) = align::compare(&da, &db);
    Ok(Parity {
        a: a.display().to_string(),
        b: b.display().to_string(),
        stages,
        fills: fill_errors(&fa, &fb),
        pnl_a: pnl(a)?,
        pnl_b: pnl(b)?,
        first_divergence,
    })
}
