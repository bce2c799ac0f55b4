//! Whole-pipeline tests with the fake venue: F1, F3, F6 and F7 end to end, one reason per drop,
//! TP/SL bookkeeping.

use std::collections::BTreeSet;

use rust_decimal::Decimal;
use rust_decimal_macros::dec;

use super::config::{BridgeConfig, ExecutorConfig, GovernorConfig, PipelineConfig, TraderConfig};
use super::journal::VecJournal;
use super::payload::IntentPayload;
use super::pipeline::Pipeline;
use super::test_venue::{FakeVenue, price, sym};
use super::{EvalType, Journal, Stage};
use crate::domain::{Bar, TimestampMs};
use crate::funnel::explain;
use crate::reason::Reason;
use crate::signal::{Action, Signal};

const MIN: i64 = 60_000;

fn bar(i: i64, close: f64) -> Bar {
    Bar {
        open_time: TimestampMs(1_770_000_000_000 + i * MIN),
        open: close,
        high: close,
        low: close,
        close,
        volume: 1.0,
    }
}

fn signal(symbol: &str, action: Action, confidence: f64, b: &Bar) -> Signal {
    Signal {
        time: b.open_time,
        symbol: sym(symbol),
        action,
        confidence,
        source: "sma_cross".into(),
    }
}

/// Sets the venue's mark to the bar's close, then hands the bar to the pipeline.
fn step<J: Journal>(
    p: &mut Pipeline<J>,
    v: &mut FakeVenue,
    symbol: &str,
    b: &Bar,
    signals: &[Signal],
) {
    v.marks.insert(
        sym(symbol),
        price(Decimal::try_from(b.close).expect("close")),
    );
    v.now = b.open_time;
    p.on_bar(&sym(symbol), b, signals, v);
}

fn payloads(lines: &[&str]) -> Vec<IntentPayload> {
    lines
        .iter()
        .map(|l| IntentPayload::from_json(l).expect("json"))
        .collect()
}

fn no_tp_sl() -> PipelineConfig {
    PipelineConfig {
        trader: TraderConfig {
            tp_pct: None,
            sl_pct: None,
            ..TraderConfig::default()
        },
        ..PipelineConfig::default()
    }
}

#[test]
fn f6_exits_blocked_by_the_governor_show_under_exit_while_entries_flow() {
    let mut cfg = no_tp_sl();
    cfg.governor = GovernorConfig {
        exit_threshold: 0.65,
        ..GovernorConfig::default()
    };
    let mut p = Pipeline::new(&cfg);
    let mut v = FakeVenue::new();
    for i in 0..60 {
        let b = bar(i, 70_000.0 + 10.0 * i as f64);
        let sigs = if i == 5 {
            vec![signal("BTCUSDT", Action::Buy, 0.9, &b)]
        } else {
            vec![]
        };
        step(&mut p, &mut v, "BTCUSDT", &b, &sigs);
        let e = bar(i, 2_000.0);
        let sigs = if i == 30 {
            vec![signal("ETHUSDT", Action::Buy, 0.9, &e)]
        } else {
            vec![]
        };
        step(&mut p, &mut v, "ETHUSDT", &e, &sigs);
    }
    for i in 0..12 {
        let b = bar(60 + i, 70_400.0 - 150.0 * i as f64);
        let sigs = if i == 11 {
            vec![signal("BTCUSDT", Action::Sell, 0.9, &b)]
        } else {
            vec![]
        };
        step(&mut p, &mut v, "BTCUSDT", &b, &sigs);
    }
    let f = p.funnel();
    assert!(f.is_balanced());
    assert_eq!(f.orders(EvalType::Entry), 2);
    assert_eq!(f.orders(EvalType::Exit), 0);
    let blocked = f.counts(Stage::Governor, EvalType::Exit);
    assert_eq!(
        blocked.dropped.get(&Reason::KillScoreWarningRiskIncrease),
        Some(&1)
    );
    assert_eq!(f.counts(Stage::Governor, EvalType::Entry).output, 2);
    assert_eq!(v.amt("BTCUSDT"), dec!(0.008), "the long is still open");
    let s = explain(f);
    assert_eq!(s[0], "ENTRY: 2 orders from 2 inputs; nothing was blocked");
    assert!(
        s[1].starts_with("EXIT: 0 orders: the governor blocked 1 of 1 plans, all kill_score_warning_risk_increase (BTCUSDT EXIT: kill_score "),
        "{}",
        s[1]
    );
    let table = f.render_table();
    assert!(
        table.contains(
            "\ngovernor  EXIT        1       0       1  kill_score_warning_risk_increase 1"
        ),
        "{table}"
    );
}

