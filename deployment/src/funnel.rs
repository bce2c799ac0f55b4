//! The live funnel: signals -> intents -> plans -> results of the real system over the window,
//! each split ENTRY/EXIT and by symbol, drops counted by `pipeline`'s reason codes (a blocked
//! plan's `reason_codes`, a failed result's error mapped by [`formats::result_reason`]).
//! Only the stages' output streams are counted (what the signal source, trader, bridge and
//! executor wrote), so a stream read by mistake never counts twice. Per symbol it also keeps
//! what the results' permits said of the position at the venue and in the ledger (F7).

use std::collections::BTreeMap;

use pipeline::funnel::PerEval;
use pipeline::stages::EvalType;
use serde::Serialize;

use crate::formats::{self, Message, PositionViews, SizingForm, StreamKind};

/// One stage's messages for one evaluation type: how many, how many went on (a plan that
/// EXECUTEs, a result that executed; every signal and intent), and the rest by reason.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Tally {
    pub total: u64,
    pub passed: u64,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub dropped: BTreeMap<String, u64>,
}

/// A stage of the live funnel: the stream it wrote and its tallies.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct StageTally {
    pub stream: String,
    #[serde(flatten)]
    pub counts: PerEval<Tally>,
}

/// One result's permit: its entry id, the two views of the position, and whether it executed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PermitView {
    pub id: String,
    #[serde(flatten)]
    pub views: PositionViews,
    pub executed: bool,
}

/// What a symbol's results said of its position in the window, in entry order (F7).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct LedgerTrack {
    /// Results whose permit carried both views, and those where the two disagreed.
    pub permits: u64,
    pub disagreeing: u64,
    /// Results of the symbol that executed (with or without the views).
    pub executed: u64,
    /// The last two results with both views, the older first.
    pub last_two: Vec<PermitView>,
}

/// The funnel of the window.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct LiveFunnel {
    /// By kind, in pipeline order (signal, intent, plan, result).
    pub stages: BTreeMap<StreamKind, StageTally>,
    /// Per symbol, per kind.
    pub by_symbol: BTreeMap<String, BTreeMap<StreamKind, PerEval<Tally>>>,
    /// ENTRY intents by sizing form (F1: `position_usd` where the bridge reads `qty`).
    pub entry_intents_by_form: BTreeMap<SizingForm, u64>,
    /// Per symbol with results: the permits' two views of the position (F7).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub ledger: BTreeMap<String, LedgerTrack>,
}

impl LiveFunnel {
    /// Counts one well-formed message of `kind` read from `stream`.
    pub fn count(&mut self, kind: StreamKind, stream: &str, m: &Message) {
        let eval = m.eval_type();
        let symbol = m.symbol().unwrap_or_else(|| "?".to_string());
        let outcome: Result<(), Vec<String>> = match kind {
            StreamKind::Signal | StreamKind::Intent => Ok(()),
            StreamKind::Plan if m.executes() => Ok(()),
            StreamKind::Plan => Err(formats::plan_reasons(m)),
            StreamKind::Result if m.executed() => Ok(()),
            StreamKind::Result => Err(vec![formats::result_reason(m)]),
        };
        if kind == StreamKind::Intent && eval == EvalType::Entry {
            *self
                .entry_intents_by_form
                .entry(m.sizing_form())
                .or_default() += 1;
        }
        if kind == StreamKind::Result {
            self.track_ledger(&symbol, m);
        }
        let stage = self.stages.entry(kind).or_default();
        if stage.stream.is_empty() {
            stage.stream = stream.to_string();
        }
        let per_symbol = self
            .by_symbol
            .entry(symbol)
            .or_default()
            .entry(kind)
            .or_default();
        for tally in [stage.counts.get_mut(eval), per_symbol.get_mut(eval)] {
            tally.total += 1;
            match &outcome {
                Ok(()) => tally.passed += 1,
                // A plan blocked for several reasons counts once per reason, as its codes list.
                Err(codes) => {
                    for c in codes {
                        *tally.dropped.entry(c.clone()).or_default() += 1;
                    }
                }
            }
        }
    }

    /// Notes a result's permit views (results are read in entry order).
    fn track_ledger(&mut self, symbol: &str, m: &Message) {
        let executed = m.executed();
        let views = m.positions();
        if !executed && views.is_none() {
            return;
        }
        let t = self.ledger.entry(symbol.to_string()).or_default();
        t.executed += u64::from(executed);
        let Some(views) = views else { return };
        t.permits += 1;
        t.disagreeing += u64::from(views.disagree());
        if t.last_two.len() == 2 {
            t.last_two.remove(0);
        }
        t.last_two.push(PermitView {
            id: m.id.clone(),
            views,
            executed,
        });
    }

    /// A stage's tally (empty when nothing of that kind was read).
    pub fn tally(&self, kind: StreamKind, eval: EvalType) -> Tally {
        self.stages
            .get(&kind)
            .map(|s| s.counts.get(eval).clone())
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(pairs: &[(&str, &str)]) -> Message {
        Message::from_pairs(
            "1-0".into(),
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        )
    }

    #[test]
    fn plans_and_results_split_by_eval_symbol_and_reason() {
        let mut f = LiveFunnel::default();
        let exit = m(&[
            ("symbol", "BTCUSDT"),
            ("action", "UNKNOWN"),
            ("decision", "BLOCKED"),
            ("reason_codes", "kill_score_warning_risk_increase"),
        ]);
        let entry = m(&[
            ("symbol", "ZECUSDT"),
            ("action", "BUY"),
            ("decision", "EXECUTE"),
        ]);
        f.count(StreamKind::Plan, "p", &exit);
        f.count(StreamKind::Plan, "p", &entry);
        f.count(
            StreamKind::Result,
            "r",
            &m(&[
                ("symbol", "WAVESUSDT"),
                ("executed", "false"),
                ("error", "symbol_not_in_allowlist:WAVESUSDT"),
            ]),
        );
        let exits = f.tally(StreamKind::Plan, EvalType::Exit);
        assert_eq!((exits.total, exits.passed), (1, 0));
        assert_eq!(exits.dropped["kill_score_warning_risk_increase"], 1);
        assert_eq!(f.tally(StreamKind::Plan, EvalType::Entry).passed, 1);
        let waves = &f.by_symbol["WAVESUSDT"][&StreamKind::Result].entry;
        assert_eq!(waves.dropped["symbol_not_available"], 1);
        assert_eq!(f.stages[&StreamKind::Plan].stream, "p");
    }
}
