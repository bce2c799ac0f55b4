//! The run config: a TOML file read into [`RawRunConfig`] (unknown keys refused, errors name
//! the file, line and key), `--set key=value` overrides applied to the TOML tree first, then
//! validated into a [`RunSpec`] that the run loops use.
//!
//! Sections: `[run]` (dataset, exchange info, seed, symbols), `[strategy]`, `[trader]`,
//! `[bridge]`, `[governor]`, `[executor]` (the stages' own config types from `pipeline`),
//! `[exchange]` (the simulated exchange's `SimConfig`; `exchange.latency.session` is read
//! into measured delays by `latency_import`) and `[topology]` (stream wiring).
//! Must never live here: running anything; this module only reads and checks.

mod blame;
pub mod env_import;
pub mod latency_import;
pub mod topology;

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use exchange_sim::SimConfig;
use pipeline::Symbol;
use pipeline::stages::config::{
    BridgeConfig, ExecutorConfig, GovernorConfig, PipelineConfig, TraderConfig,
};
use serde::{Deserialize, Serialize};
use strategies::StrategyConfig;

pub use topology::Topology;

/// `[run]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RunSection {
    /// A dataset name from `sim data list`.
    pub dataset: String,
    /// `mainnet`, `testnet`, an imported name, or a path to a saved exchangeInfo JSON.
    pub exchange_info: String,
    /// Drives every random choice of the run (the exchange's slippage draws).
    pub seed: u64,
    /// Trade only these of the dataset's symbols (empty: all of them).
    pub symbols: Vec<Symbol>,
    /// A recorded `trade.intent` file (JSON lines) replayed into the bridge at its times, in
    /// addition to the strategy's signals.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub intents: Option<PathBuf>,
}

impl Default for RunSection {
    fn default() -> Self {
        RunSection {
            dataset: "btc_2026q1".to_string(),
            exchange_info: "testnet".to_string(),
            seed: 1,
            symbols: Vec::new(),
            intents: None,
        }
    }
}

/// The file as written. Every section is optional; every key has a default.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RawRunConfig {
    pub run: RunSection,
    pub strategy: StrategyConfig,
    pub trader: TraderConfig,
    pub bridge: BridgeConfig,
    pub governor: GovernorConfig,
    pub executor: ExecutorConfig,
    pub exchange: SimConfig,
    pub topology: Topology,
}

/// A validated run config.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunSpec {
    pub run: RunSection,
    pub strategy: StrategyConfig,
    pub pipeline: PipelineConfig,
    pub exchange: SimConfig,
    pub topology: Topology,
    /// Where it came from (`built-in defaults` or a path), for messages.
    pub source: String,
}

impl RunSpec {
    /// The resolved config as TOML, as stored in a run folder.
    pub fn to_toml(&self) -> anyhow::Result<String> {
        let raw = RawRunConfig {
            run: self.run.clone(),
            strategy: self.strategy.clone(),
            trader: self.pipeline.trader.clone(),
            bridge: self.pipeline.bridge.clone(),
            governor: self.pipeline.governor.clone(),
            executor: self.pipeline.executor.clone(),
            exchange: self.exchange.clone(),
            topology: self.topology.clone(),
        };
        Ok(toml::to_string(&raw)?)
    }
}

/// Reads `path` (or the built-in defaults when `None`), applies `overrides` (`key=value`, the
/// key dotted as in the file: `trader.position_usd=500`), and validates.
pub fn load(path: Option<&Path>, overrides: &[String]) -> anyhow::Result<RunSpec> {
    let (table, source, text) = match path {
        Some(p) => {
            let text = std::fs::read_to_string(p)
                .with_context(|| format!("cannot read config file {}", p.display()))?;
            let table: toml::Table = toml::from_str(&text)
                .with_context(|| format!("{} is not valid TOML", p.display()))?;
            (table, p.display().to_string(), Some(text))
        }
        None => (toml::Table::new(), "built-in defaults".to_string(), None),
    };
    load_table(table, source, overrides, text.as_deref())
}

/// [`load`] from a config already read into a TOML table (`source` names it in messages;
/// `text`, the file's text when there is one, lets a mistyped key's error name its line):
/// `sim sweep` reads its base config once and loads it with each point's overrides.
pub fn load_table(
    mut table: toml::Table,
    source: String,
    overrides: &[String],
    text: Option<&str>,
) -> anyhow::Result<RunSpec> {
    for o in overrides {
        apply_override(&mut table, o)?;
    }
    latency_import::resolve_session(&mut table).with_context(|| format!("config {source}"))?;
    fill_strategy_defaults(&mut table);
    let raw: RawRunConfig = match toml::Value::Table(table.clone()).try_into() {
        Ok(raw) => raw,
        Err(e) => return Err(mistyped(&table, &e, &source, overrides, text)),
    };
    validate(raw, source)
}

