//! [`PlanHeader`]: the fields every message about one plan starts with (plan id, sequence
//! number, time, symbol, side, evaluation type), and [`PlanMessage`], their getters, written
//! once for every such message: the bridge's [`ApplyPlan`](super::ApplyPlan), the governed and
//! permitted plans, and the executor's [`ExecResult`](super::ExecResult).
//! In JSON the header's fields come first, as fields of the message itself (`serde(flatten)`).
//! Must never live here: a stage's own fields (sizing, kill score, permit, fills) or decisions.

use serde::Serialize;

use super::EvalType;
use crate::domain::{SharedText, Symbol, TimestampMs};

/// The header of a plan's messages. `S` is its side: `Option<Side>` on a plan (a close may
/// leave it to the permit, which takes it from the venue's position), `Side` on a result (the
/// side sent).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlanHeader<S> {
    plan_id: SharedText,
    seq: u64,
    time: TimestampMs,
    symbol: Symbol,
    side: S,
    eval_type: EvalType,
}

impl<S> PlanHeader<S> {
    pub(crate) fn new(
        plan_id: SharedText,
        seq: u64,
        time: TimestampMs,
        symbol: Symbol,
        side: S,
        eval_type: EvalType,
    ) -> Self {
        PlanHeader {
            plan_id,
            seq,
            time,
            symbol,
            side,
            eval_type,
        }
    }

    /// The same header with another side (a result carries the side the permit chose).
    pub(crate) fn with_side<T>(&self, side: T) -> PlanHeader<T> {
        PlanHeader {
            plan_id: self.plan_id.clone(),
            seq: self.seq,
            time: self.time,
            symbol: self.symbol.clone(),
            side,
            eval_type: self.eval_type,
        }
    }
}

/// A message about one plan: its header's fields, read the same way on each.
pub trait PlanMessage {
    /// `Option<Side>` on plans, `Side` on results.
    type Side: Copy;

    fn header(&self) -> &PlanHeader<Self::Side>;

    /// 16 hex digits, deterministic (see the bridge's `plan_id`).
    fn plan_id(&self) -> &SharedText {
        &self.header().plan_id
    }
    /// The pipeline-wide sequence number (links intent, plan, result and sizing trace).
    fn seq(&self) -> u64 {
        self.header().seq
    }
    fn time(&self) -> TimestampMs {
        self.header().time
    }
    fn symbol(&self) -> &Symbol {
        &self.header().symbol
    }
    fn side(&self) -> Self::Side {
        self.header().side
    }
    fn eval_type(&self) -> EvalType {
        self.header().eval_type
    }
}
