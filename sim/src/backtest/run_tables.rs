//! The run folder's tables: trades (one row per round trip), equity (one row per bar close),
//! fills (every execution). A backtest writes them as zstd-compressed CSV (`trades.csv.zst`,
//! `equity.csv.zst`, `fills.csv.zst`: pandas and polars read them directly, and decompressed
//! they are the CSV text older run folders hold), plus `trades.parquet`; a live session writes
//! plain `fills.csv` and `trades.csv` ([`TableForm`]).
//!
//! The CSV text carries the exact decimal text of every amount (it feeds the run fingerprint);
//! `trades.parquet` carries the same rows typed for analysis: times as i64 epoch milliseconds
//! (UTC), amounts as f64, `exit_*` null while a trade is open. Equity has no Parquet twin: its
//! CSV compresses to a third of what the Parquet file took.
//! Must never live here: how trades are built (`trades.rs`) or the summary and its metrics.

use std::fmt::Write as _;
use std::fs::File;
use std::io::Write as _;
use std::path::Path;

use anyhow::Context;
use pipeline::TimestampMs;
use polars::prelude::{Column, DataFrame, ParquetCompression, ParquetWriter};
use reports::metrics::EquityPoint;
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

use pipeline::venue::Fill;

use super::csv_text;
use super::trades::Trade;
use super::zstd_frames::FramedZstd;

/// How a table's CSV is stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TableForm {
    /// `trades.csv` (live sessions).
    Plain,
    /// `trades.csv.zst` (backtests).
    Compressed,
}

impl TableForm {
    /// The file of the table `name` (`trades.csv`) in this form.
    pub fn path(self, dir: &Path, name: &str) -> std::path::PathBuf {
        match self {
            TableForm::Plain => dir.join(name),
            TableForm::Compressed => dir.join(reports::run_folder::files::compressed_name(name)),
        }
    }
}

/// Writes `trades.csv` and `trades.parquet` into `dir`; returns the CSV text.
pub fn write_trades(dir: &Path, trades: &[Trade]) -> anyhow::Result<String> {
    write_trades_as(dir, trades, TableForm::Plain)
}

/// Writes the trades' CSV in `form` and `trades.parquet` into `dir`; returns the CSV text.
pub fn write_trades_as(dir: &Path, trades: &[Trade], form: TableForm) -> anyhow::Result<String> {
    let csv = trades_csv(trades);
    write_text(&form.path(dir, "trades.csv"), &csv, form)?;
    let f = |d: Decimal| d.to_f64().unwrap_or(f64::NAN);
    let mut df = DataFrame::new(
        trades.len(),
        vec![
            Column::new(
                "symbol".into(),
                trades.iter().map(|t| t.symbol.as_str()).collect::<Vec<_>>(),
            ),
            Column::new(
                "side".into(),
                trades.iter().map(|t| t.side).collect::<Vec<_>>(),
            ),
            Column::new(
                "entry_time_ms".into(),
                trades.iter().map(|t| t.entry_time).collect::<Vec<_>>(),
            ),
            Column::new(
                "exit_time_ms".into(),
                trades.iter().map(|t| t.exit_time).collect::<Vec<_>>(),
            ),
            Column::new(
                "entry_price".into(),
                trades.iter().map(|t| f(t.entry_price)).collect::<Vec<_>>(),
            ),
            Column::new(
                "exit_price".into(),
                trades
                    .iter()
                    .map(|t| t.exit_price.map(f))
                    .collect::<Vec<_>>(),
            ),
            Column::new(
                "max_qty".into(),
                trades.iter().map(|t| f(t.max_qty)).collect::<Vec<_>>(),
            ),
            Column::new(
                "realized_pnl".into(),
                trades.iter().map(|t| f(t.realized_pnl)).collect::<Vec<_>>(),
            ),
            Column::new(
                "fees".into(),
                trades.iter().map(|t| f(t.fees)).collect::<Vec<_>>(),
            ),
            Column::new(
                "funding".into(),
                trades.iter().map(|t| f(t.funding)).collect::<Vec<_>>(),
            ),
            Column::new(
                "net_pnl".into(),
                trades.iter().map(|t| f(t.net_pnl)).collect::<Vec<_>>(),
            ),
            Column::new(
                "liquidated".into(),
                trades.iter().map(|t| t.liquidated).collect::<Vec<_>>(),
            ),
            Column::new(
                "exit_by".into(),
                trades.iter().map(|t| t.exit_by).collect::<Vec<_>>(),
            ),
        ],
    )
    .context("cannot build the trades table")?;
    write_parquet(&dir.join("trades.parquet"), &mut df)?;
    Ok(csv)
}

