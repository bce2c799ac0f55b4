//! The stages' configuration: serde structs (`deny_unknown_fields`, every field defaulted) meant
//! to be embedded as sections of the run-config TOML, plus [`PipelineConfig::validate`].
//!
//! Money fields are decimals (TOML numbers or strings); nothing on the order path is hard-coded
//! (the reports' `position_usd = 300` was, and ignored `MAX_POSITION_USD`). Defaults follow the
//! original system's `.env` files (section 4 of the Norwegian report) where it had a value.
//! Must never live here: file reading, topology/stream names, anything the stages compute.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::domain::Symbol;
use crate::domain::money::decimal_str;
use crate::order::WorkingType;

/// Every stage's section.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PipelineConfig {
    pub trader: TraderConfig,
    pub bridge: BridgeConfig,
    pub governor: GovernorConfig,
    pub executor: ExecutorConfig,
}

/// Stage 2, the autonomous trader (`/etc/quantum/autonomous-trader.env`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TraderConfig {
    /// Entries need a signal at least this confident (`MIN_CONFIDENCE`).
    pub min_confidence: f64,
    /// Entries into a new symbol stop at this many open positions (`MAX_POSITIONS`).
    pub max_positions: u32,
    /// Margin in USD per entry; notional = position_usd x leverage.
    #[serde(with = "decimal_str")]
    pub position_usd: Decimal,
    /// The most margin (notional / leverage) one position may hold (`MAX_POSITION_USD`);
    /// position_usd is clipped to it and the executor's upsizing and adds respect it.
    #[serde(with = "decimal_str")]
    pub max_position_usd: Decimal,
    pub leverage: u32,
    /// Take-profit distance from the entry in percent (none: no take-profit).
    #[serde(with = "opt_decimal", skip_serializing_if = "Option::is_none")]
    pub tp_pct: Option<Decimal>,
    /// Stop-loss distance from the entry in percent (none: no stop-loss).
    #[serde(with = "opt_decimal", skip_serializing_if = "Option::is_none")]
    pub sl_pct: Option<Decimal>,
    /// After an entry intent for a symbol, further entries for it wait this long (bar time).
    pub cooldown_ms: u64,
    /// The symbol universe (`SYMBOLS`); empty: every symbol the strategy signals.
    pub symbols: Vec<Symbol>,
}

impl Default for TraderConfig {
    fn default() -> Self {
        TraderConfig {
            min_confidence: 0.65,
            max_positions: 10,
            position_usd: Decimal::from(300),
            max_position_usd: Decimal::from(500),
            leverage: 2,
            tp_pct: Some(Decimal::TWO),
            sl_pct: Some(Decimal::ONE),
            cooldown_ms: 0,
            symbols: Vec::new(),
        }
    }
}

/// Stage 3, the intent bridge (`/etc/quantum/intent-bridge.env`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BridgeConfig {
    /// The policy allowlist for entries (`INTENT_BRIDGE_ALLOWLIST`); empty: every symbol.
    pub allowlist: Vec<Symbol>,
}

/// Stage 4, the governor.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct GovernorConfig {
    pub enabled: bool,
    pub weights: KillWeights,
    /// ENTRY plans are blocked when kill_score > this (fixed mode).
    pub entry_threshold: f64,
    /// EXIT plans are blocked when kill_score > this (fixed mode). The reports' system: 0.65.
    pub exit_threshold: f64,
    pub indicators: IndicatorConfig,
    pub adaptive: AdaptiveConfig,
}

impl Default for GovernorConfig {
    fn default() -> Self {
        GovernorConfig {
            enabled: true,
            weights: KillWeights::default(),
            entry_threshold: 1.0,
            exit_threshold: 1.0,
            indicators: IndicatorConfig::default(),
            adaptive: AdaptiveConfig::default(),
        }
    }
}

/// kill_score = sum of weight x component (components in 0..1; weights need not sum to 1).
/// The defaults reproduce the report's BTCUSDT example: 1.0/0.0/0.2398/0.0417 -> 0.7563.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct KillWeights {
    pub regime_flip: f64,
    pub sigma_spike: f64,
    pub ts_drop: f64,
    pub age_penalty: f64,
}

impl Default for KillWeights {
    fn default() -> Self {
        KillWeights {
            regime_flip: 0.7,
            sigma_spike: 0.1,
            ts_drop: 0.2,
            age_penalty: 0.2,
        }
    }
}

