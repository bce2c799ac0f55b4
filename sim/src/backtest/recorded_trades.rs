//! Recorded trades into the simulated exchange: a symbol whose series carries the dataset's
//! aggTrades (`datasets::agg_trades`), or the finer bars it was built from
//! (`datasets::resample`), has a bar that reaches orders on both sides of its open resolved
//! along them (`exchange_sim::intrabar`), not by `exchange.intrabar`; trades win over finer
//! bars. Both are shared, not copied: every point of a sweep reads the same data.
//! Must never live here: reading files (that is `datasets`), the matching itself.

use std::sync::Arc;

use anyhow::Context;
use datasets::resample::FinePath;
use datasets::{BarSeries, TradeTape};
use exchange_sim::{SimExchange, TradePrices};

/// A dataset's trade tape as the exchange reads it.
struct Tape(Arc<TradeTape>);

impl TradePrices for Tape {
    fn between(&self, from: i64, to: i64) -> &[f64] {
        self.0.between(from, to)
    }
}

/// The finer bars' path as the exchange reads it: four prices a bar.
struct Fine(Arc<FinePath>);

impl TradePrices for Fine {
    fn between(&self, from: i64, to: i64) -> &[f64] {
        self.0.between(from, to)
    }

    fn unit(&self) -> usize {
        4
    }
}

/// The recorded trades (else the finer bars) of `series` as the exchange takes them.
pub fn tape_of(series: &BarSeries) -> Option<exchange_sim::TradeTape> {
    let data: Arc<dyn TradePrices> = match (series.trades(), series.fine()) {
        (Some(tape), _) => Arc::new(Tape(Arc::clone(tape))),
        (None, Some(fine)) => Arc::new(Fine(Arc::clone(fine))),
        (None, None) => return None,
    };
    Some(exchange_sim::TradeTape(data))
}

/// Gives every symbol of `series` with recorded trades (or finer bars) its tape.
pub fn attach(exchange: &mut SimExchange, series: &[&BarSeries]) -> anyhow::Result<()> {
    for s in series {
        let (Some(shared), Some(id)) = (tape_of(s), exchange.symbol_id(s.symbol().as_str())) else {
            continue;
        };
        exchange
            .set_trades(id, shared)
            .with_context(|| format!("the recorded trades of {}", s.symbol()))?;
    }
    Ok(())
}
