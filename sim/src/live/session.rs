//! One `sim live` session: set up the venue (live or paper), reconcile the ledger to it, warm
//! the strategy up on recent closed bars, then per closed bar from the kline feed run the
//! strategy and `Pipeline::on_bar` exactly as the backtest loop does. Stops after the bar
//! limit, the duration or when the caller's stop flag is raised (`sim live`: Ctrl-C), always
//! between two bars.
//!
//! The session folder: `config.toml` (resolved config), `exchange_info.json` (the rules traded
//! against), `orders.jsonl` / `results.jsonl` (every plan and order journaled and flushed before
//! it is sent), `bars.csv` (every closed bar the stages saw, warm-up bars marked), and at the
//! end `fills.csv`, `trades.csv` (as a backtest writes them), `latency.csv` (each order's
//! round trip), `funnel.txt` and `summary.json`,
//! each written under a temporary name and renamed, so nothing is ever half-written.
//! With a mirror (`--mirror-redis`), the journal records also go to Redis as the original
//! system's messages: handed to the mirror's writer after every closed bar, never waited for
//! (a Redis that is behind or gone costs dropped messages, counted, never a delayed order).
//! Must never live here: stage logic, HTTP, terminal output (the session reports
//! [`SessionEvent`]s), or anything that prints a key.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use crate::backtest::journal_files::FileJournal;
use crate::backtest::mirror_sink::MirroredJournal;
use crate::config::RunSpec;
use anyhow::{Context, bail};
use deployment::mirror::{MirrorConfig, RedisMirror};
use exchange_sim::SimExchange;
use live::client::MarginType;
use live::stream::{Backoff, KlineFeed, KlineSocket, stream_url};
use live::{Client, ClientConfig, LiveVenue, LiveVenueConfig};
use pipeline::exchange_info::ExchangeInfo;
use pipeline::signal::{Signal, SignalSource};
use pipeline::stages::pipeline::Pipeline;
use pipeline::stages::recovery::{Recovery, Unprotected};
use pipeline::venue::Venue;
use pipeline::{Bar, Interval, Symbol, TimestampMs};
use strategies::StrategyFactory;

use super::SessionEvent;
use super::recording::Recording;

/// Everything the CLI resolved.
#[derive(Debug)]
pub struct SessionPlan {
    pub spec: RunSpec,
    pub client: ClientConfig,
    pub ws_url: String,
    pub paper: bool,
    pub symbols: Vec<Symbol>,
    pub interval: Interval,
    pub max_bars: Option<u64>,
    pub stop_after: Option<Duration>,
    pub warmup: u32,
    pub out: Option<PathBuf>,
    /// What to do with a position found at the venue without a stop-loss.
    pub unprotected: Unprotected,
    /// Publish the stages' outputs to this Redis too (`--mirror-redis`).
    pub mirror: Option<MirrorConfig>,
}

/// The session's journal: the durable files, and the Redis mirror when asked for.
pub type SessionJournal = MirroredJournal<FileJournal>;