#[test]
fn f7_ledger_venue_mismatches_are_counted_and_the_venue_wins() {
    let mut p = Pipeline::new(&no_tp_sl());
    let mut v = FakeVenue::new();
    let b = bar(0, 70_000.0);
    step(
        &mut p,
        &mut v,
        "BTCUSDT",
        &b,
        &[signal("BTCUSDT", Action::Buy, 0.9, &b)],
    );
    assert_eq!(p.ledger().amt(&sym("BTCUSDT")), dec!(0.008));
    // Something at the venue (a partial liquidation the pipeline never heard of) changed it.
    v.set_position("BTCUSDT", dec!(0.005));
    let b = bar(1, 70_000.0);
    step(
        &mut p,
        &mut v,
        "BTCUSDT",
        &b,
        &[signal("BTCUSDT", Action::Close, 0.9, &b)],
    );
    let f = p.funnel();
    assert_eq!(f.ledger.mismatches, 1);
    assert_eq!(f.ledger.mismatches_by_symbol.get("BTCUSDT"), Some(&1));
    assert_eq!(f.orders(EvalType::Exit), 1);
    assert_eq!(
        v.placed.last().map(|o| o.quantity().get()),
        Some(dec!(0.005)),
        "closed what the venue held"
    );
    assert!(v.positions.is_empty() && p.ledger().is_flat());
    v.set_position("ETHUSDT", dec!(1.0));
    assert_eq!(p.reconcile(&mut v), 1);
    assert_eq!(p.ledger().amt(&sym("ETHUSDT")), dec!(1.0));
    assert_eq!(p.funnel().ledger.mismatches, 2);
    assert!(explain(p.funnel()).last().is_some_and(|s| {
        s.starts_with("the ledger disagreed with the venue 2 times (BTCUSDT 1, ETHUSDT 1)")
    }));
}

