//! `serve_load`: throughput of `serve` with concurrent clients placing and cancelling orders
//! on loopback (see `load.rs`). Prints orders/s and p50/p99 request latency, then checks the
//! state (open orders, position, wallet) against the fills.
//!
//!   simcargo run -p client_serve_tests --example serve_load -- [--clients 4] [--secs 10]
//!       [--market-every 10] [--url http://127.0.0.1:8080 --key K --secret S] [--symbol BTCUSDT]
//!
//! Without `--url` the server runs in this process (the step clock, no rate limits); with it,
//! point it at `sim serve --no-rate-limits`. Exits 1 on any error or inconsistency.

mod load;

use std::process::ExitCode;
use std::time::Duration;

fn main() -> ExitCode {
    match run() {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("serve_load: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<bool, String> {
    let mut args = std::env::args().skip(1);
    let mut cfg = load::LoadConfig {
        base: String::new(),
        key: "load-key".into(),
        secret: "load-secret".into(),
        symbol: "BTCUSDT".into(),
        clients: 4,
        duration: Duration::from_secs(10),
        market_every: 10,
    };
    while let Some(flag) = args.next() {
        let mut value = || args.next().ok_or_else(|| format!("{flag} needs a value"));
        let number = |v: String| {
            v.parse::<u64>()
                .map_err(|_| format!("{flag} takes a whole number, not '{v}'"))
        };
        match flag.as_str() {
            "--url" => cfg.base = value()?.trim_end_matches('/').to_string(),
            "--key" => cfg.key = value()?,
            "--secret" => cfg.secret = value()?,
            "--symbol" => cfg.symbol = value()?.to_ascii_uppercase(),
            "--clients" => cfg.clients = number(value()?)?.max(1) as usize,
            "--secs" => cfg.duration = Duration::from_secs(number(value()?)?),
            "--market-every" => cfg.market_every = number(value()?)?,
            _ => {
                return Err(format!(
                    "unknown argument '{flag}'; takes --url, --key, --secret, --symbol, \
                     --clients, --secs, --market-every"
                ));
            }
        }
    }
    let _server = if cfg.base.is_empty() {
        let server = load::in_process_server()?;
        cfg.base = server.base_url();
        Some(server)
    } else {
        None
    };
    let probe = load::Caller::new(std::sync::Arc::new(cfg.clone()))?;
    let before = load::wallet(&probe)?;
    let symbol = cfg.symbol.clone();
    println!(
        "serve_load: {} clients against {} for {:?}",
        cfg.clients, cfg.base, cfg.duration
    );
    let report = load::run(cfg)?;
    println!("{}", report.summary());
    for e in &report.errors {
        println!("  error: {e}");
    }
    let problems = load::check_state(&probe, &symbol, &report, before)?;
    for p in &problems {
        println!("  inconsistent: {p}");
    }
    if problems.is_empty() {
        println!(
            "state after: consistent (no open orders; position, trades and wallet agree with the fills)"
        );
    }
    Ok(report.error_count == 0 && problems.is_empty())
}
