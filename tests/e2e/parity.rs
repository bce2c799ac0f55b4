//! Parity: a week of 1m bars served by `sim serve`, traded by `sim live --base-url`, recorded,
//! then replayed by `sim replay`: every stage must decide the same and the trades must be equal.
//! The server runs on its step clock and the test closes one bar at a time, after the session
//! has finished the previous one, so the live side never falls behind the market (on an
//! accelerated clock a slow CI machine would turn "next bar" into "some later bar"). A week in
//! well under a minute is far above Binance's request and order rates, so the server's rate
//! limits are off (`--no-rate-limits`).

use std::io::{Read, Seek, SeekFrom, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::{Child, Sandbox};

/// One week of 1m bars.
const BARS: u64 = 7 * 24 * 60;

/// The shared config: the defaults, funding included (every 8 h at 0.01 %: the live venue
/// reads the payments from `/fapi/v1/income`, the replay charges them itself).
const CONFIG: &str = r#"
[exchange.funding]
enabled = true
"#;

/// One HTTP/1.1 request to the server at `addr` (host:port); returns the whole answer.
fn http(addr: &str, method: &str, path: &str) -> String {
    let mut s = TcpStream::connect(addr).expect("connect to sim serve");
    let req = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    );
    s.write_all(req.as_bytes()).expect("send");
    let mut answer = String::new();
    s.read_to_string(&mut answer).expect("answer");
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    answer
}

/// Closes one bar on the server's step clock.
fn step(addr: &str) {
    http(addr, "POST", "/sim/step?bars=1");
}

/// Counts the non-warm-up lines appended to `bars.csv` since `offset` (returns the new offset).
fn acted_bars(path: &std::path::Path, offset: &mut u64, count: &mut u64) {
    let Ok(mut f) = std::fs::File::open(path) else {
        return;
    };
    if f.seek(SeekFrom::Start(*offset)).is_err() {
        return;
    }
    let mut text = String::new();
    if f.read_to_string(&mut text).is_err() {
        return;
    }
    // Only whole lines count; a partial one is read again next time.
    let whole = text.rfind('\n').map_or(0, |i| i + 1);
    *count += text[..whole]
        .lines()
        .filter(|l| l.ends_with(",false"))
        .count() as u64;
    *offset += whole as u64;
}

