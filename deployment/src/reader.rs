//! The read-only reader: a stream's `XINFO STREAM`, its groups with `XINFO GROUPS` and
//! `XINFO CONSUMERS`, the server's clock (`TIME`) and a window of entries read forward with
//! `XRANGE ... COUNT page` in pages, each page handed to a callback and dropped, so memory
//! stays bounded by one page whatever the stream's length.

use serde::Serialize;

use crate::DeploymentError;
use crate::formats::Message;
use crate::resp::{Connection, ReadCommand, Reply};

/// What `XINFO STREAM` says (a stream that does not exist has `exists: false`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StreamInfo {
    pub stream: String,
    pub exists: bool,
    pub length: u64,
    /// Entries ever added (Redis 7); `None` on older servers.
    pub entries_added: Option<u64>,
    pub last_generated_id: String,
    /// The newest entry's time (its id's milliseconds).
    pub last_entry_ms: Option<i64>,
}

impl StreamInfo {
    /// No entry was ever written to it.
    pub fn never_written(&self) -> bool {
        !self.exists
            || self.entries_added == Some(0)
            || (self.length == 0 && self.last_generated_id == "0-0")
    }
}

/// One consumer group, with its consumers' smallest idle time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GroupInfo {
    pub stream: String,
    pub group: String,
    pub consumers: u64,
    pub pending: u64,
    pub last_delivered_id: String,
    /// Entries the group has read (Redis 7).
    pub entries_read: Option<u64>,
    /// Entries not yet delivered to the group (Redis 7; `None` when Redis cannot tell).
    pub lag: Option<u64>,
    /// The most recently active consumer's idle time.
    pub idle_ms: Option<i64>,
}

fn id_ms(id: &str) -> Option<i64> {
    id.split('-').next()?.parse().ok()
}

/// The server's clock in milliseconds (`TIME`), so the window follows Redis, not this host.
pub fn server_time_ms(conn: &mut Connection) -> Result<i64, DeploymentError> {
    let reply = conn.query(&ReadCommand::Time)?;
    let items = reply.items();
    let secs = items.first().and_then(Reply::int);
    let micros = items.get(1).and_then(Reply::int);
    match (secs, micros) {
        (Some(s), Some(u)) => Ok(s * 1000 + u / 1000),
        _ => Err(DeploymentError::Protocol(
            "TIME did not answer two integers".into(),
        )),
    }
}

/// `XINFO STREAM`; a missing key is a stream that does not exist, not an error.
pub fn stream_info(conn: &mut Connection, stream: &str) -> Result<StreamInfo, DeploymentError> {
    let reply = match conn.query(&ReadCommand::XinfoStream(stream)) {
        Ok(r) => r,
        Err(DeploymentError::Server { message, .. }) if message.contains("no such key") => {
            return Ok(StreamInfo {
                stream: stream.to_string(),
                exists: false,
                length: 0,
                entries_added: None,
                last_generated_id: "0-0".into(),
                last_entry_ms: None,
            });
        }
        Err(e) => return Err(e),
    };
    let int = |k: &str| reply.field(k).and_then(Reply::int).map(|v| v.max(0) as u64);
    let last_entry_ms = reply
        .field("last-entry")
        .and_then(|e| e.items().first())
        .and_then(Reply::text)
        .and_then(|id| id_ms(&id));
    Ok(StreamInfo {
        stream: stream.to_string(),
        exists: true,
        length: int("length").unwrap_or(0),
        entries_added: int("entries-added"),
        last_generated_id: reply
            .field("last-generated-id")
            .and_then(Reply::text)
            .unwrap_or_else(|| "0-0".into()),
        last_entry_ms,
    })
}

/// `XINFO GROUPS` and, per group, `XINFO CONSUMERS` for the idle time.
pub fn groups(conn: &mut Connection, stream: &str) -> Result<Vec<GroupInfo>, DeploymentError> {
    let reply = conn.query(&ReadCommand::XinfoGroups(stream))?;
    let mut out = Vec::new();
    for g in reply.items() {
        let text = |k: &str| g.field(k).and_then(Reply::text).unwrap_or_default();
        let int = |k: &str| g.field(k).and_then(Reply::int).map(|v| v.max(0) as u64);
        let group = text("name");
        let consumers = conn.query(&ReadCommand::XinfoConsumers {
            stream,
            group: &group,
        })?;
        let idle_ms = consumers
            .items()
            .iter()
            .filter_map(|c| c.field("idle").and_then(Reply::int))
            .min();
        out.push(GroupInfo {
            stream: stream.to_string(),
            consumers: int("consumers").unwrap_or(0),
            pending: int("pending").unwrap_or(0),
            last_delivered_id: text("last-delivered-id"),
            entries_read: int("entries-read"),
            lag: int("lag"),
            idle_ms,
            group,
        });
    }
    Ok(out)
}

/// One entry of an `XRANGE` reply.
fn message(entry: &Reply) -> Option<Message> {
    let items = entry.items();
    let id = items.first()?.text()?;
    let pairs = items
        .get(1)
        .map(|f| {
            f.items()
                .chunks(2)
                .filter_map(|kv| Some((kv[0].text()?, kv.get(1)?.text().unwrap_or_default())))
                .collect()
        })
        .unwrap_or_default();
    Some(Message::from_pairs(id, pairs))
}

/// Reads every entry added at or after `from_ms`, `page` entries per `XRANGE`, handing each
/// to `each`. Returns how many were read. At most one page is held at a time.
pub fn scan_window(
    conn: &mut Connection,
    stream: &str,
    from_ms: i64,
    page: usize,
    each: impl FnMut(Message),
) -> Result<u64, DeploymentError> {
    scan_window_from(conn, stream, &format!("{}-0", from_ms.max(0)), page, each)
}

/// [`scan_window`] from an `XRANGE` start id (`(id` for after that entry).
pub fn scan_window_from(
    conn: &mut Connection,
    stream: &str,
    start: &str,
    page: usize,
    mut each: impl FnMut(Message),
) -> Result<u64, DeploymentError> {
    let mut start = start.to_string();
    let mut read = 0u64;
    loop {
        let reply = conn.query(&ReadCommand::XRange {
            stream,
            start: &start,
            end: "+",
            count: page.max(1),
        })?;
        let entries = reply.items();
        let mut last = None;
        for e in entries {
            if let Some(m) = message(e) {
                last = Some(m.id.clone());
                read += 1;
                each(m);
            }
        }
        match last {
            Some(id) if entries.len() >= page.max(1) => start = format!("({id}"),
            _ => return Ok(read),
        }
    }
}
