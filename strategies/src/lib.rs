//! `strategies`: signal sources that turn closed bars into `Signal`s.
//!
//! Map:
//! - [`indicators`]: O(1)-per-bar SMA, Wilder RSI, rolling max/min.
//! - [`sma_cross`], [`ema_cross`], [`rsi_reversion`], [`donchian`]: the built-in strategies.
//! - [`stamp`]: [`stamp::SignalStamp`], how a built-in strategy's action becomes a signal.
//! - [`signals_file`]: replay of recorded signals (JSON lines or CSV).
//! - [`StrategyConfig`]: the `[strategy]` table of a run config, and [`StrategyFactory`],
//!   which builds one signal source per symbol.
//!
//! Every strategy is pure: a bar in, signals out; no clock reads and no I/O after
//! construction. Must never live here: sizing, risk or anything about orders (those are the
//! pipeline's stages).

pub mod donchian;
pub mod ema_cross;
pub mod indicators;
pub mod rsi_reversion;
pub mod signals_file;
pub mod sma_cross;
pub mod stamp;

use std::path::PathBuf;
use std::sync::Arc;

use pipeline::Symbol;
use pipeline::signal::SignalSource;
use serde::{Deserialize, Serialize};

#[derive(Debug, thiserror::Error)]
pub enum StrategyError {
    #[error("{path}: {err}")]
    Io { path: String, err: String },
    #[error("{path} line {line}: {what}")]
    BadRecord {
        path: String,
        line: usize,
        what: String,
    },
    #[error("strategy {strategy}: {what}")]
    BadParameter {
        strategy: &'static str,
        what: String,
    },
}

fn default_confidence() -> f64 {
    0.75
}

/// The `[strategy]` table of a run config: `name` picks the strategy, the rest are its
/// parameters. Unknown keys are refused.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "name", rename_all = "snake_case", deny_unknown_fields)]
pub enum StrategyConfig {
    SmaCross {
        fast: usize,
        slow: usize,
        #[serde(default = "default_confidence")]
        confidence: f64,
    },
    EmaCross {
        fast: usize,
        slow: usize,
        #[serde(default = "default_confidence")]
        confidence: f64,
    },
    RsiReversion {
        period: usize,
        oversold: f64,
        overbought: f64,
        #[serde(default = "default_confidence")]
        confidence: f64,
    },
    DonchianBreakout {
        period: usize,
        #[serde(default = "default_confidence")]
        confidence: f64,
    },
    SignalsFile {
        path: PathBuf,
    },
}

impl Default for StrategyConfig {
    fn default() -> Self {
        StrategyConfig::SmaCross {
            fast: 10,
            slow: 30,
            confidence: default_confidence(),
        }
    }
}

impl StrategyConfig {
    /// The defaults for a strategy named on the command line (`--strategy rsi_reversion`).
    pub fn named(name: &str) -> Result<Self, StrategyError> {
        Ok(match name {
            "sma_cross" => Self::default(),
            "ema_cross" => StrategyConfig::EmaCross {
                fast: 12,
                slow: 26,
                confidence: default_confidence(),
            },
            "rsi_reversion" => StrategyConfig::RsiReversion {
                period: 14,
                oversold: 30.0,
                overbought: 70.0,
                confidence: default_confidence(),
            },
            "donchian_breakout" => StrategyConfig::DonchianBreakout {
                period: 20,
                confidence: default_confidence(),
            },
            "signals_file" => {
                return Err(StrategyError::BadParameter {
                    strategy: "signals_file",
                    what: "needs a path: set strategy.path = \"signals.jsonl\" in the config"
                        .into(),
                });
            }
            other => {
                return Err(StrategyError::BadParameter {
                    strategy: "unknown",
                    what: format!(
                        "'{other}' is not a strategy; use sma_cross, ema_cross, rsi_reversion, donchian_breakout or signals_file"
                    ),
                });
            }
        })
    }

    pub fn validate(&self) -> Result<(), StrategyError> {
        let bad = |strategy, what: &str| {
            Err(StrategyError::BadParameter {
                strategy,
                what: what.to_string(),
            })
        };
        let conf_ok = |c: f64| (0.0..=1.0).contains(&c);
        match self {
            StrategyConfig::SmaCross {
                fast,
                slow,
                confidence,
            } => {
                if *fast == 0 || fast >= slow {
                    return bad("sma_cross", "needs 0 < fast < slow");
                }
                if !conf_ok(*confidence) {
                    return bad("sma_cross", "confidence must be in 0..1");
                }
            }
            StrategyConfig::EmaCross {
                fast,
                slow,
                confidence,
            } => {
                if *fast == 0 || fast >= slow {
                    return bad("ema_cross", "needs 0 < fast < slow");
                }
                if !conf_ok(*confidence) {
                    return bad("ema_cross", "confidence must be in 0..1");
                }
            }
            StrategyConfig::RsiReversion {
                period,
                oversold,
                overbought,
                confidence,
            } => {
                if *period < 2 || !(0.0 < *oversold && oversold < overbought && *overbought < 100.0)
                {
                    return bad(
                        "rsi_reversion",
                        "needs period >= 2 and 0 < oversold < overbought < 100",
                    );
                }
                if !conf_ok(*confidence) {
                    return bad("rsi_reversion", "confidence must be in 0..1");
                }
            }
            StrategyConfig::DonchianBreakout { period, confidence } => {
                if *period < 2 || !conf_ok(*confidence) {
                    return bad(
                        "donchian_breakout",
                        "needs period >= 2 and confidence in 0..1",
                    );
                }
            }
            StrategyConfig::SignalsFile { .. } => {}
        }
        Ok(())
    }
}

