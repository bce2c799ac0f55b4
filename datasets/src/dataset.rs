//! Loading a catalog dataset by name into `BarSeries`, one per symbol, through the Parquet
//! cache. A synthetic entry is generated on first load; a real one is read from its source
//! files (each checked against the sha256 recorded in the catalog). Either way the validated
//! bars are then written to `<data home>/cache/` and later loads read only that. Recorded
//! funding files (`crate::funding`) are read on every load (they are small) and attached to
//! their symbol's series.
//!
//! Must never live here: parsing (see `crate::file`), the generator (see `crate::synth`).

use std::path::PathBuf;

use pipeline::Symbol;

use crate::cache::{cache_path, file_key, sources_key, synth_key};
use crate::catalog::{Catalog, CatalogEntry, DataKind};
use crate::error::{DatasetError, Result};
use crate::file::read_validated;
use crate::home::DataHome;
use crate::parquet::{read_parquet, write_parquet};
use crate::series::{BarSeries, Columns};
use crate::synth;
use crate::validate::{GapPolicy, Locator, Report, apply_policy, validate};

/// How a dataset is loaded.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LoadOptions {
    pub gap_policy: GapPolicy,
}

/// A loaded dataset: one validated series per symbol, in the catalog's symbol order.
#[derive(Debug, Clone)]
pub struct Dataset {
    entry: CatalogEntry,
    series: Vec<BarSeries>,
    reports: Vec<Report>,
    from_cache: bool,
}

impl Dataset {
    pub fn name(&self) -> &str {
        &self.entry.name
    }

    /// The catalog entry it was loaded from.
    pub fn entry(&self) -> &CatalogEntry {
        &self.entry
    }

    pub fn kind(&self) -> DataKind {
        self.entry.kind
    }

    /// True when the bars were generated, not recorded by an exchange. Anything that reports
    /// on a run over this dataset must say so.
    pub fn is_synthetic(&self) -> bool {
        self.entry.is_synthetic()
    }

    /// One series per symbol.
    pub fn series(&self) -> &[BarSeries] {
        &self.series
    }

    /// The series of `symbol`.
    pub fn get(&self, symbol: &str) -> Option<&BarSeries> {
        self.series.iter().find(|s| s.symbol().as_str() == symbol)
    }

    /// Validation reports (gaps, fills), one per symbol.
    pub fn reports(&self) -> &[Report] {
        &self.reports
    }

    /// Bars over all symbols.
    pub fn total_bars(&self) -> usize {
        self.series.iter().map(BarSeries::len).sum()
    }

    /// Whether every symbol came from the Parquet cache.
    pub fn from_cache(&self) -> bool {
        self.from_cache
    }

    pub fn into_series(self) -> Vec<BarSeries> {
        self.series
    }
}

/// Loads `name` from the data home of the environment ([`crate::sim_home`]) with default
/// options (gaps are reported, not filled).
pub fn load(name: &str) -> Result<Dataset> {
    load_with(&DataHome::from_env(), name, &LoadOptions::default())
}

/// Loads `name` from `home`.
pub fn load_with(home: &DataHome, name: &str, opts: &LoadOptions) -> Result<Dataset> {
    let catalog = Catalog::load(home)?;
    let entry = catalog.get(name)?.clone();
    load_entry(home, &entry, opts)
}

/// Loads a catalog entry.
pub fn load_entry(home: &DataHome, entry: &CatalogEntry, opts: &LoadOptions) -> Result<Dataset> {
    let mut series = Vec::with_capacity(entry.symbols.len());
    let mut reports = Vec::with_capacity(entry.symbols.len());
    let mut all_cached = true;
    for sym in &entry.symbols {
        let (s, r, hit) = load_symbol(home, entry, sym, opts)?;
        all_cached &= hit;
        let s = match crate::funding::load_symbol(entry, sym)? {
            Some(f) => {
                if !f.gaps.is_empty() {
                    tracing::warn!(dataset = %entry.name, symbol = %sym, missing = f.missing(), "funding settlements missing");
                }
                s.with_funding(f)
            }
            None => s,
        };
        let s = match crate::mark_price::load_symbol(entry, sym)? {
            Some(m) => s.with_marks(m),
            None => s,
        };
        let s = match crate::agg_trades::load_symbol(Some(home), entry, sym)? {
            Some(t) => {
                tracing::info!(dataset = %entry.name, symbol = %sym, trades = t.len(), "recorded trades loaded");
                s.with_trades(t)
            }
            None => s,
        };
        series.push(s);
        reports.push(r);
    }
    tracing::info!(dataset = %entry.name, kind = %entry.kind, symbols = series.len(), cached = all_cached, "loaded dataset");
    Ok(Dataset {
        entry: entry.clone(),
        series,
        reports,
        from_cache: all_cached,
    })
}

/// The cache key of one symbol of an entry.
pub fn cache_key(entry: &CatalogEntry, symbol: &Symbol) -> Result<String> {
    match entry.kind {
        DataKind::Synthetic => {
            let spec = entry
                .synthetic
                .as_ref()
                .ok_or_else(|| DatasetError::Catalog {
                    origin: entry.name.clone(),
                    what: "synthetic entry without a [synthetic] table".into(),
                })?;
            Ok(synth_key(
                &spec.model,
                symbol,
                entry.interval,
                entry.start,
                entry.end,
                spec.seed,
            ))
        }
        DataKind::Real => {
            let shas: Vec<&str> = entry
                .sources_of(symbol)
                .filter_map(|s| s.sha256.as_deref())
                .collect();
            // One file: the same key `load_file` uses, so an import's cache serves the name.
            match shas.as_slice() {
                [one] => Ok(file_key(one)),
                _ => Ok(sources_key(symbol, entry.interval, &shas)),
            }
        }
    }
}

