//! Recorded mark prices into the simulated exchange: a symbol whose series carries the
//! dataset's mark-price klines (`datasets::mark_price`) is marked, liquidated and charged
//! funding at the mark (`exchange_sim::mark`); fills keep the trade price. The series is
//! shared, not copied.
//! Must never live here: reading files (that is `datasets`), the marking itself.

use std::sync::Arc;

use anyhow::Context;
use datasets::{BarSeries, MarkSeries};
use exchange_sim::{MarkBar, MarkPrices, MarkTape, SimExchange};

/// A dataset's mark series as the exchange reads it.
struct Marks(Arc<MarkSeries>);

impl MarkPrices for Marks {
    fn bar(&self, open_time: i64) -> Option<MarkBar> {
        let (open, high, low, close) = self.0.bar(open_time)?;
        Some(MarkBar {
            open,
            high,
            low,
            close,
        })
    }
}

/// The mark bars of `series` as the exchange takes them, if it has recorded mark prices.
pub fn tape_of(series: &BarSeries) -> Option<MarkTape> {
    let marks = series.marks()?;
    Some(MarkTape(Arc::new(Marks(Arc::clone(marks)))))
}

/// Gives every symbol of `series` with recorded mark prices its mark bars.
pub fn attach(exchange: &mut SimExchange, series: &[&BarSeries]) -> anyhow::Result<()> {
    for s in series {
        let (Some(tape), Some(id)) = (tape_of(s), exchange.symbol_id(s.symbol().as_str())) else {
            continue;
        };
        exchange
            .set_mark_prices(id, tape)
            .with_context(|| format!("the mark prices of {}", s.symbol()))?;
    }
    Ok(())
}
