//! Reading a run folder: [`RunFolder::load`] reads `summary.json`, `trades.csv`, `equity.csv`,
//! `prices.csv` (each plain or zstd-compressed, `equity.csv.zst`), the `drop` and `result`
//! records of the journals (compressed, or the JSON lines of older folders), `config.toml`, and
//! `parity.json` when a comparison was saved there. Every read or parse error names the file
//! (and the line).
//! - [`tables`]: the CSV tables; [`files`]: a table's text, plain or compressed.
//! - [`journal`]: the records a report needs from the journals (`crate::journal_format` reads
//!   either form).
//!
//! Only the fields a report shows are read, and unknown fields are ignored, so a run folder
//! that grows new files or fields still reads.
//! Must never live here: the engine's types or internals (a report reads files only),
//! computation for the report (`analysis`), drawing or HTML.

pub mod files;
pub mod journal;
pub mod tables;

use std::path::{Path, PathBuf};

use pipeline::funnel::Funnel;
use serde::{Deserialize, Serialize};

use crate::error::ReportError;
use crate::journal_format::{self, JournalFile};
use crate::metrics::{EquityPoint, Metrics};
pub use journal::{DropRow, ResultRow};
pub use tables::{Candle, TradeRow};

/// `summary.json`'s `dataset` (the backtest writes these shapes, the report reads them: one
/// schema for both sides).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DatasetInfo {
    pub name: String,
    /// "real" or "synthetic".
    pub kind: String,
    pub synthetic: bool,
    pub symbols: Vec<String>,
    pub interval: String,
    pub first_bar: String,
    pub last_bar: String,
    pub bars: u64,
}

/// `summary.json`'s `execution_model`: every rule of the simulation in force, in words (the
/// backtest writes it, the report and the console show it; empty in older run folders).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ExecutionModel {
    /// MARKET, resting LIMIT and triggered orders: at what price they fill.
    pub fill_price: String,
    /// Which of a bar's extremes comes first when one bar reaches several orders.
    pub intrabar: String,
    /// Bars that reached orders on both sides of their open, where that rule decided which
    /// filled first (0 in older run folders).
    pub intrabar_bars_by_rule: u64,
    /// Bars that reached orders on both sides of their open where the symbol's recorded
    /// trades (aggTrades) decided which filled first (left out of the file when 0).
    #[serde(skip_serializing_if = "is_zero")]
    pub intrabar_bars_by_data: u64,
    /// Both counts in words, with what they rest on.
    pub intrabar_decided: String,
    /// Recorded (files, range, interval) or constant (rate, interval), per symbol.
    pub funding: String,
    /// The price margin, liquidation, triggers and funding are marked at.
    pub mark_price: String,
    /// Fee tier and maker/taker rates.
    pub fees: String,
    pub slippage: String,
    pub latency: String,
}

impl ExecutionModel {
    /// (label, rule) in display order.
    pub fn rows(&self) -> [(&'static str, &str); 8] {
        [
            ("fill price", &self.fill_price),
            ("intrabar order", &self.intrabar),
            ("intrabar decided", &self.intrabar_decided),
            ("funding", &self.funding),
            ("mark price", &self.mark_price),
            ("fees", &self.fees),
            ("slippage", &self.slippage),
            ("latency", &self.latency),
        ]
    }
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// `summary.json`'s `account`: decimal strings, as written.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Account {
    pub initial_balance: String,
    pub wallet_balance: String,
    pub unrealized_pnl: String,
    pub equity: String,
    pub realized_pnl: String,
    pub fees_paid: String,
    pub funding_paid: String,
    pub insurance_covered: String,
}

/// `summary.json`'s `fingerprint`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Fingerprint {
    pub data_sha256: String,
    pub config_sha256: String,
    pub exchange_info_sha256: String,
    pub seed: u64,
    pub trades_sha256: String,
    /// sha256 of the five above: equal for identical runs.
    pub run: String,
}

/// `summary.json`'s `wall_clock`: the only part that differs between identical runs.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct WallClock {
    pub elapsed_ms: f64,
    pub bars_per_second: f64,
}

