//! The read side of `SimExchange`: what a backtest loop and the local server read back
//! (clock, marks, specs, positions, fills, events, account totals). Nothing here changes state
//! except draining the event queue.
//! Must never live here: anything that moves money or orders.

use pipeline::exchange_info::SharedSpec;
use pipeline::venue::{Fill, PositionAmount, PositionSnapshot, VenueEvent};
use pipeline::{Bar, Price, Symbol, TimestampMs};
use rust_decimal::Decimal;

use crate::brackets::BracketTable;
use crate::config::{MarginMode, SimConfig};
use crate::exchange::{SimExchange, SymState};
use crate::schedule::{InfoSchedule, SymId};

/// Account totals at one moment.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AccountSnapshot {
    pub time: TimestampMs,
    pub initial_balance: Decimal,
    /// Binance's `walletBalance`: initial + realised - fees - funding + insurance.
    pub wallet_balance: Decimal,
    pub unrealized_pnl: Decimal,
    /// Wallet plus unrealised PnL (Binance's `marginBalance`).
    pub equity: Decimal,
    pub available_balance: Decimal,
    pub maintenance_margin: Decimal,
    pub realized_pnl: Decimal,
    pub fees_paid: Decimal,
    /// Net funding paid (negative: received).
    pub funding_paid: Decimal,
    /// Liquidation losses beyond the margin, absorbed by the insurance fund.
    pub insurance_covered: Decimal,
}

impl SimExchange {
    /// The id of `symbol` (`None`: no exchange-info version lists it).
    pub fn symbol_id(&self, symbol: &str) -> Option<SymId> {
        self.schedule.symbol_id(symbol)
    }

    /// [`SimExchange::symbol_id`] of a `Symbol`, remembering the last answer (the pipeline
    /// asks for the same symbol several times per signal; ids never change for an exchange).
    pub fn id_of(&self, symbol: &Symbol) -> Option<SymId> {
        let (key, id) = self.last_id.get();
        if key == symbol.identity() {
            return id;
        }
        let id = self.schedule.symbol_id(symbol.as_str());
        self.last_id.set((symbol.identity(), id));
        id
    }

    pub fn symbol(&self, sym: SymId) -> Option<&Symbol> {
        self.syms.get(sym.index()).map(|s| &s.symbol)
    }

    pub fn schedule(&self) -> &InfoSchedule {
        &self.schedule
    }

    pub fn config(&self) -> &SimConfig {
        &self.cfg
    }

    /// The clock: the close time of the latest bar fed (`i64::MIN` before the first).
    pub fn now(&self) -> TimestampMs {
        TimestampMs(self.now)
    }

    /// The last trade price of `sym`: its last bar's close (the mark differs from it only with
    /// mark-price bars).
    pub fn last_price(&self, sym: SymId) -> Option<Price> {
        self.close_dec(sym.index()).and_then(|d| Price::new(d).ok())
    }

    /// The mark price of `sym`: its last bar's close, or its mark bar's close.
    pub fn mark(&self, sym: SymId) -> Option<Price> {
        self.mark_dec(sym.index()).and_then(|d| Price::new(d).ok())
    }

    /// The last bar fed for `sym`.
    pub fn last_bar(&self, sym: SymId) -> Option<Bar> {
        self.hot
            .get(sym.index())
            .filter(|h| h.last_open != i64::MIN)
            .map(|h| h.bar)
    }

    /// The spec of `sym` as listed now.
    pub fn spec(&self, sym: SymId) -> Option<SharedSpec> {
        self.spec_now(sym.index())
    }

    pub fn leverage(&self, sym: SymId) -> Option<u32> {
        self.syms.get(sym.index()).map(|s| s.leverage)
    }

    pub fn margin_mode(&self, sym: SymId) -> Option<MarginMode> {
        self.syms.get(sym.index()).map(|s| s.mode)
    }

    pub fn leverage_brackets(&self, sym: SymId) -> Option<&BracketTable> {
        self.syms.get(sym.index()).map(|s| &s.brackets)
    }

    /// Signed position size of `sym` (0 when flat).
    pub fn position_amt(&self, sym: SymId) -> Decimal {
        self.syms
            .get(sym.index())
            .map_or(Decimal::ZERO, |s| s.position.amt)
    }

    /// The position of `sym`, or `None` when flat.
    pub fn position(&self, sym: SymId) -> Option<PositionSnapshot> {
        self.snapshot_of(sym.index())
    }

    /// The liquidation price of `sym`'s position now, computed afresh (`None` when flat or
    /// when the position cannot be liquidated).
    pub fn liquidation_price(&self, sym: SymId) -> Option<Decimal> {
        let s = self.syms.get(sym.index())?;
        if s.position.is_flat() {
            return None;
        }
        self.liquidation_price_of(sym.index())
    }

    /// Each open position's signed amount and entry price, in symbol order (what
    /// [`SimExchange::open_positions`] says of them, without the liquidation price, mark and
    /// unrealised PnL).
    pub fn position_amounts(&self) -> Vec<PositionAmount> {
        let mut out = Vec::new();
        self.position_amounts_into(&mut out);
        out
    }

    /// [`SimExchange::position_amounts`] into `out` (cleared first; no allocation once it
    /// has room).
    pub fn position_amounts_into(&self, out: &mut Vec<PositionAmount>) {
        out.clear();
        self.for_each_held(|_, s| {
            out.push(PositionAmount {
                symbol: s.symbol.clone(),
                position_amt: s.position.amt,
                entry_price: s.position.entry_price(),
            });
        });
    }