/// The cache files of an entry, one per symbol, and whether each exists.
pub fn cache_files(home: &DataHome, entry: &CatalogEntry) -> Result<Vec<(PathBuf, bool)>> {
    entry
        .symbols
        .iter()
        .map(|s| {
            let p = cache_path(home, &cache_key(entry, s)?);
            let exists = p.is_file();
            Ok((p, exists))
        })
        .collect()
}

fn load_symbol(
    home: &DataHome,
    entry: &CatalogEntry,
    sym: &Symbol,
    opts: &LoadOptions,
) -> Result<(BarSeries, Report, bool)> {
    if let Some(fine) = &entry.resampled_from {
        return load_resampled(home, entry, fine, sym, opts);
    }
    let cached = cache_path(home, &cache_key(entry, sym)?);
    let label = format!("dataset {} {sym}", entry.name);
    if cached.is_file() {
        match read_parquet(&cached) {
            Ok(mut cols) => {
                cols.retain_range(entry.start.0, entry.end.0);
                let shown = cached.display().to_string();
                let loc = Locator {
                    file: &shown,
                    lines: None,
                };
                let (s, mut r) = validate(
                    cols,
                    sym.clone(),
                    Some(entry.interval),
                    opts.gap_policy,
                    loc,
                )?;
                r.source = label;
                let s = apply_policy(s, &mut r, opts.gap_policy);
                return Ok((s, r, true));
            }
            Err(e) => {
                tracing::warn!(cache = %cached.display(), error = %e, "unreadable cache file; rebuilding it");
            }
        }
    }
    let mut cols = match entry.kind {
        DataKind::Synthetic => {
            let seed = entry.synthetic.as_ref().map_or(0, |s| s.seed);
            synth::generate_columns(sym, entry.interval, entry.start, entry.end, seed)?
        }
        DataKind::Real => read_sources(entry, sym)?,
    };
    cols.retain_range(entry.start.0, entry.end.0);
    let loc = Locator {
        file: &label,
        lines: None,
    };
    let (s, mut r) = validate(
        cols,
        sym.clone(),
        Some(entry.interval),
        opts.gap_policy,
        loc,
    )?;
    write_parquet(&cached, s.columns())?;
    tracing::info!(dataset = %entry.name, symbol = %sym, cache = %cached.display(), "wrote cache");
    let s = apply_policy(s, &mut r, opts.gap_policy);
    Ok((s, r, false))
}

/// Re-reads a real dataset from its source files, bypassing the cache: every file's sha256 is
/// checked against the catalog and every row validated. Returns one report per symbol.
pub fn verify_sources(entry: &CatalogEntry) -> Result<Vec<Report>> {
    let mut reports = Vec::new();
    for sym in &entry.symbols {
        let mut cols = read_sources(entry, sym)?;
        cols.retain_range(entry.start.0, entry.end.0);
        let label = format!("dataset {} {sym}", entry.name);
        let loc = Locator {
            file: &label,
            lines: None,
        };
        let (_, r) = validate(
            cols,
            sym.clone(),
            Some(entry.interval),
            GapPolicy::Warn,
            loc,
        )?;
        reports.push(r);
    }
    Ok(reports)
}

/// Reads, checks (sha256) and validates each source file of `sym`, then concatenates them.
fn read_sources(entry: &CatalogEntry, sym: &Symbol) -> Result<Columns> {
    let mut out = Columns::default();
    for src in entry.sources_of(sym) {
        let Some((path, bytes)) = src.read_checked(|| {
            format!(
                "the file changed since dataset '{}' was registered; fetch or import it again",
                entry.name
            )
        })?
        else {
            continue;
        };
        let (series, _) = read_validated(path, &bytes, sym.clone(), Some(entry.interval))?;
        out.extend(series.columns());
    }
    Ok(out)
}

/// One symbol of a dataset built from the finer bars of dataset `fine` (`crate::resample`),
/// with those bars attached.
fn load_resampled(
    home: &DataHome,
    entry: &CatalogEntry,
    fine: &str,
    sym: &Symbol,
    opts: &LoadOptions,
) -> Result<(BarSeries, Report, bool)> {
    let fine_entry = Catalog::load(home)?.get(fine)?.clone();
    if fine_entry.resampled_from.as_deref() == Some(entry.name.as_str()) || fine == entry.name {
        return Err(DatasetError::Invalid(format!(
            "dataset '{}' is resampled from '{fine}', which is built from it; resample from a dataset of bars",
            entry.name
        )));
    }
    let (fine_bars, _, hit) = load_symbol(home, &fine_entry, sym, opts)?;
    let mut cols = crate::resample::resample(&fine_bars, entry.interval)?;
    cols.retain_range(entry.start.0, entry.end.0);
    let label = format!("dataset {} {sym} (from {fine})", entry.name);
    let loc = Locator {
        file: &label,
        lines: None,
    };
    let (s, mut r) = validate(
        cols,
        sym.clone(),
        Some(entry.interval),
        opts.gap_policy,
        loc,
    )?;
    r.source = label;
    let s = apply_policy(s, &mut r, opts.gap_policy);
    Ok((s.with_fine(&fine_bars), r, hit))
}
