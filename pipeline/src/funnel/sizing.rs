//! [`SizingTrace`]: per intent, how its size came about, from the requested USD to what was
//! sent (or where it was dropped). The bridge starts one, the permit and executor complete it.
//! Must never live here: the sizing arithmetic itself (bridge and executor).

use std::borrow::Cow;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::domain::{SharedText, TimestampMs};
use crate::reason::Reason;
use crate::stages::{EvalType, Stage};

/// Where a traced intent was dropped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TraceDrop {
    pub stage: Stage,
    pub reason: Reason,
}

/// One intent's sizing, step by step. Decimals are strings in JSON.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SizingTrace {
    pub seq: u64,
    pub plan_id: Option<SharedText>,
    pub time: TimestampMs,
    pub symbol: SharedText,
    pub eval_type: EvalType,
    /// `position_usd`, `qty`, `close_position`, or `none` (no usable sizing).
    pub form: Cow<'static, str>,
    /// Margin asked for (position_usd), after the trader's clipping to max_position_usd.
    pub requested_usd: Option<Decimal>,
    pub leverage: Option<Decimal>,
    /// The price the size was computed at.
    pub price: Option<Decimal>,
    /// position_usd x leverage / price (or the intent's qty), unrounded.
    pub raw_qty: Option<Decimal>,
    /// raw_qty floored to the symbol's step.
    pub step_qty: Option<Decimal>,
    /// The quantity sent to the venue (after upsizing, or clipping a close to the venue's).
    pub final_qty: Option<Decimal>,
    /// final (or step) qty x the mark price the executor valued it at.
    pub notional: Option<Decimal>,
    pub min_notional: Option<Decimal>,
    pub upsized: bool,
    /// position_usd clipped to max_position_usd, or a close clipped to what the venue holds.
    pub clipped: bool,
    pub dropped: Option<TraceDrop>,
}

impl SizingTrace {
    /// An empty trace for intent `seq`.
    pub fn new(
        seq: u64,
        time: TimestampMs,
        symbol: impl Into<SharedText>,
        eval_type: EvalType,
    ) -> Self {
        SizingTrace {
            seq,
            plan_id: None,
            time,
            symbol: symbol.into(),
            eval_type,
            form: Cow::Borrowed("none"),
            requested_usd: None,
            leverage: None,
            price: None,
            raw_qty: None,
            step_qty: None,
            final_qty: None,
            notional: None,
            min_notional: None,
            upsized: false,
            clipped: false,
            dropped: None,
        }
    }

    /// "sized", "upsized", "clipped", or "dropped at `<stage>: <reason>`".
    pub fn outcome(&self) -> String {
        match (self.dropped, self.upsized, self.clipped) {
            (Some(d), _, _) => format!("dropped at {}: {}", d.stage, d.reason),
            (None, true, _) => "upsized".to_string(),
            (None, false, true) => "clipped".to_string(),
            (None, false, false) => "sized".to_string(),
        }
    }
}
