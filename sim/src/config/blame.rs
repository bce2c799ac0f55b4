//! Which key made a config fail to deserialize, and where it was written: serde's message for
//! the merged table names neither (`invalid type: string "two", expected u32`). Only runs on
//! that error path.
//!
//! The culprit is found by removing one leaf key at a time from the merged table: the first
//! key whose removal lets the config deserialize (its section's defaults fill the gap) is it.
//! It came from the last `--set` that names it, else from the file (its line found by the
//! `[section]` header and the `key =` line).
//! Must never live here: loading or validating a config (`config/mod.rs`).

use toml::{Table, Value};

/// Where a culprit key was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// `--set KEY=VALUE`, as given.
    Set(String),
    /// The config file, 1-based line.
    Line(usize),
    /// Neither found (a key filled in by the program).
    Unknown,
}

/// The dotted key (`trader.leverage`) whose value `fits` refuses, if removing one key fixes it.
pub fn culprit(table: &Table, fits: &dyn Fn(Table) -> bool) -> Option<String> {
    for (section, value) in table {
        match value {
            Value::Table(inner) => {
                for key in inner.keys() {
                    let mut trial = table.clone();
                    if let Some(Value::Table(t)) = trial.get_mut(section) {
                        t.remove(key);
                    }
                    if fits(trial) {
                        return Some(format!("{section}.{key}"));
                    }
                }
            }
            _ => {
                let mut trial = table.clone();
                trial.remove(section);
                if fits(trial) {
                    return Some(section.clone());
                }
            }
        }
    }
    None
}

/// Where `dotted` was written: the last `--set` naming it, else its line in `file_text`.
pub fn origin(dotted: &str, overrides: &[String], file_text: Option<&str>) -> Origin {
    if let Some(o) = overrides
        .iter()
        .rev()
        .find(|o| o.split_once('=').is_some_and(|(k, _)| k.trim() == dotted))
    {
        return Origin::Set(o.clone());
    }
    let Some(text) = file_text else {
        return Origin::Unknown;
    };
    let (section, key) = dotted.rsplit_once('.').unwrap_or(("", dotted));
    let mut current = String::new();
    for (i, line) in text.lines().enumerate() {
        let t = line.trim();
        if let Some(h) = t.strip_prefix('[').and_then(|r| r.strip_suffix(']')) {
            current = h.trim().to_string();
            continue;
        }
        let named = t
            .split_once('=')
            .is_some_and(|(k, _)| k.trim().trim_matches('"') == key);
        if named && current == section {
            return Origin::Line(i + 1);
        }
    }
    Origin::Unknown
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_key_and_its_line_or_its_set() {
        let text = "[run]\ndataset = \"x\"\n\n[trader]\nposition_usd = 100\nleverage = \"two\"\n";
        let table: Table = toml::from_str(text).expect("toml");
        let fits = |t: Table| {
            t.get("trader")
                .and_then(|v| v.get("leverage"))
                .is_none_or(Value::is_integer)
        };
        assert_eq!(culprit(&table, &fits).as_deref(), Some("trader.leverage"));
        assert_eq!(origin("trader.leverage", &[], Some(text)), Origin::Line(6));
        let set = vec!["trader.leverage=abc".to_string()];
        assert_eq!(
            origin("trader.leverage", &set, Some(text)),
            Origin::Set("trader.leverage=abc".into())
        );
        assert_eq!(origin("run.seed", &[], Some(text)), Origin::Unknown);
    }
}
