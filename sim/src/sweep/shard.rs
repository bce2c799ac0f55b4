//! A sweep split across machines: the plan file (`sim sweep plan`: everything a shard needs
//! to run its points, written once), a shard's part (`sim sweep run --plan PLAN --shard I/N`:
//! the results of its slice of points, written atomically, a rerun replacing its own part),
//! and the merge (`sim sweep merge PLAN`: every part read back into the local sweep's results,
//! in plan order, missing shards named).
//!
//! Shard I of N runs the I-th of N contiguous, nearly equal slices of the plan's points, so
//! the parts put end to end are the points in plan order. Parts are TOML: floats written in
//! their shortest exact form and read back by the standard library's correctly rounded parser
//! to the same bits (serde_json's default float parser is not exact to the last bit), so the
//! merged results table is byte for byte a local sweep's.
//! Must never live here: running points (`sweep::run_points`) or the scheduler scripts
//! (`emit`).

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use serde::{Deserialize, Serialize};

use super::PointResult;
use super::plan::{Axis, Draw};

/// The plan file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanFile {
    pub sim_version: String,
    /// The base config as TOML text and where it came from.
    pub base: String,
    pub source: String,
    /// `--set` overrides for every point (the dataset's first).
    pub sets: Vec<String>,
    pub grid: Vec<Axis>,
    pub draw: Draw,
    pub metric: String,
    /// How many points the plan makes (a check at merge time).
    pub points: usize,
}

/// A shard's part file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Part {
    pub shard: usize,
    pub shards: usize,
    /// The plan file's sha256, so a part of another plan is refused.
    pub plan_sha256: String,
    pub results: Vec<PointResult>,
}

impl PlanFile {
    /// Writes the plan to `path` atomically.
    pub fn write(&self, path: &Path) -> anyhow::Result<()> {
        let json = serde_json::to_string_pretty(self).context("cannot write the plan")?;
        write_atomically(path, (json + "\n").as_bytes())
    }

    /// Reads the plan at `path`; returns it and its sha256.
    pub fn read(path: &Path) -> anyhow::Result<(PlanFile, String)> {
        let text = std::fs::read_to_string(path).with_context(|| {
            format!(
                "cannot read the plan {}; write one with `sim sweep plan ... --out {}`",
                path.display(),
                path.display()
            )
        })?;
        let plan: PlanFile = serde_json::from_str(&text).with_context(|| {
            format!(
                "{} is not a sweep plan (sim sweep plan writes one)",
                path.display()
            )
        })?;
        Ok((plan, datasets::sha256_hex(text.as_bytes())))
    }

    /// The base config as a table.
    pub fn base_table(&self) -> anyhow::Result<toml::Table> {
        toml::from_str(&self.base).context("the plan's base config is not valid TOML")
    }
}

/// The folder holding a plan's parts: `PLAN.parts/` beside the plan file.
pub fn parts_dir(plan: &Path) -> PathBuf {
    let name = plan
        .file_name()
        .map_or_else(|| "plan".into(), |n| n.to_string_lossy().into_owned());
    plan.with_file_name(format!("{name}.parts"))
}

/// The part file of shard `i` of `n`.
pub fn part_path(plan: &Path, i: usize, n: usize) -> PathBuf {
    parts_dir(plan).join(format!("part-{i:04}-of-{n:04}.toml"))
}

/// The slice of `total` points shard `i` of `n` runs (contiguous, sizes differing by at most
/// one, earlier shards the larger).
pub fn slice(total: usize, i: usize, n: usize) -> std::ops::Range<usize> {
    let (per, extra) = (total / n, total % n);
    let start = i * per + i.min(extra);
    start..start + per + usize::from(i < extra)
}

/// The environment variables a scheduler sets to an array task's index, in the order read.
pub const INDEX_VARS: [&str; 3] = [
    "SLURM_ARRAY_TASK_ID",
    "JOB_COMPLETION_INDEX",
    "AWS_BATCH_JOB_ARRAY_INDEX",
];

/// `--shard I/N`, or `N` alone with I from the first of [`INDEX_VARS`] that is set
/// (`env` reads a variable).
pub fn shard_of(
    flag: &str,
    env: &dyn Fn(&str) -> Option<String>,
) -> anyhow::Result<(usize, usize)> {
    let fix = "write --shard I/N (shard I of N, from 0), or --shard N on a cluster that sets SLURM_ARRAY_TASK_ID, JOB_COMPLETION_INDEX or AWS_BATCH_JOB_ARRAY_INDEX";
    let (i, n) = match flag.split_once('/') {
        Some((i, n)) => (Some(i.trim()), n.trim()),
        None => (None, flag.trim()),
    };
    let n: usize = n
        .parse()
        .ok()
        .filter(|n| *n > 0)
        .with_context(|| format!("--shard {flag}: N must be a whole number > 0; {fix}"))?;
    let i: usize = match i {
        Some(i) => i
            .parse()
            .with_context(|| format!("--shard {flag}: I must be a whole number; {fix}"))?,
        None => {
            let (var, value) = INDEX_VARS
                .iter()
                .find_map(|v| env(v).map(|x| (*v, x)))
                .with_context(|| {
                    format!(
                        "--shard {flag}: no shard index given and none of {} is set; {fix}",
                        INDEX_VARS.join(", ")
                    )
                })?;
            value
                .trim()
                .parse()
                .with_context(|| format!("{var}={value} is not a shard index (a whole number)"))?
        }
    };
    if i >= n {
        bail!("--shard {i}/{n}: the index runs from 0 to {}; {fix}", n - 1);
    }
    Ok((i, n))
}

