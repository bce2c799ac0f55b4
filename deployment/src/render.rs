//! The terminal view of a snapshot: the two tables of the incident reports (stream traffic,
//! consumer groups), the live funnel ENTRY/EXIT with its reasons, the busiest symbols, the
//! malformed messages and the alarms with their fixes, within 160 columns.

use std::collections::BTreeMap;
use std::fmt::Write;

use pipeline::TimestampMs;
use pipeline::stages::EvalType;

use crate::formats::StreamKind;
use crate::funnel::Tally;
use crate::snapshot::Snapshot;

/// How many symbols the per-symbol table shows (the busiest).
pub const SYMBOLS_SHOWN: usize = 8;

/// The screen's width: alarms are wrapped to it at spaces.
pub const WIDTH: usize = 158;

/// `text` wrapped at spaces to [`WIDTH`], continuation lines starting with `indent`.
fn wrap(text: &str, indent: &str) -> String {
    let body = text.trim_start();
    let mut out = String::new();
    let mut line = text[..text.len() - body.len()].to_string();
    let mut words_on_line = 0;
    for word in body.split(' ') {
        if words_on_line > 0 && line.len() + 1 + word.len() > WIDTH {
            out.push_str(&line);
            out.push('\n');
            line = indent.to_string();
            words_on_line = 0;
        } else if words_on_line > 0 {
            line.push(' ');
        }
        line.push_str(word);
        words_on_line += 1;
    }
    out.push_str(&line);
    out.push('\n');
    out
}

/// `3h`, `12m`, `40s`, `850ms`.
pub fn duration_text(ms: i64) -> String {
    match ms {
        ms if ms >= 3_600_000 && ms % 3_600_000 == 0 => format!("{}h", ms / 3_600_000),
        ms if ms >= 3_600_000 => format!("{}h{:02}m", ms / 3_600_000, ms % 3_600_000 / 60_000),
        ms if ms >= 60_000 => format!("{}m", ms / 60_000),
        ms if ms >= 1_000 => format!("{}s", ms / 1_000),
        ms => format!("{ms}ms"),
    }
}

fn reasons(dropped: &BTreeMap<String, u64>) -> String {
    let mut v: Vec<(&String, &u64)> = dropped.iter().collect();
    v.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    let parts: Vec<String> = v.iter().map(|(c, n)| format!("{c} {n}")).collect();
    parts.join(", ")
}

fn tally_text(kind: StreamKind, t: &Tally) -> String {
    let verb = match kind {
        StreamKind::Signal | StreamKind::Intent => return t.total.to_string(),
        StreamKind::Plan => "EXECUTE",
        StreamKind::Result => "executed",
    };
    let mut s = format!("{} ({verb} {})", t.total, t.passed);
    if !t.dropped.is_empty() {
        let _ = write!(s, " blocked: {}", reasons(&t.dropped));
    }
    s
}

