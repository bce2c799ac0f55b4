//! `sim sweep`: a grid (or a random draw) of run configs over one dataset, every point run
//! through the same [`simulate`](crate::backtest::simulate) as `sim backtest`, on all cores.
//!
//! - [`plan`]: the swept keys, their values and the points they make.
//! - [`sweep_file`]: a sweep file (TOML: base config keys plus `[grid]` / `[random]`).
//! - [`point`]: one point, checked and run, summed up as a row.
//! - [`results`]: the rows ranked by the metric, and the results table (CSV, Parquet).
//! - [`folder`]: the sweep folder (`sweep.json`, the table, what the caller adds) written
//!   under a temporary name and renamed when complete.
//! - [`shard`]: the plan file, a shard's part and the merge; [`emit`]: the sbatch script and
//!   the Kubernetes Indexed Job that run the shards.
//!
//! The dataset is loaded once by the caller and shared read-only by the worker threads; each
//! worker takes the next point from a shared counter. Results are put back in plan order, so
//! they are the same whatever the number of workers.
//! Must never live here: argument parsing or printing (`cli/sweep.rs`), drawing the report
//! (`reports::sweep`).

pub mod emit;
pub mod folder;
pub mod overfitting;
pub mod plan;
pub mod point;
pub mod results;
pub mod shard;
pub mod sweep_file;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;

use anyhow::Context;

use plan::{Axis, Point};
use point::{Outcome, Shared};

/// A point and what became of it.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct PointResult {
    pub point: Point,
    pub outcome: Outcome,
}

/// Runs `points` on `jobs` worker threads (at least one), calling `done(finished, result)` on
/// this thread as each point finishes (in finishing order, for a progress bar). Returns the
/// results in plan order. Stops at the first failure of the machinery (a point whose config
/// is refused is a skipped result, not a failure).
pub fn run_points(
    shared: &Shared<'_>,
    axes: &[Axis],
    points: &[Point],
    jobs: usize,
    done: &mut dyn FnMut(usize, &PointResult),
) -> anyhow::Result<Vec<PointResult>> {
    let next = AtomicUsize::new(0);
    let (tx, rx) = mpsc::channel::<(usize, anyhow::Result<Outcome>)>();
    let mut slots: Vec<Option<PointResult>> = vec![None; points.len()];
    let workers = jobs.clamp(1, points.len().max(1));
    std::thread::scope(|scope| -> anyhow::Result<()> {
        for w in 0..workers {
            let (tx, next) = (tx.clone(), &next);
            std::thread::Builder::new()
                .name(format!("sweep-{w}"))
                .spawn_scoped(scope, move || {
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(p) = points.get(i) else { break };
                        let outcome = shared.run(&p.overrides(axes));
                        let failed = outcome.is_err();
                        if tx.send((i, outcome)).is_err() || failed {
                            // The collector stopped, or this point failed: no more work.
                            next.store(points.len(), Ordering::Relaxed);
                            break;
                        }
                    }
                })
                .context("cannot start a sweep worker thread")?;
        }
        drop(tx);
        let mut finished = 0;
        for (i, outcome) in rx {
            let outcome = outcome.with_context(|| {
                format!(
                    "point {} ({})",
                    points[i].id,
                    points[i].overrides(axes).join(" ")
                )
            });
            let outcome = match outcome {
                Ok(o) => o,
                Err(e) => {
                    next.store(points.len(), Ordering::Relaxed);
                    return Err(e);
                }
            };
            finished += 1;
            let result = PointResult {
                point: points[i].clone(),
                outcome,
            };
            done(finished, &result);
            slots[i] = Some(result);
        }
        Ok(())
    })?;
    slots
        .into_iter()
        .enumerate()
        .map(|(i, s)| s.with_context(|| format!("point {} was not run", points[i].id)))
        .collect()
}

/// All cores (the default of `--jobs`).
pub fn all_cores() -> usize {
    std::thread::available_parallelism().map_or(1, usize::from)
}
