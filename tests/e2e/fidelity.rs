//! Issue 26's end-to-end check over one dataset that has recorded funding, mark-price klines
//! and aggTrades for the same hours (files in Binance's layouts, imported with `sim data
//! import`, `import-funding`, `import-mark-price` and `import-agg-trades`):
//! - mark bars equal to the trade bars change nothing: same fills, same account;
//! - mark bars 1 % under the trade bars change what is marked but not what is filled: the
//!   same fills, funding settled on the mark (1 % less for the same positions), and the run
//!   names every source in its execution model;
//! - the run folder keeps the mark price beside the price candles (`marks.csv`) for the
//!   report's price chart;
//! - TP/SL set to trigger on the mark (`executor.working_type = MARK_PRICE`) fill elsewhere
//!   than on the trade prices, and the run says so.

use std::fmt::Write as _;

use crate::intrabar_trades::{BARS, START, bars, files};
use crate::support::{Sandbox, read_json, run_text};

/// The mark-price klines: the trade bars times `factor`, rounded to the 0.1 tick.
fn mark_file(sb: &Sandbox, name: &str, factor: f64) -> String {
    let mut text = String::new();
    for (k, bar) in bars().into_iter().enumerate() {
        let t = START + k as i64 * 60_000;
        let [o, h, l, c] = bar.map(|p| (p * factor * 10.0).round() / 10.0);
        writeln!(text, "{t},{o},{h},{l},{c},0,{},0,0,0,0,0", t + 59_999).expect("write");
    }
    let path = sb.path(&format!("{name}/BTCUSDT-1m-2026-01.csv"));
    std::fs::create_dir_all(path.parent().expect("dir")).expect("dir");
    std::fs::write(&path, text).expect("marks");
    path.display().to_string()
}

/// Hourly funding at 0.0001 over the three days (Binance's fundingRate CSV).
fn funding_file(sb: &Sandbox) -> String {
    let mut text = String::from("calc_time,funding_interval_hours,last_funding_rate\n");
    for h in 0..BARS / 60 {
        writeln!(text, "{},1,0.00010000", START + h * 3_600_000).expect("write");
    }
    let path = sb.path("BTCUSDT-fundingRate-2026-01.csv");
    std::fs::write(&path, text).expect("funding");
    path.display().to_string()
}

fn backtest(sb: &Sandbox, dataset: &str) -> serde_json::Value {
    backtest_as(sb, dataset, &format!("run_{dataset}"), &[])
}

/// A backtest of `dataset` into the folder `out`, with more `--set` overrides.
fn backtest_as(sb: &Sandbox, dataset: &str, out: &str, sets: &[&str]) -> serde_json::Value {
    let mut args = vec![
        "backtest",
        "--dataset",
        dataset,
        "--set",
        "trader.tp_pct=0.2",
        "--set",
        "trader.sl_pct=0.2",
        "--no-report",
        "--out",
        out,
    ];
    for s in sets {
        args.extend(["--set", s]);
    }
    sb.sim(&args).ok();
    read_json(&sb.path(&format!("{out}/summary.json")))
}

fn fills(sb: &Sandbox, dataset: &str) -> String {
    run_text(&sb.path(&format!("run_{dataset}")), "fills.csv")
}

fn number(v: &serde_json::Value) -> f64 {
    v.as_str().expect("decimal string").parse().expect("number")
}

