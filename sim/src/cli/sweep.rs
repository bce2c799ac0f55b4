//! `sim sweep`: the flags (or a sweep file) become a plan, the dataset is loaded once, the
//! points run on `--jobs` threads with a progress bar, and the sweep folder is written
//! (results, sweep.json, report, the `--keep` best points' run folders). `sim sweep plan`,
//! `run` and `merge` (in `sweep_shard.rs`) split the same steps across machines; both paths go
//! through the same plan, so a merged sweep is byte for byte a local one.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::Args;
use datasets::Dataset;
use exchange_sim::InfoSchedule;
use sim::backtest::{self, JournalMode};
use sim::check::PriceRange;
use sim::config::RunSpec;
use sim::sweep::folder::{self, DatasetStamp, Partial, SweepRecord};
use sim::sweep::plan::{self, Axis, Draw};
use sim::sweep::point::{Outcome, Shared};
use sim::sweep::shard::PlanFile;
use sim::sweep::{self as engine, PointResult, results, sweep_file};

use super::run_inputs;
use super::sweep_shard;

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct SweepCmd {
    #[command(subcommand)]
    pub command: Option<sweep_shard::ShardCommand>,
    #[command(flatten)]
    pub plan: PlanArgs,
    #[command(flatten)]
    pub local: LocalArgs,
}

/// What the points are: the base config, the grid, the draw and the metric.
#[derive(Debug, Args)]
pub struct PlanArgs {
    /// The dataset every point runs on (see `sim data list`); overrides run.dataset.
    #[arg(long)]
    pub dataset: Option<String>,
    /// The base run config (TOML); without it the built-in defaults.
    #[arg(long, short)]
    pub config: Option<PathBuf>,
    /// A sweep file: base config keys plus [grid] and [random] tables (instead of --config).
    #[arg(long, value_name = "FILE")]
    pub sweep: Option<PathBuf>,
    /// Override a base config key for every point, e.g. --set trader.position_usd=500.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub set: Vec<String>,
    /// A swept key and its values: KEY=a..b:step or KEY=v1,v2,... (repeatable), e.g.
    /// --grid strategy.fast=5..50:5 --grid strategy.slow=20,40,80.
    #[arg(long, value_name = "KEY=SPEC")]
    pub grid: Vec<String>,
    /// Run N points drawn at random from the grid instead of all of them.
    #[arg(long, value_name = "N")]
    pub random: Option<u64>,
    /// The seed of --random's draw.
    #[arg(long, value_name = "S")]
    pub seed: Option<u64>,
    /// The metric the points are ranked by (sharpe, sortino, total_return, max_drawdown, ...).
    #[arg(long, default_value = "sharpe")]
    pub metric: String,
}

/// How a sweep on this machine runs and where it writes.
#[derive(Debug, Args)]
pub struct LocalArgs {
    /// Worker threads (default: all cores).
    #[arg(long, value_name = "N")]
    pub jobs: Option<usize>,
    #[command(flatten)]
    pub output: OutputArgs,
}

/// What the sweep folder gets.
#[derive(Debug, Args)]
pub struct OutputArgs {
    /// Write full run folders (journals and report) of the N best points into best/.
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub keep: usize,
    /// The sweep folder (default sweeps/<dataset>).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Do not write report.html and its charts.
    #[arg(long)]
    pub no_report: bool,
}

