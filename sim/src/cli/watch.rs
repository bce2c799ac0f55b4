//! `sim watch --redis URL [--config FILE | --env-dir DIR] [--prefix P] [--window 3h] [--once [--json] [--lag-interval 1s]]`:
//! the running deployment's streams, groups, live funnel and alarms, read-only. The logic is
//! the `deployment` crate's; this file turns arguments into its [`WatchConfig`] and prints.
//! Exit codes: 0 no alarm, 1 an alarm was raised (`--once`), 2 an error.

use std::io::{IsTerminal, Write};
use std::ops::ControlFlow;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, bail};
use clap::Args;
use deployment::resp::RedisUrl;
use deployment::watch::{self, Event};
use deployment::{ReadLimits, StageWiring, WatchConfig, Wiring};
use sim::config::{self, Topology, env_import};

#[derive(Debug, Args)]
pub struct WatchArgs {
    /// The deployment's Redis, e.g. redis://127.0.0.1:6379 (read-only: never writes or acks).
    #[arg(long)]
    pub redis: String,
    /// A run config whose [topology] names the streams (default: the original stream names).
    #[arg(long, conflicts_with = "env_dir")]
    pub config: Option<PathBuf>,
    /// The services' env files (e.g. a copy of /etc/quantum), read as `sim config import-env`.
    #[arg(long)]
    pub env_dir: Option<PathBuf>,
    /// Put before every stream name: `--prefix sim:` watches what `sim backtest
    /// --mirror-redis` published (default: none, the deployment's own streams).
    #[arg(long, default_value = "")]
    pub prefix: String,
    /// How far back the traffic and funnel look: 90s, 30m, 3h, 1d.
    #[arg(long, default_value = "3h")]
    pub window: String,
    /// Print one snapshot and exit (1 when an alarm is raised).
    #[arg(long)]
    pub once: bool,
    /// With --once: the snapshot as JSON.
    #[arg(long, requires = "once")]
    pub json: bool,
    /// With --once: read the consumer groups, wait this long, then take the snapshot, so a
    /// group whose lag grew in between raises group_lag_growing (one reading cannot see a
    /// lag growing); 0 takes one reading and skips that alarm.
    #[arg(long, default_value = "1s", requires = "once")]
    pub lag_interval: String,
    /// Time between refreshes (also the first reconnection wait).
    #[arg(long, default_value = "2s")]
    pub refresh: String,
    /// Entries per XRANGE page (memory is bounded by one page).
    #[arg(long, default_value_t = 1000)]
    pub page: usize,
    /// Stop after this many snapshots (for scripts and tests; default: until Ctrl-C).
    #[arg(long, hide = true)]
    pub max_refreshes: Option<u64>,
}

/// `850ms`, `90s`, `30m`, `3h`, `1d`, or plain seconds.
pub(super) fn parse_duration(text: &str, flag: &str) -> anyhow::Result<Duration> {
    let t = text.trim();
    let (num, unit) = t.split_at(t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len()));
    let n: u64 = num
        .parse()
        .with_context(|| format!("{flag} {text}: write e.g. 90s, 30m or 3h"))?;
    let ms = match unit {
        "ms" => n,
        "" | "s" => n * 1000,
        "m" => n * 60_000,
        "h" => n * 3_600_000,
        "d" => n * 86_400_000,
        _ => bail!("{flag} {text}: the unit must be ms, s, m, h or d"),
    };
    if ms == 0 {
        bail!("{flag} {text}: must be more than zero");
    }
    Ok(Duration::from_millis(ms))
}

/// The stream names of the topology, each after `prefix`, as the watch's wiring.
fn wiring(t: &Topology, prefix: &str) -> Wiring {
    let named = |s: &Option<String>| s.as_ref().map(|s| format!("{prefix}{s}"));
    let stage = |name: &str, s: &config::topology::StageStreams| StageWiring {
        stage: name.to_string(),
        reads: named(&s.reads),
        writes: named(&s.writes),
    };
    Wiring {
        stages: vec![
            stage("signal_source", &t.signal_source),
            stage("trader", &t.trader),
            stage("bridge", &t.bridge),
            stage("executor", &t.executor),
            stage("ledger", &t.ledger),
        ],
    }
}