/// Serves the dataset `week` with `serve_config`, trades `bars` bars of it with `sim live
/// --config live_config` into `session/`, closing one bar at a time.
fn record_session(sb: &Sandbox, serve_config: &str, live_config: &str, bars: u64) {
    let served = sb.serve(&[
        "--dataset",
        "week",
        "--config",
        serve_config,
        "--step",
        "--warmup",
        "100",
        "--no-rate-limits",
        // The replay is a backtest, whose MARKET orders fill at the next open: the server
        // must fill by the same rule for the fills to pair (its default fills at once).
        "--market-fill",
        "next_open",
        "--api-key",
        "p-key",
        "--api-secret",
        "p-secret",
    ]);
    let url = served.url.clone();
    let addr = url.trim_start_matches("http://").to_string();

    let mut live = Child(
        Command::new(env!("CARGO_BIN_EXE_sim"))
            .args([
                "live",
                "--testnet",
                "--base-url",
                &url,
                "--config",
                live_config,
                "--bars",
                &bars.to_string(),
                "--warmup",
                "60",
                "--out",
                "session",
            ])
            .env("SIM_HOME", sb.path("home"))
            .env("BINANCE_API_KEY", "p-key")
            .env("BINANCE_API_SECRET", "p-secret")
            .env_remove("SIM_LOG")
            .current_dir(sb.dir.path())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            // A file, not a pipe: a pipe nobody reads blocks the session once it is full.
            .stderr(std::fs::File::create(sb.path("live.err")).expect("live.err"))
            .spawn()
            .expect("sim live starts"),
    );
    // Wait until the session listens to the kline stream (a bar closed before that would only
    // reach it by backfill, one bar late).
    let deadline = Instant::now() + Duration::from_secs(120);
    while !http(&addr, "GET", "/sim/state").contains("\"klineSubscribers\":1") {
        assert!(
            Instant::now() < deadline,
            "sim live never subscribed to klines"
        );
        if let Ok(Some(status)) = live.0.try_wait() {
            panic!("sim live ended before trading: {status}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    // Close one bar at a time, each after the session has acted on the previous one.
    let bars_csv = sb.path("session/bars.csv");
    let (mut offset, mut acted) = (0_u64, 0_u64);
    for n in 1..=bars {
        step(&addr);
        let stepped = Instant::now();
        while acted < n {
            assert!(
                stepped.elapsed() < Duration::from_secs(30),
                "the session stalled at bar {n}: {}",
                std::fs::read_to_string(sb.path("live.err")).unwrap_or_default()
            );
            if let Ok(Some(status)) = live.0.try_wait() {
                let err = std::fs::read_to_string(sb.path("live.err")).unwrap_or_default();
                panic!("sim live ended early ({status}) at bar {n}: {err}");
            }
            acted_bars(&bars_csv, &mut offset, &mut acted);
            if acted < n {
                std::thread::sleep(Duration::from_millis(1));
            }
        }
    }
    let status = live.0.wait().expect("sim live ends");
    assert!(status.success(), "sim live failed: {status}");
    drop(served);
}

/// The week of synthetic bars, and the config both sides share.
fn setup() -> Sandbox {
    let sb = Sandbox::new();
    sb.synth("BTCUSDT", "2026-01-01", "2026-01-09", "week");
    std::fs::write(sb.path("parity.toml"), CONFIG).expect("config");
    sb
}

#[test]
fn a_week_traded_live_against_sim_serve_replays_with_identical_decisions() {
    let sb = setup();
    record_session(&sb, "parity.toml", "parity.toml", BARS);
    let replay = sb.sim(&["replay", "session", "--no-report"]);
    assert_eq!(replay.code, 0, "{}\n{}", replay.stdout, replay.stderr);
    assert!(replay.stdout.contains("no divergence"), "{}", replay.stdout);
    let parity = crate::support::read_json(&sb.path("session/replay/parity.json"));
    for st in parity["stages"].as_array().expect("stages") {
        assert_eq!(st["a"], st["identical"], "{st}");
        assert_eq!(st["b"], st["identical"], "{st}");
    }
    let fills = &parity["stages"][8];
    assert!(
        fills["a"].as_u64().expect("fills") >= 20,
        "the week trades: {parity}"
    );
    assert_eq!(parity["fills"]["max_abs_bps"], 0.0);
    // The trade lists are equal: entries, exits, times, prices, sizes, PnL, fees, how they ended.
    // Amounts compare by value: the venue's decimal strings and the simulator's arithmetic
    // differ in trailing zeros only.
    let trades = |dir: &str| -> Vec<String> {
        let text = std::fs::read_to_string(sb.path(dir).join("trades.csv")).expect("trades");
        let cell = |c: &str| {
            if c.contains('.') && c.parse::<f64>().is_ok() {
                c.trim_end_matches('0').trim_end_matches('.').to_string()
            } else {
                c.to_string()
            }
        };
        text.lines()
            .map(|l| l.split(',').map(cell).collect::<Vec<_>>().join(","))
            .collect()
    };
    let (a, b) = (trades("session"), trades("session/replay"));
    assert!(a.len() > 10, "{a:?}");
    let funding_col = a[0]
        .split(',')
        .position(|c| c == "funding")
        .expect("funding column");
    let funded = a
        .iter()
        .skip(1)
        .filter(|l| l.split(',').nth(funding_col).is_some_and(|c| c != "0"))
        .count();
    assert!(
        funded > 0,
        "some trade was held across a funding time: {a:?}"
    );
    for (i, (x, y)) in a.iter().zip(&b).enumerate() {
        assert_eq!(x, y, "trades.csv line {}", i + 1);
    }
    assert_eq!(a.len(), b.len());
}

#[test]
fn a_session_against_a_slipping_venue_diverges_at_its_first_fill() {
    // The server fills with 2 bps of slippage; the session (and so its replay) assumes none.
    let sb = setup();
    let slipping = format!("{CONFIG}\n[exchange.slippage]\nmodel = \"fixed_bps\"\nbps = \"2\"\n");
    std::fs::write(sb.path("slipping.toml"), slipping).expect("config");
    record_session(&sb, "slipping.toml", "parity.toml", 600);
    let replay = sb.sim(&["replay", "session", "--no-report"]);
    assert_eq!(replay.code, 1, "{}\n{}", replay.stdout, replay.stderr);
    let fills = std::fs::read_to_string(sb.path("session/fills.csv")).expect("fills");
    let first: Vec<&str> = fills.lines().nth(1).expect("a fill").split(',').collect();
    let replayed = std::fs::read_to_string(sb.path("session/replay/fills.csv")).expect("fills");
    let again: Vec<&str> = replayed
        .lines()
        .nth(1)
        .expect("a fill")
        .split(',')
        .collect();
    // Every decision up to the venue's answer is the same; the first fill is where they part.
    let expected = format!(
        "first divergence at {} BTCUSDT in stage `fill`, field `price`: {} vs {}",
        first[0], first[4], again[4]
    );
    assert!(
        replay.stdout.contains(&expected),
        "{expected}\n{}",
        replay.stdout
    );
    for stage in ["signal", "trader", "bridge", "governor", "permit"] {
        let line = replay
            .stdout
            .lines()
            .find(|l| l.trim_start().starts_with(stage))
            .unwrap_or_else(|| panic!("{stage}: {}", replay.stdout));
        assert!(line.ends_with("100.00%"), "{line}");
    }
}
