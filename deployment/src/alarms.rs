//! The alarms of a snapshot, each with the failure of PIPELINE.md it is (F1..F7), the numbers
//! and the fix, worded with `pipeline`'s reason codes and fixes (as `sim explain` words them):
//! - F4 `stream_written_by_nobody`: a stream a group (or a stage) reads that was never
//!   written; the fix names the stream the upstream stage does write.
//! - `group_without_consumers`, `group_lag_growing`: a group on a written stream that nobody
//!   serves, or whose lag is larger than at an earlier reading ([`LagBaseline`]: the previous
//!   refresh, or `--once`'s first reading `--lag-interval` before).
//! - F1 `contract_mismatch`: ENTRY intents sized with `position_usd` and no `qty` while the
//!   bridge turned fewer than half of the window's ENTRY intents into ENTRY plans.
//! - F5 `symbol_rejected_by_venue`, F3 `entries_under_min_notional`: every ENTRY result of a
//!   symbol failed, mostly as `symbol_not_available` (resp. `notional_below_min`).
//! - F6 `exits_blocked`: EXIT plans in the window and none of them EXECUTE.
//! - F7 `ledger_lags_venue`: the ledger did not follow an execution. Each result's permit
//!   writes the position it saw twice, `exchange_position_amt` (the venue's, the truth) and
//!   `ledger_amt` (the ledger's, derived from `apply.result` by another service). A symbol
//!   alarms when its last two results in the window that carry both views both show the ledger
//!   differing from the venue and the older of the two executed: the ledger had an execution
//!   to learn from and, at the next permit, still did not hold what the venue holds (the
//!   report's ZECUSDT: five executed BUYs, the venue at 8.316, the ledger at 0.0). One
//!   disagreeing permit alone is no alarm (a fill the ledger learns at its next update). The
//!   fix is PIPELINE.md's remedy for F7 (as `pipeline`'s permit and ledger apply it): the
//!   venue is the truth and the ledger is derived, count executions from the venue's fills,
//!   not from decisions or the ledger; then find why the ledger falls behind.

use std::collections::BTreeMap;

use pipeline::reason::Reason;
use pipeline::stages::EvalType;
use serde::Serialize;

use crate::formats::{SizingForm, StreamKind};
use crate::reader::StreamInfo;
use crate::snapshot::{LagBaseline, Snapshot, Wiring};

/// One alarm.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Alarm {
    /// `F1`..`F7` of PIPELINE.md, or `group` for a consumer group's health.
    pub failure: &'static str,
    pub kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stream: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub symbol: Option<String>,
    /// How many messages (or entries of lag) the alarm is about, out of `of`.
    pub count: u64,
    pub of: u64,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub reasons: BTreeMap<String, u64>,
    pub message: String,
    pub fix: String,
}

fn fix_of(code: &str) -> String {
    Reason::from_code(code).map_or_else(
        || format!("read the services' logs for '{code}'"),
        |r| r.fix().to_string(),
    )
}

fn dominant(reasons: &BTreeMap<String, u64>) -> Option<&str> {
    reasons
        .iter()
        .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0)))
        .map(|(c, _)| c.as_str())
}

fn reasons_text(reasons: &BTreeMap<String, u64>) -> String {
    let v: Vec<String> = reasons.iter().map(|(c, n)| format!("{c} {n}")).collect();
    v.join(", ")
}

/// Every alarm of `snap`, in a fixed order (F4, groups, F1, F5/F3 by symbol, F6, F7 by symbol).
pub fn raise(
    wiring: &Wiring,
    infos: &[StreamInfo],
    snap: &Snapshot,
    baseline: Option<&LagBaseline>,
) -> Vec<Alarm> {
    let mut out = Vec::new();
    written_by_nobody(wiring, infos, snap, &mut out);
    group_health(infos, snap, baseline, &mut out);
    out.extend(contract_mismatch(snap));
    out.extend(symbols_rejected(snap));
    out.extend(exits_blocked(snap));
    out.extend(ledger_lags_venue(snap));
    out
}

fn blank(failure: &'static str, kind: &'static str) -> Alarm {
    Alarm {
        failure,
        kind,
        stream: None,
        group: None,
        symbol: None,
        count: 0,
        of: 0,
        reasons: BTreeMap::new(),
        message: String::new(),
        fix: String::new(),
    }
}

