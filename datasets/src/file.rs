//! Loading one data file by path: a kline CSV (`crate::text`), the same inside a `.zip`, or a
//! Parquet file; validated into a `BarSeries`. `load_file` goes through the Parquet cache in
//! the data home (keyed by the file's sha256, see `crate::cache`); `read_file` never touches
//! the cache (for `sim data verify` and for benchmarks of raw parsing).
//!
//! Must never live here: the catalog (see `crate::dataset` for loading by name).

use std::io::{Cursor, Read};
use std::path::Path;

use pipeline::{Interval, Symbol};

use crate::cache::{cache_path, file_key, sha256_hex};
use crate::error::{DatasetError, Result};
use crate::home::DataHome;
use crate::parquet::{read_parquet, write_parquet};
use crate::series::{BarSeries, Columns};
use crate::text::{Layout, parse_text};
use crate::validate::{GapPolicy, Locator, Report, apply_policy, validate};

/// How a file is read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FileOptions {
    /// The symbol; if `None` it is taken from the file name (`BTCUSDT-1m-...` ->
    /// `BTCUSDT`), else `UNKNOWN`.
    pub symbol: Option<Symbol>,
    /// The bar interval; if `None` it is inferred from the open times.
    pub interval: Option<Interval>,
    pub gap_policy: GapPolicy,
}

/// What kind of file it was.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SourceFormat {
    Csv(Layout),
    Zip { entry: String, layout: Layout },
    Parquet,
}

/// A loaded and validated file.
#[derive(Debug, Clone)]
pub struct LoadedFile {
    pub series: BarSeries,
    pub report: Report,
    /// `None` when the rows came from the cache.
    pub format: Option<SourceFormat>,
    /// sha256 of the file's content (only computed by `load_file`).
    pub sha256: Option<String>,
    pub from_cache: bool,
}

struct Raw {
    cols: Columns,
    lines: Option<Vec<u32>>,
    format: SourceFormat,
    label: String,
}

/// The symbol a file name suggests: the first token (split on anything not a letter or digit)
/// of at least 5 characters made of upper-case letters and digits, e.g. `BTCUSDT` in
/// `binance_spot_BTCUSDT_1m_20250520.csv`.
pub fn symbol_from_file_name(path: &Path) -> Option<Symbol> {
    let name = path.file_name()?.to_string_lossy().into_owned();
    name.split(|c: char| !c.is_ascii_alphanumeric())
        .find(|t| {
            t.len() >= 5
                && t.chars().any(|c| c.is_ascii_uppercase())
                && t.chars()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
        })
        .and_then(|t| Symbol::new(t).ok())
}

fn symbol_for(path: &Path, opts: &FileOptions) -> Result<Symbol> {
    match opts.symbol.clone().or_else(|| symbol_from_file_name(path)) {
        Some(s) => Ok(s),
        None => Symbol::new("UNKNOWN").map_err(|e| DatasetError::Invalid(e.to_string())),
    }
}

fn is_ext(path: &Path, ext: &str) -> bool {
    path.extension()
        .is_some_and(|e| e.to_string_lossy().eq_ignore_ascii_case(ext))
}

fn label(path: &Path) -> String {
    path.display().to_string()
}

/// Parses text or zip bytes (`path` only names the file and picks the format).
fn parse_bytes(path: &Path, bytes: &[u8]) -> Result<Raw> {
    let shown = label(path);
    if is_ext(path, "zip") {
        let (entry, text) = unzip_csv(bytes, &shown)?;
        let label = format!("{shown}:{entry}");
        let p = parse_text(&text, &label)?;
        return Ok(Raw {
            cols: p.cols,
            lines: Some(p.lines),
            format: SourceFormat::Zip {
                entry,
                layout: p.layout,
            },
            label,
        });
    }
    let p = parse_text(bytes, &shown)?;
    Ok(Raw {
        cols: p.cols,
        lines: Some(p.lines),
        format: SourceFormat::Csv(p.layout),
        label: shown,
    })
}

/// The first `.csv` entry of a zip archive.
pub(crate) fn unzip_csv(bytes: &[u8], shown: &str) -> Result<(String, Vec<u8>)> {
    let bad = |what: String| {
        DatasetError::file(
            shown,
            what,
            "download the archive again; it may be truncated",
        )
    };
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes))
        .map_err(|e| bad(format!("is not a readable zip archive ({e})")))?;
    let names: Vec<String> = zip.file_names().map(str::to_string).collect();
    let Some(entry) = names
        .iter()
        .find(|n| n.to_ascii_lowercase().ends_with(".csv"))
    else {
        return Err(DatasetError::file(
            shown,
            format!("has no .csv inside (entries: {})", names.join(", ")),
            "use a Binance kline archive, which holds one CSV",
        ));
    };
    let mut f = zip
        .by_name(entry)
        .map_err(|e| bad(format!("cannot open {entry} inside ({e})")))?;
    let mut out = Vec::with_capacity(usize::try_from(f.size()).unwrap_or(0));
    f.read_to_end(&mut out)
        .map_err(|e| bad(format!("cannot unpack {entry} ({e})")))?;
    Ok((entry.clone(), out))
}

