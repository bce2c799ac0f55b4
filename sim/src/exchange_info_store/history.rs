//! Dated exchange-info snapshots fetched from a venue (`sim exchange-info fetch`, and each
//! `sim live` session against Binance): `$SIM_HOME/exchange-info/history/<env>/<stamp>.json`
//! holds the body of `GET /fapi/v1/exchangeInfo` exactly as the venue sent it, `<stamp>.meta.json`
//! where it came from, and `<stamp>.leverageBracket.json` the signed leverage brackets when keys
//! were set. The stamp is the venue's `serverTime` (UTC, `2026-12-07T06-50-00Z`), so a folder
//! listed in name order is the venue's history in time order.
//! Must never live here: choosing which snapshot a run uses (that is `mod.rs`).

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use pipeline::TimestampMs;
use pipeline::exchange_info::ExchangeInfo;
use serde::{Deserialize, Serialize};

/// Where one snapshot came from, saved beside it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SnapshotMeta {
    /// `testnet`, `demo` or `mainnet`.
    pub environment: String,
    /// The REST base the body was read from.
    pub source_url: String,
    /// The venue's `serverTime` in the body (ms since the epoch, UTC).
    pub server_time_ms: i64,
    pub symbols: usize,
    /// Whether `<stamp>.leverageBracket.json` was saved (needs API keys).
    pub leverage_brackets: bool,
}

/// One snapshot in the history.
#[derive(Debug, Clone)]
pub struct Snapshot {
    pub stamp: String,
    pub path: PathBuf,
    pub meta: SnapshotMeta,
}

/// The environments a history is kept for.
pub const ENVIRONMENTS: [&str; 3] = ["testnet", "demo", "mainnet"];

/// `serverTime` as a file-name-safe UTC stamp: `2026-12-07T06-50-00Z`.
pub fn stamp_of(ms: i64) -> String {
    let (y, mo, d, h, mi, s, _) = TimestampMs(ms).to_utc_parts();
    format!("{y:04}-{mo:02}-{d:02}T{h:02}-{mi:02}-{s:02}Z")
}

/// The folder of `env`'s snapshots under `store`.
pub fn env_dir(store: &Path, env: &str) -> PathBuf {
    store.join("history").join(env)
}

/// Saves a fetched body (already validated into `info`) and returns the stored snapshot. Each
/// file is written to a temporary name and renamed, the metadata last, so a snapshot without
/// its `.meta.json` was never completed and is not listed.
pub fn save(
    store: &Path,
    env: &str,
    source_url: &str,
    body: &str,
    info: &ExchangeInfo,
    brackets: Option<&str>,
) -> anyhow::Result<Snapshot> {
    if !ENVIRONMENTS.contains(&env) {
        bail!("unknown environment '{env}': use testnet, demo or mainnet");
    }
    let server_time_ms = info.raw().server_time;
    if server_time_ms <= 0 {
        bail!(
            "the exchangeInfo from {source_url} has no serverTime; a snapshot is dated by it, so it cannot be kept"
        );
    }
    let dir = env_dir(store, env);
    fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let stamp = stamp_of(server_time_ms);
    let meta = SnapshotMeta {
        environment: env.to_string(),
        source_url: source_url.to_string(),
        server_time_ms,
        symbols: info.len(),
        leverage_brackets: brackets.is_some(),
    };
    let path = dir.join(format!("{stamp}.json"));
    write_atomic(&path, body)?;
    if let Some(b) = brackets {
        write_atomic(&dir.join(format!("{stamp}.leverageBracket.json")), b)?;
    }
    write_atomic(
        &dir.join(format!("{stamp}.meta.json")),
        &serde_json::to_string_pretty(&meta)?,
    )?;
    Ok(Snapshot { stamp, path, meta })
}

fn write_atomic(path: &Path, text: &str) -> anyhow::Result<()> {
    let tmp = path.with_extension("tmp");
    fs::write(&tmp, text).with_context(|| format!("cannot write {}", tmp.display()))?;
    fs::rename(&tmp, path).with_context(|| format!("cannot write {}", path.display()))
}

