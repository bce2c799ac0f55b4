//! Funding: when it is charged, at what rate, and the payment itself.
//!
//! Without a series, funding happens on a grid of `interval_hours` from 00:00 UTC (default
//! 00:00/08:00/16:00) at the configured constant rate. With a series for a symbol (e.g. from
//! `/fapi/v1/fundingRate` or the public `fundingRate` files), funding happens exactly at the
//! series' times at the series' rates, which also covers 4 h and 1 h symbols.
//! Payment = position size x mark x rate, rounded to 8 decimals; positive rate: longs pay.
//! Only the position held at the funding time pays: a funding time at or before a bar's open
//! is charged before the bar (at the previous close, or the series' mark price when given);
//! one inside a bar (bars longer than the interval) after the bar, at its close.
//! Must never live here: anything that decides fills.

use pipeline::venue::VenueEvent;
use pipeline::{Price, TimestampMs};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::account::round_usdt;
use crate::config::MarginMode;
use crate::convert::bar_decimal;
use crate::error::SimError;
use crate::exchange::SimExchange;
use crate::schedule::SymId;

/// One funding event of a symbol.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FundingRate {
    pub time: TimestampMs,
    pub rate: Decimal,
    /// The mark price Binance used, when known.
    pub mark_price: Option<Price>,
}

#[derive(Debug, Clone, Default)]
pub(crate) struct FundingState {
    pub series: Vec<FundingRate>,
    /// Index of the next series entry to charge.
    pub next: usize,
}

impl SimExchange {
    /// Gives `sym` a funding-rate series (strictly increasing times). Entries at or before the
    /// current clock are skipped.
    pub fn set_funding_rates(
        &mut self,
        sym: SymId,
        rates: Vec<FundingRate>,
    ) -> Result<(), SimError> {
        let i = sym.index();
        let Some(s) = self.syms.get_mut(i) else {
            return Err(SimError::UnknownSymbolId(sym.0));
        };
        if let Some(w) = rates.windows(2).find(|w| w[1].time <= w[0].time) {
            return Err(SimError::Funding {
                symbol: s.symbol.to_string(),
                what: format!(
                    "times must strictly increase, but {} follows {}",
                    w[1].time, w[0].time
                ),
            });
        }
        let now = self.now;
        s.funding.next = rates.partition_point(|r| r.time.0 <= now);
        s.funding.series = rates;
        let h = &mut self.hot[i];
        if h.last_open != i64::MIN {
            h.next_funding = Self::next_time(
                &self.syms[i].funding,
                now,
                self.cfg.funding_interval_ms(),
                self.cfg.funding.enabled,
            );
        }
        Ok(())
    }

    /// The first funding time after `after` (exclusive) for a symbol.
    fn next_time(f: &FundingState, after: i64, interval: i64, enabled: bool) -> i64 {
        if !f.series.is_empty() {
            return f.series.get(f.next).map_or(i64::MAX, |r| r.time.0);
        }
        if !enabled {
            return i64::MAX;
        }
        (after.div_euclid(interval) + 1).saturating_mul(interval)
    }

    /// Sets the first funding time of symbol `i` when its first bar opens at `open`.
    pub(crate) fn init_funding(&mut self, i: usize, open: i64) {
        let interval = self.cfg.funding_interval_ms();
        let f = &mut self.syms[i].funding;
        f.next = f.series.partition_point(|r| r.time.0 < open);
        self.hot[i].next_funding = Self::next_time(
            &self.syms[i].funding,
            open - 1,
            interval,
            self.cfg.funding.enabled,
        );
    }

    /// Charges every funding time of symbol `i` up to and including `upto`, at mark `close`
    /// (a bar price) unless the series gives one.
    pub(crate) fn run_funding(&mut self, i: usize, upto: i64, close: f64) {
        let interval = self.cfg.funding_interval_ms();
        while self.hot[i].next_funding <= upto {
            let t = self.hot[i].next_funding;
            let f = &self.syms[i].funding;
            let (rate, series_mark) = match f.series.get(f.next) {
                Some(r) => (r.rate, r.mark_price.map(Price::get)),
                None => (self.cfg.funding.constant_rate, None),
            };
            if !f.series.is_empty() {
                self.syms[i].funding.next += 1;
            }
            let mark = series_mark.or_else(|| bar_decimal(close));
            if let Some(mark) = mark {
                self.charge_funding(i, t, rate, mark);
            }
            self.hot[i].next_funding =
                Self::next_time(&self.syms[i].funding, t, interval, self.cfg.funding.enabled);
        }
    }

    fn charge_funding(&mut self, i: usize, t: i64, rate: Decimal, mark: Decimal) {
        let s = &mut self.syms[i];
        if s.position.is_flat() {
            return;
        }
        let paid = round_usdt(s.position.amt * mark * rate);
        if s.mode == MarginMode::Isolated {
            s.position.isolated_margin -= paid;
        }
        self.wallet.book_funding(paid);
        let event = VenueEvent::Funding {
            symbol: s.symbol.clone(),
            rate,
            amount: -paid,
            time: TimestampMs(t),
        };
        self.account_history.push(event.clone());
        self.events.push(event);
        self.dirty = true;
    }
}
