//! The kline websocket and feed against `serve` on 127.0.0.1:0: closed bars arrive in
//! order; after the server drops the socket, the feed reconnects and backfills from REST, so
//! every bar arrives exactly once.

mod support;

use std::sync::mpsc::channel;
use std::time::{Duration, Instant};

use live::stream::{Backoff, KlineFeed, KlineSocket, stream_url};
use pipeline::Interval;
use serve::Faults;
use support::serve::{btc, client, set_faults, start, step};

const MINUTE: i64 = 60_000;

#[test]
fn bars_arrive_once_each_across_a_dropped_socket() {
    let server = start(Faults::default());
    let c = client(&server);
    c.sync_time().expect("time");
    let ws = format!("ws://{}/ws", server.addr());
    // The next socket that opens is closed after 3 messages.
    set_faults(
        &server,
        &Faults {
            ws_drop_after: Some(3),
            ..Faults::default()
        },
    );
    let (tx, rx) = channel();
    let backoff = Backoff {
        // Slow enough that the market moves on while the socket is down.
        initial: Duration::from_millis(800),
        max: Duration::from_secs(1),
        idle_timeout: Duration::from_secs(10),
    };
    let socket = KlineSocket::spawn(stream_url(&ws, &btc(), Interval::M1), btc(), backoff, tx)
        .expect("socket");
    let mut feed = KlineFeed::new(rx, c.clone(), Interval::M1, vec![socket])
        .with_retry_every(Duration::from_millis(20));
    // The last warm-up bar is the feed's starting point.
    let history = c
        .klines(&btc(), Interval::M1, None, None, 5)
        .expect("history");
    let last = history.last().expect("a warm-up bar").open_time;
    feed.resume_after(&btc(), last);
    // Let the socket connect before the market moves.
    std::thread::sleep(Duration::from_millis(300));
    let mut got = Vec::new();
    let collect = |feed: &mut KlineFeed, until: usize, got: &mut Vec<i64>| {
        let deadline = Instant::now() + Duration::from_secs(15);
        while got.len() < until && Instant::now() < deadline {
            if let Some((s, bar)) = feed.next_bar(Duration::from_millis(100)) {
                assert_eq!(s, btc());
                got.push(bar.open_time.as_ms());
            }
        }
    };
    // Three bars on the first socket, which the server then closes.
    step(&server, 3);
    collect(&mut feed, 3, &mut got);
    // Four bars while the socket is down (only the REST backfill can deliver them), then five
    // more on the new socket.
    step(&server, 4);
    collect(&mut feed, 7, &mut got);
    step(&server, 5);
    collect(&mut feed, 12, &mut got);
    let want: Vec<i64> = (1..=12).map(|i| last.as_ms() + i * MINUTE).collect();
    assert_eq!(got, want, "stats {:?}", feed.stats());
    let st = feed.stats();
    assert!(st.reconnects >= 1, "{st:?}");
    assert!(st.backfilled >= 1, "{st:?}");
}