    /// Every non-flat position, in symbol order.
    pub fn open_positions(&self) -> Vec<PositionSnapshot> {
        let mut out = Vec::new();
        self.for_each_held(|i, _| out.extend(self.snapshot_of(i)));
        out
    }

    /// Calls `f` with each symbol holding a position, in index order: when the account is
    /// clean, the ones `open_syms` lists (exactly those); otherwise every symbol, looked at.
    fn for_each_held(&self, mut f: impl FnMut(usize, &SymState)) {
        if self.dirty {
            for (i, s) in self.syms.iter().enumerate() {
                if !s.position.is_flat() {
                    f(i, s);
                }
            }
        } else {
            for &i in &self.open_syms {
                f(i, &self.syms[i]);
            }
        }
    }

    /// Bars so far in which orders on both sides of the open were reached: the intrabar rule
    /// (`config.intrabar`), not the data, decided which of them filled first.
    pub fn intrabar_bars_by_rule(&self) -> u64 {
        self.intrabar_by_rule
    }

    /// Bars so far in which orders on both sides of the open were reached and the symbol's
    /// recorded trades decided which filled first (see `intrabar`).
    pub fn intrabar_bars_by_data(&self) -> u64 {
        self.intrabar_by_data
    }

    /// Every fill since the start, in venue order.
    pub fn fills(&self) -> &[Fill] {
        &self.fills
    }

    /// Every funding payment and liquidation since the start, in venue order (with
    /// [`SimExchange::fills`], enough to rebuild each trade's fees, funding and fate).
    pub fn account_history(&self) -> &[VenueEvent] {
        &self.account_history
    }

    /// Moves the events since the last call into `out`. An empty `out` trades buffers with the
    /// exchange (no copy, no allocation: each side keeps reusing the other's capacity).
    #[inline]
    pub fn drain_events_into(&mut self, out: &mut Vec<VenueEvent>) {
        if self.events.is_empty() {
            return;
        }
        if out.is_empty() {
            std::mem::swap(out, &mut self.events);
        } else {
            out.append(&mut self.events);
        }
    }

    /// The events since the last call.
    pub fn take_events(&mut self) -> Vec<VenueEvent> {
        std::mem::take(&mut self.events)
    }

    /// Wallet plus unrealised PnL at the current marks.
    pub fn equity(&self) -> Decimal {
        self.wallet.balance + self.total_upnl()
    }

    /// [`Self::equity`] as f64 for the equity curve, in a few nanoseconds when no fill,
    /// funding or liquidation happened since the account was last refreshed (then it is the
    /// f64 wallet plus each open position's `amt x close - cost` in f64; otherwise the exact
    /// Decimal equity converted). Never use it for a decision.
    pub fn equity_f64(&self) -> f64 {
        if self.dirty {
            return crate::convert::level_f64(self.equity());
        }
        let mut upnl = 0.0;
        for &i in &self.open_syms {
            let h = &self.hot[i];
            upnl += upnl_f64(h.amt_f64, h.mark, h.cost_f64);
        }
        self.wallet_f64 + upnl
    }

    /// True while any symbol has a position.
    pub fn has_open_position(&self) -> bool {
        if self.dirty {
            self.syms.iter().any(|s| !s.position.is_flat())
        } else {
            !self.open_syms.is_empty()
        }
    }

    pub fn wallet_balance(&self) -> Decimal {
        self.wallet.balance
    }

    pub fn account(&self) -> AccountSnapshot {
        let upnl = self.total_upnl();
        AccountSnapshot {
            time: TimestampMs(self.now),
            initial_balance: self.wallet.initial,
            wallet_balance: self.wallet.balance,
            unrealized_pnl: upnl,
            equity: self.wallet.balance + upnl,
            available_balance: self.available_balance(),
            maintenance_margin: self.total_maintenance(),
            realized_pnl: self.wallet.realized,
            fees_paid: self.wallet.fees,
            funding_paid: self.wallet.funding,
            insurance_covered: self.wallet.insurance,
        }
    }

    fn total_upnl(&self) -> Decimal {
        self.syms
            .iter()
            .enumerate()
            .filter(|(_, s)| !s.position.is_flat())
            .map(|(i, s)| s.position.upnl(self.mark_dec(i).unwrap_or_default()))
            .sum()
    }

    fn snapshot_of(&self, i: usize) -> Option<PositionSnapshot> {
        let s = self.syms.get(i)?;
        if s.position.is_flat() {
            return None;
        }
        let mark = self.mark_dec(i).unwrap_or_default();
        // The cached liquidation price is exact unless something changed since the refresh
        // or several cross positions share the margin (then it moves with the other marks).
        let cached = !self.dirty && (s.mode == MarginMode::Isolated || self.cross_positions < 2);
        let liq = match s.liq_price {
            Some(known) if cached => known,
            _ => self.liquidation_price_of(i),
        };
        Some(PositionSnapshot {
            symbol: s.symbol.clone(),
            position_amt: s.position.amt,
            entry_price: s.position.entry_price(),
            mark_price: mark,
            unrealized_pnl: s.position.upnl(mark),
            liquidation_price: liq.unwrap_or_default(),
            leverage: s.leverage,
            isolated: s.mode == MarginMode::Isolated,
            isolated_margin: s.position.isolated_margin,
            update_time: TimestampMs(s.position.update_time),
        })
    }
}

/// One position's unrealised PnL in `f64` for the equity curve: signed size times the close,
/// less the signed cost (the exact figure is the `Decimal` one).
#[inline(always)]
pub(crate) fn upnl_f64(amt: f64, close: f64, cost: f64) -> f64 {
    amt * close - cost
}
