//! Issue 24, item 5: `sim backtest` killed with SIGKILL at seeded points over the whole run and
//! once while it draws its report. After every kill the run folder is either absent or complete
//! (a folder is published only when everything in it, report included, is written), and the
//! next run removes the hidden partial folders the killed ones left and names them.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::Sandbox;

const KILLS: u32 = 5;

fn complete(dir: &Path) -> bool {
    [
        "report.html",
        "summary.json",
        "funnel.txt",
        "equity.csv.zst",
    ]
    .iter()
    .all(|f| dir.join(f).is_file())
}

fn partials(sb: &Sandbox) -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = std::fs::read_dir(sb.dir.path())
        .expect("sandbox")
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().starts_with(".k.partial-"))
        .map(|e| e.path())
        .collect();
    found.sort();
    found
}

fn start(sb: &Sandbox) -> Child {
    Command::new(env!("CARGO_BIN_EXE_sim"))
        .args(["backtest", "--dataset", "btc_2026q1", "--out", "k"])
        .env("SIM_HOME", sb.path("home"))
        .env_remove("SIM_LOG")
        .current_dir(sb.dir.path())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("sim starts")
}

/// Kills `child` if it still runs; true when it was killed.
fn kill(mut child: Child) -> bool {
    let running = child.try_wait().expect("wait").is_none();
    if running {
        child.kill().expect("SIGKILL");
    }
    let _ = child.wait();
    running
}

fn assert_absent_or_complete(sb: &Sandbox, what: &str) {
    let out = sb.path("k");
    assert!(
        !out.exists() || complete(&out),
        "{what}: {} exists but is incomplete",
        out.display()
    );
    if out.exists() {
        std::fs::remove_dir_all(&out).expect("remove a finished run");
    }
}

#[test]
fn a_killed_backtest_never_leaves_a_folder_that_looks_complete() {
    let sb = Sandbox::new();
    // The first run builds the dataset's cache; the second tells how long a run takes here.
    sb.sim(&["backtest", "--dataset", "btc_2026q1", "--out", "first"])
        .ok();
    let started = Instant::now();
    sb.sim(&["backtest", "--dataset", "btc_2026q1", "--out", "second"])
        .ok();
    let full = started.elapsed();
    let mut state = 0x9e37_79b9_7f4a_7c15_u64;
    let mut killed = 0;
    for i in 0..KILLS {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let at = full.mul_f64(0.1 + 0.2 * f64::from(i)) + Duration::from_millis(state % 50);
        let child = start(&sb);
        std::thread::sleep(at);
        killed += u32::from(kill(child));
        assert_absent_or_complete(&sb, &format!("kill {i} at {at:?} of {full:?}"));
    }
    assert!(
        killed >= 3,
        "only {killed} of {KILLS} runs were killed before they ended"
    );

    // A kill while the report is drawn: its charts folder is being written.
    let child = start(&sb);
    let deadline = Instant::now() + Duration::from_secs(60);
    while !partials(&sb).iter().any(|p| p.join("charts").exists()) {
        assert!(
            Instant::now() < deadline,
            "the run never reached its report"
        );
        std::thread::sleep(Duration::from_millis(2));
    }
    assert!(
        kill(child),
        "the run ended before it could be killed in its report"
    );
    assert!(
        !sb.path("k").exists(),
        "published before its report was written"
    );
    let left = partials(&sb);
    assert!(!left.is_empty(), "the killed run left its partial folder");

    let run = sb
        .sim(&["backtest", "--dataset", "btc_2026q1", "--out", "k"])
        .ok();
    assert!(complete(&sb.path("k")));
    assert!(
        partials(&sb).is_empty(),
        "stale partials removed: {:?}",
        partials(&sb)
    );
    let said = format!("{}{}", run.stdout, run.stderr);
    for p in &left {
        let name = p.file_name().expect("name").to_string_lossy().into_owned();
        assert!(said.contains(&name), "names {name}:\n{said}");
    }
}
