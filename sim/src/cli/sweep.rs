//! `sim sweep`: reads the flags (or a sweep file) into a plan, loads the dataset once, runs the
//! points on `--jobs` threads with a progress bar, writes the sweep folder (results, sweep.json,
//! report, the `--keep` best points' run folders) and prints the best points and the skipped.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::Args;
use sim::backtest::{self, JournalMode};
use sim::sweep::folder::{self, DatasetStamp, Partial, SweepRecord};
use sim::sweep::plan::{self, Axis, Draw};
use sim::sweep::point::{Outcome, Shared};
use sim::sweep::{self as engine, PointResult, results, sweep_file};

use super::run_inputs;

#[derive(Debug, Args)]
pub struct SweepArgs {
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
    /// Worker threads (default: all cores).
    #[arg(long, value_name = "N")]
    pub jobs: Option<usize>,
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

/// The plan the flags describe: the base config (as a table and its source), the axes and
/// the draw.
struct Inputs {
    base: toml::Table,
    source: String,
    axes: Vec<Axis>,
    draw: Draw,
}

fn inputs(args: &SweepArgs) -> anyhow::Result<Inputs> {
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
    Ok(Inputs {
        base,
        source,
        axes,
        draw,
    })
}

pub fn run(args: SweepArgs) -> anyhow::Result<ExitCode> {
    let inp = inputs(&args)?;
    let points = plan::points(&inp.axes, inp.draw)?;
    let mut sets = Vec::new();
    if let Some(d) = &args.dataset {
        sets.push(format!("run.dataset={}", toml::Value::String(d.clone())));
    }
    sets.extend(args.set.iter().cloned());
    let base_spec = sim::config::load_table(inp.base.clone(), inp.source.clone(), &sets)
        .context("the sweep's base config (before any grid value) is not valid")?;
    let info = run_inputs::exchange_info(&base_spec)?;
    let ds = run_inputs::dataset(&base_spec)?;
    let mut all_symbols = base_spec.clone();
    all_symbols.run.symbols.clear();
    let prices = run_inputs::price_ranges(&all_symbols, &ds);
    let info_name = base_spec.run.exchange_info.clone();
    let shared = Shared {
        base: &inp.base,
        source: &inp.source,
        sets: &sets,
        dataset: &ds,
        info: &info,
        info_name: &info_name,
        prices: &prices,
    };
    let jobs = args.jobs.unwrap_or_else(engine::all_cores);
    if jobs == 0 {
        bail!("--jobs 0: give at least one worker thread (default: all cores)");
    }
    let started = std::time::Instant::now();
    let results = run_with_bar(&shared, &inp.axes, &points, jobs, &args.metric)?;
    let elapsed = started.elapsed();
    let first_skip = results.iter().find_map(|r| match &r.outcome {
        Outcome::Skipped(reason) => Some((r.point.overrides(&inp.axes).join(" "), reason)),
        Outcome::Ran(_) => None,
    });
    if let (Some((set, reason)), false) = (
        first_skip,
        results.iter().any(|r| matches!(r.outcome, Outcome::Ran(_))),
    ) {
        bail!(
            "no point ran: all {} were skipped, the first ({set}) because: {reason}; check the --grid keys and values",
            results.len()
        );
    }

    let table = results::table(&inp.axes, &results, &args.metric);
    let record = SweepRecord {
        sim_version: env!("CARGO_PKG_VERSION").to_string(),
        dataset: DatasetStamp::of(&ds),
        exchange_info: info_name.clone(),
        config_source: inp.source.clone(),
        base_config: base_spec.to_toml()?,
        sets: sets.clone(),
        grid: inp.axes.clone(),
        draw: inp.draw,
        metric: args.metric.clone(),
        points: results.len(),
        ran: table.rows(),
        skipped: folder::skipped(&inp.axes, &results),
        best: folder::best(&inp.axes, &results, &args.metric),
    };
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("sweeps").join(&base_spec.run.dataset));
    let partial = Partial::begin(&out)?;
    let written = fill_folder(
        &partial, &args, &shared, &inp.axes, &results, &table, &record,
    );
    if let Err(e) = written {
        partial.abandon();
        return Err(e);
    }
    let out = partial.publish()?;
    print!(
        "{}",
        super::sweep_print::summary(&record, &inp.axes, &results, &args.metric, elapsed, jobs)
    );
    println!("sweep folder: {}", out.display());
    Ok(ExitCode::SUCCESS)
}

/// Runs the points with a progress bar on stderr (only on a terminal): points done, ETA and
/// the best value so far.
fn run_with_bar(
    shared: &Shared<'_>,
    axes: &[Axis],
    points: &[plan::Point],
    jobs: usize,
    metric: &str,
) -> anyhow::Result<Vec<PointResult>> {
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
    let out = engine::run_points(shared, axes, points, jobs, &mut |done, r| {
        if let Outcome::Ran(row) = &r.outcome
            && let Some(v) = results::metric_value(row, metric)
            && best.is_none_or(|(b, _)| if lower_better { v < b } else { v > b })
        {
            best = Some((v, r.point.id));
            bar.set_message(format!("best {metric} {v:.4} (point {})", r.point.id));
        }
        bar.set_position(done as u64);
    });
    bar.finish_and_clear();
    out
}

/// Writes everything into the unfinished sweep folder.
fn fill_folder(
    partial: &Partial,
    args: &SweepArgs,
    shared: &Shared<'_>,
    axes: &[Axis],
    results: &[PointResult],
    table: &results::Table,
    record: &SweepRecord,
) -> anyhow::Result<()> {
    partial.write_results(table, record)?;
    if !args.no_report {
        super::sweep_print::write_report(partial, record, axes, results)?;
    }
    for (rank, &i) in results::ranking(results, &args.metric)
        .iter()
        .take(args.keep)
        .enumerate()
    {
        let p = &results[i].point;
        let spec = shared.spec(&p.overrides(axes))?;
        let dir = partial
            .tmp
            .join("best")
            .join(format!("{:02}-point-{}", rank + 1, p.id));
        backtest::run_with_journal(
            &spec,
            shared.dataset,
            shared.info.clone(),
            shared.info_name,
            JournalMode::Full,
            &dir,
            &mut |_, _| {},
        )
        .with_context(|| format!("--keep: the run folder of point {}", p.id))?;
        if !args.no_report {
            super::report::write(&dir, &dir)?;
        }
    }
    Ok(())
}
