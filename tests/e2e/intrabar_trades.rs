//! Issue 26, item 3 (the data part): a dataset with recorded trades (Binance's aggTrades)
//! resolves the bars that reach orders on both sides of their open by what traded first. The
//! fixture's trades go open -> low -> high -> close in up bars and open -> high -> low ->
//! close in down bars, which is exactly the `bar_direction` rule; so the run over the klines
//! with those trades must equal, fill for fill, the run over the bare klines under
//! `bar_direction`, with its bars counted as decided by the data instead of by the rule. The
//! pessimistic run over the bare klines differs. Both files are in Binance's layouts, imported
//! with `sim data import` and `sim data import-agg-trades`.

use std::fmt::Write as _;

use crate::support::{Sandbox, read_json, run_text};

/// 2026-01-05 00:00 UTC in ms.
pub(crate) const START: i64 = 1_767_571_200_000;
pub(crate) const BARS: i64 = 3 * 1440;

/// A deterministic 1m path (open, high, low, close) per bar: a slow swing with noise, ranges
/// wide enough for a 0.2 % take-profit and stop-loss to be reached in one bar now and then.
pub(crate) fn bars() -> Vec<[f64; 4]> {
    let mut seed: u64 = 0x5eed_2026;
    let mut next = || {
        seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
        ((seed >> 33) as f64) / f64::from(1u32 << 31) - 0.5
    };
    let mut price = 90_000.0_f64;
    (0..BARS)
        .map(|k| {
            let swing = (k as f64 / 180.0).sin() * 0.0006;
            let close = (price * (1.0 + swing + next() * 0.003)).round();
            let high = (price.max(close) * (1.0 + (next() + 0.5) * 0.003)).round();
            let low = (price.min(close) * (1.0 - (next() + 0.5) * 0.003)).round();
            let bar = [price, high, low, close];
            price = close;
            bar
        })
        .collect()
}

/// The klines as Binance's 1m CSV (no header) and the aggTrades CSV (with its header).
pub(crate) fn files(sb: &Sandbox) -> (String, String) {
    let (mut klines, mut trades) = (
        String::new(),
        String::from(
            "agg_trade_id,price,quantity,first_trade_id,last_trade_id,transact_time,is_buyer_maker\n",
        ),
    );
    let mut id = 1;
    for (k, [o, h, l, c]) in bars().into_iter().enumerate() {
        let t = START + k as i64 * 60_000;
        writeln!(
            klines,
            "{t},{o},{h},{l},{c},12.5,{},1125000,100,6,562500,0",
            t + 59_999
        )
        .expect("write");
        let path = if c >= o { [o, l, h, c] } else { [o, h, l, c] };
        for (p, at) in path.into_iter().zip([0, 15_000, 30_000, 59_000]) {
            writeln!(trades, "{id},{p},0.010,{id},{id},{},false", t + at).expect("write");
            id += 1;
        }
    }
    let (kp, tp) = (
        sb.path("BTCUSDT-1m-2026-01.csv"),
        sb.path("BTCUSDT-aggTrades-2026-01.csv"),
    );
    std::fs::write(&kp, klines).expect("klines");
    std::fs::write(&tp, trades).expect("trades");
    (kp.display().to_string(), tp.display().to_string())
}

fn backtest(sb: &Sandbox, dataset: &str, rule: &str) -> serde_json::Value {
    let out = format!("run_{dataset}_{rule}");
    let rule_set = format!("exchange.intrabar={rule}");
    sb.sim(&[
        "backtest",
        "--dataset",
        dataset,
        "--set",
        "trader.tp_pct=0.2",
        "--set",
        "trader.sl_pct=0.2",
        "--set",
        &rule_set,
        "--no-report",
        "--out",
        &out,
    ])
    .ok();
    read_json(&sb.path(&format!("{out}/summary.json")))
}

fn fills(sb: &Sandbox, dataset: &str, rule: &str) -> String {
    run_text(&sb.path(&format!("run_{dataset}_{rule}")), "fills.csv")
}

#[test]
fn recorded_trades_decide_the_bars_that_reach_both_legs() {
    let sb = Sandbox::new();
    let (klines, trades) = files(&sb);
    for name in ["bare", "traded"] {
        sb.sim(&["data", "import", &klines, "--name", name]).ok();
    }
    let imported = sb
        .sim(&["data", "import-agg-trades", &trades, "--dataset", "traded"])
        .ok();
    assert!(
        imported.stdout.contains("trades BTCUSDT: 17,280 trade(s)"),
        "{}",
        imported.stdout
    );

    let rule = |s: &serde_json::Value| s["execution_model"]["intrabar_bars_by_rule"].as_u64();
    let data = |s: &serde_json::Value| s["execution_model"]["intrabar_bars_by_data"].as_u64();
    let by_direction = backtest(&sb, "bare", "bar_direction");
    let pessimistic = backtest(&sb, "bare", "pessimistic");
    let traded = backtest(&sb, "traded", "pessimistic");

    let decided = rule(&by_direction).expect("count");
    assert!(decided > 0, "{}", by_direction["execution_model"]);
    assert_eq!(data(&by_direction), None, "left out when 0");
    assert_eq!(rule(&traded), Some(0), "{}", traded["execution_model"]);
    assert_eq!(
        data(&traded),
        Some(decided),
        "{}",
        traded["execution_model"]
    );
    assert_eq!(
        fills(&sb, "traded", "pessimistic"),
        fills(&sb, "bare", "bar_direction"),
        "the trades give the bar_direction path, fill for fill"
    );
    assert_ne!(
        fills(&sb, "traded", "pessimistic"),
        fills(&sb, "bare", "pessimistic"),
        "the trades overrule the pessimistic rule"
    );
    assert_eq!(traded["account"], by_direction["account"]);
    assert_eq!(
        rule(&pessimistic),
        Some(decided),
        "the same bars, left to the rule"
    );
    assert_ne!(traded["account"], pessimistic["account"]);
    let text = traded["execution_model"]["intrabar_decided"]
        .as_str()
        .expect("text");
    assert!(
        text.starts_with(&format!("{decided} bar(s)")) && text.contains("recorded trades decided"),
        "{text}"
    );
    let order = traded["execution_model"]["intrabar"]
        .as_str()
        .expect("text");
    assert!(
        order.starts_with("the recorded trades (aggTrades)"),
        "{order}"
    );
}
