//! What a report derives from a run folder's rows: how each trade ended (signal, take-profit,
//! stop-loss, liquidation), monthly returns, per-symbol figures, the rejection reasons with
//! Binance's codes, and the trade-PnL histogram. Pure functions, unit-tested.
//! Must never live here: file reading (`run_folder`), drawing (`charts`) or HTML (`html`).

use std::collections::BTreeMap;

use pipeline::TimestampMs;
use pipeline::funnel::{Counts, Funnel, StageMap};
use pipeline::stages::{EvalType, Stage};

use crate::metrics::EquityPoint;
use crate::run_folder::{DropRow, ResultRow, TradeRow};

/// How a round trip ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ExitKind {
    /// By an order of the pipeline (an EXIT plan, a reversal, the end of the data).
    Order,
    TakeProfit,
    StopLoss,
    Liquidation,
}

impl ExitKind {
    pub fn label(self) -> &'static str {
        match self {
            ExitKind::Order => "exit",
            ExitKind::TakeProfit => "TP hit",
            ExitKind::StopLoss => "SL hit",
            ExitKind::Liquidation => "liquidated",
        }
    }
}

/// An ENTRY result: time, take-profit stop, stop-loss stop.
type EntryOrders = Vec<(i64, Option<f64>, Option<f64>)>;

/// The accepted orders of a run, by symbol, for matching trades to them.
#[derive(Debug, Default)]
pub struct OrderIndex {
    /// (time, take-profit stop, stop-loss stop) of ENTRY results, by time.
    entries: BTreeMap<String, EntryOrders>,
    /// Times of EXIT results.
    exits: BTreeMap<String, Vec<i64>>,
}

impl OrderIndex {
    pub fn new(results: &[ResultRow]) -> Self {
        let mut ix = OrderIndex::default();
        for r in results {
            if r.eval_type == "EXIT" {
                ix.exits
                    .entry(r.symbol.clone())
                    .or_default()
                    .push(r.time_ms);
            } else {
                ix.entries
                    .entry(r.symbol.clone())
                    .or_default()
                    .push((r.time_ms, r.tp, r.sl));
            }
        }
        ix.entries.values_mut().for_each(|v| v.sort_by_key(|e| e.0));
        ix.exits.values_mut().for_each(|v| v.sort_unstable());
        ix
    }

    /// How `t` ended. A trade closed within one bar of an EXIT order ended by that order; one
    /// that was not, whose entry placed TP/SL orders, ended at the nearer of the two stops.
    pub fn exit_kind(&self, t: &TradeRow, bar_ms: i64) -> Option<ExitKind> {
        let (exit_ms, exit_px) = (t.exit_ms?, t.exit_price?);
        if t.liquidated {
            return Some(ExitKind::Liquidation);
        }
        // The run folder says what closed the trade; older ones are matched to orders below.
        match t.exit_by.as_deref() {
            Some("order") => return Some(ExitKind::Order),
            Some("take_profit") => return Some(ExitKind::TakeProfit),
            Some("stop_loss") => return Some(ExitKind::StopLoss),
            Some("liquidation") => return Some(ExitKind::Liquidation),
            _ => {}
        }
        let near = |a: i64, b: i64| (a - b).abs() <= bar_ms;
        let by_order = self.exits.get(&t.symbol).is_some_and(|v| {
            let i = v.partition_point(|x| *x < exit_ms - bar_ms);
            v.get(i).is_some_and(|x| near(*x, exit_ms))
        });
        if by_order {
            return Some(ExitKind::Order);
        }
        let entry = self.entries.get(&t.symbol).and_then(|v| {
            let i = v.partition_point(|e| e.0 < t.entry_ms - bar_ms);
            v.get(i).filter(|e| near(e.0, t.entry_ms))
        });
        Some(match entry {
            Some((_, Some(tp), Some(sl))) => {
                if (exit_px - tp).abs() <= (exit_px - sl).abs() {
                    ExitKind::TakeProfit
                } else {
                    ExitKind::StopLoss
                }
            }
            Some((_, Some(_), None)) => ExitKind::TakeProfit,
            Some((_, None, Some(_))) => ExitKind::StopLoss,
            _ => ExitKind::Order,
        })
    }
}

