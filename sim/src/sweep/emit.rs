//! `sim sweep plan --emit slurm|k8s`: a ready job for a cluster scheduler people already run,
//! each array task or pod running one shard of the plan (`sim sweep run --plan PLAN --shard N`,
//! the index read from `SLURM_ARRAY_TASK_ID` or `JOB_COMPLETION_INDEX`), then
//! `sim sweep merge PLAN` once all are done.
//! - Slurm: an `sbatch --array=0-(N-1)` script.
//! - Kubernetes: an Indexed Job (`completionMode: Indexed`, `completions: N`); the plan's
//!   folder must be on a volume every pod mounts (a PersistentVolumeClaim named in the file).
//!
//! Must never live here: submitting anything; these are text files for the user to submit.

use std::path::Path;

/// An `sbatch` script running the `shards` shards of the plan at `plan` (an absolute path on
/// storage every node sees) with `sim` on the nodes' PATH.
pub fn slurm(plan: &Path, shards: usize, cpus: usize) -> String {
    let plan = shell_quote(&plan.display().to_string());
    format!(
        "#!/bin/bash\n\
         # One array task per shard of the sweep plan {plan}.\n\
         # Submit: sbatch THIS_FILE; when every task is done: sim sweep merge {plan}\n\
         # A task run twice (a retry) rewrites only its own part.\n\
         #SBATCH --job-name=sim-sweep\n\
         #SBATCH --array=0-{last}\n\
         #SBATCH --ntasks=1\n\
         #SBATCH --cpus-per-task={cpus}\n\
         #SBATCH --output=sim-sweep-%A_%a.out\n\
         set -euo pipefail\n\
         exec sim sweep run --plan {plan} --shard {shards} --jobs \"${{SLURM_CPUS_PER_TASK:-{cpus}}}\"\n",
        last = shards.saturating_sub(1),
    )
}

/// An Indexed Job manifest running the `shards` shards of the plan at `plan` in `image`, with
/// the plan's folder on the PersistentVolumeClaim `claim`.
pub fn k8s(plan: &Path, shards: usize, cpus: usize, image: &str, claim: &str) -> String {
    let folder = plan
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
        .display()
        .to_string();
    let args = [
        "sweep".to_string(),
        "run".to_string(),
        "--plan".to_string(),
        plan.display().to_string(),
        "--shard".to_string(),
        shards.to_string(),
        "--jobs".to_string(),
        cpus.to_string(),
    ];
    let args: Vec<String> = args.iter().map(|a| yaml_string(a)).collect();
    format!(
        "# One pod per shard of the sweep plan {plan}; JOB_COMPLETION_INDEX picks the shard.\n\
         # The plan's folder {folder} must be on the claim {claim}, which every pod mounts there.\n\
         # Apply: kubectl apply -f THIS_FILE; when the job completes: sim sweep merge {plan}\n\
         apiVersion: batch/v1\n\
         kind: Job\n\
         metadata:\n  name: sim-sweep\n\
         spec:\n\
         \x20 completionMode: Indexed\n\
         \x20 completions: {shards}\n\
         \x20 parallelism: {shards}\n\
         \x20 backoffLimit: {retries}\n\
         \x20 template:\n\
         \x20   spec:\n\
         \x20     restartPolicy: Never\n\
         \x20     containers:\n\
         \x20       - name: sim\n\
         \x20         image: {image}\n\
         \x20         command: [\"sim\"]\n\
         \x20         args: [{args}]\n\
         \x20         resources:\n\
         \x20           requests:\n\
         \x20             cpu: \"{cpus}\"\n\
         \x20         volumeMounts:\n\
         \x20           - name: sweep\n\
         \x20             mountPath: {folder_q}\n\
         \x20     volumes:\n\
         \x20       - name: sweep\n\
         \x20         persistentVolumeClaim:\n\
         \x20           claimName: {claim_q}\n",
        plan = plan.display(),
        image = yaml_string(image),
        args = args.join(", "),
        retries = shards * 2,
        folder_q = yaml_string(&folder),
        claim_q = yaml_string(claim),
    )
}

/// `s` in single quotes for a POSIX shell.
fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// `s` as a double-quoted YAML string.
fn yaml_string(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| format!("\"{s}\""))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_slurm_script_is_an_array_of_one_task_per_shard() {
        let s = slurm(Path::new("/shared/plan.json"), 3, 2);
        assert!(s.starts_with("#!/bin/bash\n"));
        assert!(s.contains("#SBATCH --array=0-2\n"), "{s}");
        assert!(
            s.contains("sim sweep run --plan '/shared/plan.json' --shard 3"),
            "{s}"
        );
    }

    /// The fields an Indexed Job needs, read back with a YAML-free check: each line present
    /// with its indentation.
    #[test]
    fn the_k8s_manifest_is_an_indexed_job_with_one_completion_per_shard() {
        let m = k8s(Path::new("/shared/plan.json"), 4, 2, "sim:1", "sweeps");
        for line in [
            "apiVersion: batch/v1",
            "kind: Job",
            "  completionMode: Indexed",
            "  completions: 4",
            "  parallelism: 4",
            "      restartPolicy: Never",
            "          image: \"sim:1\"",
            "          args: [\"sweep\", \"run\", \"--plan\", \"/shared/plan.json\", \"--shard\", \"4\", \"--jobs\", \"2\"]",
            "              mountPath: \"/shared\"",
            "            claimName: \"sweeps\"",
        ] {
            assert!(m.lines().any(|l| l == line), "{line:?} missing in\n{m}");
        }
    }
}
