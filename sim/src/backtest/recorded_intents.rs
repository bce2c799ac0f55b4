//! Recorded trade intents (`run.intents`, `sim backtest --intents FILE`): a JSON-lines file, one
//! intent object per line as the original system's trader wrote them to `trade.intent`, replayed
//! into the bridge at their times so a user can test the stages after the trader with the
//! intents their deployment really produced (both sizing forms of F1 are accepted).
//! Must never live here: reading an intent's fields beyond symbol and time (the bridge does).

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{Context, bail};
use pipeline::TimestampMs;
use pipeline::stages::payload::IntentPayload;

/// The intents of one symbol, in time order.
#[derive(Debug, Default)]
pub struct SymbolIntents {
    items: Vec<(TimestampMs, IntentPayload)>,
    next: usize,
}

impl SymbolIntents {
    /// The intents recorded before `until` (exclusive) not handed out yet.
    pub fn take_before(&mut self, until: TimestampMs) -> Vec<IntentPayload> {
        let start = self.next;
        while self.next < self.items.len() && self.items[self.next].0 < until {
            self.next += 1;
        }
        self.items[start..self.next]
            .iter()
            .map(|(_, p)| p.clone())
            .collect()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }
}

/// A whole intents file, split by symbol.
#[derive(Debug, Default)]
pub struct RecordedIntents {
    by_symbol: BTreeMap<String, SymbolIntents>,
    lines: BTreeMap<String, Vec<usize>>,
}

/// The intent fields that must be numbers (a number, or a string holding a decimal).
const NUMBER_FIELDS: [&str; 7] = [
    "qty",
    "quantity",
    "position_usd",
    "leverage",
    "price",
    "tp_pct",
    "sl_pct",
];

/// Refuses a number field that holds no number (`"position_usd": "abc"`), which the bridge
/// would otherwise take as absent and report as "no size".
fn check_numbers(p: &IntentPayload, path: &Path, n: usize) -> anyhow::Result<()> {
    for key in NUMBER_FIELDS {
        let ok = match p.fields().get(key) {
            None | Some(serde_json::Value::Null | serde_json::Value::Number(_)) => true,
            Some(serde_json::Value::String(s)) => {
                let t = s.trim();
                t.parse::<rust_decimal::Decimal>().is_ok()
                    || rust_decimal::Decimal::from_scientific(t).is_ok()
            }
            Some(_) => false,
        };
        if !ok {
            let v = p
                .fields()
                .get(key)
                .map(|v| v.to_string())
                .unwrap_or_default();
            bail!(
                "{} line {n}: \"{key}\": {v} is not a number; write a number or a quoted decimal such as \"300\"",
                path.display()
            );
        }
    }
    Ok(())
}

/// What makes the bridge drop this intent, said up front: no action, or an entry with no size.
fn missing_part(p: &IntentPayload) -> Option<&'static str> {
    let f = p.fields();
    let text = |k: &str| {
        f.get(k)
            .and_then(|v| v.as_str())
            .map(str::to_ascii_uppercase)
    };
    let action = text("action").or_else(|| text("side"));
    let Some(action) = action else {
        return Some(
            "the intent has no \"action\" (BUY, SELL or CLOSE); the bridge will drop it as malformed_intent (add the action to replay it)",
        );
    };
    let kind = text("intent_type")
        .or_else(|| text("intentType"))
        .or_else(|| text("type"));
    let exit = action == "CLOSE"
        || kind.is_some_and(|k| k.contains("EXIT") || k.contains("CLOSE"))
        || f.get("reduce_only")
            .or_else(|| f.get("reduceOnly"))
            .is_some_and(|v| {
                v.as_bool() == Some(true)
                    || v.as_str()
                        .is_some_and(|s| s.trim() == "true" || s.trim() == "1")
            });
    let has = |k: &str| f.get(k).is_some_and(|v| !v.is_null());
    let sized = has("qty") || has("quantity") || (has("position_usd") && has("leverage"));
    (!exit && !sized).then_some(
        "an entry with no size (\"qty\", or \"position_usd\" with \"leverage\"); the bridge will drop it as invalid_quantity (add a size to replay it)",
    )
}