fn written_by_nobody(wiring: &Wiring, infos: &[StreamInfo], snap: &Snapshot, out: &mut Vec<Alarm>) {
    for info in infos.iter().filter(|i| i.never_written()) {
        let readers: Vec<&str> = wiring
            .stages
            .iter()
            .filter(|s| s.reads.as_deref() == Some(info.stream.as_str()))
            .map(|s| s.stage.as_str())
            .collect();
        // What the first reader's upstream stage does write: the likely intended input.
        let upstream = wiring
            .stages
            .iter()
            .position(|s| s.reads.as_deref() == Some(info.stream.as_str()))
            .and_then(|i| {
                wiring.stages[..i]
                    .iter()
                    .rev()
                    .find_map(|s| s.writes.as_ref().map(|w| (s.stage.as_str(), w)))
            })
            .filter(|(_, w)| infos.iter().any(|x| &x.stream == *w && !x.never_written()))
            .map_or(String::new(), |(stage, w)| {
                let reader = readers.first().copied().unwrap_or("reader");
                format!("the {stage} writes {w}: point the {reader} there, or ")
            });
        let groups: Vec<_> = snap
            .groups
            .iter()
            .filter(|g| g.stream == info.stream)
            .collect();
        let targets: Vec<(Option<String>, String)> = if groups.is_empty() && !readers.is_empty() {
            vec![(None, format!("the {}", readers.join(", ")))]
        } else {
            groups
                .iter()
                .map(|g| {
                    (
                        Some(g.group.clone()),
                        format!(
                            "group {} ({} consumers, {} read)",
                            g.group,
                            g.consumers,
                            g.entries_read.unwrap_or(0)
                        ),
                    )
                })
                .collect()
        };
        for (group, who) in targets {
            let mut a = blank("F4", "stream_written_by_nobody");
            a.message = format!(
                "{} is read by {who} but written by nobody: it never had an entry, so its reader receives nothing",
                info.stream
            );
            a.fix = format!(
                "{upstream}start the service that should write {} (check the reader's stream setting, e.g. INTENT_EXECUTOR_MANUAL_STREAM / topology.executor.reads)",
                info.stream
            );
            a.stream = Some(info.stream.clone());
            a.group = group;
            out.push(a);
        }
    }
}

fn group_health(
    infos: &[StreamInfo],
    snap: &Snapshot,
    baseline: Option<&LagBaseline>,
    out: &mut Vec<Alarm>,
) {
    for g in &snap.groups {
        let written = infos
            .iter()
            .any(|i| i.stream == g.stream && !i.never_written());
        if !written {
            continue; // the F4 alarm above is the cause
        }
        if g.consumers == 0 {
            let mut a = blank("group", "group_without_consumers");
            a.message = format!(
                "group {} on {} has no consumers; {} entries wait for it",
                g.group,
                g.stream,
                g.lag.unwrap_or(0)
            );
            a.fix = format!(
                "start the service that reads {} as group {}, or delete the group if nothing should",
                g.stream, g.group
            );
            a.count = g.lag.unwrap_or(0);
            a.stream = Some(g.stream.clone());
            a.group = Some(g.group.clone());
            out.push(a);
            continue;
        }
        let before = baseline
            .and_then(|p| {
                p.groups
                    .iter()
                    .find(|o| o.stream == g.stream && o.group == g.group)
            })
            .and_then(|o| o.lag);
        if let (Some(now), Some(before)) = (g.lag, before)
            && now > before
        {
            let mut a = blank("group", "group_lag_growing");
            a.message = format!(
                "group {} on {} fell behind: lag {before} -> {now} in {}",
                g.group,
                g.stream,
                crate::render::duration_text(
                    snap.server_time_ms - baseline.map_or(snap.server_time_ms, |b| b.taken_ms)
                )
            );
            a.fix = format!(
                "look at the consumers of {} (idle, crashing, too slow); add consumers if the load grew",
                g.group
            );
            a.count = now;
            a.of = before;
            a.stream = Some(g.stream.clone());
            a.group = Some(g.group.clone());
            out.push(a);
        }
    }
}

