//! The catalog of named datasets: shipped entries (`datasets/catalog/*.toml`, compiled in with
//! `include_str!` so the binary works from any folder) and user entries
//! (`<data home>/catalog/<name>.toml`, written by import, synth and fetch). A user entry with
//! the name of a shipped one replaces it (that is how a fetched real dataset takes over from
//! its synthetic stand-in).
//!
//! Entry format (TOML, unknown keys refused):
//! ```toml
//! name = "btc_2026q1"
//! description = "..."
//! symbols = ["BTCUSDT"]
//! interval = "1m"
//! start = "2026-01-01 00:00"   # open time of the first bar, UTC, inclusive
//! end = "2026-03-31 23:59"     # open time of the last bar, UTC, inclusive
//! kind = "synthetic"           # or "real"
//! [synthetic]                  # generator settings, for kind = "synthetic"
//! seed = 2026
//! [[sources]]                  # files: a local path and/or the URL it comes from
//! symbol = "BTCUSDT"
//! url = "https://data.binance.vision/..."
//! path = "/home/me/.sim/downloads/..."
//! sha256 = "..."               # of the source file; required for a local path
//! [[funding]]                  # recorded funding beside the klines (optional, same fields;
//! symbol = "BTCUSDT"           # see `crate::funding`)
//! url = "https://data.binance.vision/data/futures/um/monthly/fundingRate/..."
//! [[agg_trades]]               # recorded trades inside the bars (optional, same fields;
//! symbol = "BTCUSDT"           # see `crate::agg_trades`)
//! resampled_from = "btc_2026q1" # built from that dataset's finer bars (optional; see
//!                              # `crate::resample`), which then need no sources of their own
//! [[mark_price]]               # mark-price klines beside the klines (optional, same
//! symbol = "BTCUSDT"           # fields; see `crate::mark_price`)
//! ```
//! Must never live here: loading bars (see `crate::dataset`).

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use pipeline::domain::time::parse_utc;
use pipeline::{Interval, Symbol, TimestampMs};
use serde::{Deserialize, Serialize};

use crate::error::{DatasetError, Result};
use crate::home::{AtomicFile, DataHome};
use crate::synth::{SynthSpec, bar_count};

/// The shipped entries: (file name, TOML text).
const SHIPPED: [(&str, &str); 2] = [
    (
        "btc_2026q1.toml",
        include_str!("../catalog/btc_2026q1.toml"),
    ),
    (
        "bench_2025_top10.toml",
        include_str!("../catalog/bench_2025_top10.toml"),
    ),
];

/// Whether a dataset is market data or generated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DataKind {
    Real,
    Synthetic,
}

impl fmt::Display for DataKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            DataKind::Real => "real",
            DataKind::Synthetic => "synthetic",
        })
    }
}

/// One source file of a dataset.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceFile {
    pub symbol: Symbol,
    /// Where the file is downloaded from, if anywhere.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// The local file, once there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// sha256 of the file, lower-case hex.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
}

impl SourceFile {
    /// The local file's path and bytes, checked against the recorded sha256 (`None`: not
    /// downloaded, or no sha256 recorded). A mismatch is an error whose fix is `fix()`.
    pub fn read_checked(&self, fix: impl FnOnce() -> String) -> Result<Option<(&Path, Vec<u8>)>> {
        let (Some(path), Some(want)) = (self.path.as_deref(), self.sha256.as_deref()) else {
            return Ok(None);
        };
        let path = Path::new(path);
        let bytes = std::fs::read(path).map_err(|e| DatasetError::io("read", path, e))?;
        let got = crate::cache::sha256_hex(&bytes);
        if !got.eq_ignore_ascii_case(want) {
            return Err(DatasetError::ChecksumMismatch {
                file: path.display().to_string(),
                expected: want.to_string(),
                actual: got,
                fix: fix(),
            });
        }
        Ok(Some((path, bytes)))
    }
}

