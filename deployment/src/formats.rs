//! The original system's message formats, one per kind of stream, read tolerantly.
//!
//! Fields come from the incident reports and PIPELINE.md:
//! - `ai.signal_generated` ([`StreamKind::Signal`]): `symbol`, `action` (BUY/SELL/CLOSE),
//!   `confidence`, `source`, `timestamp`.
//! - `trade.intent` ([`StreamKind::Intent`]): `symbol`, `action` (or `side`), `intent_type`
//!   (`AUTONOMOUS_ENTRY`, ...EXIT), `reduceOnly`/`reduce_only`, sizing as `position_usd` +
//!   `leverage` or as `qty` (+ `price`), `tp_pct`, `sl_pct`.
//! - `apply.plan` ([`StreamKind::Plan`]): `plan_id`, `symbol`, `action`, `eval_type`,
//!   `decision` (EXECUTE/BLOCKED), `reason_codes`, `kill_score` and its `k_*` components.
//! - `apply.result` ([`StreamKind::Result`]): `plan_id`, `symbol`, `executed`, `error`,
//!   `order_id`, `filled_qty`, `order_status`, `permit` (a JSON object: `allow`, `safe_qty`,
//!   and the position the permit saw twice, `exchange_position_amt` from the venue and
//!   `ledger_amt` from the ledger: [`Message::positions`]).
//!
//! An entry is either flat field/value pairs or one field (`data`, `payload` or `json`) holding
//! a JSON object; both become one field map. Unknown fields are kept ([`Message::fields`]); a
//! required field that is missing is a [`Missing`] naming the stream, the entry id and the
//! field, reported by the snapshot and never fatal.
//! Reason texts are mapped onto `pipeline`'s reason codes ([`plan_reasons`], [`result_reason`]),
//! so a live funnel and a backtest's funnel speak the same codes.

use std::collections::BTreeMap;

use pipeline::reason::Reason;
use pipeline::stages::EvalType;
use serde::Serialize;

/// What a stream carries, from the stage that writes (or reads) it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StreamKind {
    Signal,
    Intent,
    Plan,
    Result,
}

impl StreamKind {
    /// The fields every message of this kind must have (alternatives separated by `|`).
    pub fn required(self) -> &'static [&'static str] {
        match self {
            StreamKind::Signal => &["symbol", "action|side"],
            StreamKind::Intent => &["symbol", "action|side"],
            StreamKind::Plan => &["symbol", "decision"],
            StreamKind::Result => &["symbol", "executed"],
        }
    }
}

/// A required field that a message lacks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Missing {
    pub stream: String,
    pub id: String,
    pub field: String,
}

impl std::fmt::Display for Missing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} entry {} has no field '{}'",
            self.stream, self.id, self.field
        )
    }
}

/// One stream entry: its id and every field, as text (nested JSON kept as JSON text).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Message {
    pub id: String,
    pub fields: BTreeMap<String, String>,
}

/// The fields that may wrap a whole message as one JSON object.
const JSON_WRAPPERS: [&str; 3] = ["data", "payload", "json"];

impl Message {
    /// From an entry's field/value pairs; a lone JSON wrapper field is unpacked.
    pub fn from_pairs(id: String, pairs: Vec<(String, String)>) -> Self {
        if let [(key, value)] = pairs.as_slice()
            && JSON_WRAPPERS.contains(&key.as_str())
            && let Ok(serde_json::Value::Object(map)) = serde_json::from_str(value)
        {
            let fields = map
                .into_iter()
                .map(|(k, v)| {
                    let text = match v {
                        serde_json::Value::String(s) => s,
                        other => other.to_string(),
                    };
                    (k, text)
                })
                .collect();
            return Message { id, fields };
        }
        Message {
            id,
            fields: pairs.into_iter().collect(),
        }
    }

    /// The time the entry was added: the millisecond part of its id.
    pub fn id_ms(&self) -> Option<i64> {
        self.id.split('-').next()?.parse().ok()
    }

    /// The first present, non-empty field of `keys`, trimmed.
    pub fn get(&self, keys: &[&str]) -> Option<&str> {
        keys.iter()
            .filter_map(|k| self.fields.get(*k))
            .map(|v| v.trim())
            .find(|v| !v.is_empty() && *v != "null")
    }

    fn upper(&self, keys: &[&str]) -> Option<String> {
        self.get(keys).map(str::to_ascii_uppercase)
    }

    fn flag(&self, keys: &[&str]) -> Option<bool> {
        match self.get(keys)?.to_ascii_lowercase().as_str() {
            "true" | "1" | "yes" => Some(true),
            "false" | "0" | "no" => Some(false),
            _ => None,
        }
    }

    /// The first required field of `kind` this message lacks.
    pub fn check(&self, kind: StreamKind, stream: &str) -> Result<(), Missing> {
        for field in kind.required() {
            let alternatives: Vec<&str> = field.split('|').collect();
            if self.get(&alternatives).is_none() {
                return Err(Missing {
                    stream: stream.to_string(),
                    id: self.id.clone(),
                    field: alternatives[0].to_string(),
                });
            }
        }
        Ok(())
    }