fn contract_mismatch(snap: &Snapshot) -> Option<Alarm> {
    let f = &snap.funnel;
    let entry_intents = f.tally(StreamKind::Intent, EvalType::Entry).total;
    let usd_only = f
        .entry_intents_by_form
        .get(&SizingForm::PositionUsd)
        .copied()
        .unwrap_or(0);
    let entry_plans = f.tally(StreamKind::Plan, EvalType::Entry).total;
    if usd_only == 0 || entry_plans * 2 >= entry_intents {
        return None;
    }
    let stream = f.stages.get(&StreamKind::Intent).map(|s| s.stream.clone());
    let mut a = blank("F1", "contract_mismatch");
    a.message = format!(
        "{usd_only} of {entry_intents} ENTRY intents on {} carry position_usd + leverage and no qty, and the bridge wrote only {entry_plans} ENTRY plans: the producer's fields are not the ones its consumer reads (the reports' 75 of 76 'Invalid quantity')",
        stream.as_deref().unwrap_or("the intent stream")
    );
    a.fix = format!(
        "make the bridge size entries from position_usd x leverage / price as well as from qty, as sim's bridge does (it drops only an entry with neither, as {}), or have the trader send qty and price",
        Reason::InvalidQuantity.as_str()
    );
    a.count = usd_only;
    a.of = entry_intents;
    a.stream = stream;
    Some(a)
}

fn symbols_rejected(snap: &Snapshot) -> Vec<Alarm> {
    let mut out = Vec::new();
    for (symbol, kinds) in &snap.funnel.by_symbol {
        let Some(results) = kinds.get(&StreamKind::Result) else {
            continue;
        };
        let t = &results.entry;
        if t.total == 0 || t.passed > 0 {
            continue;
        }
        let (failure, kind, what) = match dominant(&t.dropped) {
            Some("symbol_not_available") => (
                "F5",
                "symbol_rejected_by_venue",
                "the venue does not list it",
            ),
            Some("notional_below_min") => (
                "F3",
                "entries_under_min_notional",
                "price x quantity is under MIN_NOTIONAL",
            ),
            _ => continue,
        };
        let code = dominant(&t.dropped).unwrap_or_default().to_string();
        let mut a = blank(failure, kind);
        a.message = format!(
            "every ENTRY of {symbol} failed at the executor ({} of {}: {}): {what}",
            t.dropped.get(&code).copied().unwrap_or(0),
            t.total,
            reasons_text(&t.dropped)
        );
        a.fix = fix_of(&code);
        a.count = t.dropped.get(&code).copied().unwrap_or(0);
        a.of = t.total;
        a.reasons = t.dropped.clone();
        a.symbol = Some(symbol.clone());
        a.stream = snap
            .funnel
            .stages
            .get(&StreamKind::Result)
            .map(|s| s.stream.clone());
        out.push(a);
    }
    out
}

fn exits_blocked(snap: &Snapshot) -> Option<Alarm> {
    let t = snap.funnel.tally(StreamKind::Plan, EvalType::Exit);
    if t.total == 0 || t.passed > 0 {
        return None;
    }
    let symbols: Vec<String> = snap
        .funnel
        .by_symbol
        .iter()
        .filter_map(|(s, k)| k.get(&StreamKind::Plan).map(|p| (s, p.exit.total)))
        .filter(|(_, n)| *n > 0)
        .map(|(s, n)| format!("{s} {n}"))
        .collect();
    let mut a = blank("F6", "exits_blocked");
    a.message = format!(
        "EXIT: 0 of {} plans EXECUTE ({}; {}): positions cannot be closed while entries may still flow",
        t.total,
        reasons_text(&t.dropped),
        symbols.join(", ")
    );
    a.fix = fix_of(dominant(&t.dropped).unwrap_or("unspecified"));
    a.count = t.total;
    a.of = t.total;
    a.reasons = t.dropped;
    a.stream = snap
        .funnel
        .stages
        .get(&StreamKind::Plan)
        .map(|s| s.stream.clone());
    Some(a)
}