/// One calendar month's return (UTC).
#[derive(Debug, Clone, PartialEq)]
pub struct MonthReturn {
    /// `2026-01`.
    pub label: String,
    /// Equity at the end of the month / at the end of the previous one (the first month: at
    /// `start_equity`), minus one.
    pub ret: f64,
}

/// Monthly returns of `equity`; the first month is measured from `start_equity`.
pub fn monthly_returns(equity: &[EquityPoint], start_equity: f64) -> Vec<MonthReturn> {
    let mut out: Vec<MonthReturn> = Vec::new();
    let mut base = start_equity;
    let mut current: Option<((i32, u32), f64)> = None;
    for p in equity {
        // A bar closing exactly at midnight belongs to the month it closes.
        let (y, m, ..) = TimestampMs(p.time_ms - 1).to_utc_parts();
        match current {
            Some((key, last)) if key != (y, m) => {
                out.push(month(key, base, last));
                base = last;
                current = Some(((y, m), p.equity));
            }
            _ => current = Some(((y, m), p.equity)),
        }
    }
    if let Some((key, last)) = current {
        out.push(month(key, base, last));
    }
    out
}

fn month((y, m): (i32, u32), base: f64, last: f64) -> MonthReturn {
    MonthReturn {
        label: format!("{y:04}-{m:02}"),
        ret: if base > 0.0 { last / base - 1.0 } else { 0.0 },
    }
}

/// One symbol's line of the per-symbol table.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SymbolStats {
    /// Signals and recorded intents that entered the pipeline.
    pub entered: u64,
    /// Orders the venue accepted.
    pub orders: u64,
    pub dropped: u64,
    pub closed_trades: u64,
    pub wins: u64,
    pub net_pnl: f64,
    pub fees: f64,
    pub funding: f64,
    pub liquidations: u64,
}

fn sum_eval(per: &StageMap, f: impl Fn(&Counts) -> u64) -> u64 {
    per.values().map(|p| f(&p.entry) + f(&p.exit)).sum()
}

/// Per-symbol figures from the funnel's `by_symbol` and the trades.
pub fn per_symbol(funnel: &Funnel, trades: &[TradeRow]) -> BTreeMap<String, SymbolStats> {
    let mut out: BTreeMap<String, SymbolStats> = BTreeMap::new();
    for (sym, per) in &funnel.by_symbol {
        let get =
            |s: Stage, f: fn(&Counts) -> u64| per.get(&s).map_or(0, |p| f(&p.entry) + f(&p.exit));
        let s = out.entry(sym.clone()).or_default();
        s.entered = (get(Stage::Trader, |c| c.input) + get(Stage::Bridge, |c| c.input))
            .saturating_sub(get(Stage::Trader, |c| c.output));
        s.orders = get(Stage::Executor, |c| c.output);
        s.dropped = sum_eval(per, Counts::dropped_total);
    }
    for t in trades {
        let s = out.entry(t.symbol.clone()).or_default();
        s.fees += t.fees;
        s.funding += t.funding;
        if t.exit_ms.is_some() {
            s.closed_trades += 1;
            s.wins += u64::from(t.net_pnl > 0.0);
            s.net_pnl += t.net_pnl;
        }
        s.liquidations += u64::from(t.liquidated);
    }
    out
}

/// One line of the rejection-reasons table.
#[derive(Debug, Clone, PartialEq)]
pub struct ReasonRow {
    pub stage: String,
    pub eval_type: String,
    pub reason: String,
    pub count: u64,
    /// What came into the stage for this evaluation type.
    pub stage_input: u64,
    pub binance_code: Option<i64>,
    pub binance_msg: Option<String>,
    /// The first such drop's detail ("BTCUSDT, 79.9 < 100").
    pub example: String,
}

