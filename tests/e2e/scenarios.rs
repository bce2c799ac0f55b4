//! The failures of PIPELINE.md, one scenario each, reproduced with `sim` as a user would: a
//! config (and for F1 a recorded intents file) that causes the failure, and the funnel,
//! `sim explain` or `sim check` naming the stage, the reason and the numbers.
//! F3 lives in `backtest.rs` (orders under min notional), F4 in `check.rs` (the imported
//! deployment's `apply.plan.manual` dead end).

use crate::support::{Sandbox, read_json, run_text};

/// 2026-01-01 00:00 UTC in ms.
const DAY0: i64 = 1_767_225_600_000;
const HOUR: i64 = 3_600_000;

/// Registers a one-day synthetic 1m dataset `name` of `symbols`.
fn one_day(sb: &Sandbox, symbols: &str, name: &str) {
    sb.synth(symbols, "2026-01-01", "2026-01-01", name);
}

/// A run that sees no strategy signals, only what the test feeds it.
fn no_signals(sb: &Sandbox) -> Vec<String> {
    std::fs::write(sb.path("no-signals.jsonl"), "").expect("write");
    vec![
        "--set".into(),
        "strategy.name=\"signals_file\"".into(),
        "--set".into(),
        format!(
            "strategy.path={:?}",
            sb.path("no-signals.jsonl").display().to_string()
        ),
    ]
}

fn args<'a>(base: &[&'a str], extra: &'a [String]) -> Vec<&'a str> {
    base.iter()
        .copied()
        .chain(extra.iter().map(String::as_str))
        .collect()
}

fn intent(t: i64, fields: &str) -> String {
    format!(r#"{{"symbol":"BTCUSDT","time":{t},"source":"autonomous_trader",{fields}}}"#)
}

#[test]
fn f1_f2_recorded_intents_in_both_sizing_forms_are_sized_and_the_malformed_one_is_named() {
    let sb = Sandbox::new();
    one_day(&sb, "BTCUSDT", "day");
    let lines = [
        // The trader's form: 300 USD of margin at 2x.
        intent(
            DAY0 + HOUR,
            r#""intent_type":"AUTONOMOUS_ENTRY","action":"BUY","position_usd":"300","leverage":2"#,
        ),
        intent(
            DAY0 + 2 * HOUR,
            r#""intent_type":"AUTONOMOUS_EXIT","action":"CLOSE","reduce_only":true"#,
        ),
        // The bridge's own form: an explicit quantity.
        intent(
            DAY0 + 3 * HOUR,
            r#""intent_type":"AUTONOMOUS_ENTRY","action":"SELL","qty":"0.004""#,
        ),
        // Neither form: what broke 75 of 76 intents in the reports.
        intent(
            DAY0 + 4 * HOUR,
            r#""intent_type":"AUTONOMOUS_ENTRY","action":"BUY","quantity_usd":300"#,
        ),
    ];
    std::fs::write(sb.path("intents.jsonl"), lines.join("\n")).expect("write");
    let extra = no_signals(&sb);
    let run = sb
        .sim(&args(
            &[
                "backtest",
                "--dataset",
                "day",
                "--intents",
                "intents.jsonl",
                "--out",
                "f1",
            ],
            &extra,
        ))
        .ok();
    assert!(run.stdout.contains("recorded intents 4"), "{}", run.stdout);
    assert!(run.stdout.contains("invalid_quantity 1"), "{}", run.stdout);
    let s = read_json(&sb.path("f1/summary.json"));
    let bridge = &s["funnel"]["stages"]["bridge"];
    assert_eq!(bridge["entry"]["input"], 3);
    assert_eq!(bridge["entry"]["output"], 2);
    assert_eq!(bridge["exit"]["output"], 1);
    assert_eq!(
        s["funnel"]["venue"]["orders_filled"]["entry"], 2,
        "{}",
        run.stdout
    );
    assert_eq!(
        s["funnel"]["venue"]["orders_filled"]["exit"], 1,
        "{}",
        run.stdout
    );

    // F2: qty = position_usd x leverage / price, floored to the 0.001 step.
    let orders = run_text(&sb.path("f1"), "orders.jsonl");
    let plan = orders
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).expect("json"))
        .find(|v| v["kind"] == "plan")
        .expect("a plan");
    let price: f64 = plan["reference_price"]
        .as_str()
        .expect("price")
        .parse()
        .expect("num");
    let qty: f64 = plan["qty"]["qty"]
        .as_str()
        .expect("qty")
        .parse()
        .expect("num");
    let expected = (300.0 * 2.0 / price * 1000.0).floor() / 1000.0;
    assert!(
        (qty - expected).abs() < 1e-12,
        "qty {qty}, expected {expected} at {price}"
    );

    let explain = sb.sim(&["explain", "f1"]).ok();
    assert!(explain.stdout.contains("bridge"), "{}", explain.stdout);
    assert!(
        explain.stdout.contains("invalid_quantity"),
        "{}",
        explain.stdout
    );
}

