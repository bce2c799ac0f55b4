//! The load generator (`examples/serve_load`) run briefly against an in-process server:
//! 4 clients placing and cancelling orders (and every 5th round a MARKET order) see no error,
//! and afterwards no order is left open and the position, trades and wallet agree with the
//! fills. The throughput figures themselves are measured with the optimised build (README).

#[path = "../examples/serve_load/load.rs"]
mod load;

use std::sync::Arc;
use std::time::Duration;

#[test]
fn four_clients_place_and_cancel_without_error_and_leave_a_consistent_state() {
    let server = load::in_process_server().expect("server starts");
    let cfg = load::LoadConfig {
        base: server.base_url(),
        key: "load-key".into(),
        secret: "load-secret".into(),
        symbol: "BTCUSDT".into(),
        clients: 4,
        duration: Duration::from_millis(1500),
        market_every: 5,
    };
    let probe = load::Caller::new(Arc::new(cfg.clone())).expect("caller");
    let before = load::wallet(&probe).expect("wallet");
    let report = load::run(cfg).expect("the load runs");
    println!("{}", report.summary());
    assert_eq!(report.error_count, 0, "{:?}", report.errors);
    assert!(report.orders >= 20, "{}", report.summary());
    assert!(report.latency(0.99) >= report.latency(0.5));
    assert!(
        report.net_filled.abs() < 1.0,
        "alternating MARKET orders: {}",
        report.net_filled
    );
    let problems = load::check_state(&probe, "BTCUSDT", &report, before).expect("state reads");
    assert!(problems.is_empty(), "{problems:#?}");
}