#[test]
fn f1_and_f3_recorded_intents_through_the_pipeline() {
    let mut p = Pipeline::new(&PipelineConfig::default());
    let mut v = FakeVenue::new();
    let b = bar(0, 70_610.0);
    step(&mut p, &mut v, "BTCUSDT", &b, &[]);
    let f1 = payloads(&[
        r#"{"intent_type": "AUTONOMOUS_ENTRY", "symbol": "BTCUSDT", "action": "SELL", "position_usd": "300.0", "leverage": "2.0"}"#,
        r#"{"symbol": "BTCUSDT", "action": "SELL", "qty": "0.0042", "price": "71000.0", "leverage": "5"}"#,
        r#"{"intent_type": "AUTONOMOUS_ENTRY", "symbol": "BTCUSDT", "action": "SELL", "tp_pct": "2.0"}"#,
    ]);
    p.on_recorded_intents(&sym("BTCUSDT"), &b, &f1, &mut v);
    let bridge = p.funnel().counts(Stage::Bridge, EvalType::Entry);
    assert_eq!(
        (
            bridge.input,
            bridge.output,
            bridge.dropped.get(&Reason::InvalidQuantity)
        ),
        (3, 2, Some(&1))
    );
    assert_eq!(p.funnel().orders(EvalType::Entry), 2);

    let mut p = Pipeline::new(&PipelineConfig::default());
    let mut v = FakeVenue::new();
    step(&mut p, &mut v, "BTCUSDT", &b, &[]);
    let eight = payloads(&[r#"{"symbol": "BTCUSDT", "action": "SELL", "qty": "0.001"}"#; 8]);
    p.on_recorded_intents(&sym("BTCUSDT"), &b, &eight, &mut v);
    assert!(v.placed.is_empty());
    assert_eq!(
        explain(p.funnel())[0],
        "ENTRY: 0 orders: the executor blocked 8 of 8 plans, all notional_below_min (BTCUSDT, 70.61 < 100); enable allow_upsize or raise position_usd"
    );
    let t = &p.funnel().sizing[0];
    assert_eq!(
        (t.step_qty, t.notional, t.min_notional),
        (Some(dec!(0.001)), Some(dec!(70.610)), Some(dec!(100)))
    );
    assert_eq!(t.outcome(), "dropped at executor: notional_below_min");
}

#[test]
fn every_drop_records_exactly_one_reason_and_the_funnel_balances() {
    let cfg = PipelineConfig {
        trader: TraderConfig {
            symbols: ["BTCUSDT", "ETHUSDT", "SOLUSDT"]
                .iter()
                .map(|s| sym(s))
                .collect(),
            ..TraderConfig::default()
        },
        bridge: BridgeConfig {
            allowlist: vec![sym("BTCUSDT"), sym("ETHUSDT")],
        },
        executor: ExecutorConfig {
            source_allowlist: vec!["intent_bridge".into()],
            ..ExecutorConfig::default()
        },
        ..PipelineConfig::default()
    };
    let mut p = Pipeline::with_journal(&cfg, VecJournal::default());
    let mut v = FakeVenue::new().with_mark("ETHUSDT", dec!(2000));
    let b = bar(0, 70_000.0);
    let sigs = [
        signal("BTCUSDT", Action::Buy, 0.1, &b), // below_min_confidence
        signal("WAVESUSDT", Action::Buy, 0.9, &b), // symbol_not_in_universe
        signal("SOLUSDT", Action::Buy, 0.9, &b), // symbol_not_in_allowlist
        signal("ETHUSDT", Action::Close, 0.9, &b), // no_position_to_close
        signal("BTCUSDT", Action::Buy, 0.9, &b), // executes
    ];
    step(&mut p, &mut v, "BTCUSDT", &b, &sigs);
    let recorded = payloads(&[
        r#"{"symbol": "BTCUSDT", "action": "BUY"}"#, // invalid_quantity
        r#"{"action": "BUY", "qty": "1"}"#,          // malformed_intent
        r#"{"symbol": "BTCUSDT", "action": "BUY", "qty": "0.0001"}"#, // lot_size_violation
        r#"{"symbol": "ETHUSDT", "action": "BUY", "qty": "0.001"}"#, // notional_below_min
    ]);
    p.on_recorded_intents(&sym("BTCUSDT"), &b, &recorded, &mut v);
    v.reject_next = Some(crate::exchange_info::Reject::margin_insufficient());
    p.on_recorded_intents(
        &sym("BTCUSDT"),
        &b,
        &payloads(&[r#"{"symbol": "ETHUSDT", "action": "BUY", "qty": "0.1"}"#]),
        &mut v,
    );
    v.fail_positions = true;
    p.on_recorded_intents(
        &sym("BTCUSDT"),
        &b,
        &payloads(&[r#"{"symbol": "ETHUSDT", "action": "BUY", "qty": "0.1"}"#]),
        &mut v,
    );

    let (funnel, _, journal) = p.into_parts();
    assert!(funnel.is_balanced());
    let drops = journal.of_kind("drop");
    assert_eq!(drops.len() as u64, funnel.total_drops());
    let mut reasons = BTreeSet::new();
    for d in &drops {
        let code = d["reason"].as_str().expect("one reason, a string");
        reasons.insert(code.parse::<Reason>().expect("a known code"));
        assert_eq!(d["decision"], "BLOCKED");
    }
    let want: BTreeSet<Reason> = [
        Reason::BelowMinConfidence,
        Reason::SymbolNotInUniverse,
        Reason::SymbolNotInAllowlist,
        Reason::NoPositionToClose,
        Reason::InvalidQuantity,
        Reason::MalformedIntent,
        Reason::LotSizeViolation,
        Reason::NotionalBelowMin,
        Reason::VenueRejected,
        Reason::NoExchangeSnapshot,
    ]
    .into();
    assert_eq!(reasons, want);
    assert_eq!(drops.len(), want.len(), "one drop each");
    assert_eq!(funnel.orders(EvalType::Entry), 1);
    for t in funnel.sizing.iter().filter(|t| t.dropped.is_some()) {
        let rec = drops
            .iter()
            .find(|d| d["seq"] == t.seq)
            .expect("drop record for the trace");
        assert_eq!(
            rec["reason"],
            t.dropped.map(|d| d.reason.as_str()).expect("reason")
        );
    }
    assert_eq!(journal.of_kind("result").len(), 1);
    assert_eq!(journal.of_kind("signal").len(), 5);
}

#[test]
fn an_entry_filled_after_the_answer_gets_its_tp_and_sl_once_it_fills() {
    let mut p = Pipeline::new(&PipelineConfig::default());
    let mut v = FakeVenue::new();
    v.defer_market = true;
    let b = bar(0, 71_000.0);
    step(
        &mut p,
        &mut v,
        "BTCUSDT",
        &b,
        &[signal("BTCUSDT", Action::Buy, 0.9, &b)],
    );
    assert_eq!(
        p.funnel().venue.protective_placed,
        0,
        "nothing to protect yet"
    );
    let entry = v.open[0].order_id;
    v.fill_market(entry);
    step(&mut p, &mut v, "BTCUSDT", &bar(1, 71_100.0), &[]);
    let f = p.funnel();
    assert_eq!(
        (f.venue.protective_placed, f.venue.protective_failed),
        (2, 0)
    );
    let legs: Vec<_> = v.open.iter().map(|o| (o.order_type, o.orig_qty)).collect();
    assert_eq!(legs.len(), 2, "{legs:?}");
    assert!(
        legs.iter().all(|(_, q)| *q == v.placed[0].quantity()),
        "both legs cover the filled quantity: {legs:?}"
    );
    // A second bar with no fill places nothing more.
    step(&mut p, &mut v, "BTCUSDT", &bar(2, 71_200.0), &[]);
    assert_eq!(p.funnel().venue.protective_placed, 2);
}

#[test]
fn a_stop_whose_cancel_got_no_answer_is_cancelled_at_the_next_bar() {
    let mut p = Pipeline::new(&PipelineConfig::default());
    let mut v = FakeVenue::new();
    let b = bar(0, 71_000.0);
    step(
        &mut p,
        &mut v,
        "BTCUSDT",
        &b,
        &[signal("BTCUSDT", Action::Buy, 0.9, &b)],
    );
    let tp = v
        .open
        .iter()
        .find(|o| o.order_type == crate::order::OrderType::TakeProfitMarket)
        .map(|o| o.order_id);
    v.trigger(tp.expect("tp resting"));
    v.unknown_cancels = 1;
    step(&mut p, &mut v, "BTCUSDT", &bar(1, 72_500.0), &[]);
    assert!(p.ledger().is_flat());
    assert_eq!(v.open.len(), 1, "the stop's cancel got no answer");
    step(&mut p, &mut v, "BTCUSDT", &bar(2, 72_500.0), &[]);
    assert!(v.open.is_empty(), "the stop was cancelled at the next bar");
    assert_eq!(p.funnel().venue.protective_cancelled, 1);
}

#[test]
fn a_take_profit_fill_flattens_the_ledger_and_cancels_the_stop() {
    let mut p = Pipeline::new(&PipelineConfig::default());
    let mut v = FakeVenue::new();
    let b = bar(0, 71_000.0);
    step(
        &mut p,
        &mut v,
        "BTCUSDT",
        &b,
        &[signal("BTCUSDT", Action::Buy, 0.9, &b)],
    );
    assert_eq!(p.funnel().venue.protective_placed, 2);
    let tp = v
        .open
        .iter()
        .find(|o| o.order_type == crate::order::OrderType::TakeProfitMarket)
        .map(|o| o.order_id);
    v.trigger(tp.expect("tp resting"));
    step(&mut p, &mut v, "BTCUSDT", &bar(1, 72_500.0), &[]);
    assert!(p.ledger().is_flat());
    assert!(v.open.is_empty(), "the stop was cancelled");
    let f = p.funnel();
    assert_eq!(
        (
            f.venue.protective_cancelled,
            f.venue.fill_events,
            f.ledger.mismatches
        ),
        (1, 1, 0)
    );
    // Idle and flat again: the next bars do not touch the venue.
    let placed = v.placed.len();
    step(&mut p, &mut v, "BTCUSDT", &bar(2, 72_500.0), &[]);
    step(&mut p, &mut v, "BTCUSDT", &bar(3, 72_500.0), &[]);
    assert_eq!(v.placed.len(), placed);
}

#[test]
fn an_unknown_outcome_that_executed_is_taken_and_protected_at_the_next_sync() {
    let mut p = Pipeline::new(&PipelineConfig::default());
    let mut v = FakeVenue::new();
    let b = bar(0, 71_000.0);
    v.unknown_next = true;
    step(
        &mut p,
        &mut v,
        "BTCUSDT",
        &b,
        &[signal("BTCUSDT", Action::Buy, 0.9, &b)],
    );
    assert_eq!(
        *p.funnel().venue.orders_refused.get(EvalType::Entry),
        0,
        "an unknown outcome is not a refusal"
    );
    // The order did execute; only its answer was lost.
    v.set_position("BTCUSDT", dec!(0.004));
    step(&mut p, &mut v, "BTCUSDT", &bar(1, 71_000.0), &[]);
    assert_eq!(p.ledger().amt(&sym("BTCUSDT")), dec!(0.004));
    let stop = v
        .open
        .iter()
        .find(|o| o.order_type == crate::order::OrderType::StopMarket)
        .expect("the position got its stop-loss");
    assert!(stop.reduce_only && stop.side == crate::order::Side::Sell);
    // Protected: the next bars place nothing more.
    let placed = v.placed.len();
    step(&mut p, &mut v, "BTCUSDT", &bar(2, 71_000.0), &[]);
    assert_eq!(v.placed.len(), placed);
}

/// The fast-clock incident: an ENTRY accepted but not filled yet, then an opposite signal.
/// Read against the venue's (still flat) position, the second ENTRY passed and both filled.
#[test]
fn a_plan_waits_while_its_symbols_entry_is_in_flight() {
    let mut p = Pipeline::new(&PipelineConfig::default());
    let mut v = FakeVenue::new();
    v.defer_market = true;
    let b0 = bar(0, 71_000.0);
    let buy = signal("BTCUSDT", Action::Buy, 0.9, &b0);
    step(&mut p, &mut v, "BTCUSDT", &b0, &[buy]);
    let b1 = bar(1, 70_900.0);
    let sell = signal("BTCUSDT", Action::Sell, 0.9, &b1);
    step(&mut p, &mut v, "BTCUSDT", &b1, std::slice::from_ref(&sell));
    assert_eq!(v.placed.len(), 1, "the second entry was held back");
    let held = p.funnel().counts(Stage::Permit, EvalType::Entry);
    assert_eq!(held.dropped.get(&Reason::OrderInFlight), Some(&1));
    // Once the entry fills, the next opposite signal is an EXIT of the real position.
    let entry = v.open[0].order_id;
    v.fill_market(entry);
    let b2 = bar(2, 70_800.0);
    let sell = Signal {
        time: b2.open_time,
        ..sell
    };
    step(&mut p, &mut v, "BTCUSDT", &b2, &[sell]);
    // Placed: the entry, its TP and SL once it filled, then the exit.
    assert_eq!(v.placed.len(), 4, "{:?}", v.placed);
    let exit = &v.placed[3];
    assert!(
        exit.reduce_only() && exit.order_type() == crate::order::OrderType::Market,
        "{exit:?}"
    );
    // An order still unfilled after the hold no longer blocks: the venue check decides.
    let mut p = Pipeline::new(&PipelineConfig::default());
    let mut v = FakeVenue::new();
    v.defer_market = true;
    step(
        &mut p,
        &mut v,
        "BTCUSDT",
        &b0,
        &[signal("BTCUSDT", Action::Buy, 0.9, &b0)],
    );
    let late = bar(super::IN_FLIGHT_HOLD_MS / MIN + 1, 70_900.0);
    step(
        &mut p,
        &mut v,
        "BTCUSDT",
        &late,
        &[signal("BTCUSDT", Action::Sell, 0.9, &late)],
    );
    assert_eq!(v.placed.len(), 2, "past the hold the plan is sent");
}