/// The funnel's drops by stage, type and reason, split by Binance's code and message where the
/// journal's drop records carry one; most frequent first.
pub fn rejection_reasons(funnel: &Funnel, drops: &[DropRow]) -> Vec<ReasonRow> {
    type Key = (String, String, String);
    /// Count and first detail by Binance (code, message), `None` without one.
    type ByAnswer = BTreeMap<Option<(i64, String)>, (u64, String)>;
    let mut journal: BTreeMap<Key, ByAnswer> = BTreeMap::new();
    for d in drops {
        let key = (d.stage.clone(), d.eval_type.clone(), d.reason.clone());
        let e = journal
            .entry(key)
            .or_default()
            .entry(d.binance.clone())
            .or_insert_with(|| (0, d.detail.clone()));
        e.0 += 1;
    }
    let mut rows = Vec::new();
    for (stage, per) in &funnel.stages {
        for eval in EvalType::BOTH {
            let c = per.get(eval);
            for (reason, n) in &c.dropped {
                let key = (
                    stage.as_str().to_string(),
                    eval.as_str().to_string(),
                    reason.as_str().to_string(),
                );
                let base = ReasonRow {
                    stage: key.0.clone(),
                    eval_type: key.1.clone(),
                    reason: key.2.clone(),
                    count: *n,
                    stage_input: c.input,
                    binance_code: reason.binance_code().map(i64::from),
                    binance_msg: None,
                    example: c.examples.get(reason).cloned().unwrap_or_default(),
                };
                match journal.get(&key) {
                    Some(groups) if groups.values().map(|g| g.0).sum::<u64>() == *n => {
                        for (b, (count, example)) in groups {
                            rows.push(ReasonRow {
                                count: *count,
                                binance_code: b.as_ref().map(|b| b.0).or(base.binance_code),
                                binance_msg: b.as_ref().map(|b| b.1.clone()),
                                example: example.clone(),
                                ..base.clone()
                            });
                        }
                    }
                    _ => rows.push(base),
                }
            }
        }
    }
    // Most frequent first; ties in pipeline order (the funnel's), then by code.
    rows.sort_by_key(|r| std::cmp::Reverse(r.count));
    rows
}

/// One bar of the trade-PnL histogram: [lo, hi) in USDT and how many trades fell in it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bin {
    pub lo: f64,
    pub hi: f64,
    pub count: u64,
}

/// A histogram of `pnl` with zero on a bin edge (so no bin mixes wins and losses): about
/// sqrt(n) bins (at least 10, at most 40) of a round width (1, 2 or 5 times a power of ten).
pub fn pnl_histogram(pnl: &[f64]) -> Vec<Bin> {
    let (Some(min), Some(max)) = (
        pnl.iter().copied().reduce(f64::min),
        pnl.iter().copied().reduce(f64::max),
    ) else {
        return Vec::new();
    };
    let n = ((pnl.len() as f64).sqrt().ceil() as usize).clamp(10, 40);
    let span = (max - min).max(1e-9);
    let w = nice_width(span / n as f64);
    let lo = (min / w).floor() * w;
    let count = (((max - lo) / w).floor() as usize + 1).max(1);
    let mut bins: Vec<Bin> = (0..count)
        .map(|i| Bin {
            lo: lo + i as f64 * w,
            hi: lo + (i + 1) as f64 * w,
            count: 0,
        })
        .collect();
    for v in pnl {
        let i = (((v - lo) / w).floor() as usize).min(count - 1);
        bins[i].count += 1;
    }
    bins
}

/// `w` rounded down to 1, 2 or 5 times a power of ten.
fn nice_width(w: f64) -> f64 {
    let p = 10f64.powf(w.log10().floor());
    [5.0, 2.0, 1.0]
        .into_iter()
        .map(|m| m * p)
        .find(|c| *c <= w)
        .unwrap_or(p)
}

#[cfg(test)]
#[path = "analysis_tests.rs"]
mod tests;
