//! Round trips from fills: a trade opens when a symbol's position leaves zero and closes when
//! it returns to zero (a reversal closes one trade and opens the next). Net PnL = realised PnL
//! of its fills - their fees + funding received while it was open.
//! Must never live here: fill rules (the exchange's) or metrics (the reports').

use std::collections::BTreeMap;

use pipeline::Symbol;
use pipeline::venue::{Fill, VenueEvent};
use rust_decimal::Decimal;
use serde::Serialize;

/// One closed (or, at the end of a run, still open) round trip.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Trade {
    pub symbol: Symbol,
    /// "LONG" or "SHORT".
    pub side: &'static str,
    pub entry_time: i64,
    pub exit_time: Option<i64>,
    pub entry_price: Decimal,
    pub exit_price: Option<Decimal>,
    /// Largest absolute size held.
    pub max_qty: Decimal,
    pub realized_pnl: Decimal,
    pub fees: Decimal,
    pub funding: Decimal,
    pub net_pnl: Decimal,
    pub liquidated: bool,
}

impl Trade {
    /// A trade opened by fill `f`, long when `signed` (the position it opens) is positive.
    fn open_at(f: &Fill, signed: Decimal, max_qty: Decimal) -> Self {
        Trade {
            symbol: f.symbol.clone(),
            side: if signed > Decimal::ZERO {
                "LONG"
            } else {
                "SHORT"
            },
            entry_time: f.time.as_ms(),
            exit_time: None,
            entry_price: f.price.get(),
            exit_price: None,
            max_qty,
            realized_pnl: Decimal::ZERO,
            fees: Decimal::ZERO,
            funding: Decimal::ZERO,
            net_pnl: Decimal::ZERO,
            liquidated: false,
        }
    }
}

#[derive(Debug, Default)]
struct Open {
    position: Decimal,
    trade: Option<Trade>,
}

/// Builds trades from the venue's events in order.
#[derive(Debug, Default)]
pub struct TradeBook {
    open: BTreeMap<Symbol, Open>,
    closed: Vec<Trade>,
}

impl TradeBook {
    pub fn on_event(&mut self, e: &VenueEvent) {
        match e {
            VenueEvent::Fill(f) => self.on_fill(f),
            VenueEvent::Funding { symbol, amount, .. } => {
                if let Some(t) = self.open.get_mut(symbol).and_then(|o| o.trade.as_mut()) {
                    t.funding += *amount;
                }
            }
            VenueEvent::Liquidation { symbol, .. } => {
                if let Some(t) = self.open.get_mut(symbol).and_then(|o| o.trade.as_mut()) {
                    t.liquidated = true;
                }
            }
            VenueEvent::OrderUpdate(_) => {}
        }
    }

    fn on_fill(&mut self, f: &Fill) {
        let o = self.open.entry(f.symbol.clone()).or_default();
        let signed = f.qty.get() * f.side.sign();
        let before = o.position;
        let after = before + signed;
        let t = o
            .trade
            .get_or_insert_with(|| Trade::open_at(f, signed, Decimal::ZERO));
        t.realized_pnl += f.realized_pnl;
        t.fees += f.fee;
        t.max_qty = t.max_qty.max(after.abs());
        o.position = after;
        let crossed = before != Decimal::ZERO
            && (after == Decimal::ZERO || after.is_sign_negative() != before.is_sign_negative());
        if crossed && let Some(mut done) = o.trade.take() {
            done.exit_time = Some(f.time.as_ms());
            done.exit_price = Some(f.price.get());
            done.net_pnl = done.realized_pnl - done.fees + done.funding;
            self.closed.push(done);
            if after != Decimal::ZERO {
                // A reversal: the rest opens the next trade at this fill.
                o.trade = Some(Trade::open_at(f, after, after.abs()));
            }
        }
    }

    /// Closed trades, then trades still open at the end (exit fields empty).
    pub fn finish(mut self) -> Vec<Trade> {
        for o in self.open.into_values() {
            if let Some(mut t) = o.trade {
                t.net_pnl = t.realized_pnl - t.fees + t.funding;
                self.closed.push(t);
            }
        }
        self.closed
    }
}
