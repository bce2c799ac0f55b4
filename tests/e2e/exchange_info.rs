//! `sim exchange-info show | import | fetch | history`, and the dated snapshot a fetch keeps
//! named by `sim check`, `sim backtest` (its summary pins it) and `sim serve`.

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

/// The testnet snapshot with BTCUSDT's MIN_NOTIONAL raised to `notional`, as a file.
fn testnet_with_min_notional(sb: &Sandbox, notional: &str) -> std::path::PathBuf {
    let text = pipeline::exchange_info::snapshots::snapshot_json(
        pipeline::exchange_info::Environment::Testnet,
    );
    let mut doc: serde_json::Value = serde_json::from_str(text).expect("json");
    let btc = doc["symbols"]
        .as_array_mut()
        .expect("symbols")
        .iter_mut()
        .find(|s| s["symbol"] == "BTCUSDT")
        .expect("BTCUSDT");
    for f in btc["filters"].as_array_mut().expect("filters") {
        if f["filterType"] == "MIN_NOTIONAL" {
            f["notional"] = serde_json::Value::String(notional.into());
        }
    }
    let path = sb.path("venue-info.json");
    std::fs::write(&path, doc.to_string()).expect("write");
    path
}

/// The stamp `sim exchange-info fetch` printed (`saved testnet@STAMP: ...`).
fn saved_name(stdout: &str) -> String {
    stdout
        .split_whitespace()
        .nth(1)
        .and_then(|w| w.strip_suffix(':'))
        .unwrap_or_else(|| panic!("no saved name in: {stdout}"))
        .to_string()
}

#[test]
fn a_fetched_snapshot_is_dated_kept_and_named_by_check_backtest_and_serve() {
    let venue = Sandbox::new();
    let served = crate::serve::start(&venue, "btc_2026q1");
    let sb = Sandbox::new();
    let url = format!("http://{}", served.addr);
    let fetched = sb
        .sim(&["exchange-info", "fetch", "testnet", "--base-url", &url])
        .ok();
    let name = saved_name(&fetched.stdout);
    assert!(name.starts_with("testnet@20"), "{}", fetched.stdout);
    assert!(
        fetched
            .stdout
            .contains("leverage brackets not saved: BINANCE_API_KEY"),
        "{}",
        fetched.stdout
    );
    let stamp = name.trim_start_matches("testnet@");
    let kept = sb.path(&format!("home/exchange-info/history/testnet/{stamp}.json"));
    let body = std::fs::read_to_string(&kept).expect("the body is kept");
    assert!(body.contains("\"serverTime\""), "kept as the venue sent it");
    let listed = sb.sim(&["exchange-info", "history", "testnet"]).ok();
    assert!(listed.stdout.contains(&name), "{}", listed.stdout);

    let check = sb.sim(&["check"]).ok();
    assert!(
        check.stdout.contains(&format!(
            "exchange info {name}: 13 symbols, fetched from {url}"
        )),
        "{}",
        check.stdout
    );
    let run = sb
        .sim(&[
            "backtest",
            "--dataset",
            "btc_2026q1",
            "--no-report",
            "--out",
            "r",
        ])
        .ok();
    assert!(
        run.stderr.contains(&format!("exchange info {name}")),
        "{}",
        run.stderr
    );
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(sb.path("r/summary.json")).expect("summary"))
            .expect("json");
    assert_eq!(
        summary["exchange_info"],
        name.as_str(),
        "the summary pins it"
    );
    let shipped = sb
        .sim(&["check", "--set", "run.exchange_info=\"testnet@shipped\""])
        .ok();
    assert!(
        shipped
            .stdout
            .contains("the shipped estimate of 2026-01-01"),
        "{}",
        shipped.stdout
    );
    drop(served);

    // A venue whose rules differ: the fetched snapshot is what the check reads.
    let strict_venue = Sandbox::new();
    let info = testnet_with_min_notional(&strict_venue, "1000000");
    let set = format!("run.exchange_info=\"{}\"", info.display());
    let strict = crate::serve::start_with(&strict_venue, "btc_2026q1", &["--set", &set]);
    let other = Sandbox::new();
    let url = format!("http://{}", strict.addr);
    other
        .sim(&["exchange-info", "fetch", "testnet", "--base-url", &url])
        .ok();
    let under = "under the minimum notional 1000000";
    let warned = other.sim(&["check"]).ok();
    assert!(warned.stdout.contains(under), "{}", warned.stdout);
    let shipped = other
        .sim(&["check", "--set", "run.exchange_info=\"testnet@shipped\""])
        .ok();
    assert!(!shipped.stdout.contains(under), "{}", shipped.stdout);
}

#[test]
fn fetch_refuses_an_unknown_environment_and_a_venue_that_is_not_there() {
    let sb = Sandbox::new();
    let run = sb.sim(&["exchange-info", "fetch", "moon"]);
    assert_ne!(run.code, 0);
    assert!(
        run.stderr.contains("use testnet, demo or mainnet"),
        "{}",
        run.stderr
    );
    let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("port");
    let url = format!("http://{}", closed.local_addr().expect("addr"));
    drop(closed);
    let run = sb.sim(&["exchange-info", "fetch", "testnet", "--base-url", &url]);
    assert_ne!(run.code, 0);
    assert!(
        run.stderr.contains("/fapi/v1/exchangeInfo"),
        "{}",
        run.stderr
    );
    assert!(
        !sb.path("home/exchange-info/history").exists(),
        "nothing kept"
    );
    let pinned = sb.sim(&["check", "--set", "run.exchange_info=\"testnet@2020-01-01\""]);
    assert_ne!(pinned.code, 0);
    assert!(
        pinned.stderr.contains("sim exchange-info fetch testnet"),
        "{}",
        pinned.stderr
    );
}