/// The whole screen.
pub fn render(snap: &Snapshot) -> String {
    let mut s = String::new();
    let mut iso = [0u8; 24];
    let at = TimestampMs(snap.server_time_ms)
        .write_iso(&mut iso)
        .map_or(String::new(), |()| {
            String::from_utf8_lossy(&iso[..19]).replace('T', " ")
        });
    let _ = writeln!(
        s,
        "sim watch  redis {}  window {}  at {at} UTC (server clock)  {} entries read",
        snap.redis,
        duration_text(snap.window_ms),
        snap.entries_read
    );
    let _ = writeln!(
        s,
        "\nSTREAM TRAFFIC (last {})",
        duration_text(snap.window_ms)
    );
    let _ = writeln!(
        s,
        "{:<14} {:<44} {:>10} {:>10} {:>11}  STATUS",
        "STAGE", "STREAM", "IN WINDOW", "LENGTH", "LAST ENTRY"
    );
    for r in &snap.traffic {
        let arrow = if r.direction == "writes" { "->" } else { "<-" };
        let age = r
            .last_entry_age_ms
            .map_or("never".to_string(), |a| format!("{} ago", duration_text(a)));
        let _ = writeln!(
            s,
            "{:<14} {arrow} {:<41} {:>10} {:>10} {:>11}  {}",
            r.stage,
            r.stream,
            r.in_window,
            r.length,
            age,
            r.status.label()
        );
    }
    let _ = writeln!(s, "\nCONSUMER GROUPS");
    let _ = writeln!(
        s,
        "{:<40} {:<26} {:>9} {:>8} {:>8} {:>10} {:<20} {:>8}",
        "STREAM", "GROUP", "CONSUMERS", "PENDING", "LAG", "READ", "LAST DELIVERED", "IDLE"
    );
    if snap.groups.is_empty() {
        let _ = writeln!(s, "(no consumer groups on the watched streams)");
    }
    for g in &snap.groups {
        let opt = |v: Option<u64>| v.map_or("?".to_string(), |v| v.to_string());
        let _ = writeln!(
            s,
            "{:<40} {:<26} {:>9} {:>8} {:>8} {:>10} {:<20} {:>8}",
            g.stream,
            g.group,
            g.consumers,
            g.pending,
            opt(g.lag),
            opt(g.entries_read),
            g.last_delivered_id,
            g.idle_ms.map_or("-".to_string(), duration_text)
        );
    }
    let _ = writeln!(s, "\nLIVE FUNNEL (ENTRY | EXIT)");
    for kind in [
        StreamKind::Signal,
        StreamKind::Intent,
        StreamKind::Plan,
        StreamKind::Result,
    ] {
        let name = match kind {
            StreamKind::Signal => "signals",
            StreamKind::Intent => "intents",
            StreamKind::Plan => "plans",
            StreamKind::Result => "results",
        };
        let e = snap.funnel.tally(kind, EvalType::Entry);
        let x = snap.funnel.tally(kind, EvalType::Exit);
        let _ = writeln!(
            s,
            "{name:<8} ENTRY {:<70} | EXIT {}",
            tally_text(kind, &e),
            tally_text(kind, &x)
        );
    }
    symbols(&mut s, snap);
    if snap.malformed_total > 0 {
        let _ = writeln!(
            s,
            "\nMALFORMED MESSAGES ({}, not counted in the funnel)",
            snap.malformed_total
        );
        for m in snap.malformed.iter().take(3) {
            let _ = writeln!(s, "  {m}");
        }
    }
    let _ = writeln!(s, "\nALARMS ({})", snap.alarms.len());
    if snap.alarms.is_empty() {
        let _ = writeln!(s, "none");
    }
    for a in &snap.alarms {
        s.push_str(&wrap(&format!("[{}] {}", a.failure, a.message), "      "));
        s.push_str(&wrap(&format!("      fix: {}", a.fix), "           "));
    }
    s
}

fn symbols(s: &mut String, snap: &Snapshot) {
    let total = |k: &BTreeMap<StreamKind, pipeline::funnel::PerEval<Tally>>| -> u64 {
        k.values().map(|p| p.entry.total + p.exit.total).sum()
    };
    let mut list: Vec<_> = snap.funnel.by_symbol.iter().collect();
    list.sort_by(|a, b| total(b.1).cmp(&total(a.1)).then(a.0.cmp(b.0)));
    if list.is_empty() {
        return;
    }
    let _ = writeln!(
        s,
        "\nPER SYMBOL (busiest {} of {}; ENTRY/EXIT)",
        SYMBOLS_SHOWN.min(list.len()),
        list.len()
    );
    let _ = writeln!(
        s,
        "{:<12} {:>9} {:>9} {:>13} {:>13}  RESULT REASONS",
        "SYMBOL", "SIGNALS", "INTENTS", "PLANS EXEC", "EXECUTED"
    );
    for (symbol, kinds) in list.into_iter().take(SYMBOLS_SHOWN) {
        let get = |k: StreamKind| kinds.get(&k).cloned().unwrap_or_default();
        let (sig, int, plan, res) = (
            get(StreamKind::Signal),
            get(StreamKind::Intent),
            get(StreamKind::Plan),
            get(StreamKind::Result),
        );
        let pair = |a: u64, b: u64| format!("{a}/{b}");
        let mut dropped = res.entry.dropped.clone();
        for (c, n) in &res.exit.dropped {
            *dropped.entry(c.clone()).or_default() += n;
        }
        let _ = writeln!(
            s,
            "{symbol:<12} {:>9} {:>9} {:>13} {:>13}  {}",
            pair(sig.entry.total, sig.exit.total),
            pair(int.entry.total, int.exit.total),
            format!(
                "{}/{} of {}",
                plan.entry.passed,
                plan.exit.passed,
                plan.entry.total + plan.exit.total
            ),
            format!(
                "{}/{} of {}",
                res.entry.passed,
                res.exit.passed,
                res.entry.total + res.exit.total
            ),
            reasons(&dropped)
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alarms_wrap_at_spaces_within_the_width() {
        let long = format!("[F4] {}", "stream ".repeat(60));
        let text = wrap(&long, "      ");
        assert!(text.lines().count() > 2);
        assert!(text.lines().all(|l| l.len() <= WIDTH), "{text}");
        assert!(text.lines().skip(1).all(|l| l.starts_with("      stream")));
        assert!(wrap("      fix: x", "  ").starts_with("      fix: x"));
        assert_eq!(duration_text(10_800_000), "3h");
        assert_eq!(duration_text(90_000), "1m");
    }
}