/// Runs one session until the bar limit, the duration or `stop`; `report` hears what happens.
pub fn run(
    plan: SessionPlan,
    stop: &AtomicBool,
    report: &mut dyn FnMut(SessionEvent<'_>),
) -> anyhow::Result<()> {
    if let Some(p) = plan.spec.topology.problems().first() {
        bail!("{}: topology: {}", plan.spec.source, p.message);
    }
    let client = Arc::new(Client::new(plan.client.clone())?);
    client
        .sync_time()
        .with_context(|| format!("cannot reach {}", client.base_url()))?;
    let env = client.environment().as_str();
    let mode = if plan.paper { "paper" } else { env };
    // Before the folder: an unreachable Redis stops the session before anything is written.
    let mirror = start_mirror(plan.mirror.clone())?;
    let dir = plan.out.clone().unwrap_or_else(|| {
        let t = TimestampMs(client.server_now_ms()).to_minute_string();
        PathBuf::from("runs").join(format!("live-{mode}-{}", t.replace([' ', ':'], "-")))
    });
    prepare_folder(&dir, &plan.spec)?;
    let journal = FileJournal::create_durable(&dir)
        .with_context(|| format!("cannot create journals in {}", dir.display()))?;
    let pipeline = Pipeline::with_journal(&plan.spec.pipeline, MirroredJournal { journal, mirror });
    report(SessionEvent::Opened {
        mode,
        base_url: client.base_url(),
        paper: plan.paper,
        symbols: &plan.symbols,
        interval: plan.interval,
        dir: &dir,
    });
    if plan.paper {
        let info = client.exchange_info()?;
        let mut ex = SimExchange::new(info, plan.spec.exchange.clone(), plan.interval)
            .context("the exchange config is not usable")?;
        let mut ids = BTreeMap::new();
        for s in &plan.symbols {
            let id = ex
                .symbol_id(s.as_str())
                .with_context(|| format!("{s} is not listed by {}", client.base_url()))?;
            ids.insert(s.clone(), id);
        }
        let hook = move |ex: &mut SimExchange, s: &Symbol, b: &Bar| match ids.get(s) {
            Some(id) => ex.on_bar(*id, b).map_err(anyhow::Error::from),
            None => Ok(()),
        };
        let session = Session {
            plan: &plan,
            client: &client,
            dir: &dir,
            stop,
        };
        drive(&session, &mut ex, hook, pipeline, report)
    } else {
        let cfg = LiveVenueConfig {
            symbols: plan.symbols.clone(),
            margin_type: Some(match plan.spec.exchange.margin_mode {
                exchange_sim::MarginMode::Isolated => MarginType::Isolated,
                exchange_sim::MarginMode::Cross => MarginType::Crossed,
            }),
            leverage: Some(plan.spec.exchange.default_leverage),
            ..LiveVenueConfig::default()
        };
        let mut venue = LiveVenue::connect(client.clone(), cfg)
            .with_context(|| format!("cannot set up the venue at {}", client.base_url()))?;
        let hook = |_: &mut LiveVenue, _: &Symbol, _: &Bar| Ok(());
        let session = Session {
            plan: &plan,
            client: &client,
            dir: &dir,
            stop,
        };
        drive(&session, &mut venue, hook, pipeline, report)
    }
}

/// Connects the mirror, if one was asked for; it never makes the session wait.
fn start_mirror(cfg: Option<MirrorConfig>) -> anyhow::Result<Option<RedisMirror>> {
    let Some(cfg) = cfg else { return Ok(None) };
    let address = cfg.url.address();
    let mirror = RedisMirror::start(cfg).with_context(|| {
        format!("--mirror-redis: cannot mirror to the Redis at {address}; nothing was sent")
    })?;
    Ok(Some(mirror.never_waiting()))
}

/// Hands this bar's records to the mirror's writer, so a dashboard sees them now.
fn flush_mirror(pipeline: &mut Pipeline<SessionJournal>) {
    if let Some(m) = &mut pipeline.journal_mut().mirror {
        m.flush();
    }
}

/// Creates the folder; refuses one that already holds a session's journal lines (the empty
/// journals of a start that failed before sending anything, such as a wrong secret, do not
/// count: that `--out` can be used again).
fn prepare_folder(dir: &Path, spec: &RunSpec) -> anyhow::Result<()> {
    let written = |f: &str| std::fs::metadata(dir.join(f)).is_ok_and(|m| m.len() > 0);
    if written("orders.jsonl") || written("results.jsonl") {
        bail!(
            "{} already holds a session; pass another --out",
            dir.display()
        );
    }
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    write_atomic(&dir.join("config.toml"), spec.to_toml()?.as_bytes())
}

/// Writes `path` under a temporary name, then renames it into place.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let tmp = path.with_extension("partial");
    std::fs::write(&tmp, bytes).with_context(|| format!("cannot write {}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("cannot write {}", path.display()))
}

/// What the loop runs in: the plan, the client, the session folder and the stop flag.
struct Session<'a> {
    plan: &'a SessionPlan,
    client: &'a Arc<Client>,
    dir: &'a Path,
    stop: &'a AtomicBool,
}

/// The loop, for any venue. `hook` runs first for each bar (the paper exchange takes it).
fn drive<V: Venue>(
    session: &Session<'_>,
    venue: &mut V,
    mut hook: impl FnMut(&mut V, &Symbol, &Bar) -> anyhow::Result<()>,
    mut pipeline: Pipeline<SessionJournal>,
    report: &mut dyn FnMut(SessionEvent<'_>),
) -> anyhow::Result<()> {
    let Session {
        plan,
        client,
        dir,
        stop,
    } = *session;
    let started = Instant::now();
    // The exchange info this session trades against, for `sim replay` (same rules, same checks).
    let (info, body) = client.exchange_info_with_body()?;
    write_atomic(
        &dir.join("exchange_info.json"),
        info.to_json_pretty().as_bytes(),
    )?;
    keep_in_history(client, &body, &info);
    let mut venue = Recording::new(venue);
    let venue = &mut venue;
    let factory = StrategyFactory::new(&plan.spec.strategy, plan.interval.as_ms())?;
    let mut sources: BTreeMap<Symbol, Box<dyn SignalSource + Send>> = plan
        .symbols
        .iter()
        .map(|s| (s.clone(), factory.build(s)))
        .collect();
    let mismatches = pipeline.reconcile(venue);
    let open = venue.open_orders(None).map(|o| o.len()).unwrap_or(0);
    report(SessionEvent::Reconciled {
        taken_over: mismatches,
        open_orders: open,
    });
    let recovery = pipeline
        .recover_orders(venue, plan.unprotected)
        .map_err(|e| {
            anyhow::anyhow!(
                "cannot read the open orders at {} to recover an earlier session's ({e}); nothing was sent or cancelled, start again once the venue answers",
                client.base_url()
            )
        })?;
    report(SessionEvent::Recovered {
        recovery: &recovery,
    });
    refuse_unprotected(&recovery, plan.unprotected)?;
    let (tx, rx) = std::sync::mpsc::channel();
    let mut sockets = Vec::new();
    for s in &plan.symbols {
        let url = stream_url(&plan.ws_url, s, plan.interval);
        sockets.push(KlineSocket::spawn(
            url,
            s.clone(),
            Backoff::default(),
            tx.clone(),
        )?);
    }
    drop(tx);
    let mut feed = KlineFeed::new(rx, client.clone(), plan.interval, sockets);
    let mut bars_csv = File::create(dir.join("bars.csv"))?;
    // Every bar the strategy and the stages saw, the warm-up ones first (marked): a replay
    // feeds exactly these.
    writeln!(
        bars_csv,
        "symbol,open_time,open,high,low,close,volume,warmup"
    )?;
    let mut signals: Vec<Signal> = Vec::new();
    for s in &plan.symbols {
        let history = warmup_bars(client, s, plan.interval, plan.warmup)?;
        for b in &history {
            hook(venue.inner(), s, b)?;
            write_bar(&mut bars_csv, s, b, true)?;
            signals.clear();
            if let Some(src) = sources.get_mut(s) {
                src.on_bar(s, b, &mut signals);
            }
            pipeline.on_bar(s, b, &[], venue);
        }
        if let Some(last) = history.last() {
            feed.resume_after(s, last.open_time);
        }
    }
    flush_mirror(&mut pipeline);
    let mut bars = 0_u64;
    let mut signal_count = 0_u64;
    let interval_ms = u64::try_from(plan.interval.as_ms()).unwrap_or(60_000);
    let stall_after = Duration::from_millis(interval_ms.saturating_mul(3));
    let (mut last_bar_at, mut stall_reported) = (Instant::now(), false);
    while !stop.load(Ordering::SeqCst)
        && plan.max_bars.is_none_or(|m| bars < m)
        && plan.stop_after.is_none_or(|d| started.elapsed() < d)
    {
        let Some((s, bar)) = feed.next_bar(Duration::from_millis(250)) else {
            // A market that stops closing bars (venue down, stream lost) is said once per stall.
            let quiet = last_bar_at.elapsed();
            if !stall_reported && quiet > stall_after {
                report(SessionEvent::Stalled {
                    quiet_secs: quiet.as_secs(),
                });
                stall_reported = true;
            }
            continue;
        };
        (last_bar_at, stall_reported) = (Instant::now(), false);
        hook(venue.inner(), &s, &bar)?;
        signals.clear();
        if let Some(src) = sources.get_mut(&s) {
            src.on_bar(&s, &bar, &mut signals);
        }
        pipeline.on_bar(&s, &bar, &signals, venue);
        flush_mirror(&mut pipeline);
        bars += 1;
        signal_count += signals.len() as u64;
        write_bar(&mut bars_csv, &s, &bar, false)?;
        report(SessionEvent::Bar {
            symbol: &s,
            bar: &bar,
            signals: signals.len(),
            position: pipeline.ledger().amt(&s),
        });
    }
    let reason = if stop.load(Ordering::SeqCst) {
        "interrupted (Ctrl-C)"
    } else if plan.max_bars.is_some_and(|m| bars >= m) {
        "bar limit reached"
    } else {
        "duration reached"
    };
    let end = super::summary::SessionEnd {
        positions: venue.positions(),
        stats: feed.stats(),
        reason,
        bars,
        signals: signal_count,
        started,
    };
    drop(feed);
    super::summary::write_fills_and_trades(dir, &venue.fills, &venue.account)?;
    let latency = super::summary::write_latency(dir, &venue.round_trips)?;
    super::summary::finish(plan, client, pipeline, dir, end, latency, report)
}

/// With `--refuse-unprotected`, stops before the first bar when a position has no stop-loss,
/// naming each one and what to do.
fn refuse_unprotected(r: &Recovery, policy: Unprotected) -> anyhow::Result<()> {
    if policy != Unprotected::Refuse || r.unprotected.is_empty() {
        return Ok(());
    }
    let list: Vec<String> = r
        .unprotected
        .iter()
        .map(|(s, amt)| format!("{s} {amt}"))
        .collect();
    bail!(
        "refusing to start (--refuse-unprotected): position(s) without a stop-loss at the venue: {}; close them or place a stop, or start without --refuse-unprotected to have their TP/SL placed per the config",
        list.join(", ")
    )
}

/// One line of `bars.csv`, flushed (a crash leaves every bar acted on in the file).
fn write_bar(out: &mut File, s: &Symbol, bar: &Bar, warmup: bool) -> anyhow::Result<()> {
    writeln!(
        out,
        "{s},{},{},{},{},{},{},{warmup}",
        bar.open_time.as_ms(),
        bar.open,
        bar.high,
        bar.low,
        bar.close,
        bar.volume
    )?;
    out.flush()?;
    Ok(())
}

/// The last `n` closed bars before now (REST), oldest first.
fn warmup_bars(
    client: &Client,
    symbol: &Symbol,
    interval: Interval,
    n: u32,
) -> anyhow::Result<Vec<Bar>> {
    if n == 0 {
        return Ok(Vec::new());
    }
    let now = client.server_now_ms();
    let klines = client
        .klines(symbol, interval, None, None, n + 1)
        .with_context(|| format!("cannot read recent {symbol} klines"))?;
    let closed: Vec<Bar> = klines
        .iter()
        .filter(|k| k.close_time.as_ms() < now)
        .map(Bar::from)
        .collect();
    // n + 1 were asked for in case the newest is still open; keep the last n closed ones.
    let skip = closed.len().saturating_sub(n as usize);
    Ok(closed[skip..].to_vec())
}

/// Keeps the exchange info a session against Binance itself traded against in the dated
/// history (`sim exchange-info history`), so later backtests can use what the venue really
/// listed. Sessions against another base URL (a `sim serve`) are not the venue's history.
fn keep_in_history(client: &Client, body: &str, info: &ExchangeInfo) {
    let env = client.environment();
    if client.base_url() != env.rest_url() {
        return;
    }
    match crate::exchange_info_store::fetch::keep(
        env.as_str(),
        client.base_url(),
        body,
        info.clone(),
        None,
        Some("not read by sim live".into()),
    ) {
        Ok(kept) => {
            tracing::info!(stamp = %kept.snapshot.stamp, "exchange info kept in the history")
        }
        Err(e) => tracing::warn!("could not keep the exchange info in the history: {e:#}"),
    }
}
