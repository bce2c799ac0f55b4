//! `sim live`: the unchanged pipeline stages on closed live bars, against Binance (testnet by
//! default, `--demo`, or `--mainnet` with a typed confirmation), a Binance-compatible server at
//! `--base-url` (e.g. `sim serve`), or, with `--paper`, the simulated exchange fed live bars.
//!
//! This file: the flags (`--mirror-*` shared with `sim backtest`, in `mirror_args`), the
//! environment choice, keys from `BINANCE_API_KEY` / `BINANCE_API_SECRET`, the mainnet
//! confirmation, Ctrl-C, and the printing of what the session reports. The session itself (loop, folder, summary) is the library's `sim::live`.
//! Must never live here: the session loop, stage logic or HTTP details (those are `sim::live`,
//! `pipeline` and `live`).

use std::io::BufRead;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use anyhow::{Context, bail};
use clap::Args;
use live::{ClientConfig, Credentials, Environment};
use pipeline::stages::recovery::Unprotected;
use pipeline::{Interval, Symbol};
use sim::live::{SessionEvent, SessionPlan, names};

use super::mirror_args::{MirrorArgs, mirror_line};
use super::run_inputs::ConfigArgs;

/// What the user must type to trade on mainnet.
const MAINNET_CONFIRMATION: &str = "I UNDERSTAND THIS IS REAL MONEY";

#[derive(Debug, Args)]
pub struct LiveArgs {
    /// Binance Futures testnet (the default).
    #[arg(long, group = "env")]
    pub testnet: bool,
    /// Binance demo trading (demo-fapi.binance.com).
    #[arg(long, group = "env")]
    pub demo: bool,
    /// Binance mainnet: REAL MONEY. Asks for a typed confirmation on stdin.
    #[arg(long, group = "env")]
    pub mainnet: bool,
    /// Live market data against the simulated exchange; no keys, no orders at Binance.
    #[arg(long)]
    pub paper: bool,
    /// Talk to this REST base URL instead (e.g. http://127.0.0.1:8080, a `sim serve`).
    #[arg(long, value_name = "URL")]
    pub base_url: Option<String>,
    /// The kline websocket base (default: the environment's, or ws://HOST:PORT/ws for
    /// --base-url); `/<symbol>@kline_<interval>` is appended.
    #[arg(long, value_name = "URL")]
    pub ws_url: Option<String>,
    /// A built-in strategy with its default parameters (overrides [strategy]).
    #[arg(long)]
    pub strategy: Option<String>,
    #[command(flatten)]
    pub config: ConfigArgs,
    /// The symbol to trade (repeatable; default run.symbols, else BTCUSDT).
    #[arg(long = "symbol")]
    pub symbols: Vec<String>,
    /// The kline interval the strategy runs on.
    #[arg(long, default_value = "1m")]
    pub interval: String,
    /// Stop after this many closed bars.
    #[arg(long)]
    pub bars: Option<u64>,
    /// Stop after this long (e.g. 90s, 30m, 2h).
    #[arg(long)]
    pub duration: Option<String>,
    /// Closed bars fetched before the start to warm the strategy up.
    #[arg(long, default_value_t = 200)]
    pub warmup: u32,
    /// The session folder (default runs/live-<environment>-<start time>).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Refuse to start when a position found at the venue has no stop-loss (instead of
    /// placing its TP/SL per the config's tp_pct/sl_pct); the message names each one.
    #[arg(long)]
    pub refuse_unprotected: bool,
    #[command(flatten)]
    pub mirror: MirrorArgs,
}

pub fn run(args: LiveArgs) -> anyhow::Result<ExitCode> {
    let environment = if args.mainnet {
        Environment::Mainnet
    } else if args.demo {
        Environment::Demo
    } else {
        Environment::Testnet
    };
    let credentials = if args.paper {
        None
    } else {
        Some(Credentials::from_env()?)
    };
    if environment == Environment::Mainnet && !args.paper {
        confirm_mainnet()?;
    }
    let mut cfg = ClientConfig::new(environment);
    if let Some(url) = &args.base_url {
        cfg = cfg.with_base_url(url);
    }
    if let Some(c) = credentials {
        cfg = cfg.with_credentials(c);
    }
    let ws_url = match (&args.ws_url, &args.base_url) {
        (Some(w), _) => w.trim_end_matches('/').to_string(),
        (None, Some(b)) => ws_from_base(b)?,
        (None, None) => environment.ws_url().to_string(),
    };
    let mut spec = args.config.load(Vec::new())?;
    if let Some(name) = &args.strategy {
        spec.strategy = strategies::StrategyConfig::named(name)?;
    }
    let symbols = symbols(&args.symbols, &spec.run.symbols)?;
    let interval: Interval = args.interval.parse().context("--interval")?;
    let stop_after = args.duration.as_deref().map(parse_duration).transpose()?;
    let mirror = args.mirror.config(&spec.topology)?;
    let plan = SessionPlan {
        spec,
        client: cfg,
        ws_url,
        paper: args.paper,
        symbols,
        interval,
        max_bars: args.bars,
        stop_after,
        warmup: args.warmup,
        out: args.out,
        unprotected: if args.refuse_unprotected {
            Unprotected::Refuse
        } else {
            Unprotected::Protect
        },
        mirror,
    };
    let stop = stop_on_ctrl_c()?;
    sim::live::run(plan, &stop, &mut print_event)?;
    Ok(ExitCode::SUCCESS)
}

