//! Recorded funding end to end: `sim data import-funding` refuses bad files naming file, line
//! and field; a dataset with recorded funding settles it by default and says so in the
//! execution model; recorded rates equal to the constant grid pay exactly what the constant
//! rule pays, and a changed recorded rate changes the payment.

use crate::support::{Sandbox, read_json};

const START_MS: i64 = 1_767_225_600_000; // 2026-01-01 00:00 UTC
const EIGHT_H: i64 = 8 * 3_600_000;

/// The JSON of `GET /fapi/v1/fundingRate` for 2026-01-01..03, every 8 h, at `rate`.
fn api_json(symbol: &str, rate: &str) -> String {
    let entries: Vec<String> = (0..9)
        .map(|k| {
            format!(
                "{{\"symbol\":\"{symbol}\",\"fundingTime\":{},\"fundingRate\":\"{rate}\",\"markPrice\":\"\"}}",
                START_MS + k * EIGHT_H
            )
        })
        .collect();
    format!("[\n{}\n]\n", entries.join(",\n"))
}

fn funding_paid(sb: &Sandbox, run: &str) -> String {
    let s = read_json(&sb.path(run).join("summary.json"));
    s["account"]["funding_paid"]
        .as_str()
        .expect("funding_paid")
        .to_string()
}

#[test]
fn import_funding_refuses_bad_files_and_backtests_settle_the_recorded_rates() {
    let sb = Sandbox::new();
    sb.synth("BTCUSDT", "2026-01-01", "2026-01-03", "days");
    let write = |name: &str, text: &str| {
        std::fs::write(sb.path(name), text).expect("write");
        name.to_string()
    };
    let import = |file: &str| sb.sim(&["data", "import-funding", file, "--dataset", "days"]);

    let header = write(
        "BTCUSDT-fundingRate-2026-01.csv",
        "time,rate\n1767225600000,0.0001\n",
    );
    let e = import(&header);
    assert_ne!(e.code, 0, "{}", e.stdout);
    assert!(
        e.stderr
            .contains("BTCUSDT-fundingRate-2026-01.csv line 1: field header: 'time,rate'"),
        "{}",
        e.stderr
    );
    let number = write(
        "BTCUSDT-fundingRate-2026-01.csv",
        "calc_time,funding_interval_hours,last_funding_rate\n1767225600000,8,0.0001\n1767254400000,8,0.0x\n",
    );
    let e = import(&number);
    assert!(
        e.stderr
            .contains("BTCUSDT-fundingRate-2026-01.csv line 3: field last_funding_rate: '0.0x'"),
        "{}",
        e.stderr
    );
    let eth = write("eth.json", &api_json("ETHUSDT", "0.0003"));
    let e = import(&eth);
    assert!(e.stderr.contains("eth.json line 2: field symbol: symbol ETHUSDT is not in dataset 'days' (it has BTCUSDT)"), "{}", e.stderr);

    let good = write("funding.json", &api_json("BTCUSDT", "0.00030000"));
    let ok = import(&good).ok();
    assert!(ok.stdout.contains("funding BTCUSDT: 9 settlement(s), 2026-01-01 00:00 -> 2026-01-03 16:00 UTC, every 8 h, 0 gap(s)"), "{}", ok.stdout);

    let backtest = |out: &str, extra: &[&str]| {
        let mut args = vec!["backtest", "--dataset", "days", "--no-report", "--out", out];
        args.extend_from_slice(extra);
        sb.sim(&args).ok()
    };
    let recorded = backtest("recorded", &[]);
    assert!(
        recorded.stdout.contains("execution model:"),
        "{}",
        recorded.stdout
    );
    let s = read_json(&sb.path("recorded/summary.json"));
    let funding = s["execution_model"]["funding"].as_str().expect("funding");
    assert_eq!(
        funding,
        "BTCUSDT: recorded, funding.json, 9 settlements 2026-01-01 00:00 to 2026-01-03 16:00 UTC every 8 h"
    );
    // The same times and rate as the constant grid at 0.0003: the same payments to the cent.
    let constant = backtest(
        "constant",
        &[
            "--set",
            "exchange.funding.recorded=false",
            "--set",
            "exchange.funding.constant_rate=\"0.0003\"",
        ],
    );
    assert!(
        constant
            .stdout
            .contains("the dataset's recorded funding is not used"),
        "{}",
        constant.stdout
    );
    let paid = funding_paid(&sb, "recorded");
    assert_ne!(
        paid.parse::<f64>().expect("number"),
        0.0,
        "no position held at a settlement"
    );
    assert_eq!(paid, funding_paid(&sb, "constant"));
    // Every recorded rate doubled (re-importing the same file replaces it): the total doubles.
    import(&write("funding.json", &api_json("BTCUSDT", "0.00060000"))).ok();
    backtest("doubled", &[]);
    let doubled: f64 = funding_paid(&sb, "doubled").parse().expect("number");
    let single: f64 = paid.parse().expect("number");
    assert!(
        (doubled - 2.0 * single).abs() < 1e-6,
        "{doubled} vs 2 x {single}"
    );
}
