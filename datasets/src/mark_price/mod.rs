//! Recorded mark prices: Binance's mark-price klines of a dataset's symbols, kept beside its
//! trade klines, so margin, unrealised PnL, liquidation and funding use the mark as on Binance
//! while fills use the trade price (`exchange_sim::mark`). A catalog entry lists them under
//! `[[mark_price]]` (symbol, url, path, sha256, like `[[sources]]`); `sim data fetch
//! --mark-price` downloads them from data.binance.vision
//! (`futures/um/monthly/markPriceKlines/SYMBOL/INTERVAL/SYMBOL-INTERVAL-YYYY-MM.zip`, the
//! kline layout, checked against their `.CHECKSUM`); `sim data import-mark-price` adds a file
//! the user has. Loading a dataset reads them (sha256 checked, every row validated like
//! klines, the dataset's interval required) into one [`MarkSeries`] per symbol, limited to the
//! dataset's span, attached to the symbol's `BarSeries`. A bar without its mark bar is marked
//! at the trade close; the run counts those bars.
//! Modules: `import` (adding a file to a dataset).
//! Must never live here: marking positions (that is `exchange_sim`).

pub mod import;

use std::path::Path;

use pipeline::Symbol;

use crate::catalog::{CatalogEntry, SourceFile};
use crate::error::{DatasetError, Result};
use crate::file::read_validated;
use crate::funding::file_name;

/// One symbol's mark-price bars, by open time (strictly increasing).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MarkSeries {
    pub symbol: Option<Symbol>,
    pub open_times: Vec<i64>,
    pub open: Vec<f64>,
    pub high: Vec<f64>,
    pub low: Vec<f64>,
    pub close: Vec<f64>,
    /// The files read, by name (no folder), in catalog order.
    pub files: Vec<String>,
}

impl MarkSeries {
    pub fn len(&self) -> usize {
        self.open_times.len()
    }

    pub fn is_empty(&self) -> bool {
        self.open_times.is_empty()
    }

    /// The mark bar that opened at `open_time`: (open, high, low, close).
    pub fn bar(&self, open_time: i64) -> Option<(f64, f64, f64, f64)> {
        let k = self.open_times.binary_search(&open_time).ok()?;
        Some((self.open[k], self.high[k], self.low[k], self.close[k]))
    }

    /// Open times of the first and last mark bar.
    pub fn range(&self) -> Option<(i64, i64)> {
        Some((*self.open_times.first()?, *self.open_times.last()?))
    }
}

/// One mark bar as read: open time (ms) and open, high, low, close.
type Row = (i64, [f64; 4]);

/// Reads one mark-price file (a kline file), validated like klines at `entry`'s interval.
pub(crate) fn read_file(
    entry: &CatalogEntry,
    symbol: &Symbol,
    path: &Path,
    bytes: &[u8],
) -> Result<Vec<Row>> {
    let (series, _) = read_validated(path, bytes, symbol.clone(), Some(entry.interval))?;
    if series.interval() != entry.interval {
        return Err(DatasetError::file(
            path.display().to_string(),
            format!(
                "holds {} mark-price bars but dataset '{}' is {}",
                series.interval(),
                entry.name,
                entry.interval
            ),
            "pass the markPriceKlines file of the dataset's interval",
        ));
    }
    Ok(series
        .iter()
        .map(|b| (b.open_time.0, [b.open, b.high, b.low, b.close]))
        .collect())
}

/// Reads one listed mark-price file, checking its sha256 against the catalog's.
fn read_listed(
    entry: &CatalogEntry,
    symbol: &Symbol,
    src: &SourceFile,
) -> Result<Option<Vec<Row>>> {
    let Some((path, bytes)) = src.read_checked(|| {
        format!(
            "the mark-price file changed since it was added to dataset '{}'; fetch or import it again",
            entry.name
        )
    })?
    else {
        return Ok(None);
    };
    read_file(entry, symbol, path, &bytes).map(Some)
}

/// The recorded mark prices of `symbol` in `entry` (`None`: the entry lists no mark-price
/// file for it), limited to the dataset's bars (first to last open time). Overlapping files
/// must agree: two different mark bars at one time are refused.
pub fn load_symbol(entry: &CatalogEntry, symbol: &Symbol) -> Result<Option<MarkSeries>> {
    let mut files = Vec::new();
    let mut rows: Vec<Row> = Vec::new();
    for src in entry.mark_price.iter().filter(|s| &s.symbol == symbol) {
        if let Some(read) = read_listed(entry, symbol, src)? {
            files.push(file_name(src.path.as_deref().unwrap_or_default()));
            rows.extend(
                read.into_iter()
                    .filter(|(t, _)| (entry.start.0..=entry.end.0).contains(t)),
            );
        }
    }
    if files.is_empty() {
        return Ok(None);
    }
    rows.sort_by_key(|r| r.0);
    let mut out = MarkSeries {
        symbol: Some(symbol.clone()),
        files,
        ..MarkSeries::default()
    };
    for (t, [o, h, l, c]) in rows {
        if out.open_times.last() == Some(&t) {
            let k = out.len() - 1;
            if [out.open[k], out.high[k], out.low[k], out.close[k]] != [o, h, l, c] {
                return Err(DatasetError::Invalid(format!(
                    "mark price of {symbol}: two different bars at {} in {}; remove one of the files",
                    pipeline::TimestampMs(t),
                    out.files.join(", ")
                )));
            }
            continue;
        }
        out.open_times.push(t);
        out.open.push(o);
        out.high.push(h);
        out.low.push(l);
        out.close.push(c);
    }
    Ok(Some(out))
}

/// The public-data mark-price URL of the month of a kline URL
/// (`.../futures/um/monthly/klines/BTCUSDT/1m/BTCUSDT-1m-2026-01.zip` gives
/// `.../futures/um/monthly/markPriceKlines/BTCUSDT/1m/BTCUSDT-1m-2026-01.zip`); `None` for any
/// other URL.
pub fn mark_price_url_for_klines(url: &str) -> Option<String> {
    crate::funding::funding_url_for_klines(url)?;
    Some(url.replacen(
        "/futures/um/monthly/klines/",
        "/futures/um/monthly/markPriceKlines/",
        1,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_and_lookups() {
        assert_eq!(
            mark_price_url_for_klines(
                "https://data.binance.vision/data/futures/um/monthly/klines/BTCUSDT/1m/BTCUSDT-1m-2026-01.zip"
            )
            .as_deref(),
            Some(
                "https://data.binance.vision/data/futures/um/monthly/markPriceKlines/BTCUSDT/1m/BTCUSDT-1m-2026-01.zip"
            )
        );
        assert_eq!(mark_price_url_for_klines("https://x/spot/a.zip"), None);
        let m = MarkSeries {
            open_times: vec![0, 60_000],
            open: vec![1.0, 2.0],
            high: vec![1.5, 2.5],
            low: vec![0.5, 1.5],
            close: vec![1.2, 2.2],
            ..MarkSeries::default()
        };
        assert_eq!(m.bar(60_000), Some((2.0, 2.5, 1.5, 2.2)));
        assert_eq!(m.bar(30_000), None);
    }
}
