//! Recorded or imported intents: [`IntentPayload`] (a JSON object kept verbatim) and
//! [`Sizing`], the sizing forms the bridge accepts (F1).
//!
//! The original trader sent `position_usd` + `leverage`; its bridge expected `qty` + `price` and
//! dropped 75 of 76 intents. Here both forms are read; an entry with neither is dropped by the
//! bridge with `invalid_quantity`, the payload kept in the drop's evidence for the report.
//! Field names accepted: `symbol`; `action` or `side` (BUY/LONG, SELL/SHORT, CLOSE);
//! `intent_type` (anything containing EXIT/CLOSE is an exit, e.g. `AUTONOMOUS_ENTRY` is an entry);
//! `reduce_only` or `reduceOnly` (bool or "true"/"false"); `qty` (+ optional `price`);
//! `position_usd` + `leverage`; `tp_pct`, `sl_pct`; `time`/`timestamp`/`ts` (ms, or seconds when
//! below 1e11); `source`. Decimals may be strings or numbers.
//! Must never live here: sizing arithmetic (the bridge does it) or policy checks.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::EvalType;
use crate::domain::money::parse_decimal;
use crate::domain::{SharedText, Symbol, TimestampMs};
use crate::order::Side;

/// How an intent says how big the trade is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "form", rename_all = "snake_case")]
pub enum Sizing {
    /// The trader's form: margin in USD and leverage; qty = position_usd x leverage / price.
    PositionUsd {
        position_usd: Decimal,
        leverage: Decimal,
    },
    /// An explicit base-asset quantity, with the price it was computed at when known.
    Qty {
        qty: Decimal,
        price: Option<Decimal>,
    },
    /// An exit without a size: close what the venue holds.
    ClosePosition,
}

impl Sizing {
    pub fn form(&self) -> &'static str {
        match self {
            Sizing::PositionUsd { .. } => "position_usd",
            Sizing::Qty { .. } => "qty",
            Sizing::ClosePosition => "close_position",
        }
    }
}

/// A recorded intent as JSON (one line of a `trade.intent` recording), kept verbatim.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct IntentPayload(Map<String, Value>);

impl IntentPayload {
    pub fn new(fields: Map<String, Value>) -> Self {
        IntentPayload(fields)
    }

    /// Parses one JSON object.
    pub fn from_json(text: &str) -> Result<Self, serde_json::Error> {
        serde_json::from_str(text)
    }

    pub fn fields(&self) -> &Map<String, Value> {
        &self.0
    }

    pub fn to_value(&self) -> Value {
        Value::Object(self.0.clone())
    }

    fn get(&self, keys: &[&str]) -> Option<&Value> {
        keys.iter()
            .find_map(|k| self.0.get(*k))
            .filter(|v| !v.is_null())
    }

    fn text(&self, keys: &[&str]) -> Option<&str> {
        self.get(keys).and_then(Value::as_str).map(str::trim)
    }

    /// A positive decimal from a string or a number.
    fn positive(&self, keys: &[&str]) -> Option<Decimal> {
        let d = match self.get(keys)? {
            Value::String(s) => parse_decimal(s)?,
            Value::Number(n) => parse_decimal(&n.to_string())?,
            _ => return None,
        };
        (d > Decimal::ZERO).then_some(d)
    }

    fn flag(&self, keys: &[&str]) -> Option<bool> {
        match self.get(keys)? {
            Value::Bool(b) => Some(*b),
            Value::String(s) => match s.trim().to_ascii_lowercase().as_str() {
                "true" | "1" => Some(true),
                "false" | "0" => Some(false),
                _ => None,
            },
            _ => None,
        }
    }

    /// The symbol the intent names, upper-cased, if any.
    pub fn symbol_text(&self) -> Option<String> {
        self.text(&["symbol"]).map(str::to_ascii_uppercase)
    }

    /// The intent's time (`time`/`timestamp`/`ts`, ms or seconds), if any.
    pub fn time(&self) -> Option<TimestampMs> {
        let t = self.positive(&["time", "timestamp", "ts"])?;
        let ms = if t < Decimal::from(100_000_000_000_i64) {
            t.checked_mul(Decimal::ONE_THOUSAND)?
        } else {
            t
        };
        i64::try_from(ms.trunc()).ok().map(TimestampMs)
    }
}

/// What the bridge needs from an intent, from either source.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct IntentFields {
    pub seq: u64,
    pub time: TimestampMs,
    pub symbol: Symbol,
    /// `None`: a CLOSE whose side the permit derives from the venue's position.
    pub side: Option<Side>,
    pub eval_type: EvalType,
    /// `None`: neither sizing form (an entry is then dropped with `invalid_quantity`).
    pub sizing: Option<Sizing>,
    pub leverage: Option<Decimal>,
    pub tp_pct: Option<Decimal>,
    pub sl_pct: Option<Decimal>,
    pub reduce_only: bool,
    pub source: SharedText,
    /// position_usd was clipped to max_position_usd by the trader.
    pub clipped: bool,
}

/// Why a payload could not be read at all (no symbol or no action).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Malformed {
    pub eval_type: EvalType,
    pub symbol_text: String,
    pub detail: String,
}

