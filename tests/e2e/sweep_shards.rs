//! `sim sweep plan | run | merge`: a plan run as 3 shards and merged gives the local sweep's
//! folder byte for byte; a missing shard is named; a shard run twice replaces its own part;
//! the shard index comes from a scheduler's variable; `--emit` writes the sbatch script and
//! the Indexed Job manifest.

use crate::support::Sandbox;

const PLAN: [&str; 6] = [
    "--dataset",
    "btc_2026q1",
    "--grid",
    "strategy.fast=5..20:5",
    "--grid",
    "strategy.slow=10,30,60",
];

#[test]
fn three_shards_merged_equal_the_local_sweep_byte_for_byte() {
    let sb = Sandbox::new();
    let local = sb
        .sim(&[&["sweep"][..], &PLAN, &["--out", "local", "--jobs", "2"]].concat())
        .ok();
    // fast=10, 15, 20 with slow=10: skipped points travel through the parts too.
    assert!(
        local.stdout.contains("12 points (9 ran, 3 skipped)"),
        "{}",
        local.stdout
    );
    sb.sim(&[&["sweep", "plan"][..], &PLAN, &["--out", "plan.json"]].concat())
        .ok();

    let merge = sb.sim(&["sweep", "merge", "plan.json", "--out", "merged"]);
    assert_ne!(merge.code, 0);
    assert!(
        merge.stderr.contains("run the shards first"),
        "{}",
        merge.stderr
    );

    sb.sim(&[
        "sweep",
        "run",
        "--plan",
        "plan.json",
        "--shard",
        "0/3",
        "--jobs",
        "1",
    ])
    .ok();
    sb.sim(&["sweep", "run", "--plan", "plan.json", "--shard", "2/3"])
        .ok();
    let merge = sb.sim(&["sweep", "merge", "plan.json", "--out", "merged"]);
    assert_ne!(merge.code, 0);
    assert!(
        merge
            .stderr
            .contains("shards 1 of 3 have not written their parts"),
        "{}",
        merge.stderr
    );
    assert!(!sb.path("merged").exists(), "no half sweep folder");

    // Shard 1 from a Slurm array index, and shard 2 run again (a retried task).
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_sim"))
        .args(["sweep", "run", "--plan", "plan.json", "--shard", "3"])
        .env("SIM_HOME", sb.path("home"))
        .env("SLURM_ARRAY_TASK_ID", "1")
        .current_dir(sb.dir.path())
        .output()
        .expect("sim runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("shard 1/3"));
    sb.sim(&["sweep", "run", "--plan", "plan.json", "--shard", "2/3"])
        .ok();
    let parts: Vec<String> = std::fs::read_dir(sb.path("plan.json.parts"))
        .expect("parts")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        parts.len(),
        3,
        "one part per shard, nothing left over: {parts:?}"
    );

    sb.sim(&["sweep", "merge", "plan.json", "--out", "merged"])
        .ok();
    assert_same_sweep(&sb.path("local"), &sb.path("merged"));
}

/// Every file of two sweep folders is the same, byte for byte.
pub(crate) fn assert_same_sweep(local: &std::path::Path, merged: &std::path::Path) {
    for f in [
        "results.csv",
        "results.parquet",
        "sweep.json",
        "report.html",
        "charts/heatmap.png",
        "charts/distribution.png",
        "charts/stability.png",
    ] {
        let a = std::fs::read(local.join(f)).expect("local");
        let b = std::fs::read(merged.join(f)).expect("merged");
        assert!(
            a == b,
            "{f} differs between the local sweep and the merged shards"
        );
    }
}

#[test]
fn emit_writes_an_sbatch_array_script_and_an_indexed_job() {
    let sb = Sandbox::new();
    let run = sb
        .sim(
            &[
                &["sweep", "plan"][..],
                &PLAN,
                &["--out", "p.json", "--emit", "slurm", "--shards", "3"],
            ]
            .concat(),
        )
        .ok();
    assert!(run.stdout.contains("job: p.json.sbatch"), "{}", run.stdout);
    let script = std::fs::read_to_string(sb.path("p.json.sbatch")).expect("script");
    assert!(script.contains("#SBATCH --array=0-2\n"), "{script}");
    assert!(script.contains("sim sweep run --plan '"), "{script}");
    sb.sim(
        &[
            &["sweep", "plan"][..],
            &PLAN,
            &["--out", "p.json", "--emit", "k8s", "--shards", "5"],
        ]
        .concat(),
    )
    .ok();
    let manifest = std::fs::read_to_string(sb.path("p.json.k8s.yaml")).expect("manifest");
    let docs = yaml_rust2::YamlLoader::load_from_str(&manifest)
        .unwrap_or_else(|e| panic!("the manifest is not YAML: {e}\n{manifest}"));
    assert_eq!(docs.len(), 1, "one document:\n{manifest}");
    let job = &docs[0];
    assert_eq!(job["apiVersion"].as_str(), Some("batch/v1"));
    assert_eq!(job["kind"].as_str(), Some("Job"));
    let spec = &job["spec"];
    // An Indexed Job: one completion per shard, each pod given JOB_COMPLETION_INDEX.
    assert_eq!(spec["completionMode"].as_str(), Some("Indexed"));
    assert_eq!(spec["completions"].as_i64(), Some(5));
    assert_eq!(spec["parallelism"].as_i64(), Some(5));
    let pod = &spec["template"]["spec"];
    assert_eq!(pod["restartPolicy"].as_str(), Some("Never"));
    let container = &pod["containers"][0];
    let command: Vec<&str> = container["command"]
        .as_vec()
        .expect("command list")
        .iter()
        .filter_map(|a| a.as_str())
        .collect();
    let args: Vec<&str> = container["args"]
        .as_vec()
        .expect("args list")
        .iter()
        .filter_map(|a| a.as_str())
        .collect();
    assert_eq!(command, ["sim"]);
    assert_eq!(&args[..3], ["sweep", "run", "--plan"], "{args:?}");
    // The plan's folder is mounted from the claim where the args say the plan is.
    let plan = std::path::Path::new(args[3]);
    let mount = container["volumeMounts"][0]["mountPath"]
        .as_str()
        .expect("mountPath");
    assert!(plan.starts_with(mount), "{plan:?} under {mount}");
    let volume = &pod["volumes"][0];
    assert_eq!(volume["name"], container["volumeMounts"][0]["name"]);
    assert!(
        volume["persistentVolumeClaim"]["claimName"]
            .as_str()
            .is_some()
    );
}
