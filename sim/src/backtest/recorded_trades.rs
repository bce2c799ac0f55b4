//! Recorded trades into the simulated exchange: a symbol whose series carries the dataset's
//! aggTrades (`datasets::agg_trades`) has a bar that reaches orders on both sides of its open
//! resolved along those trades (`exchange_sim::intrabar`), not by `exchange.intrabar`. The
//! tape is shared, not copied: every point of a sweep reads the same trades.
//! Must never live here: reading files (that is `datasets`), the matching itself.

use std::sync::Arc;

use anyhow::Context;
use datasets::{BarSeries, TradeTape};
use exchange_sim::{SimExchange, TradePrices};

/// A dataset's trade tape as the exchange reads it.
struct Tape(Arc<TradeTape>);

impl TradePrices for Tape {
    fn between(&self, from: i64, to: i64) -> &[f64] {
        self.0.between(from, to)
    }
}

/// Gives every symbol of `series` with recorded trades its tape.
pub fn attach(exchange: &mut SimExchange, series: &[&BarSeries]) -> anyhow::Result<()> {
    for s in series {
        let (Some(tape), Some(id)) = (s.trades(), exchange.symbol_id(s.symbol().as_str())) else {
            continue;
        };
        let shared = exchange_sim::TradeTape(Arc::new(Tape(Arc::clone(tape))));
        exchange
            .set_trades(id, shared)
            .with_context(|| format!("the recorded trades of {}", s.symbol()))?;
    }
    Ok(())
}