/// Writes `text` to `path` (compressed when `form` says so).
pub fn write_text(path: &Path, text: &str, form: TableForm) -> anyhow::Result<()> {
    let fail = || format!("cannot write {}", path.display());
    match form {
        TableForm::Plain => std::fs::write(path, text).with_context(fail),
        TableForm::Compressed => {
            let file = File::create(path).with_context(fail)?;
            FramedZstd::new(file)
                .and_then(|mut z| z.write_all(text.as_bytes()).and_then(|()| z.finish()))
                .map(drop)
                .with_context(fail)
        }
    }
}

fn write_parquet(path: &Path, df: &mut DataFrame) -> anyhow::Result<()> {
    let file = File::create(path).with_context(|| format!("cannot create {}", path.display()))?;
    ParquetWriter::new(file)
        .with_compression(ParquetCompression::Lz4Raw)
        .finish(df)
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

fn opt<T: ToString>(v: Option<T>) -> String {
    v.map(|x| x.to_string()).unwrap_or_default()
}

fn trades_csv(trades: &[Trade]) -> String {
    let mut s = String::from(
        "symbol,side,entry_time,exit_time,entry_price,exit_price,max_qty,realized_pnl,fees,funding,net_pnl,liquidated,exit_by\n",
    );
    for t in trades {
        let _ = writeln!(
            s,
            "{},{},{},{},{},{},{},{},{},{},{},{},{}",
            t.symbol,
            t.side,
            TimestampMs(t.entry_time),
            opt(t.exit_time.map(TimestampMs)),
            t.entry_price,
            opt(t.exit_price),
            t.max_qty,
            t.realized_pnl,
            t.fees,
            t.funding,
            t.net_pnl,
            t.liquidated,
            t.exit_by.unwrap_or_default()
        );
    }
    s
}

/// Writes `fills.csv`: every execution in venue order (what `sim diff` pairs across runs).
pub fn write_fills(dir: &Path, fills: &[Fill]) -> anyhow::Result<()> {
    write_fills_as(dir, fills, TableForm::Plain)
}

/// [`write_fills`] in `form`.
pub fn write_fills_as(dir: &Path, fills: &[Fill], form: TableForm) -> anyhow::Result<()> {
    stream_csv(&form.path(dir, "fills.csv"), form, FILLS_HEADER, |w| {
        for f in fills {
            writeln!(
                w,
                "{},{},{},{},{},{},{},{},{},{}",
                f.time,
                f.symbol,
                f.side,
                f.qty,
                f.price,
                f.fee,
                f.realized_pnl,
                f.is_maker,
                f.order_id,
                f.client_order_id
            )?;
        }
        Ok(())
    })
}

/// The header of `fills.csv`.
const FILLS_HEADER: &str =
    "time,symbol,side,qty,price,fee,realized_pnl,is_maker,order_id,client_order_id\n";

/// `equity.csv.zst` in `dir` (a year of 1m bars is 23 MB of text, 2 MB compressed: streamed,
/// never held in memory at once).
pub fn write_equity_csv(dir: &Path, equity: &[EquityPoint]) -> anyhow::Result<()> {
    let form = TableForm::Compressed;
    stream_csv(
        &form.path(dir, "equity.csv"),
        form,
        "time,equity,in_market\n",
        |w| {
            let mut row = Vec::with_capacity(64);
            let mut time = csv_text::TimeText::default();
            for p in equity {
                row.clear();
                time.push(&mut row, TimestampMs(p.time_ms));
                row.push(b',');
                csv_text::push_fixed8(&mut row, p.equity);
                row.extend_from_slice(if p.in_market { b",true\n" } else { b",false\n" });
                w.write_all(&row)?;
            }
            Ok(())
        },
    )
}

/// Writes `header` and then the rows `rows` writes, through a buffer (and zstd when `form`
/// says so); errors name the file.
fn stream_csv(
    path: &Path,
    form: TableForm,
    header: &str,
    rows: impl FnOnce(&mut dyn std::io::Write) -> std::io::Result<()>,
) -> anyhow::Result<()> {
    let fail = || format!("cannot write {}", path.display());
    let file = File::create(path).with_context(fail)?;
    let written = match form {
        TableForm::Plain => {
            let mut w = std::io::BufWriter::new(file);
            w.write_all(header.as_bytes())
                .and_then(|()| rows(&mut w))
                .and_then(|()| w.flush())
        }
        TableForm::Compressed => FramedZstd::new(file).and_then(|mut z| {
            z.write_all(header.as_bytes())
                .and_then(|()| rows(&mut z))
                .and_then(|()| z.finish())
                .map(drop)
        }),
    };
    written.with_context(fail)
}

#[cfg(test)]
mod tests {
    use super::*;
    use polars::prelude::{ParquetReader, SerReader};

    fn read(path: &Path) -> DataFrame {
        ParquetReader::new(File::open(path).expect("open"))
            .finish()
            .expect("parquet")
    }

    #[test]
    fn equity_is_compressed_csv_any_zstd_reader_opens() {
        let dir = tempfile::tempdir().expect("tmp");
        let pts = [
            EquityPoint {
                time_ms: 60_000,
                equity: 10_000.0,
                in_market: false,
            },
            EquityPoint {
                time_ms: 120_000,
                equity: 10_012.5,
                in_market: true,
            },
        ];
        write_equity_csv(dir.path(), &pts).expect("write csv");
        assert!(!dir.path().join("equity.csv").exists());
        let packed = std::fs::read(dir.path().join("equity.csv.zst")).expect("csv.zst");
        let csv = zstd::decode_all(packed.as_slice()).expect("one zstd frame");
        assert_eq!(
            String::from_utf8(csv).expect("utf-8"),
            "time,equity,in_market\n\
             1970-01-01T00:01:00.000Z,10000.00000000,false\n\
             1970-01-01T00:02:00.000Z,10012.50000000,true\n"
        );
    }

    #[test]
    fn trades_parquet_keeps_open_trades_exit_null() {
        let dir = tempfile::tempdir().expect("tmp");
        let t = Trade {
            symbol: pipeline::Symbol::new("BTCUSDT").expect("symbol"),
            side: "LONG",
            entry_time: 60_000,
            exit_time: None,
            entry_price: Decimal::new(871_234, 1),
            exit_price: None,
            max_qty: Decimal::new(6, 3),
            realized_pnl: Decimal::ZERO,
            fees: Decimal::new(52, 2),
            funding: Decimal::ZERO,
            net_pnl: Decimal::new(-52, 2),
            liquidated: false,
            exit_by: None,
        };
        let csv = write_trades(dir.path(), &[t]).expect("write");
        assert!(
            csv.ends_with(
                "BTCUSDT,LONG,1970-01-01T00:01:00.000Z,,87123.4,,0.006,0,0.52,0,-0.52,false,\n"
            ),
            "{csv}"
        );
        let df = read(&dir.path().join("trades.parquet"));
        assert_eq!(df.height(), 1);
        let exit = df.column("exit_time_ms").expect("col").i64().expect("i64");
        assert_eq!(exit.get(0), None);
        let px = df.column("entry_price").expect("col").f64().expect("f64");
        assert_eq!(px.get(0), Some(87_123.4));
    }
}
