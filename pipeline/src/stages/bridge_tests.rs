//! Bridge tests: the reports' sizing numbers (F1, F2), the allowlist, TP/SL ticks, plan ids.

use rust_decimal_macros::dec;

use super::*;
use crate::signal::{Action, Signal};
use crate::stages::config::TraderConfig;
use crate::stages::ledger::Ledger;
use crate::stages::test_venue::{FakeVenue, sym};
use crate::stages::trader::Trader;

fn bar(close: f64) -> Bar {
    Bar {
        open_time: TimestampMs(1_770_587_640_000),
        open: close,
        high: close,
        low: close,
        close,
        volume: 1.0,
    }
}

fn trader_intent(action: Action) -> TradeIntent {
    let mut t = Trader::new(TraderConfig::default());
    let s = Signal {
        time: TimestampMs(1_770_587_640_000),
        symbol: sym("BTCUSDT"),
        action,
        confidence: 0.68,
        source: "ai_engine".into(),
    };
    let (_, out) = t.on_signal(&s, &Ledger::new(), 1);
    match out {
        Outcome::Pass(i) => i,
        Outcome::Drop(d) => panic!("trader dropped: {d:?}"),
    }
}

fn recorded(json: &str) -> BridgeOutput {
    let venue = FakeVenue::new().with_mark("BTCUSDT", dec!(71000));
    let p = IntentPayload::from_json(json).expect("json");
    IntentBridge::default().plan_recorded(&p, 3, TimestampMs(5), None, &venue)
}

fn qty(out: &BridgeOutput) -> Decimal {
    match out.outcome.passed().map(ApplyPlan::qty) {
        Some(PlanQty::Qty(q)) => q.get(),
        other => panic!("no qty: {other:?} / {:?}", out.outcome),
    }
}

#[test]
fn f2_300_usd_at_2x_and_71000_is_0_008_btc_not_the_buggy_0_002() {
    let venue = FakeVenue::new();
    let b = bar(71000.0);
    let s = sym("BTCUSDT");
    let out =
        IntentBridge::default().plan_intent(&trader_intent(Action::Sell), Some((&s, &b)), &venue);
    assert_eq!(qty(&out), dec!(0.008));
    assert_eq!(
        out.trace.raw_qty.map(|q| q.round_dp(6)),
        Some(dec!(0.008451))
    );
    assert_eq!(out.trace.step_qty, Some(dec!(0.008)));
    // The reports' formula, usd / (price * leverage), floored to the same step:
    let buggy = floor_to(dec!(300) / (dec!(71000) * dec!(2)), dec!(0.001)).expect("floor");
    assert_eq!(buggy, dec!(0.002));
    assert_ne!(qty(&out), buggy, "the leverage must multiply, not divide");
}

