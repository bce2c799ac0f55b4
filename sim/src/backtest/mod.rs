//! `sim backtest`: the simulation (exchange, strategies and stages built from the run spec,
//! driven by the loop in `run_loop`) and the run folder it writes.
//!
//! Per bar, in time order (symbols merged by open time): the simulated exchange takes the
//! closed bar (fills, triggers, funding, liquidations), the symbol's strategy sees it, then
//! every pipeline stage runs and may send orders, which fill from the next bar on. That is the
//! order a live run sees: a closed bar, a decision, an order. Funding is settled at the
//! dataset's recorded times and rates when it has them (`recorded_funding`).
//! Must never live here: stage logic, fill rules, data parsing or drawing.

mod csv_text;
pub mod execution_model;
pub mod journal_compact;
pub mod journal_files;
pub mod journal_thread;
pub mod mirror_sink;
mod partials;
pub mod price_candles;
pub mod recorded_funding;
pub mod recorded_intents;
pub mod recorded_marks;
pub mod recorded_trades;
mod run_loop;
pub mod run_tables;
mod signal_tape;
pub mod summary;
pub mod trades;
pub mod zstd_frames;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use datasets::{BarSeries, Dataset};
use exchange_sim::{InfoSchedule, SimExchange};
use pipeline::funnel::Funnel;
use pipeline::stages::journal::{Journal, NullJournal};
use pipeline::stages::pipeline::Pipeline;
use pipeline::{Symbol, TimestampMs};
use reports::metrics::EquityPoint;
use strategies::StrategyFactory;

use crate::config::RunSpec;
use journal_thread::BackgroundJournal;
pub use mirror_sink::JournalSinks;
use mirror_sink::MirroredJournal;
use recorded_intents::RecordedIntents;
use run_loop::{Lane, LoopPath, event_loop};
use summary::{RunInputs, Summary};

/// What a finished backtest hands back to the CLI.
#[derive(Debug)]
pub struct BacktestOutcome {
    pub dir: PathBuf,
    pub summary: Summary,
    pub funnel_table: String,
    pub explanation: Vec<String>,
    /// Hidden partial folders of killed runs (`.NAME.partial-<pid>` of a process that is
    /// gone) removed from the run folder's parent at start.
    pub removed_partials: Vec<PathBuf>,
    /// What the Redis mirror wrote (`--mirror-redis`), if the run had one.
    pub mirror: Option<deployment::mirror::MirrorReport>,
}

/// Whether a run writes its journals (`orders.journal.zst`, `results.journal.zst`): `sim
/// backtest --journal off|full`. Off, the stages record nothing and the run folder has no journals
/// (reports then show no drop or result details); everything else is the same.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum JournalMode {
    Off,
    #[default]
    Full,
}

/// Runs `spec` over `dataset` against `info` and writes the run folder `out`.
/// The folder is written under a temporary name and renamed at the end, so an interrupted or
/// failed run leaves no half-written folder behind.
pub fn run(
    spec: &RunSpec,
    dataset: &Dataset,
    info: impl Into<InfoSchedule>,
    info_name: &str,
    out: &Path,
    progress: &mut dyn FnMut(u64, u64),
) -> anyhow::Result<BacktestOutcome> {
    run_with_journal(
        spec,
        dataset,
        info,
        info_name,
        JournalMode::Full,
        out,
        progress,
    )
}

/// [`run`] with the journals on or off.
pub fn run_with_journal(
    spec: &RunSpec,
    dataset: &Dataset,
    info: impl Into<InfoSchedule>,
    info_name: &str,
    journal: JournalMode,
    out: &Path,
    progress: &mut dyn FnMut(u64, u64),
) -> anyhow::Result<BacktestOutcome> {
    let finish = &mut |_: &Path| Ok(());
    run_finishing(
        spec,
        dataset,
        info,
        info_name,
        journal.into(),
        out,
        progress,
        finish,
    )
}

/// What [`run_series`] runs: `label` is the data's (name, synthetic); a symbol in
/// `trade_from` gets no signal before that open time (a live session's warm-up bars: the
/// strategy and the stages see them, nothing trades on them).
#[derive(Debug)]
pub struct SeriesRun<'a> {
    pub spec: &'a RunSpec,
    pub label: (&'a str, bool),
    pub series: &'a [&'a BarSeries],
    pub trade_from: &'a BTreeMap<Symbol, i64>,
    /// The exchange info over time (an `ExchangeInfo` converts into one valid for all time).
    pub info: InfoSchedule,
    pub info_name: &'a str,
}

