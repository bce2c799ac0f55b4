//! Recorded trades inside a bar: the order of events the data shows, where the bar alone
//! cannot. A bar that reaches orders on both sides of its open (a take-profit above and a
//! stop-loss below, a limit and a stop, ...) says nothing of which was reached first; the
//! symbol's recorded trades (Binance's aggTrades) do. When a symbol has them, such a bar's path
//! is its open followed by every trade price inside it, in time order, and the orders fill in
//! the order that path reaches them; the bar is counted as decided by data
//! ([`crate::SimExchange::intrabar_bars_by_data`]). Bars reaching one side only keep the
//! four-point path (the order among same-side orders is the price order either way), so the
//! trades are read only where they change an answer.
//! The same works with finer bars inside a coarser bar (a dataset built with `sim data
//! resample`): each finer bar gives four prices, and when a single finer bar reaches orders on
//! both sides, the rule decides after all ([`TradePrices::unit`]).
//! The trades must agree with the bar: if they do not reach every order the bar reaches (a
//! trade file of another market, or a gap in it), the bar falls back to the rule and counts
//! as decided by the rule.
//! Must never live here: reading trade files (that is `datasets::agg_trades`), fill prices
//! (`fills`).

use std::fmt;
use std::sync::Arc;

use crate::error::SimError;
use crate::exchange::SimExchange;
use crate::schedule::SymId;

/// A symbol's recorded trade prices, by time.
pub trait TradePrices: Send + Sync {
    /// The prices traded from `from` to `to` (ms, both inclusive), in time order; empty when
    /// none were recorded.
    fn between(&self, from: i64, to: i64) -> &[f64];

    /// How many consecutive prices make one unit whose inner order is itself a guess: 1 for
    /// trades; 4 for finer bars given as open, extreme, extreme, close. When the first order
    /// reached above the open and the first below it fall in one unit, the data cannot tell
    /// them apart and the rule decides.
    fn unit(&self) -> usize {
        1
    }
}

/// A shared handle to a symbol's recorded trades (one copy for every run of a sweep).
#[derive(Clone)]
pub struct TradeTape(pub Arc<dyn TradePrices>);

impl fmt::Debug for TradeTape {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TradeTape")
    }
}

impl SimExchange {
    /// Gives `sym` its recorded trades: from then on a bar of it that reaches orders on both
    /// sides of its open is resolved along them (see the module doc).
    pub fn set_trades(&mut self, sym: SymId, trades: TradeTape) -> Result<(), SimError> {
        let s = self
            .syms
            .get_mut(sym.index())
            .ok_or(SimError::UnknownSymbolId(sym.0))?;
        s.trades = Some(trades);
        Ok(())
    }
}
