//! `sim config import-env DIR`: turns the original system's `KEY=VALUE` env files
//! (`/etc/quantum/*.env`) into a run config, so a user can model the deployment they have,
//! wrong stream names and all.
//!
//! Every `*.env` file in the folder is read (sorted by name). Keys `sim` models are mapped
//! (see [`MAPPING`]); keys it does not model are listed in the output, never silently dropped.
//! A value that cannot be read is an error naming the file, the line and the key.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{Context, bail};

/// (env key, config key, what it becomes).
pub const MAPPING: &[(&str, &str, &str)] = &[
    ("SYMBOLS", "trader.symbols", "list"),
    ("MIN_CONFIDENCE", "trader.min_confidence", "number"),
    ("MAX_POSITIONS", "trader.max_positions", "integer"),
    ("MAX_POSITION_USD", "trader.max_position_usd", "decimal"),
    ("POSITION_USD", "trader.position_usd", "decimal"),
    ("LEVERAGE", "trader.leverage", "integer"),
    ("TP_PCT", "trader.tp_pct", "decimal"),
    ("SL_PCT", "trader.sl_pct", "decimal"),
    ("COOLDOWN_SEC", "trader.cooldown_ms", "seconds"),
    ("INTENT_BRIDGE_ALLOWLIST", "bridge.allowlist", "list"),
    ("TESTNET_MODE", "run.exchange_info", "testnet"),
    ("ALLOW_UPSIZE", "executor.allow_upsize", "bool"),
    (
        "INTENT_EXECUTOR_SOURCE_ALLOWLIST",
        "executor.source_allowlist",
        "list",
    ),
    (
        "INTENT_EXECUTOR_MANUAL_STREAM",
        "topology.executor.reads",
        "string",
    ),
    (
        "INTENT_EXECUTOR_STREAM",
        "topology.executor.reads",
        "string",
    ),
    (
        "INTENT_EXECUTOR_RESULT_STREAM",
        "topology.executor.writes",
        "string",
    ),
    (
        "INTENT_BRIDGE_INPUT_STREAM",
        "topology.bridge.reads",
        "string",
    ),
    (
        "INTENT_BRIDGE_OUTPUT_STREAM",
        "topology.bridge.writes",
        "string",
    ),
    (
        "AUTONOMOUS_TRADER_INPUT_STREAM",
        "topology.trader.reads",
        "string",
    ),
    (
        "AUTONOMOUS_TRADER_OUTPUT_STREAM",
        "topology.trader.writes",
        "string",
    ),
];

/// One `KEY=VALUE` with where it was read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvEntry {
    pub file: String,
    pub line: usize,
    pub key: String,
    pub value: String,
}

/// What an import produced.
#[derive(Debug, Clone, PartialEq)]
pub struct EnvImport {
    /// The run config, as TOML text with a header saying where each value came from.
    pub toml: String,
    /// Keys found but not modelled by `sim` (file, line, key).
    pub ignored: Vec<EnvEntry>,
}

/// Parses env-file text: `KEY=VALUE`, `export KEY=VALUE`, `#` comments, quoted values, and
/// indented continuation lines (a value wrapped onto the next line).
pub fn parse_env(text: &str, file: &str) -> anyhow::Result<Vec<EnvEntry>> {
    let mut out: Vec<EnvEntry> = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = i + 1;
        let trimmed = raw.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        if raw.starts_with([' ', '\t'])
            && let Some(last) = out.last_mut()
            && last.value.ends_with(',')
        {
            last.value.push_str(trimmed);
            continue;
        }
        let body = trimmed.strip_prefix("export ").unwrap_or(trimmed);
        let Some((key, value)) = body.split_once('=') else {
            bail!("{file} line {line}: '{trimmed}' is not KEY=VALUE");
        };
        let value = value.split(" #").next().unwrap_or("").trim();
        let value = value.trim_matches(|c| c == '"' || c == '\'');
        out.push(EnvEntry {
            file: file.to_string(),
            line,
            key: key.trim().to_string(),
            value: value.to_string(),
        });
    }
    Ok(out)
}

fn list(value: &str) -> toml::Value {
    toml::Value::Array(
        value
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| toml::Value::String(s.to_string()))
            .collect(),
    )
}

fn convert(e: &EnvEntry, kind: &str) -> anyhow::Result<toml::Value> {
    let bad = |what: &str| {
        anyhow::anyhow!(
            "{} line {}: {}={} is not {what}; fix the value or remove the line",
            e.file,
            e.line,
            e.key,
            e.value
        )
    };
    let v = e.value.as_str();
    Ok(match kind {
        "list" => list(v),
        "number" => toml::Value::Float(v.parse().map_err(|_| bad("a number"))?),
        "integer" => {
            let f: f64 = v.parse().map_err(|_| bad("a whole number"))?;
            if f.fract() != 0.0 || f < 0.0 {
                return Err(bad("a whole number"));
            }
            toml::Value::Integer(f as i64)
        }
        "decimal" => {
            v.parse::<f64>().map_err(|_| bad("a decimal number"))?;
            toml::Value::String(v.to_string())
        }
        "seconds" => {
            let s: f64 = v.parse().map_err(|_| bad("a number of seconds"))?;
            toml::Value::Integer((s * 1000.0) as i64)
        }
        "bool" | "testnet" => {
            let b = match v.to_ascii_lowercase().as_str() {
                "true" | "1" | "yes" | "on" => true,
                "false" | "0" | "no" | "off" => false,
                _ => return Err(bad("true or false")),
            };
            if kind == "testnet" {
                toml::Value::String(if b { "testnet" } else { "mainnet" }.to_string())
            } else {
                toml::Value::Boolean(b)
            }
        }
        _ => toml::Value::String(v.to_string()),
    })
}