/// [`run_with_journal`], with `finish` writing more into the run folder (the report) before it
/// is published: a run folder appears under its name only once everything in it is written.
#[allow(clippy::too_many_arguments)]
pub fn run_finishing(
    spec: &RunSpec,
    dataset: &Dataset,
    info: impl Into<InfoSchedule>,
    info_name: &str,
    journal: JournalSinks,
    out: &Path,
    progress: &mut dyn FnMut(u64, u64),
    finish: &mut dyn FnMut(&Path) -> anyhow::Result<()>,
) -> anyhow::Result<BacktestOutcome> {
    let series = select_series(spec, dataset)?;
    let run = SeriesRun {
        spec,
        label: (dataset.name(), dataset.is_synthetic()),
        series: &series,
        trade_from: &BTreeMap::new(),
        info: info.into(),
        info_name,
    };
    run_series_finishing(run, journal, out, progress, finish)
}

/// [`run`] over given series, into the run folder `out`.
pub fn run_series(
    run: SeriesRun<'_>,
    out: &Path,
    progress: &mut dyn FnMut(u64, u64),
) -> anyhow::Result<BacktestOutcome> {
    run_series_finishing(
        run,
        JournalMode::Full.into(),
        out,
        progress,
        &mut |_| Ok(()),
    )
}

/// [`run_series`] with the journals on or off, and `finish` called on the finished temporary
/// folder before it is published. If `finish` fails, the run's own files are complete: the
/// folder is published and the error returned (the caller says what to retry).
pub fn run_series_finishing(
    run: SeriesRun<'_>,
    journal: JournalSinks,
    out: &Path,
    progress: &mut dyn FnMut(u64, u64),
    finish: &mut dyn FnMut(&Path) -> anyhow::Result<()>,
) -> anyhow::Result<BacktestOutcome> {
    let problems = run.spec.topology.problems();
    if let Some(p) = problems.first() {
        bail!("{}: topology: {}", run.spec.source, p.message);
    }
    let (tmp, removed_partials) = temp_dir_for(out)?;
    let (summary, funnel_table, explanation, mirror) =
        match fill_run_folder(&tmp, run, journal, progress) {
            Ok(done) => done,
            Err(e) => {
                // Nothing half-written is left behind.
                let _ = std::fs::remove_dir_all(&tmp);
                return Err(e);
            }
        };
    let finished = finish(&tmp);
    publish(&tmp, out)?;
    finished?;
    Ok(BacktestOutcome {
        dir: out.to_path_buf(),
        summary,
        funnel_table,
        explanation,
        removed_partials,
        mirror,
    })
}

/// Runs the backtest with its journals in `tmp` and writes the rest of the run folder there;
/// returns the summary, the funnel table, its explanation and what the mirror wrote.
fn fill_run_folder(
    tmp: &Path,
    run: SeriesRun<'_>,
    journal: JournalSinks,
    progress: &mut dyn FnMut(u64, u64),
) -> anyhow::Result<FilledFolder> {
    let SeriesRun {
        spec,
        label,
        series,
        trade_from,
        info,
        info_name,
    } = run;
    let info_hash = info_hash(&info);
    let JournalSinks { mode, mirror } = journal;
    let (sim, journal_lines, elapsed, mirror) = match mode {
        JournalMode::Full => {
            let journal = BackgroundJournal::create(tmp)
                .with_context(|| format!("cannot create journals in {}", tmp.display()))?;
            let journal = MirroredJournal { journal, mirror };
            let sim = simulate_from(spec, series, info, journal, trade_from, progress)?;
            // The run's time includes waiting for the last journal lines to be written.
            let finishing = Instant::now();
            let (sim, MirroredJournal { journal, mirror }) = sim.take_journal();
            let mirror = mirror.map(|m| m.finish());
            let journal_lines = journal.finish().with_context(|| {
                format!(
                    "cannot write the journals (orders.journal.zst, results.journal.zst) in {}",
                    tmp.display()
                )
            })?;
            let elapsed = sim.elapsed + finishing.elapsed();
            (sim, journal_lines, elapsed, mirror)
        }
        JournalMode::Off => {
            let journal = MirroredJournal {
                journal: NullJournal,
                mirror,
            };
            let sim = simulate_from(spec, series, info, journal, trade_from, progress)?;
            let finishing = Instant::now();
            let (sim, MirroredJournal { mirror, .. }) = sim.take_journal();
            let mirror = mirror.map(|m| m.finish());
            let elapsed = sim.elapsed + finishing.elapsed();
            (sim, 0, elapsed, mirror)
        }
    };
    let inputs = RunInputs {
        spec,
        dataset_name: label.0,
        synthetic: label.1,
        series,
        info_name,
        info_hash,
        bars: sim.bars,
        journal_lines,
        elapsed,
    };
    let summary = summary::write_run_folder(tmp, &inputs, &sim.exchange, &sim.equity, &sim.funnel)?;
    let funnel_table = sim.funnel.render_table();
    let explanation = pipeline::funnel::explain::explain(&sim.funnel);
    std::fs::write(tmp.join("funnel.txt"), &funnel_table)
        .with_context(|| format!("cannot write {}", tmp.join("funnel.txt").display()))?;
    Ok((summary, funnel_table, explanation, mirror))
}

