//! Recorded mark prices in `sim data`: `import-mark-price` (a file added to a dataset) and the
//! mark-price lines of `fetch` and `verify`.
//! Must never live here: parsing or checking mark-price files (that is `datasets::mark_price`).

use std::path::Path;
use std::process::ExitCode;

use datasets::{DataHome, MarkPriceImport, MarkSeries, import_mark_price};
use pipeline::{Symbol, TimestampMs};

use super::show::{range_text, thousands};

/// `sim data import-mark-price FILE --dataset NAME [--symbol S]`.
pub(super) fn import(
    home: &DataHome,
    file: &Path,
    dataset: &str,
    symbol: Option<Symbol>,
) -> anyhow::Result<ExitCode> {
    let req = MarkPriceImport {
        path: file,
        dataset,
        symbol,
    };
    let marks = import_mark_price(home, &req)?;
    let bars = datasets::Catalog::load(home)?
        .get(dataset)?
        .bars_per_symbol();
    println!(
        "imported {} as mark prices of dataset '{dataset}'",
        file.display()
    );
    print_marks(&marks, bars);
    println!(
        "  backtests of '{dataset}' now mark positions, liquidate and settle funding at these prices"
    );
    Ok(ExitCode::SUCCESS)
}

/// One symbol's mark prices: bars, range, and how many of the dataset's `bars` lack one.
pub(super) fn print_marks(m: &MarkSeries, bars: u64) {
    let range = m.range().map_or_else(
        || "none inside the dataset".to_string(),
        |(a, b)| format!("{} UTC", range_text(TimestampMs(a), TimestampMs(b))),
    );
    let symbol = m.symbol.as_ref().map_or("?", Symbol::as_str);
    let missing = bars.saturating_sub(m.len() as u64);
    println!(
        "  mark price {symbol}: {} bar(s), {range}, {} of the dataset's bars without one (marked at the trade close), from {}",
        thousands(m.len() as u64),
        thousands(missing),
        m.files.join(", ")
    );
}
