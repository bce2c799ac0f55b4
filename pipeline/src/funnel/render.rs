//! Plain-text tables of a [`Funnel`] for the CLI: stage x type with in, out, dropped and the
//! reasons; the same per symbol; and the sizing traces.
//! Must never live here: colours, terminal handling, or wording for `sim explain` (explain.rs).

use std::fmt::Write;

use super::{Counts, Funnel, StageMap};
use crate::stages::{EvalType, Stage};

fn reasons(c: &Counts) -> String {
    let mut v: Vec<_> = c.dropped.iter().collect();
    v.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    v.iter()
        .map(|(r, n)| format!("{r} {n}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// One row per stage and type; `label` (a symbol) opens each row when given.
fn rows(out: &mut String, label: Option<&str>, stages: &StageMap) {
    for stage in Stage::ALL {
        let Some(per) = stages.get(&stage) else {
            continue;
        };
        for eval in EvalType::BOTH {
            let c = per.get(eval);
            if let Some(l) = label {
                let _ = write!(out, "{l:<12} ");
            }
            let _ = writeln!(
                out,
                "{:<9} {:<5} {:>7} {:>7} {:>7}  {}",
                stage.as_str(),
                eval.as_str(),
                c.input,
                c.output,
                c.dropped_total(),
                reasons(c)
            );
        }
    }
}

impl Funnel {
    /// The funnel table: one row per stage and type, then orders, fills and the ledger.
    pub fn render_table(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "signals {}, recorded intents {}",
            self.signals, self.recorded_intents
        );
        let _ = writeln!(
            out,
            "{:<9} {:<5} {:>7} {:>7} {:>7}  reasons",
            "stage", "type", "in", "out", "dropped"
        );
        rows(&mut out, None, &self.stages);
        let v = &self.venue;
        for eval in EvalType::BOTH {
            let _ = writeln!(
                out,
                "{:<9} {:<5} {}",
                "venue",
                eval.as_str(),
                v.orders_line(eval)
            );
        }
        let _ = writeln!(
            out,
            "{:<9} {:<5} upsized {}, TP/SL placed {}, failed {}, cancelled {}, fill events {}",
            "venue",
            "",
            v.upsized,
            v.protective_placed,
            v.protective_failed,
            v.protective_cancelled,
            v.fill_events
        );
        let l = &self.ledger;
        let by: Vec<String> = l
            .mismatches_by_symbol
            .iter()
            .map(|(s, n)| format!("{s} {n}"))
            .collect();
        let _ = writeln!(
            out,
            "{:<9} {:<5} mismatches with the venue {}{}, reconciliations {}",
            "ledger",
            "",
            l.mismatches,
            if by.is_empty() {
                String::new()
            } else {
                format!(" ({})", by.join(", "))
            },
            l.reconciliations
        );
        out
    }

    /// The same table per symbol.
    pub fn render_by_symbol(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "{:<12} {:<9} {:<5} {:>7} {:>7} {:>7}  reasons",
            "symbol", "stage", "type", "in", "out", "dropped"
        );
        for (symbol, stages) in &self.by_symbol {
            rows(&mut out, Some(symbol), stages);
        }
        out
    }

    /// The sizing traces, at most `limit` rows (the first ones).
    pub fn render_sizing(&self, limit: usize) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "{:>6} {:<10} {:<5} {:<14} {:>8} {:>4} {:>12} {:>12} {:>10} {:>10} {:>12} {:>8}  outcome",
            "seq",
            "symbol",
            "type",
            "form",
            "usd",
            "lev",
            "price",
            "raw qty",
            "step qty",
            "final qty",
            "notional",
            "min"
        );
        let d = |v: Option<rust_decimal::Decimal>, dp: u32| {
            v.map_or_else(
                || "-".to_string(),
                |x| crate::domain::decimal_text::plain_text(x.round_dp(dp)),
            )
        };
        for t in self.sizing.iter().take(limit) {
            let _ = writeln!(
                out,
                "{:>6} {:<10} {:<5} {:<14} {:>8} {:>4} {:>12} {:>12} {:>10} {:>10} {:>12} {:>8}  {}",
                t.seq,
                t.symbol,
                t.eval_type.as_str(),
                t.form,
                d(t.requested_usd, 2),
                d(t.leverage, 2),
                d(t.price, 8),
                d(t.raw_qty, 8),
                d(t.step_qty, 8),
                d(t.final_qty, 8),
                d(t.notional, 2),
                d(t.min_notional, 2),
                t.outcome()
            );
        }
        let total = self.sizing_total.max(self.sizing.len() as u64);
        let shown = self.sizing.len().min(limit) as u64;
        if total > shown {
            let _ = writeln!(
                out,
                "... {} more (every trace is a `sizing` record in orders.jsonl)",
                total - shown
            );
        }
        out
    }
}
