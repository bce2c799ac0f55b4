//! `sim data ...`: list, info, verify, import, import-funding, fetch, resample and synth. Turns arguments into calls on
//! the `datasets` crate and prints the answers; every dataset is read from and written to the
//! data home (`SIM_HOME`, else `$HOME/.sim`).
//! Must never live here: parsing, validation or generation of data (all in `datasets`).

mod agg_trades;
mod funding;
mod mark_price;
mod show;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, Subcommand};
use datasets::catalog::Scope;
use datasets::{
    Catalog, CatalogEntry, DataHome, FetchOptions, FileOptions, ImportRequest, SynthRequest,
    cache_files, fetch, import_file, read_file, synth_dataset, verify_sources,
};
use pipeline::domain::time::parse_utc;
use pipeline::{Interval, Symbol, TimestampMs};
use show::{list, print_report, range_text, thousands};

/// Datasets live in the data home: $SIM_HOME if set, else ~/.sim.
#[derive(Debug, Subcommand)]
pub enum DataCommand {
    /// List every dataset (shipped and yours): symbols, interval, range, bars, real or
    /// synthetic, and whether its Parquet cache is built.
    List,
    /// Show one dataset: symbols, interval, range, bar count, real or synthetic, sources,
    /// checksums and cache state.
    Info {
        /// Dataset name, as `sim data list` shows it.
        name: String,
    },
    /// Load and validate files or datasets, reporting rows, range and gaps. Exits 1 if any is
    /// invalid, printing the file and line to fix.
    Verify {
        /// Kline files (.csv, .zip, .parquet) or dataset names.
        #[arg(required = true, value_name = "PATH_OR_NAME")]
        targets: Vec<String>,
        /// Bar interval of the files (default: inferred from the open times).
        #[arg(long)]
        interval: Option<Interval>,
    },
    /// Validate a kline file (Binance CSV with or without header, generic OHLCV CSV, .zip or
    /// .parquet) and register it as a named dataset; its Parquet cache is written.
    Import {
        /// The file to import.
        file: PathBuf,
        /// Name for the new dataset (lower case, digits, '_', '-', '.').
        #[arg(long)]
        name: String,
        /// Symbol (default: from the file name, e.g. BTCUSDT-1m-2026-01.csv).
        #[arg(long)]
        symbol: Option<Symbol>,
        /// Bar interval (default: inferred from the open times).
        #[arg(long)]
        interval: Option<Interval>,
    },
    /// Add recorded funding to a dataset: Binance's fundingRate CSV (or its .zip) from
    /// data.binance.vision, or the JSON array saved from GET /fapi/v1/fundingRate. Backtests
    /// of the dataset then settle funding at these times and rates.
    ImportFunding {
        /// The funding file (.csv, .zip or .json).
        file: PathBuf,
        /// The dataset that gets it.
        #[arg(long)]
        dataset: String,
        /// Symbol (default: the JSON entries' symbol, else from the file name).
        #[arg(long)]
        symbol: Option<Symbol>,
    },
    /// Add recorded trades to a dataset: Binance's aggTrades CSV (or its .zip) from
    /// data.binance.vision. Backtests of the dataset then resolve a bar that reaches orders on
    /// both sides of its open by what traded first, instead of by `exchange.intrabar`.
    ImportAggTrades {
        /// The aggTrades file (.csv or .zip).
        file: PathBuf,
        /// The dataset that gets it.
        #[arg(long)]
        dataset: String,
        /// Symbol (default: from the file name, e.g. BTCUSDT-aggTrades-2026-01.zip).
        #[arg(long)]
        symbol: Option<Symbol>,
    },
    /// Add recorded mark prices to a dataset: Binance's markPriceKlines CSV (or its .zip) of
    /// the dataset's interval. Backtests then mark positions, liquidate and settle funding at
    /// the mark; fills keep the trade price.
    ImportMarkPrice {
        /// The mark-price kline file (.csv or .zip).
        file: PathBuf,
        /// The dataset that gets it.
        #[arg(long)]
        dataset: String,
        /// Symbol (default: from the file name, e.g. BTCUSDT-1m-2026-01.zip).
        #[arg(long)]
        symbol: Option<Symbol>,
    },
    /// Download a dataset's Binance public-data archives (klines and, for monthly UM klines,
    /// the funding history of the same months), verify each against its .CHECKSUM, and
    /// register the dataset as real data (replacing a synthetic stand-in).
    Fetch {
        /// Dataset name, e.g. btc_2026q1.
        name: String,
        /// Server to download from instead of https://data.binance.vision.
        #[arg(long, value_name = "URL")]
        base_url: Option<String>,
        /// Also download each month's aggTrades (large: a month of BTCUSDT is gigabytes),
        /// which decide the order of events inside a bar.
        #[arg(long)]
        agg_trades: bool,
        /// Also download each month's mark-price klines: margin, unrealised PnL, liquidation
        /// and funding then use the mark, as on Binance.
        #[arg(long)]
        mark_price: bool,
    },
    /// Register a dataset of coarser bars built from a dataset of finer ones (e.g. 1h from
    /// 1m). Backtests of it resolve a bar that reaches orders on both sides of its open along
    /// the finer bars inside it.
    Resample {
        /// The dataset of finer bars, e.g. btc_2026q1.
        fine: String,
        /// The coarser interval, a whole multiple of the finer one (15m, 1h, 4h, 1d, ...).
        #[arg(long)]
        interval: Interval,
        /// Name for the new dataset (default: <fine>_<interval>).
        #[arg(long)]
        name: Option<String>,
    },
    /// Generate a deterministic SYNTHETIC dataset for any symbols and range and register it.
    Synth(SynthArgs),
}

