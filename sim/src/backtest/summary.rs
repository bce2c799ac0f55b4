//! The run folder's files: `summary.json` (dataset, metrics, account, funnel, fingerprint, and
//! a separate `wall_clock` section, the only part that differs between identical runs),
//! `config.toml` (the resolved config), and through `run_tables` and `price_candles` the
//! trades, equity and price tables.
//! Must never live here: the loop or any decision.

use std::path::Path;
use std::time::Duration;

use anyhow::Context;
use datasets::BarSeries;
use exchange_sim::AccountSnapshot;
use exchange_sim::SimExchange;
use pipeline::funnel::Funnel;
use reports::metrics::{self, EquityPoint, Metrics, TradeOutcome};
pub use reports::run_folder::{DatasetInfo, ExecutionModel, Fingerprint, WallClock};
use rust_decimal::prelude::ToPrimitive;
use serde::Serialize;

use super::run_tables;
use super::trades;
use crate::config::RunSpec;

/// What the summary is built from.
#[derive(Debug)]
pub struct RunInputs<'a> {
    pub spec: &'a RunSpec,
    /// The dataset's name, and whether it is synthetic (a replay names its session).
    pub dataset_name: &'a str,
    pub synthetic: bool,
    pub series: &'a [&'a BarSeries],
    pub info_name: &'a str,
    pub info_hash: String,
    pub bars: u64,
    pub journal_lines: u64,
    pub elapsed: Duration,
}

#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    pub dataset: DatasetInfo,
    pub strategy: serde_json::Value,
    pub exchange_info: String,
    pub config_source: String,
    /// Every rule the simulation ran under (fills, intrabar order, funding source, mark
    /// price, fees, slippage, latency).
    pub execution_model: ExecutionModel,
    pub metrics: Metrics,
    pub account: AccountSnapshot,
    pub orders: u64,
    pub fills: usize,
    pub journal_lines: u64,
    pub funnel: Funnel,
    pub fingerprint: Fingerprint,
    /// Differs between identical runs; everything above does not.
    pub wall_clock: WallClock,
}

/// sha256 of every series' symbol, then its columns (open, high, low, close, volume, open
/// time) as little-endian bytes, then its recorded funding if it has some (time and rate of
/// each settlement): streamed through a small buffer, never the whole year at once.
pub(crate) fn data_hash(series: &[&BarSeries]) -> String {
    let mut hasher = datasets::Sha256Stream::default();
    let mut chunk: Vec<u8> = Vec::with_capacity(1 << 16);
    // Every byte goes through `chunk`, in order.
    let mut feed = |bytes: &[u8]| {
        if chunk.len() + bytes.len() > chunk.capacity() {
            hasher.update(&chunk);
            chunk.clear();
        }
        chunk.extend_from_slice(bytes);
    };
    for s in series {
        feed(s.symbol().as_str().as_bytes());
        for col in [s.opens(), s.highs(), s.lows(), s.closes(), s.volumes()] {
            for v in col {
                feed(&v.to_le_bytes());
            }
        }
        for t in s.open_times() {
            feed(&t.to_le_bytes());
        }
        for r in s.funding().map_or(&[][..], |f| &f.records[..]) {
            feed(&r.time.0.to_le_bytes());
            feed(r.rate.to_string().as_bytes());
        }
    }
    hasher.update(&chunk);
    hasher.finish_hex()
}

/// `a` on a thread of its own and `b` on this one, both to the end. When no thread can be
/// started, `a`'s result is that error (and `b` still runs).
fn both<A, B>(
    a: impl FnOnce() -> anyhow::Result<A> + Send,
    b: impl FnOnce() -> anyhow::Result<B>,
) -> (anyhow::Result<A>, anyhow::Result<B>)
where
    A: Send,
{
    std::thread::scope(
        |scope| match std::thread::Builder::new().spawn_scoped(scope, a) {
            Ok(handle) => {
                let rb = b();
                let ra = handle.join().unwrap_or_else(|_| {
                    Err(anyhow::anyhow!(
                        "writing the run folder stopped unexpectedly (a writer thread panicked)"
                    ))
                });
                (ra, rb)
            }
            Err(e) => (
                Err(anyhow::anyhow!(
                    "cannot start a thread to write the run folder: {e}"
                )),
                b(),
            ),
        },
    )
}

fn f64_of(d: rust_decimal::Decimal) -> f64 {
    d.to_f64().unwrap_or(f64::NAN)
}

/// The run's metrics and trades from its exchange and equity curve (`summary.json`'s
/// `metrics`; `sim sweep` computes each point's row with this too).
pub fn run_metrics(
    interval: pipeline::Interval,
    exchange: &SimExchange,
    equity: &[EquityPoint],
) -> (Metrics, Vec<trades::Trade>) {
    let trades = trades::from_history(exchange.fills(), exchange.account_history());
    let outcomes: Vec<TradeOutcome> = trades
        .iter()
        .filter_map(|t| {
            t.exit_time.map(|exit| TradeOutcome {
                entry_ms: t.entry_time,
                exit_ms: exit,
                net_pnl: f64_of(t.net_pnl),
            })
        })
        .collect();
    let m = metrics::compute(equity, &outcomes, interval.bars_per_year());
    (m, trades)
}

