//! `fetch`: downloads a catalog entry's source archives (Binance public data,
//! data.binance.vision), verifies each against its `.zip.CHECKSUM` sibling (sha256sum format),
//! keeps them in `<data home>/downloads/<same path as on the server>`, loads them (validation
//! and Parquet cache) and registers a user entry of the same name marked real, which from then
//! on replaces the shipped synthetic stand-in. Beside each month of monthly UM klines it
//! fetches the symbol's funding file of that month (`futures/um/monthly/fundingRate/...`, see
//! `crate::funding`) with the same checks, listed under the entry's `[[funding]]`; with
//! `FetchOptions::agg_trades` also its aggTrades file of that month
//! (`futures/um/monthly/aggTrades/...`, see `crate::agg_trades`; large, so asked for),
//! listed under `[[agg_trades]]`; with `FetchOptions::mark_price` its mark-price klines
//! (`futures/um/monthly/markPriceKlines/...`, see `crate::mark_price`), under `[[mark_price]]`.
//!
//! Downloads stream into a temporary file that is renamed into place only after its sha256
//! matched, so a failed or corrupt download leaves nothing behind. A file already present with
//! the published checksum is not downloaded again.
//! Must never live here: any network access outside `fetch` (loading never downloads).

use std::io::{Read, Write};
use std::path::{Component, Path, PathBuf};
use std::time::Duration;

use sha2::{Digest, Sha256};

use crate::cache::sha256_file;
use crate::catalog::{Catalog, CatalogEntry, DataKind, Scope, SourceFile, register};
use crate::dataset::{Dataset, LoadOptions, load_entry};
use crate::error::{DatasetError, Result};
use crate::home::{AtomicFile, DataHome};

/// Where Binance publishes its historical data.
pub const BINANCE_DATA_URL: &str = "https://data.binance.vision";

/// Fetch settings.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FetchOptions {
    /// Replaces the scheme and host of every source URL (e.g. a mirror, or a test server).
    pub base_url: Option<String>,
    /// Also fetch each month's aggTrades (`sim data fetch --agg-trades`).
    pub agg_trades: bool,
    /// Also fetch each month's mark-price klines (`sim data fetch --mark-price`).
    pub mark_price: bool,
}

/// One verified archive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchedFile {
    pub url: String,
    pub path: PathBuf,
    pub sha256: String,
    pub bytes: u64,
    /// Already present with the right checksum; not downloaded again.
    pub reused: bool,
}

/// What a fetch did.
#[derive(Debug)]
pub struct FetchOutcome {
    pub files: Vec<FetchedFile>,
    /// The funding files fetched beside the klines.
    pub funding_files: Vec<FetchedFile>,
    /// The aggTrades files fetched beside the klines (with `FetchOptions::agg_trades`).
    pub agg_trades_files: Vec<FetchedFile>,
    /// The mark-price files fetched beside the klines (with `FetchOptions::mark_price`).
    pub mark_price_files: Vec<FetchedFile>,
    /// The user catalog entry now describing the real data.
    pub entry_path: PathBuf,
    /// The dataset as loaded from the fetched files.
    pub dataset: Dataset,
}

/// Splits `https://host/path` into (`https://host`, `/path`).
fn split_url(url: &str) -> Result<(&str, &str)> {
    let after_scheme = url
        .find("://")
        .map(|i| i + 3)
        .ok_or_else(|| DatasetError::Invalid(format!("'{url}' is not an http(s) URL")))?;
    let path_at = url[after_scheme..]
        .find('/')
        .map_or(url.len(), |i| after_scheme + i);
    Ok((&url[..path_at], &url[path_at..]))
}

/// The local file for a URL path, refusing anything that would leave the downloads folder.
fn local_path(home: &DataHome, url_path: &str) -> Result<PathBuf> {
    let rel = Path::new(url_path.trim_start_matches('/'));
    if rel.as_os_str().is_empty() || rel.components().any(|c| !matches!(c, Component::Normal(_))) {
        return Err(DatasetError::Invalid(format!(
            "source URL path '{url_path}' cannot be stored safely; fix the catalog entry"
        )));
    }
    Ok(home.downloads_dir().join(rel))
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .timeout_global(Some(Duration::from_secs(600)))
        .http_status_as_error(false)
        .user_agent(concat!("sim-datasets/", env!("CARGO_PKG_VERSION")))
        .build()
        .into()
}

