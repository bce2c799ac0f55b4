//! `sim exchange-info show | import`.

use crate::support::Sandbox;

#[test]
fn show_lists_filters_and_refuses_unlisted_symbols() {
    let sb = Sandbox::new();
    let run = sb.sim(&["exchange-info", "show", "testnet"]).ok();
    assert!(run.stdout.contains("BTCUSDT"), "{}", run.stdout);
    let waves = sb.sim(&["exchange-info", "show", "testnet", "--symbol", "WAVESUSDT"]);
    assert_ne!(waves.code, 0);
    assert!(waves.stderr.contains("-1121"), "{}", waves.stderr);
}

#[test]
fn import_validates_and_keeps_a_saved_file() {
    let sb = Sandbox::new();
    let good = sb.path("saved.json");
    std::fs::write(
        &good,
        pipeline::exchange_info::snapshots::snapshot_json(
            pipeline::exchange_info::Environment::Mainnet,
        ),
    )
    .expect("write");
    sb.sim(&[
        "exchange-info",
        "import",
        good.to_str().expect("utf8"),
        "--name",
        "mine",
    ])
    .ok();
    let shown = sb
        .sim(&["exchange-info", "show", "mine", "--symbol", "BTCUSDT"])
        .ok();
    assert!(
        shown.stdout.contains("\"min_notional\": \"100\""),
        "{}",
        shown.stdout
    );
    let bad = sb.path("bad.json");
    std::fs::write(&bad, "{\"symbols\": [{\"symbol\": \"BTCUSDT\"}]}").expect("write");
    let run = sb.sim(&[
        "exchange-info",
        "import",
        bad.to_str().expect("utf8"),
        "--name",
        "bad",
    ]);
    assert_ne!(run.code, 0);
    assert!(run.stderr.contains("bad.json"), "{}", run.stderr);
    assert!(
        !sb.path("home/exchange-info/bad.json").exists(),
        "nothing half-written"
    );
}

#[test]
fn import_refuses_a_zero_tick_or_step_naming_symbol_and_filter() {
    let sb = Sandbox::new();
    let text = pipeline::exchange_info::snapshots::snapshot_json(
        pipeline::exchange_info::Environment::Mainnet,
    );
    let mut json: serde_json::Value = serde_json::from_str(text).expect("json");
    let btc = json["symbols"]
        .as_array_mut()
        .expect("symbols")
        .iter_mut()
        .find(|s| s["symbol"] == "BTCUSDT")
        .expect("BTCUSDT");
    for f in btc["filters"].as_array_mut().expect("filters") {
        if f["filterType"] == "PRICE_FILTER" {
            f["tickSize"] = serde_json::json!("0");
        }
    }
    let zero = sb.path("zero.json");
    std::fs::write(&zero, json.to_string()).expect("write");
    let run = sb.sim(&[
        "exchange-info",
        "import",
        zero.to_str().expect("utf8"),
        "--name",
        "zero",
    ]);
    assert_ne!(run.code, 0);
    assert!(
        run.stderr.contains("BTCUSDT")
            && run.stderr.contains("PRICE_FILTER.tickSize")
            && run.stderr.contains("zero.json"),
        "{}",
        run.stderr
    );
    assert!(!sb.path("home/exchange-info/zero.json").exists());
}
