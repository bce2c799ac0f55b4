use pipeline::funnel::Funnel;
use pipeline::reason::{Dropped, Reason};

use super::*;

const MIN: i64 = 60_000;

fn trade(entry: i64, exit: i64, exit_px: f64, pnl: f64) -> TradeRow {
    TradeRow {
        symbol: "BTCUSDT".into(),
        side: "LONG".into(),
        entry_ms: entry,
        exit_ms: Some(exit),
        entry_price: 100.0,
        exit_price: Some(exit_px),
        max_qty: 1.0,
        realized_pnl: pnl,
        fees: 0.1,
        funding: 0.0,
        net_pnl: pnl - 0.1,
        liquidated: false,
        exit_by: None,
    }
}

fn result(t: i64, eval: &str, tp: Option<f64>, sl: Option<f64>) -> ResultRow {
    ResultRow {
        time_ms: t,
        symbol: "BTCUSDT".into(),
        eval_type: eval.into(),
        tp,
        sl,
    }
}

#[test]
fn exits_are_told_apart_by_orders_and_protective_stops() {
    let ix = OrderIndex::new(&[
        result(0, "ENTRY", Some(102.0), Some(99.0)),
        result(10 * MIN, "EXIT", None, None),
        result(20 * MIN, "ENTRY", Some(102.0), Some(99.0)),
        result(40 * MIN, "ENTRY", None, None),
    ]);
    // Closed by the EXIT order at 10 min (filled at the next open).
    assert_eq!(
        ix.exit_kind(&trade(0, 11 * MIN, 101.0, 1.0), MIN),
        Some(ExitKind::Order)
    );
    // No EXIT order near 30 min: the stop nearer the exit price was hit.
    assert_eq!(
        ix.exit_kind(&trade(20 * MIN, 30 * MIN, 102.0, 2.0), MIN),
        Some(ExitKind::TakeProfit)
    );
    assert_eq!(
        ix.exit_kind(&trade(20 * MIN, 30 * MIN, 98.9, -1.1), MIN),
        Some(ExitKind::StopLoss)
    );
    // No protective orders and no EXIT order: closed by some other order (reversal, end).
    assert_eq!(
        ix.exit_kind(&trade(40 * MIN, 50 * MIN, 98.0, -2.0), MIN),
        Some(ExitKind::Order)
    );
    let mut liq = trade(40 * MIN, 50 * MIN, 50.0, -50.0);
    liq.liquidated = true;
    assert_eq!(ix.exit_kind(&liq, MIN), Some(ExitKind::Liquidation));
    let mut open = trade(0, 0, 0.0, 0.0);
    open.exit_ms = None;
    assert_eq!(ix.exit_kind(&open, MIN), None);
}

#[test]
fn the_run_folders_exit_by_column_wins_over_matching_orders() {
    // An EXIT order sits right at the exit time, but trades.csv says the stop closed it.
    let ix = OrderIndex::new(&[
        result(0, "ENTRY", None, None),
        result(10 * MIN, "EXIT", None, None),
    ]);
    for (by, kind) in [
        ("stop_loss", ExitKind::StopLoss),
        ("take_profit", ExitKind::TakeProfit),
        ("liquidation", ExitKind::Liquidation),
        ("order", ExitKind::Order),
    ] {
        let mut t = trade(0, 10 * MIN, 99.0, -1.0);
        t.exit_by = Some(by.into());
        assert_eq!(ix.exit_kind(&t, MIN), Some(kind), "{by}");
    }
}

#[test]
fn monthly_returns_chain_month_ends() {
    let at = |m: u32, d: u32| pipeline::TimestampMs::from_utc(2026, m, d, 0, 0, 0).as_ms();
    let p = |t: i64, e: f64| EquityPoint {
        time_ms: t,
        equity: e,
        in_market: false,
    };
    let eq = [
        p(at(1, 1) + MIN, 1000.0),
        p(at(1, 20), 1100.0),
        // Closes at midnight: still January's last bar.
        p(at(2, 1), 1050.0),
        p(at(2, 10), 1200.0),
        p(at(3, 5), 1260.0),
    ];
    let m = monthly_returns(&eq, 1000.0);
    let labels: Vec<&str> = m.iter().map(|x| x.label.as_str()).collect();
    assert_eq!(labels, ["2026-01", "2026-02", "2026-03"]);
    let close = |a: f64, b: f64| (a - b).abs() < 1e-12;
    assert!(close(m[0].ret, 0.05));
    assert!(close(m[1].ret, 1200.0 / 1050.0 - 1.0));
    assert!(close(m[2].ret, 0.05));
    assert!(monthly_returns(&[], 1000.0).is_empty());
}

