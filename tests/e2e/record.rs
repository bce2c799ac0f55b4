//! `sim record` against a real `redis-server`: the deployment's signals and intents copied to
//! files, replayed by a backtest (`signals_file`, `--intents`), give the counts `sim watch`
//! reads from the streams.

use crate::redis_server::RedisServer;
use crate::support::{Sandbox, read_json};

const SIGNALS: &str = "quantum:stream:ai.signal_generated";
const INTENTS: &str = "quantum:stream:trade.intent";
/// 2026-01-05T12:00:00Z, inside the `btc_2026q1` dataset.
const START_MS: i64 = 1_767_614_400_000;
const DAY_MS: i64 = 86_400_000;

#[test]
fn recorded_signals_and_intents_replay_with_the_streams_counts() {
    let Some(server) = RedisServer::start_or_skip("record round trip") else {
        return;
    };
    let mut w = server.writer();
    // 24 signals, one a day: BUY, CLOSE, SELL, CLOSE, ... as the AI engine writes them.
    for day in 0..24 {
        let id = format!("{}-0", START_MS + day * DAY_MS);
        let action = ["BUY", "CLOSE", "SELL", "CLOSE"][day as usize % 4];
        w.cmd(&[
            "XADD",
            SIGNALS,
            &id,
            "symbol",
            "BTCUSDT",
            "action",
            action,
            "confidence",
            "0.8",
            "source",
            "ai_engine",
            "model",
            "xgb-v3",
        ]);
    }
    // 9 entry intents in both sizing forms, half an hour after the signals.
    for day in 0..9 {
        let id = format!("{}-0", START_MS + day * 2 * DAY_MS + 1_800_000);
        let sizing: &[&str] = if day % 2 == 0 {
            &["position_usd", "300.0", "leverage", "2.0"]
        } else {
            &["qty", "0.01", "leverage", "2"]
        };
        let mut words = vec![
            "XADD",
            INTENTS,
            &id,
            "intent_type",
            "AUTONOMOUS_ENTRY",
            "symbol",
            "BTCUSDT",
            "action",
            "BUY",
        ];
        words.extend_from_slice(sizing);
        w.cmd(&words);
    }
    let sb = Sandbox::new();
    let url = server.url();
    let rec = sb.sim(&["record", "--redis", &url, "--out", "rec"]).ok();
    assert!(
        rec.stdout.contains("24 written, 0 left out")
            && rec.stdout.contains("9 written, 0 left out"),
        "{}",
        rec.stdout
    );
    let watch = sb.sim(&[
        "watch", "--redis", &url, "--window", "1000d", "--once", "--json",
    ]);
    let snap: serde_json::Value = serde_json::from_str(&watch.stdout).expect("watch json");
    let total = |kind: &str| {
        snap["funnel"]["stages"][kind]["entry"]["total"]
            .as_u64()
            .unwrap_or(0)
            + snap["funnel"]["stages"][kind]["exit"]["total"]
                .as_u64()
                .unwrap_or(0)
    };
    assert_eq!(
        (total("signal"), total("intent")),
        (24, 9),
        "{:#}",
        snap["funnel"]
    );

    sb.sim(&[
        "backtest",
        "--dataset",
        "btc_2026q1",
        "--out",
        "from-signals",
        "--set",
        "strategy.name=\"signals_file\"",
        "--set",
        "strategy.path=\"rec/signals.jsonl\"",
    ])
    .ok();
    let s = read_json(&sb.path("from-signals").join("summary.json"));
    assert_eq!(
        s["funnel"]["signals"].as_u64(),
        Some(total("signal")),
        "{:#}",
        s["funnel"]
    );
    let trader = &s["funnel"]["stages"]["trader"];
    let trader_in = trader["entry"]["input"].as_u64().unwrap_or(0)
        + trader["exit"]["input"].as_u64().unwrap_or(0);
    assert_eq!(trader_in, total("signal"), "{trader:#}");

    sb.sim(&[
        "backtest",
        "--dataset",
        "btc_2026q1",
        "--out",
        "from-intents",
        "--intents",
        "rec/intents.jsonl",
    ])
    .ok();
    let s = read_json(&sb.path("from-intents").join("summary.json"));
    assert_eq!(
        s["funnel"]["recorded_intents"].as_u64(),
        Some(total("intent")),
        "{:#}",
        s["funnel"]
    );
}
