//! `ENV@history` resolved from snapshots a test saves in a temporary store.

use super::*;
use rust_decimal::Decimal;

const DAY: i64 = 86_400_000;
/// The shipped testnet snapshot's serverTime: 2026-01-01 00:00 UTC.
const T0: i64 = 1_767_225_600_000;

fn save(store: &Path, server_time: i64, btc_min: &str, drop: &[&str]) -> Snapshot {
    crate::exchange_info_store::test_fixture::save_testnet_variant(
        store,
        server_time,
        btc_min,
        drop,
    )
    .expect("saved")
}

/// Three snapshots: day 0 as shipped; day 4 BTCUSDT's MIN_NOTIONAL 5000 and ETHUSDT gone;
/// day 8 ETHUSDT back and the minimum at 100 again.
fn three(store: &Path) {
    save(store, T0, "100", &[]);
    save(store, T0 + 4 * DAY, "5000", &["ETHUSDT"]);
    save(store, T0 + 8 * DAY, "100", &[]);
}

fn btc_min(r: &ResolvedSchedule, t: i64) -> Decimal {
    r.schedule
        .spec_at("BTCUSDT", TimestampMs(t), false)
        .expect("listed")
        .min_notional
}

#[test]
fn every_snapshot_applies_from_its_server_time_and_the_oldest_also_before() {
    let store = tempfile::tempdir().expect("tmp");
    three(store.path());
    let r = resolve_schedule_in(store.path(), "testnet@history").expect("history");
    assert_eq!(
        r.name,
        "testnet@history..2026-01-09T00-00-00Z (3 snapshots 2026-01-01..2026-01-09)"
    );
    assert_eq!(r.schedule.versions().len(), 3);
    assert_eq!(
        btc_min(&r, T0 - 365 * DAY),
        Decimal::from(100),
        "before the history"
    );
    assert_eq!(btc_min(&r, T0 + 4 * DAY - 1), Decimal::from(100));
    assert_eq!(
        btc_min(&r, T0 + 4 * DAY),
        Decimal::from(5000),
        "from its server time"
    );
    assert_eq!(btc_min(&r, T0 + 8 * DAY), Decimal::from(100));
    let eth = |t: i64| r.schedule.spec_at("ETHUSDT", TimestampMs(t), false);
    assert!(eth(T0).is_some() && eth(T0 + 5 * DAY).is_none() && eth(T0 + 9 * DAY).is_some());
    assert!(r.single().is_none());

    let lines = r.version_lines();
    assert_eq!(lines.len(), 3, "{lines:?}");
    assert!(
        lines[0].contains("testnet@2026-01-01T00-00-00Z: 13 symbols, from the start"),
        "{lines:?}"
    );
    assert!(
        lines[1].contains(
            "12 symbols, from 2026-01-05 00:00 UTC; delisted ETHUSDT; filters changed BTCUSDT"
        ),
        "{lines:?}"
    );
    assert!(
        lines[2].contains("listed ETHUSDT; filters changed BTCUSDT"),
        "{lines:?}"
    );
}

#[test]
fn the_line_says_where_the_history_starts_and_warns_when_the_newest_is_stale() {
    let store = tempfile::tempdir().expect("tmp");
    three(store.path());
    let r = resolve_schedule_in(store.path(), "testnet@history").expect("history");
    let fresh = r.describe(T0 + 9 * DAY);
    assert!(
        fresh.contains("3 snapshots of testnet fetched from http://127.0.0.1:1"),
        "{fresh}"
    );
    assert!(
        fresh.contains(
            "the history starts at 2026-01-01 00:00 UTC (13 symbols), bars before it use that oldest snapshot"
        ),
        "{fresh}"
    );
    assert!(!fresh.contains("days old"), "{fresh}");
    // 31 days after the newest (day 8), though 39 after the oldest.
    let stale = r.describe(T0 + 39 * DAY);
    assert!(
        stale.contains(
            "the newest is of 2026-01-09 00:00 UTC (13 symbols), 31 days old, refresh it with `sim exchange-info fetch testnet`"
        ),
        "{stale}"
    );
    assert!(!r.describe(T0 + 38 * DAY).contains("days old"));
    assert!(r.start_note(T0).is_none());
    let early = r.start_note(T0 - DAY).expect("data before the history");
    assert!(
        early.contains(
            "2025-12-31 00:00 UTC, before the oldest testnet snapshot (2026-01-01 00:00 UTC)"
        ),
        "{early}"
    );
}

#[test]
fn a_history_can_be_pinned_to_end_at_a_stamp() {
    let store = tempfile::tempdir().expect("tmp");
    three(store.path());
    let r = resolve_schedule_in(store.path(), "testnet@history..2026-01-05").expect("pinned");
    assert_eq!(
        r.name,
        "testnet@history..2026-01-05T00-00-00Z (2 snapshots 2026-01-01..2026-01-05)"
    );
    assert_eq!(
        btc_min(&r, T0 + 30 * DAY),
        Decimal::from(5000),
        "the newest kept stays"
    );
    // The name it gives asks for the same snapshots again.
    let pin = r.name.split(' ').next().expect("name");
    let again = resolve_schedule_in(store.path(), pin).expect("again");
    assert_eq!(again.name, r.name);
    let none = resolve_schedule_in(store.path(), "testnet@history..2025").expect_err("none");
    assert!(
        format!("{none:#}").contains("`sim exchange-info history testnet`"),
        "{none:#}"
    );
}

#[test]
fn no_snapshots_is_an_error_naming_the_folder_and_the_fetch() {
    let store = tempfile::tempdir().expect("tmp");
    let e = resolve_schedule_in(store.path(), "demo@history").expect_err("none");
    let text = format!("{e:#}");
    let dir = store.path().join("history").join("demo");
    assert!(text.contains(&dir.display().to_string()), "{text}");
    assert!(text.contains("`sim exchange-info fetch demo`"), "{text}");
}

#[test]
fn one_snapshot_is_a_history_too_and_other_names_are_one_info_for_all_time() {
    let store = tempfile::tempdir().expect("tmp");
    save(store.path(), T0, "100", &[]);
    let r = resolve_schedule_in(store.path(), "testnet@history").expect("one");
    assert_eq!(
        r.name,
        "testnet@history..2026-01-01T00-00-00Z (1 snapshot 2026-01-01)"
    );
    let shipped = resolve_schedule_in(store.path(), "mainnet@shipped").expect("shipped");
    assert_eq!(shipped.name, "mainnet@shipped");
    assert_eq!(shipped.schedule.versions().len(), 1);
    assert!(shipped.version_lines().is_empty());
    assert!(shipped.start_note(0).is_none());
    let single = shipped.single().expect("single");
    assert_eq!(shipped.describe(T0), single.describe(T0));
}

#[test]
fn commands_taking_one_exchange_info_refuse_a_history_and_say_what_to_use() {
    assert!(is_history_name("mainnet@history"));
    assert!(is_history_name("testnet@history..2026-12"));
    assert!(!is_history_name("testnet@historyx"));
    assert!(!is_history_name("mine@history"));
    let e = super::super::resolve("testnet@history").expect_err("one info only");
    let text = format!("{e:#}");
    assert!(
        text.contains("use testnet (the newest snapshot) or testnet@<stamp>"),
        "{text}"
    );
    assert!(!text.contains("  "), "one line, no runs of spaces: {text}");
}
