//! Issue 26, item 3 (1m bars inside coarser bars): `sim data resample btc_2026q1 --interval
//! 15m` registers 15m bars built from the 1m ones; a backtest of it resolves the 15m bars that
//! reach a take-profit and a stop-loss along the 1m bars inside (counted as decided by data),
//! leaves to the rule only those where one 1m bar reaches both, and a bad interval is refused.

use crate::support::{Sandbox, read_json};

fn backtest(sb: &Sandbox, dataset: &str, rule: &str) -> serde_json::Value {
    let out = format!("run_{dataset}_{rule}");
    let rule_set = format!("exchange.intrabar={rule}");
    sb.sim(&[
        "backtest",
        "--dataset",
        dataset,
        "--set",
        "trader.tp_pct=0.3",
        "--set",
        "trader.sl_pct=0.3",
        "--set",
        &rule_set,
        "--no-report",
        "--out",
        &out,
    ])
    .ok();
    read_json(&sb.path(&format!("{out}/summary.json")))
}

#[test]
fn coarser_bars_are_resolved_by_the_finer_bars_inside_them() {
    let sb = Sandbox::new();
    let made = sb
        .sim(&["data", "resample", "btc_2026q1", "--interval", "15m"])
        .ok();
    assert!(
        made.stdout
            .contains("registered 'btc_2026q1_15m': 1 symbol(s) x 8,640 15m bars")
            && made.stdout.contains("(SYNTHETIC)"),
        "{}",
        made.stdout
    );
    let bad = sb.sim(&["data", "resample", "btc_2026q1", "--interval", "1m"]);
    assert_ne!(bad.code, 0);
    assert!(
        bad.stderr.contains("whole multiple of 1m"),
        "{}",
        bad.stderr
    );

    let pess = backtest(&sb, "btc_2026q1_15m", "pessimistic");
    let opt = backtest(&sb, "btc_2026q1_15m", "optimistic");
    assert_eq!(
        pess["dataset"]["bars"].as_u64(),
        Some(8640),
        "{}",
        pess["dataset"]
    );
    let model = &pess["execution_model"];
    let by_data = model["intrabar_bars_by_data"].as_u64().unwrap_or(0);
    let by_rule = model["intrabar_bars_by_rule"].as_u64().expect("count");
    assert!(by_data > 0, "{model}");
    let text = model["intrabar_decided"].as_str().expect("text");
    assert!(
        text.starts_with(&format!("{by_data} bar(s)")) && text.contains("the finer bars decided"),
        "{text}"
    );
    assert!(
        model["intrabar"]
            .as_str()
            .expect("text")
            .starts_with("the finer bars inside the bar where the bar reaches orders on both sides of its open (BTCUSDT 1m;"),
        "{model}"
    );
    // Where the 1m bars decide, the rule does not matter: the two rules differ only through
    // the bars the rule decided.
    if by_rule == 0 {
        assert_eq!(pess["account"], opt["account"]);
    } else {
        assert_ne!(pess["account"], opt["account"]);
    }
}
