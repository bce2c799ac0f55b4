//! `sim watch` against a real `redis-server` (see `redis_server.rs`): the incident reports'
//! deployment played into Redis raises exactly the expected alarms, a healthy one none; watch
//! and record send no write command; it survives a Redis that goes away and comes back;
//! `--once` sees a group's lag growing between its two readings.
//! `one_million_entries` (ignored by default, run it by name) measures one snapshot of a
//! stream with 1 M entries in the window.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use crate::redis_server::{RedisServer, Writer};
use crate::support::Sandbox;

const SIGNALS: &str = "quantum:stream:ai.signal_generated";
const INTENTS: &str = "quantum:stream:trade.intent";
const PLANS: &str = "quantum:stream:apply.plan";
const MANUAL: &str = "quantum:stream:apply.plan.manual";
const RESULTS: &str = "quantum:stream:apply.result";

/// A group whose consumer has read (and acked) everything so far, like a live service.
fn serve_group(w: &mut Writer, stream: &str, group: &str, consumer: &str) {
    w.cmd(&["XGROUP", "CREATE", stream, group, "0", "MKSTREAM"]);
    w.cmd(&[
        "XREADGROUP",
        "GROUP",
        group,
        consumer,
        "COUNT",
        "100000",
        "STREAMS",
        stream,
        ">",
    ]);
    let ids: Vec<String> = w
        .cmd(&["XRANGE", stream, "-", "+"])
        .split(' ')
        .filter(|t| t.contains('-') && t.chars().next().is_some_and(|c| c.is_ascii_digit()))
        .map(str::to_string)
        .collect();
    for id in ids {
        w.cmd(&["XACK", stream, group, &id]);
    }
}

/// The reports' evening: the AI engine and the trader write, the trader sizes entries with
/// position_usd (75 of 76 dropped by the bridge), the bridge's few ENTRY plans are under min
/// notional (BTCUSDT) or for a symbol the testnet does not list (WAVESUSDT), every EXIT is
/// blocked by the kill score, and the executor's group waits on apply.plan.manual, which
/// nobody writes. One result lacks `executed`. Returns that entry's id.
fn incident(w: &mut Writer) -> String {
    for i in 0..40 {
        let symbol = ["BTCUSDT", "ETHUSDT", "WAVESUSDT", "SOLUSDT"][i % 4];
        let action = if i % 2 == 0 { "SELL" } else { "BUY" };
        w.xadd(
            SIGNALS,
            &[
                ("symbol", symbol),
                ("action", action),
                ("confidence", "0.68"),
                ("source", "ai_engine"),
            ],
        );
    }
    for i in 0..28 {
        let symbol = ["BTCUSDT", "ETHUSDT"][i % 2];
        w.xadd(
            INTENTS,
            &[
                ("intent_type", "AUTONOMOUS_ENTRY"),
                ("symbol", symbol),
                ("action", "SELL"),
                ("position_usd", "300.0"),
                ("leverage", "2.0"),
                ("tp_pct", "2.0"),
                ("sl_pct", "1.0"),
                ("reduceOnly", "false"),
            ],
        );
    }
    for symbol in ["BTCUSDT", "BTCUSDT", "WAVESUSDT"] {
        w.xadd(
            INTENTS,
            &[
                ("intent_type", "AUTONOMOUS_ENTRY"),
                ("symbol", symbol),
                ("action", "SELL"),
                ("qty", "0.0007"),
                ("price", "71000"),
                ("leverage", "5"),
            ],
        );
    }
    for (i, symbol) in ["BTCUSDT", "BTCUSDT", "WAVESUSDT"].iter().enumerate() {
        let plan = format!("2e99efa{i}");
        w.xadd(
            PLANS,
            &[
                ("plan_id", &plan),
                ("symbol", symbol),
                ("action", "SELL"),
                ("decision", "EXECUTE"),
                ("reason_codes", ""),
                ("source", "intent_bridge"),
            ],
        );
    }
    for i in 0..12 {
        let symbol = ["BTCUSDT", "ETHUSDT"][i % 2];
        // The apply layer's EXIT evaluations, as one JSON payload field.
        let data = format!(
            r#"{{"symbol":"{symbol}","action":"UNKNOWN","kill_score":0.7563,"k_regime_flip":1.0,"k_sigma_spike":0.0,"k_ts_drop":0.2398,"k_age_penalty":0.0417,"decision":"BLOCKED","reason_codes":"kill_score_warning_risk_increase"}}"#
        );
        w.xadd(PLANS, &[("data", &data)]);
    }
    for _ in 0..2 {
        w.xadd(
            RESULTS,
            &[
                ("plan_id", "2e99efa9"),
                ("symbol", "BTCUSDT"),
                ("executed", "False"),
                ("side", "SELL"),
                ("qty", "0.0007"),
                (
                    "error",
                    "notional 70.61 < minNotional 100.00 (ALLOW_UPSIZE=false)",
                ),
            ],
        );
    }
    w.xadd(
        RESULTS,
        &[
            ("plan_id", "2f09b9d0409dda89"),
            ("symbol", "WAVESUSDT"),
            ("executed", "false"),
            ("error", "symbol_not_in_allowlist:WAVESUSDT"),
            ("side", "BUY"),
            ("qty", "149.756"),
        ],
    );
    let broken = w.xadd(
        RESULTS,
        &[
            ("plan_id", "deadbeef"),
            ("symbol", "BTCUSDT"),
            ("order_status", "NEW"),
        ],
    );
    serve_group(w, INTENTS, "intent_bridge", "bridge-1");
    serve_group(w, PLANS, "apply_layer_entry", "apply-1");
    serve_group(w, PLANS, "governor", "gov-1");
    serve_group(w, RESULTS, "ledger", "p33-1");
    w.cmd(&[
        "XGROUP",
        "CREATE",
        MANUAL,
        "intent_executor_manual",
        "$",
        "MKSTREAM",
    ]);
    broken
}

