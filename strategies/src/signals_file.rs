//! `signals_file`: replays recorded signals (JSON lines or CSV) so users can run their real
//! signal engine's output through the rest of the pipeline.
//!
//! Accepted fields (as exported from the original system's `ai.signal_generated` stream):
//! `time` | `timestamp` | `ts` (epoch seconds, milliseconds or microseconds, or ISO 8601 UTC),
//! `symbol`, `action` (BUY/LONG, SELL/SHORT, CLOSE/EXIT; any case), `confidence` (0..1, number
//! or string), `source` (optional). A recorded signal is emitted at the first bar of its symbol
//! whose close time is at or after the signal's time.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use pipeline::domain::time::parse_utc;
use pipeline::signal::{Action, Signal, SignalSource};
use pipeline::{Bar, SharedText, Symbol, TimestampMs};
use serde_json::Value;

use crate::StrategyError;

/// Every signal of a file, grouped by symbol and sorted by time.
#[derive(Debug, Default)]
pub struct RecordedSignals {
    by_symbol: BTreeMap<Symbol, Vec<Signal>>,
}

impl RecordedSignals {
    /// Reads `path`: `.csv` as CSV with a header row, anything else as JSON lines.
    pub fn load(path: &Path) -> Result<Self, StrategyError> {
        let text = std::fs::read_to_string(path).map_err(|e| StrategyError::Io {
            path: path.display().to_string(),
            err: e.to_string(),
        })?;
        let is_csv = path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("csv"));
        let signals = if is_csv {
            parse_csv(&text, path)?
        } else {
            parse_json_lines(&text, path)?
        };
        let mut by_symbol: BTreeMap<Symbol, Vec<Signal>> = BTreeMap::new();
        for s in signals {
            by_symbol.entry(s.symbol.clone()).or_default().push(s);
        }
        for list in by_symbol.values_mut() {
            list.sort_by_key(|s| s.time);
        }
        Ok(RecordedSignals { by_symbol })
    }

    pub fn symbols(&self) -> impl Iterator<Item = &Symbol> {
        self.by_symbol.keys()
    }

    pub fn len(&self) -> usize {
        self.by_symbol.values().map(Vec::len).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The replay for one symbol.
#[derive(Debug)]
pub struct SignalsReplay {
    all: Arc<RecordedSignals>,
    symbol: Symbol,
    next: usize,
    interval_ms: i64,
}

impl SignalsReplay {
    pub fn new(all: Arc<RecordedSignals>, symbol: Symbol, interval_ms: i64) -> Self {
        SignalsReplay {
            all,
            symbol,
            next: 0,
            interval_ms,
        }
    }
}

impl SignalSource for SignalsReplay {
    fn on_bar(&mut self, _symbol: &Symbol, bar: &Bar, out: &mut Vec<Signal>) {
        let Some(list) = self.all.by_symbol.get(&self.symbol) else {
            return;
        };
        let close_time = bar.open_time.plus_ms(self.interval_ms);
        while let Some(s) = list.get(self.next) {
            if s.time > close_time {
                break;
            }
            out.push(s.clone());
            self.next += 1;
        }
    }

    fn name(&self) -> String {
        "signals_file".to_string()
    }
}

fn bad(path: &Path, line: usize, what: impl Into<String>) -> StrategyError {
    StrategyError::BadRecord {
        path: path.display().to_string(),
        line,
        what: what.into(),
    }
}

fn parse_time(v: &Value) -> Option<TimestampMs> {
    if let Some(n) = v.as_f64() {
        return Some(TimestampMs(epoch_to_ms(n)));
    }
    let s = v.as_str()?.trim();
    match s.parse::<f64>() {
        Ok(n) => Some(TimestampMs(epoch_to_ms(n))),
        Err(_) => parse_utc(s),
    }
}

/// Seconds, milliseconds or microseconds since the epoch, told apart by magnitude.
fn epoch_to_ms(n: f64) -> i64 {
    if n < 1e11 {
        (n * 1000.0).round() as i64
    } else if n < 1e14 {
        n.round() as i64
    } else {
        (n / 1000.0).round() as i64
    }
}

fn parse_action(text: &str) -> Option<Action> {
    match text.trim().to_ascii_uppercase().as_str() {
        "BUY" | "LONG" => Some(Action::Buy),
        "SELL" | "SHORT" => Some(Action::Sell),
        "CLOSE" | "EXIT" => Some(Action::Close),
        _ => None,
    }
}

fn signal_from_fields(
    get: impl Fn(&str) -> Option<Value>,
    path: &Path,
    line: usize,
) -> Result<Signal, StrategyError> {
    let time = ["time", "timestamp", "ts"]
        .iter()
        .find_map(|k| get(k))
        .ok_or_else(|| bad(path, line, "no time, timestamp or ts field"))?;
    let time = parse_time(&time).ok_or_else(|| {
        bad(
            path,
            line,
            format!("time {time} is not epoch s/ms/µs or ISO 8601"),
        )
    })?;
    let symbol_text = get("symbol").and_then(|v| v.as_str().map(str::to_string));
    let symbol = symbol_text
        .ok_or_else(|| bad(path, line, "no symbol field"))
        .and_then(|s| Symbol::new(&s).map_err(|e| bad(path, line, e.to_string())))?;
    let action_text = get("action").and_then(|v| v.as_str().map(str::to_string));
    let action = action_text
        .as_deref()
        .and_then(parse_action)
        .ok_or_else(|| bad(path, line, "action must be BUY, SELL or CLOSE"))?;
    let confidence = match get("confidence") {
        None => 1.0,
        Some(v) => v
            .as_f64()
            .or_else(|| v.as_str().and_then(|s| s.trim().parse().ok()))
            .filter(|c| (0.0..=1.0).contains(c))
            .ok_or_else(|| {
                bad(
                    path,
                    line,
                    format!("confidence {v} is not a number in 0..1"),
                )
            })?,
    };
    let source = get("source")
        .and_then(|v| v.as_str().map(SharedText::from))
        .unwrap_or_else(|| SharedText::from("signals_file"));
    Ok(Signal {
        time,
        symbol,
        action,
        confidence,
        source,
    })
}

fn parse_json_lines(text: &str, path: &Path) -> Result<Vec<Signal>, StrategyError> {
    let mut out = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = i + 1;
        if raw.trim().is_empty() {
            continue;
        }
        let obj: serde_json::Map<String, Value> = serde_json::from_str(raw)
            .map_err(|e| bad(path, line, format!("not a JSON object ({e})")))?;
        out.push(signal_from_fields(|k| obj.get(k).cloned(), path, line)?);
    }
    Ok(out)
}

