//! Command-line interface: the argument types and the dispatch to each subcommand's module.

mod backtest;
mod check;
mod config_cmd;
mod data;
mod diff;
mod exchange_info;
mod explain;
mod journal;
mod live;
mod mirror_args;
mod record;
mod replay;
mod report;
mod run_inputs;
mod serve;
mod sweep;
mod sweep_print;
mod sweep_shard;
mod walkforward;
mod walkforward_print;
mod watch;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// sim: replay Binance USD-M klines through your trading pipeline's stages against a simulated
/// exchange that enforces Binance's rules, see where every signal ended and why, then run the
/// same stages live on the Binance Futures testnet.
#[derive(Debug, Parser)]
#[command(name = "sim", version, about, long_about = None)]
pub struct Cli {
    /// More log output (-v info, -vv debug). Logs go to stderr.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Datasets: list, inspect, verify, import, download and synthesise klines.
    #[command(subcommand)]
    Data(data::DataCommand),
    /// Binance exchange info: show the shipped snapshots or import one saved from Binance.
    #[command(subcommand, name = "exchange-info")]
    ExchangeInfo(exchange_info::ExchangeInfoCommand),
    /// Replay a dataset through the pipeline against the simulated exchange.
    Backtest(backtest::BacktestArgs),
    /// Preflight-check a run config: stream wiring, symbols the venue lists, min-notional sizing.
    Check(check::CheckArgs),
    /// Run configs: import the original system's env files.
    #[command(subcommand)]
    Config(config_cmd::ConfigCommand),
    /// Explain a run's funnel in plain sentences, worst blockage first.
    Explain(explain::ExplainArgs),
    /// A run folder's journals: `cat` prints the records as JSON lines (`--json`) or one
    /// readable line each, by stage and symbol.
    #[command(subcommand)]
    Journal(journal::JournalCommand),
    /// Run the pipeline on live closed bars: Binance testnet (default), --demo, --mainnet, a
    /// Binance-compatible --base-url, or --paper against the simulated exchange.
    Live(live::LiveArgs),
    /// Compare two run folders decision by decision and name the first divergence.
    Diff(diff::DiffArgs),
    /// Run a recorded `sim live` session again through the backtest and diff the two.
    Replay(replay::ReplayArgs),
    /// Write a run folder's report.html and PNG charts again (sim backtest writes them too).
    Report(report::ReportArgs),
    /// Serve a dataset as a local Binance-compatible USD-M exchange on 127.0.0.1 (REST,
    /// kline websocket, signature checks, fault injection): a private testnet.
    Serve(serve::ServeArgs),
    /// Run a grid of configs over one dataset on all cores and rank them: --grid KEY=a..b:step
    /// or KEY=v1,v2 (any run-config key), or a sweep file; writes results.csv/.parquet,
    /// sweep.json and report.html. `plan`, `run --shard I/N` and `merge` split it across a
    /// cluster.
    Sweep(Box<sweep::SweepCmd>),
    /// Walk-forward validation of a grid: optimise it on rolling (or --anchored) training
    /// windows (--train 60d), run each winner on the test window after it (--test 14d), and
    /// stitch the test windows into one out-of-sample curve; writes windows.csv,
    /// oos_equity.csv, walkforward.json and report.html.
    Walkforward(Box<walkforward::WalkForwardArgs>),
    /// Watch the running deployment's Redis streams read-only: traffic, consumer groups, the
    /// live funnel and alarms (F1, F3-F6) with their fixes.
    Watch(watch::WatchArgs),
    /// Copy the deployment's signals and intents from Redis (read-only) into files that
    /// `strategy.name = "signals_file"` and `sim backtest --intents` replay.
    Record(record::RecordArgs),
}

pub fn init_tracing(verbose: u8) {
    let level = match verbose {
        0 => "warn",
        1 => "info",
        _ => "debug",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("SIM_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(level));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
}

pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Data(cmd) => data::run(cmd),
        Command::ExchangeInfo(cmd) => exchange_info::run(cmd),
        Command::Backtest(args) => backtest::run(args),
        Command::Check(args) => check::run(args),
        Command::Config(cmd) => config_cmd::run(cmd),
        Command::Explain(args) => explain::run(args),
        Command::Journal(cmd) => journal::run(cmd),
        Command::Live(args) => live::run(args),
        Command::Report(args) => report::run(args),
        Command::Diff(args) => diff::run(args),
        Command::Replay(args) => replay::run(args),
        Command::Serve(args) => serve::run(args),
        Command::Sweep(args) => sweep::run(*args),
        Command::Walkforward(args) => walkforward::run(*args),
        Command::Watch(args) => watch::run(args),
        Command::Record(args) => record::run(args),
    }
}
