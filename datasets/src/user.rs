//! Making user datasets: `import_file` (validate a file, cache it, register it as real data)
//! and `synth_dataset` (register a synthetic dataset for any symbols and range, then generate
//! and cache it). Both write only to the data home.
//! Must never live here: command-line parsing or printing (that is `sim data`).

use std::path::Path;

use pipeline::{Interval, Symbol, TimestampMs};

use crate::catalog::{CatalogEntry, DataKind, Scope, SourceFile, check_name, register};
use crate::dataset::{Dataset, LoadOptions, load_entry};
use crate::error::{DatasetError, Result};
use crate::file::{FileOptions, LoadedFile, load_file};
use crate::home::DataHome;
use crate::synth::{SynthSpec, model};

/// What to import.
#[derive(Debug, Clone)]
pub struct ImportRequest<'a> {
    pub path: &'a Path,
    pub name: &'a str,
    pub symbol: Option<Symbol>,
    pub interval: Option<Interval>,
}

/// Validates `req.path`, writes its Parquet cache and registers it as user dataset `req.name`.
pub fn import_file(home: &DataHome, req: &ImportRequest<'_>) -> Result<(CatalogEntry, LoadedFile)> {
    check_name(req.name)?;
    let abs = std::fs::canonicalize(req.path).map_err(|e| DatasetError::io("find", req.path, e))?;
    crate::sidecar::check_beside(&abs)?;
    let opts = FileOptions {
        symbol: req.symbol.clone(),
        interval: req.interval,
        ..FileOptions::default()
    };
    let loaded = load_file(home, &abs, &opts)?;
    let r = &loaded.report;
    let symbol = loaded.series.symbol().clone();
    let full_grid = r.missing_bars() == 0;
    let entry = CatalogEntry {
        name: req.name.to_string(),
        description: format!("imported from {}", abs.display()),
        symbols: vec![symbol.clone()],
        interval: r.interval,
        start: r.first,
        end: r.last,
        kind: DataKind::Real,
        bars: (!full_grid).then_some(r.rows as u64),
        synthetic: None,
        sources: vec![SourceFile {
            symbol,
            url: None,
            path: Some(abs.display().to_string()),
            sha256: loaded.sha256.clone(),
        }],
        funding: Vec::new(),
        agg_trades: Vec::new(),
        mark_price: Vec::new(),
        resampled_from: None,
        scope: Scope::Shipped,
    };
    register(home, &entry, false)?;
    Ok((entry, loaded))
}

/// What to synthesise.
#[derive(Debug, Clone)]
pub struct SynthRequest {
    /// `None`: a name made from the other fields, e.g. `synth_btcusdt_1m_20250101_20251231_s7`.
    pub name: Option<String>,
    pub symbols: Vec<Symbol>,
    pub interval: Interval,
    /// Open time of the first bar.
    pub start: TimestampMs,
    /// Open time of the last bar.
    pub end: TimestampMs,
    pub seed: u64,
}

impl SynthRequest {
    /// The dataset name: the given one, or one derived from symbols, interval, range and seed.
    pub fn dataset_name(&self) -> String {
        if let Some(n) = &self.name {
            return n.clone();
        }
        let syms = match self.symbols.as_slice() {
            [one] => one.as_str().to_ascii_lowercase(),
            [a, b] => format!("{}_{}", a.as_str(), b.as_str()).to_ascii_lowercase(),
            many => format!("{}sym", many.len()),
        };
        let day = |t: TimestampMs| {
            let (y, m, d, ..) = t.to_utc_parts();
            format!("{y:04}{m:02}{d:02}")
        };
        let name = format!(
            "synth_{syms}_{}_{}_{}_s{}",
            self.interval,
            day(self.start),
            day(self.end),
            self.seed
        );
        name.replace(|c: char| !(c.is_ascii_alphanumeric() || c == '_'), "")
            .to_ascii_lowercase()
    }
}

/// Registers the synthetic dataset of `req` and generates (and caches) its bars.
pub fn synth_dataset(home: &DataHome, req: &SynthRequest) -> Result<Dataset> {
    if req.symbols.is_empty() {
        return Err(DatasetError::Invalid(
            "no symbols given; pass e.g. --symbols BTCUSDT,ETHUSDT".into(),
        ));
    }
    if req.end < req.start {
        return Err(DatasetError::Invalid(format!(
            "the range ends ({}) before it starts ({}); swap --start and --end",
            req.end.to_minute_string(),
            req.start.to_minute_string()
        )));
    }
    let name = req.dataset_name();
    check_name(&name)?;
    let syms: Vec<&str> = req.symbols.iter().map(Symbol::as_str).collect();
    let entry = CatalogEntry {
        name,
        description: format!(
            "SYNTHETIC {} {} bars (model {}, seed {}); not market data",
            syms.join(","),
            req.interval,
            model::MODEL,
            req.seed
        ),
        symbols: req.symbols.clone(),
        interval: req.interval,
        start: req.start,
        end: req.end,
        kind: DataKind::Synthetic,
        bars: None,
        synthetic: Some(SynthSpec::new(req.seed)),
        sources: Vec::new(),
        funding: Vec::new(),
        agg_trades: Vec::new(),
        mark_price: Vec::new(),
        resampled_from: None,
        scope: Scope::Shipped,
    };
    register(home, &entry, false)?;
    load_entry(home, &entry, &LoadOptions::default())
}

/// Registers dataset `name` (default `<fine>_<to>`): the bars of dataset `fine` merged into
/// bars of interval `to` (see `crate::resample`), and loads it.
pub fn resample_dataset(
    home: &DataHome,
    fine: &str,
    to: Interval,
    name: Option<&str>,
) -> Result<Dataset> {
    let catalog = crate::catalog::Catalog::load(home)?;
    let f = catalog.get(fine)?.clone();
    crate::resample::check(f.interval, to)
        .map_err(|what| DatasetError::Invalid(format!("dataset '{fine}': {what}")))?;
    let name = name.map_or_else(|| format!("{fine}_{to}"), str::to_string);
    check_name(&name)?;
    let floor = |t: TimestampMs| TimestampMs(t.0.div_euclid(to.as_ms()) * to.as_ms());
    let entry = CatalogEntry {
        name,
        description: format!(
            "{} bars of '{fine}' ({}), whose {} bars decide the order of events inside each bar",
            to, f.description, f.interval
        ),
        symbols: f.symbols.clone(),
        interval: to,
        start: floor(f.start),
        end: floor(f.end),
        kind: f.kind,
        bars: None,
        synthetic: f.synthetic.clone(),
        sources: Vec::new(),
        funding: f.funding.clone(),
        agg_trades: f.agg_trades.clone(),
        mark_price: Vec::new(),
        resampled_from: Some(fine.to_string()),
        scope: Scope::Shipped,
    };
    register(home, &entry, false)?;
    load_entry(home, &entry, &LoadOptions::default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_names() {
        let req = SynthRequest {
            name: None,
            symbols: vec![Symbol::new("BTCUSDT").expect("s")],
            interval: Interval::M1,
            start: TimestampMs::from_utc(2025, 1, 1, 0, 0, 0),
            end: TimestampMs::from_utc(2025, 12, 31, 23, 59, 0),
            seed: 7,
        };
        assert_eq!(req.dataset_name(), "synth_btcusdt_1m_20250101_20251231_s7");
        assert!(check_name(&req.dataset_name()).is_ok());
    }
}