/// Arguments of `sim data synth`.
#[derive(Debug, Args)]
pub struct SynthArgs {
    /// Comma-separated symbols, e.g. BTCUSDT,ETHUSDT.
    #[arg(long, value_delimiter = ',', required = true)]
    symbols: Vec<Symbol>,
    /// Bar interval.
    #[arg(long, default_value = "1m")]
    interval: Interval,
    /// First bar's open time, UTC: 2025-01-01 or 2025-01-01T00:00.
    #[arg(long)]
    start: String,
    /// Last bar, UTC. A bare date means the whole day (2025-12-31 -> last bar 23:59 for 1m).
    #[arg(long)]
    end: String,
    /// Seed: the same seed gives byte-identical bars.
    #[arg(long, default_value_t = 7)]
    seed: u64,
    /// Dataset name (default: synth_<symbols>_<interval>_<start>_<end>_s<seed>).
    #[arg(long)]
    name: Option<String>,
}

pub fn run(cmd: DataCommand) -> anyhow::Result<ExitCode> {
    let home = DataHome::from_env();
    match cmd {
        DataCommand::List => list(&home),
        DataCommand::Info { name } => info(&home, &name),
        DataCommand::Verify { targets, interval } => verify(&home, &targets, interval),
        DataCommand::Import {
            file,
            name,
            symbol,
            interval,
        } => import(&home, &file, &name, symbol, interval),
        DataCommand::ImportFunding {
            file,
            dataset,
            symbol,
        } => funding::import(&home, &file, &dataset, symbol),
        DataCommand::ImportAggTrades {
            file,
            dataset,
            symbol,
        } => agg_trades::import(&home, &file, &dataset, symbol),
        DataCommand::ImportMarkPrice {
            file,
            dataset,
            symbol,
        } => mark_price::import(&home, &file, &dataset, symbol),
        DataCommand::Fetch {
            name,
            base_url,
            agg_trades,
            mark_price,
        } => fetch_cmd(
            &home,
            &name,
            FetchOptions {
                base_url,
                agg_trades,
                mark_price,
            },
        ),
        DataCommand::Resample {
            fine,
            interval,
            name,
        } => resample(&home, &fine, interval, name.as_deref()),
        DataCommand::Synth(args) => synth(&home, args),
    }
}

