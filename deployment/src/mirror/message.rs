//! A journal record as the original system's stream message: which stream kind it goes to and
//! its field/value pairs, in the formats [`crate::formats`] reads.
//!
//! The original services wrote four streams, and the mirror follows who wrote what there:
//! - every signal goes to `ai.signal_generated` (`symbol`, `action`, `confidence`, `source`,
//!   `timestamp`);
//! - every intent the trader made, and every recorded intent replayed, to `trade.intent`
//!   (`symbol`, `action`, `intent_type`, `position_usd`/`leverage` or `qty`, ...);
//! - `apply.plan` carries the apply layer's decision on each intent that reached the bridge:
//!   a plan the governor let through is `decision=EXECUTE` (with `kill_score` and its `k_*`
//!   components); an intent the bridge or the governor dropped is `decision=BLOCKED` with its
//!   reason code in `reason_codes`;
//! - `apply.result` carries the executor's outcome for each plan past the governor: an order
//!   accepted by the venue is `executed=true`; a plan the permit (P3.3, part of the original
//!   executor) or the executor dropped is `executed=false` with its reason code in `error`.
//!
//! So `sim watch` over the mirror counts what the backtest's funnel counts: signals, intents,
//! plans (= the bridge's input), plans executed (= the governor's output), results (= the
//! permit's input), results executed (= the executor's output) and every bridge, governor,
//! permit and executor drop by reason. The trader's drops have no stream in the original
//! system (a signal the trader skips writes nothing): they show as signals minus intents.
//! Orders, venue answers, permits, sizing traces and mismatches are not mirrored.
//!
//! A reason goes out as its bare code (the detail in a field of its own, `detail`), and no
//! Binance `code` field is written, so the watch's reason mapping keeps the backtest's code.

use pipeline::stages::Stage;
use pipeline::stages::journal::JournalRecord;
use serde_json::Value;

use crate::formats::StreamKind;

/// One message for the mirror: the kind of stream it goes to and its fields, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MirrorMessage {
    pub kind: StreamKind,
    pub fields: Vec<(String, String)>,
}

/// Whether [`message`] makes a message of `record` (cheap: the run thread asks it per record).
pub fn is_mirrored(record: &JournalRecord<'_>) -> bool {
    match record {
        JournalRecord::Signal(_)
        | JournalRecord::Intent(_)
        | JournalRecord::RecordedIntent(_)
        | JournalRecord::Governed(_)
        | JournalRecord::Result(_) => true,
        JournalRecord::Drop(d) => d.stage != Stage::Trader,
        _ => false,
    }
}

/// The message a record becomes, if it is one the original system wrote to a stream.
pub fn message(record: &JournalRecord<'_>) -> Option<MirrorMessage> {
    let kind = match record {
        JournalRecord::Signal(_) => StreamKind::Signal,
        JournalRecord::Intent(_) | JournalRecord::RecordedIntent(_) => StreamKind::Intent,
        JournalRecord::Governed(_) => StreamKind::Plan,
        JournalRecord::Result(_) => StreamKind::Result,
        JournalRecord::Drop(d) => match d.stage {
            Stage::Trader => return None,
            Stage::Bridge | Stage::Governor => StreamKind::Plan,
            Stage::Permit | Stage::Executor => StreamKind::Result,
        },
        _ => return None,
    };
    let value = match serde_json::to_value(record) {
        Ok(Value::Object(map)) => map,
        Ok(_) | Err(_) => return None,
    };
    let mut fields: Vec<(String, String)> = value
        .into_iter()
        .filter(|(k, v)| k != "kind" && !v.is_null())
        .map(|(k, v)| (k, text(v)))
        .collect();
    let get = |fields: &[(String, String)], key: &str| {
        fields
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
    };
    match record {
        JournalRecord::Signal(s) => fields.push(("timestamp".into(), s.time.0.to_string())),
        JournalRecord::Governed(_) => {
            if let Some(side) = get(&fields, "side") {
                fields.push(("action".into(), side));
            }
            fields.extend(kill_fields(get(&fields, "kill").as_deref()));
        }
        JournalRecord::Result(_) => {
            if let Some(side) = get(&fields, "side") {
                fields.push(("action".into(), side));
            }
        }
        JournalRecord::Drop(_) => {
            let reason = get(&fields, "reason").unwrap_or_default();
            fields.retain(|(k, _)| k != "reason" && k != "evidence");
            if kind == StreamKind::Plan {
                fields.push(("reason_codes".into(), reason));
            } else {
                fields.retain(|(k, _)| k != "decision");
                fields.push(("executed".into(), "false".into()));
                fields.push(("error".into(), reason));
            }
        }
        _ => {}
    }
    Some(MirrorMessage { kind, fields })
}