#[test]
fn f5_a_symbol_the_testnet_does_not_list_is_warned_before_and_refused_with_1121() {
    let sb = Sandbox::new();
    one_day(&sb, "BTCUSDT,WAVESUSDT", "pair");
    let check = sb.sim(&["check", "--set", "run.dataset=\"pair\""]);
    assert_eq!(
        check.code, 0,
        "warnings only: {}{}",
        check.stdout, check.stderr
    );
    assert!(
        check
            .stdout
            .contains("warning [F5]: WAVESUSDT is not listed in exchange info 'testnet'"),
        "{}",
        check.stdout
    );
    let run = sb
        .sim(&["backtest", "--dataset", "pair", "--out", "f5"])
        .ok();
    assert!(
        run.stdout.contains("symbol_not_available"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("WAVESUSDT: -1121 Invalid symbol."),
        "{}",
        run.stdout
    );
    let s = read_json(&sb.path("f5/summary.json"));
    let waves = &s["funnel"]["by_symbol"]["WAVESUSDT"]["executor"]["entry"];
    assert!(
        waves["dropped"]["symbol_not_available"]
            .as_u64()
            .expect("drops")
            > 0,
        "{waves}"
    );
    assert_eq!(waves["output"], 0);
}

#[test]
fn f6_f7_exits_blocked_by_the_governor_show_split_by_eval_type_and_decisions_are_not_fills() {
    let sb = Sandbox::new();
    one_day(&sb, "BTCUSDT", "day");
    let run = sb
        .sim(&[
            "backtest",
            "--dataset",
            "day",
            "--out",
            "f6",
            "--set",
            "governor.enabled=true",
            "--set",
            "governor.exit_threshold=0.05",
        ])
        .ok();
    let s = read_json(&sb.path("f6/summary.json"));
    let f = &s["funnel"];
    // F6: entries flow, exits stop at the governor, with the score and the threshold.
    let exits = &f["stages"]["governor"]["exit"];
    let blocked = exits["dropped"]["kill_score_warning_risk_increase"]
        .as_u64()
        .expect("exits blocked by the kill score");
    assert!(blocked > 0, "{}", run.stdout);
    assert_eq!(
        exits["input"].as_u64().expect("n") - exits["output"].as_u64().expect("n"),
        blocked
    );
    assert_eq!(
        f["stages"]["governor"]["entry"]["dropped"],
        serde_json::Value::Null
    );
    let example = exits["examples"]["kill_score_warning_risk_increase"]
        .as_str()
        .expect("an example");
    assert!(
        example.contains("EXIT: kill_score") && example.contains("> 0.05"),
        "{example}"
    );
    let explain = sb.sim(&["explain", "f6"]).ok();
    assert!(
        explain
            .stdout
            .contains(&format!("the governor blocked {blocked} of ")),
        "{}",
        explain.stdout
    );
    // F7: decisions, orders and fills are counted apart; the ledger agrees with the venue.
    let decisions = f["stages"]["trader"]["entry"]["output"]
        .as_u64()
        .expect("n");
    let filled = f["venue"]["orders_filled"]["entry"].as_u64().expect("n");
    let filled_exits = f["venue"]["orders_filled"]["exit"].as_u64().expect("n");
    assert!(
        filled > 0 && filled < decisions,
        "filled {filled} of {decisions} decisions"
    );
    assert_eq!(
        s["fills"].as_u64(),
        Some(filled + filled_exits),
        "fills are the venue's own count"
    );
    assert_eq!(f["ledger"]["mismatches"], 0);
}
