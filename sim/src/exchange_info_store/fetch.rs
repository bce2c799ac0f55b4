//! `sim exchange-info fetch`: reads a venue's public `GET /fapi/v1/exchangeInfo` (and, when
//! `BINANCE_API_KEY`/`BINANCE_API_SECRET` are set, its signed `GET /fapi/v1/leverageBracket`)
//! and keeps it as a dated snapshot in the history; `sim live` keeps the one it traded against
//! the same way. Read-only: nothing is ever sent that places or changes anything.
//! Must never live here: HTTP details (that is `live::Client`), choosing a snapshot for a run.

use anyhow::{Context, bail};
use live::{Client, ClientConfig, Credentials, Environment};
use pipeline::exchange_info::ExchangeInfo;

use super::history::{self, Changes, Snapshot};
use super::store_dir;

/// A fetch's result: the saved snapshot and what changed since the one before it.
#[derive(Debug)]
pub struct Fetched {
    pub snapshot: Snapshot,
    pub info: ExchangeInfo,
    /// The previous snapshot's stamp and the changes since it (none for the first).
    pub since_previous: Option<(String, Changes)>,
    /// Why the leverage brackets were not saved, when they were not.
    pub brackets_skipped: Option<String>,
}

/// The environment named `env`.
pub fn environment(env: &str) -> anyhow::Result<Environment> {
    Ok(match env {
        "testnet" => Environment::Testnet,
        "demo" => Environment::Demo,
        "mainnet" => Environment::Mainnet,
        other => bail!("unknown environment '{other}': use testnet, demo or mainnet"),
    })
}

/// Fetches `env`'s exchange info from its REST base (or `base_url`, e.g. a local server) and
/// saves it. Keys, when set, are used for the brackets call only and never written anywhere.
pub fn fetch(env: &str, base_url: Option<&str>) -> anyhow::Result<Fetched> {
    let mut cfg = ClientConfig::new(environment(env)?);
    if let Some(url) = base_url {
        cfg = cfg.with_base_url(url);
    }
    let keys = Credentials::from_env().ok();
    if let Some(k) = keys.clone() {
        cfg = cfg.with_credentials(k);
    }
    let client = Client::new(cfg).map_err(|e| anyhow::anyhow!("{e}"))?;
    let source = client.base_url().to_string();
    let (info, body) = client
        .exchange_info_with_body()
        .map_err(|e| anyhow::anyhow!("{e}"))
        .with_context(|| format!("GET {source}/fapi/v1/exchangeInfo"))?;
    if info.is_empty() {
        bail!("{source}/fapi/v1/exchangeInfo lists no symbols; nothing was saved");
    }
    let (brackets, brackets_skipped) = if keys.is_none() {
        (
            None,
            Some("BINANCE_API_KEY and BINANCE_API_SECRET are not set (the call is signed)".into()),
        )
    } else {
        match client.leverage_brackets_body() {
            Ok(b) => (Some(b), None),
            Err(e) => (
                None,
                Some(format!("GET /fapi/v1/leverageBracket failed: {e}")),
            ),
        }
    };
    keep(
        env,
        &source,
        &body,
        info,
        brackets.as_deref(),
        brackets_skipped,
    )
}

/// Saves a body already read (by `fetch`, or by `sim live` at the start of a session) into
/// the history and compares it with the snapshot before it.
pub fn keep(
    env: &str,
    source: &str,
    body: &str,
    info: ExchangeInfo,
    brackets: Option<&str>,
    brackets_skipped: Option<String>,
) -> anyhow::Result<Fetched> {
    let store = store_dir();
    let previous = history::list(&store, env)?.pop();
    let snapshot = history::save(&store, env, source, body, &info, brackets)?;
    let since_previous = match previous.filter(|p| p.stamp != snapshot.stamp) {
        Some(p) => {
            let old = super::read_file(&p.path)?;
            Some((p.stamp, Changes::between(&old, &info)))
        }
        None => None,
    };
    Ok(Fetched {
        snapshot,
        info,
        since_previous,
        brackets_skipped,
    })
}