/// Where an entry came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    Shipped,
    User(PathBuf),
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEntry {
    name: String,
    #[serde(default)]
    description: String,
    symbols: Vec<Symbol>,
    interval: Interval,
    start: String,
    end: String,
    kind: DataKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    bars: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    synthetic: Option<SynthSpec>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    sources: Vec<SourceFile>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    funding: Vec<SourceFile>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    agg_trades: Vec<SourceFile>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    mark_price: Vec<SourceFile>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    resampled_from: Option<String>,
}

/// A validated catalog entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogEntry {
    pub name: String,
    pub description: String,
    pub symbols: Vec<Symbol>,
    pub interval: Interval,
    /// Open time of the first bar (inclusive).
    pub start: TimestampMs,
    /// Open time of the last bar (inclusive).
    pub end: TimestampMs,
    pub kind: DataKind,
    /// Bars per symbol as recorded at import (real data may have gaps); `None` = the full grid.
    pub bars: Option<u64>,
    pub synthetic: Option<SynthSpec>,
    pub sources: Vec<SourceFile>,
    /// Recorded funding files (`[[funding]]`), read by `crate::funding`.
    pub funding: Vec<SourceFile>,
    /// Recorded trades (`[[agg_trades]]`), read by `crate::agg_trades`.
    pub agg_trades: Vec<SourceFile>,
    /// Recorded mark-price klines (`[[mark_price]]`), read by `crate::mark_price`.
    pub mark_price: Vec<SourceFile>,
    /// The dataset of finer bars this one is built from (`crate::resample`).
    pub resampled_from: Option<String>,
    pub scope: Scope,
}

/// Checks a dataset name: 1-64 characters of a-z, 0-9, `_`, `-`, `.`, starting with a letter
/// or digit (it becomes a file name).
pub fn check_name(name: &str) -> Result<()> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && name.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "_-.".contains(c));
    if ok {
        Ok(())
    } else {
        Err(DatasetError::Invalid(format!(
            "'{name}' is not a usable dataset name; use 1-64 lower-case letters, digits, '_', '-' or '.', e.g. btc_2025_1m"
        )))
    }
}

impl CatalogEntry {
    /// Parses and checks one entry; `origin` names it in errors.
    pub fn from_toml(text: &str, origin: &str, scope: Scope) -> Result<Self> {
        let bad = |what: String| DatasetError::Catalog {
            origin: origin.to_string(),
            what,
        };
        let raw: RawEntry = toml::from_str(text).map_err(|e| bad(e.to_string()))?;
        check_name(&raw.name).map_err(|e| bad(e.to_string()))?;
        let time = |s: &str, key: &str| {
            parse_utc(s).ok_or_else(|| {
                bad(format!(
                    "{key} '{s}' is not a UTC time; write it like 2026-01-01 00:00"
                ))
            })
        };
        let (start, end) = (time(&raw.start, "start")?, time(&raw.end, "end")?);
        if end < start {
            return Err(bad("end is before start".into()));
        }
        if raw.symbols.is_empty() {
            return Err(bad(
                "symbols is empty; list at least one, e.g. [\"BTCUSDT\"]".into(),
            ));
        }
        for (table, s) in raw
            .sources
            .iter()
            .map(|s| ("source", s))
            .chain(raw.funding.iter().map(|s| ("funding file", s)))
            .chain(raw.agg_trades.iter().map(|s| ("aggTrades file", s)))
            .chain(raw.mark_price.iter().map(|s| ("mark-price file", s)))
        {
            if !raw.symbols.contains(&s.symbol) {
                return Err(bad(format!(
                    "{table} for {} which is not in symbols",
                    s.symbol
                )));
            }
            if s.path.is_some() && s.sha256.is_none() {
                return Err(bad(format!(
                    "{table} {} has a path but no sha256",
                    s.symbol
                )));
            }
        }
        match raw.kind {
            _ if raw.resampled_from.is_some() => {}
            DataKind::Synthetic if raw.synthetic.is_none() => {
                return Err(bad(
                    "kind = \"synthetic\" needs a [synthetic] table with a seed".into(),
                ));
            }
            DataKind::Real => {
                for sym in &raw.symbols {
                    if !raw
                        .sources
                        .iter()
                        .any(|s| &s.symbol == sym && s.path.is_some())
                    {
                        return Err(bad(format!(
                            "kind = \"real\" but no local source file for {sym}"
                        )));
                    }
                }
            }
            DataKind::Synthetic => {}
        }
        Ok(CatalogEntry {
            name: raw.name,
            description: raw.description,
            symbols: raw.symbols,
            interval: raw.interval,
            start,
            end,
            kind: raw.kind,
            bars: raw.bars,
            synthetic: raw.synthetic,
            sources: raw.sources,
            funding: raw.funding,
            agg_trades: raw.agg_trades,
            mark_price: raw.mark_price,
            resampled_from: raw.resampled_from,
            scope,
        })
    }

