//! The preflight check over exchange info that changes while the data runs.

use super::*;
use pipeline::exchange_info::{Environment, snapshot};

/// 2025-06-01 00:00 UTC: when the mainnet version (which lists SUIUSDT) starts.
const T1: i64 = 1_748_736_000_000;
const DAY: i64 = 86_400_000;

fn testnet_then_mainnet() -> InfoSchedule {
    InfoSchedule::new(vec![
        (
            TimestampMs(i64::MIN),
            snapshot(Environment::Testnet).expect("testnet"),
        ),
        (
            TimestampMs(T1),
            snapshot(Environment::Mainnet).expect("mainnet"),
        ),
    ])
    .expect("schedule")
}

fn sui(from_ms: i64, to_ms: i64) -> PriceRange {
    PriceRange {
        symbol: "SUIUSDT".into(),
        low: 3.0,
        high: 4.0,
        from_ms,
        to_ms,
    }
}

fn f5(findings: &[Finding]) -> Vec<&str> {
    findings
        .iter()
        .filter(|f| f.failure == "F5")
        .map(|f| f.message.as_str())
        .collect()
}

#[test]
fn a_symbol_listed_while_the_data_runs_is_warned_with_the_time() {
    let spec = crate::config::load(None, &[]).expect("defaults");
    let rules = testnet_then_mainnet();
    let across = check(&spec, &rules, "h", &[sui(T1 - DAY, T1 + DAY)]);
    let msgs = f5(&across);
    assert_eq!(msgs.len(), 1, "{msgs:?}");
    assert!(
        msgs[0].contains(
            "SUIUSDT is listed in exchange info 'h' only part of the time: not listed at the start, listed at 2025-06-01 00:00 UTC"
        ),
        "{msgs:?}"
    );
    // Data wholly before the change: one version in force, the plain finding.
    let before = check(&spec, &rules, "h", &[sui(T1 - 2 * DAY, T1 - DAY)]);
    assert_eq!(
        f5(&before),
        [
            "SUIUSDT is not listed in exchange info 'h': every order for it will be refused \
          (-1121 Invalid symbol.); remove it from the universe or use an exchange info that lists it"
        ]
    );
    // Wholly after it: listed all along.
    assert!(f5(&check(&spec, &rules, "h", &[sui(T1, T1 + DAY)])).is_empty());
    // One info for all time gives the finding it always gave.
    let one = InfoSchedule::single(snapshot(Environment::Testnet).expect("testnet"));
    assert_eq!(
        f5(&check(&spec, &one, "h", &[sui(T1, T1 + DAY)])),
        f5(&before)
    );
}
