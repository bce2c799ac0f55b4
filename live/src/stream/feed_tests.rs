use std::sync::Mutex;
use std::sync::mpsc::channel;

use super::*;
use pipeline::{Notional, Price, Qty};
use rust_decimal::Decimal;

const STEP: i64 = 60_000;

fn kline(i: i64) -> Kline {
    let p = Price::new(Decimal::from(100 + i)).expect("price");
    Kline {
        open_time: TimestampMs(i * STEP),
        open: p,
        high: p,
        low: p,
        close: p,
        volume: Qty::ZERO,
        close_time: TimestampMs(i * STEP + STEP - 1),
        quote_volume: Notional::ZERO,
        trades: 0,
        taker_buy_volume: Qty::ZERO,
        taker_buy_quote_volume: Notional::ZERO,
        ignore: "0".into(),
    }
}

/// REST with klines 0..=upto, failing the first `fail` calls; counts calls.
struct FakeRest {
    upto: Mutex<i64>,
    fail: Mutex<u32>,
    calls: Mutex<u32>,
}

impl FakeRest {
    fn new(upto: i64, fail: u32) -> Arc<Self> {
        Arc::new(FakeRest {
            upto: Mutex::new(upto),
            fail: Mutex::new(fail),
            calls: Mutex::new(0),
        })
    }
}

impl KlineSource for FakeRest {
    fn closed_since(
        &self,
        _: &Symbol,
        _: Interval,
        from: TimestampMs,
    ) -> Result<Vec<Kline>, VenueError> {
        *self.calls.lock().expect("lock") += 1;
        let mut fail = self.fail.lock().expect("lock");
        if *fail > 0 {
            *fail -= 1;
            return Err(VenueError::Unavailable("down".into()));
        }
        let upto = *self.upto.lock().expect("lock");
        // Pages of 3, so the feed must paginate.
        Ok((from.as_ms() / STEP..=upto).take(3).map(kline).collect())
    }
}

fn sym() -> Symbol {
    Symbol::new("BTCUSDT").expect("symbol")
}

/// Every bar the feed hands out over 20 short waits.
fn drain(feed: &mut KlineFeed) -> Vec<i64> {
    let mut out = Vec::new();
    for _ in 0..20 {
        if let Some((_, b)) = feed.next_bar(Duration::from_millis(2)) {
            out.push(b.open_time.as_ms() / STEP);
        }
    }
    out
}

fn feed(rx: std::sync::mpsc::Receiver<StreamEvent>, rest: Arc<FakeRest>) -> KlineFeed {
    KlineFeed::new(rx, rest, Interval::M1, Vec::new()).with_retry_every(Duration::ZERO)
}

#[test]
fn duplicates_are_dropped_and_gaps_backfilled_in_order() {
    let (tx, rx) = channel();
    let rest = FakeRest::new(20, 0);
    let mut feed = feed(rx, rest);
    let s = sym();
    tx.send(StreamEvent::Connected(s.clone())).expect("send");
    for i in [1, 2, 2, 1, 9, 10, 10] {
        tx.send(StreamEvent::Closed(s.clone(), kline(i)))
            .expect("send");
    }
    let got = drain(&mut feed);
    assert_eq!(got, (1..=10).collect::<Vec<_>>());
    let st = feed.stats();
    assert_eq!(st.duplicates, 3);
    assert_eq!(st.backfilled, 6);
    assert_eq!(st.from_stream, 4);
}

#[test]
fn a_reconnect_backfills_to_the_latest_closed_kline() {
    let (tx, rx) = channel();
    let rest = FakeRest::new(7, 0);
    let mut feed = feed(rx, rest);
    let s = sym();
    feed.resume_after(&s, TimestampMs(2 * STEP));
    tx.send(StreamEvent::Connected(s.clone())).expect("send");
    tx.send(StreamEvent::Disconnected(s.clone(), "x".into()))
        .expect("send");
    tx.send(StreamEvent::Connected(s.clone())).expect("send");
    // The stream then repeats a bar the backfill already delivered, and goes on.
    tx.send(StreamEvent::Closed(s.clone(), kline(7)))
        .expect("send");
    tx.send(StreamEvent::Closed(s.clone(), kline(8)))
        .expect("send");
    assert_eq!(drain(&mut feed), vec![3, 4, 5, 6, 7, 8]);
    assert_eq!(feed.stats().reconnects, 1);
    assert_eq!(feed.stats().duplicates, 1);
}

#[test]
fn a_failed_backfill_holds_the_bar_instead_of_leaving_a_gap() {
    let (tx, rx) = channel();
    let rest = FakeRest::new(10, 2);
    let mut feed = feed(rx, rest.clone());
    let s = sym();
    feed.resume_after(&s, TimestampMs(3 * STEP));
    tx.send(StreamEvent::Closed(s.clone(), kline(6)))
        .expect("send");
    assert_eq!(drain(&mut feed), vec![4, 5, 6]);
    assert!(*rest.calls.lock().expect("lock") >= 3);
}

#[test]
fn a_gap_the_venue_cannot_fill_is_released_after_some_tries() {
    let (tx, rx) = channel();
    let rest = FakeRest::new(3, 0);
    let mut feed = feed(rx, rest);
    let s = sym();
    feed.resume_after(&s, TimestampMs(3 * STEP));
    tx.send(StreamEvent::Closed(s.clone(), kline(6)))
        .expect("send");
    assert_eq!(drain(&mut feed), vec![6]);
}
