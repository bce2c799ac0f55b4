//! `reports`: turns a run folder into numbers and pictures: `report.html` (self-contained) and
//! the PNG charts in `charts/`.
//!
//! Map:
//! - [`write_report`]: the one entry point (`sim backtest` and `sim report` call it).
//! - [`run_folder`]: reads `summary.json`, the CSV tables and the journals; errors name the
//!   file and line.
//! - [`journal_format`]: the compressed journal format (version 1, its schema in the module
//!   doc) and the reader that gives back today's JSON lines from either form.
//! - [`metrics`]: return, CAGR, Sharpe, Sortino, Calmar, drawdown, trade statistics (also used
//!   by the backtest to write `summary.json`).
//! - [`analysis`]: how trades ended, monthly returns, per-symbol figures, rejection reasons,
//!   the PnL histogram.
//! - [`charts`]: plotters drawings (equity, price, funnel, monthly, PnL) encoded as PNG, with
//!   the DejaVu Sans font shipped in `reports/fonts/` (no system font libraries needed).
//! - [`html`]: the page and its tables.
//! - [`parity`]: two run folders compared decision by decision (`sim diff`, `sim replay`).
//! - [`sweep`]: the report of a `sim sweep` folder (top points, heatmap, distribution,
//!   parameter stability), drawn from the results table `sim` hands it.
//! - [`walkforward`]: the report of a `sim walkforward` folder (the stitched out-of-sample
//!   curve, in sample vs out of sample per window, the chosen parameters over time).
//! - [`error`]: the report's error type, [`ReportError`].
//!
//! Must never live here: the engine's internals; a report reads a run folder only, and the same
//! run folder gives the same report byte for byte.

pub mod analysis;
pub mod charts;
pub mod error;
pub mod html;
pub mod journal_format;
pub mod metrics;
pub mod parity;
pub mod run_folder;
pub mod sweep;
pub mod walkforward;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub use error::ReportError;
pub use run_folder::RunFolder;

use analysis::{Bin, ExitKind, MonthReturn, OrderIndex, ReasonRow, SymbolStats};
use charts::Chart;
use charts::price::{Blocked, Event, PriceInput};

/// The most symbols that get a price chart.
pub const MAX_PRICE_CHARTS: usize = 12;

/// What the page shows besides the run folder's own rows.
#[derive(Debug, Clone)]
pub struct Derived {
    /// How each trade of `trades.csv` ended (`None`: still open).
    pub exit_kinds: Vec<Option<ExitKind>>,
    pub reasons: Vec<ReasonRow>,
    /// Drop reason codes, most frequent first (their rank picks colour, pattern and marker).
    pub reason_codes: Vec<String>,
    pub months: Vec<MonthReturn>,
    pub per_symbol: BTreeMap<String, SymbolStats>,
    pub bins: Vec<Bin>,
    /// The funnel in sentences, as `sim explain` prints it.
    pub explain: Vec<String>,
    pub bars_per_year: f64,
    /// Symbols beyond [`MAX_PRICE_CHARTS`] without a price chart.
    pub omitted_symbols: usize,
}

impl Derived {
    pub fn new(run: &RunFolder) -> Derived {
        let s = &run.summary;
        let bar_ms = run.bar_ms();
        let ix = OrderIndex::new(&run.results);
        let reasons = analysis::rejection_reasons(&s.funnel, &run.drops);
        let mut totals: BTreeMap<&str, u64> = BTreeMap::new();
        for r in &reasons {
            *totals.entry(r.reason.as_str()).or_default() += r.count;
        }
        let mut reason_codes: Vec<(&str, u64)> = totals.into_iter().collect();
        reason_codes.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        let start = s
            .account
            .initial_balance
            .parse::<f64>()
            .ok()
            .or_else(|| run.equity.first().map(|p| p.equity))
            .unwrap_or(0.0);
        let pnl: Vec<f64> = run
            .trades
            .iter()
            .filter(|t| t.exit_ms.is_some())
            .map(|t| t.net_pnl)
            .collect();
        Derived {
            exit_kinds: run.trades.iter().map(|t| ix.exit_kind(t, bar_ms)).collect(),
            reason_codes: reason_codes.into_iter().map(|r| r.0.to_string()).collect(),
            reasons,
            months: analysis::monthly_returns(&run.equity, start),
            per_symbol: analysis::per_symbol(&s.funnel, &run.trades),
            bins: analysis::pnl_histogram(&pnl),
            explain: pipeline::funnel::explain(&s.funnel),
            bars_per_year: 365.0 * 86_400_000.0 / bar_ms as f64,
            omitted_symbols: s.dataset.symbols.len().saturating_sub(MAX_PRICE_CHARTS),
        }
    }
}