/// Writes every file of the run folder into `dir` and returns the summary.
pub fn write_run_folder(
    dir: &Path,
    inp: &RunInputs<'_>,
    exchange: &SimExchange,
    equity: &[EquityPoint],
    funnel: &Funnel,
) -> anyhow::Result<Summary> {
    let interval = inp.series[0].interval();
    let (m, trades) = run_metrics(interval, exchange, equity);

    let config_toml = inp.spec.to_toml()?;
    let config_path = dir.join("config.toml");
    std::fs::write(&config_path, &config_toml)
        .with_context(|| format!("cannot write {}", config_path.display()))?;
    // The two largest pieces of work (equity.csv.zst and the data's hash) run beside the rest.
    let compressed = run_tables::TableForm::Compressed;
    let (beside, trades_csv) = both(
        || -> anyhow::Result<String> {
            run_tables::write_equity_csv(dir, equity)?;
            Ok(data_hash(inp.series))
        },
        || -> anyhow::Result<String> {
            let trades_csv = run_tables::write_trades_as(dir, &trades, compressed)?;
            run_tables::write_fills_as(dir, exchange.fills(), compressed)?;
            let prices = compressed.path(dir, "prices.csv");
            let text = super::price_candles::prices_csv(inp.series);
            run_tables::write_text(&prices, &text, compressed)?;
            if let Some(text) = super::price_candles::marks_csv(inp.series) {
                run_tables::write_text(&compressed.path(dir, "marks.csv"), &text, compressed)?;
            }
            Ok(trades_csv)
        },
    );
    let (data_sha256, trades_csv) = (beside?, trades_csv?);

    let first = inp
        .series
        .iter()
        .filter_map(|s| s.open_times().first())
        .min()
        .copied()
        .unwrap_or(0);
    let last = inp
        .series
        .iter()
        .filter_map(|s| s.open_times().last())
        .max()
        .copied()
        .unwrap_or(0);
    let fp_parts = [
        data_sha256,
        datasets::sha256_hex(config_toml.as_bytes()),
        inp.info_hash.clone(),
        inp.spec.run.seed.to_string(),
        datasets::sha256_hex(trades_csv.as_bytes()),
    ];
    let fingerprint = Fingerprint {
        run: datasets::sha256_hex(fp_parts.join("\n").as_bytes()),
        data_sha256: fp_parts[0].clone(),
        config_sha256: fp_parts[1].clone(),
        exchange_info_sha256: fp_parts[2].clone(),
        seed: inp.spec.run.seed,
        trades_sha256: fp_parts[4].clone(),
    };
    let secs = inp.elapsed.as_secs_f64();
    let summary = Summary {
        dataset: DatasetInfo {
            name: inp.dataset_name.to_string(),
            kind: if inp.synthetic { "synthetic" } else { "real" }.to_string(),
            synthetic: inp.synthetic,
            symbols: inp.series.iter().map(|s| s.symbol().to_string()).collect(),
            interval: interval.to_string(),
            first_bar: pipeline::TimestampMs(first).to_string(),
            last_bar: pipeline::TimestampMs(last).to_string(),
            bars: inp.bars,
        },
        strategy: serde_json::to_value(&inp.spec.strategy)?,
        exchange_info: inp.info_name.to_string(),
        config_source: inp.spec.source.clone(),
        execution_model: super::execution_model::of(
            &inp.spec.exchange,
            inp.series,
            inp.spec.pipeline.executor.working_type,
            super::execution_model::Counts {
                by_rule: exchange.intrabar_bars_by_rule(),
                by_data: exchange.intrabar_bars_by_data(),
                marks_missing: exchange.mark_bars_missing(),
            },
        ),
        metrics: m,
        account: exchange.account(),
        orders: funnel.orders(pipeline::stages::EvalType::Entry)
            + funnel.orders(pipeline::stages::EvalType::Exit),
        fills: exchange.fills().len(),
        journal_lines: inp.journal_lines,
        funnel: funnel.clone(),
        fingerprint,
        wall_clock: WallClock {
            elapsed_ms: secs * 1000.0,
            bars_per_second: if secs > 0.0 {
                inp.bars as f64 / secs
            } else {
                0.0
            },
        },
    };
    let json = serde_json::to_string_pretty(&summary).context("cannot write summary.json")?;
    std::fs::write(dir.join("summary.json"), json + "\n")?;
    Ok(summary)
}

#[cfg(test)]
mod tests {
    use super::*;
    use pipeline::{Interval, Symbol, TimestampMs};

    /// The streamed hash is the hash of the bytes laid end to end, series after series (so
    /// fingerprints of runs over several symbols did not change when it stopped copying).
    #[test]
    fn the_data_hash_streams_the_same_bytes_in_the_same_order() {
        let series: Vec<BarSeries> = ["BTCUSDT", "ETHUSDT"]
            .iter()
            .map(|name| {
                datasets::generate(
                    &Symbol::new(name).expect("symbol"),
                    Interval::M1,
                    TimestampMs::from_utc(2025, 1, 1, 0, 0, 0),
                    TimestampMs::from_utc(2025, 1, 8, 0, 0, 0),
                    7,
                )
                .expect("series")
            })
            .collect();
        let refs: Vec<&BarSeries> = series.iter().collect();
        let mut bytes = Vec::new();
        for s in &refs {
            bytes.extend_from_slice(s.symbol().as_str().as_bytes());
            for col in [s.opens(), s.highs(), s.lows(), s.closes(), s.volumes()] {
                for v in col {
                    bytes.extend_from_slice(&v.to_le_bytes());
                }
            }
            for t in s.open_times() {
                bytes.extend_from_slice(&t.to_le_bytes());
            }
        }
        assert!(bytes.len() > 4 * (1 << 16), "the test crosses many chunks");
        assert_eq!(data_hash(&refs), datasets::sha256_hex(&bytes));
    }
}
