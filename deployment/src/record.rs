//! `sim record`: copies the deployment's messages into JSON-lines files that a backtest
//! replays: `signals.jsonl` for `strategy.name = "signals_file"`, `intents.jsonl` for
//! `sim backtest --intents`, and optionally `plans.jsonl` / `results.jsonl` for reading.
//!
//! One line per stream entry: every field of the message (unknown ones too, as text), `time`
//! set to the entry id's milliseconds (when the message entered the stream; a `time` field the
//! message had is kept as `original_time`) and `redis_id`. A message the replay could not read
//! (no symbol, no action, a signal whose action is not BUY/SELL/CLOSE or whose confidence is
//! not in 0..1) is left out and reported with its stream, entry id and field.
//! Read-only like `sim watch`: `XRANGE` pages from where the last page ended.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde::Serialize;

use crate::DeploymentError;
use crate::formats::{Message, Missing, StreamKind};
use crate::reader;
use crate::resp::{Connection, RedisUrl};

/// What to record.
#[derive(Debug, Clone)]
pub struct RecordConfig {
    pub url: RedisUrl,
    /// The streams to copy, each with the kind of message it carries.
    pub streams: Vec<(StreamKind, String)>,
    pub out: PathBuf,
    /// Copy the entries of this last stretch of time (server clock, ms); `None`: the whole
    /// stream.
    pub window_ms: Option<i64>,
    /// Keep following new entries this long after the first pass; `None`: one pass.
    pub duration: Option<Duration>,
    pub poll: Duration,
    pub page: usize,
}

/// One file written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RecordedFile {
    pub kind: StreamKind,
    pub stream: String,
    pub path: PathBuf,
    pub written: u64,
    pub skipped: u64,
}

/// What a recording did; `skipped` lists the first left-out messages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RecordSummary {
    pub files: Vec<RecordedFile>,
    pub skipped: Vec<Missing>,
}

/// The file a kind of message is recorded to.
pub fn file_name(kind: StreamKind) -> &'static str {
    match kind {
        StreamKind::Signal => "signals.jsonl",
        StreamKind::Intent => "intents.jsonl",
        StreamKind::Plan => "plans.jsonl",
        StreamKind::Result => "results.jsonl",
    }
}

/// Why a message cannot be replayed, beyond the fields every message of its kind needs.
fn replay_problem(kind: StreamKind, m: &Message) -> Option<&'static str> {
    if kind != StreamKind::Signal {
        return None;
    }
    let action = m.get(&["action"]).unwrap_or("").to_ascii_uppercase();
    if !matches!(
        action.as_str(),
        "BUY" | "LONG" | "SELL" | "SHORT" | "CLOSE" | "EXIT"
    ) {
        return Some("action");
    }
    let confidence_ok = m
        .get(&["confidence"])
        .is_none_or(|c| c.parse::<f64>().is_ok_and(|c| (0.0..=1.0).contains(&c)));
    (!confidence_ok).then_some("confidence")
}

/// The JSON line of a message.
fn line(m: &Message) -> serde_json::Value {
    let mut obj = serde_json::Map::new();
    for (k, v) in &m.fields {
        let key = if k == "time" {
            "original_time"
        } else {
            k.as_str()
        };
        obj.insert(key.to_string(), serde_json::Value::String(v.clone()));
    }
    if let Some(ms) = m.id_ms() {
        obj.insert("time".into(), ms.into());
    }
    obj.insert("redis_id".into(), m.id.clone().into());
    serde_json::Value::Object(obj)
}

fn write_error(path: &Path, e: std::io::Error) -> DeploymentError {
    DeploymentError::Write {
        path: path.display().to_string(),
        err: e.to_string(),
    }
}

/// Records until the first pass ends (or `duration` passes), then flushes every file.
pub fn record(cfg: &RecordConfig) -> Result<RecordSummary, DeploymentError> {
    std::fs::create_dir_all(&cfg.out).map_err(|e| write_error(&cfg.out, e))?;
    let mut conn = Connection::open(&cfg.url)?;
    let from = match cfg.window_ms {
        Some(ms) => reader::server_time_ms(&mut conn)? - ms,
        None => 0,
    };
    let mut files = Vec::new();
    let mut writers = Vec::new();
    let mut next_start = Vec::new();
    for (kind, stream) in &cfg.streams {
        let path = cfg.out.join(file_name(*kind));
        let f = File::create(&path).map_err(|e| write_error(&path, e))?;
        writers.push(BufWriter::new(f));
        files.push(RecordedFile {
            kind: *kind,
            stream: stream.clone(),
            path,
            written: 0,
            skipped: 0,
        });
        next_start.push(format!("{}-0", from.max(0)));
    }
    let mut skipped = Vec::new();
    let deadline = cfg.duration.map(|d| Instant::now() + d);
    loop {
        for (i, file) in files.iter_mut().enumerate() {
            let kind = file.kind;
            let stream = file.stream.clone();
            let mut last = None;
            let mut failure = None;
            reader::scan_window_from(&mut conn, &stream, &next_start[i], cfg.page, |m| {
                last = Some(m.id.clone());
                if failure.is_some() {
                    return;
                }
                let problem = m.check(kind, &stream).err().or_else(|| {
                    replay_problem(kind, &m).map(|field| Missing {
                        stream: stream.clone(),
                        id: m.id.clone(),
                        field: field.to_string(),
                    })
                });
                if let Some(p) = problem {
                    file.skipped += 1;
                    if skipped.len() < crate::snapshot::MALFORMED_KEPT {
                        skipped.push(p);
                    }
                    return;
                }
                let text = line(&m).to_string();
                match writeln!(writers[i], "{text}") {
                    Ok(()) => file.written += 1,
                    Err(e) => failure = Some(write_error(&file.path, e)),
                }
            })?;
            if let Some(e) = failure {
                return Err(e);
            }
            if let Some(id) = last {
                next_start[i] = format!("({id}");
            }
            writers[i].flush().map_err(|e| write_error(&file.path, e))?;
        }
        match deadline {
            Some(d) if Instant::now() < d => std::thread::sleep(cfg.poll.min(d - Instant::now())),
            _ => break,
        }
    }
    Ok(RecordSummary { files, skipped })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_keeps_every_field_and_takes_its_time_from_the_id() {
        let m = Message::from_pairs(
            "1767225600000-3".into(),
            vec![
                ("symbol".into(), "BTCUSDT".into()),
                ("action".into(), "BUY".into()),
                ("time".into(), "yesterday".into()),
                ("novel".into(), "kept".into()),
            ],
        );
        let v = line(&m);
        assert_eq!(v["time"], 1_767_225_600_000_i64);
        assert_eq!(v["original_time"], "yesterday");
        assert_eq!(v["novel"], "kept");
        assert_eq!(v["redis_id"], "1767225600000-3");
        assert_eq!(replay_problem(StreamKind::Signal, &m), None);
    }

    #[test]
    fn signals_the_replay_cannot_read_are_named() {
        let m = |action: &str, conf: &str| {
            Message::from_pairs(
                "1-0".into(),
                vec![
                    ("symbol".into(), "BTCUSDT".into()),
                    ("action".into(), action.into()),
                    ("confidence".into(), conf.into()),
                ],
            )
        };
        assert_eq!(
            replay_problem(StreamKind::Signal, &m("HOLD", "0.5")),
            Some("action")
        );
        assert_eq!(
            replay_problem(StreamKind::Signal, &m("SELL", "1.5")),
            Some("confidence")
        );
        assert_eq!(replay_problem(StreamKind::Intent, &m("HOLD", "x")), None);
    }
}