/// Builds one signal source per symbol from a validated config.
#[derive(Debug)]
pub struct StrategyFactory {
    config: StrategyConfig,
    interval_ms: i64,
    recorded: Option<Arc<signals_file::RecordedSignals>>,
}

impl StrategyFactory {
    /// Validates `config`; for `signals_file`, reads the file once (errors name its line).
    pub fn new(config: &StrategyConfig, interval_ms: i64) -> Result<Self, StrategyError> {
        config.validate()?;
        let recorded = match config {
            StrategyConfig::SignalsFile { path } => {
                Some(Arc::new(signals_file::RecordedSignals::load(path)?))
            }
            _ => None,
        };
        Ok(StrategyFactory {
            config: config.clone(),
            interval_ms,
            recorded,
        })
    }

    /// The recorded signals, for a `signals_file` strategy.
    pub fn recorded(&self) -> Option<&signals_file::RecordedSignals> {
        self.recorded.as_deref()
    }

    pub fn build(&self, symbol: &Symbol) -> Box<dyn SignalSource + Send> {
        let ms = self.interval_ms;
        match (&self.config, &self.recorded) {
            (
                StrategyConfig::SmaCross {
                    fast,
                    slow,
                    confidence,
                },
                _,
            ) => Box::new(sma_cross::SmaCross::new(*fast, *slow, *confidence, ms)),
            (
                StrategyConfig::EmaCross {
                    fast,
                    slow,
                    confidence,
                },
                _,
            ) => Box::new(ema_cross::EmaCross::new(*fast, *slow, *confidence, ms)),
            (
                StrategyConfig::RsiReversion {
                    period,
                    oversold,
                    overbought,
                    confidence,
                },
                _,
            ) => Box::new(rsi_reversion::RsiReversion::new(
                *period,
                *oversold,
                *overbought,
                *confidence,
                ms,
            )),
            (StrategyConfig::DonchianBreakout { period, confidence }, _) => {
                Box::new(donchian::DonchianBreakout::new(*period, *confidence, ms))
            }
            (StrategyConfig::SignalsFile { .. }, recorded) => {
                Box::new(signals_file::SignalsReplay::new(
                    recorded.clone().unwrap_or_default(),
                    symbol.clone(),
                    ms,
                ))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pipeline::signal::Action;
    use pipeline::{Bar, TimestampMs};

    fn run(config: &StrategyConfig, closes: &[f64]) -> Vec<Action> {
        let factory = StrategyFactory::new(config, 60_000).expect("factory");
        let sym = Symbol::new("BTCUSDT").expect("s");
        let mut src = factory.build(&sym);
        let mut out = Vec::new();
        for (i, c) in closes.iter().enumerate() {
            let bar = Bar {
                open_time: TimestampMs(i as i64 * 60_000),
                open: *c,
                high: c + 1.0,
                low: c - 1.0,
                close: *c,
                volume: 1.0,
            };
            src.on_bar(&sym, &bar, &mut out);
        }
        out.iter().map(|s| s.action).collect()
    }

    #[test]
    fn sma_cross_signals_each_cross_once() {
        let cfg = StrategyConfig::SmaCross {
            fast: 2,
            slow: 4,
            confidence: 0.9,
        };
        let closes = [
            10.0, 10.0, 10.0, 10.0, 12.0, 14.0, 16.0, 16.0, 12.0, 8.0, 6.0,
        ];
        assert_eq!(run(&cfg, &closes), vec![Action::Sell]);
        let v = [5.0, 4.0, 3.0, 2.0, 1.0, 1.0, 3.0, 6.0, 9.0];
        assert_eq!(run(&cfg, &v), vec![Action::Buy]);
    }

    #[test]
    fn donchian_breaks_out_both_ways() {
        let cfg = StrategyConfig::DonchianBreakout {
            period: 3,
            confidence: 0.75,
        };
        let closes = [10.0, 10.0, 10.0, 12.5, 13.0, 10.0, 7.0];
        assert_eq!(run(&cfg, &closes), vec![Action::Buy, Action::Sell]);
    }

    #[test]
    fn rsi_reversion_buys_oversold_and_closes_at_50() {
        let cfg = StrategyConfig::named("rsi_reversion").expect("named");
        let mut closes: Vec<f64> = (0..20).map(|i| 100.0 + f64::from(i % 2)).collect();
        closes.extend((0..10).map(|i| 100.0 - 2.0 * f64::from(i)));
        closes.extend((0..15).map(|i| 82.0 + 3.0 * f64::from(i)));
        let actions = run(&cfg, &closes);
        assert_eq!(actions.first(), Some(&Action::Buy), "{actions:?}");
        assert!(actions.contains(&Action::Close), "{actions:?}");
    }

    #[test]
    fn configs_are_validated_and_unknown_keys_refused() {
        assert!(
            StrategyConfig::SmaCross {
                fast: 30,
                slow: 10,
                confidence: 0.5
            }
            .validate()
            .is_err()
        );
        assert!(StrategyConfig::named("macd").is_err());
        let toml_err = serde_json::from_str::<StrategyConfig>(
            r#"{"name":"sma_cross","fast":1,"slow":2,"fsat":3}"#,
        );
        assert!(toml_err.is_err());
    }
}
