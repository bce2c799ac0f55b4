//! The run's journal sinks: the journal files (or none) and, with `--mirror-redis`, the Redis
//! mirror beside them ([`deployment::mirror::RedisMirror`]). The mirror is one more sink for
//! the records the stages already make; nothing in the stages or the loop knows of it.
//!
//! Without a mirror, [`MirroredJournal`] passes every record to the files exactly as before
//! (the goldens pin it). Must never live here: what a record becomes in Redis (that is
//! `deployment::mirror::message`).

use std::collections::BTreeMap;

use deployment::formats::StreamKind;
use deployment::mirror::{MirrorConfig, RedisMirror};
use deployment::resp::RedisUrl;
use pipeline::stages::journal::{Journal, JournalRecord};

use super::JournalMode;
use crate::config::Topology;

/// What a backtest journals to: its files (`--journal`) and optionally a Redis mirror.
#[derive(Debug, Default)]
pub struct JournalSinks {
    pub mode: JournalMode,
    pub mirror: Option<RedisMirror>,
}

impl From<JournalMode> for JournalSinks {
    fn from(mode: JournalMode) -> Self {
        JournalSinks { mode, mirror: None }
    }
}

/// The journal `J` and the mirror, if any: a record goes to each sink that takes it.
#[derive(Debug)]
pub struct MirroredJournal<J> {
    pub journal: J,
    pub mirror: Option<RedisMirror>,
}

impl<J: Journal> Journal for MirroredJournal<J> {
    fn enabled(&self) -> bool {
        self.journal.enabled() || self.mirror.is_some()
    }

    fn record(&mut self, record: &JournalRecord<'_>) {
        if self.journal.enabled() {
            self.journal.record(record);
        }
        if let Some(m) = &mut self.mirror {
            m.record(record);
        }
    }
}

/// The mirror's config for `topology`'s streams: each stage's output stream gets its kind of
/// message, under `prefix`.
pub fn mirror_config(url: RedisUrl, prefix: &str, maxlen: u64, t: &Topology) -> MirrorConfig {
    let streams: BTreeMap<StreamKind, String> = [
        (StreamKind::Signal, &t.signal_source.writes),
        (StreamKind::Intent, &t.trader.writes),
        (StreamKind::Plan, &t.bridge.writes),
        (StreamKind::Result, &t.executor.writes),
    ]
    .into_iter()
    .filter_map(|(kind, stream)| Some((kind, stream.clone()?)))
    .collect();
    MirrorConfig {
        url,
        prefix: prefix.to_string(),
        maxlen,
        streams,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_topology_mirrors_the_four_output_streams() {
        let url = RedisUrl::parse("redis://127.0.0.1:6379").expect("url");
        let cfg = mirror_config(url, "sim:", 1000, &Topology::default());
        assert_eq!(
            cfg.streams[&StreamKind::Plan],
            "quantum:stream:apply.plan",
            "{cfg:?}"
        );
        assert_eq!(cfg.streams.len(), 4);
    }
}
