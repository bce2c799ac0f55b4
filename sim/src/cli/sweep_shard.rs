//! `sim sweep plan | run | merge`: a sweep split across the machines of a cluster scheduler.
//! `plan` writes the plan file (and, with `--emit`, an sbatch script or an Indexed Job
//! manifest); `run` runs one shard (its index from `--shard I/N` or the scheduler's array
//! index) and writes its part atomically; `merge` reads every part back and writes the same
//! sweep folder a local sweep writes.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, Subcommand, ValueEnum};
use sim::sweep::shard::{self, Part, PlanFile};
use sim::sweep::{emit, plan};

use super::sweep::{self, Loaded, OutputArgs, PlanArgs};

#[derive(Debug, Subcommand)]
pub enum ShardCommand {
    /// Write a sweep's plan (the same flags as `sim sweep`) for shards to run elsewhere.
    Plan(Box<PlanCmd>),
    /// Run shard I of N of a plan and write its part (PLAN.parts/part-I-of-N.toml).
    Run(RunCmd),
    /// Merge a plan's parts into the sweep folder a local sweep would write; names missing shards.
    Merge(MergeCmd),
}

/// `--emit`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Emit {
    Slurm,
    K8s,
}

#[derive(Debug, Args)]
pub struct PlanCmd {
    #[command(flatten)]
    pub plan: PlanArgs,
    /// The plan file to write.
    #[arg(long, value_name = "PLAN")]
    pub out: PathBuf,
    /// Also write a job running the shards: an sbatch --array script (PLAN.sbatch) or a
    /// Kubernetes Indexed Job manifest (PLAN.k8s.yaml).
    #[arg(long, value_enum)]
    pub emit: Option<Emit>,
    /// How many shards the emitted job runs.
    #[arg(long, default_value_t = 4)]
    pub shards: usize,
    /// CPUs per shard in the emitted job (each shard runs that many worker threads).
    #[arg(long, default_value_t = 2)]
    pub cpus: usize,
    /// The container image of the Kubernetes job (with `sim` on its PATH).
    #[arg(long, default_value = "sim:latest")]
    pub image: String,
    /// The PersistentVolumeClaim holding the plan's folder, for the Kubernetes job.
    #[arg(long, default_value = "sim-sweep")]
    pub claim: String,
}

#[derive(Debug, Args)]
pub struct RunCmd {
    /// The plan file (`sim sweep plan` writes it).
    #[arg(long, value_name = "PLAN")]
    pub plan: PathBuf,
    /// I/N: run shard I (from 0) of N; or N alone, I then read from SLURM_ARRAY_TASK_ID,
    /// JOB_COMPLETION_INDEX or AWS_BATCH_JOB_ARRAY_INDEX.
    #[arg(long, value_name = "I/N")]
    pub shard: String,
    /// Worker threads (default: all cores).
    #[arg(long, value_name = "N")]
    pub jobs: Option<usize>,
}

#[derive(Debug, Args)]
pub struct MergeCmd {
    /// The plan file whose parts to merge.
    pub plan: PathBuf,
    #[command(flatten)]
    pub output: OutputArgs,
}

pub fn run(cmd: ShardCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        ShardCommand::Plan(c) => write_plan(*c),
        ShardCommand::Run(c) => run_shard(c),
        ShardCommand::Merge(c) => merge(c),
    }
}

fn write_plan(c: PlanCmd) -> anyhow::Result<ExitCode> {
    let plan = sweep::plan_of(&c.plan)?;
    plan.write(&c.out)?;
    println!("plan: {} ({} points)", c.out.display(), plan.points);
    if let Some(kind) = c.emit {
        if c.shards == 0 {
            anyhow::bail!("--shards 0: give the number of shards the job runs (at least 1)");
        }
        // The job runs on other machines: it names the plan by its absolute path.
        let abs = std::path::absolute(&c.out)
            .with_context(|| format!("cannot make {} absolute", c.out.display()))?;
        let (text, path) = match kind {
            Emit::Slurm => (
                emit::slurm(&abs, c.shards, c.cpus),
                with_suffix(&c.out, ".sbatch"),
            ),
            Emit::K8s => (
                emit::k8s(&abs, c.shards, c.cpus, &c.image, &c.claim),
                with_suffix(&c.out, ".k8s.yaml"),
            ),
        };
        shard::write_atomically(&path, text.as_bytes())?;
        println!("job: {}", path.display());
    }
    Ok(ExitCode::SUCCESS)
}

fn with_suffix(path: &std::path::Path, suffix: &str) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(suffix);
    PathBuf::from(s)
}

fn run_shard(c: RunCmd) -> anyhow::Result<ExitCode> {
    let (i, n) = shard::shard_of(&c.shard, &|v| std::env::var(v).ok())?;
    let (plan, sha) = PlanFile::read(&c.plan)?;
    let loaded = Loaded::new(&plan)?;
    let points = plan::points(&plan.grid, plan.draw)?;
    let mine = &points[shard::slice(points.len(), i, n)];
    let jobs = sweep::jobs(c.jobs)?;
    let results = sweep::run_with_bar(&loaded.shared(&plan), &plan, mine, jobs)?;
    let part = Part {
        shard: i,
        shards: n,
        plan_sha256: sha,
        results,
    };
    let path = part.write(&c.plan)?;
    println!(
        "shard {i}/{n}: {} points -> {}",
        part.results.len(),
        path.display()
    );
    Ok(ExitCode::SUCCESS)
}

fn merge(c: MergeCmd) -> anyhow::Result<ExitCode> {
    let (plan, sha) = PlanFile::read(&c.plan)?;
    let results = shard::merge(&c.plan, &sha, plan.points)?;
    let loaded = Loaded::new(&plan)?;
    let (record, out) = sweep::write_folder(&plan, &loaded, &results, &c.output)?;
    println!(
        "merged {} points ({} ran, {} skipped)",
        record.points,
        record.ran,
        record.skipped.len()
    );
    println!("sweep folder: {}", out.display());
    Ok(ExitCode::SUCCESS)
}
