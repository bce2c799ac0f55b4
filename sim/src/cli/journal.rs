//! `sim journal cat RUN`: a run folder's journal records as today's JSON lines (`--json`), or
//! one readable line each, from whichever form the folder holds (`orders.journal.zst` and
//! `results.journal.zst`, or the `orders.jsonl`/`results.jsonl` of older folders and live
//! sessions), so grep and jq habits keep working. `--stage`, `--symbol` and `--file` select.
//! Must never live here: decoding (that is `reports::journal_format`).

use std::collections::HashMap;
use std::io::{BufRead, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::{Args, Subcommand, ValueEnum};
use reports::journal_format::{self, JournalFile};
use serde_json::Value;

#[derive(Debug, Subcommand)]
pub enum JournalCommand {
    /// Print a run folder's journal records (orders, then results), in order.
    Cat(CatArgs),
}

#[derive(Debug, Args)]
pub struct CatArgs {
    /// A run folder written by `sim backtest` (or a `sim live` session folder).
    pub run: PathBuf,
    /// Only the records of this stage or kind: strategy, trader, bridge, governor, permit,
    /// executor (each stage's own records and its drops), or a record kind (signal, intent,
    /// recorded_intent, plan, governed, order, venue_answer, result, drop, mismatch, sizing).
    #[arg(long, value_name = "S")]
    pub stage: Option<String>,
    /// Only the records about this symbol (orders and venue answers take their plan's).
    #[arg(long, value_name = "X")]
    pub symbol: Option<String>,
    /// Only one of the two journals.
    #[arg(long, value_enum)]
    pub file: Option<WhichFile>,
    /// Print each record as its JSON line, byte for byte what `orders.jsonl` and
    /// `results.jsonl` hold.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum WhichFile {
    Orders,
    Results,
}

pub fn run(cmd: JournalCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        JournalCommand::Cat(args) => cat(&args),
    }
}

/// The record kinds each stage makes (drops are matched by their own `stage` field).
const STAGE_KINDS: [(&str, &[&str]); 6] = [
    ("strategy", &["signal"]),
    ("trader", &["intent", "recorded_intent"]),
    ("bridge", &["plan", "sizing"]),
    ("governor", &["governed"]),
    ("permit", &["permit"]),
    ("executor", &["order", "venue_answer", "result", "mismatch"]),
];

const KINDS: [&str; 12] = [
    "signal",
    "intent",
    "recorded_intent",
    "plan",
    "governed",
    "permit",
    "order",
    "venue_answer",
    "result",
    "drop",
    "mismatch",
    "sizing",
];

/// Which records `--stage` and `--symbol` keep.
struct Select<'a> {
    stage: Option<&'a str>,
    symbol: Option<&'a str>,
    /// The symbol of each plan seen, for records that carry only the plan id.
    plan_symbol: HashMap<String, String>,
}

impl Select<'_> {
    fn keeps(&mut self, v: &Value) -> bool {
        let kind = v["kind"].as_str().unwrap_or_default();
        let own = v["symbol"]
            .as_str()
            .or_else(|| v["order"]["symbol"].as_str())
            .map(str::to_string);
        let plan = v["plan_id"].as_str();
        let symbol = match (own, plan) {
            (Some(s), Some(p)) => {
                self.plan_symbol.insert(p.to_string(), s.clone());
                Some(s)
            }
            (Some(s), None) => Some(s),
            (None, Some(p)) => self.plan_symbol.get(p).cloned(),
            (None, None) => None,
        };
        if let Some(want) = self.symbol
            && symbol.as_deref() != Some(want)
        {
            return false;
        }
        match self.stage {
            None => true,
            Some(s) if s == kind => true,
            Some(s) => {
                let made = STAGE_KINDS
                    .iter()
                    .any(|(stage, kinds)| *stage == s && kinds.contains(&kind));
                made || (kind == "drop" && v["stage"] == s)
            }
        }
    }
}

fn cat(args: &CatArgs) -> anyhow::Result<ExitCode> {
    if let Some(s) = &args.stage
        && !KINDS.contains(&s.as_str())
        && !STAGE_KINDS.iter().any(|(stage, _)| stage == s)
    {
        let stages: Vec<&str> = STAGE_KINDS.iter().map(|(s, _)| *s).collect();
        bail!(
            "unknown --stage {s:?}: use a stage ({}) or a record kind ({})",
            stages.join(", "),
            KINDS.join(", ")
        );
    }
    let files: Vec<JournalFile> = match args.file {
        None => JournalFile::BOTH.to_vec(),
        Some(WhichFile::Orders) => vec![JournalFile::Orders],
        Some(WhichFile::Results) => vec![JournalFile::Results],
    };
    let mut select = Select {
        stage: args.stage.as_deref(),
        symbol: args.symbol.as_deref(),
        plan_symbol: HashMap::new(),
    };
    let filtering = args.stage.is_some() || args.symbol.is_some();
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let mut found = false;
    for file in files {
        let Some((path, lines)) = journal_format::open(&args.run, file)? else {
            continue;
        };
        found = true;
        for (n, line) in lines.lines().enumerate() {
            let line = line.with_context(|| format!("cannot read {}", path.display()))?;
            if line.trim().is_empty() {
                continue;
            }
            if args.json && !filtering {
                writeln!(out, "{line}")?;
                continue;
            }
            let v: Value = serde_json::from_str(&line)
                .with_context(|| format!("{}:{}: not a JSON record", path.display(), n + 1))?;
            if !select.keeps(&v) {
                continue;
            }
            if args.json {
                writeln!(out, "{line}")?;
            } else {
                writeln!(out, "{}", readable(v))?;
            }
        }
    }
    if !found {
        bail!(
            "{} has no journals (orders.journal.zst or orders.jsonl): is it a run folder written by `sim backtest` with journals on?",
            args.run.display()
        );
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// One record as `TIME  KIND  SYMBOL  PLAN  {the other fields}`.
fn readable(mut v: Value) -> String {
    let mut take = |k: &str| v.as_object_mut().and_then(|m| m.remove(k));
    let kind = take("kind").and_then(|k| k.as_str().map(str::to_string));
    let time = take("time")
        .and_then(|t| t.as_i64())
        .map_or_else(|| "-".to_string(), |t| pipeline::TimestampMs(t).to_string());
    let symbol = take("symbol").and_then(|s| s.as_str().map(str::to_string));
    let plan = take("plan_id").and_then(|s| s.as_str().map(str::to_string));
    format!(
        "{time}  {:<12}  {:<10}  {:<16}  {v}",
        kind.unwrap_or_default(),
        symbol.as_deref().unwrap_or("-"),
        plan.as_deref().unwrap_or("-"),
    )
}