fn read_raw(path: &Path, bytes: Option<&[u8]>) -> Result<Raw> {
    if is_ext(path, "parquet") {
        return Ok(Raw {
            cols: read_parquet(path)?,
            lines: None,
            format: SourceFormat::Parquet,
            label: label(path),
        });
    }
    match bytes {
        Some(b) => parse_bytes(path, b),
        None => {
            let b = std::fs::read(path).map_err(|e| DatasetError::io("read", path, e))?;
            parse_bytes(path, &b)
        }
    }
}

fn finish(raw: Raw, path: &Path, opts: &FileOptions) -> Result<(BarSeries, Report, SourceFormat)> {
    let loc = Locator {
        file: &raw.label,
        lines: raw.lines.as_deref(),
    };
    let (series, report) = validate(
        raw.cols,
        symbol_for(path, opts)?,
        opts.interval,
        opts.gap_policy,
        loc,
    )?;
    Ok((series, report, raw.format))
}

/// Parses `bytes` (the content of `path`) and validates them with the gap policy `Warn`.
pub(crate) fn read_validated(
    path: &Path,
    bytes: &[u8],
    symbol: Symbol,
    interval: Option<Interval>,
) -> Result<(BarSeries, Report)> {
    let raw = read_raw(path, Some(bytes))?;
    let opts = FileOptions {
        symbol: Some(symbol),
        interval,
        gap_policy: GapPolicy::Warn,
    };
    let (series, report, _) = finish(raw, path, &opts)?;
    Ok((series, report))
}

/// Parses and validates a file without the cache.
pub fn read_file(path: &Path, opts: &FileOptions) -> Result<LoadedFile> {
    let raw = read_raw(path, None)?;
    let (series, mut report, format) = finish(raw, path, opts)?;
    let series = apply_policy(series, &mut report, opts.gap_policy);
    Ok(LoadedFile {
        series,
        report,
        format: Some(format),
        sha256: None,
        from_cache: false,
    })
}

/// Loads a file through the Parquet cache of `home`: the first load parses the file and writes
/// `cache/file-<key>.parquet`; later loads of the same content read that instead.
pub fn load_file(home: &DataHome, path: &Path, opts: &FileOptions) -> Result<LoadedFile> {
    let bytes = std::fs::read(path).map_err(|e| DatasetError::io("read", path, e))?;
    let sha = sha256_hex(&bytes);
    if is_ext(path, "parquet") {
        let mut loaded = read_file(path, opts)?;
        loaded.sha256 = Some(sha);
        return Ok(loaded);
    }
    let cached = cache_path(home, &file_key(&sha));
    let (series, mut report, format, from_cache) = if cached.is_file() {
        tracing::debug!(file = %path.display(), cache = %cached.display(), "cache hit");
        let cols = read_parquet(&cached)?;
        let shown = label(&cached);
        let loc = Locator {
            file: &shown,
            lines: None,
        };
        let (s, r) = validate(
            cols,
            symbol_for(path, opts)?,
            opts.interval,
            opts.gap_policy,
            loc,
        )?;
        (s, r, None, true)
    } else {
        let raw = read_raw(path, Some(&bytes))?;
        let (s, r, f) = finish(raw, path, opts)?;
        write_parquet(&cached, s.columns())?;
        tracing::info!(file = %path.display(), cache = %cached.display(), "wrote cache");
        (s, r, Some(f), false)
    };
    report.source = label(path);
    let series = apply_policy(series, &mut report, opts.gap_policy);
    Ok(LoadedFile {
        series,
        report,
        format,
        sha256: Some(sha),
        from_cache,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn symbols_from_binance_and_project_file_names() {
        let s = |p: &str| symbol_from_file_name(Path::new(p)).map(|s| s.to_string());
        assert_eq!(
            s("BTCUSDT-5m-2023-03-20_28.csv").as_deref(),
            Some("BTCUSDT")
        );
        assert_eq!(
            s("/x/binance_spot_BTCUSDT_1m_20250520-20250818.csv").as_deref(),
            Some("BTCUSDT")
        );
        assert_eq!(s("data.csv"), None);
        let opts = FileOptions::default();
        assert_eq!(
            symbol_for(Path::new("d.csv"), &opts).expect("sym").as_str(),
            "UNKNOWN"
        );
    }
}
