//! Where exchange info comes from: the snapshots embedded in `pipeline`, files imported with
//! `sim exchange-info import` (kept in `$SIM_HOME/exchange-info/NAME.json`), or a path.
//! Must never live here: filter logic (that is `pipeline::exchange_info`).

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use pipeline::exchange_info::{Environment, ExchangeInfo, snapshot};

/// The folder imported exchange-info files live in.
pub fn store_dir() -> PathBuf {
    datasets::sim_home().join("exchange-info")
}

/// Resolves `name`: `mainnet`, `testnet`, an imported name, or a path to a JSON file.
pub fn load(name: &str) -> anyhow::Result<ExchangeInfo> {
    match name {
        "mainnet" => return Ok(snapshot(Environment::Mainnet)?),
        "testnet" => return Ok(snapshot(Environment::Testnet)?),
        _ => {}
    }
    let imported = store_dir().join(format!("{name}.json"));
    let path = if imported.is_file() {
        imported
    } else if Path::new(name).is_file() {
        PathBuf::from(name)
    } else {
        bail!(
            "no exchange info named '{name}': use mainnet, testnet, a name imported with \
             `sim exchange-info import FILE --name NAME`, or a path to a saved exchangeInfo JSON file"
        );
    };
    read_file(&path)
}

/// Parses a file saved from `GET /fapi/v1/exchangeInfo`.
pub fn read_file(path: &Path) -> anyhow::Result<ExchangeInfo> {
    let text = fs::read_to_string(path)
        .with_context(|| format!("cannot read exchange info file {}", path.display()))?;
    Ok(ExchangeInfo::from_json(&text, &path.display().to_string())?)
}

/// Refuses a file where a symbol's `PRICE_FILTER.tickSize` or `LOT_SIZE.stepSize` is not
/// above 0: nothing can be rounded to such a grid, and every order would be refused later
/// with advice that does not fit (Binance never publishes a zero increment).
fn refuse_zero_increments(file: &Path, info: &ExchangeInfo) -> anyhow::Result<()> {
    for s in info.symbols() {
        for (filter, value) in [
            ("PRICE_FILTER.tickSize", s.price_filter.tick_size),
            ("LOT_SIZE.stepSize", s.lot_size.step_size),
        ] {
            if value <= rust_decimal::Decimal::ZERO {
                bail!(
                    "{}: {} has {filter} {value}, which must be above 0; save the exchange info again from GET /fapi/v1/exchangeInfo, or fix that value",
                    file.display(),
                    s.symbol
                );
            }
        }
    }
    Ok(())
}

/// Validates `file` and stores it under `name`; returns the stored path and the parsed info.
/// The copy is written to a temporary file and renamed, so a failed import leaves nothing behind.
pub fn import(file: &Path, name: &str) -> anyhow::Result<(PathBuf, ExchangeInfo)> {
    if name.is_empty()
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.')
    {
        bail!("exchange info name '{name}' may use only letters, digits, '-', '_' and '.'");
    }
    if name == "mainnet" || name == "testnet" {
        bail!("'{name}' names a shipped snapshot; import under another name, e.g. {name}-2026-11");
    }
    let info = read_file(file)?;
    if info.is_empty() {
        bail!(
            "{} lists no symbols; save the full body of GET /fapi/v1/exchangeInfo",
            file.display()
        );
    }
    refuse_zero_increments(file, &info)?;
    let dir = store_dir();
    fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let dest = dir.join(format!("{name}.json"));
    let tmp = dir.join(format!(".{name}.json.tmp"));
    fs::copy(file, &tmp).with_context(|| format!("cannot write {}", tmp.display()))?;
    fs::rename(&tmp, &dest).with_context(|| format!("cannot write {}", dest.display()))?;
    Ok((dest, info))
}
