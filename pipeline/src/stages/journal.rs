//! The journal: every signal, intent, plan, permit, order, venue answer, result, drop and
//! ledger mismatch can be recorded to a [`Journal`] sink as a serde-serializable
//! [`JournalRecord`] (the run loop writes them as JSON lines, `"kind"` naming the record).
//! Records borrow from the pipeline, so journaling costs nothing when the sink is disabled; a
//! sink that serialises on another thread keeps a [`JournalEntry`], the record's owned copy.
//! Must never live here: files or writers (the run loop owns I/O), formatting for people.

use serde::Serialize;

use super::bridge::ApplyPlan;
use super::executor::ExecResult;
use super::governor::GovernedPlan;
use super::ledger::Mismatch;
use super::payload::IntentPayload;
use super::permit::PermittedPlan;
use super::trader::TradeIntent;
use super::{EvalType, Stage};
use crate::domain::{SharedText, TimestampMs};
use crate::funnel::SizingTrace;
use crate::order::CheckedOrder;
use crate::reason::Dropped;
use crate::signal::Signal;
use crate::venue::{OrderState, VenueError};

/// Where something was dropped, and the drop. The reports' `decision: BLOCKED`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DropRecord {
    pub stage: Stage,
    pub eval_type: EvalType,
    pub time: TimestampMs,
    pub symbol: String,
    pub seq: u64,
    pub plan_id: Option<String>,
    pub decision: &'static str,
    #[serde(flatten)]
    pub dropped: Dropped,
}

impl DropRecord {
    pub fn new(
        stage: Stage,
        eval_type: EvalType,
        time: TimestampMs,
        symbol: &str,
        seq: u64,
        plan_id: Option<&str>,
        dropped: Dropped,
    ) -> Self {
        DropRecord {
            stage,
            eval_type,
            time,
            symbol: symbol.to_string(),
            seq,
            plan_id: plan_id.map(str::to_string),
            decision: "BLOCKED",
            dropped,
        }
    }
}

