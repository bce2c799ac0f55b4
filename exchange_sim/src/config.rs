//! `SimConfig`: every knob of the simulated exchange (fees, slippage, fill rules, funding,
//! margin, leverage, balance, seed), read from the run config with unknown keys refused.
//!
//! Defaults are Binance's for a regular (VIP0) USD-M account: maker 0.02 %, taker 0.05 %,
//! cross margin, 20x leverage, funding 0.01 % every 8 h; plus 10,000 USDT and seed 0.
//! Must never live here: state, or any behaviour beyond validating the values.

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::brackets::BracketConfig;
use crate::error::SimError;
use crate::fees::{FeeRates, FeeTier, bnb_discounted};

/// The simulated exchange's configuration. Every field has a default.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SimConfig {
    /// The USDT wallet at the start (default 10,000).
    pub initial_balance: Decimal,
    /// Drives every random choice (slippage draws). Same seed and inputs: same fills.
    pub seed: u64,
    pub fees: FeeConfig,
    pub slippage: SlippageModel,
    /// When a MARKET order fills.
    pub market_fill: MarketFill,
    /// When a resting LIMIT order fills.
    pub limit_fill: LimitFill,
    /// The order in which one bar visits its high and low.
    pub intrabar: IntrabarPath,
    /// If set, resting LIMIT orders of a symbol fill at most this fraction of a bar's volume
    /// per bar (0 < f <= 1). Unset: volume never limits a fill.
    pub max_participation: Option<Decimal>,
    pub funding: FundingConfig,
    /// Margin mode of every symbol at the start.
    pub margin_mode: MarginMode,
    /// Leverage of every symbol at the start (Binance's default is 20x), capped per symbol by
    /// its first leverage bracket.
    pub default_leverage: u32,
    /// Per-symbol starting leverage, e.g. `{ BTCUSDT = 10 }`.
    pub leverage: BTreeMap<String, u32>,
    /// Per-symbol leverage brackets replacing the built-in tables (see `brackets`).
    pub leverage_brackets: BTreeMap<String, Vec<BracketConfig>>,
    /// Treat a symbol as not listed (-1121) before its exchange-info `onboardDate`.
    pub respect_onboard_date: bool,
    /// How long an order takes from the bot to the matching engine (default: no delay).
    pub latency: LatencyConfig,
}

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig {
            initial_balance: Decimal::from(10_000),
            seed: 0,
            fees: FeeConfig::default(),
            slippage: SlippageModel::None,
            market_fill: MarketFill::NextOpen,
            limit_fill: LimitFill::TradeThrough,
            intrabar: IntrabarPath::Pessimistic,
            max_participation: None,
            funding: FundingConfig::default(),
            margin_mode: MarginMode::Cross,
            default_leverage: 20,
            leverage: BTreeMap::new(),
            leverage_brackets: BTreeMap::new(),
            respect_onboard_date: true,
            latency: LatencyConfig::default(),
        }
    }
}

/// The delay between sending an order and the exchange acting on it (see the crate doc,
/// assumption 18). At most one of `order_ms` and `samples_ms` is set; neither means none.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LatencyConfig {
    /// A fixed delay in milliseconds for every order.
    pub order_ms: u32,
    /// Measured delays in milliseconds (e.g. a `sim live` session's round trips); each order
    /// draws one, uniformly, from a generator of its own seeded by the run seed.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub samples_ms: Vec<u32>,
    /// Where `samples_ms` came from, for the record (free text).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub source: String,
}

/// The longest delay accepted: one hour.
const MAX_LATENCY_MS: u32 = 3_600_000;

impl LatencyConfig {
    /// True when orders reach the exchange at the instant they are sent.
    pub fn is_none(&self) -> bool {
        self.order_ms == 0 && self.samples_ms.iter().all(|&ms| ms == 0)
    }

