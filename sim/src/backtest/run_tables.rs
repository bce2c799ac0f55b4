//! The run folder's tables, each as CSV and Parquet: `trades.csv`/`trades.parquet` (one row per
//! round trip) and `equity.csv`/`equity.parquet` (one row per bar close).
//!
//! The CSV files carry the exact decimal text of every amount (they feed the run fingerprint);
//! the Parquet files carry the same rows typed for analysis: times as i64 epoch milliseconds
//! (UTC), amounts as f64, `exit_*` null while a trade is open.
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

/// Writes `trades.csv` and `trades.parquet` into `dir`; returns the CSV text.
pub fn write_trades(dir: &Path, trades: &[Trade]) -> anyhow::Result<String> {
    let csv = trades_csv(trades);
    write_text(&dir.join("trades.csv"), &csv)?;
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

/// Writes `equity.parquet` into `dir`.
pub fn write_equity_parquet(dir: &Path, equity: &[EquityPoint]) -> anyhow::Result<()> {
    let mut df = DataFrame::new(
        equity.len(),
        vec![
            Column::new(
                "time_ms".into(),
                equity.iter().map(|p| p.time_ms).collect::<Vec<_>>(),
            ),
            Column::new(
                "equity".into(),
                equity.iter().map(|p| p.equity).collect::<Vec<_>>(),
            ),
            Column::new(
                "in_market".into(),
                equity.iter().map(|p| p.in_market).collect::<Vec<_>>(),
            ),
        ],
    )
    .context("cannot build the equity table")?;
    write_parquet(&dir.join("equity.parquet"), &mut df)
}

fn write_text(path: &Path, text: &str) -> anyhow::Result<()> {
    std::fs::write(path, text).with_context(|| format!("cannot write {}", path.display()))
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
    stream_csv(&dir.join("fills.csv"), FILLS_HEADER, |w| {
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

/// `equity.csv` (a year of 1m bars is 25 MB of text: streamed, never held in memory at once).
pub fn write_equity_csv(path: &Path, equity: &[EquityPoint]) -> anyhow::Result<()> {
    stream_csv(path, "time,equity,in_market\n", |w| {
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
    })
}

/// Writes `header` and then the rows `rows` writes, through a buffer; errors name the file.
fn stream_csv(
    path: &Path,
    header: &str,
    rows: impl FnOnce(&mut std::io::BufWriter<File>) -> std::io::Result<()>,
) -> anyhow::Result<()> {
    let fail = || format!("cannot write {}", path.display());
    let mut w = std::io::BufWriter::new(File::create(path).with_context(fail)?);
    w.write_all(header.as_bytes())
        .and_then(|()| rows(&mut w))
        .and_then(|()| w.flush())
        .with_context(fail)
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
    fn equity_parquet_has_the_csv_rows_typed() {
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
        write_equity_csv(&dir.path().join("equity.csv"), &pts).expect("write csv");
        write_equity_parquet(dir.path(), &pts).expect("write parquet");
        let csv = std::fs::read_to_string(dir.path().join("equity.csv")).expect("csv");
        assert_eq!(
            csv,
            "time,equity,in_market\n\
             1970-01-01T00:01:00.000Z,10000.00000000,false\n\
             1970-01-01T00:02:00.000Z,10012.50000000,true\n"
        );
        let df = read(&dir.path().join("equity.parquet"));
        assert_eq!(df.height(), 2);
        let eq = df.column("equity").expect("col").f64().expect("f64");
        assert_eq!(eq.get(1), Some(10_012.5));
        let t = df.column("time_ms").expect("col").i64().expect("i64");
        assert_eq!(t.get(0), Some(60_000));
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
