//! One snapshot of the deployment: the stream-traffic table, the consumer-group table, the
//! live funnel, the malformed messages and the alarms, built from read commands only.
//!
//! [`Wiring`] says which stage writes and reads which stream (the CLI makes it from the run
//! config's `[topology]`); the kind of message a stream carries follows from its writer.

use std::collections::BTreeSet;

use serde::Serialize;

use crate::DeploymentError;
use crate::alarms::{self, Alarm};
use crate::formats::{Missing, StreamKind};
use crate::funnel::LiveFunnel;
use crate::reader::{self, GroupInfo, StreamInfo};
use crate::resp::Connection;

/// One stage's streams, by the stage names of `[topology]` (`signal_source`, `trader`,
/// `bridge`, `executor`, `ledger`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StageWiring {
    pub stage: String,
    pub reads: Option<String>,
    pub writes: Option<String>,
}

/// The deployment's wiring.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Wiring {
    pub stages: Vec<StageWiring>,
}

impl Wiring {
    /// The kind of message a stage writes.
    pub fn output_kind(stage: &str) -> Option<StreamKind> {
        match stage {
            "signal_source" => Some(StreamKind::Signal),
            "trader" => Some(StreamKind::Intent),
            "bridge" => Some(StreamKind::Plan),
            "executor" => Some(StreamKind::Result),
            _ => None,
        }
    }

    /// Every stream named, writers' streams first, in stage order, once each.
    pub fn streams(&self) -> Vec<String> {
        let mut seen = BTreeSet::new();
        let writes = self.stages.iter().filter_map(|s| s.writes.clone());
        let reads = self.stages.iter().filter_map(|s| s.reads.clone());
        writes
            .chain(reads)
            .filter(|s| seen.insert(s.clone()))
            .collect()
    }

    /// The stream the stage producing `kind` writes.
    pub fn output_stream(&self, kind: StreamKind) -> Option<&str> {
        self.stages
            .iter()
            .find(|s| Wiring::output_kind(&s.stage) == Some(kind))
            .and_then(|s| s.writes.as_deref())
    }

    /// The stages that write `stream`.
    pub fn writers(&self, stream: &str) -> Vec<&str> {
        self.stages
            .iter()
            .filter(|s| s.writes.as_deref() == Some(stream))
            .map(|s| s.stage.as_str())
            .collect()
    }
}

/// Whether a stream is doing its job.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Entries in the window.
    Working,
    /// Entries, but none in the window.
    Silent,
    /// Never written.
    DeadEnd,
    /// A stage reads it and no stage of the wiring writes it.
    NoInput,
}

impl Status {
    pub fn label(self) -> &'static str {
        match self {
            Status::Working => "working",
            Status::Silent => "silent",
            Status::DeadEnd => "DEAD END",
            Status::NoInput => "NO INPUT",
        }
    }
}

/// One row of the stream-traffic table: a stage's output stream (`writes`) or an input that
/// no stage writes (`reads`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TrafficRow {
    pub stage: String,
    pub direction: &'static str,
    pub stream: String,
    pub in_window: u64,
    pub length: u64,
    pub last_entry_age_ms: Option<i64>,
    pub status: Status,
}

/// How many malformed messages a snapshot lists (all are counted).
pub const MALFORMED_KEPT: usize = 20;

/// A snapshot.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Snapshot {
    pub redis: String,
    pub server_time_ms: i64,
    pub window_ms: i64,
    pub traffic: Vec<TrafficRow>,
    pub groups: Vec<GroupInfo>,
    pub funnel: LiveFunnel,
    pub malformed_total: u64,
    pub malformed: Vec<Missing>,
    pub alarms: Vec<Alarm>,
    /// Entries read to build it (every stream's window).
    pub entries_read: u64,
}

/// How to read: the window and the page size of `XRANGE`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReadLimits {
    pub window_ms: i64,
    pub page: usize,
}

/// The consumer groups as an earlier reading saw them: a group whose lag is larger now than
/// then is falling behind (`group_lag_growing`), which one reading alone cannot tell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LagBaseline {
    /// Redis's clock at that reading.
    pub taken_ms: i64,
    pub groups: Vec<GroupInfo>,
}