/// GETs `url` into `sink`; returns (sha256 hex, bytes).
fn get_into(agent: &ureq::Agent, url: &str, sink: &mut dyn Write) -> Result<(String, u64)> {
    let fail = |what: String| DatasetError::Download {
        url: url.to_string(),
        what,
    };
    let resp = agent.get(url).call().map_err(|e| {
        fail(format!(
            "{e}; check the address and the network, then fetch again"
        ))
    })?;
    let status = resp.status().as_u16();
    if status == 404 {
        return Err(fail(
            "the server has no such file (404); the month may not be published yet".into(),
        ));
    }
    if status != 200 {
        return Err(fail(format!(
            "the server answered HTTP {status}; try again later"
        )));
    }
    let mut reader = resp.into_body().into_reader();
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 256 * 1024];
    let mut total = 0u64;
    loop {
        let n = reader
            .read(&mut buf)
            .map_err(|e| fail(format!("the transfer broke off ({e}); fetch again")))?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        sink.write_all(&buf[..n])
            .map_err(|e| fail(format!("could not write the download ({e})")))?;
        total += n as u64;
    }
    Ok((hex::encode(hasher.finalize()), total))
}

/// Reads a sha256sum line (`<64 hex>  <file name>`) and returns the hash.
pub fn parse_checksum(text: &str, file_name: &str, url: &str) -> Result<String> {
    let first = text.split_whitespace().next().unwrap_or("");
    let named = text.split_whitespace().nth(1).unwrap_or(file_name);
    if first.len() != 64 || !first.chars().all(|c| c.is_ascii_hexdigit()) {
        return Err(DatasetError::Download {
            url: url.to_string(),
            what: "is not a sha256sum line ('<64 hex digits>  <file>')".into(),
        });
    }
    if named.trim_start_matches('*') != file_name {
        return Err(DatasetError::Download {
            url: url.to_string(),
            what: format!("names '{named}', not '{file_name}'"),
        });
    }
    Ok(first.to_ascii_lowercase())
}

fn fetch_one(
    home: &DataHome,
    agent: &ureq::Agent,
    url: &str,
    base: Option<&str>,
) -> Result<FetchedFile> {
    let (host, path) = split_url(url)?;
    let effective = format!("{}{path}", base.map_or(host, |b| b.trim_end_matches('/')));
    let dest = local_path(home, path)?;
    let file_name = dest
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let sum_url = format!("{effective}.CHECKSUM");
    let mut sum_text = Vec::new();
    get_into(agent, &sum_url, &mut sum_text)?;
    let expected = parse_checksum(&String::from_utf8_lossy(&sum_text), &file_name, &sum_url)?;
    if dest.is_file() && sha256_file(&dest)? == expected {
        tracing::info!(file = %dest.display(), "already downloaded and verified");
        let bytes = std::fs::metadata(&dest).map(|m| m.len()).unwrap_or(0);
        return Ok(FetchedFile {
            url: effective,
            path: dest,
            sha256: expected,
            bytes,
            reused: true,
        });
    }
    tracing::info!(url = %effective, "downloading");
    let mut out = AtomicFile::create(&dest)?;
    let (actual, bytes) = get_into(agent, &effective, &mut out)?;
    if actual != expected {
        // Dropping `out` deletes the partial file.
        return Err(DatasetError::ChecksumMismatch {
            file: file_name,
            expected,
            actual,
            fix: "the download is corrupt or was cut short; nothing was kept, run the fetch again to re-download".into(),
        });
    }
    let path = out.commit()?;
    Ok(FetchedFile {
        url: effective,
        path,
        sha256: actual,
        bytes,
        reused: false,
    })
}