/// The error for a config that does not deserialize: the key, where it was written (file and
/// line, or the `--set`), its value, serde's complaint and what the default looks like.
fn mistyped(
    table: &toml::Table,
    e: &toml::de::Error,
    source: &str,
    overrides: &[String],
    text: Option<&str>,
) -> anyhow::Error {
    let msg = e.message().trim();
    let fits = |t: toml::Table| toml::Value::Table(t).try_into::<RawRunConfig>().is_ok();
    let Some(key) = blame::culprit(table, &fits) else {
        return anyhow::anyhow!("{source}: {msg}")
            .context(format!("config {source} has an unknown or mistyped key"));
    };
    let at = |t: &toml::Table| -> Option<toml::Value> {
        let (section, name) = key.split_once('.').unwrap_or((key.as_str(), ""));
        let v = t.get(section)?;
        if name.is_empty() {
            Some(v.clone())
        } else {
            v.get(name).cloned()
        }
    };
    let value = at(table).map_or_else(String::new, |v| v.to_string());
    let place = match blame::origin(&key, overrides, text) {
        blame::Origin::Set(s) => format!("--set {s}"),
        blame::Origin::Line(n) => format!("{source}:{n}"),
        blame::Origin::Unknown => source.to_string(),
    };
    let defaults = load(None, &[])
        .and_then(|d| d.to_toml())
        .ok()
        .and_then(|t| toml::from_str::<toml::Table>(&t).ok());
    let hint = match defaults.as_ref().and_then(at) {
        Some(d) => format!("write it like the default: {key} = {d}"),
        None => "remove it or correct its name (the sections and keys are in README.md and sim/configs/)".to_string(),
    };
    anyhow::anyhow!("{place}: {key} = {value}: {msg}; {hint}")
}

/// Parses a whole config from text (for tests and `sim config import-env`).
pub fn parse(text: &str, source: &str) -> anyhow::Result<RunSpec> {
    let mut table: toml::Table =
        toml::from_str(text).with_context(|| format!("config {source} is not valid TOML"))?;
    latency_import::resolve_session(&mut table).with_context(|| format!("config {source}"))?;
    fill_strategy_defaults(&mut table);
    let raw: RawRunConfig = toml::Value::Table(table)
        .try_into()
        .with_context(|| format!("config {source} is not a valid run config"))?;
    validate(raw, source.to_string())
}

fn validate(raw: RawRunConfig, source: String) -> anyhow::Result<RunSpec> {
    raw.strategy
        .validate()
        .with_context(|| format!("{source}: [strategy]"))?;
    let mut exchange = raw.exchange;
    exchange.seed = raw.run.seed;
    exchange
        .validate()
        .with_context(|| format!("{source}: [exchange]"))?;
    let pipeline = PipelineConfig {
        trader: raw.trader,
        bridge: raw.bridge,
        governor: raw.governor,
        executor: raw.executor,
    };
    let errors = pipeline.validate();
    if !errors.is_empty() {
        let list: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
        bail!("{source}: {}", list.join("; "));
    }
    if raw.run.dataset.trim().is_empty() {
        bail!("{source}: run.dataset is empty; name a dataset from `sim data list`");
    }
    Ok(RunSpec {
        run: raw.run,
        strategy: raw.strategy,
        pipeline,
        exchange,
        topology: raw.topology,
        source,
    })
}

/// A `[strategy]` table that names no strategy, or the default one, takes the default's
/// missing keys: `--set strategy.fast=20` alone means `sma_cross` 20/30. Another strategy's
/// parameters must all be given.
fn fill_strategy_defaults(table: &mut toml::Table) {
    let Some(given) = table
        .get_mut("strategy")
        .and_then(toml::Value::as_table_mut)
    else {
        return;
    };
    let Ok(toml::Value::Table(defaults)) = toml::Value::try_from(StrategyConfig::default()) else {
        return;
    };
    if given
        .get("name")
        .is_some_and(|n| Some(n) != defaults.get("name"))
    {
        return;
    }
    for (key, value) in defaults {
        given.entry(key).or_insert(value);
    }
}