    /// The symbol, upper case.
    pub fn symbol(&self) -> Option<String> {
        self.upper(&["symbol"])
    }

    /// ENTRY or EXIT: `eval_type` when present; else an intent type naming EXIT/CLOSE, a
    /// CLOSE action, reduce-only, or (plans of the exit evaluator, per the reports) action
    /// `UNKNOWN` mean EXIT; anything else is an ENTRY.
    pub fn eval_type(&self) -> EvalType {
        if let Some(e) = self.upper(&["eval_type", "evalType"]) {
            return if e.contains("EXIT") {
                EvalType::Exit
            } else {
                EvalType::Entry
            };
        }
        let kind = self
            .upper(&["intent_type", "intentType", "type"])
            .unwrap_or_default();
        let action = self.upper(&["action", "side"]).unwrap_or_default();
        let reduce_only = self.flag(&["reduce_only", "reduceOnly"]) == Some(true);
        let exit = kind.contains("EXIT")
            || kind.contains("CLOSE")
            || matches!(action.as_str(), "CLOSE" | "EXIT" | "UNKNOWN")
            || reduce_only;
        if exit {
            EvalType::Exit
        } else {
            EvalType::Entry
        }
    }

    /// An intent's sizing form (F1): `qty`, `position_usd` (with leverage) or none.
    pub fn sizing_form(&self) -> SizingForm {
        if self.get(&["qty", "quantity"]).is_some() {
            SizingForm::Qty
        } else if self.get(&["position_usd"]).is_some() {
            SizingForm::PositionUsd
        } else {
            SizingForm::None
        }
    }

    /// A plan's decision.
    pub fn executes(&self) -> bool {
        self.upper(&["decision"]).as_deref() == Some("EXECUTE")
    }

    /// A result's `executed` flag (absent or unreadable: not executed).
    pub fn executed(&self) -> bool {
        self.flag(&["executed", "success"]) == Some(true)
    }

    /// The position a result's permit saw at the venue and in the ledger: `permit`'s
    /// `exchange_position_amt` and `ledger_amt` (or the same fields at the top level); `None`
    /// when either is absent or not a number (older executors do not write them).
    pub fn positions(&self) -> Option<PositionViews> {
        let permit: BTreeMap<String, serde_json::Value> = self
            .get(&["permit"])
            .and_then(|p| serde_json::from_str(p).ok())
            .unwrap_or_default();
        let field = |key: &str| -> Option<(String, f64)> {
            let text = match permit.get(key) {
                Some(serde_json::Value::String(s)) => s.trim().to_string(),
                Some(serde_json::Value::Number(n)) => n.to_string(),
                _ => self.get(&[key])?.to_string(),
            };
            let value = text.parse::<f64>().ok().filter(|v| v.is_finite())?;
            Some((text, value))
        };
        let (venue_text, venue) = field("exchange_position_amt")?;
        let (ledger_text, ledger) = field("ledger_amt")?;
        Some(PositionViews {
            venue,
            ledger,
            venue_text,
            ledger_text,
        })
    }
}

/// One symbol's position as a permit saw it at the venue and in the ledger (F7).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PositionViews {
    pub venue: f64,
    pub ledger: f64,
    /// The amounts as the message wrote them.
    #[serde(skip)]
    pub venue_text: String,
    #[serde(skip)]
    pub ledger_text: String,
}

impl PositionViews {
    /// The ledger and the venue hold different amounts (beyond float noise).
    pub fn disagree(&self) -> bool {
        let scale = 1f64.max(self.venue.abs()).max(self.ledger.abs());
        (self.venue - self.ledger).abs() > 1e-9 * scale
    }
}

/// How an intent says its size.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SizingForm {
    Qty,
    PositionUsd,
    None,
}

/// A reason text's code: the part before a `:` (`symbol_not_in_allowlist:WAVESUSDT`), lower
/// case; empty text is `unspecified`.
fn code_of(text: &str) -> String {
    let head = text
        .split(':')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    if head.is_empty() {
        "unspecified".to_string()
    } else {
        head
    }
}

/// A blocked plan's reason codes (`reason_codes`, comma or space separated), as written;
/// the bridge and the governor already use the codes `pipeline` knows.
pub fn plan_reasons(plan: &Message) -> Vec<String> {
    let text = plan
        .get(&["reason_codes", "reason_code", "reason", "reasons"])
        .unwrap_or("");
    let codes: Vec<String> = text
        .split([',', ' ', ';', '|'])
        .filter(|s| !s.trim().is_empty())
        .map(code_of)
        .collect();
    if codes.is_empty() {
        vec!["unspecified".to_string()]
    } else {
        codes
    }
}

