//! `sim exchange-info show | import | fetch | history`.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Subcommand;
use pipeline::exchange_info::{ExchangeInfo, SymbolSpec, SymbolStatus};
use sim::exchange_info_store::{self, fetch, history};

#[derive(Debug, Subcommand)]
pub enum ExchangeInfoCommand {
    /// Show the symbols and filters of an exchange info (default: the mainnet snapshot).
    Show {
        /// `mainnet`, `testnet`, a name imported earlier, or a path to a saved JSON file.
        #[arg(default_value = "mainnet")]
        source: String,
        /// Only this symbol, with every field.
        #[arg(long)]
        symbol: Option<String>,
    },
    /// Save a venue's exchange info (GET /fapi/v1/exchangeInfo, and its leverage brackets
    /// when BINANCE_API_KEY/BINANCE_API_SECRET are set) as a dated snapshot that runs,
    /// `sim check` and `sim serve` then use for that venue's name.
    Fetch {
        /// `testnet`, `demo` or `mainnet` (read-only public data; nothing is traded).
        #[arg(default_value = "testnet")]
        environment: String,
        /// Read from this REST base instead of the venue's (e.g. a local server).
        #[arg(long)]
        base_url: Option<String>,
    },
    /// List the dated snapshots kept for a venue, oldest first.
    History {
        #[arg(default_value = "testnet")]
        environment: String,
    },
    /// Validate a file saved from GET /fapi/v1/exchangeInfo and keep it under a name.
    Import {
        file: PathBuf,
        /// The name runs refer to it by (default: the file name without .json).
        #[arg(long)]
        name: Option<String>,
    },
}

pub fn run(cmd: ExchangeInfoCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        ExchangeInfoCommand::Show { source, symbol } => {
            let resolved = exchange_info_store::resolve(&source)?;
            let info = &resolved.info;
            match symbol {
                Some(s) => show_symbol(info, &source, &s)?,
                None => {
                    println!("{}", resolved.describe(wall_ms()));
                    print!("{}", table(info, &resolved.name));
                }
            }
        }
        ExchangeInfoCommand::Fetch {
            environment,
            base_url,
        } => print_fetched(&fetch::fetch(&environment, base_url.as_deref())?)?,
        ExchangeInfoCommand::History { environment } => {
            fetch::environment(&environment)?;
            let all = history::list(&exchange_info_store::store_dir(), &environment)?;
            if all.is_empty() {
                println!(
                    "no {environment} snapshots yet; `sim exchange-info fetch {environment}` saves one"
                );
            }
            for s in all {
                println!(
                    "{environment}@{}  {:>4} symbols  brackets: {:<3}  from {}",
                    s.stamp,
                    s.meta.symbols,
                    if s.meta.leverage_brackets {
                        "yes"
                    } else {
                        "no"
                    },
                    s.meta.source_url
                );
            }
        }
        ExchangeInfoCommand::Import { file, name } => {
            let name = name.unwrap_or_else(|| {
                file.file_stem()
                    .map(|s| s.to_string_lossy().into_owned())
                    .unwrap_or_default()
            });
            let (dest, info) = exchange_info_store::import(&file, &name)?;
            println!(
                "imported {} symbols from {} as '{name}' ({}); use it with exchange_info = \"{name}\"",
                info.len(),
                file.display(),
                dest.display()
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The wall clock in ms (for a snapshot's age only).
pub fn wall_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

fn print_fetched(f: &fetch::Fetched) -> anyhow::Result<()> {
    let env = &f.snapshot.meta.environment;
    println!(
        "saved {env}@{}: {} symbols from {} ({})",
        f.snapshot.stamp,
        f.info.len(),
        f.snapshot.meta.source_url,
        f.snapshot.path.display()
    );
    match &f.brackets_skipped {
        None => println!("leverage brackets saved beside it"),
        Some(why) => println!("leverage brackets not saved: {why}"),
    }
    match &f.since_previous {
        None => println!("the first {env} snapshot kept"),
        Some((stamp, c)) if c.is_empty() => println!("no change since {env}@{stamp}"),
        Some((stamp, c)) => {
            println!("since {env}@{stamp}:");
            for (what, list) in [
                ("listed", &c.listed),
                ("delisted", &c.delisted),
                ("filters changed", &c.changed),
            ] {
                if !list.is_empty() {
                    println!("  {what} ({}): {}", list.len(), list.join(", "));
                }
            }
        }
    }
    println!(
        "runs with exchange_info = \"{env}\" now use it (or pin it: exchange_info = \"{env}@{}\")",
        f.snapshot.stamp
    );
    Ok(())
}

fn show_symbol(info: &ExchangeInfo, source: &str, symbol: &str) -> anyhow::Result<()> {
    let Some(spec) = info.get(symbol) else {
        anyhow::bail!(
            "{symbol} is not listed in '{source}' (Binance would answer -1121 Invalid symbol.); \
             run `sim exchange-info show {source}` for the list"
        );
    };
    println!("{}", serde_json::to_string_pretty(spec)?);
    Ok(())
}

fn status(spec: &SymbolSpec) -> &str {
    match &spec.status {
        SymbolStatus::Trading => "TRADING",
        SymbolStatus::Other(s) => s,
    }
}

/// One line per symbol with the filters a user trips over.
pub fn table(info: &ExchangeInfo, source: &str) -> String {
    let mut out = format!("exchange info '{source}': {} symbols\n", info.len());
    out.push_str(&format!(
        "{:<12} {:<8} {:>10} {:>10} {:>10} {:>9} {:>9} {:>12}\n",
        "symbol",
        "status",
        "tickSize",
        "stepSize",
        "minQty",
        "mktMaxQty",
        "minNotnl",
        "percentPrice"
    ));
    for s in info.symbols() {
        let band = s
            .percent_price
            .map(|b| {
                format!(
                    "{}/{}",
                    b.multiplier_down.normalize(),
                    b.multiplier_up.normalize()
                )
            })
            .unwrap_or_else(|| "-".into());
        out.push_str(&format!(
            "{:<12} {:<8} {:>10} {:>10} {:>10} {:>9} {:>9} {:>12}\n",
            s.symbol.as_str(),
            status(s),
            s.price_filter.tick_size.normalize(),
            s.lot_size.step_size.normalize(),
            s.lot_size.min_qty.normalize(),
            s.market_lot_size.max_qty.normalize(),
            s.min_notional.normalize(),
            band
        ));
    }
    out
}