impl LagBaseline {
    /// The groups of a snapshot (a refreshing watch's previous one).
    pub fn of(snap: &Snapshot) -> Self {
        Self {
            taken_ms: snap.server_time_ms,
            groups: snap.groups.clone(),
        }
    }

    /// Reads only the groups of the wiring's streams (`XINFO STREAM`, `XINFO GROUPS`,
    /// `XINFO CONSUMERS`, no entries): the cheap first reading of `sim watch --once`.
    pub fn read(conn: &mut Connection, wiring: &Wiring) -> Result<Self, DeploymentError> {
        let taken_ms = reader::server_time_ms(conn)?;
        let mut groups = Vec::new();
        for stream in wiring.streams() {
            if reader::stream_info(conn, &stream)?.exists {
                groups.extend(reader::groups(conn, &stream)?);
            }
        }
        Ok(Self { taken_ms, groups })
    }
}

/// Reads one snapshot. `baseline` (an earlier reading of the groups) lets a growing group lag
/// raise an alarm.
pub fn take(
    conn: &mut Connection,
    redis: &str,
    wiring: &Wiring,
    limits: ReadLimits,
    baseline: Option<&LagBaseline>,
) -> Result<Snapshot, DeploymentError> {
    let now = reader::server_time_ms(conn)?;
    let from = now - limits.window_ms;
    let mut infos: Vec<StreamInfo> = Vec::new();
    let mut groups = Vec::new();
    let mut funnel = LiveFunnel::default();
    let mut malformed = Vec::new();
    let mut malformed_total = 0u64;
    let mut in_window = Vec::new();
    for stream in wiring.streams() {
        let info = reader::stream_info(conn, &stream)?;
        if info.exists {
            groups.extend(reader::groups(conn, &stream)?);
        }
        let kind = wiring
            .writers(&stream)
            .iter()
            .find_map(|w| Wiring::output_kind(w));
        let count = if info.exists && info.length > 0 {
            reader::scan_window(conn, &stream, from, limits.page, |m| {
                let Some(kind) = kind else { return };
                match m.check(kind, &stream) {
                    Ok(()) => funnel.count(kind, &stream, &m),
                    Err(missing) => {
                        malformed_total += 1;
                        if malformed.len() < MALFORMED_KEPT {
                            malformed.push(missing);
                        }
                    }
                }
            })?
        } else {
            0
        };
        in_window.push((stream.clone(), count));
        infos.push(info);
    }
    let traffic = traffic_rows(wiring, &infos, &in_window, now);
    let mut snap = Snapshot {
        redis: redis.to_string(),
        server_time_ms: now,
        window_ms: limits.window_ms,
        entries_read: in_window.iter().map(|(_, n)| n).sum(),
        traffic,
        groups,
        funnel,
        malformed_total,
        malformed,
        alarms: Vec::new(),
    };
    snap.alarms = alarms::raise(wiring, &infos, &snap, baseline);
    Ok(snap)
}

fn traffic_rows(
    wiring: &Wiring,
    infos: &[StreamInfo],
    in_window: &[(String, u64)],
    now: i64,
) -> Vec<TrafficRow> {
    let info = |s: &str| infos.iter().find(|i| i.stream == s);
    let count = |s: &str| {
        in_window
            .iter()
            .find(|(n, _)| n == s)
            .map_or(0, |(_, c)| *c)
    };
    let row = |stage: &str, direction, stream: &str, status_if_unwritten| {
        let i = info(stream);
        let n = count(stream);
        let status = match i {
            Some(i) if !i.never_written() && n > 0 => Status::Working,
            Some(i) if !i.never_written() => Status::Silent,
            _ => status_if_unwritten,
        };
        TrafficRow {
            stage: stage.to_string(),
            direction,
            stream: stream.to_string(),
            in_window: n,
            length: i.map_or(0, |i| i.length),
            last_entry_age_ms: i.and_then(|i| i.last_entry_ms).map(|t| (now - t).max(0)),
            status,
        }
    };
    let mut rows = Vec::new();
    for s in &wiring.stages {
        if let Some(w) = &s.writes {
            rows.push(row(&s.stage, "writes", w, Status::DeadEnd));
        }
    }
    for s in &wiring.stages {
        if let Some(r) = &s.reads
            && wiring.writers(r).is_empty()
        {
            rows.push(row(&s.stage, "reads", r, Status::NoInput));
        }
    }
    rows
}