/// The deployment's wiring from `--config`, `--env-dir` or the defaults, under `prefix`.
pub(super) fn load_wiring(
    config: Option<&PathBuf>,
    env_dir: Option<&PathBuf>,
    prefix: &str,
) -> anyhow::Result<Wiring> {
    Ok(wiring(&topology(config, env_dir)?, prefix))
}

fn topology(config: Option<&PathBuf>, env_dir: Option<&PathBuf>) -> anyhow::Result<Topology> {
    Ok(match (config, env_dir) {
        (Some(path), _) => config::load(Some(path), &[])?.topology,
        (None, Some(dir)) => {
            let imported = env_import::import_dir(dir)?;
            config::parse(&imported.toml, &format!("env files in {}", dir.display()))?.topology
        }
        (None, None) => Topology::default(),
    })
}

pub fn run(args: WatchArgs) -> anyhow::Result<ExitCode> {
    let window = parse_duration(&args.window, "--window")?;
    let refresh = parse_duration(&args.refresh, "--refresh")?;
    let cfg = WatchConfig {
        url: RedisUrl::parse(&args.redis)?,
        wiring: load_wiring(args.config.as_ref(), args.env_dir.as_ref(), &args.prefix)?,
        limits: ReadLimits {
            window_ms: i64::try_from(window.as_millis()).context("--window is too long")?,
            page: args.page.max(1),
        },
        refresh,
        max_backoff: Duration::from_secs(30),
    };
    if args.once {
        let lag_interval = match args.lag_interval.trim() {
            "0" | "0s" | "0ms" => None,
            text => Some(parse_duration(text, "--lag-interval")?),
        };
        let snap = watch::once(&cfg, lag_interval)?;
        if args.json {
            println!("{}", serde_json::to_string_pretty(&snap)?);
        } else {
            print!("{}", deployment::render::render(&snap));
        }
        return Ok(if snap.alarms.is_empty() {
            ExitCode::SUCCESS
        } else {
            ExitCode::from(1)
        });
    }
    let clear = std::io::stdout().is_terminal();
    let mut shown = 0u64;
    watch::run(&cfg, |event| {
        let mut out = std::io::stdout().lock();
        let _ = match event {
            Event::Snapshot(snap) => {
                shown += 1;
                let head = if clear { "\x1b[H\x1b[2J" } else { "----\n" };
                write!(out, "{head}{}", deployment::render::render(snap))
            }
            Event::Unreachable {
                error,
                attempt,
                retry_in,
            } => writeln!(
                out,
                "Redis unreachable ({error}); attempt {attempt}, retrying in {}",
                deployment::render::duration_text(retry_in.as_millis() as i64)
            ),
            Event::Reconnected { after_attempts } => {
                writeln!(
                    out,
                    "Redis is back at {} after {after_attempts} failed attempt(s)",
                    cfg.url.address()
                )
            }
        };
        let _ = out.flush();
        match args.max_refreshes {
            Some(max) if shown >= max => ControlFlow::Break(()),
            _ => ControlFlow::Continue(()),
        }
    });
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(
            parse_duration("3h", "--window").expect("d"),
            Duration::from_secs(10_800)
        );
        assert_eq!(
            parse_duration("250ms", "--refresh").expect("d"),
            Duration::from_millis(250)
        );
        assert!(parse_duration("3w", "--window").is_err());
        assert!(parse_duration("0s", "--window").is_err());
    }

    #[test]
    fn the_default_topology_is_the_original_wiring() {
        let w = wiring(&Topology::default(), "");
        assert_eq!(w.streams()[0], "quantum:stream:ai.signal_generated");
        assert_eq!(w.writers("quantum:stream:apply.plan"), vec!["bridge"]);
        let mirrored = wiring(&Topology::default(), "sim:");
        assert_eq!(
            mirrored.streams()[0],
            "sim:quantum:stream:ai.signal_generated"
        );
        assert_eq!(
            mirrored.writers("sim:quantum:stream:apply.plan"),
            vec!["bridge"]
        );
    }
}
