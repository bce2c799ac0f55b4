//! Which clock the API speaks ([`TimeBase`]) and how a signed request's `timestamp` is judged
//! on it ([`TimestampCheck`]).
//!
//! - [`TimeBase::Wall`]: `/fapi/v1/time`, order acknowledgements and `E` event times are the
//!   time of day; `timestamp` must lie within `recvWindow` of it (Binance's rule).
//! - [`TimeBase::Dataset`] (`sim serve`'s default): they are the replayed market's time, the
//!   close time of the latest bar the clock has closed (the instant the market stands at until
//!   the next step; it does not run between steps). A client cannot sign with that clock
//!   directly: it syncs once (`GET /fapi/v1/time`, as python-binance, ccxt and freqtrade can)
//!   and then adds its own elapsed time, while the market may run 60 times faster or stand
//!   still. So every server time the API tells a client is remembered as the offset
//!   (wall clock minus server time) it implies ([`SyncOffsets`]), and a timestamp passes when,
//!   read through one of those offsets, it lies within `recvWindow` of the wall clock now:
//!   exactly the check Binance makes of a client whose clock was synced at that moment.
//!   A timestamp of the client's own wall clock, never synced, fails (-1021, saying so).
//!   A client whose own clock follows the market (a bot under libfaketime at the replay's
//!   speed, as the freqtrade end-to-end test runs it) passes too: its timestamp lies within
//!   `recvWindow` before the market's time or inside the bar being replayed (up to one bar
//!   interval plus Binance's 1000 ms after the latest close, since the market's time stands
//!   still between steps while such a clock runs on).
//!
//! Must never live here: what advances the market (`clock`), where the time of day comes
//! from (`wall_clock`).

use std::collections::{BTreeSet, VecDeque};

use pipeline::exchange_info::Reject;

/// The clock the API reports and checks timestamps against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TimeBase {
    /// The replayed market's time (`sim serve --clock dataset`).
    Dataset,
    /// The time of day (`sim serve --clock wall`).
    #[default]
    Wall,
}

/// A signed request's timestamp check.
pub(crate) trait TimestampCheck {
    /// Ok when `timestamp` is within `recv_window` ms before the server's time, and less than
    /// 1000 ms after it; -1021 otherwise.
    fn check_timestamp(&self, timestamp: i64, recv_window: i64) -> Result<(), Reject>;
}

/// The server's time now, on the wall clock.
impl TimestampCheck for i64 {
    fn check_timestamp(&self, timestamp: i64, recv_window: i64) -> Result<(), Reject> {
        if timestamp >= self + 1000 {
            return Err(Reject::timestamp_ahead());
        }
        if self - timestamp > recv_window {
            return Err(Reject::timestamp_outside_recv_window());
        }
        Ok(())
    }
}

/// How many distinct offsets are remembered (the oldest go first).
const MAX_OFFSETS: usize = 4096;

/// The offsets (wall clock minus the server time told) of the server times the API has
/// told clients, at most [`MAX_OFFSETS`].
#[derive(Debug, Default)]
pub(crate) struct SyncOffsets {
    sorted: BTreeSet<i64>,
    order: VecDeque<i64>,
}

impl SyncOffsets {
    /// Remembers that the API told `server_ms` at wall time `wall_ms`.
    pub fn told(&mut self, wall_ms: i64, server_ms: i64) {
        let offset = wall_ms - server_ms;
        if !self.sorted.insert(offset) {
            return;
        }
        self.order.push_back(offset);
        if self.order.len() > MAX_OFFSETS
            && let Some(old) = self.order.pop_front()
        {
            self.sorted.remove(&old);
        }
    }

    /// The check of a request arriving at wall time `wall_ms`.
    pub fn at(&self, wall_ms: i64) -> Synced<'_> {
        Synced {
            offsets: self,
            wall_ms,
            market: None,
        }
    }
}

/// [`SyncOffsets`] at the arrival of a request.
#[derive(Debug)]
pub(crate) struct Synced<'a> {
    offsets: &'a SyncOffsets,
    wall_ms: i64,
    /// The market's time and bar interval, for clients on the market's own clock.
    market: Option<(i64, i64)>,
}

impl Synced<'_> {
    /// Also passes timestamps on the market's clock: at most `recvWindow` before `market_ms`
    /// (the latest close) and less than one bar (`bar_ms`) plus 1000 ms after it.
    pub fn or_on_market_clock(self, market_ms: i64, bar_ms: i64) -> Self {
        Synced {
            market: Some((market_ms, bar_ms)),
            ..self
        }
    }
}

fn not_synced(msg: &str) -> Reject {
    Reject {
        code: -1021,
        msg: format!(
            "{msg} (sim serve runs on the dataset's clock: take the time from GET /fapi/v1/time \
             and add your elapsed time, or start it with --clock wall)"
        ),
    }
}

