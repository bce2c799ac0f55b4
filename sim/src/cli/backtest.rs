//! `sim backtest`: resolve the config, check it, run, print the summary and the funnel.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::Args;
use sim::backtest;
use sim::check::{self, Severity};

use super::mirror_args::{MirrorArgs, mirror_line};
use super::run_inputs::{self, ConfigArgs};

#[derive(Debug, Args)]
pub struct BacktestArgs {
    /// The dataset to replay (see `sim data list`); overrides run.dataset.
    #[arg(long)]
    pub dataset: Option<String>,
    /// A built-in strategy with its default parameters: sma_cross, ema_cross, rsi_reversion,
    /// donchian_breakout (overrides [strategy]).
    #[arg(long)]
    pub strategy: Option<String>,
    /// A recorded trade.intent file (JSON lines) to replay into the bridge at its times
    /// (overrides run.intents).
    #[arg(long, value_name = "FILE")]
    pub intents: Option<PathBuf>,
    #[command(flatten)]
    pub config: ConfigArgs,
    /// The run folder (default runs/<dataset>-<strategy>).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Do not write report.html and the PNG charts (`sim report RUN` writes them later).
    #[arg(long)]
    pub no_report: bool,
    /// `full` writes orders.jsonl and results.jsonl (every decision, for reports, `sim diff`
    /// and `sim explain`'s examples); `off` writes neither (a faster run, same results).
    #[arg(long, value_enum, default_value_t = JournalArg::Full)]
    pub journal: JournalArg,
    #[command(flatten)]
    pub mirror: MirrorArgs,
}

/// `--journal off|full`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum JournalArg {
    Off,
    Full,
}

impl From<JournalArg> for backtest::JournalMode {
    fn from(j: JournalArg) -> Self {
        match j {
            JournalArg::Off => backtest::JournalMode::Off,
            JournalArg::Full => backtest::JournalMode::Full,
        }
    }
}

pub fn run(args: BacktestArgs) -> anyhow::Result<ExitCode> {
    let mut extra = Vec::new();
    if let Some(d) = &args.dataset {
        extra.push(format!("run.dataset={}", toml_string(d)));
    }
    if let Some(p) = &args.intents {
        extra.push(format!("run.intents={}", toml_string(&p.to_string_lossy())));
    }
    let mut spec = args.config.load(extra)?;
    if let Some(name) = &args.strategy {
        spec.strategy = strategies::StrategyConfig::named(name)?;
    }
    // Before the data is loaded: an unreachable Redis is reported at once.
    let mirror = args.mirror.start(&spec.topology)?;
    let resolved = run_inputs::exchange_info_over_time(&spec)?;
    run_inputs::say_exchange_info_over_time(&resolved);
    let ds = run_inputs::dataset(&spec)?;
    let prices = run_inputs::price_ranges(&spec, &ds);
    run_inputs::say_history_start(&resolved, &prices);
    let (info, info_name) = (resolved.schedule, resolved.name);
    let findings = check::check(&spec, &info, &info_name, &prices);
    if !findings.is_empty() {
        eprint!("{}", check::render(&findings));
    }
    if findings.iter().any(|f| f.severity == Severity::Error) {
        anyhow::bail!("the preflight check found errors (above); fix them and run again");
    }
    let out = args.out.unwrap_or_else(|| backtest::default_out_dir(&spec));
    let bar = progress_bar();
    // The report is written into the run folder before it is published under its name, so a
    // run killed while reporting leaves only a hidden partial folder (removed by the next run).
    let mut report =
        |dir: &std::path::Path| -> anyhow::Result<()> {
            if args.no_report {
                return Ok(());
            }
            reports::write_report_as(dir, dir, &out).map(|_| ()).with_context(|| {
            format!(
                "the run folder {} is complete but has no report; retry with `sim report {}`",
                out.display(),
                out.display()
            )
        })
        };
    let outcome = backtest::run_finishing(
        &spec,
        &ds,
        info,
        &info_name,
        backtest::JournalSinks {
            mode: args.journal.into(),
            mirror,
        },
        &out,
        &mut |done, total| {
            bar.set_length(total);
            bar.set_position(done);
        },
        &mut report,
    );
    bar.finish_and_clear();
    let outcome = outcome?;
    drop(ds);
    for p in &outcome.removed_partials {
        println!(
            "removed {}: the partial folder of a killed run (its process is gone)",
            p.display()
        );
    }
    print!("{}", render_summary(&outcome));
    if let Some(m) = &outcome.mirror {
        print!("{}", mirror_line(m));
    }
    if !args.no_report {
        println!("report: {}", outcome.dir.join("report.html").display());
    }
    Ok(ExitCode::SUCCESS)
}

/// A bar on stderr, drawn only when stderr is a terminal (indicatif hides it otherwise).
pub(super) fn progress_bar() -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::with_draw_target(
        None,
        indicatif::ProgressDrawTarget::stderr_with_hz(4),
    );
    if let Ok(style) = indicatif::ProgressStyle::with_template(
        "{bar:40} {human_pos}/{human_len} bars, {per_sec}, {eta} left",
    ) {
        bar.set_style(style);
    }
    bar
}

/// `s` as a TOML string literal (quoted and escaped), for a `--set`-style override.
fn toml_string(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

fn pct(v: f64) -> String {
    format!("{:+.2}%", v * 100.0)
}

fn opt(v: Option<f64>) -> String {
    v.map_or_else(|| "-".to_string(), |x| format!("{x:.2}"))
}

fn render_summary(o: &backtest::BacktestOutcome) -> String {
    let s = &o.summary;
    let d = &s.dataset;
    let m = &s.metrics;
    let a = &s.account;
    let mut out = String::new();
    if d.synthetic {
        out.push_str(&format!(
            "NOTE: dataset {} is SYNTHETIC (generated, not real market data); results say nothing about real markets.\n",
            d.name
        ));
    }
    out.push_str(&format!(
        "backtest {} ({}, {} {}, {} -> {}, {} bars) against exchange info '{}'\n",
        d.name,
        d.kind,
        d.symbols.join(","),
        d.interval,
        d.first_bar,
        d.last_bar,
        d.bars,
        s.exchange_info
    ));
    out.push_str("execution model:\n");
    for (label, rule) in s.execution_model.rows() {
        out.push_str(&format!("  {label:<15} {rule}\n"));
    }
    out.push_str(&format!(
        "return {}  max drawdown {}  sharpe {}  trades {}  win rate {}  fees {:.2}  funding {:+.2} (+ received, - paid)  final equity {:.2}\n",
        pct(m.total_return),
        pct(-m.max_drawdown + 0.0),
        opt(m.sharpe),
        m.trades,
        m.win_rate.map_or_else(|| "-".to_string(), pct),
        a.fees_paid,
        -rust_decimal::prelude::ToPrimitive::to_f64(&a.funding_paid).unwrap_or(0.0) + 0.0,
        a.equity
    ));
    out.push_str(&format!(
        "speed {:.0} bars/s ({:.1} ms)\n\n",
        s.wall_clock.bars_per_second, s.wall_clock.elapsed_ms
    ));
    out.push_str(&o.funnel_table);
    if !o.explanation.is_empty() {
        out.push('\n');
        for line in &o.explanation {
            out.push_str(&format!("- {line}\n"));
        }
    }
    out.push_str(&format!("\nrun folder: {}\n", o.dir.display()));
    out
}
