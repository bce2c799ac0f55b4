//! The journal's JSON lines for a run through every stage (entries with TP/SL filled now and
//! later, an exit, a clipped close, drops at each stage), pinned byte for byte in
//! `testdata/journal_pinned.jsonl`: the stage outputs' shapes are the wire format of the
//! original system's streams and must not drift when the types behind them change.

use rust_decimal::Decimal;

use super::config::PipelineConfig;
use super::journal::VecJournal;
use super::payload::IntentPayload;
use super::pipeline::Pipeline;
use super::test_venue::{FakeVenue, price, sym};
use crate::domain::{Bar, TimestampMs};
use crate::signal::{Action, Signal};

const PINNED: &str = include_str!("testdata/journal_pinned.jsonl");

fn bar(i: i64, close: f64) -> Bar {
    Bar {
        open_time: TimestampMs(1_770_000_000_000 + i * 60_000),
        open: close,
        high: close,
        low: close,
        close,
        volume: 1.0,
    }
}

fn signal(symbol: &str, action: Action, b: &Bar) -> Signal {
    Signal {
        time: b.open_time,
        symbol: sym(symbol),
        action,
        confidence: 0.9,
        source: "sma_cross".into(),
    }
}

fn journal_lines() -> Vec<String> {
    let mut p = Pipeline::with_journal(&PipelineConfig::default(), VecJournal::default());
    let mut v = FakeVenue::new().with_mark("ETHUSDT", rust_decimal_macros::dec!(2000));
    let step =
        |p: &mut Pipeline<VecJournal>, v: &mut FakeVenue, i: i64, close: f64, s: &[Action]| {
            let b = bar(i, close);
            v.marks.insert(
                sym("BTCUSDT"),
                price(Decimal::try_from(close).expect("close")),
            );
            v.now = b.open_time;
            let sigs: Vec<Signal> = s.iter().map(|a| signal("BTCUSDT", *a, &b)).collect();
            p.on_bar(&sym("BTCUSDT"), &b, &sigs, v);
            b
        };
    // A wavy market, so every kill-score component takes values inside 0..1.
    let wave = |i: i64| 70_000.0 + 300.0 * (0.3 * i as f64).sin() + 5.0 * i as f64;
    for i in 0..40 {
        step(&mut p, &mut v, i, wave(i), &[]);
    }
    // An entry filled at once (TP/SL placed with the answer), held a while, then closed.
    step(&mut p, &mut v, 40, 70_400.0, &[Action::Buy]);
    for i in 41..50 {
        step(&mut p, &mut v, i, wave(i).min(70_600.0), &[]);
    }
    step(&mut p, &mut v, 50, 70_300.0, &[Action::Close]);
    // An entry filled after its answer (TP/SL placed on the fill), an exit clipped to the venue.
    v.defer_market = true;
    step(&mut p, &mut v, 52, 70_600.0, &[Action::Buy]);
    let entry = v
        .open
        .iter()
        .find(|o| o.order_type == crate::order::OrderType::Market);
    let entry = entry.map(|o| o.order_id).expect("a deferred entry");
    v.fill_market(entry);
    let b = step(&mut p, &mut v, 53, 70_700.0, &[]);
    v.defer_market = false;
    let recorded = [
        r#"{"symbol": "BTCUSDT", "action": "SELL", "reduce_only": true, "qty": "5"}"#,
        r#"{"symbol": "BTCUSDT", "action": "BUY"}"#,
        r#"{"symbol": "ETHUSDT", "action": "BUY", "qty": "0.001"}"#,
    ]
    .map(|l| IntentPayload::from_json(l).expect("json"));
    p.on_recorded_intents(&sym("BTCUSDT"), &b, &recorded, &mut v);
    v.fail_positions = true;
    step(&mut p, &mut v, 54, 70_800.0, &[Action::Buy]);
    let (_, _, journal) = p.into_parts();
    journal.lines
}

#[test]
fn the_journal_lines_are_the_pinned_ones() {
    let lines = journal_lines();
    if std::env::var_os("PIN_JOURNAL").is_some() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/src/stages/testdata/journal_pinned.jsonl"
        );
        std::fs::write(path, lines.join("\n") + "\n").expect("write the pinned lines");
    }
    let pinned: Vec<&str> = PINNED.lines().collect();
    assert_eq!(lines.len(), pinned.len());
    for (k, (got, want)) in lines.iter().zip(&pinned).enumerate() {
        assert_eq!(got, want, "line {k}");
    }
}
