//! `sim serve`: load a dataset the way `sim backtest` does and serve it as a local
//! Binance-compatible USD-M exchange (`serve`) on 127.0.0.1 until stopped.
//! Prints the base URL and the API key pair to use; the pair comes from --api-key/--api-secret,
//! else SIM_SERVE_API_KEY/SIM_SERVE_API_SECRET, else is generated for this run. They are test
//! credentials of a local server, printed once and never written to a file.
//! Must never live here: endpoint logic (that is `serve`).

use std::io::Write;
use std::process::ExitCode;

use anyhow::Context;
use clap::Args;
use pipeline::{Bar, Symbol};
// The server crate (this module, `cli::serve`, is its command).
use ::serve::{ApiKey, ClockMode, Faults, ServeConfig, Server};

use super::run_inputs::{self, ConfigArgs};

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// The dataset to replay (see `sim data list`); overrides run.dataset.
    #[arg(long)]
    pub dataset: Option<String>,
    /// The port on 127.0.0.1 (0 picks a free one).
    #[arg(long, default_value_t = 8080)]
    pub port: u16,
    /// Close this many bars per second (default 1).
    #[arg(long, value_name = "BARS_PER_SEC", conflicts_with_all = ["realtime", "step"])]
    pub speed: Option<f64>,
    /// Close one bar per bar interval of wall-clock time.
    #[arg(long, conflicts_with = "step")]
    pub realtime: bool,
    /// Advance only on `POST /sim/step?bars=N` (deterministic, for tests).
    #[arg(long)]
    pub step: bool,
    /// Bars closed before serving, so clients have history and orders a price.
    #[arg(long, default_value_t = 500)]
    pub warmup: usize,
    /// REQUEST_WEIGHT allowed per minute before 429/-1003 (Binance: 2400).
    #[arg(long, default_value_t = 2400)]
    pub weight_limit: u32,
    /// No request-weight or order-rate limits: for clocks far faster than real time, where
    /// Binance's per-minute limits would refuse what a real-time session never sends that fast.
    #[arg(long)]
    pub no_rate_limits: bool,
    /// The API key clients must send (else SIM_SERVE_API_KEY, else generated).
    #[arg(long)]
    pub api_key: Option<String>,
    /// The API secret clients sign with (else SIM_SERVE_API_SECRET, else generated).
    #[arg(long)]
    pub api_secret: Option<String>,
    /// Faults armed from the start, as the JSON `POST /sim/faults` takes.
    #[arg(long, value_name = "JSON")]
    pub faults: Option<String>,
    /// Append every exchange event (fills, order updates, funding, liquidations) to this file as
    /// JSON lines, flushed as they happen: the server's own record of what it did.
    #[arg(long, value_name = "FILE")]
    pub journal: Option<std::path::PathBuf>,
    #[command(flatten)]
    pub config: ConfigArgs,
}

pub fn run(args: ServeArgs) -> anyhow::Result<ExitCode> {
    let mut extra = Vec::new();
    if let Some(d) = &args.dataset {
        extra.push(format!("run.dataset={}", toml::Value::String(d.clone())));
    }
    let spec = args.config.load(extra)?;
    let info = run_inputs::exchange_info(&spec)?;
    let ds = run_inputs::dataset(&spec)?;
    let series: Vec<_> = ds
        .series()
        .iter()
        .filter(|s| spec.run.symbols.is_empty() || spec.run.symbols.contains(s.symbol()))
        .collect();
    let interval = series
        .first()
        .map(|s| s.interval())
        .context("the dataset has none of the run's symbols; check run.symbols")?;
    if series.iter().any(|s| s.interval() != interval) {
        anyhow::bail!("the dataset mixes bar intervals; sim serve replays one interval");
    }
    let bars: Vec<(Symbol, Bar)> = series
        .iter()
        .flat_map(|s| s.iter().map(|b| (s.symbol().clone(), b)))
        .collect();
    let total = bars.len();
    let clock = match (args.speed, args.realtime, args.step) {
        (_, _, true) => ClockMode::Step,
        (_, true, _) => ClockMode::RealTime,
        (speed, _, _) => ClockMode::Accelerated {
            bars_per_second: speed.unwrap_or(1.0),
        },
    };
    let key = credential(args.api_key, "SIM_SERVE_API_KEY", "key");
    let secret = credential(args.api_secret, "SIM_SERVE_API_SECRET", "secret");
    let mut cfg = ServeConfig::new(
        info,
        spec.exchange.clone(),
        interval,
        bars,
        vec![ApiKey {
            key: key.clone(),
            secret: secret.clone(),
        }],
    );
    cfg.clock = clock;
    cfg.warmup_steps = args.warmup;
    cfg.weight_limit = args.weight_limit;
    if args.no_rate_limits {
        cfg.weight_limit = u32::MAX;
        cfg.order_limits = (u32::MAX, u32::MAX);
    }
    cfg.addr = std::net::SocketAddr::from(([127, 0, 0, 1], args.port));
    cfg.journal = args.journal;
    if let Some(json) = &args.faults {
        cfg.faults = serde_json::from_str::<Faults>(json)
            .context("--faults must be the JSON that POST /sim/faults takes")?;
    }
    let server = Server::start(cfg)?;
    let symbols: Vec<String> = series.iter().map(|s| s.symbol().to_string()).collect();
    let url = server.base_url();
    let lines = [
        format!("sim serve: a Binance USD-M compatible exchange at {url}"),
        format!(
            "  dataset {} ({interval}, {}), {total} bars, clock {}, {} warm-up bars",
            spec.run.dataset,
            symbols.join(" "),
            describe(clock),
            args.warmup.max(1)
        ),
        format!("  API key:    {key}"),
        format!("  API secret: {secret}"),
        format!(
            "  try: curl '{url}/fapi/v1/klines?symbol={}&interval={interval}&limit=5'",
            symbols.first().map_or("BTCUSDT", String::as_str)
        ),
        format!(
            "  admin: POST {url}/sim/step?bars=N, GET {url}/sim/state, GET/POST {url}/sim/faults"
        ),
        "Ctrl-C stops it.".to_string(),
    ];
    // A reader that closes stdout (a script that only wanted the URL) must not stop the server.
    let mut out = std::io::stdout().lock();
    for line in lines {
        let _ = writeln!(out, "{line}");
    }
    let _ = out.flush();
    drop(out);
    server.wait();
    Ok(ExitCode::SUCCESS)
}

fn describe(clock: ClockMode) -> String {
    match clock {
        ClockMode::Step => "step (POST /sim/step)".to_string(),
        ClockMode::RealTime => "real time".to_string(),
        ClockMode::Accelerated { bars_per_second } => format!("{bars_per_second} bars/s"),
    }
}

/// The flag, else the environment variable, else a fresh random-looking hex string.
fn credential(flag: Option<String>, var: &str, what: &str) -> String {
    flag.or_else(|| std::env::var(var).ok().filter(|v| !v.is_empty()))
        .unwrap_or_else(|| {
            let nanos = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos());
            let seed = format!("{what}:{nanos}:{}", std::process::id());
            binance::sign::sign("sim serve generated credential", &seed)
        })
}
