//! Issue 24, item 4: a session that falls behind the exchange's clock. When two bars close
//! before the session reads the first, the MARKET entry it sends on the first fills only at the
//! exchange's next step, so it is still unfilled when the session reads the second bar. The
//! permit used to let an opposite ENTRY through then: both filled in one step and their TP/SL
//! were refused (-2022). An order in flight now holds back the next plan of its symbol.
//!
//! Deterministic: `sim serve`'s step clock, advanced two bars at a time, each pair a cross up
//! then a cross down of `sma_cross` 2/5.

use std::time::{Duration, Instant};

use crate::crash_cycles::{KEY, SECRET, TOML, start, wait_line};
use crate::support::{Sandbox, btc_serve_config, get_json, post_json, read_json};

const WARMUP: usize = 60;
/// The pattern repeats every 12 bars: a slow fall (the fast average under the slow one), then
/// a jump up (a BUY) and a deep fall (a SELL).
const CYCLE: i64 = 12;

fn close(i: i64) -> f64 {
    match i.rem_euclid(CYCLE) {
        10 => 70_700.0,
        11 => 67_000.0,
        k => 68_990.0 - 10.0 * k as f64,
    }
}

fn server() -> ::serve::ServerHandle {
    let mut cfg = btc_serve_config(KEY, SECRET, 20.0, |i| (close(i - 1), close(i)));
    // Warm-up ends just before a pair, so every step of two bars below is (jump, fall).
    cfg.warmup_steps = WARMUP;
    cfg.weight_limit = 1_000_000;
    cfg.order_limits = (1_000_000, 1_000_000);
    // The scenario is an order in flight across a step: `sim serve --market-fill next_open`
    // (serve's default fills MARKET orders at once, so nothing would be in flight).
    cfg.sim.market_fill = exchange_sim::MarketFill::NextOpen;
    ::serve::Server::start(cfg).expect("server")
}

#[test]
fn a_session_behind_the_exchange_never_sends_a_plan_over_an_order_in_flight() {
    let server = server();
    let base = server.base_url();
    let sb = Sandbox::new();
    std::fs::write(sb.path("live.toml"), TOML).expect("config");
    // Flat bars up to the first pair, then the pairs, each two bars in one step, each followed
    // by single steps (the last pair's entry fills and is read before the session stops).
    let pairs = 4;
    let first_pair = (CYCLE * 2 - 2 - WARMUP as i64).rem_euclid(CYCLE) as usize;
    let mut steps = vec![1; first_pair];
    for _ in 0..pairs {
        steps.push(2);
        steps.extend(std::iter::repeat_n(1, CYCLE as usize - 2));
    }
    let total: usize = steps.iter().sum();
    let bars = total.to_string();
    let (mut child, rx) = start(&sb, &base, "behind", &["--bars", &bars]);
    let mut seen = String::new();
    assert!(wait_line(&rx, "start: ", &mut seen), "{seen}");
    let deadline = Instant::now() + Duration::from_secs(20);
    while get_json(&server, "/sim/state")["klineSubscribers"].as_u64() < Some(1) {
        assert!(
            Instant::now() < deadline,
            "the session never subscribed\n{seen}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    // After each step, wait until the session has read its bars.
    let mut read = 0;
    for n in steps {
        let answer = post_json(&server, &format!("/sim/step?bars={n}"), "");
        assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
        read += n;
        let target = read;
        let mut got = seen
            .lines()
            .filter(|l| l.contains(" BTCUSDT close "))
            .count();
        while got < target {
            if !wait_line(&rx, "", &mut seen) {
                break;
            }
            got = seen
                .lines()
                .filter(|l| l.contains(" BTCUSDT close "))
                .count();
        }
    }
    let finished = seen.contains("stopped: ") || wait_line(&rx, "stopped: ", &mut seen);
    let status = child.wait().expect("session ends");
    let stderr = std::fs::read_to_string(sb.path("behind.stderr")).unwrap_or_default();
    let log = format!("{seen}--- stderr\n{stderr}");
    assert!(finished && status.success(), "{log}");

    let funnel = std::fs::read_to_string(sb.path("behind/funnel.txt")).expect("funnel");
    let orders = std::fs::read_to_string(sb.path("behind/orders.jsonl")).expect("journal");
    // Two entries filled in one step left each other's TP/SL nothing to reduce (-2022). (The
    // fall after each jump does pass the long's stop before it fills, so its SL is refused as
    // would-trigger, -2021, as Binance refuses it: the market's doing, not this test's.)
    let refused: Vec<&str> = orders
        .lines()
        .filter(|l| l.contains("\"code\":-2022"))
        .collect();
    assert!(
        refused.is_empty(),
        "reduce-only refused: {refused:#?}\n{funnel}\n{log}"
    );
    let permit_entry = funnel
        .lines()
        .find(|l| l.starts_with("permit    ENTRY"))
        .expect("permit row");
    assert!(
        permit_entry.contains("order_in_flight"),
        "the SELL right after each BUY waits for the BUY's fill:\n{funnel}\n{log}"
    );
    // The ledger's last position is the exchange's.
    let last = seen
        .lines()
        .filter(|l| l.contains(" BTCUSDT close "))
        .filter_map(|l| l.rsplit(" position ").next())
        .filter_map(|p| p.trim().parse::<rust_decimal::Decimal>().ok())
        .next_back()
        .expect("bars printed");
    let summary = read_json(&sb.path("behind/summary.json"));
    let venue: rust_decimal::Decimal = summary["venue_positions_at_end"]
        .as_array()
        .expect("positions read")
        .iter()
        .filter_map(|p| {
            p["position_amt"]
                .as_str()?
                .parse::<rust_decimal::Decimal>()
                .ok()
        })
        .sum();
    assert_eq!(last, venue, "{funnel}\n{log}");
    server.stop();
}
