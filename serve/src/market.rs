//! The replayed market: a `SimExchange` and the bars it is fed, one time step at a time (every
//! symbol's bar with the next open time), plus the per-symbol history `/klines` serves (only
//! bars the clock has closed). The exchange's events stay queued for `App::publish`.
//! Must never live here: HTTP, wall-clock reads, fill rules.

use std::collections::{BTreeMap, BTreeSet};

use exchange_sim::orders::is_algo_id;
use exchange_sim::{FundingRate, SimConfig, SimError, SimExchange, SymId};
use pipeline::exchange_info::{ExchangeInfo, Reject};
use pipeline::venue::VenueEvent;
use pipeline::{Bar, Interval, Symbol, TimestampMs};

use super::ServeError;

/// One symbol's bars and how many of them are closed (fed to the exchange).
#[derive(Debug)]
pub(crate) struct Series {
    pub symbol: Symbol,
    pub id: SymId,
    pub bars: Vec<Bar>,
    pub closed: usize,
}

impl Series {
    /// The closed bars.
    pub fn history(&self) -> &[Bar] {
        &self.bars[..self.closed]
    }
}

/// A bar the clock just closed, for the websocket.
#[derive(Debug, Clone)]
pub(crate) struct ClosedBar {
    pub symbol: Symbol,
    pub bar: Bar,
}

#[derive(Debug)]
pub(crate) struct Market {
    pub ex: SimExchange,
    pub interval: Interval,
    pub series: BTreeMap<String, Series>,
    /// Distinct open times of all bars, ascending: one step each.
    times: Vec<i64>,
    next_step: usize,
    pub listen_key: Option<String>,
    /// The regular (not algo) order ids each symbol has had, from the exchange's order
    /// updates: what `/fapi/v1/allOrders` reads back.
    order_ids: BTreeMap<String, BTreeSet<i64>>,
    /// The algo (conditional) order ids each symbol has had: `/fapi/v1/allAlgoOrders`.
    algo_ids: BTreeMap<String, BTreeSet<i64>>,
    /// The dataset's recorded funding per symbol (settled by the exchange and listed by
    /// `/fapi/v1/fundingRate`); symbols without records settle at the constant rate.
    pub funding: BTreeMap<String, Vec<FundingRate>>,
}

impl Market {
    pub fn new(
        info: ExchangeInfo,
        sim: SimConfig,
        interval: Interval,
        bars: Vec<(Symbol, Bar)>,
    ) -> Result<Market, ServeError> {
        let ex = SimExchange::new(info, sim, interval)?;
        let mut series: BTreeMap<String, Series> = BTreeMap::new();
        for (symbol, bar) in bars {
            let Some(id) = ex.symbol_id(symbol.as_str()) else {
                return Err(ServeError::Config(format!(
                    "the bars include {symbol}, which the exchange info does not list; \
                     use exchange info that lists every symbol of the dataset"
                )));
            };
            let s = series.entry(symbol.to_string()).or_insert_with(|| Series {
                symbol: symbol.clone(),
                id,
                bars: Vec::new(),
                closed: 0,
            });
            if s.bars.last().is_some_and(|b| b.open_time >= bar.open_time) {
                return Err(ServeError::Config(format!(
                    "the bars of {symbol} are not in strictly increasing time order at {}",
                    bar.open_time
                )));
            }
            s.bars.push(bar);
        }
        let mut times: Vec<i64> = series
            .values()
            .flat_map(|s| s.bars.iter().map(|b| b.open_time.as_ms()))
            .collect();
        times.sort_unstable();
        times.dedup();
        if times.is_empty() {
            return Err(ServeError::Config(
                "there are no bars to replay; give a dataset with at least one bar".to_string(),
            ));
        }
        Ok(Market {
            ex,
            interval,
            series,
            times,
            next_step: 0,
            listen_key: None,
            order_ids: BTreeMap::new(),
            algo_ids: BTreeMap::new(),
            funding: BTreeMap::new(),
        })
    }

    /// Gives the symbols of `rates` their recorded funding (before the first step).
    pub fn attach_funding(
        &mut self,
        rates: Vec<(Symbol, Vec<FundingRate>)>,
    ) -> Result<(), ServeError> {
        for (symbol, series) in rates {
            let Some(id) = self.ex.symbol_id(symbol.as_str()) else {
                continue; // not listed: its bars were refused already, or it has none
            };
            self.ex.set_funding_rates(id, series.clone())?;
            self.funding.insert(symbol.to_string(), series);
        }
        Ok(())
    }

