//! Round trips from fills: a trade opens when a symbol's position leaves zero and closes when
//! it returns to zero (a reversal closes one trade and opens the next). Net PnL = realised PnL
//! of its fills - their fees + funding received while it was open. A trade closed by the
//! exchange's liquidation order (client id `autoclose-...`, as Binance names them) is marked
//! liquidated.
//! Must never live here: fill rules (the exchange's) or metrics (the reports').

use std::collections::BTreeMap;

use pipeline::Symbol;
use pipeline::stages::executor::{STOP_LOSS_SUFFIX, TAKE_PROFIT_SUFFIX};
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
    /// What closed it: `order` (an exit the pipeline sent), `take_profit`, `stop_loss` (its
    /// protective orders, named with the executor's suffixes) or `liquidation`; `None`
    /// while open.
    pub exit_by: Option<&'static str>,
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
            exit_by: None,
        }
    }
}

#[derive(Debug, Default)]
struct Open {
    position: Decimal,
    trade: Option<Trade>,
}

/// Binance's client order id prefix of liquidation orders.
const LIQUIDATION_PREFIX: &str = "autoclose-";

/// What a fill's order was, from its client order id.
fn closed_by(client_order_id: &str) -> &'static str {
    if client_order_id.starts_with(LIQUIDATION_PREFIX) {
        "liquidation"
    } else if client_order_id.ends_with(TAKE_PROFIT_SUFFIX) {
        "take_profit"
    } else if client_order_id.ends_with(STOP_LOSS_SUFFIX) {
        "stop_loss"
    } else {
        "order"
    }
}

/// The trades of a run from its fills and its funding and liquidation events (each in venue
/// order). At equal times funding comes first: it is charged on the position held at the
/// funding time, before any fill of the bar that opens then.
pub fn from_history(fills: &[Fill], account: &[VenueEvent]) -> Vec<Trade> {
    let mut book = TradeBook::default();
    let mut account = account.iter().peekable();
    for f in fills {
        while let Some(e) = account.next_if(|e| event_time(e) <= f.time.as_ms()) {
            book.on_event(e);
        }
        book.on_fill(f);
    }
    account.for_each(|e| book.on_event(e));
    book.finish()
}

fn event_time(e: &VenueEvent) -> i64 {
    match e {
        VenueEvent::Fill(f) => f.time.as_ms(),
        VenueEvent::OrderUpdate(o) => o.update_time.as_ms(),
        VenueEvent::Funding { time, .. } | VenueEvent::Liquidation { time, .. } => time.as_ms(),
    }
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
        if f.client_order_id.starts_with(LIQUIDATION_PREFIX) {
            t.liquidated = true;
        }
        t.realized_pnl += f.realized_pnl;
        t.fees += f.fee;
        t.max_qty = t.max_qty.max(after.abs());
        o.position = after;
        let crossed = before != Decimal::ZERO
            && (after == Decimal::ZERO || after.is_sign_negative() != before.is_sign_negative());
        if crossed && let Some(mut done) = o.trade.take() {
            done.exit_time = Some(f.time.as_ms());
            done.exit_price = Some(f.price.get());
            done.exit_by = Some(closed_by(&f.client_order_id));
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

#[cfg(test)]
mod tests {
    use pipeline::order::Side;
    use pipeline::{Price, Qty, TimestampMs};

    use super::*;

    fn fill(side: Side, qty: i64, price: i64, t: i64, client: &str, pnl: i64) -> Fill {
        Fill {
            order_id: t,
            client_order_id: client.into(),
            symbol: Symbol::new("BTCUSDT").expect("symbol"),
            side,
            qty: Qty::new(Decimal::new(qty, 3)).expect("qty"),
            price: Price::new(Decimal::from(price)).expect("price"),
            fee: Decimal::ONE,
            is_maker: false,
            realized_pnl: Decimal::from(pnl),
            time: TimestampMs(t),
        }
    }

    fn funding(amount: i64, t: i64) -> VenueEvent {
        VenueEvent::Funding {
            symbol: Symbol::new("BTCUSDT").expect("symbol"),
            rate: Decimal::new(1, 4),
            amount: Decimal::from(amount),
            time: TimestampMs(t),
        }
    }

    #[test]
    fn funding_goes_to_the_trade_open_at_the_funding_time_and_counts_in_net_pnl() {
        let fills = [
            fill(Side::Buy, 10, 100, 0, "a", 0),
            fill(Side::Sell, 10, 110, 200, "b", 100),
            fill(Side::Sell, 10, 110, 300, "c", 0),
            fill(Side::Buy, 10, 100, 400, "d", 100),
        ];
        // -3 at t=100 (the long pays), +5 at t=300, the instant the short opens: funding at a
        // fill's time is charged first, on the flat position, so it belongs to no trade.
        let history = [funding(-3, 100), funding(5, 300), funding(7, 350)];
        let trades = from_history(&fills, &history);
        assert_eq!(trades.len(), 2);
        assert_eq!(trades[0].funding, Decimal::from(-3));
        assert_eq!(trades[0].net_pnl, Decimal::from(100 - 2 - 3));
        assert_eq!(trades[1].side, "SHORT");
        assert_eq!(trades[0].exit_by, Some("order"));
        assert_eq!(trades[1].funding, Decimal::from(7));
        assert_eq!(trades[1].net_pnl, Decimal::from(100 - 2 + 7));
    }

    #[test]
    fn a_trade_closed_by_the_liquidation_order_is_marked_liquidated() {
        let fills = [
            fill(Side::Buy, 10, 100, 0, "a", 0),
            fill(Side::Sell, 10, 60, 100, "autoclose-100", -400),
            fill(Side::Buy, 10, 60, 200, "b", 0),
            fill(Side::Sell, 10, 70, 300, "c", 100),
        ];
        let trades = from_history(&fills, &[]);
        assert!(trades[0].liquidated);
        assert_eq!(trades[0].exit_by, Some("liquidation"));
        assert!(!trades[1].liquidated);
        assert_eq!(trades[1].exit_by, Some("order"));
    }
}

#[cfg(test)]
mod exit_tests {
    use super::closed_by;

    #[test]
    fn the_closing_fill_names_what_ended_the_trade() {
        assert_eq!(closed_by("sim-621251c1fb74b720-tp"), "take_profit");
        assert_eq!(closed_by("sim-621251c1fb74b720-sl"), "stop_loss");
        assert_eq!(closed_by("autoclose-1767228840000"), "liquidation");
        assert_eq!(closed_by("sim-621251c1fb74b720"), "order");
    }
}
