//! Leverage brackets (`GET /fapi/v1/leverageBracket`): per-symbol notional tiers with their
//! maximum leverage, maintenance margin ratio (MMR) and maintenance amount (`cum`).
//!
//! `cum` is never typed in: it follows from Binance's chain rule
//! `cum_n = cum_{n-1} + floor_n x (MMR_n - MMR_{n-1})`, so a table cannot be inconsistent.
//! Sources (binance-facts.md section 7): BTCUSDT tiers 1-5 and ETHUSDT tiers 1-4 are
//! confirmed; SOLUSDT tiers 1-2, XRPUSDT/BNBUSDT tier 1 and ZECUSDT tiers 1-2 are confirmed.
//! Every other tier, and the table of every other symbol ([`BracketTable::default_estimate`]),
//! is an ESTIMATE shaped like Binance's mid-cap tables; replace it with `leverage_brackets` in
//! the config (or a live `leverageBracket` answer) when it matters.
//! Must never live here: positions or margin state.

use pipeline::domain::decimal_cmp;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// One tier as a config file gives it (`cum` is derived).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BracketConfig {
    pub notional_floor: Decimal,
    pub notional_cap: Decimal,
    pub initial_leverage: u32,
    pub maint_margin_ratio: Decimal,
}

/// One tier, in Binance's `leverageBracket` shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Bracket {
    pub bracket: u32,
    pub initial_leverage: u32,
    pub notional_floor: Decimal,
    pub notional_cap: Decimal,
    pub maint_margin_ratio: Decimal,
    pub cum: Decimal,
}

/// A symbol's tiers, ordered by notional.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BracketTable {
    tiers: Vec<Bracket>,
}

/// (floor, cap, initial leverage, MMR in hundredths of a basis point: 40 = 0.40 %).
type Row = (i64, i64, u32, i64);

const BTC: &[Row] = &[
    (0, 50_000, 125, 40),
    (50_000, 600_000, 100, 50),
    (600_000, 3_000_000, 75, 65),
    (3_000_000, 12_000_000, 50, 100),
    (12_000_000, 70_000_000, 25, 200),
    // Tiers 6-12: estimates (the fact sheet gives only "12 tiers up to 1.8B at 1x, MMR 50%").
    (70_000_000, 100_000_000, 20, 250),
    (100_000_000, 230_000_000, 10, 500),
    (230_000_000, 480_000_000, 5, 1_000),
    (480_000_000, 600_000_000, 4, 1_250),
    (600_000_000, 800_000_000, 3, 1_500),
    (800_000_000, 1_200_000_000, 2, 2_500),
    (1_200_000_000, 1_800_000_000, 1, 5_000),
];

const SOL: &[Row] = &[
    (0, 20_000, 100, 50),
    (20_000, 100_000, 75, 65),
    // Estimates from here.
    (100_000, 500_000, 50, 100),
    (500_000, 2_000_000, 25, 200),
    (2_000_000, 5_000_000, 20, 250),
    (5_000_000, 10_000_000, 10, 500),
    (10_000_000, 20_000_000, 5, 1_000),
    (20_000_000, 30_000_000, 4, 1_250),
    (30_000_000, 50_000_000, 3, 1_500),
    (50_000_000, 100_000_000, 2, 2_500),
    (100_000_000, 150_000_000, 1, 5_000),
];

const XRP_BNB: &[Row] = &[
    (0, 10_000, 75, 50),
    // Estimates from here.
    (10_000, 50_000, 50, 100),
    (50_000, 250_000, 25, 200),
    (250_000, 1_000_000, 20, 250),
    (1_000_000, 5_000_000, 10, 500),
    (5_000_000, 10_000_000, 5, 1_000),
    (10_000_000, 15_000_000, 4, 1_250),
    (15_000_000, 25_000_000, 3, 1_500),
    (25_000_000, 50_000_000, 2, 2_500),
    (50_000_000, 100_000_000, 1, 5_000),
];

const ZEC: &[Row] = &[
    (0, 50_000, 50, 150),
    (50_000, 150_000, 20, 250),
    // Estimates from here.
    (150_000, 500_000, 10, 500),
    (500_000, 1_000_000, 5, 1_000),
    (1_000_000, 2_000_000, 4, 1_250),
    (2_000_000, 3_000_000, 3, 1_500),
    (3_000_000, 5_000_000, 2, 2_500),
    (5_000_000, 8_000_000, 1, 5_000),
];

