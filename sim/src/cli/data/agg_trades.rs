//! Recorded trades in `sim data`: `import-agg-trades` (a file added to a dataset) and the
//! aggTrades lines of `fetch`.
//! Must never live here: parsing or checking aggTrades files (that is `datasets::agg_trades`).

use std::path::Path;
use std::process::ExitCode;

use datasets::{AggTradesImport, DataHome, TradeTape, import_agg_trades};
use pipeline::{Symbol, TimestampMs};

use super::show::{range_text, thousands};

/// `sim data import-agg-trades FILE --dataset NAME [--symbol S]`.
pub(super) fn import(
    home: &DataHome,
    file: &Path,
    dataset: &str,
    symbol: Option<Symbol>,
) -> anyhow::Result<ExitCode> {
    let req = AggTradesImport {
        path: file,
        dataset,
        symbol,
    };
    let tape = import_agg_trades(home, &req)?;
    println!(
        "imported {} as {} trades of dataset '{dataset}'",
        file.display(),
        tape.symbol
    );
    print_trades(&tape);
    println!(
        "  backtests of '{dataset}' now resolve a bar that reaches orders on both sides of its open by these trades"
    );
    Ok(ExitCode::SUCCESS)
}

/// One symbol's recorded trades: how many and their range.
pub(super) fn print_trades(t: &TradeTape) {
    let range = t.range().map_or_else(
        || "none inside the dataset".to_string(),
        |(a, b)| format!("{} UTC", range_text(TimestampMs(a), TimestampMs(b))),
    );
    println!(
        "  trades {}: {} trade(s), {range}, from {}",
        t.symbol,
        thousands(t.len() as u64),
        t.files.join(", ")
    );
}
