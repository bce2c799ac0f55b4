//! Recorded funding in `sim data`: `import-funding` (a file added to a dataset), and the
//! funding lines of `fetch`, `info` and `verify` (files, range, intervals, gaps shown like
//! missing bars).
//! Must never live here: parsing or checking funding files (that is `datasets::funding`).

use std::path::Path;
use std::process::ExitCode;

use datasets::{DataHome, FundingImport, FundingSeries, import_funding};
use pipeline::Symbol;

use super::show::{range_text, thousands};

/// `sim data import-funding FILE --dataset NAME [--symbol S]`.
pub(super) fn import(
    home: &DataHome,
    file: &Path,
    dataset: &str,
    symbol: Option<Symbol>,
) -> anyhow::Result<ExitCode> {
    let req = FundingImport {
        path: file,
        dataset,
        symbol,
    };
    let series = import_funding(home, &req)?;
    println!(
        "imported {} as {} funding of dataset '{dataset}'",
        file.display(),
        series.symbol
    );
    print_funding(&series);
    println!(
        "  backtests of '{dataset}' now settle these rates (exchange.funding.recorded = false turns it off)"
    );
    Ok(ExitCode::SUCCESS)
}

/// One symbol's recorded funding: settlements, range, intervals and gaps.
pub(super) fn print_funding(f: &FundingSeries) {
    let every: Vec<String> = f.intervals().iter().map(|h| format!("{h} h")).collect();
    let range = f
        .range()
        .map_or_else(|| "no settlement".to_string(), |(a, b)| range_text(a, b));
    println!(
        "  funding {}: {} settlement(s), {range} UTC, every {}, {} gap(s){}",
        f.symbol,
        thousands(f.records.len() as u64),
        every.join(" / "),
        f.gaps.len(),
        if f.gaps.is_empty() {
            String::new()
        } else {
            format!(" ({} settlements missing)", thousands(f.missing()))
        }
    );
    const SHOWN: usize = 10;
    for g in f.gaps.iter().take(SHOWN) {
        println!(
            "    gap {} ({} settlement(s) missing)",
            range_text(g.start, g.end),
            thousands(g.missing)
        );
    }
    if f.gaps.len() > SHOWN {
        println!("    ... and {} more gaps", f.gaps.len() - SHOWN);
    }
}