/// A JSON value as a field's text: strings as they are, anything else as JSON.
fn text(v: Value) -> String {
    match v {
        Value::String(s) => s,
        other => other.to_string(),
    }
}

/// The governor's score as the original apply layer wrote it: `kill_score` and `k_<component>`.
fn kill_fields(kill: Option<&str>) -> Vec<(String, String)> {
    let Some(Ok(Value::Object(kill))) = kill.map(serde_json::from_str::<Value>) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    if let Some(score) = kill.get("kill_score") {
        out.push(("kill_score".to_string(), text(score.clone())));
    }
    if let Some(Value::Object(parts)) = kill.get("components") {
        for (name, v) in parts {
            out.push((format!("k_{name}"), text(v.clone())));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::{self, Message};
    use pipeline::reason::{Dropped, Reason};
    use pipeline::signal::{Action, Signal};
    use pipeline::stages::{DropRecord, EvalType};
    use pipeline::{Symbol, TimestampMs};

    fn as_message(m: &MirrorMessage) -> Message {
        Message::from_pairs("1-0".into(), m.fields.clone())
    }

    #[test]
    fn a_signal_reads_back_as_a_signal() {
        let s = Signal {
            time: TimestampMs(1_767_228_840_000),
            symbol: Symbol::new("BTCUSDT").expect("symbol"),
            action: Action::Buy,
            confidence: 0.75,
            source: "sma_cross(10,30)".into(),
        };
        let m = message(&JournalRecord::Signal(&s)).expect("mirrored");
        assert_eq!(m.kind, StreamKind::Signal);
        let read = as_message(&m);
        assert!(read.check(StreamKind::Signal, "s").is_ok());
        assert_eq!(read.fields["action"], "BUY");
        assert_eq!(read.fields["timestamp"], "1767228840000");
        assert!(!read.fields.contains_key("kind"));
    }

    #[test]
    fn drops_go_to_the_stream_of_the_stage_that_wrote_them() {
        let drop = |stage, reason| {
            DropRecord::new(
                stage,
                EvalType::Entry,
                TimestampMs(1),
                "ETHUSDT",
                7,
                Some("p1"),
                Dropped::new(reason, "notional 70.61 < minNotional 100"),
            )
        };
        let governor = drop(Stage::Governor, Reason::KillScoreWarningRiskIncrease);
        let m = message(&JournalRecord::Drop(&governor)).expect("plan");
        assert_eq!(m.kind, StreamKind::Plan);
        let plan = as_message(&m);
        assert!(plan.check(StreamKind::Plan, "p").is_ok());
        assert!(!plan.executes());
        assert_eq!(
            formats::plan_reasons(&plan),
            vec!["kill_score_warning_risk_increase"]
        );
        // The detail mentions a notional, the reason is a permit's: the code survives.
        let permit = drop(Stage::Permit, Reason::PositionLimitExceeded);
        let m = message(&JournalRecord::Drop(&permit)).expect("result");
        assert_eq!(m.kind, StreamKind::Result);
        let result = as_message(&m);
        assert!(result.check(StreamKind::Result, "r").is_ok());
        assert!(!result.executed());
        assert_eq!(formats::result_reason(&result), "position_limit_exceeded");
        assert_eq!(result.eval_type(), EvalType::Entry);
        let trader = drop(Stage::Trader, Reason::CooldownActive);
        assert_eq!(message(&JournalRecord::Drop(&trader)), None);
    }
}