/// The first Ctrl-C stops after the current bar; a second one exits at once (every journal
/// line is already on disk, so nothing is half-written either way).
fn stop_on_ctrl_c() -> anyhow::Result<Arc<AtomicBool>> {
    let stop = Arc::new(AtomicBool::new(false));
    let flag = stop.clone();
    ctrlc::set_handler(move || {
        if flag.swap(true, Ordering::SeqCst) {
            eprintln!("second Ctrl-C: exiting now");
            std::process::exit(130);
        }
        eprintln!("Ctrl-C: stopping after the current bar (press again to exit now)");
    })
    .context("cannot install the Ctrl-C handler")?;
    Ok(stop)
}

/// What the session reports, on stdout (a stall warning on stderr).
fn print_event(event: SessionEvent<'_>) {
    match event {
        SessionEvent::Opened {
            mode,
            base_url,
            paper,
            symbols,
            interval,
            dir,
        } => println!(
            "sim live: {mode} at {base_url} ({}), {} {interval}, session folder {}",
            if paper {
                "simulated exchange"
            } else {
                "live venue"
            },
            names(symbols),
            dir.display()
        ),
        SessionEvent::Reconciled {
            taken_over,
            open_orders,
        } => println!(
            "start: ledger reconciled to the venue ({taken_over} position(s) taken over), {open_orders} open order(s)"
        ),
        SessionEvent::Recovered { recovery: r } => {
            println!(
                "start: {} own open order(s) kept as protection, {} cancelled (protected nothing), {} TP/SL placed for taken-over positions, {} order(s) of others left alone",
                r.kept.len(),
                r.cancelled.len(),
                r.placed.len(),
                r.foreign
            );
            for c in &r.cancelled {
                println!("  cancelled {c}");
            }
            for c in &r.placed {
                println!("  placed {c}");
            }
            for f in &r.failed {
                eprintln!("warning: {f}");
            }
        }
        SessionEvent::Stalled { quiet_secs } => eprintln!(
            "warning: no closed bar for {quiet_secs} s; the stream reconnects and backfills on its own (Ctrl-C stops)"
        ),
        SessionEvent::Bar {
            symbol,
            bar,
            signals,
            position,
        } => println!(
            "{} {symbol} close {} signals {signals} position {position}",
            bar.open_time.to_minute_string(),
            bar.close,
        ),
        SessionEvent::Finished {
            funnel,
            reason,
            bars,
            dir,
            mirror,
        } => {
            print!("\n{funnel}");
            if let Some(m) = mirror {
                print!("{}", mirror_line(m));
            }
            println!(
                "\nstopped: {reason} after {bars} bar(s); session folder: {}",
                dir.display()
            );
        }
    }
}

/// Reads one line from stdin; anything but the exact sentence refuses.
fn confirm_mainnet() -> anyhow::Result<()> {
    eprintln!(
        "sim live --mainnet trades REAL MONEY on Binance. Type `{MAINNET_CONFIRMATION}` to go on:"
    );
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .context("cannot read the confirmation from stdin")?;
    if line.trim() != MAINNET_CONFIRMATION {
        bail!(
            "mainnet not confirmed (expected the exact sentence `{MAINNET_CONFIRMATION}`); nothing was sent"
        );
    }
    Ok(())
}

/// `http://host:port[/...]` -> `ws://host:port/ws` (https -> wss).
fn ws_from_base(base: &str) -> anyhow::Result<String> {
    let (scheme, rest) = if let Some(r) = base.strip_prefix("https://") {
        ("wss", r)
    } else if let Some(r) = base.strip_prefix("http://") {
        ("ws", r)
    } else {
        bail!("--base-url {base} must start with http:// or https://");
    };
    let host = rest.split('/').next().unwrap_or(rest);
    Ok(format!("{scheme}://{host}/ws"))
}

fn symbols(flags: &[String], config: &[Symbol]) -> anyhow::Result<Vec<Symbol>> {
    let list: Vec<Symbol> = if !flags.is_empty() {
        flags
            .iter()
            .map(|s| Symbol::new(&s.to_uppercase()).with_context(|| format!("--symbol {s}")))
            .collect::<anyhow::Result<_>>()?
    } else if !config.is_empty() {
        config.to_vec()
    } else {
        vec![Symbol::new("BTCUSDT").context("BTCUSDT")?]
    };
    Ok(list)
}

/// `90s`, `30m`, `2h`, or plain seconds.
fn parse_duration(text: &str) -> anyhow::Result<Duration> {
    let t = text.trim();
    let (num, unit) = t.split_at(t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len()));
    let n: u64 = num
        .parse()
        .with_context(|| format!("--duration {text}: use e.g. 90s, 30m or 2h"))?;
    let secs = match unit {
        "" | "s" => n,
        "m" => n * 60,
        "h" => n * 3600,
        _ => bail!("--duration {text}: the unit must be s, m or h"),
    };
    Ok(Duration::from_secs(secs))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_and_ws_urls() {
        assert_eq!(parse_duration("90s").expect("d"), Duration::from_secs(90));
        assert_eq!(parse_duration("2h").expect("d"), Duration::from_secs(7200));
        assert_eq!(parse_duration("15").expect("d"), Duration::from_secs(15));
        assert!(parse_duration("5d").is_err());
        assert_eq!(
            ws_from_base("http://127.0.0.1:8080").expect("ws"),
            "ws://127.0.0.1:8080/ws"
        );
        assert_eq!(
            ws_from_base("https://x.y/fapi").expect("ws"),
            "wss://x.y/ws"
        );
        assert!(ws_from_base("ftp://x").is_err());
    }
}
