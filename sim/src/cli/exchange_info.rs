//! `sim exchange-info show | import`.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Subcommand;
use pipeline::exchange_info::{ExchangeInfo, SymbolSpec, SymbolStatus};
use sim::exchange_info_store;

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
            let info = exchange_info_store::load(&source)?;
            match symbol {
                Some(s) => show_symbol(&info, &source, &s)?,
                None => print!("{}", table(&info, &source)),
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
