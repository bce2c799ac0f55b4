//! Issue 26, item 3 (the rule part): the intrabar rule is a choice (`exchange.intrabar`), and
//! the run says how many bars rest on it. With TP and SL 0.2% away, bars of btc_2026q1 reach
//! both legs; `pessimistic` and `optimistic` bound what the unknown order inside those bars
//! can do to the result.

use crate::support::{Sandbox, read_json};

fn run(sb: &Sandbox, rule: &str) -> serde_json::Value {
    let out = format!("run_{rule}");
    let rule_set = format!("exchange.intrabar={rule}");
    sb.sim(&[
        "backtest",
        "--dataset",
        "btc_2026q1",
        "--set",
        "trader.tp_pct=0.002",
        "--set",
        "trader.sl_pct=0.002",
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
fn the_run_counts_the_bars_its_intrabar_rule_decided_and_the_rules_bound_the_result() {
    let sb = Sandbox::new();
    let pess = run(&sb, "pessimistic");
    let opt = run(&sb, "optimistic");
    let decided = |s: &serde_json::Value| {
        s["execution_model"]["intrabar_bars_by_rule"]
            .as_u64()
            .expect("count")
    };
    assert!(decided(&pess) > 0, "{}", pess["execution_model"]);
    assert!(decided(&opt) > 0, "{}", opt["execution_model"]);
    let text = pess["execution_model"]["intrabar_decided"]
        .as_str()
        .expect("text");
    assert!(
        text.starts_with(&format!("{} bar(s)", decided(&pess))),
        "{text}"
    );
    let equity = |s: &serde_json::Value| {
        s["account"]["equity"]
            .as_str()
            .expect("equity")
            .parse::<f64>()
            .expect("number")
    };
    assert!(
        equity(&opt) > equity(&pess),
        "the optimistic bound ends above the pessimistic one: {} vs {}",
        equity(&opt),
        equity(&pess)
    );
}