/// The fingerprint of the exchange info a run used: the SHA-256 of its JSON for one info
/// valid for all time (as before schedules), else of every version's valid-from time and JSON
/// in order, so a run over a history changes its hash when any snapshot or date does.
pub fn info_hash(schedule: &InfoSchedule) -> String {
    let versions: Vec<_> = schedule.versions().collect();
    if let [(_, only)] = versions.as_slice() {
        return datasets::sha256_hex(only.to_json_pretty().as_bytes());
    }
    let mut text = String::new();
    for (from, info) in versions {
        text.push_str(&format!("valid from {}\n", from.0));
        text.push_str(&info.to_json_pretty());
        text.push('\n');
    }
    datasets::sha256_hex(text.as_bytes())
}

/// What [`fill_run_folder`] hands back: the summary, the funnel table, its explanation and
/// what the mirror wrote.
type FilledFolder = (
    summary::Summary,
    String,
    Vec<String>,
    Option<deployment::mirror::MirrorReport>,
);

#[derive(Debug)]
pub struct Simulation<J> {
    pub exchange: SimExchange,
    pub funnel: Funnel,
    pub journal: J,
    pub equity: Vec<EquityPoint>,
    pub bars: u64,
    pub elapsed: Duration,
}

impl<J> Simulation<J> {
    /// The simulation without its journal, and the journal (to finish it).
    pub fn take_journal(self) -> (Simulation<()>, J) {
        let Simulation {
            exchange,
            funnel,
            journal,
            equity,
            bars,
            elapsed,
        } = self;
        let rest = Simulation {
            exchange,
            funnel,
            journal: (),
            equity,
            bars,
            elapsed,
        };
        (rest, journal)
    }
}

/// The simulation itself, with no files: `series` (one per symbol, same interval) through the
/// strategy, every stage and the simulated exchange built from `spec` and `info`. `sim
/// backtest` and the benchmarks both run this.
pub fn simulate<J: Journal>(
    spec: &RunSpec,
    series: &[&BarSeries],
    info: impl Into<InfoSchedule>,
    journal: J,
) -> anyhow::Result<Simulation<J>> {
    simulate_with_progress(spec, series, info, journal, &mut |_, _| {})
}

/// [`simulate`], calling `progress(bars_done, bars_total)` now and then (for a progress bar).
pub fn simulate_with_progress<J: Journal>(
    spec: &RunSpec,
    series: &[&BarSeries],
    info: impl Into<InfoSchedule>,
    journal: J,
    progress: &mut dyn FnMut(u64, u64),
) -> anyhow::Result<Simulation<J>> {
    simulate_from(spec, series, info, journal, &BTreeMap::new(), progress)
}

/// [`simulate_with_progress`] where a symbol in `trade_from` gets no signal before that open
/// time (see [`run_series`]).
pub fn simulate_from<J: Journal>(
    spec: &RunSpec,
    series: &[&BarSeries],
    info: impl Into<InfoSchedule>,
    journal: J,
    trade_from: &BTreeMap<Symbol, i64>,
    progress: &mut dyn FnMut(u64, u64),
) -> anyhow::Result<Simulation<J>> {
    simulate_on(
        LoopPath::Auto,
        spec,
        series,
        info.into(),
        journal,
        trade_from,
        progress,
    )
}

