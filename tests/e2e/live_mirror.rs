//! `sim live --mirror-redis` with real components: `sim serve` as the venue, a real
//! `redis-server`, the `sim` binary. Each closed bar's messages reach Redis while the session
//! runs (not only at its end); `sim watch --prefix sim:` then shows the session's own funnel;
//! a Redis that goes away mid-session costs messages (warned once, counted), never trading.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::mirror::assert_watch_shows_the_funnel;
use crate::redis_server::RedisServer;
use crate::support::{Child, Sandbox, Served, read_json};

const STREAMS: [&str; 4] = [
    "sim:quantum:stream:ai.signal_generated",
    "sim:quantum:stream:trade.intent",
    "sim:quantum:stream:apply.plan",
    "sim:quantum:stream:apply.result",
];

/// Trades often: sma_cross 2/5 on 1m bars, every signal taken.
const TOML: &str = "[strategy]\nname = \"sma_cross\"\nfast = 2\nslow = 5\n\n[trader]\nmin_confidence = 0.0\nposition_usd = \"300\"\nmax_position_usd = \"500\"\nleverage = 2\n\n[executor]\nallow_upsize = true\n";

fn serve(sb: &Sandbox) -> Served {
    // `sim live` keeps the wall clock (see live.rs: serve's dataset clock at 10x outruns it).
    sb.serve(&[
        "--clock",
        "wall",
        "--dataset",
        "btc_2026q1",
        "--speed",
        "10",
        "--warmup",
        "200",
        "--api-key",
        "cli-key",
        "--api-secret",
        "cli-secret",
    ])
}

/// `sim live` against `base`, mirrored to `redis`, until interrupted (or 5 minutes); its
/// stdout and stderr go to `session.stdout` / `session.stderr` in the sandbox.
fn start_session(sb: &Sandbox, base: &str, redis: &str) -> Child {
    std::fs::write(sb.path("live.toml"), TOML).expect("config");
    let out = std::fs::File::create(sb.path("session.stdout")).expect("stdout file");
    let err = std::fs::File::create(sb.path("session.stderr")).expect("stderr file");
    Child(
        Command::new(env!("CARGO_BIN_EXE_sim"))
            .args(["live", "--testnet", "--base-url", base])
            .args([
                "--config",
                "live.toml",
                "--duration",
                "300s",
                "--warmup",
                "50",
            ])
            .args(["--out", "session", "--mirror-redis", redis])
            .env("SIM_HOME", sb.path("home"))
            .env("BINANCE_API_KEY", "cli-key")
            .env("BINANCE_API_SECRET", "cli-secret")
            .env_remove("SIM_LOG")
            .current_dir(sb.dir.path())
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .spawn()
            .expect("sim live starts"),
    )
}

/// Closed bars the session acted on so far (warm-up bars apart).
fn bars_acted(dir: &Path) -> usize {
    std::fs::read_to_string(dir.join("bars.csv"))
        .map_or(0, |t| t.lines().filter(|l| l.ends_with(",false")).count())
}

/// Waits (bounded) until `done` holds.
fn wait_until(what: &str, sb: &Sandbox, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(120);
    while !done() {
        let err = std::fs::read_to_string(sb.path("session.stderr")).unwrap_or_default();
        assert!(
            Instant::now() < deadline,
            "timed out waiting for {what}\n{err}"
        );
        std::thread::sleep(Duration::from_millis(25));
    }
}

/// Ctrl-C, then waits (bounded) for the session to finish its folder; its stdout and stderr.
fn interrupt(sb: &Sandbox, mut child: Child) -> (String, String) {
    let pid = child.0.id().to_string();
    let sent = Command::new("kill").args(["-INT", &pid]).status();
    assert!(sent.is_ok_and(|s| s.success()), "kill -INT");
    let deadline = Instant::now() + Duration::from_secs(60);
    let status = loop {
        if let Some(status) = child.0.try_wait().expect("wait") {
            break status;
        }
        assert!(Instant::now() < deadline, "the session did not stop");
        std::thread::sleep(Duration::from_millis(25));
    };
    let stdout = std::fs::read_to_string(sb.path("session.stdout")).unwrap_or_default();
    let stderr = std::fs::read_to_string(sb.path("session.stderr")).unwrap_or_default();
    assert!(status.success(), "{stdout}\n--- stderr\n{stderr}");
    (stdout, stderr)
}

