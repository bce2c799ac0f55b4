//! `sim backtest --mirror-redis` against a real `redis-server`: the backtest's stage outputs
//! published under a prefix, read back by `sim watch --prefix` with the backtest's funnel;
//! nothing written outside the prefix; `MAXLEN ~` bounds a stream; an unreachable Redis is
//! an error naming it; a Redis that goes away mid-run stops the mirror with one warning and
//! leaves the run folder whole.

use std::collections::BTreeMap;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::redis_server::RedisServer;
use crate::support::{Child, Sandbox, read_json};

const SIGNALS: &str = "quantum:stream:ai.signal_generated";

/// A day of three symbols: BTCUSDT trades, ETHUSDT is left out of the bridge's allowlist
/// (plans BLOCKED), WAVESUSDT is not listed by the testnet (results not executed), and one
/// position at a time (trader drops, which the original system writes nowhere).
const RUN: &[&str] = &[
    "backtest",
    "--dataset",
    "mix",
    "--no-report",
    "--set",
    "bridge.allowlist=[\"BTCUSDT\",\"WAVESUSDT\"]",
    "--set",
    "trader.max_positions=1",
];

fn sandbox() -> Sandbox {
    let sb = Sandbox::new();
    sb.sim(&[
        "data",
        "synth",
        "--symbols",
        "BTCUSDT,ETHUSDT,WAVESUSDT",
        "--start",
        "2026-01-01",
        "--end",
        "2026-01-02",
        "--seed",
        "5",
        "--name",
        "mix",
    ])
    .ok();
    sb
}

fn backtest<'a>(out: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = RUN.to_vec();
    args.extend_from_slice(&["--out", out]);
    args.extend_from_slice(extra);
    args
}

fn n(v: &serde_json::Value) -> u64 {
    v.as_u64().unwrap_or(0)
}

/// A funnel stage's drops by reason, summed over several stages of the backtest's funnel.
fn drops(funnel: &serde_json::Value, stages: &[&str], eval: &str) -> BTreeMap<String, u64> {
    let mut out = BTreeMap::new();
    for s in stages {
        if let Some(d) = funnel["stages"][s][eval]["dropped"].as_object() {
            for (reason, count) in d {
                *out.entry(reason.clone()).or_default() += n(count);
            }
        }
    }
    out
}

fn watch_drops(tally: &serde_json::Value) -> BTreeMap<String, u64> {
    tally["dropped"]
        .as_object()
        .map(|d| d.iter().map(|(k, v)| (k.clone(), n(v))).collect())
        .unwrap_or_default()
}

/// `sim watch --json`'s funnel (`snap`) against a run's own (`summary.json`'s `funnel`):
/// signals, and per ENTRY/EXIT the intents, plans, results and their drops by reason.
pub(crate) fn assert_watch_shows_the_funnel(snap: &serde_json::Value, f: &serde_json::Value) {
    let live = &snap["funnel"]["stages"];
    let st = &f["stages"];
    let total = |kind: &str| n(&live[kind]["entry"]["total"]) + n(&live[kind]["exit"]["total"]);
    assert_eq!(total("signal"), n(&f["signals"]), "{live:#}");
    for eval in ["entry", "exit"] {
        let (intent, plan, result) = (
            &live["intent"][eval],
            &live["plan"][eval],
            &live["result"][eval],
        );
        assert_eq!(
            n(&intent["total"]),
            n(&st["trader"][eval]["output"]),
            "{eval}"
        );
        assert_eq!(n(&plan["total"]), n(&st["bridge"][eval]["input"]), "{eval}");
        assert_eq!(
            n(&plan["passed"]),
            n(&st["governor"][eval]["output"]),
            "{eval}"
        );
        assert_eq!(
            watch_drops(plan),
            drops(f, &["bridge", "governor"], eval),
            "{eval}"
        );
        assert_eq!(
            n(&result["total"]),
            n(&st["permit"][eval]["input"]),
            "{eval}"
        );
        assert_eq!(
            n(&result["passed"]),
            n(&st["executor"][eval]["output"]),
            "{eval}"
        );
        assert_eq!(
            watch_drops(result),
            drops(f, &["permit", "executor"], eval),
            "{eval}"
        );
    }
}