/// The plan the flags describe (the base config's validity is checked here, once).
pub fn plan_of(args: &PlanArgs) -> anyhow::Result<PlanFile> {
    let (base, source, mut axes, file_draw) = match (&args.sweep, &args.config) {
        (Some(_), Some(_)) => bail!(
            "--sweep and --config both give a base config; put the config's keys in the sweep file, or use --config with --grid"
        ),
        (Some(path), None) => {
            let f = sweep_file::read(path)?;
            (f.base, path.display().to_string(), f.axes, f.random)
        }
        (None, Some(path)) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("--config: cannot read {}", path.display()))?;
            let table: toml::Table = toml::from_str(&text)
                .with_context(|| format!("--config: {} is not valid TOML", path.display()))?;
            (table, path.display().to_string(), Vec::new(), None)
        }
        (None, None) => (
            toml::Table::new(),
            "built-in defaults".to_string(),
            Vec::new(),
            None,
        ),
    };
    for g in &args.grid {
        axes.push(Axis::parse(g, "--grid")?);
    }
    let draw = match (args.random, args.seed) {
        (Some(0), _) => bail!("--random 0: give the number of points to draw (N > 0)"),
        (Some(points), seed) => Draw::Random {
            points,
            seed: seed.unwrap_or(0),
        },
        (None, Some(_)) if file_draw.is_none() => {
            bail!("--seed goes with --random N; without --random every grid point runs")
        }
        (None, _) => file_draw.unwrap_or(Draw::Grid),
    };
    results::check_metric(&args.metric)?;
    let points = plan::points(&axes, draw)?;
    let mut sets = Vec::new();
    if let Some(d) = &args.dataset {
        sets.push(format!("run.dataset={}", toml::Value::String(d.clone())));
    }
    sets.extend(args.set.iter().cloned());
    sim::config::load_table(base.clone(), source.clone(), &sets, None)
        .context("the sweep's base config (before any grid value) is not valid")?;
    Ok(PlanFile {
        sim_version: env!("CARGO_PKG_VERSION").to_string(),
        base: toml::to_string(&base).context("the base config cannot be written as TOML")?,
        source,
        sets,
        grid: axes,
        draw,
        metric: args.metric.clone(),
        points: points.len(),
    })
}

/// What every point shares, loaded once: the base config, the data, the exchange info.
pub struct Loaded {
    pub base: toml::Table,
    pub spec: RunSpec,
    /// The exchange info over time (`ENV@history`), or one valid for all time.
    pub info: InfoSchedule,
    /// The name that pins `info` (a fetched snapshot's dated name; for a history, the
    /// snapshots it ends at, their count and dates).
    pub info_name: String,
    pub ds: Dataset,
    pub prices: Vec<PriceRange>,
}

impl Loaded {
    pub fn new(plan: &PlanFile) -> anyhow::Result<Loaded> {
        let base = plan.base_table()?;
        let spec = sim::config::load_table(base.clone(), plan.source.clone(), &plan.sets, None)
            .context("the sweep's base config (before any grid value) is not valid")?;
        let resolved = run_inputs::exchange_info_over_time(&spec)?;
        run_inputs::say_exchange_info_over_time(&resolved);
        let ds = run_inputs::dataset(&spec)?;
        let mut all_symbols = spec.clone();
        all_symbols.run.symbols.clear();
        let prices = run_inputs::price_ranges(&all_symbols, &ds);
        run_inputs::say_history_start(&resolved, &prices);
        Ok(Loaded {
            base,
            spec,
            info: resolved.schedule,
            info_name: resolved.name,
            ds,
            prices,
        })
    }

    pub fn shared<'a>(&'a self, plan: &'a PlanFile) -> Shared<'a> {
        Shared {
            base: &self.base,
            source: &plan.source,
            sets: &plan.sets,
            dataset: &self.ds,
            info: &self.info,
            info_name: &self.info_name,
            prices: &self.prices,
            window: None,
        }
    }
}

pub fn run(cmd: SweepCmd) -> anyhow::Result<ExitCode> {
    if let Some(sub) = cmd.command {
        return sweep_shard::run(sub);
    }
    let plan = plan_of(&cmd.plan)?;
    let loaded = Loaded::new(&plan)?;
    let points = plan::points(&plan.grid, plan.draw)?;
    let jobs = jobs(cmd.local.jobs)?;
    let started = std::time::Instant::now();
    let results = run_with_bar(&loaded.shared(&plan), &plan, &points, jobs)?;
    let elapsed = started.elapsed();
    let (record, out) = write_folder(&plan, &loaded, &results, &cmd.local.output)?;
    print!(
        "{}",
        super::sweep_print::summary(&record, &plan.grid, &results, &plan.metric, elapsed, jobs)
    );
    println!("sweep folder: {}", out.display());
    Ok(ExitCode::SUCCESS)
}

/// `--jobs`, all cores by default.
pub fn jobs(flag: Option<usize>) -> anyhow::Result<usize> {
    match flag {
        Some(0) => bail!("--jobs 0: give at least one worker thread (default: all cores)"),
        Some(n) => Ok(n),
        None => Ok(engine::all_cores()),
    }
}