    fn validate(&self) -> Result<(), SimError> {
        if self.order_ms > 0 && !self.samples_ms.is_empty() {
            return Err(SimError::Config(
                "latency: set either order_ms (a fixed delay) or samples_ms (measured delays), not both"
                    .to_string(),
            ));
        }
        let worst = self
            .samples_ms
            .iter()
            .copied()
            .max()
            .unwrap_or(0)
            .max(self.order_ms);
        if worst > MAX_LATENCY_MS {
            return Err(SimError::Config(format!(
                "latency: {worst} ms is above the {MAX_LATENCY_MS} ms (one hour) limit; delays are in milliseconds"
            )));
        }
        Ok(())
    }
}

/// Commission rates as fractions of the trade notional (see `fees`): `maker`/`taker`, or a
/// published `tier` instead of them; `bnb_discount` on top; `symbols` replaces both for the
/// symbols it names, e.g. `[exchange.fees.symbols.BTCUSDT] maker = 0 taker = 0.0004`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FeeConfig {
    /// Default 0.0002 (0.02 %). May be negative (a rebate).
    pub maker: Decimal,
    /// Default 0.0005 (0.05 %).
    pub taker: Decimal,
    /// Binance's published rates of this tier (`regular`, `vip1` ... `vip9`) instead of
    /// `maker`/`taker`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tier: Option<FeeTier>,
    /// Fees paid in BNB: 10 % off every positive rate (the BNB balance is assumed enough).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub bnb_discount: bool,
    /// Per-symbol rates replacing the tier or `maker`/`taker` (the BNB discount still applies).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub symbols: BTreeMap<String, FeeRates>,
}

impl Default for FeeConfig {
    fn default() -> Self {
        let regular = FeeTier::Regular.rates();
        FeeConfig {
            maker: regular.maker,
            taker: regular.taker,
            tier: None,
            bnb_discount: false,
            symbols: BTreeMap::new(),
        }
    }
}

impl FeeConfig {
    /// The rates `symbol` pays: its own entry, else the tier's, else `maker`/`taker`; then
    /// the BNB discount.
    pub fn rates(&self, symbol: &str) -> FeeRates {
        let base = match (self.symbols.get(symbol), self.tier) {
            (Some(own), _) => *own,
            (None, Some(tier)) => tier.rates(),
            (None, None) => FeeRates {
                maker: self.maker,
                taker: self.taker,
            },
        };
        if self.bnb_discount {
            FeeRates {
                maker: bnb_discounted(base.maker),
                taker: bnb_discounted(base.taker),
            }
        } else {
            base
        }
    }
}

/// How far from its reference price a taker fill lands, always against the trader.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "model", rename_all = "snake_case", deny_unknown_fields)]
pub enum SlippageModel {
    /// Fill exactly at the reference price.
    None,
    /// A fixed `bps` basis points of the reference price.
    FixedBps { bps: Decimal },
    /// A uniform random fraction in [0, `fraction`) of the fill bar's range (high - low),
    /// drawn from the seeded generator.
    BarRange { fraction: Decimal },
}

/// When a MARKET order fills.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MarketFill {
    /// At the open of the symbol's next bar (the order is NEW until then).
    NextOpen,
    /// Immediately, at the close of the symbol's last bar (the close plus a latency that is
    /// shorter than a bar).
    CurrentClose,
}

/// When a resting LIMIT order fills.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LimitFill {
    /// Only when the price goes strictly beyond the limit (BUY: low < price).
    TradeThrough,
    /// As soon as the price reaches the limit (BUY: low <= price).
    Touch,
}

/// The order in which a bar visits its extremes, which decides what fills first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IntrabarPath {
    /// Against the position: a long sees the low first (its stop before its take-profit), a
    /// short the high first. Flat: as `bar_direction`.
    Pessimistic,
    /// From the bar's direction: open -> low -> high -> close for an up bar (close >= open),
    /// open -> high -> low -> close for a down bar.
    BarDirection,
    /// With the position: a long sees the high first (its take-profit before its stop), a
    /// short the low first. Flat: as `bar_direction`. The bound opposite to `pessimistic`.
    Optimistic,
    /// The extreme nearer the open first (a tie: as `bar_direction`).
    OpenNearest,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MarginMode {
    Isolated,
    #[serde(alias = "crossed")]
    Cross,
}

