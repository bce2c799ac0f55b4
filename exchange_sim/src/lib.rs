//! `exchange_sim`: a simulated Binance USD-M futures exchange driven by klines. It is the venue
//! of every backtest and the engine behind the local Binance-compatible server, so it answers
//! orders with Binance's own codes and messages and fills them by the rules written below.
//!
//! # Using it
//!
//! ```
//! use exchange_sim::{SimConfig, SimExchange};
//! use pipeline::exchange_info::{Environment, snapshot};
//! use pipeline::order::{OrderRequest, Side};
//! use pipeline::{Bar, Interval, TimestampMs};
//! use rust_decimal::Decimal;
//!
//! let info = snapshot(Environment::Mainnet).expect("embedded snapshot");
//! let mut ex = SimExchange::new(info, SimConfig::default(), Interval::M1).expect("valid config");
//! let btc = ex.symbol_id("BTCUSDT").expect("listed");
//! let t = TimestampMs::from_utc(2026, 1, 1, 0, 0, 0);
//! let bar = |k: i64, o: f64, h: f64, l: f64, c: f64| Bar {
//!     open_time: t.plus_ms(k * 60_000), open: o, high: h, low: l, close: c, volume: 10.0,
//! };
//! ex.on_bar(btc, &bar(0, 70_000.0, 70_100.0, 69_900.0, 70_050.0)).expect("in order");
//! let order = OrderRequest::market("BTCUSDT", Side::Buy, Decimal::new(1, 2)); // 0.01 BTC
//! let placed = ex.submit(&order).expect("accepted"); // NEW: fills at the next open
//! ex.on_bar(btc, &bar(1, 70_060.0, 70_200.0, 70_000.0, 70_150.0)).expect("in order");
//! assert_eq!(ex.fills()[0].order_id, placed.order_id);
//! assert_eq!(ex.position_amt(btc), Decimal::new(1, 2));
//! let _events = ex.take_events(); // order updates, fills, funding, liquidations
//! println!("equity {}", ex.equity());
//! ```
//!
//! # Map
//!
//! - [`config`]: `SimConfig` and its parts (fees, slippage, fill rules, funding, margin).
//! - [`schedule`]: point-in-time exchange info (`InfoSchedule`) and symbol ids (`SymId`).
//! - [`exchange`]: `SimExchange` and `on_bar` (the hot path); `read`: the read side (equity,
//!   positions, fills, events, account totals).
//! - `latency`: orders in flight under a latency model, delivered at the bar they arrive in.
//! - `submit`: order placement and its stateful checks, cancel, query, leverage, margin mode.
//! - `quiet`: runs of bars that change nothing but the clock, passed at once by a run loop.
//! - `matching`: what a bar does to open orders; `fills`: fill prices, fees and booking.
//! - [`margin`]: initial/maintenance margin, available balance, the liquidation price formula;
//!   `liquidation`: closing positions at liquidation or delisting; `liquidation_rough`: the
//!   formula in `f64`, only to pre-select tiers and the bars that get the exact check.
//! - [`funding`]: funding times, rates and payments. [`brackets`]: leverage brackets.
//! - `account`: wallet and position arithmetic; [`orders`]: order records, id spaces, lifecycle.
//! - `convert`: exact `f64` <-> `Decimal` for bar prices and cached levels.
//! - `venue_impl`: `impl pipeline::venue::Venue for SimExchange`.
//! - [`rules`]: the rules a config puts in force, in words (a run's execution-model section).
//!
//! # Assumptions of the simulation
//!
//! 1. **Clock.** Bars are closed klines. After `on_bar`, the clock is the bar's close time
//!    (open time + interval - 1 ms); orders submitted between bars are placed at that instant.
//!    Each symbol's bars must come in time order; several symbols may interleave.
//! 2. **Mark price = the bar's close**, unless the symbol has recorded mark-price bars
//!    ([`mark`]): MARKET notional (MIN_NOTIONAL), PERCENT_PRICE, margin, unrealised PnL,
//!    liquidation and funding all use the last close of the symbol, or its mark bar's.
//! 3. **No spread, no depth.** Best bid = best ask = the last close. A BUY LIMIT at or above it
//!    (a SELL at or below it) is marketable.
//! 4. **MARKET orders** fill at the open of the symbol's next bar (default `next_open`; the
//!    order is NEW until then and cannot be canceled), or with `current_close` immediately at
//!    the last close (the close plus a latency shorter than a bar). Always in full, as taker.
//! 5. **Slippage** applies to taker fills only, always against the trader: `none`,
//!    `fixed_bps`, or `bar_range` (a uniform draw in [0, fraction) x (high - low) of the fill
//!    bar from the seeded generator). The price is then rounded to the tick away from the trader
//!    and clamped into the fill bar's [low, high]: **no fill is ever outside its bar's range**.
//! 6. **Resting LIMIT orders** fill when a bar trades through the price (BUY: low < price;
//!    with `touch`: low <= price), at the limit price as maker; when the price lies outside the
//!    bar (it gapped through between bars) at the nearest bar extreme instead.
//! 7. **Marketable LIMIT orders** fill on placement as taker at the last close plus slippage,
//!    never worse than the limit. GTX (post-only) is rejected -5022 instead; FOK that is not
//!    marketable is rejected -5021; IOC that is not marketable ends EXPIRED.
//! 8. **Conditional orders** (STOP_MARKET, TAKE_PROFIT_MARKET) are algo orders with their own
//!    id space (ids above [`orders::ALGO_ID_OFFSET`]). They trigger on the bar's contract price
//!    (STOP BUY when high >= stop, STOP SELL when low <= stop, TAKE_PROFIT the other way) and
//!    fill as taker at the stop plus slippage, or at the open plus slippage when the open is
//!    already beyond the stop (a gap). A stop already crossed by the last close is rejected
//!    -2021. No margin is checked or held before the trigger (Binance since 2025-12); at the
//!    trigger the opening part needs margin or the order ends REJECTED. Fills of a triggered
//!    order carry the algo id; the normal order it became is [`SimExchange::actual_order_id`].
//! 9. **Inside a bar** the price goes open -> first extreme -> second extreme -> close.
//!    Default `pessimistic`: a long sees the low first, a short the high first, so when one bar
//!    reaches both a position's stop and its take-profit, the stop fills first (the
//!    take-profit then finds no position and ends EXPIRED). `bar_direction`: open -> low ->
//!    high -> close for an up bar (close >= open), open -> high -> low -> close for a down bar.
//!    `optimistic`: the opposite bound (a long sees the high first). `open_nearest`: the
//!    extreme nearer the open first. Flat accounts use the bar direction under the first three.
//!    A bar that reaches orders on both sides of its open is counted
//!    ([`SimExchange::intrabar_bars_by_rule`]): the rule, not the data, decided its fills;
//!    unless the symbol has recorded trades ([`SimExchange::set_trades`], Binance's
//!    aggTrades): then the bar's path is its open and every trade price inside it, and the bar
//!    counts as decided by data ([`SimExchange::intrabar_bars_by_data`]). See [`intrabar`].
//! 10. **Volume.** By default volume never limits a fill. With `max_participation = f`, the
//!     resting LIMIT fills of a symbol take at most f x the bar's volume per bar (floored to the
//!     step size, shared in path order); the rest stays PARTIALLY_FILLED for later bars. Taker
//!     fills (MARKET, triggered, marketable LIMIT) always fill in full.
//! 11. **Reduce-only** orders are rejected -2022 when they would open or increase a position,
//!     and at fill time shrink to the position; the unfilled rest ends EXPIRED.
//!     `closePosition` closes whatever is open when it triggers (EXPIRED if nothing is).
//! 12. **Fees** = fill notional x maker or taker rate (default 0.02 % / 0.05 %), rounded to
//!     8 decimals, paid from the wallet.
//! 13. **Funding** every 8 h at 00:00/08:00/16:00 UTC at the constant rate (default 0.01 %),
//!     or at the times and rates of a series given with [`SimExchange::set_funding_rates`]
//!     (a backtest gives each symbol its dataset's recorded funding, which also follows a
//!     change of interval: every settlement time is recorded).
//!     Payment = size x mark x rate (longs pay when positive), only for positions open at the
//!     funding time: a time at or before a bar's open is charged before that bar's fills.
//! 14. **Margin**: one-way mode, isolated or cross per symbol, leverage per symbol up to the
//!     first leverage bracket. Initial margin = notional / leverage; orders that would open
//!     more than the available balance allows are rejected -2019, positions above the
//!     leverage's maximum notional -2027. See [`margin`] for the formulas.
//! 15. **Liquidation** is checked once per bar, after its fills, at the close (the mark), with
//!     Binance's liquidation price and the symbol's `liquidationFee`; the position closes at
//!     the mark and its orders are canceled. Losses beyond the margin go to the insurance fund
//!     (see `liquidation`), so `wallet = initial + realised - fees - funding + insurance`.
//!     With recorded mark-price bars, the mark is theirs and the check follows the mark bar
//!     inside the bar, and STOP/TAKE_PROFIT orders with `workingType=MARK_PRICE` trigger on
//!     the mark bar and fill at the trade price (see [`mark`]).
//! 16. **Exchange info is point-in-time**: the version valid at the clock decides; a symbol not
//!     listed then (or before its `onboardDate`) is rejected -1121. When a symbol leaves the
//!     exchange info its orders are canceled and its position is settled at the last mark
//!     without fee.
//! 17. **Determinism.** The seed drives every random draw (rand's `SmallRng`, which is
//!     Xoshiro256++ on 64-bit targets: identical for the same rand version and pointer width);
//!     iteration is over vectors and ordered maps; there is no wall clock. Same inputs, same
//!     events byte for byte. `SimExchange` is `Clone`, so a run can be forked.
//! 18. **Latency** (off by default; `latency.order_ms`, or `latency.samples_ms` drawn per
//!     order from its own seeded generator): an order reaches the exchange that long after it
//!     was sent and is handled at the open of the bar its arrival falls in (MARKET fills
//!     there; a LIMIT that crosses the open takes; other orders rest from there), at the
//!     arrival time. A delay shorter than a bar moves no price except `current_close` MARKET
//!     fills (they become the next open); longer delays move orders to later bars. Checks and
//!     the answer stay at send time, and cancels act at once. See `latency`.
//!
//! Left out: hedge mode (LONG/SHORT position sides), STOP/TAKE_PROFIT limit variants, trailing
//! stops, GTD, `priceMatch`, self-trade prevention, market-order PERCENT_PRICE (-4131, there
//! is no book), auto-cancel of reduce-only orders when a position closes (they expire when
//! reached), and order purging.
//!
//! Must never live here: I/O, a wall clock, HTTP, polars, or knowledge of the pipeline stages.

pub mod brackets;
pub mod config;
pub mod error;
pub mod exchange;
pub mod fees;
pub mod funding;
pub mod intrabar;
pub mod margin;
pub mod mark;
pub mod orders;
pub mod rules;
pub mod schedule;

mod account;
mod convert;
mod fills;
mod latency;
mod liquidation;
mod liquidation_rough;
mod matching;
mod quiet;
mod read;
mod submit;
mod venue_impl;

pub use brackets::{Bracket, BracketConfig, BracketTable};
pub use config::{
    FeeConfig, FundingConfig, IntrabarPath, LatencyConfig, LimitFill, MarginMode, MarketFill,
    SimConfig, SlippageModel,
};
pub use error::SimError;
pub use exchange::SimExchange;
pub use funding::FundingRate;
pub use intrabar::{TradePrices, TradeTape};
pub use margin::liquidation_price;
pub use mark::{MarkBar, MarkPrices, MarkTape};
pub use quiet::QuietAccount;
pub use read::AccountSnapshot;
pub use rules::RuleTexts;
pub use schedule::{InfoSchedule, SymId};
pub use submit::MAX_OPEN_ALGO_ORDERS;
pub use venue_impl::request_of;