/// The table of every symbol without a known one: an estimate.
const DEFAULT: &[Row] = &[
    (0, 5_000, 50, 100),
    (5_000, 25_000, 25, 200),
    (25_000, 100_000, 20, 250),
    (100_000, 250_000, 10, 500),
    (250_000, 1_000_000, 5, 1_000),
    (1_000_000, 3_000_000, 4, 1_250),
    (3_000_000, 5_000_000, 3, 1_500),
    (5_000_000, 10_000_000, 2, 2_500),
    (10_000_000, 20_000_000, 1, 5_000),
];

impl BracketTable {
    /// Builds a table from (floor, cap, leverage, MMR) tiers, deriving `cum`. Tiers must be
    /// contiguous from 0, with leverage falling and MMR rising.
    pub fn from_config(tiers: &[BracketConfig]) -> Result<BracketTable, String> {
        if tiers.is_empty() {
            return Err("needs at least one tier".into());
        }
        let mut out: Vec<Bracket> = Vec::with_capacity(tiers.len());
        for (n, t) in tiers.iter().enumerate() {
            let tier_no = n + 1;
            let prev = out.last();
            let want_floor = prev.map_or(Decimal::ZERO, |p| p.notional_cap);
            if t.notional_floor != want_floor {
                return Err(format!(
                    "tier {tier_no} starts at {} but must start at {want_floor} (tiers are contiguous from 0)",
                    t.notional_floor
                ));
            }
            if t.notional_cap <= t.notional_floor {
                return Err(format!(
                    "tier {tier_no}: notional_cap must exceed notional_floor"
                ));
            }
            if t.initial_leverage == 0 || t.initial_leverage > 125 {
                return Err(format!(
                    "tier {tier_no}: initial_leverage must be within 1..=125"
                ));
            }
            if t.maint_margin_ratio <= Decimal::ZERO || t.maint_margin_ratio >= Decimal::ONE {
                return Err(format!(
                    "tier {tier_no}: maint_margin_ratio must be within (0, 1)"
                ));
            }
            let cum = match prev {
                None => Decimal::ZERO,
                Some(p) => {
                    if t.initial_leverage > p.initial_leverage
                        || t.maint_margin_ratio < p.maint_margin_ratio
                    {
                        return Err(format!(
                            "tier {tier_no}: leverage must not rise and MMR must not fall from tier {n}"
                        ));
                    }
                    p.cum + t.notional_floor * (t.maint_margin_ratio - p.maint_margin_ratio)
                }
            };
            out.push(Bracket {
                bracket: u32::try_from(tier_no).unwrap_or(u32::MAX),
                initial_leverage: t.initial_leverage,
                notional_floor: t.notional_floor,
                notional_cap: t.notional_cap,
                maint_margin_ratio: t.maint_margin_ratio,
                cum,
            });
        }
        Ok(BracketTable { tiers: out })
    }

    fn from_rows(rows: &[Row]) -> BracketTable {
        let cfg: Vec<BracketConfig> = rows
            .iter()
            .map(|&(floor, cap, lev, mmr)| BracketConfig {
                notional_floor: Decimal::from(floor),
                notional_cap: Decimal::from(cap),
                initial_leverage: lev,
                maint_margin_ratio: Decimal::new(mmr, 4),
            })
            .collect();
        // The built-in rows are valid by construction (a unit test checks each one).
        Self::from_config(&cfg).unwrap_or(BracketTable { tiers: Vec::new() })
    }

    /// The built-in table of `symbol` (see the module doc for what is confirmed).
    pub fn builtin(symbol: &str) -> BracketTable {
        match symbol {
            "BTCUSDT" | "ETHUSDT" => Self::from_rows(BTC),
            "SOLUSDT" => Self::from_rows(SOL),
            "XRPUSDT" | "BNBUSDT" => Self::from_rows(XRP_BNB),
            "ZECUSDT" => Self::from_rows(ZEC),
            _ => Self::default_estimate(),
        }
    }

    /// The estimated table used for symbols without a known one.
    pub fn default_estimate() -> BracketTable {
        Self::from_rows(DEFAULT)
    }

    pub fn tiers(&self) -> &[Bracket] {
        &self.tiers
    }

    /// The tier a position of `notional` falls in (the last tier beyond the last cap).
    pub fn tier_for(&self, notional: Decimal) -> Option<&Bracket> {
        self.tiers
            .iter()
            .find(|t| decimal_cmp::lt(notional, t.notional_cap))
            .or_else(|| self.tiers.last())
    }

    /// Maintenance margin = notional x MMR(tier) - cum.
    pub fn maintenance_margin(&self, notional: Decimal) -> Decimal {
        self.tier_for(notional)
            .map_or(Decimal::ZERO, |t| notional * t.maint_margin_ratio - t.cum)
    }