/// Funding: whether to charge it, whether a dataset's recorded rates are used, and the
/// constant rate for symbols without recorded rates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FundingConfig {
    /// Charge funding at all.
    pub enabled: bool,
    /// Settle at the dataset's recorded funding times and rates when it has them (default);
    /// `false`: the constant rate below even then. Read by the run loop, which hands the
    /// records to [`crate::SimExchange::set_funding_rates`].
    pub recorded: bool,
    /// The rate every interval (default 0.0001 = 0.01 %; positive: longs pay shorts).
    pub constant_rate: Decimal,
    /// Hours between funding times, on a grid from 00:00 UTC (default 8: 00:00/08:00/16:00).
    pub interval_hours: u32,
}

impl Default for FundingConfig {
    fn default() -> Self {
        FundingConfig {
            enabled: true,
            recorded: true,
            constant_rate: Decimal::new(1, 4),
            interval_hours: 8,
        }
    }
}

impl SimConfig {
    /// Checks every value; the error names the field and the accepted range.
    pub fn validate(&self) -> Result<(), SimError> {
        let err = |m: String| Err(SimError::Config(m));
        if self.initial_balance <= Decimal::ZERO {
            return err(format!(
                "initial_balance must be > 0, got {}",
                self.initial_balance
            ));
        }
        let limit = Decimal::new(1, 2);
        let own = self.fees.symbols.iter().flat_map(|(s, r)| {
            [
                (format!("symbols.{s}.maker"), r.maker),
                (format!("symbols.{s}.taker"), r.taker),
            ]
        });
        for (name, v) in [
            ("maker".to_string(), self.fees.maker),
            ("taker".to_string(), self.fees.taker),
        ]
        .into_iter()
        .chain(own)
        {
            if v.abs() >= limit {
                return err(format!(
                    "fees.{name} is a fraction of notional and must be within (-0.01, 0.01), got {v} (0.0005 means 0.05 %)"
                ));
            }
        }
        let default = FeeConfig::default();
        if let Some(tier) = self.fees.tier
            && (self.fees.maker != default.maker || self.fees.taker != default.taker)
        {
            return err(format!(
                "fees.tier = \"{}\" sets the maker and taker rates; remove fees.maker and fees.taker, or the tier (per-symbol rates go under fees.symbols.SYMBOL)",
                serde_json::to_value(tier)
                    .ok()
                    .and_then(|v| v.as_str().map(String::from))
                    .unwrap_or_default()
            ));
        }
        match self.slippage {
            SlippageModel::FixedBps { bps } if bps < Decimal::ZERO || bps > Decimal::from(1000) => {
                return err(format!("slippage.bps must be within 0..=1000, got {bps}"));
            }
            SlippageModel::BarRange { fraction }
                if fraction < Decimal::ZERO || fraction > Decimal::ONE =>
            {
                return err(format!(
                    "slippage.fraction must be within 0..=1, got {fraction}"
                ));
            }
            _ => {}
        }
        if let Some(p) = self.max_participation
            && (p <= Decimal::ZERO || p > Decimal::ONE)
        {
            return err(format!(
                "max_participation must be within (0, 1], got {p}; leave it out for no volume limit"
            ));
        }
        if !matches!(self.funding.interval_hours, 1 | 2 | 4 | 8) {
            return err(format!(
                "funding.interval_hours must be 1, 2, 4 or 8, got {}",
                self.funding.interval_hours
            ));
        }
        if self.funding.constant_rate.abs() > Decimal::new(3, 2) {
            return err(format!(
                "funding.constant_rate must be within -0.03..=0.03, got {} (0.0001 means 0.01 %)",
                self.funding.constant_rate
            ));
        }
        if self.default_leverage == 0 || self.default_leverage > 125 {
            return err(format!(
                "default_leverage must be within 1..=125, got {}",
                self.default_leverage
            ));
        }
        for (symbol, lev) in &self.leverage {
            if *lev == 0 || *lev > 125 {
                return err(format!(
                    "leverage.{symbol} must be within 1..=125, got {lev}"
                ));
            }
        }
        self.latency.validate()?;
        for (symbol, tiers) in &self.leverage_brackets {
            crate::brackets::BracketTable::from_config(tiers)
                .map_err(|e| SimError::Config(format!("leverage_brackets.{symbol}: {e}")))?;
        }
        Ok(())
    }