/// The second report's night: ZECUSDT entries execute every minute (each result's permit
/// saw the venue's position grow while the ledger stayed at 0.0), WAVESUSDT fails as not
/// listed, and the BTC/ETH exits are blocked by the kill score.
fn ledger_lag(w: &mut Writer) {
    for _ in 0..5 {
        w.xadd(
            SIGNALS,
            &[
                ("symbol", "ZECUSDT"),
                ("action", "BUY"),
                ("confidence", "0.8"),
            ],
        );
        w.xadd(
            INTENTS,
            &[
                ("intent_type", "AUTONOMOUS_ENTRY"),
                ("symbol", "ZECUSDT"),
                ("action", "BUY"),
                ("qty", "0.632"),
                ("price", "395"),
            ],
        );
        w.xadd(
            PLANS,
            &[
                ("symbol", "ZECUSDT"),
                ("action", "BUY"),
                ("decision", "EXECUTE"),
            ],
        );
    }
    for symbol in ["BTCUSDT", "ETHUSDT"] {
        w.xadd(
            PLANS,
            &[
                ("symbol", symbol),
                ("action", "UNKNOWN"),
                ("decision", "BLOCKED"),
                ("reason_codes", "kill_score_warning_risk_increase"),
            ],
        );
    }
    for (i, venue) in ["5.788", "6.420", "7.049", "7.684", "8.316"]
        .iter()
        .enumerate()
    {
        // As the report prints plan fade7157's result: one JSON payload, the permit nested.
        let data = format!(
            r#"{{"plan_id":"fade715{i}","symbol":"ZECUSDT","executed":true,"source":"intent_executor","side":"BUY","qty":0.632,"order_id":109814330{i},"filled_qty":0.632,"order_status":"FILLED","permit":{{"allow":true,"symbol":"ZECUSDT","safe_qty":{venue},"exchange_position_amt":{venue},"ledger_amt":0.0,"reason":"sanity_checks_passed"}}}}"#
        );
        w.xadd(RESULTS, &[("data", &data)]);
    }
    w.xadd(
        RESULTS,
        &[
            ("plan_id", "2f09b9d0409dda89"),
            ("symbol", "WAVESUSDT"),
            ("executed", "false"),
            ("error", "symbol_not_in_allowlist:WAVESUSDT"),
        ],
    );
    serve_group(w, INTENTS, "intent_bridge", "bridge-1");
    serve_group(w, PLANS, "intent_executor", "exec-1");
    serve_group(w, RESULTS, "ledger", "p33-1");
}