#[test]
fn funding_mark_price_and_trades_of_the_same_hours_each_do_their_part() {
    let sb = Sandbox::new();
    let (klines, trades) = files(&sb);
    let funding = funding_file(&sb);
    let same = mark_file(&sb, "same", 1.0);
    let under = mark_file(&sb, "under", 0.99);
    for (name, marks) in [
        ("plain", None),
        ("same", Some(&same)),
        ("under", Some(&under)),
    ] {
        sb.sim(&["data", "import", &klines, "--name", name]).ok();
        sb.sim(&["data", "import-funding", &funding, "--dataset", name])
            .ok();
        sb.sim(&["data", "import-agg-trades", &trades, "--dataset", name])
            .ok();
        if let Some(m) = marks {
            let out = sb
                .sim(&["data", "import-mark-price", m, "--dataset", name])
                .ok();
            assert!(
                out.stdout.contains("mark price BTCUSDT: 4,320 bar(s)")
                    && out.stdout.contains("0 of the dataset's bars without one"),
                "{}",
                out.stdout
            );
        }
    }
    let plain = backtest(&sb, "plain");
    let same_run = backtest(&sb, "same");
    let under_run = backtest(&sb, "under");

    assert_eq!(fills(&sb, "same"), fills(&sb, "plain"));
    assert_eq!(same_run["account"], plain["account"]);
    assert_eq!(
        fills(&sb, "under"),
        fills(&sb, "plain"),
        "fills keep the trade price"
    );
    let paid = |s: &serde_json::Value| number(&s["account"]["funding_paid"]);
    assert!(paid(&plain).abs() > 0.0, "{}", plain["account"]);
    let ratio = paid(&under_run) / paid(&plain);
    assert!(
        (ratio - 0.99).abs() < 0.002,
        "funding on a mark 1 % lower: {} vs {}",
        paid(&under_run),
        paid(&plain)
    );

    let model = &under_run["execution_model"];
    let text = |k: &str| model[k].as_str().expect("text").to_string();
    assert!(
        text("mark_price")
            .starts_with("the recorded mark-price klines (BTCUSDT: BTCUSDT-1m-2026-01.csv)"),
        "{}",
        text("mark_price")
    );
    assert!(
        text("funding").starts_with("BTCUSDT: recorded"),
        "{}",
        text("funding")
    );
    assert!(
        text("intrabar").starts_with("the recorded trades (aggTrades)"),
        "{}",
        text("intrabar")
    );
    assert!(model["intrabar_bars_by_data"].as_u64().expect("count") > 0);

    // The run folder keeps the mark over the price chart's windows, and the report draws it.
    let prices = run_text(&sb.path("run_under"), "prices.csv");
    let marks = run_text(&sb.path("run_under"), "marks.csv");
    assert_eq!(marks.lines().count(), prices.lines().count());
    assert_eq!(marks.lines().next(), prices.lines().next(), "one layout");
    assert!(crate::support::run_text_opt(&sb.path("run_plain"), "marks.csv").is_none());
    sb.sim(&["report", "run_under"]).ok();
    let html = std::fs::read_to_string(sb.path("run_under/report.html")).expect("report");
    assert!(
        html.contains("price-BTCUSDT.png"),
        "the price chart is in the report"
    );
    assert!(
        plain["execution_model"]["mark_price"]
            .as_str()
            .expect("text")
            .starts_with("the trade klines' close")
    );

    // TP/SL on the mark (1 % under the trades): the triggers follow the mark bars, the fills
    // stay at trade prices, and the run says so.
    let on_mark = backtest_as(
        &sb,
        "under",
        "run_under_on_mark",
        &["executor.working_type=MARK_PRICE"],
    );
    let on_mark_fills = run_text(&sb.path("run_under_on_mark"), "fills.csv");
    assert_ne!(on_mark_fills, fills(&sb, "under"), "triggers moved");
    let mark_text = on_mark["execution_model"]["mark_price"]
        .as_str()
        .expect("text");
    assert!(
        mark_text.contains("TP/SL triggers on the mark bar (executor.working_type = MARK_PRICE)"),
        "{mark_text}"
    );
    let orders = run_text(&sb.path("run_under_on_mark"), "orders.jsonl");
    assert!(
        orders.contains("\"working_type\":\"MARK_PRICE\""),
        "the journal records it"
    );
}

#[test]
fn sim_serve_marks_at_the_recorded_mark_and_trades_at_the_last_price() {
    let sb = Sandbox::new();
    let (klines, _) = files(&sb);
    let under = mark_file(&sb, "under", 0.99);
    sb.sim(&["data", "import", &klines, "--name", "marked"])
        .ok();
    sb.sim(&["data", "import-mark-price", &under, "--dataset", "marked"])
        .ok();
    let served = crate::serve::start(&sb, "marked");
    let get = |target: &str| {
        let (status, body) = crate::serve::http(&served.addr, "GET", target, None);
        assert_eq!(status, 200, "{target}: {body}");
        serde_json::from_str::<serde_json::Value>(&body).expect("json")
    };
    let premium = get("/fapi/v1/premiumIndex?symbol=BTCUSDT");
    let last = get("/fapi/v1/ticker/price?symbol=BTCUSDT");
    let mark = number(&premium["markPrice"]);
    let price = number(&last["price"]);
    // The 50 warm-up bars are fed: the last closed bar's mark is its close x 0.99.
    assert!(
        (mark - price * 0.99).abs() < 0.11,
        "mark {mark} vs last price {price}"
    );
}