/// Downloads and verifies the sources of dataset `name`, then registers it as real data.
pub fn fetch(home: &DataHome, name: &str, opts: &FetchOptions) -> Result<FetchOutcome> {
    let catalog = Catalog::load(home)?;
    let entry = catalog.get(name)?.clone();
    let remote: Vec<&SourceFile> = entry.sources.iter().filter(|s| s.url.is_some()).collect();
    if remote.is_empty() {
        return Err(DatasetError::Invalid(format!(
            "dataset '{name}' has no source URLs, so there is nothing to fetch; `sim data info {name}` shows its sources"
        )));
    }
    let agent = agent();
    let mut files = Vec::new();
    let mut sources = Vec::new();
    for src in remote {
        let url = src.url.as_deref().unwrap_or_default();
        let f = fetch_one(home, &agent, url, opts.base_url.as_deref())?;
        sources.push(SourceFile {
            symbol: src.symbol.clone(),
            url: Some(url.to_string()),
            path: Some(f.path.display().to_string()),
            sha256: Some(f.sha256.clone()),
        });
        files.push(f);
    }
    let fetch_extra = |derive: fn(&str) -> Option<String>, listed: &[SourceFile]| {
        fetch_beside(home, &agent, &entry.sources, derive, listed, opts)
    };
    let (funding, funding_files) =
        fetch_extra(crate::funding::funding_url_for_klines, &entry.funding)?;
    let (agg_trades, agg_trades_files) = if opts.agg_trades {
        fetch_extra(
            crate::agg_trades::agg_trades_url_for_klines,
            &entry.agg_trades,
        )?
    } else {
        (entry.agg_trades.clone(), Vec::new())
    };
    let (mark_price, mark_price_files) = if opts.mark_price {
        fetch_extra(
            crate::mark_price::mark_price_url_for_klines,
            &entry.mark_price,
        )?
    } else {
        (entry.mark_price.clone(), Vec::new())
    };
    let from = opts.base_url.as_deref().unwrap_or(BINANCE_DATA_URL);
    let mut real = CatalogEntry {
        description: format!("{} (real data fetched from {from})", entry.description),
        kind: DataKind::Real,
        synthetic: None,
        sources,
        bars: None,
        funding,
        agg_trades,
        mark_price,
        scope: Scope::Shipped,
        ..entry
    };
    let dataset = load_entry(home, &real, &LoadOptions::default())?;
    let bars = dataset
        .series()
        .iter()
        .map(|s| s.len() as u64)
        .min()
        .unwrap_or(0);
    if bars != real.bars_per_symbol() {
        real.bars = Some(bars);
    }
    let entry_path = register(home, &real, true)?;
    let dataset = load_entry(home, &real, &LoadOptions::default())?;
    Ok(FetchOutcome {
        files,
        funding_files,
        agg_trades_files,
        mark_price_files,
        entry_path,
        dataset,
    })
}

/// Downloads the file `derive` names beside every monthly UM kline source (funding, aggTrades)
/// and any URL `listed` holds; returns the new list (files a user imported are kept) and the
/// files fetched.
fn fetch_beside(
    home: &DataHome,
    agent: &ureq::Agent,
    sources: &[SourceFile],
    derive: fn(&str) -> Option<String>,
    listed: &[SourceFile],
    opts: &FetchOptions,
) -> Result<(Vec<SourceFile>, Vec<FetchedFile>)> {
    let mut wanted: Vec<(pipeline::Symbol, String)> = Vec::new();
    let derived = sources.iter().filter_map(|s| {
        let url = derive(s.url.as_deref()?)?;
        Some((s.symbol.clone(), url))
    });
    let listed_urls = listed
        .iter()
        .filter_map(|s| Some((s.symbol.clone(), s.url.clone()?)));
    for (symbol, url) in derived.chain(listed_urls) {
        if !wanted.iter().any(|(_, u)| u == &url) {
            wanted.push((symbol, url));
        }
    }
    let mut list: Vec<SourceFile> = listed.iter().filter(|s| s.url.is_none()).cloned().collect();
    let mut files = Vec::new();
    for (symbol, url) in wanted {
        let f = fetch_one(home, agent, &url, opts.base_url.as_deref())?;
        list.push(SourceFile {
            symbol,
            url: Some(url),
            path: Some(f.path.display().to_string()),
            sha256: Some(f.sha256.clone()),
        });
        files.push(f);
    }
    Ok((list, files))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_and_checksum_lines() {
        let (h, p) = split_url("https://data.binance.vision/data/x.zip").expect("split");
        assert_eq!((h, p), ("https://data.binance.vision", "/data/x.zip"));
        assert!(split_url("ftp:x").is_err());
        let home = DataHome::at("/h");
        assert!(local_path(&home, "/data/../../etc/passwd").is_err());
        assert_eq!(
            local_path(&home, "/data/a.zip").expect("p"),
            PathBuf::from("/h/downloads/data/a.zip")
        );
        let sum = format!("{}  a.zip\n", "Ab".repeat(32));
        assert_eq!(
            parse_checksum(&sum, "a.zip", "u").expect("ok"),
            "ab".repeat(32)
        );
        assert!(parse_checksum(&sum, "b.zip", "u").is_err());
        assert!(parse_checksum("nope", "a.zip", "u").is_err());
    }
}
