//! The mark price from recorded mark-price klines. Binance marks positions at the mark price
//! (an index-based fair price), not the last trade: unrealised PnL, margin, the liquidation
//! check and funding use it, while fills use the trade price. Without mark data the exchange
//! marks at the trade klines' close (the crate doc's rule 15). With a symbol's mark-price bars
//! ([`SimExchange::set_mark_prices`]):
//! - the mark after a bar is the mark bar's close (PnL, margin, equity, funding at a
//!   settlement inside or at the end of the bar);
//! - liquidation happens when the mark bar reaches the liquidation price anywhere inside the
//!   bar (its low for a long, its high for a short), at that price, or at the mark bar's open
//!   when it opened beyond it; a trade-price wick beyond it alone liquidates nothing;
//! - a bar without a mark bar (a hole in the mark file) is marked at the trade close and
//!   counted ([`SimExchange::mark_bars_missing`]);
//! - a STOP_MARKET / TAKE_PROFIT_MARKET with `workingType=MARK_PRICE` triggers when the mark
//!   bar's path (open, extremes in the order `config.intrabar` gives, close) reaches its stop,
//!   and fills as a market order at the trade price: the stop when the trade bar traded there,
//!   else the trade bar's extreme nearest to it (the trade open when the mark opened beyond
//!   the stop). Without a mark bar it triggers on the trade prices, as a `CONTRACT_PRICE`
//!   order does. `-2021` (would trigger immediately) is judged against the mark.
//!
//! Such a symbol never takes the quiet-bar path: every bar goes through `on_bar`'s full work.
//! Must never live here: reading mark-price files (that is `datasets::mark_price`).

use std::fmt;
use std::sync::Arc;

use crate::error::SimError;
use crate::exchange::SimExchange;
use crate::schedule::SymId;

/// One mark-price bar.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MarkBar {
    pub open: f64,
    pub high: f64,
    pub low: f64,
    pub close: f64,
}

/// A symbol's recorded mark-price bars, by open time.
pub trait MarkPrices: Send + Sync {
    /// The mark bar that opened at `open_time` (ms), if recorded.
    fn bar(&self, open_time: i64) -> Option<MarkBar>;
}

/// A shared handle to a symbol's mark-price bars (one copy for every run of a sweep).
#[derive(Clone)]
pub struct MarkTape(pub Arc<dyn MarkPrices>);

impl fmt::Debug for MarkTape {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("MarkTape")
    }
}

impl SimExchange {
    /// Gives `sym` its recorded mark-price bars: from then on it is marked, liquidated and
    /// charged funding at the mark (see the module doc).
    pub fn set_mark_prices(&mut self, sym: SymId, marks: MarkTape) -> Result<(), SimError> {
        let i = sym.index();
        let s = self
            .syms
            .get_mut(i)
            .ok_or(SimError::UnknownSymbolId(sym.0))?;
        s.marks = Some(marks);
        self.hot[i].has_mark = true;
        Ok(())
    }

    /// The path of the current bar's mark bar of symbol `i`, when it has one.
    pub(crate) fn mark_path(&self, i: usize) -> Option<[f64; 4]> {
        let m = self.syms[i].mark_bar?;
        Some(self.path_through(i, m.open, m.high, m.low, m.close))
    }

    /// Bars so far of symbols with mark-price bars that had none (marked at the trade close).
    pub fn mark_bars_missing(&self) -> u64 {
        self.mark_missing
    }
}
