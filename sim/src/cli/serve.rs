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
use exchange_sim::{FundingRate, MarketFill};
use pipeline::{Bar, Symbol};
// The server crate (this module, `cli::serve`, is its command).
use ::serve::{ApiKey, ClockMode, Faults, ServeConfig, Server, TimeBase};

use super::run_inputs::{self, ConfigArgs};
use sim::backtest::{recorded_marks, recorded_trades};

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
    /// When a MARKET order fills: `immediate` (at once, at the last price plus the configured
    /// slippage, as on Binance) or `next_open` (the backtest's rule: NEW until the symbol's next
    /// bar, then at its open). Overrides exchange.market_fill of the run config.
    #[arg(long, value_enum, default_value_t = MarketFillArg::Immediate)]
    pub market_fill: MarketFillArg,
    /// The clock the API speaks: `dataset` (`/fapi/v1/time`, event times and the timestamp
    /// check follow the replayed market; sync your client with `GET /fapi/v1/time`) or `wall`
    /// (the time of day, as before; clients sign with their own clock).
    #[arg(long, value_enum, default_value_t = ClockArg::Dataset)]
    pub clock: ClockArg,
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

/// `--clock`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ClockArg {
    Dataset,
    Wall,
}

/// `--market-fill`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum MarketFillArg {
    Immediate,
    #[value(name = "next_open")]
    NextOpen,
}

pub fn run(args: ServeArgs) -> anyhow::Result<ExitCode> {
    let mut extra = Vec::new();
    if let Some(d) = &args.dataset {
        extra.push(format!("run.dataset={}", toml::Value::String(d.clone())));
    }
    let spec = args.config.load(extra)?;
    let resolved = run_inputs::exchange_info(&spec)?;
    run_inputs::say_exchange_info(&resolved);
    let info = resolved.info;
    let ds = run_inputs::dataset(&spec)?;
    let (series, unlisted): (Vec<_>, Vec<_>) = ds
        .series()
        .iter()
        .filter(|s| spec.run.symbols.is_empty() || spec.run.symbols.contains(s.symbol()))
        .partition(|s| info.get(s.symbol().as_str()).is_some());
    // A universe wider than the venue: the venue's list wins, as it would on the testnet,
    // where an order for a symbol it lacks answers -1121 `Invalid symbol.`.
    let left_out: Vec<String> = unlisted.iter().map(|s| s.symbol().to_string()).collect();
    if !left_out.is_empty() {
        eprintln!(
            "sim serve: {} not served: run.exchange_info = \"{}\" does not list {}; requests \
             for {} answer -1121 Invalid symbol., as that venue answers",
            left_out.join(", "),
            spec.run.exchange_info,
            if left_out.len() == 1 { "it" } else { "them" },
            if left_out.len() == 1 { "it" } else { "them" },
        );
    }
    let interval = series.first().map(|s| s.interval()).with_context(|| {
        if left_out.is_empty() {
            "the dataset has none of the run's symbols; check run.symbols".to_string()
        } else {
            format!(
                "run.exchange_info = \"{}\" lists none of the dataset's symbols ({}); \
                     use exchange info that lists them (e.g. --set run.exchange_info=mainnet)",
                spec.run.exchange_info,
                left_out.join(", ")
            )
        }
    })?;
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
    let funding = &spec.exchange.funding;
    if funding.enabled && funding.recorded {
        cfg.funding_rates = series
            .iter()
            .filter_map(|s| {
                let f = s.funding()?;
                let rates = f
                    .records
                    .iter()
                    .map(|r| FundingRate {
                        time: r.time,
                        rate: r.rate,
                        mark_price: None,
                    })
                    .collect();
                Some((s.symbol().clone(), rates))
            })
            .collect();
    }
    cfg.mark_prices = series
        .iter()
        .filter_map(|s| Some((s.symbol().clone(), recorded_marks::tape_of(s)?)))
        .collect();
    cfg.trades = series
        .iter()
        .filter_map(|s| Some((s.symbol().clone(), recorded_trades::tape_of(s)?)))
        .collect();
    cfg.time_base = match args.clock {
        ClockArg::Dataset => TimeBase::Dataset,
        ClockArg::Wall => TimeBase::Wall,
    };
    cfg.sim.market_fill = match args.market_fill {
        MarketFillArg::Immediate => MarketFill::CurrentClose,
        MarketFillArg::NextOpen => MarketFill::NextOpen,
    };
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
            "  dataset {} ({interval}, {}), {total} bars, clock {}, {} warm-up bars, MARKET orders fill {}",
            spec.run.dataset,
            symbols.join(" "),
            describe(clock),
            args.warmup.max(1),
            match args.market_fill {
                MarketFillArg::Immediate => "at once",
                MarketFillArg::NextOpen => "at the next open",
            }
        ),
        format!(
            "  API clock: {}",
            match args.clock {
                ClockArg::Dataset =>
                    "the dataset's (sync your client with GET /fapi/v1/time; --clock wall for the time of day)",
                ClockArg::Wall => "the time of day (--clock wall)",
            }
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