/// One journal line. Serialized with `"kind"`: `signal`, `intent`, `recorded_intent`, `plan`,
/// `governed`, `permit`, `order`, `venue_answer`, `result`, `drop`, `mismatch`, `sizing`.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum JournalRecord<'a> {
    Signal(&'a Signal),
    Intent(&'a TradeIntent),
    RecordedIntent(&'a IntentPayload),
    Plan(&'a ApplyPlan),
    Governed(&'a GovernedPlan),
    Permit(&'a PermittedPlan),
    Order {
        plan_id: &'a SharedText,
        order: &'a CheckedOrder,
    },
    VenueAnswer {
        plan_id: &'a SharedText,
        order: Option<&'a OrderState>,
        error: Option<&'a VenueError>,
    },
    Result(&'a ExecResult),
    Drop(&'a DropRecord),
    Mismatch(&'a Mismatch),
    Sizing(&'a SizingTrace),
}

/// An owned copy of a [`JournalRecord`], for a sink that serialises on another thread: the
/// record borrows from stages that move on at once, the entry keeps what it showed.
#[derive(Debug, Clone)]
pub enum JournalEntry {
    Signal(Signal),
    Intent(TradeIntent),
    RecordedIntent(IntentPayload),
    Plan(ApplyPlan),
    Governed(GovernedPlan),
    Permit(PermittedPlan),
    Order {
        plan_id: SharedText,
        order: CheckedOrder,
    },
    VenueAnswer {
        plan_id: SharedText,
        order: Option<OrderState>,
        error: Option<VenueError>,
    },
    Result(ExecResult),
    Drop(DropRecord),
    Mismatch(Mismatch),
    Sizing(SizingTrace),
}

impl From<&JournalRecord<'_>> for JournalEntry {
    fn from(r: &JournalRecord<'_>) -> Self {
        match *r {
            JournalRecord::Signal(x) => JournalEntry::Signal(x.clone()),
            JournalRecord::Intent(x) => JournalEntry::Intent(x.clone()),
            JournalRecord::RecordedIntent(x) => JournalEntry::RecordedIntent(x.clone()),
            JournalRecord::Plan(x) => JournalEntry::Plan(x.clone()),
            JournalRecord::Governed(x) => JournalEntry::Governed(x.clone()),
            JournalRecord::Permit(x) => JournalEntry::Permit(x.clone()),
            JournalRecord::Order { plan_id, order } => JournalEntry::Order {
                plan_id: plan_id.clone(),
                order: order.clone(),
            },
            JournalRecord::VenueAnswer {
                plan_id,
                order,
                error,
            } => JournalEntry::VenueAnswer {
                plan_id: plan_id.clone(),
                order: order.cloned(),
                error: error.cloned(),
            },
            JournalRecord::Result(x) => JournalEntry::Result(x.clone()),
            JournalRecord::Drop(x) => JournalEntry::Drop(x.clone()),
            JournalRecord::Mismatch(x) => JournalEntry::Mismatch(x.clone()),
            JournalRecord::Sizing(x) => JournalEntry::Sizing(x.clone()),
        }
    }
}

impl JournalEntry {
    /// The record this entry copies (it serialises to the very same line).
    pub fn record(&self) -> JournalRecord<'_> {
        match self {
            JournalEntry::Signal(x) => JournalRecord::Signal(x),
            JournalEntry::Intent(x) => JournalRecord::Intent(x),
            JournalEntry::RecordedIntent(x) => JournalRecord::RecordedIntent(x),
            JournalEntry::Plan(x) => JournalRecord::Plan(x),
            JournalEntry::Governed(x) => JournalRecord::Governed(x),
            JournalEntry::Permit(x) => JournalRecord::Permit(x),
            JournalEntry::Order { plan_id, order } => JournalRecord::Order { plan_id, order },
            JournalEntry::VenueAnswer {
                plan_id,
                order,
                error,
            } => JournalRecord::VenueAnswer {
                plan_id,
                order: order.as_ref(),
                error: error.as_ref(),
            },
            JournalEntry::Result(x) => JournalRecord::Result(x),
            JournalEntry::Drop(x) => JournalRecord::Drop(x),
            JournalEntry::Mismatch(x) => JournalRecord::Mismatch(x),
            JournalEntry::Sizing(x) => JournalRecord::Sizing(x),
        }
    }
}

/// A sink for journal records.
pub trait Journal {
    /// False: the pipeline skips building records (the default sink).
    fn enabled(&self) -> bool {
        true
    }
    fn record(&mut self, record: &JournalRecord<'_>);
}

/// Records `record` when the sink is enabled.
pub(crate) fn note(journal: &mut dyn Journal, record: &JournalRecord<'_>) {
    if journal.enabled() {
        journal.record(record);
    }
}

/// Records nothing.
#[derive(Debug, Clone, Copy, Default)]
pub struct NullJournal;

impl Journal for NullJournal {
    fn enabled(&self) -> bool {
        false
    }
    fn record(&mut self, _record: &JournalRecord<'_>) {}
}

/// Keeps every record as one JSON line in memory (tests, small runs).
#[derive(Debug, Clone, Default)]
pub struct VecJournal {
    pub lines: Vec<String>,
}

impl VecJournal {
    /// The lines whose `"kind"` is `kind`, parsed.
    pub fn of_kind(&self, kind: &str) -> Vec<serde_json::Value> {
        self.lines
            .iter()
            .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
            .filter(|v| v["kind"] == kind)
            .collect()
    }
}

impl Journal for VecJournal {
    fn record(&mut self, record: &JournalRecord<'_>) {
        match serde_json::to_string(record) {
            Ok(line) => self.lines.push(line),
            Err(e) => tracing::warn!(error = %e, "journal record could not be serialized"),
        }
    }
}

impl<J: Journal + ?Sized> Journal for &mut J {
    fn enabled(&self) -> bool {
        (**self).enabled()
    }
    fn record(&mut self, record: &JournalRecord<'_>) {
        (**self).record(record)
    }
}