    /// The highest leverage the symbol allows (tier 1's).
    pub fn max_leverage(&self) -> u32 {
        self.tiers.first().map_or(1, |t| t.initial_leverage)
    }

    /// The largest position notional allowed at `leverage` (Binance's `maxNotionalValue`).
    pub fn max_notional_at(&self, leverage: u32) -> Decimal {
        self.tiers
            .iter()
            .filter(|t| t.initial_leverage >= leverage)
            .map(|t| t.notional_cap)
            // Iterator::max's answer (the last of equal values), on the mantissas.
            .reduce(|best, cap| {
                if decimal_cmp::lt(cap, best) {
                    best
                } else {
                    cap
                }
            })
            .unwrap_or(Decimal::ZERO)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn btc_cum_chain_matches_binance_facts() {
        // binance-facts.md section 7: BTCUSDT cum 0, 50, 950, 11,450, 131,450 for tiers 1-5.
        let t = BracketTable::builtin("BTCUSDT");
        let cums: Vec<Decimal> = t.tiers().iter().take(5).map(|b| b.cum).collect();
        assert_eq!(
            cums,
            vec![dec!(0), dec!(50), dec!(950), dec!(11450), dec!(131450)]
        );
        assert_eq!(t.tiers().len(), 12);
        assert_eq!(t.tiers()[11].notional_cap, dec!(1800000000));
        assert_eq!(t.tiers()[11].maint_margin_ratio, dec!(0.5));
        // SOLUSDT tier 2 cum 30, ZECUSDT tier 2 cum 500 (same source).
        assert_eq!(BracketTable::builtin("SOLUSDT").tiers()[1].cum, dec!(30));
        assert_eq!(BracketTable::builtin("ZECUSDT").tiers()[1].cum, dec!(500));
    }

    #[test]
    fn every_builtin_table_is_valid() {
        for s in ["BTCUSDT", "SOLUSDT", "XRPUSDT", "ZECUSDT", "ADAUSDT"] {
            let t = BracketTable::builtin(s);
            assert!(!t.tiers().is_empty(), "{s}");
            assert!(t.tiers().last().is_some_and(|b| b.initial_leverage == 1));
        }
    }

    #[test]
    fn maintenance_margin_across_two_brackets() {
        let t = BracketTable::builtin("BTCUSDT");
        // Tier 1: 40,000 x 0.004 - 0 = 160.
        assert_eq!(t.maintenance_margin(dec!(40000)), dec!(160));
        // Tier 2: 100,000 x 0.005 - 50 = 450 (the brief's example).
        assert_eq!(t.maintenance_margin(dec!(100000)), dec!(450));
        // The tiers meet continuously at the 50,000 boundary: tier 2's cumulative amount (50)
        // makes its formula give tier 1's 200 there, so a cent either side moves the margin by
        // about a cent's worth, not by a jump.
        assert_eq!(t.maintenance_margin(dec!(50000)), dec!(200));
        assert_eq!(t.maintenance_margin(dec!(49999.99)), dec!(199.99996));
        assert_eq!(t.maintenance_margin(dec!(50000.01)), dec!(200.00005));
    }

    #[test]
    fn leverage_limits() {
        let t = BracketTable::builtin("BTCUSDT");
        assert_eq!(t.max_leverage(), 125);
        assert_eq!(t.max_notional_at(125), dec!(50000));
        assert_eq!(t.max_notional_at(100), dec!(600000));
        assert_eq!(t.max_notional_at(20), dec!(100000000));
        assert_eq!(t.max_notional_at(1), dec!(1800000000));
    }

    #[test]
    fn config_tables_are_checked() {
        let tier = |f: i64, c: i64, l: u32, m: Decimal| BracketConfig {
            notional_floor: Decimal::from(f),
            notional_cap: Decimal::from(c),
            initial_leverage: l,
            maint_margin_ratio: m,
        };
        assert!(BracketTable::from_config(&[]).is_err());
        assert!(BracketTable::from_config(&[tier(1, 10, 10, dec!(0.01))]).is_err());
        let gap = [tier(0, 10, 10, dec!(0.01)), tier(20, 30, 5, dec!(0.02))];
        assert!(
            BracketTable::from_config(&gap)
                .expect_err("gap")
                .contains("contiguous")
        );
        let ok = [tier(0, 10, 10, dec!(0.01)), tier(10, 30, 5, dec!(0.02))];
        let t = BracketTable::from_config(&ok).expect("ok");
        assert_eq!(t.tiers()[1].cum, dec!(0.1));
    }
}
