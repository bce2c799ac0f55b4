//! Where exchange info comes from: the snapshots embedded in `pipeline` (estimates), dated
//! snapshots fetched from a venue (`history.rs`), files imported with `sim exchange-info
//! import` (kept in `$SIM_HOME/exchange-info/NAME.json`), or a path. [`resolve`] turns a name
//! into the info, the exact name of what was used (`testnet@2026-12-07T06-50-00Z`, so a run's
//! summary names a snapshot that can be asked for again) and a line saying what it is.
//! [`resolve_schedule`] (`schedule.rs`) also takes `testnet@history`: every dated snapshot of
//! a venue as the point-in-time exchange info a backtest runs against.
//! Must never live here: filter logic (that is `pipeline::exchange_info`).

pub mod fetch;
pub mod history;
mod provenance;
pub mod schedule;
#[doc(hidden)]
pub mod test_fixture;

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use pipeline::exchange_info::{Environment, ExchangeInfo, snapshot};

pub use provenance::{Origin, Resolved, STALE_AFTER_DAYS};
pub use schedule::{ResolvedSchedule, ScheduleSource, resolve_schedule};

/// The folder imported exchange-info files live in.
pub fn store_dir() -> PathBuf {
    datasets::sim_home().join("exchange-info")
}

/// Resolves `name` to its info (see [`resolve`]).
pub fn load(name: &str) -> anyhow::Result<ExchangeInfo> {
    resolve(name).map(|r| r.info)
}

/// Resolves `name`:
/// - `testnet`, `demo`, `mainnet`: the newest snapshot fetched from that venue, else the
///   shipped estimate (testnet and mainnet only);
/// - `testnet@shipped`, `mainnet@shipped`: the shipped estimate;
/// - `testnet@2026-12-07` (any prefix of a stamp): the newest snapshot fetched that day;
/// - a name imported earlier, or a path to a saved exchangeInfo JSON file.
pub fn resolve(name: &str) -> anyhow::Result<Resolved> {
    let (base, pin) = match name.split_once('@') {
        Some((b, p)) => (b, Some(p)),
        None => (name, None),
    };
    if history::ENVIRONMENTS.contains(&base) {
        return resolve_venue(base, pin);
    }
    if pin.is_some() {
        bail!(
            "'{name}': only testnet, demo and mainnet take an '@' (e.g. testnet@shipped, testnet@2026-12-07)"
        );
    }
    let imported = store_dir().join(format!("{name}.json"));
    let (path, origin) = if imported.is_file() {
        (imported.clone(), Origin::Imported(imported))
    } else if Path::new(name).is_file() {
        (PathBuf::from(name), Origin::File(PathBuf::from(name)))
    } else {
        bail!(
            "no exchange info named '{name}': use testnet, demo or mainnet (the newest snapshot \
             fetched with `sim exchange-info fetch`, else the shipped estimate), testnet@shipped, \
             a name imported with `sim exchange-info import FILE --name NAME`, or a path to a \
             saved exchangeInfo JSON file"
        );
    };
    Ok(Resolved {
        info: read_file(&path)?,
        name: name.to_string(),
        origin,
    })
}

fn resolve_venue(env: &str, pin: Option<&str>) -> anyhow::Result<Resolved> {
    let shipped = match env {
        "testnet" => Some(Environment::Testnet),
        "mainnet" => Some(Environment::Mainnet),
        _ => None,
    };
    if let Some(p) = pin.filter(|p| p.starts_with(schedule::HISTORY_PIN)) {
        bail!(
            "'{env}@{p}' is every {env} snapshot as exchange info over time, which only the \
             backtesting commands take (sim backtest, check, sweep, walkforward); this one needs \
             a single exchange info: use {env} (the newest snapshot) or {env}@<stamp> from \
             `sim exchange-info history {env}`"
        );
    }
    if pin == Some("shipped") {
        let Some(e) = shipped else {
            bail!(
                "no shipped estimate for {env}: save the venue's own with `sim exchange-info fetch {env}`"
            );
        };
        return Ok(Resolved::shipped(snapshot(e)?, format!("{env}@shipped"), e));
    }
    let store = store_dir();
    if let Some(found) = history::find(&store, env, pin.unwrap_or(""))? {
        let info = read_file(&found.path)?;
        return Ok(Resolved {
            info,
            name: format!("{env}@{}", found.stamp),
            origin: Origin::Fetched(found),
        });
    }
    match (pin, shipped) {
        (Some(p), _) => bail!(
            "no {env} snapshot fetched at '{p}': `sim exchange-info history {env}` lists them; \
             `sim exchange-info fetch {env}` saves a new one"
        ),
        (None, Some(e)) => Ok(Resolved::shipped(snapshot(e)?, env.to_string(), e)),
        (None, None) => bail!(
            "no {env} snapshot yet: save the venue's own with `sim exchange-info fetch {env}`"
        ),
    }
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
    if history::ENVIRONMENTS.contains(&name) {
        bail!(
            "'{name}' names a venue's snapshots; import under another name, e.g. {name}-2026-11, \
             or save the venue's own with `sim exchange-info fetch {name}`"
        );
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