#[test]
fn a_mirrored_backtest_shows_its_funnel_in_sim_watch_and_writes_only_under_the_prefix() {
    let Some(server) = RedisServer::start_or_skip("mirror funnel") else {
        return;
    };
    let mut w = server.writer();
    // The deployment's own stream, which the mirror must leave alone.
    w.xadd(SIGNALS, &[("symbol", "BTCUSDT"), ("action", "BUY")]);
    let sb = sandbox();
    let url = server.url();
    let run = sb
        .sim(&backtest("mirrored", &["--mirror-redis", &url]))
        .ok();
    assert!(
        run.stdout.contains("messages to 4 streams under 'sim:'"),
        "{}",
        run.stdout
    );
    sb.sim(&backtest("plain", &[])).ok();
    // The mirror changes nothing in the run folder.
    for f in [
        "orders.journal.zst",
        "results.journal.zst",
        "funnel.txt",
        "trades.csv.zst",
    ] {
        let a = std::fs::read(sb.path("mirrored").join(f)).expect("mirrored file");
        let b = std::fs::read(sb.path("plain").join(f)).expect("plain file");
        assert!(a == b, "{f} differs with the mirror on");
    }

    let mut keys: Vec<String> = w
        .cmd(&["KEYS", "*"])
        .split(' ')
        .map(str::to_string)
        .collect();
    keys.sort();
    assert_eq!(
        keys,
        vec![
            SIGNALS.to_string(),
            "sim:quantum:stream:ai.signal_generated".into(),
            "sim:quantum:stream:apply.plan".into(),
            "sim:quantum:stream:apply.result".into(),
            "sim:quantum:stream:trade.intent".into(),
        ]
    );
    assert_eq!(w.cmd(&["XLEN", SIGNALS]), "1", "the deployment's stream");

    let watch = sb.sim(&[
        "watch", "--redis", &url, "--prefix", "sim:", "--once", "--json",
    ]);
    let snap: serde_json::Value = serde_json::from_str(&watch.stdout)
        .unwrap_or_else(|e| panic!("watch json: {e}\n{}\n{}", watch.stdout, watch.stderr));
    let live = &snap["funnel"]["stages"];
    let f = &read_json(&sb.path("mirrored").join("summary.json"))["funnel"];
    assert_watch_shows_the_funnel(&snap, f);
    // The case is what it says: drops on both mirrored streams, and trades.
    let entry = &live["result"]["entry"];
    assert!(
        n(&entry["dropped"]["symbol_not_available"]) > 10,
        "{entry:#}"
    );
    assert!(n(&live["plan"]["entry"]["dropped"]["symbol_not_in_allowlist"]) > 10);
    assert!(n(&entry["passed"]) > 10);
    // The watch raises F5 for WAVESUSDT, as it would for the real system.
    let alarms = snap["alarms"].to_string();
    assert!(alarms.contains("WAVESUSDT"), "{alarms}");
    assert_eq!(watch.code, 1, "an alarm is raised");
}

#[test]
fn maxlen_bounds_a_mirrored_stream() {
    let Some(server) = RedisServer::start_or_skip("mirror maxlen") else {
        return;
    };
    let sb = sandbox();
    let url = server.url();
    sb.sim(&backtest(
        "run",
        &["--mirror-redis", &url, "--mirror-maxlen", "100"],
    ))
    .ok();
    let signals = n(&read_json(&sb.path("run").join("summary.json"))["funnel"]["signals"]);
    assert!(signals > 250, "the run has more signals than the bound");
    let len: u64 = server
        .writer()
        .cmd(&["XLEN", "sim:quantum:stream:ai.signal_generated"])
        .parse()
        .expect("XLEN");
    // `MAXLEN ~` trims whole nodes (100 entries each by default): at least N, under N + 100.
    assert!((100..200).contains(&len), "XLEN {len} of {signals} signals");
}

#[test]
fn an_unreachable_redis_is_an_error_naming_it_and_no_run_folder_is_written() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port();
    let sb = sandbox();
    let url = format!("redis://127.0.0.1:{port}");
    let run = sb.sim(&backtest("run", &["--mirror-redis", &url]));
    assert_ne!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr.contains(&format!("--mirror-redis {url}")),
        "{}",
        run.stderr
    );
    assert!(!sb.path("run").exists());
    let empty = sb.sim(&backtest(
        "run",
        &["--mirror-redis", &url, "--mirror-prefix", ""],
    ));
    assert_ne!(empty.code, 0);
    assert!(empty.stderr.contains("prefix is empty"), "{}", empty.stderr);
}

/// Waits (bounded) until `redis-server` holds a client blocked on a command.
fn wait_for_blocked_client(server: &RedisServer) {
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut w = server.writer();
    while !w.cmd(&["INFO", "clients"]).contains("blocked_clients:1") {
        assert!(
            Instant::now() < deadline,
            "the mirror never sent its first batch"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn a_redis_that_goes_away_mid_run_stops_the_mirror_with_one_warning() {
    let Some(mut server) = RedisServer::start_or_skip("mirror goes away") else {
        return;
    };
    let sb = sandbox();
    sb.sim(&backtest("plain", &[])).ok();
    // Writes wait, so the first batch is still unanswered when the server is killed.
    server.writer().cmd(&["CLIENT", "PAUSE", "60000", "WRITE"]);
    let url = server.url();
    let mut child = Child(
        Command::new(env!("CARGO_BIN_EXE_sim"))
            .args(backtest("mirrored", &["--mirror-redis", &url]))
            .env("SIM_HOME", sb.path("home"))
            .env_remove("SIM_LOG")
            .current_dir(sb.dir.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("sim backtest starts"),
    );
    wait_for_blocked_client(&server);
    server.kill();
    let deadline = Instant::now() + Duration::from_secs(120);
    while child.0.try_wait().expect("wait").is_none() {
        assert!(Instant::now() < deadline, "the backtest did not finish");
        std::thread::sleep(Duration::from_millis(20));
    }
    let status = child.0.wait().expect("status");
    let read = |pipe: Option<&mut dyn std::io::Read>| {
        let mut text = String::new();
        pipe.expect("piped")
            .read_to_string(&mut text)
            .expect("read");
        text
    };
    let stdout = read(child.0.stdout.as_mut().map(|p| p as &mut dyn std::io::Read));
    let stderr = read(child.0.stderr.as_mut().map(|p| p as &mut dyn std::io::Read));
    assert!(status.success(), "{stdout}\n{stderr}");
    let warnings = stderr
        .lines()
        .filter(|l| l.contains("Redis mirror") && l.contains("stopped"))
        .count();
    assert_eq!(warnings, 1, "{stderr}");
    assert!(stdout.contains("WARNING: the mirror to"), "{stdout}");
    for f in [
        "orders.journal.zst",
        "results.journal.zst",
        "funnel.txt",
        "trades.csv.zst",
    ] {
        let a = std::fs::read(sb.path("mirrored").join(f)).expect("mirrored file");
        let b = std::fs::read(sb.path("plain").join(f)).expect("plain file");
        assert!(a == b, "{f}: the run folder is whole");
    }
}