/// Reads every `*.env` file in `dir` and builds a run config.
pub fn import_dir(dir: &Path) -> anyhow::Result<EnvImport> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .with_context(|| format!("cannot read folder {}", dir.display()))?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "env"))
        .collect();
    files.sort();
    if files.is_empty() {
        bail!(
            "{} has no *.env files; copy the services' env files (e.g. /etc/quantum/*.env) there",
            dir.display()
        );
    }
    let mut entries = Vec::new();
    for f in &files {
        let text =
            std::fs::read_to_string(f).with_context(|| format!("cannot read {}", f.display()))?;
        let name = f
            .file_name()
            .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
        entries.extend(parse_env(&text, &name)?);
    }
    import_entries(&entries)
}

/// Builds the config from parsed entries (a later file's key wins, as in a shell).
pub fn import_entries(entries: &[EnvEntry]) -> anyhow::Result<EnvImport> {
    let mut table = toml::Table::new();
    let mut provenance: BTreeMap<String, String> = BTreeMap::new();
    let mut ignored = Vec::new();
    for e in entries {
        let Some((_, target, kind)) = MAPPING.iter().find(|(k, _, _)| *k == e.key) else {
            ignored.push(e.clone());
            continue;
        };
        let value = convert(e, kind)?;
        let parts: Vec<&str> = target.split('.').collect();
        let mut node = &mut table;
        for p in &parts[..parts.len() - 1] {
            node = node
                .entry(p.to_string())
                .or_insert_with(|| toml::Value::Table(toml::Table::new()))
                .as_table_mut()
                .context("config section clash")?;
        }
        node.insert(parts[parts.len() - 1].to_string(), value);
        provenance.insert(
            target.to_string(),
            format!("{} ({} line {})", e.key, e.file, e.line),
        );
    }
    complete_topology(&mut table)?;
    let mut text =
        String::from("# Imported by `sim config import-env`. Where each value came from:\n");
    for (target, from) in &provenance {
        text.push_str(&format!("#   {target} <- {from}\n"));
    }
    if !ignored.is_empty() {
        text.push_str("# Keys sim does not model (left out):\n");
        for e in &ignored {
            text.push_str(&format!(
                "#   {}={} ({} line {})\n",
                e.key, e.value, e.file, e.line
            ));
        }
    }
    text.push('\n');
    text.push_str(&toml::to_string(&table).context("cannot write the config as TOML")?);
    super::parse(&text, "imported env files")?;
    Ok(EnvImport {
        toml: text,
        ignored,
    })
}

/// An env file names one end of a stage (the executor's input stream, say); the other end
/// keeps the original system's default. Written out in full because a `[topology.STAGE]`
/// table replaces the whole stage: `reads` alone would leave the stage writing nothing.
fn complete_topology(table: &mut toml::Table) -> anyhow::Result<()> {
    let Some(topology) = table
        .get_mut("topology")
        .and_then(toml::Value::as_table_mut)
    else {
        return Ok(());
    };
    let defaults = toml::Table::try_from(super::Topology::default())
        .context("cannot write the default topology as TOML")?;
    for (stage, ends) in topology.iter_mut() {
        let (Some(ends), Some(default)) = (
            ends.as_table_mut(),
            defaults.get(stage).and_then(toml::Value::as_table),
        ) else {
            continue;
        };
        for (end, stream) in default {
            ends.entry(end.clone()).or_insert_with(|| stream.clone());
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrapped_values_comments_and_quotes() {
        let text = "# trader\nSYMBOLS=ETHUSDT,BTCUSDT,\n        SOLUSDT\nexport MIN_CONFIDENCE=\"0.65\" # note\n";
        let e = parse_env(text, "a.env").expect("parse");
        assert_eq!(e.len(), 2);
        assert_eq!(e[0].value, "ETHUSDT,BTCUSDT,SOLUSDT");
        assert_eq!(
            (e[1].key.as_str(), e[1].value.as_str(), e[1].line),
            ("MIN_CONFIDENCE", "0.65", 4)
        );
        assert!(parse_env("JUSTAWORD\n", "b.env").is_err());
    }

    #[test]
    fn bad_values_name_file_line_and_key() {
        let e = parse_env("\nMAX_POSITIONS=ten\n", "trader.env").expect("parse");
        let err = import_entries(&e).expect_err("bad");
        assert_eq!(
            err.to_string(),
            "trader.env line 2: MAX_POSITIONS=ten is not a whole number; fix the value or remove the line"
        );
    }

    #[test]
    fn a_stage_named_by_one_end_keeps_its_other_end() {
        let e = parse_env(
            "INTENT_EXECUTOR_MANUAL_STREAM=quantum:stream:apply.plan.manual\n",
            "intent-executor.env",
        )
        .expect("parse");
        let imported = import_entries(&e).expect("import");
        let spec = super::super::parse(&imported.toml, "imported").expect("config");
        let executor = &spec.topology.executor;
        assert_eq!(
            executor.reads.as_deref(),
            Some("quantum:stream:apply.plan.manual")
        );
        assert_eq!(
            executor.writes.as_deref(),
            Some(super::super::topology::RESULT_STREAM)
        );
    }
}