impl Part {
    /// Writes the part of `plan` atomically (a rerun replaces it).
    pub fn write(&self, plan: &Path) -> anyhow::Result<PathBuf> {
        let path = part_path(plan, self.shard, self.shards);
        let text = toml::to_string(self).context("cannot write the part")?;
        write_atomically(&path, text.as_bytes())?;
        Ok(path)
    }
}

/// Every part of `plan` (sha256 `plan_sha256`, `total` points) in plan order, or an error
/// naming the missing shards and the command that runs them.
pub fn merge(plan: &Path, plan_sha256: &str, total: usize) -> anyhow::Result<Vec<PointResult>> {
    let dir = parts_dir(plan);
    let mut parts: Vec<Part> = Vec::new();
    let entries = std::fs::read_dir(&dir).with_context(|| {
        format!(
            "no parts in {}; run the shards first (`sim sweep run --plan {} --shard I/N`)",
            dir.display(),
            plan.display()
        )
    })?;
    for e in entries {
        let path = e?.path();
        let is_part = path.file_name().is_some_and(|n| {
            n.to_string_lossy().starts_with("part-") && n.to_string_lossy().ends_with(".toml")
        });
        if !is_part {
            continue;
        }
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        let part: Part = toml::from_str(&text)
            .with_context(|| format!("{} is not a sweep part", path.display()))?;
        if part.plan_sha256 != plan_sha256 {
            bail!(
                "{} belongs to another plan (the plan file changed after the shard ran); run that shard again",
                path.display()
            );
        }
        parts.push(part);
    }
    let Some(n) = parts.first().map(|p| p.shards) else {
        bail!("no parts in {}; run the shards first", dir.display());
    };
    if let Some(other) = parts.iter().find(|p| p.shards != n) {
        bail!(
            "{} holds parts of {n} and of {} shards; remove the parts of the split you do not want",
            dir.display(),
            other.shards
        );
    }
    parts.sort_by_key(|p| p.shard);
    let missing: Vec<String> = (0..n)
        .filter(|i| !parts.iter().any(|p| p.shard == *i))
        .map(|i| i.to_string())
        .collect();
    if !missing.is_empty() {
        bail!(
            "shards {} of {n} have not written their parts; run `sim sweep run --plan {} --shard I/{n}` for each",
            missing.join(", "),
            plan.display()
        );
    }
    let results: Vec<PointResult> = parts.into_iter().flat_map(|p| p.results).collect();
    if results.len() != total {
        bail!(
            "the parts hold {} points but the plan has {total}; run the shards again",
            results.len()
        );
    }
    Ok(results)
}

/// Writes `bytes` to `path` through a temporary file in the same folder and a rename, so a
/// reader never sees half a file.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let name = path
        .file_name()
        .map_or_else(|| "file".into(), |n| n.to_string_lossy().into_owned());
    let tmp = dir.join(format!(".{name}.partial-{}", std::process::id()));
    std::fs::write(&tmp, bytes).with_context(|| format!("cannot write {}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| {
        let _ = std::fs::remove_file(&tmp);
        format!("cannot move {} to {}", tmp.display(), path.display())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slices_cover_every_point_once_in_order() {
        for total in [0, 1, 7, 8, 100] {
            for n in 1..6 {
                let all: Vec<usize> = (0..n).flat_map(|i| slice(total, i, n)).collect();
                assert_eq!(
                    all,
                    (0..total).collect::<Vec<_>>(),
                    "{total} points, {n} shards"
                );
            }
        }
        assert_eq!(slice(8, 0, 3), 0..3);
        assert_eq!(slice(8, 2, 3), 6..8);
    }

    #[test]
    fn the_shard_index_comes_from_the_flag_or_the_scheduler() {
        let none = |_: &str| None;
        assert_eq!(shard_of("2/3", &none).expect("flag"), (2, 3));
        let k8s = |v: &str| (v == "JOB_COMPLETION_INDEX").then(|| "1".to_string());
        assert_eq!(shard_of("3", &k8s).expect("env"), (1, 3));
        let slurm = |v: &str| (v == "SLURM_ARRAY_TASK_ID").then(|| "0".to_string());
        assert_eq!(shard_of("4", &slurm).expect("env"), (0, 4));
        for (flag, says) in [
            ("3/3", "from 0 to 2"),
            ("3", "none of"),
            ("a/3", "I must"),
            ("1/0", "N must"),
        ] {
            let err = format!("{:#}", shard_of(flag, &none).expect_err(flag));
            assert!(
                err.contains("--shard") && err.contains(says),
                "{flag}: {err}"
            );
        }
    }
}
