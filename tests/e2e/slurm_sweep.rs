//! `sim sweep` on a real Slurm cluster: the plan's emitted `sbatch` script runs as an array job
//! of 3 tasks on the one-node cluster of `slurm_cluster.rs`, each task running its shard with
//! the index Slurm gives it (`SLURM_ARRAY_TASK_ID`), and `sim sweep merge` then gives the local
//! sweep's folder byte for byte.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::time::{Duration, Instant};

use crate::slurm_cluster::SlurmCluster;
use crate::support::Sandbox;
use crate::sweep::DONE_WHEN;
use crate::sweep_shards::assert_same_sweep;

const SHARDS: u32 = 3;

#[test]
fn a_sweep_run_as_a_slurm_array_job_merges_to_the_local_sweep() {
    let Some(cluster) =
        SlurmCluster::start_or_skip("a_sweep_run_as_a_slurm_array_job_merges_to_the_local_sweep")
    else {
        return;
    };
    let sb = Sandbox::new();
    // The local sweep first: it also fills the data cache the tasks then share.
    sb.sim(&[&DONE_WHEN[..], &["--out", "local"]].concat()).ok();
    let plan = sb
        .sim(
            &[
                &["sweep", "plan"][..],
                &DONE_WHEN[1..],
                &["--out", "plan.json", "--emit", "slurm", "--shards", "3"],
            ]
            .concat(),
        )
        .ok();
    assert!(
        plan.stdout.contains("job: plan.json.sbatch"),
        "{}",
        plan.stdout
    );

    // The emitted script runs `sim` from PATH in the submitter's environment, as on a cluster
    // where sim is installed: the task puts the test's binary there and runs it unchanged.
    let task = sb.path("task.sh");
    fs::write(&task, task_script(sb.dir.path())).expect("write the task");
    fs::set_permissions(&task, fs::Permissions::from_mode(0o755)).expect("chmod");
    let started = Instant::now();
    let job = cluster.run_array(&task, SHARDS, Duration::from_secs(300));
    eprintln!(
        "slurm array job {} ({SHARDS} shards) ran in {:.1} s",
        job.job_id,
        started.elapsed().as_secs_f64()
    );
    for (i, log) in job.task_logs.iter().enumerate() {
        assert!(
            log.contains(&format!("shard {i}/{SHARDS}")),
            "task {i} did not run shard {i}:\n{log}"
        );
    }

    sb.sim(&["sweep", "merge", "plan.json", "--out", "merged"])
        .ok();
    assert_same_sweep(&sb.path("local"), &sb.path("merged"));
}

/// The array task: the sandbox's data home and folder, `sim` on PATH, then the emitted script.
fn task_script(sandbox: &Path) -> String {
    let sim = Path::new(env!("CARGO_BIN_EXE_sim"));
    let bin = sim.parent().expect("the sim binary's folder");
    format!(
        "#!/bin/bash\n\
         set -euo pipefail\n\
         export SIM_HOME=\"{s}/home\"\n\
         export PATH=\"{b}:$PATH\"\n\
         unset SIM_LOG\n\
         cd \"{s}\"\n\
         exec bash \"{s}/plan.json.sbatch\"\n",
        s = sandbox.display(),
        b = bin.display(),
    )
}
