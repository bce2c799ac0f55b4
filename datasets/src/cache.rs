//! The Parquet cache in `<data home>/cache/` and the sha256 helpers it is keyed by.
//!
//! Keys (all hex sha256 of a short text, so a key changes whenever what it stands for does):
//! - a file loaded by path: the sha256 of the file's **content** (so a moved or copied file
//!   still hits, and an edited one never does);
//! - a catalog dataset backed by files: the sha256s recorded in its catalog entry, in order,
//!   with the symbol and interval (no file is read on a hit: the recorded checksums are the
//!   key, and `sim data verify NAME` re-hashes the sources); a symbol with a single source
//!   file uses that file's key above, so `sim data import` fills the cache the name reads;
//! - a synthetic dataset: generator model, symbol, interval, range and seed.
//!
//! Every key also carries `CACHE_FORMAT`; bump it when the cached columns change meaning.
//! The cache holds validated bars before any gap fill. Deleting the folder is always safe.
//! Must never live here: parsing or validation.

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use pipeline::{Interval, Symbol, TimestampMs};
use sha2::{Digest, Sha256};

use crate::error::{DatasetError, Result};
use crate::home::DataHome;

/// Version of the cached layout; part of every key. v2: one row group, uncompressed, no
/// statistics (v1 files were LZ4-compressed in row groups of 262,144 rows).
pub const CACHE_FORMAT: &str = "sim-bars-v2";

/// Lower-case hex sha256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// A sha256 fed piece by piece: [`Sha256Stream::finish_hex`] of the pieces is
/// [`sha256_hex`] of their concatenation.
#[derive(Debug, Clone, Default)]
pub struct Sha256Stream(Sha256);

impl Sha256Stream {
    pub fn update(&mut self, bytes: &[u8]) {
        self.0.update(bytes);
    }

    pub fn finish_hex(self) -> String {
        hex::encode(self.0.finalize())
    }
}

/// Lower-case hex sha256 of a file's content, read in 1 MiB chunks.
pub fn sha256_file(path: &Path) -> Result<String> {
    let mut f = File::open(path).map_err(|e| DatasetError::io("open", path, e))?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = f
            .read(&mut buf)
            .map_err(|e| DatasetError::io("read", path, e))?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hex::encode(hasher.finalize()))
}

fn key_of(parts: &[&str]) -> String {
    let mut h = Sha256::new();
    h.update(CACHE_FORMAT.as_bytes());
    for p in parts {
        h.update(b"\x1f");
        h.update(p.as_bytes());
    }
    let full = hex::encode(h.finalize());
    full[..32].to_string()
}

/// Cache key of a file loaded by path.
pub fn file_key(content_sha256: &str) -> String {
    format!("file-{}", key_of(&["file", content_sha256]))
}

/// Cache key of a catalog dataset's files for one symbol.
pub fn sources_key(symbol: &Symbol, interval: Interval, sha256s: &[&str]) -> String {
    let mut parts = vec!["sources", symbol.as_str(), interval.as_str()];
    parts.extend_from_slice(sha256s);
    format!("src-{}", key_of(&parts))
}

/// Cache key of a synthetic series.
pub fn synth_key(
    model: &str,
    symbol: &Symbol,
    interval: Interval,
    start: TimestampMs,
    end: TimestampMs,
    seed: u64,
) -> String {
    let (s, e, sd) = (start.0.to_string(), end.0.to_string(), seed.to_string());
    format!(
        "syn-{}",
        key_of(&[
            "synth",
            model,
            symbol.as_str(),
            interval.as_str(),
            &s,
            &e,
            &sd
        ])
    )
}

/// Where the cache file for `key` lives.
pub fn cache_path(home: &DataHome, key: &str) -> PathBuf {
    home.cache_dir().join(format!("{key}.parquet"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_streamed_digest_is_the_digest_of_the_concatenation() {
        let bytes: Vec<u8> = (0..200_000u32).map(|k| (k * 7 % 251) as u8).collect();
        let mut s = Sha256Stream::default();
        for piece in bytes.chunks(65_536 + 3) {
            s.update(piece);
        }
        assert_eq!(s.finish_hex(), sha256_hex(&bytes));
    }

    #[test]
    fn known_digest_and_distinct_keys() {
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        let btc = Symbol::new("BTCUSDT").expect("s");
        let eth = Symbol::new("ETHUSDT").expect("s");
        let a = sources_key(&btc, Interval::M1, &["aa", "bb"]);
        assert_ne!(a, sources_key(&eth, Interval::M1, &["aa", "bb"]));
        assert_ne!(a, sources_key(&btc, Interval::M1, &["bb", "aa"]));
        assert_eq!(a, sources_key(&btc, Interval::M1, &["aa", "bb"]));
        let t = TimestampMs(0);
        assert_ne!(
            synth_key("m", &btc, Interval::M1, t, t, 1),
            synth_key("m", &btc, Interval::M1, t, t, 2)
        );
        assert!(file_key("x").starts_with("file-"));
    }
}