fn info(home: &DataHome, name: &str) -> anyhow::Result<ExitCode> {
    let cat = Catalog::load(home)?;
    let e = cat.get(name)?;
    println!("name:        {}", e.name);
    match (&e.synthetic, e.is_synthetic()) {
        (Some(s), true) => println!(
            "data:        SYNTHETIC (model {}, seed {}); not market data",
            s.model, s.seed
        ),
        _ => println!("data:        real"),
    }
    if !e.description.is_empty() {
        println!("description: {}", e.description);
    }
    let syms: Vec<&str> = e.symbols.iter().map(Symbol::as_str).collect();
    println!("symbols:     {}", syms.join(", "));
    println!("interval:    {}", e.interval);
    println!(
        "range:       {} UTC (inclusive)",
        range_text(e.start, e.end)
    );
    println!("bars:        {} per symbol", thousands(e.bars_per_symbol()));
    match &e.scope {
        Scope::Shipped => println!("defined in:  shipped catalog (datasets/catalog)"),
        Scope::User(p) => println!("defined in:  {}", p.display()),
    }
    if e.sources.is_empty() {
        println!("sources:     none (generated on first load)");
    } else {
        println!("sources:");
        for s in &e.sources {
            let at = s.path.as_deref().or(s.url.as_deref()).unwrap_or("?");
            println!("  {} {at}", s.symbol);
            match (&s.sha256, &s.url, &s.path) {
                (Some(h), _, _) => println!("    sha256 {h}"),
                (None, Some(_), None) => {
                    println!(
                        "    not downloaded; `sim data fetch {}` checks it against Binance's .CHECKSUM",
                        e.name
                    )
                }
                _ => {}
            }
        }
    }
    if !e.funding.is_empty() {
        println!("funding:");
        for s in &e.funding {
            let at = s.path.as_deref().or(s.url.as_deref()).unwrap_or("?");
            println!("  {} {at}", s.symbol);
            if let Some(h) = &s.sha256 {
                println!("    sha256 {h}");
            }
        }
    }
    println!("cache:");
    for (path, exists) in cache_files(home, e)? {
        let state = if exists {
            "built"
        } else {
            "not built (first load builds it)"
        };
        println!("  {} {state}", path.display());
    }
    Ok(ExitCode::SUCCESS)
}