fn ledger_lags_venue(snap: &Snapshot) -> Vec<Alarm> {
    let results = snap
        .funnel
        .stages
        .get(&StreamKind::Result)
        .map(|s| s.stream.clone());
    let mut out = Vec::new();
    for (symbol, t) in &snap.funnel.ledger {
        let [before, last] = t.last_two.as_slice() else {
            continue;
        };
        if !(before.executed && before.views.disagree() && last.views.disagree()) {
            continue;
        }
        let mut a = blank("F7", "ledger_lags_venue");
        a.message = format!(
            "{symbol}: the ledger holds {} where the venue holds {} (the permit of result {}), still after the executed result {}; {} of {} permits in the window disagreed, {} results executed: executions counted from the ledger, or from plans that EXECUTE, are not what the venue holds",
            last.views.ledger_text,
            last.views.venue_text,
            last.id,
            before.id,
            t.disagreeing,
            t.permits,
            t.executed
        );
        a.fix = format!(
            "take the venue's positions as the truth and count executions from the venue (results executed with filled_qty, the exchange's positions), not from decisions or the ledger; then find why the ledger falls behind (its updater reads {}: is it running, is it reading that stream?)",
            results.as_deref().unwrap_or("the result stream")
        );
        a.count = t.disagreeing;
        a.of = t.permits;
        a.symbol = Some(symbol.clone());
        a.stream = results.clone();
        out.push(a);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::funnel::LiveFunnel;
    use crate::reader::GroupInfo;

    fn info(stream: &str, length: u64) -> StreamInfo {
        StreamInfo {
            stream: stream.into(),
            exists: true,
            length,
            entries_added: Some(length),
            last_generated_id: format!("{length}-0"),
            last_entry_ms: Some(1),
        }
    }

    fn snap(lag: u64, consumers: u64) -> Snapshot {
        Snapshot {
            redis: "r".into(),
            server_time_ms: 0,
            window_ms: 1,
            traffic: Vec::new(),
            groups: vec![GroupInfo {
                stream: "s".into(),
                group: "g".into(),
                consumers,
                pending: 0,
                last_delivered_id: "1-0".into(),
                entries_read: Some(1),
                lag: Some(lag),
                idle_ms: None,
            }],
            funnel: LiveFunnel::default(),
            malformed_total: 0,
            malformed: Vec::new(),
            alarms: Vec::new(),
            entries_read: 0,
        }
    }

    fn kinds(now: &Snapshot, before: Option<&Snapshot>) -> Vec<&'static str> {
        let wiring = Wiring { stages: Vec::new() };
        let baseline = before.map(LagBaseline::of);
        raise(&wiring, &[info("s", 10)], now, baseline.as_ref())
            .iter()
            .map(|a| a.kind)
            .collect()
    }

    #[test]
    fn a_group_lag_alarms_only_when_it_grew_since_the_earlier_reading() {
        assert_eq!(kinds(&snap(5, 1), None), Vec::<&str>::new());
        assert_eq!(kinds(&snap(5, 1), Some(&snap(5, 1))), Vec::<&str>::new());
        assert_eq!(
            kinds(&snap(5, 1), Some(&snap(2, 1))),
            vec!["group_lag_growing"]
        );
        assert_eq!(kinds(&snap(4, 1), Some(&snap(5, 1))), Vec::<&str>::new());
    }

    fn result(id: &str, executed: bool, venue: &str, ledger: &str) -> crate::formats::Message {
        let permit = format!(r#"{{"exchange_position_amt":{venue},"ledger_amt":{ledger}}}"#);
        crate::formats::Message::from_pairs(
            id.into(),
            vec![
                ("symbol".into(), "ZECUSDT".into()),
                ("executed".into(), executed.to_string()),
                ("permit".into(), permit),
            ],
        )
    }

    fn f7(results: &[crate::formats::Message]) -> Vec<&'static str> {
        let mut s = snap(0, 1);
        for r in results {
            s.funnel.count(StreamKind::Result, "r", r);
        }
        ledger_lags_venue(&s).iter().map(|a| a.kind).collect()
    }

    #[test]
    fn f7_needs_two_disagreeing_permits_with_an_execution_between() {
        let lagging = [
            result("1-0", true, "0.6", "0"),
            result("2-0", true, "1.2", "0"),
        ];
        assert_eq!(f7(&lagging), vec!["ledger_lags_venue"]);
        // The ledger caught up at the last permit.
        let caught_up = [
            result("1-0", true, "0.6", "0"),
            result("2-0", true, "1.2", "1.2"),
        ];
        assert_eq!(f7(&caught_up), Vec::<&str>::new());
        // One disagreement only: a fill the ledger learns at its next update.
        assert_eq!(f7(&[result("1-0", true, "0.6", "0")]), Vec::<&str>::new());
        // No execution before the last permit: nothing for the ledger to learn from.
        let refused = [
            result("1-0", false, "0.6", "0"),
            result("2-0", true, "0.6", "0"),
        ];
        assert_eq!(f7(&refused), Vec::<&str>::new());
    }

    #[test]
    fn a_group_nobody_serves_on_a_written_stream() {
        assert_eq!(kinds(&snap(7, 0), None), vec!["group_without_consumers"]);
        let wiring = Wiring { stages: Vec::new() };
        let a = raise(&wiring, &[info("s", 10)], &snap(7, 0), None);
        assert_eq!((a[0].count, a[0].group.as_deref()), (7, Some("g")));
    }
}
