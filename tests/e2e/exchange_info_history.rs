//! `run.exchange_info = "testnet@history"`: every dated snapshot of a venue as point-in-time
//! exchange info. Three snapshots saved by the test change the rules mid-dataset (BTCUSDT's
//! MIN_NOTIONAL raised from 100 to 5000 and ETHUSDT delisted on day 3, both undone on day 6);
//! `sim check` says so, and a backtest drops exactly the plans decided while the changed
//! version is in force, and nothing differs from a run on the first version until then.

use serde_json::Value;

use crate::support::{Sandbox, read_json, run_text};

const DAY: i64 = 86_400_000;
/// 2026-01-01 00:00 UTC: the first snapshot's serverTime (as the shipped testnet one's).
const T0: i64 = 1_767_225_600_000;
/// The second snapshot (day 3) and the third (day 6).
const T3: i64 = T0 + 3 * DAY;
const T6: i64 = T0 + 6 * DAY;

/// Saves the shipped testnet snapshot dated `server_time`, with BTCUSDT's MIN_NOTIONAL at
/// `btc_min` and without `drop`, in the sandbox's history.
fn save(sb: &Sandbox, server_time: i64, btc_min: &str, drop: &[&str]) {
    sim::exchange_info_store::test_fixture::save_testnet_variant(
        &sb.path("home/exchange-info"),
        server_time,
        btc_min,
        drop,
    )
    .expect("saved");
}

/// Every journal line of run folder `dir` (orders, then results), parsed.
fn records(sb: &Sandbox, dir: &str) -> Vec<Value> {
    ["orders.jsonl", "results.jsonl"]
        .iter()
        .flat_map(|f| {
            run_text(&sb.path(dir), f)
                .lines()
                .map(|l| serde_json::from_str::<Value>(l).expect("json"))
                .collect::<Vec<_>>()
        })
        .collect()
}

/// The journal lines of `dir`'s `file` written before the first one stamped after `t` (lines
/// without a time, like orders sent, belong to the decision before them).
fn lines_until(sb: &Sandbox, dir: &str, file: &str, t: i64) -> Vec<String> {
    run_text(&sb.path(dir), file)
        .lines()
        .take_while(|l| {
            let v: Value = serde_json::from_str(l).expect("json");
            v["time"].as_i64().is_none_or(|at| at <= t)
        })
        .map(str::to_string)
        .collect()
}

fn time(v: &Value) -> i64 {
    v["time"].as_i64().unwrap_or_else(|| panic!("no time: {v}"))
}

/// Decided while the day-3 version is in force. A signal is stamped with its bar's close
/// (open + 1 minute) and the exchange's clock then is 1 ms earlier, so the version valid from
/// T applies to signals stamped after T, up to and including T6.
fn in_changed(t: i64) -> bool {
    t > T3 && t <= T6
}

const HISTORY_NAME: &str =
    "testnet@history..2026-01-07T00-00-00Z (3 snapshots 2026-01-01..2026-01-07)";

