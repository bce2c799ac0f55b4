//! The binary cache of a parsed aggTrades file: `<data home>/cache/aggtrades-<sha256>.bin`,
//! keyed by the file's sha256 as the catalog lists it (like the klines' Parquet cache: the
//! source was checked when it was added, and `sim data verify` checks it again). A later load
//! reads 16 bytes a trade instead of parsing the CSV (a month of BTCUSDT: gigabytes of text).
//! Layout, little-endian: the 8-byte magic `SIMTRD1\n`, the trade count (u64), then every
//! time (i64 ms), then every price (f64). A file that does not match it is ignored and
//! rewritten.
//! Must never live here: parsing the CSV (that is `parse`).

use std::path::PathBuf;

use super::parse::ParsedTrades;
use crate::error::Result;
use crate::home::{AtomicFile, DataHome};

const MAGIC: &[u8; 8] = b"SIMTRD1\n";

/// The cache file of the aggTrades file whose sha256 is `sha`.
pub fn path(home: &DataHome, sha: &str) -> PathBuf {
    home.cache_dir()
        .join(format!("aggtrades-{}.bin", sha.to_ascii_lowercase()))
}

/// The cached trades of `sha`, if a well-formed cache file exists.
pub fn read(home: &DataHome, sha: &str) -> Option<ParsedTrades> {
    let bytes = std::fs::read(path(home, sha)).ok()?;
    decode(&bytes)
}

/// Writes the cache of `sha` (atomically; a failure only costs the next load a parse).
pub fn write(home: &DataHome, sha: &str, trades: &ParsedTrades) -> Result<()> {
    std::fs::create_dir_all(home.cache_dir())
        .map_err(|e| crate::error::DatasetError::io("create", &home.cache_dir(), e))?;
    AtomicFile::write_all(&path(home, sha), &encode(trades)).map(|_| ())
}

fn encode(t: &ParsedTrades) -> Vec<u8> {
    let n = t.times.len();
    let mut out = Vec::with_capacity(16 + 16 * n);
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&(n as u64).to_le_bytes());
    for x in &t.times {
        out.extend_from_slice(&x.to_le_bytes());
    }
    for p in &t.prices {
        out.extend_from_slice(&p.to_le_bytes());
    }
    out
}

fn decode(bytes: &[u8]) -> Option<ParsedTrades> {
    let rest = bytes.strip_prefix(MAGIC)?;
    let (count, rest) = rest.split_at_checked(8)?;
    let n = usize::try_from(u64::from_le_bytes(count.try_into().ok()?)).ok()?;
    if rest.len() != n.checked_mul(16)? {
        return None;
    }
    let (times, prices) = rest.split_at(8 * n);
    let word = |c: &[u8]| <[u8; 8]>::try_from(c).unwrap_or_default();
    Some(ParsedTrades {
        times: times
            .chunks_exact(8)
            .map(|c| i64::from_le_bytes(word(c)))
            .collect(),
        prices: prices
            .chunks_exact(8)
            .map(|c| f64::from_le_bytes(word(c)))
            .collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_damage() {
        let t = ParsedTrades {
            times: vec![1, 2, 3],
            prices: vec![1.5, 2.5, 87_000.1],
        };
        let bytes = encode(&t);
        assert_eq!(bytes.len(), 16 + 48);
        assert_eq!(decode(&bytes), Some(t));
        assert_eq!(decode(&bytes[..bytes.len() - 1]), None, "truncated");
        assert_eq!(decode(b"SIMTRD2\n"), None, "another version");
    }
}
