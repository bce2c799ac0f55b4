//! Quiet bars: bars of one symbol that change nothing at the exchange but its clock and the
//! symbol's kept bar, so a run loop can pass many of them at once instead of calling
//! [`SimExchange::on_bar`] for each.
//!
//! A bar is quiet when [`SimExchange::on_bar`] would take its idle branch: no order pending or
//! in flight, no account-level check every bar, no resting trigger, liquidation level or
//! funding time reached, and no exchange-info change due. Passing a run of quiet bars
//! ([`SimExchange::pass_quiet`]) leaves the exchange exactly as feeding them one by one would.
//! [`QuietAccount`] gives the equity curve's point at each of those closes, bit for bit what
//! [`SimExchange::equity_f64`] returns after each bar. The bars must come from a validated
//! series (see [`SimExchange::quiet_bars`]): a bad bar is only refused by `on_bar`.
//!
//! Must never live here: fills, triggers, funding or liquidation logic (a bar that needs any of
//! them is not quiet and goes through `on_bar`).

use pipeline::{Bar, BarColumns};

use crate::exchange::{SimExchange, keep_bar, valid_prices};
use crate::read::upnl_f64;
use crate::schedule::SymId;

/// What a bar must stay inside to be quiet.
#[derive(Clone, Copy)]
struct Limits {
    down_max: f64,
    up_min: f64,
    liq_down: f64,
    liq_up: f64,
    /// Bars opening at or after this reach a funding time or an exchange-info change.
    open_before: i64,
}

impl Limits {
    /// `on_bar`'s tests for a bar after `previous_open`: a bar failing any of them goes
    /// through `on_bar` (which reports a bad bar as its error).
    fn quiet(&self, t: i64, previous_open: i64, bar: [f64; 4]) -> bool {
        let [open, high, low, close] = bar;
        valid_prices(open, high, low, close)
            && t > previous_open
            && t < self.open_before
            && self.untouched(high, low, close)
    }

    /// No resting trigger and no liquidation level reached: `on_bar`'s busy tests negated,
    /// with `&` so a run of bars is tested with one branch per bar. (The prices of a valid
    /// bar are numbers; a NaN level would only make the bar go through `on_bar`.)
    #[inline(always)]
    fn untouched(&self, high: f64, low: f64, close: f64) -> bool {
        (low > self.down_max)
            & (high < self.up_min)
            & (close > self.liq_down)
            & (close < self.liq_up)
    }
}

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
    /// it is now. 0 when the symbol is busy whatever the bar: an order pending or in flight,
    /// events not yet read, levels not yet refreshed, or a position in another symbol (the
    /// equity then depends on more than this symbol's close).
    ///
    /// `bars` must hold a validated series' invariants (a `datasets` `BarSeries` does: open
    /// times strictly increase, and `0 < low <= open, close <= high`, all finite). The first
    /// bar is checked against the exchange as `on_bar` checks it; after it, only the levels
    /// and the clock are tested, reading three price columns and no open time per bar.
    pub fn quiet_bars(&self, sym: SymId, bars: &BarColumns<'_>, from: usize, to: usize) -> usize {
        let i = sym.index();
        let Some(h) = self.hot.get(i) else {
            return 0;
        };
        if h.pending
            || h.every_bar
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
        // `on_bar`'s clock tests (funding due, exchange info changing) as one open-time bound:
        // `t + interval - 1 < horizon`.
        let horizon = h.next_funding.min(self.next_version_at);
        let limits = Limits {
            down_max: h.down_max,
            up_min: h.up_min,
            liq_down: h.liq_down,
            liq_up: h.liq_up,
            open_before: horizon.saturating_sub(self.interval_ms - 1),
        };
        let first = [
            bars.opens[from],
            bars.highs[from],
            bars.lows[from],
            bars.closes[from],
        ];
        if !limits.quiet(bars.open_times[from], h.last_open, first) {
            return 0;
        }
        // The open times increase: the clock bound is an index, found by bisection.
        let end =
            from + 1 + bars.open_times[from + 1..to].partition_point(|&t| t < limits.open_before);
        // The validated series' invariants, checked in debug builds only.
        debug_assert!((from + 1..end).all(|k| {
            bars.open_times[k] > bars.open_times[k - 1]
                && valid_prices(bars.opens[k], bars.highs[k], bars.lows[k], bars.closes[k])
        }));
        let (highs, lows, closes) = (
            &bars.highs[from + 1..end],
            &bars.lows[from + 1..end],
            &bars.closes[from + 1..end],
        );
        1 + highs
            .iter()
            .zip(lows)
            .zip(closes)
            .take_while(|&((&high, &low), &close)| limits.untouched(high, low, close))
            .count()
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
            keep_bar(&mut h.bar, last);
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