#[test]
fn a_history_changes_the_rules_at_each_snapshot_time() {
    let sb = Sandbox::new();
    sb.synth("BTCUSDT,ETHUSDT", "2025-12-31", "2026-01-08", "pair");
    let none = sb.sim(&[
        "check",
        "--no-data",
        "--set",
        "run.exchange_info=\"testnet@history\"",
    ]);
    assert_ne!(none.code, 0);
    assert!(
        none.stderr.contains("exchange-info/history/testnet")
            && none.stderr.contains("`sim exchange-info fetch testnet`"),
        "{}",
        none.stderr
    );
    save(&sb, T0, "100", &[]);
    save(&sb, T3, "5000", &["ETHUSDT"]);
    save(&sb, T6, "100", &[]);
    let history = ["--set", "run.exchange_info=\"testnet@history\""];

    let check = sb
        .sim(
            &[
                &["check", "--set", "run.dataset=\"pair\""][..],
                &history[..],
            ]
            .concat(),
        )
        .ok();
    let out = &check.stdout;
    for want in [
        &format!("exchange info {HISTORY_NAME}: 3 snapshots of testnet")[..],
        "the history starts at 2026-01-01 00:00 UTC (13 symbols)",
        "testnet@2026-01-01T00-00-00Z: 13 symbols, from the start",
        "testnet@2026-01-04T00-00-00Z: 12 symbols, from 2026-01-04 00:00 UTC; delisted ETHUSDT; filters changed BTCUSDT",
        "testnet@2026-01-07T00-00-00Z: 13 symbols, from 2026-01-07 00:00 UTC; listed ETHUSDT; filters changed BTCUSDT",
        "warning [F5]: ETHUSDT is listed in exchange info",
        "only part of the time: delisted at 2026-01-04 00:00 UTC, listed at 2026-01-07 00:00 UTC",
        "under the minimum notional 5000",
        "(exchange info from 2026-01-04 00:00 UTC)",
    ] {
        assert!(out.contains(want), "{want:?} not in:\n{out}");
    }
    assert!(
        check.stderr.contains(
            "the data starts at 2025-12-31 00:00 UTC, before the oldest testnet snapshot (2026-01-01 00:00 UTC)"
        ),
        "{}",
        check.stderr
    );

    let base = ["backtest", "--dataset", "pair", "--no-report"];
    let hist = sb
        .sim(&[&base[..], &["--out", "hist"], &history[..]].concat())
        .ok();
    assert!(
        hist.stderr
            .contains("bars before it use that oldest snapshot"),
        "{}",
        hist.stderr
    );
    assert!(hist.stdout.contains(HISTORY_NAME), "{}", hist.stdout);
    // The same rules as the first snapshot, for all time.
    sb.sim(
        &[
            &base[..],
            &[
                "--out",
                "one",
                "--set",
                "run.exchange_info=\"testnet@shipped\"",
            ],
        ]
        .concat(),
    )
    .ok();

    // Until the first change the runs are the same decision by decision.
    for file in ["orders.jsonl", "results.jsonl"] {
        let (a, b) = (
            lines_until(&sb, "hist", file, T3),
            lines_until(&sb, "one", file, T3),
        );
        assert!(!a.is_empty(), "{file}");
        assert_eq!(a, b, "{file} up to the first change");
    }

    let h = records(&sb, "hist");
    let drops = |symbol: &str, eval: &str, reason: &str| -> Vec<i64> {
        h.iter()
            .filter(|r| {
                r["kind"] == "drop"
                    && r["symbol"] == symbol
                    && r["eval_type"] == eval
                    && r["reason"] == reason
            })
            .map(time)
            .collect()
    };
    // BTCUSDT: each entry the executor sizes under the day-3 version meets its MIN_NOTIONAL of
    // 5000 (600 USD of notional: dropped); every other one meets 100 (and passes it).
    let small = drops("BTCUSDT", "ENTRY", "notional_below_min");
    assert!(!small.is_empty());
    assert!(small.iter().all(|t| in_changed(*t)), "{small:?}");
    let sized: Vec<&Value> = h
        .iter()
        .filter(|r| {
            r["kind"] == "sizing"
                && r["symbol"] == "BTCUSDT"
                && r["eval_type"] == "ENTRY"
                && r["min_notional"].is_string()
        })
        .collect();
    for s in &sized {
        let t = time(s);
        let small_drop = s["dropped"]["reason"] == "notional_below_min";
        if in_changed(t) {
            assert!(s["min_notional"] == "5000" && small_drop, "at {t}: {s}");
        } else {
            assert!(s["min_notional"] == "100" && !small_drop, "at {t}: {s}");
        }
    }
    let in_window = sized.iter().filter(|s| in_changed(time(s))).count();
    assert_eq!(
        small.len(),
        in_window,
        "every entry sized in the window, and only those"
    );
    assert!(sized.iter().any(|s| time(s) > T6), "trading resumes");

    // ETHUSDT: refused as not listed while delisted, and only then; executed before and after.
    let unlisted = drops("ETHUSDT", "ENTRY", "symbol_not_available");
    assert!(!unlisted.is_empty());
    assert!(unlisted.iter().all(|t| in_changed(*t)), "{unlisted:?}");
    assert!(drops("BTCUSDT", "ENTRY", "symbol_not_available").is_empty());
    let eth_executed: Vec<i64> = h
        .iter()
        .filter(|r| r["kind"] == "result" && r["symbol"] == "ETHUSDT" && r["executed"] == true)
        .map(time)
        .collect();
    assert!(eth_executed.iter().any(|t| *t <= T3), "{eth_executed:?}");
    assert!(
        eth_executed.iter().any(|t| *t > T6),
        "relisted: {eth_executed:?}"
    );
    assert!(
        !eth_executed.iter().any(|t| in_changed(*t)),
        "{eth_executed:?}"
    );

    // The summary names the history and counts the drops; the fingerprint covers every version.
    let (sh, so) = (
        read_json(&sb.path("hist/summary.json")),
        read_json(&sb.path("one/summary.json")),
    );
    assert_eq!(sh["exchange_info"], HISTORY_NAME);
    let executor = &sh["funnel"]["stages"]["executor"]["entry"]["dropped"];
    assert_eq!(executor["notional_below_min"], small.len() as u64);
    assert!(so["funnel"]["stages"]["executor"]["entry"]["dropped"]["notional_below_min"].is_null());
    assert_ne!(
        sh["fingerprint"]["exchange_info_sha256"],
        so["fingerprint"]["exchange_info_sha256"]
    );
}

#[test]
fn commands_that_take_one_exchange_info_refuse_a_history() {
    let sb = Sandbox::new();
    save(&sb, T0, "100", &[]);
    let show = sb.sim(&["exchange-info", "show", "testnet@history"]);
    assert_ne!(show.code, 0);
    assert!(
        show.stderr
            .contains("use testnet (the newest snapshot) or testnet@<stamp>"),
        "{}",
        show.stderr
    );
}
