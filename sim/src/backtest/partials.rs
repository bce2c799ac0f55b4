//! The hidden partial folders (`.NAME.partial-<pid>`) a backtest writes its run folder in
//! before renaming it into place. A killed run leaves its folder behind (hundreds of MB for a
//! year of 1m bars); the next run in the same parent removes those whose process is gone.
//! A folder whose process still runs (another backtest writing right now) is kept, as is any
//! folder when this system cannot tell whether a process runs (no `/proc`).
//! Must never live here: writing or publishing a run folder (`backtest/mod.rs`).

use std::path::{Path, PathBuf};

use anyhow::Context;

/// The pid in a partial folder's name `.NAME.partial-<pid>`, if it is one.
fn partial_pid(file_name: &str) -> Option<u32> {
    if !file_name.starts_with('.') {
        return None;
    }
    let (_, pid) = file_name.rsplit_once(".partial-")?;
    pid.parse().ok()
}

/// True unless the process is known to be gone: on Linux, `/proc/<pid>` is absent.
fn may_be_running(pid: u32) -> bool {
    let proc_dir = Path::new("/proc");
    !proc_dir.join("self").exists() || proc_dir.join(pid.to_string()).exists()
}

/// Removes the partial folders in `parent` left by processes that are gone; returns them.
pub(super) fn remove_stale(parent: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let Ok(entries) = std::fs::read_dir(parent) else {
        return Ok(Vec::new());
    };
    let mut removed = Vec::new();
    for e in entries.flatten() {
        let name = e.file_name();
        let Some(pid) = name.to_str().and_then(partial_pid) else {
            continue;
        };
        if pid == std::process::id() || may_be_running(pid) || !e.path().is_dir() {
            continue;
        }
        let path = e.path();
        std::fs::remove_dir_all(&path).with_context(|| {
            format!(
                "cannot remove {}, the partial folder of a killed run (process {pid} is gone); remove it by hand",
                path.display()
            )
        })?;
        removed.push(path);
    }
    removed.sort();
    Ok(removed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_with_a_pid_are_partials() {
        assert_eq!(partial_pid(".k.partial-123"), Some(123));
        assert_eq!(partial_pid(".a.b.partial-7"), Some(7));
        assert_eq!(partial_pid("k.partial-123"), None);
        assert_eq!(partial_pid(".k.partial-x"), None);
        assert_eq!(partial_pid(".k.replaced-123"), None);
    }

    #[test]
    fn a_dead_process_partial_is_removed_and_a_live_one_kept() {
        let dir = tempfile::tempdir().expect("dir");
        // A process that has ended: its pid names a dead run.
        let mut gone = std::process::Command::new("true").spawn().expect("spawn");
        gone.wait().expect("ends");
        let dead = dir.path().join(format!(".k.partial-{}", gone.id()));
        // A process that still runs: another backtest writing now.
        let mut alive = std::process::Command::new("sleep")
            .arg("30")
            .spawn()
            .expect("spawn");
        let running = dir.path().join(format!(".k.partial-{}", alive.id()));
        let finished = dir.path().join("k");
        for d in [&dead, &running, &finished] {
            std::fs::create_dir_all(d).expect("dir");
            std::fs::write(d.join("orders.jsonl"), "x").expect("file");
        }
        let removed = remove_stale(dir.path()).expect("cleaned");
        let _ = alive.kill();
        let _ = alive.wait();
        assert_eq!(removed, vec![dead.clone()]);
        assert!(!dead.exists());
        assert!(running.exists() && finished.exists());
    }
}
