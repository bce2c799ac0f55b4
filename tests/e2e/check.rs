//! `sim check` and `sim config import-env` on the reports' deployment.

use crate::support::{Sandbox, repo};

#[test]
fn imported_env_files_reproduce_the_manual_stream_dead_end() {
    let sb = Sandbox::new();
    let env_dir = repo().join("tests/fixtures/quantum-env");
    let cfg = sb.path("imported.toml");
    sb.sim(&[
        "config",
        "import-env",
        env_dir.to_str().expect("utf8"),
        "--out",
        cfg.to_str().expect("utf8"),
    ])
    .ok();
    let text = std::fs::read_to_string(&cfg).expect("config");
    assert!(text.contains("quantum:stream:apply.plan.manual"), "{text}");
    assert!(
        text.contains("USE_TOP10_UNIVERSE"),
        "unmodelled keys are listed: {text}"
    );
    let run = sb.sim(&[
        "check",
        "--config",
        cfg.to_str().expect("utf8"),
        "--no-data",
    ]);
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    assert!(
        run.stdout.contains(
            "error [F4]: the executor reads quantum:stream:apply.plan.manual, which no stage writes"
        ),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("the bridge writes quantum:stream:apply.plan"),
        "{}",
        run.stdout
    );
    // The testnet does not list SUIUSDT or NEARUSDT in the shipped snapshot (F5).
    assert!(
        run.stdout.contains("warning [F5]: SUIUSDT is not listed"),
        "{}",
        run.stdout
    );
}

#[test]
fn the_shipped_example_configs_parse_and_the_healthy_one_passes() {
    let sb = Sandbox::new();
    let dir = repo().join("sim/configs");
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).expect("configs") {
        let path = entry.expect("entry").path();
        if path.extension().is_some_and(|e| e == "toml") {
            seen += 1;
            let run = sb.sim(&[
                "check",
                "--no-data",
                "--config",
                path.to_str().expect("utf8"),
            ]);
            let healthy = path.file_name().is_some_and(|n| n == "healthy.toml");
            assert!(
                run.code == 0 || !healthy,
                "{}: {}{}",
                path.display(),
                run.stdout,
                run.stderr
            );
            assert!(
                run.code <= 1,
                "{} does not parse: {}",
                path.display(),
                run.stderr
            );
            if healthy {
                assert!(run.stdout.contains("no problems found"), "{}", run.stdout);
            }
        }
    }
    assert!(seen >= 2, "expected example configs in {}", dir.display());
}

/// The executor's allowlist names the services that produce plans (the reports' deployment
/// lists `intent_bridge`, which produces every plan sim makes); one that leaves the bridge out
/// would block every plan, and the check says so before a run.
#[test]
fn an_allowlist_without_the_plan_producer_is_flagged() {
    let sb = Sandbox::new();
    let deployment = repo().join("sim/configs/reports-deployment.toml");
    let healthy = repo().join("sim/configs/healthy.toml");
    let run = sb.sim(&[
        "check",
        "--no-data",
        "--config",
        deployment.to_str().expect("utf8"),
    ]);
    assert!(!run.stdout.contains("[F8]"), "{}", run.stdout);
    let run = sb
        .sim(&[
            "check",
            "--no-data",
            "--config",
            healthy.to_str().expect("utf8"),
            "--set",
            "executor.source_allowlist=[\"sma_cross(10,30)\", \"p33\"]",
        ])
        .ok();
    assert!(
        run.stdout.contains(
            "warning [F8]: executor.source_allowlist = [\"sma_cross(10,30)\", \"p33\"] leaves out 'intent_bridge'"
        ),
        "{}",
        run.stdout
    );
}
