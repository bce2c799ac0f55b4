//! The Slurm harness (`slurm_cluster.rs`) proven with the real `sim` binary: an array job whose
//! tasks each run `sim`, keyed by `SLURM_ARRAY_TASK_ID`, as `sim sweep run --shard` will.

use crate::slurm_cluster::SlurmCluster;
use crate::support::Sandbox;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

const TASKS: u32 = 3;

/// Each task generates a one-day synthetic dataset whose seed is its task id + 1, in a
/// `SIM_HOME` of its own, and writes `sim data info` to `out/task-<id>.txt`. The test checks
/// every task's output names its own dataset and seed, and that each task's generated bars are
/// byte for byte those the same command writes outside Slurm.
#[test]
fn slurm_array_job_runs_sim_in_each_task() {
    let Some(cluster) = SlurmCluster::start_or_skip("slurm_array_job_runs_sim_in_each_task") else {
        return;
    };
    let sb = Sandbox::new();
    let work = sb.path("slurm");
    fs::create_dir_all(work.join("out")).expect("mkdir");
    let script = work.join("task.sh");
    fs::write(&script, task_script(&work)).expect("write script");
    fs::set_permissions(&script, fs::Permissions::from_mode(0o755)).expect("chmod");

    let started = Instant::now();
    let job = cluster.run_array(&script, TASKS, Duration::from_secs(180));
    eprintln!(
        "slurm array job {} ({TASKS} tasks) ran in {:.1} s",
        job.job_id,
        started.elapsed().as_secs_f64()
    );

    for id in 0..TASKS {
        let seed = id + 1;
        let info =
            fs::read_to_string(work.join(format!("out/task-{id}.txt"))).unwrap_or_else(|e| {
                panic!(
                    "task {id} wrote no output ({e}); its log:\n{}",
                    job.task_logs[id as usize]
                )
            });
        assert!(
            info.contains(&format!("name:        task_{id}\n")),
            "task {id}: {info}"
        );
        assert!(info.contains(&format!("seed {seed})")), "task {id}: {info}");
        assert!(
            info.contains("bars:        1,440 per symbol"),
            "task {id}: {info}"
        );

        // The same command outside Slurm writes the same bars.
        let local_home = sb.path(&format!("local-{id}"));
        let local_run = Command::new(env!("CARGO_BIN_EXE_sim"))
            .args([
                "data",
                "synth",
                "--symbols",
                "BTCUSDT",
                "--start",
                "2026-01-01",
            ])
            .args(["--end", "2026-01-01", "--seed", &seed.to_string()])
            .args(["--name", &format!("task_{id}")])
            .env("SIM_HOME", &local_home)
            .env_remove("SIM_LOG")
            .output()
            .expect("sim runs");
        assert!(local_run.status.success(), "{local_run:?}");
        let in_slurm = fs::read(only_parquet(&work.join(format!("home-{id}/cache"))));
        let local = fs::read(only_parquet(&local_home.join("cache")));
        assert_eq!(
            local.expect("local bars"),
            in_slurm.expect("task's bars"),
            "task {id}'s bars differ from the same command run outside Slurm"
        );
    }
}

/// The batch script: the task id picks the seed, the dataset name and the output file.
fn task_script(work: &Path) -> String {
    format!(
        "#!/bin/bash\n\
         set -euo pipefail\n\
         id=\"$SLURM_ARRAY_TASK_ID\"\n\
         export SIM_HOME=\"{w}/home-$id\"\n\
         unset SIM_LOG\n\
         \"{sim}\" data synth --symbols BTCUSDT --start 2026-01-01 --end 2026-01-01 \
           --seed \"$((id + 1))\" --name \"task_$id\"\n\
         \"{sim}\" data info \"task_$id\" > \"{w}/out/task-$id.txt\"\n",
        w = work.display(),
        sim = env!("CARGO_BIN_EXE_sim"),
    )
}

/// The one Parquet file a fresh `SIM_HOME`'s cache holds after one `sim data synth`.
fn only_parquet(dir: &Path) -> PathBuf {
    let mut files: Vec<PathBuf> = fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "parquet"))
        .collect();
    assert_eq!(files.len(), 1, "{}: {files:?}", dir.display());
    files.remove(0)
}