/// What a report reads from `summary.json`.
#[derive(Debug, Clone, Deserialize)]
pub struct Summary {
    pub dataset: DatasetInfo,
    #[serde(default)]
    pub strategy: serde_json::Value,
    #[serde(default)]
    pub exchange_info: String,
    #[serde(default)]
    pub config_source: String,
    /// The rules the simulation ran under; empty in older run folders.
    #[serde(default)]
    pub execution_model: ExecutionModel,
    pub metrics: Metrics,
    #[serde(default)]
    pub account: Account,
    #[serde(default)]
    pub orders: u64,
    #[serde(default)]
    pub fills: u64,
    pub funnel: Funnel,
    #[serde(default)]
    pub fingerprint: Fingerprint,
    #[serde(default)]
    pub wall_clock: Option<WallClock>,
}

/// Everything a report is made from.
#[derive(Debug, Clone)]
pub struct RunFolder {
    pub dir: PathBuf,
    pub summary: Summary,
    pub trades: Vec<TradeRow>,
    pub equity: Vec<EquityPoint>,
    /// Empty when the folder has no `prices.csv` (older runs): no price chart then.
    pub prices: Vec<Candle>,
    /// The recorded mark price over the same windows (`marks.csv`), empty when the dataset
    /// had none.
    pub marks: Vec<Candle>,
    pub drops: Vec<DropRow>,
    pub results: Vec<ResultRow>,
    /// The resolved config as written (empty when missing).
    pub config_toml: String,
    /// `parity.json` (`sim diff ... --json RUN/parity.json`, `sim replay`): this run compared
    /// with another, decision by decision.
    pub parity: Option<crate::parity::Parity>,
}

fn read(path: &Path) -> Result<String, ReportError> {
    std::fs::read_to_string(path).map_err(|source| ReportError::Read {
        path: path.to_path_buf(),
        source,
    })
}

/// Like [`read`], but a missing file reads as empty.
fn read_optional(path: &Path) -> Result<String, ReportError> {
    match std::fs::read_to_string(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(String::new()),
        other => other.map_err(|source| ReportError::Read {
            path: path.to_path_buf(),
            source,
        }),
    }
}

fn read_parity(path: &Path) -> Result<Option<crate::parity::Parity>, ReportError> {
    let text = read_optional(path)?;
    if text.is_empty() {
        return Ok(None);
    }
    serde_json::from_str(&text)
        .map(Some)
        .map_err(|e| ReportError::parse(path, e.line(), format!("not a parity comparison: {e}")))
}

impl RunFolder {
    /// Reads the run folder `dir`.
    pub fn load(dir: &Path) -> Result<RunFolder, ReportError> {
        let p = |name: &str| dir.join(name);
        let summary_path = p("summary.json");
        let summary: Summary = serde_json::from_str(&read(&summary_path)?).map_err(|e| {
            ReportError::parse(&summary_path, e.line(), format!("not a run summary: {e}"))
        })?;
        let (path, text) = files::require_table(dir, "trades.csv")?;
        let trades = tables::parse_trades(&path, &text)?;
        let (path, text) = files::require_table(dir, "equity.csv")?;
        let equity = tables::parse_equity(&path, &text)?;
        let prices = match files::read_table(dir, "prices.csv")? {
            Some((path, text)) if !text.is_empty() => tables::parse_prices(&path, &text)?,
            _ => Vec::new(),
        };
        let marks = match files::read_table(dir, "marks.csv")? {
            Some((path, text)) if !text.is_empty() => tables::parse_prices(&path, &text)?,
            _ => Vec::new(),
        };
        let drops = match journal_format::open(dir, JournalFile::Orders)? {
            Some((path, lines)) => journal::parse_drops(&path, lines)?,
            None => Vec::new(),
        };
        let results = match journal_format::open(dir, JournalFile::Results)? {
            Some((path, lines)) => journal::parse_results(&path, lines)?,
            None => Vec::new(),
        };
        Ok(RunFolder {
            dir: dir.to_path_buf(),
            summary,
            trades,
            equity,
            prices,
            marks,
            drops,
            results,
            config_toml: read_optional(&p("config.toml"))?,
            parity: read_parity(&p("parity.json"))?,
        })
    }

    /// The bar interval in ms (from the dataset's interval; one minute if unreadable).
    pub fn bar_ms(&self) -> i64 {
        self.summary
            .dataset
            .interval
            .parse::<pipeline::Interval>()
            .map_or(60_000, |i| i.as_ms())
    }
}
