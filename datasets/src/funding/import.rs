//! `sim data import-funding FILE --dataset NAME`: checks a funding file (a `.CHECKSUM` beside
//! it must match; every line must parse; its symbol must be one of the dataset's) and lists it
//! in the dataset's catalog entry under `[[funding]]` with its path and sha256, so every later
//! load reads it (and refuses it if it changes). A shipped entry gets a user entry of the same
//! name, as `sim data fetch` does.
//! Must never live here: command-line parsing or printing.

use std::path::Path;

use pipeline::Symbol;

use super::parse::{ParsedFunding, entry_offsets, parse_funding};
use super::{FundingSeries, load_symbol};
use crate::catalog::{Catalog, SourceFile, register};
use crate::error::{DatasetError, Result};
use crate::file::symbol_from_file_name;
use crate::home::DataHome;

/// What to import.
#[derive(Debug, Clone)]
pub struct FundingImport<'a> {
    pub path: &'a Path,
    /// The dataset that gets the file.
    pub dataset: &'a str,
    /// The symbol, when neither the file's entries nor its name say.
    pub symbol: Option<Symbol>,
}

/// The line the first entry of a JSON file starts on (the one that names the symbol).
fn first_entry_line(bytes: &[u8]) -> usize {
    let text = String::from_utf8_lossy(bytes);
    entry_offsets(&text)
        .first()
        .map_or(1, |&at| text[..at].matches('\n').count() + 1)
}

/// The symbol a parsed file is for: its JSON entries', else `--symbol`, else its file name's.
fn symbol_of(
    req: &FundingImport<'_>,
    parsed: &ParsedFunding,
    shown: &str,
    bytes: &[u8],
) -> Result<Symbol> {
    match (&parsed.symbol, &req.symbol) {
        (Some(file), Some(given)) if file != given => Err(DatasetError::Row {
            file: shown.to_string(),
            place: format!("line {}", first_entry_line(bytes)),
            what: format!("field symbol: the entries are for {file}, not --symbol {given}"),
            fix: "drop --symbol or pass the file of that symbol".into(),
        }),
        (Some(file), _) => Ok(file.clone()),
        (None, Some(given)) => Ok(given.clone()),
        (None, None) => symbol_from_file_name(req.path).ok_or_else(|| {
            DatasetError::file(
                shown,
                "names no symbol (a fundingRate CSV names it in the file name, e.g. BTCUSDT-fundingRate-2026-01.csv)",
                "pass --symbol",
            )
        }),
    }
}

/// Adds the funding file of `req` to its dataset and returns the symbol's funding as the
/// dataset now loads it (with its range and gaps).
pub fn import_funding(home: &DataHome, req: &FundingImport<'_>) -> Result<FundingSeries> {
    let abs = std::fs::canonicalize(req.path).map_err(|e| DatasetError::io("find", req.path, e))?;
    let shown = abs.display().to_string();
    crate::sidecar::check_beside(&abs)?;
    let catalog = Catalog::load(home)?;
    let mut entry = catalog.get(req.dataset)?.clone();
    let bytes = std::fs::read(&abs).map_err(|e| DatasetError::io("read", &abs, e))?;
    let parsed = parse_funding(&abs, &bytes)?;
    let symbol = symbol_of(req, &parsed, &shown, &bytes)?;
    if !entry.symbols.contains(&symbol) {
        let have: Vec<&str> = entry.symbols.iter().map(Symbol::as_str).collect();
        let what = format!(
            "symbol {symbol} is not in dataset '{}' (it has {})",
            entry.name,
            have.join(", ")
        );
        let fix = "import it into a dataset with that symbol, or pass the file of one of these";
        return Err(match parsed.symbol {
            Some(_) => DatasetError::Row {
                file: shown,
                place: format!("line {}", first_entry_line(&bytes)),
                what: format!("field symbol: {what}"),
                fix: fix.into(),
            },
            None => DatasetError::file(shown, what, fix),
        });
    }
    if parsed.records.is_empty() {
        return Err(DatasetError::file(
            shown,
            "holds no funding settlement",
            "pass a file with at least one line after the header",
        ));
    }
    let sha256 = crate::cache::sha256_hex(&bytes);
    entry
        .funding
        .retain(|s| s.path.as_deref() != Some(shown.as_str()));
    entry.funding.push(SourceFile {
        symbol: symbol.clone(),
        url: None,
        path: Some(shown.clone()),
        sha256: Some(sha256),
    });
    let series = load_symbol(&entry, &symbol)?.ok_or_else(|| {
        DatasetError::Invalid(format!("{shown} was listed but could not be read back"))
    })?;
    if series.records.is_empty() {
        return Err(DatasetError::file(
            shown,
            format!(
                "has no settlement inside dataset '{}' ({} to {} UTC)",
                entry.name,
                entry.start.to_minute_string(),
                entry.end.to_minute_string()
            ),
            "pass the months the dataset covers",
        ));
    }
    register(home, &entry, true)?;
    Ok(series)
}
