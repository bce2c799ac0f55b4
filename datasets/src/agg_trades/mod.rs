//! Recorded trades inside the bars: Binance's aggTrades of a dataset's symbols, kept beside
//! its klines, so a bar that reaches two orders on opposite sides of its open is resolved by
//! what traded first instead of by a rule (`exchange_sim::intrabar`). A catalog entry lists
//! them under `[[agg_trades]]` (symbol, url, path, sha256, like `[[sources]]`); `sim data fetch
//! --agg-trades` downloads them from data.binance.vision
//! (`futures/um/monthly/aggTrades/SYMBOL/SYMBOL-aggTrades-YYYY-MM.zip`, checked against their
//! `.CHECKSUM`); `sim data import-agg-trades` adds a file the user has. Loading a dataset reads
//! them into one [`TradeTape`] per symbol, limited to the dataset's span and sorted by time,
//! attached to the symbol's `BarSeries`: the first load parses each file (checked against its
//! sha256) and keeps the result in a binary cache (`cache`), later loads read that.
//!
//! Size: a tape keeps 16 bytes a trade (time and price); a busy symbol trades some 10^6 times
//! a day, so a month of BTCUSDT is several hundred MB in memory.
//! Overlapping files (a month and a day of it) are harmless: a repeated trade does not change
//! which price was reached first.
//! Modules: `parse` (the file layout), `import` (adding a file to a dataset), `cache`.
//! Must never live here: matching orders (that is `exchange_sim`).

pub mod cache;
pub mod import;
pub mod parse;

use pipeline::Symbol;

use crate::catalog::{CatalogEntry, SourceFile};
use crate::error::Result;
use crate::funding::file_name;
use crate::home::DataHome;

/// One symbol's recorded trades: times (ms) and prices, sorted by time.
#[derive(Debug, Clone, PartialEq)]
pub struct TradeTape {
    pub symbol: Symbol,
    pub times: Vec<i64>,
    pub prices: Vec<f64>,
    /// The files read, by name (no folder), in catalog order.
    pub files: Vec<String>,
}

impl TradeTape {
    pub fn len(&self) -> usize {
        self.times.len()
    }

    pub fn is_empty(&self) -> bool {
        self.times.is_empty()
    }

    /// Times of the first and last trade.
    pub fn range(&self) -> Option<(i64, i64)> {
        Some((*self.times.first()?, *self.times.last()?))
    }

    /// The prices traded from `from` to `to` (ms, both inclusive), in time order.
    pub fn between(&self, from: i64, to: i64) -> &[f64] {
        let a = self.times.partition_point(|&t| t < from);
        let b = self.times.partition_point(|&t| t <= to);
        &self.prices[a..b.max(a)]
    }
}

/// Reads one listed aggTrades file, checking its sha256 against the catalog's.
fn read_listed(entry_name: &str, src: &SourceFile) -> Result<Option<parse::ParsedTrades>> {
    let Some((path, bytes)) = src.read_checked(|| {
        format!(
            "the aggTrades file changed since it was added to dataset '{entry_name}'; fetch or import it again"
        )
    })?
    else {
        return Ok(None);
    };
    parse::parse_agg_trades(path, &bytes).map(Some)
}

/// Reads one listed file through the binary cache of `home` (see `cache`): the cache when it
/// holds the file's sha256, else the file (sha256 checked), then written to the cache.
fn read_cached(
    home: &DataHome,
    entry_name: &str,
    src: &SourceFile,
) -> Result<Option<parse::ParsedTrades>> {
    let Some(sha) = src.sha256.as_deref().filter(|_| src.path.is_some()) else {
        return Ok(None);
    };
    if let Some(hit) = cache::read(home, sha) {
        return Ok(Some(hit));
    }
    let parsed = read_listed(entry_name, src)?;
    if let Some(p) = &parsed
        && let Err(e) = cache::write(home, sha, p)
    {
        tracing::warn!(error = %e, "the aggTrades cache could not be written; the next load parses the file again");
    }
    Ok(parsed)
}

/// The recorded trades of `symbol` in `entry` (`None`: the entry lists no aggTrades file for
/// it), limited to the dataset's span (its first bar's open to its last bar's close). With
/// `home`, through the binary cache; without, every file is read and checked (`sim data
/// verify`).
pub fn load_symbol(
    home: Option<&DataHome>,
    entry: &CatalogEntry,
    symbol: &Symbol,
) -> Result<Option<TradeTape>> {
    let (from, to) = (entry.start.0, entry.end.0 + entry.interval.as_ms() - 1);
    let mut files = Vec::new();
    let (mut times, mut prices) = (Vec::new(), Vec::new());
    for src in entry.agg_trades.iter().filter(|s| &s.symbol == symbol) {
        let read = match home {
            Some(h) => read_cached(h, &entry.name, src)?,
            None => read_listed(&entry.name, src)?,
        };
        if let Some(parsed) = read {
            files.push(file_name(src.path.as_deref().unwrap_or_default()));
            for (t, p) in parsed.times.into_iter().zip(parsed.prices) {
                if (from..=to).contains(&t) {
                    times.push(t);
                    prices.push(p);
                }
            }
        }
    }
    if files.is_empty() {
        return Ok(None);
    }
    if !times.is_sorted() {
        // Stable: trades of one millisecond keep their file order (aggregate-id order).
        let mut order: Vec<usize> = (0..times.len()).collect();
        order.sort_by_key(|&k| times[k]);
        times = order.iter().map(|&k| times[k]).collect();
        prices = order.iter().map(|&k| prices[k]).collect();
    }
    Ok(Some(TradeTape {
        symbol: symbol.clone(),
        times,
        prices,
        files,
    }))
}

/// The public-data aggTrades URL of the month of a kline URL
/// (`.../futures/um/monthly/klines/BTCUSDT/1m/BTCUSDT-1m-2026-01.zip` gives
/// `.../futures/um/monthly/aggTrades/BTCUSDT/BTCUSDT-aggTrades-2026-01.zip`); `None` for any
/// other URL.
pub fn agg_trades_url_for_klines(url: &str) -> Option<String> {
    let funding = crate::funding::funding_url_for_klines(url)?;
    Some(
        funding
            .replace("/fundingRate/", "/aggTrades/")
            .replace("-fundingRate-", "-aggTrades-"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_and_slices() {
        assert_eq!(
            agg_trades_url_for_klines(
                "https://data.binance.vision/data/futures/um/monthly/klines/BTCUSDT/1m/BTCUSDT-1m-2026-01.zip"
            )
            .as_deref(),
            Some(
                "https://data.binance.vision/data/futures/um/monthly/aggTrades/BTCUSDT/BTCUSDT-aggTrades-2026-01.zip"
            )
        );
        assert_eq!(agg_trades_url_for_klines("https://x/spot/a.zip"), None);
        let t = TradeTape {
            symbol: Symbol::new("BTCUSDT").expect("s"),
            times: vec![1, 5, 5, 9],
            prices: vec![1.0, 2.0, 3.0, 4.0],
            files: vec![],
        };
        assert_eq!(t.between(5, 9), &[2.0, 3.0, 4.0]);
        assert_eq!(t.between(6, 8), &[] as &[f64]);
        assert_eq!(t.range(), Some((1, 9)));
    }
}