#[test]
fn f1_both_sizing_forms_pass_and_neither_is_invalid_quantity_with_the_payload() {
    let usd = recorded(
        r#"{"intent_type": "AUTONOMOUS_ENTRY", "symbol": "BTCUSDT", "action": "SELL",
            "position_usd": "300.0", "leverage": "2.0", "tp_pct": "2.0", "sl_pct": "1.0"}"#,
    );
    assert_eq!(qty(&usd), dec!(0.008));
    assert_eq!(usd.trace.form, "position_usd");
    let q =
        recorded(r#"{"symbol": "BTCUSDT", "action": "SELL", "qty": "0.0042", "price": "71000.0"}"#);
    assert_eq!(qty(&q), dec!(0.004), "floored to the 0.001 step");
    assert_eq!(q.trace.raw_qty, Some(dec!(0.0042)));
    let neither = recorded(r#"{"symbol": "BTCUSDT", "action": "SELL", "tp_pct": "2.0"}"#);
    let d = neither.outcome.dropped().expect("dropped");
    assert_eq!(d.reason(), Reason::InvalidQuantity);
    let Evidence::Payload { payload } = d.evidence() else {
        panic!("payload not kept: {:?}", d.evidence());
    };
    assert_eq!(payload["tp_pct"], "2.0");
    assert_eq!(
        neither.trace.dropped.map(|t| t.reason),
        Some(Reason::InvalidQuantity)
    );
}

#[test]
fn a_journaled_trader_intent_replays_to_the_same_plan_size() {
    let venue = FakeVenue::new().with_mark("BTCUSDT", dec!(71000));
    let intent = trader_intent(Action::Buy);
    let json = serde_json::to_string(&intent).expect("ser");
    let p = IntentPayload::from_json(&json).expect("payload");
    let out = IntentBridge::default().plan_recorded(&p, intent.seq(), TimestampMs(0), None, &venue);
    assert_eq!(qty(&out), dec!(0.008));
    assert_eq!(
        out.outcome.passed().map(ApplyPlan::time),
        Some(intent.time())
    );
}

#[test]
fn allowlist_refuses_entries_only_and_malformed_is_its_own_reason() {
    let venue = FakeVenue::new().with_mark("BTCUSDT", dec!(71000));
    let bridge = IntentBridge::new(&BridgeConfig {
        allowlist: vec![sym("BTCUSDT")],
    });
    let plan = |json: &str| {
        let p = IntentPayload::from_json(json).expect("json");
        bridge
            .plan_recorded(&p, 0, TimestampMs(0), None, &venue)
            .outcome
            .reason()
    };
    assert_eq!(
        plan(r#"{"symbol": "WAVESUSDT", "action": "BUY", "qty": "149.756"}"#),
        Some(Reason::SymbolNotInAllowlist)
    );
    assert_eq!(plan(r#"{"symbol": "WAVESUSDT", "action": "CLOSE"}"#), None);
    assert_eq!(
        plan(r#"{"symbol": "btcusdt", "action": "BUY", "qty": "1"}"#),
        Some(Reason::MalformedIntent)
    );
    assert_eq!(
        plan(r#"{"symbol": "ETHUSDT", "action": "BUY", "position_usd": "300", "leverage": "2"}"#),
        Some(Reason::SymbolNotInAllowlist)
    );
}

#[test]
fn no_price_no_size() {
    let venue = FakeVenue::new();
    let p = IntentPayload::from_json(
        r#"{"symbol": "BTCUSDT", "action": "BUY", "position_usd": 300, "leverage": 2}"#,
    )
    .expect("json");
    let out = IntentBridge::default().plan_recorded(&p, 0, TimestampMs(0), None, &venue);
    assert_eq!(out.outcome.reason(), Some(Reason::NoMarketPrice));
}

#[test]
fn tp_sl_round_to_the_tick_toward_the_entry() {
    let entry = Price::new(dec!(70610.55)).expect("p");
    let tick = dec!(0.10);
    let (tp, sl) = protective_prices(Side::Buy, entry, Some(dec!(2)), Some(dec!(1)), tick);
    // 72022.761 floored, 69904.4445 ceiled.
    assert_eq!(tp.map(|p| p.to_string()), Some("72022.70".into()));
    assert_eq!(sl.map(|p| p.to_string()), Some("69904.50".into()));
    let (tp, sl) = protective_prices(Side::Sell, entry, Some(dec!(2)), Some(dec!(1)), tick);
    // 69198.339 ceiled, 71316.6555 floored.
    assert_eq!(tp.map(|p| p.to_string()), Some("69198.40".into()));
    assert_eq!(sl.map(|p| p.to_string()), Some("71316.60".into()));
    let (_, sl) = protective_prices(Side::Buy, entry, None, Some(dec!(100)), tick);
    assert_eq!(sl, None, "a stop at zero is no stop");
}

#[test]
fn plan_ids_are_deterministic_16_hex() {
    let s = sym("BTCUSDT");
    let a = plan_id(&s, TimestampMs(1), 1);
    assert_eq!(a, plan_id(&s, TimestampMs(1), 1));
    assert_eq!(a.len(), 16);
    assert!(a.chars().all(|c| c.is_ascii_hexdigit()));
    assert_ne!(a, plan_id(&s, TimestampMs(1), 2));
    assert_ne!(a, plan_id(&sym("ETHUSDT"), TimestampMs(1), 1));
    // Plan ids are client order ids on the venue: the text must never change.
    for h in [0, 1, 0xabc, 0x0123_4567_89ab_cdef, u64::MAX] {
        assert_eq!(hex16(h), format!("{h:016x}"));
    }
}

#[test]
fn an_entry_leverage_binance_cannot_set_is_its_own_reason() {
    for lev in ["2.5", "0.5", "0", "126"] {
        let out = recorded(&format!(
            r#"{{"symbol": "BTCUSDT", "action": "BUY", "position_usd": "300", "leverage": "{lev}"}}"#
        ));
        // "0" is not a size at all (no positive leverage): F1's reason, checked first.
        let want = if lev == "0" {
            Reason::InvalidQuantity
        } else {
            Reason::LeverageNotValid
        };
        assert_eq!(out.outcome.reason(), Some(want), "leverage {lev}");
    }
    let out =
        recorded(r#"{"symbol": "BTCUSDT", "action": "BUY", "qty": "0.01", "leverage": "7.5"}"#);
    assert_eq!(out.outcome.reason(), Some(Reason::LeverageNotValid));
    let out = recorded(
        r#"{"symbol": "BTCUSDT", "action": "BUY", "position_usd": "300", "leverage": "125"}"#,
    );
    assert!(out.outcome.is_pass(), "{:?}", out.outcome);
    // An exit reduces a position at whatever leverage it runs: its leverage is not checked.
    let out =
        recorded(r#"{"symbol": "BTCUSDT", "action": "CLOSE", "qty": "0.01", "leverage": "7.5"}"#);
    assert_ne!(out.outcome.reason(), Some(Reason::LeverageNotValid));
    assert_eq!(Reason::LeverageNotValid.binance_code(), Some(-4028));
}
