//! Funding payments of a live session: read from the account's `FUNDING_FEE` income while a
//! position is held (and once more after the last one closes), each payment reported once, as
//! the simulator reports its own, so a session's trades carry their funding like a backtest's.
//! Must never live here: HTTP (the venue calls the client) or funding arithmetic.

use std::collections::{BTreeMap, BTreeSet};

use pipeline::Symbol;
use pipeline::order::Side;
use pipeline::venue::{Fill, VenueEvent};
use rust_decimal::Decimal;
use tracing::warn;

use binance::IncomeRow;

/// What the venue knows about funding so far.
#[derive(Debug, Default)]
pub(super) struct FundingWatch {
    /// The signed position of each symbol, from the fills seen.
    held: BTreeMap<Symbol, Decimal>,
    /// Read income from this time on (inclusive): the first fill's execution time, then the
    /// latest payment's. Both are the exchange's own clock, whatever the local one says.
    since: Option<i64>,
    /// Every position closed since the last read: read once more (a payment at the closing
    /// instant is listed after the fill).
    after_close: bool,
    /// Transaction ids already reported.
    seen: BTreeSet<i64>,
}

impl FundingWatch {
    pub fn on_fill(&mut self, f: &Fill) {
        self.since.get_or_insert(f.time.as_ms());
        let signed = match f.side {
            Side::Buy => f.qty.get(),
            Side::Sell => -f.qty.get(),
        };
        *self.held.entry(f.symbol.clone()).or_default() += signed;
        if self.is_flat() {
            self.after_close = true;
        }
    }

    fn is_flat(&self) -> bool {
        self.held.values().all(Decimal::is_zero)
    }

    /// Where to read from, when a read is due.
    pub fn due(&self) -> Option<i64> {
        self.since.filter(|_| !self.is_flat() || self.after_close)
    }

    /// The payments among `rows` not reported before, as funding events, oldest first.
    pub fn take(&mut self, rows: &[IncomeRow]) -> Vec<VenueEvent> {
        self.after_close = false;
        let mut out = Vec::new();
        let mut rows: Vec<&IncomeRow> = rows.iter().collect();
        rows.sort_by_key(|r| (r.time, r.tran_id));
        for r in rows {
            if !self.seen.insert(r.tran_id) {
                continue;
            }
            match r.to_funding() {
                Ok(e) => {
                    self.since = Some(self.since.map_or(r.time, |s| s.max(r.time)));
                    out.push(e);
                }
                Err(e) => warn!(tran_id = r.tran_id, error = %e, "income row skipped"),
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use pipeline::{Price, Qty, TimestampMs};

    use super::*;

    fn fill(side: Side, qty: i64, t: i64) -> Fill {
        Fill {
            order_id: 1,
            client_order_id: "sim-x".into(),
            symbol: Symbol::new("BTCUSDT").expect("symbol"),
            side,
            qty: Qty::new(Decimal::new(qty, 3)).expect("qty"),
            price: Price::new(Decimal::from(70_000)).expect("price"),
            fee: Decimal::ZERO,
            is_maker: false,
            realized_pnl: Decimal::ZERO,
            time: TimestampMs(t),
        }
    }

    fn row(tran_id: i64, t: i64, cents: i64) -> IncomeRow {
        IncomeRow::funding(tran_id, "BTCUSDT", Decimal::new(cents, 2), TimestampMs(t))
    }

    #[test]
    fn reads_while_held_and_once_after_closing_each_payment_once() {
        let mut w = FundingWatch::default();
        assert_eq!(w.due(), None, "nothing held yet");
        w.on_fill(&fill(Side::Buy, 10, 1_000));
        assert_eq!(w.due(), Some(1_000));
        let got = w.take(&[row(7, 2_000, -5), row(6, 1_500, -4)]);
        assert_eq!(got.len(), 2);
        assert!(matches!(got[0], VenueEvent::Funding { time, .. } if time == TimestampMs(1_500)));
        assert_eq!(w.due(), Some(2_000));
        assert!(w.take(&[row(7, 2_000, -5)]).is_empty(), "reported once");
        w.on_fill(&fill(Side::Sell, 10, 3_000));
        assert_eq!(w.due(), Some(2_000), "one more read after the close");
        assert_eq!(w.take(&[row(8, 3_000, -1)]).len(), 1);
        assert_eq!(w.due(), None);
    }
}
