//! `SimExchange`: the state of the simulated exchange, its constructor and the bar entry point
//! (`on_bar`, whose idle path does a few integer and `f64` comparisons and nothing else). The
//! read side (equity, positions, fills, events) is in `read`.
//!
//! Per symbol the state is split in two: `Hot` (last bar, next funding time and the cached
//! `f64` levels that decide whether a bar can touch anything) and `SymState` (orders, position,
//! leverage). Matching, placement, margin and funding live in their own modules as further
//! `impl SimExchange` blocks. Must never live here: fill rules or Binance codes.

use pipeline::domain::decimal_cmp;
use pipeline::exchange_info::SharedSpec;
use pipeline::venue::{Fill, VenueEvent};
use pipeline::{Bar, Interval, Symbol, TimestampMs};
use rand::SeedableRng;
use rand::rngs::SmallRng;
use rust_decimal::Decimal;

use crate::account::{Position, Wallet};
use crate::brackets::BracketTable;
use crate::config::{MarginMode, SimConfig};
use crate::convert::bar_decimal;
use crate::error::SimError;
use crate::fees::FeeRates;
use crate::funding::FundingState;
use crate::intrabar::TradeTape;
use crate::liquidation_rough::RoughTiers;
use crate::mark::{MarkBar, MarkTape};
use crate::matching::Hit;
use crate::orders::{OpenOrder, OrderStore};
use crate::schedule::{InfoSchedule, SymId};

/// Mixed into the seed of the latency generator.
const LATENCY_STREAM: u64 = 0x6c61_7465_6e63_7921;

/// The per-symbol state read on every bar.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Hot {
    /// Open time of the last bar (`i64::MIN` before the first).
    pub last_open: i64,
    pub bar: Bar,
    /// The mark after the last bar: its close, or its mark bar's close (see `mark`).
    pub mark: f64,
    /// The symbol has mark-price bars: every bar needs the exchange's work.
    pub has_mark: bool,
    pub next_funding: i64,
    /// The highest level a falling price reaches first (-inf: none).
    pub down_max: f64,
    /// The lowest level a rising price reaches first (+inf: none).
    pub up_min: f64,
    /// A long is checked for liquidation when the close is at or below this (-inf: none).
    pub liq_down: f64,
    /// A short is checked for liquidation when the close is at or above this (+inf: none).
    pub liq_up: f64,
    /// A MARKET order waits for the next open, or an order is in flight (latency).
    pub pending: bool,
    /// Cross margin with several positions: every bar needs the account-level check.
    pub every_bar: bool,
    /// The position's signed size and signed cost as f64 (for the equity curve; the
    /// Decimal position is the truth), set when the account is refreshed.
    pub amt_f64: f64,
    pub cost_f64: f64,
    /// Flat with no open order at the last refresh, and every cached level above reset: an
    /// account refresh has nothing to recompute for this symbol while it stays so.
    pub idle: bool,
}

impl Hot {
    /// Whether a bar of this symbol closing at `close_time` with these prices needs the
    /// exchange's work (`process_bar`): an order pending or in flight, the account-level check
    /// every bar, a resting trigger or a liquidation level reached, or a funding time. If not,
    /// the bar only moves the clock and becomes the kept bar. `on_bar` asks this of each bar
    /// and the quiet scan of each bar of a run, so the two cannot disagree. Written with `|`,
    /// not `||`, so the scan tests a bar with one branch. (Only bars `on_bar` accepts are
    /// asked: their prices are numbers.)
    #[inline(always)]
    pub(crate) fn needs_work(&self, close_time: i64, high: f64, low: f64, close: f64) -> bool {
        self.pending
            | self.every_bar
            | (low <= self.down_max)
            | (high >= self.up_min)
            | (close <= self.liq_down)
            | (close >= self.liq_up)
            | (close_time >= self.next_funding)
            | self.has_mark
    }