    /// The entry as TOML (the format of the module doc).
    pub fn to_toml(&self) -> Result<String> {
        let raw = RawEntry {
            name: self.name.clone(),
            description: self.description.clone(),
            symbols: self.symbols.clone(),
            interval: self.interval,
            start: self.start.to_minute_string(),
            end: self.end.to_minute_string(),
            kind: self.kind,
            bars: self.bars,
            synthetic: self.synthetic.clone(),
            sources: self.sources.clone(),
            funding: self.funding.clone(),
            agg_trades: self.agg_trades.clone(),
            mark_price: self.mark_price.clone(),
            resampled_from: self.resampled_from.clone(),
        };
        toml::to_string(&raw).map_err(|e| DatasetError::Catalog {
            origin: self.name.clone(),
            what: format!("cannot be written as TOML: {e}"),
        })
    }

    pub fn is_synthetic(&self) -> bool {
        self.kind == DataKind::Synthetic
    }

    /// Bars per symbol: as recorded, else the full grid from start to end.
    pub fn bars_per_symbol(&self) -> u64 {
        self.bars
            .unwrap_or_else(|| bar_count(self.interval, self.start, self.end))
    }

    /// The sources of one symbol, in order.
    pub fn sources_of<'a>(&'a self, symbol: &'a Symbol) -> impl Iterator<Item = &'a SourceFile> {
        self.sources.iter().filter(move |s| &s.symbol == symbol)
    }
}

/// Shipped plus user entries, by name.
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    entries: BTreeMap<String, CatalogEntry>,
}

impl Catalog {
    /// The entries compiled into the binary.
    pub fn shipped() -> Result<Self> {
        let mut entries = BTreeMap::new();
        for (file, text) in SHIPPED {
            let e =
                CatalogEntry::from_toml(text, &format!("datasets/catalog/{file}"), Scope::Shipped)?;
            entries.insert(e.name.clone(), e);
        }
        Ok(Self { entries })
    }

    /// Shipped entries, then the user entries of `home` (which replace same-named ones).
    pub fn load(home: &DataHome) -> Result<Self> {
        let mut cat = Self::shipped()?;
        let dir = home.catalog_dir();
        let Ok(listing) = std::fs::read_dir(&dir) else {
            return Ok(cat);
        };
        let mut files: Vec<PathBuf> = listing
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "toml"))
            .collect();
        files.sort();
        for path in files {
            let text =
                std::fs::read_to_string(&path).map_err(|e| DatasetError::io("read", &path, e))?;
            let shown = path.display().to_string();
            let e = CatalogEntry::from_toml(&text, &shown, Scope::User(path.clone()))?;
            cat.entries.insert(e.name.clone(), e);
        }
        Ok(cat)
    }

    /// The entry named `name`.
    pub fn get(&self, name: &str) -> Result<&CatalogEntry> {
        self.entries
            .get(name)
            .ok_or_else(|| DatasetError::UnknownDataset {
                name: name.to_string(),
            })
    }

    pub fn contains(&self, name: &str) -> bool {
        self.entries.contains_key(name)
    }

    /// All entries, by name.
    pub fn entries(&self) -> impl Iterator<Item = &CatalogEntry> {
        self.entries.values()
    }
}