#[test]
fn histogram_puts_zero_on_an_edge_and_counts_every_trade() {
    let pnl = [-3.2, -1.0, -0.4, 0.0, 0.3, 0.9, 2.5, 7.7];
    let bins = pnl_histogram(&pnl);
    assert!(bins.len() >= 10 && bins.len() <= 30, "{}", bins.len());
    assert_eq!(bins.iter().map(|b| b.count).sum::<u64>(), 8);
    assert!(
        bins.iter().all(|b| b.hi <= 0.0 + 1e-9 || b.lo >= -1e-9),
        "{bins:?}"
    );
    assert!(bins[0].lo <= -3.2 && bins.last().expect("bins").hi > 7.7);
    assert!(pnl_histogram(&[]).is_empty());
    assert_eq!(
        pnl_histogram(&[5.0]).iter().map(|b| b.count).sum::<u64>(),
        1
    );
}

#[test]
fn rejection_reasons_split_by_binance_code_and_fall_back_to_the_funnel() {
    let mut f = Funnel::new();
    let d = |r, s: &str| Dropped::new(r, s);
    for _ in 0..3 {
        f.drop(
            Stage::Executor,
            EvalType::Entry,
            "BTCUSDT",
            &d(Reason::VenueRejected, "v"),
        );
    }
    f.drop(
        Stage::Governor,
        EvalType::Exit,
        "BTCUSDT",
        &d(Reason::KillScoreWarningRiskIncrease, "k"),
    );
    let drop = |code: i64, msg: &str| DropRow {
        stage: "executor".into(),
        eval_type: "ENTRY".into(),
        time_ms: 0,
        symbol: "BTCUSDT".into(),
        reason: "venue_rejected".into(),
        detail: format!("{code}"),
        binance: Some((code, msg.into())),
        price: None,
    };
    let drops = [
        drop(-2019, "Margin is insufficient."),
        drop(-2019, "Margin is insufficient."),
        drop(-2021, "Order would immediately trigger."),
    ];
    let rows = rejection_reasons(&f, &drops);
    assert_eq!(rows.len(), 3);
    assert_eq!((rows[0].count, rows[0].binance_code), (2, Some(-2019)));
    assert_eq!(rows[0].stage_input, 3);
    let trigger = rows
        .iter()
        .find(|r| r.binance_code == Some(-2021))
        .expect("-2021");
    assert_eq!(trigger.count, 1);
    assert_eq!(
        trigger.binance_msg.as_deref(),
        Some("Order would immediately trigger.")
    );
    let kill = rows
        .iter()
        .find(|r| r.stage == "governor")
        .expect("governor");
    assert_eq!(
        (kill.count, kill.eval_type.as_str(), kill.example.as_str()),
        (1, "EXIT", "k")
    );
    assert_eq!(kill.binance_code, None);
}

#[test]
fn per_symbol_counts_come_from_the_funnel_and_trades() {
    let mut f = Funnel::new();
    for stage in [Stage::Trader, Stage::Bridge] {
        f.pass(stage, EvalType::Entry, "BTCUSDT");
    }
    f.pass(Stage::Executor, EvalType::Entry, "BTCUSDT");
    f.drop(
        Stage::Trader,
        EvalType::Entry,
        "ETHUSDT",
        &Dropped::new(Reason::CooldownActive, "c"),
    );
    let mut t = trade(0, MIN, 101.0, 1.0);
    t.funding = 0.05;
    let s = per_symbol(&f, &[t]);
    let btc = &s["BTCUSDT"];
    assert_eq!((btc.entered, btc.orders, btc.dropped), (1, 1, 0));
    assert_eq!((btc.closed_trades, btc.wins), (1, 1));
    assert!((btc.net_pnl - 0.9).abs() < 1e-12 && (btc.funding - 0.05).abs() < 1e-12);
    assert_eq!((s["ETHUSDT"].entered, s["ETHUSDT"].dropped), (1, 1));
}