impl RecordedIntents {
    /// Reads `path`. Every line must be a JSON object with a `symbol` and a time (`time`,
    /// `timestamp` or `ts`, in ms or s); blank lines are skipped. Errors name the line.
    pub fn load(path: &Path) -> anyhow::Result<Self> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read the intents file {}", path.display()))?;
        let mut out = RecordedIntents::default();
        for (i, line) in text.lines().enumerate() {
            let n = i + 1;
            if line.trim().is_empty() {
                continue;
            }
            let payload = IntentPayload::from_json(line).with_context(|| {
                format!(
                    "{} line {n}: not a JSON object; write one intent object per line",
                    path.display()
                )
            })?;
            let Some(symbol) = payload.symbol_text() else {
                bail!(
                    "{} line {n}: the intent has no \"symbol\"; add the symbol it trades",
                    path.display()
                );
            };
            let Some(time) = payload.time() else {
                bail!(
                    "{} line {n}: the intent has no \"time\" (ms or s since 1970); add when it was made",
                    path.display()
                );
            };
            check_numbers(&payload, path, n)?;
            if let Some(gap) = missing_part(&payload) {
                // Kept (the funnel counts it as the original system would have), but said
                // with its line: the funnel alone cannot point at it.
                tracing::warn!("{} line {n}: {gap}", path.display());
            }
            out.lines.entry(symbol.clone()).or_default().push(n);
            out.by_symbol
                .entry(symbol)
                .or_default()
                .items
                .push((time, payload));
        }
        for v in out.by_symbol.values_mut() {
            v.items.sort_by_key(|(t, _)| *t);
        }
        Ok(out)
    }

    /// Checks that every intent falls inside the data (`symbols` with their first open time and
    /// last close time), so none is silently left out of the replay.
    pub fn check_covered(
        &self,
        path: &Path,
        symbols: &[(String, TimestampMs, TimestampMs)],
    ) -> anyhow::Result<()> {
        for (sym, intents) in &self.by_symbol {
            let line = self.lines.get(sym).and_then(|l| l.first()).copied();
            let Some((_, first, end)) = symbols.iter().find(|(s, _, _)| s == sym) else {
                let have: Vec<&str> = symbols.iter().map(|(s, _, _)| s.as_str()).collect();
                bail!(
                    "{} line {}: intent for {sym}, which the run's data does not have (it has {}); \
                     pick a dataset with {sym} or remove its intents",
                    path.display(),
                    line.unwrap_or(0),
                    have.join(", ")
                );
            };
            if let Some((t, _)) = intents
                .items
                .iter()
                .find(|(t, _)| *t < *first || *t >= *end)
            {
                bail!(
                    "{}: an intent for {sym} at {t} lies outside the data ({first} to {end}); \
                     pick a dataset that covers the recording",
                    path.display()
                );
            }
        }
        Ok(())
    }

    /// Hands out the intents of `symbol` (empty when it has none).
    pub fn take(&mut self, symbol: &str) -> SymbolIntents {
        self.by_symbol.remove(symbol).unwrap_or_default()
    }

    pub fn len(&self) -> usize {
        self.by_symbol.values().map(|v| v.items.len()).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(text: &str) -> tempfile::NamedTempFile {
        let mut f = tempfile::NamedTempFile::new().expect("temp file");
        std::io::Write::write_all(&mut f, text.as_bytes()).expect("write");
        f
    }

    #[test]
    fn intents_are_split_by_symbol_sorted_and_handed_out_by_time() {
        // Times in ms (values under 1e11 would be read as seconds).
        let f = write(concat!(
            r#"{"symbol":"btcusdt","time":1767225603000,"qty":"0.01"}"#,
            "\n\n",
            r#"{"symbol":"BTCUSDT","time":1767225601000,"position_usd":300,"leverage":2}"#,
            "\n",
        ));
        let t = |ms: i64| TimestampMs(1_767_225_600_000 + ms);
        let mut all = RecordedIntents::load(f.path()).expect("loads");
        assert_eq!(all.len(), 2);
        let mut btc = all.take("BTCUSDT");
        assert_eq!(btc.take_before(t(1000)).len(), 0);
        assert_eq!(btc.take_before(t(2000)).len(), 1);
        assert_eq!(btc.take_before(t(9000)).len(), 1);
        assert!(btc.take_before(t(9000)).is_empty());
    }

    #[test]
    fn a_line_without_time_or_symbol_is_named() {
        let f = write("{\"symbol\":\"BTCUSDT\",\"time\":1}\n{\"symbol\":\"BTCUSDT\"}\n");
        let e = RecordedIntents::load(f.path()).expect_err("no time");
        assert!(format!("{e:#}").contains("line 2"), "{e:#}");
        let f = write("not json\n");
        let e = RecordedIntents::load(f.path()).expect_err("not json");
        assert!(format!("{e:#}").contains("line 1"), "{e:#}");
    }

    #[test]
    fn a_size_that_is_not_a_number_is_refused_with_its_line() {
        let f = write(
            "{\"symbol\":\"BTCUSDT\",\"time\":1,\"action\":\"BUY\",\"qty\":\"0.1\"}\n{\"symbol\":\"BTCUSDT\",\"time\":2,\"action\":\"BUY\",\"position_usd\":\"abc\",\"leverage\":2}\n",
        );
        let e = format!(
            "{:#}",
            RecordedIntents::load(f.path()).expect_err("bad number")
        );
        assert!(
            e.contains("line 2") && e.contains("position_usd") && e.contains("not a number"),
            "{e}"
        );
        let p = |t: &str| IntentPayload::from_json(t).expect("json");
        assert!(missing_part(&p(r#"{"symbol":"BTCUSDT"}"#)).is_some_and(|m| m.contains("action")));
        assert!(
            missing_part(&p(r#"{"action":"BUY","quantity_usd":300}"#))
                .is_some_and(|m| m.contains("no size"))
        );
        assert!(missing_part(&p(r#"{"action":"CLOSE"}"#)).is_none());
        assert!(missing_part(&p(r#"{"action":"SELL","qty":"0.1"}"#)).is_none());
    }

    #[test]
    fn intents_outside_the_data_are_refused() {
        let f = write("{\"symbol\":\"WAVESUSDT\",\"time\":1000}\n");
        let all = RecordedIntents::load(f.path()).expect("loads");
        let data = [("BTCUSDT".to_string(), TimestampMs(0), TimestampMs(60_000))];
        let e = all
            .check_covered(f.path(), &data)
            .expect_err("no WAVES data");
        assert!(e.to_string().contains("WAVESUSDT"), "{e}");
    }
}
