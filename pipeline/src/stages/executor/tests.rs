//! Executor tests: the reports' MIN_NOTIONAL case (F3) before the venue, upsizing, symbol
//! availability (F5), venue rejections with Binance's code, TP/SL placement.

use rust_decimal_macros::dec;

use super::*;
use crate::domain::TimestampMs;
use crate::exchange_info::Environment;
use crate::reason::Evidence;
use crate::stages::bridge::IntentBridge;
use crate::stages::config::GovernorConfig;
use crate::stages::governor::Governor;
use crate::stages::journal::{NullJournal, VecJournal};
use crate::stages::payload::IntentPayload;
use crate::stages::permit::PermitGate;
use crate::stages::test_venue::FakeVenue;

fn permitted(json: &str, venue: &mut FakeVenue) -> PermittedPlan {
    let p = IntentPayload::from_json(json).expect("json");
    let Outcome::Pass(plan) = IntentBridge::default()
        .plan_recorded(&p, 1, TimestampMs(0), None, &*venue)
        .outcome
    else {
        panic!("bridge dropped {json}");
    };
    let gov = GovernorConfig {
        enabled: false,
        ..GovernorConfig::default()
    };
    let Outcome::Pass(governed) = Governor::new(gov).govern(plan) else {
        panic!("governor")
    };
    let snap = venue.position_amounts();
    match PermitGate
        .check(governed, snap.as_deref(), Decimal::ZERO, None)
        .outcome
    {
        Outcome::Pass(p) => p,
        Outcome::Drop(d) => panic!("permit dropped: {d:?}"),
    }
}

fn executor(allow_upsize: bool, max_position_usd: Decimal) -> Executor {
    let cfg = ExecutorConfig {
        allow_upsize,
        ..ExecutorConfig::default()
    };
    Executor::new(cfg, max_position_usd)
}

const REPORT_ORDER: &str =
    r#"{"symbol": "BTCUSDT", "action": "SELL", "qty": "0.001", "source": "intent_bridge"}"#;

#[test]
fn f3_0_001_btc_at_70610_is_blocked_before_the_venue() {
    let mut venue = FakeVenue::new().with_mark("BTCUSDT", dec!(70610));
    let plan = permitted(REPORT_ORDER, &mut venue);
    let out = executor(false, dec!(500)).execute(&plan, &mut venue, &mut NullJournal);
    let d = out.outcome.dropped().expect("blocked");
    assert_eq!(d.reason(), Reason::NotionalBelowMin);
    assert_eq!(d.detail(), "BTCUSDT, 70.61 < 100");
    assert_eq!(d.binance().map(|r| r.code), Some(-4164));
    let Evidence::Notional { numbers, .. } = d.evidence() else {
        panic!("{d:?}")
    };
    assert_eq!(
        (numbers.notional.get(), numbers.min_notional),
        (dec!(70.610), dec!(100))
    );
    assert!(!out.sent);
    assert!(
        venue.placed.is_empty(),
        "the venue saw {} orders",
        venue.placed.len()
    );
}

#[test]
fn allow_upsize_lifts_to_0_002_unless_it_passes_max_position_usd() {
    let mut venue = FakeVenue::new().with_mark("BTCUSDT", dec!(70610));
    let plan = permitted(REPORT_ORDER, &mut venue);
    let out = executor(true, dec!(500)).execute(&plan, &mut venue, &mut NullJournal);
    let r = out.outcome.passed().expect("executed");
    assert_eq!(
        (r.qty().get(), r.filled_qty().get(), r.upsized()),
        (dec!(0.002), dec!(0.002), true)
    );
    assert_eq!(out.notional.map(|n| n.get()), Some(dec!(141.220)));
    assert_eq!(venue.placed.len(), 1);
    assert_eq!(venue.amt("BTCUSDT"), dec!(-0.002));

    let mut venue = FakeVenue::new().with_mark("BTCUSDT", dec!(70610));
    let plan = permitted(REPORT_ORDER, &mut venue);
    let out = executor(true, dec!(120)).execute(&plan, &mut venue, &mut NullJournal);
    let d = out.outcome.dropped().expect("refused");
    assert_eq!(d.reason(), Reason::NotionalBelowMin);
    assert!(
        d.detail()
            .ends_with("upsizing to 0.002 would need 141.22 USD > max_position_usd 120"),
        "{}",
        d.detail()
    );
    assert!(venue.placed.is_empty());
}

#[test]
fn f5_a_symbol_the_venue_does_not_list_is_1121_before_the_venue() {
    let mut venue = FakeVenue::on(Environment::Testnet).with_mark("WAVESUSDT", dec!(1.5));
    let plan = permitted(
        r#"{"symbol": "WAVESUSDT", "action": "BUY", "qty": "149.756", "price": "1.5"}"#,
        &mut venue,
    );
    let out = executor(false, dec!(500)).execute(&plan, &mut venue, &mut NullJournal);
    let d = out.outcome.dropped().expect("blocked");
    assert_eq!(d.reason(), Reason::SymbolNotAvailable);
    assert_eq!(
        d.binance().map(|r| (r.code, r.msg.as_str())),
        Some((-1121, "Invalid symbol."))
    );
    assert!(venue.placed.is_empty());
}

