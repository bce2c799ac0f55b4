//! `sim data import-agg-trades FILE --dataset NAME [--symbol S]`: checks an aggTrades file (a
//! `.CHECKSUM` beside it must match; every line must parse; its symbol, from `--symbol` or the
//! file name, must be one of the dataset's; some trade must fall inside the dataset) and lists
//! it in the dataset's catalog entry under `[[agg_trades]]` with its path and sha256, so every
//! later load reads it (and refuses it if it changes). A shipped entry gets a user entry of the
//! same name, as `sim data fetch` does.
//! Must never live here: command-line parsing or printing.

use std::path::Path;

use pipeline::Symbol;

use super::parse::parse_agg_trades;
use super::{TradeTape, load_symbol};
use crate::catalog::{Catalog, SourceFile, register};
use crate::error::{DatasetError, Result};
use crate::file::symbol_from_file_name;
use crate::home::DataHome;

/// What to import.
#[derive(Debug, Clone)]
pub struct AggTradesImport<'a> {
    pub path: &'a Path,
    /// The dataset that gets the file.
    pub dataset: &'a str,
    /// The symbol, when the file name does not say (`BTCUSDT-aggTrades-2026-01.zip` does).
    pub symbol: Option<Symbol>,
}

/// Adds the aggTrades file of `req` to its dataset and returns the symbol's trades as the
/// dataset now loads them.
pub fn import_agg_trades(home: &DataHome, req: &AggTradesImport<'_>) -> Result<TradeTape> {
    let abs = std::fs::canonicalize(req.path).map_err(|e| DatasetError::io("find", req.path, e))?;
    let shown = abs.display().to_string();
    crate::sidecar::check_beside(&abs)?;
    let catalog = Catalog::load(home)?;
    let mut entry = catalog.get(req.dataset)?.clone();
    let bytes = std::fs::read(&abs).map_err(|e| DatasetError::io("read", &abs, e))?;
    let parsed = parse_agg_trades(&abs, &bytes)?;
    let symbol = match &req.symbol {
        Some(s) => s.clone(),
        None => symbol_from_file_name(req.path).ok_or_else(|| {
            DatasetError::file(
                &shown,
                "names no symbol (Binance's files name it, e.g. BTCUSDT-aggTrades-2026-01.zip)",
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
    if parsed.times.is_empty() {
        return Err(DatasetError::file(
            &shown,
            "holds no trade",
            "pass a file with at least one line after the header",
        ));
    }
    entry
        .agg_trades
        .retain(|s| s.path.as_deref() != Some(shown.as_str()));
    entry.agg_trades.push(SourceFile {
        symbol: symbol.clone(),
        url: None,
        path: Some(shown.clone()),
        sha256: Some(crate::cache::sha256_hex(&bytes)),
    });
    let tape = load_symbol(Some(home), &entry, &symbol)?.ok_or_else(|| {
        DatasetError::Invalid(format!("{shown} was listed but could not be read back"))
    })?;
    if tape.is_empty() {
        return Err(DatasetError::file(
            shown,
            format!(
                "has no trade inside dataset '{}' ({} to {} UTC)",
                entry.name,
                entry.start.to_minute_string(),
                entry.end.to_minute_string()
            ),
            "pass the months the dataset covers",
        ));
    }
    register(home, &entry, true)?;
    Ok(tape)
}