/// Writes `entry` as a user entry of `home`. An existing entry of that name is replaced only
/// when `replace` is set (fetch) or when it is identical (re-running the same command).
pub fn register(home: &DataHome, entry: &CatalogEntry, replace: bool) -> Result<PathBuf> {
    check_name(&entry.name)?;
    let cat = Catalog::load(home)?;
    if let Ok(existing) = cat.get(&entry.name) {
        let same = existing.to_toml()? == entry.to_toml()?;
        if !replace && !same {
            let whose = match &existing.scope {
                Scope::Shipped => "a shipped dataset".to_string(),
                Scope::User(p) => format!("the user dataset in {}", p.display()),
            };
            return Err(DatasetError::Invalid(format!(
                "the name '{}' is taken by {whose}; choose another --name",
                entry.name
            )));
        }
    }
    let path = home.catalog_dir().join(format!("{}.toml", entry.name));
    AtomicFile::write_all(&path, entry.to_toml()?.as_bytes())
}

/// Path of a user entry file (whether or not it exists).
pub fn user_entry_path(home: &DataHome, name: &str) -> PathBuf {
    home.catalog_dir().join(format!("{name}.toml"))
}

/// Shows a path as text for a catalog entry.
pub fn path_text(path: &Path) -> String {
    path.display().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_entries_parse_and_btc_2026q1_is_what_the_issue_says() {
        let cat = Catalog::shipped().expect("shipped");
        let e = cat.get("btc_2026q1").expect("entry");
        assert_eq!(e.symbols, vec![Symbol::new("BTCUSDT").expect("s")]);
        assert_eq!(e.interval, Interval::M1);
        assert_eq!(e.start, TimestampMs::from_utc(2026, 1, 1, 0, 0, 0));
        assert_eq!(e.end, TimestampMs::from_utc(2026, 3, 31, 23, 59, 0));
        assert_eq!(e.bars_per_symbol(), 129_600);
        assert!(e.is_synthetic());
        assert_eq!(e.sources.len(), 3);
        let back = CatalogEntry::from_toml(&e.to_toml().expect("toml"), "x", Scope::Shipped)
            .expect("reparse");
        assert_eq!(&back, e);
        let bench = cat.get("bench_2025_top10").expect("bench");
        assert_eq!(bench.symbols.len(), 10);
        assert_eq!(bench.bars_per_symbol(), 525_600);
    }

    #[test]
    fn bad_entries_are_refused_with_reasons() {
        let base = "name = \"x\"\nsymbols = [\"BTCUSDT\"]\ninterval = \"1m\"\nstart = \"2026-01-01\"\nend = \"2026-01-02\"\n";
        let e = CatalogEntry::from_toml(
            &format!("{base}kind = \"synthetic\"\n"),
            "t.toml",
            Scope::Shipped,
        )
        .expect_err("no seed");
        assert!(e.to_string().contains("needs a [synthetic] table"), "{e}");
        let e = CatalogEntry::from_toml(
            &format!("{base}kind = \"real\"\n"),
            "t.toml",
            Scope::Shipped,
        )
        .expect_err("no source");
        assert!(e.to_string().contains("no local source file"), "{e}");
        let e = CatalogEntry::from_toml(
            &format!("{base}kind = \"real\"\ncolour = 1\n"),
            "t.toml",
            Scope::Shipped,
        )
        .expect_err("unknown");
        assert!(e.to_string().contains("colour"), "{e}");
        assert!(check_name("BTC").is_err() && check_name("btc_1m").is_ok());
    }

    #[test]
    fn user_entries_register_and_override() {
        let dir = tempfile::tempdir().expect("tmp");
        let home = DataHome::at(dir.path());
        let mut e = Catalog::shipped()
            .expect("c")
            .get("btc_2026q1")
            .expect("e")
            .clone();
        let err = register(
            &home,
            &{
                let mut x = e.clone();
                x.description = "changed".into();
                x
            },
            false,
        )
        .expect_err("taken");
        assert!(
            err.to_string().contains("taken by a shipped dataset"),
            "{err}"
        );
        e.name = "mine".into();
        register(&home, &e, false).expect("register");
        register(&home, &e, false).expect("same again is fine");
        let cat = Catalog::load(&home).expect("load");
        assert!(matches!(
            cat.get("mine").expect("mine").scope,
            Scope::User(_)
        ));
        assert!(cat.get("nope").is_err());
    }
}