fn parse_csv(text: &str, path: &Path) -> Result<Vec<Signal>, StrategyError> {
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|e| bad(path, 1, format!("unreadable header ({e})")))?
        .clone();
    let mut out = Vec::new();
    for (i, rec) in reader.records().enumerate() {
        let line = i + 2;
        let rec = rec.map_err(|e| bad(path, line, format!("unreadable row ({e})")))?;
        let get = |k: &str| {
            headers
                .iter()
                .position(|h| h.eq_ignore_ascii_case(k))
                .and_then(|idx| rec.get(idx))
                .filter(|v| !v.is_empty())
                .map(|v| Value::String(v.to_string()))
        };
        out.push(signal_from_fields(get, path, line)?);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bar(open_ms: i64) -> Bar {
        Bar {
            open_time: TimestampMs(1_767_225_600_000 + open_ms),
            ..Bar::default()
        }
    }

    #[test]
    fn json_lines_in_every_time_unit_replay_at_the_next_close() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("signals.jsonl");
        let lines = [
            // 2026-01-01 00:02:00 in seconds, 00:02:50 in milliseconds, 00:05 as ISO text.
            r#"{"timestamp": 1767225720, "symbol": "BTCUSDT", "action": "buy", "confidence": "0.8", "source": "ai"}"#,
            r#"{"time": 1767225770000, "symbol": "BTCUSDT", "action": "CLOSE", "confidence": 0.5}"#,
            r#"{"ts": "2026-01-01T00:05:00Z", "symbol": "ETHUSDT", "action": "SHORT"}"#,
        ];
        std::fs::write(&path, lines.join("\n")).expect("write");
        let all = Arc::new(RecordedSignals::load(&path).expect("load"));
        assert_eq!(all.len(), 3);
        let btc = Symbol::new("BTCUSDT").expect("s");
        let mut replay = SignalsReplay::new(all.clone(), btc.clone(), 60_000);
        let mut out = Vec::new();
        replay.on_bar(&btc, &bar(0), &mut out); // closes at 60 s: nothing yet
        assert!(out.is_empty());
        replay.on_bar(&btc, &bar(60_000), &mut out); // closes at 120 s: the BUY
        assert_eq!(out.len(), 1);
        assert_eq!((out[0].action, out[0].confidence), (Action::Buy, 0.8));
        replay.on_bar(&btc, &bar(120_000), &mut out); // closes at 180 s: the CLOSE at 170 s
        assert_eq!(out.len(), 2);
        assert_eq!(out[1].action, Action::Close);
    }

    #[test]
    fn csv_and_errors_name_the_line() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("signals.csv");
        std::fs::write(&path, "time,symbol,action,confidence,source\n1767225600000,BTCUSDT,BUY,0.7,ai\n1767225660000,BTCUSDT,HOLD,0.7,ai\n").expect("write");
        let err = RecordedSignals::load(&path).expect_err("HOLD");
        assert!(err.to_string().contains("signals.csv line 3"), "{err}");
        assert!(
            err.to_string()
                .contains("action must be BUY, SELL or CLOSE"),
            "{err}"
        );
    }
}