/// The market state behind the kill-score components (per symbol, updated every bar).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct IndicatorConfig {
    /// Fast and slow EWMA lengths of the close; the regime is the sign of fast - slow.
    pub fast_bars: u32,
    pub slow_bars: u32,
    /// regime_flip = 1 while the regime changed within this many bars.
    pub regime_window_bars: u32,
    /// Short and long EWMA lengths of squared returns.
    pub vol_fast_bars: u32,
    pub vol_slow_bars: u32,
    /// sigma_spike reaches 1 when short vol / long vol reaches this ratio (0 at ratio 1).
    pub sigma_spike_ratio: f64,
    /// ts_drop reaches 1 when the close is this many percent off the position's best close.
    pub trail_pct: f64,
    /// age_penalty reaches 1 after this many bars held.
    pub max_age_bars: u32,
}

impl Default for IndicatorConfig {
    fn default() -> Self {
        IndicatorConfig {
            fast_bars: 12,
            slow_bars: 48,
            regime_window_bars: 10,
            vol_fast_bars: 12,
            vol_slow_bars: 96,
            sigma_spike_ratio: 2.0,
            trail_pct: 2.0,
            max_age_bars: 1440,
        }
    }
}

/// Adaptive thresholds: block when z = (score - ewma_mean) / (ewma_dev + 1e-9) is above the
/// cutoff, the statistics kept per evaluation type over the governor's own past scores.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AdaptiveConfig {
    pub enabled: bool,
    /// Half-life of the mean and deviation, in evaluations.
    pub halflife_evals: f64,
    pub entry_z: f64,
    pub exit_z: f64,
    /// Evaluations before the z-score is used; until then the fixed thresholds apply.
    pub warmup_evals: u32,
}

impl Default for AdaptiveConfig {
    fn default() -> Self {
        AdaptiveConfig {
            enabled: false,
            halflife_evals: 50.0,
            entry_z: 2.0,
            exit_z: 2.0,
            warmup_evals: 20,
        }
    }
}

/// Stage 6, the intent executor (`/etc/quantum/intent-executor.env`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ExecutorConfig {
    /// Raise an entry below MIN_NOTIONAL to the smallest step multiple that meets it, unless
    /// the position would then pass max_position_usd (`ALLOW_UPSIZE`, default false there too).
    pub allow_upsize: bool,
    /// The services whose plans may trade (`INTENT_EXECUTOR_SOURCE_ALLOWLIST`, e.g.
    /// `intent_bridge`, the producer of every plan `sim` makes); empty: all. Matched against
    /// the plan's producer, never the signal's source.
    pub source_allowlist: Vec<String>,
    /// Place the plan's TP/SL as reduce-only TAKE_PROFIT_MARKET / STOP_MARKET after an entry fills.
    pub place_tp_sl: bool,
    /// The price the TP/SL triggers watch (`workingType`): `CONTRACT_PRICE` (the last trade,
    /// Binance's default) or `MARK_PRICE`. Left out of a written config when the default.
    #[serde(skip_serializing_if = "WorkingType::is_contract_price")]
    pub working_type: WorkingType,
}

impl Default for ExecutorConfig {
    fn default() -> Self {
        ExecutorConfig {
            allow_upsize: false,
            source_allowlist: Vec::new(),
            place_tp_sl: true,
            working_type: WorkingType::ContractPrice,
        }
    }
}

/// One problem with a configuration value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {problem}")]
pub struct ConfigError {
    /// Dotted path, e.g. `trader.leverage`.
    pub field: &'static str,
    pub problem: String,
}