/// [`simulate_from`] through the general multi-symbol loop even when there is one symbol, so
/// one-symbol runs skip the fast path (no signal tape, no quiet bars passed in one go). Gives
/// the same outputs, slower; it exists for the test that holds the fast path to this one.
#[doc(hidden)]
pub fn simulate_on_general_path<J: Journal>(
    spec: &RunSpec,
    series: &[&BarSeries],
    info: impl Into<InfoSchedule>,
    journal: J,
    trade_from: &BTreeMap<Symbol, i64>,
) -> anyhow::Result<Simulation<J>> {
    simulate_on(
        LoopPath::General,
        spec,
        series,
        info.into(),
        journal,
        trade_from,
        &mut |_, _| {},
    )
}

/// The simulation on the loop `path` names (see [`simulate_from`]).
fn simulate_on<J: Journal>(
    path: LoopPath,
    spec: &RunSpec,
    series: &[&BarSeries],
    info: InfoSchedule,
    journal: J,
    trade_from: &BTreeMap<Symbol, i64>,
    progress: &mut dyn FnMut(u64, u64),
) -> anyhow::Result<Simulation<J>> {
    let interval = series
        .first()
        .context("the run has no bar series")?
        .interval();
    if let Some(other) = series.iter().find(|s| s.interval() != interval) {
        bail!(
            "{} is {} bars but {} is {}; a run needs one interval",
            other.symbol(),
            other.interval(),
            series[0].symbol(),
            interval
        );
    }
    let mut exchange = SimExchange::new(info, spec.exchange.clone(), interval)
        .context("the exchange config is not usable")?;
    recorded_funding::attach(&mut exchange, series, &spec.exchange.funding)?;
    recorded_trades::attach(&mut exchange, series)?;
    recorded_marks::attach(&mut exchange, series)?;
    let factory = StrategyFactory::new(&spec.strategy, interval.as_ms())?;
    let mut recorded = load_intents(spec, series)?;
    let mut pipeline = Pipeline::with_journal(&spec.pipeline, journal);
    let lanes: Vec<Lane> = series
        .iter()
        .map(|s| Lane {
            symbol: s.symbol().clone(),
            id: exchange.symbol_id(s.symbol().as_str()),
            source: factory.build(s.symbol()),
            intents: recorded.take(s.symbol().as_str()),
            series: s,
            next: 0,
            trade_from: trade_from.get(s.symbol()).copied().unwrap_or(i64::MIN),
        })
        .collect();
    let started = Instant::now();
    let (equity, bars) = event_loop(lanes, path, &mut exchange, &mut pipeline, progress)?;
    let elapsed = started.elapsed();
    let (funnel, _ledger, journal) = pipeline.into_parts();
    Ok(Simulation {
        exchange,
        funnel,
        journal,
        equity,
        bars,
        elapsed,
    })
}

/// The recorded intents of `run.intents`, checked to fall inside the data.
fn load_intents(spec: &RunSpec, series: &[&BarSeries]) -> anyhow::Result<RecordedIntents> {
    let Some(path) = &spec.run.intents else {
        return Ok(RecordedIntents::default());
    };
    let recorded = RecordedIntents::load(path)?;
    let spans: Vec<_> = series
        .iter()
        .filter_map(|s| {
            let t = s.open_times();
            let (first, last) = (*t.first()?, *t.last()?);
            Some((
                s.symbol().to_string(),
                TimestampMs(first),
                TimestampMs(last + s.interval().as_ms()),
            ))
        })
        .collect();
    recorded.check_covered(path, &spans)?;
    Ok(recorded)
}

/// The series the run trades: `run.symbols` if set (each must be in the dataset), else all.
pub fn select_series<'a>(
    spec: &RunSpec,
    dataset: &'a Dataset,
) -> anyhow::Result<Vec<&'a BarSeries>> {
    if spec.run.symbols.is_empty() {
        let all: Vec<&BarSeries> = dataset.series().iter().collect();
        if all.is_empty() {
            bail!("dataset {} has no bars", dataset.name());
        }
        return Ok(all);
    }
    spec.run
        .symbols
        .iter()
        .map(|s| {
            dataset.get(s.as_str()).with_context(|| {
                let have: Vec<String> = dataset.series().iter().map(|x| x.symbol().to_string()).collect();
                format!(
                    "run.symbols names {s}, which dataset {} does not have (it has {}); remove it or pick another dataset",
                    dataset.name(),
                    have.join(", ")
                )
            })
        })
        .collect()
}