/// Every completed snapshot of `env`, oldest first. A metadata file that does not parse is an
/// error naming it (it was written by this program, so something changed it by hand).
pub fn list(store: &Path, env: &str) -> anyhow::Result<Vec<Snapshot>> {
    let dir = env_dir(store, env);
    let Ok(entries) = fs::read_dir(&dir) else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for entry in entries {
        let name = entry?.file_name().to_string_lossy().into_owned();
        let Some(stamp) = name.strip_suffix(".meta.json") else {
            continue;
        };
        let meta_path = dir.join(&name);
        let text = fs::read_to_string(&meta_path)
            .with_context(|| format!("cannot read {}", meta_path.display()))?;
        let meta: SnapshotMeta = serde_json::from_str(&text).with_context(|| {
            format!(
                "{} is not a snapshot's metadata; remove the snapshot or fetch it again",
                meta_path.display()
            )
        })?;
        let path = dir.join(format!("{stamp}.json"));
        if path.is_file() {
            out.push(Snapshot {
                stamp: stamp.to_string(),
                path,
                meta,
            });
        }
    }
    out.sort_by(|a, b| a.stamp.cmp(&b.stamp));
    Ok(out)
}

/// The newest snapshot of `env` whose stamp starts with `prefix` (`""` for the newest of all,
/// `2026-12-07` for that day's last).
pub fn find(store: &Path, env: &str, prefix: &str) -> anyhow::Result<Option<Snapshot>> {
    Ok(list(store, env)?
        .into_iter()
        .rev()
        .find(|s| s.stamp.starts_with(prefix)))
}

/// What changed between two snapshots: symbols listed, delisted, and whose filters changed.
#[derive(Debug, Default, PartialEq)]
pub struct Changes {
    pub listed: Vec<String>,
    pub delisted: Vec<String>,
    pub changed: Vec<String>,
}

impl Changes {
    pub fn between(old: &ExchangeInfo, new: &ExchangeInfo) -> Changes {
        let mut c = Changes::default();
        for s in new.symbols() {
            match old.get(s.symbol.as_str()) {
                None => c.listed.push(s.symbol.to_string()),
                Some(o) if o != s => c.changed.push(s.symbol.to_string()),
                Some(_) => {}
            }
        }
        for s in old.symbols() {
            if new.get(s.symbol.as_str()).is_none() {
                c.delisted.push(s.symbol.to_string());
            }
        }
        c
    }

    pub fn is_empty(&self) -> bool {
        self.listed.is_empty() && self.delisted.is_empty() && self.changed.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pipeline::exchange_info::{Environment, snapshot};

    #[test]
    fn a_saved_snapshot_is_listed_by_its_server_time_and_found_by_day() {
        let store = tempfile::tempdir().expect("tmp");
        let info = snapshot(Environment::Testnet).expect("testnet");
        let body = info.to_json_pretty();
        let saved = save(
            store.path(),
            "testnet",
            "http://127.0.0.1:1",
            &body,
            &info,
            None,
        )
        .expect("saved");
        assert_eq!(saved.stamp, "2026-01-01T00-00-00Z");
        assert_eq!(fs::read_to_string(&saved.path).expect("body"), body);
        let listed = list(store.path(), "testnet").expect("list");
        assert_eq!(listed.len(), 1);
        assert_eq!(listed[0].meta, saved.meta);
        assert!(
            find(store.path(), "testnet", "2026-01-01")
                .expect("find")
                .is_some()
        );
        assert!(
            find(store.path(), "testnet", "2026-01-02")
                .expect("find")
                .is_none()
        );
        assert!(list(store.path(), "mainnet").expect("none").is_empty());
    }

    #[test]
    fn a_snapshot_without_its_metadata_is_not_listed() {
        let store = tempfile::tempdir().expect("tmp");
        let dir = env_dir(store.path(), "testnet");
        fs::create_dir_all(&dir).expect("dir");
        fs::write(dir.join("2026-01-01T00-00-00Z.json"), "{}").expect("body");
        assert!(list(store.path(), "testnet").expect("list").is_empty());
    }

    #[test]
    fn changes_name_listings_delistings_and_filter_changes() {
        let main = snapshot(Environment::Mainnet).expect("mainnet");
        let test = snapshot(Environment::Testnet).expect("testnet");
        let c = Changes::between(&test, &main);
        assert_eq!(
            c.listed,
            vec!["NEARUSDT".to_string(), "SUIUSDT".to_string()]
        );
        assert!(c.delisted.is_empty());
        let back = Changes::between(&main, &test);
        assert_eq!(back.delisted, c.listed);
        assert!(Changes::between(&main, &main).is_empty());
    }
}