#[test]
fn venue_refusals_carry_binances_code_and_message() {
    let mut venue = FakeVenue::new().with_mark("BTCUSDT", dec!(70000));
    venue.reject_next = Some(Reject::margin_insufficient());
    let plan = permitted(
        r#"{"symbol": "BTCUSDT", "action": "BUY", "qty": "0.005"}"#,
        &mut venue,
    );
    let mut journal = VecJournal::default();
    let out = executor(false, dec!(500)).execute(&plan, &mut venue, &mut journal);
    let d = out.outcome.dropped().expect("rejected");
    assert_eq!(d.reason(), Reason::VenueRejected);
    assert_eq!(d.binance().map(|r| r.code), Some(-2019));
    assert_eq!(d.detail(), "-2019 Margin is insufficient.");
    assert!(out.sent);
    let answers = journal.of_kind("venue_answer");
    assert_eq!(answers.len(), 1);
    assert_eq!(answers[0]["error"]["Rejected"]["code"], -2019);
    assert_eq!(journal.of_kind("order").len(), 1);

    venue.unknown_next = true;
    let plan = permitted(
        r#"{"symbol": "BTCUSDT", "action": "BUY", "qty": "0.005"}"#,
        &mut venue,
    );
    let out = executor(false, dec!(500)).execute(&plan, &mut venue, &mut NullJournal);
    assert_eq!(out.outcome.reason(), Some(Reason::VenueOutcomeUnknown));
}

#[test]
fn source_allowlist_and_position_limit() {
    let mut venue = FakeVenue::new().with_mark("BTCUSDT", dec!(70000));
    // The allowlist names plan producers: the signal's own source is not what is matched.
    let plan = permitted(
        r#"{"symbol": "BTCUSDT", "action": "BUY", "qty": "0.005", "source": "manual"}"#,
        &mut venue,
    );
    let bridge_allowed = ExecutorConfig {
        source_allowlist: vec!["apply_layer".into(), "intent_bridge".into()],
        ..ExecutorConfig::default()
    };
    let out = Executor::new(bridge_allowed, dec!(500)).execute(&plan, &mut venue, &mut NullJournal);
    assert!(out.outcome.is_pass(), "{:?}", out.outcome.dropped());
    let manual_named = ExecutorConfig {
        source_allowlist: vec!["manual".into(), "p33".into()],
        ..ExecutorConfig::default()
    };
    let out = Executor::new(manual_named, dec!(500)).execute(&plan, &mut venue, &mut NullJournal);
    assert_eq!(out.outcome.reason(), Some(Reason::SourceNotAllowed));
    let detail = out.outcome.dropped().map(|d| d.detail().to_string());
    assert!(
        detail.as_deref().is_some_and(
            |d| d.contains("producer 'intent_bridge'") && d.contains("signal source 'manual'")
        ),
        "{detail:?}"
    );
    let placed = venue.placed.len();
    let plan = permitted(
        r#"{"symbol": "BTCUSDT", "action": "BUY", "qty": "0.010", "leverage": "1"}"#,
        &mut venue,
    );
    let out = executor(false, dec!(500)).execute(&plan, &mut venue, &mut NullJournal);
    assert_eq!(
        out.outcome.reason(),
        Some(Reason::PositionLimitExceeded),
        "700 USD of margin > 500"
    );
    assert_eq!(venue.placed.len(), placed, "no order for the blocked plans");
}

#[test]
fn entries_get_reduce_only_tp_and_sl_on_the_tick() {
    let mut venue = FakeVenue::new().with_mark("BTCUSDT", dec!(71000));
    let plan = permitted(
        r#"{"symbol": "BTCUSDT", "action": "BUY", "position_usd": "300", "leverage": "2", "tp_pct": "2", "sl_pct": "1"}"#,
        &mut venue,
    );
    let out = executor(false, dec!(500)).execute(&plan, &mut venue, &mut NullJournal);
    let r = out.outcome.passed().expect("executed");
    assert_eq!(r.filled_qty().get(), dec!(0.008));
    assert_eq!(
        venue
            .leverage
            .get(&crate::stages::test_venue::sym("BTCUSDT")),
        Some(&2)
    );
    let legs: Vec<_> = r
        .protective()
        .iter()
        .map(|p| (p.order_type, p.stop_price.to_string(), p.order_id.is_some()))
        .collect();
    assert_eq!(
        legs,
        [
            (OrderType::StopMarket, "70290.00".to_string(), true),
            (OrderType::TakeProfitMarket, "72420.00".to_string(), true)
        ]
    );
    assert!(
        venue
            .open
            .iter()
            .all(|o| o.reduce_only && o.side == Side::Sell && o.orig_qty.get() == dec!(0.008))
    );
}

#[test]
fn client_ids_are_sim_plan_id_and_the_leg_suffix() {
    let plan = crate::SharedText::from("00ff");
    assert_eq!(client_id(&plan, ""), "sim-00ff");
    assert_eq!(client_id(&plan, TAKE_PROFIT_SUFFIX), "sim-00ff-tp");
    assert_eq!(client_id(&plan, STOP_LOSS_SUFFIX), "sim-00ff-sl");
    let longest = crate::SharedText::from("0123456789abcdef");
    assert!(client_id(&longest, STOP_LOSS_SUFFIX).is_inline());
}
