//! Quiet bars: bars of one symbol that change nothing at the exchange but its clock and the
//! symbol's kept bar, so a run loop can pass many of them at once instead of calling
//! [`SimExchange::on_bar`] for each.
//!
//! A bar is quiet when [`SimExchange::on_bar`] would take its idle branch (the same test,
//! `needs_work` in `exchange.rs`: no order pending or in flight, no account-level check every
//! bar, no resting trigger, liquidation level or funding time reached) and no exchange-info
//! change is due. Passing a run of quiet bars
//! ([`SimExchange::pass_quiet`]) leaves the exchange exactly as feeding them one by one would.
//! [`QuietAccount`] gives the equity curve's point at each of those closes, bit for bit what
//! [`SimExchange::equity_f64`] returns after each bar. The bars must come from a validated
//! series (see [`SimExchange::quiet_bars`]): a bad bar is only refused by `on_bar`.
//!
//! Must never live here: fills, triggers, funding or liquidation logic (a bar that needs any of
//! them is not quiet and goes through `on_bar`).

use pipeline::{Bar, BarColumns};

use crate::exchange::{SimExchange, valid_prices};
use crate::read::upnl_f64;
use crate::schedule::SymId;

/// The account while bars are quiet: it changes only at fills, funding and liquidations, none
/// of which a quiet bar brings.
#[derive(Debug, Clone, Copy)]
pub struct QuietAccount {
    wallet: f64,
    /// The symbol's signed size and signed cost, when it holds a position.
    position: Option<(f64, f64)>,
}

impl QuietAccount {
    /// The equity at the symbol's `close`, as [`SimExchange::equity_f64`] computes it.
    #[inline]
    pub fn equity_at(&self, close: f64) -> f64 {
        let mut upnl = 0.0;
        if let Some((amt, cost)) = self.position {
            upnl += upnl_f64(amt, close, cost);
        }
        self.wallet + upnl
    }

    /// Whether a position is open (as [`SimExchange::has_open_position`]).
    pub fn in_market(&self) -> bool {
        self.position.is_some()
    }
}

impl SimExchange {
    /// How many bars of `sym` from index `from` (before `to`) are quiet, given the exchange as
    /// it is now. 0 when the symbol is busy whatever the bar: events not yet read, levels not
    /// yet refreshed, or a position in another symbol (the equity then depends on more than
    /// this symbol's close).
    ///
    /// `bars` must hold a validated series' invariants (a `datasets` `BarSeries` does: open
    /// times strictly increase, and `0 < low <= open, close <= high`, all finite). The first
    /// bar is checked against the exchange as `on_bar` checks it; after it, each bar is asked
    /// only `on_bar`'s own test (`needs_work`) and whether the exchange info changes at its
    /// close, reading its open time, high, low and close.
    pub fn quiet_bars(&self, sym: SymId, bars: &BarColumns<'_>, from: usize, to: usize) -> usize {
        let i = sym.index();
        let Some(&h) = self.hot.get(i) else {
            return 0;
        };
        if h.has_mark
            || self.dirty
            || self.orders_dirty
            || !self.events.is_empty()
            || self.open_syms.iter().any(|&j| j != i)
        {
            return 0;
        }
        let to = to.min(bars.len());
        if from >= to {
            return 0;
        }
        let (interval_ms, version_at) = (self.interval_ms, self.next_version_at);
        // `on_bar` would only move the clock and keep the bar, and the clock does not reach an
        // exchange-info change.
        let quiet = |open_time: i64, high: f64, low: f64, close: f64| {
            let close_time = open_time + interval_ms - 1;
            !h.needs_work(close_time, high, low, close) & (close_time < version_at)
        };
        let t = bars.open_times[from];
        let (open, high, low, close) = (
            bars.opens[from],
            bars.highs[from],
            bars.lows[from],
            bars.closes[from],
        );
        // A bad first bar goes through `on_bar`, which reports it.
        if !(valid_prices(open, high, low, close) && t > h.last_open && quiet(t, high, low, close))
        {
            return 0;
        }
        let rest = from + 1..to;
        let more = bars.open_times[rest.clone()]
            .iter()
            .zip(&bars.highs[rest.clone()])
            .zip(&bars.lows[rest.clone()])
            .zip(&bars.closes[rest])
            .take_while(|&(((&t, &high), &low), &close)| quiet(t, high, low, close))
            .count();
        // The validated series' invariants, checked in debug builds only.
        debug_assert!((from + 1..from + 1 + more).all(|k| {
            bars.open_times[k] > bars.open_times[k - 1]
                && valid_prices(bars.opens[k], bars.highs[k], bars.lows[k], bars.closes[k])
        }));
        1 + more
    }

    /// Passes quiet bars of `sym` ending with `last`: the clock moves to `last`'s close time
    /// and `last` becomes the symbol's kept bar. Only for bars [`Self::quiet_bars`] counted.
    pub fn pass_quiet(&mut self, sym: SymId, last: &Bar) {
        let close_time = last.open_time.0 + self.interval_ms - 1;
        if close_time > self.now {
            self.now = close_time;
        }
        if let Some(h) = self.hot.get_mut(sym.index()) {
            h.last_open = last.open_time.0;
            h.bar = *last;
            h.mark = last.close;
        }
    }

    /// The account as quiet bars of `sym` see it (see [`Self::quiet_bars`] for when they are).
    pub fn quiet_account(&self, sym: SymId) -> QuietAccount {
        let i = sym.index();
        let position = self
            .open_syms
            .contains(&i)
            .then(|| (self.hot[i].amt_f64, self.hot[i].cost_f64));
        QuietAccount {
            wallet: self.wallet_f64,
            position,
        }
    }
}