/// Draws every chart of `run`.
pub fn draw_charts(run: &RunFolder, d: &Derived) -> Result<Vec<Chart>, ReportError> {
    let s = &run.summary;
    let start = s
        .account
        .initial_balance
        .parse::<f64>()
        .unwrap_or_else(|_| run.equity.first().map_or(0.0, |p| p.equity));
    let mut out = vec![charts::render(
        "equity.png",
        "Equity in USDT over time with the drawdown from the running peak under it",
        charts::equity::SIZE,
        |a| charts::equity::draw(a, &run.equity, start),
    )?];
    for sym in s.dataset.symbols.iter().take(MAX_PRICE_CHARTS) {
        let candles: Vec<&run_folder::Candle> =
            run.prices.iter().filter(|c| &c.symbol == sym).collect();
        if candles.is_empty() {
            continue;
        }
        let marks: Vec<&run_folder::Candle> =
            run.marks.iter().filter(|c| &c.symbol == sym).collect();
        let mut events = Vec::new();
        let held: Vec<(i64, Option<i64>, bool)> = run
            .trades
            .iter()
            .filter(|t| &t.symbol == sym)
            .map(|t| (t.entry_ms, t.exit_ms, t.side != "SHORT"))
            .collect();
        for (t, kind) in run.trades.iter().zip(&d.exit_kinds) {
            if &t.symbol != sym {
                continue;
            }
            let entry = if t.side == "SHORT" {
                Event::EntryShort
            } else {
                Event::EntryLong
            };
            events.push((t.entry_ms, t.entry_price, entry));
            if let (Some(x), Some(px), Some(k)) = (t.exit_ms, t.exit_price, kind) {
                events.push((x, px, Event::Exit(*k)));
            }
        }
        let blocked: Vec<Blocked> = run
            .drops
            .iter()
            .filter(|b| &b.symbol == sym)
            .map(|b| Blocked {
                time_ms: b.time_ms,
                price: b.price,
                reason: d
                    .reason_codes
                    .iter()
                    .position(|r| *r == b.reason)
                    .unwrap_or(0),
            })
            .collect();
        let inp = PriceInput {
            symbol: sym,
            interval: &s.dataset.interval,
            candles: &candles,
            marks: &marks,
            events: &events,
            held: &held,
            blocked: &blocked,
            reasons: &d.reason_codes,
        };
        out.push(charts::render(
            &format!("price-{sym}.png"),
            &format!(
                "{sym} price with entries, exits, TP/SL hits, liquidations and blocked intents"
            ),
            charts::price::SIZE,
            |a| charts::price::draw(a, &inp),
        )?);
    }
    out.push(charts::render(
        "funnel.png",
        "Pipeline funnel: each stage's input, output and drops by reason, ENTRY and EXIT",
        charts::funnel::SIZE,
        |a| charts::funnel::draw(a, &s.funnel, &d.reason_codes),
    )?);
    out.push(charts::render(
        "monthly.png",
        "Monthly returns in percent",
        charts::distribution::MONTHLY_SIZE,
        |a| charts::distribution::monthly(a, &d.months),
    )?);
    out.push(charts::render(
        "pnl.png",
        "Histogram of closed trades' net PnL in USDT",
        charts::distribution::PNL_SIZE,
        |a| charts::distribution::pnl(a, &d.bins, s.metrics.expectancy),
    )?);
    Ok(out)
}

/// What [`write_report`] wrote.
#[derive(Debug, Clone)]
pub struct Written {
    pub html: PathBuf,
    pub charts: Vec<PathBuf>,
}

fn write(path: &Path, bytes: &[u8]) -> Result<(), ReportError> {
    std::fs::write(path, bytes).map_err(|source| ReportError::Write {
        path: path.to_path_buf(),
        source,
    })
}

/// Reads the run folder `run_dir` and writes `report.html` and `charts/*.png` into `out_dir`.
pub fn write_report(run_dir: &Path, out_dir: &Path) -> Result<Written, ReportError> {
    write_report_as(run_dir, out_dir, run_dir)
}

/// [`write_report`] for a run folder still under its temporary name (`sim backtest` reports
/// before it publishes the folder): the page names the folder `shown_dir`, where it will be.
pub fn write_report_as(
    run_dir: &Path,
    out_dir: &Path,
    shown_dir: &Path,
) -> Result<Written, ReportError> {
    let mut run = RunFolder::load(run_dir)?;
    run.dir = shown_dir.to_path_buf();
    let derived = Derived::new(&run);
    let charts = draw_charts(&run, &derived)?;
    let chart_dir = out_dir.join("charts");
    std::fs::create_dir_all(&chart_dir).map_err(|source| ReportError::Write {
        path: chart_dir.clone(),
        source,
    })?;
    let mut written = Written {
        html: out_dir.join("report.html"),
        charts: Vec::new(),
    };
    for c in &charts {
        let p = chart_dir.join(&c.file);
        write(&p, &c.png)?;
        written.charts.push(p);
    }
    write(
        &written.html,
        html::page(&run, &derived, &charts).as_bytes(),
    )?;
    Ok(written)
}