    /// `funding.interval_hours` in milliseconds.
    pub(crate) fn funding_interval_ms(&self) -> i64 {
        i64::from(self.funding.interval_hours) * 3_600_000
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn defaults_are_binance_vip0_and_valid() {
        let c = SimConfig::default();
        assert_eq!(c.fees.maker, dec!(0.0002));
        assert_eq!(c.fees.taker, dec!(0.0005));
        assert_eq!(c.funding.constant_rate, dec!(0.0001));
        assert_eq!(c.initial_balance, dec!(10000));
        assert_eq!(c.validate(), Ok(()));
    }

    #[test]
    fn parses_from_json_and_refuses_unknown_keys() {
        let text = r#"{
            "initial_balance": "5000", "seed": 7,
            "fees": {"maker": 0.0001, "taker": "0.0004"},
            "slippage": {"model": "bar_range", "fraction": "0.1"},
            "market_fill": "current_close", "limit_fill": "touch",
            "intrabar": "bar_direction", "max_participation": "0.1",
            "funding": {"constant_rate": "0.0002"},
            "margin_mode": "isolated", "leverage": {"BTCUSDT": 10}
        }"#;
        let c: SimConfig = serde_json::from_str(text).expect("parses");
        assert_eq!(c.initial_balance, dec!(5000));
        assert_eq!(
            c.slippage,
            SlippageModel::BarRange {
                fraction: dec!(0.1)
            }
        );
        assert_eq!(c.funding.interval_hours, 8);
        assert_eq!(c.margin_mode, MarginMode::Isolated);
        assert_eq!(c.validate(), Ok(()));
        let bad = serde_json::from_str::<SimConfig>(r#"{"taker_fee": 0.1}"#);
        assert!(bad.expect_err("unknown").to_string().contains("taker_fee"));
        let bad = serde_json::from_str::<SimConfig>(r#"{"fees": {"taker": 0.1, "x": 1}}"#);
        assert!(bad.is_err());
    }

    #[test]
    fn validation_names_the_field() {
        let mut c = SimConfig {
            max_participation: Some(dec!(1.5)),
            ..SimConfig::default()
        };
        assert!(
            c.validate()
                .expect_err("bad")
                .to_string()
                .contains("max_participation")
        );
        c.max_participation = None;
        c.fees.taker = dec!(0.05);
        assert!(c.validate().expect_err("bad").to_string().contains("taker"));
        c.fees.taker = dec!(0.0005);
        c.funding.interval_hours = 3;
        assert!(c.validate().is_err());
        c.funding.interval_hours = 8;
        c.latency.order_ms = 250;
        assert_eq!(c.validate(), Ok(()));
        c.latency.samples_ms = vec![100, 200];
        assert!(
            c.validate()
                .expect_err("both")
                .to_string()
                .contains("not both")
        );
        c.latency.order_ms = 0;
        c.latency.samples_ms = vec![100, 4_000_000];
        assert!(
            c.validate()
                .expect_err("long")
                .to_string()
                .contains("4000000 ms")
        );
        c.latency.samples_ms = vec![300, 100, 200];
        assert_eq!(c.validate(), Ok(()));
    }
}
