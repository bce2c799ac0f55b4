//! `sim walkforward`: the sweep's flags (or a sweep file) plus `--train`, `--test`,
//! `--anchored` and `--warmup`; the dataset is loaded once, the grid runs on each training
//! window on `--jobs` threads with a progress bar, each winner runs on its test window, and
//! the walk-forward folder is written (windows.csv, oos_equity.csv, walkforward.json, report).

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::Args;
use rust_decimal::prelude::ToPrimitive;
use sim::backtest;
use sim::sweep::folder::{DatasetStamp, Partial};
use sim::sweep::plan;
use sim::walkforward::folder::{self, NotFitting, WalkForwardRecord};
use sim::walkforward::windows::{self, Layout};
use sim::walkforward::{self as engine, duration, stitch};

use super::sweep::{Loaded, PlanArgs, jobs, plan_of};

#[derive(Debug, Args)]
pub struct WalkForwardArgs {
    #[command(flatten)]
    pub plan: PlanArgs,
    /// The training window's length: a whole number and a unit (m, h, d, w), e.g. 60d.
    #[arg(long, value_name = "DURATION")]
    pub train: String,
    /// The test window's length (and the step between windows), e.g. 14d.
    #[arg(long, value_name = "DURATION")]
    pub test: String,
    /// Anchored windows: every training window starts at the data's start and grows (default:
    /// rolling windows of --train each).
    #[arg(long)]
    pub anchored: bool,
    /// Bars before each test window that warm the strategy and the stages up without trading
    /// or counting (default: the --train length; 0m for none).
    #[arg(long, value_name = "DURATION")]
    pub warmup: Option<String>,
    /// Worker threads (default: all cores).
    #[arg(long, value_name = "N")]
    pub jobs: Option<usize>,
    /// The walk-forward folder (default walkforwards/<dataset>).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Do not write report.html and its charts.
    #[arg(long)]
    pub no_report: bool,
}

/// The window layout the flags give, checked against the data's bar interval.
fn layout_of(args: &WalkForwardArgs, bar_ms: i64) -> anyhow::Result<Layout> {
    let train_ms = duration::parse("--train", &args.train, false)?;
    let test_ms = duration::parse("--test", &args.test, false)?;
    let warmup_ms = match &args.warmup {
        Some(w) => duration::parse("--warmup", w, true)?,
        None => train_ms,
    };
    for (flag, text, ms) in [
        ("--train", &args.train, train_ms),
        ("--test", &args.test, test_ms),
    ] {
        if ms < bar_ms {
            bail!(
                "{flag} {text}: shorter than one bar of the data ({}); give at least one bar",
                duration::text(bar_ms)
            );
        }
    }
    Ok(Layout {
        train_ms,
        test_ms,
        anchored: args.anchored,
        warmup_ms,
    })
}

pub fn run(args: WalkForwardArgs) -> anyhow::Result<ExitCode> {
    let plan = plan_of(&args.plan)?;
    let jobs = jobs(args.jobs)?;
    // Durations are checked before the data is loaded (their errors need no data).
    layout_of(&args, 0)?;
    let loaded = Loaded::new(&plan)?;
    if let Some(path) = &loaded.spec.run.intents {
        bail!(
            "run.intents ({}): recorded intents are fixed in time and have no parameters to optimise; walk-forward runs a strategy's grid, so remove run.intents",
            path.display()
        );
    }
    let series = backtest::select_series(&loaded.spec, &loaded.ds)?;
    let interval = series[0].interval();
    let layout = layout_of(&args, interval.as_ms())?;
    let points = plan::points(&plan.grid, plan.draw)?;
    let (first, end) =
        engine::data_range(&series).context("the dataset has no bars to walk forward over")?;
    let windows = windows::lay_out(layout, first, end)?.fitting.len();
    let initial = loaded.spec.exchange.initial_balance;
    let wf_plan = engine::Plan {
        shared: loaded.shared(&plan),
        axes: &plan.grid,
        points: &points,
        metric: &plan.metric,
        layout,
        jobs,
        initial_balance: initial,
    };
    let bar = super::backtest::progress_bar();
    if let Ok(style) = indicatif::ProgressStyle::with_template(
        "{bar:40} {pos}/{len} training runs ({msg}), {eta} left",
    ) {
        bar.set_style(style);
    }
    bar.set_length((windows * points.len()) as u64);
    bar.set_message(format!("{windows} windows x {} points", points.len()));
    let started = std::time::Instant::now();
    let wf = engine::run(&wf_plan, &series, &mut |_| bar.inc(1));
    bar.finish_and_clear();
    let wf = wf?;
    let elapsed = started.elapsed();
    let summary = stitch::summary(
        &wf,
        &plan.metric,
        initial.to_f64().unwrap_or(f64::NAN),
        interval.bars_per_year(),
    );
    let (train, test, warmup) = folder::layout_texts(&layout);
    let record = WalkForwardRecord {
        sim_version: plan.sim_version.clone(),
        dataset: DatasetStamp::of(&loaded.ds),
        exchange_info: loaded.info_name.clone(),
        config_source: plan.source.clone(),
        base_config: loaded.spec.to_toml()?,
        sets: plan.sets.clone(),
        grid: plan.grid.clone(),
        draw: plan.draw,
        metric: plan.metric.clone(),
        train,
        test,
        warmup,
        layout,
        stitching: folder::STITCHING.to_string(),
        warm_up: folder::WARM_UP.to_string(),
        windows: folder::window_records(&wf, &plan.grid, &plan.metric),
        not_fitting: wf.not_fitting.as_ref().map(|(span, reason)| NotFitting {
            span: *span,
            reason: reason.clone(),
        }),
        summary,
    };
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("walkforwards").join(&loaded.spec.run.dataset));
    let partial = Partial::begin(&out)?;
    let filled = (|| -> anyhow::Result<()> {
        folder::write(&partial, &wf, &record)?;
        if !args.no_report {
            super::walkforward_print::write_report(&partial, &record, &wf)?;
        }
        Ok(())
    })();
    if let Err(e) = filled {
        partial.abandon();
        return Err(e);
    }
    let out = partial.publish()?;
    print!(
        "{}",
        super::walkforward_print::summary(&record, elapsed, jobs)
    );
    println!("walk-forward folder: {}", out.display());
    if record.summary.windows_tested == 0 {
        eprintln!(
            "no window was tested (the reasons are above and in windows.csv); check the --grid keys and values and the window lengths"
        );
        return Ok(ExitCode::FAILURE);
    }
    Ok(ExitCode::SUCCESS)
}