    fn new() -> Hot {
        Hot {
            last_open: i64::MIN,
            bar: Bar::default(),
            mark: 0.0,
            has_mark: false,
            next_funding: i64::MIN,
            down_max: f64::NEG_INFINITY,
            up_min: f64::INFINITY,
            liq_down: f64::NEG_INFINITY,
            liq_up: f64::INFINITY,
            pending: false,
            every_bar: false,
            amt_f64: 0.0,
            cost_f64: 0.0,
            idle: false,
        }
    }
}

/// The per-symbol state touched only when something happens.
#[derive(Debug, Clone)]
pub(crate) struct SymState {
    pub symbol: Symbol,
    /// The spec of the current exchange-info version (onboard date not applied).
    pub spec: Option<SharedSpec>,
    pub position: Position,
    /// Open orders in placement order.
    pub open: Vec<OpenOrder>,
    pub leverage: u32,
    pub mode: MarginMode,
    pub brackets: BracketTable,
    /// The commission rates this symbol pays (tier, overrides and BNB discount applied).
    pub fees: FeeRates,
    /// `brackets` in `f64`, for the rough liquidation price.
    pub rough_tiers: RoughTiers,
    pub funding: FundingState,
    /// The symbol's recorded trades, when the run has them (see `intrabar`).
    pub trades: Option<TradeTape>,
    /// The symbol's recorded mark-price bars, when the run has them (see `mark`).
    pub marks: Option<MarkTape>,
    /// The mark bar of the last bar, when recorded.
    pub mark_bar: Option<MarkBar>,
    /// The position's exact liquidation price (`Some(None)`: it has none), once worked out
    /// since the position or the wallet last changed; `None` until then, while the hot levels
    /// `liq_down`/`liq_up` bracket it.
    pub liq_price: Option<Option<Decimal>>,
    /// The open orders changed since the cached levels were computed.
    pub orders_dirty: bool,
}

/// The simulated Binance USD-M exchange. See the crate doc for its assumptions.
#[derive(Debug, Clone)]
pub struct SimExchange {
    pub(crate) cfg: SimConfig,
    pub(crate) schedule: InfoSchedule,
    pub(crate) interval_ms: i64,
    pub(crate) now: i64,
    pub(crate) version: Option<usize>,
    pub(crate) next_version_at: i64,
    pub(crate) hot: Vec<Hot>,
    /// Per symbol, the exact mark of the bar that opened at `.0` (the last bar, once asked
    /// for): a signal's checks, placements and the account refresh ask for it several times.
    marks: Vec<std::cell::Cell<(i64, Option<Decimal>)>>,
    /// The last `Symbol` looked up by [`SimExchange::id_of`] (its identity) and its id.
    pub(crate) last_id: std::cell::Cell<(usize, Option<SymId>)>,
    pub(crate) syms: Vec<SymState>,
    pub(crate) orders: OrderStore,
    pub(crate) wallet: Wallet,
    pub(crate) events: Vec<VenueEvent>,
    pub(crate) fills: Vec<Fill>,
    /// Every funding payment and liquidation since the start (rare: kept for run folders).
    pub(crate) account_history: Vec<VenueEvent>,
    pub(crate) rng: SmallRng,
    /// Draws each order's delay from `latency.samples_ms`; apart from `rng` so that turning a
    /// latency model on leaves the slippage draws as they were.
    pub(crate) latency_rng: SmallRng,
    pub(crate) scratch: Vec<Hit>,
    /// Number of non-flat cross-margin positions.
    pub(crate) cross_positions: usize,
    /// Bars in which orders on both sides of the open were reached, so `config.intrabar`
    /// decided which filled first.
    pub(crate) intrabar_by_rule: u64,
    /// Bars in which orders on both sides of the open were reached and the symbol's recorded
    /// trades decided which filled first.
    pub(crate) intrabar_by_data: u64,
    /// Bars of symbols with mark-price bars that had none (see `mark`).
    pub(crate) mark_missing: u64,
    /// The wallet or a position changed: liquidation prices, order margins and every
    /// symbol's cached levels must be recomputed.
    pub(crate) dirty: bool,
    /// Some symbol's open orders changed (see `SymState::orders_dirty`).
    pub(crate) orders_dirty: bool,
    /// The wallet balance as f64, and the symbols with a position, as of the last refresh
    /// (valid while `dirty` is false): the equity curve's fast path.
    pub(crate) wallet_f64: f64,
    pub(crate) open_syms: Vec<usize>,
}