impl TimestampCheck for Synced<'_> {
    fn check_timestamp(&self, timestamp: i64, recv_window: i64) -> Result<(), Reject> {
        // A fit: an offset o with wall - recvWindow <= timestamp + o < wall + 1000.
        let low = self.wall_ms - recv_window - timestamp;
        let high = self.wall_ms + 1000 - timestamp;
        if self.offsets.sorted.range(low..high).next().is_some() {
            return Ok(());
        }
        if let Some((market_ms, bar_ms)) = self.market
            && (market_ms - recv_window..market_ms + bar_ms + 1000).contains(&timestamp)
        {
            return Ok(());
        }
        match self.offsets.sorted.first() {
            Some(smallest) if *smallest >= high => Err(not_synced(
                "Timestamp for this request was 1000ms ahead of the server's time.",
            )),
            _ => Err(not_synced(
                "Timestamp for this request is outside of the recvWindow.",
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: i64 = 86_400_000;

    #[test]
    fn a_client_synced_once_passes_while_the_market_runs_fast_or_stands_still() {
        let mut offsets = SyncOffsets::default();
        let code = |r: Result<(), Reject>| r.err().map(|r| r.code);
        // Nobody synced: the client's own wall clock is refused, with the reason.
        let wall0 = 1_800_000_000_000;
        let refused = offsets.at(wall0).check_timestamp(wall0, 5000);
        assert_eq!(code(refused.clone()), Some(-1021));
        assert!(
            refused
                .err()
                .is_some_and(|r| r.msg.contains("GET /fapi/v1/time"))
        );
        // The server tells the market's time, a year before the wall clock.
        let market0 = wall0 - 365 * DAY;
        offsets.told(wall0, market0);
        // 30 s of wall time later the market ran 30 bars; the client adds 30 s to what it was
        // told and passes.
        let wall = wall0 + 30_000;
        assert_eq!(
            offsets.at(wall).check_timestamp(market0 + 30_000, 5000),
            Ok(())
        );
        // A stale signature (10 s old) and one ahead are refused as Binance refuses them.
        assert_eq!(
            code(offsets.at(wall).check_timestamp(market0 + 20_000, 5000)),
            Some(-1021)
        );
        let ahead = offsets.at(wall).check_timestamp(market0 + 31_500, 5000);
        assert!(ahead.err().is_some_and(|r| r.msg.contains("ahead")));
        // A second client syncs later, at another market time: both pass.
        offsets.told(wall, market0 + 30 * 60_000);
        assert_eq!(
            offsets
                .at(wall + 100)
                .check_timestamp(market0 + 30_100, 5000),
            Ok(())
        );
        assert_eq!(
            offsets
                .at(wall + 100)
                .check_timestamp(market0 + 30 * 60_000 + 100, 5000),
            Ok(())
        );
    }

    #[test]
    fn a_client_on_the_markets_own_clock_passes_within_the_bar_being_replayed() {
        let code = |r: Result<(), Reject>| r.err().map(|r| r.code);
        let offsets = SyncOffsets::default();
        let wall = 1_800_000_000_000;
        // The latest 1m bar closed at market0; the client's clock (faked at the replay's
        // speed) runs on inside the next bar while the market's time stands still.
        let market0 = wall - 365 * DAY;
        let on_market = || offsets.at(wall).or_on_market_clock(market0, 60_000);
        assert_eq!(on_market().check_timestamp(market0 + 59_000, 5000), Ok(()));
        assert_eq!(on_market().check_timestamp(market0 - 4_000, 5000), Ok(()));
        // Older than recvWindow, or past the bar being replayed: refused.
        assert_eq!(
            code(on_market().check_timestamp(market0 - 6_000, 5000)),
            Some(-1021)
        );
        assert_eq!(
            code(on_market().check_timestamp(market0 + 61_000, 5000)),
            Some(-1021)
        );
        // Without the market's clock, the same timestamp is a never-synced client's.
        assert_eq!(
            code(offsets.at(wall).check_timestamp(market0 + 59_000, 5000)),
            Some(-1021)
        );
    }

    #[test]
    fn the_wall_clock_check_is_binances() {
        let code = |r: Result<(), Reject>| r.err().map(|r| r.code);
        assert_eq!(100_000_i64.check_timestamp(99_000, 5000), Ok(()));
        assert_eq!(code(100_000_i64.check_timestamp(94_999, 5000)), Some(-1021));
        assert_eq!(
            code(100_000_i64.check_timestamp(101_000, 5000)),
            Some(-1021)
        );
    }

    #[test]
    fn offsets_are_bounded() {
        let mut offsets = SyncOffsets::default();
        for k in 0..(MAX_OFFSETS as i64 + 10) {
            offsets.told(k, 0);
        }
        assert_eq!(offsets.sorted.len(), MAX_OFFSETS);
        assert_eq!(offsets.sorted.first(), Some(&10), "the oldest went first");
    }
}