/// A deployment that trades: every stage writes, the executor reads apply.plan, entries and
/// exits execute, every group is served.
fn healthy(w: &mut Writer) {
    for i in 0..20 {
        let symbol = ["ZECUSDT", "BTCUSDT"][i % 2];
        w.xadd(
            SIGNALS,
            &[("symbol", symbol), ("action", "BUY"), ("confidence", "0.8")],
        );
        w.xadd(
            INTENTS,
            &[
                ("intent_type", "AUTONOMOUS_ENTRY"),
                ("symbol", symbol),
                ("action", "BUY"),
                ("qty", "0.632"),
                ("price", "400"),
            ],
        );
        w.xadd(
            PLANS,
            &[
                ("symbol", symbol),
                ("action", "BUY"),
                ("eval_type", "ENTRY"),
                ("decision", "EXECUTE"),
            ],
        );
        // The permit saw the position before the order: the ledger follows each fill, once
        // (BTCUSDT's third permit) a fill late, which is no alarm on its own.
        let n = i / 2;
        let venue = format!("{:.3}", 0.632 * n as f64);
        let ledger = if symbol == "BTCUSDT" && n == 2 {
            format!("{:.3}", 0.632 * (n - 1) as f64)
        } else {
            venue.clone()
        };
        let permit = format!(
            r#"{{"allow":true,"exchange_position_amt":"{venue}","ledger_amt":"{ledger}"}}"#
        );
        w.xadd(
            RESULTS,
            &[
                ("symbol", symbol),
                ("executed", "true"),
                ("order_id", "1098143307"),
                ("order_status", "FILLED"),
                ("permit", &permit),
            ],
        );
    }
    w.xadd(
        PLANS,
        &[
            ("symbol", "ZECUSDT"),
            ("action", "CLOSE"),
            ("eval_type", "EXIT"),
            ("decision", "EXECUTE"),
        ],
    );
    w.xadd(
        PLANS,
        &[
            ("symbol", "BTCUSDT"),
            ("action", "CLOSE"),
            ("eval_type", "EXIT"),
            ("decision", "BLOCKED"),
            ("reason_codes", "kill_score_warning_risk_increase"),
        ],
    );
    w.xadd(
        RESULTS,
        &[
            ("symbol", "ZECUSDT"),
            ("executed", "true"),
            ("reduceOnly", "true"),
        ],
    );
    serve_group(w, INTENTS, "intent_bridge", "bridge-1");
    serve_group(w, PLANS, "intent_executor", "exec-1");
    serve_group(w, RESULTS, "ledger", "p33-1");
}

/// The executor's env file of the report (its input stream is apply.plan.manual).
fn incident_env(sb: &Sandbox) -> String {
    let dir = sb.path("etc-quantum");
    std::fs::create_dir_all(&dir).expect("mkdir");
    std::fs::write(
        dir.join("intent-executor.env"),
        "INTENT_EXECUTOR_MANUAL_STREAM=quantum:stream:apply.plan.manual\nINTENT_EXECUTOR_SOURCE_ALLOWLIST=intent_bridge,apply_layer,p33,harvest_brain\n",
    )
    .expect("env file");
    dir.display().to_string()
}

fn snapshot_json(sb: &Sandbox, args: &[&str]) -> (i32, serde_json::Value) {
    let run = sb.sim(args);
    let json = serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}):\n{}\nstderr:\n{}", run.stdout, run.stderr));
    (run.code, json)
}