impl SimExchange {
    /// A fresh exchange over `schedule` (an `ExchangeInfo` converts into a one-version
    /// schedule), fed bars of `interval`.
    pub fn new(
        schedule: impl Into<InfoSchedule>,
        config: SimConfig,
        interval: Interval,
    ) -> Result<SimExchange, SimError> {
        config.validate()?;
        let schedule = schedule.into();
        for name in config
            .leverage
            .keys()
            .chain(config.leverage_brackets.keys())
            .chain(config.fees.symbols.keys())
        {
            if schedule.symbol_id(name).is_none() {
                return Err(SimError::Config(format!(
                    "'{name}' is configured but no exchange-info version lists it"
                )));
            }
        }
        let version = schedule.version_at(TimestampMs(i64::MIN));
        let mut syms = Vec::with_capacity(schedule.len());
        for (i, symbol) in schedule.symbols().iter().enumerate() {
            let id = SymId(u32::try_from(i).unwrap_or(u32::MAX));
            let brackets = match config.leverage_brackets.get(symbol.as_str()) {
                Some(tiers) => BracketTable::from_config(tiers).map_err(SimError::Config)?,
                None => BracketTable::builtin(symbol.as_str()),
            };
            let leverage = match config.leverage.get(symbol.as_str()) {
                Some(&lev) if lev > brackets.max_leverage() => {
                    return Err(SimError::Config(format!(
                        "leverage.{symbol} = {lev} exceeds the symbol's maximum {}",
                        brackets.max_leverage()
                    )));
                }
                Some(&lev) => lev,
                None => config.default_leverage.min(brackets.max_leverage()),
            };
            syms.push(SymState {
                symbol: symbol.clone(),
                spec: schedule.spec_in(version, id),
                position: Position::default(),
                open: Vec::new(),
                leverage,
                mode: config.margin_mode,
                rough_tiers: RoughTiers::of(&brackets),
                brackets,
                fees: config.fees.rates(symbol.as_str()),
                funding: FundingState::default(),
                trades: None,
                marks: None,
                mark_bar: None,
                liq_price: Some(None),
                orders_dirty: false,
            });
        }
        Ok(SimExchange {
            interval_ms: interval.as_ms(),
            now: i64::MIN,
            version,
            next_version_at: schedule.next_change_after(version),
            hot: vec![Hot::new(); syms.len()],
            marks: vec![std::cell::Cell::new((i64::MIN, None)); syms.len()],
            last_id: std::cell::Cell::new((0, None)),
            syms,
            orders: OrderStore::default(),
            wallet: Wallet::new(config.initial_balance),
            events: Vec::new(),
            fills: Vec::new(),
            account_history: Vec::new(),
            rng: SmallRng::seed_from_u64(config.seed),
            latency_rng: SmallRng::seed_from_u64(config.seed ^ LATENCY_STREAM),
            scratch: Vec::new(),
            cross_positions: 0,
            intrabar_by_rule: 0,
            intrabar_by_data: 0,
            mark_missing: 0,
            dirty: false,
            orders_dirty: false,
            wallet_f64: crate::convert::level_f64(config.initial_balance),
            open_syms: Vec::new(),
            cfg: config,
            schedule,
        })
    }

    /// Feeds one closed bar of `sym`. The bar's close time (open + interval - 1 ms) becomes
    /// the clock; pending MARKET orders fill at its open; resting orders, triggers, the
    /// liquidation check (at the close, the mark) and funding follow.
    #[inline]
    pub fn on_bar(&mut self, sym: SymId, bar: &Bar) -> Result<(), SimError> {
        let i = sym.index();
        let Some(h) = self.hot.get(i) else {
            return Err(SimError::UnknownSymbolId(sym.0));
        };
        let valid = valid_prices(bar.open, bar.high, bar.low, bar.close);
        if bar.open_time.0 <= h.last_open || !valid {
            return Err(self.bar_error(i, bar));
        }
        let close_time = bar.open_time.0 + self.interval_ms - 1;
        let busy = h.needs_work(close_time, bar.high, bar.low, bar.close);
        if close_time > self.now {
            self.now = close_time;
            if close_time >= self.next_version_at {
                self.advance_version();
            }
        }
        if busy {
            self.process_bar(i, bar, close_time);
        } else {
            let h = &mut self.hot[i];
            h.last_open = bar.open_time.0;
            h.bar = *bar;
            h.mark = bar.close;
        }
        Ok(())
    }