fn messages(server: &RedisServer) -> u64 {
    let mut w = server.writer();
    STREAMS
        .iter()
        .map(|s| w.cmd(&["XLEN", s]).parse::<u64>().unwrap_or(0))
        .sum()
}

#[test]
fn a_mirrored_live_session_publishes_each_bar_while_it_runs_and_watch_shows_its_funnel() {
    let Some(redis) = RedisServer::start_or_skip("live mirror") else {
        return;
    };
    let sb = Sandbox::new();
    let served = serve(&sb);
    let child = start_session(&sb, &served.url, &redis.url());
    let dir = sb.path("session");
    // A chunk of the mirror holds 512 records, far more than these bars make: messages can
    // only be in Redis now because each bar was handed over when it closed.
    wait_until("the first mirrored message", &sb, || messages(&redis) > 0);
    let (bars_then, messages_then) = (bars_acted(&dir), messages(&redis));
    assert!(
        !dir.join("summary.json").exists(),
        "the session is still running"
    );
    assert!(bars_then < 60, "{bars_then} bars before the first message");
    // Enough bars for entries and exits, then Ctrl-C.
    wait_until("60 bars", &sb, || bars_acted(&dir) >= 60);
    let grown = messages(&redis);
    assert!(
        grown > messages_then,
        "messages kept arriving: {messages_then} then {grown}"
    );
    let (stdout, _) = interrupt(&sb, child);
    drop(served);
    assert!(
        stdout.contains("messages to 4 streams under 'sim:'"),
        "{stdout}"
    );

    let summary = read_json(&dir.join("summary.json"));
    let mirror = &summary["mirror"];
    assert_eq!(mirror["dropped"], 0, "{mirror}");
    assert!(mirror["stopped"].is_null(), "{mirror}");
    let written: u64 = mirror["written"]
        .as_object()
        .expect("written per stream")
        .values()
        .filter_map(serde_json::Value::as_u64)
        .sum();
    assert_eq!(written, messages(&redis), "{mirror}");
    let results = &summary["funnel"]["stages"]["executor"];
    assert!(
        results["entry"]["output"].as_u64() > Some(0)
            && results["exit"]["output"].as_u64() > Some(0),
        "the session traded both ways: {results}"
    );

    let watch = sb.sim(&[
        "watch",
        "--redis",
        &redis.url(),
        "--prefix",
        "sim:",
        "--once",
        "--json",
    ]);
    let snap: serde_json::Value = serde_json::from_str(&watch.stdout)
        .unwrap_or_else(|e| panic!("watch json: {e}\n{}\n{}", watch.stdout, watch.stderr));
    assert_watch_shows_the_funnel(&snap, &summary["funnel"]);
    // The session folder's funnel.txt is the same funnel, as a table.
    let table = std::fs::read_to_string(dir.join("funnel.txt")).expect("funnel.txt");
    let signals = summary["funnel"]["signals"].as_u64().expect("signals");
    assert!(table.contains(&signals.to_string()), "{table}");
}

#[test]
fn a_redis_that_goes_away_mid_session_costs_messages_warned_once_not_trading() {
    let Some(mut redis) = RedisServer::start_or_skip("live mirror goes away") else {
        return;
    };
    let sb = Sandbox::new();
    let served = serve(&sb);
    let child = start_session(&sb, &served.url, &redis.url());
    let dir = sb.path("session");
    wait_until("the first mirrored message", &sb, || messages(&redis) > 0);
    redis.kill();
    let bars_at_kill = bars_acted(&dir);
    // The session trades on: 40 more bars.
    wait_until("40 bars after Redis went away", &sb, || {
        bars_acted(&dir) >= bars_at_kill + 40
    });
    let (stdout, stderr) = interrupt(&sb, child);
    drop(served);
    let warnings = stderr
        .lines()
        .filter(|l| l.contains("Redis mirror") && l.contains("stopped"))
        .count();
    assert_eq!(warnings, 1, "{stderr}");
    assert!(stdout.contains("WARNING: the mirror to"), "{stdout}");
    let summary = read_json(&dir.join("summary.json"));
    let mirror = &summary["mirror"];
    assert!(mirror["stopped"].is_string(), "{mirror}");
    assert!(mirror["dropped"].as_u64() > Some(0), "{mirror}");
    assert!(
        summary["bars"].as_u64() >= Some(bars_at_kill as u64 + 40),
        "{summary}"
    );
    assert!(
        stdout.contains(&format!("{} dropped", mirror["dropped"])),
        "{stdout}"
    );
}
