//! Holding a case's golden files to what a run produced, byte for byte, or (with
//! `SIM_BLESS_GOLDENS=1`) writing them.
//!
//! A mismatch names every file that differs with its first differing line, files missing from
//! the goldens and golden files the run no longer produces; the run's files are kept under
//! the cargo target's tmp folder (`golden-actual/<case>/`, with the whole run folder in
//! `run/`) so they can be diffed with the goldens.

use std::path::{Path, PathBuf};

use crate::support::repo;

/// The environment variable that rewrites the goldens instead of comparing.
pub const BLESS: &str = "SIM_BLESS_GOLDENS";

/// The folder of one case's goldens: `tests/golden/<case>`.
pub fn golden_dir(case: &str) -> PathBuf {
    repo().join("tests/golden").join(case)
}

/// Compares `actual` (file name, contents) with the goldens of `case`, or writes them when
/// [`BLESS`] is `1`. `run` is the run folder they came from (kept on a mismatch).
pub fn check(case: &str, actual: &[(String, Vec<u8>)], run: &Path) {
    let dir = golden_dir(case);
    if std::env::var(BLESS).is_ok_and(|v| v == "1") {
        bless(&dir, actual);
        return;
    }
    let mut problems = Vec::new();
    for (name, bytes) in actual {
        match std::fs::read(dir.join(name)) {
            Ok(golden) if golden == *bytes => {}
            Ok(golden) => problems.push(format!(
                "tests/golden/{case}/{name}: {}",
                first_difference(&golden, bytes)
            )),
            Err(e) => problems.push(format!("tests/golden/{case}/{name}: no golden file ({e})")),
        }
    }
    for stale in golden_files(&dir) {
        if !actual.iter().any(|(name, _)| *name == stale) {
            problems.push(format!(
                "tests/golden/{case}/{stale}: the run no longer produces this golden file"
            ));
        }
    }
    if problems.is_empty() {
        return;
    }
    let kept = keep_actual(case, actual, run);
    panic!(
        "golden case {case}: the run's results differ from the goldens\n- {}\n\
         The run's files are in {} (its whole run folder in run/).\n\
         If the change is deliberate, rewrite the goldens with\n  \
         {BLESS}=1 cargo test -p sim --test e2e golden\n\
         and commit them with the change, saying why in the commit message \
         (tests/golden/README.md).",
        problems.join("\n- "),
        kept.display()
    );
}

/// The names of the files in `dir` (none if it does not exist).
fn golden_files(dir: &Path) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut names: Vec<String> = entries
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// Replaces the goldens of a case with `actual` (and removes golden files no longer produced).
fn bless(dir: &Path, actual: &[(String, Vec<u8>)]) {
    std::fs::create_dir_all(dir).expect("create the golden folder");
    for stale in golden_files(dir) {
        if !actual.iter().any(|(name, _)| *name == stale) {
            std::fs::remove_file(dir.join(&stale)).expect("remove a stale golden");
        }
    }
    for (name, bytes) in actual {
        std::fs::write(dir.join(name), bytes).expect("write a golden");
    }
    eprintln!("blessed {}", dir.display());
}

/// Where the first line of `actual` differs from `golden`, with both lines.
fn first_difference(golden: &[u8], actual: &[u8]) -> String {
    let g: Vec<&[u8]> = golden.split(|&b| b == b'\n').collect();
    let a: Vec<&[u8]> = actual.split(|&b| b == b'\n').collect();
    let show = |l: Option<&&[u8]>| {
        l.map_or_else(
            || "(end of file)".to_string(),
            |l| String::from_utf8_lossy(l).into_owned(),
        )
    };
    let i = (0..g.len().max(a.len()))
        .find(|&i| g.get(i) != a.get(i))
        .unwrap_or(0);
    format!(
        "first difference at line {} ({} lines golden, {} actual)\n    golden: {}\n    actual: {}",
        i + 1,
        golden.iter().filter(|&&b| b == b'\n').count(),
        actual.iter().filter(|&&b| b == b'\n').count(),
        show(g.get(i)),
        show(a.get(i)),
    )
}

/// Writes `actual` and a copy of the run folder under the target's tmp folder; returns it.
fn keep_actual(case: &str, actual: &[(String, Vec<u8>)], run: &Path) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("golden-actual")
        .join(case);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("run")).expect("create the kept folder");
    for (name, bytes) in actual {
        std::fs::write(dir.join(name), bytes).expect("keep a file");
    }
    for entry in std::fs::read_dir(run).expect("the run folder") {
        let path = entry.expect("entry").path();
        if path.is_file() {
            std::fs::copy(&path, dir.join("run").join(path.file_name().expect("name")))
                .expect("keep a run file");
        }
    }
    dir
}