/// The hidden temporary folder a run is written in (`.NAME.partial-<pid>` beside `out`),
/// after removing the partial folders that killed runs left there; returns both.
pub(crate) fn temp_dir_for(out: &Path) -> anyhow::Result<(PathBuf, Vec<PathBuf>)> {
    let parent = out
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent)
        .with_context(|| format!("cannot create {}", parent.display()))?;
    let name = out
        .file_name()
        .map_or_else(|| "run".into(), |n| n.to_string_lossy().into_owned());
    let removed = partials::remove_stale(parent)?;
    let tmp = parent.join(format!(".{name}.partial-{}", std::process::id()));
    if tmp.exists() {
        std::fs::remove_dir_all(&tmp)?;
    }
    std::fs::create_dir_all(&tmp).with_context(|| format!("cannot create {}", tmp.display()))?;
    Ok((tmp, removed))
}

/// Replaces `out` with the finished temporary folder. A previous run in `out` is moved aside
/// first and removed only once the new one is in place; if the new one cannot be moved in, the
/// previous one is put back, so a failure never loses both.
pub(crate) fn publish(tmp: &Path, out: &Path) -> anyhow::Result<()> {
    let move_in = || {
        std::fs::rename(tmp, out)
            .with_context(|| format!("cannot move the run folder to {}", out.display()))
    };
    if !out.exists() {
        return move_in();
    }
    let name = out
        .file_name()
        .map_or_else(|| "run".into(), |n| n.to_string_lossy().into_owned());
    let aside = out.with_file_name(format!(".{name}.replaced-{}", std::process::id()));
    if aside.exists() {
        std::fs::remove_dir_all(&aside)
            .with_context(|| format!("cannot remove {}", aside.display()))?;
    }
    std::fs::rename(out, &aside).with_context(|| format!("cannot replace {}", out.display()))?;
    if let Err(e) = move_in() {
        if let Err(back) = std::fs::rename(&aside, out) {
            return Err(e.context(format!(
                "the previous run is in {} ({back})",
                aside.display()
            )));
        }
        return Err(e);
    }
    if let Err(e) = std::fs::remove_dir_all(&aside) {
        tracing::warn!(path = %aside.display(), error = %e, "the replaced run folder could not be removed");
    }
    Ok(())
}

/// The default run folder: `runs/<dataset>-<strategy>`.
pub fn default_out_dir(spec: &RunSpec) -> PathBuf {
    let strategy = serde_json::to_value(&spec.strategy)
        .ok()
        .and_then(|v| v.get("name").and_then(|n| n.as_str()).map(str::to_string))
        .unwrap_or_else(|| "run".to_string());
    PathBuf::from("runs").join(format!("{}-{strategy}", spec.run.dataset))
}

#[cfg(test)]
mod tests {
    use super::publish;

    fn folder(path: &std::path::Path, text: &str) {
        std::fs::create_dir_all(path).expect("dir");
        std::fs::write(path.join("summary.json"), text).expect("file");
    }

    fn summary(path: &std::path::Path) -> String {
        std::fs::read_to_string(path.join("summary.json")).expect("read")
    }

    #[test]
    fn a_new_run_replaces_the_previous_one_and_leaves_nothing_aside() {
        let dir = tempfile::tempdir().expect("dir");
        let (tmp, out) = (dir.path().join(".run.partial"), dir.path().join("run"));
        folder(&out, "old");
        folder(&tmp, "new");
        publish(&tmp, &out).expect("published");
        assert_eq!(summary(&out), "new");
        let left: Vec<_> = std::fs::read_dir(dir.path())
            .expect("list")
            .map(|e| e.expect("entry").file_name())
            .collect();
        assert_eq!(left, ["run"]);
    }

    #[test]
    fn a_run_that_cannot_be_moved_in_keeps_the_previous_one() {
        let dir = tempfile::tempdir().expect("dir");
        let out = dir.path().join("run");
        folder(&out, "old");
        // The finished folder is missing, so moving it in fails.
        let err = publish(&dir.path().join(".run.partial"), &out).expect_err("fails");
        assert!(
            format!("{err:#}").contains("cannot move the run folder"),
            "{err:#}"
        );
        assert_eq!(summary(&out), "old");
    }
}