impl PipelineConfig {
    /// Every problem found (empty: usable). Each names the field and the allowed range.
    pub fn validate(&self) -> Vec<ConfigError> {
        let mut errs = Vec::new();
        let mut bad = |field: &'static str, ok: bool, problem: String| {
            if !ok {
                errs.push(ConfigError { field, problem });
            }
        };
        let t = &self.trader;
        let unit = |x: f64| x.is_finite() && (0.0..=1.0).contains(&x);
        bad(
            "trader.min_confidence",
            unit(t.min_confidence),
            format!("must be in 0..=1, got {}", t.min_confidence),
        );
        bad(
            "trader.position_usd",
            t.position_usd > Decimal::ZERO,
            format!("must be > 0, got {}", t.position_usd),
        );
        bad(
            "trader.max_position_usd",
            t.max_position_usd > Decimal::ZERO,
            format!("must be > 0, got {}", t.max_position_usd),
        );
        bad(
            "trader.leverage",
            (1..=125).contains(&t.leverage),
            format!("must be 1..=125 (Binance's range), got {}", t.leverage),
        );
        bad(
            "trader.max_positions",
            t.max_positions > 0,
            "must be at least 1".into(),
        );
        for (field, pct) in [("trader.tp_pct", t.tp_pct), ("trader.sl_pct", t.sl_pct)] {
            if let Some(p) = pct {
                bad(
                    field,
                    p > Decimal::ZERO && p < Decimal::ONE_HUNDRED,
                    format!("must be in (0, 100) percent, got {p}"),
                );
            }
        }
        let g = &self.governor;
        let w = g.weights;
        for (field, v) in [
            ("governor.weights.regime_flip", w.regime_flip),
            ("governor.weights.sigma_spike", w.sigma_spike),
            ("governor.weights.ts_drop", w.ts_drop),
            ("governor.weights.age_penalty", w.age_penalty),
        ] {
            bad(
                field,
                v.is_finite() && v >= 0.0,
                format!("must be a number >= 0, got {v}"),
            );
        }
        for (field, v) in [
            ("governor.entry_threshold", g.entry_threshold),
            ("governor.exit_threshold", g.exit_threshold),
            ("governor.adaptive.entry_z", g.adaptive.entry_z),
            ("governor.adaptive.exit_z", g.adaptive.exit_z),
        ] {
            bad(
                field,
                v.is_finite(),
                format!("must be a finite number, got {v}"),
            );
        }
        let i = &g.indicators;
        bad(
            "governor.indicators.fast_bars",
            i.fast_bars >= 1 && i.fast_bars < i.slow_bars,
            format!(
                "must be >= 1 and below slow_bars ({}), got {}",
                i.slow_bars, i.fast_bars
            ),
        );
        bad(
            "governor.indicators.vol_fast_bars",
            i.vol_fast_bars >= 1 && i.vol_fast_bars < i.vol_slow_bars,
            format!(
                "must be >= 1 and below vol_slow_bars ({}), got {}",
                i.vol_slow_bars, i.vol_fast_bars
            ),
        );
        bad(
            "governor.indicators.sigma_spike_ratio",
            i.sigma_spike_ratio.is_finite() && i.sigma_spike_ratio > 1.0,
            format!("must be > 1, got {}", i.sigma_spike_ratio),
        );
        bad(
            "governor.indicators.trail_pct",
            i.trail_pct.is_finite() && i.trail_pct > 0.0,
            format!("must be > 0, got {}", i.trail_pct),
        );
        bad(
            "governor.indicators.max_age_bars",
            i.max_age_bars >= 1,
            "must be at least 1".into(),
        );
        bad(
            "governor.adaptive.halflife_evals",
            g.adaptive.halflife_evals.is_finite() && g.adaptive.halflife_evals > 0.0,
            format!("must be > 0, got {}", g.adaptive.halflife_evals),
        );
        errs
    }
}

/// Serde for `Option<Decimal>` fields: absent or a decimal string/number in, a string out.
pub mod opt_decimal {
    use rust_decimal::Decimal;
    use serde::{Deserialize, Deserializer, Serializer};

    use crate::domain::money::decimal_from_str_or_number;

    pub fn serialize<S: Serializer>(d: &Option<Decimal>, s: S) -> Result<S::Ok, S::Error> {
        match d {
            Some(d) => s.collect_str(d),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Decimal>, D::Error> {
        #[derive(Deserialize)]
        struct Wrap(#[serde(deserialize_with = "decimal_from_str_or_number")] Decimal);
        Ok(Option::<Wrap>::deserialize(d)?.map(|w| w.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn defaults_validate_and_round_trip_through_json() {
        let cfg = PipelineConfig::default();
        assert!(cfg.validate().is_empty(), "{:?}", cfg.validate());
        let json = serde_json::to_string(&cfg).expect("ser");
        let back: PipelineConfig = serde_json::from_str(&json).expect("de");
        assert_eq!(back, cfg);
    }

    #[test]
    fn sections_parse_from_partial_json_and_refuse_unknown_keys() {
        let cfg: PipelineConfig = serde_json::from_str(
            r#"{"trader": {"position_usd": 250, "leverage": 3, "tp_pct": "1.5", "symbols": ["BTCUSDT"]},
                "executor": {"allow_upsize": true}}"#,
        )
        .expect("partial");
        assert_eq!(cfg.trader.position_usd, dec!(250));
        assert_eq!(cfg.trader.tp_pct, Some(dec!(1.5)));
        assert_eq!(cfg.trader.max_position_usd, dec!(500));
        assert!(cfg.executor.allow_upsize);
        let err = serde_json::from_str::<PipelineConfig>(r#"{"trader": {"positon_usd": 1}}"#)
            .expect_err("typo");
        assert!(err.to_string().contains("positon_usd"), "{err}");
    }

    #[test]
    fn validate_names_each_bad_field() {
        let mut cfg = PipelineConfig::default();
        cfg.trader.leverage = 0;
        cfg.trader.min_confidence = 1.5;
        cfg.governor.weights.ts_drop = -1.0;
        let fields: Vec<_> = cfg.validate().into_iter().map(|e| e.field).collect();
        assert_eq!(
            fields,
            [
                "trader.min_confidence",
                "trader.leverage",
                "governor.weights.ts_drop"
            ]
        );
    }
}