/// Runs the points with a progress bar on stderr (only on a terminal): points done, ETA and
/// the best value so far.
pub fn run_with_bar(
    shared: &Shared<'_>,
    plan: &PlanFile,
    points: &[plan::Point],
    jobs: usize,
) -> anyhow::Result<Vec<PointResult>> {
    let metric = plan.metric.as_str();
    let bar = super::backtest::progress_bar();
    if let Ok(style) =
        indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} points, {eta} left, {msg}")
    {
        bar.set_style(style);
    }
    bar.set_length(points.len() as u64);
    let lower_better = results::METRICS
        .iter()
        .any(|(m, lower)| *m == metric && *lower);
    let mut best: Option<(f64, u64)> = None;
    let out = engine::run_points(shared, &plan.grid, points, jobs, &mut |done, r| {
        bar.set_position(done as u64);
        if let Outcome::Ran(row) = &r.outcome
            && let Some(v) = results::metric_value(row, metric)
            && best.is_none_or(|(b, _)| if lower_better { v < b } else { v > b })
        {
            best = Some((v, r.point.id));
            bar.set_message(format!("best {metric} {v:.4} (point {})", r.point.id));
        }
    });
    bar.finish_and_clear();
    out
}

/// Writes the sweep folder of `results` (all the plan's points, in plan order); returns its
/// record and where it is. Refuses a sweep where no point ran, naming the first reason.
pub fn write_folder(
    plan: &PlanFile,
    loaded: &Loaded,
    results: &[PointResult],
    output: &OutputArgs,
) -> anyhow::Result<(SweepRecord, PathBuf)> {
    let axes = &plan.grid;
    if !results.iter().any(|r| matches!(r.outcome, Outcome::Ran(_)))
        && let Some(r) = results.first()
        && let Outcome::Skipped(reason) = &r.outcome
    {
        bail!(
            "no point ran: all {} were skipped, the first ({}) because: {reason}; check the --grid keys and values",
            results.len(),
            r.point.overrides(axes).join(" ")
        );
    }
    let table = results::table(axes, results, &plan.metric);
    let record = SweepRecord {
        sim_version: plan.sim_version.clone(),
        dataset: DatasetStamp::of(&loaded.ds),
        exchange_info: loaded.info_name.clone(),
        config_source: plan.source.clone(),
        base_config: loaded.spec.to_toml()?,
        sets: plan.sets.clone(),
        grid: axes.clone(),
        draw: plan.draw,
        metric: plan.metric.clone(),
        points: results.len(),
        ran: table.rows(),
        skipped: folder::skipped(axes, results),
        best: folder::best(axes, results, &plan.metric),
        overfitting: sim::sweep::overfitting::of(results, &plan.metric),
    };
    let out = output
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("sweeps").join(&loaded.spec.run.dataset));
    let partial = Partial::begin(&out)?;
    let filled = (|| -> anyhow::Result<()> {
        partial.write_results(&table, &record)?;
        if !output.no_report {
            super::sweep_print::write_report(&partial, &record, axes, results)?;
        }
        keep_best(&partial, plan, loaded, results, output)
    })();
    if let Err(e) = filled {
        partial.abandon();
        return Err(e);
    }
    Ok((record, partial.publish()?))
}

/// `--keep N`: full run folders (journals, report) of the N best points in `best/`.
fn keep_best(
    partial: &Partial,
    plan: &PlanFile,
    loaded: &Loaded,
    results: &[PointResult],
    output: &OutputArgs,
) -> anyhow::Result<()> {
    let shared = loaded.shared(plan);
    let ranked = results::ranking(results, &plan.metric);
    for (rank, &i) in ranked.iter().take(output.keep).enumerate() {
        let p = &results[i].point;
        let spec = shared.spec(&p.overrides(&plan.grid))?;
        let dir = partial
            .tmp
            .join("best")
            .join(format!("{:02}-point-{}", rank + 1, p.id));
        backtest::run_with_journal(
            &spec,
            &loaded.ds,
            loaded.info.clone(),
            &loaded.info_name,
            JournalMode::Full,
            &dir,
            &mut |_, _| {},
        )
        .with_context(|| format!("--keep: the run folder of point {}", p.id))?;
        if !output.no_report {
            super::report::write(&dir, &dir)?;
        }
    }
    Ok(())
}