    /// Feeds several bars in the given order (e.g. one time step of every symbol).
    pub fn on_bars(&mut self, bars: &[(SymId, Bar)]) -> Result<(), SimError> {
        for (sym, bar) in bars {
            self.on_bar(*sym, bar)?;
        }
        Ok(())
    }

    #[cold]
    fn bar_error(&self, i: usize, bar: &Bar) -> SimError {
        let symbol = self.syms[i].symbol.to_string();
        if bar.open_time.0 <= self.hot[i].last_open {
            SimError::BarOutOfOrder {
                symbol,
                open_time: bar.open_time,
                previous: TimestampMs(self.hot[i].last_open),
            }
        } else {
            SimError::BadBar {
                symbol,
                open_time: bar.open_time,
            }
        }
    }

    /// Switches to the exchange-info version valid now; a symbol no longer listed has its
    /// orders canceled and its position settled at the last mark.
    #[cold]
    fn advance_version(&mut self) {
        let t = TimestampMs(self.now);
        self.version = self.schedule.version_at(t);
        self.next_version_at = self.schedule.next_change_after(self.version);
        for i in 0..self.syms.len() {
            let id = SymId(u32::try_from(i).unwrap_or(u32::MAX));
            let spec = self.schedule.spec_in(self.version, id);
            let delisted = spec.is_none() && self.syms[i].spec.is_some();
            self.syms[i].spec = spec;
            if delisted {
                self.settle_delisted(i);
            }
        }
        self.refresh_if_dirty();
    }

    /// The spec of symbol `i` as listed now (`None`: not listed now, so -1121).
    pub(crate) fn spec_now(&self, i: usize) -> Option<SharedSpec> {
        let spec = self.syms.get(i)?.spec?;
        let listed = !self.cfg.respect_onboard_date || self.now >= spec.onboard_date.0;
        listed.then_some(spec)
    }

    /// The delay of the next order sent (0 without a latency model).
    pub(crate) fn order_delay(&mut self) -> i64 {
        use rand::Rng;
        let l = &self.cfg.latency;
        let ms = match l.samples_ms.len() {
            0 => l.order_ms,
            n => l.samples_ms[self.latency_rng.random_range(0..n)],
        };
        i64::from(ms)
    }

    /// The last trade close of symbol `i`, exact: the price fills at the close are based on.
    pub(crate) fn close_dec(&self, i: usize) -> Option<Decimal> {
        let h = self.hot.get(i)?;
        if h.last_open == i64::MIN {
            return None;
        }
        bar_decimal(h.bar.close)
    }

    /// The mark of symbol `i` (its last close, or its mark bar's close), exact.
    pub(crate) fn mark_dec(&self, i: usize) -> Option<Decimal> {
        let h = self.hot.get(i)?;
        if h.last_open == i64::MIN {
            return None;
        }
        let cache = self.marks.get(i)?;
        let (open, mark) = cache.get();
        if open == h.last_open {
            return mark;
        }
        let mark = bar_decimal(h.mark);
        cache.set((h.last_open, mark));
        mark
    }

    /// Marks symbol `i`'s open orders as changed (placement, cancel, expiry).
    pub(crate) fn touch_orders(&mut self, i: usize) {
        self.syms[i].orders_dirty = true;
        self.orders_dirty = true;
    }

