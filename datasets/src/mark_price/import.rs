//! `sim data import-mark-price FILE --dataset NAME [--symbol S]`: checks a mark-price kline
//! file (a `.CHECKSUM` beside it must match; every row is validated like klines; its interval
//! must be the dataset's; its symbol, from `--symbol` or the file name, must be one of the
//! dataset's; some bar must fall inside the dataset) and lists it in the dataset's catalog
//! entry under `[[mark_price]]` with its path and sha256. A shipped entry gets a user entry of
//! the same name, as `sim data fetch` does.
//! Must never live here: command-line parsing or printing.

use std::path::Path;

use pipeline::Symbol;

use super::{MarkSeries, load_symbol, read_file};
use crate::catalog::{Catalog, SourceFile, register};
use crate::error::{DatasetError, Result};
use crate::file::symbol_from_file_name;
use crate::home::DataHome;

/// What to import.
#[derive(Debug, Clone)]
pub struct MarkPriceImport<'a> {
    pub path: &'a Path,
    /// The dataset that gets the file.
    pub dataset: &'a str,
    /// The symbol, when the file name does not say (`BTCUSDT-1m-2026-01.zip` does).
    pub symbol: Option<Symbol>,
}

/// Adds the mark-price file of `req` to its dataset and returns the symbol's mark prices as
/// the dataset now loads them.
pub fn import_mark_price(home: &DataHome, req: &MarkPriceImport<'_>) -> Result<MarkSeries> {
    let abs = std::fs::canonicalize(req.path).map_err(|e| DatasetError::io("find", req.path, e))?;
    let shown = abs.display().to_string();
    crate::sidecar::check_beside(&abs)?;
    let catalog = Catalog::load(home)?;
    let mut entry = catalog.get(req.dataset)?.clone();
    let symbol = match &req.symbol {
        Some(s) => s.clone(),
        None => symbol_from_file_name(req.path).ok_or_else(|| {
            DatasetError::file(
                &shown,
                "names no symbol (Binance's files name it, e.g. BTCUSDT-1m-2026-01.zip)",
                "pass --symbol",
            )
        })?,
    };
    if !entry.symbols.contains(&symbol) {
        let have: Vec<&str> = entry.symbols.iter().map(Symbol::as_str).collect();
        return Err(DatasetError::file(
            &shown,
            format!(
                "is for {symbol}, which is not in dataset '{}' (it has {})",
                entry.name,
                have.join(", ")
            ),
            "import it into a dataset with that symbol, or pass --symbol",
        ));
    }
    let bytes = std::fs::read(&abs).map_err(|e| DatasetError::io("read", &abs, e))?;
    read_file(&entry, &symbol, &abs, &bytes)?;
    entry
        .mark_price
        .retain(|s| s.path.as_deref() != Some(shown.as_str()));
    entry.mark_price.push(SourceFile {
        symbol: symbol.clone(),
        url: None,
        path: Some(shown.clone()),
        sha256: Some(crate::cache::sha256_hex(&bytes)),
    });
    let marks = load_symbol(&entry, &symbol)?.ok_or_else(|| {
        DatasetError::Invalid(format!("{shown} was listed but could not be read back"))
    })?;
    if marks.is_empty() {
        return Err(DatasetError::file(
            shown,
            format!(
                "has no mark-price bar inside dataset '{}' ({} to {} UTC)",
                entry.name,
                entry.start.to_minute_string(),
                entry.end.to_minute_string()
            ),
            "pass the months the dataset covers",
        ));
    }
    register(home, &entry, true)?;
    Ok(marks)
}