/// `a.b.c=value`: sets the nested key; the value is read as TOML (number, bool, array,
/// quoted string), and as a plain string when it is not valid TOML.
fn apply_override(table: &mut toml::Table, text: &str) -> anyhow::Result<()> {
    let Some((key, value)) = text.split_once('=') else {
        bail!("--set {text}: write it as key=value, e.g. --set trader.position_usd=500");
    };
    let path: Vec<&str> = key.trim().split('.').collect();
    if path.iter().any(|p| p.is_empty()) {
        bail!("--set {text}: '{key}' is not a dotted key like trader.position_usd");
    }
    let parsed: toml::Value = toml::from_str::<toml::Table>(&format!("v = {}", value.trim()))
        .ok()
        .and_then(|mut t| t.remove("v"))
        .unwrap_or_else(|| toml::Value::String(value.trim().to_string()));
    let mut node = table;
    for part in &path[..path.len() - 1] {
        let entry = node
            .entry(part.to_string())
            .or_insert_with(|| toml::Value::Table(toml::Table::new()));
        node = entry
            .as_table_mut()
            .with_context(|| format!("--set {text}: '{part}' is a value, not a section"))?;
    }
    node.insert(path[path.len() - 1].to_string(), parsed);
    Ok(())
}

/// Example configs shipped in `sim/configs/`.
pub fn examples_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("configs")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid() {
        let spec = load(None, &[]).expect("defaults");
        assert_eq!(spec.run.dataset, "btc_2026q1");
        assert_eq!(spec.exchange.seed, spec.run.seed);
        let again = parse(&spec.to_toml().expect("toml"), "round trip").expect("parse");
        assert_eq!(again.pipeline, spec.pipeline);
    }

    #[test]
    fn a_mistyped_value_names_its_key_and_line_or_its_set() {
        let dir = tempfile::tempdir().expect("dir");
        let file = dir.path().join("bad.toml");
        std::fs::write(&file, "[run]\nseed = 7\n\n[trader]\nleverage = \"two\"\n").expect("write");
        let err = format!("{:#}", load(Some(&file), &[]).expect_err("refused"));
        assert!(
            err.contains("bad.toml:5: trader.leverage = \"two\"")
                && err.contains("like the default: trader.leverage = 2"),
            "{err}"
        );
        let err = format!(
            "{:#}",
            load(None, &["trader.leverage=abc".to_string()]).expect_err("refused")
        );
        assert!(
            err.contains("--set trader.leverage=abc") && !err.contains("built-in defaults"),
            "{err}"
        );
    }

    #[test]
    fn overrides_set_nested_keys_with_types() {
        let spec = load(
            None,
            &[
                "trader.position_usd=500".into(),
                "executor.allow_upsize=true".into(),
                "run.symbols=[\"ETHUSDT\"]".into(),
                "run.exchange_info=mainnet".into(),
            ],
        )
        .expect("overrides");
        assert_eq!(spec.pipeline.trader.position_usd.to_string(), "500");
        assert!(spec.pipeline.executor.allow_upsize);
        assert_eq!(spec.run.symbols[0].as_str(), "ETHUSDT");
        assert_eq!(spec.run.exchange_info, "mainnet");
    }

    #[test]
    fn a_strategy_parameter_alone_keeps_the_default_strategy() {
        let spec = load(None, &["strategy.fast=20".into()]).expect("fast only");
        assert_eq!(
            spec.strategy,
            StrategyConfig::SmaCross {
                fast: 20,
                slow: 30,
                confidence: 0.75
            }
        );
        let spec = parse("[strategy]\nslow = 50\n", "t.toml").expect("slow only");
        assert!(matches!(
            spec.strategy,
            StrategyConfig::SmaCross {
                fast: 10,
                slow: 50,
                ..
            }
        ));
        // Another strategy's parameters are not guessed.
        let err = load(None, &["strategy.name=\"rsi_reversion\"".into()]).expect_err("incomplete");
        assert!(format!("{err:#}").contains("period"), "{err:#}");
    }

    #[test]
    fn unknown_keys_are_named() {
        let err = parse("[trader]\nposition_usdd = 5\n", "bad.toml").expect_err("typo");
        let text = format!("{err:#}");
        assert!(text.contains("position_usdd"), "{text}");
        assert!(text.contains("bad.toml"), "{text}");
        let err = load(None, &["trader.nope=1".into()]).expect_err("typo");
        assert!(format!("{err:#}").contains("nope"), "{err:#}");
        assert!(load(None, &["novalue".into()]).is_err());
    }
}