/// Reads a payload. `default_time` is used when it carries no time.
pub(crate) fn parse(
    p: &IntentPayload,
    seq: u64,
    default_time: TimestampMs,
) -> Result<IntentFields, Malformed> {
    let intent_type = p
        .text(&["intent_type", "intentType", "type"])
        .map(str::to_ascii_uppercase);
    let action = p.text(&["action", "side"]).map(str::to_ascii_uppercase);
    let reduce_only = p.flag(&["reduce_only", "reduceOnly"]).unwrap_or(false);
    let is_close = action.as_deref() == Some("CLOSE");
    let eval_type = match intent_type.as_deref() {
        _ if is_close => EvalType::Exit,
        Some(t) if t.contains("EXIT") || t.contains("CLOSE") => EvalType::Exit,
        Some(t) if t.contains("ENTRY") || t.contains("OPEN") => EvalType::Entry,
        _ if reduce_only => EvalType::Exit,
        _ => EvalType::Entry,
    };
    let symbol_text = p.text(&["symbol"]).unwrap_or("").to_string();
    let malformed = |detail: String| Malformed {
        eval_type,
        symbol_text: symbol_text.clone(),
        detail,
    };
    let symbol = Symbol::new(&symbol_text).map_err(|e| malformed(e.to_string()))?;
    let side = match action.as_deref() {
        Some("BUY" | "LONG") => Some(Side::Buy),
        Some("SELL" | "SHORT") => Some(Side::Sell),
        Some("CLOSE") => None,
        other => {
            return Err(malformed(format!(
                "action {:?} is not BUY, SELL or CLOSE",
                other.unwrap_or("(missing)")
            )));
        }
    };
    let leverage = p.positive(&["leverage"]);
    let sizing = if let Some(qty) = p.positive(&["qty", "quantity"]) {
        Some(Sizing::Qty {
            qty,
            price: p.positive(&["price"]),
        })
    } else if let (Some(position_usd), Some(leverage)) = (p.positive(&["position_usd"]), leverage) {
        Some(Sizing::PositionUsd {
            position_usd,
            leverage,
        })
    } else if eval_type == EvalType::Exit {
        Some(Sizing::ClosePosition)
    } else {
        None
    };
    Ok(IntentFields {
        seq,
        time: p.time().unwrap_or(default_time),
        symbol,
        side,
        eval_type,
        sizing,
        leverage,
        tp_pct: p.positive(&["tp_pct"]),
        sl_pct: p.positive(&["sl_pct"]),
        reduce_only: reduce_only || eval_type == EvalType::Exit,
        source: SharedText::from(p.text(&["source"]).unwrap_or("recorded")),
        clipped: false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    fn read(json: &str) -> Result<IntentFields, Malformed> {
        parse(
            &IntentPayload::from_json(json).expect("json"),
            7,
            TimestampMs(1_000),
        )
    }

    #[test]
    fn reads_the_traders_form_from_the_norwegian_report() {
        let f = read(
            r#"{"intent_type": "AUTONOMOUS_ENTRY", "symbol": "BTCUSDT", "action": "SELL",
                "position_usd": "300.0", "leverage": "2.0", "tp_pct": "2.0", "sl_pct": "1.0"}"#,
        )
        .expect("parsed");
        assert_eq!(f.eval_type, EvalType::Entry);
        assert_eq!(f.side, Some(Side::Sell));
        assert_eq!(
            f.sizing,
            Some(Sizing::PositionUsd {
                position_usd: dec!(300.0),
                leverage: dec!(2.0)
            })
        );
        assert_eq!((f.tp_pct, f.sl_pct), (Some(dec!(2.0)), Some(dec!(1.0))));
        assert_eq!(f.time, TimestampMs(1_000));
        assert_eq!(f.source, "recorded");
    }

    #[test]
    fn reads_the_bridges_form_and_seconds_timestamps() {
        let f = read(
            r#"{"symbol": "BTCUSDT", "action": "SELL", "qty": 0.0042, "price": "71000.0",
                "timestamp": 1769991686, "source": "intent_bridge"}"#,
        )
        .expect("parsed");
        assert_eq!(
            f.sizing,
            Some(Sizing::Qty {
                qty: dec!(0.0042),
                price: Some(dec!(71000.0))
            })
        );
        assert_eq!(f.time, TimestampMs(1_769_991_686_000));
        assert_eq!(f.source, "intent_bridge");
    }

    #[test]
    fn exits_without_size_close_the_position_and_entries_without_size_have_none() {
        let close = read(r#"{"symbol": "ETHUSDT", "action": "CLOSE"}"#).expect("close");
        assert_eq!(close.eval_type, EvalType::Exit);
        assert_eq!(close.side, None);
        assert!(close.reduce_only);
        assert_eq!(close.sizing, Some(Sizing::ClosePosition));
        let entry = read(r#"{"symbol": "ETHUSDT", "action": "BUY", "position_usd": "300"}"#)
            .expect("entry");
        assert_eq!(
            entry.sizing, None,
            "position_usd without leverage is not a size"
        );
        let zero = read(r#"{"symbol": "ETHUSDT", "action": "BUY", "qty": "0"}"#).expect("zero");
        assert_eq!(zero.sizing, None);
    }

    #[test]
    fn malformed_payloads_name_the_problem() {
        let e = read(r#"{"action": "BUY", "qty": 1}"#).expect_err("no symbol");
        assert!(e.detail.contains("empty"), "{}", e.detail);
        let e = read(r#"{"symbol": "BTCUSDT", "action": "HOLD"}"#).expect_err("bad action");
        assert!(e.detail.contains("HOLD"), "{}", e.detail);
        assert_eq!(e.symbol_text, "BTCUSDT");
    }
}