fn verify(
    home: &DataHome,
    targets: &[String],
    interval: Option<Interval>,
) -> anyhow::Result<ExitCode> {
    let mut failed = 0usize;
    let catalog = Catalog::load(home)?;
    for t in targets {
        let path = Path::new(t);
        let outcome = if path.exists() {
            let opts = FileOptions {
                interval,
                ..FileOptions::default()
            };
            datasets::sidecar::check_beside(path)
                .and_then(|_| read_file(path, &opts))
                .and_then(|f| {
                    let sha = datasets::sha256_file(path)?;
                    println!("{t}: OK ({})", f.series.symbol());
                    print_report(&f.report, "rows");
                    println!("  sha256 {sha}");
                    Ok(())
                })
        } else if let Ok(entry) = catalog.get(t) {
            verify_entry(home, entry)
        } else {
            Err(datasets::DatasetError::Invalid(format!(
                "'{t}' is neither an existing file nor a dataset name (see `sim data list`)"
            )))
        };
        if let Err(e) = outcome {
            failed += 1;
            println!("{t}: INVALID");
            eprintln!("error: {e}");
        }
    }
    if failed > 0 {
        eprintln!("{failed} of {} failed verification", targets.len());
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}

fn verify_entry(home: &DataHome, e: &CatalogEntry) -> datasets::Result<()> {
    if e.is_synthetic() {
        let ds = datasets::load_with(home, &e.name, &datasets::LoadOptions::default())?;
        println!("{}: OK (SYNTHETIC, regenerated or read from cache)", e.name);
        for r in ds.reports() {
            print_report(r, "bars");
        }
        return verify_funding(e);
    }
    let reports = verify_sources(e)?;
    println!(
        "{}: OK (real; every source file matches its recorded sha256)",
        e.name
    );
    for r in &reports {
        print_report(r, "bars");
    }
    verify_funding(e)
}

/// Reads (sha256 checked) and prints the recorded funding and trades of every symbol that
/// has some.
fn verify_funding(e: &CatalogEntry) -> datasets::Result<()> {
    for sym in &e.symbols {
        if let Some(f) = datasets::funding::load_symbol(e, sym)? {
            funding::print_funding(&f);
        }
        if let Some(t) = datasets::agg_trades::load_symbol(None, e, sym)? {
            agg_trades::print_trades(&t);
        }
        if let Some(m) = datasets::mark_price::load_symbol(e, sym)? {
            mark_price::print_marks(&m, e.bars_per_symbol());
        }
    }
    Ok(())
}

fn import(
    home: &DataHome,
    file: &Path,
    name: &str,
    symbol: Option<Symbol>,
    interval: Option<Interval>,
) -> anyhow::Result<ExitCode> {
    let req = ImportRequest {
        path: file,
        name,
        symbol,
        interval,
    };
    let (entry, loaded) = import_file(home, &req)?;
    println!(
        "imported {} as '{}': {} {}",
        file.display(),
        entry.name,
        entry.symbols.first().map_or("", Symbol::as_str),
        entry.interval
    );
    print_report(&loaded.report, "rows");
    println!("  sha256 {}", loaded.sha256.as_deref().unwrap_or("?"));
    println!("  use it with `sim data info {}`", entry.name);
    Ok(ExitCode::SUCCESS)
}

fn fetch_cmd(home: &DataHome, name: &str, opts: FetchOptions) -> anyhow::Result<ExitCode> {
    let out = fetch(home, name, &opts)?;
    for f in &out.files {
        let how = if f.reused {
            "already present"
        } else {
            "downloaded"
        };
        println!(
            "{how}: {} ({} bytes, sha256 {} verified)",
            f.path.display(),
            thousands(f.bytes),
            f.sha256
        );
    }
    let extras = out.funding_files.iter().map(|f| ("funding", f));
    let trades = out.agg_trades_files.iter().map(|f| ("aggTrades", f));
    let marks = out.mark_price_files.iter().map(|f| ("mark price", f));
    for (what, f) in extras.chain(trades).chain(marks) {
        let how = if f.reused {
            "already present"
        } else {
            "downloaded"
        };
        println!(
            "{how}: {} ({what}, {} bytes, sha256 {} verified)",
            f.path.display(),
            thousands(f.bytes),
            f.sha256
        );
    }
    println!(
        "'{name}' is now real data: {} bars; catalog entry {}",
        thousands(out.dataset.total_bars() as u64),
        out.entry_path.display()
    );
    for r in out.dataset.reports() {
        print_report(r, "bars");
    }
    for s in out.dataset.series() {
        if let Some(f) = s.funding() {
            funding::print_funding(f);
        }
        if let Some(t) = s.trades() {
            agg_trades::print_trades(t);
        }
        if let Some(m) = s.marks() {
            mark_price::print_marks(m, s.len() as u64);
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `--end` as the last bar's open time: a bare date means that day's last bar.
fn end_time(text: &str, interval: Interval) -> anyhow::Result<TimestampMs> {
    let t = parse_utc(text).with_context(|| {
        format!(
            "--end '{text}' is not a UTC date or time; write it like 2025-12-31 or 2025-12-31T23:59"
        )
    })?;
    let bare_date = !text.trim().contains([' ', 'T']);
    Ok(if bare_date {
        t.plus_ms(86_400_000 - interval.as_ms())
    } else {
        t
    })
}

fn resample(
    home: &DataHome,
    fine: &str,
    interval: Interval,
    name: Option<&str>,
) -> anyhow::Result<ExitCode> {
    let ds = datasets::resample_dataset(home, fine, interval, name)?;
    let e = ds.entry();
    println!(
        "registered '{}': {} symbol(s) x {} {} bars built from '{fine}', {} UTC{}",
        ds.name(),
        ds.series().len(),
        thousands(ds.series().first().map_or(0, |s| s.len() as u64)),
        interval,
        range_text(e.start, e.end),
        if ds.is_synthetic() {
            " (SYNTHETIC)"
        } else {
            ""
        }
    );
    println!(
        "  backtests of it resolve a bar reaching orders on both sides of its open along the {} bars inside it",
        Catalog::load(home)?.get(fine)?.interval
    );
    Ok(ExitCode::SUCCESS)
}

fn synth(home: &DataHome, a: SynthArgs) -> anyhow::Result<ExitCode> {
    let start = parse_utc(&a.start).with_context(|| {
        format!(
            "--start '{}' is not a UTC date or time; write it like 2025-01-01",
            a.start
        )
    })?;
    let req = SynthRequest {
        name: a.name,
        symbols: a.symbols,
        interval: a.interval,
        start,
        end: end_time(&a.end, a.interval)?,
        seed: a.seed,
    };
    let ds = synth_dataset(home, &req)?;
    println!(
        "registered SYNTHETIC dataset '{}': {} symbol(s) x {} {} bars, {} UTC, seed {}",
        ds.name(),
        ds.series().len(),
        thousands(ds.series().first().map_or(0, |s| s.len() as u64)),
        req.interval,
        range_text(req.start, req.end),
        req.seed
    );
    println!("  cached in {}", home.cache_dir().display());
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn end_dates() {
        let end = end_time("2025-12-31", Interval::M1).expect("end");
        assert_eq!(end, TimestampMs::from_utc(2025, 12, 31, 23, 59, 0));
        let end = end_time("2025-12-31T12:00", Interval::M1).expect("end");
        assert_eq!(end, TimestampMs::from_utc(2025, 12, 31, 12, 0, 0));
        assert!(end_time("soon", Interval::M1).is_err());
    }
}