    /// Feeds up to `n` more steps; returns how many were fed (fewer at the end of the data).
    pub fn step(&mut self, n: usize, closed: &mut Vec<ClosedBar>) -> Result<usize, SimError> {
        let mut done = 0;
        while done < n && self.next_step < self.times.len() {
            let t = self.times[self.next_step];
            for s in self.series.values_mut() {
                if let Some(bar) = s.bars.get(s.closed).filter(|b| b.open_time.as_ms() == t) {
                    self.ex.on_bar(s.id, bar)?;
                    closed.push(ClosedBar {
                        symbol: s.symbol.clone(),
                        bar: *bar,
                    });
                    s.closed += 1;
                }
            }
            self.next_step += 1;
            done += 1;
        }
        Ok(done)
    }

    /// Steps fed so far and in total.
    pub fn progress(&self) -> (usize, usize) {
        (self.next_step, self.times.len())
    }

    /// The simulator's clock: the close time of the latest bar fed.
    /// The replayed interval is the only one served (-1120 otherwise).
    pub fn check_interval(&self, interval: &str) -> Result<(), Reject> {
        if interval == self.interval.as_str() {
            return Ok(());
        }
        Err(Reject {
            code: -1120,
            msg: format!(
                "Invalid interval. (sim serve replays {} bars only)",
                self.interval.as_str()
            ),
        })
    }

    pub fn sim_now(&self) -> TimestampMs {
        self.ex.now()
    }

    /// Notes the regular orders `events` update (before they go to the user stream).
    pub fn remember_orders(&mut self, events: &[VenueEvent]) {
        for e in events {
            if let VenueEvent::OrderUpdate(o) = e {
                let ids = if is_algo_id(o.order_id) {
                    &mut self.algo_ids
                } else {
                    &mut self.order_ids
                };
                ids.entry(o.symbol.to_string())
                    .or_default()
                    .insert(o.order_id);
            }
        }
    }

    /// The algo order ids `symbol` has had, ascending.
    pub fn algo_ids(&self, symbol: &str) -> impl Iterator<Item = i64> + '_ {
        self.algo_ids.get(symbol).into_iter().flatten().copied()
    }

    /// The regular order ids `symbol` has had, ascending.
    pub fn order_ids(&self, symbol: &str) -> impl Iterator<Item = i64> + '_ {
        self.order_ids.get(symbol).into_iter().flatten().copied()
    }

    pub fn series(&self, symbol: &str) -> Option<&Series> {
        self.series.get(symbol)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pipeline::exchange_info::{Environment, snapshot};

    fn bar(minute: i64, close: f64) -> Bar {
        Bar {
            open_time: TimestampMs::from_utc(2026, 1, 1, 0, 0, 0).plus_ms(minute * 60_000),
            open: close,
            high: close + 1.0,
            low: close - 1.0,
            close,
            volume: 1.0,
        }
    }

    fn sym(s: &str) -> Symbol {
        Symbol::new(s).expect("symbol")
    }

    fn market(bars: Vec<(Symbol, Bar)>) -> Result<Market, ServeError> {
        let info = snapshot(Environment::Mainnet).expect("embedded");
        Market::new(info, SimConfig::default(), Interval::M1, bars)
    }

    #[test]
    fn steps_feed_every_symbol_with_a_bar_at_that_time() {
        let (btc, eth) = (sym("BTCUSDT"), sym("ETHUSDT"));
        // ETH has no bar at minute 1: that step closes BTC only.
        let mut m = market(vec![
            (btc.clone(), bar(0, 70_000.0)),
            (eth.clone(), bar(0, 3_000.0)),
            (btc.clone(), bar(1, 70_010.0)),
            (btc.clone(), bar(2, 70_020.0)),
            (eth.clone(), bar(2, 3_010.0)),
        ])
        .expect("valid");
        let mut closed = Vec::new();
        assert_eq!(m.step(2, &mut closed).expect("fed"), 2);
        assert_eq!(closed.len(), 3);
        assert_eq!(m.series("BTCUSDT").map(|s| s.history().len()), Some(2));
        assert_eq!(m.series("ETHUSDT").map(|s| s.history().len()), Some(1));
        assert_eq!(m.sim_now(), bar(1, 0.0).open_time.plus_ms(59_999));
        closed.clear();
        assert_eq!(
            m.step(5, &mut closed).expect("fed"),
            1,
            "only one step was left"
        );
        assert_eq!(closed.len(), 2);
        assert_eq!(m.progress(), (3, 3));
        assert_eq!(m.step(1, &mut closed).expect("nothing"), 0);
    }

    #[test]
    fn bad_bars_are_refused_with_the_reason() {
        let unlisted = market(vec![(sym("NOPEUSDT"), bar(0, 1.0))]).expect_err("unlisted");
        assert!(unlisted.to_string().contains("NOPEUSDT"));
        let btc = sym("BTCUSDT");
        let backwards =
            market(vec![(btc.clone(), bar(1, 1.0)), (btc, bar(0, 1.0))]).expect_err("out of order");
        assert!(backwards.to_string().contains("time order"));
        assert!(market(Vec::new()).is_err());
    }
}
