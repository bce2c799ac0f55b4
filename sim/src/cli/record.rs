//! `sim record --redis URL --out DIR [--streams signals,intents] [--window 3h] [--duration D]`:
//! the deployment's messages copied into files a backtest replays (the `deployment` crate's
//! `record`). Read-only, like `sim watch`.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, bail};
use clap::Args;
use deployment::formats::StreamKind;
use deployment::record::{self, RecordConfig};
use deployment::resp::RedisUrl;

use super::watch::{load_wiring, parse_duration};

#[derive(Debug, Args)]
pub struct RecordArgs {
    /// The deployment's Redis, e.g. redis://127.0.0.1:6379 (read-only).
    #[arg(long)]
    pub redis: String,
    /// The folder to write signals.jsonl, intents.jsonl (and plans/results.jsonl) into.
    #[arg(long)]
    pub out: PathBuf,
    /// Which stages' output to copy: signals, intents, plans, results (comma-separated).
    #[arg(long, default_value = "signals,intents", value_delimiter = ',')]
    pub streams: Vec<String>,
    /// A run config whose [topology] names the streams (default: the original stream names).
    #[arg(long, conflicts_with = "env_dir")]
    pub config: Option<PathBuf>,
    /// The services' env files (e.g. a copy of /etc/quantum).
    #[arg(long)]
    pub env_dir: Option<PathBuf>,
    /// Copy only the entries of this last stretch (90s, 30m, 3h, 2d); default: all of them.
    #[arg(long)]
    pub window: Option<String>,
    /// Keep copying new entries this long (e.g. 8h); default: copy what is there and stop.
    #[arg(long)]
    pub duration: Option<String>,
    /// Entries per XRANGE page.
    #[arg(long, default_value_t = 1000)]
    pub page: usize,
}

fn kind(name: &str) -> anyhow::Result<StreamKind> {
    Ok(match name.trim() {
        "signals" => StreamKind::Signal,
        "intents" => StreamKind::Intent,
        "plans" => StreamKind::Plan,
        "results" => StreamKind::Result,
        other => bail!("--streams {other}: use signals, intents, plans or results"),
    })
}

pub fn run(args: RecordArgs) -> anyhow::Result<ExitCode> {
    let wiring = load_wiring(args.config.as_ref(), args.env_dir.as_ref(), "")?;
    let mut streams = Vec::new();
    for name in &args.streams {
        let k = kind(name)?;
        let stream = wiring.output_stream(k).with_context(|| {
            format!("the topology names no stream for {name}; set its stage's `writes`")
        })?;
        streams.push((k, stream.to_string()));
    }
    let millis = |d: Duration| i64::try_from(d.as_millis()).context("the duration is too long");
    let window_ms = match &args.window {
        Some(w) => Some(millis(parse_duration(w, "--window")?)?),
        None => None,
    };
    let cfg = RecordConfig {
        url: RedisUrl::parse(&args.redis)?,
        streams,
        out: args.out.clone(),
        window_ms,
        duration: args
            .duration
            .as_deref()
            .map(|d| parse_duration(d, "--duration"))
            .transpose()?,
        poll: Duration::from_secs(1),
        page: args.page.max(1),
    };
    let summary = record::record(&cfg)?;
    for f in &summary.files {
        let replay = match f.kind {
            StreamKind::Signal => format!(
                "; replay: sim backtest --set strategy.name='\"signals_file\"' --set strategy.path='\"{}\"'",
                f.path.display()
            ),
            StreamKind::Intent => format!("; replay: sim backtest --intents {}", f.path.display()),
            _ => String::new(),
        };
        println!(
            "{} -> {}: {} written, {} left out{replay}",
            f.stream,
            f.path.display(),
            f.written,
            f.skipped
        );
    }
    for m in &summary.skipped {
        eprintln!(
            "left out {} entry {}: field '{}' is missing or not readable by the replay",
            m.stream, m.id, m.field
        );
    }
    Ok(ExitCode::SUCCESS)
}