    /// Recomputes the cached levels that changed: everything after a change of the wallet or
    /// a position, only the order levels of touched symbols otherwise.
    pub(crate) fn refresh_if_dirty(&mut self) {
        if self.dirty {
            self.dirty = false;
            self.orders_dirty = false;
            self.cross_positions = self
                .syms
                .iter()
                .filter(|s| s.mode == MarginMode::Cross && !s.position.is_flat())
                .count();
            self.wallet_f64 = crate::convert::level_f64(self.wallet.balance);
            self.open_syms.clear();
            for i in 0..self.syms.len() {
                let s = &self.syms[i];
                let active = !s.position.is_flat() || s.open.iter().any(|o| !o.done);
                if !active && self.hot[i].idle {
                    continue;
                }
                self.hot[i].idle = !active;
                self.remargin(i);
                self.refresh_liquidation(i);
                self.refresh_orders(i);
                let p = &self.syms[i].position;
                self.hot[i].amt_f64 = crate::convert::level_f64(p.amt);
                self.hot[i].cost_f64 = crate::convert::level_f64(p.cost);
                if !p.is_flat() {
                    self.open_syms.push(i);
                }
            }
        } else if self.orders_dirty {
            self.orders_dirty = false;
            for i in 0..self.syms.len() {
                if self.syms[i].orders_dirty {
                    self.refresh_orders(i);
                }
            }
        }
    }

    /// Recomputes the initial margin each open order of symbol `i` holds.
    fn remargin(&mut self, i: usize) {
        let mark = self.mark_dec(i).unwrap_or_default();
        for k in 0..self.syms[i].open.len() {
            let o = &self.syms[i].open[k];
            let margin = self.resting_margin(i, o, mark);
            self.syms[i].open[k].margin = margin;
        }
    }

    /// The liquidation levels of symbol `i`: from the `f64` formula when it is certain (the
    /// exact price is then worked out only when a close comes near, see `check_liquidation`),
    /// from the exact price otherwise.
    fn refresh_liquidation(&mut self, i: usize) {
        let (liq, lp) = if self.syms[i].position.is_flat() {
            (Some(None), None)
        } else {
            match self.rough_liquidation_price_of(i) {
                Some(Some(rough)) => (None, Some(rough)),
                Some(None) => (Some(None), None),
                None => {
                    let exact = self.liquidation_price_of(i);
                    (Some(exact), exact.map(crate::convert::approx_f64))
                }
            }
        };
        let s = &mut self.syms[i];
        s.liq_price = liq;
        let long = decimal_cmp::gt(s.position.amt, Decimal::ZERO);
        let cross_multi = s.mode == MarginMode::Cross && self.cross_positions >= 2;
        let h = &mut self.hot[i];
        h.every_bar = !s.position.is_flat() && cross_multi;
        // Wider than any error of the f64 price: the exact Decimal check makes the decision.
        h.liq_down = match lp {
            Some(p) if long => p * (1.0 + 1e-6),
            _ => f64::NEG_INFINITY,
        };
        h.liq_up = match lp {
            Some(p) if !long => p * (1.0 - 1e-6),
            _ => f64::INFINITY,
        };
    }

    fn refresh_orders(&mut self, i: usize) {
        let s = &mut self.syms[i];
        s.orders_dirty = false;
        let mut down_max = f64::NEG_INFINITY;
        let mut up_min = f64::INFINITY;
        let mut pending = false;
        for o in s.open.iter().filter(|o| !o.done) {
            if o.order_type == pipeline::order::OrderType::Market || o.arrive_at.is_some() {
                pending = true;
            } else if o.dir() == crate::orders::Dir::Down {
                down_max = down_max.max(o.level);
            } else {
                up_min = up_min.min(o.level);
            }
        }
        let h = &mut self.hot[i];
        h.down_max = down_max;
        h.up_min = up_min;
        h.pending = pending;
    }
}

/// A bar's prices as `on_bar` accepts them: `0 < low <= open, close <= high`, high finite (a NaN
/// fails a comparison).
#[inline(always)]
pub(crate) fn valid_prices(open: f64, high: f64, low: f64, close: f64) -> bool {
    low > 0.0 && low <= open && low <= close && high >= open && high >= close && high.is_finite()
}