fn alarm<'a>(json: &'a serde_json::Value, kind: &str) -> &'a serde_json::Value {
    json["alarms"]
        .as_array()
        .expect("alarms")
        .iter()
        .find(|a| a["kind"] == kind)
        .unwrap_or_else(|| panic!("no {kind} alarm in {:#}", json["alarms"]))
}

#[test]
fn the_incident_raises_exactly_its_alarms_with_counts_and_reasons() {
    let Some(server) = RedisServer::start_or_skip("watch incident") else {
        return;
    };
    let broken = incident(&mut server.writer());
    let sb = Sandbox::new();
    let env = incident_env(&sb);
    let (code, json) = snapshot_json(
        &sb,
        &[
            "watch",
            "--redis",
            &server.url(),
            "--env-dir",
            &env,
            "--once",
            "--json",
        ],
    );
    assert_eq!(code, 1, "an alarm must make the exit code 1");
    let kinds: Vec<(&str, &str)> = json["alarms"]
        .as_array()
        .expect("alarms")
        .iter()
        .map(|a| {
            (
                a["failure"].as_str().unwrap_or(""),
                a["kind"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(
        kinds,
        vec![
            ("F4", "stream_written_by_nobody"),
            ("F1", "contract_mismatch"),
            ("F3", "entries_under_min_notional"),
            ("F5", "symbol_rejected_by_venue"),
            ("F6", "exits_blocked"),
        ],
        "{:#}",
        json["alarms"]
    );
    let f4 = alarm(&json, "stream_written_by_nobody");
    assert_eq!(
        (f4["stream"].as_str(), f4["group"].as_str()),
        (Some(MANUAL), Some("intent_executor_manual"))
    );
    assert!(
        f4["fix"]
            .as_str()
            .unwrap_or("")
            .contains("the bridge writes quantum:stream:apply.plan"),
        "{f4:#}"
    );
    let f1 = alarm(&json, "contract_mismatch");
    assert_eq!(
        (f1["count"].as_u64(), f1["of"].as_u64()),
        (Some(28), Some(31))
    );
    let f3 = alarm(&json, "entries_under_min_notional");
    assert_eq!(
        (
            f3["symbol"].as_str(),
            f3["count"].as_u64(),
            f3["of"].as_u64()
        ),
        (Some("BTCUSDT"), Some(2), Some(2))
    );
    assert!(f3["fix"].as_str().unwrap_or("").contains("allow_upsize"));
    let f5 = alarm(&json, "symbol_rejected_by_venue");
    assert_eq!(
        (
            f5["symbol"].as_str(),
            f5["reasons"]["symbol_not_available"].as_u64()
        ),
        (Some("WAVESUSDT"), Some(1))
    );
    let f6 = alarm(&json, "exits_blocked");
    assert_eq!(
        (
            f6["count"].as_u64(),
            f6["reasons"]["kill_score_warning_risk_increase"].as_u64()
        ),
        (Some(12), Some(12))
    );
    // The traffic table of the report: the manual stream is a dead end nobody writes.
    let traffic = json["traffic"].as_array().expect("traffic");
    let row = |stream: &str| {
        traffic
            .iter()
            .find(|r| r["stream"] == stream)
            .unwrap_or_else(|| panic!("no row for {stream}"))
    };
    assert_eq!(
        (
            row(SIGNALS)["in_window"].as_u64(),
            row(SIGNALS)["status"].as_str()
        ),
        (Some(40), Some("working"))
    );
    assert_eq!(
        (
            row(INTENTS)["in_window"].as_u64(),
            row(PLANS)["in_window"].as_u64()
        ),
        (Some(31), Some(15))
    );
    assert_eq!(
        (
            row(MANUAL)["direction"].as_str(),
            row(MANUAL)["status"].as_str()
        ),
        (Some("reads"), Some("no_input"))
    );
    let groups = json["groups"].as_array().expect("groups");
    let manual = groups
        .iter()
        .find(|g| g["group"] == "intent_executor_manual")
        .expect("manual group");
    assert_eq!(
        (manual["consumers"].as_u64(), manual["pending"].as_u64()),
        (Some(0), Some(0))
    );
    assert!(
        f4["message"]
            .as_str()
            .unwrap_or("")
            .contains("(0 consumers, 0 read)"),
        "{f4:#}"
    );
    // The malformed result is reported by stream, id and field, and not counted.
    assert_eq!(json["malformed_total"], 1);
    assert_eq!(
        json["malformed"][0],
        serde_json::json!({"stream": RESULTS, "id": broken, "field": "executed"})
    );
    assert_eq!(json["funnel"]["stages"]["result"]["entry"]["total"], 3);
}

#[test]
fn a_ledger_that_does_not_follow_the_executions_raises_f7() {
    let Some(server) = RedisServer::start_or_skip("watch ledger lag") else {
        return;
    };
    ledger_lag(&mut server.writer());
    let sb = Sandbox::new();
    let (code, json) = snapshot_json(
        &sb,
        &["watch", "--redis", &server.url(), "--once", "--json"],
    );
    assert_eq!(code, 1);
    let kinds: Vec<&str> = json["alarms"]
        .as_array()
        .expect("alarms")
        .iter()
        .map(|a| a["kind"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(
        kinds,
        vec![
            "symbol_rejected_by_venue",
            "exits_blocked",
            "ledger_lags_venue"
        ],
        "{:#}",
        json["alarms"]
    );
    let f7 = alarm(&json, "ledger_lags_venue");
    assert_eq!(
        (
            f7["failure"].as_str(),
            f7["symbol"].as_str(),
            f7["count"].as_u64(),
            f7["of"].as_u64(),
            f7["stream"].as_str()
        ),
        (Some("F7"), Some("ZECUSDT"), Some(5), Some(5), Some(RESULTS))
    );
    let message = f7["message"].as_str().unwrap_or("");
    assert!(
        message.contains("the ledger holds 0.0 where the venue holds 8.316")
            && message.contains("5 results executed"),
        "{f7:#}"
    );
    assert!(
        f7["fix"]
            .as_str()
            .unwrap_or("")
            .contains("count executions from the venue"),
        "{f7:#}"
    );
    // The plans say EXECUTE 5 times and the results executed 5 times: the decisions are right,
    // only the ledger is behind.
    assert_eq!(json["funnel"]["stages"]["result"]["entry"]["passed"], 5);
    assert_eq!(json["funnel"]["ledger"]["ZECUSDT"]["disagreeing"], 5);
}

#[test]
fn a_healthy_deployment_raises_no_alarm() {
    let Some(server) = RedisServer::start_or_skip("watch healthy") else {
        return;
    };
    healthy(&mut server.writer());
    let sb = Sandbox::new();
    let (code, json) = snapshot_json(
        &sb,
        &["watch", "--redis", &server.url(), "--once", "--json"],
    );
    assert_eq!(json["alarms"], serde_json::json!([]), "{json:#}");
    assert_eq!(code, 0);
    // The permits were read: one disagreement, followed by agreement.
    assert_eq!(json["funnel"]["ledger"]["BTCUSDT"]["disagreeing"], 1);
    assert_eq!(json["funnel"]["ledger"]["ZECUSDT"]["permits"], 10);
    assert_eq!(json["funnel"]["stages"]["result"]["entry"]["passed"], 20);
    assert_eq!(
        json["funnel"]["stages"]["plan"]["exit"]["dropped"]["kill_score_warning_risk_increase"],
        1
    );
    assert!(
        json["traffic"]
            .as_array()
            .expect("rows")
            .iter()
            .all(|r| r["status"] == "working"),
        "{:#}",
        json["traffic"]
    );
}

/// Plans written every 20 ms for `for_ms`, while the executor's group reads nothing more.
fn keep_writing_plans(server: &RedisServer, for_ms: u64) -> std::thread::JoinHandle<u64> {
    let mut w = server.writer();
    std::thread::spawn(move || {
        let start = Instant::now();
        let mut n = 0;
        while start.elapsed() < Duration::from_millis(for_ms) {
            w.xadd(
                PLANS,
                &[
                    ("symbol", "ZECUSDT"),
                    ("action", "BUY"),
                    ("eval_type", "ENTRY"),
                    ("decision", "EXECUTE"),
                ],
            );
            n += 1;
            std::thread::sleep(Duration::from_millis(20));
        }
        n
    })
}

#[test]
fn once_sees_a_lag_growing_between_its_two_readings() {
    let Some(server) = RedisServer::start_or_skip("watch lag growing") else {
        return;
    };
    healthy(&mut server.writer());
    let sb = Sandbox::new();
    let url = server.url();
    let once = |lag_interval: &str| {
        snapshot_json(
            &sb,
            &[
                "watch",
                "--redis",
                &url,
                "--once",
                "--json",
                "--lag-interval",
                lag_interval,
            ],
        )
    };
    // The executor stops reading while the bridge keeps writing plans: its lag grows between
    // the first reading and the snapshot 700 ms later.
    let writing = keep_writing_plans(&server, 3000);
    let (code, json) = once("700ms");
    let (one_code, one_reading) = once("0");
    let written = writing.join().expect("writer thread");
    assert!(written > 20, "only {written} plans written");
    let kinds: Vec<&str> = json["alarms"]
        .as_array()
        .expect("alarms")
        .iter()
        .map(|a| a["kind"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(kinds, vec!["group_lag_growing"], "{json:#}");
    assert_eq!(code, 1);
    let a = alarm(&json, "group_lag_growing");
    assert_eq!(
        (a["group"].as_str(), a["stream"].as_str()),
        (Some("intent_executor"), Some(PLANS))
    );
    // count is the lag now, of the lag at the first reading: it grew.
    assert!(a["count"].as_u64() > a["of"].as_u64(), "{a:#}");
    // One reading cannot see it: the same deployment, still falling behind, raises nothing.
    assert_eq!(
        one_reading["alarms"],
        serde_json::json!([]),
        "{one_reading:#}"
    );
    assert_eq!(one_code, 0);
}

#[test]
fn watch_and_record_send_no_write_command() {
    let Some(server) = RedisServer::start_or_skip("watch read-only") else {
        return;
    };
    let mut w = server.writer();
    incident(&mut w);
    w.cmd(&["CONFIG", "RESETSTAT"]);
    let sb = Sandbox::new();
    let env = incident_env(&sb);
    let url = server.url();
    // Both views: the JSON snapshot and two refreshes of the terminal view.
    sb.sim(&[
        "watch",
        "--redis",
        &url,
        "--env-dir",
        &env,
        "--once",
        "--json",
    ]);
    let run = sb
        .sim(&[
            "watch",
            "--redis",
            &url,
            "--env-dir",
            &env,
            "--refresh",
            "100ms",
            "--max-refreshes",
            "2",
        ])
        .ok();
    assert!(run.stdout.contains("STREAM TRAFFIC"), "{}", run.stdout);
    // `sim record` uses the same read-only client.
    sb.sim(&[
        "record",
        "--redis",
        &url,
        "--out",
        "rec",
        "--streams",
        "signals,intents,plans,results",
    ])
    .ok();
    let stats = w.command_stats();
    let read_only = [
        "xinfo|stream",
        "xinfo|groups",
        "xinfo|consumers",
        "xrange",
        "xrevrange",
        "time",
        "ping",
        "info",
        "config|resetstat",
    ];
    let others: Vec<_> = stats
        .iter()
        .filter(|(name, _)| !read_only.contains(&name.as_str()))
        .collect();
    assert!(
        others.is_empty(),
        "commands other than reads reached Redis: {others:?}"
    );
    let calls = |name: &str| stats.iter().find(|(n, _)| n == name).map_or(0, |(_, c)| *c);
    assert!(
        calls("xrange") > 0 && calls("xinfo|groups") > 0,
        "the watch read nothing: {stats:?}"
    );
}

/// Kills the watch process if the test fails half-way.
struct KillOnDrop(std::process::Child);
impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn wait_for(lines: &mpsc::Receiver<String>, needle: &str, seen: &mut Vec<String>) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if let Ok(line) = lines.recv_timeout(Duration::from_millis(200)) {
            let hit = line.contains(needle);
            seen.push(line);
            if hit {
                return;
            }
        }
    }
    panic!(
        "no line with '{needle}' within 30 s; output so far:\n{}",
        seen.join("\n")
    );
}

#[test]
fn watch_says_when_redis_goes_away_and_comes_back() {
    let Some(mut server) = RedisServer::start_or_skip("watch reconnect") else {
        return;
    };
    healthy(&mut server.writer());
    let port = server.port;
    let sb = Sandbox::new();
    let child = Command::new(env!("CARGO_BIN_EXE_sim"))
        .args([
            "watch",
            "--redis",
            &server.url(),
            "--refresh",
            "200ms",
            "--max-refreshes",
            "3",
        ])
        .env("SIM_HOME", sb.path("home"))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start sim watch");
    let mut child = KillOnDrop(child);
    let stdout = child.0.stdout.take().expect("stdout");
    let (tx, lines) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut seen = Vec::new();
    wait_for(&lines, "STREAM TRAFFIC", &mut seen);
    server.kill();
    wait_for(&lines, "Redis unreachable", &mut seen);
    let back = RedisServer::start_on(port);
    healthy(&mut back.writer());
    wait_for(&lines, "Redis is back", &mut seen);
    wait_for(&lines, "STREAM TRAFFIC", &mut seen);
    let deadline = Instant::now() + Duration::from_secs(30);
    let status = loop {
        if let Some(s) = child.0.try_wait().expect("wait") {
            break s;
        }
        assert!(
            Instant::now() < deadline,
            "sim watch did not stop after 3 snapshots"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "{status}");
}

#[test]
#[ignore = "a measurement (writes 1 M entries, ~100 MB in Redis): run it by name"]
fn one_million_entries() {
    let Some(server) = RedisServer::start_or_skip("watch 1M") else {
        return;
    };
    let mut w = server.writer();
    let started = Instant::now();
    w.xadd_many(INTENTS, 1_000_000, |i| {
        vec![
            ("intent_type".into(), "AUTONOMOUS_ENTRY".into()),
            (
                "symbol".into(),
                ["BTCUSDT", "ETHUSDT", "SOLUSDT"][i % 3].into(),
            ),
            ("action".into(), "SELL".into()),
            ("qty".into(), "0.008".into()),
            ("leverage".into(), "2".into()),
        ]
    });
    eprintln!(
        "wrote 1 M entries in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let out = Command::new("/usr/bin/time")
        .args(["-f", "peak_rss_kb=%M elapsed_s=%e"])
        .arg(env!("CARGO_BIN_EXE_sim"))
        // One reading: the snapshot's own cost, without --once's wait between two readings.
        .args(["watch", "--redis", &server.url(), "--once", "--json"])
        .args(["--lag-interval", "0"])
        .output()
        .expect("run sim watch under /usr/bin/time");
    let stderr = String::from_utf8_lossy(&out.stderr);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(json["entries_read"], 1_000_000);
    assert_eq!(
        json["funnel"]["stages"]["intent"]["entry"]["total"],
        1_000_000
    );
    let field = |k: &str| -> f64 {
        stderr
            .split_whitespace()
            .find_map(|p| p.strip_prefix(k))
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("no {k} in {stderr}"))
    };
    let (rss_mb, secs) = (field("peak_rss_kb=") / 1024.0, field("elapsed_s="));
    eprintln!("sim watch --once --json over 1 M entries: {secs:.2} s, peak RSS {rss_mb:.1} MB");
    assert!(
        rss_mb < 100.0,
        "memory is not bounded by a page: {rss_mb:.1} MB"
    );
}