/// Why a result was not executed, as a reason code. Binance's -1121 / "Invalid symbol" and
/// the original executor's `symbol_not_in_allowlist` (its name for a symbol the venue does not
/// list, WAVESUSDT on testnet in the report) are `symbol_not_available` (F5); -4164 or a
/// min-notional text is `notional_below_min` (F3); a known code is kept; any other text keeps
/// its leading word.
pub fn result_reason(result: &Message) -> String {
    let text = result
        .get(&["error", "reason", "reason_code", "error_code", "msg"])
        .unwrap_or("");
    let lower = text.to_ascii_lowercase();
    let code = result.get(&["code", "binance_code"]).unwrap_or("");
    let has = |needle: &str| lower.contains(needle) || code == needle;
    if has("-1121")
        || lower.contains("invalid symbol")
        || lower.starts_with("symbol_not_in_allowlist")
    {
        return Reason::SymbolNotAvailable.as_str().to_string();
    }
    if has("-4164") || lower.contains("notional") {
        return Reason::NotionalBelowMin.as_str().to_string();
    }
    let head = code_of(text);
    match Reason::from_code(&head) {
        Some(r) => r.as_str().to_string(),
        None => head
            .split_whitespace()
            .next()
            .unwrap_or("unspecified")
            .to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msg(pairs: &[(&str, &str)]) -> Message {
        Message::from_pairs(
            "1700000000000-0".into(),
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        )
    }

    #[test]
    fn json_wrapped_and_flat_entries_read_alike_and_keep_unknown_fields() {
        let wrapped = msg(&[(
            "data",
            r#"{"symbol":"btcusdt","action":"SELL","position_usd":"300.0","leverage":2,"novel":{"a":1}}"#,
        )]);
        assert_eq!(wrapped.symbol().as_deref(), Some("BTCUSDT"));
        assert_eq!(wrapped.fields["leverage"], "2");
        assert_eq!(wrapped.fields["novel"], r#"{"a":1}"#);
        assert_eq!(wrapped.sizing_form(), SizingForm::PositionUsd);
        assert_eq!(wrapped.id_ms(), Some(1_700_000_000_000));
        let flat = msg(&[("symbol", "ETHUSDT"), ("action", "BUY"), ("qty", "0.1")]);
        assert_eq!(flat.sizing_form(), SizingForm::Qty);
        assert!(flat.check(StreamKind::Intent, "s").is_ok());
    }

    #[test]
    fn a_missing_field_names_stream_id_and_field() {
        let m = msg(&[("symbol", "BTCUSDT"), ("executed", "")]);
        let e = m
            .check(StreamKind::Result, "quantum:stream:apply.result")
            .expect_err("missing");
        assert_eq!(
            e.to_string(),
            "quantum:stream:apply.result entry 1700000000000-0 has no field 'executed'"
        );
    }

    #[test]
    fn eval_types_of_the_reports() {
        assert_eq!(
            msg(&[("intent_type", "AUTONOMOUS_ENTRY"), ("action", "SELL")]).eval_type(),
            EvalType::Entry
        );
        assert_eq!(
            msg(&[("action", "UNKNOWN"), ("kill_score", "0.76")]).eval_type(),
            EvalType::Exit
        );
        assert_eq!(
            msg(&[("action", "BUY"), ("reduceOnly", "true")]).eval_type(),
            EvalType::Exit
        );
        assert_eq!(
            msg(&[("eval_type", "ENTRY"), ("action", "CLOSE")]).eval_type(),
            EvalType::Entry
        );
    }

    #[test]
    fn a_permit_s_two_views_of_the_position() {
        // The report's plan fade7157: the permit as a nested object, numbers as numbers.
        let seen = msg(&[(
            "data",
            r#"{"symbol":"ZECUSDT","executed":true,"permit":{"allow":true,"exchange_position_amt":8.316,"ledger_amt":0.0}}"#,
        )])
        .positions()
        .expect("both views");
        assert_eq!((seen.venue, seen.ledger), (8.316, 0.0));
        assert!(seen.disagree());
        // A flat entry: the permit as a JSON text field, the amounts as strings.
        let agree = msg(&[(
            "permit",
            r#"{"exchange_position_amt":"-0.004","ledger_amt":"-0.0040"}"#,
        )])
        .positions()
        .expect("both views");
        assert!(!agree.disagree());
        assert_eq!(
            msg(&[("permit", r#"{"ledger_amt":"1"}"#)]).positions(),
            None
        );
        assert_eq!(msg(&[("executed", "true")]).positions(), None);
    }

    #[test]
    fn reasons_map_to_pipeline_codes() {
        let plan = msg(&[("reason_codes", "kill_score_warning_risk_increase")]);
        assert_eq!(
            plan_reasons(&plan),
            vec!["kill_score_warning_risk_increase"]
        );
        let r = |e: &str| result_reason(&msg(&[("error", e)]));
        assert_eq!(
            r("symbol_not_in_allowlist:WAVESUSDT"),
            "symbol_not_available"
        );
        assert_eq!(
            r("notional 70.61 < minNotional 100.00 (ALLOW_UPSIZE=false)"),
            "notional_below_min"
        );
        assert_eq!(r("venue_unavailable: timeout"), "venue_unavailable");
        assert_eq!(r("Margin is insufficient"), "margin");
        assert_eq!(r(""), "unspecified");
    }
}
